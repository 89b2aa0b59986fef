/*
 * Contracts, oversight records and the funds ledger through the real path: client →
 * protocol → renod → PostgreSQL (common/ops_money.def → reno_op_* in 0004_money.sql).
 *
 * Every write is checked for what it stored and for its audit row; every refusal for its
 * typed status and field path, and for having written nothing (no row, no idempotency
 * record, no audit entry). The ledger's rules are tested from the outside: a payment
 * larger than what its project received from that source, a contract paid beyond its
 * amount, money of one project used for another, and two connections racing for the
 * same balance with pipelined payments.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "frame.h"
#include "it.h"
#include "msg.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* Everything a write leaves behind, in one number: a refusal must not change it. */
static long rows_written(void)
{
    return h_sql_long(h_db, "SELECT (SELECT count(*) FROM contract)"
                            " + (SELECT count(*) FROM oversight_record)"
                            " + (SELECT count(*) FROM fund_allocation)"
                            " + (SELECT count(*) FROM fund_receipt)"
                            " + (SELECT count(*) FROM fund_payment)"
                            " + (SELECT count(*) FROM idempotency)"
                            " + (SELECT count(*) FROM audit_log)");
}

static long count_where(const char *sql_fmt, ...) __attribute__((format(printf, 1, 2)));
static long count_where(const char *sql_fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, sql_fmt);
    vsnprintf(sql, sizeof sql, sql_fmt, ap);
    va_end(ap);
    return h_sql_long(h_db, sql);
}

/* Sends a write that must succeed for the first time; returns the id written. */
static int64_t write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "write %d refused: %s (%s)", (int)body,
                  m->response->status->message, m->response->status->field);
    ck_assert_int_eq(m->response->body_case, (int)body);
    /* Every write is answered by a WriteReply in the same union slot. */
    const Reno__WriteReply *w = m->response->add_contract;
    ck_assert(!w->replayed);
    int64_t id = w->id;
    ck_assert_int_gt(id, 0);
    net_free(c, m);
    return id;
}

/* Sends the same write again (same key): it must be replayed with the first id. */
static void write_replayed(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                           int64_t first_id)
{
    long before = rows_written();
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->add_contract->replayed);
    ck_assert_int_eq(m->response->add_contract->id, first_id);
    net_free(c, m);
    ck_assert_int_eq(rows_written(), before);
}

/* Sends a request that must be refused with `code` naming `field` (a full path, or ""),
 * and checks that nothing at all was written. */
static void refused(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                    Reno__StatusCode code, const char *field)
{
    long before = rows_written();
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == code, "expected status %d for %s, got %d: %s", (int)code, field,
                  (int)h_code(m), m->response->status->message);
    ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
    ck_assert_int_eq(rows_written(), before);
}

static void contract_init(Reno__AddContract *a, uint8_t key[16], long project, double amount)
{
    reno__add_contract__init(a);
    h_new_key(&a->idempotency_key, key);
    a->project_id = project;
    a->kind = RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION;
    a->counterparty = "贵州紫云宏达建筑工程有限公司";
    a->awarded_on = "2022-03-20";
    a->amount = amount;
    a->tender_method = "公开招标";
}

static int64_t add_contract(struct net_conn *c, long project, double amount)
{
    uint8_t key[16];
    Reno__AddContract a;
    contract_init(&a, key, project, amount);
    return write_ok(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a);
}

static void allocation_init(Reno__AllocateFunds *a, uint8_t key[16], long project,
                            Reno__FundSource source, double amount)
{
    reno__allocate_funds__init(a);
    h_new_key(&a->idempotency_key, key);
    a->project_id = project;
    a->source = source;
    a->amount = amount;
    a->allocated_on = "2022-01-10";
    a->document_ref = "黔财建〔2022〕12号";
}

static void receipt_init(Reno__ReceiveFunds *r, uint8_t key[16], int64_t allocation, double amount)
{
    reno__receive_funds__init(r);
    h_new_key(&r->idempotency_key, key);
    r->allocation_id = allocation;
    r->amount = amount;
    r->received_on = "2022-02-15";
}

/* Allocates `amount` from `source` to `project` and receives all of it. */
static int64_t fund(struct net_conn *c, long project, Reno__FundSource source, double amount)
{
    uint8_t key[16];
    Reno__AllocateFunds a;
    allocation_init(&a, key, project, source, amount);
    int64_t allocation = write_ok(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);
    Reno__ReceiveFunds r;
    receipt_init(&r, key, allocation, amount);
    write_ok(c, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);
    return allocation;
}

static void payment_init(Reno__RecordPayment *p, uint8_t key[16], int64_t contract,
                         Reno__FundSource source, double amount)
{
    reno__record_payment__init(p);
    h_new_key(&p->idempotency_key, key);
    p->contract_id = contract;
    p->source = source;
    p->amount = amount;
    p->paid_on = "2022-04-15";
    p->note = "工程进度款";
}

#define CENTRAL  RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY
#define COUNTY   RENO__FUND_SOURCE__FUND_SOURCE_COUNTY_FUND
#define RESIDENT RENO__FUND_SOURCE__FUND_SOURCE_RESIDENT_DIRECT

/* ---- contracts --------------------------------------------------------------------------- */

