/*
 * Connection transport. See conn.h.
 *
 * Reads land in a fixed per-connection chunk and are copied into the frame reader, which
 * grows only with bytes actually received and refuses an oversized header before it
 * grows. Frames are delivered one at a time while the connection is READING; when the
 * owner pauses it (too many requests in flight) the remaining frames stay buffered and
 * are delivered by conn_process_buffered() once it resumes, so one client cannot make
 * the server do unbounded work per read.
 *
 * With TLS, the session is made when the first bytes arrive (an SSL costs about 9 KB, and
 * a peer that sends nothing should cost next to nothing); a read's ciphertext is fed to
 * the session and all the plaintext it yields goes
 * into the frame reader at once (at most a read's worth, so the reader still grows only
 * with what the peer sent); whatever the session wants to send back (handshake records,
 * alerts) is queued right away. conn_send() encrypts a frame and queues the ciphertext
 * through conn_write_shared(), the one place that hands bytes to libuv and counts them;
 * a frame shared by several connections (conn_shared) is written from the same bytes.
 */
#include "conn.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "xmalloc.h"

#define READ_CHUNK 65536
/* Plaintext taken out of the TLS session per SSL_read: one record at most. */
#define TLS_PLAIN_CHUNK 16384
/* Plaintext encrypted and queued at a time when sending a frame. */
#define TLS_WRITE_SLICE (256 * 1024)

/* A shared frame's prefix this short (a reply's frame header and id: 26 bytes at most) is
 * carried in the write request itself, so that queueing a shared reply allocates nothing
 * but the request. */
#define WRITE_PREFIX_INLINE 32

struct write_req {
    uv_write_t req;
    struct conn *c;
    uint8_t *buf;               /* owned; may be NULL when only shared bytes go */
    struct conn_shared *shared; /* a reference, written after buf or prefix; or NULL */
    size_t len;                 /* of all */
    uint8_t prefix[WRITE_PREFIX_INLINE];
};

