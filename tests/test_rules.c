/*
 * Tests for common/rules: the work plan's three milestone rules for Ziyun 2022 (802
 * households in 2 projects; 25% started by 2022-03-31, every project started by
 * 2022-04-30, everything completed by 2022-11-30), judged the day before, on and after each
 * due date. The due day itself is still open; the day after, an unmet rule is missed.
 */
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "rules.h"
#include "unit.h"

static int32_t day_of(const char *text)
{
    int32_t days = 0;
    ck_assert_msg(date_parse(text, &days), "'%s' refused", text);
    return days;
}

static struct rules_plan ziyun_2022(void)
{
    struct rules_plan plan = {
        .target_households = 802,
        .target_projects = 2,
        .start_share_pct = 25,
        .start_share_due = day_of("2022-03-31"),
        .all_started_due = day_of("2022-04-30"),
        .completion_due = day_of("2022-11-30"),
    };
    return plan;
}

/* Nothing reached: 200 started (one short of 25%), one project of two, 801 completed. */
static const struct rules_measure unmet = {200, 1, 801, 2, 802};
/* Every threshold reached exactly. */
static const struct rules_measure met = {201, 2, 802, 2, 802};

START_TEST(test_share_required)
{
    ck_assert_int_eq(rules_share_required(802, 25), 201);
    ck_assert_int_eq(rules_share_required(800, 25), 200);
    ck_assert_int_eq(rules_share_required(801, 25), 201);
    ck_assert_int_eq(rules_share_required(4, 25), 1);
    ck_assert_int_eq(rules_share_required(5, 25), 2);
    ck_assert_int_eq(rules_share_required(1, 25), 1);
    ck_assert_int_eq(rules_share_required(0, 25), 0);
    ck_assert_int_eq(rules_share_required(802, 100), 802);
    ck_assert_int_eq(rules_share_required(802, 0), 0);
    /* The product is taken in 64 bits. */
    ck_assert_int_eq(rules_share_required(INT32_MAX, 100), INT32_MAX);
}
END_TEST

START_TEST(test_start_share_threshold)
{
    struct rules_plan plan = ziyun_2022();
    int32_t due = plan.start_share_due;
    struct rule_check out[RULE_COUNT];

    struct rules_measure m = {200, 0, 0, 2, 802};
    rules_evaluate(&plan, due + 1, &m, out);
    ck_assert_str_eq(out[RULE_START_SHARE].code, "start_share");
    ck_assert_int_eq(out[RULE_START_SHARE].required, 201);
    /* The figures a client writes the rule from in its own language: the plan's share and
     * targets, and the day measured (the due date once it has passed; today for the
     * registered projects). */
    ck_assert_int_eq(out[RULE_START_SHARE].share_pct, 25);
    ck_assert_int_eq(out[RULE_START_SHARE].plan_households, 802);
    ck_assert_int_eq(out[RULE_START_ALL].plan_projects, 2);
    ck_assert_int_eq(out[RULE_REGISTERED].households, 802);
    ck_assert_int_eq(out[RULE_START_SHARE].measured_on, due);
    ck_assert_int_eq(out[RULE_REGISTERED].measured_on, due + 1);
    struct rule_check early[RULE_COUNT];
    rules_evaluate(&plan, due - 3, &m, early);
    ck_assert_int_eq(early[RULE_COMPLETE_ALL].measured_on, due - 3);
    ck_assert_int_eq(out[RULE_START_SHARE].denominator, 802);
    ck_assert_int_eq(out[RULE_START_SHARE].actual, 200);
    ck_assert_int_eq(out[RULE_START_SHARE].verdict, RULE_MISSED);

    m.households_started = 201;
    rules_evaluate(&plan, due + 1, &m, out);
    ck_assert_int_eq(out[RULE_START_SHARE].actual, 201);
    ck_assert_int_eq(out[RULE_START_SHARE].verdict, RULE_MET);
}
END_TEST

