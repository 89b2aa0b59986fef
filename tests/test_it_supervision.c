/*
 * Supervision items, scheduling meetings and collection rounds through the real path
 * (client → protocol → renod → PostgreSQL): the full item cycle with who and when, an
 * extension that moves the deadline, a meeting whose decisions become items, the weekend
 * rule moving 2022-05-14, a superseded round report, a closed round that refuses reports
 * and keeps its snapshot, missing reporters, retries recorded once, every validation rule
 * naming its field, and refusals for units without the right that write nothing.
 *
 * The harness's accounts lack the supervision group's seat, so each test adds one:
 * "supervision" for 县委督查室 (right tasks.write, seeded), as `renod account add` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "it.h"

#define H_SUPERVISION "supervision" /* 县委督查室, department, seat of 督查督办组 */

/* ---- fixture ---------------------------------------------------------------------------- */

static void add_supervision_account(void)
{
    char dbarg[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    const char *argv[] = {h_bin("renod"),      "--database", dbarg,        "--log-level", "warn",
                          "account",           "add",        "--username", H_SUPERVISION, "--unit",
                          "party-supervision", "--role",     "department", NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, H_SUPERVISION "-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "account add: %s%s", out, err);
    free(out);
    free(err);
}

static void setup(void)
{
    h_fixture_setup();
    add_supervision_account();
}

/* ---- calls ------------------------------------------------------------------------------ */

/* The reply message of an operation: Response field N answers Request field N. */
static void *reply_of(const Reno__ServerMessage *m, Reno__Request__BodyCase body)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&reno__response__descriptor, (unsigned)body);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(m->response->body_case, body);
    return *(void **)((char *)m->response + f->offset);
}

/* Sends a write that must succeed; returns its id, asserting whether it was a replay. */
static int64_t write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg, bool replayed)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "refused: %d %s (%s)", h_code(m),
                  m->response->status->message, m->response->status->field);
    Reno__WriteReply *w = reply_of(m, body);
    ck_assert_int_eq(w->replayed, replayed);
    int64_t id = w->id;
    net_free(c, m);
    return id;
}

/* Sends a request that must be refused with code, naming field (NULL: not checked). */
static void refused(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                    Reno__StatusCode code, const char *field)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == code, "expected %d, got %d: %s (%s)", code, h_code(m),
                  m->response->status->message, m->response->status->field);
    if (field)
        ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
}

static long count(const char *sql)
{
    return h_sql_long(h_db, sql);
}

/* Everything this area writes, and the idempotency and audit records: a refusal must
 * leave the sum unchanged. */
static long written(void)
{
    return count("SELECT (SELECT count(*) FROM supervision_item) + "
                 "(SELECT count(*) FROM supervision_event) + "
                 "(SELECT count(*) FROM supervision_extension) + "
                 "(SELECT count(*) FROM supervision_extension WHERE approved IS NOT NULL) + "
                 "(SELECT count(*) FROM scheduling_meeting) + "
                 "(SELECT count(*) FROM meeting_attendee) + (SELECT count(*) FROM round_rule) + "
                 "(SELECT count(*) FROM round_close) + (SELECT count(*) FROM round_report) + "
                 "(SELECT count(*) FROM round_report WHERE superseded_by IS NOT NULL) + "
                 "(SELECT count(*) FROM round_snapshot_progress) + "
                 "(SELECT count(*) FROM progress_report) + (SELECT count(*) FROM idempotency) + "
                 "(SELECT count(*) FROM audit_log)");
}

/* Issues an item as the supervision group; returns its id. */
static int64_t create_item(struct net_conn *sup, const char *unit, const char *title,
                           const char *deadline)
{
    uint8_t key[16];
    Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
    h_new_key(&ct.idempotency_key, key);
    ct.unit_code = (char *)unit;
    ct.title = (char *)title;
    ct.detail = "按工作方案时间节点推进";
    ct.deadline = (char *)deadline;
    ct.source = "工作方案 六(四)";
    return write_ok(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct, false);
}

static void reply_item(struct net_conn *c, int64_t task, const char *text)
{
    uint8_t key[16];
    Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
    h_new_key(&rt.idempotency_key, key);
    rt.task_id = task;
    rt.reply = (char *)text;
    ck_assert_int_eq(write_ok(c, RENO__REQUEST__BODY_REPLY_TASK, &rt, false), task);
}

static void review_item(struct net_conn *c, int64_t task, bool accept, const char *comment)
{
    uint8_t key[16];
    Reno__ReviewTask rv = RENO__REVIEW_TASK__INIT;
    h_new_key(&rv.idempotency_key, key);
    rv.task_id = task;
    rv.accept = accept;
    rv.comment = (char *)comment;
    ck_assert_int_eq(write_ok(c, RENO__REQUEST__BODY_REVIEW_TASK, &rv, false), task);
}

static Reno__ServerMessage *list_tasks(struct net_conn *c, const char *unit, Reno__TaskState s)
{
    Reno__ListTasks lt = RENO__LIST_TASKS__INIT;
    lt.unit_code = (char *)unit;
    lt.state = s;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_TASKS, &lt);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

static Reno__SupervisionTask *find_task(Reno__SupervisionTaskList *l, int64_t id)
{
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i]->id == id)
            return l->items[i];
    ck_abort_msg("item %lld not listed", (long long)id);
    return NULL;
}

