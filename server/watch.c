/*
 * The watchers of each programme, the views they watch and the events a move of its
 * status becomes. See watch.h.
 */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "status_delta.h"
#include "status_form.h"
#include "status_page.h"
#include "xmalloc.h"

#define MAX_CHANGES 32

/* The frames of one view for one move, each packed when the first watcher needs it. */
struct view_move {
    bool differs;   /* the view differs before and after the move */
    bool too_large; /* the whole status after the move is over the reply limit */
    int64_t from;   /* the position the view was held at since it last changed */
    const Reno__StatusReply *before, *after; /* the view before and after */
    Reno__StatusReply before_page, after_page;
    struct status_page before_mem, after_mem;
    struct status_form before_form, after_form; /* the pages' compact rows (GetStatus.form) */
    bool paged;
    char *changes[MAX_CHANGES];
    size_t n_changes;
    Reno__StatusChanged sc;
    Reno__Event changed, delta;
    struct conn_shared *changed_frame, *delta_frame;
    bool changed_packed, delta_packed;
    Reno__StatusReply *old_held; /* the view's copy this move replaced, freed at its end */
    uint8_t *old_held_bytes;
};

struct watch_view {
    struct watch_view *next; /* in its programme's list */
    size_t watchers;
    bool whole;           /* the whole status; otherwise `page` */
    Reno__GetStatus page; /* normalized: see view_normalize() */
    char token[16];       /* page.page_token's text */
    char *search;         /* page.search's text, ours */
    int64_t since;        /* the position of the last change of this view seen */
    /* A page as of held_position, our own copy (unpacked from held_bytes, its bytes
     * without the position and the time of computing), or NULL: the next move from that
     * position starts from it instead of building the page again from the whole status
     * before the move (a pass over every project for the light counts, and the page's
     * rows found by binary search: about a millisecond at 60,000 projects). */
    Reno__StatusReply *held;
    uint8_t *held_bytes;
    size_t held_len;
    int64_t held_position;
    struct view_move move; /* during watch_on_move only */
};

struct watch_programme {
    struct watch_programme *next;
    int64_t programme_id;
    struct watcher *head;
    size_t count;
    struct watch_view *views;
    size_t n_views;
};

void watch_init(struct watch *w, const struct watch_sink *sink, void *sink_arg, size_t queue_limit)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->sink_arg = sink_arg;
    w->queue_limit = queue_limit;
}

static struct watch_programme *find(struct watch *w, int64_t programme_id, bool create)
{
    for (struct watch_programme *p = w->programmes; p; p = p->next)
        if (p->programme_id == programme_id)
            return p;
    if (!create)
        return NULL;
    struct watch_programme *p = xcalloc(1, sizeof *p);
    p->programme_id = programme_id;
    p->next = w->programmes;
    w->programmes = p;
    return p;
}

/* ---- views ----------------------------------------------------------------------------- */

/* The page as status_page_build reads it, in one form for every way of asking for it: the
 * page size written out, the token as the decimal offset, no search for an empty one, and
 * nothing of what a view does not depend on (as_of, min_position). */
static void view_normalize(struct watch_view *v, const Reno__GetStatus *page)
{
    reno__get_status__init(&v->page);
    int32_t size = page->page_size > 0 ? page->page_size : STATUS_PAGE_DEFAULT;
    v->page.page_size = size > STATUS_PAGE_MAX ? STATUS_PAGE_MAX : size;
    unsigned long long offset = 0;
    if (page->page_token != NULL && page->page_token[0] != '\0')
        offset = strtoull(page->page_token, NULL, 10); /* digits only: msg_check_request */
    snprintf(v->token, sizeof v->token, "%llu", offset);
    v->page.page_token = v->token;
    v->page.sort = page->sort;
    v->page.descending = page->descending;
    v->page.light = page->light;
    v->search = xstrdup(page->search != NULL ? page->search : "");
    v->page.search = v->search;
    v->page.overdue = page->overdue;
    v->page.project_id = page->project_id;
    int32_t periods = page->rhythm_periods > 0 ? page->rhythm_periods : STATUS_RHYTHM_DEFAULT;
    v->page.rhythm_periods = periods > STATUS_RHYTHM_MAX ? STATUS_RHYTHM_MAX : periods;
    v->page.form = page->form;
    v->page.as_of = (char *)"";
}

