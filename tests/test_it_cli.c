/*
 * The `reno` command line against a live renod: login (good and bad password), status
 * as a table and as JSON, progress push and its replay with --key, refusals as exit
 * codes, and the token file's permissions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it.h"

static char home[128];
static char env_xdg[200];
static char env_server[120];

static int reno(const char *stdin_text, char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    return h_run(argv, env, stdin_text, out, err);
}

/* reno with one more variable in its environment (NULL: none). */
static int reno_env(const char *extra, char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, extra, NULL};
    return h_run(argv, env, NULL, out, err);
}

/* Where two outputs first differ, for a failure message of a few lines. */
static const char *differ_at(const char *a, const char *b, char *out, size_t size)
{
    size_t i = 0;
    while (a[i] != '\0' && a[i] == b[i])
        i++;
    size_t from = i > 60 ? i - 60 : 0;
    snprintf(out, size, "at byte %zu:\n%.160s\n----\n%.160s", i, a + from, b + from);
    return out;
}

/* A status as of a date is computed for each reader: the time it was computed (JSON's
 * "computed_at") is blanked so that two readings compare. */
static void blank_computed_at(char *json)
{
    static const char key[] = "\"computed_at\":";
    for (char *at = strstr(json, key); at != NULL; at = strstr(at, key))
        for (at += sizeof key - 1; *at >= '0' && *at <= '9'; at++)
            *at = '0';
}

static void setup(void)
{
    h_fixture_setup();
    snprintf(home, sizeof home, "/tmp/reno-it-cli.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
}

static void teardown(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
    h_fixture_teardown();
}

static void login_as(const char *user)
{
    char password[128];
    snprintf(password, sizeof password, "%s-test-password\n", user);
    char *out, *err;
    int rc = reno(password, &out, &err,
                  (const char *const[]){"login", "--user", user, "--password-stdin", NULL});
    ck_assert_msg(rc == 0, "login %s: %d %s%s", user, rc, out, err);
    free(out);
    free(err);
}

START_TEST(login_status_push_through_the_cli)
{
    char *out, *err;
    int rc = reno("wrong-password\n", &out, &err,
                  (const char *const[]){"login", "--user", "office", "--password-stdin", NULL});
    ck_assert_int_eq(rc, 12);
    ck_assert_ptr_nonnull(strstr(err, "UNAUTHENTICATED"));
    free(out);
    free(err);
    rc = reno(NULL, &out, &err, (const char *const[]){"status", NULL});
    ck_assert_int_eq(rc, 4); /* not logged in */
    free(out);
    free(err);

    login_as(H_HOUSING);
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);

    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    const char *push[] = {
        "progress",  "push", "--project",   project, "--date", "2022-03-28",
        "--started", "210",  "--completed", "0",     "--key",  "00112233445566778899aabbccddeeff",
        NULL};
    rc = reno(NULL, &out, &err, push);
    ck_assert_msg(rc == 0, "push: %s%s", out, err);
    ck_assert_ptr_null(strstr(out, "replayed"));
    free(out);
    free(err);
    rc = reno(NULL, &out, &err, push);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "replayed"));
    free(out);
    free(err);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);

    rc = reno(NULL, &out, &err, (const char *const[]){"status", "--as-of", "2022-03-31", NULL});
    ck_assert_msg(rc == 0, "status: %s", err);
    ck_assert_ptr_nonnull(strstr(out, "松山街道示例小区一"));
    ck_assert_ptr_nonnull(strstr(out, "802"));
    ck_assert_ptr_nonnull(strstr(out, "210"));
    free(out);
    free(err);
    rc = reno(NULL, &out, &err,
              (const char *const[]){"--json", "status", "--as-of", "2022-03-31", NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "\"target_households\":802"));
    ck_assert_ptr_nonnull(strstr(out, "\"households_started\":210"));
    ck_assert_ptr_nonnull(strstr(out, "VERDICT_MET"));
    free(out);
    free(err);
}
END_TEST

