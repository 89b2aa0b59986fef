/*
 * The last parties and duties the work plan names, through the real path (client →
 * protocol → renod → PostgreSQL):
 *
 *   - 资金管理组…指导全县争取城镇老旧小区各类专项资金的申报工作: a special-fund application
 *     (专项资金申报) recorded by the finance bureau (the group's seat, right funds.apply),
 *     not by others; one not submitted by its deadline is a plan guard until it is;
 *   - 刘川荣同志兼任办公室主任，何忠诚同志兼任办公室副主任: the office's director and deputy
 *     as roles of named people, listed with the people, named with the office where the
 *     status says the office should act, and changed by the office;
 *   - 专营单位的改造计划应与我县城镇老旧小区改造规划和计划有效对接: a utility working on a
 *     project without a plan, or with one that ends after the county's, is a guard;
 *   - 改造后的专营设施…移交给专营单位，并由其负责维护管理: facilities handed over to a
 *     utility whose upkeep nobody recorded are a guard until it is.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"

static void setup(void)
{
    h_fixture_setup();
}

static void teardown(void)
{
    h_fixture_teardown();
}

/* Sends a write; returns its status code and frees the reply. On a refusal the field path
 * must be `field` (NULL: not checked). */
static int write_code(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                      const char *field)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    int code = h_code(m);
    if (code != RENO__STATUS_CODE__OK && field != NULL)
        ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
    return code;
}

static void write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "refused: %s (field %s)",
                  m->response->status->message, m->response->status->field);
    net_free(c, m);
}

/* Whether the status as of a date (empty: today) warns the project with a guard of this
 * code whose detail contains `words`. */
static bool has_guard(struct net_conn *c, const char *as_of, long project, const char *code,
                      const char *words)
{
    Reno__ServerMessage *m = h_get_status(c, as_of);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "status: %s", m->response->status->message);
    const Reno__StatusReply *s = m->response->status_reply;
    bool found = false;
    for (size_t i = 0; i < s->n_guards; i++)
        if (s->guards[i]->project_id == project && strcmp(s->guards[i]->code, code) == 0 &&
            strstr(s->guards[i]->detail, words) != NULL)
            found = true;
    net_free(c, m);
    return found;
}

/* ---- special-fund applications ------------------------------------------------------------ */

/* The state `fund applications` gives the application of this fund; "" when not listed. */
static void application_state(struct net_conn *c, const char *fund, char out[32])
{
    Reno__ListFundApplications l = RENO__LIST_FUND_APPLICATIONS__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_FUND_APPLICATIONS, &l);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    out[0] = '\0';
    const Reno__FundApplicationList *r = m->response->list_fund_applications;
    for (size_t i = 0; i < r->n_items; i++)
        if (strcmp(r->items[i]->fund_name, fund) == 0)
            snprintf(out, 32, "%s", r->items[i]->state);
    net_free(c, m);
}

