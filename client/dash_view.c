/*
 * The dashboard's view (see dash_view.h).
 */
#include "dash_view.h"

#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash_chart.h"
#include "dash_grid.h"
#include "dash_term.h"
#include "date.h"
#include "i18n.h"
#include "layout.h"
#include "output.h"
#include "status_view.h"
#include "table.h"
#include "xmalloc.h"

/* Rows of change lines shown above the key help. */
#define CHANGE_ROWS 2
static const char *const pane_tabs[PANE_COUNT] = {N_("1 phases"),    N_("2 funds"),
                                                  N_("3 line work"), N_("4 supervision"),
                                                  N_("5 round"),     N_("6 chart")};
static const char *const pane_titles[PANE_COUNT] = {
    N_("phases and milestones"),
    N_("funds per project and source"),
    N_("line work per utility"),
    N_("supervision items per unit"),
    N_("the current collection round: who has reported"),
    N_("households started and completed on each collection date, against the plan"),
};

/* Whether a project (name, community) passes the search. */
static bool matches(const struct dash_view *v, const char *name, const char *community)
{
    if (v->search[0] == '\0')
        return true;
    return (name != NULL && strstr(name, v->search) != NULL) ||
           (community != NULL && strstr(community, v->search) != NULL);
}

static const char *or_dash(const char *text)
{
    return text != NULL && text[0] != '\0' ? text : "-";
}

/* The colour of a light, drawn in the light's column. */
static enum colour light_colour(Reno__Light light)
{
    switch (light) {
    case RENO__LIGHT__LIGHT_RED:
        return COLOUR_LIGHT_RED;
    case RENO__LIGHT__LIGHT_YELLOW:
        return COLOUR_LIGHT_YELLOW;
    case RENO__LIGHT__LIGHT_GREEN:
        return COLOUR_LIGHT_GREEN;
    default:
        return COLOUR_NORMAL;
    }
}

static Reno__Light project_light(const Reno__StatusReply *s, int64_t project_id)
{
    for (size_t i = 0; i < s->n_lights; i++)
        if (s->lights[i]->project_id == project_id)
            return s->lights[i]->light;
    return RENO__LIGHT__LIGHT_UNSPECIFIED;
}

static void draw_header(const struct dash_model *m)
{
    const Reno__StatusReply *s = m->status;
    attrset(dash_colour_attr(COLOUR_TITLE_BAR));
    mvhline(0, 0, ' ', COLS);
    /* The date first: a long title is cut, the date the figures are as of never is. */
    char *left = xasprintf(" %s %s%s  %s", _("as of"), s ? or_dash(s->as_of) : "-",
                           s != NULL && s->stale ? _(" (stale)") : "",
                           s ? or_dash(s->programme_title) : "reno");
    char right[DASH_MODEL_TEXT + 64];
    enum colour conn_colour = COLOUR_CONN_LIVE;
    switch (m->conn) {
    case DASH_CONN_LIVE:
        snprintf(right, sizeof right, "● %s %s ", _("live"), m->conn_detail);
        break;
    case DASH_CONN_LOST:
        snprintf(right, sizeof right, _("✕ connection lost: %s; reconnecting "), m->conn_detail);
        conn_colour = COLOUR_CONN_LOST;
        break;
    default:
        snprintf(right, sizeof right, _("connecting to %s… "), m->conn_detail);
    }
    size_t right_width = text_width(right);
    /* The title keeps its room when it can; the state gets the rest, at least a third. */
    size_t left_width = text_width(left);
    size_t right_room = left_width + 1 < (size_t)COLS ? (size_t)COLS - left_width - 1 : 0;
    if (right_room < (size_t)COLS / 3)
        right_room = (size_t)COLS / 3;
    if (right_width > right_room)
        right_width = right_room;
    size_t left_room = (size_t)COLS - right_width;
    dash_put_cell(0, 0, left, left_room, LAYOUT_LEFT, COLOUR_TITLE_BAR);
    dash_put_cell(0, (int)left_room, right, right_width, LAYOUT_RIGHT, conn_colour);
    free(left);
}

