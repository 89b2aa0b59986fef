/*
 * Schema migrations and seed data, applied with blocking libpq from the command line
 * (`renod migrate`, `renod seed NAME`), never from the serving loop.
 *
 * Migrations are the files of schema/migrations compiled into renod, applied in name
 * order as the owner role, each in its own transaction together with its row in schema_migration,
 * under an advisory lock so that two renod processes never migrate at once. After them,
 * on every run, the files of schema/functions (CREATE OR REPLACE only) in one transaction.
 */
#ifndef RENO_MIGRATE_H
#define RENO_MIGRATE_H

#include <libpq-fe.h>

/* Creates the owner role (NOLOGIN) and the serving role (LOGIN) when missing, makes the
 * connected role a member of the owner, gives the owner every object of the schema, then
 * SET ROLE to the owner for the rest of the connection. -1 with the reason logged. */
int migrate_roles(PGconn *pg, const char *owner_role, const char *app_role)
    __attribute__((warn_unused_result));
/* Sets up the roles (migrate_roles), applies the migrations not yet applied, and grants
 * the serving role its rights. 0 on success (printing what was applied), -1 with the
 * reason logged. */
int migrate_apply(PGconn *pg, const char *owner_role, const char *app_role)
    __attribute__((warn_unused_result));
/* Loads a seed (e.g. "ziyun-2022") in one transaction, as the owner role; refuses when
 * already loaded. */
int migrate_seed(PGconn *pg, const char *owner_role, const char *name)
    __attribute__((warn_unused_result));
/* Prints the names of the seeds compiled in. */
void migrate_list_seeds(void);

#endif
