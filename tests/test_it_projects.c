/*
 * Projects, the content catalogue, renovation lists and milestones through the real path
 * (client → protocol → renod → PostgreSQL): what each write stores, that a retry with the
 * same key counts once, every validation rule as a typed status naming the request field,
 * refusals for units without the right that write nothing, a demolition project whose
 * demolished households fall outside the renovation scope, the catalogue's three
 * classes, back-dated and future milestones, and a unit named responsible for a project
 * gaining the right to push its progress. A last test drives the same operations through
 * the `reno` command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "date.h"
#include "it.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* Asserts a refusal's status and field path ("" for none), then frees the reply. */
static void expect_refusal(struct net_conn *c, Reno__ServerMessage *m, Reno__StatusCode code,
                           const char *field)
{
    ck_assert_msg(h_code(m) == code, "expected status %d for %s, got %d: %s", code, field,
                  h_code(m), m->response->status ? m->response->status->message : "");
    ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
}

/* The id written by an accepted write, checked to be a first write (not a replay). */
static int64_t expect_written(struct net_conn *c, Reno__ServerMessage *m, Reno__WriteReply *w)
{
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "write refused: %s (field %s)",
                  m->response->status ? m->response->status->message : "",
                  m->response->status ? m->response->status->field : "");
    ck_assert_ptr_nonnull(w);
    ck_assert(!w->replayed);
    ck_assert_int_gt(w->id, 0);
    int64_t id = w->id;
    net_free(c, m);
    return id;
}

static long count(const char *sql)
{
    return h_sql_long(h_db, sql);
}

static long changes(void)
{
    return count("SELECT count(*) FROM audit_log") + count("SELECT count(*) FROM idempotency");
}

/* A demolition-plus-renovation project: 120 households, 20 of them demolished. */
static void demolition_project(Reno__CreateProject *cp)
{
    reno__create_project__init(cp);
    cp->name = "紫云拆改结合测试小区";
    cp->community = "测试小区";
    cp->households = 120;
    cp->renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_DEMOLITION;
    cp->street = "松山街道";
    cp->buildings = 6;
    cp->area_m2 = 8650.5;
    cp->historic = true;
    cp->implementing_body = "县城市开发建设指挥部";
    cp->subsidy_batch = "2022年度中央补助支持老旧小区改造计划";
    cp->demolished_households = 20;
}

static int64_t create_demolition_project(struct net_conn *c)
{
    Reno__CreateProject cp;
    uint8_t key[16];
    demolition_project(&cp);
    h_new_key(&cp.idempotency_key, key);
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);
    return expect_written(c, m, m->response->create_project);
}

static Reno__ServerMessage *list_projects(struct net_conn *c)
{
    Reno__ListProjects lp = RENO__LIST_PROJECTS__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_PROJECTS, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

static const Reno__Project *find_project(const Reno__ServerMessage *m, int64_t id)
{
    const Reno__ProjectList *l = m->response->list_projects;
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i]->id == id)
            return l->items[i];
    ck_abort_msg("project %lld not listed", (long long)id);
    return NULL;
}

static Reno__ServerMessage *push(struct net_conn *c, long project, int started)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, "2022-04-20", started, 0);
    return h_call(c, &req);
}

static Reno__ServerMessage *list_milestones(struct net_conn *c, int64_t project)
{
    Reno__ListMilestones lm = RENO__LIST_MILESTONES__INIT;
    lm.project_id = project;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_MILESTONES, &lm);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

static const Reno__Milestone *find_milestone(const Reno__ServerMessage *m, const char *code)
{
    const Reno__MilestoneList *l = m->response->list_milestones;
    for (size_t i = 0; i < l->n_items; i++)
        if (strcmp(l->items[i]->code, code) == 0)
            return l->items[i];
    ck_abort_msg("milestone %s not listed", code);
    return NULL;
}

/* ---- projects ---------------------------------------------------------------------------- */

START_TEST(create_project_stores_it_with_its_milestone_plan)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__CreateProject cp;
    uint8_t key[16];
    demolition_project(&cp);
    h_new_key(&cp.idempotency_key, key);
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);
    int64_t id = expect_written(c, m, m->response->create_project);

    /* Stored as sent; the demolished part is outside the renovation scope. */
    char sql[800];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM project WHERE id = %lld AND name = '紫云拆改结合测试小区' "
             "AND households = 120 AND demolished_households = 20 AND households_in_scope = 100 "
             "AND renovation_type = 'demolition' AND area_m2 = 8650.50 AND buildings = 6 "
             "AND historic AND NOT is_sample AND implementing_body = '县城市开发建设指挥部'",
             (long long)id);
    ck_assert_int_eq(count(sql), 1);
    /* The programme's milestone plan is copied to the new project, due dates and all. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM project_milestone m JOIN milestone_template t "
             "ON t.id = m.template_id WHERE m.project_id = %lld AND m.due = t.due "
             "AND m.done_on IS NULL",
             (long long)id);
    ck_assert_int_eq(count(sql), 24);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'create_project'"),
                     1 + 24);

    m = list_projects(c);
    ck_assert_uint_eq(m->response->list_projects->n_items, 3);
    const Reno__Project *p = find_project(m, id);
    ck_assert_int_eq(p->renovation_type, RENO__RENOVATION_TYPE__RENOVATION_TYPE_DEMOLITION);
    ck_assert_int_eq(p->households, 120);
    ck_assert_int_eq(p->demolished_households, 20);
    ck_assert_int_eq(p->households_in_scope, 100);
    ck_assert_double_eq(p->area_m2, 8650.5);
    ck_assert(p->historic);
    ck_assert(!p->is_sample);
    ck_assert_str_eq(p->street, "松山街道");
    ck_assert_str_eq(p->subsidy_batch, "2022年度中央补助支持老旧小区改造计划");
    ck_assert_str_eq(p->responsible_units, "");
    ck_assert_int_eq(p->milestones_done, 0);
    /* Every step of the 2022 plan was due by 2022-12-31. */
    ck_assert_int_eq(p->milestones_overdue, 24);
    /* The seed's sample projects, with what the document says of them. */
    const Reno__Project *sample = m->response->list_projects->items[0];
    ck_assert(sample->is_sample);
    ck_assert_int_eq(sample->households_in_scope, 500);
    ck_assert_str_eq(sample->subsidy_batch, "2022年度中央补助支持老旧小区改造计划");
    ck_assert_ptr_nonnull(strstr(sample->responsible_units, "housing"));
    net_free(c, m);

    /* The retry, as after a lost reply: the first answer, nothing more written. */
    long before = changes();
    m = h_call_body(c, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->create_project->id, id);
    ck_assert(m->response->create_project->replayed);
    net_free(c, m);
    ck_assert_int_eq(count("SELECT count(*) FROM project"), 3);
    ck_assert_int_eq(changes(), before);
    net_close(c);
}
END_TEST

