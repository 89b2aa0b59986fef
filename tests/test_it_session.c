/*
 * Sessions through the real path: Hello first, Login with right and wrong passwords,
 * Resume on a new connection, Logout, and requests made without a session.
 */
#include <stdlib.h>
#include <string.h>

#include "it.h"

static Reno__ServerMessage *login(struct net_conn *c, const char *user, const char *password)
{
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = (char *)user;
    lg.password = (char *)password;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &lg;
    return h_call(c, &req);
}

START_TEST(wrong_password_is_unauthenticated)
{
    struct net_conn *c = h_connect(&h_srv);
    Reno__ServerMessage *m = login(c, H_OFFICE, "not-the-password");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    ck_assert_ptr_eq(m->response->session, NULL);
    net_free(c, m);
    /* An unknown user gets the same answer, not a hint that the name is free. */
    m = login(c, "nobody", "whatever-password");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    ck_assert_str_eq(m->response->status->message, "wrong username or password");
    net_free(c, m);
    /* The connection carries on: the right password still works on it. */
    m = login(c, H_OFFICE, "office-test-password");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(login_then_resume_on_a_new_connection)
{
    struct net_conn *c = h_connect(&h_srv);
    Reno__ServerMessage *m = login(c, H_HOUSING, "housing-test-password");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__SessionReply *s = m->response->session;
    ck_assert_int_eq(strlen(s->token), 64);
    ck_assert_str_eq(s->username, H_HOUSING);
    ck_assert_int_eq(s->role, RENO__ROLE__ROLE_DEPARTMENT);
    ck_assert_str_eq(s->unit_name, "县住房和城乡建设局");
    ck_assert_str_eq(s->programme_code, "ziyun-2022");
    char token[65];
    strcpy(token, s->token);
    net_free(c, m);
    net_close(c);

    c = h_connect(&h_srv);
    Reno__Resume rs = RENO__RESUME__INIT;
    rs.token = token;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_RESUME;
    req.resume = &rs;
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_str_eq(m->response->session->username, H_HOUSING);
    net_free(c, m);
    m = h_get_status(c, "2022-12-31");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);

    /* After logout the token is gone for good. */
    Reno__Logout lo = RENO__LOGOUT__INIT;
    Reno__Request out = RENO__REQUEST__INIT;
    out.body_case = RENO__REQUEST__BODY_LOGOUT;
    out.logout = &lo;
    m = h_call(c, &out);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    m = h_get_status(c, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    ck_assert_str_eq(m->response->status->field, "resume.token");
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(requests_need_hello_then_a_session)
{
    struct net_conn *c = NULL;
    char err[NET_ERR_SIZE];
    ck_assert(net_connect(h_srv.address, 10000, &c, err) == 0);
    Reno__ServerMessage *m = h_get_status(c, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "body");
    net_free(c, m);
    ck_assert(net_hello(c, "test", err) == 0);
    /* A second Hello is refused, the connection stays. */
    ck_assert(net_hello(c, "test", err) != 0);
    m = h_get_status(c, "");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(bad_resume_token_is_bad_request)
{
    struct net_conn *c = h_connect(&h_srv);
    Reno__Resume rs = RENO__RESUME__INIT;
    rs.token = "not-hex";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_RESUME;
    req.resume = &rs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "resume.token");
    net_free(c, m);
    net_close(c);
}
END_TEST

Suite *it_session_suite(void)
{
    Suite *s = suite_create("it_session");
    TCase *tc = tcase_create("session");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, wrong_password_is_unauthenticated);
    tcase_add_test(tc, login_then_resume_on_a_new_connection);
    tcase_add_test(tc, requests_need_hello_then_a_session);
    tcase_add_test(tc, bad_resume_token_is_bad_request);
    suite_add_tcase(s, tc);
    return s;
}
