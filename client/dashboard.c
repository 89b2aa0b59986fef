/*
 * reno dashboard: the programme's consolidated status on one ncurses screen, kept live by
 * the server's pushes.
 *
 * It resumes the stored session (as every command does), sends Watch, and then runs one
 * loop: poll() on the terminal and on the socket together, so keys and pushes are both
 * handled without blocking; each message goes into the model (dash_model.c), each key to
 * handle_key(), which returns flags (handled, redraw, refresh, quit) as htop's handlers
 * do; the screen is drawn from the model at most once per turn of the loop. When the
 * connection is lost, the screen says so and a reconnect (Resume with the stored token,
 * then Watch) is tried every few seconds; poll() sleeps until then, so nothing spins.
 *
 * The dashboard is four files, as htop's CRT, Panel and ScreenManager: the terminal
 * (dash_term.c: ncurses started and restored on every exit, fatal signals included; the
 * visual roles and their colours; cells laid out by terminal columns through layout.c, so
 * Chinese names line up and are cut at a character boundary with "…"), the grid
 * (dash_grid.c: the status sections' own columns, status_view.h, shared with reno status,
 * over the screen's width), the view (dash_view.c: the screen drawn from the model) and
 * this file, the loop: the network, the keys and the command.
 *
 * Above the tables, two bars show households started and completed against the plan's
 * thresholds and its pace today; pane 5 is the current collection round as who has and
 * who has not reported (the missing from the status, the reporters from `round reports`),
 * pane 6 a time chart of started and completed on each collection date against the plan's
 * pace. The status carries no history, so the chart asks GetStatus as of each collection
 * date once, when it is first shown and on a refresh; today's point follows the pushes.
 * The dashboard watches a page of projects (Watch.page): as many as the projects table
 * holds on this screen, so a programme of thousands of projects costs a screenful, not
 * the whole status; n and p page, l shows one light's projects (red, yellow, green, then
 * all again), '/' searches names and communities (the panes' project rows follow the
 * page); the totals, rules and lights above are always the whole programme's.
 *
 * At 80x24 the names keep their width and the numeric columns narrow, with short headers
 * (开工, 完工, 开工率 in Chinese); the date the status is as of is drawn first in the
 * header, so it is never cut; amounts are in 万元, as reno status gives them, never cut.
 *
 * What it does not do: it changes nothing on the server; it shows the status as of today
 * only (reno status --as-of reads the past).
 */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cmd.h"
#include "dash_chart.h"
#include "dash_model.h"
#include "dash_term.h"
#include "dash_view.h"
#include "date.h"
#include "i18n.h"
#include "msg.h"
#include "output.h"
#include "xmalloc.h"

/* How long a lost connection waits between attempts, and how long one attempt may take. */
#define RECONNECT_INTERVAL_MS 3000
#define RECONNECT_TIMEOUT_MS  2000

/* ---- Keys ------------------------------------------------------------------------------- */

/* What a key handler tells the loop; flags (htop's HandlerResult). */
enum handler_result {
    HANDLER_IGNORED = 0,
    HANDLER_HANDLED = 1 << 0,
    HANDLER_REDRAW = 1 << 1,
    HANDLER_REFRESH = 1 << 2, /* ask the server for the status now */
    HANDLER_QUIT = 1 << 3,
    HANDLER_REWATCH = 1 << 4, /* the page watched changed: watch the new one */
};

/* The page watched changed to page `page`: the server is asked for it. */
static int new_page(struct dash_view *v, size_t page)
{
    v->page = page;
    v->scroll = 0;
    return HANDLER_HANDLED | HANDLER_REDRAW | HANDLER_REWATCH;
}