START_TEST(refusals_are_exit_codes)
{
    login_as(H_FINANCE);
    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    char *out, *err;
    int rc = reno(NULL, &out, &err,
                  (const char *const[]){"progress", "push", "--project", project, "--date",
                                        "2022-03-28", "--started", "1", "--completed", "0", NULL});
    ck_assert_int_eq(rc, 13);
    ck_assert_ptr_nonnull(strstr(err, "PERMISSION_DENIED"));
    free(out);
    free(err);
    rc = reno(NULL, &out, &err,
              (const char *const[]){"progress", "push", "--project", project, "--date",
                                    "2022-13-01", "--started", "1", "--completed", "0", NULL});
    ck_assert_int_eq(rc, 2); /* refused locally: not a date */
    free(out);
    free(err);
    const char *env_dead[] = {env_xdg, "RENO_SERVER=127.0.0.1:1", NULL};
    const char *argv[] = {h_bin("reno"), "status", NULL};
    rc = h_run(argv, env_dead, NULL, &out, &err);
    ck_assert_int_eq(rc, 3);
    free(out);
    free(err);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 0);
}
END_TEST

/* Runs reno in a language at 80 columns; returns its exit status. */
static int reno_in(const char *lang, char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    char lc_all[64];
    snprintf(lc_all, sizeof lc_all, "LC_ALL=%s", lang + strlen("LANG="));
    const char *env[] = {env_xdg, env_server, lang, lc_all, "COLUMNS=80", NULL};
    return h_run(argv, env, NULL, out, err);
}

/* A report's subject by the option the other commands use (`round missing --round-date`),
 * or as the one word; the numbering read back (`reno report numbering` without options);
 * a round issued twice: the second refused, naming the 文号 it would replace, and the
 * list of reports with its headers in the user's language, fitting 80 columns. */
