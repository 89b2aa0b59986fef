/*
 * Migrations, seeds and the database roles they run as. See migrate.h.
 *
 * `renod migrate` connects as an operator (a superuser, or a role that may create roles
 * and owns the database), makes sure the owner and serving roles exist, hands any object
 * in the schema that is not yet the owner's to it (databases migrated before the roles
 * existed), then switches to the owner with SET ROLE: every migration runs as the owner,
 * so everything it creates is the owner's. Then the re-runnable function files of
 * schema/functions. Last, reno_grant_runtime() (0012) gives the serving role what it
 * needs, again on every run, so later migrations are covered.
 */
#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sql_embed.h"

static int exec_ok(PGconn *pg, const char *sql, const char *what)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc != 0)
        log_error("%s: %s", what, PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

static int is_applied(PGconn *pg, const char *name, int *applied)
{
    const char *params[] = {name};
    PGresult *res = PQexecParams(pg, "SELECT 1 FROM schema_migration WHERE name = $1", 1, NULL,
                                 params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("reading schema_migration: %s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    *applied = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

static int apply_one(PGconn *pg, const struct sql_file *m)
{
    if (exec_ok(pg, "BEGIN", "begin") != 0)
        return -1;
    if (exec_ok(pg, m->text, m->name) != 0)
        goto fail;
    const char *params[] = {m->name};
    PGresult *res = PQexecParams(pg, "INSERT INTO schema_migration (name) VALUES ($1)", 1, NULL,
                                 params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        log_error("recording %s: %s", m->name, PQresultErrorMessage(res));
    PQclear(res);
    if (!ok)
        goto fail;
    if (exec_ok(pg, "COMMIT", "commit") != 0)
        return -1;
    printf("applied %s\n", m->name);
    return 0;
fail:
    exec_ok(pg, "ROLLBACK", "rollback");
    return -1;
}

/* Runs a statement with one text parameter; the first value of the first row is copied
 * into out (empty when there is no row). */
static int query_one(PGconn *pg, const char *sql, const char *param, char *out, size_t out_size,
                     const char *what)
{
    const char *params[] = {param};
    PGresult *res = PQexecParams(pg, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        log_error("%s: %s", what, PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    snprintf(out, out_size, "%s",
             st == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return 0;
}

/* Runs "<prefix> <role as an identifier><suffix>". */
static int exec_role(PGconn *pg, const char *prefix, const char *role, const char *suffix)
{
    char *ident = PQescapeIdentifier(pg, role, strlen(role));
    if (ident == NULL) {
        log_error("role name %s: %s", role, PQerrorMessage(pg));
        return -1;
    }
    char sql[512];
    snprintf(sql, sizeof sql, "%s %s%s", prefix, ident, suffix);
    PQfreemem(ident);
    return exec_ok(pg, sql, sql);
}

/* Objects of the schema not yet the owner's become the owner's: a database migrated before
 * the roles existed (as the connecting operator) is brought under the owner this way.
 * Sequences and row types that belong to a table move with it. */
static const char take_ownership_sql[] =
    "DO $$ DECLARE"
    "  v_owner name := current_setting('reno.owner_role');"
    "  r record;"
    " BEGIN"
    "  FOR r IN"
    "   SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'v' THEN 'VIEW'"
    "                 WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'"
    "                 ELSE 'TABLE' END, c.oid::regclass, v_owner) AS sql"
    "     FROM pg_class c"
    "    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
    "      AND c.relowner <> v_owner::regrole"
    "      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d"
    "               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
    "                 AND d.deptype IN ('a', 'i')))"
    "   UNION ALL"
    "   SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, v_owner)"
    "     FROM pg_proc p"
    "    WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> v_owner::regrole"
    "   UNION ALL"
    "   SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN'"
    "                 ELSE 'TYPE' END, t.oid::regtype, v_owner)"
    "     FROM pg_type t"
    "    WHERE t.typnamespace = 'public'::regnamespace AND t.typowner <> v_owner::regrole"
    "      AND (t.typtype IN ('d', 'e') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c"
    "                                                    WHERE c.oid = t.typrelid) = 'c'))"
    "  LOOP"
    "   EXECUTE r.sql;"
    "  END LOOP;"
    " END $$";

static int ensure_role(PGconn *pg, const char *role, const char *options)
{
    char found[8];
    if (query_one(pg, "SELECT 1 FROM pg_roles WHERE rolname = $1", role, found, sizeof found,
                  "looking up the database roles") != 0)
        return -1;
    if (found[0] != '\0')
        return 0;
    if (exec_role(pg, "CREATE ROLE", role, options) != 0) {
        log_error("cannot create database role %s: create it as a superuser (see README, "
                  "deployment) or run renod migrate as a role that may",
                  role);
        return -1;
    }
    printf("created database role %s\n", role);
    return 0;
}

int migrate_roles(PGconn *pg, const char *owner_role, const char *app_role)
{
    if (strcmp(owner_role, app_role) == 0) {
        log_error("db_owner_role and db_app_role must differ (both are %s)", owner_role);
        return -1;
    }
    if (ensure_role(pg, owner_role, " NOLOGIN") != 0 || ensure_role(pg, app_role, " LOGIN") != 0)
        return -1;
    char yes[8];
    if (query_one(pg, "SELECT pg_has_role(current_user, $1, 'MEMBER')::text", owner_role, yes,
                  sizeof yes, "checking the owner role") != 0)
        return -1;
    if (strcmp(yes, "true") != 0 && exec_role(pg, "GRANT", owner_role, " TO CURRENT_USER") != 0)
        return -1;
    if (query_one(pg, "SELECT has_schema_privilege($1, 'public', 'CREATE')::text", owner_role, yes,
                  sizeof yes, "checking the schema") != 0)
        return -1;
    if (strcmp(yes, "true") != 0 &&
        exec_role(pg, "GRANT USAGE, CREATE ON SCHEMA public TO", owner_role, "") != 0)
        return -1;
    if (query_one(pg, "SELECT has_schema_privilege($1, 'public', 'USAGE')::text", app_role, yes,
                  sizeof yes, "checking the schema") != 0)
        return -1;
    if (strcmp(yes, "true") != 0 &&
        exec_role(pg, "GRANT USAGE ON SCHEMA public TO", app_role, "") != 0)
        return -1;
    if (query_one(pg, "SELECT set_config('reno.owner_role', $1, false)", owner_role, yes,
                  sizeof yes, "settings") != 0 ||
        exec_ok(pg, take_ownership_sql, "giving the schema's objects to the owner role") != 0)
        return -1;
    return exec_role(pg, "SET ROLE", owner_role, "");
}

/* The files of schema/functions, every run, in one transaction: function bodies that
 * change (CREATE OR REPLACE only) live there rather than in a new migration each time. */
static int apply_functions(PGconn *pg, int *count)
{
    if (sql_functions[0].name == NULL)
        return 0;
    if (exec_ok(pg, "BEGIN", "begin") != 0)
        return -1;
    for (const struct sql_file *f = sql_functions; f->name; f++) {
        if (exec_ok(pg, f->text, f->name) != 0) {
            exec_ok(pg, "ROLLBACK", "rollback");
            return -1;
        }
        (*count)++;
    }
    return exec_ok(pg, "COMMIT", "commit");
}

int migrate_apply(PGconn *pg, const char *owner_role, const char *app_role)
{
    /* 7420001 is reno's advisory-lock key for migrations: any constant shared by all
     * renod processes would do. */
    if (exec_ok(pg, "SET client_min_messages = warning", "settings") != 0 ||
        exec_ok(pg, "SELECT pg_advisory_lock(7420001)", "lock") != 0)
        return -1;
    if (migrate_roles(pg, owner_role, app_role) != 0) {
        exec_ok(pg, "SELECT pg_advisory_unlock(7420001)", "unlock");
        return -1;
    }
    int rc = exec_ok(pg,
                     "CREATE TABLE IF NOT EXISTS schema_migration ("
                     " name text PRIMARY KEY,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     "creating schema_migration");
    int applied_count = 0;
    for (const struct sql_file *m = sql_migrations; rc == 0 && m->name; m++) {
        int applied = 0;
        rc = is_applied(pg, m->name, &applied);
        if (rc == 0 && !applied) {
            rc = apply_one(pg, m);
            applied_count += rc == 0;
        }
    }
    int functions = 0;
    if (rc == 0)
        rc = apply_functions(pg, &functions);
    char granted[32] = "";
    if (rc == 0)
        rc = query_one(pg,
                       "SELECT CASE WHEN to_regproc('reno_grant_runtime') IS NOT NULL"
                       " THEN reno_grant_runtime($1)::text END",
                       app_role, granted, sizeof granted, "granting the serving role");
    exec_ok(pg, "RESET ROLE", "reset role");
    exec_ok(pg, "SELECT pg_advisory_unlock(7420001)", "unlock");
    if (rc == 0)
        printf("schema is up to date (%d migration%s applied now, %d function file%s); role "
               "%s may call %s functions\n",
               applied_count, applied_count == 1 ? "" : "s", functions, functions == 1 ? "" : "s",
               app_role, granted[0] ? granted : "no");
    return rc;
}

int migrate_seed(PGconn *pg, const char *owner_role, const char *name)
{
    const struct sql_file *seed = NULL;
    for (const struct sql_file *s = sql_seeds; s->name; s++)
        if (strcmp(s->name, name) == 0)
            seed = s;
    if (seed == NULL) {
        log_error("no seed named '%s' (try `renod seed --list`)", name);
        return -1;
    }
    const char *params[] = {name};
    PGresult *res =
        PQexecParams(pg, "SELECT 1 FROM programme WHERE code = $1", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("checking for programme %s: %s (run `renod migrate` first?)", name,
                  PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    int exists = PQntuples(res) > 0;
    PQclear(res);
    if (exists) {
        printf("programme %s is already loaded; nothing to do\n", name);
        return 0;
    }
    /* As the owner, as the migrations: what the seed creates is the owner's. */
    if (exec_ok(pg, "BEGIN", "begin") != 0)
        return -1;
    if (exec_role(pg, "SET LOCAL ROLE", owner_role, "") != 0 ||
        exec_ok(pg, seed->text, seed->name) != 0) {
        exec_ok(pg, "ROLLBACK", "rollback");
        return -1;
    }
    if (exec_ok(pg, "COMMIT", "commit") != 0)
        return -1;
    printf("loaded programme %s\n", name);
    return 0;
}

void migrate_list_seeds(void)
{
    for (const struct sql_file *s = sql_seeds; s->name; s++)
        printf("%s\n", s->name);
}
