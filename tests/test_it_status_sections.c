/*
 * The consolidated status beyond progress, through the real path (client → protocol →
 * renod → PostgreSQL): the roll-up checked against an independent computation over a
 * generated programme of 40 more projects, the traffic lights and their thresholds on the
 * boundary days, the sections (funds, contracts, line work, surveys, supervision items,
 * the current collection round) as of dates before and after the writes that fill them,
 * two renod processes agreeing, the light-threshold operations, and the command line:
 * one project in detail and the difference between two collection rounds.
 *
 * The independent computation is plain SQL written here against the tables (DISTINCT ON
 * over progress_report, sums over the ledger), never the server's functions.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "it.h"

static struct net_conn *office;
static PGconn *pg;

/* ---- helpers ----------------------------------------------------------------------------- */

static PGresult *sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static PGresult *sql(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    PGresult *res = PQexec(pg, text);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", text,
                  PQresultErrorMessage(res));
    return res;
}

static double sql_double(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double sql_double(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    PGresult *res = sql("%s", text);
    ck_assert_int_eq(PQntuples(res), 1);
    double v = strtod(PQgetvalue(res, 0, 0), NULL);
    PQclear(res);
    return v;
}

/* The newest position a write of this test was answered with, on any connection: today's
 * status read on another connection asks for it, as a script would with --after. */
static int64_t last_position;

static int64_t write_ok(struct net_conn *c, Reno__Request__BodyCase body, void *msg)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "write %d refused: %s (%s)", (int)body,
                  m->response->status->message, m->response->status->field);
    int64_t id = m->response->add_contract->id;
    ck_assert_int_gt(m->response->add_contract->position, last_position);
    last_position = m->response->add_contract->position;
    net_free(c, m);
    return id;
}

static void push(struct net_conn *c, long project, const char *date, int started, int completed)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, started, completed);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "push %ld %s %d/%d: %s", project, date,
                  started, completed, m->response->status->message);
    last_position = m->response->push_progress->position;
    net_free(c, m);
}

/* GetStatus as of a date ("" for today); free with net_free(c, *holder). */
static const Reno__StatusReply *status_of(struct net_conn *c, const char *as_of,
                                          Reno__ServerMessage **holder)
{
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    gs.as_of = (char *)as_of;
    gs.min_position = as_of[0] ? 0 : last_position;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    req.get_status = &gs;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "status %s: %s", as_of,
                  m->response->status->message);
    if (as_of[0])
        ck_assert_str_eq(m->response->status_reply->as_of, as_of);
    *holder = m;
    return m->response->status_reply;
}

static const Reno__StatusLight *light_for(const Reno__StatusReply *s, int64_t project)
{
    for (size_t i = 0; i < s->n_lights; i++)
        if (s->lights[i]->project_id == project)
            return s->lights[i];
    ck_abort_msg("no light for project %lld", (long long)project);
    return NULL;
}

static const Reno__LightReason *reason_in(const Reno__StatusLight *l, const char *code)
{
    for (size_t i = 0; i < l->n_reasons; i++)
        if (strcmp(l->reasons[i]->code, code) == 0)
            return l->reasons[i];
    return NULL;
}

static const Reno__StatusPhase *phase_for(const Reno__StatusReply *s, int64_t project)
{
    for (size_t i = 0; i < s->n_phases; i++)
        if (s->phases[i]->project_id == project)
            return s->phases[i];
    ck_abort_msg("no phase row for project %lld", (long long)project);
    return NULL;
}

static const Reno__StatusFunds *funds_for(const Reno__StatusReply *s, int64_t project,
                                          Reno__FundSource source)
{
    for (size_t i = 0; i < s->n_funds; i++)
        if (s->funds[i]->project_id == project && s->funds[i]->source == source)
            return s->funds[i];
    return NULL;
}

static void set_light_rule(struct net_conn *c, const char *code, int value)
{
    uint8_t key[16];
    Reno__SetLightRule r = RENO__SET_LIGHT_RULE__INIT;
    h_new_key(&r.idempotency_key, key);
    r.code = (char *)code;
    r.value = value;
    write_ok(c, RENO__REQUEST__BODY_SET_LIGHT_RULE, &r);
}

static void setup(void)
{
    last_position = 0;
    h_fixture_setup();
    office = h_login(&h_srv, H_OFFICE);
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", h_db);
    pg = PQconnectdb(conninfo);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
}

static void teardown(void)
{
    PQfinish(pg);
    net_close(office);
    h_fixture_teardown();
}

/* ---- the roll-up against an independent computation ------------------------------------- */

#define GENERATED 40

static int64_t create_project(const char *name, const char *community, int households)
{
    uint8_t key[16];
    Reno__CreateProject p = RENO__CREATE_PROJECT__INIT;
    h_new_key(&p.idempotency_key, key);
    p.name = (char *)name;
    p.community = (char *)community;
    p.households = households;
    p.renovation_type = RENO__RENOVATION_TYPE__RENOVATION_TYPE_COMPREHENSIVE;
    return write_ok(office, RENO__REQUEST__BODY_CREATE_PROJECT, &p);
}

static void date_in_2022(char out[11], int day_of_year)
{
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int month = 0;
    while (day_of_year >= month_days[month]) {
        day_of_year -= month_days[month];
        month++;
    }
    snprintf(out, 11, "2022-%02d-%02d", month + 1, day_of_year + 1);
}

