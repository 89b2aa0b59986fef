/*
 * A held status brought up to date project by project. See status_splice.h.
 *
 * The repeated sections are reached through protobuf-c's descriptors (the element
 * count at the field's quantifier_offset, the array of element pointers at its offset),
 * as reflect.c reaches them, so that one splice serves every per-project section. The
 * totals are written out per section, each next to the SQL it mirrors.
 */
#include "status_splice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reflect.h"
#include "xmalloc.h"

/* ---- the repeated fields, by descriptor ------------------------------------------------- */

struct rows {
    size_t *n;
    ProtobufCMessage ***items;
    const ProtobufCFieldDescriptor *field;
    const ProtobufCFieldDescriptor *pid; /* the rows' project_id; NULL when they have none */
};

static struct rows rows_of(Reno__StatusReply *r, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(&reno__status_reply__descriptor, name);
    if (f == NULL || f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        fatal("StatusReply has no repeated message field %s", name);
    const ProtobufCFieldDescriptor *pid = protobuf_c_message_descriptor_get_field_by_name(
        (const ProtobufCMessageDescriptor *)f->descriptor, "project_id");
    if (pid != NULL && pid->type != PROTOBUF_C_TYPE_INT64)
        pid = NULL;
    struct rows rs = {(size_t *)((char *)r + f->quantifier_offset),
                      (ProtobufCMessage ***)((char *)r + f->offset), f, pid};
    return rs;
}

static int64_t project_of(struct rows rs, const ProtobufCMessage *m)
{
    if (rs.pid == NULL)
        fatal("%s has no project_id", rs.field->name);
    return *(const int64_t *)((const char *)m + rs.pid->offset);
}

/* Appends `row` to the same repeated field of `retired`, or frees it when there is none. */
static void retire_row(Reno__StatusReply *retired, const ProtobufCFieldDescriptor *f,
                       ProtobufCMessage *row)
{
    if (retired == NULL) {
        protobuf_c_message_free_unpacked(row, NULL);
        return;
    }
    size_t *n = (size_t *)((char *)retired + f->quantifier_offset);
    ProtobufCMessage ***items = (ProtobufCMessage ***)((char *)retired + f->offset);
    *items = xrealloc(*items, (*n + 1) * sizeof **items);
    (*items)[(*n)++] = row;
}

void status_splice_clear(Reno__StatusReply *r, const char *field, Reno__StatusReply *retired)
{
    struct rows rs = rows_of(r, field);
    for (size_t i = 0; i < *rs.n; i++)
        retire_row(retired, rs.field, (*rs.items)[i]);
    free(*rs.items);
    *rs.items = NULL;
    *rs.n = 0;
}

/* ---- finding a project's rows ----------------------------------------------------------- */

/* Every section holds its project rows in the order of their project ids, each project's
 * together, and then its totals rows (project 0): the order of the section's SQL. A
 * project's rows are found by binary search in that order, so that splicing one project
 * costs the logarithm of the rows held and a move of the pointers after it, not a pass
 * over every row read through its descriptor. */

/* The number of rows before the totals rows at the end. */
static size_t project_rows_end(struct rows rs)
{
    size_t end = *rs.n;
    while (end > 0 && project_of(rs, (*rs.items)[end - 1]) == 0)
        end--;
    return end;
}

/* The first of rows[0..end) whose project is `project` or greater. */
static size_t first_at_or_after(struct rows rs, size_t end, int64_t project)
{
    size_t lo = 0, hi = end;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (project_of(rs, (*rs.items)[mid]) < project)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t status_splice_find(const Reno__StatusReply *r, const char *field, int64_t project,
                          size_t *len)
{
    struct rows rs = rows_of((Reno__StatusReply *)r, field);
    size_t end = project_rows_end(rs);
    size_t at = first_at_or_after(rs, end, project);
    *len = 0;
    while (at + *len < end && project_of(rs, (*rs.items)[at + *len]) == project)
        (*len)++;
    return at;
}

/* Removes rows[at..at+len), retiring them (and taking them off `sums`). */
static void remove_rows(struct rows rs, size_t at, size_t len, struct status_sums *sums,
                        Reno__StatusReply *retired)
{
    if (len == 0)
        return; /* the array may be NULL */
    for (size_t k = at; k < at + len; k++) {
        status_sums_row(sums, rs.field->name, (*rs.items)[k], -1);
        retire_row(retired, rs.field, (*rs.items)[k]);
    }
    memmove(*rs.items + at, *rs.items + at + len, (*rs.n - at - len) * sizeof **rs.items);
    *rs.n -= len;
}

/* Retires the totals rows at the end. */
static void drop_totals(struct rows rs, Reno__StatusReply *retired)
{
    size_t end = project_rows_end(rs);
    for (size_t k = end; k < *rs.n; k++)
        retire_row(retired, rs.field, (*rs.items)[k]);
    *rs.n = end;
}

/* Retires the rows of the projects ids[0..n) (each id once or more, in any order). */
static void drop_projects(struct rows rs, const int64_t *ids, size_t n, struct status_sums *sums,
                          Reno__StatusReply *retired)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == 0)
            continue;
        size_t end = project_rows_end(rs);
        size_t at = first_at_or_after(rs, end, ids[i]);
        size_t len = 0;
        while (at + len < end && project_of(rs, (*rs.items)[at + len]) == ids[i])
            len++;
        remove_rows(rs, at, len, sums, retired);
    }
}

