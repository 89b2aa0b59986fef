/*
 * `reno dashboard` on a real terminal: tmux runs it in a detached 120x40 session against
 * a live renod, and the test reads the screen back with capture-pane. It checks the
 * header and a Chinese project name, that the column after the Chinese names starts at
 * the same screen column on every row (measured with text_width()), that a progress
 * report pushed through the server shows within two seconds, that key 2 switches the
 * lower pane to funds, that q ends the program with exit 0 and the terminal restored,
 * and that a lost server is shown without the program ending. Against a renod that serves
 * TLS, the dashboard (which trusts the county CA through RENO_CA) draws the status and
 * shows a pushed change, as it does in plaintext.
 *
 * tmux runs on its own socket (-L reno-test-PID); the test kills only its own session.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it.h"
#include "it_writes.h"
#include "table.h"

static char home[128];
static char env_xdg[200];
static char socket_name[64];
static const char *const session = "dash";
static char tmux_path[512];

/* tmux from PATH (h_run() executes a path); false when there is none. */
static bool find_tmux(void)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path != NULL ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
        snprintf(tmux_path, sizeof tmux_path, "%s/tmux", dir);
        if (access(tmux_path, X_OK) == 0)
            return true;
    }
    tmux_path[0] = '\0';
    return false;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs tmux on our socket with up to 12 arguments; returns its exit status, *out kept. */
static int tmux(char **out, const char *const *args)
{
    const char *argv[16];
    int n = 0;
    argv[n++] = tmux_path;
    argv[n++] = "-u"; /* the screen holds UTF-8 whatever the test's locale */
    argv[n++] = "-L";
    argv[n++] = socket_name;
    for (const char *const *a = args; *a != NULL && n < 15; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {"LC_ALL=C.UTF-8", NULL};
    char *o = NULL, *e = NULL;
    int rc = h_run(argv, env, NULL, &o, &e);
    free(e);
    if (out != NULL)
        *out = o;
    else
        free(o);
    return rc;
}

/* The screen as text, one line per row (caller frees). */
static char *capture(void)
{
    char *out = NULL;
    int rc = tmux(&out, (const char *const[]){"capture-pane", "-p", "-t", session, NULL});
    ck_assert_msg(rc == 0, "tmux capture-pane failed (%d)", rc);
    return out;
}

/* Waits up to ms for every needle to be on the screen; returns the last capture. */
static char *wait_for_screen(int ms, const char *const *needles)
{
    int64_t deadline = now_ms() + ms;
    for (;;) {
        char *screen = capture();
        bool all = true;
        for (const char *const *n = needles; *n != NULL && all; n++)
            all = strstr(screen, *n) != NULL;
        if (all || now_ms() >= deadline)
            return screen;
        free(screen);
        usleep(50 * 1000);
    }
}

/* The line of screen that contains needle, copied into line; false if none. */
static bool line_with(const char *screen, const char *needle, char *line, size_t size)
{
    const char *at = strstr(screen, needle);
    if (at == NULL)
        return false;
    const char *start = at;
    while (start > screen && start[-1] != '\n')
        start--;
    size_t len = strcspn(start, "\n");
    snprintf(line, size, "%.*s", (int)len, start);
    return true;
}

/* The screen column (0-based) where `what` starts in line, looking after `after`. */
static size_t column_of(const char *line, const char *after, const char *what)
{
    const char *from = after != NULL ? strstr(line, after) : line;
    ck_assert_msg(from != NULL, "'%s' not in line: %s", after, line);
    if (after != NULL)
        from += strlen(after);
    const char *at = strstr(from, what);
    ck_assert_msg(at != NULL, "'%s' not in line: %s", what, line);
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(at - line), line);
    return text_width(prefix);
}

/* Logs the office in with `reno login` against address; tls: "K=V" settings that make
 * reno speak TLS (NULL-terminated), or NULL for plaintext. */
