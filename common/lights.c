/*
 * The traffic lights: pure judgement over a status reply's sections, the programme's plan
 * and its rule verdicts. See lights.h.
 */
#include "lights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "log.h"
#include "reflect.h"
#include "xmalloc.h"

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

static double pct(int32_t part, int32_t whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

static int32_t threshold(const Reno__StatusReply *r, const char *code, int32_t fallback)
{
    for (size_t i = 0; i < r->n_light_rules; i++)
        if (strcmp(r->light_rules[i]->code, code) == 0)
            return r->light_rules[i]->value;
    log_warn("status: no light rule %s: using %d", code, fallback);
    return fallback;
}

/* The phases rows ordered by project (rows of one project in the reply's order), so that
 * each project finds its row by binary search: a scan of every row for each project cost
 * the square of the projects (1.8·10⁹ comparisons at 60,000). */
struct phase_row {
    const Reno__StatusPhase *row;
    size_t at; /* its place in the reply */
};

static int cmp_phase_row(const void *a, const void *b)
{
    const struct phase_row *x = a, *y = b;
    if (x->row->project_id != y->row->project_id)
        return x->row->project_id < y->row->project_id ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

static struct phase_row *phase_index(const Reno__StatusReply *r)
{
    struct phase_row *ix = xmalloc((r->n_phases + 1) * sizeof *ix);
    for (size_t i = 0; i < r->n_phases; i++)
        ix[i] = (struct phase_row){r->phases[i], i};
    qsort(ix, r->n_phases, sizeof *ix, cmp_phase_row);
    return ix;
}

/* The project's first phases row in the reply's order, or NULL. */
static const Reno__StatusPhase *phase_of(const struct phase_row *ix, size_t n, int64_t project_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix[mid].row->project_id < project_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ix[lo].row->project_id == project_id ? ix[lo].row : NULL;
}

/* The same for a few projects: the first row of the project in the reply's order, by a
 * scan (cheaper than ordering every row when an update judges a few projects again). */
static const Reno__StatusPhase *phase_scan(const Reno__StatusReply *r, int64_t project_id)
{
    for (size_t i = 0; i < r->n_phases; i++)
        if (r->phases[i]->project_id == project_id)
            return r->phases[i];
    return NULL;
}

const char *lights_name(Reno__Light light)
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

void lights_add_reason(Reno__StatusLight *l, const char *code, Reno__Light light, double actual,
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
    reason->detail = xasprintf("%s: %s", text, lights_name(light));
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
                                 : xasprintf("%s: %s", green_detail, lights_name(l->light));
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
        /* "开工改造户数不低于25%" counts the programme's households: a project's light
         * never says it broke it (its pace reason says when it lags). */
        if (in->is_project && k == RULE_START_SHARE)
            continue;
        const struct rule_check *c = &in->checks[k];
        /* Registered projects that disagree with the plan are a question for the office,
         * not a missed deadline: yellow while they differ, with both figures. */
        if (k == RULE_REGISTERED) {
            if (!in->is_project && c->verdict != RULE_MET)
                lights_add_reason(l, c->code, RENO__LIGHT__LIGHT_YELLOW, c->actual, c->required,
                                  "%s", c->detail);
            continue;
        }
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
            lights_add_reason(l, c->code, light, current[k], c->required,
                              "started %d of %d households (%.1f%%) on %s, rule ≥%d%% = %d %s",
                              current[k], in->households, pct(current[k], in->households), on,
                              in->plan->start_share_pct, c->required, when);
            break;
        case RULE_START_ALL:
            if (in->is_project)
                lights_add_reason(l, c->code, light, current[k], c->required,
                                  "no household started on %s, rule: the project started %s", on,
                                  when);
            else
                lights_add_reason(l, c->code, light, current[k], c->required,
                                  "started %d of %d projects on %s, rule all = %d %s", current[k],
                                  in->plan->target_projects, on, c->required, when);
            break;
        default:
            lights_add_reason(l, c->code, light, current[k], c->required,
                              "completed %d of %d households (%.1f%%) on %s, rule all = %d %s",
                              current[k], in->households, pct(current[k], in->households), on,
                              c->required, when);
            break;
        }
    }
}

