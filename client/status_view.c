/*
 * The status's sections as columns (see status_view.h). Each fill function writes one
 * cell of one kind of row; the tables below put them in order.
 */
#include "status_view.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "labels.h"
#include "output.h"
#include "rules_text.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

/* "2022-03-31" as "03-31" on a narrow screen (the year is the programme's). */
static const char *date_cell(const char *date, const struct sv_context *ctx)
{
    if (ctx->narrow && date != NULL && strlen(date) == 10)
        return date + 5;
    return or_dash(date);
}

/* An amount in 万元, as the county's summary tables give money (the records stay in 元):
 * short enough that it is never cut, on a narrow screen too. */
static void money_cell(double yuan, const struct sv_context *ctx, char *out, size_t size)
{
    (void)ctx;
    output_money_10k(yuan, out, size);
}

static void pct_cell(double pct, char *out, size_t size)
{
    snprintf(out, size, "%.1f%%", pct);
}

static void int_cell(long long v, char *out, size_t size)
{
    snprintf(out, size, "%lld", v);
}

static void enum_cell(const ProtobufCEnumDescriptor *d, int value, char *out, size_t size)
{
    const char *label = label_enum(d, value);
    snprintf(out, size, "%s", label != NULL ? label : "-");
}

/* The name of a row that sums the others (project_id 0). */
static void total_or(const char *name, bool total, char *out, size_t size)
{
    snprintf(out, size, "%s", total ? _("total") : or_dash(name));
}

/* ---- projects ---------------------------------------------------------------------------- */

#define PROJECT(row) ((const Reno__ProjectStatus *)(row))

static void project_id(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    int_cell((long long)PROJECT(row)->project_id, out, size);
}

static void project_light(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    Reno__Light light = RENO__LIGHT__LIGHT_UNSPECIFIED;
    for (size_t i = 0; ctx->status != NULL && i < ctx->status->n_lights; i++)
        if (ctx->status->lights[i]->project_id == PROJECT(row)->project_id)
            light = ctx->status->lights[i]->light;
    /* Narrow: one dot, which the view colours (the roles' attributes on a terminal
     * without colours tell red, yellow and green apart). */
    if (ctx->narrow && light != RENO__LIGHT__LIGHT_UNSPECIFIED)
        snprintf(out, size, "●");
    else
        enum_cell(&reno__light__descriptor, (int)light, out, size);
}

static void project_name(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                         size_t size)
{
    const Reno__ProjectStatus *p = PROJECT(row);
    snprintf(out, size, "%s%s", or_dash(p->name), ctx->mark_samples && p->is_sample ? " *" : "");
}

static void project_community(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                              size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(PROJECT(row)->community));
}

static void project_households(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                               size_t size)
{
    (void)ctx;
    int_cell(PROJECT(row)->households, out, size);
}

static void project_started(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                            size_t size)
{
    (void)ctx;
    int_cell(PROJECT(row)->households_started, out, size);
}

static void project_started_pct(const ProtobufCMessage *row, const struct sv_context *ctx,
                                char *out, size_t size)
{
    (void)ctx;
    pct_cell(PROJECT(row)->started_pct, out, size);
}

static void project_completed(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                              size_t size)
{
    (void)ctx;
    int_cell(PROJECT(row)->households_completed, out, size);
}

static void project_completed_pct(const ProtobufCMessage *row, const struct sv_context *ctx,
                                  char *out, size_t size)
{
    (void)ctx;
    pct_cell(PROJECT(row)->completed_pct, out, size);
}

static void project_last_report(const ProtobufCMessage *row, const struct sv_context *ctx,
                                char *out, size_t size)
{
    snprintf(out, size, "%s", date_cell(PROJECT(row)->last_report_date, ctx));
}

