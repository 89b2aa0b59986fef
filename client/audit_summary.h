/*
 * The one-line summary of an audit-log entry that `reno log` shows in place of its before
 * and after JSON: the members that changed, "开工户数 150→210; 备注 -→开工" ("started
 * 150→210; note -→开工" in English), or for a new row its first members, "新增：名称=…,
 * 户数=500", each member by its column's label and a code by its label (labels.h). The
 * full JSON stays in `reno log show ID` and `reno --json log`.
 *
 * The audit log's JSON is PostgreSQL's to_jsonb() of a row: one flat object. Nested values
 * are compared and shown as their text; anything that is not an object reads as a whole.
 *
 * Ownership: audit_summary() returns a string the caller frees.
 */
#ifndef RENO_AUDIT_SUMMARY_H
#define RENO_AUDIT_SUMMARY_H

#include <stddef.h>

/* before may be NULL or "" (a new row), after likewise (a deleted row). At most max_bytes
 * of summary, cut at a member. */
char *audit_summary(const char *before, const char *after, size_t max_bytes);

#endif
