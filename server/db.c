/*
 * Asynchronous PostgreSQL pool. See db.h.
 *
 * Each connection is a small state machine:
 *
 *   DOWN --timer--> [RESOLVING] --> CONNECTING --PQconnectPoll OK--> IDLE <--result--> BUSY
 *     ^                  |              |                             ^ |                |
 *     |                  |              |                   drained   | |     deadline   |
 *     |                  |              |                             | +-- CANCELLING <-+
 *     +-- failed / connect deadline ----+--- socket EOF / error / cancel deadline ------+
 *
 * RESOLVING is used only when the connection string names a host by name. One timer per
 * connection carries whichever deadline applies to its state (connect, query, cancel);
 * one pool timer carries the deadline of the oldest queued query (all queries have the
 * same timeout, so the queue is in deadline order).
 *
 * A uv_poll_t watches PQsocket() in every state but DOWN. Poll handles are heap objects:
 * when libpq changes or closes the socket the old handle is uv_close()d (which frees its
 * slot in the loop at once) and freed in its close callback, and a new one is made for
 * the new socket. An IDLE connection keeps watching for readability so that a server
 * shutdown is noticed before the next query is sent to a dead socket.
 *
 * Queries are served first come, first served from one queue shared by all connections.
 */
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "xmalloc.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000
#define MAX_HOSTS        8
/* TCP keepalives unless the connection string sets its own: a peer that vanished
 * without a word is noticed in about a minute, not after the kernel's two hours. */
#define KEEPALIVES_IDLE     "30"
#define KEEPALIVES_INTERVAL "10"
#define KEEPALIVES_COUNT    "3"

enum dbc_state {
    DBC_DOWN,
    DBC_RESOLVING,
    DBC_CONNECTING,
    DBC_IDLE,
    DBC_BUSY,
    DBC_CANCELLING,
    DBC_CLOSED
};

struct db_query {
    struct db_query *next;
    const char *name; /* static: for log lines */
    const char *text; /* static: the statement */
    int nparams;
    char *values[DB_MAX_PARAMS];
    db_cb cb;
    void *arg;
    uint64_t deadline_ms; /* loop time by which the last result must be in */
    bool simple;          /* sent with PQsendQuery: no parameters, several statements allowed */
    struct db_pin *pin;   /* a db_pin() request: waits in the queue for a connection */
};

struct db_pin {
    struct db_pool *pool;
    struct dbc *conn; /* NULL once the connection was lost (or before it is given) */
    db_pin_cb ready;
    void *arg;
    uint64_t deadline_ms; /* for every statement of the pin together */
};

struct db_sub {
    char *channel;
    db_notify_cb cb;
    void *arg;
};

struct poll_box {
    uv_poll_t handle;
    struct dbc *owner;
};

/* A name lookup on the thread pool. It may outlive the attempt it served (a deadline,
 * the pool closing): then owner is NULL and the callback only frees it. */
struct resolve_req {
    uv_getaddrinfo_t req;
    struct dbc *owner;
    struct db_pool *pool;
};

/* A PQcancel on the thread pool: it connects to the server and waits for it, so it must
 * not run on the loop. It holds only the PGcancel, never the connection. */
struct cancel_job {
    uv_work_t work;
    struct db_pool *pool;
    PGcancel *cancel;
    int index;
    int ok;
    char why[256];
};

struct dbc {
    struct db_pool *pool;
    int index;
    enum dbc_state state;
    PGconn *pg;
    struct poll_box *poll; /* NULL when no socket is watched */
    int poll_fd;
    int poll_events;
    uv_timer_t reconnect;
    uv_timer_t deadline; /* connect, query or cancel deadline, by state */
    uint64_t backoff_ms;
    struct resolve_req *resolving;           /* the lookup in flight when RESOLVING */
    int resolve_index;                       /* the host being looked up */
    char addrs[MAX_HOSTS][INET6_ADDRSTRLEN]; /* resolved hostaddr entries */
    struct db_query *query;                  /* the query on this connection when BUSY */
    PGresult *result;                        /* the first successful result of the query */
    PGresult *failure;                       /* the first failed result of the query, if any */
    bool flushing;                           /* PQflush said there is more to send */
    bool ever_connected;
    bool listener;      /* the LISTEN connection: never given queries */
    struct db_pin *pin; /* pinned: only this pin's statements run here */
};

struct db_pool {
    uv_loop_t *loop;
    /* The connection string as keyword/value pairs (PQconninfoParse), with reno's own
     * options and keepalives added, and one free slot for hostaddr. */
    const char **keywords;
    char **values;
    int nparams;
    char *hosts[MAX_HOSTS]; /* the host list, when some entry must be resolved */
    int nhosts;
    unsigned query_timeout_ms;
    unsigned connect_timeout_ms;
    uv_timer_t queue_timer; /* the oldest queued query's deadline */
    int cancels_in_flight;
    int size;   /* query connections: conns[0..size) */
    int nconns; /* size, plus one listener when db_pool_listen() was called */
    struct dbc *conns;
    char *listen_sql; /* "LISTEN a; LISTEN b", built by db_pool_start() */
    struct db_sub *subs;
    int nsubs;
    struct db_query *head, *tail;
    unsigned queued;
    unsigned queue_limit;
    int open_handles; /* timers and polls not yet closed */
    bool closing;
    void (*done)(void *);
    void *done_arg;
    unsigned long long queries, failures, reconnects, timeouts, cancels;
};

static void dbc_connect(struct dbc *c);
static void listener_subscribe(struct dbc *c);
static void dbc_lost(struct dbc *c, const char *why);
static void dbc_watch(struct dbc *c, int events);
static void dbc_clear_results(struct dbc *c);
static void pool_kick(struct db_pool *pool);
static void pool_maybe_done(struct db_pool *pool);

static void notify_all(struct db_pool *pool, enum db_notify_event event)
{
    for (int i = 0; i < pool->nsubs; i++)
        pool->subs[i].cb(pool->subs[i].arg, event, NULL);
}

static const char *state_name(enum dbc_state s)
{
    static const char *const names[] = {"down", "resolving",  "connecting", "idle",
                                        "busy", "cancelling", "closed"};
    return names[s];
}