/* Money for one project: allocated, part received, a contract, part of it paid. */
static void fund_project(int64_t project, unsigned seed)
{
    uint8_t key[16];
    double allocated = 100000.0 + (double)(seed % 900) * 1000.0;
    double received = allocated * (double)(1 + seed % 9) / 10.0;
    double contract = allocated * 0.8;
    double paid = (received < contract ? received : contract) / 2.0;
    char on[11];
    date_in_2022(on, 59 + (int)(seed % 60)); /* March and April */

    Reno__AllocateFunds a = RENO__ALLOCATE_FUNDS__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = project;
    a.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    a.amount = allocated;
    a.allocated_on = on;
    int64_t allocation = write_ok(office, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);

    Reno__ReceiveFunds r = RENO__RECEIVE_FUNDS__INIT;
    h_new_key(&r.idempotency_key, key);
    r.allocation_id = allocation;
    r.amount = received;
    r.received_on = on;
    write_ok(office, RENO__REQUEST__BODY_RECEIVE_FUNDS, &r);

    Reno__AddContract c = RENO__ADD_CONTRACT__INIT;
    h_new_key(&c.idempotency_key, key);
    c.project_id = project;
    c.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION;
    c.counterparty = "贵州紫云宏达建筑工程有限公司";
    c.awarded_on = on;
    c.amount = contract;
    c.tender_method = "公开招标";
    int64_t contract_id = write_ok(office, RENO__REQUEST__BODY_ADD_CONTRACT, &c);

    char paid_on[11];
    date_in_2022(paid_on, 120 + (int)(seed % 60)); /* May and June */
    Reno__RecordPayment p = RENO__RECORD_PAYMENT__INIT;
    h_new_key(&p.idempotency_key, key);
    p.contract_id = contract_id;
    p.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    p.amount = paid;
    p.paid_on = paid_on;
    p.note = "进度款";
    write_ok(office, RENO__REQUEST__BODY_RECORD_PAYMENT, &p);
}

/* Every project with its households and its latest report on or before a date. */
static void latest_sql(char *out, size_t size, const char *as_of)
{
    snprintf(out, size,
             "SELECT p.id, p.households, COALESCE(r.households_started, 0) AS started,"
             "       COALESCE(r.households_completed, 0) AS completed"
             "  FROM project p LEFT JOIN (SELECT DISTINCT ON (project_id) project_id,"
             "         households_started, households_completed FROM progress_report"
             "         WHERE report_date <= DATE '%s'"
             "         ORDER BY project_id, report_date DESC, id DESC) r"
             "    ON r.project_id = p.id ORDER BY p.id",
             as_of);
}

/* Compares one status with SQL over the tables, as of `as_of` (a date). */
static void check_against_sql(const Reno__StatusReply *s, const char *as_of)
{
    /* Progress: the latest report on or before the date, ties to the later one stored. */
    char latest[1024];
    latest_sql(latest, sizeof latest, as_of);
    PGresult *res = sql("%s", latest);
    int n = PQntuples(res);
    ck_assert_int_eq((int)s->n_projects, n);
    long households = 0, started = 0, completed = 0;
    for (int i = 0; i < n; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        ck_assert_int_eq(p->project_id, strtoll(PQgetvalue(res, i, 0), NULL, 10));
        ck_assert_int_eq(p->households, atoi(PQgetvalue(res, i, 1)));
        ck_assert_int_eq(p->households_started, atoi(PQgetvalue(res, i, 2)));
        ck_assert_int_eq(p->households_completed, atoi(PQgetvalue(res, i, 3)));
        households += atoi(PQgetvalue(res, i, 1));
        started += atoi(PQgetvalue(res, i, 2));
        completed += atoi(PQgetvalue(res, i, 3));
    }
    PQclear(res);
    ck_assert_int_eq(s->households, households);
    ck_assert_int_eq(s->households_started, started);
    ck_assert_int_eq(s->households_completed, completed);
    ck_assert_int_eq(s->target_households, 802);

    /* The rules, each measured at the earlier of the date and its due date. */
    latest_sql(latest, sizeof latest, strcmp(as_of, "2022-03-31") < 0 ? as_of : "2022-03-31");
    ck_assert_int_eq(s->rules[0]->actual,
                     (int)sql_double("SELECT COALESCE(sum(started), 0) FROM (%s) x", latest));
    ck_assert_int_eq(s->rules[0]->required, 201); /* ceil(802 * 25%) */
    latest_sql(latest, sizeof latest, strcmp(as_of, "2022-04-30") < 0 ? as_of : "2022-04-30");
    ck_assert_int_eq(
        s->rules[1]->actual,
        (int)sql_double("SELECT count(*) FILTER (WHERE started > 0) FROM (%s) x", latest));
    latest_sql(latest, sizeof latest, strcmp(as_of, "2022-11-30") < 0 ? as_of : "2022-11-30");
    ck_assert_int_eq(s->rules[2]->actual,
                     (int)sql_double("SELECT COALESCE(sum(completed), 0) FROM (%s) x", latest));

    /* Money by its dates, in all and per project. */
    const Reno__StatusFunds *all = funds_for(s, 0, RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED);
    ck_assert_ptr_nonnull(all);
    ck_assert_double_eq_tol(
        all->allocated,
        sql_double(
            "SELECT COALESCE(sum(amount), 0) FROM fund_allocation WHERE allocated_on <= '%s'",
            as_of),
        0.005);
    ck_assert_double_eq_tol(
        all->received,
        sql_double("SELECT COALESCE(sum(amount), 0) FROM fund_receipt WHERE received_on <= '%s'",
                   as_of),
        0.005);
    ck_assert_double_eq_tol(
        all->paid,
        sql_double("SELECT COALESCE(sum(amount), 0) FROM fund_payment WHERE paid_on <= '%s'",
                   as_of),
        0.005);
    res = sql("SELECT a.project_id, sum(a.amount),"
              "       (SELECT COALESCE(sum(f.amount), 0) FROM fund_payment f"
              "         WHERE f.project_id = a.project_id AND f.paid_on <= '%s')"
              "  FROM fund_allocation a WHERE a.allocated_on <= '%s'"
              " GROUP BY a.project_id ORDER BY a.project_id",
              as_of, as_of);
    for (int i = 0; i < PQntuples(res); i++) {
        const Reno__StatusFunds *f = funds_for(s, strtoll(PQgetvalue(res, i, 0), NULL, 10),
                                               RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED);
        ck_assert_ptr_nonnull(f);
        ck_assert_double_eq_tol(f->allocated, strtod(PQgetvalue(res, i, 1), NULL), 0.005);
        ck_assert_double_eq_tol(f->paid, strtod(PQgetvalue(res, i, 2), NULL), 0.005);
    }
    PQclear(res);

    /* Milestones: none is done, so every one due before the date is overdue. */
    res = sql("SELECT p.id, count(m.id), count(m.id) FILTER (WHERE m.due < DATE '%s')"
              "  FROM project p LEFT JOIN project_milestone m ON m.project_id = p.id"
              " GROUP BY p.id ORDER BY p.id",
              as_of);
    long overdue = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const Reno__StatusPhase *ph = phase_for(s, strtoll(PQgetvalue(res, i, 0), NULL, 10));
        ck_assert_int_eq(ph->milestones, atoi(PQgetvalue(res, i, 1)));
        ck_assert_int_eq(ph->milestones_overdue, atoi(PQgetvalue(res, i, 2)));
        ck_assert_int_eq(ph->milestones_done, 0);
        overdue += atoi(PQgetvalue(res, i, 2));
    }
    PQclear(res);
    ck_assert_int_eq(phase_for(s, 0)->milestones_overdue, overdue);

    /* One light per project, then the programme's. */
    ck_assert_uint_eq(s->n_lights, s->n_projects + 1);
    ck_assert_int_eq(s->lights[s->n_lights - 1]->project_id, 0);
    for (size_t i = 0; i < s->n_projects; i++)
        ck_assert_int_eq(s->lights[i]->project_id, s->projects[i]->project_id);
}

