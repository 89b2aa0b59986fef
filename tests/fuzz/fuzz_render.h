/*
 * What reno does with a reply it has unpacked, for the fuzz targets: every field read
 * through common/reflect.c, written as JSON (client/output.c) and as a table
 * (client/table.c), the way `reno <operation>` prints a reply with --json and without.
 * The output goes to /dev/null; only crashes and sanitizer reports matter.
 *
 * Ownership: nothing is kept between calls but the one /dev/null stream.
 */
#ifndef RENO_FUZZ_RENDER_H
#define RENO_FUZZ_RENDER_H

#include <protobuf-c/protobuf-c.h>

#include "reno.pb-c.h"

/* Renders m (any message) as JSON and, where it has a repeated `items`, as a table. */
void fuzz_render_message(const ProtobufCMessage *m);

/* Renders a whole ServerMessage as reno would on receiving it: status, body, events. */
void fuzz_render_server_message(const Reno__ServerMessage *m);

#endif
