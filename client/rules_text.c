/*
 * The plan's milestone rules in the user's language. See rules_text.h.
 *
 * The title leaves the due date and the detail the verdict to their own columns, so that
 * both fit beside them at 80 columns; the server's English sentences (common/rules.c)
 * still carry everything, for --json and older clients.
 */
#include "rules_text.h"

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

/* True when the server sent the figures this module writes from (a server from before
 * them sends none: the plan always has households). */
static bool has_figures(const Reno__RuleCheck *r)
{
    return r->plan_households > 0 && r->measured_on != NULL && r->measured_on[0] != '\0' &&
           r->due != NULL && r->due[0] != '\0';
}

void rules_text_title(const Reno__RuleCheck *r, char *out, size_t size)
{
    const char *code = text_or(r->code, "");
    if (!has_figures(r))
        snprintf(out, size, "%s", text_or(r->title, code));
    else if (strcmp(code, "start_share") == 0)
        snprintf(out, size, _("≥%d%% of households started"), r->share_pct);
    else if (strcmp(code, "start_all") == 0)
        snprintf(out, size, "%s", _("every registered project started"));
    else if (strcmp(code, "complete_all") == 0)
        snprintf(out, size, "%s", _("every household completed"));
    else if (strcmp(code, "registered") == 0)
        snprintf(out, size, _("registered as planned (%d projects, %d households)"),
                 r->plan_projects, r->plan_households);
    else
        snprintf(out, size, "%s", text_or(r->title, code));
}

void rules_text_detail(const Reno__RuleCheck *r, char *out, size_t size)
{
    const char *code = text_or(r->code, "");
    int n = 0;
    if (!has_figures(r)) {
        snprintf(out, size, "%s", text_or(r->detail, ""));
        return;
    }
    if (strcmp(code, "start_share") == 0)
        n = snprintf(out, size, _("%d of %d households started (%.1f%%), the rule asks %d"),
                     r->actual, r->denominator, pct(r->actual, r->denominator), r->required);
    else if (strcmp(code, "start_all") == 0)
        n = snprintf(out, size, _("%d of %d registered projects started (the plan: %d)"), r->actual,
                     r->denominator, r->plan_projects);
    else if (strcmp(code, "complete_all") == 0)
        n = snprintf(out, size, _("%d of %d households completed (%.1f%%)"), r->actual,
                     r->denominator, pct(r->actual, r->denominator));
    else if (strcmp(code, "registered") == 0) {
        bool agree = r->actual == r->plan_projects && r->households == r->plan_households;
        n = snprintf(out, size,
                     agree ? _("%d projects with %d households in scope registered")
                           : _("%d projects with %d households in scope registered: they differ"),
                     r->actual, r->households);
    } else {
        snprintf(out, size, "%s", text_or(r->detail, ""));
        return;
    }
    /* The day of the figures when it is not the due date (the rule is still open, or it is
     * the registered projects of today). */
    if (n > 0 && (size_t)n < size && strcmp(r->measured_on, r->due) != 0)
        snprintf(out + n, size - (size_t)n, _(" (on %s)"), r->measured_on);
}
