/*
 * Administrative commands run from the shell with blocking libpq, outside the serving
 * loop: creating accounts (the password is read from standard input and stored as an
 * argon2id hash) and listing them.
 */
#ifndef RENO_ADMIN_H
#define RENO_ADMIN_H

#include <libpq-fe.h>

/* renod account add --username U --unit CODE --role ROLE [--programme CODE] */
int admin_account_add(PGconn *pg, const char *programme, const char *username,
                      const char *unit_code, const char *role, const char *password)
    __attribute__((warn_unused_result));
int admin_account_list(PGconn *pg) __attribute__((warn_unused_result));

#endif
