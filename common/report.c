/*
 * Report documents and their four renderings. See report.h.
 *
 * Every number is printed with a fixed format and nothing depends on the clock or the
 * locale, so a document always renders to the same bytes.
 */
#include "report.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "xmalloc.h"

/* ---- the document ---------------------------------------------------------------------- */

void report_doc_init(struct report_doc *doc)
{
    memset(doc, 0, sizeof *doc);
}

void report_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

void report_doc_done(struct report_doc *doc)
{
    free(doc->title);
    free(doc->subtitle);
    free(doc->issuer);
    free(doc->recipients);
    free(doc->date);
    free(doc->audit_head);
    for (size_t i = 0; i < doc->ntables; i++) {
        struct report_table *t = &doc->tables[i];
        free(t->title);
        for (size_t c = 0; c < t->ncols; c++)
            free(t->columns[c]);
        free(t->columns);
        for (size_t k = 0; k < t->nrows * t->ncols; k++)
            free(t->cells[k]);
        free(t->cells);
    }
    free(doc->tables);
    free(doc->chart_title);
    for (size_t i = 0; i < doc->nseries; i++) {
        free(doc->series[i].name);
        free(doc->series[i].points);
    }
    free(doc->series);
    for (size_t i = 0; i < doc->nmarks; i++)
        free(doc->marks[i].label);
    free(doc->marks);
    memset(doc, 0, sizeof *doc);
}

struct report_table *report_add_table(struct report_doc *doc, const char *title, size_t ncols,
                                      const char *const *columns)
{
    doc->tables = xrealloc(doc->tables, (doc->ntables + 1) * sizeof *doc->tables);
    struct report_table *t = &doc->tables[doc->ntables++];
    memset(t, 0, sizeof *t);
    t->title = xstrdup(title);
    t->ncols = ncols;
    t->columns = xcalloc(ncols, sizeof *t->columns);
    for (size_t c = 0; c < ncols; c++)
        t->columns[c] = xstrdup(columns[c]);
    return t;
}

void report_table_row(struct report_table *t, const char *const *cells)
{
    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = xstrdup(cells[c] ? cells[c] : "");
    t->nrows++;
}

struct report_series *report_add_series(struct report_doc *doc, const char *name)
{
    doc->series = xrealloc(doc->series, (doc->nseries + 1) * sizeof *doc->series);
    struct report_series *s = &doc->series[doc->nseries++];
    memset(s, 0, sizeof *s);
    s->name = xstrdup(name);
    return s;
}

void report_series_point(struct report_series *s, int32_t day, double value)
{
    s->points = xrealloc(s->points, (s->n + 1) * sizeof *s->points);
    s->points[s->n].day = day;
    s->points[s->n].value = value;
    s->n++;
}

void report_add_mark(struct report_doc *doc, const char *label, int32_t day, double value)
{
    doc->marks = xrealloc(doc->marks, (doc->nmarks + 1) * sizeof *doc->marks);
    doc->marks[doc->nmarks].label = xstrdup(label);
    doc->marks[doc->nmarks].day = day;
    doc->marks[doc->nmarks].value = value;
    doc->nmarks++;
}

/* ---- an output buffer ------------------------------------------------------------------ */

struct buf {
    char *data;
    size_t len, cap;
};