/* Moves the run of rows from[0..len) into rs at `place`. */
static void insert_rows(struct rows rs, size_t place, ProtobufCMessage **from, size_t len)
{
    *rs.items = xrealloc(*rs.items, (*rs.n + len) * sizeof **rs.items);
    memmove(*rs.items + place + len, *rs.items + place, (*rs.n - place) * sizeof **rs.items);
    memcpy(*rs.items + place, from, len * sizeof *from);
    *rs.n += len;
}

void status_splice_rows(Reno__StatusReply *r, Reno__StatusReply *from, const char *field,
                        const int64_t *ids, size_t n, struct status_sums *sums,
                        Reno__StatusReply *retired)
{
    struct rows rs = rows_of(r, field);
    struct rows fs = rows_of(from, field);
    drop_projects(rs, ids, n, sums, retired);
    /* Each project's rows arrive together; a project the section has no rows for (or
     * that is gone) simply adds none. Each goes before the first row of a greater
     * project or of the totals. */
    size_t i = 0;
    while (i < *fs.n) {
        int64_t project = project_of(fs, (*fs.items)[i]);
        size_t j = i + 1;
        while (j < *fs.n && project_of(fs, (*fs.items)[j]) == project)
            j++;
        if (project == 0) {
            /* A totals row, which reno_status_phases returns even for one project (an
             * aggregate over no rows is one row): computed here instead. */
            for (size_t k = i; k < j; k++)
                protobuf_c_message_free_unpacked((*fs.items)[k], NULL);
        } else {
            for (size_t k = i; k < j; k++)
                status_sums_row(sums, field, (*fs.items)[k], +1);
            insert_rows(rs, first_at_or_after(rs, project_rows_end(rs), project), *fs.items + i,
                        j - i);
        }
        i = j;
    }
    free(*fs.items);
    *fs.items = NULL;
    *fs.n = 0;
}

void status_splice_drop(Reno__StatusReply *r, const char *field, const int64_t *ids, size_t n,
                        Reno__StatusReply *retired)
{
    struct rows rs = rows_of(r, field);
    drop_totals(rs, retired);
    drop_projects(rs, ids, n, NULL, retired);
}

/* The first of r->projects[0..n) whose id is `project` or greater (the projects are in
 * the order of their ids). */
static size_t first_project_at_or_after(const Reno__StatusReply *r, int64_t project)
{
    size_t lo = 0, hi = r->n_projects;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->projects[mid]->project_id < project)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void status_splice_projects(Reno__StatusReply *r, struct lights_project **measures,
                            Reno__StatusReply *from, const struct lights_project *from_measures,
                            const int64_t *ids, size_t n, Reno__StatusReply *retired)
{
    /* Both arrays move together, a project at a time: found by binary search. */
    const ProtobufCFieldDescriptor *f = rows_of(r, "projects").field;
    for (size_t i = 0; i < n; i++) {
        size_t at = first_project_at_or_after(r, ids[i]);
        if (at == r->n_projects || r->projects[at]->project_id != ids[i])
            continue;
        retire_row(retired, f, &r->projects[at]->base);
        size_t after = r->n_projects - at - 1;
        memmove(r->projects + at, r->projects + at + 1, after * sizeof *r->projects);
        memmove(*measures + at, *measures + at + 1, after * sizeof **measures);
        r->n_projects--;
    }
    size_t total = r->n_projects + from->n_projects;
    r->projects = xrealloc(r->projects, (total + 1) * sizeof *r->projects);
    *measures = xrealloc(*measures, (total + 1) * sizeof **measures);
    for (size_t b = 0; b < from->n_projects; b++) {
        size_t at = first_project_at_or_after(r, from->projects[b]->project_id);
        size_t after = r->n_projects - at;
        memmove(r->projects + at + 1, r->projects + at, after * sizeof *r->projects);
        memmove(*measures + at + 1, *measures + at, after * sizeof **measures);
        r->projects[at] = from->projects[b];
        (*measures)[at] = from_measures[b];
        r->n_projects++;
    }
    free(from->projects);
    from->projects = NULL;
    from->n_projects = 0;
}

