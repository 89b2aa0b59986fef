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
    free(doc->doc_number);
    free(doc->copies);
    for (size_t i = 0; i < doc->ntables; i++) {
        struct report_table *t = &doc->tables[i];
        free(t->title);
        for (size_t c = 0; c < t->ncols; c++)
            free(t->columns[c]);
        free(t->columns);
        for (size_t k = 0; k < t->nrows * t->ncols; k++) {
            free(t->cells[k]);
            free(t->shown[k]);
        }
        free(t->cells);
        free(t->shown);
        free(t->note);
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

bool report_group_amount(const char *s, char *out, size_t size)
{
    size_t len = strlen(s);
    size_t sign = s[0] == '-';
    /* digits, '.', two digits */
    if (len < sign + 4 || s[len - 3] != '.' || !isdigit((unsigned char)s[len - 2]) ||
        !isdigit((unsigned char)s[len - 1]))
        return false;
    size_t whole = len - 3 - sign;
    for (size_t i = sign; i < sign + whole; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    if (whole < 4 || len + (whole - 1) / 3 + 1 > size)
        return false;
    size_t o = 0;
    if (sign)
        out[o++] = '-';
    for (size_t i = 0; i < whole; i++) {
        if (i > 0 && (whole - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = s[sign + i];
    }
    memcpy(out + o, s + len - 3, 4); /* the point, two decimals and the NUL */
    return true;
}

void report_table_row(struct report_table *t, const char *const *cells)
{
    size_t n = (t->nrows + 1) * t->ncols;
    t->cells = xrealloc(t->cells, n * sizeof *t->cells);
    t->shown = xrealloc(t->shown, n * sizeof *t->shown);
    for (size_t c = 0; c < t->ncols; c++) {
        size_t k = t->nrows * t->ncols + c;
        t->cells[k] = xstrdup(cells[c] ? cells[c] : "");
        char grouped[64];
        t->shown[k] =
            report_group_amount(t->cells[k], grouped, sizeof grouped) ? xstrdup(grouped) : NULL;
    }
    t->nrows++;
}

const char *report_cell_shown(const struct report_table *t, size_t r, size_t c)
{
    size_t k = r * t->ncols + c;
    return t->shown[k] != NULL ? t->shown[k] : t->cells[k];
}

void report_table_note(struct report_table *t, const char *note)
{
    report_set(&t->note, note);
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

/* The document's date as a 公文 writes it: 2022年5月13日 (the text as given when it is
 * not a date). */
static void date_cn(const char *iso, char out[48])
{
    int32_t day;
    int y, m, d;
    if (iso && date_parse(iso, &day)) {
        date_to_civil(day, &y, &m, &d);
        snprintf(out, 48, "%d年%d月%d日", y, m, d);
    } else {
        snprintf(out, 48, "%s", or_empty(iso));
    }
}

/* Rows of one project (or unit) stand together: the first column is printed once per
 * run of equal values, when it names a project or a unit (never a rank). */
static bool grouped_under_above(const struct report_table *t, size_t r)
{
    static const char *const grouping[] = {"项目", "单位", "责任单位", "专营单位"};
    if (r == 0 || t->ncols < 2)
        return false;
    bool groups = false;
    for (size_t i = 0; i < sizeof grouping / sizeof grouping[0]; i++)
        groups |= strcmp(t->columns[0], grouping[i]) == 0;
    return groups && strcmp(cell(t, r, 0), cell(t, r - 1, 0)) == 0;
}

static bool has_chart(const struct report_doc *doc)
{
    return doc->chart_title && (doc->nseries > 0 || doc->nmarks > 0);
}

/* The 公文 layout (GB/T 9704 where it fits a generated report): the issuing organ and
 * the 文号 at the head, the title, 主送, the body in numbered sections (the chart is
 * figure 1 of section 一), then the organ and the date written out at the end, and 抄送.
 * What the document was built from (the audit-log position and chain head) is kept
 * with the stored report, not printed. */
static void render_md(const struct report_doc *doc, struct buf *b)
{
    char date[48];
    date_cn(doc->date, date);
    if (doc->draft)
        put(b, "**【预览稿，未印发，不作正式文件使用】**\n\n");
    if (doc->issuer)
        putf(b, "**%s**\n\n", doc->issuer);
    if (doc->doc_number)
        putf(b, "%s\n\n", doc->doc_number);
    putf(b, "# %s\n\n", or_empty(doc->title));
    if (doc->subtitle)
        putf(b, "%s\n\n", doc->subtitle);
    if (doc->recipients)
        putf(b, "主送：%s\n", doc->recipients);
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        putf(b, "\n## %s\n\n", t->title);
        if (t->nrows == 0) {
            put(b, "（无）\n");
        } else {
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
                    if (c > 0 || !grouped_under_above(t, r))
                        md_cell(b, report_cell_shown(t, r, c));
                    put(b, " |");
                }
                put(b, "\n");
            }
        }
        if (t->note)
            putf(b, "\n%s\n", t->note);
        if (i == 0 && has_chart(doc))
            putf(b, "\n图1　%s（图见 HTML 版、PDF 版）\n", doc->chart_title);
    }
    if (doc->ntables == 0 && has_chart(doc))
        putf(b, "\n图1　%s（图见 HTML 版、PDF 版）\n", doc->chart_title);
    put(b, "\n");
    if (doc->issuer)
        putf(b, "%s\n\n", doc->issuer);
    if (date[0])
        putf(b, "%s\n", date);
    if (doc->copies)
        putf(b, "\n抄送：%s\n", doc->copies);
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
    if (doc->draft)
        csv_pair(b, "draft", "预览稿，未印发");
    if (doc->doc_number)
        csv_pair(b, "doc_number", doc->doc_number);
    csv_pair(b, "title", doc->title);
    csv_pair(b, "subtitle", doc->subtitle);
    csv_pair(b, "issuer", doc->issuer);
    csv_pair(b, "recipients", doc->recipients);
    if (doc->copies)
        csv_pair(b, "copies", doc->copies);
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
        if (t->note)
            csv_pair(b, "note", t->note);
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
    put(b, "{");
    if (doc->draft)
        put(b, "\"draft\":true,");
    if (doc->doc_number) {
        put(b, "\"doc_number\":");
        json_string(b, doc->doc_number);
        put(b, ",");
    }
    put(b, "\"title\":");
    json_string(b, doc->title);
    put(b, ",\"subtitle\":");
    json_string(b, doc->subtitle);
    put(b, ",\"issuer\":");
    json_string(b, doc->issuer);
    put(b, ",\"recipients\":");
    json_string(b, doc->recipients);
    if (doc->copies) {
        put(b, ",\"copies\":");
        json_string(b, doc->copies);
    }
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
        put(b, "]");
        if (t->note) {
            put(b, ",\"note\":");
            json_string(b, t->note);
        }
        put(b, "}");
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

static void html_note(struct buf *b, const struct report_table *t)
{
    if (t->note == NULL)
        return;
    put(b, "<p class=\"note\">");
    html_text(b, t->note);
    put(b, "</p>\n");
}

#define CHART_W 760
#define CHART_H 320
#define CHART_L 62
#define CHART_R 20
#define CHART_T 20
#define CHART_B 50

/* The lines' colours; the plan's marks are grey and dashed, a colour none of these is. */
static const char *const series_colours[] = {"#1f5fa8", "#2e8b57", "#d35400",
                                             "#8e44ad", "#c0392b", "#16a085"};

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
    /* Axis titles, the x axis naming the year(s) the dates are in. */
    int year, month, day, last_year, last_month, last_day;
    date_to_civil(lo, &year, &month, &day);
    date_to_civil(hi, &last_year, &last_month, &last_day);
    putf(b,
         "<text x=\"14\" y=\"%d\" class=\"axis\" text-anchor=\"middle\" "
         "transform=\"rotate(-90 14 %d)\">占项目户数比例（%%）</text>\n",
         (CHART_T + CHART_H - CHART_B) / 2, (CHART_T + CHART_H - CHART_B) / 2);
    if (last_year != year)
        putf(b,
             "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">日期（%d—%d年）"
             "</text>\n",
             (CHART_L + CHART_W - CHART_R) / 2, CHART_H - 6, year, last_year);
    else
        putf(b,
             "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">日期（%d年）</text>\n",
             (CHART_L + CHART_W - CHART_R) / 2, CHART_H - 6, year);
    /* A tick on the first day of each month in range. */
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

/* A cell a line break would spoil (a date, a number, a status word, a short name)
 * is kept on one line. */
static bool html_nowrap(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80; /* characters, not bytes */
    return n <= 12;
}

static void render_html(const struct report_doc *doc, struct buf *b)
{
    char date[48];
    date_cn(doc->date, date);
    put(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(b, doc->title);
    /* A4 with the 公文 margins (top 37 mm, binding side 28 mm, body 156 × 225 mm) and
     * the page number centred at the foot, where the print engine supports it. */
    put(b, "</title>\n<style>\n"
           "@page{size:A4;margin:37mm 26mm 35mm 28mm;"
           "@bottom-center{content:\"— \" counter(page) \" —\"}}\n"
           "body{font-family:\"Noto Serif CJK SC\",\"Noto Sans CJK SC\",\"WenQuanYi Zen Hei\","
           "serif;margin:2em auto;max-width:52em;color:#111}\n"
           ".organ{text-align:center;color:#c00;font-size:1.9em;font-weight:bold;"
           "letter-spacing:.05em;margin:0}\n"
           ".docno{text-align:center;margin:.6em 0 0;padding-bottom:.6em;"
           "border-bottom:2px solid #c00}\n"
           "h1{text-align:center;font-size:1.6em;margin-top:1em}\n"
           ".sub{text-align:center}\n"
           "h2{font-size:1.15em;break-after:avoid;page-break-after:avoid}\n"
           "table{border-collapse:collapse;margin:.5em 0 1em;width:100%}\n"
           "thead{display:table-header-group}\n"
           "tr{break-inside:avoid;page-break-inside:avoid}\n"
           "th,td{border:1px solid #555;padding:.25em .5em;font-size:.9em;vertical-align:top}\n"
           "th{background:#eee;white-space:nowrap}\n"
           "td.nw{white-space:nowrap}\n"
           ".note{font-size:.9em}\n"
           ".sign{text-align:right;margin-top:2em}\n"
           ".cc{margin-top:2em;padding-top:.4em}\n"
           ".grid{stroke:#ccc;stroke-width:1}\n"
           ".tick,.legend,.marklabel,.axis{font-size:11px;fill:#333}\n"
           ".mark{stroke:#555;stroke-dasharray:4 3;fill:none}\n"
           "@media print{body{margin:0;max-width:none}}\n"
           ".draft{border:3px solid #c0392b;color:#c0392b;text-align:center;font-weight:bold;"
           "padding:.3em;margin-bottom:1em}\n"
           "</style>\n</head>\n<body>\n");
    if (doc->draft)
        put(b, "<p class=\"draft\">预览稿，未印发，不作正式文件使用</p>\n");
    if (doc->issuer) {
        put(b, "<p class=\"organ\">");
        html_text(b, doc->issuer);
        put(b, "</p>\n");
    }
    put(b, "<p class=\"docno\">");
    html_text(b, doc->doc_number ? doc->doc_number : "");
    put(b, "</p>\n<h1>");
    html_text(b, doc->title);
    put(b, "</h1>\n");
    if (doc->subtitle) {
        put(b, "<p class=\"sub\">");
        html_text(b, doc->subtitle);
        put(b, "</p>\n");
    }
    if (doc->recipients) {
        put(b, "<p>主送：");
        html_text(b, doc->recipients);
        put(b, "</p>\n");
    }
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        put(b, "<h2>");
        html_text(b, t->title);
        put(b, "</h2>\n");
        if (t->nrows == 0) {
            put(b, "<p>（无）</p>\n");
        } else {
            put(b, "<table>\n<thead><tr>");
            for (size_t c = 0; c < t->ncols; c++) {
                put(b, "<th>");
                html_text(b, t->columns[c]);
                put(b, "</th>");
            }
            put(b, "</tr></thead>\n<tbody>\n");
            for (size_t r = 0; r < t->nrows; r++) {
                put(b, "<tr>");
                for (size_t c = 0; c < t->ncols; c++) {
                    if (c == 0 && grouped_under_above(t, r))
                        continue; /* covered by the rowspan above */
                    size_t span = 1;
                    while (c == 0 && r + span < t->nrows && grouped_under_above(t, r + span))
                        span++;
                    put(b, html_nowrap(report_cell_shown(t, r, c)) ? "<td class=\"nw\"" : "<td");
                    if (span > 1)
                        putf(b, " rowspan=\"%zu\"", span);
                    put(b, ">");
                    html_text(b, report_cell_shown(t, r, c));
                    put(b, "</td>");
                }
                put(b, "</tr>\n");
            }
            put(b, "</tbody>\n</table>\n");
        }
        html_note(b, t);
        if (i == 0 && has_chart(doc)) {
            put(b, "<figure>\n");
            render_chart(doc, b);
            put(b, "<figcaption>图1　");
            html_text(b, doc->chart_title);
            put(b, "</figcaption>\n</figure>\n");
        }
    }
    put(b, "<div class=\"sign\">");
    if (doc->issuer) {
        put(b, "<p>");
        html_text(b, doc->issuer);
        put(b, "</p>");
    }
    put(b, "<p>");
    html_text(b, date);
    put(b, "</p></div>\n");
    if (doc->copies) {
        put(b, "<p class=\"cc\">抄送：");
        html_text(b, doc->copies);
        put(b, "</p>\n");
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
