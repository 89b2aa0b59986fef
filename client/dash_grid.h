/*
 * The dashboard's tables: rows of cells under the columns of a status section
 * (status_view.h), the same columns `reno status` prints, laid out over the screen's
 * width. The columns are shared out by layout_widths(): when they do not all fit, the
 * numbers shrink towards their narrowest and the names (columns that keep) hold their
 * width up to DASH_GRID_NAME_KEEP; on a narrow screen the short headers are shown and
 * one blank separates the columns. One column may be drawn in a colour per row (a light,
 * a verdict).
 *
 * Ownership: a grid owns copies of its cells; dash_grid_done() frees them. The columns
 * and the context stay the caller's and must outlive the grid.
 */
#ifndef RENO_DASH_GRID_H
#define RENO_DASH_GRID_H

#include <stddef.h>

#include "dash_term.h"
#include "status_view.h"

/* The widest a name column keeps when the screen is too narrow for every column. */
#define DASH_GRID_NAME_KEEP 30
/* No column is coloured. */
#define DASH_GRID_PLAIN ((size_t)-1)

struct dash_grid {
    const struct sv_column *columns[SV_MAX_COLUMNS]; /* those the dashboard shows */
    size_t n_columns;
    const struct sv_context *ctx;
    size_t coloured; /* the column drawn in each row's colour, or DASH_GRID_PLAIN */
    char **cells;    /* n_rows * n_columns, owned */
    enum colour *row_colours;
    size_t n_rows, capacity;
};

/* A grid of a status section's dashboard columns. */
void dash_grid_init(struct dash_grid *g, const struct sv_section *sec, const struct sv_context *ctx,
                    size_t coloured);
/* Adds a row of the section, its cells written by the columns. */
void dash_grid_add_row(struct dash_grid *g, const ProtobufCMessage *row, enum colour colour);
/* Adds a row of cells given as text, one per column (for a table whose rows are not of one
 * message type). */
void dash_grid_add(struct dash_grid *g, const char *const *cells, enum colour colour);
/* Draws the header and the rows from `first` in the rows y .. y + height - 1; returns the
 * rows of data that fit. */
size_t dash_grid_draw(const struct dash_grid *g, int y, int height, size_t first);
void dash_grid_done(struct dash_grid *g);

#endif