static void login_office_at(const char *address, const char *const *tls)
{
    const char *argv[] = {h_bin("reno"), "login", "--user", H_OFFICE, "--password-stdin", NULL};
    char server[120];
    snprintf(server, sizeof server, "RENO_SERVER=%s", address);
    const char *env[8] = {env_xdg, server, NULL};
    for (int i = 2; tls != NULL && *tls != NULL && i < 7; tls++)
        env[i++] = *tls;
    char *out, *err;
    int rc = h_run(argv, env, H_OFFICE "-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "reno login: %d %s%s", rc, out, err);
    free(out);
    free(err);
}

static void login_office(void)
{
    login_office_at(h_srv.address, NULL);
}

/* Starts `reno dashboard` against address in a detached 120x40 tmux session; the shell
 * prints the exit status when it ends and keeps the pane open to be read. tls_env: more
 * settings for reno, as "K=V K=V" for env(1), or "" for none. */
/* The terminal's size and locale for the next start_dashboard_with(). */
static const char *dash_cols = "120", *dash_rows = "40", *dash_lang = "C.UTF-8";

static void start_dashboard_with(const char *address, const char *tls_env)
{
    ck_assert_msg(find_tmux(), "tmux is missing from PATH: the dashboard test needs it "
                               "(scripts/setup installs it)");
    int rc = tmux(NULL, (const char *const[]){"-V", NULL});
    ck_assert_msg(rc == 0, "%s -V failed (%d)", tmux_path, rc);
    char command[1024];
    snprintf(command, sizeof command,
             "env LANG=%s LC_ALL=%s RENO_SERVER=%s XDG_CONFIG_HOME=%s %s %s dashboard; "
             "echo reno-dashboard-exited-$?; sleep 120",
             dash_lang, dash_lang, address, home, tls_env, h_bin("reno"));
    rc = tmux(NULL, (const char *const[]){"new-session", "-d", "-s", session, "-x", dash_cols, "-y",
                                          dash_rows, command, NULL});
    ck_assert_msg(rc == 0, "tmux new-session failed (%d)", rc);
}

static void start_dashboard(const char *address)
{
    start_dashboard_with(address, "");
}

static void setup(void)
{
    h_fixture_setup();
    snprintf(home, sizeof home, "/tmp/reno-it-dash.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(socket_name, sizeof socket_name, "reno-test-%d", (int)getpid());
    login_office();
}

static void teardown(void)
{
    /* Only our session, on our own socket; the tmux server ends with its last session. */
    if (tmux_path[0] != '\0')
        (void)tmux(NULL, (const char *const[]){"kill-session", "-t", session, NULL});
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
    h_fixture_teardown();
}

static Reno__ServerMessage *get_status(struct net_conn *c)
{
    Reno__GetStatus get = RENO__GET_STATUS__INIT;
    get.as_of = (char *)"";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &get;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

/* Ends the dashboard with q and checks it exited 0 and left the alternate screen. */
static void quit_and_check(void)
{
    ck_assert_int_eq(tmux(NULL, (const char *const[]){"send-keys", "-t", session, "q", NULL}), 0);
    char *screen = wait_for_screen(3000, (const char *const[]){"reno-dashboard-exited-", NULL});
    ck_assert_msg(strstr(screen, "reno-dashboard-exited-0") != NULL,
                  "the dashboard did not exit 0 on q:\n%s", screen);
    ck_assert_msg(strstr(screen, "q quit") == NULL, "the dashboard is still on screen:\n%s",
                  screen);
    free(screen);
    char *alternate = NULL;
    ck_assert_int_eq(tmux(&alternate, (const char *const[]){"display-message", "-p", "-t", session,
                                                            "#{alternate_on}", NULL}),
                     0);
    ck_assert_msg(alternate[0] == '0', "the terminal is still in the alternate screen: %s",
                  alternate);
    free(alternate);
}

START_TEST(dashboard_shows_pushes_and_lines_up_chinese)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    Reno__ServerMessage *st = get_status(office);
    const Reno__StatusReply *s = st->response->status_reply;
    ck_assert_uint_ge(s->n_projects, 2);

    start_dashboard(h_srv.address);
    char *screen = wait_for_screen(
        5000, (const char *const[]){s->programme_title, s->projects[0]->name, "q quit", NULL});
    fprintf(stderr, "---- dashboard at start ----\n%s----\n", screen);
    ck_assert_msg(strstr(screen, s->programme_title) != NULL, "no title on screen:\n%s", screen);
    ck_assert_msg(strstr(screen, s->projects[0]->name) != NULL, "no project on screen:\n%s",
                  screen);
    ck_assert_msg(strstr(screen, "● live") != NULL, "not shown as live:\n%s", screen);

    /* The column after the Chinese names starts at the same screen column on every row,
     * the ASCII header's included. */
    char line[1024];
    ck_assert(line_with(screen, "COMMUNITY", line, sizeof line));
    size_t community_column = column_of(line, NULL, "COMMUNITY");
    size_t started_column = column_of(line, NULL, "HOUSEHOLDS");
    for (size_t i = 0; i < s->n_projects && i < 2; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        ck_assert_msg(line_with(screen, p->name, line, sizeof line), "no row for %s", p->name);
        ck_assert_uint_eq(column_of(line, p->name, p->community), community_column);
        /* HOUSEHOLDS is right-aligned: its number ends where the heading ends. */
        char households[16];
        snprintf(households, sizeof households, " %d ", p->households);
        ck_assert_uint_eq(column_of(line, p->community, households) + strlen(households) - 1,
                          started_column + strlen("HOUSEHOLDS"));
    }
    free(screen);

    /* A report pushed through the server shows on the screen within two seconds. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    Reno__Request req;
    Reno__PushProgress push;
    uint8_t key[16];
    h_push_init(&req, &push, key, (long)s->projects[0]->project_id, "2022-04-15", 321, 0);
    Reno__ServerMessage *m = h_call(housing, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(housing, m);
    int64_t pushed = now_ms();
    screen = wait_for_screen(2000, (const char *const[]){" 321 ", "changed:", NULL});
    int64_t took = now_ms() - pushed;
    ck_assert_msg(line_with(screen, s->projects[0]->name, line, sizeof line),
                  "no row for the project:\n%s", screen);
    ck_assert_msg(strstr(line, " 321 ") != NULL,
                  "the new figure is not on screen after %lld ms:\n%s", (long long)took, screen);
    ck_assert_msg(strstr(screen, "changed:") != NULL, "no change line:\n%s", screen);
    fprintf(stderr, "---- after the push (%lld ms) ----\n%s----\n", (long long)took, screen);
    free(screen);

    /* Key 2: the funds pane. */
    ck_assert_int_eq(tmux(NULL, (const char *const[]){"send-keys", "-t", session, "2", NULL}), 0);
    screen = wait_for_screen(2000, (const char *const[]){"funds per project", NULL});
    ck_assert_msg(strstr(screen, "funds per project") != NULL, "no funds pane:\n%s", screen);
    ck_assert_msg(strstr(screen, "ALLOCATED") != NULL, "no funds table:\n%s", screen);
    fprintf(stderr, "---- pane 2 ----\n%s----\n", screen);
    free(screen);

    quit_and_check();
    net_free(office, st);
    net_close(office);
    net_close(housing);
}
END_TEST

/* A server that goes away is shown as lost; the dashboard keeps running and quits on q. */
START_TEST(dashboard_shows_a_lost_connection)
{
    struct h_server second;
    h_server_start(&second, h_db, NULL);
    start_dashboard(second.address);
    char *screen = wait_for_screen(5000, (const char *const[]){"● live", NULL});
    ck_assert_msg(strstr(screen, "● live") != NULL, "not live:\n%s", screen);
    free(screen);

    ck_assert_int_eq(h_server_stop(&second), 0);
    screen = wait_for_screen(3000, (const char *const[]){"connection lost", NULL});
    ck_assert_msg(strstr(screen, "connection lost") != NULL, "the loss is not shown:\n%s", screen);
    ck_assert_msg(strstr(screen, "q quit") != NULL, "the dashboard ended:\n%s", screen);
    fprintf(stderr, "---- connection lost ----\n%s----\n", screen);
    free(screen);
    /* Through a failed reconnect attempt or two, still on screen. */
    sleep(4);
    screen = capture();
    ck_assert_msg(strstr(screen, "connection lost") != NULL && strstr(screen, "q quit") != NULL,
                  "after a reconnect attempt:\n%s", screen);
    free(screen);
    quit_and_check();
}
END_TEST

/* The dashboard against a renod that serves TLS: it verifies the server's certificate
 * against the county CA given in RENO_CA, draws the status, and a change pushed through
 * the server arrives on screen. The tmux server's environment says RENO_TLS=off (the
 * harness's default), so the dashboard's own command line says on. */
START_TEST(dashboard_over_tls_draws_and_hears_a_push)
{
    char cert_dir[64];
    snprintf(cert_dir, sizeof cert_dir, "/tmp/reno-it-dash-tls.XXXXXX");
    ck_assert(mkdtemp(cert_dir) != NULL);
    h_tls_certs(cert_dir, (const char *const[]){"localhost", "127.0.0.1", NULL});
    struct h_server tls;
    h_server_start_tls(&tls, h_db, cert_dir, NULL);
    char address[64], env_ca[200], tls_env[300];
    snprintf(address, sizeof address, "localhost:%d", tls.port);
    snprintf(env_ca, sizeof env_ca, "RENO_CA=%s/ca.crt", cert_dir);
    snprintf(tls_env, sizeof tls_env, "RENO_TLS=on %s", env_ca);
    login_office_at(address, (const char *const[]){"RENO_TLS=on", env_ca, NULL});

    struct net_conn *office = h_login(&tls, H_OFFICE);
    Reno__ServerMessage *st = get_status(office);
    const Reno__StatusReply *s = st->response->status_reply;
    ck_assert_uint_ge(s->n_projects, 1);
    start_dashboard_with(address, tls_env);
    char *screen = wait_for_screen(
        5000, (const char *const[]){s->programme_title, s->projects[0]->name, "● live", NULL});
    ck_assert_msg(strstr(screen, s->projects[0]->name) != NULL && strstr(screen, "● live") != NULL,
                  "the status is not drawn over TLS:\n%s", screen);
    free(screen);

    struct net_conn *housing = h_login(&tls, H_HOUSING);
    Reno__Request req;
    Reno__PushProgress push;
    uint8_t key[16];
    h_push_init(&req, &push, key, (long)s->projects[0]->project_id, "2022-04-15", 123, 0);
    Reno__ServerMessage *m = h_call(housing, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(housing, m);
    screen = wait_for_screen(3000, (const char *const[]){" 123 ", "changed:", NULL});
    char line[1024];
    ck_assert_msg(line_with(screen, s->projects[0]->name, line, sizeof line) &&
                      strstr(line, " 123 ") != NULL,
                  "the pushed figure did not arrive over TLS:\n%s", screen);
    free(screen);

    quit_and_check();
    net_free(office, st);
    net_close(office);
    net_close(housing);
    ck_assert_int_eq(h_server_stop(&tls), 0);
    const char *rm[] = {"/bin/rm", "-rf", cert_dir, NULL};
    h_run(rm, NULL, NULL, NULL, NULL);
}
END_TEST

/* Without a terminal the dashboard refuses, with exit 2 and a message that says why. */
START_TEST(dashboard_needs_a_terminal)
{
    char server[120];
    snprintf(server, sizeof server, "RENO_SERVER=%s", h_srv.address);
    const char *env[] = {env_xdg, server, NULL};
    const char *argv[] = {h_bin("reno"), "dashboard", NULL};
    char *out, *err;
    int rc = h_run(argv, env, NULL, &out, &err);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "terminal") != NULL, "%s", err);
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
}
END_TEST

/* Sends keys to the dashboard (tmux send-keys, one argument each). */
static void send_keys(const char *keys)
{
    ck_assert_int_eq(tmux(NULL, (const char *const[]){"send-keys", "-t", session, keys, NULL}), 0);
}

/*
 * At 80x24, in English or in Chinese (`words`: the bars' labels, the short headers and the
 * plan; `round_word`: a heading of the round pane): the date the status is as of whole in the
 * header, the bars against the plan with the thresholds marked, the projects with their
 * names whole, the round as who has and has not reported (key 5), the time chart (key 6)
 * and the search ('/', the name, Enter; then Esc). The screens are printed for the record.
 */
static void dashboard_small_in(const char *lang, const char *const *words, const char *round_word)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    Reno__ServerMessage *st = get_status(office);
    const Reno__StatusReply *s = st->response->status_reply;
    ck_assert_uint_ge(s->n_projects, 2);
    /* Progress in spring, so that the chart rises. */
    const struct {
        size_t project;
        const char *date;
        int started, completed;
    } pushes[] = {{0, "2022-03-20", 60, 0}, {1, "2022-04-10", 90, 10}, {0, "2022-06-20", 200, 40}};
    int64_t position = 0;
    for (size_t i = 0; i < sizeof pushes / sizeof pushes[0]; i++) {
        Reno__Request req;
        Reno__PushProgress push;
        uint8_t key[16];
        h_push_init(&req, &push, key, (long)s->projects[pushes[i].project]->project_id,
                    pushes[i].date, pushes[i].started, pushes[i].completed);
        Reno__ServerMessage *m = h_call(housing, &req);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
        position = m->response->push_progress->position;
        net_free(housing, m);
    }
    net_free(office, st);
    /* The roll-up has every push before the dashboard starts: a refresh landing later
     * would be pushed to it and redraw the screens checked below. */
    Reno__GetStatus after = RENO__GET_STATUS__INIT;
    after.min_position = position;
    st = h_call_body(office, RENO__REQUEST__BODY_GET_STATUS, &after);
    ck_assert_int_eq(h_code(st), RENO__STATUS_CODE__OK);
    s = st->response->status_reply;

    dash_cols = "80";
    dash_rows = "24";
    dash_lang = lang;
    start_dashboard(h_srv.address);
    char *screen = wait_for_screen(5000, (const char *const[]){s->projects[1]->name, "█", NULL});
    fprintf(stderr, "---- 80x24 %s ----\n%s----\n", lang, screen);
    /* The date whole on the first row; the names whole; the bars; the short headers. */
    char line[1024];
    ck_assert_msg(line_with(screen, s->as_of, line, sizeof line), "no date:\n%s", screen);
    ck_assert_msg(strncmp(screen, line, strlen(line)) == 0, "the date is not in the header");
    for (size_t i = 0; i < 2; i++)
        ck_assert_msg(strstr(screen, s->projects[i]->name) != NULL, "%s cut:\n%s",
                      s->projects[i]->name, screen);
    for (const char *const *w = words; *w != NULL; w++)
        ck_assert_msg(strstr(screen, *w) != NULL, "no '%s' on screen:\n%s", *w, screen);
    ck_assert_msg(strstr(screen, "┃") != NULL, "no threshold marks:\n%s", screen);
    free(screen);

    send_keys("5");
    screen = wait_for_screen(3000, (const char *const[]){round_word, NULL});
    fprintf(stderr, "---- 80x24 %s, key 5 ----\n%s----\n", lang, screen);
    ck_assert_msg(strstr(screen, round_word) != NULL, "no round pane:\n%s", screen);
    free(screen);

    send_keys("6");
    screen = wait_for_screen(8000, (const char *const[]){"100%", "▒", NULL});
    fprintf(stderr, "---- 80x24 %s, key 6 ----\n%s----\n", lang, screen);
    ck_assert_msg(strstr(screen, "100%") != NULL && strstr(screen, "▒") != NULL, "no chart:\n%s",
                  screen);
    free(screen);

    /* The search: the second project's name, and the first is no longer listed. */
    send_keys("1");
    send_keys("/");
    send_keys(s->projects[1]->name);
    send_keys("Enter");
    screen = wait_for_screen(3000, (const char *const[]){"Esc", NULL});
    fprintf(stderr, "---- 80x24 %s, searching ----\n%s----\n", lang, screen);
    ck_assert_msg(strstr(screen, s->projects[0]->name) == NULL, "not filtered:\n%s", screen);
    ck_assert_msg(strstr(screen, s->projects[1]->name) != NULL, "filtered out:\n%s", screen);
    free(screen);
    send_keys("Escape");
    screen = wait_for_screen(3000, (const char *const[]){s->projects[0]->name, NULL});
    ck_assert_msg(strstr(screen, s->projects[0]->name) != NULL, "Esc kept the filter:\n%s", screen);
    free(screen);

    quit_and_check();
    net_free(office, st);
    net_close(office);
    net_close(housing);
}