static Reno__ServerMessage *list_rounds(struct net_conn *c, Reno__RoundState s)
{
    Reno__ListRounds lr = RENO__LIST_ROUNDS__INIT;
    lr.state = s;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_ROUNDS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

static Reno__Round *find_round(Reno__RoundList *l, const char *date)
{
    for (size_t i = 0; i < l->n_items; i++)
        if (strcmp(l->items[i]->round_date, date) == 0)
            return l->items[i];
    ck_abort_msg("round %s not listed", date);
    return NULL;
}

static void round_report_init(Reno__SubmitRoundReport *r, uint8_t key[16], long project,
                              const char *round, int started, int completed, double investment)
{
    reno__submit_round_report__init(r);
    h_new_key(&r->idempotency_key, key);
    r->project_id = project;
    r->round_date = (char *)round;
    r->households_started = started;
    r->households_completed = completed;
    r->investment_completed = investment;
    r->problems = "雨季施工进度受影响";
    r->help_needed = "请协调管线迁改";
}

static int64_t submit_report(struct net_conn *c, long project, const char *round, int started,
                             int completed, double investment)
{
    uint8_t key[16];
    Reno__SubmitRoundReport r;
    round_report_init(&r, key, project, round, started, completed, investment);
    return write_ok(c, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, false);
}

static void set_rule(struct net_conn *office, Reno__WeekendRule rule, int window)
{
    uint8_t key[16];
    Reno__SetRoundRule sr = RENO__SET_ROUND_RULE__INIT;
    h_new_key(&sr.idempotency_key, key);
    sr.weekend_rule = rule;
    sr.window_days = window;
    write_ok(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, false);
}

/* ---- supervision items ------------------------------------------------------------------ */

START_TEST(item_cycle_is_recorded_step_by_step)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);

    uint8_t key[16];
    Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
    h_new_key(&ct.idempotency_key, key);
    ct.unit_code = "housing";
    ct.title = "确保4月底前所有项目开工";
    ct.detail = "对照工作方案第五部分，报送开工情况及佐证材料";
    ct.deadline = "2022-04-30";
    ct.source = "工作方案 五、改造实施步骤";
    int64_t id = write_ok(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct, false);
    /* A retry with the same key is the same item, recorded once. */
    ck_assert_int_eq(write_ok(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct, true), id);
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_item"), 1);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM supervision_item i JOIN unit u ON u.id = i.unit_id "
             "WHERE i.id = %lld AND u.code = 'housing' AND i.deadline = '2022-04-30' "
             "AND i.state = 'open' AND i.title = '确保4月底前所有项目开工' "
             "AND i.source = '工作方案 五、改造实施步骤'",
             (long long)id);
    ck_assert_int_eq(count(sql), 1);

    reply_item(housing, id, "两个项目均已开工，附开工报告");
    review_item(sup, id, false, "缺少监理单位签字的开工报告");
    /* Returned: the unit replies again, and this time the item is accepted. */
    reply_item(housing, id, "已补充监理签字的开工报告");
    review_item(sup, id, true, "");

    Reno__ServerMessage *m = list_tasks(sup, "housing", RENO__TASK_STATE__TASK_STATE_CLOSED);
    Reno__SupervisionTaskList *tasks = reply_of(m, RENO__REQUEST__BODY_LIST_TASKS);
    ck_assert_uint_eq(tasks->n_items, 1);
    ck_assert_int_eq(tasks->items[0]->state, RENO__TASK_STATE__TASK_STATE_CLOSED);
    ck_assert(!tasks->items[0]->overdue); /* closed items are never overdue */
    ck_assert_str_eq(tasks->items[0]->unit_name, "县住房和城乡建设局");
    net_free(sup, m);

    Reno__ListTaskEvents le = RENO__LIST_TASK_EVENTS__INIT;
    le.task_id = id;
    m = h_call_body(housing, RENO__REQUEST__BODY_LIST_TASK_EVENTS, &le);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__TaskEventList *ev = reply_of(m, RENO__REQUEST__BODY_LIST_TASK_EVENTS);
    static const struct {
        const char *action, *user, *unit;
        Reno__TaskState state;
    } want[] = {
        {"created", H_SUPERVISION, "县委督查室", RENO__TASK_STATE__TASK_STATE_OPEN},
        {"replied", H_HOUSING, "县住房和城乡建设局", RENO__TASK_STATE__TASK_STATE_REPLIED},
        {"returned", H_SUPERVISION, "县委督查室", RENO__TASK_STATE__TASK_STATE_RETURNED},
        {"replied", H_HOUSING, "县住房和城乡建设局", RENO__TASK_STATE__TASK_STATE_REPLIED},
        {"closed", H_SUPERVISION, "县委督查室", RENO__TASK_STATE__TASK_STATE_CLOSED},
    };
    ck_assert_uint_eq(ev->n_items, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(ev->items[i]->action, want[i].action);
        ck_assert_str_eq(ev->items[i]->username, want[i].user);
        ck_assert_str_eq(ev->items[i]->unit_name, want[i].unit);
        ck_assert_int_eq(ev->items[i]->state, want[i].state);
        ck_assert_int_eq(ev->items[i]->task_id, id);
        /* Timestamped, in order ("YYYY-MM-DDTHH:MM:SSZ" sorts as text). */
        ck_assert_uint_eq(strlen(ev->items[i]->at), 20);
        if (i > 0)
            ck_assert(strcmp(ev->items[i - 1]->at, ev->items[i]->at) <= 0);
    }
    ck_assert_str_eq(ev->items[0]->text, "对照工作方案第五部分，报送开工情况及佐证材料");
    ck_assert_str_eq(ev->items[2]->text, "缺少监理单位签字的开工报告");
    ck_assert_str_eq(ev->items[3]->text, "已补充监理签字的开工报告");
    net_free(housing, m);
    /* Every mutated row was audited: the item (created, 2 replies, 2 reviews) and its
     * five events. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE (entity = 'supervision_item' AND entity_id = "
             "%lld) OR entity = 'supervision_event'",
             (long long)id);
    ck_assert_int_eq(count(sql), 10);

    /* A closed item takes no further step; the refusal names the item. */
    uint8_t key2[16];
    Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
    h_new_key(&rt.idempotency_key, key2);
    rt.task_id = id;
    rt.reply = "再补充";
    refused(housing, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__BAD_REQUEST,
            "reply_task.task_id");
    Reno__ReviewTask rv = RENO__REVIEW_TASK__INIT;
    h_new_key(&rv.idempotency_key, key2);
    rv.task_id = id;
    rv.accept = true;
    refused(sup, RENO__REQUEST__BODY_REVIEW_TASK, &rv, RENO__STATUS_CODE__BAD_REQUEST,
            "review_task.task_id");
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_event"), 5);
    net_close(housing);
    net_close(sup);
}
END_TEST

START_TEST(replies_belong_to_the_assigned_unit)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    struct net_conn *power = h_login(&h_srv, H_POWER);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    int64_t id = create_item(sup, "housing", "完成红线内管沟开挖", "2022-06-30");
    long before = written();

    /* Another unit may not reply to the housing bureau's item: nothing is written. */
    uint8_t key[16];
    Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
    h_new_key(&rt.idempotency_key, key);
    rt.task_id = id;
    rt.reply = "已完成";
    refused(power, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__PERMISSION_DENIED, NULL);
    /* Nor may the supervision group answer its own item, nor a leader. */
    refused(sup, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__PERMISSION_DENIED, NULL);
    struct net_conn *leader = h_login(&h_srv, H_LEADER);
    refused(leader, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__PERMISSION_DENIED,
            NULL);
    net_close(leader);
    ck_assert_int_eq(written(), before);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM supervision_item WHERE id = %lld AND state = 'open'",
             (long long)id);
    ck_assert_int_eq(count(sql), 1);

    /* The office may reply on the unit's behalf; the same key again counts once. */
    ck_assert_int_eq(write_ok(office, RENO__REQUEST__BODY_REPLY_TASK, &rt, false), id);
    ck_assert_int_eq(write_ok(office, RENO__REQUEST__BODY_REPLY_TASK, &rt, true), id);
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_event WHERE action = 'replied'"), 1);

    /* The review is the supervision group's: neither the unit nor a utility may review. */
    Reno__ReviewTask rv = RENO__REVIEW_TASK__INIT;
    h_new_key(&rv.idempotency_key, key);
    rv.task_id = id;
    rv.accept = true;
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    before = written();
    refused(housing, RENO__REQUEST__BODY_REVIEW_TASK, &rv, RENO__STATUS_CODE__PERMISSION_DENIED,
            NULL);
    refused(power, RENO__REQUEST__BODY_REVIEW_TASK, &rv, RENO__STATUS_CODE__PERMISSION_DENIED,
            NULL);
    ck_assert_int_eq(written(), before);
    ck_assert_int_eq(write_ok(sup, RENO__REQUEST__BODY_REVIEW_TASK, &rv, false), id);
    ck_assert_int_eq(write_ok(sup, RENO__REQUEST__BODY_REVIEW_TASK, &rv, true), id);
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_event WHERE action = 'closed'"), 1);
    net_close(housing);
    net_close(office);
    net_close(power);
    net_close(sup);
}
END_TEST