/* "2022-03-31" as "03-31" (the year is the programme's). */
static const char *month_day(const char *date)
{
    return date != NULL && strlen(date) == 10 ? date + 5 : or_dash(date);
}

/*
 * One bar: label, the bar with its marks, and the figures with the plan's thresholds.
 * The bar takes what the label and the figures leave, at least 10 columns.
 */
static void draw_bar(int y, const char *label, double pct, double pace, const double *thresholds,
                     size_t n_thresholds, const char *tail, size_t tail_room)
{
    char *head = xasprintf(" %s ", label);
    size_t head_width = text_width(head);
    size_t bar_width =
        (size_t)COLS > head_width + tail_room + 10 ? (size_t)COLS - head_width - tail_room - 1 : 10;
    double marks[4];
    size_t n_marks = 0;
    for (size_t i = 0; i < n_thresholds && n_marks < 3; i++)
        marks[n_marks++] = thresholds[i];
    marks[n_marks++] = pace;
    char bar[4 * 256 + 1];
    if (bar_width > 256)
        bar_width = 256;
    dash_bar(pct, marks, n_marks, bar_width, bar, sizeof bar);
    dash_put_cell(y, 0, head, head_width, LAYOUT_LEFT, COLOUR_TABLE_HEADER);
    dash_put_cell(y, (int)head_width, bar, bar_width, LAYOUT_LEFT, COLOUR_BAR);
    dash_put_cell(y, (int)(head_width + bar_width), tail, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    free(head);
}

/* Households started and completed against the plan: its thresholds marked, and its pace
 * on the status's date. Two rows. */
static void draw_bars(const Reno__StatusReply *s, int y)
{
    struct dash_plan plan;
    dash_plan_from_status(s->plan, &plan);
    int32_t as_of = 0;
    if (s->as_of == NULL || !date_parse(s->as_of, &as_of))
        plan.valid = false;
    const Reno__StatusPlan *p = s->plan;
    double share = p ? p->start_share_pct : 25;
    double pace_started = dash_plan_pace(&plan, as_of, false);
    double pace_completed = dash_plan_pace(&plan, as_of, true);
    /* The figures, then the plan's pace on the date and its thresholds: "25% 03-31". */
    char *tail1 = xasprintf(_(" %5.1f%% %d/%d  plan %.0f%%  %d%% %s, 100%% %s"), s->started_pct,
                            s->households_started, s->target_households, pace_started,
                            p ? p->start_share_pct : 0, p ? month_day(p->start_share_due) : "-",
                            p ? month_day(p->all_started_due) : "-");
    char *tail2 = xasprintf(_(" %5.1f%% %d/%d  plan %.0f%%  100%% %s"), s->completed_pct,
                            s->households_completed, s->target_households, pace_completed,
                            p ? month_day(p->completion_due) : "-");
    size_t t1 = text_width(tail1), t2 = text_width(tail2), tail_room = t1 > t2 ? t1 : t2;
    /* Shorter labels line the bars up: the longer of the two pads the other. */
    const char *started = _("started"), *completed = _("completed");
    size_t w1 = text_width(started), w2 = text_width(completed), w = w1 > w2 ? w1 : w2;
    char *l1 = xasprintf("%s%*s", started, (int)(w - w1), "");
    char *l2 = xasprintf("%s%*s", completed, (int)(w - w2), "");
    draw_bar(y, l1, s->started_pct, pace_started, &share, 1, tail1, tail_room);
    draw_bar(y + 1, l2, s->completed_pct, pace_completed, NULL, 0, tail2, tail_room);
    free(tail1);
    free(tail2);
    free(l1);
    free(l2);
}

/* The line under the projects saying which page this is, of how many matching, and the
 * keys that page and filter. */
static char *page_line(const Reno__StatusReply *s, const struct dash_view *v)
{
    const char *light = v->light == RENO__LIGHT__LIGHT_RED      ? _("red")
                        : v->light == RENO__LIGHT__LIGHT_YELLOW ? _("yellow")
                        : v->light == RENO__LIGHT__LIGHT_GREEN  ? _("green")
                                                                : _("every light");
    if (s->projects_matching == 0)
        return xasprintf(_(" no projects match (light: %s)  l light  Esc all"), light);
    return xasprintf(_(" projects %d-%d of %d (light: %s)  n p pages  l light"), s->page_offset + 1,
                     s->page_offset + (int)s->n_projects, s->projects_matching, light);
}

/* The projects with their lights, those the search passes, then the page's line; returns
 * the rows used. */
static int draw_projects(const Reno__StatusReply *s, const struct dash_view *v, int y, int height)
{
    /* At 80 columns: the same columns under short headers (开工, 完工, 开工率), the light as
     * a coloured dot, the report's month and day. */
    const struct sv_context ctx = {s, dash_narrow(), false};
    struct dash_grid g;
    dash_grid_init(&g, &sv_projects, &ctx, 0);
    for (size_t i = 0; i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        if (matches(v, p->name, p->community))
            dash_grid_add_row(&g, &p->base, light_colour(project_light(s, p->project_id)));
    }
    size_t shown = dash_grid_draw(&g, y, height - 1, 0);
    char *line = page_line(s, v);
    dash_put_cell(y + 1 + (int)shown, 0, line, (size_t)COLS, LAYOUT_LEFT, COLOUR_HELP);
    free(line);
    dash_grid_done(&g);
    return 2 + (int)shown;
}

static int draw_rules(const Reno__StatusReply *s, int y, int height)
{
    const struct sv_context ctx = {s, dash_narrow(), false};
    struct dash_grid g;
    dash_grid_init(&g, &sv_rules, &ctx, 2); /* the verdict in its colour */
    for (size_t i = 0; i < s->n_rules; i++) {
        const Reno__RuleCheck *r = s->rules[i];
        enum colour colour = r->verdict == RENO__VERDICT__VERDICT_MET      ? COLOUR_VERDICT_MET
                             : r->verdict == RENO__VERDICT__VERDICT_MISSED ? COLOUR_VERDICT_MISSED
                                                                           : COLOUR_VERDICT_PENDING;
        dash_grid_add_row(&g, &r->base, colour);
    }
    size_t shown = dash_grid_draw(&g, y, height, 0);
    dash_grid_done(&g);
    return 1 + (int)shown;
}

/* The round pane's columns: its rows are of two kinds (who has not reported, who has),
 * so the view writes their cells itself. */
static const struct sv_column round_columns[] = {
    {N_("REPORTED"), NULL, 8, LAYOUT_LEFT, false, SV_DASH, NULL},
    {N_("UNIT"), NULL, 10, LAYOUT_LEFT, true, SV_DASH, NULL},
    {N_("PROJECT"), NULL, 10, LAYOUT_LEFT, true, SV_DASH, NULL},
    {N_("DUTY OR FIGURES"), NULL, 10, LAYOUT_LEFT, false, SV_DASH, NULL},
};
static const struct sv_section round_section = {round_columns, 4};

/* The lower pane's rows, built from the model for the pane chosen. */
static void pane_grid(const struct dash_model *m, const struct dash_view *v,
                      const struct sv_context *ctx, struct dash_grid *g)
{
    const Reno__StatusReply *s = m->status;
    switch (v->pane) {
    case PANE_PHASES:
        dash_grid_init(g, &sv_phases, ctx, DASH_GRID_PLAIN);
        for (size_t i = 0; i < s->n_phases; i++) {
            const Reno__StatusPhase *p = s->phases[i];
            if (p->project_id == 0 || matches(v, p->name, NULL))
                dash_grid_add_row(g, &p->base, COLOUR_NORMAL);
        }
        break;
    case PANE_FUNDS:
        /* Amounts in 万元, the unit in the header: never cut, on a narrow screen too. */
        dash_grid_init(g, &sv_funds, ctx, DASH_GRID_PLAIN);
        for (size_t i = 0; i < s->n_funds; i++) {
            const Reno__StatusFunds *f = s->funds[i];
            if (f->project_id == 0 || matches(v, f->name, NULL))
                dash_grid_add_row(g, &f->base, COLOUR_NORMAL);
        }
        break;
    case PANE_LINES:
        dash_grid_init(g, &sv_lines, ctx, DASH_GRID_PLAIN);
        for (size_t i = 0; i < s->n_lines; i++) {
            const Reno__StatusLines *l = s->lines[i];
            if (l->project_id == 0 || matches(v, l->name, NULL))
                dash_grid_add_row(g, &l->base, COLOUR_NORMAL);
        }
        break;
    case PANE_SUPERVISION:
        dash_grid_init(g, &sv_supervision, ctx, DASH_GRID_PLAIN);
        for (size_t i = 0; i < s->n_supervision; i++)
            dash_grid_add_row(g, &s->supervision[i]->base, COLOUR_NORMAL);
        break;
    default: {
        /* Who has not reported first (red), then who has, with the figures reported. */
        dash_grid_init(g, &round_section, ctx, 0);
        for (size_t i = 0; i < s->n_missing_reporters; i++) {
            const Reno__MissingReporter *r = s->missing_reporters[i];
            if (!matches(v, r->project_name, NULL))
                continue;
            const char *cells[] = {_("missing"), or_dash(r->unit_name), or_dash(r->project_name),
                                   or_dash(r->duty)};
            dash_grid_add(g, cells, COLOUR_VERDICT_MISSED);
        }
        const Reno__RoundReportList *reports = m->round_reports;
        bool current = reports != NULL && s->round != NULL && s->round->round_date != NULL &&
                       strcmp(m->round_reports_for, s->round->round_date) == 0;
        for (size_t i = 0; current && i < reports->n_items; i++) {
            const Reno__RoundReport *r = reports->items[i];
            if (r->superseded || !matches(v, r->project_name, NULL))
                continue;
            char a[64], b[64];
            /* The day it was submitted: "2022-05-13T09:00:00Z" as "05-13". */
            snprintf(a, sizeof a, "%.5s",
                     r->submitted_at != NULL && strlen(r->submitted_at) >= 10 ? r->submitted_at + 5
                                                                              : "-");
            snprintf(b, sizeof b, _("started %d, completed %d"), r->households_started,
                     r->households_completed);
            const char *cells[] = {a, or_dash(r->unit_name), or_dash(r->project_name), b};
            dash_grid_add(g, cells, COLOUR_VERDICT_MET);
        }
        break;
    }
    }
}

/*
 * The time chart: the programme's share started and completed on each collection date,
 * then today, against the plan's pace; a scale on the left, months below. `height` rows
 * from y.
 */
static void draw_chart(const struct dash_model *m, int y, int height)
{
    const Reno__StatusReply *s = m->status;
    struct dash_plan plan;
    dash_plan_from_status(s->plan, &plan);
    struct dash_point points[DASH_MODEL_HISTORY + 1];
    size_t n = 0;
    int32_t today = 0;
    bool have_today = s->as_of != NULL && date_parse(s->as_of, &today);
    for (size_t i = 0; i < m->n_history; i++)
        if (!have_today || m->history[i].day < today)
            points[n++] = m->history[i];
    if (have_today)
        points[n++] = (struct dash_point){today, s->started_pct, s->completed_pct};
    if (!m->history_loaded) {
        dash_put_cell(y, 1, _("asking for the status on each collection date…"), (size_t)COLS,
                      LAYOUT_LEFT, COLOUR_NORMAL);
        return;
    }
    int rows = height - 1; /* the months below */
    if (rows < 2)
        return;
    if (rows > 16)
        rows = 16;
    size_t scale = 6; /* "100% " and a gap */
    size_t width = (size_t)COLS > scale + 2 ? (size_t)COLS - scale - 2 : 1;
    /* Two columns a point when there is room: easier to read than one. */
    size_t per = n * 2 <= width ? 2 : 1;
    struct dash_point wide[2 * (DASH_MODEL_HISTORY + 1)];
    size_t n_wide = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < per; k++)
            wide[n_wide++] = points[i];
    char *out[16];
    for (int r = 0; r < rows; r++)
        out[r] = xmalloc(4 * width + 1);
    dash_chart(wide, n_wide, &plan, width, (size_t)rows, out, 4 * width + 1);
    for (int r = 0; r < rows; r++) {
        char label[16];
        /* The scale at the top (its ceiling), the middle and the bottom row (its floor). */
        if (r == 0)
            snprintf(label, sizeof label, "100%%");
        else if (r == rows - 1)
            snprintf(label, sizeof label, "  0%%");
        else if (r == rows / 2)
            snprintf(label, sizeof label, "%3d%%", 100 * (rows - r) / rows);
        else
            snprintf(label, sizeof label, "    ");
        dash_put_cell(y + r, 0, label, scale, LAYOUT_LEFT, COLOUR_NORMAL);
        dash_put_cell(y + r, (int)scale, out[r], width, LAYOUT_LEFT, COLOUR_BAR);
        free(out[r]);
    }
    /* Months under the first point of each month, where they fit. */
    size_t first = n_wide > width ? n_wide - width : 0;
    size_t next_free = 0;
    for (size_t c = 0; first + c < n_wide && c < width; c++) {
        char date[DATE_TEXT_SIZE], before[DATE_TEXT_SIZE] = "";
        date_format(wide[first + c].day, date);
        if (c > 0)
            date_format(wide[first + c - 1].day, before);
        int month = atoi(date + 5);
        if ((c > 0 && atoi(before + 5) == month) || c < next_free)
            continue;
        char label[16];
        snprintf(label, sizeof label, _("%dmon"), month);
        dash_put_cell(y + rows, (int)(scale + c), label, text_width(label), LAYOUT_LEFT,
                      COLOUR_NORMAL);
        next_free = c + text_width(label) + 1;
    }
}

