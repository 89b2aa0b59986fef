/*
 * reno status and reno watch: the programme's consolidated status as the office reads it.
 *
 *   reno status                      the programme as of today: projects, totals, the plan's
 *                                    rules, the traffic lights, then each section
 *                                    (milestones, funds, contracts, line work, surveys,
 *                                    supervision items, the current collection round)
 *   reno status PROJECT              one project (its id or its exact name) in detail
 *   reno status --as-of DATE         the same as of a past date
 *   reno status --diff ROUND ROUND   what changed between two collection rounds
 *
 * --diff is computed here, in the client: it reads the rounds (ListRounds) for their
 * effective dates and asks GetStatus as of each, then compares the two replies project
 * by project. A server-side request would carry nothing more than these two statuses,
 * and this way the difference is exactly that of two statuses anyone can ask for.
 *
 * With --json the output is one object: for status, the StatusReply with the field names
 * of reno.proto, enums by their names there, 64-bit integers as JSON numbers, written from
 * the message descriptors (so new fields appear without code here); for a project, the
 * sections with a project_id keep that project's rows only. For --diff, see print_diff_json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "i18n.h"
#include "labels.h"
#include "output.h"
#include "lights_text.h"
#include "rules_text.h"
#include "reflect.h"
#include "status_delta.h"
#include "status_form.h"
#include "status_diff.h"
#include "status_parties.h"
#include "status_view.h"
#include "table.h"
#include "xmalloc.h"

/* ---- JSON, from the descriptors --------------------------------------------------------- */

/* A row belongs to the filtered project when it has a project_id equal to it. Rows of
 * messages without a project_id (rules, thresholds, units) are always kept. */
static bool keep_row(const ProtobufCMessage *row, int64_t project)
{
    if (project == 0)
        return true;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(row->descriptor, "project_id");
    return f == NULL || *(const int64_t *)reflect_field(row, f) == project;
}

static void json_value(struct output_json *j, const char *key, const ProtobufCMessage *m,
                       int64_t project);

static void json_scalar(struct output_json *j, const char *key, const ProtobufCMessage *m,
                        const ProtobufCFieldDescriptor *f)
{
    const void *p = reflect_field(m, f);
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
        output_json_int(j, key, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
        output_json_int(j, key, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
        output_json_int(j, key, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        output_json_bool(j, key, *(const protobuf_c_boolean *)p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        output_json_double(j, key, *(const double *)p);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const char *name = output_enum_name(f->descriptor, *(const int *)p);
        output_json_string(j, key, name != NULL ? name : "");
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        output_json_string(j, key, s != NULL ? s : "");
        break;
    }
    default: {
        char *t = reflect_get_text(m, f);
        output_json_string(j, key, t != NULL ? t : "");
        free(t);
    }
    }
}

/* One message as an object; repeated messages as arrays (filtered), unset ones left out. */
static void json_value(struct output_json *j, const char *key, const ProtobufCMessage *m,
                       int64_t project)
{
    output_json_object(j, key);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            output_json_array(j, f->name);
            for (size_t k = 0; k < reflect_count(m, f); k++) {
                if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                    const ProtobufCMessage *row =
                        (*(ProtobufCMessage *const *const *)reflect_field(m, f))[k];
                    if (keep_row(row, project))
                        json_value(j, NULL, row, project);
                } else if (f->type == PROTOBUF_C_TYPE_STRING) {
                    output_json_string(j, NULL, (*(char *const *const *)reflect_field(m, f))[k]);
                }
            }
            output_json_end(j);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *)reflect_field(m, f);
            if (sub != NULL)
                json_value(j, f->name, sub, project);
        } else {
            json_scalar(j, f->name, m, f);
        }
    }
    output_json_end(j);
}

static void print_json(const Reno__StatusReply *s, int64_t project)
{
    struct output_json j;
    output_json_init(&j, stdout);
    json_value(&j, NULL, &s->base, project);
}

/* ---- text ------------------------------------------------------------------------------- */

/* Empty text from the server shows as "-", so that a column never looks shifted. */
static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

static const char *light_word(Reno__Light light)
{
    const char *label = label_enum(&reno__light__descriptor, (int)light);
    return label != NULL ? label : "-";
}

/* The label of an enum value (中央补助, "central subsidy" in English), or "-" for none. */
static const char *enum_word(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t size)
{
    const char *label = label_enum(d, value);
    snprintf(buf, size, "%s", label != NULL ? label : "-");
    return buf;
}

static void print_table(struct table *t, FILE *out)
{
    table_print(t, out);
    table_free(t);
}

/* Prints a section's table if it has rows (and frees it either way); true if printed. */
static bool print_if_any(struct table *t, FILE *out)
{
    bool any = table_rows(t) > 0;
    if (any)
        print_table(t, out);
    else
        table_free(t);
    return any;
}

static void print_plan(const Reno__StatusReply *s, FILE *out)
{
    const Reno__StatusPlan *p = s->plan;
    if (p == NULL)
        return;
    output_line(out,
                _("plan: phase %d %s on %s; construction from %s; ≥%d%% of households started "
                  "by %s, every project by %s, all completed by %s; acceptance by %s, "
                  "evaluation by %s"),
                p->phase, or_dash(p->phase_name), or_dash(s->as_of),
                or_dash(p->construction_starts_on), p->start_share_pct, or_dash(p->start_share_due),
                or_dash(p->all_started_due), or_dash(p->completion_due), or_dash(p->acceptance_due),
                or_dash(p->evaluation_due));
}

static void print_projects(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const struct sv_context ctx = {s, false, true};
    struct table *t = sv_table(&sv_projects, &ctx);
    bool any_sample = false;
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        if (!keep_row(&p->base, project))
            continue;
        /* Sample projects are marked in the name column and explained under the table. */
        sv_table_add(t, &sv_projects, &p->base, &ctx);
        any_sample |= p->is_sample;
    }
    print_table(t, out);
    if (s->n_projects == 0)
        fprintf(out, _("(no projects)\n"));
    if (project == 0)
        output_line(out,
                    _("total: %d households in %zu projects, programme target %d; started %d "
                      "(%.1f%%), completed %d (%.1f%%)"),
                    s->households,
                    s->projects_in_programme > 0 ? (size_t)s->projects_in_programme : s->n_projects,
                    s->target_households, s->households_started, s->started_pct,
                    s->households_completed, s->completed_pct);
    if (any_sample)
        fprintf(out, _("* sample data: the work plan names no projects and gives no household "
                       "split\n"));
}

static void print_rules(const Reno__StatusReply *s, FILE *out)
{
    const struct sv_context ctx = {s, false, false};
    struct table *t = sv_table(&sv_rules, &ctx);
    for (size_t i = 0; i < s->n_rules; i++)
        sv_table_add(t, &sv_rules, &s->rules[i]->base, &ctx);
    print_table(t, out);
}

