/*
 * The field operations (proto/field.proto) through the real path: client → protocol →
 * renod → PostgreSQL, checking what was stored.
 *
 *   - utility line work: the hand-off (no lines before the government's trench and
 *     ducts), who may record which part (government, utility, and only its own lines),
 *     every validation rule with its field path, the handover, and who is waited on;
 *   - residents: willingness and satisfaction surveys within the project's households,
 *     satisfaction only after completion, the public notice, the percentages;
 *   - acceptance: nothing follows before a passed acceptance, a pass needs the works
 *     completed, the file in three copies, the final audit, management and the
 *     five-dimension evaluation, and the summary per project;
 *   - retries with the same key count once; refusals write nothing;
 *   - the same operations from the `reno` command line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "it.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* The WriteReply of a write: every reply body is a pointer in the same union. */
static const Reno__WriteReply *write_reply(const Reno__ServerMessage *m)
{
    return m->response->record_line_work;
}

/* Asserts a refusal: its status code and the field path it names ("" for none). */
static void expect_refusal(struct net_conn *c, Reno__ServerMessage *m, Reno__StatusCode code,
                           const char *field)
{
    ck_assert_msg(h_code(m) == code, "expected status %d, got %d: %s (field %s)", code, h_code(m),
                  m->response->status->message, m->response->status->field);
    ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
}

/* Asserts success of a write and returns the id it wrote (not replayed). */
static int64_t expect_written(struct net_conn *c, Reno__ServerMessage *m)
{
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "refused: %s (field %s)",
                  m->response->status->message, m->response->status->field);
    const Reno__WriteReply *w = write_reply(m);
    ck_assert(!w->replayed);
    int64_t id = w->id;
    net_free(c, m);
    return id;
}

static void expect_replayed(struct net_conn *c, Reno__ServerMessage *m, int64_t id)
{
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(write_reply(m)->replayed);
    ck_assert_int_eq(write_reply(m)->id, id);
    net_free(c, m);
}

static long sql_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long sql_long(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return h_sql_long(h_db, sql);
}

/* Nothing of this area was written: no row, no idempotency record, no audit entry. */
static void expect_nothing_written(void)
{
    static const char *const tables[] = {
        "line_work",       "line_handover",        "resident_survey",
        "plan_notice",     "acceptance",           "acceptance_unit",
        "acceptance_copy", "final_audit",          "management_arrangement",
        "evaluation_item", "evaluation_conclusion"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        ck_assert_msg(sql_long("SELECT count(*) FROM %s", tables[i]) == 0, "rows in %s", tables[i]);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM idempotency WHERE operation IN "
                              "('record_line_work', 'hand_over_line', 'record_survey', "
                              "'record_notice', 'record_acceptance', 'record_file_copy', "
                              "'record_final_audit', 'set_management', 'record_evaluation')"),
                     0);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity IN ('line_work', "
                              "'line_handover', 'resident_survey', 'plan_notice', 'acceptance', "
                              "'acceptance_copy', 'final_audit', 'management_arrangement', "
                              "'evaluation_item', 'evaluation_conclusion')"),
                     0);
}

/* An account of the test database, added with the admin command (password: the username
 * followed by "-test-password", as the harness's accounts). */
static void add_account(const char *username, const char *unit, const char *role)
{
    char dbarg[128], password[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    snprintf(password, sizeof password, "%s-test-password\n", username);
    const char *argv[] = {h_bin("renod"), "--database", dbarg,        "--log-level", "warn",
                          "account",      "add",        "--username", username,      "--unit",
                          unit,           "--role",     role,         NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, password, &out, &err);
    ck_assert_msg(rc == 0, "account add %s: %s%s", username, out, err);
    free(out);
    free(err);
}

/* Every household of a project completed, as of a date, reported by the housing bureau. */
static void complete_project(long project, int households, const char *date)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, households, households);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "push: %s", m->response->status->message);
    net_free(c, m);
    net_close(c);
}

/* ---- line work -------------------------------------------------------------------------- */

struct line {
    const char *utility;
    Reno__LineSegment segment;
    Reno__LinePart part;
    double length_m;
    const char *started_on;
    const char *done_on;
    Reno__LineWorkStatus status;
};

#define INSIDE        RENO__LINE_SEGMENT__LINE_SEGMENT_INSIDE_RED_LINE
#define OUTSIDE       RENO__LINE_SEGMENT__LINE_SEGMENT_OUTSIDE_RED_LINE
#define OVERHEAD      RENO__LINE_SEGMENT__LINE_SEGMENT_OVERHEAD
#define TRENCH        RENO__LINE_PART__LINE_PART_TRENCH
#define DUCTS         RENO__LINE_PART__LINE_PART_DUCTS
#define BACKFILL      RENO__LINE_PART__LINE_PART_BACKFILL
#define LAY_LINES     RENO__LINE_PART__LINE_PART_LAY_LINES
#define OUTSIDE_WORKS RENO__LINE_PART__LINE_PART_OUTSIDE_WORKS
#define OVERHEAD_TIDY RENO__LINE_PART__LINE_PART_OVERHEAD_TIDY
#define PLANNED       RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_PLANNED
#define IN_PROGRESS   RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_IN_PROGRESS
#define DONE          RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_DONE

/* Sends RecordLineWork with the given key (NULL: a fresh one). */
static Reno__ServerMessage *record_line(struct net_conn *c, uint8_t *key, long project,
                                        struct line l)
{
    uint8_t fresh[16];
    if (key == NULL) {
        randombytes_buf(fresh, sizeof fresh);
        key = fresh;
    }
    Reno__RecordLineWork r = RENO__RECORD_LINE_WORK__INIT;
    r.idempotency_key.data = key;
    r.idempotency_key.len = 16;
    r.project_id = project;
    r.utility_code = (char *)l.utility;
    r.segment = l.segment;
    r.part = l.part;
    r.length_m = l.length_m;
    r.started_on = (char *)(l.started_on ? l.started_on : "");
    r.done_on = (char *)(l.done_on ? l.done_on : "");
    r.status = l.status;
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_LINE_WORK, &r);
}

static Reno__ServerMessage *hand_over(struct net_conn *c, long project, const char *utility,
                                      const char *on)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__HandOverLine h = RENO__HAND_OVER_LINE__INIT;
    h.idempotency_key.data = key;
    h.idempotency_key.len = 16;
    h.project_id = project;
    h.utility_code = (char *)utility;
    h.handed_over_on = (char *)on;
    return h_call_body(c, RENO__REQUEST__BODY_HAND_OVER_LINE, &h);
}

/* The listed line work of a project; the caller frees the message. */
static Reno__ServerMessage *list_lines(struct net_conn *c, long project)
{
    Reno__ListLineWork l = RENO__LIST_LINE_WORK__INIT;
    l.project_id = project;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_LINE_WORK, &l);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

