/*
 * Making and applying status deltas by reflection over StatusReply's descriptor. See
 * status_delta.h.
 */
#include "status_delta.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* ---- per-project fields ---------------------------------------------------------------- */

/* The project_id field of a row type, or NULL when its rows are not per project. */
static const ProtobufCFieldDescriptor *project_id_of(const ProtobufCMessageDescriptor *md)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(md, "project_id");
    if (f == NULL || f->type != PROTOBUF_C_TYPE_INT64 || f->label == PROTOBUF_C_LABEL_REPEATED ||
        (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    return f;
}

/* The project id of a row of a field whose rows are per project. */
static int64_t row_id(const ProtobufCFieldDescriptor *pid, const ProtobufCMessage *row)
{
    int64_t id;
    memcpy(&id, (const char *)row + pid->offset, sizeof id);
    return id;
}

static bool per_project(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
           project_id_of(f->descriptor) != NULL;
}

static size_t *count_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (size_t *)(void *)((char *)m + f->quantifier_offset);
}

static ProtobufCMessage ***rows_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (ProtobufCMessage ***)(void *)((char *)m + f->offset);
}

/* ---- id sets --------------------------------------------------------------------------- */

struct ids {
    int64_t *v;
    size_t n, cap;
};

static void ids_add(struct ids *s, int64_t id)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = id;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts and drops duplicates. */
static void ids_seal(struct ids *s)
{
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_id);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->v[i] != s->v[k - 1])
            s->v[k++] = s->v[i];
    s->n = k;
}

static bool ids_has(const struct ids *s, int64_t id)
{
    return s->n > 0 && bsearch(&id, s->v, s->n, sizeof *s->v, cmp_id) != NULL;
}

/* ---- making ---------------------------------------------------------------------------- */

/* A row's place: its project and index, sorted by project then index. */
struct place {
    int64_t id;
    size_t index;
};

static int cmp_place(const void *a, const void *b)
{
    const struct place *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->index > y->index) - (x->index < y->index);
}

static struct place *places_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                               const ProtobufCFieldDescriptor *pid, size_t *n)
{
    *n = *count_of(m, f);
    ProtobufCMessage **rows = *rows_of(m, f);
    struct place *p = xmalloc((*n ? *n : 1) * sizeof *p);
    for (size_t i = 0; i < *n; i++) {
        p[i].id = row_id(pid, rows[i]);
        p[i].index = i;
    }
    qsort(p, *n, sizeof *p, cmp_place);
    return p;
}

/* A scratch buffer for packing rows to compare them. */
struct scratch {
    uint8_t *a, *b;
    size_t cap_a, cap_b;
};

static bool same_row(struct scratch *s, const ProtobufCMessage *x, const ProtobufCMessage *y)
{
    if (x == y)
        return true;
    size_t lx = protobuf_c_message_get_packed_size(x);
    size_t ly = protobuf_c_message_get_packed_size(y);
    if (lx != ly)
        return false;
    if (lx == 0)
        return true; /* two empty fields (same_field): nothing to pack or compare */
    if (lx > s->cap_a) {
        s->cap_a = lx;
        s->a = xrealloc(s->a, lx);
    }
    if (ly > s->cap_b) {
        s->cap_b = ly;
        s->b = xrealloc(s->b, ly);
    }
    protobuf_c_message_pack(x, s->a);
    protobuf_c_message_pack(y, s->b);
    return memcmp(s->a, s->b, lx) == 0;
}

/* Walks the places of a's rows (pa) and b's (pb) of one field, both sorted by project, and
 * adds to `changed` every project whose rows differ in number or content, and to
 * `in_after` every project with rows in b. */
static void compare_places(const struct place *pa, size_t na, const struct place *pb, size_t nb,
                           ProtobufCMessage **ra, ProtobufCMessage **rb, struct scratch *s,
                           struct ids *changed, struct ids *in_after)
{
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        int64_t id = i < na && (j >= nb || pa[i].id <= pb[j].id) ? pa[i].id : pb[j].id;
        size_t ei = i, ej = j;
        while (ei < na && pa[ei].id == id)
            ei++;
        while (ej < nb && pb[ej].id == id)
            ej++;
        bool same = ei - i == ej - j;
        for (size_t k = 0; same && k < ei - i; k++)
            same = same_row(s, ra[pa[i + k].index], rb[pb[j + k].index]);
        if (!same)
            ids_add(changed, id);
        if (ej > j)
            ids_add(in_after, id);
        i = ei;
        j = ej;
    }
}