/* Every state change goes through here; impossible transitions are bugs. */
static void dbc_set_state(struct dbc *c, enum dbc_state next)
{
    bool ok;
    switch (next) {
    case DBC_RESOLVING:
        ok = c->state == DBC_DOWN;
        break;
    case DBC_CONNECTING:
        ok = c->state == DBC_DOWN || c->state == DBC_RESOLVING;
        break;
    case DBC_IDLE:
        ok = c->state == DBC_CONNECTING || c->state == DBC_BUSY || c->state == DBC_CANCELLING;
        break;
    case DBC_BUSY:
        ok = c->state == DBC_IDLE;
        break;
    case DBC_CANCELLING:
        ok = c->state == DBC_BUSY;
        break;
    case DBC_DOWN:
        ok = c->state != DBC_DOWN && c->state != DBC_CLOSED;
        break;
    case DBC_CLOSED:
    default:
        ok = true;
        break;
    }
    if (!ok)
        fatal("db[%d]: impossible transition %s -> %s", c->index, state_name(c->state),
              state_name(next));
    log_debug("db[%d]: %s -> %s", c->index, state_name(c->state), state_name(next));
    c->state = next;
}

static void query_free(struct db_query *q)
{
    for (int i = 0; i < q->nparams; i++)
        free(q->values[i]);
    free(q);
}

static void error_set(struct db_error *err, Reno__StatusCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_set(struct db_error *err, Reno__StatusCode code, const char *fmt, ...)
{
    memset(err, 0, sizeof *err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static void query_fail(struct db_pool *pool, struct db_query *q, const struct db_error *err)
{
    pool->failures++;
    q->cb(q->arg, NULL, err);
    query_free(q);
}

static bool dbc_up(const struct dbc *c)
{
    return c->state == DBC_IDLE || c->state == DBC_BUSY || c->state == DBC_CANCELLING;
}

static bool pool_has_healthy(const struct db_pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (dbc_up(&pool->conns[i]))
            return true;
    return false;
}

/* A query may wait for a connection that is up or being connected; if the attempt
 * fails and none is left up, dbc_lost() fails the queue. With every connection down
 * (waiting for its reconnect timer) there is nothing to wait for. */
static bool pool_may_queue(const struct db_pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (pool->conns[i].state != DBC_DOWN && pool->conns[i].state != DBC_CLOSED)
            return true;
    return false;
}

/* Fails every queued query: used when the last healthy connection goes and at close. */
static void pool_fail_queue(struct db_pool *pool, const char *why)
{
    struct db_error err;
    error_set(&err, RENO__STATUS_CODE__UNAVAILABLE, "database unavailable: %s", why);
    while (pool->head) {
        struct db_query *q = pool->head;
        pool->head = q->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        query_fail(pool, q, &err);
    }
}

void db_error_from_result(const PGresult *res, struct db_error *err)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    Reno__StatusCode code = RENO__STATUS_CODE__INTERNAL;
    if (state == NULL)
        state = "";
    if (strcmp(state, "RN403") == 0)
        code = RENO__STATUS_CODE__PERMISSION_DENIED;
    else if (strcmp(state, "RN404") == 0)
        code = RENO__STATUS_CODE__NOT_FOUND;
    else if (strcmp(state, "RN409") == 0 || strcmp(state, "23505") == 0)
        code = RENO__STATUS_CODE__CONFLICT;
    else if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0 ||
             strcmp(state, "23502") == 0)
        code = RENO__STATUS_CODE__BAD_REQUEST; /* data exception or a CHECK / NOT NULL */
    else if (strcmp(state, "23503") == 0)
        code = RENO__STATUS_CODE__NOT_FOUND;
    else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
             strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
             strcmp(state, "53300") == 0 || strcmp(state, "57014") == 0 ||
             strcmp(state, "55P03") == 0 || strcmp(state, "25P03") == 0)
        /* Connection, shutdown, serialisation, and the timeouts renod sets on its
         * connections (statement, lock, idle in transaction): all worth a retry. */
        code = RENO__STATUS_CODE__UNAVAILABLE;
    memset(err, 0, sizeof *err);
    err->code = code;
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    snprintf(err->message, sizeof err->message, "%s",
             primary ? primary : PQresultErrorMessage(res));
    snprintf(err->column, sizeof err->column, "%s", column ? column : "");
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    snprintf(err->detail, sizeof err->detail, "%s", detail ? detail : "");
    snprintf(err->hint, sizeof err->hint, "%s", hint ? hint : "");
    /* A constraint PostgreSQL enforced: its name and sentence stay inside renod (logged);
     * the client gets the column it guards, if its name says, and a plain sentence. */
    if (column == NULL && constraint != NULL) {
        log_info("constraint %s refused a row: %s", constraint, err->message);
        msg_constraint_fault(state, PQresultErrorField(res, PG_DIAG_TABLE_NAME), constraint,
                             err->column, sizeof err->column, err->message, sizeof err->message);
    }
}

/* ---- poll handles ---------------------------------------------------------------------- */

static void poll_closed(uv_handle_t *h)
{
    struct poll_box *box = h->data;
    struct db_pool *pool = box->owner->pool;
    free(box);
    pool->open_handles--;
    pool_maybe_done(pool);
}

static void dbc_unwatch(struct dbc *c)
{
    if (c->poll == NULL)
        return;
    uv_poll_stop(&c->poll->handle);
    uv_close((uv_handle_t *)&c->poll->handle, poll_closed);
    c->poll = NULL;
    c->poll_fd = -1;
    c->poll_events = 0;
}

static void on_poll(uv_poll_t *handle, int status, int events);

/* Watches the connection's current socket for `events`, rebuilding the handle if libpq
 * has moved to another socket. */
