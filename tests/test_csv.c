/*
 * Tests for client/csv: the RFC 4180 forms (quoted cells with commas, line breaks and
 * doubled quotes), what spreadsheets add (a byte-order mark, LF or CR line breaks, no
 * final line break), the line each record starts on, and every malformed input refused
 * with the line where the problem is.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "unit.h"

static struct csv parse_ok(const char *text)
{
    struct csv c;
    struct csv_error err;
    int rc = csv_parse(text, strlen(text), &c, &err);
    ck_assert_msg(rc == 0, "refused at line %zu: %s", err.line, err.message);
    return c;
}

/* Parses text that must be refused; returns the line of the problem. */
static size_t parse_bad(const char *text, size_t len, const char *expected_words)
{
    struct csv c;
    struct csv_error err;
    ck_assert_int_eq(csv_parse(text, len, &c, &err), -1);
    ck_assert_ptr_null(c.records);
    ck_assert_uint_eq(c.n_records, 0);
    ck_assert_msg(strstr(err.message, expected_words) != NULL, "message '%s' lacks '%s'",
                  err.message, expected_words);
    return err.line;
}

static void assert_record(const struct csv *c, size_t index, size_t line, size_t n,
                          const char *const *cells)
{
    ck_assert_uint_lt(index, c->n_records);
    const struct csv_record *r = &c->records[index];
    ck_assert_uint_eq(r->line, line);
    ck_assert_uint_eq(r->n_cells, n);
    for (size_t k = 0; k < n; k++)
        ck_assert_str_eq(r->cells[k], cells[k]);
}

START_TEST(test_plain_records)
{
    struct csv c = parse_ok("op,project_id,note\npush_progress,3,\nmark_milestone,4,done\n");
    ck_assert_uint_eq(c.n_records, 3);
    assert_record(&c, 0, 1, 3, (const char *[]){"op", "project_id", "note"});
    assert_record(&c, 1, 2, 3, (const char *[]){"push_progress", "3", ""});
    assert_record(&c, 2, 3, 3, (const char *[]){"mark_milestone", "4", "done"});
    ck_assert(!csv_record_blank(&c.records[1]));
    csv_free(&c);
    ck_assert_ptr_null(c.records);
}
END_TEST

START_TEST(test_line_breaks_and_last_record)
{
    /* CRLF, LF and a lone CR each end a record; the last needs no line break. */
    struct csv c = parse_ok("a,b\r\nc,d\ne,f\rg,h");
    ck_assert_uint_eq(c.n_records, 4);
    assert_record(&c, 0, 1, 2, (const char *[]){"a", "b"});
    assert_record(&c, 1, 2, 2, (const char *[]){"c", "d"});
    assert_record(&c, 2, 3, 2, (const char *[]){"e", "f"});
    assert_record(&c, 3, 4, 2, (const char *[]){"g", "h"});
    csv_free(&c);

    /* One line break at the end ends the last record; it does not start another. */
    c = parse_ok("a\r\n");
    ck_assert_uint_eq(c.n_records, 1);
    csv_free(&c);
    /* A trailing comma is one more, empty, cell. */
    c = parse_ok("a,\n");
    assert_record(&c, 0, 1, 2, (const char *[]){"a", ""});
    csv_free(&c);
}
END_TEST

START_TEST(test_quoted_cells)
{
    const char *text = "op,note\n"
                       "x,\"one, two\"\n"
                       "y,\"she said \"\"done\"\"\"\n"
                       "z,\"first line\r\nsecond line\nthird\"\n"
                       "w,\"\"\n"
                       "v,\"\"\"\"\n";
    struct csv c = parse_ok(text);
    ck_assert_uint_eq(c.n_records, 6);
    assert_record(&c, 1, 2, 2, (const char *[]){"x", "one, two"});
    assert_record(&c, 2, 3, 2, (const char *[]){"y", "she said \"done\""});
    /* The line breaks inside the cell are kept as they were written. */
    assert_record(&c, 3, 4, 2, (const char *[]){"z", "first line\r\nsecond line\nthird"});
    /* The record after a cell of three lines starts on line 7. */
    assert_record(&c, 4, 7, 2, (const char *[]){"w", ""});
    assert_record(&c, 5, 8, 2, (const char *[]){"v", "\""});
    csv_free(&c);
}
END_TEST

