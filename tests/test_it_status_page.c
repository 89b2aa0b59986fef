/*
 * Pages of the consolidated status through the real path (client → protocol → renod →
 * PostgreSQL), on a programme of 302 projects made in the test with bulk SQL: the
 * summary (totals, light counts) whole on every page, the projects and every per-project
 * section cut to one page, pages that together hold every project once, the filters (by
 * light, overdue, text, one project) and orders checked against the data, hostile paging
 * fields refused with a typed error, and `reno status` paging and filtering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it.h"

#define AS_OF "2022-01-15"
#define MADE  300

static struct net_conn *office;

/* 300 projects beside the seed's two: every third on 甲街道, the rest on 乙街道; the even
 * ones have done the milestones due in December and January, the odd ones have not
 * (overdue on AS_OF: red). Started households vary from 0 to 99. */
static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
    char state[6];
    h_sql_exec(
        h_db,
        "INSERT INTO project (programme_id, name, community, households, renovation_type)"
        " SELECT p.id, CASE WHEN k % 3 = 0 THEN '甲街道' ELSE '乙街道' END || '页测小区' || k,"
        "        '页测社区' || k, 100, 'comprehensive'"
        "   FROM programme p, generate_series(1, 300) k ORDER BY k",
        state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "INSERT INTO project_milestone (project_id, template_id, due)"
               " SELECT pr.id, t.id, t.due FROM project pr"
               "   JOIN milestone_template t ON t.programme_id = pr.programme_id"
               "  WHERE pr.name LIKE '%页测%'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "UPDATE project_milestone pm SET done_on = pm.due - 3, evidence = 'test',"
               "       done_by_account = a.id, done_by_unit = a.unit_id, done_at = now()"
               "  FROM project pr, account a"
               " WHERE pr.id = pm.project_id AND pr.name LIKE '%页测%' AND pr.id % 2 = 0"
               "   AND pm.due <= DATE '2022-01-31' AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "INSERT INTO progress_report (project_id, report_date, households_started,"
               "                             households_completed, account_id, unit_id)"
               " SELECT pr.id, DATE '2022-01-10', pr.id % 100, 0, a.id, a.unit_id"
               "   FROM project pr, account a"
               "  WHERE pr.name LIKE '%页测%' AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
}

static void teardown(void)
{
    net_close(office);
    h_fixture_teardown();
}

static Reno__ServerMessage *page(const Reno__GetStatus *want)
{
    Reno__GetStatus g = *want;
    g.as_of = (char *)AS_OF;
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_GET_STATUS, &g);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "GetStatus: %s",
                  m->response->status->message);
    return m;
}

static bool on_page(const Reno__StatusReply *s, int64_t id)
{
    for (size_t i = 0; i < s->n_projects; i++)
        if (s->projects[i]->project_id == id)
            return true;
    return false;
}

static Reno__Light light_of(const Reno__StatusReply *s, int64_t id)
{
    for (size_t i = 0; i < s->n_lights; i++)
        if (s->lights[i]->project_id == id)
            return s->lights[i]->light;
    ck_abort_msg("project %lld has no light", (long long)id);
    return RENO__LIGHT__LIGHT_UNSPECIFIED;
}

START_TEST(default_page_keeps_the_summary_and_cuts_the_sections)
{
    Reno__GetStatus want = RENO__GET_STATUS__INIT;
    Reno__ServerMessage *m = page(&want);
    const Reno__StatusReply *s = m->response->status_reply;
    ck_assert_uint_eq(s->n_projects, 50);
    ck_assert_int_eq(s->projects_matching, MADE + 2);
    ck_assert_int_eq(s->projects_in_programme, MADE + 2);
    ck_assert_int_eq(s->page_offset, 0);
    ck_assert_str_eq(s->next_page_token, "50");
    /* The totals are the programme's, not the page's. */
    ck_assert_int_eq(s->households, (int)h_sql_long(h_db, "SELECT sum(households) FROM project"));
    int counted = 0;
    ck_assert_uint_eq(s->n_light_counts, 3);
    for (size_t i = 0; i < s->n_light_counts; i++)
        counted += s->light_counts[i]->projects;
    ck_assert_int_eq(counted, MADE + 2);
    /* The plan's rules (and the row on targets that differ from the registered projects)
     * are the programme's: whole on every page. */
    ck_assert_int_ge(s->n_rules, 3);
    /* Each per-project section: the page's projects and the totals (project 0) only. */
    bool total = false;
    for (size_t i = 0; i < s->n_phases; i++) {
        int64_t id = s->phases[i]->project_id;
        total |= id == 0;
        ck_assert_msg(id == 0 || on_page(s, id), "phase of project %lld off the page",
                      (long long)id);
    }
    ck_assert(total);
    ck_assert_uint_eq(s->n_phases, 51);
    ck_assert_uint_eq(s->n_lights, 51);
    for (size_t i = 0; i < s->n_missing_reporters; i++)
        ck_assert(on_page(s, s->missing_reporters[i]->project_id));
    /* The plan's per-project sections too: parties, quality, payments and guards. */
    size_t guarded = 0;
    for (size_t i = 0; i < s->n_guards; i++) {
        int64_t id = s->guards[i]->project_id;
        guarded += id != 0;
        ck_assert_msg(id == 0 || on_page(s, id), "guard of project %lld off the page",
                      (long long)id);
    }
    ck_assert_uint_gt(guarded, 0);
    for (size_t i = 0; i < s->n_parties; i++)
        ck_assert(s->parties[i]->project_id == 0 || on_page(s, s->parties[i]->project_id));
    for (size_t i = 0; i < s->n_quality; i++)
        ck_assert(s->quality[i]->project_id == 0 || on_page(s, s->quality[i]->project_id));
    for (size_t i = 0; i < s->n_payments; i++)
        ck_assert(s->payments[i]->project_id == 0 || on_page(s, s->payments[i]->project_id));
    net_free(office, m);
}
END_TEST

