/*
 * The work plan's milestone rules (section 五), evaluated as of a date. Pure arithmetic:
 * the caller measures each rule's value as of min(as_of, due) and this module decides
 * the verdict and writes the numbers behind it. No allocation.
 *
 *   start_share   households started >= ceil(target * pct / 100) by start_share_due
 *                 (25% of 802 = 201 by 2022-03-31)
 *   start_all     every registered project started by all_started_due (2 of 2 by
 *                 2022-04-30); a project counts as started once its progress shows at
 *                 least one household started (部分项目开工 … 所有项目开工: the document
 *                 counts projects), and the projects are those registered, not the
 *                 plan's target count, so a project added later must start too
 *   complete_all  households completed = target households by completion_due
 *   registered    the registered projects and their households in scope agree with the
 *                 plan's targets (2 projects, 802 households) by start_share_due: when
 *                 they differ, more or fewer, the status says so with both figures
 *
 * A rule is MET once its value reaches the threshold on or before the due date, PENDING
 * while the due date has not passed (the due date itself counts as open: the plan says
 * "by the end of"), and MISSED after it.
 */
#ifndef RENO_RULES_H
#define RENO_RULES_H

#include <stdint.h>

#include "date.h"

enum rule_verdict { RULE_MET = 1, RULE_PENDING = 2, RULE_MISSED = 3 };

enum rule_id {
    RULE_START_SHARE = 0,
    RULE_START_ALL,
    RULE_COMPLETE_ALL,
    RULE_REGISTERED,
    RULE_COUNT
};

struct rules_plan {
    int32_t target_households;
    int32_t target_projects;
    int32_t start_share_pct;
    int32_t start_share_due; /* days since the epoch */
    int32_t all_started_due;
    int32_t completion_due;
};

/* Each value measured as of min(as_of, the rule's due date). */
struct rules_measure {
    int32_t households_started;    /* for RULE_START_SHARE */
    int32_t projects_started;      /* for RULE_START_ALL */
    int32_t households_completed;  /* for RULE_COMPLETE_ALL */
    int32_t projects_registered;   /* for RULE_START_ALL and RULE_REGISTERED, on as_of */
    int32_t households_registered; /* in scope, for RULE_REGISTERED, on as_of */
};

struct rule_check {
    const char *code; /* "start_share", "start_all", "complete_all", "registered" */
    char title[160];
    int32_t due;
    enum rule_verdict verdict;
    int32_t actual;
    int32_t required;
    int32_t denominator;
    char detail[320];
    /* The figures title and detail are written from, beside actual, required and
     * denominator, so that a client can write them in its own language. */
    int32_t share_pct;       /* the plan's start share, percent */
    int32_t plan_projects;   /* the plan's projects */
    int32_t plan_households; /* the plan's households */
    int32_t households;      /* registered: households in scope on as_of */
    int32_t measured_on;     /* days since the epoch: min(as_of, due) (registered: as_of) */
};

/* ceil(total * pct / 100) without floating point: 25% of 802 is 201. */
int32_t rules_share_required(int32_t total, int32_t pct);

/* The date at which a rule's value is measured: min(as_of, due). */
int32_t rules_measure_date(const struct rules_plan *plan, enum rule_id id, int32_t as_of);

void rules_evaluate(const struct rules_plan *plan, int32_t as_of, const struct rules_measure *m,
                    struct rule_check out[RULE_COUNT]);

const char *rules_verdict_name(enum rule_verdict v);

#endif
