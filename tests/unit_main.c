/*
 * The unit-test runner: every suite in unit_list.h in one Check SRunner. Tests run in
 * forked children by default, so a crash fails one test rather than the run; CK_FORK=no
 * in the environment runs them in-process, which is what a debugger wants.
 *
 * Usage: reno_unit [SUITE]   runs every suite, or only the one named (e.g. "frame");
 *        reno_unit --list    prints the suite names.
 * The exit status is 0 when every test passed, 1 when one failed, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

struct unit_entry {
    const char *name;
    Suite *(*make)(void);
};

static const struct unit_entry unit_suites[] = {
#define UNIT_SUITE(name) {#name, name##_suite},
#include "unit_list.h"
#undef UNIT_SUITE
};

#define UNIT_SUITE_COUNT (sizeof unit_suites / sizeof unit_suites[0])

static void list_suites(FILE *out)
{
    for (size_t i = 0; i < UNIT_SUITE_COUNT; i++)
        fprintf(out, "%s\n", unit_suites[i].name);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    if (argc > 2) {
        fprintf(stderr, "usage: %s [--list | SUITE]\n", argv[0]);
        return 2;
    }
    if (only != NULL && strcmp(only, "--list") == 0) {
        list_suites(stdout);
        return 0;
    }

    SRunner *runner = NULL;
    for (size_t i = 0; i < UNIT_SUITE_COUNT; i++) {
        if (only != NULL && strcmp(only, unit_suites[i].name) != 0)
            continue;
        Suite *suite = unit_suites[i].make();
        if (runner == NULL)
            runner = srunner_create(suite);
        else
            srunner_add_suite(runner, suite);
    }
    if (runner == NULL) {
        fprintf(stderr, "%s: no suite named '%s'; the suites are:\n", argv[0], only);
        list_suites(stderr);
        return 2;
    }

    /* CK_FORK_GETENV forks unless the environment says CK_FORK=no. */
    srunner_set_fork_status(runner, CK_FORK_GETENV);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