START_TEST(pages_hold_every_project_once)
{
    long ids = h_sql_long(h_db, "SELECT count(*) FROM project");
    char *seen = calloc((size_t)ids + 1000, 1);
    long max_id = h_sql_long(h_db, "SELECT max(id) FROM project");
    ck_assert_int_lt(max_id, ids + 1000);
    Reno__GetStatus want = RENO__GET_STATUS__INIT;
    want.page_size = 64;
    want.sort = RENO__STATUS_SORT__STATUS_SORT_NAME;
    char token[16] = "";
    int pages = 0, total = 0;
    const char *last_name = "";
    char prev[256] = "";
    do {
        want.page_token = token;
        Reno__ServerMessage *m = page(&want);
        const Reno__StatusReply *s = m->response->status_reply;
        ck_assert_uint_le(s->n_projects, 64);
        for (size_t i = 0; i < s->n_projects; i++) {
            int64_t id = s->projects[i]->project_id;
            ck_assert_msg(!seen[id], "project %lld on two pages", (long long)id);
            seen[id] = 1;
            total++;
            last_name = s->projects[i]->name;
            ck_assert_msg(strcmp(prev, last_name) <= 0, "%s before %s", prev, last_name);
            snprintf(prev, sizeof prev, "%s", last_name);
        }
        snprintf(token, sizeof token, "%s", s->next_page_token);
        pages++;
        net_free(office, m);
    } while (token[0] != '\0' && pages < 20);
    ck_assert_int_eq(pages, 5);
    ck_assert_int_eq(total, ids);
    free(seen);
}
END_TEST

START_TEST(filters_match_the_data)
{
    /* Overdue on AS_OF: exactly the odd generated projects (independent SQL). */
    long overdue = h_sql_long(h_db, "SELECT count(DISTINCT pm.project_id) FROM project_milestone pm"
                                    " WHERE pm.due < DATE '" AS_OF "'"
                                    "   AND (pm.done_on IS NULL OR pm.done_on > DATE '" AS_OF "')");
    ck_assert_int_gt(overdue, 100);
    Reno__GetStatus want = RENO__GET_STATUS__INIT;
    want.overdue = true;
    want.page_size = 1000;
    Reno__ServerMessage *m = page(&want);
    const Reno__StatusReply *s = m->response->status_reply;
    ck_assert_int_eq(s->projects_matching, overdue);
    ck_assert_uint_eq(s->n_projects, (size_t)overdue);
    for (size_t i = 0; i < s->n_phases; i++)
        ck_assert(s->phases[i]->project_id == 0 || s->phases[i]->milestones_overdue > 0);
    net_free(office, m);

    /* Red, sorted by started share, highest first. */
    want = (Reno__GetStatus)RENO__GET_STATUS__INIT;
    want.light = RENO__LIGHT__LIGHT_RED;
    want.sort = RENO__STATUS_SORT__STATUS_SORT_STARTED;
    want.descending = true;
    want.page_size = 1000;
    m = page(&want);
    s = m->response->status_reply;
    int red = 0;
    for (size_t i = 0; i < s->n_light_counts; i++)
        if (s->light_counts[i]->light == RENO__LIGHT__LIGHT_RED)
            red = s->light_counts[i]->projects;
    ck_assert_int_gt(red, 0);
    ck_assert_int_eq(s->projects_matching, red);
    for (size_t i = 0; i < s->n_projects; i++) {
        ck_assert_int_eq(light_of(s, s->projects[i]->project_id), RENO__LIGHT__LIGHT_RED);
        if (i > 0)
            ck_assert(s->projects[i - 1]->started_pct >= s->projects[i]->started_pct);
    }
    net_free(office, m);

    /* Text: a street's name; one project by id. */
    want = (Reno__GetStatus)RENO__GET_STATUS__INIT;
    want.search = (char *)"甲街道";
    m = page(&want);
    ck_assert_int_eq(m->response->status_reply->projects_matching, MADE / 3);
    net_free(office, m);
    want.search = (char *)"";
    want.project_id = h_project_id(h_db, 1);
    m = page(&want);
    s = m->response->status_reply;
    ck_assert_uint_eq(s->n_projects, 1);
    ck_assert_int_eq(s->projects[0]->project_id, want.project_id);
    ck_assert_str_eq(s->next_page_token, "");
    net_free(office, m);
}
END_TEST

