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
 * The traffic lights are judged last, here, from what the queries returned: the rules
 * (programme-wide, and per project with the project standing for the programme), the
 * plan's pace, the milestones and the supervision items, against the thresholds of the
 * light_rules section. A light is the worst of its reasons:
 *   red     a rule whose due date has passed and whose threshold is still not reached on
 *           the date (a threshold reached late is no longer red; the rule itself stays
 *           MISSED), or at least overdue_red_milestones overdue milestones;
 *   yellow  a rule not yet reached that is due within deadline_near_days (its due day
 *           included), an open milestone due that soon, fewer overdue milestones than
 *           make red, a share started or completed that trails the plan's pace by more
 *           than start_lag_points / complete_lag_points, or (programme) at least
 *           overdue_tasks_yellow overdue supervision items;
 *   green   none of these.
 * The plan's pace: households started rise linearly from the first day of construction
 * (StatusPlan.construction_starts_on) to start_share_pct on start_share_due, counting the
 * date itself as elapsed (so the pace is the full share on the due day); households
 * completed rise linearly from the same day to 100% on completion_due. The programme's
 * light is also at least as bad as its worst project's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "log.h"
#include "reflect.h"
#include "rowfill.h"
#include "rules.h"
#include "server.h"
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
};

#define SECTION_COUNT (sizeof sections / sizeof sections[0])

/* One project's values at each rule's measuring date, min(as_of, due). */
struct project_measure {
    int32_t started_at_share_due;
    int32_t started_at_all_due;
    int32_t completed_at_completion_due;
};