START_TEST(extension_approved_moves_the_deadline)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    int64_t id = create_item(sup, "housing", "完成示例小区一外墙维修", "2022-06-30");

    uint8_t key[16];
    Reno__RequestExtension rx = RENO__REQUEST_EXTENSION__INIT;
    h_new_key(&rx.idempotency_key, key);
    rx.task_id = id;
    rx.reason = "连续降雨，外墙作业停工12天";
    rx.new_deadline = "2022-07-15";
    int64_t ext = write_ok(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, false);
    ck_assert_int_eq(write_ok(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, true), ext);
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_extension"), 1);

    Reno__ServerMessage *m = list_tasks(sup, "", RENO__TASK_STATE__TASK_STATE_UNSPECIFIED);
    Reno__SupervisionTask *t = find_task(reply_of(m, RENO__REQUEST__BODY_LIST_TASKS), id);
    ck_assert_str_eq(t->deadline, "2022-06-30");
    ck_assert_str_eq(t->requested_deadline, "2022-07-15");
    /* Past its deadline and not closed, as of today. */
    ck_assert(t->overdue);
    net_free(sup, m);

    /* Only the supervision group decides; the unit cannot grant itself more time. */
    Reno__DecideExtension dx = RENO__DECIDE_EXTENSION__INIT;
    h_new_key(&dx.idempotency_key, key);
    dx.task_id = id;
    dx.approve = true;
    dx.comment = "同意延期";
    long before = written();
    refused(housing, RENO__REQUEST__BODY_DECIDE_EXTENSION, &dx,
            RENO__STATUS_CODE__PERMISSION_DENIED, NULL);
    ck_assert_int_eq(written(), before);
    ck_assert_int_eq(write_ok(sup, RENO__REQUEST__BODY_DECIDE_EXTENSION, &dx, false), ext);
    ck_assert_int_eq(write_ok(sup, RENO__REQUEST__BODY_DECIDE_EXTENSION, &dx, true), ext);

    m = list_tasks(housing, "housing", RENO__TASK_STATE__TASK_STATE_OPEN);
    t = find_task(reply_of(m, RENO__REQUEST__BODY_LIST_TASKS), id);
    ck_assert_str_eq(t->deadline, "2022-07-15");
    ck_assert_str_eq(t->requested_deadline, "");
    net_free(housing, m);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM supervision_item WHERE id = %lld AND deadline = '2022-07-15'",
             (long long)id);
    ck_assert_int_eq(count(sql), 1);

    /* A second request, refused: the deadline stays where the approval put it. */
    h_new_key(&rx.idempotency_key, key);
    rx.new_deadline = "2022-08-31";
    write_ok(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, false);
    h_new_key(&dx.idempotency_key, key);
    dx.approve = false;
    dx.comment = "工期已延长一次，不再延期";
    write_ok(sup, RENO__REQUEST__BODY_DECIDE_EXTENSION, &dx, false);
    ck_assert_int_eq(count(sql), 1);

    Reno__ListTaskEvents le = RENO__LIST_TASK_EVENTS__INIT;
    le.task_id = id;
    m = h_call_body(sup, RENO__REQUEST__BODY_LIST_TASK_EVENTS, &le);
    Reno__TaskEventList *ev = reply_of(m, RENO__REQUEST__BODY_LIST_TASK_EVENTS);
    ck_assert_uint_eq(ev->n_items, 5);
    ck_assert_str_eq(ev->items[1]->action, "extension_requested");
    ck_assert_str_eq(ev->items[1]->username, H_HOUSING);
    ck_assert_str_eq(ev->items[1]->requested_deadline, "2022-07-15");
    ck_assert_str_eq(ev->items[1]->deadline, "2022-06-30");
    ck_assert_str_eq(ev->items[2]->action, "extension_approved");
    ck_assert_str_eq(ev->items[2]->username, H_SUPERVISION);
    ck_assert_str_eq(ev->items[2]->deadline, "2022-07-15");
    ck_assert_str_eq(ev->items[4]->action, "extension_refused");
    ck_assert_str_eq(ev->items[4]->deadline, "2022-07-15");
    ck_assert_str_eq(ev->items[4]->text, "工期已延长一次，不再延期");
    net_free(sup, m);
    net_close(housing);
    net_close(sup);
}
END_TEST

START_TEST(item_rules_name_their_fields)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    int64_t id = create_item(sup, "housing", "报送开工佐证材料", "2022-04-30");
    long before = written();
    uint8_t key[16];

    static const struct {
        const char *unit, *title, *deadline, *source;
        int64_t meeting;
        Reno__StatusCode code;
        const char *field;
    } bad[] = {
        {"", "标题", "2022-05-01", "来源", 0, RENO__STATUS_CODE__BAD_REQUEST,
         "create_task.unit_code"},
        {"nowhere", "标题", "2022-05-01", "来源", 0, RENO__STATUS_CODE__NOT_FOUND,
         "create_task.unit_code"},
        {"housing", " ", "2022-05-01", "来源", 0, RENO__STATUS_CODE__BAD_REQUEST,
         "create_task.title"},
        {"housing", "标题", "", "来源", 0, RENO__STATUS_CODE__BAD_REQUEST, "create_task.deadline"},
        /* Not a calendar date: refused by the generic date check before the database. */
        {"housing", "标题", "2022-02-30", "来源", 0, RENO__STATUS_CODE__BAD_REQUEST,
         "create_task.deadline"},
        /* Before the programme starts (2021-12-01). */
        {"housing", "标题", "2021-11-30", "来源", 0, RENO__STATUS_CODE__BAD_REQUEST,
         "create_task.deadline"},
        {"housing", "标题", "2022-05-01", "", 0, RENO__STATUS_CODE__BAD_REQUEST,
         "create_task.source"},
        {"housing", "标题", "2022-05-01", "来源", 999, RENO__STATUS_CODE__NOT_FOUND,
         "create_task.meeting_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
        h_new_key(&ct.idempotency_key, key);
        ct.unit_code = (char *)bad[i].unit;
        ct.title = (char *)bad[i].title;
        ct.deadline = (char *)bad[i].deadline;
        ct.source = (char *)bad[i].source;
        ct.meeting_id = bad[i].meeting;
        refused(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct, bad[i].code, bad[i].field);
    }

    Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
    h_new_key(&rt.idempotency_key, key);
    rt.task_id = id;
    rt.reply = "";
    refused(housing, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__BAD_REQUEST,
            "reply_task.reply");
    rt.task_id = 999999;
    rt.reply = "答复";
    refused(housing, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__NOT_FOUND,
            "reply_task.task_id");

    /* Review only a replied item; returning needs a comment. */
    Reno__ReviewTask rv = RENO__REVIEW_TASK__INIT;
    h_new_key(&rv.idempotency_key, key);
    rv.task_id = id;
    rv.accept = true;
    refused(sup, RENO__REQUEST__BODY_REVIEW_TASK, &rv, RENO__STATUS_CODE__BAD_REQUEST,
            "review_task.task_id");

    Reno__RequestExtension rx = RENO__REQUEST_EXTENSION__INIT;
    h_new_key(&rx.idempotency_key, key);
    rx.task_id = id;
    rx.reason = "理由";
    rx.new_deadline = "2022-04-30"; /* not after the current deadline */
    refused(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__BAD_REQUEST,
            "request_extension.new_deadline");
    rx.new_deadline = "2022/05/31";
    refused(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__BAD_REQUEST,
            "request_extension.new_deadline");
    rx.new_deadline = "";
    refused(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__BAD_REQUEST,
            "request_extension.new_deadline");
    rx.new_deadline = "2022-05-31";
    rx.reason = "";
    refused(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__BAD_REQUEST,
            "request_extension.reason");
    /* Only the assigned unit asks for time, not the supervision group for it. */
    rx.reason = "理由";
    refused(sup, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__PERMISSION_DENIED,
            NULL);

    Reno__DecideExtension dx = RENO__DECIDE_EXTENSION__INIT;
    h_new_key(&dx.idempotency_key, key);
    dx.task_id = id;
    dx.approve = true;
    refused(sup, RENO__REQUEST__BODY_DECIDE_EXTENSION, &dx, RENO__STATUS_CODE__BAD_REQUEST,
            "decide_extension.task_id"); /* nothing pending */

    Reno__ListTasks lt = RENO__LIST_TASKS__INIT;
    lt.unit_code = "nowhere";
    refused(sup, RENO__REQUEST__BODY_LIST_TASKS, &lt, RENO__STATUS_CODE__NOT_FOUND,
            "list_tasks.unit_code");
    Reno__ListTaskEvents le = RENO__LIST_TASK_EVENTS__INIT;
    le.task_id = 999999;
    refused(sup, RENO__REQUEST__BODY_LIST_TASK_EVENTS, &le, RENO__STATUS_CODE__NOT_FOUND,
            "list_task_events.task_id");
    ck_assert_int_eq(written(), before);

    /* One pending request at a time; a refusal needs a comment; returning too. */
    h_new_key(&rx.idempotency_key, key);
    write_ok(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, false);
    h_new_key(&rx.idempotency_key, key);
    rx.new_deadline = "2022-06-30";
    refused(housing, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__BAD_REQUEST,
            "request_extension.task_id");
    dx.approve = false;
    dx.comment = "";
    refused(sup, RENO__REQUEST__BODY_DECIDE_EXTENSION, &dx, RENO__STATUS_CODE__BAD_REQUEST,
            "decide_extension.comment");
    reply_item(housing, id, "材料已报送");
    rv.accept = false;
    rv.comment = "";
    refused(sup, RENO__REQUEST__BODY_REVIEW_TASK, &rv, RENO__STATUS_CODE__BAD_REQUEST,
            "review_task.comment");

    /* Accepting the item answers the request still pending: nothing is left dangling. */
    review_item(sup, id, true, "");
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_extension WHERE approved IS NULL"), 0);
    ck_assert_int_eq(
        count("SELECT count(*) FROM supervision_event WHERE action = 'extension_refused'"), 1);

    /* The schema holds the state machine for every writer, not only the operations. */
    char state[6], sql[200];
    snprintf(sql, sizeof sql, "UPDATE supervision_item SET state = 'open' WHERE id = %lld",
             (long long)id);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "23514");
    h_sql_exec(h_db, "UPDATE supervision_event SET text = ''", state);
    ck_assert_str_eq(state, "42501");
    net_close(housing);
    net_close(sup);
}
END_TEST

