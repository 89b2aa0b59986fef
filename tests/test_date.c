/*
 * Tests for common/date: days since the epoch round-trip through the civil and text forms
 * for every day reno accepts, the Gregorian leap rule holds, and the parser takes exactly
 * "YYYY-MM-DD" and nothing near it.
 */
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "unit.h"

/* Parses text that must be a valid date and returns its day number. */
static int32_t must_parse(const char *text)
{
    int32_t days = 0;
    ck_assert_msg(date_parse(text, &days), "'%s' refused", text);
    return days;
}

START_TEST(test_known_days)
{
    ck_assert_int_eq(must_parse("1970-01-01"), 0);
    ck_assert_int_eq(must_parse("1970-01-02"), 1);
    ck_assert_int_eq(must_parse("1969-12-31"), -1);
    ck_assert_int_eq(must_parse("2000-03-01"), 11017);
    ck_assert_int_eq(must_parse("2022-01-01"), 18993);
    /* The work plan's due dates. */
    ck_assert_int_eq(must_parse("2022-03-31"), 19082);
    ck_assert_int_eq(must_parse("2022-04-30"), 19112);
    ck_assert_int_eq(must_parse("2022-11-30"), 19326);
    ck_assert_int_eq(must_parse("1900-01-01"), -25567);
}
END_TEST

START_TEST(test_round_trip_every_day)
{
    int32_t first = must_parse("1900-01-01");
    int32_t last = must_parse("2999-12-31");
    int32_t previous = first - 1;
    /* Check reports every passing ck_assert to its parent: this loop calls it on failure only. */
    for (int32_t d = first; d <= last; d++) {
        char text[DATE_TEXT_SIZE];
        date_format(d, text);
        int32_t back = 0;
        if (strlen(text) != 10 || !date_parse(text, &back) || back != d)
            ck_abort_msg("day %d formats as '%s', which parses as %d", d, text, back);

        int year, month, day;
        date_to_civil(d, &year, &month, &day);
        int32_t again = 0;
        if (!date_from_civil(year, month, day, &again) || again != d || again != previous + 1)
            ck_abort_msg("day %d is %04d-%02d-%02d, which is day %d", d, year, month, day, again);
        previous = again;
    }
    /* The day before the first and after the last are outside the accepted years. */
    int32_t out = 0;
    ck_assert(!date_parse("1899-12-31", &out));
    ck_assert(!date_parse("3000-01-01", &out));
}
END_TEST

START_TEST(test_leap_years)
{
    int32_t days = 0;
    ck_assert(date_parse("2000-02-29", &days)); /* divisible by 400 */
    ck_assert_int_eq(days + 1, must_parse("2000-03-01"));
    ck_assert(date_parse("2024-02-29", &days));  /* divisible by 4 */
    ck_assert(!date_parse("1900-02-29", &days)); /* divisible by 100, not 400 */
    ck_assert(!date_parse("2100-02-29", &days));
    ck_assert(!date_parse("2023-02-29", &days)); /* not divisible by 4 */
    ck_assert(!date_parse("2024-02-30", &days));
    ck_assert(date_from_civil(2000, 2, 29, &days));
    ck_assert(!date_from_civil(1900, 2, 29, &days));
    ck_assert(!date_from_civil(2023, 2, 29, &days));
    ck_assert_int_eq(must_parse("2023-03-01") - must_parse("2023-02-28"), 1);
    ck_assert_int_eq(must_parse("2024-03-01") - must_parse("2024-02-28"), 2);
    ck_assert_int_eq(must_parse("2001-01-01") - must_parse("2000-01-01"), 366);
    ck_assert_int_eq(must_parse("1901-01-01") - must_parse("1900-01-01"), 365);
}
END_TEST

START_TEST(test_month_lengths)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int32_t days = 0;
    for (int month = 1; month <= 12; month++) {
        ck_assert(date_from_civil(2022, month, lengths[month - 1], &days));
        ck_assert(!date_from_civil(2022, month, lengths[month - 1] + 1, &days));
        ck_assert(!date_from_civil(2022, month, 0, &days));
    }
    ck_assert(!date_from_civil(2022, 0, 1, &days));
    ck_assert(!date_from_civil(2022, 13, 1, &days));
}
END_TEST

START_TEST(test_strict_format)
{
    static const char *const refused[] = {
        "2022-3-1",   "2022-03-01x",    "",           "abcd-ef-gh",   "2022-03-1",
        "2022-3-01",  "22-03-01",       "2022/03/01", "2022-03-01 ",  " 2022-03-01",
        "20220301",   "2022-03-0a",     "+022-03-01", "-022-03-01",   "2022-+3-01",
        "2022-03--1", "2022-13-01",     "2022-00-10", "2022-01-00",   "2022-04-31",
        "2022-02-29", "0000-01-01",     "9999-12-31", "2022-03-01\n", "2022x03-01",
        "2022-03x01", "２０２２-03-01",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int32_t days = 12345;
        ck_assert_msg(!date_parse(refused[i], &days), "'%s' accepted", refused[i]);
    }
}
END_TEST

START_TEST(test_format)
{
    char text[DATE_TEXT_SIZE];
    date_format(0, text);
    ck_assert_str_eq(text, "1970-01-01");
    date_format(must_parse("2022-11-30"), text);
    ck_assert_str_eq(text, "2022-11-30");
    date_format(must_parse("1900-01-01"), text);
    ck_assert_str_eq(text, "1900-01-01");
}
END_TEST

START_TEST(test_today_is_plausible)
{
    int32_t today = date_today();
    ck_assert_int_gt(today, must_parse("2022-01-01"));
    ck_assert_int_lt(today, must_parse("2999-12-31"));
}
END_TEST

Suite *date_suite(void)
{
    Suite *s = suite_create("date");
    TCase *tc = tcase_create("date");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_known_days);
    tcase_add_test(tc, test_round_trip_every_day);
    tcase_add_test(tc, test_leap_years);
    tcase_add_test(tc, test_month_lengths);
    tcase_add_test(tc, test_strict_format);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_today_is_plausible);
    suite_add_tcase(s, tc);
    return s;
}
