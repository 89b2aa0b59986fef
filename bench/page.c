/*
 * reno_bench_page: the time of one status_page_build (server/status_page.c) over a
 * synthetic status held in memory, as the roll-up holds it, for the pages a reader and a
 * watcher ask for. No PostgreSQL and no renod: the status is made here with about the
 * rows per project of bench/gen's programmes (a light, a phases row, three funds rows,
 * three contracts rows, four line rows, two surveys, a guard, parties, quality and
 * payments rows, missing reporters for 3 % of six units per project, in the order of
 * their units), each section's rows allocated one after the other as unpacking a reply
 * allocates them, and the totals rows last.
 *
 *   reno_bench_page [--projects N[,N...]] [--repeat R]
 *
 * Prints per size and page the median and the fastest of R builds in milliseconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reflect.h"
#include "status_page.h"
#include "xmalloc.h"

static uint64_t rng_state = 88172645463325252ull;

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
    if (f == NULL) {
        fprintf(stderr, "no field %s\n", name);
        exit(1);
    }
    return f;
}

static char *project_name(size_t i)
{
    static const char *const streets[] = {"松山街道", "紫云街道", "南明街道", "花溪街道"};
    char text[64];
    snprintf(text, sizeof text, "%s%zu号小区", streets[i % 4], (size_t)rnd() % 100000);
    return xstrdup(text);
}

/* Appends a row of `section` for `project` with a name: the row's project_id and name
 * are found through its descriptor. */
static ProtobufCMessage *append_row(Reno__StatusReply *r, const char *section, int64_t project)
{
    ProtobufCMessage *m = reflect_append_message(&r->base, field(section));
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const ProtobufCFieldDescriptor *pid =
        protobuf_c_message_descriptor_get_field_by_name(d, "project_id");
    *(int64_t *)((char *)m + pid->offset) = project;
    const ProtobufCFieldDescriptor *name =
        protobuf_c_message_descriptor_get_field_by_name(d, "name");
    if (name != NULL && name->type == PROTOBUF_C_TYPE_STRING)
        *(char **)((char *)m + name->offset) = xstrdup(project == 0 ? "合计" : "某某小区");
    return m;
}

static Reno__StatusReply *make_status(size_t n)
{
    Reno__StatusReply *r = (Reno__StatusReply *)reflect_new(&reno__status_reply__descriptor);
    int64_t *ids = xcalloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (int64_t)(1000 + i * 3 + (size_t)below(2));
    for (size_t i = 0; i < n; i++) {
        Reno__ProjectStatus *p =
            (Reno__ProjectStatus *)reflect_append_message(&r->base, field("projects"));
        p->project_id = ids[i];
        p->name = project_name(i);
        p->community = xstrdup("某某社区");
        p->started_pct = below(1001) / 10.0;
        p->completed_pct = below(1001) / 10.0;
    }
    for (size_t i = 0; i < n; i++) {
        Reno__StatusLight *l = (Reno__StatusLight *)append_row(r, "lights", ids[i]);
        l->light = (Reno__Light)(1 + below(3));
    }
    append_row(r, "lights", 0);
    for (size_t i = 0; i < n; i++) {
        Reno__StatusPhase *p = (Reno__StatusPhase *)append_row(r, "phases", ids[i]);
        p->milestones_overdue = below(4) == 0;
    }
    append_row(r, "phases", 0);
    static const struct {
        const char *section;
        int per_project; /* rows per project, from 0 to twice this */
        int totals;
    } sections[] = {
        {"funds", 3, 4},   {"contracts", 3, 4}, {"lines", 4, 6},    {"surveys", 2, 2},
        {"parties", 1, 1}, {"quality", 1, 1},   {"payments", 1, 1}, {"guards", 1, 0},
    };
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        for (size_t i = 0; i < n; i++) {
            int rows = below(2 * sections[s].per_project + 1);
            for (int k = 0; k < rows; k++)
                append_row(r, sections[s].section, ids[i]);
        }
        for (int k = 0; k < sections[s].totals; k++)
            append_row(r, sections[s].section, 0);
    }
    /* By unit, then project: six units of each project, 3 % of them missing. */
    for (int unit = 0; unit < 6; unit++)
        for (size_t i = 0; i < n; i++)
            if (below(100) < 3)
                append_row(r, "missing_reporters", ids[i]);
    free(ids);
    return r;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

int main(int argc, char **argv)
{
    const char *sizes = "20000,60000";
    int repeat = 21;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--projects") == 0 && i + 1 < argc)
            sizes = argv[++i];
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: reno_bench_page [--projects N[,N...]] [--repeat R]\n");
            return 2;
        }
    }
    if (repeat < 1)
        repeat = 1;
    static const struct {
        const char *what;
        Reno__GetStatus req;
    } pages[] = {
        {"first 50 by id", {.page_size = 50}},
        {"page 100 by id", {.page_size = 50, .page_token = "5000"}},
        {"first 50 by name", {.page_size = 50, .sort = RENO__STATUS_SORT__STATUS_SORT_NAME}},
        {"first 50 by light", {.page_size = 50, .sort = RENO__STATUS_SORT__STATUS_SORT_LIGHT}},
        {"red, by started",
         {.page_size = 50,
          .light = RENO__LIGHT__LIGHT_RED,
          .sort = RENO__STATUS_SORT__STATUS_SORT_STARTED}},
        {"overdue", {.page_size = 50, .overdue = true}},
        {"search, a quarter", {.page_size = 50, .search = "紫云"}},
        {"1000 by completed",
         {.page_size = 1000, .sort = RENO__STATUS_SORT__STATUS_SORT_COMPLETED}},
    };
    double *ms = xcalloc((size_t)repeat, sizeof *ms);
    printf("%-10s %-20s %10s %10s %10s\n", "projects", "page", "median_ms", "min_ms", "rows");
    for (const char *s = sizes; *s != '\0';) {
        char *end;
        size_t n = strtoul(s, &end, 10);
        s = *end == ',' ? end + 1 : end;
        if (n == 0)
            break;
        Reno__StatusReply *full = make_status(n);
        for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
            Reno__GetStatus req = pages[p].req;
            req.base.descriptor = &reno__get_status__descriptor;
            size_t rows = 0;
            for (int k = 0; k < repeat; k++) {
                Reno__StatusReply view;
                struct status_page page;
                double t0 = now_ms();
                status_page_build(full, &req, &view, &page);
                ms[k] = now_ms() - t0;
                rows = view.n_projects + view.n_lights + view.n_phases + view.n_funds +
                       view.n_contracts + view.n_lines + view.n_surveys + view.n_missing_reporters +
                       view.n_parties + view.n_quality + view.n_payments + view.n_guards;
                status_page_free(&page);
            }
            qsort(ms, (size_t)repeat, sizeof *ms, cmp_double);
            printf("%-10zu %-20s %10.3f %10.3f %10zu\n", n, pages[p].what, ms[repeat / 2], ms[0],
                   rows);
        }
        protobuf_c_message_free_unpacked(&full->base, NULL);
    }
    free(ms);
    return 0;
}