START_TEST(special_fund_applications_are_the_finance_groups)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    const char *fund = "2022年中央预算内投资保障性安居工程（老旧小区配套基础设施）";
    uint8_t key[16];
    char state[32];

    Reno__ApplyFunds a = RENO__APPLY_FUNDS__INIT;
    a.project_id = p0;
    a.fund_name = (char *)fund;
    a.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    a.amount = 3000000;
    a.deadline = "2022-04-30";

    /* The housing bureau holds no funds.apply: refused, nothing recorded. */
    h_new_key(&a.idempotency_key, key);
    ck_assert_int_eq(write_code(housing, RENO__REQUEST__BODY_APPLY_FUNDS, &a, NULL),
                     RENO__STATUS_CODE__PERMISSION_DENIED);
    application_state(finance, fund, state);
    ck_assert_str_eq(state, "");

    /* A decision without a submission is refused, naming the field. */
    h_new_key(&a.idempotency_key, key);
    a.outcome = RENO__FUND_APPLICATION_OUTCOME__FUND_APPLICATION_OUTCOME_APPROVED;
    a.decided_on = "2022-05-20";
    a.amount_approved = 2000000;
    ck_assert_int_eq(
        write_code(finance, RENO__REQUEST__BODY_APPLY_FUNDS, &a, "apply_funds.submitted_on"),
        RENO__STATUS_CODE__BAD_REQUEST);

    /* Recorded, not submitted: before its deadline it is being prepared and no guard
     * shows; past it, the application is overdue and the office sees it. */
    h_new_key(&a.idempotency_key, key);
    a.outcome = RENO__FUND_APPLICATION_OUTCOME__FUND_APPLICATION_OUTCOME_UNSPECIFIED;
    a.decided_on = "";
    a.amount_approved = 0;
    write_ok(finance, RENO__REQUEST__BODY_APPLY_FUNDS, &a);
    application_state(finance, fund, state);
    ck_assert_str_eq(state, "overdue");
    ck_assert(!has_guard(housing, "2022-04-20", p0, "fund_application", "专项资金申报"));
    ck_assert(has_guard(housing, "2022-05-10", p0, "fund_application", "应由资金管理组"));
    ck_assert(has_guard(housing, "", p0, "fund_application", "截止 2022-04-30"));

    /* Submitted on its deadline: no more warning on any later date. An approval beyond
     * the amount applied for is refused; within it, the application is answered. */
    h_new_key(&a.idempotency_key, key);
    a.submitted_on = "2022-04-30";
    write_ok(finance, RENO__REQUEST__BODY_APPLY_FUNDS, &a);
    ck_assert(!has_guard(housing, "2022-05-10", p0, "fund_application", "专项资金申报"));
    application_state(finance, fund, state);
    ck_assert_str_eq(state, "submitted");
    h_new_key(&a.idempotency_key, key);
    a.outcome = RENO__FUND_APPLICATION_OUTCOME__FUND_APPLICATION_OUTCOME_APPROVED;
    a.decided_on = "2022-05-20";
    a.amount_approved = 3500000;
    ck_assert_int_eq(
        write_code(finance, RENO__REQUEST__BODY_APPLY_FUNDS, &a, "apply_funds.amount_approved"),
        RENO__STATUS_CODE__BAD_REQUEST);
    h_new_key(&a.idempotency_key, key);
    a.amount_approved = 2800000;
    write_ok(finance, RENO__REQUEST__BODY_APPLY_FUNDS, &a);
    application_state(finance, fund, state);
    ck_assert_str_eq(state, "decided");
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM fund_application"), 1);

    /* The right is the plan's word for the group's seat. */
    Reno__ListRights lr = RENO__LIST_RIGHTS__INIT;
    Reno__ServerMessage *m = h_call_body(finance, RENO__REQUEST__BODY_LIST_RIGHTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    bool plan = false;
    for (size_t i = 0; i < m->response->list_rights->n_items; i++) {
        const Reno__Right *r = m->response->list_rights->items[i];
        plan |= strcmp(r->right, "funds.apply") == 0 && strcmp(r->basis, "plan") == 0 &&
                strstr(r->plan_words, "专项资金的申报") != NULL;
    }
    net_free(finance, m);
    ck_assert(plan);
    net_close(housing);
    net_close(finance);
}
END_TEST

/* ---- the office's director and deputy ------------------------------------------------------ */

/* The office role `person list` gives a person; NULL when the person is not listed. */
static char *office_role_of(struct net_conn *c, const char *name)
{
    Reno__ListPeople lp = RENO__LIST_PEOPLE__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_PEOPLE, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    char *role = NULL;
    for (size_t i = 0; i < m->response->list_people->n_items; i++)
        if (strcmp(m->response->list_people->items[i]->name, name) == 0)
            role = strdup(m->response->list_people->items[i]->office_role);
    net_free(c, m);
    ck_assert_ptr_nonnull(role);
    return role;
}

static void assert_office_role(struct net_conn *c, const char *name, const char *role)
{
    char *r = office_role_of(c, name);
    ck_assert_str_eq(r, role);
    free(r);
}

/* Whether the rhythm section's summary of monthly meetings names the office this way. */
static bool rhythm_names(struct net_conn *c, const char *words)
{
    Reno__ServerMessage *m = h_get_status(c, "2022-05-20");
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__StatusReply *s = m->response->status_reply;
    bool found = false;
    for (size_t i = 0; i < s->n_rhythm; i++)
        found |= strcmp(s->rhythm[i]->code, "monthly_meeting") == 0 &&
                 strstr(s->rhythm[i]->detail, words) != NULL;
    net_free(c, m);
    return found;
}

