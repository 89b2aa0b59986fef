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
 * A whole status (not an update) is read by two connections in one REPEATABLE READ
 * snapshot, which the first exports and the second imports; each takes the next section
 * (or the projects' statement) when it is free (dispatch), and the first commits once all
 * are read. The second is a help, not a need: when no connection comes, or it cannot join
 * the snapshot, the first reads everything alone.
 *
 * The traffic lights are judged last, by common/lights.c, from what the queries returned.
 * A status for one page (status_compute with a GetStatus) judges them before the
 * sections that only the page's projects need (page_sql), which are then read for those
 * projects alone: the page is chosen from the lights and phases, as status_page.c will
 * choose it from the finished status.
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
#include "status_page.h"
#include "status_splice.h"
#include "db.h"
#include "status.h"
#include "xmalloc.h"

/* What a project's writes touched, for the sections read whole that only some writes can
 * change (those costly at size: lines, the round, the missing reporters, parties; and
 * those that only the programme's own writes or tables not listed below change: light
 * rules, plan, supervision, rhythm, quality, which at 20,000 projects cost about 100 ms
 * of every update when read each time). */
enum {
    TOUCH_LINES = 1u,   /* line_work, line_handover: reno_status_lines */
    TOUCH_ROUND = 2u,   /* round_report: reno_round_timeliness (round, missing reporters) */
    TOUCH_PARTIES = 4u, /* party, joint_meeting: reno_status_parties */
    TOUCH_OTHER = 8u,   /* the project itself, its units, or a table not listed here */
};

/* Which of those sections a written table can change. A table listed as touching none is
 * read by none of them (their functions read project, unit, project_unit, line_work,
 * line_handover, round_report and the rounds' own tables, party and joint_meeting,
 * programme, milestone_template, light_rule, account, supervision_item,
 * supervision_event, quality_record, issued_report, scheduling_meeting and the rounds'
 * rules and closings).
 * The operations audit every row they write, under its table's name, so the audit log's
 * entities are the whole of what changed; a table not listed here touches everything. */
static unsigned entity_touches(const char *entity)
{
    static const char *const none[] = {"progress_report", "project_milestone", "fund_allocation",
                                       "fund_receipt",    "fund_payment",      "contract",
                                       "resident_survey"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (strcmp(entity, none[i]) == 0)
            return 0;
    if (strcmp(entity, "line_work") == 0 || strcmp(entity, "line_handover") == 0)
        return TOUCH_LINES;
    if (strcmp(entity, "round_report") == 0)
        return TOUCH_ROUND;
    if (strcmp(entity, "party") == 0 || strcmp(entity, "joint_meeting") == 0)
        return TOUCH_PARTIES;
    return TOUCH_OTHER;
}

/* Each section is one function of 0009_status.sql, called with the programme and the
 * date, whose columns are named after the fields of the StatusReply field it fills.
 *
 * They are handed out to the connections in this order (dispatch), the costliest first
 * at 60,000 projects, whole or for a page (longest processing time first): the
 * connection that is free first takes the next, so that the last ones taken are short
 * and the two end close together. The projects' statement is taken before them all. */
static const struct section {
    const char *field; /* StatusReply field */
    const char *name;  /* statement name, for the log */
    const char *sql;
    /* The changed projects' rows (a totals row among them is dropped), all of them in one
     * statement over the array $3, each project's rows together: for a section whose
     * totals status_splice.c computes; NULL: the section is read whole on every update. */
    const char *project_sql;
    /* A section read whole: on an update, read only when the writes touched one of
     * these (TOUCH_*, see entity_touches); 0: on every update. */
    unsigned read_if;
    /* A section of project rows only (no totals, nothing else reads them) that a page
     * cuts to its projects: for a status asked for one page (status_compute), only the
     * page's projects' rows are read, all in one statement over the array $3 of their
     * ids, in the order of the whole section's rows; NULL: read whole. */
    const char *page_sql;
    /* With page_sql, for a section with totals rows (project_id 0, after the project
     * rows): those rows alone, over the whole programme (status_totals.sql). */
    const char *totals_sql;
    /* A section that the lights read (the phases), with page_sql: for a status asked for
     * one page, the first pass reads every project's rows with the figures the lights
     * and the page's filters need but not the words only a page shows, and the page's
     * pass reads the page's projects' whole rows (page_sql), which replace theirs; their
     * lights are then judged again (relight). */
    const char *light_sql;
} sections[] = {
    /* A page's line work in one statement planned for its projects' ids. */
    {"lines", "status_lines", "SELECT * FROM reno_status_lines($1, $2::date)", NULL,
     TOUCH_LINES | TOUCH_OTHER, "SELECT * FROM reno_status_lines($1, $2::date, NULL, $3::bigint[])",
     "SELECT * FROM reno_status_lines_totals($1, $2::date)", NULL},
    {"funds", "status_funds", "SELECT * FROM reno_status_funds($1, $2::date)",
     "SELECT * FROM reno_status_funds($1, $2::date, NULL, $3::bigint[])", 0,
     "SELECT * FROM reno_status_funds($1, $2::date, NULL, $3::bigint[])",
     "SELECT * FROM reno_status_funds_totals($1, $2::date)", NULL},
    /* Some projects' guards in one statement planned for their ids (schema/functions/
     * guards.sql): planning one statement per project cost about 7 ms each. */
    {"guards", "status_guards", "SELECT * FROM reno_status_guards($1, $2::date)",
     "SELECT * FROM reno_status_guards($1, $2::date, NULL, $3::bigint[])", 0,
     "SELECT * FROM reno_status_guards($1, $2::date, NULL, $3::bigint[])", NULL, NULL},
    {"contracts", "status_contracts", "SELECT * FROM reno_status_contracts($1, $2::date)",
     "SELECT * FROM reno_status_contracts($1, $2::date, NULL, $3::bigint[])", 0,
     "SELECT * FROM reno_status_contracts($1, $2::date, NULL, $3::bigint[])",
     "SELECT * FROM reno_status_contracts_totals($1, $2::date)", NULL},
    /* Some projects' rows in one statement planned for their ids; for a page, every
     * project's figures first, the words of the page's projects' milestones after
     * (schema/functions/status.sql): the words took about a third of the statement. */
    {"phases", "status_phases", "SELECT * FROM reno_status_phases($1, $2::date)",
     "SELECT * FROM reno_status_phases($1, $2::date, NULL, $3::bigint[])", 0,
     "SELECT * FROM reno_status_phases($1, $2::date, NULL, $3::bigint[])", NULL,
     "SELECT * FROM reno_status_phases($1, $2::date, NULL, NULL, false)"},
    {"missing_reporters", "status_missing_reporters",
     "SELECT * FROM reno_status_missing_reporters($1, $2::date)", NULL, TOUCH_ROUND | TOUCH_OTHER,
     "SELECT * FROM reno_status_missing_reporters_of($1, $2::date, $3::bigint[])", NULL, NULL},
    {"round", "status_round", "SELECT * FROM reno_status_round($1, $2::date)", NULL,
     TOUCH_ROUND | TOUCH_OTHER, NULL, NULL, NULL},
    /* A page's surveys in one statement planned for its projects' ids, and the totals
     * over the programme beside (status_totals.sql): a page does not read every
     * project's surveys. */
    {"surveys", "status_surveys", "SELECT * FROM reno_status_surveys($1, $2::date)",
     "SELECT * FROM reno_status_surveys($1, $2::date, NULL, $3::bigint[])", 0,
     "SELECT * FROM reno_status_surveys($1, $2::date, NULL, $3::bigint[])",
     "SELECT * FROM reno_status_surveys_totals($1, $2::date)", NULL},
    /* Parties, quality and safety, payment terms and the plan's guards (0021_parties.sql). */
    {"parties", "status_parties", "SELECT * FROM reno_status_parties($1, $2::date)", NULL,
     TOUCH_PARTIES | TOUCH_OTHER, NULL, NULL, NULL},
    {"supervision", "status_supervision", "SELECT * FROM reno_status_supervision($1, $2::date)",
     NULL, TOUCH_OTHER, NULL, NULL, NULL},
    {"quality", "status_quality", "SELECT * FROM reno_status_quality($1, $2::date)", NULL,
     TOUCH_OTHER, NULL, NULL, NULL},
    {"payments", "status_payments", "SELECT * FROM reno_status_payments($1, $2::date)", NULL, 0,
     NULL, NULL, NULL},
    /* The plan's rhythm: schema/functions/rhythm.sql. */
    {"rhythm", "status_rhythm", "SELECT * FROM reno_status_rhythm($1, $2::date)", NULL, TOUCH_OTHER,
     NULL, NULL, NULL},
    {"light_rules", "status_light_rules", "SELECT * FROM reno_status_light_rules($1, $2::date)",
     NULL, TOUCH_OTHER, NULL, NULL, NULL},
    {"plan", "status_plan", "SELECT * FROM reno_status_plan($1, $2::date)", NULL, TOUCH_OTHER, NULL,
     NULL, NULL},
};

#define SECTION_COUNT (sizeof sections / sizeof sections[0])

/* More changed projects than this in one update and the whole status is computed again
 * in the same snapshot: reading each project's rows section by section costs more than
 * one set-based pass beyond a few dozen. */
#define UPDATE_MAX_PROJECTS 64

/* Connections that read one status's sections side by side, in one snapshot: the first
 * opens it and exports it, the others import it (SET TRANSACTION SNAPSHOT) and take
 * sections from the same queue. The statements of a whole status are each one pass over
 * a table of the history, and PostgreSQL runs a statement on one core: two connections
 * finish a whole status in little more than the time of the longer half. An update reads
 * a few projects' rows and uses the first connection alone, leaving the pool to writes. */
#define STATUS_WORKERS 2
/* pg_export_snapshot()'s names are about 20 bytes ("00000003-0000001B-1"). */
#define SNAPSHOT_NAME_SIZE 64

struct status_job;

/* One connection of a job, and what it reads. */
struct status_worker {
    struct status_job *job;
    struct db_pin *pin; /* once given */
    bool pending;       /* its pin asked for, not yet given */
    bool busy;          /* a statement in flight: its callback is still to run */
    bool joined;        /* in the job's snapshot, taking sections */
    size_t section;     /* the section it reads */
    int page_step;      /* of a page's section: 0 its rows, 1 its totals */
};

struct status_job {
    struct db_pool *pool;
    struct status_worker workers[STATUS_WORKERS]; /* [0] opens the snapshot and commits it */
    /* The others' import of [0]'s exported snapshot, kept for as long as it is sent. */
    char snapshot_sql[SNAPSHOT_NAME_SIZE + 32];
    bool over;            /* answered (or failed): nothing more is read */
    bool committing;      /* every section read: no worker joins any more */
    unsigned holds;       /* callers that read the job after a call that may end it */
    unsigned connections; /* that read in the snapshot: the first and those that joined */
    struct timespec started;
    status_cb cb;
    status_held_cb held_cb; /* instead of cb: the reply and measures handed over */
    void *arg;
    int32_t as_of;
    char programme_id[24];
    char as_of_text[DATE_TEXT_SIZE];
    struct rules_plan plan;
    struct rules_measure measure;         /* the programme's, at each rule's date */
    struct rule_check checks[RULE_COUNT]; /* the programme's verdicts */
    struct lights_project *measures;      /* one per reply->projects[i] */
    Reno__StatusReply *reply;             /* owned; built up query by query */
    /* A page's: the totals rows of its paged sections, read in the first pass (they do
     * not depend on the page) and moved after the page's rows in the second. */
    Reno__StatusReply *totals;
    bool programme_read; /* the plan: the projects' statement may start */
    bool projects_taken; /* the projects' statement started by a worker */
    bool projects_read;
    size_t next;      /* the next section of the pass to hand out */
    unsigned reading; /* workers reading a section or the projects */
    /* An update (status_update): only the projects changed since `since` are read
     * again, into `reply`, which then holds only what was read (those projects' rows
     * and the sections read whole, with measures); the held status is not touched until
     * the snapshot has committed, when a new status sharing its unchanged rows is made
     * at once (update_commit). Otherwise everything is read into `reply`. */
    bool update;
    int64_t since;
    const Reno__StatusReply *held;              /* update: the roll-up's, unchanged meanwhile */
    const struct lights_project *held_measures; /* one per held->projects[i] */
    struct status_sums *sums;       /* update: held's totals' sums, brought up to date with it */
    bool read_whole[SECTION_COUNT]; /* update: sections read whole */
    int64_t *touched;               /* the changed projects, at most UPDATE_MAX_PROJECTS */
    size_t n_touched;
    unsigned touches; /* TOUCH_* of those projects' writes */
    struct status_touched info;
    /* A status for one page (status_compute): the request, which outlives the job. The
     * sections with a page_sql are read last, for the page's projects only, once the
     * lights (which the page's filters and order read) are judged. */
    const Reno__GetStatus *page;
    bool paging;       /* reading the page's sections */
    bool judged;       /* rules and lights judged before the commit */
    bool relight;      /* a section the lights read was read again for the page */
    char *page_ids;    /* the page's projects, "{1,2,3}", ascending */
    int64_t *page_id;  /* the same, as numbers */
    size_t n_page_ids; /* 0: the page is empty */
};

static void job_free(struct status_job *job)
{
    if (job->totals)
        protobuf_c_message_free_unpacked(&job->totals->base, NULL);
    free(job->measures);
    free(job->touched);
    free(job->page_ids);
    free(job->page_id);
    if (job->reply)
        protobuf_c_message_free_unpacked(&job->reply->base, NULL);
    free(job);
}

/* A worker gives its connection back (the pool rolls an open transaction back before it
 * serves anyone else), unless a statement of it is still to call back. */
static void worker_release(struct status_worker *w)
{
    if (w->pin != NULL && !w->busy) {
        db_pin_release(w->pin);
        w->pin = NULL;
        w->joined = false;
    }
}

/* Once the job is over, it is freed when no worker's callback is still to come and no
 * caller holds it. A pin given back may be handed at once to this job's own pending
 * worker (the pool calls its callback from db_pin_release), which settles the job again:
 * that inner call only lets its pin go, and the outer one frees the job. */
static void job_settle(struct status_job *job)
{
    if (!job->over || job->holds > 0)
        return;
    job->holds++;
    for (size_t i = 0; i < STATUS_WORKERS; i++)
        worker_release(&job->workers[i]);
    job->holds--;
    for (size_t i = 0; i < STATUS_WORKERS; i++) {
        const struct status_worker *w = &job->workers[i];
        if (w->pin != NULL || w->pending)
            return;
    }
    job_free(job);
}

static void job_fail(struct status_job *job, const struct db_error *err)
{
    if (job->over)
        return;
    job->over = true;
    if (job->held_cb)
        job->held_cb(job->arg, NULL, NULL, NULL, err);
    else
        job->cb(job->arg, NULL, err);
    /* What was read is of no use now; a worker's statement still in flight calls back
     * later, to find the job over. */
    free(job->measures);
    job->measures = NULL;
    if (job->reply)
        protobuf_c_message_free_unpacked(&job->reply->base, NULL);
    job->reply = NULL;
    job_settle(job);
}

/* A worker's statement came back: the job, or NULL when there is nothing more for the
 * worker to do (the job was over already, or the statement failed and so did the job). */
static struct status_job *worker_back(struct status_worker *w, const struct db_error *err)
{
    struct status_job *job = w->job;
    w->busy = false;
    if (job->over) {
        job_settle(job);
        return NULL;
    }
    if (err != NULL) {
        job_fail(job, err);
        return NULL;
    }
    return job;
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

/* Replaces a string field of the reply (an update's copy holds the old one). */
static void set_text(char **field, const char *value)
{
    if (*field != NULL && *field != protobuf_c_empty_string)
        free(*field);
    *field = xstrdup(value);
}

/* ---- the queries ----------------------------------------------------------------------- */

/* A worker's next statement; a refusal (the connection was lost) fails the job. */
static void job_query(struct status_worker *w, const char *name, const char *sql, int nparams,
                      const char *const *params, db_cb cb)
{
    if (db_pin_query_text(w->pin, name, sql, nparams, params, cb, w) != 0) {
        job_fail_code(w->job, RENO__STATUS_CODE__UNAVAILABLE,
                      "the database connection of the status snapshot was lost: retry");
        return;
    }
    w->busy = true;
}

static void job_stmt(struct status_worker *w, enum sql_stmt stmt, int nparams,
                     const char *const *params, db_cb cb)
{
    const struct sql_statement *s = sql_get(stmt);
    job_query(w, s->name, s->text, nparams, params, cb);
}

static void dispatch(struct status_worker *w);

/* A worker's section (or the projects) is read: it takes the next. */
static void task_done(struct status_worker *w)
{
    w->job->reading--;
    dispatch(w);
}

/* The rows of the worker's section, appended to its field of the reply; NULL when there
 * is nothing more for the worker to do (worker_back). Every section's callback starts so. */
static struct status_job *section_rows(struct status_worker *w, const PGresult *res,
                                       const struct db_error *err)
{
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return NULL;
    const struct section *s = &sections[w->section];
    rowfill_field(&job->reply->base, field_of(&reno__status_reply__descriptor, s->field), res);
    return job;
}

static void section_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = section_rows(w, res, err);
    if (job == NULL)
        return;
    job->read_whole[w->section] = true; /* an update's: replaces the held rows */
    task_done(w);
}

static void judge_rules(struct status_job *job, Reno__StatusReply *retired);

/* The lights of some projects (the changed ones, or a page's) into `lit`. They are judged
 * on a view of the status holding only those projects, their measures and their phases
 * rows (each found by binary search), and everything else of the status shared: a
 * project's light reads nothing of the other projects, and judging on the whole status
 * would walk every project to find these and scan every phases row for each. */
static void judge_lights_of(struct status_job *job, const int64_t *ids, size_t n,
                            Reno__StatusReply *lit)
{
    const Reno__StatusReply *r = job->reply;
    Reno__StatusReply view = *r;
    view.projects = xcalloc(n + 1, sizeof *view.projects);
    view.n_projects = 0;
    view.phases = NULL;
    view.n_phases = 0;
    struct lights_project *measures = xcalloc(n + 1, sizeof *measures);
    for (size_t i = 0; i < n; i++) {
        size_t len, at = status_splice_find(r, "projects", ids[i], &len);
        if (len == 0)
            continue; /* gone from the programme: no light */
        view.projects[view.n_projects] = r->projects[at];
        measures[view.n_projects++] = job->measures[at];
        at = status_splice_find(r, "phases", ids[i], &len);
        view.phases = xrealloc(view.phases, (view.n_phases + len + 1) * sizeof *view.phases);
        for (size_t k = 0; k < len; k++)
            view.phases[view.n_phases++] = r->phases[at + k];
    }
    lights_judge_projects(lit, &view, job->as_of, &job->plan, measures, NULL, 0);
    free(view.projects);
    free(view.phases);
    free(measures);
}

/* Some projects' lights judged again, in place of theirs, and the programme's light. */
static void relight(struct status_job *job, const int64_t *ids, size_t n,
                    Reno__StatusReply *retired)
{
    Reno__StatusReply *r = job->reply;
    Reno__StatusReply *lit = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    judge_lights_of(job, ids, n, lit);
    status_splice_drop(r, "lights", ids, n, retired);
    status_splice_rows(r, lit, "lights", ids, n, NULL, retired);
    protobuf_c_message_free_unpacked(&lit->base, NULL);
    lights_judge_programme(r, job->as_of, &job->plan, job->checks);
}

/* The new status of an update, made at once from the held one and what the snapshot read
 * (status_splice.h): the held status's unchanged rows are shared, not copied; what the
 * new one no longer holds is handed to the roll-up in info.retired, to be freed with the
 * held status's shell once the move is reported. Then the totals, rules and lights are
 * judged again: the rules over every project's figures held, the lights of the changed
 * projects only (a project's light reads nothing of the other projects), and the
 * programme's light from them all. */
static void update_commit(struct status_job *job)
{
    Reno__StatusReply *fresh = job->reply, *retired;
    Reno__StatusReply *r = status_splice_begin(job->held, &retired);
    r->position = fresh->position;
    r->from_standby = fresh->from_standby;
    r->standby_lag_ms = fresh->standby_lag_ms;
    status_splice_take(r, fresh, "programme_code", retired);
    status_splice_take(r, fresh, "programme_title", retired);
    status_splice_take(r, fresh, "as_of", retired);
    struct lights_project *measures = xmalloc((job->held->n_projects + 1) * sizeof *measures);
    if (job->held->n_projects > 0)
        memcpy(measures, job->held_measures, job->held->n_projects * sizeof *measures);
    status_splice_projects(r, &measures, fresh, job->measures, job->touched, job->n_touched,
                           retired);
    free(job->measures);
    job->measures = measures;
    for (size_t i = 0; i < SECTION_COUNT; i++) {
        const struct section *s = &sections[i];
        if (job->read_whole[i]) {
            status_splice_take(r, fresh, s->field, retired);
        } else if (s->project_sql != NULL && job->n_touched > 0) {
            status_splice_rows(r, fresh, s->field, job->touched, job->n_touched, job->sums,
                               retired);
            if (!status_splice_totals(r, s->field, job->sums, retired))
                fatal("status: no totals for section %s", s->field);
        }
    }
    protobuf_c_message_free_unpacked(&fresh->base, NULL);
    job->reply = r;
    judge_rules(job, retired);
    relight(job, job->touched, job->n_touched, retired);
    job->info.retired = retired;
}

static void committed(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    (void)res;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    job->over = true;
    if (!job->update) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long ms = (now.tv_sec - job->started.tv_sec) * 1000LL +
                       (now.tv_nsec - job->started.tv_nsec) / 1000000;
        log_info("status: programme %s as of %s read on %u connection%s in %lld ms",
                 job->programme_id, job->as_of_text, job->connections,
                 job->connections == 1 ? "" : "s", ms);
    }
    if (job->update) {
        update_commit(job);
    } else if (!job->judged) {
        judge_rules(job, NULL);
        lights_judge(job->reply, job->as_of, &job->plan, job->checks, job->measures);
    } else if (job->relight) {
        relight(job, job->page_id, job->n_page_ids, NULL);
    }
    job->reply->computed_at = (int64_t)time(NULL);
    if (job->held_cb) {
        Reno__StatusReply *reply = job->reply;
        struct lights_project *measures = job->measures;
        job->reply = NULL;
        job->measures = NULL;
        job->info.ids = job->touched;
        job->info.n = job->n_touched;
        job->held_cb(job->arg, reply, measures, &job->info, NULL);
    } else {
        job->cb(job->arg, job->reply, NULL);
        /* Lived for the call; the job itself may wait for a worker's pin to come. */
        protobuf_c_message_free_unpacked(&job->reply->base, NULL);
        job->reply = NULL;
    }
    job_settle(job);
}

static char *ids_text(const int64_t *ids, size_t n);

static int cmp_int64(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The rules and lights judged from every section but the paged ones (which neither
 * reads), and the projects of the page asked for taken as status_page_build will take
 * them from the finished status: the same filters and order over the same figures. */
static void page_projects(struct status_job *job)
{
    judge_rules(job, NULL);
    lights_judge(job->reply, job->as_of, &job->plan, job->checks, job->measures);
    job->judged = true;
    Reno__StatusReply view;
    struct status_page page;
    status_page_build(job->reply, job->page, &view, &page);
    int64_t *ids = xcalloc(view.n_projects + 1, sizeof *ids);
    for (size_t i = 0; i < view.n_projects; i++)
        ids[i] = view.projects[i]->project_id;
    qsort(ids, view.n_projects, sizeof *ids, cmp_int64);
    job->page_ids = view.n_projects > 0 ? ids_text(ids, view.n_projects) : NULL;
    job->page_id = ids;
    job->n_page_ids = view.n_projects;
    status_page_free(&page);
}

/* An update's rows of the changed projects for a per-project section, kept until the
 * snapshot commits (update_commit splices them in and computes the totals again). */
static void project_section_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    if (section_rows(w, res, err) == NULL)
        return;
    task_done(w);
}

static bool page_section_step(struct status_worker *w);

/* The rows of repeated message field f of `from` appended to r's, from's left empty. */
static void move_rows(ProtobufCMessage *r, ProtobufCMessage *from,
                      const ProtobufCFieldDescriptor *f)
{
    size_t *rn = (size_t *)((char *)r + f->quantifier_offset);
    size_t *fn = (size_t *)((char *)from + f->quantifier_offset);
    ProtobufCMessage ***rv = reflect_field(r, f);
    ProtobufCMessage ***fv = reflect_field(from, f);
    if (*fn == 0)
        return;
    *rv = xrealloc(*rv, (*rn + *fn) * sizeof **rv);
    memcpy(*rv + *rn, *fv, *fn * sizeof **fv);
    *rn += *fn;
    free(*fv);
    *fv = NULL;
    *fn = 0;
}

/* A paged section's totals over the whole programme, read in the first pass. */
static void totals_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    const struct section *s = &sections[w->section];
    rowfill_field(&job->totals->base, field_of(&reno__status_reply__descriptor, s->field), res);
    task_done(w);
}

