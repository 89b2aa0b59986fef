/*
 * The consolidated status of each programme, kept in memory and served without a
 * database round trip. It is refreshed when a change commits: every write appends to
 * the audit log, whose trigger NOTIFYs 'reno_changed' with the programme id, and every
 * renod on the database LISTENs (db_pool_listen), so several renod processes stay
 * coherent. A write handled here also invalidates the entry at once, so a client reads
 * its own writes even before the notification arrives: a read finds the entry dirty and
 * goes to the database.
 *
 * Each refresh that changes the status is pushed to the connections that asked to
 * watch the programme. A watcher whose unsent bytes exceed the limit gets one Resync
 * event instead of more updates, and full updates again once it has caught up.
 *
 * Ownership: struct rollup is embedded in struct server; entries and their status
 * copies are the rollup's, freed by rollup_done() after the loop has ended.
 */
#ifndef RENO_ROLLUP_H
#define RENO_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "db.h"
#include "reno.pb-c.h"

struct server;
struct rollup_entry;

struct rollup {
    struct server *srv;
    struct rollup_entry *entries;
    uv_timer_t timer; /* coalesces notifications; also the once-a-second upkeep */
    int32_t day;      /* the date the cached statuses are "as of" */
    bool timer_running;
    bool refresh_soon; /* a run is due within the coalescing delay */
    unsigned long long refreshes;
    unsigned long long pushes;
    unsigned long long resyncs;
};

#define ROLLUP_CHANNEL "reno_changed"

void rollup_init(struct rollup *r, struct server *srv);
/* db_pool_listen() callback: a payload is a programme id (anything else means all);
 * a (re)subscription refreshes every entry, a lost subscription marks every entry as
 * not known to be current. */
void rollup_on_notify(void *arg, enum db_notify_event event, const char *payload);
/* A write of this server committed for the programme. */
void rollup_invalidate(struct rollup *r, int64_t programme_id);
/* The cached status as of today, or NULL when it is not known to be current (the entry
 * is created and a refresh scheduled, so that later reads find it). */
const Reno__StatusReply *rollup_get(struct rollup *r, int64_t programme_id);
/* A status as of today just computed from the database becomes the entry's baseline
 * if it has none yet, so that the next change is pushed with what changed. */
void rollup_seed(struct rollup *r, int64_t programme_id, const Reno__StatusReply *reply);
/* The last status as of today held in memory, current or not (its computed_at says when
 * it was computed); NULL when there is none. For answering while the database cannot be
 * asked. */
const Reno__StatusReply *rollup_last(struct rollup *r, int64_t programme_id);
void rollup_close(struct rollup *r);
void rollup_done(struct rollup *r);

#endif
