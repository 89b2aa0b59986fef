/*
 * SQL files compiled into renod (generated at build time from schema/ by
 * cmake/embed_sql.cmake). Each array ends with an entry whose name is NULL; the
 * migrations and the function files are in file-name order. The strings are static:
 * nobody frees them.
 */
#ifndef RENO_SQL_EMBED_H
#define RENO_SQL_EMBED_H

struct sql_file {
    const char *name; /* file name without directory or ".sql", e.g. "0001_core" */
    const char *text;
};

extern const struct sql_file sql_migrations[];
extern const struct sql_file sql_seeds[];
/* schema/functions: CREATE OR REPLACE only, applied after the migrations on every run. */
extern const struct sql_file sql_functions[];

#endif
