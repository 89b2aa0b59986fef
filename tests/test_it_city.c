/*
 * Two counties and their city on three PostgreSQL clusters of their own (wal_level =
 * logical, Unix sockets only), each with its renod: 紫云 (520425) and 镇宁 (520423)
 * publish with `renod publish`, 安顺 (520400) subscribes to both with `renod subscribe`.
 * Writes in both counties reach the city's consolidated status, its half-monthly summary
 * and a watcher at the city (the subscription's apply fires the audit log's notify
 * trigger, made ALWAYS there). The city cannot write a county's rows; a county's view
 * account at the city sees its own county only. A county whose cluster is stopped is
 * shown disconnected, and once it is started again the city catches up with every row
 * once: the counts of each county's rows at the city equal the county's own. The audit
 * log's hash chain verifies at the county and, for the city's own records, at the city.
 * Last, a county is removed: its subscription, its slot and its rows at the city go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it.h"

#define CITY_OFFICE "city-office"
#define ZIYUN_VIEW  "ziyun-view"

struct site {
    const char *name;   /* ziyun, zhenning, anshun */
    const char *code;   /* jurisdiction */
    const char *seed;   /* loaded after `renod site` */
    char dir[300];      /* the cluster */
    char conninfo[400]; /* as the cluster's superuser */
    struct h_server srv;
};

static char root[256];
static struct site ziyun = {"ziyun", "520425", "ziyun-2022", "", "", {0}};
static struct site zhenning = {"zhenning", "520423", "ziyun-2022", "", "", {0}};
static struct site anshun = {"anshun", "520400", "anshun-2022", "", "", {0}};
static struct site *const sites[] = {&ziyun, &zhenning, &anshun};

static void run_ok(const char *const *argv, const char *stdin_text)
{
    char *out, *err;
    int rc = h_run(argv, NULL, stdin_text, &out, &err);
    ck_assert_msg(rc == 0, "%s %s: %d\n%s%s", argv[0], argv[1], rc, out, err);
    free(out);
    free(err);
}

static void pgcluster(const char *verb, const struct site *s)
{
    char script[600];
    snprintf(script, sizeof script, "%s/scripts/pgcluster", RENO_SOURCE_DIR);
    run_ok((const char *const[]){script, verb, s->dir, "--logical", NULL}, NULL);
}

static void renod(const struct site *s, const char *const *words, const char *stdin_text)
{
    const char *argv[16];
    int n = 0;
    argv[n++] = h_bin("renod");
    argv[n++] = "--database";
    argv[n++] = s->conninfo;
    argv[n++] = "--log-level";
    argv[n++] = "warn";
    for (const char *const *w = words; *w && n < 15; w++)
        argv[n++] = *w;
    argv[n] = NULL;
    run_ok(argv, stdin_text);
}

static PGconn *db(const struct site *s)
{
    PGconn *pg = PQconnectdb(s->conninfo);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
    return pg;
}

static long sql_long(const struct site *s, const char *sql)
{
    PGconn *pg = db(s);
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
    long v = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(pg);
    return v;
}

static void sql_state(const struct site *s, const char *sql, char state[6])
{
    PGconn *pg = db(s);
    PGresult *res = PQexec(pg, sql);
    const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    snprintf(state, 6, "%s", st ? st : "");
    PQclear(res);
    PQfinish(pg);
}

static void account(const struct site *s, const char *programme, const char *user, const char *unit,
                    const char *role)
{
    char password[128];
    snprintf(password, sizeof password, "%s-test-password\n", user);
    renod(s,
          (const char *const[]){"account", "add", "--programme", programme, "--username", user,
                                "--unit", unit, "--role", role, NULL},
          password);
}

static void start_server(struct site *s)
{
    char conninfo[400];
    snprintf(conninfo, sizeof conninfo, "host=%s/socket dbname=reno user=" H_APP_ROLE, s->dir);
    const char *extra[] = {"--database", conninfo, "--log-level", "info", NULL};
    h_server_start(&s->srv, "reno", extra);
}

static void destroy_clusters(void);

