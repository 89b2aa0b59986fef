/*
 * Bringing a held status up to date project by project, in memory: a changed project's
 * rows replace its old rows in each per-project section (a new project's are added, a
 * removed project's dropped), and the totals rows (project_id 0) of those sections are
 * computed again from the project rows held, exactly as the section's SQL computes them
 * (schema/functions/status.sql), so that a status brought up to date this way packs to
 * the same bytes as one computed from scratch at the same position. No query and no I/O:
 * server/status.c reads the changed projects' rows in one snapshot and calls these.
 *
 * Sections whose totals are not computed here (lines, missing reporters, ...) are read
 * whole by status.c instead.
 *
 * Ownership: every function works on the message given, which must be allocated as
 * reflect.h allocates (status_copy()'s output is); rows moved from `from` leave it.
 */
#ifndef RENO_STATUS_SPLICE_H
#define RENO_STATUS_SPLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lights.h"
#include "reno.pb-c.h"

/* Frees every element of the repeated message field `field` of r and leaves it empty. */
void status_splice_clear(Reno__StatusReply *r, const char *field);

/* In the repeated field `field` (whose elements have a project_id), removes the rows of
 * the projects ids[0..n), then moves in the rows of the same field of `from` (which hold
 * only such projects, each project's rows together and in the section's order), each
 * project's before the first row of a greater project or of the totals; totals rows in
 * `from` are dropped, since the totals are computed here (status_splice_totals). */
void status_splice_rows(Reno__StatusReply *r, Reno__StatusReply *from, const char *field,
                        const int64_t *ids, size_t n);

/* The same for r->projects, keeping measures[i] for r->projects[i]: *measures is
 * reallocated; from_measures[i] belongs to from->projects[i]. */
void status_splice_projects(Reno__StatusReply *r, struct lights_project **measures,
                            Reno__StatusReply *from, const struct lights_project *from_measures,
                            const int64_t *ids, size_t n);

/* The totals rows of one section computed again from its project rows; false when the
 * field has no totals computed here. */
bool status_splice_totals(Reno__StatusReply *r, const char *field);

/* The percentage of reno_status_pct (0009_status.sql): round(100 * part / whole, 1), half
 * away from zero, 0 when whole is not positive; exact for parts and wholes in cents. */
double status_pct(int64_t part, int64_t whole);

#endif