static void dbc_watch(struct dbc *c, int events)
{
    int fd = PQsocket(c->pg);
    if (fd < 0) {
        dbc_lost(c, "no socket");
        return;
    }
    if (c->poll != NULL && c->poll_fd != fd)
        dbc_unwatch(c);
    if (c->poll == NULL) {
        struct poll_box *box = xcalloc(1, sizeof *box);
        box->owner = c;
        int rc = uv_poll_init_socket(c->pool->loop, &box->handle, fd);
        if (rc != 0) {
            free(box);
            log_error("db[%d]: uv_poll_init: %s", c->index, uv_strerror(rc));
            dbc_lost(c, "cannot watch socket");
            return;
        }
        box->handle.data = box;
        c->pool->open_handles++;
        c->poll = box;
        c->poll_fd = fd;
        c->poll_events = 0;
    }
    if (c->poll_events != events) {
        int rc = uv_poll_start(&c->poll->handle, events, on_poll);
        if (rc != 0) {
            log_error("db[%d]: uv_poll_start: %s", c->index, uv_strerror(rc));
            dbc_lost(c, "cannot watch socket");
            return;
        }
        c->poll_events = events;
    }
}

/* ---- connection life ------------------------------------------------------------------- */

static void on_reconnect_timer(uv_timer_t *t)
{
    struct dbc *c = t->data;
    if (c->pool->closing || c->state != DBC_DOWN)
        return;
    dbc_connect(c);
}

static void dbc_schedule_reconnect(struct dbc *c)
{
    if (c->pool->closing)
        return;
    uv_timer_start(&c->reconnect, on_reconnect_timer, c->backoff_ms, 0);
    c->backoff_ms = c->backoff_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : c->backoff_ms * 2;
}

/* The connection is gone: fail its query, forget the socket, try again later. */
static void dbc_lost(struct dbc *c, const char *why)
{
    struct db_pool *pool = c->pool;
    bool was_healthy = dbc_up(c);
    if (was_healthy)
        log_warn("db[%d]: connection lost: %s", c->index, why);
    else if (c->ever_connected)
        log_debug("db[%d]: connect failed: %s", c->index, why);
    else
        log_warn("db[%d]: connect failed: %s", c->index, why);
    uv_timer_stop(&c->deadline);
    if (c->resolving) {
        c->resolving->owner = NULL;
        uv_cancel((uv_req_t *)&c->resolving->req);
        c->resolving = NULL;
    }
    dbc_unwatch(c);
    struct db_query *q = c->query;
    c->query = NULL;
    dbc_clear_results(c);
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    c->flushing = false;
    if (c->pin) {
        /* The pin's transaction died with the connection: its holder is told by the
         * statement in flight failing, and db_pin_query() refuses from now on. */
        c->pin->conn = NULL;
        c->pin = NULL;
    }
    dbc_set_state(c, DBC_DOWN);
    if (c->listener && was_healthy)
        notify_all(pool, DB_NOTIFY_LOST);
    if (q) {
        struct db_error err;
        error_set(&err, RENO__STATUS_CODE__UNAVAILABLE,
                  "database connection lost during the request: retry with the same key");
        query_fail(pool, q, &err);
    }
    if (!pool_has_healthy(pool))
        pool_fail_queue(pool, why);
    dbc_schedule_reconnect(c);
}

static void on_deadline(uv_timer_t *t);

static void dbc_start_deadline(struct dbc *c, uint64_t ms)
{
    uv_timer_start(&c->deadline, on_deadline, ms, 0);
}

/* Starts the libpq connection, with the resolved addresses when there are any. */
static void dbc_connect_start(struct dbc *c)
{
    struct db_pool *pool = c->pool;
    dbc_set_state(c, DBC_CONNECTING);
    char hostaddr[MAX_HOSTS * (INET6_ADDRSTRLEN + 1)] = "";
    int n = pool->nparams;
    if (pool->nhosts > 0) {
        for (int i = 0; i < pool->nhosts; i++) {
            if (i > 0)
                strcat(hostaddr, ",");
            strcat(hostaddr, c->addrs[i]);
        }
        pool->keywords[n] = "hostaddr";
        pool->values[n] = hostaddr;
        n++;
    }
    pool->keywords[n] = NULL;
    pool->values[n] = NULL;
    c->pg = PQconnectStartParams(pool->keywords, (const char *const *)pool->values, 0);
    pool->keywords[pool->nparams] = NULL;
    pool->values[pool->nparams] = NULL;
    if (c->pg == NULL) {
        dbc_lost(c, "out of memory");
        return;
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        char why[256];
        snprintf(why, sizeof why, "%s", PQerrorMessage(c->pg));
        why[strcspn(why, "\n")] = '\0';
        dbc_lost(c, why);
        return;
    }
    /* libpq says to wait for writability first after PQconnectStart. */
    dbc_watch(c, UV_WRITABLE);
}

static void resolve_next(struct dbc *c);

enum host_kind { HOST_SOCKET_DIR, HOST_NUMERIC, HOST_NAME };

/* An entry of libpq's host list: a Unix socket directory (or abstract socket), a numeric
 * address, or a name that must be looked up. */
static enum host_kind host_kind(const char *h)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (h[0] == '/' || h[0] == '@' || h[0] == '\0')
        return HOST_SOCKET_DIR;
    if (uv_inet_pton(AF_INET, h, buf) == 0 || uv_inet_pton(AF_INET6, h, buf) == 0)
        return HOST_NUMERIC;
    return HOST_NAME;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct resolve_req *r = req->data;
    struct dbc *c = r->owner;
    struct db_pool *pool = r->pool;
    if (c != NULL) {
        c->resolving = NULL;
        char why[300];
        if (status != 0 || res == NULL) {
            snprintf(why, sizeof why, "cannot resolve host '%s': %s", pool->hosts[c->resolve_index],
                     uv_strerror(status));
            dbc_lost(c, why);
        } else {
            char *out = c->addrs[c->resolve_index];
            if (res->ai_family == AF_INET6)
                uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, out, INET6_ADDRSTRLEN);
            else
                uv_ip4_name((struct sockaddr_in *)res->ai_addr, out, INET6_ADDRSTRLEN);
            c->resolve_index++;
            resolve_next(c);
        }
    }
    uv_freeaddrinfo(res);
    free(r);
    pool->open_handles--;
    pool_maybe_done(pool);
}

/* Looks up the next host of the list that is a name; numeric addresses are used as they
 * are, and a socket directory gets an empty entry (libpq then uses the host). */
