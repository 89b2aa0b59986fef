/*
 * The compact form of a status page and filling it back (status_form.h).
 */
#include "status_form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status_delta.h"
#include "xmalloc.h"

static void *own(struct status_form *f, void *p)
{
    if (f->n_owned == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->owned = xrealloc(f->owned, f->cap * sizeof *f->owned);
    }
    f->owned[f->n_owned++] = p;
    return p;
}

void status_form_release(struct status_form *f)
{
    for (size_t i = 0; i < f->n_owned; i++)
        free(f->owned[i]);
    free(f->owned);
    memset(f, 0, sizeof *f);
}

static bool same(const char *a, const char *b)
{
    return a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0;
}

/* The summary row (period "") of the rhythm duty `code`, or NULL. Summaries are few (one
 * per duty), so they are looked for among the summaries only. */
static const Reno__StatusRhythm *summary_of(Reno__StatusRhythm *const *summaries, size_t n,
                                            const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(summaries[i]->code, code) == 0)
            return summaries[i];
    return NULL;
}

static size_t summaries_of(const Reno__StatusReply *s, Reno__StatusRhythm **out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_rhythm; i++)
        if (s->rhythm[i]->period[0] == '\0' && summary_of(out, n, s->rhythm[i]->code) == NULL)
            out[n++] = s->rhythm[i];
    return n;
}

/* A project's name by id, from a page's projects sorted by id. */
struct named {
    int64_t id;
    const char *name;
};