START_TEST(dashboard_at_80x24_in_english)
{
    dashboard_small_in("C.UTF-8",
                       (const char *const[]){"started", "completed", "S%", "C%", "plan", NULL},
                       "DUTY OR FIGURES");
}
END_TEST

START_TEST(dashboard_at_80x24_in_chinese)
{
    dashboard_small_in("zh_CN.UTF-8",
                       (const char *const[]){"开工", "完工", "开工率", "完工率", "计划", NULL},
                       "职责或报送数");
}
END_TEST

/*
 * The change line at 80x24 says every kind of change, in the screen's language: a
 * supervision item issued to a unit, then a payment on a contract, each written by another
 * unit while the dashboard watches; the figures are whole on the one row there is.
 */
static void change_line_in(const char *lang, const char *item_line, const char *payment_line)
{
    it_add_supervision_account();
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    Reno__ServerMessage *st = get_status(office);
    const Reno__StatusReply *s = st->response->status_reply;
    int64_t contract = it_contract_with_money((long)s->projects[0]->project_id);

    dash_cols = "80";
    dash_rows = "24";
    dash_lang = lang;
    start_dashboard(h_srv.address);
    char *screen = wait_for_screen(5000, (const char *const[]){s->projects[1]->name, NULL});
    free(screen);
    /* The projects are on screen once the dashboard watches: what follows is pushed. */
    it_issue_item();
    screen = wait_for_screen(5000, (const char *const[]){item_line, NULL});
    fprintf(stderr, "---- 80x24 %s, a supervision item ----\n%s----\n", lang, screen);
    ck_assert_msg(strstr(screen, item_line) != NULL, "no change line for the item:\n%s", screen);
    free(screen);

    it_pay(contract);
    screen = wait_for_screen(5000, (const char *const[]){payment_line, NULL});
    fprintf(stderr, "---- 80x24 %s, a payment ----\n%s----\n", lang, screen);
    ck_assert_msg(strstr(screen, payment_line) != NULL, "no change line for the payment:\n%s",
                  screen);
    free(screen);

    quit_and_check();
    net_free(office, st);
    net_close(office);
}