static bool view_same(const struct watch_view *a, const struct watch_view *b)
{
    if (a->whole || b->whole)
        return a->whole == b->whole;
    return a->page.page_size == b->page.page_size && strcmp(a->token, b->token) == 0 &&
           a->page.sort == b->page.sort && a->page.descending == b->page.descending &&
           a->page.light == b->page.light && strcmp(a->search, b->search) == 0 &&
           a->page.overdue == b->page.overdue && a->page.project_id == b->page.project_id &&
           a->page.rhythm_periods == b->page.rhythm_periods && a->page.form == b->page.form;
}

/* The view key of `page` (NULL: the whole status), normalized; its search is owned. */
static struct watch_view view_key(const Reno__GetStatus *page)
{
    struct watch_view key;
    memset(&key, 0, sizeof key);
    key.whole = page == NULL;
    if (page != NULL)
        view_normalize(&key, page);
    return key;
}

/* The programme's view equal to key, or NULL. */
static struct watch_view *view_find(const struct watch_programme *p, const struct watch_view *key)
{
    for (struct watch_view *v = p->views; v; v = v->next)
        if (view_same(v, key))
            return v;
    return NULL;
}

/* The programme's view like `page` (NULL: the whole status), made when there is none. */
static struct watch_view *view_get(struct watch_programme *p, const Reno__GetStatus *page)
{
    struct watch_view key = view_key(page);
    struct watch_view *found = view_find(p, &key);
    if (found != NULL) {
        free(key.search);
        return found;
    }
    struct watch_view *v = xcalloc(1, sizeof *v);
    *v = key;
    if (!v->whole) {
        v->page.page_token = v->token; /* the copy's own arrays */
        v->page.search = v->search;
    }
    v->next = p->views;
    p->views = v;
    p->n_views++;
    return v;
}

static void view_free(struct watch_view *v)
{
    if (v->held != NULL)
        reno__status_reply__free_unpacked(v->held, NULL);
    free(v->held_bytes);
    free(v->search);
    free(v);
}

static void view_put(struct watch_programme *p, struct watch_view *v)
{
    if (--v->watchers > 0)
        return;
    struct watch_view **link = &p->views;
    while (*link != v)
        link = &(*link)->next;
    *link = v->next;
    p->n_views--;
    view_free(v);
}

/* ---- registration ---------------------------------------------------------------------- */

void watch_add(struct watch *w, struct watcher *x, int64_t programme_id, int64_t position,
               bool deltas, const Reno__GetStatus *page)
{
    watch_remove(w, x);
    struct watch_programme *p = find(w, programme_id, true);
    x->programme_id = programme_id;
    x->list = p;
    x->prev = NULL;
    x->next = p->head;
    if (p->head)
        p->head->prev = x;
    p->head = x;
    p->count++;
    x->view = view_get(p, page);
    x->view->watchers++;
    x->position = position;
    x->deltas = deltas;
    x->resync_sent = false;
}

void watch_remove(struct watch *w, struct watcher *x)
{
    struct watch_programme *p = x->list;
    if (p == NULL)
        return;
    if (x->prev)
        x->prev->next = x->next;
    else
        p->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    x->list = NULL;
    x->resync_sent = false;
    view_put(p, x->view);
    x->view = NULL;
    if (--p->count == 0) {
        struct watch_programme **link = &w->programmes;
        while (*link != p)
            link = &(*link)->next;
        *link = p->next;
        free(p);
    }
}

size_t watch_count(const struct watch *w, int64_t programme_id)
{
    for (const struct watch_programme *p = w->programmes; p; p = p->next)
        if (p->programme_id == programme_id)
            return p->count;
    return 0;
}