START_TEST(create_project_rules_name_the_field)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    Reno__CreateProject cp;
    uint8_t key[16];
    char long_name[3 * 201 + 1] = "";
    for (int i = 0; i < 201; i++)
        strcat(long_name, "长");
    long before = changes(); /* the template's own rows (accounts are audited) */
    static const struct {
        const char *what;
        Reno__StatusCode code;
        const char *field;
    } cases[] = {
        {"name empty", RENO__STATUS_CODE__BAD_REQUEST, "create_project.name"},
        {"name too long", RENO__STATUS_CODE__BAD_REQUEST, "create_project.name"},
        {"name taken", RENO__STATUS_CODE__CONFLICT, "create_project.name"},
        {"community empty", RENO__STATUS_CODE__BAD_REQUEST, "create_project.community"},
        {"no households", RENO__STATUS_CODE__BAD_REQUEST, "create_project.households"},
        {"no type", RENO__STATUS_CODE__BAD_REQUEST, "create_project.renovation_type"},
        {"demolished > households", RENO__STATUS_CODE__BAD_REQUEST,
         "create_project.demolished_households"},
        {"demolished negative", RENO__STATUS_CODE__BAD_REQUEST,
         "create_project.demolished_households"},
        {"demolished in comprehensive", RENO__STATUS_CODE__BAD_REQUEST,
         "create_project.demolished_households"},
        {"buildings negative", RENO__STATUS_CODE__BAD_REQUEST, "create_project.buildings"},
        {"area negative", RENO__STATUS_CODE__BAD_REQUEST, "create_project.area_m2"},
        {"area too large", RENO__STATUS_CODE__BAD_REQUEST, "create_project.area_m2"},
        {"street too long", RENO__STATUS_CODE__BAD_REQUEST, "create_project.street"},
        {"households too many", RENO__STATUS_CODE__BAD_REQUEST, "create_project.households"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        demolition_project(&cp);
        h_new_key(&cp.idempotency_key, key);
        switch (i) {
        case 0:
            cp.name = "  ";
            break;
        case 1:
            cp.name = long_name;
            break;
        case 2:
            cp.name = "松山街道示例小区一（示例）";
            break;
        case 3:
            cp.community = "";
            break;
        case 4:
            cp.households = 0;
            break;
        case 5:
            cp.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_UNSPECIFIED;
            break;
        case 6:
            cp.demolished_households = 121;
            break;
        case 7:
            cp.demolished_households = -1;
            break;
        case 8:
            cp.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
            break;
        case 9:
            cp.buildings = -1;
            break;
        case 10:
            cp.area_m2 = -0.5;
            break;
        case 11:
            cp.area_m2 = 1e9;
            break;
        case 12:
            cp.street = long_name;
            break;
        case 13:
            cp.households = 1000001;
            break;
        }
        Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);
        ck_assert_msg(h_code(m) == cases[i].code, "%s: status %d", cases[i].what, h_code(m));
        expect_refusal(c, m, cases[i].code, cases[i].field);
    }
    ck_assert_int_eq(count("SELECT count(*) FROM project"), 2);
    ck_assert_int_eq(changes(), before);
    net_close(c);
}
END_TEST

START_TEST(units_without_project_write_are_refused_and_write_nothing)
{
    long p0 = h_project_id(h_db, 0);
    long before = changes();
    const char *refused[] = {H_FINANCE, H_LEADER, H_POWER};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct net_conn *c = h_login(&h_srv, refused[i]);
        uint8_t key[16];
        Reno__CreateProject cp;
        demolition_project(&cp);
        h_new_key(&cp.idempotency_key, key);
        expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_CREATE_PROJECT, &cp),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");

        Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
        h_new_key(&up.idempotency_key, key);
        up.project_id = p0;
        up.name = "改名";
        expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &up),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");

        Reno__AssignProjectUnit au = RENO__ASSIGN_PROJECT_UNIT__INIT;
        h_new_key(&au.idempotency_key, key);
        au.project_id = p0;
        au.unit_code = "finance";
        au.duty = "资金拨付";
        expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &au),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");

        Reno__AddProjectItem ai = RENO__ADD_PROJECT_ITEM__INIT;
        h_new_key(&ai.idempotency_key, key);
        ai.project_id = p0;
        ai.catalogue_code = "roof";
        ai.responsible_unit_code = "housing";
        ai.planned_quantity = 100;
        ai.unit_of_measure = "m²";
        expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &ai),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");

        Reno__MarkMilestone mm = RENO__MARK_MILESTONE__INIT;
        h_new_key(&mm.idempotency_key, key);
        mm.project_id = p0;
        mm.milestone_code = "survey_willingness";
        mm.done_on = "2021-12-20";
        mm.evidence = "调查表";
        expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_MARK_MILESTONE, &mm),
                       RENO__STATUS_CODE__PERMISSION_DENIED, "");
        net_close(c);
    }
    ck_assert_int_eq(count("SELECT count(*) FROM project"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM project WHERE name = '改名'"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM project_item"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM project_unit pu JOIN unit u ON u.id = "
                           "pu.unit_id WHERE u.code = 'finance'"),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM project_milestone WHERE done_on IS NOT NULL"), 0);
    ck_assert_int_eq(changes(), before);
}
END_TEST