/* Adds to `changed` every project whose rows of field f differ between a and b. */
static void compare_field(const ProtobufCMessage *a, const ProtobufCMessage *b,
                          const ProtobufCFieldDescriptor *f, struct scratch *s, struct ids *changed,
                          struct ids *in_after)
{
    const ProtobufCFieldDescriptor *pid = project_id_of(f->descriptor);
    size_t na, nb;
    struct place *pa = places_of(a, f, pid, &na);
    struct place *pb = places_of(b, f, pid, &nb);
    compare_places(pa, na, pb, nb, *rows_of(a, f), *rows_of(b, f), s, changed, in_after);
    free(pa);
    free(pb);
}

/* Adds the ids of a's and b's rows of field f whose project is among `cand` (sorted) to
 * places pa and pb, and compares every other row pairwise in order: a pair with the
 * same project is the same row when it is the same pointer or packs the same (a status
 * brought up to date shares its unchanged rows with the one before). False when the
 * other rows do not pair up (a project's rows moved, or one not named changed in
 * number): the caller then compares the field whole. */
static bool compare_others(const ProtobufCMessage *a, const ProtobufCMessage *b,
                           const ProtobufCFieldDescriptor *f, const ProtobufCFieldDescriptor *pid,
                           const struct ids *cand, struct scratch *s, struct ids *changed,
                           struct place **pa, size_t *npa, struct place **pb, size_t *npb)
{
    size_t na = *count_of(a, f), nb = *count_of(b, f);
    ProtobufCMessage **ra = *rows_of(a, f), **rb = *rows_of(b, f);
    size_t i = 0, j = 0;
    for (;;) {
        while (i < na && ids_has(cand, row_id(pid, ra[i]))) {
            (*pa)[*npa].id = row_id(pid, ra[i]);
            (*pa)[(*npa)++].index = i++;
        }
        while (j < nb && ids_has(cand, row_id(pid, rb[j]))) {
            (*pb)[*npb].id = row_id(pid, rb[j]);
            (*pb)[(*npb)++].index = j++;
        }
        if (i == na || j == nb)
            return i == na && j == nb;
        int64_t id = row_id(pid, ra[i]);
        if (id != row_id(pid, rb[j]))
            return false;
        if (!same_row(s, ra[i], rb[j]))
            ids_add(changed, id);
        i++;
        j++;
    }
}

/* compare_field when only the projects `cand` (sorted, with 0 for the totals) are
 * expected to have changed: those are compared as compare_field does, the other rows in
 * one pass, pairwise. What it adds to `changed` and `in_after` is what compare_field
 * would add, save that a changed project is added to in_after only when changed. */
static void compare_field_hinted(const ProtobufCMessage *a, const ProtobufCMessage *b,
                                 const ProtobufCFieldDescriptor *f, const struct ids *cand,
                                 struct scratch *s, struct ids *changed, struct ids *in_after)
{
    const ProtobufCFieldDescriptor *pid = project_id_of(f->descriptor);
    size_t na = *count_of(a, f), nb = *count_of(b, f);
    struct place *pa = xmalloc((na ? na : 1) * sizeof *pa);
    struct place *pb = xmalloc((nb ? nb : 1) * sizeof *pb);
    size_t npa = 0, npb = 0;
    size_t changed_before = changed->n;
    if (!compare_others(a, b, f, pid, cand, s, changed, &pa, &npa, &pb, &npb)) {
        free(pa);
        free(pb);
        compare_field(a, b, f, s, changed, in_after);
        return;
    }
    /* Rows paired up are in both: a project changed among them is in `after`. */
    for (size_t k = changed_before; k < changed->n; k++)
        ids_add(in_after, changed->v[k]);
    qsort(pa, npa, sizeof *pa, cmp_place);
    qsort(pb, npb, sizeof *pb, cmp_place);
    compare_places(pa, npa, pb, npb, *rows_of(a, f), *rows_of(b, f), s, changed, in_after);
    free(pa);
    free(pb);
}

