/*
 * Tests of client/dash_chart: the plan's pace on the rule dates and between them (the
 * same line the traffic lights judge by), bars with their threshold marks, and the time
 * chart's cells for started, completed and the plan's pace.
 */
#include <string.h>

#include "dash_chart.h"
#include "date.h"
#include "unit.h"

static int32_t day(const char *text)
{
    int32_t d = 0;
    ck_assert(date_parse(text, &d));
    return d;
}

/* The Ziyun 2022 plan: construction from 1 March, 25% by 31 March, all by 30 April,
 * completion by 30 November. */
static struct dash_plan ziyun(void)
{
    return (struct dash_plan){.valid = true,
                              .construction_starts_on = day("2022-03-01"),
                              .start_share_due = day("2022-03-31"),
                              .all_started_due = day("2022-04-30"),
                              .completion_due = day("2022-11-30"),
                              .start_share_pct = 25};
}

START_TEST(pace_follows_the_plan)
{
    struct dash_plan p = ziyun();
    ck_assert_double_eq(dash_plan_pace(&p, day("2022-02-28"), false), 0);
    ck_assert_double_eq(dash_plan_pace(&p, day("2022-03-31"), false), 25);
    ck_assert_double_eq(dash_plan_pace(&p, day("2022-04-30"), false), 100);
    ck_assert_double_eq(dash_plan_pace(&p, day("2022-06-01"), false), 100);
    /* Halfway through March: 16 of 31 days elapsed, the date counted. */
    ck_assert_double_eq_tol(dash_plan_pace(&p, day("2022-03-16"), false), 25.0 * 16 / 31, 1e-9);
    /* Between the two start rules: from 25% towards 100%. */
    double mid = dash_plan_pace(&p, day("2022-04-15"), false);
    ck_assert(mid > 25 && mid < 100);
    ck_assert_double_eq(dash_plan_pace(&p, day("2022-11-30"), true), 100);
    ck_assert_double_lt(dash_plan_pace(&p, day("2022-06-30"), true), 60);
    struct dash_plan none = {.valid = false};
    ck_assert_double_eq(dash_plan_pace(&none, day("2022-06-30"), true), 0);
}
END_TEST

START_TEST(bar_fills_and_marks)
{
    char out[256];
    double marks[] = {25};
    dash_bar(50, marks, 1, 8, out, sizeof out);
    /* 8 columns: 4 filled, the 25% mark in column 2. */
    ck_assert_str_eq(out, "██┃█░░░░");
    dash_bar(0, marks, 1, 4, out, sizeof out);
    ck_assert_str_eq(out, "░┃░░");
    /* Over 100% stays within the bar; a mark at 100 is the bar's end, not drawn. */
    double end[] = {100};
    dash_bar(130, end, 1, 4, out, sizeof out);
    ck_assert_str_eq(out, "████");
    /* Too small a buffer: whole characters only, NUL-terminated. */
    char tiny[8];
    dash_bar(100, NULL, 0, 4, tiny, sizeof tiny);
    ck_assert_str_eq(tiny, "██");
}
END_TEST

START_TEST(chart_draws_shares_and_pace)
{
    struct dash_plan p = ziyun();
    struct dash_point points[] = {
        {day("2022-03-14"), 10, 0},
        {day("2022-05-14"), 100, 50},
    };
    char rows[4][64];
    char *out[4] = {rows[0], rows[1], rows[2], rows[3]};
    dash_chart(points, 2, &p, 3, 4, out, sizeof rows[0]);
    /* Column 0 (14 March): started 10% fills no quarter's middle; the started pace
     * (about 11%) lies in the bottom row, drawn '·'. Column 1 (14 May): completed 50% up
     * to the second row, started above it up to the top. Column 2: no point. */
    ck_assert_str_eq(rows[0], " ▒ ");
    ck_assert_str_eq(rows[1], " ▒ ");
    ck_assert_str_eq(rows[2], " █ ");
    ck_assert_str_eq(rows[3], "·█ ");
    /* More points than columns: the latest are kept. */
    dash_chart(points, 2, &p, 1, 4, out, sizeof rows[0]);
    ck_assert_str_eq(rows[3], "█");
}
END_TEST

Suite *dash_chart_suite(void)
{
    Suite *s = suite_create("dash_chart");
    TCase *tc = tcase_create("dash_chart");
    tcase_add_test(tc, pace_follows_the_plan);
    tcase_add_test(tc, bar_fills_and_marks);
    tcase_add_test(tc, chart_draws_shares_and_pace);
    suite_add_tcase(s, tc);
    return s;
}