START_TEST(rollup_matches_an_independent_computation)
{
    srand(20220303);
    int64_t ids[GENERATED];
    int households[GENERATED];
    for (int i = 0; i < GENERATED; i++) {
        char name[64], community[64];
        snprintf(name, sizeof name, "生成项目%02d", i + 1);
        snprintf(community, sizeof community, "生成小区%02d", i + 1);
        households[i] = 20 + rand() % 480;
        ids[i] = create_project(name, community, households[i]);
    }
    /* Random reports from March to June, several per project, in no particular order. */
    for (int k = 0; k < 160; k++) {
        int i = rand() % GENERATED;
        char date[11];
        date_in_2022(date, 59 + rand() % 122);
        int started = rand() % (households[i] + 1);
        int completed = started > 0 ? rand() % (started + 1) : 0;
        push(office, ids[i], date, started, completed);
    }
    for (int i = 0; i < GENERATED; i += 4)
        fund_project(ids[i], (unsigned)rand());

    const char *dates[] = {"2022-03-15", "2022-03-31", "2022-04-30", "2022-05-20", "2022-07-01"};
    for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
        Reno__ServerMessage *m;
        const Reno__StatusReply *s = status_of(office, dates[d], &m);
        check_against_sql(s, dates[d]);
        net_free(office, m);
    }

    /* Today's status, computed and then served from memory, agrees too. */
    char today[16];
    time_t now = time(NULL);
    strftime(today, sizeof today, "%Y-%m-%d", localtime(&now));
    for (int round = 0; round < 2; round++) {
        Reno__ServerMessage *m;
        const Reno__StatusReply *s = status_of(office, "", &m);
        ck_assert_str_eq(s->as_of, today);
        check_against_sql(s, today);
        net_free(office, m);
    }
    /* A write moves today's status at once (the roll-up is invalidated, then refreshed). */
    push(office, ids[0], "2022-07-01", households[0], households[0]);
    Reno__ServerMessage *m;
    const Reno__StatusReply *s = status_of(office, "", &m);
    check_against_sql(s, today);
    net_free(office, m);
}
END_TEST

/* ---- the lights on their boundary days --------------------------------------------------- */