static void page_step_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    if (section_rows(w, res, err) == NULL)
        return;
    w->page_step++;
    if (!page_section_step(w))
        task_done(w);
}

/* A section the lights read: the page's projects' whole rows replace those read for the
 * lights in the first pass (the totals rows stay); their lights are judged again before
 * the reply goes (committed). */
static void page_rows_replaced(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    const struct section *s = &sections[w->section];
    Reno__StatusReply *fresh = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    rowfill_field(&fresh->base, field_of(&reno__status_reply__descriptor, s->field), res);
    status_splice_rows(job->reply, fresh, s->field, job->page_id, job->n_page_ids, NULL, NULL);
    protobuf_c_message_free_unpacked(&fresh->base, NULL);
    job->relight = true;
    task_done(w);
}

/* The next statement of a paged section on its worker: the page's projects' rows (none
 * when the page is empty), then its totals over the whole programme, appended in the
 * order of the whole section's rows; false when the section is read. */
static bool page_section_step(struct status_worker *w)
{
    struct status_job *job = w->job;
    const struct section *s = &sections[w->section];
    if (w->page_step == 0 && job->page_ids == NULL)
        w->page_step = 1;
    if (w->page_step == 0) {
        const char *params[] = {job->programme_id, job->as_of_text, job->page_ids};
        job_query(w, s->name, s->page_sql, 3, params,
                  s->light_sql != NULL ? page_rows_replaced : page_step_loaded);
        return true;
    }
    if (w->page_step == 1 && s->totals_sql != NULL && job->totals != NULL)
        move_rows(&job->reply->base, &job->totals->base,
                  field_of(&reno__status_reply__descriptor, s->field));
    return false;
}

