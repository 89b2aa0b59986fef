/*
 * A programme's consolidated status as of a date. See status.h.
 *
 * The reply is built on the heap as reflect.h builds messages (every string and
 * sub-message from malloc), so that the sections can be filled by rowfill.h and the
 * whole freed with one protobuf_c_message_free_unpacked(). Queries, in order: the
 * programme's plan; every project's progress (as of the date and at each rule's date),
 * from which common/rules.c judges the three rules; then one query per section of
 * 0009_status.sql, named in `sections` below after the StatusReply field it fills.
 *
 * The traffic lights are judged last, by common/lights.c, from what the queries returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "lights.h"
#include "log.h"
#include "reflect.h"
#include "rowfill.h"
#include "rules.h"
#include "db.h"
#include "status.h"
#include "xmalloc.h"

/* Each section is one function of 0009_status.sql, called with the programme and the
 * date, whose columns are named after the fields of the StatusReply field it fills. */
static const struct section {
    const char *field; /* StatusReply field */
    const char *name;  /* statement name, for the log */
    const char *sql;
} sections[] = {
    {"light_rules", "status_light_rules", "SELECT * FROM reno_status_light_rules($1, $2::date)"},
    {"plan", "status_plan", "SELECT * FROM reno_status_plan($1, $2::date)"},
    {"phases", "status_phases", "SELECT * FROM reno_status_phases($1, $2::date)"},
    {"funds", "status_funds", "SELECT * FROM reno_status_funds($1, $2::date)"},
    {"contracts", "status_contracts", "SELECT * FROM reno_status_contracts($1, $2::date)"},
    {"lines", "status_lines", "SELECT * FROM reno_status_lines($1, $2::date)"},
    {"surveys", "status_surveys", "SELECT * FROM reno_status_surveys($1, $2::date)"},
    {"supervision", "status_supervision", "SELECT * FROM reno_status_supervision($1, $2::date)"},
    {"round", "status_round", "SELECT * FROM reno_status_round($1, $2::date)"},
    {"missing_reporters", "status_missing_reporters",
     "SELECT * FROM reno_status_missing_reporters($1, $2::date)"},
    /* The plan's rhythm: schema/functions/rhythm.sql. */
    {"rhythm", "status_rhythm", "SELECT * FROM reno_status_rhythm($1, $2::date)"},
    /* Parties, quality and safety, payment terms and the plan's guards (0021_parties.sql). */
    {"parties", "status_parties", "SELECT * FROM reno_status_parties($1, $2::date)"},
    {"quality", "status_quality", "SELECT * FROM reno_status_quality($1, $2::date)"},
    {"payments", "status_payments", "SELECT * FROM reno_status_payments($1, $2::date)"},
    {"guards", "status_guards", "SELECT * FROM reno_status_guards($1, $2::date)"},
};

#define SECTION_COUNT (sizeof sections / sizeof sections[0])

struct status_job {
    struct db_pool *pool;
    struct db_pin *pin; /* the snapshot's connection, once given */
    status_cb cb;
    void *arg;
    int32_t as_of;
    char programme_id[24];
    char as_of_text[DATE_TEXT_SIZE];
    struct rules_plan plan;
    struct rules_measure measure;         /* the programme's, at each rule's date */
    struct rule_check checks[RULE_COUNT]; /* the programme's verdicts */
    struct lights_project *measures;      /* one per reply->projects[i] */
    Reno__StatusReply *reply;             /* owned; built up query by query */
    size_t section;                       /* the next section to load */
};

static void job_free(struct status_job *job)
{
    free(job->measures);
    if (job->reply)
        protobuf_c_message_free_unpacked(&job->reply->base, NULL);
    free(job);
}

static void job_fail(struct status_job *job, const struct db_error *err)
{
    /* The pool rolls the snapshot's transaction back before the connection serves again. */
    if (job->pin)
        db_pin_release(job->pin);
    job->pin = NULL;
    job->cb(job->arg, NULL, err);
    job_free(job);
}

static void job_fail_code(struct status_job *job, Reno__StatusCode code, const char *message)
{
    struct db_error e;
    memset(&e, 0, sizeof e);
    e.code = code;
    snprintf(e.message, sizeof e.message, "%s", message);
    job_fail(job, &e);
}

