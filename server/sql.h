/*
 * Every SQL statement renod sends at run time, by name. The text lives in sql.c and in
 * the functions of schema/migrations; nothing is ever built from strings. Parameters are
 * always passed separately ($1, $2 ...) in text format.
 */
#ifndef RENO_SQL_H
#define RENO_SQL_H

enum sql_stmt {
    SQL_LOGIN_BEGIN,     /* $1 username, $2 address, $3..$7 the throttle's settings */
    SQL_SESSION_CREATE,  /* $1 token hash (hex), $2 account, $3 ttl, $4 username, $5 address */
    SQL_SESSION_RESUME,  /* $1 token hash (hex) */
    SQL_SESSION_END,     /* $1 token hash (hex), $2 every session of the account */
    SQL_SESSION_CHECK,   /* $1 token hashes (hex) as an array literal: those gone, and why */
    SQL_PASSWORD_CHANGE, /* $1 account, $2 hash, $3 token kept, $4 username, $5 address */
    SQL_PURGE,           /* $1 seconds failed logins are remembered */
    SQL_PUSH_PROGRESS,   /* $1 account, $2 key, $3 digest, $4 project, $5 date, ... */
    SQL_STATUS_BEGIN,    /* the status snapshot (status.h) */
    SQL_STATUS_COMMIT,
    SQL_STATUS_POSITION,  /* the newest committed position (0022_positions.sql), then whether
                             the server is a standby and its lag (SQL_STANDBY_LAG) */
    SQL_STATUS_PROGRAMME, /* $1 programme id */
    SQL_STATUS_PROJECTS,  /* $1 programme id, $2 as-of, $3..$5 the rules' dates */
    SQL_REPORT_RULES,     /* $1 programme id, $2..$4 the rules' dates */
    SQL_REPORT_PRIOR,     /* $1 account, $2 key, $3 digest */
    SQL_REPORT_DATA,      /* $1 account, $2 kind, $3 subject, $4 issue, $5 replaces */
    SQL_REPORT_STORE,     /* $1 account, $2 key, $3 digest, $4 kind, $5 subject, ...,
                             $9 doc_year, $10 doc_number, $11 replaces */
    SQL_STANDBY_LAG,      /* whether the server is a standby, and how far behind (ms, -1 unknown) */
    SQL_PING,
    SQL_STMT_COUNT
};

struct sql_statement {
    const char *name;
    const char *text;
    int nparams;
};

const struct sql_statement *sql_get(enum sql_stmt stmt);

#endif