/* Starts reading section i on worker w; false when the pass has nothing of it to read. */
static bool section_start(struct status_worker *w, size_t i)
{
    struct status_job *job = w->job;
    const struct section *s = &sections[i];
    w->section = i;
    if (job->page != NULL && !job->paging && s->page_sql != NULL && s->totals_sql != NULL) {
        /* Its totals do not depend on the page: read beside the whole sections, so that
         * the page's pass reads only the page's rows. */
        if (job->totals == NULL)
            job->totals = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
        const char *params[] = {job->programme_id, job->as_of_text};
        job_query(w, s->name, s->totals_sql, 2, params, totals_loaded);
        return true;
    }
    if (job->page != NULL && !job->paging && s->light_sql != NULL) {
        const char *params[] = {job->programme_id, job->as_of_text};
        job_query(w, s->name, s->light_sql, 2, params, section_loaded);
        return true;
    }
    if (job->page != NULL && job->paging != (s->page_sql != NULL))
        return false; /* not in this pass */
    if (job->paging) {
        w->page_step = 0;
        return page_section_step(w);
    }
    if (job->update && s->project_sql != NULL) {
        if (job->n_touched == 0) /* nothing of this section changed */
            return false;
        char *ids = ids_text(job->touched, job->n_touched);
        const char *params[] = {job->programme_id, job->as_of_text, ids};
        job_query(w, s->name, s->project_sql, 3, params, project_section_loaded);
        free(ids);
        return true;
    }
    if (job->update && s->read_if != 0 && (job->touches & s->read_if) == 0)
        return false; /* nothing written that this section reads: the rows held stand */
    const char *params[] = {job->programme_id, job->as_of_text};
    job_query(w, s->name, s->sql, 2, params, section_loaded);
    return true;
}