static void conn_free_if_done(struct conn *c)
{
    if (c->tcp_closed && c->refs == 0) {
        frame_reader_done(&c->reader);
        tls_session_free(c->tls);
        c->cb->on_free(c);
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

bool conn_takes_frames(const struct conn *c)
{
    return c->state == CONN_READING || c->state == CONN_PAUSED;
}

bool conn_linger_overdue(const struct conn *c, uint64_t now_ms, uint64_t limit_ms)
{
    return c->state == CONN_LINGERING && now_ms - c->lingering_since_ms > limit_ms;
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
    if (c->state == CONN_DRAINING && next != CONN_CLOSING && next != CONN_DRAINING &&
        next != CONN_LINGERING)
        fatal("conn %llu: state change out of DRAINING", (unsigned long long)c->id);
    if (c->state == CONN_LINGERING && next != CONN_CLOSING)
        fatal("conn %llu: state change out of LINGERING", (unsigned long long)c->id);
    enum conn_state prev = c->state;
    c->state = next;
    if (next == CONN_READING || next == CONN_LINGERING) {
        int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
        if (rc != 0 && rc != UV_EALREADY) {
            conn_close(c, uv_strerror(rc));
            return;
        }
    } else if (prev == CONN_READING) {
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
    c->accepted_ms = c->last_activity_ms;

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

void conn_set_tls(struct conn *c, struct tls_server *srv)
{
    c->tls_server = srv;
}

bool conn_handshake_overdue(const struct conn *c, uint64_t now, uint64_t limit_ms)
{
    return c->tls_server != NULL && (c->tls == NULL || !tls_session_established(c->tls)) &&
           now - c->accepted_ms > limit_ms;
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

static void conn_write(struct conn *c, uint8_t *buf, size_t len);

/* Queues what the TLS session has to send (handshake records, alerts), if anything. */
static void tls_flush(struct conn *c)
{
    size_t len = 0;
    uint8_t *out = tls_session_take_output(c->tls, &len);
    if (out != NULL)
        conn_write(c, out, len);
}

/*
 * A failed handshake or a broken record: the session has usually written an alert that
 * tells the peer why (unknown CA, protocol version). It is sent, and the connection closes
 * once it is out, as after an error frame.
 */
static void tls_fail(struct conn *c, const char *why)
{
    if (c->state == CONN_CLOSING)
        return;
    conn_log(c, LOG_INFO, "disconnect: %s", why);
    size_t len = 0;
    uint8_t *alert = tls_session_take_output(c->tls, &len);
    if (alert == NULL) {
        conn_set_state(c, CONN_DRAINING);
        conn_close(c, why);
        return;
    }
    conn_write(c, alert, len);
    if (c->state != CONN_CLOSING)
        conn_set_state(c, CONN_DRAINING);
}

/* Decrypts a read's ciphertext into the frame reader: 0, or -1 when the connection is
 * closing (the peer ended the session or broke the protocol). */
static int tls_receive(struct conn *c, const uint8_t *cipher, size_t len)
{
    bool was_established = tls_session_established(c->tls);
    tls_session_feed(c->tls, cipher, len);
    uint8_t plain[TLS_PLAIN_CHUNK];
    char err[TLS_ERR_SIZE];
    for (;;) {
        size_t got = 0;
        enum tls_read_result r = tls_session_read(c->tls, plain, sizeof plain, &got, err);
        if (r == TLS_READ_DATA) {
            frame_reader_feed(&c->reader, plain, got);
            continue;
        }
        if (r == TLS_READ_FAILED) {
            tls_fail(c, err);
            return -1;
        }
        tls_flush(c);
        if (c->state == CONN_CLOSING)
            return -1;
        if (r == TLS_READ_CLOSED) {
            conn_close(c, "peer ended the TLS session");
            return -1;
        }
        break;
    }
    if (!was_established && tls_session_established(c->tls)) {
        char how[128];
        tls_session_describe(c->tls, how, sizeof how);
        conn_log(c, LOG_DEBUG, "TLS established: %s", how);
    }
    return c->state == CONN_CLOSING ? -1 : 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (nread > 0 && c->state == CONN_READING && c->tls_server != NULL) {
        if (c->tls == NULL)
            c->tls = tls_session_new(c->tls_server);
        conn_ref(c);
        int rc = tls_receive(c, (const uint8_t *)buf->base, (size_t)nread);
        free(buf->base);
        if (rc == 0)
            conn_process_buffered(c);
        conn_unref(c);
        return;
    }
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

static void tls_say_goodbye(struct conn *c);

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0 && c->state == CONN_LINGERING)
        conn_close(c, uv_strerror(status));
    conn_unref(c);
}

/* The last frame is written: our side is shut down, and the connection lingers (see
 * conn.h) until the peer closes, or conn_linger_overdue(). */
static void conn_linger(struct conn *c)
{
    conn_set_state(c, CONN_LINGERING);
    if (c->state != CONN_LINGERING)
        return;
    c->lingering_since_ms = now_ms(c);
    if (c->tls != NULL)
        tls_say_goodbye(c);
    c->shutdown_req.data = c;
    int rc = uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown);
    if (rc != 0) {
        conn_close(c, uv_strerror(rc));
        return;
    }
    conn_ref(c);
}

/* True when the peer has sent bytes that were not read (or when that cannot be told):
 * closing now would make the kernel reset the connection. */
static bool unread_input(struct conn *c)
{
    uv_os_fd_t fd;
    int n = 0;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0 || ioctl(fd, FIONREAD, &n) != 0)
        return true;
    return n > 0;
}

/* The queue of a DRAINING connection is written. */
static void conn_drained(struct conn *c)
{
    if (c->linger_if_unread && !unread_input(c))
        conn_close(c, "closed once its replies were written");
    else
        conn_linger(c);
}

static void on_write(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    struct conn *c = w->c;
    c->queued_bytes -= w->len;
    if (c->total_queued)
        *c->total_queued -= w->len;
    free(w->buf);
    conn_shared_unref(w->shared);
    free(w);
    if (status < 0 && c->state != CONN_CLOSING)
        conn_close(c, uv_strerror(status));
    if (c->state == CONN_DRAINING) {
        /* A draining peer that is still taking its last frames is not idle (server.c's
         * DRAIN_MS counts from here). */
        c->last_activity_ms = now_ms(c);
        if (c->queued_bytes == 0)
            conn_drained(c);
    }
    if (c->paused_by_queue && c->queued_bytes <= c->queue_low && c->state != CONN_CLOSING) {
        c->paused_by_queue = false;
        update_pause(c);
    }
    conn_unref(c);
}

/* Hands bytes as they go on the wire to libuv and counts them, in one write: buf (owned,
 * may be NULL) or a prefix of at most WRITE_PREFIX_INLINE bytes (copied into the request),
 * then, when given, the shared bytes (a reference is taken until the write is done). */
static void conn_write_shared(struct conn *c, uint8_t *buf, size_t len, const uint8_t *prefix,
                              size_t prefix_len, struct conn_shared *shared)
{
    if (c->state == CONN_CLOSING || c->state == CONN_LINGERING) {
        free(buf);
        return;
    }
    struct write_req *w = xmalloc(sizeof *w);
    w->c = c;
    w->buf = buf;
    w->shared = NULL;
    uv_buf_t b[2];
    unsigned n = 0;
    if (prefix_len > 0) {
        memcpy(w->prefix, prefix, prefix_len);
        b[n++] = uv_buf_init((char *)w->prefix, (unsigned)prefix_len);
        len = prefix_len;
    } else if (buf != NULL || shared == NULL) {
        b[n++] = uv_buf_init((char *)buf, (unsigned)len);
    }
    if (shared != NULL) {
        b[n++] = uv_buf_init((char *)shared->data, (unsigned)shared->len);
        len += shared->len;
        shared->refs++;
        w->shared = shared;
    }
    size_t waiting = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, b, n, on_write);
    /* What this connection holds until the write is done: its owned bytes whole, but of a
     * shared body (one copy for every reader) only what libuv still queues after trying to
     * write it at once. The kernel took the rest; counting it until the callback would
     * count each reply of every connection the loop answered before it ran the callbacks
     * (with 1,024 busy connections libuv polls again at once, up to 48 times, and a reply
     * per connection per poll made every connection look 13 replies behind). */
    if (rc == 0 && shared != NULL && buf == NULL) {
        size_t left = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
        len = left > waiting ? left - waiting : 0;
    }
    w->len = len;
    if (rc != 0) {
        free(buf);
        conn_shared_unref(w->shared);
        free(w);
        conn_close(c, uv_strerror(rc));
        return;
    }
    conn_ref(c);
    c->queued_bytes += len;
    if (c->total_queued)
        *c->total_queued += len;
    c->last_activity_ms = now_ms(c);
    if (c->queued_bytes > c->queue_high && !c->paused_by_queue) {
        conn_log(c, LOG_WARN, "peer is not reading its replies (%zu bytes queued): pausing",
                 c->queued_bytes);
        c->paused_by_queue = true;
        update_pause(c);
    }
}

static void conn_write(struct conn *c, uint8_t *buf, size_t len)
{
    conn_write_shared(c, buf, len, NULL, 0, NULL);
}

/* True when a frame may go out now: plaintext, or TLS with its handshake done. */
static bool can_send(struct conn *c)
{
    if (c->state == CONN_LINGERING)
        return false; /* our side is shut down */
    if (c->tls_server == NULL || c->state == CONN_CLOSING)
        return true;
    if (c->tls == NULL || !tls_session_established(c->tls)) {
        /* Only an event can be sent before the peer has spoken (shutting down, say); a
         * peer still in its handshake expects none, and there is no key to send it with. */
        conn_log(c, LOG_DEBUG, "a frame for a peer still in its TLS handshake is dropped");
        return false;
    }
    return true;
}

/* Encrypts plaintext and queues its ciphertext. A large frame is encrypted a slice at a
 * time and each slice's ciphertext queued at once, so that it is not held twice over
 * (plaintext and all its ciphertext). */
static void tls_send(struct conn *c, const uint8_t *buf, size_t len)
{
    char err[TLS_ERR_SIZE];
    for (size_t done = 0; done < len && c->state != CONN_CLOSING;) {
        size_t slice = len - done < TLS_WRITE_SLICE ? len - done : TLS_WRITE_SLICE;
        if (tls_session_write(c->tls, buf + done, slice, err) != 0) {
            conn_close(c, err);
            break;
        }
        done += slice;
        tls_flush(c);
    }
}

void conn_send(struct conn *c, uint8_t *buf, size_t len)
{
    if (!can_send(c)) {
        free(buf);
        return;
    }
    if (c->tls_server == NULL || c->state == CONN_CLOSING) {
        conn_write(c, buf, len);
        return;
    }
    tls_send(c, buf, len);
    free(buf);
}

struct conn_shared *conn_shared_new(uint8_t *buf, size_t len)
{
    struct conn_shared *s = xmalloc(sizeof *s);
    s->refs = 1;
    s->data = buf;
    s->len = len;
    return s;
}

void conn_shared_unref(struct conn_shared *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    free(s->data);
    free(s);
}

void conn_send_shared(struct conn *c, const uint8_t *prefix, size_t prefix_len,
                      struct conn_shared *s)
{
    if (!can_send(c))
        return;
    if (c->tls_server == NULL || c->state == CONN_CLOSING) {
        if (prefix_len <= WRITE_PREFIX_INLINE) {
            conn_write_shared(c, NULL, 0, prefix, prefix_len, s);
            return;
        }
        uint8_t *copy = xmalloc(prefix_len);
        memcpy(copy, prefix, prefix_len);
        conn_write_shared(c, copy, prefix_len, NULL, 0, s);
        return;
    }
    /* One record stream: the prefix and the shared plaintext, each connection with its
     * own keys. */
    if (prefix_len > 0)
        tls_send(c, prefix, prefix_len);
    tls_send(c, s->data, s->len);
}

void conn_send_and_close(struct conn *c, uint8_t *buf, size_t len, const char *reason)
{
    if (!conn_takes_frames(c)) {
        free(buf);
        return;
    }
    conn_log(c, LOG_WARN, "closing: %s", reason);
    conn_send(c, buf, len);
    if (c->state == CONN_CLOSING)
        return;
    conn_set_state(c, CONN_DRAINING);
    /* Nothing went out (a TLS peer still in its handshake): nothing to wait for. */
    if (c->queued_bytes == 0)
        conn_close(c, reason);
}

void conn_finish(struct conn *c, const char *reason)
{
    if (!conn_takes_frames(c))
        return;
    conn_log(c, LOG_INFO, "disconnect: %s", reason);
    c->linger_if_unread = true;
    conn_set_state(c, CONN_DRAINING); /* stops reading; cannot fail */
    c->last_activity_ms = now_ms(c);
    if (c->queued_bytes == 0)
        conn_drained(c);
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

/*
 * A TLS peer is told the session ends on purpose (close_notify), so that it can tell our
 * close from a cut connection. Best effort: written now if the socket takes it, else
 * dropped, since uv_close() cancels whatever is still queued.
 */
static void tls_say_goodbye(struct conn *c)
{
    size_t len = 0;
    uint8_t *bye = tls_session_close_notify(c->tls, &len);
    if (bye == NULL)
        return;
    uv_buf_t b = uv_buf_init((char *)bye, (unsigned)len);
    (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    free(bye);
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->state == CONN_CLOSING)
        return;
    bool lingered = c->state == CONN_LINGERING;
    bool drained = lingered || c->state == CONN_DRAINING;
    conn_set_state(c, CONN_CLOSING);
    if (c->tls != NULL && !lingered)
        tls_say_goodbye(c);
    if (!drained)
        conn_log(c, LOG_INFO, "disconnect: %s", reason);
    c->cb->on_close(c, reason);
    uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
}
