/*
 * The operation table and the mapping between messages and SQL texts. See op.h.
 *
 * Writing a oneof by offset: a Request or Response body is a oneof whose members are
 * message pointers at distinct offsets, found here through the field descriptor of the
 * same number; the body case and the pointer are set together, so the message reads as
 * if generated code had filled it.
 */
#include "op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hex.h"
#include "log.h"
#include "reflect.h"
#include "rowfill.h"
#include "xmalloc.h"

static struct op ops[] = {
#define OP(name, kind, words, summary)                                                             \
    {#name, OP_##kind, words, summary, NULL, NULL, NULL, 0, false},
#include "ops.def"
#undef OP
};

#define OP_COUNT (sizeof ops / sizeof ops[0])

#define OP_ROWS_TEXT_(n)  #n
#define OP_ROWS_TEXT__(n) OP_ROWS_TEXT_(n)
#define OP_ROWS_TEXT      OP_ROWS_TEXT__(OP_MAX_ROWS_PLUS_ONE)

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
        if (op->nparams > OP_MAX_PARAMS)
            fatal("operation %s has too many fields", op->name);
        size_t cap = 128 + strlen(op->name) + 6 * (size_t)op->nparams;
        op->sql = xmalloc(cap);
        /* A write's reply also names its position (0022_positions.sql), read after the
         * function has run, in the same transaction. */
        size_t n = (size_t)snprintf(
            op->sql, cap, "SELECT *%s FROM reno_op_%s(",
            op->kind == OP_WRITE ? ", reno_write_position() AS position" : "", op->name);
        for (int k = 1; k <= op->nparams; k++)
            n += (size_t)snprintf(op->sql + n, cap - n, "%s$%d", k > 1 ? ", " : "", k);
        /* A list reads at most one row past its ceiling, so that renod never holds an
         * unbounded result, and knows that it was cut. */
        const ProtobufCFieldDescriptor *items =
            protobuf_c_message_descriptor_get_field_by_name(op->reply->descriptor, "items");
        op->list = op->kind == OP_READ && items && items->label == PROTOBUF_C_LABEL_REPEATED &&
                   items->type == PROTOBUF_C_TYPE_MESSAGE;
        snprintf(op->sql + n, cap - n, ")%s", op->list ? " LIMIT " OP_ROWS_TEXT : "");
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

const ProtobufCMessage *op_request_body(const struct op *op, const Reno__Request *req)
{
    return *(ProtobufCMessage *const *)((const char *)req + op->request->offset);
}

void op_digest(const ProtobufCMessage *body, char out[OP_DIGEST_TEXT])
{
    size_t len = protobuf_c_message_get_packed_size(body);
    uint8_t *packed = xmalloc(len ? len : 1);
    protobuf_c_message_pack(body, packed);
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, packed, len, NULL, 0);
    free(packed);
    out[0] = '\\';
    out[1] = 'x';
    hex_encode(digest, sizeof digest, out + 2);
}

int op_params(const struct op *op, const ProtobufCMessage *body, int64_t account_id,
              char *params[OP_MAX_PARAMS])
{
    const ProtobufCMessageDescriptor *d = op->request->descriptor;
    int n = 0;
    params[n++] = xasprintf("%lld", (long long)account_id);
    if (op->kind == OP_WRITE) {
        const ProtobufCFieldDescriptor *kf =
            protobuf_c_message_descriptor_get_field_by_name(d, "idempotency_key");
        params[n++] = reflect_get_text(body, kf);
        char digest[OP_DIGEST_TEXT];
        op_digest(body, digest);
        params[n++] = xstrdup(digest);
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (strcmp(d->fields[i].name, "idempotency_key") == 0)
            continue;
        params[n++] = reflect_get_text(body, &d->fields[i]); /* NULL: SQL NULL */
    }
    return n;
}

void op_params_free(char *params[], int n)
{
    for (int i = 0; i < n; i++) {
        free(params[i]);
        params[i] = NULL;
    }
}

ProtobufCMessage *op_reply_new(const struct op *op, const PGresult *res)
{
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
        return NULL;
    }
    return reply;
}

void op_set_reply(const struct op *op, Reno__Response *resp, ProtobufCMessage *reply)
{
    resp->body_case = (Reno__Response__BodyCase)op->reply->id;
    *(ProtobufCMessage **)((char *)resp + op->reply->offset) = reply;
}
