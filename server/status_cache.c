/*
 * Packed pages of today's status (status_cache.h): a short list in the order of use,
 * searched from the front. It holds a few dozen pages at most, so a linear search costs
 * less than the hashing would, and far less than the page it saves building.
 */
#include "status_cache.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "status_form.h"
#include "status_page.h"
#include "xmalloc.h"

/* A GetStatus page query with the defaults filled in, so that two ways of asking for the
 * same page are one page. */
struct page_query {
    int32_t size;
    int32_t sort;
    int32_t light;
    bool descending;
    bool overdue;
    int64_t project_id;
    unsigned long long offset;
    int32_t rhythm_periods;
    int32_t form; /* GetStatus.form: each form of a page is packed once */
};

struct status_cache_page {
    struct status_cache_page *prev, *next;
    int64_t programme_id;
    const void *figures; /* the roll-up's StatusReply it was cut from: identity only */
    int64_t position;
    int64_t computed_at;
    bool stale;
    struct page_query query;
    int kind;     /* the Response's body: a GetStatus's status_reply or a Watch's watch */
    char *search; /* owned; "" for none */
    struct conn_shared *body;
};

static struct page_query normalize(const Reno__GetStatus *req)
{
    struct page_query q;
    memset(&q, 0, sizeof q); /* the padding too: queries are compared with memcmp */
    q.size = req->page_size > 0 ? req->page_size : STATUS_PAGE_DEFAULT;
    if (q.size > STATUS_PAGE_MAX)
        q.size = STATUS_PAGE_MAX;
    q.sort = (int32_t)req->sort;
    q.light = (int32_t)req->light;
    q.descending = req->descending;
    q.overdue = req->overdue;
    q.project_id = req->project_id;
    q.rhythm_periods = req->rhythm_periods > 0 ? req->rhythm_periods : STATUS_RHYTHM_DEFAULT;
    if (q.rhythm_periods > STATUS_RHYTHM_MAX)
        q.rhythm_periods = STATUS_RHYTHM_MAX;
    q.form = (int32_t)req->form;
    /* As status_page_build reads it: msg_check_request allowed digits only. */
    if (req->page_token != NULL && req->page_token[0] != '\0')
        q.offset = strtoull(req->page_token, NULL, 10);
    return q;
}

void status_cache_init(struct status_cache *c)
{
    memset(c, 0, sizeof *c);
}

static void unlink_page(struct status_cache *c, struct status_cache_page *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        c->first = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        c->last = p->prev;
    p->prev = p->next = NULL;
}

static void push_front(struct status_cache *c, struct status_cache_page *p)
{
    p->prev = NULL;
    p->next = c->first;
    if (c->first)
        c->first->prev = p;
    c->first = p;
    if (c->last == NULL)
        c->last = p;
}

static void drop_page(struct status_cache *c, struct status_cache_page *p)
{
    unlink_page(c, p);
    c->pages--;
    c->bytes -= p->body->len;
    conn_shared_unref(p->body);
    free(p->search);
    free(p);
}

void status_cache_drop(struct status_cache *c, int64_t programme_id)
{
    struct status_cache_page *next;
    for (struct status_cache_page *p = c->first; p; p = next) {
        next = p->next;
        if (p->programme_id == programme_id)
            drop_page(c, p);
    }
}

/* The Response of the page, without an id (see status_cache.h), packed. */
static uint8_t *pack_body(const Reno__StatusReply *status, bool stale, const Reno__GetStatus *req,
                          Reno__Response__BodyCase kind, size_t max, size_t *len)
{
    Reno__StatusReply view = *status; /* shallow: only `stale` may differ */
    view.stale = stale;
    Reno__StatusReply paged;
    struct status_page page;
    status_page_build(&view, req, &paged, &page);
    struct status_form form = {0};
    if (req->form == RENO__STATUS_FORM__STATUS_FORM_COMPACT)
        status_form_compact(&paged, &form); /* the full page when it cannot be exact */
    Reno__Status ok = RENO__STATUS__INIT;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.status = &ok;
    /* A Watch's reply is the same page in a WatchReply (Response field 22, after the id
     * and the status as well). */
    Reno__WatchReply wr = RENO__WATCH_REPLY__INIT;
    wr.status = &paged;
    resp.body_case = kind;
    if (kind == RENO__RESPONSE__BODY_WATCH)
        resp.watch = &wr;
    else
        resp.status_reply = &paged;
    size_t n = protobuf_c_message_get_packed_size(&resp.base);
    *len = n;
    uint8_t *buf = NULL;
    /* The frame is the prefix (at most STATUS_CACHE_PREFIX_MAX, the header among it) and
     * the body; msg_pack_frame_max limits the payload, the frame less its header. */
    if (n + STATUS_CACHE_PREFIX_MAX - FRAME_HEADER_SIZE <= max) {
        buf = xmalloc(n ? n : 1);
        size_t packed = protobuf_c_message_pack(&resp.base, buf);
        if (packed != n)
            fatal("protobuf-c packed %zu bytes, expected %zu", packed, n);
    }
    status_form_release(&form);
    status_page_free(&page);
    return buf;
}

