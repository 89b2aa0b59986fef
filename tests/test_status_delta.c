/*
 * Tests for common/status_delta: on random statuses (every field filled by reflection, so
 * that sections added later are covered without touching this file) and random changes
 * of them (rows changed, projects added and removed, totals moved, rows reordered), the
 * delta made from a to b, sent through the wire format and applied to a, gives b byte for
 * byte; a delta of a few projects is small; deltas that do not fit are refused, not
 * followed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status_delta.h"
#include "unit.h"
#include "xmalloc.h"

/* A small repeatable generator (xorshift), so that a failure can be replayed by seed. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static const ProtobufCFieldDescriptor *pid_of(const ProtobufCMessageDescriptor *md)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(md, "project_id");
    return f && f->type == PROTOBUF_C_TYPE_INT64 && f->label != PROTOBUF_C_LABEL_REPEATED ? f
                                                                                          : NULL;
}

static bool per_project(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
           pid_of(f->descriptor) != NULL;
}

static void *at(void *m, unsigned offset)
{
    return (char *)m + offset;
}

static ProtobufCMessage *random_message(const ProtobufCMessageDescriptor *md, int depth,
                                        int64_t project);

/* Fills the singular scalar and message fields of m (oneofs and repeated ones are left). */
static void fill(ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *md = m->descriptor;
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        void *p = at(m, f->offset);
        switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_ENUM:
            *(int32_t *)p = (int32_t)below(5);
            break;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            *(int64_t *)p = (int64_t)below(1000);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            *(protobuf_c_boolean *)p = (protobuf_c_boolean)below(2);
            break;
        case PROTOBUF_C_TYPE_FLOAT:
            *(float *)p = (float)below(100) / 4.0f;
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            *(double *)p = (double)below(1000) / 8.0;
            break;
        case PROTOBUF_C_TYPE_STRING:
            if (below(3) != 0) {
                static const char *words[] = {"松山街道", "示例小区", "G1", "满意", ""};
                *(char **)p = xstrdup(words[below(5)]);
            }
            break;
        case PROTOBUF_C_TYPE_MESSAGE:
            if (depth < 2 && below(2) == 0)
                *(ProtobufCMessage **)p = random_message(f->descriptor, depth + 1, 0);
            break;
        default:
            break;
        }
    }
}

static ProtobufCMessage *random_message(const ProtobufCMessageDescriptor *md, int depth,
                                        int64_t project)
{
    ProtobufCMessage *m = xcalloc(1, md->sizeof_message);
    protobuf_c_message_init(md, m);
    fill(m, depth);
    const ProtobufCFieldDescriptor *pid = pid_of(md);
    if (pid)
        memcpy(at(m, pid->offset), &project, sizeof project);
    return m;
}

/* A row for a project in field f of StatusReply. */
static ProtobufCMessage *random_row(const ProtobufCFieldDescriptor *f, int64_t project)
{
    return random_message(f->descriptor, 1, project);
}

static void push_row(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t index,
                     ProtobufCMessage *row)
{
    size_t *n = at(m, f->quantifier_offset);
    ProtobufCMessage ***rows = at(m, f->offset);
    *rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
    memmove(*rows + index + 1, *rows + index, (*n - index) * sizeof **rows);
    (*rows)[index] = row;
    (*n)++;
}

/* A status of `projects` projects (ids 1..projects, then 0, the totals, in each
 * per-project field), with a few programme-wide rows. */
static Reno__StatusReply *random_status(int projects)
{
    Reno__StatusReply *s =
        (Reno__StatusReply *)random_message(&reno__status_reply__descriptor, 0, 0);
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        size_t *n = at(s, f->quantifier_offset);
        if (per_project(f)) {
            for (int p = 1; p <= projects; p++)
                for (size_t k = below(3); k > 0; k--)
                    push_row(&s->base, f, *n, random_row(f, p));
            if (below(2))
                push_row(&s->base, f, *n, random_row(f, 0));
        } else {
            for (size_t k = below(4); k > 0; k--)
                push_row(&s->base, f, *n, random_message(f->descriptor, 1, 0));
        }
    }
    return s;
}

static uint8_t *pack(const Reno__StatusReply *s, size_t *len)
{
    *len = reno__status_reply__get_packed_size(s);
    uint8_t *buf = xmalloc(*len ? *len : 1);
    reno__status_reply__pack(s, buf);
    return buf;
}

