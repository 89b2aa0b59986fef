/*
 * The text table. See table.h.
 *
 * Widths come from mbrtowc() + wcwidth() in a UTF-8 LC_CTYPE. Cells are cleaned once, when
 * they are added (control characters and broken UTF-8 become '?', a tab a space), and
 * measured then, so printing only pads. Should no UTF-8 locale exist at all (C.UTF-8 is
 * built into glibc since 2.35, so this is for odd systems), widths fall back to a decoder
 * here that knows the East Asian wide ranges; that is enough for Chinese names.
 */
#include "table.h"

#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "i18n.h"
#include "layout.h"
#include "output.h"
#include "utf8.h"
#include "xmalloc.h"

#define TABLE_GAP "  "
/* The narrowest a text column becomes to fit the terminal, in display columns. */
#define TABLE_MIN_TEXT 8

struct table_cell {
    char *text;
    size_t width;
};

struct table {
    size_t columns;
    struct table_cell *headers;
    struct table_cell *short_headers; /* per column; text NULL: none */
    bool *keep;                       /* columns that tell rows apart */
    bool *optional;                   /* columns left out first when the width is short */
    enum table_align *align;
    struct table_cell *cells; /* rows * columns, row-major */
    size_t rows;
    size_t capacity; /* in rows */
};

enum locale_state { LOCALE_UNSET = 0, LOCALE_UTF8, LOCALE_FALLBACK };
static enum locale_state locale_state;

static bool codeset_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

void table_init_locale(void)
{
    setlocale(LC_CTYPE, "");
    if (!codeset_is_utf8())
        setlocale(LC_CTYPE, "C.UTF-8");
    locale_state = codeset_is_utf8() ? LOCALE_UTF8 : LOCALE_FALLBACK;
}

/*
 * The fallback's idea of width: none for combining marks and zero-width spaces, two cells
 * for the East Asian wide blocks, else one.
 */
static size_t fallback_width(uint32_t cp)
{
    static const uint32_t zero[][2] = {
        {0x0300, 0x036f}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},
        {0x200b, 0x200f}, {0x20d0, 0x20ff}, {0xfe20, 0xfe2f},
    };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    static const uint32_t wide[][2] = {
        {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},
        {0x4e00, 0x9fff},   {0xa000, 0xa4cf},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
        {0xfe30, 0xfe4f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
        {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
    };
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

static size_t fallback_text_width(const char *utf8)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t n = strlen(utf8);
    size_t width = 0;
    while (n > 0) {
        uint32_t cp = 0;
        size_t len = utf8_decode(s, n, &cp);
        if (len == 0) {
            width++;
            s++;
            n--;
            continue;
        }
        width += fallback_width(cp);
        s += len;
        n -= len;
    }
    return width;
}

size_t text_width(const char *utf8)
{
    if (locale_state == LOCALE_UNSET)
        table_init_locale();
    if (locale_state == LOCALE_FALLBACK)
        return fallback_text_width(utf8);

    mbstate_t state;
    memset(&state, 0, sizeof state);
    size_t n = strlen(utf8);
    size_t width = 0;
    while (n > 0) {
        wchar_t wc;
        size_t len = mbrtowc(&wc, utf8, n, &state);
        if (len == (size_t)-1 || len == (size_t)-2) {
            /* A byte that starts no character: one cell, as a terminal shows it. */
            memset(&state, 0, sizeof state);
            width++;
            utf8++;
            n--;
            continue;
        }
        if (len == 0) /* cannot happen before the NUL, but never loop on it */
            break;
        int w = wcwidth(wc);
        width += w < 0 ? 1 : (size_t)w;
        utf8 += len;
        n -= len;
    }
    return width;
}

/* A copy of text that is safe to lay out: valid UTF-8 without control characters. */
static char *clean_text(const char *text)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)s);
    char *out = xmalloc(n + 1);
    size_t o = 0;
    while (n > 0) {
        uint32_t cp = 0;
        size_t len = utf8_decode(s, n, &cp);
        if (len == 0) {
            out[o++] = '?';
            s++;
            n--;
            continue;
        }
        if (cp == '\t') {
            out[o++] = ' ';
        } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s, len);
            o += len;
        }
        s += len;
        n -= len;
    }
    out[o] = '\0';
    return out;
}

static void cell_set(struct table_cell *cell, const char *text)
{
    cell->text = clean_text(text);
    cell->width = text_width(cell->text);
}

