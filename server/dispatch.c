/*
 * Request dispatch. See dispatch.h.
 *
 * The checks before a handler runs, in order: the frame decodes as a Request (else the
 * connection is closed with an error event: without an id there is nothing to answer);
 * Hello comes first and once; every string passes msg_check_wire() on its wire bytes and
 * every field msg_check_request(); the handler needs a session and there is one; the
 * account's role may make the request (authz). Each refusal is a typed status for that
 * request id, and the connection carries on.
 */
#include "dispatch.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "date.h"
#include "log.h"
#include "op.h"
#include "server.h"
#include "session_end.h"
#include "xmalloc.h"

/* One row per request type with its own handler: the phase the client must have reached
 * (Hello is the exception: it is the one request of CLIENT_NEW, and only of it). */
struct handler {
    Reno__Request__BodyCase body;
    enum client_phase phase;
    void (*run)(struct call *call);
};

static const struct handler handlers[] = {
    {RENO__REQUEST__BODY_HELLO, CLIENT_NEW, h_hello},
    {RENO__REQUEST__BODY_LOGIN, CLIENT_HELLO, h_login},
    {RENO__REQUEST__BODY_RESUME, CLIENT_HELLO, h_resume},
    {RENO__REQUEST__BODY_LOGOUT, CLIENT_READY, h_logout},
    {RENO__REQUEST__BODY_PING, CLIENT_HELLO, h_ping},
    {RENO__REQUEST__BODY_CHANGE_PASSWORD, CLIENT_READY, h_change_password},
    {RENO__REQUEST__BODY_PUSH_PROGRESS, CLIENT_READY, h_push_progress},
    {RENO__REQUEST__BODY_GET_STATUS, CLIENT_READY, h_get_status},
    {RENO__REQUEST__BODY_WATCH, CLIENT_READY, h_watch},
    {RENO__REQUEST__BODY_ISSUE_REPORT, CLIENT_READY, h_issue_report},
};

static const struct handler *find_handler(Reno__Request__BodyCase body)
{
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (handlers[i].body == body)
            return &handlers[i];
    return NULL;
}

static void protocol_error(struct client *client, Reno__StatusCode code, const char *message);

/*
 * Memory held for replies is bounded three ways. One reply is at most `max_reply` bytes
 * (a larger one becomes a RESOURCE_EXHAUSTED answer to the same request, since its size
 * depends on what was asked). One connection holds at most `output_limit` bytes of
 * unread replies: reading from it pauses at half (conn.c), and past the limit it is told
 * with an error event and drains (the requests already in flight would otherwise keep
 * adding to it). All connections together hold at most `output_budget` bytes.
 *
 * A frame handed to libuv cannot be taken back, so the memory of a connection is freed
 * only by closing it. Past three quarters of the budget, the connection holding the most
 * (one that has stopped reading first) is told with an error event and drains: it reads
 * nothing more and is sent nothing more, and the janitor closes it if the event is not
 * read within a second. Past the budget itself, connections are closed at once, those
 * already told first, until the rest fit: a peer that does not read cannot be told.
 */
static void over_limit(struct client *client, const char *what, size_t queued)
{
    char message[200];
    snprintf(message, sizeof message,
             "%s: %zu reply bytes unread on this connection; read replies before sending more",
             what, queued);
    protocol_error(client, RENO__STATUS_CODE__RESOURCE_EXHAUSTED, message);
}

static bool holds_more(const struct client *a, const struct client *b)
{
    if (b == NULL)
        return true;
    if (a->conn.paused_by_queue != b->conn.paused_by_queue)
        return a->conn.paused_by_queue; /* a non-reader before a reader */
    return a->conn.queued_bytes > b->conn.queued_bytes;
}

