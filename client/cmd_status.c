/*
 * reno status: the programme's consolidated status as of a date, as the office reads it:
 * one table row per project, a totals line against the programme's target, then the work
 * plan's milestone checks. With --json, one object that mirrors StatusReply: the field
 * names of reno.proto, enums by their names there, 64-bit integers as JSON numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "table.h"
#include "xmalloc.h"

static void print_json(const Reno__StatusReply *s)
{
    struct output_json j;
    output_json_init(&j, stdout);
    output_json_object(&j, NULL);
    output_json_string(&j, "programme_code", s->programme_code);
    output_json_string(&j, "programme_title", s->programme_title);
    output_json_string(&j, "as_of", s->as_of);
    output_json_int(&j, "target_households", s->target_households);
    output_json_int(&j, "households", s->households);
    output_json_int(&j, "households_started", s->households_started);
    output_json_int(&j, "households_completed", s->households_completed);
    output_json_double(&j, "started_pct", s->started_pct);
    output_json_double(&j, "completed_pct", s->completed_pct);
    output_json_array(&j, "projects");
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        output_json_object(&j, NULL);
        output_json_int(&j, "project_id", p->project_id);
        output_json_string(&j, "name", p->name);
        output_json_string(&j, "community", p->community);
        output_json_int(&j, "households", p->households);
        output_json_int(&j, "households_started", p->households_started);
        output_json_int(&j, "households_completed", p->households_completed);
        output_json_double(&j, "started_pct", p->started_pct);
        output_json_double(&j, "completed_pct", p->completed_pct);
        output_json_string(&j, "last_report_date", p->last_report_date);
        output_json_bool(&j, "is_sample", p->is_sample);
        output_json_end(&j);
    }
    output_json_end(&j);
    output_json_array(&j, "rules");
    for (size_t i = 0; i < s->n_rules; i++) {
        const Reno__RuleCheck *r = s->rules[i];
        const char *verdict = output_enum_name(&reno__verdict__descriptor, (int)r->verdict);
        output_json_object(&j, NULL);
        output_json_string(&j, "code", r->code);
        output_json_string(&j, "title", r->title);
        output_json_string(&j, "due", r->due);
        output_json_string(&j, "verdict", verdict != NULL ? verdict : "VERDICT_UNSPECIFIED");
        output_json_int(&j, "actual", r->actual);
        output_json_int(&j, "required", r->required);
        output_json_int(&j, "denominator", r->denominator);
        output_json_string(&j, "detail", r->detail);
        output_json_end(&j);
    }
    output_json_end(&j);
    output_json_end(&j);
}

/* Empty text from the server shows as "-", so that a column never looks shifted. */
static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

static void print_projects(const Reno__StatusReply *s, FILE *out)
{
    static const char *const headers[] = {
        "ID",        "NAME",      "COMMUNITY",   "HOUSEHOLDS",  "STARTED",
        "STARTED %", "COMPLETED", "COMPLETED %", "LAST REPORT",
    };
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    bool any_sample = false;
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        char id[24], households[16], started[16], started_pct[24], completed[16], completed_pct[24];
        snprintf(id, sizeof id, "%lld", (long long)p->project_id);
        snprintf(households, sizeof households, "%d", p->households);
        snprintf(started, sizeof started, "%d", p->households_started);
        snprintf(started_pct, sizeof started_pct, "%.1f%%", p->started_pct);
        snprintf(completed, sizeof completed, "%d", p->households_completed);
        snprintf(completed_pct, sizeof completed_pct, "%.1f%%", p->completed_pct);
        /* Sample projects are marked in the name column and explained under the table. */
        char *name = p->is_sample ? xasprintf("%s *", or_dash(p->name)) : NULL;
        const char *cells[] = {
            id,
            name != NULL ? name : or_dash(p->name),
            or_dash(p->community),
            households,
            started,
            started_pct,
            completed,
            completed_pct,
            or_dash(p->last_report_date),
        };
        table_add_row(t, cells);
        free(name);
        any_sample |= p->is_sample;
    }
    table_print(t, out);
    table_free(t);
    if (s->n_projects == 0)
        fprintf(out, "(no projects)\n");
    output_line(out,
                "total: %d households in %zu projects, programme target %d; started %d "
                "(%.1f%%), completed %d (%.1f%%)",
                s->households, s->n_projects, s->target_households, s->households_started,
                s->started_pct, s->households_completed, s->completed_pct);
    if (any_sample)
        fprintf(out, "* sample data: the work plan names no projects and gives no household "
                     "split\n");
}

static void print_rules(const Reno__StatusReply *s, FILE *out)
{
    static const char *const headers[] = {"RULE", "DUE", "VERDICT", "DETAIL"};
    struct table *t = table_new(sizeof headers / sizeof headers[0], headers);
    for (size_t i = 0; i < s->n_rules; i++) {
        const Reno__RuleCheck *r = s->rules[i];
        const char *title = r->title != NULL && r->title[0] != '\0' ? r->title : r->code;
        const char *cells[] = {
            or_dash(title),
            or_dash(r->due),
            output_verdict_name(r->verdict),
            or_dash(r->detail),
        };
        table_add_row(t, cells);
    }
    table_print(t, out);
    table_free(t);
}

