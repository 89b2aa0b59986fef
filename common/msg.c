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
    return msg_pack_frame_max(msg, FRAME_ABSOLUTE_MAX, frame_len);
}

uint8_t *msg_pack_frame_max(const ProtobufCMessage *msg, size_t max, size_t *frame_len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    *frame_len = FRAME_HEADER_SIZE + n;
    if (n > max || n > FRAME_ABSOLUTE_MAX)
        return NULL;
    uint8_t *buf = xmalloc(FRAME_HEADER_SIZE + n);
    frame_put_header(buf, (uint32_t)n);
    size_t packed = protobuf_c_message_pack(msg, buf + FRAME_HEADER_SIZE);
    if (packed != n)
        fatal("protobuf-c packed %zu bytes, expected %zu", packed, n);
    *frame_len = FRAME_HEADER_SIZE + n;
    return buf;
}

/*
 * Drops the fields this version does not know from m and every message inside it. A
 * newer client may send fields we do not know; keeping them would make the request's
 * digest (the idempotency check) depend on them, so that the same retry from a newer
 * client would read as a reused key. A message in a oneof is visited only when it is
 * the member that is set: the others share its storage.
 */
static void strip_unknown(ProtobufCMessage *m, ProtobufCAllocator *a, int depth)
{
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        a->free(a->allocator_data, m->unknown_fields[i].data);
    if (m->unknown_fields)
        a->free(a->allocator_data, m->unknown_fields);
    m->unknown_fields = NULL;
    m->n_unknown_fields = 0;
    if (depth <= 0)
        return; /* deeper than any reno message: protobuf-c's own limit applies */
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((const char *)m + fd->quantifier_offset) != fd->id)
            continue;
        size_t n = reflect_count(m, fd);
        ProtobufCMessage **items = fd->label == PROTOBUF_C_LABEL_REPEATED
                                       ? *(ProtobufCMessage ***)reflect_field(m, fd)
                                       : (ProtobufCMessage **)reflect_field(m, fd);
        for (size_t k = 0; k < n; k++)
            if (items && items[k])
                strip_unknown(items[k], a, depth - 1);
    }
}

Reno__Request *msg_unpack_request(struct msg_budget *b, const uint8_t *data, size_t len)
{
    Reno__Request *req = reno__request__unpack(&b->allocator, len, data);
    if (req)
        strip_unknown(&req->base, &b->allocator, MSG_MAX_DEPTH);
    return req;
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
    memset(&f->why, 0, sizeof f->why);
    return false;
}

void msg_reason_set(struct msg_reason *r, const char *reason, const char *a0, const char *a1,
                    const char *a2)
{
    const char *args[MSG_REASON_ARGS] = {a0, a1, a2};
    memset(r, 0, sizeof *r);
    snprintf(r->reason, sizeof r->reason, "%s", reason);
    for (int i = 0; i < MSG_REASON_ARGS && args[i] != NULL; i++)
        snprintf(r->args[r->nargs++], sizeof r->args[0], "%s", args[i]);
}

/* A fault with its reason: returns false like fault(). */
static bool why(struct msg_fault *f, const char *reason, const char *a0, const char *a1,
                const char *a2)
{
    msg_reason_set(&f->why, reason, a0, a1, a2);
    return false;
}

/* The last component of a field path: "push_progress.note" names "note". */
static const char *leaf(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot != NULL ? dot + 1 : path;
}

/* A DETAIL that names a reason: lower-case letters and '_' only, shorter than the field. A
 * right ("report.issue") has a dot, and "required" keeps its documented arguments. */
static bool is_reason_code(const char *d, size_t size)
{
    size_t len = strlen(d);
    return len > 0 && len < size && strspn(d, "abcdefghijklmnopqrstuvwxyz_") == len &&
           strcmp(d, "required") != 0;
}

/* r's arguments from the lines of hint, at most MSG_REASON_ARGS; longer lines are cut
 * at a character boundary. */
