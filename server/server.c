/*
 * The server: settings, listener, clients, janitor and shutdown. See server.h.
 */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "date.h"
#include "dispatch.h"
#include "frame.h"
#include "log.h"
#include "service.h"
#include "session_cache.h"
#include "session_end.h"
#include "xmalloc.h"

#define JANITOR_INTERVAL_MS 1000
#define DRAIN_MS            1000
#define LINGER_MS           1000
/* Expired sessions and forgotten failures are deleted at start and then once a minute. */
#define JANITOR_PURGE_TICKS 60

#define S(field) offsetof(struct renod_config, field)
const struct setting renod_settings[] = {
    {"listen", SETTING_STRING, "127.0.0.1:7420", 3, 200, S(listen),
     "address:port to listen on (IPv4 or [IPv6]; port 0 picks a free one)", false},
    {"reuse_port", SETTING_STRING, "off", 2, 3, S(reuse_port),
     "on: bind listen with SO_REUSEPORT, so that several renod on one database share one "
     "address and the kernel spreads connections over them (docs/SCALING.md)",
     false},
    {"database", SETTING_STRING, "dbname=reno", 1, 1000, S(database),
     "libpq connection string of the PostgreSQL database", true},
    {"standby", SETTING_STRING, "", 0, 1000, S(standby),
     "libpq connection string of a streaming standby for reads that may be slightly old "
     "(status as of a past date); empty: off (docs/SCALING.md)",
     false},
    {"pool_size", SETTING_INT, "4", 1, 64, S(pool_size), "database connections", false},
    {"request_timeout", SETTING_INT, "8", 1, 3600, S(request_timeout),
     "seconds a request may wait for the database (queued and running) before it is answered "
     "UNAVAILABLE; also the statement_timeout of renod's database sessions",
     false},
    {"connect_timeout", SETTING_INT, "5", 1, 600, S(connect_timeout),
     "seconds a database connection attempt (name lookup included) may take", false},
    {"max_frame", SETTING_INT, "1048576", 1024, FRAME_ABSOLUTE_MAX, S(max_frame),
     "largest frame accepted after login, in bytes", false},
    {"max_frame_prelogin", SETTING_INT, "65536", 256, FRAME_ABSOLUTE_MAX, S(max_frame_prelogin),
     "largest frame accepted before login, in bytes", false},
    {"idle_timeout", SETTING_INT, "300", 1, 86400, S(idle_timeout),
     "seconds without a request before an idle connection is closed", false},
    {"frame_timeout", SETTING_INT, "15", 1, 3600, S(frame_timeout),
     "seconds a half-sent frame may stay incomplete", false},
    {"max_clients", SETTING_INT, "1000", 1, 100000, S(max_clients),
     "logged-in connections at once; a login past it is refused UNAVAILABLE", false},
    {"max_inflight", SETTING_INT, "32", 1, 4096, S(max_inflight),
     "requests in flight per connection before reading from it pauses", false},
    {"output_limit", SETTING_INT, "8388608", 65536, 1073741824, S(output_limit),
     "reply bytes queued for one client: reading from it pauses at half, over it it is closed",
     false},
    {"output_budget", SETTING_INT, "268435456", 1048576, 68719476736, S(output_budget),
     "reply bytes queued over all clients; over it the largest non-reader is closed", false},
    {"watch_views", SETTING_INT, "256", 1, 100000, S(watch_views),
     "distinct pages (views) watched at once in one programme; a Watch of one more is "
     "refused RESOURCE_EXHAUSTED (each costs a page built at every change)",
     false},
    {"max_reply", SETTING_INT, "4194304", 4096, FRAME_ABSOLUTE_MAX, S(max_reply),
     "largest reply in bytes; a larger one is refused RESOURCE_EXHAUSTED (ask for less)", false},
    /* The minimum is low so that expiry can be tested in seconds; no one wants it. */
    {"token_ttl", SETTING_INT, "43200", 5, 2592000, S(token_ttl),
     "seconds a session token stays valid", false},
    {"shutdown_grace", SETTING_INT, "10", 0, 600, S(shutdown_grace),
     "seconds to finish requests in flight at shutdown", false},
    {"log_level", SETTING_STRING, "info", 4, 5, S(log_level), "debug, info, warn or error", false},
    {"port_file", SETTING_STRING, "", 0, 4096, S(port_file),
     "write the bound port to this file once listening (for scripts and tests)", false},
    {"watch_queue_limit", SETTING_INT, "262144", 1024, 67108864, S(watch_queue_limit),
     "unsent bytes past which a watcher gets one resync event instead of updates", false},
    {"status_wait", SETTING_INT, "5", 0, 60, S(status_wait),
     "seconds GetStatus waits for the in-memory status to reach its min_position", false},
    {"tls", SETTING_STRING, "on", 2, 3, S(tls),
     "on or off; off (plaintext) is refused unless listen is a loopback address", false},
    {"tls_cert", SETTING_STRING, "", 0, 4096, S(tls_cert),
     "the server's certificate chain, PEM, its own certificate first (README: TLS)", false},
    {"tls_key", SETTING_STRING, "", 0, 4096, S(tls_key),
     "the certificate's private key, PEM; must not be readable by group or others", false},
    {"tls_client_ca", SETTING_STRING, "", 0, 4096, S(tls_client_ca),
     "CA file (PEM) client certificates must chain to; empty: no client certificate asked", false},
    {"tls_handshake_timeout", SETTING_INT, "10", 1, 600, S(tls_handshake_timeout),
     "seconds a new connection has to finish its TLS handshake", false},
    {"db_owner_role", SETTING_STRING, "reno_owner", 1, 63, S(db_owner_role),
     "database role that owns the schema; renod migrate creates it and runs as it", false},
    {"db_app_role", SETTING_STRING, "reno_app", 1, 63, S(db_app_role),
     "database role renod serves as (put it in database's user=); migrate grants it", false},
    {"login_timeout", SETTING_INT, "10", 1, 600, S(login_timeout),
     "seconds a new connection has to say Hello and log in before it is closed", false},
    {"max_unauthenticated", SETTING_INT, "200", 1, 100000, S(max_unauthenticated),
     "connections not logged in; past it the oldest of them is closed", false},
    {"max_unauthenticated_per_address", SETTING_INT, "20", 1, 100000,
     S(max_unauthenticated_per_address),
     "connections not logged in from one address; past it its oldest is closed", false},
    {"max_hashing", SETTING_INT, "2", 1, 64, S(max_hashing),
     "password checks at once on the thread pool; more are refused UNAVAILABLE", false},
    {"login_free_failures", SETTING_INT, "3", 1, 1000, S(login_free_failures),
     "failed logins of a name from an address before waits between attempts begin", false},
    {"login_address_failures", SETTING_INT, "20", 1, 100000, S(login_address_failures),
     "failed logins from an address, over all names, before its waits begin", false},
    {"login_backoff_base", SETTING_INT, "1", 1, 3600, S(login_backoff_base),
     "seconds of the first wait after the free failures; each failure doubles it", false},
    {"login_backoff_max", SETTING_INT, "900", 1, 86400, S(login_backoff_max),
     "longest wait between login attempts, in seconds", false},
    {"login_failure_window", SETTING_INT, "86400", 60, 2592000, S(login_failure_window),
     "seconds a failed login is remembered after the last one", false},
};
#undef S
const size_t renod_settings_count = sizeof renod_settings / sizeof renod_settings[0];