static const struct sv_column project_columns[] = {
    {N_("ID"), N_("#"), 2, LAYOUT_RIGHT, false, SV_CLI, project_id},
    {N_("LIGHT"), N_("L"), 1, LAYOUT_LEFT, false, SV_DASH, project_light},
    {N_("NAME"), NULL, 10, LAYOUT_LEFT, true, SV_BOTH, project_name},
    {N_("COMMUNITY"), NULL, 8, LAYOUT_LEFT, true, SV_BOTH, project_community},
    {N_("HOUSEHOLDS"), N_("HH"), 3, LAYOUT_RIGHT, false, SV_BOTH, project_households},
    {N_("STARTED"), N_("START"), 3, LAYOUT_RIGHT, false, SV_BOTH, project_started},
    {N_("STARTED %"), N_("S%"), 5, LAYOUT_RIGHT, false, SV_BOTH, project_started_pct},
    {N_("COMPLETED"), N_("COMPL"), 3, LAYOUT_RIGHT, false, SV_BOTH, project_completed},
    {N_("COMPLETED %"), N_("C%"), 5, LAYOUT_RIGHT, false, SV_BOTH, project_completed_pct},
    {N_("LAST REPORT"), N_("REPORTED"), 5, LAYOUT_LEFT, false, SV_BOTH, project_last_report},
};
const struct sv_section sv_projects = {project_columns, COUNT(project_columns)};

/* ---- rules ------------------------------------------------------------------------------- */

#define RULE(row) ((const Reno__RuleCheck *)(row))

static void rule_title(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    rules_text_title(RULE(row), out, size);
    if (out[0] == '\0')
        snprintf(out, size, "-");
}

static void rule_due(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                     size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(RULE(row)->due));
}

static void rule_verdict(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                         size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", output_verdict_name(RULE(row)->verdict));
}

static void rule_detail(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                        size_t size)
{
    (void)ctx;
    rules_text_detail(RULE(row), out, size);
    if (out[0] == '\0')
        snprintf(out, size, "-");
}

static const struct sv_column rule_columns[] = {
    {N_("RULE"), NULL, 12, LAYOUT_LEFT, false, SV_BOTH, rule_title},
    {N_("DUE"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, rule_due},
    {N_("VERDICT"), NULL, 7, LAYOUT_LEFT, false, SV_BOTH, rule_verdict},
    {N_("DETAIL"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, rule_detail},
};
const struct sv_section sv_rules = {rule_columns, COUNT(rule_columns)};

/* ---- phases ------------------------------------------------------------------------------ */

#define PHASE(row) ((const Reno__StatusPhase *)(row))

static void phase_project(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    total_or(PHASE(row)->name, PHASE(row)->project_id == 0, out, size);
}

static void phase_phase(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                        size_t size)
{
    (void)ctx;
    snprintf(out, size, "%d %s", PHASE(row)->phase, or_dash(PHASE(row)->phase_name));
}

static void phase_done(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    snprintf(out, size, "%d/%d", PHASE(row)->milestones_done, PHASE(row)->milestones);
}

static void phase_soon(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    int_cell(PHASE(row)->milestones_due_soon, out, size);
}

static void phase_overdue(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    int_cell(PHASE(row)->milestones_overdue, out, size);
}

static void phase_next_due(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                           size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(PHASE(row)->next_due));
}

static void phase_next(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(PHASE(row)->next_milestone));
}

