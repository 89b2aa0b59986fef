/*
 * Generic table-like operations (common/ops.def): one handler for all of them, driven by
 * the protobuf descriptors. A request's fields become the parameters of the SQL function
 * reno_op_<name> in field order, after the account id (and, for writes, the idempotency
 * key and a digest of the request); the function's result columns become the reply's
 * fields by name (for a reply with a repeated `items` field, one item per row).
 *
 * Rules about meaning live in the SQL function, which raises RN403 (no right), RN404
 * (not found), RN409 (key reused) or a constraint violation naming the column; those
 * come back as typed statuses with the field path. The table is built once by op_init().
 */
#ifndef RENO_OP_H
#define RENO_OP_H

#include <stdbool.h>

#include "reno.pb-c.h"

struct call;

enum op_kind { OP_READ, OP_WRITE };

struct op {
    const char *name;
    enum op_kind kind;
    const char *words;
    const char *summary;
    const ProtobufCFieldDescriptor *request; /* the Request field */
    const ProtobufCFieldDescriptor *reply;   /* the Response field of the same number */
    char *sql;                               /* SELECT * FROM reno_op_<name>($1, ...) */
    int nparams;
};

/* Resolves every operation against the descriptors; a mismatch is a build bug: fatal. */
void op_init(void);
void op_done(void);
const struct op *op_find(Reno__Request__BodyCase body);
void h_op(struct call *call);

#endif
