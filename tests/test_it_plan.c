/*
 * The work plan's own words through the real path (client → protocol → renod →
 * PostgreSQL): what reno does about the sentences of the Ziyun 2022 plan that used to be
 * read loosely.
 *
 *   - 拆除部分不纳入城镇老旧小区改造范围: a 拆改结合型 project with demolished households
 *     counts only the households in scope, so it reaches "all completed", passes its
 *     acceptance and is evaluated; the round report and the status give one 开工率/完工率;
 *   - 开工改造户数不低于25%: the programme's rule; a project's light never names it;
 *   - 所有项目开工实施改造: judged on the projects registered, a project counting as started
 *     once a household has started; registered projects or households that differ from
 *     the plan's targets are a rule row and a reason of the programme's light;
 *   - 半月一调度、一月一通报、每月一次调度会: a round not closed or not reported up, a month
 *     without its notice or its meeting shows in the status and turns the programme's
 *     light, naming the office;
 *   - duties beyond the text: each right and duty says whether it is the plan's word
 *     (quoting it) or the county's own configuration;
 *   - milestones backed by their evidence: a step whose evidence lives in reno (the
 *     contracts, the notice, the progress, the acceptance) is refused until it is there,
 *     naming what is missing; any other step carries its document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "it.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static struct net_conn *office;

static void setup(void)
{
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
}

static void teardown(void)
{
    net_close(office);
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

/* Asserts a refusal with its code and field path; returns the message (caller frees). */
static char *refused(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                     Reno__StatusCode code, const char *field)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == code, "expected %d, got %d: %s (field %s)", code, h_code(m),
                  m->response->status->message, m->response->status->field);
    ck_assert_str_eq(m->response->status->field, field);
    char *text = strdup(m->response->status->message);
    net_free(c, m);
    return text;
}

static void push(long project, const char *date, int started, int completed)
{
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, started, completed);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "push: %s", m->response->status->message);
    net_free(c, m);
    net_close(c);
}

static const Reno__ProjectStatus *project_in(const Reno__StatusReply *s, long id)
{
    for (size_t i = 0; i < s->n_projects; i++)
        if (s->projects[i]->project_id == id)
            return s->projects[i];
    ck_abort_msg("no project %ld in the status", id);
    return NULL;
}

/* The content of a report as a NUL-terminated copy (caller frees): a preview, or issued
 * (numbered and stored) when issue_it is set. */
static char *report_text(Reno__ReportKind kind, const char *subject, bool issue_it)
{
    uint8_t key[16];
    Reno__IssueReport ir = RENO__ISSUE_REPORT__INIT;
    h_new_key(&ir.idempotency_key, key);
    ir.kind = kind;
    ir.subject = (char *)subject;
    ir.format = RENO__REPORT_FORMAT__REPORT_FORMAT_MD;
    ir.issue = issue_it;
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_ISSUE_REPORT, &ir);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    const Reno__IssuedReport *r = m->response->issue_report;
    char *s = malloc(r->content.len + 1);
    memcpy(s, r->content.data, r->content.len);
    s[r->content.len] = '\0';
    net_free(office, m);
    return s;
}

/* ---- households in scope ---------------------------------------------------------------- */

