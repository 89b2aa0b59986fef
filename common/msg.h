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

/* Packs msg into a new buffer holding the 4-byte header and the message. */
uint8_t *msg_pack_frame(const ProtobufCMessage *msg, size_t *frame_len);

/* NULL when the bytes are not a Request or the budget is exceeded. */
Reno__Request *msg_unpack_request(struct msg_budget *b, const uint8_t *data, size_t len);
void msg_free_request(struct msg_budget *b, Reno__Request *req);
Reno__ServerMessage *msg_unpack_server(struct msg_budget *b, const uint8_t *data, size_t len);
void msg_free_server(struct msg_budget *b, Reno__ServerMessage *m);

/* A field-level failure: the status code to send, a message and the field path. */
struct msg_fault {
    Reno__StatusCode code;
    char message[256];
    char field[96];
};

/*
 * Checks every field of a request against the protocol's rules (sizes, ranges, enums,
 * date formats, key length, UTF-8). `today` is the server's date in days since the epoch;
 * dates after it are refused. Returns true when the request may go to its handler;
 * otherwise fills *fault with BAD_REQUEST and the field path.
 */
bool msg_check_request(const Reno__Request *req, int32_t today, struct msg_fault *fault)
    __attribute__((warn_unused_result));

/* True when s[0..len) is valid UTF-8 without NUL bytes. */
bool msg_valid_utf8(const char *s, size_t len);

/* The name of a status code as it appears in the .proto, e.g. "PERMISSION_DENIED". */
const char *msg_status_name(Reno__StatusCode code);
/* The name of a request body, e.g. "push_progress"; "none" when unset. */
const char *msg_request_name(Reno__Request__BodyCase body);

#endif
