/*
 * Tests for common/frame: the incremental reader must return the same frames however the
 * stream is cut into reads (one byte at a time, split at every byte offset, all at once),
 * accept a payload of exactly the maximum, refuse one byte more as soon as the four header
 * bytes are in, and never grow its buffer toward a size it was only told about.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "unit.h"

/* Payload sizes of the test stream; 3000 and 2500 make the reader compact and grow. */
static const uint32_t stream_sizes[] = {0, 1, 5, 200, 0, 3000, 7, 2500, 1};
#define STREAM_FRAMES (sizeof stream_sizes / sizeof stream_sizes[0])

/* The largest buffer a reader may hold after being fed `fed` bytes. */
#define CAP_LIMIT(fed) (4096 + 2 * (size_t)(fed))

static uint8_t payload_byte(size_t frame, size_t offset)
{
    return (uint8_t)(frame * 37 + offset * 11 + 1);
}

/* Builds the test stream: every frame of stream_sizes[] back to back. */
static uint8_t *make_stream(size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < STREAM_FRAMES; i++)
        total += FRAME_HEADER_SIZE + stream_sizes[i];
    uint8_t *buf = malloc(total);
    ck_assert_ptr_nonnull(buf);
    size_t at = 0;
    for (size_t i = 0; i < STREAM_FRAMES; i++) {
        frame_put_header(buf + at, stream_sizes[i]);
        at += FRAME_HEADER_SIZE;
        for (size_t k = 0; k < stream_sizes[i]; k++)
            buf[at++] = payload_byte(i, k);
    }
    *len = total;
    return buf;
}

/*
 * Takes every whole frame out of the reader and checks each against the test stream;
 * *seen counts the frames returned so far across calls.
 */
static void drain(struct frame_reader *r, size_t *seen)
{
    const uint8_t *payload = NULL;
    uint32_t len = 0;
    enum frame_status st;
    /*
     * Check reports every passing ck_assert to the parent process, so the per-byte
     * comparison below, run millions of times, only calls into Check when it fails.
     */
    while ((st = frame_reader_next(r, &payload, &len)) == FRAME_READY) {
        if (*seen >= STREAM_FRAMES || len != stream_sizes[*seen])
            ck_abort_msg("frame %zu: %u bytes, unexpected", *seen, len);
        for (uint32_t k = 0; k < len; k++)
            if (payload[k] != payload_byte(*seen, k))
                ck_abort_msg("frame %zu: byte %u differs", *seen, k);
        (*seen)++;
    }
    if (st != FRAME_NEED_MORE)
        ck_abort_msg("frame_reader_next returned %d", st);
}

START_TEST(test_one_byte_at_a_time)
{
    size_t len;
    uint8_t *stream = make_stream(&len);
    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    size_t seen = 0;
    for (size_t i = 0; i < len; i++) {
        frame_reader_feed(&r, stream + i, 1);
        drain(&r, &seen);
        /*
         * No frame here is larger than the first buffer, so byte-sized reads must reuse it
         * (moving the unconsumed tail to the front) rather than grow it.
         */
        if (r.cap > 4096)
            ck_abort_msg("buffer grew to %zu bytes", r.cap);
    }
    ck_assert_uint_eq(seen, STREAM_FRAMES);
    ck_assert_uint_eq(frame_reader_pending(&r), 0);
    frame_reader_done(&r);
    free(stream);
}
END_TEST

START_TEST(test_split_at_every_offset)
{
    size_t len;
    uint8_t *stream = make_stream(&len);
    for (size_t cut = 0; cut <= len; cut++) {
        struct frame_reader r;
        frame_reader_init(&r, FRAME_DEFAULT_MAX);
        size_t seen = 0;
        frame_reader_feed(&r, stream, cut);
        drain(&r, &seen);
        frame_reader_feed(&r, stream + cut, len - cut);
        drain(&r, &seen);
        if (seen != STREAM_FRAMES || frame_reader_pending(&r) != 0)
            ck_abort_msg("cut at %zu: %zu frames, %zu bytes left", cut, seen,
                         frame_reader_pending(&r));
        frame_reader_done(&r);
    }
    free(stream);
}
END_TEST

