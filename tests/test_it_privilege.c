/*
 * Least privilege in PostgreSQL (0012_privilege.sql), tested from the outside: renod
 * serves as a role that owns nothing and may write no table; the audit log's hash chain
 * holds over writes made through the protocol, and `renod audit verify` names a record
 * rewritten behind the triggers' back (session_replication_role = replica, as only a
 * superuser can); row-level security refuses a write for a unit that may not make it even
 * when the function making it forgot to check; reads are scoped by role as data (a
 * utility sees its own line work, items and audit entries, not the funds ledger).
 *
 * And the permission matrix through the protocol: an account for every unit of the
 * programme, each sending every write operation (found from the Request descriptor: every
 * body with an idempotency key) aimed at another unit's target, and every read operation.
 * A write the account's rights do not cover must be refused and change no row; the table
 * of counts is printed into the test log (docs/RELIABILITY.md quotes it). Every right is
 * one question, reno_may (schema/functions/permissions.sql), asked here directly too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>
#include <sodium.h>

#include "it.h"

/* The owner role renod migrate creates by default (the template was migrated so). */
#define OWNER_ROLE "reno_owner"

static void setup(void)
{
    h_fixture_setup();
}

static void teardown(void)
{
    h_fixture_teardown();
}

static long count_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long count_sql(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return h_sql_long(h_db, sql);
}

/* Runs renod audit verify on the test database; returns its exit status, output in *out. */
static int audit_verify(char **out)
{
    char dbarg[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    const char *argv[] = {h_bin("renod"), "--database", dbarg,    "--log-level",
                          "warn",         "audit",      "verify", NULL};
    char *err;
    int rc = h_run(argv, NULL, NULL, out, &err);
    free(err);
    return rc;
}

static void push_ok(struct net_conn *c, long project, const char *date, int started)
{
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, project, date, started, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "%s", m->response->status->message);
    net_free(c, m);
}

START_TEST(renod_serves_as_a_role_that_owns_nothing_and_writes_no_table)
{
    /* A request makes renod use its pool; its backends are the serving role's. */
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    push_ok(c, h_project_id(h_db, 0), "2022-03-20", 100);
    net_close(c);
    ck_assert_int_gt(count_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND usename = '%s' "
                               "AND application_name = 'renod'",
                               H_APP_ROLE),
                     0);
    /* Every connection renod holds (its pool names itself) is the serving role's. The
     * test's own connections, which may still be closing, are not renod's. */
    ck_assert_int_eq(count_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND application_name = 'renod' "
                               "AND usename <> '%s'",
                               H_APP_ROLE),
                     0);
    /* It owns nothing, is no superuser, and holds no write right on any table. */
    ck_assert_int_eq(
        count_sql("SELECT count(*) FROM pg_class c WHERE c.relowner = '%s'::regrole", H_APP_ROLE),
        0);
    ck_assert_int_eq(count_sql("SELECT count(*) FROM pg_roles WHERE rolname = '%s' AND "
                               "(rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls)",
                               H_APP_ROLE),
                     0);
    ck_assert_int_eq(
        count_sql("SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                  "AND c.relkind = 'r' AND (has_table_privilege('%s', c.oid, 'INSERT') OR "
                  "has_table_privilege('%s', c.oid, 'UPDATE') OR "
                  "has_table_privilege('%s', c.oid, 'DELETE') OR "
                  "has_table_privilege('%s', c.oid, 'TRUNCATE'))",
                  H_APP_ROLE, H_APP_ROLE, H_APP_ROLE, H_APP_ROLE),
        0);
    /* Every function it may call runs as the owner with a fixed search_path, except the
     * one the status query inlines (which only reads). */
    ck_assert_int_eq(
        count_sql("SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace "
                  "AND has_function_privilege('%s', p.oid, 'EXECUTE') AND p.proname <> "
                  "'reno_progress_as_of' AND NOT (p.prosecdef AND p.proconfig::text LIKE "
                  "'%%search_path=public, pg_temp%%')",
                  H_APP_ROLE),
        0);
    /* Trying anyway, as that role: refused by PostgreSQL itself. */
    char state[6];
    h_sql_exec(h_db, "SET ROLE " H_APP_ROLE "; UPDATE audit_log SET action = 'x'", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "SET ROLE " H_APP_ROLE "; DELETE FROM issued_report", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "SET ROLE " H_APP_ROLE "; DELETE FROM round_snapshot_progress", state);
    ck_assert_str_eq(state, "42501");
    h_sql_exec(h_db, "SET ROLE " H_APP_ROLE "; SELECT reno_audit(1, 'forged', 'x', 1, NULL, NULL)",
               state);
    ck_assert_str_eq(state, "42501");
}
END_TEST