START_TEST(lights_on_the_boundary_days)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    Reno__ServerMessage *m;
    const Reno__StatusReply *s;

    /* Milestones: survey_willingness is due 2021-12-31. On that day it is due soon, the
     * day after overdue, and one overdue milestone is red by default. */
    s = status_of(office, "2021-12-31", &m);
    ck_assert_int_eq(phase_for(s, p0)->milestones_overdue, 0);
    ck_assert_int_ge(phase_for(s, p0)->milestones_due_soon, 1);
    ck_assert_int_eq(light_for(s, p0)->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(reason_in(light_for(s, p0), "milestones_due_soon"));
    net_free(office, m);
    s = status_of(office, "2022-01-01", &m);
    ck_assert_int_eq(phase_for(s, p0)->milestones_overdue, 1);
    ck_assert_int_eq(phase_for(s, p0)->phase, 1);
    ck_assert_str_eq(phase_for(s, p0)->phase_name, "前期准备");
    ck_assert_int_eq(light_for(s, p0)->light, RENO__LIGHT__LIGHT_RED);
    ck_assert_ptr_nonnull(strstr(light_for(s, p0)->detail, "survey_willingness (2021-12-31)"));
    ck_assert_int_eq(light_for(s, 0)->light, RENO__LIGHT__LIGHT_RED); /* its projects are */
    net_free(office, m);

    /* The thresholds are data: two overdue milestones make red now, one is yellow. */
    set_light_rule(office, "overdue_red_milestones", 2);
    s = status_of(office, "2022-01-01", &m);
    ck_assert_int_eq(light_for(s, p0)->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_int_eq(reason_in(light_for(s, p0), "milestones_overdue")->light,
                     RENO__LIGHT__LIGHT_YELLOW);
    net_free(office, m);
    /* A milestone marked done on 2021-12-30 is done from that day on, overdue before. */
    uint8_t key[16];
    Reno__MarkMilestone mm = RENO__MARK_MILESTONE__INIT;
    h_new_key(&mm.idempotency_key, key);
    mm.project_id = p0;
    mm.milestone_code = "survey_willingness";
    mm.done_on = "2021-12-30";
    /* Its evidence first: the willingness survey. */
    char survey[400];
    snprintf(survey, sizeof survey,
             "INSERT INTO resident_survey (project_id, kind, surveyed_on, households_asked, "
             "households_agreeing, recorded_by) SELECT %ld, 'willingness', '2021-12-28', 480, "
             "468, id FROM account WHERE username = 'housing'",
             (long)p0);
    char state[6];
    h_sql_exec(h_db, survey, state);
    ck_assert_str_eq(state, "");
    mm.evidence = "意愿征集表 480 份";
    write_ok(office, RENO__REQUEST__BODY_MARK_MILESTONE, &mm);
    s = status_of(office, "2022-01-01", &m);
    ck_assert_int_eq(phase_for(s, p0)->milestones_overdue, 0);
    ck_assert_int_eq(phase_for(s, p0)->milestones_done, 1);
    ck_assert_int_eq(light_for(s, p0)->light, RENO__LIGHT__LIGHT_GREEN);
    ck_assert_int_eq(light_for(s, p1)->light, RENO__LIGHT__LIGHT_YELLOW);
    net_free(office, m);
    s = status_of(office, "2021-12-29", &m);
    ck_assert_int_eq(phase_for(s, p0)->milestones_done, 0);
    net_free(office, m);

    /* From here on milestones never make red, so that the rules' reasons stand out. */
    set_light_rule(office, "overdue_red_milestones", 1000);

    /* The plan's pace: 25% started by 2022-03-31 from construction on 2022-03-01. On
     * 03-16 (16 of 31 days) the pace is 12.9%; a lag of more than 10 points is yellow. */
    push(office, p0, "2022-03-16", 14, 0); /* 2.8%: 10.1 points behind */
    s = status_of(office, "2022-03-16", &m);
    const Reno__LightReason *r = reason_in(light_for(s, p0), "start_pace");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(strstr(r->detail, "behind the plan's pace: 12.9% by then"));
    ck_assert_ptr_nonnull(strstr(r->detail, ": yellow"));
    /* 2022-03-16 is 15 days before the rule's due date: not near yet. */
    ck_assert_ptr_null(reason_in(light_for(s, 0), "start_share"));
    net_free(office, m);
    push(office, p0, "2022-03-16", 15, 0); /* 3.0%: 9.9 points behind */
    s = status_of(office, "2022-03-16", &m);
    ck_assert_ptr_null(reason_in(light_for(s, p0), "start_pace"));
    net_free(office, m);

    /* A rule not reached is yellow from deadline_near_days before its due date. */
    s = status_of(office, "2022-03-17", &m);
    r = reason_in(light_for(s, 0), "start_share");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(strstr(r->detail, "due 2022-03-31 (14 days left, within 14)"));
    net_free(office, m);
    set_light_rule(office, "deadline_near_days", 7);
    s = status_of(office, "2022-03-23", &m);
    ck_assert_ptr_null(reason_in(light_for(s, 0), "start_share"));
    net_free(office, m);
    s = status_of(office, "2022-03-24", &m);
    ck_assert_ptr_nonnull(reason_in(light_for(s, 0), "start_share"));
    net_free(office, m);

    /* 180 of 802 on 31 March: still yellow that day (the due day is open), red after. */
    push(office, p0, "2022-03-20", 150, 0);
    push(office, p1, "2022-03-25", 30, 0);
    s = status_of(office, "2022-03-31", &m);
    ck_assert_int_eq(reason_in(light_for(s, 0), "start_share")->light, RENO__LIGHT__LIGHT_YELLOW);
    net_free(office, m);
    s = status_of(office, "2022-04-01", &m);
    r = reason_in(light_for(s, 0), "start_share");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->light, RENO__LIGHT__LIGHT_RED);
    ck_assert_str_eq(r->detail, "started 180 of 802 households (22.4%) on 2022-04-01, "
                                "rule ≥25% = 201 by 2022-03-31: red");
    ck_assert_double_eq(r->actual, 180);
    ck_assert_double_eq(r->required, 201);
    ck_assert_int_eq(light_for(s, 0)->light, RENO__LIGHT__LIGHT_RED);
    /* The 25% rule is the programme's: no project's light says it broke it. Project 2
     * (30 of 302, 9.9%) is behind the plan's pace, which holds at 25% until the April
     * rule's due date; project 1 (150 of 500, 30%) is not. */
    ck_assert_ptr_null(reason_in(light_for(s, p1), "start_share"));
    ck_assert_ptr_null(reason_in(light_for(s, p0), "start_share"));
    r = reason_in(light_for(s, p1), "start_pace");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->light, RENO__LIGHT__LIGHT_YELLOW);
    ck_assert_ptr_nonnull(strstr(r->detail, "behind the plan's pace: 25.0% by then (25% by "
                                            "2022-03-31 across the programme)"));
    ck_assert_ptr_null(reason_in(light_for(s, p0), "start_pace"));
    net_free(office, m);

    /* Reached late: the rule stays missed, but nothing is overdue any more. */
    push(office, p1, "2022-04-10", 60, 0);
    s = status_of(office, "2022-04-09", &m);
    ck_assert_int_eq(reason_in(light_for(s, 0), "start_share")->light, RENO__LIGHT__LIGHT_RED);
    net_free(office, m);
    s = status_of(office, "2022-04-10", &m);
    ck_assert_int_eq(s->rules[0]->verdict, RENO__VERDICT__VERDICT_MISSED);
    ck_assert_ptr_null(reason_in(light_for(s, 0), "start_share"));
    net_free(office, m);
}
END_TEST

/* ---- sections --------------------------------------------------------------------------- */

static void record_line(long project, Reno__LinePart part, Reno__LineWorkStatus state,
                        const char *started, const char *done)
{
    uint8_t key[16];
    Reno__RecordLineWork w = RENO__RECORD_LINE_WORK__INIT;
    h_new_key(&w.idempotency_key, key);
    w.project_id = project;
    w.utility_code = "power-grid";
    w.segment = RENO__LINE_SEGMENT__LINE_SEGMENT_INSIDE_RED_LINE;
    w.part = part;
    w.length_m = 120;
    w.started_on = (char *)started;
    w.done_on = (char *)done;
    w.status = state;
    write_ok(office, RENO__REQUEST__BODY_RECORD_LINE_WORK, &w);
}

static const Reno__StatusLines *lines_for(const Reno__StatusReply *s, int64_t project)
{
    for (size_t i = 0; i < s->n_lines; i++)
        if (s->lines[i]->project_id == project &&
            strcmp(s->lines[i]->utility_code, "power-grid") == 0)
            return s->lines[i];
    return NULL;
}

static const Reno__StatusSupervision *unit_items(const Reno__StatusReply *s, const char *unit)
{
    for (size_t i = 0; i < s->n_supervision; i++)
        if (strcmp(s->supervision[i]->unit_code, unit) == 0)
            return s->supervision[i];
    return NULL;
}

static bool missing(const Reno__StatusReply *s, const char *unit, int64_t project)
{
    for (size_t i = 0; i < s->n_missing_reporters; i++)
        if (strcmp(s->missing_reporters[i]->unit_code, unit) == 0 &&
            s->missing_reporters[i]->project_id == project)
            return true;
    return false;
}

