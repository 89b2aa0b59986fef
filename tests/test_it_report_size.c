/*
 * The half-monthly report of a programme larger than a page of projects (a city's, a
 * province's), through the real path: the office previews it and renod builds it from the
 * stored data. Every table lists at most a page of rows: section 一 the projects furthest
 * behind, then the total over every project and a note saying how many there are and where
 * the rest is read. The reply does not grow with the programme: tripling the projects
 * changes the report by a few digits, not by a row per project. (A county's programme, a
 * page or fewer, keeps every row: tests/test_it_report.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "it.h"

static struct net_conn *office;

static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
}

static void teardown(void)
{
    net_close(office);
    h_fixture_teardown();
}

/* Adds projects to the seeded programme until it has n, straight into the table: the
 * report reads the stored data, and hundreds of CreateProject round trips would only slow
 * the test down. */
static void grow_to(int n)
{
    char sql[1200];
    snprintf(sql, sizeof sql,
             "INSERT INTO project (programme_id, name, community, households, renovation_type, "
             "street, buildings, area_m2, subsidy_batch, is_sample) "
             "SELECT p.programme_id, '增补' || lpad(g::text, 5, '0') || '小区（示例）', "
             "'增补' || g || '小区', 100, 'comprehensive', '松山街道', 4, 8550, "
             "'2022年度中央补助支持老旧小区改造计划', true "
             "FROM (SELECT programme_id FROM project ORDER BY id LIMIT 1) p, "
             "generate_series((SELECT count(*) FROM project)::int + 1, %d) g",
             n);
    char state[6];
    h_sql_exec(h_db, sql, state);
    ck_assert_msg(state[0] == '\0', "adding projects: %s", state);
}

/* A preview of the round report of 2022-05-14 in Markdown, as a NUL-terminated copy. */
static char *round_report(size_t *len)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__IssueReport ir = RENO__ISSUE_REPORT__INIT;
    ir.idempotency_key.data = key;
    ir.idempotency_key.len = sizeof key;
    ir.kind = RENO__REPORT_KIND__REPORT_KIND_ROUND;
    ir.subject = "2022-05-14";
    ir.format = RENO__REPORT_FORMAT__REPORT_FORMAT_MD;
    ir.replaces = "";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_ISSUE_REPORT;
    req.issue_report = &ir;
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    const Reno__IssuedReport *r = m->response->issue_report;
    char *s = malloc(r->content.len + 1);
    memcpy(s, r->content.data, r->content.len);
    s[r->content.len] = '\0';
    *len = r->content.len;
    net_free(office, m);
    return s;
}

/* How many times needle occurs in s. */
static int occurrences(const char *s, const char *needle)
{
    int n = 0;
    for (const char *at = strstr(s, needle); at; at = strstr(at + 1, needle))
        n++;
    return n;
}

START_TEST(round_report_lists_a_page_and_does_not_grow_with_the_programme)
{
    grow_to(150);
    size_t small_len;
    char *small = round_report(&small_len);
    /* Section 一: a page of the 148 added projects (the two seeded ones are among the
     * furthest behind too: nothing reported), then the total of all 150 and the note. */
    ck_assert_int_eq(occurrences(small, "小区（示例） | 增补"), 98);
    ck_assert_msg(strstr(small, "| 合计（150个项目） |  | ") != NULL, "%s", small);
    ck_assert_ptr_nonnull(strstr(small, "共150个项目，本表列出完工率最低的100个及全部项目合计"));
    ck_assert_ptr_nonnull(strstr(small, "项目较多，各工序明细不随本报告印发"));
    /* Section 三's page of a large programme ends with the counts of every milestone due
     * by the collection (the seeded ones of the first projects at least). */
    const char *due = strstr(small, "截至收集日应完成的节点共");
    ck_assert_msg(due != NULL && strncmp(due, "截至收集日应完成的节点共0个", 40) != 0, "%s",
                  due ? due : small);

    grow_to(450);
    size_t big_len;
    char *big = round_report(&big_len);
    ck_assert_int_eq(occurrences(big, "小区（示例） | 增补"), 98);
    ck_assert_ptr_nonnull(strstr(big, "| 合计（450个项目） |  | "));
    ck_assert_ptr_nonnull(strstr(big, "共450个项目"));
    /* Three hundred more projects: the same page, a few digits more. Listed in full they
     * would add a row each (tens of kilobytes). */
    ck_assert_msg(big_len < small_len + 200, "%zu bytes at 150 projects, %zu at 450", small_len,
                  big_len);
    ck_assert_msg(big_len < 64 * 1024, "%zu bytes", big_len);
    free(small);
    free(big);
}
END_TEST

/* The latest progress of every project by 2022-05-14's collection, its page furthest behind
 * and its totals, computed here independently of the report (DISTINCT ON, not the report's
 * lookup per project), as the Markdown lines of section 一. */
