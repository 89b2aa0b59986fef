/*
 * Framing: a frame is a 4-byte big-endian length N followed by N bytes of one protobuf
 * message. This module turns a byte stream, arriving in any chunking, into whole frames,
 * and never believes a length it has not checked: a header announcing more than the
 * reader's maximum is refused as soon as its four bytes are in, before any buffer grows
 * toward it. It knows nothing of sockets or message meaning.
 *
 * Ownership: struct frame_reader is embedded by its user (frame_reader_init/_done). A
 * payload returned by frame_reader_next() points into the reader's buffer and stays valid
 * until the next call on that reader.
 */
#ifndef RENO_FRAME_H
#define RENO_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_SIZE 4
/* The default and the absolute ceiling for a frame's payload. */
#define FRAME_DEFAULT_MAX  (1u << 20)
#define FRAME_ABSOLUTE_MAX (64u << 20)

enum frame_status {
    FRAME_NEED_MORE = 0, /* no whole frame buffered yet */
    FRAME_READY = 1,     /* *payload / *len hold one frame */
    FRAME_TOO_LARGE = -1 /* the next header announces more than the maximum */
};

/*
 * The pure core: looks at buf[0..len) and says whether it begins with a whole frame.
 * On FRAME_READY, *payload_len is the payload size (the frame spans 4 + that bytes).
 * On FRAME_TOO_LARGE, *payload_len is the announced size.
 */
enum frame_status frame_peek(const uint8_t *buf, size_t len, uint32_t max, uint32_t *payload_len);

/* Writes the 4-byte header for a payload of len bytes. */
void frame_put_header(uint8_t out[FRAME_HEADER_SIZE], uint32_t len);

struct frame_reader {
    uint8_t *buf;
    size_t start; /* first unconsumed byte */
    size_t end;   /* one past the last buffered byte */
    size_t cap;
    uint32_t max;
};

void frame_reader_init(struct frame_reader *r, uint32_t max);
void frame_reader_done(struct frame_reader *r);
/* Changes the maximum for frames not yet returned (e.g. raised after login). */
void frame_reader_set_max(struct frame_reader *r, uint32_t max);
/* Appends n received bytes. The buffer holds only bytes actually received. */
void frame_reader_feed(struct frame_reader *r, const uint8_t *data, size_t n);
/* Takes the next whole frame out of the buffer. */
enum frame_status frame_reader_next(struct frame_reader *r, const uint8_t **payload, uint32_t *len);
/* Bytes buffered but not yet returned as frames (a half-sent frame, for timeouts). */
size_t frame_reader_pending(const struct frame_reader *r);

#endif
