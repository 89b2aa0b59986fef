/*
 * The consolidated status kept live: two renod processes on one database agree after
 * writes through either (LISTEN/NOTIFY), a watcher is pushed each committed change with
 * what changed, and a watcher that does not read gets one resync event instead of an
 * unbounded queue while the others stay current. A listener connection that PostgreSQL
 * ends is rebuilt, LISTEN is run again, and a change committed while nobody listened is
 * not missed. Many watchers get the same event, packed once, even while some of them
 * leave during the fan-out.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "it.h"
#include "status_delta.h"

static struct h_server second;

static void setup(void)
{
    h_fixture_setup();
    /* A small limit, so that a watcher that stops reading crosses it quickly. */
    const char *extra[] = {"--watch-queue-limit", "16384", NULL};
    h_server_start(&second, h_db, extra);
}

static void teardown(void)
{
    int rc = h_server_stop(&second);
    h_fixture_teardown();
    ck_assert_int_eq(rc, 0);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads server messages until an Event of `kind` arrives for which `accept` says yes, or
 * the deadline passes. Returns it (free with net_free) or NULL. */
static Reno__ServerMessage *wait_event(struct net_conn *c, Reno__Event__BodyCase kind,
                                       bool (*accept)(const Reno__Event *, int), int want,
                                       int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        Reno__ServerMessage *m = NULL;
        char err[NET_ERR_SIZE];
        int rc = net_next(c, left > 0 ? left : 0, &m, err);
        ck_assert_msg(rc >= 0, "%s", err);
        if (rc > 0)
            return NULL;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT && m->event->body_case == kind &&
            (accept == NULL || accept(m->event, want)))
            return m;
        net_free(c, m);
    }
}

static bool started_is(const Reno__Event *e, int want)
{
    return e->status_changed->status->households_started == want;
}

/* Watch asking for deltas; the status it starts from, our own copy. */
static Reno__StatusReply *watch_deltas(struct net_conn *c)
{
    Reno__Watch w = RENO__WATCH__INIT;
    w.deltas = true;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &w;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__StatusReply *s = m->response->watch->status;
    ck_assert_ptr_nonnull(s);
    size_t len = reno__status_reply__get_packed_size(s);
    uint8_t *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    reno__status_reply__pack(s, buf);
    Reno__StatusReply *copy = reno__status_reply__unpack(NULL, len, buf);
    free(buf);
    net_free(c, m);
    ck_assert_ptr_nonnull(copy);
    return copy;
}

static bool delta_started_is(const Reno__Event *e, int want)
{
    return e->status_delta->status != NULL && e->status_delta->status->households_started == want;
}

static void watch(struct net_conn *c)
{
    Reno__Watch w = RENO__WATCH__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &w;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_ptr_nonnull(m->response->watch->status);
    net_free(c, m);
}

static void push(struct net_conn *c, long project, int started)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, "2022-04-15", started, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(c, m);
}

static int status_started(struct net_conn *c)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int started = m->response->status_reply->households_started;
    net_free(c, m);
    return started;
}

START_TEST(two_servers_agree_and_watchers_are_pushed)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *reader = h_login(&second, H_LEADER);
    struct net_conn *watcher = h_login(&second, H_LEADER);
    ck_assert_int_eq(status_started(reader), 0); /* fills the second server's roll-up */
    watch(watcher);

    push(writer, p0, 150);
    Reno__ServerMessage *m =
        wait_event(watcher, RENO__EVENT__BODY_STATUS_CHANGED, started_is, 150, 1000);
    ck_assert_msg(m != NULL, "no push within a second");
    Reno__StatusChanged *sc = m->event->status_changed;
    ck_assert_uint_ge(sc->n_changes, 1);
    ck_assert_ptr_nonnull(strstr(sc->changes[0], "started 0 → 150"));
    net_free(watcher, m);

    /* The second server answers from memory with the write made through the first. */
    ck_assert_int_eq(status_started(reader), 150);
    /* And the other way round: a write through the second, read on the first. */
    struct net_conn *writer2 = h_login(&second, H_HOUSING);
    push(writer2, p0, 200);
    ck_assert_int_eq(status_started(writer2), 200); /* read-your-writes on the same server */
    int seen = 0;
    for (int64_t deadline = now_ms() + 1000; now_ms() < deadline && seen != 200;)
        seen = status_started(writer);
    ck_assert_int_eq(seen, 200);

    net_close(writer2);
    net_close(watcher);
    net_close(reader);
    net_close(writer);
}
END_TEST