static int handle_key(struct dash_view *v, const Reno__StatusReply *s, int key)
{
    switch (key) {
    case 'n':
    case ' ':
        /* The next page, when there is one. */
        if (s == NULL || s->next_page_token == NULL || s->next_page_token[0] == '\0')
            return HANDLER_HANDLED;
        return new_page(v, v->page + 1);
    case 'p':
    case 'b':
        return v->page > 0 ? new_page(v, v->page - 1) : HANDLER_HANDLED;
    case 'l':
    case 'L':
        /* Every light, then red, yellow, green: the projects of one light, a page at a
         * time, from the first. */
        v->light = v->light == RENO__LIGHT__LIGHT_UNSPECIFIED ? RENO__LIGHT__LIGHT_RED
                   : v->light == RENO__LIGHT__LIGHT_RED       ? RENO__LIGHT__LIGHT_YELLOW
                   : v->light == RENO__LIGHT__LIGHT_YELLOW    ? RENO__LIGHT__LIGHT_GREEN
                                                              : RENO__LIGHT__LIGHT_UNSPECIFIED;
        return new_page(v, 0);
    case 'q':
    case 'Q':
        return HANDLER_HANDLED | HANDLER_QUIT;
    case 'r':
    case 'R':
        return HANDLER_HANDLED | HANDLER_REFRESH;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
        v->pane = (enum pane)(key - '1');
        v->scroll = 0;
        return HANDLER_HANDLED | HANDLER_REDRAW;
    case KEY_DOWN:
    case 'j':
        /* draw() clamps the offset to the rows there are. */
        if (v->scroll + 1 < v->pane_rows)
            v->scroll++;
        return HANDLER_HANDLED | HANDLER_REDRAW;
    case KEY_UP:
    case 'k':
        if (v->scroll > 0)
            v->scroll--;
        return HANDLER_HANDLED | HANDLER_REDRAW;
    case KEY_NPAGE:
        v->scroll += 10;
        return HANDLER_HANDLED | HANDLER_REDRAW;
    case KEY_PPAGE:
        v->scroll = v->scroll > 10 ? v->scroll - 10 : 0;
        return HANDLER_HANDLED | HANDLER_REDRAW;
    case '/':
        v->typing = true;
        return HANDLER_HANDLED | HANDLER_REDRAW;
    case 27: /* Esc: every project again */
        v->search[0] = '\0';
        v->light = RENO__LIGHT__LIGHT_UNSPECIFIED;
        return new_page(v, 0);
    case KEY_RESIZE:
    case 12: /* ^L */
        clearok(curscr, TRUE);
        return HANDLER_HANDLED | HANDLER_REDRAW;
    default:
        return HANDLER_IGNORED;
    }
}

/*
 * A key while the search is typed: text (Chinese too: get_wch gives whole characters)
 * goes into the search, which filters the page shown as it grows; Enter keeps it and asks
 * the server for the first page of the projects it finds, Esc clears it, Backspace takes
 * off the last character. `function_key` is get_wch's KEY_CODE_YES.
 */
static int handle_search_key(struct dash_view *v, wint_t key, bool function_key)
{
    size_t len = strlen(v->search);
    if ((!function_key && (key == '\n' || key == '\r')) || (function_key && key == KEY_ENTER)) {
        v->typing = false;
        return new_page(v, 0);
    } else if (!function_key && key == 27) {
        v->typing = false;
        v->search[0] = '\0';
        return new_page(v, 0);
    } else if ((function_key && key == KEY_BACKSPACE) ||
               (!function_key && (key == 127 || key == 8))) {
        /* Back over one whole UTF-8 character: continuation bytes are 10xxxxxx. */
        while (len > 0 && ((unsigned char)v->search[--len] & 0xc0) == 0x80)
            ;
        v->search[len] = '\0';
    } else if (function_key && key == KEY_RESIZE) {
        clearok(curscr, TRUE);
    } else if (!function_key && key >= 0x20 && key != 0x7f) {
        char bytes[MB_LEN_MAX];
        mbstate_t state;
        memset(&state, 0, sizeof state);
        size_t n = wcrtomb(bytes, (wchar_t)key, &state);
        if (n != (size_t)-1 && len + n <= SEARCH_MAX) {
            memcpy(v->search + len, bytes, n);
            v->search[len + n] = '\0';
        }
    } else {
        return HANDLER_IGNORED;
    }
    v->scroll = 0;
    return HANDLER_HANDLED | HANDLER_REDRAW;
}

