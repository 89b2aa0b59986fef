/*
 * Protocol messages. See msg.h.
 *
 * The budgeted allocator prefixes each block with its size so that frees can be credited
 * back; protobuf-c asks for many small blocks, so the prefix is kept to one max_align_t.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "frame.h"
#include "hex.h"
#include "log.h"
#include "reflect.h"
#include "utf8.h"
#include "xmalloc.h"

#define BUDGET_PREFIX sizeof(max_align_t)

static void *budget_alloc(void *data, size_t size)
{
    struct msg_budget *b = data;
    if (size > b->limit || b->used > b->limit - size)
        return NULL;
    unsigned char *p = malloc(BUDGET_PREFIX + size);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    b->used += size;
    return p + BUDGET_PREFIX;
}

static void budget_free(void *data, void *ptr)
{
    struct msg_budget *b = data;
    if (ptr == NULL)
        return;
    unsigned char *p = (unsigned char *)ptr - BUDGET_PREFIX;
    size_t size;
    memcpy(&size, p, sizeof size);
    b->used -= size;
    free(p);
}

void msg_budget_init(struct msg_budget *b, size_t limit)
{
    b->allocator.alloc = budget_alloc;
    b->allocator.free = budget_free;
    b->allocator.allocator_data = b;
    b->used = 0;
    b->limit = limit;
}

uint8_t *msg_pack_frame(const ProtobufCMessage *msg, size_t *frame_len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (n > FRAME_ABSOLUTE_MAX)
        fatal("refusing to pack a %zu-byte message", n);
    uint8_t *buf = xmalloc(FRAME_HEADER_SIZE + n);
    frame_put_header(buf, (uint32_t)n);
    size_t packed = protobuf_c_message_pack(msg, buf + FRAME_HEADER_SIZE);
    if (packed != n)
        fatal("protobuf-c packed %zu bytes, expected %zu", packed, n);
    *frame_len = FRAME_HEADER_SIZE + n;
    return buf;
}

Reno__Request *msg_unpack_request(struct msg_budget *b, const uint8_t *data, size_t len)
{
    return reno__request__unpack(&b->allocator, len, data);
}

void msg_free_request(struct msg_budget *b, Reno__Request *req)
{
    if (req != NULL)
        reno__request__free_unpacked(req, &b->allocator);
}

Reno__ServerMessage *msg_unpack_server(struct msg_budget *b, const uint8_t *data, size_t len)
{
    return reno__server_message__unpack(&b->allocator, len, data);
}

void msg_free_server(struct msg_budget *b, Reno__ServerMessage *m)
{
    if (m != NULL)
        reno__server_message__free_unpacked(m, &b->allocator);
}

bool msg_valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0 || cp == 0)
            return false;
        i += n;
    }
    return true;
}

static bool fault(struct msg_fault *f, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fault(struct msg_fault *f, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    f->code = RENO__STATUS_CODE__BAD_REQUEST;
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    snprintf(f->field, sizeof f->field, "%s", field);
    return false;
}

/* A text field: valid UTF-8, within max bytes, and non-empty when required. */
static bool check_text(const char *s, size_t max, bool required, const char *field,
                       struct msg_fault *f)
{
    size_t len = s ? strlen(s) : 0;
    if (required && len == 0)
        return fault(f, field, "%s is required", field);
    if (len > max)
        return fault(f, field, "%s is %zu bytes, at most %zu allowed", field, len, max);
    if (len > 0 && !msg_valid_utf8(s, len))
        return fault(f, field, "%s is not valid UTF-8", field);
    return true;
}

static bool check_date(const char *s, bool required, int32_t today, const char *field,
                       struct msg_fault *f, int32_t *out)
{
    if (s == NULL || s[0] == '\0') {
        if (required)
            return fault(f, field, "%s is required (YYYY-MM-DD)", field);
        return true;
    }
    int32_t days;
    if (strlen(s) > 10 || !date_parse(s, &days))
        return fault(f, field, "%s must be a date YYYY-MM-DD", field);
    if (days > today)
        return fault(f, field, "%s is in the future", field);
    if (out)
        *out = days;
    return true;
}

static bool check_push_progress(const Reno__PushProgress *p, int32_t today, struct msg_fault *f)
{
    if (p->idempotency_key.len != MSG_IDEMPOTENCY_KEY_BYTES)
        return fault(f, "push_progress.idempotency_key",
                     "idempotency_key must be %d bytes, got %zu", MSG_IDEMPOTENCY_KEY_BYTES,
                     p->idempotency_key.len);
    if (p->project_id <= 0)
        return fault(f, "push_progress.project_id", "project_id must be positive");
    if (!check_date(p->report_date, true, today, "push_progress.report_date", f, NULL))
        return false;
    if (p->households_started < 0 || p->households_started > MSG_MAX_HOUSEHOLDS)
        return fault(f, "push_progress.households_started",
                     "households_started must be between 0 and %d", MSG_MAX_HOUSEHOLDS);
    if (p->households_completed < 0 || p->households_completed > MSG_MAX_HOUSEHOLDS)
        return fault(f, "push_progress.households_completed",
                     "households_completed must be between 0 and %d", MSG_MAX_HOUSEHOLDS);
    if (p->households_completed > p->households_started)
        return fault(f, "push_progress.households_completed",
                     "households_completed (%d) exceeds households_started (%d)",
                     p->households_completed, p->households_started);
    return check_text(p->note, MSG_MAX_NOTE, false, "push_progress.note", f);
}