START_TEST(slow_watcher_gets_resync_others_stay_current)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *good = h_login(&second, H_LEADER);
    struct net_conn *slow = h_login(&second, H_LEADER);
    watch(good);
    reno__status_reply__free_unpacked(watch_deltas(slow), NULL);

    /* The server names the slow connection by its peer address in its log. */
    struct sockaddr_in local;
    socklen_t len = sizeof local;
    ck_assert_int_eq(getsockname(net_fd(slow), (struct sockaddr *)&local, &len), 0);
    char needle[96];
    snprintf(needle, sizeof needle, "peer=127.0.0.1:%d account=leader watcher is",
             ntohs(local.sin_port));

    int started = 0;
    for (int64_t deadline = now_ms() + 60000; now_ms() < deadline;) {
        started = started % 500 + 1;
        push(writer, p0, started);
        /* The good watcher reads everything as it goes; the slow one never reads. */
        Reno__ServerMessage *m;
        while ((m = wait_event(good, RENO__EVENT__BODY_STATUS_CHANGED, NULL, 0, 0)) != NULL)
            net_free(good, m);
        if (started % 10 == 0) {
            usleep(15 * 1000); /* let refreshes through one by one */
            if (h_log_has(&second, needle))
                break;
        }
    }
    ck_assert_msg(h_log_has(&second, needle), "the slow watcher never got a resync");
    /* The watcher that kept reading never fell behind. */
    len = sizeof local;
    ck_assert_int_eq(getsockname(net_fd(good), (struct sockaddr *)&local, &len), 0);
    char good_needle[96];
    snprintf(good_needle, sizeof good_needle, "peer=127.0.0.1:%d account=leader watcher is",
             ntohs(local.sin_port));
    ck_assert(!h_log_has(&second, good_needle));
    /* The good watcher still gets the latest value. */
    push(writer, p0, 777 % 500);
    Reno__ServerMessage *m =
        wait_event(good, RENO__EVENT__BODY_STATUS_CHANGED, started_is, 777 % 500, 2000);
    ck_assert_msg(m != NULL, "the good watcher fell behind");
    net_free(good, m);
    /* The slow one finds the resync among what was queued for it. */
    m = wait_event(slow, RENO__EVENT__BODY_RESYNC, NULL, 0, 10000);
    ck_assert_msg(m != NULL, "no resync event on the slow connection");
    net_free(slow, m);
    /* Having read its backlog, the slow watcher resumes: first the whole status (it
     * missed changes, so no delta would follow what it holds), then deltas again. */
    for (int i = 0; i < 200; i++) {
        m = wait_event(slow, RENO__EVENT__BODY_STATUS_CHANGED, NULL, 0, 0);
        if (m == NULL)
            break;
        net_free(slow, m); /* whole statuses of changes still in flight */
    }
    push(writer, p0, 401);
    m = wait_event(slow, RENO__EVENT__BODY_STATUS_CHANGED, started_is, 401, 5000);
    ck_assert_msg(m != NULL, "the slow watcher did not resume with the whole status");
    net_free(slow, m);
    push(writer, p0, 402);
    m = wait_event(slow, RENO__EVENT__BODY_STATUS_DELTA, delta_started_is, 402, 5000);
    ck_assert_msg(m != NULL, "the slow watcher did not go back to deltas");
    net_free(slow, m);
    ck_assert(h_server_alive(&second));
    net_close(slow);
    net_close(good);
    net_close(writer);
}
END_TEST

/* The packed bytes of a message, for comparing what two connections were sent. */
static uint8_t *packed(const Reno__ServerMessage *m, size_t *len)
{
    *len = reno__server_message__get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(buf);
    reno__server_message__pack(m, buf);
    return buf;
}

/* One move, many watchers: each gets the same event (renod packs it once and queues the
 * same bytes on every connection), and watchers that go away while it is being sent,
 * cut with a reset, neither stop it reaching the others nor trouble renod. */
