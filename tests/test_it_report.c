/*
 * Reports that go up, through the real path: the half-monthly report built from the
 * stored data with the figures in it, in each format, previewed (stored nowhere) unless
 * issued; issued once per round with a 文号, again only as a named replacement; stored as issued
 * with its SHA-256 and the audit chain's head it was built from, and shown again byte for byte
 * after more writes; a retry with the same key returning the first report; a closed round reported
 * from its frozen snapshot; the monthly notice and a project's evaluation; refusals for a bad
 * subject and for a unit that may not issue, with nothing stored; and issued reports that cannot be
 * changed. A project name a unit typed as a spreadsheet formula reaches the CSV report
 * neutralised, behind an apostrophe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hex.h"
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

static void push(long project, const char *date, int started, int completed)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, started, completed);
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(office, m);
}

static Reno__ServerMessage *request(struct net_conn *c, uint8_t key[16], Reno__ReportKind kind,
                                    const char *subject, Reno__ReportFormat format, bool issue_it,
                                    const char *replaces)
{
    Reno__IssueReport ir = RENO__ISSUE_REPORT__INIT;
    ir.idempotency_key.data = key;
    ir.idempotency_key.len = 16;
    ir.kind = kind;
    ir.subject = (char *)subject;
    ir.format = format;
    ir.issue = issue_it;
    ir.replaces = (char *)(replaces ? replaces : "");
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_ISSUE_REPORT;
    req.issue_report = &ir;
    return h_call(c, &req);
}

/* The office's act: numbered and stored. */
static Reno__ServerMessage *issue(struct net_conn *c, uint8_t key[16], Reno__ReportKind kind,
                                  const char *subject, Reno__ReportFormat format)
{
    return request(c, key, kind, subject, format, true, NULL);
}

/* Looking: built and rendered, stored nowhere. */
static Reno__ServerMessage *preview(struct net_conn *c, Reno__ReportKind kind, const char *subject,
                                    Reno__ReportFormat format)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    return request(c, key, kind, subject, format, false, NULL);
}

/* The content of a reply as a NUL-terminated copy. */
static char *content_of(const Reno__IssuedReport *r)
{
    char *s = malloc(r->content.len + 1);
    memcpy(s, r->content.data, r->content.len);
    s[r->content.len] = '\0';
    return s;
}

static void assert_digest(const Reno__IssuedReport *r)
{
    uint8_t d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, r->content.data, r->content.len);
    char hex[2 * sizeof d + 1];
    hex_encode(d, sizeof d, hex);
    ck_assert_str_eq(hex, r->sha256);
}