static void resolve_next(struct dbc *c)
{
    struct db_pool *pool = c->pool;
    while (c->resolve_index < pool->nhosts) {
        const char *h = pool->hosts[c->resolve_index];
        char *out = c->addrs[c->resolve_index];
        enum host_kind kind = host_kind(h);
        if (kind == HOST_SOCKET_DIR) {
            out[0] = '\0';
        } else if (kind == HOST_NUMERIC) {
            snprintf(out, INET6_ADDRSTRLEN, "%s", h);
        } else {
            struct resolve_req *r = xcalloc(1, sizeof *r);
            r->owner = c;
            r->pool = pool;
            r->req.data = r;
            struct addrinfo hints;
            memset(&hints, 0, sizeof hints);
            hints.ai_family = AF_UNSPEC;
            hints.ai_socktype = SOCK_STREAM;
            int rc = uv_getaddrinfo(pool->loop, &r->req, on_resolved, h, NULL, &hints);
            if (rc != 0) {
                free(r);
                dbc_lost(c, "cannot start a name lookup");
                return;
            }
            pool->open_handles++;
            c->resolving = r;
            return;
        }
        c->resolve_index++;
    }
    dbc_connect_start(c);
}

/* Begins an attempt: under the connect deadline, resolve names if any, then connect. */
static void dbc_connect(struct dbc *c)
{
    dbc_start_deadline(c, c->pool->connect_timeout_ms);
    if (c->pool->nhosts == 0) {
        dbc_connect_start(c);
        return;
    }
    dbc_set_state(c, DBC_RESOLVING);
    c->resolve_index = 0;
    resolve_next(c);
}

static void dbc_connect_step(struct dbc *c)
{
    PostgresPollingStatusType st = PQconnectPoll(c->pg);
    switch (st) {
    case PGRES_POLLING_READING:
        dbc_watch(c, UV_READABLE);
        return;
    case PGRES_POLLING_WRITING:
        dbc_watch(c, UV_WRITABLE);
        return;
    case PGRES_POLLING_OK:
        uv_timer_stop(&c->deadline);
        if (PQsetnonblocking(c->pg, 1) != 0) {
            dbc_lost(c, "cannot set non-blocking mode");
            return;
        }
        c->backoff_ms = RECONNECT_MIN_MS;
        if (c->ever_connected) {
            c->pool->reconnects++;
            log_info("db[%d]: reconnected", c->index);
        } else {
            log_info("db[%d]: connected", c->index);
        }
        c->ever_connected = true;
        dbc_set_state(c, DBC_IDLE);
        dbc_watch(c, UV_READABLE);
        if (c->listener)
            listener_subscribe(c);
        else
            pool_kick(c->pool);
        return;
    case PGRES_POLLING_FAILED:
    default: {
        char why[256];
        snprintf(why, sizeof why, "%s", PQerrorMessage(c->pg));
        why[strcspn(why, "\n")] = '\0';
        dbc_lost(c, why);
        return;
    }
    }
}

/* ---- queries --------------------------------------------------------------------------- */

static void dbc_send(struct dbc *c, struct db_query *q)
{
    dbc_set_state(c, DBC_BUSY);
    c->query = q;
    c->pool->queries++;
    int sent = q->simple ? PQsendQuery(c->pg, q->text)
                         : PQsendQueryParams(c->pg, q->text, q->nparams, NULL,
                                             (const char *const *)q->values, NULL, NULL, 0);
    if (!sent) {
        char why[256];
        snprintf(why, sizeof why, "send failed: %s", PQerrorMessage(c->pg));
        why[strcspn(why, "\n")] = '\0';
        dbc_lost(c, why);
        return;
    }
    int f = PQflush(c->pg);
    if (f < 0) {
        dbc_lost(c, "flush failed");
        return;
    }
    c->flushing = f == 1;
    dbc_watch(c, c->flushing ? UV_READABLE | UV_WRITABLE : UV_READABLE);
    if (c->state == DBC_BUSY) {
        uint64_t now = uv_now(c->pool->loop);
        dbc_start_deadline(c, q->deadline_ms > now ? q->deadline_ms - now : 0);
    }
}

static bool result_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* Keeps what decides a query's outcome out of the results libpq returns one by one: the
 * first success for its rows, and the first failure, which outweighs any success. An
 * error raised at COMMIT (a deferred constraint, a NOTIFY queue full at commit) comes
 * after the statement's own successful result: keeping only the first result would
 * acknowledge a write that was rolled back. */
static void dbc_keep_result(struct dbc *c, PGresult *res)
{
    PGresult **slot = result_ok(res) ? &c->result : &c->failure;
    if (*slot == NULL)
        *slot = res;
    else
        PQclear(res);
}

static void dbc_clear_results(struct dbc *c)
{
    PQclear(c->result);
    PQclear(c->failure);
    c->result = NULL;
    c->failure = NULL;
}

/* The query's results are complete: its outcome is the worst of them. */
static void dbc_finish(struct dbc *c)
{
    struct db_query *q = c->query;
    PGresult *res = c->result;
    PGresult *failure = c->failure;
    c->query = NULL;
    c->result = NULL;
    c->failure = NULL;
    uv_timer_stop(&c->deadline);
    dbc_set_state(c, DBC_IDLE);
    if (failure == NULL && res != NULL) {
        q->cb(q->arg, res, NULL);
        query_free(q);
    } else {
        struct db_error err;
        if (failure)
            db_error_from_result(failure, &err);
        else
            error_set(&err, RENO__STATUS_CODE__INTERNAL, "query returned no result");
        if (err.code == RENO__STATUS_CODE__INTERNAL)
            log_error("db[%d]: %s failed: %s %s", c->index, q->name, err.sqlstate, err.message);
        else if (res != NULL)
            log_warn("db[%d]: %s failed after its statement succeeded: %s %s", c->index, q->name,
                     err.sqlstate, err.message);
        query_fail(c->pool, q, &err);
    }
    PQclear(res);
    PQclear(failure);
}