/* Judges one rule the day before, on and after its due date, unmet and met. */
static void check_around_due(enum rule_id id, const char *due_text)
{
    struct rules_plan plan = ziyun_2022();
    int32_t due = day_of(due_text);
    static const int32_t offsets[3] = {-1, 0, 1};
    static const enum rule_verdict unmet_verdicts[3] = {RULE_PENDING, RULE_PENDING, RULE_MISSED};
    for (size_t i = 0; i < 3; i++) {
        int32_t as_of = due + offsets[i];
        struct rule_check out[RULE_COUNT];
        rules_evaluate(&plan, as_of, &unmet, out);
        ck_assert_int_eq(out[id].due, due);
        ck_assert_msg(out[id].verdict == unmet_verdicts[i], "%s unmet at due%+d: %s", out[id].code,
                      offsets[i], rules_verdict_name(out[id].verdict));
        ck_assert_ptr_nonnull(strstr(out[id].title, due_text));
        ck_assert_ptr_nonnull(strstr(out[id].detail, rules_verdict_name(out[id].verdict)));
        rules_evaluate(&plan, as_of, &met, out);
        ck_assert_msg(out[id].verdict == RULE_MET, "%s met at due%+d: %s", out[id].code, offsets[i],
                      rules_verdict_name(out[id].verdict));
        ck_assert_ptr_nonnull(strstr(out[id].detail, "met"));
    }
}

START_TEST(test_start_share_around_due)
{
    check_around_due(RULE_START_SHARE, "2022-03-31");
}
END_TEST

START_TEST(test_start_all_around_due)
{
    check_around_due(RULE_START_ALL, "2022-04-30");
}
END_TEST

START_TEST(test_complete_all_around_due)
{
    check_around_due(RULE_COMPLETE_ALL, "2022-11-30");
}
END_TEST

START_TEST(test_met_long_after_due)
{
    /* A rule met on time stays met whenever it is looked at. */
    struct rules_plan plan = ziyun_2022();
    struct rule_check out[RULE_COUNT];
    rules_evaluate(&plan, day_of("2023-06-01"), &met, out);
    for (int i = 0; i < RULE_COUNT; i++)
        ck_assert_int_eq(out[i].verdict, RULE_MET);
    rules_evaluate(&plan, day_of("2021-12-01"), &met, out);
    for (int i = 0; i < RULE_COUNT; i++)
        ck_assert_int_eq(out[i].verdict, RULE_MET);
}
END_TEST

START_TEST(test_codes_and_thresholds)
{
    struct rules_plan plan = ziyun_2022();
    struct rule_check out[RULE_COUNT];
    rules_evaluate(&plan, day_of("2022-05-15"), &unmet, out);
    ck_assert_str_eq(out[RULE_START_SHARE].code, "start_share");
    ck_assert_str_eq(out[RULE_START_ALL].code, "start_all");
    ck_assert_str_eq(out[RULE_COMPLETE_ALL].code, "complete_all");
    ck_assert_int_eq(out[RULE_START_ALL].required, 2);
    ck_assert_int_eq(out[RULE_START_ALL].denominator, 2);
    ck_assert_int_eq(out[RULE_START_ALL].actual, 1);
    ck_assert_int_eq(out[RULE_COMPLETE_ALL].required, 802);
    ck_assert_int_eq(out[RULE_COMPLETE_ALL].denominator, 802);
    ck_assert_int_eq(out[RULE_COMPLETE_ALL].actual, 801);
    ck_assert_int_eq(out[RULE_START_SHARE].verdict, RULE_MISSED);
    ck_assert_int_eq(out[RULE_START_ALL].verdict, RULE_MISSED);
    ck_assert_int_eq(out[RULE_COMPLETE_ALL].verdict, RULE_PENDING);
}
END_TEST

START_TEST(test_detail_carries_numbers)
{
    struct rules_plan plan = ziyun_2022();
    struct rule_check out[RULE_COUNT];
    rules_evaluate(&plan, day_of("2022-04-01"), &unmet, out);
    const char *share = out[RULE_START_SHARE].detail;
    ck_assert_ptr_nonnull(strstr(share, "201"));
    ck_assert_ptr_nonnull(strstr(share, "200"));
    ck_assert_ptr_nonnull(strstr(share, "802"));
    ck_assert_ptr_nonnull(strstr(share, "25%"));
    /* Measured as of the due date, not as of the later as_of. */
    ck_assert_ptr_nonnull(strstr(share, "2022-03-31"));
    ck_assert_ptr_nonnull(strstr(share, "missed"));
    ck_assert_ptr_nonnull(strstr(out[RULE_START_SHARE].title, "25%"));

    const char *all = out[RULE_START_ALL].detail;
    ck_assert_ptr_nonnull(strstr(all, "1 of 2"));
    ck_assert_ptr_nonnull(strstr(all, "2022-04-01"));
    ck_assert_ptr_nonnull(strstr(all, "pending"));

    const char *complete = out[RULE_COMPLETE_ALL].detail;
    ck_assert_ptr_nonnull(strstr(complete, "801"));
    ck_assert_ptr_nonnull(strstr(complete, "802"));
}
END_TEST

