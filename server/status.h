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
 * Brought up to date rather than computed (status_update, for the roll-up): in the same
 * kind of snapshot, the audit log between the held figures' position and the snapshot's
 * names the projects written; only their progress and their rows of the per-project
 * sections (phases, funds, contracts, surveys: each function's p_project, all the
 * projects in one statement per section) are read, the sections without a project
 * dimension are read whole, and once the snapshot has committed they are spliced into a
 * new status that shares the held one's unchanged rows (status_splice.h); the totals
 * are brought up to date from sums kept beside the held status, the rules are computed in
 * memory over every project held, the lights of the changed projects and the programme's
 * again. The result is the status status_compute() would give
 * at that position, byte for byte (suite incremental checks it after each kind of write).
 *
 * Ownership: the StatusReply passed to status_cb lives only during the call.
 */
#ifndef RENO_STATUS_H
#define RENO_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "lights.h"
#include "reno.pb-c.h"

struct status_sums; /* status_splice.h */

typedef void (*status_cb)(void *arg, const Reno__StatusReply *reply, const struct db_error *err);

/* -1 when the database is unavailable at once, or pool is NULL (the server is closing);
 * the callback then never runs.
 *
 * With `page` (a GetStatus, which must outlive the call), the status is for that one page
 * (status_page.h) and holds what status_page_build() needs for it, no more: the sections
 * a page cuts to its projects and that nothing else reads (the guards, the missing
 * reporters) hold the page's projects' rows only, read after the lights have chosen the
 * page, so that their cost is the page's, not the programme's. Everything a page shows
 * whole (totals, rules, lights and their counts, sections' totals) is the whole
 * programme's, in the same snapshot. NULL: every project's rows of every section. */
int status_compute(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                   const Reno__GetStatus *page, status_cb cb, void *arg)
    __attribute__((warn_unused_result));

/* What an update read again: everything (full), or the projects ids[0..n) changed since
 * the held status's position. Lives only during the callback, but for `retired`. */
struct status_touched {
    bool full;
    const int64_t *ids;
    size_t n;
    /* An update's (not full): the reply shares the held status's unchanged rows, and
     * holds none of what is in `retired`. The held status stays whole and readable until
     * the callee, its owner, frees it with status_splice_retire(held, retired), which
     * takes `retired` over; never with status_free(). NULL when full. */
    Reno__StatusReply *retired;
};

/* The roll-up's form of the callback: on success the reply and measures (measures[i] for
 * reply->projects[i], each project's values at the rules' dates) are handed over, to be
 * kept and passed to the next status_update(), and freed with status_free() and free(). */
typedef void (*status_held_cb)(void *arg, Reno__StatusReply *reply, struct lights_project *measures,
                               const struct status_touched *touched, const struct db_error *err);

/* status_compute(), handing the reply over with its measures. */
int status_compute_held(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                        status_held_cb cb, void *arg) __attribute__((warn_unused_result));

/* Brings a held status of the same date up to date, in one snapshot like
 * status_compute()'s: the audit log between held->position and the snapshot's position
 * names the projects changed (reno_status_touched); their progress and their rows of the
 * per-project sections are read with p_project and spliced into a new status sharing
 * held's unchanged rows, the sections without a project dimension are read whole, and
 * the totals, rules and lights are computed again in memory (status_splice.h). A change
 * that touches no single project of this programme, or more projects than an update
 * reads one by one, makes it compute everything in that same snapshot. held and measures
 * are only read, but until the callback: the caller keeps them unchanged meanwhile.
 * sums (status_splice.h; NULL: none kept) are held's totals' sums: an update that
 * reads by project brings them up to date with the reply it hands over, so that they are
 * the reply's when it is kept and still the same figures when the reply is found to hold
 * the same as held; one that computes everything (touched->full) leaves them held's, and
 * the caller makes them again from the reply. */
int status_update(struct db_pool *pool, int64_t programme_id, int32_t as_of,
                  const Reno__StatusReply *held, const struct lights_project *measures,
                  struct status_sums *sums, status_held_cb cb, void *arg)
    __attribute__((warn_unused_result));

void status_free(Reno__StatusReply *reply);

#endif
