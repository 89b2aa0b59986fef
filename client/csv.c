/*
 * The CSV reader: one pass over the bytes, a cell at a time. See csv.h.
 */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* The record and the cell being read, and the records read so far. */
struct builder {
    char *cell;
    size_t cell_len, cell_cap;
    char **cells;
    size_t n_cells, cells_cap;
    struct csv *out;
    size_t records_cap;
};

static void push_byte(struct builder *b, char c)
{
    if (b->cell_len + 1 >= b->cell_cap) {
        b->cell_cap = b->cell_cap ? 2 * b->cell_cap : 32;
        b->cell = xrealloc(b->cell, b->cell_cap);
    }
    b->cell[b->cell_len++] = c;
}

static void end_cell(struct builder *b)
{
    if (b->n_cells == b->cells_cap) {
        b->cells_cap = b->cells_cap ? 2 * b->cells_cap : 8;
        b->cells = xrealloc(b->cells, b->cells_cap * sizeof *b->cells);
    }
    b->cells[b->n_cells++] = xstrndup(b->cell ? b->cell : "", b->cell_len);
    b->cell_len = 0;
}

/* Hands the cells read so far to a new record; the builder starts an empty one. */
static void end_record(struct builder *b, size_t line)
{
    struct csv *c = b->out;
    if (c->n_records == b->records_cap) {
        b->records_cap = b->records_cap ? 2 * b->records_cap : 16;
        c->records = xrealloc(c->records, b->records_cap * sizeof *c->records);
    }
    struct csv_record *r = &c->records[c->n_records++];
    r->line = line;
    r->n_cells = b->n_cells;
    r->cells = b->cells;
    b->cells = NULL;
    b->n_cells = 0;
    b->cells_cap = 0;
}

static int fail(struct builder *b, struct csv_error *err, size_t line, const char *message)
{
    err->line = line;
    snprintf(err->message, sizeof err->message, "%s", message);
    for (size_t i = 0; i < b->n_cells; i++)
        free(b->cells[i]);
    free(b->cells);
    free(b->cell);
    csv_free(b->out);
    return -1;
}

static bool is_break(char c)
{
    return c == '\r' || c == '\n';
}

int csv_parse(const char *data, size_t len, struct csv *out, struct csv_error *err)
{
    struct builder b = {.out = out};
    out->records = NULL;
    out->n_records = 0;
    size_t i = 0;
    size_t line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len) {
        size_t record_line = line;
        for (;;) {
            if (i < len && data[i] == '"') {
                size_t quote_line = line;
                for (i++;; i++) {
                    if (i == len)
                        return fail(&b, err, quote_line,
                                    "a quoted cell is not closed (its closing quote is missing)");
                    char c = data[i];
                    if (c == '\0')
                        return fail(&b, err, line, "a NUL byte");
                    if (c == '"') {
                        if (i + 1 < len && data[i + 1] == '"') {
                            push_byte(&b, '"');
                            i++;
                            continue;
                        }
                        i++;
                        break;
                    }
                    /* A line break inside the cell is kept; CRLF counts as one line. */
                    if (c == '\n' || (c == '\r' && !(i + 1 < len && data[i + 1] == '\n')))
                        line++;
                    push_byte(&b, c);
                }
                if (i < len && data[i] != ',' && !is_break(data[i]))
                    return fail(&b, err, line,
                                "text after the closing quote of a cell "
                                "(a quote inside a quoted cell is written twice: \"\")");
            } else {
                for (; i < len && data[i] != ',' && !is_break(data[i]); i++) {
                    if (data[i] == '"')
                        return fail(&b, err, line,
                                    "a quote inside an unquoted cell (put the whole cell in "
                                    "quotes and write the quote twice: \"\")");
                    if (data[i] == '\0')
                        return fail(&b, err, line, "a NUL byte");
                    push_byte(&b, data[i]);
                }
            }
            end_cell(&b);
            if (i < len && data[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        end_record(&b, record_line);
        if (i == len)
            break;
        /* data[i] is a line break: CRLF, LF or a lone CR. */
        if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        i++;
        line++;
    }
    free(b.cell);
    return 0;
}

void csv_free(struct csv *c)
{
    for (size_t r = 0; r < c->n_records; r++) {
        for (size_t k = 0; k < c->records[r].n_cells; k++)
            free(c->records[r].cells[k]);
        free(c->records[r].cells);
    }
    free(c->records);
    c->records = NULL;
    c->n_records = 0;
}

bool csv_record_blank(const struct csv_record *r)
{
    for (size_t k = 0; k < r->n_cells; k++)
        if (r->cells[k][0] != '\0')
            return false;
    return true;
}
