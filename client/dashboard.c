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

#include "i18n.h"
#include "cmd.h"
#include "dash_model.h"
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
    colours_init();
    return screen;
}

/* ---- Tables on the screen --------------------------------------------------------------- */

struct grid_column {
    const char *header;
    size_t minimum; /* the narrowest the column may become */
    enum layout_align align;
};

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
        natural[c] = text_width(g->columns[c].header);
        for (size_t r = 0; r < g->n_rows; r++) {
            size_t w = text_width(g->cells[r * g->n_columns + c]);
            natural[c] = w > natural[c] ? w : natural[c];
        }
        minimum[c] = g->columns[c].minimum;
    }
    (void)layout_widths(natural, minimum, n, 2, (size_t)COLS - 1, widths);

    int x = 1;
    for (size_t c = 0; c < n; c++) {
        put_cell(y, x, g->columns[c].header, widths[c], g->columns[c].align, COLOUR_TABLE_HEADER);
        x += (int)widths[c] + 2;
    }
    size_t shown = 0;
    for (size_t r = first; r < g->n_rows && (int)shown < height - 1; r++, shown++) {
        x = 1;
        for (size_t c = 0; c < n; c++) {
            enum colour colour = c == g->coloured ? g->row_colours[r] : COLOUR_NORMAL;
            put_cell(y + 1 + (int)shown, x, g->cells[r * g->n_columns + c], widths[c],
                     g->columns[c].align, colour);
            x += (int)widths[c] + 2;
        }
    }
    return shown;
}

/* ---- The view: drawing the model -------------------------------------------------------- */

enum pane { PANE_PHASES = 0, PANE_FUNDS, PANE_LINES, PANE_SUPERVISION, PANE_MISSING, PANE_COUNT };

static const char *const pane_tabs[PANE_COUNT] = {"1 phases", "2 funds", "3 line work",
                                                  "4 supervision", "5 missing reporters"};
static const char *const pane_titles[PANE_COUNT] = {
    "phases and milestones (阶段与节点)",
    "funds (资金) per project and source",
    "line work (管线入地 / 架空线规整) per utility",
    "supervision items (督查督办) per unit",
    "missing reporters (未报送单位) in the current round",
};

/* What the view remembers between draws: the pane shown and how far it is scrolled. */
struct view {
    enum pane pane;
    size_t scroll;
    size_t pane_rows; /* rows of the pane's table at the last draw, to bound scrolling */
};

static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

