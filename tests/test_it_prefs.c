/*
 * The plan's preferences through the real path (client → protocol → renod → PostgreSQL):
 * what reno does about the sentences of the Ziyun 2022 plan that close its fourth phase.
 *
 *   - 同时，筹划部署下一年度老旧小区改造各项工作 and 同时做好迎接年度考核的准备工作: two
 *     steps of the milestone plan in phase 4 (next_year_planning, annual_assessment), due
 *     with the evaluation, listed with every step, and marked done only with the document
 *     that shows them (number, date, issuing unit);
 *   - 改造涉及历史文化街区、历史建筑的，严格落实相关保护修缮要求: a historic project whose
 *     renovation list carries no protection and repair (heritage_protection) is a warning
 *     in the status's guards section until it does;
 *   - 示范项目: a project's demonstration flag, set by create_project and update_project
 *     (project.write) and shown by list_projects.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static void setup(void)
{
    h_fixture_setup();
}

static void teardown(void)
{
    h_fixture_teardown();
}

/* Asserts a write succeeded and frees the reply. */
static void write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "refused: %s (field %s)",
                  m->response->status->message, m->response->status->field);
    net_free(c, m);
}

/* Asserts a refusal with its code and field path. */
static void refused(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                    Reno__StatusCode code, const char *field)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == code, "expected %d, got %d: %s (field %s)", code, h_code(m),
                  m->response->status->message, m->response->status->field);
    ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
}

/* The project's milestone of a code, as `reno milestone list` gets it; NULL if not listed.
 * The reply stays with the caller (*reply), to be freed with net_free. */
static const Reno__Milestone *listed(struct net_conn *c, long project, const char *code,
                                     Reno__ServerMessage **reply)
{
    Reno__ListMilestones lm = RENO__LIST_MILESTONES__INIT;
    lm.project_id = project;
    *reply = h_call_body(c, RENO__REQUEST__BODY_LIST_MILESTONES, &lm);
    ck_assert_int_eq(h_code(*reply), RENO__STATUS_CODE__OK);
    const Reno__MilestoneList *l = (*reply)->response->list_milestones;
    for (size_t i = 0; i < l->n_items; i++)
        if (strcmp(l->items[i]->code, code) == 0)
            return l->items[i];
    return NULL;
}

/* ---- next year's planning and the annual assessment -------------------------------------- */

START_TEST(year_end_steps_need_their_documents)
{
    long p0 = h_project_id(h_db, 0);
    long p1 = h_project_id(h_db, 1);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    static const char *const codes[] = {"next_year_planning", "annual_assessment"};

    /* Both steps are in every project's plan, in phase 4 after the evaluation, in its
     * month, open (and overdue: the server's today is past 2022). */
    for (size_t i = 0; i < 2; i++) {
        Reno__ServerMessage *m;
        const Reno__Milestone *s = listed(housing, p1, codes[i], &m);
        ck_assert_msg(s != NULL, "%s not listed", codes[i]);
        ck_assert_int_eq(s->phase, 4);
        ck_assert_str_eq(s->starts_on, "2022-12-01");
        ck_assert_str_eq(s->due, "2022-12-31");
        ck_assert_int_eq(s->status, RENO__MILESTONE_STATUS__MILESTONE_STATUS_OVERDUE);
        net_free(housing, m);
    }
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM milestone_template t "
                                      "WHERE t.code IN ('next_year_planning', "
                                      "'annual_assessment') AND t.seq > (SELECT t2.seq "
                                      "FROM milestone_template t2 WHERE t2.programme_id = "
                                      "t.programme_id AND t2.code = 'performance_evaluation')"),
                     2);

    uint8_t key[16];
    Reno__MarkMilestone mm = RENO__MARK_MILESTONE__INIT;
    h_new_key(&mm.idempotency_key, key);
    mm.project_id = p0;
    mm.milestone_code = "next_year_planning";
    mm.done_on = "2022-12-28";
    mm.evidence = "已筹划部署2023年度老旧小区改造工作";

    /* Without its document: refused, naming the missing number. */
    refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
            "mark_milestone.document_number");
    /* A document dated after the step: refused. */
    mm.document_number = "紫住建〔2022〕88号";
    mm.document_date = "2022-12-29";
    mm.issuing_unit = "县住房和城乡建设局";
    refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
            "mark_milestone.document_date");
    /* A date that is no date: refused. */
    mm.document_date = "2022-13-01";
    refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
            "mark_milestone.document_date");
    /* With the document: done, and listed done with it. */
    mm.document_date = "2022-12-26";
    write_ok(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);

    h_new_key(&mm.idempotency_key, key);
    mm.milestone_code = "annual_assessment";
    mm.evidence = "年度考核迎检材料已备齐";
    mm.document_number = "紫改办〔2022〕12号";
    mm.document_date = "2022-12-27";
    mm.issuing_unit = "县城镇老旧小区改造工作领导小组办公室";
    write_ok(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);

    for (size_t i = 0; i < 2; i++) {
        Reno__ServerMessage *m;
        const Reno__Milestone *s = listed(housing, p0, codes[i], &m);
        ck_assert_msg(s != NULL, "%s not listed", codes[i]);
        ck_assert_int_eq(s->status, RENO__MILESTONE_STATUS__MILESTONE_STATUS_DONE);
        ck_assert_str_eq(s->done_on, "2022-12-28");
        net_free(housing, m);
    }
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM project_milestone m JOIN milestone_template t "
             "ON t.id = m.template_id WHERE m.project_id = %ld AND t.code IN "
             "('next_year_planning', 'annual_assessment') AND m.document_number <> '' "
             "AND m.issuing_unit <> '' AND m.document_date IS NOT NULL",
             p0);
    ck_assert_int_eq(h_sql_long(h_db, sql), 2);
    net_close(housing);
}
END_TEST