START_TEST(round_report_carries_the_figures_and_is_kept_as_issued)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    push(p0, "2022-03-20", 150, 0);
    push(p1, "2022-04-10", 302, 0);
    push(p0, "2022-05-10", 500, 60);
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__ServerMessage *m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                                   RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    Reno__IssuedReport *r = m->response->issue_report;
    ck_assert(!r->replayed);
    assert_digest(r);
    char *md = content_of(r);
    /* The 公文 layout: organ and 文号 first, the title, 主送, the sections numbered in
     * order with the chart as figure 1 of section 一, the organ and the date written out
     * at the end, then 抄送; no line about the audit log on the page. */
    ck_assert_msg(strncmp(md, "**紫云自治县城镇老旧小区改造工作领导小组办公室", 40) == 0, "%s", md);
    ck_assert_ptr_nonnull(strstr(md, "\n\n紫改办〔2022〕1号\n\n# "));
    ck_assert_ptr_nonnull(strstr(md, "主送：县人民政府、市联席会议办公室"));
    ck_assert_ptr_nonnull(
        strstr(md, "（县住房和城乡建设局代章）\n\n2022年5月14日\n\n抄送：领导小组各成员单位\n"));
    ck_assert_ptr_null(strstr(md, "审计"));
    static const char *const headings[] = {"## 一、", "图1　",   "## 二、", "## 三、", "## 四、",
                                           "## 五、", "## 六、", "## 七、", "## 八、", "## 附件："};
    const char *prev = md;
    for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++) {
        const char *at = strstr(md, headings[i]);
        ck_assert_msg(at != NULL && at > prev, "%s missing or out of order", headings[i]);
        prev = at;
    }
    ck_assert_ptr_nonnull(strstr(md, "| 松山街道示例小区一（示例） | 示例小区一 | 500 | 500 | "
                                     "100.0% | 60 | 12.0% | 2022-05-10 |"));
    ck_assert_ptr_nonnull(strstr(md, "已开工 150 户 / 802 户（18.7%），要求不少于 201 户"));
    ck_assert_ptr_nonnull(strstr(md, "## 七、未按时报送的单位"));
    /* Section 三 of a small programme lists every milestone due by the collection; the
     * counts that end a large programme's page are not there (they once were, saying 0
     * milestones were due under the table of them). */
    const char *three = strstr(md, "## 三、"), *four = strstr(md, "## 四、");
    const char *listed = strstr(three, "| 逾期");
    if (listed == NULL || listed > four)
        listed = strstr(three, "| 按期完成 |");
    ck_assert_msg(listed != NULL && listed < four, "section 三 lists no milestone: %s", three);
    ck_assert_ptr_null(strstr(md, "应完成的节点共"));
    int64_t id = r->report_id;
    int64_t position = r->audit_position;
    ck_assert_int_gt(position, 0);
    char sql[600];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM issued_report WHERE id = %lld AND sha256 = sha256(content) "
             "AND audit_position = %lld",
             (long long)id, (long long)position);
    ck_assert_int_eq(h_sql_long(h_db, sql), 1);
    /* The stored record names the audit chain's head at that position (renod audit
     * verify vouches for the chain up to there); the page does not. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM issued_report r JOIN audit_log l ON l.id = r.audit_position "
             "WHERE r.id = %lld AND r.audit_head = l.chain_hash AND position(convert_to("
             "encode(l.chain_hash, 'hex'), 'UTF8') IN r.content) = 0",
             (long long)id);
    ck_assert_int_eq(h_sql_long(h_db, sql), 1);

    /* The same key again: the first report, byte for byte, nothing new stored. */
    Reno__ServerMessage *again = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND,
                                       "2022-05-14", RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_int_eq(h_code(again), RENO__STATUS_CODE__OK);
    ck_assert(again->response->issue_report->replayed);
    ck_assert_int_eq(again->response->issue_report->report_id, id);
    char *md2 = content_of(again->response->issue_report);
    ck_assert_str_eq(md2, md);
    free(md2);
    net_free(office, again);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM issued_report"), 1);

    /* Later writes change the data, not what went up. */
    push(p1, "2022-05-12", 302, 100);
    Reno__GetReport gr = RENO__GET_REPORT__INIT;
    gr.report_id = id;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_REPORT;
    req.get_report = &gr;
    Reno__ServerMessage *shown = h_call(office, &req);
    ck_assert_int_eq(h_code(shown), RENO__STATUS_CODE__OK);
    char *md3 = content_of(shown->response->get_report);
    ck_assert_str_eq(md3, md);
    ck_assert_str_eq(shown->response->get_report->sha256, r->sha256);
    free(md3);
    net_free(office, shown);
    char state[6];
    h_sql_exec(h_db, "UPDATE issued_report SET subject = 'x'", state);
    ck_assert_str_eq(state, "42501");
    free(md);
    net_free(office, m);
}
END_TEST

