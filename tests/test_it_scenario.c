/*
 * The whole work plan as data: scripts/scenario-2022 plays the Ziyun 2022 year through the
 * reno command line, every unit logged in with its own account, against the fixture's
 * renod. The stored outcome is then checked with SQL (what each unit recorded, month by
 * month) and with GetStatus on the plan's key dates; a second run must replay every write
 * and change no row of any table. An accounts file that lacks a unit the scenario plays
 * is refused before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hex.h"
#include "it.h"

/* The units the scenario plays besides the template's office, housing, finance and
 * power-grid accounts. Usernames are the unit codes, as in scripts/demo. */
static const struct {
    const char *unit, *role;
} new_accounts[] = {
    {"songshan-street", "department"},
    {"party-supervision", "department"},
    {"water-company", "utility"},
    {"telecom", "utility"},
    {"unicom", "utility"},
    {"mobile", "utility"},
    {"broadcast", "utility"},
    {"gas", "utility"},
};
static const char *const template_accounts[] = {H_OFFICE, H_HOUSING, H_FINANCE, H_POWER};

static char dir[128];      /* the accounts file and the script's state */
static char accounts[200]; /* dir/accounts */
static char state[200];    /* dir/state */

static void add_account(const char *unit, const char *role)
{
    char dbarg[128], password[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    snprintf(password, sizeof password, "%s-test-password\n", unit);
    const char *argv[] = {h_bin("renod"), "--database", dbarg,        "--log-level", "warn",
                          "account",      "add",        "--username", unit,          "--unit",
                          unit,           "--role",     role,         NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, password, &out, &err);
    ck_assert_msg(rc == 0, "account add %s: %s%s", unit, out, err);
    free(out);
    free(err);
}

/* Writes the accounts file: USERNAME PASSWORD per line, all units but `except`. */
static void write_accounts(const char *except)
{
    FILE *f = fopen(accounts, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "# username password\n");
    for (size_t i = 0; i < sizeof template_accounts / sizeof template_accounts[0]; i++)
        fprintf(f, "%s %s-test-password\n", template_accounts[i], template_accounts[i]);
    for (size_t i = 0; i < sizeof new_accounts / sizeof new_accounts[0]; i++)
        if (except == NULL || strcmp(new_accounts[i].unit, except) != 0)
            fprintf(f, "%s %s-test-password\n", new_accounts[i].unit, new_accounts[i].unit);
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    h_fixture_setup();
    for (size_t i = 0; i < sizeof new_accounts / sizeof new_accounts[0]; i++)
        add_account(new_accounts[i].unit, new_accounts[i].role);
    snprintf(dir, sizeof dir, "/tmp/reno-it-scenario.XXXXXX");
    ck_assert(mkdtemp(dir) != NULL);
    snprintf(accounts, sizeof accounts, "%s/accounts", dir);
    snprintf(state, sizeof state, "%s/state", dir);
}

static void teardown(void)
{
    const char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    h_run(argv, NULL, NULL, NULL, NULL);
    h_fixture_teardown();
}

/* Runs the scenario quietly against the fixture's renod; server may override the address. */
static int run_scenario(const char *server, char **out, char **err)
{
    char script[600], env_server[120], env_reno[600];
    snprintf(script, sizeof script, "%s/scripts/scenario-2022", RENO_SOURCE_DIR);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", server ? server : h_srv.address);
    snprintf(env_reno, sizeof env_reno, "RENO=%s", h_bin("reno"));
    const char *argv[] = {script, "-q", "--state", state, accounts, NULL};
    const char *env[] = {env_server, env_reno, NULL};
    return h_run(argv, env, NULL, out, err);
}

/* The script's last line: "scenario-2022: N writes: NEW new, OLD replayed; report FILE". */
static void parse_summary(const char *out, int *writes, int *fresh, int *replayed)
{
    const char *line = strstr(out, "scenario-2022: ");
    ck_assert_msg(line != NULL, "no summary in: %s", out);
    ck_assert_int_eq(
        sscanf(line, "scenario-2022: %d writes: %d new, %d replayed", writes, fresh, replayed), 3);
}

/* One text value from the test database (caller frees). */
static char *sql_text(const char *sql)
{
    const char *keys[] = {"dbname", NULL};
    const char *values[] = {h_db, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 0);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "connect: %s", PQerrorMessage(pg));
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
                  PQresultErrorMessage(res));
    char *value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(pg);
    return value;
}

/* The row count of every table, as "table=count,..." (caller frees). */
static char *row_counts(void)
{
    return sql_text("SELECT string_agg(format('%s=%s', c.relname, (xpath('/row/n/text()', "
                    "query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), false, true, "
                    "'')))[1]::text), ',' ORDER BY c.relname) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'");
}

static void expect_count(const char *what, const char *sql, long expected)
{
    long got = h_sql_long(h_db, sql);
    ck_assert_msg(got == expected, "%s: %ld, expected %ld (%s)", what, got, expected, sql);
}

/* The file's content as a NUL-terminated string and its SHA-256 in hex (caller frees). */
static char *read_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const uint8_t *)buf, len);
    hex_encode(digest, sizeof digest, hex);
    return buf;
}

