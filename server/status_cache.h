/*
 * Packed pages of today's status, shared by every reader who asks for the same page of
 * the same figures. Between two moves of the roll-up (rollup.h) every GetStatus of one
 * programme with the same filters, order and page gets the same StatusReply; building
 * the page (status_page.h) and packing it cost far more than sending it, so the page is
 * packed once, kept here as a reference-counted body (conn_shared) and queued on each
 * reader's connection behind a few bytes of its own (status_cache_prefix).
 *
 * The trick. A protobuf message is the concatenation of its fields, in any order, and a
 * parser reads them in any order. A ServerMessage carrying a Response is the bytes
 *     0x0a <length of the Response> <the Response's fields>
 * and the only field of a status Response that differs between readers is its id (field
 * 1). So the body kept here is the Response packed without an id (proto3 leaves a zero
 * field out): the `status` field (OK) and the `status_reply` field. Each reader's prefix
 * is the frame header (common/frame.h), the ServerMessage tag and length, and the id field
 * (0x08 <varint>); the Response's length is the prefix's id field plus the body. protobuf-c
 * packs fields in the order of their numbers, id (1), status (2), status_reply (21), so
 * what a reader receives is byte for byte what call_reply() would have packed for it.
 *
 * What a page is keyed by: the programme; the identity, position and computed_at of the
 * roll-up's figures it was cut from (the roll-up replaces the figures on a move and
 * updates position and computed_at in place when a refresh finds the same figures);
 * stale; and the request's page query normalized (page size 0 is the default, sizes over
 * the maximum are the maximum, the token is read as its offset, an empty search is no
 * search), its form among them (full or compact, common/status_form.h: each form of a
 * page is packed once). min_position is not part of the key: the roll-up only answers a
 * reader with figures that have reached it, and the key names the figures. A status as
 * of another date is never cached: it is computed for its reader. A Watch of a page
 * (Watch.page) is answered with the same page in a WatchReply, kept apart (the kind of
 * reply is part of the key): at the start of a watch of 10,000 dashboards, one page built
 * and packed.
 *
 * Bounds. Distinct queries (a hostile client can make thousands of searches) must not
 * grow memory: the cache holds at most STATUS_CACHE_MAX_ENTRIES pages and
 * STATUS_CACHE_MAX_BYTES bytes of bodies, least recently used first out, and a body over
 * a quarter of the byte bound is sent but not kept. Pages of figures that the roll-up no
 * longer holds are dropped when it moves (status_cache_drop, from the move callback) and
 * when a page of newer figures of the same programme is packed. A body evicted while
 * connections still have it queued lives until the last of them has written it; those
 * bytes are the connections' own and count in their output limits and the server's
 * output budget (dispatch.c).
 *
 * Ownership: struct status_cache is embedded in struct server; its pages and their
 * bodies are its own; status_cache_done() frees them after the loop has ended.
 */
#ifndef RENO_STATUS_CACHE_H
#define RENO_STATUS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "reno.pb-c.h"

#define STATUS_CACHE_MAX_ENTRIES 32
#define STATUS_CACHE_MAX_BYTES   (16u << 20)
/* The longest prefix: the frame header, the ServerMessage tag and a 10-byte varint length,
 * the id's tag and a 10-byte varint. */
#define STATUS_CACHE_PREFIX_MAX 26

struct status_cache_page;

struct status_cache {
    struct status_cache_page *first; /* the most recently used first */
    struct status_cache_page *last;
    size_t pages;
    size_t bytes; /* of the bodies held */
    unsigned long long hits, misses;
};

void status_cache_init(struct status_cache *c);

/*
 * The packed body of the page of `status` (the roll-up's figures of programme_id, served
 * stale or not) that `req` asks for: a new reference the caller drops with
 * conn_shared_unref(). Packed on a miss and kept. NULL when the reply would be over `max`
 * bytes (the frame's payload, as msg_pack_frame_max counts it); *len is then the size it
 * would have had.
 */
struct conn_shared *status_cache_get(struct status_cache *c, int64_t programme_id,
                                     const Reno__StatusReply *status, bool stale,
                                     const Reno__GetStatus *req, size_t max, size_t *len);

/* The same for a Watch of that page (Watch.page): the body of its WatchReply, so that
 * watchers of one page starting from the same figures share it too. */
struct conn_shared *status_cache_get_watch(struct status_cache *c, int64_t programme_id,
                                           const Reno__StatusReply *status, bool stale,
                                           const Reno__GetStatus *page, size_t max, size_t *len);

/* The prefix for one reader: writes at most STATUS_CACHE_PREFIX_MAX bytes to out, returns
 * how many. */
size_t status_cache_prefix(uint8_t out[STATUS_CACHE_PREFIX_MAX], uint64_t id, size_t body_len);

/* The roll-up's figures of programme_id moved: its pages are of figures no longer held. */
void status_cache_drop(struct status_cache *c, int64_t programme_id);
void status_cache_done(struct status_cache *c);

#endif