static void setup(void)
{
    h_scratch_dir(root, sizeof root, "city");
    atexit(destroy_clusters);
    for (size_t i = 0; i < 3; i++) {
        struct site *s = sites[i];
        snprintf(s->dir, sizeof s->dir, "%s/%s", root, s->name);
        snprintf(s->conninfo, sizeof s->conninfo, "host=%s/socket dbname=reno user=postgres",
                 s->dir);
        memset(&s->srv, 0, sizeof s->srv);
        pgcluster("start", s);
        char postgres[400];
        snprintf(postgres, sizeof postgres, "host=%s/socket dbname=postgres user=postgres", s->dir);
        PGconn *pg = PQconnectdb(postgres);
        ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));
        PQclear(PQexec(pg, "CREATE DATABASE reno"));
        PQfinish(pg);
        renod(s, (const char *const[]){"migrate", NULL}, NULL);
        /* The ids' range first, then the programme. */
        renod(s, (const char *const[]){"site", s->code, NULL}, NULL);
        renod(s, (const char *const[]){"seed", s->seed, NULL}, NULL);
    }
    /* The second county runs the same plan under its own name. */
    char state[6];
    sql_state(&zhenning,
              "UPDATE programme SET code = 'zhenning-2022', jurisdiction = '镇宁自治县', "
              "title = '镇宁自治县2022年城镇老旧小区改造'",
              state);
    ck_assert_str_eq(state, "");
    account(&ziyun, "ziyun-2022", H_OFFICE, "office", "office");
    account(&zhenning, "zhenning-2022", H_OFFICE, "office", "office");
    renod(&ziyun, (const char *const[]){"publish", NULL}, NULL);
    renod(&zhenning, (const char *const[]){"publish", NULL}, NULL);
    renod(&anshun, (const char *const[]){"subscribe", "ziyun", ziyun.conninfo, NULL}, NULL);
    renod(&anshun, (const char *const[]){"subscribe", "zhenning", zhenning.conninfo, NULL}, NULL);
    /* Idempotent: a second run changes nothing. */
    renod(&anshun, (const char *const[]){"subscribe", "zhenning", zhenning.conninfo, NULL}, NULL);
    renod(&ziyun, (const char *const[]){"publish", NULL}, NULL);
    account(&anshun, "anshun-2022", CITY_OFFICE, "office", "office");
    for (size_t i = 0; i < 3; i++)
        start_server(sites[i]);
}

/* Stops the three clusters and removes their directory. pg_ctl starts PostgreSQL in a
 * session of its own, so it does not die with the test: a failed assertion (which ends
 * the test's process through exit()) must remove them too, hence atexit() as well. */
static void destroy_clusters(void)
{
    if (root[0] == '\0')
        return;
    char script[600];
    snprintf(script, sizeof script, "%s/scripts/pgcluster", RENO_SOURCE_DIR);
    /* The city first, so that no subscription is left trying to reach a county. */
    for (int i = 2; i >= 0; i--) {
        char *out, *err;
        (void)h_run((const char *const[]){script, "destroy", sites[i]->dir, NULL}, NULL, NULL, &out,
                    &err);
        free(out);
        free(err);
    }
    char path[400];
    snprintf(path, sizeof path, "%s/reno/token", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/reno", root);
    rmdir(path);
    rmdir(root);
    root[0] = '\0';
}

static void teardown(void)
{
    int rc[3];
    for (size_t i = 0; i < 3; i++)
        rc[i] = sites[i]->srv.pid > 0 ? h_server_stop(&sites[i]->srv) : 0;
    destroy_clusters();
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(rc[i] == 0, "renod of %s exited with %d", sites[i]->name, rc[i]);
}

static Reno__ServerMessage *city_status(struct net_conn *c)
{
    Reno__ListCityStatus q = RENO__LIST_CITY_STATUS__INIT;
    q.year = 2022;
    return h_call_body(c, RENO__REQUEST__BODY_CITY_STATUS, &q);
}

static const Reno__CountyStatus *row_of(const Reno__ServerMessage *m, int code)
{
    const Reno__CountyStatusList *l = m->response->city_status;
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i]->jurisdiction_code == code)
            return l->items[i];
    return NULL;
}