static void listen_done(void *arg, const PGresult *res, const struct db_error *err)
{
    struct dbc *c = arg;
    (void)res;
    if (c->pool->closing)
        return; /* the pool is closing: nothing is rebuilt */
    if (err) {
        /* A listener that does not listen would leave every cache silently stale: drop
         * the connection, so that it is rebuilt and LISTEN is tried again. When the
         * connection itself was lost, dbc_lost() is already doing that. */
        log_warn("db[%d]: LISTEN failed: %s %s", c->index, err->sqlstate, err->message);
        if (c->state == DBC_IDLE || c->state == DBC_CANCELLING)
            dbc_lost(c, "LISTEN failed");
        return;
    }
    /* Notifications may have been missed while the listener was down. */
    notify_all(c->pool, DB_NOTIFY_SUBSCRIBED);
}

/* Runs LISTEN for every channel on a freshly connected listener connection. */
static void listener_subscribe(struct dbc *c)
{
    struct db_query *q = xcalloc(1, sizeof *q);
    q->name = "listen";
    q->text = c->pool->listen_sql;
    q->simple = true;
    q->cb = listen_done;
    q->arg = c;
    q->deadline_ms = uv_now(c->pool->loop) + c->pool->query_timeout_ms;
    dbc_send(c, q);
}

static void notify_one(struct db_pool *pool, const PGnotify *n)
{
    for (int i = 0; i < pool->nsubs; i++)
        if (strcmp(pool->subs[i].channel, n->relname) == 0)
            pool->subs[i].cb(pool->subs[i].arg, DB_NOTIFY_PAYLOAD, n->extra);
}

static void dbc_readable(struct dbc *c)
{
    if (!PQconsumeInput(c->pg)) {
        char why[256];
        snprintf(why, sizeof why, "%s", PQerrorMessage(c->pg));
        why[strcspn(why, "\n")] = '\0';
        dbc_lost(c, why);
        return;
    }
    if (c->state == DBC_IDLE) {
        /* Nothing was asked: this is a notice, a notification or the server going away. */
        PGnotify *n;
        while ((n = PQnotifies(c->pg)) != NULL) {
            if (c->listener)
                notify_one(c->pool, n);
            PQfreemem(n);
        }
        if (PQstatus(c->pg) == CONNECTION_BAD)
            dbc_lost(c, "server closed the connection");
        return;
    }
    while (!PQisBusy(c->pg)) {
        PGresult *res = PQgetResult(c->pg);
        if (res == NULL) {
            if (c->state == DBC_CANCELLING) {
                /* The abandoned query has ended: the connection serves again. */
                uv_timer_stop(&c->deadline);
                dbc_set_state(c, DBC_IDLE);
                log_info("db[%d]: cancelled query drained; connection back in service", c->index);
            } else {
                dbc_finish(c);
            }
            pool_kick(c->pool);
            return;
        }
        if (c->state == DBC_CANCELLING)
            PQclear(res); /* its caller has already been answered */
        else
            dbc_keep_result(c, res);
    }
    if (PQstatus(c->pg) == CONNECTION_BAD)
        dbc_lost(c, "server closed the connection");
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
    struct poll_box *box = handle->data;
    struct dbc *c = box->owner;
    if (c->poll != box)
        return; /* a stale event for a handle being closed */
    if (status < 0) {
        dbc_lost(c, uv_strerror(status));
        return;
    }
    switch (c->state) {
    case DBC_CONNECTING:
        dbc_connect_step(c);
        return;
    case DBC_BUSY:
    case DBC_CANCELLING:
        if ((events & UV_WRITABLE) && c->flushing) {
            int f = PQflush(c->pg);
            if (f < 0) {
                dbc_lost(c, "flush failed");
                return;
            }
            c->flushing = f == 1;
            dbc_watch(c, c->flushing ? UV_READABLE | UV_WRITABLE : UV_READABLE);
            if (c->state != DBC_BUSY && c->state != DBC_CANCELLING)
                return;
        }
        if (events & UV_READABLE)
            dbc_readable(c);
        return;
    case DBC_IDLE:
        dbc_readable(c);
        return;
    case DBC_DOWN:
    case DBC_RESOLVING:
    case DBC_CLOSED:
    default:
        return;
    }
}

/* ---- deadlines ------------------------------------------------------------------------- */

static void cancel_work(uv_work_t *w)
{
    struct cancel_job *job = w->data;
    job->ok = PQcancel(job->cancel, job->why, sizeof job->why);
}

static void cancel_done(uv_work_t *w, int status)
{
    struct cancel_job *job = w->data;
    struct db_pool *pool = job->pool;
    if (status == 0 && !job->ok)
        log_warn("db[%d]: cancel request failed: %s", job->index, job->why);
    PQfreeCancel(job->cancel);
    free(job);
    pool->cancels_in_flight--;
    pool->open_handles--;
    pool_maybe_done(pool);
}

/* Asks the server to cancel the connection's query, off the loop. False when it cannot
 * (too many cancels already in flight: the caller drops the connection instead). */
static bool dbc_cancel_async(struct dbc *c)
{
    struct db_pool *pool = c->pool;
    if (pool->cancels_in_flight >= pool->size)
        return false;
    PGcancel *cancel = PQgetCancel(c->pg);
    if (cancel == NULL)
        return false;
    struct cancel_job *job = xcalloc(1, sizeof *job);
    job->pool = pool;
    job->cancel = cancel;
    job->index = c->index;
    job->work.data = job;
    if (uv_queue_work(pool->loop, &job->work, cancel_work, cancel_done) != 0) {
        PQfreeCancel(cancel);
        free(job);
        return false;
    }
    pool->cancels++;
    pool->cancels_in_flight++;
    pool->open_handles++;
    return true;
}

static void deadline_error(const struct db_pool *pool, struct db_error *err, const char *what)
{
    error_set(err, RENO__STATUS_CODE__UNAVAILABLE,
              "the database did not %s within %u ms: retry with the same key", what,
              pool->query_timeout_ms);
}

/* The running query missed its deadline: answer its caller now, and get the connection
 * back by cancelling the query, or by dropping the connection when that cannot be. */
static void dbc_abandon(struct dbc *c)
{
    struct db_pool *pool = c->pool;
    struct db_query *q = c->query;
    c->query = NULL;
    dbc_clear_results(c);
    pool->timeouts++;
    log_warn("db[%d]: %s did not finish within %u ms: cancelling it", c->index, q->name,
             pool->query_timeout_ms);
    dbc_set_state(c, DBC_CANCELLING);
    if (dbc_cancel_async(c))
        dbc_start_deadline(c, pool->query_timeout_ms);
    else
        dbc_lost(c, "query missed its deadline and cannot be cancelled");
    struct db_error err;
    deadline_error(pool, &err, "answer");
    query_fail(pool, q, &err);
}

