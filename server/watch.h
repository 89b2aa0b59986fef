/*
 * The watchers: connections that asked (Watch) to be told of every change of their
 * programme's status as of today. The roll-up computes statuses and knows nothing of
 * connections; it reports each move of a programme ("from these figures at position P to
 * these at position Q") through its move callback (rollup.h), and this module turns the
 * move into events and queues them on the programme's watchers.
 *
 * Registration. A watcher is embedded in its connection's owner (struct client), which
 * registers it with watch_add() when a Watch is answered and takes it off with
 * watch_remove() when the session ends or the connection closes; removing an unregistered
 * watcher does nothing. Watchers are kept in one list per programme, so a move costs only
 * the programme's own watchers.
 *
 * Views. A watcher watches a view of the status: the whole of it (a Watch without a page)
 * or one page as GetStatus answers it (Watch.page: the paging, order and filters of
 * status_page.h, and the form, full or compact, of common/status_form.h; a compact page's
 * events and deltas are of compact pages). Watchers of one programme with the same view
 * after normalizing (the default page size written out, the token as its offset, an
 * empty search as none) share one struct watch_view, so a move costs one page per
 * distinct view, and its event is
 * packed once for all of them; a peer cannot make that cost grow without bound, since a
programme has at most `watch_views` distinct views (watch_view_room, checked before a
Watch is answered). A page's event comes only when the page changed: its
 * bytes, packed without the position and the time the figures were computed, differ
 * before and after the move. The page carries the programme's totals, rules, plan and
 * light counts, so a change to a project off the page that moves a total is an event (the
 * new totals, no project rows); one that moves nothing the page shows is none. The whole
 * status changes with every move.
 *
 * Deltas. A watcher that asked for them (Watch.deltas) is sent a StatusDelta for each
 * change of its view: the programme-wide parts and the rows of the projects that changed,
 * entered or left the page (common/status_delta.h), made once per view and move. A delta
 * applies to the view as held since the view last changed (its from_position is the
 * position of that change, or 0 before the first change this module saw: every watcher
 * then holds the current figures), so each watcher's position is tracked: one that holds
 * an older view (it missed a change) is sent the whole view instead, as is every watcher
 * that did not ask for deltas.
 *
 * Backlog. A watcher whose connection holds more than the queue limit of unsent bytes gets
 * one Resync event instead of more updates: its updates are dropped rather than queued
 * without bound, so a peer that never reads costs at most the limit plus one event. Once
 * its connection has drained below the limit it resumes: its position is behind, so the
 * next move sends it the whole status (or it watches again, as the clients here do on a
 * Resync, and starts from the status that reply carries).
 *
 * Encode once, send many. The event of a view for a move is packed once, into a
 * reference-counted frame (conn_shared), and the same bytes are queued on every watcher of
 * the view that gets it (with TLS each connection encrypts them with its own keys); the
 * Resync is packed once too, when the first watcher needs it. A whole status that has
 * grown over the reply limit (reply_limit) since a watcher started is not sent: the
 * watcher gets a Resync saying to watch a page, and is taken off the list (its Watch again
 * is refused with a typed error). That holds for a watcher of deltas too, although its
 * delta would fit: the whole status is what it would need to start again, and what a new
 * watcher is refused, so it is told at once rather than when it falls behind. A page over the limit
(a small reply limit, long rows) is the
 * same: a Resync saying to watch a smaller page, never a closed connection.
 *
 * Transport. Events reach a connection through the sink the owner gives at watch_init()
 * (how many bytes a watcher's connection has queued, packing an event, queueing a packed
 * one), so this module knows neither struct client nor the write path.
 *
 * Ownership: struct watch is embedded in the server; watchers belong to their owners and
 * are only linked here. A view is freed when its last watcher leaves it, a programme's
 * list head when its last watcher leaves, and the rest at watch_done().
 */
#ifndef RENO_WATCH_H
#define RENO_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "reno.pb-c.h"
#include "rollup.h"

struct watcher;
struct watch_programme;
struct watch_view;

/* How the watch module reaches a watcher's connection. */
struct watch_sink {
    /* Bytes queued on the watcher's connection that the peer has not read yet. */
    size_t (*backlog)(struct watcher *w);
    /* Packs an event once for any number of watchers (arg is watch_init's sink_arg); NULL
     * when it is over the reply limit. */
    struct conn_shared *(*pack)(void *arg, Reno__Event *event);
    /* Queues the packed event on the watcher's connection; frame NULL means the event
     * could not be packed, and the sink tells the peer so. */
    void (*send)(struct watcher *w, Reno__Event *event, struct conn_shared *frame);
};

struct watcher {
    struct watcher *prev, *next;  /* in its programme's list while registered */
    struct watch_programme *list; /* NULL when not registered */
    int64_t programme_id;
    struct watch_view *view; /* what it watches; shared with its programme's like watchers */
    int64_t position;        /* of the last view it was sent whole or brought to by a delta */
    bool deltas;             /* asked for StatusDelta events */
    bool resync_sent;        /* a Resync went out; no more updates until the peer catches up */
};

struct watch {
    struct watch_programme *programmes;
    const struct watch_sink *sink;
    void *sink_arg;
    size_t queue_limit;       /* unsent bytes past which a watcher gets a Resync */
    size_t reply_limit;       /* the largest reply; 0: the whole status is never judged */
    struct watcher **scratch; /* the watchers of one move, taken before any send */
    size_t scratch_size;
    unsigned long long pushes;    /* events sent whole */
    unsigned long long unchanged; /* moves a page's watchers were not told of: it was the same */
    unsigned long long deltas;    /* StatusDelta events sent */
    unsigned long long resyncs;
};

void watch_init(struct watch *w, const struct watch_sink *sink, void *sink_arg, size_t queue_limit);
/* Registers (or moves) a watcher for the programme, holding the view at `position` (the
 * one its Watch was answered with); `deltas` when it asked for StatusDelta events; `page`
 * the page it watches (NULL: the whole status), copied. */
void watch_add(struct watch *w, struct watcher *x, int64_t programme_id, int64_t position,
               bool deltas, const Reno__GetStatus *page);
/* Takes a watcher off its programme's list; nothing when it is not registered. */
void watch_remove(struct watch *w, struct watcher *x);
static inline bool watch_active(const struct watcher *x)
{
    return x->list != NULL;
}
/* The watcher's peer asked for the whole status again: updates may resume. */
static inline void watch_caught_up(struct watcher *x)
{
    x->resync_sent = false;
}
/* The roll-up's move callback (rollup_set_move_cb); arg is the struct watch. */
void watch_on_move(void *arg, const struct rollup_move *move);
/* True when x may watch `page` (NULL: the whole status) of its programme with at most
 * max_views distinct views watched there: the view is watched already, or there is room
 * for one more (counting the one x would leave, when it is x's alone). Each distinct view
 * costs a page built and packed at every move, so a peer that watches ever new searches
 * must not make every move of its programme cost more without bound. */
bool watch_view_room(const struct watch *w, const struct watcher *x, int64_t programme_id,
                     const Reno__GetStatus *page, size_t max_views);
/* How many watchers a programme has, and how many distinct views they watch (for tests
 * and logs). */
size_t watch_count(const struct watch *w, int64_t programme_id);
size_t watch_views(const struct watch *w, int64_t programme_id);
/* Frees the lists (the watchers are their owners'). */
void watch_done(struct watch *w);

#endif