/* A programme larger than the screen: the dashboard watches the projects that fit, pages
 * with n and p and shows one light's projects with l, at 80x24 in Chinese, the names and
 * the page's line whole. */
START_TEST(dashboard_pages_a_large_programme)
{
    char state[6];
    h_sql_exec(h_db,
               "INSERT INTO project (programme_id, name, community, households, "
               "renovation_type, street, buildings, area_m2, subsidy_batch, is_sample) "
               "SELECT p.programme_id, '增补' || lpad(g::text, 3, '0') || '小区（示例）', "
               "'增补' || g || '小区', 100, 'comprehensive', '松山街道', 4, 8550, "
               "'2022年度中央补助支持老旧小区改造计划', true "
               "FROM (SELECT programme_id FROM project ORDER BY id LIMIT 1) p, "
               "generate_series(3, 20) g",
               state);
    ck_assert_msg(state[0] == '\0', "adding projects: %s", state);
    /* A notification renod cannot parse refreshes every programme. */
    h_sql_exec(h_db, "NOTIFY reno_changed, 'everything'", state);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    for (int64_t deadline = now_ms() + 10000; now_ms() < deadline;) {
        Reno__ServerMessage *st = get_status(office);
        int n = st->response->status_reply->projects_in_programme;
        net_free(office, st);
        if (n == 20)
            break;
        usleep(50 * 1000);
    }

    dash_cols = "80";
    dash_rows = "24";
    dash_lang = "zh_CN.UTF-8";
    start_dashboard(h_srv.address);
    /* 24 rows: six projects fit. */
    char *screen = wait_for_screen(5000, (const char *const[]){"项目 1-6，共 20 个", NULL});
    fprintf(stderr, "---- 80x24 zh_CN.UTF-8, 20 projects ----\n%s----\n", screen);
    ck_assert_msg(strstr(screen, "项目 1-6，共 20 个（红绿灯：全部）") != NULL, "no page line:\n%s",
                  screen);
    ck_assert_msg(strstr(screen, "增补004小区（示例）") != NULL, "a name cut:\n%s", screen);
    ck_assert_msg(strstr(screen, "增补007小区（示例）") == NULL, "more than the page:\n%s", screen);
    free(screen);

    send_keys("n");
    screen = wait_for_screen(5000, (const char *const[]){"项目 7-12，共 20 个", NULL});
    fprintf(stderr, "---- 80x24 zh_CN.UTF-8, key n ----\n%s----\n", screen);
    ck_assert_msg(strstr(screen, "增补007小区（示例）") != NULL, "not the second page:\n%s",
                  screen);
    ck_assert_msg(strstr(screen, "增补004小区（示例）") == NULL, "the first page stayed:\n%s",
                  screen);
    free(screen);
    send_keys("p");
    screen = wait_for_screen(5000, (const char *const[]){"项目 1-6，共 20 个", NULL});
    free(screen);

    /* One light's projects, from their first page. */
    send_keys("l");
    screen = wait_for_screen(5000, (const char *const[]){"（红绿灯：红）", NULL});
    fprintf(stderr, "---- 80x24 zh_CN.UTF-8, key l ----\n%s----\n", screen);
    ck_assert_msg(strstr(screen, "（红绿灯：红）") != NULL, "no light filter:\n%s", screen);
    free(screen);
    quit_and_check();
    net_close(office);
}
END_TEST