static struct conn_shared *get(struct status_cache *c, int64_t programme_id,
                               const Reno__StatusReply *status, bool stale,
                               const Reno__GetStatus *req, Reno__Response__BodyCase kind,
                               size_t max, size_t *len)
{
    struct page_query q = normalize(req);
    const char *search = req->search != NULL ? req->search : "";
    struct status_cache_page *next;
    for (struct status_cache_page *p = c->first; p; p = next) {
        next = p->next;
        if (p->programme_id != programme_id)
            continue;
        if (p->figures != status || p->position != status->position ||
            p->computed_at != status->computed_at) {
            /* Figures the roll-up has replaced or confirmed since: never served again. */
            drop_page(c, p);
            continue;
        }
        if (p->stale != stale || p->kind != (int)kind || memcmp(&p->query, &q, sizeof q) != 0 ||
            strcmp(p->search, search) != 0)
            continue;
        c->hits++;
        unlink_page(c, p);
        push_front(c, p);
        p->body->refs++;
        *len = p->body->len;
        return p->body;
    }
    c->misses++;
    uint8_t *buf = pack_body(status, stale, req, kind, max, len);
    if (buf == NULL)
        return NULL;
    struct conn_shared *body = conn_shared_new(buf, *len);
    if (*len > STATUS_CACHE_MAX_BYTES / 4)
        return body; /* sent, not kept */
    while (c->last != NULL &&
           (c->pages >= STATUS_CACHE_MAX_ENTRIES || c->bytes + *len > STATUS_CACHE_MAX_BYTES))
        drop_page(c, c->last);
    struct status_cache_page *p = xcalloc(1, sizeof *p);
    p->programme_id = programme_id;
    p->figures = status;
    p->position = status->position;
    p->computed_at = status->computed_at;
    p->stale = stale;
    p->query = q;
    p->kind = (int)kind;
    p->search = xstrdup(search);
    p->body = body;
    body->refs++; /* the cache's */
    push_front(c, p);
    c->pages++;
    c->bytes += *len;
    return body;
}

struct conn_shared *status_cache_get(struct status_cache *c, int64_t programme_id,
                                     const Reno__StatusReply *status, bool stale,
                                     const Reno__GetStatus *req, size_t max, size_t *len)
{
    return get(c, programme_id, status, stale, req, RENO__RESPONSE__BODY_STATUS_REPLY, max, len);
}

struct conn_shared *status_cache_get_watch(struct status_cache *c, int64_t programme_id,
                                           const Reno__StatusReply *status, bool stale,
                                           const Reno__GetStatus *page, size_t max, size_t *len)
{
    return get(c, programme_id, status, stale, page, RENO__RESPONSE__BODY_WATCH, max, len);
}

/* Protobuf's base-128 varint, least significant group first. */
static size_t put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t status_cache_prefix(uint8_t out[STATUS_CACHE_PREFIX_MAX], uint64_t id, size_t body_len)
{
    /* Response.id, field 1, varint (wire type 0); left out when 0, as protobuf-c does. */
    size_t id_len = id != 0 ? 1 + varint_size(id) : 0;
    size_t response_len = id_len + body_len;
    /* ServerMessage.response, field 1, length-delimited (wire type 2). */
    size_t payload = 1 + varint_size(response_len) + response_len;
    size_t n = FRAME_HEADER_SIZE;
    frame_put_header(out, (uint32_t)payload);
    out[n++] = 0x0a;
    n += put_varint(out + n, response_len);
    if (id != 0) {
        out[n++] = 0x08;
        n += put_varint(out + n, id);
    }
    return n;
}

void status_cache_done(struct status_cache *c)
{
    while (c->first)
        drop_page(c, c->first);
}
