/*
 * Tests for server/status_page: pages of random statuses (projects with gaps in their ids,
 * names and figures that tie, projects without a light or a phases row, rows of projects
 * that are not listed, totals rows, missing reporters in the order of their units, and
 * at times projects out of the order of their ids) for random requests (every order,
 * both directions, every filter, page sizes and tokens past the end) equal, field by
 * field and row by row, the pages of the walk over every row that status_page_build made
 * before it found a page's rows by binary search. That walk is kept here, as the
 * reference: a page's rows off by one, a project's rows cut short, a page in another
 * order or a wrong count fails here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reflect.h"
#include "status_page.h"
#include "unit.h"
#include "xmalloc.h"

/* ---- the reference: every row read ---------------------------------------------------- */

struct ref_entry {
    const Reno__ProjectStatus *project;
    int light;
    bool overdue;
};

struct ref_id_value {
    int64_t id;
    int value;
};

static int ref_cmp_id_value(const void *a, const void *b)
{
    const struct ref_id_value *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int ref_cmp_id(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

static int ref_lookup(const struct ref_id_value *table, size_t n, int64_t id, int missing)
{
    struct ref_id_value key = {.id = id, .value = 0};
    const struct ref_id_value *hit = bsearch(&key, table, n, sizeof *table, ref_cmp_id_value);
    return hit != NULL ? hit->value : missing;
}

static Reno__StatusSort ref_sort_by;
static bool ref_descending;

static int ref_cmp_double(double a, double b)
{
    return (a > b) - (a < b);
}

static int ref_cmp_entry(const void *a, const void *b)
{
    const struct ref_entry *x = a, *y = b;
    int c = 0;
    switch (ref_sort_by) {
    case RENO__STATUS_SORT__STATUS_SORT_NAME:
        c = strcmp(x->project->name, y->project->name);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_STARTED:
        c = ref_cmp_double(x->project->started_pct, y->project->started_pct);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_COMPLETED:
        c = ref_cmp_double(x->project->completed_pct, y->project->completed_pct);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_LIGHT:
        c = y->light - x->light;
        break;
    default:
        break;
    }
    if (c == 0)
        c = (x->project->project_id > y->project->project_id) -
            (x->project->project_id < y->project->project_id);
    return ref_descending ? -c : c;
}

static bool ref_matches(const struct ref_entry *e, const Reno__GetStatus *req)
{
    if (req->project_id != 0 && e->project->project_id != req->project_id)
        return false;
    if (req->light != RENO__LIGHT__LIGHT_UNSPECIFIED && e->light != (int)req->light)
        return false;
    if (req->overdue && !e->overdue)
        return false;
    if (req->search != NULL && req->search[0] != '\0' &&
        strstr(e->project->name, req->search) == NULL &&
        (e->project->community == NULL || strstr(e->project->community, req->search) == NULL))
        return false;
    return true;
}

#define REF_KEEP_ROWS(field, type)                                                                 \
    do {                                                                                           \
        type **rows = xcalloc(full->n_##field + 1, sizeof *rows);                                  \
        size_t kept = 0;                                                                           \
        for (size_t i = 0; i < full->n_##field; i++) {                                             \
            int64_t id = full->field[i]->project_id;                                               \
            if (id == 0 || bsearch(&id, on_page, n_page, sizeof *on_page, ref_cmp_id) != NULL)     \
                rows[kept++] = full->field[i];                                                     \
        }                                                                                          \
        view->n_##field = kept;                                                                    \
        view->field = rows;                                                                        \
        page->arrays[slot++] = rows;                                                               \
    } while (0)

static Reno__StatusRhythm **ref_keep_rhythm(const Reno__StatusReply *full, size_t keep,
                                            size_t *kept)
{
    Reno__StatusRhythm **rows = xcalloc(full->n_rhythm + 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < full->n_rhythm;) {
        size_t end = i + 1;
        while (end < full->n_rhythm && strcmp(full->rhythm[end]->code, full->rhythm[i]->code) == 0)
            end++;
        size_t periods = 0;
        for (size_t j = i; j < end; j++)
            periods += full->rhythm[j]->period[0] != '\0';
        size_t skip = periods > keep ? periods - keep : 0;
        for (size_t j = i; j < end; j++) {
            if (full->rhythm[j]->period[0] != '\0' && skip > 0) {
                skip--;
                continue;
            }
            rows[n++] = full->rhythm[j];
        }
        i = end;
    }
    *kept = n;
    return rows;
}

static void ref_page_build(const Reno__StatusReply *full, const Reno__GetStatus *req,
                           Reno__StatusReply *view, struct status_page *page)
{
    memset(page, 0, sizeof *page);
    *view = *full;
    size_t n_lights = 0, n_phases = 0;
    struct ref_id_value *lights = xcalloc(full->n_lights + 1, sizeof *lights);
    struct ref_id_value *phases = xcalloc(full->n_phases + 1, sizeof *phases);
    int counted[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < full->n_lights; i++) {
        if (full->lights[i]->project_id == 0)
            continue;
        int light = (int)full->lights[i]->light;
        if (light >= 0 && light < 4)
            counted[light]++;
        lights[n_lights++] = (struct ref_id_value){full->lights[i]->project_id, light};
    }
    for (size_t i = 0; i < full->n_phases; i++)
        if (full->phases[i]->project_id != 0)
            phases[n_phases++] = (struct ref_id_value){full->phases[i]->project_id,
                                                       full->phases[i]->milestones_overdue > 0};
    qsort(lights, n_lights, sizeof *lights, ref_cmp_id_value);
    qsort(phases, n_phases, sizeof *phases, ref_cmp_id_value);

    struct ref_entry *match = xcalloc(full->n_projects + 1, sizeof *match);
    size_t n_match = 0;
    for (size_t i = 0; i < full->n_projects; i++) {
        struct ref_entry e = {
            .project = full->projects[i],
            .light = ref_lookup(lights, n_lights, full->projects[i]->project_id, 0),
            .overdue = ref_lookup(phases, n_phases, full->projects[i]->project_id, 0) != 0,
        };
        if (ref_matches(&e, req))
            match[n_match++] = e;
    }
    free(lights);
    free(phases);
    ref_sort_by = req->sort;
    ref_descending = req->descending;
    qsort(match, n_match, sizeof *match, ref_cmp_entry);

    size_t size = req->page_size > 0 ? (size_t)req->page_size : STATUS_PAGE_DEFAULT;
    if (size > STATUS_PAGE_MAX)
        size = STATUS_PAGE_MAX;
    size_t offset = 0;
    if (req->page_token != NULL && req->page_token[0] != '\0')
        offset = (size_t)strtoull(req->page_token, NULL, 10);
    if (offset > n_match)
        offset = n_match;
    size_t n_page = n_match - offset < size ? n_match - offset : size;

    Reno__ProjectStatus **projects = xcalloc(n_page + 1, sizeof *projects);
    int64_t *on_page = xcalloc(n_page + 1, sizeof *on_page);
    for (size_t i = 0; i < n_page; i++) {
        projects[i] = (Reno__ProjectStatus *)match[offset + i].project;
        on_page[i] = projects[i]->project_id;
    }
    free(match);
    qsort(on_page, n_page, sizeof *on_page, ref_cmp_id);

    size_t slot = 0;
    view->projects = projects;
    view->n_projects = n_page;
    page->arrays[slot++] = projects;
    REF_KEEP_ROWS(lights, Reno__StatusLight);
    REF_KEEP_ROWS(phases, Reno__StatusPhase);
    REF_KEEP_ROWS(funds, Reno__StatusFunds);
    REF_KEEP_ROWS(contracts, Reno__StatusContracts);
    REF_KEEP_ROWS(lines, Reno__StatusLines);
    REF_KEEP_ROWS(surveys, Reno__StatusSurvey);
    REF_KEEP_ROWS(missing_reporters, Reno__MissingReporter);
    REF_KEEP_ROWS(parties, Reno__StatusParties);
    REF_KEEP_ROWS(quality, Reno__StatusQuality);
    REF_KEEP_ROWS(payments, Reno__StatusPayments);
    REF_KEEP_ROWS(guards, Reno__StatusGuard);
    free(on_page);
    size_t periods = req->rhythm_periods > 0 ? (size_t)req->rhythm_periods : STATUS_RHYTHM_DEFAULT;
    if (periods > STATUS_RHYTHM_MAX)
        periods = STATUS_RHYTHM_MAX;
    view->rhythm = ref_keep_rhythm(full, periods, &view->n_rhythm);
    page->arrays[slot++] = view->rhythm;

    view->projects_matching = (int32_t)n_match;
    view->page_offset = (int32_t)offset;
    view->projects_in_programme = (int32_t)full->n_projects;
    if (offset + n_page < n_match)
        snprintf(page->next_token, sizeof page->next_token, "%zu", offset + n_page);
    view->next_page_token = page->next_token;
    static const Reno__Light order[] = {RENO__LIGHT__LIGHT_RED, RENO__LIGHT__LIGHT_YELLOW,
                                        RENO__LIGHT__LIGHT_GREEN};
    for (size_t i = 0; i < 3; i++) {
        reno__light_count__init(&page->counts[i]);
        page->counts[i].light = order[i];
        page->counts[i].projects = counted[order[i]];
        page->count_ptrs[i] = &page->counts[i];
    }
    view->light_counts = page->count_ptrs;
    view->n_light_counts = 3;
}

/* ---- random statuses and requests ----------------------------------------------------- */

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

static const ProtobufCFieldDescriptor *field(const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(&reno__status_reply__descriptor, name);
    ck_assert_msg(f != NULL, "no field %s", name);
    return f;
}

static ProtobufCMessage *append_row(Reno__StatusReply *r, const char *section, int64_t project)
{
    ProtobufCMessage *m = reflect_append_message(&r->base, field(section));
    const ProtobufCFieldDescriptor *pid =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "project_id");
    ck_assert_ptr_nonnull(pid);
    *(int64_t *)((char *)m + pid->offset) = project;
    return m;
}

/* Names and communities that share their words, so that a search matches several and an
 * order by name ties. */
static const char *const words[] = {"松山", "紫云", "ab", "abc", "b", "示例小区", "Zi"};
#define WORDS (sizeof words / sizeof words[0])

static char *some_text(void)
{
    char text[64] = "";
    int n = below(3);
    for (int i = 0; i < n; i++)
        strcat(text, words[below((int)WORDS)]);
    return xstrdup(text);
}

/* The sections of project rows besides lights and phases (each a random number of rows
 * per project, then totals rows), and the missing reporters (by unit, then project). */
static const char *const others[] = {"funds",   "contracts", "lines",    "surveys",
                                     "parties", "quality",   "payments", "guards"};
#define OTHERS (sizeof others / sizeof others[0])

/* The ids of the status: the listed projects and a few others with rows only. */
#define MAX_IDS 80

static Reno__StatusReply *random_status(int64_t *ids, size_t *n_ids)
{
    Reno__StatusReply *r = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    size_t n = (size_t)below(MAX_IDS);
    int64_t id = 0;
    bool listed[MAX_IDS];
    for (size_t i = 0; i < n; i++) {
        id += 1 + below(3);
        ids[i] = id;
        listed[i] = below(10) != 0;
        if (!listed[i])
            continue;
        Reno__ProjectStatus *p =
            (Reno__ProjectStatus *)reflect_append_message(&r->base, field("projects"));
        p->project_id = id;
        p->name = some_text();
        p->community = below(4) == 0 ? NULL : some_text();
        p->started_pct = below(4) * 12.5;
        p->completed_pct = below(3) * 25.0;
    }
    *n_ids = n;
    for (size_t i = 0; i < n; i++)
        if (below(8) != 0)
            ((Reno__StatusLight *)append_row(r, "lights", ids[i]))->light = (Reno__Light)below(4);
    if (below(2))
        append_row(r, "lights", 0);
    for (size_t i = 0; i < n; i++)
        if (below(8) != 0)
            ((Reno__StatusPhase *)append_row(r, "phases", ids[i]))->milestones_overdue = below(3);
    if (below(2))
        append_row(r, "phases", 0);
    for (size_t s = 0; s < OTHERS; s++) {
        for (size_t i = 0; i < n; i++)
            for (int k = below(4); k > 0; k--)
                append_row(r, others[s], ids[i]);
        for (int k = below(3); k > 0; k--)
            append_row(r, others[s], 0);
    }
    for (int unit = below(4); unit > 0; unit--)
        for (size_t i = 0; i < n; i++)
            if (below(3) == 0)
                append_row(r, "missing_reporters", ids[i]);
    /* The rhythm: per duty its summary, then its missed periods. */
    for (int duty = below(4); duty > 0; duty--) {
        char code[8];
        snprintf(code, sizeof code, "d%d", duty);
        for (int k = below(6); k >= 0; k--) {
            Reno__StatusRhythm *row =
                (Reno__StatusRhythm *)reflect_append_message(&r->base, field("rhythm"));
            row->code = xstrdup(code);
            row->period = xstrdup(k == 0 || below(5) == 0 ? "" : "2026-01");
        }
    }
    r->households = 42;
    r->as_of = xstrdup("2026-12-01");
    return r;
}

static void random_request(Reno__GetStatus *req, const int64_t *ids, size_t n_ids, char *token)
{
    reno__get_status__init(req);
    static const int32_t sizes[] = {0, 1, 2, 3, 7, 50, 2000};
    req->page_size = sizes[below((int)(sizeof sizes / sizeof sizes[0]))];
    switch (below(3)) {
    case 0:
        req->page_token = NULL;
        break;
    case 1:
        req->page_token = (char *)"";
        break;
    default:
        snprintf(token, 16, "%d", below((int)n_ids + 5));
        req->page_token = token;
    }
    req->sort = (Reno__StatusSort)below(6); /* 5: none of the orders, by id */
    req->descending = below(2);
    req->light = below(3) == 0 ? (Reno__Light)below(4) : RENO__LIGHT__LIGHT_UNSPECIFIED;
    req->overdue = below(4) == 0;
    switch (below(4)) {
    case 0:
        req->search = NULL;
        break;
    case 1:
        req->search = (char *)words[below((int)WORDS)];
        break;
    default:
        req->search = (char *)"";
    }
    if (below(6) == 0)
        req->project_id = n_ids > 0 && below(4) != 0 ? ids[below((int)n_ids)] : 1000;
    req->rhythm_periods = below(4);
}

/* ---- comparing pages ---------------------------------------------------------------- */

static size_t scalar_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    default:
        return 4;
    }
}

