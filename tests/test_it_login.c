/*
 * Logins and sessions under hostile peers, through the real path: the deadline and the
 * caps on connections that have not logged in, the cap on password hashing, throttling of
 * failed logins per name and address (kept in PostgreSQL, so it survives a restart of
 * renod), the office's lock-out and account commands, and sessions that end under live
 * connections (expiry, logout elsewhere, a disabled account, a changed password, a unit's
 * sessions revoked), each told with Event.session_ended; expired sessions purged by renod.
 *
 * Several source addresses are simulated with loopback addresses (127.0.0.x): on Linux the
 * whole of 127/8 reaches a server listening on 127.0.0.1, and a client socket can be bound
 * to any of them. Those connections speak the protocol through the small raw client
 * below (the frame rule and the .proto, nothing else), as a third-party client would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "it.h"

/* ---- a raw client from a chosen source address ---------------------------------------- */

/* A TCP connection to the server from `source` (e.g. "127.0.0.5"); blocking unless told. */
static int raw_connect(const struct h_server *s, const char *source, bool nonblocking)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in from = {.sin_family = AF_INET};
    ck_assert_int_eq(inet_pton(AF_INET, source, &from.sin_addr), 1);
    ck_assert_msg(bind(fd, (struct sockaddr *)&from, sizeof from) == 0, "bind %s: %s", source,
                  strerror(errno));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    int rc = connect(fd, (struct sockaddr *)&to, sizeof to);
    ck_assert_msg(rc == 0 || (nonblocking && errno == EINPROGRESS), "connect: %s", strerror(errno));
    return fd;
}

static void raw_send(int fd, const Reno__Request *req)
{
    size_t len = reno__request__get_packed_size(req);
    uint8_t *buf = malloc(len + 4);
    frame_put_header(buf, (uint32_t)len);
    reno__request__pack(req, buf + 4);
    size_t off = 0;
    while (off < len + 4) {
        ssize_t n = write(fd, buf + off, len + 4 - off);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "write: %s", strerror(errno));
        off += (size_t)n;
    }
    free(buf);
}

/* Reads exactly len bytes within the deadline; false on EOF, error or time-out. */
static bool read_exact(int fd, uint8_t *buf, size_t len, double deadline)
{
    size_t got = 0;
    while (got < len) {
        int left_ms = (int)((deadline - h_now_s()) * 1000);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left_ms <= 0 || poll(&pfd, 1, left_ms) <= 0)
            return false;
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* The next message from the server within timeout_ms; NULL on EOF or time-out. */
static Reno__ServerMessage *raw_next(int fd, int timeout_ms)
{
    double deadline = h_now_s() + timeout_ms / 1000.0;
    uint8_t header[4];
    if (!read_exact(fd, header, sizeof header, deadline))
        return NULL;
    uint32_t len = ((uint32_t)header[0] << 24) | ((uint32_t)header[1] << 16) |
                   ((uint32_t)header[2] << 8) | header[3];
    ck_assert_uint_le(len, 4u << 20);
    uint8_t *body = malloc(len ? len : 1);
    bool ok = read_exact(fd, body, len, deadline);
    Reno__ServerMessage *m = ok ? reno__server_message__unpack(NULL, len, body) : NULL;
    free(body);
    return m;
}

/* Sends a request and returns its Response's message (events before it are skipped). */
static Reno__ServerMessage *raw_call(int fd, Reno__Request *req)
{
    static uint64_t next_id = 1;
    req->id = next_id++;
    raw_send(fd, req);
    for (;;) {
        Reno__ServerMessage *m = raw_next(fd, 20000);
        ck_assert_msg(m != NULL, "no reply to request %llu", (unsigned long long)req->id);
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE && m->response->id == req->id)
            return m;
        reno__server_message__free_unpacked(m, NULL);
    }
}

static int raw_hello(const struct h_server *s, const char *source)
{
    int fd = raw_connect(s, source, false);
    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = 1;
    hello.client_name = "test_it_login";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_HELLO;
    req.hello = &hello;
    Reno__ServerMessage *m = raw_call(fd, &req);
    ck_assert_int_eq(m->response->status->code, RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    return fd;
}

static Reno__ServerMessage *raw_login(int fd, const char *user, const char *password)
{
    Reno__Login login = RENO__LOGIN__INIT;
    login.username = (char *)user;
    login.password = (char *)password;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &login;
    return raw_call(fd, &req);
}

static Reno__StatusCode raw_code(const Reno__ServerMessage *m)
{
    return m->response->status ? m->response->status->code : RENO__STATUS_CODE__OK;
}

/* True when the server closes fd within timeout_ms; *error_code gets the code of an
 * Event.error it sent before closing (-1 if none). */
static bool closed_by_server(int fd, int timeout_ms, int *error_code)
{
    *error_code = -1;
    for (;;) {
        Reno__ServerMessage *m = raw_next(fd, timeout_ms);
        if (m == NULL) {
            uint8_t byte;
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            return poll(&pfd, 1, 0) == 1 && read(fd, &byte, 1) <= 0;
        }
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
            m->event->body_case == RENO__EVENT__BODY_ERROR)
            *error_code = (int)m->event->error->code;
        reno__server_message__free_unpacked(m, NULL);
    }
}