static const char *const behind_sql =
    "WITH rd AS (SELECT r.effective_on FROM reno_sup_rounds((SELECT programme_id FROM project "
    "            LIMIT 1)) r WHERE r.round_on = DATE '2022-05-14'),"
    " latest AS (SELECT DISTINCT ON (pr.project_id) pr.project_id, pr.households_started AS st,"
    "                   pr.households_completed AS co, pr.report_date AS last"
    "              FROM progress_report pr, rd WHERE pr.report_date <= rd.effective_on"
    "             ORDER BY pr.project_id, pr.report_date DESC, pr.id DESC),"
    " k AS (SELECT p.id, p.name, p.community, p.households_in_scope AS h,"
    "              COALESCE(l.st, 0) AS st, COALESCE(l.co, 0) AS co, l.last,"
    "              rank() OVER (ORDER BY COALESCE(l.co, 0)::numeric / "
    "GREATEST(p.households_in_scope, 1),"
    "                           COALESCE(l.st, 0)::numeric / GREATEST(p.households_in_scope, 1),"
    "                           p.id) AS behind"
    "         FROM project p LEFT JOIN latest l ON l.project_id = p.id) ";

START_TEST(round_report_page_totals_and_chart_follow_the_progress)
{
    grow_to(150);
    /* Progress that differs from project to project, some of it corrected by a later report
     * of the same day and some dated after the collection (not counted); every fourth project
     * reported none started, so that the furthest behind are told apart by their ids. */
    char state[6];
    h_sql_exec(
        h_db,
        "INSERT INTO progress_report (project_id, report_date, households_started,"
        "                             households_completed, account_id, unit_id)"
        " SELECT pr.id, d.on_, s.st, s.st * (pr.id % 3) / 3, a.id, a.unit_id"
        "   FROM project pr, account a,"
        "        (VALUES (DATE '2022-04-20', 37), (DATE '2022-04-20', 41),"
        "                (DATE '2022-06-01', 7)) d(on_, m),"
        "        LATERAL (SELECT CASE WHEN pr.id % 4 = 0 AND d.on_ < DATE '2022-06-01' THEN 0"
        "                             ELSE (pr.id * d.m) % 101 END AS st) s"
        "  WHERE pr.name LIKE '增补%' AND a.username = 'office'",
        state);
    ck_assert_str_eq(state, "");
    size_t len;
    char *md = round_report(&len);
    char sql[4096];
    snprintf(sql, sizeof sql,
             "%sSELECT string_agg('| ' || k.name || ' | ' || k.community || ' | ' || k.h || ' | '"
             " || k.st || ' | ' || reno_pct(k.st, k.h) || ' | ' || k.co || ' | '"
             " || reno_pct(k.co, k.h) || ' | ' || COALESCE(to_char(k.last, 'YYYY-MM-DD'), '未报送')"
             " || ' |', E'\\n' ORDER BY k.id) FILTER (WHERE k.behind <= 100)"
             " || E'\\n| 合计（' || count(*) || '个项目） |  | ' || sum(k.h) || ' | ' || sum(k.st)"
             " || ' | ' || reno_pct(sum(k.st), sum(k.h)) || ' | ' || sum(k.co) || ' | '"
             " || reno_pct(sum(k.co), sum(k.h)) || ' |  |' FROM k",
             behind_sql);
    char *want = h_sql_text(h_db, sql);
    ck_assert_msg(strstr(md, want) != NULL, "want:\n%s\nin:\n%s", want, md);
    /* The chart: the ten furthest behind, each with a started and a completed series from
     * its reports (one with no report by the collection has no series). */
    char *charted = h_sql_text(
        h_db, "SELECT string_agg(DISTINCT regexp_replace(r.cells[1], ' (开工|完工)$', ''), ',')"
              "  FROM reno_report_round_records((SELECT programme_id FROM project LIMIT 1),"
              "                                 DATE '2022-05-14') r WHERE r.what = 'series'");
    snprintf(sql, sizeof sql,
             "%sSELECT string_agg(k.name, ',' ORDER BY k.name) FROM k WHERE k.behind <= 10 AND "
             "k.last IS NOT NULL",
             behind_sql);
    char *furthest = h_sql_text(h_db, sql);
    ck_assert_str_eq(charted, furthest);
    free(charted);
    free(furthest);
    free(want);
    free(md);
}
END_TEST

Suite *it_report_size_suite(void)
{
    Suite *s = suite_create("it_report_size");
    TCase *tc = tcase_create("report_size");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_report_lists_a_page_and_does_not_grow_with_the_programme);
    tcase_add_test(tc, round_report_page_totals_and_chart_follow_the_progress);
    suite_add_tcase(s, tc);
    return s;
}
