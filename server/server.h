/*
 * The renod server: its settings, the listening socket, the set of connected clients,
 * the database pool, the janitor timer and the shutdown sequence. One loop thread.
 *
 * Shutdown (SIGINT, SIGTERM or server_stop()): stop accepting; tell every client and stop
 * reading from it; close each client once its requests in flight are answered; after
 * `shutdown_grace` seconds close whatever is left; close the database pool once no
 * request is waiting on it; then close the remaining handles so that uv_run() returns.
 *
 * Admission: max_clients counts connections with a session (READY); connections that
 * have not logged in are counted apart, in a queue oldest first, and capped in total and
 * per source address. A newcomer over a cap is never refused: an unauthenticated
 * connection (of its address, when that address is over its own cap) is closed instead,
 * the oldest silent one first and one with a Login being checked last, so silent
 * connections cannot keep anyone out; each is closed after login_timeout anyway.
 *
 * Ownership: struct server is embedded by main() (server_init/server_done); it owns the
 * pool and the clients and frees them during shutdown.
 */
#ifndef RENO_SERVER_H
#define RENO_SERVER_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "db.h"
#include "rollup.h"
#include "status_cache.h"
#include "tls.h"
#include "watch.h"

struct renod_config {
    char *listen;
    char *reuse_port; /* "on" or "off" */
    char *database;
    char *standby; /* conninfo of a streaming standby; "" off */
    long pool_size;
    long request_timeout;
    long connect_timeout;
    long max_frame;
    long max_frame_prelogin;
    long idle_timeout;
    long frame_timeout;
    long max_clients;
    long max_inflight;
    long output_limit;
    long output_budget;
    long max_reply;
    long watch_views;
    long token_ttl;
    long shutdown_grace;
    char *log_level;
    char *port_file;
    long watch_queue_limit;
    long status_wait;
    char *tls; /* "on" or "off" */
    char *tls_cert;
    char *tls_key;
    char *tls_client_ca;
    long tls_handshake_timeout;
    char *db_owner_role;
    char *db_app_role;
    long login_timeout;
    long max_unauthenticated;
    long max_unauthenticated_per_address;
    long max_hashing;
    long login_free_failures;
    long login_address_failures;
    long login_backoff_base;
    long login_backoff_max;
    long login_failure_window;
};

extern const struct setting renod_settings[];
extern const size_t renod_settings_count;

struct client;
struct session_cache;

/*
 * Where renod is in its life. Shutting down moves through these in order and never back:
 * a second signal or the end of the grace period skips DRAINING's wait, nothing else.
 */
enum server_phase {
    SERVER_RUNNING,    /* accepting connections and requests */
    SERVER_DRAINING,   /* stopping: nothing new accepted; the calls in flight are answered */
    SERVER_CUT,        /* the grace period is over (or a second signal): connections are
                          closed and calls still in flight are not waited for */
    SERVER_CLOSING_DB, /* no connection left: the database pools are closing */
    SERVER_DONE,       /* the pools are closed and renod's handles are closing: the loop ends */
};

struct server {
    uv_loop_t *loop;
    const struct renod_config *cfg;
    uv_tcp_t listener;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    uv_timer_t janitor;
    uv_timer_t grace;
    struct db_pool *db;      /* NULL once closing */
    struct db_pool *standby; /* reads that may be slightly old; NULL when off or closing */
    struct client *clients;  /* doubly linked list of open connections */
    int nclients;
    struct client *unauth_head, *unauth_tail; /* not logged in, oldest first */
    int unauth_clients;
    int ready_clients;          /* with a session: what max_clients caps */
    int hashing;                /* password hashings on the thread pool */
    unsigned purge_in;          /* janitor ticks until the next purge: 0 at start */
    bool session_check_running; /* a re-check of every session after a missed NOTIFY */
    int calls;                  /* requests in flight, over all connections */
    size_t queued_bytes;        /* reply bytes queued for sending, over all connections */
    uint64_t next_conn_id;
    int port; /* the bound port */
    /* What the service manager was last told (service.h): READY=1 is sent once, when
     * renod listens and the pool has a connection up; STATUS follows the pool. */
    bool service_ready;
    bool service_said_waiting;
    bool service_db_up;
    bool service_unreachable; /* logged once, not at every tick */
    enum server_phase phase;  /* moves forward only: server_set_phase() */
    int pools_open;           /* database pools not yet closed: the primary's and the standby's */
    struct rollup rollup;
    struct watch watch;                  /* the connections told of each move of the roll-up */
    struct status_cache status_cache;    /* today's pages packed once for every reader */
    struct session_cache *session_cache; /* sessions seen valid (session_cache.h) */
    struct tls_server *tls;              /* NULL when the settings say tls = off */
    /* An argon2id hash of a random password: a login for an unknown user is checked
     * against it so that it takes as long as one for a known user. */
    char dummy_hash[crypto_pwhash_STRBYTES];
    /* The date the server treats as today (days since the epoch); tests may pin it. */
    int32_t (*today)(void);
};

int server_init(struct server *srv, uv_loop_t *loop, const struct renod_config *cfg)
    __attribute__((warn_unused_result));
/* Binds and listens; writes the port to cfg->port_file when set. */
int server_listen(struct server *srv) __attribute__((warn_unused_result));
void server_stop(struct server *srv, const char *why);
/* True once shutting down began: nothing new is started. */
static inline bool server_stopping(const struct server *srv)
{
    return srv->phase >= SERVER_DRAINING;
}
/* Frees what outlives the loop (the roll-up); after uv_run() has returned. */
void server_done(struct server *srv);

/* Sends a query through the pool, or fails at once (-1) when the pool is closing or down. */
int server_query(struct server *srv, enum sql_stmt stmt, int nparams, const char *const *values,
                 db_cb cb, void *arg) __attribute__((warn_unused_result));

int server_query_text(struct server *srv, const char *name, const char *text, int nparams,
                      const char *const *values, db_cb cb, void *arg)
    __attribute__((warn_unused_result));

/* The queue of unauthenticated clients, kept by dispatch_set_phase(). */
void server_unauth_add(struct server *srv, struct client *client);
void server_unauth_remove(struct server *srv, struct client *client);

/* Why server_query() failed, for the reply: see db_pool_refusal(). */
const char *server_query_refusal(const struct server *srv);

/* Called by dispatch when a client goes away or a call ends, to move shutdown along. */
void server_client_gone(struct server *srv, struct client *client);
void server_call_done(struct server *srv);

#endif
