/*
 * reno log show ID: one entry of the audit log whole, the member-by-member change and the
 * before and after JSON as renod stored them, where `reno log` (the generic listing in
 * cmd_op.c) shows a one-line summary per entry. The entry is read through the same
 * ListAudit the listing uses (before_id = ID + 1, one entry), so the office reads every
 * entry and a unit only those its own read scope gives it: a missing entry and one the
 * caller may not read are answered alike.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_summary.h"
#include "cmd.h"
#include "cmd_op.h"
#include "i18n.h"
#include "labels.h"
#include "output.h"
#include "table.h"
#include "xmalloc.h"

/* The records the audit log names (audit_log.entity, the tables reno_audit() is called
 * for), as a person calls them; an entity not here reads as its code. */
static const struct {
    const char *code;
    const char *label;
} entities[] = {
    {"acceptance", N_("acceptance")},
    {"acceptance_copy", N_("acceptance file copy")},
    {"acceptance_party", N_("acceptance participant")},
    {"account", N_("account")},
    {"contract", N_("contract")},
    {"evaluation_conclusion", N_("evaluation conclusion")},
    {"evaluation_item", N_("evaluation item")},
    {"final_audit", N_("final-accounts audit")},
    {"fund_allocation", N_("fund allocation")},
    {"fund_payment", N_("payment")},
    {"fund_receipt", N_("fund receipt")},
    {"issued_report", N_("issued report")},
    {"joint_meeting", N_("joint meeting")},
    {"light_rule", N_("traffic-light threshold")},
    {"line_handover", N_("line handover")},
    {"line_work", N_("line work")},
    {"login_failure", N_("failed login")},
    {"management_arrangement", N_("long-term management")},
    {"oversight_record", N_("oversight record")},
    {"party", N_("party")},
    {"payment_term", N_("payment term")},
    {"person", N_("person")},
    {"plan_notice", N_("plan notice")},
    {"progress_report", N_("progress report")},
    {"project", N_("project")},
    {"project_item", N_("renovation item")},
    {"project_milestone", N_("milestone")},
    {"project_unit", N_("responsible unit")},
    {"quality_record", N_("quality record")},
    {"resident_survey", N_("residents' survey")},
    {"round_close", N_("round closing")},
    {"round_report", N_("round report")},
    {"round_rule", N_("round rule")},
    {"scheduling_meeting", N_("scheduling meeting")},
    {"supervision_extension", N_("supervision extension")},
    {"supervision_item", N_("supervision item")},
    {"unit", N_("unit")},
    {"working_group", N_("working group")},
};

static const char *entity_label(const char *code)
{
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++)
        if (strcmp(entities[i].code, code) == 0)
            return _(entities[i].label);
    return code;
}

/* What an action did, in words: the summary of the operation named so (ops.def), else the
 * code. */
static const char *action_label(const char *action)
{
    const struct cmd_op *op = cmd_op_find(action);
    return op != NULL ? _(op->cmd.summary) : action;
}

/* A time as the table shows it: local, to the minute (the seconds are in `log show`). */
static void short_time(const char *iso, char *out, size_t size)
{
    char local[32];
    if (!output_local_time(iso, local, sizeof local)) {
        snprintf(out, size, "%s", iso);
        return;
    }
    snprintf(out, size, "%.16s", local);
}

void cmd_log_print_list(const Reno__AuditList *list, const Reno__ListAudit *request)
{
    static const char *const headers[] = {N_("ENTRY"), N_("TIME"), N_("UNIT"), N_("RECORD"),
                                          N_("CHANGE")};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    /* The entry's number, right-aligned as a number; the record's travels with its name. */
    table_set_align(t, 0, TABLE_ALIGN_RIGHT);
    /* What changed is what the line is for: the other columns give their width first. */
    table_set_keep(t, 4);
    for (size_t i = 0; i < list->n_items; i++) {
        const Reno__AuditEntry *e = list->items[i];
        char id[24], at[32], record[160];
        snprintf(id, sizeof id, "%lld", (long long)e->id);
        short_time(e->at, at, sizeof at);
        snprintf(record, sizeof record, "%s %lld", entity_label(e->entity),
                 (long long)e->entity_id);
        char *summary = audit_summary(e->before, e->after, 240);
        const char *cells[] = {id, at, e->unit_name[0] ? e->unit_name : e->username, record,
                               summary};
        table_add_row(t, cells);
        free(summary);
    }
    table_print(t, stdout);
    table_free(t);
    size_t n = list->n_items;
    printf(ngettext("(%zu row)\n", "(%zu rows)\n", n), n);
    /* A full page may have more behind it: the next page starts below its last entry
     * (newest first), or above it when following the log forward with --after-id. */
    if (n > 0 && n >= (size_t)request->limit) {
        long long last = (long long)list->items[n - 1]->id;
        if (!request->newest_first && request->before_id == 0)
            printf(_("Newer entries: reno log --after-id %lld\n"), last);
        else
            printf(_("Older entries: reno log --before %lld\n"), last);
    }
    if (n > 0)
        printf("%s\n", _("One entry whole: reno log show ID"));
}