static void put_n(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put(struct buf *b, const char *s)
{
    put_n(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        put_n(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_n(b, big, (size_t)n);
    free(big);
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static const char *cell(const struct report_table *t, size_t r, size_t c)
{
    return t->cells[r * t->ncols + c];
}

/* ---- Markdown -------------------------------------------------------------------------- */

/* Table cells: '|' escaped, line breaks folded to spaces. */
static void md_cell(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            put(b, "\\|");
        else if (*s == '\n' || *s == '\r')
            put(b, " ");
        else
            put_n(b, s, 1);
    }
}

static void render_md(const struct report_doc *doc, struct buf *b)
{
    putf(b, "# %s\n\n", or_empty(doc->title));
    if (doc->subtitle)
        putf(b, "%s\n\n", doc->subtitle);
    if (doc->recipients)
        putf(b, "- 报送：%s\n", doc->recipients);
    if (doc->issuer)
        putf(b, "- 发文：%s\n", doc->issuer);
    if (doc->date)
        putf(b, "- 日期：%s\n", doc->date);
    putf(b, "- 数据依据：审计日志至第 %lld 条\n", (long long)doc->audit_position);
    if (doc->audit_head)
        putf(b, "- 审计链头：%s\n", doc->audit_head);
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        putf(b, "\n## %s\n\n", t->title);
        if (t->nrows == 0) {
            put(b, "（无）\n");
            continue;
        }
        put(b, "|");
        for (size_t c = 0; c < t->ncols; c++) {
            put(b, " ");
            md_cell(b, t->columns[c]);
            put(b, " |");
        }
        put(b, "\n|");
        for (size_t c = 0; c < t->ncols; c++)
            put(b, " --- |");
        put(b, "\n");
        for (size_t r = 0; r < t->nrows; r++) {
            put(b, "|");
            for (size_t c = 0; c < t->ncols; c++) {
                put(b, " ");
                md_cell(b, cell(t, r, c));
                put(b, " |");
            }
            put(b, "\n");
        }
    }
    if (doc->chart_title && doc->nseries > 0)
        putf(b, "\n（图：%s，见 HTML 版。）\n", doc->chart_title);
}

/* ---- CSV (RFC 4180) -------------------------------------------------------------------- */

/* A plain decimal number such as -12 or -0.5, which no spreadsheet reads as a formula. */
static bool plain_number(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == '\0';
}

/*
 * A cell that begins with = + - @ (or a tab or carriage return) is read as a formula by
 * spreadsheet programs, so text that a unit typed could run in the office's spreadsheet
 * (CSV injection). Such a cell is written quoted with a leading apostrophe, which the
 * programs show as text; plain numbers (-12, -0.5) are left alone.
 */
static bool csv_formula_like(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL && !plain_number(s);
}

static void csv_field(struct buf *b, const char *s)
{
    bool formula = csv_formula_like(s);
    if (!formula && strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' &&
        (s[0] == '\0' || s[strlen(s) - 1] != ' ')) {
        put(b, s);
        return;
    }
    put(b, formula ? "\"'" : "\"");
    for (; *s; s++) {
        if (*s == '"')
            put(b, "\"\"");
        else
            put_n(b, s, 1);
    }
    put(b, "\"");
}

static void csv_pair(struct buf *b, const char *key, const char *value)
{
    csv_field(b, key);
    put(b, ",");
    csv_field(b, or_empty(value));
    put(b, "\r\n");
}

static void render_csv(const struct report_doc *doc, struct buf *b)
{
    csv_pair(b, "title", doc->title);
    csv_pair(b, "subtitle", doc->subtitle);
    csv_pair(b, "issuer", doc->issuer);
    csv_pair(b, "recipients", doc->recipients);
    csv_pair(b, "date", doc->date);
    char pos[32];
    snprintf(pos, sizeof pos, "%lld", (long long)doc->audit_position);
    csv_pair(b, "audit_position", pos);
    if (doc->audit_head)
        csv_pair(b, "audit_head", doc->audit_head);
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        put(b, "\r\n");
        csv_field(b, t->title);
        put(b, "\r\n");
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                put(b, ",");
            csv_field(b, t->columns[c]);
        }
        put(b, "\r\n");
        for (size_t r = 0; r < t->nrows; r++) {
            for (size_t c = 0; c < t->ncols; c++) {
                if (c)
                    put(b, ",");
                csv_field(b, cell(t, r, c));
            }
            put(b, "\r\n");
        }
    }
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void json_string(struct buf *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)or_empty(s); *p; p++) {
        switch (*p) {
        case '"':
            put(b, "\\\"");
            break;
        case '\\':
            put(b, "\\\\");
            break;
        case '\n':
            put(b, "\\n");
            break;
        case '\r':
            put(b, "\\r");
            break;
        case '\t':
            put(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                putf(b, "\\u%04x", *p);
            else
                put_n(b, (const char *)p, 1);
        }
    }
    put(b, "\"");
}