/* Overview: one line per light, its worst reason. A project: every reason. */
static void print_lights(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    if (s->n_lights == 0)
        return;
    if (project == 0) {
        static const char *const headers[] = {N_("LIGHT"), N_("PROJECT"), N_("WHY")};
        struct table *t = table_new(3, headers);
        for (size_t i = 0; i < s->n_lights; i++) {
            const Reno__StatusLight *l = s->lights[i];
            char why[400];
            lights_text_detail(s, l, why, sizeof why);
            const char *cells[] = {light_word(l->light),
                                   l->project_id == 0 ? _("programme") : or_dash(l->name),
                                   or_dash(why)};
            table_add_row(t, cells);
        }
        print_table(t, out);
        return;
    }
    for (size_t i = 0; i < s->n_lights; i++) {
        const Reno__StatusLight *l = s->lights[i];
        if (l->project_id != project)
            continue;
        output_line(out, _("light: %s"), light_word(l->light));
        if (l->n_reasons == 0) {
            char why[400];
            lights_text_detail(s, l, why, sizeof why);
            output_line(out, "  %s", or_dash(why));
            continue;
        }
        static const char *const headers[] = {N_("LIGHT"), N_("REASON"), N_("DETAIL")};
        struct table *t = table_new(3, headers);
        for (size_t k = 0; k < l->n_reasons; k++) {
            const Reno__LightReason *r = l->reasons[k];
            char why[400];
            lights_text_reason(r, why, sizeof why);
            const char *cells[] = {light_word(r->light), or_dash(r->code), or_dash(why)};
            table_add_row(t, cells);
        }
        print_table(t, out);
    }
}

static void print_phases(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    if (s->n_phases == 0)
        return;
    const struct sv_context ctx = {s, false, false};
    struct table *t = sv_table(&sv_phases, &ctx);
    const char *overdue = NULL;
    for (size_t i = 0; i < s->n_phases; i++) {
        const Reno__StatusPhase *p = s->phases[i];
        if (!keep_row(&p->base, project))
            continue;
        sv_table_add(t, &sv_phases, &p->base, &ctx);
        if (project != 0 && p->overdue[0] != '\0')
            overdue = p->overdue;
    }
    print_table(t, out);
    if (overdue != NULL)
        output_line(out, _("overdue: %s"), overdue);
}

static bool any_money(const Reno__StatusReply *s)
{
    for (size_t i = 0; i < s->n_funds; i++)
        if (s->funds[i]->allocated > 0 || s->funds[i]->received > 0 || s->funds[i]->paid > 0)
            return true;
    for (size_t i = 0; i < s->n_contracts; i++)
        if (s->contracts[i]->contracts > 0)
            return true;
    return false;
}

/* Overview: each project's total and the programme's per source; a project: its sources. */
static bool print_funds(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const struct sv_context ctx = {s, false, false};
    struct table *t = sv_table(&sv_funds, &ctx);
    for (size_t i = 0; i < s->n_funds; i++) {
        const Reno__StatusFunds *f = s->funds[i];
        if (project != 0
                ? f->project_id != project
                : f->project_id != 0 && f->source != RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED)
            continue;
        sv_table_add(t, &sv_funds, &f->base, &ctx);
    }
    return print_if_any(t, out);
}

static bool print_contracts(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    static const char *const headers[] = {N_("PROJECT"),         N_("KIND"),
                                          N_("CONTRACTS"),       N_("AMOUNT (10k yuan)"),
                                          N_("PAID (10k yuan)"), N_("REMAINING (10k yuan)"),
                                          N_("PAID %")};
    static const char *const short_headers[] = {NULL,           NULL,         NULL, N_("VALUE"),
                                                N_("PAYMENTS"), N_("UNPAID"), NULL};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t c = 0; c < sizeof short_headers / sizeof short_headers[0]; c++)
        table_set_short_header(t, c, short_headers[c]);
    for (size_t i = 0; i < s->n_contracts; i++) {
        const Reno__StatusContracts *c = s->contracts[i];
        if (project != 0
                ? c->project_id != project
                : c->project_id != 0 && c->kind != RENO__CONTRACT_KIND__CONTRACT_KIND_UNSPECIFIED)
            continue;
        if (c->contracts == 0)
            continue;
        char kind[32], count[16], amount[32], paid[32], remaining[32], share[16];
        if (c->kind == RENO__CONTRACT_KIND__CONTRACT_KIND_UNSPECIFIED)
            snprintf(kind, sizeof kind, "%s", _("all"));
        else
            enum_word(&reno__contract_kind__descriptor, (int)c->kind, kind, sizeof kind);
        snprintf(count, sizeof count, "%d", c->contracts);
        output_money_10k(c->amount, amount, sizeof amount);
        output_money_10k(c->paid, paid, sizeof paid);
        output_money_10k(c->remaining, remaining, sizeof remaining);
        snprintf(share, sizeof share, "%.1f%%", c->paid_pct);
        const char *cells[] = {c->project_id == 0 ? _("total") : or_dash(c->name),
                               kind,
                               count,
                               amount,
                               paid,
                               remaining,
                               share};
        table_add_row(t, cells);
    }
    return print_if_any(t, out);
}

/* Overview: per utility and segment over all projects; a project: its own rows. */
static bool print_lines(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const struct sv_context ctx = {s, false, false};
    struct table *t = sv_table(&sv_lines, &ctx);
    for (size_t i = 0; i < s->n_lines; i++)
        if (s->lines[i]->project_id == project)
            sv_table_add(t, &sv_lines, &s->lines[i]->base, &ctx);
    return print_if_any(t, out);
}

static bool print_surveys(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    static const char *const headers[] = {N_("PROJECT"),   N_("SURVEY"),   N_("HELD ON"),
                                          N_("ASKED"),     N_("AGREEING"), N_("ASKED %"),
                                          N_("AGREEING %")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t i = 0; i < s->n_surveys; i++) {
        const Reno__StatusSurvey *v = s->surveys[i];
        if (!keep_row(&v->base, project))
            continue;
        char kind[32], asked[16], agreeing[16], asked_pct[16], agreeing_pct[16];
        enum_word(&reno__survey_kind__descriptor, (int)v->kind, kind, sizeof kind);
        snprintf(asked, sizeof asked, "%d", v->households_asked);
        snprintf(agreeing, sizeof agreeing, "%d", v->households_agreeing);
        snprintf(asked_pct, sizeof asked_pct, "%.1f%%", v->asked_pct);
        snprintf(agreeing_pct, sizeof agreeing_pct, "%.1f%%", v->agreeing_pct);
        const char *cells[] = {v->project_id == 0 ? _("total") : or_dash(v->name),
                               kind,
                               or_dash(v->surveyed_on),
                               asked,
                               agreeing,
                               asked_pct,
                               agreeing_pct};
        table_add_row(t, cells);
    }
    return print_if_any(t, out);
}

static bool print_supervision(const Reno__StatusReply *s, FILE *out)
{
    const struct sv_context ctx = {s, false, false};
    struct table *t = sv_table(&sv_supervision, &ctx);
    for (size_t i = 0; i < s->n_supervision; i++)
        if (s->supervision[i]->items > 0)
            sv_table_add(t, &sv_supervision, &s->supervision[i]->base, &ctx);
    return print_if_any(t, out);
}

/* The round, then who is missing: per unit with its projects (overview), or the units
 * missing for the one project. */
