/*
 * The watchers of each programme and the events a move of its status becomes. See
 * watch.h.
 */
#include "watch.h"

#include <stdlib.h>
#include <string.h>

#include "status_delta.h"
#include "xmalloc.h"

#define MAX_CHANGES 32

struct watch_programme {
    struct watch_programme *next;
    int64_t programme_id;
    struct watcher *head;
    size_t count;
    int64_t since; /* the position of the last move seen: its figures are held since */
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

void watch_add(struct watch *w, struct watcher *x, int64_t programme_id, int64_t position,
               bool deltas)
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

void watch_done(struct watch *w)
{
    struct watch_programme *next;
    for (struct watch_programme *p = w->programmes; p; p = next) {
        next = p->next;
        for (struct watcher *x = p->head; x; x = x->next)
            x->list = NULL;
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

/* The frames of one move, each packed when the first watcher needs it. */
struct move_frames {
    struct watch *w;
    const struct rollup_move *move;
    int64_t from;
    Reno__Event changed, delta, resync;
    struct conn_shared *changed_frame, *delta_frame, *resync_frame;
    bool changed_packed, delta_packed, resync_packed;
};

static struct conn_shared *frame_of(struct move_frames *f, Reno__Event *event,
                                    struct conn_shared **frame, bool *packed)
{
    if (!*packed) {
        *packed = true;
        if (event == &f->delta) {
            /* The delta itself is made once too, and only when someone asked for it. */
            struct status_delta d;
            if (f->move->all_projects)
                status_delta_make(f->move->before, f->move->after, &d);
            else
                status_delta_make_some(f->move->before, f->move->after, f->move->projects,
                                       f->move->n_projects, &d);
            d.delta.from_position = f->from;
            d.delta.to_position = f->move->to_position;
            d.delta.changes = f->changed.status_changed->changes;
            d.delta.n_changes = f->changed.status_changed->n_changes;
            f->delta.status_delta = &d.delta;
            *frame = f->w->sink->pack(f->w->sink_arg, event);
            f->delta.status_delta = NULL;
            status_delta_release(&d);
        } else {
            *frame = f->w->sink->pack(f->w->sink_arg, event);
        }
    }
    return *frame;
}

void watch_on_move(void *arg, const struct rollup_move *move)
{
    struct watch *w = arg;
    struct watch_programme *p = find(w, move->programme_id, false);
    if (p == NULL || move->before == NULL)
        return;
    char *changes[MAX_CHANGES];
    size_t n = describe_changes(move->before, move->after, changes);
    Reno__StatusChanged sc = RENO__STATUS_CHANGED__INIT;
    sc.status = (Reno__StatusReply *)move->after;
    sc.n_changes = n;
    sc.changes = changes;
    Reno__Resync rs = RENO__RESYNC__INIT;
    rs.reason = "updates were dropped because this connection did not read them: ask again";
    struct move_frames f = {.w = w, .move = move, .from = p->since};
    reno__event__init(&f.changed);
    f.changed.body_case = RENO__EVENT__BODY_STATUS_CHANGED;
    f.changed.status_changed = &sc;
    reno__event__init(&f.delta);
    f.delta.body_case = RENO__EVENT__BODY_STATUS_DELTA;
    reno__event__init(&f.resync);
    f.resync.body_case = RENO__EVENT__BODY_RESYNC;
    f.resync.resync = &rs;
    p->since = move->to_position;

    /* A send may close connections (this one over the reply limit, others over the
     * output budget), and a closing connection leaves the list: the watchers are taken
     * first, and each is checked to be still registered before it is sent to. Their
     * memory stays valid meanwhile (a client is freed only after its handle's close
     * callback, which cannot run during this call). */
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
        size_t backlog = w->sink->backlog(x);
        if (backlog > w->queue_limit) {
            if (!x->resync_sent) {
                x->resync_sent = true;
                w->resyncs++;
                w->sink->send(x, &f.resync,
                              frame_of(&f, &f.resync, &f.resync_frame, &f.resync_packed));
            }
            continue;
        }
        x->resync_sent = false;
        bool follows = x->deltas && x->position >= f.from && x->position < move->to_position;
        x->position = move->to_position;
        if (follows) {
            w->deltas++;
            w->sink->send(x, &f.delta, frame_of(&f, &f.delta, &f.delta_frame, &f.delta_packed));
        } else {
            w->pushes++;
            w->sink->send(x, &f.changed,
                          frame_of(&f, &f.changed, &f.changed_frame, &f.changed_packed));
        }
    }
    conn_shared_unref(f.changed_frame);
    conn_shared_unref(f.delta_frame);
    conn_shared_unref(f.resync_frame);
    for (size_t i = 0; i < n; i++)
        free(changes[i]);
}
