/*
 * Administrative commands. See admin.h.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "authz.h"
#include "log.h"

int admin_account_add(PGconn *pg, const char *programme, const char *username,
                      const char *unit_code, const char *role, const char *password)
{
    if (authz_role_from_text(role) == RENO__ROLE__ROLE_UNSPECIFIED) {
        log_error("role must be office, department, utility or leader, not '%s'", role);
        return -1;
    }
    if (strlen(password) < 8 || strlen(password) > MSG_MAX_PASSWORD) {
        log_error("password must be 8 to %d bytes", MSG_MAX_PASSWORD);
        return -1;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (auth_hash_password(password, hash) != 0) {
        log_error("cannot hash the password (out of memory?)");
        return -1;
    }
    /* One statement: the account row and its audit row commit together. */
    const char *params[] = {username, hash, programme, unit_code, role};
    PGresult *res =
        PQexecParams(pg,
                     "WITH u AS (SELECT u.id FROM unit u JOIN programme p ON p.id = u.programme_id"
                     "            WHERE p.code = $3 AND u.code = $4),"
                     " a AS (INSERT INTO account (username, password_hash, unit_id, role)"
                     "       SELECT $1, $2, u.id, $5 FROM u RETURNING id, username, unit_id, role)"
                     " INSERT INTO audit_log (unit_id, action, entity, entity_id, after)"
                     " SELECT unit_id, 'account_add', 'account', id,"
                     "        jsonb_build_object('username', username, 'role', role) FROM a"
                     " RETURNING entity_id",
                     5, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("account %s: %s", username, PQresultErrorMessage(res));
        rc = -1;
    } else if (PQntuples(res) != 1) {
        log_error("no unit '%s' in programme '%s'", unit_code, programme);
        rc = -1;
    } else {
        printf("account %s (%s) created for unit %s\n", username, role, unit_code);
    }
    PQclear(res);
    return rc;
}

int admin_account_list(PGconn *pg)
{
    PGresult *res = PQexec(pg, "SELECT a.username, a.role, u.code, u.name, a.disabled "
                               "FROM account a JOIN unit u ON u.id = a.unit_id ORDER BY a.id");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("listing accounts: %s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-20s %-10s %-18s %s%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
               strcmp(PQgetvalue(res, i, 4), "t") == 0 ? " (disabled)" : "");
    PQclear(res);
    return 0;
}

/* ---- renod audit verify ---------------------------------------------------------------- */

/* The columns of a record in the canonical form of reno_audit_canonical() (0012): each as
 * its text, NULL as "-", and the text prefixed with its length in bytes and ':'. The
 * chain is recomputed here rather than by a function in the database, so that a rewritten
 * function cannot vouch for a rewritten log. */
#define VERIFY_COLUMNS 9
#define VERIFY_FETCH   "FETCH 1000 FROM audit_records"

static const char verify_cursor_sql[] =
    "DECLARE audit_records NO SCROLL CURSOR FOR"
    " SELECT l.id::text, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    "        l.account_id::text, l.unit_id::text, l.action, l.entity, l.entity_id::text,"
    "        l.before::text, l.after::text, encode(l.chain_hash, 'hex')"
    "   FROM audit_log l"
    /* At a city the log also holds each county's chain, replicated in the county's own
     * id range (0018_city.sql); the chain verified here is this site's own, whose head
     * audit_chain keeps. Each county verifies its own. */
    "  WHERE NOT EXISTS (SELECT 1 FROM site)"
    "     OR l.id / 1000000000000 = (SELECT jurisdiction_code FROM site)"
    "  ORDER BY l.id"; /* the bigint, not its text */

static void hash_field(crypto_hash_sha256_state *st, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        crypto_hash_sha256_update(st, (const unsigned char *)"-", 1);
        return;
    }
    int len = PQgetlength(res, row, col);
    char prefix[24];
    int n = snprintf(prefix, sizeof prefix, "%d:", len);
    crypto_hash_sha256_update(st, (const unsigned char *)prefix, (unsigned long long)n);
    crypto_hash_sha256_update(st, (const unsigned char *)PQgetvalue(res, row, col),
                              (unsigned long long)len);
}

static int verify_exec(PGconn *pg, const char *sql, ExecStatusType want)
{
    PGresult *res = PQexec(pg, sql);
    int rc = PQresultStatus(res) == want ? 0 : -1;
    if (rc != 0)
        log_error("audit verify: %s", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

int admin_audit_verify(PGconn *pg)
{
    /* One snapshot for the records and the head: a write committing meanwhile is simply
     * not part of what is verified. */
    if (verify_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK) != 0)
        return -1;
    int rc = -1;
    PGresult *head = PQexec(pg, "SELECT last_id::text, encode(head, 'hex') FROM audit_chain");
    if (PQresultStatus(head) != PGRES_TUPLES_OK || PQntuples(head) != 1) {
        log_error("audit verify: no chain head (is the schema migrated?) %s",
                  PQresultErrorMessage(head));
        goto done;
    }
    if (verify_exec(pg, verify_cursor_sql, PGRES_COMMAND_OK) != 0)
        goto done;
    unsigned char prev[crypto_hash_sha256_BYTES] = {0};
    char prev_hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(prev_hex, sizeof prev_hex, prev, sizeof prev);
    char last_id[24] = "0";
    long long count = 0;
    for (;;) {
        PGresult *res = PQexec(pg, VERIFY_FETCH);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            log_error("audit verify: %s", PQresultErrorMessage(res));
            PQclear(res);
            goto done;
        }
        int rows = PQntuples(res);
        for (int i = 0; i < rows; i++) {
            crypto_hash_sha256_state st;
            crypto_hash_sha256_init(&st);
            crypto_hash_sha256_update(&st, prev, sizeof prev);
            for (int col = 0; col < VERIFY_COLUMNS; col++)
                hash_field(&st, res, i, col);
            crypto_hash_sha256_final(&st, prev);
            sodium_bin2hex(prev_hex, sizeof prev_hex, prev, sizeof prev);
            const char *found =
                PQgetisnull(res, i, VERIFY_COLUMNS) ? "(none)" : PQgetvalue(res, i, VERIFY_COLUMNS);
            if (strcmp(found, prev_hex) != 0) {
                printf("audit log BROKEN at record %s (after %lld intact records)\n"
                       "  expected %s\n  found    %s\n",
                       PQgetvalue(res, i, 0), count, prev_hex, found);
                PQclear(res);
                rc = 1;
                goto done;
            }
            snprintf(last_id, sizeof last_id, "%s", PQgetvalue(res, i, 0));
            count++;
        }
        PQclear(res);
        if (rows == 0)
            break;
    }
    /* Records removed from the end leave every remaining link intact: the head kept
     * apart says where the log ended. */
    if (strcmp(PQgetvalue(head, 0, 0), last_id) != 0 ||
        strcmp(PQgetvalue(head, 0, 1), prev_hex) != 0) {
        printf("audit log BROKEN at its end: the chain head is record %s (%s)\n"
               "  but the log ends at record %s (%s)\n",
               PQgetvalue(head, 0, 0), PQgetvalue(head, 0, 1), last_id, prev_hex);
        rc = 1;
        goto done;
    }
    printf("audit log intact: %lld records, head record %s, hash %s\n", count, last_id, prev_hex);
    rc = 0;
done:
    PQclear(head);
    verify_exec(pg, "ROLLBACK", PGRES_COMMAND_OK);
    return rc;
}