/* Every field of the two pages: the same rows (the very same messages) of each repeated
 * field, the same light counts, the same text and the same values. */
static void assert_same_page(const Reno__StatusReply *got, const Reno__StatusReply *want,
                             const char *what)
{
    const ProtobufCMessageDescriptor *md = &reno__status_reply__descriptor;
    for (unsigned i = 0; i < md->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &md->fields[i];
        const char *g = (const char *)got + f->offset, *w = (const char *)want + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t ng = *(const size_t *)((const char *)got + f->quantifier_offset);
            size_t nw = *(const size_t *)((const char *)want + f->quantifier_offset);
            ck_assert_msg(ng == nw, "%s: %s has %zu rows, expected %zu", what, f->name, ng, nw);
            if (f->type != PROTOBUF_C_TYPE_MESSAGE)
                continue;
            void *const *rg = *(void *const *const *)g, *const *rw = *(void *const *const *)w;
            for (size_t k = 0; k < ng; k++) {
                if (strcmp(f->name, "light_counts") == 0) {
                    const Reno__LightCount *a = rg[k], *b = rw[k];
                    ck_assert_msg(a->light == b->light && a->projects == b->projects,
                                  "%s: light count %zu", what, k);
                } else {
                    ck_assert_msg(rg[k] == rw[k], "%s: %s row %zu differs", what, f->name, k);
                }
            }
        } else if (f->type == PROTOBUF_C_TYPE_STRING) {
            const char *a = *(const char *const *)g, *b = *(const char *const *)w;
            ck_assert_msg((a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0),
                          "%s: %s is \"%s\", expected \"%s\"", what, f->name, a ? a : "(null)",
                          b ? b : "(null)");
        } else {
            ck_assert_msg(memcmp(g, w, scalar_size(f)) == 0, "%s: %s differs", what, f->name);
        }
    }
}

