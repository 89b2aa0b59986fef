/*
 * Every SQL statement renod sends at run time, by name. The text lives in sql.c and in
 * the functions of schema/migrations; nothing is ever built from strings. Parameters are
 * always passed separately ($1, $2 ...) in text format.
 */
#ifndef RENO_SQL_H
#define RENO_SQL_H

enum sql_stmt {
    SQL_ACCOUNT_BY_USERNAME, /* $1 username */
    SQL_SESSION_CREATE,      /* $1 token hash (hex), $2 account id, $3 ttl seconds */
    SQL_SESSION_RESUME,      /* $1 token hash (hex) */
    SQL_SESSION_DELETE,      /* $1 token hash (hex) */
    SQL_PUSH_PROGRESS,       /* $1 account, $2 key, $3 digest, $4 project, $5 date, ... */
    SQL_STATUS_PROGRAMME,    /* $1 programme id */
    SQL_STATUS_PROJECTS,     /* $1 programme id, $2 as-of, $3..$5 the rules' dates */
    SQL_REPORT_PRIOR,        /* $1 account, $2 key, $3 digest */
    SQL_REPORT_DATA,         /* $1 account, $2 kind, $3 subject */
    SQL_REPORT_STORE,        /* $1 account, $2 key, $3 digest, $4 kind, $5 subject, ... */
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
