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
 * The view lays out every cell by terminal columns through layout.c, so Chinese names
 * (two columns a character) line up and are cut at a character boundary with "…". One
 * enum names every visual role; the colours are a table. The terminal is restored by
 * endwin() on every exit: the normal ones, and fatal signals through a handler that
 * restores it and re-raises.
 *
 * Above the tables, two bars show households started and completed against the plan's
 * thresholds and its pace today; pane 5 is the current collection round as who has and
 * who has not reported (the missing from the status, the reporters from `round reports`),
 * pane 6 a time chart of started and completed on each collection date against the plan's
 * pace. The status carries no history, so the chart asks GetStatus as of each collection
 * date once, when it is first shown and on a refresh; today's point follows the pushes.
 * '/' filters the projects (and the panes' project rows) by a part of a name or community,
 * for programmes of thousands of projects.
 *
 * At 80x24 the names keep their width and the numeric columns narrow, with short headers
 * (开工, 完工, 开工率 in Chinese); the date the status is as of is drawn first in the
 * header, so it is never cut; amounts are shown in 万元 when the screen is narrow.
 *
 * What it does not do: it changes nothing on the server; it shows the status as of today
 * only (reno status --as-of reads the past).
 */
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
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
#include "date.h"
#include "i18n.h"
#include "layout.h"
#include "msg.h"
#include "output.h"
#include "table.h"
#include "xmalloc.h"

/* How long a lost connection waits between attempts, and how long one attempt may take. */
#define RECONNECT_INTERVAL_MS 3000
#define RECONNECT_TIMEOUT_MS  2000
/* Rows of pushed change lines shown above the key help. */
#define CHANGE_ROWS 2

/* ---- Colours ---------------------------------------------------------------------------- */

/* Every visual role on the screen; draw code names roles, never colours. */
enum colour {
    COLOUR_NORMAL = 0,
    COLOUR_TITLE_BAR,    /* the header line */
    COLOUR_TABLE_HEADER, /* column headings */
    COLOUR_LIGHT_GREEN,  /* traffic lights */
    COLOUR_LIGHT_YELLOW,
    COLOUR_LIGHT_RED,
    COLOUR_VERDICT_MET, /* rule verdicts */
    COLOUR_VERDICT_PENDING,
    COLOUR_VERDICT_MISSED,
    COLOUR_CONN_LIVE, /* connection state in the header */
    COLOUR_CONN_LOST,
    COLOUR_PANE_TAB, /* the lower pane's tabs */
    COLOUR_PANE_TAB_ACTIVE,
    COLOUR_CHANGE, /* pushed change lines */
    COLOUR_HELP,   /* the key help line */
    COLOUR_BAR,    /* progress bars and the time chart */
    COLOUR_COUNT
};

static const struct {
    short fg, bg;
    attr_t attr; /* added to the colour pair */
    attr_t mono; /* used alone on a terminal without colours */
} colour_table[COLOUR_COUNT] = {
    [COLOUR_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [COLOUR_TITLE_BAR] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [COLOUR_TABLE_HEADER] = {COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [COLOUR_LIGHT_GREEN] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_NORMAL},
    [COLOUR_LIGHT_YELLOW] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_BOLD},
    [COLOUR_LIGHT_RED] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE},
    [COLOUR_VERDICT_MET] = {COLOR_GREEN, -1, A_BOLD, A_NORMAL},
    [COLOUR_VERDICT_PENDING] = {COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
    [COLOUR_VERDICT_MISSED] = {COLOR_RED, -1, A_BOLD, A_REVERSE},
    [COLOUR_CONN_LIVE] = {COLOR_GREEN, COLOR_BLUE, A_BOLD, A_REVERSE},
    [COLOUR_CONN_LOST] = {COLOR_WHITE, COLOR_RED, A_BOLD | A_BLINK, A_REVERSE | A_BLINK},
    [COLOUR_PANE_TAB] = {-1, -1, A_NORMAL, A_NORMAL},
    [COLOUR_PANE_TAB_ACTIVE] = {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE},
    [COLOUR_CHANGE] = {COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
    [COLOUR_HELP] = {COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE},
    [COLOUR_BAR] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
};

static bool have_colours;

static void colours_init(void)
{
    have_colours = has_colors() && start_color() == OK;
    if (!have_colours)
        return;
    use_default_colors();
    for (short i = 1; i < COLOUR_COUNT; i++)
        init_pair(i, colour_table[i].fg, colour_table[i].bg);
}

static attr_t colour_attr(enum colour c)
{
    if (!have_colours)
        return colour_table[c].mono;
    return c == COLOUR_NORMAL ? A_NORMAL : (attr_t)COLOR_PAIR(c) | colour_table[c].attr;
}

/* ---- The terminal, restored on every exit ----------------------------------------------- */

static volatile sig_atomic_t curses_active;
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
                                    SIGBUS, SIGFPE,  SIGILL, SIGABRT};
static struct sigaction saved_actions[sizeof fatal_signals / sizeof fatal_signals[0]];

/*
 * endwin() is not async-signal-safe, but a terminal left in raw mode after a crash is the
 * worse outcome; htop and tmux make the same trade. The handler is reset on entry
 * (SA_RESETHAND), so the raise() takes the default action: the exit status still tells
 * the shell which signal ended us.
 */
static void on_fatal_signal(int sig)
{
    if (curses_active) {
        curses_active = 0;
        endwin();
    }
    raise(sig);
}

static void terminal_restore(void)
{
    if (!curses_active)
        return;
    curses_active = 0;
    endwin();
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &saved_actions[i], NULL);
}

