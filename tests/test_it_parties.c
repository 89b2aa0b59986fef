/*
 * The parties outside the government, quality and safety, payment terms and the plan's
 * guards (proto/parties.proto, schema/migrations/0021_parties.sql) through the real path:
 * client → protocol → renod → PostgreSQL, checking what was stored and what the status
 * shows.
 *
 *   - parties: registered per project with a checked kind, corrected when registered
 *     again, refused to a unit without parties.write; a joint meeting (联席会议) names at
 *     least two parties of its own project;
 *   - the joint acceptance refuses an acceptance without a party the document requires,
 *     naming it, and writes nothing; the management arrangement names a party of a kind
 *     that fits its mode;
 *   - quality and safety: an inspection's rectification is a supervision item, overdue in
 *     the status's quality and supervision sections until it is replied to and accepted;
 *     an incident is always rectified;
 *   - payment terms: never more than the contract; the status shows what was due by its
 *     date, what was paid by then, and what is due and unpaid;
 *   - guards: willingness, underground before surface, a property company preferred;
 *   - the same from the `reno` command line, and `reno status` showing the sections.
 *
 * Requests are built from "field=value" text through the descriptors (as the command
 * line does), so that each call reads as the operation and its fields.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "it.h"
#include "reflect.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* Sends operation `op` (a Request field name) with fields given as "name=value" (a
 * repeated field may come more than once), a fresh idempotency key for a write unless
 * "idempotency_key=<hex>" is among them. The reply is the caller's (net_free). */
static Reno__ServerMessage *call(struct net_conn *c, const char *op, const char *const *fields)
{
    const ProtobufCFieldDescriptor *rf =
        protobuf_c_message_descriptor_get_field_by_name(&reno__request__descriptor, op);
    ck_assert_msg(rf != NULL, "no operation %s", op);
    ProtobufCMessage *body = reflect_new(rf->descriptor);
    const ProtobufCFieldDescriptor *kf =
        protobuf_c_message_descriptor_get_field_by_name(rf->descriptor, "idempotency_key");
    char err[REFLECT_ERR_SIZE];
    if (kf != NULL) {
        uint8_t key[16];
        char hex[40] = "\\x";
        randombytes_buf(key, sizeof key);
        for (size_t i = 0; i < sizeof key; i++)
            snprintf(hex + 2 + 2 * i, 3, "%02x", key[i]);
        ck_assert_int_eq(reflect_set_text(body, kf, hex, err), 0);
    }
    for (size_t i = 0; fields[i] != NULL; i++) {
        const char *eq = strchr(fields[i], '=');
        ck_assert_ptr_nonnull(eq);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - fields[i]), fields[i]);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(rf->descriptor, name);
        ck_assert_msg(f != NULL, "%s has no field %s", op, name);
        ck_assert_msg(reflect_set_text(body, f, eq + 1, err) == 0, "%s", err);
    }
    Reno__ServerMessage *m = h_call_body(c, (Reno__Request__BodyCase)rf->id, body);
    protobuf_c_message_free_unpacked(body, NULL);
    return m;
}

#define CALL(c, op, ...) call((c), (op), (const char *const[]){__VA_ARGS__, NULL})

/* A write that must succeed; returns the id written. */
static int64_t ok_id(struct net_conn *c, Reno__ServerMessage *m)
{
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "refused: %s (field %s)",
                  m->response->status->message, m->response->status->field);
    int64_t id = m->response->add_party->id; /* every write reply is a WriteReply */
    net_free(c, m);
    return id;
}

/* A refusal with its code and field path; the message must contain `words` if given. */
static void refused(struct net_conn *c, Reno__ServerMessage *m, Reno__StatusCode code,
                    const char *field, const char *words)
{
    ck_assert_msg(h_code(m) == code, "expected status %d, got %d: %s (field %s)", code, h_code(m),
                  m->response->status->message, m->response->status->field);
    ck_assert_str_eq(m->response->status->field, field);
    if (words != NULL)
        ck_assert_msg(strstr(m->response->status->message, words) != NULL, "'%s' not in: %s", words,
                      m->response->status->message);
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

static char *fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static char *fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, size, f, ap);
    va_end(ap);
    return buf;
}

