/*
 * Connection transport. See conn.h.
 *
 * Reads land in a fixed per-connection chunk and are copied into the frame reader, which
 * grows only with bytes actually received and refuses an oversized header before it
 * grows. Frames are delivered one at a time while the connection is READING; when the
 * owner pauses it (too many requests in flight) the remaining frames stay buffered and
 * are delivered by conn_process_buffered() once it resumes, so one client cannot make
 * the server do unbounded work per read.
 */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define READ_CHUNK 65536

struct write_req {
    uv_write_t req;
    struct conn *c;
    uint8_t *buf;
    size_t len;
};

static void conn_free_if_done(struct conn *c)
{
    if (c->tcp_closed && c->refs == 0) {
        frame_reader_done(&c->reader);
        free(c);
    }
}

void conn_ref(struct conn *c)
{
    c->refs++;
}

void conn_unref(struct conn *c)
{
    if (c->refs <= 0)
        fatal("conn %llu: reference count underflow", (unsigned long long)c->id);
    c->refs--;
    conn_free_if_done(c);
}

bool conn_is_open(const struct conn *c)
{
    return c->state != CONN_CLOSING;
}

static uint64_t now_ms(struct conn *c)
{
    return uv_now(c->tcp.loop);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    /* libuv hands this back in read_cb, where it is copied into the reader and freed. */
    buf->base = xmalloc(READ_CHUNK);
    buf->len = READ_CHUNK;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static bool wants_reading(const struct conn *c)
{
    return !c->paused_by_queue && !c->paused_by_owner;
}

void conn_set_state(struct conn *c, enum conn_state next)
{
    if (c->state == CONN_CLOSING && next != CONN_CLOSING)
        fatal("conn %llu: state change out of CLOSING", (unsigned long long)c->id);
    if (c->state == CONN_DRAINING && next != CONN_CLOSING && next != CONN_DRAINING)
        fatal("conn %llu: state change out of DRAINING", (unsigned long long)c->id);
    enum conn_state prev = c->state;
    c->state = next;
    if (next == CONN_READING) {
        int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
        if (rc != 0 && rc != UV_EALREADY) {
            conn_close(c, uv_strerror(rc));
            return;
        }
    } else if (next != CONN_READING && prev == CONN_READING) {
        uv_read_stop((uv_stream_t *)&c->tcp);
    }
}

static void conn_process_buffered(struct conn *c);

/* Reading follows the two pause reasons; frames buffered while paused are delivered as
 * soon as reading resumes, since the peer may be waiting for their replies. */
static void update_pause(struct conn *c)
{
    if (c->state == CONN_READING && !wants_reading(c)) {
        conn_set_state(c, CONN_PAUSED);
    } else if (c->state == CONN_PAUSED && wants_reading(c)) {
        conn_set_state(c, CONN_READING);
        conn_ref(c);
        conn_process_buffered(c);
        conn_unref(c);
    }
}

void conn_init(struct conn *c, uint64_t id, uint32_t max_frame, size_t queue_high,
               const struct conn_callbacks *cb, void *owner)
{
    c->id = id;
    c->state = CONN_PAUSED;
    c->refs = 1; /* the server's */
    frame_reader_init(&c->reader, max_frame);
    c->queue_high = queue_high;
    c->queue_low = queue_high / 2;
    c->cb = cb;
    c->owner = owner;
    c->tcp.data = c;
    c->last_activity_ms = now_ms(c);

    struct sockaddr_storage addr;
    int len = sizeof addr;
    snprintf(c->peer, sizeof c->peer, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&addr, &len) == 0) {
        char host[48] = "";
        int port = 0;
        if (addr.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&addr;
            uv_ip4_name(a, host, sizeof host);
            port = ntohs(a->sin_port);
        } else if (addr.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;
            uv_ip6_name(a, host, sizeof host);
            port = ntohs(a->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
    }
}

int conn_start(struct conn *c)
{
    uv_tcp_nodelay(&c->tcp, 1);
    conn_set_state(c, CONN_READING);
    return c->state == CONN_READING ? 0 : -1;
}

void conn_set_max_frame(struct conn *c, uint32_t max)
{
    frame_reader_set_max(&c->reader, max);
}

static void conn_process_buffered(struct conn *c)
{
    while (c->state == CONN_READING) {
        const uint8_t *payload;
        uint32_t len;
        enum frame_status st = frame_reader_next(&c->reader, &payload, &len);
        if (st == FRAME_NEED_MORE) {
            c->partial_since_ms = frame_reader_pending(&c->reader) > 0
                                      ? (c->partial_since_ms ? c->partial_since_ms : now_ms(c))
                                      : 0;
            return;
        }
        if (st == FRAME_TOO_LARGE) {
            c->cb->on_oversize(c, len);
            return;
        }
        c->last_activity_ms = now_ms(c);
        c->partial_since_ms = 0;
        c->cb->on_frame(c, payload, len);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (nread > 0 && c->state == CONN_READING) {
        frame_reader_feed(&c->reader, (const uint8_t *)buf->base, (size_t)nread);
        free(buf->base);
        conn_ref(c);
        conn_process_buffered(c);
        conn_unref(c);
        return;
    }
    free(buf->base);
    if (nread == UV_EOF)
        conn_close(c, "peer closed the connection");
    else if (nread < 0)
        conn_close(c, uv_strerror((int)nread));
}

static void on_write(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    struct conn *c = w->c;
    c->queued_bytes -= w->len;
    free(w->buf);
    free(w);
    if (status < 0 && c->state != CONN_CLOSING)
        conn_close(c, uv_strerror(status));
    if (c->state == CONN_DRAINING && c->queued_bytes == 0)
        conn_close(c, "closed after the error frame");
    if (c->paused_by_queue && c->queued_bytes <= c->queue_low && c->state != CONN_CLOSING) {
        c->paused_by_queue = false;
        update_pause(c);
    }
    conn_unref(c);
}

void conn_send(struct conn *c, uint8_t *buf, size_t len)
{
    if (c->state == CONN_CLOSING) {
        free(buf);
        return;
    }
    struct write_req *w = xcalloc(1, sizeof *w);
    w->c = c;
    w->buf = buf;
    w->len = len;
    uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (rc != 0) {
        free(buf);
        free(w);
        conn_close(c, uv_strerror(rc));
        return;
    }
    conn_ref(c);
    c->queued_bytes += len;
    c->last_activity_ms = now_ms(c);
    if (c->queued_bytes > c->queue_high && !c->paused_by_queue) {
        conn_log(c, LOG_WARN, "peer is not reading its replies (%zu bytes queued): pausing",
                 c->queued_bytes);
        c->paused_by_queue = true;
        update_pause(c);
    }
}

void conn_send_and_close(struct conn *c, uint8_t *buf, size_t len, const char *reason)
{
    if (c->state == CONN_CLOSING || c->state == CONN_DRAINING) {
        free(buf);
        return;
    }
    conn_log(c, LOG_WARN, "closing: %s", reason);
    conn_send(c, buf, len);
    if (c->state == CONN_CLOSING)
        return;
    conn_set_state(c, CONN_DRAINING);
}

void conn_pause(struct conn *c, bool paused)
{
    c->paused_by_owner = paused;
    update_pause(c);
}

static void on_tcp_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    c->tcp_closed = true;
    conn_unref(c); /* the server's reference */
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->state == CONN_CLOSING)
        return;
    bool drained = c->state == CONN_DRAINING;
    conn_set_state(c, CONN_CLOSING);
    if (!drained)
        conn_log(c, LOG_INFO, "disconnect: %s", reason);
    c->cb->on_close(c, reason);
    uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
}
