/*
 * A report document as a printed 公文: PDF through cairo and pango, A4 with the margins of
 * GB/T 9704 (top 37 mm, binding side 28 mm, body 156 × 225 mm), the Noto CJK fonts.
 * Owns the page layout: the head (issuing organ in red, 文号, a red rule, title,
 * 主送), the numbered sections with their tables (headers repeated on every page a
 * table continues on, a project's or unit's rows grouped under its name, short cells
 * never broken, the name columns kept at their width while columns of figures shrink to
 * their figures, a heading never left alone at a page's foot: it keeps its table's header
 * and first row, measured as drawn), the charts, set off by a gap from the text around
 * (each project's started and completed households against the plan's marks; funds
 * received and paid by source; line work per utility), the organ and the date at the end,
 * 抄送,
 * and the page number at every page's foot. A preview says 预览稿 on every page.
 *
 * Deterministic like the other renderings: the PDF's creation date is the document's
 * date, so the same document gives the same bytes. pango's font machinery is shared
 * process state, so renderings are serialised by a mutex (renod renders on its thread
 * pool).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "date.h"
#include "report.h"
#include "xmalloc.h"

#define MM(x)    ((x)*72.0 / 25.4)
#define PAGE_W   MM(210.0)
#define PAGE_H   MM(297.0)
#define LEFT     MM(28.0)
#define TOP      MM(37.0)
#define BODY_W   MM(156.0)
#define BODY_BOT (TOP + MM(225.0))
#define SERIF    "Noto Serif CJK SC"
#define SANS     "Noto Sans CJK SC"

struct pdf {
    cairo_t *cr;
    cairo_surface_t *surface;
    const struct report_doc *doc;
    double y; /* where the next block goes on the current page */
    int page;
    struct {
        char *data;
        size_t len;
    } out;
};

static cairo_status_t collect(void *closure, const unsigned char *data, unsigned int length)
{
    struct pdf *p = closure;
    p->out.data = xrealloc(p->out.data, p->out.len + length + 1);
    memcpy(p->out.data + p->out.len, data, length);
    p->out.len += length;
    p->out.data[p->out.len] = '\0';
    return CAIRO_STATUS_SUCCESS;
}

