/*
 * A text table for the terminal: rows of UTF-8 cells laid out in columns whose widths are
 * counted in terminal cells, not bytes, so that Chinese names (two cells a character) line
 * up with ASCII ones. A column whose every cell is a number (optionally signed, with a
 * decimal point or a trailing '%', or "-" for none) is right-aligned, header included;
 * other columns are left-aligned. Columns are separated by two spaces; no line has
 * trailing blanks. Control characters and invalid UTF-8 in cells are shown as '?', so a
 * cell can neither break the layout nor send escape sequences to the terminal.
 *
 * Headers are translated through the catalogue (write them marked N_()); cells are shown
 * as given.
 *
 * Ownership: table_new() returns a table freed by table_free(); it copies every header and
 * cell, so callers keep their strings.
 */
#ifndef RENO_TABLE_H
#define RENO_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum table_align { TABLE_ALIGN_AUTO = 0, TABLE_ALIGN_LEFT, TABLE_ALIGN_RIGHT };

struct table;

/*
 * Sets LC_CTYPE from the environment and, when that is not UTF-8, to C.UTF-8, so that
 * mbrtowc() and wcwidth() understand the text. Called by main; text_width() and
 * table_print() call it themselves the first time if nobody has.
 */
void table_init_locale(void);

/* The number of terminal cells utf8 takes; an invalid or unprintable character counts 1. */
size_t text_width(const char *utf8);

struct table *table_new(size_t columns, const char *const headers[]);
/* Overrides the automatic alignment of one column. */
void table_set_align(struct table *t, size_t column, enum table_align align);
/* A shorter header (marked N_()) the column takes when the table is wider than the width
 * limit: 开工 for 开工户数, so that a numeric column is as narrow as its numbers. */
void table_set_short_header(struct table *t, size_t column, const char *header);
/* Marks a text column that tells rows apart (a project's name, its community) or says
 * what a row is about (the log's change): under a width limit it keeps its width while
 * the other columns can give, and when they are at their narrowest the kept columns share
 * what is left in proportion to their widths. */
void table_set_keep(struct table *t, size_t column);
/* Marks a column a narrow terminal may leave out (a digest, a position in the audit log):
 * when the table does not fit even with its text shrunk, such columns go, the last first,
 * and a line under the table names them. */
void table_set_optional(struct table *t, size_t column);
/* Adds a row of `columns` cells; a NULL cell is empty. */
void table_add_row(struct table *t, const char *const cells[]);
size_t table_rows(const struct table *t);
/*
 * Prints the table. Under a width limit, the widest columns shrink first (text to 8
 * columns, a numeric column to its widest value) and cells are cut by display width with
 * "…": a number is never cut, a long header over it may be.
 */
void table_print(const struct table *t, FILE *out);

/* The width tables (and output_line()'s prose) must fit, in display columns; 0: none.
 * main sets it from $COLUMNS or the terminal on standard output. */
void table_set_width_limit(size_t columns);
size_t table_width_limit(void);
void table_free(struct table *t);

#endif
