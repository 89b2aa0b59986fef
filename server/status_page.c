/*
 * Pages of the consolidated status (status_page.h). The roll-up holds the whole status of
 * a programme; a person reads it a page at a time: the totals, rules, plan and light
 * counts always, the projects filtered (light, overdue, text, one project), sorted and
 * cut to a page, and each per-project section cut to the same projects. The reply is the
 * page's: at 60,000 projects a page is tens of kilobytes instead of megabytes. The plan's
 * rhythm, which grows with the calendar rather than with the projects, keeps each duty's
 * summary and only its newest missed periods.
 *
 * The work is the page's too. A page's rows of a section are found by binary search, a
 * project at a time, not by reading every row of the programme: every per-project section
 * holds its rows in the order of their project ids, each project's together, then its
 * totals rows (project 0), as status_splice.c keeps them; only the missing reporters are
 * in the order of their units and are read whole (a few per cent of the expected
 * reporters). What needs every project is one pass over the projects (the filters, and
 * whether they are already in the order of their ids) and one over the lights (their
 * counts; a light filter or order merges them with the projects, as overdue merges the
 * phases; when either is out of the order of the ids, the figures are looked up by id).
 * An order other than by id keeps only the projects up to the end of the page, not all
 * of them, in a heap. Nothing is kept between pages: a page is valid exactly as long as
 * the status it points into.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_page.h"
#include "xmalloc.h"

/* ---- rows by project -------------------------------------------------------------------- */

/* The rows of a section (an array of row pointers) and where each row's project_id is. */
struct section {
    void *const *rows;
    size_t n;
    size_t pid; /* offsetof(<row type>, project_id) */
};