static Reno__StatusReply *copy(const Reno__StatusReply *s)
{
    size_t len;
    uint8_t *buf = pack(s, &len);
    Reno__StatusReply *c = reno__status_reply__unpack(NULL, len, buf);
    free(buf);
    ck_assert_ptr_nonnull(c);
    return c;
}

static ProtobufCMessage *copy_message(const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(len ? len : 1);
    protobuf_c_message_pack(m, buf);
    ProtobufCMessage *c = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
    free(buf);
    ck_assert_ptr_nonnull(c);
    return c;
}

static void drop_row(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t index)
{
    size_t *n = at(m, f->quantifier_offset);
    ProtobufCMessage **rows = *(ProtobufCMessage ***)at(m, f->offset);
    protobuf_c_message_free_unpacked(rows[index], NULL);
    memmove(rows + index, rows + index + 1, (*n - index - 1) * sizeof *rows);
    (*n)--;
}

/* b: a with `changes` random changes. */
static Reno__StatusReply *mutate(const Reno__StatusReply *a, int changes, int next_project)
{
    Reno__StatusReply *b = copy(a);
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    for (int c = 0; c < changes; c++) {
        const ProtobufCFieldDescriptor *f = &md->fields[below(md->n_fields)];
        size_t *n = at(b, f->quantifier_offset);
        switch (below(6)) {
        case 0: /* programme-wide figures */
            b->households_started = (int32_t)below(1000);
            b->position++;
            break;
        case 1: /* a row changes */
            if (per_project(f) && *n > 0) {
                size_t k = below(*n);
                ProtobufCMessage **rows = *(ProtobufCMessage ***)at(b, f->offset);
                int64_t id;
                memcpy(&id, at(rows[k], pid_of(f->descriptor)->offset), sizeof id);
                protobuf_c_message_free_unpacked(rows[k], NULL);
                rows[k] = random_row(f, id);
            }
            break;
        case 2: /* a project is removed from every field */
            for (unsigned i = 0, gone = (unsigned)(1 + below(4)); i < md->n_fields; i++) {
                const ProtobufCFieldDescriptor *g = &md->fields[i];
                if (!per_project(g))
                    continue;
                size_t *m = at(b, g->quantifier_offset);
                for (size_t k = *m; k-- > 0;) {
                    ProtobufCMessage **rows = *(ProtobufCMessage ***)at(b, g->offset);
                    int64_t id;
                    memcpy(&id, at(rows[k], pid_of(g->descriptor)->offset), sizeof id);
                    if (id == (int64_t)gone)
                        drop_row(&b->base, g, k);
                }
            }
            break;
        case 3: /* a project is added somewhere */
            if (per_project(f))
                push_row(&b->base, f, below(*n + 1), random_row(f, next_project + c));
            break;
        case 4: /* two rows swap (the field may go whole) */
            if (per_project(f) && *n > 1) {
                ProtobufCMessage **rows = *(ProtobufCMessage ***)at(b, f->offset);
                size_t x = below(*n), y = below(*n);
                ProtobufCMessage *t = rows[x];
                rows[x] = rows[y];
                rows[y] = t;
            }
            break;
        default: /* a programme-wide row */
            if (!per_project(f) && f->label == PROTOBUF_C_LABEL_REPEATED &&
                f->type == PROTOBUF_C_TYPE_MESSAGE)
                push_row(&b->base, f, *n, random_message(f->descriptor, 1, 0));
            break;
        }
    }
    return b;
}

/* The number of StatusReply's field `name`. */
static uint32_t field_number(const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(&reno__status_reply__descriptor, name);
    ck_assert_ptr_nonnull(f);
    return f->id;
}

/* make, through the wire, apply: the result packs to b's bytes. The delta's size is
 * returned. */
static size_t round_trip(const Reno__StatusReply *a, const Reno__StatusReply *b)
{
    struct status_delta d;
    status_delta_make(a, b, &d);
    d.delta.from_position = a->position;
    d.delta.to_position = b->position;
    size_t len = reno__status_delta__get_packed_size(&d.delta);
    uint8_t *wire = xmalloc(len ? len : 1);
    reno__status_delta__pack(&d.delta, wire);
    status_delta_release(&d);
    Reno__StatusDelta *sent = reno__status_delta__unpack(NULL, len, wire);
    free(wire);
    ck_assert_ptr_nonnull(sent);
    char why[200] = "";
    Reno__StatusReply *got = status_delta_apply(a, sent, why, sizeof why);
    ck_assert_msg(got != NULL, "refused (seed %llu): %s", (unsigned long long)rng_state, why);
    size_t lb, lg;
    uint8_t *pb = pack(b, &lb), *pg = pack(got, &lg);
    ck_assert_uint_eq(lb, lg);
    ck_assert_msg(memcmp(pb, pg, lb) == 0, "applied status differs from b");
    free(pb);
    free(pg);
    reno__status_reply__free_unpacked(got, NULL);
    reno__status_delta__free_unpacked(sent, NULL);
    return len;
}

