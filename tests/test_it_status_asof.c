/*
 * A status as of a past date is computed for the page asked (server/status.c): the
 * sections that a page cuts to its projects and that nothing else reads (the guards, the
 * missing reporters, the funds, contracts, line work and resident surveys, these four
 * with their totals over the whole programme) are read for the page's projects only, once
 * the lights have chosen the page. This suite checks, through the real path (client →
 * protocol → renod → PostgreSQL), that every page holds exactly the rows the whole
 * programme's statements give for its projects, in their order: on the seed's programme
 * with 60 more projects made in the test (half of them expected to report in each
 * collection round, so that some are missing from it; a third with surveys, the later
 * replacing the earlier), for three dates of the year, walking every page of several
 * orders and filters. The reference is SQL over the whole programme (reno_status_guards,
 * reno_status_missing_reporters, reno_status_funds, ...), the statements that compute
 * these sections for every project.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "it.h"

#define MADE 60

static struct net_conn *office;
static long programme;
/* The reasons of lights that walk() found naming their milestones. */
static size_t lights_named;

/* 60 projects beside the seed's: every third on 甲街道; the even ones have done the
 * milestones due by the end of March, the odd ones have not (overdue later: red); the
 * first half have the seed's units expected to report in each round, and have reported
 * in none. */
