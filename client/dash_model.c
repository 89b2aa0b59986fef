/*
 * The dashboard's model (see dash_model.h). The status is copied by packing the message
 * and unpacking it again with protobuf-c's default allocator (status_copy()): the copy
 * then does not depend on the connection's budget allocator, and a reconnect (a new
 * connection, a new budget) cannot leave the model pointing into freed memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash_model.h"
#include "log.h"
#include "status_delta.h"
#include "status_form.h"
#include "status_diff.h"
#include "xmalloc.h"

void dash_model_init(struct dash_model *m)
{
    memset(m, 0, sizeof *m);
    m->conn = DASH_CONN_CONNECTING;
}

void dash_model_done(struct dash_model *m)
{
    if (m->status != NULL)
        reno__status_reply__free_unpacked(m->status, NULL);
    for (size_t i = 0; i < m->n_changes; i++) {
        free(m->changes[i]);
        free(m->briefs[i]);
    }
    if (m->round_reports != NULL)
        reno__round_report_list__free_unpacked(m->round_reports, NULL);
    memset(m, 0, sizeof *m);
}

void dash_model_set_status(struct dash_model *m, const Reno__StatusReply *s)
{
    Reno__StatusReply *copy = status_copy(s);
    if (m->status != NULL)
        reno__status_reply__free_unpacked(m->status, NULL);
    m->status = copy;
    m->updates++;
}

void dash_model_set_round_reports(struct dash_model *m, const char *round_date,
                                  const Reno__RoundReportList *list)
{
    /* Copied as the status is (see the top of this file). */
    size_t size = reno__round_report_list__get_packed_size(list);
    uint8_t *buf = xmalloc(size > 0 ? size : 1);
    reno__round_report_list__pack(list, buf);
    Reno__RoundReportList *copy = reno__round_report_list__unpack(NULL, size, buf);
    free(buf);
    if (copy == NULL)
        fatal("cannot copy the round's reports (%zu bytes)", size);
    if (m->round_reports != NULL)
        reno__round_report_list__free_unpacked(m->round_reports, NULL);
    m->round_reports = copy;
    snprintf(m->round_reports_for, sizeof m->round_reports_for, "%s", round_date);
}

void dash_model_add_change(struct dash_model *m, const char *line, const char *brief)
{
    if (m->n_changes == DASH_MODEL_CHANGES) {
        free(m->changes[0]);
        free(m->briefs[0]);
        memmove(m->changes, m->changes + 1, (DASH_MODEL_CHANGES - 1) * sizeof m->changes[0]);
        memmove(m->briefs, m->briefs + 1, (DASH_MODEL_CHANGES - 1) * sizeof m->briefs[0]);
        m->n_changes--;
    }
    if (line == NULL)
        line = "";
    m->briefs[m->n_changes] = xstrdup(brief != NULL ? brief : line);
    m->changes[m->n_changes++] = xstrdup(line);
}

void dash_model_set_conn(struct dash_model *m, enum dash_conn_state state, const char *detail)
{
    m->conn = state;
    snprintf(m->conn_detail, sizeof m->conn_detail, "%s", detail != NULL ? detail : "");
}

/* What changed from the status on screen to `next`, every kind, in the user's language: one
 * line per section and subject. The server's English lines only when that finds nothing (a
 * change this client does not know how to name). */
static void add_changes(struct dash_model *m, const Reno__StatusReply *next, char **server_lines,
                        size_t n_server_lines)
{
    struct status_changes changes = {0};
    if (next != NULL)
        status_diff(m->status, next, &changes);
    for (size_t i = 0; i < changes.n;) {
        size_t from = i;
        char *line = status_changes_group_line(&changes, &i, 0);
        char *brief = status_changes_group_line(&changes, &from, DASH_MODEL_BRIEF_SUBJECT);
        dash_model_add_change(m, line, brief);
        free(line);
        free(brief);
    }
    for (size_t i = 0; changes.n == 0 && i < n_server_lines; i++)
        dash_model_add_change(m, server_lines[i], NULL);
    status_changes_free(&changes);
}

int dash_model_apply(struct dash_model *m, const Reno__ServerMessage *msg)
{
    if (msg->kind_case != RENO__SERVER_MESSAGE__KIND_EVENT)
        return DASH_MODEL_NONE; /* a late reply to a call that timed out */
    const Reno__Event *ev = msg->event;
    switch (ev->body_case) {
    case RENO__EVENT__BODY_STATUS_CHANGED: {
        const Reno__StatusChanged *sc = ev->status_changed;
        add_changes(m, sc->status, sc->changes, sc->n_changes);
        if (sc->status != NULL)
            dash_model_set_status(m, sc->status);
        return DASH_MODEL_CHANGED;
    }
    case RENO__EVENT__BODY_STATUS_DELTA: {
        /* A change as a delta of the status held: applied when it follows it; otherwise
         * (a status held from elsewhere, or a delta that does not fit) the whole status
         * is asked for again, as after a resync. */
        const Reno__StatusDelta *d = ev->status_delta;
        if (m->status != NULL && d->to_position <= m->status->position)
            return DASH_MODEL_NONE; /* the status held already has it (a Watch since) */
        char why[200] = "the change does not follow the status held";
        Reno__StatusReply *next = status_delta_fits(m->status, d)
                                      ? status_form_apply(m->status, d, why, sizeof why)
                                      : NULL;
        if (next == NULL) {
            snprintf(m->notice, sizeof m->notice, "resync: %s", why);
            return DASH_MODEL_CHANGED | DASH_MODEL_RESYNC;
        }
        add_changes(m, next, d->changes, d->n_changes);
        reno__status_reply__free_unpacked(m->status, NULL);
        m->status = next;
        m->updates++;
        return DASH_MODEL_CHANGED;
    }
    case RENO__EVENT__BODY_RESYNC:
        snprintf(m->notice, sizeof m->notice, "resync: %s",
                 ev->resync->reason != NULL ? ev->resync->reason : "");
        return DASH_MODEL_CHANGED | DASH_MODEL_RESYNC;
    case RENO__EVENT__BODY_SHUTTING_DOWN:
        snprintf(m->notice, sizeof m->notice, "server shutting down: %s",
                 ev->shutting_down->reason != NULL ? ev->shutting_down->reason : "");
        return DASH_MODEL_CHANGED | DASH_MODEL_CLOSING;
    case RENO__EVENT__BODY_ERROR:
        snprintf(m->notice, sizeof m->notice, "server error: %s",
                 ev->error->message != NULL ? ev->error->message : "");
        return DASH_MODEL_CHANGED | DASH_MODEL_CLOSING;
    default:
        return DASH_MODEL_NONE;
    }
}