static const Reno__LineWork *find_line(const Reno__ServerMessage *m, const char *utility,
                                       const char *part)
{
    const Reno__LineWorkList *list = m->response->list_line_work;
    for (size_t i = 0; i < list->n_items; i++)
        if (strcmp(list->items[i]->utility_code, utility) == 0 &&
            strcmp(list->items[i]->part, part) == 0)
            return list->items[i];
    ck_abort_msg("no line work %s %s listed", utility, part);
    return NULL;
}

START_TEST(lines_wait_for_the_governments_trench_and_ducts)
{
    long project = h_project_id(h_db, 0);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    struct net_conn *power = h_login(&h_srv, H_POWER);

    /* Nothing dug yet: the power grid may plan its lines but not start laying them. */
    Reno__ServerMessage *m = record_line(
        power, NULL, project,
        (struct line){"power-grid", INSIDE, LAY_LINES, 420, "2022-05-01", NULL, IN_PROGRESS});
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "管沟开挖 (not recorded)"));
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "管道预埋 (not recorded)"));
    expect_refusal(power, m, RENO__STATUS_CODE__BAD_REQUEST, "record_line_work.part");
    expect_nothing_written();
    int64_t lines_id =
        expect_written(power, record_line(power, NULL, project,
                                          (struct line){"power-grid", INSIDE, LAY_LINES, 420,
                                                        "2022-05-01", NULL, PLANNED}));

    /* The housing bureau digs and lays the ducts; while the ducts are in progress, the
     * lines still wait, and the refusal says for what. */
    int64_t trench_id =
        expect_written(housing, record_line(housing, NULL, project,
                                            (struct line){"power-grid", INSIDE, TRENCH, 420,
                                                          "2022-04-01", "2022-04-20", DONE}));
    int64_t ducts_id =
        expect_written(housing, record_line(housing, NULL, project,
                                            (struct line){"power-grid", INSIDE, DUCTS, 420,
                                                          "2022-04-10", NULL, IN_PROGRESS}));
    m = record_line(
        power, NULL, project,
        (struct line){"power-grid", INSIDE, LAY_LINES, 420, "2022-05-01", NULL, IN_PROGRESS});
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "管道预埋 (in_progress)"));
    ck_assert_ptr_null(strstr(m->response->status->message, "管沟开挖"));
    expect_refusal(power, m, RENO__STATUS_CODE__BAD_REQUEST, "record_line_work.part");
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work WHERE status = 'planned' AND id = "
                              "%lld",
                              (long long)lines_id),
                     1);

    m = list_lines(power, project);
    ck_assert_str_eq(find_line(m, "power-grid", "ducts")->waiting_on, "government: 管道预埋");
    ck_assert_str_eq(find_line(m, "power-grid", "lay_lines")->waiting_on, "government: 管道预埋");
    ck_assert_str_eq(find_line(m, "power-grid", "backfill")->status, "not_recorded");
    ck_assert_str_eq(find_line(m, "power-grid", "backfill")->waiting_on, "government: 覆土");
    ck_assert_str_eq(find_line(m, "power-grid", "trench")->side, "government");
    ck_assert_str_eq(find_line(m, "power-grid", "trench")->part_name, "管沟开挖");
    ck_assert_str_eq(find_line(m, "power-grid", "trench")->done_on, "2022-04-20");
    ck_assert_uint_eq(m->response->list_line_work->n_items, 5); /* all five inside parts */
    net_free(power, m);

    /* The ducts are done: the lines may start, but not on a day before that. */
    ck_assert_int_eq(
        expect_written(housing, record_line(housing, NULL, project,
                                            (struct line){"power-grid", INSIDE, DUCTS, 420,
                                                          "2022-04-10", "2022-04-25", DONE})),
        ducts_id);
    expect_refusal(power,
                   record_line(power, NULL, project,
                               (struct line){"power-grid", INSIDE, LAY_LINES, 420, "2022-04-24",
                                             NULL, IN_PROGRESS}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_line_work.started_on");
    ck_assert_int_eq(
        expect_written(power, record_line(power, NULL, project,
                                          (struct line){"power-grid", INSIDE, LAY_LINES, 415.5,
                                                        "2022-04-26", NULL, IN_PROGRESS})),
        lines_id);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work WHERE id = %lld AND status = "
                              "'in_progress' AND started_on = '2022-04-26' AND length_m = 415.5 "
                              "AND side = 'utility' AND done_on IS NULL",
                              (long long)lines_id),
                     1);
    /* One row per part; its history is in the audit log, before and after. */
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = 'line_work' AND "
                              "entity_id = %lld",
                              (long long)lines_id),
                     2);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = 'line_work' AND "
                              "entity_id = %lld AND before->>'status' = 'planned' AND "
                              "after->>'status' = 'in_progress'",
                              (long long)lines_id),
                     1);

    /* The ducts are built on now: they cannot be set back. */
    expect_refusal(housing,
                   record_line(housing, NULL, project,
                               (struct line){"power-grid", INSIDE, DUCTS, 420, "2022-04-10", NULL,
                                             IN_PROGRESS}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_line_work.status");

    /* No handover before every part is done, and never by the utility itself. */
    expect_refusal(housing, hand_over(housing, project, "power-grid", "2022-06-01"),
                   RENO__STATUS_CODE__BAD_REQUEST, "hand_over_line.handed_over_on");
    expect_written(housing, record_line(housing, NULL, project,
                                        (struct line){"power-grid", INSIDE, BACKFILL, 420,
                                                      "2022-05-10", "2022-05-20", DONE}));
    expect_written(power, record_line(power, NULL, project,
                                      (struct line){"power-grid", INSIDE, LAY_LINES, 415.5,
                                                    "2022-04-26", "2022-05-08", DONE}));
    m = list_lines(housing, project);
    ck_assert_str_eq(find_line(m, "power-grid", "lay_lines")->waiting_on, "government: 移交");
    ck_assert_str_eq(find_line(m, "power-grid", "backfill")->waiting_on, "");
    ck_assert_str_eq(find_line(m, "power-grid", "clear_old_lines")->waiting_on,
                     "南方电网紫云分公司: 废旧线路规整");
    net_free(housing, m);
    expect_refusal(power, hand_over(power, project, "power-grid", "2022-06-01"),
                   RENO__STATUS_CODE__PERMISSION_DENIED, "");
    expect_refusal(housing, hand_over(housing, project, "power-grid", "2022-05-15"),
                   RENO__STATUS_CODE__BAD_REQUEST, "hand_over_line.handed_over_on");
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_handover"), 0);
    int64_t handover_id =
        expect_written(housing, hand_over(housing, project, "power-grid", "2022-06-01"));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_handover WHERE id = %lld AND "
                              "handed_over_on = '2022-06-01' AND project_id = %ld",
                              (long long)handover_id, project),
                     1);
    m = list_lines(power, project);
    ck_assert_str_eq(find_line(m, "power-grid", "lay_lines")->waiting_on, "");
    ck_assert_str_eq(find_line(m, "power-grid", "lay_lines")->handed_over_on, "2022-06-01");
    ck_assert_int_eq(find_line(m, "power-grid", "trench")->id, trench_id);
    net_free(power, m);

    /* Handed over, the buried lines stay done. */
    expect_refusal(power,
                   record_line(power, NULL, project,
                               (struct line){"power-grid", INSIDE, LAY_LINES, 415.5, "2022-04-26",
                                             NULL, IN_PROGRESS}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_line_work.status");
    net_close(housing);
    net_close(power);
}
END_TEST

START_TEST(each_side_records_only_its_own_part)
{
    long project = h_project_id(h_db, 0);
    struct net_conn *power = h_login(&h_srv, H_POWER);
    /* Another utility's lines, whatever the part. */
    expect_refusal(
        power,
        record_line(power, NULL, project,
                    (struct line){"water-company", INSIDE, LAY_LINES, 100, NULL, NULL, PLANNED}),
        RENO__STATUS_CODE__PERMISSION_DENIED, "");
    expect_refusal(power,
                   record_line(power, NULL, project,
                               (struct line){"water-company", OUTSIDE, OUTSIDE_WORKS, 100,
                                             "2022-05-01", NULL, IN_PROGRESS}),
                   RENO__STATUS_CODE__PERMISSION_DENIED, "");
    /* The government's parts, even for its own lines. */
    Reno__ServerMessage *m = record_line(
        power, NULL, project,
        (struct line){"power-grid", INSIDE, TRENCH, 100, "2022-04-01", "2022-04-20", DONE});
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "government"));
    expect_refusal(power, m, RENO__STATUS_CODE__PERMISSION_DENIED, "");
    net_close(power);

    /* The housing bureau may not lay a utility's lines; finance and the leader nothing. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    expect_refusal(
        housing,
        record_line(housing, NULL, project,
                    (struct line){"power-grid", OVERHEAD, OVERHEAD_TIDY, 100, NULL, NULL, PLANNED}),
        RENO__STATUS_CODE__PERMISSION_DENIED, "");
    net_close(housing);
    const char *others[] = {H_FINANCE, H_LEADER};
    for (size_t i = 0; i < 2; i++) {
        struct net_conn *c = h_login(&h_srv, others[i]);
        expect_refusal(
            c,
            record_line(c, NULL, project,
                        (struct line){"power-grid", INSIDE, TRENCH, 100, NULL, NULL, PLANNED}),
            RENO__STATUS_CODE__PERMISSION_DENIED, "");
        expect_refusal(c, hand_over(c, project, "power-grid", "2022-06-01"),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");
        net_close(c);
    }
    expect_nothing_written();

    /* Its own parts outside the red line and overhead, the power grid records. */
    power = h_login(&h_srv, H_POWER);
    expect_written(power, record_line(power, NULL, project,
                                      (struct line){"power-grid", OUTSIDE, OUTSIDE_WORKS, 800,
                                                    "2022-05-01", NULL, IN_PROGRESS}));
    expect_written(power, record_line(power, NULL, project,
                                      (struct line){"power-grid", OVERHEAD, OVERHEAD_TIDY, 1200,
                                                    "2022-05-01", "2022-05-30", DONE}));
    net_close(power);
    /* The office does everything in its programme, for any utility. */
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    expect_written(office, record_line(office, NULL, project,
                                       (struct line){"water-company", OUTSIDE, OUTSIDE_WORKS, 300,
                                                     NULL, NULL, PLANNED}));
    m = list_lines(office, project);
    ck_assert_uint_eq(m->response->list_line_work->n_items, 3);
    ck_assert_str_eq(find_line(m, "water-company", "outside_works")->waiting_on,
                     "县自来水公司: 红线外线路改造");
    ck_assert_str_eq(find_line(m, "power-grid", "overhead_tidy")->waiting_on, "");
    net_free(office, m);
    net_close(office);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work"), 3);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work w JOIN unit u ON u.id = "
                              "w.utility_unit_id WHERE u.code = 'water-company' AND w.recorded_by "
                              "= (SELECT id FROM account WHERE username = 'office')"),
                     1);
}
END_TEST