static void print_round(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const Reno__StatusRound *r = s->round;
    if (r == NULL)
        return;
    output_line(out,
                _("collection round %s (effective %s, window to %s, %s): %d of %d reports "
                  "received, %d units missing"),
                or_dash(r->round_date), or_dash(r->effective_date), or_dash(r->window_closes_on),
                r->state == RENO__ROUND_STATE__ROUND_STATE_CLOSED ? _("closed") : _("open"),
                r->reports_received, r->reports_expected, r->units_missing);
    const char *const headers[] = {N_("MISSING UNIT"), project != 0 ? N_("DUTY") : N_("PROJECTS")};
    struct table *t = table_new(2, headers);
    for (size_t i = 0; i < s->n_missing_reporters; i++) {
        const Reno__MissingReporter *m = s->missing_reporters[i];
        if (project != 0) {
            if (m->project_id == project) {
                const char *cells[] = {or_dash(m->unit_name), or_dash(m->duty)};
                table_add_row(t, cells);
            }
            continue;
        }
        /* Rows come ordered by unit: each unit's projects on one line, the first three
         * by name. */
        if (i > 0 && strcmp(s->missing_reporters[i - 1]->unit_code, m->unit_code) == 0)
            continue;
        size_t count = 0;
        while (i + count < s->n_missing_reporters &&
               strcmp(s->missing_reporters[i + count]->unit_code, m->unit_code) == 0)
            count++;
        char projects[512] = "";
        size_t len = 0;
        for (size_t k = 0; k < count && k < 3; k++) {
            int w = snprintf(projects + len, sizeof projects - len, "%s%s", k > 0 ? "、" : "",
                             s->missing_reporters[i + k]->project_name);
            len = w > 0 && len + (size_t)w < sizeof projects ? len + (size_t)w : len;
        }
        if (count > 3)
            snprintf(projects + len, sizeof projects - len, _("、… (%zu projects)"), count);
        const char *cells[] = {or_dash(m->unit_name), projects};
        table_add_row(t, cells);
    }
    if (table_rows(t) > 0)
        print_table(t, out);
    else
        table_free(t);
}

/* The plan's rhythm: each duty with how many of its periods were kept, then each period
 * missed and who should have acted. */
/* A duty of the rhythm by its code, in the plan's words under zh_CN; the code otherwise,
 * which scripts match. */
static const char *rhythm_duty_name(const char *code)
{
    static const char *const duties[] = {N_("round_closed"), N_("round_reported"),
                                         N_("monthly_notice"), N_("monthly_meeting")};
    for (size_t i = 0; i < sizeof duties / sizeof duties[0]; i++)
        if (strcmp(code, duties[i]) == 0)
            return _(duties[i]);
    return or_dash(code);
}

static void print_rhythm(const Reno__StatusReply *s, FILE *out)
{
    static const char *const headers[] = {N_("DUTY"), N_("PERIOD"), N_("DUE"), N_("KEPT"),
                                          N_("DETAIL")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t i = 0; i < s->n_rhythm; i++) {
        const Reno__StatusRhythm *d = s->rhythm[i];
        bool summary = d->period[0] == '\0';
        char kept[32];
        if (summary)
            snprintf(kept, sizeof kept, "%d/%d", d->due_count - d->missed_count, d->due_count);
        else
            snprintf(kept, sizeof kept, "%s", _("missed"));
        const char *cells[] = {summary ? rhythm_duty_name(d->code) : "", summary ? "" : d->period,
                               or_dash(d->due), kept, or_dash(d->detail)};
        table_add_row(t, cells);
    }
    print_table(t, out);
    /* A page carries each duty's newest missed periods only (GetStatus.rhythm_periods);
     * the summaries count them all, and the rest are one flag away. */
    long long hidden = 0;
    for (size_t i = 0; i < s->n_rhythm; i++) {
        const Reno__StatusRhythm *d = s->rhythm[i];
        if (d->period[0] != '\0')
            continue;
        int shown = 0;
        for (size_t j = 0; j < s->n_rhythm; j++)
            shown += s->rhythm[j]->period[0] != '\0' && strcmp(s->rhythm[j]->code, d->code) == 0;
        if (d->missed_count > shown)
            hidden += d->missed_count - shown;
    }
    if (hidden > 0)
        output_line(out,
                    _("%lld earlier missed periods not shown (counted above): reno status "
                      "--rhythm-all"),
                    hidden);
}

static void section(FILE *out, const char *title)
{
    fputc('\n', out);
    output_line(out, "%s", title);
}

/* The lights of every project and which projects this page holds: the first lines a
 * person reads at any size. */
static void print_summary(const Reno__StatusReply *s, FILE *out)
{
    char counts[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < s->n_light_counts && used < sizeof counts; i++) {
        int n = snprintf(counts + used, sizeof counts - used, "%s%s %d", i ? ", " : "",
                         light_word(s->light_counts[i]->light), s->light_counts[i]->projects);
        if (n > 0)
            used += (size_t)n;
    }
    if (s->n_light_counts > 0)
        output_line(out, _("lights (红绿灯) of %d projects: %s"), s->projects_in_programme, counts);
    if (s->projects_matching == 0)
        output_line(out, _("projects: none match"));
    else
        output_line(out, _("projects %d-%d of %d matching"), s->page_offset + 1,
                    s->page_offset + (int)s->n_projects, s->projects_matching);
}

static void print_text(const Reno__StatusReply *s, FILE *out)
{
    output_line(out, _("%s (%s), status as of %s"), or_dash(s->programme_title),
                or_dash(s->programme_code), or_dash(s->as_of));
    if (s->stale) {
        char when[32] = "-";
        time_t t = (time_t)s->computed_at;
        struct tm tm;
        if (t > 0 && localtime_r(&t, &tm) != NULL)
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        output_line(out,
                    _("STALE (数据可能已过时): the server cannot reach its database; these are the "
                      "figures computed at %s, changes since then are missing"),
                    when);
    }
    output_standby(out, s->from_standby, s->standby_lag_ms);
    print_summary(s, out);
    print_plan(s, out);
    fputc('\n', out);
    print_projects(s, 0, out);
    if (s->n_rules > 0) {
        fputc('\n', out);
        print_rules(s, out);
    }
    if (s->n_lights > 0) {
        section(out, _("traffic lights (红绿灯):"));
        print_lights(s, 0, out);
    }
    if (s->n_phases > 0) {
        section(out, _("phases and milestones:"));
        print_phases(s, 0, out);
    }
    if (any_money(s)) {
        section(out, _("funds (资金) and contracts, in 10k yuan (万元):"));
        (void)print_funds(s, 0, out);
        (void)print_contracts(s, 0, out);
    }
    if (s->n_lines > 0) {
        section(out, _("line work (管线入地 / 架空线规整) per utility:"));
        (void)print_lines(s, 0, out);
    }
    if (s->n_surveys > 0) {
        section(out, _("resident surveys (latest):"));
        (void)print_surveys(s, 0, out);
    }
    bool any_items = false;
    for (size_t i = 0; i < s->n_supervision; i++)
        any_items |= s->supervision[i]->items > 0;
    if (any_items) {
        section(out, _("supervision items (督查督办) per unit:"));
        (void)print_supervision(s, out);
    }
    status_parties_print(s, 0, out);
    if (s->round != NULL) {
        fputc('\n', out);
        print_round(s, 0, out);
    }
    if (s->n_rhythm > 0) {
        section(out,
                _("the plan's rhythm (半月一调度、一月一通报、每月一次调度会), the office's:"));
        print_rhythm(s, out);
    }
}