START_TEST(housing_records_contracts_and_lists_them)
{
    long p1 = h_project_id(h_db, 0), p2 = h_project_id(h_db, 1);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];
    Reno__AddContract a;
    contract_init(&a, key, p1, 3200000.5);
    int64_t id = write_ok(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a);
    ck_assert_int_eq(count_where("SELECT count(*) FROM contract k JOIN unit u ON u.id = k.unit_id"
                                 " WHERE k.id = %lld AND k.project_id = %ld"
                                 " AND k.kind = 'construction'"
                                 " AND k.counterparty = '贵州紫云宏达建筑工程有限公司'"
                                 " AND k.awarded_on = '2022-03-20' AND k.amount = 3200000.50"
                                 " AND k.tender_method = '公开招标' AND u.code = 'housing'",
                                 (long long)id, p1),
                     1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM audit_log WHERE action = 'add_contract'"
                                 " AND entity = 'contract' AND entity_id = %lld"
                                 " AND before IS NULL AND (after->>'amount')::numeric = 3200000.5",
                                 (long long)id),
                     1);

    /* A retry with the same key counts once; the same key for other content is a conflict. */
    write_replayed(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a, id);
    a.amount = 1;
    refused(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a, RENO__STATUS_CODE__CONFLICT,
            "add_contract.idempotency_key");
    ck_assert_int_eq(count_where("SELECT count(*) FROM contract"), 1);

    /* The supervisor (监理), and a design contract of nothing (amount ≥ 0, not > 0). */
    contract_init(&a, key, p1, 96000);
    a.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_SUPERVISION;
    a.counterparty = "贵州建工监理咨询有限公司";
    a.tender_method = "邀请招标";
    write_ok(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a);
    contract_init(&a, key, p2, 0);
    a.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_DESIGN;
    a.counterparty = "紫云县规划设计院";
    a.tender_method = "直接委托";
    write_ok(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a);

    Reno__ListContracts lc = RENO__LIST_CONTRACTS__INIT;
    lc.project_id = p1;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_CONTRACTS, &lc);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__ContractList *list = m->response->list_contracts;
    ck_assert_uint_eq(list->n_items, 2);
    Reno__Contract *k = list->items[0];
    ck_assert_int_eq(k->id, id);
    ck_assert_int_eq(k->project_id, p1);
    ck_assert_str_eq(k->project_name, "松山街道示例小区一（示例）");
    ck_assert_int_eq(k->kind, RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION);
    ck_assert_str_eq(k->counterparty, "贵州紫云宏达建筑工程有限公司");
    ck_assert_str_eq(k->awarded_on, "2022-03-20");
    ck_assert_double_eq(k->amount, 3200000.5);
    ck_assert_str_eq(k->tender_method, "公开招标");
    ck_assert_double_eq(k->paid, 0);
    ck_assert_double_eq(k->remaining, 3200000.5);
    ck_assert_int_eq(list->items[1]->kind, RENO__CONTRACT_KIND__CONTRACT_KIND_SUPERVISION);
    net_free(c, m);

    lc.project_id = 0;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_CONTRACTS, &lc);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->list_contracts->n_items, 3);
    net_free(c, m);
    lc.project_id = 999999;
    refused(c, RENO__REQUEST__BODY_LIST_CONTRACTS, &lc, RENO__STATUS_CODE__NOT_FOUND,
            "list_contracts.project_id");
    net_close(c);
}
END_TEST

START_TEST(contract_rules_name_their_field)
{
    long p1 = h_project_id(h_db, 0);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];
    Reno__AddContract a;
    const Reno__Request__BodyCase add = RENO__REQUEST__BODY_ADD_CONTRACT;
    const Reno__StatusCode bad = RENO__STATUS_CODE__BAD_REQUEST;

    contract_init(&a, key, 999999, 1000);
    refused(c, add, &a, RENO__STATUS_CODE__NOT_FOUND, "add_contract.project_id");
    contract_init(&a, key, p1, 1000);
    a.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_UNSPECIFIED;
    refused(c, add, &a, bad, "add_contract.kind");
    contract_init(&a, key, p1, 1000);
    a.counterparty = "";
    refused(c, add, &a, bad, "add_contract.counterparty");
    a.counterparty = " \u3000 "; /* only spaces, an ideographic one among them */
    refused(c, add, &a, bad, "add_contract.counterparty");
    char long_name[700] = "";
    for (int i = 0; i < 201; i++)
        strcat(long_name, "建");
    a.counterparty = long_name;
    refused(c, add, &a, bad, "add_contract.counterparty");
    contract_init(&a, key, p1, 1000);
    a.awarded_on = "";
    refused(c, add, &a, bad, "add_contract.awarded_on");
    a.awarded_on = "2999-01-01"; /* an award is recorded once it has happened */
    refused(c, add, &a, bad, "add_contract.awarded_on");
    a.awarded_on = "2022-02-30"; /* refused by renod before the database */
    refused(c, add, &a, bad, "add_contract.awarded_on");
    contract_init(&a, key, p1, -0.01);
    refused(c, add, &a, bad, "add_contract.amount");
    a.amount = 0.001; /* not a whole number of fen: refused, not rounded */
    refused(c, add, &a, bad, "add_contract.amount");
    a.amount = 2e12;
    refused(c, add, &a, bad, "add_contract.amount");
    contract_init(&a, key, p1, 1000);
    a.tender_method = "";
    refused(c, add, &a, bad, "add_contract.tender_method");
    ck_assert_int_eq(count_where("SELECT count(*) FROM contract"), 0);

    /* 0.1 travels as 0.10000000000000001 and is stored as exactly 0.10. */
    contract_init(&a, key, p1, 0.1);
    int64_t id = write_ok(c, add, &a);
    ck_assert_int_eq(count_where("SELECT count(*) FROM contract WHERE id = %lld AND amount = 0.10",
                                 (long long)id),
                     1);
    net_close(c);
}
END_TEST