/* Registers a party of a project as the housing bureau; returns its id. */
static int64_t party(struct net_conn *c, long project, const char *kind, const char *name)
{
    char p[48], k[64], n[256];
    return ok_id(c, CALL(c, "add_party", fmt(p, sizeof p, "project_id=%ld", project),
                         fmt(k, sizeof k, "kind=%s", kind), fmt(n, sizeof n, "name=%s", name),
                         "contact=张某 0851-0000000"));
}

/* The five parties the joint acceptance requires, registered for a project. */
struct parties {
    int64_t builder, contractor, supervisor, property, owners;
};

static struct parties register_required(struct net_conn *c, long project)
{
    struct parties p;
    p.builder = party(c, project, "builder", "紫云自治县城市开发建设指挥部（示例）");
    p.contractor = party(c, project, "contractor", "贵州示例建设工程有限公司（示例）");
    p.supervisor = party(c, project, "supervisor", "贵州示例工程监理有限公司（示例）");
    p.property = party(c, project, "property_company", "紫云示例物业服务有限公司（示例）");
    p.owners = party(c, project, "owners_committee", "示例小区业主委员会（示例）");
    return p;
}

/* Every household of a project completed on a date, as the housing bureau reports it. */
static void complete_project(struct net_conn *c, long project, int households, const char *date)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, households, households);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "push: %s", m->response->status->message);
    net_free(c, m);
}

static const Reno__StatusReply *status_of(Reno__ServerMessage *m)
{
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "status: %s", m->response->status->message);
    return m->response->status_reply;
}

/* ---- parties and joint meetings --------------------------------------------------------- */

START_TEST(parties_are_registered_and_meet)
{
    long project = h_project_id(h_db, 0);
    long other = h_project_id(h_db, 1);
    char p[48], o[48], ids[3][48];
    fmt(p, sizeof p, "project_id=%ld", project);
    fmt(o, sizeof o, "project_id=%ld", other);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);

    refused(c, CALL(c, "add_party", p, "name=某居委会"), RENO__STATUS_CODE__BAD_REQUEST,
            "add_party.kind", NULL);
    refused(c, CALL(c, "add_party", p, "kind=residents_committee", "name=\u3000 "),
            RENO__STATUS_CODE__BAD_REQUEST, "add_party.name", NULL);
    refused(c, CALL(c, "add_party", "project_id=999999", "kind=builder", "name=某单位"),
            RENO__STATUS_CODE__NOT_FOUND, "add_party.project_id", NULL);

    int64_t committee = party(c, project, "residents_committee", "松山街道示例社区居民委员会");
    int64_t owner = party(c, project, "property_owner", "县房管所（示例）");
    int64_t elsewhere = party(c, other, "residents_committee", "松山街道另一社区居民委员会");
    /* Registered again, the same party: its contact is corrected. */
    ck_assert_int_eq(ok_id(c, CALL(c, "add_party", p, "kind=residents_committee",
                                   "name=松山街道示例社区居民委员会", "contact=李主任 138")),
                     committee);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM party WHERE id = %lld AND contact = '李主任 "
                              "138'",
                              (long long)committee),
                     1);

    /* A joint meeting brings two parties or more of its own project together. */
    fmt(ids[0], sizeof ids[0], "party_ids=%lld", (long long)committee);
    fmt(ids[1], sizeof ids[1], "party_ids=%lld", (long long)owner);
    fmt(ids[2], sizeof ids[2], "party_ids=%lld", (long long)elsewhere);
    refused(c,
            CALL(c, "record_joint_meeting", p, "held_on=2022-02-15", "topic=改造方案协调", ids[0]),
            RENO__STATUS_CODE__BAD_REQUEST, "record_joint_meeting.party_ids", "at least two");
    refused(c,
            CALL(c, "record_joint_meeting", p, "held_on=2022-02-15", "topic=改造方案协调", ids[0],
                 ids[2]),
            RENO__STATUS_CODE__NOT_FOUND, "record_joint_meeting.party_ids", NULL);
    refused(c,
            CALL(c, "record_joint_meeting", p, "held_on=2999-01-01", "topic=改造方案协调", ids[0],
                 ids[1]),
            RENO__STATUS_CODE__BAD_REQUEST, "record_joint_meeting.held_on", NULL);
    refused(c, CALL(c, "record_joint_meeting", p, "held_on=2022-02-15", "topic=", ids[0], ids[1]),
            RENO__STATUS_CODE__BAD_REQUEST, "record_joint_meeting.topic", NULL);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM joint_meeting"), 0);
    int64_t meeting =
        ok_id(c, CALL(c, "record_joint_meeting", p, "held_on=2022-02-15", "topic=改造方案协调",
                      ids[0], ids[1], "outcome=产权单位同意改造"));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM joint_meeting_party WHERE meeting_id = %lld",
                              (long long)meeting),
                     2);

    Reno__ServerMessage *m = CALL(c, "list_joint_meetings", p);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq((int)m->response->list_joint_meetings->n_items, 1);
    ck_assert_str_eq(m->response->list_joint_meetings->items[0]->parties,
                     "社区居民委员会 松山街道示例社区居民委员会、产权单位 县房管所（示例）");
    net_free(c, m);
    m = CALL(c, "list_parties", p);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq((int)m->response->list_parties->n_items, 2);
    ck_assert_str_eq(m->response->list_parties->items[0]->kind_name, "社区居民委员会");
    ck_assert_int_eq(m->response->list_parties->items[0]->joint_meetings, 1);
    net_free(c, m);

    /* The status: parties per project, what the acceptance still lacks, the meetings. */
    m = h_get_status(c, "2022-03-01");
    const Reno__StatusReply *s = status_of(m);
    ck_assert_int_ge((int)s->n_parties, 3);
    ck_assert_int_eq(s->parties[0]->project_id, project);
    ck_assert_int_eq(s->parties[0]->parties, 2);
    ck_assert_int_eq(s->parties[0]->joint_meetings, 1);
    ck_assert_str_eq(s->parties[0]->last_joint_meeting, "2022-02-15");
    ck_assert_str_eq(s->parties[0]->missing_for_acceptance,
                     "建设单位、参建单位、监理单位、物业服务企业、社区业主委员会（居民代表）");
    net_free(c, m);
    net_close(c);

    /* A unit without parties.write registers nothing; a leader neither. */
    const char *others[] = {H_FINANCE, H_POWER, H_LEADER};
    for (size_t i = 0; i < 3; i++) {
        c = h_login(&h_srv, others[i]);
        refused(c, CALL(c, "add_party", p, "kind=builder", "name=某单位"),
                RENO__STATUS_CODE__PERMISSION_DENIED, "", NULL);
        net_close(c);
    }
    ck_assert_int_eq(sql_long("SELECT count(*) FROM party"), 3);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM audit_log WHERE entity = 'party'"), 4);
}
END_TEST

