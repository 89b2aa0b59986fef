/*
 * String probes through the descriptors. See probe.h.
 */
#include "probe.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "reflect.h"

static size_t walk(const ProtobufCMessageDescriptor *d, struct probe *p, probe_fn fn, void *arg)
{
    size_t count = 0;
    char prefix[PROBE_PATH_SIZE];
    snprintf(prefix, sizeof prefix, "%s", p->path);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && p->depth + 1 >= PROBE_MAX_DEPTH)
            continue;
        p->chain[p->depth++] = f;
        snprintf(p->path, sizeof p->path, "%s%s%s", prefix, prefix[0] ? "." : "", f->name);
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            fn(p, arg);
            count++;
        } else {
            count += walk(f->descriptor, p, fn, arg);
        }
        p->depth--;
    }
    snprintf(p->path, sizeof p->path, "%s", prefix);
    return count;
}

size_t probe_each_string(probe_fn fn, void *arg)
{
    struct probe p = {.depth = 0};
    size_t count = 0;
    const ProtobufCMessageDescriptor *d = &reno__request__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        p.chain[0] = f;
        p.depth = 1;
        snprintf(p.path, sizeof p.path, "%s", f->name);
        count += walk(f->descriptor, &p, fn, arg);
    }
    return count;
}

/* Sets the string at the end of chain in m, creating the messages on the way. */
static void fill(ProtobufCMessage *m, const ProtobufCFieldDescriptor *const *chain, size_t depth,
                 const char *text)
{
    const ProtobufCFieldDescriptor *f = chain[0];
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
    if (depth == 1) {
        char err[REFLECT_ERR_SIZE];
        ck_assert_msg(reflect_set_text(m, f, text, err) == 0, "%s", err);
        return;
    }
    ProtobufCMessage *sub;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        sub = reflect_append_message(m, f);
    } else {
        sub = reflect_new(f->descriptor);
        *(ProtobufCMessage **)reflect_field(m, f) = sub;
    }
    fill(sub, chain + 1, depth - 1, text);
}

uint8_t *probe_frame(const struct probe *p, uint64_t id, uint8_t byte, size_t *len)
{
    static const char marker[] = "probe#probe";
    ProtobufCMessage *req = reflect_new(&reno__request__descriptor);
    ((Reno__Request *)req)->id = id;
    fill(req, p->chain, p->depth, marker);
    uint8_t *frame = msg_pack_frame(req, len);
    protobuf_c_message_free_unpacked(req, NULL);
    uint8_t *at = memmem(frame, *len, marker, sizeof marker - 1);
    ck_assert_ptr_nonnull(at);
    at[5] = byte; /* the same length, so every length prefix stays right */
    return frame;
}