bool watch_view_room(const struct watch *w, const struct watcher *x, int64_t programme_id,
                     const Reno__GetStatus *page, size_t max_views)
{
    const struct watch_programme *p = NULL;
    for (const struct watch_programme *q = w->programmes; q; q = q->next)
        if (q->programme_id == programme_id)
            p = q;
    if (p == NULL)
        return max_views > 0;
    struct watch_view key = view_key(page);
    bool watched = view_find(p, &key) != NULL;
    free(key.search);
    if (watched)
        return true;
    size_t views = p->n_views;
    if (x->list == p && x->view != NULL && x->view->watchers == 1)
        views--; /* x leaves a view of its own for this one */
    return views < max_views;
}

size_t watch_views(const struct watch *w, int64_t programme_id)
{
    for (const struct watch_programme *p = w->programmes; p; p = p->next)
        if (p->programme_id == programme_id)
            return p->n_views;
    return 0;
}

void watch_done(struct watch *w)
{
    struct watch_programme *next;
    for (struct watch_programme *p = w->programmes; p; p = next) {
        next = p->next;
        for (struct watcher *x = p->head; x; x = x->next) {
            x->list = NULL;
            x->view = NULL;
        }
        struct watch_view *vnext;
        for (struct watch_view *v = p->views; v; v = vnext) {
            vnext = v->next;
            view_free(v);
        }
        free(p);
    }
    w->programmes = NULL;
    free(w->scratch);
    w->scratch = NULL;
    w->scratch_size = 0;
}

/* ---- what changed ---------------------------------------------------------------------- */

/* Project `id` of s, looked for first at index `hint`: the roll-up keeps the projects in
 * one order from one status to the next, so the walk below is linear in the projects, not
 * quadratic (at 60,000 projects a whole scan per project was 3.6e9 comparisons on the
 * event loop for each change). */