static SCREEN *terminal_start(void)
{
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen == NULL)
        return NULL;
    curses_active = 1;
    /* After newterm, which installs ncurses' own SIGINT/SIGTERM handlers: ours win. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = (int)(SA_RESETHAND | SA_NODEFER);
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &saved_actions[i]);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    /* Esc clears the search: told apart from a function key within 50 ms, not a second. */
    set_escdelay(50);
    colours_init();
    return screen;
}

/* ---- Tables on the screen --------------------------------------------------------------- */

struct grid_column {
    const char *header; /* N_(): translated when drawn */
    size_t minimum;     /* the narrowest the column may become */
    enum layout_align align;
    bool keep; /* a name: keeps its natural width (up to NAME_KEEP) while others narrow */
};

/* Whether the screen is narrow: short headers, one blank between columns, amounts in 万元. */
static bool narrow(void)
{
    return COLS < 110;
}

/* The widest a name column keeps when the screen is too narrow for every column. */
#define NAME_KEEP 30

/* Rows of cells for one table; one column (`coloured`) may carry a colour per row. */
struct grid {
    const struct grid_column *columns;
    size_t n_columns;
    size_t coloured; /* the column drawn in each row's colour; n_columns for none */
    char **cells;    /* n_rows * n_columns, owned */
    enum colour *row_colours;
    size_t n_rows, capacity;
};

static void grid_init(struct grid *g, const struct grid_column *columns, size_t n_columns,
                      size_t coloured)
{
    memset(g, 0, sizeof *g);
    g->columns = columns;
    g->n_columns = n_columns;
    g->coloured = coloured;
}

static void grid_done(struct grid *g)
{
    for (size_t i = 0; i < g->n_rows * g->n_columns; i++)
        free(g->cells[i]);
    free(g->cells);
    free(g->row_colours);
}

static void grid_add(struct grid *g, const char *const *cells, enum colour colour)
{
    if (g->n_rows == g->capacity) {
        g->capacity = g->capacity > 0 ? g->capacity * 2 : 16;
        g->cells = xrealloc(g->cells, g->capacity * g->n_columns * sizeof g->cells[0]);
        g->row_colours = xrealloc(g->row_colours, g->capacity * sizeof g->row_colours[0]);
    }
    for (size_t c = 0; c < g->n_columns; c++)
        g->cells[g->n_rows * g->n_columns + c] = xstrdup(cells[c] != NULL ? cells[c] : "");
    g->row_colours[g->n_rows++] = colour;
}

/* Writes utf8 at (y, x) in exactly `columns` columns, clipped at the right edge. */
static void put_cell(int y, int x, const char *utf8, size_t columns, enum layout_align align,
                     enum colour colour)
{
    if (x >= COLS || y >= LINES)
        return;
    size_t room = (size_t)(COLS - x);
    char *cell = layout_cell(utf8, columns < room ? columns : room, align);
    attrset(colour_attr(colour));
    mvaddstr(y, x, cell);
    attrset(A_NORMAL);
    free(cell);
}

/*
 * Draws the header and the rows from `first` in the rows y .. y + height - 1; returns the
 * rows of data that fit. The columns are shared out over the screen's width by
 * layout_widths(), separated by two blanks.
 */
static size_t grid_draw(const struct grid *g, int y, int height, size_t first)
{
    if (height < 1 || g->n_columns == 0)
        return 0;
    size_t natural[16] = {0}, minimum[16] = {0}, widths[16] = {0};
    size_t n = g->n_columns < 16 ? g->n_columns : 16;
    for (size_t c = 0; c < n; c++) {
        natural[c] = text_width(_(g->columns[c].header));
        for (size_t r = 0; r < g->n_rows; r++) {
            size_t w = text_width(g->cells[r * g->n_columns + c]);
            natural[c] = w > natural[c] ? w : natural[c];
        }
        minimum[c] = g->columns[c].minimum;
        if (g->columns[c].keep)
            minimum[c] = natural[c] < NAME_KEEP ? natural[c] : NAME_KEEP;
    }
    /* One blank between columns on a narrow screen, where every column counts. */
    int gap = narrow() ? 1 : 2;
    (void)layout_widths(natural, minimum, n, (size_t)gap, (size_t)COLS - 1, widths);

    int x = 1;
    for (size_t c = 0; c < n; c++) {
        put_cell(y, x, _(g->columns[c].header), widths[c], g->columns[c].align,
                 COLOUR_TABLE_HEADER);
        x += (int)widths[c] + gap;
    }
    size_t shown = 0;
    for (size_t r = first; r < g->n_rows && (int)shown < height - 1; r++, shown++) {
        x = 1;
        for (size_t c = 0; c < n; c++) {
            enum colour colour = c == g->coloured ? g->row_colours[r] : COLOUR_NORMAL;
            put_cell(y + 1 + (int)shown, x, g->cells[r * g->n_columns + c], widths[c],
                     g->columns[c].align, colour);
            x += (int)widths[c] + gap;
        }
    }
    return shown;
}

/* ---- The view: drawing the model -------------------------------------------------------- */

enum pane {
    PANE_PHASES = 0,
    PANE_FUNDS,
    PANE_LINES,
    PANE_SUPERVISION,
    PANE_ROUND,
    PANE_CHART,
    PANE_COUNT
};