START_TEST(test_bom_and_chinese_text)
{
    /* Excel's "CSV UTF-8" starts with a byte-order mark; the first cell must not keep it. */
    struct csv c = parse_ok("\xEF\xBB\xBFop,evidence\r\nmark_milestone,\"县住房和城乡建设局，"
                            "立项批复\"\r\n");
    ck_assert_uint_eq(c.n_records, 2);
    assert_record(&c, 0, 1, 2, (const char *[]){"op", "evidence"});
    assert_record(&c, 1, 2, 2, (const char *[]){"mark_milestone", "县住房和城乡建设局，立项批复"});
    csv_free(&c);
    /* A mark anywhere else is the cell's own text. */
    c = parse_ok("a,\xEF\xBB\xBF"
                 "b");
    assert_record(&c, 0, 1, 2,
                  (const char *[]){"a", "\xEF\xBB\xBF"
                                        "b"});
    csv_free(&c);
}
END_TEST

START_TEST(test_empty_and_blank)
{
    struct csv c = parse_ok("");
    ck_assert_uint_eq(c.n_records, 0);
    csv_free(&c);
    c = parse_ok("\xEF\xBB\xBF");
    ck_assert_uint_eq(c.n_records, 0);
    csv_free(&c);
    /* Blank lines and rows of bare commas come back, marked blank. */
    c = parse_ok("a,b\n\n,\n\"\",\nc,d\n");
    ck_assert_uint_eq(c.n_records, 5);
    ck_assert(csv_record_blank(&c.records[1]));
    ck_assert_uint_eq(c.records[1].n_cells, 1);
    ck_assert(csv_record_blank(&c.records[2]));
    ck_assert(csv_record_blank(&c.records[3]));
    ck_assert(!csv_record_blank(&c.records[4]));
    ck_assert_uint_eq(c.records[4].line, 5);
    csv_free(&c);
}
END_TEST

START_TEST(test_malformed_input)
{
    const char *unclosed = "op,note\nx,\"never\nclosed\n";
    ck_assert_uint_eq(parse_bad(unclosed, strlen(unclosed), "not closed"), 2);
    const char *inner = "op,note\nx,ok\ny,say \"hi\"\n";
    ck_assert_uint_eq(parse_bad(inner, strlen(inner), "quote inside an unquoted cell"), 3);
    const char *after = "op,note\n\"x\"y,1\n";
    ck_assert_uint_eq(parse_bad(after, strlen(after), "after the closing quote"), 2);
    /* The line counts the line breaks inside an earlier quoted cell. */
    const char *late = "op,note\nx,\"a\r\nb\"\ny,\"c\" d\n";
    ck_assert_uint_eq(parse_bad(late, strlen(late), "after the closing quote"), 4);
    const char nul[] = "op\nx\0y\n";
    ck_assert_uint_eq(parse_bad(nul, sizeof nul - 1, "NUL"), 2);
    const char nul_quoted[] = "op\n\"x\0\"\n";
    ck_assert_uint_eq(parse_bad(nul_quoted, sizeof nul_quoted - 1, "NUL"), 2);
}
END_TEST

Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, test_plain_records);
    tcase_add_test(tc, test_line_breaks_and_last_record);
    tcase_add_test(tc, test_quoted_cells);
    tcase_add_test(tc, test_bom_and_chinese_text);
    tcase_add_test(tc, test_empty_and_blank);
    tcase_add_test(tc, test_malformed_input);
    suite_add_tcase(s, tc);
    return s;
}