static const struct sv_column phase_columns[] = {
    {N_("PROJECT"), NULL, 10, LAYOUT_LEFT, true, SV_BOTH, phase_project},
    {N_("PHASE"), NULL, 8, LAYOUT_LEFT, false, SV_BOTH, phase_phase},
    {N_("MILESTONES DONE"), N_("DONE"), 5, LAYOUT_RIGHT, false, SV_BOTH, phase_done},
    {N_("DUE SOON"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, phase_soon},
    {N_("OVERDUE"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, phase_overdue},
    {N_("NEXT DUE"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, phase_next_due},
    {N_("NEXT MILESTONE"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, phase_next},
};
const struct sv_section sv_phases = {phase_columns, COUNT(phase_columns)};

/* ---- funds ------------------------------------------------------------------------------- */

#define FUNDS(row) ((const Reno__StatusFunds *)(row))

static void funds_project(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    total_or(FUNDS(row)->name, FUNDS(row)->project_id == 0, out, size);
}

static void funds_source(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                         size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(FUNDS(row)->source_name));
}

static void funds_allocated(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                            size_t size)
{
    money_cell(FUNDS(row)->allocated, ctx, out, size);
}

static void funds_received(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                           size_t size)
{
    money_cell(FUNDS(row)->received, ctx, out, size);
}

static void funds_paid(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    money_cell(FUNDS(row)->paid, ctx, out, size);
}

static void funds_available(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                            size_t size)
{
    money_cell(FUNDS(row)->available, ctx, out, size);
}

static void funds_received_pct(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                               size_t size)
{
    (void)ctx;
    pct_cell(FUNDS(row)->received_pct, out, size);
}

/* The amounts in 万元, the unit in the header; narrow, the headers lose their unit (the
 * section's title keeps it), never a digit. */
static const struct sv_column funds_columns[] = {
    {N_("PROJECT"), NULL, 10, LAYOUT_LEFT, true, SV_BOTH, funds_project},
    {N_("SOURCE"), NULL, 6, LAYOUT_LEFT, false, SV_BOTH, funds_source},
    {N_("ALLOCATED (10k yuan)"), N_("ALLOC"), 6, LAYOUT_RIGHT, false, SV_BOTH, funds_allocated},
    {N_("RECEIVED (10k yuan)"), N_("RECEIPTS"), 6, LAYOUT_RIGHT, false, SV_BOTH, funds_received},
    {N_("PAID (10k yuan)"), N_("PAYMENTS"), 6, LAYOUT_RIGHT, false, SV_BOTH, funds_paid},
    {N_("AVAILABLE (10k yuan)"), N_("BALANCE"), 6, LAYOUT_RIGHT, false, SV_BOTH, funds_available},
    {N_("RECEIVED %"), NULL, 5, LAYOUT_RIGHT, false, SV_BOTH, funds_received_pct},
};
const struct sv_section sv_funds = {funds_columns, COUNT(funds_columns)};

/* ---- line work --------------------------------------------------------------------------- */

#define LINES_ROW(row) ((const Reno__StatusLines *)(row))

static void lines_project(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    /* Project 0 is a utility's work over every project. */
    const Reno__StatusLines *l = LINES_ROW(row);
    snprintf(out, size, "%s", l->project_id == 0 ? _("all") : or_dash(l->name));
}

static void lines_utility(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(LINES_ROW(row)->utility_name));
}

static void lines_segment(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    enum_cell(&reno__line_segment__descriptor, (int)LINES_ROW(row)->segment, out, size);
}

static void lines_done(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    snprintf(out, size, "%d/%d", LINES_ROW(row)->parts_done, LINES_ROW(row)->parts);
}

static void lines_doing(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                        size_t size)
{
    (void)ctx;
    int_cell(LINES_ROW(row)->parts_in_progress, out, size);
}

static void lines_waiting(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(LINES_ROW(row)->waiting_on));
}

static void lines_handed_over(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                              size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(LINES_ROW(row)->handed_over_on));
}