/* ---- The network: the model's only writer ----------------------------------------------- */

struct dash {
    struct cmd_ctx *ctx;
    struct dash_model model;
    struct dash_view view;
    int64_t next_attempt_ms; /* when a lost connection is tried again */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* net_call() and a check of the reply: 0 and *reply, or with err: -1 when the transport
 * failed, -2 when the server refused or answered beside the question. */
static int call(struct dash *d, Reno__Request *req, Reno__Response__BodyCase expect,
                Reno__ServerMessage **reply, char err[NET_ERR_SIZE])
{
    if (net_call(d->ctx->conn, req, reply, err) != 0)
        return -1;
    const Reno__Response *r = (*reply)->response;
    int rc = -2;
    if (r->status != NULL && r->status->code != RENO__STATUS_CODE__OK) {
        snprintf(err, NET_ERR_SIZE, "%s: %s", msg_status_name(r->status->code),
                 r->status->message != NULL ? r->status->message : "");
    } else if (r->body_case != expect) {
        snprintf(err, NET_ERR_SIZE, "the server answered %s without the expected reply",
                 msg_request_name(req->body_case));
    } else {
        return 0;
    }
    net_free(d->ctx->conn, *reply);
    *reply = NULL;
    return rc;
}

/* Subscribes to the page of projects that fits the screen (with the light and search
 * chosen); the Watch reply carries the page to start from. */
static int watch(struct dash *d, char err[NET_ERR_SIZE])
{
    struct dash_view *v = &d->view;
    v->page_rows = dash_view_page_rows();
    Reno__GetStatus page = RENO__GET_STATUS__INIT;
    page.page_size = v->page_rows;
    char token[24];
    snprintf(token, sizeof token, "%zu", v->page * (size_t)v->page_rows);
    page.page_token = token;
    page.light = v->light;
    page.search = v->search;
    Reno__Watch w = RENO__WATCH__INIT;
    w.deltas = true; /* each change as the projects it touched (dash_model_apply) */
    w.page = &page;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &w;
    Reno__ServerMessage *m = NULL;
    if (call(d, &req, RENO__RESPONSE__BODY_WATCH, &m, err) != 0)
        return -1;
    if (m->response->watch->status != NULL)
        dash_model_set_status(&d->model, m->response->watch->status);
    net_free(d->ctx->conn, m);
    dash_model_set_conn(&d->model, DASH_CONN_LIVE, d->ctx->settings.server);
    return 0;
}

/*
 * The programme's totals on each collection date (the 14th and the 28th) from the month
 * construction starts up to the status's date, one GetStatus as_of each, for the time
 * chart: the status carries no history of its own. The latest DASH_MODEL_HISTORY dates
 * are kept. -1 (transport) or -2 (refused) with err.
 */
static int load_history(struct dash *d, char err[NET_ERR_SIZE])
{
    const Reno__StatusReply *s = d->model.status;
    d->model.n_history = 0;
    d->model.history_loaded = true;
    int32_t from, to;
    if (s == NULL || s->plan == NULL || s->plan->construction_starts_on == NULL ||
        !date_parse(s->plan->construction_starts_on, &from) || s->as_of == NULL ||
        !date_parse(s->as_of, &to))
        return 0;
    /* Past the programme's end the figures no longer move: the chart ends there. */
    int32_t end;
    if (s->plan->evaluation_due != NULL && date_parse(s->plan->evaluation_due, &end) && end < to)
        to = end + 1;
    int32_t dates[DASH_MODEL_HISTORY];
    size_t n = 0;
    /* From the first of the month construction starts in. */
    char text[DATE_TEXT_SIZE];
    date_format(from, text);
    int year = atoi(text), month = atoi(text + 5);
    for (;;) {
        int32_t day = 0;
        for (int dom = 14; dom <= 28; dom += 14) {
            snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, dom);
            if (!date_parse(text, &day) || day >= to)
                break;
            if (n == DASH_MODEL_HISTORY) {
                memmove(dates, dates + 1, (n - 1) * sizeof dates[0]);
                n--;
            }
            dates[n++] = day;
        }
        if (day == 0 || day >= to)
            break;
        month = month == 12 ? 1 : month + 1;
        year += month == 1;
    }
    for (size_t i = 0; i < n; i++) {
        char as_of[DATE_TEXT_SIZE];
        date_format(dates[i], as_of);
        Reno__GetStatus get = RENO__GET_STATUS__INIT;
        get.as_of = as_of;
        Reno__Request req = RENO__REQUEST__INIT;
        req.body_case = RENO__REQUEST__BODY_GET_STATUS;
        req.get_status = &get;
        Reno__ServerMessage *m = NULL;
        int rc = call(d, &req, RENO__RESPONSE__BODY_STATUS_REPLY, &m, err);
        if (rc != 0)
            return rc;
        const Reno__StatusReply *past = m->response->status_reply;
        d->model.history[d->model.n_history++] =
            (struct dash_point){dates[i], past->started_pct, past->completed_pct};
        net_free(d->ctx->conn, m);
    }
    return 0;
}

