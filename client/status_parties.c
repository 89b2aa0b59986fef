/*
 * The status's parties, quality, payments and guards sections as text. See
 * status_parties.h.
 */
#include "status_parties.h"

#include <stdbool.h>

#include "i18n.h"
#include "output.h"
#include "table.h"

/* Empty text from the server shows as "-", so that a column never looks shifted. */
static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

/* A row for the overview (every project and the totals) or for the one project asked. */
static bool keep(int64_t row_project, int64_t project)
{
    return project == 0 || row_project == project;
}

static const char *project_cell(int64_t id, const char *name)
{
    return id == 0 ? _("total") : or_dash(name);
}

static void heading(FILE *out, const char *title)
{
    fputc('\n', out);
    output_line(out, "%s", title);
}

/* Prints the table under its title, or "(none)" for one project; frees it either way. */
static void finish(struct table *t, int64_t project, const char *title, FILE *out)
{
    if (table_rows(t) > 0) {
        heading(out, title);
        table_print(t, out);
    } else if (project != 0) {
        heading(out, title);
        fprintf(out, "%s\n", _("(none)"));
    }
    table_free(t);
}

static void print_parties(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const char *const headers[] = {_("PROJECT"),          _("PARTIES"),        _("KINDS"),
                                   _("ACCEPTANCE LACKS"), _("JOINT MEETINGS"), _("LAST MEETING")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    /* The overview leaves the section out until some party is registered: before that
     * every project would only repeat that its acceptance lacks everyone. */
    bool any = project != 0;
    for (size_t i = 0; i < s->n_parties; i++)
        any |= s->parties[i]->parties > 0 || s->parties[i]->joint_meetings > 0;
    for (size_t i = 0; i < s->n_parties && any; i++) {
        const Reno__StatusParties *p = s->parties[i];
        if (!keep(p->project_id, project))
            continue;
        char parties[16], meetings[16];
        snprintf(parties, sizeof parties, "%d", p->parties);
        snprintf(meetings, sizeof meetings, "%d", p->joint_meetings);
        const char *cells[] = {
            project_cell(p->project_id, p->name), parties,  or_dash(p->kinds),
            or_dash(p->missing_for_acceptance),   meetings, or_dash(p->last_joint_meeting)};
        table_add_row(t, cells);
    }
    finish(t, project, _("parties (各方主体) and joint meetings (联席会议):"), out);
}

static void print_quality(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const char *const headers[] = {_("PROJECT"), _("INSPECTIONS"), _("INCIDENTS"),    _("RECTIFY"),
                                   _("OPEN"),    _("OVERDUE"),     _("NEXT DEADLINE")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t i = 0; i < s->n_quality; i++) {
        const Reno__StatusQuality *q = s->quality[i];
        if (!keep(q->project_id, project))
            continue;
        char inspections[16], incidents[16], rectify[16], open[16], overdue[16];
        snprintf(inspections, sizeof inspections, "%d", q->inspections);
        snprintf(incidents, sizeof incidents, "%d", q->incidents);
        snprintf(rectify, sizeof rectify, "%d", q->rectifications);
        snprintf(open, sizeof open, "%d", q->rectifications_open);
        snprintf(overdue, sizeof overdue, "%d", q->rectifications_overdue);
        const char *cells[] = {project_cell(q->project_id, q->name),
                               inspections,
                               incidents,
                               rectify,
                               open,
                               overdue,
                               or_dash(q->next_deadline)};
        table_add_row(t, cells);
    }
    finish(t, project, _("quality and safety (施工质量和安全文明施工):"), out);
}

static void print_payments(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    /* Amounts in 万元 with the unit in the header, as the status's other money sections. */
    const char *const headers[] = {
        _("PROJECT"),           _("TERMS DUE"),    _("DUE (10k yuan)"), _("PAID (10k yuan)"),
        _("UNPAID (10k yuan)"), _("UNPAID TERMS"), _("EARLIEST")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t i = 0; i < s->n_payments; i++) {
        const Reno__StatusPayments *p = s->payments[i];
        if (!keep(p->project_id, project))
            continue;
        char terms[32], due[32], paid[32], unpaid[32], late[16];
        snprintf(terms, sizeof terms, "%d/%d", p->terms_due, p->terms);
        output_money_10k(p->amount_due, due, sizeof due);
        output_money_10k(p->paid, paid, sizeof paid);
        output_money_10k(p->unpaid_due, unpaid, sizeof unpaid);
        snprintf(late, sizeof late, "%d", p->terms_unpaid);
        const char *cells[] = {project_cell(p->project_id, p->name), terms, due, paid, unpaid, late,
                               or_dash(p->earliest_unpaid)};
        table_add_row(t, cells);
    }
    finish(t, project, _("progress payments (工程进度款) due by the status date:"), out);
}

static void print_guards(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    const char *const headers[] = {_("PROJECT"), _("GUARD"), _("DETAIL")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t i = 0; i < s->n_guards; i++) {
        const Reno__StatusGuard *g = s->guards[i];
        if (!keep(g->project_id, project))
            continue;
        const char *cells[] = {or_dash(g->name), or_dash(g->code), or_dash(g->detail)};
        table_add_row(t, cells);
    }
    finish(t, project, _("the plan's preferences and guards (warnings):"), out);
}

void status_parties_print(const Reno__StatusReply *s, int64_t project, FILE *out)
{
    print_parties(s, project, out);
    print_quality(s, project, out);
    print_payments(s, project, out);
    print_guards(s, project, out);
}
