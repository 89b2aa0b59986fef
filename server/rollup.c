/*
 * In-memory consolidated status and live push. See rollup.h.
 *
 * Each entry is in one of three conditions: current (status computed after the last
 * change this process knows of), dirty (a change committed since; reads go to the
 * database) or refreshing (a recomputation is in flight; a change arriving meanwhile
 * marks it dirty again so that another refresh follows). The timer coalesces a burst of
 * notifications into one refresh per programme.
 */
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "dispatch.h"
#include "log.h"
#include "server.h"
#include "status.h"
#include "xmalloc.h"

#define COALESCE_MS 10
#define UPKEEP_MS   1000
#define MAX_CHANGES 32

struct rollup_entry {
    struct rollup_entry *next;
    struct rollup *rollup;
    int64_t programme_id;
    Reno__StatusReply *status; /* owned; NULL until the first refresh */
    bool dirty;
    bool refreshing;
};

static void on_timer(uv_timer_t *t);

void rollup_init(struct rollup *r, struct server *srv)
{
    memset(r, 0, sizeof *r);
    r->srv = srv;
    r->day = srv->today();
    uv_timer_init(srv->loop, &r->timer);
    r->timer.data = r;
}

static void schedule(struct rollup *r)
{
    if (r->srv->stopping || r->refresh_soon)
        return;
    /* The next run within COALESCE_MS, then every UPKEEP_MS. A run already due soon is
     * not moved: under a steady stream of writes, pushing it back on every notification
     * would starve the refresh for as long as the writes go on. */
    uv_timer_start(&r->timer, on_timer, COALESCE_MS, UPKEEP_MS);
    r->timer_running = true;
    r->refresh_soon = true;
}

static struct rollup_entry *find(struct rollup *r, int64_t programme_id, bool create)
{
    for (struct rollup_entry *e = r->entries; e; e = e->next)
        if (e->programme_id == programme_id)
            return e;
    if (!create)
        return NULL;
    struct rollup_entry *e = xcalloc(1, sizeof *e);
    e->rollup = r;
    e->programme_id = programme_id;
    e->dirty = true;
    e->next = r->entries;
    r->entries = e;
    schedule(r);
    return e;
}

void rollup_on_notify(void *arg, enum db_notify_event event, const char *payload)
{
    struct rollup *r = arg;
    if (event == DB_NOTIFY_LOST) {
        /* Without the subscription no change would reach us: nothing cached can be
         * called current until it is back (DB_NOTIFY_SUBSCRIBED refreshes all). */
        for (struct rollup_entry *e = r->entries; e; e = e->next)
            e->dirty = true;
        return;
    }
    char *end = NULL;
    long long id = payload ? strtoll(payload, &end, 10) : 0;
    bool one = payload && end != payload && *end == '\0' && id > 0;
    for (struct rollup_entry *e = r->entries; e; e = e->next)
        if (!one || e->programme_id == id)
            e->dirty = true;
    schedule(r);
}

void rollup_invalidate(struct rollup *r, int64_t programme_id)
{
    struct rollup_entry *e = find(r, programme_id, false);
    if (e) {
        e->dirty = true;
        schedule(r);
    }
}

const Reno__StatusReply *rollup_get(struct rollup *r, int64_t programme_id)
{
    struct rollup_entry *e = find(r, programme_id, true);
    if (e->status == NULL || e->dirty || e->refreshing || r->day != r->srv->today())
        return NULL;
    return e->status;
}

void rollup_seed(struct rollup *r, int64_t programme_id, const Reno__StatusReply *reply)
{
    struct rollup_entry *e = find(r, programme_id, true);
    /* Only a first baseline: a refresh done knows better, and one in flight will replace
     * it when it lands (but may never land, if the database hangs meanwhile). */
    if (e->status == NULL)
        e->status = status_copy(reply);
}

const Reno__StatusReply *rollup_last(struct rollup *r, int64_t programme_id)
{
    struct rollup_entry *e = find(r, programme_id, false);
    if (e == NULL || e->status == NULL || r->day != r->srv->today())
        return NULL;
    return e->status;
}

/* ---- what changed ---------------------------------------------------------------------- */

static const Reno__ProjectStatus *project_by_id(const Reno__StatusReply *s, int64_t id)
{
    for (size_t i = 0; s && i < s->n_projects; i++)
        if (s->projects[i]->project_id == id)
            return s->projects[i];
    return NULL;
}

/* Lines for people saying how `now` differs from `before`; the count is returned. */
static size_t describe_changes(const Reno__StatusReply *before, const Reno__StatusReply *now,
                               char *lines[MAX_CHANGES])
{
    size_t n = 0;
    for (size_t i = 0; i < now->n_projects && n < MAX_CHANGES; i++) {
        const Reno__ProjectStatus *p = now->projects[i];
        const Reno__ProjectStatus *q = project_by_id(before, p->project_id);
        if (q == NULL) {
            lines[n++] = xasprintf("%s: new project (%d households)", p->name, p->households);
            continue;
        }
        if (p->households_started != q->households_started && n < MAX_CHANGES)
            lines[n++] = xasprintf("%s: started %d → %d", p->name, q->households_started,
                                   p->households_started);
        if (p->households_completed != q->households_completed && n < MAX_CHANGES)
            lines[n++] = xasprintf("%s: completed %d → %d", p->name, q->households_completed,
                                   p->households_completed);
    }
    for (size_t i = 0; before && i < now->n_rules && i < before->n_rules && n < MAX_CHANGES; i++)
        if (now->rules[i]->verdict != before->rules[i]->verdict)
            lines[n++] = xasprintf("%s: %s", now->rules[i]->title, now->rules[i]->detail);
    return n;
}