/* ---- helpers over the harness's client ------------------------------------------------- */

static char *password_of(const char *user)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s-test-password", user);
    return buf;
}

/* Waits for an Event.session_ended on c and returns its reason (0 if none came). */
static int session_ended_reason(struct net_conn *c, int timeout_ms)
{
    char err[NET_ERR_SIZE];
    double deadline = h_now_s() + timeout_ms / 1000.0;
    for (;;) {
        int left = (int)((deadline - h_now_s()) * 1000);
        if (left <= 0)
            return 0;
        Reno__ServerMessage *m = NULL;
        int rc = net_next(c, left, &m, err);
        if (rc != 0)
            return 0;
        int reason = 0;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
            m->event->body_case == RENO__EVENT__BODY_SESSION_ENDED)
            reason = (int)m->event->session_ended->reason;
        net_free(c, m);
        if (reason)
            return reason;
    }
}

/* True when the server has closed c: a call fails at the transport. */
static bool net_closed(struct net_conn *c)
{
    Reno__Ping ping = RENO__PING__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_PING;
    req.ping = &ping;
    Reno__ServerMessage *m = NULL;
    char err[NET_ERR_SIZE];
    net_set_timeout(c, 5000);
    if (net_call(c, &req, &m, err) != 0)
        return true;
    net_free(c, m);
    return false;
}

/* The server said the session ended, for this reason, within 5 s, and closed the
 * connection. */
static void assert_session_ended(struct net_conn *c, int reason)
{
    ck_assert_int_eq(session_ended_reason(c, 5000), reason);
    ck_assert(net_closed(c));
}

static Reno__StatusCode status_code(struct net_conn *c)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = "2022-12-31";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
    Reno__StatusCode code = h_code(m);
    net_free(c, m);
    return code;
}

/* An office write on an account or unit: DisableAccount, EnableAccount, ClearLockout ... */
static Reno__StatusCode account_op(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                                   ProtobufCBinaryData *key, uint8_t keybuf[16])
{
    h_new_key(key, keybuf);
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    Reno__StatusCode code = h_code(m);
    net_free(c, m);
    return code;
}

static Reno__StatusCode disable_account(struct net_conn *c, const char *user, bool disable)
{
    uint8_t key[16];
    if (disable) {
        Reno__DisableAccount d = RENO__DISABLE_ACCOUNT__INIT;
        d.username = (char *)user;
        return account_op(c, RENO__REQUEST__BODY_DISABLE_ACCOUNT, &d, &d.idempotency_key, key);
    }
    Reno__EnableAccount e = RENO__ENABLE_ACCOUNT__INIT;
    e.username = (char *)user;
    return account_op(c, RENO__REQUEST__BODY_ENABLE_ACCOUNT, &e, &e.idempotency_key, key);
}

/* ---- pre-login limits ------------------------------------------------------------------ */

START_TEST(silent_connection_is_closed_at_the_login_deadline)
{
    struct h_server quick;
    const char *extra[] = {"--login-timeout", "1", NULL};
    h_server_start(&quick, h_db, extra);
    int silent = raw_connect(&quick, "127.0.0.2", false);
    int hello_only = raw_hello(&quick, "127.0.0.2");
    struct net_conn *member = h_login(&quick, H_HOUSING);
    double start = h_now_s();
    int code;
    ck_assert(closed_by_server(silent, 5000, &code));
    ck_assert_int_eq(code, RENO__STATUS_CODE__UNAUTHENTICATED);
    ck_assert(closed_by_server(hello_only, 5000, &code));
    ck_assert_int_eq(code, RENO__STATUS_CODE__UNAUTHENTICATED);
    /* The janitor looks once a second: the deadline plus its tick plus a margin. */
    ck_assert_double_lt(h_now_s() - start, 1 + 1 + 2);
    /* Logged in, the other connection is not held to the deadline. */
    ck_assert_int_eq(status_code(member), RENO__STATUS_CODE__OK);
    net_close(member);
    close(silent);
    close(hello_only);
    ck_assert_int_eq(h_server_stop(&quick), 0);
}
END_TEST

