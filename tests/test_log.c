/*
 * log_escape(): text a peer chose is made safe for one log line. Newlines, escape codes
 * and bytes that are not UTF-8 cannot start a line or drive a terminal; well-formed UTF-8
 * (Chinese names) is kept; the result is bounded and a cut is marked.
 */
#include <string.h>

#include "log.h"
#include "unit.h"

START_TEST(test_plain_and_utf8_kept)
{
    char out[LOG_ESCAPED_SIZE(64)];
    ck_assert_str_eq(log_escape("reno/0.1.0", out, sizeof out), "reno/0.1.0");
    ck_assert_str_eq(log_escape("县财政局", out, sizeof out), "县财政局");
}
END_TEST

START_TEST(test_controls_escaped)
{
    char out[LOG_ESCAPED_SIZE(64)];
    ck_assert_str_eq(log_escape("a\nb\tc\x1b[2J\"q\\", out, sizeof out),
                     "a\\nb\\tc\\x1b[2J\\\"q\\\\");
    /* DEL, a C1 control written as UTF-8, and a stray continuation byte. */
    ck_assert_str_eq(log_escape("\x7f\xc2\x9b\x80", out, sizeof out), "\\x7f\\xc2\\x9b\\x80");
    ck_assert_ptr_null(strchr(log_escape("x\ry", out, sizeof out), '\r'));
}
END_TEST

START_TEST(test_bounded_with_a_marked_cut)
{
    char in[200];
    memset(in, '\n', sizeof in - 1);
    in[sizeof in - 1] = '\0';
    char out[32];
    log_escape(in, out, sizeof out);
    ck_assert_uint_lt(strlen(out), sizeof out);
    ck_assert_str_eq(out + strlen(out) - 3, "...");
    /* Never half an escape before the mark. */
    ck_assert_int_eq(strlen(out) % 2, 1);
    /* The largest input fits its documented size without a cut. */
    char big[LOG_ESCAPED_SIZE(sizeof in - 1)];
    ck_assert_ptr_null(strstr(log_escape(in, big, sizeof big), "..."));
}
END_TEST

Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("escape");
    tcase_add_test(tc, test_plain_and_utf8_kept);
    tcase_add_test(tc, test_controls_escaped);
    tcase_add_test(tc, test_bounded_with_a_marked_cut);
    suite_add_tcase(s, tc);
    return s;
}