START_TEST(update_project_changes_only_what_is_given)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    uint8_t key[16];
    Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&up.idempotency_key, key);
    up.project_id = p0;
    up.name = "松山街道某某小区";
    up.area_m2 = 41000;
    up.historic = RENO__FLAG_CHANGE__FLAG_CHANGE_YES;
    up.is_sample = RENO__FLAG_CHANGE__FLAG_CHANGE_NO;
    up.implementing_body = "县住房和城乡建设局";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert_int_eq(expect_written(c, m, m->response->update_project), p0);

    m = list_projects(c);
    const Reno__Project *p = find_project(m, p0);
    ck_assert_str_eq(p->name, "松山街道某某小区");
    ck_assert_str_eq(p->community, "示例小区一"); /* not given: unchanged */
    ck_assert_int_eq(p->households, 500);
    ck_assert_int_eq(p->renovation_type, RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE);
    ck_assert_double_eq(p->area_m2, 41000);
    ck_assert(p->historic);
    ck_assert(!p->is_sample);
    ck_assert_str_eq(p->implementing_body, "县住房和城乡建设局");
    ck_assert_str_eq(p->street, "松山街道");
    net_free(c, m);
    /* Audited with before and after. */
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'update_project' "
                           "AND before->>'name' = '松山街道示例小区一（示例）' "
                           "AND after->>'name' = '松山街道某某小区'"),
                     1);

    /* The retry counts once. */
    m = h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->update_project->replayed);
    net_free(c, m);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'update_project'"), 1);

    /* Each rule, with the field at fault; nothing written. */
    long before = changes();
    Reno__UpdateProject bad = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&bad.idempotency_key, key);
    bad.project_id = 99999;
    bad.name = "x";
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__NOT_FOUND, "update_project.project_id");
    bad.project_id = p0;
    bad.name = "松山街道示例小区二（示例）";
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__CONFLICT, "update_project.name");
    bad.name = "";
    bad.households = -5;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.households");
    bad.households = 0;
    bad.buildings = -1;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.buildings");
    bad.buildings = 0;
    bad.area_m2 = -1;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.area_m2");
    bad.area_m2 = 0;
    /* A comprehensive project demolishes nothing. */
    bad.demolished_households = 10;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.demolished_households");
    bad.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_DEMOLITION;
    bad.demolished_households = 501;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.demolished_households");
    ck_assert_int_eq(changes(), before);

    /* Households already reported started stay within the scope. */
    Reno__ServerMessage *pm = push(c, p1, 250);
    ck_assert_int_eq(h_code(pm), RENO__STATUS_CODE__OK);
    net_free(c, pm);
    before = changes();
    bad.project_id = p1;
    bad.demolished_households = 100; /* 302 - 100 = 202 < 250 */
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.demolished_households");
    bad.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_UNSPECIFIED;
    bad.demolished_households = 0;
    bad.households = 249;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project.households");
    ck_assert_int_eq(changes(), before);

    /* Within the scope it is accepted; back to comprehensive clears the demolished part. */
    Reno__UpdateProject ok = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&ok.idempotency_key, key);
    ok.project_id = p1;
    ok.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_DEMOLITION;
    ok.demolished_households = 52; /* 250 in scope */
    m = h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &ok);
    expect_written(c, m, m->response->update_project);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT households_in_scope FROM project WHERE id = %ld", p1);
    ck_assert_int_eq(count(sql), 250);
    Reno__UpdateProject back = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&back.idempotency_key, key);
    back.project_id = p1;
    back.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
    m = h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT, &back);
    expect_written(c, m, m->response->update_project);
    ck_assert_int_eq(count(sql), 302);
    net_close(c);
}
END_TEST

START_TEST(demolished_households_are_outside_the_progress_scope)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    int64_t id = create_demolition_project(c);
    /* 120 households, 20 demolished: at most 100 can be started. */
    long before = count("SELECT count(*) FROM progress_report");
    expect_refusal(c, push(c, (long)id, 101), RENO__STATUS_CODE__BAD_REQUEST,
                   "push_progress.households_started");
    ck_assert_int_eq(count("SELECT count(*) FROM progress_report"), before);
    Reno__ServerMessage *m = push(c, (long)id, 100);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    m = list_projects(c);
    ck_assert_int_eq(find_project(m, id)->households_in_scope, 100);
    net_free(c, m);
    /* The consolidated status counts the project by its households in scope: all started. */
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__ProjectStatus *ps = NULL;
    for (size_t i = 0; i < m->response->status_reply->n_projects; i++)
        if (m->response->status_reply->projects[i]->project_id == id)
            ps = m->response->status_reply->projects[i];
    ck_assert_ptr_nonnull(ps);
    ck_assert_int_eq(ps->households, 100);
    ck_assert_int_eq(ps->households_started, 100);
    ck_assert(ps->started_pct > 99.9);
    net_free(c, m);
    net_close(c);
}
END_TEST

/* ---- responsible units ------------------------------------------------------------------- */

