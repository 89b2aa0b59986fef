/*
 * What every unit-test file includes: Check, and a prototype for each suite constructor in
 * unit_list.h, so that tests/test_<name>.c defines `Suite *<name>_suite(void)` against a
 * declaration (the build uses -Wmissing-prototypes) and unit_main.c can call it.
 */
#ifndef RENO_TESTS_UNIT_H
#define RENO_TESTS_UNIT_H

#include <check.h>

#define UNIT_SUITE(name) Suite *name##_suite(void);
#include "unit_list.h"
#undef UNIT_SUITE

#endif