/* ---- historic protection ---------------------------------------------------------------- */

/* Whether the status as of today warns a project with a guard of this code. */
static bool has_guard(struct net_conn *c, long project, const char *code)
{
    Reno__ServerMessage *m = h_get_status(c, "");
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "status: %s", m->response->status->message);
    const Reno__StatusReply *s = m->response->status_reply;
    bool found = false;
    for (size_t i = 0; i < s->n_guards; i++)
        if (s->guards[i]->project_id == project && strcmp(s->guards[i]->code, code) == 0 &&
            strstr(s->guards[i]->detail, "保护修缮") != NULL)
            found = true;
    net_free(c, m);
    return found;
}

START_TEST(historic_project_needs_its_protection)
{
    long p0 = h_project_id(h_db, 0);
    long p1 = h_project_id(h_db, 1);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];

    /* Not historic: no warning. */
    ck_assert(!has_guard(housing, p0, "historic_protection"));

    /* Marked historic (改造涉及历史文化街区、历史建筑): warned until its renovation list
     * carries the protection and repair; the other project is not. */
    Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&up.idempotency_key, key);
    up.project_id = p0;
    up.historic = RENO__FLAG_CHANGE__FLAG_CHANGE_YES;
    write_ok(housing, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert(has_guard(housing, p0, "historic_protection"));
    ck_assert(!has_guard(housing, p1, "historic_protection"));

    /* A protection item with no quantity is refused and leaves the warning. */
    Reno__AddProjectItem ai = RENO__ADD_PROJECT_ITEM__INIT;
    h_new_key(&ai.idempotency_key, key);
    ai.project_id = p0;
    ai.catalogue_code = "heritage_protection";
    ai.responsible_unit_code = "housing";
    ai.planned_quantity = 0;
    ai.unit_of_measure = "栋";
    ai.budget = 300000;
    ai.note = "按历史建筑保护要求修缮外立面";
    refused(housing, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &ai, RENO__STATUS_CODE__BAD_REQUEST,
            "add_project_item.planned_quantity");
    ck_assert(has_guard(housing, p0, "historic_protection"));

    /* Recorded: the warning goes. */
    h_new_key(&ai.idempotency_key, key);
    ai.planned_quantity = 3;
    write_ok(housing, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &ai);
    ck_assert(!has_guard(housing, p0, "historic_protection"));
    net_close(housing);
}
END_TEST

/* ---- the demonstration project ----------------------------------------------------------- */

/* Whether `project list` shows the project as a demonstration project. */
static bool listed_demonstration(struct net_conn *c, long project)
{
    Reno__ListProjects lp = RENO__LIST_PROJECTS__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_PROJECTS, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__ProjectList *l = m->response->list_projects;
    int found = -1;
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i]->id == project)
            found = l->items[i]->demonstration ? 1 : 0;
    net_free(c, m);
    ck_assert_msg(found >= 0, "project %ld not listed", project);
    return found == 1;
}

START_TEST(demonstration_projects_are_flagged)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];
    ck_assert(!listed_demonstration(housing, p0));

    /* Created as a demonstration project (示范项目): listed so. */
    Reno__CreateProject cp = RENO__CREATE_PROJECT__INIT;
    h_new_key(&cp.idempotency_key, key);
    cp.name = "松山街道示范小区";
    cp.community = "示范小区";
    cp.households = 120;
    cp.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
    cp.demonstration = true;
    Reno__ServerMessage *m = h_call_body(housing, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "refused: %s", m->response->status->message);
    long created = (long)m->response->create_project->id;
    net_free(housing, m);
    ck_assert(listed_demonstration(housing, created));

    /* Flagged and unflagged by update_project; other fields stay. */
    Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&up.idempotency_key, key);
    up.project_id = p0;
    up.demonstration = RENO__FLAG_CHANGE__FLAG_CHANGE_YES;
    write_ok(housing, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert(listed_demonstration(housing, p0));
    h_new_key(&up.idempotency_key, key);
    up.project_id = created;
    up.demonstration = RENO__FLAG_CHANGE__FLAG_CHANGE_NO;
    write_ok(housing, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert(!listed_demonstration(housing, created));
    ck_assert(listed_demonstration(housing, p0));

    /* A unit without project.write may not flag one. */
    struct net_conn *finance = h_login(&h_srv, H_FINANCE);
    h_new_key(&up.idempotency_key, key);
    up.project_id = p0;
    up.demonstration = RENO__FLAG_CHANGE__FLAG_CHANGE_NO;
    m = h_call_body(finance, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(finance, m);
    net_close(finance);
    ck_assert(listed_demonstration(housing, p0));
    net_close(housing);
}
END_TEST

Suite *it_prefs_suite(void)
{
    Suite *s = suite_create("it_prefs");
    TCase *tc = tcase_create("prefs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, year_end_steps_need_their_documents);
    tcase_add_test(tc, historic_project_needs_its_protection);
    tcase_add_test(tc, demonstration_projects_are_flagged);
    suite_add_tcase(s, tc);
    return s;
}
