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
#include "table.h"

#define H_SUPERVISION "supervision" /* 县委督查室, who issues supervision items */

static char home[128];
static char env_xdg[200];
static char env_server[120];

/* The harness's accounts lack the supervision group's seat: added as `renod account add`
 * would (test_it_supervision.c does the same). */
static void add_supervision_account(void)
{
    char dbarg[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    const char *argv[] = {h_bin("renod"),      "--database", dbarg,        "--log-level", "warn",
                          "account",           "add",        "--username", H_SUPERVISION, "--unit",
                          "party-supervision", "--role",     "department", NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, H_SUPERVISION "-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "account add: %s%s", out, err);
    free(out);
    free(err);
}

static void changes_setup(void)
{
    h_fixture_setup();
    add_supervision_account();
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

static int64_t write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "write %d refused: %s", (int)body,
                  m->response->status->message);
    /* Every write is answered by a WriteReply in the same union slot. */
    int64_t id = m->response->add_contract->id;
    net_free(c, m);
    return id;
}

/* A construction contract of project `project`, and 200,000 yuan of central subsidy
 * allocated to it and received: what a payment needs. Returns the contract's id. */
static int64_t contract_and_money(long project)
{
    uint8_t key[16];
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    Reno__AddContract a = RENO__ADD_CONTRACT__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = project;
    a.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION;
    a.counterparty = "贵州紫云宏达建筑工程有限公司";
    a.awarded_on = "2022-03-20";
    a.amount = 3200000;
    a.tender_method = "公开招标";
    int64_t contract = write_ok(housing, RENO__REQUEST__BODY_ADD_CONTRACT, &a);
    net_close(housing);

    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    Reno__AllocateFunds al = RENO__ALLOCATE_FUNDS__INIT;
    h_new_key(&al.idempotency_key, key);
    al.project_id = project;
    al.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    al.amount = 200000;
    al.allocated_on = "2022-01-10";
    al.document_ref = "黔财建〔2022〕12号";
    int64_t allocation = write_ok(finance, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &al);
    Reno__ReceiveFunds r = RENO__RECEIVE_FUNDS__INIT;
    h_new_key(&r.idempotency_key, key);
    r.allocation_id = allocation;
    r.amount = 200000;
    r.received_on = "2022-02-15";
    write_ok(finance, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);
    net_close(finance);
    return contract;
}

static void issue_item(void)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    uint8_t key[16];
    Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
    h_new_key(&ct.idempotency_key, key);
    ct.unit_code = "housing";
    ct.title = "加快示例小区一管网改造";
    ct.detail = "按工作方案时间节点推进";
    ct.deadline = "2022-06-30";
    ct.source = "工作方案 六(四)";
    write_ok(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct);
    net_close(sup);
}

static void pay(int64_t contract)
{
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    uint8_t key[16];
    Reno__RecordPayment p = RENO__RECORD_PAYMENT__INIT;
    h_new_key(&p.idempotency_key, key);
    p.contract_id = contract;
    p.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    p.amount = 50000;
    p.paid_on = "2022-04-15";
    p.note = "工程进度款";
    write_ok(finance, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
    net_close(finance);
}

/* Every line of text at most `columns` display columns wide. */
static void assert_fits(const char *text, size_t columns)
{
    while (*text != '\0') {
        size_t len = strcspn(text, "\n");
        char *line = strndup(text, len);
        ck_assert_msg(text_width(line) <= columns, "%zu columns: %s", text_width(line), line);
        free(line);
        text += len + (text[len] == '\n');
    }
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
    int64_t contract = contract_and_money(project);
    login_office();
    struct watcher zh, en;
    watcher_start(&zh, "zh", "LANG=zh_CN.UTF-8", (const char *const[]){NULL});
    watcher_start(&en, "en", "LANG=en_US.UTF-8", (const char *const[]){NULL});
    /* Each has its starting point once it prints its first line: it is subscribed. */
    free(watcher_wait(&zh, "之后每有提交的变更即显示一行"));
    free(watcher_wait(&en, "changes follow as they are committed"));

    issue_item();
    char *zh_text = watcher_wait(&zh, "督查督办 县住房和城乡建设局：督办事项");
    char *en_text = watcher_wait(&en, "supervision 县住房和城乡建设局: items issued");
    assert_line(zh_text, "督查督办 县住房和城乡建设局：督办事项", "0 → 1");
    assert_line(en_text, "supervision 县住房和城乡建设局: items issued", "0 → 1");
    free(zh_text);
    free(en_text);

    pay(contract);
    zh_text = watcher_wait(&zh, "合同已付（元） 0.00 → 50,000.00");
    en_text = watcher_wait(&en, "paid on contracts, yuan 0.00 → 50,000.00");
    assert_line(zh_text, "资金 ", "支付（元） 0.00 → 50,000.00");
    assert_line(en_text, "funds ", "paid, yuan 0.00 → 50,000.00");
    /* One line per change, not the whole status; everything fits 80 columns. */
    ck_assert_msg(strstr(en_text, "-- changed") == NULL, "%s", en_text);
    ck_assert_msg(strstr(en_text, "traffic lights") == NULL, "%s", en_text);
    ck_assert_msg(strstr(en_text, "items open") != NULL, "%s", en_text);
    assert_fits(zh_text, 80);
    assert_fits(en_text, 80);
    /* The Chinese watcher speaks no English labels, the English one no Chinese ones. */
    ck_assert_msg(strstr(zh_text, "yuan") == NULL && strstr(zh_text, "supervision") == NULL, "%s",
                  zh_text);
    ck_assert_msg(strstr(en_text, "督查督办") == NULL && strstr(en_text, "资金") == NULL, "%s",
                  en_text);
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
    issue_item();
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