START_TEST(audit_verify_names_a_record_rewritten_behind_the_triggers)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    long p0 = h_project_id(h_db, 0);
    push_ok(c, p0, "2022-03-20", 100);
    push_ok(c, p0, "2022-04-20", 200);
    push_ok(c, p0, "2022-05-10", 300);
    net_close(c);
    long count = count_sql("SELECT count(*) FROM audit_log");
    long head = count_sql("SELECT max(id) FROM audit_log");
    char *out;
    int rc = audit_verify(&out);
    char want[100];
    snprintf(want, sizeof want, "intact: %ld records, head record %ld,", count, head);
    ck_assert_msg(rc == 0 && strstr(out, want), "verify said (%d): %s", rc, out);
    free(out);

    /* The middle push's record, rewritten as a superuser with the triggers off. */
    long victim = count_sql("SELECT id FROM audit_log WHERE action = 'push_progress' "
                            "ORDER BY id OFFSET 1 LIMIT 1");
    char sql[300], state[6];
    snprintf(sql, sizeof sql,
             "SET session_replication_role = replica; UPDATE audit_log SET after = "
             "jsonb_set(after, '{households_started}', '250') WHERE id = %ld",
             victim);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    rc = audit_verify(&out);
    snprintf(want, sizeof want, "BROKEN at record %ld ", victim);
    ck_assert_msg(rc == 1 && strstr(out, want) && strstr(out, "expected") && strstr(out, "found"),
                  "verify said (%d): %s", rc, out);
    free(out);
    /* Without replica mode the log refuses the change outright. */
    h_sql_exec(h_db, "UPDATE audit_log SET action = 'x'", state);
    ck_assert_str_eq(state, "42501");
}
END_TEST

START_TEST(audit_verify_notices_records_removed_from_the_end)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    push_ok(c, h_project_id(h_db, 0), "2022-03-20", 100);
    net_close(c);
    char state[6];
    h_sql_exec(h_db,
               "SET session_replication_role = replica; DELETE FROM audit_log WHERE id = "
               "(SELECT max(id) FROM audit_log)",
               state);
    ck_assert_str_eq(state, "");
    char *out;
    int rc = audit_verify(&out);
    ck_assert_msg(rc == 1 && strstr(out, "BROKEN at its end"), "verify said (%d): %s", rc, out);
    free(out);
}
END_TEST

/* What the row-level security does when a function forgets its check: a write acting for
 * an account (reno.account, as the write envelope sets it) that may not make it is refused
 * even as the tables' owner. */
static void write_as(const char *username, const char *insert, const char *want_state)
{
    char sql[1200], state[6];
    snprintf(sql, sizeof sql,
             "SET ROLE " OWNER_ROLE "; SELECT set_config('reno.account', (SELECT id::text FROM "
             "account WHERE username = '%s'), false); %s",
             username, insert);
    h_sql_exec(h_db, sql, state);
    ck_assert_msg(strcmp(state, want_state) == 0, "%s as %s: SQLSTATE '%s', expected '%s'", insert,
                  username, state, want_state);
}