START_TEST(line_work_rules_name_their_field)
{
    long project = h_project_id(h_db, 0);
    /* The office holds every right, so only the rules themselves refuse. */
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    static const struct {
        struct line line;
        long project;
        Reno__StatusCode code;
        const char *field;
    } cases[] = {
        {{"power-grid", 0, TRENCH, 1, NULL, NULL, PLANNED}, 0, 1, "segment"},
        {{"power-grid", INSIDE, 0, 1, NULL, NULL, PLANNED}, 0, 1, "part"},
        {{"power-grid", INSIDE, TRENCH, 1, NULL, NULL, 0}, 0, 1, "status"},
        {{"power-grid", INSIDE, OUTSIDE_WORKS, 1, NULL, NULL, PLANNED}, 0, 1, "part"},
        {{"power-grid", OVERHEAD, LAY_LINES, 1, NULL, NULL, PLANNED}, 0, 1, "part"},
        {{"power-grid", INSIDE, TRENCH, -1, NULL, NULL, PLANNED}, 0, 1, "length_m"},
        {{"power-grid", INSIDE, TRENCH, 100001, NULL, NULL, PLANNED}, 0, 1, "length_m"},
        {{"power-grid", INSIDE, TRENCH, 1, "2022-04-01", NULL, DONE}, 0, 1, "done_on"},
        {{"power-grid", INSIDE, TRENCH, 1, "2022-04-01", "2022-03-31", DONE}, 0, 1, "done_on"},
        {{"power-grid", INSIDE, TRENCH, 1, NULL, NULL, IN_PROGRESS}, 0, 1, "started_on"},
        {{"power-grid", INSIDE, TRENCH, 1, "2022-04-01", "2022-04-02", IN_PROGRESS},
         0,
         1,
         "done_on"},
        {{"power-grid", INSIDE, TRENCH, 1, "2022-02-30", NULL, IN_PROGRESS}, 0, 1, "started_on"},
        {{"nowhere", INSIDE, TRENCH, 1, NULL, NULL, PLANNED}, 0, 4, "utility_code"},
        {{"housing", INSIDE, TRENCH, 1, NULL, NULL, PLANNED}, 0, 1, "utility_code"},
        {{"power-grid", INSIDE, TRENCH, 1, NULL, NULL, PLANNED}, 999999, 4, "project_id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char field[64];
        snprintf(field, sizeof field, "record_line_work.%s", cases[i].field);
        Reno__ServerMessage *m =
            record_line(c, NULL, cases[i].project ? cases[i].project : project, cases[i].line);
        ck_assert_msg(h_code(m) == cases[i].code && strcmp(m->response->status->field, field) == 0,
                      "case %zu: got %d %s (%s), expected %d %s", i, h_code(m),
                      m->response->status->field, m->response->status->message, cases[i].code,
                      field);
        net_free(c, m);
    }
    expect_nothing_written();

    /* A retry with the same key is recorded once; the same key for another request is a
     * conflict. */
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    struct line trench = {"power-grid", INSIDE, TRENCH, 50, "2022-04-01", NULL, IN_PROGRESS};
    int64_t id = expect_written(c, record_line(c, key, project, trench));
    expect_replayed(c, record_line(c, key, project, trench), id);
    trench.length_m = 60;
    expect_refusal(c, record_line(c, key, project, trench), RENO__STATUS_CODE__CONFLICT,
                   "record_line_work.idempotency_key");
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work"), 1);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work WHERE length_m = 50"), 1);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = 'line_work'"), 1);
    ck_assert_int_eq(
        sql_long("SELECT count(*) FROM idempotency WHERE operation = 'record_line_work'"), 1);

    /* The schema holds the rules too, whoever writes: a constraint refuses what the
     * function would. */
    char state[6];
    h_sql_exec(h_db, "UPDATE line_work SET part = 'outside_works'", state);
    ck_assert_str_eq(state, "23514");
    h_sql_exec(h_db, "UPDATE line_work SET length_m = -1", state);
    ck_assert_str_eq(state, "23514");
    h_sql_exec(h_db,
               "INSERT INTO line_work (project_id, utility_unit_id, segment, part, status, "
               "recorded_by) SELECT p.id, u.id, 'overhead', 'overhead_tidy', 'planned', a.id "
               "FROM project p, unit u, account a WHERE u.code = 'housing' AND a.username = "
               "'office' LIMIT 1",
               state);
    ck_assert_str_eq(state, "23514"); /* line work belongs to a utility */
    net_close(c);
}
END_TEST