/* Polls the city's status until `done` says yes or 15 s pass; returns the last reply. */
static Reno__ServerMessage *city_status_until(struct net_conn *c,
                                              bool (*done)(const Reno__ServerMessage *))
{
    Reno__ServerMessage *m = NULL;
    for (double deadline = h_now_s() + 15; h_now_s() < deadline; usleep(100 * 1000)) {
        if (m)
            net_free(c, m);
        m = city_status(c);
        ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
        if (done(m))
            return m;
    }
    return m;
}

static bool both_counties(const Reno__ServerMessage *m)
{
    return row_of(m, 520425) && row_of(m, 520423);
}

static bool writes_arrived(const Reno__ServerMessage *m)
{
    const Reno__CountyStatus *a = row_of(m, 520425), *b = row_of(m, 520423),
                             *city = row_of(m, 520400);
    return a && b && city && a->households_started == 150 && b->households_started == 300 &&
           city->households_started == 450;
}

static bool ziyun_disconnected(const Reno__ServerMessage *m)
{
    const Reno__CountyStatus *a = row_of(m, 520425);
    return a && !a->connected && a->lag_seconds == -1;
}

static bool all_connected(const Reno__ServerMessage *m)
{
    const Reno__CountyStatus *city = row_of(m, 520400);
    return city && city->connected && city->lag_seconds >= 0;
}

static long county_project(struct site *s, int index)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT id FROM project ORDER BY id OFFSET %d LIMIT 1", index);
    return sql_long(s, sql);
}

/* A PushProgress through a county's renod on a logged-in connection, retried while the
 * county's database comes back (the connection and its session stay). */
static void push(struct net_conn *c, const char *county, long project, int started)
{
    for (double deadline = h_now_s() + 20;; usleep(200 * 1000)) {
        Reno__Request req;
        Reno__PushProgress p;
        uint8_t key[16];
        h_push_init(&req, &p, key, project, "2022-05-10", started, 0);
        Reno__ServerMessage *m = h_call(c, &req);
        Reno__StatusCode code = h_code(m);
        net_free(c, m);
        if (code == RENO__STATUS_CODE__OK)
            return;
        ck_assert_msg(code == RENO__STATUS_CODE__UNAVAILABLE && h_now_s() < deadline,
                      "push at %s: %d", county, code);
    }
}

/* The rows of a county at the city equal the county's own, table by table. */
static bool same_counts(struct site *county, bool report)
{
    static const char *const tables[] = {"progress_report", "audit_log", "project", "unit"};
    bool same = true;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE reno_origin(id) = %s", tables[i],
                 county->code);
        long here = sql_long(county, sql), there = sql_long(&anshun, sql);
        if (report)
            fprintf(stderr, "city: %-16s %-8s county %ld, city %ld\n", tables[i], county->name,
                    here, there);
        same = same && here == there;
    }
    return same;
}