START_TEST(hostile_paging_is_refused_and_the_connection_stays)
{
    struct {
        Reno__GetStatus g;
        const char *field;
    } bad[4];
    for (int i = 0; i < 4; i++)
        bad[i].g = (Reno__GetStatus)RENO__GET_STATUS__INIT;
    bad[0].g.page_size = 5000;
    bad[0].field = "get_status.page_size";
    bad[1].g.page_token = (char *)"-1";
    bad[1].field = "get_status.page_token";
    bad[2].g.sort = (Reno__StatusSort)99;
    bad[2].field = "get_status.sort";
    char big[400];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bad[3].g.search = big;
    bad[3].field = "get_status.search";
    for (int i = 0; i < 4; i++) {
        Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_GET_STATUS, &bad[i].g);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
        ck_assert_str_eq(m->response->status->field, bad[i].field);
        net_free(office, m);
    }
    /* A token past the end is an empty last page. */
    Reno__GetStatus want = RENO__GET_STATUS__INIT;
    want.page_token = (char *)"999999";
    Reno__ServerMessage *m = page(&want);
    ck_assert_uint_eq(m->response->status_reply->n_projects, 0);
    ck_assert_str_eq(m->response->status_reply->next_page_token, "");
    net_free(office, m);
}
END_TEST

/* ---- reno status ------------------------------------------------------------------------- */

static char home[128];
static char env_xdg[200];
static char env_server[120];

static int reno(char **out, char **err, const char *const *args)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    return h_run(argv, env, NULL, out, err);
}

START_TEST(cli_pages_and_filters)
{
    snprintf(home, sizeof home, "/tmp/reno-it-status-page.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    const char *argv[] = {h_bin("reno"), "login", "--user", "office", "--password-stdin", NULL};
    const char *env[] = {env_xdg, env_server, NULL};
    char *out, *err;
    int rc = h_run(argv, env, "office-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "login: %s", err);
    free(out);
    free(err);

    rc = reno(&out, &err, (const char *const[]){"status", "--as-of", AS_OF, NULL});
    ck_assert_msg(rc == 0, "status: %s", err);
    ck_assert_ptr_nonnull(strstr(out, "lights (红绿灯) of 302 projects: red "));
    ck_assert_ptr_nonnull(strstr(out, "projects 1-50 of 302 matching"));
    ck_assert_ptr_nonnull(strstr(out, "in 302 projects"));
    ck_assert_ptr_nonnull(strstr(out, "more: reno status --page 2"));
    free(out);
    free(err);

    rc = reno(&out, &err,
              (const char *const[]){"status", "--as-of", AS_OF, "--search", "甲街道", "--page", "2",
                                    "--page-size", "40", NULL});
    ck_assert_msg(rc == 0, "status --search: %s", err);
    ck_assert_ptr_nonnull(strstr(out, "projects 41-80 of 100 matching"));
    /* The page's rows are 甲街道's (the programme's own light may name any project). */
    int rows = 0;
    for (const char *at = out; (at = strstr(at, "甲街道页测小区")) != NULL; at++)
        rows++;
    ck_assert_int_ge(rows, 40);
    free(out);
    free(err);

    rc = reno(&out, &err,
              (const char *const[]){"status", "--as-of", AS_OF, "--overdue", "--all", NULL});
    ck_assert_msg(rc == 0, "status --overdue --all: %s", err);
    ck_assert_ptr_null(strstr(out, "more: "));
    free(out);
    free(err);

    rc = reno(&out, &err, (const char *const[]){"status", "--light", "blue", NULL});
    ck_assert_int_eq(rc, 2);
    free(out);
    free(err);

    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
}
END_TEST

Suite *it_status_page_suite(void)
{
    Suite *s = suite_create("it_status_page");
    TCase *tc = tcase_create("status_page");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, default_page_keeps_the_summary_and_cuts_the_sections);
    tcase_add_test(tc, pages_hold_every_project_once);
    tcase_add_test(tc, filters_match_the_data);
    tcase_add_test(tc, hostile_paging_is_refused_and_the_connection_stays);
    tcase_add_test(tc, cli_pages_and_filters);
    suite_add_tcase(s, tc);
    return s;
}