START_TEST(assigning_a_unit_lets_it_push_progress)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    struct net_conn *fin = h_login(&h_srv, H_FINANCE);
    expect_refusal(fin, push(fin, p0, 10), RENO__STATUS_CODE__PERMISSION_DENIED, "");

    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];
    Reno__AssignProjectUnit au = RENO__ASSIGN_PROJECT_UNIT__INIT;
    h_new_key(&au.idempotency_key, key);
    au.project_id = p0;
    au.unit_code = "finance";
    au.duty = "专项资金拨付进度跟踪";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &au);
    ck_assert_int_eq(expect_written(c, m, m->response->assign_project_unit), p0);
    m = h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &au);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->assign_project_unit->replayed);
    net_free(c, m);
    const char *assigned =
        "SELECT count(*) FROM project_unit pu JOIN unit u ON u.id = "
        "pu.unit_id WHERE u.code = 'finance' AND pu.duty = '专项资金拨付进度跟踪'";
    ck_assert_int_eq(count(assigned), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'assign_project_unit'"),
                     1);

    /* Now the finance bureau may push this project's progress, and only this one's. */
    m = push(fin, p0, 10);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(fin, m);
    expect_refusal(fin, push(fin, p1, 10), RENO__STATUS_CODE__PERMISSION_DENIED, "");
    Reno__ListRights lr = RENO__LIST_RIGHTS__INIT;
    m = h_call_body(fin, RENO__REQUEST__BODY_LIST_RIGHTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    bool progress = false;
    for (size_t i = 0; i < m->response->list_rights->n_items; i++) {
        const Reno__Right *r = m->response->list_rights->items[i];
        progress |= strcmp(r->right, "progress.write") == 0 &&
                    strcmp(r->scope, "松山街道示例小区一（示例）") == 0;
    }
    ck_assert(progress);
    net_free(fin, m);
    m = list_projects(c);
    ck_assert_ptr_nonnull(strstr(find_project(m, p0)->responsible_units, "finance"));
    ck_assert_ptr_null(strstr(find_project(m, p1)->responsible_units, "finance"));
    net_free(c, m);

    /* The rules, each naming its field, writing nothing. */
    long before = changes();
    Reno__AssignProjectUnit bad = RENO__ASSIGN_PROJECT_UNIT__INIT;
    h_new_key(&bad.idempotency_key, key);
    bad.project_id = p1;
    bad.unit_code = "finance";
    bad.duty = " ";
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "assign_project_unit.duty");
    bad.duty = "x";
    bad.unit_code = "";
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &bad),
                   RENO__STATUS_CODE__BAD_REQUEST, "assign_project_unit.unit_code");
    bad.unit_code = "nowhere";
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &bad),
                   RENO__STATUS_CODE__NOT_FOUND, "assign_project_unit.unit_code");
    bad.unit_code = "finance";
    bad.remove = true; /* not responsible for p1 */
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &bad),
                   RENO__STATUS_CODE__NOT_FOUND, "assign_project_unit.unit_code");
    bad.project_id = 99999;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &bad),
                   RENO__STATUS_CODE__NOT_FOUND, "assign_project_unit.project_id");
    ck_assert_int_eq(changes(), before);

    /* Taken off again, the finance bureau may no longer push. */
    Reno__AssignProjectUnit off = RENO__ASSIGN_PROJECT_UNIT__INIT;
    h_new_key(&off.idempotency_key, key);
    off.project_id = p0;
    off.unit_code = "finance";
    off.remove = true;
    m = h_call_body(c, RENO__REQUEST__BODY_ASSIGN_PROJECT_UNIT, &off);
    expect_written(c, m, m->response->assign_project_unit);
    ck_assert_int_eq(count(assigned), 0);
    expect_refusal(fin, push(fin, p0, 20), RENO__STATUS_CODE__PERMISSION_DENIED, "");
    net_close(fin);
    net_close(c);
}
END_TEST

/* ---- the catalogue ----------------------------------------------------------------------- */

START_TEST(catalogue_holds_the_three_classes_of_the_document)
{
    struct net_conn *c = h_login(&h_srv, H_LEADER);
    Reno__ListCatalogue lc = RENO__LIST_CATALOGUE__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_CATALOGUE, &lc);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__CatalogueList *l = m->response->list_catalogue;
    ck_assert_uint_eq(l->n_items, 39);
    int per_class[4] = {0};
    for (size_t i = 0; i < l->n_items; i++) {
        ck_assert_int_gt(l->items[i]->content_class, 0);
        ck_assert_int_lt(l->items[i]->content_class, 4);
        per_class[l->items[i]->content_class]++;
    }
    /* The document's 15 basic entries and the protection of historic districts and
     * buildings (保护修缮, 四(二)), listed last. */
    ck_assert_int_eq(per_class[RENO__CONTENT_CLASS__CONTENT_CLASS_BASIC], 16);
    ck_assert_int_eq(per_class[RENO__CONTENT_CLASS__CONTENT_CLASS_IMPROVEMENT], 12);
    ck_assert_int_eq(per_class[RENO__CONTENT_CLASS__CONTENT_CLASS_ENHANCEMENT], 11);
    /* In the document's order and words. */
    ck_assert_str_eq(l->items[0]->name, "屋面");
    ck_assert_str_eq(l->items[0]->code, "roof");
    ck_assert_str_eq(l->items[14]->name, "架空线规整（入地）");
    ck_assert_str_eq(l->items[15]->name, "绿化");
    ck_assert_int_eq(l->items[15]->content_class, RENO__CONTENT_CLASS__CONTENT_CLASS_IMPROVEMENT);
    ck_assert_str_eq(l->items[26]->name, "拆除违法建设");
    ck_assert_str_eq(l->items[37]->name, "邮政快递末端综合服务站");
    ck_assert_int_eq(l->items[37]->content_class, RENO__CONTENT_CLASS__CONTENT_CLASS_ENHANCEMENT);
    net_free(c, m);

    lc.content_class = RENO__CONTENT_CLASS__CONTENT_CLASS_ENHANCEMENT;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_CATALOGUE, &lc);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    l = m->response->list_catalogue;
    ck_assert_uint_eq(l->n_items, 11);
    for (size_t i = 0; i < l->n_items; i++)
        ck_assert_int_eq(l->items[i]->content_class,
                         RENO__CONTENT_CLASS__CONTENT_CLASS_ENHANCEMENT);
    ck_assert_str_eq(l->items[0]->name, "社区综合服务设施");
    net_free(c, m);
    net_close(c);
}
END_TEST