static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *d,
                                                const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    if (f == NULL)
        fatal("%s has no field %s", d->name, name);
    return f;
}

static int32_t parse_date_or(const char *text, int32_t fallback)
{
    int32_t days;
    return text != NULL && date_parse(text, &days) ? days : fallback;
}

static int32_t int_at(const PGresult *res, int row, int col)
{
    return (int32_t)strtol(PQgetvalue(res, row, col), NULL, 10);
}

static double pct(int32_t part, int32_t whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

/* ---- the queries ----------------------------------------------------------------------- */

/* The next statement of the snapshot; a refusal (the connection was lost) fails the job. */
static void job_query(struct status_job *job, const char *name, const char *sql, int nparams,
                      const char *const *params, db_cb cb)
{
    if (db_pin_query_text(job->pin, name, sql, nparams, params, cb, job) != 0)
        job_fail_code(job, RENO__STATUS_CODE__UNAVAILABLE,
                      "the database connection of the status snapshot was lost: retry");
}

static void job_stmt(struct status_job *job, enum sql_stmt stmt, int nparams,
                     const char *const *params, db_cb cb)
{
    const struct sql_statement *s = sql_get(stmt);
    job_query(job, s->name, s->text, nparams, params, cb);
}

static void load_section(struct status_job *job);

static void section_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err) {
        job_fail(job, err);
        return;
    }
    const struct section *s = &sections[job->section];
    rowfill_field(&job->reply->base, field_of(&reno__status_reply__descriptor, s->field), res);
    job->section++;
    load_section(job);
}

static void committed(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    (void)res;
    if (err) {
        job_fail(job, err);
        return;
    }
    db_pin_release(job->pin);
    job->pin = NULL;
    lights_judge(job->reply, job->as_of, &job->plan, job->checks, job->measures);
    job->reply->computed_at = (int64_t)time(NULL);
    job->cb(job->arg, job->reply, NULL);
    job_free(job);
}

static void load_section(struct status_job *job)
{
    if (job->section == SECTION_COUNT) {
        job_stmt(job, SQL_STATUS_COMMIT, 0, NULL, committed);
        return;
    }
    const struct section *s = &sections[job->section];
    const char *params[] = {job->programme_id, job->as_of_text};
    job_query(job, s->name, s->sql, 2, params, section_loaded);
}

static void projects_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err) {
        job_fail(job, err);
        return;
    }
    Reno__StatusReply *sr = job->reply;
    const ProtobufCFieldDescriptor *projects =
        field_of(&reno__status_reply__descriptor, "projects");
    int n = PQntuples(res);
    job->measures = xcalloc((size_t)n + 1, sizeof *job->measures);
    for (int i = 0; i < n; i++) {
        Reno__ProjectStatus *ps =
            (Reno__ProjectStatus *)reflect_append_message(&sr->base, projects);
        ps->project_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        ps->name = xstrdup(PQgetvalue(res, i, 1));
        ps->community = xstrdup(PQgetvalue(res, i, 2));
        ps->households = int_at(res, i, 3);
        ps->is_sample = strcmp(PQgetvalue(res, i, 4), "t") == 0;
        ps->households_started = int_at(res, i, 5);
        ps->households_completed = int_at(res, i, 6);
        ps->last_report_date = xstrdup(PQgetvalue(res, i, 7));
        ps->started_pct = pct(ps->households_started, ps->households);
        ps->completed_pct = pct(ps->households_completed, ps->households);
        sr->households += ps->households;
        sr->households_started += ps->households_started;
        sr->households_completed += ps->households_completed;
        struct lights_project *pm = &job->measures[i];
        pm->started_at_share_due = int_at(res, i, 8);
        pm->started_at_all_due = int_at(res, i, 9);
        pm->completed_at_completion_due = int_at(res, i, 10);
        job->measure.households_started += pm->started_at_share_due;
        job->measure.projects_started += pm->started_at_all_due > 0;
        job->measure.households_completed += pm->completed_at_completion_due;
        job->measure.projects_registered++;
        job->measure.households_registered += ps->households;
    }

    rules_evaluate(&job->plan, job->as_of, &job->measure, job->checks);
    const ProtobufCFieldDescriptor *rules = field_of(&reno__status_reply__descriptor, "rules");
    for (int i = 0; i < RULE_COUNT; i++) {
        const struct rule_check *c = &job->checks[i];
        Reno__RuleCheck *rc = (Reno__RuleCheck *)reflect_append_message(&sr->base, rules);
        char due[DATE_TEXT_SIZE];
        date_format(c->due, due);
        rc->code = xstrdup(c->code);
        rc->title = xstrdup(c->title);
        rc->due = xstrdup(due);
        rc->verdict = (Reno__Verdict)c->verdict;
        rc->actual = c->actual;
        rc->required = c->required;
        rc->denominator = c->denominator;
        rc->detail = xstrdup(c->detail);
    }
    sr->target_households = job->plan.target_households;
    sr->started_pct = pct(sr->households_started, sr->target_households);
    sr->completed_pct = pct(sr->households_completed, sr->target_households);
    load_section(job);
}