static void on_deadline(uv_timer_t *t)
{
    struct dbc *c = t->data;
    char why[96];
    switch (c->state) {
    case DBC_RESOLVING:
    case DBC_CONNECTING:
        snprintf(why, sizeof why, "connection attempt took longer than %u ms",
                 c->pool->connect_timeout_ms);
        dbc_lost(c, why);
        return;
    case DBC_BUSY:
        dbc_abandon(c);
        return;
    case DBC_CANCELLING:
        dbc_lost(c, "cancelled query did not end in time");
        return;
    case DBC_DOWN:
    case DBC_IDLE:
    case DBC_CLOSED:
    default:
        return;
    }
}

static void on_queue_timer(uv_timer_t *t);

/* Arms the pool timer for the oldest queued query's deadline. */
static void pool_arm_queue_timer(struct db_pool *pool)
{
    if (pool->closing)
        return;
    if (pool->head == NULL) {
        uv_timer_stop(&pool->queue_timer);
        return;
    }
    uint64_t now = uv_now(pool->loop);
    uint64_t due = pool->head->deadline_ms;
    uv_timer_start(&pool->queue_timer, on_queue_timer, due > now ? due - now : 0, 0);
}

static void on_queue_timer(uv_timer_t *t)
{
    struct db_pool *pool = t->data;
    uint64_t now = uv_now(pool->loop);
    struct db_error err;
    deadline_error(pool, &err, "take the request");
    while (pool->head && pool->head->deadline_ms <= now) {
        struct db_query *q = pool->head;
        pool->head = q->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        pool->timeouts++;
        log_warn("db: %s waited %u ms for a free connection: failing it", q->name,
                 pool->query_timeout_ms);
        query_fail(pool, q, &err);
    }
    pool_arm_queue_timer(pool);
}

static void rollback_done(void *arg, const PGresult *res, const struct db_error *err)
{
    struct dbc *c = arg;
    (void)res;
    if (err)
        log_warn("db[%d]: ROLLBACK after a pinned sequence failed: %s", c->index, err->message);
}

/* A connection left inside a transaction (a pin released after a failure, or before its
 * COMMIT) rolls it back before it serves anyone else. */
static bool dbc_needs_rollback(struct dbc *c)
{
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
        return false;
    struct db_query *q = xcalloc(1, sizeof *q);
    q->name = "rollback";
    q->text = "ROLLBACK";
    q->simple = true;
    q->cb = rollback_done;
    q->arg = c;
    q->deadline_ms = uv_now(c->pool->loop) + c->pool->query_timeout_ms;
    dbc_send(c, q);
    return true;
}

static void pool_kick(struct db_pool *pool)
{
    for (int i = 0; i < pool->size && pool->head; i++) {
        struct dbc *c = &pool->conns[i];
        if (c->state != DBC_IDLE || c->pin != NULL || dbc_needs_rollback(c))
            continue;
        struct db_query *q = pool->head;
        pool->head = q->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        q->next = NULL;
        if (q->pin) {
            /* A pin request: the connection is now the pin's until it is released. */
            struct db_pin *pin = q->pin;
            pin->conn = c;
            c->pin = pin;
            query_free(q);
            pin->ready(pin->arg, pin, NULL);
            continue;
        }
        dbc_send(c, q);
    }
    pool_arm_queue_timer(pool);
}

int db_query(struct db_pool *pool, enum sql_stmt stmt, int nparams, const char *const *values,
             db_cb cb, void *arg)
{
    const struct sql_statement *s = sql_get(stmt);
    if (nparams != s->nparams)
        fatal("statement %s takes %d parameters, given %d", s->name, s->nparams, nparams);
    return db_query_text(pool, s->name, s->text, nparams, values, cb, arg);
}

int db_query_text(struct db_pool *pool, const char *name, const char *text, int nparams,
                  const char *const *values, db_cb cb, void *arg)
{
    if (nparams > DB_MAX_PARAMS)
        fatal("statement %s has %d parameters, more than %d", name, nparams, DB_MAX_PARAMS);
    if (pool->closing || !pool_may_queue(pool) || pool->queued >= pool->queue_limit)
        return -1;
    struct db_query *q = xcalloc(1, sizeof *q);
    q->name = name;
    q->text = text;
    q->nparams = nparams;
    for (int i = 0; i < nparams; i++)
        q->values[i] = values[i] ? xstrdup(values[i]) : NULL;
    q->cb = cb;
    q->arg = arg;
    q->deadline_ms = uv_now(pool->loop) + pool->query_timeout_ms;
    if (pool->tail)
        pool->tail->next = q;
    else
        pool->head = q;
    pool->tail = q;
    pool->queued++;
    pool_kick(pool);
    return 0;
}

/* ---- pinned sequences ------------------------------------------------------------------ */

/* A pin request that failed in the queue (its deadline, no connection left, closing). */
static void pin_request_failed(void *arg, const PGresult *res, const struct db_error *err)
{
    struct db_pin *pin = arg;
    (void)res;
    pin->ready(pin->arg, NULL, err);
    free(pin);
}

int db_pin(struct db_pool *pool, db_pin_cb ready, void *arg)
{
    if (pool->closing || !pool_may_queue(pool) || pool->queued >= pool->queue_limit)
        return -1;
    struct db_pin *pin = xcalloc(1, sizeof *pin);
    pin->pool = pool;
    pin->ready = ready;
    pin->arg = arg;
    pin->deadline_ms = uv_now(pool->loop) + pool->query_timeout_ms;
    struct db_query *q = xcalloc(1, sizeof *q);
    q->name = "pin";
    q->pin = pin;
    q->cb = pin_request_failed;
    q->arg = pin;
    q->deadline_ms = pin->deadline_ms;
    if (pool->tail)
        pool->tail->next = q;
    else
        pool->head = q;
    pool->tail = q;
    pool->queued++;
    pool_kick(pool);
    return 0;
}