START_TEST(units_without_contract_write_are_refused)
{
    long p1 = h_project_id(h_db, 0);
    static const char *const refused_users[] = {H_FINANCE, H_LEADER, H_POWER};
    for (size_t i = 0; i < sizeof refused_users / sizeof refused_users[0]; i++) {
        struct net_conn *c = h_login(&h_srv, refused_users[i]);
        uint8_t key[16];
        Reno__AddContract a;
        contract_init(&a, key, p1, 1000);
        refused(c, RENO__REQUEST__BODY_ADD_CONTRACT, &a, RENO__STATUS_CODE__PERMISSION_DENIED, "");
        Reno__RecordOversight o = RENO__RECORD_OVERSIGHT__INIT;
        h_new_key(&o.idempotency_key, key);
        o.project_id = p1;
        o.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_SUPERVISION;
        o.recorded_on = "2022-04-20";
        o.findings = "现场检查";
        refused(c, RENO__REQUEST__BODY_RECORD_OVERSIGHT, &o, RENO__STATUS_CODE__PERMISSION_DENIED,
                "");
        net_close(c);
    }
    ck_assert_int_eq(count_where("SELECT count(*) FROM contract"), 0);
    ck_assert_int_eq(count_where("SELECT count(*) FROM oversight_record"), 0);

    /* The office may do everything in its programme. */
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    add_contract(c, p1, 1000);
    net_close(c);
}
END_TEST

/* ---- oversight --------------------------------------------------------------------------- */

START_TEST(oversight_records_against_projects_and_contracts)
{
    long p1 = h_project_id(h_db, 0), p2 = h_project_id(h_db, 1);
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    int64_t contract = add_contract(c, p1, 2000000);
    uint8_t key[16];
    Reno__RecordOversight o = RENO__RECORD_OVERSIGHT__INIT;
    h_new_key(&o.idempotency_key, key);
    o.project_id = p1;
    o.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_SUPERVISION;
    o.recorded_on = "2022-04-20";
    o.findings = "3号楼外墙脚手架未设防护网，已责令整改";
    o.contract_id = contract;
    int64_t id = write_ok(c, RENO__REQUEST__BODY_RECORD_OVERSIGHT, &o);
    ck_assert_int_eq(count_where("SELECT count(*) FROM oversight_record o JOIN unit u"
                                 " ON u.id = o.unit_id WHERE o.id = %lld AND o.project_id = %ld"
                                 " AND o.contract_id = %lld AND o.kind = 'supervision'"
                                 " AND o.recorded_on = '2022-04-20'"
                                 " AND o.findings = '3号楼外墙脚手架未设防护网，已责令整改'"
                                 " AND u.code = 'housing'",
                                 (long long)id, p1, (long long)contract),
                     1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM audit_log WHERE action = 'record_oversight'"
                                 " AND entity_id = %lld AND after IS NOT NULL",
                                 (long long)id),
                     1);
    write_replayed(c, RENO__REQUEST__BODY_RECORD_OVERSIGHT, &o, id);

    /* A tracking audit of the project as a whole (no contract). */
    Reno__RecordOversight t = RENO__RECORD_OVERSIGHT__INIT;
    h_new_key(&t.idempotency_key, key);
    t.project_id = p1;
    t.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_TRACKING_AUDIT;
    t.recorded_on = "2022-05-10";
    t.findings = "签证变更资料齐全";
    int64_t audit_id = write_ok(c, RENO__REQUEST__BODY_RECORD_OVERSIGHT, &t);
    ck_assert_int_eq(count_where("SELECT count(*) FROM oversight_record WHERE id = %lld"
                                 " AND contract_id IS NULL AND kind = 'tracking_audit'",
                                 (long long)audit_id),
                     1);

    Reno__ListOversight lo = RENO__LIST_OVERSIGHT__INIT;
    lo.project_id = p1;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_OVERSIGHT, &lo);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__OversightList *list = m->response->list_oversight;
    ck_assert_uint_eq(list->n_items, 2);
    ck_assert_int_eq(list->items[0]->id, id);
    ck_assert_int_eq(list->items[0]->kind, RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_SUPERVISION);
    ck_assert_int_eq(list->items[0]->contract_id, contract);
    ck_assert_str_eq(list->items[0]->counterparty, "贵州紫云宏达建筑工程有限公司");
    ck_assert_str_eq(list->items[0]->recorded_by, "县住房和城乡建设局");
    ck_assert_str_eq(list->items[1]->recorded_on, "2022-05-10");
    ck_assert_int_eq(list->items[1]->contract_id, 0);
    ck_assert_str_eq(list->items[1]->counterparty, "");
    net_free(c, m);
    lo.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_TRACKING_AUDIT;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_OVERSIGHT, &lo);
    ck_assert_uint_eq(m->response->list_oversight->n_items, 1);
    ck_assert_int_eq(m->response->list_oversight->items[0]->id, audit_id);
    net_free(c, m);
    lo.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_UNSPECIFIED;
    lo.project_id = 0;
    lo.contract_id = contract;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_OVERSIGHT, &lo);
    ck_assert_uint_eq(m->response->list_oversight->n_items, 1);
    net_free(c, m);

    /* The rules, each naming its field. */
    const Reno__Request__BodyCase rec = RENO__REQUEST__BODY_RECORD_OVERSIGHT;
    const Reno__StatusCode bad = RENO__STATUS_CODE__BAD_REQUEST;
    h_new_key(&o.idempotency_key, key);
    o.project_id = 999999;
    refused(c, rec, &o, RENO__STATUS_CODE__NOT_FOUND, "record_oversight.project_id");
    o.project_id = p1;
    o.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_UNSPECIFIED;
    refused(c, rec, &o, bad, "record_oversight.kind");
    o.kind = RENO__OVERSIGHT_KIND__OVERSIGHT_KIND_SUPERVISION;
    o.recorded_on = "";
    refused(c, rec, &o, bad, "record_oversight.recorded_on");
    o.recorded_on = "2999-04-20";
    refused(c, rec, &o, bad, "record_oversight.recorded_on");
    o.recorded_on = "2022-03-01"; /* before the contract was awarded (2022-03-20) */
    refused(c, rec, &o, bad, "record_oversight.recorded_on");
    o.recorded_on = "2022-04-21";
    o.findings = "";
    refused(c, rec, &o, bad, "record_oversight.findings");
    o.findings = "检查记录";
    o.contract_id = 999999;
    refused(c, rec, &o, RENO__STATUS_CODE__NOT_FOUND, "record_oversight.contract_id");
    o.contract_id = contract;
    o.project_id = p2; /* the contract is project 1's */
    refused(c, rec, &o, bad, "record_oversight.contract_id");
    ck_assert_int_eq(count_where("SELECT count(*) FROM oversight_record"), 2);
    net_close(c);
}
END_TEST