static void server_maybe_finish(struct server *srv);

int server_query(struct server *srv, enum sql_stmt stmt, int nparams, const char *const *values,
                 db_cb cb, void *arg)
{
    if (srv->db == NULL || srv->phase >= SERVER_CLOSING_DB)
        return -1;
    return db_query(srv->db, stmt, nparams, values, cb, arg);
}

int server_query_text(struct server *srv, const char *name, const char *text, int nparams,
                      const char *const *values, db_cb cb, void *arg)
{
    if (srv->db == NULL || srv->phase >= SERVER_CLOSING_DB)
        return -1;
    return db_query_text(srv->db, name, text, nparams, values, cb, arg);
}

const char *server_query_refusal(const struct server *srv)
{
    if (srv->db == NULL || srv->phase >= SERVER_CLOSING_DB)
        return "the server is shutting down";
    return db_pool_refusal(srv->db);
}

/* ---- accepting ------------------------------------------------------------------------- */

static void on_rejected_closed(uv_handle_t *h)
{
    free(h);
}

void server_unauth_add(struct server *srv, struct client *client)
{
    if (client->in_unauth_queue)
        fatal("conn %llu: already in the unauthenticated queue",
              (unsigned long long)client->conn.id);
    client->in_unauth_queue = true;
    client->phase_since_ms = uv_now(srv->loop);
    client->unauth_next = NULL;
    client->unauth_prev = srv->unauth_tail;
    if (srv->unauth_tail)
        srv->unauth_tail->unauth_next = client;
    else
        srv->unauth_head = client;
    srv->unauth_tail = client;
    srv->unauth_clients++;
}