int db_pin_query_text(struct db_pin *pin, const char *name, const char *text, int nparams,
                      const char *const *values, db_cb cb, void *arg)
{
    struct dbc *c = pin->conn;
    if (nparams > DB_MAX_PARAMS)
        fatal("statement %s has %d parameters, more than %d", name, nparams, DB_MAX_PARAMS);
    if (c == NULL || c->state != DBC_IDLE || pin->pool->closing)
        return -1;
    if (uv_now(pin->pool->loop) >= pin->deadline_ms)
        return -1;
    struct db_query *q = xcalloc(1, sizeof *q);
    q->name = name;
    q->text = text;
    q->nparams = nparams;
    for (int i = 0; i < nparams; i++)
        q->values[i] = values[i] ? xstrdup(values[i]) : NULL;
    q->cb = cb;
    q->arg = arg;
    q->deadline_ms = pin->deadline_ms;
    dbc_send(c, q);
    return 0;
}

int db_pin_query(struct db_pin *pin, enum sql_stmt stmt, int nparams, const char *const *values,
                 db_cb cb, void *arg)
{
    const struct sql_statement *s = sql_get(stmt);
    if (nparams != s->nparams)
        fatal("statement %s takes %d parameters, given %d", s->name, s->nparams, nparams);
    return db_pin_query_text(pin, s->name, s->text, nparams, values, cb, arg);
}

void db_pin_release(struct db_pin *pin)
{
    struct db_pool *pool = pin->pool;
    struct dbc *c = pin->conn;
    free(pin);
    if (c == NULL)
        return;
    c->pin = NULL;
    /* Back in the pool; an open transaction is rolled back first (pool_kick). A statement
     * still in flight (being cancelled) keeps the connection until it drains. */
    if (!pool->closing && c->state == DBC_IDLE && !dbc_needs_rollback(c))
        pool_kick(pool);
}

/* ---- pool life ------------------------------------------------------------------------- */

static void pool_add_param(struct db_pool *pool, const char *keyword, const char *value)
{
    pool->keywords[pool->nparams] = keyword;
    pool->values[pool->nparams] = xstrdup(value);
    pool->nparams++;
}

/* Splits the host list when some entry of it is a name to be resolved off the loop. */
static int pool_take_hosts(struct db_pool *pool, const char *hosts, char *why, size_t why_size)
{
    char *copy = xstrdup(hosts);
    bool any_name = false;
    int n = 0;
    for (char *save = NULL, *h = strtok_r(copy, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
        if (n == MAX_HOSTS) {
            snprintf(why, why_size, "more than %d hosts in the connection string", MAX_HOSTS);
            free(copy);
            return -1;
        }
        any_name |= host_kind(h) == HOST_NAME;
        pool->hosts[n++] = xstrdup(h);
    }
    free(copy);
    if (!any_name) {
        for (int i = 0; i < n; i++) {
            free(pool->hosts[i]);
            pool->hosts[i] = NULL;
        }
        n = 0;
    }
    pool->nhosts = n;
    return 0;
}

/* The connection string as keyword/value pairs, with what every pool connection needs:
 * the server-side timeouts first in `options` (a later -c in the operator's own options
 * wins), keepalives unless set. */
static int pool_parse_conninfo(struct db_pool *pool, const char *conninfo, char *why,
                               size_t why_size)
{
    char *message = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &message);
    if (opts == NULL) {
        snprintf(why, why_size, "%s", message ? message : "out of memory");
        why[strcspn(why, "\n")] = '\0';
        PQfreemem(message);
        return -1;
    }
    size_t count = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        count++;
    /* Every option, plus options, four keepalive settings, hostaddr and the NULL. */
    pool->keywords = xcalloc(count + 10, sizeof *pool->keywords);
    pool->values = xcalloc(count + 10, sizeof *pool->values);
    const char *user_options = "";
    const char *hosts = NULL;
    bool has_hostaddr = false, has_keepalives = false, has_name = false;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "options") == 0) {
            user_options = o->val;
            continue;
        }
        if (strcmp(o->keyword, "host") == 0)
            hosts = o->val;
        has_hostaddr |= strcmp(o->keyword, "hostaddr") == 0;
        has_keepalives |= strncmp(o->keyword, "keepalives", 10) == 0;
        has_name |= strcmp(o->keyword, "application_name") == 0;
        /* Keywords from PQconninfoParse live as long as libpq: the static option table. */
        pool_add_param(pool, o->keyword, o->val);
    }
    unsigned t = pool->query_timeout_ms;
    char *options = xasprintf("-c statement_timeout=%u -c lock_timeout=%u "
                              "-c idle_in_transaction_session_timeout=%u %s",
                              t, t / 2 > 0 ? t / 2 : 1, t, user_options);
    pool_add_param(pool, "options", options);
    free(options);
    /* Named, so that an operator (or a test) finds renod's sessions in pg_stat_activity. */
    if (!has_name)
        pool_add_param(pool, "application_name", "renod");
    if (!has_keepalives) {
        pool_add_param(pool, "keepalives", "1");
        pool_add_param(pool, "keepalives_idle", KEEPALIVES_IDLE);
        pool_add_param(pool, "keepalives_interval", KEEPALIVES_INTERVAL);
        pool_add_param(pool, "keepalives_count", KEEPALIVES_COUNT);
    }
    int rc = 0;
    if (hosts && !has_hostaddr)
        rc = pool_take_hosts(pool, hosts, why, why_size);
    PQconninfoFree(opts);
    return rc;
}

static void pool_free(struct db_pool *pool)
{
    for (int i = 0; i < pool->nparams; i++)
        free(pool->values[i]);
    free(pool->keywords);
    free(pool->values);
    for (int i = 0; i < pool->nhosts; i++)
        free(pool->hosts[i]);
    free(pool->conns);
    free(pool->listen_sql);
    for (int i = 0; i < pool->nsubs; i++)
        free(pool->subs[i].channel);
    free(pool->subs);
    free(pool);
}