START_TEST(every_format)
{
    push(h_project_id(h_db, 0), "2022-03-20", 150, 0);
    static const struct {
        Reno__ReportFormat format;
        const char *needle;
    } cases[] = {
        {RENO__REPORT_FORMAT__REPORT_FORMAT_CSV,
         "项目,社区,改造户数,已开工,开工率,已完工,完工率,最近报送\r\n"},
        {RENO__REPORT_FORMAT__REPORT_FORMAT_JSON, "\"columns\":[\"项目\",\"社区\""},
        {RENO__REPORT_FORMAT__REPORT_FORMAT_HTML, "<polyline"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Reno__ServerMessage *m =
            preview(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-03-28", cases[i].format);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
        char *doc = content_of(m->response->issue_report);
        ck_assert_msg(strstr(doc, cases[i].needle) != NULL, "format %d lacks %s", cases[i].format,
                      cases[i].needle);
        free(doc);
        net_free(office, m);
    }
}
END_TEST

/* Text that a spreadsheet would run (=, +, -, @ first) is stored as typed, but the CSV
 * report a county sends up quotes it behind an apostrophe, so opening the file runs
 * nothing. */
START_TEST(csv_report_neutralises_a_name_typed_as_a_formula)
{
    long p0 = h_project_id(h_db, 0);
    static const char *const names[] = {"=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)"};
    uint8_t key[16];
    Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&up.idempotency_key, key);
    up.project_id = p0;
    up.name = (char *)names[0];
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(office, m);
    h_new_key(&up.idempotency_key, key);
    up.project_id = h_project_id(h_db, 1);
    up.name = (char *)names[1];
    m = h_call_body(office, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(office, m);
    push(p0, "2022-03-20", 150, 0);

    m = preview(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-03-28",
                RENO__REPORT_FORMAT__REPORT_FORMAT_CSV);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    char *doc = content_of(m->response->issue_report);
    ck_assert_msg(strstr(doc, "\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",") != NULL,
                  "the formula is not neutralised:\n%s", doc);
    ck_assert_msg(strstr(doc, "\r\n\"'@SUM(A1)\",") != NULL, "the formula is not neutralised:\n%s",
                  doc);
    ck_assert_msg(strstr(doc, "\n=") == NULL && strstr(doc, ",=") == NULL &&
                      strstr(doc, "\n@") == NULL,
                  "a cell still begins with a formula:\n%s", doc);
    free(doc);
    net_free(office, m);
    /* The name itself is kept as typed. */
    char sql[200];
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM project WHERE id = %ld AND name = '=HYPERLINK(\"http://x\",\"y\")'",
        p0);
    ck_assert_int_eq(h_sql_long(h_db, sql), 1);
}
END_TEST

START_TEST(closed_round_is_reported_from_its_snapshot)
{
    long p0 = h_project_id(h_db, 0);
    push(p0, "2022-05-10", 300, 0);
    uint8_t close_key[16] = {0xc1};
    Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
    cr.idempotency_key.data = close_key;
    cr.idempotency_key.len = 16;
    cr.round_date = "2022-05-14";
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_CLOSE_ROUND;
    req.close_round = &cr;
    Reno__ServerMessage *m = h_call(office, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(office, m);
    /* A back-dated correction after the close: status changes, the frozen round not. */
    push(p0, "2022-05-12", 320, 0);
    m = preview(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    char *md = content_of(m->response->issue_report);
    ck_assert_ptr_nonnull(strstr(md, "已冻结"));
    ck_assert_ptr_nonnull(strstr(md, "| 500 | 300 | 60.0% |"));
    ck_assert_ptr_null(strstr(md, "| 500 | 320 |"));
    free(md);
    net_free(office, m);
}
END_TEST

START_TEST(notice_and_evaluation)
{
    Reno__ServerMessage *m = preview(office, RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-05",
                                     RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    char *md = content_of(m->response->issue_report);
    ck_assert_ptr_nonnull(strstr(md, "工作通报"));
    /* Every responsible unit is ranked; none reported, so each missed both rounds × 2,
     * and all share the first place. */
    ck_assert_ptr_nonnull(strstr(md, "| 1 | 县住房和城乡建设局 | 4 | 0 | 0 | 4 | 0 |"));
    ck_assert_ptr_null(strstr(md, "| 2 | "));
    free(md);
    net_free(office, m);

    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 1));
    m = preview(office, RENO__REPORT_KIND__REPORT_KIND_EVALUATION, project,
                RENO__REPORT_FORMAT__REPORT_FORMAT_HTML);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    md = content_of(m->response->issue_report);
    ck_assert_ptr_nonnull(strstr(md, "松山街道示例小区二（示例）绩效评估报告"));
    ck_assert_ptr_nonnull(strstr(md, "未验收"));
    free(md);
    net_free(office, m);
}
END_TEST

/* What a reply says about the report it carries, and how many are stored. */
static void assert_reply(Reno__ServerMessage *m, const char *status, const char *doc_number,
                         const char *replaces)
{
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s (%s)", m->response->status->message,
                  m->response->status->field);
    const Reno__IssuedReport *r = m->response->issue_report;
    ck_assert_str_eq(r->status, status);
    ck_assert_str_eq(r->doc_number, doc_number);
    ck_assert_str_eq(r->replaces, replaces);
    char *doc = content_of(r);
    if (doc_number[0])
        ck_assert_msg(strstr(doc, doc_number) != NULL, "no %s on the page:\n%s", doc_number, doc);
    ck_assert_int_eq(strstr(doc, "预览稿") != NULL, strcmp(status, "preview") == 0);
    free(doc);
}

static void assert_refused(Reno__ServerMessage *m, Reno__StatusCode code, const char *needle)
{
    ck_assert_msg(h_code(m) == code, "expected %d, got %d: %s", code, h_code(m),
                  m->response->status->message);
    ck_assert_str_eq(m->response->status->field, "issue_report.replaces");
    ck_assert_msg(strstr(m->response->status->message, needle) != NULL, "%s lacks %s",
                  m->response->status->message, needle);
}

/* Looking stores nothing; issuing numbers the document (文号, N counting per year of the
 * document's date, in the programme's format) and is refused a second time for the same
 * round unless it names the report it replaces, which stays, marked replaced. */
START_TEST(preview_by_default_issue_once_replace_explicitly)
{
    push(h_project_id(h_db, 0), "2022-05-10", 300, 0);
    long keys = h_sql_long(h_db, "SELECT count(*) FROM idempotency");
    Reno__ServerMessage *m = preview(office, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                                     RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    assert_reply(m, "preview", "", "");
    ck_assert_int_eq(m->response->issue_report->report_id, 0);
    assert_digest(m->response->issue_report);
    net_free(office, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM issued_report"), 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM idempotency"), keys);

    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
              RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    assert_reply(m, "issued", "紫改办〔2022〕1号", "");
    int64_t first = m->response->issue_report->report_id;
    net_free(office, m);
    /* Its retry is the same report, not a second issue. */
    m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
              RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    assert_reply(m, "issued", "紫改办〔2022〕1号", "");
    ck_assert(m->response->issue_report->replayed);
    net_free(office, m);

    /* Issued again without saying what it replaces, in any format: refused. */
    randombytes_buf(key, sizeof key);
    m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
              RENO__REPORT_FORMAT__REPORT_FORMAT_HTML);
    assert_refused(m, RENO__STATUS_CODE__CONFLICT, "--replaces 紫改办〔2022〕1号");
    net_free(office, m);

    randombytes_buf(key, sizeof key);
    m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-05",
              RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    assert_reply(m, "issued", "紫改办〔2022〕2号", "");
    net_free(office, m);

    randombytes_buf(key, sizeof key);
    m = request(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD, true, "紫改办〔2022〕1号");
    assert_reply(m, "issued", "紫改办〔2022〕3号", "紫改办〔2022〕1号");
    net_free(office, m);

    /* The replaced one cannot be replaced twice; a notice does not replace a round
     * report; an unknown number is not found; a preview replaces nothing. */
    randombytes_buf(key, sizeof key);
    m = request(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD, true, "紫改办〔2022〕1号");
    assert_refused(m, RENO__STATUS_CODE__CONFLICT, "紫改办〔2022〕3号");
    net_free(office, m);
    m = request(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD, true, "紫改办〔2022〕2号");
    assert_refused(m, RENO__STATUS_CODE__BAD_REQUEST, "通报");
    net_free(office, m);
    m = request(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD, true, "紫改办〔2022〕99号");
    assert_refused(m, RENO__STATUS_CODE__NOT_FOUND, "99");
    net_free(office, m);
    m = request(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD, false, "紫改办〔2022〕3号");
    assert_refused(m, RENO__STATUS_CODE__BAD_REQUEST, "issue");
    net_free(office, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM issued_report"), 3);

    /* The list: the first replaced (by 3号), the others issued. */
    Reno__ListReports lr = RENO__LIST_REPORTS__INIT;
    m = h_call_body(office, RENO__REQUEST__BODY_LIST_REPORTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__ReportList *l = m->response->list_reports;
    ck_assert_uint_eq(l->n_items, 3);
    ck_assert_int_eq(l->items[0]->report_id, first);
    ck_assert_str_eq(l->items[0]->status, "replaced");
    ck_assert_str_eq(l->items[0]->replaced_by, "紫改办〔2022〕3号");
    ck_assert_str_eq(l->items[1]->status, "issued");
    ck_assert_str_eq(l->items[2]->status, "issued");
    ck_assert_str_eq(l->items[2]->replaces, "紫改办〔2022〕1号");
    net_free(office, m);

    /* The format is the programme's, set by the office through an operation (not by the
     * housing bureau, which does not issue; not without {n} or {year}); N counts per year
     * (an evaluation not yet concluded is dated the year it is issued in). */
    Reno__SetDocNumberFormat sf = RENO__SET_DOC_NUMBER_FORMAT__INIT;
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    h_new_key(&sf.idempotency_key, key);
    sf.doc_number_format = "紫改发〔{year}〕{n}号";
    m = h_call_body(housing, RENO__REQUEST__BODY_SET_DOC_NUMBER_FORMAT, &sf);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(housing, m);
    net_close(housing);
    static const char *const bad_formats[] = {"紫改发〔{year}〕号", "紫改发{n}号",
                                              "紫改发〔{year}〕{n}-{n}号"};
    for (size_t i = 0; i < sizeof bad_formats / sizeof bad_formats[0]; i++) {
        h_new_key(&sf.idempotency_key, key);
        sf.doc_number_format = (char *)bad_formats[i];
        m = h_call_body(office, RENO__REQUEST__BODY_SET_DOC_NUMBER_FORMAT, &sf);
        ck_assert_msg(h_code(m) == RENO__STATUS_CODE__BAD_REQUEST, "%s", bad_formats[i]);
        ck_assert_str_eq(m->response->status->field, "set_doc_number_format.doc_number_format");
        net_free(office, m);
    }
    h_new_key(&sf.idempotency_key, key);
    sf.doc_number_format = "紫改发〔{year}〕{n}号";
    m = h_call_body(office, RENO__REQUEST__BODY_SET_DOC_NUMBER_FORMAT, &sf);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(office, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM programme "
                                      "WHERE doc_number_format = '紫改发〔{year}〕{n}号'"),
                     1);
    char project[24], expected[64];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 1));
    snprintf(expected, sizeof expected, "紫改发〔%ld〕1号",
             h_sql_long(h_db, "SELECT extract(year FROM current_date)::bigint"));
    randombytes_buf(key, sizeof key);
    m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_EVALUATION, project,
              RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    assert_reply(m, "issued", expected, "");
    net_free(office, m);
}
END_TEST