/* ---- the joint acceptance and management ------------------------------------------------- */

START_TEST(acceptance_requires_the_plans_parties)
{
    long project = h_project_id(h_db, 0);
    char p[48], ids[5][48], managed[48];
    fmt(p, sizeof p, "project_id=%ld", project);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    complete_project(c, project, 500, "2022-11-20");
    struct parties ps = register_required(c, project);
    fmt(ids[0], sizeof ids[0], "party_ids=%lld", (long long)ps.builder);
    fmt(ids[1], sizeof ids[1], "party_ids=%lld", (long long)ps.contractor);
    fmt(ids[2], sizeof ids[2], "party_ids=%lld", (long long)ps.supervisor);
    fmt(ids[3], sizeof ids[3], "party_ids=%lld", (long long)ps.property);
    fmt(ids[4], sizeof ids[4], "party_ids=%lld", (long long)ps.owners);

    /* Only the builder and the owners' committee: the others are named as missing. */
    refused(c,
            CALL(c, "record_acceptance", p, "accepted_on=2022-11-28", "result=passed",
                 "participating_units=housing", "resident_representatives=居民代表李某", ids[0],
                 ids[4]),
            RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.party_ids",
            "参建单位、监理单位、物业服务企业");
    /* Residents' representatives alone are not enough either (the old rule). */
    refused(c,
            CALL(c, "record_acceptance", p, "accepted_on=2022-11-28", "result=passed",
                 "participating_units=housing", "resident_representatives=居民代表李某"),
            RENO__STATUS_CODE__BAD_REQUEST, "record_acceptance.party_ids",
            "建设单位、参建单位、监理单位、物业服务企业、社区业主委员会（居民代表）");
    ck_assert_int_eq(sql_long("SELECT count(*) FROM acceptance"), 0);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM idempotency WHERE operation = "
                              "'record_acceptance'"),
                     0);
    /* A party of another project is not this project's. */
    long other = h_project_id(h_db, 1);
    int64_t foreign = party(c, other, "supervisor", "另一监理单位（示例）");
    char foreign_id[48];
    fmt(foreign_id, sizeof foreign_id, "party_ids=%lld", (long long)foreign);
    refused(c,
            CALL(c, "record_acceptance", p, "accepted_on=2022-11-28", "result=passed",
                 "participating_units=housing", "resident_representatives=居民代表李某", ids[0],
                 ids[1], foreign_id, ids[3], ids[4]),
            RENO__STATUS_CODE__NOT_FOUND, "record_acceptance.party_ids", NULL);

    int64_t accepted =
        ok_id(c, CALL(c, "record_acceptance", p, "accepted_on=2022-11-28", "result=passed",
                      "participating_units=housing", "resident_representatives=居民代表李某",
                      ids[0], ids[1], ids[2], ids[3], ids[4]));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM acceptance_party WHERE acceptance_id = %lld",
                              (long long)accepted),
                     5);
    Reno__ServerMessage *m = CALL(c, "list_parties", p);
    ck_assert_int_eq(m->response->list_parties->items[0]->acceptances, 1);
    net_free(c, m);

    /* The management arrangement names a party whose kind fits its mode. */
    fmt(managed, sizeof managed, "party_id=%lld", (long long)ps.contractor);
    refused(c,
            CALL(c, "set_management", p, "mode=property_company", "provider=某物业",
                 "starts_on=2022-12-01", managed),
            RENO__STATUS_CODE__BAD_REQUEST, "set_management.party_id", "参建单位");
    fmt(managed, sizeof managed, "party_id=%lld", (long long)foreign);
    refused(c,
            CALL(c, "set_management", p, "mode=property_company", "provider=某物业",
                 "starts_on=2022-12-01", managed),
            RENO__STATUS_CODE__NOT_FOUND, "set_management.party_id", NULL);
    int64_t committee = party(c, project, "residents_committee", "示例社区居民委员会");
    fmt(managed, sizeof managed, "party_id=%lld", (long long)committee);
    ok_id(c, CALL(c, "set_management", p, "mode=community", "provider=示例社区居民委员会",
                  "starts_on=2022-12-01", managed));
    /* Community management: the status prefers a property company. */
    m = h_get_status(c, "2022-12-05");
    const Reno__StatusReply *s = status_of(m);
    bool preferred = false;
    for (size_t i = 0; i < s->n_guards; i++)
        preferred |= s->guards[i]->project_id == project &&
                     strcmp(s->guards[i]->code, "property_management") == 0;
    ck_assert_msg(preferred, "no property_management guard");
    ck_assert_str_eq(s->parties[0]->missing_for_acceptance, "");
    net_free(c, m);
    fmt(managed, sizeof managed, "party_id=%lld", (long long)ps.property);
    ok_id(c, CALL(c, "set_management", p, "mode=property_company",
                  "provider=紫云示例物业服务有限公司（示例）", "starts_on=2022-12-01", managed));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM management_arrangement WHERE party_id = %lld",
                              (long long)ps.property),
                     1);
    m = h_get_status(c, "2022-12-05");
    s = status_of(m);
    for (size_t i = 0; i < s->n_guards; i++)
        ck_assert_msg(s->guards[i]->project_id != project ||
                          (strcmp(s->guards[i]->code, "property_management") != 0 &&
                           strcmp(s->guards[i]->code, "management_party") != 0),
                      "guard %s left", s->guards[i]->code);
    net_free(c, m);
    net_close(c);
}
END_TEST

