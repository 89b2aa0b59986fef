/*
 * Tests for server/status_splice: a status of many projects brought up to date project by
 * project (rows replaced, projects added and removed, rows moving between the sources and
 * kinds of a section, many projects sharing a phase or a date) holds, after every update,
 * each project's latest rows in the order of the projects' ids with the totals last, and
 * totals that pack to the same bytes as totals computed from every row held. The projects
 * keep their measures. The projects found by binary search and the sums kept beside the
 * status are what is tested: a wrong place or a wrong sum fails here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reflect.h"
#include "status_splice.h"
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

static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

#define MAX_ID 400

static const char *const sections[] = {"phases", "funds", "contracts", "surveys", "guards"};
#define SECTIONS (sizeof sections / sizeof sections[0])

/* What the test expects of each project: its generation (in every row's name) and how many
 * rows it has in each section; 0 rows everywhere and not listed: no such project. */
struct model {
    int gen[MAX_ID + 1];
    size_t rows[MAX_ID + 1][SECTIONS];
    bool listed[MAX_ID + 1];
};

static const ProtobufCFieldDescriptor *field(const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(&reno__status_reply__descriptor, name);
}

static char *row_name(int64_t project, int gen)
{
    char text[48];
    snprintf(text, sizeof text, "p%lld g%d", (long long)project, gen);
    return xstrdup(text);
}

static char *some_date(void)
{
    /* Few dates, so that many projects share the earliest and the latest. */
    char text[16];
    snprintf(text, sizeof text, "2026-0%d-1%d", 1 + below(3), below(3));
    return xstrdup(text);
}

/* The rows of one project, generation gen, appended to r's sections; counts in rows[]. */
static void add_project_rows(Reno__StatusReply *r, int64_t project, int gen, size_t rows[SECTIONS])
{
    memset(rows, 0, SECTIONS * sizeof rows[0]);
    if (below(8) != 0) {
        Reno__StatusPhase *p =
            (Reno__StatusPhase *)reflect_append_message(&r->base, field("phases"));
        p->project_id = project;
        p->name = row_name(project, gen);
        p->phase = below(6);
        p->phase_name = xstrdup("x");
        p->milestones = below(30);
        p->milestones_done = below(30);
        p->milestones_due_soon = below(4);
        p->milestones_overdue = below(4);
        p->next_due = below(3) ? some_date() : xstrdup("");
        rows[0]++;
    }
    /* Funds and contracts: a row per source or kind present, in its order, then the
     * project's row over them all (source or kind 0), which the totals leave out. */
    int sources = below(4);
    for (int s = 1; s < 10 && sources > 0; s++) {
        if (below(3) != 0)
            continue;
        Reno__StatusFunds *f =
            (Reno__StatusFunds *)reflect_append_message(&r->base, field("funds"));
        f->project_id = project;
        f->name = row_name(project, gen);
        f->source = (Reno__FundSource)s;
        char name[16];
        snprintf(name, sizeof name, "source %d", s);
        f->source_name = xstrdup(name);
        f->allocated = (double)below(1000000) / 100.0;
        f->received = (double)below(1000000) / 100.0;
        f->paid = (double)below(1000000) / 100.0;
        rows[1]++;
        sources--;
    }
    if (rows[1] > 0) {
        Reno__StatusFunds *f =
            (Reno__StatusFunds *)reflect_append_message(&r->base, field("funds"));
        f->project_id = project;
        f->name = row_name(project, gen);
        f->source_name = xstrdup("合计");
        f->allocated = 12345.67;
        rows[1]++;
    }
    for (int k = 1; k < 6; k++) {
        if (below(3) != 0)
            continue;
        Reno__StatusContracts *c =
            (Reno__StatusContracts *)reflect_append_message(&r->base, field("contracts"));
        c->project_id = project;
        c->name = row_name(project, gen);
        c->kind = (Reno__ContractKind)k;
        c->contracts = 1 + below(3);
        c->amount = (double)below(10000000) / 100.0;
        c->paid = (double)below(10000000) / 100.0;
        rows[2]++;
    }
    for (int k = 2; k >= 1; k--) { /* willingness, then satisfaction */
        if (below(2) != 0)
            continue;
        Reno__StatusSurvey *v =
            (Reno__StatusSurvey *)reflect_append_message(&r->base, field("surveys"));
        v->project_id = project;
        v->name = row_name(project, gen);
        v->kind = (Reno__SurveyKind)k;
        v->surveyed_on = some_date();
        v->surveys = 1 + below(2);
        v->households = below(300);
        v->households_asked = below(300);
        v->households_agreeing = below(300);
        rows[3]++;
    }
    for (int g = below(3); g > 0; g--) {
        Reno__StatusGuard *w =
            (Reno__StatusGuard *)reflect_append_message(&r->base, field("guards"));
        w->project_id = project;
        w->name = row_name(project, gen);
        w->code = xstrdup("willingness");
        w->detail = xstrdup("d");
        rows[4]++;
    }
}

