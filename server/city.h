/*
 * The city above its counties, from the shell: `renod site`, `renod publish`, `renod
 * subscribe` and `renod unsubscribe` set up PostgreSQL's logical replication from county
 * databases to a city's (docs/SCALING.md), with blocking libpq outside the serving loop,
 * connecting with the `database` setting as an operator (as `renod migrate` does). Each
 * command is idempotent: run again, it changes nothing or brings the set-up up to date
 * (new tables after a migration). What the city's renod serves from the replicated rows
 * lives in SQL (schema/migrations/0018_city.sql) behind the generic operations.
 */
#ifndef RENO_CITY_H
#define RENO_CITY_H

#include "server.h"

/* Runs words[0] when it is one of the commands above and returns the exit status (0, 1
 * failure, 2 usage); returns -1 when words[0] is none of them. */
int city_command(const struct renod_config *cfg, int nwords, char **words);

/* The lines of `renod --help` for these commands. */
extern const char city_usage[];

#endif
