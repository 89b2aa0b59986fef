/*
 * Generic table-like operations (common/ops.def): the table of them and the mapping,
 * driven by the protobuf descriptors, between a request and the SQL function that
 * carries it out. A request's fields become the parameters of reno_op_<name> in field
 * order, after the account id (and, for writes, the idempotency key and a digest of the
 * request); the function's result columns become the reply's fields by name (for a reply
 * with a repeated `items` field, one item per row). The handler that sends the query
 * through the pool and answers is h_op() (server/h_op.c).
 *
 * This module knows nothing of connections, calls or the pool: it only turns messages
 * into parameter texts and results into messages, so that a test or a fuzz target can
 * drive the whole mapping with results built in memory (PQmakeEmptyPGresult) instead of
 * a database.
 *
 * Rules about meaning live in the SQL function, which raises RN403 (no right), RN404
 * (not found), RN409 (key reused) or a constraint violation naming the column; those
 * come back as typed statuses with the field path. The table is built once by op_init().
 *
 * Ownership: op_params() fills an array of xmalloc'd strings freed with op_params_free();
 * op_reply_new() returns a message freed with protobuf_c_message_free_unpacked(m, NULL).
 * The PGresult stays the caller's.
 */
#ifndef RENO_OP_H
#define RENO_OP_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "reno.pb-c.h"

/* The most parameters a reno_op_* function takes (db.h's DB_MAX_PARAMS is not lower). */
#define OP_MAX_PARAMS 20

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
    bool list; /* a read answered with a repeated `items`: at most OP_MAX_ROWS of them */
};

/* The most rows a list operation answers with; a list that would be longer is refused
 * RESOURCE_EXHAUSTED (its SQL reads one row more to know). Lists that can grow without
 * end (the audit log) page below this with a limit and an after_id cursor. */
#define OP_MAX_ROWS          5000
#define OP_MAX_ROWS_PLUS_ONE 5001

/* The text of a request digest: "\\x" and 64 hex digits, PostgreSQL's bytea input. */
#define OP_DIGEST_TEXT (2 + 64 + 1)

/*
 * The digest that tells a retry (same content, same key) from a reused key (other
 * content): BLAKE2b-256 of the request body packed again from its parsed form. Packing
 * is canonical: protobuf-c writes the known fields in field-number order, each at most
 * once and without defaults, and msg_unpack_request() has dropped unknown fields, so the
 * digest depends on what the request means, not on how a client encoded it. Used by
 * every write (generic operations, PushProgress, IssueReport).
 */
void op_digest(const ProtobufCMessage *body, char out[OP_DIGEST_TEXT]);

/* Resolves every operation against the descriptors; a mismatch is a build bug: fatal. */
void op_init(void);
void op_done(void);
const struct op *op_find(Reno__Request__BodyCase body);

/* The body of req that op serves (req's body case must be op's). */
const ProtobufCMessage *op_request_body(const struct op *op, const Reno__Request *req);

/*
 * The parameters of reno_op_<name> for `body`, sent by account `account_id`, as text:
 * op->nparams entries, each xmalloc'd, or NULL for SQL NULL (an enum left at 0). Returns
 * op->nparams.
 */
int op_params(const struct op *op, const ProtobufCMessage *body, int64_t account_id,
              char *params[OP_MAX_PARAMS]);
void op_params_free(char *params[], int n);

/*
 * The reply body built from the function's result, or NULL when a write's function
 * returned no row (a schema bug, answered INTERNAL).
 */
ProtobufCMessage *op_reply_new(const struct op *op, const PGresult *res);

/* Sets reply as resp's body for op; resp does not own it. */
void op_set_reply(const struct op *op, Reno__Response *resp, ProtobufCMessage *reply);

void h_op(struct call *call);

#endif