static const char *light_word(Reno__Light light, enum colour *colour)
{
    switch (light) {
    case RENO__LIGHT__LIGHT_RED:
        *colour = COLOUR_LIGHT_RED;
        return "red";
    case RENO__LIGHT__LIGHT_YELLOW:
        *colour = COLOUR_LIGHT_YELLOW;
        return "yellow";
    case RENO__LIGHT__LIGHT_GREEN:
        *colour = COLOUR_LIGHT_GREEN;
        return "green";
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
    char *left = xasprintf(" %s (%s)  status as of %s", s ? or_dash(s->programme_title) : "reno",
                           s ? or_dash(s->programme_code) : "-", s ? or_dash(s->as_of) : "-");
    char right[DASH_MODEL_TEXT + 64];
    enum colour conn_colour = COLOUR_CONN_LIVE;
    switch (m->conn) {
    case DASH_CONN_LIVE:
        snprintf(right, sizeof right, "● live %s ", m->conn_detail);
        break;
    case DASH_CONN_LOST:
        snprintf(right, sizeof right, "✕ connection lost: %s; reconnecting ", m->conn_detail);
        conn_colour = COLOUR_CONN_LOST;
        break;
    default:
        snprintf(right, sizeof right, "connecting to %s… ", m->conn_detail);
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

    if (s == NULL)
        return;
    char *totals = xasprintf(" %d households in %zu projects (target %d): started %d (%.1f%%), "
                             "completed %d (%.1f%%)%s%s",
                             s->households, s->n_projects, s->target_households,
                             s->households_started, s->started_pct, s->households_completed,
                             s->completed_pct, s->plan != NULL ? "; phase " : "",
                             s->plan != NULL ? or_dash(s->plan->phase_name) : "");
    put_cell(1, 0, totals, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    free(totals);
}

/* The projects with their lights; returns the rows used. */
static int draw_projects(const Reno__StatusReply *s, int y, int height)
{
    static const struct grid_column columns[] = {
        {"LIGHT", 6, LAYOUT_LEFT},        {"PROJECT", 10, LAYOUT_LEFT},
        {"COMMUNITY", 8, LAYOUT_LEFT},    {"HOUSEHOLDS", 5, LAYOUT_RIGHT},
        {"STARTED", 5, LAYOUT_RIGHT},     {"STARTED %", 6, LAYOUT_RIGHT},
        {"COMPLETED", 5, LAYOUT_RIGHT},   {"COMPLETED %", 6, LAYOUT_RIGHT},
        {"LAST REPORT", 10, LAYOUT_LEFT},
    };
    struct grid g;
    grid_init(&g, columns, sizeof columns / sizeof columns[0], 0);
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        char households[16], started[16], started_pct[24], completed[16], completed_pct[24];
        snprintf(households, sizeof households, "%d", p->households);
        snprintf(started, sizeof started, "%d", p->households_started);
        snprintf(started_pct, sizeof started_pct, "%.1f%%", p->started_pct);
        snprintf(completed, sizeof completed, "%d", p->households_completed);
        snprintf(completed_pct, sizeof completed_pct, "%.1f%%", p->completed_pct);
        enum colour colour;
        const char *light = light_word(project_light(s, p->project_id), &colour);
        const char *cells[] = {light,      or_dash(p->name), or_dash(p->community),
                               households, started,          started_pct,
                               completed,  completed_pct,    or_dash(p->last_report_date)};
        grid_add(&g, cells, colour);
    }
    size_t shown = grid_draw(&g, y, height, 0);
    if (shown < g.n_rows) {
        char *more =
            xasprintf(" … %zu more projects (reno status lists them all)", g.n_rows - shown);
        put_cell(y + height - 1, 0, more, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
        free(more);
    }
    grid_done(&g);
    return 1 + (int)shown;
}

static int draw_rules(const Reno__StatusReply *s, int y, int height)
{
    static const struct grid_column columns[] = {
        {"RULE", 12, LAYOUT_LEFT},
        {"DUE", 10, LAYOUT_LEFT},
        {"VERDICT", 7, LAYOUT_LEFT},
        {"DETAIL", 10, LAYOUT_LEFT},
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
static void pane_grid(const Reno__StatusReply *s, enum pane pane, struct grid *g)
{
    static const struct grid_column phases[] = {
        {"PROJECT", 10, LAYOUT_LEFT},        {"PHASE", 8, LAYOUT_LEFT},
        {"DONE", 5, LAYOUT_RIGHT},           {"DUE SOON", 4, LAYOUT_RIGHT},
        {"OVERDUE", 4, LAYOUT_RIGHT},        {"NEXT DUE", 10, LAYOUT_LEFT},
        {"NEXT MILESTONE", 10, LAYOUT_LEFT},
    };
    static const struct grid_column funds[] = {
        {"PROJECT", 10, LAYOUT_LEFT},    {"SOURCE", 6, LAYOUT_LEFT}, {"ALLOCATED", 8, LAYOUT_RIGHT},
        {"RECEIVED", 8, LAYOUT_RIGHT},   {"PAID", 8, LAYOUT_RIGHT},  {"AVAILABLE", 8, LAYOUT_RIGHT},
        {"RECEIVED %", 6, LAYOUT_RIGHT},
    };
    static const struct grid_column lines[] = {
        {"PROJECT", 10, LAYOUT_LEFT},     {"UTILITY", 8, LAYOUT_LEFT},
        {"SEGMENT", 8, LAYOUT_LEFT},      {"DONE", 5, LAYOUT_RIGHT},
        {"IN PROGRESS", 4, LAYOUT_RIGHT}, {"WAITING ON", 10, LAYOUT_LEFT},
        {"HANDED OVER", 10, LAYOUT_LEFT},
    };
    static const struct grid_column supervision[] = {
        {"UNIT", 10, LAYOUT_LEFT},          {"ITEMS", 4, LAYOUT_RIGHT},
        {"OPEN", 4, LAYOUT_RIGHT},          {"OVERDUE", 4, LAYOUT_RIGHT},
        {"RETURNED", 4, LAYOUT_RIGHT},      {"CLOSED", 4, LAYOUT_RIGHT},
        {"NEXT DEADLINE", 10, LAYOUT_LEFT},
    };
    static const struct grid_column missing[] = {
        {"MISSING UNIT", 10, LAYOUT_LEFT},
        {"PROJECT", 10, LAYOUT_LEFT},
        {"DUTY", 10, LAYOUT_LEFT},
    };
    char a[64], b[64], c[64], d[64], e[64];
    switch (pane) {
    case PANE_PHASES:
        grid_init(g, phases, 7, 7);
        for (size_t i = 0; i < s->n_phases; i++) {
            const Reno__StatusPhase *p = s->phases[i];
            snprintf(a, sizeof a, "%d %s", p->phase, or_dash(p->phase_name));
            snprintf(b, sizeof b, "%d/%d", p->milestones_done, p->milestones);
            snprintf(c, sizeof c, "%d", p->milestones_due_soon);
            snprintf(d, sizeof d, "%d", p->milestones_overdue);
            const char *cells[] = {p->project_id == 0 ? "total" : or_dash(p->name),
                                   a,
                                   b,
                                   c,
                                   d,
                                   or_dash(p->next_due),
                                   or_dash(p->next_milestone)};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    case PANE_FUNDS:
        grid_init(g, funds, 7, 7);
        for (size_t i = 0; i < s->n_funds; i++) {
            const Reno__StatusFunds *f = s->funds[i];
            snprintf(a, sizeof a, "%.2f", f->allocated);
            snprintf(b, sizeof b, "%.2f", f->received);
            snprintf(c, sizeof c, "%.2f", f->paid);
            snprintf(d, sizeof d, "%.2f", f->available);
            snprintf(e, sizeof e, "%.1f%%", f->received_pct);
            const char *cells[] = {f->project_id == 0 ? "total" : or_dash(f->name),
                                   or_dash(f->source_name),
                                   a,
                                   b,
                                   c,
                                   d,
                                   e};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    case PANE_LINES:
        grid_init(g, lines, 7, 7);
        for (size_t i = 0; i < s->n_lines; i++) {
            const Reno__StatusLines *l = s->lines[i];
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
                &reno__line_segment__descriptor, (int)l->segment);
            snprintf(a, sizeof a, "%d/%d", l->parts_done, l->parts);
            snprintf(b, sizeof b, "%d", l->parts_in_progress);
            const char *cells[] = {l->project_id == 0 ? "all" : or_dash(l->name),
                                   or_dash(l->utility_name),
                                   v != NULL ? v->name : "-",
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
            const char *cells[] = {u->unit_code[0] == '\0' ? "total" : or_dash(u->unit_name),
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
        grid_init(g, missing, 3, 3);
        for (size_t i = 0; i < s->n_missing_reporters; i++) {
            const Reno__MissingReporter *r = s->missing_reporters[i];
            const char *cells[] = {or_dash(r->unit_name), or_dash(r->project_name),
                                   or_dash(r->duty)};
            grid_add(g, cells, COLOUR_NORMAL);
        }
        break;
    }
}

static void draw_pane(const Reno__StatusReply *s, struct view *v, int y, int height)
{
    /* The tabs, the active one marked. */
    int x = 1;
    for (int p = 0; p < PANE_COUNT; p++) {
        size_t w = text_width(pane_tabs[p]) + 2;
        char *tab = xasprintf(" %s ", pane_tabs[p]);
        put_cell(y, x, tab, w, LAYOUT_LEFT,
                 p == (int)v->pane ? COLOUR_PANE_TAB_ACTIVE : COLOUR_PANE_TAB);
        free(tab);
        x += (int)w + 1;
    }
    struct grid g;
    pane_grid(s, v->pane, &g);
    /* The title: what the pane shows, and where the scrolling stands. */
    int visible = height - 3; /* tabs, title, column headings */
    if (visible < 0)
        visible = 0;
    size_t max_scroll = g.n_rows > (size_t)visible ? g.n_rows - (size_t)visible : 0;
    if (v->scroll > max_scroll)
        v->scroll = max_scroll;
    v->pane_rows = g.n_rows;
    char *title;
    if (v->pane == PANE_MISSING && s->round != NULL)
        title =
            xasprintf(" %s %s: %d of %d reports received, %d units missing", pane_titles[v->pane],
                      or_dash(s->round->round_date), s->round->reports_received,
                      s->round->reports_expected, s->round->units_missing);
    else if (g.n_rows > (size_t)visible)
        title = xasprintf(" %s: rows %zu-%zu of %zu", pane_titles[v->pane], v->scroll + 1,
                          v->scroll + (size_t)visible, g.n_rows);
    else
        title = xasprintf(" %s: %zu rows", pane_titles[v->pane], g.n_rows);
    put_cell(y + 1, 0, title, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    free(title);
    if (g.n_rows == 0)
        put_cell(y + 3, 1, "(none)", 6, LAYOUT_LEFT, COLOUR_NORMAL);
    (void)grid_draw(&g, y + 2, height - 2, v->scroll);
    grid_done(&g);
}

static void draw_footer(const struct dash_model *m)
{
    int y = LINES - 1 - CHANGE_ROWS;
    for (int i = 0; i < CHANGE_ROWS; i++) {
        /* The newest change last, right above the help line. */
        size_t k = m->n_changes >= (size_t)(CHANGE_ROWS - i)
                       ? m->n_changes - (size_t)(CHANGE_ROWS - i)
                       : SIZE_MAX;
        if (k != SIZE_MAX) {
            char *line = xasprintf(" changed: %s", m->changes[k]);
            put_cell(y + i, 0, line, (size_t)COLS, LAYOUT_LEFT, COLOUR_CHANGE);
            free(line);
        } else if (i == CHANGE_ROWS - 1 && m->n_changes == 0) {
            put_cell(y + i, 0, " no changes pushed yet", (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
        }
    }
    char *help = xasprintf(" q quit  r refresh  1-5 panes  ↑↓ j k scroll%s%s",
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
        int bottom = LINES - 1 - CHANGE_ROWS;
        int y = 3;
        int room = bottom - y;
        int projects = 1 + (int)s->n_projects;
        if (projects > room / 3 + 1)
            projects = room / 3 + 1;
        y += draw_projects(s, y, projects) + 1;
        if (s->n_rules > 0 && bottom - y > 6) {
            int rules = 1 + (int)s->n_rules;
            if (rules > (bottom - y) / 3)
                rules = (bottom - y) / 3;
            y += draw_rules(s, y, rules) + 1;
        }
        if (bottom - y >= 3)
            draw_pane(s, v, y, bottom - y);
    } else if (s == NULL) {
        put_cell(2, 1, "waiting for the status…", (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    }
    draw_footer(m);
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
    case KEY_RESIZE:
    case 12: /* ^L */
        clearok(curscr, TRUE);
        return HANDLER_HANDLED | HANDLER_REDRAW;
    default:
        return HANDLER_IGNORED;
    }
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

/* net_call() and a check of the reply: 0 and *reply, or -1 with err (refusals included). */
static int call(struct dash *d, Reno__Request *req, Reno__Response__BodyCase expect,
                Reno__ServerMessage **reply, char err[NET_ERR_SIZE])
{
    if (net_call(d->ctx->conn, req, reply, err) != 0)
        return -1;
    const Reno__Response *r = (*reply)->response;
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
    return -1;
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
    for (;;) {
        int effect = drain(d);
        redraw |= (effect & DASH_MODEL_CHANGED) != 0;
        want_status |= (effect & DASH_MODEL_RESYNC) != 0;
        char err[NET_ERR_SIZE];
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
        int key;
        while ((key = getch()) != ERR) {
            int result = handle_key(&d->view, key);
            if (result & HANDLER_QUIT)
                return CMD_EXIT_OK;
            redraw |= (result & HANDLER_REDRAW) != 0;
            if (result & HANDLER_REFRESH) {
                want_status = true;
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
               "(programme, date, connection), the projects with their traffic lights, the\n"
               "plan's rules with their verdicts, one lower pane, and the latest changes.\n"
               "When the connection is lost it says so and reconnects every few seconds with\n"
               "the stored session. Needs a terminal; scripts use 'reno status' or 'reno watch'.\n"
               "\n"
               "Keys:\n"
               "  1 phases   2 funds   3 line work   4 supervision   5 missing reporters\n"
               "  ↑ ↓ j k    scroll the lower pane (PgUp, PgDn by ten rows)\n"
               "  r          ask for the status now\n"
               "  q          quit\n"),
    .run = run_dashboard,
};
