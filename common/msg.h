/*
 * Protocol messages: packing a message into a frame, unpacking untrusted bytes within a
 * memory budget, and the checks every request field must pass before a handler sees it.
 * Shared by renod and reno; no sockets, no database.
 *
 * Ownership: msg_pack_frame() returns a heap buffer the caller frees. A message unpacked
 * with msg_unpack_request() is freed with msg_free_request() using the same struct
 * msg_budget, which must stay alive (and in place) until then.
 */
#ifndef RENO_MSG_H
#define RENO_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reno.pb-c.h"

#define RENO_PROTOCOL_VERSION 1

/* Limits on fields, checked by msg_check_request(). */
#define MSG_MAX_CLIENT_NAME       64
#define MSG_MAX_USERNAME          64
#define MSG_MAX_PASSWORD          256
#define MSG_TOKEN_BYTES           32
#define MSG_TOKEN_HEX             (2 * MSG_TOKEN_BYTES)
#define MSG_IDEMPOTENCY_KEY_BYTES 16
#define MSG_MAX_NOTE              2000
#define MSG_MAX_HOUSEHOLDS        1000000
#define MSG_MAX_TEXT              4000 /* any other text field, in bytes */
#define MSG_MAX_ITEMS             200  /* entries of a repeated field in a request */
#define MSG_MAX_DEPTH             16   /* messages inside messages in a request */

/*
 * A protobuf-c allocator with a ceiling: unpacking a hostile frame cannot make the process
 * allocate more than `limit` bytes for it, whatever its repeated fields claim.
 */
struct msg_budget {
    ProtobufCAllocator allocator;
    size_t used;
    size_t limit;
};

void msg_budget_init(struct msg_budget *b, size_t limit);

/* Packs msg into a new buffer holding the 4-byte header and the message; NULL (nothing
 * allocated) when the message is over `max` bytes. Never aborts: how large a reply is
 * depends on what the peer asked for, so an oversized one is the caller's typed error. */
uint8_t *msg_pack_frame_max(const ProtobufCMessage *msg, size_t max, size_t *frame_len)
    __attribute__((warn_unused_result));
/* The same within FRAME_ABSOLUTE_MAX. */
uint8_t *msg_pack_frame(const ProtobufCMessage *msg, size_t *frame_len);

/* NULL when the bytes are not a Request or the budget is exceeded. Fields this version
 * does not know are dropped, so the request holds (and packs to) its known fields only. */
Reno__Request *msg_unpack_request(struct msg_budget *b, const uint8_t *data, size_t len);
void msg_free_request(struct msg_budget *b, Reno__Request *req);
Reno__ServerMessage *msg_unpack_server(struct msg_budget *b, const uint8_t *data, size_t len);
void msg_free_server(struct msg_budget *b, Reno__ServerMessage *m);

/* Why a request was refused, as a stable code (Status.reason) and its arguments
 * (Status.args), so that the client can say it in its own language; "" when none fits. */
#define MSG_REASON_ARGS 4
struct msg_reason {
    char reason[24];
    char args[MSG_REASON_ARGS][160];
    int nargs;
};

/* A field-level failure: the status code to send, a message and the field path. */
struct msg_fault {
    Reno__StatusCode code;
    char message[256];
    char field[96];
    struct msg_reason why;
};

/* Sets r to reason with up to three arguments (NULL ends them early). */
void msg_reason_set(struct msg_reason *r, const char *reason, const char *a0, const char *a1,
                    const char *a2);

/*
 * The reason of a refusal PostgreSQL raised, from its SQLSTATE and the facts the RAISE
 * gave apart from its English sentence (DETAIL, HINT; schema/functions/checks.sql):
 * RN403 not_allowed (args: the right from DETAIL and its holders from HINT, when given),
 * RN404 not_found, RN409 and unique violations conflict, a NOT NULL or a check with DETAIL
 * 'required' required (args: the column, the form from HINT), another check or data
 * exception invalid; each with the column as its first argument where one is named.
 * A RAISE that names its own reason wins over all of these: a DETAIL that is a reason
 * code (lower-case letters and '_', no '.', as a right has) is the reason, and the lines
 * of its HINT are its arguments, at most MSG_REASON_ARGS ("already_issued" with HINT
 * 'round\n2022-05-14\n紫改办〔2022〕7号'). The English sentence of the RAISE is then only
 * for clients that do not know the code.
 */
void msg_reason_of_db(const char *sqlstate, const char *detail, const char *hint,
                      const char *column, struct msg_reason *r);

/*
 * Checks every field of a request against the protocol's rules (sizes, ranges, enums,
 * date formats, key length, UTF-8). `today` is the server's date in days since the epoch;
 * dates after it are refused. Returns true when the request may go to its handler;
 * otherwise fills *fault with BAD_REQUEST and the field path.
 */
bool msg_check_request(const Reno__Request *req, int32_t today, struct msg_fault *fault)
    __attribute__((warn_unused_result));

/*
 * Checks every string of an encoded Request on its wire bytes, guided by the message
 * descriptors (nested messages and repeated fields included): no NUL byte, valid UTF-8,
 * no control character other than tab and line breaks (LF, CR), and none at all in a
 * name or code
 * (reflect_is_name_field). protobuf-c hands a string to C as a NUL-terminated copy, so a
 * NUL inside one would silently cut it short ("office\0zzz" read as "office"); only the
 * wire bytes still show it. Call it on the bytes msg_unpack_request() accepted, before
 * msg_check_request(). Fills *fault with BAD_REQUEST and the field path on refusal.
 */
bool msg_check_wire(const uint8_t *data, size_t len, struct msg_fault *fault)
    __attribute__((warn_unused_result));

/*
 * What a client is told when PostgreSQL itself refused a row for a constraint (SQLSTATE
 * class 23 with a constraint name): the constraint's name and PostgreSQL's sentence are
 * the schema's inside, not the protocol. Writes the column the constraint guards when
 * its name says so in PostgreSQL's default form (<table>_<column>_check, _not_null,
 * _key, _fkey; "" otherwise) and a plain sentence naming that column.
 */
void msg_constraint_fault(const char *sqlstate, const char *table, const char *constraint,
                          char *column, size_t column_size, char *message, size_t message_size);

/* True when s[0..len) is valid UTF-8 without NUL bytes. */
bool msg_valid_utf8(const char *s, size_t len);

/* The name of a status code as it appears in the .proto, e.g. "PERMISSION_DENIED". */
const char *msg_status_name(Reno__StatusCode code);
/* The name of a request body, e.g. "push_progress"; "none" when unset. */
const char *msg_request_name(Reno__Request__BodyCase body);

#endif