static const struct sv_column lines_columns[] = {
    {N_("PROJECT"), NULL, 10, LAYOUT_LEFT, true, SV_BOTH, lines_project},
    {N_("UTILITY"), NULL, 8, LAYOUT_LEFT, true, SV_BOTH, lines_utility},
    {N_("SEGMENT"), NULL, 8, LAYOUT_LEFT, false, SV_BOTH, lines_segment},
    {N_("DONE"), NULL, 5, LAYOUT_RIGHT, false, SV_BOTH, lines_done},
    {N_("IN PROGRESS"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, lines_doing},
    {N_("WAITING ON"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, lines_waiting},
    {N_("HANDED OVER"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, lines_handed_over},
};
const struct sv_section sv_lines = {lines_columns, COUNT(lines_columns)};

/* ---- supervision items ------------------------------------------------------------------- */

#define UNIT(row) ((const Reno__StatusSupervision *)(row))

static void unit_name(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                      size_t size)
{
    (void)ctx;
    total_or(UNIT(row)->unit_name, UNIT(row)->unit_code[0] == '\0', out, size);
}

static void unit_items(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                       size_t size)
{
    (void)ctx;
    int_cell(UNIT(row)->items, out, size);
}

static void unit_open(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                      size_t size)
{
    (void)ctx;
    int_cell(UNIT(row)->items_open, out, size);
}

static void unit_overdue(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                         size_t size)
{
    (void)ctx;
    int_cell(UNIT(row)->items_overdue, out, size);
}

static void unit_returned(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                          size_t size)
{
    (void)ctx;
    int_cell(UNIT(row)->items_returned, out, size);
}

static void unit_closed(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                        size_t size)
{
    (void)ctx;
    int_cell(UNIT(row)->items_closed, out, size);
}

static void unit_next_deadline(const ProtobufCMessage *row, const struct sv_context *ctx, char *out,
                               size_t size)
{
    (void)ctx;
    snprintf(out, size, "%s", or_dash(UNIT(row)->next_deadline));
}

static const struct sv_column supervision_columns[] = {
    {N_("UNIT"), NULL, 10, LAYOUT_LEFT, true, SV_BOTH, unit_name},
    {N_("ITEMS"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, unit_items},
    {N_("OPEN"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, unit_open},
    {N_("OVERDUE"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, unit_overdue},
    {N_("RETURNED"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, unit_returned},
    {N_("CLOSED"), NULL, 4, LAYOUT_RIGHT, false, SV_BOTH, unit_closed},
    {N_("NEXT DEADLINE"), NULL, 10, LAYOUT_LEFT, false, SV_BOTH, unit_next_deadline},
};
const struct sv_section sv_supervision = {supervision_columns, COUNT(supervision_columns)};

/* ---- rendering --------------------------------------------------------------------------- */

size_t sv_columns(const struct sv_section *sec, unsigned where, const struct sv_column **out)
{
    size_t n = 0;
    for (size_t i = 0; i < sec->n_columns && n < SV_MAX_COLUMNS; i++)
        if (sec->columns[i].where & where)
            out[n++] = &sec->columns[i];
    return n;
}

const char *sv_header(const struct sv_column *c, const struct sv_context *ctx)
{
    return _(ctx->narrow && c->short_header != NULL ? c->short_header : c->header);
}

void sv_cell(const struct sv_column *c, const ProtobufCMessage *row, const struct sv_context *ctx,
             char out[SV_CELL])
{
    out[0] = '\0';
    c->fill(row, ctx, out, SV_CELL);
}

struct table *sv_table(const struct sv_section *sec, const struct sv_context *ctx)
{
    const struct sv_column *cols[SV_MAX_COLUMNS];
    size_t n = sv_columns(sec, SV_CLI, cols);
    /* table.c translates its headers itself: it gets them untranslated. Its columns align
     * by their content (numbers right), which agrees with the columns' own alignment. */
    const char *headers[SV_MAX_COLUMNS] = {0};
    for (size_t i = 0; i < n; i++)
        headers[i] =
            ctx->narrow && cols[i]->short_header != NULL ? cols[i]->short_header : cols[i]->header;
    struct table *t = table_new(n, headers);
    /* When the terminal is too narrow for the table, table.c shrinks the numeric columns
     * first (their short headers) and the names that tell rows apart keep their width. */
    for (size_t i = 0; i < n; i++) {
        if (cols[i]->keep)
            table_set_keep(t, i);
        table_set_short_header(t, i, cols[i]->short_header);
    }
    return t;
}

void sv_table_add(struct table *t, const struct sv_section *sec, const ProtobufCMessage *row,
                  const struct sv_context *ctx)
{
    const struct sv_column *cols[SV_MAX_COLUMNS];
    size_t n = sv_columns(sec, SV_CLI, cols);
    char cells[SV_MAX_COLUMNS][SV_CELL];
    const char *ptrs[SV_MAX_COLUMNS];
    for (size_t i = 0; i < n; i++) {
        sv_cell(cols[i], row, ctx, cells[i]);
        ptrs[i] = cells[i];
    }
    table_add_row(t, ptrs);
}