START_TEST(test_measure_date)
{
    struct rules_plan plan = ziyun_2022();
    int32_t early = day_of("2022-03-14");
    int32_t late = day_of("2022-12-28");
    ck_assert_int_eq(rules_measure_date(&plan, RULE_START_SHARE, early), early);
    ck_assert_int_eq(rules_measure_date(&plan, RULE_START_SHARE, late), plan.start_share_due);
    ck_assert_int_eq(rules_measure_date(&plan, RULE_START_ALL, late), plan.all_started_due);
    ck_assert_int_eq(rules_measure_date(&plan, RULE_COMPLETE_ALL, late), plan.completion_due);
    ck_assert_int_eq(rules_measure_date(&plan, RULE_COMPLETE_ALL, plan.completion_due),
                     plan.completion_due);
}
END_TEST

START_TEST(test_verdict_names)
{
    ck_assert_str_eq(rules_verdict_name(RULE_MET), "met");
    ck_assert_str_eq(rules_verdict_name(RULE_PENDING), "pending");
    ck_assert_str_eq(rules_verdict_name(RULE_MISSED), "missed");
}
END_TEST

/* The April rule counts the projects registered; registered figures that differ from the
 * plan's targets are their own rule, pending until start_share_due, missed after. */
START_TEST(test_registered_projects)
{
    struct rules_plan plan = ziyun_2022();
    struct rule_check out[RULE_COUNT];
    struct rules_measure m = {201, 2, 0, 3, 842};
    rules_evaluate(&plan, plan.all_started_due + 1, &m, out);
    ck_assert_int_eq(out[RULE_START_ALL].required, 3);
    ck_assert_int_eq(out[RULE_START_ALL].verdict, RULE_MISSED);
    ck_assert_str_eq(out[RULE_REGISTERED].code, "registered");
    ck_assert_int_eq(out[RULE_REGISTERED].verdict, RULE_MISSED);
    ck_assert_ptr_nonnull(strstr(out[RULE_REGISTERED].detail, "(they differ)"));
    rules_evaluate(&plan, plan.start_share_due, &m, out);
    ck_assert_int_eq(out[RULE_REGISTERED].verdict, RULE_PENDING);
    /* Fewer households than the plan says is a difference too. */
    m = (struct rules_measure){201, 2, 0, 2, 800};
    rules_evaluate(&plan, plan.start_share_due, &m, out);
    ck_assert_int_eq(out[RULE_START_ALL].verdict, RULE_MET);
    ck_assert_int_eq(out[RULE_REGISTERED].verdict, RULE_PENDING);
    m.households_registered = 802;
    rules_evaluate(&plan, plan.completion_due + 1, &m, out);
    ck_assert_int_eq(out[RULE_REGISTERED].verdict, RULE_MET);
    /* With no project registered the plan's count stands in. */
    m = (struct rules_measure){0, 0, 0, 0, 0};
    rules_evaluate(&plan, plan.start_share_due, &m, out);
    ck_assert_int_eq(out[RULE_START_ALL].required, 2);
}
END_TEST

Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_share_required);
    tcase_add_test(tc, test_start_share_threshold);
    tcase_add_test(tc, test_start_share_around_due);
    tcase_add_test(tc, test_start_all_around_due);
    tcase_add_test(tc, test_complete_all_around_due);
    tcase_add_test(tc, test_met_long_after_due);
    tcase_add_test(tc, test_codes_and_thresholds);
    tcase_add_test(tc, test_detail_carries_numbers);
    tcase_add_test(tc, test_measure_date);
    tcase_add_test(tc, test_verdict_names);
    tcase_add_test(tc, test_registered_projects);
    suite_add_tcase(s, tc);
    return s;
}