static void submit_round(struct net_conn *c, long project, const char *round)
{
    uint8_t key[16];
    Reno__SubmitRoundReport r = RENO__SUBMIT_ROUND_REPORT__INIT;
    h_new_key(&r.idempotency_key, key);
    r.project_id = project;
    r.round_date = (char *)round;
    r.households_started = 10;
    r.households_completed = 0;
    r.investment_completed = 1000;
    write_ok(c, RENO__REQUEST__BODY_SUBMIT_ROUND_REPORT, &r);
}

START_TEST(sections_follow_the_writes_and_their_dates)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    uint8_t key[16];
    Reno__ServerMessage *m;
    const Reno__StatusReply *s;

    /* Funds and contracts, by their dates. */
    Reno__AllocateFunds a = RENO__ALLOCATE_FUNDS__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = p0;
    a.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    a.amount = 1000000;
    a.allocated_on = "2022-03-01";
    int64_t allocation = write_ok(office, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);
    Reno__ReceiveFunds rf = RENO__RECEIVE_FUNDS__INIT;
    h_new_key(&rf.idempotency_key, key);
    rf.allocation_id = allocation;
    rf.amount = 600000;
    rf.received_on = "2022-03-10";
    write_ok(office, RENO__REQUEST__BODY_RECEIVE_FUNDS, &rf);
    Reno__AddContract c = RENO__ADD_CONTRACT__INIT;
    h_new_key(&c.idempotency_key, key);
    c.project_id = p0;
    c.kind = RENO__CONTRACT_KIND__CONTRACT_KIND_CONSTRUCTION;
    c.counterparty = "贵州紫云宏达建筑工程有限公司";
    c.awarded_on = "2022-03-08";
    c.amount = 800000;
    c.tender_method = "公开招标";
    int64_t contract = write_ok(office, RENO__REQUEST__BODY_ADD_CONTRACT, &c);
    Reno__RecordPayment pay = RENO__RECORD_PAYMENT__INIT;
    h_new_key(&pay.idempotency_key, key);
    pay.contract_id = contract;
    pay.source = RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY;
    pay.amount = 300000;
    pay.paid_on = "2022-05-01";
    pay.note = "第一期进度款";
    write_ok(office, RENO__REQUEST__BODY_RECORD_PAYMENT, &pay);

    s = status_of(office, "2022-04-30", &m);
    const Reno__StatusFunds *f = funds_for(s, p0, RENO__FUND_SOURCE__FUND_SOURCE_CENTRAL_SUBSIDY);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->source_name, "中央补助");
    ck_assert_double_eq(f->allocated, 1000000);
    ck_assert_double_eq(f->received, 600000);
    ck_assert_double_eq(f->paid, 0);
    ck_assert_double_eq(f->received_pct, 60);
    ck_assert_uint_ge(s->n_contracts, 1);
    ck_assert_int_eq(s->contracts[0]->project_id, p0);
    ck_assert_double_eq(s->contracts[0]->paid, 0);
    net_free(office, m);
    s = status_of(office, "2022-05-01", &m);
    f = funds_for(s, 0, RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED);
    ck_assert_double_eq(f->paid, 300000);
    ck_assert_double_eq(f->available, 300000);
    ck_assert_double_eq(s->contracts[0]->paid, 300000);
    ck_assert_double_eq(s->contracts[0]->paid_pct, 37.5);
    net_free(office, m);
    s = status_of(office, "2022-02-28", &m);
    ck_assert_double_eq(funds_for(s, 0, RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED)->allocated, 0);
    net_free(office, m);

    /* Line work: the utility waits for the government's ducts, then lays its lines. */
    record_line(p0, RENO__LINE_PART__LINE_PART_TRENCH,
                RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_DONE, "2022-03-01", "2022-03-10");
    record_line(p0, RENO__LINE_PART__LINE_PART_DUCTS,
                RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_IN_PROGRESS, "2022-03-05", "");
    s = status_of(office, "2022-03-20", &m);
    const Reno__StatusLines *l = lines_for(s, p0);
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(l->segment, RENO__LINE_SEGMENT__LINE_SEGMENT_INSIDE_RED_LINE);
    ck_assert_int_eq(l->parts, 5);
    ck_assert_int_eq(l->parts_done, 1);
    ck_assert_int_eq(l->parts_in_progress, 1);
    ck_assert_str_eq(l->waiting_on, "government: 管道预埋");
    ck_assert_int_eq(lines_for(s, 0)->waiting, 1);
    net_free(office, m);
    record_line(p0, RENO__LINE_PART__LINE_PART_DUCTS, RENO__LINE_WORK_STATUS__LINE_WORK_STATUS_DONE,
                "2022-03-05", "2022-03-25");
    s = status_of(office, "2022-03-26", &m);
    ck_assert_str_eq(lines_for(s, p0)->waiting_on, "南方电网紫云分公司: 线路埋设");
    net_free(office, m);
    s = status_of(office, "2022-03-20", &m); /* the past stays as it was */
    ck_assert_str_eq(lines_for(s, p0)->waiting_on, "government: 管道预埋");
    net_free(office, m);
    s = status_of(office, "2022-03-04", &m); /* the ducts had not started yet */
    ck_assert_str_eq(lines_for(s, p0)->waiting_on, "government: 管沟开挖、管道预埋");
    net_free(office, m);

    /* A survey, the latest by the date. */
    Reno__RecordSurvey sv = RENO__RECORD_SURVEY__INIT;
    h_new_key(&sv.idempotency_key, key);
    sv.project_id = p1;
    sv.kind = RENO__SURVEY_KIND__SURVEY_KIND_WILLINGNESS;
    sv.surveyed_on = "2021-12-20";
    sv.households_asked = 300;
    sv.households_agreeing = 280;
    write_ok(office, RENO__REQUEST__BODY_RECORD_SURVEY, &sv);
    s = status_of(office, "2022-01-05", &m);
    ck_assert_uint_eq(s->n_surveys, 2); /* the project's, then the total */
    ck_assert_int_eq(s->surveys[0]->project_id, p1);
    ck_assert_int_eq(s->surveys[0]->households_agreeing, 280);
    ck_assert_double_eq(s->surveys[0]->agreeing_pct, 93.3);
    net_free(office, m);
    s = status_of(office, "2021-12-19", &m);
    ck_assert_uint_eq(s->n_surveys, 0);
    net_free(office, m);

    /* Supervision items: one overdue for the housing bureau, one returned to finance. */
    Reno__CreateTask t = RENO__CREATE_TASK__INIT;
    h_new_key(&t.idempotency_key, key);
    t.unit_code = "housing";
    t.title = "报送开工户数";
    t.deadline = "2022-05-01";
    t.source = "工作方案 六(四)";
    write_ok(office, RENO__REQUEST__BODY_CREATE_TASK, &t);
    h_new_key(&t.idempotency_key, key);
    t.unit_code = "finance";
    t.title = "配套资金到位情况";
    t.deadline = "2099-01-01";
    int64_t task = write_ok(office, RENO__REQUEST__BODY_CREATE_TASK, &t);
    Reno__ReplyTask rt = RENO__REPLY_TASK__INIT;
    h_new_key(&rt.idempotency_key, key);
    rt.task_id = task;
    rt.reply = "已到位 60%";
    write_ok(office, RENO__REQUEST__BODY_REPLY_TASK, &rt);
    Reno__ReviewTask rv = RENO__REVIEW_TASK__INIT;
    h_new_key(&rv.idempotency_key, key);
    rv.task_id = task;
    rv.accept = false;
    rv.comment = "请附拨付凭证";
    write_ok(office, RENO__REQUEST__BODY_REVIEW_TASK, &rv);
    s = status_of(office, "", &m);
    ck_assert_int_eq(unit_items(s, "housing")->items_overdue, 1);
    ck_assert_int_eq(unit_items(s, "finance")->items_returned, 1);
    ck_assert_int_eq(unit_items(s, "finance")->items_overdue, 0);
    ck_assert_int_eq(unit_items(s, "")->items, 2);
    ck_assert_int_eq(unit_items(s, "")->items_open, 2);
    ck_assert_int_eq(unit_items(s, "")->items_overdue, 1);
    const Reno__LightReason *r = reason_in(light_for(s, 0), "tasks_overdue");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->light, RENO__LIGHT__LIGHT_YELLOW);
    net_free(office, m);
    /* Items count from their events' times: none existed in 2022. */
    s = status_of(office, "2022-06-01", &m);
    ck_assert_int_eq(unit_items(s, "")->items, 0);
    ck_assert_ptr_null(reason_in(light_for(s, 0), "tasks_overdue"));
    net_free(office, m);

    /* The current round today is the programme's last (2022-12-28): 9 responsible units
     * for 2 projects; the housing bureau reports for one, then for the other. */
    s = status_of(office, "", &m);
    ck_assert_ptr_nonnull(s->round);
    ck_assert_str_eq(s->round->round_date, "2022-12-28");
    ck_assert_int_eq(s->round->reports_expected, 18);
    ck_assert_int_eq(s->round->reports_received, 0);
    ck_assert_int_eq(s->round->units_missing, 9);
    ck_assert(missing(s, "housing", p0));
    net_free(office, m);
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    submit_round(housing, p0, "2022-12-28");
    s = status_of(office, "", &m);
    ck_assert_int_eq(s->round->reports_received, 1);
    ck_assert_int_eq(s->round->units_missing, 9);
    ck_assert(!missing(s, "housing", p0));
    ck_assert(missing(s, "housing", p1));
    net_free(office, m);
    submit_round(housing, p1, "2022-12-28");
    s = status_of(office, "", &m);
    ck_assert_int_eq(s->round->units_missing, 8);
    ck_assert(!missing(s, "housing", p1));
    ck_assert(missing(s, "power-grid", p1));
    net_free(office, m);
    /* As of 2022-05-20 the round was that of 05-14, and the reports made today had not
     * been made then. */
    s = status_of(office, "2022-05-20", &m);
    ck_assert_str_eq(s->round->round_date, "2022-05-14");
    ck_assert_int_eq(s->round->state, RENO__ROUND_STATE__ROUND_STATE_OPEN);
    ck_assert(missing(s, "housing", p0));
    net_free(office, m);
    /* Before the first round there is none. */
    s = status_of(office, "2021-12-13", &m);
    ck_assert_ptr_null(s->round);
    ck_assert_uint_eq(s->n_missing_reporters, 0);
    ck_assert_int_eq(s->plan->phase, 1);
    net_free(office, m);
    s = status_of(office, "2022-03-20", &m);
    ck_assert_int_eq(s->plan->phase, 2);
    ck_assert_str_eq(s->plan->phase_name, "施工");
    ck_assert_str_eq(s->plan->construction_starts_on, "2022-03-01");
    net_free(office, m);
    net_close(housing);
}
END_TEST