void server_unauth_remove(struct server *srv, struct client *client)
{
    if (!client->in_unauth_queue)
        return;
    if (client->unauth_prev)
        client->unauth_prev->unauth_next = client->unauth_next;
    else
        srv->unauth_head = client->unauth_next;
    if (client->unauth_next)
        client->unauth_next->unauth_prev = client->unauth_prev;
    else
        srv->unauth_tail = client->unauth_prev;
    client->unauth_prev = client->unauth_next = NULL;
    client->in_unauth_queue = false;
    srv->unauth_clients--;
}

/*
 * The connection to close to make room, among those of `address` (NULL: all): the oldest
 * that has not even said Hello; else the oldest with no Login in flight; else the oldest.
 * So a flood of silent connections displaces silent connections first, and an honest
 * client whose Login is being checked is closed last.
 */
static struct client *pick_stranger_to_close(struct server *srv, const char *address)
{
    struct client *idle = NULL, *oldest = NULL;
    for (struct client *c = srv->unauth_head; c; c = c->unauth_next) {
        if (address && strcmp(c->address, address) != 0)
            continue;
        if (c->phase == CLIENT_NEW)
            return c;
        if (idle == NULL && c->inflight == 0)
            idle = c;
        if (oldest == NULL)
            oldest = c;
    }
    return idle ? idle : oldest;
}

/*
 * Makes room for one more unauthenticated connection from `address`: over the address's
 * own cap one of its connections goes (a crowd from one address displaces only itself);
 * over the total cap one of all goes.
 */
