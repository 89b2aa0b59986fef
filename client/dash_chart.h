/*
 * The dashboard's pictures as text: progress bars against the plan's thresholds and a
 * small time chart of households started and completed against the plan's pace. Pure
 * functions over numbers and dates (days since the epoch, common/date.h): no terminal,
 * no network, so the unit suite checks them cell by cell (tests/test_dash_chart.c).
 *
 * The plan's pace is the one the traffic lights judge by (common/lights.h): households
 * started rise linearly from the first day of construction to start_share_pct on
 * start_share_due, then to 100% on all_started_due; households completed rise linearly
 * from the first day of construction to 100% on completion_due.
 *
 * Ownership: every function writes into the caller's buffer; nothing is allocated.
 */
#ifndef RENO_DASH_CHART_H
#define RENO_DASH_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reno.pb-c.h"

/* The plan's dates and shares as numbers; valid is false when the status has no plan. */
struct dash_plan {
    bool valid;
    int32_t construction_starts_on;
    int32_t start_share_due, all_started_due, completion_due;
    double start_share_pct;
};

void dash_plan_from_status(const Reno__StatusPlan *plan, struct dash_plan *out);
/* The share (0..100) the plan expects started (completed = false) or completed on `day`. */
double dash_plan_pace(const struct dash_plan *plan, int32_t day, bool completed);

/*
 * A bar `width` columns wide for pct (0..100): "█" filled, "░" empty, and "┃" at each
 * mark (a threshold, in percent) that falls inside the bar; a mark the bar has passed is
 * drawn in the filled part all the same, so a threshold always shows. UTF-8 into out
 * (3 bytes a column and a NUL: size at least 3 * width + 1).
 */
void dash_bar(double pct, const double *marks, size_t n_marks, size_t width, char *out,
              size_t size);

/* One point of the time chart: the status on `day`. */
struct dash_point {
    int32_t day;
    double started_pct, completed_pct;
};

/*
 * The time chart in `height` rows of `width` columns (out[row], top row first, each at
 * least 4 * width + 1 bytes): one column per point from the left, the share on a scale of
 * 0..100% from the bottom row to the top; '█' up to the completed share, '▒' above it up
 * to the started share, '·' where the plan's started pace falls, '-' where its completed
 * pace falls (when the bars do not cover them). Points beyond `width` are dropped from
 * the left (the latest stay).
 */
void dash_chart(const struct dash_point *points, size_t n_points, const struct dash_plan *plan,
                size_t width, size_t height, char **out, size_t row_size);

#endif