static void print_project(const Reno__StatusReply *s, const Reno__ProjectStatus *p, FILE *out)
{
    output_line(out, _("%s (%s, project %lld), status as of %s"), or_dash(p->name),
                or_dash(p->community), (long long)p->project_id, or_dash(s->as_of));
    print_plan(s, out);
    fputc('\n', out);
    print_projects(s, p->project_id, out);
    fputc('\n', out);
    print_lights(s, p->project_id, out);
    section(out, _("milestones:"));
    print_phases(s, p->project_id, out);
    section(out, _("funds and contracts, in 10k yuan (万元):"));
    bool funds = print_funds(s, p->project_id, out);
    if (!print_contracts(s, p->project_id, out) && !funds)
        fprintf(out, _("(none)\n"));
    section(out, _("line work:"));
    if (!print_lines(s, p->project_id, out))
        fprintf(out, _("(none)\n"));
    section(out, _("resident surveys:"));
    if (!print_surveys(s, p->project_id, out))
        fprintf(out, _("(none)\n"));
    status_parties_print(s, p->project_id, out);
    if (s->round != NULL) {
        fputc('\n', out);
        print_round(s, p->project_id, out);
    }
}

/* ---- talking to the server -------------------------------------------------------------- */

/* The status as of a date (NULL: today), one page of it as *page asks (NULL: the largest
 * page, the projects in id order). */
static int get_status_page(struct cmd_ctx *ctx, const char *as_of, const Reno__GetStatus *page,
                           Reno__ServerMessage **m)
{
    Reno__GetStatus get = RENO__GET_STATUS__INIT;
    if (page != NULL)
        get = *page;
    else
        get.page_size = 1000;
    get.as_of = (char *)(as_of != NULL ? as_of : "");
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &get;
    return cmd_call(ctx, &req, RENO__RESPONSE__BODY_STATUS_REPLY, m);
}

/* The project named by id or by its exact name; NULL after printing an error. */
static const Reno__ProjectStatus *find_project(const Reno__StatusReply *s, const char *which)
{
    char *end = NULL;
    long long id = strtoll(which, &end, 10);
    bool numeric = end != which && *end == '\0';
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        if ((numeric && p->project_id == id) || strcmp(p->name, which) == 0)
            return p;
    }
    /* Else the one project whose name or community contains what was typed (示例小区一). */
    const Reno__ProjectStatus *found = NULL;
    size_t matches = 0;
    for (size_t i = 0; i < s->n_projects && !numeric; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        if ((p->name != NULL && strstr(p->name, which) != NULL) ||
            (p->community != NULL && strstr(p->community, which) != NULL)) {
            found = p;
            matches++;
        }
    }
    if (matches == 1)
        return found;
    if (matches > 1) {
        output_error(_("'%s' names more than one project in %s (reno status lists them)"), which,
                     s->programme_code);
        return NULL;
    }
    output_error(_("no project '%s' in %s (reno status lists them)"), which, s->programme_code);
    return NULL;
}

/* ---- --diff ----------------------------------------------------------------------------- */

struct diff_side {
    const char *round_date;
    char effective[16];
    Reno__ServerMessage *reply;
    const Reno__StatusReply *status;
};

static const Reno__ProjectStatus *project_in(const Reno__StatusReply *s, int64_t id)
{
    for (size_t i = 0; i < s->n_projects; i++)
        if (s->projects[i]->project_id == id)
            return s->projects[i];
    return NULL;
}

static Reno__Light light_of(const Reno__StatusReply *s, int64_t id)
{
    for (size_t i = 0; i < s->n_lights; i++)
        if (s->lights[i]->project_id == id)
            return s->lights[i]->light;
    return RENO__LIGHT__LIGHT_UNSPECIFIED;
}

static const Reno__RuleCheck *rule_in(const Reno__StatusReply *s, const char *code)
{
    for (size_t i = 0; i < s->n_rules; i++)
        if (strcmp(s->rules[i]->code, code) == 0)
            return s->rules[i];
    return NULL;
}

static const char *enum_json(const ProtobufCEnumDescriptor *d, int value)
{
    const char *name = output_enum_name(d, value);
    return name != NULL ? name : "";
}

/*
 * {"from": {"round_date", "as_of"}, "to": {...},
 *  "projects": [{"project_id", "name", "started_from", "started_to", "started_delta",
 *                "completed_from", "completed_to", "completed_delta", "light_from",
 *                "light_to", "changed"}],
 *  "total": {"started_from", ..., "light_from", "light_to"},
 *  "rules": [{"code", "title", "verdict_from", "verdict_to", "actual_from", "actual_to",
 *             "changed"}]}
 * A project that exists on one side only counts 0 households and no light on the other.
 */
static void print_diff_json(const struct diff_side *a, const struct diff_side *b, int64_t project)
{
    struct output_json j;
    output_json_init(&j, stdout);
    output_json_object(&j, NULL);
    const struct diff_side *sides[] = {a, b};
    for (int k = 0; k < 2; k++) {
        output_json_object(&j, k == 0 ? "from" : "to");
        output_json_string(&j, "round_date", sides[k]->round_date);
        output_json_string(&j, "as_of", sides[k]->status->as_of);
        output_json_end(&j);
    }
    output_json_array(&j, "projects");
    for (int k = 0; k < 2; k++) {
        const Reno__StatusReply *s = sides[k]->status;
        for (size_t i = 0; i < s->n_projects; i++) {
            int64_t id = s->projects[i]->project_id;
            if ((project != 0 && id != project) || (k == 1 && project_in(a->status, id)))
                continue;
            const Reno__ProjectStatus *pa = project_in(a->status, id);
            const Reno__ProjectStatus *pb = project_in(b->status, id);
            int sa = pa ? pa->households_started : 0, sb = pb ? pb->households_started : 0;
            int ca = pa ? pa->households_completed : 0, cb = pb ? pb->households_completed : 0;
            Reno__Light la = light_of(a->status, id), lb = light_of(b->status, id);
            output_json_object(&j, NULL);
            output_json_int(&j, "project_id", id);
            output_json_string(&j, "name", s->projects[i]->name);
            output_json_int(&j, "started_from", sa);
            output_json_int(&j, "started_to", sb);
            output_json_int(&j, "started_delta", sb - sa);
            output_json_int(&j, "completed_from", ca);
            output_json_int(&j, "completed_to", cb);
            output_json_int(&j, "completed_delta", cb - ca);
            output_json_string(&j, "light_from", enum_json(&reno__light__descriptor, (int)la));
            output_json_string(&j, "light_to", enum_json(&reno__light__descriptor, (int)lb));
            output_json_bool(&j, "changed", sa != sb || ca != cb || la != lb);
            output_json_end(&j);
        }
    }
    output_json_end(&j);
    if (project == 0) {
        output_json_object(&j, "total");
        output_json_int(&j, "started_from", a->status->households_started);
        output_json_int(&j, "started_to", b->status->households_started);
        output_json_int(&j, "started_delta",
                        b->status->households_started - a->status->households_started);
        output_json_int(&j, "completed_from", a->status->households_completed);
        output_json_int(&j, "completed_to", b->status->households_completed);
        output_json_int(&j, "completed_delta",
                        b->status->households_completed - a->status->households_completed);
        output_json_string(&j, "light_from",
                           enum_json(&reno__light__descriptor, (int)light_of(a->status, 0)));
        output_json_string(&j, "light_to",
                           enum_json(&reno__light__descriptor, (int)light_of(b->status, 0)));
        output_json_end(&j);
        output_json_array(&j, "rules");
        for (size_t i = 0; i < b->status->n_rules; i++) {
            const Reno__RuleCheck *rb = b->status->rules[i];
            const Reno__RuleCheck *ra = rule_in(a->status, rb->code);
            Reno__Verdict va = ra ? ra->verdict : RENO__VERDICT__VERDICT_UNSPECIFIED;
            output_json_object(&j, NULL);
            output_json_string(&j, "code", rb->code);
            output_json_string(&j, "title", rb->title);
            output_json_string(&j, "verdict_from", enum_json(&reno__verdict__descriptor, (int)va));
            output_json_string(&j, "verdict_to",
                               enum_json(&reno__verdict__descriptor, (int)rb->verdict));
            output_json_int(&j, "actual_from", ra ? ra->actual : 0);
            output_json_int(&j, "actual_to", rb->actual);
            output_json_bool(&j, "changed", va != rb->verdict || (ra && ra->actual != rb->actual));
            output_json_end(&j);
        }
        output_json_end(&j);
    }
    output_json_end(&j);
}

