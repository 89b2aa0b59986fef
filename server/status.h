/*
 * Computing a programme's consolidated status as of a date, from the database: the plan
 * (targets and rule dates), every project's progress as of the date and as of each
 * rule's measuring date, the totals, and the rule verdicts (common/rules.c); then the
 * sections of schema/migrations/0009_status.sql (phases and milestones, light
 * thresholds, funds, contracts, line work, surveys, supervision items, the current
 * collection round and who is missing from it), each filled by column name; and last the
 * traffic lights, judged from all of the above by common/lights.c.
 *
 * One consistent snapshot: every statement runs on one pooled connection (db_pin(), so
 * that no other query comes between them) inside one REPEATABLE READ, READ ONLY
 * transaction, so a write committed meanwhile shows in no section rather than in the
 * later ones only, and the totals always agree with the rows. The first statement after
 * BEGIN reads the newest position the snapshot sees (0022_positions.sql) into
 * StatusReply.position: every change up to it is in the figures, none after it; the
 * next says whether the snapshot is a standby's and how far behind the primary it was
 * (from_standby, standby_lag_ms), so that the staleness belongs to the figures. The
 * snapshot's deadline is the pool's query deadline, for all its statements together.
 *
 * Ownership: the StatusReply passed to the callback lives only during the call;
 * status_copy() makes an owned deep copy, freed with status_free().
 */
#ifndef RENO_STATUS_H
#define RENO_STATUS_H

#include <stdint.h>

#include "db.h"
#include "reno.pb-c.h"

typedef void (*status_cb)(void *arg, const Reno__StatusReply *reply, const struct db_error *err);

/* -1 when the database is unavailable at once, or pool is NULL (the server is closing);
 * the callback then never runs. */
int status_compute(struct db_pool *pool, int64_t programme_id, int32_t as_of, status_cb cb,
                   void *arg) __attribute__((warn_unused_result));

Reno__StatusReply *status_copy(const Reno__StatusReply *reply);
void status_free(Reno__StatusReply *reply);

#endif
