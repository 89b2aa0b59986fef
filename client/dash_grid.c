/*
 * The dashboard's tables (see dash_grid.h).
 */
#include "dash_grid.h"

#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "table.h"
#include "xmalloc.h"

void dash_grid_init(struct dash_grid *g, const struct sv_section *sec, const struct sv_context *ctx,
                    size_t coloured)
{
    memset(g, 0, sizeof *g);
    g->n_columns = sv_columns(sec, SV_DASH, g->columns);
    g->ctx = ctx;
    g->coloured = coloured;
}

void dash_grid_done(struct dash_grid *g)
{
    for (size_t i = 0; i < g->n_rows * g->n_columns; i++)
        free(g->cells[i]);
    free(g->cells);
    free(g->row_colours);
}

void dash_grid_add(struct dash_grid *g, const char *const *cells, enum colour colour)
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

void dash_grid_add_row(struct dash_grid *g, const ProtobufCMessage *row, enum colour colour)
{
    char cells[SV_MAX_COLUMNS][SV_CELL];
    const char *ptrs[SV_MAX_COLUMNS];
    for (size_t c = 0; c < g->n_columns; c++) {
        sv_cell(g->columns[c], row, g->ctx, cells[c]);
        ptrs[c] = cells[c];
    }
    dash_grid_add(g, ptrs, colour);
}

size_t dash_grid_draw(const struct dash_grid *g, int y, int height, size_t first)
{
    if (height < 1 || g->n_columns == 0)
        return 0;
    size_t natural[SV_MAX_COLUMNS] = {0}, minimum[SV_MAX_COLUMNS] = {0},
           widths[SV_MAX_COLUMNS] = {0};
    size_t n = g->n_columns;
    for (size_t c = 0; c < n; c++) {
        natural[c] = text_width(sv_header(g->columns[c], g->ctx));
        for (size_t r = 0; r < g->n_rows; r++) {
            size_t w = text_width(g->cells[r * g->n_columns + c]);
            natural[c] = w > natural[c] ? w : natural[c];
        }
        minimum[c] = g->columns[c]->width;
        if (g->columns[c]->keep)
            minimum[c] = natural[c] < DASH_GRID_NAME_KEEP ? natural[c] : DASH_GRID_NAME_KEEP;
    }
    /* One blank between columns on a narrow screen, where every column counts. */
    int gap = dash_narrow() ? 1 : 2;
    (void)layout_widths(natural, minimum, n, (size_t)gap, (size_t)COLS - 1, widths);

    int x = 1;
    for (size_t c = 0; c < n; c++) {
        dash_put_cell(y, x, sv_header(g->columns[c], g->ctx), widths[c], g->columns[c]->align,
                      COLOUR_TABLE_HEADER);
        x += (int)widths[c] + gap;
    }
    size_t shown = 0;
    for (size_t r = first; r < g->n_rows && (int)shown < height - 1; r++, shown++) {
        x = 1;
        for (size_t c = 0; c < n; c++) {
            enum colour colour = c == g->coloured ? g->row_colours[r] : COLOUR_NORMAL;
            dash_put_cell(y + 1 + (int)shown, x, g->cells[r * g->n_columns + c], widths[c],
                          g->columns[c]->align, colour);
            x += (int)widths[c] + gap;
        }
    }
    return shown;
}