START_TEST(crowd_from_one_address_displaces_only_itself)
{
    struct h_server capped;
    const char *extra[] = {"--max-unauthenticated-per-address", "3", NULL};
    h_server_start(&capped, h_db, extra);
    int other = raw_hello(&capped, "127.0.0.9");
    int crowd[4];
    for (int i = 0; i < 4; i++)
        crowd[i] = raw_hello(&capped, "127.0.0.8");
    /* The fourth from 127.0.0.8 closed the oldest from 127.0.0.8, and nothing else. */
    int code;
    ck_assert(closed_by_server(crowd[0], 5000, &code));
    ck_assert_int_eq(code, RENO__STATUS_CODE__UNAVAILABLE);
    Reno__ServerMessage *m = raw_login(other, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    m = raw_login(crowd[3], H_HOUSING, password_of(H_HOUSING));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    for (int i = 0; i < 4; i++)
        close(crowd[i]);
    close(other);
    ck_assert_int_eq(h_server_stop(&capped), 0);
}
END_TEST

/*
 * 2,000 connections that send nothing, from 200 addresses, against the default caps
 * (max_unauthenticated 200): an honest client from another address still logs in and is
 * served at once, and the oldest silent connections were closed to make room.
 */
START_TEST(two_thousand_silent_connections_keep_no_one_out)
{
    enum { SILENT = 2000, ADDRESSES = 200 };
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < SILENT + 200 && rl.rlim_max >= SILENT + 200) {
        rl.rlim_cur = SILENT + 200;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ck_assert_msg(rl.rlim_cur >= SILENT + 200, "need %d file descriptors", SILENT + 200);
    struct h_server s;
    const char *extra[] = {"--login-timeout", "60", NULL};
    h_server_start(&s, h_db, extra); /* renod inherits the raised limit */
    static int fds[SILENT];
    double start = h_now_s();
    for (int i = 0; i < SILENT; i++) {
        char source[32];
        snprintf(source, sizeof source, "127.0.1.%d", 1 + i % ADDRESSES);
        fds[i] = raw_connect(&s, source, true);
    }
    double connected = h_now_s();
    /* The honest client comes while renod is still accepting the flood. */
    double honest_start = h_now_s();
    int honest = raw_hello(&s, "127.0.0.12");
    Reno__ServerMessage *m = raw_login(honest, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = "2022-12-31";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    m = raw_call(honest, &req);
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    double served = h_now_s() - honest_start;
    /* Count the silent connections the server turned away (an error event, then EOF).
     * renod's accept queue holds the whole flood (SOMAXCONN); a loaded machine takes longer
     * to accept it, so those still open are looked at again, for a while, until most were
     * turned away. (With a queue of 128, the SYNs dropped were retried after 1, 3, 7, 15
     * and 31 s, and under load fewer than half had come in 30 s.) */
    usleep(2000 * 1000);
    static bool gone[SILENT];
    static struct pollfd ready[SILENT];
    static int which[SILENT];
    memset(gone, 0, sizeof gone);
    int closed = 0;
    /* Only the connections with something to read (an event, the end, an error) are read,
     * each with the original 10 ms reads: waiting 10 ms on each of those still open made a
     * pass over them take seconds, and the deadline allowed only a few passes. */
    for (double deadline = h_now_s() + 30; closed < SILENT / 2 && h_now_s() < deadline;) {
        nfds_t open_fds = 0;
        for (int i = 0; i < SILENT; i++)
            if (!gone[i]) {
                ready[open_fds] = (struct pollfd){.fd = fds[i], .events = POLLIN};
                which[open_fds++] = i;
            }
        if (poll(ready, open_fds, 100) <= 0)
            continue;
        for (nfds_t k = 0; k < open_fds; k++) {
            int i = which[k], code;
            if (ready[k].revents != 0 &&
                (closed_by_server(fds[i], 10, &code) || code == RENO__STATUS_CODE__UNAVAILABLE)) {
                gone[i] = true;
                closed++;
            }
        }
    }
    for (int i = 0; i < SILENT; i++)
        close(fds[i]);
    printf("silent connections: %d opened in %.2f s from %d addresses; %d closed by renod "
           "(max_unauthenticated 200); honest login + GetStatus from 127.0.0.12 answered in "
           "%.3f s\n",
           SILENT, connected - start, ADDRESSES, closed, served);
    /* No timing is asserted beyond a generous bound: served, not starved. */
    ck_assert_double_lt(served, 10.0);
    /* About SILENT - 200, less the connections whose SYN is retried later still (a slow
     * machine drops more of them): what matters is that most were turned away. */
    ck_assert_int_ge(closed, SILENT / 2);
    close(honest);
    ck_assert_int_eq(h_server_stop(&s), 0);
}
END_TEST

/* max_clients counts logged-in connections only: strangers do not use it up, and a login
 * past it is refused with a time to retry, not closed. */
START_TEST(max_clients_counts_sessions_not_strangers)
{
    struct h_server small;
    const char *extra[] = {"--max-clients", "1", NULL};
    h_server_start(&small, h_db, extra);
    int strangers[5];
    for (int i = 0; i < 5; i++)
        strangers[i] = raw_hello(&small, "127.0.0.20");
    int first = raw_hello(&small, "127.0.0.21");
    Reno__ServerMessage *m = raw_login(first, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    m = raw_login(strangers[0], H_HOUSING, password_of(H_HOUSING));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    ck_assert_uint_ge(m->response->status->retry_after, 1);
    reno__server_message__free_unpacked(m, NULL);
    /* Once the first logs out, there is room again. */
    Reno__Logout lo = RENO__LOGOUT__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LOGOUT;
    req.logout = &lo;
    m = raw_call(first, &req);
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    m = raw_login(strangers[0], H_HOUSING, password_of(H_HOUSING));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    for (int i = 0; i < 5; i++)
        close(strangers[i]);
    close(first);
    ck_assert_int_eq(h_server_stop(&small), 0);
}
END_TEST

START_TEST(hashing_cap_refuses_busy_with_retry_after)
{
    struct h_server capped;
    const char *extra[] = {"--max-hashing", "1", NULL};
    h_server_start(&capped, h_db, extra);
    enum { N = 8 };
    int fds[N];
    for (int i = 0; i < N; i++) {
        char source[32];
        snprintf(source, sizeof source, "127.0.2.%d", i + 1);
        fds[i] = raw_hello(&capped, source);
    }
    /* Eight logins at once with one hashing slot: most are refused, typed, at once. */
    Reno__Login login = RENO__LOGIN__INIT;
    login.username = "nobody";
    login.password = "wrong-password";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &login;
    for (int i = 0; i < N; i++) {
        req.id = 100;
        raw_send(fds[i], &req);
    }
    int busy = 0, checked = 0;
    for (int i = 0; i < N; i++) {
        Reno__ServerMessage *m = raw_next(fds[i], 20000);
        ck_assert_ptr_nonnull(m);
        ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_RESPONSE);
        if (raw_code(m) == RENO__STATUS_CODE__UNAVAILABLE) {
            ck_assert_uint_ge(m->response->status->retry_after, 1);
            ck_assert_ptr_nonnull(strstr(m->response->status->message, "busy"));
            busy++;
        } else {
            ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
            checked++;
        }
        reno__server_message__free_unpacked(m, NULL);
    }
    ck_assert_int_ge(busy, 1);
    ck_assert_int_ge(checked, 1);
    /* With the slot free again, a right login is checked. */
    Reno__ServerMessage *m = raw_login(fds[0], H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    ck_assert_int_eq(h_server_stop(&capped), 0);
}
END_TEST

/* ---- throttling ------------------------------------------------------------------------ */

static Reno__ServerMessage *list_lockouts(struct net_conn *c)
{
    Reno__ListLockouts l = RENO__LIST_LOCKOUTS__INIT;
    return h_call_body(c, RENO__REQUEST__BODY_LIST_LOCKOUTS, &l);
}

START_TEST(failed_logins_are_throttled_per_name_and_address)
{
    /* A first wait of a minute, so that it outlasts the restart below. */
    const char *extra[] = {"--login-backoff-base", "60", NULL};
    ck_assert_int_eq(h_server_stop(&h_srv), 0);
    h_server_start(&h_srv, h_db, extra);
    int attacker = raw_hello(&h_srv, "127.0.0.2");
    for (int i = 0; i < 3; i++) {
        Reno__ServerMessage *m = raw_login(attacker, H_OFFICE, "guess");
        ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
        reno__server_message__free_unpacked(m, NULL);
    }
    /* The fourth is refused at once, unchecked: even the right password. */
    Reno__ServerMessage *m = raw_login(attacker, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    ck_assert_uint_ge(m->response->status->retry_after, 1);
    reno__server_message__free_unpacked(m, NULL);
    /* From another address the right password works at once. */
    int user = raw_hello(&h_srv, "127.0.0.3");
    m = raw_login(user, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    close(user);

    /* The record survives a restart of renod: it is in the database. */
    close(attacker);
    ck_assert_int_eq(h_server_stop(&h_srv), 0);
    h_server_start(&h_srv, h_db, extra);
    attacker = raw_hello(&h_srv, "127.0.0.2");
    m = raw_login(attacker, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    reno__server_message__free_unpacked(m, NULL);

    /* The office sees the lock-out; no one else may look. */
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    m = list_lockouts(office);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__LockoutList *list = m->response->list_lockouts;
    ck_assert_uint_eq(list->n_items, 1);
    ck_assert_str_eq(list->items[0]->username, H_OFFICE);
    ck_assert_str_eq(list->items[0]->address, "127.0.0.2");
    ck_assert_int_eq(list->items[0]->failures, 3);
    ck_assert(list->items[0]->locked);
    ck_assert(list->items[0]->account_exists);
    net_free(office, m);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    m = list_lockouts(housing);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(housing, m);
    Reno__ClearLockout clear = RENO__CLEAR_LOCKOUT__INIT;
    clear.username = H_OFFICE;
    clear.address = "127.0.0.2";
    uint8_t key[16];
    ck_assert_int_eq(
        account_op(housing, RENO__REQUEST__BODY_CLEAR_LOCKOUT, &clear, &clear.idempotency_key, key),
        RENO__STATUS_CODE__PERMISSION_DENIED);
    ck_assert_int_eq(
        account_op(office, RENO__REQUEST__BODY_CLEAR_LOCKOUT, &clear, &clear.idempotency_key, key),
        RENO__STATUS_CODE__OK);
    m = raw_login(attacker, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM login_failure"), 0);
    net_close(housing);
    net_close(office);
    close(attacker);
}
END_TEST

/*
 * 1,000 wrong passwords for the office from 10 addresses (127.0.0.2 .. 127.0.0.11), as
 * fast as renod answers: how many reach the password check. Prints the figures that
 * docs/RELIABILITY.md quotes.
 */
START_TEST(thousand_wrong_passwords_from_ten_addresses)
{
    enum { GUESSES = 1000, ADDRESSES = 10 };
    struct h_server s;
    const char *extra[] = {"--login-timeout", "120", NULL};
    h_server_start(&s, h_db, extra);
    int fds[ADDRESSES];
    for (int i = 0; i < ADDRESSES; i++) {
        char source[32];
        snprintf(source, sizeof source, "127.0.0.%d", 2 + i);
        fds[i] = raw_hello(&s, source);
    }
    int checked = 0, throttled = 0;
    uint32_t last_retry[ADDRESSES] = {0};
    double start = h_now_s();
    for (int g = 0; g < GUESSES; g++) {
        int a = g % ADDRESSES;
        char guess[32];
        snprintf(guess, sizeof guess, "guess-%d", g);
        Reno__ServerMessage *m = raw_login(fds[a], H_OFFICE, guess);
        if (raw_code(m) == RENO__STATUS_CODE__UNAUTHENTICATED) {
            checked++;
        } else {
            ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__UNAVAILABLE);
            ck_assert_uint_ge(m->response->status->retry_after, 1);
            last_retry[a] = m->response->status->retry_after;
            throttled++;
        }
        reno__server_message__free_unpacked(m, NULL);
    }
    double elapsed = h_now_s() - start;
    uint32_t min_retry = UINT32_MAX;
    for (int a = 0; a < ADDRESSES; a++)
        if (last_retry[a] < min_retry)
            min_retry = last_retry[a];
    /* The right password from an address that has not been failing works at once. */
    int user = raw_hello(&s, "127.0.0.12");
    Reno__ServerMessage *m = raw_login(user, H_OFFICE, password_of(H_OFFICE));
    ck_assert_int_eq(raw_code(m), RENO__STATUS_CODE__OK);
    reno__server_message__free_unpacked(m, NULL);
    printf("wrong passwords: %d sent from %d addresses in %.1f s; %d reached the password "
           "check, %d refused unchecked; shortest retry_after at the end %u s\n",
           GUESSES, ADDRESSES, elapsed, checked, throttled, min_retry);
    /* Three free failures per address, a few more while the first waits are short. */
    ck_assert_int_le(checked, ADDRESSES * 6);
    ck_assert_int_eq(checked + throttled, GUESSES);
    ck_assert_uint_ge(min_retry, 60);
    close(user);
    for (int a = 0; a < ADDRESSES; a++)
        close(fds[a]);
    ck_assert_int_eq(h_server_stop(&s), 0);
}
END_TEST

/* ---- sessions that end ----------------------------------------------------------------- */

START_TEST(expired_session_is_refused_and_told)
{
    struct h_server shortlived;
    const char *extra[] = {"--token-ttl", "5", NULL};
    h_server_start(&shortlived, h_db, extra);
    struct net_conn *c = h_login(&shortlived, H_HOUSING);
    ck_assert_int_eq(status_code(c), RENO__STATUS_CODE__OK);
    /* At expiry (plus the janitor's tick) the connection is told. */
    ck_assert_int_eq(session_ended_reason(c, 9000), RENO__SESSION_END_REASON__SESSION_END_EXPIRED);
    /* A write after expiry is refused; the connection may log in again. */
    Reno__Request req = RENO__REQUEST__INIT;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-03-01", 10, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 0);
    net_close(c);
    /* The purge deletes expired sessions (run here directly, as the janitor does). renod
     * counts whole seconds, rounded down: give the database's clock a second to agree. */
    usleep(1500 * 1000);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM session WHERE expires_at <= now()"), 1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT sessions FROM reno_session_purge(86400)"), 1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM session"), 0);
    ck_assert_int_eq(h_server_stop(&shortlived), 0);
}
END_TEST

/* renod itself purges expired sessions: at start (then every minute), so a session that
 * expired while no renod ran is gone soon after one starts; a live one is kept. */
START_TEST(expired_sessions_are_purged_by_renod)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    net_close(c);
    struct net_conn *live = h_login(&h_srv, H_OFFICE);
    /* The housing session expired a while ago (as it would have, with no renod running). */
    char state[6];
    h_sql_exec(h_db,
               "BEGIN; SET LOCAL session_replication_role = replica; UPDATE session SET "
               "created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' "
               "WHERE account_id = (SELECT id FROM "
               "account WHERE username = 'housing'); COMMIT",
               state);
    ck_assert_str_eq(state, "");
    const char *expired = "SELECT count(*) FROM session WHERE expires_at <= now()";
    ck_assert_int_eq(h_sql_long(h_db, expired), 1);
    /* The reasons sessions ended for are kept until the sessions would have expired. */
    h_sql_exec(h_db,
               "INSERT INTO session_ended (token_hash, reason, expires_at) VALUES "
               "('\\x01', 'logged_out', now() - interval '1 minute'), "
               "('\\x02', 'revoked', now() + interval '1 hour')",
               state);
    ck_assert_str_eq(state, "");

    struct h_server fresh;
    h_server_start(&fresh, h_db, NULL);
    for (int i = 0; i < 50 && h_sql_long(h_db, expired) > 0; i++)
        usleep(100 * 1000);
    ck_assert_msg(h_sql_long(h_db, expired) == 0, "the expired session was not purged");
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM session"), 1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM session_ended "
                                      "WHERE token_hash IN ('\\x01', '\\x02')"),
                     1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM session_ended "
                                      "WHERE expires_at <= now()"),
                     0);
    ck_assert_int_eq(h_server_stop(&fresh), 0);
    net_close(live);
}
END_TEST

START_TEST(logout_elsewhere_closes_this_connection)
{
    struct net_conn *a = h_connect(&h_srv);
    char *token = h_login_on(a, H_HOUSING);
    struct net_conn *b = h_connect(&h_srv);
    Reno__Resume rs = RENO__RESUME__INIT;
    rs.token = token;
    Reno__ServerMessage *m = h_call_body(b, RENO__REQUEST__BODY_RESUME, &rs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(b, m);
    Reno__Logout lo = RENO__LOGOUT__INIT;
    m = h_call_body(b, RENO__REQUEST__BODY_LOGOUT, &lo);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->logout->sessions_ended, 1);
    net_free(b, m);
    assert_session_ended(a, RENO__SESSION_END_REASON__SESSION_END_LOGGED_OUT);
    /* The connection that logged out stays, without a session. */
    ck_assert_int_eq(status_code(b), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_close(a);
    net_close(b);
    free(token);
}
END_TEST

START_TEST(logout_all_ends_every_session_of_the_account)
{
    struct net_conn *a = h_login(&h_srv, H_FINANCE);
    struct net_conn *b = h_login(&h_srv, H_FINANCE);
    struct net_conn *other = h_login(&h_srv, H_HOUSING);
    Reno__Logout lo = RENO__LOGOUT__INIT;
    lo.all_sessions = true;
    Reno__ServerMessage *m = h_call_body(b, RENO__REQUEST__BODY_LOGOUT, &lo);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->logout->sessions_ended, 2);
    net_free(b, m);
    assert_session_ended(a, RENO__SESSION_END_REASON__SESSION_END_LOGGED_OUT);
    ck_assert_int_eq(status_code(other), RENO__STATUS_CODE__OK);
    net_close(a);
    net_close(b);
    net_close(other);
}
END_TEST

START_TEST(disabled_account_is_closed_and_cannot_log_in)
{
    struct net_conn *victim = h_login(&h_srv, H_HOUSING);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    ck_assert_int_eq(disable_account(finance, H_HOUSING, true),
                     RENO__STATUS_CODE__PERMISSION_DENIED);
    ck_assert_int_eq(disable_account(office, H_OFFICE, true), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_int_eq(disable_account(office, H_HOUSING, true), RENO__STATUS_CODE__OK);
    assert_session_ended(victim, RENO__SESSION_END_REASON__SESSION_END_ACCOUNT_DISABLED);
    net_close(victim);
    struct net_conn *c = h_connect(&h_srv);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = H_HOUSING;
    lg.password = password_of(H_HOUSING);
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    /* A disable made by hand in the database reaches live connections too. */
    struct net_conn *power = h_login(&h_srv, H_POWER);
    char sqlstate[6];
    h_sql_exec(h_db, "UPDATE account SET disabled = true WHERE username = 'power-grid'", sqlstate);
    ck_assert_str_eq(sqlstate, "");
    ck_assert_int_eq(session_ended_reason(power, 5000),
                     RENO__SESSION_END_REASON__SESSION_END_ACCOUNT_DISABLED);
    net_close(power);
    /* Enabled again, the account logs in. */
    ck_assert_int_eq(disable_account(office, H_HOUSING, false), RENO__STATUS_CODE__OK);
    m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    Reno__ListAccounts la = RENO__LIST_ACCOUNTS__INIT;
    m = h_call_body(office, RENO__REQUEST__BODY_LIST_ACCOUNTS, &la);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int disabled = 0;
    for (size_t i = 0; i < m->response->list_accounts->n_items; i++)
        disabled += m->response->list_accounts->items[i]->disabled;
    ck_assert_int_eq(disabled, 1); /* power-grid */
    net_free(office, m);
    net_close(c);
    net_close(finance);
    net_close(office);
}
END_TEST

START_TEST(unit_sessions_revoked)
{
    struct net_conn *power = h_login(&h_srv, H_POWER);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    Reno__RevokeUnitSessions r = RENO__REVOKE_UNIT_SESSIONS__INIT;
    r.unit_code = "power-grid";
    uint8_t key[16];
    ck_assert_int_eq(
        account_op(office, RENO__REQUEST__BODY_REVOKE_UNIT_SESSIONS, &r, &r.idempotency_key, key),
        RENO__STATUS_CODE__OK);
    assert_session_ended(power, RENO__SESSION_END_REASON__SESSION_END_REVOKED);
    ck_assert_int_eq(status_code(housing), RENO__STATUS_CODE__OK);
    /* Revoked is not disabled: the unit logs in again. */
    net_close(power);
    power = h_login(&h_srv, H_POWER);
    ck_assert_int_eq(status_code(power), RENO__STATUS_CODE__OK);
    net_close(power);
    net_close(housing);
    net_close(office);
}
END_TEST

/*
 * Sessions ended while renod could not hear it. Once its LISTEN connection has subscribed
 * again, renod checks every session in use with one query and ends those that are gone,
 * each told why it ended:
 *  - a row deleted with triggers off (no NOTIFY, no reason left behind): revoked;
 *  - a logout made while renod's LISTEN connection was cut and could not come back (the
 *    serving role may not connect): logged out, the reason the ending left.
 */
START_TEST(session_ended_unheard_is_found_when_listening_again)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    struct net_conn *other = h_login(&h_srv, H_FINANCE);
    char sqlstate[6];
    h_sql_exec(h_db,
               "BEGIN; SET LOCAL session_replication_role = replica; "
               "DELETE FROM session WHERE account_id = "
               "(SELECT id FROM account WHERE username = 'housing'); COMMIT",
               sqlstate);
    ck_assert_str_eq(sqlstate, "");
    ck_assert_int_eq(session_ended_reason(c, 500), 0); /* nothing was heard */
    h_sql_exec(h_db,
               "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE datname = current_database() AND query LIKE 'LISTEN%'",
               sqlstate);
    ck_assert_str_eq(sqlstate, "");
    ck_assert_int_eq(session_ended_reason(c, 10000), RENO__SESSION_END_REASON__SESSION_END_REVOKED);
    ck_assert(net_closed(c));
    ck_assert_int_eq(status_code(other), RENO__STATUS_CODE__OK);

    struct net_conn *power = h_login(&h_srv, H_POWER);
    char deaf[6], restored[6];
    h_sql_exec(h_db, "ALTER ROLE " H_APP_ROLE " CONNECTION LIMIT 0", deaf);
    h_sql_exec(h_db,
               "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE datname = current_database() AND query LIKE 'LISTEN%'",
               sqlstate);
    if (sqlstate[0] == '\0')
        h_sql_exec(h_db,
                   "SELECT reno_session_end(encode(token_hash, 'hex'), false) FROM session "
                   "WHERE account_id = (SELECT id FROM account WHERE username = 'power-grid')",
                   sqlstate);
    int heard = session_ended_reason(power, 500); /* renod cannot listen again yet */
    h_sql_exec(h_db, "ALTER ROLE " H_APP_ROLE " CONNECTION LIMIT -1", restored);
    ck_assert_str_eq(deaf, "");
    ck_assert_str_eq(sqlstate, "");
    ck_assert_str_eq(restored, "");
    ck_assert_int_eq(heard, 0);
    ck_assert_int_eq(session_ended_reason(power, 12000),
                     RENO__SESSION_END_REASON__SESSION_END_LOGGED_OUT);
    ck_assert(net_closed(power));
    ck_assert(h_log_has(&h_srv, "account=power-grid closing: session ended: logged_out"));
    ck_assert_int_eq(status_code(other), RENO__STATUS_CODE__OK);
    net_close(c);
    net_close(power);
    net_close(other);
}
END_TEST

static Reno__StatusCode change_password(struct net_conn *c, const char *old_password,
                                        const char *new_password, uint32_t *ended)
{
    Reno__ChangePassword cp = RENO__CHANGE_PASSWORD__INIT;
    cp.old_password = (char *)old_password;
    cp.new_password = (char *)new_password;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_CHANGE_PASSWORD, &cp);
    Reno__StatusCode code = h_code(m);
    if (code == RENO__STATUS_CODE__OK && ended)
        *ended = m->response->change_password->sessions_ended;
    net_free(c, m);
    return code;
}

