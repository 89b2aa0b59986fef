/*
 * PushProgress through client, protocol, server and PostgreSQL: the numbers arrive in
 * the status, a retry with the same key counts once, refusals write nothing, database
 * rules come back as typed errors naming the field, and every write is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"

static Reno__ServerMessage *status_as_of(struct net_conn *c, const char *as_of)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = (char *)as_of;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

static long reports(void)
{
    return h_sql_long(h_db, "SELECT count(*) FROM progress_report");
}

START_TEST(push_then_status_shows_the_numbers)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, p0, "2022-03-20", 150, 0);
    p.note = "首批楼栋开工";
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_gt(m->response->push_progress->report_id, 0);
    ck_assert(!m->response->push_progress->replayed);
    net_free(c, m);
    h_push_init(&req, &p, key, p1, "2022-03-25", 60, 0);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);

    m = status_as_of(c, "2022-03-31");
    Reno__StatusReply *st = m->response->status_reply;
    ck_assert_str_eq(st->programme_code, "ziyun-2022");
    ck_assert_int_eq(st->target_households, 802);
    ck_assert_int_eq(st->households, 802);
    ck_assert_int_eq(st->households_started, 210);
    ck_assert_int_eq(st->households_completed, 0);
    ck_assert_uint_eq(st->n_projects, 2);
    ck_assert_int_eq(st->projects[0]->households_started, 150);
    ck_assert_str_eq(st->projects[0]->last_report_date, "2022-03-20");
    ck_assert(st->projects[0]->is_sample);
    ck_assert_uint_eq(st->n_rules, 4);
    ck_assert_str_eq(st->rules[0]->code, "start_share");
    ck_assert_int_eq(st->rules[0]->required, 201);
    ck_assert_int_eq(st->rules[0]->actual, 210);
    ck_assert_int_eq(st->rules[0]->verdict, RENO__VERDICT__VERDICT_MET);
    /* Both projects had started by then, so the April rule is met early. */
    ck_assert_int_eq(st->rules[1]->verdict, RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(st->rules[2]->verdict, RENO__VERDICT__VERDICT_PENDING);
    /* The registered projects agree with the plan: 2 projects, 802 households. */
    ck_assert_str_eq(st->rules[3]->code, "registered");
    ck_assert_int_eq(st->rules[3]->verdict, RENO__VERDICT__VERDICT_MET);
    net_free(c, m);

    /* As of a date before the reports, nothing had started. */
    m = status_as_of(c, "2022-03-19");
    ck_assert_int_eq(m->response->status_reply->households_started, 0);
    ck_assert_str_eq(m->response->status_reply->projects[0]->last_report_date, "");
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(same_key_twice_counts_once)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-04-10", 300, 10);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t first = m->response->push_progress->report_id;
    net_free(c, m);
    ck_assert_int_eq(reports(), 1);

    /* The retry, as after a lost reply, on a new connection. */
    net_close(c);
    c = h_login(&h_srv, H_OFFICE);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->push_progress->report_id, first);
    ck_assert(m->response->push_progress->replayed);
    net_free(c, m);
    ck_assert_int_eq(reports(), 1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM audit_log "
                                      "WHERE action = 'push_progress'"),
                     1);

    /* The same key for different content is a client bug: CONFLICT, nothing written. */
    p.households_started = 301;
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__CONFLICT);
    ck_assert_str_eq(m->response->status->field, "push_progress.idempotency_key");
    net_free(c, m);
    ck_assert_int_eq(reports(), 1);
    net_close(c);
}
END_TEST

START_TEST(unit_without_responsibility_is_refused)
{
    long p0 = h_project_id(h_db, 0);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    const char *refused[] = {H_FINANCE, H_LEADER};
    for (int i = 0; i < 2; i++) {
        struct net_conn *c = h_login(&h_srv, refused[i]);
        h_push_init(&req, &p, key, p0, "2022-04-10", 10, 0);
        Reno__ServerMessage *m = h_call(c, &req);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
        net_free(c, m);
        net_close(c);
    }
    ck_assert_int_eq(reports(), 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM idempotency"), 0);
    /* A utility named responsible for the project may write it. */
    struct net_conn *c = h_login(&h_srv, H_POWER);
    h_push_init(&req, &p, key, p0, "2022-04-10", 10, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    net_close(c);
    ck_assert_int_eq(reports(), 1);
}
END_TEST

START_TEST(database_rules_come_back_typed)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    long p1 = h_project_id(h_db, 1); /* 302 households */
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, p1, "2022-04-10", 303, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "push_progress.households_started");
    net_free(c, m);

    h_push_init(&req, &p, key, 999999, "2022-04-10", 1, 0);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__NOT_FOUND);
    ck_assert_str_eq(m->response->status->field, "push_progress.project_id");
    net_free(c, m);

    /* Checked before the database: completed > started, a future date. */
    h_push_init(&req, &p, key, p1, "2022-04-10", 5, 6);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "push_progress.households_completed");
    net_free(c, m);
    h_push_init(&req, &p, key, p1, "2999-01-01", 5, 0);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "push_progress.report_date");
    net_free(c, m);
    ck_assert_int_eq(reports(), 0);
    net_close(c);
}
END_TEST

START_TEST(audit_log_is_append_only)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    long p0 = h_project_id(h_db, 0);
    h_push_init(&req, &p, key, p0, "2022-03-01", 20, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    h_push_init(&req, &p, key, p0, "2022-03-15", 40, 0);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    net_close(c);
    /* The second entry carries the first report as its "before". */
    ck_assert_int_eq(h_sql_long(h_db, "SELECT (before->>'households_started')::int FROM "
                                      "audit_log WHERE action = 'push_progress' "
                                      "ORDER BY id DESC LIMIT 1"),
                     20);
    char state[6];
    h_sql_exec(h_db, "UPDATE audit_log SET action = 'x'", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "DELETE FROM audit_log", state);
    ck_assert_str_eq(state, "42501");
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM audit_log "
                                      "WHERE action = 'push_progress'"),
                     2);
}
END_TEST

Suite *it_progress_suite(void)
{
    Suite *s = suite_create("it_progress");
    TCase *tc = tcase_create("progress");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, push_then_status_shows_the_numbers);
    tcase_add_test(tc, same_key_twice_counts_once);
    tcase_add_test(tc, unit_without_responsibility_is_refused);
    tcase_add_test(tc, database_rules_come_back_typed);
    tcase_add_test(tc, audit_log_is_append_only);
    suite_add_tcase(s, tc);
    return s;
}