/* ---- quality and safety ----------------------------------------------------------------- */

START_TEST(rectifications_are_supervised_items)
{
    long project = h_project_id(h_db, 0);
    char p[48], owner[48];
    fmt(p, sizeof p, "project_id=%ld", project);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    int64_t contractor = party(c, project, "contractor", "贵州示例建设工程有限公司（示例）");
    fmt(owner, sizeof owner, "party_id=%lld", (long long)contractor);

    /* An inspection that found nothing to rectify, and the refusals. */
    int64_t clean = ok_id(c, CALL(c, "record_quality", p, "kind=inspection", "aspect=civilised",
                                  "occurred_on=2022-05-10", "inspector=县住建局质安站",
                                  "findings=围挡完整，现场整洁"));
    ck_assert_int_eq(sql_long("SELECT count(*) FROM quality_record WHERE id = %lld AND task_id "
                              "IS NULL",
                              (long long)clean),
                     1);
    refused(c,
            CALL(c, "record_quality", p, "kind=incident", "aspect=safety", "occurred_on=2022-06-02",
                 "inspector=监理单位", "findings=脚手架连墙件缺失"),
            RENO__STATUS_CODE__BAD_REQUEST, "record_quality.rectify_unit_code", NULL);
    refused(c,
            CALL(c, "record_quality", p, "kind=inspection", "aspect=quality",
                 "occurred_on=2022-06-02", "inspector=质安站", "findings=外墙空鼓",
                 "rectify_unit_code=housing", "rectify_deadline=2022-06-01"),
            RENO__STATUS_CODE__BAD_REQUEST, "record_quality.rectify_deadline", NULL);
    refused(c,
            CALL(c, "record_quality", p, "kind=inspection", "aspect=quality",
                 "occurred_on=2022-06-02", "inspector=质安站", "findings=外墙空鼓",
                 "rectify_unit_code=nowhere", "rectify_deadline=2022-06-20"),
            RENO__STATUS_CODE__NOT_FOUND, "record_quality.rectify_unit_code", NULL);
    refused(c,
            CALL(c, "record_quality", p, "aspect=quality", "occurred_on=2022-06-02",
                 "inspector=质安站", "findings=外墙空鼓"),
            RENO__STATUS_CODE__BAD_REQUEST, "record_quality.kind", NULL);

    /* A finding to rectify by a deadline long past: a supervision item, overdue. */
    int64_t finding = ok_id(c, CALL(c, "record_quality", p, "kind=inspection", "aspect=quality",
                                    "occurred_on=2022-06-02", "inspector=县住建局质安站",
                                    "findings=3号楼外墙保温层空鼓", "rectify_unit_code=housing",
                                    "rectify_deadline=2022-06-20", owner));
    long task = sql_long("SELECT task_id FROM quality_record WHERE id = %lld", (long long)finding);
    ck_assert_int_gt(task, 0);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM supervision_item WHERE id = %ld AND deadline "
                              "= '2022-06-20' AND source = '质量安全检查 2022-06-02' AND state = "
                              "'open'",
                              task),
                     1);
    Reno__ServerMessage *m = CALL(c, "list_quality", p);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq((int)m->response->list_quality->n_items, 2);
    const Reno__QualityRecord *q = m->response->list_quality->items[1];
    ck_assert_int_eq(q->task_id, task);
    ck_assert_str_eq(q->task_state, "open");
    ck_assert(q->overdue);
    ck_assert_str_eq(q->party_name, "参建单位 贵州示例建设工程有限公司（示例）");
    net_free(c, m);

    /* Today's status: overdue in the quality section and among the supervision items. */
    m = h_get_status(c, "");
    const Reno__StatusReply *s = status_of(m);
    ck_assert_int_eq((int)s->n_quality, 2);
    ck_assert_int_eq(s->quality[0]->inspections, 2);
    ck_assert_int_eq(s->quality[0]->rectifications_overdue, 1);
    ck_assert_str_eq(s->quality[0]->next_deadline, "2022-06-20");
    bool supervised = false;
    for (size_t i = 0; i < s->n_supervision; i++)
        supervised |= strcmp(s->supervision[i]->unit_code, "housing") == 0 &&
                      s->supervision[i]->items_overdue == 1;
    ck_assert_msg(supervised, "the rectification is not an overdue item of housing");
    net_free(c, m);

    /* The unit replies, the office accepts: the rectification is closed. */
    char t[48];
    fmt(t, sizeof t, "task_id=%ld", task);
    ok_id(c, CALL(c, "reply_task", t, "reply=已返工，监理复查合格"));
    net_close(c);
    c = h_login(&h_srv, H_OFFICE);
    ok_id(c, CALL(c, "review_task", t, "accept=yes", "comment=复查合格"));
    m = h_get_status(c, "");
    s = status_of(m);
    ck_assert_int_eq(s->quality[0]->rectifications, 1);
    ck_assert_int_eq(s->quality[0]->rectifications_open, 0);
    ck_assert_int_eq(s->quality[0]->rectifications_overdue, 0);
    net_free(c, m);
    /* An incident is always rectified; with its unit and deadline it is recorded. */
    ok_id(c, CALL(c, "record_quality", p, "kind=incident", "aspect=safety",
                  "occurred_on=2022-06-02", "inspector=监理单位", "findings=脚手架连墙件缺失",
                  "rectify_unit_code=housing", "rectify_deadline=2022-06-05"));
    net_close(c);
    c = h_login(&h_srv, H_FINANCE);
    refused(c,
            CALL(c, "record_quality", p, "kind=inspection", "aspect=quality",
                 "occurred_on=2022-06-02", "inspector=质安站", "findings=无"),
            RENO__STATUS_CODE__PERMISSION_DENIED, "", NULL);
    net_close(c);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM quality_record"), 3);
}
END_TEST

