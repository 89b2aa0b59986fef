/*
 * Live views say what changed: `reno watch` running at 80 columns, in Chinese and in
 * English at once, prints one line per change (the time, the section and whose, what,
 * before → after) for a supervision item issued to a unit and for a payment made on a
 * contract, each written by another unit through renod; `--full` still prints the whole
 * status. The watchers are real reno processes reading real pushes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it.h"
#include "it_writes.h"
#include "table.h"

static char home[128];
static char env_xdg[200];
static char env_server[120];

static void changes_setup(void)
{
    h_fixture_setup();
    it_add_supervision_account();
    snprintf(home, sizeof home, "/tmp/reno-it-changes.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
}

static void changes_teardown(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
    h_fixture_teardown();
}

static void login_office(void)
{
    const char *argv[] = {h_bin("reno"), "login", "--user", H_OFFICE, "--password-stdin", NULL};
    const char *env[] = {env_xdg, env_server, NULL};
    char *out, *err;
    int rc = h_run(argv, env, "office-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "login: %d %s%s", rc, out, err);
    free(out);
    free(err);
}

/* A `reno watch` running in the background, its standard output in a file. */
struct watcher {
    pid_t pid;
    char path[300];
};

static void watcher_start(struct watcher *w, const char *name, const char *locale_env,
                          const char *const *args)
{
    snprintf(w->path, sizeof w->path, "%s/%s.out", home, name);
    int fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert(fd >= 0);
    w->pid = fork();
    ck_assert(w->pid >= 0);
    if (w->pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        putenv(env_xdg);
        putenv(env_server);
        putenv((char *)locale_env);
        putenv("COLUMNS=80");
        const char *argv[8] = {h_bin("reno"), "watch"};
        for (int n = 2; n < 7 && *args != NULL; n++)
            argv[n] = *args++;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fd);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert(f != NULL);
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    fclose(mem);
    return text;
}

/* The watcher's output once it holds `needle`, waiting at most 20 s (a generous margin:
 * a push takes milliseconds); fails the test with what it printed otherwise. */
static char *watcher_wait(const struct watcher *w, const char *needle)
{
    double deadline = h_now_s() + 20;
    for (;;) {
        char *text = read_file(w->path);
        if (strstr(text, needle) != NULL)
            return text;
        if (h_now_s() > deadline)
            ck_abort_msg("the watcher never printed \"%s\"; it printed:\n%s", needle, text);
        free(text);
        usleep(50 * 1000);
    }
}

static void watcher_stop(struct watcher *w)
{
    kill(w->pid, SIGTERM);
    int status;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    unlink(w->path);
}

/* The line holding needle, which must also hold `also` (the same change's values). */
static void assert_line(const char *text, const char *needle, const char *also)
{
    const char *at = strstr(text, needle);
    ck_assert_msg(at != NULL, "no line with \"%s\" in:\n%s", needle, text);
    const char *start = at;
    while (start > text && start[-1] != '\n')
        start--;
    size_t len = strcspn(start, "\n");
    char *line = strndup(start, len);
    ck_assert_msg(strstr(line, also) != NULL, "\"%s\" lacks \"%s\"", line, also);
    /* The time it was heard, HH:MM:SS, opens the line. */
    ck_assert_msg(len > 10 && line[2] == ':' && line[5] == ':' && line[8] == ' ', "%s", line);
    free(line);
}

START_TEST(watch_prints_a_line_per_change_in_both_languages)
{
    long project = h_project_id(h_db, 0);
    int64_t contract = it_contract_with_money(project);
    login_office();
    struct watcher zh, en;
    watcher_start(&zh, "zh", "LANG=zh_CN.UTF-8", (const char *const[]){NULL});
    watcher_start(&en, "en", "LANG=en_US.UTF-8", (const char *const[]){NULL});
    /* Each has its starting point once it prints its first line: it is subscribed. */
    free(watcher_wait(&zh, "之后每有提交的变更即显示一行"));
    free(watcher_wait(&en, "changes follow as they are committed"));

    int64_t item = it_issue_item();
    char *zh_text = watcher_wait(&zh, "督查督办 县住房和城乡建设局：督办事项");
    char *en_text = watcher_wait(&en, "supervision 县住房和城乡建设局: items issued");
    assert_line(zh_text, "督查督办 县住房和城乡建设局：督办事项", "0 → 1");
    assert_line(en_text, "supervision 县住房和城乡建设局: items issued", "0 → 1");
    free(zh_text);
    free(en_text);

    it_pay(contract);
    zh_text = watcher_wait(&zh, "合同已付（元） 0.00 → 50,000.00");
    en_text = watcher_wait(&en, "paid on contracts, yuan 0.00 → 50,000.00");
    assert_line(zh_text, "资金 ", "支付（元） 0.00 → 50,000.00");
    assert_line(en_text, "funds ", "paid, yuan 0.00 → 50,000.00");
    /* One line per change, not the whole status; everything fits 80 columns. */
    ck_assert_msg(strstr(en_text, "-- changed") == NULL, "%s", en_text);
    ck_assert_msg(strstr(en_text, "traffic lights") == NULL, "%s", en_text);
    ck_assert_msg(strstr(en_text, "items open") != NULL, "%s", en_text);
    h_assert_fits(zh_text, 80);
    h_assert_fits(en_text, 80);
    /* The Chinese watcher speaks no English labels, the English one no Chinese ones. */
    ck_assert_msg(strstr(zh_text, "yuan") == NULL && strstr(zh_text, "supervision") == NULL, "%s",
                  zh_text);
    ck_assert_msg(strstr(en_text, "督查督办") == NULL && strstr(en_text, "资金") == NULL, "%s",
                  en_text);
    free(zh_text);
    free(en_text);

    /* The unit's reply: still open, but waiting for the review, and the lines say so. */
    it_reply_item(item);
    zh_text = watcher_wait(&zh, "已答复 0 → 1");
    en_text = watcher_wait(&en, "items replied 0 → 1");
    assert_line(zh_text, "已答复 0 → 1", "督查督办 县住房和城乡建设局：");
    assert_line(en_text, "items replied 0 → 1", "supervision 县住房和城乡建设局: ");
    h_assert_fits(zh_text, 80);
    h_assert_fits(en_text, 80);
    free(zh_text);
    free(en_text);
    watcher_stop(&zh);
    watcher_stop(&en);
}
END_TEST

START_TEST(watch_full_prints_the_whole_status_with_the_lines)
{
    login_office();
    struct watcher w;
    watcher_start(&w, "full", "LANG=en_US.UTF-8", (const char *const[]){"--full", NULL});
    free(watcher_wait(&w, "traffic lights"));
    it_issue_item();
    char *text = watcher_wait(&w, "-- changed (status as of");
    free(text);
    text = watcher_wait(&w, "supervision items (督查督办) per unit:");
    assert_line(text, "supervision 县住房和城乡建设局: items issued", "0 → 1");
    free(text);
    watcher_stop(&w);
}
END_TEST

Suite *it_changes_suite(void)
{
    Suite *s = suite_create("it_changes");
    TCase *tc = tcase_create("changes");
    tcase_add_checked_fixture(tc, changes_setup, changes_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, watch_prints_a_line_per_change_in_both_languages);
    tcase_add_test(tc, watch_full_prints_the_whole_status_with_the_lines);
    suite_add_tcase(s, tc);
    return s;
}