START_TEST(many_watchers_get_the_same_event_while_some_leave)
{
    enum { WATCHERS = 24, LEAVING = 8 };
    long p0 = h_project_id(h_db, 0);
    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *w[WATCHERS];
    for (int i = 0; i < WATCHERS; i++) {
        w[i] = h_login(&h_srv, H_LEADER);
        watch(w[i]);
    }
    push(writer, p0, 321);
    /* The write is acknowledged; its refresh and fan-out follow within milliseconds. */
    for (int i = 0; i < LEAVING; i++) {
        struct linger lg = {1, 0};
        ck_assert_int_eq(setsockopt(net_fd(w[i]), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
        net_close(w[i]);
    }
    uint8_t *first = NULL;
    size_t first_len = 0;
    for (int i = LEAVING; i < WATCHERS; i++) {
        Reno__ServerMessage *m =
            wait_event(w[i], RENO__EVENT__BODY_STATUS_CHANGED, started_is, 321, 5000);
        ck_assert_msg(m != NULL, "watcher %d was not pushed the change", i);
        size_t len;
        uint8_t *bytes = packed(m, &len);
        if (first == NULL) {
            first = bytes;
            first_len = len;
        } else {
            ck_assert_uint_eq(len, first_len);
            ck_assert_msg(memcmp(bytes, first, len) == 0, "watcher %d got other bytes", i);
            free(bytes);
        }
        net_free(w[i], m);
    }
    free(first);
    /* The server goes on serving, the leavers are gone from its watchers. */
    push(writer, p0, 322);
    Reno__ServerMessage *m =
        wait_event(w[WATCHERS - 1], RENO__EVENT__BODY_STATUS_CHANGED, started_is, 322, 5000);
    ck_assert_ptr_nonnull(m);
    net_free(w[WATCHERS - 1], m);
    for (int i = LEAVING; i < WATCHERS; i++)
        net_close(w[i]);
    net_close(writer);
}
END_TEST

static uint8_t *pack_status(const Reno__StatusReply *s, size_t *len)
{
    *len = reno__status_reply__get_packed_size(s);
    uint8_t *buf = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(buf);
    reno__status_reply__pack(s, buf);
    return buf;
}

/* A watcher that asked for deltas is sent StatusDelta events; applied in turn to the
 * status its Watch started from, they give the status a fresh Watch is answered with,
 * byte for byte (but for when the figures were computed); a watcher that did not ask
 * still gets the whole status. */
START_TEST(deltas_applied_give_the_current_status)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *watcher = h_login(&h_srv, H_LEADER);
    struct net_conn *plain = h_login(&h_srv, H_LEADER);
    Reno__StatusReply *held = watch_deltas(watcher);
    watch(plain);
    struct {
        long project;
        int started;
        int total;
    } steps[] = {{p0, 120, 120}, {p1, 80, 200}, {p0, 130, 210}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        push(writer, steps[i].project, steps[i].started);
        Reno__ServerMessage *m = wait_event(watcher, RENO__EVENT__BODY_STATUS_DELTA,
                                            delta_started_is, steps[i].total, 5000);
        ck_assert_msg(m != NULL, "no delta for step %zu", i);
        const Reno__StatusDelta *d = m->event->status_delta;
        ck_assert_msg(status_delta_fits(held, d), "delta %lld..%lld after %lld",
                      (long long)d->from_position, (long long)d->to_position,
                      (long long)held->position);
        /* Only the project written (and the totals, 0) travel. */
        for (size_t k = 0; k < d->n_projects; k++)
            ck_assert(d->projects[k] == steps[i].project || d->projects[k] == 0);
        char why[200];
        Reno__StatusReply *next = status_delta_apply(held, d, why, sizeof why);
        ck_assert_msg(next != NULL, "%s", why);
        reno__status_reply__free_unpacked(held, NULL);
        held = next;
        net_free(watcher, m);
        m = wait_event(plain, RENO__EVENT__BODY_STATUS_CHANGED, started_is, steps[i].total, 5000);
        ck_assert_msg(m != NULL, "the watcher without deltas got no whole status");
        net_free(plain, m);
    }
    struct net_conn *fresh = h_login(&h_srv, H_LEADER);
    Reno__StatusReply *now = watch_deltas(fresh);
    held->computed_at = now->computed_at = 0;
    size_t lh, ln;
    uint8_t *bh = pack_status(held, &lh), *bn = pack_status(now, &ln);
    ck_assert_uint_eq(lh, ln);
    ck_assert_msg(memcmp(bh, bn, lh) == 0, "the status made by deltas differs");
    free(bh);
    free(bn);
    reno__status_reply__free_unpacked(now, NULL);
    reno__status_reply__free_unpacked(held, NULL);
    net_close(fresh);
    net_close(plain);
    net_close(watcher);
    net_close(writer);
}
END_TEST

/* Regression: each notification used to push the coalesced refresh back, so under a
 * steady stream of writes watchers heard nothing until the writes stopped. */
START_TEST(watchers_hear_during_a_steady_stream_of_writes)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *watcher = h_login(&h_srv, H_LEADER);
    watch(watcher);
    bool heard = false;
    int64_t start = now_ms();
    for (int started = 1; !heard && now_ms() - start < 3000; started = started % 500 + 1) {
        push(writer, p0, started); /* a write every millisecond or two, never a pause */
        Reno__ServerMessage *m = wait_event(watcher, RENO__EVENT__BODY_STATUS_CHANGED, NULL, 0, 0);
        if (m) {
            heard = true;
            net_free(watcher, m);
        }
    }
    ck_assert_msg(heard, "no change was pushed while the writes went on");
    net_close(watcher);
    net_close(writer);
}
END_TEST