/* ---- payment terms ---------------------------------------------------------------------- */

START_TEST(payment_terms_due_and_unpaid)
{
    long project = h_project_id(h_db, 0);
    char p[48], k[48];
    fmt(p, sizeof p, "project_id=%ld", project);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    int64_t contract =
        ok_id(c, CALL(c, "add_contract", p, "kind=construction",
                      "counterparty=贵州示例建设工程有限公司（示例）", "awarded_on=2022-03-11",
                      "amount=1000000", "tender_method=公开招标"));
    fmt(k, sizeof k, "contract_id=%lld", (long long)contract);
    int64_t first = ok_id(c, CALL(c, "add_payment_term", k, "seq=1", "due_on=2022-05-20",
                                  "amount=300000", "basis=开工后首期进度款"));
    ok_id(c, CALL(c, "add_payment_term", k, "seq=2", "due_on=2022-08-20", "amount=400000",
                  "basis=主体完工50%"));
    ok_id(c, CALL(c, "add_payment_term", k, "seq=3", "due_on=2022-12-20", "amount=250000",
                  "basis=竣工验收合格"));
    /* Never more than the contract: 300000 + 400000 + 250000 + 60000 > 1000000. */
    refused(c,
            CALL(c, "add_payment_term", k, "seq=4", "due_on=2023-03-01", "amount=60000",
                 "basis=质保金"),
            RENO__STATUS_CODE__BAD_REQUEST, "add_payment_term.amount", NULL);
    refused(c,
            CALL(c, "add_payment_term", k, "seq=4", "due_on=2022-03-01", "amount=50000",
                 "basis=质保金"),
            RENO__STATUS_CODE__BAD_REQUEST, "add_payment_term.due_on", NULL);
    refused(c, CALL(c, "add_payment_term", k, "seq=0", "due_on=2023-03-01", "amount=1", "basis=x"),
            RENO__STATUS_CODE__BAD_REQUEST, "add_payment_term.seq", NULL);
    refused(c,
            CALL(c, "add_payment_term", "contract_id=999999", "seq=4", "due_on=2023-03-01",
                 "amount=1", "basis=x"),
            RENO__STATUS_CODE__NOT_FOUND, "add_payment_term.contract_id", NULL);
    /* The same number again corrects the term. */
    ck_assert_int_eq(ok_id(c, CALL(c, "add_payment_term", k, "seq=1", "due_on=2022-05-25",
                                   "amount=300000", "basis=开工后首期进度款")),
                     first);
    net_close(c);

    /* Nothing paid: as of 1 June the first term is due and unpaid. */
    c = h_login(&h_srv, H_FINANCE);
    Reno__ServerMessage *m = h_get_status(c, "2022-06-01");
    const Reno__StatusReply *s = status_of(m);
    ck_assert_int_eq((int)s->n_payments, 2);
    ck_assert_int_eq(s->payments[0]->terms, 3);
    ck_assert_int_eq(s->payments[0]->terms_due, 1);
    ck_assert_double_eq_tol(s->payments[0]->unpaid_due, 300000, 0.001);
    ck_assert_int_eq(s->payments[0]->terms_unpaid, 1);
    ck_assert_str_eq(s->payments[0]->earliest_unpaid, "2022-05-25");
    net_free(c, m);

    /* The finance bureau pays the first term on time, the second late. */
    int64_t alloc = ok_id(c, CALL(c, "allocate_funds", p, "source=central_subsidy",
                                  "amount=1000000", "allocated_on=2022-03-10"));
    char a[48];
    fmt(a, sizeof a, "allocation_id=%lld", (long long)alloc);
    ok_id(c, CALL(c, "receive_funds", a, "amount=1000000", "received_on=2022-03-15"));
    ok_id(c, CALL(c, "record_payment", k, "source=central_subsidy", "amount=300000",
                  "paid_on=2022-05-24", "note=第一期进度款"));
    ok_id(c, CALL(c, "record_payment", k, "source=central_subsidy", "amount=400000",
                  "paid_on=2022-09-05", "note=第二期进度款"));
    m = h_get_status(c, "2022-06-01");
    s = status_of(m);
    ck_assert_double_eq_tol(s->payments[0]->paid, 300000, 0.001);
    ck_assert_double_eq_tol(s->payments[0]->unpaid_due, 0, 0.001);
    ck_assert_int_eq(s->payments[0]->terms_unpaid, 0);
    net_free(c, m);
    m = h_get_status(c, "2022-09-01");
    s = status_of(m);
    ck_assert_int_eq(s->payments[0]->terms_due, 2);
    ck_assert_double_eq_tol(s->payments[0]->unpaid_due, 400000, 0.001);
    ck_assert_str_eq(s->payments[0]->earliest_unpaid, "2022-08-20");
    ck_assert_int_eq(s->payments[1]->project_id, 0); /* the total */
    net_free(c, m);

    m = CALL(c, "list_payment_terms", p);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq((int)m->response->list_payment_terms->n_items, 3);
    ck_assert_str_eq(m->response->list_payment_terms->items[0]->state, "paid_on_time");
    ck_assert_str_eq(m->response->list_payment_terms->items[1]->state, "paid_late");
    ck_assert_str_eq(m->response->list_payment_terms->items[1]->paid_on, "2022-09-05");
    ck_assert_str_eq(m->response->list_payment_terms->items[2]->state, "due_unpaid");
    net_free(c, m);
    /* Terms are the housing bureau's (contract.write), not the finance bureau's. */
    refused(c, CALL(c, "add_payment_term", k, "seq=4", "due_on=2023-03-01", "amount=1", "basis=x"),
            RENO__STATUS_CODE__PERMISSION_DENIED, "", NULL);
    net_close(c);
    /* A utility does not read the money. */
    c = h_login(&h_srv, H_POWER);
    refused(c, CALL(c, "list_payment_terms", p), RENO__STATUS_CODE__PERMISSION_DENIED, "", NULL);
    net_close(c);
}
END_TEST

