/*
 * The roll-up brought up to date by project (server/status.c status_update and
 * server/status_splice.c): after each kind of write, the status renod holds for today,
 * read with GetStatus at the write's position, must be byte for byte the status a renod
 * that just started computes from scratch at the same position (computed_at cleared),
 * and a write that names one project must have been applied by reading that project
 * only (renod's log says so). Then a seeded random sequence of mixed writes, and forged
 * notifications, which may make renod refresh but never make it wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it.h"

static struct net_conn *office, *housing, *finance, *power;
static long p0, p1;

static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
    housing = h_login(&h_srv, H_HOUSING);
    finance = h_login(&h_srv, H_FINANCE);
    power = h_login(&h_srv, H_POWER);
    p0 = h_project_id(h_db, 0);
    p1 = h_project_id(h_db, 1);
}

static void teardown(void)
{
    net_close(office);
    net_close(housing);
    net_close(finance);
    net_close(power);
    h_fixture_teardown();
}

/* ---- comparing the held status with a fresh one ----------------------------------------- */

static int64_t newest_position(void)
{
    return h_sql_long(h_db, "SELECT COALESCE(max(id), 0) FROM audit_log");
}

/* Today's status from a server at position `position` or later, every project on one
 * page; the caller frees it with net_free(c, ...). */
static Reno__ServerMessage *status_at(struct net_conn *c, int64_t position)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.min_position = position;
    gs.page_size = 1000;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "GetStatus: %s",
                  m->response->status->message);
    return m;
}

static uint8_t *packed(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(buf);
    protobuf_c_message_pack(m, buf);
    return buf;
}

static bool same_message(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la, lb;
    uint8_t *pa = packed(a, &la), *pb = packed(b, &lb);
    bool same = la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

/* Names the first field (and row) where the two differ, for the failure message. */
static void first_difference(const Reno__StatusReply *a, const Reno__StatusReply *b, char *out,
                             size_t size)
{
    const ProtobufCMessageDescriptor *d = &reno__status_reply__descriptor;
    snprintf(out, size, "(a scalar field)");
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            ProtobufCMessage *const *ra =
                *(ProtobufCMessage *const *const *)((const char *)a + f->offset);
            ProtobufCMessage *const *rb =
                *(ProtobufCMessage *const *const *)((const char *)b + f->offset);
            if (na != nb) {
                snprintf(out, size, "%s: %zu rows held, %zu computed", f->name, na, nb);
                return;
            }
            for (size_t k = 0; k < na; k++)
                if (!same_message(ra[k], rb[k])) {
                    snprintf(out, size, "%s: row %zu", f->name, k);
                    return;
                }
        } else {
            const ProtobufCMessage *ma = *(ProtobufCMessage *const *)((const char *)a + f->offset);
            const ProtobufCMessage *mb = *(ProtobufCMessage *const *)((const char *)b + f->offset);
            if ((ma == NULL) != (mb == NULL) || (ma && !same_message(ma, mb))) {
                snprintf(out, size, "%s", f->name);
                return;
            }
        }
    }
}

/* How many refreshes renod's log shows that read only some projects again. */
static int updates_logged(void)
{
    FILE *f = fopen(h_srv.log_path, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "rollup:") != NULL && strstr(line, "updated in") != NULL;
    fclose(f);
    return n;
}

/* The status held by h_srv at the newest position equals, field by field, the status a
 * renod started now computes from nothing at that position. */
static void assert_held_is_fresh(const char *after)
{
    int64_t position = newest_position();
    Reno__ServerMessage *held = status_at(office, position);

    struct h_server fresh;
    h_server_start(&fresh, h_db, NULL);
    struct net_conn *c = h_login(&fresh, H_OFFICE);
    Reno__ServerMessage *full = status_at(c, position);

    Reno__StatusReply *a = held->response->status_reply, *b = full->response->status_reply;
    ck_assert_msg(a->position == position && b->position == position,
                  "after %s: positions %lld held, %lld computed, %lld committed", after,
                  (long long)a->position, (long long)b->position, (long long)position);
    a->computed_at = b->computed_at = 0;
    if (!same_message(&a->base, &b->base)) {
        char where[200];
        first_difference(a, b, where, sizeof where);
        ck_abort_msg("after %s the status held differs from one computed afresh: %s", after, where);
    }
    net_free(c, full);
    net_close(c);
    net_free(office, held);
    ck_assert_int_eq(h_server_stop(&fresh), 0);
}

/* Waits until h_srv holds the newest position, so that the next write is a change of its
 * own (not coalesced with this one). */
static void settle(void)
{
    Reno__ServerMessage *m = status_at(office, newest_position());
    net_free(office, m);
}

/* ---- writes, each through the protocol ------------------------------------------------- */

static void ok(Reno__ServerMessage *m, struct net_conn *c, const char *what)
{
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s: %s", what, m->response->status->message);
    net_free(c, m);
}