static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
    programme = h_sql_long(h_db, "SELECT u.programme_id FROM account a JOIN unit u ON u.id = "
                                 "a.unit_id WHERE a.username = 'office'");
    char state[6];
    h_sql_exec(
        h_db,
        "INSERT INTO project (programme_id, name, community, households, renovation_type)"
        " SELECT p.id, CASE WHEN k % 3 = 0 THEN '甲街道' ELSE '乙街道' END || '期测小区' || k,"
        "        '期测社区' || k, 100, 'comprehensive'"
        "   FROM programme p, generate_series(1, 60) k ORDER BY k",
        state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "INSERT INTO project_milestone (project_id, template_id, due)"
               " SELECT pr.id, t.id, t.due FROM project pr"
               "   JOIN milestone_template t ON t.programme_id = pr.programme_id"
               "  WHERE pr.name LIKE '%期测%'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "UPDATE project_milestone pm SET done_on = pm.due - 3, evidence = 'test',"
               "       done_by_account = a.id, done_by_unit = a.unit_id, done_at = now()"
               "  FROM project pr, account a"
               " WHERE pr.id = pm.project_id AND pr.name LIKE '%期测%' AND pr.id % 2 = 0"
               "   AND pm.due <= DATE '2022-03-31' AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "INSERT INTO progress_report (project_id, report_date, households_started,"
               "                             households_completed, account_id, unit_id)"
               " SELECT pr.id, DATE '2022-01-10', pr.id % 100, 0, a.id, a.unit_id"
               "   FROM project pr, account a"
               "  WHERE pr.name LIKE '%期测%' AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    /* The units expected of the seed's projects are expected of the first half of these. */
    h_sql_exec(h_db,
               "INSERT INTO project_unit (project_id, unit_id, duty)"
               " SELECT DISTINCT pr.id, pu.unit_id, pu.duty FROM project pr"
               "   JOIN project_unit pu ON pu.project_id IN (SELECT id FROM project"
               "                                              WHERE name NOT LIKE '%期测%')"
               "  WHERE pr.name LIKE '%期测%'"
               "    AND substring(pr.name from '期测小区([0-9]+)')::int <= 30"
               " ON CONFLICT DO NOTHING",
               state);
    ck_assert_str_eq(state, "");
    /* Money for every fourth project (two sources, allocated in January and in May) and
     * contracts for every fifth; line work of the seed's gas company on every sixth, done
     * part by part from March to September, in the order the work must follow. */
    h_sql_exec(h_db,
               "INSERT INTO fund_allocation (project_id, source, amount, allocated_on, account_id,"
               "                             unit_id)"
               " SELECT pr.id, v.source::reno_fund_source, 1000.25 * (pr.id % 7 + 1), v.on_,"
               "        a.id, a.unit_id"
               "   FROM project pr, account a,"
               "        (VALUES ('central_subsidy', DATE '2022-01-20'),"
               "                ('county_fund', DATE '2022-05-10')) v(source, on_)"
               "  WHERE pr.name LIKE '%期测%' AND pr.id % 4 = 0 AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "INSERT INTO contract (project_id, kind, counterparty, awarded_on, amount,"
               "                      tender_method, account_id, unit_id)"
               " SELECT pr.id, v.kind, '期测公司', v.on_, 20000.5 * (pr.id % 3 + 1), '公开招标',"
               "        a.id, a.unit_id"
               "   FROM project pr, account a,"
               "        (VALUES ('construction', DATE '2022-02-15'),"
               "                ('supervision', DATE '2022-07-01')) v(kind, on_)"
               "  WHERE pr.name LIKE '%期测%' AND pr.id % 5 = 0 AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    /* Half of each allocation received ten days after it; on every twentieth project, a
     * payment of the construction contract from the central subsidy in March. */
    h_sql_exec(h_db,
               "INSERT INTO fund_receipt (allocation_id, amount, received_on, account_id, unit_id)"
               " SELECT f.id, round(f.amount / 2, 2), f.allocated_on + 10, a.id, a.unit_id"
               "   FROM fund_allocation f JOIN project pr ON pr.id = f.project_id, account a"
               "  WHERE pr.name LIKE '%期测%' AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "INSERT INTO fund_payment (contract_id, project_id, source, amount, paid_on,"
               "                          account_id, unit_id)"
               " SELECT c.id, c.project_id, 'central_subsidy', 100.00, DATE '2022-03-10',"
               "        a.id, a.unit_id"
               "   FROM contract c JOIN project pr ON pr.id = c.project_id, account a"
               "  WHERE pr.name LIKE '%期测%' AND pr.id % 20 = 0 AND c.kind = 'construction'"
               "    AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(
        h_db,
        "INSERT INTO line_work (project_id, utility_unit_id, segment, part, length_m,"
        "                       started_on, done_on, status, recorded_by, recorded_at)"
        " SELECT pr.id, u.id, 'inside_red_line', x.part, 120,"
        "        DATE '2022-03-01' + 40 * x.n::int, DATE '2022-03-20' + 40 * x.n::int,"
        "        'done', a.id, DATE '2022-03-01' + 40 * x.n::int"
        "   FROM project pr"
        "   JOIN unit u ON u.programme_id = pr.programme_id AND u.code = 'gas',"
        "        account a,"
        "        unnest(ARRAY['trench', 'ducts', 'lay_lines', 'backfill', 'clear_old_lines'])"
        "            WITH ORDINALITY x(part, n)"
        "  WHERE pr.name LIKE '%期测%' AND pr.id % 6 = 0 AND a.username = 'office'",
        state);
    ck_assert_str_eq(state, "");
    /* Resident surveys on every third project: a willingness survey in February and
     * another in August (the later one is the latest from then on), and on every sixth a
     * satisfaction survey in November. */
    h_sql_exec(h_db,
               "INSERT INTO resident_survey (project_id, kind, surveyed_on, households_asked,"
               "                             households_agreeing, recorded_by)"
               " SELECT pr.id, v.kind, v.on_, 40 + pr.id % 50, 30 + pr.id % 10, a.id"
               "   FROM project pr, account a,"
               "        (VALUES ('willingness', DATE '2022-02-12', 0),"
               "                ('willingness', DATE '2022-08-20', 0),"
               "                ('satisfaction', DATE '2022-11-05', 1)) v(kind, on_, sixth)"
               "  WHERE pr.name LIKE '%期测%' AND pr.id % 3 = 0 AND (v.sixth = 0 OR pr.id % 6 = 0)"
               "    AND a.username = 'office'",
               state);
    ck_assert_str_eq(state, "");
    /* Half of those handed over to the utility in November: nothing waits there then. */
    h_sql_exec(
        h_db,
        "INSERT INTO line_handover (project_id, utility_unit_id, handed_over_on, recorded_by)"
        " SELECT DISTINCT lw.project_id, lw.utility_unit_id, DATE '2022-11-01', a.id"
        "   FROM line_work lw JOIN project pr ON pr.id = lw.project_id, account a"
        "  WHERE pr.name LIKE '%期测%' AND pr.id % 12 = 0 AND a.username = 'office'",
        state);
    ck_assert_str_eq(state, "");
}

static void teardown(void)
{
    net_close(office);
    h_fixture_teardown();
}

/* Appends to a growing text. */
static void add(char **text, size_t *len, const char *piece)
{
    size_t n = strlen(piece);
    *text = realloc(*text, *len + n + 1);
    ck_assert_ptr_nonnull(*text);
    memcpy(*text + *len, piece, n + 1);
    *len += n;
}

/* The page's projects' rows of a section, from the whole programme's statement, as lines
 * of `columns` (an SQL expression over the row s), in the statement's order. */
static char *whole_rows(const char *function, const char *as_of, const char *columns,
                        const Reno__StatusReply *page)
{
    char *ids = NULL;
    size_t len = 0;
    add(&ids, &len, "{0");
    for (size_t i = 0; i < page->n_projects; i++) {
        char one[32];
        snprintf(one, sizeof one, ",%lld", (long long)page->projects[i]->project_id);
        add(&ids, &len, one);
    }
    add(&ids, &len, "}");
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(string_agg(%s, E'\\n' ORDER BY s.n), '')"
             "  FROM (SELECT f.*, row_number() OVER () AS n FROM %s(%ld, DATE '%s') f) s"
             " WHERE s.project_id = ANY ('%s'::bigint[])",
             columns, function, programme, as_of, ids);
    free(ids);
    return h_sql_text(h_db, sql);
}

static char *reply_guards(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_guards; i++) {
        char head[32];
        snprintf(head, sizeof head, "%s%lld|", i ? "\n" : "", (long long)s->guards[i]->project_id);
        add(&text, &len, head);
        add(&text, &len, s->guards[i]->code);
        add(&text, &len, "|");
        add(&text, &len, s->guards[i]->detail);
    }
    return text;
}

static char *reply_missing(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_missing_reporters; i++) {
        const Reno__MissingReporter *r = s->missing_reporters[i];
        char id[32];
        add(&text, &len, i ? "\n" : "");
        add(&text, &len, r->unit_code);
        snprintf(id, sizeof id, "|%lld|", (long long)r->project_id);
        add(&text, &len, id);
        add(&text, &len, r->duty);
    }
    return text;
}

static char *reply_funds(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_funds; i++) {
        const Reno__StatusFunds *r = s->funds[i];
        char line[512];
        snprintf(line, sizeof line, "%s%lld|%s|%s|%.2f|%.2f|%.2f", i ? "\n" : "",
                 (long long)r->project_id, r->name, r->source_name, r->allocated, r->received,
                 r->paid);
        add(&text, &len, line);
    }
    return text;
}