/* ---- residents ------------------------------------------------------------------------- */

#define WILLINGNESS  RENO__SURVEY_KIND__SURVEY_KIND_WILLINGNESS
#define SATISFACTION RENO__SURVEY_KIND__SURVEY_KIND_SATISFACTION

static Reno__ServerMessage *survey(struct net_conn *c, uint8_t *key, long project,
                                   Reno__SurveyKind kind, const char *on, int asked, int agreeing)
{
    uint8_t fresh[16];
    if (key == NULL) {
        randombytes_buf(fresh, sizeof fresh);
        key = fresh;
    }
    Reno__RecordSurvey s = RENO__RECORD_SURVEY__INIT;
    s.idempotency_key.data = key;
    s.idempotency_key.len = 16;
    s.project_id = project;
    s.kind = kind;
    s.surveyed_on = (char *)on;
    s.households_asked = asked;
    s.households_agreeing = agreeing;
    s.note = "入户走访与问卷";
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_SURVEY, &s);
}

static Reno__ServerMessage *notice(struct net_conn *c, uint8_t *key, long project,
                                   const char *starts, const char *ends, int comments)
{
    uint8_t fresh[16];
    if (key == NULL) {
        randombytes_buf(fresh, sizeof fresh);
        key = fresh;
    }
    Reno__RecordNotice n = RENO__RECORD_NOTICE__INIT;
    n.idempotency_key.data = key;
    n.idempotency_key.len = 16;
    n.project_id = project;
    n.starts_on = (char *)starts;
    n.ends_on = (char *)ends;
    n.comments_received = comments;
    n.changes_made = "增设电动自行车充电设施；调整停车位布置";
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_NOTICE, &n);
}