START_TEST(password_change_ends_other_sessions)
{
    struct net_conn *mine = h_login(&h_srv, H_HOUSING);
    struct net_conn *other = h_login(&h_srv, H_HOUSING);
    ck_assert_int_eq(change_password(mine, "wrong-old-password", "new-housing-password", NULL),
                     RENO__STATUS_CODE__UNAUTHENTICATED);
    ck_assert_int_eq(change_password(mine, password_of(H_HOUSING), "short", NULL),
                     RENO__STATUS_CODE__BAD_REQUEST);
    uint32_t ended = 0;
    ck_assert_int_eq(change_password(mine, password_of(H_HOUSING), "new-housing-password", &ended),
                     RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(ended, 1);
    assert_session_ended(other, RENO__SESSION_END_REASON__SESSION_END_PASSWORD_CHANGED);
    ck_assert_int_eq(status_code(mine), RENO__STATUS_CODE__OK);
    struct net_conn *c = h_connect(&h_srv);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = H_HOUSING;
    lg.password = password_of(H_HOUSING);
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    lg.password = "new-housing-password";
    m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    net_close(c);
    net_close(other);
    net_close(mine);
}
END_TEST

/* ---- the commands -------------------------------------------------------------------- */

/* Runs reno with its configuration in `home`, against h_srv. */
static int reno(const char *home, const char *stdin_text, char **out, const char *const *args)
{
    char env_xdg[200], env_server[120];
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    const char *argv[16];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 15; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    return h_run(argv, env, stdin_text, out, NULL);
}

START_TEST(cli_passwd_logout_all_and_office_commands)
{
    char home[] = "/tmp/reno-it-login.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(home));
    char *out = NULL;
    ck_assert_int_eq(
        reno(home, "finance-test-password\n", &out,
             (const char *const[]){"login", "--user", H_FINANCE, "--password-stdin", NULL}),
        0);
    free(out);
    struct net_conn *elsewhere = h_login(&h_srv, H_FINANCE);
    ck_assert_int_eq(reno(home, "finance-test-password\nfinance-new-password\n", &out,
                          (const char *const[]){"passwd", "--password-stdin", NULL}),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "1 other sessions"));
    free(out);
    ck_assert_int_eq(session_ended_reason(elsewhere, 5000),
                     RENO__SESSION_END_REASON__SESSION_END_PASSWORD_CHANGED);
    net_close(elsewhere);
    /* The office's commands are refused to others: exit 10 + PERMISSION_DENIED. */
    ck_assert_int_eq(reno(home, NULL, &out, (const char *const[]){"lockout", "list", NULL}),
                     10 + RENO__STATUS_CODE__PERMISSION_DENIED);
    free(out);
    ck_assert_int_eq(reno(home, NULL, &out, (const char *const[]){"logout", "--all", NULL}), 0);
    ck_assert_ptr_nonnull(strstr(out, "1 sessions"));
    free(out);
    ck_assert_int_eq(
        reno(home, "office-test-password\n", &out,
             (const char *const[]){"login", "--user", H_OFFICE, "--password-stdin", NULL}),
        0);
    free(out);
    ck_assert_int_eq(
        reno(home, NULL, &out,
             (const char *const[]){"account", "disable", "--username", H_FINANCE, NULL}),
        0);
    free(out);
    ck_assert_int_eq(reno(home, NULL, &out, (const char *const[]){"account", "list", NULL}), 0);
    ck_assert_ptr_nonnull(strstr(out, H_FINANCE));
    free(out);
    ck_assert_int_eq(reno(home, NULL, &out, (const char *const[]){"lockout", "list", NULL}), 0);
    free(out);
    ck_assert_int_eq(reno(home, NULL, &out, (const char *const[]){"logout", NULL}), 0);
    free(out);
    char path[300];
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
}
END_TEST

