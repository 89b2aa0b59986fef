/*
 * PostgreSQL stopped and started again under a running renod: requests during the
 * outage get UNAVAILABLE (typed, retryable, the connection kept), and once the database
 * is back the same requests succeed without restarting renod. The retry reuses its
 * idempotency key, so a write that was in doubt is never counted twice. Writes that wait
 * on a lock held outside renod take the pool's connections only until the request
 * deadline: an unrelated read behind them is still answered, and the writes get
 * UNAVAILABLE and succeed once retried.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it.h"
#include "msg.h"

/* Sends sig to every backend renod holds on the database; returns how many there were. */
static int signal_backends(const char *db, int sig, int pids[16])
{
    PGconn *pg = PQconnectdb("dbname=postgres");
    ck_assert(PQstatus(pg) == CONNECTION_OK);
    const char *params[] = {db};
    PGresult *res = PQexecParams(pg,
                                 "SELECT pid FROM pg_stat_activity "
                                 "WHERE datname = $1 AND application_name = 'renod'",
                                 1, NULL, params, NULL, NULL, 0);
    ck_assert(PQresultStatus(res) == PGRES_TUPLES_OK);
    int n = PQntuples(res) < 16 ? PQntuples(res) : 16;
    for (int i = 0; i < n; i++) {
        pids[i] = atoi(PQgetvalue(res, i, 0));
        ck_assert_int_eq(kill(pids[i], sig), 0);
    }
    PQclear(res);
    PQfinish(pg);
    return n;
}

START_TEST(database_restart_under_a_running_server)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    long p0 = h_project_id(h_db, 0);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, p0, "2022-03-20", 100, 0);

    /* The status as of today, computed once, is what the server can still show while the
     * database is gone: marked stale, with the time it was computed. */
    Reno__ServerMessage *st = h_get_status(c, "");
    ck_assert_int_eq(h_code(st), RENO__STATUS_CODE__OK);
    ck_assert(!st->response->status_reply->stale);
    int64_t computed_at = st->response->status_reply->computed_at;
    ck_assert_int_gt(computed_at, 0);
    net_free(c, st);

    h_pg_stop();
    /* Give the pool a moment to notice; either way the answer must be UNAVAILABLE. */
    usleep(200 * 1000);
    st = h_get_status(c, "");
    ck_assert_int_eq(h_code(st), RENO__STATUS_CODE__OK);
    ck_assert(st->response->status_reply->stale);
    /* The roll-up may have refreshed once more between the first read and the stop (its
     * once-a-second upkeep): the stale figures are the newest it had, never older ones. */
    ck_assert_int_ge(st->response->status_reply->computed_at, computed_at);
    ck_assert_int_le(st->response->status_reply->computed_at, (int64_t)time(NULL));
    ck_assert_int_eq(st->response->status_reply->target_households, 802);
    net_free(c, st);
    /* A past date must be computed: that cannot be served from memory. */
    st = h_get_status(c, "2022-03-31");
    ck_assert_int_eq(h_code(st), RENO__STATUS_CODE__UNAVAILABLE);
    net_free(c, st);
    for (int i = 0; i < 3; i++) {
        Reno__ServerMessage *m = h_call(c, &req);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
        /* A write is told how to retry safely. */
        ck_assert_ptr_nonnull(strstr(m->response->status->message, "same idempotency key"));
        net_free(c, m);
    }
    /* A new login cannot be checked either, and says so. */
    struct net_conn *other = h_connect(&h_srv);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = H_HOUSING;
    lg.password = "housing-test-password";
    Reno__Request lreq = RENO__REQUEST__INIT;
    lreq.body_case = RENO__REQUEST__BODY_LOGIN;
    lreq.login = &lg;
    Reno__ServerMessage *m = h_call(other, &lreq);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    net_free(other, m);
    net_close(other);

    h_pg_start();
    Reno__StatusCode code = RENO__STATUS_CODE__UNAVAILABLE;
    int64_t report_id = 0;
    for (int tries = 0; tries < 100 && code == RENO__STATUS_CODE__UNAVAILABLE; tries++) {
        m = h_call(c, &req);
        code = h_code(m);
        if (code == RENO__STATUS_CODE__OK)
            report_id = m->response->push_progress->report_id;
        net_free(c, m);
        if (code == RENO__STATUS_CODE__UNAVAILABLE)
            usleep(100 * 1000);
    }
    ck_assert_int_eq(code, RENO__STATUS_CODE__OK);
    ck_assert_int_gt(report_id, 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);
    net_close(c);
}
END_TEST

