/*
 * reno progress push: one progress report for one project, sent with a 16-byte
 * idempotency key. The key is random unless --key gives one, and it is always printed, on
 * success and on failure alike, because a script that lost the reply (a timeout, a
 * dropped connection, UNAVAILABLE) must retry with the same key to be sure the report is
 * recorded exactly once.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "cmd.h"
#include "cmd_op.h"
#include "hex.h"
#include "msg.h"
#include "output.h"

static int run_push(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *project = NULL, *date = NULL, *started = NULL, *completed = NULL;
    const char *note = NULL, *key = NULL;
    const struct cmd_option opts[] = {
        {"project", &project, NULL},     {"date", &date, NULL}, {"started", &started, NULL},
        {"completed", &completed, NULL}, {"note", &note, NULL}, {"key", &key, NULL},
    };
    int rc = cmd_parse(self, argc, argv, opts, sizeof opts / sizeof opts[0]);
    if (rc != CMD_CONTINUE)
        return rc;

    /* Everything the protocol will check is checked here first, with the flag's name. */
    for (size_t i = 0; i < 4; i++)
        if (*opts[i].value == NULL)
            return cmd_usage_error(self, _("--%s is required"), opts[i].name);
    /* A project by its number, or by its name or community, looked up once logged in. */
    long long project_id = 0, households_started, households_completed;
    bool by_name = (project[0] < '0' || project[0] > '9') && project[0] != '-';
    if ((!by_name && !cmd_parse_number(self, "--project", project, 1, INT64_MAX, &project_id)) ||
        !cmd_parse_date(self, "--date", date) ||
        !cmd_parse_number(self, "--started", started, 0, MSG_MAX_HOUSEHOLDS, &households_started) ||
        !cmd_parse_number(self, "--completed", completed, 0, MSG_MAX_HOUSEHOLDS,
                          &households_completed))
        return CMD_EXIT_USAGE;
    if (households_completed > households_started)
        return cmd_usage_error(self, _("--completed (%lld) exceeds --started (%lld)"),
                               households_completed, households_started);
    if (note != NULL && strlen(note) > MSG_MAX_NOTE)
        return cmd_usage_error(self, _("--note is %zu bytes, at most %d allowed"), strlen(note),
                               MSG_MAX_NOTE);
    if (note != NULL && !msg_valid_utf8(note, strlen(note)))
        return cmd_usage_error(self, _("--note is not valid UTF-8"));

    uint8_t key_bytes[MSG_IDEMPOTENCY_KEY_BYTES];
    char key_hex[2 * MSG_IDEMPOTENCY_KEY_BYTES + 1];
    if (key != NULL) {
        if (!hex_decode(key, key_bytes, sizeof key_bytes))
            return cmd_usage_error(self, _("--key must be %d hex digits"),
                                   2 * MSG_IDEMPOTENCY_KEY_BYTES);
    } else {
        randombytes_buf(key_bytes, sizeof key_bytes);
    }
    hex_encode(key_bytes, sizeof key_bytes, key_hex);

    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;
    if (by_name) {
        int64_t id = 0;
        rc = cmd_project_by_name(self, ctx, "--project", project, &id);
        if (rc != CMD_EXIT_OK)
            return rc;
        project_id = id;
    }

    Reno__PushProgress push = RENO__PUSH_PROGRESS__INIT;
    push.idempotency_key.data = key_bytes;
    push.idempotency_key.len = sizeof key_bytes;
    push.project_id = (int64_t)project_id;
    push.report_date = (char *)date;
    push.households_started = (int32_t)households_started;
    push.households_completed = (int32_t)households_completed;
    push.note = (char *)(note != NULL ? note : "");
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_PUSH_PROGRESS;
    req.push_progress = &push;
    Reno__ServerMessage *m = NULL;
    rc = cmd_call(ctx, &req, RENO__RESPONSE__BODY_PUSH_PROGRESS, &m);
    if (rc == CMD_EXIT_TRANSPORT)
        output_error(_("the report may or may not be recorded: retry with --key %s"), key_hex);
    else if (rc == CMD_EXIT_REFUSED + RENO__STATUS_CODE__UNAVAILABLE ||
             rc == CMD_EXIT_REFUSED + RENO__STATUS_CODE__INTERNAL)
        output_error(_("nothing was recorded: retry later with --key %s"), key_hex);
    if (rc != CMD_EXIT_OK)
        return rc;

    const Reno__PushProgressReply *r = m->response->push_progress;
    if (ctx->json) {
        struct output_json j;
        output_json_init(&j, stdout);
        output_json_object(&j, NULL);
        output_json_int(&j, "report_id", r->report_id);
        output_json_bool(&j, "replayed", r->replayed);
        output_json_string(&j, "key", key_hex);
        output_json_int(&j, "position", r->position);
        output_json_end(&j);
    } else if (r->replayed) {
        printf(_("report %lld already recorded earlier (replayed; key %s)\n"),
               (long long)r->report_id, key_hex);
    } else {
        printf(_("report %lld recorded (key %s)\n"), (long long)r->report_id, key_hex);
    }
    cmd_free(ctx, m);
    return CMD_EXIT_OK;
}

const struct cmd cmd_progress_push = {
    .name = "progress push",
    .usage = "--project PROJECT --date YYYY-MM-DD --started N --completed N [--note TEXT] "
             "[--key HEX32]",
    .summary = N_("report a project's households started and completed"),
    .help = N_("Records the cumulative numbers of households started and completed in a project\n"
               "as of a report date. Each report carries a 16-byte idempotency key, random\n"
               "unless --key gives one; the key is printed. Sending the same key again changes\n"
               "nothing and answers with the first result ('replayed'), so after a timeout or\n"
               "UNAVAILABLE, retry with the printed key.\n"
               "\n"
               "Options (* required):\n"
               "  --project PROJECT *    the project: its number, its name or community, or the\n"
               "                         unambiguous start of one (see 'reno project list')\n"
               "  --date YYYY-MM-DD *    the report date, not in the future\n"
               "  --started N *          households started by that date, in all\n"
               "  --completed N *        households completed by that date, in all (<= started)\n"
               "  --note TEXT            a remark, at most 2000 bytes\n"
               "  --key HEX32            the idempotency key, 32 hex digits, to retry a report\n"
               "  --help                 show this help\n"
               "\n"
               "Example:\n"
               "  reno progress push --project 示例小区一 --date 2022-05-14 --started 210 \\\n"
               "      --completed 0 --note 外墙施工中\n"),
    .run = run_push,
};
