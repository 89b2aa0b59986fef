/*
 * The integration-test runner: every suite in it_list.h, against the PostgreSQL cluster
 * that scripts/test started. The template database is built once here, in the parent;
 * each test forks and gets its own database and renod.
 *
 * Usage: reno_integration [SUITE]   (e.g. "progress"); --list prints the names.
 */
#include <stdio.h>
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

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    size_t count = sizeof suites / sizeof suites[0];
    if (only && strcmp(only, "--list") == 0) {
        for (size_t i = 0; i < count; i++)
            printf("%s\n", suites[i].name);
        return 0;
    }
    if (sodium_init() < 0)
        return 1;
    SRunner *runner = NULL;
    for (size_t i = 0; i < count; i++) {
        if (only && strcmp(only, suites[i].name) != 0)
            continue;
        Suite *s = suites[i].make();
        if (runner == NULL)
            runner = srunner_create(s);
        else
            srunner_add_suite(runner, s);
    }
    if (runner == NULL) {
        fprintf(stderr, "%s: no suite named '%s'\n", argv[0], only);
        return 2;
    }
    h_global_setup();
    srunner_set_fork_status(runner, CK_FORK_GETENV);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    h_global_teardown();
    return failed == 0 ? 0 : 1;
}
