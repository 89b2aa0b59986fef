/*
 * In-memory consolidated status, reporting each move to its listener. See rollup.h.
 *
 * Each entry is in one of three conditions: current (status computed after the last
 * change of its programme this process heard of), dirty (a change committed since; reads
 * are still answered from the figures held, with their older position) or refreshing (a
 * recomputation is in flight; a change arriving meanwhile marks it dirty again so that
 * another refresh follows). The timer coalesces a burst of notifications into one refresh
 * per programme.
 *
 * An entry's position is what the database named as committed when its last refresh
 * began (status.h reads it before any figure); the positions in notifications only say
 * that a refresh is due, and whether a reader's wait can end by one.
 *
 * A refresh brings the figures held up to date (status_update: only the projects the
 * audit log names since the entry's position are read again) unless the entry is marked
 * `full`: it has no figures of today yet, the subscription was lost, or the last refresh
 * failed; then it computes everything (status_compute_held). The entry keeps, next to
 * its status, each project's values at the rules' dates, which an update needs to judge
 * the rules and lights again without reading every project.
 */
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "log.h"
#include "status.h"
#include "status_splice.h"
#include "xmalloc.h"

#define COALESCE_MS 10
#define UPKEEP_MS   1000
/* After a refresh, the next one of the same programme waits as long as that one took,
 * within these bounds (see rest_until). */
#define REST_MAX_MS 250

struct rollup_entry {
    struct rollup_entry *next;
    struct rollup *rollup;
    int64_t programme_id;
    Reno__StatusReply *status;       /* owned; NULL until the first refresh */
    struct lights_project *measures; /* owned; one per status->projects[i] */
    /* Owned: the sums behind status's totals (status_splice.h), made from status when it
     * is computed from scratch and brought up to date by each update. */
    struct status_sums *sums;
    int32_t day;              /* the date status is as of */
    int32_t refresh_day;      /* the date the refresh in flight computes */
    uint64_t refresh_started; /* loop time the refresh in flight started */
    /* Under a stream of writes, no refresh starts before this loop time: a refresh
     * during which another change was heard is followed by a rest as long as it took
     * (COALESCE_MS to REST_MAX_MS), so that
     * refreshing takes at most about half of one database connection's time and the
     * writes and the snapshot's statements are not crowded out; everything heard during
     * the rest is one refresh after it. */
    uint64_t rest_until;
    int64_t position; /* what status reflects */
    bool dirty;
    bool full; /* the next refresh computes everything rather than bringing status up to date */
    bool refreshing;
    bool failed; /* the last refresh failed: the figures held may be old */
};

struct rollup_waiter {
    struct rollup_waiter *next;
    int64_t programme_id;
    int64_t min_position;
    uint64_t deadline_ms;
    rollup_wait_cb cb;
    void *arg;
};

static void on_timer(uv_timer_t *t);

void rollup_init(struct rollup *r, uv_loop_t *loop, struct db_pool *db, int32_t (*today)(void))
{
    memset(r, 0, sizeof *r);
    r->loop = loop;
    r->db = db;
    r->today = today;
    r->day = today();
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
}

static void schedule(struct rollup *r)
{
    if (r->stopped || r->refresh_soon)
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
    e->full = true;
    e->next = r->entries;
    r->entries = e;
    schedule(r);
    return e;
}

/* ---- notifications --------------------------------------------------------------------- */

/* One decimal field of at most 19 digits, within int64; *text moves past it. */
static bool parse_field(const char **text, int64_t *out)
{
    const char *p = *text;
    int64_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 19)
            return false;
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        p++;
    }
    if (digits == 0)
        return false;
    *out = v;
    *text = p;
    return true;
}