/*
 * An error raised at COMMIT, after the statement itself succeeded, must reach the client:
 * a deferred constraint trigger refuses every new progress row when the transaction
 * commits. The write is answered with an error, and nothing of it is stored: no row, no
 * audit record, no idempotency key (so a retry is not mistaken for a replay).
 */
START_TEST(failure_at_commit_is_not_acknowledged)
{
    char state[6];
    h_sql_exec(h_db,
               "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = '23514'; END $$",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON progress_report "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()",
               state);
    ck_assert_str_eq(state, "");
    long audit_before = h_sql_long(h_db, "SELECT count(*) FROM audit_log");
    long keys_before = h_sql_long(h_db, "SELECT count(*) FROM idempotency");

    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-03-20", 100, 0);
    for (int attempt = 0; attempt < 2; attempt++) {
        Reno__ServerMessage *m = h_call(c, &req);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
        net_free(c, m);
    }
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM audit_log"), audit_before);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM idempotency"), keys_before);

    /* Once the rule is gone, the same key is a first write, not a replay. */
    h_sql_exec(h_db, "DROP TRIGGER refuse_at_commit ON progress_report", state);
    ck_assert_str_eq(state, "");
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(!m->response->push_progress->replayed);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);
    net_close(c);
}
END_TEST

/*
 * The database's backends frozen (SIGSTOP), as a hung server or a stalled disk would
 * leave them: every request is answered within the request deadline, with UNAVAILABLE
 * for what needs the database and from memory for today's status; the pool cancels and
 * then replaces its stuck connections, so service comes back while the old backends are
 * still frozen; a write retried with its key is stored once, even after the frozen
 * backend wakes up and runs the first attempt.
 */
START_TEST(frozen_database_is_answered_within_the_deadline)
{
    const double deadline = 2.0, margin = 1.5;
    struct h_server srv;
    const char *extra[] = {"--request-timeout", "2", "--connect-timeout", "2", NULL};
    h_server_start(&srv, h_db, extra);
    struct net_conn *c = h_login(&srv, H_OFFICE);
    Reno__ServerMessage *m = h_get_status(c, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);

    int pids[16];
    int frozen = signal_backends(h_db, SIGSTOP, pids);
    /* Whatever becomes of this test, the backends are woken: a frozen backend would
     * block every later CREATE DATABASE on the cluster. */
    pid_t waker = fork();
    ck_assert_int_ge(waker, 0);
    if (waker == 0) {
        setsid(); /* out of the test's process group, which is killed when it fails */
        sleep(30);
        for (int i = 0; i < frozen; i++)
            kill(pids[i], SIGCONT);
        _exit(0);
    }
    ck_assert_int_ge(frozen, 2); /* the pool's connections and the listener */

    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-03-20", 120, 0);
    double t0 = h_now_s();
    m = h_call(c, &req);
    double waited = h_now_s() - t0, first_write = waited;
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    ck_assert_msg(waited < deadline + margin, "a write waited %.1f s", waited);
    net_free(c, m);

    /* Today's status comes from memory at once; a past date needs the database. */
    t0 = h_now_s();
    m = h_get_status(c, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->status_reply->target_households, 802);
    net_free(c, m);
    m = h_get_status(c, "2022-03-31");
    waited = h_now_s() - t0;
    ck_assert_msg(waited < deadline + margin, "a read waited %.1f s", waited);
    net_free(c, m);

    /* Service comes back on fresh connections while the old backends stay frozen. */
    Reno__StatusCode code = RENO__STATUS_CODE__UNAVAILABLE;
    double longest = 0;
    t0 = h_now_s();
    while (code == RENO__STATUS_CODE__UNAVAILABLE && h_now_s() - t0 < 20) {
        double t1 = h_now_s();
        m = h_call(c, &req);
        double w = h_now_s() - t1;
        longest = w > longest ? w : longest;
        code = h_code(m);
        net_free(c, m);
        if (code == RENO__STATUS_CODE__UNAVAILABLE)
            usleep(200 * 1000);
    }
    ck_assert_int_eq(code, RENO__STATUS_CODE__OK);
    ck_assert_msg(longest < deadline + margin, "a retry waited %.1f s", longest);
    fprintf(stderr,
            "frozen database: first write answered after %.1f s; back in service %.1f s later, "
            "longest retry wait %.1f s\n",
            first_write, h_now_s() - t0, longest);

    /* The frozen backends wake and run what was queued to them: still one row. */
    for (int i = 0; i < frozen; i++)
        kill(pids[i], SIGCONT);
    kill(waker, SIGKILL);
    waitpid(waker, NULL, 0);
    usleep(500 * 1000);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->push_progress->replayed);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);
    net_close(c);
    ck_assert_int_eq(h_server_stop(&srv), 0);
}
END_TEST

