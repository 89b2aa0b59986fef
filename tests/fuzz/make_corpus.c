/*
 * Writes the seed corpora of the fuzz targets under a directory (by default
 * tests/fuzz/corpus, relative to the top of the tree): real messages packed by the
 * protoc-c code, so that the fuzzer starts from the protocol rather than from noise. The
 * output is deterministic (fixed ids, keys, dates and sample values), so regenerating it
 * changes nothing unless the protocol did.
 *
 * frame/ (fuzz_frame: byte streams of frames)
 *   hello.bin          one Hello frame
 *   push_progress.bin  one PushProgress frame with a Chinese note
 *   two_frames.bin     Hello then Login, back to back
 *   session.bin        one frame of every request type, in a session's order
 *   too_large.bin      a header announcing 1 MiB + 1 bytes, then a few bytes
 *   field_zero.bin     a Hello frame ending in field number 0 written in two bytes (80 00),
 *                      which libprotobuf-c 1.4.1 keeps as an unknown field (found by fuzzing)
 *   empty.bin          nothing
 *
 * msg/ (fuzz_msg: a side byte, then one payload)
 *   req_<body>.bin     0x00 and a Request of every body type, its fields set to samples
 *   srv_<body>.bin     0x01 and a Response of every body type, its fields (and one item
 *                      of a list) set to samples
 *   srv_error.bin, srv_shutdown.bin, srv_refused.bin  events and a refusal
 *
 * op/ (fuzz_op: a request and a result, see fuzz_op.c)
 *   <body>.bin         a Request of every body type with samples, and a result of two
 *                      rows with one column per field of the reply (or of its item)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frame.h"
#include "msg.h"
#include "reflect.h"

/* A growing byte buffer of frames. */
struct stream {
    uint8_t *bytes;
    size_t len;
};

static void append(struct stream *s, const void *bytes, size_t len)
{
    uint8_t *grown = realloc(s->bytes, s->len + len + 1);
    if (grown == NULL) {
        fprintf(stderr, "make_corpus: out of memory\n");
        exit(1);
    }
    s->bytes = grown;
    if (len > 0)
        memcpy(s->bytes + s->len, bytes, len);
    s->len += len;
}

static void append_request(struct stream *s, Reno__Request *req)
{
    size_t len = 0;
    uint8_t *frame = msg_pack_frame(&req->base, &len);
    append(s, frame, len);
    free(frame);
}

static int write_file(const char *dir, const char *name, const struct stream *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t written = s->len ? fwrite(s->bytes, 1, s->len, f) : 0;
    if (fclose(f) != 0 || written != s->len) {
        fprintf(stderr, "make_corpus: %s: write failed\n", path);
        return -1;
    }
    printf("%s: %zu bytes\n", path, s->len);
    return 0;
}

static int write_frames(const char *dir)
{
    int rc = 0;

    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = RENO_PROTOCOL_VERSION;
    hello.client_name = "reno/0.1.0";
    Reno__Request hello_req = RENO__REQUEST__INIT;
    hello_req.id = 1;
    hello_req.body_case = RENO__REQUEST__BODY_HELLO;
    hello_req.hello = &hello;

    Reno__Login login = RENO__LOGIN__INIT;
    login.username = "office";
    login.password = "correct horse battery staple";
    Reno__Request login_req = RENO__REQUEST__INIT;
    login_req.id = 2;
    login_req.body_case = RENO__REQUEST__BODY_LOGIN;
    login_req.login = &login;

    Reno__GetStatus get_status = RENO__GET_STATUS__INIT;
    get_status.as_of = "2022-04-14";
    Reno__Request status_req = RENO__REQUEST__INIT;
    status_req.id = 3;
    status_req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    status_req.get_status = &get_status;

    static uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                                     0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                                     0xcc, 0xdd, 0xee, 0xff};
    Reno__PushProgress push = RENO__PUSH_PROGRESS__INIT;
    push.idempotency_key.data = key;
    push.idempotency_key.len = sizeof key;
    push.project_id = 1;
    push.report_date = "2022-03-31";
    push.households_started = 201;
    push.households_completed = 0;
    push.note = "首批开工";
    Reno__Request push_req = RENO__REQUEST__INIT;
    push_req.id = 4;
    push_req.body_case = RENO__REQUEST__BODY_PUSH_PROGRESS;
    push_req.push_progress = &push;

    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 0x1122334455667788u;
    Reno__Request ping_req = RENO__REQUEST__INIT;
    ping_req.id = 5;
    ping_req.body_case = RENO__REQUEST__BODY_PING;
    ping_req.ping = &ping;

    Reno__Resume resume = RENO__RESUME__INIT;
    resume.token = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    Reno__Request resume_req = RENO__REQUEST__INIT;
    resume_req.id = 6;
    resume_req.body_case = RENO__REQUEST__BODY_RESUME;
    resume_req.resume = &resume;

    Reno__Logout logout = RENO__LOGOUT__INIT;
    Reno__Request logout_req = RENO__REQUEST__INIT;
    logout_req.id = 7;
    logout_req.body_case = RENO__REQUEST__BODY_LOGOUT;
    logout_req.logout = &logout;

    struct stream s = {NULL, 0};
    append_request(&s, &hello_req);
    rc |= write_file(dir, "hello.bin", &s);

    s.len = 0;
    append_request(&s, &push_req);
    rc |= write_file(dir, "push_progress.bin", &s);

    s.len = 0;
    append_request(&s, &hello_req);
    append_request(&s, &login_req);
    rc |= write_file(dir, "two_frames.bin", &s);

    s.len = 0;
    append_request(&s, &hello_req);
    append_request(&s, &login_req);
    append_request(&s, &status_req);
    append_request(&s, &push_req);
    append_request(&s, &ping_req);
    append_request(&s, &logout_req);
    append_request(&s, &resume_req);
    rc |= write_file(dir, "session.bin", &s);

    s.len = 0;
    uint8_t header[FRAME_HEADER_SIZE];
    frame_put_header(header, FRAME_DEFAULT_MAX + 1);
    append(&s, header, sizeof header);
    append(&s, "\x08\x01\x52\x02\x08\x01", 6);
    rc |= write_file(dir, "too_large.bin", &s);

    s.len = 0;
    size_t hello_len = 0;
    uint8_t *hello_frame = msg_pack_frame(&hello_req.base, &hello_len);
    frame_put_header(hello_frame, (uint32_t)(hello_len - FRAME_HEADER_SIZE + 3));
    append(&s, hello_frame, hello_len);
    append(&s, "\x80\x00\x00", 3);
    free(hello_frame);
    rc |= write_file(dir, "field_zero.bin", &s);

    s.len = 0;
    rc |= write_file(dir, "empty.bin", &s);

    free(s.bytes);
    return rc;
}