static void push(long project, const char *date, int started, int completed)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, started, completed);
    ok(h_call(office, &req), office, "push progress");
}

static void allocate(long project, Reno__FundSource source, double amount)
{
    uint8_t key[16];
    Reno__AllocateFunds a = RENO__ALLOCATE_FUNDS__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = project;
    a.source = source;
    a.amount = amount;
    a.allocated_on = "2022-03-02";
    a.document_ref = "黔财建〔2022〕12号";
    ok(h_call_body(finance, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a), finance, "allocate funds");
}

static void contract(long project, Reno__ContractKind kind, double amount)
{
    uint8_t key[16];
    Reno__AddContract a = RENO__ADD_CONTRACT__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = project;
    a.kind = kind;
    a.counterparty = "某建设公司";
    a.awarded_on = "2022-03-10";
    a.amount = amount;
    a.tender_method = "公开招标";
    ok(h_call_body(housing, RENO__REQUEST__BODY_ADD_CONTRACT, &a), housing, "add contract");
}

static void survey(long project, Reno__SurveyKind kind, const char *on, int asked, int agreeing)
{
    uint8_t key[16];
    Reno__RecordSurvey s = RENO__RECORD_SURVEY__INIT;
    h_new_key(&s.idempotency_key, key);
    s.project_id = project;
    s.kind = kind;
    s.surveyed_on = (char *)on;
    s.households_asked = asked;
    s.households_agreeing = agreeing;
    ok(h_call_body(office, RENO__REQUEST__BODY_RECORD_SURVEY, &s), office, "record survey");
}

static void line_part(long project, Reno__LinePart part)
{
    uint8_t key[16];
    Reno__RecordLineWork w = RENO__RECORD_LINE_WORK__INIT;
    h_new_key(&w.idempotency_key, key);
    w.project_id = project;
    w.utility_code = "power-grid";
    w.segment = RENO__LINE_SEGMENT__LINE_SEGMENT_INSIDE_RED_LINE;
    w.part = part;
    w.length_m = 120;
    w.started_on = "2022-04-01";
    w.done_on = "2022-04-20";
    w.status = RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_DONE;
    ok(h_call_body(housing, RENO__REQUEST__BODY_RECORD_LINE_WORK, &w), housing, "line work");
}

static void milestone(long project, const char *code, const char *on)
{
    uint8_t key[16];
    Reno__MarkMilestone mm = RENO__MARK_MILESTONE__INIT;
    h_new_key(&mm.idempotency_key, key);
    mm.project_id = project;
    mm.milestone_code = (char *)code;
    mm.done_on = (char *)on;
    mm.evidence = "现场核实";
    mm.document_number = "紫发改投资〔2022〕11号";
    mm.document_date = (char *)on;
    mm.issuing_unit = "紫云自治县发展和改革局";
    ok(h_call_body(office, RENO__REQUEST__BODY_MARK_MILESTONE, &mm), office, "mark milestone");
}

static void round_report(long project, const char *round, int started)
{
    uint8_t key[16];
    Reno__SubmitRoundReport rr = RENO__SUBMIT_ROUND_REPORT__INIT;
    h_new_key(&rr.idempotency_key, key);
    rr.project_id = project;
    rr.round_date = (char *)round;
    rr.households_started = started;
    rr.investment_completed = 1000;
    rr.reported_on = (char *)round;
    ok(h_call_body(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &rr), housing, "round report");
}

static void add_party(long project)
{
    uint8_t key[16];
    Reno__AddParty a = RENO__ADD_PARTY__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = project;
    a.kind = RENO__PARTY_KIND__PARTY_KIND_RESIDENTS_COMMITTEE;
    a.name = "某社区居民委员会";
    a.contact = "张某 0851-0000000";
    ok(h_call_body(housing, RENO__REQUEST__BODY_ADD_PARTY, &a), housing, "add party");
}

static long create_project(const char *name, int households)
{
    uint8_t key[16];
    Reno__CreateProject cp = RENO__CREATE_PROJECT__INIT;
    h_new_key(&cp.idempotency_key, key);
    cp.name = (char *)name;
    cp.community = (char *)name;
    cp.households = households;
    cp.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
    ok(h_call_body(office, RENO__REQUEST__BODY_CREATE_PROJECT, &cp), office, "create project");
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT id FROM project WHERE name = '%s'", name);
    return h_sql_long(h_db, sql);
}

static void task(const char *title)
{
    uint8_t key[16];
    Reno__CreateTask t = RENO__CREATE_TASK__INIT;
    h_new_key(&t.idempotency_key, key);
    t.unit_code = "housing";
    t.title = (char *)title;
    t.deadline = "2022-06-30";
    t.source = "工作方案 六(四)";
    ok(h_call_body(office, RENO__REQUEST__BODY_CREATE_TASK, &t), office, "create task");
}

