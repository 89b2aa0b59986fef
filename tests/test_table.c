/*
 * Tests of client/table: widths in terminal cells for ASCII, Chinese and mixed text, and
 * tables whose columns line up when printed (to memory through open_memstream), with
 * numbers right-aligned, text left-aligned, and hostile cell text made harmless.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* Prints t into a new string the caller frees. */
static char *render(const struct table *t)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(out);
    table_print(t, out);
    ck_assert_int_eq(fclose(out), 0);
    return text;
}

/* Splits text into lines (in place); returns how many, at most max. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL && n < max;
         line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    return n;
}

/* The width in cells of the first `bytes` bytes of line. */
static size_t prefix_width(const char *line, size_t bytes)
{
    char *copy = strndup(line, bytes);
    size_t w = text_width(copy);
    free(copy);
    return w;
}

START_TEST(width_ascii)
{
    ck_assert_uint_eq(text_width(""), 0);
    ck_assert_uint_eq(text_width("a"), 1);
    ck_assert_uint_eq(text_width("office"), 6);
    ck_assert_uint_eq(text_width("2022-03-31"), 10);
}
END_TEST

START_TEST(width_chinese)
{
    ck_assert_uint_eq(text_width("紫云"), 4);
    ck_assert_uint_eq(text_width("领导小组办公室"), 14);
    /* Full-width punctuation is wide too. */
    ck_assert_uint_eq(text_width("（代章）"), 8);
}
END_TEST

START_TEST(width_mixed)
{
    ck_assert_uint_eq(text_width("紫云 2022"), 9);
    ck_assert_uint_eq(text_width("ziyun-2022 紫云自治县"), 11 + 10);
    /* A combining accent takes no cell of its own. */
    ck_assert_uint_eq(text_width("e\xcc\x81"), 1);
}
END_TEST

START_TEST(width_invalid_utf8)
{
    /* Each byte that starts no character counts one cell, as a terminal shows it. */
    ck_assert_uint_eq(text_width("\xff"), 1);
    ck_assert_uint_eq(text_width("a\xffz"), 3);
    ck_assert_uint_eq(text_width("\xe7\xb4"), 2); /* a truncated 紫 */
}
END_TEST

START_TEST(print_exact_layout)
{
    const char *headers[] = {"ID", "NAME", "HOUSEHOLDS"};
    struct table *t = table_new(3, headers);
    const char *row1[] = {"1", "紫云小区", "402"};
    const char *row2[] = {"12", "Songshan", "400"};
    table_add_row(t, row1);
    table_add_row(t, row2);
    ck_assert_uint_eq(table_rows(t), 2);
    char *text = render(t);
    ck_assert_str_eq(text, "ID  NAME      HOUSEHOLDS\n"
                           " 1  紫云小区         402\n"
                           "12  Songshan         400\n");
    free(text);
    table_free(t);
}
END_TEST

START_TEST(print_columns_line_up)
{
    /* Text columns of mixed scripts between numeric ones: every number column must end at
     * the same cell on every line, whatever the bytes per cell before it. */
    const char *headers[] = {"ID", "NAME", "COMMUNITY", "STARTED", "STARTED %"};
    struct table *t = table_new(5, headers);
    const char *rows[][5] = {
        {"1", "松山街道老旧小区改造一期", "紫云小区", "201", "50.0%"},
        {"2", "Phase 2", "Songshan", "0", "0.0%"},
        {"30", "混合 mixed 名字", "-", "1000", "100.0%"},
    };
    for (size_t r = 0; r < 3; r++)
        table_add_row(t, rows[r]);
    char *text = render(t);
    char *lines[8];
    size_t n = split_lines(text, lines, 8);
    ck_assert_uint_eq(n, 4);

    /* The last column is numeric, so right-aligned: all lines are equally wide. */
    size_t width = text_width(lines[0]);
    for (size_t i = 1; i < n; i++)
        ck_assert_uint_eq(text_width(lines[i]), width);

    /* The STARTED column ends at the same cell on every line: find each line's value. */
    const char *started[] = {"STARTED", "201", "0", "1000"};
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        const char *at = strstr(lines[i], started[i]);
        ck_assert_ptr_nonnull(at);
        size_t cells = prefix_width(lines[i], (size_t)(at - lines[i]) + strlen(started[i]));
        if (i == 0)
            end = cells;
        else
            ck_assert_uint_eq(cells, end);
    }

    /* The COMMUNITY column starts at the same cell on every line. */
    const char *community[] = {"COMMUNITY", "紫云小区", "Songshan", "-"};
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *at = strstr(lines[i], community[i]);
        ck_assert_ptr_nonnull(at);
        size_t cells = prefix_width(lines[i], (size_t)(at - lines[i]));
        if (i == 0)
            start = cells;
        else
            ck_assert_uint_eq(cells, start);
    }
    free(text);
    table_free(t);
}
END_TEST