START_TEST(residents_surveys_and_the_notice)
{
    long project = h_project_id(h_db, 0); /* 500 households */
    add_account("street", "songshan-street", "department");

    /* Only the street office (residents.write) and the office record residents' voices. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    expect_refusal(housing, survey(housing, NULL, project, WILLINGNESS, "2021-12-15", 480, 450),
                   RENO__STATUS_CODE__PERMISSION_DENIED, "");
    expect_refusal(housing, notice(housing, NULL, project, "2022-01-10", "2022-01-17", 12),
                   RENO__STATUS_CODE__PERMISSION_DENIED, "");
    net_close(housing);
    expect_nothing_written();

    struct net_conn *street = h_login(&h_srv, "street");
    /* Numbers within the project's households, and agreeing within asked. */
    expect_refusal(street, survey(street, NULL, project, WILLINGNESS, "2021-12-15", 501, 450),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_survey.households_asked");
    expect_refusal(street, survey(street, NULL, project, WILLINGNESS, "2021-12-15", 0, 0),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_survey.households_asked");
    expect_refusal(street, survey(street, NULL, project, WILLINGNESS, "2021-12-15", 480, 481),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_survey.households_agreeing");
    expect_refusal(street, survey(street, NULL, project, WILLINGNESS, "2021-12-15", 480, -1),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_survey.households_agreeing");
    expect_refusal(street, survey(street, NULL, project, 0, "2021-12-15", 480, 450),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_survey.kind");
    expect_refusal(street, survey(street, NULL, project, WILLINGNESS, "", 480, 450),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_survey.surveyed_on");
    expect_refusal(street, survey(street, NULL, 999999, WILLINGNESS, "2021-12-15", 480, 450),
                   RENO__STATUS_CODE__NOT_FOUND, "record_survey.project_id");
    /* Satisfaction is asked after completion (项目完工后). */
    Reno__ServerMessage *m = survey(street, NULL, project, SATISFACTION, "2022-11-25", 400, 380);
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "0 of 500"));
    expect_refusal(street, m, RENO__STATUS_CODE__BAD_REQUEST, "record_survey.kind");
    expect_refusal(street, notice(street, NULL, project, "2022-01-10", "2022-01-09", 12),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_notice.ends_on");
    expect_refusal(street, notice(street, NULL, project, "2022-01-10", "2022-01-17", -1),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_notice.comments_received");
    expect_nothing_written();

    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    int64_t willing =
        expect_written(street, survey(street, key, project, WILLINGNESS, "2021-12-15", 480, 450));
    expect_replayed(street, survey(street, key, project, WILLINGNESS, "2021-12-15", 480, 450),
                    willing);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM resident_survey WHERE id = %lld AND kind = "
                              "'willingness' AND surveyed_on = '2021-12-15' AND "
                              "households_asked = 480 AND households_agreeing = 450 AND note = "
                              "'入户走访与问卷'",
                              (long long)willing),
                     1);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = 'resident_survey'"),
                     1);
    /* Recorded again for the same day, the survey is corrected, not doubled. */
    ck_assert_int_eq(
        expect_written(street, survey(street, NULL, project, WILLINGNESS, "2021-12-15", 480, 460)),
        willing);
    ck_assert_int_eq(sql_long("SELECT households_agreeing FROM resident_survey"), 460);

    randombytes_buf(key, sizeof key);
    int64_t notice_id =
        expect_written(street, notice(street, key, project, "2022-01-10", "2022-01-17", 12));
    expect_replayed(street, notice(street, key, project, "2022-01-10", "2022-01-17", 12),
                    notice_id);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM plan_notice WHERE id = %lld AND ends_on = "
                              "'2022-01-17' AND comments_received = 12 AND changes_made LIKE "
                              "'增设电动自行车充电设施%%'",
                              (long long)notice_id),
                     1);

    complete_project(project, 500, "2022-11-20");
    expect_written(street, survey(street, NULL, project, SATISFACTION, "2022-11-25", 400, 380));

    Reno__ListSurveys ls = RENO__LIST_SURVEYS__INIT;
    ls.project_id = project;
    m = h_call_body(street, RENO__REQUEST__BODY_LIST_SURVEYS, &ls);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__SurveyList *list = m->response->list_surveys;
    ck_assert_uint_eq(list->n_items, 3);
    ck_assert_str_eq(list->items[0]->kind, "willingness");
    ck_assert_int_eq(list->items[0]->households, 500);
    ck_assert_double_eq_tol(list->items[0]->asked_pct, 96.0, 1e-9);    /* 480 of 500 */
    ck_assert_double_eq_tol(list->items[0]->agreeing_pct, 95.8, 1e-9); /* 460 of 480 */
    ck_assert_str_eq(list->items[1]->kind, "notice");
    ck_assert_str_eq(list->items[1]->held_on, "2022-01-10");
    ck_assert_str_eq(list->items[1]->ends_on, "2022-01-17");
    ck_assert_int_eq(list->items[1]->comments_received, 12);
    ck_assert_str_eq(list->items[2]->kind, "satisfaction");
    ck_assert_double_eq_tol(list->items[2]->agreeing_pct, 95.0, 1e-9); /* 380 of 400 */
    net_free(street, m);
    net_close(street);

    /* The schema refuses more households than the project has, whoever writes. */
    char state[6];
    h_sql_exec(h_db, "UPDATE resident_survey SET households_asked = 501", state);
    ck_assert_str_eq(state, "23514");
}
END_TEST

/* ---- acceptance ------------------------------------------------------------------------- */

#define PASSED RENO__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_PASSED
#define FAILED RENO__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_FAILED

/* The parties the joint acceptance requires (0021_parties.sql), registered for a project
 * by the housing bureau on a connection of its own, once per test and project. */
static size_t acceptance_parties(long project, int64_t ids[5])
{
    static const Reno__PartyKind kinds[] = {
        RENO__PARTY_KIND__PARTY_KIND_BUILDER, RENO__PARTY_KIND__PARTY_KIND_CONTRACTOR,
        RENO__PARTY_KIND__PARTY_KIND_SUPERVISOR, RENO__PARTY_KIND__PARTY_KIND_PROPERTY_COMPANY,
        RENO__PARTY_KIND__PARTY_KIND_OWNERS_COMMITTEE};
    static long cached_project;
    static int64_t cached[5];
    if (cached_project != project) {
        struct net_conn *h = h_login(&h_srv, H_HOUSING);
        for (size_t i = 0; i < 5; i++) {
            uint8_t key[16];
            randombytes_buf(key, sizeof key);
            Reno__AddParty a = RENO__ADD_PARTY__INIT;
            a.idempotency_key.data = key;
            a.idempotency_key.len = 16;
            a.project_id = project;
            a.kind = kinds[i];
            a.name = (char *)"示例单位";
            Reno__ServerMessage *m = h_call_body(h, RENO__REQUEST__BODY_ADD_PARTY, &a);
            ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "add_party: %s",
                          m->response->status->message);
            cached[i] = m->response->add_party->id;
            net_free(h, m);
        }
        net_close(h);
        cached_project = project;
    }
    memcpy(ids, cached, sizeof cached);
    return 5;
}

static Reno__ServerMessage *acceptance(struct net_conn *c, uint8_t *key, long project,
                                       const char *on, Reno__AcceptanceResult result,
                                       const char *const *units, const char *representatives,
                                       const char *defects)
{
    int64_t party_ids[5];
    uint8_t fresh[16];
    if (key == NULL) {
        randombytes_buf(fresh, sizeof fresh);
        key = fresh;
    }
    size_t n = 0;
    while (units[n])
        n++;
    Reno__RecordAcceptance a = RENO__RECORD_ACCEPTANCE__INIT;
    a.idempotency_key.data = key;
    a.idempotency_key.len = 16;
    a.project_id = project;
    a.accepted_on = (char *)on;
    a.result = result;
    a.n_participating_units = n;
    a.participating_units = (char **)units;
    a.resident_representatives = (char *)representatives;
    a.defects = (char *)defects;
    a.n_party_ids = acceptance_parties(project, party_ids);
    a.party_ids = party_ids;
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_ACCEPTANCE, &a);
}

static Reno__ServerMessage *file_copy(struct net_conn *c, long project,
                                      Reno__AcceptanceCopyHolder holder, const char *held_by,
                                      const char *on)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__RecordFileCopy f = RENO__RECORD_FILE_COPY__INIT;
    f.idempotency_key.data = key;
    f.idempotency_key.len = 16;
    f.project_id = project;
    f.holder = holder;
    f.held_by = (char *)held_by;
    f.filed_on = (char *)on;
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_FILE_COPY, &f);
}

static Reno__ServerMessage *final_audit(struct net_conn *c, uint8_t *key, long project,
                                        const char *on, double amount, const char *auditor)
{
    uint8_t fresh[16];
    if (key == NULL) {
        randombytes_buf(fresh, sizeof fresh);
        key = fresh;
    }
    Reno__RecordFinalAudit f = RENO__RECORD_FINAL_AUDIT__INIT;
    f.idempotency_key.data = key;
    f.idempotency_key.len = 16;
    f.project_id = project;
    f.audited_on = (char *)on;
    f.audited_amount = amount;
    f.auditor = (char *)auditor;
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_FINAL_AUDIT, &f);
}

static Reno__ServerMessage *management(struct net_conn *c, long project, Reno__ManagementMode mode,
                                       const char *provider, const char *on)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__SetManagement s = RENO__SET_MANAGEMENT__INIT;
    s.idempotency_key.data = key;
    s.idempotency_key.len = 16;
    s.project_id = project;
    s.mode = mode;
    s.provider = (char *)provider;
    s.starts_on = (char *)on;
    return h_call_body(c, RENO__REQUEST__BODY_SET_MANAGEMENT, &s);
}

struct dimension {
    Reno__EvaluationDimension dimension;
    int score;
    double value;
    int households;
    const char *note;
    const char *conclusion;
    const char *reported_on;
};

static Reno__ServerMessage *evaluation(struct net_conn *c, long project, const char *on,
                                       struct dimension d)
{
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    Reno__RecordEvaluation e = RENO__RECORD_EVALUATION__INIT;
    e.idempotency_key.data = key;
    e.idempotency_key.len = 16;
    e.project_id = project;
    e.evaluated_on = (char *)on;
    e.dimension = d.dimension;
    e.score = d.score;
    e.value = d.value;
    e.households = d.households;
    e.note = (char *)(d.note ? d.note : "");
    e.conclusion = (char *)(d.conclusion ? d.conclusion : "");
    e.reported_on = (char *)(d.reported_on ? d.reported_on : "");
    return h_call_body(c, RENO__REQUEST__BODY_RECORD_EVALUATION, &e);
}