static void print_json(const Reno__AuditEntry *e)
{
    struct output_json j;
    output_json_init(&j, stdout);
    output_json_object(&j, NULL);
    output_json_int(&j, "id", e->id);
    output_json_string(&j, "at", e->at);
    output_json_string(&j, "username", e->username);
    output_json_string(&j, "unit_name", e->unit_name);
    output_json_string(&j, "action", e->action);
    output_json_string(&j, "entity", e->entity);
    output_json_int(&j, "entity_id", e->entity_id);
    output_json_string(&j, "before", e->before);
    output_json_string(&j, "after", e->after);
    output_json_end(&j);
    fputc('\n', stdout);
}

static void print_entry(const Reno__AuditEntry *e)
{
    char at[32];
    if (!output_local_time(e->at, at, sizeof at))
        snprintf(at, sizeof at, "%s", e->at);
    output_line(stdout, _("entry:     %lld"), (long long)e->id);
    output_line(stdout, _("time:      %s"), at);
    output_line(stdout, _("by:        %s (%s)"), e->username[0] ? e->username : "-",
                e->unit_name[0] ? e->unit_name : "-");
    output_line(stdout, _("action:    %s (%s)"), action_label(e->action), e->action);
    output_line(stdout, _("record:    %s %lld"), entity_label(e->entity), (long long)e->entity_id);
    char *summary = audit_summary(e->before, e->after, 4096);
    output_line(stdout, _("change:    %s"), summary);
    free(summary);
    /* The stored documents as they are, for whoever needs the last detail. */
    output_line(stdout, _("before:    %s"), e->before[0] ? e->before : "-");
    output_line(stdout, _("after:     %s"), e->after[0] ? e->after : "-");
}

static int run_show(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *id_text = NULL;
    /* The one argument is the entry's number; options are only --help. */
    if (argc >= 1 && argv[0][0] != '-') {
        id_text = argv[0];
        argc--;
        argv++;
    }
    int rc = cmd_parse(self, argc, argv, NULL, 0);
    if (rc != CMD_CONTINUE)
        return rc;
    if (id_text == NULL)
        return cmd_usage_error(self, _("which entry? give its number (the first column of "
                                       "'reno log')"));
    long long id;
    if (!cmd_parse_number(self, "ID", id_text, 1, INT64_MAX - 1, &id))
        return CMD_EXIT_USAGE;
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;
    Reno__ListAudit list = RENO__LIST_AUDIT__INIT;
    list.before_id = id + 1;
    list.newest_first = true;
    list.limit = 1;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LIST_AUDIT;
    req.list_audit = &list;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_LIST_AUDIT, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    const Reno__AuditList *l = m->response->list_audit;
    if (l->n_items == 0 || l->items[0]->id != id) {
        output_error(_("no log entry %lld that you may read (see 'reno log')"), id);
        rc = CMD_EXIT_REFUSED + RENO__STATUS_CODE__NOT_FOUND;
    } else if (ctx->json) {
        print_json(l->items[0]);
    } else {
        print_entry(l->items[0]);
    }
    cmd_free(ctx, m);
    return rc;
}

const struct cmd cmd_log_show = {
    "log show",
    "ID",
    N_("one entry of the audit log whole: who, when, what changed, before and after"),
    N_("Shows one entry of the audit log whole: its time in the local time zone, who made\n"
       "it, the record it changed, the change member by member and the before and after\n"
       "documents as stored. 'reno log' lists the entries newest first, one line each.\n"
       "\n"
       "Arguments:\n"
       "  ID   the entry's number (required): the first column of 'reno log'\n"
       "\n"
       "Example:\n"
       "  reno log show 1458\n"),
    run_show,
};