START_TEST(print_no_trailing_blanks)
{
    const char *headers[] = {"RULE", "DETAIL"};
    struct table *t = table_new(2, headers);
    const char *row1[] = {"≥25% of households started", "201 of 802"};
    const char *row2[] = {"all started", ""};
    table_add_row(t, row1);
    table_add_row(t, row2);
    char *text = render(t);
    ck_assert_ptr_null(strstr(text, " \n"));
    ck_assert_str_eq(text, "RULE                        DETAIL\n"
                           "≥25% of households started  201 of 802\n"
                           "all started\n");
    free(text);
    table_free(t);
}
END_TEST

START_TEST(print_headers_only)
{
    const char *headers[] = {"ID", "名称"};
    struct table *t = table_new(2, headers);
    char *text = render(t);
    ck_assert_str_eq(text, "ID  名称\n");
    free(text);
    table_free(t);
}
END_TEST

START_TEST(print_alignment_override)
{
    const char *headers[] = {"CODE", "N"};
    struct table *t = table_new(2, headers);
    const char *row1[] = {"7", "x"};
    const char *row2[] = {"123", "y"};
    table_add_row(t, row1);
    table_add_row(t, row2);
    table_set_align(t, 0, TABLE_ALIGN_LEFT);
    table_set_align(t, 1, TABLE_ALIGN_RIGHT);
    char *text = render(t);
    ck_assert_str_eq(text, "CODE  N\n"
                           "7     x\n"
                           "123   y\n");
    free(text);
    table_free(t);
}
END_TEST

START_TEST(print_hostile_cells)
{
    /* Escape sequences, newlines and broken UTF-8 must not reach the terminal raw. */
    const char *headers[] = {"NAME", "N"};
    struct table *t = table_new(2, headers);
    const char *row1[] = {"\x1b[31mred", "1"};
    const char *row2[] = {"two\nlines\tand\xff", "2"};
    const char *row3[] = {NULL, "3"};
    table_add_row(t, row1);
    table_add_row(t, row2);
    table_add_row(t, row3);
    char *text = render(t);
    ck_assert_ptr_null(strchr(text, '\x1b'));
    ck_assert_str_eq(text, "NAME            N\n"
                           "?[31mred        1\n"
                           "two?lines and?  2\n"
                           "                3\n");
    free(text);
    table_free(t);
}
END_TEST

/* At a short width the optional columns go first, named under the table; a date is never
 * cut while text beside it shrinks; every line fits. */
START_TEST(print_narrow_leaves_out_optional_and_keeps_dates)
{
    const char *headers[] = {"ID", "SUBJECT", "DIGEST", "ISSUED", "NOTE"};
    struct table *t = table_new(5, headers);
    table_set_optional(t, 2);
    table_add_row(t, (const char *const[]){"1", "2022-05-14",
                                           "a96646b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6", "2022-05-15",
                                           "领导小组办公室的半月调度报告"});
    table_set_width_limit(44);
    char *text = render(t);
    table_set_width_limit(0);
    char *lines[4];
    ck_assert_uint_eq(split_lines(text, lines, 4), 3);
    for (size_t i = 0; i < 2; i++)
        ck_assert_msg(text_width(lines[i]) <= 44, "%zu: %s", text_width(lines[i]), lines[i]);
    ck_assert_msg(strstr(lines[1], "2022-05-14  2022-05-15  ") != NULL, "%s", lines[1]);
    ck_assert_ptr_null(strstr(lines[1], "a96646"));
    ck_assert_ptr_nonnull(strstr(lines[1], "…"));
    ck_assert_str_eq(lines[2], "(left out at this width: DIGEST; --json shows every column)");
    free(text);
    table_free(t);
}
END_TEST

Suite *table_suite(void);

Suite *table_suite(void)
{
    Suite *s = suite_create("table");
    TCase *width = tcase_create("text_width");
    tcase_add_test(width, width_ascii);
    tcase_add_test(width, width_chinese);
    tcase_add_test(width, width_mixed);
    tcase_add_test(width, width_invalid_utf8);
    suite_add_tcase(s, width);
    TCase *print = tcase_create("print");
    tcase_add_test(print, print_exact_layout);
    tcase_add_test(print, print_columns_line_up);
    tcase_add_test(print, print_no_trailing_blanks);
    tcase_add_test(print, print_headers_only);
    tcase_add_test(print, print_alignment_override);
    tcase_add_test(print, print_hostile_cells);
    tcase_add_test(print, print_narrow_leaves_out_optional_and_keeps_dates);
    suite_add_tcase(s, print);
    return s;
}
