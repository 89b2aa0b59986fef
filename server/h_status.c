/*
 * GetStatus and Watch. A status as of today comes from the in-memory roll-up when it is
 * current (rollup.h); any other date, or a roll-up not known to be current, is computed
 * from the database (status.h). Watch subscribes the connection to pushed changes.
 *
 * When the database cannot be asked (no healthy connection, or the computation failed
 * with UNAVAILABLE, e.g. past the request deadline), a request for today is answered
 * with the last figures in memory, marked stale with the time they were computed, so
 * that the office keeps its picture through an outage and knows how old it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "dispatch.h"
#include "rollup.h"
#include "server.h"
#include "status.h"
#include "status_page.h"

#define WATCH_SNDBUF 32768

static void reply_status(struct call *call, const Reno__StatusReply *reply)
{
    Reno__Response resp = RENO__RESPONSE__INIT;
    if (call->req->body_case == RENO__REQUEST__BODY_WATCH) {
        Reno__WatchReply wr = RENO__WATCH_REPLY__INIT;
        wr.status = (Reno__StatusReply *)reply;
        resp.body_case = RENO__RESPONSE__BODY_WATCH;
        resp.watch = &wr;
        call_reply(call, &resp);
        return;
    }
    /* GetStatus answers with one page of the whole status (status_page.h). */
    Reno__StatusReply view;
    struct status_page page;
    status_page_build(reply, call->req->get_status, &view, &page);
    resp.body_case = RENO__RESPONSE__BODY_STATUS_REPLY;
    resp.status_reply = &view;
    call_reply(call, &resp);
    status_page_free(&page);
}

/* Answers with the last figures in memory, marked stale; false when there are none. */
static bool reply_stale(struct call *call)
{
    if (call->req->body_case != RENO__REQUEST__BODY_GET_STATUS ||
        call->req->get_status->as_of[0] != '\0')
        return false;
    const Reno__StatusReply *last =
        rollup_last(&call->srv->rollup, call->client->session.programme_id);
    if (last == NULL)
        return false;
    Reno__StatusReply view = *last; /* shallow: only `stale` differs */
    view.stale = true;
    reply_status(call, &view);
    return true;
}

static void computed(void *arg, const Reno__StatusReply *reply, const struct db_error *err)
{
    struct call *call = arg;
    if (err) {
        if (err->code != RENO__STATUS_CODE__UNAVAILABLE || !reply_stale(call))
            call_fail_db(call, err);
        return;
    }
    char today[DATE_TEXT_SIZE];
    date_format(call->srv->today(), today);
    if (strcmp(reply->as_of, today) == 0)
        rollup_seed(&call->srv->rollup, call->client->session.programme_id, reply);
    if (call->req->body_case == RENO__REQUEST__BODY_WATCH && call_live(call)) {
        /* Bound what the kernel holds for a watcher too, so that one that stops reading
         * soon shows in the connection's own queue, where the resync rule applies. */
        int sndbuf = WATCH_SNDBUF;
        uv_send_buffer_size((uv_handle_t *)&call->client->conn.tcp, &sndbuf);
        call->client->watching = true;
        call->client->resync_sent = false;
        conn_log(&call->client->conn, LOG_INFO, "watching programme %s", reply->programme_code);
    }
    reply_status(call, reply);
}

static void compute(struct call *call, int32_t as_of)
{
    if (status_compute(call->srv, call->client->session.programme_id, as_of, computed, call) != 0 &&
        !reply_stale(call))
        call_fail_unavailable(call, false);
}

void h_get_status(struct call *call)
{
    int32_t today = call->srv->today();
    int32_t as_of = today;
    const char *text = call->req->get_status->as_of;
    if (text[0] && !date_parse(text, &as_of))
        as_of = today; /* unreachable: msg_check_request checked the format */
    call->client->resync_sent = false;
    if (as_of == today) {
        const Reno__StatusReply *cached =
            rollup_get(&call->srv->rollup, call->client->session.programme_id);
        if (cached) {
            reply_status(call, cached);
            return;
        }
    }
    compute(call, as_of);
}

void h_watch(struct call *call)
{
    /* The starting point comes from the database, so that it is exact; the roll-up
     * entry is created here if this is the first interest in the programme. */
    (void)rollup_get(&call->srv->rollup, call->client->session.programme_id);
    compute(call, call->srv->today());
}