static char *reply_contracts(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_contracts; i++) {
        const Reno__StatusContracts *r = s->contracts[i];
        char line[512];
        snprintf(line, sizeof line, "%s%lld|%s|%d|%.2f|%.2f", i ? "\n" : "",
                 (long long)r->project_id, r->name, r->contracts, r->amount, r->paid);
        add(&text, &len, line);
    }
    return text;
}

static char *reply_lines(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_lines; i++) {
        const Reno__StatusLines *r = s->lines[i];
        char line[1024];
        snprintf(line, sizeof line, "%s%lld|%s|%s|%d|%d|%d|%s|%d|%s", i ? "\n" : "",
                 (long long)r->project_id, r->name, r->utility_code, r->parts, r->parts_done,
                 r->parts_in_progress, r->waiting_on, r->waiting, r->handed_over_on);
        add(&text, &len, line);
    }
    return text;
}

static char *reply_surveys(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_surveys; i++) {
        const Reno__StatusSurvey *r = s->surveys[i];
        char line[512];
        snprintf(line, sizeof line, "%s%lld|%s|%d|%s|%d|%d|%d|%d|%.1f|%.1f", i ? "\n" : "",
                 (long long)r->project_id, r->name, (int)r->kind, r->surveyed_on, r->surveys,
                 r->households, r->households_asked, r->households_agreeing, r->asked_pct,
                 r->agreeing_pct);
        add(&text, &len, line);
    }
    return text;
}

static char *reply_phases(const Reno__StatusReply *s)
{
    char *text = NULL;
    size_t len = 0;
    add(&text, &len, "");
    for (size_t i = 0; i < s->n_phases; i++) {
        const Reno__StatusPhase *r = s->phases[i];
        char line[2048];
        snprintf(line, sizeof line, "%s%lld|%s|%d|%d|%d|%d|%d|%s|%s|%s", i ? "\n" : "",
                 (long long)r->project_id, r->name, r->phase, r->milestones, r->milestones_done,
                 r->milestones_due_soon, r->milestones_overdue, r->next_due, r->next_milestone,
                 r->overdue);
        add(&text, &len, line);
    }
    return text;
}

/* Each light of the page's projects names, where it says so, the overdue milestones and
 * the next one in the words of the page's phases rows (which the lights were judged from
 * before the page's rows were read with their words); returns the reasons checked. */
static size_t lights_name_their_milestones(const Reno__StatusReply *s, const char *as_of)
{
    size_t checked = 0;
    for (size_t i = 0; i < s->n_lights; i++) {
        const Reno__StatusLight *l = s->lights[i];
        const Reno__StatusPhase *ph = NULL;
        for (size_t k = 0; k < s->n_phases && l->project_id != 0; k++)
            if (s->phases[k]->project_id == l->project_id)
                ph = s->phases[k];
        for (size_t k = 0; ph != NULL && k < l->n_reasons; k++) {
            const Reno__LightReason *r = l->reasons[k];
            const char *words = strcmp(r->code, "milestones_overdue") == 0    ? ph->overdue
                                : strcmp(r->code, "milestones_due_soon") == 0 ? ph->next_milestone
                                                                              : NULL;
            if (words == NULL)
                continue;
            ck_assert_msg(words[0] != '\0' && strstr(r->detail, words) != NULL,
                          "as of %s, project %lld: %s says \"%s\", its phases row \"%s\"", as_of,
                          (long long)l->project_id, r->code, r->detail, words);
            checked++;
        }
    }
    return checked;
}

/* One section of a page against the whole programme's statement; counts its project rows. */
static void compare(const char *what, const char *as_of, const char *token, char *want, char *got)
{
    ck_assert_msg(strcmp(want, got) == 0, "%s as of %s, page %s:\n%s\n--- not ---\n%s", what, as_of,
                  token, got, want);
    free(want);
    free(got);
}