static void enforce_output_budget(struct server *srv)
{
    size_t budget = (size_t)srv->cfg->output_budget;
    size_t soft = budget / 4 * 3;
    /* What the walk below weighs (held, held - draining) is at most all the bytes queued:
     * under three quarters of the budget nothing can be due. This runs after every frame
     * sent, and the walk visits every connection: without this test a reply to each of
     * 10,000 connections costs 10,000 x 10,000 visits (measured: 10,000 pings took over
     * 10 s; bench/README.md). */
    if (srv->queued_bytes <= soft)
        return;
    for (;;) {
        /* Closed connections give their bytes back at the end of this loop turn. */
        size_t closing = 0, draining = 0;
        struct client *told = NULL, *live = NULL;
        for (struct client *c = srv->clients; c; c = c->next) {
            if (c->conn.state == CONN_CLOSING) {
                closing += c->conn.queued_bytes;
            } else if (c->conn.state == CONN_DRAINING) {
                draining += c->conn.queued_bytes;
                if (told == NULL || c->conn.queued_bytes > told->conn.queued_bytes)
                    told = c;
            } else if (c->conn.queued_bytes > 0 && holds_more(c, live)) {
                live = c;
            }
        }
        size_t held = srv->queued_bytes - closing;
        if (held > budget && (told || live)) {
            struct client *victim = told ? told : live;
            conn_log(&victim->conn, LOG_WARN,
                     "output budget: %zu reply bytes held over all connections, %zu here", held,
                     victim->conn.queued_bytes);
            conn_close(&victim->conn, "the server's output budget is exhausted");
        } else if (held - draining > soft && live) {
            over_limit(live, "the server's output budget is nearly exhausted",
                       live->conn.queued_bytes);
        } else {
            return;
        }
    }
}

/* Room for the largest reply below the per-connection limit's pause threshold. */
static size_t reply_max(const struct renod_config *cfg)
{
    size_t max = (size_t)cfg->max_reply;
    if (max > (size_t)cfg->output_limit / 2)
        max = (size_t)cfg->output_limit / 2;
    return max;
}

size_t dispatch_reply_max(const struct server *srv)
{
    return reply_max(srv->cfg);
}

/* After a frame is queued: the connection's limit and the server's budget. */
static void after_send(struct client *client)
{
    struct conn *c = &client->conn;
    if (c->queued_bytes > (size_t)client->srv->cfg->output_limit && c->state != CONN_CLOSING)
        over_limit(client, "the connection's output limit is exceeded", c->queued_bytes);
    enforce_output_budget(client->srv);
}

static void send_message(struct client *client, Reno__ServerMessage *m, bool then_close,
                         const char *reason)
{
    struct conn *c = &client->conn;
    /* After the last frame (an error event) nothing more is sent: the peer was told. */
    if (!conn_takes_frames(c))
        return;
    size_t max = reply_max(client->srv->cfg);
    size_t len;
    uint8_t *buf = msg_pack_frame_max(&m->base, max, &len);
    if (buf == NULL && m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE) {
        char message[256];
        snprintf(message, sizeof message,
                 "the reply would be %zu bytes, over the limit of %zu: ask for less (a smaller "
                 "limit, a narrower filter, or the next page with after_id)",
                 len, max);
        conn_log(c, LOG_WARN, "request %llu: %s", (unsigned long long)m->response->id, message);
        Reno__Status st = RENO__STATUS__INIT;
        st.code = RENO__STATUS_CODE__RESOURCE_EXHAUSTED;
        st.message = message;
        Reno__Response small = RENO__RESPONSE__INIT;
        small.id = m->response->id;
        small.status = &st;
        Reno__ServerMessage sm = RENO__SERVER_MESSAGE__INIT;
        sm.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
        sm.response = &small;
        buf = msg_pack_frame_max(&sm.base, max, &len);
    } else if (buf == NULL) {
        /* An event too large to send (a whole status to a watcher): the peer would miss
         * it without knowing, so it is told and closed instead. */
        conn_log(c, LOG_ERROR, "an event of %zu bytes is over the reply limit of %zu", len, max);
        protocol_error(client, RENO__STATUS_CODE__RESOURCE_EXHAUSTED,
                       "an event was over the reply limit; reconnect");
        return;
    }
    if (buf == NULL)
        fatal("a status reply does not fit in %zu bytes", max);
    if (then_close) {
        conn_send_and_close(c, buf, len, reason);
        return;
    }
    conn_send(c, buf, len);
    after_send(client);
}

struct conn_shared *dispatch_pack_event(const struct server *srv, Reno__Event *event)
{
    Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
    m.kind_case = RENO__SERVER_MESSAGE__KIND_EVENT;
    m.event = event;
    size_t len;
    uint8_t *buf = msg_pack_frame_max(&m.base, reply_max(srv->cfg), &len);
    return buf ? conn_shared_new(buf, len) : NULL;
}

