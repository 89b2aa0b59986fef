/*
 * libFuzzer target for the path every byte from a peer takes into renod: a frame_reader fed
 * reads of any size, each whole frame unpacked by msg_unpack_request() under a budget,
 * checked by msg_check_request() and freed. It owns no state between inputs.
 *
 * The input is the byte stream itself, so a file of real frames is a seed as it stands
 * (tests/fuzz/make_corpus.c writes some). Two things come from the input besides the
 * stream: the size of each read, from the stream byte at which the read starts (1..16
 * bytes when that byte is below 0x80, else a power of two up to 4096), and the budget, from
 * the last byte (odd: 64 bytes per step up to 8 KiB, which makes allocations fail at every
 * point; even: renod's own 4 * frame + 4096).
 *
 * Oracles besides the sanitizers: the reader never holds more than its first 4 KiB plus
 * twice the bytes fed (it does not believe a header); a frame returned is within the
 * maximum and a refused one is over it; a failed unpack gives its whole budget back, and so
 * does the free; a request that unpacks is judged the same after being packed again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "frame.h"
#include "msg.h"

/* renod's default maximum before login; a successful Login raises it, as renod does. */
#define FUZZ_MAX_BEFORE_LOGIN (64u * 1024)
/* 2022-06-01, a fixed "today" so that the future-date checks are reproducible. */
#define FUZZ_TODAY 19144

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a crash the fuzzer records; the sanitizers catch everything else. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static size_t read_size(uint8_t b)
{
    return b < 0x80 ? 1 + (size_t)(b % 16) : (size_t)1 << (b % 13);
}

static size_t budget_for(uint8_t last, uint32_t frame_len)
{
    if (last & 1)
        return 64 * (1 + (size_t)(last >> 1) % 128);
    return 4 * (size_t)frame_len + 4096;
}

/*
 * Drops the unknown fields of m and of every message inside it, giving their bytes back to
 * the allocator they came from. libprotobuf-c 1.4.1 reads a field number 0 written in two
 * bytes (80 00) as an unknown field but refuses the one-byte form (00) that it writes back,
 * so a message that kept one would not survive packing; the checks ignore unknown fields,
 * so dropping them loses nothing for the comparison.
 */
static void drop_unknown_fields(ProtobufCMessage *m, ProtobufCAllocator *allocator)
{
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        allocator->free(allocator->allocator_data, m->unknown_fields[i].data);
    m->n_unknown_fields = 0; /* the array itself is freed with the message */
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char *member = (char *)m + fd->offset;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)m + fd->quantifier_offset);
            ProtobufCMessage **items = *(ProtobufCMessage ***)member;
            for (size_t k = 0; k < n; k++)
                drop_unknown_fields(items[k], allocator);
            continue;
        }
        /* A oneof member's storage is shared: follow it only when it is the one set. */
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(uint32_t *)((char *)m + fd->quantifier_offset) != fd->id)
            continue;
        ProtobufCMessage *sub = *(ProtobufCMessage **)member;
        if (sub != NULL)
            drop_unknown_fields(sub, allocator);
    }
}

/* Packs req again and checks that the copy is judged exactly as the original was. */
static void recheck(Reno__Request *req, struct msg_budget *owner, bool ok,
                    const struct msg_fault *fault)
{
    drop_unknown_fields(&req->base, &owner->allocator);
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&req->base, &frame_len);
    uint32_t payload_len = 0;
    FUZZ_ASSERT(frame_peek(frame, frame_len, FRAME_ABSOLUTE_MAX, &payload_len) == FRAME_READY);
    FUZZ_ASSERT((size_t)payload_len + FRAME_HEADER_SIZE == frame_len);
    struct msg_budget budget;
    msg_budget_init(&budget, 4 * (size_t)payload_len + 65536);
    Reno__Request *copy = msg_unpack_request(&budget, frame + FRAME_HEADER_SIZE, payload_len);
    free(frame);
    /* What protobuf-c packed, it must read back. */
    FUZZ_ASSERT(copy != NULL);
    FUZZ_ASSERT(copy->id == req->id && copy->body_case == req->body_case);
    struct msg_fault again;
    bool ok_again = msg_check_request(copy, FUZZ_TODAY, &again);
    FUZZ_ASSERT(ok_again == ok);
    if (!ok)
        FUZZ_ASSERT(strcmp(again.field, fault->field) == 0);
    msg_free_request(&budget, copy);
    FUZZ_ASSERT(budget.used == 0);
}

/* Handles one frame as renod would; returns true when it was a Login that passed. */
static bool handle_frame(const uint8_t *payload, uint32_t len, uint8_t last)
{
    struct msg_budget budget;
    msg_budget_init(&budget, budget_for(last, len));
    Reno__Request *req = msg_unpack_request(&budget, payload, len);
    if (req == NULL) {
        FUZZ_ASSERT(budget.used == 0);
        return false;
    }
    FUZZ_ASSERT(budget.used <= budget.limit);
    struct msg_fault fault;
    memset(&fault, 0, sizeof fault);
    bool ok = msg_check_request(req, FUZZ_TODAY, &fault);
    const char *name = msg_request_name(req->body_case);
    FUZZ_ASSERT(name != NULL);
    if (!ok) {
        FUZZ_ASSERT(fault.code == RENO__STATUS_CODE__BAD_REQUEST);
        FUZZ_ASSERT(fault.field[0] != '\0' && fault.message[0] != '\0');
        FUZZ_ASSERT(strcmp(msg_status_name(fault.code), "BAD_REQUEST") == 0);
    }
    recheck(req, &budget, ok, &fault);
    bool login = ok && req->body_case == RENO__REQUEST__BODY_LOGIN;
    msg_free_request(&budget, req);
    FUZZ_ASSERT(budget.used == 0);
    return login;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t last = data[size - 1];
    struct frame_reader reader;
    frame_reader_init(&reader, FUZZ_MAX_BEFORE_LOGIN);
    size_t fed = 0;
    bool refused = false;
    while (fed < size && !refused) {
        size_t n = read_size(data[fed]);
        if (n > size - fed)
            n = size - fed;
        frame_reader_feed(&reader, data + fed, n);
        fed += n;
        FUZZ_ASSERT(reader.cap <= 4096 + 2 * fed);

        const uint8_t *payload = NULL;
        uint32_t len = 0;
        enum frame_status st;
        while ((st = frame_reader_next(&reader, &payload, &len)) == FRAME_READY) {
            FUZZ_ASSERT(len <= reader.max);
            if (handle_frame(payload, len, last))
                frame_reader_set_max(&reader, FRAME_DEFAULT_MAX);
        }
        if (st == FRAME_TOO_LARGE) {
            /* renod sends an error event and closes: nothing after this is read. */
            FUZZ_ASSERT(len > reader.max);
            refused = true;
        } else {
            FUZZ_ASSERT(st == FRAME_NEED_MORE);
        }
    }
    FUZZ_ASSERT(frame_reader_pending(&reader) <= fed);
    frame_reader_done(&reader);
    return 0;
}