/* ---- the renovation list ----------------------------------------------------------------- */

START_TEST(renovation_list_add_and_its_rules)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    long p0 = h_project_id(h_db, 0);
    uint8_t key[16];
    Reno__AddProjectItem ai = RENO__ADD_PROJECT_ITEM__INIT;
    h_new_key(&ai.idempotency_key, key);
    ai.project_id = p0;
    ai.catalogue_code = "overhead_lines";
    ai.responsible_unit_code = "power-grid";
    ai.planned_quantity = 1.25;
    ai.unit_of_measure = "km";
    ai.budget = 820000.5;
    ai.note = "红线内管沟由县住建局负责";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &ai);
    int64_t item = expect_written(c, m, m->response->add_project_item);
    m = h_call_body(c, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &ai);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->add_project_item->id, item);
    ck_assert(m->response->add_project_item->replayed);
    net_free(c, m);
    ck_assert_int_eq(count("SELECT count(*) FROM project_item"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'add_project_item'"), 1);

    Reno__ListProjectItems li = RENO__LIST_PROJECT_ITEMS__INIT;
    li.project_id = p0;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_PROJECT_ITEMS, &li);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->list_project_items->n_items, 1);
    const Reno__ProjectItem *it = m->response->list_project_items->items[0];
    ck_assert_int_eq(it->id, item);
    ck_assert_int_eq(it->project_id, p0);
    ck_assert_str_eq(it->catalogue_code, "overhead_lines");
    ck_assert_str_eq(it->name, "架空线规整（入地）");
    ck_assert_int_eq(it->content_class, RENO__CONTENT_CLASS__CONTENT_CLASS_BASIC);
    ck_assert_str_eq(it->responsible_unit_code, "power-grid");
    ck_assert_double_eq(it->planned_quantity, 1.25);
    ck_assert_str_eq(it->unit_of_measure, "km");
    ck_assert_double_eq(it->budget, 820000.5);
    ck_assert_int_eq(it->status, RENO__PROJECT_ITEM_STATUS__PROJECT_ITEM_STATUS_PLANNED);
    ck_assert_int_eq(it->progress_pct, 0);
    ck_assert_str_eq(it->note, "红线内管沟由县住建局负责");
    net_free(c, m);
    /* Another project's list is empty. */
    li.project_id = h_project_id(h_db, 1);
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_PROJECT_ITEMS, &li);
    ck_assert_uint_eq(m->response->list_project_items->n_items, 0);
    net_free(c, m);
    li.project_id = 99999;
    expect_refusal(c, h_call_body(c, RENO__REQUEST__BODY_LIST_PROJECT_ITEMS, &li),
                   RENO__STATUS_CODE__NOT_FOUND, "list_project_items.project_id");

    /* Each rule names its field; nothing is written. */
    long before = changes();
    static const struct {
        Reno__StatusCode code;
        const char *field;
    } cases[] = {
        {RENO__STATUS_CODE__NOT_FOUND, "add_project_item.project_id"},
        {RENO__STATUS_CODE__BAD_REQUEST, "add_project_item.catalogue_code"},
        {RENO__STATUS_CODE__NOT_FOUND, "add_project_item.catalogue_code"},
        {RENO__STATUS_CODE__BAD_REQUEST, "add_project_item.responsible_unit_code"},
        {RENO__STATUS_CODE__NOT_FOUND, "add_project_item.responsible_unit_code"},
        {RENO__STATUS_CODE__BAD_REQUEST, "add_project_item.planned_quantity"},
        {RENO__STATUS_CODE__BAD_REQUEST, "add_project_item.planned_quantity"},
        {RENO__STATUS_CODE__BAD_REQUEST, "add_project_item.unit_of_measure"},
        {RENO__STATUS_CODE__BAD_REQUEST, "add_project_item.budget"},
        {RENO__STATUS_CODE__CONFLICT, "add_project_item.catalogue_code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Reno__AddProjectItem bad = RENO__ADD_PROJECT_ITEM__INIT;
        h_new_key(&bad.idempotency_key, key);
        bad.project_id = p0;
        bad.catalogue_code = "roof";
        bad.responsible_unit_code = "housing";
        bad.planned_quantity = 3200;
        bad.unit_of_measure = "m²";
        bad.budget = 960000;
        switch (i) {
        case 0:
            bad.project_id = 99999;
            break;
        case 1:
            bad.catalogue_code = "";
            break;
        case 2:
            bad.catalogue_code = "swimming_pool";
            break;
        case 3:
            bad.responsible_unit_code = "";
            break;
        case 4:
            bad.responsible_unit_code = "nowhere";
            break;
        case 5:
            bad.planned_quantity = 0;
            break;
        case 6:
            bad.planned_quantity = 0.001; /* nothing at two decimals */
            break;
        case 7:
            bad.unit_of_measure = "";
            break;
        case 8:
            bad.budget = -0.01;
            break;
        case 9:
            bad.catalogue_code = "overhead_lines"; /* already on the list */
            break;
        }
        Reno__ServerMessage *r = h_call_body(c, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &bad);
        ck_assert_msg(h_code(r) == cases[i].code, "case %zu: status %d", i, h_code(r));
        expect_refusal(c, r, cases[i].code, cases[i].field);
    }
    ck_assert_int_eq(changes(), before);
    ck_assert_int_eq(count("SELECT count(*) FROM project_item"), 1);
    net_close(c);
}
END_TEST

static Reno__ServerMessage *update_item(struct net_conn *c, int64_t item,
                                        Reno__ProjectItemStatus status, int progress,
                                        const char *note)
{
    uint8_t key[16];
    Reno__UpdateProjectItem ui = RENO__UPDATE_PROJECT_ITEM__INIT;
    h_new_key(&ui.idempotency_key, key);
    ui.item_id = item;
    ui.status = status;
    ui.progress_pct = progress;
    ui.note = (char *)note;
    return h_call_body(c, RENO__REQUEST__BODY_UPDATE_PROJECT_ITEM, &ui);
}