START_TEST(report_options_numbering_and_a_second_issue)
{
    login_as(H_OFFICE);
    char *out, *err;
    /* Nothing issued yet: the next number is the first of this year's. */
    int rc =
        reno_in("LANG=C.UTF-8", &out, &err, (const char *const[]){"report", "numbering", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "document number format: 紫改办〔{year}〕{n}号\n") != NULL &&
                      strstr(out, "last document number: -\n") != NULL,
                  "%s", out);
    free(out);
    free(err);

    const char *const issue[] = {"report",  "round", "--round-date", "2022-05-14",
                                 "--issue", "-o",    "/dev/null",    NULL};
    rc = reno_in("LANG=C.UTF-8", &out, &err, issue);
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(err, "紫改办〔2022〕1号: 2022-05-14") != NULL, "%s", err);
    free(out);
    free(err);
    /* The same round named twice, differently: refused before anything is sent. */
    rc = reno_in(
        "LANG=C.UTF-8", &out, &err,
        (const char *const[]){"report", "round", "2022-05-28", "--round-date", "2022-05-14", NULL});
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "name two different reports") != NULL, "%s", err);
    free(out);
    free(err);
    /* Issued again without saying what it replaces: refused, in Chinese, naming the 文号. */
    rc = reno_in("LANG=zh_CN.UTF-8", &out, &err, issue);
    ck_assert_msg(rc == 10 + RENO__STATUS_CODE__CONFLICT, "%d %s", rc, err);
    ck_assert_msg(strncmp(err, "reno: 冲突：", strlen("reno: 冲突：")) == 0 &&
                      strstr(err, "--replaces 紫改办〔2022〕1号") != NULL,
                  "%s", err);
    free(out);
    free(err);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM issued_report"), 1);

    rc =
        reno_in("LANG=zh_CN.UTF-8", &out, &err, (const char *const[]){"report", "numbering", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "文号格式：紫改办〔{year}〕{n}号\n") != NULL &&
                      strstr(out, "年度：2022\n") != NULL &&
                      strstr(out, "下一个文号：紫改办〔2022〕2号\n") != NULL &&
                      strstr(out, "最近签发的文号：紫改办〔2022〕1号\n") != NULL &&
                      strstr(out, "最近签发事项：2022-05-14\n") != NULL,
                  "%s", out);
    free(out);
    free(err);
    /* Another year counts from 1; a format set is read back. */
    rc = reno_in("LANG=C.UTF-8", &out, &err,
                 (const char *const[]){"report", "numbering", "--doc-number-format",
                                       "紫改〔{year}〕第{n}号", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    free(out);
    free(err);
    rc = reno_in("LANG=C.UTF-8", &out, &err,
                 (const char *const[]){"report", "numbering", "--year", "2023", NULL});
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    ck_assert_msg(strstr(out, "next document number: 紫改〔2023〕第1号\n") != NULL, "%s", out);
    free(out);
    free(err);

    /* The list in each language: every header labelled, the table within 80 columns. */
    const char *langs[] = {"LANG=zh_CN.UTF-8", "LANG=C.UTF-8"};
    for (size_t k = 0; k < 2; k++) {
        rc = reno_in(langs[k], &out, &err, (const char *const[]){"report", "list", NULL});
        ck_assert_msg(rc == 0, "%d %s", rc, err);
        h_assert_fits(out, 80);
        ck_assert_msg(strstr(out, "紫改办〔2022〕1号") != NULL, "%s", out);
        if (k == 0)
            ck_assert_msg(strstr(out, "文号") != NULL && strstr(out, "已签发") != NULL &&
                              strstr(out, "DOC") == NULL && strstr(out, "issued") == NULL &&
                              strstr(out, "REPORT") == NULL,
                          "%s", out);
        else
            ck_assert_msg(strstr(out, "DOCUMENT NUMBER") != NULL, "%s", out);
        free(out);
        free(err);
    }
}
END_TEST

/* The office's commands that live beyond one request: a report issued to a file and
 * shown again byte for byte with its digest checked, and `reno watch` printing a change
 * pushed while it waits. */
START_TEST(report_and_watch_through_the_cli)
{
    login_as(H_OFFICE);
    char issued[300], shown[300];
    snprintf(issued, sizeof issued, "%s/issued.md", home);
    snprintf(shown, sizeof shown, "%s/shown.md", home);
    char *out, *err;
    int rc =
        reno(NULL, &out, &err,
             (const char *const[]){"report", "round", "2022-05-14", "--issue", "-o", issued, NULL});
    ck_assert_msg(rc == 0, "report round: %s", err);
    ck_assert_msg(strstr(err, "report 1 紫改办〔2022〕1号: 2022-05-14") != NULL, "%s", err);
    free(out);
    free(err);
    rc = reno(NULL, &out, &err, (const char *const[]){"report", "show", "1", "-o", shown, NULL});
    ck_assert_msg(rc == 0, "report show: %s", err);
    free(out);
    free(err);
    const char *cmp[] = {"/usr/bin/cmp", issued, shown, NULL};
    ck_assert_int_eq(h_run(cmp, NULL, NULL, NULL, NULL), 0);
    unlink(issued);
    unlink(shown);

    /* A push from another process while `reno watch --count 1` waits. */
    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    pid_t pusher = fork();
    ck_assert(pusher >= 0);
    if (pusher == 0) {
        usleep(700 * 1000);
        char *o, *e;
        int prc =
            reno(NULL, &o, &e,
                 (const char *const[]){"progress", "push", "--project", project, "--date",
                                       "2022-04-01", "--started", "77", "--completed", "0", NULL});
        _exit(prc == 0 ? 0 : 1);
    }
    rc = reno(NULL, &out, &err, (const char *const[]){"watch", "--count", "1", NULL});
    int status = 0;
    waitpid(pusher, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_msg(rc == 0, "watch: %s", err);
    /* One line for the change, in the user's language: English here. */
    ck_assert_msg(strstr(out, "households started 0 (0.0%) → 77 (") != NULL, "%s", out);
    free(out);
    free(err);
}
END_TEST

/* `reno watch` watches a page: it starts with the lights of every project and the page it
 * holds, and prints the change to a project on it; --full takes no page. */
START_TEST(watch_follows_a_page_through_the_cli)
{
    login_as(H_OFFICE);
    char *out, *err;
    int rc = reno(NULL, &out, &err, (const char *const[]){"watch", "--full", "--page", "2", NULL});
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "--full watches the whole status") != NULL, "%s", err);
    free(out);
    free(err);

    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 1));
    pid_t pusher = fork();
    ck_assert(pusher >= 0);
    if (pusher == 0) {
        usleep(700 * 1000);
        char *o, *e;
        int prc =
            reno(NULL, &o, &e,
                 (const char *const[]){"progress", "push", "--project", project, "--date",
                                       "2022-04-01", "--started", "33", "--completed", "0", NULL});
        _exit(prc == 0 ? 0 : 1);
    }
    /* The second project alone: its page. */
    rc = reno(
        NULL, &out, &err,
        (const char *const[]){"watch", "--page", "2", "--page-size", "1", "--count", "1", NULL});
    int status = 0;
    waitpid(pusher, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_msg(rc == 0, "watch: %s", err);
    ck_assert_msg(strstr(out, "projects 2-2 of 2 matching") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "households started 0 (0.0%) → 33 (") != NULL, "%s", out);
    free(out);
    free(err);
}
END_TEST

