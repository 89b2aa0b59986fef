/*
 * The traffic lights' reasons in the user's language. See lights_text.h.
 *
 * The codes and the meaning of `actual` and `required` for each are those of
 * common/lights.c (proto/reno.proto's LightReason): households for the rules, percent for
 * the paces, counts for milestones, supervision items and projects.
 */
#include "lights_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"

static const char *text_or(const char *s, const char *otherwise)
{
    return s != NULL && s[0] != '\0' ? s : otherwise;
}

static double pct(int32_t part, int32_t whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

void lights_text_reason(const Reno__LightReason *r, char *out, size_t size)
{
    const char *code = text_or(r->code, "");
    int actual = (int)r->actual, required = (int)r->required;
    if (strcmp(code, "start_share") == 0)
        snprintf(out, size, _("%d households started, %d required by the plan's share"), actual,
                 required);
    else if (strcmp(code, "start_all") == 0)
        snprintf(out, size, _("%d projects started of %d required"), actual, required);
    else if (strcmp(code, "complete_all") == 0)
        snprintf(out, size, _("%d households completed of %d required"), actual, required);
    else if (strcmp(code, "start_pace") == 0)
        snprintf(out, size, _("%.1f%% started, behind the plan's pace (at least %.1f%%)"),
                 r->actual, r->required);
    else if (strcmp(code, "complete_pace") == 0)
        snprintf(out, size, _("%.1f%% completed, behind the plan's pace (at least %.1f%%)"),
                 r->actual, r->required);
    else if (strcmp(code, "milestones_overdue") == 0)
        snprintf(out, size, _("%d milestones overdue (red from %d)"), actual, required);
    else if (strcmp(code, "milestones_due_soon") == 0)
        snprintf(out, size, _("%d milestones due within %d days"), actual, required);
    else if (strcmp(code, "tasks_overdue") == 0)
        snprintf(out, size, _("%d supervision items overdue (yellow from %d)"), actual, required);
    else if (strcmp(code, "projects") == 0 && r->light == RENO__LIGHT__LIGHT_RED)
        snprintf(out, size, _("%d projects red"), actual);
    else if (strcmp(code, "projects") == 0)
        snprintf(out, size, _("%d projects yellow"), actual);
    else
        snprintf(out, size, "%s", text_or(r->detail, code));
}

void lights_text_detail(const Reno__StatusReply *s, const Reno__StatusLight *l, char *out,
                        size_t size)
{
    if (l->n_reasons > 0) {
        lights_text_reason(l->reasons[0], out, size);
        return;
    }
    int32_t households = s->households, started = s->households_started,
            completed = s->households_completed;
    bool found = l->project_id == 0;
    for (size_t i = 0; !found && i < s->n_projects; i++) {
        const Reno__ProjectStatus *p = s->projects[i];
        if (p->project_id == l->project_id) {
            households = p->households;
            started = p->households_started;
            completed = p->households_completed;
            found = true;
        }
    }
    if (!found) { /* a project off the page: what the server wrote */
        snprintf(out, size, "%s", text_or(l->detail, ""));
        return;
    }
    snprintf(out, size,
             _("started %d of %d households (%.1f%%), completed %d (%.1f%%); nothing overdue, "
               "on the plan's pace"),
             started, households, pct(started, households), completed, pct(completed, households));
}