START_TEST(the_office_has_its_director_and_deputy)
{
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    uint8_t key[16];

    /* As the document names them, and with the office where the status says who should
     * have acted. */
    assert_office_role(office, "刘川荣", "director");
    assert_office_role(office, "何忠诚", "deputy_director");
    assert_office_role(office, "黄华", "");
    ck_assert(rhythm_names(office, "领导小组办公室（主任刘川荣、副主任何忠诚）"));

    /* A unit without organisation.write may not change them. */
    Reno__SetOfficeOfficer so = RENO__SET_OFFICE_OFFICER__INIT;
    so.person_name = "黄华";
    so.role = RENO__OFFICE_ROLE__OFFICE_ROLE_DIRECTOR;
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    h_new_key(&so.idempotency_key, key);
    ck_assert_int_eq(write_code(housing, RENO__REQUEST__BODY_SET_OFFICE_OFFICER, &so, NULL),
                     RENO__STATUS_CODE__PERMISSION_DENIED);
    net_close(housing);

    /* A new director replaces the former one; nobody unknown can be named. */
    h_new_key(&so.idempotency_key, key);
    write_ok(office, RENO__REQUEST__BODY_SET_OFFICE_OFFICER, &so);
    assert_office_role(office, "黄华", "director");
    assert_office_role(office, "刘川荣", "");
    ck_assert(rhythm_names(office, "领导小组办公室（主任黄华、副主任何忠诚）"));
    h_new_key(&so.idempotency_key, key);
    so.person_name = "无此人";
    ck_assert_int_eq(write_code(office, RENO__REQUEST__BODY_SET_OFFICE_OFFICER, &so,
                                "set_office_officer.person_name"),
                     RENO__STATUS_CODE__NOT_FOUND);

    /* Taken away, the deputy is no longer named. */
    h_new_key(&so.idempotency_key, key);
    so.person_name = "何忠诚";
    so.role = RENO__OFFICE_ROLE__OFFICE_ROLE_UNSPECIFIED;
    so.remove = true;
    write_ok(office, RENO__REQUEST__BODY_SET_OFFICE_OFFICER, &so);
    assert_office_role(office, "何忠诚", "");
    ck_assert(rhythm_names(office, "领导小组办公室（主任黄华）"));
    net_close(office);
}
END_TEST

/* ---- utilities' plans and upkeep after handover ----------------------------------------- */

/* Records one part of power-grid's line work inside the red line, done in April 2022: the
 * lines are laid once the trench and ducts are done. */
static void line_part_done(struct net_conn *c, long project, Reno__LinePart part)
{
    bool lines = part == RENO__LINE_PART__LINE_PART_LAY_LINES;
    uint8_t key[16];
    Reno__RecordLineWork w = RENO__RECORD_LINE_WORK__INIT;
    h_new_key(&w.idempotency_key, key);
    w.project_id = project;
    w.utility_code = H_POWER;
    w.segment = RENO__LINE_SEGMENT__LINE_SEGMENT_INSIDE_RED_LINE;
    w.part = part;
    w.length_m = 120;
    w.started_on = lines ? "2022-04-29" : "2022-04-06";
    w.done_on = lines ? "2022-04-30" : "2022-04-28";
    w.status = RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_DONE;
    write_ok(c, RENO__REQUEST__BODY_RECORD_LINE_WORK, &w);
}