static size_t project_rows(const Reno__StatusReply *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_funds; i++)
        n += s->funds[i]->project_id != 0;
    for (size_t i = 0; i < s->n_contracts; i++)
        n += s->contracts[i]->project_id != 0;
    for (size_t i = 0; i < s->n_lines; i++)
        n += s->lines[i]->project_id != 0;
    for (size_t i = 0; i < s->n_surveys; i++)
        n += s->surveys[i]->project_id != 0;
    return n;
}

/* Walks every page of one view of the status as of `as_of`, comparing each page's guards,
 * missing reporters, funds, contracts, line work and surveys (with their totals) with the
 * whole programme's; adds the rows seen to *guards, *missing and (the project rows of
 * funds, contracts, line work and surveys) *sections, and returns the projects seen. */
static size_t walk(const char *as_of, Reno__GetStatus *want, size_t *guards, size_t *missing,
                   size_t *sections)
{
    size_t seen = 0;
    char token[32] = "";
    want->as_of = (char *)as_of;
    want->page_size = 11;
    for (int pages = 0; pages < 100; pages++) {
        want->page_token = token;
        Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_GET_STATUS, want);
        ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "GetStatus %s: %s", as_of,
                      m->response->status->message);
        const Reno__StatusReply *s = m->response->status_reply;
        ck_assert_str_eq(s->as_of, as_of);
        char *want_g = whole_rows("reno_status_guards", as_of,
                                  "s.project_id || '|' || s.code || '|' || s.detail", s);
        char *got_g = reply_guards(s);
        ck_assert_msg(strcmp(want_g, got_g) == 0, "guards as of %s, page %s:\n%s\n--- not ---\n%s",
                      as_of, token, got_g, want_g);
        char *want_m = whole_rows("reno_status_missing_reporters", as_of,
                                  "s.unit_code || '|' || s.project_id || '|' || s.duty", s);
        char *got_m = reply_missing(s);
        ck_assert_msg(strcmp(want_m, got_m) == 0,
                      "missing reporters as of %s, page %s:\n%s\n--- not ---\n%s", as_of, token,
                      got_m, want_m);
        free(want_g);
        free(got_g);
        free(want_m);
        free(got_m);
        compare("funds", as_of, token,
                whole_rows("reno_status_funds", as_of,
                           "format('%s|%s|%s|%s|%s|%s', s.project_id, s.name, s.source_name, "
                           "to_char(s.allocated, 'FM999999999999990.00'), "
                           "to_char(s.received, 'FM999999999999990.00'), "
                           "to_char(s.paid, 'FM999999999999990.00'))",
                           s),
                reply_funds(s));
        compare("contracts", as_of, token,
                whole_rows("reno_status_contracts", as_of,
                           "format('%s|%s|%s|%s|%s', s.project_id, s.name, s.contracts, "
                           "to_char(s.amount, 'FM999999999999990.00'), "
                           "to_char(s.paid, 'FM999999999999990.00'))",
                           s),
                reply_contracts(s));
        compare("lines", as_of, token,
                whole_rows("reno_status_lines", as_of,
                           "format('%s|%s|%s|%s|%s|%s|%s|%s|%s', s.project_id, s.name, "
                           "s.utility_code, s.parts, s.parts_done, s.parts_in_progress, "
                           "s.waiting_on, s.waiting, s.handed_over_on)",
                           s),
                reply_lines(s));
        compare("phases", as_of, token,
                whole_rows("reno_status_phases", as_of,
                           "format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', s.project_id, s.name, "
                           "s.phase, s.milestones, s.milestones_done, s.milestones_due_soon, "
                           "s.milestones_overdue, s.next_due, s.next_milestone, s.overdue)",
                           s),
                reply_phases(s));
        lights_named += lights_name_their_milestones(s, as_of);
        compare("surveys", as_of, token,
                whole_rows("reno_status_surveys", as_of,
                           "format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', s.project_id, s.name, "
                           "CASE s.kind WHEN 'willingness' THEN 1 ELSE 2 END, s.surveyed_on, "
                           "s.surveys, s.households, s.households_asked, s.households_agreeing, "
                           "to_char(s.asked_pct, 'FM990.0'), to_char(s.agreeing_pct, 'FM990.0'))",
                           s),
                reply_surveys(s));
        *sections += project_rows(s);
        *guards += s->n_guards;
        *missing += s->n_missing_reporters;
        seen += s->n_projects;
        bool last = s->next_page_token[0] == '\0';
        snprintf(token, sizeof token, "%s", s->next_page_token);
        net_free(office, m);
        if (last)
            return seen;
    }
    ck_abort_msg("more than 100 pages");
    return seen;
}

