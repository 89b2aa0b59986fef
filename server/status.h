/*
 * Computing a programme's consolidated status as of a date, from the database: the plan
 * (targets and rule dates), every project's progress as of the date and as of each
 * rule's measuring date, the totals, and the rule verdicts (common/rules.c).
 *
 * Ownership: the StatusReply passed to the callback lives only during the call (its
 * strings point into database results); status_copy() makes an owned deep copy, freed
 * with status_free().
 */
#ifndef RENO_STATUS_H
#define RENO_STATUS_H

#include <stdint.h>

#include "db.h"
#include "reno.pb-c.h"

struct server;

typedef void (*status_cb)(void *arg, const Reno__StatusReply *reply, const struct db_error *err);

/* -1 when the database is unavailable at once (the callback then never runs). */
int status_compute(struct server *srv, int64_t programme_id, int32_t as_of, status_cb cb, void *arg)
    __attribute__((warn_unused_result));

Reno__StatusReply *status_copy(const Reno__StatusReply *reply);
void status_free(Reno__StatusReply *reply);

#endif
