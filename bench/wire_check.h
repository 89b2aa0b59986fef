/*
 * Checking a reply to GetStatus or Ping by the top-level fields of the protobuf wire
 * format, without building the message (bench/README.md, "How a reply ... is checked").
 * reno_loadgen decodes the first reply of each connection whole and checks it; the
 * following ones, of which there are hundreds of thousands a second, are checked here
 * against what that first one established, because decoding a 15 KB status whole costs
 * the load generator more CPU than renod spends answering it, and on a machine where the
 * two share the cores the row would measure the load generator.
 *
 * The field numbers are read from the generated descriptors by name, so that the check
 * follows proto/reno.proto rather than repeating its numbers. Anything the check does not
 * recognise (a refusal, an event, an unknown field, malformed bytes) fails it, and the
 * caller then decodes the reply whole, which says what is wrong.
 */
#ifndef RENO_BENCH_WIRE_CHECK_H
#define RENO_BENCH_WIRE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wire_body { WIRE_STATUS, WIRE_PONG };

/* What a right reply is. */
struct wire_want {
    enum wire_body body;
    const char *as_of; /* WIRE_STATUS: the date asked for, YYYY-MM-DD */
    int64_t position;  /* WIRE_STATUS: the position of the reply last decoded whole */
    int form;          /* WIRE_STATUS: the StatusReply.form of that reply (0: full) */
};

/* What a reply that passed carries: its request id, and for a pong its nonce. */
struct wire_reply {
    uint64_t id;
    uint64_t nonce;
};

/*
 * True when `payload` (one frame's bytes) is a ServerMessage holding only a Response with
 * a non-zero id, no Status or one with code OK, and exactly the body `want` names and no
 * other field; a status as of want->as_of, at want->position, in want->form, with at least
 * one project;
 * a pong with its nonce. *out is set only then.
 */
bool wire_check_reply(const uint8_t *payload, size_t len, const struct wire_want *want,
                      struct wire_reply *out);

#endif
