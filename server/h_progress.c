/*
 * PushProgress: one progress report for one project, idempotent by the client's key.
 *
 * Everything that must be atomic happens in one database statement
 * (reno_push_progress in schema/migrations): the key check, the responsibility check,
 * the insert, the audit row and the idempotency row. The reply is sent only after that
 * statement has committed, so an acknowledged report is never lost, and a retry with the
 * same key after a lost reply returns the first report id with replayed = true.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "hex.h"
#include "op.h"
#include "server.h"

static void pushed(void *arg, const PGresult *res, const struct db_error *err)
{
    struct call *call = arg;
    if (err) {
        call_fail_db(call, err);
        return;
    }
    Reno__PushProgressReply pr = RENO__PUSH_PROGRESS_REPLY__INIT;
    pr.report_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    pr.replayed = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    pr.position = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_PUSH_PROGRESS;
    resp.push_progress = &pr;
    if (call_live(call))
        conn_log(&call->client->conn, LOG_INFO,
                 "progress report %lld for project %lld at position %lld%s",
                 (long long)pr.report_id, (long long)call->req->push_progress->project_id,
                 (long long)pr.position, pr.replayed ? " (replayed)" : "");
    call_reply(call, &resp);
}

void h_push_progress(struct call *call)
{
    const Reno__PushProgress *p = call->req->push_progress;

    /* The digest identifies the request's content: the same key with other content is a
     * client bug, answered CONFLICT rather than silently returning the first result. */
    char digest[OP_DIGEST_TEXT];
    op_digest(&p->base, digest);

    char account[24], key[2 * MSG_IDEMPOTENCY_KEY_BYTES + 1];
    char project[24], started[16], completed[16];
    snprintf(account, sizeof account, "%lld", (long long)call->client->session.account_id);
    hex_encode(p->idempotency_key.data, p->idempotency_key.len, key);
    snprintf(project, sizeof project, "%lld", (long long)p->project_id);
    snprintf(started, sizeof started, "%d", p->households_started);
    snprintf(completed, sizeof completed, "%d", p->households_completed);
    const char *params[] = {account,        key,     digest + 2, project,
                            p->report_date, started, completed,  p->note};
    if (server_query(call->srv, SQL_PUSH_PROGRESS, 8, params, pushed, call) != 0)
        call_fail_unavailable(call, true);
}