struct table *table_new(size_t columns, const char *const headers[])
{
    struct table *t = xcalloc(1, sizeof *t);
    t->columns = columns;
    t->headers = xcalloc(columns, sizeof *t->headers);
    t->align = xcalloc(columns, sizeof *t->align);
    t->short_headers = xcalloc(columns, sizeof *t->short_headers);
    t->keep = xcalloc(columns, sizeof *t->keep);
    t->optional = xcalloc(columns, sizeof *t->optional);
    /* Headers are marked N_() where they are written and translated here; "" is not
     * looked up (gettext would answer with the catalogue's header). */
    for (size_t c = 0; c < columns; c++)
        cell_set(&t->headers[c],
                 headers[c] != NULL && headers[c][0] != '\0' ? _(headers[c]) : headers[c]);
    return t;
}

void table_set_align(struct table *t, size_t column, enum table_align align)
{
    if (column < t->columns)
        t->align[column] = align;
}

void table_set_short_header(struct table *t, size_t column, const char *header)
{
    if (column < t->columns && header != NULL && header[0] != '\0') {
        free(t->short_headers[column].text);
        cell_set(&t->short_headers[column], _(header));
    }
}

void table_set_keep(struct table *t, size_t column)
{
    if (column < t->columns)
        t->keep[column] = true;
}

void table_set_optional(struct table *t, size_t column)
{
    if (column < t->columns)
        t->optional[column] = true;
}

void table_add_row(struct table *t, const char *const cells[])
{
    if (t->rows == t->capacity) {
        t->capacity = t->capacity ? 2 * t->capacity : 8;
        t->cells = xrealloc(t->cells, t->capacity * t->columns * sizeof *t->cells);
    }
    struct table_cell *row = t->cells + t->rows * t->columns;
    for (size_t c = 0; c < t->columns; c++)
        cell_set(&row[c], cells[c]);
    t->rows++;
}

size_t table_rows(const struct table *t)
{
    return t->rows;
}

/* "12", "-3", "45.6", "99.5%", "1,234.50": what a reader compares by magnitude, so right-aligned.
 */
static bool looks_numeric(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    /* Digits, grouped by thousands or not: "1,234,567". */
    while ((*s >= '0' && *s <= '9') || (*s == ',' && s[1] >= '0' && s[1] <= '9'))
        s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == '%')
        s++;
    return *s == '\0';
}

/* "2022-05-14", "05-14" or "2022-05-14 09:30": a date (and time) a reader takes whole,
 * so never cut, as a number is not. */
static bool looks_date(const char *s)
{
    static const char *const shapes[] = {"dddd-dd-dd", "dd-dd", "dddd-dd-dd dd:dd",
                                         "dddd-dd-dd dd:dd:dd"};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const char *p = shapes[k], *q = s;
        while (*p != '\0' && *q != '\0' && (*p == 'd' ? *q >= '0' && *q <= '9' : *q == *p)) {
            p++;
            q++;
        }
        if (*p == '\0' && *q == '\0')
            return true;
    }
    return false;
}

/* True when every cell of column c that says something is a date. */
static bool column_is_dates(const struct table *t, size_t c)
{
    bool any = false;
    for (size_t r = 0; r < t->rows; r++) {
        const char *text = t->cells[r * t->columns + c].text;
        if (text[0] == '\0' || strcmp(text, "-") == 0)
            continue;
        if (!looks_date(text))
            return false;
        any = true;
    }
    return any;
}

static enum table_align column_align(const struct table *t, size_t c)
{
    if (t->align[c] != TABLE_ALIGN_AUTO)
        return t->align[c];
    bool any_number = false;
    for (size_t r = 0; r < t->rows; r++) {
        const char *text = t->cells[r * t->columns + c].text;
        /* Empty cells and "-" (nothing to report) do not decide the alignment. */
        if (text[0] == '\0' || strcmp(text, "-") == 0)
            continue;
        if (!looks_numeric(text))
            return TABLE_ALIGN_LEFT;
        any_number = true;
    }
    return any_number ? TABLE_ALIGN_RIGHT : TABLE_ALIGN_LEFT;
}

/* A line being built; trailing blanks are cut before it is written. */
struct line {
    char *buf;
    size_t len, cap;
};

static void line_append(struct line *l, const char *text, size_t len)
{
    if (l->len + len + 1 > l->cap) {
        while (l->len + len + 1 > l->cap)
            l->cap = l->cap ? 2 * l->cap : 128;
        l->buf = xrealloc(l->buf, l->cap);
    }
    memcpy(l->buf + l->len, text, len);
    l->len += len;
    l->buf[l->len] = '\0';
}

