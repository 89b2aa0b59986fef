/*
 * Report documents and their rendering: a document is a header (title, issuer, 文号,
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum report_format {
    REPORT_MD = 1,
    REPORT_CSV = 2,
    REPORT_JSON = 3,
    REPORT_HTML = 4,
    REPORT_PDF = 5 /* report_render_pdf (common/report_pdf.c, renod only) */
};

struct report_table {
    char *title;
    size_t ncols;
    char **columns;
    size_t nrows;
    char **cells; /* nrows * ncols, row-major */
    char **shown; /* nrows * ncols: a cell as printed where it differs (an amount with its
                   * thousands separators), else NULL; see report_cell_shown() */
    char *note;   /* printed under the table (e.g. how it is ranked); NULL: none */
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
    char *recipients; /* 主送 */
    char *copies;     /* 抄送; NULL: none */
    char *date;       /* the document's date, YYYY-MM-DD */
    int64_t audit_position;
    char *audit_head; /* the audit log's chain hash at audit_position (hex); NULL: none */
    char *doc_number; /* 文号 of an issued report; NULL: a preview or unnumbered */
    int doc_year;     /* the year the 文号 counts in; 0: none */
    int draft;        /* nonzero: a preview, marked 预览 on the page, never issued */
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

/* A cell as a person reads it in the printed forms (Markdown, HTML, PDF): an amount as the
 * reports' SQL writes it (digits, a point and two decimals: 1234567.89) with thousands
 * separators (1,234,567.89), as an office writes money; anything else as it is. CSV and
 * JSON keep the cell as stored, for the programs that read them. */
const char *report_cell_shown(const struct report_table *t, size_t r, size_t c);

/* Writes s with thousands separators into out when s is such an amount and has at least
 * four digits before the point; false (out untouched) otherwise or when out is too small. */
bool report_group_amount(const char *s, char *out, size_t size);
/* Sets the note printed under the table, replacing any earlier one. */
void report_table_note(struct report_table *t, const char *note);
struct report_series *report_add_series(struct report_doc *doc, const char *name);
void report_series_point(struct report_series *s, int32_t day, double value);
void report_add_mark(struct report_doc *doc, const char *label, int32_t day, double value);

/* Renders the document; *out is NUL-terminated as well, *len excludes the NUL. */
void report_render(const struct report_doc *doc, enum report_format format, char **out,
                   size_t *len);

/* The document as a printed 公文, A4, with its charts (common/report_pdf.c, linked by
 * renod only: the client receives the rendered bytes). *out is the caller's to free. */
void report_render_pdf(const struct report_doc *doc, char **out, size_t *len);

#endif
