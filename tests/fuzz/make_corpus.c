/*
 * Writes the seed corpus of fuzz_frame into a directory (by default tests/fuzz/corpus/frame,
 * relative to the top of the tree): real frames packed by msg_pack_frame() from the
 * protoc-c code, so that the fuzzer starts from the protocol rather than from noise. The
 * output is deterministic (fixed ids, keys and dates), so regenerating it changes nothing
 * unless the protocol did.
 *
 *   hello.bin          one Hello frame
 *   push_progress.bin  one PushProgress frame with a Chinese note
 *   two_frames.bin     Hello then Login, back to back
 *   session.bin        one frame of every request type, in a session's order
 *   too_large.bin      a header announcing 1 MiB + 1 bytes, then a few bytes
 *   field_zero.bin     a Hello frame ending in field number 0 written in two bytes (80 00),
 *                      which libprotobuf-c 1.4.1 keeps as an unknown field (found by fuzzing)
 *   empty.bin          nothing
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msg.h"

/* A growing byte buffer of frames. */
struct stream {
    uint8_t *bytes;
    size_t len;
};

static void append(struct stream *s, const void *bytes, size_t len)
{
    uint8_t *grown = realloc(s->bytes, s->len + len + 1);
    if (grown == NULL) {
        fprintf(stderr, "make_corpus: out of memory\n");
        exit(1);
    }
    s->bytes = grown;
    if (len > 0)
        memcpy(s->bytes + s->len, bytes, len);
    s->len += len;
}

static void append_request(struct stream *s, Reno__Request *req)
{
    size_t len = 0;
    uint8_t *frame = msg_pack_frame(&req->base, &len);
    append(s, frame, len);
    free(frame);
}

static int write_file(const char *dir, const char *name, const struct stream *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t written = s->len ? fwrite(s->bytes, 1, s->len, f) : 0;
    if (fclose(f) != 0 || written != s->len) {
        fprintf(stderr, "make_corpus: %s: write failed\n", path);
        return -1;
    }
    printf("%s: %zu bytes\n", path, s->len);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/frame";
    int rc = 0;

    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = RENO_PROTOCOL_VERSION;
    hello.client_name = "reno/0.1.0";
    Reno__Request hello_req = RENO__REQUEST__INIT;
    hello_req.id = 1;
    hello_req.body_case = RENO__REQUEST__BODY_HELLO;
    hello_req.hello = &hello;

    Reno__Login login = RENO__LOGIN__INIT;
    login.username = "office";
    login.password = "correct horse battery staple";
    Reno__Request login_req = RENO__REQUEST__INIT;
    login_req.id = 2;
    login_req.body_case = RENO__REQUEST__BODY_LOGIN;
    login_req.login = &login;

    Reno__GetStatus get_status = RENO__GET_STATUS__INIT;
    get_status.as_of = "2022-04-14";
    Reno__Request status_req = RENO__REQUEST__INIT;
    status_req.id = 3;
    status_req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    status_req.get_status = &get_status;

    static uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                                     0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                                     0xcc, 0xdd, 0xee, 0xff};
    Reno__PushProgress push = RENO__PUSH_PROGRESS__INIT;
    push.idempotency_key.data = key;
    push.idempotency_key.len = sizeof key;
    push.project_id = 1;
    push.report_date = "2022-03-31";
    push.households_started = 201;
    push.households_completed = 0;
    push.note = "首批开工";
    Reno__Request push_req = RENO__REQUEST__INIT;
    push_req.id = 4;
    push_req.body_case = RENO__REQUEST__BODY_PUSH_PROGRESS;
    push_req.push_progress = &push;

    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 0x1122334455667788u;
    Reno__Request ping_req = RENO__REQUEST__INIT;
    ping_req.id = 5;
    ping_req.body_case = RENO__REQUEST__BODY_PING;
    ping_req.ping = &ping;

    Reno__Resume resume = RENO__RESUME__INIT;
    resume.token = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    Reno__Request resume_req = RENO__REQUEST__INIT;
    resume_req.id = 6;
    resume_req.body_case = RENO__REQUEST__BODY_RESUME;
    resume_req.resume = &resume;

    Reno__Logout logout = RENO__LOGOUT__INIT;
    Reno__Request logout_req = RENO__REQUEST__INIT;
    logout_req.id = 7;
    logout_req.body_case = RENO__REQUEST__BODY_LOGOUT;
    logout_req.logout = &logout;

    struct stream s = {NULL, 0};
    append_request(&s, &hello_req);
    rc |= write_file(dir, "hello.bin", &s);

    s.len = 0;
    append_request(&s, &push_req);
    rc |= write_file(dir, "push_progress.bin", &s);

    s.len = 0;
    append_request(&s, &hello_req);
    append_request(&s, &login_req);
    rc |= write_file(dir, "two_frames.bin", &s);

    s.len = 0;
    append_request(&s, &hello_req);
    append_request(&s, &login_req);
    append_request(&s, &status_req);
    append_request(&s, &push_req);
    append_request(&s, &ping_req);
    append_request(&s, &logout_req);
    append_request(&s, &resume_req);
    rc |= write_file(dir, "session.bin", &s);

    s.len = 0;
    uint8_t header[FRAME_HEADER_SIZE];
    frame_put_header(header, FRAME_DEFAULT_MAX + 1);
    append(&s, header, sizeof header);
    append(&s, "\x08\x01\x52\x02\x08\x01", 6);
    rc |= write_file(dir, "too_large.bin", &s);

    s.len = 0;
    size_t hello_len = 0;
    uint8_t *hello_frame = msg_pack_frame(&hello_req.base, &hello_len);
    frame_put_header(hello_frame, (uint32_t)(hello_len - FRAME_HEADER_SIZE + 3));
    append(&s, hello_frame, hello_len);
    append(&s, "\x80\x00\x00", 3);
    free(hello_frame);
    rc |= write_file(dir, "field_zero.bin", &s);

    s.len = 0;
    rc |= write_file(dir, "empty.bin", &s);

    free(s.bytes);
    return rc == 0 ? 0 : 1;
}