START_TEST(demolished_households_are_outside_every_figure)
{
    long p1 = h_project_id(h_db, 1);
    uint8_t key[16];
    /* Project 2 (302 households) becomes 拆改结合型 with 22 demolished: 280 in scope. */
    Reno__UpdateProject up = RENO__UPDATE_PROJECT__INIT;
    h_new_key(&up.idempotency_key, key);
    up.project_id = p1;
    up.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_DEMOLITION;
    up.demolished_households = 22;
    write_ok(office, RENO__REQUEST__BODY_UPDATE_PROJECT, &up);

    push(p1, "2022-04-10", 280, 140);
    Reno__ServerMessage *m = h_get_status(office, "2022-04-14");
    const Reno__ProjectStatus *ps = project_in(m->response->status_reply, p1);
    ck_assert_int_eq(ps->households, 280);
    ck_assert_double_eq(ps->started_pct, 100.0);
    ck_assert_double_eq(ps->completed_pct, 50.0);
    char name[160];
    snprintf(name, sizeof name, "%s", ps->name);
    net_free(office, m);

    /* The round report says what the status says, open and then closed. */
    char row[400];
    snprintf(row, sizeof row, "| %s | 示例小区二 | 280 | 280 | 100.0%% | 140 | 50.0%% |", name);
    char *md = report_text(RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-04-14", false);
    ck_assert_msg(strstr(md, row) != NULL, "no row %s in\n%s", row, md);
    /* Two projects are listed whole: no total row of a large programme's page, and
     * never an empty one. */
    ck_assert_msg(strstr(md, "| 合计（") == NULL, "a total row under two projects:\n%.400s",
                  strstr(md, "| 合计（"));
    free(md);
    Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
    h_new_key(&cr.idempotency_key, key);
    cr.round_date = "2022-04-14";
    write_ok(office, RENO__REQUEST__BODY_CLOSE_ROUND, &cr);
    md = report_text(RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-04-14", false);
    ck_assert_msg(strstr(md, row) != NULL, "no row %s in the closed round's report\n%s", row, md);
    free(md);

    /* Every household in scope completed: the acceptance passes, the evaluation counts
     * 280 households and no more. */
    push(p1, "2022-11-20", 280, 280);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    const char *units[] = {"housing", "songshan-street"};
    Reno__RecordAcceptance a = RENO__RECORD_ACCEPTANCE__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = p1;
    a.accepted_on = "2022-11-28";
    a.result = RENO__ACCEPTANCE_RESULT__ACCEPTANCE_RESULT_PASSED;
    a.n_participating_units = 2;
    a.participating_units = (char **)units;
    a.resident_representatives = "居民代表李某";
    a.defects = "";
    /* The parties the joint acceptance requires (0021_parties.sql). */
    static const Reno__PartyKind kinds[] = {
        RENO__PARTY_KIND__PARTY_KIND_BUILDER, RENO__PARTY_KIND__PARTY_KIND_CONTRACTOR,
        RENO__PARTY_KIND__PARTY_KIND_SUPERVISOR, RENO__PARTY_KIND__PARTY_KIND_PROPERTY_COMPANY,
        RENO__PARTY_KIND__PARTY_KIND_RESIDENT_REPRESENTATIVE};
    int64_t party_ids[5];
    uint8_t party_key[16]; /* the acceptance keeps its own key in `key` */
    for (size_t i = 0; i < 5; i++) {
        Reno__AddParty ap = RENO__ADD_PARTY__INIT;
        h_new_key(&ap.idempotency_key, party_key);
        ap.project_id = p1;
        ap.kind = kinds[i];
        ap.name = "示例单位";
        Reno__ServerMessage *pm = h_call_body(housing, RENO__REQUEST__BODY_ADD_PARTY, &ap);
        ck_assert_int_eq(h_code(pm), RENO__STATUS_CODE__OK);
        party_ids[i] = pm->response->add_party->id;
        net_free(housing, pm);
    }
    a.n_party_ids = 5;
    a.party_ids = party_ids;
    write_ok(housing, RENO__REQUEST__BODY_RECORD_ACCEPTANCE, &a);
    Reno__RecordEvaluation e = RENO__RECORD_EVALUATION__INIT;
    h_new_key(&e.idempotency_key, key);
    e.project_id = p1;
    e.evaluated_on = "2022-12-20";
    e.dimension = RENO__EVALUATION_DIMENSION__EVALUATION_DIMENSION_AREA_HOUSEHOLDS;
    e.score = 90;
    e.value = 21000;
    e.households = 281;
    e.note = e.conclusion = e.reported_on = "";
    free(refused(housing, RENO__REQUEST__BODY_RECORD_EVALUATION, &e, RENO__STATUS_CODE__BAD_REQUEST,
                 "record_evaluation.households"));
    h_new_key(&e.idempotency_key, key);
    e.households = 280;
    write_ok(housing, RENO__REQUEST__BODY_RECORD_EVALUATION, &e);
    net_close(housing);

    m = h_get_status(office, "2022-11-30");
    ps = project_in(m->response->status_reply, p1);
    ck_assert_double_eq(ps->completed_pct, 100.0);
    net_free(office, m);

    /* A willingness survey asking every household in scope asked 100% of them, in the
     * survey list as in the status's surveys section (not 280 of 302). */
    Reno__RecordSurvey rs = RENO__RECORD_SURVEY__INIT;
    h_new_key(&rs.idempotency_key, key);
    rs.project_id = p1;
    rs.kind = RENO__SURVEY_KIND__SURVEY_KIND_WILLINGNESS;
    rs.surveyed_on = "2022-02-20";
    rs.households_asked = 280;
    rs.households_agreeing = 252;
    rs.note = "";
    write_ok(office, RENO__REQUEST__BODY_RECORD_SURVEY, &rs);
    Reno__ListSurveys ls = RENO__LIST_SURVEYS__INIT;
    ls.project_id = p1;
    m = h_call_body(office, RENO__REQUEST__BODY_LIST_SURVEYS, &ls);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__SurveyList *list = m->response->list_surveys;
    bool listed = false;
    for (size_t i = 0; i < list->n_items; i++) {
        if (strcmp(list->items[i]->kind, "willingness") != 0)
            continue;
        ck_assert_int_eq(list->items[i]->households, 280);
        ck_assert_double_eq_tol(list->items[i]->asked_pct, 100.0, 1e-9);
        listed = true;
    }
    ck_assert(listed);
    net_free(office, m);
    m = h_get_status(office, "2022-11-30");
    const Reno__StatusReply *st = m->response->status_reply;
    bool shown = false;
    for (size_t i = 0; i < st->n_surveys; i++) {
        if (st->surveys[i]->project_id != p1 ||
            st->surveys[i]->kind != RENO__SURVEY_KIND__SURVEY_KIND_WILLINGNESS)
            continue;
        ck_assert_int_eq(st->surveys[i]->households, 280);
        ck_assert_double_eq_tol(st->surveys[i]->asked_pct, 100.0, 1e-9);
        shown = true;
    }
    ck_assert(shown);
    net_free(office, m);

    /* The evaluation report's subtitle counts them too, and names the demolished ones. */
    char subject[24];
    snprintf(subject, sizeof subject, "%ld", p1);
    md = report_text(RENO__REPORT_KIND__REPORT_KIND_EVALUATION, subject, false);
    ck_assert_msg(strstr(md, "示例小区二，280户（另拆除 22 户，不纳入改造范围）") != NULL,
                  "subtitle not on the households in scope:\n%s", md);
    free(md);
}
END_TEST

/* ---- registered projects against the plan ----------------------------------------------- */

static const Reno__RuleCheck *rule_in(const Reno__StatusReply *s, const char *code)
{
    for (size_t i = 0; i < s->n_rules; i++)
        if (strcmp(s->rules[i]->code, code) == 0)
            return s->rules[i];
    ck_abort_msg("no rule %s", code);
    return NULL;
}

static const Reno__LightReason *programme_reason(const Reno__StatusReply *s, const char *code)
{
    for (size_t i = 0; i < s->n_lights; i++)
        if (s->lights[i]->project_id == 0)
            for (size_t k = 0; k < s->lights[i]->n_reasons; k++)
                if (strcmp(s->lights[i]->reasons[k]->code, code) == 0)
                    return s->lights[i]->reasons[k];
    return NULL;
}

START_TEST(april_rule_counts_the_registered_projects)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    push(p0, "2022-04-10", 500, 0);
    push(p1, "2022-04-10", 1, 0);
    Reno__ServerMessage *m = h_get_status(office, "2022-04-30");
    const Reno__StatusReply *s = m->response->status_reply;
    /* One household is enough for a project to count as started, and the title says so. */
    ck_assert_int_eq(rule_in(s, "start_all")->verdict, RENO__VERDICT__VERDICT_MET);
    ck_assert_ptr_nonnull(strstr(rule_in(s, "start_all")->title, "a household started"));
    ck_assert_int_eq(rule_in(s, "registered")->verdict, RENO__VERDICT__VERDICT_MET);
    ck_assert_ptr_null(programme_reason(s, "registered"));
    net_free(office, m);

    /* A third project, registered beside the plan's two, has not started. */
    uint8_t key[16];
    Reno__CreateProject cp = RENO__CREATE_PROJECT__INIT;
    h_new_key(&cp.idempotency_key, key);
    cp.name = "松山街道第三小区";
    cp.community = "第三小区";
    cp.households = 40;
    cp.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
    cp.street = "松山街道";
    cp.buildings = 2;
    cp.area_m2 = 3000;
    cp.implementing_body = "县住房和城乡建设局";
    cp.subsidy_batch = "县级自筹";
    write_ok(office, RENO__REQUEST__BODY_CREATE_PROJECT, &cp);

    m = h_get_status(office, "2022-05-01");
    s = m->response->status_reply;
    const Reno__RuleCheck *all = rule_in(s, "start_all");
    ck_assert_int_eq(all->verdict, RENO__VERDICT__VERDICT_MISSED);
    ck_assert_int_eq(all->actual, 2);
    ck_assert_int_eq(all->required, 3);
    ck_assert_msg(strstr(all->detail, "started 2 of 3 registered projects") != NULL, "%s",
                  all->detail);
    const Reno__RuleCheck *reg = rule_in(s, "registered");
    ck_assert_int_eq(reg->verdict, RENO__VERDICT__VERDICT_MISSED);
    ck_assert_int_eq(reg->actual, 3);
    ck_assert_int_eq(reg->required, 2);
    ck_assert_msg(strstr(reg->detail, "registered 3 projects with 842 households in scope") &&
                      strstr(reg->detail, "the plan says 2 projects, 802 households (they differ)"),
                  "%s", reg->detail);
    const Reno__LightReason *why = programme_reason(s, "registered");
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(why->light, RENO__LIGHT__LIGHT_YELLOW);
    /* The April rule is red on the programme's light. */
    ck_assert_int_eq(programme_reason(s, "start_all")->light, RENO__LIGHT__LIGHT_RED);
    net_free(office, m);

    /* The round report's check of the plan's rules says the same. */
    char *md = report_text(RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14", false);
    ck_assert_msg(strstr(md, "已开工项目 2 个 / 已登记 3 个（至少一户开工即为开工）") != NULL, "%s",
                  md);
    ck_assert_msg(strstr(md, "登记项目与计划一致（2 个）") != NULL, "%s", md);
    ck_assert_msg(strstr(md, "已登记项目 3 个") != NULL &&
                      strstr(md, "；计划 2 个、802 户（不一致）"),
                  "%s", md);
    free(md);
}
END_TEST

/* ---- the plan's rhythm ------------------------------------------------------------------ */

static const Reno__StatusRhythm *duty(const Reno__StatusReply *s, const char *code)
{
    for (size_t i = 0; i < s->n_rhythm; i++)
        if (strcmp(s->rhythm[i]->code, code) == 0 && s->rhythm[i]->period[0] == '\0')
            return s->rhythm[i];
    ck_abort_msg("no rhythm duty %s", code);
    return NULL;
}

static bool missed(const Reno__StatusReply *s, const char *code, const char *period)
{
    for (size_t i = 0; i < s->n_rhythm; i++)
        if (strcmp(s->rhythm[i]->code, code) == 0 && strcmp(s->rhythm[i]->period, period) == 0)
            return true;
    return false;
}

/* The status as of a date (NULL: today) with up to `periods` missed periods per duty of the
 * rhythm (0: the server's default page). */
static Reno__ServerMessage *status_with_rhythm(const char *as_of, int32_t periods)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = (char *)(as_of != NULL ? as_of : "");
    gs.rhythm_periods = periods;
    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "status: %s", m->response->status->message);
    return m;
}

