/*
 * The integration-test runner: the suites in it_list.h, against the PostgreSQL cluster in
 * the environment (PGHOST, PGPORT, PGUSER and RENO_TEST_PGCLUSTER: see tests/it-cluster,
 * which starts one for a run). The template database is built once here, in the parent;
 * each test forks and gets its own database and renod. The suites run one after another:
 * some stop and start the cluster, so two runs never share one.
 *
 * Usage: reno_integration [--shard I/N] [SUITE...]
 *   SUITE...      only these suites (e.g. "progress"); default: every suite
 *   --shard I/N   only shard I (1 to N) of them: the suites are dealt into N shards of
 *                 about the same running time, by the rough costs below, so that N runs,
 *                 each on a cluster of its own, run every suite once between them (the
 *                 test command's ctest runs them side by side)
 *   --list        prints the names of the suites it would run, and runs none
 * The exit status is 0 when every test passed, 1 when one failed, 2 on bad usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "it.h"

static const struct {
    const char *name;
    Suite *(*make)(void);
} suites[] = {
#define IT_SUITE(name) {#name, it_##name##_suite},
#include "it_list.h"
#undef IT_SUITE
};

#define SUITE_COUNT (sizeof suites / sizeof suites[0])

/* The suites that take much longer than most: rough seconds of CPU (renod, the clients
 * and PostgreSQL) in the sanitizer build, where the others count as DEFAULT_COST. Only
 * the split into shards reads these, and a wrong figure only makes the shards less even.
 * The scenario's thousands of client processes, one after another, take longer beside
 * other work than their CPU time says: it counts for a shard of its own. */
#define DEFAULT_COST 20
static const struct {
    const char *name;
    int cost;
} costs[] = {
    {"scenario", 300}, {"status_asof", 45}, {"privilege", 40}, {"watch_page", 40}, {"login", 35},
    {"dashboard", 35}, {"supervision", 30}, {"i18n", 30},      {"city", 30},       {"tls", 30},
};

static int cost_of(const char *name)
{
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++)
        if (strcmp(costs[i].name, name) == 0)
            return costs[i].cost;
    return DEFAULT_COST;
}

/* Deals the suites into n shards: the costliest first, each to the shard with the least
 * so far (the first such), ties in it_list.h's order. shard_of[i] is suite i's, from 1. */
static void deal(int n, int shard_of[SUITE_COUNT])
{
    size_t order[SUITE_COUNT];
    for (size_t i = 0; i < SUITE_COUNT; i++)
        order[i] = i;
    for (size_t i = 1; i < SUITE_COUNT; i++) /* a stable insertion sort, costliest first */
        for (size_t j = i;
             j > 0 && cost_of(suites[order[j]].name) > cost_of(suites[order[j - 1]].name); j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    long *load = calloc((size_t)n, sizeof *load);
    if (load == NULL)
        abort();
    for (size_t k = 0; k < SUITE_COUNT; k++) {
        int least = 0;
        for (int s = 1; s < n; s++)
            if (load[s] < load[least])
                least = s;
        load[least] += cost_of(suites[order[k]].name);
        shard_of[order[k]] = least + 1;
    }
    free(load);
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--list] [--shard I/N] [SUITE...]\n", argv0);
    return 2;
}

int main(int argc, char **argv)
{
    bool list = false;
    int shard = 0, shards = 0;
    bool chosen[SUITE_COUNT];
    bool named = false;
    memset(chosen, 0, sizeof chosen);
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--list") == 0) {
            list = true;
        } else if (strcmp(argv[a], "--shard") == 0 && a + 1 < argc) {
            char end;
            if (sscanf(argv[++a], "%d/%d%c", &shard, &shards, &end) != 2 || shards < 1 ||
                shard < 1 || shard > shards)
                return usage(argv[0]);
        } else if (argv[a][0] == '-') {
            return usage(argv[0]);
        } else {
            size_t i = 0;
            while (i < SUITE_COUNT && strcmp(argv[a], suites[i].name) != 0)
                i++;
            if (i == SUITE_COUNT) {
                fprintf(stderr, "%s: no suite named '%s' (--list prints them)\n", argv[0], argv[a]);
                return 2;
            }
            chosen[i] = named = true;
        }
    }
    int shard_of[SUITE_COUNT];
    if (shards > 0)
        deal(shards, shard_of);
    SRunner *runner = NULL;
    for (size_t i = 0; i < SUITE_COUNT; i++) {
        if ((named && !chosen[i]) || (shards > 0 && shard_of[i] != shard))
            continue;
        if (list) {
            printf("%s\n", suites[i].name);
            continue;
        }
        Suite *s = suites[i].make();
        if (runner == NULL)
            runner = srunner_create(s);
        else
            srunner_add_suite(runner, s);
    }
    if (list)
        return 0;
    if (runner == NULL) {
        fprintf(stderr, "%s: shard %d/%d has no suite\n", argv[0], shard, shards);
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    h_global_setup();
    srunner_set_fork_status(runner, CK_FORK_GETENV);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    h_global_teardown();
    return failed == 0 ? 0 : 1;
}