bool rollup_parse_payload(const char *payload, struct rollup_change *out)
{
    if (payload == NULL || strnlen(payload, ROLLUP_PAYLOAD_MAX + 1) > ROLLUP_PAYLOAD_MAX)
        return false;
    struct rollup_change c;
    const char *p = payload;
    if (!parse_field(&p, &c.programme_id) || *p++ != ':' || !parse_field(&p, &c.project_id) ||
        *p++ != ':' || !parse_field(&p, &c.position) || *p != '\0')
        return false;
    *out = c;
    return true;
}

static void set_position(struct rollup_entry *e, int64_t position)
{
    if (position <= e->position)
        return;
    e->position = position;
    if (e->status)
        e->status->position = position;
}

static void apply_change(struct rollup *r, const struct rollup_change *c)
{
    if (c->position > r->heard)
        r->heard = c->position;
    for (struct rollup_entry *e = r->entries; e; e = e->next)
        if (c->programme_id == 0 || e->programme_id == c->programme_id)
            e->dirty = true;
    schedule(r);
}

void rollup_on_notify(void *arg, enum db_notify_event event, const char *payload)
{
    struct rollup *r = arg;
    if (event == DB_NOTIFY_LOST) {
        /* Without the subscription no change would reach us: nothing cached can be
         * called current until it is back (DB_NOTIFY_SUBSCRIBED refreshes all). */
        r->lost = true;
        for (struct rollup_entry *e = r->entries; e; e = e->next)
            e->dirty = e->full = true;
        return;
    }
    struct rollup_change c = {0, 0, 0};
    if (event == DB_NOTIFY_SUBSCRIBED) {
        r->lost = false;
    } else if (!rollup_parse_payload(payload, &c)) {
        log_warn("rollup: a notification not understood (%zu bytes): refreshing everything",
                 payload ? strnlen(payload, 8000) : 0);
        memset(&c, 0, sizeof c);
    }
    apply_change(r, &c);
}

/* ---- reading --------------------------------------------------------------------------- */

static bool reached(const struct rollup *r, const struct rollup_entry *e, int64_t min_position)
{
    return e->status != NULL && e->day == r->today() && e->position >= min_position;
}

static bool stale(const struct rollup *r, const struct rollup_entry *e)
{
    return r->lost || e->failed || r->db == NULL || !db_pool_healthy(r->db);
}

const Reno__StatusReply *rollup_read(struct rollup *r, int64_t programme_id, int64_t min_position,
                                     bool *is_stale)
{
    struct rollup_entry *e = find(r, programme_id, true);
    if (!reached(r, e, min_position))
        return NULL;
    *is_stale = stale(r, e);
    return e->status;
}

void rollup_wait(struct rollup *r, int64_t programme_id, int64_t min_position, uint64_t timeout_ms,
                 rollup_wait_cb cb, void *arg)
{
    struct rollup_entry *e = find(r, programme_id, true);
    /* A position heard of, but from a change of another programme: this entry has no
     * refresh coming, so one is started to confirm it. A position never heard of waits
     * for its notification. */
    if (min_position <= r->heard && !e->dirty && !e->refreshing) {
        e->dirty = true;
        schedule(r);
    }
    struct rollup_waiter *w = xcalloc(1, sizeof *w);
    w->programme_id = programme_id;
    w->min_position = min_position;
    w->deadline_ms = uv_now(r->loop) + timeout_ms;
    w->cb = cb;
    w->arg = arg;
    w->next = r->waiters;
    r->waiters = w;
    if (!r->timer_running) {
        uv_timer_start(&r->timer, on_timer, UPKEEP_MS, UPKEEP_MS);
        r->timer_running = true;
    }
    if (r->stopped)
        rollup_stop(r);
}

/* Answers the waiters whose position was reached, those past their deadline, or all of
 * them when `all` (each with NULL unless reached). They are taken off the list before any
 * is answered, so that an answer may start another wait. */
