/*
 * A programme's consolidated status as of a date. See status.h. Two queries: the
 * programme's plan, then every project's progress as of the date and as of each rule's
 * measuring date. The arithmetic and the verdicts are common/rules.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "status.h"
#include "rules.h"
#include "server.h"
#include "log.h"
#include "xmalloc.h"

struct status_job {
    struct server *srv;
    status_cb cb;
    void *arg;
    int32_t as_of;
    char programme_id[24];
    char code[64];
    char title[256];
    struct rules_plan plan;
};

static int32_t parse_date_or(const char *text, int32_t fallback)
{
    int32_t days;
    return date_parse(text, &days) ? days : fallback;
}

static double pct(int32_t part, int32_t whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

static void projects_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err) {
        job->cb(job->arg, NULL, err);
        free(job);
        return;
    }
    int n = PQntuples(res);
    Reno__ProjectStatus *items = xcalloc((size_t)n + 1, sizeof *items);
    Reno__ProjectStatus **ptrs = xcalloc((size_t)n + 1, sizeof *ptrs);
    Reno__StatusReply sr = RENO__STATUS_REPLY__INIT;
    struct rules_measure m = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        Reno__ProjectStatus *ps = &items[i];
        reno__project_status__init(ps);
        ps->project_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        ps->name = PQgetvalue(res, i, 1);
        ps->community = PQgetvalue(res, i, 2);
        ps->households = (int32_t)strtol(PQgetvalue(res, i, 3), NULL, 10);
        ps->is_sample = strcmp(PQgetvalue(res, i, 4), "t") == 0;
        ps->households_started = (int32_t)strtol(PQgetvalue(res, i, 5), NULL, 10);
        ps->households_completed = (int32_t)strtol(PQgetvalue(res, i, 6), NULL, 10);
        ps->last_report_date = PQgetvalue(res, i, 7);
        ps->started_pct = pct(ps->households_started, ps->households);
        ps->completed_pct = pct(ps->households_completed, ps->households);
        sr.households += ps->households;
        sr.households_started += ps->households_started;
        sr.households_completed += ps->households_completed;
        m.households_started += (int32_t)strtol(PQgetvalue(res, i, 8), NULL, 10);
        m.projects_started += strtol(PQgetvalue(res, i, 9), NULL, 10) > 0;
        m.households_completed += (int32_t)strtol(PQgetvalue(res, i, 10), NULL, 10);
        ptrs[i] = ps;
    }

    struct rule_check checks[RULE_COUNT];
    rules_evaluate(&job->plan, job->as_of, &m, checks);
    Reno__RuleCheck rc[RULE_COUNT];
    Reno__RuleCheck *rcp[RULE_COUNT];
    char due[RULE_COUNT][DATE_TEXT_SIZE];
    for (int i = 0; i < RULE_COUNT; i++) {
        reno__rule_check__init(&rc[i]);
        date_format(checks[i].due, due[i]);
        rc[i].code = (char *)checks[i].code;
        rc[i].title = checks[i].title;
        rc[i].due = due[i];
        rc[i].verdict = (Reno__Verdict)checks[i].verdict;
        rc[i].actual = checks[i].actual;
        rc[i].required = checks[i].required;
        rc[i].denominator = checks[i].denominator;
        rc[i].detail = checks[i].detail;
        rcp[i] = &rc[i];
    }

    char as_of[DATE_TEXT_SIZE];
    date_format(job->as_of, as_of);
    sr.programme_code = job->code;
    sr.programme_title = job->title;
    sr.as_of = as_of;
    sr.target_households = job->plan.target_households;
    sr.started_pct = pct(sr.households_started, sr.target_households);
    sr.completed_pct = pct(sr.households_completed, sr.target_households);
    sr.n_projects = (size_t)n;
    sr.projects = ptrs;
    sr.n_rules = RULE_COUNT;
    sr.rules = rcp;
    job->cb(job->arg, &sr, NULL);
    free(ptrs);
    free(items);
    free(job);
}

static void programme_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err || PQntuples(res) != 1) {
        struct db_error notfound;
        if (err == NULL) {
            memset(&notfound, 0, sizeof notfound);
            notfound.code = RENO__STATUS_CODE__NOT_FOUND;
            snprintf(notfound.message, sizeof notfound.message, "programme not found");
            err = &notfound;
        }
        job->cb(job->arg, NULL, err);
        free(job);
        return;
    }
    snprintf(job->code, sizeof job->code, "%s", PQgetvalue(res, 0, 0));
    snprintf(job->title, sizeof job->title, "%s", PQgetvalue(res, 0, 1));
    struct rules_plan *plan = &job->plan;
    plan->target_households = (int32_t)strtol(PQgetvalue(res, 0, 2), NULL, 10);
    plan->target_projects = (int32_t)strtol(PQgetvalue(res, 0, 3), NULL, 10);
    plan->start_share_pct = (int32_t)strtol(PQgetvalue(res, 0, 4), NULL, 10);
    plan->start_share_due = parse_date_or(PQgetvalue(res, 0, 5), 0);
    plan->all_started_due = parse_date_or(PQgetvalue(res, 0, 6), 0);
    plan->completion_due = parse_date_or(PQgetvalue(res, 0, 7), 0);

    char as_of[DATE_TEXT_SIZE], d1[DATE_TEXT_SIZE], d2[DATE_TEXT_SIZE], d3[DATE_TEXT_SIZE];
    date_format(job->as_of, as_of);
    date_format(rules_measure_date(plan, RULE_START_SHARE, job->as_of), d1);
    date_format(rules_measure_date(plan, RULE_START_ALL, job->as_of), d2);
    date_format(rules_measure_date(plan, RULE_COMPLETE_ALL, job->as_of), d3);
    const char *params[] = {job->programme_id, as_of, d1, d2, d3};
    if (server_query(job->srv, SQL_STATUS_PROJECTS, 5, params, projects_loaded, job) != 0) {
        struct db_error unavailable;
        memset(&unavailable, 0, sizeof unavailable);
        unavailable.code = RENO__STATUS_CODE__UNAVAILABLE;
        snprintf(unavailable.message, sizeof unavailable.message, "database unavailable: retry");
        job->cb(job->arg, NULL, &unavailable);
        free(job);
    }
}

int status_compute(struct server *srv, int64_t programme_id, int32_t as_of, status_cb cb, void *arg)
{
    struct status_job *job = xcalloc(1, sizeof *job);
    job->srv = srv;
    job->cb = cb;
    job->arg = arg;
    job->as_of = as_of;
    snprintf(job->programme_id, sizeof job->programme_id, "%lld", (long long)programme_id);
    const char *params[] = {job->programme_id};
    if (server_query(srv, SQL_STATUS_PROGRAMME, 1, params, programme_loaded, job) != 0) {
        free(job);
        return -1;
    }
    return 0;
}

Reno__StatusReply *status_copy(const Reno__StatusReply *reply)
{
    /* A round trip through the wire form is the simplest correct deep copy. */
    size_t len = reno__status_reply__get_packed_size(reply);
    uint8_t *buf = xmalloc(len ? len : 1);
    reno__status_reply__pack(reply, buf);
    Reno__StatusReply *copy = reno__status_reply__unpack(NULL, len, buf);
    free(buf);
    if (copy == NULL)
        fatal("cannot unpack a status reply just packed");
    return copy;
}

void status_free(Reno__StatusReply *reply)
{
    if (reply)
        reno__status_reply__free_unpacked(reply, NULL);
}