/* One project-scoped write, which must be applied by reading that project again. */
#define PROJECT_WRITE(what, call)                                                                  \
    do {                                                                                           \
        int before = updates_logged();                                                             \
        call;                                                                                      \
        settle();                                                                                  \
        ck_assert_msg(updates_logged() > before, "%s was not applied by project", what);           \
    } while (0)

/* Compared after every two or three writes rather than each: a fresh renod per
 * comparison is what this suite's time goes to. */
START_TEST(each_kind_of_write_is_applied_by_project_and_equals_a_full_recompute)
{
    settle(); /* the roll-up holds the programme */
    PROJECT_WRITE("a progress push", push(p0, "2022-04-15", 120, 10));
    PROJECT_WRITE("a milestone", milestone(p0, "feasibility", "2022-02-20"));
    assert_held_is_fresh("a progress push and a milestone");
    PROJECT_WRITE("an allocation",
                  allocate(p1, RENO__FUND_SOURCE__FUND_SOURCE_PROVINCIAL_SUBSIDY, 250000.55));
    PROJECT_WRITE("another source",
                  allocate(p0, RENO__FUND_SOURCE__FUND_SOURCE_COUNTY_FUND, 1000.10));
    PROJECT_WRITE("a contract",
                  contract(p1, RENO__CONTRACT_KIND__CONTRACT_KIND_SUPERVISION, 33333.33));
    assert_held_is_fresh("allocations and a contract");
    PROJECT_WRITE("line work", line_part(p0, RENO__LINE_PART__LINE_PART_TRENCH));
    PROJECT_WRITE("a survey",
                  survey(p1, RENO__SURVEY_KIND__SURVEY_KIND_WILLINGNESS, "2022-01-25", 30, 29));
    PROJECT_WRITE("a round report", round_report(p1, "2022-05-14", 50));
    assert_held_is_fresh("line work, a survey and a round report");
    PROJECT_WRITE("a party", add_party(p1));
    PROJECT_WRITE("a new project", create_project("增量测试小区", 77));
    assert_held_is_fresh("a party and a new project");
    /* Not one project's: everything is computed again, and still equal. */
    task("增量测试督办");
    assert_held_is_fresh("a supervision item");
}
END_TEST

START_TEST(a_random_sequence_of_writes_equals_a_full_recompute)
{
    settle();
    unsigned seed = (unsigned)h_now_s();
    fprintf(stderr, "incremental: seed %u\n", seed);
    srand(seed);
    int started[2] = {0, 0};
    for (int i = 0; i < 24; i++) {
        long project = rand() % 2 ? p1 : p0;
        int k = project == p1;
        switch (rand() % 5) {
        case 0:
            started[k] += 1 + rand() % 9;
            push(project, "2022-05-01", started[k], started[k] / 2);
            break;
        case 1:
            allocate(project, (Reno__FundSource)(1 + rand() % 9), (rand() % 100000) / 100.0 + 1);
            break;
        case 2:
            contract(project, (Reno__ContractKind)(1 + rand() % 5), (rand() % 1000000) / 100.0);
            break;
        case 3:
            survey(project, RENO__SURVEY_KIND__SURVEY_KIND_WILLINGNESS, "2022-01-20",
                   10 + rand() % 20, rand() % 10);
            break;
        default:
            push(project, "2022-03-31", 0, 0);
            break;
        }
        /* Sometimes at once, sometimes once the roll-up has it: both coalesced updates
         * and updates of one write are exercised. */
        if (rand() % 3 == 0)
            settle();
        if (i % 12 == 11)
            assert_held_is_fresh("a random sequence");
    }
}
END_TEST

START_TEST(forged_notifications_leave_the_status_correct)
{
    settle();
    char sql[200];
    char state[6];
    /* A payload that is not understood, one naming the wrong project and a position far
     * ahead, and one naming a project that does not exist. */
    h_sql_exec(h_db, "NOTIFY reno_changed, 'garbage'", state);
    ck_assert_str_eq(state, "");
    snprintf(sql, sizeof sql, "NOTIFY reno_changed, '1:%ld:999999999'", p1);
    h_sql_exec(h_db, sql, state);
    h_sql_exec(h_db, "NOTIFY reno_changed, '1:987654321:1'", state);
    /* A real write to p0 while the forged names point at p1. */
    push(p0, "2022-04-30", 140, 20);
    h_sql_exec(h_db, sql, state);
    settle();
    assert_held_is_fresh("forged notifications");
}
END_TEST

Suite *it_incremental_suite(void)
{
    Suite *s = suite_create("it_incremental");
    TCase *tc = tcase_create("incremental");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, each_kind_of_write_is_applied_by_project_and_equals_a_full_recompute);
    tcase_add_test(tc, a_random_sequence_of_writes_equals_a_full_recompute);
    tcase_add_test(tc, forged_notifications_leave_the_status_correct);
    suite_add_tcase(s, tc);
    return s;
}
