/*
 * GetStatus and Watch. A status as of today always comes from the in-memory roll-up
 * (rollup.h), never from the database: at once when the roll-up has reached the asked
 * min_position (or holds any figures, when none is asked), otherwise after waiting for it
 * for at most status_wait seconds, then UNAVAILABLE naming the position it is at. A
 * status as of another date is computed from the database (status.h): from the streaming
 * standby when the `standby` setting names one, and from the primary when the standby
 * cannot answer (logged, not an error to the client).
 *
 * Figures the roll-up cannot know to be current (its subscription is down, its last
 * refresh failed or the database is unreachable) are answered marked stale, with the time
 * they were computed, so that the office keeps its picture through an outage and knows
 * how old it is. Watch subscribes the connection to pushed changes of a page (Watch.page,
 * the same view as GetStatus's) or of the whole status, starting from the one it is
 * answered with; the whole status only when it fits a reply (watch.h).
 *
 * A page of today's status is packed once for every reader of the same page of the same
 * figures (status_cache.h) and queued behind each reader's own frame header and request
 * id; a status as of another date is paged and packed for its one reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "log.h"
#include "dispatch.h"
#include "rollup.h"
#include "server.h"
#include "status.h"
#include "status_cache.h"
#include "status_form.h"
#include "status_page.h"

#define WATCH_SNDBUF 32768

/* Answers a Watch of today's figures `reply` (the roll-up's): the page it asks for, packed
 * once for every watcher and reader of that page of those figures (status_cache.h), or
 * the whole status when that fits a reply; and subscribes the connection to that view's
 * changes. */
static void reply_watch(struct call *call, const Reno__StatusReply *reply, bool stale)
{
    const Reno__GetStatus *page = call->req->watch->page;
    size_t max = dispatch_reply_max(call->srv);
    Reno__StatusReply whole = *reply; /* shallow: only `stale` may differ */
    whole.stale = stale;
    struct conn_shared *body = NULL;
    if (page != NULL) {
        size_t len;
        body = status_cache_get_watch(&call->srv->status_cache, call->client->session.programme_id,
                                      reply, stale, page, max, &len);
        if (body == NULL) {
            call_fail(call, RENO__STATUS_CODE__RESOURCE_EXHAUSTED, "watch.page",
                      "the page would be %zu bytes, over the limit of %zu: watch a smaller page",
                      len + STATUS_CACHE_PREFIX_MAX, max);
            return;
        }
    } else {
        /* The whole status is refused when no reply could carry it, with a reason that
         * says to ask for a page, before anything is subscribed. */
        size_t size = reno__status_reply__get_packed_size(&whole);
        if (size + 64 > max) {
            char have[24], limit[24];
            snprintf(have, sizeof have, "%zu", size);
            snprintf(limit, sizeof limit, "%zu", max);
            struct msg_reason why;
            msg_reason_set(&why, "too_large", "page", have, limit);
            call_fail_why(call, RENO__STATUS_CODE__RESOURCE_EXHAUSTED, "watch.page", &why,
                          "the whole status of %zu projects is %zu bytes, over the reply limit "
                          "of %zu: watch a page of it (Watch.page)",
                          reply->n_projects, size, max);
            return;
        }
    }
    if (!watch_view_room(&call->srv->watch, &call->client->watcher,
                         call->client->session.programme_id, page,
                         (size_t)call->srv->cfg->watch_views)) {
        conn_shared_unref(body);
        char limit[24];
        snprintf(limit, sizeof limit, "%ld", call->srv->cfg->watch_views);
        struct msg_reason why;
        msg_reason_set(&why, "too_many_views", limit, NULL, NULL);
        call_fail_why(call, RENO__STATUS_CODE__RESOURCE_EXHAUSTED, "watch.page", &why,
                      "%ld different pages of this programme are watched already (the server's "
                      "watch_views): watch one of them, e.g. the first page with no search",
                      call->srv->cfg->watch_views);
        return;
    }
    if (call_live(call)) {
        /* Bound what the kernel holds for a watcher too, so that one that stops reading
         * soon shows in the connection's own queue, where the resync rule applies. */
        int sndbuf = WATCH_SNDBUF;
        uv_send_buffer_size((uv_handle_t *)&call->client->conn.tcp, &sndbuf);
        watch_add(&call->srv->watch, &call->client->watcher, call->client->session.programme_id,
                  reply->position, call->req->watch->deltas, page);
        conn_log(&call->client->conn, LOG_INFO, "watching programme %s at position %lld (%s)",
                 reply->programme_code, (long long)reply->position,
                 page != NULL ? "a page" : "the whole status");
    }
    if (body != NULL) {
        uint8_t prefix[STATUS_CACHE_PREFIX_MAX];
        size_t n = status_cache_prefix(prefix, call->id, body->len);
        call_reply_shared(call, prefix, n, body);
        conn_shared_unref(body);
        return;
    }
    Reno__WatchReply wr = RENO__WATCH_REPLY__INIT;
    wr.status = &whole;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_WATCH;
    resp.watch = &wr;
    call_reply(call, &resp);
}

/* Today's page from the roll-up's figures: packed once for every reader of the same page
 * of the same figures (status_cache.h) and sent behind this call's own id. */
