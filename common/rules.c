/*
 * Milestone rules. See rules.h.
 */
#include "rules.h"

#include <stdbool.h>
#include <stdio.h>

int32_t rules_share_required(int32_t total, int32_t pct)
{
    int64_t product = (int64_t)total * pct;
    return (int32_t)((product + 99) / 100);
}

static int32_t rule_due(const struct rules_plan *plan, enum rule_id id)
{
    switch (id) {
    case RULE_START_SHARE:
        return plan->start_share_due;
    case RULE_START_ALL:
        return plan->all_started_due;
    case RULE_REGISTERED:
        return plan->start_share_due;
    case RULE_COMPLETE_ALL:
    default:
        return plan->completion_due;
    }
}

int32_t rules_measure_date(const struct rules_plan *plan, enum rule_id id, int32_t as_of)
{
    int32_t due = rule_due(plan, id);
    return as_of < due ? as_of : due;
}

static enum rule_verdict judge(int32_t actual, int32_t required, int32_t due, int32_t as_of)
{
    if (actual >= required)
        return RULE_MET;
    return as_of <= due ? RULE_PENDING : RULE_MISSED;
}

static double pct(int32_t part, int32_t whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

void rules_evaluate(const struct rules_plan *plan, int32_t as_of, const struct rules_measure *m,
                    struct rule_check out[RULE_COUNT])
{
    char due[DATE_TEXT_SIZE];
    char at[DATE_TEXT_SIZE];

    for (int i = 0; i < RULE_COUNT; i++) {
        out[i].share_pct = plan->start_share_pct;
        out[i].plan_projects = plan->target_projects;
        out[i].plan_households = plan->target_households;
        out[i].households = m->households_registered;
        out[i].measured_on = rules_measure_date(plan, (enum rule_id)i, as_of);
    }

    struct rule_check *r = &out[RULE_START_SHARE];
    r->code = "start_share";
    r->due = plan->start_share_due;
    r->denominator = plan->target_households;
    r->required = rules_share_required(plan->target_households, plan->start_share_pct);
    r->actual = m->households_started;
    r->verdict = judge(r->actual, r->required, r->due, as_of);
    date_format(r->due, due);
    date_format(rules_measure_date(plan, RULE_START_SHARE, as_of), at);
    snprintf(r->title, sizeof r->title, "≥%d%% of households started by %s", plan->start_share_pct,
             due);
    snprintf(r->detail, sizeof r->detail,
             "started %d of %d households (%.1f%%) on %s, rule ≥%d%% = %d: %s", r->actual,
             r->denominator, pct(r->actual, r->denominator), at, plan->start_share_pct, r->required,
             rules_verdict_name(r->verdict));

    /* The projects that exist: with none registered yet, the plan's count stands in. */
    int32_t projects = m->projects_registered > 0 ? m->projects_registered : plan->target_projects;
    r = &out[RULE_START_ALL];
    r->code = "start_all";
    r->due = plan->all_started_due;
    r->denominator = projects;
    r->required = projects;
    r->actual = m->projects_started;
    r->verdict = judge(r->actual, r->required, r->due, as_of);
    date_format(r->due, due);
    date_format(rules_measure_date(plan, RULE_START_ALL, as_of), at);
    snprintf(r->title, sizeof r->title,
             "every registered project started by %s (started: a household started)", due);
    snprintf(r->detail, sizeof r->detail,
             "started %d of %d registered projects on %s (the plan: %d), rule all = %d: %s",
             r->actual, r->denominator, at, plan->target_projects, r->required,
             rules_verdict_name(r->verdict));

    r = &out[RULE_COMPLETE_ALL];
    r->code = "complete_all";
    r->due = plan->completion_due;
    r->denominator = plan->target_households;
    r->required = plan->target_households;
    r->actual = m->households_completed;
    r->verdict = judge(r->actual, r->required, r->due, as_of);
    date_format(r->due, due);
    date_format(rules_measure_date(plan, RULE_COMPLETE_ALL, as_of), at);
    snprintf(r->title, sizeof r->title, "every household completed by %s", due);
    snprintf(r->detail, sizeof r->detail,
             "completed %d of %d households (%.1f%%) on %s, rule all = %d: %s", r->actual,
             r->denominator, pct(r->actual, r->denominator), at, r->required,
             rules_verdict_name(r->verdict));

    /* Registered against the plan: MET when both agree; otherwise the difference is
     * pending until start_share_due and missed after it. actual and required are projects;
     * the detail gives households too. */
    r = &out[RULE_REGISTERED];
    r->code = "registered";
    r->due = plan->start_share_due;
    r->denominator = plan->target_projects;
    r->required = plan->target_projects;
    r->actual = m->projects_registered;
    bool agree = m->projects_registered == plan->target_projects &&
                 m->households_registered == plan->target_households;
    r->verdict = agree ? RULE_MET : as_of <= r->due ? RULE_PENDING : RULE_MISSED;
    r->measured_on = as_of;
    date_format(r->due, due);
    date_format(as_of, at);
    snprintf(r->title, sizeof r->title,
             "registered projects agree with the plan (%d projects, %d households) by %s",
             plan->target_projects, plan->target_households, due);
    snprintf(r->detail, sizeof r->detail,
             "registered %d projects with %d households in scope on %s; the plan says %d "
             "projects, %d households%s: %s",
             m->projects_registered, m->households_registered, at, plan->target_projects,
             plan->target_households, agree ? "" : " (they differ)",
             rules_verdict_name(r->verdict));
}

const char *rules_verdict_name(enum rule_verdict v)
{
    switch (v) {
    case RULE_MET:
        return "met";
    case RULE_PENDING:
        return "pending";
    case RULE_MISSED:
        return "missed";
    }
    return "unknown";
}