static void item_state(int64_t item, const char *status, int progress)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM project_item WHERE id = %lld AND status = '%s' "
             "AND progress_pct = %d",
             (long long)item, status, progress);
    ck_assert_msg(count(sql) == 1, "item %lld is not %s at %d%%", (long long)item, status,
                  progress);
}

START_TEST(renovation_list_progress_by_the_responsible_unit)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    uint8_t key[16];
    Reno__AddProjectItem ai = RENO__ADD_PROJECT_ITEM__INIT;
    h_new_key(&ai.idempotency_key, key);
    ai.project_id = p0;
    ai.catalogue_code = "power_supply";
    ai.responsible_unit_code = "power-grid";
    ai.planned_quantity = 500;
    ai.unit_of_measure = "户";
    ai.budget = 1500000;
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_ADD_PROJECT_ITEM, &ai);
    int64_t item = expect_written(office, m, m->response->add_project_item);

    /* The responsible utility reports progress: the item has started. */
    struct net_conn *power = h_login(&h_srv, H_POWER);
    uint8_t ukey[16];
    Reno__UpdateProjectItem ui = RENO__UPDATE_PROJECT_ITEM__INIT;
    h_new_key(&ui.idempotency_key, ukey);
    ui.item_id = item;
    ui.progress_pct = 40;
    ui.note = "3号楼线路入地完成";
    m = h_call_body(power, RENO__REQUEST__BODY_UPDATE_PROJECT_ITEM, &ui);
    ck_assert_int_eq(expect_written(power, m, m->response->update_project_item), item);
    item_state(item, "in_progress", 40);
    m = h_call_body(power, RENO__REQUEST__BODY_UPDATE_PROJECT_ITEM, &ui);
    ck_assert(m->response->update_project_item->replayed);
    net_free(power, m);
    ck_assert_int_eq(
        count("SELECT count(*) FROM audit_log WHERE action = 'update_project_item' "
              "AND before->>'status' = 'planned' AND after->>'status' = 'in_progress'"),
        1);
    ck_assert_int_eq(count("SELECT count(*) FROM project_item WHERE note = '3号楼线路入地完成'"),
                     1);

    /* Neither a unit not responsible for it nor a leader may write it. */
    long before = changes();
    const char *others[] = {H_FINANCE, H_LEADER};
    for (int i = 0; i < 2; i++) {
        struct net_conn *o = h_login(&h_srv, others[i]);
        expect_refusal(o, update_item(o, item, 0, 90, ""), RENO__STATUS_CODE__PERMISSION_DENIED,
                       "");
        net_close(o);
    }
    ck_assert_int_eq(changes(), before);
    item_state(item, "in_progress", 40);

    /* The rules, each naming its field. */
    expect_refusal(power, update_item(power, item, 0, 101, ""), RENO__STATUS_CODE__BAD_REQUEST,
                   "update_project_item.progress_pct");
    expect_refusal(power, update_item(power, item, 0, -1, ""), RENO__STATUS_CODE__BAD_REQUEST,
                   "update_project_item.progress_pct");
    expect_refusal(
        power,
        update_item(power, item, RENO__PROJECT_ITEM_STATUS__PROJECT_ITEM_STATUS_DONE, 80, ""),
        RENO__STATUS_CODE__BAD_REQUEST, "update_project_item.progress_pct");
    expect_refusal(
        power,
        update_item(power, item, RENO__PROJECT_ITEM_STATUS__PROJECT_ITEM_STATUS_PLANNED, 0, ""),
        RENO__STATUS_CODE__BAD_REQUEST, "update_project_item.status");
    expect_refusal(power, update_item(power, 99999, 0, 50, ""), RENO__STATUS_CODE__NOT_FOUND,
                   "update_project_item.item_id");
    char long_note[2002];
    memset(long_note, 'n', 2001);
    long_note[2001] = '\0';
    expect_refusal(power, update_item(power, item, 0, 50, long_note),
                   RENO__STATUS_CODE__BAD_REQUEST, "update_project_item.note");
    ck_assert_int_eq(changes(), before);
    item_state(item, "in_progress", 40);

    /* The housing bureau (project.write) marks it done: complete without a figure. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    m = update_item(housing, item, RENO__PROJECT_ITEM_STATUS__PROJECT_ITEM_STATUS_DONE, 0, "");
    expect_written(housing, m, m->response->update_project_item);
    item_state(item, "done", 100);
    ck_assert_int_eq(count("SELECT count(*) FROM project_item WHERE note = '3号楼线路入地完成'"),
                     1); /* an empty note leaves it */
    /* The office cancels it; it keeps the progress it had. */
    m = update_item(office, item, RENO__PROJECT_ITEM_STATUS__PROJECT_ITEM_STATUS_CANCELLED, 0,
                    "方案调整");
    expect_written(office, m, m->response->update_project_item);
    item_state(item, "cancelled", 100);
    net_close(housing);
    net_close(power);
    net_close(office);
}
END_TEST

/* ---- milestones -------------------------------------------------------------------------- */

