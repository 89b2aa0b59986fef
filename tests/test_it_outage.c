/*
 * PostgreSQL stopped and started again under a running renod: requests during the
 * outage get UNAVAILABLE (typed, retryable, the connection kept), and once the database
 * is back the same requests succeed without restarting renod. The retry reuses its
 * idempotency key, so a write that was in doubt is never counted twice.
 */
#include <unistd.h>

#include "it.h"

START_TEST(database_restart_under_a_running_server)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    long p0 = h_project_id(h_db, 0);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, p0, "2022-03-20", 100, 0);

    h_pg_stop();
    /* Give the pool a moment to notice; either way the answer must be UNAVAILABLE. */
    usleep(200 * 1000);
    for (int i = 0; i < 3; i++) {
        Reno__ServerMessage *m = h_call(c, &req);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAVAILABLE);
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

Suite *it_outage_suite(void)
{
    Suite *s = suite_create("it_outage");
    TCase *tc = tcase_create("outage");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, database_restart_under_a_running_server);
    tcase_add_test(tc, failure_at_commit_is_not_acknowledged);
    suite_add_tcase(s, tc);
    return s;
}