/* ---- meetings --------------------------------------------------------------------------- */

START_TEST(meeting_decisions_become_items)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    uint8_t key[16];
    char *attendees[] = {"housing", "power-grid", "songshan-street"};
    char *decisions[] = {
        "power-grid|2022-06-15|完成示例小区一架空线规整",
        "housing|2022-06-30|完成红线内管沟开挖、管道预埋",
    };
    Reno__RecordMeeting rm = RENO__RECORD_MEETING__INIT;
    h_new_key(&rm.idempotency_key, key);
    rm.held_on = "2022-05-20";
    rm.mode = RENO__MEETING_MODE__MEETING_MODE_SITE;
    rm.place = "松山街道示例小区一现场";
    rm.n_attendees = 3;
    rm.attendees = attendees;
    rm.problems = "管线迁改滞后，影响道路施工";
    rm.n_decisions = 2;
    rm.decisions = decisions;
    int64_t meeting = write_ok(sup, RENO__REQUEST__BODY_RECORD_MEETING, &rm, false);
    ck_assert_int_eq(write_ok(sup, RENO__REQUEST__BODY_RECORD_MEETING, &rm, true), meeting);
    ck_assert_int_eq(count("SELECT count(*) FROM scheduling_meeting"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM meeting_attendee"), 3);

    /* Each decision is an item of its unit, due when it says, sourced to the meeting. */
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM supervision_item i JOIN unit u ON u.id = i.unit_id "
             "WHERE i.meeting_id = %lld AND i.source = '调度会 2022-05-20' AND i.state = 'open' "
             "AND ((u.code = 'power-grid' AND i.deadline = '2022-06-15' AND i.meeting_item = 1 "
             "AND i.title = '完成示例小区一架空线规整') OR (u.code = 'housing' AND i.deadline = "
             "'2022-06-30' AND i.meeting_item = 2))",
             (long long)meeting);
    ck_assert_int_eq(count(sql), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM supervision_item"), 2);

    Reno__ServerMessage *m = list_tasks(sup, "power-grid", RENO__TASK_STATE__TASK_STATE_OPEN);
    Reno__SupervisionTaskList *tasks = reply_of(m, RENO__REQUEST__BODY_LIST_TASKS);
    ck_assert_uint_eq(tasks->n_items, 1);
    ck_assert_int_eq(tasks->items[0]->meeting_id, meeting);
    ck_assert_str_eq(tasks->items[0]->source, "调度会 2022-05-20");
    net_free(sup, m);

    Reno__ListMeetings lm = RENO__LIST_MEETINGS__INIT;
    m = h_call_body(sup, RENO__REQUEST__BODY_LIST_MEETINGS, &lm);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__MeetingList *ml = reply_of(m, RENO__REQUEST__BODY_LIST_MEETINGS);
    ck_assert_uint_eq(ml->n_items, 1);
    ck_assert_int_eq(ml->items[0]->mode, RENO__MEETING_MODE__MEETING_MODE_SITE);
    ck_assert_str_eq(ml->items[0]->attendees,
                     "县住房和城乡建设局、南方电网紫云分公司、松山街道办事处");
    ck_assert_int_eq(ml->items[0]->decisions, 2);
    ck_assert_int_eq(ml->items[0]->open_items, 2);
    ck_assert_str_eq(ml->items[0]->recorded_by, H_SUPERVISION);
    net_free(sup, m);

    /* An item issued later for the meeting takes its source from it. */
    Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
    h_new_key(&ct.idempotency_key, key);
    ct.unit_code = "water-company";
    ct.title = "配合完成供水管网改造";
    ct.deadline = "2022-06-30";
    ct.meeting_id = meeting;
    int64_t later = write_ok(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct, false);
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM supervision_item WHERE id = %lld AND source = '调度会 2022-05-20'",
        (long long)later);
    ck_assert_int_eq(count(sql), 1);
    /* ... and no decision of a meeting is due before it was held. */
    h_new_key(&ct.idempotency_key, key);
    ct.deadline = "2022-05-19";
    refused(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct, RENO__STATUS_CODE__BAD_REQUEST,
            "create_task.deadline");
    net_close(sup);
}
END_TEST

