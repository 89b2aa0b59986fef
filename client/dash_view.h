/*
 * The dashboard's view: the screen drawn from the model (dash_model.h), top to bottom the
 * header (the date the figures are as of first, so it is never cut; the connection's
 * state), two bars of households started and completed against the plan's thresholds and
 * its pace, the projects with their lights, the plan's rules, a lower pane chosen by key
 * (phases, funds, line work, supervision items, the current round as who has and who has
 * not reported, a time chart), the newest lines saying what changed, and the key help.
 * The tables are the status sections' own columns (status_view.h) through dash_grid.
 *
 * What the view remembers between draws (the pane, the scrolling, the search) is struct
 * dash_view, which the loop's key handlers change; drawing reads the model and never
 * changes it.
 */
#ifndef RENO_DASH_VIEW_H
#define RENO_DASH_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "dash_model.h"

enum pane {
    PANE_PHASES = 0,
    PANE_FUNDS,
    PANE_LINES,
    PANE_SUPERVISION,
    PANE_ROUND,
    PANE_CHART,
    PANE_COUNT
};

/* The longest search text, in bytes. */
#define SEARCH_MAX 64

/* What the view remembers between draws: the pane shown, how far it is scrolled, the
 * search that filters the projects, and the page of projects watched (the server sends
 * only that page: a programme of thousands of projects is read a screenful at a time). */
struct dash_view {
    enum pane pane;
    size_t scroll;
    size_t pane_rows;            /* rows of the pane's table at the last draw */
    char search[SEARCH_MAX + 1]; /* "" shows every project */
    bool typing;                 /* '/' was pressed: keys go into search */
    size_t page;                 /* the page of projects watched, from 0 */
    Reno__Light light;           /* only projects with this light; UNSPECIFIED: all */
    int page_rows;               /* the page size watched, dash_view_page_rows() then */
};

/* Draws the whole screen from the model; clamps v->scroll to the pane's rows. */
void dash_view_draw(const struct dash_model *m, struct dash_view *v);
/* How many projects fit the projects table on this screen: the page size to watch. */
int dash_view_page_rows(void);

#endif
