/*
 * Report rendering: each format carries the header and every table, escapes what its
 * syntax needs (Markdown '|', CSV quotes, JSON control characters, HTML markup), the
 * chart has one polyline per series and one mark per threshold, and the same document
 * always renders to the same bytes (what makes an issued report reproducible).
 */
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "report.h"
#include "unit.h"

static struct report_doc doc;

static int32_t day(const char *text)
{
    int32_t d = 0;
    ck_assert(date_parse(text, &d));
    return d;
}

static void setup(void)
{
    report_doc_init(&doc);
    report_set(&doc.title, "紫云自治县2022年城镇老旧小区改造半月调度");
    report_set(&doc.subtitle, "2022-05-14");
    report_set(&doc.issuer, "领导小组办公室（县住房和城乡建设局代章）");
    report_set(&doc.recipients, "县人民政府、市联席会议办公室");
    report_set(&doc.date, "2022-05-13");
    doc.audit_position = 42;
    report_set(&doc.audit_head, "ab12");
    const char *cols[] = {"项目", "已开工", "备注"};
    struct report_table *t = report_add_table(&doc, "项目进度", 3, cols);
    report_table_row(t, (const char *const[]){"示例小区一", "500", "a|b, \"c\"\n<d>&"});
    report_table_row(t, (const char *const[]){"示例小区二", "302", ""});
    report_add_table(&doc, "逾期事项", 3, cols);
    report_set(&doc.chart_title, "开工进度");
    struct report_series *s = report_add_series(&doc, "示例小区一");
    report_series_point(s, day("2022-03-10"), 30.0);
    report_series_point(s, day("2022-04-20"), 100.0);
    report_add_mark(&doc, "≥25% 开工", day("2022-03-31"), 25.0);
    report_add_mark(&doc, "全部开工", day("2022-04-30"), 100.0);
}

static void teardown(void)
{
    report_doc_done(&doc);
}

static char *render(enum report_format f)
{
    char *out;
    size_t len;
    report_render(&doc, f, &out, &len);
    ck_assert_uint_eq(strlen(out), len);
    return out;
}

START_TEST(csv_neutralises_formulas)
{
    /* Text a unit typed that a spreadsheet would run: quoted, with an apostrophe first. */
    const char *cols[] = {"项目", "差额", "备注"};
    struct report_table *t = report_add_table(&doc, "公式", 3, cols);
    report_table_row(t, (const char *const[]){"=HYPERLINK(\"http://x\")", "-12", "+1 555"});
    report_table_row(t, (const char *const[]){"@SUM(A1)", "-0.5", "-2+3"});
    report_table_row(t, (const char *const[]){"\tTAB", "+7", "a=b"});
    char *csv = render(REPORT_CSV);
    ck_assert_ptr_nonnull(strstr(csv, "\"'=HYPERLINK(\"\"http://x\"\")\",-12,\"'+1 555\"\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\"'@SUM(A1)\",-0.5,\"'-2+3\"\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\"'\tTAB\",+7,a=b\r\n"));
    free(csv);
}
END_TEST

START_TEST(markdown_escapes_pipes_and_folds_lines)
{
    char *md = render(REPORT_MD);
    ck_assert_ptr_nonnull(strstr(md, "# 紫云自治县2022年城镇老旧小区改造半月调度\n"));
    ck_assert_ptr_nonnull(strstr(md, "主送：县人民政府、市联席会议办公室\n"));
    ck_assert_ptr_nonnull(strstr(md, "| 示例小区一 | 500 | a\\|b, \"c\" <d>& |\n"));
    ck_assert_ptr_nonnull(strstr(md, "## 逾期事项\n\n（无）\n"));
    /* The page is a 公文: what it was built from is kept with the stored report (and in
     * the CSV and JSON forms), not printed. */
    ck_assert_ptr_null(strstr(md, "审计"));
    ck_assert_ptr_null(strstr(md, "ab12"));
    free(md);
}
END_TEST