static void change_text(char *out, size_t size, int from, int to)
{
    snprintf(out, size, "%d → %d", from, to);
}

static void print_diff_text(const struct diff_side *a, const struct diff_side *b, int64_t project,
                            FILE *out)
{
    output_line(out, _("%s: from round %s (as of %s) to round %s (as of %s)"),
                or_dash(b->status->programme_title), a->round_date, a->status->as_of, b->round_date,
                b->status->as_of);
    fputc('\n', out);
    static const char *const headers[] = {N_("ID"),        N_("NAME"),      N_("STARTED"),
                                          N_("Δ STARTED"), N_("COMPLETED"), N_("Δ COMPLETED"),
                                          N_("LIGHT")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    int changed = 0;
    const struct diff_side *sides[] = {a, b};
    for (int k = 0; k < 2; k++) {
        const Reno__StatusReply *s = sides[k]->status;
        for (size_t i = 0; i < s->n_projects; i++) {
            int64_t id = s->projects[i]->project_id;
            if ((project != 0 && id != project) || (k == 1 && project_in(a->status, id)))
                continue;
            const Reno__ProjectStatus *pa = project_in(a->status, id);
            const Reno__ProjectStatus *pb = project_in(b->status, id);
            int sa = pa ? pa->households_started : 0, sb = pb ? pb->households_started : 0;
            int ca = pa ? pa->households_completed : 0, cb = pb ? pb->households_completed : 0;
            Reno__Light la = light_of(a->status, id), lb = light_of(b->status, id);
            char idt[24], started[48], dstarted[24], completed[48], dcompleted[24], light[48];
            snprintf(idt, sizeof idt, "%lld", (long long)id);
            change_text(started, sizeof started, sa, sb);
            snprintf(dstarted, sizeof dstarted, "%+d", sb - sa);
            change_text(completed, sizeof completed, ca, cb);
            snprintf(dcompleted, sizeof dcompleted, "%+d", cb - ca);
            if (la == lb)
                snprintf(light, sizeof light, "%s", light_word(lb));
            else
                snprintf(light, sizeof light, "%s → %s", light_word(la), light_word(lb));
            const char *cells[] = {
                idt,  or_dash(s->projects[i]->name), started, dstarted, completed, dcompleted,
                light};
            table_add_row(t, cells);
            changed += sa != sb || ca != cb || la != lb;
        }
    }
    print_table(t, out);
    output_line(out, ngettext("%d project changed", "%d projects changed", (unsigned long)changed),
                changed);
    if (project != 0)
        return;
    const Reno__StatusReply *sa = a->status, *sb = b->status;
    output_line(out,
                _("total: started %d → %d (%+d), completed %d → %d (%+d); programme light %s%s%s"),
                sa->households_started, sb->households_started,
                sb->households_started - sa->households_started, sa->households_completed,
                sb->households_completed, sb->households_completed - sa->households_completed,
                light_word(light_of(sa, 0)), light_of(sa, 0) == light_of(sb, 0) ? "" : " → ",
                light_of(sa, 0) == light_of(sb, 0) ? "" : light_word(light_of(sb, 0)));
    fputc('\n', out);
    static const char *const rule_headers[] = {N_("RULE"), N_("VERDICT"), N_("DETAIL")};
    struct table *rt = table_new(3, rule_headers);
    for (size_t i = 0; i < sb->n_rules; i++) {
        const Reno__RuleCheck *rb = sb->rules[i];
        const Reno__RuleCheck *ra = rule_in(sa, rb->code);
        char verdict[64];
        if (ra == NULL || ra->verdict == rb->verdict)
            snprintf(verdict, sizeof verdict, "%s", output_verdict_name(rb->verdict));
        else
            snprintf(verdict, sizeof verdict, "%s → %s", output_verdict_name(ra->verdict),
                     output_verdict_name(rb->verdict));
        char title[200], detail[320];
        rules_text_title(rb, title, sizeof title);
        rules_text_detail(rb, detail, sizeof detail);
        const char *cells[] = {or_dash(title), verdict, or_dash(detail)};
        table_add_row(rt, cells);
    }
    print_table(rt, out);
}

/* Finds both rounds' effective dates, then asks the status as of each. */
static int run_diff(const struct cmd *self, struct cmd_ctx *ctx, const char *rounds[2],
                    const char *which)
{
    Reno__ListRounds list = RENO__LIST_ROUNDS__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LIST_ROUNDS;
    req.list_rounds = &list;
    Reno__ServerMessage *m = NULL;
    int rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_LIST_ROUNDS, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    struct diff_side sides[2];
    memset(sides, 0, sizeof sides);
    const Reno__RoundList *rl = m->response->list_rounds;
    for (int k = 0; k < 2 && rc == CMD_EXIT_OK; k++) {
        sides[k].round_date = rounds[k];
        const Reno__Round *found = NULL;
        for (size_t i = 0; i < rl->n_items; i++)
            if (strcmp(rl->items[i]->round_date, rounds[k]) == 0)
                found = rl->items[i];
        if (found == NULL) {
            rc = cmd_usage_error(self,
                                 _("--diff: %s is not a collection date of the programme "
                                   "(the 14th and the 28th: reno round list)"),
                                 rounds[k]);
        } else if (found->state == RENO__ROUND_STATE__ROUND_STATE_UPCOMING) {
            rc = cmd_usage_error(self,
                                 _("--diff: the round of %s opens on %s: it has no status yet"),
                                 rounds[k], found->effective_date);
        } else {
            snprintf(sides[k].effective, sizeof sides[k].effective, "%s", found->effective_date);
        }
    }
    cmd_free(ctx, m);
    for (int k = 0; k < 2 && rc == CMD_EXIT_OK; k++) {
        rc = get_status_page(ctx, sides[k].effective, NULL, &sides[k].reply);
        if (rc == CMD_EXIT_OK)
            sides[k].status = sides[k].reply->response->status_reply;
    }
    int64_t project = 0;
    if (rc == CMD_EXIT_OK && which != NULL) {
        const Reno__ProjectStatus *p = find_project(sides[1].status, which);
        if (p == NULL)
            rc = CMD_EXIT_REFUSED + RENO__STATUS_CODE__NOT_FOUND;
        else
            project = p->project_id;
    }
    if (rc == CMD_EXIT_OK) {
        if (ctx->json)
            print_diff_json(&sides[0], &sides[1], project);
        else
            print_diff_text(&sides[0], &sides[1], project, stdout);
    }
    for (int k = 0; k < 2; k++)
        if (sides[k].reply != NULL)
            cmd_free(ctx, sides[k].reply);
    return rc;
}

/* The options that choose a page of the status (reno status and reno watch). */
struct view_options {
    const char *page, *page_size, *light, *search, *sort;
    bool overdue, descending;
};

/* The page the options ask for into *want (its token in token[24]); false after a usage
 * error. */
static bool parse_view(const struct cmd *self, const struct view_options *o, Reno__GetStatus *want,
                       char token[24], long long *page_no, long long *page_size)
{
    *page_no = 1;
    *page_size = 50;
    if (o->page != NULL && !cmd_parse_number(self, "--page", o->page, 1, 1000000, page_no))
        return false;
    if (o->page_size != NULL &&
        !cmd_parse_number(self, "--page-size", o->page_size, 1, 1000, page_size))
        return false;
    want->page_size = (int32_t)*page_size;
    snprintf(token, 24, "%lld", (*page_no - 1) * *page_size);
    want->page_token = token;
    if (o->light != NULL) {
        if (strcmp(o->light, "red") == 0)
            want->light = RENO__LIGHT__LIGHT_RED;
        else if (strcmp(o->light, "yellow") == 0)
            want->light = RENO__LIGHT__LIGHT_YELLOW;
        else if (strcmp(o->light, "green") == 0)
            want->light = RENO__LIGHT__LIGHT_GREEN;
        else {
            cmd_usage_error(self, "--light is red, yellow or green, not '%s'", o->light);
            return false;
        }
    }
    if (o->sort != NULL) {
        static const char *const sorts[] = {"id", "name", "started", "completed", "light"};
        bool known = false;
        for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
            if (strcmp(o->sort, sorts[i]) == 0) {
                want->sort = (Reno__StatusSort)i;
                known = true;
            }
        if (!known) {
            cmd_usage_error(self, "--sort is id, name, started, completed or light");
            return false;
        }
    }
    if (o->search != NULL && strlen(o->search) > 200) {
        cmd_usage_error(self, "--search is at most 200 bytes");
        return false;
    }
    want->search = (char *)(o->search != NULL ? o->search : "");
    want->overdue = o->overdue;
    want->descending = o->descending;
    return true;
}

static int run_status(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    /* PROJECT and the two values of --diff are taken out first; cmd_parse sees the rest. */
    const char *which = NULL;
    const char *rounds[2] = {NULL, NULL};
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int n = 0, rc = CMD_CONTINUE;
    for (int i = 0; i < argc && rc == CMD_CONTINUE; i++) {
        if (strcmp(argv[i], "--diff") == 0) {
            if (i + 2 >= argc || strncmp(argv[i + 1], "--", 2) == 0 ||
                strncmp(argv[i + 2], "--", 2) == 0)
                rc = cmd_usage_error(self, _("--diff needs two round dates"));
            else {
                rounds[0] = argv[++i];
                rounds[1] = argv[++i];
            }
        } else if (strncmp(argv[i], "--", 2) == 0 || strcmp(argv[i], "-h") == 0) {
            rest[n++] = argv[i];
            static const char *const valued[] = {"--as-of", "--page",          "--page-size",
                                                 "--light", "--search",        "--sort",
                                                 "--after", "--rhythm-periods"};
            for (size_t v = 0; v < sizeof valued / sizeof valued[0]; v++)
                if (strcmp(argv[i], valued[v]) == 0 && i + 1 < argc) {
                    rest[n++] = argv[++i];
                    break;
                }
        } else if (which != NULL) {
            rc =
                cmd_usage_error(self, _("unexpected argument '%s' (one PROJECT at most)"), argv[i]);
        } else {
            which = argv[i];
        }
    }
    const char *as_of = NULL, *page_text = NULL, *size_text = NULL, *light = NULL;
    const char *search = NULL, *sort = NULL, *after_text = NULL, *rhythm_text = NULL;
    bool overdue = false, all = false, descending = false, rhythm_all = false;
    const struct cmd_option opts[] = {
        {"after", &after_text, NULL},
        {"as-of", &as_of, NULL},
        {"page", &page_text, NULL},
        {"page-size", &size_text, NULL},
        {"light", &light, NULL},
        {"search", &search, NULL},
        {"sort", &sort, NULL},
        {"overdue", NULL, &overdue},
        {"all", NULL, &all},
        {"descending", NULL, &descending},
        {"rhythm-periods", &rhythm_text, NULL},
        {"rhythm-all", NULL, &rhythm_all},
    };
    if (rc == CMD_CONTINUE)
        rc = cmd_parse(self, n, rest, opts, sizeof opts / sizeof opts[0]);
    free(rest);
    if (rc != CMD_CONTINUE)
        return rc;
    if (as_of != NULL && !cmd_parse_date(self, "--as-of", as_of))
        return CMD_EXIT_USAGE;
    /* --after P: today's status including the write whose reply named position P. */
    long long after = 0;
    if (after_text != NULL &&
        !cmd_parse_number(self, "--after", after_text, 1, 9223372036854775807LL, &after))
        return CMD_EXIT_USAGE;
    if (after_text != NULL && (as_of != NULL || rounds[0] != NULL))
        return cmd_usage_error(self, "--after is for today's status: no --as-of or --diff");
    Reno__GetStatus want = RENO__GET_STATUS__INIT;
    long long page_no = 1, page_size = 50;
    if (all && page_text != NULL)
        return cmd_usage_error(self, "--all shows every page: it takes no --page");
    /* Missed periods of the plan's rhythm per duty: 0 lets the server keep its default. */
    long long rhythm_periods = 0;
    if (rhythm_text != NULL &&
        !cmd_parse_number(self, "--rhythm-periods", rhythm_text, 1, 500, &rhythm_periods))
        return CMD_EXIT_USAGE;
    if (rhythm_all)
        rhythm_periods = 500;
    char token[24] = "";
    const struct view_options vo = {
        page_text, all ? "1000" : size_text, light, search, sort, overdue, descending};
    if (!parse_view(self, &vo, &want, token, &page_no, &page_size))
        return CMD_EXIT_USAGE;
    for (int k = 0; k < 2; k++)
        if (rounds[k] != NULL && !cmd_parse_date(self, "--diff", rounds[k]))
            return CMD_EXIT_USAGE;
    if (rounds[0] != NULL && as_of != NULL)
        return cmd_usage_error(self, _("--diff compares two rounds: it takes no --as-of"));
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;
    if (rounds[0] != NULL)
        return run_diff(self, ctx, rounds, which);

    /* PROJECT: the page of that one project (by id), or of the projects whose name
     * contains it, from which the exact name is taken. */
    if (which != NULL) {
        char *end = NULL;
        long long id = strtoll(which, &end, 10);
        want = (Reno__GetStatus)RENO__GET_STATUS__INIT;
        want.page_size = 1000;
        if (end != which && *end == '\0' && id > 0)
            want.project_id = id;
        else
            want.search = (char *)which;
    }
    want.min_position = after;
    want.rhythm_periods = (int32_t)rhythm_periods;
    Reno__ServerMessage *m = NULL;
    for (;;) {
        rc = get_status_page(ctx, as_of, &want, &m);
        if (rc != CMD_EXIT_OK)
            return rc;
        const Reno__StatusReply *s = m->response->status_reply;
        const Reno__ProjectStatus *p = NULL;
        if (which != NULL && (p = find_project(s, which)) == NULL) {
            cmd_free(ctx, m);
            return CMD_EXIT_REFUSED + RENO__STATUS_CODE__NOT_FOUND;
        }
        if (ctx->json)
            print_json(s, p != NULL ? p->project_id : 0);
        else if (p != NULL)
            print_project(s, p, stdout);
        else
            print_text(s, stdout);
        bool more = s->next_page_token != NULL && s->next_page_token[0] != '\0';
        if (more && !all && which == NULL && !ctx->json) {
            fputc('\n', stdout);
            output_line(stdout, _("more: reno status --page %lld (or --all)"), page_no + 1);
        }
        if (!more || !all || which != NULL) {
            cmd_free(ctx, m);
            return CMD_EXIT_OK;
        }
        snprintf(token, sizeof token, "%s", s->next_page_token);
        want.page_token = token;
        cmd_free(ctx, m);
        m = NULL;
        fputc('\n', stdout);
    }
}

const struct cmd cmd_status = {
    .name = "status",
    .usage = "[PROJECT] [--as-of YYYY-MM-DD] [--page N] [--light red|yellow|green]\n"
             "       [--search TEXT] [--overdue] [--sort KEY] [--all] [--diff ROUND ROUND]\n"
             "       [--after POSITION] [--rhythm-periods N] [--rhythm-all]",
    .summary = N_("show the programme's consolidated status: progress, rules, lights, sections"),
    .help =
        N_("Shows each project's households started and completed, the totals against the\n"
           "programme's target, the work plan's milestone rules with their verdicts (met,\n"
           "pending, missed), the traffic lights of every project and of the programme\n"
           "(green, yellow, red, each with the numbers behind it; `reno light list` shows\n"
           "the thresholds), and the sections: phases and milestones, funds and contracts,\n"
           "line work, resident surveys, supervision items per unit, and the current\n"
           "collection round with the units that have not reported.\n"
           "\n"
           "PROJECT (an id, or a project's exact name) shows that project in detail: every\n"
           "reason behind its light, its milestones, money, line work and surveys. An\n"
           "unknown project exits with 14.\n"
           "\n"
           "--diff ROUND ROUND compares the status as of the two collection rounds'\n"
           "effective dates (the weekend rule applied, as `reno round list` shows them):\n"
           "per project, households started and completed and the light, then the totals\n"
           "and the rules. It is computed by this client from two statuses.\n"
           "\n"
           "With --json (before the command), one JSON object: the fields of StatusReply in\n"
           "reno.proto (for PROJECT, the sections keep that project's rows), or for --diff\n"
           "{from, to, projects, total, rules}.\n"
           "\n"
           "The totals, the rules and how many projects have each light come first; then\n"
           "one page of projects (50) with their rows in every section. Filters and order:\n"
           "\n"
           "Options:\n"
           "  --as-of YYYY-MM-DD     the status on that date (default: today on the server)\n"
           "  --page N               the Nth page of projects (default 1)\n"
           "  --page-size N          projects per page, 1..1000 (default 50)\n"
           "  --all                  every page, one after the other\n"
           "  --light COLOUR         only projects whose light is red, yellow or green\n"
           "  --search TEXT          only projects whose name or community contains TEXT\n"
           "                         (a county's or street's name, for generated names)\n"
           "  --overdue              only projects with an overdue milestone\n"
           "  --sort KEY             id (default), name, started, completed or light (red first)\n"
           "  --descending           the order reversed\n"
           "  --diff ROUND ROUND     the difference between two rounds (YYYY-MM-DD, the 14th\n"
           "                         or the 28th)\n"
           "  --rhythm-periods N     the plan's rhythm: each duty's newest N missed periods,\n"
           "                         1..500 (default 3; the counts always cover them all)\n"
           "  --rhythm-all           every missed period of the plan's rhythm (up to 500)\n"
           "  --help                 show this help\n"),
    .run = run_status,
};

/* ---- reno watch ------------------------------------------------------------------------ */

/* The time a change was heard, in the local time zone. */
static void heard_at(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) == NULL || strftime(out, size, "%H:%M:%S", &tm) == 0)
        snprintf(out, size, "--:--:--");
}