static void make_room_for_stranger(struct server *srv, const char *address)
{
    int from_address = 0;
    for (struct client *c = srv->unauth_head; c; c = c->unauth_next)
        if (strcmp(c->address, address) == 0)
            from_address++;
    if (from_address >= srv->cfg->max_unauthenticated_per_address)
        dispatch_close_with_error(pick_stranger_to_close(srv, address),
                                  RENO__STATUS_CODE__UNAVAILABLE,
                                  "closed before login: too many connections from one address "
                                  "(max_unauthenticated_per_address)");
    else if (srv->unauth_clients >= srv->cfg->max_unauthenticated)
        dispatch_close_with_error(
            pick_stranger_to_close(srv, NULL), RENO__STATUS_CODE__UNAVAILABLE,
            "closed before login: too many connections (max_unauthenticated)");
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct server *srv = listener->data;
    if (status < 0) {
        log_warn("accept: %s", uv_strerror(status));
        return;
    }
    if (server_stopping(srv)) {
        uv_tcp_t *t = xmalloc(sizeof *t);
        uv_tcp_init(srv->loop, t);
        if (uv_accept(listener, (uv_stream_t *)t) == 0)
            log_info("refusing a connection: shutting down");
        uv_close((uv_handle_t *)t, on_rejected_closed);
        return;
    }
    struct client *client = dispatch_client_new(srv);
    uv_tcp_init(srv->loop, &client->conn.tcp);
    if (uv_accept(listener, (uv_stream_t *)&client->conn.tcp) != 0) {
        /* The handle is the first member of the client, so freeing it frees the client. */
        uv_close((uv_handle_t *)&client->conn.tcp, on_rejected_closed);
        return;
    }
    dispatch_peer_address(&client->conn.tcp, client->address);
    make_room_for_stranger(srv, client->address);
    client->next = srv->clients;
    if (srv->clients)
        srv->clients->prev = client;
    srv->clients = client;
    srv->nclients++;
    if (srv->tls != NULL)
        conn_set_tls(&client->conn, srv->tls);
    client->phase = CLIENT_NEW;
    server_unauth_add(srv, client);
    if (dispatch_accept(client) != 0)
        conn_close(&client->conn, "cannot start reading");
}

void server_client_gone(struct server *srv, struct client *client)
{
    if (client->prev)
        client->prev->next = client->next;
    else
        srv->clients = client->next;
    if (client->next)
        client->next->prev = client->prev;
    client->prev = client->next = NULL;
    srv->nclients--;
    server_maybe_finish(srv);
}

void server_call_done(struct server *srv)
{
    srv->calls--;
    server_maybe_finish(srv);
}

/* ---- the service manager --------------------------------------------------------------- */

/*
 * Tells systemd (service.h) what it needs to know, from the janitor and once listening:
 * READY=1 the first time renod listens with a database connection up, so that units
 * ordered after renod find it able to answer; a STATUS line whenever the pool comes up or
 * goes down; WATCHDOG=1 on every tick when the unit asks for a watchdog, so a loop that
 * stalls gets renod restarted. Nothing is sent before listening or once stopping began
 * (server_stop() says STOPPING=1).
 */
static void server_tell_service(struct server *srv)
{
    if (srv->port == 0 || server_stopping(srv) || srv->db == NULL)
        return;
    bool up = db_pool_healthy(srv->db);
    int rc = 0;
    if (up && !srv->service_ready) {
        char state[160];
        snprintf(state, sizeof state, "READY=1\nSTATUS=serving on %s (port %d)", srv->cfg->listen,
                 srv->port);
        rc = service_notify(state);
        srv->service_ready = true;
        srv->service_db_up = true;
    } else if (!srv->service_ready && !srv->service_said_waiting) {
        /* Said once: listening, but not ready until the database answers. */
        srv->service_said_waiting = true;
        rc = service_notify("STATUS=listening; waiting for the database");
    } else if (srv->service_ready && up != srv->service_db_up) {
        srv->service_db_up = up;
        rc = service_notify(up ? "STATUS=serving; the database is back"
                               : "STATUS=serving; the database cannot be reached");
    }
    if (rc == 0 && srv->service_ready && service_watchdog_usec() > 0)
        rc = service_notify("WATCHDOG=1");
    if (rc != 0 && !srv->service_unreachable)
        log_warn("cannot reach the service manager at NOTIFY_SOCKET");
    srv->service_unreachable = rc != 0;
}

/* ---- janitor --------------------------------------------------------------------------- */

