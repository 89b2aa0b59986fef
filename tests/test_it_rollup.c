/*
 * The versioned in-memory status (server/rollup.c): a write's reply names its position,
 * the database's notification carries programme, project and position, and a reader
 * asking for "at least position P" is answered from memory once the roll-up has P, or
 * told UNAVAILABLE, with where it is, when it does not get there within status_wait.
 * Notifications are untrusted text: garbage or forged positions on the channel make
 * renod refresh, never claim a position the database has not committed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "it.h"

static struct h_server quick; /* status_wait of one second */

static void setup(void)
{
    h_fixture_setup();
    const char *extra[] = {"--status-wait", "1", NULL};
    h_server_start(&quick, h_db, extra);
}

static void teardown(void)
{
    int rc = h_server_stop(&quick);
    h_fixture_teardown();
    ck_assert_int_eq(rc, 0);
}

static PGconn *pg_open(void)
{
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", h_db);
    PGconn *pg = PQconnectdb(conninfo);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
    return pg;
}

static void pg_ok(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
}

/* Pushes progress; returns the reply's position. */
static int64_t push(struct net_conn *c, long project, int started)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, "2022-04-15", started, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    ck_assert(!m->response->push_progress->replayed);
    int64_t position = m->response->push_progress->position;
    net_free(c, m);
    return position;
}

static Reno__ServerMessage *status_after(struct net_conn *c, int64_t position)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.min_position = position;
    return h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
}

static const Reno__ProjectStatus *project_in(const Reno__StatusReply *s, long id)
{
    for (size_t i = 0; i < s->n_projects; i++)
        if (s->projects[i]->project_id == id)
            return s->projects[i];
    ck_abort_msg("project %ld not in the status", id);
    return NULL;
}

START_TEST(a_write_names_its_position_and_a_reader_waits_for_it)
{
    long p0 = h_project_id(h_db, 0);
    int64_t programme = h_sql_long(h_db, "SELECT id FROM programme");
    PGconn *listener = pg_open();
    pg_ok(listener, "LISTEN reno_changed");

    struct net_conn *writer = h_login(&h_srv, H_OFFICE);
    struct net_conn *reader = h_login(&h_srv, H_LEADER);
    Reno__ServerMessage *m = status_after(reader, 0); /* the roll-up holds the programme */
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t before = m->response->status_reply->position;
    ck_assert_int_gt(before, 0);
    net_free(reader, m);

    int64_t position = push(writer, p0, 120);
    ck_assert_int_gt(position, before);
    ck_assert_int_eq(position, h_sql_long(h_db, "SELECT max(id) FROM audit_log"));

    /* The notification names the programme, the project and the write's position. */
    char want[96];
    snprintf(want, sizeof want, "%lld:%ld:%lld", (long long)programme, p0, (long long)position);
    bool heard = false;
    for (int i = 0; i < 50 && !heard; i++) {
        PQconsumeInput(listener);
        PGnotify *n;
        while ((n = PQnotifies(listener)) != NULL) {
            heard = heard || strcmp(n->extra, want) == 0;
            PQfreemem(n);
        }
        if (!heard)
            usleep(20 * 1000);
    }
    ck_assert_msg(heard, "no notification %s", want);
    PQfinish(listener);

    /* Another connection asking for that position sees the write. */
    m = status_after(reader, position);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_ge(m->response->status_reply->position, position);
    ck_assert_int_eq(project_in(m->response->status_reply, p0)->households_started, 120);
    ck_assert(!m->response->status_reply->stale);
    net_free(reader, m);

    /* A generic write names its position too, after the push's. */
    uint8_t key[16];
    Reno__SetLightRule lr = RENO__SET_LIGHT_RULE__INIT;
    h_new_key(&lr.idempotency_key, key);
    lr.code = "deadline_near_days";
    lr.value = 21;
    m = h_call_body(writer, RENO__REQUEST__BODY_SET_LIGHT_RULE, &lr);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    int64_t second = m->response->set_light_rule->position;
    ck_assert_int_gt(second, position);
    net_free(writer, m);
    /* Replayed, it writes nothing and names a position at or after the first answer's. */
    m = h_call_body(writer, RENO__REQUEST__BODY_SET_LIGHT_RULE, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->set_light_rule->replayed);
    ck_assert_int_ge(m->response->set_light_rule->position, second);
    net_free(writer, m);
    /* The writer's own connection asks for its last position by itself (client/net.c). */
    m = h_get_status(writer, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_ge(m->response->status_reply->position, second);
    bool found = false;
    for (size_t i = 0; i < m->response->status_reply->n_light_rules; i++)
        if (strcmp(m->response->status_reply->light_rules[i]->code, "deadline_near_days") == 0)
            found = m->response->status_reply->light_rules[i]->value == 21;
    ck_assert(found);
    net_free(writer, m);
    net_close(writer);
    net_close(reader);
}
END_TEST

START_TEST(a_position_never_reached_is_answered_unavailable_in_time)
{
    struct net_conn *c = h_login(&quick, H_OFFICE);
    Reno__ServerMessage *m = status_after(c, 0);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t at = m->response->status_reply->position;
    net_free(c, m);

    double t0 = h_now_s();
    m = status_after(c, at + 1000000);
    double waited = h_now_s() - t0;
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    ck_assert_uint_ge(m->response->status->retry_after, 1);
    char want[96];
    snprintf(want, sizeof want, "not yet at position %lld: it is at %lld",
             (long long)(at + 1000000), (long long)at);
    ck_assert_msg(strstr(m->response->status->message, want) != NULL, "%s",
                  m->response->status->message);
    net_free(c, m);
    /* status_wait is 1 s, checked at the roll-up's once-a-second tick: at most 2 s, with
     * a generous margin for a loaded machine. */
    ck_assert_msg(waited >= 0.9 && waited < 6.0, "waited %.2f s", waited);

    /* A negative position, or one with a past date, is refused as a bad field. */
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.min_position = -1;
    m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    net_free(c, m);
    gs.min_position = 1;
    gs.as_of = "2022-05-01";
    m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "get_status.min_position");
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(hostile_notifications_never_move_the_position)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *writer = h_login(&quick, H_OFFICE);
    struct net_conn *reader = h_login(&quick, H_LEADER);
    Reno__ServerMessage *m = status_after(reader, 0);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t at = m->response->status_reply->position;
    net_free(reader, m);

    PGconn *pg = pg_open();
    const char *payloads[] = {
        "",
        "garbage",
        "1:2",
        "1:2:3:4",
        "1: 2:3",
        "-1:1:1",
        "99999999999999999999:1:1",
        "1:1:9223372036854775808",
        "0:0:9000000000000000000", /* well formed, but no such position was committed */
        "1:1:1\n2:2:2",
    };
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        const char *params[] = {payloads[i]};
        PGresult *res = PQexecParams(pg, "SELECT pg_notify('reno_changed', $1)", 1, NULL, params,
                                     NULL, NULL, 0);
        ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
        PQclear(res);
    }
    /* A payload as long as PostgreSQL allows. */
    pg_ok(pg, "SELECT pg_notify('reno_changed', repeat('7', 7999))");
    PQfinish(pg);

    /* The forged position is never claimed: a reader asking for it is told where the
     * roll-up really is. */
    m = status_after(reader, 9000000000000000000LL);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
    net_free(reader, m);
    m = status_after(reader, 0);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->status_reply->position, at);
    net_free(reader, m);

    /* And real changes still arrive. */
    int64_t position = push(writer, p0, 75);
    m = status_after(reader, position);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->status_reply->position, position);
    ck_assert_int_eq(project_in(m->response->status_reply, p0)->households_started, 75);
    net_free(reader, m);
    net_close(writer);
    net_close(reader);
}
END_TEST