/* The plan's pace of households started on `day`, in percent; negative outside the days
 * from the first of construction to start_share_due, when there is no pace to keep. A
 * project's pace holds at the share after its due date until every project is due to have
 * started: the share rule itself is the programme's, but a project that stays below it is
 * behind the pace the plan sets. */
static double start_pace(const struct rules_plan *plan, int32_t first, int32_t day, bool is_project)
{
    if (is_project && first > 0 && day > plan->start_share_due && day <= plan->all_started_due)
        return plan->start_share_pct;
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
    double expected = start_pace(in->plan, lim->construction_starts, lim->as_of, in->is_project);
    double actual = pct(in->started, in->households);
    if (expected >= 0 && in->checks[RULE_START_SHARE].verdict != RULE_MET &&
        expected - actual > lim->start_lag) {
        date_format(in->plan->start_share_due, due);
        lights_add_reason(
            l, "start_pace", RENO__LIGHT__LIGHT_YELLOW, actual, expected - lim->start_lag,
            "started %d of %d households (%.1f%%) on %s, behind the plan's pace: %.1f%% by "
            "then (%d%% by %s%s), lag %.1f points > %d allowed",
            in->started, in->households, actual, on, expected, in->plan->start_share_pct, due,
            in->is_project ? " across the programme" : "", expected - actual, lim->start_lag);
    }
    expected = complete_pace(in->plan, lim->construction_starts, lim->as_of);
    actual = pct(in->completed, in->households);
    if (expected >= 0 && expected - actual > lim->complete_lag) {
        date_format(in->plan->completion_due, due);
        lights_add_reason(
            l, "complete_pace", RENO__LIGHT__LIGHT_YELLOW, actual, expected - lim->complete_lag,
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
        lights_add_reason(l, "milestones_overdue",
                          ph->milestones_overdue >= lim->overdue_red ? RENO__LIGHT__LIGHT_RED
                                                                     : RENO__LIGHT__LIGHT_YELLOW,
                          ph->milestones_overdue, lim->overdue_red,
                          "%d of %d milestones overdue on %s: %s; red from %d",
                          ph->milestones_overdue, ph->milestones, on, ph->overdue,
                          lim->overdue_red);
    if (ph->milestones_due_soon > 0)
        lights_add_reason(
            l, "milestones_due_soon", RENO__LIGHT__LIGHT_YELLOW, ph->milestones_due_soon,
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

static struct light_limits limits_of(const Reno__StatusReply *r, int32_t as_of)
{
    struct light_limits lim = {
        .as_of = as_of,
        .construction_starts = r->plan ? parse_date_or(r->plan->construction_starts_on, 0) : 0,
        .near_days = threshold(r, "deadline_near_days", 14),
        .start_lag = threshold(r, "start_lag_points", 10),
        .complete_lag = threshold(r, "complete_lag_points", 20),
        .overdue_red = threshold(r, "overdue_red_milestones", 1),
    };
    return lim;
}

static bool listed(int64_t id, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

void lights_judge_projects(Reno__StatusReply *out, const Reno__StatusReply *r, int32_t as_of,
                           const struct rules_plan *programme,
                           const struct lights_project *measures, const int64_t *ids, size_t n)
{
    struct light_limits lim = limits_of(r, as_of);
    char detail[512];
    /* Every project: its phase found by binary search over the rows ordered once. */
    struct phase_row *phases = ids == NULL ? phase_index(r) : NULL;
    for (size_t i = 0; i < r->n_projects; i++) {
        const Reno__ProjectStatus *p = r->projects[i];
        if (ids != NULL && !listed(p->project_id, ids, n))
            continue;
        const struct lights_project *pm = &measures[i];
        /* The project stands for the programme: its households are the target and it is
         * the one project that must start. */
        struct rules_plan plan = *programme;
        plan.target_households = p->households;
        plan.target_projects = 1;
        struct rules_measure m = {pm->started_at_share_due, pm->started_at_all_due > 0,
                                  pm->completed_at_completion_due, 1, p->households};
        struct rule_check own[RULE_COUNT];
        rules_evaluate(&plan, as_of, &m, own);
        struct light_input in = {&plan,
                                 own,
                                 p->households,
                                 p->households_started,
                                 p->households_completed,
                                 p->households_started > 0,
                                 true};
        Reno__StatusLight *l = new_light(out, p->project_id, p->name);
        rule_reasons(l, &in, &lim);
        pace_reasons(l, &in, &lim);
        const Reno__StatusPhase *phase =
            phases ? phase_of(phases, r->n_phases, p->project_id) : phase_scan(r, p->project_id);
        milestone_reasons(l, phase, &lim);
        green_detail(detail, sizeof detail, &in, &lim);
        settle(l, detail);
    }
    free(phases);
}

void lights_judge_programme(Reno__StatusReply *r, int32_t as_of, const struct rules_plan *programme,
                            const struct rule_check checks[RULE_COUNT])
{
    struct light_limits lim = limits_of(r, as_of);
    char detail[512];
    int32_t projects_started = 0, reds = 0, yellows = 0;
    char red_names[256] = "", yellow_names[256] = "";
    for (size_t i = 0; i < r->n_projects; i++)
        projects_started += r->projects[i]->households_started > 0;
    /* The projects' lights come first, in the projects' order. */
    for (size_t i = 0; i < r->n_lights; i++) {
        const Reno__StatusLight *l = r->lights[i];
        if (l->project_id == 0)
            continue;
        char *names = l->light == RENO__LIGHT__LIGHT_RED      ? red_names
                      : l->light == RENO__LIGHT__LIGHT_YELLOW ? yellow_names
                                                              : NULL;
        int32_t *count = l->light == RENO__LIGHT__LIGHT_RED ? &reds : &yellows;
        if (names != NULL) {
            /* The first three by name, then how many more. */
            if (*count < 3)
                snprintf(names + strlen(names), sizeof red_names - strlen(names), "%s%s",
                         *count ? "、" : "", l->name);
            else if (*count == 3)
                snprintf(names + strlen(names), sizeof red_names - strlen(names), "、…");
            (*count)++;
        }
    }

    /* The programme against its own rules and pace, its supervision items, and its
     * projects. */
    struct light_input in = {programme,
                             checks,
                             programme->target_households,
                             r->households_started,
                             r->households_completed,
                             projects_started,
                             false};
    Reno__StatusLight *l = new_light(r, 0, r->programme_title);
    rule_reasons(l, &in, &lim);
    pace_reasons(l, &in, &lim);
    /* The plan's rhythm: each duty the office let pass (a round not closed or not reported
     * up, a month without its notice or its meeting) is yellow, naming the office. */
    for (size_t i = 0; i < r->n_rhythm; i++) {
        const Reno__StatusRhythm *d = r->rhythm[i];
        if (d->period[0] != '\0' || d->kept)
            continue;
        char code[64];
        snprintf(code, sizeof code, "rhythm_%s", d->code);
        lights_add_reason(l, code, RENO__LIGHT__LIGHT_YELLOW, d->missed_count, 0, "%s", d->detail);
    }
    int32_t tasks_limit = threshold(r, "overdue_tasks_yellow", 1);
    int32_t tasks_overdue = 0;
    for (size_t i = 0; i < r->n_supervision; i++)
        if (r->supervision[i]->unit_code[0] == '\0')
            tasks_overdue = r->supervision[i]->items_overdue;
    if (tasks_limit > 0 && tasks_overdue >= tasks_limit) {
        char on[DATE_TEXT_SIZE];
        date_format(as_of, on);
        lights_add_reason(l, "tasks_overdue", RENO__LIGHT__LIGHT_YELLOW, tasks_overdue, tasks_limit,
                          "%d supervision items overdue on %s; yellow from %d", tasks_overdue, on,
                          tasks_limit);
    }
    if (reds > 0)
        lights_add_reason(l, "projects", RENO__LIGHT__LIGHT_RED, reds, 1,
                          "%d of %zu projects red (%s)", reds, r->n_projects, red_names);
    else if (yellows > 0)
        lights_add_reason(l, "projects", RENO__LIGHT__LIGHT_YELLOW, yellows, 1,
                          "%d of %zu projects yellow (%s)", yellows, r->n_projects, yellow_names);
    green_detail(detail, sizeof detail, &in, &lim);
    settle(l, detail);
}

void lights_judge(Reno__StatusReply *r, int32_t as_of, const struct rules_plan *programme,
                  const struct rule_check checks[RULE_COUNT], const struct lights_project *measures)
{
    lights_judge_projects(r, r, as_of, programme, measures, NULL, 0);
    lights_judge_programme(r, as_of, programme, checks);
}