static int cmp_named(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static struct named *names_of(const Reno__StatusReply *s)
{
    struct named *names = xcalloc(s->n_projects + 1, sizeof *names);
    for (size_t i = 0; i < s->n_projects; i++) {
        names[i].id = s->projects[i]->project_id;
        names[i].name = s->projects[i]->name;
    }
    qsort(names, s->n_projects, sizeof *names, cmp_named);
    return names;
}

/* The name of project `id` (the programme's title for 0), or NULL. */
static const char *name_of(const Reno__StatusReply *s, const struct named *names, int64_t id)
{
    if (id == 0)
        return s->programme_title;
    struct named key = {.id = id, .name = NULL};
    const struct named *hit = bsearch(&key, names, s->n_projects, sizeof *names, cmp_named);
    return hit != NULL ? hit->name : NULL;
}

/* The duty summary a light reason's code names (rhythm_<duty>), or NULL. */
static const Reno__StatusRhythm *reason_summary(Reno__StatusRhythm *const *summaries, size_t n,
                                                const char *code)
{
    static const char prefix[] = "rhythm_";
    if (strncmp(code, prefix, sizeof prefix - 1) != 0)
        return NULL;
    return summary_of(summaries, n, code + sizeof prefix - 1);
}

/* The index of the first row of unit `code` among rows[0..n), looked for in `units` (the
 * first rows of each unit seen so far); n_units grows when the unit is new. */
static size_t first_of_unit(Reno__MissingReporter *const *rows, size_t *units, size_t *n_units,
                            size_t i)
{
    for (size_t k = 0; k < *n_units; k++)
        if (strcmp(rows[units[k]]->unit_code, rows[i]->unit_code) == 0)
            return units[k];
    units[(*n_units)++] = i;
    return i;
}

/* The row a rhythm row takes left-out texts from: a missed period's duty summary; for a
 * summary other than the first, the first summary (the same unit, and a detail that ends
 * the same: who should have acted); NULL for the first summary. */
static const Reno__StatusRhythm *rhythm_base(Reno__StatusRhythm *const *summaries, size_t n,
                                             const Reno__StatusRhythm *r)
{
    if (r->period[0] != '\0')
        return summary_of(summaries, n, r->code);
    return n > 0 && summaries[0] != r ? summaries[0] : NULL;
}

/* ---- compacting -------------------------------------------------------------------------- */

static void compact_rhythm(Reno__StatusReply *v, struct status_form *f,
                           Reno__StatusRhythm *const *summaries, size_t n_summaries)
{
    Reno__StatusRhythm **rows = own(f, xcalloc(v->n_rhythm + 1, sizeof *rows));
    for (size_t i = 0; i < v->n_rhythm; i++) {
        Reno__StatusRhythm *r = v->rhythm[i];
        rows[i] = r;
        bool period = r->period[0] != '\0';
        const Reno__StatusRhythm *sum = rhythm_base(summaries, n_summaries, r);
        if (sum == NULL)
            continue;
        Reno__StatusRhythm *c = own(f, xmalloc(sizeof *c));
        *c = *r;
        if (period && same(c->title, sum->title))
            c->title = (char *)"";
        if (same(c->unit_code, sum->unit_code))
            c->unit_code = (char *)"";
        if (same(c->unit_name, sum->unit_name))
            c->unit_name = (char *)"";
        /* The end the detail shares with the summary's, cut where a character begins. */
        size_t len = strlen(r->detail), slen = strlen(sum->detail), tail = 0;
        while (tail < len && tail < slen &&
               r->detail[len - 1 - tail] == sum->detail[slen - 1 - tail])
            tail++;
        while (tail > 0 && ((unsigned char)r->detail[len - tail] & 0xC0) == 0x80)
            tail--;
        if (tail > 0 && tail <= INT32_MAX) {
            c->detail = own(f, xmalloc(len - tail + 1));
            memcpy(c->detail, r->detail, len - tail);
            c->detail[len - tail] = '\0';
            c->detail_tail = (int32_t)tail;
        }
        rows[i] = c;
    }
    v->rhythm = rows;
}

static void compact_lights(Reno__StatusReply *v, struct status_form *f, const struct named *names,
                           Reno__StatusRhythm *const *summaries, size_t n_summaries)
{
    Reno__StatusLight **rows = own(f, xcalloc(v->n_lights + 1, sizeof *rows));
    for (size_t i = 0; i < v->n_lights; i++) {
        const Reno__StatusLight *l = v->lights[i];
        Reno__StatusLight *c = own(f, xmalloc(sizeof *c));
        *c = *l;
        if (same(l->name, name_of(v, names, l->project_id)))
            c->name = (char *)"";
        if (l->n_reasons > 0 && same(l->detail, l->reasons[0]->detail))
            c->detail = (char *)"";
        Reno__LightReason **reasons = own(f, xcalloc(l->n_reasons + 1, sizeof *reasons));
        for (size_t k = 0; k < l->n_reasons; k++) {
            Reno__LightReason *r = l->reasons[k];
            reasons[k] = r;
            const Reno__StatusRhythm *sum = reason_summary(summaries, n_summaries, r->code);
            size_t slen = sum != NULL ? strlen(sum->detail) : 0;
            if (slen == 0 || strncmp(r->detail, sum->detail, slen) != 0)
                continue;
            Reno__LightReason *rc = own(f, xmalloc(sizeof *rc));
            *rc = *r;
            rc->detail = r->detail + slen; /* the rest of the same text */
            rc->rhythm_detail = true;
            reasons[k] = rc;
        }
        c->reasons = reasons;
        rows[i] = c;
    }
    v->lights = rows;
}

static void compact_missing(Reno__StatusReply *v, struct status_form *f, const struct named *names)
{
    size_t n = v->n_missing_reporters, n_units = 0;
    Reno__MissingReporter **rows = own(f, xcalloc(n + 1, sizeof *rows));
    size_t *units = xcalloc(n + 1, sizeof *units);
    for (size_t i = 0; i < n; i++) {
        const Reno__MissingReporter *m = v->missing_reporters[i];
        const Reno__MissingReporter *first =
            v->missing_reporters[first_of_unit(v->missing_reporters, units, &n_units, i)];
        Reno__MissingReporter *c = own(f, xmalloc(sizeof *c));
        *c = *m;
        if (same(m->project_name, name_of(v, names, m->project_id)))
            c->project_name = (char *)"";
        if (first != m) {
            if (same(m->unit_name, first->unit_name))
                c->unit_name = (char *)"";
            if (same(m->duty, first->duty))
                c->duty = (char *)"";
        }
        rows[i] = c;
    }
    free(units);
    v->missing_reporters = rows;
}

static uint8_t *pack(const Reno__StatusReply *s, size_t *len)
{
    *len = reno__status_reply__get_packed_size(s);
    uint8_t *buf = xmalloc(*len ? *len : 1);
    reno__status_reply__pack(s, buf);
    return buf;
}

bool status_form_compact(Reno__StatusReply *view, struct status_form *f)
{
    memset(f, 0, sizeof *f);
    Reno__StatusReply was = *view;
    if (was.form != RENO__STATUS_FORM__STATUS_FORM_FULL)
        return false;
    Reno__StatusRhythm **summaries = xcalloc(view->n_rhythm + 1, sizeof *summaries);
    size_t n_summaries = summaries_of(view, summaries);
    struct named *names = names_of(view);
    compact_rhythm(view, f, summaries, n_summaries);
    compact_lights(view, f, names, summaries, n_summaries);
    compact_missing(view, f, names);
    free(names);
    free(summaries);
    view->form = RENO__STATUS_FORM__STATUS_FORM_COMPACT;

    /* Exact or not at all: a text that is "" in the full page where its row's source is
     * not would be filled with the source's. */
    size_t full_len, filled_len = 0;
    uint8_t *full = pack(&was, &full_len);
    Reno__StatusReply *filled = status_form_fill(view, NULL);
    uint8_t *back = filled != NULL ? pack(filled, &filled_len) : NULL;
    bool exact = back != NULL && filled_len == full_len && memcmp(full, back, full_len) == 0;
    if (filled != NULL)
        reno__status_reply__free_unpacked(filled, NULL);
    free(back);
    free(full);
    if (!exact) {
        *view = was;
        status_form_release(f);
    }
    return exact;
}

/* ---- filling back ------------------------------------------------------------------------ */

static void *alloc(ProtobufCAllocator *a, size_t size)
{
    return a != NULL ? a->alloc(a->allocator_data, size) : malloc(size);
}

static void release(ProtobufCAllocator *a, void *p)
{
    if (a != NULL)
        a->free(a->allocator_data, p);
    else
        free(p);
}

/* *field = head + tail (either may be NULL: nothing), allocated as the message is. */
static bool set_text(char **field, const char *head, size_t head_len, const char *tail,
                     size_t tail_len, ProtobufCAllocator *a)
{
    char *text = alloc(a, head_len + tail_len + 1);
    if (text == NULL)
        return false;
    if (head_len > 0)
        memcpy(text, head, head_len);
    if (tail_len > 0)
        memcpy(text + head_len, tail, tail_len);
    text[head_len + tail_len] = '\0';
    if (*field != NULL && *field != protobuf_c_empty_string)
        release(a, *field);
    *field = text;
    return true;
}

static bool fill_empty(char **field, const char *from, ProtobufCAllocator *a)
{
    if ((*field)[0] != '\0' || from == NULL || from[0] == '\0')
        return true;
    return set_text(field, from, strlen(from), NULL, 0, a);
}

static bool fill_rhythm(Reno__StatusReply *s, ProtobufCAllocator *a)
{
    Reno__StatusRhythm **summaries = xcalloc(s->n_rhythm + 1, sizeof *summaries);
    size_t n_summaries = summaries_of(s, summaries);
    bool ok = true;
    /* The summaries first: the missed periods are filled from them. */
    for (size_t i = 0; ok && i < 2 * s->n_rhythm; i++) {
        Reno__StatusRhythm *r = s->rhythm[i % s->n_rhythm];
        bool period = r->period[0] != '\0';
        if (period != (i >= s->n_rhythm))
            continue;
        const Reno__StatusRhythm *sum = rhythm_base(summaries, n_summaries, r);
        if (sum != NULL) {
            ok = (!period || fill_empty(&r->title, sum->title, a)) &&
                 fill_empty(&r->unit_code, sum->unit_code, a) &&
                 fill_empty(&r->unit_name, sum->unit_name, a);
            size_t slen = strlen(sum->detail);
            if (ok && r->detail_tail > 0 && (size_t)r->detail_tail <= slen)
                ok = set_text(&r->detail, r->detail, strlen(r->detail),
                              sum->detail + slen - (size_t)r->detail_tail, (size_t)r->detail_tail,
                              a);
        }
        r->detail_tail = 0;
    }
    free(summaries);
    return ok;
}

static bool fill_lights(Reno__StatusReply *s, const struct named *names, ProtobufCAllocator *a)
{
    Reno__StatusRhythm **summaries = xcalloc(s->n_rhythm + 1, sizeof *summaries);
    size_t n_summaries = summaries_of(s, summaries);
    bool ok = true;
    for (size_t i = 0; ok && i < s->n_lights; i++) {
        Reno__StatusLight *l = s->lights[i];
        for (size_t k = 0; ok && k < l->n_reasons; k++) {
            Reno__LightReason *r = l->reasons[k];
            const Reno__StatusRhythm *sum =
                r->rhythm_detail ? reason_summary(summaries, n_summaries, r->code) : NULL;
            if (sum != NULL)
                ok = set_text(&r->detail, sum->detail, strlen(sum->detail), r->detail,
                              strlen(r->detail), a);
            r->rhythm_detail = false;
        }
        if (ok)
            ok = fill_empty(&l->name, name_of(s, names, l->project_id), a);
        if (ok && l->n_reasons > 0)
            ok = fill_empty(&l->detail, l->reasons[0]->detail, a);
    }
    free(summaries);
    return ok;
}

static bool fill_missing(Reno__StatusReply *s, const struct named *names, ProtobufCAllocator *a)
{
    size_t n = s->n_missing_reporters, n_units = 0;
    size_t *units = xcalloc(n + 1, sizeof *units);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        Reno__MissingReporter *m = s->missing_reporters[i];
        const Reno__MissingReporter *first =
            s->missing_reporters[first_of_unit(s->missing_reporters, units, &n_units, i)];
        ok = fill_empty(&m->project_name, name_of(s, names, m->project_id), a);
        if (ok && first != m)
            ok = fill_empty(&m->unit_name, first->unit_name, a) &&
                 fill_empty(&m->duty, first->duty, a);
    }
    free(units);
    return ok;
}