/* ---- sharing with the held status ------------------------------------------------------- */

Reno__StatusReply *status_splice_begin(const Reno__StatusReply *held, Reno__StatusReply **retired)
{
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    Reno__StatusReply *r = xmalloc(sizeof *r);
    memcpy(r, held, sizeof *r);
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REPEATED)
            continue;
        size_t n = *(const size_t *)((const char *)r + f->quantifier_offset);
        void **array = (void **)((char *)r + f->offset);
        if (f->type != PROTOBUF_C_TYPE_MESSAGE && n > 0)
            fatal("status_splice: repeated field %s holds no messages", f->name);
        if (n == 0) {
            *array = NULL;
            continue;
        }
        void *copy = xmalloc(n * sizeof(void *));
        memcpy(copy, *array, n * sizeof(void *));
        *array = copy;
    }
    *retired = (Reno__StatusReply *)reflect_new(md);
    return r;
}

void status_splice_take(Reno__StatusReply *r, Reno__StatusReply *from, const char *field,
                        Reno__StatusReply *retired)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(&reno__status_reply__descriptor, field);
    if (f == NULL)
        fatal("StatusReply has no field %s", field);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        status_splice_clear(r, field, retired);
        struct rows rs = rows_of(r, field), fs = rows_of(from, field);
        *rs.items = *fs.items;
        *rs.n = *fs.n;
        *fs.items = NULL;
        *fs.n = 0;
        return;
    }
    if (f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
        fatal("status_splice: field %s is neither a message nor a string", field);
    /* One pointer: the held one goes to retired (whose own is the empty default, nothing
     * to free), from's to r, and from keeps the empty default. */
    void **slot = (void **)((char *)r + f->offset);
    void **from_slot = (void **)((char *)from + f->offset);
    void **retired_slot = (void **)((char *)retired + f->offset);
    *retired_slot = *slot;
    *slot = *from_slot;
    *from_slot = (void *)f->default_value;
}

void status_splice_retire(Reno__StatusReply *held, Reno__StatusReply *retired)
{
    if (held == NULL)
        return;
    /* The held status's rows, strings and messages that the new one still holds are the
     * new one's now; what it no longer holds is in `retired`. Only the arrays and the
     * struct itself are the held status's own. */
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            free(*(void **)((char *)held + f->offset));
    }
    free(held);
    if (retired)
        protobuf_c_message_free_unpacked(&retired->base, NULL);
}

void status_splice_discard(Reno__StatusReply *r, const Reno__StatusReply *held,
                           Reno__StatusReply *retired)
{
    /* The same figures: every repeated field has as many rows in both, pairwise the same
     * (status_splice_same), so what r holds of its own is where it differs from held by
     * pointer. What `retired` holds is still held's. */
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        bool pointer = f->label == PROTOBUF_C_LABEL_REPEATED ||
                       f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING;
        if (!pointer)
            continue; /* a scalar: nothing of its own */
        void *mine = *(void **)((char *)r + f->offset);
        void *theirs = *(void *const *)((const char *)held + f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)r + f->quantifier_offset);
            ProtobufCMessage **rows = mine, *const *held_rows = theirs;
            for (size_t k = 0; k < n; k++)
                if (rows[k] != held_rows[k])
                    protobuf_c_message_free_unpacked(rows[k], NULL);
            free(mine);
            free(*(void **)((char *)retired + f->offset));
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && mine != theirs && mine != NULL) {
            protobuf_c_message_free_unpacked(mine, NULL);
        } else if (f->type == PROTOBUF_C_TYPE_STRING && mine != theirs &&
                   mine != f->default_value && mine != NULL) {
            free(mine);
        }
    }
    free(r);
    free(retired);
}

