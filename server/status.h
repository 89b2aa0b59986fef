/*
 * Computing a programme's consolidated status as of a date, from the database: the plan
 * (targets and rule dates), every project's progress as of the date and as of each
 * rule's measuring date, the totals, and the rule verdicts (common/rules.c); then the
 * sections of schema/migrations/0009_status.sql (phases and milestones, light
 * thresholds, funds, contracts, line work, surveys, supervision items, the current
 * collection round and who is missing from it), each filled by column name; and last the
 * traffic lights, judged from all of the above by common/lights.c.
 *
 * The queries run one after another, each a statement of its own: a write committed
 * between two of them shows in the later sections only, and its notification makes the
 * roll-up compute the status again (rollup.h).
 *
 * Ownership: the StatusReply passed to the callback lives only during the call;
 * status_copy() makes an owned deep copy, freed with status_free().
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
