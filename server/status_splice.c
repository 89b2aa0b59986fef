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

static bool among(int64_t id, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
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

/* Drops the rows for which drop() holds, keeping the others in order. */
static void drop_rows(struct rows rs, bool (*drop)(int64_t project, const int64_t *ids, size_t n),
                      const int64_t *ids, size_t n, Reno__StatusReply *retired)
{
    size_t kept = 0;
    for (size_t i = 0; i < *rs.n; i++) {
        ProtobufCMessage *m = (*rs.items)[i];
        if (drop(project_of(rs, m), ids, n))
            retire_row(retired, rs.field, m);
        else
            (*rs.items)[kept++] = m;
    }
    *rs.n = kept;
}

static bool drop_listed(int64_t project, const int64_t *ids, size_t n)
{
    return project != 0 && among(project, ids, n);
}

static bool drop_totals(int64_t project, const int64_t *ids, size_t n)
{
    (void)ids;
    (void)n;
    return project == 0;
}

static bool drop_listed_and_totals(int64_t project, const int64_t *ids, size_t n)
{
    return project == 0 || among(project, ids, n);
}

/* Where a row of `project` goes: before the first row of a greater project or of the
 * totals (project 0), which come last. */
static size_t place_of(struct rows rs, int64_t project)
{
    size_t i = 0;
    while (i < *rs.n) {
        int64_t p = project_of(rs, (*rs.items)[i]);
        if (p == 0 || p > project)
            break;
        i++;
    }
    return i;
}

/* Moves the run of rows from[at..at+len) into rs at `place`. */
static void insert_rows(struct rows rs, size_t place, ProtobufCMessage **from, size_t len)
{
    *rs.items = xrealloc(*rs.items, (*rs.n + len) * sizeof **rs.items);
    memmove(*rs.items + place + len, *rs.items + place, (*rs.n - place) * sizeof **rs.items);
    memcpy(*rs.items + place, from, len * sizeof *from);
    *rs.n += len;
}

void status_splice_rows(Reno__StatusReply *r, Reno__StatusReply *from, const char *field,
                        const int64_t *ids, size_t n, Reno__StatusReply *retired)
{
    struct rows rs = rows_of(r, field);
    struct rows fs = rows_of(from, field);
    drop_rows(rs, drop_listed, ids, n, retired);
    /* Each project's rows arrive together; a project the section has no rows for (or
     * that is gone) simply adds none. */
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
            insert_rows(rs, place_of(rs, project), *fs.items + i, j - i);
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
    drop_rows(rows_of(r, field), drop_listed_and_totals, ids, n, retired);
}

void status_splice_projects(Reno__StatusReply *r, struct lights_project **measures,
                            Reno__StatusReply *from, const struct lights_project *from_measures,
                            const int64_t *ids, size_t n, Reno__StatusReply *retired)
{
    /* Both arrays move together: rebuilt in one pass into new ones. */
    const ProtobufCFieldDescriptor *f = rows_of(r, "projects").field;
    size_t total = r->n_projects + from->n_projects;
    Reno__ProjectStatus **ps = xcalloc(total + 1, sizeof *ps);
    struct lights_project *pm = xcalloc(total + 1, sizeof *pm);
    size_t k = 0, a = 0, b = 0;
    while (a < r->n_projects || b < from->n_projects) {
        if (a < r->n_projects && among(r->projects[a]->project_id, ids, n)) {
            retire_row(retired, f, &r->projects[a]->base);
            a++;
            continue;
        }
        bool take_new =
            b < from->n_projects &&
            (a == r->n_projects || from->projects[b]->project_id < r->projects[a]->project_id);
        if (take_new) {
            ps[k] = from->projects[b];
            pm[k++] = from_measures[b];
            b++;
        } else {
            ps[k] = r->projects[a];
            pm[k++] = (*measures)[a];
            a++;
        }
    }
    free(r->projects);
    free(*measures);
    r->projects = ps;
    r->n_projects = k;
    *measures = pm;
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

/* reno_status_phases_rows' last row: the furthest-behind phase, the sums, the earliest
 * next deadline. */
static void totals_phases(Reno__StatusReply *r, Reno__StatusReply *retired)
{
    drop_rows(rows_of(r, "phases"), drop_totals, NULL, 0, retired);
    int32_t phase = 0, milestones = 0, done = 0, soon = 0, overdue = 0;
    bool any = false;
    const char *next = NULL;
    for (size_t i = 0; i < r->n_phases; i++) {
        const Reno__StatusPhase *p = r->phases[i];
        phase = any && phase < p->phase ? phase : p->phase;
        any = true;
        milestones += p->milestones;
        done += p->milestones_done;
        soon += p->milestones_due_soon;
        overdue += p->milestones_overdue;
        if (p->next_due[0] && (next == NULL || strcmp(p->next_due, next) < 0))
            next = p->next_due;
    }
    Reno__StatusPhase *t = (Reno__StatusPhase *)append_row(r, "phases");
    t->project_id = 0;
    t->name = xstrdup("合计");
    t->phase = phase;
    t->phase_name = xstrdup(phase_name(phase));
    t->milestones = milestones;
    t->milestones_done = done;
    t->milestones_due_soon = soon;
    t->milestones_overdue = overdue;
    t->next_due = xstrdup(next ? next : "");
}

/* reno_status_funds_rows' grouping sets (source) and (): per source over all projects in
 * the order of reno_status_source_order (the enum's), then in all, always present. */
static void totals_funds(Reno__StatusReply *r, Reno__StatusReply *retired)
{
    drop_rows(rows_of(r, "funds"), drop_totals, NULL, 0, retired);
    enum { SOURCES = 10 };
    int64_t alloc[SOURCES] = {0}, recv[SOURCES] = {0}, paid[SOURCES] = {0};
    const char *names[SOURCES] = {NULL};
    for (size_t i = 0; i < r->n_funds; i++) {
        const Reno__StatusFunds *f = r->funds[i];
        int s = (int)f->source;
        if (s <= 0) /* a project's row over its sources */
            continue;
        if (s >= SOURCES)
            fatal("status_splice: fund source %d unknown", s);
        alloc[s] += cents(f->allocated);
        recv[s] += cents(f->received);
        paid[s] += cents(f->paid);
        names[s] = f->source_name;
        alloc[0] += cents(f->allocated);
        recv[0] += cents(f->received);
        paid[0] += cents(f->paid);
    }
    for (int s = 1; s <= SOURCES; s++) {
        int at = s == SOURCES ? 0 : s;
        if (at != 0 && names[at] == NULL)
            continue;
        Reno__StatusFunds *t = (Reno__StatusFunds *)append_row(r, "funds");
        t->project_id = 0;
        t->name = xstrdup("合计");
        t->source = (Reno__FundSource)at;
        t->source_name = xstrdup(at ? names[at] : "合计");
        t->allocated = yuan(alloc[at]);
        t->received = yuan(recv[at]);
        t->paid = yuan(paid[at]);
        t->available = yuan(recv[at] - paid[at]);
        t->received_pct = status_pct(recv[at], alloc[at]);
    }
}

/* reno_status_contracts_rows' grouping sets (kind) and (): per kind in the order
 * construction, supervision, design, supplier, audit (the enum's), then in all. */
static void totals_contracts(Reno__StatusReply *r, Reno__StatusReply *retired)
{
    drop_rows(rows_of(r, "contracts"), drop_totals, NULL, 0, retired);
    enum { KINDS = 6 };
    int64_t amount[KINDS] = {0}, paid[KINDS] = {0};
    int32_t count[KINDS] = {0};
    bool seen[KINDS] = {false};
    for (size_t i = 0; i < r->n_contracts; i++) {
        const Reno__StatusContracts *c = r->contracts[i];
        int k = (int)c->kind;
        if (k <= 0)
            continue;
        if (k >= KINDS)
            fatal("status_splice: contract kind %d unknown", k);
        seen[k] = true;
        count[k] += c->contracts;
        amount[k] += cents(c->amount);
        paid[k] += cents(c->paid);
        count[0] += c->contracts;
        amount[0] += cents(c->amount);
        paid[0] += cents(c->paid);
    }
    for (int k = 1; k <= KINDS; k++) {
        int at = k == KINDS ? 0 : k;
        if (at != 0 && !seen[at])
            continue;
        Reno__StatusContracts *t = (Reno__StatusContracts *)append_row(r, "contracts");
        t->project_id = 0;
        t->name = xstrdup("合计");
        t->kind = (Reno__ContractKind)at;
        t->contracts = count[at];
        t->amount = yuan(amount[at]);
        t->paid = yuan(paid[at]);
        t->remaining = yuan(amount[at] - paid[at]);
        t->paid_pct = status_pct(paid[at], amount[at]);
    }
}

/* reno_status_surveys_rows' totals: per kind, ordered by the kind's text descending
 * (willingness, then satisfaction: the enum's order), the latest surveys summed. */
static void totals_surveys(Reno__StatusReply *r, Reno__StatusReply *retired)
{
    drop_rows(rows_of(r, "surveys"), drop_totals, NULL, 0, retired);
    enum { KINDS = 3 };
    int32_t surveys[KINDS] = {0}, households[KINDS] = {0}, asked[KINDS] = {0},
            agreeing[KINDS] = {0};
    const char *latest[KINDS] = {NULL};
    for (size_t i = 0; i < r->n_surveys; i++) {
        const Reno__StatusSurvey *s = r->surveys[i];
        int k = (int)s->kind;
        if (k <= 0 || k >= KINDS)
            fatal("status_splice: survey kind %d unknown", k);
        surveys[k] += s->surveys;
        households[k] += s->households;
        asked[k] += s->households_asked;
        agreeing[k] += s->households_agreeing;
        if (latest[k] == NULL || strcmp(s->surveyed_on, latest[k]) > 0)
            latest[k] = s->surveyed_on;
    }
    for (int k = 1; k < KINDS; k++) {
        if (latest[k] == NULL)
            continue;
        Reno__StatusSurvey *t = (Reno__StatusSurvey *)append_row(r, "surveys");
        t->project_id = 0;
        t->name = xstrdup("合计");
        t->kind = (Reno__SurveyKind)k;
        t->surveyed_on = xstrdup(latest[k]);
        t->surveys = surveys[k];
        t->households = households[k];
        t->households_asked = asked[k];
        t->households_agreeing = agreeing[k];
        t->asked_pct = status_pct(asked[k], households[k]);
        t->agreeing_pct = status_pct(agreeing[k], asked[k]);
    }
}

bool status_splice_totals(Reno__StatusReply *r, const char *field, Reno__StatusReply *retired)
{
    if (strcmp(field, "phases") == 0)
        totals_phases(r, retired);
    else if (strcmp(field, "funds") == 0)
        totals_funds(r, retired);
    else if (strcmp(field, "contracts") == 0)
        totals_contracts(r, retired);
    else if (strcmp(field, "surveys") == 0)
        totals_surveys(r, retired);
    else if (strcmp(field, "guards") == 0)
        (void)retired; /* rows per project only, no totals row */
    else
        return false;
    return true;
}