static void reason_args_from_lines(struct msg_reason *r, const char *hint)
{
    const char *p = hint;
    while (p != NULL && *p != '\0' && r->nargs < MSG_REASON_ARGS) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        size_t keep = len < sizeof r->args[0] - 1 ? len : sizeof r->args[0] - 1;
        while (keep > 0 && keep < len && ((unsigned char)p[keep] & 0xc0) == 0x80)
            keep--; /* never half a character */
        memcpy(r->args[r->nargs], p, keep);
        r->args[r->nargs][keep] = '\0';
        r->nargs++;
        p = nl != NULL ? nl + 1 : NULL;
    }
}

void msg_reason_of_db(const char *sqlstate, const char *detail, const char *hint,
                      const char *column, struct msg_reason *r)
{
    const char *col = column != NULL && column[0] != '\0' ? column : NULL;
    const char *d = detail != NULL && detail[0] != '\0' ? detail : NULL;
    const char *h = hint != NULL && hint[0] != '\0' ? hint : NULL;
    memset(r, 0, sizeof *r);
    if (d != NULL && is_reason_code(d, sizeof r->reason)) {
        snprintf(r->reason, sizeof r->reason, "%s", d);
        reason_args_from_lines(r, h);
    } else if (strcmp(sqlstate, "RN403") == 0)
        /* reno_require(): the right in DETAIL, who holds it in HINT. */
        msg_reason_set(r, "not_allowed", d, d != NULL ? h : NULL, NULL);
    else if (strcmp(sqlstate, "RN404") == 0 || strcmp(sqlstate, "23503") == 0)
        msg_reason_set(r, "not_found", col, NULL, NULL);
    else if (strcmp(sqlstate, "RN409") == 0 || strcmp(sqlstate, "23505") == 0)
        msg_reason_set(r, "conflict", col, NULL, NULL);
    else if (col != NULL &&
             (strcmp(sqlstate, "23502") == 0 ||
              (strcmp(sqlstate, "23514") == 0 && d != NULL && strcmp(d, "required") == 0)))
        msg_reason_set(r, "required", col, h, NULL);
    else if (strncmp(sqlstate, "22", 2) == 0 || strcmp(sqlstate, "23514") == 0)
        msg_reason_set(r, "invalid", col, NULL, NULL);
}

/* ---- strings on the wire --------------------------------------------------------------- */

enum wire_type { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LENGTH = 2, WIRE_FIXED32 = 5 };

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            *value = v;
            return true;
        }
    }
    return false;
}

/* One string's bytes: the rules of msg_check_wire(). */
static bool check_wire_string(const uint8_t *s, size_t len, bool name, const char *path,
                              struct msg_fault *f)
{
    if (memchr(s, 0, len) != NULL)
        return fault(f, path, "%s contains a NUL byte", path);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return fault(f, path, "%s is not valid UTF-8", path);
        /* C0 and C1 controls and DEL move terminals and forge log lines; tab and line
         * breaks (LF, and the CR of a CR LF typed on Windows) are the only ones that
         * plain text needs. */
        bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
        if (control && (name || (cp != '\t' && cp != '\n' && cp != '\r')))
            return fault(f, path, "%s contains the control character U+%04X%s", path, (unsigned)cp,
                         name ? " (a name or code is one line of text)" : "");
        i += n;
    }
    return true;
}

static bool scan_message(const uint8_t *p, const uint8_t *end, const ProtobufCMessageDescriptor *d,
                         const char *prefix, int depth, struct msg_fault *f)
{
    if (depth <= 0)
        return fault(f, prefix, "%s: messages nested too deeply", prefix);
    while (p < end) {
        uint64_t tag, value;
        if (!read_varint(&p, end, &tag))
            return fault(f, prefix, "malformed message");
        const ProtobufCFieldDescriptor *fd =
            (tag >> 3) <= UINT32_MAX
                ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
                : NULL;
        switch (tag & 7) {
        case WIRE_VARINT:
            if (!read_varint(&p, end, &value))
                return fault(f, prefix, "malformed message");
            break;
        case WIRE_FIXED64:
        case WIRE_FIXED32: {
            size_t width = (tag & 7) == WIRE_FIXED64 ? 8 : 4;
            if ((size_t)(end - p) < width)
                return fault(f, prefix, "malformed message");
            p += width;
            break;
        }
        case WIRE_LENGTH: {
            if (!read_varint(&p, end, &value) || value > (uint64_t)(end - p))
                return fault(f, prefix, "malformed message");
            size_t len = (size_t)value;
            if (fd && (fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_MESSAGE)) {
                char path[sizeof f->field];
                snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", fd->name);
                bool ok = fd->type == PROTOBUF_C_TYPE_STRING
                              ? check_wire_string(p, len, reflect_is_name_field(fd), path, f)
                              : scan_message(p, p + len, fd->descriptor, path, depth - 1, f);
                if (!ok)
                    return false;
            }
            p += len; /* unknown fields and bytes are not text: skipped */
            break;
        }
        default: /* groups and reserved wire types: protobuf-c refuses them too */
            return fault(f, prefix, "malformed message");
        }
    }
    return true;
}