static PangoLayout *layout(struct pdf *p, const char *font, double size, const char *text,
                           double width, PangoAlignment align)
{
    PangoLayout *l = pango_cairo_create_layout(p->cr);
    char desc[96];
    snprintf(desc, sizeof desc, "%s %.1f", font, size);
    PangoFontDescription *fd = pango_font_description_from_string(desc);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double layout_h(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double layout_w(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)w / PANGO_SCALE;
}

static void draw_at(struct pdf *p, PangoLayout *l, double x, double y)
{
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

static void page_foot(struct pdf *p)
{
    char num[32];
    snprintf(num, sizeof num, "— %d —", p->page);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    PangoLayout *l = layout(p, SERIF, 11, num, BODY_W, PANGO_ALIGN_CENTER);
    draw_at(p, l, LEFT, BODY_BOT + MM(7.0));
    g_object_unref(l);
}

static void page_head(struct pdf *p)
{
    if (!p->doc->draft)
        return;
    cairo_set_source_rgb(p->cr, 0.75, 0.22, 0.17);
    PangoLayout *l =
        layout(p, SANS, 11, "预览稿，未印发，不作正式文件使用", BODY_W, PANGO_ALIGN_CENTER);
    draw_at(p, l, LEFT, TOP - MM(12.0));
    g_object_unref(l);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void new_page(struct pdf *p)
{
    page_foot(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = TOP;
    page_head(p);
}

/* Room for h points below the cursor, else the next page. */
static void need(struct pdf *p, double h)
{
    if (p->y + h > BODY_BOT && p->y > TOP)
        new_page(p);
}

static void paragraph(struct pdf *p, const char *font, double size, const char *text,
                      PangoAlignment align, double after)
{
    PangoLayout *l = layout(p, font, size, text, BODY_W, align);
    need(p, layout_h(l));
    draw_at(p, l, LEFT, p->y);
    p->y += layout_h(l) + after;
    g_object_unref(l);
}

/* ---- tables ------------------------------------------------------------------------- */

#define CELL_PAD      3.0
#define HEADING_AFTER 5.0
/* The room left above and below a chart with its caption, apart from the text. */
#define CHART_GAP 10.0
#define TABLE_FS  9.5

static bool short_cell(const char *s)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        n += (*c & 0xC0) != 0x80;
    return n <= 12;
}

/* A figure: digits with a sign, separators, a decimal point, a percent sign or a unit
 * of 户/元/万元; such a column shrinks to its figures and lets its header wrap. */
static bool numeric_cell(const char *s)
{
    bool digit = false;
    for (const char *c = s; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digit = true;
        else if (strchr("+-.,% /", *c) == NULL)
            return strncmp(c, "户", strlen("户")) == 0 || strncmp(c, "元", strlen("元")) == 0 ||
                   strncmp(c, "万元", strlen("万元")) == 0;
    }
    return digit || s[0] == '\0' || strcmp(s, "-") == 0;
}

/* The columns that tell rows apart, whose text must not wrap while there is room: the
 * names of projects, communities, units and sources. */
static bool name_column(const char *header)
{
    static const char *const names[] = {"项目",     "小区",     "单位",   "责任单位",
                                        "专营单位", "资金来源", "参与方", "名称"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(header, names[i]) == 0)
            return true;
    return false;
}

static bool groups_first_column(const struct report_table *t)
{
    static const char *const names[] = {"项目", "单位", "责任单位", "专营单位"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (t->ncols > 1 && strcmp(t->columns[0], names[i]) == 0)
            return true;
    return false;
}

/* A cell as printed: amounts with their thousands separators (report_cell_shown). */
static const char *tcell(const struct report_table *t, size_t r, size_t c)
{
    return report_cell_shown(t, r, c);
}

/* Column widths: short cells (dates, numbers, status words) keep their natural width, a
 * column of figures only its figures' (its header wraps onto two lines rather than widen
 * it), and the names that tell rows apart theirs, up to 40% of the body; what remains of
 * the body's width goes to the long text columns. */
static void column_widths(struct pdf *p, const struct report_table *t, double *w)
{
    double fixed = 0, flexible_natural = 0;
    bool *flex = xcalloc(t->ncols, sizeof *flex);
    for (size_t c = 0; c < t->ncols; c++) {
        PangoLayout *h = layout(p, SANS, TABLE_FS, t->columns[c], -1, PANGO_ALIGN_LEFT);
        double header = layout_w(h), natural = 0;
        g_object_unref(h);
        bool numbers = t->nrows > 0;
        for (size_t r = 0; r < t->nrows; r++) {
            PangoLayout *l = layout(p, SERIF, TABLE_FS, tcell(t, r, c), -1, PANGO_ALIGN_LEFT);
            double lw = layout_w(l);
            g_object_unref(l);
            if (!short_cell(tcell(t, r, c)))
                flex[c] = true;
            numbers = numbers && numeric_cell(tcell(t, r, c));
            natural = lw > natural ? lw : natural;
        }
        natural = fmax(natural, numbers ? header / 2 + TABLE_FS : header);
        w[c] = natural + 2 * CELL_PAD;
        if (flex[c] && name_column(t->columns[c])) {
            w[c] = fmin(w[c], 0.4 * BODY_W);
            flex[c] = false;
        }
        if (flex[c])
            flexible_natural += w[c];
        else
            fixed += w[c];
    }
    double room = BODY_W - fixed;
    if (fixed + flexible_natural <= BODY_W || flexible_natural <= 0) {
        /* Everything fits: spread the slack evenly. */
        double total = fixed + flexible_natural;
        for (size_t c = 0; c < t->ncols; c++)
            w[c] *= total > 0 ? BODY_W / total : 1.0;
    } else {
        for (size_t c = 0; c < t->ncols; c++)
            if (flex[c])
                w[c] = fmax(room * w[c] / flexible_natural, MM(18.0));
    }
    free(flex);
}

static double row_height(struct pdf *p, const struct report_table *t, const double *w,
                         const char *const *texts, bool header)
{
    double h = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        PangoLayout *l = layout(p, header ? SANS : SERIF, TABLE_FS, texts[c], w[c] - 2 * CELL_PAD,
                                PANGO_ALIGN_LEFT);
        h = fmax(h, layout_h(l));
        g_object_unref(l);
    }
    return h + 2 * CELL_PAD;
}

static void draw_row(struct pdf *p, const struct report_table *t, const double *w,
                     const char *const *texts, bool header, double h)
{
    double x = LEFT;
    for (size_t c = 0; c < t->ncols; c++) {
        if (header) {
            cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
            cairo_rectangle(p->cr, x, p->y, w[c], h);
            cairo_fill(p->cr);
        }
        cairo_set_source_rgb(p->cr, 0.33, 0.33, 0.33);
        cairo_set_line_width(p->cr, 0.5);
        cairo_rectangle(p->cr, x, p->y, w[c], h);
        cairo_stroke(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        PangoLayout *l = layout(p, header ? SANS : SERIF, TABLE_FS, texts[c], w[c] - 2 * CELL_PAD,
                                PANGO_ALIGN_LEFT);
        draw_at(p, l, x + CELL_PAD, p->y + CELL_PAD);
        g_object_unref(l);
        x += w[c];
    }
    p->y += h;
}

/* The height that must follow a table's heading on its page: its header and first row,
 * or the line saying it is empty. */
static double table_lead(struct pdf *p, const struct report_table *t)
{
    if (t->nrows == 0) {
        PangoLayout *l = layout(p, SERIF, 11, "（无）", BODY_W, PANGO_ALIGN_LEFT);
        double h = layout_h(l);
        g_object_unref(l);
        return h;
    }
    double *w = xcalloc(t->ncols, sizeof *w);
    column_widths(p, t, w);
    const char **texts = xcalloc(t->ncols, sizeof *texts);
    for (size_t c = 0; c < t->ncols; c++)
        texts[c] = tcell(t, 0, c);
    double h = row_height(p, t, w, (const char *const *)t->columns, true) +
               row_height(p, t, w, texts, false);
    free(texts);
    free(w);
    return h;
}

static void draw_table(struct pdf *p, const struct report_table *t)
{
    double *w = xcalloc(t->ncols, sizeof *w);
    column_widths(p, t, w);
    const char **texts = xcalloc(t->ncols, sizeof *texts);
    double head_h = row_height(p, t, w, (const char *const *)t->columns, true);
    bool group = groups_first_column(t);
    bool header_on_page = false;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            texts[c] = tcell(t, r, c);
        /* A project's (or unit's) rows stand under its name, given once per page. */
        bool same = group && r > 0 && strcmp(tcell(t, r, 0), tcell(t, r - 1, 0)) == 0;
        if (same)
            texts[0] = "";
        double h = row_height(p, t, w, texts, false);
        if (!header_on_page || p->y + h > BODY_BOT) {
            if (p->y + head_h + h > BODY_BOT && p->y > TOP)
                new_page(p);
            /* The header again on each page the table continues on. */
            draw_row(p, t, w, (const char *const *)t->columns, true, head_h);
            header_on_page = true;
            if (same) {
                texts[0] = tcell(t, r, 0);
                h = row_height(p, t, w, texts, false);
            }
        }
        draw_row(p, t, w, texts, false, h);
    }
    p->y += 6;
    free(texts);
    free(w);
}

/* ---- charts ------------------------------------------------------------------------- */

static const double palette[][3] = {{0.12, 0.37, 0.66}, {0.18, 0.55, 0.34}, {0.83, 0.33, 0.0},
                                    {0.56, 0.27, 0.68}, {0.75, 0.22, 0.17}, {0.09, 0.63, 0.52}};
#define NPALETTE (sizeof palette / sizeof palette[0])

static void text_at(struct pdf *p, const char *font, double size, const char *text, double x,
                    double y, int anchor /* 0 left, 1 centre, 2 right */)
{
    PangoLayout *l = layout(p, font, size, text, -1, PANGO_ALIGN_LEFT);
    double tw = layout_w(l), th = layout_h(l);
    draw_at(p, l, x - (anchor == 1 ? tw / 2 : anchor == 2 ? tw : 0), y - th / 2);
    g_object_unref(l);
}

static void caption(struct pdf *p, int *figure, const char *title)
{
    char text[300];
    snprintf(text, sizeof text, "图%d　%s", ++*figure, title);
    paragraph(p, SANS, 10.5, text, PANGO_ALIGN_CENTER, CHART_GAP + 4);
}

/* Each project's share started and completed over time against the plan's marks. */
static void progress_chart(struct pdf *p, int *figure)
{
    const struct report_doc *doc = p->doc;
    const double H = MM(80.0), L = MM(16.0), B = MM(14.0), R = MM(4.0);
    /* The chart and its caption stay together, set off from the text above by a gap. */
    need(p, CHART_GAP + H + 40);
    p->y += CHART_GAP;
    double x0 = LEFT + L, x1 = LEFT + BODY_W - R, y0 = p->y + H - B, y1 = p->y + 4;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < doc->nseries; i++)
        for (size_t k = 0; k < doc->series[i].n; k++) {
            lo = doc->series[i].points[k].day < lo ? doc->series[i].points[k].day : lo;
            hi = doc->series[i].points[k].day > hi ? doc->series[i].points[k].day : hi;
        }
    for (size_t i = 0; i < doc->nmarks; i++) {
        lo = doc->marks[i].day < lo ? doc->marks[i].day : lo;
        hi = doc->marks[i].day > hi ? doc->marks[i].day : hi;
    }
    if (lo > hi)
        return;
    int year, month, day, last_year, m2, d2;
    date_to_civil(lo, &year, &month, &day);
    date_to_civil(hi, &last_year, &m2, &d2);
    /* From the first of the first month to the end of the last. */
    int32_t first_of_month;
    if (date_from_civil(year, month, 1, &first_of_month))
        lo = first_of_month;
    if (hi == lo)
        hi = lo + 31;
#define XOF(d) (x0 + (double)((d)-lo) * (x1 - x0) / (double)(hi - lo))
#define YOF(v) (y0 - (v) * (y0 - y1) / 100.0)
    cairo_set_line_width(p->cr, 0.4);
    for (int pct = 0; pct <= 100; pct += 25) {
        cairo_set_source_rgb(p->cr, 0.8, 0.8, 0.8);
        cairo_move_to(p->cr, x0, YOF(pct));
        cairo_line_to(p->cr, x1, YOF(pct));
        cairo_stroke(p->cr);
        char t[16];
        snprintf(t, sizeof t, "%d%%", pct);
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        text_at(p, SANS, 7.5, t, x0 - 3, YOF(pct), 2);
    }
    int y = year, m = month;
    for (;;) {
        int32_t first;
        if (!date_from_civil(y, m, 1, &first) || first > hi)
            break;
        char t[16];
        snprintf(t, sizeof t, "%d月", m);
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        text_at(p, SANS, 7.5, t, XOF(first), y0 + 8, 1);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    char axis[64];
    if (last_year != year)
        snprintf(axis, sizeof axis, "日期（%d—%d年）", year, last_year);
    else
        snprintf(axis, sizeof axis, "日期（%d年）", year);
    text_at(p, SANS, 8.5, axis, (x0 + x1) / 2, y0 + 22, 1);
    cairo_save(p->cr);
    cairo_translate(p->cr, LEFT + 4, (y0 + y1) / 2);
    cairo_rotate(p->cr, -M_PI / 2);
    text_at(p, SANS, 8.5, "占项目户数比例（%）", 0, 0, 1);
    cairo_restore(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    cairo_set_line_width(p->cr, 0.8);
    cairo_move_to(p->cr, x0, y1);
    cairo_line_to(p->cr, x0, y0);
    cairo_line_to(p->cr, x1, y0);
    cairo_stroke(p->cr);
    /* The plan's marks: grey, dashed, a colour no line has. */
    for (size_t i = 0; i < doc->nmarks; i++) {
        const struct report_mark *mk = &doc->marks[i];
        double dash[] = {3, 2};
        cairo_set_source_rgb(p->cr, 0.45, 0.45, 0.45);
        cairo_set_dash(p->cr, dash, 2, 0);
        cairo_set_line_width(p->cr, 0.7);
        cairo_move_to(p->cr, XOF(mk->day), y0);
        cairo_line_to(p->cr, XOF(mk->day), YOF(mk->value));
        cairo_stroke(p->cr);
        cairo_set_dash(p->cr, NULL, 0, 0);
        cairo_arc(p->cr, XOF(mk->day), YOF(mk->value), 2.5, 0, 2 * M_PI);
        cairo_stroke(p->cr);
        bool right = XOF(mk->day) > x0 + 0.6 * (x1 - x0);
        text_at(p, SANS, 7, mk->label, XOF(mk->day) + (right ? -4 : 4),
                YOF(mk->value) + (YOF(mk->value) < y1 + 12 ? 8 : -7), right ? 2 : 0);
    }
    for (size_t i = 0; i < doc->nseries; i++) {
        const struct report_series *s = &doc->series[i];
        const double *c = palette[i % NPALETTE];
        cairo_set_source_rgb(p->cr, c[0], c[1], c[2]);
        cairo_set_line_width(p->cr, 1.4);
        for (size_t k = 0; k < s->n; k++) {
            double px = XOF(s->points[k].day), py = YOF(s->points[k].value);
            if (k == 0)
                cairo_move_to(p->cr, px, py);
            else
                cairo_line_to(p->cr, px, py);
        }
        cairo_stroke(p->cr);
        for (size_t k = 0; k < s->n; k++) {
            cairo_arc(p->cr, XOF(s->points[k].day), YOF(s->points[k].value), 1.4, 0, 2 * M_PI);
            cairo_fill(p->cr);
        }
        double ly = y0 - 10.0 * (double)(doc->nseries - i) - 4;
        cairo_rectangle(p->cr, x1 - MM(62.0), ly - 1.5, 10, 3);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        text_at(p, SANS, 7, s->name, x1 - MM(62.0) + 13, ly, 0);
    }
#undef XOF
#undef YOF
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += H + 4;
    caption(p, figure, doc->chart_title);
}

/* Grouped bars: for each category (row label), one bar per value column, with a legend
 * and the value's axis title. */
static void bar_chart(struct pdf *p, int *figure, const char *title, const char *unit, size_t ncats,
                      char **cats, size_t nvals, const char *const *names,
                      const double *values /* ncats * nvals */)
{
    const double H = MM(62.0), L = MM(22.0), B = MM(16.0);
    need(p, CHART_GAP + H + 40);
    p->y += CHART_GAP;
    double x0 = LEFT + L, x1 = LEFT + BODY_W - MM(4.0), y0 = p->y + H - B, y1 = p->y + 14;
    double max = 0;
    for (size_t i = 0; i < ncats * nvals; i++)
        max = fmax(max, values[i]);
    if (max <= 0)
        max = 1;
    double step = pow(10, floor(log10(max)));
    double top = ceil(max / step) * step;
    cairo_set_line_width(p->cr, 0.4);
    for (int k = 0; k <= 4; k++) {
        double v = top * k / 4, yy = y0 - (y0 - y1) * k / 4;
        cairo_set_source_rgb(p->cr, 0.8, 0.8, 0.8);
        cairo_move_to(p->cr, x0, yy);
        cairo_line_to(p->cr, x1, yy);
        cairo_stroke(p->cr);
        char t[32];
        snprintf(t, sizeof t, "%.10g", v);
        cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
        text_at(p, SANS, 7.5, t, x0 - 3, yy, 2);
    }
    cairo_save(p->cr);
    cairo_translate(p->cr, LEFT + 4, (y0 + y1) / 2);
    cairo_rotate(p->cr, -M_PI / 2);
    text_at(p, SANS, 8.5, unit, 0, 0, 1);
    cairo_restore(p->cr);
    double slot = (x1 - x0) / (double)(ncats ? ncats : 1);
    double bw = fmin(slot * 0.7 / (double)nvals, MM(12.0));
    for (size_t i = 0; i < ncats; i++) {
        double cx = x0 + slot * ((double)i + 0.5);
        for (size_t k = 0; k < nvals; k++) {
            const double *c = palette[k % NPALETTE];
            double v = values[i * nvals + k];
            double bx = cx - bw * (double)nvals / 2 + bw * (double)k;
            cairo_set_source_rgb(p->cr, c[0], c[1], c[2]);
            cairo_rectangle(p->cr, bx, y0 - (y0 - y1) * v / top, bw * 0.9, (y0 - y1) * v / top);
            cairo_fill(p->cr);
        }
        cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        PangoLayout *l = layout(p, SANS, 7, cats[i], slot - 4, PANGO_ALIGN_CENTER);
        draw_at(p, l, cx - (slot - 4) / 2, y0 + 3);
        g_object_unref(l);
    }
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    cairo_set_line_width(p->cr, 0.8);
    cairo_move_to(p->cr, x0, y1);
    cairo_line_to(p->cr, x0, y0);
    cairo_line_to(p->cr, x1, y0);
    cairo_stroke(p->cr);
    double lx = x0 + 6;
    for (size_t k = 0; k < nvals; k++) {
        const double *c = palette[k % NPALETTE];
        cairo_set_source_rgb(p->cr, c[0], c[1], c[2]);
        cairo_rectangle(p->cr, lx, p->y + 2, 8, 6);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
        text_at(p, SANS, 7.5, names[k], lx + 11, p->y + 5, 0);
        lx += MM(28.0);
    }
    p->y += H + 4;
    caption(p, figure, title);
}

/* The table whose title starts with prefix, or NULL. */
static const struct report_table *table_titled(const struct report_doc *doc, const char *prefix)
{
    for (size_t i = 0; i < doc->ntables; i++)
        if (strncmp(doc->tables[i].title, prefix, strlen(prefix)) == 0)
            return &doc->tables[i];
    return NULL;
}

static int column_of(const struct report_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->columns[c], name) == 0)
            return (int)c;
    return -1;
}

/* Sums of value columns per distinct value of a key column, in order of first sight. */
static void chart_from_table(struct pdf *p, int *figure, const struct report_table *t,
                             const char *key, const char *const *cols, size_t ncols,
                             const char *title, const char *unit, double scale)
{
    int kc = column_of(t, key);
    if (kc < 0 || t->nrows == 0)
        return;
    int idx[8];
    for (size_t k = 0; k < ncols; k++)
        if ((idx[k] = column_of(t, cols[k])) < 0)
            return;
    char **cats = xcalloc(t->nrows, sizeof *cats);
    double *values = xcalloc(t->nrows * ncols, sizeof *values);
    size_t ncats = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *name = tcell(t, r, (size_t)kc);
        size_t i = 0;
        while (i < ncats && strcmp(cats[i], name) != 0)
            i++;
        if (i == ncats)
            cats[ncats++] = (char *)name;
        for (size_t k = 0; k < ncols; k++)
            values[i * ncols + k] += strtod(t->cells[r * t->ncols + (size_t)idx[k]], NULL) / scale;
    }
    bar_chart(p, figure, title, unit, ncats, cats, ncols, cols, values);
    free(cats);
    free(values);
}

/* ---- the document ------------------------------------------------------------------- */

static void render(struct pdf *p)
{
    const struct report_doc *doc = p->doc;
    page_head(p);
    if (doc->issuer) {
        cairo_set_source_rgb(p->cr, 0.8, 0, 0);
        paragraph(p, SANS, 15, doc->issuer, PANGO_ALIGN_CENTER, 8);
    }
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    if (doc->doc_number)
        paragraph(p, SERIF, 14, doc->doc_number, PANGO_ALIGN_CENTER, 4);
    cairo_set_source_rgb(p->cr, 0.8, 0, 0);
    cairo_set_line_width(p->cr, 1.2);
    cairo_move_to(p->cr, LEFT, p->y + 2);
    cairo_line_to(p->cr, LEFT + BODY_W, p->y + 2);
    cairo_stroke(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += 18;
    paragraph(p, SANS, 16, doc->title, PANGO_ALIGN_CENTER, 6);
    if (doc->subtitle)
        paragraph(p, SERIF, 12, doc->subtitle, PANGO_ALIGN_CENTER, 12);
    if (doc->recipients) {
        char to[512];
        snprintf(to, sizeof to, "主送：%s", doc->recipients);
        paragraph(p, SERIF, 12, to, PANGO_ALIGN_LEFT, 10);
    }
    int figure = 0;
    for (size_t i = 0; i < doc->ntables; i++) {
        const struct report_table *t = &doc->tables[i];
        /* A heading is never the last thing on a page: it keeps its table's header and
         * first row (or the line saying the table is empty) with it, measured as they
         * will be drawn. */
        PangoLayout *h = layout(p, SANS, 13, t->title, BODY_W, PANGO_ALIGN_LEFT);
        need(p, layout_h(h) + HEADING_AFTER + table_lead(p, t));
        g_object_unref(h);
        paragraph(p, SANS, 13, t->title, PANGO_ALIGN_LEFT, HEADING_AFTER);
        if (t->nrows == 0)
            paragraph(p, SERIF, 11, "（无）", PANGO_ALIGN_LEFT, 6);
        else
            draw_table(p, t);
        if (t->note)
            paragraph(p, SERIF, 9.5, t->note, PANGO_ALIGN_LEFT, 8);
        if (i == 0 && doc->chart_title && (doc->nseries > 0 || doc->nmarks > 0))
            progress_chart(p, &figure);
        if (strncmp(t->title, "四、资金", strlen("四、资金")) == 0) {
            static const char *const cols[] = {"到位", "已支付"};
            chart_from_table(p, &figure, t, "资金来源", cols, 2, "各来源资金到位与支付（万元）",
                             "万元", 10000.0);
        }
        if (strncmp(t->title, "五、管线", strlen("五、管线")) == 0) {
            static const char *const cols[] = {"已完成", "施工中", "计划"};
            chart_from_table(p, &figure, t, "专营单位", cols, 3, "各专营单位管线工序进展", "工序数",
                             1.0);
        }
    }
    (void)table_titled;
    char date[48] = "";
    int32_t day;
    int y, m, d;
    if (doc->date && date_parse(doc->date, &day)) {
        date_to_civil(day, &y, &m, &d);
        snprintf(date, sizeof date, "%d年%d月%d日", y, m, d);
    }
    p->y += 18;
    if (doc->issuer)
        paragraph(p, SERIF, 12, doc->issuer, PANGO_ALIGN_RIGHT, 4);
    if (date[0])
        paragraph(p, SERIF, 12, date, PANGO_ALIGN_RIGHT, 16);
    if (doc->copies) {
        char cc[512];
        snprintf(cc, sizeof cc, "抄送：%s", doc->copies);
        paragraph(p, SERIF, 11, cc, PANGO_ALIGN_LEFT, 0);
    }
    page_foot(p);
    cairo_show_page(p->cr);
}

static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;

void report_render_pdf(const struct report_doc *doc, char **out, size_t *len)
{
    struct pdf p = {0};
    p.doc = doc;
    p.page = 1;
    p.y = TOP;
    pthread_mutex_lock(&pdf_lock);
    p.surface = cairo_pdf_surface_create_for_stream(collect, &p, PAGE_W, PAGE_H);
    /* The document's own date, not the clock: the same document, the same bytes. */
    char created[40] = "2000-01-01T00:00:00Z";
    if (doc->date && strlen(doc->date) == 10)
        snprintf(created, sizeof created, "%sT00:00:00Z", doc->date);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATE_DATE, created);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE,
                                   doc->title ? doc->title : "");
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR, "reno");
    p.cr = cairo_create(p.surface);
    render(&p);
    cairo_destroy(p.cr);
    cairo_surface_finish(p.surface);
    cairo_surface_destroy(p.surface);
    pthread_mutex_unlock(&pdf_lock);
    if (p.out.data == NULL)
        p.out.data = xcalloc(1, 1);
    *out = p.out.data;
    *len = p.out.len;
}
