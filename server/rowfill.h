/*
 * Database rows into protobuf messages, by name: a result column fills the field of the
 * same name (common/reflect.c turns its text into the field's type). Columns without a
 * field, NULL values and message-typed fields are left alone; a value that does not fit
 * its field is logged and skipped, since it is a schema bug, not a peer's fault. This is
 * what lets a SQL function define a reply (server/op.c) or a status section
 * (server/status.c) without C code per column.
 *
 * Ownership: values are allocated as reflect.h says, so the message is freed with
 * protobuf_c_message_free_unpacked(m, NULL). The PGresult stays the caller's.
 */
#ifndef RENO_ROWFILL_H
#define RENO_ROWFILL_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

/* Fills m's fields from row `row` of res. */
void rowfill_message(ProtobufCMessage *m, const PGresult *res, int row);

/*
 * Fills message field f of m from every row: a repeated field gets one new element per
 * row; a singular one is created from the first row, and stays unset when there is none.
 */
void rowfill_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const PGresult *res);

#endif
