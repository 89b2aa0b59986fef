/*
 * The protobuf wire format read field by field (varint, fixed, length-delimited; groups,
 * which reno never sends, are malformed here), and the check of a GetStatus or Ping reply
 * against it (wire_check.h).
 */
#include "wire_check.h"

#include <string.h>

#include "reno.pb-c.h"

/* One field as the wire format has it: its number, its wire type, and its value (a varint)
 * or its bytes (length-delimited). */
struct wire_field {
    uint32_t number;
    unsigned type;
    uint64_t value;
    const uint8_t *data;
    size_t len;
};

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2, WIRE_FIXED32 = 5 };

static bool wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *v = x;
            return true;
        }
    }
    return false;
}

/* The next field of the message in [*p, end): 1, 0 at its end, -1 when malformed. */
static int wire_next(const uint8_t **p, const uint8_t *end, struct wire_field *f)
{
    if (*p == end)
        return 0;
    uint64_t key;
    if (!wire_varint(p, end, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    f->number = (uint32_t)(key >> 3);
    f->type = (unsigned)(key & 7);
    f->data = NULL;
    f->len = 0;
    f->value = 0;
    switch (f->type) {
    case WIRE_VARINT:
        return wire_varint(p, end, &f->value) ? 1 : -1;
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
        size_t n = f->type == WIRE_FIXED64 ? 8 : 4;
        if ((size_t)(end - *p) < n)
            return -1;
        *p += n;
        return 1;
    }
    case WIRE_BYTES: {
        uint64_t n;
        if (!wire_varint(p, end, &n) || n > (uint64_t)(end - *p))
            return -1;
        f->data = *p;
        f->len = (size_t)n;
        *p += n;
        return 1;
    }
    default:
        return -1;
    }
}

/* The numbers of the fields the check reads, from the generated descriptors. */
static struct {
    bool ready;
    uint32_t response, id, status, code, status_reply, pong, as_of, position, projects, nonce, form;
} num;

static uint32_t field_number(const ProtobufCMessageDescriptor *md, const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(md, name);
    return f != NULL ? f->id : 0; /* 0 is no field number: nothing on the wire matches it */
}

static void numbers_read(void)
{
    if (num.ready)
        return;
    num.response = field_number(&reno__server_message__descriptor, "response");
    num.id = field_number(&reno__response__descriptor, "id");
    num.status = field_number(&reno__response__descriptor, "status");
    num.code = field_number(&reno__status__descriptor, "code");
    num.status_reply = field_number(&reno__response__descriptor, "status_reply");
    num.pong = field_number(&reno__response__descriptor, "pong");
    num.as_of = field_number(&reno__status_reply__descriptor, "as_of");
    num.position = field_number(&reno__status_reply__descriptor, "position");
    num.projects = field_number(&reno__status_reply__descriptor, "projects");
    num.form = field_number(&reno__status_reply__descriptor, "form");
    num.nonce = field_number(&reno__pong__descriptor, "nonce");
    num.ready = true;
}

/* A StatusReply's fields: right when as of `as_of`, at `position`, in `form`, with
 * projects. */
static bool status_right(const uint8_t *p, const uint8_t *end, const struct wire_want *want)
{
    struct wire_field f;
    bool dated = false;
    uint64_t at = 0, form = 0;
    size_t projects = 0;
    int got;
    while ((got = wire_next(&p, end, &f)) > 0) {
        if (f.number == num.as_of && f.type == WIRE_BYTES)
            dated = f.len == strlen(want->as_of) && memcmp(f.data, want->as_of, f.len) == 0;
        else if (f.number == num.position && f.type == WIRE_VARINT)
            at = f.value;
        else if (f.number == num.projects && f.type == WIRE_BYTES)
            projects++;
        else if (f.number == num.form && f.type == WIRE_VARINT)
            form = f.value;
    }
    return got == 0 && dated && (int64_t)at == want->position && form == (uint64_t)want->form &&
           projects > 0;
}

/* A Status's code: right when it is OK (0, which the wire may also leave out). */
static bool status_ok(const uint8_t *p, const uint8_t *end)
{
    struct wire_field s;
    int got;
    while ((got = wire_next(&p, end, &s)) > 0)
        if (s.number == num.code && (s.type != WIRE_VARINT || s.value != RENO__STATUS_CODE__OK))
            return false;
    return got == 0;
}

bool wire_check_reply(const uint8_t *payload, size_t len, const struct wire_want *want,
                      struct wire_reply *out)
{
    numbers_read();
    const uint8_t *p = payload, *end = payload + len;
    struct wire_field f;
    /* ServerMessage: exactly one field, the response. */
    if (wire_next(&p, end, &f) != 1 || f.number != num.response || f.type != WIRE_BYTES || p != end)
        return false;
    p = f.data;
    end = f.data + f.len;
    uint32_t wanted = want->body == WIRE_STATUS ? num.status_reply : num.pong;
    uint64_t id = 0;
    struct wire_field body = {0, 0, 0, NULL, 0};
    bool have_body = false;
    int got;
    while ((got = wire_next(&p, end, &f)) > 0) {
        if (f.number == num.id && f.type == WIRE_VARINT) {
            id = f.value;
        } else if (f.number == num.status && f.type == WIRE_BYTES) {
            if (!status_ok(f.data, f.data + f.len))
                return false;
        } else if (f.number == wanted && f.type == WIRE_BYTES && !have_body) {
            body = f;
            have_body = true;
        } else {
            return false; /* another body, or a field a right reply does not have */
        }
    }
    if (got < 0 || !have_body || id == 0)
        return false;
    uint64_t nonce = 0;
    if (want->body == WIRE_STATUS) {
        if (!status_right(body.data, body.data + body.len, want))
            return false;
    } else {
        p = body.data;
        end = body.data + body.len;
        while ((got = wire_next(&p, end, &f)) > 0)
            if (f.number == num.nonce && f.type == WIRE_VARINT)
                nonce = f.value;
        if (got < 0)
            return false;
    }
    out->id = id;
    out->nonce = nonce;
    return true;
}