/* ---- funds ------------------------------------------------------------------------------- */

START_TEST(finance_allocates_receives_and_pays)
{
    long p1 = h_project_id(h_db, 0), p2 = h_project_id(h_db, 1);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    int64_t contract = add_contract(housing, p1, 3000000);
    net_close(housing);

    /* The finance bureau, seat of 资金管理组, holds funds.write. */
    struct net_conn *c = h_login(&h_srv, H_FINANCE);
    uint8_t key[16];
    Reno__AllocateFunds a;
    allocation_init(&a, key, p1, CENTRAL, 2000000);
    int64_t central = write_ok(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_allocation f JOIN unit u"
                                 " ON u.id = f.unit_id WHERE f.id = %lld AND f.project_id = %ld"
                                 " AND f.source = 'central_subsidy' AND f.amount = 2000000"
                                 " AND f.allocated_on = '2022-01-10'"
                                 " AND f.document_ref = '黔财建〔2022〕12号'"
                                 " AND u.code = 'finance'",
                                 (long long)central, p1),
                     1);
    write_replayed(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a, central);
    allocation_init(&a, key, p1, COUNTY, 500000);
    write_ok(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);
    allocation_init(&a, key, p1, RESIDENT, 100000);
    a.document_ref = ""; /* residents' contributions come with no document number */
    write_ok(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);

    Reno__ReceiveFunds r;
    receipt_init(&r, key, central, 1200000);
    r.received_on = "2022-03-10";
    int64_t receipt = write_ok(c, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_receipt WHERE id = %lld"
                                 " AND allocation_id = %lld AND amount = 1200000"
                                 " AND received_on = '2022-03-10'",
                                 (long long)receipt, (long long)central),
                     1);
    write_replayed(c, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r, receipt);
    receipt_init(&r, key, central, 300000.25);
    r.received_on = "2022-04-10";
    write_ok(c, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);

    Reno__RecordPayment p;
    payment_init(&p, key, contract, CENTRAL, 1000000);
    p.note = "第一期工程进度款";
    int64_t payment = write_ok(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment WHERE id = %lld"
                                 " AND contract_id = %lld AND project_id = %ld"
                                 " AND source = 'central_subsidy' AND amount = 1000000"
                                 " AND paid_on = '2022-04-15' AND note = '第一期工程进度款'",
                                 (long long)payment, (long long)contract, p1),
                     1);
    write_replayed(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, payment);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM audit_log a JOIN unit u ON u.id = a.unit_id"
                                 " WHERE u.code = 'finance' AND a.before IS NULL AND"
                                 " a.action IN ('allocate_funds', 'receive_funds', "
                                 "'record_payment')"),
                     6);

    /* The ledger: per project and source, in the order of the sources. */
    Reno__ListLedger ll = RENO__LIST_LEDGER__INIT;
    ll.project_id = p1;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_LEDGER, &ll);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__LedgerList *ledger = m->response->list_ledger;
    ck_assert_uint_eq(ledger->n_items, 3);
    Reno__LedgerLine *line = ledger->items[0];
    ck_assert_int_eq(line->project_id, p1);
    ck_assert_int_eq(line->source, CENTRAL);
    ck_assert_double_eq(line->allocated, 2000000);
    ck_assert_double_eq(line->received, 1500000.25);
    ck_assert_double_eq(line->paid, 1000000);
    ck_assert_double_eq(line->available, 500000.25);
    ck_assert_int_eq(ledger->items[1]->source, COUNTY);
    ck_assert_double_eq(ledger->items[1]->allocated, 500000);
    ck_assert_double_eq(ledger->items[1]->received, 0);
    ck_assert_double_eq(ledger->items[1]->available, 0);
    ck_assert_int_eq(ledger->items[2]->source, RESIDENT);
    net_free(c, m);
    ll.project_id = p2;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_LEDGER, &ll);
    ck_assert_uint_eq(m->response->list_ledger->n_items, 0);
    net_free(c, m);

    Reno__ListAllocations la = RENO__LIST_ALLOCATIONS__INIT;
    la.source = CENTRAL;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_ALLOCATIONS, &la);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->list_allocations->n_items, 1);
    Reno__Allocation *al = m->response->list_allocations->items[0];
    ck_assert_int_eq(al->id, central);
    ck_assert_str_eq(al->document_ref, "黔财建〔2022〕12号");
    ck_assert_str_eq(al->allocated_on, "2022-01-10");
    ck_assert_double_eq(al->received, 1500000.25);
    ck_assert_double_eq(al->outstanding, 499999.75);
    net_free(c, m);

    Reno__ListPayments lp = RENO__LIST_PAYMENTS__INIT;
    lp.contract_id = contract;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_PAYMENTS, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->list_payments->n_items, 1);
    Reno__Payment *pay = m->response->list_payments->items[0];
    ck_assert_int_eq(pay->id, payment);
    ck_assert_int_eq(pay->project_id, p1);
    ck_assert_str_eq(pay->counterparty, "贵州紫云宏达建筑工程有限公司");
    ck_assert_int_eq(pay->source, CENTRAL);
    ck_assert_double_eq(pay->amount, 1000000);
    ck_assert_str_eq(pay->paid_on, "2022-04-15");
    ck_assert_str_eq(pay->note, "第一期工程进度款");
    net_free(c, m);
    lp.contract_id = 0;
    lp.project_id = p2;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_PAYMENTS, &lp);
    ck_assert_uint_eq(m->response->list_payments->n_items, 0);
    net_free(c, m);

    /* The contract shows what was paid on it. */
    Reno__ListContracts lc = RENO__LIST_CONTRACTS__INIT;
    lc.project_id = p1;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_CONTRACTS, &lc);
    ck_assert_double_eq(m->response->list_contracts->items[0]->paid, 1000000);
    ck_assert_double_eq(m->response->list_contracts->items[0]->remaining, 2000000);
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(payment_over_what_was_received_is_refused)
{
    long p1 = h_project_id(h_db, 0);
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    int64_t contract = add_contract(c, p1, 3000000);
    uint8_t key[16];
    Reno__AllocateFunds a;
    allocation_init(&a, key, p1, CENTRAL, 1000000);
    int64_t allocation = write_ok(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);
    Reno__ReceiveFunds r;
    receipt_init(&r, key, allocation, 400000);
    write_ok(c, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);
    /* Money of another source does not help the central subsidy's balance. */
    fund(c, p1, COUNTY, 100000);

    /* Allocated is not received: only the 400000 that arrived may be paid. */
    Reno__RecordPayment p;
    payment_init(&p, key, contract, CENTRAL, 400000.01);
    refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__BAD_REQUEST,
            "record_payment.amount");
    payment_init(&p, key, contract, CENTRAL, 400000);
    write_ok(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
    payment_init(&p, key, contract, CENTRAL, 0.01);
    refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__BAD_REQUEST,
            "record_payment.amount");
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment WHERE amount = 400000"), 1);
    net_close(c);
}
END_TEST

