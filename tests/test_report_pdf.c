/*
 * The printed report's page layout (common/report_pdf.c), read back with pdftotext: a
 * table's heading is never the last thing on a page. The documents sweep the heading down
 * the page, one filler row at a time, in front of a table whose first row is tall (long
 * text that wraps), so that at some filler count the heading lands just above a page's
 * foot whatever the page's exact measures are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "unit.h"

#define HEADING "乙表：逾期事项明细"

#if defined(__SANITIZE_ADDRESS__)
/* As in renod (server/main.c): the font caches fontconfig, cairo and pango keep for the
 * life of the process are released by nobody; every other leak is still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libcairo.so\nleak:libpango\nleak:libharfbuzz.so\n"
           "leak:libglib-2.0.so\nleak:libgobject-2.0.so\n";
}
#endif

/* The text of each page, pdftotext's form feeds replaced by NULs; *npages set. */
static char *pdf_text(const char *pdf, size_t len, int *npages)
{
    char path[] = "/tmp/reno-pdf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s -", path);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1 << 16, n = 0, got;
    char *text = malloc(cap);
    while ((got = fread(text + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 >= cap)
            text = realloc(text, cap *= 2);
    }
    text[n] = '\0';
    ck_assert_int_eq(pclose(f), 0);
    unlink(path);
    *npages = 0;
    for (char *p = text; *p; p++)
        if (*p == '\f') {
            *p = '\0';
            ++*npages;
        }
    return text;
}

/* The last line of a page's text that is not blank and not its page number. */
static void last_line(const char *page, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = page;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t k = 0;
        while (k < len && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k < len && strncmp(p + k, "—", strlen("—")) != 0)
            snprintf(out, size, "%.*s", (int)(len - k), p + k);
        p += len + (end ? 1 : 0);
    }
}

START_TEST(a_heading_is_never_left_at_a_page_foot)
{
    if (system("command -v pdftotext >/dev/null 2>&1") != 0) {
        fprintf(stderr, "pdftotext missing: the layout is not read back\n");
        return;
    }
    int checked = 0;
    for (int filler = 20; filler <= 44; filler++) {
        struct report_doc doc;
        report_doc_init(&doc);
        report_set(&doc.title, "版面测试");
        report_set(&doc.date, "2022-05-13");
        const char *cols[] = {"项目", "已开工", "备注"};
        struct report_table *t = report_add_table(&doc, "甲表：各项目进度", 3, cols);
        for (int r = 0; r < filler; r++)
            report_table_row(t, (const char *const[]){"松山街道示例小区一（示例）", "500", "正常"});
        t = report_add_table(&doc, HEADING, 3, cols);
        report_table_row(t,
                         (const char *const[]){
                             "松山街道示例小区二（示例）", "302",
                             "外墙保温层局部空鼓需返工，已通知施工单位限期整改，监理单位跟踪复查，"
                             "整改完成后由建设单位组织复验并报县住房和城乡建设局备案；"
                             "同时排查其他楼栋是否存在同类问题，形成书面报告"});
        char *pdf;
        size_t len;
        report_render_pdf(&doc, &pdf, &len);
        report_doc_done(&doc);
        int npages;
        char *text = pdf_text(pdf, len, &npages);
        free(pdf);
        const char *page = text;
        for (int i = 0; i < npages; i++) {
            char line[512];
            last_line(page, line, sizeof line);
            ck_assert_msg(strstr(line, HEADING) == NULL,
                          "%d filler rows: the heading is the last line of page %d", filler, i + 1);
            page += strlen(page) + 1;
            checked++;
        }
        free(text);
    }
    ck_assert_int_gt(checked, 25);
}
END_TEST

Suite *report_pdf_suite(void)
{
    Suite *s = suite_create("report_pdf");
    TCase *tc = tcase_create("layout");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_heading_is_never_left_at_a_page_foot);
    suite_add_tcase(s, tc);
    return s;
}
