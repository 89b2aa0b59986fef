/*
 * Schema migrations and seed data, applied with blocking libpq from the command line
 * (`renod migrate`, `renod seed NAME`), never from the serving loop.
 *
 * Migrations are the files of schema/migrations compiled into renod, applied in name
 * order, each in its own transaction together with its row in schema_migration, under
 * an advisory lock so that two renod processes never migrate at once.
 */
#ifndef RENO_MIGRATE_H
#define RENO_MIGRATE_H

#include <libpq-fe.h>

/* 0 on success (printing what was applied), -1 with the reason logged. */
int migrate_apply(PGconn *pg) __attribute__((warn_unused_result));
/* Loads a seed (e.g. "ziyun-2022") in one transaction; refuses when already loaded. */
int migrate_seed(PGconn *pg, const char *name) __attribute__((warn_unused_result));
/* Prints the names of the seeds compiled in. */
void migrate_list_seeds(void);

#endif