static void line_pad(struct line *l, size_t count)
{
    static const char spaces[] = "                                ";
    while (count > 0) {
        size_t chunk = count < sizeof spaces - 1 ? count : sizeof spaces - 1;
        line_append(l, spaces, chunk);
        count -= chunk;
    }
}

static void print_row(const struct table *t, const struct table_cell *row, const size_t *widths,
                      const enum table_align *aligns, const bool *hidden, size_t gap,
                      struct line *l, FILE *out)
{
    l->len = 0;
    bool first = true;
    for (size_t c = 0; c < t->columns; c++) {
        if (hidden[c])
            continue;
        const struct table_cell *cell = &row[c];
        if (!first)
            line_append(l, TABLE_GAP, gap);
        first = false;
        if (cell->width > widths[c]) {
            /* Too wide for the terminal: cut by display width, ending in "…". */
            char *cut = layout_cell(cell->text, widths[c],
                                    aligns[c] == TABLE_ALIGN_RIGHT ? LAYOUT_RIGHT : LAYOUT_LEFT);
            line_append(l, cut, strlen(cut));
            free(cut);
            continue;
        }
        size_t pad = widths[c] - cell->width;
        if (aligns[c] == TABLE_ALIGN_RIGHT)
            line_pad(l, pad);
        line_append(l, cell->text, strlen(cell->text));
        if (aligns[c] != TABLE_ALIGN_RIGHT)
            line_pad(l, pad);
    }
    while (l->len > 0 && l->buf[l->len - 1] == ' ')
        l->len--;
    fwrite(l->buf, 1, l->len, out);
    fputc('\n', out);
}

static size_t width_limit; /* 0: no limit */

void table_set_width_limit(size_t columns)
{
    width_limit = columns;
}

size_t table_width_limit(void)
{
    return width_limit;
}

/* The widest cell of column c with the header given, and of its data alone. */
static size_t column_natural(const struct table *t, size_t c, const struct table_cell *header,
                             size_t *data)
{
    *data = 0;
    for (size_t r = 0; r < t->rows; r++)
        if (t->cells[r * t->columns + c].width > *data)
            *data = t->cells[r * t->columns + c].width;
    return header->width > *data ? header->width : *data;
}

/* The layout of a table: each column's header, alignment and width, and the columns
 * left out. */
struct plan {
    size_t *widths;
    enum table_align *aligns;
    struct table_cell *headers;
    bool *hidden;
    size_t gap;
    size_t natural; /* the width of the columns shown, none cut, full headers */
};

/*
 * Widths for the columns not hidden: every column at its natural width when that fits;
 * else short headers first, numbers and dates kept whole, other text shrunk, the kept
 * columns last. Returns the width used, which is more than the limit only when even the
 * narrowest layout is.
 */