static void render_json(const struct report_doc *doc, struct buf *b)
{
    put(b, "{\"title\":");
    json_string(b, doc->title);
    put(b, ",\"subtitle\":");
    json_string(b, doc->subtitle);
    put(b, ",\"issuer\":");
    json_string(b, doc->issuer);
    put(b, ",\"recipients\":");
    json_string(b, doc->recipients);
    put(b, ",\"date\":");
    json_string(b, doc->date);
    putf(b, ",\"audit_position\":%lld", (long long)doc->audit_position);
    if (doc->audit_head) {
        put(b, ",\"audit_head\":");
        json_string(b, doc->audit_head);
    }
    put(b, ",\"tables\":[");
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        put(b, i ? ",{\"title\":" : "{\"title\":");
        json_string(b, t->title);
        put(b, ",\"columns\":[");
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                put(b, ",");
            json_string(b, t->columns[c]);
        }
        put(b, "],\"rows\":[");
        for (size_t r = 0; r < t->nrows; r++) {
            put(b, r ? ",[" : "[");
            for (size_t c = 0; c < t->ncols; c++) {
                if (c)
                    put(b, ",");
                json_string(b, cell(t, r, c));
            }
            put(b, "]");
        }
        put(b, "]}");
    }
    put(b, "]");
    if (doc->chart_title) {
        put(b, ",\"chart\":{\"title\":");
        json_string(b, doc->chart_title);
        put(b, ",\"series\":[");
        for (size_t i = 0; i < doc->nseries; i++) {
            const struct report_series *s = &doc->series[i];
            put(b, i ? ",{\"name\":" : "{\"name\":");
            json_string(b, s->name);
            put(b, ",\"points\":[");
            for (size_t k = 0; k < s->n; k++) {
                char day[DATE_TEXT_SIZE];
                date_format(s->points[k].day, day);
                putf(b, "%s[\"%s\",%.1f]", k ? "," : "", day, s->points[k].value);
            }
            put(b, "]}");
        }
        put(b, "],\"marks\":[");
        for (size_t i = 0; i < doc->nmarks; i++) {
            char day[DATE_TEXT_SIZE];
            date_format(doc->marks[i].day, day);
            put(b, i ? ",{\"label\":" : "{\"label\":");
            json_string(b, doc->marks[i].label);
            putf(b, ",\"date\":\"%s\",\"value\":%.1f}", day, doc->marks[i].value);
        }
        put(b, "]}");
    }
    put(b, "}\n");
}

/* ---- HTML with an SVG chart ------------------------------------------------------------ */

static void html_text(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            put(b, "&lt;");
            break;
        case '>':
            put(b, "&gt;");
            break;
        case '&':
            put(b, "&amp;");
            break;
        case '"':
            put(b, "&quot;");
            break;
        default:
            put_n(b, s, 1);
        }
    }
}

#define CHART_W 760
#define CHART_H 320
#define CHART_L 50
#define CHART_R 20
#define CHART_T 20
#define CHART_B 40

static const char *const series_colours[] = {"#1f5fa8", "#c0392b", "#2e8b57",
                                             "#8e44ad", "#d35400", "#16a085"};

