/*
 * The protocol layer above a connection: decodes each frame into a Request, checks it
 * (fields, session, role), finds its handler in the table and tracks it as a call until
 * it is answered. Adding a request type means: the .proto, one handler, one row in the
 * table in dispatch.c, one test.
 *
 * A handler answers with call_reply() or call_fail() exactly once, at once or later from
 * a database or thread-pool callback. A call holds a reference on its connection, so an
 * answer for a client that has gone away is dropped, not written to freed memory.
 *
 * A client moves through phases, each change through dispatch_set_phase(), which keeps the
 * server's counts right: NEW (accepted, Hello not yet answered) -> HELLO (may log in) ->
 * READY (a session is attached; logging out goes back to HELLO) -> ENDED (being closed
 * for a reason it was told; nothing more is served). Only NEW and HELLO are
 * unauthenticated: they are held to login_timeout, the unauthenticated caps and one
 * request in flight; READY counts against max_clients.
 *
 * Ownership: struct client is created by dispatch_accept() and freed when its connection
 * is freed (after the TCP handle closes and the last call ends). A struct call is freed
 * by call_reply()/call_fail().
 */
#ifndef RENO_DISPATCH_H
#define RENO_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "db.h"
#include "msg.h"
#include "reno.pb-c.h"
#include "watch.h"

struct server;

enum client_phase { CLIENT_NEW, CLIENT_HELLO, CLIENT_READY, CLIENT_ENDED };

struct session {
    int64_t account_id;
    int64_t unit_id;
    int64_t programme_id;
    Reno__Role role;
    char username[MSG_MAX_USERNAME + 1];
    char unit_name[256];
    char programme_code[64];
    char programme_title[256];
    char token_hash_hex[2 * 32 + 1]; /* of the token this session came from */
    int64_t expires_at;
};

struct client {
    struct conn conn; /* the client's transport; conn.owner is the client */
    struct server *srv;
    struct client *prev, *next;
    struct session session; /* valid in CLIENT_READY */
    enum client_phase phase;
    uint64_t phase_since_ms; /* loop time of the last phase change: the login deadline */
    char address[48];        /* the peer's IP address without the port */
    struct client *unauth_prev, *unauth_next; /* the server's queue, oldest first */
    bool in_unauth_queue;
    bool logging_out; /* its own Logout is in flight: the NOTIFY it causes is not news */
    bool provisional; /* resumed from memory while the database could not confirm it:
                       * may read the status and ping, nothing else (session_cache.h) */
    int inflight;
    struct watcher watcher; /* registered with the server's watch module while watching */
};

struct call {
    struct client *client;
    struct server *srv;
    uint64_t id;
    Reno__Request *req;
    struct msg_budget budget;
    const char *name;
};

/* Sets up a client for a TCP handle the server has just accepted into client->conn.tcp. */
struct client *dispatch_client_new(struct server *srv);
int dispatch_accept(struct client *client) __attribute__((warn_unused_result));
/* The peer's IP address of an accepted handle, without the port ("?" if unknown). */
void dispatch_peer_address(uv_tcp_t *tcp, char out[48]);

/* Answers a call; `resp` is the caller's (stack) message, its id and status are filled. */
void call_reply(struct call *call, Reno__Response *resp);
/* Answers a call OK with a frame made of prefix (this call's frame header and id) and a
 * body packed once for several calls (status_cache.h); as dispatch_send_shared. */
void call_reply_shared(struct call *call, const uint8_t *prefix, size_t prefix_len,
                       struct conn_shared *body);
void call_fail(struct call *call, Reno__StatusCode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* call_fail() with a stable reason and its arguments (Status.reason, Status.args). */
void call_fail_why(struct call *call, Reno__StatusCode code, const char *field,
                   const struct msg_reason *r, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* UNAVAILABLE with Status.retry_after: come back in that many seconds. */
void call_fail_retry(struct call *call, uint32_t retry_after, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void call_fail_db(struct call *call, const struct db_error *err);
/* UNAVAILABLE for a query the pool would not take, saying why; a write is told to retry
 * with the same idempotency key. */
void call_fail_unavailable(struct call *call, bool write);
/* True when the call's connection is still open (its answer will be delivered). */
bool call_live(const struct call *call);

/* Handlers, one file each domain (h_*.c). */
void h_hello(struct call *call);
void h_login(struct call *call);
void h_resume(struct call *call);
void h_logout(struct call *call);
void h_change_password(struct call *call);
void h_ping(struct call *call);
void h_push_progress(struct call *call);
void h_get_status(struct call *call);
void h_watch(struct call *call);
void h_issue_report(struct call *call);

/* Sends an Event to a client (e.g. shutting down). */
void dispatch_send_event(struct client *client, Reno__Event *event);
/* The largest reply payload renod sends (max_reply, within half the output limit). */
size_t dispatch_reply_max(const struct server *srv);
/* Packs an event once into a frame several clients may be sent (conn_shared); NULL when
 * it is over the reply limit. */
struct conn_shared *dispatch_pack_event(const struct server *srv, Reno__Event *event);
/* Queues prefix (may be empty) and the shared bytes as one frame, under the same limits
 * as any reply. */
void dispatch_send_shared(struct client *client, const uint8_t *prefix, size_t prefix_len,
                          struct conn_shared *frame);
/* How the watch module reaches clients' connections (watch.h); its arg is the server. */
extern const struct watch_sink dispatch_watch_sink;

/* Moves a client to another phase (see above); an impossible move is fatal. */
void dispatch_set_phase(struct client *client, enum client_phase next);
/* Tells the peer why in an Event.error with `code`, then closes: for connections the
 * server turns away (an unauthenticated cap, the login deadline). */
void dispatch_close_with_error(struct client *client, Reno__StatusCode code, const char *why);
/* The same with any event (e.g. SessionEnded). */
void dispatch_close_with_event(struct client *client, Reno__Event *event, const char *why);

#endif
