/*
 * The dashboard's model: what the screen shows, kept apart from how it is drawn. It holds
 * a copy of the latest consolidated status, the last lines saying what changed (status_diff.h:
 * every kind of change, in the user's language, one line per section and subject), and
 * the state of the connection. Network code updates it (dash_model_apply() for each
 * message, the setters for the rest); the view only reads it. No terminal, no socket: a
 * test can drive it with messages alone.
 *
 * Ownership: the model owns its status copy and its change lines; dash_model_done() frees
 * them. A message passed to dash_model_apply() stays the caller's.
 */
#ifndef RENO_DASH_MODEL_H
#define RENO_DASH_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "dash_chart.h"
#include "reno.pb-c.h"

/* The time chart's points: one per collection date (14th, 28th), the latest kept. */
#define DASH_MODEL_HISTORY 48
/* How many change lines the model keeps, newest last. */
#define DASH_MODEL_CHANGES 8
/* A change line's brief form cuts its subject (a project's name) to this many columns. */
#define DASH_MODEL_BRIEF_SUBJECT 12
#define DASH_MODEL_TEXT          256

enum dash_conn_state {
    DASH_CONN_CONNECTING = 0, /* before the first Watch reply */
    DASH_CONN_LIVE,           /* watching: pushes arrive as changes are committed */
    DASH_CONN_LOST,           /* the connection failed; reconnecting */
};

struct dash_model {
    Reno__StatusReply *status; /* NULL until the first status; our own unpacked copy */
    char *changes[DASH_MODEL_CHANGES];
    char *briefs[DASH_MODEL_CHANGES]; /* the same lines, subject cut, for a narrow screen */
    size_t n_changes;
    enum dash_conn_state conn;
    char conn_detail[DASH_MODEL_TEXT]; /* the server's address, or why it was lost */
    char notice[DASH_MODEL_TEXT];      /* the latest resync or shutdown notice, or "" */
    unsigned long updates;             /* statuses taken so far, for "updated N times" */
    /* The programme's totals on past collection dates (GetStatus as_of each), for the
     * time chart; asked for when the chart is first shown and on a refresh. */
    struct dash_point history[DASH_MODEL_HISTORY];
    size_t n_history;
    bool history_loaded;
    /* The current round's reports (round reports), for who has reported; NULL until
     * asked for; round_reports_for names the round they are of. */
    Reno__RoundReportList *round_reports;
    char round_reports_for[16];
};

/* What dash_model_apply() found in a message; flags, combined with |. */
enum dash_model_effect {
    DASH_MODEL_NONE = 0,
    DASH_MODEL_CHANGED = 1 << 0, /* the model changed: redraw */
    DASH_MODEL_RESYNC = 1 << 1,  /* pushes were dropped: watch again for the whole status */
    DASH_MODEL_CLOSING = 1 << 2, /* the server is shutting down or reported an error */
};

void dash_model_init(struct dash_model *m);
void dash_model_done(struct dash_model *m);

/* Replaces the status with a copy of s. */
void dash_model_set_status(struct dash_model *m, const Reno__StatusReply *s);
/* Appends a change line and its brief form (NULL: the same), dropping the oldest beyond
 * DASH_MODEL_CHANGES. */
void dash_model_add_change(struct dash_model *m, const char *line, const char *brief);
/* Replaces the round's reports with a copy of list (of round `round_date`). */
void dash_model_set_round_reports(struct dash_model *m, const char *round_date,
                                  const Reno__RoundReportList *list);
void dash_model_set_conn(struct dash_model *m, enum dash_conn_state state, const char *detail);

/* Takes a pushed message (an Event) into the model; returns dash_model_effect flags. */
int dash_model_apply(struct dash_model *m, const Reno__ServerMessage *msg);

#endif
