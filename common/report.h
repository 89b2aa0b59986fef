/*
 * Report documents and their rendering: a document is a header (title, issuer,
 * recipients, date, the audit-log position it was built from), a list of tables and a
 * chart (series of percentages over dates, with the plan's thresholds as marks). The
 * same document renders as Markdown, CSV, JSON or a printable HTML page with an SVG
 * chart. Rendering is pure and deterministic — the same document gives the same bytes —
 * which is what lets an issued report be reproduced and its digest checked; it runs on
 * renod's thread pool and in unit tests alike.
 *
 * Ownership: a report_doc owns every string and array in it (report_doc_done frees
 * them); report_render() returns a heap buffer the caller frees.
 */
#ifndef RENO_REPORT_H
#define RENO_REPORT_H

#include <stddef.h>
#include <stdint.h>

enum report_format { REPORT_MD = 1, REPORT_CSV = 2, REPORT_JSON = 3, REPORT_HTML = 4 };

struct report_table {
    char *title;
    size_t ncols;
    char **columns;
    size_t nrows;
    char **cells; /* nrows * ncols, row-major */
};

struct report_point {
    int32_t day; /* days since the epoch */
    double value;
};

struct report_series {
    char *name;
    size_t n;
    struct report_point *points;
};

/* A threshold of the plan drawn on the chart, e.g. 25% by 2022-03-31. */
struct report_mark {
    char *label;
    int32_t day;
    double value;
};

struct report_doc {
    char *title;
    char *subtitle;
    char *issuer;
    char *recipients;
    char *date; /* the document's date, YYYY-MM-DD */
    int64_t audit_position;
    char *audit_head; /* the audit log's chain hash at audit_position (hex); NULL: none */
    size_t ntables;
    struct report_table *tables;
    char *chart_title; /* NULL: no chart */
    size_t nseries;
    struct report_series *series;
    size_t nmarks;
    struct report_mark *marks;
};

void report_doc_init(struct report_doc *doc);
void report_doc_done(struct report_doc *doc);
void report_set(char **field, const char *value);

/* Appends a table with the given columns; rows are added with report_table_row(). */
struct report_table *report_add_table(struct report_doc *doc, const char *title, size_t ncols,
                                      const char *const *columns);
void report_table_row(struct report_table *t, const char *const *cells);
struct report_series *report_add_series(struct report_doc *doc, const char *name);
void report_series_point(struct report_series *s, int32_t day, double value);
void report_add_mark(struct report_doc *doc, const char *label, int32_t day, double value);

/* Renders the document; *out is NUL-terminated as well, *len excludes the NUL. */
void report_render(const struct report_doc *doc, enum report_format format, char **out,
                   size_t *len);

#endif