START_TEST(payment_over_the_contract_amount_is_refused)
{
    long p1 = h_project_id(h_db, 0);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    int64_t contract = add_contract(housing, p1, 100000);
    net_close(housing);
    struct net_conn *c = h_login(&h_srv, H_FINANCE);
    fund(c, p1, CENTRAL, 500000);
    fund(c, p1, COUNTY, 500000);
    uint8_t key[16];
    Reno__RecordPayment p;
    payment_init(&p, key, contract, CENTRAL, 80000);
    write_ok(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
    payment_init(&p, key, contract, CENTRAL, 20000.01);
    refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__BAD_REQUEST,
            "record_payment.amount");
    /* The ceiling is the contract's, whatever source pays. */
    payment_init(&p, key, contract, COUNTY, 30000);
    refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__BAD_REQUEST,
            "record_payment.amount");
    payment_init(&p, key, contract, COUNTY, 20000);
    write_ok(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);

    Reno__ListContracts lc = RENO__LIST_CONTRACTS__INIT;
    lc.project_id = p1;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_CONTRACTS, &lc);
    ck_assert_double_eq(m->response->list_contracts->items[0]->paid, 100000);
    ck_assert_double_eq(m->response->list_contracts->items[0]->remaining, 0);
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(money_of_one_project_never_pays_another)
{
    long p1 = h_project_id(h_db, 0), p2 = h_project_id(h_db, 1);
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    add_contract(c, p1, 1000000);
    int64_t contract2 = add_contract(c, p2, 1000000);
    fund(c, p1, CENTRAL, 1000000);

    /* Project 2's contract cannot draw on project 1's central subsidy (严禁挪用、拆借). */
    uint8_t key[16];
    Reno__RecordPayment p;
    payment_init(&p, key, contract2, CENTRAL, 1);
    refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__BAD_REQUEST,
            "record_payment.amount");
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 0);

    /* Once project 2 has money of its own, it pays from that, and project 1's is intact. */
    fund(c, p2, CENTRAL, 10);
    payment_init(&p, key, contract2, CENTRAL, 10);
    write_ok(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
    payment_init(&p, key, contract2, CENTRAL, 0.01);
    refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__BAD_REQUEST,
            "record_payment.amount");
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment WHERE project_id = %ld", p1),
                     0);
    Reno__ListLedger ll = RENO__LIST_LEDGER__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_LEDGER, &ll);
    Reno__LedgerList *ledger = m->response->list_ledger;
    ck_assert_uint_eq(ledger->n_items, 2);
    ck_assert_int_eq(ledger->items[0]->project_id, p1);
    ck_assert_double_eq(ledger->items[0]->available, 1000000);
    ck_assert_int_eq(ledger->items[1]->project_id, p2);
    ck_assert_double_eq(ledger->items[1]->paid, 10);
    ck_assert_double_eq(ledger->items[1]->available, 0);
    net_free(c, m);

    /* Ledger rows are facts: not even the database owner may rewrite them. */
    char state[6];
    h_sql_exec(h_db, "UPDATE fund_payment SET project_id = project_id", state);
    ck_assert_str_ne(state, "");
    h_sql_exec(h_db, "DELETE FROM fund_receipt", state);
    ck_assert_str_ne(state, "");
    net_close(c);
}
END_TEST

