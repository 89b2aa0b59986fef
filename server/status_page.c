/*
 * Pages of the consolidated status (status_page.h). The roll-up holds the whole status of
 * a programme; a person reads it a page at a time: the totals, rules, plan and light
 * counts always, the projects filtered (light, overdue, text, one project), sorted and
 * cut to a page, and each per-project section cut to the same projects. The work is
 * proportional to the programme's projects (a sort of the matching ones) and the reply
 * to the page: at 60,000 projects a page is tens of kilobytes instead of megabytes. The
 * plan's rhythm, which grows with the calendar rather than with the projects, keeps each
 * duty's summary and only its newest missed periods.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_page.h"
#include "xmalloc.h"

/* A project's figures that filters and orders look at. */
struct entry {
    const Reno__ProjectStatus *project;
    int light;
    bool overdue;
};

struct id_value {
    int64_t id;
    int value;
};

static int cmp_id_value(const void *a, const void *b)
{
    const struct id_value *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_id(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The value for id in a sorted table, or `missing`. */
static int lookup(const struct id_value *table, size_t n, int64_t id, int missing)
{
    struct id_value key = {.id = id, .value = 0};
    const struct id_value *hit = bsearch(&key, table, n, sizeof *table, cmp_id_value);
    return hit != NULL ? hit->value : missing;
}

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
        c = cmp_double(x->project->started_pct, y->project->started_pct);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_COMPLETED:
        c = cmp_double(x->project->completed_pct, y->project->completed_pct);
        break;
    case RENO__STATUS_SORT__STATUS_SORT_LIGHT:
        c = y->light - x->light; /* red (3) first */
        break;
    default:
        break;
    }
    if (c == 0)
        c = (x->project->project_id > y->project->project_id) -
            (x->project->project_id < y->project->project_id);
    return sort_descending ? -c : c;
}

static bool matches(const struct entry *e, const Reno__GetStatus *req)
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

/* Keeps the rows of a section whose project is on the page (a sorted array of ids) or
 * that are the programme's (project_id 0), in their order. */
#define KEEP_ROWS(field, type)                                                                     \
    do {                                                                                           \
        type **rows = xcalloc(full->n_##field + 1, sizeof *rows);                                  \
        size_t kept = 0;                                                                           \
        for (size_t i = 0; i < full->n_##field; i++) {                                             \
            int64_t id = full->field[i]->project_id;                                               \
            if (id == 0 || bsearch(&id, on_page, n_page, sizeof *on_page, cmp_id) != NULL)         \
                rows[kept++] = full->field[i];                                                     \
        }                                                                                          \
        view->n_##field = kept;                                                                    \
        view->field = rows;                                                                        \
        page->arrays[slot++] = rows;                                                               \
    } while (0)

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

void status_page_build(const Reno__StatusReply *full, const Reno__GetStatus *req,
                       Reno__StatusReply *view, struct status_page *page)
{
    memset(page, 0, sizeof *page);
    *view = *full; /* shallow: the arrays below are replaced */

    /* Each project's light and whether a milestone is overdue, by project id. */
    size_t n_lights = 0, n_phases = 0;
    struct id_value *lights = xcalloc(full->n_lights + 1, sizeof *lights);
    struct id_value *phases = xcalloc(full->n_phases + 1, sizeof *phases);
    int counted[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < full->n_lights; i++) {
        if (full->lights[i]->project_id == 0)
            continue;
        int light = (int)full->lights[i]->light;
        if (light >= 0 && light < 4)
            counted[light]++;
        lights[n_lights++] = (struct id_value){full->lights[i]->project_id, light};
    }
    for (size_t i = 0; i < full->n_phases; i++)
        if (full->phases[i]->project_id != 0)
            phases[n_phases++] = (struct id_value){full->phases[i]->project_id,
                                                   full->phases[i]->milestones_overdue > 0};
    qsort(lights, n_lights, sizeof *lights, cmp_id_value);
    qsort(phases, n_phases, sizeof *phases, cmp_id_value);

    struct entry *match = xcalloc(full->n_projects + 1, sizeof *match);
    size_t n_match = 0;
    for (size_t i = 0; i < full->n_projects; i++) {
        struct entry e = {
            .project = full->projects[i],
            .light = lookup(lights, n_lights, full->projects[i]->project_id, 0),
            .overdue = lookup(phases, n_phases, full->projects[i]->project_id, 0) != 0,
        };
        if (matches(&e, req))
            match[n_match++] = e;
    }
    free(lights);
    free(phases);
    sort_by = req->sort;
    sort_descending = req->descending;
    qsort(match, n_match, sizeof *match, cmp_entry);

    size_t size = req->page_size > 0 ? (size_t)req->page_size : STATUS_PAGE_DEFAULT;
    if (size > STATUS_PAGE_MAX)
        size = STATUS_PAGE_MAX;
    /* The token is the offset (msg_check_request allows digits only); past the end is an
     * empty last page. */
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
    qsort(on_page, n_page, sizeof *on_page, cmp_id);

    size_t slot = 0;
    view->projects = projects;
    view->n_projects = n_page;
    page->arrays[slot++] = projects;
    KEEP_ROWS(lights, Reno__StatusLight);
    KEEP_ROWS(phases, Reno__StatusPhase);
    KEEP_ROWS(funds, Reno__StatusFunds);
    KEEP_ROWS(contracts, Reno__StatusContracts);
    KEEP_ROWS(lines, Reno__StatusLines);
    KEEP_ROWS(surveys, Reno__StatusSurvey);
    KEEP_ROWS(missing_reporters, Reno__MissingReporter);
    KEEP_ROWS(parties, Reno__StatusParties);
    KEEP_ROWS(quality, Reno__StatusQuality);
    KEEP_ROWS(payments, Reno__StatusPayments);
    KEEP_ROWS(guards, Reno__StatusGuard);
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