static void print_cli(const char *const *words)
{
    char xdg[300], server[100];
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s", root);
    snprintf(server, sizeof server, "RENO_SERVER=%s", anshun.srv.address);
    const char *env[] = {xdg, server, NULL};
    const char *argv[12];
    int n = 0;
    argv[n++] = h_bin("reno");
    for (const char *const *w = words; *w && n < 11; w++)
        argv[n++] = *w;
    argv[n] = NULL;
    char *out, *err;
    int rc = h_run(argv, env, CITY_OFFICE "-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "reno %s: %d %s%s", words[0], rc, out, err);
    fprintf(stderr, "$ reno");
    for (const char *const *w = words; *w; w++)
        fprintf(stderr, " %s", *w);
    fprintf(stderr, "\n%s", out);
    free(out);
    free(err);
}

START_TEST(two_counties_reach_the_city)
{
    struct net_conn *city = h_login(&anshun.srv, CITY_OFFICE);
    struct net_conn *za = h_login(&ziyun.srv, H_OFFICE);
    struct net_conn *zb = h_login(&zhenning.srv, H_OFFICE);
    Reno__ServerMessage *m = city_status_until(city, both_counties);
    ck_assert_msg(both_counties(m), "the city never saw both counties' programmes");
    net_free(city, m);

    /* The programmes arrive before every table has been copied: each table of a
     * subscription is synchronised by a worker of its own. Wait until all are ready
     * ('r') before relying on any, e.g. on 紫云's units for the account below. */
    for (int i = 0; i < 600 && sql_long(&anshun, "SELECT count(*) FROM pg_subscription_rel "
                                                 "WHERE srsubstate <> 'r'") > 0;
         i++)
        usleep(50 * 1000);
    ck_assert_int_eq(
        sql_long(&anshun, "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'"), 0);

    /* A view account at the city for 紫云's programme: its status and watch are 紫云's. */
    account(&anshun, "ziyun-2022", ZIYUN_VIEW, "county-gov", "leader");
    struct net_conn *watcher = h_login(&anshun.srv, ZIYUN_VIEW);
    Reno__Watch w = RENO__WATCH__INIT;
    m = h_call_body(watcher, RENO__REQUEST__BODY_WATCH, &w);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_str_eq(m->response->watch->status->programme_code, "ziyun-2022");
    net_free(watcher, m);

    push(za, "ziyun", county_project(&ziyun, 0), 150);
    push(zb, "zhenning", county_project(&zhenning, 1), 300);

    /* The city's watcher is pushed the county's write, applied by the subscription. */
    Reno__ServerMessage *pushed = NULL;
    for (double deadline = h_now_s() + 15; pushed == NULL && h_now_s() < deadline;) {
        char err[NET_ERR_SIZE];
        int rc = net_next(watcher, 500, &m, err);
        ck_assert_msg(rc >= 0, "%s", err);
        if (rc > 0)
            continue;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
            m->event->body_case == RENO__EVENT__BODY_STATUS_CHANGED &&
            m->event->status_changed->status->households_started == 150)
            pushed = m;
        else
            net_free(watcher, m);
    }
    ck_assert_msg(pushed != NULL, "the city's watcher was not pushed 紫云's write");
    net_free(watcher, pushed);

    /* The consolidated status: both counties and the city as a whole. */
    m = city_status_until(city, writes_arrived);
    ck_assert_msg(writes_arrived(m), "the city's status never showed both counties' writes");
    const Reno__CountyStatus *a = row_of(m, 520425);
    ck_assert_str_eq(a->jurisdiction, "紫云苗族布依族自治县");
    ck_assert_str_eq(a->subscription, "reno_ziyun");
    ck_assert(a->connected);
    ck_assert_int_ge(a->lag_seconds, 0);
    ck_assert_int_eq(row_of(m, 520400)->households, 1604);
    net_free(city, m);

    /* The half-monthly summary: one row per county for the round of 14 May. */
    Reno__ListCitySummary q = RENO__LIST_CITY_SUMMARY__INIT;
    q.round_date = "2022-05-14";
    m = h_call_body(city, RENO__REQUEST__BODY_CITY_SUMMARY, &q);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    const Reno__CountyRoundList *rounds = m->response->city_summary;
    ck_assert_uint_eq(rounds->n_items, 2);
    ck_assert_int_eq(rounds->items[0]->jurisdiction_code, 520423);
    ck_assert_int_eq(rounds->items[0]->households_started, 300);
    ck_assert_int_eq(rounds->items[1]->jurisdiction_code, 520425);
    ck_assert_int_eq(rounds->items[1]->households_started, 150);
    ck_assert_str_eq(rounds->items[1]->state, "open");
    ck_assert_str_eq(rounds->items[1]->start_share_rule, "未达标");
    net_free(city, m);
    q.round_date = "2022-05-15";
    m = h_call_body(city, RENO__REQUEST__BODY_CITY_SUMMARY, &q);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    net_free(city, m);

    /* The city cannot write a county's rows: not through renod, not by hand. */
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, county_project(&ziyun, 0), "2022-05-11", 151, 0);
    m = h_call(city, &req);
    ck_assert_int_ne(h_code(m), RENO__STATUS_CODE__OK);
    net_free(city, m);
    char state[6];
    sql_state(&anshun, "UPDATE progress_report SET note = 'typed at the city'", state);
    ck_assert_str_eq(state, "RN403");
    sql_state(&anshun, "DELETE FROM project", state);
    ck_assert_str_eq(state, "RN403");
    /* 紫云's view account sees 紫云 only: not the city's figures, so not 镇宁's. */
    Reno__ListCityStatus cs = RENO__LIST_CITY_STATUS__INIT;
    m = h_call_body(watcher, RENO__REQUEST__BODY_CITY_STATUS, &cs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(watcher, m);
    net_close(watcher);

    print_cli((const char *const[]){"login", "--user", CITY_OFFICE, "--password-stdin", NULL});
    print_cli((const char *const[]){"city", "status", "--year", "2022", NULL});
    print_cli((const char *const[]){"city", "summary", "--round-date", "2022-05-14", NULL});

    /* 紫云 goes down right after a write; the city shows it disconnected, 镇宁 goes on. */
    push(za, "ziyun", county_project(&ziyun, 1), 40);
    pgcluster("stop", &ziyun);
    m = city_status_until(city, ziyun_disconnected);
    ck_assert_msg(ziyun_disconnected(m), "the city did not show 紫云 disconnected");
    net_free(city, m);
    push(zb, "zhenning", county_project(&zhenning, 0), 20);
    print_cli((const char *const[]){"city", "status", "--year", "2022", NULL});

    /* Back up: more writes, and the city catches up with each row once. */
    pgcluster("start", &ziyun);
    for (int i = 1; i <= 5; i++)
        push(za, "ziyun", county_project(&ziyun, 0), 150 + i);
    bool same = false;
    for (double deadline = h_now_s() + 20; !same && h_now_s() < deadline; usleep(200 * 1000))
        same = same_counts(&ziyun, false) && same_counts(&zhenning, false);
    same_counts(&ziyun, true);
    same_counts(&zhenning, true);
    ck_assert_msg(same, "the city's rows of a county differ from the county's");
    m = city_status_until(city, all_connected);
    ck_assert(all_connected(m));
    ck_assert_int_eq(row_of(m, 520425)->households_started, 155 + 40);
    net_free(city, m);
    print_cli((const char *const[]){"city", "status", "--year", "2022", NULL});
    /* Money written at 紫云 reaches the city. 紫云 keeps its money by day (0032), by
     * triggers that the subscription's apply worker does not fire: at the city, 紫云's
     * totals of a past date are summed from the replicated ledgers, and are 紫云's. */
    char sql[1200];
    snprintf(sql, sizeof sql,
             "WITH a AS (INSERT INTO fund_allocation (project_id, source, amount, allocated_on,"
             "                                        account_id, unit_id)"
             "           SELECT %ld, 'central_subsidy', 5000.50, DATE '2022-03-01', c.id,"
             "                  c.unit_id FROM account c WHERE c.username = '" H_OFFICE "'"
             "           RETURNING id, account_id, unit_id)"
             " INSERT INTO fund_receipt (allocation_id, amount, received_on, account_id, unit_id)"
             " SELECT a.id, 1200.25, DATE '2022-03-20', a.account_id, a.unit_id FROM a",
             county_project(&ziyun, 0));
    sql_state(&ziyun, sql, state);
    ck_assert_str_eq(state, "");
    const char *receipts = "SELECT count(*) FROM fund_receipt WHERE amount = 1200.25";
    for (int i = 0; i < 400 && sql_long(&anshun, receipts) == 0; i++)
        usleep(50 * 1000);
    ck_assert_int_eq(sql_long(&anshun, receipts), 1);
    const char *programme = "(SELECT id FROM programme WHERE code = 'ziyun-2022')";
    snprintf(sql, sizeof sql,
             "SELECT ('x' || substr(md5(string_agg(t::text, ';')), 1, 15))::bit(60)::bigint"
             "  FROM reno_status_funds_totals(%s, DATE '2022-06-30') t",
             programme);
    ck_assert_int_eq(sql_long(&anshun, sql), sql_long(&ziyun, sql));
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM reno_status_funds_totals(%s, DATE '2022-06-30') t"
             " WHERE t.received = 1200.25",
             programme);
    ck_assert_int_eq(sql_long(&anshun, sql), 2); /* the source and all sources */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM fund_day WHERE programme_id = %s", programme);
    ck_assert_int_gt(sql_long(&ziyun, sql), 0);
    ck_assert_int_eq(sql_long(&anshun, sql), 0);
    snprintf(sql, sizeof sql, "SELECT reno_programme_replicated(%s)::int", programme);
    ck_assert_int_eq(sql_long(&anshun, sql), 1);
    ck_assert_int_eq(sql_long(&ziyun, sql), 0);
    /* So does line work: 紫云 keeps each segment's history by day (0035), the city reads
     * the replicated parts, and the totals of a past date are 紫云's. */
    snprintf(sql, sizeof sql,
             "INSERT INTO line_work (project_id, utility_unit_id, segment, part, length_m,"
             "                       started_on, done_on, status, recorded_by, recorded_at)"
             " SELECT p.id, u.id, 'inside_red_line', 'trench', 321.5, DATE '2022-04-02',"
             "        DATE '2022-04-20', 'done', c.id, DATE '2022-04-01'"
             "   FROM project p JOIN unit u ON u.programme_id = p.programme_id AND u.code = 'gas',"
             "        account c"
             "  WHERE p.id = %ld AND c.username = '" H_OFFICE "'",
             county_project(&ziyun, 0));
    sql_state(&ziyun, sql, state);
    ck_assert_str_eq(state, "");
    const char *parts = "SELECT count(*) FROM line_work WHERE length_m = 321.5";
    for (int i = 0; i < 400 && sql_long(&anshun, parts) == 0; i++)
        usleep(50 * 1000);
    ck_assert_int_eq(sql_long(&anshun, parts), 1);
    snprintf(sql, sizeof sql,
             "SELECT ('x' || substr(md5(string_agg(t::text, ';')), 1, 15))::bit(60)::bigint"
             "  FROM reno_status_lines_totals(%s, DATE '2022-06-30') t",
             programme);
    ck_assert_int_eq(sql_long(&anshun, sql), sql_long(&ziyun, sql));
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM reno_status_lines_totals(%s, DATE '2022-06-30') t"
             " WHERE t.utility_code = 'gas' AND t.segment = 'inside_red_line'"
             " AND t.length_m >= 321.5 AND t.parts_done >= 1",
             programme);
    ck_assert_int_eq(sql_long(&anshun, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM line_segment_history h JOIN project p ON p.id = h.project_id"
             " WHERE p.programme_id = %s",
             programme);
    ck_assert_int_gt(sql_long(&ziyun, sql), 0);
    ck_assert_int_eq(sql_long(&anshun, sql), 0);

    /* The city's own hash chain is intact beside the counties' replicated ones. */
    renod(&anshun, (const char *const[]){"audit", "verify", NULL}, NULL);
    renod(&ziyun, (const char *const[]){"audit", "verify", NULL}, NULL);

    /* Removing a county: the subscription goes with its slot on the county, and --purge
     * takes the county's rows out of the city. */
    renod(&anshun, (const char *const[]){"unsubscribe", "zhenning", "--purge", NULL}, NULL);
    ck_assert_int_eq(sql_long(&zhenning, "SELECT count(*) FROM pg_replication_slots"), 0);
    ck_assert_int_eq(sql_long(&anshun, "SELECT count(*) FROM progress_report "
                                       "WHERE reno_origin(id) = 520423"),
                     0);
    ck_assert_int_gt(sql_long(&anshun, "SELECT count(*) FROM progress_report "
                                       "WHERE reno_origin(id) = 520425"),
                     0);
    m = city_status(city);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_ptr_null(row_of(m, 520423));
    ck_assert_ptr_nonnull(row_of(m, 520425));
    net_free(city, m);
    net_close(zb);
    net_close(za);
    net_close(city);
}
END_TEST

Suite *it_city_suite(void)
{
    Suite *s = suite_create("city");
    TCase *tc = tcase_create("city");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, two_counties_reach_the_city);
    suite_add_tcase(s, tc);
    return s;
}