START_TEST(utilities_plan_with_the_county_and_keep_what_they_took_over)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    struct net_conn *power = h_login(&h_srv, H_POWER);
    uint8_t key[16];

    /* Power-grid lays its lines on project 1 in April 2022 without a plan: a guard from
     * the day it started. */
    line_part_done(office, p0, RENO__LINE_PART__LINE_PART_TRENCH);
    line_part_done(office, p0, RENO__LINE_PART__LINE_PART_DUCTS);
    line_part_done(office, p0, RENO__LINE_PART__LINE_PART_BACKFILL);
    line_part_done(office, p0, RENO__LINE_PART__LINE_PART_LAY_LINES);
    ck_assert(!has_guard(office, "2022-04-01", p0, "utility_plan", "未报送其改造计划"));
    ck_assert(has_guard(office, "2022-04-10", p0, "utility_plan", "未报送其改造计划"));

    /* Its plan ends after the county's completion: not aligned, and says why. A utility
     * may not file another utility's plan. */
    Reno__SetUtilityPlan up = RENO__SET_UTILITY_PLAN__INIT;
    up.project_id = p0;
    up.utility_code = "water-company";
    up.filed_on = "2022-03-20";
    up.starts_on = "2022-04-01";
    up.ends_on = "2022-12-20";
    up.document_ref = "南网紫云〔2022〕12号";
    h_new_key(&up.idempotency_key, key);
    ck_assert_int_eq(write_code(power, RENO__REQUEST__BODY_SET_UTILITY_PLAN, &up, NULL),
                     RENO__STATUS_CODE__PERMISSION_DENIED);
    h_new_key(&up.idempotency_key, key);
    up.utility_code = H_POWER;
    write_ok(power, RENO__REQUEST__BODY_SET_UTILITY_PLAN, &up);
    ck_assert(!has_guard(office, "2022-04-10", p0, "utility_plan", "未报送其改造计划"));
    ck_assert(has_guard(office, "2022-04-10", p0, "utility_plan", "完工 2022-12-20 晚于"));
    Reno__ListUtilityPlans lu = RENO__LIST_UTILITY_PLANS__INIT;
    lu.project_id = p0;
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_LIST_UTILITY_PLANS, &lu);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->list_utility_plans->n_items, 1);
    const Reno__UtilityPlan *plan = m->response->list_utility_plans->items[0];
    ck_assert(!plan->aligned);
    ck_assert_str_eq(plan->county_complete_by, "2022-11-30");
    net_free(office, m);

    /* Corrected to end with the county's plan: aligned, no guard. */
    h_new_key(&up.idempotency_key, key);
    up.ends_on = "2022-10-31";
    write_ok(power, RENO__REQUEST__BODY_SET_UTILITY_PLAN, &up);
    ck_assert(!has_guard(office, "", p0, "utility_plan", ""));

    /* Handed over on 2022-05-10: from then on, who maintains the facilities is asked. */
    Reno__HandOverLine h = RENO__HAND_OVER_LINE__INIT;
    h_new_key(&h.idempotency_key, key);
    h.project_id = p0;
    h.utility_code = H_POWER;
    h.handed_over_on = "2022-05-10";
    write_ok(office, RENO__REQUEST__BODY_HAND_OVER_LINE, &h);
    ck_assert(!has_guard(office, "2022-05-09", p0, "upkeep", "移交"));
    ck_assert(has_guard(office, "2022-05-10", p0, "upkeep", "未登记由其负责维护管理"));

    /* The maintainer is a unit or a party, never both, never nobody. */
    Reno__SetUpkeep k = RENO__SET_UPKEEP__INIT;
    k.project_id = p0;
    k.facility = "红线内供电线路及设施";
    k.starts_on = "2022-05-10";
    h_new_key(&k.idempotency_key, key);
    ck_assert_int_eq(write_code(office, RENO__REQUEST__BODY_SET_UPKEEP, &k, "set_upkeep.unit_code"),
                     RENO__STATUS_CODE__BAD_REQUEST);
    h_new_key(&k.idempotency_key, key);
    k.unit_code = H_POWER;
    k.party_id = 1;
    ck_assert_int_eq(write_code(office, RENO__REQUEST__BODY_SET_UPKEEP, &k, "set_upkeep.party_id"),
                     RENO__STATUS_CODE__BAD_REQUEST);
    h_new_key(&k.idempotency_key, key);
    k.party_id = 0;
    write_ok(office, RENO__REQUEST__BODY_SET_UPKEEP, &k);
    ck_assert(!has_guard(office, "", p0, "upkeep", ""));
    Reno__ListUpkeep lk = RENO__LIST_UPKEEP__INIT;
    m = h_call_body(power, RENO__REQUEST__BODY_LIST_UPKEEP, &lk);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->list_upkeep->n_items, 1);
    ck_assert_str_eq(m->response->list_upkeep->items[0]->maintainer, "南方电网紫云分公司");
    net_free(power, m);
    net_close(power);
    net_close(office);
}
END_TEST

Suite *it_duties_suite(void)
{
    Suite *s = suite_create("it_duties");
    TCase *tc = tcase_create("duties");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, special_fund_applications_are_the_finance_groups);
    tcase_add_test(tc, the_office_has_its_director_and_deputy);
    tcase_add_test(tc, utilities_plan_with_the_county_and_keep_what_they_took_over);
    suite_add_tcase(s, tc);
    return s;
}