static void print_text(const Reno__StatusReply *s, FILE *out)
{
    output_line(out, "%s (%s), status as of %s", or_dash(s->programme_title),
                or_dash(s->programme_code), or_dash(s->as_of));
    fputc('\n', out);
    print_projects(s, out);
    if (s->n_rules > 0) {
        fputc('\n', out);
        print_rules(s, out);
    }
}

static int run_status(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *as_of = NULL;
    const struct cmd_option opts[] = {{"as-of", &as_of, NULL}};
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    if (as_of != NULL && !cmd_parse_date(self, "--as-of", as_of))
        return CMD_EXIT_USAGE;
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;

    Reno__GetStatus get = RENO__GET_STATUS__INIT;
    get.as_of = (char *)(as_of != NULL ? as_of : "");
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &get;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_STATUS_REPLY, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    if (ctx->json)
        print_json(m->response->status_reply);
    else
        print_text(m->response->status_reply, stdout);
    cmd_free(ctx, m);
    return CMD_EXIT_OK;
}

const struct cmd cmd_status = {
    .name = "status",
    .usage = "[--as-of YYYY-MM-DD]",
    .summary = "show the programme's consolidated progress and milestone checks",
    .help = "Shows each project's households started and completed, the totals against the\n"
            "programme's target, and the work plan's milestone rules with their verdicts\n"
            "(met, pending, missed). With --json (before the command), one JSON object with\n"
            "the fields of StatusReply in reno.proto.\n"
            "\n"
            "Options:\n"
            "  --as-of YYYY-MM-DD   the status on that date (default: today on the server)\n"
            "  --help               show this help\n",
    .run = run_status,
};

/* ---- reno watch ------------------------------------------------------------------------ */

static void print_event(struct cmd_ctx *ctx, const Reno__StatusChanged *sc)
{
    if (ctx->json) {
        print_json(sc->status);
        return;
    }
    output_line(stdout, "-- changed (status as of %s):", or_dash(sc->status->as_of));
    for (size_t i = 0; i < sc->n_changes; i++)
        output_line(stdout, "   %s", sc->changes[i]);
    print_text(sc->status, stdout);
}

static int run_watch(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *count_text = NULL;
    const struct cmd_option opts[] = {{"count", &count_text, NULL}};
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;
    long long count = 0;
    if (count_text != NULL && !cmd_parse_number(self, "--count", count_text, 1, 1000000, &count))
        return CMD_EXIT_USAGE;
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;

    Reno__Watch watch = RENO__WATCH__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &watch;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_WATCH, &m);
    if (rc != CMD_EXIT_OK)
        return rc;
    if (ctx->json)
        print_json(m->response->watch->status);
    else
        print_text(m->response->watch->status, stdout);
    cmd_free(ctx, m);
    fflush(stdout);

    /* Until interrupted (or --count events): print each pushed change as it comes. */
    for (long long seen = 0; count == 0 || seen < count;) {
        char err[NET_ERR_SIZE];
        int got = net_next(ctx->conn, 60000, &m, err);
        if (got < 0) {
            output_error("%s", err);
            return CMD_EXIT_TRANSPORT;
        }
        if (got > 0)
            continue; /* a quiet minute */
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT) {
            const Reno__Event *ev = m->event;
            if (ev->body_case == RENO__EVENT__BODY_STATUS_CHANGED) {
                print_event(ctx, ev->status_changed);
                seen++;
            } else if (ev->body_case == RENO__EVENT__BODY_RESYNC) {
                /* Updates were dropped while we were slow: the next push carries the whole
                 * status again, so say so and carry on. */
                output_line(stderr, "reno: %s", ev->resync->reason);
            } else if (ev->body_case == RENO__EVENT__BODY_SHUTTING_DOWN) {
                output_error("server shutting down: %s", ev->shutting_down->reason);
                net_free(ctx->conn, m);
                return CMD_EXIT_TRANSPORT;
            }
        }
        net_free(ctx->conn, m);
        fflush(stdout);
    }
    return CMD_EXIT_OK;
}

const struct cmd cmd_watch = {
    .name = "watch",
    .usage = "[--count N]",
    .summary = "show the status, then every change to it as it is committed",
    .help = "Prints the consolidated status now, then, each time a change is committed by any\n"
            "unit through any renod on the same database, what changed and the new status.\n"
            "A watcher that falls behind gets one notice instead of a growing backlog.\n"
            "\n"
            "Options:\n"
            "  --count N   exit after N changes (default: until interrupted)\n"
            "  --help      show this help\n",
    .run = run_watch,
};
