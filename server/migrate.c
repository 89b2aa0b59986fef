/*
 * Migrations and seeds. See migrate.h.
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

int migrate_apply(PGconn *pg)
{
    /* 7420001 is reno's advisory-lock key for migrations: any constant shared by all
     * renod processes would do. */
    if (exec_ok(pg, "SET client_min_messages = warning", "settings") != 0 ||
        exec_ok(pg, "SELECT pg_advisory_lock(7420001)", "lock") != 0)
        return -1;
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
    exec_ok(pg, "SELECT pg_advisory_unlock(7420001)", "unlock");
    if (rc == 0)
        printf("schema is up to date (%d migration%s applied now)\n", applied_count,
               applied_count == 1 ? "" : "s");
    return rc;
}

int migrate_seed(PGconn *pg, const char *name)
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
    if (exec_ok(pg, "BEGIN", "begin") != 0)
        return -1;
    if (exec_ok(pg, seed->text, seed->name) != 0) {
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