bool msg_check_wire(const uint8_t *data, size_t len, struct msg_fault *f)
{
    return scan_message(data, data + len, &reno__request__descriptor, "", MSG_MAX_DEPTH + 1, f);
}

/* A text field: valid UTF-8, within max bytes, and non-empty when required. */
static bool check_text(const char *s, size_t max, bool required, const char *field,
                       struct msg_fault *f)
{
    size_t len = s ? strlen(s) : 0;
    if (required && len == 0)
        return fault(f, field, "%s is required", field) ||
               why(f, "required", leaf(field), NULL, NULL);
    if (len > max) {
        char limit[24];
        snprintf(limit, sizeof limit, "%zu", max);
        return fault(f, field, "%s is %zu bytes, at most %zu allowed", field, len, max) ||
               why(f, "too_long", leaf(field), limit, NULL);
    }
    if (len > 0 && !msg_valid_utf8(s, len))
        return fault(f, field, "%s is not valid UTF-8", field);
    return true;
}

static bool check_date(const char *s, bool required, int32_t today, const char *field,
                       struct msg_fault *f, int32_t *out)
{
    if (s == NULL || s[0] == '\0') {
        if (required)
            return fault(f, field, "%s is required (YYYY-MM-DD)", field) ||
                   why(f, "required", leaf(field), "YYYY-MM-DD", NULL);
        return true;
    }
    int32_t days;
    if (strlen(s) > 10 || !date_parse(s, &days))
        return fault(f, field, "%s must be a date YYYY-MM-DD", field) ||
               why(f, "invalid_date", leaf(field), NULL, NULL);
    if (days > today)
        return fault(f, field, "%s is in the future", field) ||
               why(f, "in_future", leaf(field), NULL, NULL);
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
                return fault(f, path, "%s must be a date YYYY-MM-DD", fd->name) ||
                       why(f, "invalid_date", fd->name, NULL, NULL);
            break;
        }
        case PROTOBUF_C_TYPE_ENUM: {
            int v = *(const int *)p;
            if (v != 0 && protobuf_c_enum_descriptor_get_value(fd->descriptor, v) == NULL) {
                /* The allowed values by their names in the .proto, which the client
                 * knows how to label. */
                const ProtobufCEnumDescriptor *e = fd->descriptor;
                char allowed[160] = "", given[16];
                size_t used = 0;
                for (unsigned k = 0; k < e->n_values && used < sizeof allowed; k++)
                    if (e->values[k].value != 0)
                        used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s",
                                                 used ? "," : "", e->values[k].name);
                snprintf(given, sizeof given, "%d", v);
                return fault(f, path, "%s has no value %d", fd->name, v) ||
                       why(f, "invalid_choice", fd->name, allowed, given);
            }
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

/* The paging, order and filters of a GetStatus, or of a Watch's page (`prefix` names
 * which in the field paths). */