/* A programme-wide field that may be left out of a delta when unchanged: a repeated field
 * or a message (scalars and strings are a few bytes and always travel). */
static bool keepable(const ProtobufCFieldDescriptor *f)
{
    return !per_project(f) &&
           (f->label == PROTOBUF_C_LABEL_REPEATED || f->type == PROTOBUF_C_TYPE_MESSAGE);
}

/* Copies field f (its count and array, or its message pointer) from src to dst, shallow. */
static void copy_field(ProtobufCMessage *dst, const ProtobufCMessage *src,
                       const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        *count_of(dst, f) = *count_of(src, f);
    memcpy((char *)dst + f->offset, (const char *)src + f->offset, sizeof(void *));
}

/* Clears field f of m (shallow: nothing is freed). */
static void clear_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        *count_of(m, f) = 0;
    memset((char *)m + f->offset, 0, sizeof(void *));
}

/* True when field f packs to the same bytes in a and b. */
static bool same_field(struct scratch *s, const ProtobufCMessage *a, const ProtobufCMessage *b,
                       const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE) {
        /* Row by row, so that rows shared by both are not packed. */
        size_t n = *count_of(a, f);
        if (n != *count_of(b, f))
            return false;
        ProtobufCMessage **ra = *rows_of(a, f), **rb = *rows_of(b, f);
        for (size_t i = 0; i < n; i++)
            if (!same_row(s, ra[i], rb[i]))
                return false;
        return true;
    }
    Reno__StatusReply x = RENO__STATUS_REPLY__INIT, y = RENO__STATUS_REPLY__INIT;
    copy_field(&x.base, a, f);
    copy_field(&y.base, b, f);
    return same_row(s, &x.base, &y.base);
}

static void *own(struct status_delta *d, void *array)
{
    d->arrays = xrealloc(d->arrays, (d->n_arrays + 1) * sizeof *d->arrays);
    d->arrays[d->n_arrays++] = array;
    return array;
}

/* True when the rows of unchanged projects come in the same order in a and b. */
static bool same_order(const ProtobufCMessage *a, const ProtobufCMessage *b,
                       const ProtobufCFieldDescriptor *f, const struct ids *changed)
{
    const ProtobufCFieldDescriptor *pid = project_id_of(f->descriptor);
    size_t na = *count_of(a, f), nb = *count_of(b, f);
    ProtobufCMessage **ra = *rows_of(a, f), **rb = *rows_of(b, f);
    size_t i = 0, j = 0;
    for (;;) {
        while (i < na && ids_has(changed, row_id(pid, ra[i])))
            i++;
        while (j < nb && ids_has(changed, row_id(pid, rb[j])))
            j++;
        if (i == na || j == nb)
            return i == na && j == nb;
        if (row_id(pid, ra[i]) != row_id(pid, rb[j]))
            return false;
        i++;
        j++;
    }
}

