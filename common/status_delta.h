/*
 * Status deltas: the difference between two consolidated statuses as a StatusDelta, and
 * applying it to the older one to get the newer, byte for byte. Pure: no I/O, no database;
 * the server makes deltas for watchers (server/watch.c) and the client applies them to the
 * status it holds (client/cmd_status.c, client/dash_model.c).
 *
 * What is per project is read from the messages, not listed: a repeated message field of
 * StatusReply whose rows have an int64 project_id (projects, phases, lights, funds, lines
 * and every section added later the same way) is a per-project field; every other field
 * is programme-wide: its scalars always travel, and its lists and messages (rules, plan,
 * rhythm, the round, supervision per unit: at a few projects most of the status's bytes)
 * travel only when they changed, the unchanged ones named in StatusDelta.kept so that
 * applying takes them from the held status. A project has changed when its rows in any
 * per-project field differ (compared packed) or exist on one side only; the delta carries
 * the changed projects' rows and where they go. Making costs one pass over both statuses'
 * per-project rows (each packed once) plus sorting their ids; applying, one pass over the
 * held status plus one pack and unpack of the result (which is how the result comes to
 * own its memory).
 *
 * The order of the untouched rows is kept by applying: when a change reorders rows of
 * projects that did not change (a sort by something that moved), the field goes whole
 * (DeltaPlaces.whole), so applying is exact in every case.
 *
 * Applying checks a delta as hostile input (indices in range and increasing, counts that
 * add up) and refuses one that does not fit, saying why; it never checks positions: that
 * is the caller's (StatusDelta's comment in proto/reno.proto).
 */
#ifndef RENO_STATUS_DELTA_H
#define RENO_STATUS_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reno.pb-c.h"

/* A made delta. `delta` points into the `after` status it was made from (its rows and
 * strings), which must outlive it; the arrays are the delta's own. */
struct status_delta {
    Reno__StatusDelta delta;
    Reno__StatusReply status;
    Reno__DeltaPlaces *places;
    Reno__DeltaPlaces **place_ptrs;
    size_t n_places;
    void **arrays; /* every array allocated for the delta, freed by status_delta_release */
    size_t n_arrays;
};

/* Makes the delta from `before` to `after` (positions and changes are the caller's to set
 * in d->delta). Release it with status_delta_release(). */
void status_delta_make(const Reno__StatusReply *before, const Reno__StatusReply *after,
                       struct status_delta *d);
/* The same delta, byte for byte, made faster when only the projects projects[0..n) are
 * expected to have changed (the roll-up's update names them, and shares every other
 * project's rows between before and after): the other projects' rows are compared in
 * one pass, pairwise, a shared row without packing it, instead of every row being
 * sorted and packed. Exact whatever the list says: a row of another project that
 * differs still makes its project changed, and rows that do not pair up make the field
 * be compared as status_delta_make() compares it. */
void status_delta_make_some(const Reno__StatusReply *before, const Reno__StatusReply *after,
                            const int64_t *projects, size_t n, struct status_delta *d);
void status_delta_release(struct status_delta *d);

/* True when the delta follows the status held: held at a position p with
 * from_position <= p < to_position. */
static inline bool status_delta_fits(const Reno__StatusReply *held, const Reno__StatusDelta *delta)
{
    return held != NULL && delta->status != NULL && held->position >= delta->from_position &&
           held->position < delta->to_position;
}

/* The status `delta` makes of `held`, owned by the caller (reno__status_reply__free_unpacked
 * with a NULL allocator); NULL when the delta does not fit `held`, with the reason in why. */
Reno__StatusReply *status_delta_apply(const Reno__StatusReply *held, const Reno__StatusDelta *delta,
                                      char *why, size_t why_size);

#endif