static void add_project(Reno__StatusReply *r, struct lights_project **measures, int64_t project,
                        int gen)
{
    Reno__ProjectStatus *ps =
        (Reno__ProjectStatus *)reflect_append_message(&r->base, field("projects"));
    ps->project_id = project;
    ps->name = row_name(project, gen);
    *measures = xrealloc(*measures, (r->n_projects + 1) * sizeof **measures);
    (*measures)[r->n_projects - 1].started_at_share_due = (int32_t)project;
    (*measures)[r->n_projects - 1].started_at_all_due = gen;
}

static int64_t project_of_row(const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *pid =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "project_id");
    return *(const int64_t *)((const char *)m + pid->offset);
}

static const char *name_of_row(const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "name");
    return *(char *const *)((const char *)m + f->offset);
}

static uint8_t *packed(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = xmalloc(*len + 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

/* r against the model, and r's totals against totals computed from every row it holds.
 * The checks of every row abort only when one fails (ck_abort_msg): Check writes down the
 * place of each ck_assert that passes, a system call each, and these are millions. */
static void check(Reno__StatusReply *r, const struct lights_project *measures,
                  const struct model *md)
{
    for (size_t s = 0; s < SECTIONS; s++) {
        const ProtobufCFieldDescriptor *f = field(sections[s]);
        size_t n = reflect_count(&r->base, f);
        ProtobufCMessage **rows = *(ProtobufCMessage ***)reflect_field(&r->base, f);
        size_t count[MAX_ID + 1] = {0};
        int64_t last = 1;
        bool totals = false;
        for (size_t i = 0; i < n; i++) {
            int64_t p = project_of_row(rows[i]);
            if (p == 0) {
                totals = true;
                continue;
            }
            if (totals)
                ck_abort_msg("%s: a project row after the totals", sections[s]);
            if (p < last)
                ck_abort_msg("%s: project %lld after %lld", sections[s], (long long)p,
                             (long long)last);
            last = p;
            char *want = row_name(p, md->gen[p]);
            if (strcmp(name_of_row(rows[i]), want) != 0)
                ck_abort_msg("%s: project %lld's row is named %s, not %s", sections[s],
                             (long long)p, name_of_row(rows[i]), want);
            free(want);
            count[p]++;
        }
        for (int p = 1; p <= MAX_ID; p++)
            if (count[p] != md->rows[p][s])
                ck_abort_msg("%s: project %d has %zu rows, not %zu", sections[s], p, count[p],
                             md->rows[p][s]);
    }
    /* The projects, in order, each with its own measures. */
    int64_t last = 0;
    for (size_t i = 0; i < r->n_projects; i++) {
        int64_t p = r->projects[i]->project_id;
        if (p <= last || !md->listed[p])
            ck_abort_msg("project %lld after %lld, or not listed", (long long)p, (long long)last);
        last = p;
        if (measures[i].started_at_share_due != p || measures[i].started_at_all_due != md->gen[p])
            ck_abort_msg("project %lld has another's measures", (long long)p);
    }
    size_t listed = 0;
    for (int p = 1; p <= MAX_ID; p++)
        listed += md->listed[p];
    ck_assert_uint_eq(r->n_projects, listed);

    /* The totals from every row, in a copy, pack to the same bytes. */
    size_t len;
    uint8_t *buf = packed(&r->base, &len);
    Reno__StatusReply *full = reno__status_reply__unpack(NULL, len, buf);
    ck_assert_ptr_nonnull(full);
    for (size_t s = 0; s < SECTIONS; s++)
        ck_assert(status_splice_totals(full, sections[s], NULL, NULL));
    size_t full_len;
    uint8_t *full_buf = packed(&full->base, &full_len);
    ck_assert_uint_eq(len, full_len);
    ck_assert_msg(memcmp(buf, full_buf, len) == 0, "the totals kept differ from the totals of "
                                                   "every row");
    free(buf);
    free(full_buf);
    reno__status_reply__free_unpacked(full, NULL);
}

START_TEST(test_updates_keep_order_and_totals)
{
    rng_state = 0x5eed5eedULL + (uint64_t)_i;
    static struct model md;
    memset(&md, 0, sizeof md);
    Reno__StatusReply *r = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    struct lights_project *measures = NULL;
    /* Many projects, some ids left free to be added later, in the projects' order. */
    for (int64_t p = 1; p <= MAX_ID; p++) {
        if (below(4) == 0)
            continue;
        md.listed[p] = true;
        add_project_rows(r, p, 0, md.rows[p]);
        add_project(r, &measures, p, 0);
    }
    for (size_t s = 0; s < SECTIONS; s++)
        ck_assert(status_splice_totals(r, sections[s], NULL, NULL));
    struct status_sums *sums = status_sums_new(r);
    check(r, measures, &md);

    for (int round = 1; round <= 300; round++) {
        /* One to five projects, or many at once now and then: changed, added (a free
         * id) or removed; listed in any order, one of them perhaps twice. */
        size_t n = below(10) == 0 ? 40 : (size_t)(1 + below(5));
        int64_t ids[41];
        for (size_t i = 0; i < n; i++)
            ids[i] = 1 + below(MAX_ID);
        if (n > 1 && below(5) == 0)
            ids[n++] = ids[0];
        Reno__StatusReply *retired = NULL;
        Reno__StatusReply *next = status_splice_begin(r, &retired);
        Reno__StatusReply *from = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
        struct lights_project *from_measures = NULL;
        bool done[MAX_ID + 1] = {false};
        for (size_t i = 0; i < n; i++) {
            int64_t p = ids[i];
            if (done[p])
                continue;
            done[p] = true;
            if (below(6) == 0) { /* gone (or never there) */
                md.listed[p] = false;
                memset(md.rows[p], 0, sizeof md.rows[p]);
                continue;
            }
            md.gen[p] = round;
            md.listed[p] = true;
            add_project_rows(from, p, round, md.rows[p]);
            add_project(from, &from_measures, p, round);
        }
        /* The totals row SQL returns even for one project, which the splice drops. */
        Reno__StatusPhase *t =
            (Reno__StatusPhase *)reflect_append_message(&from->base, field("phases"));
        t->name = xstrdup("合计");
        /* The projects statement's rows come in the projects' order. */
        for (size_t i = 1; i < from->n_projects; i++)
            for (size_t j = i;
                 j > 0 && from->projects[j - 1]->project_id > from->projects[j]->project_id; j--) {
                Reno__ProjectStatus *x = from->projects[j];
                from->projects[j] = from->projects[j - 1];
                from->projects[j - 1] = x;
                struct lights_project y = from_measures[j];
                from_measures[j] = from_measures[j - 1];
                from_measures[j - 1] = y;
            }
        struct lights_project *next_measures = xmalloc((r->n_projects + 1) * sizeof *measures);
        memcpy(next_measures, measures, r->n_projects * sizeof *measures);
        status_splice_projects(next, &next_measures, from, from_measures, ids, n, retired);
        for (size_t s = 0; s < SECTIONS; s++) {
            status_splice_rows(next, from, sections[s], ids, n, sums, retired);
            ck_assert(status_splice_totals(next, sections[s], sums, retired));
        }
        reno__status_reply__free_unpacked(from, NULL);
        free(from_measures);
        status_splice_retire(r, retired);
        free(measures);
        r = next;
        measures = next_measures;
        check(r, measures, &md);
    }
    status_sums_free(sums);
    reno__status_reply__free_unpacked(r, NULL);
    free(measures);
}
END_TEST

START_TEST(test_drop_takes_listed_projects_and_totals)
{
    rng_state = 77;
    Reno__StatusReply *r = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    for (int64_t p = 1; p <= 50; p++) {
        Reno__StatusLight *l =
            (Reno__StatusLight *)reflect_append_message(&r->base, field("lights"));
        l->project_id = p;
        l->name = row_name(p, 0);
    }
    Reno__StatusLight *programme =
        (Reno__StatusLight *)reflect_append_message(&r->base, field("lights"));
    programme->name = xstrdup("合计");
    const int64_t ids[] = {50, 1, 25, 99};
    status_splice_drop(r, "lights", ids, 4, NULL);
    ck_assert_uint_eq(r->n_lights, 47);
    for (size_t i = 0; i < r->n_lights; i++) {
        int64_t p = r->lights[i]->project_id;
        ck_assert(p != 0 && p != 1 && p != 25 && p != 50);
        ck_assert(i == 0 || p > r->lights[i - 1]->project_id);
    }
    reno__status_reply__free_unpacked(r, NULL);
}
END_TEST

Suite *status_splice_suite(void)
{
    Suite *s = suite_create("status_splice");
    TCase *tc = tcase_create("status_splice");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_updates_keep_order_and_totals, 0, 3);
    tcase_add_test(tc, test_drop_takes_listed_projects_and_totals);
    suite_add_tcase(s, tc);
    return s;
}
