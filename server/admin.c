/*
 * Administrative commands. See admin.h.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

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
