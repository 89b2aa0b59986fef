/*
 * Tests for bench/wire_check: a reply packed by protobuf-c as renod packs it passes the
 * load generator's wire check exactly when decoding it whole would find it right. Each
 * way a reply can be wrong (another request's body, a refusal, an event, another date or
 * position, no projects, a field a right reply lacks, a cut or malformed frame) fails it,
 * and every prefix of a right frame fails it too, so that nothing the check lets through
 * unread can hide a wrong reply.
 */
#include <stdlib.h>
#include <string.h>

#include "reno.pb-c.h"
#include "unit.h"
#include "wire_check.h"
#include "xmalloc.h"

/* A frame's bytes, owned by the test. */
struct packed {
    uint8_t *data;
    size_t len;
};

static struct packed pack_response(Reno__Response *resp)
{
    Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
    m.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
    m.response = resp;
    struct packed p;
    p.len = reno__server_message__get_packed_size(&m);
    p.data = xmalloc(p.len + 2); /* room for a field appended by a test */
    reno__server_message__pack(&m, p.data);
    return p;
}

/* A status reply as of `as_of` at `position` with `n_projects` projects (at most 2), in
 * `form`. */
static struct packed status_frame_in(uint64_t id, const char *as_of, int64_t position,
                                     size_t n_projects, Reno__Status *status, Reno__StatusForm form)
{
    Reno__ProjectStatus p1 = RENO__PROJECT_STATUS__INIT, p2 = RENO__PROJECT_STATUS__INIT;
    p1.project_id = 1;
    p2.project_id = 2;
    Reno__ProjectStatus *projects[2] = {&p1, &p2};
    Reno__StatusReply reply = RENO__STATUS_REPLY__INIT;
    reply.as_of = (char *)as_of;
    reply.position = position;
    reply.programme_code = (char *)"ziyun-2022";
    reply.n_projects = n_projects;
    reply.projects = projects;
    reply.form = form;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.id = id;
    resp.status = status;
    resp.body_case = RENO__RESPONSE__BODY_STATUS_REPLY;
    resp.status_reply = &reply;
    return pack_response(&resp);
}

static struct packed status_frame(uint64_t id, const char *as_of, int64_t position,
                                  size_t n_projects, Reno__Status *status)
{
    return status_frame_in(id, as_of, position, n_projects, status,
                           RENO__STATUS_FORM__STATUS_FORM_FULL);
}

static const struct wire_want want_status = {
    .body = WIRE_STATUS, .as_of = "2022-06-30", .position = 42};

static bool passes(struct packed p, const struct wire_want *want, struct wire_reply *out)
{
    bool ok = wire_check_reply(p.data, p.len, want, out);
    free(p.data);
    return ok;
}

START_TEST(test_right_status_passes_with_its_id)
{
    struct wire_reply out = {0, 0};
    ck_assert(passes(status_frame(7, "2022-06-30", 42, 2, NULL), &want_status, &out));
    ck_assert_uint_eq(out.id, 7);
    /* A Status with code OK is a right reply too. */
    Reno__Status ok = RENO__STATUS__INIT;
    ok.code = RENO__STATUS_CODE__OK;
    ok.message = (char *)"";
    ck_assert(passes(status_frame(8, "2022-06-30", 42, 1, &ok), &want_status, &out));
    ck_assert_uint_eq(out.id, 8);
}
END_TEST

START_TEST(test_wrong_status_fails)
{
    struct wire_reply out;
    ck_assert(!passes(status_frame(7, "2022-06-29", 42, 2, NULL), &want_status, &out));
    ck_assert(!passes(status_frame(7, "2022-06-3", 42, 2, NULL), &want_status, &out));
    ck_assert(!passes(status_frame(7, "2022-06-30", 41, 2, NULL), &want_status, &out));
    ck_assert(!passes(status_frame(7, "2022-06-30", 42, 0, NULL), &want_status, &out));
    ck_assert(!passes(status_frame(0, "2022-06-30", 42, 2, NULL), &want_status, &out));
    /* The form of the reply decoded whole, and no other. */
    const Reno__StatusForm compact = RENO__STATUS_FORM__STATUS_FORM_COMPACT;
    ck_assert(!passes(status_frame_in(7, "2022-06-30", 42, 2, NULL, compact), &want_status, &out));
    struct wire_want want_compact = want_status;
    want_compact.form = compact;
    ck_assert(passes(status_frame_in(7, "2022-06-30", 42, 2, NULL, compact), &want_compact, &out));
    ck_assert(!passes(status_frame(7, "2022-06-30", 42, 2, NULL), &want_compact, &out));
    /* A refusal carrying a status body is not a right reply. */
    Reno__Status refused = RENO__STATUS__INIT;
    refused.code = RENO__STATUS_CODE__UNAVAILABLE;
    refused.message = (char *)"later";
    ck_assert(!passes(status_frame(7, "2022-06-30", 42, 2, &refused), &want_status, &out));
    /* A status is not a pong. */
    struct wire_want want_pong = {.body = WIRE_PONG};
    ck_assert(!passes(status_frame(7, "2022-06-30", 42, 2, NULL), &want_pong, &out));
}
END_TEST

