/*
 * The dashboard's terminal: ncurses started and, on every exit, restored (the normal ones,
 * and fatal signals through a handler that restores the terminal and re-raises); one enum
 * naming every visual role, with the colours (or, on a terminal without colours, the
 * attributes) as a table; and the one way text reaches the screen, dash_put_cell(), which
 * lays a cell out by terminal columns (layout.c) and clips it at the screen's edge.
 *
 * Draw code names roles, never colours, and never writes to the screen but through here.
 */
#ifndef RENO_DASH_TERM_H
#define RENO_DASH_TERM_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "layout.h"

/* Every visual role on the screen. */
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
    COLOUR_CHANGE, /* the lines saying what changed */
    COLOUR_HELP,   /* the key help line */
    COLOUR_BAR,    /* progress bars and the time chart */
    COLOUR_COUNT
};

/* Starts ncurses on the terminal and installs the restoring signal handlers; NULL when the
 * terminal cannot be used. */
SCREEN *dash_term_start(void);
/* Restores the terminal and the signal handlers; does nothing when not started. */
void dash_term_restore(void);

/* The attributes a role is drawn with. */
attr_t dash_colour_attr(enum colour c);

/* Whether the screen is narrow: short headers, one blank between columns, amounts in 万元. */
bool dash_narrow(void);

/* Writes utf8 at (y, x) in exactly `columns` columns, clipped at the right edge. */
void dash_put_cell(int y, int x, const char *utf8, size_t columns, enum layout_align align,
                   enum colour colour);

#endif