/* ---- the thresholds' operations ---------------------------------------------------------- */

static void refused(struct net_conn *c, Reno__SetLightRule *r, Reno__StatusCode code,
                    const char *field)
{
    long before = h_sql_long(h_db, "SELECT count(*) FROM audit_log");
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_SET_LIGHT_RULE, r);
    ck_assert_msg(h_code(m) == code, "expected %d, got %d: %s", (int)code, (int)h_code(m),
                  m->response->status->message);
    ck_assert_str_eq(m->response->status->field, field);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM audit_log"), before);
}

START_TEST(light_rules_are_the_offices_data)
{
    uint8_t key[16];
    Reno__SetLightRule r = RENO__SET_LIGHT_RULE__INIT;
    h_new_key(&r.idempotency_key, key);
    r.code = "deadline_near_days";
    r.value = 500;
    refused(office, &r, RENO__STATUS_CODE__BAD_REQUEST, "set_light_rule.value");
    r.code = "no_such_rule";
    r.value = 5;
    refused(office, &r, RENO__STATUS_CODE__NOT_FOUND, "set_light_rule.code");
    r.code = "deadline_near_days";
    struct net_conn *housing = h_login(&h_srv, H_HOUSING);
    refused(housing, &r, RENO__STATUS_CODE__PERMISSION_DENIED, "");
    net_close(housing);
    struct net_conn *leader = h_login(&h_srv, H_LEADER);
    refused(leader, &r, RENO__STATUS_CODE__PERMISSION_DENIED, "");

    Reno__ServerMessage *m = h_call_body(office, RENO__REQUEST__BODY_SET_LIGHT_RULE, &r);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t id = m->response->set_light_rule->id;
    ck_assert(!m->response->set_light_rule->replayed);
    net_free(office, m);
    m = h_call_body(office, RENO__REQUEST__BODY_SET_LIGHT_RULE, &r); /* a retry */
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->set_light_rule->replayed);
    ck_assert_int_eq(m->response->set_light_rule->id, id);
    net_free(office, m);
    ck_assert_int_eq(
        h_sql_long(h_db, "SELECT count(*) FROM audit_log WHERE action = 'set_light_rule'"), 1);

    /* Anyone reads them; the status carries those it was judged by. */
    Reno__ListLightRules list = RENO__LIST_LIGHT_RULES__INIT;
    m = h_call_body(leader, RENO__REQUEST__BODY_LIST_LIGHT_RULES, &list);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__LightRuleList *rl = m->response->list_light_rules;
    ck_assert_uint_eq(rl->n_items, 5);
    ck_assert_str_eq(rl->items[0]->code, "deadline_near_days");
    ck_assert_int_eq(rl->items[0]->value, 5);
    ck_assert_int_eq(rl->items[0]->default_value, 14);
    ck_assert_str_eq(rl->items[0]->updated_by, "office");
    ck_assert(!rl->items[0]->is_default);
    net_free(leader, m);
    const Reno__StatusReply *s = status_of(leader, "2022-03-20", &m);
    ck_assert_uint_eq(s->n_light_rules, 5);
    ck_assert_int_eq(s->light_rules[0]->value, 5);
    net_free(leader, m);
    net_close(leader);
}
END_TEST