/* ---- msg/ and op/: every body type with sample values ------------------------------------ */

/* A value of field f's type as text, as a database column or a command-line option gives
 * it; NULL for fields that have no text form. */
static const char *sample_text(const ProtobufCFieldDescriptor *f, char *buf, size_t size)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_UINT64:
        return "3";
    case PROTOBUF_C_TYPE_BOOL:
        return "t";
    case PROTOBUF_C_TYPE_DOUBLE:
        return "1234.5";
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        if (ed->n_values < 2)
            return NULL;
        char *t = reflect_enum_text(ed, ed->values[1].value);
        if (t == NULL)
            return NULL;
        snprintf(buf, size, "%s", t);
        free(t);
        return buf;
    }
    case PROTOBUF_C_TYPE_STRING:
        return reflect_is_date_field(f) ? "2022-03-31" : "示例 sample";
    case PROTOBUF_C_TYPE_BYTES:
        return "\\x00112233445566778899aabbccddeeff";
    default:
        return NULL;
    }
}

/* Sets every scalar field of m (and one item of a repeated message field) to a sample. */
static void fill_sample(ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (depth < 3 && f->label == PROTOBUF_C_LABEL_REPEATED)
                fill_sample(reflect_append_message(m, f), depth + 1);
            continue;
        }
        char buf[128], err[REFLECT_ERR_SIZE];
        const char *text = sample_text(f, buf, sizeof buf);
        if (text != NULL && reflect_set_text(m, f, text, err) != 0)
            fprintf(stderr, "make_corpus: %s\n", err);
    }
}

static void append_u16(struct stream *s, size_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    append(s, b, 2);
}

static void append_packed(struct stream *s, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        exit(1);
    protobuf_c_message_pack(m, buf);
    append(s, buf, len);
    free(buf);
}

/* The descriptor of the rows of a reply: its item's when it is a list. */
static const ProtobufCMessageDescriptor *row_descriptor(const ProtobufCMessageDescriptor *d)
{
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(d, "items");
    if (items != NULL && items->type == PROTOBUF_C_TYPE_MESSAGE &&
        items->label == PROTOBUF_C_LABEL_REPEATED)
        return items->descriptor;
    return d;
}

