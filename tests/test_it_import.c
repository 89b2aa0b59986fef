/*
 * `reno import FILE.csv` and `reno whoami` through the real path: the reno binary, the
 * protocol, renod and PostgreSQL. Import: a spreadsheet mixing push_progress and
 * mark_milestone rows is stored as written (Chinese text, quotes and commas included);
 * running it again replays every row and doubles nothing; a file with a bad row sends
 * nothing and names every bad line; a refusal by the server stops the import with the
 * rows before it recorded, and fixing the file and running it again records the rest
 * exactly once; so does running it again after a reply was lost on the way back.
 * whoami: the unit's rights, as a table laid out for Chinese text and in JSON.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it.h"
#include "table.h"

static char home[128];
static char csv_path[200];
static char env_xdg[200];
static char env_server[120];
static char project0[24], project1[24];

static int reno(char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    return h_run(argv, env, NULL, out, err);
}

/* Runs reno and asserts its exit status; the output is freed unless asked for. */
static void reno_expect(int expected, char **out, char **err, const char *const *args)
{
    char *o, *e;
    int rc = reno(&o, &e, args);
    ck_assert_msg(rc == expected, "reno %s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s",
                  args[0], rc, expected, o, e);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
}

static void setup(void)
{
    h_fixture_setup();
    snprintf(home, sizeof home, "/tmp/reno-it-import.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(csv_path, sizeof csv_path, "%s/figures.csv", home);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    snprintf(project0, sizeof project0, "%ld", h_project_id(h_db, 0));
    snprintf(project1, sizeof project1, "%ld", h_project_id(h_db, 1));
}

static void teardown(void)
{
    char path[300];
    unlink(csv_path);
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
    const char *argv[] = {h_bin("reno"), "login", "--user", user, "--password-stdin", NULL};
    const char *env[] = {env_xdg, env_server, NULL};
    char *out, *err;
    int rc = h_run(argv, env, password, &out, &err);
    ck_assert_msg(rc == 0, "login %s: %d %s%s", user, rc, out, err);
    free(out);
    free(err);
}

/* Writes the CSV file; "P0" and "P1" in the text become the two projects' ids. */
static void write_csv(const char *text)
{
    FILE *f = fopen(csv_path, "wb");
    ck_assert_ptr_nonnull(f);
    for (const char *p = text; *p; p++) {
        if (p[0] == 'P' && (p[1] == '0' || p[1] == '1')) {
            fputs(p[1] == '0' ? project0 : project1, f);
            p++;
            continue;
        }
        fputc(*p, f);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static void assert_has(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) != NULL, "'%s' not in:\n%s", needle, text);
}

static long count(const char *sql)
{
    return h_sql_long(h_db, sql);
}

/* Excel's "CSV UTF-8": a byte-order mark and CRLF line breaks. */
static const char mixed_file[] =
    "\xEF\xBB\xBF"
    "op,project_id,report_date,households_started,households_completed,note,"
    "milestone_code,done_on,evidence,document_number,document_date,issuing_unit\r\n"
    "push_progress,P0,2022-03-14,120,0,\"第一轮, 已开工\",,,,,,\r\n"
    "push_progress,P1,2022-03-14,90,0,,,,,,,\r\n"
    "mark_milestone,P0,,,,,tender_plan,2022-03-20,\"招标计划、公告 \"\"县住建局\"\"\","
    "紫住建〔2022〕5号,2022-03-18,县住房和城乡建设局\r\n"
    "mark_milestone,P1,,,,,tender_plan,2022-03-22,招标计划,紫住建〔2022〕6号,2022-03-21,"
    "县住房和城乡建设局\r\n"
    "\r\n"
    "push_progress,P0,2022-03-28,210,0,\"两行\r\n备注\",,,,,,\r\n";

START_TEST(mixed_file_is_stored_and_a_rerun_replays_it)
{
    login_as(H_HOUSING);
    write_csv(mixed_file);
    char *out, *err;
    reno_expect(0, &out, &err, (const char *const[]){"import", csv_path, NULL});
    assert_has(out, "5 rows: 5 recorded, 0 already recorded, 0 refused");
    assert_has(out, "figures.csv:4: mark_milestone recorded");
    /* The blank line 6 is skipped; the record after it starts on line 7. */
    assert_has(out, "figures.csv:7: push_progress recorded");
    free(out);
    free(err);

    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 3);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT households_started FROM progress_report WHERE project_id = %s "
             "AND report_date = '2022-03-28'",
             project0);
    ck_assert_int_eq(count(sql), 210);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report WHERE note = '第一轮, 已开工'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report WHERE note = E'两行\\r\\n备注'"),
                     1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM project_milestone m JOIN milestone_template t "
             "ON t.id = m.template_id WHERE t.code = 'tender_plan' AND m.project_id = %s "
             "AND m.done_on = '2022-03-20' AND m.evidence = '招标计划、公告 \"县住建局\"'",
             project0);
    ck_assert_int_eq(count(sql), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM project_milestone WHERE done_on IS NOT NULL"), 2);
    long keys = count("SELECT count(*) FROM idempotency");
    long audit = count("SELECT count(*) FROM audit_log");

    /* The same file again: every row is answered from its key, nothing is written. */
    reno_expect(0, &out, NULL, (const char *const[]){"import", csv_path, NULL});
    assert_has(out, "5 rows: 0 recorded, 5 already recorded, 0 refused");
    assert_has(out, "figures.csv:2: push_progress already recorded");
    free(out);
    reno_expect(0, &out, NULL, (const char *const[]){"--json", "import", csv_path, NULL});
    assert_has(out, "\"rows\":5,\"recorded\":0,\"already_recorded\":5,\"refused\":0");
    assert_has(out, "{\"line\":5,\"op\":\"mark_milestone\"");
    free(out);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 3);
    ck_assert_int_eq(count("SELECT count(*) FROM idempotency"), keys);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log"), audit);
}
END_TEST