/* ---- guards ----------------------------------------------------------------------------- */

static bool has_guard(const Reno__StatusReply *s, long project, const char *code, const char *words)
{
    for (size_t i = 0; i < s->n_guards; i++)
        if (s->guards[i]->project_id == project && strcmp(s->guards[i]->code, code) == 0 &&
            (words == NULL || strstr(s->guards[i]->detail, words) != NULL))
            return true;
    return false;
}

START_TEST(guards_warn_the_office)
{
    long project = h_project_id(h_db, 0);
    long other = h_project_id(h_db, 1);
    char p[48], o[48], item[48];
    fmt(p, sizeof p, "project_id=%ld", project);
    fmt(o, sizeof o, "project_id=%ld", other);
    struct net_conn *c = h_login(&h_srv, H_OFFICE);

    /* No willingness survey yet: both projects are flagged. */
    Reno__ServerMessage *m = h_get_status(c, "2022-01-05");
    const Reno__StatusReply *s = status_of(m);
    ck_assert(has_guard(s, project, "willingness", "无意愿调查"));
    ck_assert(has_guard(s, other, "willingness", NULL));
    net_free(c, m);
    /* A willing project is not; one where fewer than half agree still is. */
    ok_id(c, CALL(c, "record_survey", p, "kind=willingness", "surveyed_on=2021-12-20",
                  "households_asked=400", "households_agreeing=380"));
    ok_id(c, CALL(c, "record_survey", o, "kind=willingness", "surveyed_on=2021-12-20",
                  "households_asked=200", "households_agreeing=90"));
    m = h_get_status(c, "2022-01-05");
    s = status_of(m);
    ck_assert(!has_guard(s, project, "willingness", NULL));
    ck_assert(has_guard(s, other, "willingness", "不足半数"));
    net_free(c, m);

    /* 先地下、后地上: roads started while the water supply is not done. */
    ok_id(c, CALL(c, "add_project_item", p, "catalogue_code=water_supply",
                  "responsible_unit_code=housing", "planned_quantity=800", "unit_of_measure=m",
                  "budget=500000"));
    int64_t roads = ok_id(c, CALL(c, "add_project_item", p, "catalogue_code=roads",
                                  "responsible_unit_code=housing", "planned_quantity=3000",
                                  "unit_of_measure=m²", "budget=900000"));
    m = h_get_status(c, "");
    ck_assert(!has_guard(status_of(m), project, "underground_first", NULL));
    net_free(c, m);
    fmt(item, sizeof item, "item_id=%lld", (long long)roads);
    ok_id(c, CALL(c, "update_project_item", item, "status=in_progress", "progress_pct=10"));
    m = h_get_status(c, "");
    ck_assert(
        has_guard(status_of(m), project, "underground_first", "道路开工时，地下部分（供水）"));
    ck_assert(!has_guard(status_of(m), other, "underground_first", NULL));
    net_free(c, m);
    net_close(c);
}
END_TEST