static void chart_range(const struct report_doc *doc, int32_t *lo, int32_t *hi)
{
    *lo = INT32_MAX;
    *hi = INT32_MIN;
    for (size_t i = 0; i < doc->nseries; i++)
        for (size_t k = 0; k < doc->series[i].n; k++) {
            int32_t d = doc->series[i].points[k].day;
            *lo = d < *lo ? d : *lo;
            *hi = d > *hi ? d : *hi;
        }
    for (size_t i = 0; i < doc->nmarks; i++) {
        *lo = doc->marks[i].day < *lo ? doc->marks[i].day : *lo;
        *hi = doc->marks[i].day > *hi ? doc->marks[i].day : *hi;
    }
    if (*lo > *hi)
        *lo = *hi = 0;
    if (*hi == *lo)
        *hi = *lo + 1;
}

static double chart_x(int32_t day, int32_t lo, int32_t hi)
{
    return CHART_L + (double)(day - lo) * (CHART_W - CHART_L - CHART_R) / (double)(hi - lo);
}

static double chart_y(double pct)
{
    return CHART_T + (100.0 - pct) * (CHART_H - CHART_T - CHART_B) / 100.0;
}

static void render_chart(const struct report_doc *doc, struct buf *b)
{
    int32_t lo, hi;
    chart_range(doc, &lo, &hi);
    putf(b,
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
         "viewBox=\"0 0 %d %d\" role=\"img\">\n",
         CHART_W, CHART_H, CHART_W, CHART_H);
    for (int pct = 0; pct <= 100; pct += 25) {
        double y = chart_y(pct);
        putf(b,
             "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
             "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%d%%</text>\n",
             CHART_L, y, CHART_W - CHART_R, y, CHART_L - 6, y + 4, pct);
    }
    /* A tick on the first day of each month in range. */
    int year, month, day;
    date_to_civil(lo, &year, &month, &day);
    for (;;) {
        int32_t first;
        if (!date_from_civil(year, month, 1, &first))
            break;
        if (first > hi)
            break;
        if (first >= lo) {
            double x = chart_x(first, lo, hi);
            putf(b,
                 "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>"
                 "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%d月</text>\n",
                 x, CHART_T, x, CHART_H - CHART_B, x, CHART_H - CHART_B + 16, month);
        }
        if (++month > 12) {
            month = 1;
            year++;
        }
    }
    for (size_t i = 0; i < doc->nmarks; i++) {
        const struct report_mark *m = &doc->marks[i];
        double x = chart_x(m->day, lo, hi), y = chart_y(m->value);
        /* Labels near the right edge go to the left of their mark, so none is cut off. */
        bool right_half = x > CHART_L + 0.6 * (CHART_W - CHART_L - CHART_R);
        putf(b,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%d\" class=\"mark\"/>"
             "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" class=\"mark\"/>"
             "<text x=\"%.1f\" y=\"%.1f\" class=\"marklabel\" text-anchor=\"%s\">",
             x, y, x, CHART_H - CHART_B, x, y, right_half ? x - 6 : x + 6, y + (y < 40 ? 14 : -6),
             right_half ? "end" : "start");
        html_text(b, m->label);
        put(b, "</text>\n");
    }
    for (size_t i = 0; i < doc->nseries; i++) {
        const struct report_series *s = &doc->series[i];
        const char *colour = series_colours[i % (sizeof series_colours / sizeof *series_colours)];
        putf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
        for (size_t k = 0; k < s->n; k++)
            putf(b, "%s%.1f,%.1f", k ? " " : "", chart_x(s->points[k].day, lo, hi),
                 chart_y(s->points[k].value));
        put(b, "\"/>\n");
        /* Each report as a dot: a project with a single report still shows. */
        for (size_t k = 0; k < s->n; k++)
            putf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                 chart_x(s->points[k].day, lo, hi), chart_y(s->points[k].value), colour);

        /* The legend sits in the lower right, where progress lines rarely run. */
        double ly = CHART_H - CHART_B - 14.0 * (double)(doc->nseries - i) - 4;
        putf(b,
             "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"4\" fill=\"%s\"/>"
             "<text x=\"%d\" y=\"%.1f\" class=\"legend\">",
             CHART_W - CHART_R - 230, ly, colour, CHART_W - CHART_R - 212, ly + 5);
        html_text(b, s->name);
        put(b, "</text>\n");
    }
    put(b, "</svg>\n");
}

