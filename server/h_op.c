/*
 * The handler of every generic operation (server/op.h): the request's parameters go to
 * reno_op_<name> through the pool, and the result, or the typed error, is the answer.
 * A write is acknowledged only from the query's callback, after its statement committed,
 * with its position (0022_positions.sql); the in-memory status learns of it through the
 * database's notification, as it learns of writes through other renod processes.
 */
#include <stdlib.h>

#include "dispatch.h"
#include "log.h"
#include "op.h"
#include "server.h"
#include "xmalloc.h"

_Static_assert(OP_MAX_PARAMS <= DB_MAX_PARAMS, "an operation's parameters must fit a query");

struct op_call {
    struct call *call;
    const struct op *op;
};

static void op_done_cb(void *arg, const PGresult *res, const struct db_error *err)
{
    struct op_call *oc = arg;
    struct call *call = oc->call;
    const struct op *op = oc->op;
    free(oc);
    if (err) {
        call_fail_db(call, err);
        return;
    }
    if (op->list && PQntuples(res) > OP_MAX_ROWS) {
        call_fail(call, RENO__STATUS_CODE__RESOURCE_EXHAUSTED, "",
                  "%s has more than %d rows: ask for less (a narrower filter, or page with "
                  "limit and after_id where the request has them)",
                  op->name, OP_MAX_ROWS);
        return;
    }
    ProtobufCMessage *reply = op_reply_new(op, res);
    if (reply == NULL) {
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "%s returned no result", op->name);
        return;
    }
    if (op->kind == OP_WRITE && call_live(call))
        conn_log(&call->client->conn, LOG_INFO, "%s: row %lld at position %lld%s", op->name,
                 (long long)((Reno__WriteReply *)reply)->id,
                 (long long)((Reno__WriteReply *)reply)->position,
                 ((Reno__WriteReply *)reply)->replayed ? " (replayed)" : "");
    Reno__Response resp = RENO__RESPONSE__INIT;
    op_set_reply(op, &resp, reply);
    call_reply(call, &resp);
    protobuf_c_message_free_unpacked(reply, NULL);
}

void h_op(struct call *call)
{
    const struct op *op = op_find(call->req->body_case);
    if (op == NULL)
        fatal("h_op for a body that is no operation");
    char *params[OP_MAX_PARAMS] = {0};
    int n = op_params(op, op_request_body(op, call->req), call->client->session.account_id, params);
    struct op_call *oc = xcalloc(1, sizeof *oc);
    oc->call = call;
    oc->op = op;
    int rc = server_query_text(call->srv, op->name, op->sql, n, (const char *const *)params,
                               op_done_cb, oc);
    op_params_free(params, n);
    if (rc != 0) {
        free(oc);
        call_fail_unavailable(call, op->kind == OP_WRITE);
    }
}