/* ---- the log ---------------------------------------------------------------------------- */

START_TEST(peer_strings_are_escaped_in_the_log)
{
    int fd = raw_connect(&h_srv, "127.0.0.4", false);
    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = 1;
    hello.client_name = "evil\n2026-01-01 FORGED line\x1b[2J";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_HELLO;
    req.hello = &hello;
    Reno__ServerMessage *m = raw_call(fd, &req);
    Reno__StatusCode code = raw_code(m);
    reno__server_message__free_unpacked(m, NULL);
    if (code != RENO__STATUS_CODE__OK) {
        /* A server that refuses control characters outright needs a clean Hello. */
        hello.client_name = "test";
        m = raw_call(fd, &req);
        reno__server_message__free_unpacked(m, NULL);
    }
    m = raw_login(fd, "nobody\nFORGED\x1b[31m", "whatever");
    reno__server_message__free_unpacked(m, NULL);
    close(fd);
    /* Each log line is written whole before the reply is sent: the log has them. */
    FILE *f = fopen(h_srv.log_path, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        ck_assert_msg(strncmp(line, "2026-01-01 FORGED", 17) != 0, "a forged log line");
        ck_assert_msg(strncmp(line, "FORGED", 6) != 0, "a forged log line");
        ck_assert_msg(strchr(line, '\x1b') == NULL, "an escape code in the log: %s", line);
    }
    fclose(f);
}
END_TEST