static void projects_start(struct status_worker *w);

/* Worker w is free: it takes the projects' statement once the plan is read, or the next
 * section of the pass. When nothing is left and no worker reads, the pass is over: the
 * page's own sections follow the whole ones (for a status of one page), then [0] commits
 * the snapshot. A worker that finds nothing to take waits for the next pass. */
static void dispatch(struct status_worker *w)
{
    struct status_job *job = w->job;
    if (job->over || !w->joined)
        return;
    if (job->programme_read && !job->projects_taken) {
        job->projects_taken = true;
        job->reading++;
        projects_start(w);
        return;
    }
    while (job->next < SECTION_COUNT) {
        size_t i = job->next++;
        job->reading++;
        if (section_start(w, i))
            return;
        job->reading--;
        if (job->over) /* the statement could not be sent */
            return;
    }
    if (job->reading > 0 || !job->projects_read)
        return;
    if (job->page != NULL && !job->paging) {
        /* The page's own sections, now that the page is known. */
        page_projects(job);
        job->paging = true;
        job->next = 0;
        job->holds++; /* a worker that cannot send fails the job: it is read after */
        for (size_t k = 0; k < STATUS_WORKERS && !job->over; k++) {
            struct status_worker *o = &job->workers[k];
            if (o->joined && !o->busy)
                dispatch(o);
        }
        job->holds--;
        job_settle(job);
        return;
    }
    /* Every section is read: the other workers' snapshots end (read only, nothing to
     * keep), and the first's commits. */
    job->committing = true;
    for (size_t k = 1; k < STATUS_WORKERS; k++)
        worker_release(&job->workers[k]);
    job_stmt(&job->workers[0], SQL_STATUS_COMMIT, 0, NULL, committed);
}

