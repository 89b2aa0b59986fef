/*
 * Tests of client/status_view: the status sections' columns as data, shared by reno
 * status and the dashboard. Each view gets its columns (the CLI the id, the dashboard the
 * light); a narrow screen gets the short headers and dates as month and day; amounts are
 * in 万元 with the unit in the header; codes read as labels; totals read "total". Run in the C
 * locale: English labels.
 */
#include <string.h>

#include "status_view.h"
#include "unit.h"

/* The cells of a row in the columns of `where`, joined by "|". */
static void row_text(const struct sv_section *sec, unsigned where, const ProtobufCMessage *row,
                     const struct sv_context *ctx, char *out, size_t size)
{
    const struct sv_column *cols[SV_MAX_COLUMNS];
    size_t n = sv_columns(sec, where, cols);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char cell[SV_CELL];
        sv_cell(cols[i], row, ctx, cell);
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i > 0 ? "|" : "", cell);
    }
}

START_TEST(each_view_has_its_columns)
{
    const struct sv_column *cli[SV_MAX_COLUMNS], *dash[SV_MAX_COLUMNS];
    size_t n_cli = sv_columns(&sv_projects, SV_CLI, cli);
    size_t n_dash = sv_columns(&sv_projects, SV_DASH, dash);
    ck_assert_uint_eq(n_cli, n_dash);
    ck_assert_str_eq(cli[0]->header, "ID");
    ck_assert_str_eq(dash[0]->header, "LIGHT");
    /* The rest are the same columns, the very same entries. */
    for (size_t i = 1; i < n_cli; i++)
        ck_assert_ptr_eq(cli[i], dash[i]);
    const struct sv_context wide = {NULL, false, false}, narrow = {NULL, true, false};
    ck_assert_str_eq(sv_header(cli[4], &wide), "STARTED");
    ck_assert_str_eq(sv_header(cli[4], &narrow), "START");
    /* A column without a short header keeps its header. */
    ck_assert_str_eq(sv_header(cli[1], &narrow), "NAME");
}
END_TEST

START_TEST(projects_light_and_sample_mark)
{
    Reno__StatusLight light = RENO__STATUS_LIGHT__INIT;
    light.project_id = 7;
    light.light = RENO__LIGHT__LIGHT_RED;
    Reno__StatusLight *lights[] = {&light};
    Reno__StatusReply s = RENO__STATUS_REPLY__INIT;
    s.n_lights = 1;
    s.lights = lights;
    Reno__ProjectStatus p = RENO__PROJECT_STATUS__INIT;
    p.project_id = 7;
    p.name = "松山街道示例小区一";
    p.community = "示例小区一";
    p.households = 500;
    p.households_started = 60;
    p.started_pct = 12;
    p.last_report_date = "2022-03-20";
    p.is_sample = true;
    char text[1024];
    const struct sv_context cli = {&s, false, true};
    row_text(&sv_projects, SV_CLI, &p.base, &cli, text, sizeof text);
    ck_assert_str_eq(text, "7|松山街道示例小区一 *|示例小区一|500|60|12.0%|0|0.0%|2022-03-20");
    const struct sv_context dash = {&s, false, false};
    row_text(&sv_projects, SV_DASH, &p.base, &dash, text, sizeof text);
    ck_assert_str_eq(text, "red|松山街道示例小区一|示例小区一|500|60|12.0%|0|0.0%|2022-03-20");
    const struct sv_context narrow = {&s, true, false};
    row_text(&sv_projects, SV_DASH, &p.base, &narrow, text, sizeof text);
    ck_assert_str_eq(text, "●|松山街道示例小区一|示例小区一|500|60|12.0%|0|0.0%|03-20");
}
END_TEST

START_TEST(amounts_in_ten_thousands_the_unit_in_the_header)
{
    Reno__StatusFunds f = RENO__STATUS_FUNDS__INIT;
    f.project_id = 0;
    f.source_name = "中央补助";
    f.allocated = 1234567.5;
    f.received = 200000;
    f.paid = 50000;
    f.available = 150000;
    f.received_pct = 16.2;
    char text[1024];
    const struct sv_context wide = {NULL, false, false}, narrow = {NULL, true, false};
    row_text(&sv_funds, SV_BOTH, &f.base, &wide, text, sizeof text);
    ck_assert_str_eq(text, "total|中央补助|123.46|20.00|5.00|15.00|16.2%");
    row_text(&sv_funds, SV_BOTH, &f.base, &narrow, text, sizeof text);
    ck_assert_str_eq(text, "total|中央补助|123.46|20.00|5.00|15.00|16.2%");
    const struct sv_column *cols[SV_MAX_COLUMNS];
    (void)sv_columns(&sv_funds, SV_DASH, cols);
    ck_assert_str_eq(sv_header(cols[2], &wide), "ALLOCATED (10k yuan)");
    ck_assert_str_eq(sv_header(cols[2], &narrow), "ALLOC");
}
END_TEST

START_TEST(codes_read_as_labels)
{
    Reno__StatusLines l = RENO__STATUS_LINES__INIT;
    l.project_id = 0;
    l.utility_name = "南方电网紫云分公司";
    l.segment = RENO__LINE_SEGMENT__LINE_SEGMENT_INSIDE_RED_LINE;
    l.parts = 5;
    l.parts_done = 2;
    char text[1024];
    const struct sv_context ctx = {NULL, false, false};
    row_text(&sv_lines, SV_BOTH, &l.base, &ctx, text, sizeof text);
    ck_assert_msg(strstr(text, "inside the red line") != NULL && strstr(text, "LINE_") == NULL,
                  "%s", text);
    ck_assert_str_eq(text, "all|南方电网紫云分公司|inside the red line|2/5|0|-|-");
}
END_TEST

Suite *status_view_suite(void)
{
    Suite *s = suite_create("status_view");
    TCase *tc = tcase_create("status_view");
    tcase_add_test(tc, each_view_has_its_columns);
    tcase_add_test(tc, projects_light_and_sample_mark);
    tcase_add_test(tc, amounts_in_ten_thousands_the_unit_in_the_header);
    tcase_add_test(tc, codes_read_as_labels);
    suite_add_tcase(s, tc);
    return s;
}