#define SECTION(field, type)                                                                       \
    ((struct section){(void *const *)full->field, full->n_##field, offsetof(type, project_id)})

static int64_t project_of(struct section s, size_t i)
{
    return *(const int64_t *)((const char *)s.rows[i] + s.pid);
}

/* The number of rows before the totals rows at the end. */
static size_t project_rows_end(struct section s)
{
    size_t end = s.n;
    while (end > 0 && project_of(s, end - 1) == 0)
        end--;
    return end;
}

/* The first of rows[lo..hi) whose project is `project` or greater. */
static size_t first_at_or_after(struct section s, size_t lo, size_t hi, int64_t project)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (project_of(s, mid) < project)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct run {
    size_t at, len;
};

/* The rows of the projects ids[0..n_ids) (ascending) and the totals rows, in the order of
 * the section's rows, which are in the order of their project ids with the totals last. */
static void **rows_by_search(struct section s, const int64_t *ids, size_t n_ids, size_t *kept)
{
    size_t end = project_rows_end(s);
    struct run *runs = xcalloc(n_ids + 1, sizeof *runs);
    size_t total = s.n - end, lo = 0;
    for (size_t i = 0; i < n_ids; i++) {
        size_t at = first_at_or_after(s, lo, end, ids[i]);
        size_t len = 0;
        while (at + len < end && project_of(s, at + len) == ids[i])
            len++;
        runs[i] = (struct run){at, len};
        total += len;
        lo = at + len;
    }
    void **rows = xcalloc(total + 1, sizeof *rows);
    size_t k = 0;
    for (size_t i = 0; i < n_ids; i++)
        for (size_t j = runs[i].at; j < runs[i].at + runs[i].len; j++)
            rows[k++] = s.rows[j];
    for (size_t j = end; j < s.n; j++)
        rows[k++] = s.rows[j];
    free(runs);
    *kept = k;
    return rows;
}

static int cmp_id(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The same for a section in another order: every row read. */
static void **rows_by_walk(struct section s, const int64_t *ids, size_t n_ids, size_t *kept)
{
    void **rows = xcalloc(s.n + 1, sizeof *rows);
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        int64_t id = project_of(s, i);
        if (id == 0 || bsearch(&id, ids, n_ids, sizeof *ids, cmp_id) != NULL)
            rows[k++] = s.rows[i];
    }
    *kept = k;
    return rows;
}

/* ---- each project's light and whether a milestone is overdue ------------------------- */

struct id_value {
    int64_t id;
    int value;
};

static int cmp_id_value(const void *a, const void *b)
{
    const struct id_value *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int light_of(const void *row)
{
    return (int)((const Reno__StatusLight *)row)->light;
}

static int overdue_of(const void *row)
{
    return ((const Reno__StatusPhase *)row)->milestones_overdue > 0;
}

/* values[i] = value(the first row of projects[i]), 0 when it has none, by a merge of the
 * projects with the rows; false when either is not in the order of the ids (then
 * values[] is not filled). */
static bool values_by_merge(const Reno__StatusReply *full, struct section s,
                            int (*value)(const void *), int *values)
{
    size_t end = project_rows_end(s), j = 0;
    int64_t last = INT64_MIN, last_row = INT64_MIN;
    for (size_t i = 0; i < full->n_projects; i++) {
        int64_t id = full->projects[i]->project_id;
        if (id <= last)
            return false;
        last = id;
        for (; j < end; j++) {
            int64_t r = project_of(s, j);
            if (r == 0 || r < last_row)
                return false;
            last_row = r;
            if (r >= id)
                break;
        }
        values[i] = j < end && project_of(s, j) == id ? value(s.rows[j]) : 0;
    }
    return true;
}

/* The same by a table of the rows sorted by id, in any order (a row of a project that has
 * several: any one of them). */
static void values_by_table(const Reno__StatusReply *full, struct section s,
                            int (*value)(const void *), int *values)
{
    struct id_value *table = xcalloc(s.n + 1, sizeof *table);
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++)
        if (project_of(s, i) != 0)
            table[n++] = (struct id_value){project_of(s, i), value(s.rows[i])};
    qsort(table, n, sizeof *table, cmp_id_value);
    for (size_t i = 0; i < full->n_projects; i++) {
        struct id_value key = {.id = full->projects[i]->project_id, .value = 0};
        const struct id_value *hit = bsearch(&key, table, n, sizeof *table, cmp_id_value);
        values[i] = hit != NULL ? hit->value : 0;
    }
    free(table);
}

/* Each project's value of a section of a row per project (lights, phases). */
static int *project_values(const Reno__StatusReply *full, struct section s,
                           int (*value)(const void *))
{
    int *values = xcalloc(full->n_projects + 1, sizeof *values);
    if (!values_by_merge(full, s, value, values))
        values_by_table(full, s, value, values);
    return values;
}

/* ---- filters and orders ----------------------------------------------------------------- */

/* A project's figures that filters and orders look at. */
struct entry {
    const Reno__ProjectStatus *project;
    int64_t id;
    double pct; /* started or completed, for those orders */
    int light;
    bool overdue;
};

static Reno__StatusSort sort_by;
static bool sort_descending;

static int cmp_double(double a, double b)
{
    return (a > b) - (a < b);
}

/* The order asked for, ties by project id, so that pages never overlap or skip. */
static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = 0;
    switch (sort_by) {
    case RENO__STATUS_SORT__STATUS_SORT_NAME:
        c = strcmp(x->project->name, y->project->name);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_STARTED:
    case RENO__STATUS_SORT__STATUS_SORT_COMPLETED:
        c = cmp_double(x->pct, y->pct);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_LIGHT:
        c = y->light - x->light; /* red (3) first */
        break;
    default:
        break;
    }
    if (c == 0)
        c = (x->id > y->id) - (x->id < y->id);
    return sort_descending ? -c : c;
}

static bool by_id(Reno__StatusSort sort)
{
    return sort != RENO__STATUS_SORT__STATUS_SORT_NAME &&
           sort != RENO__STATUS_SORT__STATUS_SORT_STARTED &&
           sort != RENO__STATUS_SORT__STATUS_SORT_COMPLETED &&
           sort != RENO__STATUS_SORT__STATUS_SORT_LIGHT;
}

static bool searched(const Reno__GetStatus *req)
{
    return req->search != NULL && req->search[0] != '\0';
}

static bool matches(const struct entry *e, const Reno__GetStatus *req)
{
    if (req->project_id != 0 && e->id != req->project_id)
        return false;
    if (req->light != RENO__LIGHT__LIGHT_UNSPECIFIED && e->light != (int)req->light)
        return false;
    if (req->overdue && !e->overdue)
        return false;
    if (searched(req) && strstr(e->project->name, req->search) == NULL &&
        (e->project->community == NULL || strstr(e->project->community, req->search) == NULL))
        return false;
    return true;
}

static void sift_down(struct entry *heap, size_t n, size_t i)
{
    for (;;) {
        size_t top = i, l = 2 * i + 1, r = 2 * i + 2;
        if (l < n && cmp_entry(&heap[l], &heap[top]) > 0)
            top = l;
        if (r < n && cmp_entry(&heap[r], &heap[top]) > 0)
            top = r;
        if (top == i)
            return;
        struct entry t = heap[i];
        heap[i] = heap[top];
        heap[top] = t;
        i = top;
    }
}

/* Puts the first k of e[0..n) in the order (cmp_entry) into e[0..k), in that order: a heap
 * of the k first so far, whose last is at its top (the order is total: ties by id). */
static void first_k(struct entry *e, size_t n, size_t k)
{
    if (k == 0)
        return;
    if (k >= n / 4) {
        qsort(e, n, sizeof *e, cmp_entry);
        return;
    }
    for (size_t i = k / 2; i-- > 0;)
        sift_down(e, k, i);
    for (size_t i = k; i < n; i++) {
        if (cmp_entry(&e[i], &e[0]) < 0) {
            e[0] = e[i];
            sift_down(e, k, 0);
        }
    }
    qsort(e, k, sizeof *e, cmp_entry);
}

/* ---- the page ---------------------------------------------------------------------------- */

/* The rhythm's rows (per duty its summary, then its missed periods oldest first, as
 * reno_status_rhythm orders them) with at most `keep` periods per duty: the newest. */
static Reno__StatusRhythm **keep_rhythm(const Reno__StatusReply *full, size_t keep, size_t *kept)
{
    Reno__StatusRhythm **rows = xcalloc(full->n_rhythm + 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < full->n_rhythm;) {
        /* One duty: rows i..end-1 share its code. */
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

/* The page's rows of a section into view and page->arrays. */
#define KEEP_ROWS(field, type, how)                                                                \
    do {                                                                                           \
        void **rows = how(SECTION(field, type), on_page, n_page, &view->n_##field);                \
        view->field = (type **)rows;                                                               \
        page->arrays[slot++] = rows;                                                               \
    } while (0)

void status_page_build(const Reno__StatusReply *full, const Reno__GetStatus *req,
                       Reno__StatusReply *view, struct status_page *page)
{
    memset(page, 0, sizeof *page);
    *view = *full; /* shallow: the arrays below are replaced */

    /* The light counts are over every project's light. */
    int counted[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < full->n_lights; i++) {
        int light = (int)full->lights[i]->light;
        if (full->lights[i]->project_id != 0 && light >= 0 && light < 4)
            counted[light]++;
    }

    size_t size = req->page_size > 0 ? (size_t)req->page_size : STATUS_PAGE_DEFAULT;
    if (size > STATUS_PAGE_MAX)
        size = STATUS_PAGE_MAX;
    /* The token is the offset (msg_check_request allows digits only); past the end is an
     * empty last page. */
    size_t offset = 0;
    if (req->page_token != NULL && req->page_token[0] != '\0')
        offset = (size_t)strtoull(req->page_token, NULL, 10);

    /* The projects that match, each with what its filters and order read. */
    bool need_light = req->light != RENO__LIGHT__LIGHT_UNSPECIFIED ||
                      req->sort == RENO__STATUS_SORT__STATUS_SORT_LIGHT;
    int *lights =
        need_light ? project_values(full, SECTION(lights, Reno__StatusLight), light_of) : NULL;
    int *overdue =
        req->overdue ? project_values(full, SECTION(phases, Reno__StatusPhase), overdue_of) : NULL;
    struct entry *match = xcalloc(full->n_projects + 1, sizeof *match);
    size_t n_match = 0;
    bool ascending = true; /* the matching projects are in the order of their ids */
    for (size_t i = 0; i < full->n_projects; i++) {
        const Reno__ProjectStatus *p = full->projects[i];
        struct entry e = {
            .project = p,
            .id = p->project_id,
            .pct = req->sort == RENO__STATUS_SORT__STATUS_SORT_COMPLETED ? p->completed_pct
                                                                         : p->started_pct,
            .light = lights != NULL ? lights[i] : 0,
            .overdue = overdue != NULL && overdue[i] != 0,
        };
        if (!matches(&e, req))
            continue;
        if (n_match > 0 && match[n_match - 1].id >= e.id)
            ascending = false;
        match[n_match++] = e;
    }
    free(lights);
    free(overdue);
    if (offset > n_match)
        offset = n_match;
    size_t n_page = n_match - offset < size ? n_match - offset : size;

    /* The projects up to the end of the page in the order asked for. */
    sort_by = req->sort;
    sort_descending = req->descending;
    if (by_id(req->sort) && ascending) {
        if (req->descending)
            for (size_t i = 0, j = n_match; i + 1 < j; i++, j--) {
                struct entry t = match[i];
                match[i] = match[j - 1];
                match[j - 1] = t;
            }
    } else {
        first_k(match, n_match, offset + n_page);
    }

    Reno__ProjectStatus **projects = xcalloc(n_page + 1, sizeof *projects);
    int64_t *on_page = xcalloc(n_page + 1, sizeof *on_page);
    for (size_t i = 0; i < n_page; i++) {
        projects[i] = (Reno__ProjectStatus *)match[offset + i].project;
        on_page[i] = match[offset + i].id;
    }
    free(match);
    qsort(on_page, n_page, sizeof *on_page, cmp_id);

    size_t slot = 0;
    view->projects = projects;
    view->n_projects = n_page;
    page->arrays[slot++] = projects;
    KEEP_ROWS(lights, Reno__StatusLight, rows_by_search);
    KEEP_ROWS(phases, Reno__StatusPhase, rows_by_search);
    KEEP_ROWS(funds, Reno__StatusFunds, rows_by_search);
    KEEP_ROWS(contracts, Reno__StatusContracts, rows_by_search);
    KEEP_ROWS(lines, Reno__StatusLines, rows_by_search);
    KEEP_ROWS(surveys, Reno__StatusSurvey, rows_by_search);
    /* By unit, then project (reno_status_missing_reporters). */
    KEEP_ROWS(missing_reporters, Reno__MissingReporter, rows_by_walk);
    KEEP_ROWS(parties, Reno__StatusParties, rows_by_search);
    KEEP_ROWS(quality, Reno__StatusQuality, rows_by_search);
    KEEP_ROWS(payments, Reno__StatusPayments, rows_by_search);
    KEEP_ROWS(guards, Reno__StatusGuard, rows_by_search);
    free(on_page);
    size_t periods = req->rhythm_periods > 0 ? (size_t)req->rhythm_periods : STATUS_RHYTHM_DEFAULT;
    if (periods > STATUS_RHYTHM_MAX)
        periods = STATUS_RHYTHM_MAX;
    view->rhythm = keep_rhythm(full, periods, &view->n_rhythm);
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

void status_page_free(struct status_page *page)
{
    for (size_t i = 0; i < sizeof page->arrays / sizeof page->arrays[0]; i++)
        free(page->arrays[i]);
    memset(page, 0, sizeof *page);
}