/* Two rows with one column per field of d that has a text form, in fuzz_op's layout. */
static void append_result(struct stream *s, const ProtobufCMessageDescriptor *d)
{
    uint8_t picks[16];
    const char *texts[16];
    char bufs[16][128];
    size_t cols = 0;
    for (unsigned i = 0; i < d->n_fields && cols < 15; i++) {
        const char *t = sample_text(&d->fields[i], bufs[cols], sizeof bufs[cols]);
        if (t == NULL || d->fields[i].label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        picks[cols] = (uint8_t)i;
        texts[cols++] = t;
    }
    uint8_t head[2] = {2, (uint8_t)cols};
    append(s, head, 2);
    append(s, picks, cols);
    for (int row = 0; row < 2; row++) {
        for (size_t c = 0; c < cols; c++) {
            uint8_t len = (uint8_t)strlen(texts[c]);
            append(s, &len, 1);
            append(s, texts[c], len);
        }
    }
}

static int write_bodies(const char *msg_dir, const char *op_dir)
{
    int rc = 0;
    struct stream s = {NULL, 0};
    const ProtobufCMessageDescriptor *rd = &reno__request__descriptor;
    for (unsigned i = 0; i < rd->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &rd->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        char name[160];
        Reno__Request req = RENO__REQUEST__INIT;
        req.id = 100 + i;
        ProtobufCMessage *body = reflect_new(f->descriptor);
        fill_sample(body, 0);
        req.body_case = (Reno__Request__BodyCase)f->id;
        *(ProtobufCMessage **)((char *)&req + f->offset) = body;

        s.len = 0;
        append(&s, "\x00", 1);
        append_packed(&s, &req.base);
        snprintf(name, sizeof name, "req_%s.bin", f->name);
        rc |= write_file(msg_dir, name, &s);

        const ProtobufCFieldDescriptor *rf =
            protobuf_c_message_descriptor_get_field(&reno__response__descriptor, f->id);
        if (rf != NULL && rf->type == PROTOBUF_C_TYPE_MESSAGE) {
            s.len = 0;
            append_u16(&s, protobuf_c_message_get_packed_size(&req.base));
            append_packed(&s, &req.base);
            append_result(&s, row_descriptor(rf->descriptor));
            snprintf(name, sizeof name, "%s.bin", f->name);
            rc |= write_file(op_dir, name, &s);

            ProtobufCMessage *reply = reflect_new(rf->descriptor);
            fill_sample(reply, 0);
            Reno__Status ok = RENO__STATUS__INIT;
            Reno__Response resp = RENO__RESPONSE__INIT;
            resp.id = req.id;
            resp.status = &ok;
            resp.body_case = (Reno__Response__BodyCase)rf->id;
            *(ProtobufCMessage **)((char *)&resp + rf->offset) = reply;
            Reno__ServerMessage sm = RENO__SERVER_MESSAGE__INIT;
            sm.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
            sm.response = &resp;
            s.len = 0;
            append(&s, "\x01", 1);
            append_packed(&s, &sm.base);
            snprintf(name, sizeof name, "srv_%s.bin", f->name);
            rc |= write_file(msg_dir, name, &s);
            protobuf_c_message_free_unpacked(reply, NULL);
        }
        protobuf_c_message_free_unpacked(body, NULL);
    }

    /* A refusal naming a field, an error event and a shutdown notice. */
    Reno__Status refused = RENO__STATUS__INIT;
    refused.code = RENO__STATUS_CODE__BAD_REQUEST;
    refused.message = "note is not valid UTF-8";
    refused.field = "push_progress.note";
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.id = 9;
    resp.status = &refused;
    Reno__ServerMessage sm = RENO__SERVER_MESSAGE__INIT;
    sm.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
    sm.response = &resp;
    s.len = 0;
    append(&s, "\x01", 1);
    append_packed(&s, &sm.base);
    rc |= write_file(msg_dir, "srv_refused.bin", &s);

    Reno__Event ev = RENO__EVENT__INIT;
    ev.body_case = RENO__EVENT__BODY_ERROR;
    ev.error = &refused;
    Reno__ServerMessage em = RENO__SERVER_MESSAGE__INIT;
    em.kind_case = RENO__SERVER_MESSAGE__KIND_EVENT;
    em.event = &ev;
    s.len = 0;
    append(&s, "\x01", 1);
    append_packed(&s, &em.base);
    rc |= write_file(msg_dir, "srv_error.bin", &s);

    Reno__ShuttingDown down = RENO__SHUTTING_DOWN__INIT;
    down.reason = "server shutting down\033[2J";
    ev.body_case = RENO__EVENT__BODY_SHUTTING_DOWN;
    ev.shutting_down = &down;
    s.len = 0;
    append(&s, "\x01", 1);
    append_packed(&s, &em.base);
    rc |= write_file(msg_dir, "srv_shutdown.bin", &s);

    free(s.bytes);
    return rc;
}

static int make_dir(const char *root, const char *sub, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", root, sub);
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "make_corpus: %s: %s\n", out, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
    char frame_dir[4096], msg_dir[4096], op_dir[4096];
    if (make_dir(root, "frame", frame_dir, sizeof frame_dir) != 0 ||
        make_dir(root, "msg", msg_dir, sizeof msg_dir) != 0 ||
        make_dir(root, "op", op_dir, sizeof op_dir) != 0)
        return 1;
    int rc = write_frames(frame_dir);
    rc |= write_bodies(msg_dir, op_dir);
    return rc == 0 ? 0 : 1;
}