START_TEST(milestones_back_dated_accepted_future_refused)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    long p0 = h_project_id(h_db, 0);
    Reno__ServerMessage *m = list_milestones(c, p0);
    const Reno__MilestoneList *l = m->response->list_milestones;
    ck_assert_uint_eq(l->n_items, 24);
    ck_assert_str_eq(l->items[0]->code, "survey_willingness");
    ck_assert_int_eq(l->items[0]->phase, 1);
    ck_assert_str_eq(l->items[0]->starts_on, "2021-12-01");
    ck_assert_str_eq(l->items[0]->due, "2021-12-31");
    ck_assert_int_eq(l->items[0]->status, RENO__MILESTONE_STATUS__MILESTONE_STATUS_OVERDUE);
    ck_assert_str_eq(l->items[21]->code, "performance_evaluation");
    ck_assert_int_eq(l->items[21]->phase, 4);
    ck_assert_str_eq(l->items[21]->due, "2022-12-31");
    /* 同时，筹划部署下一年度…；同时做好迎接年度考核的准备工作: the phase's last two steps. */
    ck_assert_str_eq(l->items[22]->code, "next_year_planning");
    ck_assert_str_eq(l->items[23]->code, "annual_assessment");
    /* The plan's rule steps carry the programme's rule dates. */
    ck_assert_str_eq(find_milestone(m, "start_share")->due, "2022-03-31");
    ck_assert_str_eq(find_milestone(m, "start_all")->due, "2022-04-30");
    ck_assert_str_eq(find_milestone(m, "complete_all")->due, "2022-11-30");
    ck_assert_str_eq(find_milestone(m, "joint_acceptance")->due, "2022-11-30");
    net_free(c, m);

    /* Back-dated: the plan was issued on 2022-03-03, after its December step. The step's
     * evidence lives in reno (the willingness survey): refused before it is recorded,
     * naming what is missing. */
    uint8_t key[16];
    Reno__MarkMilestone mm = RENO__MARK_MILESTONE__INIT;
    h_new_key(&mm.idempotency_key, key);
    mm.project_id = p0;
    mm.milestone_code = "survey_willingness";
    mm.done_on = "2021-12-20";
    mm.evidence = "松山街道入户调查摸底表（意愿征集）";
    m = h_call_body(c, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "record_survey.kind"));
    expect_refusal(c, m, RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.milestone_code");
    char survey[400];
    snprintf(survey, sizeof survey,
             "INSERT INTO resident_survey (project_id, kind, surveyed_on, households_asked, "
             "households_agreeing, recorded_by) SELECT %ld, 'willingness', '2021-12-18', 480, "
             "468, id FROM account WHERE username = 'housing'",
             p0);
    char state[6];
    h_sql_exec(h_db, survey, state);
    ck_assert_str_eq(state, "");
    h_new_key(&mm.idempotency_key, key);
    m = h_call_body(c, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);
    int64_t id = expect_written(c, m, m->response->mark_milestone);
    m = h_call_body(c, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->mark_milestone->id, id);
    ck_assert(m->response->mark_milestone->replayed);
    net_free(c, m);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'mark_milestone'"), 1);

    m = list_milestones(c, p0);
    const Reno__Milestone *done = find_milestone(m, "survey_willingness");
    ck_assert_int_eq(done->id, id);
    ck_assert_int_eq(done->status, RENO__MILESTONE_STATUS__MILESTONE_STATUS_DONE);
    ck_assert_str_eq(done->done_on, "2021-12-20");
    ck_assert_str_eq(done->evidence, "松山街道入户调查摸底表（意愿征集）");
    ck_assert_str_eq(done->done_by, "housing");
    ck_assert_str_eq(done->done_by_unit, "县住房和城乡建设局");
    ck_assert_int_eq(find_milestone(m, "feasibility")->status,
                     RENO__MILESTONE_STATUS__MILESTONE_STATUS_OVERDUE);
    ck_assert_str_eq(find_milestone(m, "feasibility")->done_by, "");
    net_free(c, m);
    m = list_projects(c);
    ck_assert_int_eq(find_project(m, p0)->milestones_done, 1);
    ck_assert_int_eq(find_project(m, p0)->milestones_overdue, 23);
    net_free(c, m);

    /* A date in the future is refused, naming done_on; so are the other rules. Some
     * days ahead, so that no time zone between test and database makes it today. */
    char future[DATE_TEXT_SIZE];
    date_format(date_today() + 3, future);
    long before = changes();
    static const struct {
        Reno__StatusCode code;
        const char *field;
    } cases[] = {
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.done_on"},  /* future */
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.done_on"},  /* before the programme */
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.done_on"},  /* missing */
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.done_on"},  /* not a date */
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.evidence"}, /* missing */
        {RENO__STATUS_CODE__NOT_FOUND, "mark_milestone.milestone_code"},
        {RENO__STATUS_CODE__NOT_FOUND, "mark_milestone.project_id"},
        /* A step shown by a document needs its number, date and issuing unit. */
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.document_number"},
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.document_date"},
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.issuing_unit"},
        {RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.document_date"}, /* after done_on */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Reno__MarkMilestone bad = RENO__MARK_MILESTONE__INIT;
        h_new_key(&bad.idempotency_key, key);
        bad.project_id = p0;
        bad.milestone_code = "feasibility";
        bad.done_on = "2022-01-25";
        bad.evidence = "可研批复";
        bad.document_number = "紫发改审〔2022〕1号";
        bad.document_date = "2022-01-20";
        bad.issuing_unit = "县发展改革局";
        switch (i) {
        case 0:
            bad.done_on = future;
            break;
        case 1:
            bad.done_on = "2021-11-30";
            break;
        case 2:
            bad.done_on = "";
            break;
        case 3:
            bad.done_on = "2022-02-30";
            break;
        case 4:
            bad.evidence = "  ";
            break;
        case 5:
            bad.milestone_code = "groundbreaking_party";
            break;
        case 6:
            bad.project_id = 99999;
            break;
        case 7:
            bad.document_number = " ";
            break;
        case 8:
            bad.document_date = "";
            break;
        case 9:
            bad.issuing_unit = "";
            break;
        case 10:
            bad.document_date = "2022-01-26";
            break;
        }
        Reno__ServerMessage *r = h_call_body(c, RENO__REQUEST__BODY_MARK_MILESTONE, &bad);
        ck_assert_msg(h_code(r) == cases[i].code, "case %zu: status %d", i, h_code(r));
        expect_refusal(c, r, cases[i].code, cases[i].field);
    }
    ck_assert_int_eq(changes(), before);
    ck_assert_int_eq(count("SELECT count(*) FROM project_milestone WHERE done_on IS NOT NULL"), 1);

    /* Marking again corrects it; the audit keeps both versions. */
    Reno__MarkMilestone again = mm;
    h_new_key(&again.idempotency_key, key);
    again.done_on = "2021-12-28";
    m = h_call_body(c, RENO__REQUEST__BODY_MARK_MILESTONE, &again);
    ck_assert_int_eq(expect_written(c, m, m->response->mark_milestone), id);
    ck_assert_int_eq(count("SELECT count(*) FROM audit_log WHERE action = 'mark_milestone' "
                           "AND before->>'done_on' = '2021-12-20' "
                           "AND after->>'done_on' = '2021-12-28'"),
                     1);
    net_close(c);
}
END_TEST

/* ---- the command line -------------------------------------------------------------------- */

static char cli_home[128];

/* Runs `reno ARGS...` as the logged-in user of cli_home, asserts its exit status and
 * returns its standard output (the caller frees it); its standard error goes to *err when
 * err is not NULL. */
static char *reno_cli(int expected, char **err, const char *const *args)
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
    char *out, *error;
    int rc = h_run(argv, env, "office-test-password\n", &out, &error);
    ck_assert_msg(rc == expected, "reno %s %s: exit %d, expected %d: %s", args[0], args[1], rc,
                  expected, error);
    if (err)
        *err = error;
    else
        free(error);
    return out;
}