/* True when message fields x and y pack to the same bytes (the same message is). */
static bool same_message(const ProtobufCMessage *x, const ProtobufCMessage *y, uint8_t **buf,
                         size_t *cap)
{
    if (x == y)
        return true;
    if (x == NULL || y == NULL)
        return false;
    size_t lx = protobuf_c_message_get_packed_size(x);
    size_t ly = protobuf_c_message_get_packed_size(y);
    if (lx != ly)
        return false;
    if (2 * lx > *cap) {
        *cap = 2 * lx;
        *buf = xrealloc(*buf, *cap);
    }
    protobuf_c_message_pack(x, *buf);
    protobuf_c_message_pack(y, *buf + lx);
    return memcmp(*buf, *buf + lx, lx) == 0;
}

bool status_splice_same(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    if (a == NULL || b == NULL)
        return false;
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    uint8_t *buf = NULL;
    size_t cap = 0;
    bool same = true;
    for (unsigned i = 0; i < md->n_fields && same; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        /* The figures, not when they were computed or what they reflect. */
        if (strcmp(f->name, "computed_at") == 0 || strcmp(f->name, "stale") == 0 ||
            strcmp(f->name, "position") == 0)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE) {
            /* Row by row: the rows the new status shares with the old are the same
             * pointers, so only those read again are packed. */
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            ProtobufCMessage *const *ra =
                *(ProtobufCMessage *const *const *)((const char *)a + f->offset);
            ProtobufCMessage *const *rb =
                *(ProtobufCMessage *const *const *)((const char *)b + f->offset);
            same = na == nb;
            for (size_t k = 0; same && k < na; k++)
                same = same_message(ra[k], rb[k], &buf, &cap);
            continue;
        }
        /* Any other field alone in an empty status, packed. */
        Reno__StatusReply x = RENO__STATUS_REPLY__INIT, y = RENO__STATUS_REPLY__INIT;
        size_t size = f->label == PROTOBUF_C_LABEL_REPEATED ? sizeof(void *) : 0;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            memcpy((char *)&x + f->quantifier_offset, (const char *)a + f->quantifier_offset,
                   sizeof(size_t));
            memcpy((char *)&y + f->quantifier_offset, (const char *)b + f->quantifier_offset,
                   sizeof(size_t));
        } else if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE ||
                   f->type == PROTOBUF_C_TYPE_BYTES) {
            size = f->type == PROTOBUF_C_TYPE_BYTES ? sizeof(ProtobufCBinaryData) : sizeof(void *);
        } else if (f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_UINT64 ||
                   f->type == PROTOBUF_C_TYPE_SINT64 || f->type == PROTOBUF_C_TYPE_SFIXED64 ||
                   f->type == PROTOBUF_C_TYPE_FIXED64 || f->type == PROTOBUF_C_TYPE_DOUBLE) {
            size = 8;
        } else if (f->type == PROTOBUF_C_TYPE_BOOL) {
            size = sizeof(protobuf_c_boolean);
        } else {
            size = 4;
        }
        memcpy((char *)&x + f->offset, (const char *)a + f->offset, size);
        memcpy((char *)&y + f->offset, (const char *)b + f->offset, size);
        same = same_message(&x.base, &y.base, &buf, &cap);
    }
    free(buf);
    return same;
}

/* ---- the totals ---------------------------------------------------------------------- */

double status_pct(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return 0.0;
    /* round(1000 * part / whole) half away from zero, in integers: the tenth of a
     * percent, then divided once, which reads as the same double as the decimal text
     * PostgreSQL returns. */
    __int128 num = (__int128)part * 2000 + (part >= 0 ? whole : -whole);
    __int128 q = num / (2 * (__int128)whole);
    return (double)(int64_t)q / 10.0;
}

/* Money as cents: the columns are numeric(15, 2), so every amount and every sum is a
 * whole number of cents, summed exactly here as PostgreSQL sums numerics. */
static int64_t cents(double yuan)
{
    return (int64_t)llround(yuan * 100.0);
}

static double yuan(int64_t c)
{
    return (double)c / 100.0;
}