void dispatch_send_shared(struct client *client, const uint8_t *prefix, size_t prefix_len,
                          struct conn_shared *frame)
{
    struct conn *c = &client->conn;
    if (!conn_takes_frames(c))
        return;
    conn_send_shared(c, prefix, prefix_len, frame);
    after_send(client);
}

void dispatch_send_event(struct client *client, Reno__Event *event)
{
    Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
    m.kind_case = RENO__SERVER_MESSAGE__KIND_EVENT;
    m.event = event;
    send_message(client, &m, false, NULL);
}

static struct client *watcher_client(struct watcher *w)
{
    return (struct client *)(void *)((char *)w - offsetof(struct client, watcher));
}

static size_t watcher_backlog(struct watcher *w)
{
    return watcher_client(w)->conn.queued_bytes;
}

static struct conn_shared *watcher_pack(void *arg, Reno__Event *event)
{
    return dispatch_pack_event(arg, event);
}

static void watcher_send(struct watcher *w, Reno__Event *event, struct conn_shared *frame)
{
    struct client *client = watcher_client(w);
    if (frame == NULL) {
        /* An event too large to send (a whole status): the peer would miss it without
         * knowing, so it is told and closed instead. */
        conn_log(&client->conn, LOG_ERROR, "an event is over the reply limit of %zu",
                 reply_max(client->srv->cfg));
        protocol_error(client, RENO__STATUS_CODE__RESOURCE_EXHAUSTED,
                       "an event was over the reply limit; reconnect");
        return;
    }
    if (event->body_case == RENO__EVENT__BODY_RESYNC)
        conn_log(&client->conn, LOG_WARN, "watcher is %zu bytes behind: sending resync",
                 client->conn.queued_bytes);
    dispatch_send_shared(client, NULL, 0, frame);
}

const struct watch_sink dispatch_watch_sink = {
    .backlog = watcher_backlog,
    .pack = watcher_pack,
    .send = watcher_send,
};

/* A protocol error that leaves no request to answer: tell the peer and close. */
static void protocol_error(struct client *client, Reno__StatusCode code, const char *message)
{
    Reno__Status st = RENO__STATUS__INIT;
    st.code = code;
    st.message = (char *)message;
    Reno__Event ev = RENO__EVENT__INIT;
    ev.body_case = RENO__EVENT__BODY_ERROR;
    ev.error = &st;
    Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
    m.kind_case = RENO__SERVER_MESSAGE__KIND_EVENT;
    m.event = &ev;
    send_message(client, &m, true, message);
}

/* ---- phases -------------------------------------------------------------------------- */

static bool unauthenticated(enum client_phase phase)
{
    return phase == CLIENT_NEW || phase == CLIENT_HELLO;
}

void dispatch_set_phase(struct client *client, enum client_phase next)
{
    struct server *srv = client->srv;
    enum client_phase prev = client->phase;
    if (prev == next && (next == CLIENT_READY || next == CLIENT_ENDED))
        return; /* a second login on a connection, or a second reason to close it */
    bool legal = (prev == CLIENT_NEW && (next == CLIENT_HELLO || next == CLIENT_ENDED)) ||
                 (prev == CLIENT_HELLO && (next == CLIENT_READY || next == CLIENT_ENDED)) ||
                 (prev == CLIENT_READY && (next == CLIENT_HELLO || next == CLIENT_ENDED));
    if (!legal)
        fatal("conn %llu: phase change %d -> %d", (unsigned long long)client->conn.id, (int)prev,
              (int)next);
    if (prev == CLIENT_READY)
        srv->ready_clients--;
    if (next == CLIENT_READY)
        srv->ready_clients++;
    if (unauthenticated(prev) && !unauthenticated(next))
        server_unauth_remove(srv, client);
    if (!unauthenticated(prev) && unauthenticated(next))
        server_unauth_add(srv, client);
    client->phase = next;
    if (next != CLIENT_READY && prev == CLIENT_READY) {
        /* Watching belongs to the session. */
        watch_remove(&srv->watch, &client->watcher);
        /* The session is gone: back to the limits of a stranger. */
        memset(&client->session, 0, sizeof client->session);
        client->conn.account[0] = '\0';
        if (conn_is_open(&client->conn))
            conn_set_max_frame(&client->conn, (uint32_t)srv->cfg->max_frame_prelogin);
    }
}