static const char *const pane_tabs[PANE_COUNT] = {N_("1 phases"),    N_("2 funds"),
                                                  N_("3 line work"), N_("4 supervision"),
                                                  N_("5 round"),     N_("6 chart")};
static const char *const pane_titles[PANE_COUNT] = {
    N_("phases and milestones"),
    N_("funds per project and source"),
    N_("line work per utility"),
    N_("supervision items per unit"),
    N_("the current collection round: who has reported"),
    N_("households started and completed on each collection date, against the plan"),
};

/* The longest search text, in bytes. */
#define SEARCH_MAX 64

/* What the view remembers between draws: the pane shown, how far it is scrolled, and the
 * search that filters the projects. */
struct view {
    enum pane pane;
    size_t scroll;
    size_t pane_rows;            /* rows of the pane's table at the last draw */
    char search[SEARCH_MAX + 1]; /* "" shows every project */
    bool typing;                 /* '/' was pressed: keys go into search */
};

/* Whether a project (name, community) passes the search. */
static bool matches(const struct view *v, const char *name, const char *community)
{
    if (v->search[0] == '\0')
        return true;
    return (name != NULL && strstr(name, v->search) != NULL) ||
           (community != NULL && strstr(community, v->search) != NULL);
}

static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

static const char *light_word(Reno__Light light, enum colour *colour)
{
    switch (light) {
    case RENO__LIGHT__LIGHT_RED:
        *colour = COLOUR_LIGHT_RED;
        return _("red");
    case RENO__LIGHT__LIGHT_YELLOW:
        *colour = COLOUR_LIGHT_YELLOW;
        return _("yellow");
    case RENO__LIGHT__LIGHT_GREEN:
        *colour = COLOUR_LIGHT_GREEN;
        return _("green");
    default:
        *colour = COLOUR_NORMAL;
        return "-";
    }
}

static Reno__Light project_light(const Reno__StatusReply *s, int64_t project_id)
{
    for (size_t i = 0; i < s->n_lights; i++)
        if (s->lights[i]->project_id == project_id)
            return s->lights[i]->light;
    return RENO__LIGHT__LIGHT_UNSPECIFIED;
}

static void draw_header(const struct dash_model *m)
{
    const Reno__StatusReply *s = m->status;
    attrset(colour_attr(COLOUR_TITLE_BAR));
    mvhline(0, 0, ' ', COLS);
    /* The date first: a long title is cut, the date the figures are as of never is. */
    char *left = xasprintf(" %s %s%s  %s", _("as of"), s ? or_dash(s->as_of) : "-",
                           s != NULL && s->stale ? _(" (stale)") : "",
                           s ? or_dash(s->programme_title) : "reno");
    char right[DASH_MODEL_TEXT + 64];
    enum colour conn_colour = COLOUR_CONN_LIVE;
    switch (m->conn) {
    case DASH_CONN_LIVE:
        snprintf(right, sizeof right, "● %s %s ", _("live"), m->conn_detail);
        break;
    case DASH_CONN_LOST:
        snprintf(right, sizeof right, _("✕ connection lost: %s; reconnecting "), m->conn_detail);
        conn_colour = COLOUR_CONN_LOST;
        break;
    default:
        snprintf(right, sizeof right, _("connecting to %s… "), m->conn_detail);
    }
    size_t right_width = text_width(right);
    /* The title keeps its room when it can; the state gets the rest, at least a third. */
    size_t left_width = text_width(left);
    size_t right_room = left_width + 1 < (size_t)COLS ? (size_t)COLS - left_width - 1 : 0;
    if (right_room < (size_t)COLS / 3)
        right_room = (size_t)COLS / 3;
    if (right_width > right_room)
        right_width = right_room;
    size_t left_room = (size_t)COLS - right_width;
    put_cell(0, 0, left, left_room, LAYOUT_LEFT, COLOUR_TITLE_BAR);
    put_cell(0, (int)left_room, right, right_width, LAYOUT_RIGHT, conn_colour);
    free(left);
}

/* "2022-03-31" as "03-31" (the year is the programme's). */
static const char *month_day(const char *date)
{
    return date != NULL && strlen(date) == 10 ? date + 5 : or_dash(date);
}

/*
 * One bar: label, the bar with its marks, and the figures with the plan's thresholds.
 * The bar takes what the label and the figures leave, at least 10 columns.
 */
