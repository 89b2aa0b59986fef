/*
 * Tests for common/lights: the traffic lights judged from a status reply built by hand,
 * without a database. Ziyun 2022: 802 households in two projects (500 and 302),
 * construction from 2022-03-01, 25% started by 2022-03-31, every project started by
 * 2022-04-30, everything completed by 2022-11-30; default thresholds (14 days near, lags
 * of 10 and 20 points, red from one overdue milestone, yellow from one overdue item).
 */
#include <string.h>

#include "date.h"
#include "lights.h"
#include "reflect.h"
#include "rules.h"
#include "unit.h"
#include "xmalloc.h"

static int32_t day_of(const char *text)
{
    int32_t days = 0;
    ck_assert_msg(date_parse(text, &days), "'%s' refused", text);
    return days;
}

static struct rules_plan ziyun_2022(void)
{
    struct rules_plan plan = {
        .target_households = 802,
        .target_projects = 2,
        .start_share_pct = 25,
        .start_share_due = day_of("2022-03-31"),
        .all_started_due = day_of("2022-04-30"),
        .completion_due = day_of("2022-11-30"),
    };
    return plan;
}

static const ProtobufCFieldDescriptor *field(const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(&reno__status_reply__descriptor, name);
}

static void add_project(Reno__StatusReply *r, int64_t id, const char *name, int32_t households,
                        int32_t started, int32_t completed)
{
    Reno__ProjectStatus *p =
        (Reno__ProjectStatus *)reflect_append_message(&r->base, field("projects"));
    p->project_id = id;
    p->name = xstrdup(name);
    p->households = households;
    p->households_started = started;
    p->households_completed = completed;
    r->households += households;
    r->households_started += started;
    r->households_completed += completed;
}

/* A reply with the plan section and the two projects' figures on as_of. */
static Reno__StatusReply *reply_with(int32_t started0, int32_t started1)
{
    Reno__StatusReply *r = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    r->programme_title = xstrdup("紫云自治县2022年城镇老旧小区改造");
    r->plan = (Reno__StatusPlan *)reflect_new(&reno__status_plan__descriptor);
    r->plan->construction_starts_on = xstrdup("2022-03-01");
    const char *codes[] = {"deadline_near_days", "start_lag_points", "complete_lag_points",
                           "overdue_red_milestones", "overdue_tasks_yellow"};
    const int32_t values[] = {14, 10, 20, 1, 1};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        Reno__LightRule *lr =
            (Reno__LightRule *)reflect_append_message(&r->base, field("light_rules"));
        lr->code = xstrdup(codes[i]);
        lr->value = values[i];
    }
    add_project(r, 1, "松山小区", 500, started0, 0);
    add_project(r, 2, "城南小区", 302, started1, 0);
    return r;
}

/* Judges r on `on`, each project's rule measures being its figures on `on`. */
static void judge(Reno__StatusReply *r, const char *on)
{
    struct rules_plan plan = ziyun_2022();
    int32_t as_of = day_of(on);
    struct lights_project pm[2];
    struct rules_measure m = {0, 0, 0, 2, 802};
    for (size_t i = 0; i < 2; i++) {
        pm[i].started_at_share_due = r->projects[i]->households_started;
        pm[i].started_at_all_due = r->projects[i]->households_started;
        pm[i].completed_at_completion_due = r->projects[i]->households_completed;
        m.households_started += pm[i].started_at_share_due;
        m.projects_started += pm[i].started_at_all_due > 0;
        m.households_completed += pm[i].completed_at_completion_due;
    }
    struct rule_check checks[RULE_COUNT];
    rules_evaluate(&plan, as_of, &m, checks);
    lights_judge(r, as_of, &plan, checks, pm);
}

static const Reno__StatusLight *light_for(const Reno__StatusReply *r, int64_t project_id)
{
    for (size_t i = 0; i < r->n_lights; i++)
        if (r->lights[i]->project_id == project_id)
            return r->lights[i];
    ck_abort_msg("no light for %lld", (long long)project_id);
    return NULL;
}

static const Reno__LightReason *reason_in(const Reno__StatusLight *l, const char *code)
{
    for (size_t i = 0; i < l->n_reasons; i++)
        if (strcmp(l->reasons[i]->code, code) == 0)
            return l->reasons[i];
    return NULL;
}