START_TEST(every_page_holds_the_whole_programmes_rows_of_its_projects)
{
    static const char *const dates[] = {"2022-01-15", "2022-06-30", "2022-12-14"};
    size_t guards = 0, missing = 0, sections = 0;
    long projects = h_sql_long(h_db, "SELECT count(*) FROM project");
    lights_named = 0;
    for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
        Reno__GetStatus want = RENO__GET_STATUS__INIT;
        ck_assert_uint_eq(walk(dates[d], &want, &guards, &missing, &sections), (size_t)projects);
        /* Other orders and filters choose other projects for each page. */
        Reno__GetStatus by_light = RENO__GET_STATUS__INIT;
        by_light.sort = RENO__STATUS_SORT__STATUS_SORT_LIGHT;
        ck_assert_uint_eq(walk(dates[d], &by_light, &guards, &missing, &sections),
                          (size_t)projects);
        Reno__GetStatus searched = RENO__GET_STATUS__INIT;
        searched.search = (char *)"甲街道";
        ck_assert_uint_ge(walk(dates[d], &searched, &guards, &missing, &sections), MADE / 3);
        Reno__GetStatus overdue = RENO__GET_STATUS__INIT;
        overdue.overdue = true;
        walk(dates[d], &overdue, &guards, &missing, &sections);
        Reno__GetStatus red = RENO__GET_STATUS__INIT;
        red.light = RENO__LIGHT__LIGHT_RED;
        red.sort = RENO__STATUS_SORT__STATUS_SORT_NAME;
        red.descending = true;
        walk(dates[d], &red, &guards, &missing, &sections);
        Reno__GetStatus one = RENO__GET_STATUS__INIT;
        one.project_id = h_sql_long(h_db, "SELECT min(id) FROM project WHERE name LIKE '%期测%'");
        ck_assert_uint_eq(walk(dates[d], &one, &guards, &missing, &sections), 1);
    }
    /* The comparison had rows to compare, and lights that name milestones. */
    ck_assert_uint_gt(lights_named, 0);
    ck_assert_uint_gt(guards, 0);
    ck_assert_uint_gt(missing, 0);
    ck_assert_uint_gt(sections, 0);
}
END_TEST

/*
 * The funds' and contracts' totals of a status as of a date are read from the programme's
 * money by day (0032_money_by_day.sql), which triggers keep as the ledgers are written.
 * The ledgers are append-only, but a contract may change (its amount, its kind, the day
 * it was awarded; one without payments may go) and a project may move to another
 * programme: after each of those, every page's totals through renod are still the whole
 * programme's statements (which read the ledgers themselves), and the money by day of
 * both programmes is the ledgers', at dates around each change.
 */
START_TEST(the_money_by_day_follows_changed_contracts_and_moved_projects)
{
    /* Before and after the paid contract's new day, and after the unpaid one's. */
    static const char *const dates[] = {"2022-03-15", "2022-04-15", "2022-07-15"};
    char state[6];
    /* A paid contract grows, and is awarded after its payment of 10 March: the payment
     * counts from the new day on. */
    long paid = h_sql_long(h_db, "SELECT min(contract_id) FROM fund_payment");
    ck_assert_int_gt(paid, 0);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "UPDATE contract SET amount = amount + 7.5, awarded_on = DATE '2022-04-01'"
             " WHERE id = %ld",
             paid);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    /* Another paid contract changes its kind; an unpaid one goes. */
    snprintf(sql, sizeof sql,
             "UPDATE contract SET kind = 'design' WHERE id = (SELECT max(contract_id)"
             " FROM fund_payment WHERE contract_id <> %ld)",
             paid);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "DELETE FROM contract WHERE id = (SELECT min(c.id) FROM contract c"
               " WHERE c.kind = 'supervision' AND NOT EXISTS (SELECT 1 FROM fund_payment f"
               "                                               WHERE f.contract_id = c.id))",
               state);
    ck_assert_str_eq(state, "");
    /* A project with money, a contract and a payment moves to a programme of its own. */
    h_sql_exec(h_db,
               "INSERT INTO programme (code, jurisdiction, year, title, target_households,"
               "                       target_projects, starts_on, start_share_due,"
               "                       all_started_due, completion_due, acceptance_due,"
               "                       evaluation_due)"
               " SELECT 'asof-other', jurisdiction, year, title || '（另）', target_households,"
               "        target_projects, starts_on, start_share_due, all_started_due,"
               "        completion_due, acceptance_due, evaluation_due"
               "   FROM programme WHERE id = (SELECT min(id) FROM programme)",
               state);
    ck_assert_str_eq(state, "");
    h_sql_exec(h_db,
               "UPDATE project SET programme_id = (SELECT id FROM programme"
               "                                    WHERE code = 'asof-other')"
               " WHERE id = (SELECT max(f.project_id) FROM fund_payment f)",
               state);
    ck_assert_str_eq(state, "");
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM fund_day d JOIN programme g"
                                      " ON g.id = d.programme_id WHERE g.code = 'asof-other'"
                                      " AND d.paid > 0"),
                     1);

    for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
        /* Each programme's totals by day against the totals rows of its whole sections,
         * which sum the ledgers. */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM programme g, LATERAL ("
                 " (SELECT source, allocated, received, paid FROM reno_status_funds_totals(g.id,"
                 "  DATE '%s') EXCEPT ALL SELECT source, allocated, received, paid"
                 "  FROM reno_status_funds(g.id, DATE '%s') WHERE project_id = 0)"
                 " UNION ALL"
                 " (SELECT source, allocated, received, paid FROM reno_status_funds(g.id,"
                 "  DATE '%s') WHERE project_id = 0 EXCEPT ALL SELECT source, allocated,"
                 "  received, paid FROM reno_status_funds_totals(g.id, DATE '%s'))"
                 " UNION ALL"
                 " (SELECT kind, contracts, amount, paid FROM reno_status_contracts_totals(g.id,"
                 "  DATE '%s') EXCEPT ALL SELECT kind, contracts, amount, paid"
                 "  FROM reno_status_contracts(g.id, DATE '%s') WHERE project_id = 0)"
                 " UNION ALL"
                 " (SELECT kind, contracts, amount, paid FROM reno_status_contracts(g.id,"
                 "  DATE '%s') WHERE project_id = 0 EXCEPT ALL SELECT kind, contracts, amount,"
                 "  paid FROM reno_status_contracts_totals(g.id, DATE '%s'))) x",
                 dates[d], dates[d], dates[d], dates[d], dates[d], dates[d], dates[d], dates[d]);
        ck_assert_uint_lt(strlen(sql), sizeof sql - 1);
        ck_assert_msg(h_sql_long(h_db, sql) == 0, "money by day differs from the ledgers as of %s",
                      dates[d]);
        size_t guards = 0, missing = 0, sections = 0;
        Reno__GetStatus want = RENO__GET_STATUS__INIT;
        walk(dates[d], &want, &guards, &missing, &sections);
        ck_assert_uint_gt(sections, 0);
    }
}
END_TEST

