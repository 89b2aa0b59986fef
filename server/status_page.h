/*
 * One page of a consolidated status: a view over a whole StatusReply (the roll-up's, or
 * one computed for a date) that keeps the programme's totals, rules, plan and
 * programme-wide rows and only the per-project rows of the projects on the page, chosen
 * by the filters and order of a GetStatus request. The whole reply is not changed or
 * copied: the view points into it, so it is valid only while the whole reply is.
 *
 * What the whole reply must be: its projects and each per-project section's rows in the
 * order of the projects' ids, each project's rows together and the section's totals rows
 * (project 0) after them, as the status's SQL returns them and status_splice.c keeps them
 * (the missing reporters excepted: by unit, then project). A page's rows are found by
 * binary search in that order, so that a page costs its own projects' rows.
 */
#ifndef RENO_STATUS_PAGE_H
#define RENO_STATUS_PAGE_H

#include "reno.pb-c.h"

/* The default and the largest number of projects on a page. */
#define STATUS_PAGE_DEFAULT 50
#define STATUS_PAGE_MAX     1000

/* The default and the largest number of missed periods of the plan's rhythm per duty in a
 * page (GetStatus.rhythm_periods). Each duty's summary row counts every period; the
 * periods themselves grow with the calendar (two rounds a month), so a page carries the
 * newest few unless more are asked for. 500 is over twenty years of rounds. */
#define STATUS_RHYTHM_DEFAULT 3
#define STATUS_RHYTHM_MAX     500

/* What the view owns: the arrays of pointers it fills and the light counts. */
struct status_page {
    void *arrays[13]; /* the projects, the rows of each of the 11 per-project sections, the
                         rhythm's */
    Reno__LightCount counts[4];
    Reno__LightCount *count_ptrs[4];
    char next_token[16];
};

/* Fills *view with the page of *full that *req asks for. Every pointer in *view points
 * into *full or into *page; status_page_free releases what *page holds. */
void status_page_build(const Reno__StatusReply *full, const Reno__GetStatus *req,
                       Reno__StatusReply *view, struct status_page *page);
void status_page_free(struct status_page *page);

#endif