/* ---- two servers ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The same figures: every field but when each server computed them (computed_at, in
 * seconds), which two servers refreshing on the same notification may straddle. */
static bool same_status(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    Reno__StatusReply fa = *a, fb = *b;
    fa.computed_at = fb.computed_at = 0;
    size_t la = reno__status_reply__get_packed_size(&fa);
    size_t lb = reno__status_reply__get_packed_size(&fb);
    if (la != lb)
        return false;
    uint8_t *pa = malloc(la + 1), *pb = malloc(lb + 1);
    reno__status_reply__pack(&fa, pa);
    reno__status_reply__pack(&fb, pb);
    bool same = memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

static int near_days_in(const Reno__StatusReply *s)
{
    for (size_t i = 0; i < s->n_light_rules; i++)
        if (strcmp(s->light_rules[i]->code, "deadline_near_days") == 0)
            return s->light_rules[i]->value;
    return -1;
}

START_TEST(two_servers_agree_on_every_section)
{
    struct h_server second;
    h_server_start(&second, h_db, NULL);
    struct net_conn *reader = h_login(&second, H_LEADER);
    struct net_conn *watcher = h_login(&second, H_LEADER);
    Reno__ServerMessage *m;
    status_of(reader, "", &m); /* fills the second server's roll-up */
    net_free(reader, m);
    Reno__Watch w = RENO__WATCH__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_WATCH;
    req.watch = &w;
    m = h_call(watcher, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(near_days_in(m->response->watch->status), 14);
    net_free(watcher, m);

    /* A threshold set through the first server reaches the second's watcher and reader. */
    set_light_rule(office, "deadline_near_days", 21);
    Reno__ServerMessage *ev = NULL;
    for (int64_t deadline = now_ms() + 15000; ev == NULL && now_ms() < deadline;) {
        char err[NET_ERR_SIZE];
        Reno__ServerMessage *x = NULL;
        int rc = net_next(watcher, 200, &x, err);
        ck_assert_msg(rc >= 0, "%s", err);
        if (rc > 0)
            continue;
        if (x->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
            x->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED &&
            near_days_in(x->event->status_changed->status) == 21)
            ev = x;
        else
            net_free(watcher, x);
    }
    ck_assert_msg(ev != NULL, "no push with the new threshold");
    net_free(watcher, ev);

    /* Money written through the second server shows on the first, and then both
     * serve the same status, section for section. */
    struct net_conn *writer2 = h_login(&second, H_OFFICE);
    uint8_t key[16];
    Reno__AllocateFunds a = RENO__ALLOCATE_FUNDS__INIT;
    h_new_key(&a.idempotency_key, key);
    a.project_id = h_project_id(h_db, 1);
    a.source = RENO__FUND_SOURCE__FUND_SOURCE_COUNTY_FUND;
    a.amount = 250000;
    a.allocated_on = "2022-04-01";
    write_ok(writer2, RENO__REQUEST__BODY_ALLOCATE_FUNDS, &a);
    bool agreed = false;
    for (int64_t deadline = now_ms() + 15000; !agreed && now_ms() < deadline;) {
        Reno__ServerMessage *m1, *m2;
        const Reno__StatusReply *s1 = status_of(office, "", &m1);
        const Reno__StatusReply *s2 = status_of(reader, "", &m2);
        const Reno__StatusFunds *f1 = funds_for(s1, 0, RENO__FUND_SOURCE__FUND_SOURCE_UNSPECIFIED);
        agreed =
            f1 != NULL && f1->allocated == 250000 && near_days_in(s1) == 21 && same_status(s1, s2);
        net_free(office, m1);
        net_free(reader, m2);
        if (!agreed)
            usleep(50 * 1000);
    }
    ck_assert_msg(agreed, "the two servers did not agree within 15 seconds");
    net_close(writer2);
    net_close(watcher);
    net_close(reader);
    ck_assert_int_eq(h_server_stop(&second), 0);
}
END_TEST

/* ---- the command line -------------------------------------------------------------------- */

static char home[128];
static char env_xdg[200];
static char env_server[120];

static int reno(char **out, char **err, const char *const *args, const char *stdin_text)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    const char *env[] = {env_xdg, env_server, NULL};
    return h_run(argv, env, stdin_text, out, err);
}

static void cli_setup(void)
{
    setup();
    snprintf(home, sizeof home, "/tmp/reno-it-status-sections.XXXXXX");
    ck_assert(mkdtemp(home) != NULL);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CONFIG_HOME=%s", home);
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", h_srv.address);
    char *out, *err;
    int rc = reno(&out, &err,
                  (const char *const[]){"login", "--user", "office", "--password-stdin", NULL},
                  "office-test-password\n");
    ck_assert_msg(rc == 0, "login: %s", err);
    free(out);
    free(err);
}

static void cli_teardown(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/reno/token", home);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", home);
    rmdir(path);
    rmdir(home);
    teardown();
}