static void describe(char *out, size_t size, uint64_t seed, int round, const Reno__GetStatus *req)
{
    snprintf(out, size,
             "seed %llu status %d: size %d token %s sort %d%s light %d%s search %s project %lld "
             "periods %d",
             (unsigned long long)seed, round, req->page_size,
             req->page_token ? req->page_token : "(null)", (int)req->sort,
             req->descending ? " desc" : "", (int)req->light, req->overdue ? " overdue" : "",
             req->search ? req->search : "(null)", (long long)req->project_id, req->rhythm_periods);
}

START_TEST(pages_equal_the_walk_over_every_row)
{
    for (uint64_t seed = 1; seed <= 16; seed++) {
        rng_state = 0x9E3779B97F4A7C15ull * seed;
        for (int round = 0; round < 10; round++) {
            int64_t ids[MAX_IDS];
            size_t n_ids;
            Reno__StatusReply *full = random_status(ids, &n_ids);
            /* Projects out of the order of their ids: their lights and phases are looked
             * up instead of merged, and the order by id is sorted. */
            if (round % 4 == 3)
                for (size_t i = full->n_projects; i > 1; i--) {
                    size_t j = (size_t)below((int)i);
                    Reno__ProjectStatus *t = full->projects[i - 1];
                    full->projects[i - 1] = full->projects[j];
                    full->projects[j] = t;
                }
            for (int q = 0; q < 40; q++) {
                Reno__GetStatus req;
                char token[16];
                random_request(&req, ids, n_ids, token);
                char what[256];
                describe(what, sizeof what, seed, round, &req);
                Reno__StatusReply got, want;
                struct status_page got_mem, want_mem;
                status_page_build(full, &req, &got, &got_mem);
                ref_page_build(full, &req, &want, &want_mem);
                assert_same_page(&got, &want, what);
                status_page_free(&got_mem);
                status_page_free(&want_mem);
            }
            protobuf_c_message_free_unpacked(&full->base, NULL);
        }
    }
}
END_TEST