START_TEST(test_every_read_size)
{
    /*
     * Reads of a fixed size that do not line up with frames leave part of the next frame
     * behind each one returned; the reader must move that tail to the front of its buffer
     * instead of growing it, since no frame plus one read exceeds the first 4096 bytes.
     */
    size_t len;
    uint8_t *stream = make_stream(&len);
    for (size_t size = 1; size <= 1000; size++) {
        struct frame_reader r;
        frame_reader_init(&r, FRAME_DEFAULT_MAX);
        size_t seen = 0;
        for (size_t at = 0; at < len; at += size) {
            frame_reader_feed(&r, stream + at, len - at < size ? len - at : size);
            drain(&r, &seen);
        }
        if (seen != STREAM_FRAMES || frame_reader_pending(&r) != 0 || r.cap > 4096)
            ck_abort_msg("reads of %zu: %zu frames, %zu bytes left, buffer of %zu", size, seen,
                         frame_reader_pending(&r), r.cap);
        frame_reader_done(&r);
    }
    free(stream);
}
END_TEST

START_TEST(test_all_at_once)
{
    size_t len;
    uint8_t *stream = make_stream(&len);
    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    size_t seen = 0;
    frame_reader_feed(&r, stream, len);
    drain(&r, &seen);
    ck_assert_uint_eq(seen, STREAM_FRAMES);
    ck_assert_uint_eq(frame_reader_pending(&r), 0);
    ck_assert_uint_le(r.cap, CAP_LIMIT(len));
    frame_reader_done(&r);
    free(stream);
}
END_TEST

START_TEST(test_stream_fed_twice_reuses_buffer)
{
    /* A second pass over a drained reader starts from an empty buffer, not a growing one. */
    size_t len;
    uint8_t *stream = make_stream(&len);
    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    size_t seen = 0;
    frame_reader_feed(&r, stream, len);
    drain(&r, &seen);
    size_t cap = r.cap;
    seen = 0;
    frame_reader_feed(&r, stream, len);
    drain(&r, &seen);
    ck_assert_uint_eq(seen, STREAM_FRAMES);
    ck_assert_uint_eq(r.cap, cap);
    frame_reader_done(&r);
    free(stream);
}
END_TEST

START_TEST(test_partial_frame_is_pending)
{
    size_t len;
    uint8_t *stream = make_stream(&len);
    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    const uint8_t *payload = NULL;
    uint32_t n = 0;
    ck_assert_int_eq(frame_reader_next(&r, &payload, &n), FRAME_NEED_MORE);
    ck_assert_uint_eq(frame_reader_pending(&r), 0);
    /* The first three frames (0, 1 and 5 bytes) and two bytes of the fourth's header. */
    size_t part = 3 * FRAME_HEADER_SIZE + 0 + 1 + 5 + 2;
    frame_reader_feed(&r, stream, part);
    size_t seen = 0;
    drain(&r, &seen);
    ck_assert_uint_eq(seen, 3);
    ck_assert_uint_eq(frame_reader_pending(&r), 2);
    frame_reader_done(&r);
    free(stream);
}
END_TEST

START_TEST(test_zero_length_payload)
{
    uint8_t bytes[FRAME_HEADER_SIZE];
    frame_put_header(bytes, 0);
    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    frame_reader_feed(&r, bytes, sizeof bytes);
    const uint8_t *payload = NULL;
    uint32_t len = 99;
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_READY);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_NEED_MORE);
    ck_assert_uint_eq(frame_reader_pending(&r), 0);
    frame_reader_done(&r);
}
END_TEST

/* Feeds a frame with a payload of `size` bytes to a reader of maximum `max`, in 64 KiB reads. */
static enum frame_status feed_frame_of(uint32_t max, uint32_t size, uint32_t *len_out)
{
    size_t total = FRAME_HEADER_SIZE + (size_t)size;
    uint8_t *frame = calloc(1, total);
    ck_assert_ptr_nonnull(frame);
    frame_put_header(frame, size);
    frame[total - 1] = 0x5a;
    struct frame_reader r;
    frame_reader_init(&r, max);
    enum frame_status st = FRAME_NEED_MORE;
    const uint8_t *payload = NULL;
    for (size_t at = 0; at < total && st == FRAME_NEED_MORE; at += 65536) {
        size_t n = total - at < 65536 ? total - at : 65536;
        frame_reader_feed(&r, frame + at, n);
        st = frame_reader_next(&r, &payload, len_out);
        ck_assert_uint_le(r.cap, CAP_LIMIT(at + n));
    }
    if (st == FRAME_READY)
        ck_assert_uint_eq(payload[size - 1], 0x5a);
    frame_reader_done(&r);
    free(frame);
    return st;
}