START_TEST(amounts_are_grouped_when_printed_and_kept_for_programs)
{
    /* An amount as the reports' SQL writes it gets its thousands separators in the
     * printed forms; CSV and JSON keep it as stored; counts, short amounts, percentages
     * and other text are left alone. */
    char out[64];
    ck_assert(report_group_amount("6000000.00", out, sizeof out));
    ck_assert_str_eq(out, "6,000,000.00");
    ck_assert(report_group_amount("-1234.50", out, sizeof out));
    ck_assert_str_eq(out, "-1,234.50");
    ck_assert(report_group_amount("100000.25", out, sizeof out));
    ck_assert_str_eq(out, "100,000.25");
    const char *left[] = {"999.99",   "500",     "95.8%", "12.5", "1234.5",     "1,234.00",
                          "a1234.00", "1234.0x", "",      "-",    "2022-05-14", "--1234.00"};
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++)
        ck_assert_msg(!report_group_amount(left[i], out, sizeof out), "grouped %s", left[i]);
    char small[8];
    ck_assert(!report_group_amount("6000000.00", small, sizeof small)); /* too small: refused */

    const char *cols[] = {"来源", "到位（元）", "户数"};
    struct report_table *t = report_add_table(&doc, "资金", 3, cols);
    report_table_row(t, (const char *const[]){"中央补助", "6000000.00", "1500"});
    char *md = render(REPORT_MD);
    ck_assert_ptr_nonnull(strstr(md, "| 中央补助 | 6,000,000.00 | 1500 |\n"));
    free(md);
    char *html = render(REPORT_HTML);
    ck_assert_ptr_nonnull(strstr(html, ">6,000,000.00</td>"));
    free(html);
    char *csv = render(REPORT_CSV);
    ck_assert_ptr_nonnull(strstr(csv, "中央补助,6000000.00,1500\r\n"));
    free(csv);
    char *json = render(REPORT_JSON);
    ck_assert_ptr_nonnull(strstr(json, "\"6000000.00\""));
    ck_assert_ptr_null(strstr(json, "6,000,000.00"));
    free(json);
}
END_TEST

START_TEST(csv_quotes_per_rfc4180)
{
    char *csv = render(REPORT_CSV);
    ck_assert_ptr_nonnull(strstr(csv, "audit_position,42\r\naudit_head,ab12\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "项目,已开工,备注\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "示例小区一,500,\"a|b, \"\"c\"\"\n<d>&\"\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "示例小区二,302,\r\n"));
    free(csv);
}
END_TEST

START_TEST(json_escapes_and_carries_the_chart)
{
    char *json = render(REPORT_JSON);
    ck_assert_ptr_nonnull(strstr(json, "\"audit_position\":42,\"audit_head\":\"ab12\","));
    ck_assert_ptr_nonnull(strstr(json, "[\"示例小区一\",\"500\",\"a|b, \\\"c\\\"\\n<d>&\"]"));
    ck_assert_ptr_nonnull(
        strstr(json, "\"points\":[[\"2022-03-10\",30.0],[\"2022-04-20\",100.0]]"));
    ck_assert_ptr_nonnull(
        strstr(json, "{\"label\":\"全部开工\",\"date\":\"2022-04-30\",\"value\":100.0}"));
    free(json);
}
END_TEST

START_TEST(html_escapes_markup_and_draws_the_chart)
{
    char *html = render(REPORT_HTML);
    ck_assert_ptr_nonnull(strstr(html, "<meta charset=\"utf-8\">"));
    ck_assert_ptr_nonnull(strstr(html, "Noto Sans CJK SC"));
    ck_assert_ptr_nonnull(strstr(html, "<td>a|b, &quot;c&quot;\n&lt;d&gt;&amp;</td>"));
    ck_assert_ptr_null(strstr(html, "<d>"));
    ck_assert_ptr_nonnull(strstr(html, "<svg "));
    int polylines = 0, marks = 0;
    for (const char *p = html; (p = strstr(p, "<polyline")); p++)
        polylines++;
    for (const char *p = html; (p = strstr(p, "<circle")); p++)
        marks++;
    ck_assert_int_eq(polylines, 1);
    ck_assert_int_eq(marks, 2 + 2); /* two plan marks, and a dot per report */
    ck_assert_ptr_nonnull(strstr(html, ">4月</text>"));
    free(html);
}
END_TEST

START_TEST(same_document_same_bytes)
{
    for (int f = REPORT_MD; f <= REPORT_HTML; f++) {
        char *a = render((enum report_format)f);
        char *b = render((enum report_format)f);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
}
END_TEST

Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, markdown_escapes_pipes_and_folds_lines);
    tcase_add_test(tc, csv_quotes_per_rfc4180);
    tcase_add_test(tc, amounts_are_grouped_when_printed_and_kept_for_programs);
    tcase_add_test(tc, csv_neutralises_formulas);
    tcase_add_test(tc, json_escapes_and_carries_the_chart);
    tcase_add_test(tc, html_escapes_markup_and_draws_the_chart);
    tcase_add_test(tc, same_document_same_bytes);
    suite_add_tcase(s, tc);
    return s;
}
