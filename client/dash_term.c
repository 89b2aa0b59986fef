/*
 * The dashboard's terminal (see dash_term.h).
 */
#include "dash_term.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* ---- Colours ---------------------------------------------------------------------------- */

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

attr_t dash_colour_attr(enum colour c)
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

void dash_term_restore(void)
{
    if (!curses_active)
        return;
    curses_active = 0;
    endwin();
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &saved_actions[i], NULL);
}

SCREEN *dash_term_start(void)
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

/* ---- Cells ----------------------------------------------------------------------------- */

bool dash_narrow(void)
{
    return COLS < 110;
}

void dash_put_cell(int y, int x, const char *utf8, size_t columns, enum layout_align align,
                   enum colour colour)
{
    if (x >= COLS || y >= LINES)
        return;
    size_t room = (size_t)(COLS - x);
    char *cell = layout_cell(utf8, columns < room ? columns : room, align);
    attrset(dash_colour_attr(colour));
    mvaddstr(y, x, cell);
    attrset(A_NORMAL);
    free(cell);
}
