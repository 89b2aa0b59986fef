/*
 * Replies rendered as the client renders them. See fuzz_render.h.
 *
 * The walk follows client/cmd_op.c (json_message, print_read) rather than calling it,
 * because those functions are private to the `reno` program; what they call (reflect,
 * output, table) is the same code.
 */
#include "fuzz_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "output.h"
#include "reflect.h"
#include "table.h"
#include "xmalloc.h"

/* The depth past which a nested reply is not followed; replies nest two or three deep. */
#define RENDER_MAX_DEPTH 8

static FILE *sink(void)
{
    static FILE *devnull;
    if (devnull == NULL) {
        devnull = fopen("/dev/null", "w");
        if (devnull == NULL)
            abort();
    }
    return devnull;
}

static void json_message(struct output_json *j, const char *key, const ProtobufCMessage *m,
                         int depth)
{
    output_json_object(j, key);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields && depth < RENDER_MAX_DEPTH; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = reflect_field(m, f);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                output_json_array(j, f->name);
                for (size_t k = 0; k < reflect_count(m, f); k++)
                    json_message(j, NULL, (*(ProtobufCMessage *const *const *)p)[k], depth + 1);
                output_json_end(j);
                continue;
            }
            /* A oneof member's storage is shared: follow it only when it is the one set. */
            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
                continue;
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
            if (sub != NULL)
                json_message(j, f->name, sub, depth + 1);
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF &&
            *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
            continue;
        switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
            if (f->label != PROTOBUF_C_LABEL_REPEATED)
                output_json_int(j, f->name, *(const int32_t *)p);
            break;
        case PROTOBUF_C_TYPE_INT64:
            if (f->label != PROTOBUF_C_LABEL_REPEATED)
                output_json_int(j, f->name, *(const int64_t *)p);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            if (f->label != PROTOBUF_C_LABEL_REPEATED)
                output_json_bool(j, f->name, *(const protobuf_c_boolean *)p);
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            if (f->label != PROTOBUF_C_LABEL_REPEATED)
                output_json_double(j, f->name, *(const double *)p);
            break;
        default: {
            char *t = reflect_get_text(m, f);
            output_json_string(j, f->name, t ? t : "");
            free(t);
        }
        }
    }
    output_json_end(j);
}

/* The table `reno <list operation>` prints: one column per field of an item. */
static void table_of_items(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *items)
{
    const ProtobufCMessageDescriptor *d = items->descriptor;
    if (d->n_fields == 0)
        return;
    const char **headers = xcalloc(d->n_fields, sizeof *headers);
    for (unsigned i = 0; i < d->n_fields; i++)
        headers[i] = d->fields[i].name;
    struct table *t = table_new(d->n_fields, headers);
    size_t n = reflect_count(m, items);
    ProtobufCMessage *const *rows = *(ProtobufCMessage *const *const *)reflect_field(m, items);
    char **cells = xcalloc(d->n_fields, sizeof *cells);
    for (size_t r = 0; r < n; r++) {
        for (unsigned i = 0; i < d->n_fields; i++) {
            char *v = reflect_get_text(rows[r], &d->fields[i]);
            cells[i] = v ? v : xstrdup("");
        }
        table_add_row(t, (const char *const *)cells);
        for (unsigned i = 0; i < d->n_fields; i++)
            free(cells[i]);
    }
    table_print(t, sink());
    table_free(t);
    free(cells);
    free(headers);
}

void fuzz_render_message(const ProtobufCMessage *m)
{
    struct output_json j;
    output_json_init(&j, sink());
    json_message(&j, NULL, m, 0);
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "items");
    if (items != NULL && items->type == PROTOBUF_C_TYPE_MESSAGE &&
        items->label == PROTOBUF_C_LABEL_REPEATED) {
        table_of_items(m, items);
    } else {
        for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
            char *t = reflect_get_text(m, &m->descriptor->fields[i]);
            output_line(sink(), "%s: %s", m->descriptor->fields[i].name, t ? t : "");
            free(t);
        }
    }
}

static void render_status(const Reno__Status *st)
{
    if (st == NULL)
        return;
    output_line(sink(), "%s: %s (field %s)", msg_status_name(st->code),
                st->message ? st->message : "", st->field ? st->field : "");
}

void fuzz_render_server_message(const Reno__ServerMessage *m)
{
    fuzz_render_message(&m->base);
    if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE) {
        const Reno__Response *r = m->response;
        render_status(r->status);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(&reno__response__descriptor, r->body_case);
        if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *body =
                *(ProtobufCMessage *const *)((const char *)r + f->offset);
            if (body != NULL)
                fuzz_render_message(body);
        }
    } else if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT) {
        const Reno__Event *ev = m->event;
        if (ev->body_case == RENO__EVENT__BODY_ERROR)
            render_status(ev->error);
        if (ev->body_case == RENO__EVENT__BODY_SHUTTING_DOWN)
            output_safe_text(sink(), ev->shutting_down->reason ? ev->shutting_down->reason : "");
    }
}
