/*
 * Probes for the string checks: every string field reachable from a Request body, found
 * through the descriptors (nested and repeated messages included), and a frame that
 * carries one of them with a chosen byte in the middle of its text. Shared by the unit
 * tests of msg_check_wire() and the integration test that sends every probe to renod,
 * so a field added to the .proto is probed without a change to either test.
 *
 * Ownership: probe_frame() returns a malloc'd frame the caller frees.
 */
#ifndef RENO_TESTS_PROBE_H
#define RENO_TESTS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "reno.pb-c.h"

#define PROBE_MAX_DEPTH 6
#define PROBE_PATH_SIZE 96 /* as struct msg_fault's field, so long paths cut alike */

struct probe {
    const ProtobufCFieldDescriptor *chain[PROBE_MAX_DEPTH]; /* Request body ... string */
    size_t depth;
    char path[PROBE_PATH_SIZE]; /* e.g. "login.username" */
};

typedef void (*probe_fn)(const struct probe *p, void *arg);

/* Calls fn for every string field of every request body; returns how many there were. */
size_t probe_each_string(probe_fn fn, void *arg);

/* A frame (header included) of a Request with this id whose only content is the probed
 * string, "probe" + the byte + "probe". */
uint8_t *probe_frame(const struct probe *p, uint64_t id, uint8_t byte, size_t *len);

#endif
