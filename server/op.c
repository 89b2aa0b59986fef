/*
 * The generic operation handler. See op.h.
 */
#include "op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dispatch.h"
#include "log.h"
#include "reflect.h"
#include "rowfill.h"
#include "server.h"
#include "xmalloc.h"

static struct op ops[] = {
#define OP(name, kind, words, summary) {#name, OP_##kind, words, summary, NULL, NULL, NULL, 0},
#include "ops.def"
#undef OP
};

#define OP_COUNT (sizeof ops / sizeof ops[0])

void op_init(void)
{
    for (size_t i = 0; i < OP_COUNT; i++) {
        struct op *op = &ops[i];
        if (op->sql)
            continue;
        op->request =
            protobuf_c_message_descriptor_get_field_by_name(&reno__request__descriptor, op->name);
        if (op->request == NULL || op->request->type != PROTOBUF_C_TYPE_MESSAGE)
            fatal("operation %s has no Request field", op->name);
        op->reply =
            protobuf_c_message_descriptor_get_field(&reno__response__descriptor, op->request->id);
        if (op->reply == NULL || op->reply->type != PROTOBUF_C_TYPE_MESSAGE)
            fatal("operation %s has no Response field %u", op->name, op->request->id);
        if (op->kind == OP_WRITE && op->reply->descriptor != &reno__write_reply__descriptor)
            fatal("write operation %s must be answered with WriteReply", op->name);
        const ProtobufCMessageDescriptor *d = op->request->descriptor;
        bool has_key =
            protobuf_c_message_descriptor_get_field_by_name(d, "idempotency_key") != NULL;
        if (has_key != (op->kind == OP_WRITE))
            fatal("operation %s: idempotency_key must be there exactly for writes", op->name);
        op->nparams = 1 + (op->kind == OP_WRITE ? 2 : 0) + (int)d->n_fields - (has_key ? 1 : 0);
        if (op->nparams > DB_MAX_PARAMS)
            fatal("operation %s has too many fields", op->name);
        size_t cap = 64 + strlen(op->name) + 6 * (size_t)op->nparams;
        op->sql = xmalloc(cap);
        size_t n = (size_t)snprintf(op->sql, cap, "SELECT * FROM reno_op_%s(", op->name);
        for (int k = 1; k <= op->nparams; k++)
            n += (size_t)snprintf(op->sql + n, cap - n, "%s$%d", k > 1 ? ", " : "", k);
        snprintf(op->sql + n, cap - n, ")");
    }
}

void op_done(void)
{
    for (size_t i = 0; i < OP_COUNT; i++) {
        free(ops[i].sql);
        ops[i].sql = NULL;
    }
}

const struct op *op_find(Reno__Request__BodyCase body)
{
    for (size_t i = 0; i < OP_COUNT; i++)
        if (ops[i].request && ops[i].request->id == (unsigned)body)
            return &ops[i];
    return NULL;
}

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
    ProtobufCMessage *reply = reflect_new(op->reply->descriptor);
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, "items");
    if (items && items->label == PROTOBUF_C_LABEL_REPEATED &&
        items->type == PROTOBUF_C_TYPE_MESSAGE) {
        rowfill_field(reply, items, res);
    } else if (PQntuples(res) > 0) {
        rowfill_message(reply, res, 0);
    } else if (op->kind == OP_WRITE) {
        protobuf_c_message_free_unpacked(reply, NULL);
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "%s returned no result", op->name);
        return;
    }
    if (op->kind == OP_WRITE)
        rollup_invalidate(&call->srv->rollup, call->client->session.programme_id);
    if (op->kind == OP_WRITE && call_live(call))
        conn_log(&call->client->conn, LOG_INFO, "%s: row %lld%s", op->name,
                 (long long)((Reno__WriteReply *)reply)->id,
                 ((Reno__WriteReply *)reply)->replayed ? " (replayed)" : "");
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = (Reno__Response__BodyCase)op->reply->id;
    *(ProtobufCMessage **)((char *)&resp + op->reply->offset) = reply;
    call_reply(call, &resp);
    protobuf_c_message_free_unpacked(reply, NULL);
}

void h_op(struct call *call)
{
    const struct op *op = op_find(call->req->body_case);
    if (op == NULL)
        fatal("h_op for a body that is no operation");
    const ProtobufCMessage *body =
        *(ProtobufCMessage *const *)((const char *)call->req + op->request->offset);
    const ProtobufCMessageDescriptor *d = op->request->descriptor;

    char *params[DB_MAX_PARAMS] = {0};
    int n = 0;
    params[n++] = xasprintf("%lld", (long long)call->client->session.account_id);
    if (op->kind == OP_WRITE) {
        const ProtobufCFieldDescriptor *kf =
            protobuf_c_message_descriptor_get_field_by_name(d, "idempotency_key");
        params[n++] = reflect_get_text(body, kf);
        /* The digest tells a retry (same content) from a reused key (other content). */
        size_t len = protobuf_c_message_get_packed_size(body);
        uint8_t *packed = xmalloc(len ? len : 1);
        protobuf_c_message_pack(body, packed);
        uint8_t digest[32];
        crypto_generichash(digest, sizeof digest, packed, len, NULL, 0);
        free(packed);
        char *hex = xmalloc(2 * sizeof digest + 3);
        hex[0] = '\\';
        hex[1] = 'x';
        for (size_t i = 0; i < sizeof digest; i++)
            snprintf(hex + 2 + 2 * i, 3, "%02x", digest[i]);
        params[n++] = hex;
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (strcmp(d->fields[i].name, "idempotency_key") == 0)
            continue;
        params[n++] = reflect_get_text(body, &d->fields[i]); /* NULL: SQL NULL */
    }
    struct op_call *oc = xcalloc(1, sizeof *oc);
    oc->call = call;
    oc->op = op;
    int rc = server_query_text(call->srv, op->name, op->sql, n, (const char *const *)params,
                               op_done_cb, oc);
    for (int i = 0; i < n; i++)
        free(params[i]);
    if (rc != 0) {
        free(oc);
        call_fail(call, RENO__STATUS_CODE__UNAVAILABLE, "", "database unavailable: retry%s",
                  op->kind == OP_WRITE ? " with the same idempotency key" : "");
    }
}