START_TEST(the_command_line_drives_projects_and_milestones)
{
    snprintf(cli_home, sizeof cli_home, "/tmp/reno-it-projects.XXXXXX");
    ck_assert(mkdtemp(cli_home) != NULL);
    free(reno_cli(0, NULL,
                  (const char *const[]){"login", "--user", H_OFFICE, "--password-stdin", NULL}));

    char *out =
        reno_cli(0, NULL,
                 (const char *const[]){"project", "create", "--name", "拆改结合示例", "--community",
                                       "示例", "--households", "80", "--renovation-type",
                                       "demolition", "--demolished-households", "12", NULL});
    ck_assert_ptr_nonnull(strstr(out, "recorded"));
    free(out);
    out = reno_cli(0, NULL, (const char *const[]){"--json", "project", "list", NULL});
    ck_assert_ptr_nonnull(strstr(out, "\"households_in_scope\":68"));
    ck_assert_ptr_nonnull(strstr(out, "\"renovation_type\":\"demolition\""));
    free(out);

    /* A refusal is an exit code (10 + BAD_REQUEST) naming the field. */
    char project[24], future[DATE_TEXT_SIZE], *err;
    snprintf(project, sizeof project, "%ld", h_project_id(h_db, 0));
    date_format(date_today() + 3, future);
    out = reno_cli(11, &err,
                   (const char *const[]){"milestone", "done", "--project-id", project,
                                         "--milestone-code", "start_share", "--done-on", future,
                                         "--evidence", "开工令", NULL});
    ck_assert_ptr_nonnull(strstr(err, "(option --done-on)"));
    free(out);
    free(err);
    /* No household started by then: the step's evidence (the progress) is missing. */
    out = reno_cli(11, &err,
                   (const char *const[]){"milestone", "done", "--project-id", project,
                                         "--milestone-code", "start_share", "--done-on",
                                         "2022-03-25", "--evidence", "开工令", NULL});
    ck_assert_ptr_nonnull(strstr(err, "(option --milestone-code)"));
    ck_assert_ptr_nonnull(strstr(err, "push_progress.households_started"));
    free(out);
    free(err);
    /* A step shown by a document, with its document. */
    free(reno_cli(
        0, NULL,
        (const char *const[]){"milestone", "done", "--project-id", project, "--milestone-code",
                              "permits_done", "--done-on", "2022-03-25", "--evidence", "施工许可证",
                              "--document-number", "522530202203250101", "--document-date",
                              "2022-03-24", "--issuing-unit", "县住房和城乡建设局", NULL}));
    ck_assert_int_eq(count("SELECT count(*) FROM project_milestone WHERE document_number = "
                           "'522530202203250101' AND document_date = '2022-03-24' AND "
                           "issuing_unit = '县住房和城乡建设局'"),
                     1);
    out = reno_cli(0, NULL,
                   (const char *const[]){"milestone", "list", "--project-id", project, NULL});
    ck_assert_ptr_nonnull(strstr(out, "施工许可证"));
    ck_assert_ptr_nonnull(strstr(out, "overdue"));
    ck_assert_ptr_nonnull(strstr(out, "(24 rows)"));
    free(out);
    out = reno_cli(
        0, NULL,
        (const char *const[]){"catalogue", "list", "--content-class", "improvement", NULL});
    ck_assert_ptr_nonnull(strstr(out, "智能信包箱"));
    ck_assert_ptr_nonnull(strstr(out, "(12 rows)"));
    free(out);

    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", cli_home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", cli_home);
    rmdir(path);
    rmdir(cli_home);
}
END_TEST

Suite *it_projects_suite(void)
{
    Suite *s = suite_create("it_projects");
    TCase *tc = tcase_create("projects");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, create_project_stores_it_with_its_milestone_plan);
    tcase_add_test(tc, create_project_rules_name_the_field);
    tcase_add_test(tc, units_without_project_write_are_refused_and_write_nothing);
    tcase_add_test(tc, update_project_changes_only_what_is_given);
    tcase_add_test(tc, demolished_households_are_outside_the_progress_scope);
    tcase_add_test(tc, assigning_a_unit_lets_it_push_progress);
    tcase_add_test(tc, catalogue_holds_the_three_classes_of_the_document);
    tcase_add_test(tc, renovation_list_add_and_its_rules);
    tcase_add_test(tc, renovation_list_progress_by_the_responsible_unit);
    tcase_add_test(tc, milestones_back_dated_accepted_future_refused);
    tcase_add_test(tc, the_command_line_drives_projects_and_milestones);
    suite_add_tcase(s, tc);
    return s;
}
