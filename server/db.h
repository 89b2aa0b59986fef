/*
 * The database pool: a few libpq connections in non-blocking mode, each a state machine
 * driven by a uv_poll_t on PQsocket(), all on the server's one loop. Nothing here blocks.
 *
 * A query is one named statement (sql.h) with text parameters. It goes to an idle
 * connection or waits in a bounded queue; its callback runs exactly once, on the loop,
 * with either a result or a typed error. When a connection is lost, the query that was
 * on it fails with UNAVAILABLE (retryable), the connection is re-established in the
 * background with PQconnectStart/PQconnectPoll and a backoff, and while no connection is
 * healthy new queries fail at once with UNAVAILABLE rather than queueing behind an outage.
 *
 * Nothing waits forever. A query has a deadline from the moment it is submitted: if it
 * is still queued or running then, its callback gets UNAVAILABLE ("retry with the same
 * key": a write may still commit, and its idempotency key makes the retry safe). The
 * connection it ran on is cancelled (PQcancel, which blocks, runs on the thread pool) and
 * takes no other query until the cancelled one has drained; if it does not drain within
 * another deadline it is dropped and rebuilt. A connection attempt has its own deadline,
 * and every connection carries statement_timeout, lock_timeout,
 * idle_in_transaction_session_timeout and TCP keepalives, so that the server gives up on
 * the same schedule. Host names in the connection string are resolved with
 * uv_getaddrinfo (on the thread pool) before each attempt, never on the loop.
 *
 * Ownership: the pool copies parameters; the PGresult passed to a callback belongs to the
 * pool and is cleared when the callback returns. If db_query() fails at once it returns
 * -1 and the callback never runs. db_pool_close() fails every queued query, closes all
 * handles and calls `done` once the last handle is closed; the pool frees itself then.
 */
#ifndef RENO_DB_H
#define RENO_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <uv.h>

#include "reno.pb-c.h"
#include "sql.h"

#define DB_MAX_PARAMS          20
#define DB_DEFAULT_QUEUE_LIMIT 1024

struct db_pool;

/* A failure, already mapped to the protocol's status codes. */
struct db_error {
    Reno__StatusCode code;
    char sqlstate[6];
    char message[256];
    char column[64]; /* the column a constraint or a RAISE named, if any */
    /* A RAISE's facts apart from its English sentence (schema/functions/checks.sql and
     * permissions.sql say which): DETAIL 'required' or an RN403's right, HINT the form a
     * missing value takes or the right's holders. Empty when the error had none. */
    char detail[64];
    char hint[256];
};

/* res is non-NULL exactly when err is NULL. */
typedef void (*db_cb)(void *arg, const PGresult *res, const struct db_error *err);

struct db_stats {
    int connections;
    int healthy;
    int busy;
    unsigned queued;
    unsigned long long queries;
    unsigned long long failures;
    unsigned long long reconnects;
    unsigned long long timeouts; /* queries that failed at their deadline */
    unsigned long long cancels;  /* cancel requests sent for them */
};

struct db_pool_options {
    const char *conninfo;
    int size;                    /* query connections */
    unsigned queue_limit;        /* queries waiting for a connection */
    unsigned query_timeout_ms;   /* from submission to the last result */
    unsigned connect_timeout_ms; /* name resolution and connection set-up */
};

/* NULL, with the reason in why, when the connection string does not parse. */
struct db_pool *db_pool_new(uv_loop_t *loop, const struct db_pool_options *options, char *why,
                            size_t why_size);
/* What a LISTEN subscriber is told. */
enum db_notify_event {
    DB_NOTIFY_PAYLOAD,    /* a notification on the channel, with its payload */
    DB_NOTIFY_SUBSCRIBED, /* the subscription stands (again): notifications may have been
                           * missed while it did not, so refresh whatever depends on them */
    DB_NOTIFY_LOST,       /* the subscription is down: what was cached from notifications
                           * can no longer be known to be current */
};

typedef void (*db_notify_cb)(void *arg, enum db_notify_event event, const char *payload);

/*
 * Subscribes cb to `channel` (an identifier: lower-case letters, digits and '_'). All
 * channels share one extra connection that only LISTENs; a failed LISTEN drops and
 * rebuilds that connection. cb runs on the loop; payload is NULL except for
 * DB_NOTIFY_PAYLOAD. Call before db_pool_start(), once per channel.
 */
void db_pool_listen(struct db_pool *pool, const char *channel, db_notify_cb cb, void *arg);
/* Starts connecting every connection; returns at once. */
void db_pool_start(struct db_pool *pool);
int db_query(struct db_pool *pool, enum sql_stmt stmt, int nparams, const char *const *values,
             db_cb cb, void *arg) __attribute__((warn_unused_result));
/* The same for a statement built at start-up (generic operations): name and text must
 * outlive the query. */
int db_query_text(struct db_pool *pool, const char *name, const char *text, int nparams,
                  const char *const *values, db_cb cb, void *arg)
    __attribute__((warn_unused_result));
/*
 * A pinned sequence: several statements on one connection, one after another, with no
 * other query between them, so that they can share one transaction (the status's
 * REPEATABLE READ snapshot). db_pin() queues a request for a connection like a query;
 * once one is idle, `ready` runs with the pin, or with NULL and the error when none
 * comes up before the query deadline (or the pool fails or closes). The pin's statements
 * are sent one at a time with db_pin_query() (the next from the previous one's callback)
 * and all share one deadline, counted from db_pin(): past it, the statement in flight is
 * cancelled and fails UNAVAILABLE as a query would. If the connection is lost, the
 * statement in flight fails and db_pin_query() returns -1 from then on.
 *
 * Ownership: the holder calls db_pin_release() exactly once after `ready` gave it a pin,
 * failure or not (never from a statement's callback that is still to run). A connection
 * released inside a transaction (no COMMIT, or after a failure) is rolled back before
 * it serves anyone else. db_pin() and db_pin_query() return -1 at once when they cannot
 * start, and their callbacks then never run.
 */
struct db_pin;
typedef void (*db_pin_cb)(void *arg, struct db_pin *pin, const struct db_error *err);
int db_pin(struct db_pool *pool, db_pin_cb ready, void *arg) __attribute__((warn_unused_result));
int db_pin_query(struct db_pin *pin, enum sql_stmt stmt, int nparams, const char *const *values,
                 db_cb cb, void *arg) __attribute__((warn_unused_result));
int db_pin_query_text(struct db_pin *pin, const char *name, const char *text, int nparams,
                      const char *const *values, db_cb cb, void *arg)
    __attribute__((warn_unused_result));
void db_pin_release(struct db_pin *pin);

void db_pool_close(struct db_pool *pool, void (*done)(void *arg), void *arg);
void db_pool_stats(const struct db_pool *pool, struct db_stats *out);
/* Connections that would take a query or a pin at once: idle, unpinned, with nothing
 * queued before it (0 while anything waits). */
int db_pool_spare(const struct db_pool *pool);
bool db_pool_healthy(const struct db_pool *pool);
/* Why db_query() would refuse a query now, in words for the person who asked: shutting
 * down, no connection up, or every connection busy and the queue full. */
const char *db_pool_refusal(const struct db_pool *pool);

/* Maps a failed result (SQLSTATE and fields) to a typed error. Exposed for tests. */
void db_error_from_result(const PGresult *res, struct db_error *err);

#endif