/* The totals over the projects and the rule verdicts, from every project's figures held
 * (the reply's projects and their measures); the rules' rows replace any held, which are
 * retired (status_splice.h). */
static void judge_rules(struct status_job *job, Reno__StatusReply *retired)
{
    Reno__StatusReply *sr = job->reply;
    sr->households = sr->households_started = sr->households_completed = 0;
    memset(&job->measure, 0, sizeof job->measure);
    for (size_t i = 0; i < sr->n_projects; i++) {
        const Reno__ProjectStatus *ps = sr->projects[i];
        const struct lights_project *pm = &job->measures[i];
        sr->households += ps->households;
        sr->households_started += ps->households_started;
        sr->households_completed += ps->households_completed;
        job->measure.households_started += pm->started_at_share_due;
        job->measure.projects_started += pm->started_at_all_due > 0;
        job->measure.households_completed += pm->completed_at_completion_due;
        job->measure.projects_registered++;
        job->measure.households_registered += ps->households;
    }
    rules_evaluate(&job->plan, job->as_of, &job->measure, job->checks);
    status_splice_clear(sr, "rules", retired);
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
        char on[DATE_TEXT_SIZE];
        date_format(c->measured_on, on);
        rc->share_pct = c->share_pct;
        rc->plan_projects = c->plan_projects;
        rc->plan_households = c->plan_households;
        rc->households = c->households;
        rc->measured_on = xstrdup(on);
    }
    sr->target_households = job->plan.target_households;
    sr->started_pct = pct(sr->households_started, sr->target_households);
    sr->completed_pct = pct(sr->households_completed, sr->target_households);
}