/* The current round's reports (`round reports`), for who has reported. -1 or -2 with err. */
static int load_round_reports(struct dash *d, char err[NET_ERR_SIZE])
{
    const Reno__StatusReply *s = d->model.status;
    if (s == NULL || s->round == NULL || s->round->round_date == NULL)
        return 0;
    Reno__ListRoundReports list = RENO__LIST_ROUND_REPORTS__INIT;
    list.round_date = s->round->round_date;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_LIST_ROUND_REPORTS;
    req.list_round_reports = &list;
    Reno__ServerMessage *m = NULL;
    int rc = call(d, &req, RENO__RESPONSE__BODY_LIST_ROUND_REPORTS, &m, err);
    if (rc != 0)
        return rc;
    dash_model_set_round_reports(&d->model, s->round->round_date, m->response->list_round_reports);
    net_free(d->ctx->conn, m);
    return 0;
}

static void connection_lost(struct dash *d, const char *why)
{
    net_close(d->ctx->conn);
    d->ctx->conn = NULL;
    dash_model_set_conn(&d->model, DASH_CONN_LOST, why);
    d->next_attempt_ms = now_ms() + RECONNECT_INTERVAL_MS;
}

/*
 * cmd_resume() without printing (the screen is ncurses'): connect, Hello, Resume with the
 * stored token (storing a renewed one), then Watch again. 0, or -1 with err.
 */
static int reconnect(struct dash *d, char err[NET_ERR_SIZE])
{
    struct cmd_ctx *ctx = d->ctx;
    char token[MSG_TOKEN_HEX + 1];
    char serr[SETTINGS_ERR_SIZE];
    int found = settings_token_read(&ctx->settings, token, serr);
    if (found != 0) {
        snprintf(err, NET_ERR_SIZE, "%s", found > 0 ? "not logged in (run reno login)" : serr);
        return -1;
    }
    int timeout = ctx->settings.timeout_ms < RECONNECT_TIMEOUT_MS ? (int)ctx->settings.timeout_ms
                                                                  : RECONNECT_TIMEOUT_MS;
    int rc = -1;
    if (cmd_dial(ctx, timeout, err) != 0)
        goto done;
    net_set_timeout(ctx->conn, (int)ctx->settings.timeout_ms);
    if (net_hello(ctx->conn, cmd_client_name(), err) != 0)
        goto done;
    Reno__Resume resume = RENO__RESUME__INIT;
    resume.token = token;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_RESUME;
    req.resume = &resume;
    Reno__ServerMessage *m = NULL;
    if (call(d, &req, RENO__RESPONSE__BODY_SESSION, &m, err) != 0)
        goto done;
    const char *fresh = m->response->session->token;
    if (fresh != NULL && fresh[0] != '\0' && strcmp(fresh, token) != 0)
        if (settings_token_write(&ctx->settings, fresh, serr) != 0)
            snprintf(d->model.notice, sizeof d->model.notice,
                     "cannot store the renewed session token: %s", serr);
    net_free(ctx->conn, m);
    rc = watch(d, err);
done:
    sodium_memzero(token, sizeof token);
    if (rc != 0) {
        net_close(ctx->conn);
        ctx->conn = NULL;
    }
    return rc;
}