#define AREA      RENO__EVALUATION_DIMENSION__EVALUATION_DIMENSION_AREA_HOUSEHOLDS
#define CONTENT   RENO__EVALUATION_DIMENSION__EVALUATION_DIMENSION_CONTENT
#define STANDARDS RENO__EVALUATION_DIMENSION__EVALUATION_DIMENSION_STANDARDS
#define FUNDS     RENO__EVALUATION_DIMENSION__EVALUATION_DIMENSION_MATCHING_FUNDS
#define MANAGE    RENO__EVALUATION_DIMENSION__EVALUATION_DIMENSION_MANAGEMENT

static const char *const joint_units[] = {"housing", "songshan-street", "power-grid",
                                          "water-company", NULL};
static const char *const representatives = "业主委员会主任王某、居民代表李某";

START_TEST(nothing_follows_before_a_passed_acceptance)
{
    long project = h_project_id(h_db, 0);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    /* Final audit, file copies and evaluation all wait for a passed acceptance. */
    Reno__ServerMessage *m =
        final_audit(c, NULL, project, "2022-12-10", 12345678.9, "某会计师事务所");
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "验收合格后"));
    expect_refusal(c, m, RENO__STATUS_CODE__BAD_REQUEST, "record_final_audit.project_id");
    expect_refusal(c,
                   file_copy(c, project,
                             RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_COMMUNITY,
                             "社区居委会", "2022-12-01"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_file_copy.project_id");
    expect_refusal(
        c,
        evaluation(c, project, "2022-12-20", (struct dimension){.dimension = CONTENT, .score = 90}),
        RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.project_id");
    /* A pass needs the works completed; the progress reports say none are. */
    m = acceptance(c, NULL, project, "2022-11-28", PASSED, joint_units, representatives, "");
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "0 of 500"));
    expect_refusal(c, m, RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.result");
    /* The acceptance's own rules. */
    expect_refusal(
        c, acceptance(c, NULL, project, "2022-11-10", FAILED, joint_units, representatives, ""),
        RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.defects");
    expect_refusal(c, acceptance(c, NULL, project, "2022-11-10", FAILED, joint_units, "", "漏水"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.resident_representatives");
    expect_refusal(c,
                   acceptance(c, NULL, project, "2022-11-10", FAILED, (const char *const[]){NULL},
                              representatives, "漏水"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.participating_units");
    expect_refusal(c,
                   acceptance(c, NULL, project, "2022-11-10", FAILED,
                              (const char *const[]){"housing", "nowhere", NULL}, representatives,
                              "漏水"),
                   RENO__STATUS_CODE__NOT_FOUND, "record_acceptance.participating_units");
    expect_refusal(
        c, acceptance(c, NULL, project, "2022-11-10", 0, joint_units, representatives, "漏水"),
        RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.result");
    expect_refusal(c,
                   acceptance(c, NULL, project, "", FAILED, joint_units, representatives, "漏水"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.accepted_on");
    net_close(c);
    /* Units without acceptance.write are refused. */
    const char *others[] = {H_FINANCE, H_POWER, H_LEADER};
    for (size_t i = 0; i < 3; i++) {
        c = h_login(&h_srv, others[i]);
        expect_refusal(c,
                       acceptance(c, NULL, project, "2022-11-10", FAILED, joint_units,
                                  representatives, "漏水"),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");
        expect_refusal(c,
                       management(c, project,
                                  RENO__MANAGEMENT_MODE__MANAGEMENT_MODE_PROPERTY_COMPANY,
                                  "某物业公司", "2022-12-01"),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");
        net_close(c);
    }
    expect_nothing_written();
}
END_TEST

START_TEST(acceptance_copies_audit_management_and_evaluation)
{
    long project = h_project_id(h_db, 0);
    long other = h_project_id(h_db, 1);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);

    /* A failed acceptance first, with its defects; then the works are completed and the
     * project passes. */
    int64_t failed =
        expect_written(c, acceptance(c, NULL, project, "2022-11-10", FAILED, joint_units,
                                     representatives, "3号楼屋面渗水；消防通道未贯通"));
    complete_project(project, 500, "2022-11-20");
    uint8_t key[16];
    randombytes_buf(key, sizeof key);
    int64_t passed = expect_written(
        c, acceptance(c, key, project, "2022-11-28", PASSED, joint_units, representatives, ""));
    expect_replayed(
        c, acceptance(c, key, project, "2022-11-28", PASSED, joint_units, representatives, ""),
        passed);
    ck_assert_int_ne(passed, failed);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM acceptance WHERE id = %lld AND result = "
                              "'passed' AND accepted_on = '2022-11-28' AND "
                              "resident_representatives = '%s'",
                              (long long)passed, representatives),
                     1);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM acceptance_unit WHERE acceptance_id = %lld",
                              (long long)passed),
                     4);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = 'acceptance'"), 2);
    /* A project passes once. */
    expect_refusal(
        c, acceptance(c, NULL, project, "2022-11-29", PASSED, joint_units, representatives, ""),
        RENO__STATUS_CODE__CONFLICT, "record_acceptance.accepted_on");

    /* The file in three copies, none before the acceptance. */
    expect_refusal(c,
                   file_copy(c, project,
                             RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_COMMUNITY,
                             "社区居委会", "2022-11-27"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_file_copy.filed_on");
    expect_refusal(c, file_copy(c, project, 0, "社区居委会", "2022-11-30"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_file_copy.holder");
    expect_refusal(c,
                   file_copy(c, project,
                             RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_COMMUNITY, "",
                             "2022-11-30"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_file_copy.held_by");
    expect_written(
        c, file_copy(c, project,
                     RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_SELF_MANAGEMENT_GROUP,
                     "示例小区一自管小组", "2022-11-30"));
    expect_written(c, file_copy(c, project,
                                RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_COMMUNITY,
                                "社区居委会", "2022-11-30"));
    Reno__ListAcceptance la = RENO__LIST_ACCEPTANCE__INIT;
    la.project_id = project;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_ACCEPTANCE, &la);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->list_acceptance->items[0]->copies_held, 2);
    ck_assert_str_eq(m->response->list_acceptance->items[0]->next_step,
                     "验收材料: 县住房和城乡建设局; 决算审计; 长效管理; 绩效评估 0/5");
    net_free(c, m);
    int64_t bureau_copy = expect_written(
        c,
        file_copy(c, project, RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_HOUSING_BUREAU,
                  "档案室", "2022-12-01"));
    /* One copy per holder: recorded again, it is corrected. */
    ck_assert_int_eq(
        expect_written(
            c, file_copy(c, project,
                         RENO__ACCEPTANCE_COPY_HOLDER__ACCEPTANCE_COPY_HOLDER_HOUSING_BUREAU,
                         "城建档案馆", "2022-12-02")),
        bureau_copy);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM acceptance_copy"), 3);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM acceptance_copy WHERE holder = "
                              "'housing_bureau' AND held_by = '城建档案馆'"),
                     1);

    /* With copies recorded, the pass cannot be turned into a failure. */
    expect_refusal(
        c, acceptance(c, NULL, project, "2022-11-28", FAILED, joint_units, representatives, "返工"),
        RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.result");

    /* The final audit: after the acceptance, an amount >= 0 and an auditor. */
    expect_refusal(c, final_audit(c, NULL, project, "2022-11-27", 100, "某会计师事务所"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_final_audit.audited_on");
    expect_refusal(c, final_audit(c, NULL, project, "2022-12-10", -1, "某会计师事务所"),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_final_audit.audited_amount");
    expect_refusal(c, final_audit(c, NULL, project, "2022-12-10", 100, ""),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_final_audit.auditor");
    randombytes_buf(key, sizeof key);
    int64_t audit = expect_written(
        c, final_audit(c, key, project, "2022-12-10", 12345678.9, "贵州某会计师事务所"));
    expect_replayed(c, final_audit(c, key, project, "2022-12-10", 12345678.9, "贵州某会计师事务所"),
                    audit);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM final_audit WHERE id = %lld AND "
                              "audited_amount = 12345678.90 AND acceptance_id = %lld",
                              (long long)audit, (long long)passed),
                     1);

    /* Long-term management. */
    expect_refusal(c, management(c, project, 0, "某物业公司", "2022-12-01"),
                   RENO__STATUS_CODE__BAD_REQUEST, "set_management.mode");
    expect_refusal(c,
                   management(c, project, RENO__MANAGEMENT_MODE__MANAGEMENT_MODE_PROPERTY_COMPANY,
                              "", "2022-12-01"),
                   RENO__STATUS_CODE__BAD_REQUEST, "set_management.provider");
    expect_written(c, management(c, project, RENO__MANAGEMENT_MODE__MANAGEMENT_MODE_COMMUNITY,
                                 "示例社区居委会", "2022-12-01"));
    int64_t arrangement = expect_written(
        c, management(c, project, RENO__MANAGEMENT_MODE__MANAGEMENT_MODE_PROPERTY_COMPANY,
                      "紫云某物业服务有限公司", "2022-12-15"));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM management_arrangement WHERE id = %lld AND "
                              "mode = 'property_company' AND starts_on = '2022-12-15'",
                              (long long)arrangement),
                     1);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = "
                              "'management_arrangement' AND before->>'mode' = 'community'"),
                     1);

    /* The evaluation, dimension by dimension. */
    const char *on = "2022-12-20";
    expect_refusal(
        c,
        evaluation(c, project, "2022-11-27", (struct dimension){.dimension = CONTENT, .score = 90}),
        RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.evaluated_on");
    expect_refusal(c, evaluation(c, project, on, (struct dimension){.score = 90}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.dimension");
    expect_refusal(
        c, evaluation(c, project, on, (struct dimension){.dimension = CONTENT, .score = 101}),
        RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.score");
    expect_refusal(c,
                   evaluation(c, project, on,
                              (struct dimension){.dimension = CONTENT, .score = 90, .value = 5}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.value");
    expect_refusal(
        c,
        evaluation(
            c, project, on,
            (struct dimension){.dimension = AREA, .score = 90, .value = 36000, .households = 501}),
        RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.households");
    expect_refusal(
        c,
        evaluation(c, project, on,
                   (struct dimension){.dimension = CONTENT, .score = 90, .households = 10}),
        RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.households");
    expect_refusal(c,
                   evaluation(c, project, on,
                              (struct dimension){
                                  .dimension = CONTENT, .score = 90, .reported_on = "2022-12-25"}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.reported_on");
    expect_written(c, evaluation(c, project, on,
                                 (struct dimension){.dimension = AREA,
                                                    .score = 95,
                                                    .value = 36000,
                                                    .households = 500,
                                                    .note = "改造建筑面积3.6万平方米"}));
    expect_written(c, evaluation(c, project, on,
                                 (struct dimension){.dimension = CONTENT,
                                                    .score = 88,
                                                    .note = "基础类、完善类全部完成"}));
    expect_written(
        c, evaluation(c, project, on, (struct dimension){.dimension = STANDARDS, .score = 90}));
    m = evaluation(c, project, on,
                   (struct dimension){.dimension = FUNDS,
                                      .score = 80,
                                      .value = 2000000,
                                      .note = "配套资金到位200万元",
                                      .conclusion = "良好"});
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "4 of 5"));
    expect_refusal(c, m, RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.conclusion");
    expect_written(c, evaluation(c, project, on,
                                 (struct dimension){.dimension = FUNDS,
                                                    .score = 80,
                                                    .value = 2000000,
                                                    .note = "配套资金到位200万元"}));
    expect_written(c, evaluation(c, project, on,
                                 (struct dimension){.dimension = MANAGE,
                                                    .score = 92,
                                                    .note = "引入专业化物业管理",
                                                    .conclusion = "良好"}));
    expect_refusal(c,
                   evaluation(c, project, on,
                              (struct dimension){.dimension = MANAGE,
                                                 .score = 92,
                                                 .note = "引入专业化物业管理",
                                                 .reported_on = "2022-12-19"}),
                   RENO__STATUS_CODE__BAD_REQUEST, "record_evaluation.reported_on");
    expect_written(c, evaluation(c, project, "2022-12-22",
                                 (struct dimension){.dimension = MANAGE,
                                                    .score = 92,
                                                    .note = "引入专业化物业管理",
                                                    .reported_on = "2022-12-28"}));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM evaluation_item"), 5);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM evaluation_conclusion WHERE conclusion = "
                              "'良好' AND concluded_on = '2022-12-20' AND reported_on = "
                              "'2022-12-28'"),
                     1);

    la.project_id = 0;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_ACCEPTANCE, &la);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__AcceptanceStatusList *list = m->response->list_acceptance;
    ck_assert_uint_eq(list->n_items, 2);
    const Reno__AcceptanceStatus *a = list->items[0];
    ck_assert_int_eq(a->project_id, project);
    ck_assert_str_eq(a->result, "passed");
    ck_assert_str_eq(a->accepted_on, "2022-11-28");
    ck_assert_str_eq(a->participating_units,
                     "县住房和城乡建设局、南方电网紫云分公司、松山街道办事处、县自来水公司");
    ck_assert_int_eq(a->copies_held, 3);
    ck_assert_int_eq(a->copies_required, 3);
    ck_assert_str_eq(a->final_audit_on, "2022-12-10");
    ck_assert_double_eq_tol(a->audited_amount, 12345678.9, 1e-6);
    ck_assert_str_eq(a->management_mode, "property_company");
    ck_assert_str_eq(a->management_provider, "紫云某物业服务有限公司");
    ck_assert_int_eq(a->dimensions_evaluated, 5);
    ck_assert_double_eq_tol(a->evaluation_score, 89.0, 1e-9); /* (95+88+90+80+92)/5 */
    ck_assert_str_eq(a->evaluation_conclusion, "良好");
    ck_assert_str_eq(a->reported_on, "2022-12-28");
    ck_assert_str_eq(a->next_step, "");
    ck_assert_int_eq(list->items[1]->project_id, other);
    ck_assert_str_eq(list->items[1]->result, "");
    ck_assert_str_eq(list->items[1]->next_step, "联合竣工验收");
    net_free(c, m);

    Reno__ListEvaluation le = RENO__LIST_EVALUATION__INIT;
    le.project_id = project;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_EVALUATION, &le);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__EvaluationList *ev = m->response->list_evaluation;
    ck_assert_uint_eq(ev->n_items, 5);
    ck_assert_str_eq(ev->items[0]->dimension, "area_households");
    ck_assert_str_eq(ev->items[0]->dimension_name, "改造面积和户数");
    ck_assert_int_eq(ev->items[0]->households, 500);
    ck_assert_double_eq_tol(ev->items[0]->value, 36000, 1e-9);
    ck_assert_str_eq(ev->items[3]->dimension, "matching_funds");
    ck_assert_str_eq(ev->items[4]->evaluated_on, "2022-12-22");
    net_free(c, m);
    net_close(c);

    /* The schema keeps what follows a pass tied to it, whoever writes. */
    char state[6];
    h_sql_exec(h_db,
               "UPDATE acceptance SET result = 'failed', defects = 'x' WHERE result = 'passed'",
               state);
    ck_assert_str_eq(state, "23503");
}
END_TEST

/* ---- the command line ------------------------------------------------------------------ */

static char home[128];
static char env_xdg[200];
static char env_server[120];

static int reno(char **out, const char *const *args)
{
    const char *argv[40];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 39; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    char *err = NULL;
    int rc = h_run(argv, env, NULL, out, &err);
    /* Refusals are printed on stderr: keep both for the assertions. */
    size_t len = strlen(*out) + strlen(err) + 1;
    char *both = malloc(len);
    ck_assert_ptr_nonnull(both);
    snprintf(both, len, "%s%s", *out, err);
    free(*out);
    free(err);
    *out = both;
    return rc;
}

static void cli_login(const char *user)
{
    char password[128];
    snprintf(password, sizeof password, "%s-test-password\n", user);
    const char *argv[] = {h_bin("reno"), "login", "--user", user, "--password-stdin", NULL};
    const char *env[] = {env_xdg, env_server, NULL};
    char *out, *err;
    int rc = h_run(argv, env, password, &out, &err);
    ck_assert_msg(rc == 0, "login %s: %s%s", user, out, err);
    free(out);
    free(err);
}

static void cli_setup(void)
{
    h_fixture_setup();
    snprintf(home, sizeof home, "/tmp/reno-it-field.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
}

static void cli_teardown(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
    h_fixture_teardown();
}

START_TEST(line_work_from_the_command_line)
{
    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    char *out;
    cli_login(H_POWER);
    int rc = reno(&out,
                  (const char *const[]){"line", "record", "--project-id", project, "--utility-code",
                                        "power-grid", "--segment", "inside_red_line", "--part",
                                        "trench", "--status", "planned", NULL});
    ck_assert_int_eq(rc, 13); /* the government's part */
    ck_assert_ptr_nonnull(strstr(out, "PERMISSION_DENIED"));
    free(out);
    rc = reno(&out, (const char *const[]){
                        "line", "record", "--project-id", project, "--utility-code", "power-grid",
                        "--segment", "inside_red_line", "--part", "lay_lines", "--status",
                        "in_progress", "--started-on", "2022-05-01", "--length-m", "420", NULL});
    ck_assert_int_eq(rc, 11); /* waits for the trench and ducts */
    ck_assert_ptr_nonnull(strstr(out, "(option --part)"));
    free(out);

    cli_login(H_HOUSING);
    const char *key = "00112233445566778899aabbccddeeff";
    const char *trench[] = {"line",
                            "record",
                            "--project-id",
                            project,
                            "--utility-code",
                            "power-grid",
                            "--segment",
                            "inside_red_line",
                            "--part",
                            "trench",
                            "--status",
                            "done",
                            "--started-on",
                            "2022-04-01",
                            "--done-on",
                            "2022-04-20",
                            "--length-m",
                            "420",
                            "--key",
                            key,
                            NULL};
    rc = reno(&out, trench);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "recorded"));
    ck_assert_ptr_null(strstr(out, "replayed"));
    free(out);
    rc = reno(&out, trench);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "replayed"));
    free(out);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM line_work"), 1);

    rc = reno(&out, (const char *const[]){"line", "list", "--project-id", project, NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "管沟开挖"));
    ck_assert_ptr_nonnull(strstr(out, "government: 管道预埋"));
    ck_assert_ptr_nonnull(strstr(out, "(5 rows)"));
    free(out);
    rc = reno(&out, (const char *const[]){"--json", "line", "list", "--project-id", project, NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "\"waiting_on\":\"government: 覆土\""));
    free(out);
    rc = reno(&out, (const char *const[]){"acceptance", "show", NULL});
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "联合竣工验收"));
    free(out);
    rc = reno(&out, (const char *const[]){"line", "record", "--help", NULL});
    ck_assert_int_eq(rc, 0);
    /* Required, then its sentence with the allowed values (a pipe: one whole line). */
    ck_assert_ptr_nonnull(strstr(out, "--part VALUE *\n      part, one of: trench, ducts, "
                                      "backfill, lines laid (lay_lines), old lines cleared "
                                      "(clear_old_lines)"));
    ck_assert_ptr_nonnull(strstr(out, "overhead lines tidied (overhead_tidy)"));
    free(out);
}
END_TEST

Suite *it_field_suite(void)
{
    Suite *s = suite_create("it_field");
    TCase *tc = tcase_create("field");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, lines_wait_for_the_governments_trench_and_ducts);
    tcase_add_test(tc, each_side_records_only_its_own_part);
    tcase_add_test(tc, line_work_rules_name_their_field);
    tcase_add_test(tc, residents_surveys_and_the_notice);
    tcase_add_test(tc, nothing_follows_before_a_passed_acceptance);
    tcase_add_test(tc, acceptance_copies_audit_management_and_evaluation);
    suite_add_tcase(s, tc);
    TCase *cli = tcase_create("field_cli");
    tcase_add_checked_fixture(cli, cli_setup, cli_teardown);
    tcase_set_timeout(cli, 120);
    tcase_add_test(cli, line_work_from_the_command_line);
    suite_add_tcase(s, cli);
    return s;
}