/*
 * One pushed change: what changed from `before` (the status shown last) to the pushed
 * status, one line each with the time, in the user's language (status_diff.h); the
 * server's own lines only when the diff finds nothing it knows. With --full the whole new
 * status follows; with --json only the status, as a machine reads it.
 */
static void print_event(struct cmd_ctx *ctx, const Reno__StatusReply *before,
                        const Reno__StatusChanged *sc, bool full)
{
    if (ctx->json) {
        print_json(sc->status, 0);
        return;
    }
    struct status_changes changes = {0};
    status_diff(before, sc->status, &changes);
    char when[16];
    heard_at(when, sizeof when);
    if (full)
        output_line(stdout, _("-- changed (status as of %s):"), or_dash(sc->status->as_of));
    /* "HH:MM:SS  " before each line; the change fits the rest of the width. */
    size_t limit = table_width_limit();
    size_t width = limit > 10 + 20 ? limit - 10 : 0;
    for (size_t i = 0; i < changes.n; i++) {
        char *line = status_change_line(&changes.items[i], width);
        output_line(stdout, "%s  %s", when, line);
        free(line);
    }
    for (size_t i = 0; changes.n == 0 && i < sc->n_changes; i++)
        output_line(stdout, "%s  %s", when, sc->changes[i]);
    status_changes_free(&changes);
    if (full)
        print_text(sc->status, stdout);
}