/* Takes every message already received into the model; returns dash_model_effect flags. */
static int drain(struct dash *d)
{
    int effect = DASH_MODEL_NONE;
    while (d->model.conn == DASH_CONN_LIVE) {
        char err[NET_ERR_SIZE];
        Reno__ServerMessage *m = NULL;
        int got = net_next(d->ctx->conn, 0, &m, err);
        if (got > 0)
            break;
        if (got < 0) {
            connection_lost(d, err);
            return effect | DASH_MODEL_CHANGED;
        }
        int e = dash_model_apply(&d->model, m);
        net_free(d->ctx->conn, m);
        effect |= e;
        if (e & DASH_MODEL_CLOSING) {
            connection_lost(d, d->model.notice);
            break;
        }
    }
    return effect;
}

static int run_loop(struct dash *d)
{
    bool redraw = true;
    bool want_status = false;
    bool want_reports = true; /* the round's reporters, asked again after every change */
    for (;;) {
        int effect = drain(d);
        redraw |= (effect & DASH_MODEL_CHANGED) != 0;
        want_status |= (effect & DASH_MODEL_RESYNC) != 0;
        want_reports |= (effect & DASH_MODEL_CHANGED) != 0;
        char err[NET_ERR_SIZE];
        /* What panes 5 and 6 show beyond the status, asked for only while shown. A refusal
         * (a unit that may not read them) is a notice, not a lost connection. */
        bool live = d->model.conn == DASH_CONN_LIVE;
        int got = 0;
        if (live && d->view.pane == PANE_CHART && !d->model.history_loaded) {
            got = load_history(d, err);
            got = got == 0 ? 1 : got;
        } else if (live && d->view.pane == PANE_ROUND && want_reports) {
            want_reports = false;
            got = load_round_reports(d, err);
            got = got == 0 ? 1 : got;
        }
        if (got == -1)
            connection_lost(d, err);
        else if (got == -2)
            snprintf(d->model.notice, sizeof d->model.notice, "%s", err);
        if (got != 0) {
            redraw = true;
            continue;
        }
        if (want_status && d->model.conn == DASH_CONN_LIVE) {
            /* Watching again brings the whole page, which the deltas that follow apply
             * to (a page of GetStatus would not do: its position is not the watch's). */
            if (watch(d, err) != 0)
                connection_lost(d, err);
            want_status = false;
            redraw = true;
            continue; /* events may have come in behind the reply */
        }
        if (d->model.conn == DASH_CONN_LOST && now_ms() >= d->next_attempt_ms) {
            if (reconnect(d, err) != 0)
                connection_lost(d, err);
            want_status = false; /* Watch brought the status */
            redraw = true;
            continue;
        }
        if (redraw) {
            dash_view_draw(&d->model, &d->view);
            redraw = false;
        }

        struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}};
        nfds_t n = 1;
        if (d->model.conn == DASH_CONN_LIVE) {
            fds[1] = (struct pollfd){.fd = net_fd(d->ctx->conn), .events = POLLIN};
            n = 2;
        }
        int timeout = -1;
        if (d->model.conn == DASH_CONN_LOST) {
            int64_t wait = d->next_attempt_ms - now_ms();
            timeout = wait > 0 ? (int)wait : 0;
        }
        int ready = poll(fds, n, timeout);
        if (ready < 0 && errno != EINTR)
            return CMD_EXIT_LOCAL;
        if (ready >= 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
            return CMD_EXIT_OK; /* the terminal went away: nobody is watching */

        /* Keys; also after EINTR, when SIGWINCH has queued KEY_RESIZE inside ncurses. */
        wint_t key;
        int kind;
        while ((kind = get_wch(&key)) != ERR) {
            int result = d->view.typing ? handle_search_key(&d->view, key, kind == KEY_CODE_YES)
                                        : handle_key(&d->view, d->model.status, (int)key);
            if (result & HANDLER_QUIT)
                return CMD_EXIT_OK;
            redraw |= (result & HANDLER_REDRAW) != 0;
            want_reports |= (result & HANDLER_REDRAW) != 0;
            /* Another page, or a screen that holds another number of projects. */
            want_status |=
                (result & HANDLER_REWATCH) != 0 || (kind == KEY_CODE_YES && key == KEY_RESIZE &&
                                                    dash_view_page_rows() != d->view.page_rows);
            if (result & HANDLER_REFRESH) {
                want_status = true;
                want_reports = true;
                d->model.history_loaded = false;
                d->next_attempt_ms = now_ms(); /* when lost, r tries again at once */
            }
        }
    }
}