START_TEST(change_line_names_every_kind_in_english)
{
    /* In English the line is longer: the unit's name is cut, the figures are not. */
    change_line_in("C.UTF-8", "items issued 0 → 1, items open 0 → 1",
                   "paid on contracts, yuan 0.00 → 50,000.00");
}
END_TEST

START_TEST(change_line_names_every_kind_in_chinese)
{
    change_line_in("zh_CN.UTF-8", "督查督办 县住房和城乡建设局：督办事项 0 → 1",
                   "合同已付（元） 0.00 → 50,000.00");
}
END_TEST

Suite *it_dashboard_suite(void)
{
    Suite *s = suite_create("it_dashboard");
    TCase *tc = tcase_create("dashboard");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dashboard_shows_pushes_and_lines_up_chinese);
    tcase_add_test(tc, dashboard_shows_a_lost_connection);
    tcase_add_test(tc, dashboard_over_tls_draws_and_hears_a_push);
    tcase_add_test(tc, dashboard_needs_a_terminal);
    tcase_add_test(tc, dashboard_at_80x24_in_english);
    tcase_add_test(tc, dashboard_at_80x24_in_chinese);
    tcase_add_test(tc, dashboard_pages_a_large_programme);
    tcase_add_test(tc, change_line_names_every_kind_in_english);
    tcase_add_test(tc, change_line_names_every_kind_in_chinese);
    suite_add_tcase(s, tc);
    return s;
}