/* Requests in flight before reading from the connection pauses. A stranger gets one:
 * pipelined logins cannot queue password checks behind each other. */
static int inflight_cap(const struct client *client)
{
    return client->phase == CLIENT_READY ? (int)client->srv->cfg->max_inflight : 1;
}

/* The close is logged first, while the line can still name the account. */
void dispatch_close_with_error(struct client *client, Reno__StatusCode code, const char *why)
{
    if (conn_is_open(&client->conn))
        protocol_error(client, code, why);
    dispatch_set_phase(client, CLIENT_ENDED);
}

void dispatch_close_with_event(struct client *client, Reno__Event *event, const char *why)
{
    if (conn_is_open(&client->conn)) {
        Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
        m.kind_case = RENO__SERVER_MESSAGE__KIND_EVENT;
        m.event = event;
        send_message(client, &m, true, why);
    }
    dispatch_set_phase(client, CLIENT_ENDED);
}

/* ---- calls ----------------------------------------------------------------------------- */

bool call_live(const struct call *call)
{
    return conn_is_open(&call->client->conn);
}

static void call_free(struct call *call)
{
    struct client *client = call->client;
    struct server *srv = call->srv;
    msg_free_request(&call->budget, call->req);
    free(call);
    client->inflight--;
    if (client->inflight < inflight_cap(client) && conn_is_open(&client->conn) &&
        !server_stopping(srv) && client->phase != CLIENT_ENDED)
        conn_pause(&client->conn, false);
    if (server_stopping(srv) && client->inflight == 0)
        conn_finish(&client->conn, "server shutting down");
    conn_unref(&client->conn);
    server_call_done(srv);
}

void call_reply(struct call *call, Reno__Response *resp)
{
    Reno__Status ok = RENO__STATUS__INIT;
    resp->id = call->id;
    if (resp->status == NULL)
        resp->status = &ok;
    if (call_live(call)) {
        Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
        m.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
        m.response = resp;
        send_message(call->client, &m, false, NULL);
    }
    if (resp->status->code != RENO__STATUS_CODE__OK) {
        /* A refusal may quote what the peer sent. */
        char message[LOG_ESCAPED_SIZE(200)];
        conn_log(&call->client->conn, LOG_INFO, "request %llu %s: %s %s%s%s",
                 (unsigned long long)call->id, call->name, msg_status_name(resp->status->code),
                 log_escape(resp->status->message, message, sizeof message),
                 resp->status->field[0] ? " field=" : "", resp->status->field);
    } else
        conn_log(&call->client->conn, LOG_DEBUG, "request %llu %s: OK",
                 (unsigned long long)call->id, call->name);
    call_free(call);
}

void call_reply_shared(struct call *call, const uint8_t *prefix, size_t prefix_len,
                       struct conn_shared *body)
{
    if (call_live(call))
        dispatch_send_shared(call->client, prefix, prefix_len, body);
    conn_log(&call->client->conn, LOG_DEBUG, "request %llu %s: OK", (unsigned long long)call->id,
             call->name);
    call_free(call);
}

static void call_vfail(struct call *call, Reno__StatusCode code, const char *field,
                       uint32_t retry_after, const struct msg_reason *r, const char *fmt,
                       va_list ap) __attribute__((format(printf, 6, 0)));

static void call_vfail(struct call *call, Reno__StatusCode code, const char *field,
                       uint32_t retry_after, const struct msg_reason *r, const char *fmt,
                       va_list ap)
{
    char *args[MSG_REASON_ARGS];
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    Reno__Status st = RENO__STATUS__INIT;
    st.code = code;
    st.message = message;
    st.field = (char *)(field ? field : "");
    st.retry_after = retry_after;
    if (r != NULL && r->reason[0] != '\0') {
        st.reason = (char *)r->reason;
        for (int i = 0; i < r->nargs; i++)
            args[i] = (char *)r->args[i];
        st.n_args = (size_t)r->nargs;
        st.args = args;
    }
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.status = &st;
    call_reply(call, &resp);
}

void call_fail(struct call *call, Reno__StatusCode code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    call_vfail(call, code, field, 0, NULL, fmt, ap);
    va_end(ap);
}

void call_fail_why(struct call *call, Reno__StatusCode code, const char *field,
                   const struct msg_reason *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    call_vfail(call, code, field, 0, r, fmt, ap);
    va_end(ap);
}