static void answer_waiters(struct rollup *r, bool all)
{
    uint64_t now = uv_now(r->loop);
    struct rollup_waiter *done = NULL, **tail = &done;
    struct rollup_waiter **link = &r->waiters;
    while (*link) {
        struct rollup_waiter *w = *link;
        struct rollup_entry *e = find(r, w->programme_id, false);
        if (!all && now < w->deadline_ms && !(e && reached(r, e, w->min_position))) {
            link = &w->next;
            continue;
        }
        *link = w->next;
        w->next = NULL;
        *tail = w;
        tail = &w->next;
    }
    while (done) {
        struct rollup_waiter *w = done;
        done = w->next;
        struct rollup_entry *e = find(r, w->programme_id, false);
        if (e && reached(r, e, w->min_position))
            w->cb(w->arg, e->status, stale(r, e), e->position);
        else
            w->cb(w->arg, NULL, false, e && e->status ? e->position : 0);
        free(w);
    }
}

const Reno__StatusReply *rollup_last(struct rollup *r, int64_t programme_id)
{
    struct rollup_entry *e = find(r, programme_id, false);
    if (e == NULL || e->status == NULL || e->day != r->today())
        return NULL;
    return e->status;
}

/* ---- reporting moves ------------------------------------------------------------------ */

void rollup_set_move_cb(struct rollup *r, rollup_move_cb cb, void *arg)
{
    r->move_cb = cb;
    r->move_arg = arg;
}

/* ---- refreshing ------------------------------------------------------------------------ */

/* "12, 40, 41" for the log: the projects an update read again, the first few. */
static void touched_text(const struct status_touched *t, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->n && at + 24 < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? ", " : "", (long long)t->ids[i]);
    if (at + 24 >= size)
        snprintf(buf + at, size - at, ", …");
}

static void refreshed(void *arg, Reno__StatusReply *reply, struct lights_project *measures,
                      const struct status_touched *touched, const struct db_error *err)
{
    struct rollup_entry *e = arg;
    struct rollup *r = e->rollup;
    e->refreshing = false;
    if (err) {
        /* Try again at the next upkeep tick, computing everything; reads meanwhile get
         * the figures held. */
        log_warn("rollup: refresh of programme %lld failed: %s", (long long)e->programme_id,
                 err->message);
        e->dirty = true;
        e->full = true;
        e->failed = true;
        answer_waiters(r, false);
        return;
    }
    r->refreshes++;
    e->failed = false;
    /* What the database said had committed when the refresh began: it includes every
     * change heard of before, since those had committed. A notification's own position is
     * never taken on trust (anyone on the database may NOTIFY). */
    int64_t position = reply->position;
    /* One line per refresh: when the roll-up reached a position, for people measuring how
     * long after a write's acknowledgement its readers see it, and what it read again. */
    /* The loop's time is that of this iteration's start: brought up to now, so that the
     * time includes the update's work in memory done in this iteration (status.h). */
    uv_update_time(r->loop);
    uint64_t ms = uv_now(r->loop) - e->refresh_started;
    if (touched->full) {
        log_info("rollup: programme %lld at position %lld (%zu projects, refreshed in %llu ms)",
                 (long long)e->programme_id, (long long)position, reply->n_projects,
                 (unsigned long long)ms);
    } else {
        char ids[160];
        touched_text(touched, ids, sizeof ids);
        log_info("rollup: programme %lld at position %lld (%zu projects, updated in %llu ms: "
                 "%zu project%s read again%s%s)",
                 (long long)e->programme_id, (long long)position, reply->n_projects,
                 (unsigned long long)ms, touched->n, touched->n == 1 ? "" : "s",
                 touched->n ? ": " : "", ids);
    }
    free(e->measures);
    e->measures = measures;
    if (e->status && e->day == e->refresh_day && status_splice_same(e->status, reply)) {
        /* The same figures, confirmed now; the new status is dropped (an update's shares
         * the held one's rows: only what it read again is freed). */
        e->status->computed_at = reply->computed_at;
        set_position(e, position);
        if (touched->retired)
            status_splice_discard(reply, e->status, touched->retired);
        else
            status_free(reply);
    } else {
        /* An update's new status shares the old one's unchanged rows: the old one stays
         * whole for the move, and only its shell and what the new one dropped are freed
         * after it. */
        Reno__StatusReply *old = e->status;
        int64_t from = e->position;
        e->status = reply;
        e->day = e->refresh_day;
        set_position(e, position);
        if (old && r->move_cb) {
            struct rollup_move move = {e->programme_id, old,          from,       e->status,
                                       e->position,     touched->ids, touched->n, touched->full};
            r->move_cb(r->move_arg, &move);
        }
        if (touched->retired)
            status_splice_retire(old, touched->retired);
        else
            status_free(old);
    }
    if (touched->full) {
        /* Computed from scratch: the sums made again from the status kept, now rather
         * than in the next update, which a write waits for. */
        status_sums_free(e->sums);
        e->sums = status_sums_new(e->status);
    }
    /* A change heard while this refresh ran: writes are streaming, and the next refresh
     * rests first. A lone write is refreshed at once. */
    uint64_t rest = ms < COALESCE_MS ? COALESCE_MS : ms > REST_MAX_MS ? REST_MAX_MS : ms;
    e->rest_until = e->dirty ? uv_now(r->loop) + rest : 0;
    answer_waiters(r, false);
    if (e->dirty)
        schedule(r);
}