START_TEST(test_apply_make_is_b_on_random_statuses)
{
    rng_state = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 300; round++) {
        Reno__StatusReply *a = random_status((int)below(12));
        Reno__StatusReply *b = mutate(a, (int)below(8), 100);
        round_trip(a, b);
        round_trip(b, a); /* and back */
        round_trip(a, a); /* nothing changed */
        protobuf_c_message_free_unpacked(&b->base, NULL);
        protobuf_c_message_free_unpacked(&a->base, NULL);
    }
}
END_TEST

/* The delta made with a list of the projects expected to have changed packs to the same
 * bytes as the one made without, whatever the list says. */
static void same_with_list(const Reno__StatusReply *a, const Reno__StatusReply *b,
                           const int64_t *ids, size_t n)
{
    struct status_delta plain, some;
    status_delta_make(a, b, &plain);
    status_delta_make_some(a, b, ids, n, &some);
    size_t lp = reno__status_delta__get_packed_size(&plain.delta);
    size_t ls = reno__status_delta__get_packed_size(&some.delta);
    ck_assert_msg(lp == ls, "%zu bytes with a list of %zu, %zu without (seed %llu)", ls, n, lp,
                  (unsigned long long)rng_state);
    uint8_t *wp = xmalloc(lp ? lp : 1), *ws = xmalloc(ls ? ls : 1);
    reno__status_delta__pack(&plain.delta, wp);
    reno__status_delta__pack(&some.delta, ws);
    ck_assert_msg(memcmp(wp, ws, lp) == 0, "the delta with a list of %zu differs", n);
    free(wp);
    free(ws);
    status_delta_release(&plain);
    status_delta_release(&some);
}

START_TEST(test_make_some_is_make_whatever_the_list)
{
    rng_state = 0x51ce;
    for (int round = 0; round < 300; round++) {
        Reno__StatusReply *a = random_status((int)below(12));
        Reno__StatusReply *b = mutate(a, (int)below(8), 100);
        int64_t ids[6];
        size_t n = below(7);
        for (size_t i = 0; i < n; i++)
            ids[i] = (int64_t)below(14);
        same_with_list(a, b, NULL, 0);
        same_with_list(a, b, ids, n);
        same_with_list(b, a, ids, n);
        protobuf_c_message_free_unpacked(&b->base, NULL);
        protobuf_c_message_free_unpacked(&a->base, NULL);
    }
}
END_TEST

/* As the roll-up makes them: b shares a's rows but for one project's, which are new. */
START_TEST(test_make_some_over_shared_rows)
{
    rng_state = 99;
    Reno__StatusReply *a = random_status(300);
    Reno__StatusReply b = *a;
    b.projects = xmalloc((a->n_projects ? a->n_projects : 1) * sizeof *b.projects);
    memcpy(b.projects, a->projects, a->n_projects * sizeof *b.projects);
    ck_assert_uint_gt(b.n_projects, 2);
    size_t at = b.n_projects / 2;
    Reno__ProjectStatus *changed = (Reno__ProjectStatus *)copy_message(&b.projects[at]->base);
    changed->households_started += 10;
    b.projects[at] = changed;
    int64_t id = changed->project_id;
    same_with_list(a, &b, &id, 1);
    struct status_delta d;
    status_delta_make_some(a, &b, &id, 1, &d);
    ck_assert_uint_eq(d.delta.n_projects, 1);
    ck_assert_int_eq(d.delta.projects[0], id);
    status_delta_release(&d);
    protobuf_c_message_free_unpacked(&changed->base, NULL);
    free(b.projects);
    protobuf_c_message_free_unpacked(&a->base, NULL);
}
END_TEST

START_TEST(test_delta_of_one_project_is_small)
{
    rng_state = 42;
    Reno__StatusReply *a = random_status(400);
    Reno__StatusReply *b = copy(a);
    /* One project's ProjectStatus row changes. */
    for (size_t i = 0; i < b->n_projects; i++)
        if (b->projects[i]->project_id == 7)
            b->projects[i]->households_started += 10;
    size_t whole = reno__status_reply__get_packed_size(b);
    size_t delta = round_trip(a, b);
    ck_assert_msg(delta * 20 < whole, "delta %zu bytes against a status of %zu", delta, whole);
    protobuf_c_message_free_unpacked(&b->base, NULL);
    protobuf_c_message_free_unpacked(&a->base, NULL);
}
END_TEST