static const char *phase_name(int32_t phase)
{
    /* reno_status_phase_name (0009_status.sql). */
    switch (phase) {
    case 1:
        return "前期准备";
    case 2:
        return "施工";
    case 3:
        return "验收";
    case 4:
        return "绩效评估";
    case 5:
        return "全部完成";
    default:
        return "无计划";
    }
}

static ProtobufCMessage *append_row(Reno__StatusReply *r, const char *field)
{
    struct rows rs = rows_of(r, field);
    return reflect_append_message(&r->base, rs.field);
}

/* ---- the sums behind the totals -------------------------------------------------------- */

/* A multiset of values ordered by (num, text): the phases held (for the furthest behind),
 * the next deadlines (for the earliest) and the survey dates (for the latest), so that
 * a project's rows leaving take their value out without the others being read again. */
struct bag {
    struct bag_item {
        int64_t num;
        char *text;
        int64_t count;
    } * items;
    size_t n;
};

static int bag_cmp(const struct bag_item *a, int64_t num, const char *text)
{
    if (a->num != num)
        return a->num < num ? -1 : 1;
    return strcmp(a->text, text);
}

/* Adds (sign +1) or takes out (sign -1) one value; false when taking out one not held. */
static bool bag_put(struct bag *b, int64_t num, const char *text, int sign)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bag_cmp(&b->items[mid], num, text) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < b->n && bag_cmp(&b->items[lo], num, text) == 0) {
        b->items[lo].count += sign;
        if (b->items[lo].count > 0)
            return true;
        free(b->items[lo].text);
        memmove(b->items + lo, b->items + lo + 1, (b->n - lo - 1) * sizeof *b->items);
        b->n--;
        return true;
    }
    if (sign < 0)
        return false;
    b->items = xrealloc(b->items, (b->n + 1) * sizeof *b->items);
    memmove(b->items + lo + 1, b->items + lo, (b->n - lo) * sizeof *b->items);
    b->items[lo] = (struct bag_item){num, xstrdup(text), 1};
    b->n++;
    return true;
}

static void bag_free(struct bag *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->items[i].text);
    free(b->items);
}

enum { SOURCES = 10, KINDS = 6, SURVEY_KINDS = 3 };

struct status_sums {
    /* A row taken out that was never put in: the sums no longer follow the rows, and
     * every totals row is computed from the rows held instead. */
    bool broken;
    struct {
        int64_t rows, milestones, done, soon, overdue;
        struct bag phase, next; /* next: the non-empty next deadlines */
    } phases;
    struct {
        int64_t rows, alloc, recv, paid; /* in cents */
        char *name;
    } funds[SOURCES]; /* [0]: over every source */
    struct {
        int64_t rows, contracts, amount, paid;
    } contracts[KINDS];
    struct {
        int64_t rows, surveys, households, asked, agreeing;
        struct bag latest;
    } surveys[SURVEY_KINDS];
};

static void sums_phase(struct status_sums *s, const Reno__StatusPhase *p, int sign)
{
    s->phases.rows += sign;
    s->phases.milestones += sign * p->milestones;
    s->phases.done += sign * p->milestones_done;
    s->phases.soon += sign * p->milestones_due_soon;
    s->phases.overdue += sign * p->milestones_overdue;
    if (!bag_put(&s->phases.phase, p->phase, "", sign))
        s->broken = true;
    if (p->next_due[0] && !bag_put(&s->phases.next, 0, p->next_due, sign))
        s->broken = true;
}

static void sums_funds(struct status_sums *s, const Reno__StatusFunds *f, int sign)
{
    int src = (int)f->source;
    if (src <= 0) /* a project's row over its sources */
        return;
    if (src >= SOURCES)
        fatal("status_splice: fund source %d unknown", src);
    for (int at = 0; at <= src; at += src) {
        s->funds[at].rows += sign;
        s->funds[at].alloc += sign * cents(f->allocated);
        s->funds[at].recv += sign * cents(f->received);
        s->funds[at].paid += sign * cents(f->paid);
    }
    if (s->funds[src].rows < 0)
        s->broken = true;
    if (s->funds[src].rows == 0) {
        free(s->funds[src].name);
        s->funds[src].name = NULL;
    } else if (s->funds[src].name == NULL) {
        s->funds[src].name = xstrdup(f->source_name);
    }
}