/* How many missed periods of a duty a reply carries. */
static int periods_of(const Reno__StatusReply *s, const char *code)
{
    int n = 0;
    for (size_t i = 0; i < s->n_rhythm; i++)
        n += strcmp(s->rhythm[i]->code, code) == 0 && s->rhythm[i]->period[0] != '\0';
    return n;
}

START_TEST(the_plans_rhythm_is_checked)
{
    /* The plan was issued on 2022-03-03. By 2022-05-20 five rounds have passed their
     * window (03-14 to 05-14), March and April have ended, their notices were due by
     * 04-07 and 05-07: nothing was done. Every missed period is asked for. */
    Reno__ServerMessage *m = status_with_rhythm("2022-05-20", 500);
    const Reno__StatusReply *s = m->response->status_reply;
    const Reno__StatusRhythm *d = duty(s, "round_closed");
    ck_assert_int_eq(d->due_count, 5);
    ck_assert_int_eq(d->missed_count, 5);
    ck_assert(!d->kept);
    ck_assert_str_eq(d->unit_code, "office");
    ck_assert_ptr_nonnull(
        strstr(d->detail,
               "应由紫云自治县城镇老旧小区改造工作领导小组办公室（主任刘川荣、副主任何忠诚）办理"));
    ck_assert(missed(s, "round_closed", "2022-03-14"));
    ck_assert(!missed(s, "round_closed", "2022-02-28")); /* before the plan */
    ck_assert(!missed(s, "round_closed", "2022-05-28")); /* not due yet */
    ck_assert_int_eq(duty(s, "round_reported")->missed_count, 5);
    ck_assert_int_eq(duty(s, "monthly_notice")->due_count, 2);
    ck_assert_int_eq(duty(s, "monthly_meeting")->missed_count, 2);
    ck_assert(missed(s, "monthly_meeting", "2022-04"));
    /* Each duty missed is a yellow reason of the programme's light, naming the office. */
    const Reno__LightReason *why = programme_reason(s, "rhythm_monthly_meeting");
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(why->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(strstr(why->detail, "领导小组办公室"));
    ck_assert_ptr_nonnull(programme_reason(s, "rhythm_round_closed"));
    ck_assert_ptr_nonnull(programme_reason(s, "rhythm_monthly_notice"));
    net_free(office, m);

    /* The office closes and reports the 14 May round, issues April's notice and records
     * April's meeting: those periods are kept. */
    uint8_t key[16];
    Reno__CloseRound cr = RENO__CLOSE_ROUND__INIT;
    h_new_key(&cr.idempotency_key, key);
    cr.round_date = "2022-05-14";
    write_ok(office, RENO__REQUEST__BODY_CLOSE_ROUND, &cr);
    free(report_text(RENO__REPORT_KIND__REPORT_KIND_ROUND, "2022-05-14", true));
    free(report_text(RENO__REPORT_KIND__REPORT_KIND_NOTICE, "2022-04", true));
    Reno__RecordMeeting rm = RENO__RECORD_MEETING__INIT;
    h_new_key(&rm.idempotency_key, key);
    rm.held_on = "2022-04-12";
    rm.mode = RENO__MEETING_MODE__MEETING_MODE_SITE;
    rm.place = "示例小区一施工现场";
    const char *attendees[] = {"office", "housing"};
    rm.n_attendees = 2;
    rm.attendees = (char **)attendees;
    rm.problems = "管线入地衔接";
    write_ok(office, RENO__REQUEST__BODY_RECORD_MEETING, &rm);

    m = status_with_rhythm("2022-05-20", 500);
    s = m->response->status_reply;
    ck_assert_int_eq(duty(s, "round_closed")->missed_count, 4);
    ck_assert(!missed(s, "round_closed", "2022-05-14"));
    ck_assert(!missed(s, "round_reported", "2022-05-14"));
    ck_assert(missed(s, "round_reported", "2022-04-28"));
    ck_assert(!missed(s, "monthly_notice", "2022-04"));
    ck_assert(missed(s, "monthly_notice", "2022-03"));
    ck_assert(!missed(s, "monthly_meeting", "2022-04"));
    ck_assert_int_eq(duty(s, "monthly_meeting")->missed_count, 1);
    net_free(office, m);

    /* Before the first round's window closed nothing was due: every duty kept. */
    m = h_get_status(office, "2022-03-16");
    s = m->response->status_reply;
    for (size_t i = 0; i < s->n_rhythm; i++)
        ck_assert_msg(s->rhythm[i]->kept, "%s", s->rhythm[i]->detail);
    ck_assert_ptr_null(programme_reason(s, "rhythm_round_closed"));
    net_free(office, m);
}
END_TEST

/* A page of the status carries each duty's summary, whose counts are the whole, and only
 * its newest missed periods: the rhythm grows with the calendar, a reply must not. */
static void check_rhythm_page(const char *as_of)
{
    const char *const codes[] = {"round_closed", "round_reported", "monthly_notice",
                                 "monthly_meeting"};
    Reno__ServerMessage *all = status_with_rhythm(as_of, 500);
    Reno__ServerMessage *page = status_with_rhythm(as_of, 0);
    Reno__ServerMessage *one = status_with_rhythm(as_of, 1);
    const Reno__StatusReply *a = all->response->status_reply;
    const Reno__StatusReply *p = page->response->status_reply;
    const Reno__StatusReply *o = one->response->status_reply;
    for (size_t c = 0; c < 4; c++) {
        int missed_all = periods_of(a, codes[c]);
        /* The plan was issued in 2022 and nothing was done: many periods missed. */
        ck_assert_int_gt(missed_all, 3);
        ck_assert_int_eq(duty(a, codes[c])->missed_count, missed_all);
        ck_assert_int_eq(duty(p, codes[c])->missed_count, missed_all);
        ck_assert_int_eq(duty(p, codes[c])->due_count, duty(a, codes[c])->due_count);
        ck_assert_int_eq(periods_of(p, codes[c]), 3);
        ck_assert_int_eq(periods_of(o, codes[c]), 1);
    }
    /* The page's periods are the newest: the last three of each duty's whole list. */
    for (size_t i = 0; i < p->n_rhythm; i++) {
        const Reno__StatusRhythm *r = p->rhythm[i];
        if (r->period[0] == '\0')
            continue;
        ck_assert(missed(a, r->code, r->period));
        int newer = 0;
        for (size_t j = 0; j < a->n_rhythm; j++)
            newer += strcmp(a->rhythm[j]->code, r->code) == 0 &&
                     strcmp(a->rhythm[j]->period, r->period) > 0;
        ck_assert_int_lt(newer, 3);
    }
    /* The page's rhythm stays a few kilobytes however late the date; the whole list is
     * larger. */
    size_t page_bytes = 0, all_bytes = 0;
    for (size_t i = 0; i < p->n_rhythm; i++)
        page_bytes += protobuf_c_message_get_packed_size(&p->rhythm[i]->base);
    for (size_t i = 0; i < a->n_rhythm; i++)
        all_bytes += protobuf_c_message_get_packed_size(&a->rhythm[i]->base);
    ck_assert_uint_eq(p->n_rhythm, 4 + 4 * 3);
    ck_assert_uint_lt(page_bytes, 16 * 1024);
    ck_assert_uint_gt(all_bytes, page_bytes);
    net_free(office, all);
    net_free(office, page);
    net_free(office, one);
}

START_TEST(the_rhythm_comes_a_page_at_a_time)
{
    /* Computed for a date in the database, and today's from the roll-up (the plan's
     * calendar is long past). */
    check_rhythm_page("2022-12-20");
    check_rhythm_page(NULL);

    /* More than the bound, or a negative number, is refused naming the field. */
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.rhythm_periods = 501;
    free(refused(office, RENO__REQUEST__BODY_GET_STATUS, &gs, RENO__STATUS_CODE__BAD_REQUEST,
                 "get_status.rhythm_periods"));
    gs.rhythm_periods = -1;
    free(refused(office, RENO__REQUEST__BODY_GET_STATUS, &gs, RENO__STATUS_CODE__BAD_REQUEST,
                 "get_status.rhythm_periods"));
    /* So is a form that is neither full nor compact. */
    gs.rhythm_periods = 0;
    gs.form = (Reno__StatusForm)7;
    free(refused(office, RENO__REQUEST__BODY_GET_STATUS, &gs, RENO__STATUS_CODE__BAD_REQUEST,
                 "get_status.form"));
}
END_TEST

/* reno status says how many missed periods a page leaves out, and --rhythm-all shows them. */
START_TEST(reno_status_names_the_periods_left_out)
{
    char home[64], env_xdg[100], env_server[120];
    snprintf(home, sizeof home, "/tmp/reno-it-plan.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    const char *env[] = {env_xdg, env_server, "LANG=C.UTF-8", NULL};
    char *out, *err;
    const char *login[] = {h_bin("reno"), "login", "--user", "office", "--password-stdin", NULL};
    int rc = h_run(login, env, "office-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "login: %s", err);
    free(out);
    free(err);

    /* By 2022-12-20 more than three periods of every duty were missed. */
    const char *page[] = {h_bin("reno"), "status", "--as-of", "2022-12-20", NULL};
    rc = h_run(page, env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "status: %s", err);
    ck_assert_msg(strstr(out, "earlier missed periods not shown (counted above): reno status "
                              "--rhythm-all") != NULL,
                  "%s", out);
    int on_page = 0;
    for (const char *at = out; (at = strstr(at, "2022-03-14")) != NULL; at++)
        on_page++;
    free(out);
    free(err);
    const char *whole[] = {h_bin("reno"), "status", "--as-of", "2022-12-20", "--rhythm-all", NULL};
    rc = h_run(whole, env, NULL, &out, &err);
    ck_assert_msg(rc == 0, "status --rhythm-all: %s", err);
    ck_assert_ptr_null(strstr(out, "earlier missed periods not shown"));
    /* The oldest round's rows (closed and reported) are shown only when all are asked for. */
    int in_whole = 0;
    for (const char *at = out; (at = strstr(at, "2022-03-14")) != NULL; at++)
        in_whole++;
    ck_assert_int_gt(in_whole, on_page);
    free(out);
    free(err);
    const char *bad[] = {h_bin("reno"), "status", "--rhythm-periods", "501", NULL};
    ck_assert_int_eq(h_run(bad, env, NULL, &out, &err), 2);
    free(out);
    free(err);

    char path[100];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
}
END_TEST

/* ---- duties: the plan's words or the county's own --------------------------------------- */

static const Reno__Right *right_in(const Reno__RightList *l, const char *right, const char *scope)
{
    for (size_t i = 0; i < l->n_items; i++)
        if (strcmp(l->items[i]->right, right) == 0 &&
            (scope == NULL || strcmp(l->items[i]->scope, scope) == 0))
            return l->items[i];
    ck_abort_msg("no right %s", right);
    return NULL;
}

static Reno__ServerMessage *rights_of(struct net_conn *c)
{
    Reno__ListRights lr = RENO__LIST_RIGHTS__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_RIGHTS, &lr);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    return m;
}

START_TEST(duties_say_whose_word_they_are)
{
    /* The street office: 意愿征集 and 宣传动员 are the plan's (quoted); recording the notice
     * and the satisfaction survey is the county's own. */
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM right_grant WHERE grantee = "
                                      "'songshan-street' AND right_name = 'residents.write' "
                                      "AND basis = 'county' AND plan_words = ''"),
                     1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM project_unit pu JOIN unit u ON "
                                      "u.id = pu.unit_id WHERE u.code = 'songshan-street' AND "
                                      "pu.basis = 'plan' AND pu.plan_words LIKE "
                                      "'%征集群众改造意愿%'"),
                     2);

    /* The housing bureau: 项目推进组's seat is the plan's, 质量安全监管 and the acceptance
     * record are the county's. */
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    Reno__ServerMessage *m = rights_of(housing);
    const Reno__RightList *l = m->response->list_rights;
    ck_assert_str_eq(right_in(l, "project.write", NULL)->basis, "plan");
    ck_assert_ptr_nonnull(strstr(right_in(l, "project.write", NULL)->plan_words, "项目推进组"));
    ck_assert_str_eq(right_in(l, "acceptance.write", NULL)->basis, "county");
    ck_assert_str_eq(right_in(l, "progress.write", NULL)->basis, "county");
    net_free(housing, m);
    net_close(housing);

    /* A utility: its line work is the plan's. */
    struct net_conn *power = h_login(&h_srv, H_POWER);
    m = rights_of(power);
    l = m->response->list_rights;
    ck_assert_str_eq(right_in(l, "lines.utility", NULL)->basis, "plan");
    ck_assert_ptr_nonnull(
        strstr(right_in(l, "lines.utility", NULL)->plan_words, "专营单位负责线路埋设"));
    net_free(power, m);
    net_close(power);
    /* Every right and duty of the programme is one or the other, never plan without words:
     * the seven above and the fund management group's special-fund applications. */
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM right_grant WHERE basis = 'plan'"), 8);
}
END_TEST