START_TEST(test_ill_fitting_deltas_are_refused)
{
    rng_state = 7;
    Reno__StatusReply *a = random_status(6);
    Reno__StatusReply *b = mutate(a, 6, 50);
    for (int i = 0; i < 200; i++) {
        struct status_delta d;
        status_delta_make(a, b, &d);
        /* Spoil one place: a count, an index or the whole flag. */
        if (d.n_places > 0) {
            Reno__DeltaPlaces *p = d.place_ptrs[below(d.n_places)];
            switch (below(4)) {
            case 0:
                p->count = (uint32_t)rnd();
                break;
            case 1:
                if (p->n_index > 0)
                    p->index[below(p->n_index)] = (uint32_t)rnd() % (p->count + 3);
                break;
            case 2:
                p->whole = !p->whole;
                break;
            default:
                p->count++;
                break;
            }
        }
        char why[200];
        Reno__StatusReply *got = status_delta_apply(a, &d.delta, why, sizeof why);
        if (got != NULL) /* a harmless spoil (an index set to what it was) still fits */
            reno__status_reply__free_unpacked(got, NULL);
        status_delta_release(&d);
    }
    /* Kept fields that are not programme-wide lists or messages, or that come with rows:
     * the projects (a per-project field), a scalar (households), a number no field has. */
    Reno__StatusReply *c = mutate(a, 1, 50);
    for (size_t k = 0; k < 3; k++) {
        struct status_delta d;
        status_delta_make(a, c, &d);
        uint32_t *kept = xmalloc((d.delta.n_kept + 1) * sizeof *kept);
        memcpy(kept, d.delta.kept, d.delta.n_kept * sizeof *kept);
        kept[d.delta.n_kept] = k == 0   ? field_number("projects")
                               : k == 1 ? field_number("households")
                                        : 99999u;
        uint32_t *was = d.delta.kept;
        d.delta.kept = kept;
        d.delta.n_kept++;
        char why[200];
        ck_assert_ptr_null(status_delta_apply(a, &d.delta, why, sizeof why));
        d.delta.kept = was;
        d.delta.n_kept--;
        free(kept);
        status_delta_release(&d);
    }
    /* A field both kept and given: a kept list or message of a put back into the delta. */
    {
        struct status_delta d;
        status_delta_make(a, a, &d);
        bool tried = false;
        for (size_t k = 0; k < d.delta.n_kept && !tried; k++) {
            const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
                &reno__status_reply__descriptor, d.delta.kept[k]);
            const char *from = (const char *)a;
            char *to = (char *)&d.status;
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t n;
                memcpy(&n, from + f->quantifier_offset, sizeof n);
                if (n == 0)
                    continue;
                memcpy(to + f->quantifier_offset, &n, sizeof n);
            } else {
                void *m;
                memcpy(&m, from + f->offset, sizeof m);
                if (m == NULL)
                    continue;
            }
            memcpy(to + f->offset, from + f->offset, sizeof(void *));
            tried = true;
        }
        ck_assert(tried);
        char why[200];
        ck_assert_ptr_null(status_delta_apply(a, &d.delta, why, sizeof why));
        ck_assert_msg(strstr(why, "both kept and given") != NULL, "%s", why);
        status_delta_release(&d);
    }
    protobuf_c_message_free_unpacked(&c->base, NULL);
    /* A delta without a status, and a status to apply to that is missing. */
    Reno__StatusDelta empty = RENO__STATUS_DELTA__INIT;
    char why[200];
    ck_assert_ptr_null(status_delta_apply(a, &empty, why, sizeof why));
    ck_assert_ptr_null(status_delta_apply(NULL, &empty, why, sizeof why));
    protobuf_c_message_free_unpacked(&b->base, NULL);
    protobuf_c_message_free_unpacked(&a->base, NULL);
}
END_TEST

Suite *status_delta_suite(void)
{
    Suite *s = suite_create("status_delta");
    TCase *tc = tcase_create("status_delta");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_apply_make_is_b_on_random_statuses);
    tcase_add_test(tc, test_delta_of_one_project_is_small);
    tcase_add_test(tc, test_make_some_is_make_whatever_the_list);
    tcase_add_test(tc, test_make_some_over_shared_rows);
    tcase_add_test(tc, test_ill_fitting_deltas_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