static void sums_contracts(struct status_sums *s, const Reno__StatusContracts *c, int sign)
{
    int k = (int)c->kind;
    if (k <= 0)
        return;
    if (k >= KINDS)
        fatal("status_splice: contract kind %d unknown", k);
    for (int at = 0; at <= k; at += k) {
        s->contracts[at].rows += sign;
        s->contracts[at].contracts += sign * c->contracts;
        s->contracts[at].amount += sign * cents(c->amount);
        s->contracts[at].paid += sign * cents(c->paid);
    }
    if (s->contracts[k].rows < 0)
        s->broken = true;
}

static void sums_surveys(struct status_sums *s, const Reno__StatusSurvey *v, int sign)
{
    int k = (int)v->kind;
    if (k <= 0 || k >= SURVEY_KINDS)
        fatal("status_splice: survey kind %d unknown", k);
    s->surveys[k].rows += sign;
    s->surveys[k].surveys += sign * v->surveys;
    s->surveys[k].households += sign * v->households;
    s->surveys[k].asked += sign * v->households_asked;
    s->surveys[k].agreeing += sign * v->households_agreeing;
    if (!bag_put(&s->surveys[k].latest, 0, v->surveyed_on, sign))
        s->broken = true;
}

void status_sums_row(struct status_sums *s, const char *field, const ProtobufCMessage *row,
                     int sign)
{
    /* Totals rows (project 0) are what the sums stand for, not part of them. */
    if (s == NULL)
        return;
    if (strcmp(field, "phases") == 0) {
        const Reno__StatusPhase *p = (const Reno__StatusPhase *)row;
        if (p->project_id != 0)
            sums_phase(s, p, sign);
    } else if (strcmp(field, "funds") == 0) {
        const Reno__StatusFunds *f = (const Reno__StatusFunds *)row;
        if (f->project_id != 0)
            sums_funds(s, f, sign);
    } else if (strcmp(field, "contracts") == 0) {
        const Reno__StatusContracts *c = (const Reno__StatusContracts *)row;
        if (c->project_id != 0)
            sums_contracts(s, c, sign);
    } else if (strcmp(field, "surveys") == 0) {
        const Reno__StatusSurvey *v = (const Reno__StatusSurvey *)row;
        if (v->project_id != 0)
            sums_surveys(s, v, sign);
    }
}

static const char *const summed[] = {"phases", "funds", "contracts", "surveys"};

/* The sums of one section from its rows held. */
static void sums_section(struct status_sums *s, const Reno__StatusReply *r, const char *field)
{
    struct rows rs = rows_of((Reno__StatusReply *)r, field);
    for (size_t i = 0; i < *rs.n; i++)
        status_sums_row(s, field, (*rs.items)[i], +1);
}

struct status_sums *status_sums_new(const Reno__StatusReply *r)
{
    struct status_sums *s = xcalloc(1, sizeof *s);
    for (size_t i = 0; i < sizeof summed / sizeof summed[0]; i++)
        sums_section(s, r, summed[i]);
    return s;
}

void status_sums_free(struct status_sums *s)
{
    if (s == NULL)
        return;
    bag_free(&s->phases.phase);
    bag_free(&s->phases.next);
    for (int i = 0; i < SOURCES; i++)
        free(s->funds[i].name);
    for (int k = 0; k < SURVEY_KINDS; k++)
        bag_free(&s->surveys[k].latest);
    free(s);
}

/* ---- the totals ------------------------------------------------------------------------ */

/* reno_status_phases_rows' last row: the furthest-behind phase, the sums, the earliest
 * next deadline. */
static void totals_phases(Reno__StatusReply *r, const struct status_sums *s)
{
    int32_t phase = s->phases.phase.n > 0 ? (int32_t)s->phases.phase.items[0].num : 0;
    const char *next = s->phases.next.n > 0 ? s->phases.next.items[0].text : "";
    Reno__StatusPhase *t = (Reno__StatusPhase *)append_row(r, "phases");
    t->project_id = 0;
    t->name = xstrdup("合计");
    t->phase = phase;
    t->phase_name = xstrdup(phase_name(phase));
    t->milestones = (int32_t)s->phases.milestones;
    t->milestones_done = (int32_t)s->phases.done;
    t->milestones_due_soon = (int32_t)s->phases.soon;
    t->milestones_overdue = (int32_t)s->phases.overdue;
    t->next_due = xstrdup(next);
}