START_TEST(test_pong_passes_and_carries_its_nonce)
{
    Reno__Pong pong = RENO__PONG__INIT;
    pong.nonce = 7u * 2654435761u;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.id = 7;
    resp.body_case = RENO__RESPONSE__BODY_PONG;
    resp.pong = &pong;
    struct wire_want want_pong = {.body = WIRE_PONG};
    struct wire_reply out = {0, 0};
    ck_assert(passes(pack_response(&resp), &want_pong, &out));
    ck_assert_uint_eq(out.id, 7);
    ck_assert_uint_eq(out.nonce, 7u * 2654435761u);
    ck_assert(!passes(pack_response(&resp), &want_status, &out));
}
END_TEST

START_TEST(test_a_field_a_right_reply_lacks_fails)
{
    /* A Response with a field the check does not expect (here field 2000, a varint, after
     * the body) is decoded whole rather than passed unread. */
    Reno__StatusReply reply = RENO__STATUS_REPLY__INIT;
    Reno__ProjectStatus p1 = RENO__PROJECT_STATUS__INIT;
    Reno__ProjectStatus *projects[1] = {&p1};
    reply.as_of = (char *)"2022-06-30";
    reply.position = 42;
    reply.n_projects = 1;
    reply.projects = projects;
    uint8_t inner[512];
    size_t n = reno__status_reply__pack(&reply, inner);
    uint8_t resp[600], msg[700];
    size_t r = 0;
    resp[r++] = 0x08; /* id = 7 */
    resp[r++] = 7;
    resp[r++] = (uint8_t)((21 << 3) | 2) | 0x80; /* status_reply, field 21: two key bytes */
    resp[r++] = (uint8_t)(21 >> 4);
    ck_assert_uint_lt(n, 128);
    resp[r++] = (uint8_t)n;
    memcpy(resp + r, inner, n);
    r += n;
    size_t right = r;
    resp[r++] = (uint8_t)(((2000 << 3) & 0x7f) | 0x80); /* field 2000, varint 1 */
    resp[r++] = (uint8_t)((2000 << 3) >> 7);
    resp[r++] = 0x01;
    struct wire_reply out;
    for (int extra = 0; extra < 2; extra++) {
        size_t len = extra ? r : right;
        size_t m = 0;
        msg[m++] = 0x0a; /* response, field 1 */
        msg[m++] = (uint8_t)(len | 0x80);
        msg[m++] = (uint8_t)(len >> 7);
        memcpy(msg + m, resp, len);
        m += len;
        ck_assert_int_eq(wire_check_reply(msg, m, &want_status, &out), !extra);
    }
}
END_TEST

START_TEST(test_an_event_fails)
{
    Reno__Resync resync = RENO__RESYNC__INIT;
    resync.reason = (char *)"behind";
    Reno__Event ev = RENO__EVENT__INIT;
    ev.body_case = RENO__EVENT__BODY_RESYNC;
    ev.resync = &resync;
    Reno__ServerMessage m = RENO__SERVER_MESSAGE__INIT;
    m.kind_case = RENO__SERVER_MESSAGE__KIND_EVENT;
    m.event = &ev;
    uint8_t buf[256];
    size_t len = reno__server_message__pack(&m, buf);
    struct wire_reply out;
    ck_assert(!wire_check_reply(buf, len, &want_status, &out));
}
END_TEST

START_TEST(test_extra_or_cut_bytes_fail)
{
    struct packed p = status_frame(7, "2022-06-30", 42, 2, NULL);
    struct wire_reply out;
    ck_assert(wire_check_reply(p.data, p.len, &want_status, &out));
    /* Every cut of the frame fails: a length that runs past the end is malformed. */
    for (size_t n = 0; n < p.len; n++)
        ck_assert_msg(!wire_check_reply(p.data, n, &want_status, &out), "a cut at %zu passed", n);
    /* A well-formed second top-level field after the response (field 2 as a varint, 1) is
     * not one ServerMessage with only a response; with its value cut it is malformed. */
    p.data[p.len] = 0x10;
    p.data[p.len + 1] = 0x01;
    ck_assert(!wire_check_reply(p.data, p.len + 2, &want_status, &out));
    ck_assert(!wire_check_reply(p.data, p.len + 1, &want_status, &out));
    /* A key of field number 0 is malformed. */
    uint8_t zero[] = {0x00, 0x00};
    ck_assert(!wire_check_reply(zero, sizeof zero, &want_status, &out));
    free(p.data);
}
END_TEST

Suite *wire_check_suite(void)
{
    Suite *s = suite_create("wire_check");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_right_status_passes_with_its_id);
    tcase_add_test(tc, test_wrong_status_fails);
    tcase_add_test(tc, test_pong_passes_and_carries_its_nonce);
    tcase_add_test(tc, test_a_field_a_right_reply_lacks_fails);
    tcase_add_test(tc, test_an_event_fails);
    tcase_add_test(tc, test_extra_or_cut_bytes_fail);
    suite_add_tcase(s, tc);
    return s;
}