/*
 * A "database" that accepts TCP connections and never says a word, reached by a host
 * name: the name is looked up off the loop, each connection attempt ends at the connect
 * deadline, and requests that need the database are answered UNAVAILABLE within the
 * request deadline instead of waiting for an answer that never comes.
 */
START_TEST(silent_database_host_is_given_up_on)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(lfd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(lfd, 64), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&addr, &len), 0);

    char dbarg[128];
    snprintf(dbarg, sizeof dbarg, "host=localhost port=%d dbname=reno", ntohs(addr.sin_port));
    struct h_server srv;
    const char *extra[] = {"--database", dbarg, "--request-timeout", "2", "--connect-timeout",
                           "1",          NULL};
    h_server_start(&srv, h_db, extra);
    struct net_conn *c = h_connect(&srv);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = H_OFFICE;
    lg.password = "office-test-password";
    for (int i = 0; i < 3; i++) {
        double t0 = h_now_s();
        Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
        double waited = h_now_s() - t0;
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
        ck_assert_msg(waited < 2.0 + 1.5, "a login waited %.1f s", waited);
        net_free(c, m);
    }
    /* The loop itself never waited: a ping is answered at once. */
    Reno__Ping ping = RENO__PING__INIT;
    double t0 = h_now_s();
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_PING, &ping);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_msg(h_now_s() - t0 < 0.5, "a ping waited %.1f s", h_now_s() - t0);
    net_free(c, m);
    net_close(c);
    ck_assert_int_eq(h_server_stop(&srv), 0);
    close(lfd);
}
END_TEST

/* Sends a request without waiting for its answer (plaintext connections only). */
static void send_now(struct net_conn *c, Reno__Request *req)
{
    size_t len;
    uint8_t *frame = msg_pack_frame(&req->base, &len);
    ck_assert_int_eq(write(net_fd(c), frame, len), (ssize_t)len);
    free(frame);
}

/* The next Response on c (events skipped), or NULL after timeout_ms. */
static Reno__ServerMessage *next_response(struct net_conn *c, int timeout_ms)
{
    for (;;) {
        Reno__ServerMessage *m = NULL;
        char err[NET_ERR_SIZE];
        int rc = net_next(c, timeout_ms, &m, err);
        ck_assert_msg(rc >= 0, "%s", err);
        if (rc > 0)
            return NULL;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE)
            return m;
        net_free(c, m);
    }
}

/*
 * Two writes blocked on a lock that someone else holds fill a pool of two connections.
 * An unrelated read sent after them is answered within the deadline (it used to get no
 * reply at all), the writes are answered UNAVAILABLE within the deadline, and once the
 * lock is released their retries with the same keys store each exactly once.
 */