static void render_html(const struct report_doc *doc, struct buf *b)
{
    put(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(b, doc->title);
    put(b, "</title>\n<style>\n"
           "body{font-family:\"Noto Sans CJK SC\",\"Noto Serif CJK SC\",\"WenQuanYi Zen Hei\","
           "sans-serif;margin:2em auto;max-width:52em;color:#111}\n"
           "h1{text-align:center;font-size:1.6em}\n"
           ".sub{text-align:center}\n"
           "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}\n"
           "th,td{border:1px solid #555;padding:.25em .5em;font-size:.9em}\n"
           "th{background:#eee}\n"
           ".meta{margin:1em 0}\n"
           ".grid{stroke:#ccc;stroke-width:1}\n"
           ".tick,.legend,.marklabel{font-size:11px;fill:#333}\n"
           ".mark{stroke:#c0392b;stroke-dasharray:4 3;fill:none}\n"
           "@media print{body{margin:0}}\n"
           "</style>\n</head>\n<body>\n<h1>");
    html_text(b, doc->title);
    put(b, "</h1>\n");
    if (doc->subtitle) {
        put(b, "<p class=\"sub\">");
        html_text(b, doc->subtitle);
        put(b, "</p>\n");
    }
    put(b, "<div class=\"meta\">\n");
    if (doc->recipients) {
        put(b, "<p>报送：");
        html_text(b, doc->recipients);
        put(b, "</p>\n");
    }
    if (doc->issuer) {
        put(b, "<p>发文：");
        html_text(b, doc->issuer);
        put(b, "</p>\n");
    }
    if (doc->date) {
        put(b, "<p>日期：");
        html_text(b, doc->date);
        put(b, "</p>\n");
    }
    putf(b, "<p>数据依据：审计日志至第 %lld 条</p>\n", (long long)doc->audit_position);
    if (doc->audit_head) {
        put(b, "<p>审计链头：");
        html_text(b, doc->audit_head);
        put(b, "</p>\n");
    }
    put(b, "</div>\n");
    if (doc->chart_title && (doc->nseries > 0 || doc->nmarks > 0)) {
        put(b, "<h2>");
        html_text(b, doc->chart_title);
        put(b, "</h2>\n");
        render_chart(doc, b);
    }
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        put(b, "<h2>");
        html_text(b, t->title);
        put(b, "</h2>\n");
        if (t->nrows == 0) {
            put(b, "<p>（无）</p>\n");
            continue;
        }
        put(b, "<table>\n<tr>");
        for (size_t c = 0; c < t->ncols; c++) {
            put(b, "<th>");
            html_text(b, t->columns[c]);
            put(b, "</th>");
        }
        put(b, "</tr>\n");
        for (size_t r = 0; r < t->nrows; r++) {
            put(b, "<tr>");
            for (size_t c = 0; c < t->ncols; c++) {
                put(b, "<td>");
                html_text(b, cell(t, r, c));
                put(b, "</td>");
            }
            put(b, "</tr>\n");
        }
        put(b, "</table>\n");
    }
    put(b, "</body>\n</html>\n");
}

void report_render(const struct report_doc *doc, enum report_format format, char **out, size_t *len)
{
    struct buf b = {0};
    switch (format) {
    case REPORT_MD:
        render_md(doc, &b);
        break;
    case REPORT_CSV:
        render_csv(doc, &b);
        break;
    case REPORT_JSON:
        render_json(doc, &b);
        break;
    case REPORT_HTML:
    default:
        render_html(doc, &b);
        break;
    }
    if (b.data == NULL)
        put(&b, "");
    *out = b.data;
    *len = b.len;
}