/* Where the watch starts from: the totals in one line, then for a page the lights of
 * every project and which projects the page holds (the whole status with --full). */
static void print_start(const Reno__StatusReply *s, bool paged)
{
    output_line(stdout,
                _("%s, status as of %s: %d of %d households started (%.1f%%), %d completed "
                  "(%.1f%%); changes follow as they are committed"),
                or_dash(s->programme_title), or_dash(s->as_of), s->households_started,
                s->target_households, s->started_pct, s->households_completed, s->completed_pct);
    if (paged)
        print_summary(s, stdout);
}

/* Watches the page *page asks for (NULL: the whole status), asking for deltas; prints
 * where the watch starts from and keeps in *shown our own copy of that status (the
 * message belongs to the connection). */
static int start_watch(struct cmd_ctx *ctx, bool full, Reno__GetStatus *page,
                       Reno__StatusReply **shown)
{
    Reno__Watch watch = RENO__WATCH__INIT;
    watch.deltas = true;
    watch.page = page;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &watch;
    Reno__ServerMessage *m = NULL;
    int rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_WATCH, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    if (ctx->json)
        print_json(m->response->watch->status, 0);
    else if (full)
        print_text(m->response->watch->status, stdout);
    else
        print_start(m->response->watch->status, page != NULL);
    if (*shown != NULL)
        reno__status_reply__free_unpacked(*shown, NULL);
    *shown = status_copy(m->response->watch->status);
    cmd_free(ctx, m);
    fflush(stdout);
    return CMD_EXIT_OK;
}