/* The consolidated status as of a date, through the protocol. */
static Reno__ServerMessage *status_as_of(struct net_conn *c, const char *as_of)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = (char *)as_of;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "status as of %s: %s", as_of,
                  m->response->status->message);
    ck_assert_str_eq(m->response->status_reply->as_of, as_of);
    return m;
}

static const Reno__RuleCheck *rule(const Reno__ServerMessage *m, const char *code)
{
    const Reno__StatusReply *s = m->response->status_reply;
    for (size_t i = 0; i < s->n_rules; i++)
        if (strcmp(s->rules[i]->code, code) == 0)
            return s->rules[i];
    ck_abort_msg("no rule %s in the status", code);
    return NULL;
}

static void check_status(void)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);

    /* Before the 28 March round only 60 households had started: the 25% rule still open. */
    Reno__ServerMessage *m = status_as_of(office, "2022-03-27");
    ck_assert_int_eq(rule(m, "start_share")->verdict, RENO__VERDICT__VERDICT_PENDING);
    ck_assert_int_eq(rule(m, "start_share")->actual, 60);
    net_free(office, m);

    m = status_as_of(office, "2022-03-31");
    const Reno__RuleCheck *share = rule(m, "start_share");
    ck_assert_int_eq(share->verdict, RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(share->required, 201);
    ck_assert_int_ge(share->actual, 201);
    ck_assert_int_eq(share->denominator, 802);
    net_free(office, m);

    m = status_as_of(office, "2022-04-30");
    const Reno__RuleCheck *all = rule(m, "start_all");
    ck_assert_int_eq(all->verdict, RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(all->actual, 2);
    ck_assert_int_eq(all->required, 2);
    ck_assert_int_eq(m->response->status_reply->households_started, 802);
    net_free(office, m);

    m = status_as_of(office, "2022-11-30");
    const Reno__StatusReply *s = m->response->status_reply;
    const Reno__RuleCheck *complete = rule(m, "complete_all");
    ck_assert_int_eq(complete->verdict, RENO__VERDICT__VERDICT_MET);
    ck_assert_int_eq(complete->actual, 802);
    ck_assert_int_eq(s->households_completed, 802);
    ck_assert_int_eq(s->n_projects, 2);
    for (size_t i = 0; i < s->n_projects; i++)
        ck_assert_int_eq(s->projects[i]->households_completed, s->projects[i]->households);
    for (size_t i = 0; i < s->n_rules; i++)
        ck_assert_msg(s->rules[i]->verdict == RENO__VERDICT__VERDICT_MET, "rule %s: %s",
                      s->rules[i]->code, s->rules[i]->detail);
    /* Every party the joint acceptance requires is registered; each project held its two
     * joint meetings. */
    ck_assert_int_eq((int)s->n_parties, 3);
    for (size_t i = 0; i < s->n_parties; i++) {
        ck_assert_str_eq(s->parties[i]->missing_for_acceptance, "");
        ck_assert_int_eq(s->parties[i]->joint_meetings, i < 2 ? 2 : 4);
    }
    /* Four progress payments per construction contract were due by 30 November, and
     * every one was paid by its date. */
    ck_assert_int_eq((int)s->n_payments, 3);
    ck_assert_int_eq(s->payments[2]->project_id, 0);
    ck_assert_int_eq(s->payments[2]->terms, 10);
    ck_assert_int_eq(s->payments[2]->terms_due, 8);
    ck_assert_double_eq_tol(s->payments[2]->amount_due, 12950000, 0.001);
    ck_assert_double_eq_tol(s->payments[2]->unpaid_due, 0, 0.001);
    ck_assert_int_eq(s->payments[2]->terms_unpaid, 0);
    /* The mid-term inspection's finding was rectified. */
    ck_assert_int_eq((int)s->n_quality, 3);
    ck_assert_int_eq(s->quality[2]->inspections, 2);
    ck_assert_int_eq(s->quality[2]->rectifications, 1);
    ck_assert_int_eq(s->quality[2]->rectifications_open, 0);
    /* The guards: project 2 started its surface works before its lines were done, and is
     * managed by its residents rather than a property company; project 1 meets both. */
    long p1 = h_project_id(h_db, 0), p2 = h_project_id(h_db, 1);
    bool p2_underground = false, p2_property = false, p2_plan = false, p2_fund = false;
    for (size_t i = 0; i < s->n_guards; i++) {
        ck_assert_msg(s->guards[i]->project_id != p1, "project 1: %s", s->guards[i]->detail);
        p2_underground |=
            s->guards[i]->project_id == p2 && strcmp(s->guards[i]->code, "underground_first") == 0;
        p2_property |= s->guards[i]->project_id == p2 &&
                       strcmp(s->guards[i]->code, "property_management") == 0;
        /* The broadcast network's plan ends after the county's; the provincial subsidy
         * was never applied for by its deadline. */
        p2_plan |= s->guards[i]->project_id == p2 &&
                   strcmp(s->guards[i]->code, "utility_plan") == 0 &&
                   strstr(s->guards[i]->detail, "完工 2022-12-15") != NULL;
        p2_fund |=
            s->guards[i]->project_id == p2 && strcmp(s->guards[i]->code, "fund_application") == 0;
    }
    ck_assert(p2_underground && p2_property && p2_plan && p2_fund);
    net_free(office, m);
    net_close(office);
}

/* What the units recorded, each in its month, checked in the database. */
static void check_stored_outcome(int writes_new)
{
    /* Every write stored its key once. */
    expect_count("idempotency keys", "SELECT count(*) FROM idempotency", writes_new);

    /* December 2021: the street office surveys willingness; January: the public notice. */
    expect_count("willingness surveys in December 2021 by the street office",
                 "SELECT count(*) FROM resident_survey s JOIN account a ON a.id = s.recorded_by "
                 "WHERE a.username = 'songshan-street' AND s.kind = 'willingness' "
                 "AND s.surveyed_on BETWEEN '2021-12-01' AND '2021-12-31'",
                 2);
    expect_count("public notices in January 2022 by the street office",
                 "SELECT count(*) FROM plan_notice n JOIN account a ON a.id = n.recorded_by "
                 "WHERE a.username = 'songshan-street' "
                 "AND n.starts_on BETWEEN '2022-01-01' AND '2022-01-31'",
                 2);

    /* The housing bureau marks every milestone of both projects, in its window. */
    expect_count("milestones", "SELECT count(*) FROM project_milestone", 48);
    expect_count("milestones done by housing within their window",
                 "SELECT count(*) FROM project_milestone m "
                 "JOIN milestone_template t ON t.id = m.template_id "
                 "JOIN unit u ON u.id = m.done_by_unit "
                 "WHERE u.code = 'housing' AND m.done_on BETWEEN t.starts_on AND m.due",
                 48);

    /* March: tendering, construction, supervision (监理) and design contracts. */
    expect_count("contracts awarded in March 2022 by housing",
                 "SELECT count(*) FROM contract c JOIN unit u ON u.id = c.unit_id "
                 "WHERE u.code = 'housing' AND c.awarded_on BETWEEN '2022-03-01' AND '2022-03-31' "
                 "AND c.kind IN ('construction', 'supervision', 'design')",
                 6);
    expect_count("contract kinds", "SELECT count(DISTINCT kind) FROM contract", 3);

    /* Finance: central subsidy and residents' money allocated, received, paid. */
    expect_count("central subsidy allocated to both projects by finance",
                 "SELECT count(DISTINCT a.project_id) FROM fund_allocation a "
                 "JOIN unit u ON u.id = a.unit_id "
                 "WHERE u.code = 'finance' AND a.source = 'central_subsidy'",
                 2);
    expect_count("residents' contributions",
                 "SELECT count(*) FROM fund_allocation "
                 "WHERE source IN ('resident_direct', 'maintenance_fund')",
                 4);
    expect_count("allocations not fully received",
                 "SELECT count(*) FROM fund_allocation a WHERE a.amount <> "
                 "(SELECT COALESCE(sum(r.amount), 0) FROM fund_receipt r "
                 "WHERE r.allocation_id = a.id)",
                 0);
    expect_count("construction contracts paid by finance",
                 "SELECT count(DISTINCT f.contract_id) FROM fund_payment f "
                 "JOIN contract c ON c.id = f.contract_id JOIN unit u ON u.id = f.unit_id "
                 "WHERE c.kind = 'construction' AND u.code = 'finance'",
                 2);

    /* Line work: the government's parts by housing, each utility's own by itself, lines
     * laid only after the trench and ducts, then handed over. */
    expect_count("lines laid", "SELECT count(*) FROM line_work WHERE part = 'lay_lines'", 14);
    expect_count("lines laid before the trench or ducts were done",
                 "SELECT count(*) FROM line_work l JOIN line_work g "
                 "ON g.project_id = l.project_id AND g.utility_unit_id = l.utility_unit_id "
                 "AND g.segment = 'inside_red_line' AND g.part IN ('trench', 'ducts') "
                 "WHERE l.part = 'lay_lines' AND (g.done_on IS NULL OR l.started_on < g.done_on)",
                 0);
    expect_count("line work recorded by the wrong hands",
                 "SELECT count(*) FROM line_work w JOIN account a ON a.id = w.recorded_by "
                 "WHERE (w.side = 'government' AND a.username <> 'housing') "
                 "OR (w.side = 'utility' AND a.unit_id <> w.utility_unit_id)",
                 0);
    expect_count("handovers", "SELECT count(*) FROM line_handover", 14);
    /* The history by day of each segment (0035), kept by triggers through every write of
     * the year, is the one its parts make from scratch. */
    expect_count("segments with a history",
                 "SELECT count(DISTINCT project_id) FROM line_segment_history", 2);
    expect_count(
        "histories unlike their parts'",
        "SELECT count(*) FROM ((TABLE line_segment_history"
        " EXCEPT ALL SELECT * FROM reno_line_history_rows(NULL)) UNION ALL"
        " (SELECT * FROM reno_line_history_rows(NULL) EXCEPT ALL TABLE line_segment_history)) x",
        0);

    /* The rounds: every responsible unit reported, the office closed all 26. */
    expect_count("rounds closed", "SELECT count(*) FROM round_close", 26);
    expect_count("rounds not closed",
                 "SELECT count(*) FROM reno_sup_rounds((SELECT id FROM programme "
                 "WHERE code = 'ziyun-2022')) WHERE state <> 'closed'",
                 0);
    expect_count("housing's reports, both projects, every round",
                 "SELECT count(*) FROM round_report r JOIN unit u ON u.id = r.unit_id "
                 "WHERE u.code = 'housing' AND r.superseded_by IS NULL",
                 52);
    expect_count("units missing from a round", "SELECT count(*) FROM round_snapshot_missing", 0);
    long started = h_sql_long(h_db, "SELECT sum(s.households_started) "
                                    "FROM round_snapshot_progress s "
                                    "JOIN round_close c ON c.id = s.round_close_id "
                                    "WHERE c.round_on = '2022-03-28'");
    ck_assert_int_ge(started, 201);
    expect_count("projects started in the 2022-04-28 round",
                 "SELECT count(*) FROM round_snapshot_progress s "
                 "JOIN round_close c ON c.id = s.round_close_id "
                 "WHERE c.round_on = '2022-04-28' AND s.households_started > 0",
                 2);
    expect_count("households completed in the 2022-11-28 round",
                 "SELECT sum(s.households_completed) FROM round_snapshot_progress s "
                 "JOIN round_close c ON c.id = s.round_close_id WHERE c.round_on = '2022-11-28'",
                 802);

    /* Supervision: monthly meetings whose decisions became items; nothing left open. */
    expect_count("months March to December with a scheduling meeting that issued items",
                 "SELECT count(DISTINCT date_trunc('month', m.held_on)) "
                 "FROM scheduling_meeting m WHERE m.held_on BETWEEN '2022-03-01' AND '2022-12-31' "
                 "AND EXISTS (SELECT 1 FROM supervision_item i WHERE i.meeting_id = m.id)",
                 10);
    ck_assert_int_gt(h_sql_long(h_db, "SELECT count(*) FROM supervision_item"), 10);
    expect_count("supervision items open",
                 "SELECT count(*) FROM supervision_item "
                 "WHERE state <> 'closed'",
                 0);
    expect_count("replies by another unit than the item's",
                 "SELECT count(*) FROM supervision_event e JOIN supervision_item i "
                 "ON i.id = e.item_id WHERE e.action = 'replied' AND e.unit_id <> i.unit_id",
                 0);

    /* November: joint acceptance, the file in 3 copies, final audit, management. */
    expect_count("acceptances passed in November 2022",
                 "SELECT count(*) FROM acceptance WHERE result = 'passed' "
                 "AND accepted_on BETWEEN '2022-11-01' AND '2022-11-30'",
                 2);
    expect_count("acceptances with all three copies",
                 "SELECT count(*) FROM (SELECT acceptance_id FROM acceptance_copy "
                 "GROUP BY acceptance_id HAVING count(DISTINCT holder) = 3) x",
                 2);
    expect_count("final audits by 30 November",
                 "SELECT count(*) FROM final_audit WHERE audited_on <= '2022-11-30'", 2);
    expect_count("management arrangements", "SELECT count(*) FROM management_arrangement", 2);
    expect_count("management arrangements naming their party",
                 "SELECT count(*) FROM management_arrangement WHERE party_id IS NOT NULL", 2);

    /* The parties outside the government: registered, at the joint meetings and at the
     * acceptance, each as the document requires. */
    expect_count("parties", "SELECT count(*) FROM party", 14);
    expect_count("joint meetings", "SELECT count(*) FROM joint_meeting", 4);
    expect_count("parties at the acceptances", "SELECT count(*) FROM acceptance_party", 10);
    expect_count("acceptances lacking a required party",
                 "SELECT count(*) FROM acceptance a "
                 "WHERE reno_party_acceptance_missing(a.project_id, "
                 "(SELECT array_agg(party_id) FROM acceptance_party p "
                 "WHERE p.acceptance_id = a.id)) <> ''",
                 0);
    /* Quality and safety: one rectification, a supervision item, closed. */
    expect_count("quality records", "SELECT count(*) FROM quality_record", 2);
    expect_count("rectifications closed",
                 "SELECT count(*) FROM quality_record q JOIN supervision_item i "
                 "ON i.id = q.task_id WHERE i.state = 'closed'",
                 1);
    /* Progress payments: every term covered by its due date. */
    /* The utilities' own plans, filed in March by each utility for both projects; upkeep
     * of every facility handed over and of each community's common parts; the special-fund
     * applications, one approved and one never submitted. */
    expect_count("utility plans filed by the utilities themselves",
                 "SELECT count(*) FROM utility_plan p JOIN account a ON a.id = p.recorded_by "
                 "WHERE a.unit_id = p.utility_unit_id AND p.filed_on < '2022-04-01'",
                 14);
    expect_count(
        "upkeep by the utility of every facility handed over",
        "SELECT count(*) FROM line_handover h JOIN upkeep k ON k.project_id = h.project_id "
        "AND k.unit_id = h.utility_unit_id AND k.starts_on = h.handed_over_on",
        14);
    expect_count("upkeep of the common parts by a party",
                 "SELECT count(*) FROM upkeep "
                 "WHERE party_id IS NOT NULL",
                 2);
    expect_count("special-fund applications by outcome",
                 "SELECT count(*) FROM fund_application f JOIN account a ON a.id = f.recorded_by "
                 "WHERE a.username = 'finance' AND ((f.outcome = 'approved' AND f.amount_approved "
                 "= 600000) OR (f.outcome = 'pending' AND f.submitted_on IS NULL))",
                 2);
    expect_count("payment terms", "SELECT count(*) FROM payment_term", 10);
    expect_count("payment terms not paid on time",
                 "SELECT count(*) FROM reno_payment_terms((SELECT id FROM programme "
                 "WHERE code = 'ziyun-2022')) t WHERE t.paid_on IS NULL OR t.paid_on > t.due_on",
                 0);

    /* December: the evaluation along all five dimensions, reported up. */
    expect_count("projects evaluated on all five dimensions in December",
                 "SELECT count(*) FROM (SELECT project_id FROM evaluation_item "
                 "WHERE evaluated_on BETWEEN '2022-12-01' AND '2022-12-31' "
                 "GROUP BY project_id HAVING count(DISTINCT dimension) = 5) x",
                 2);
    expect_count("evaluations reported to the municipal bureau in 2022",
                 "SELECT count(*) FROM evaluation_conclusion "
                 "WHERE reported_on BETWEEN '2022-12-01' AND '2022-12-31'",
                 2);

    /* The half-monthly report of 2022-05-14, issued by the office, stored with its digest,
     * the same bytes as the file the script wrote, built from the frozen round. */
    expect_count("reports of 2022-05-14",
                 "SELECT count(*) FROM issued_report r JOIN account a ON a.id = r.account_id "
                 "WHERE a.username = 'office' AND r.kind = 'round' AND r.subject = '2022-05-14' "
                 "AND r.format = 'md' AND r.sha256 = sha256(r.content)",
                 1);
    char *stored = sql_text("SELECT encode(sha256, 'hex') FROM issued_report "
                            "WHERE kind = 'round' AND subject = '2022-05-14'");
    char path[300], hex[65];
    snprintf(path, sizeof path, "%s/round-2022-05-14.md", state);
    char *md = read_file(path, hex);
    ck_assert_str_eq(hex, stored);
    ck_assert_ptr_nonnull(
        strstr(md, "半月调度（2022年5月14日收集，数据截至2022年5月13日，已冻结）"));
    ck_assert_ptr_nonnull(strstr(md,
                                 "| 松山街道示例小区一（示例） | 示例小区一 | 500 | 500 | 100.0% "
                                 "| 40 | 8.0% | 2022-05-13 |"));
    free(md);
    free(stored);
}

/* Every format of the reports that go up, from the played year, with its figures. */
static char *issue_report(struct net_conn *c, Reno__ReportKind kind, const char *subject,
                          Reno__ReportFormat format)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__IssueReport ir = RENO__ISSUE_REPORT__INIT;
    ir.idempotency_key.data = key;
    ir.idempotency_key.len = sizeof key;
    ir.kind = kind;
    ir.subject = (char *)subject;
    ir.format = format;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_ISSUE_REPORT;
    req.issue_report = &ir;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s %s: %s", subject,
                  m->response->status->field, m->response->status->message);
    const ProtobufCBinaryData *content = &m->response->issue_report->content;
    char *text = malloc(content->len + 1);
    memcpy(text, content->data, content->len);
    text[content->len] = '\0';
    net_free(c, m);
    return text;
}

