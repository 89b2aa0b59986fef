/*
 * Framing. See frame.h. The reader keeps one growable buffer; consumed bytes are dropped
 * by moving the tail to the front only when the next append would not fit, so a burst of
 * small frames costs one copy of the bytes that remain, not one per frame.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

enum frame_status frame_peek(const uint8_t *buf, size_t len, uint32_t max, uint32_t *payload_len)
{
    if (len < FRAME_HEADER_SIZE)
        return FRAME_NEED_MORE;
    uint32_t n =
        (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | (uint32_t)buf[3];
    *payload_len = n;
    if (n > max)
        return FRAME_TOO_LARGE;
    if (len - FRAME_HEADER_SIZE < n)
        return FRAME_NEED_MORE;
    return FRAME_READY;
}

void frame_put_header(uint8_t out[FRAME_HEADER_SIZE], uint32_t len)
{
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

void frame_reader_init(struct frame_reader *r, uint32_t max)
{
    memset(r, 0, sizeof *r);
    r->max = max > FRAME_ABSOLUTE_MAX ? FRAME_ABSOLUTE_MAX : max;
}

void frame_reader_done(struct frame_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

void frame_reader_set_max(struct frame_reader *r, uint32_t max)
{
    r->max = max > FRAME_ABSOLUTE_MAX ? FRAME_ABSOLUTE_MAX : max;
}

void frame_reader_feed(struct frame_reader *r, const uint8_t *data, size_t n)
{
    if (n == 0)
        return;
    if (r->end + n > r->cap && r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->end + n)
            cap *= 2;
        r->buf = xrealloc(r->buf, cap);
        r->cap = cap;
    }
    memcpy(r->buf + r->end, data, n);
    r->end += n;
}

enum frame_status frame_reader_next(struct frame_reader *r, const uint8_t **payload, uint32_t *len)
{
    uint32_t n = 0;
    if (r->buf == NULL)
        return FRAME_NEED_MORE;
    enum frame_status st = frame_peek(r->buf + r->start, r->end - r->start, r->max, &n);
    if (st != FRAME_READY) {
        if (st == FRAME_NEED_MORE && r->start == r->end)
            r->start = r->end = 0;
        *len = n;
        return st;
    }
    *payload = r->buf + r->start + FRAME_HEADER_SIZE;
    *len = n;
    r->start += FRAME_HEADER_SIZE + (size_t)n;
    return FRAME_READY;
}

size_t frame_reader_pending(const struct frame_reader *r)
{
    return r->end - r->start;
}