/* Runs a statement of the test's own that must succeed. */
static void exec_ok(const char *sql)
{
    char state[6];
    h_sql_exec(h_db, sql, state);
    ck_assert_msg(state[0] == '\0', "SQLSTATE %s: %s", state, sql);
}

/*
 * The line work's totals of a status as of a date are read from each segment's history by
 * day (0035_line_work_by_day.sql), which triggers keep as parts and handovers are written.
 * A part is set back, a part grows to be the longest and shrinks again, one is deleted, a
 * segment outside the red line is recorded before it starts, a handover comes before any
 * part of its segment, another to a utility with no work inside the red line, and a
 * project with line work moves to another programme: after all of it, the histories are
 * what the parts make of them from scratch, and at dates around each change every
 * programme's totals (with the longest part) are the whole section's totals, which read
 * the parts, and every page through renod is the whole programme's statements.
 */
START_TEST(the_line_work_by_day_follows_changed_parts_and_handovers)
{
    static const char *const dates[] = {"2022-01-15", "2022-02-15", "2022-04-05",
                                        "2022-06-15", "2022-10-01", "2022-12-14"};
    /* The projects with the gas company's work inside the red line: a, b, c, d. */
    long a = h_sql_long(h_db, "SELECT min(project_id) FROM line_work");
    long b = h_sql_long(h_db, "SELECT min(project_id) FROM line_work WHERE project_id > (SELECT"
                              " min(project_id) FROM line_work)");
    char sql[4096];
    ck_assert_int_gt(a, 0);
    ck_assert_int_gt(b, a);
    /* a's last part is set back to in progress; its trench is the longest for a while. */
    snprintf(sql, sizeof sql,
             "UPDATE line_work SET status = 'in_progress', done_on = NULL"
             " WHERE project_id = %ld AND part = 'clear_old_lines'",
             a);
    exec_ok(sql);
    snprintf(sql, sizeof sql,
             "UPDATE line_work SET length_m = 500 WHERE project_id = %ld AND part = 'trench'", a);
    exec_ok(sql);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM line_segment_history"
                                      " WHERE 500 = ANY (length_m)"),
                     1);
    snprintf(sql, sizeof sql,
             "UPDATE line_work SET length_m = 60 WHERE project_id = %ld AND part = 'trench'", a);
    exec_ok(sql);
    /* b's last part goes; b is handed over in February, before its first part. */
    snprintf(sql, sizeof sql,
             "DELETE FROM line_work WHERE project_id = %ld AND part = 'clear_old_lines'", b);
    exec_ok(sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO line_handover (project_id, utility_unit_id, handed_over_on, recorded_by)"
             " SELECT lw.project_id, lw.utility_unit_id, DATE '2022-02-01', lw.recorded_by"
             "   FROM line_work lw WHERE lw.project_id = %ld AND lw.part = 'trench'"
             " ON CONFLICT (project_id, utility_unit_id)"
             " DO UPDATE SET handed_over_on = EXCLUDED.handed_over_on",
             b);
    exec_ok(sql);
    /* A project without line work has the gas company's overhead line recorded on 2 April,
     * started on 1 June; and a handover with nothing inside the red line. */
    exec_ok("INSERT INTO line_work (project_id, utility_unit_id, segment, part, length_m,"
            "                       started_on, status, recorded_by, recorded_at)"
            " SELECT pr.id, u.id, 'overhead', (reno_fld_segment_parts('overhead'))[1], 80,"
            "        DATE '2022-06-01', 'in_progress', a.id, DATE '2022-04-02'"
            "   FROM project pr JOIN unit u ON u.programme_id = pr.programme_id AND u.code = 'gas',"
            "        account a"
            "  WHERE pr.id = (SELECT min(id) FROM project WHERE name LIKE '%期测%'"
            "                   AND id NOT IN (SELECT project_id FROM line_work))"
            "    AND a.username = 'office'");
    exec_ok("INSERT INTO line_handover (project_id, utility_unit_id, handed_over_on, recorded_by)"
            " SELECT lw.project_id, lw.utility_unit_id, DATE '2022-05-01', lw.recorded_by"
            "   FROM line_work lw WHERE lw.segment = 'overhead'");
    /* The last project with line work moves to a programme of its own. */
    exec_ok("INSERT INTO programme (code, jurisdiction, year, title, target_households,"
            "                       target_projects, starts_on, start_share_due,"
            "                       all_started_due, completion_due, acceptance_due,"
            "                       evaluation_due)"
            " SELECT 'lines-other', jurisdiction, year, title || '（另）', target_households,"
            "        target_projects, starts_on, start_share_due, all_started_due,"
            "        completion_due, acceptance_due, evaluation_due"
            "   FROM programme WHERE id = (SELECT min(id) FROM programme)");
    exec_ok(
        "UPDATE project SET programme_id = (SELECT id FROM programme WHERE code = 'lines-other')"
        " WHERE id = (SELECT max(project_id) FROM line_work)");

    /* The histories the triggers kept are those the parts make from scratch. */
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM ("
                                      " (TABLE line_segment_history"
                                      "  EXCEPT ALL SELECT * FROM reno_line_history_rows(NULL))"
                                      " UNION ALL"
                                      " (SELECT * FROM reno_line_history_rows(NULL)"
                                      "  EXCEPT ALL TABLE line_segment_history)) x"),
                     0);
    ck_assert_int_gt(h_sql_long(h_db, "SELECT count(*) FROM line_segment_history"), 4);
    for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM programme g, LATERAL ("
                 " (SELECT * FROM reno_status_lines_totals(g.id, DATE '%s')"
                 "  EXCEPT ALL SELECT * FROM reno_status_lines(g.id, DATE '%s')"
                 "  WHERE project_id = 0)"
                 " UNION ALL"
                 " (SELECT * FROM reno_status_lines(g.id, DATE '%s') WHERE project_id = 0"
                 "  EXCEPT ALL SELECT * FROM reno_status_lines_totals(g.id, DATE '%s'))) x",
                 dates[d], dates[d], dates[d], dates[d]);
        ck_assert_msg(h_sql_long(h_db, sql) == 0,
                      "the line work by day differs from the parts as of %s", dates[d]);
        size_t guards = 0, missing = 0, sections = 0;
        Reno__GetStatus want = RENO__GET_STATUS__INIT;
        walk(dates[d], &want, &guards, &missing, &sections);
    }
    /* The comparison had totals to compare: in both programmes, overhead too. */
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(DISTINCT g.id) FROM programme g,"
                                      " reno_status_lines_totals(g.id, DATE '2022-12-14') t"),
                     2);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM programme g,"
                                      " reno_status_lines_totals(g.id, DATE '2022-12-14') t"
                                      " WHERE t.segment = 'overhead' AND t.parts_in_progress = 1"),
                     1);
}
END_TEST