static size_t plan_widths(const struct table *t, struct plan *p)
{
    size_t n = 0;
    size_t *natural = xcalloc(t->columns, sizeof *natural);
    size_t *minimum = xcalloc(t->columns, sizeof *minimum);
    size_t *widths = xcalloc(t->columns, sizeof *widths);
    size_t *index = xcalloc(t->columns, sizeof *index); /* shown column k is index[k] */
    size_t total = 0;
    for (size_t c = 0; c < t->columns; c++) {
        if (p->hidden[c])
            continue;
        size_t data;
        p->headers[c] = t->headers[c];
        total += column_natural(t, c, &p->headers[c], &data) + (n > 0 ? sizeof TABLE_GAP - 1 : 0);
        index[n++] = c;
    }
    p->natural = total;
    /* Too wide: the columns that have a short header (开工 for 开工户数) take it first, so
     * that a number's column is as wide as its numbers before any text is cut. */
    bool narrow = width_limit > 0 && total > width_limit;
    /* A table of figures that had to take its short headers also closes up to one blank
     * between columns, as the dashboard does at 80 columns. */
    p->gap = sizeof TABLE_GAP - 1;
    for (size_t k = 0; k < n && narrow; k++)
        if (t->short_headers[index[k]].text != NULL)
            p->gap = 1;
    for (size_t k = 0; k < n; k++) {
        size_t c = index[k];
        if (narrow && t->short_headers[c].text != NULL)
            p->headers[c] = t->short_headers[c];
        size_t data;
        natural[k] = column_natural(t, c, &p->headers[c], &data);
        p->aligns[c] = column_align(t, c);
        /* Numbers and dates keep their width (never cut, though a long header over them
         * may be); text may shrink to a few characters, except a column that tells rows
         * apart, which keeps its width while the others can give. */
        if (p->aligns[c] == TABLE_ALIGN_RIGHT)
            minimum[k] = data > 4 ? data : (natural[k] < 4 ? natural[k] : 4);
        else if (column_is_dates(t, c))
            minimum[k] = data;
        else
            minimum[k] = t->keep[c] || natural[k] < TABLE_MIN_TEXT ? natural[k] : TABLE_MIN_TEXT;
    }
    size_t used;
    if (width_limit > 0) {
        used = layout_widths(natural, minimum, n, p->gap, width_limit, widths);
        /* Even so too wide: the kept columns give too, but only what the others at their
         * narrowest leave them, shared in proportion to their widths. */
        if (used > width_limit) {
            size_t others = n > 0 ? (n - 1) * p->gap : 0, kept = 0;
            for (size_t k = 0; k < n; k++) {
                size_t c = index[k];
                bool keep = t->keep[c] && p->aligns[c] != TABLE_ALIGN_RIGHT;
                others += keep ? 0 : minimum[k];
                kept += keep ? natural[k] : 0;
            }
            size_t avail = width_limit > others ? width_limit - others : 0;
            for (size_t k = 0; k < n; k++) {
                size_t c = index[k];
                if (!t->keep[c] || p->aligns[c] == TABLE_ALIGN_RIGHT || kept == 0)
                    continue;
                size_t share = avail * natural[k] / kept;
                minimum[k] = share < TABLE_MIN_TEXT ? TABLE_MIN_TEXT
                             : share > natural[k]   ? natural[k]
                                                    : share;
                if (minimum[k] > natural[k])
                    minimum[k] = natural[k];
            }
            used = layout_widths(natural, minimum, n, p->gap, width_limit, widths);
        }
    } else {
        memcpy(widths, natural, n * sizeof *widths);
        used = total;
    }
    for (size_t k = 0; k < n; k++)
        p->widths[index[k]] = widths[k];
    free(index);
    free(widths);
    free(minimum);
    free(natural);
    return used;
}

void table_print(const struct table *t, FILE *out)
{
    if (t->columns == 0)
        return;
    struct plan p = {
        .widths = xcalloc(t->columns, sizeof *p.widths),
        .aligns = xcalloc(t->columns, sizeof *p.aligns),
        .headers = xcalloc(t->columns, sizeof *p.headers),
        .hidden = xcalloc(t->columns, sizeof *p.hidden),
    };
    /* Wider than the terminal: the optional columns go, the last first, before any other
     * is cut or shrunk; the reader is told which, and --json has them all. */
    size_t left_out = 0;
    for (;;) {
        (void)plan_widths(t, &p);
        if (width_limit == 0 || p.natural <= width_limit)
            break;
        size_t c = t->columns;
        while (c > 0 && !(t->optional[c - 1] && !p.hidden[c - 1]))
            c--;
        if (c == 0)
            break;
        p.hidden[c - 1] = true;
        left_out++;
    }
    struct line l = {0};
    print_row(t, p.headers, p.widths, p.aligns, p.hidden, p.gap, &l, out);
    for (size_t r = 0; r < t->rows; r++)
        print_row(t, t->cells + r * t->columns, p.widths, p.aligns, p.hidden, p.gap, &l, out);
    if (left_out > 0) {
        l.len = 0;
        for (size_t c = 0; c < t->columns; c++) {
            if (!p.hidden[c])
                continue;
            if (l.len > 0)
                line_append(&l, _(", "), strlen(_(", ")));
            line_append(&l, t->headers[c].text, strlen(t->headers[c].text));
        }
        output_line(out, _("(left out at this width: %s; --json shows every column)"), l.buf);
    }
    free(l.buf);
    free(p.hidden);
    free(p.headers);
    free(p.aligns);
    free(p.widths);
}

void table_free(struct table *t)
{
    if (t == NULL)
        return;
    for (size_t c = 0; c < t->columns; c++) {
        free(t->headers[c].text);
        free(t->short_headers[c].text);
    }
    free(t->short_headers);
    free(t->keep);
    free(t->optional);
    for (size_t i = 0; i < t->rows * t->columns; i++)
        free(t->cells[i].text);
    free(t->cells);
    free(t->align);
    free(t->headers);
    free(t);
}