START_TEST(meeting_rules_name_their_fields)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    long before = written();
    uint8_t key[16];
    static const struct {
        const char *held_on;
        Reno__MeetingMode mode;
        const char *place;
        const char *attendee1, *attendee2; /* NULL: fewer attendees */
        const char *decision;              /* NULL: none */
        Reno__StatusCode code;
        const char *field;
    } bad[] = {
        /* A decision that does not read UNIT|YYYY-MM-DD|text. */
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         "housing|完成管沟开挖", RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.decisions"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         "housing|2022-6-30|完成管沟开挖", RENO__STATUS_CODE__BAD_REQUEST,
         "record_meeting.decisions"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         "housing|2022-06-30|", RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.decisions"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         "housing|2022-02-30|完成管沟开挖", RENO__STATUS_CODE__BAD_REQUEST,
         "record_meeting.decisions"},
        /* Due before the meeting. */
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         "housing|2022-05-19|完成管沟开挖", RENO__STATUS_CODE__BAD_REQUEST,
         "record_meeting.decisions"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         "nowhere|2022-06-30|完成管沟开挖", RENO__STATUS_CODE__NOT_FOUND,
         "record_meeting.decisions"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "nowhere", NULL,
         NULL, RENO__STATUS_CODE__NOT_FOUND, "record_meeting.attendees"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing",
         "housing", NULL, RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.attendees"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", NULL, NULL, NULL,
         RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.attendees"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_UNSPECIFIED, "县住建局会议室", "housing",
         NULL, NULL, RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.mode"},
        {"2022-05-20", RENO__MEETING_MODE__MEETING_MODE_ROOM, "", "housing", NULL, NULL,
         RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.place"},
        {"", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL, NULL,
         RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.held_on"},
        /* A record of a meeting held: not in the future, not before the programme. */
        {"2099-01-01", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         NULL, RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.held_on"},
        {"2021-11-30", RENO__MEETING_MODE__MEETING_MODE_ROOM, "县住建局会议室", "housing", NULL,
         NULL, RENO__STATUS_CODE__BAD_REQUEST, "record_meeting.held_on"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *attendees[2] = {(char *)bad[i].attendee1, (char *)bad[i].attendee2};
        char *decisions[2] = {"power-grid|2022-06-15|完成架空线规整", (char *)bad[i].decision};
        Reno__RecordMeeting rm = RENO__RECORD_MEETING__INIT;
        h_new_key(&rm.idempotency_key, key);
        rm.held_on = (char *)bad[i].held_on;
        rm.mode = bad[i].mode;
        rm.place = (char *)bad[i].place;
        rm.n_attendees = bad[i].attendee1 ? (bad[i].attendee2 ? 2 : 1) : 0;
        rm.attendees = attendees;
        /* The bad decision comes second: the good one before it is not written either. */
        rm.n_decisions = bad[i].decision ? 2 : 1;
        rm.decisions = decisions;
        refused(sup, RENO__REQUEST__BODY_RECORD_MEETING, &rm, bad[i].code, bad[i].field);
    }
    ck_assert_int_eq(written(), before);

    /* A unit without tasks.write records no meeting. */
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    char *attendees[] = {"finance"};
    Reno__RecordMeeting rm = RENO__RECORD_MEETING__INIT;
    h_new_key(&rm.idempotency_key, key);
    rm.held_on = "2022-05-20";
    rm.mode = RENO__MEETING_MODE__MEETING_MODE_ROOM;
    rm.place = "县财政局";
    rm.n_attendees = 1;
    rm.attendees = attendees;
    refused(finance, RENO__REQUEST__BODY_RECORD_MEETING, &rm, RENO__STATUS_CODE__PERMISSION_DENIED,
            NULL);
    ck_assert_int_eq(written(), before);
    /* The office may. */
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    write_ok(office, RENO__REQUEST__BODY_RECORD_MEETING, &rm, false);
    ck_assert_int_eq(count("SELECT count(*) FROM scheduling_meeting WHERE mode = 'room'"), 1);
    net_close(office);
    net_close(finance);
    net_close(sup);
}
END_TEST

/* ---- refusals --------------------------------------------------------------------------- */

START_TEST(units_without_the_right_write_nothing)
{
    struct net_conn *sup = h_login(&h_srv, H_SUPERVISION);
    int64_t id = create_item(sup, "housing", "报送半月进展", "2022-05-14");
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    struct net_conn *leader = h_login(&h_srv, H_LEADER);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    long before = written();
    uint8_t key[16];
    struct net_conn *who[] = {finance, leader};
    for (size_t w = 0; w < 2; w++) {
        struct net_conn *c = who[w];
        Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
        h_new_key(&ct.idempotency_key, key);
        ct.unit_code = "housing";
        ct.title = "越权事项";
        ct.deadline = "2022-05-31";
        ct.source = "无";
        refused(c, RENO__REQUEST__BODY_CREATE_TASK, &ct, RENO__STATUS_CODE__PERMISSION_DENIED, "");
        Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
        h_new_key(&rt.idempotency_key, key);
        rt.task_id = id;
        rt.reply = "越权答复";
        refused(c, RENO__REQUEST__BODY_REPLY_TASK, &rt, RENO__STATUS_CODE__PERMISSION_DENIED, "");
        Reno__RequestExtension rx = RENO__REQUEST_EXTENSION__INIT;
        h_new_key(&rx.idempotency_key, key);
        rx.task_id = id;
        rx.reason = "越权";
        rx.new_deadline = "2022-06-30";
        refused(c, RENO__REQUEST__BODY_REQUEST_EXTENSION, &rx, RENO__STATUS_CODE__PERMISSION_DENIED,
                "");
        Reno__SetRoundRule sr = RENO__SET_ROUND_RULE__INIT;
        h_new_key(&sr.idempotency_key, key);
        sr.weekend_rule = RENO__WEEKEND_RULE__WEEKEND_RULE_NEXT_WORKDAY;
        sr.window_days = 3;
        refused(c, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__PERMISSION_DENIED,
                "");
        Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
        h_new_key(&cr.idempotency_key, key);
        cr.round_date = "2022-05-14";
        refused(c, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, RENO__STATUS_CODE__PERMISSION_DENIED, "");
        /* The finance bureau is responsible for no project; a leader writes nothing. */
        Reno__SubmitRoundReport sr2;
        round_report_init(&sr2, key, h_project_id(h_db, 0), "2022-05-14", 10, 0, 0);
        refused(c, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &sr2,
                RENO__STATUS_CODE__PERMISSION_DENIED, "");
    }
    /* The supervision group's right is items and meetings, not the rounds: the office's. */
    Reno__SetRoundRule sr = RENO__SET_ROUND_RULE__INIT;
    h_new_key(&sr.idempotency_key, key);
    sr.weekend_rule = RENO__WEEKEND_RULE__WEEKEND_RULE_NEXT_WORKDAY;
    sr.window_days = 3;
    refused(sup, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__PERMISSION_DENIED, "");
    refused(housing, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__PERMISSION_DENIED,
            "");
    Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
    h_new_key(&cr.idempotency_key, key);
    cr.round_date = "2022-05-14";
    refused(sup, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, RENO__STATUS_CODE__PERMISSION_DENIED, "");
    refused(housing, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, RENO__STATUS_CODE__PERMISSION_DENIED,
            "");
    /* A department (even the one the item is for) issues no items. */
    Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
    h_new_key(&ct.idempotency_key, key);
    ct.unit_code = "power-grid";
    ct.title = "越权事项";
    ct.deadline = "2022-05-31";
    ct.source = "无";
    refused(housing, RENO__REQUEST__BODY_CREATE_TASK, &ct, RENO__STATUS_CODE__PERMISSION_DENIED,
            "");
    ck_assert_int_eq(written(), before);
    net_close(housing);
    net_close(leader);
    net_close(finance);
    net_close(sup);
}
END_TEST

/* ---- collection rounds ------------------------------------------------------------------ */

START_TEST(weekend_rule_moves_the_collection_date)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    Reno__ServerMessage *m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_UNSPECIFIED);
    Reno__RoundList *rounds = reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS);
    /* The 14th and 28th from the programme's start (2021-12) to its evaluation (2022-12). */
    ck_assert_uint_eq(rounds->n_items, 26);
    ck_assert_str_eq(rounds->items[0]->round_date, "2021-12-14");
    ck_assert_str_eq(rounds->items[25]->round_date, "2022-12-28");
    Reno__Round *may14 = find_round(rounds, "2022-05-14");
    ck_assert_str_eq(may14->weekday, "周六");
    /* By default the date is kept, with a window of 2 days. */
    ck_assert_str_eq(may14->effective_date, "2022-05-14");
    ck_assert_str_eq(may14->window_closes_on, "2022-05-16");
    ck_assert_int_eq(may14->state, RENO__ROUND_STATE__ROUND_STATE_OPEN);
    net_free(office, m);

    uint8_t key[16];
    Reno__SetRoundRule sr = RENO__SET_ROUND_RULE__INIT;
    h_new_key(&sr.idempotency_key, key);
    sr.weekend_rule = RENO__WEEKEND_RULE__WEEKEND_RULE_PREVIOUS_WORKDAY;
    sr.window_days = 3;
    int64_t rule = write_ok(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, false);
    ck_assert_int_eq(write_ok(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, true), rule);
    ck_assert_int_eq(
        count("SELECT count(*) FROM round_rule WHERE weekend_rule = 'previous_workday' "
              "AND window_days = 3"),
        1);
    m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_UNSPECIFIED);
    rounds = reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS);
    ck_assert_str_eq(find_round(rounds, "2022-05-14")->effective_date, "2022-05-13");
    ck_assert_str_eq(find_round(rounds, "2022-05-14")->window_closes_on, "2022-05-16");
    ck_assert_str_eq(find_round(rounds, "2022-05-28")->effective_date, "2022-05-27");
    ck_assert_str_eq(find_round(rounds, "2022-08-14")->effective_date, "2022-08-12");
    ck_assert_str_eq(find_round(rounds, "2022-08-28")->effective_date, "2022-08-26");
    /* A weekday keeps its date. */
    ck_assert_str_eq(find_round(rounds, "2022-06-14")->effective_date, "2022-06-14");
    net_free(office, m);

    set_rule(office, RENO__WEEKEND_RULE__WEEKEND_RULE_NEXT_WORKDAY, 2);
    m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_UNSPECIFIED);
    rounds = reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS);
    ck_assert_str_eq(find_round(rounds, "2022-05-14")->effective_date, "2022-05-16");
    ck_assert_str_eq(find_round(rounds, "2022-05-14")->window_closes_on, "2022-05-18");
    ck_assert_str_eq(find_round(rounds, "2022-08-14")->effective_date, "2022-08-15");
    net_free(office, m);
    ck_assert_int_eq(count("SELECT count(*) FROM round_rule"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE entity = 'round_rule'"), 2);

    /* A report as of 2022-05-16 is in the progress record under that date. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    long project = h_project_id(h_db, 0);
    int64_t report = submit_report(housing, project, "2022-05-14", 130, 0, 0);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM round_report r JOIN progress_report p ON p.id = "
             "r.progress_report_id WHERE r.id = %lld AND r.effective_on = '2022-05-16' AND "
             "p.report_date = '2022-05-16'",
             (long long)report);
    ck_assert_int_eq(count(sql), 1);

    /* Rule values out of range, and a rule that would move a round already reported in. */
    long before = written();
    h_new_key(&sr.idempotency_key, key);
    sr.window_days = 0;
    refused(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__BAD_REQUEST,
            "set_round_rule.window_days");
    sr.window_days = 11;
    refused(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__BAD_REQUEST,
            "set_round_rule.window_days");
    sr.window_days = 3;
    sr.weekend_rule = RENO__WEEKEND_RULE__WEEKEND_RULE_UNSPECIFIED;
    refused(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__BAD_REQUEST,
            "set_round_rule.weekend_rule");
    sr.weekend_rule = RENO__WEEKEND_RULE__WEEKEND_RULE_KEEP;
    refused(office, RENO__REQUEST__BODY_SET_ROUND_RULE, &sr, RENO__STATUS_CODE__BAD_REQUEST,
            "set_round_rule.weekend_rule");
    ck_assert_int_eq(written(), before);
    /* A wider window moves no date: allowed. */
    set_rule(office, RENO__WEEKEND_RULE__WEEKEND_RULE_NEXT_WORKDAY, 5);
    net_close(housing);
    net_close(office);
}
END_TEST

/* The households started of a project in the consolidated status as of a date. */
static int status_started(struct net_conn *c, const char *as_of, long project)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = (char *)as_of;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int started = -1;
    for (size_t i = 0; i < m->response->status_reply->n_projects; i++)
        if (m->response->status_reply->projects[i]->project_id == project)
            started = m->response->status_reply->projects[i]->households_started;
    net_free(c, m);
    ck_assert_int_ge(started, 0);
    return started;
}

