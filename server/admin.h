/*
 * Administrative commands run from the shell with blocking libpq, outside the serving
 * loop: creating accounts (the password is read from standard input and stored as an
 * argon2id hash) and listing them, and verifying the audit log's hash chain.
 */
#ifndef RENO_ADMIN_H
#define RENO_ADMIN_H

#include <libpq-fe.h>

/* renod account add --username U --unit CODE --role ROLE [--programme CODE] */
int admin_account_add(PGconn *pg, const char *programme, const char *username,
                      const char *unit_code, const char *role, const char *password)
    __attribute__((warn_unused_result));
int admin_account_list(PGconn *pg) __attribute__((warn_unused_result));

/* renod audit verify: recomputes the audit log's hash chain (0012_privilege.sql) from the
 * records, in id order, in one snapshot. Prints the record count and the head when the
 * chain is intact and returns 0; prints the first broken link (the record, the hash
 * expected and the hash found) and returns 1 when it is not; -1 when it cannot read. */
int admin_audit_verify(PGconn *pg) __attribute__((warn_unused_result));

#endif