static int run_dashboard(const struct cmd *self, struct cmd_ctx *ctx, int argc, char **argv)
{
    int rc = cmd_parse(self, argc, argv, NULL, 0);
    if (rc != CMD_CONTINUE)
        return rc;
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
        output_error("the dashboard needs a terminal on stdin and stdout; "
                     "use 'reno status' or 'reno watch' in scripts");
        return CMD_EXIT_USAGE;
    }
    rc = cmd_resume(ctx, NULL, NULL);
    if (rc != CMD_EXIT_OK)
        return rc;

    struct dash d = {.ctx = ctx};
    dash_model_init(&d.model);
    char err[NET_ERR_SIZE];
    if (watch(&d, err) != 0) {
        output_error("%s", err);
        dash_model_done(&d.model);
        return CMD_EXIT_TRANSPORT;
    }
    SCREEN *screen = dash_term_start();
    if (screen == NULL) {
        output_error("cannot start the terminal (TERM=%s)",
                     getenv("TERM") != NULL ? getenv("TERM") : "");
        dash_model_done(&d.model);
        return CMD_EXIT_LOCAL;
    }
    rc = run_loop(&d);
    dash_term_restore();
    delscreen(screen);
    dash_model_done(&d.model);
    return rc;
}

const struct cmd cmd_dashboard = {
    .name = "dashboard",
    .usage = "",
    .summary = N_("a live full-screen view of the programme's status"),
    .help = N_("Shows the consolidated status on the terminal and keeps it current: the header\n"
               "(the date, the programme, the connection), bars of households started and\n"
               "completed against the plan's thresholds and pace, the projects with their\n"
               "traffic lights, the plan's rules with their verdicts, one lower pane, and the\n"
               "latest changes. When the connection is lost it says so and reconnects every few\n"
               "seconds with the stored session. Usable from 80x24. Needs a terminal; scripts\n"
               "use 'reno status' or 'reno watch'.\n"
               "\n"
               "Keys:\n"
               "  1 phases   2 funds   3 line work   4 supervision\n"
               "  5 the current collection round: who has and has not reported\n"
               "  6 a chart of started and completed on each collection date against the plan\n"
               "  /          search the projects by a part of a name or community (Enter keeps\n"
               "             it, Esc clears it)\n"
               "  ↑ ↓ j k    scroll the lower pane (PgUp, PgDn by ten rows)\n"
               "  r          ask for the status now\n"
               "  q          quit\n"),
    .run = run_dashboard,
};