struct status_job {
    struct server *srv;
    status_cb cb;
    void *arg;
    int32_t as_of;
    char programme_id[24];
    char as_of_text[DATE_TEXT_SIZE];
    struct rules_plan plan;
    struct rules_measure measure;         /* the programme's, at each rule's date */
    struct rule_check checks[RULE_COUNT]; /* the programme's verdicts */
    struct project_measure *measures;     /* one per reply->projects[i] */
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

/* ---- the traffic lights ---------------------------------------------------------------- */

static int32_t threshold(const Reno__StatusReply *r, const char *code, int32_t fallback)
{
    for (size_t i = 0; i < r->n_light_rules; i++)
        if (strcmp(r->light_rules[i]->code, code) == 0)
            return r->light_rules[i]->value;
    log_warn("status: no light rule %s: using %d", code, fallback);
    return fallback;
}

static const Reno__StatusPhase *phase_of(const Reno__StatusReply *r, int64_t project_id)
{
    for (size_t i = 0; i < r->n_phases; i++)
        if (r->phases[i]->project_id == project_id)
            return r->phases[i];
    return NULL;
}

static const char *light_name(Reno__Light light)
{
    switch (light) {
    case RENO__LIGHT__LIGHT_RED:
        return "red";
    case RENO__LIGHT__LIGHT_YELLOW:
        return "yellow";
    case RENO__LIGHT__LIGHT_GREEN:
        return "green";
    default:
        return "unknown";
    }
}

static Reno__StatusLight *new_light(Reno__StatusReply *r, int64_t project_id, const char *name)
{
    Reno__StatusLight *l = (Reno__StatusLight *)reflect_append_message(
        &r->base, field_of(&reno__status_reply__descriptor, "lights"));
    l->project_id = project_id;
    l->name = xstrdup(name);
    l->light = RENO__LIGHT__LIGHT_GREEN;
    return l;
}

/* Adds a reason; the detail is the formatted text followed by ": <colour>". */
static void add_reason(Reno__StatusLight *l, const char *code, Reno__Light light, double actual,
                       double required, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_reason(Reno__StatusLight *l, const char *code, Reno__Light light, double actual,
                       double required, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    Reno__LightReason *reason = (Reno__LightReason *)reflect_append_message(
        &l->base, field_of(&reno__status_light__descriptor, "reasons"));
    reason->code = xstrdup(code);
    reason->light = light;
    reason->actual = actual;
    reason->required = required;
    reason->detail = xasprintf("%s: %s", text, light_name(light));
    if (light > l->light)
        l->light = light;
}

/* Puts the worst reasons first (stable) and sets the light's detail. */
static void settle(Reno__StatusLight *l, const char *green_detail)
{
    for (size_t i = 1; i < l->n_reasons; i++) {
        Reno__LightReason *r = l->reasons[i];
        size_t k = i;
        for (; k > 0 && l->reasons[k - 1]->light < r->light; k--)
            l->reasons[k] = l->reasons[k - 1];
        l->reasons[k] = r;
    }
    l->detail = l->n_reasons > 0 ? xstrdup(l->reasons[0]->detail)
                                 : xasprintf("%s: %s", green_detail, light_name(l->light));
}

/* What the lights are judged on, for the programme or for one project. */
struct light_input {
    const struct rules_plan *plan;   /* a project's plan: its households, 1 project */
    const struct rule_check *checks; /* RULE_COUNT verdicts under that plan */
    int32_t households;              /* the denominator of the shares */
    int32_t started, completed;      /* on as_of */
    int32_t projects_started;        /* on as_of, of plan->target_projects */
    bool is_project;
};

struct light_limits {
    int32_t as_of;
    int32_t construction_starts; /* 0 when unknown: no pace */
    int32_t near_days;
    int32_t start_lag;
    int32_t complete_lag;
    int32_t overdue_red;
};

static void rule_reasons(Reno__StatusLight *l, const struct light_input *in,
                         const struct light_limits *lim)
{
    char on[DATE_TEXT_SIZE], due[DATE_TEXT_SIZE];
    date_format(lim->as_of, on);
    const int32_t current[RULE_COUNT] = {
        [RULE_START_SHARE] = in->started,
        [RULE_START_ALL] = in->projects_started,
        [RULE_COMPLETE_ALL] = in->completed,
    };
    for (int k = 0; k < RULE_COUNT; k++) {
        const struct rule_check *c = &in->checks[k];
        Reno__Light light;
        if (c->verdict == RULE_MISSED && current[k] < c->required)
            light = RENO__LIGHT__LIGHT_RED;
        else if (c->verdict == RULE_PENDING && c->due - lim->as_of <= lim->near_days)
            light = RENO__LIGHT__LIGHT_YELLOW;
        else
            continue;
        date_format(c->due, due);
        /* Red: by the due date; yellow: how soon it is due. */
        char when[96];
        if (light == RENO__LIGHT__LIGHT_RED)
            snprintf(when, sizeof when, "by %s", due);
        else
            snprintf(when, sizeof when, "due %s (%d days left, within %d)", due,
                     c->due - lim->as_of, lim->near_days);
        switch (k) {
        case RULE_START_SHARE:
            add_reason(l, c->code, light, current[k], c->required,
                       "started %d of %d households (%.1f%%) on %s, rule ≥%d%% = %d %s", current[k],
                       in->households, pct(current[k], in->households), on,
                       in->plan->start_share_pct, c->required, when);
            break;
        case RULE_START_ALL:
            if (in->is_project)
                add_reason(l, c->code, light, current[k], c->required,
                           "no household started on %s, rule: the project started %s", on, when);
            else
                add_reason(l, c->code, light, current[k], c->required,
                           "started %d of %d projects on %s, rule all = %d %s", current[k],
                           in->plan->target_projects, on, c->required, when);
            break;
        default:
            add_reason(l, c->code, light, current[k], c->required,
                       "completed %d of %d households (%.1f%%) on %s, rule all = %d %s", current[k],
                       in->households, pct(current[k], in->households), on, c->required, when);
            break;
        }
    }
}

/* The plan's pace of households started on `day`, in percent; negative outside the days
 * from the first of construction to start_share_due, when there is no pace to keep. */
static double start_pace(const struct rules_plan *plan, int32_t first, int32_t day)
{
    if (first <= 0 || day < first || day > plan->start_share_due)
        return -1.0;
    return plan->start_share_pct * (double)(day - first + 1) /
           (double)(plan->start_share_due - first + 1);
}

static double complete_pace(const struct rules_plan *plan, int32_t first, int32_t day)
{
    if (first <= 0 || day < first || day > plan->completion_due)
        return -1.0;
    return 100.0 * (double)(day - first + 1) / (double)(plan->completion_due - first + 1);
}

static void pace_reasons(Reno__StatusLight *l, const struct light_input *in,
                         const struct light_limits *lim)
{
    char on[DATE_TEXT_SIZE], due[DATE_TEXT_SIZE];
    date_format(lim->as_of, on);
    double expected = start_pace(in->plan, lim->construction_starts, lim->as_of);
    double actual = pct(in->started, in->households);
    if (expected >= 0 && in->checks[RULE_START_SHARE].verdict != RULE_MET &&
        expected - actual > lim->start_lag) {
        date_format(in->plan->start_share_due, due);
        add_reason(l, "start_pace", RENO__LIGHT__LIGHT_YELLOW, actual, expected - lim->start_lag,
                   "started %d of %d households (%.1f%%) on %s; the plan's pace is %.1f%% by "
                   "then (%d%% by %s), lag %.1f points > %d allowed",
                   in->started, in->households, actual, on, expected, in->plan->start_share_pct,
                   due, expected - actual, lim->start_lag);
    }
    expected = complete_pace(in->plan, lim->construction_starts, lim->as_of);
    actual = pct(in->completed, in->households);
    if (expected >= 0 && expected - actual > lim->complete_lag) {
        date_format(in->plan->completion_due, due);
        add_reason(l, "complete_pace", RENO__LIGHT__LIGHT_YELLOW, actual,
                   expected - lim->complete_lag,
                   "completed %d of %d households (%.1f%%) on %s; the plan's pace is %.1f%% by "
                   "then (100%% by %s), lag %.1f points > %d allowed",
                   in->completed, in->households, actual, on, expected, due, expected - actual,
                   lim->complete_lag);
    }
}

static void milestone_reasons(Reno__StatusLight *l, const Reno__StatusPhase *ph,
                              const struct light_limits *lim)
{
    if (ph == NULL)
        return;
    char on[DATE_TEXT_SIZE];
    date_format(lim->as_of, on);
    if (ph->milestones_overdue > 0)
        add_reason(l, "milestones_overdue",
                   ph->milestones_overdue >= lim->overdue_red ? RENO__LIGHT__LIGHT_RED
                                                              : RENO__LIGHT__LIGHT_YELLOW,
                   ph->milestones_overdue, lim->overdue_red,
                   "%d of %d milestones overdue on %s: %s; red from %d", ph->milestones_overdue,
                   ph->milestones, on, ph->overdue, lim->overdue_red);
    if (ph->milestones_due_soon > 0)
        add_reason(l, "milestones_due_soon", RENO__LIGHT__LIGHT_YELLOW, ph->milestones_due_soon,
                   lim->near_days, "%d milestones due within %d days of %s, the first %s on %s",
                   ph->milestones_due_soon, lim->near_days, on, ph->next_milestone, ph->next_due);
}

static void green_detail(char *out, size_t size, const struct light_input *in,
                         const struct light_limits *lim)
{
    char on[DATE_TEXT_SIZE];
    date_format(lim->as_of, on);
    snprintf(out, size,
             "started %d of %d households (%.1f%%), completed %d (%.1f%%) on %s; nothing "
             "overdue, no deadline within %d days, on the plan's pace",
             in->started, in->households, pct(in->started, in->households), in->completed,
             pct(in->completed, in->households), on, lim->near_days);
}

static void judge_lights(struct status_job *job)
{
    Reno__StatusReply *r = job->reply;
    struct light_limits lim = {
        .as_of = job->as_of,
        .construction_starts = r->plan ? parse_date_or(r->plan->construction_starts_on, 0) : 0,
        .near_days = threshold(r, "deadline_near_days", 14),
        .start_lag = threshold(r, "start_lag_points", 10),
        .complete_lag = threshold(r, "complete_lag_points", 20),
        .overdue_red = threshold(r, "overdue_red_milestones", 1),
    };
    char detail[512];
    int32_t projects_started = 0, reds = 0, yellows = 0;
    char red_names[256] = "", yellow_names[256] = "";

    for (size_t i = 0; i < r->n_projects; i++) {
        const Reno__ProjectStatus *p = r->projects[i];
        const struct project_measure *pm = &job->measures[i];
        /* The project stands for the programme: its households are the target and it is
         * the one project that must start. */
        struct rules_plan plan = job->plan;
        plan.target_households = p->households;
        plan.target_projects = 1;
        struct rules_measure m = {pm->started_at_share_due, pm->started_at_all_due > 0,
                                  pm->completed_at_completion_due};
        struct rule_check checks[RULE_COUNT];
        rules_evaluate(&plan, job->as_of, &m, checks);
        struct light_input in = {&plan,
                                 checks,
                                 p->households,
                                 p->households_started,
                                 p->households_completed,
                                 p->households_started > 0,
                                 true};
        projects_started += p->households_started > 0;

        Reno__StatusLight *l = new_light(r, p->project_id, p->name);
        rule_reasons(l, &in, &lim);
        pace_reasons(l, &in, &lim);
        milestone_reasons(l, phase_of(r, p->project_id), &lim);
        green_detail(detail, sizeof detail, &in, &lim);
        settle(l, detail);
        char *names = l->light == RENO__LIGHT__LIGHT_RED      ? red_names
                      : l->light == RENO__LIGHT__LIGHT_YELLOW ? yellow_names
                                                              : NULL;
        int32_t *count = l->light == RENO__LIGHT__LIGHT_RED ? &reds : &yellows;
        if (names != NULL) {
            /* The first three by name, then how many more. */
            if (*count < 3)
                snprintf(names + strlen(names), sizeof red_names - strlen(names), "%s%s",
                         *count ? "、" : "", p->name);
            else if (*count == 3)
                snprintf(names + strlen(names), sizeof red_names - strlen(names), "、…");
            (*count)++;
        }
    }

    /* The programme against its own rules and pace, its supervision items, and its
     * projects. */
    struct light_input in = {&job->plan,
                             job->checks,
                             job->plan.target_households,
                             r->households_started,
                             r->households_completed,
                             projects_started,
                             false};
    Reno__StatusLight *l = new_light(r, 0, r->programme_title);
    rule_reasons(l, &in, &lim);
    pace_reasons(l, &in, &lim);
    int32_t tasks_limit = threshold(r, "overdue_tasks_yellow", 1);
    int32_t tasks_overdue = 0;
    for (size_t i = 0; i < r->n_supervision; i++)
        if (r->supervision[i]->unit_code[0] == '\0')
            tasks_overdue = r->supervision[i]->items_overdue;
    if (tasks_limit > 0 && tasks_overdue >= tasks_limit) {
        char on[DATE_TEXT_SIZE];
        date_format(job->as_of, on);
        add_reason(l, "tasks_overdue", RENO__LIGHT__LIGHT_YELLOW, tasks_overdue, tasks_limit,
                   "%d supervision items overdue on %s; yellow from %d", tasks_overdue, on,
                   tasks_limit);
    }
    if (reds > 0)
        add_reason(l, "projects", RENO__LIGHT__LIGHT_RED, reds, 1, "%d of %zu projects red (%s)",
                   reds, r->n_projects, red_names);
    else if (yellows > 0)
        add_reason(l, "projects", RENO__LIGHT__LIGHT_YELLOW, yellows, 1,
                   "%d of %zu projects yellow (%s)", yellows, r->n_projects, yellow_names);
    green_detail(detail, sizeof detail, &in, &lim);
    settle(l, detail);
}

/* ---- the queries ----------------------------------------------------------------------- */

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

static void load_section(struct status_job *job)
{
    if (job->section == SECTION_COUNT) {
        judge_lights(job);
        job->reply->computed_at = (int64_t)time(NULL);
        job->cb(job->arg, job->reply, NULL);
        job_free(job);
        return;
    }
    const struct section *s = &sections[job->section];
    const char *params[] = {job->programme_id, job->as_of_text};
    if (server_query_text(job->srv, s->name, s->sql, 2, params, section_loaded, job) != 0)
        job_fail_code(job, RENO__STATUS_CODE__UNAVAILABLE, server_query_refusal(job->srv));
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
        struct project_measure *pm = &job->measures[i];
        pm->started_at_share_due = int_at(res, i, 8);
        pm->started_at_all_due = int_at(res, i, 9);
        pm->completed_at_completion_due = int_at(res, i, 10);
        job->measure.households_started += pm->started_at_share_due;
        job->measure.projects_started += pm->started_at_all_due > 0;
        job->measure.households_completed += pm->completed_at_completion_due;
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
    if (server_query(job->srv, SQL_STATUS_PROJECTS, 5, params, projects_loaded, job) != 0)
        job_fail_code(job, RENO__STATUS_CODE__UNAVAILABLE, server_query_refusal(job->srv));
}

int status_compute(struct server *srv, int64_t programme_id, int32_t as_of, status_cb cb, void *arg)
{
    struct status_job *job = xcalloc(1, sizeof *job);
    job->srv = srv;
    job->cb = cb;
    job->arg = arg;
    job->as_of = as_of;
    date_format(as_of, job->as_of_text);
    snprintf(job->programme_id, sizeof job->programme_id, "%lld", (long long)programme_id);
    job->reply = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    const char *params[] = {job->programme_id};
    if (server_query(srv, SQL_STATUS_PROGRAMME, 1, params, programme_loaded, job) != 0) {
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