/* reno_status_funds_rows' grouping sets (source) and (): per source over all projects in
 * the order of reno_status_source_order (the enum's), then in all, always present. */
static void totals_funds(Reno__StatusReply *r, const struct status_sums *s)
{
    for (int src = 1; src <= SOURCES; src++) {
        int at = src == SOURCES ? 0 : src;
        if (at != 0 && s->funds[at].rows == 0)
            continue;
        Reno__StatusFunds *t = (Reno__StatusFunds *)append_row(r, "funds");
        t->project_id = 0;
        t->name = xstrdup("合计");
        t->source = (Reno__FundSource)at;
        t->source_name = xstrdup(at ? s->funds[at].name : "合计");
        t->allocated = yuan(s->funds[at].alloc);
        t->received = yuan(s->funds[at].recv);
        t->paid = yuan(s->funds[at].paid);
        t->available = yuan(s->funds[at].recv - s->funds[at].paid);
        t->received_pct = status_pct(s->funds[at].recv, s->funds[at].alloc);
    }
}

/* reno_status_contracts_rows' grouping sets (kind) and (): per kind in the order
 * construction, supervision, design, supplier, audit (the enum's), then in all. */
static void totals_contracts(Reno__StatusReply *r, const struct status_sums *s)
{
    for (int k = 1; k <= KINDS; k++) {
        int at = k == KINDS ? 0 : k;
        if (at != 0 && s->contracts[at].rows == 0)
            continue;
        Reno__StatusContracts *t = (Reno__StatusContracts *)append_row(r, "contracts");
        t->project_id = 0;
        t->name = xstrdup("合计");
        t->kind = (Reno__ContractKind)at;
        t->contracts = (int32_t)s->contracts[at].contracts;
        t->amount = yuan(s->contracts[at].amount);
        t->paid = yuan(s->contracts[at].paid);
        t->remaining = yuan(s->contracts[at].amount - s->contracts[at].paid);
        t->paid_pct = status_pct(s->contracts[at].paid, s->contracts[at].amount);
    }
}

/* reno_status_surveys_rows' totals: per kind, ordered by the kind's text descending
 * (willingness, then satisfaction: the enum's order), the latest surveys summed. */
static void totals_surveys(Reno__StatusReply *r, const struct status_sums *s)
{
    for (int k = 1; k < SURVEY_KINDS; k++) {
        const struct bag *latest = &s->surveys[k].latest;
        if (s->surveys[k].rows == 0 || latest->n == 0)
            continue;
        Reno__StatusSurvey *t = (Reno__StatusSurvey *)append_row(r, "surveys");
        t->project_id = 0;
        t->name = xstrdup("合计");
        t->kind = (Reno__SurveyKind)k;
        t->surveyed_on = xstrdup(latest->items[latest->n - 1].text);
        t->surveys = (int32_t)s->surveys[k].surveys;
        t->households = (int32_t)s->surveys[k].households;
        t->households_asked = (int32_t)s->surveys[k].asked;
        t->households_agreeing = (int32_t)s->surveys[k].agreeing;
        t->asked_pct = status_pct(s->surveys[k].asked, s->surveys[k].households);
        t->agreeing_pct = status_pct(s->surveys[k].agreeing, s->surveys[k].asked);
    }
}

bool status_splice_totals(Reno__StatusReply *r, const char *field, const struct status_sums *sums,
                          Reno__StatusReply *retired)
{
    void (*emit)(Reno__StatusReply *, const struct status_sums *) = NULL;
    if (strcmp(field, "phases") == 0)
        emit = totals_phases;
    else if (strcmp(field, "funds") == 0)
        emit = totals_funds;
    else if (strcmp(field, "contracts") == 0)
        emit = totals_contracts;
    else if (strcmp(field, "surveys") == 0)
        emit = totals_surveys;
    else if (strcmp(field, "guards") == 0)
        return true; /* rows per project only, no totals row */
    else
        return false;
    drop_totals(rows_of(r, field), retired);
    if (sums != NULL && !sums->broken) {
        emit(r, sums);
        return true;
    }
    /* No sums kept, or they no longer follow the rows: the section's own, from its rows. */
    if (sums != NULL)
        log_warn("status_splice: the totals of %s computed from every row", field);
    struct status_sums *own = xcalloc(1, sizeof *own);
    sums_section(own, r, field);
    emit(r, own);
    status_sums_free(own);
    return true;
}