/* The cells of one Markdown table row "| a | b | c |", split in place; returns the count. */
static int md_cells(char *line, char **cells, int max)
{
    int n = 0;
    char *p = line;
    if (*p != '|')
        return 0;
    p++;
    while (n < max) {
        char *bar = strstr(p, " |");
        if (bar == NULL)
            break;
        while (p < bar && *p == ' ')
            p++;
        *bar = '\0';
        cells[n++] = p;
        p = bar + 2;
    }
    return n;
}

/* The rows of the table under the heading that starts with HEADING, without the header
 * and rule lines; NULL-terminated, each a copy. */
static char **md_table(const char *doc, const char *heading)
{
    char key[200];
    snprintf(key, sizeof key, "\n## %s", heading);
    const char *at = strstr(doc, key);
    ck_assert_msg(at != NULL, "no section %s in:\n%s", heading, doc);
    at = strchr(at + 1, '\n');
    char **rows = calloc(200, sizeof *rows);
    int n = 0, seen = 0;
    while (at && *at && n < 199) {
        at++;
        const char *end = strchr(at, '\n');
        size_t len = end ? (size_t)(end - at) : strlen(at);
        if (len >= 2 && strncmp(at, "## ", 3) == 0)
            break;
        if (len > 0 && at[0] == '|') {
            if (seen++ >= 2) /* the header and the --- line */
                rows[n++] = strndup(at, len);
        } else if (seen > 0) {
            break;
        }
        at = end;
    }
    return rows;
}