static void on_purged(void *arg, const PGresult *res, const struct db_error *err)
{
    (void)arg;
    if (err) {
        log_warn("purging expired sessions and old failed logins: %s", err->message);
        return;
    }
    if (PQntuples(res) == 1 && (atoi(PQgetvalue(res, 0, 0)) || atoi(PQgetvalue(res, 0, 1))))
        log_info("purged %s expired sessions and %s old failed-login records",
                 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
}

/*
 * Periodic upkeep in one place: the login deadline, idle connections, half-sent frames,
 * sessions past their expiry, and (at start, then every JANITOR_PURGE_TICKS) the purge
 * of expired sessions and forgotten failures from the database.
 */
static void on_janitor(uv_timer_t *t)
{
    struct server *srv = t->data;
    uint64_t now = uv_now(srv->loop);
    uint64_t idle_ms = (uint64_t)srv->cfg->idle_timeout * 1000;
    uint64_t frame_ms = (uint64_t)srv->cfg->frame_timeout * 1000;
    uint64_t handshake_ms = (uint64_t)srv->cfg->tls_handshake_timeout * 1000;
    uint64_t login_ms = (uint64_t)srv->cfg->login_timeout * 1000;
    server_tell_service(srv);
    /* The queue is oldest first: the first one still in time ends the walk. */
    while (srv->unauth_head && now - srv->unauth_head->phase_since_ms > login_ms) {
        dispatch_close_with_error(srv->unauth_head, RENO__STATUS_CODE__UNAUTHENTICATED,
                                  "closed: no login within login_timeout");
    }
    int64_t wall = (int64_t)time(NULL);
    struct client *next;
    for (struct client *c = srv->clients; c; c = next) {
        next = c->next;
        struct conn *conn = &c->conn;
        if (!conn_is_open(conn))
            continue;
        if (conn_handshake_overdue(conn, now, handshake_ms))
            conn_close(conn, "TLS handshake timed out");
        /* Last frames of which a peer takes nothing for a second are not worth the
         * memory they hold (output limits): closing cancels the queued writes. A peer
         * still taking them, however slowly, is given the time (at a shutdown, up to the
         * grace period). */
        else if (conn->state == CONN_DRAINING && now - conn->last_activity_ms > DRAIN_MS)
            conn_close(conn, "last frame not read in time");
        /* Nor is a peer that goes on sending after it (conn.h, LINGERING). */
        else if (conn_linger_overdue(conn, now, LINGER_MS))
            conn_close(conn, "the peer did not close after the last frame");
        else if (conn->partial_since_ms && now - conn->partial_since_ms > frame_ms)
            conn_close(conn, "incomplete frame timed out");
        else if (c->inflight == 0 && now - conn->last_activity_ms > idle_ms)
            conn_close(conn, "idle timeout");
        else if (c->phase == CLIENT_READY && c->session.expires_at <= wall)
            session_end(c, RENO__SESSION_END_REASON__SESSION_END_EXPIRED);
    }
    /* The first purge comes at the first tick, so that a renod restarted more often than
     * once a minute still purges; one skipped while the database cannot be reached is
     * tried again at the next tick rather than a minute later. */
    if (!server_stopping(srv) && srv->purge_in-- == 0) {
        char window[24];
        snprintf(window, sizeof window, "%ld", srv->cfg->login_failure_window);
        const char *params[] = {window};
        bool sent = server_query(srv, SQL_PURGE, 1, params, on_purged, NULL) == 0;
        if (!sent)
            log_debug("purge skipped: the database is unavailable");
        srv->purge_in = sent ? JANITOR_PURGE_TICKS - 1 : 0;
    }
}

/* ---- shutdown -------------------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

/* Moves renod forward in its life (enum server_phase); a move back is ignored, so that a
 * late timer or signal cannot undo a step already taken. */
static void server_set_phase(struct server *srv, enum server_phase phase)
{
    if (phase > srv->phase)
        srv->phase = phase;
}

static void on_pool_closed(void *arg)
{
    struct server *srv = arg;
    srv->pools_open--;
    server_maybe_finish(srv);
}

static void server_maybe_finish(struct server *srv)
{
    if (!server_stopping(srv) || srv->phase == SERVER_DONE)
        return;
    if (srv->nclients > 0)
        return;
    if (srv->calls > 0 && srv->phase < SERVER_CUT)
        return;
    if (srv->phase < SERVER_CLOSING_DB) {
        server_set_phase(srv, SERVER_CLOSING_DB);
        struct db_pool *pool = srv->db, *standby = srv->standby;
        srv->db = NULL;
        rollup_lose_db(&srv->rollup);
        srv->standby = NULL;
        srv->pools_open = standby ? 2 : 1;
        if (standby)
            db_pool_close(standby, on_pool_closed, srv);
        db_pool_close(pool, on_pool_closed, srv);
        return;
    }
    if (srv->pools_open > 0 || srv->calls > 0)
        return;
    server_set_phase(srv, SERVER_DONE);
    uv_close((uv_handle_t *)&srv->janitor, on_handle_closed);
    uv_close((uv_handle_t *)&srv->grace, on_handle_closed);
    uv_close((uv_handle_t *)&srv->sigint, on_handle_closed);
    uv_close((uv_handle_t *)&srv->sigterm, on_handle_closed);
    rollup_close(&srv->rollup);
    log_info("shutdown complete");
}

static void on_grace(uv_timer_t *t)
{
    struct server *srv = t->data;
    server_set_phase(srv, SERVER_CUT);
    struct client *next;
    for (struct client *c = srv->clients; c; c = next) {
        next = c->next;
        conn_close(&c->conn, "shutdown grace period over");
    }
    server_maybe_finish(srv);
}

void server_stop(struct server *srv, const char *why)
{
    if (server_stopping(srv))
        return;
    server_set_phase(srv, SERVER_DRAINING);
    log_info("shutting down: %s", why);
    if (service_notify("STOPPING=1") != 0)
        log_warn("cannot reach the service manager at NOTIFY_SOCKET");
    uv_close((uv_handle_t *)&srv->listener, on_handle_closed);
    uv_timer_start(&srv->grace, on_grace, (uint64_t)srv->cfg->shutdown_grace * 1000, 0);
    Reno__ShuttingDown sd = RENO__SHUTTING_DOWN__INIT;
    sd.reason = (char *)why;
    Reno__Event ev = RENO__EVENT__INIT;
    ev.body_case = RENO__EVENT__BODY_SHUTTING_DOWN;
    ev.shutting_down = &sd;
    struct client *next;
    for (struct client *c = srv->clients; c; c = next) {
        next = c->next;
        dispatch_send_event(c, &ev);
        conn_pause(&c->conn, true);
        if (c->inflight == 0)
            conn_finish(&c->conn, "server shutting down");
    }
    rollup_stop(&srv->rollup);
    server_maybe_finish(srv);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct server *srv = s->data;
    if (server_stopping(srv)) {
        log_warn("second signal %d: stopping now", signum);
        on_grace(&srv->grace);
        return;
    }
    server_stop(srv, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int parse_listen(const char *text, struct sockaddr_storage *addr);

static bool is_loopback(const struct sockaddr_storage *addr)
{
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (addr->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/*
 * TLS is the default; plaintext is served only when the settings ask for it and only on a
 * loopback address, where nobody else can listen on the wire. Without a certificate and
 * key renod does not start: a server that silently fell back to plaintext would send
 * passwords in clear.
 */
static int server_tls_init(struct server *srv)
{
    const struct renod_config *cfg = srv->cfg;
    bool on = strcmp(cfg->tls, "on") == 0;
    if (!on && strcmp(cfg->tls, "off") != 0) {
        log_error("tls must be on or off, not '%s'", cfg->tls);
        return -1;
    }
    if (!on) {
        struct sockaddr_storage addr;
        memset(&addr, 0, sizeof addr);
        if (parse_listen(cfg->listen, &addr) != 0) {
            log_error("listen: '%s' is not a numeric address:port", cfg->listen);
            return -1;
        }
        if (!is_loopback(&addr)) {
            log_error("tls = off is refused on %s: plaintext is allowed only on a loopback "
                      "address (127.0.0.1, [::1]); set tls_cert and tls_key and leave tls on",
                      cfg->listen);
            return -1;
        }
        log_warn("TLS is off: serving plaintext on %s (loopback only)", cfg->listen);
        return 0;
    }
    char err[TLS_ERR_SIZE];
    if (tls_server_new(cfg->tls_cert, cfg->tls_key, cfg->tls_client_ca, &srv->tls, err) != 0) {
        log_error("%s", err);
        return -1;
    }
    return 0;
}

/* The roll-up moved a programme's figures: its packed pages are of figures no longer held,
 * and its watchers are told. */
static void on_rollup_move(void *arg, const struct rollup_move *move)
{
    struct server *srv = arg;
    status_cache_drop(&srv->status_cache, move->programme_id);
    watch_on_move(&srv->watch, move);
}

int server_init(struct server *srv, uv_loop_t *loop, const struct renod_config *cfg)
{
    memset(srv, 0, sizeof *srv);
    srv->loop = loop;
    srv->cfg = cfg;
    srv->today = date_today;
    if (server_tls_init(srv) != 0)
        return -1;
    char random_password[MSG_TOKEN_HEX + 1];
    char unused[AUTH_HASH_HEX];
    auth_new_token(random_password, unused);
    if (auth_hash_password(random_password, srv->dummy_hash) != 0) {
        log_error("cannot compute the dummy password hash (out of memory?)");
        tls_server_free(srv->tls);
        srv->tls = NULL;
        return -1;
    }
    if (cfg->standby[0]) {
        char *parse_error = NULL;
        PQconninfoOption *parsed = PQconninfoParse(cfg->standby, &parse_error);
        if (parsed == NULL) {
            log_error("standby: %s", parse_error ? parse_error : "cannot parse (out of memory?)");
            PQfreemem(parse_error);
            tls_server_free(srv->tls);
            srv->tls = NULL;
            return -1;
        }
        PQconninfoFree(parsed);
    }
    struct db_pool_options pool_options = {
        .conninfo = cfg->database,
        .size = (int)cfg->pool_size,
        .queue_limit = DB_DEFAULT_QUEUE_LIMIT,
        .query_timeout_ms = (unsigned)cfg->request_timeout * 1000u,
        .connect_timeout_ms = (unsigned)cfg->connect_timeout * 1000u,
    };
    char why[256];
    srv->db = db_pool_new(loop, &pool_options, why, sizeof why);
    if (srv->db == NULL) {
        log_error("database: %s", why);
        return -1;
    }
    if (cfg->standby[0]) {
        /* A small pool: it serves only reads that may be slightly old. */
        pool_options.conninfo = cfg->standby;
        pool_options.size = 2;
        srv->standby = db_pool_new(loop, &pool_options, why, sizeof why);
        if (srv->standby == NULL) {
            /* Unreachable: the connection string was parsed before the primary's pool. */
            fatal("standby: %s", why);
        }
    }
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    uv_timer_init(loop, &srv->janitor);
    srv->janitor.data = srv;
    uv_timer_init(loop, &srv->grace);
    srv->grace.data = srv;
    uv_signal_init(loop, &srv->sigint);
    srv->sigint.data = srv;
    uv_signal_init(loop, &srv->sigterm);
    srv->sigterm.data = srv;
    uv_signal_start(&srv->sigint, on_signal, SIGINT);
    uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
    uv_timer_start(&srv->janitor, on_janitor, JANITOR_INTERVAL_MS, JANITOR_INTERVAL_MS);
    rollup_init(&srv->rollup, loop, srv->db, srv->today);
    watch_init(&srv->watch, &dispatch_watch_sink, srv, (size_t)cfg->watch_queue_limit);
    srv->watch.reply_limit = dispatch_reply_max(srv);
    status_cache_init(&srv->status_cache);
    rollup_set_move_cb(&srv->rollup, on_rollup_move, srv);
    db_pool_listen(srv->db, ROLLUP_CHANNEL, rollup_on_notify, &srv->rollup);
    srv->session_cache = session_cache_new(SESSION_CACHE_DEFAULT_CAPACITY);
    db_pool_listen(srv->db, SESSION_END_CHANNEL, session_end_on_notify, srv);
    db_pool_start(srv->db);
    if (srv->standby)
        db_pool_start(srv->standby);
    return 0;
}

/* Splits "host:port" or "[v6]:port"; no DNS: the host must be a numeric address. */
static int parse_listen(const char *text, struct sockaddr_storage *addr)
{
    char host[128];
    const char *colon = strrchr(text, ':');
    if (colon == NULL)
        return -1;
    size_t hlen = (size_t)(colon - text);
    if (hlen == 0 || hlen >= sizeof host)
        return -1;
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    if (host[0] == '[' && host[hlen - 1] == ']') {
        host[hlen - 1] = '\0';
        return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)addr) == 0 ? 0 : -1;
    }
    return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)addr) == 0 ? 0 : -1;
}

/*
 * With reuse_port on, the socket is made here with SO_REUSEPORT set before bind and handed
 * to libuv: Debian 12's libuv (1.44) has no flag for it (UV_TCP_REUSEPORT came in 1.49).
 * Every renod that binds the same address this way, as the same user, gets its own
 * listening socket and the kernel spreads new connections over them; one that stops
 * takes only its own connections with it. A process without the option that holds the
 * port keeps the others out, as before.
 */
static int listener_reuse_port(struct server *srv, const struct sockaddr_storage *addr)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return uv_translate_sys_error(errno);
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        int rc = uv_translate_sys_error(errno);
        close(fd);
        return rc;
    }
    int rc = uv_tcp_open(&srv->listener, (uv_os_sock_t)fd);
    if (rc != 0)
        close(fd);
    return rc;
}