START_TEST(row_security_refuses_what_a_forgetful_function_would_write)
{
    long p1 = h_project_id(h_db, 1);
    char state[6], sql[1200];
    /* Finance is responsible for no project; the office for all of them. */
    snprintf(sql, sizeof sql,
             "INSERT INTO progress_report (project_id, report_date, households_started, "
             "households_completed, account_id, unit_id) SELECT %ld, '2022-03-01', 1, 0, a.id, "
             "a.unit_id FROM account a WHERE a.id = current_setting('reno.account')::bigint",
             p1);
    long before = count_sql("SELECT count(*) FROM progress_report");
    write_as(H_FINANCE, sql, "42501");
    write_as(H_LEADER, sql, "42501");
    ck_assert_int_eq(count_sql("SELECT count(*) FROM progress_report"), before);
    write_as(H_OFFICE, sql, "");
    ck_assert_int_eq(count_sql("SELECT count(*) FROM progress_report"), before + 1);

    /* Money only with funds.write (the finance bureau). */
    const char *alloc =
        "INSERT INTO fund_allocation (project_id, source, amount, allocated_on, "
        "account_id, unit_id) SELECT p.id, 'central_subsidy', 10, '2022-01-10', a.id, "
        "a.unit_id FROM project p, account a WHERE a.id = "
        "current_setting('reno.account')::bigint ORDER BY p.id LIMIT 1";
    write_as(H_POWER, alloc, "42501");
    write_as(H_HOUSING, alloc, "42501");
    write_as(H_FINANCE, alloc, "");

    /* A utility's line work only for itself: power-grid may not write telecom's. */
    const char *const utilities[] = {"telecom", "power-grid"};
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO line_work (project_id, utility_unit_id, segment, part, status, "
                 "recorded_by) SELECT %ld, u.id, 'inside_red_line', 'lay_lines', 'planned', "
                 "current_setting('reno.account')::bigint FROM unit u WHERE u.code = '%s'",
                 p1, utilities[i]);
        write_as(H_POWER, sql, i == 0 ? "42501" : "");
    }
    /* And no update can hand a row to another unit. */
    write_as(H_POWER,
             "UPDATE line_work SET utility_unit_id = (SELECT id FROM unit WHERE code = 'telecom')",
             "42501");

    /* A write that names no account is an operator's: allowed to a login role that could
     * write the table directly (this superuser, here as the owner)... */
    snprintf(
        sql, sizeof sql,
        "SET ROLE " OWNER_ROLE "; INSERT INTO fund_allocation (project_id, source, amount, "
        "allocated_on, account_id, unit_id) SELECT %ld, 'central_subsidy', 10, '2022-01-10', a.id, "
        "a.unit_id FROM account a WHERE a.username = '%s'",
        p1, H_FINANCE);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    /* ... but never when renod's serving role is logged in: a function that forgot to name
     * its account cannot write for it. */
    snprintf(
        sql, sizeof sql,
        "CREATE FUNCTION reno_op_forgetful() RETURNS void LANGUAGE sql SECURITY DEFINER "
        "SET search_path = public, pg_temp AS $$ INSERT INTO fund_allocation (project_id, "
        "source, amount, allocated_on, account_id, unit_id) SELECT %ld, 'central_subsidy', 10, "
        "'2022-01-10', a.id, a.unit_id FROM account a WHERE a.username = '%s' $$; "
        "ALTER FUNCTION reno_op_forgetful() OWNER TO " OWNER_ROLE "; "
        "GRANT EXECUTE ON FUNCTION reno_op_forgetful() TO " H_APP_ROLE,
        p1, H_FINANCE);
    h_sql_exec(h_db, sql, state);
    ck_assert_str_eq(state, "");
    snprintf(sql, sizeof sql, "dbname=%s user=" H_APP_ROLE, h_db);
    PGconn *app = PQconnectdb(sql);
    ck_assert_msg(PQstatus(app) == CONNECTION_OK, "%s", PQerrorMessage(app));
    long allocations = count_sql("SELECT count(*) FROM fund_allocation");
    PGresult *res = PQexec(app, "SELECT reno_op_forgetful()");
    const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    ck_assert_str_eq(code ? code : "", "42501");
    PQclear(res);
    PQfinish(app);
    ck_assert_int_eq(count_sql("SELECT count(*) FROM fund_allocation"), allocations);
}
END_TEST

/* ---- reads scoped by role ------------------------------------------------------------------ */

/* A generic read by its body (all list replies are `repeated ... items = 1`): the status
 * code, and the number of items in *items when it was answered. */
static Reno__StatusCode read_items(struct net_conn *c, Reno__Request__BodyCase body, void *msg,
                                   size_t *items, Reno__ServerMessage **keep)
{
    Reno__ServerMessage *m = h_call_body(c, body, msg);
    Reno__StatusCode code = h_code(m);
    *items = 0;
    if (code == RENO__STATUS_CODE__OK) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(&reno__response__descriptor, (unsigned)body);
        ck_assert_ptr_nonnull(f);
        const ProtobufCMessage *reply =
            *(ProtobufCMessage *const *)((const char *)m->response + f->offset);
        const ProtobufCFieldDescriptor *it =
            protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, "items");
        if (it)
            *items = *(const size_t *)((const char *)reply + it->quantifier_offset);
    }
    if (keep)
        *keep = m;
    else
        net_free(c, m);
    return code;
}

static void write_sql_ok(const char *sql)
{
    char state[6];
    h_sql_exec(h_db, sql, state);
    ck_assert_msg(state[0] == '\0', "%s: %s", sql, state);
}