void call_fail_retry(struct call *call, uint32_t retry_after, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct msg_reason busy;
    msg_reason_set(&busy, "retry_later", NULL, NULL, NULL);
    call_vfail(call, RENO__STATUS_CODE__UNAVAILABLE, "", retry_after, &busy, fmt, ap);
    va_end(ap);
}

/* A column the database named is a field path only when the request has a field of that
 * name: a table's column that is no field of this request would point the client at
 * nothing, so the field stays empty and the message says what broke. */
static bool request_has_field(const struct call *call, const char *name)
{
    const ProtobufCFieldDescriptor *body =
        protobuf_c_message_descriptor_get_field(&reno__request__descriptor, call->req->body_case);
    return body != NULL && body->type == PROTOBUF_C_TYPE_MESSAGE &&
           protobuf_c_message_descriptor_get_field_by_name(body->descriptor, name) != NULL;
}

void call_fail_unavailable(struct call *call, bool write)
{
    struct msg_reason r;
    msg_reason_set(&r, "unavailable", NULL, NULL, NULL);
    call_fail_why(call, RENO__STATUS_CODE__UNAVAILABLE, "", &r, "%s: retry%s",
                  server_query_refusal(call->srv), write ? " with the same idempotency key" : "");
}

void call_fail_db(struct call *call, const struct db_error *err)
{
    char field[128] = "";
    if (err->column[0] && request_has_field(call, err->column))
        snprintf(field, sizeof field, "%s.%s", call->name, err->column);
    struct msg_reason r;
    /* A column that is no field of this request is no argument the client can name. */
    msg_reason_of_db(err->sqlstate, err->detail, err->hint, field[0] ? err->column : "", &r);
    if (err->code == RENO__STATUS_CODE__INTERNAL)
        call_fail(call, err->code, field, "internal error (database %s)", err->sqlstate);
    else if (err->code == RENO__STATUS_CODE__UNAVAILABLE) {
        msg_reason_set(&r, "unavailable", NULL, NULL, NULL);
        call_fail_why(call, err->code, field, &r, "%s", err->message);
    } else
        call_fail_why(call, err->code, field, &r, "%s", err->message);
}

/* ---- connection callbacks -------------------------------------------------------------- */

static void on_frame(struct conn *c, const uint8_t *payload, uint32_t len)
{
    struct client *client = c->owner;
    struct server *srv = client->srv;
    if (client->phase == CLIENT_ENDED)
        return; /* told why and being closed: nothing more is served */
    struct call *call = xcalloc(1, sizeof *call);
    /* protobuf-c needs a few times the wire size for the unpacked structs. */
    msg_budget_init(&call->budget, 4 * (size_t)len + 4096);
    call->req = msg_unpack_request(&call->budget, payload, len);
    if (call->req == NULL) {
        free(call);
        protocol_error(client, RENO__STATUS_CODE__BAD_REQUEST,
                       "frame is not a decodable Request message");
        return;
    }
    call->client = client;
    call->srv = srv;
    call->id = call->req->id;
    call->name = msg_request_name(call->req->body_case);
    client->inflight++;
    conn_ref(c);
    srv->calls++;

    struct msg_fault fault;
    static const struct handler generic = {RENO__REQUEST__BODY__NOT_SET, CLIENT_READY, h_op};
    const struct handler *h = find_handler(call->req->body_case);
    if (h == NULL && op_find(call->req->body_case))
        h = &generic; /* table-like operations: rights are checked in their SQL */
    if (!msg_check_wire(payload, len, &fault) ||
        !msg_check_request(call->req, srv->today(), &fault)) {
        call_fail_why(call, fault.code, fault.field, &fault.why, "%s", fault.message);
        return;
    }
    if (h == NULL) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "body", "unknown request type");
        return;
    }
    if (client->phase == CLIENT_NEW && h->body != RENO__REQUEST__BODY_HELLO) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "body",
                  "the first request on a connection must be hello");
        return;
    }
    if (client->phase != CLIENT_NEW && h->body == RENO__REQUEST__BODY_HELLO) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "body", "hello was already sent");
        return;
    }
    if (h->phase == CLIENT_READY && client->phase != CLIENT_READY) {
        struct msg_reason r;
        msg_reason_set(&r, "log_in_first", NULL, NULL, NULL);
        call_fail_why(call, RENO__STATUS_CODE__UNAUTHENTICATED, "", &r, "log in first");
        return;
    }
    if (h->phase == CLIENT_READY && !session_still_valid(call))
        return;
    if (h->phase == CLIENT_READY && client->provisional &&
        h->body != RENO__REQUEST__BODY_GET_STATUS) {
        call_fail(call, RENO__STATUS_CODE__UNAVAILABLE, "",
                  "the database is unavailable and this session was resumed without it: only "
                  "today's status can be read; connect again once the database is back");
        return;
    }
    if (h->phase == CLIENT_READY && h != &generic && !authz_may(&client->session, h->body)) {
        conn_log(c, LOG_WARN, "permission denied: role %d may not %s", client->session.role,
                 call->name);
        struct msg_reason r;
        msg_reason_set(&r, "role_not_allowed", call->name, NULL, NULL);
        call_fail_why(call, RENO__STATUS_CODE__PERMISSION_DENIED, "", &r,
                      "your role may not make %s requests", call->name);
        return;
    }
    h->run(call);
    /* Paused only after the handler ran: a call answered at once never counts, so a
     * resume can never nest inside the delivery of the frame that paused. */
    if (client->inflight >= inflight_cap(client))
        conn_pause(c, true);
}

