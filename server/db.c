/*
 * Asynchronous PostgreSQL pool. See db.h.
 *
 * Each connection is a small state machine:
 *
 *   DOWN --timer--> CONNECTING --PQconnectPoll OK--> IDLE <--result--> BUSY
 *     ^                 |                              |                 |
 *     +----- failed ----+---------- socket EOF / error +-----------------+
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

enum dbc_state { DBC_DOWN, DBC_CONNECTING, DBC_IDLE, DBC_BUSY, DBC_CLOSED };

struct db_query {
    struct db_query *next;
    const char *name; /* static: for log lines */
    const char *text; /* static: the statement */
    int nparams;
    char *values[DB_MAX_PARAMS];
    db_cb cb;
    void *arg;
    bool simple; /* sent with PQsendQuery: no parameters, several statements allowed */
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

struct dbc {
    struct db_pool *pool;
    int index;
    enum dbc_state state;
    PGconn *pg;
    struct poll_box *poll; /* NULL when no socket is watched */
    int poll_fd;
    int poll_events;
    uv_timer_t reconnect;
    uint64_t backoff_ms;
    struct db_query *query; /* the query on this connection when BUSY */
    PGresult *result;       /* the first successful result of the query */
    PGresult *failure;      /* the first failed result of the query, if any */
    bool flushing;          /* PQflush said there is more to send */
    bool ever_connected;
    bool listener; /* the LISTEN connection: never given queries */
};

struct db_pool {
    uv_loop_t *loop;
    char *conninfo;
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
    unsigned long long queries, failures, reconnects;
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
    static const char *const names[] = {"down", "connecting", "idle", "busy", "closed"};
    return names[s];
}

/* Every state change goes through here; impossible transitions are bugs. */
static void dbc_set_state(struct dbc *c, enum dbc_state next)
{
    bool ok;
    switch (next) {
    case DBC_CONNECTING:
        ok = c->state == DBC_DOWN;
        break;
    case DBC_IDLE:
        ok = c->state == DBC_CONNECTING || c->state == DBC_BUSY;
        break;
    case DBC_BUSY:
        ok = c->state == DBC_IDLE;
        break;
    case DBC_DOWN:
        ok = c->state == DBC_CONNECTING || c->state == DBC_IDLE || c->state == DBC_BUSY;
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

static bool pool_has_healthy(const struct db_pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (pool->conns[i].state == DBC_IDLE || pool->conns[i].state == DBC_BUSY)
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
             strcmp(state, "53300") == 0)
        code = RENO__STATUS_CODE__UNAVAILABLE; /* connection, shutdown, serialisation */
    memset(err, 0, sizeof *err);
    err->code = code;
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    snprintf(err->message, sizeof err->message, "%s",
             primary ? primary : PQresultErrorMessage(res));
    snprintf(err->column, sizeof err->column, "%s", column ? column : "");
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
    bool was_healthy = c->state == DBC_IDLE || c->state == DBC_BUSY;
    if (was_healthy)
        log_warn("db[%d]: connection lost: %s", c->index, why);
    else
        log_debug("db[%d]: connect failed: %s", c->index, why);
    dbc_unwatch(c);
    struct db_query *q = c->query;
    c->query = NULL;
    dbc_clear_results(c);
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    c->flushing = false;
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

static void dbc_connect(struct dbc *c)
{
    dbc_set_state(c, DBC_CONNECTING);
    c->pg = PQconnectStart(c->pool->conninfo);
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
    if (err && c->pool->closing)
        return; /* the pool is closing: nothing is rebuilt */
    if (err) {
        /* A listener that does not listen would leave every cache silently stale: drop
         * the connection, so that it is rebuilt and LISTEN is tried again. */
        log_warn("db[%d]: LISTEN failed: %s %s", c->index, err->sqlstate, err->message);
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
            dbc_finish(c);
            pool_kick(c->pool);
            return;
        }
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
        if ((events & UV_WRITABLE) && c->flushing) {
            int f = PQflush(c->pg);
            if (f < 0) {
                dbc_lost(c, "flush failed");
                return;
            }
            c->flushing = f == 1;
            dbc_watch(c, c->flushing ? UV_READABLE | UV_WRITABLE : UV_READABLE);
            if (c->state != DBC_BUSY)
                return;
        }
        if (events & UV_READABLE)
            dbc_readable(c);
        return;
    case DBC_IDLE:
        dbc_readable(c);
        return;
    case DBC_DOWN:
    case DBC_CLOSED:
    default:
        return;
    }
}

static void pool_kick(struct db_pool *pool)
{
    for (int i = 0; i < pool->size && pool->head; i++) {
        struct dbc *c = &pool->conns[i];
        if (c->state != DBC_IDLE)
            continue;
        struct db_query *q = pool->head;
        pool->head = q->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        q->next = NULL;
        dbc_send(c, q);
    }
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
    if (pool->tail)
        pool->tail->next = q;
    else
        pool->head = q;
    pool->tail = q;
    pool->queued++;
    pool_kick(pool);
    return 0;
}

/* ---- pool life ------------------------------------------------------------------------- */

struct db_pool *db_pool_new(uv_loop_t *loop, const char *conninfo, int size, unsigned queue_limit)
{
    struct db_pool *pool = xcalloc(1, sizeof *pool);
    pool->loop = loop;
    pool->conninfo = xstrdup(conninfo);
    pool->size = size;
    pool->queue_limit = queue_limit;
    pool->nconns = size;
    /* One more slot for a listener, used only if db_pool_listen() is called. */
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
        pool->open_handles++;
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

static void pool_maybe_done(struct db_pool *pool)
{
    if (!pool->closing || pool->open_handles > 0)
        return;
    void (*done)(void *) = pool->done;
    void *arg = pool->done_arg;
    free(pool->conns);
    free(pool->conninfo);
    free(pool->listen_sql);
    for (int i = 0; i < pool->nsubs; i++)
        free(pool->subs[i].channel);
    free(pool->subs);
    free(pool);
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
    /* Every slot has a timer to close, the listener's too even when it is unused. */
    for (int i = 0; i <= pool->size; i++) {
        struct dbc *c = &pool->conns[i];
        dbc_unwatch(c);
        /* Detached before its callback runs: a callback that reacts to the failure (the
         * listener's) must not find it still in flight and fail it a second time. */
        struct db_query *q = c->query;
        c->query = NULL;
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
    }
    pool_fail_queue(pool, "server is shutting down");
}

void db_pool_stats(const struct db_pool *pool, struct db_stats *out)
{
    memset(out, 0, sizeof *out);
    out->connections = pool->size;
    for (int i = 0; i < pool->size; i++) {
        enum dbc_state s = pool->conns[i].state;
        out->healthy += s == DBC_IDLE || s == DBC_BUSY;
        out->busy += s == DBC_BUSY;
    }
    out->queued = pool->queued;
    out->queries = pool->queries;
    out->failures = pool->failures;
    out->reconnects = pool->reconnects;
}

bool db_pool_healthy(const struct db_pool *pool)
{
    return pool_has_healthy(pool);
}