/* A report states the day it was made; that day, not the write time, decides on time or
 * late against the round's window (2022-05-14 to 05-16 under the default rule). */
START_TEST(reported_on_judges_the_round)
{
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    long project = h_project_id(h_db, 0);
    uint8_t key[16];
    Reno__SubmitRoundReport r;
    round_report_init(&r, key, project, "2022-05-14", 150, 20, 1000);
    r.reported_on = "2022-05-13"; /* before the round opened */
    refused(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, RENO__STATUS_CODE__BAD_REQUEST,
            "submit_round_report.reported_on");
    r.reported_on = "2999-01-01"; /* not yet */
    refused(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, RENO__STATUS_CODE__BAD_REQUEST,
            "submit_round_report.reported_on");
    r.reported_on = "2022-05-16"; /* the window's last day: on time */
    int64_t first = write_ok(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, false);
    /* A correction may not state an earlier day than what it corrects. */
    round_report_init(&r, key, project, "2022-05-14", 160, 20, 1000);
    r.reported_on = "2022-05-15";
    refused(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, RENO__STATUS_CODE__BAD_REQUEST,
            "submit_round_report.reported_on");
    r.reported_on = "2022-05-20";
    int64_t second = write_ok(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, false);
    ck_assert_int_eq(count("SELECT count(*) FROM round_report"), 2);

    struct net_conn *power = h_login(&h_srv, H_POWER);
    round_report_init(&r, key, project, "2022-05-14", 160, 20, 1000);
    r.reported_on = "2022-05-17";
    int64_t power_id = write_ok(power, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, false);

    Reno__ListRoundReports lr = RENO__LIST_ROUND_REPORTS__INIT;
    lr.round_date = "2022-05-14";
    Reno__ServerMessage *m = h_call_body(housing, RENO__REQUEST__BODY_LIST_ROUND_REPORTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__RoundReportList *l = reply_of(m, RENO__REQUEST__BODY_LIST_ROUND_REPORTS);
    ck_assert_uint_eq(l->n_items, 3);
    for (size_t i = 0; i < l->n_items; i++) {
        const Reno__RoundReport *x = l->items[i];
        if (x->id == first) {
            ck_assert_str_eq(x->reported_on, "2022-05-16");
            ck_assert(!x->late);
        } else if (x->id == second) {
            ck_assert_str_eq(x->reported_on, "2022-05-20");
            ck_assert(x->late);
        } else {
            ck_assert_int_eq(x->id, power_id);
            ck_assert_str_eq(x->reported_on, "2022-05-17");
            ck_assert(x->late);
        }
    }
    net_free(housing, m);

    /* Judged by the first report: housing reported on time, power late; the one
     * definition says so for the project. */
    ck_assert_int_eq(count("SELECT count(*) FROM reno_round_timeliness("
                           "(SELECT id FROM programme LIMIT 1), '2022-05-14') t "
                           "JOIN unit u ON u.id = t.unit_id WHERE t.project_id = "
                           "(SELECT min(id) FROM project) AND ((u.code = 'housing' AND "
                           "t.timeliness = 'on_time') OR (u.code = 'power-grid' AND "
                           "t.timeliness = 'late'))"),
                     2);
    /* As of the 16th, power had not reported yet: the status names it missing. */
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = "2022-05-16";
    m = h_call_body(housing, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    bool power_missing = false, housing_missing = false;
    for (size_t i = 0; i < m->response->status_reply->n_missing_reporters; i++) {
        const Reno__MissingReporter *x = m->response->status_reply->missing_reporters[i];
        if (x->project_id != project)
            continue;
        power_missing |= strcmp(x->unit_code, "power-grid") == 0;
        housing_missing |= strcmp(x->unit_code, "housing") == 0;
    }
    ck_assert(power_missing);
    ck_assert(!housing_missing);
    net_free(housing, m);
    net_close(power);
    net_close(housing);
}
END_TEST

START_TEST(later_report_supersedes_visibly)
{
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    long project = h_project_id(h_db, 0);
    uint8_t key[16];
    Reno__SubmitRoundReport r;
    round_report_init(&r, key, project, "2022-05-14", 150, 20, 1234567.891);
    int64_t first = write_ok(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, false);
    ck_assert_int_eq(write_ok(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, true), first);
    ck_assert_int_eq(count("SELECT count(*) FROM round_report"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), 1);
    /* Stored to the fen. */
    ck_assert_int_eq(count("SELECT count(*) FROM round_report WHERE investment_completed = "
                           "1234567.89 AND households_started = 150 AND problems = "
                           "'雨季施工进度受影响' AND help_needed = '请协调管线迁改'"),
                     1);
    /* The consolidated status sees the round's figures as of its date. */
    ck_assert_int_eq(status_started(housing, "2022-05-14", project), 150);
    ck_assert_int_eq(status_started(housing, "2022-05-13", project), 0);

    int64_t second = submit_report(housing, project, "2022-05-14", 180, 25, 1400000);
    ck_assert_int_gt(second, first);
    ck_assert_int_eq(status_started(housing, "2022-05-14", project), 180);

    Reno__ListRoundReports lr = RENO__LIST_ROUND_REPORTS__INIT;
    lr.round_date = "2022-05-14";
    Reno__ServerMessage *m = h_call_body(housing, RENO__REQUEST__BODY_LIST_ROUND_REPORTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__RoundReportList *l = reply_of(m, RENO__REQUEST__BODY_LIST_ROUND_REPORTS);
    ck_assert_uint_eq(l->n_items, 2);
    ck_assert_int_eq(l->items[0]->id, first);
    ck_assert(l->items[0]->superseded);
    ck_assert_int_eq(l->items[0]->superseded_by, second);
    ck_assert_int_eq(l->items[0]->households_started, 150);
    ck_assert_int_eq(l->items[1]->id, second);
    ck_assert(!l->items[1]->superseded);
    ck_assert_int_eq(l->items[1]->superseded_by, 0);
    ck_assert_double_eq_tol(l->items[1]->investment_completed, 1400000.0, 0.001);
    ck_assert_str_eq(l->items[1]->unit_code, "housing");
    ck_assert_str_eq(l->items[1]->username, H_HOUSING);
    /* Reported years after the window: accepted while the round is open, marked late. */
    ck_assert(l->items[1]->late);
    net_free(housing, m);

    /* Another unit's report for the same project stands beside it, not over it. */
    struct net_conn *power = h_login(&h_srv, H_POWER);
    submit_report(power, project, "2022-05-14", 180, 25, 90000);
    ck_assert_int_eq(count("SELECT count(*) FROM round_report WHERE superseded_by IS NULL"), 2);
    Reno__ServerMessage *rm = list_rounds(power, RENO__ROUND_STATE__ROUND_STATE_OPEN);
    ck_assert_int_eq(
        find_round(reply_of(rm, RENO__REQUEST__BODY_LIST_ROUNDS), "2022-05-14")->reports_received,
        2);
    net_free(power, rm);

    /* The superseded row stays and cannot be rewritten. */
    char state[6];
    h_sql_exec(h_db, "UPDATE round_report SET households_started = 1", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "DELETE FROM round_report", state);
    ck_assert_str_eq(state, "42501");
    net_close(power);
    net_close(housing);
}
END_TEST

START_TEST(round_report_rules_name_their_fields)
{
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    long project = h_project_id(h_db, 0); /* 500 households (sample) */
    long before = written();
    uint8_t key[16];
    static const struct {
        const char *round;
        int started, completed;
        double investment;
        Reno__StatusCode code;
        const char *field;
    } bad[] = {
        {"2022-05-14", 100, 101, 0, RENO__STATUS_CODE__BAD_REQUEST,
         "submit_round_report.households_completed"},
        {"2022-05-14", 501, 0, 0, RENO__STATUS_CODE__BAD_REQUEST,
         "submit_round_report.households_started"},
        {"2022-05-14", -1, 0, 0, RENO__STATUS_CODE__BAD_REQUEST,
         "submit_round_report.households_started"},
        {"2022-05-14", 100, 0, -0.01, RENO__STATUS_CODE__BAD_REQUEST,
         "submit_round_report.investment_completed"},
        /* Not a collection date, none given, not a date, outside the programme. */
        {"2022-05-15", 100, 0, 0, RENO__STATUS_CODE__BAD_REQUEST, "submit_round_report.round_date"},
        {"", 100, 0, 0, RENO__STATUS_CODE__BAD_REQUEST, "submit_round_report.round_date"},
        {"2022-5-14", 100, 0, 0, RENO__STATUS_CODE__BAD_REQUEST, "submit_round_report.round_date"},
        {"2023-01-14", 100, 0, 0, RENO__STATUS_CODE__BAD_REQUEST, "submit_round_report.round_date"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Reno__SubmitRoundReport r;
        round_report_init(&r, key, project, bad[i].round, bad[i].started, bad[i].completed,
                          bad[i].investment);
        refused(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, bad[i].code, bad[i].field);
    }
    Reno__SubmitRoundReport r;
    round_report_init(&r, key, 999999, "2022-05-14", 1, 0, 0);
    refused(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, RENO__STATUS_CODE__NOT_FOUND,
            "submit_round_report.project_id");

    Reno__ListRoundReports lr = RENO__LIST_ROUND_REPORTS__INIT;
    lr.round_date = "2022-05-15";
    refused(housing, RENO__REQUEST__BODY_LIST_ROUND_REPORTS, &lr, RENO__STATUS_CODE__BAD_REQUEST,
            "list_round_reports.round_date");
    Reno__ListRoundSnapshot ls = RENO__LIST_ROUND_SNAPSHOT__INIT;
    ls.round_date = "2022-05-14";
    refused(housing, RENO__REQUEST__BODY_LIST_ROUND_SNAPSHOT, &ls, RENO__STATUS_CODE__NOT_FOUND,
            "list_round_snapshot.round_date"); /* not closed: no snapshot yet */
    ck_assert_int_eq(written(), before);
    net_close(housing);
}
END_TEST

START_TEST(closed_round_refuses_reports_and_keeps_its_snapshot)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    struct net_conn *power = h_login(&h_srv, H_POWER);
    long p1 = h_project_id(h_db, 0), p2 = h_project_id(h_db, 1);
    set_rule(office, RENO__WEEKEND_RULE__WEEKEND_RULE_PREVIOUS_WORKDAY, 2);
    /* A progress report pushed the ordinary way before the round also counts. */
    Reno__Request req;
    Reno__PushProgress push;
    uint8_t key[16];
    h_push_init(&req, &push, key, p2, "2022-05-10", 60, 0);
    Reno__ServerMessage *m = h_call(housing, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(housing, m);
    submit_report(housing, p1, "2022-05-14", 200, 30, 2500000);
    submit_report(power, p1, "2022-05-14", 200, 30, 300000);
    int64_t superseded = submit_report(power, p2, "2022-05-14", 50, 0, 10000);
    submit_report(power, p2, "2022-05-14", 70, 0, 20000);

    /* Who has not reported: every responsible unit and project without a report. */
    Reno__ListMissingReporters lm = RENO__LIST_MISSING_REPORTERS__INIT;
    lm.round_date = "2022-05-14";
    m = h_call_body(office, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS, &lm);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__MissingReporterList *missing = reply_of(m, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS);
    /* 9 responsible units × 2 projects, less housing/p1, power-grid/p1 and power-grid/p2. */
    ck_assert_uint_eq(missing->n_items, 15);
    bool housing_p2 = false;
    for (size_t i = 0; i < missing->n_items; i++) {
        ck_assert_str_ne(missing->items[i]->unit_code, "power-grid");
        ck_assert(!(strcmp(missing->items[i]->unit_code, "housing") == 0 &&
                    missing->items[i]->project_id == p1));
        if (strcmp(missing->items[i]->unit_code, "housing") == 0 &&
            missing->items[i]->project_id == p2) {
            housing_p2 = true;
            ck_assert_str_eq(missing->items[i]->unit_name, "县住房和城乡建设局");
            ck_assert_str_eq(missing->items[i]->duty, "项目推进、质量安全监管");
        }
    }
    ck_assert(housing_p2);
    net_free(office, m);
    m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_UNSPECIFIED);
    Reno__Round *may14 = find_round(reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS), "2022-05-14");
    ck_assert_int_eq(may14->reports_received, 3);
    ck_assert_int_eq(may14->units_missing, 8); /* housing (p2) and the 7 others */
    net_free(office, m);

    Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
    h_new_key(&cr.idempotency_key, key);
    cr.round_date = "2022-05-14";
    int64_t closure = write_ok(office, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, false);
    ck_assert_int_eq(write_ok(office, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, true), closure);
    ck_assert_int_eq(count("SELECT count(*) FROM round_close"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM round_close WHERE round_on = '2022-05-14' AND "
                           "effective_on = '2022-05-13' AND weekend_rule = 'previous_workday'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM round_snapshot_progress"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM round_snapshot_report"), 4);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM round_snapshot_report WHERE round_report_id = %lld AND "
             "superseded_by IS NOT NULL",
             (long long)superseded);
    ck_assert_int_eq(count(sql), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM round_snapshot_missing"), 15);

    /* What was reported up: the progress of every project as of 2022-05-13. */
    Reno__ListRoundSnapshot ls = RENO__LIST_ROUND_SNAPSHOT__INIT;
    ls.round_date = "2022-05-14";
    m = h_call_body(housing, RENO__REQUEST__BODY_LIST_ROUND_SNAPSHOT, &ls);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__RoundSnapshot *snap = reply_of(m, RENO__REQUEST__BODY_LIST_ROUND_SNAPSHOT);
    ck_assert_uint_eq(snap->n_items, 2);
    ck_assert_int_eq(snap->items[0]->project_id, p1);
    ck_assert_int_eq(snap->items[0]->households_started, 200);
    ck_assert_int_eq(snap->items[0]->households_completed, 30);
    ck_assert_double_eq_tol(snap->items[0]->started_pct, 40.0, 0.01);
    ck_assert_str_eq(snap->items[0]->effective_date, "2022-05-13");
    ck_assert_str_eq(snap->items[0]->last_report_date, "2022-05-13");
    ck_assert_int_eq(snap->items[1]->project_id, p2);
    ck_assert_int_eq(snap->items[1]->households_started, 70);
    ck_assert_double_eq_tol(snap->items[1]->investment_completed, 20000.0, 0.001);
    net_free(housing, m);
    const char *fingerprint_sql =
        "SELECT sum(households_started * 7 + households_completed * 3) + count(*) FROM "
        "round_snapshot_progress";
    long fingerprint = count(fingerprint_sql);

    /* A report after the close: CONFLICT on round_date; nothing written, snapshot kept. */
    long before = written();
    Reno__SubmitRoundReport r;
    round_report_init(&r, key, p1, "2022-05-14", 260, 40, 3000000);
    refused(housing, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, RENO__STATUS_CODE__CONFLICT,
            "submit_round_report.round_date");
    h_new_key(&cr.idempotency_key, key);
    refused(office, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, RENO__STATUS_CODE__CONFLICT,
            "close_round.round_date");
    ck_assert_int_eq(written(), before);
    ck_assert_int_eq(count(fingerprint_sql), fingerprint);
    /* Progress pushed afterwards for an earlier date changes today's status, not the
     * snapshot that was sent up. */
    h_push_init(&req, &push, key, p1, "2022-05-12", 230, 30);
    m = h_call(housing, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(housing, m);
    ck_assert_int_eq(count(fingerprint_sql), fingerprint);

    /* The snapshot and the closure can never change, whoever tries. */
    char state[6];
    h_sql_exec(h_db, "UPDATE round_snapshot_progress SET households_started = 0", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "DELETE FROM round_snapshot_report", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "DELETE FROM round_close", state);
    ck_assert_str_eq(state, "42501");
    ck_assert_int_eq(count(fingerprint_sql), fingerprint);

    /* Missing reporters of a closed round are those frozen at the close: a unit named
     * responsible afterwards is missing from the open rounds only. */
    h_sql_exec(h_db,
               "INSERT INTO project_unit (project_id, unit_id, duty) SELECT p.id, u.id, '资金' "
               "FROM project p, unit u WHERE u.code = 'finance' ORDER BY p.id LIMIT 1",
               state);
    ck_assert_str_eq(state, "");
    m = h_call_body(office, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS, &lm);
    ck_assert_uint_eq(
        ((Reno__MissingReporterList *)reply_of(m, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS))
            ->n_items,
        15);
    net_free(office, m);
    lm.round_date = "2022-05-28";
    m = h_call_body(office, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS, &lm);
    ck_assert_uint_eq(
        ((Reno__MissingReporterList *)reply_of(m, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS))
            ->n_items,
        19);
    net_free(office, m);

    m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_CLOSED);
    Reno__RoundList *closed = reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS);
    ck_assert_uint_eq(closed->n_items, 1);
    ck_assert_str_eq(closed->items[0]->round_date, "2022-05-14");
    ck_assert_uint_eq(strlen(closed->items[0]->closed_at), 20);
    ck_assert_int_eq(closed->items[0]->units_missing, 8);
    net_free(office, m);

    /* A later rule does not move a closed round. */
    set_rule(office, RENO__WEEKEND_RULE__WEEKEND_RULE_NEXT_WORKDAY, 2);
    m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_UNSPECIFIED);
    Reno__RoundList *all = reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS);
    ck_assert_str_eq(find_round(all, "2022-05-14")->effective_date, "2022-05-13");
    ck_assert_str_eq(find_round(all, "2022-05-28")->effective_date, "2022-05-30");
    net_free(office, m);
    net_close(power);
    net_close(housing);
    net_close(office);
}
END_TEST

START_TEST(upcoming_round_takes_no_report)
{
    /* Stretch the programme past today so that some rounds are still to come. */
    char state[6];
    h_sql_exec(h_db,
               "UPDATE programme SET evaluation_due = current_date + 62 WHERE code = 'ziyun-2022'",
               state);
    ck_assert_str_eq(state, "");
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    Reno__ServerMessage *m = list_rounds(office, RENO__ROUND_STATE__ROUND_STATE_UPCOMING);
    Reno__RoundList *upcoming = reply_of(m, RENO__REQUEST__BODY_LIST_ROUNDS);
    ck_assert_uint_ge(upcoming->n_items, 2);
    char date[11];
    snprintf(date, sizeof date, "%s", upcoming->items[0]->round_date);
    ck_assert_int_eq(upcoming->items[0]->units_missing, 0);
    net_free(office, m);

    long before = written();
    uint8_t key[16];
    Reno__SubmitRoundReport r;
    round_report_init(&r, key, h_project_id(h_db, 0), date, 10, 0, 0);
    refused(office, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r, RENO__STATUS_CODE__BAD_REQUEST,
            "submit_round_report.round_date");
    Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
    h_new_key(&cr.idempotency_key, key);
    cr.round_date = date;
    refused(office, RENO__REQUEST__BODY_CLOSE_ROUND, &cr, RENO__STATUS_CODE__BAD_REQUEST,
            "close_round.round_date");
    Reno__ListMissingReporters lm = RENO__LIST_MISSING_REPORTERS__INIT;
    lm.round_date = date;
    refused(office, RENO__REQUEST__BODY_LIST_MISSING_REPORTERS, &lm, RENO__STATUS_CODE__BAD_REQUEST,
            "list_missing_reporters.round_date");
    ck_assert_int_eq(written(), before);
    net_close(office);
}
END_TEST

Suite *it_supervision_suite(void)
{
    Suite *s = suite_create("it_supervision");
    TCase *tc = tcase_create("supervision");
    tcase_add_checked_fixture(tc, setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, item_cycle_is_recorded_step_by_step);
    tcase_add_test(tc, replies_belong_to_the_assigned_unit);
    tcase_add_test(tc, extension_approved_moves_the_deadline);
    tcase_add_test(tc, item_rules_name_their_fields);
    tcase_add_test(tc, meeting_decisions_become_items);
    tcase_add_test(tc, meeting_rules_name_their_fields);
    tcase_add_test(tc, units_without_the_right_write_nothing);
    tcase_add_test(tc, weekend_rule_moves_the_collection_date);
    tcase_add_test(tc, later_report_supersedes_visibly);
    tcase_add_test(tc, reported_on_judges_the_round);
    tcase_add_test(tc, round_report_rules_name_their_fields);
    tcase_add_test(tc, closed_round_refuses_reports_and_keeps_its_snapshot);
    tcase_add_test(tc, upcoming_round_takes_no_report);
    suite_add_tcase(s, tc);
    return s;
}