START_TEST(funds_rules_name_their_field)
{
    long p1 = h_project_id(h_db, 0);
    struct net_conn *c = h_login(&h_srv, H_FINANCE);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    int64_t contract = add_contract(housing, p1, 1000000); /* awarded 2022-03-20 */
    net_close(housing);
    const Reno__StatusCode bad = RENO__STATUS_CODE__BAD_REQUEST;
    const Reno__StatusCode not_found = RENO__STATUS_CODE__NOT_FOUND;
    uint8_t key[16];

    const Reno__Request__BodyCase alloc = RENO__REQUEST__BODY_ALLOCATE_FUNDS;
    Reno__AllocateFunds a;
    allocation_init(&a, key, 999999, CENTRAL, 1000);
    refused(c, alloc, &a, not_found, "allocate_funds.project_id");
    allocation_init(&a, key, p1, RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED, 1000);
    refused(c, alloc, &a, bad, "allocate_funds.source");
    allocation_init(&a, key, p1, CENTRAL, -5);
    refused(c, alloc, &a, bad, "allocate_funds.amount");
    a.amount = 0;
    refused(c, alloc, &a, bad, "allocate_funds.amount");
    a.amount = 1000;
    a.allocated_on = "";
    refused(c, alloc, &a, bad, "allocate_funds.allocated_on");
    a.allocated_on = "2999-01-01";
    refused(c, alloc, &a, bad, "allocate_funds.allocated_on");
    a.allocated_on = "2022-01-10";
    char long_ref[700] = "";
    for (int i = 0; i < 201; i++)
        strcat(long_ref, "号");
    a.document_ref = long_ref;
    refused(c, alloc, &a, bad, "allocate_funds.document_ref");
    allocation_init(&a, key, p1, CENTRAL, 1000);
    int64_t allocation = write_ok(c, alloc, &a);

    const Reno__Request__BodyCase recv = RENO__REQUEST__BODY_RECEIVE_FUNDS;
    Reno__ReceiveFunds r;
    receipt_init(&r, key, 999999, 100);
    refused(c, recv, &r, not_found, "receive_funds.allocation_id");
    receipt_init(&r, key, allocation, -5);
    refused(c, recv, &r, bad, "receive_funds.amount");
    r.amount = 0;
    refused(c, recv, &r, bad, "receive_funds.amount");
    r.amount = 1000.01; /* more than was allocated */
    refused(c, recv, &r, bad, "receive_funds.amount");
    r.amount = 600;
    r.received_on = "2022-01-09"; /* before the allocation of 2022-01-10 */
    refused(c, recv, &r, bad, "receive_funds.received_on");
    r.received_on = "2999-01-01";
    refused(c, recv, &r, bad, "receive_funds.received_on");
    r.received_on = "";
    refused(c, recv, &r, bad, "receive_funds.received_on");
    r.received_on = "2022-02-15";
    write_ok(c, recv, &r);
    receipt_init(&r, key, allocation, 400.01); /* 600 + 400.01 > 1000 */
    refused(c, recv, &r, bad, "receive_funds.amount");
    receipt_init(&r, key, allocation, 400);
    write_ok(c, recv, &r);

    const Reno__Request__BodyCase pay = RENO__REQUEST__BODY_RECORD_PAYMENT;
    Reno__RecordPayment p;
    payment_init(&p, key, 999999, CENTRAL, 100);
    refused(c, pay, &p, not_found, "record_payment.contract_id");
    payment_init(&p, key, contract, RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED, 100);
    refused(c, pay, &p, bad, "record_payment.source");
    payment_init(&p, key, contract, CENTRAL, -5);
    refused(c, pay, &p, bad, "record_payment.amount");
    p.amount = 0;
    refused(c, pay, &p, bad, "record_payment.amount");
    p.amount = 100;
    p.paid_on = "2022-03-19"; /* the day before the award */
    refused(c, pay, &p, bad, "record_payment.paid_on");
    p.paid_on = "2999-01-01";
    refused(c, pay, &p, bad, "record_payment.paid_on");
    p.paid_on = "";
    refused(c, pay, &p, bad, "record_payment.paid_on");
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 0);
    net_close(c);
}
END_TEST