/* One statement on a connection of the test's own. */
static void pg_ok(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
}

/* A part of the gas company's work inside the red line of a project, in progress. */
#define PART_INSERT                                                                                \
    "INSERT INTO line_work (project_id, utility_unit_id, segment, part, length_m, started_on,"     \
    "                       status, recorded_by, recorded_at)"                                     \
    " SELECT pr.id, u.id, 'inside_red_line', '%s', %d, DATE '2022-05-01', 'in_progress',"          \
    "        a.id, DATE '2022-04-20'"                                                              \
    "   FROM project pr JOIN unit u ON u.programme_id = pr.programme_id AND u.code = 'gas',"       \
    "        account a"                                                                            \
    "  WHERE pr.id = %ld AND a.username = 'office'"

/*
 * Two writers of one segment's parts at once, outside renod (whose writes the audit chain
 * serialises already): the second waits for the first to commit, then makes the segment's
 * history from both parts. Without the wait it would make it from its own part alone and
 * fail on the first's row (or, had it replaced it, lose the first's part).
 */
START_TEST(two_writers_of_one_segment_at_once_lose_neither_part)
{
    long project = h_sql_long(h_db, "SELECT min(id) FROM project WHERE name LIKE '%期测%'"
                                    " AND id NOT IN (SELECT project_id FROM line_work)");
    ck_assert_int_gt(project, 0);
    char conninfo[128], sql[1024];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", h_db);
    PGconn *first = PQconnectdb(conninfo), *second = PQconnectdb(conninfo);
    ck_assert(PQstatus(first) == CONNECTION_OK && PQstatus(second) == CONNECTION_OK);
    pg_ok(first, "BEGIN");
    snprintf(sql, sizeof sql, PART_INSERT, "trench", 70, project);
    pg_ok(first, sql);
    char both[1200];
    snprintf(sql, sizeof sql, PART_INSERT, "ducts", 90, project);
    snprintf(both, sizeof both, "BEGIN; %s; COMMIT", sql);
    ck_assert_int_eq(PQsendQuery(second, both), 1);
    /* The second waits on the first. */
    for (int i = 0; i < 20; i++) {
        usleep(10000);
        ck_assert_int_eq(PQconsumeInput(second), 1);
    }
    ck_assert_msg(PQisBusy(second), "the second writer did not wait for the first");
    pg_ok(first, "COMMIT");
    PGresult *res;
    while ((res = PQgetResult(second)) != NULL) {
        ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "the second writer: %s",
                      PQerrorMessage(second));
        PQclear(res);
    }
    PQfinish(first);
    PQfinish(second);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM line_segment_history WHERE project_id = %ld"
             "   AND in_progress[cardinality(in_progress)] = 2 AND 90 = ANY (length_m)",
             project);
    ck_assert_int_eq(h_sql_long(h_db, sql), 1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM ("
                                      " (TABLE line_segment_history"
                                      "  EXCEPT ALL SELECT * FROM reno_line_history_rows(NULL))"
                                      " UNION ALL"
                                      " (SELECT * FROM reno_line_history_rows(NULL)"
                                      "  EXCEPT ALL TABLE line_segment_history)) x"),
                     0);
}
END_TEST

