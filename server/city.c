/*
 * County → city set-up commands. See city.h.
 *
 * The county publishes one publication, reno_county, listing the tables of
 * replicated_table (0018_city.sql); the city holds one subscription per county, named
 * reno_<NAME>, whose replication slot on the county has the same name. The SQL that
 * decides ranges, guards and triggers is in the migration; this file runs the statements
 * PostgreSQL does not allow inside a function (CREATE SUBSCRIPTION) and talks to the
 * county's database to check, before subscribing, that it publishes and whose it is.
 */
#include "city.h"

#include <libpq-fe.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PUBLICATION "reno_county"

const char city_usage[] =
    "  site CODE                  give this database its jurisdiction (administrative\n"
    "                             division code, e.g. 520425) and draw its ids from that\n"
    "                             code's range; before the programme's seed is loaded\n"
    "  publish [--to ROLE]        (a county) publish the tables the city needs; ROLE, the\n"
    "                             city's replication login, may then read them\n"
    "  subscribe NAME CONNINFO    (a city) subscribe to a county's publication; again after\n"
    "                             a migration, to pick up new tables\n"
    "  unsubscribe NAME [--purge] (a city) drop the subscription; --purge also deletes the\n"
    "                             county's rows at the city\n";

static PGconn *connect_to(const char *conninfo, const char *what)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        log_error("cannot connect to %s: %s", what, PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* Runs a statement; on success copies the first value (if any and out is given). */
static int run(PGconn *pg, const char *sql, int nparams, const char *const *params, char *out,
               size_t out_size)
{
    PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        log_error("%s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    if (out) {
        const char *v = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "";
        snprintf(out, out_size, "%s", v);
    }
    PQclear(res);
    return 0;
}

static bool matches(const char *text, const char *pattern)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static int site_set(PGconn *pg, const char *code)
{
    if (!matches(code, "^[1-9][0-9]{5}$")) {
        fprintf(stderr, "renod site: CODE is a six-digit administrative division code\n");
        return 2;
    }
    char name[256];
    const char *params[] = {code};
    if (run(pg, "SELECT reno_site_set($1::integer)", 1, params, name, sizeof name) != 0)
        return 1;
    printf("this database serves %s %s; its ids are drawn from %s000000000000 on\n", code, name,
           code);
    return 0;
}

/* The site's code, or "" when it has none (and a message said so). */
static int site_code(PGconn *pg, char code[16], const char *command)
{
    if (run(pg, "SELECT reno_site_code()", 0, NULL, code, 16) != 0)
        return -1;
    if (code[0] == '\0') {
        log_error("renod %s: this database has no jurisdiction yet: run `renod site CODE` "
                  "first (before the programme's seed)",
                  command);
        return -1;
    }
    return 0;
}

static int publish(PGconn *pg, const char *to_role)
{
    char wal_level[32], code[16], tables[8192], exists[8];
    if (run(pg, "SHOW wal_level", 0, NULL, wal_level, sizeof wal_level) != 0)
        return 1;
    if (strcmp(wal_level, "logical") != 0) {
        log_error("renod publish: wal_level is %s; set wal_level = logical in postgresql.conf "
                  "and restart PostgreSQL",
                  wal_level);
        return 1;
    }
    if (site_code(pg, code, "publish") != 0)
        return 1;
    if (run(pg, "SELECT reno_publication_tables()", 0, NULL, tables, sizeof tables) != 0 ||
        run(pg, "SELECT count(*) FROM pg_publication WHERE pubname = '" PUBLICATION "'", 0, NULL,
            exists, sizeof exists) != 0)
        return 1;
    /* The table names come from replicated_table, checked against the catalogue by
     * format('%I') in reno_publication_tables(); nothing here comes from the command line. */
    char sql[8400];
    snprintf(sql, sizeof sql, "%s PUBLICATION " PUBLICATION " %s TABLE %s",
             strcmp(exists, "0") == 0 ? "CREATE" : "ALTER",
             strcmp(exists, "0") == 0 ? "FOR" : "SET", tables);
    if (run(pg, sql, 0, NULL, NULL, 0) != 0)
        return 1;
    if (to_role) {
        char *role = PQescapeIdentifier(pg, to_role, strlen(to_role));
        if (role == NULL)
            return 1;
        snprintf(sql, sizeof sql, "GRANT SELECT ON TABLE %s TO %s", tables, role);
        PQfreemem(role);
        if (run(pg, sql, 0, NULL, NULL, 0) != 0)
            return 1;
    }
    printf("publication %s of jurisdiction %s: %s\n", PUBLICATION, code, tables);
    return 0;
}

static bool valid_name(const char *name)
{
    return matches(name, "^[a-z0-9][a-z0-9_]{0,39}$");
}

static int subscribe(PGconn *pg, const char *name, const char *conninfo)
{
    if (!valid_name(name)) {
        fprintf(stderr, "renod subscribe: NAME is 1-40 of a-z, 0-9 and _ (e.g. ziyun)\n");
        return 2;
    }
    char city[16], level[16];
    if (site_code(pg, city, "subscribe") != 0)
        return 1;
    const char *city_params[] = {city};
    if (run(pg, "SELECT level FROM jurisdiction WHERE code = $1::integer", 1, city_params, level,
            sizeof level) != 0)
        return 1;
    if (strcmp(level, "county") == 0) {
        log_error("renod subscribe: this database serves a county (%s); counties publish, "
                  "cities subscribe",
                  city);
        return 1;
    }
    /* Ask the county who it is and whether it publishes, before anything changes here. */
    PGconn *county = connect_to(conninfo, "the county's database");
    if (county == NULL)
        return 1;
    char code[16], published[8];
    int rc =
        site_code(county, code, "subscribe (the county's database)") == 0 &&
                run(county, "SELECT count(*) FROM pg_publication WHERE pubname = '" PUBLICATION "'",
                    0, NULL, published, sizeof published) == 0
            ? 0
            : -1;
    PQfinish(county);
    if (rc != 0)
        return 1;
    if (strcmp(published, "0") == 0) {
        log_error("the county's database does not publish yet: run `renod publish` there first");
        return 1;
    }
    char parent[16];
    const char *county_params[] = {code};
    if (run(pg, "SELECT parent_code FROM jurisdiction WHERE code = $1::integer", 1, county_params,
            parent, sizeof parent) != 0)
        return 1;
    if (strcmp(parent, city) != 0) {
        log_error("the county's jurisdiction %s is not under this city's (%s) in the table "
                  "jurisdiction",
                  code, city);
        return 1;
    }
    const char *link_params[] = {name, code};
    char linked[16];
    if (run(pg,
            "INSERT INTO county_link (name, jurisdiction_code) VALUES ($1, $2::integer) "
            "ON CONFLICT DO NOTHING",
            2, link_params, NULL, 0) != 0 ||
        run(pg, "SELECT jurisdiction_code FROM county_link WHERE name = $1", 1, link_params, linked,
            sizeof linked) != 0)
        return 1;
    if (strcmp(linked, code) != 0) {
        log_error("the name %s is taken by jurisdiction %s (or %s has another name): "
                  "`renod unsubscribe` it first",
                  name, linked[0] ? linked : "?", code);
        return 1;
    }
    char installed[16], exists[8];
    if (run(pg, "SELECT reno_city_install()", 0, NULL, installed, sizeof installed) != 0 ||
        run(pg, "SELECT count(*) FROM pg_subscription WHERE subname = 'reno_' || $1", 1,
            link_params, exists, sizeof exists) != 0)
        return 1;
    char *literal = PQescapeLiteral(pg, conninfo, strlen(conninfo));
    if (literal == NULL)
        return 1;
    /* The name passed valid_name(): it needs no quoting. CREATE SUBSCRIPTION also creates
     * the slot on the county and copies the rows already there, then streams changes. */
    char sql[2400];
    if (strcmp(exists, "0") == 0) {
        snprintf(sql, sizeof sql,
                 "CREATE SUBSCRIPTION reno_%s CONNECTION %s PUBLICATION " PUBLICATION, name,
                 literal);
        rc = run(pg, sql, 0, NULL, NULL, 0);
    } else {
        snprintf(sql, sizeof sql, "ALTER SUBSCRIPTION reno_%s CONNECTION %s", name, literal);
        rc = run(pg, sql, 0, NULL, NULL, 0);
        snprintf(sql, sizeof sql, "ALTER SUBSCRIPTION reno_%s REFRESH PUBLICATION", name);
        if (rc == 0)
            rc = run(pg, sql, 0, NULL, NULL, 0);
    }
    PQfreemem(literal);
    if (rc != 0)
        return 1;
    printf("subscription reno_%s to jurisdiction %s: %s\n", name, code,
           strcmp(exists, "0") == 0 ? "created" : "brought up to date");
    return 0;
}

static int unsubscribe(PGconn *pg, const char *name, bool purge)
{
    if (!valid_name(name)) {
        fprintf(stderr, "renod unsubscribe: NAME is 1-40 of a-z, 0-9 and _\n");
        return 2;
    }
    char sql[400], code[16];
    const char *params[] = {name};
    if (run(pg, "SELECT jurisdiction_code FROM county_link WHERE name = $1", 1, params, code,
            sizeof code) != 0)
        return 1;
    snprintf(sql, sizeof sql, "DROP SUBSCRIPTION IF EXISTS reno_%s", name);
    if (run(pg, sql, 0, NULL, NULL, 0) != 0) {
        /* The county cannot be reached to drop its slot: let the subscription go without
         * it, and say what is left to do on the county. */
        log_warn("the county's slot could not be dropped; dropping the subscription alone");
        snprintf(sql, sizeof sql, "ALTER SUBSCRIPTION reno_%s DISABLE", name);
        if (run(pg, sql, 0, NULL, NULL, 0) != 0)
            return 1;
        snprintf(sql, sizeof sql, "ALTER SUBSCRIPTION reno_%s SET (slot_name = NONE)", name);
        if (run(pg, sql, 0, NULL, NULL, 0) != 0)
            return 1;
        snprintf(sql, sizeof sql, "DROP SUBSCRIPTION reno_%s", name);
        if (run(pg, sql, 0, NULL, NULL, 0) != 0)
            return 1;
        printf("on the county, drop the slot that keeps its WAL: "
               "SELECT pg_drop_replication_slot('reno_%s');\n",
               name);
    }
    if (purge && code[0]) {
        char deleted[32];
        const char *code_params[] = {code};
        if (run(pg, "SELECT reno_city_purge($1::integer)", 1, code_params, deleted,
                sizeof deleted) != 0)
            return 1;
        printf("deleted %s rows of jurisdiction %s\n", deleted, code);
    }
    if (run(pg, "DELETE FROM county_link WHERE name = $1", 1, params, NULL, 0) != 0)
        return 1;
    printf("unsubscribed reno_%s%s\n", name, code[0] ? "" : " (it was not linked)");
    return 0;
}

static bool has_word(int nwords, char **words, const char *word)
{
    for (int i = 1; i < nwords; i++)
        if (strcmp(words[i], word) == 0)
            return true;
    return false;
}

int city_command(const struct renod_config *cfg, int nwords, char **words)
{
    const char *cmd = words[0];
    bool need;
    if (strcmp(cmd, "site") == 0)
        need = nwords == 2;
    else if (strcmp(cmd, "publish") == 0)
        need = nwords == 1 || (nwords == 3 && strcmp(words[1], "--to") == 0);
    else if (strcmp(cmd, "subscribe") == 0)
        need = nwords == 3;
    else if (strcmp(cmd, "unsubscribe") == 0)
        need = nwords == 2 || (nwords == 3 && has_word(nwords, words, "--purge"));
    else
        return -1;
    if (!need) {
        fprintf(stderr, "usage: renod [SETTINGS] COMMAND, where COMMAND is one of\n%s", city_usage);
        return 2;
    }
    PGconn *pg = connect_to(cfg->database, "the database");
    if (pg == NULL)
        return 1;
    int rc;
    if (strcmp(cmd, "site") == 0)
        rc = site_set(pg, words[1]);
    else if (strcmp(cmd, "publish") == 0)
        rc = publish(pg, nwords == 3 ? words[2] : NULL);
    else if (strcmp(cmd, "subscribe") == 0)
        rc = subscribe(pg, words[1], words[2]);
    else
        rc = unsubscribe(pg, strcmp(words[1], "--purge") == 0 ? words[2] : words[1],
                         has_word(nwords, words, "--purge"));
    PQfinish(pg);
    return rc;
}