/*
 * An outage seen from the office: with PostgreSQL stopped, a new `reno status` resumes its
 * session from renod's memory and prints the last figures with a STALE line; a write
 * through the CLI is refused as unavailable (exit 16), and works again after the restart.
 */
START_TEST(status_through_an_outage_is_marked_stale)
{
    login_as(H_OFFICE);
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    char *out, *err;
    int rc = reno(NULL, &out, &err, (const char *const[]){"status", NULL});
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_ptr_null(strstr(out, "STALE"));
    free(out);
    free(err);

    h_pg_stop();
    rc = reno(NULL, &out, &err, (const char *const[]){"status", NULL});
    ck_assert_msg(rc == 0, "status during the outage: %d %s", rc, err);
    ck_assert_ptr_nonnull(strstr(out, "STALE"));
    ck_assert_ptr_nonnull(strstr(out, "ziyun-2022"));
    free(out);
    free(err);
    rc = reno(NULL, &out, &err,
              (const char *const[]){"progress", "push", "--project", project, "--date",
                                    "2022-03-20", "--started", "10", "--completed", "0", NULL});
    ck_assert_msg(rc == 16, "a write during the outage: %d %s", rc, err);
    free(out);
    free(err);
    h_pg_start();
}
END_TEST

/*
 * A script that writes with one `reno` and reads with another passes the printed position
 * to `reno status --after`, and reads its write; a malformed position is a usage error.
 */
START_TEST(status_after_a_write_in_another_command)
{
    login_as(H_HOUSING);
    char project[32];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 1));
    char *out, *err;
    int rc =
        reno(NULL, &out, &err,
             (const char *const[]){"--json", "progress", "push", "--project", project, "--date",
                                   "2022-03-20", "--started", "37", "--completed", "0", NULL});
    ck_assert_msg(rc == 0, "%s", err);
    const char *at = strstr(out, "\"position\":");
    ck_assert_ptr_nonnull(at);
    long long position = strtoll(at + strlen("\"position\":"), NULL, 10);
    ck_assert_int_gt(position, 0);
    free(out);
    free(err);
    char after[32];
    snprintf(after, sizeof after, "%lld", position);
    rc = reno(NULL, &out, &err,
              (const char *const[]){"--json", "status", project, "--after", after, NULL});
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(out, "\"households_started\":37"));
    free(out);
    free(err);
    rc = reno(NULL, &out, &err, (const char *const[]){"status", "--after", "12x", NULL});
    ck_assert_int_eq(rc, 2);
    ck_assert_ptr_nonnull(strstr(err, "--after"));
    free(out);
    free(err);
}
END_TEST

/* `reno` asks for the compact form of the status and fills it back: every way of showing
 * the status prints, byte for byte, what it prints from the full page
 * (RENO_STATUS_FORM=full, the form a client that does not ask gets): the overview, a
 * project, every missed period of the rhythm, a date's status (computed for its reader,
 * not cached), as text and as JSON, and a watch of a page following a change by deltas.
 * The compact page is what came: the client counts the statuses it filled. */