START_TEST(units_without_funds_write_are_refused)
{
    long p1 = h_project_id(h_db, 0);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    int64_t contract = add_contract(office, p1, 1000000);
    int64_t allocation = fund(office, p1, CENTRAL, 1000);
    net_close(office);

    /* The housing bureau holds contract.write but not funds.write. */
    static const char *const refused_users[] = {H_HOUSING, H_LEADER, H_POWER};
    for (size_t i = 0; i < sizeof refused_users / sizeof refused_users[0]; i++) {
        struct net_conn *c = h_login(&h_srv, refused_users[i]);
        uint8_t key[16];
        Reno__AllocateFunds a;
        allocation_init(&a, key, p1, CENTRAL, 1000);
        refused(c, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a, RENO__STATUS_CODE__PERMISSION_DENIED,
                "");
        Reno__ReceiveFunds r;
        receipt_init(&r, key, allocation, 1);
        refused(c, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r, RENO__STATUS_CODE__PERMISSION_DENIED, "");
        Reno__RecordPayment p;
        payment_init(&p, key, contract, CENTRAL, 1);
        refused(c, RENO__REQUEST__BODY_RECORD_PAYMENT, &p, RENO__STATUS_CODE__PERMISSION_DENIED,
                "");
        /* The ledger is read by departments and leaders, not by a utility (0014). */
        Reno__ListLedger ll = RENO__LIST_LEDGER__INIT;
        Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_LEDGER, &ll);
        if (strcmp(refused_users[i], H_POWER) == 0) {
            ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
        } else {
            ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
            ck_assert_uint_eq(m->response->list_ledger->n_items, 1);
        }
        net_free(c, m);
        net_close(c);
    }
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_allocation"), 1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_receipt"), 1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 0);
}
END_TEST

/* ---- concurrency ------------------------------------------------------------------------- */

/* Writes `count` RecordPayment frames to the connection in one go (ids 1000...). */
static void send_payments(struct net_conn *c, int64_t contract, double amount, int count)
{
    uint8_t *all = NULL;
    size_t all_len = 0;
    for (int i = 0; i < count; i++) {
        uint8_t key[16];
        Reno__RecordPayment p;
        payment_init(&p, key, contract, CENTRAL, amount);
        Reno__Request req = RENO__REQUEST__INIT;
        req.id = 1000 + (uint64_t)i;
        req.body_case = RENO__REQUEST__BODY_RECORD_PAYMENT;
        req.record_payment = &p;
        size_t len;
        uint8_t *frame = msg_pack_frame(&req.base, &len);
        all = realloc(all, all_len + len);
        ck_assert_ptr_nonnull(all);
        memcpy(all + all_len, frame, len);
        all_len += len;
        free(frame);
    }
    for (size_t off = 0; off < all_len;) {
        ssize_t n = write(net_fd(c), all + off, all_len - off);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "write: %s", strerror(errno));
        off += (size_t)n;
    }
    free(all);
}

/* Reads the `count` replies to send_payments(); returns how many were OK. Every refusal
 * must be the balance rule's, naming the amount. */
static int read_payment_replies(struct net_conn *c, int count)
{
    struct frame_reader reader;
    frame_reader_init(&reader, FRAME_DEFAULT_MAX);
    int answered = 0, ok = 0;
    while (answered < count) {
        uint8_t buf[65536];
        struct pollfd pfd = {.fd = net_fd(c), .events = POLLIN};
        ck_assert_msg(poll(&pfd, 1, 10000) == 1, "only %d of %d answered", answered, count);
        ssize_t n = read(net_fd(c), buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        frame_reader_feed(&reader, buf, (size_t)n);
        const uint8_t *payload;
        uint32_t len;
        while (frame_reader_next(&reader, &payload, &len) == FRAME_READY) {
            Reno__ServerMessage *m = reno__server_message__unpack(NULL, len, payload);
            ck_assert_ptr_nonnull(m);
            ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_RESPONSE);
            ck_assert(m->response->id >= 1000 && m->response->id < 1000 + (uint64_t)count);
            if (m->response->status->code == RENO__STATUS_CODE__OK) {
                ok++;
            } else {
                ck_assert_int_eq(m->response->status->code, RENO__STATUS_CODE__BAD_REQUEST);
                ck_assert_str_eq(m->response->status->field, "record_payment.amount");
            }
            answered++;
            reno__server_message__free_unpacked(m, NULL);
        }
    }
    frame_reader_done(&reader);
    return ok;
}