START_TEST(reads_are_scoped_by_role_as_data)
{
    /* Line work of two utilities, a supervision item for each of two units, money. */
    struct net_conn *office = h_login(&h_srv, H_OFFICE);
    push_ok(office, h_project_id(h_db, 0), "2022-03-20", 100);
    net_close(office);
    long p0 = h_project_id(h_db, 0);
    char sql[1200];
    snprintf(sql, sizeof sql,
             "SELECT reno_op_record_line_work(a.id, decode(md5(u.code), 'hex'), sha256('x'), "
             "%ld, u.code, 'inside_red_line', 'trench', 1, '2022-03-01', '', 'in_progress') "
             "FROM account a, unit u WHERE a.username = '%s' AND u.code IN ('power-grid', "
             "'telecom')",
             p0, H_OFFICE);
    write_sql_ok(sql);
    snprintf(sql, sizeof sql,
             "SELECT reno_op_create_task(a.id, decode(md5('t' || u), 'hex'), sha256('x'), u, "
             "'item for ' || u, '', '2022-06-30', '工作方案', 0) FROM account a, "
             "unnest(ARRAY['power-grid', 'housing']) u WHERE a.username = '%s'",
             H_OFFICE);
    write_sql_ok(sql);
    snprintf(sql, sizeof sql,
             "SELECT reno_op_allocate_funds(a.id, decode(md5('f'), 'hex'), sha256('x'), %ld, "
             "'central_subsidy', 1000, '2022-01-10', '') FROM account a WHERE a.username = '%s'",
             p0, H_FINANCE);
    write_sql_ok(sql);

    struct net_conn *power = h_login(&h_srv, H_POWER);
    struct net_conn *leader = h_login(&h_srv, H_LEADER);
    size_t n;
    Reno__ListLedger ledger = RENO__LIST_LEDGER__INIT;
    Reno__ListAllocations allocations = RENO__LIST_ALLOCATIONS__INIT;
    Reno__ListPayments payments = RENO__LIST_PAYMENTS__INIT;
    /* The funds ledger: not for a utility; the leader reads it. */
    ck_assert_int_eq(read_items(power, RENO__REQUEST__BODY_LIST_LEDGER, &ledger, &n, NULL),
                     RENO__STATUS_CODE__PERMISSION_DENIED);
    ck_assert_int_eq(
        read_items(power, RENO__REQUEST__BODY_LIST_ALLOCATIONS, &allocations, &n, NULL),
        RENO__STATUS_CODE__PERMISSION_DENIED);
    ck_assert_int_eq(read_items(power, RENO__REQUEST__BODY_LIST_PAYMENTS, &payments, &n, NULL),
                     RENO__STATUS_CODE__PERMISSION_DENIED);
    ck_assert_int_eq(read_items(leader, RENO__REQUEST__BODY_LIST_LEDGER, &ledger, &n, NULL),
                     RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(n, 1);

    /* Line work: the utility's own only (five inside parts listed per utility). */
    Reno__ListLineWork lines = RENO__LIST_LINE_WORK__INIT;
    Reno__ServerMessage *m;
    ck_assert_int_eq(read_items(power, RENO__REQUEST__BODY_LIST_LINE_WORK, &lines, &n, &m),
                     RENO__STATUS_CODE__OK);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(m->response->list_line_work->items[i]->utility_code, "power-grid");
    net_free(power, m);
    size_t all_lines;
    ck_assert_int_eq(
        read_items(leader, RENO__REQUEST__BODY_LIST_LINE_WORK, &lines, &all_lines, NULL),
        RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(all_lines, 2 * n);

    /* Supervision items: those assigned to the utility. */
    Reno__ListTasks tasks = RENO__LIST_TASKS__INIT;
    ck_assert_int_eq(read_items(power, RENO__REQUEST__BODY_LIST_TASKS, &tasks, &n, &m),
                     RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(m->response->list_tasks->items[0]->unit_code, "power-grid");
    net_free(power, m);
    ck_assert_int_eq(read_items(leader, RENO__REQUEST__BODY_LIST_TASKS, &tasks, &n, NULL),
                     RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(n, 2);

    /* The audit log: the entries its own unit made, with their before and after. */
    Reno__ListAudit audit = RENO__LIST_AUDIT__INIT;
    audit.limit = 500;
    ck_assert_int_eq(read_items(power, RENO__REQUEST__BODY_LIST_AUDIT, &audit, &n, &m),
                     RENO__STATUS_CODE__OK);
    long own = count_sql("SELECT count(*) FROM audit_log l JOIN unit u ON u.id = l.unit_id "
                         "WHERE u.code = 'power-grid'");
    ck_assert_uint_eq(n, (size_t)own);
    net_free(power, m);
    size_t all_entries;
    ck_assert_int_eq(read_items(leader, RENO__REQUEST__BODY_LIST_AUDIT, &audit, &all_entries, NULL),
                     RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(all_entries, (size_t)count_sql("SELECT count(*) FROM audit_log"));
    ck_assert_uint_lt(n, all_entries);

    /* The consolidated status, as every unit reads it. */
    Reno__GetStatus status = RENO__GET_STATUS__INIT;
    m = h_call_body(power, RENO__REQUEST__BODY_GET_STATUS, &status);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(power, m);
    net_close(power);
    net_close(leader);
}
END_TEST

/* ---- the permission matrix ----------------------------------------------------------------- */

#define MATRIX_MAX_ACCOUNTS 64

/* Every row of every table of the schema, and the audit log's last id: a write that
 * changed anything changes one of them (every write appends to the audit log). */
static void fingerprint(PGconn *pg, char out[128])
{
    PGresult *res = PQexec(
        pg, "SELECT (SELECT COALESCE(max(id), 0) FROM audit_log) || ':' || sum((xpath('/row/c/"
            "text()', query_to_xml(format('SELECT count(*) AS c FROM %I', c.relname), false, "
            "true, '')))[1]::text::bigint) FROM pg_class c WHERE c.relnamespace = "
            "'public'::regnamespace AND c.relkind = 'r'");
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    snprintf(out, 128, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

static long pg_long(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
                  PQresultErrorMessage(res));
    long v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

/* The targets of the matrix: things that belong to another unit than any test account's.
 * Project 1 has one responsible unit, the water company (which has no account); the
 * supervision item is assigned to it; the contract and the allocation are project 1's. */
struct targets {
    long project, task, contract, allocation, item;
};

/* Fills a write request's fields by name and type, aimed at the targets: well-formed
 * enough that the operation reaches its rights check (a report's subject is a date, the
 * first value of each enum), so a refusal is the rights' and not the form's. */
static void fill_write(ProtobufCMessage *msg, const struct targets *t, uint8_t key[16])
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *at = (char *)msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        const char *n = f->name;
        size_t len = strlen(n);
        bool ends_on = len > 3 && strcmp(n + len - 3, "_on") == 0;
        switch (f->type) {
        case PROTOBUF_C_TYPE_BYTES:
            randombytes_buf(key, 16);
            ((ProtobufCBinaryData *)at)->data = key;
            ((ProtobufCBinaryData *)at)->len = 16;
            break;
        case PROTOBUF_C_TYPE_INT64:
            *(int64_t *)at = strcmp(n, "project_id") == 0      ? t->project
                             : strcmp(n, "task_id") == 0       ? t->task
                             : strcmp(n, "contract_id") == 0   ? t->contract
                             : strcmp(n, "allocation_id") == 0 ? t->allocation
                             : strcmp(n, "item_id") == 0       ? t->item
                             : strcmp(n, "meeting_id") == 0    ? 0
                                                               : 1;
            break;
        case PROTOBUF_C_TYPE_INT32:
            *(int32_t *)at = 1;
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            *(double *)at = 1.0;
            break;
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *e = f->descriptor;
            /* A utility's own part of the line work, so that the government's right
             * (lines.government) does not cover it. */
            *(int *)at = strcmp(n, "part") == 0 ? RENO__LINE_PART__LINE_PART_LAY_LINES
                         : e->n_values > 1      ? e->values[1].value
                                                : 0;
            break;
        }
        case PROTOBUF_C_TYPE_STRING:
            if (strstr(n, "unit_code") || strcmp(n, "utility_code") == 0)
                *(const char **)at = "water-company";
            else if (ends_on || strstr(n, "date") || strstr(n, "deadline") ||
                     strcmp(n, "subject") == 0)
                *(const char **)at = "2022-05-14";
            else
                *(const char **)at = "x";
            break;
        default:
            break;
        }
    }
}

/* The right a write operation's function requires, read from its own source: the single
 * reno_require() (or, failing that, the single reno_has_right()) it calls. "" when the
 * right depends on the target (responsibility for a project, an item's unit, a utility's
 * own line work): then every account but the office's must be refused, the targets being
 * another unit's. */
static void op_right(PGconn *pg, const char *op, char right[64])
{
    char sql[900];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE((regexp_match(prosrc, 'reno_require\\(p_account, ''([a-z_.*]+)''"
             "\\)'))[1], CASE WHEN (SELECT count(*) FROM regexp_matches(prosrc, "
             "'reno_has_right\\(p_account, ', 'g')) = 1 THEN (regexp_match(prosrc, "
             "'reno_has_right\\(p_account, ''([a-z_.*]+)''\\)'))[1] END, '') FROM pg_proc "
             "WHERE proname IN ('reno_op_%s', 'reno_%s', 'reno_report_store') "
             "ORDER BY proname = 'reno_report_store', proname LIMIT 1",
             op, op);
    PGresult *res = PQexec(pg, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    snprintf(right, 64, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
}

static struct net_conn *login_as(const char *username, const char *password)
{
    struct net_conn *c = h_connect(&h_srv);
    Reno__Login login = RENO__LOGIN__INIT;
    login.username = (char *)username;
    login.password = (char *)password;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &login);
    ck_assert_msg(h_code(m) == RENO__STATUS_CODE__OK, "login %s", username);
    net_free(c, m);
    return c;
}

START_TEST(permission_matrix_every_unit_every_write_and_read)
{
    char sql[1200];
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "dbname=%s", h_db);
    PGconn *pg = PQconnectdb(conninfo);
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "%s", PQerrorMessage(pg));

    /* An account for every unit that has none, with the office's password hash (so the
     * office's test password), its role from the unit's kind, as scripts/demo does. */
    write_sql_ok("INSERT INTO account (username, password_hash, unit_id, role) "
                 "SELECT 'm-' || u.code, (SELECT password_hash FROM account WHERE username = "
                 "'office'), u.id, CASE u.kind WHEN 'office' THEN 'office' WHEN 'utility' THEN "
                 "'utility' WHEN 'leadership' THEN 'leader' ELSE 'department' END FROM unit u "
                 "WHERE u.code <> 'water-company' AND NOT EXISTS (SELECT 1 FROM account a "
                 "WHERE a.unit_id = u.id)");
    struct targets t = {.project = h_project_id(h_db, 1)};
    snprintf(sql, sizeof sql,
             "DELETE FROM project_unit WHERE project_id = %ld; INSERT INTO project_unit "
             "(project_id, unit_id) SELECT %ld, id FROM unit WHERE code = 'water-company'",
             t.project, t.project);
    write_sql_ok(sql);
    snprintf(sql, sizeof sql,
             "SELECT r.id FROM account a, reno_op_create_task(a.id, decode(md5('t'), 'hex'), "
             "sha256('x'), 'water-company', 'an item', '', '2022-06-30', '工作方案', 0) r "
             "WHERE a.username = '%s'",
             H_OFFICE);
    t.task = pg_long(pg, sql);
    snprintf(sql, sizeof sql,
             "SELECT r.id FROM account a, reno_op_add_contract(a.id, decode(md5('c'), 'hex'), "
             "sha256('x'), %ld, 'construction', 'a builder', '2022-03-01', 100000, 'open') r "
             "WHERE a.username = '%s'",
             t.project, H_OFFICE);
    t.contract = pg_long(pg, sql);
    snprintf(sql, sizeof sql,
             "SELECT r.id FROM account a, reno_op_allocate_funds(a.id, decode(md5('f'), "
             "'hex'), sha256('x'), %ld, 'central_subsidy', 1000, '2022-01-10', '') r "
             "WHERE a.username = '%s'",
             t.project, H_FINANCE);
    t.allocation = pg_long(pg, sql);
    snprintf(sql, sizeof sql,
             "SELECT r.id FROM account a, reno_op_add_project_item(a.id, decode(md5('i'), "
             "'hex'), sha256('x'), %ld, 'roof', 'water-company', 1, 'm2', 0, '') r "
             "WHERE a.username = '%s'",
             t.project, H_OFFICE);
    t.item = pg_long(pg, sql);

    PGresult *acc = PQexec(pg, "SELECT a.username, u.code, a.role, a.id FROM account a JOIN "
                               "unit u ON u.id = a.unit_id ORDER BY a.role <> 'office', a.role, "
                               "u.id");
    ck_assert(PQresultStatus(acc) == PGRES_TUPLES_OK);
    int naccounts = PQntuples(acc);
    ck_assert_int_le(naccounts, MATRIX_MAX_ACCOUNTS);

    long total_writes = 0, total_refused = 0, total_denied = 0, total_changed = 0;
    long total_reads = 0, total_read_denied = 0;
    printf("\npermission matrix: each account sends every write aimed at another unit's "
           "target, and every read\n");
    printf("%-26s %-10s %6s %7s %6s %7s %7s | %5s %6s  %s\n", "account (unit)", "role", "writes",
           "refused", "denied", "changed", "allowed", "reads", "denied", "reads refused");
    for (int a = 0; a < naccounts; a++) {
        const char *username = PQgetvalue(acc, a, 0), *role = PQgetvalue(acc, a, 2);
        bool office = strcmp(role, "office") == 0;
        char password[128];
        snprintf(password, sizeof password, "%s-test-password",
                 strncmp(username, "m-", 2) == 0 ? H_OFFICE : username);
        struct net_conn *c = login_as(username, password);

        int writes = 0, refused = 0, denied = 0, changed = 0, allowed = 0;
        int reads = 0, read_denied = 0;
        char refused_reads[400] = "";
        const ProtobufCMessageDescriptor *rd = &reno__request__descriptor;
        for (unsigned i = 0; i < rd->n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &rd->fields[i];
            if (f->type != PROTOBUF_C_TYPE_MESSAGE || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
                continue;
            const ProtobufCMessageDescriptor *md = f->descriptor;
            bool is_write =
                protobuf_c_message_descriptor_get_field_by_name(md, "idempotency_key") != NULL;
            bool is_read = strncmp(f->name, "list_", 5) == 0 || strncmp(f->name, "get_", 4) == 0;
            if (!is_write && !is_read)
                continue; /* hello, login, resume, logout, ping, watch */
            ProtobufCMessage *msg = calloc(1, md->sizeof_message);
            protobuf_c_message_init(md, msg);
            uint8_t key[16];
            Reno__Request req = RENO__REQUEST__INIT;
            req.body_case = (Reno__Request__BodyCase)f->id;
            *(ProtobufCMessage **)((char *)&req + f->offset) = msg;
            if (is_write) {
                fill_write(msg, &t, key);
                /* Issuing is the write; a preview is a read that any unit reading the
                 * whole programme may do (schema/functions/reports.sql). */
                if (req.body_case == RENO__REQUEST__BODY_ISSUE_REPORT)
                    ((Reno__IssueReport *)msg)->issue = true;
                char right[64];
                op_right(pg, f->name, right);
                /* With no right to name, only the office may (the targets are others'). */
                snprintf(sql, sizeof sql, "SELECT (%s OR reno_has_right(%s, '%s'))::int",
                         office ? "true" : "false", PQgetvalue(acc, a, 3), right[0] ? right : "*");
                bool may = pg_long(pg, sql) == 1;
                char before[128], after[128];
                fingerprint(pg, before);
                Reno__ServerMessage *m = h_call(c, &req);
                Reno__StatusCode code = h_code(m);
                net_free(c, m);
                fingerprint(pg, after);
                writes++;
                if (may) {
                    allowed++;
                } else {
                    ck_assert_msg(code == RENO__STATUS_CODE__PERMISSION_DENIED,
                                  "%s may not %s (right '%s') but was answered %d", username,
                                  f->name, right, (int)code);
                    ck_assert_msg(strcmp(before, after) == 0, "%s %s refused but changed %s -> %s",
                                  username, f->name, before, after);
                    refused++;
                    denied += code == RENO__STATUS_CODE__PERMISSION_DENIED;
                    changed += strcmp(before, after) != 0;
                }
            } else {
                size_t n;
                Reno__StatusCode code = read_items(c, req.body_case, msg, &n, NULL);
                reads++;
                if (code == RENO__STATUS_CODE__PERMISSION_DENIED) {
                    read_denied++;
                    size_t used = strlen(refused_reads);
                    snprintf(refused_reads + used, sizeof refused_reads - used, "%s%s",
                             used ? " " : "", f->name);
                }
            }
            free(msg);
        }
        net_close(c);
        char who[64];
        snprintf(who, sizeof who, "%s (%s)", username, PQgetvalue(acc, a, 1));
        printf("%-26.26s %-10s %6d %7d %6d %7d %7d | %5d %6d  %s\n", who, role, writes, refused,
               denied, changed, allowed, reads, read_denied, refused_reads);
        total_writes += writes;
        total_refused += refused;
        total_denied += denied;
        total_changed += changed;
        total_reads += reads;
        total_read_denied += read_denied;
        /* Reads as data: a utility is refused the funds ledger, the contracts' payment
         * terms and the special-fund applications, and nothing else; the accounts and their
         * failed logins (right accounts.manage) are the office's. */
        const char *admin = strcmp(role, "office") == 0 ? "" : "list_accounts list_lockouts";
        if (strcmp(role, "utility") == 0) {
            char expected[200];
            snprintf(expected, sizeof expected,
                     "list_allocations list_ledger list_payments %s list_payment_terms "
                     "list_fund_applications",
                     admin);
            ck_assert_str_eq(refused_reads, expected);
        } else {
            ck_assert_str_eq(refused_reads, admin);
        }
    }
    printf("%-26s %-10s %6ld %7ld %6ld %7ld %7ld | %5ld %6ld\n", "total", "", total_writes,
           total_refused, total_denied, total_changed, total_writes - total_refused, total_reads,
           total_read_denied);
    fflush(stdout);
    PQclear(acc);
    PQfinish(pg);
    ck_assert_int_gt(total_refused, 0);
    ck_assert_int_eq(total_changed, 0);
}
END_TEST

/* ---- one permission question ----------------------------------------------------------------- */

static long may(const char *username, const char *right, const char *project, const char *unit)
{
    return count_sql("SELECT reno_may(a.id, '%s', %s, %s)::int FROM account a WHERE a.username = "
                     "'%s'",
                     right, project, unit, username);
}

START_TEST(one_permission_question_decides_reads_and_writes)
{
    char p0[32];
    snprintf(p0, sizeof p0, "%ld", h_project_id(h_db, 0));
    const char *housing = "(SELECT id FROM unit WHERE code = 'housing')";
    /* The old names ask reno_may and nothing else. */
    ck_assert_int_eq(count_sql("SELECT count(*) FROM pg_proc WHERE proname IN ('reno_require', "
                               "'reno_has_right', 'reno_may_push_progress', 'reno_sup_acts_for', "
                               "'reno_read_scope') AND prosrc NOT LIKE '%%reno_may(%%'"),
                     0);
    /* Rights as data, the office's '*' included. */
    ck_assert_int_eq(may(H_FINANCE, "funds.write", "NULL", "NULL"), 1);
    ck_assert_int_eq(may(H_HOUSING, "funds.write", "NULL", "NULL"), 0);
    ck_assert_int_eq(may(H_OFFICE, "funds.write", "NULL", "NULL"), 1);
    /* Responsibility for a project: the units named, the office, never a leader. */
    ck_assert_int_eq(may(H_POWER, "progress.write", p0, "NULL"), 1);
    ck_assert_int_eq(may(H_FINANCE, "progress.write", p0, "NULL"), 0);
    ck_assert_int_eq(may(H_LEADER, "progress.write", p0, "NULL"), 0);
    ck_assert_int_eq(may(H_OFFICE, "progress.write", p0, "NULL"), 1);
    /* A unit's own word: its own accounts only, the office's '*' not on its behalf. */
    ck_assert_int_eq(may(H_HOUSING, "unit.act", "NULL", housing), 1);
    ck_assert_int_eq(may(H_OFFICE, "unit.act", "NULL", housing), 0);
    ck_assert_int_eq(may(H_FINANCE, "unit.act", "NULL", housing), 0);
    /* Reads: the whole programme, or one's own part. */
    ck_assert_int_eq(may(H_LEADER, "funds.read", "NULL", "NULL"), 1);
    ck_assert_int_eq(may(H_POWER, "funds.read", "NULL", "NULL"), 0);
    ck_assert_int_eq(may(H_POWER, "lines.read_own", "NULL", housing), 0);
    ck_assert_int_eq(
        may(H_POWER, "lines.read_own", "NULL", "(SELECT id FROM unit WHERE code = 'power-grid')"),
        1);
    /* A disabled account may nothing, '*' or not. */
    char state[6];
    h_sql_exec(h_db, "UPDATE account SET disabled = true WHERE username IN ('finance', 'office')",
               state);
    ck_assert_str_eq(state, "");
    ck_assert_int_eq(may(H_FINANCE, "funds.write", "NULL", "NULL"), 0);
    ck_assert_int_eq(may(H_OFFICE, "funds.write", "NULL", "NULL"), 0);

    /* A leader's PushProgress goes to the database, which refuses it: nothing stored. */
    struct net_conn *c = h_login(&h_srv, H_LEADER);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-03-20", 10, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__PERMISSION_DENIED);
    net_free(c, m);
    net_close(c);
    ck_assert_int_eq(count_sql("SELECT count(*) FROM progress_report"), 0);
}
END_TEST

Suite *it_privilege_suite(void)
{
    Suite *s = suite_create("it_privilege");
    TCase *tc = tcase_create("privilege");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, renod_serves_as_a_role_that_owns_nothing_and_writes_no_table);
    tcase_add_test(tc, audit_verify_names_a_record_rewritten_behind_the_triggers);
    tcase_add_test(tc, audit_verify_notices_records_removed_from_the_end);
    tcase_add_test(tc, row_security_refuses_what_a_forgetful_function_would_write);
    tcase_add_test(tc, reads_are_scoped_by_role_as_data);
    tcase_add_test(tc, permission_matrix_every_unit_every_write_and_read);
    tcase_add_test(tc, one_permission_question_decides_reads_and_writes);
    suite_add_tcase(s, tc);
    return s;
}
