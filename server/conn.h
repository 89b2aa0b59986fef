/*
 * One client connection's transport: the TCP handle, the frame reader and the write
 * queue. It reports whole frames and its closing upward through callbacks and knows
 * nothing of what the frames mean.
 *
 * States (all changes go through conn_set_state(), which starts and stops reading):
 *   READING    reading and delivering frames
 *   PAUSED     not reading: too many requests in flight, or too many reply bytes queued
 *              that the peer has not read (backpressure)
 *   DRAINING   a last frame (an error) is being written, or what is queued at a shutdown
 *              (conn_finish); once the write queue is empty the connection lingers (after
 *              conn_finish only when the peer has sent what was not read) or closes
 *   LINGERING  the last frame is written and our side is shut down (FIN, after a TLS
 *              close_notify); what the peer still sends is read and dropped until it
 *              closes too or the owner's deadline passes (conn_linger_overdue). Closing
 *              at once would leave the peer's unread requests in our receive buffer, and
 *              the kernel answers a close with unread input by a reset, which throws away
 *              whatever the peer has not yet received: the last frame itself, when the
 *              peer is slow to read
 *   CLOSING    uv_close() was called; nothing more is delivered
 *
 * TLS sits under the write queue and over the socket: with TLS set (conn_set_tls),
 * ciphertext read from the socket is decrypted into the frame reader, and each frame sent
 * is encrypted before it is queued; the queue and its limits count the bytes that go out
 * on the wire. Nothing above this module knows whether a connection is encrypted. A
 * connection whose handshake fails is closed once the TLS alert is written; one whose
 * handshake has not finished in time is closed by the janitor (conn_handshake_overdue).
 *
 * Ownership: a conn is reference-counted. The server holds one reference while the
 * connection is open; anything that can outlive it (a database query, a hashing job)
 * takes one with conn_ref() and drops it with conn_unref(). When the TCP handle is
 * closed and the last reference is gone (never inside a callback of its own), conn.c
 * releases what it allocated and calls the owner's on_free, which frees the memory the
 * conn is embedded in: the owner allocated it, so the owner frees it.
 */
#ifndef RENO_CONN_H
#define RENO_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "frame.h"
#include "log.h"
#include "tls.h"

enum conn_state { CONN_READING, CONN_PAUSED, CONN_DRAINING, CONN_LINGERING, CONN_CLOSING };

struct conn;

struct conn_callbacks {
    /* A whole frame arrived; the payload is valid only during the call. */
    void (*on_frame)(struct conn *c, const uint8_t *payload, uint32_t len);
    /* The peer announced a frame over the maximum; the owner sends an error and drains. */
    void (*on_oversize)(struct conn *c, uint32_t announced);
    /* The connection is closing for `reason`; called exactly once. */
    void (*on_close)(struct conn *c, const char *reason);
    /* The handle is closed and no reference is left: the owner releases the memory it
     * allocated around the connection (conn.c never frees what it did not allocate).
     * Called exactly once, last; c is not touched afterwards. */
    void (*on_free)(struct conn *c);
};

struct conn {
    uv_tcp_t tcp;
    uint64_t id;
    char peer[64];
    char account[72]; /* username once logged in, for log lines */
    enum conn_state state;
    int refs;
    bool tcp_closed;
    struct frame_reader reader;
    size_t queued_bytes;           /* reply bytes written to libuv but not yet sent */
    size_t *total_queued;          /* the owner's sum of queued_bytes over connections, or NULL */
    size_t queue_high;             /* pause reading above this */
    size_t queue_low;              /* resume below this */
    bool paused_by_queue;          /* one of the two pause reasons */
    bool paused_by_owner;          /* the other: the owner's in-flight cap */
    uint64_t last_activity_ms;     /* last whole frame in or reply out */
    uint64_t partial_since_ms;     /* when the buffered partial frame began, 0 if none */
    uint64_t accepted_ms;          /* when the connection was accepted */
    uint64_t lingering_since_ms;   /* when it began to linger, 0 if it does not */
    uv_shutdown_t shutdown_req;    /* our side's FIN, when lingering */
    bool linger_if_unread;         /* DRAINING for conn_finish: linger only over unread input */
    struct tls_server *tls_server; /* NULL for plaintext; the server's, not owned */
    /* Made at the peer's first bytes, so that a silent connection holds no TLS state;
     * owned, freed with the conn. */
    struct tls_session *tls;
    const struct conn_callbacks *cb;
    void *owner; /* the protocol layer's per-connection state */
};

