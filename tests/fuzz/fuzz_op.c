/*
 * libFuzzer target for the request handler's mapping of generic operations with a fake
 * database: a Request becomes the text parameters of its SQL function (op_params), a
 * result made in memory with libpq's PQmakeEmptyPGresult/PQsetvalue stands for what
 * PostgreSQL answered, and that result becomes the reply (op_reply_new, which fills it
 * through server/rowfill.c and common/reflect.c). The reply is then packed as renod
 * sends it and unpacked and rendered as reno receives it. No pool, loop or socket is
 * involved: op.c is the seam (server/op.h), and h_op.c, which only adds the pool and the
 * call, is left out.
 *
 * Input layout: two bytes (big-endian) give the length L of a Request payload that
 * follows. If it does not unpack, pass msg_check_request() or name a generic operation,
 * an operation is chosen by the next byte and its body left empty, so that the result
 * side is fuzzed whatever the request. The rest describes the result: a byte for the
 * number of rows (0..7), a byte for the number of columns (0..15), a byte per column
 * choosing the reply field it is named after (or a name no field has), then per cell a
 * length byte (0xff: SQL NULL) and that many bytes of text.
 *
 * Oracles besides the sanitizers: the parameters are as many as the operation takes, in
 * valid UTF-8; a write with no row gives no reply and every other result gives one; a
 * list reply has one item per row; every value that fits its field is in the reply as it
 * was in the row; a reply renod can pack, reno can unpack within its budget.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "fuzz_render.h"
#include "msg.h"
#include "op.h"
#include "reflect.h"

#define FUZZ_TODAY         19144
#define FUZZ_CLIENT_BUDGET (16u << 20)
#define FUZZ_MAX_ROWS      8
#define FUZZ_MAX_COLS      16
#define FUZZ_MAX_CELL      64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* The generic operations in the order of their Request fields. */
static const struct op *all_ops[256];
static size_t n_ops;

static void init_once(void)
{
    static bool ready;
    if (ready)
        return;
    op_init();
    for (unsigned i = 0; i < reno__request__descriptor.n_fields && n_ops < 256; i++) {
        const struct op *op =
            op_find((Reno__Request__BodyCase)reno__request__descriptor.fields[i].id);
        if (op != NULL)
            all_ops[n_ops++] = op;
    }
    FUZZ_ASSERT(n_ops > 0);
    ready = true;
}

/* A cursor over the input; reads past its end give zeros. */
struct input {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

static uint8_t next_byte(struct input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

/* The descriptor whose fields name the result's columns: the item of a list reply. */
static const ProtobufCMessageDescriptor *row_descriptor(const struct op *op)
{
    const ProtobufCMessageDescriptor *d = op->reply->descriptor;
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(d, "items");
    if (items != NULL && items->type == PROTOBUF_C_TYPE_MESSAGE &&
        items->label == PROTOBUF_C_LABEL_REPEATED)
        return items->descriptor;
    return d;
}

/* The fake database: a result with the rows and columns the input describes. */
static PGresult *fake_result(const struct op *op, struct input *in, int *rows_out)
{
    const ProtobufCMessageDescriptor *d = row_descriptor(op);
    int rows = next_byte(in) % FUZZ_MAX_ROWS;
    int cols = next_byte(in) % FUZZ_MAX_COLS;
    /* PQsetvalue is how rows are added, so a result without columns has no rows. */
    if (cols == 0)
        rows = 0;
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    FUZZ_ASSERT(res != NULL);
    PGresAttDesc attrs[FUZZ_MAX_COLS];
    memset(attrs, 0, sizeof attrs);
    for (int c = 0; c < cols; c++) {
        unsigned pick = next_byte(in);
        attrs[c].name = pick < d->n_fields ? (char *)d->fields[pick].name : "no_such_column";
        attrs[c].format = 0;
        attrs[c].typid = 25; /* text: the mapping reads every value as text */
        attrs[c].typlen = -1;
        attrs[c].atttypmod = -1;
    }
    FUZZ_ASSERT(PQsetResultAttrs(res, cols, cols ? attrs : NULL) != 0);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            uint8_t len = next_byte(in);
            if (len == 0xff) {
                FUZZ_ASSERT(PQsetvalue(res, r, c, NULL, -1) != 0);
                continue;
            }
            char cell[FUZZ_MAX_CELL + 1];
            size_t n = len % (FUZZ_MAX_CELL + 1);
            if (n > in->size - in->pos)
                n = in->size - in->pos;
            memcpy(cell, in->data + in->pos, n);
            in->pos += n;
            cell[n] = '\0';
            FUZZ_ASSERT(PQsetvalue(res, r, c, cell, (int)n) != 0);
        }
    }
    *rows_out = PQntuples(res);
    return res;
}