static bool check_status_view(const Reno__GetStatus *g, const char *prefix, struct msg_fault *f)
{
    char field[64];
#define FIELD(name) (snprintf(field, sizeof field, "%s.%s", prefix, name), field)
    if (g->page_size < 0 || g->page_size > 1000)
        return fault(f, FIELD("page_size"), "page_size must be 0 (the default) to 1000");
    if (g->page_token != NULL &&
        (strlen(g->page_token) > 9 || strspn(g->page_token, "0123456789") != strlen(g->page_token)))
        return fault(f, FIELD("page_token"),
                     "page_token must be a next_page_token of an earlier reply");
    if (g->sort < RENO__STATUS_SORT__STATUS_SORT_ID ||
        g->sort > RENO__STATUS_SORT__STATUS_SORT_LIGHT)
        return fault(f, FIELD("sort"), "unknown sort order %d", (int)g->sort);
    if (g->light < RENO__LIGHT__LIGHT_UNSPECIFIED || g->light > RENO__LIGHT__LIGHT_RED)
        return fault(f, FIELD("light"), "unknown light %d", (int)g->light);
    if (g->search != NULL && strlen(g->search) > 200)
        return fault(f, FIELD("search"), "search is at most 200 bytes");
    if (g->project_id < 0)
        return fault(f, FIELD("project_id"), "project_id must not be negative");
    if (g->rhythm_periods < 0 || g->rhythm_periods > 500)
        return fault(f, FIELD("rhythm_periods"),
                     "rhythm_periods must be 0 (the default, 3) to 500");
    if (g->form != RENO__STATUS_FORM__STATUS_FORM_FULL &&
        g->form != RENO__STATUS_FORM__STATUS_FORM_COMPACT)
        return fault(f, FIELD("form"), "unknown form %d", (int)g->form);
    if (g->min_position < 0)
        return fault(f, FIELD("min_position"), "min_position must not be negative");
#undef FIELD
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
        return true;
    case RENO__REQUEST__BODY_WATCH: {
        /* A watch is of today's status: a page of it, or the whole. */
        const Reno__GetStatus *g = req->watch->page;
        if (g == NULL)
            return true;
        if (g->as_of != NULL && g->as_of[0] != '\0')
            return fault(f, "watch.page.as_of", "a watch is of today's status: leave as_of empty");
        return check_status_view(g, "watch.page", f);
    }
    case RENO__REQUEST__BODY_PUSH_PROGRESS:
        return check_push_progress(req->push_progress, today, f);
    case RENO__REQUEST__BODY_GET_STATUS: {
        const Reno__GetStatus *g = req->get_status;
        if (!check_status_view(g, "get_status", f))
            return false;
        const char *as_of = g->as_of;
        /* A position orders today's in-memory status; a past date is computed on demand. */
        if (g->min_position > 0 && as_of != NULL && as_of[0] != '\0')
            return fault(f, "get_status.min_position",
                         "min_position is for today's status: leave as_of empty");
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

void msg_constraint_fault(const char *sqlstate, const char *table, const char *constraint,
                          char *column, size_t column_size, char *message, size_t message_size)
{
    static const char *const suffixes[] = {"_check", "_not_null", "_key", "_fkey"};
    column[0] = '\0';
    size_t tlen = table ? strlen(table) : 0;
    size_t clen = constraint ? strlen(constraint) : 0;
    if (tlen > 0 && clen > tlen + 1 && strncmp(constraint, table, tlen) == 0 &&
        constraint[tlen] == '_') {
        const char *rest = constraint + tlen + 1;
        size_t rlen = clen - tlen - 1;
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            size_t slen = strlen(suffixes[i]);
            /* A multi-column key (person_programme_id_name_key) names no one field. */
            if (rlen > slen && strcmp(rest + rlen - slen, suffixes[i]) == 0 &&
                rlen - slen < column_size && strcmp(suffixes[i], "_key") != 0) {
                memcpy(column, rest, rlen - slen);
                column[rlen - slen] = '\0';
                break;
            }
        }
    }
    const char *what = column[0] ? column : "a value";
    if (strcmp(sqlstate, "23505") == 0)
        snprintf(message, message_size, "this already exists");
    else if (strcmp(sqlstate, "23503") == 0)
        snprintf(message, message_size, "%s refers to something that does not exist", what);
    else if (strcmp(sqlstate, "23502") == 0)
        snprintf(message, message_size, "%s is required", what);
    else
        snprintf(message, message_size, "%s is not allowed: check its form and range", what);
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
