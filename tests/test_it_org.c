/*
 * The organisation operations through the generic path (common/ops.def → reno_op_*):
 * the seed's units, people and working groups as the document gives them, a person
 * recorded idempotently by the office, a refusal for a unit without the right that
 * writes nothing, and the audit trail of it all.
 */
#include <string.h>

#include "it.h"

START_TEST(seed_organisation_as_the_document_gives_it)
{
    struct net_conn *c = h_login(&h_srv, H_LEADER);
    Reno__ListUnits lu = RENO__LIST_UNITS__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_UNITS, &lu);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__UnitList *units = m->response->list_units;
    ck_assert_uint_eq(units->n_items, 31);
    bool dev_reform = false, gas = false;
    int in_group = 0;
    for (size_t i = 0; i < units->n_items; i++) {
        in_group += units->items[i]->in_leading_group;
        /* The office is the group's working body, not one of its member units. */
        if (strcmp(units->items[i]->code, "office") == 0)
            ck_assert(!units->items[i]->in_leading_group);
        if (strcmp(units->items[i]->code, "dev-reform") == 0) {
            dev_reform = true;
            ck_assert_str_eq(units->items[i]->aliases, "县发展和改革局");
        }
        if (strcmp(units->items[i]->code, "gas") == 0) {
            gas = true;
            ck_assert(!units->items[i]->in_leading_group);
        }
    }
    ck_assert(dev_reform && gas);
    /* 组长、副组长 and 成员 come from 28 units (the county government for the three
     * leaders and 尹玉竹, and 27 others). */
    ck_assert_int_eq(in_group, 28);
    net_free(c, m);

    Reno__ListPeople lp = RENO__LIST_PEOPLE__INIT;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_PEOPLE, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__PersonList *people = m->response->list_people;
    ck_assert_uint_eq(people->n_items, 38);
    ck_assert_str_eq(people->items[0]->name, "杨坚");
    ck_assert_str_eq(people->items[0]->leading_group_role, "leader");
    /* 34 people in the group; the four who sit only in the working groups are not. */
    int members = 0;
    for (size_t i = 0; i < people->n_items; i++)
        members += people->items[i]->leading_group_role[0] != '\0';
    ck_assert_int_eq(members, 34);
    for (size_t i = 0; i < people->n_items; i++)
        ck_assert_msg(strpbrk(people->items[i]->name, " \t") == NULL, "padded name");
    net_free(c, m);

    Reno__ListGroups lg = RENO__LIST_GROUPS__INIT;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_GROUPS, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    Reno__WorkingGroupList *groups = m->response->list_groups;
    ck_assert_uint_eq(groups->n_items, 4);
    ck_assert_str_eq(groups->items[0]->leader, "刘川荣");
    ck_assert_str_eq(groups->items[1]->seat, "县财政局");
    ck_assert_str_eq(groups->items[2]->name, "综合协调组");
    ck_assert_str_eq(groups->items[2]->members, "");
    ck_assert_str_eq(groups->items[3]->deputies, "黄华、陈芳、何忠诚");
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(office_records_people_idempotently)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    uint8_t key[16] = {1, 2, 3};
    Reno__UpsertPerson up = RENO__UPSERT_PERSON__INIT;
    up.idempotency_key.data = key;
    up.idempotency_key.len = 16;
    up.name = "张三";
    up.unit_code = "housing";
    up.position = "科员";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t id = m->response->upsert_person->id;
    ck_assert(!m->response->upsert_person->replayed);
    net_free(c, m);
    m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(m->response->upsert_person->id, id);
    ck_assert(m->response->upsert_person->replayed);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM person WHERE name = '张三'"), 1);

    /* A unit that does not exist is named as the field at fault. */
    key[0] = 9;
    up.unit_code = "nowhere";
    m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__NOT_FOUND);
    ck_assert_str_eq(m->response->status->field, "upsert_person.unit_code");
    net_free(c, m);

    /* The person joins the partly defined coordination group as its leader. */
    uint8_t key2[16] = {7};
    Reno__SetGroupMember sg = RENO__SET_GROUP_MEMBER__INIT;
    sg.idempotency_key.data = key2;
    sg.idempotency_key.len = 16;
    sg.group_code = "coordination";
    sg.person_name = "张三";
    sg.role = RENO__GROUP_ROLE__GROUP_ROLE_LEADER;
    m = h_call_body(c, RENO__REQUEST__BODY_SET_GROUP_MEMBER, &sg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM group_member m JOIN working_group g "
                                      "ON g.id = m.group_id WHERE g.code = 'coordination'"),
                     1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM audit_log WHERE action IN "
                                      "('upsert_person', 'set_group_member')"),
                     2);

    /* An enum value the protocol does not have is refused before the database. */
    uint8_t key3[16] = {8};
    sg.idempotency_key.data = key3;
    sg.role = (Reno__GroupRole)42;
    m = h_call_body(c, RENO__REQUEST__BODY_SET_GROUP_MEMBER, &sg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "set_group_member.role");
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(unit_without_the_right_writes_nothing)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    uint8_t key[16] = {4};
    Reno__UpsertPerson up = RENO__UPSERT_PERSON__INIT;
    up.idempotency_key.data = key;
    up.idempotency_key.len = 16;
    up.name = "李四";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM person WHERE name = '李四'"), 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM idempotency"), 0);

    /* What the housing bureau may do, and why, as data. */
    Reno__ListRights lr = RENO__LIST_RIGHTS__INIT;
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_RIGHTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    bool project_write = false;
    for (size_t i = 0; i < m->response->list_rights->n_items; i++)
        project_write |= strcmp(m->response->list_rights->items[i]->right, "project.write") == 0;
    ck_assert(project_write);
    net_free(c, m);
    net_close(c);
}
END_TEST

Suite *it_org_suite(void)
{
    Suite *s = suite_create("it_org");
    TCase *tc = tcase_create("org");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, seed_organisation_as_the_document_gives_it);
    tcase_add_test(tc, office_records_people_idempotently);
    tcase_add_test(tc, unit_without_the_right_writes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