START_TEST(concurrent_payments_never_overdraw)
{
    long p1 = h_project_id(h_db, 0);
    struct net_conn *setup = h_login(&h_srv, H_OFFICE);
    /* Two contracts of the same project: only the ledger's lock stands between them. */
    int64_t contract_a = add_contract(setup, p1, 1000000);
    int64_t contract_b = add_contract(setup, p1, 1000000);
    fund(setup, p1, CENTRAL, 100000);
    net_close(setup);

    struct net_conn *c1 = h_login(&h_srv, H_FINANCE);
    struct net_conn *c2 = h_login(&h_srv, H_FINANCE);
    /* 60000 + 60000 > 100000: both are on the wire before either is answered. */
    send_payments(c1, contract_a, 60000, 1);
    send_payments(c2, contract_b, 60000, 1);
    int ok = read_payment_replies(c1, 1) + read_payment_replies(c2, 1);
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 1);

    /* 40000 left; ten pipelined payments of 10000, five on each connection: four pass. */
    send_payments(c1, contract_a, 10000, 5);
    send_payments(c2, contract_b, 10000, 5);
    ok = read_payment_replies(c1, 5) + read_payment_replies(c2, 5);
    ck_assert_int_eq(ok, 4);
    ck_assert_int_eq(count_where("SELECT count(*) FROM fund_payment"), 5);
    ck_assert_int_eq(count_where("SELECT sum(amount)::bigint FROM fund_payment"), 100000);
    /* Every payment that was acknowledged is in the audit log, and no refused one is. */
    ck_assert_int_eq(count_where("SELECT count(*) FROM audit_log WHERE action = 'record_payment'"),
                     5);
    net_close(c1);
    net_close(c2);

    /* The contract's ceiling holds under the same race: plenty of money, a small contract. */
    setup = h_login(&h_srv, H_OFFICE);
    int64_t small = add_contract(setup, p1, 50000);
    fund(setup, p1, CENTRAL, 200000);
    net_close(setup);
    c1 = h_login(&h_srv, H_FINANCE);
    c2 = h_login(&h_srv, H_FINANCE);
    send_payments(c1, small, 30000, 1);
    send_payments(c2, small, 30000, 1);
    ok = read_payment_replies(c1, 1) + read_payment_replies(c2, 1);
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(
        count_where("SELECT count(*) FROM fund_payment WHERE contract_id = %lld", (long long)small),
        1);
    net_close(c1);
    net_close(c2);
}
END_TEST

/* ---- the command line -------------------------------------------------------------------- */

static char cli_home[128];

static int reno_cli(const char *stdin_text, char **out, const char *const *args)
{
    char env_xdg[200], env_server[120];
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", cli_home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    char *err = NULL;
    int rc = h_run(argv, env, stdin_text, out, &err);
    /* Refusals are on stderr: keep them with the output for the assertions. */
    size_t lo = strlen(*out), le = strlen(err);
    *out = realloc(*out, lo + le + 1);
    memcpy(*out + lo, err, le + 1);
    free(err);
    return rc;
}

START_TEST(the_cli_speaks_money)
{
    snprintf(cli_home, sizeof cli_home, "/tmp/reno-it-money.XXXXXX");
    ck_assert(mkdtemp(cli_home) != NULL);
    char project[24];
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    char *out;
    ck_assert_int_eq(
        reno_cli("finance-test-password\n", &out,
                 (const char *const[]){"login", "--user", H_FINANCE, "--password-stdin", NULL}),
        0);
    free(out);

    /* finance may not add a contract: exit 10 + PERMISSION_DENIED. */
    int rc = reno_cli(NULL, &out,
                      (const char *const[]){"contract", "add", "--project-id", project, "--kind",
                                            "construction", "--counterparty", "某公司",
                                            "--awarded-on", "2022-03-20", "--amount", "100",
                                            "--tender-method", "公开招标", NULL});
    ck_assert_msg(rc == 13, "%d: %s", rc, out);
    free(out);

    rc = reno_cli(NULL, &out,
                  (const char *const[]){"fund", "allocate", "--project-id", project, "--source",
                                        "provincial_subsidy", "--amount", "250000.50",
                                        "--allocated-on", "2022-02-01", "--document-ref",
                                        "黔建村〔2022〕5号", NULL});
    ck_assert_msg(rc == 0 && strstr(out, "recorded") != NULL, "%d: %s", rc, out);
    free(out);
    rc = reno_cli(NULL, &out,
                  (const char *const[]){"--json", "fund", "ledger", "--project-id", project, NULL});
    ck_assert_msg(rc == 0, "%d: %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "\"source\":\"provincial_subsidy\""));
    ck_assert_ptr_nonnull(strstr(out, "\"allocated\":250000.5"));
    ck_assert_ptr_nonnull(strstr(out, "\"available\":0"));
    free(out);
    /* A negative amount is refused by the server, naming the field: exit 10 + BAD_REQUEST. */
    rc = reno_cli(NULL, &out,
                  (const char *const[]){"fund", "allocate", "--project-id", project, "--source",
                                        "labour", "--amount", "-1", "--allocated-on", "2022-02-01",
                                        NULL});
    ck_assert_msg(rc == 11 && strstr(out, "(option --amount)") != NULL, "%d: %s", rc, out);
    free(out);

    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", cli_home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", cli_home);
    rmdir(path);
    rmdir(cli_home);
}
END_TEST

Suite *it_money_suite(void)
{
    Suite *s = suite_create("it_money");
    TCase *tc = tcase_create("money");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, housing_records_contracts_and_lists_them);
    tcase_add_test(tc, contract_rules_name_their_field);
    tcase_add_test(tc, units_without_contract_write_are_refused);
    tcase_add_test(tc, oversight_records_against_projects_and_contracts);
    tcase_add_test(tc, finance_allocates_receives_and_pays);
    tcase_add_test(tc, payment_over_what_was_received_is_refused);
    tcase_add_test(tc, payment_over_the_contract_amount_is_refused);
    tcase_add_test(tc, money_of_one_project_never_pays_another);
    tcase_add_test(tc, funds_rules_name_their_field);
    tcase_add_test(tc, units_without_funds_write_are_refused);
    tcase_add_test(tc, concurrent_payments_never_overdraw);
    tcase_add_test(tc, the_cli_speaks_money);
    suite_add_tcase(s, tc);
    return s;
}