START_TEST(cli_project_detail_and_round_diff)
{
    long p0 = h_project_id(h_db, 0), p1 = h_project_id(h_db, 1);
    push(office, p0, "2022-03-14", 50, 0);
    push(office, p1, "2022-03-20", 10, 0);
    push(office, p0, "2022-03-28", 120, 5);

    char *out, *err;
    int rc =
        reno(&out, &err,
             (const char *const[]){"status", "--diff", "2022-03-14", "2022-03-28", NULL}, NULL);
    ck_assert_msg(rc == 0, "diff: %s", err);
    ck_assert_ptr_nonnull(strstr(out, "from round 2022-03-14 (as of 2022-03-14) to round "
                                      "2022-03-28 (as of 2022-03-28)"));
    ck_assert_ptr_nonnull(strstr(out, "50 → 120"));
    ck_assert_ptr_nonnull(strstr(out, "+70"));
    ck_assert_ptr_nonnull(strstr(out, "0 → 10"));
    ck_assert_ptr_nonnull(strstr(out, "total: started 50 → 130 (+80), completed 0 → 5 (+5)"));
    ck_assert_ptr_nonnull(strstr(out, "2 projects changed"));
    free(out);
    free(err);

    rc = reno(&out, &err,
              (const char *const[]){"--json", "status", "--diff", "2022-03-14", "2022-03-28", NULL},
              NULL);
    ck_assert_msg(rc == 0, "diff --json: %s", err);
    char expect[256];
    snprintf(expect, sizeof expect,
             "{\"project_id\":%ld,\"name\":\"松山街道示例小区一（示例）\",\"started_from\":50,"
             "\"started_to\":120,\"started_delta\":70,\"completed_from\":0,\"completed_to\":5,"
             "\"completed_delta\":5,",
             p0);
    ck_assert_msg(strstr(out, expect) != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"total\":{\"started_from\":50,\"started_to\":130,"
                                      "\"started_delta\":80"));
    ck_assert_ptr_nonnull(strstr(out, "\"from\":{\"round_date\":\"2022-03-14\",\"as_of\":"
                                      "\"2022-03-14\"}"));
    free(out);
    free(err);

    /* Not a collection date, and a date that is no date: usage errors. */
    rc = reno(&out, &err,
              (const char *const[]){"status", "--diff", "2022-03-15", "2022-03-28", NULL}, NULL);
    ck_assert_int_eq(rc, 2);
    ck_assert_ptr_nonnull(strstr(err, "2022-03-15 is not a collection date"));
    free(out);
    free(err);
    rc = reno(&out, &err, (const char *const[]){"status", "--diff", "2022-03-14", NULL}, NULL);
    ck_assert_int_eq(rc, 2);
    free(out);
    free(err);

    /* One project in detail, by id and by name, as text and as JSON. */
    char id[24];
    snprintf(id, sizeof id, "%ld", p0);
    rc = reno(&out, &err, (const char *const[]){"status", id, "--as-of", "2022-04-01", NULL}, NULL);
    ck_assert_msg(rc == 0, "status %s: %s", id, err);
    ck_assert_ptr_nonnull(strstr(out, "松山街道示例小区一（示例） (示例小区一, project"));
    ck_assert_ptr_nonnull(strstr(out, "light: red"));
    ck_assert_ptr_nonnull(strstr(out, "milestones_overdue"));
    ck_assert_ptr_null(strstr(out, "松山街道示例小区二")); /* the other project is left out */
    free(out);
    free(err);
    rc = reno(&out, &err,
              (const char *const[]){"--json", "status", "松山街道示例小区二（示例）", "--as-of",
                                    "2022-04-01", NULL},
              NULL);
    ck_assert_msg(rc == 0, "status by name: %s", err);
    ck_assert_ptr_nonnull(strstr(out, "\"light\":\"LIGHT_RED\""));
    ck_assert_ptr_nonnull(strstr(out, "\"phase_name\":\"前期准备\""));
    ck_assert_ptr_null(strstr(out, "松山街道示例小区一")); /* rows of the other project: none */
    ck_assert_ptr_nonnull(strstr(out, "\"verdict\":\"VERDICT_MISSED\"")); /* programme rules */
    free(out);
    free(err);
    rc = reno(&out, &err, (const char *const[]){"status", "no-such-project", NULL}, NULL);
    ck_assert_int_eq(rc, 14);
    ck_assert_ptr_nonnull(strstr(err, "no project 'no-such-project'"));
    free(out);
    free(err);

    /* The overview lays its sections out; the thresholds are set from the command line. */
    rc = reno(&out, &err, (const char *const[]){"status", "--as-of", "2022-03-20", NULL}, NULL);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "traffic lights"));
    ck_assert_ptr_nonnull(strstr(out, "plan: phase 2 施工 on 2022-03-20"));
    ck_assert_ptr_nonnull(strstr(out, "collection round 2022-03-14"));
    free(out);
    free(err);
    rc = reno(
        &out, &err,
        (const char *const[]){"light", "set", "--code", "start_lag_points", "--value", "101", NULL},
        NULL);
    ck_assert_int_eq(rc, 11);
    ck_assert_ptr_nonnull(strstr(err, "(option --value)"));
    free(out);
    free(err);
    rc = reno(
        &out, &err,
        (const char *const[]){"light", "set", "--code", "start_lag_points", "--value", "5", NULL},
        NULL);
    ck_assert_msg(rc == 0, "light set: %s", err);
    free(out);
    free(err);
    ck_assert_int_eq(
        h_sql_long(h_db, "SELECT value FROM light_rule WHERE code = 'start_lag_points'"), 5);
}
END_TEST

Suite *it_status_sections_suite(void)
{
    Suite *s = suite_create("it_status_sections");
    TCase *tc = tcase_create("status_sections");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rollup_matches_an_independent_computation);
    tcase_add_test(tc, lights_on_the_boundary_days);
    tcase_add_test(tc, sections_follow_the_writes_and_their_dates);
    tcase_add_test(tc, light_rules_are_the_offices_data);
    tcase_add_test(tc, two_servers_agree_on_every_section);
    suite_add_tcase(s, tc);
    TCase *cli = tcase_create("status_sections_cli");
    tcase_add_checked_fixture(cli, cli_setup, cli_teardown);
    tcase_set_timeout(cli, 60);
    tcase_add_test(cli, cli_project_detail_and_round_diff);
    suite_add_tcase(s, cli);
    return s;
}