static void draw_bar(int y, const char *label, double pct, double pace, const double *thresholds,
                     size_t n_thresholds, const char *tail, size_t tail_room)
{
    char *head = xasprintf(" %s ", label);
    size_t head_width = text_width(head);
    size_t bar_width =
        (size_t)COLS > head_width + tail_room + 10 ? (size_t)COLS - head_width - tail_room - 1 : 10;
    double marks[4];
    size_t n_marks = 0;
    for (size_t i = 0; i < n_thresholds && n_marks < 3; i++)
        marks[n_marks++] = thresholds[i];
    marks[n_marks++] = pace;
    char bar[4 * 256 + 1];
    if (bar_width > 256)
        bar_width = 256;
    dash_bar(pct, marks, n_marks, bar_width, bar, sizeof bar);
    put_cell(y, 0, head, head_width, LAYOUT_LEFT, COLOUR_TABLE_HEADER);
    put_cell(y, (int)head_width, bar, bar_width, LAYOUT_LEFT, COLOUR_BAR);
    put_cell(y, (int)(head_width + bar_width), tail, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    free(head);
}

/* Households started and completed against the plan: its thresholds marked, and its pace
 * on the status's date. Two rows. */
static void draw_bars(const Reno__StatusReply *s, int y)
{
    struct dash_plan plan;
    dash_plan_from_status(s->plan, &plan);
    int32_t as_of = 0;
    if (s->as_of == NULL || !date_parse(s->as_of, &as_of))
        plan.valid = false;
    const Reno__StatusPlan *p = s->plan;
    double share = p ? p->start_share_pct : 25;
    double pace_started = dash_plan_pace(&plan, as_of, false);
    double pace_completed = dash_plan_pace(&plan, as_of, true);
    /* The figures, then the plan's pace on the date and its thresholds: "25% 03-31". */
    char *tail1 = xasprintf(_(" %5.1f%% %d/%d  plan %.0f%%  %d%% %s, 100%% %s"), s->started_pct,
                            s->households_started, s->target_households, pace_started,
                            p ? p->start_share_pct : 0, p ? month_day(p->start_share_due) : "-",
                            p ? month_day(p->all_started_due) : "-");
    char *tail2 = xasprintf(_(" %5.1f%% %d/%d  plan %.0f%%  100%% %s"), s->completed_pct,
                            s->households_completed, s->target_households, pace_completed,
                            p ? month_day(p->completion_due) : "-");
    size_t t1 = text_width(tail1), t2 = text_width(tail2), tail_room = t1 > t2 ? t1 : t2;
    /* Shorter labels line the bars up: the longer of the two pads the other. */
    const char *started = _("started"), *completed = _("completed");
    size_t w1 = text_width(started), w2 = text_width(completed), w = w1 > w2 ? w1 : w2;
    char *l1 = xasprintf("%s%*s", started, (int)(w - w1), "");
    char *l2 = xasprintf("%s%*s", completed, (int)(w - w2), "");
    draw_bar(y, l1, s->started_pct, pace_started, &share, 1, tail1, tail_room);
    draw_bar(y + 1, l2, s->completed_pct, pace_completed, NULL, 0, tail2, tail_room);
    free(tail1);
    free(tail2);
    free(l1);
    free(l2);
}

/* The projects with their lights, those the search passes; returns the rows used. */
static int draw_projects(const Reno__StatusReply *s, const struct view *v, int y, int height)
{
    static const struct grid_column wide[] = {
        {N_("LIGHT"), 6, LAYOUT_LEFT, false},        {N_("PROJECT"), 10, LAYOUT_LEFT, true},
        {N_("COMMUNITY"), 8, LAYOUT_LEFT, true},     {N_("HOUSEHOLDS"), 5, LAYOUT_RIGHT, false},
        {N_("STARTED"), 5, LAYOUT_RIGHT, false},     {N_("STARTED %"), 6, LAYOUT_RIGHT, false},
        {N_("COMPLETED"), 5, LAYOUT_RIGHT, false},   {N_("COMPLETED %"), 6, LAYOUT_RIGHT, false},
        {N_("LAST REPORT"), 10, LAYOUT_LEFT, false},
    };
    /* At 80 columns: the same columns under short headers (开工, 完工, 开工率). */
    static const struct grid_column short_headers[] = {
        {N_("L"), 1, LAYOUT_LEFT, false},        {N_("PROJECT"), 10, LAYOUT_LEFT, true},
        {N_("COMMUNITY"), 8, LAYOUT_LEFT, true}, {N_("HH"), 3, LAYOUT_RIGHT, false},
        {N_("START"), 3, LAYOUT_RIGHT, false},   {N_("START%"), 5, LAYOUT_RIGHT, false},
        {N_("COMPL"), 3, LAYOUT_RIGHT, false},   {N_("COMPL%"), 5, LAYOUT_RIGHT, false},
        {N_("LAST"), 5, LAYOUT_LEFT, false},
    };
    struct grid g;
    grid_init(&g, narrow() ? short_headers : wide, sizeof wide / sizeof wide[0], 0);
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        if (!matches(v, p->name, p->community))
            continue;
        char households[16], started[16], started_pct[24], completed[16], completed_pct[24];
        snprintf(households, sizeof households, "%d", p->households);
        snprintf(started, sizeof started, "%d", p->households_started);
        snprintf(started_pct, sizeof started_pct, "%.1f%%", p->started_pct);
        snprintf(completed, sizeof completed, "%d", p->households_completed);
        snprintf(completed_pct, sizeof completed_pct, "%.1f%%", p->completed_pct);
        enum colour colour;
        const char *light = light_word(project_light(s, p->project_id), &colour);
        /* Narrow: the light as one coloured dot (on a terminal without colours, the
         * roles' attributes tell red, yellow and green apart). */
        if (narrow() && colour != COLOUR_NORMAL)
            light = "●";
        /* Narrow: the report's month and day; the year is the programme's. */
        const char *reported =
            narrow() ? month_day(p->last_report_date) : or_dash(p->last_report_date);
        const char *cells[] = {light,      or_dash(p->name), or_dash(p->community),
                               households, started,          started_pct,
                               completed,  completed_pct,    reported};
        grid_add(&g, cells, colour);
    }
    size_t shown = grid_draw(&g, y, height, 0);
    if (shown < g.n_rows) {
        char *more = xasprintf(_(" … %zu more projects: / searches, reno status lists them all"),
                               g.n_rows - shown);
        put_cell(y + height - 1, 0, more, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
        free(more);
    }
    grid_done(&g);
    return 1 + (int)shown;
}

static int draw_rules(const Reno__StatusReply *s, int y, int height)
{
    static const struct grid_column columns[] = {
        {N_("RULE"), 12, LAYOUT_LEFT, false},
        {N_("DUE"), 10, LAYOUT_LEFT, false},
        {N_("VERDICT"), 7, LAYOUT_LEFT, false},
        {N_("DETAIL"), 10, LAYOUT_LEFT, false},
    };
    struct grid g;
    grid_init(&g, columns, 4, 2);
    for (size_t i = 0; i < s->n_rules; i++) {
        const Reno__RuleCheck *r = s->rules[i];
        enum colour colour = r->verdict == RENO__VERDICT__VERDICT_MET      ? COLOUR_VERDICT_MET
                             : r->verdict == RENO__VERDICT__VERDICT_MISSED ? COLOUR_VERDICT_MISSED
                                                                           : COLOUR_VERDICT_PENDING;
        const char *title = r->title != NULL && r->title[0] != '\0' ? r->title : r->code;
        const char *cells[] = {or_dash(title), or_dash(r->due), output_verdict_name(r->verdict),
                               or_dash(r->detail)};
        grid_add(&g, cells, colour);
    }
    size_t shown = grid_draw(&g, y, height, 0);
    grid_done(&g);
    return 1 + (int)shown;
}

/* The lower pane's rows, built from the model for the pane chosen. */
static void pane_grid(const struct dash_model *m, const struct view *v, struct grid *g)
{
    const Reno__StatusReply *s = m->status;
    static const struct grid_column phases[] = {
        {N_("PROJECT"), 10, LAYOUT_LEFT, true},         {N_("PHASE"), 8, LAYOUT_LEFT, false},
        {N_("DONE"), 5, LAYOUT_RIGHT, false},           {N_("DUE SOON"), 4, LAYOUT_RIGHT, false},
        {N_("OVERDUE"), 4, LAYOUT_RIGHT, false},        {N_("NEXT DUE"), 10, LAYOUT_LEFT, false},
        {N_("NEXT MILESTONE"), 10, LAYOUT_LEFT, false},
    };
    static const struct grid_column funds[] = {
        {N_("PROJECT"), 10, LAYOUT_LEFT, true},     {N_("SOURCE"), 6, LAYOUT_LEFT, false},
        {N_("ALLOCATED"), 8, LAYOUT_RIGHT, false},  {N_("RECEIVED"), 8, LAYOUT_RIGHT, false},
        {N_("PAID"), 8, LAYOUT_RIGHT, false},       {N_("AVAILABLE"), 8, LAYOUT_RIGHT, false},
        {N_("RECEIVED %"), 6, LAYOUT_RIGHT, false},
    };
    /* Narrow: the amounts in 万元 (ten thousand yuan), as the county's tables give them. */
    static const struct grid_column funds_10k[] = {
        {N_("PROJECT"), 10, LAYOUT_LEFT, true},
        {N_("SOURCE"), 6, LAYOUT_LEFT, false},
        {N_("ALLOCATED 10k"), 6, LAYOUT_RIGHT, false},
        {N_("RECEIVED 10k"), 6, LAYOUT_RIGHT, false},
        {N_("PAID 10k"), 6, LAYOUT_RIGHT, false},
        {N_("AVAILABLE 10k"), 6, LAYOUT_RIGHT, false},
        {N_("RECEIVED %"), 5, LAYOUT_RIGHT, false},
    };
    static const struct grid_column lines[] = {
        {N_("PROJECT"), 10, LAYOUT_LEFT, true},      {N_("UTILITY"), 8, LAYOUT_LEFT, true},
        {N_("SEGMENT"), 8, LAYOUT_LEFT, false},      {N_("DONE"), 5, LAYOUT_RIGHT, false},
        {N_("IN PROGRESS"), 4, LAYOUT_RIGHT, false}, {N_("WAITING ON"), 10, LAYOUT_LEFT, false},
        {N_("HANDED OVER"), 10, LAYOUT_LEFT, false},
    };
    static const struct grid_column supervision[] = {
        {N_("UNIT"), 10, LAYOUT_LEFT, true},           {N_("ITEMS"), 4, LAYOUT_RIGHT, false},
        {N_("OPEN"), 4, LAYOUT_RIGHT, false},          {N_("OVERDUE"), 4, LAYOUT_RIGHT, false},
        {N_("RETURNED"), 4, LAYOUT_RIGHT, false},      {N_("CLOSED"), 4, LAYOUT_RIGHT, false},
        {N_("NEXT DEADLINE"), 10, LAYOUT_LEFT, false},
    };
    static const struct grid_column round[] = {
        {N_("REPORTED"), 8, LAYOUT_LEFT, false},
        {N_("UNIT"), 10, LAYOUT_LEFT, true},
        {N_("PROJECT"), 10, LAYOUT_LEFT, true},
        {N_("DUTY OR FIGURES"), 10, LAYOUT_LEFT, false},
    };
    char a[64], b[64], c[64], d[64], e[64];
    switch (v->pane) {
    case PANE_PHASES:
        grid_init(g, phases, 7, 7);
        for (size_t i = 0; i < s->n_phases; i++) {
            const Reno__StatusPhase *p = s->phases[i];
            if (p->project_id != 0 && !matches(v, p->name, NULL))
                continue;
            snprintf(a, sizeof a, "%d %s", p->phase, or_dash(p->phase_name));
            snprintf(b, sizeof b, "%d/%d", p->milestones_done, p->milestones);
            snprintf(c, sizeof c, "%d", p->milestones_due_soon);
            snprintf(d, sizeof d, "%d", p->milestones_overdue);
            const char *cells[] = {p->project_id == 0 ? _("total") : or_dash(p->name),
                                   a,
                                   b,
                                   c,
                                   d,
                                   or_dash(p->next_due),
                                   or_dash(p->next_milestone)};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    case PANE_FUNDS: {
        /* Amounts are never cut: at 80 columns they are shown in 万元 to two places. */
        double unit = narrow() ? 10000.0 : 1.0;
        grid_init(g, narrow() ? funds_10k : funds, 7, 7);
        for (size_t i = 0; i < s->n_funds; i++) {
            const Reno__StatusFunds *f = s->funds[i];
            if (f->project_id != 0 && !matches(v, f->name, NULL))
                continue;
            snprintf(a, sizeof a, "%.2f", f->allocated / unit);
            snprintf(b, sizeof b, "%.2f", f->received / unit);
            snprintf(c, sizeof c, "%.2f", f->paid / unit);
            snprintf(d, sizeof d, "%.2f", f->available / unit);
            snprintf(e, sizeof e, "%.1f%%", f->received_pct);
            const char *cells[] = {f->project_id == 0 ? _("total") : or_dash(f->name),
                                   or_dash(f->source_name),
                                   a,
                                   b,
                                   c,
                                   d,
                                   e};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    }
    case PANE_LINES:
        grid_init(g, lines, 7, 7);
        for (size_t i = 0; i < s->n_lines; i++) {
            const Reno__StatusLines *l = s->lines[i];
            if (l->project_id != 0 && !matches(v, l->name, NULL))
                continue;
            const ProtobufCEnumValue *segment = protobuf_c_enum_descriptor_get_value(
                &reno__line_segment__descriptor, (int)l->segment);
            snprintf(a, sizeof a, "%d/%d", l->parts_done, l->parts);
            snprintf(b, sizeof b, "%d", l->parts_in_progress);
            const char *cells[] = {l->project_id == 0 ? _("total") : or_dash(l->name),
                                   or_dash(l->utility_name),
                                   segment != NULL ? segment->name : "-",
                                   a,
                                   b,
                                   or_dash(l->waiting_on),
                                   or_dash(l->handed_over_on)};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    case PANE_SUPERVISION:
        grid_init(g, supervision, 7, 7);
        for (size_t i = 0; i < s->n_supervision; i++) {
            const Reno__StatusSupervision *u = s->supervision[i];
            snprintf(a, sizeof a, "%d", u->items);
            snprintf(b, sizeof b, "%d", u->items_open);
            snprintf(c, sizeof c, "%d", u->items_overdue);
            snprintf(d, sizeof d, "%d", u->items_returned);
            snprintf(e, sizeof e, "%d", u->items_closed);
            const char *cells[] = {u->unit_code[0] == '\0' ? _("total") : or_dash(u->unit_name),
                                   a,
                                   b,
                                   c,
                                   d,
                                   e,
                                   or_dash(u->next_deadline)};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    default:
        /* Who has not reported first (red), then who has, with the figures reported. */
        grid_init(g, round, 4, 0);
        for (size_t i = 0; i < s->n_missing_reporters; i++) {
            const Reno__MissingReporter *r = s->missing_reporters[i];
            if (!matches(v, r->project_name, NULL))
                continue;
            const char *cells[] = {_("missing"), or_dash(r->unit_name), or_dash(r->project_name),
                                   or_dash(r->duty)};
            grid_add(g, cells, COLOUR_VERDICT_MISSED);
        }
        const Reno__RoundReportList *reports = m->round_reports;
        bool current = reports != NULL && s->round != NULL && s->round->round_date != NULL &&
                       strcmp(m->round_reports_for, s->round->round_date) == 0;
        for (size_t i = 0; current && i < reports->n_items; i++) {
            const Reno__RoundReport *r = reports->items[i];
            if (r->superseded || !matches(v, r->project_name, NULL))
                continue;
            /* The day it was submitted: "2022-05-13T09:00:00Z" as "05-13". */
            snprintf(a, sizeof a, "%.5s",
                     r->submitted_at != NULL && strlen(r->submitted_at) >= 10 ? r->submitted_at + 5
                                                                              : "-");
            snprintf(b, sizeof b, _("started %d, completed %d"), r->households_started,
                     r->households_completed);
            const char *cells[] = {a, or_dash(r->unit_name), or_dash(r->project_name), b};
            grid_add(g, cells, COLOUR_VERDICT_MET);
        }
        break;
    }
}

/*
 * The time chart: the programme's share started and completed on each collection date,
 * then today, against the plan's pace; a scale on the left, months below. `height` rows
 * from y.
 */
static void draw_chart(const struct dash_model *m, int y, int height)
{
    const Reno__StatusReply *s = m->status;
    struct dash_plan plan;
    dash_plan_from_status(s->plan, &plan);
    struct dash_point points[DASH_MODEL_HISTORY + 1];
    size_t n = 0;
    int32_t today = 0;
    bool have_today = s->as_of != NULL && date_parse(s->as_of, &today);
    for (size_t i = 0; i < m->n_history; i++)
        if (!have_today || m->history[i].day < today)
            points[n++] = m->history[i];
    if (have_today)
        points[n++] = (struct dash_point){today, s->started_pct, s->completed_pct};
    if (!m->history_loaded) {
        put_cell(y, 1, _("asking for the status on each collection date…"), (size_t)COLS,
                 LAYOUT_LEFT, COLOUR_NORMAL);
        return;
    }
    int rows = height - 1; /* the months below */
    if (rows < 2)
        return;
    if (rows > 16)
        rows = 16;
    size_t scale = 6; /* "100% " and a gap */
    size_t width = (size_t)COLS > scale + 2 ? (size_t)COLS - scale - 2 : 1;
    /* Two columns a point when there is room: easier to read than one. */
    size_t per = n * 2 <= width ? 2 : 1;
    struct dash_point wide[2 * (DASH_MODEL_HISTORY + 1)];
    size_t n_wide = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < per; k++)
            wide[n_wide++] = points[i];
    char *out[16];
    for (int r = 0; r < rows; r++)
        out[r] = xmalloc(4 * width + 1);
    dash_chart(wide, n_wide, &plan, width, (size_t)rows, out, 4 * width + 1);
    for (int r = 0; r < rows; r++) {
        char label[16];
        /* The scale at the top (its ceiling), the middle and the bottom row (its floor). */
        if (r == 0)
            snprintf(label, sizeof label, "100%%");
        else if (r == rows - 1)
            snprintf(label, sizeof label, "  0%%");
        else if (r == rows / 2)
            snprintf(label, sizeof label, "%3d%%", 100 * (rows - r) / rows);
        else
            snprintf(label, sizeof label, "    ");
        put_cell(y + r, 0, label, scale, LAYOUT_LEFT, COLOUR_NORMAL);
        put_cell(y + r, (int)scale, out[r], width, LAYOUT_LEFT, COLOUR_BAR);
        free(out[r]);
    }
    /* Months under the first point of each month, where they fit. */
    size_t first = n_wide > width ? n_wide - width : 0;
    size_t next_free = 0;
    for (size_t c = 0; first + c < n_wide && c < width; c++) {
        char date[DATE_TEXT_SIZE], before[DATE_TEXT_SIZE] = "";
        date_format(wide[first + c].day, date);
        if (c > 0)
            date_format(wide[first + c - 1].day, before);
        int month = atoi(date + 5);
        if ((c > 0 && atoi(before + 5) == month) || c < next_free)
            continue;
        char label[16];
        snprintf(label, sizeof label, _("%dmon"), month);
        put_cell(y + rows, (int)(scale + c), label, text_width(label), LAYOUT_LEFT, COLOUR_NORMAL);
        next_free = c + text_width(label) + 1;
    }
}

static void draw_pane(const struct dash_model *m, struct view *v, int y, int height)
{
    const Reno__StatusReply *s = m->status;
    /* The tabs, the active one marked. */
    int x = 1;
    for (int p = 0; p < PANE_COUNT; p++) {
        size_t w = text_width(_(pane_tabs[p])) + 2;
        char *tab = xasprintf(" %s ", _(pane_tabs[p]));
        put_cell(y, x, tab, w, LAYOUT_LEFT,
                 p == (int)v->pane ? COLOUR_PANE_TAB_ACTIVE : COLOUR_PANE_TAB);
        free(tab);
        x += (int)w + 1;
    }
    if (v->pane == PANE_CHART) {
        char *title = xasprintf(_(" %s: ▒ started █ completed · plan started - plan completed"),
                                _(pane_titles[v->pane]));
        put_cell(y + 1, 0, title, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
        free(title);
        v->pane_rows = 0;
        draw_chart(m, y + 2, height - 2);
        return;
    }
    struct grid g;
    pane_grid(m, v, &g);
    /* The title: what the pane shows, and where the scrolling stands. */
    int visible = height - 3; /* tabs, title, column headings */
    if (visible < 0)
        visible = 0;
    size_t max_scroll = g.n_rows > (size_t)visible ? g.n_rows - (size_t)visible : 0;
    if (v->scroll > max_scroll)
        v->scroll = max_scroll;
    v->pane_rows = g.n_rows;
    char *title;
    if (v->pane == PANE_ROUND && s->round != NULL)
        title = xasprintf(_(" round %s: %d of %d reports received, %d units missing"),
                          or_dash(s->round->round_date), s->round->reports_received,
                          s->round->reports_expected, s->round->units_missing);
    else if (v->pane == PANE_ROUND)
        title = xasprintf(" %s", _("no collection round yet"));
    else if (g.n_rows > (size_t)visible)
        title = xasprintf(_(" %s: rows %zu-%zu of %zu"), _(pane_titles[v->pane]), v->scroll + 1,
                          v->scroll + (size_t)visible, g.n_rows);
    else
        title = xasprintf(_(" %s: %zu rows"), _(pane_titles[v->pane]), g.n_rows);
    put_cell(y + 1, 0, title, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    free(title);
    if (g.n_rows == 0)
        put_cell(y + 3, 1, _("(none)"), (size_t)COLS - 1, LAYOUT_LEFT, COLOUR_NORMAL);
    (void)grid_draw(&g, y + 2, height - 2, v->scroll);
    grid_done(&g);
}

/* Rows of pushed change lines: one on a small screen, where every row counts. */
static int change_rows(void)
{
    return LINES < 30 ? 1 : CHANGE_ROWS;
}

static void draw_footer(const struct dash_model *m, const struct view *v)
{
    int rows = change_rows();
    int y = LINES - 1 - rows;
    for (int i = 0; i < rows; i++) {
        /* The newest change last, right above the help line. */
        size_t k =
            m->n_changes >= (size_t)(rows - i) ? m->n_changes - (size_t)(rows - i) : SIZE_MAX;
        if (k != SIZE_MAX) {
            /* The whole line when it fits, else the one whose subject is cut: the figures
             * at its end matter more than the whole of a long name. */
            char *line = xasprintf(" %s %s", _("changed:"), m->changes[k]);
            if (text_width(line) > (size_t)COLS) {
                free(line);
                line = xasprintf(" %s %s", _("changed:"), m->briefs[k]);
            }
            put_cell(y + i, 0, line, (size_t)COLS, LAYOUT_LEFT, COLOUR_CHANGE);
            free(line);
        } else if (i == rows - 1 && m->n_changes == 0) {
            put_cell(y + i, 0, _(" no changes pushed yet"), (size_t)COLS, LAYOUT_LEFT,
                     COLOUR_NORMAL);
        }
    }
    char *help;
    if (v->typing)
        help = xasprintf(_(" search: %s▏  Enter keeps it, Esc clears it"), v->search);
    else if (v->search[0] != '\0')
        help = xasprintf(_(" q quit  / search \"%s\" (Esc clears)  1-6 panes  j k scroll%s%s"),
                         v->search, m->notice[0] ? "   " : "", m->notice);
    else
        help = xasprintf(_(" q quit  r refresh  / search  1-6 panes  ↑↓ j k scroll%s%s"),
                         m->notice[0] ? "   " : "", m->notice);
    put_cell(LINES - 1, 0, help, (size_t)COLS, LAYOUT_LEFT, COLOUR_HELP);
    free(help);
}

static void draw(const struct dash_model *m, struct view *v)
{
    erase();
    draw_header(m);
    const Reno__StatusReply *s = m->status;
    if (s != NULL && LINES >= 8) {
        /* Top to bottom: projects, rules, the lower pane, the footer; each takes what
         * it needs, up to a share of the screen, and the pane takes the rest. */
        int bottom = LINES - 1 - change_rows();
        draw_bars(s, 1);
        int y = 3;
        int room = bottom - y;
        int projects = 1 + (int)s->n_projects;
        if (projects > room / 3 + 1)
            projects = room / 3 + 1;
        y += draw_projects(s, v, y, projects) + 1;
        /* The chart wants the height; the bars above say what the rules would. */
        if (s->n_rules > 0 && bottom - y > 6 && !(v->pane == PANE_CHART && LINES < 40)) {
            int rules = 1 + (int)s->n_rules;
            if (rules > (bottom - y) / 3)
                rules = (bottom - y) / 3;
            y += draw_rules(s, y, rules) + 1;
        }
        if (bottom - y >= 3)
            draw_pane(m, v, y, bottom - y);
    } else if (s == NULL) {
        put_cell(2, 1, _("waiting for the status…"), (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    }
    draw_footer(m, v);
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- Keys ------------------------------------------------------------------------------- */

/* What a key handler tells the loop; flags (htop's HandlerResult). */
enum handler_result {
    HANDLER_IGNORED = 0,
    HANDLER_HANDLED = 1 << 0,
    HANDLER_REDRAW = 1 << 1,
    HANDLER_REFRESH = 1 << 2, /* ask the server for the status now */
    HANDLER_QUIT = 1 << 3,
};

static int handle_key(struct view *v, int key)
{
    switch (key) {
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
        v->scroll = 0;
        return HANDLER_HANDLED | HANDLER_REDRAW;
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
 * goes into the search, which filters as it grows; Enter keeps it, Esc clears it,
 * Backspace takes off the last character. `function_key` is get_wch's KEY_CODE_YES.
 */
static int handle_search_key(struct view *v, wint_t key, bool function_key)
{
    size_t len = strlen(v->search);
    if ((!function_key && (key == '\n' || key == '\r')) || (function_key && key == KEY_ENTER)) {
        v->typing = false;
    } else if (!function_key && key == 27) {
        v->typing = false;
        v->search[0] = '\0';
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
    struct view view;
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

/* Subscribes; the Watch reply carries the status to start from. */
static int watch(struct dash *d, char err[NET_ERR_SIZE])
{
    Reno__Watch w = RENO__WATCH__INIT;
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

static int get_status(struct dash *d, char err[NET_ERR_SIZE])
{
    Reno__GetStatus get = RENO__GET_STATUS__INIT;
    get.as_of = (char *)"";
    /* The largest page: the dashboard scrolls through what it holds, as with the whole
     * status a Watch starts with. */
    get.page_size = 1000;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &get;
    Reno__ServerMessage *m = NULL;
    if (call(d, &req, RENO__RESPONSE__BODY_STATUS_REPLY, &m, err) != 0)
        return -1;
    dash_model_set_status(&d->model, m->response->status_reply);
    net_free(d->ctx->conn, m);
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
            if (get_status(d, err) != 0)
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
            draw(&d->model, &d->view);
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
                                        : handle_key(&d->view, (int)key);
            if (result & HANDLER_QUIT)
                return CMD_EXIT_OK;
            redraw |= (result & HANDLER_REDRAW) != 0;
            want_reports |= (result & HANDLER_REDRAW) != 0;
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
    SCREEN *screen = terminal_start();
    if (screen == NULL) {
        output_error("cannot start the terminal (TERM=%s)",
                     getenv("TERM") != NULL ? getenv("TERM") : "");
        dash_model_done(&d.model);
        return CMD_EXIT_LOCAL;
    }
    rc = run_loop(&d);
    terminal_restore();
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