static void draw_pane(const struct dash_model *m, struct dash_view *v, int y, int height)
{
    const Reno__StatusReply *s = m->status;
    /* The tabs, the active one marked. */
    int x = 1;
    for (int p = 0; p < PANE_COUNT; p++) {
        size_t w = text_width(_(pane_tabs[p])) + 2;
        char *tab = xasprintf(" %s ", _(pane_tabs[p]));
        dash_put_cell(y, x, tab, w, LAYOUT_LEFT,
                      p == (int)v->pane ? COLOUR_PANE_TAB_ACTIVE : COLOUR_PANE_TAB);
        free(tab);
        x += (int)w + 1;
    }
    if (v->pane == PANE_CHART) {
        char *title = xasprintf(_(" %s: ▒ started █ completed · plan started - plan completed"),
                                _(pane_titles[v->pane]));
        dash_put_cell(y + 1, 0, title, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
        free(title);
        v->pane_rows = 0;
        draw_chart(m, y + 2, height - 2);
        return;
    }
    const struct sv_context ctx = {s, dash_narrow(), false};
    struct dash_grid g;
    pane_grid(m, v, &ctx, &g);
    /* The title: what the pane shows, and where the scrolling stands. */
    int visible = height - 3; /* tabs, title, column headings */
    if (visible < 0)
        visible = 0;
    size_t max_scroll = g.n_rows > (size_t)visible ? g.n_rows - (size_t)visible : 0;
    if (v->scroll > max_scroll)
        v->scroll = max_scroll;
    v->pane_rows = g.n_rows;
    char *title;
    if (v->pane == PANE_ROUND && s->round != NULL)
        title = xasprintf(_(" round %s: %d of %d reports received, %d units missing"),
                          or_dash(s->round->round_date), s->round->reports_received,
                          s->round->reports_expected, s->round->units_missing);
    else if (v->pane == PANE_ROUND)
        title = xasprintf(" %s", _("no collection round yet"));
    else if (g.n_rows > (size_t)visible)
        title = xasprintf(_(" %s: rows %zu-%zu of %zu"), _(pane_titles[v->pane]), v->scroll + 1,
                          v->scroll + (size_t)visible, g.n_rows);
    else
        title = xasprintf(_(" %s: %zu rows"), _(pane_titles[v->pane]), g.n_rows);
    dash_put_cell(y + 1, 0, title, (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    free(title);
    if (g.n_rows == 0)
        dash_put_cell(y + 3, 1, _("(none)"), (size_t)COLS - 1, LAYOUT_LEFT, COLOUR_NORMAL);
    (void)dash_grid_draw(&g, y + 2, height - 2, v->scroll);
    dash_grid_done(&g);
}

/* Rows of pushed change lines: one on a small screen, where every row counts. */
static int change_rows(void)
{
    return LINES < 30 ? 1 : CHANGE_ROWS;
}

static void draw_footer(const struct dash_model *m, const struct dash_view *v)
{
    int rows = change_rows();
    int y = LINES - 1 - rows;
    for (int i = 0; i < rows; i++) {
        /* The newest change last, right above the help line. */
        size_t k =
            m->n_changes >= (size_t)(rows - i) ? m->n_changes - (size_t)(rows - i) : SIZE_MAX;
        if (k != SIZE_MAX) {
            /* The whole line when it fits, else the one whose subject is cut: the figures
             * at its end matter more than the whole of a long name. */
            char *line = xasprintf(" %s %s", _("changed:"), m->changes[k]);
            if (text_width(line) > (size_t)COLS) {
                free(line);
                line = xasprintf(" %s %s", _("changed:"), m->briefs[k]);
            }
            dash_put_cell(y + i, 0, line, (size_t)COLS, LAYOUT_LEFT, COLOUR_CHANGE);
            free(line);
        } else if (i == rows - 1 && m->n_changes == 0) {
            dash_put_cell(y + i, 0, _(" no changes pushed yet"), (size_t)COLS, LAYOUT_LEFT,
                          COLOUR_NORMAL);
        }
    }
    char *help;
    if (v->typing)
        help = xasprintf(_(" search: %s▏  Enter keeps it, Esc clears it"), v->search);
    else if (v->search[0] != '\0')
        help = xasprintf(_(" q quit  / search \"%s\" (Esc clears)  1-6 panes  j k scroll%s%s"),
                         v->search, m->notice[0] ? "   " : "", m->notice);
    else
        help = xasprintf(_(" q quit  r refresh  / search  1-6 panes  ↑↓ j k scroll%s%s"),
                         m->notice[0] ? "   " : "", m->notice);
    dash_put_cell(LINES - 1, 0, help, (size_t)COLS, LAYOUT_LEFT, COLOUR_HELP);
    free(help);
}

int dash_view_page_rows(void)
{
    /* As dash_view_draw shares the screen out: a third of what lies between the bars and
     * the change lines. Before curses has started (the first Watch) LINES is 0: the
     * terminal is asked. */
    int lines = LINES;
    struct winsize ws;
    if (lines <= 0)
        lines = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row : 24;
    int changes = lines < 30 ? 1 : CHANGE_ROWS;
    int room = lines - 1 - changes - 3;
    int rows = room / 3;
    return rows < 1 ? 1 : rows > 1000 ? 1000 : rows;
}

void dash_view_draw(const struct dash_model *m, struct dash_view *v)
{
    erase();
    draw_header(m);
    const Reno__StatusReply *s = m->status;
    if (s != NULL && LINES >= 8) {
        /* Top to bottom: projects, rules, the lower pane, the footer; each takes what
         * it needs, up to a share of the screen, and the pane takes the rest. */
        int bottom = LINES - 1 - change_rows();
        draw_bars(s, 1);
        int y = 3;
        int room = bottom - y;
        /* The header, the page (the server sends as many as fit: dash_view_page_rows),
         * the page's line. */
        int projects = 2 + (int)s->n_projects;
        if (projects > room / 3 + 2)
            projects = room / 3 + 2;
        y += draw_projects(s, v, y, projects) + 1;
        /* The chart wants the height; the bars above say what the rules would. */
        if (s->n_rules > 0 && bottom - y > 6 && !(v->pane == PANE_CHART && LINES < 40)) {
            int rules = 1 + (int)s->n_rules;
            if (rules > (bottom - y) / 3)
                rules = (bottom - y) / 3;
            y += draw_rules(s, y, rules) + 1;
        }
        if (bottom - y >= 3)
            draw_pane(m, v, y, bottom - y);
    } else if (s == NULL) {
        dash_put_cell(2, 1, _("waiting for the status…"), (size_t)COLS, LAYOUT_LEFT, COLOUR_NORMAL);
    }
    draw_footer(m, v);
    wnoutrefresh(stdscr);
    doupdate();
}