/* Rows of the projects statement (sql.c status_projects, or reno_status_projects_some)
 * into r's projects, with their measures appended to *measures (which holds *n). */
static void fill_projects(Reno__StatusReply *r, struct lights_project **measures,
                          const PGresult *res)
{
    const ProtobufCFieldDescriptor *projects =
        field_of(&reno__status_reply__descriptor, "projects");
    int n = PQntuples(res);
    size_t have = r->n_projects;
    *measures = xrealloc(*measures, (have + (size_t)n + 1) * sizeof **measures);
    for (int i = 0; i < n; i++) {
        Reno__ProjectStatus *ps = (Reno__ProjectStatus *)reflect_append_message(&r->base, projects);
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
        struct lights_project *pm = &(*measures)[have + (size_t)i];
        pm->started_at_share_due = int_at(res, i, 8);
        pm->started_at_all_due = int_at(res, i, 9);
        pm->completed_at_completion_due = int_at(res, i, 10);
    }
}

static void projects_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    /* An update's: the changed projects' rows, which replace theirs at the commit (a
     * project gone has none). */
    fill_projects(job->reply, &job->measures, res);
    job->projects_read = true;
    task_done(w);
}

/* reno_status_projects_some's array argument: "{1,2,3}". */
static char *ids_text(const int64_t *ids, size_t n)
{
    char *text = xmalloc(n * 21 + 3);
    size_t at = 0;
    text[at++] = '{';
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(text + at, "%s%lld", i ? "," : "", (long long)ids[i]);
    text[at++] = '}';
    text[at] = '\0';
    return text;
}

static void programme_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    if (PQntuples(res) != 1) {
        job_fail_code(job, RENO__STATUS_CODE__NOT_FOUND, "programme not found");
        return;
    }
    Reno__StatusReply *sr = job->reply;
    set_text(&sr->programme_code, PQgetvalue(res, 0, 0));
    set_text(&sr->programme_title, PQgetvalue(res, 0, 1));
    set_text(&sr->as_of, job->as_of_text);
    struct rules_plan *plan = &job->plan;
    plan->target_households = int_at(res, 0, 2);
    plan->target_projects = int_at(res, 0, 3);
    plan->start_share_pct = int_at(res, 0, 4);
    plan->start_share_due = parse_date_or(PQgetvalue(res, 0, 5), 0);
    plan->all_started_due = parse_date_or(PQgetvalue(res, 0, 6), 0);
    plan->completion_due = parse_date_or(PQgetvalue(res, 0, 7), 0);
    job->programme_read = true;
    dispatch(w);
}

/* Every project's progress as of the date and at each rule's date (the plan's), or an
 * update's changed projects'. */
