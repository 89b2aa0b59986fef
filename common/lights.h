/*
 * The traffic lights of a programme's status: pure rules over what the status queries
 * returned, with no query and no I/O, so that every threshold can be tested in the unit
 * suite (tests/test_lights.c) apart from the database. server/status.c loads the
 * sections and calls lights_judge() last.
 *
 * A light is the worst of its reasons:
 *   red     a rule whose due date has passed and whose threshold is still not reached on
 *           the date (a threshold reached late is no longer red; the rule itself stays
 *           MISSED), or at least overdue_red_milestones overdue milestones;
 *   yellow  a rule not yet reached that is due within deadline_near_days (its due day
 *           included), an open milestone due that soon, fewer overdue milestones than
 *           make red, a share started or completed that trails the plan's pace by more
 *           than start_lag_points / complete_lag_points, or (programme) at least
 *           overdue_tasks_yellow overdue supervision items, or a duty of the plan's rhythm
 *           missed (StatusReply.rhythm: a round not closed or reported up, a month
 *           without its notice or its scheduling meeting), naming the office;
 *   green   none of these.
 * The plan's pace: households started rise linearly from the first day of construction
 * (StatusPlan.construction_starts_on) to start_share_pct on start_share_due, counting the
 * date itself as elapsed (so the pace is the full share on the due day); households
 * completed rise linearly from the same day to 100% on completion_due. The programme's
 * light is also at least as bad as its worst project's.
 *
 * The share rule ("开工改造户数不低于25%", section 五) is the programme's: only the
 * programme's light names it. A project's light says at most that the project is behind
 * the plan's pace, which for a project holds at start_share_pct from start_share_due until
 * all_started_due. The project rules that do apply to each project are the April rule
 * (every project started) and completion (every household in scope completed).
 */
#ifndef RENO_LIGHTS_H
#define RENO_LIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "reno.pb-c.h"
#include "rules.h"

/* One project's values at each rule's measuring date, min(as_of, due). */
struct lights_project {
    int32_t started_at_share_due;
    int32_t started_at_all_due;
    int32_t completed_at_completion_due;
};

/* Appends one light per project of r->projects (measures[i] for r->projects[i]) and one
 * for the programme (project_id 0), judged as of `as_of` from r's plan, phases,
 * supervision and light_rules sections, the programme's plan and its rule verdicts. */
void lights_judge(Reno__StatusReply *r, int32_t as_of, const struct rules_plan *plan,
                  const struct rule_check checks[RULE_COUNT],
                  const struct lights_project *measures);

/* Appends a reason to a light and makes the light at least as bad; the detail is the
 * formatted text followed by ": <colour>". Used by lights_judge and by the status's own
 * reasons that come from SQL sections (the plan's rhythm). */
void lights_add_reason(Reno__StatusLight *l, const char *code, Reno__Light light, double actual,
                       double required, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* lights_judge in two steps, for a status brought up to date project by project: the
 * lights of the projects of r listed in ids[0..n) (every project when ids is NULL),
 * appended to out's lights in r's order, judged from r's sections; then the programme's
 * light, appended to r's lights, from the project lights r holds. */
void lights_judge_projects(Reno__StatusReply *out, const Reno__StatusReply *r, int32_t as_of,
                           const struct rules_plan *plan, const struct lights_project *measures,
                           const int64_t *ids, size_t n);
void lights_judge_programme(Reno__StatusReply *r, int32_t as_of, const struct rules_plan *plan,
                            const struct rule_check checks[RULE_COUNT]);

const char *lights_name(Reno__Light light);

#endif