static void reply_free(Reno__StatusReply *r)
{
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

START_TEST(test_green_before_construction)
{
    Reno__StatusReply *r = reply_with(0, 0);
    judge(r, "2022-02-01");
    ck_assert_uint_eq(r->n_lights, 3);
    /* Projects first, then the programme. */
    ck_assert_int_eq(r->lights[0]->project_id, 1);
    ck_assert_int_eq(r->lights[2]->project_id, 0);
    for (size_t i = 0; i < r->n_lights; i++) {
        ck_assert_int_eq(r->lights[i]->light, RENO__LIGHT__LIGHT_GREEN);
        ck_assert_ptr_nonnull(strstr(r->lights[i]->detail, ": green"));
    }
    reply_free(r);
}
END_TEST

START_TEST(test_pace_yellow)
{
    /* On 03-16 (16 of 31 days) the pace is 12.9%: 14 of 500 is 10.1 points behind. */
    Reno__StatusReply *r = reply_with(14, 40);
    judge(r, "2022-03-16");
    const Reno__LightReason *why = reason_in(light_for(r, 1), "start_pace");
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(why->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(strstr(why->detail, "behind the plan's pace: 12.9% by then"));
    /* 40 of 302 is 13.2%: ahead of the pace. */
    ck_assert_ptr_null(reason_in(light_for(r, 2), "start_pace"));
    /* The programme's light is at least as bad as its worst project's. */
    ck_assert_int_eq(light_for(r, 0)->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(reason_in(light_for(r, 0), "projects"));
    reply_free(r);
}
END_TEST

START_TEST(test_share_rule_red_after_due)
{
    Reno__StatusReply *r = reply_with(150, 30);
    judge(r, "2022-03-31");
    ck_assert_int_eq(reason_in(light_for(r, 0), "start_share")->light, RENO__LIGHT__LIGHT_YELLOW);
    reply_free(r);
    r = reply_with(150, 30);
    judge(r, "2022-04-01");
    const Reno__LightReason *why = reason_in(light_for(r, 0), "start_share");
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(why->light, RENO__LIGHT__LIGHT_RED);
    ck_assert_str_eq(why->detail, "started 180 of 802 households (22.4%) on 2022-04-01, "
                                  "rule ≥25% = 201 by 2022-03-31: red");
    ck_assert_int_eq(light_for(r, 0)->light, RENO__LIGHT__LIGHT_RED);
    /* The rule is the programme's: 30 of 302 is behind the pace, not a broken rule. */
    ck_assert_ptr_null(reason_in(light_for(r, 2), "start_share"));
    ck_assert_ptr_null(reason_in(light_for(r, 1), "start_share"));
    why = reason_in(light_for(r, 2), "start_pace");
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(why->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(strstr(why->detail, "across the programme"));
    ck_assert_ptr_null(strstr(why->detail, "rule"));
    ck_assert_int_eq(light_for(r, 2)->light, RENO__LIGHT__LIGHT_YELLOW);
    /* 150 of 500 is 30%: on the pace. */
    ck_assert_int_eq(light_for(r, 1)->light, RENO__LIGHT__LIGHT_GREEN);
    reply_free(r);
}
END_TEST

START_TEST(test_overdue_milestones_red)
{
    Reno__StatusReply *r = reply_with(0, 0);
    Reno__StatusPhase *ph = (Reno__StatusPhase *)reflect_append_message(&r->base, field("phases"));
    ph->project_id = 2;
    ph->milestones = 20;
    ph->milestones_overdue = 1;
    ph->overdue = xstrdup("意愿征集");
    judge(r, "2022-01-05");
    ck_assert_int_eq(light_for(r, 1)->light, RENO__LIGHT__LIGHT_GREEN);
    ck_assert_int_eq(light_for(r, 2)->light, RENO__LIGHT__LIGHT_RED);
    ck_assert_ptr_nonnull(strstr(light_for(r, 2)->detail, "意愿征集"));
    ck_assert_int_eq(light_for(r, 0)->light, RENO__LIGHT__LIGHT_RED);
    reply_free(r);
}
END_TEST

static void add_phase(Reno__StatusReply *r, int64_t project_id, int32_t overdue, const char *list)
{
    Reno__StatusPhase *ph = (Reno__StatusPhase *)reflect_append_message(&r->base, field("phases"));
    ph->project_id = project_id;
    ph->milestones = 20;
    ph->milestones_overdue = overdue;
    ph->overdue = xstrdup(list);
}

/* Each project's light reads its own phases row wherever it stands (the totals row, the
 * projects out of order), and the first of two rows of one project. */
START_TEST(test_each_project_its_own_phase)
{
    Reno__StatusReply *r = reply_with(0, 0);
    add_phase(r, 0, 3, "");
    add_phase(r, 2, 0, "");
    add_phase(r, 1, 2, "意愿征集、方案设计");
    add_phase(r, 1, 0, "");
    judge(r, "2022-01-05");
    ck_assert_int_eq(light_for(r, 1)->light, RENO__LIGHT__LIGHT_RED);
    ck_assert_ptr_nonnull(strstr(light_for(r, 1)->detail, "意愿征集、方案设计"));
    ck_assert_int_eq(light_for(r, 2)->light, RENO__LIGHT__LIGHT_GREEN);
    reply_free(r);
}
END_TEST

Suite *lights_suite(void)
{
    Suite *s = suite_create("lights");
    TCase *tc = tcase_create("lights");
    tcase_add_test(tc, test_green_before_construction);
    tcase_add_test(tc, test_pace_yellow);
    tcase_add_test(tc, test_share_rule_red_after_due);
    tcase_add_test(tc, test_overdue_milestones_red);
    tcase_add_test(tc, test_each_project_its_own_phase);
    suite_add_tcase(s, tc);
    return s;
}
