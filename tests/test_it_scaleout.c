/*
 * Several renod on one database behind one address. Both servers bind the same loopback
 * port with reuse_port on (SO_REUSEPORT), the kernel hands each new connection to one of
 * them, and LISTEN/NOTIFY keeps them coherent: a write through one is pushed to a watcher
 * of the other. A third renod without the setting cannot take the port, which shows it
 * is the setting that lets the two share it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "it.h"

static struct h_server second;

static void setup(void)
{
    /* h_fixture_setup() with the first server sharing its port as well. */
    h_pg_start();
    h_db_new(h_db);
    const char *first[] = {"--reuse-port", "on", NULL};
    h_server_start(&h_srv, h_db, first);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", h_srv.port);
    const char *extra[] = {"--reuse-port", "on", "--listen", listen, NULL};
    h_server_start(&second, h_db, extra);
}

static void teardown(void)
{
    int rc = h_server_stop(&second);
    h_fixture_teardown();
    ck_assert_int_eq(rc, 0);
}

/* Which of the two servers accepted the connection: its "connected" line names the
 * connection's own port as the peer. 0 for the first, 1 for the second. */
static int served_by(struct net_conn *c)
{
    struct sockaddr_in local;
    socklen_t len = sizeof local;
    ck_assert_int_eq(getsockname(net_fd(c), (struct sockaddr *)&local, &len), 0);
    char needle[64];
    snprintf(needle, sizeof needle, "peer=127.0.0.1:%d ", ntohs(local.sin_port));
    for (int tries = 0; tries < 100; tries++) {
        if (h_log_has(&h_srv, needle))
            return 0;
        if (h_log_has(&second, needle))
            return 1;
        usleep(10 * 1000);
    }
    ck_abort_msg("neither server logged the connection from %s", needle);
    return -1;
}

/* A connection to the shared address that the kernel gave to server `want`. */
static struct net_conn *connect_to(int want, int *seen)
{
    for (int tries = 0; tries < 64; tries++) {
        struct net_conn *c = h_connect(&h_srv);
        int got = served_by(c);
        seen[got]++;
        if (got == want)
            return c;
        net_close(c);
    }
    ck_abort_msg("64 connections to the shared port all went to the other server");
    return NULL;
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

START_TEST(one_port_two_servers_a_write_reaches_the_other_s_watcher)
{
    ck_assert_int_eq(second.port, h_srv.port);
    int seen[2] = {0, 0};
    struct net_conn *writer = connect_to(0, seen);
    struct net_conn *watcher = connect_to(1, seen);
    free(h_login_on(writer, H_OFFICE));
    free(h_login_on(watcher, H_LEADER));
    /* The kernel spread the connections: both servers took some. */
    ck_assert_int_ge(seen[0], 1);
    ck_assert_int_ge(seen[1], 1);

    Reno__Watch w = RENO__WATCH__INIT;
    Reno__ServerMessage *m = h_call_body(watcher, RENO__REQUEST__BODY_WATCH, &w);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(watcher, m);

    push(writer, h_project_id(h_db, 0), 150);
    Reno__ServerMessage *pushed = NULL;
    for (double deadline = h_now_s() + 5; pushed == NULL && h_now_s() < deadline;) {
        char err[NET_ERR_SIZE];
        int rc = net_next(watcher, 500, &m, err);
        ck_assert_msg(rc >= 0, "%s", err);
        if (rc > 0)
            continue;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
            m->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED &&
            m->event->status_changed->status->households_started == 150)
            pushed = m;
        else
            net_free(watcher, m);
    }
    ck_assert_msg(pushed != NULL, "the other server's watcher was not pushed the write");
    net_free(watcher, pushed);
    net_close(watcher);
    net_close(writer);
}
END_TEST

/* Without reuse_port the port is taken: renod says so and exits non-zero. */
START_TEST(without_reuse_port_the_shared_port_is_refused)
{
    char listen[64], dbarg[128];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", h_srv.port);
    snprintf(dbarg, sizeof dbarg, "dbname=%s user=" H_APP_ROLE, h_db);
    const char *argv[] = {h_bin("renod"), "serve", "--listen",         listen, "--tls", "off",
                          "--database",   dbarg,   "--shutdown-grace", "1",    NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, NULL, &out, &err);
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strstr(err, "address already in use") != NULL, "%s%s", out, err);
    free(out);
    free(err);
}
END_TEST

Suite *it_scaleout_suite(void)
{
    Suite *s = suite_create("scaleout");
    TCase *tc = tcase_create("scaleout");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, one_port_two_servers_a_write_reaches_the_other_s_watcher);
    tcase_add_test(tc, without_reuse_port_the_shared_port_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