START_TEST(writes_blocked_on_a_lock_do_not_starve_the_pool)
{
    const double deadline = 2.0, margin = 1.5;
    struct h_server srv;
    const char *extra[] = {"--request-timeout", "2", "--pool-size", "2", NULL};
    h_server_start(&srv, h_db, extra);
    struct net_conn *w1 = h_login(&srv, H_OFFICE);
    struct net_conn *w2 = h_login(&srv, H_HOUSING);
    struct net_conn *reader = h_login(&srv, H_LEADER);

    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", h_db);
    PGconn *locker = PQconnectdb(conninfo);
    ck_assert(PQstatus(locker) == CONNECTION_OK);
    PGresult *res = PQexec(locker, "BEGIN; LOCK TABLE progress_report IN SHARE MODE");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);

    Reno__Request r1, r2;
    Reno__PushProgress p1, p2;
    uint8_t k1[16], k2[16];
    h_push_init(&r1, &p1, k1, h_project_id(h_db, 0), "2022-03-20", 11, 0);
    h_push_init(&r2, &p2, k2, h_project_id(h_db, 1), "2022-03-20", 12, 0);
    r1.id = 1;
    r2.id = 2;
    double t0 = h_now_s();
    send_now(w1, &r1);
    send_now(w2, &r2);
    usleep(200 * 1000); /* both are waiting on the lock now */

    Reno__ListUnits lu = RENO__LIST_UNITS__INIT;
    double t1 = h_now_s();
    Reno__ServerMessage *m = h_call_body(reader, RENO__REQUEST__BODY_LIST_UNITS, &lu);
    double read_wait = h_now_s() - t1;
    Reno__StatusCode read_code = h_code(m);
    ck_assert_msg(read_code == RENO__STATUS_CODE__OK || read_code == RENO__STATUS_CODE__UNAVAILABLE,
                  "the read behind the blocked writes: %s", msg_status_name(read_code));
    ck_assert_msg(read_wait < deadline + margin, "the read waited %.1f s", read_wait);
    net_free(reader, m);

    struct net_conn *writers[2] = {w1, w2};
    for (int i = 0; i < 2; i++) {
        m = next_response(writers[i], (int)((deadline + margin) * 1000));
        ck_assert_msg(m != NULL, "a blocked write got no answer");
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
        net_free(writers[i], m);
    }
    double writes_wait = h_now_s() - t0;
    ck_assert_msg(writes_wait < deadline + margin + 0.2, "the writes waited %.1f s", writes_wait);
    fprintf(stderr, "lock held: read answered %s after %.1f s, writes UNAVAILABLE after %.1f s\n",
            msg_status_name(read_code), read_wait, writes_wait);

    res = PQexec(locker, "ROLLBACK");
    PQclear(res);
    PQfinish(locker);
    Reno__Request *again[2] = {&r1, &r2};
    for (int i = 0; i < 2; i++) {
        Reno__StatusCode code = RENO__STATUS_CODE__UNAVAILABLE;
        for (int tries = 0; tries < 50 && code == RENO__STATUS_CODE__UNAVAILABLE; tries++) {
            m = h_call(writers[i], again[i]);
            code = h_code(m);
            net_free(writers[i], m);
            if (code == RENO__STATUS_CODE__UNAVAILABLE)
                usleep(100 * 1000);
        }
        ck_assert_int_eq(code, RENO__STATUS_CODE__OK);
    }
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 2);
    m = h_call_body(reader, RENO__REQUEST__BODY_LIST_UNITS, &lu);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(reader, m);
    net_close(reader);
    net_close(w2);
    net_close(w1);
    ck_assert_int_eq(h_server_stop(&srv), 0);
}
END_TEST

static Reno__StatusCode resume(struct net_conn *c, const char *token)
{
    Reno__Resume rs = RENO__RESUME__INIT;
    rs.token = (char *)token;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_RESUME, &rs);
    Reno__StatusCode code = h_code(m);
    net_free(c, m);
    return code;
}

/*
 * While the database is down, a session renod saw valid resumes from memory, but only
 * to read today's status; a session that ended before the outage (renod heard of it) does
 * not, and neither does a token renod never saw.
 */
START_TEST(sessions_resume_from_memory_only_to_read)
{
    struct net_conn *a, *b;
    a = h_connect(&h_srv);
    char *token_a = h_login_on(a, H_OFFICE);
    b = h_connect(&h_srv);
    char *token_b = h_login_on(b, H_OFFICE);
    Reno__ServerMessage *m = h_get_status(a, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(a, m);
    Reno__Logout lo = RENO__LOGOUT__INIT;
    m = h_call_body(b, RENO__REQUEST__BODY_LOGOUT, &lo);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(b, m);
    usleep(300 * 1000); /* the logout's notification reaches renod */
    net_close(a);
    net_close(b);

    h_pg_stop();
    usleep(200 * 1000);
    struct net_conn *c = h_connect(&h_srv);
    ck_assert_int_eq(resume(c, token_a), RENO__STATUS_CODE__OK);
    m = h_get_status(c, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->status_reply->stale);
    net_free(c, m);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, 1, "2022-03-20", 10, 0);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "resumed without it"));
    net_free(c, m);
    net_close(c);

    struct net_conn *d = h_connect(&h_srv);
    ck_assert_int_eq(resume(d, token_b), RENO__STATUS_CODE__UNAVAILABLE);
    ck_assert_int_eq(resume(d, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"),
                     RENO__STATUS_CODE__UNAVAILABLE);
    net_close(d);
    h_pg_start();
    free(token_a);
    free(token_b);
}
END_TEST

Suite *it_outage_suite(void)
{
    Suite *s = suite_create("it_outage");
    TCase *tc = tcase_create("outage");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, database_restart_under_a_running_server);
    tcase_add_test(tc, failure_at_commit_is_not_acknowledged);
    tcase_add_test(tc, sessions_resume_from_memory_only_to_read);
    tcase_add_test(tc, frozen_database_is_answered_within_the_deadline);
    tcase_add_test(tc, silent_database_host_is_given_up_on);
    tcase_add_test(tc, writes_blocked_on_a_lock_do_not_starve_the_pool);
    suite_add_tcase(s, tc);
    return s;
}