/* Sets up an accepted connection: tcp must already be uv_accept()ed into c->tcp. */
void conn_init(struct conn *c, uint64_t id, uint32_t max_frame, size_t queue_high,
               const struct conn_callbacks *cb, void *owner);
/* Makes the connection TLS (the server role) with srv, which must outlive it; before
 * conn_start(). */
void conn_set_tls(struct conn *c, struct tls_server *srv);
/* True when the connection is TLS and its handshake has run longer than limit_ms. */
bool conn_handshake_overdue(const struct conn *c, uint64_t now_ms, uint64_t limit_ms);
/* Starts reading. */
int conn_start(struct conn *c) __attribute__((warn_unused_result));
void conn_set_state(struct conn *c, enum conn_state next);
/* Queues a frame (takes ownership of buf, which must come from xmalloc). */
void conn_send(struct conn *c, uint8_t *buf, size_t len);
/*
 * The bytes of one frame shared by several connections (one event for every watcher of a
 * programme, one status reply for every reader at a position): packed once and queued on
 * each connection without a copy; with TLS each connection encrypts the same plaintext
 * with its own keys. Reference-counted: the maker holds one, each queued write another.
 *
 * A connection's queued_bytes (and the owner's total) count the shared bytes in full on
 * every connection that queued them: with TLS, as off loopback always, each connection
 * holds its own ciphertext of them, so that is the memory held; over plaintext (loopback
 * only) the bytes are held once and the count errs high, which only makes the limits
 * stricter.
 */
struct conn_shared {
    int refs;
    size_t len;
    uint8_t *data; /* owned */
};
/* Wraps buf (from xmalloc; owned from now on) with one reference, the caller's. */
struct conn_shared *conn_shared_new(uint8_t *buf, size_t len);
/* Drops a reference; NULL is allowed. */
void conn_shared_unref(struct conn_shared *s);
/* Queues one frame made of prefix (copied; may be empty) and then the shared bytes. */
void conn_send_shared(struct conn *c, const uint8_t *prefix, size_t prefix_len,
                      struct conn_shared *s);
/* Queues a last frame and closes once it is written. */
void conn_send_and_close(struct conn *c, uint8_t *buf, size_t len, const char *reason);
/* Closes once what is already queued is written (DRAINING), lingering first only when the
 * peer has sent bytes that were not read: the replies already made reach the peer. */
void conn_finish(struct conn *c, const char *reason);
/* The owner asks to stop or resume reading (its in-flight cap). */
void conn_pause(struct conn *c, bool paused);
/* Closes at once; the reason is logged. Safe to call more than once. */
void conn_close(struct conn *c, const char *reason);
void conn_set_max_frame(struct conn *c, uint32_t max);

/* True while frames may still be sent: READING or PAUSED (not after the last frame). */
bool conn_takes_frames(const struct conn *c);
/* True when the connection has lingered longer than limit_ms (see LINGERING above). */
bool conn_linger_overdue(const struct conn *c, uint64_t now_ms, uint64_t limit_ms);

void conn_ref(struct conn *c);
void conn_unref(struct conn *c);
bool conn_is_open(const struct conn *c);

/* Log a line about a connection: its id, peer and account go first. */
#define conn_log(c, level, fmt, ...)                                                               \
    log_msg(level, "conn=%llu peer=%s account=%s " fmt, (unsigned long long)(c)->id, (c)->peer,    \
            (c)->account[0] ? (c)->account : "-", ##__VA_ARGS__)

#endif