Reno__StatusReply *status_form_fill(const Reno__StatusReply *s, ProtobufCAllocator *allocator)
{
    size_t len;
    uint8_t *buf = pack(s, &len);
    Reno__StatusReply *copy = reno__status_reply__unpack(allocator, len, buf);
    free(buf);
    if (copy == NULL || copy->form != RENO__STATUS_FORM__STATUS_FORM_COMPACT)
        return copy;
    struct named *names = names_of(copy);
    /* The rhythm first: the lights' reasons are filled from its summaries, which a compact
     * page carries whole. */
    bool ok = fill_rhythm(copy, allocator) && fill_lights(copy, names, allocator) &&
              fill_missing(copy, names, allocator);
    free(names);
    copy->form = RENO__STATUS_FORM__STATUS_FORM_FULL;
    if (!ok) {
        reno__status_reply__free_unpacked(copy, allocator);
        return NULL;
    }
    return copy;
}

Reno__StatusReply *status_form_apply(const Reno__StatusReply *held, const Reno__StatusDelta *delta,
                                     char *why, size_t why_size)
{
    if (delta->status == NULL || delta->status->form != RENO__STATUS_FORM__STATUS_FORM_COMPACT)
        return status_delta_apply(held, delta, why, why_size);
    /* The page the server made the delta from: held's compact form when it has one (the
     * server compacts the same page the same way), held itself when it has not. */
    Reno__StatusReply view = *held;
    struct status_form f;
    status_form_compact(&view, &f);
    Reno__StatusReply *next = status_delta_apply(&view, delta, why, why_size);
    status_form_release(&f);
    if (next == NULL)
        return NULL;
    Reno__StatusReply *filled = status_form_fill(next, NULL);
    reno__status_reply__free_unpacked(next, NULL);
    return filled;
}