/* The status as of a date, packed without the time it was computed at. */
static uint8_t *packed_status(struct net_conn *c, const char *as_of, size_t *len)
{
    Reno__GetStatus get = RENO__GET_STATUS__INIT;
    get.as_of = (char *)as_of;
    get.page_size = 25;
    get.sort = RENO__STATUS_SORT__STATUS_SORT_LIGHT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &get);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "GetStatus %s: %s", as_of,
                  m->response->status->message);
    Reno__StatusReply *s = m->response->status_reply;
    s->computed_at = 0;
    *len = reno__status_reply__get_packed_size(s);
    uint8_t *bytes = malloc(*len);
    ck_assert_ptr_nonnull(bytes);
    reno__status_reply__pack(s, bytes);
    net_free(c, m);
    return bytes;
}

/*
 * renod reads a whole status on two connections in one snapshot, which the first exports
 * and the second imports (server/status.c), when the pool has a connection to spare. The
 * second joins (the log says so when it cannot), and is a help, not a need: with a pool
 * of one connection there is none to spare and the first reads alone; the status is the
 * same, byte for byte, and the pool serves the next request.
 */
START_TEST(a_status_read_on_two_connections_is_the_one_read_on_one)
{
    static const char *const dates[] = {"2022-03-31", "2022-09-30"};
    struct h_server one;
    const char *extra[] = {"--pool-size", "1", NULL};
    h_server_start(&one, h_db, extra);
    struct net_conn *alone = h_login(&one, H_OFFICE);
    for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
        size_t n2, n1;
        uint8_t *two = packed_status(office, dates[d], &n2);
        uint8_t *single = packed_status(alone, dates[d], &n1);
        ck_assert_msg(n2 == n1 && memcmp(two, single, n1) == 0,
                      "as of %s: %zu bytes on two connections, %zu on one", dates[d], n2, n1);
        free(two);
        free(single);
    }
    ck_assert_msg(h_log_has(&h_srv, "read on 2 connections") &&
                      !h_log_has(&h_srv, "did not join the snapshot"),
                  "the second connection did not join (see %s)", h_srv.log_path);
    ck_assert_msg(h_log_has(&one, "read on 1 connection "), "see %s", one.log_path);
    /* The pool of one is free again: a write and a read after it are answered. */
    Reno__Request req;
    Reno__PushProgress push;
    uint8_t key[16];
    h_push_init(&req, &push, key, h_project_id(h_db, 0), "2022-03-20", 11, 0);
    Reno__ServerMessage *m = h_call(alone, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(alone, m);
    size_t n;
    free(packed_status(alone, dates[0], &n));
    net_close(alone);
    ck_assert_int_eq(h_server_stop(&one), 0);
}
END_TEST

Suite *it_status_asof_suite(void)
{
    Suite *s = suite_create("it_status_asof");
    TCase *tc = tcase_create("status_asof");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_page_holds_the_whole_programmes_rows_of_its_projects);
    tcase_add_test(tc, a_status_read_on_two_connections_is_the_one_read_on_one);
    tcase_add_test(tc, the_money_by_day_follows_changed_contracts_and_moved_projects);
    tcase_add_test(tc, the_line_work_by_day_follows_changed_parts_and_handovers);
    tcase_add_test(tc, two_writers_of_one_segment_at_once_lose_neither_part);
    suite_add_tcase(s, tc);
    return s;
}