static const Reno__ProjectStatus *project_by_id(const Reno__StatusReply *s, size_t hint, int64_t id)
{
    if (s == NULL)
        return NULL;
    if (hint < s->n_projects && s->projects[hint]->project_id == id)
        return s->projects[hint];
    for (size_t i = 0; i < s->n_projects; i++)
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
        const Reno__ProjectStatus *q = project_by_id(before, i, p->project_id);
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

/* ---- pushing --------------------------------------------------------------------------- */

/* The page's bytes without what moves with every refresh (the position, the time of the
 * computation): equal bytes are a page that did not change. */
static uint8_t *pack_page(const Reno__StatusReply *page, size_t *len)
{
    Reno__StatusReply bare = *page;
    bare.position = 0;
    bare.computed_at = 0;
    *len = reno__status_reply__get_packed_size(&bare);
    uint8_t *buf = xmalloc(*len ? *len : 1);
    reno__status_reply__pack(&bare, buf);
    return buf;
}

/* Works out what the move is for one view: its page before and after, whether it
 * changed, and the lines saying how. */
static void view_move_begin(const struct watch *w, struct watch_view *v,
                            const struct rollup_move *move)
{
    struct view_move *m = &v->move;
    memset(m, 0, sizeof *m);
    m->from = v->since;
    if (v->whole) {
        m->before = move->before;
        m->after = move->after;
        m->differs = true; /* a move is a change of the figures */
        /* As a Watch of the whole is judged (h_status.c): the status and a frame's room.
         * Whole views exist only while the status is under the limit, so this sizes a
         * status of at most a few MB, and only at the move that takes it over. */
        m->too_large = w->reply_limit > 0 &&
                       reno__status_reply__get_packed_size(move->after) + 64 > w->reply_limit;
    } else {
        m->paged = true;
        size_t before_len, after_len;
        uint8_t *b;
        if (v->held != NULL && v->held_position == move->from_position) {
            /* The page as the last move left it: what its watchers hold. */
            m->before = v->held;
            b = v->held_bytes;
            before_len = v->held_len;
        } else {
            status_page_build(move->before, &v->page, &m->before_page, &m->before_mem);
            if (v->page.form == RENO__STATUS_FORM__STATUS_FORM_COMPACT)
                status_form_compact(&m->before_page, &m->before_form);
            m->before = &m->before_page;
            b = pack_page(m->before, &before_len);
        }
        status_page_build(move->after, &v->page, &m->after_page, &m->after_mem);
        if (v->page.form == RENO__STATUS_FORM__STATUS_FORM_COMPACT)
            status_form_compact(&m->after_page, &m->after_form);
        m->after = &m->after_page;
        uint8_t *a = pack_page(m->after, &after_len);
        m->differs = before_len != after_len || memcmp(a, b, after_len) != 0;
        /* The page after the move is kept for the next one; the one replaced stays
         * readable until the end of this move (m->before may be it). */
        m->old_held = v->held;
        m->old_held_bytes = v->held_bytes;
        if (b != v->held_bytes)
            free(b);
        v->held = reno__status_reply__unpack(NULL, after_len, a);
        v->held_bytes = v->held != NULL ? a : NULL;
        v->held_len = after_len;
        v->held_position = move->to_position;
        if (v->held == NULL)
            free(a);
    }
    if (!m->differs)
        return;
    v->since = move->to_position;
    m->n_changes = describe_changes(m->before, m->after, m->changes);
    reno__status_changed__init(&m->sc);
    m->sc.status = (Reno__StatusReply *)m->after;
    m->sc.n_changes = m->n_changes;
    m->sc.changes = m->changes;
    reno__event__init(&m->changed);
    m->changed.body_case = RENO__EVENT__BODY_STATUS_CHANGED;
    m->changed.status_changed = &m->sc;
    reno__event__init(&m->delta);
    m->delta.body_case = RENO__EVENT__BODY_STATUS_DELTA;
}

static void view_move_end(struct watch_view *v)
{
    struct view_move *m = &v->move;
    conn_shared_unref(m->changed_frame);
    conn_shared_unref(m->delta_frame);
    for (size_t i = 0; i < m->n_changes; i++)
        free(m->changes[i]);
    if (m->paged) {
        status_form_release(&m->before_form);
        status_form_release(&m->after_form);
        status_page_free(&m->before_mem);
        status_page_free(&m->after_mem);
    }
    if (m->old_held != NULL)
        reno__status_reply__free_unpacked(m->old_held, NULL);
    free(m->old_held_bytes);
    memset(m, 0, sizeof *m);
}

/* The view's event for this move, packed once: the delta or the whole view. NULL when it
 * is over the reply limit. */
static struct conn_shared *view_frame(struct watch *w, struct watch_view *v,
                                      const struct rollup_move *move, bool delta)
{
    struct view_move *m = &v->move;
    if (delta && !m->delta_packed) {
        m->delta_packed = true;
        /* The delta itself is made once too, and only when someone asked for it. */
        struct status_delta d;
        if (v->whole && !move->all_projects)
            /* The whole status: only the projects the roll-up read again can differ. */
            status_delta_make_some(m->before, m->after, move->projects, move->n_projects, &d);
        else
            status_delta_make(m->before, m->after, &d); /* a page: small */
        d.delta.from_position = m->from;
        d.delta.to_position = move->to_position;
        d.delta.changes = m->changes;
        d.delta.n_changes = m->n_changes;
        m->delta.status_delta = &d.delta;
        m->delta_frame = w->sink->pack(w->sink_arg, &m->delta);
        m->delta.status_delta = NULL;
        status_delta_release(&d);
    } else if (!delta && !m->changed_packed) {
        m->changed_packed = true;
        m->changed_frame = w->sink->pack(w->sink_arg, &m->changed);
    }
    return delta ? m->delta_frame : m->changed_frame;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A Resync with its reason, packed when first needed. */
struct resync_frame {
    Reno__Resync body;
    Reno__Event event;
    struct conn_shared *frame;
    bool packed;
};

static void resync_init(struct resync_frame *r, const char *reason)
{
    memset(r, 0, sizeof *r);
    reno__resync__init(&r->body);
    r->body.reason = (char *)reason;
    reno__event__init(&r->event);
    r->event.body_case = RENO__EVENT__BODY_RESYNC;
    r->event.resync = &r->body;
}

static struct conn_shared *resync_frame(struct watch *w, struct resync_frame *r)
{
    if (!r->packed) {
        r->packed = true;
        r->frame = w->sink->pack(w->sink_arg, &r->event);
    }
    return r->frame;
}

void watch_on_move(void *arg, const struct rollup_move *move)
{
    struct watch *w = arg;
    struct watch_programme *p = find(w, move->programme_id, false);
    if (p == NULL || move->before == NULL)
        return;
    struct resync_frame behind, too_large, page_too_large;
    resync_init(&behind,
                "updates were dropped because this connection did not read them: ask again");
    resync_init(&too_large, "the whole status is over the reply limit: watch a page of it");
    resync_init(&page_too_large, "this page is over the reply limit: watch a smaller page");

    /* A send may close connections (this one over the reply limit, others over the
     * output budget), and a closing connection leaves the list, its view with it when it
     * was the last: the views are worked out and the watchers taken first, and each
     * watcher is checked to be still registered before it is sent to. The views are
     * freed only after the sends (a view left by every watcher is kept meanwhile by a
     * reference of this function). Their memory stays valid meanwhile (a client is freed
     * only after its handle's close callback, which cannot run during this call). */
    double began = now_ms();
    size_t n_views = p->n_views, changed = 0;
    struct watch_view **views = xcalloc(n_views + 1, sizeof *views);
    size_t k = 0;
    for (struct watch_view *v = p->views; v; v = v->next) {
        views[k++] = v;
        v->watchers++; /* ours until the end of the move */
        view_move_begin(w, v, move);
        changed += v->move.differs;
    }
    double viewed = now_ms();
    unsigned long long sent_before = w->pushes + w->deltas + w->resyncs;
    if (w->scratch_size < p->count) {
        w->scratch_size = p->count * 2;
        w->scratch = xrealloc(w->scratch, w->scratch_size * sizeof *w->scratch);
    }
    size_t count = 0;
    for (struct watcher *x = p->head; x; x = x->next)
        w->scratch[count++] = x;
    for (size_t i = 0; i < count; i++) {
        struct watcher *x = w->scratch[i];
        if (x->list == NULL || x->programme_id != move->programme_id)
            continue;
        struct watch_view *v = x->view;
        if (!v->move.differs) {
            w->unchanged++;
            continue;
        }
        size_t backlog = w->sink->backlog(x);
        if (backlog > w->queue_limit) {
            if (!x->resync_sent) {
                x->resync_sent = true;
                w->resyncs++;
                w->sink->send(x, &behind.event, resync_frame(w, &behind));
            }
            continue;
        }
        if (v->move.too_large) {
            w->resyncs++;
            w->sink->send(x, &too_large.event, resync_frame(w, &too_large));
            watch_remove(w, x);
            continue;
        }
        x->resync_sent = false;
        bool follows = x->deltas && x->position >= v->move.from && x->position < move->to_position;
        x->position = move->to_position;
        struct conn_shared *frame = view_frame(w, v, move, follows);
        if (frame == NULL) {
            /* The whole status (or a page, under a small reply limit) grew over the reply
             * limit since this watcher started: it is told to watch a page (a smaller
             * one) instead, its watch ends, and it keeps its connection. */
            struct resync_frame *r = v->whole ? &too_large : &page_too_large;
            w->resyncs++;
            w->sink->send(x, &r->event, resync_frame(w, r));
            watch_remove(w, x);
            continue;
        }
        if (follows)
            w->deltas++;
        else
            w->pushes++;
        w->sink->send(x, follows ? &v->move.delta : &v->move.changed, frame);
    }
    double sent = now_ms();
    struct watch_programme *still = find(w, move->programme_id, false);
    for (size_t i = 0; i < k; i++) {
        view_move_end(views[i]);
        if (still == p)
            view_put(p, views[i]);
        else {
            /* Every watcher left during the sends: the list head is gone. */
            view_free(views[i]);
        }
    }
    free(views);
    /* What a move costs the loop, apart (the views' pages before and after, compared) and
     * per watcher (queueing the shared frames): bench/watch-page reads this line. */
    log_info("watch: programme %lld at position %lld: %zu of %zu views changed in %.1f ms, "
             "%llu events queued on %zu watchers in %.1f ms",
             (long long)move->programme_id, (long long)move->to_position, changed, k,
             viewed - began, w->pushes + w->deltas + w->resyncs - sent_before, count,
             sent - viewed);
    conn_shared_unref(behind.frame);
    conn_shared_unref(too_large.frame);
    conn_shared_unref(page_too_large.frame);
}