static void projects_start(struct status_worker *w)
{
    struct status_job *job = w->job;
    const struct rules_plan *plan = &job->plan;
    char d1[DATE_TEXT_SIZE], d2[DATE_TEXT_SIZE], d3[DATE_TEXT_SIZE];
    date_format(rules_measure_date(plan, RULE_START_SHARE, job->as_of), d1);
    date_format(rules_measure_date(plan, RULE_START_ALL, job->as_of), d2);
    date_format(rules_measure_date(plan, RULE_COMPLETE_ALL, job->as_of), d3);
    if (!job->update) {
        const char *params[] = {job->programme_id, job->as_of_text, d1, d2, d3};
        job_stmt(w, SQL_STATUS_PROJECTS, 5, params, projects_loaded);
        return;
    }
    char *ids = ids_text(job->touched, job->n_touched);
    const char *params[] = {job->programme_id, job->as_of_text, d1, d2, d3, ids};
    job_query(w, "status_projects_some",
              "SELECT * FROM reno_status_projects_some($1, $2::date, $3::date, $4::date, "
              "$5::date, $6::bigint[])",
              6, params, projects_loaded);
    free(ids);
}

static void load_programme(struct status_worker *w)
{
    const char *params[] = {w->job->programme_id};
    job_stmt(w, SQL_STATUS_PROGRAMME, 1, params, programme_loaded);
}

/* An update gives way to computing everything, in the same snapshot. */
static void compute_everything(struct status_job *job)
{
    int64_t position = job->reply->position;
    bool from_standby = job->reply->from_standby;
    int64_t lag = job->reply->standby_lag_ms;
    protobuf_c_message_free_unpacked(&job->reply->base, NULL);
    job->reply = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    job->reply->position = position;
    job->reply->from_standby = from_standby;
    job->reply->standby_lag_ms = lag;
    free(job->measures);
    job->measures = NULL;
    job->n_touched = 0;
    job->update = false;
    job->info.full = true;
}

/* What the writes between the held status's position and the snapshot's touched: the
 * projects to read again, or (a write with no single project in this programme, or too
 * many projects) everything. */
static void touched_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    int64_t programme = strtoll(job->programme_id, NULL, 10);
    bool everything = false;
    for (int i = 0; i < PQntuples(res) && !everything; i++) {
        int64_t of = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        int64_t project = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        if (project == 0) {
            /* Not one project's: the programme's own (plan, units, rounds, rules) or
             * nobody's in particular. Another programme's is none of this one's. */
            everything = of == 0 || of == programme;
            continue;
        }
        /* A project of any programme: one that moved in or out is read again too. */
        job->touches |= entity_touches(PQgetvalue(res, i, 2));
        bool seen = false;
        for (size_t k = 0; k < job->n_touched && !seen; k++)
            seen = job->touched[k] == project;
        if (seen)
            continue;
        if (job->n_touched == UPDATE_MAX_PROJECTS) {
            everything = true;
            continue;
        }
        job->touched[job->n_touched++] = project;
    }
    if (everything)
        compute_everything(job);
    load_programme(w);
}

/* The newest position the snapshot sees: every change up to it is in the figures, none
 * after it; and, read in the same statement, whether the snapshot is a standby's and how
 * far behind the primary it was (sql.c). */
static void position_loaded(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    if (PQntuples(res) == 1) {
        job->reply->position = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        job->reply->from_standby = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
        job->reply->standby_lag_ms = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    }
    if (job->update) {
        if (job->reply->position < job->since) {
            /* The database is behind the figures held (restored, or another one): none
             * of them can be trusted to be its. */
            compute_everything(job);
        } else {
            char since[24], upto[24];
            snprintf(since, sizeof since, "%lld", (long long)job->since);
            snprintf(upto, sizeof upto, "%lld", (long long)job->reply->position);
            const char *params[] = {job->programme_id, since, upto};
            job_query(w, "status_touched", "SELECT * FROM reno_status_touched($1, $2, $3)", 3,
                      params, touched_loaded);
            return;
        }
    }
    load_programme(w);
}

/* The snapshot's statements are compiled by no JIT. PostgreSQL compiles a statement whose
 * estimated cost passes jit_above_cost, and every section at tens of thousands of projects
 * does: at 20,000 projects the compilation alone (inlining, optimisation, emission) took
 * 1.1 to 1.8 s per section, about as long as running it, and it is paid again on every
 * request, since nothing compiled is kept.
 *
 * And they sort and hash in memory: with the default work_mem of 4 MB, a whole section at
 * 20,000 projects spilled its sorts and hashed aggregates to disk in batches (the phases
 * ranked 480,000 milestones through 33 batches). STATUS_WORK_MEM is per sort or hash
 * node of the one statement the snapshot runs at a time.
 *
 * Both settings last until the snapshot ends. */
#define STATUS_WORK_MEM "64MB"
#define STATUS_SETTINGS                                                                            \
    "SELECT set_config('jit', 'off', true), set_config('work_mem', '" STATUS_WORK_MEM "', true)"

/* ---- the other workers: in the same snapshot, or not at all ---------------------------- */

/* A helping worker's statement came back: the job, or NULL when the worker is done (the
 * job is over or committing, or the worker could not join: the job goes on without it). */
static struct status_job *helper_back(struct status_worker *w, const struct db_error *err)
{
    struct status_job *job = w->job;
    w->busy = false;
    if (err != NULL && !job->over)
        log_info("status: a second connection did not join the snapshot (%s); the sections "
                 "are read on one",
                 err->message);
    if (job->over || job->committing || err != NULL) {
        worker_release(w);
        job_settle(job);
        return NULL;
    }
    return job;
}

static void helper_query(struct status_worker *w, const char *name, const char *sql, db_cb cb)
{
    if (db_pin_query_text(w->pin, name, sql, 0, NULL, cb, w) != 0) {
        worker_release(w);
        job_settle(w->job);
        return;
    }
    w->busy = true;
}