static void programme_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err) {
        job_fail(job, err);
        return;
    }
    if (PQntuples(res) != 1) {
        job_fail_code(job, RENO__STATUS_CODE__NOT_FOUND, "programme not found");
        return;
    }
    Reno__StatusReply *sr = job->reply;
    sr->programme_code = xstrdup(PQgetvalue(res, 0, 0));
    sr->programme_title = xstrdup(PQgetvalue(res, 0, 1));
    sr->as_of = xstrdup(job->as_of_text);
    struct rules_plan *plan = &job->plan;
    plan->target_households = int_at(res, 0, 2);
    plan->target_projects = int_at(res, 0, 3);
    plan->start_share_pct = int_at(res, 0, 4);
    plan->start_share_due = parse_date_or(PQgetvalue(res, 0, 5), 0);
    plan->all_started_due = parse_date_or(PQgetvalue(res, 0, 6), 0);
    plan->completion_due = parse_date_or(PQgetvalue(res, 0, 7), 0);

    char d1[DATE_TEXT_SIZE], d2[DATE_TEXT_SIZE], d3[DATE_TEXT_SIZE];
    date_format(rules_measure_date(plan, RULE_START_SHARE, job->as_of), d1);
    date_format(rules_measure_date(plan, RULE_START_ALL, job->as_of), d2);
    date_format(rules_measure_date(plan, RULE_COMPLETE_ALL, job->as_of), d3);
    const char *params[] = {job->programme_id, job->as_of_text, d1, d2, d3};
    job_stmt(job, SQL_STATUS_PROJECTS, 5, params, projects_loaded);
}

/* The newest position the snapshot sees: every change up to it is in the figures, none
 * after it; and, read in the same statement, whether the snapshot is a standby's and how
 * far behind the primary it was (sql.c). */
static void position_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err) {
        job_fail(job, err);
        return;
    }
    if (PQntuples(res) == 1) {
        job->reply->position = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        job->reply->from_standby = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
        job->reply->standby_lag_ms = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    }
    const char *params[] = {job->programme_id};
    job_stmt(job, SQL_STATUS_PROGRAMME, 1, params, programme_loaded);
}

static void begun(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_job *job = arg;
    (void)res;
    if (err) {
        job_fail(job, err);
        return;
    }
    job_stmt(job, SQL_STATUS_POSITION, 0, NULL, position_loaded);
}

static void pinned(void *arg, struct db_pin *pin, const struct db_error *err)
{
    struct status_job *job = arg;
    if (err) {
        job_fail(job, err);
        return;
    }
    job->pin = pin;
    job_stmt(job, SQL_STATUS_BEGIN, 0, NULL, begun);
}

int status_compute(struct db_pool *pool, int64_t programme_id, int32_t as_of, status_cb cb,
                   void *arg)
{
    if (pool == NULL)
        return -1;
    struct status_job *job = xcalloc(1, sizeof *job);
    job->pool = pool;
    job->cb = cb;
    job->arg = arg;
    job->as_of = as_of;
    date_format(as_of, job->as_of_text);
    snprintf(job->programme_id, sizeof job->programme_id, "%lld", (long long)programme_id);
    job->reply = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    if (db_pin(pool, pinned, job) != 0) {
        job_free(job);
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