int server_listen(struct server *srv)
{
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (parse_listen(srv->cfg->listen, &addr) != 0) {
        log_error("listen: '%s' is not a numeric address:port", srv->cfg->listen);
        return -1;
    }
    bool reuse_port = strcmp(srv->cfg->reuse_port, "on") == 0;
    if (!reuse_port && strcmp(srv->cfg->reuse_port, "off") != 0) {
        log_error("reuse_port must be on or off, not '%s'", srv->cfg->reuse_port);
        return -1;
    }
    int rc = reuse_port ? listener_reuse_port(srv, &addr) : 0;
    if (rc == 0)
        rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
    /* The kernel's accept queue as deep as it allows (net.core.somaxconn, 4096 by
     * default): when a thousand clients reconnect at once after a restart, or a crowd of
     * strangers arrives, the connections renod has not accepted yet wait there. With 128,
     * the rest of the SYNs were dropped and retried by their clients after 1, 3, 7, 15
     * and 31 s: a loaded renod took half a minute to let the last of them in. */
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, on_connection);
    if (rc != 0) {
        log_error("listen on %s: %s", srv->cfg->listen, uv_strerror(rc));
        return -1;
    }
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    log_info("listening on %s (port %d%s)", srv->cfg->listen, srv->port,
             reuse_port ? ", shared with SO_REUSEPORT" : "");
    if (srv->cfg->port_file[0]) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", srv->cfg->port_file);
        FILE *f = fopen(tmp, "w");
        if (f == NULL || fprintf(f, "%d\n", srv->port) < 0 || fclose(f) != 0 ||
            rename(tmp, srv->cfg->port_file) != 0) {
            log_error("cannot write port file %s", srv->cfg->port_file);
            return -1;
        }
    }
    server_tell_service(srv);
    return 0;
}

void server_done(struct server *srv)
{
    session_cache_free(srv->session_cache);
    srv->session_cache = NULL;
    rollup_done(&srv->rollup);
    watch_done(&srv->watch);
    status_cache_done(&srv->status_cache);
    tls_server_free(srv->tls);
    srv->tls = NULL;
}