static void check_params(const struct op *op, const ProtobufCMessage *body)
{
    char *params[OP_MAX_PARAMS] = {0};
    int n = op_params(op, body, 7, params);
    FUZZ_ASSERT(n == op->nparams);
    for (int i = 0; i < n; i++)
        if (params[i] != NULL)
            FUZZ_ASSERT(msg_valid_utf8(params[i], strlen(params[i])));
    op_params_free(params, n);
}

/*
 * The row's values are in the message by name: for every scalar field, the last column
 * named after it that holds a value of its type (the one rowfill wrote last) reads back
 * from the message as the same value would from a message filled with it alone.
 */
static void check_row(const ProtobufCMessage *m, const PGresult *res, int row)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        ProtobufCMessage *expected = NULL;
        for (int col = PQnfields(res) - 1; col >= 0 && expected == NULL; col--) {
            if (strcmp(PQfname(res, col), f->name) != 0 || PQgetisnull(res, row, col))
                continue;
            char err[REFLECT_ERR_SIZE];
            expected = reflect_new(d);
            if (reflect_set_text(expected, f, PQgetvalue(res, row, col), err) != 0) {
                protobuf_c_message_free_unpacked(expected, NULL);
                expected = NULL;
            }
        }
        if (expected == NULL)
            continue;
        char *want = reflect_get_text(expected, f);
        char *got = reflect_get_text(m, f);
        FUZZ_ASSERT((want == NULL) == (got == NULL));
        FUZZ_ASSERT(want == NULL || strcmp(want, got) == 0);
        free(want);
        free(got);
        protobuf_c_message_free_unpacked(expected, NULL);
    }
}

/* Every row of the result is in the reply: one item per row of a list, else row 0. */
static void check_reply(const ProtobufCMessage *reply, const PGresult *res)
{
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, "items");
    if (items != NULL && items->type == PROTOBUF_C_TYPE_MESSAGE &&
        items->label == PROTOBUF_C_LABEL_REPEATED) {
        FUZZ_ASSERT(reflect_count(reply, items) == (size_t)PQntuples(res));
        ProtobufCMessage *const *rows =
            *(ProtobufCMessage *const *const *)reflect_field(reply, items);
        for (int r = 0; r < PQntuples(res); r++)
            check_row(rows[r], res, r);
    } else if (PQntuples(res) > 0) {
        check_row(reply, res, 0);
    }
}

/* Packs the reply as renod sends it, then unpacks and renders it as reno does. */
static void deliver(const struct op *op, ProtobufCMessage *reply)
{
    Reno__Status ok = RENO__STATUS__INIT;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.id = 1;
    resp.status = &ok;
    op_set_reply(op, &resp, reply);
    Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
    m.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
    m.response = &resp;
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&m.base, &frame_len);
    struct msg_budget budget;
    msg_budget_init(&budget, FUZZ_CLIENT_BUDGET);
    Reno__ServerMessage *got = msg_unpack_server(&budget, frame + 4, frame_len - 4);
    free(frame);
    FUZZ_ASSERT(got != NULL);
    FUZZ_ASSERT(got->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE);
    FUZZ_ASSERT((unsigned)got->response->body_case == op->reply->id);
    fuzz_render_server_message(got);
    msg_free_server(&budget, got);
    FUZZ_ASSERT(budget.used == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    struct input in = {data, size, 0};
    size_t req_len = ((size_t)next_byte(&in) << 8) | next_byte(&in);
    if (req_len > size - in.pos)
        req_len = size - in.pos;
    struct msg_budget budget;
    msg_budget_init(&budget, 4 * req_len + 4096);
    Reno__Request *req = msg_unpack_request(&budget, data + in.pos, req_len);
    in.pos += req_len;

    const struct op *op = NULL;
    struct msg_fault fault;
    if (req != NULL && msg_check_request(req, FUZZ_TODAY, &fault))
        op = op_find(req->body_case);
    ProtobufCMessage *empty = NULL;
    if (op != NULL) {
        check_params(op, op_request_body(op, req));
    } else {
        op = all_ops[next_byte(&in) % n_ops];
        empty = reflect_new(op->request->descriptor);
    }
    if (empty != NULL)
        check_params(op, empty);

    int rows = 0;
    PGresult *res = fake_result(op, &in, &rows);
    ProtobufCMessage *reply = op_reply_new(op, res);
    if (reply == NULL) {
        FUZZ_ASSERT(op->kind == OP_WRITE && rows == 0);
    } else {
        check_reply(reply, res);
        deliver(op, reply);
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    PQclear(res);
    if (empty != NULL)
        protobuf_c_message_free_unpacked(empty, NULL);
    msg_free_request(&budget, req);
    FUZZ_ASSERT(budget.used == 0);
    return 0;
}
