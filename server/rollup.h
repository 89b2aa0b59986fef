/*
 * The consolidated status of each programme as of today, kept in memory and versioned by
 * position, so that every read of today is answered without a database round trip.
 *
 * Positions. Every committed write has a position: the id of its last audit_log record.
 * The audit chain hands ids out under a lock held to commit (0012_privilege.sql), so
 * positions grow in commit order, and "includes position P" means "includes every change
 * up to P". Each entry records the position its figures reflect.
 *
 * How changes arrive. The audit log's trigger NOTIFYs 'reno_changed' with
 * "<programme>:<project>:<position>" (0022_positions.sql), and every renod on the database
 * LISTENs (db_pool_listen), so several renod processes stay coherent; notifications come
 * in commit order. The payload is parsed as untrusted text (rollup_parse_payload): bounded,
 * digits only; anything else refreshes every programme. A change to one programme marks
 * its entry dirty. Positions in notifications are never taken on trust (anyone on the
 * database may NOTIFY): an entry's position is the one its refresh read from the database
 * before any figure (status.h). A lost subscription marks every entry dirty and its
 * figures stale; the
 * re-subscription refreshes them all. A write acknowledged by this renod is seen through
 * its notification too, as a write through any other renod is; nothing else invalidates.
 *
 * Refreshing by project. A notification only says that a refresh is due; what changed is
 * read from the audit log itself, in the refresh's snapshot (status_update in status.h):
 * the projects written since the entry's position have their rows read again and spliced
 * into the figures held, and the totals, rules and lights are computed again in memory,
 * so that a write costs what its projects cost, not what the programme costs. The first
 * refresh, a new day, a lost subscription, a failed refresh, and any change that is not
 * one project's (the plan, units, rounds, light rules) compute everything, in one
 * snapshot as before. Several changes heard within the coalescing delay are one refresh
 * over the projects they touched. Each refresh logs one line: the position, the time it
 * took and, for an update, the projects it read again.
 *
 * Reading. rollup_read() answers from memory, never from the database: the entry's status
 * when it exists for today and has reached the asked position; otherwise rollup_wait()
 * holds the reader until it has (or status_wait seconds pass, or the server stops). A
 * reader waiting for a position of another programme's change (heard of, but not this
 * entry's) starts a refresh of the entry, which confirms it.
 *
 * Moves. Each refresh that changes a programme's figures is reported through the move
 * callback (rollup_set_move_cb): "programme X moved from these figures at position P to
 * these at position Q". The roll-up knows nothing of who listens; the watch module
 * (watch.h) turns moves into events for the connections that asked to watch. A refresh
 * that finds the same figures moves the entry's position without reporting a move.
 *
 * What it is given. The roll-up knows nothing of the server that holds it: rollup_init()
 * hands it the loop, the pool it reads from and the clock of "today", and the server
 * tells it when to stop (rollup_stop) and when the pool is gone (rollup_lose_db); moves go
 * out through the move callback. So it can be driven alone, and the server's shutdown
 * order is the server's.
 *
 * Ownership: struct rollup is embedded in struct server; entries, their status copies and
 * the waiters are the rollup's. rollup_stop() answers every waiter; rollup_done() frees
 * the rest after the loop has ended. The pool is the server's: the roll-up only borrows it
 * until rollup_lose_db().
 */
#ifndef RENO_ROLLUP_H
#define RENO_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "db.h"
#include "reno.pb-c.h"

struct rollup_entry;
struct rollup_waiter;

/* One programme's status moved: `before` held at from_position, `after` at to_position.
 * Both live only during the callback. Unless all_projects, the move is an update by
 * project: only the rows of projects[0..n_projects) and the totals rows (project_id 0)
 * were read again, every other project's rows are the same rows (the same pointers) in
 * the same order in both, and the programme-wide fields may have changed; a delta is
 * best made with status_delta_make_some() over that list. With all_projects, anything
 * may differ. */
struct rollup_move {
    int64_t programme_id;
    const Reno__StatusReply *before;
    int64_t from_position;
    const Reno__StatusReply *after;
    int64_t to_position;
    const int64_t *projects;
    size_t n_projects;
    bool all_projects;
};
typedef void (*rollup_move_cb)(void *arg, const struct rollup_move *move);

struct rollup {
    uv_loop_t *loop;
    struct db_pool *db;     /* borrowed; NULL once the server closes it (rollup_lose_db) */
    int32_t (*today)(void); /* the date the server treats as today, days since the epoch */
    struct rollup_entry *entries;
    struct rollup_waiter *waiters;
    uv_timer_t timer; /* coalesces notifications; also the once-a-second upkeep */
    int32_t day;      /* the date the cached statuses are "as of" */
    int64_t heard;    /* the newest position a notification named */
    bool timer_running;
    bool refresh_soon; /* a run is due within the coalescing delay */
    bool lost;         /* the subscription is down: nothing is known to be current */
    bool stopped;
    unsigned long long refreshes;
    rollup_move_cb move_cb; /* told of every move; NULL: nobody listens */
    void *move_arg;
};

#define ROLLUP_CHANNEL "reno_changed"
/* The longest payload renod accepts: three 19-digit numbers and two colons. */
#define ROLLUP_PAYLOAD_MAX 60

/* What one notification says changed; zero ids mean "all". */
struct rollup_change {
    int64_t programme_id;
    int64_t project_id;
    int64_t position;
};

/* Parses "<programme>:<project>:<position>" (decimal, no sign, no spaces, each at most
 * 19 digits and within int64); false for anything else. */
bool rollup_parse_payload(const char *payload, struct rollup_change *out)
    __attribute__((warn_unused_result));

void rollup_init(struct rollup *r, uv_loop_t *loop, struct db_pool *db, int32_t (*today)(void));
/* Who is told of each move (one listener; the watch module). */
void rollup_set_move_cb(struct rollup *r, rollup_move_cb cb, void *arg);
/* db_pool_listen() callback (see above). */
void rollup_on_notify(void *arg, enum db_notify_event event, const char *payload);

/* Today's status of the programme from memory when it has reached min_position, else NULL
 * (the entry is created and a refresh scheduled if there is none). *stale is set when the
 * figures cannot be known to be current (no subscription, or the database unreachable). */
const Reno__StatusReply *rollup_read(struct rollup *r, int64_t programme_id, int64_t min_position,
                                     bool *stale);

/* Called once: with the status when the entry reaches min_position, or with NULL and the
 * position it is at when the wait is over (timeout, or the server stopping). The status
 * lives only during the call. */
typedef void (*rollup_wait_cb)(void *arg, const Reno__StatusReply *status, bool stale,
                               int64_t at_position);
/* Holds a reader for at most timeout_ms (loop time, checked at each upkeep tick). */
void rollup_wait(struct rollup *r, int64_t programme_id, int64_t min_position, uint64_t timeout_ms,
                 rollup_wait_cb cb, void *arg);

/* The last status as of today held in memory, current or not (its computed_at says when
 * it was computed); NULL when there is none. */
const Reno__StatusReply *rollup_last(struct rollup *r, int64_t programme_id);
/* The server is stopping: every waiter is answered (NULL) and no refresh starts again. */
/* No more refreshes: every waiter is answered (with nothing) and no new one waits. */
void rollup_stop(struct rollup *r);
/* The pool is about to be closed: the roll-up no longer reads from it, and what it holds
 * is stale from now on. */
void rollup_lose_db(struct rollup *r);
void rollup_close(struct rollup *r);
void rollup_done(struct rollup *r);

#endif
