/*
 * The client's pure formatting: amounts of yuan grouped by thousands, timestamps in the
 * local time zone, the audit log's one-line summaries, and tables cut to a width without
 * cutting a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_summary.h"
#include "output.h"
#include "table.h"
#include "unit.h"

START_TEST(money_is_grouped_by_thousands)
{
    char buf[64];
    output_money(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.00");
    output_money(999.5, buf, sizeof buf);
    ck_assert_str_eq(buf, "999.50");
    output_money(1234567.5, buf, sizeof buf);
    ck_assert_str_eq(buf, "1,234,567.50");
    output_money(-1000, buf, sizeof buf);
    ck_assert_str_eq(buf, "-1,000.00");
    output_money(100000, buf, sizeof buf);
    ck_assert_str_eq(buf, "100,000.00");
}
END_TEST

START_TEST(times_are_shown_in_the_local_zone)
{
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "CST-8", 1);
    tzset();
    char buf[32];
    ck_assert(output_local_time("2022-05-14T01:30:00.123+00:00", buf, sizeof buf));
    ck_assert_str_eq(buf, "2022-05-14 09:30:00");
    ck_assert(output_local_time("2022-05-13 20:00:00-05", buf, sizeof buf));
    ck_assert_str_eq(buf, "2022-05-14 09:00:00");
    ck_assert(output_local_time("2022-05-14T01:30:00Z", buf, sizeof buf));
    ck_assert_str_eq(buf, "2022-05-14 09:30:00");
    /* A date, no zone, or trailing junk: not a time to convert. */
    ck_assert(!output_local_time("2022-05-14", buf, sizeof buf));
    ck_assert(!output_local_time("2022-05-14 01:30:00", buf, sizeof buf));
    ck_assert(!output_local_time("2022-05-14T01:30:00+00:00x", buf, sizeof buf));
    if (old != NULL)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
}
END_TEST

START_TEST(audit_summaries_say_what_changed)
{
    char *s = audit_summary("{\"id\": 3, \"households_started\": 150, \"note\": null}",
                            "{\"id\": 3, \"households_started\": 210, \"note\": \"开工\"}", 200);
    ck_assert_str_eq(s, "households_started 150→210; note -→开工");
    free(s);
    s = audit_summary("", "{\"id\": 4, \"name\": \"示例\", \"x\": null, \"n\": 5}", 200);
    ck_assert_str_eq(s, "new: name=示例, n=5");
    free(s);
    s = audit_summary("{\"a\": 1}", "", 200);
    ck_assert_str_eq(s, "removed");
    free(s);
    /* Cut at a member with an ellipsis; hostile or broken JSON gives no members. */
    s = audit_summary(NULL, "{\"aaaa\": \"0123456789\", \"bbbb\": \"0123456789\"}", 24);
    ck_assert_str_eq(s, "new: aaaa=0123456789…");
    free(s);
    s = audit_summary("{\"a\": \"unterminated", "[1, 2]", 200);
    ck_assert_str_eq(s, "");
    free(s);
    s = audit_summary("{\"a\": {\"nested\": [1, {\"b\": \"}\"}]}}", "{\"a\": 2}", 200);
    ck_assert_str_eq(s, "a {\"nested\": [1, {\"b\": \"}\"}]}→2");
    free(s);
}
END_TEST

START_TEST(tables_fit_a_width_without_cutting_numbers)
{
    const char *headers[] = {"NAME", "AMOUNT"};
    struct table *t = table_new(2, headers);
    table_add_row(t, (const char *const[]){"松山街道示例小区一（示例）", "1,234,567.50"});
    table_add_row(t, (const char *const[]){"short", "5.00"});
    table_set_width_limit(24);
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    table_print(t, out);
    fclose(out);
    table_set_width_limit(0);
    ck_assert_msg(strstr(buf, "1,234,567.50") != NULL, "%s", buf);
    ck_assert_msg(strstr(buf, "…") != NULL, "%s", buf);
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
        ck_assert_msg(text_width(line) <= 24, "'%s'", line);
    free(buf);
    table_free(t);
}
END_TEST

Suite *client_format_suite(void)
{
    Suite *s = suite_create("client_format");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, money_is_grouped_by_thousands);
    tcase_add_test(tc, times_are_shown_in_the_local_zone);
    tcase_add_test(tc, audit_summaries_say_what_changed);
    tcase_add_test(tc, tables_fit_a_width_without_cutting_numbers);
    suite_add_tcase(s, tc);
    return s;
}