/* Starts the refresh of one entry: bringing the figures held up to date when there are
 * some of today, computing everything otherwise. 0, or -1 when the database is
 * unavailable at once. */
static int refresh(struct rollup *r, struct rollup_entry *e)
{
    if (r->db == NULL)
        return -1;
    bool full = e->full || e->status == NULL || e->measures == NULL || e->day != r->day;
    if (!full && e->sums == NULL)
        e->sums = status_sums_new(e->status);
    int rc = full ? status_compute_held(r->db, e->programme_id, r->day, refreshed, e)
                  : status_update(r->db, e->programme_id, r->day, e->status, e->measures, e->sums,
                                  refreshed, e);
    if (rc == 0) {
        e->full = false;
    }
    return rc;
}

static void on_timer(uv_timer_t *t)
{
    struct rollup *r = t->data;
    r->refresh_soon = false;
    answer_waiters(r, false);
    if (r->stopped)
        return;
    int32_t today = r->today();
    if (today != r->day) {
        /* A new day: every status "as of today" must be recomputed. */
        r->day = today;
        for (struct rollup_entry *e = r->entries; e; e = e->next)
            e->dirty = e->full = true;
    }
    uint64_t now = uv_now(r->loop), wake = 0;
    for (struct rollup_entry *e = r->entries; e; e = e->next) {
        if (!e->dirty || e->refreshing)
            continue;
        if (now < e->rest_until) {
            if (wake == 0 || e->rest_until < wake)
                wake = e->rest_until;
            continue;
        }
        /* A failure at once (the database is down) is tried again at the next tick. */
        if (refresh(r, e) == 0) {
            e->refresh_day = r->day;
            e->refresh_started = uv_now(r->loop);
            e->dirty = false;
            e->refreshing = true;
        } else {
            e->failed = true;
        }
    }
    if (wake != 0) {
        uv_timer_start(&r->timer, on_timer, wake - now, UPKEEP_MS);
        r->timer_running = true;
        r->refresh_soon = true;
    }
}

void rollup_stop(struct rollup *r)
{
    r->stopped = true;
    answer_waiters(r, true);
}

void rollup_lose_db(struct rollup *r)
{
    r->db = NULL;
}

void rollup_close(struct rollup *r)
{
    rollup_stop(r);
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, NULL);
}

void rollup_done(struct rollup *r)
{
    struct rollup_entry *next;
    for (struct rollup_entry *e = r->entries; e; e = next) {
        next = e->next;
        status_free(e->status);
        free(e->measures);
        status_sums_free(e->sums);
        free(e);
    }
    r->entries = NULL;
}