/* ---- milestones backed by evidence ------------------------------------------------------ */

static Reno__MarkMilestone milestone(long project, const char *code, const char *on,
                                     uint8_t key[16])
{
    Reno__MarkMilestone mm = RENO__MARK_MILESTONE__INIT;
    h_new_key(&mm.idempotency_key, key);
    mm.project_id = project;
    mm.milestone_code = (char *)code;
    mm.done_on = (char *)on;
    mm.evidence = "办公室核实";
    return mm;
}

static void add_contract(long project, Reno__ContractKind kind, const char *on)
{
    uint8_t key[16];
    Reno__AddContract ac = RENO__ADD_CONTRACT__INIT;
    h_new_key(&ac.idempotency_key, key);
    ac.project_id = project;
    ac.kind = kind;
    ac.counterparty = "贵州示例建设工程有限公司";
    ac.awarded_on = (char *)on;
    ac.amount = 1000000;
    ac.tender_method = "公开招标";
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    write_ok(housing, RENO__REQUEST__BODY_ADD_CONTRACT, &ac);
    net_close(housing);
}

START_TEST(milestones_need_their_evidence)
{
    long p0 = h_project_id(h_db, 0);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    uint8_t key[16];

    /* Tendering done with no contract: refused, naming both missing contracts. */
    Reno__MarkMilestone mm = milestone(p0, "tendering_done", "2022-03-11", key);
    char *why = refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm,
                        RENO__STATUS_CODE__BAD_REQUEST, "mark_milestone.milestone_code");
    ck_assert_msg(strstr(why, "no construction and supervision contract (add_contract.kind)"), "%s",
                  why);
    free(why);
    add_contract(p0, RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION, "2022-03-10");
    why = refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
                  "mark_milestone.milestone_code");
    ck_assert_msg(strstr(why, "no supervision contract"), "%s", why);
    free(why);
    /* A contract awarded after the date does not count for it. */
    add_contract(p0, RENO__CONTRACT_KIND__CONTRACT_KIND_SUPERVISION, "2022-03-12");
    free(refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
                 "mark_milestone.milestone_code"));
    mm = milestone(p0, "tendering_done", "2022-03-12", key);
    write_ok(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);

    /* The public notice: recorded and ended. */
    mm = milestone(p0, "plan_publicity", "2022-01-26", key);
    why = refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
                  "mark_milestone.milestone_code");
    ck_assert_msg(strstr(why, "record_notice"), "%s", why);
    free(why);

    /* Everything completed, with 0 households completed: refused with the figures. */
    push(p0, "2022-04-20", 500, 0);
    mm = milestone(p0, "complete_all", "2022-04-28", key);
    why = refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
                  "mark_milestone.milestone_code");
    ck_assert_msg(strstr(why, "0 of 500 households in scope completed"), "%s", why);
    free(why);
    /* Every household started: the April step has its evidence. */
    mm = milestone(p0, "start_all", "2022-04-28", key);
    write_ok(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);

    /* The acceptance step before any acceptance. */
    mm = milestone(p0, "joint_acceptance", "2022-04-28", key);
    why = refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
                  "mark_milestone.milestone_code");
    ck_assert_msg(strstr(why, "record_acceptance.result"), "%s", why);
    free(why);

    /* A document step: number, date, issuing unit; stored with the step. */
    mm = milestone(p0, "permits_done", "2022-03-13", key);
    free(refused(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm, RENO__STATUS_CODE__BAD_REQUEST,
                 "mark_milestone.document_number"));
    mm.document_number = "522530202203130101";
    mm.document_date = "2022-03-13";
    mm.issuing_unit = "县住房和城乡建设局";
    write_ok(housing, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM project_milestone m JOIN milestone_template t ON t.id = "
             "m.template_id WHERE m.project_id = %ld AND m.done_on IS NOT NULL",
             p0);
    ck_assert_int_eq(h_sql_long(h_db, sql), 3);
    net_close(housing);
}
END_TEST

Suite *it_plan_suite(void)
{
    Suite *s = suite_create("it_plan");
    TCase *tc = tcase_create("plan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, demolished_households_are_outside_every_figure);
    tcase_add_test(tc, milestones_need_their_evidence);
    tcase_add_test(tc, april_rule_counts_the_registered_projects);
    tcase_add_test(tc, the_plans_rhythm_is_checked);
    tcase_add_test(tc, the_rhythm_comes_a_page_at_a_time);
    tcase_add_test(tc, reno_status_names_the_periods_left_out);
    tcase_add_test(tc, duties_say_whose_word_they_are);
    suite_add_tcase(s, tc);
    return s;
}