static void helper_configured(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    (void)res;
    struct status_job *job = helper_back(w, err);
    if (job == NULL)
        return;
    w->joined = true;
    job->connections++;
    dispatch(w);
}

static void helper_imported(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    (void)res;
    if (helper_back(w, err) == NULL)
        return;
    helper_query(w, "status_settings", STATUS_SETTINGS, helper_configured);
}

static void helper_begun(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    (void)res;
    struct status_job *job = helper_back(w, err);
    if (job == NULL)
        return;
    helper_query(w, "status_snapshot", job->snapshot_sql, helper_imported);
}

static void helper_pinned(void *arg, struct db_pin *pin, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = w->job;
    w->pending = false;
    if (err != NULL || pin == NULL) { /* no connection came: the job goes on without it */
        job_settle(job);
        return;
    }
    w->pin = pin;
    if (job->over || job->committing) {
        worker_release(w);
        job_settle(job);
        return;
    }
    const struct sql_statement *b = sql_get(SQL_STATUS_BEGIN);
    helper_query(w, b->name, b->text, helper_begun);
}

/* pg_export_snapshot()'s name for the snapshot, as SET TRANSACTION SNAPSHOT takes it
 * quoted: hexadecimal digits and dashes (a text from the database, checked all the same
 * before it is put in a statement). */
static bool snapshot_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= SNAPSHOT_NAME_SIZE)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
        if (!hex && c != '-')
            return false;
    }
    return true;
}

static void configured(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    /* A whole status exported its snapshot (not a standby's, which cannot): the other
     * workers ask for connections to read in it. */
    if (PQnfields(res) > 2 && PQntuples(res) == 1 && !PQgetisnull(res, 0, 2) &&
        snapshot_name_ok(PQgetvalue(res, 0, 2))) {
        snprintf(job->snapshot_sql, sizeof job->snapshot_sql, "SET TRANSACTION SNAPSHOT '%s'",
                 PQgetvalue(res, 0, 2));
        /* Only connections the pool has to spare now: a write or another reader never
         * waits behind a help. */
        for (size_t k = 1; k < STATUS_WORKERS && db_pool_spare(job->pool) > 0; k++) {
            /* Pending first: the pool gives the idle connection from within db_pin. */
            struct status_worker *o = &job->workers[k];
            o->pending = true;
            if (db_pin(job->pool, helper_pinned, o) != 0)
                o->pending = false;
        }
    }
    job_stmt(w, SQL_STATUS_POSITION, 0, NULL, position_loaded);
}

static void begun(void *arg, const PGresult *res, const struct db_error *err)
{
    struct status_worker *w = arg;
    (void)res;
    struct status_job *job = worker_back(w, err);
    if (job == NULL)
        return;
    if (job->update) {
        job_query(w, "status_settings", STATUS_SETTINGS, 0, NULL, configured);
        return;
    }
    /* A whole status: the snapshot exported for the other workers, unless it is a
     * standby's (pg_export_snapshot() fails during recovery, and so would the snapshot). */
    job_query(w, "status_settings_export",
              STATUS_SETTINGS ", CASE WHEN pg_is_in_recovery() THEN NULL "
                              "ELSE pg_export_snapshot() END",
              0, NULL, configured);
}

static void pinned(void *arg, struct db_pin *pin, const struct db_error *err)
{
    struct status_worker *w = arg;
    struct status_job *job = w->job;
    w->pending = false;
    if (err) {
        job_fail(job, err);
        return;
    }
    w->pin = pin;
    w->joined = true;
    job_stmt(w, SQL_STATUS_BEGIN, 0, NULL, begun);
}

static struct status_job *job_new(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                                  void *arg)
{
    struct status_job *job = xcalloc(1, sizeof *job);
    job->pool = pool;
    job->arg = arg;
    job->as_of = as_of;
    date_format(as_of, job->as_of_text);
    snprintf(job->programme_id, sizeof job->programme_id, "%lld", (long long)programme_id);
    job->info.full = true;
    for (size_t k = 0; k < STATUS_WORKERS; k++)
        job->workers[k].job = job;
    job->connections = 1;
    clock_gettime(CLOCK_MONOTONIC, &job->started);
    return job;
}

static int job_start(struct status_job *job)
{
    if (job->reply == NULL)
        job->reply = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    job->workers[0].pending = true; /* the pool may give a connection from within db_pin */
    if (db_pin(job->pool, pinned, &job->workers[0]) != 0) {
        job_free(job);
        return -1;
    }
    return 0;
}

int status_compute(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                   const Reno__GetStatus *page, status_cb cb, void *arg)
{
    if (pool == NULL)
        return -1;
    struct status_job *job = job_new(pool, programme_id, as_of, arg);
    job->cb = cb;
    job->page = page;
    return job_start(job);
}

int status_compute_held(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                        status_held_cb cb, void *arg)
{
    if (pool == NULL)
        return -1;
    struct status_job *job = job_new(pool, programme_id, as_of, arg);
    job->held_cb = cb;
    return job_start(job);
}

int status_update(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                  const Reno__StatusReply *held, const struct lights_project *measures,
                  struct status_sums *sums, status_held_cb cb, void *arg)
{
    if (pool == NULL)
        return -1;
    struct status_job *job = job_new(pool, programme_id, as_of, arg);
    job->held_cb = cb;
    job->update = true;
    job->info.full = false;
    job->since = held->position;
    job->held = held;
    job->held_measures = measures;
    job->sums = sums;
    job->touched = xcalloc(UPDATE_MAX_PROJECTS, sizeof *job->touched);
    return job_start(job);
}

void status_free(Reno__StatusReply *reply)
{
    if (reply)
        reno__status_reply__free_unpacked(reply, NULL);
}