/* ---- one consistent snapshot ---------------------------------------------------------- */

#define WRITES 150

struct writer {
    const struct h_server *srv;
    long project;
    int64_t positions[WRITES + 1]; /* positions[k]: the push of started = k */
    int failures;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;
    struct net_conn *c = h_login(w->srv, H_OFFICE);
    for (int k = 1; k <= WRITES; k++) {
        Reno__Request req;
        Reno__PushProgress p;
        uint8_t key[16];
        h_push_init(&req, &p, key, w->project, "2022-04-15", k, 0);
        Reno__ServerMessage *m = h_call(c, &req);
        if (h_code(m) == RENO__STATUS_CODE__OK)
            w->positions[k] = m->response->push_progress->position;
        else
            w->failures++;
        net_free(c, m);
    }
    net_close(c);
    return NULL;
}

/*
 * While one connection pushes progress as fast as it can, every status read says a
 * position and must show exactly the figures at that position: the project's value is
 * that of the last push at or before it, and the totals are the sums of the rows. A
 * computation whose statements each saw a different moment would show a push after its
 * position.
 */
START_TEST(a_full_recompute_is_one_snapshot)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *reader = h_login(&h_srv, H_LEADER);
    Reno__ServerMessage *m = status_after(reader, 0);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t first_position = m->response->status_reply->position;
    int32_t first_started = project_in(m->response->status_reply, p0)->households_started;
    net_free(reader, m);

    static struct writer w;
    memset(&w, 0, sizeof w);
    w.srv = &h_srv;
    w.project = p0;
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, write_many, &w), 0);
    enum { MAX_SEEN = 4000 };
    static int64_t seen_position[MAX_SEEN];
    static int32_t seen_started[MAX_SEEN];
    int seen = 0;
    int64_t last = 0;
    double deadline = h_now_s() + 30;
    for (bool done = false; !done && seen < MAX_SEEN && h_now_s() < deadline;) {
        m = status_after(reader, 0);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
        const Reno__StatusReply *s = m->response->status_reply;
        int32_t sum = 0;
        for (size_t k = 0; k < s->n_projects; k++)
            sum += s->projects[k]->households_started;
        ck_assert_int_eq(s->households_started, sum);
        ck_assert_int_ge(s->position, last); /* never backwards */
        if (s->position != last) {
            last = s->position;
            seen_position[seen] = s->position;
            seen_started[seen] = project_in(s, p0)->households_started;
            seen++;
        }
        done = project_in(s, p0)->households_started == WRITES;
        net_free(reader, m);
        usleep(1000);
    }
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_int_eq(w.failures, 0);
    ck_assert_int_gt(seen, 2);
    fprintf(stderr, "snapshot: %d statuses at distinct positions during %d writes\n", seen, WRITES);
    for (int i = 0; i < seen; i++) {
        int32_t want = first_started;
        for (int k = 1; k <= WRITES; k++)
            if (w.positions[k] <= seen_position[i])
                want = k;
        if (seen_position[i] < first_position)
            continue;
        ck_assert_msg(seen_started[i] == want, "at position %lld the project shows %d, not %d",
                      (long long)seen_position[i], seen_started[i], want);
    }
    net_close(reader);
}
END_TEST

Suite *it_rollup_suite(void)
{
    Suite *s = suite_create("it_rollup");
    TCase *tc = tcase_create("rollup");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_write_names_its_position_and_a_reader_waits_for_it);
    tcase_add_test(tc, a_position_never_reached_is_answered_unavailable_in_time);
    tcase_add_test(tc, hostile_notifications_never_move_the_position);
    tcase_add_test(tc, a_full_recompute_is_one_snapshot);
    suite_add_tcase(s, tc);
    return s;
}
