/*
 * The status's sections on the parties outside the government, quality and safety, the
 * progress payments and the plan's guards (StatusReply fields 40-43, proto/parties.proto),
 * printed as text tables for `reno status`. Kept apart from cmd_status.c, which prints
 * the older sections, so that the two grow without meeting.
 *
 * Nothing here allocates anything the caller frees.
 */
#ifndef RENO_STATUS_PARTIES_H
#define RENO_STATUS_PARTIES_H

#include <stdint.h>
#include <stdio.h>

#include "reno.pb-c.h"

/* Prints the four sections for the whole programme (project 0: every project's row and
 * the totals) or for one project (its rows only). A section without rows is left out of
 * the overview and shown as "(none)" for a project. */
void status_parties_print(const Reno__StatusReply *s, int64_t project, FILE *out);

#endif