static bool same_status(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    if (a == NULL || b == NULL)
        return false;
    /* The figures, not when they were computed. */
    Reno__StatusReply fa = *a, fb = *b;
    fa.computed_at = fb.computed_at = 0;
    fa.stale = fb.stale = false;
    size_t la = reno__status_reply__get_packed_size(&fa);
    size_t lb = reno__status_reply__get_packed_size(&fb);
    if (la != lb)
        return false;
    uint8_t *pa = xmalloc(la ? la : 1), *pb = xmalloc(lb ? lb : 1);
    reno__status_reply__pack(&fa, pa);
    reno__status_reply__pack(&fb, pb);
    bool same = memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

/* ---- pushing --------------------------------------------------------------------------- */

static void push(struct rollup *r, const struct rollup_entry *e, char **changes, size_t n)
{
    struct server *srv = r->srv;
    Reno__StatusChanged sc = RENO__STATUS_CHANGED__INIT;
    sc.status = e->status;
    sc.n_changes = n;
    sc.changes = changes;
    Reno__Event changed = RENO__EVENT__INIT;
    changed.body_case = RENO__EVENT__BODY_STATUS_CHANGED;
    changed.status_changed = &sc;
    Reno__Resync rs = RENO__RESYNC__INIT;
    rs.reason = "updates were dropped because this connection did not read them: ask again";
    Reno__Event resync = RENO__EVENT__INIT;
    resync.body_case = RENO__EVENT__BODY_RESYNC;
    resync.resync = &rs;

    for (struct client *c = srv->clients; c; c = c->next) {
        if (!c->watching || c->session.programme_id != e->programme_id || !conn_is_open(&c->conn))
            continue;
        if (c->conn.queued_bytes > (size_t)srv->cfg->watch_queue_limit) {
            if (!c->resync_sent) {
                conn_log(&c->conn, LOG_WARN, "watcher is %zu bytes behind: sending resync",
                         c->conn.queued_bytes);
                dispatch_send_event(c, &resync);
                c->resync_sent = true;
                r->resyncs++;
            }
            continue;
        }
        c->resync_sent = false;
        dispatch_send_event(c, &changed);
        r->pushes++;
    }
}

/* ---- refreshing ------------------------------------------------------------------------ */

static void refreshed(void *arg, const Reno__StatusReply *reply, const struct db_error *err)
{
    struct rollup_entry *e = arg;
    struct rollup *r = e->rollup;
    e->refreshing = false;
    if (err) {
        /* Try again at the next upkeep tick; reads meanwhile go to the database. */
        log_warn("rollup: refresh of programme %lld failed: %s", (long long)e->programme_id,
                 err->message);
        e->dirty = true;
        return;
    }
    r->refreshes++;
    if (same_status(e->status, reply)) {
        e->status->computed_at = reply->computed_at; /* the same figures, confirmed now */
        return;
    }
    Reno__StatusReply *fresh = status_copy(reply);
    char *changes[MAX_CHANGES];
    size_t n = e->status ? describe_changes(e->status, fresh, changes) : 0;
    Reno__StatusReply *old = e->status;
    e->status = fresh;
    if (old)
        push(r, e, changes, n);
    status_free(old);
    for (size_t i = 0; i < n; i++)
        free(changes[i]);
    if (e->dirty)
        schedule(r);
}

static void on_timer(uv_timer_t *t)
{
    struct rollup *r = t->data;
    struct server *srv = r->srv;
    r->refresh_soon = false;
    int32_t today = srv->today();
    if (today != r->day) {
        /* A new day: every status "as of today" must be recomputed. */
        r->day = today;
        for (struct rollup_entry *e = r->entries; e; e = e->next)
            e->dirty = true;
    }
    bool pending = false;
    for (struct rollup_entry *e = r->entries; e; e = e->next) {
        if (!e->dirty || e->refreshing)
            continue;
        if (status_compute(srv, e->programme_id, r->day, refreshed, e) == 0) {
            e->dirty = false;
            e->refreshing = true;
        } else {
            pending = true; /* the database is down: the next tick tries again */
        }
    }
    (void)pending;
}

void rollup_close(struct rollup *r)
{
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, NULL);
}

void rollup_done(struct rollup *r)
{
    struct rollup_entry *next;
    for (struct rollup_entry *e = r->entries; e; e = next) {
        next = e->next;
        status_free(e->status);
        free(e);
    }
    r->entries = NULL;
}