/* The name of the fixture's project `id` (caller frees). */
static char *project_name_of(const char *id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT name FROM project WHERE id = %s", id);
    return h_sql_text(h_db, sql);
}

/* After the rows, the import says which projects it created and updated, by name with the
 * lines that did it, and each refused line with its operation and project. */
START_TEST(the_import_names_the_projects_it_created_updated_and_refused)
{
    login_as(H_OFFICE);
    write_csv("op,project_id,name,community,street,households,renovation_type,buildings,"
              "area_m2,implementing_body,subsidy_batch\n"
              "create_project,,松山街道第三小区,第三小区,松山街道,40,comprehensive,2,3000,"
              "县住房和城乡建设局,县级自筹\n"
              "update_project,P0,,,,,,3,,,\n"
              "update_project,P1,,,,,,4,,,\n"
              "update_project,P0,,,,,,5,,,\n"
              "update_project,P1,,,,-3,,,,,\n");
    char *out, *err;
    reno_expect(10 + RENO__STATUS_CODE__BAD_REQUEST, &out, &err,
                (const char *const[]){"import", "--keep-going", csv_path, NULL});
    char *name0 = project_name_of(project0), *name1 = project_name_of(project1);
    char want[512];
    long created = h_sql_long(h_db, "SELECT id FROM project WHERE name = '松山街道第三小区'");
    snprintf(want, sizeof want, "projects created: 松山街道第三小区 (project %ld), line 2",
             created);
    assert_has(out, want);
    snprintf(want, sizeof want,
             "projects updated: %s (project %s), line 3, 5; %s (project %s), "
             "line 4",
             name0, project0, name1, project1);
    assert_has(out, want);
    snprintf(want, sizeof want, "refused: line 6 (update_project, %s (project %s)): ", name1,
             project1);
    assert_has(out, want);
    free(out);
    free(err);

    /* In Chinese too. */
    const char *argv[] = {h_bin("reno"), "import", "--keep-going", csv_path, NULL};
    const char *env[] = {env_xdg, env_server, "LANG=zh_CN.UTF-8", "LC_ALL=zh_CN.UTF-8", NULL};
    ck_assert_int_eq(h_run(argv, env, NULL, &out, &err), 10 + RENO__STATUS_CODE__BAD_REQUEST);
    snprintf(want, sizeof want, "未通过：第 6 行（update_project，%s（项目 %s））：", name1,
             project1);
    assert_has(out, want);
    free(out);
    free(err);
    free(name0);
    free(name1);
}
END_TEST