struct db_pool *db_pool_new(uv_loop_t *loop, const struct db_pool_options *options, char *why,
                            size_t why_size)
{
    struct db_pool *pool = xcalloc(1, sizeof *pool);
    pool->loop = loop;
    pool->size = options->size;
    pool->queue_limit = options->queue_limit;
    pool->query_timeout_ms = options->query_timeout_ms;
    pool->connect_timeout_ms = options->connect_timeout_ms;
    pool->nconns = options->size;
    if (pool_parse_conninfo(pool, options->conninfo, why, why_size) != 0) {
        pool_free(pool);
        return NULL;
    }
    uv_timer_init(loop, &pool->queue_timer);
    pool->queue_timer.data = pool;
    pool->open_handles++;
    /* One more slot for a listener, used only if db_pool_listen() is called. */
    int size = options->size;
    pool->conns = xcalloc((size_t)size + 1, sizeof *pool->conns);
    for (int i = 0; i <= size; i++) {
        struct dbc *c = &pool->conns[i];
        c->pool = pool;
        c->index = i;
        c->state = DBC_DOWN;
        c->poll_fd = -1;
        c->backoff_ms = RECONNECT_MIN_MS;
        c->listener = i == size;
        uv_timer_init(loop, &c->reconnect);
        c->reconnect.data = c;
        uv_timer_init(loop, &c->deadline);
        c->deadline.data = c;
        pool->open_handles += 2;
    }
    return pool;
}

void db_pool_listen(struct db_pool *pool, const char *channel, db_notify_cb cb, void *arg)
{
    /* The channel is a constant of the caller's, never peer input; it is written into
     * the LISTEN statement, so it must be a plain identifier. */
    if (channel[0] == '\0' ||
        strspn(channel, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(channel))
        fatal("db_pool_listen: '%s' is not a plain channel name", channel);
    pool->subs = xrealloc(pool->subs, (size_t)(pool->nsubs + 1) * sizeof *pool->subs);
    pool->subs[pool->nsubs].channel = xstrdup(channel);
    pool->subs[pool->nsubs].cb = cb;
    pool->subs[pool->nsubs].arg = arg;
    pool->nsubs++;
    pool->nconns = pool->size + 1;
}

void db_pool_start(struct db_pool *pool)
{
    if (pool->nsubs > 0) {
        size_t len = 1;
        for (int i = 0; i < pool->nsubs; i++)
            len += strlen(pool->subs[i].channel) + sizeof "LISTEN ; ";
        pool->listen_sql = xcalloc(1, len);
        for (int i = 0; i < pool->nsubs; i++) {
            strcat(pool->listen_sql, "LISTEN ");
            strcat(pool->listen_sql, pool->subs[i].channel);
            strcat(pool->listen_sql, "; ");
        }
    }
    for (int i = 0; i < pool->nconns; i++)
        dbc_connect(&pool->conns[i]);
}

static void timer_closed(uv_handle_t *h)
{
    struct dbc *c = h->data;
    struct db_pool *pool = c->pool;
    pool->open_handles--;
    pool_maybe_done(pool);
}

static void queue_timer_closed(uv_handle_t *h)
{
    struct db_pool *pool = h->data;
    pool->open_handles--;
    pool_maybe_done(pool);
}

static void pool_maybe_done(struct db_pool *pool)
{
    if (!pool->closing || pool->open_handles > 0)
        return;
    void (*done)(void *) = pool->done;
    void *arg = pool->done_arg;
    pool_free(pool);
    if (done)
        done(arg);
}

void db_pool_close(struct db_pool *pool, void (*done)(void *arg), void *arg)
{
    pool->closing = true;
    pool->done = done;
    pool->done_arg = arg;
    struct db_error err;
    error_set(&err, RENO__STATUS_CODE__UNAVAILABLE, "server is shutting down");
    /* Every slot has timers to close, the listener's too even when it is unused. */
    for (int i = 0; i <= pool->size; i++) {
        struct dbc *c = &pool->conns[i];
        if (c->resolving) {
            c->resolving->owner = NULL;
            uv_cancel((uv_req_t *)&c->resolving->req);
            c->resolving = NULL;
        }
        dbc_unwatch(c);
        /* Detached before its callback runs: a callback that reacts to the failure (the
         * listener's) must not find it still in flight and fail it a second time. */
        struct db_query *q = c->query;
        c->query = NULL;
        if (c->pin) {
            c->pin->conn = NULL;
            c->pin = NULL;
        }
        if (q)
            query_fail(pool, q, &err);
        dbc_clear_results(c);
        if (c->pg) {
            PQfinish(c->pg);
            c->pg = NULL;
        }
        c->state = DBC_CLOSED;
        uv_timer_stop(&c->reconnect);
        uv_close((uv_handle_t *)&c->reconnect, timer_closed);
        uv_timer_stop(&c->deadline);
        uv_close((uv_handle_t *)&c->deadline, timer_closed);
    }
    uv_close((uv_handle_t *)&pool->queue_timer, queue_timer_closed);
    pool_fail_queue(pool, "server is shutting down");
}

void db_pool_stats(const struct db_pool *pool, struct db_stats *out)
{
    memset(out, 0, sizeof *out);
    out->connections = pool->size;
    for (int i = 0; i < pool->size; i++) {
        enum dbc_state s = pool->conns[i].state;
        out->healthy += dbc_up(&pool->conns[i]);
        out->busy += s == DBC_BUSY || s == DBC_CANCELLING;
    }
    out->queued = pool->queued;
    out->queries = pool->queries;
    out->failures = pool->failures;
    out->reconnects = pool->reconnects;
    out->timeouts = pool->timeouts;
    out->cancels = pool->cancels;
}

int db_pool_spare(const struct db_pool *pool)
{
    if (pool->closing || pool->head != NULL)
        return 0;
    int n = 0;
    for (int i = 0; i < pool->size; i++) {
        const struct dbc *c = &pool->conns[i];
        n += c->state == DBC_IDLE && c->pin == NULL && c->pg != NULL &&
             PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    }
    return n;
}

const char *db_pool_refusal(const struct db_pool *pool)
{
    if (pool->closing)
        return "the server is shutting down";
    if (!pool_may_queue(pool))
        return "the database is unavailable (no connection to it is up)";
    if (pool->queued >= pool->queue_limit)
        return "the server is busy (too many requests are waiting for the database)";
    return "the database is unavailable";
}

bool db_pool_healthy(const struct db_pool *pool)
{
    return pool_has_healthy(pool);
}