START_TEST(test_payload_exactly_at_max)
{
    uint32_t len = 0;
    ck_assert_int_eq(feed_frame_of(1000, 1000, &len), FRAME_READY);
    ck_assert_uint_eq(len, 1000);
    ck_assert_int_eq(feed_frame_of(FRAME_DEFAULT_MAX, FRAME_DEFAULT_MAX, &len), FRAME_READY);
    ck_assert_uint_eq(len, FRAME_DEFAULT_MAX);
}
END_TEST

/* One byte over the maximum is refused once the header is in, whatever follows. */
static void check_one_over(uint32_t max)
{
    uint8_t header[FRAME_HEADER_SIZE];
    frame_put_header(header, max + 1);
    struct frame_reader r;
    frame_reader_init(&r, max);
    const uint8_t *payload = NULL;
    uint32_t len = 0;
    for (size_t i = 0; i < FRAME_HEADER_SIZE - 1; i++) {
        frame_reader_feed(&r, header + i, 1);
        ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_NEED_MORE);
    }
    frame_reader_feed(&r, header + FRAME_HEADER_SIZE - 1, 1);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_TOO_LARGE);
    ck_assert_uint_eq(len, max + 1);
    ck_assert_uint_le(r.cap, 4096);

    /* The refusal sticks, and the buffer holds only what arrived, not what was announced. */
    static uint8_t junk[8192];
    frame_reader_feed(&r, junk, sizeof junk);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_TOO_LARGE);
    ck_assert_uint_le(r.cap, 16384);
    frame_reader_done(&r);
}

START_TEST(test_one_over_max_refused_at_header)
{
    check_one_over(1000);
    check_one_over(64 * 1024);
    check_one_over(FRAME_DEFAULT_MAX);
}
END_TEST

START_TEST(test_garbage_header)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 'x', 'y'};
    uint32_t len = 0;
    ck_assert_int_eq(frame_peek(garbage, sizeof garbage, FRAME_DEFAULT_MAX, &len), FRAME_TOO_LARGE);
    ck_assert_uint_eq(len, 0xffffffffu);

    /* Asking for an unlimited reader gets the absolute ceiling, which still refuses it. */
    struct frame_reader r;
    frame_reader_init(&r, UINT32_MAX);
    ck_assert_uint_eq(r.max, FRAME_ABSOLUTE_MAX);
    frame_reader_feed(&r, garbage, sizeof garbage);
    const uint8_t *payload = NULL;
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_TOO_LARGE);
    ck_assert_uint_eq(len, 0xffffffffu);
    ck_assert_uint_le(r.cap, 4096);
    frame_reader_done(&r);
}
END_TEST

START_TEST(test_valid_frame_then_too_large)
{
    /* A good frame ahead of a bad header in the same read is still delivered. */
    uint8_t bytes[2 * FRAME_HEADER_SIZE + 3];
    frame_put_header(bytes, 3);
    memcpy(bytes + FRAME_HEADER_SIZE, "abc", 3);
    frame_put_header(bytes + FRAME_HEADER_SIZE + 3, 101);
    struct frame_reader r;
    frame_reader_init(&r, 100);
    frame_reader_feed(&r, bytes, sizeof bytes);
    const uint8_t *payload = NULL;
    uint32_t len = 0;
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_READY);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(payload, "abc", 3), 0);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_TOO_LARGE);
    ck_assert_uint_eq(len, 101);
    frame_reader_done(&r);
}
END_TEST