START_TEST(a_bad_file_sends_nothing_and_names_each_line)
{
    login_as(H_HOUSING);
    write_csv("op,project_id,report_date,households_started,households_completed,colour\n"
              "push_progress,P0,2022-03-14,120,0,\n"
              "push_progress,P0,2022-02-30,130,0,\n"
              "push_progress,P1,2022-03-14,lots,0,\n"
              "list_units,,,,,\n"
              "push_progress,P1,2022-03-14,20,30,\n"
              "mark_milestone,P1,2022-03-14,,,\n"
              "push_progress,P1,2022-03-14,1,0,,stray\n"
              /* Empty cells past the header are a spreadsheet's stray commas: fine. */
              "push_progress,P1,2022-03-14,1,0,,,\n");
    char *out, *err;
    reno_expect(2, &out, &err, (const char *const[]){"import", csv_path, NULL});
    assert_has(err, "figures.csv:1: colour: unknown column");
    assert_has(err, "figures.csv:3: report_date: '2022-02-30' is not a date YYYY-MM-DD");
    assert_has(err, "figures.csv:4: households_started: 'lots' is not a whole number");
    assert_has(err, "figures.csv:5: op: 'list_units' reads and does not write");
    /* The protocol's own rule, checked before sending. */
    assert_has(err, "figures.csv:6: households_completed:");
    assert_has(err, "figures.csv:7: report_date: not a field of mark_milestone");
    assert_has(err, "figures.csv:8: a value in cell 7, but the header names only 6 columns");
    assert_has(err, "7 problems in");
    assert_has(err, "nothing was sent");
    ck_assert_ptr_null(strstr(err, "figures.csv:2:"));
    ck_assert_ptr_null(strstr(err, "figures.csv:9:"));
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM idempotency"), 0);

    /* Checked before connecting: no server is needed to be told. */
    const char *argv[] = {h_bin("reno"), "import", csv_path, NULL};
    const char *env_dead[] = {env_xdg, "RENO_SERVER=127.0.0.1:1", NULL};
    ck_assert_int_eq(h_run(argv, env_dead, NULL, NULL, NULL), 2);

    /* A file that is not well-formed CSV: the line of the unclosed quote. */
    write_csv("op,project_id,report_date,households_started,households_completed,note\n"
              "push_progress,P0,2022-03-14,120,0,fine\n"
              "push_progress,P0,2022-03-15,121,0,\"never closed\n"
              "push_progress,P0,2022-03-16,122,0,\n");
    reno_expect(2, NULL, &err, (const char *const[]){"import", csv_path, NULL});
    assert_has(err, "figures.csv:3: a quoted cell is not closed");
    free(err);

    /* A terminal escape in a note, a line break in a code: the server's string rules,
     * found before anything is sent. */
    write_csv("op,project_id,report_date,households_started,households_completed,note,"
              "milestone_code,done_on\n"
              "push_progress,P0,2022-03-14,120,0,fine,,\n"
              "push_progress,P0,2022-03-15,121,0,\"red \x1b[31m\",,\n"
              "mark_milestone,P0,,,,,\"tendering\ndone\",2022-03-20\n");
    reno_expect(2, NULL, &err, (const char *const[]){"import", csv_path, NULL});
    assert_has(err, "figures.csv:3: note:");
    assert_has(err, "U+001B");
    assert_has(err, "figures.csv:4: milestone_code:");
    assert_has(err, "nothing was sent");
    free(err);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 0);
}
END_TEST

static const char refused_file[] =
    "op,project_id,report_date,households_started,households_completed,milestone_code,done_on,"
    "evidence\n"
    "push_progress,P0,2022-03-14,100,0,,,\n"
    "mark_milestone,P0,,,,tendering_done,2022-03-20,中标通知书\n"
    "push_progress,P1,2022-03-14,50,0,,,\n";

START_TEST(a_refusal_stops_the_import_and_a_fixed_rerun_records_the_rest_once)
{
    /* The power grid pushes progress for both projects but holds no milestone.write. */
    login_as(H_POWER);
    write_csv(refused_file);
    char *out, *err;
    reno_expect(13, &out, &err, (const char *const[]){"import", csv_path, NULL});
    assert_has(err, "figures.csv:3: PERMISSION_DENIED");
    assert_has(err, "milestone.write");
    assert_has(err, "stopped at line 3");
    assert_has(out, "3 rows: 1 recorded, 0 already recorded, 1 refused, 1 not sent");
    free(out);
    free(err);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 1);
    ck_assert_int_eq(count("SELECT max(households_started) FROM progress_report"), 100);
    ck_assert_int_eq(count("SELECT count(*) FROM project_milestone WHERE done_on IS NOT NULL"), 0);

    /* --keep-going: line 2 is replayed, line 3 refused again, line 4 recorded. */
    reno_expect(13, &out, &err, (const char *const[]){"import", "--keep-going", csv_path, NULL});
    assert_has(out, "3 rows: 1 recorded, 1 already recorded, 1 refused");
    assert_has(out, "figures.csv:4: push_progress recorded");
    assert_has(err, "figures.csv:3: PERMISSION_DENIED");
    free(out);
    free(err);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 2);

    /* The file fixed (the milestone row taken out): the other rows keep their keys. */
    write_csv("op,project_id,report_date,households_started,households_completed,"
              "milestone_code,done_on,evidence\n"
              "push_progress,P0,2022-03-14,100,0,,,\n"
              "push_progress,P1,2022-03-14,50,0,,,\n");
    reno_expect(0, &out, NULL, (const char *const[]){"import", csv_path, NULL});
    assert_has(out, "2 rows: 0 recorded, 2 already recorded, 0 refused");
    free(out);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 2);
}
END_TEST

