/*
 * Writes the live-view suites make (see it_writes.h).
 */
#include "it_writes.h"

#include <stdio.h>
#include <stdlib.h>

#include "it.h"

void it_add_supervision_account(void)
{
    char dbarg[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    const char *argv[] = {h_bin("renod"),
                          "--database",
                          dbarg,
                          "--log-level",
                          "warn",
                          "account",
                          "add",
                          "--username",
                          IT_SUPERVISION,
                          "--unit",
                          "party-supervision",
                          "--role",
                          "department",
                          NULL};
    char *out, *err;
    int rc = h_run(argv, NULL, IT_SUPERVISION "-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "account add: %s%s", out, err);
    free(out);
    free(err);
}

static int64_t write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "write %d refused: %s", (int)body,
                  m->response->status->message);
    /* Every write is answered by a WriteReply in the same union slot. */
    int64_t id = m->response->add_contract->id;
    net_free(c, m);
    return id;
}

int64_t it_contract_with_money(long project)
{
    uint8_t key[16];
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    Reno__AddContract a = RENO__ADD_CONTRACT__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = project;
    a.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION;
    a.counterparty = "贵州紫云宏达建筑工程有限公司";
    a.awarded_on = "2022-03-20";
    a.amount = 3200000;
    a.tender_method = "公开招标";
    int64_t contract = write_ok(housing, RENO__REQUEST__BODY_ADD_CONTRACT, &a);
    net_close(housing);

    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    Reno__AllocateFunds al = RENO__ALLOCATE_FUNDS__INIT;
    h_new_key(&al.idempotency_key, key);
    al.project_id = project;
    al.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    al.amount = 200000;
    al.allocated_on = "2022-01-10";
    al.document_ref = "黔财建〔2022〕12号";
    int64_t allocation = write_ok(finance, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &al);
    Reno__ReceiveFunds r = RENO__RECEIVE_FUNDS__INIT;
    h_new_key(&r.idempotency_key, key);
    r.allocation_id = allocation;
    r.amount = 200000;
    r.received_on = "2022-02-15";
    write_ok(finance, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);
    net_close(finance);
    return contract;
}

int64_t it_issue_item(void)
{
    struct net_conn *sup = h_login(&h_srv, IT_SUPERVISION);
    uint8_t key[16];
    Reno__CreateTask ct = RENO__CREATE_TASK__INIT;
    h_new_key(&ct.idempotency_key, key);
    ct.unit_code = "housing";
    ct.title = "加快示例小区一管网改造";
    ct.detail = "按工作方案时间节点推进";
    ct.deadline = "2022-06-30";
    ct.source = "工作方案 六(四)";
    int64_t item = write_ok(sup, RENO__REQUEST__BODY_CREATE_TASK, &ct);
    net_close(sup);
    return item;
}

void it_reply_item(int64_t item)
{
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];
    Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
    h_new_key(&rt.idempotency_key, key);
    rt.task_id = item;
    rt.reply = "管网改造已按节点完成，附验收照片";
    write_ok(housing, RENO__REQUEST__BODY_REPLY_TASK, &rt);
    net_close(housing);
}

void it_pay(int64_t contract)
{
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    uint8_t key[16];
    Reno__RecordPayment p = RENO__RECORD_PAYMENT__INIT;
    h_new_key(&p.idempotency_key, key);
    p.contract_id = contract;
    p.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    p.amount = 50000;
    p.paid_on = "2022-04-15";
    p.note = "工程进度款";
    write_ok(finance, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
    net_close(finance);
}