START_TEST(test_set_max)
{
    uint8_t bytes[FRAME_HEADER_SIZE + 100];
    memset(bytes, 'p', sizeof bytes);
    frame_put_header(bytes, 100);
    struct frame_reader r;
    const uint8_t *payload = NULL;
    uint32_t len = 0;

    /* Refused under a small maximum (before login); taken once the maximum is raised. */
    frame_reader_init(&r, 64);
    frame_reader_feed(&r, bytes, sizeof bytes);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_TOO_LARGE);
    frame_reader_set_max(&r, 100);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_READY);
    ck_assert_uint_eq(len, 100);
    ck_assert_uint_eq(payload[99], 'p');

    /* Lowered again, it applies to the next frame. */
    frame_reader_set_max(&r, 99);
    frame_reader_feed(&r, bytes, sizeof bytes);
    ck_assert_int_eq(frame_reader_next(&r, &payload, &len), FRAME_TOO_LARGE);

    /* No maximum goes past the absolute ceiling. */
    frame_reader_set_max(&r, UINT32_MAX);
    ck_assert_uint_eq(r.max, FRAME_ABSOLUTE_MAX);
    frame_reader_set_max(&r, FRAME_ABSOLUTE_MAX + 1);
    ck_assert_uint_eq(r.max, FRAME_ABSOLUTE_MAX);
    frame_reader_done(&r);
}
END_TEST

START_TEST(test_peek_short_input)
{
    static const uint8_t bytes[] = {0x00, 0x00, 0x00, 0x02, 'h', 'i', 'x'};
    uint32_t len = 0;
    for (size_t n = 0; n < FRAME_HEADER_SIZE; n++)
        ck_assert_int_eq(frame_peek(bytes, n, FRAME_DEFAULT_MAX, &len), FRAME_NEED_MORE);
    ck_assert_int_eq(frame_peek(bytes, 4, FRAME_DEFAULT_MAX, &len), FRAME_NEED_MORE);
    ck_assert_int_eq(frame_peek(bytes, 5, FRAME_DEFAULT_MAX, &len), FRAME_NEED_MORE);
    ck_assert_int_eq(frame_peek(bytes, 6, FRAME_DEFAULT_MAX, &len), FRAME_READY);
    ck_assert_uint_eq(len, 2);
    /* Bytes after the frame belong to the next one and do not change the answer. */
    ck_assert_int_eq(frame_peek(bytes, 7, FRAME_DEFAULT_MAX, &len), FRAME_READY);
    ck_assert_uint_eq(len, 2);
    /* The length is checked before the payload is waited for. */
    ck_assert_int_eq(frame_peek(bytes, 4, 1, &len), FRAME_TOO_LARGE);
    ck_assert_uint_eq(len, 2);
    ck_assert_int_eq(frame_peek(bytes, 6, 2, &len), FRAME_READY);
}
END_TEST

START_TEST(test_put_header_is_big_endian)
{
    uint8_t out[FRAME_HEADER_SIZE];
    frame_put_header(out, 0x01020304u);
    ck_assert_uint_eq(out[0], 0x01);
    ck_assert_uint_eq(out[1], 0x02);
    ck_assert_uint_eq(out[2], 0x03);
    ck_assert_uint_eq(out[3], 0x04);
    uint32_t len = 0;
    frame_put_header(out, 0xfffffffeu);
    ck_assert_int_eq(frame_peek(out, 4, UINT32_MAX, &len), FRAME_NEED_MORE);
    ck_assert_uint_eq(len, 0xfffffffeu);
}
END_TEST

Suite *frame_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_one_byte_at_a_time);
    tcase_add_test(tc, test_split_at_every_offset);
    tcase_add_test(tc, test_every_read_size);
    tcase_add_test(tc, test_all_at_once);
    tcase_add_test(tc, test_stream_fed_twice_reuses_buffer);
    tcase_add_test(tc, test_partial_frame_is_pending);
    tcase_add_test(tc, test_zero_length_payload);
    tcase_add_test(tc, test_payload_exactly_at_max);
    tcase_add_test(tc, test_one_over_max_refused_at_header);
    tcase_add_test(tc, test_garbage_header);
    tcase_add_test(tc, test_valid_frame_then_too_large);
    tcase_add_test(tc, test_set_max);
    suite_add_tcase(s, tc);

    TCase *peek = tcase_create("peek");
    tcase_add_test(peek, test_peek_short_input);
    tcase_add_test(peek, test_put_header_is_big_endian);
    suite_add_tcase(s, peek);
    return s;
}
