/*
 * Pure text layout for the dashboard: fitting UTF-8 cells into a given number of terminal
 * columns and sharing a screen's width among table columns. Widths are terminal columns
 * (a Chinese character takes two), never bytes. Nothing here touches a terminal, so the
 * unit tests exercise it with plain strings.
 *
 * A cell that does not fit is cut at a character boundary and ends in "…", so a wide
 * character is never cut in half; when a wide character would straddle the edge, a space
 * takes its place. Control characters and invalid UTF-8 show as '?', as in table.c.
 *
 * Ownership: layout_cell() returns a string the caller frees; layout_widths() writes into
 * the caller's array.
 */
#ifndef RENO_LAYOUT_H
#define RENO_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

enum layout_align { LAYOUT_LEFT = 0, LAYOUT_RIGHT };

/* The ellipsis that ends a cut cell; one terminal column wide. */
#define LAYOUT_ELLIPSIS "…"

/*
 * utf8 (NULL reads as "") laid out in exactly `columns` terminal columns: cut with "…"
 * when it is wider, padded with spaces on the right (LAYOUT_LEFT) or on the left
 * (LAYOUT_RIGHT) when it is narrower. The result (heap, caller frees) is always exactly
 * `columns` columns wide as text_width() counts them.
 */
char *layout_cell(const char *utf8, size_t columns, enum layout_align align);

/*
 * Shares `total` columns among n table columns separated by `gap` columns each. natural[i]
 * is the widest cell of column i (header included), minimum[i] the narrowest it may
 * become. Every column gets its natural width when they all fit; otherwise the widest
 * columns give up columns one at a time, never below their minimum. Writes widths[0..n)
 * and returns how many columns the table then takes (which may exceed total when even the
 * minimums do not fit: the caller clips the row at the screen's edge).
 */
size_t layout_widths(const size_t *natural, const size_t *minimum, size_t n, size_t gap,
                     size_t total, size_t *widths);

/* True when text is a number as the tables show them ("12", "-3.5", "40.0%") or "-". */
bool layout_is_number(const char *text);

#endif
