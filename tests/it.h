/*
 * What every integration-test file includes: the harness and a prototype for each
 * suite constructor in it_list.h.
 */
#ifndef RENO_TESTS_IT_H
#define RENO_TESTS_IT_H

#include "harness.h"

#define IT_SUITE(name) Suite *it_##name##_suite(void);
#include "it_list.h"
#undef IT_SUITE

#endif
