/*
 * Tests of client/layout: cells fitted to a number of terminal columns (ASCII, Chinese,
 * mixed, hostile bytes), cut at character boundaries with "…" and never inside a wide
 * character, padded left or right; and the sharing of a screen's width among columns.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "table.h"
#include "unit.h"

/* Checks that text fitted into columns reads `expected` and is exactly that wide. */
static void check_cell(const char *text, size_t columns, enum layout_align align,
                       const char *expected)
{
    char *cell = layout_cell(text, columns, align);
    ck_assert_str_eq(cell, expected);
    ck_assert_uint_eq(text_width(cell), columns);
    free(cell);
}

START_TEST(ascii_pads_and_cuts)
{
    check_cell("abc", 5, LAYOUT_LEFT, "abc  ");
    check_cell("abc", 5, LAYOUT_RIGHT, "  abc");
    check_cell("abc", 3, LAYOUT_LEFT, "abc");
    check_cell("abcdef", 4, LAYOUT_LEFT, "abc…");
    check_cell("abcdef", 1, LAYOUT_LEFT, "…");
    check_cell(NULL, 2, LAYOUT_LEFT, "  ");
    check_cell("", 0, LAYOUT_LEFT, "");
    check_cell("abc", 0, LAYOUT_LEFT, "");
}
END_TEST

START_TEST(chinese_counts_two_columns)
{
    /* 紫云小区 is 4 characters, 8 columns. */
    check_cell("紫云小区", 8, LAYOUT_LEFT, "紫云小区");
    check_cell("紫云小区", 10, LAYOUT_LEFT, "紫云小区  ");
    check_cell("紫云小区", 10, LAYOUT_RIGHT, "  紫云小区");
    check_cell("项目一", 6, LAYOUT_RIGHT, "项目一");
}
END_TEST

START_TEST(chinese_is_never_cut_in_half)
{
    /* 7 columns: three characters (6) would leave no room for "…"; two and a blank. */
    check_cell("紫云小区", 7, LAYOUT_LEFT, "紫云小…");
    check_cell("紫云小区", 6, LAYOUT_LEFT, "紫云 …");
    check_cell("紫云小区", 5, LAYOUT_LEFT, "紫云…");
    check_cell("紫云小区", 2, LAYOUT_LEFT, " …");
    check_cell("紫云小区", 1, LAYOUT_LEFT, "…");
    /* Mixed: ASCII then wide. */
    check_cell("A区B区", 5, LAYOUT_LEFT, "A区B…");
    check_cell("A区B区", 4, LAYOUT_RIGHT, "A区…");
    check_cell("AB区区", 3, LAYOUT_LEFT, "AB…");
    check_cell("AB区区", 4, LAYOUT_LEFT, "AB …");
    /* Every cut of a long Chinese name is exactly as wide as asked and valid UTF-8. */
    const char *name = "紫云自治县城关镇老旧小区改造项目";
    for (size_t columns = 0; columns < 40; columns++) {
        char *cell = layout_cell(name, columns, LAYOUT_LEFT);
        ck_assert_uint_eq(text_width(cell), columns);
        for (const unsigned char *p = (const unsigned char *)cell; *p != '\0'; p++)
            ck_assert_msg(*p != '?', "a character was cut at %zu columns: %s", columns, cell);
        free(cell);
    }
}
END_TEST

START_TEST(hostile_bytes_are_harmless)
{
    check_cell("a\033[2Jb", 6, LAYOUT_LEFT, "a?[2Jb");
    check_cell("x\ny\tz", 5, LAYOUT_LEFT, "x?y?z");
    check_cell("\xff\xfe", 3, LAYOUT_LEFT, "?? ");
    /* A wide character whose last byte is missing. */
    check_cell("\xe7\xb4", 2, LAYOUT_LEFT, "??");
    /* A C1 control (U+009B, CSI). */
    check_cell("a\xc2\x9b", 2, LAYOUT_LEFT, "a?");
}
END_TEST

START_TEST(widths_fit_the_screen)
{
    size_t natural[] = {10, 30, 6};
    size_t minimum[] = {4, 8, 6};
    size_t widths[3];
    /* All fit: 10 + 30 + 6 + 2 gaps of 2 = 50. */
    ck_assert_uint_eq(layout_widths(natural, minimum, 3, 2, 80, widths), 50);
    ck_assert_uint_eq(widths[0], 10);
    ck_assert_uint_eq(widths[1], 30);
    ck_assert_uint_eq(widths[2], 6);
    /* 40 columns: the widest gives up 10. */
    ck_assert_uint_eq(layout_widths(natural, minimum, 3, 2, 40, widths), 40);
    ck_assert_uint_eq(widths[0], 10);
    ck_assert_uint_eq(widths[1], 20);
    ck_assert_uint_eq(widths[2], 6);
    /* 24 columns: both shrinkable columns go down, the widest first. */
    ck_assert_uint_eq(layout_widths(natural, minimum, 3, 2, 24, widths), 24);
    ck_assert_uint_eq(widths[0] + widths[1], 14);
    ck_assert_uint_ge(widths[0], 4);
    ck_assert_uint_ge(widths[1], 8);
    /* Too narrow even for the minimums: they stay, the table is wider than the screen. */
    ck_assert_uint_eq(layout_widths(natural, minimum, 3, 2, 10, widths), 22);
    ck_assert_uint_eq(widths[0], 4);
    ck_assert_uint_eq(widths[1], 8);
    ck_assert_uint_eq(widths[2], 6);
}
END_TEST

START_TEST(numbers_are_recognised)
{
    ck_assert(layout_is_number("12"));
    ck_assert(layout_is_number("-3.5"));
    ck_assert(layout_is_number("40.0%"));
    ck_assert(layout_is_number("-"));
    ck_assert(!layout_is_number(""));
    ck_assert(!layout_is_number("12a"));
    ck_assert(!layout_is_number("%"));
    ck_assert(!layout_is_number("2022-03-31"));
    ck_assert(!layout_is_number("项目一"));
}
END_TEST

Suite *layout_suite(void)
{
    Suite *s = suite_create("layout");
    TCase *tc = tcase_create("layout");
    tcase_add_test(tc, ascii_pads_and_cuts);
    tcase_add_test(tc, chinese_counts_two_columns);
    tcase_add_test(tc, chinese_is_never_cut_in_half);
    tcase_add_test(tc, hostile_bytes_are_harmless);
    tcase_add_test(tc, widths_fit_the_screen);
    tcase_add_test(tc, numbers_are_recognised);
    suite_add_tcase(s, tc);
    return s;
}