/* ---- the command line ------------------------------------------------------------------- */

START_TEST(command_line_and_status_text)
{
    long project = h_project_id(h_db, 0);
    char dir[] = "/tmp/reno-it-parties-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char xdg[300], server[96], pid[32];
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s", dir);
    snprintf(server, sizeof server, "RENO_SERVER=%s", h_srv.address);
    snprintf(pid, sizeof pid, "%ld", project);
    const char *env[] = {xdg, server, NULL};
    char *out, *err;
    const char *login[] = {h_bin("reno"), "login", "--user", H_HOUSING, "--password-stdin", NULL};
    ck_assert_int_eq(h_run(login, env, "housing-test-password\n", &out, &err), 0);
    free(out);
    free(err);
    const char *add[] = {h_bin("reno"),      "party",  "add",
                         "--project-id",     pid,      "--kind",
                         "owners_committee", "--name", "示例小区业主委员会",
                         "--contact",        "王主任", NULL};
    int rc = h_run(add, env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "party add: %s%s", out, err);
    free(out);
    free(err);
    const char *list[] = {h_bin("reno"), "party", "list", "--project-id", pid, NULL};
    rc = h_run(list, env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "party list: %s", err);
    ck_assert_msg(strstr(out, "业主委员会") && strstr(out, "示例小区业主委员会"), "%s", out);
    free(out);
    free(err);
    const char *bad[] = {h_bin("reno"), "party",    "add",    "--project-id", pid,
                         "--kind",      "landlord", "--name", "某人",         NULL};
    ck_assert_int_ne(h_run(bad, env, NULL, &out, &err), 0);
    free(out);
    free(err);
    const char *status[] = {h_bin("reno"), "status", NULL};
    rc = h_run(status, env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "status: %s", err);
    ck_assert_msg(strstr(out, "parties (各方主体) and joint meetings (联席会议):") != NULL, "%s",
                  out);
    ck_assert_msg(strstr(out, "建设单位、参建单位、监理单位、物业服务企业") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "the plan's preferences and guards") != NULL, "%s", out);
    free(out);
    free(err);
    /* People read Chinese first. */
    const char *zh_env[] = {xdg, server, "LANG=zh_CN.UTF-8", NULL};
    rc = h_run(status, zh_env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "status: %s", err);
    ck_assert_msg(strstr(out, "各方主体与联席会议：") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "验收缺少") != NULL, "%s", out);
    free(out);
    free(err);
    const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    h_run(rm, NULL, NULL, &out, &err);
    free(out);
    free(err);
}
END_TEST

Suite *it_parties_suite(void)
{
    Suite *s = suite_create("it_parties");
    TCase *tc = tcase_create("parties");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, parties_are_registered_and_meet);
    tcase_add_test(tc, acceptance_requires_the_plans_parties);
    tcase_add_test(tc, rectifications_are_supervised_items);
    tcase_add_test(tc, payment_terms_due_and_unpaid);
    tcase_add_test(tc, guards_warn_the_office);
    tcase_add_test(tc, command_line_and_status_text);
    suite_add_tcase(s, tc);
    return s;
}