static void free_rows(char **rows)
{
    for (char **r = rows; *r; r++)
        free(*r);
    free(rows);
}

/* Per unit, how often section 七 of the round reports RS name it late and missing. */
struct unit_count {
    char name[120];
    int late, missing;
};

static struct unit_count *unit_slot(struct unit_count *u, int *n, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(u[i].name, name) == 0)
            return &u[i];
    ck_assert_int_lt(*n, 40);
    memset(&u[*n], 0, sizeof u[*n]);
    snprintf(u[*n].name, sizeof u[*n].name, "%s", name);
    return &u[(*n)++];
}

/* The May 2022 notice and the two May round reports say the same about who reported on
 * time: the notice's 逾时 and 未报 per unit are the rows of section 七 of the reports of
 * 2022-05-14 and 2022-05-28; `reno round reports` marks late exactly those; ties in the
 * notice share their rank, and the rule is stated under the table. */
static void check_may_documents_agree(struct net_conn *office)
{
    struct unit_count seven[40];
    int nseven = 0;
    const char *rounds[] = {"2022-05-14", "2022-05-28"};
    for (size_t k = 0; k < 2; k++) {
        char *md = issue_report(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, rounds[k],
                                RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
        char **rows = md_table(md, "七、未按时报送的单位");
        const char *unit = "";
        for (char **r = rows; *r; r++) {
            char *cells[4];
            ck_assert_int_eq(md_cells(*r, cells, 4), 3);
            /* A unit's rows stand together, its name on the first. */
            if (cells[0][0])
                unit = cells[0];
            struct unit_count *u = unit_slot(seven, &nseven, unit);
            if (strncmp(cells[2], "逾时报送", strlen("逾时报送")) == 0)
                u->late++;
            else if (strcmp(cells[2], "未报送") == 0)
                u->missing++;
            else
                ck_abort_msg("section 七 row %s", *r);
        }
        free_rows(rows);
        if (k == 0) {
            /* The gas company reported both projects on 17 May, after the window. */
            ck_assert_msg(strstr(md, "| 逾时报送（5月17日） |") != NULL, "%s", md);
            ck_assert_ptr_nonnull(strstr(md, "报送时限：5月13日收集，5月15日（含）前报送为按时"));
        }
        free(md);
    }
    ck_assert_int_gt(nseven, 0); /* the check below compares something */

    char *notice = issue_report(office, RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-05",
                                RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    char **rows = md_table(notice, "一、本月各单位报送与督办情况");
    int nunits = 0, late_units = 0, prev_rank = 0, prev_key[3] = {-1, -1, -1}, position = 0;
    for (char **r = rows; *r; r++) {
        char *cells[8];
        ck_assert_int_eq(md_cells(*r, cells, 8), 7);
        int rank = atoi(cells[0]), late = atoi(cells[4]), missing = atoi(cells[5]),
            overdue = atoi(cells[6]);
        position++;
        /* Standard competition ranking: equal records share a rank (1, 1, 3). */
        if (late == prev_key[0] && missing == prev_key[1] && overdue == prev_key[2])
            ck_assert_int_eq(rank, prev_rank);
        else
            ck_assert_int_eq(rank, position);
        prev_rank = rank;
        prev_key[0] = late;
        prev_key[1] = missing;
        prev_key[2] = overdue;
        struct unit_count *u = unit_slot(seven, &nseven, cells[1]);
        ck_assert_msg(u->late == late && u->missing == missing,
                      "%s: notice late %d missing %d, round reports late %d missing %d", cells[1],
                      late, missing, u->late, u->missing);
        u->late = u->missing = -1; /* seen */
        late_units += late > 0;
        nunits++;
    }
    free_rows(rows);
    ck_assert_int_eq(nunits, 9);
    ck_assert_int_eq(late_units, 1);
    for (int i = 0; i < nseven; i++)
        ck_assert_msg(seven[i].late == -1, "%s is in section 七 but not in the notice",
                      seven[i].name);
    ck_assert_msg(strstr(notice, " | 县住房和城乡建设局 | 4 | 4 | 0 | 0 | ") != NULL, "%s", notice);
    ck_assert_ptr_nonnull(strstr(notice, "三项均相同的单位名次并列"));
    free(notice);

    /* reno round reports: the gas company's two reports of 2022-05-14 are late, no other. */
    Reno__ListRoundReports lr = RENO__LIST_ROUND_REPORTS__INIT;
    lr.round_date = "2022-05-14";
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_LIST_ROUND_REPORTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__RoundReportList *l = m->response->list_round_reports;
    int late_reports = 0;
    for (size_t i = 0; i < l->n_items; i++) {
        bool gas = strcmp(l->items[i]->unit_code, "gas") == 0;
        ck_assert_int_eq(l->items[i]->late, gas);
        ck_assert_str_eq(l->items[i]->reported_on, gas ? "2022-05-17" : "2022-05-14");
        late_reports += l->items[i]->late;
    }
    ck_assert_int_eq(late_reports, 2);
    net_free(office, m);

    /* The status as of 14 May misses the gas company (it reported on the 17th); as of
     * the 16th it is no longer missing. */
    m = status_as_of(office, "2022-05-14");
    const Reno__StatusReply *s = m->response->status_reply;
    ck_assert_uint_eq(s->n_missing_reporters, 2);
    for (size_t i = 0; i < s->n_missing_reporters; i++)
        ck_assert_str_eq(s->missing_reporters[i]->unit_code, "gas");
    net_free(office, m);
    m = status_as_of(office, "2022-05-17");
    ck_assert_uint_eq(m->response->status_reply->n_missing_reporters, 0);
    net_free(office, m);
}

static void check_report_formats(void)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    char *csv = issue_report(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                             RENO__REPORT_FORMAT__REPORT_FORMAT_CSV);
    ck_assert_ptr_nonnull(
        strstr(csv, "松山街道示例小区一（示例）,示例小区一,500,500,100.0%,40,8.0%,2022-05-13\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, "开工户数不低于25%,2022-03-31,已达到,"));
    /* Sources and line work by their Chinese names, as the office writes them. */
    ck_assert_ptr_nonnull(strstr(csv, ",中央补助,6000000.00,3000000.00,"));
    ck_assert_ptr_nonnull(strstr(csv, ",红线内,管沟开挖,已完成,2022-04-22\r\n"));
    free(csv);
    char *json = issue_report(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                              RENO__REPORT_FORMAT__REPORT_FORMAT_JSON);
    ck_assert_ptr_nonnull(strstr(json, "[\"松山街道示例小区二（示例）\",\"示例小区二\",\"302\","
                                       "\"302\",\"100.0%\",\"20\",\"6.6%\",\"2022-05-13\"]"));
    free(json);
    char *html = issue_report(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                              RENO__REPORT_FORMAT__REPORT_FORMAT_HTML);
    ck_assert_ptr_nonnull(strstr(html, "已开工 210 户 / 802 户（26.2%），要求不少于 201 户"));
    ck_assert_ptr_nonnull(strstr(html, "<polyline"));
    free(html);
    check_may_documents_agree(office);
    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    char *evaluation = issue_report(office, RENO__REPORT_KIND__REPORT_KIND_EVALUATION, project,
                                    RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_ptr_nonnull(strstr(evaluation, "| 联合竣工验收 | 2022-11-"));
    ck_assert_ptr_nonnull(strstr(evaluation, "| 验收资料 | 3 / 3 份 |"));
    ck_assert_ptr_nonnull(strstr(evaluation, "| 改造面积和户数 |"));
    ck_assert_ptr_nonnull(strstr(evaluation, "| 物业管理长效机制建立情况 |"));
    free(evaluation);
    net_close(office);
}

START_TEST(the_year_is_played_and_replayed)
{
    write_accounts(NULL);
    char *out, *err;
    int rc = run_scenario(NULL, &out, &err);
    ck_assert_msg(rc == 0, "scenario-2022 exited %d:\n%s%s", rc, out, err);
    int writes, fresh, replayed;
    parse_summary(out, &writes, &fresh, &replayed);
    ck_assert_int_gt(writes, 0);
    ck_assert_int_eq(fresh, writes);
    ck_assert_int_eq(replayed, 0);
    free(out);
    free(err);

    check_stored_outcome(fresh);
    check_status();

    /* The office reads the year's progress payments as it writes money: in 万元, the unit
     * in the header, thousands grouped (by 30 November four terms of each construction
     * contract were due: 12,950,000 元 in all, 1,295.00 万元). */
    char config[260], env_server[120];
    snprintf(config, sizeof config, "XDG_CONFIG_HOME=%s/office", state);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    const char *argv[] = {h_bin("reno"), "status", "--as-of", "2022-11-30", NULL};
    const char *env[] = {config,        env_server, "LANG=zh_CN.UTF-8", "LC_ALL=zh_CN.UTF-8",
                         "COLUMNS=120", NULL};
    rc = h_run(argv, env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "reno status exited %d: %s", rc, err);
    const char *pay = strstr(out, "工程进度款");
    ck_assert_msg(pay != NULL && strstr(pay, "应付（万元）") != NULL &&
                      strstr(pay, "1,295.00") != NULL && strstr(pay, "12950000") == NULL,
                  "%s", pay ? pay : out);
    free(out);
    free(err);
    /* At 80 columns, with every figure and report date of the played year filled in, the
     * project names keep their width while the numeric columns take short headers, and
     * the report dates are whole, in either language. */
    const char *env80[] = {config,           env_server,   "LANG=C.UTF-8",
                           "LC_ALL=C.UTF-8", "COLUMNS=80", NULL};
    const char *env80zh[] = {config,       env_server, "LANG=zh_CN.UTF-8", "LC_ALL=zh_CN.UTF-8",
                             "COLUMNS=80", NULL};
    const char *const *envs80[] = {env80, env80zh};
    const char *totals[] = {"\ntotal:", "\n合计："};
    for (size_t k = 0; k < 2; k++) {
        rc = h_run(argv, envs80[k], NULL, &out, &err);
        ck_assert_msg(rc == 0, "reno status exited %d: %s", rc, err);
        h_assert_fits(out, 80);
        /* The projects table: from its header line ("#", the short header of the
         * number) to the totals under it. */
        char *table = strstr(out, "\n# ");
        char *end = table != NULL ? strstr(table, totals[k]) : NULL;
        ck_assert_msg(table != NULL && end != NULL, "no projects table:\n%.1200s", out);
        *end = '\0';
        ck_assert_msg(strstr(table, "松山街道示例小区一（示例）") != NULL &&
                          strstr(table, "松山街道示例小区二（示例）") != NULL &&
                          strstr(table, " 2022-11-28\n") != NULL,
                      "a project's name or report date cut at 80 columns:%s", table);
        free(out);
        free(err);
    }
    /* The reports issued: no column of bytes, none empty in every row (nothing was
     * replaced or read on a standby), and the 文号 that were given. */
    const char *list[] = {h_bin("reno"), "report", "list", NULL};
    rc = h_run(list, env80, NULL, &out, &err);
    ck_assert_msg(rc == 0, "reno report list exited %d: %s", rc, err);
    ck_assert_msg(strstr(out, "\\x") == NULL && strstr(out, "CONTENT") == NULL &&
                      strstr(out, "FROM ST") == NULL && strstr(out, "REPLACES") == NULL &&
                      strstr(out, "紫改办") != NULL,
                  "%.1500s", out);
    /* The year's reports fit 80 columns with their 文号 whole; the details a narrow
     * screen leaves out are named under the table. */
    h_assert_fits(out, 80);
    ck_assert_msg(strstr(out, "  紫改办〔2022〕7号  ") != NULL && strstr(out, "SHA-256") != NULL,
                  "%.1500s", out);
    free(out);
    free(err);
    /* A round's reports at 80 columns in Chinese: the round, the codes beside the names
     * and the details go (named under the table); the late ones still say so. */
    const char *reports[] = {h_bin("reno"), "round", "reports", "--round-date", "2022-05-14", NULL};
    rc = h_run(reports, env80zh, NULL, &out, &err);
    ck_assert_msg(rc == 0, "reno round reports exited %d: %s", rc, err);
    h_assert_fits(out, 80);
    ck_assert_msg(strstr(out, "逾期") != NULL && strstr(out, " 是 ") != NULL &&
                      strstr(out, "2022-05-17") != NULL && strstr(out, "未显示：") != NULL &&
                      strstr(out, "（共 18 行）") != NULL,
                  "%s", out);
    free(out);
    free(err);
    /* In Chinese: every header and status labelled, none in English. */
    rc = h_run(list, env80zh, NULL, &out, &err);
    ck_assert_msg(rc == 0, "reno report list exited %d: %s", rc, err);
    h_assert_fits(out, 80);
    ck_assert_msg(strstr(out, "文号") != NULL && strstr(out, "已签发") != NULL &&
                      strstr(out, "DOC") == NULL && strstr(out, "REPORT") == NULL &&
                      strstr(out, "issued") == NULL && strstr(out, "  紫改办〔2022〕7号  ") != NULL,
                  "%.1500s", out);
    free(out);
    free(err);

    /* Again: every write replays, no session is opened, not one row changes. */
    char *before = row_counts();
    char path[300], first_hex[65], again_hex[65];
    snprintf(path, sizeof path, "%s/round-2022-05-14.md", state);
    free(read_file(path, first_hex));
    rc = run_scenario(NULL, &out, &err);
    ck_assert_msg(rc == 0, "second run exited %d:\n%s%s", rc, out, err);
    int writes2, fresh2, replayed2;
    parse_summary(out, &writes2, &fresh2, &replayed2);
    ck_assert_int_eq(writes2, writes);
    ck_assert_int_eq(fresh2, 0);
    ck_assert_int_eq(replayed2, writes);
    free(out);
    free(err);
    char *after = row_counts();
    ck_assert_str_eq(after, before);
    free(read_file(path, again_hex));
    ck_assert_str_eq(again_hex, first_hex);

    /* After the replay (which must change nothing), the other formats and kinds. */
    check_report_formats();
    free(before);
    free(after);
}
END_TEST

START_TEST(a_missing_account_or_server_is_refused_before_any_write)
{
    char *before = row_counts();
    write_accounts("gas");
    char *out, *err;
    int rc = run_scenario(NULL, &out, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "no account for unit gas") != NULL, "stderr: %s", err);
    free(out);
    free(err);

    write_accounts(NULL);
    rc = run_scenario("", &out, &err);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "RENO_SERVER is not set") != NULL, "stderr: %s", err);
    free(out);
    free(err);

    rc = run_scenario("127.0.0.1:1", &out, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "cannot reach renod at 127.0.0.1:1") != NULL, "stderr: %s", err);
    free(out);
    free(err);

    char *after = row_counts();
    ck_assert_str_eq(after, before);
    free(before);
    free(after);
}
END_TEST

Suite *it_scenario_suite(void)
{
    Suite *s = suite_create("it_scenario");
    TCase *tc = tcase_create("scenario");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* Two runs of about 870 writes each; the sanitizer build is several times slower. */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, the_year_is_played_and_replayed);
    tcase_add_test(tc, a_missing_account_or_server_is_refused_before_any_write);
    suite_add_tcase(s, tc);
    return s;
}