static void make(const Reno__StatusReply *before, const Reno__StatusReply *after,
                 const struct ids *cand, struct status_delta *d)
{
    memset(d, 0, sizeof *d);
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    const ProtobufCMessage *a = &before->base, *b = &after->base;
    struct scratch s = {0};
    struct ids changed = {0}, in_after = {0};
    for (unsigned i = 0; i < md->n_fields; i++) {
        if (!per_project(&md->fields[i]))
            continue;
        if (cand)
            compare_field_hinted(a, b, &md->fields[i], cand, &s, &changed, &in_after);
        else
            compare_field(a, b, &md->fields[i], &s, &changed, &in_after);
    }
    ids_seal(&changed);
    ids_seal(&in_after);

    reno__status_delta__init(&d->delta);
    d->status = *after; /* shallow: the programme-wide fields travel whole unless kept */
    d->delta.status = &d->status;
    /* The programme-wide lists and messages that did not change stay behind: at a few
     * projects they are most of the status (rules, plan, rhythm, the round). */
    uint32_t *kept = own(d, xmalloc(md->n_fields * sizeof *kept));
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        if (keepable(f) && same_field(&s, a, b, f)) {
            clear_field(&d->status.base, f);
            kept[d->delta.n_kept++] = f->id;
        }
    }
    d->delta.kept = kept;
    free(s.a);
    free(s.b);
    int64_t *projects = own(d, xmalloc((changed.n ? changed.n : 1) * sizeof *projects));
    int64_t *removed = own(d, xmalloc((changed.n ? changed.n : 1) * sizeof *removed));
    for (size_t i = 0; i < changed.n; i++) {
        if (ids_has(&in_after, changed.v[i]))
            projects[d->delta.n_projects++] = changed.v[i];
        else
            removed[d->delta.n_removed++] = changed.v[i];
    }
    d->delta.projects = projects;
    d->delta.removed = removed;

    d->places = own(d, xcalloc(md->n_fields, sizeof *d->places));
    d->place_ptrs = own(d, xcalloc(md->n_fields, sizeof *d->place_ptrs));
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        if (!per_project(f))
            continue;
        const ProtobufCFieldDescriptor *pid = project_id_of(f->descriptor);
        Reno__DeltaPlaces *p = &d->places[d->n_places];
        reno__delta_places__init(p);
        d->place_ptrs[d->n_places++] = p;
        size_t nb = *count_of(b, f);
        ProtobufCMessage **rb = *rows_of(b, f);
        p->field = f->id;
        p->count = (uint32_t)nb;
        p->whole = !same_order(a, b, f, &changed);
        ProtobufCMessage **given = own(d, xmalloc((nb ? nb : 1) * sizeof *given));
        uint32_t *index = own(d, xmalloc((nb ? nb : 1) * sizeof *index));
        size_t n = 0;
        for (size_t k = 0; k < nb; k++) {
            if (!p->whole && !ids_has(&changed, row_id(pid, rb[k])))
                continue;
            given[n] = rb[k];
            index[n++] = (uint32_t)k;
        }
        if (!p->whole) {
            p->index = index;
            p->n_index = n;
        }
        *count_of(&d->status.base, f) = n;
        *rows_of(&d->status.base, f) = given;
    }
    d->delta.places = d->place_ptrs;
    d->delta.n_places = d->n_places;
    free(changed.v);
    free(in_after.v);
}

void status_delta_make(const Reno__StatusReply *before, const Reno__StatusReply *after,
                       struct status_delta *d)
{
    make(before, after, NULL, d);
}

void status_delta_make_some(const Reno__StatusReply *before, const Reno__StatusReply *after,
                            const int64_t *projects, size_t n, struct status_delta *d)
{
    struct ids cand = {0};
    ids_add(&cand, 0); /* the totals */
    for (size_t i = 0; i < n; i++)
        ids_add(&cand, projects[i]);
    ids_seal(&cand);
    make(before, after, &cand, d);
    free(cand.v);
}

void status_delta_release(struct status_delta *d)
{
    for (size_t i = 0; i < d->n_arrays; i++)
        free(d->arrays[i]);
    free(d->arrays);
    memset(d, 0, sizeof *d);
}

/* ---- applying -------------------------------------------------------------------------- */

static const Reno__DeltaPlaces *place_for(const Reno__StatusDelta *d, uint32_t field)
{
    for (size_t i = 0; i < d->n_places; i++)
        if (d->places[i] != NULL && d->places[i]->field == field)
            return d->places[i];
    return NULL;
}

/* Builds field f of `out` from `held` and the delta's rows; false (with why) when they do
 * not fit. The array is added to `arrays` to be freed by the caller. */
