/*
 * Bringing a held status up to date project by project, in memory: a changed project's
 * rows replace its old rows in each per-project section (a new project's are added, a
 * removed project's dropped), and the totals rows (project_id 0) of those sections are
 * made again, exactly as the section's SQL computes them (schema/functions/status.sql),
 * so that a status brought up to date this way packs to the same bytes as one computed
 * from scratch at the same position. No query and no I/O: server/status.c reads the
 * changed projects' rows in one snapshot and calls these.
 *
 * The cost of an update follows the projects it changes, not all projects: a project's
 * rows are found by binary search (every section is in the order of the projects' ids),
 * and the totals come from sums kept beside the held status (struct status_sums), from
 * which the rows replaced are taken out and into which the new ones are put. What still
 * grows with all projects is moving the arrays of pointers (a few hundred kB at 60,000
 * projects).
 *
 * Sections whose totals are not computed here (lines, missing reporters, ...) are read
 * whole by status.c instead.
 *
 * Sharing instead of copying. An update does not copy the held status: it takes a new
 * shell (status_splice_begin) whose arrays are its own but whose rows, strings and
 * messages are the held status's, and replaces only what was read again. Everything the
 * new status drops of the held one goes to `retired`, a status of its own holding those
 * rows in the same fields, so that the held status stays whole and readable (for the
 * move reported to watchers) until status_splice_retire() frees its shell and `retired`.
 * At 60,000 projects this makes an update cost the pointer arrays (a few MB copied)
 * instead of a pack and an unpack of the whole status (over 10 MB, every string and row
 * allocated again), and makes comparing the two (status_splice_same) cost the rows read
 * again, since shared rows are the same pointers.
 *
 * Ownership: every function works on the message given, which must be allocated as
 * reflect.h allocates; rows moved from `from` leave it. Where a function takes
 * `retired`, the rows it removes are appended to that status's same field, or freed when
 * it is NULL.
 */
#ifndef RENO_STATUS_SPLICE_H
#define RENO_STATUS_SPLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lights.h"
#include "reno.pb-c.h"

/* The sums behind the totals rows of the sections whose totals are computed here
 * (phases, funds, contracts, surveys), kept next to a held status and brought up to date
 * with it row by row, so that an update's totals cost the rows it replaced instead of a
 * pass over every project's rows. NULL wherever one is taken: the totals are computed from
 * the rows held. */
struct status_sums;

/* The sums of the rows r holds. */
struct status_sums *status_sums_new(const Reno__StatusReply *r);
void status_sums_free(struct status_sums *s);
/* One row of `field` put in (sign +1) or taken out (-1); totals rows and the rows of
 * other sections count for nothing. s NULL: nothing. */
void status_sums_row(struct status_sums *s, const char *field, const ProtobufCMessage *row,
                     int sign);

/* Retires every element of the repeated message field `field` of r and leaves it empty. */
void status_splice_clear(Reno__StatusReply *r, const char *field, Reno__StatusReply *retired);

/* In the repeated field `field` (whose elements have a project_id, in the order of the
 * projects' ids, each project's rows together, then the totals rows of project 0),
 * removes the rows of the projects ids[0..n), then moves in the rows of the same field of
 * `from` (which hold only such projects, each project's rows together and in the
 * section's order), each project's before the first row of a greater project or of the
 * totals; totals rows in `from` are dropped, since the totals are computed here
 * (status_splice_totals). The rows removed and moved in are taken off and put into
 * `sums` (NULL: none kept). Each project is found by binary search. */
void status_splice_rows(Reno__StatusReply *r, Reno__StatusReply *from, const char *field,
                        const int64_t *ids, size_t n, struct status_sums *sums,
                        Reno__StatusReply *retired);

/* Where the rows of `project` are in the repeated field `field` (in the order described
 * at status_splice_rows, or r->projects): their first index, and their count in *len (0:
 * none), found by binary search. */
size_t status_splice_find(const Reno__StatusReply *r, const char *field, int64_t project,
                          size_t *len);

/* Retires the rows of the projects ids[0..n) and the totals rows (project_id 0, at the
 * end) of the repeated field `field`, keeping the others in order. */
void status_splice_drop(Reno__StatusReply *r, const char *field, const int64_t *ids, size_t n,
                        Reno__StatusReply *retired);

/* The same for r->projects, keeping measures[i] for r->projects[i]: *measures is
 * reallocated; from_measures[i] belongs to from->projects[i]. */
void status_splice_projects(Reno__StatusReply *r, struct lights_project **measures,
                            Reno__StatusReply *from, const struct lights_project *from_measures,
                            const int64_t *ids, size_t n, Reno__StatusReply *retired);

/* The totals rows of one section made again (nothing for guards, which has none): from
 * `sums` when they are given and follow the rows, otherwise from the section's project
 * rows; false when the field's totals are not computed here. */
bool status_splice_totals(Reno__StatusReply *r, const char *field, const struct status_sums *sums,
                          Reno__StatusReply *retired);

/* A new status sharing everything with `held` but its arrays (see above); *retired is a
 * new empty status for what the new one drops. Every repeated field of StatusReply is a
 * repeated message. */
Reno__StatusReply *status_splice_begin(const Reno__StatusReply *held, Reno__StatusReply **retired);

/* Field `field` of r (repeated, a message or a string) replaced by from's, which leaves
 * from; r's old one is retired. */
void status_splice_take(Reno__StatusReply *r, Reno__StatusReply *from, const char *field,
                        Reno__StatusReply *retired);

/* Frees a held status that a status made by status_splice_begin() replaced: its shell and
 * arrays only, and `retired` whole (NULL: nothing retired). */
void status_splice_retire(Reno__StatusReply *held, Reno__StatusReply *retired);

/* Frees a status made by status_splice_begin() from `held` that holds the same figures
 * (status_splice_same), keeping held whole: what r holds of its own, its shell and arrays,
 * and `retired`'s shell and arrays (its rows are still held's). */
void status_splice_discard(Reno__StatusReply *r, const Reno__StatusReply *held,
                           Reno__StatusReply *retired);

/* True when a and b hold the same figures (computed_at, stale and position aside): each
 * field packs to the same bytes, rows shared by both counting as the same without being
 * packed. */
bool status_splice_same(const Reno__StatusReply *a, const Reno__StatusReply *b);

/* The percentage of reno_status_pct (0009_status.sql): round(100 * part / whole, 1), half
 * away from zero, 0 when whole is not positive; exact for parts and wholes in cents. */
double status_pct(int64_t part, int64_t whole);

#endif