/* The LISTEN connections are ended by PostgreSQL (an administrator's pg_terminate_backend,
 * or a failover) and cannot come back at once; a write commits while no renod listens, so
 * its notification reaches no one. When the listener is back, each renod must LISTEN again
 * and refresh what it may have missed: the watcher is pushed the write without anyone
 * asking. The database's connection limit keeps renod's role out meanwhile (the pool's
 * open connections stay; the superuser the test speaks as is not limited). */
START_TEST(lost_listener_is_rebuilt_and_misses_nothing)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *reader = h_login(&second, H_LEADER);
    struct net_conn *watcher = h_login(&second, H_LEADER);
    ck_assert_int_eq(status_started(reader), 0);
    watch(watcher);

    char sql[400], state[6];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s CONNECTION LIMIT 0", h_db);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    long killed = h_sql_long(h_db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND application_name = "
                                   "'renod' AND query LIKE 'LISTEN%'");
    ck_assert_int_eq(killed, 2); /* one listener per server */
    const char *listening = "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND query LIKE 'LISTEN%'";
    for (int64_t deadline = now_ms() + 5000;
         now_ms() < deadline && h_sql_long(h_db, listening) > 0;)
        usleep(20 * 1000);
    ck_assert_int_eq(h_sql_long(h_db, listening), 0);
    /* Let the second server notice the loss and refresh what it had, before the write. */
    usleep(1500 * 1000);
    push(writer, p0, 150);
    usleep(1500 * 1000);
    ck_assert_int_eq(h_sql_long(h_db, listening), 0); /* nobody heard the write */

    snprintf(sql, sizeof sql, "ALTER DATABASE %s CONNECTION LIMIT -1", h_db);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    Reno__ServerMessage *m =
        wait_event(watcher, RENO__EVENT__BODY_STATUS_CHANGED, started_is, 150, 10000);
    ck_assert_msg(m != NULL, "the watcher was not pushed the change made while nobody listened");
    net_free(watcher, m);
    ck_assert_int_eq(status_started(reader), 150);
    /* And the rebuilt listener hears the next write as usual. */
    push(writer, p0, 160);
    m = wait_event(watcher, RENO__EVENT__BODY_STATUS_CHANGED, started_is, 160, 2000);
    ck_assert_msg(m != NULL, "the rebuilt listener does not hear");
    net_free(watcher, m);
    net_close(watcher);
    net_close(reader);
    net_close(writer);
}
END_TEST

Suite *it_live_suite(void)
{
    Suite *s = suite_create("it_live");
    TCase *tc = tcase_create("live");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, two_servers_agree_and_watchers_are_pushed);
    tcase_add_test(tc, slow_watcher_gets_resync_others_stay_current);
    tcase_add_test(tc, many_watchers_get_the_same_event_while_some_leave);
    tcase_add_test(tc, deltas_applied_give_the_current_status);
    tcase_add_test(tc, watchers_hear_during_a_steady_stream_of_writes);
    tcase_add_test(tc, lost_listener_is_rebuilt_and_misses_nothing);
    suite_add_tcase(s, tc);
    return s;
}