static bool merge_field(const Reno__StatusReply *held, const Reno__StatusDelta *delta,
                        const struct ids *dropped, const ProtobufCFieldDescriptor *f,
                        Reno__StatusReply *out, void **arrays, size_t *n_arrays, char *why,
                        size_t why_size)
{
    const ProtobufCFieldDescriptor *pid = project_id_of(f->descriptor);
    const Reno__DeltaPlaces *p = place_for(delta, f->id);
    size_t ng = *count_of(&delta->status->base, f);
    ProtobufCMessage **given = *rows_of(&delta->status->base, f);
    size_t nh = *count_of(&held->base, f);
    ProtobufCMessage **rh = *rows_of(&held->base, f);
    bool whole = p != NULL && p->whole;
    size_t kept = 0;
    if (!whole)
        for (size_t i = 0; i < nh; i++)
            kept += !ids_has(dropped, row_id(pid, rh[i]));
    size_t count = p != NULL ? p->count : kept + ng;
    bool fits;
    if (whole)
        fits = ng == count;
    else if (p == NULL)
        fits = ng == 0; /* a field the sender did not place: its rows are kept */
    else
        fits = count == kept + ng && p->n_index == ng;
    if (!fits) {
        snprintf(why, why_size, "field %u: %zu rows kept and %zu given do not make %zu", f->id,
                 whole ? 0 : kept, ng, count);
        return false;
    }
    ProtobufCMessage **rows = xmalloc((count ? count : 1) * sizeof *rows);
    arrays[(*n_arrays)++] = rows;
    size_t g = 0, h = 0;
    for (size_t k = 0; k < count; k++) {
        if (g < ng && (whole || p->index[g] == k)) {
            rows[k] = given[g++];
            continue;
        }
        while (h < nh && ids_has(dropped, row_id(pid, rh[h])))
            h++;
        if (whole || h == nh) {
            snprintf(why, why_size, "field %u: the places are out of order or range", f->id);
            return false;
        }
        rows[k] = rh[h++];
    }
    if (g != ng) {
        snprintf(why, why_size, "field %u: the places are out of order or range", f->id);
        return false;
    }
    *count_of(&out->base, f) = count;
    *rows_of(&out->base, f) = rows;
    return true;
}

Reno__StatusReply *status_delta_apply(const Reno__StatusReply *held, const Reno__StatusDelta *delta,
                                      char *why, size_t why_size)
{
    if (held == NULL || delta == NULL || delta->status == NULL) {
        snprintf(why, why_size, "no status to apply the delta to, or none in it");
        return NULL;
    }
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    struct ids dropped = {0};
    for (size_t i = 0; i < delta->n_projects; i++)
        ids_add(&dropped, delta->projects[i]);
    for (size_t i = 0; i < delta->n_removed; i++)
        ids_add(&dropped, delta->removed[i]);
    ids_seal(&dropped);
    Reno__StatusReply out = *delta->status; /* shallow: the programme-wide fields whole */
    void **arrays = xcalloc(md->n_fields, sizeof *arrays);
    size_t n_arrays = 0;
    bool ok = true;
    /* The fields the delta left out stand as held: each must name a programme-wide list
     * or message, once, and not come with rows of its own. */
    for (size_t i = 0; ok && i < delta->n_kept; i++) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(md, delta->kept[i]);
        if (f == NULL || !keepable(f)) {
            snprintf(why, why_size, "kept field %u is not a programme-wide list or message",
                     delta->kept[i]);
            ok = false;
            break;
        }
        bool given =
            f->label == PROTOBUF_C_LABEL_REPEATED
                ? *count_of(&delta->status->base, f) != 0
                : *(void *const *)(const void *)((const char *)delta->status + f->offset) != NULL;
        for (size_t j = 0; j < i; j++)
            given |= delta->kept[j] == delta->kept[i];
        if (given) {
            snprintf(why, why_size, "field %u is both kept and given", f->id);
            ok = false;
            break;
        }
        copy_field(&out.base, &held->base, f);
    }
    for (unsigned i = 0; ok && i < md->n_fields; i++)
        if (per_project(&md->fields[i]))
            ok = merge_field(held, delta, &dropped, &md->fields[i], &out, arrays, &n_arrays, why,
                             why_size);
    Reno__StatusReply *result = NULL;
    if (ok) {
        /* Packed and unpacked again, so that the result owns every byte of its own. */
        size_t len = reno__status_reply__get_packed_size(&out);
        uint8_t *buf = xmalloc(len ? len : 1);
        reno__status_reply__pack(&out, buf);
        result = reno__status_reply__unpack(NULL, len, buf);
        free(buf);
        if (result == NULL)
            snprintf(why, why_size, "the applied status does not unpack");
    }
    for (size_t i = 0; i < n_arrays; i++)
        free(arrays[i]);
    free(arrays);
    free(dropped.v);
    return result;
}