/*
 * The checks every table-like operation gets from its descriptor alone: text is UTF-8
 * and bounded, dates parse, enum values exist, repeated fields are bounded, and an
 * idempotency key has 16 bytes. Rules about meaning (ranges, who, what exists) are the
 * database's, which names the field when it refuses.
 */
static bool check_generic(const Reno__Request *req, struct msg_fault *f)
{
    const ProtobufCFieldDescriptor *body =
        protobuf_c_message_descriptor_get_field(&reno__request__descriptor, req->body_case);
    if (body == NULL || body->type != PROTOBUF_C_TYPE_MESSAGE)
        return fault(f, "body", "request has no known body");
    const ProtobufCMessage *m = *(ProtobufCMessage *const *)((const char *)req + body->offset);
    const ProtobufCMessageDescriptor *d = body->descriptor;
    if (m == NULL)
        return fault(f, body->name, "%s has no content", body->name);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        char path[96];
        snprintf(path, sizeof path, "%s.%s", body->name, fd->name);
        const void *p = reflect_field(m, fd);
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = reflect_count(m, fd);
            if (n > MSG_MAX_ITEMS)
                return fault(f, path, "%s has %zu entries, at most %d allowed", fd->name, n,
                             MSG_MAX_ITEMS);
            if (fd->type == PROTOBUF_C_TYPE_STRING)
                for (size_t k = 0; k < n; k++)
                    if (!check_text((*(char *const *const *)p)[k], MSG_MAX_TEXT, false, path, f))
                        return false;
            continue;
        }
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *)p;
            if (!check_text(s, MSG_MAX_TEXT, false, path, f))
                return false;
            int32_t days;
            if (reflect_is_date_field(fd) && s && s[0] && (strlen(s) > 10 || !date_parse(s, &days)))
                return fault(f, path, "%s must be a date YYYY-MM-DD", fd->name);
            break;
        }
        case PROTOBUF_C_TYPE_ENUM: {
            int v = *(const int *)p;
            if (v != 0 && protobuf_c_enum_descriptor_get_value(fd->descriptor, v) == NULL)
                return fault(f, path, "%s has no value %d", fd->name, v);
            break;
        }
        case PROTOBUF_C_TYPE_BYTES:
            if (strcmp(fd->name, "idempotency_key") == 0 &&
                ((const ProtobufCBinaryData *)p)->len != MSG_IDEMPOTENCY_KEY_BYTES)
                return fault(f, path, "idempotency_key must be %d bytes, got %zu",
                             MSG_IDEMPOTENCY_KEY_BYTES, ((const ProtobufCBinaryData *)p)->len);
            break;
        case PROTOBUF_C_TYPE_DOUBLE: {
            double v = *(const double *)p;
            if (v != v || v > 1e15 || v < -1e15)
                return fault(f, path, "%s is not a finite amount", fd->name);
            break;
        }
        default:
            break;
        }
    }
    return true;
}

bool msg_check_request(const Reno__Request *req, int32_t today, struct msg_fault *f)
{
    switch (req->body_case) {
    case RENO__REQUEST__BODY_HELLO:
        if (req->hello->protocol_version != RENO_PROTOCOL_VERSION)
            return fault(f, "hello.protocol_version",
                         "protocol version %u is not supported (%d is)",
                         req->hello->protocol_version, RENO_PROTOCOL_VERSION);
        return check_text(req->hello->client_name, MSG_MAX_CLIENT_NAME, false, "hello.client_name",
                          f);
    case RENO__REQUEST__BODY_LOGIN:
        return check_text(req->login->username, MSG_MAX_USERNAME, true, "login.username", f) &&
               check_text(req->login->password, MSG_MAX_PASSWORD, true, "login.password", f);
    case RENO__REQUEST__BODY_RESUME: {
        uint8_t raw[MSG_TOKEN_BYTES];
        const char *t = req->resume->token;
        if (t == NULL || strlen(t) != MSG_TOKEN_HEX || !hex_decode(t, raw, sizeof raw))
            return fault(f, "resume.token", "token must be %d hex characters", MSG_TOKEN_HEX);
        return true;
    }
    case RENO__REQUEST__BODY_LOGOUT:
    case RENO__REQUEST__BODY_PING:
    case RENO__REQUEST__BODY_WATCH:
        return true;
    case RENO__REQUEST__BODY_PUSH_PROGRESS:
        return check_push_progress(req->push_progress, today, f);
    case RENO__REQUEST__BODY_GET_STATUS: {
        const char *as_of = req->get_status->as_of;
        if (as_of == NULL || as_of[0] == '\0')
            return true;
        int32_t days;
        if (strlen(as_of) > 10 || !date_parse(as_of, &days))
            return fault(f, "get_status.as_of", "as_of must be a date YYYY-MM-DD");
        /* The future is not known yet: judged with today's data, a rule due before that
         * date would read as missed. */
        if (days > today)
            return fault(f, "get_status.as_of", "as_of is in the future");
        return true;
    }
    case RENO__REQUEST__BODY__NOT_SET:
        return fault(f, "body", "request has no known body");
    default:
        return check_generic(req, f);
    }
}

const char *msg_status_name(Reno__StatusCode code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&reno__status_code__descriptor, (int)code);
    return v ? v->name : "UNKNOWN";
}

const char *msg_request_name(Reno__Request__BodyCase body)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&reno__request__descriptor, (unsigned)body);
    return fd ? fd->name : "none";
}