Suite *it_login_suite(void)
{
    Suite *s = suite_create("it_login");
    TCase *tc = tcase_create("login");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, silent_connection_is_closed_at_the_login_deadline);
    tcase_add_test(tc, crowd_from_one_address_displaces_only_itself);
    tcase_add_test(tc, two_thousand_silent_connections_keep_no_one_out);
    tcase_add_test(tc, max_clients_counts_sessions_not_strangers);
    tcase_add_test(tc, hashing_cap_refuses_busy_with_retry_after);
    tcase_add_test(tc, failed_logins_are_throttled_per_name_and_address);
    tcase_add_test(tc, thousand_wrong_passwords_from_ten_addresses);
    tcase_add_test(tc, expired_session_is_refused_and_told);
    tcase_add_test(tc, expired_sessions_are_purged_by_renod);
    tcase_add_test(tc, logout_elsewhere_closes_this_connection);
    tcase_add_test(tc, logout_all_ends_every_session_of_the_account);
    tcase_add_test(tc, disabled_account_is_closed_and_cannot_log_in);
    tcase_add_test(tc, unit_sessions_revoked);
    tcase_add_test(tc, password_change_ends_other_sessions);
    tcase_add_test(tc, session_ended_unheard_is_found_when_listening_again);
    tcase_add_test(tc, cli_passwd_logout_all_and_office_commands);
    tcase_add_test(tc, peer_strings_are_escaped_in_the_log);
    suite_add_tcase(s, tc);
    return s;
}