static int run_watch(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *count_text = NULL, *page_text = NULL, *size_text = NULL, *light = NULL;
    const char *search = NULL, *sort = NULL;
    bool full = false, overdue = false, descending = false;
    const struct cmd_option opts[] = {
        {"count", &count_text, NULL},
        {"full", NULL, &full},
        {"page", &page_text, NULL},
        {"page-size", &size_text, NULL},
        {"light", &light, NULL},
        {"search", &search, NULL},
        {"sort", &sort, NULL},
        {"overdue", NULL, &overdue},
        {"descending", NULL, &descending},
    };
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    long long count = 0;
    if (count_text != NULL && !cmd_parse_number(self, "--count", count_text, 1, 1000000, &count))
        return CMD_EXIT_USAGE;
    /* A page unless --full: the whole status is for programmes small enough to read
     * whole (the server refuses it over its reply limit). */
    Reno__GetStatus want = RENO__GET_STATUS__INIT;
    char token[24] = "";
    long long page_no, page_size;
    const struct view_options vo = {page_text, size_text, light, search, sort, overdue, descending};
    if (!parse_view(self, &vo, &want, token, &page_no, &page_size))
        return CMD_EXIT_USAGE;
    if (full && (page_text || size_text || light || search || sort || overdue || descending))
        return cmd_usage_error(self, "--full watches the whole status: it takes no page or filter");
    Reno__GetStatus *page = full ? NULL : &want;
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;

    /* The status shown last (the page, or the whole with --full), which each push is
     * compared with; each delta is applied to it, so that it is always the current
     * view. */
    Reno__StatusReply *shown = NULL;
    rc = start_watch(ctx, full, page, &shown);
    if (rc != CMD_EXIT_OK)
        return rc;
    Reno__ServerMessage *m = NULL;

    /* Until interrupted (or --count events): print each pushed change as it comes. */
    for (long long seen = 0; count == 0 || seen < count;) {
        char err[NET_ERR_SIZE];
        int got = net_next(ctx->conn, 60000, &m, err);
        if (got < 0) {
            output_error("%s", err);
            reno__status_reply__free_unpacked(shown, NULL);
            return CMD_EXIT_TRANSPORT;
        }
        if (got > 0)
            continue; /* a quiet minute */
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT) {
            const Reno__Event *ev = m->event;
            if (ev->body_case == RENO__EVENT__BODY_STATUS_CHANGED &&
                ev->status_changed->status != NULL) {
                print_event(ctx, shown, ev->status_changed, full);
                reno__status_reply__free_unpacked(shown, NULL);
                shown = status_copy(ev->status_changed->status);
                seen++;
            } else if (ev->body_case == RENO__EVENT__BODY_STATUS_DELTA &&
                       ev->status_delta->to_position > shown->position) {
                const Reno__StatusDelta *d = ev->status_delta;
                char why[200];
                snprintf(why, sizeof why, "%s", _("the change does not follow the status held"));
                Reno__StatusReply *next = status_delta_fits(shown, d)
                                              ? status_form_apply(shown, d, why, sizeof why)
                                              : NULL;
                if (next == NULL) {
                    /* A change we cannot place: say so and start again from the whole
                     * status. */
                    output_line(stderr, _("reno: %s"), why);
                    net_free(ctx->conn, m);
                    rc = start_watch(ctx, full, page, &shown);
                    if (rc != CMD_EXIT_OK) {
                        reno__status_reply__free_unpacked(shown, NULL);
                        return rc;
                    }
                    continue;
                }
                Reno__StatusChanged sc = RENO__STATUS_CHANGED__INIT;
                sc.status = next;
                sc.changes = d->changes;
                sc.n_changes = d->n_changes;
                print_event(ctx, shown, &sc, full);
                reno__status_reply__free_unpacked(shown, NULL);
                shown = next;
                seen++;
            } else if (ev->body_case == RENO__EVENT__BODY_RESYNC) {
                /* Updates were dropped while we were slow (the next push carries the whole
                 * view again), or the whole status grew over the server's limit (the
                 * watch ended; watching again is refused with the reason): say so and
                 * start again. */
                output_line(stderr, _("reno: %s"), ev->resync->reason);
                net_free(ctx->conn, m);
                rc = start_watch(ctx, full, page, &shown);
                if (rc != CMD_EXIT_OK) {
                    reno__status_reply__free_unpacked(shown, NULL);
                    return rc;
                }
                continue;
            } else if (ev->body_case == RENO__EVENT__BODY_SHUTTING_DOWN) {
                output_error(_("server shutting down: %s"), ev->shutting_down->reason);
                net_free(ctx->conn, m);
                reno__status_reply__free_unpacked(shown, NULL);
                return CMD_EXIT_TRANSPORT;
            }
        }
        net_free(ctx->conn, m);
        fflush(stdout);
    }
    reno__status_reply__free_unpacked(shown, NULL);
    return CMD_EXIT_OK;
}

const struct cmd cmd_watch = {
    .name = "watch",
    .usage = "[--count N] [--full] [--page N] [--page-size N] [--light red|yellow|green]\n"
             "       [--search TEXT] [--overdue] [--sort KEY] [--descending]",
    .summary = N_("show the status, then every change to it as it is committed"),
    .help = N_("Prints where the consolidated status stands now (the totals, the lights of\n"
               "every project and the page of projects watched), then, each time a change is\n"
               "committed by any unit through any renod on the same database, one line per\n"
               "change: the time, the section and whose (a project, a unit), what, before →\n"
               "after. A page is watched (the first 50 projects unless the options choose\n"
               "another, as reno status's do): changes to its projects, and to the totals,\n"
               "rules and lights of the whole programme; a project entering or leaving the\n"
               "page is a change too. Every kind of change is shown: households, lights,\n"
               "rules, milestones, funds, contracts, line work, surveys, supervision items,\n"
               "the round and who has not reported, the rhythm, parties, quality and safety,\n"
               "progress payments and the plan's guards. With --json each new page is\n"
               "printed whole instead. A watcher that falls behind gets one notice instead of\n"
               "a growing backlog.\n"
               "\n"
               "Options:\n"
               "  --count N         exit after N changes (default: until interrupted)\n"
               "  --full            the whole status, printed at the start and after every\n"
               "                    change (refused when it is too large: watch a page)\n"
               "  --page N          the Nth page of projects (default 1)\n"
               "  --page-size N     projects per page, 1..1000 (default 50)\n"
               "  --light COLOUR    only projects whose light is red, yellow or green\n"
               "  --search TEXT     only projects whose name or community contains TEXT\n"
               "  --overdue         only projects with an overdue milestone\n"
               "  --sort KEY        id (default), name, started, completed or light\n"
               "  --descending      the order reversed\n"
               "  --help            show this help\n"
               "\n"
               "Examples:\n"
               "  reno watch\n"
               "  14:02:31  progress payments 示例小区一: paid, yuan 0.00 → 50,000.00\n"
               "  reno watch --light red --sort completed\n"),
    .run = run_watch,
};