START_TEST(the_compact_status_reads_as_the_full_one)
{
    login_as(H_OFFICE);
    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    const char *const *views[] = {
        (const char *const[]){"status", NULL},
        (const char *const[]){"--json", "status", NULL},
        (const char *const[]){"status", "--rhythm-all", NULL},
        (const char *const[]){"--json", "status", "--rhythm-all", NULL},
        (const char *const[]){"status", project, NULL},
        (const char *const[]){"--json", "status", project, NULL},
        (const char *const[]){"status", "--page-size", "1", "--page", "2", NULL},
        (const char *const[]){"status", "--as-of", "2022-06-30", NULL},
        (const char *const[]){"--json", "status", "--as-of", "2022-06-30", "--rhythm-all", NULL},
    };
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        char *full, *compact, *err_full, *err_compact;
        int rc_full = reno_env("RENO_STATUS_FORM=full", &full, &err_full, views[i]);
        int rc_compact = reno_env(NULL, &compact, &err_compact, views[i]);
        ck_assert_msg(rc_full == 0 && rc_compact == 0, "view %zu: %d %d %s %s", i, rc_full,
                      rc_compact, err_full, err_compact);
        ck_assert_msg(strlen(full) > 200, "view %zu: %s", i, full);
        blank_computed_at(full);
        blank_computed_at(compact);
        char why[400];
        ck_assert_msg(strcmp(full, compact) == 0, "view %zu differs %s", i,
                      differ_at(full, compact, why, sizeof why));
        free(full);
        free(compact);
        free(err_full);
        free(err_compact);
    }

    /* The page came compact (the Ziyun seed's rhythm, lights and missing reporters repeat
     * texts), and a client that asks for the full page gets it. */
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = NULL;
    char err[NET_ERR_SIZE];
    ck_assert_msg(net_call(c, &req, &m, err) == 0, "%s", err);
    ck_assert_int_eq(net_statuses_filled(c), 1);
    ck_assert_int_eq(m->response->status_reply->form, RENO__STATUS_FORM__STATUS_FORM_FULL);
    net_free(c, m);
    setenv("RENO_STATUS_FORM", "full", 1);
    ck_assert_msg(net_call(c, &req, &m, err) == 0, "%s", err);
    unsetenv("RENO_STATUS_FORM");
    ck_assert_int_eq(net_statuses_filled(c), 1);
    net_free(c, m);
    net_close(c);

    /* Two watchers of the same page, one of each form, and a change between: the same
     * start and the same status after the change (a delta of compact pages applied to the
     * compact form of the page held, then filled). */
    char path[300];
    snprintf(path, sizeof path, "%s/watch-full", home);
    pid_t watcher = fork();
    ck_assert(watcher >= 0);
    if (watcher == 0) {
        char *o, *e;
        int wrc = reno_env("RENO_STATUS_FORM=full", &o, &e,
                           (const char *const[]){"--json", "watch", "--count", "1", NULL});
        FILE *f = fopen(path, "w");
        if (f == NULL || fputs(o, f) < 0 || fclose(f) != 0)
            _exit(2);
        _exit(wrc == 0 ? 0 : 1);
    }
    pid_t pusher = fork();
    ck_assert(pusher >= 0);
    if (pusher == 0) {
        usleep(900 * 1000);
        char *o, *e;
        int prc =
            reno(NULL, &o, &e,
                 (const char *const[]){"progress", "push", "--project", project, "--date",
                                       "2022-04-01", "--started", "55", "--completed", "0", NULL});
        _exit(prc == 0 ? 0 : 1);
    }
    char *compact, *err_compact;
    int rc = reno_env(NULL, &compact, &err_compact,
                      (const char *const[]){"--json", "watch", "--count", "1", NULL});
    int status = 0;
    waitpid(pusher, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    waitpid(watcher, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the full watcher: %d", status);
    ck_assert_msg(rc == 0, "watch: %s", err_compact);
    char *full = NULL;
    size_t full_size = 0;
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert(getdelim(&full, &full_size, '\0', f) > 0);
    fclose(f);
    unlink(path);
    ck_assert_ptr_nonnull(strstr(compact, "\"households_started\":55"));
    blank_computed_at(full);
    blank_computed_at(compact);
    char why[400];
    ck_assert_msg(strcmp(full, compact) == 0, "the watches differ %s",
                  differ_at(full, compact, why, sizeof why));
    free(full);
    free(compact);
    free(err_compact);
}
END_TEST

Suite *it_cli_suite(void)
{
    Suite *s = suite_create("it_cli");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, login_status_push_through_the_cli);
    tcase_add_test(tc, refusals_are_exit_codes);
    tcase_add_test(tc, report_and_watch_through_the_cli);
    tcase_add_test(tc, report_options_numbering_and_a_second_issue);
    tcase_add_test(tc, watch_follows_a_page_through_the_cli);
    tcase_add_test(tc, status_through_an_outage_is_marked_stale);
    tcase_add_test(tc, status_after_a_write_in_another_command);
    tcase_add_test(tc, the_compact_status_reads_as_the_full_one);
    suite_add_tcase(s, tc);
    return s;
}
