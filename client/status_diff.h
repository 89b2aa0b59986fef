/*
 * What changed between two consolidated statuses, for people. Given the status a live view
 * showed before and the one it has now, status_diff() lists every difference a person
 * would want to hear of as structured items: a project's households started and completed
 * (with their percentages), a light, a rule's verdict, milestones, funds, contracts, line
 * work, surveys, supervision items issued, returned and closed, the round and who has not
 * reported in it, the plan's rhythm, parties, quality and safety, progress payments, the
 * plan's guards and the light thresholds. `reno watch` prints one line per item and the
 * dashboard's change line shows the newest ones.
 *
 * The comparison is data, not code: each section of StatusReply is one row of a table
 * naming the fields that identify a row (project_id, source ...), the fields that name it
 * for people and the fields compared, each with its label and how its value is shown;
 * the rows are read through protobuf-c's descriptors. A row missing on one side compares
 * as a row of zeros, so a unit's first supervision item reads "issued 0 → 1". Totals rows
 * (project_id 0, unit_code "", source unspecified) repeat what their parts say, so they
 * are reported only when no row of their section changed (the part may be off the page).
 *
 * The diff knows nothing of the transport: it works on two whole statuses, however they
 * were assembled. Labels and values are in the current language (client/i18n.h); the
 * server's own English change lines are only a fallback when this finds nothing.
 *
 * Ownership: status_diff() appends heap items to a struct status_changes the caller
 * initialised with {0}; status_changes_free() frees them. The two statuses stay the
 * caller's. status_copy() returns a copy the caller frees with
 * reno__status_reply__free_unpacked(copy, NULL).
 */
#ifndef RENO_STATUS_DIFF_H
#define RENO_STATUS_DIFF_H

#include <stddef.h>

#include "reno.pb-c.h"

/* The section of the status a change belongs to, in the order they are reported. */
enum status_section {
    STATUS_SECTION_PROGRAMME = 0, /* the programme's totals, the day, the plan's phase */
    STATUS_SECTION_PROJECT,       /* a project's households */
    STATUS_SECTION_LIGHT,
    STATUS_SECTION_RULE,
    STATUS_SECTION_MILESTONES,
    STATUS_SECTION_FUNDS,
    STATUS_SECTION_CONTRACTS,
    STATUS_SECTION_LINES,
    STATUS_SECTION_SURVEYS,
    STATUS_SECTION_SUPERVISION,
    STATUS_SECTION_ROUND,
    STATUS_SECTION_MISSING, /* the round's responsible units that have not reported */
    STATUS_SECTION_RHYTHM,
    STATUS_SECTION_PARTIES,
    STATUS_SECTION_QUALITY,
    STATUS_SECTION_PAYMENTS,
    STATUS_SECTION_GUARDS,
    STATUS_SECTION_LIGHT_RULES,
    STATUS_SECTION_COUNT
};

/* One change. Texts are UTF-8 in the current language; before or after is "-" for none. */
struct status_change {
    enum status_section section;
    char *subject;    /* whose: a project, a unit, a rule; "" for the programme itself */
    const char *item; /* what of it ("households started"), translated; static */
    char *before;
    char *after;
};

struct status_changes {
    struct status_change *items;
    size_t n, cap;
};

/* Appends to out what changed from `before` to `now`; before NULL: nothing changed. */
void status_diff(const Reno__StatusReply *before, const Reno__StatusReply *now,
                 struct status_changes *out);
void status_changes_free(struct status_changes *c);

/* The section's name for people, translated ("督查督办"). */
const char *status_section_name(enum status_section section);

/*
 * One change as one line without a newline: "督查督办 县住房和城乡建设局：督办事项 0 → 1".
 * With width > 0 the line fits in width display columns: the subject is cut first (with
 * "…"), then the rest. Returns a string to free.
 */
char *status_change_line(const struct status_change *c, size_t width);

/*
 * The changes from c->items[*i] on that share a section and a subject, as one line
 * ("督查督办 县住房和城乡建设局：督办事项 0 → 1，未办结 0 → 1"), for a view with one row to
 * spare; advances *i past them. With subject_width > 0 the subject is cut to that many
 * display columns (with "…"), so that a narrow screen still shows the figures. Returns a
 * string to free.
 */
char *status_changes_group_line(const struct status_changes *c, size_t *i, size_t subject_width);

/* A deep copy of s (packed and unpacked with the default allocator). */
Reno__StatusReply *status_copy(const Reno__StatusReply *s);

#endif