START_TEST(server_refusals_name_the_line_and_field)
{
    login_as(H_HOUSING);
    /* Both rows pass the local checks; the database refuses them. */
    write_csv("op,project_id,milestone_code,done_on,evidence,report_date,households_started\n"
              "mark_milestone,P0,no_such_step,2022-03-20,x,,\n"
              "push_progress,P1,,,,2022-03-14,400\n"
              "push_progress,P1,,,,2022-03-14,300\n");
    char *out, *err;
    reno_expect(14, &out, &err, (const char *const[]){"import", "--keep-going", csv_path, NULL});
    assert_has(err, "figures.csv:2: milestone_code: NOT_FOUND");
    /* Project 2 has 302 households. */
    assert_has(err, "figures.csv:3: households_started: BAD_REQUEST");
    assert_has(out, "3 rows: 1 recorded, 0 already recorded, 2 refused");
    free(out);
    free(err);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 1);
}
END_TEST

START_TEST(dry_run_and_identical_rows)
{
    /* A dry run needs no session: it sends nothing. */
    write_csv("op,project_id,report_date,households_started,households_completed\n"
              "push_progress,P0,2022-03-14,10,0\n"
              "push_progress,P0,2022-03-14,10,0\n");
    char *out;
    reno_expect(0, &out, NULL, (const char *const[]){"import", csv_path, "--dry-run", NULL});
    assert_has(out, "2 rows: all valid; nothing sent (--dry-run)");
    free(out);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 0);

    /* Two identical rows are two writes, each with its own key; again, neither doubles. */
    login_as(H_HOUSING);
    reno_expect(0, &out, NULL, (const char *const[]){"import", csv_path, NULL});
    assert_has(out, "2 rows: 2 recorded, 0 already recorded, 0 refused");
    free(out);
    reno_expect(0, &out, NULL, (const char *const[]){"import", csv_path, NULL});
    assert_has(out, "2 rows: 0 recorded, 2 already recorded, 0 refused");
    free(out);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 2);
}
END_TEST

/* ---- A reply lost on its way back ---------------------------------------------------------- */

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/*
 * The relay's child: passes one client connection through to renod, and the server's
 * frames back until `forward` of them went through; at the next one it closes both
 * sides, so that the client never sees that reply although the server sent it.
 */
static void relay(int listener, int server_port, int forward)
{
    int client = accept(listener, NULL, NULL);
    int server = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server_port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (client < 0 || server < 0 || connect(server, (struct sockaddr *)&to, sizeof to) != 0)
        _exit(1);
    static uint8_t back[1 << 20];
    size_t held = 0;
    for (;;) {
        struct pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0)
            _exit(1);
        if (fds[0].revents) {
            uint8_t buf[4096];
            ssize_t n = read(client, buf, sizeof buf);
            if (n <= 0 || !write_all(server, buf, (size_t)n))
                _exit(0);
        }
        if (fds[1].revents) {
            ssize_t n = read(server, back + held, sizeof back - held);
            if (n <= 0)
                _exit(0);
            held += (size_t)n;
            /* Whole frames only: a 4-byte big-endian length, then the message. */
            while (held >= 4) {
                size_t len =
                    (size_t)back[0] << 24 | (size_t)back[1] << 16 | (size_t)back[2] << 8 | back[3];
                if (held < 4 + len)
                    break;
                if (forward-- == 0) {
                    close(client);
                    close(server);
                    _exit(0);
                }
                if (!write_all(client, back, 4 + len))
                    _exit(0);
                memmove(back, back + 4 + len, held - 4 - len);
                held -= 4 + len;
            }
        }
    }
}

/* Starts the relay; *port is where the client should connect. */
static pid_t relay_start(int forward, int *port)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in at = {.sin_family = AF_INET};
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof at;
    ck_assert_int_eq(bind(listener, (struct sockaddr *)&at, sizeof at), 0);
    ck_assert_int_eq(listen(listener, 1), 0);
    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&at, &len), 0);
    *port = ntohs(at.sin_port);
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        relay(listener, h_srv.port, forward);
    }
    close(listener);
    return pid;
}