/* The output of a shell command (stdout), NUL-terminated; its exit status in *rc. */
static char *run_capture(const char *cmd, int *rc)
{
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 >= cap)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    *rc = pclose(f);
    return out;
}

/* Text without its spaces and line breaks: pdftotext lays a wrapped title or a centred
 * page number out with breaks and spaces of its own. */
static char *squeezed(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    for (const char *t = text; *t; t++)
        if (*t != ' ' && *t != '\n' && *t != '\f')
            *o++ = *t;
    *o = '\0';
    return out;
}

/* Printed: the PDF is an A4 公文 whose text pdftotext reads back (title, 文号, the
 * numbered sections, the charts' captions, the date, page numbers) over several pages.
 * Skipped, loudly, only when the machine has no CJK font to render with. */
START_TEST(pdf_is_a_printed_document_with_page_numbers)
{
    int rc;
    char *fonts = run_capture("fc-list :lang=zh family 2>/dev/null", &rc);
    bool have_fonts = strstr(fonts, "Noto") != NULL;
    free(fonts);
    if (!have_fonts) {
        fprintf(stderr, "it_report: SKIPPED pdf test: no Noto CJK font (fonts-noto-cjk, "
                        "installed by scripts/setup)\n");
        return;
    }
    /* This test is about the document, not the time it takes: the sanitizer build renders
     * it (fonts loaded, charts drawn) in more than the harness's 10 s per call on a
     * machine whose two cores are shared with other suites. */
    net_set_timeout(office, 60000);
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    push(p0, "2022-03-20", 150, 0);
    push(p1, "2022-04-10", 302, 0);
    push(p0, "2022-05-10", 500, 60);
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__ServerMessage *m = issue(office, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                                   RENO__REPORT_FORMAT__REPORT_FORMAT_PDF);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    const Reno__IssuedReport *r = m->response->issue_report;
    ck_assert_int_eq(r->format, RENO__REPORT_FORMAT__REPORT_FORMAT_PDF);
    assert_digest(r);
    ck_assert_uint_gt(r->content.len, 1000);
    ck_assert_int_eq(memcmp(r->content.data, "%PDF-", 5), 0);
    char dir[] = "/tmp/reno-pdf-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64], cmd[200];
    snprintf(path, sizeof path, "%s/round.pdf", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(r->content.data, 1, r->content.len, f), r->content.len);
    fclose(f);

    snprintf(cmd, sizeof cmd, "pdfinfo %s", path);
    char *info = run_capture(cmd, &rc);
    ck_assert_msg(rc == 0, "pdfinfo failed (poppler-utils is installed by scripts/setup)");
    const char *pages = strstr(info, "Pages:");
    ck_assert_ptr_nonnull(pages);
    int npages = atoi(pages + strlen("Pages:"));
    ck_assert_int_ge(npages, 2);
    ck_assert_ptr_nonnull(strstr(info, "595.276 x 841.89 pts (A4)"));
    free(info);

    snprintf(cmd, sizeof cmd, "pdftotext -layout %s -", path);
    char *text = run_capture(cmd, &rc);
    ck_assert_int_eq(rc, 0);
    static const char *const needles[] = {"紫云自治县城镇老旧小区改造工作领导小组办公室",
                                          "紫改办〔2022〕1号",
                                          "工作进展情况",
                                          "主送：县人民政府、市联席会议办公室",
                                          "一、项目进度",
                                          "图1",
                                          "二、计划节点核查",
                                          "七、未按时报送的单位",
                                          "八、督查督办事项",
                                          "2022年5月14日",
                                          "抄送：领导小组各成员单位",
                                          "—1—",
                                          "—2—",
                                          "占项目户数比例",
                                          "日期（2022年）"};
    char *flat = squeezed(text);
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        if (strstr(flat, needles[i]) == NULL)
            fprintf(stderr, "pdftotext:\n%s\n", text);
        ck_assert_msg(strstr(flat, needles[i]) != NULL, "the PDF lacks %s", needles[i]);
    }
    free(flat);
    ck_assert_msg(strstr(text, "预览稿") == NULL, "an issued report marked as a preview");
    free(text);
    net_free(office, m);

    /* A preview says so on the page; the same document renders to the same bytes. */
    m = preview(office, RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-05",
                RENO__REPORT_FORMAT__REPORT_FORMAT_PDF);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__ServerMessage *m2 = preview(office, RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-05",
                                      RENO__REPORT_FORMAT__REPORT_FORMAT_PDF);
    ck_assert_str_eq(m->response->issue_report->sha256, m2->response->issue_report->sha256);
    net_free(office, m2);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(m->response->issue_report->content.data, 1, m->response->issue_report->content.len, f);
    fclose(f);
    text = run_capture(cmd, &rc);
    ck_assert_ptr_nonnull(strstr(text, "预览稿"));
    ck_assert_ptr_nonnull(strstr(text, "工作通报"));
    flat = squeezed(text);
    ck_assert_ptr_nonnull(strstr(flat, "—1—"));
    free(flat);
    free(text);
    net_free(office, m);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(refusals_store_nothing)
{
    uint8_t key[16];
    static const struct {
        Reno__ReportKind kind;
        const char *subject;
        Reno__StatusCode code;
    } bad[] = {
        {RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-15", RENO__STATUS_CODE__BAD_REQUEST},
        {RENO__REPORT_KIND__REPORT_KIND_ROUND, "2999-05-14", RENO__STATUS_CODE__BAD_REQUEST},
        {RENO__REPORT_KIND__REPORT_KIND_ROUND, "2031-05-14x", RENO__STATUS_CODE__BAD_REQUEST},
        {RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-13", RENO__STATUS_CODE__BAD_REQUEST},
        {RENO__REPORT_KIND__REPORT_KIND_EVALUATION, "abc", RENO__STATUS_CODE__BAD_REQUEST},
        {RENO__REPORT_KIND__REPORT_KIND_EVALUATION, "999999", RENO__STATUS_CODE__NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        randombytes_buf(key, sizeof key);
        Reno__ServerMessage *m =
            issue(office, key, bad[i].kind, bad[i].subject, RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
        ck_assert_msg(h_code(m) == bad[i].code, "%s: %s", bad[i].subject,
                      m->response->status->message);
        ck_assert_str_eq(m->response->status->field, "issue_report.subject");
        net_free(office, m);
    }
    /* The housing bureau reports up through the office; it does not issue itself. Looking
     * is reading: it may preview, as it reads the whole programme; a utility, which reads
     * only its own line work, may not. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    randombytes_buf(key, sizeof key);
    Reno__ServerMessage *m = issue(housing, key, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                                   RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(housing, m);
    m = preview(housing, RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(housing, m);
    net_close(housing);
    struct net_conn *power = h_login(&h_srv, H_POWER);
    m = preview(power, RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-05",
                RENO__REPORT_FORMAT__REPORT_FORMAT_MD);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(power, m);
    net_close(power);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM issued_report"), 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM idempotency"), 0);
}
END_TEST

Suite *it_report_suite(void)
{
    Suite *s = suite_create("it_report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_report_carries_the_figures_and_is_kept_as_issued);
    tcase_add_test(tc, every_format);
    tcase_add_test(tc, csv_report_neutralises_a_name_typed_as_a_formula);
    tcase_add_test(tc, closed_round_is_reported_from_its_snapshot);
    tcase_add_test(tc, notice_and_evaluation);
    tcase_add_test(tc, preview_by_default_issue_once_replace_explicitly);
    tcase_add_test(tc, pdf_is_a_printed_document_with_page_numbers);
    tcase_add_test(tc, refusals_store_nothing);
    suite_add_tcase(s, tc);
    return s;
}
