/*
 * renod under a service manager, through the real path: the sd_notify protocol that
 * renod.service (Type=notify) relies on, and the log format the journal wants. The test
 * plays systemd's part: it binds the datagram socket named by NOTIFY_SOCKET and reads
 * what renod sends. READY=1 must come once renod listens and a database connection is
 * up, and not before (a renod started with PostgreSQL down says it is waiting, and is
 * ready once the database is back); WATCHDOG=1 follows while WATCHDOG_USEC asks for it;
 * STOPPING=1 comes with SIGTERM, and renod still exits 0. When stderr is the stream
 * named by JOURNAL_STREAM, log lines carry a syslog priority and no timestamp; on any
 * other stderr they keep the timestamp.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it.h"

static char notify_dir[64];
static char notify_path[128];
static int notify_fd = -1;

/* Binds the socket renod will notify, and names it in the environment renod inherits
 * (each test runs in its own forked child, so the variables go with it). */
static void notify_listen(void)
{
    snprintf(notify_dir, sizeof notify_dir, "/tmp/reno-it-notify.XXXXXX");
    ck_assert(mkdtemp(notify_dir) != NULL);
    snprintf(notify_path, sizeof notify_path, "%s/notify", notify_dir);
    notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(notify_fd, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify_path);
    ck_assert_int_eq(bind(notify_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    setenv("NOTIFY_SOCKET", notify_path, 1);
}

static void notify_close(void)
{
    close(notify_fd);
    unlink(notify_path);
    rmdir(notify_dir);
    unsetenv("NOTIFY_SOCKET");
}

/*
 * Reads datagrams for up to timeout_ms until one contains `wanted` as a whole line;
 * every message read is appended to `seen` (for the failure message). true when found.
 */
static bool notify_wait(const char *wanted, int timeout_ms, char *seen, size_t seen_size)
{
    double deadline = h_now_s() + timeout_ms / 1000.0;
    for (;;) {
        int left = (int)((deadline - h_now_s()) * 1000);
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = notify_fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            continue;
        char msg[512];
        ssize_t n = recv(notify_fd, msg, sizeof msg - 1, 0);
        if (n <= 0)
            continue;
        msg[n] = '\0';
        size_t used = strlen(seen);
        snprintf(seen + used, seen_size - used, "[%s]", msg);
        for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n"))
            if (strcmp(line, wanted) == 0)
                return true;
    }
}

START_TEST(test_ready_watchdog_stopping)
{
    notify_listen();
    /* Two seconds: renod sends WATCHDOG=1 from its one-second janitor. */
    setenv("WATCHDOG_USEC", "2000000", 1);
    h_pg_start();
    h_db_new(h_db);
    h_server_start(&h_srv, h_db, NULL);
    char seen[4096] = "";
    ck_assert_msg(notify_wait("READY=1", 10000, seen, sizeof seen), "no READY=1: %s", seen);
    char status[96];
    snprintf(status, sizeof status, "STATUS=serving on 127.0.0.1:0 (port %d)", h_srv.port);
    ck_assert_msg(strstr(seen, status) != NULL, "%s", seen);
    /* Ready means ready: a login is answered at once. */
    struct net_conn *c = h_login(&h_srv, "office");
    net_close(c);
    seen[0] = '\0';
    ck_assert_msg(notify_wait("WATCHDOG=1", 5000, seen, sizeof seen), "no WATCHDOG=1: %s", seen);
    kill(h_srv.pid, SIGTERM);
    seen[0] = '\0';
    ck_assert_msg(notify_wait("STOPPING=1", 10000, seen, sizeof seen), "no STOPPING=1: %s", seen);
    int rc = h_server_wait(&h_srv);
    h_db_drop(h_db);
    notify_close();
    unsetenv("WATCHDOG_USEC");
    ck_assert_int_eq(rc, 0);
}
END_TEST

START_TEST(test_not_ready_without_database)
{
    notify_listen();
    h_pg_start();
    h_db_new(h_db);
    h_pg_stop();
    h_server_start(&h_srv, h_db, NULL);
    char seen[4096] = "";
    /* Listening, but nothing to serve with: it says so, and is not READY. */
    ck_assert_msg(!notify_wait("READY=1", 2500, seen, sizeof seen), "READY=1 without a database");
    ck_assert_msg(strstr(seen, "STATUS=listening; waiting for the database") != NULL,
                  "no waiting status: %s", seen);
    h_pg_start();
    seen[0] = '\0';
    /* The pool retries its connections with a back-off; well within half a minute. */
    ck_assert_msg(notify_wait("READY=1", 30000, seen, sizeof seen), "no READY=1: %s", seen);
    int rc = h_server_stop(&h_srv);
    h_db_drop(h_db);
    notify_close();
    ck_assert_int_eq(rc, 0);
}
END_TEST

/* Runs `renod settings` (which logs every setting) with stderr on `log`, and
 * JOURNAL_STREAM naming that file when `journal`, or another file when not. */
static char *run_settings_logging(bool journal)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/reno-it-journal.XXXXXX");
    ck_assert(mkdtemp(dir) != NULL);
    char log[128], other[128];
    snprintf(log, sizeof log, "%s/stderr", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int other_fd = open(other, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert(fd >= 0 && other_fd >= 0);
    struct stat st;
    ck_assert_int_eq(fstat(journal ? fd : other_fd, &st), 0);
    char stream[64];
    snprintf(stream, sizeof stream, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd, 2);
        setenv("JOURNAL_STREAM", stream, 1);
        execl(h_bin("renod"), "renod", "settings", (char *)NULL);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fd);
    close(other_fd);
    FILE *f = fopen(log, "r");
    ck_assert(f != NULL);
    char *text = calloc(1, 65536);
    size_t n = fread(text, 1, 65535, f);
    text[n] = '\0';
    fclose(f);
    unlink(log);
    unlink(other);
    rmdir(dir);
    return text;
}

START_TEST(test_journal_lines)
{
    char *text = run_settings_logging(true);
    ck_assert_msg(strncmp(text, "<6>info  ", 9) == 0, "first line: %.80s", text);
    ck_assert_msg(strstr(text, "listen") != NULL, "%s", text);
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        ck_assert_msg(line[0] == '<' && line[2] == '>', "a line without priority: %.80s", line);
        /* The level right after the priority: no timestamp, the journal has its own. */
        ck_assert_msg(strchr("diwe", line[3]) != NULL, "not a journal line: %.80s", line);
    }
    free(text);
    text = run_settings_logging(false);
    /* Another stderr than the journal's: the usual "2026-12-06T10:41:30.123Z info  ...". */
    ck_assert_msg(strlen(text) > 25 && text[4] == '-' && text[10] == 'T' && text[23] == 'Z',
                  "first line: %.80s", text);
    free(text);
}
END_TEST

Suite *it_service_suite(void)
{
    Suite *s = suite_create("service");
    TCase *tc = tcase_create("notify");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_ready_watchdog_stopping);
    tcase_add_test(tc, test_not_ready_without_database);
    tcase_add_test(tc, test_journal_lines);
    suite_add_tcase(s, tc);
    return s;
}