START_TEST(a_rerun_after_a_lost_reply_records_nothing_twice)
{
    login_as(H_HOUSING);
    write_csv("op,project_id,report_date,households_started,households_completed\n"
              "push_progress,P0,2022-03-14,100,0\n"
              "push_progress,P0,2022-03-28,210,0\n"
              "push_progress,P1,2022-03-28,90,0\n");
    /* Hello, Resume and line 2 are answered; the reply to line 3 is lost. */
    int port = 0;
    pid_t relay_pid = relay_start(3, &port);
    char env_relay[64];
    snprintf(env_relay, sizeof env_relay, "RENO_SERVER=127.0.0.1:%d", port);
    const char *argv[] = {h_bin("reno"), "import", csv_path, NULL};
    const char *env[] = {env_xdg, env_relay, NULL};
    char *out, *err;
    int rc = h_run(argv, env, NULL, &out, &err);
    ck_assert_msg(rc == 3, "exit %d\n%s%s", rc, out, err);
    assert_has(err, "figures.csv:3: no answer");
    assert_has(err, "run the same import again");
    assert_has(out, "3 rows: 1 recorded, 0 already recorded, 0 refused, 1 unanswered, 1 not sent");
    free(out);
    free(err);
    int status;
    waitpid(relay_pid, &status, 0);
    /* The server did record line 3: only its answer went missing. */
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 2);

    reno_expect(0, &out, NULL, (const char *const[]){"import", csv_path, NULL});
    assert_has(out, "3 rows: 1 recorded, 2 already recorded, 0 refused");
    assert_has(out, "figures.csv:3: push_progress already recorded");
    free(out);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 3);
}
END_TEST

/* The display column where `needle` starts on the line of `text` that contains `line_has`. */
static size_t column_of(const char *text, const char *line_has, const char *needle)
{
    const char *line = strstr(text, line_has);
    ck_assert_msg(line != NULL, "'%s' not in:\n%s", line_has, text);
    while (line > text && line[-1] != '\n')
        line--;
    const char *end = strchr(line, '\n');
    const char *at = strstr(line, needle);
    ck_assert_msg(at != NULL && (end == NULL || at < end), "'%s' not on the line of '%s'", needle,
                  line_has);
    char *prefix = strndup(line, (size_t)(at - line));
    size_t width = text_width(prefix);
    free(prefix);
    return width;
}

START_TEST(whoami_shows_the_units_rights)
{
    login_as(H_HOUSING);
    char *out;
    reno_expect(0, &out, NULL, (const char *const[]){"whoami", NULL});
    assert_has(out, "username   housing");
    assert_has(out, "县住房和城乡建设局");
    assert_has(out, "project.write");
    assert_has(out, "milestone.write");
    assert_has(out, "lines.government");
    assert_has(out, "seat of 项目推进组");
    assert_has(out, "松山街道示例小区一（示例）");
    /* The columns line up in terminal cells, Chinese scopes and sources included. */
    size_t source = column_of(out, "RIGHT", "SOURCE");
    ck_assert_uint_eq(column_of(out, "lines.government", "红线内"), source);
    ck_assert_uint_eq(column_of(out, "松山街道示例小区一", "responsible unit"), source);
    ck_assert_uint_eq(column_of(out, "project.write", "seat of"), source);
    free(out);

    reno_expect(0, &out, NULL, (const char *const[]){"--json", "whoami", NULL});
    assert_has(out, "\"username\":\"housing\"");
    assert_has(out, "\"rights\":[");
    assert_has(out, "{\"right\":\"project.write\",\"scope\":\"programme\","
                    "\"source\":\"seat of 项目推进组\",\"basis\":\"plan\"");
    free(out);

    login_as(H_LEADER);
    reno_expect(0, &out, NULL, (const char *const[]){"whoami", NULL});
    assert_has(out, "rights     none");
    free(out);
    reno_expect(0, &out, NULL, (const char *const[]){"--json", "whoami", NULL});
    assert_has(out, "\"rights\":[]");
    free(out);
}
END_TEST

Suite *it_import_suite(void)
{
    Suite *s = suite_create("it_import");
    TCase *tc = tcase_create("import");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, mixed_file_is_stored_and_a_rerun_replays_it);
    tcase_add_test(tc, a_bad_file_sends_nothing_and_names_each_line);
    tcase_add_test(tc, the_import_names_the_projects_it_created_updated_and_refused);
    tcase_add_test(tc, a_refusal_stops_the_import_and_a_fixed_rerun_records_the_rest_once);
    tcase_add_test(tc, server_refusals_name_the_line_and_field);
    tcase_add_test(tc, dry_run_and_identical_rows);
    tcase_add_test(tc, a_rerun_after_a_lost_reply_records_nothing_twice);
    tcase_add_test(tc, whoami_shows_the_units_rights);
    suite_add_tcase(s, tc);
    return s;
}