static void reply_page(struct call *call, const Reno__StatusReply *reply, bool stale)
{
    size_t max = dispatch_reply_max(call->srv), len;
    struct conn_shared *body =
        status_cache_get(&call->srv->status_cache, call->client->session.programme_id, reply, stale,
                         call->req->get_status, max, &len);
    if (body == NULL) {
        call_fail(call, RENO__STATUS_CODE__RESOURCE_EXHAUSTED, "",
                  "the reply would be %zu bytes, over the limit of %zu: ask for less (a smaller "
                  "page, a narrower filter)",
                  len + STATUS_CACHE_PREFIX_MAX, max);
        return;
    }
    uint8_t prefix[STATUS_CACHE_PREFIX_MAX];
    size_t n = status_cache_prefix(prefix, call->id, body->len);
    call_reply_shared(call, prefix, n, body);
    conn_shared_unref(body);
}

/* from_rollup: reply is the roll-up's figures of today (their page may be cached), not a
 * status computed for this call. */
static void reply_status(struct call *call, const Reno__StatusReply *reply, bool stale,
                         bool from_rollup)
{
    if (from_rollup && call->req->body_case == RENO__REQUEST__BODY_GET_STATUS) {
        reply_page(call, reply, stale);
        return;
    }
    if (call->req->body_case == RENO__REQUEST__BODY_WATCH) {
        reply_watch(call, reply, stale); /* always today's, from the roll-up */
        return;
    }
    Reno__StatusReply view = *reply; /* shallow: only `stale` may differ */
    view.stale = stale;
    /* GetStatus answers with one page of the whole status (status_page.h). */
    Reno__Response resp = RENO__RESPONSE__INIT;
    Reno__StatusReply paged;
    struct status_page page;
    status_page_build(&view, call->req->get_status, &paged, &page);
    struct status_form form = {0};
    if (call->req->get_status->form == RENO__STATUS_FORM__STATUS_FORM_COMPACT)
        status_form_compact(&paged, &form);
    resp.body_case = RENO__RESPONSE__BODY_STATUS_REPLY;
    resp.status_reply = &paged;
    call_reply(call, &resp);
    status_form_release(&form);
    status_page_free(&page);
}

static void computed(void *arg, const Reno__StatusReply *reply, const struct db_error *err)
{
    struct call *call = arg;
    if (err) {
        call_fail_db(call, err);
        return;
    }
    reply_status(call, reply, false, false);
}

/* A status read on the standby; when the standby fails it is asked of the primary. */
static void computed_on_standby(void *arg, const Reno__StatusReply *reply,
                                const struct db_error *err)
{
    struct call *call = arg;
    if (err && err->code == RENO__STATUS_CODE__UNAVAILABLE) {
        log_warn("the standby failed (%s): the status as of %s is read from the primary",
                 err->message, call->req->get_status->as_of);
        int32_t as_of;
        if (!date_parse(call->req->get_status->as_of, &as_of) ||
            status_compute(call->srv->db, call->client->session.programme_id, as_of,
                           call->req->get_status, computed, call) != 0)
            call_fail_unavailable(call, false);
        return;
    }
    computed(arg, reply, err);
}

static void waited(void *arg, const Reno__StatusReply *status, bool stale, int64_t at_position)
{
    struct call *call = arg;
    if (status) {
        reply_status(call, status, stale, true);
        return;
    }
    if (server_stopping(call->srv)) {
        call_fail_retry(call, 1, "the server is shutting down");
        return;
    }
    int64_t wanted = call->req->body_case == RENO__REQUEST__BODY_GET_STATUS
                         ? call->req->get_status->min_position
                     : call->req->watch->page != NULL ? call->req->watch->page->min_position
                                                      : 0;
    if (at_position == 0)
        call_fail_retry(call, 1, "the status is not computed yet (is the database reachable?)");
    else
        call_fail_retry(call, 1, "the status is not yet at position %lld: it is at %lld",
                        (long long)wanted, (long long)at_position);
}

/* Today's status from memory: at once, or once the roll-up reaches min_position. */
static void from_memory(struct call *call, int64_t min_position)
{
    struct rollup *r = &call->srv->rollup;
    int64_t programme = call->client->session.programme_id;
    bool stale = false;
    const Reno__StatusReply *st = rollup_read(r, programme, min_position, &stale);
    if (st) {
        reply_status(call, st, stale, true);
        return;
    }
    /* Nothing in memory yet and no database to compute it from: no use waiting. */
    if (rollup_last(r, programme) == NULL &&
        (call->srv->db == NULL || !db_pool_healthy(call->srv->db))) {
        call_fail_unavailable(call, false);
        return;
    }
    rollup_wait(r, programme, min_position, (uint64_t)call->srv->cfg->status_wait * 1000, waited,
                call);
}

void h_get_status(struct call *call)
{
    int32_t today = call->srv->today();
    int32_t as_of = today;
    const char *text = call->req->get_status->as_of;
    if (text[0] && !date_parse(text, &as_of))
        as_of = today; /* unreachable: msg_check_request checked the format */
    watch_caught_up(&call->client->watcher);
    if (as_of == today) {
        from_memory(call, call->req->get_status->min_position);
        return;
    }
    struct db_pool *standby = call->srv->standby;
    if (standby != NULL) {
        if (db_pool_healthy(standby) &&
            status_compute(standby, call->client->session.programme_id, as_of,
                           call->req->get_status, computed_on_standby, call) == 0)
            return;
        log_warn("the standby is unavailable: the status as of %s is read from the primary", text);
    }
    if (status_compute(call->srv->db, call->client->session.programme_id, as_of,
                       call->req->get_status, computed, call) != 0)
        call_fail_unavailable(call, false);
}

void h_watch(struct call *call)
{
    /* The starting point is what the roll-up holds (once it has the page's min_position),
     * so that every later change reaches this watcher as a push relative to it. */
    const Reno__GetStatus *page = call->req->watch->page;
    watch_caught_up(&call->client->watcher);
    from_memory(call, page != NULL ? page->min_position : 0);
}
