/*
 * GetStatus and the work plan's rules through the server, on the boundary days: the
 * 25% rule on 802 households (201), every project started by 30 April, every household
 * completed by 30 November, each evaluated before, on and after its due date.
 */
#include <string.h>

#include "it.h"

static struct net_conn *office;

static void push(long project, const char *date, int started, int completed)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, started, completed);
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "push: %s", m->response->status->message);
    net_free(office, m);
}

/* The verdict of rule `index` as of a date. */
static Reno__Verdict verdict(const char *as_of, int index, int *actual)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = (char *)as_of;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_str_eq(m->response->status_reply->as_of, as_of);
    Reno__RuleCheck *r = m->response->status_reply->rules[index];
    Reno__Verdict v = r->verdict;
    if (actual)
        *actual = r->actual;
    net_free(office, m);
    return v;
}

static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
}

static void teardown(void)
{
    net_close(office);
    h_fixture_teardown();
}

START_TEST(start_share_rule_on_its_boundary)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    push(p0, "2022-03-10", 150, 0);
    push(p1, "2022-03-31", 50, 0); /* 200 of 802: one short of 201 */
    int actual = 0;
    ck_assert_int_eq(verdict("2022-03-30", 0, &actual), RENO__VERDICT__VERDICT_PENDING);
    ck_assert_int_eq(actual, 150);
    ck_assert_int_eq(verdict("2022-03-31", 0, &actual), RENO__VERDICT__VERDICT_PENDING);
    ck_assert_int_eq(actual, 200);
    ck_assert_int_eq(verdict("2022-04-01", 0, NULL), RENO__VERDICT__VERDICT_MISSED);
    /* A report made in April does not rescue March. */
    push(p1, "2022-04-01", 100, 0);
    ck_assert_int_eq(verdict("2022-04-02", 0, &actual), RENO__VERDICT__VERDICT_MISSED);
    ck_assert_int_eq(actual, 200);
    /* A correction dated 31 March does. */
    push(p1, "2022-03-31", 51, 0);
    ck_assert_int_eq(verdict("2022-04-02", 0, &actual), RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(actual, 201);
}
END_TEST

START_TEST(start_all_and_complete_all_rules)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    push(p0, "2022-03-10", 500, 0);
    ck_assert_int_eq(verdict("2022-04-30", 1, NULL), RENO__VERDICT__VERDICT_PENDING);
    ck_assert_int_eq(verdict("2022-05-01", 1, NULL), RENO__VERDICT__VERDICT_MISSED);
    push(p1, "2022-04-30", 1, 0);
    int actual = 0;
    ck_assert_int_eq(verdict("2022-04-30", 1, &actual), RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(actual, 2);

    push(p0, "2022-11-20", 500, 500);
    push(p1, "2022-11-30", 302, 301);
    ck_assert_int_eq(verdict("2022-11-30", 2, &actual), RENO__VERDICT__VERDICT_PENDING);
    ck_assert_int_eq(actual, 801);
    ck_assert_int_eq(verdict("2022-12-01", 2, NULL), RENO__VERDICT__VERDICT_MISSED);
    push(p1, "2022-11-30", 302, 302);
    ck_assert_int_eq(verdict("2022-12-01", 2, &actual), RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(actual, 802);
}
END_TEST

START_TEST(bad_as_of_is_bad_request)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = "2022-02-30";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "get_status.as_of");
    net_free(office, m);
}
END_TEST

Suite *it_status_suite(void)
{
    Suite *s = suite_create("it_status");
    TCase *tc = tcase_create("status");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, start_share_rule_on_its_boundary);
    tcase_add_test(tc, start_all_and_complete_all_rules);
    tcase_add_test(tc, bad_as_of_is_bad_request);
    suite_add_tcase(s, tc);
    return s;
}