static void on_oversize(struct conn *c, uint32_t announced)
{
    struct client *client = c->owner;
    char message[160];
    snprintf(message, sizeof message, "frame of %u bytes is over the limit of %u bytes", announced,
             c->reader.max);
    protocol_error(client, RENO__STATUS_CODE__BAD_REQUEST, message);
}

static void on_close(struct conn *c, const char *reason)
{
    (void)reason;
    struct client *client = c->owner;
    dispatch_set_phase(client, CLIENT_ENDED);
    server_client_gone(client->srv, client);
}

static void on_free(struct conn *c)
{
    free(c->owner); /* the client, which holds the connection */
}

static const struct conn_callbacks client_callbacks = {
    .on_frame = on_frame,
    .on_oversize = on_oversize,
    .on_close = on_close,
    .on_free = on_free,
};

struct client *dispatch_client_new(struct server *srv)
{
    struct client *client = xcalloc(1, sizeof *client);
    client->srv = srv;
    return client;
}

void dispatch_peer_address(uv_tcp_t *tcp, char out[48])
{
    struct sockaddr_storage addr;
    int len = sizeof addr;
    snprintf(out, 48, "?");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&addr, &len) != 0)
        return;
    if (addr.ss_family == AF_INET)
        uv_ip4_name((struct sockaddr_in *)&addr, out, 48);
    else if (addr.ss_family == AF_INET6)
        uv_ip6_name((struct sockaddr_in6 *)&addr, out, 48);
}

int dispatch_accept(struct client *client)
{
    struct server *srv = client->srv;
    conn_init(&client->conn, ++srv->next_conn_id, (uint32_t)srv->cfg->max_frame_prelogin,
              (size_t)srv->cfg->output_limit / 2, &client_callbacks, client);
    client->conn.total_queued = &srv->queued_bytes;
    conn_log(&client->conn, LOG_INFO, "connected");
    return conn_start(&client->conn);
}

/* ---- the handlers that need nothing but the connection --------------------------------- */

void h_hello(struct call *call)
{
    struct client *client = call->client;
    dispatch_set_phase(client, CLIENT_HELLO);
    if (call->req->hello->client_name[0]) {
        char name[LOG_ESCAPED_SIZE(MSG_MAX_CLIENT_NAME)];
        conn_log(&client->conn, LOG_INFO, "hello from client \"%s\"",
                 log_escape(call->req->hello->client_name, name, sizeof name));
    }
    Reno__HelloReply hr = RENO__HELLO_REPLY__INIT;
    hr.protocol_version = RENO_PROTOCOL_VERSION;
    hr.server_name = "renod " RENO_VERSION;
    hr.max_frame_bytes = (uint32_t)call->srv->cfg->max_frame;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_HELLO;
    resp.hello = &hr;
    call_reply(call, &resp);
}

void h_ping(struct call *call)
{
    Reno__Pong pong = RENO__PONG__INIT;
    pong.nonce = call->req->ping->nonce;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_PONG;
    resp.pong = &pong;
    call_reply(call, &resp);
}