/* Every page of a status in turn, by each order: together they are every matching project
 * once, and each is the walk's page. */
START_TEST(pages_in_turn_cover_every_project_once)
{
    rng_state = 12345;
    int64_t ids[MAX_IDS];
    size_t n_ids;
    Reno__StatusReply *full = random_status(ids, &n_ids);
    for (int sort = 0; sort <= 4; sort++) {
        Reno__GetStatus req;
        reno__get_status__init(&req);
        req.page_size = 3;
        req.sort = (Reno__StatusSort)sort;
        req.descending = sort % 2 == 1;
        char token[16] = "";
        size_t seen = 0;
        for (;;) {
            req.page_token = token;
            Reno__StatusReply got, want;
            struct status_page got_mem, want_mem;
            status_page_build(full, &req, &got, &got_mem);
            ref_page_build(full, &req, &want, &want_mem);
            assert_same_page(&got, &want, "in turn");
            seen += got.n_projects;
            bool last = got.next_page_token[0] == '\0';
            snprintf(token, sizeof token, "%s", got.next_page_token);
            status_page_free(&got_mem);
            status_page_free(&want_mem);
            if (last)
                break;
        }
        ck_assert_uint_eq(seen, full->n_projects);
    }
    protobuf_c_message_free_unpacked(&full->base, NULL);
}
END_TEST

Suite *status_page_suite(void)
{
    Suite *s = suite_create("status_page");
    TCase *tc = tcase_create("status_page");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pages_equal_the_walk_over_every_row);
    tcase_add_test(tc, pages_in_turn_cover_every_project_once);
    suite_add_tcase(s, tc);
    return s;
}
