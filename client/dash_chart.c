/*
 * Bars and the time chart as text (see dash_chart.h). Cells are whole UTF-8 characters of
 * one terminal column each, so a row's width in columns is its number of cells.
 */
#include "dash_chart.h"

#include <string.h>

#include "date.h"

void dash_plan_from_status(const Reno__StatusPlan *plan, struct dash_plan *out)
{
    memset(out, 0, sizeof *out);
    if (plan == NULL)
        return;
    out->valid =
        plan->construction_starts_on != NULL &&
        date_parse(plan->construction_starts_on, &out->construction_starts_on) &&
        plan->start_share_due != NULL && date_parse(plan->start_share_due, &out->start_share_due) &&
        plan->all_started_due != NULL && date_parse(plan->all_started_due, &out->all_started_due) &&
        plan->completion_due != NULL && date_parse(plan->completion_due, &out->completion_due);
    out->start_share_pct = plan->start_share_pct;
}

/* The linear rise from (from, low) to (to, high), counting `to` itself as reached. */
static double rise(int32_t day, int32_t from, double low, int32_t to, double high)
{
    if (day >= to)
        return high;
    if (day < from || to <= from)
        return low;
    return low + (high - low) * (double)(day - from + 1) / (double)(to - from + 1);
}

double dash_plan_pace(const struct dash_plan *plan, int32_t day, bool completed)
{
    if (!plan->valid)
        return 0;
    if (completed)
        return rise(day, plan->construction_starts_on, 0, plan->completion_due, 100);
    if (day <= plan->start_share_due)
        return rise(day, plan->construction_starts_on, 0, plan->start_share_due,
                    plan->start_share_pct);
    return rise(day, plan->start_share_due + 1, plan->start_share_pct, plan->all_started_due, 100);
}

/* Appends one cell (a whole UTF-8 character) if it fits with the NUL. */
static void put(char *out, size_t size, size_t *len, const char *cell)
{
    size_t n = strlen(cell);
    if (*len + n + 1 > size)
        return;
    memcpy(out + *len, cell, n);
    *len += n;
    out[*len] = '\0';
}

/* The column (0..width-1) a share falls in. */
static size_t column_of(double pct, size_t width)
{
    if (pct <= 0)
        return 0;
    size_t c = (size_t)(pct / 100.0 * (double)width);
    return c >= width ? width - 1 : c;
}

void dash_bar(double pct, const double *marks, size_t n_marks, size_t width, char *out, size_t size)
{
    size_t len = 0;
    if (size > 0)
        out[0] = '\0';
    /* Rounded to the nearest column, so that 100% fills the bar and 0.4% leaves it empty. */
    size_t filled = pct <= 0 ? 0 : (size_t)(pct / 100.0 * (double)width + 0.5);
    if (filled > width)
        filled = width;
    for (size_t c = 0; c < width; c++) {
        bool mark = false;
        for (size_t m = 0; m < n_marks; m++)
            mark |= marks[m] > 0 && marks[m] < 100 && column_of(marks[m], width) == c;
        put(out, size, &len, mark ? "┃" : c < filled ? "█" : "░");
    }
}

void dash_chart(const struct dash_point *points, size_t n_points, const struct dash_plan *plan,
                size_t width, size_t height, char **out, size_t row_size)
{
    size_t first = n_points > width ? n_points - width : 0;
    size_t lens[64] = {0};
    if (height > 64)
        height = 64;
    for (size_t r = 0; r < height; r++)
        out[r][0] = '\0';
    for (size_t c = 0; c < width; c++) {
        const struct dash_point *p = first + c < n_points ? &points[first + c] : NULL;
        for (size_t r = 0; r < height; r++) {
            /* Row r (from the top) covers the shares above `floor`, up to `ceiling`. */
            double ceiling = 100.0 * (double)(height - r) / (double)height;
            double floor = 100.0 * (double)(height - r - 1) / (double)height;
            double middle = (floor + ceiling) / 2;
            const char *cell = " ";
            if (p != NULL) {
                double pace_started = dash_plan_pace(plan, p->day, false);
                double pace_completed = dash_plan_pace(plan, p->day, true);
                if (p->completed_pct >= middle && p->completed_pct > 0)
                    cell = "█";
                else if (p->started_pct >= middle && p->started_pct > 0)
                    cell = "▒";
                else if (plan->valid && pace_started > floor && pace_started <= ceiling)
                    cell = "·";
                else if (plan->valid && pace_completed > floor && pace_completed <= ceiling)
                    cell = "-";
            }
            put(out[r], row_size, &lens[r], cell);
        }
    }
}
