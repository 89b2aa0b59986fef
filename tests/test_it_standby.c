/*
 * Reads from a streaming standby, through the real path: the test makes a standby of the
 * tests' own cluster (scripts/pgcluster start --standby-of: pg_basebackup -R, its own
 * socket directory) and starts renod with `standby` set to it. A status as of a past date
 * is answered from the standby, saying so and how far behind the primary it was; a write
 * through renod (on the primary) shows there once the standby has replayed it. With the
 * standby stopped, the same request is answered from the primary, not refused. The command
 * line prints the staleness in one line. The standby's cluster is removed at the end, on
 * failure too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it.h"

#define AS_OF "2022-06-30"

static char root[256];
static char standby_dir[300];
static struct h_server srv;
static char db[64];

static void pgcluster(const char *verb, bool as_standby)
{
    char script[600];
    snprintf(script, sizeof script, "%s/scripts/pgcluster", RENO_SOURCE_DIR);
    const char *primary = getenv("RENO_TEST_PGCLUSTER");
    ck_assert_msg(primary != NULL, "RENO_TEST_PGCLUSTER is not set");
    const char *argv[] = {script,  verb, standby_dir, as_standby ? "--standby-of" : NULL,
                          primary, NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, NULL, &out, &err);
    ck_assert_msg(rc == 0, "pgcluster %s: %d\n%s%s", verb, rc, out, err);
    free(out);
    free(err);
}

static void destroy_standby(void)
{
    if (standby_dir[0] == '\0')
        return;
    char script[600];
    snprintf(script, sizeof script, "%s/scripts/pgcluster", RENO_SOURCE_DIR);
    const char *argv[] = {script, "destroy", standby_dir, NULL};
    char *out = NULL, *err = NULL;
    (void)h_run(argv, NULL, NULL, &out, &err);
    free(out);
    free(err);
    rmdir(root);
    standby_dir[0] = '\0';
}

static void setup(void)
{
    h_scratch_dir(root, sizeof root, "standby");
    snprintf(standby_dir, sizeof standby_dir, "%s/standby", root);
    atexit(destroy_standby);
    /* The database first, so that the base backup holds it. */
    h_db_new(db);
    pgcluster("start", true);
    char conninfo[600];
    snprintf(conninfo, sizeof conninfo, "host=%s/socket dbname=%s user=" H_APP_ROLE, standby_dir,
             db);
    const char *extra[] = {"--standby", conninfo, NULL};
    h_server_start(&srv, db, extra);
}

static void teardown(void)
{
    ck_assert_int_eq(h_server_stop(&srv), 0);
    destroy_standby();
    h_db_drop(db);
}

static Reno__ServerMessage *status(struct net_conn *c)
{
    Reno__ServerMessage *m = h_get_status(c, AS_OF);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "GetStatus: %s",
                  m->response->status->message);
    return m;
}

/* A preview of the round report of 2022-06-28 (stored nowhere). */
static Reno__ServerMessage *preview(struct net_conn *c)
{
    Reno__IssueReport ir = RENO__ISSUE_REPORT__INIT;
    uint8_t key[16];
    h_new_key(&ir.idempotency_key, key);
    ir.kind = RENO__REPORT_KIND__REPORT_KIND_ROUND;
    ir.subject = "2022-06-28";
    ir.format = RENO__REPORT_FORMAT__REPORT_FORMAT_MD;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_ISSUE_REPORT, &ir);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "IssueReport: %s",
                  m->response->status ? m->response->status->message : "");
    ck_assert_str_eq(m->response->issue_report->status, "preview");
    return m;
}

START_TEST(past_status_from_the_standby_then_from_the_primary)
{
    struct net_conn *office = h_login(&srv, H_OFFICE);
    long project = h_project_id(db, 0);

    Reno__ServerMessage *m = status(office);
    Reno__StatusReply *s = m->response->status_reply;
    ck_assert_msg(s->from_standby, "a past status should come from the standby");
    ck_assert_int_ge(s->standby_lag_ms, 0);
    int before = s->households_started;
    net_free(office, m);

    /* A write through renod goes to the primary. */
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, "2022-05-10", 37, 0);
    m = h_call(office, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "push: %s", m->response->status->message);
    net_free(office, m);

    /* The standby shows it once it has replayed it; until then it states its lag. */
    bool shown = false;
    long long lag = -2;
    for (int i = 0; i < 100 && !shown; i++) {
        m = status(office);
        s = m->response->status_reply;
        ck_assert(s->from_standby);
        ck_assert_int_ge(s->standby_lag_ms, 0);
        lag = (long long)s->standby_lag_ms;
        shown = s->households_started == before + 37;
        net_free(office, m);
        if (!shown)
            usleep(100 * 1000);
    }
    ck_assert_msg(shown, "the standby never showed the write");
    printf("standby: the write shown from the standby, lag %lld ms\n", lag);

    /* A report's preview is read there too, and says so. */
    m = preview(office);
    ck_assert_msg(m->response->issue_report->from_standby,
                  "a preview should come from the standby");
    ck_assert_int_ge(m->response->issue_report->standby_lag_ms, 0);
    net_free(office, m);

    /* The command line states where the figures came from. */
    char home[128], env_xdg[200], env_server[120], password[128];
    snprintf(home, sizeof home, "/tmp/reno-it-standby-cli.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", srv.address);
    snprintf(password, sizeof password, "%s-test-password\n", H_OFFICE);
    const char *env[] = {env_xdg, env_server, "LANGUAGE=", "LC_ALL=C.UTF-8", NULL};
    char *out, *err;
    int rc = h_run(
        (const char *const[]){h_bin("reno"), "login", "--user", H_OFFICE, "--password-stdin", NULL},
        env, password, &out, &err);
    ck_assert_msg(rc == 0, "login: %d %s%s", rc, out, err);
    free(out);
    free(err);
    rc = h_run((const char *const[]){h_bin("reno"), "status", "--as-of", AS_OF, NULL}, env, NULL,
               &out, &err);
    ck_assert_msg(rc == 0, "status: %d %s%s", rc, out, err);
    const char *line = strstr(out, "from the standby, about ");
    ck_assert_msg(line != NULL, "no standby line in:\n%s", out);
    printf("standby: %.*s\n", (int)strcspn(line, "\n"), line);
    free(out);
    free(err);
    rc = h_run((const char *const[]){h_bin("reno"), "report", "round", "2022-06-28", "-o",
                                     "/dev/null", NULL},
               env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "report: %d %s%s", rc, out, err);
    ck_assert_msg(strstr(err, "from the standby, about ") != NULL, "no standby line in:\n%s", err);
    free(out);
    free(err);
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);

    /* The standby goes away: the same request is answered from the primary. */
    pgcluster("stop", false);
    m = status(office);
    s = m->response->status_reply;
    ck_assert_msg(!s->from_standby, "the standby is down: the primary should answer");
    ck_assert_int_eq(s->standby_lag_ms, 0);
    ck_assert_int_eq(s->households_started, before + 37);
    net_free(office, m);
    m = preview(office);
    ck_assert_msg(!m->response->issue_report->from_standby, "the standby is down: a preview too");
    net_free(office, m);
    net_close(office);
}
END_TEST

Suite *it_standby_suite(void)
{
    Suite *s = suite_create("standby");
    TCase *tc = tcase_create("standby");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300); /* a base backup and a standby started on a loaded machine */
    tcase_add_test(tc, past_status_from_the_standby_then_from_the_primary);
    suite_add_tcase(s, tc);
    return s;
}
