/*
 * Rows into messages by column name. See rowfill.h.
 */
#include "rowfill.h"

#include "log.h"
#include "reflect.h"

void rowfill_message(ProtobufCMessage *m, const PGresult *res, int row)
{
    char err[REFLECT_ERR_SIZE];
    for (int col = 0; col < PQnfields(res); col++) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, PQfname(res, col));
        if (f == NULL || PQgetisnull(res, row, col) || f->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (reflect_set_text(m, f, PQgetvalue(res, row, col), err) != 0)
            log_warn("column %s does not fit its field: %s", PQfname(res, col), err);
    }
}

void rowfill_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const PGresult *res)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
        fatal("rowfill_field on %s, which is not a message field", f->name);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        for (int row = 0; row < PQntuples(res); row++)
            rowfill_message(reflect_append_message(m, f), res, row);
        return;
    }
    if (PQntuples(res) == 0)
        return;
    ProtobufCMessage **slot = reflect_field(m, f);
    if (*slot == NULL)
        *slot = reflect_new(f->descriptor);
    rowfill_message(*slot, res, 0);
}
