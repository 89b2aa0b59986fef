/*
 * Tests for common/msg: every field check of every request body (missing, negative, too
 * large, wrong key length, bad and future dates, invalid UTF-8), the round trip of a
 * request through msg_pack_frame(), frame_peek() and msg_unpack_request(), and the
 * budgeted allocator: a message that needs more than its budget does not unpack, and
 * whatever happens the budget's count returns to zero, so nothing leaks.
 *
 * Request has no enum-typed field, so there is no unknown-enum case to test; an unknown
 * body (a field number this version does not know) is tested instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "frame.h"
#include "msg.h"
#include "probe.h"
#include "unit.h"

/* A budget large enough for any message the tests build. */
#define BIG_BUDGET (8u << 20)

/* A valid request of every kind, each body pointing into this struct. */
struct fixture {
    Reno__Request req;
    Reno__Hello hello;
    Reno__Login login;
    Reno__Resume resume;
    Reno__Logout logout;
    Reno__Ping ping;
    Reno__PushProgress push;
    Reno__GetStatus status;
    uint8_t key[MSG_IDEMPOTENCY_KEY_BYTES + 1];
    char token[MSG_TOKEN_HEX + 2];
    char text[4096]; /* for strings a test builds */
};

static struct fixture fx;
static struct msg_fault fault;
static int32_t today;

static int32_t day_of(const char *text)
{
    int32_t days = 0;
    ck_assert_msg(date_parse(text, &days), "'%s' refused", text);
    return days;
}

static void setup(void)
{
    memset(&fx, 0, sizeof fx);
    memset(&fault, 0, sizeof fault);
    today = day_of("2022-06-01");

    reno__request__init(&fx.req);
    fx.req.id = 42;
    reno__hello__init(&fx.hello);
    fx.hello.protocol_version = RENO_PROTOCOL_VERSION;
    fx.hello.client_name = "reno-test 0.1";
    reno__login__init(&fx.login);
    fx.login.username = "jiansheju";
    fx.login.password = "correct horse battery staple";
    reno__resume__init(&fx.resume);
    for (int i = 0; i < MSG_TOKEN_HEX; i++)
        fx.token[i] = "0123456789abcdef"[i % 16];
    fx.resume.token = fx.token;
    reno__logout__init(&fx.logout);
    reno__ping__init(&fx.ping);
    fx.ping.nonce = 7;
    reno__push_progress__init(&fx.push);
    for (int i = 0; i < MSG_IDEMPOTENCY_KEY_BYTES; i++)
        fx.key[i] = (uint8_t)(0xa0 + i);
    fx.push.idempotency_key.data = fx.key;
    fx.push.idempotency_key.len = MSG_IDEMPOTENCY_KEY_BYTES;
    fx.push.project_id = 1;
    fx.push.report_date = "2022-03-31";
    fx.push.households_started = 201;
    fx.push.households_completed = 0;
    fx.push.note = "首批开工 (first households started)";
    reno__get_status__init(&fx.status);
    fx.status.as_of = "2022-04-14";
}

static void use_hello(void)
{
    fx.req.body_case = RENO__REQUEST__BODY_HELLO;
    fx.req.hello = &fx.hello;
}

static void use_login(void)
{
    fx.req.body_case = RENO__REQUEST__BODY_LOGIN;
    fx.req.login = &fx.login;
}

static void use_resume(void)
{
    fx.req.body_case = RENO__REQUEST__BODY_RESUME;
    fx.req.resume = &fx.resume;
}

static void use_push(void)
{
    fx.req.body_case = RENO__REQUEST__BODY_PUSH_PROGRESS;
    fx.req.push_progress = &fx.push;
}

static void use_status(void)
{
    fx.req.body_case = RENO__REQUEST__BODY_GET_STATUS;
    fx.req.get_status = &fx.status;
}

/* Fills fx.text with n copies of a byte and returns it. */
static char *text_of(size_t n, char c)
{
    ck_assert_uint_lt(n, sizeof fx.text);
    memset(fx.text, c, n);
    fx.text[n] = '\0';
    return fx.text;
}

#define expect_ok()                                                                                \
    ck_assert_msg(msg_check_request(&fx.req, today, &fault), "refused: %s (%s)", fault.message,    \
                  fault.field)

#define expect_fault(path)                                                                         \
    do {                                                                                           \
        memset(&fault, 0, sizeof fault);                                                           \
        ck_assert_msg(!msg_check_request(&fx.req, today, &fault), "accepted, expected %s", path);  \
        ck_assert_int_eq(fault.code, RENO__STATUS_CODE__BAD_REQUEST);                              \
        ck_assert_str_eq(fault.field, path);                                                       \
        ck_assert_uint_gt(strlen(fault.message), 0);                                               \
    } while (0)

/* Invalid UTF-8: overlong '/', a surrogate, a truncated sequence, and more. */
static const char *const bad_utf8[] = {
    "\xc0\xaf",             /* overlong two-byte form of '/' */
    "\xe0\x80\xaf",         /* overlong three-byte form */
    "\xf0\x80\x80\xaf",     /* overlong four-byte form */
    "\xed\xa0\x80",         /* U+D800, a surrogate */
    "\xed\xbf\xbf",         /* U+DFFF */
    "ab\xe4\xb8",           /* truncated three-byte sequence at the end */
    "\xe4\xb8\x61",         /* truncated in the middle, before an "a" */
    "\x80",                 /* a lone continuation byte */
    "\xf4\x90\x80\x80",     /* past U+10FFFF */
    "\xf8\x88\x80\x80\x80", /* a five-byte form */
    "\xff",
};
#define BAD_UTF8_COUNT (sizeof bad_utf8 / sizeof bad_utf8[0])

START_TEST(test_utf8)
{
    ck_assert(msg_valid_utf8("", 0));
    ck_assert(msg_valid_utf8("plain", 5));
    ck_assert(msg_valid_utf8("紫云", strlen("紫云")));
    ck_assert(msg_valid_utf8("\xc2\x80", 2));         /* U+0080, the first two-byte value */
    ck_assert(msg_valid_utf8("\xef\xbf\xbf", 3));     /* U+FFFF */
    ck_assert(msg_valid_utf8("\xf0\x9f\x8f\xa0", 4)); /* U+1F3E0, a house */
    ck_assert(msg_valid_utf8("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF, the last value */
    ck_assert(msg_valid_utf8("\xed\x9f\xbf", 3));     /* U+D7FF, just below the surrogates */
    ck_assert(!msg_valid_utf8("a\0b", 3));
    for (size_t i = 0; i < BAD_UTF8_COUNT; i++)
        ck_assert_msg(!msg_valid_utf8(bad_utf8[i], strlen(bad_utf8[i])), "bad_utf8[%zu]", i);
    /* The length given is respected: a valid prefix of a longer buffer is valid. */
    ck_assert(msg_valid_utf8("ab\xff", 2));
    ck_assert(!msg_valid_utf8("\xe4\xb8\xad", 2));
}
END_TEST

START_TEST(test_hello)
{
    use_hello();
    expect_ok();
    fx.hello.protocol_version = 0;
    expect_fault("hello.protocol_version");
    fx.hello.protocol_version = RENO_PROTOCOL_VERSION + 1;
    expect_fault("hello.protocol_version");
    fx.hello.protocol_version = UINT32_MAX;
    expect_fault("hello.protocol_version");
    fx.hello.protocol_version = RENO_PROTOCOL_VERSION;

    /* The client name is optional, at most 64 bytes, and UTF-8. */
    fx.hello.client_name = "";
    expect_ok();
    fx.hello.client_name = NULL;
    expect_ok();
    fx.hello.client_name = text_of(MSG_MAX_CLIENT_NAME, 'n');
    expect_ok();
    fx.hello.client_name = text_of(MSG_MAX_CLIENT_NAME + 1, 'n');
    expect_fault("hello.client_name");
    for (size_t i = 0; i < BAD_UTF8_COUNT; i++) {
        fx.hello.client_name = (char *)bad_utf8[i];
        expect_fault("hello.client_name");
    }
}
END_TEST

START_TEST(test_login)
{
    use_login();
    expect_ok();
    fx.login.username = "";
    expect_fault("login.username");
    fx.login.username = NULL;
    expect_fault("login.username");
    fx.login.username = text_of(MSG_MAX_USERNAME, 'u');
    expect_ok();
    fx.login.username = text_of(MSG_MAX_USERNAME + 1, 'u');
    expect_fault("login.username");
    fx.login.username = (char *)bad_utf8[0];
    expect_fault("login.username");
    fx.login.username = "办公室";
    expect_ok();

    fx.login.password = "";
    expect_fault("login.password");
    fx.login.password = NULL;
    expect_fault("login.password");
    fx.login.password = text_of(MSG_MAX_PASSWORD, 'p');
    expect_ok();
    fx.login.password = text_of(MSG_MAX_PASSWORD + 1, 'p');
    expect_fault("login.password");
    for (size_t i = 0; i < BAD_UTF8_COUNT; i++) {
        fx.login.password = (char *)bad_utf8[i];
        expect_fault("login.password");
    }
}
END_TEST

START_TEST(test_resume)
{
    use_resume();
    expect_ok();
    /* Either case of hex digit is a token. */
    for (int i = 0; i < MSG_TOKEN_HEX; i++)
        fx.token[i] = "0123456789ABCDEF"[i % 16];
    expect_ok();
    fx.token[MSG_TOKEN_HEX - 1] = '\0';
    expect_fault("resume.token");
    fx.token[MSG_TOKEN_HEX - 1] = 'a';
    fx.token[MSG_TOKEN_HEX] = 'a';
    expect_fault("resume.token");
    fx.token[MSG_TOKEN_HEX] = '\0';
    /* A bad digit is refused in either half of a byte. */
    fx.token[10] = 'g';
    expect_fault("resume.token");
    fx.token[10] = '0';
    fx.token[11] = ' ';
    expect_fault("resume.token");
    fx.token[11] = '0';
    expect_ok();
    fx.resume.token = "";
    expect_fault("resume.token");
    fx.resume.token = NULL;
    expect_fault("resume.token");
}
END_TEST

START_TEST(test_logout_and_ping)
{
    fx.req.body_case = RENO__REQUEST__BODY_LOGOUT;
    fx.req.logout = &fx.logout;
    expect_ok();
    fx.req.body_case = RENO__REQUEST__BODY_PING;
    fx.req.ping = &fx.ping;
    expect_ok();
}
END_TEST

START_TEST(test_push_key)
{
    use_push();
    static const size_t bad_lengths[] = {0, 1, 15, 17, 32};
    for (size_t i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; i++) {
        fx.push.idempotency_key.len = bad_lengths[i];
        expect_fault("push_progress.idempotency_key");
    }
    fx.push.idempotency_key.len = 0;
    fx.push.idempotency_key.data = NULL;
    expect_fault("push_progress.idempotency_key");
    fx.push.idempotency_key.data = fx.key;
    fx.push.idempotency_key.len = MSG_IDEMPOTENCY_KEY_BYTES;
    expect_ok();
}
END_TEST

START_TEST(test_push_project)
{
    use_push();
    fx.push.project_id = 0;
    expect_fault("push_progress.project_id");
    fx.push.project_id = -1;
    expect_fault("push_progress.project_id");
    fx.push.project_id = INT64_MIN;
    expect_fault("push_progress.project_id");
    fx.push.project_id = INT64_MAX;
    expect_ok();
}
END_TEST

START_TEST(test_push_date)
{
    use_push();
    static const char *const bad[] = {"",           "2022-3-1",   "2022-03-01x", "abcd-ef-gh",
                                      "2022-02-29", "2022-04-31", "1899-12-31",  "2022/03/31",
                                      "2022-06-02", "2022-12-31", "2999-12-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx.push.report_date = (char *)bad[i];
        expect_fault("push_progress.report_date");
    }
    fx.push.report_date = NULL;
    expect_fault("push_progress.report_date");

    /* Today is the last date allowed; a report of tomorrow is in the future. */
    fx.push.report_date = "2022-06-01";
    expect_ok();
    fx.push.report_date = "2022-06-02";
    expect_fault("push_progress.report_date");
    ck_assert_ptr_nonnull(strstr(fault.message, "future"));
    fx.push.report_date = "1900-01-01";
    expect_ok();
}
END_TEST

START_TEST(test_push_households)
{
    use_push();
    fx.push.households_started = -1;
    expect_fault("push_progress.households_started");
    fx.push.households_started = INT32_MIN;
    expect_fault("push_progress.households_started");
    fx.push.households_started = MSG_MAX_HOUSEHOLDS + 1;
    expect_fault("push_progress.households_started");
    fx.push.households_started = INT32_MAX;
    expect_fault("push_progress.households_started");
    fx.push.households_started = MSG_MAX_HOUSEHOLDS;
    expect_ok();
    fx.push.households_started = 0;
    expect_ok();

    fx.push.households_started = 802;
    fx.push.households_completed = -1;
    expect_fault("push_progress.households_completed");
    fx.push.households_completed = MSG_MAX_HOUSEHOLDS + 1;
    expect_fault("push_progress.households_completed");
    fx.push.households_completed = 802;
    expect_ok();

    /* Completed may not exceed started; the message names both numbers. */
    fx.push.households_completed = 803;
    expect_fault("push_progress.households_completed");
    ck_assert_ptr_nonnull(strstr(fault.message, "803"));
    ck_assert_ptr_nonnull(strstr(fault.message, "802"));
    fx.push.households_started = 0;
    fx.push.households_completed = 1;
    expect_fault("push_progress.households_completed");
}
END_TEST

START_TEST(test_push_note)
{
    use_push();
    fx.push.note = "";
    expect_ok();
    fx.push.note = NULL;
    expect_ok();
    fx.push.note = text_of(MSG_MAX_NOTE, 'x');
    expect_ok();
    fx.push.note = text_of(MSG_MAX_NOTE + 1, 'x');
    expect_fault("push_progress.note");
    ck_assert_ptr_nonnull(strstr(fault.message, "2001"));

    /* The limit is in bytes: 666 three-byte characters fit, 667 do not. */
    fx.text[0] = '\0';
    for (int i = 0; i < 666; i++)
        strcat(fx.text, "户");
    fx.push.note = fx.text;
    expect_ok();
    strcat(fx.text, "户");
    expect_fault("push_progress.note");

    for (size_t i = 0; i < BAD_UTF8_COUNT; i++) {
        fx.push.note = (char *)bad_utf8[i];
        expect_fault("push_progress.note");
    }
}
END_TEST

START_TEST(test_get_status)
{
    use_status();
    expect_ok();
    fx.status.as_of = "";
    expect_ok();
    fx.status.as_of = NULL;
    expect_ok();
    static const char *const bad[] = {"2022-3-1",   "2022-03-01x", "abcd-ef-gh",
                                      "2023-02-29", "20220601",    "2022-06-01 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx.status.as_of = (char *)bad[i];
        expect_fault("get_status.as_of");
    }
    /* Today is the last date status may be asked for: tomorrow is not known yet. */
    fx.status.as_of = "2022-06-01";
    expect_ok();
    fx.status.as_of = "2022-06-02";
    expect_fault("get_status.as_of");
    fx.status.as_of = "";
    /* The form: full (0) or compact, nothing else. */
    fx.status.form = RENO__STATUS_FORM__STATUS_FORM_COMPACT;
    expect_ok();
    fx.status.form = (Reno__StatusForm)2;
    expect_fault("get_status.form");
    fx.status.form = (Reno__StatusForm)-1;
    expect_fault("get_status.form");
}
END_TEST

START_TEST(test_no_body)
{
    fx.req.body_case = RENO__REQUEST__BODY__NOT_SET;
    expect_fault("body");
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(msg_status_name(RENO__STATUS_CODE__OK), "OK");
    ck_assert_str_eq(msg_status_name(RENO__STATUS_CODE__PERMISSION_DENIED), "PERMISSION_DENIED");
    ck_assert_str_eq(msg_status_name(RENO__STATUS_CODE__INTERNAL), "INTERNAL");
    ck_assert_str_eq(msg_status_name((Reno__StatusCode)99), "UNKNOWN");
    ck_assert_str_eq(msg_request_name(RENO__REQUEST__BODY_PUSH_PROGRESS), "push_progress");
    ck_assert_str_eq(msg_request_name(RENO__REQUEST__BODY_HELLO), "hello");
    ck_assert_str_eq(msg_request_name(RENO__REQUEST__BODY_GET_STATUS), "get_status");
    ck_assert_str_eq(msg_request_name(RENO__REQUEST__BODY__NOT_SET), "none");
}
END_TEST

/* Packs fx.req into a frame, finds it with frame_peek() and unpacks it under a budget. */
static Reno__Request *round_trip(struct msg_budget *budget)
{
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&fx.req.base, &frame_len);
    uint32_t payload_len = 0;
    ck_assert_int_eq(frame_peek(frame, frame_len, FRAME_DEFAULT_MAX, &payload_len), FRAME_READY);
    ck_assert_uint_eq(FRAME_HEADER_SIZE + (size_t)payload_len, frame_len);
    /* One byte short of the whole frame is not yet a frame. */
    ck_assert_int_eq(frame_peek(frame, frame_len - 1, FRAME_DEFAULT_MAX, &payload_len),
                     FRAME_NEED_MORE);
    Reno__Request *req = msg_unpack_request(budget, frame + FRAME_HEADER_SIZE, payload_len);
    free(frame);
    ck_assert_ptr_nonnull(req);
    ck_assert_uint_gt(budget->used, 0);
    ck_assert_uint_eq(req->id, 42);
    ck_assert_int_eq(req->body_case, fx.req.body_case);
    ck_assert(msg_check_request(req, today, &fault));
    return req;
}

START_TEST(test_round_trip)
{
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);

    use_hello();
    Reno__Request *req = round_trip(&budget);
    ck_assert_uint_eq(req->hello->protocol_version, RENO_PROTOCOL_VERSION);
    ck_assert_str_eq(req->hello->client_name, fx.hello.client_name);
    msg_free_request(&budget, req);
    ck_assert_uint_eq(budget.used, 0);

    use_login();
    req = round_trip(&budget);
    ck_assert_str_eq(req->login->username, fx.login.username);
    ck_assert_str_eq(req->login->password, fx.login.password);
    msg_free_request(&budget, req);

    use_resume();
    req = round_trip(&budget);
    ck_assert_str_eq(req->resume->token, fx.token);
    msg_free_request(&budget, req);

    use_push();
    req = round_trip(&budget);
    ck_assert_uint_eq(req->push_progress->idempotency_key.len, MSG_IDEMPOTENCY_KEY_BYTES);
    ck_assert_int_eq(
        memcmp(req->push_progress->idempotency_key.data, fx.key, MSG_IDEMPOTENCY_KEY_BYTES), 0);
    ck_assert_int_eq(req->push_progress->project_id, 1);
    ck_assert_str_eq(req->push_progress->report_date, "2022-03-31");
    ck_assert_int_eq(req->push_progress->households_started, 201);
    ck_assert_int_eq(req->push_progress->households_completed, 0);
    ck_assert_str_eq(req->push_progress->note, fx.push.note);
    msg_free_request(&budget, req);

    use_status();
    req = round_trip(&budget);
    ck_assert_str_eq(req->get_status->as_of, "2022-04-14");
    msg_free_request(&budget, req);

    fx.req.body_case = RENO__REQUEST__BODY_PING;
    fx.req.ping = &fx.ping;
    req = round_trip(&budget);
    ck_assert_uint_eq(req->ping->nonce, 7);
    msg_free_request(&budget, req);

    ck_assert_uint_eq(budget.used, 0);
    msg_free_request(&budget, NULL);
}
END_TEST

START_TEST(test_unpack_garbage)
{
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);
    static const uint8_t garbage[][6] = {
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* a varint that never ends */
        {0x52, 0x7f, 0x00, 0x00, 0x00, 0x00}, /* hello announcing 127 bytes, 4 present */
        {0x0f, 0x00, 0x00, 0x00, 0x00, 0x00}, /* wire type 7 does not exist */
        {0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* field number 0 */
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        ck_assert_ptr_null(msg_unpack_request(&budget, garbage[i], sizeof garbage[i]));
        ck_assert_uint_eq(budget.used, 0);
    }
    /* No bytes at all are a Request with nothing set, which the checks refuse. */
    Reno__Request *req = msg_unpack_request(&budget, garbage[0], 0);
    ck_assert_ptr_nonnull(req);
    ck_assert_int_eq(req->body_case, RENO__REQUEST__BODY__NOT_SET);
    ck_assert(!msg_check_request(req, today, &fault));
    ck_assert_str_eq(fault.field, "body");
    msg_free_request(&budget, req);
    ck_assert_uint_eq(budget.used, 0);
}
END_TEST

START_TEST(test_unknown_body)
{
    /* Field 15 (varint) and field 1999 (bytes) are bodies a later protocol might add. */
    static const uint8_t unknown_varint[] = {0x08, 0x05, 0x78, 0x01};
    static const uint8_t unknown_bytes[] = {0x08, 0x05, 0xfa, 0x7c, 0x02, 0x08, 0x01};
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);
    Reno__Request *req = msg_unpack_request(&budget, unknown_varint, sizeof unknown_varint);
    ck_assert_ptr_nonnull(req);
    ck_assert_uint_eq(req->id, 5);
    ck_assert(!msg_check_request(req, today, &fault));
    ck_assert_str_eq(fault.field, "body");
    msg_free_request(&budget, req);
    req = msg_unpack_request(&budget, unknown_bytes, sizeof unknown_bytes);
    ck_assert_ptr_nonnull(req);
    ck_assert(!msg_check_request(req, today, &fault));
    ck_assert_str_eq(fault.field, "body");
    msg_free_request(&budget, req);
    ck_assert_uint_eq(budget.used, 0);
}
END_TEST

START_TEST(test_two_bodies_last_wins)
{
    /* Protobuf merges concatenated messages: of two oneof members the last one stays. */
    size_t hello_len, login_len;
    use_hello();
    uint8_t *hello = msg_pack_frame(&fx.req.base, &hello_len);
    use_login();
    uint8_t *login = msg_pack_frame(&fx.req.base, &login_len);
    size_t len = hello_len - FRAME_HEADER_SIZE + login_len - FRAME_HEADER_SIZE;
    uint8_t *both = malloc(len);
    ck_assert_ptr_nonnull(both);
    memcpy(both, hello + FRAME_HEADER_SIZE, hello_len - FRAME_HEADER_SIZE);
    memcpy(both + hello_len - FRAME_HEADER_SIZE, login + FRAME_HEADER_SIZE,
           login_len - FRAME_HEADER_SIZE);
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);
    Reno__Request *req = msg_unpack_request(&budget, both, len);
    ck_assert_ptr_nonnull(req);
    ck_assert_int_eq(req->body_case, RENO__REQUEST__BODY_LOGIN);
    ck_assert_str_eq(req->login->username, fx.login.username);
    msg_free_request(&budget, req);
    ck_assert_uint_eq(budget.used, 0);
    free(both);
    free(hello);
    free(login);
}
END_TEST

START_TEST(test_embedded_nul_stays_within_limits)
{
    /*
     * protobuf-c hands strings over NUL-terminated, so a NUL inside a note on the wire cuts
     * what the checks and the handler see. Whatever the cut, what they see is within the
     * limits: at most MSG_MAX_NOTE bytes of valid UTF-8.
     */
    use_push();
    fx.push.note = text_of(3000, 'x');
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&fx.req.base, &frame_len);
    uint8_t *note = memmem(frame, frame_len, fx.text, 3000);
    ck_assert_ptr_nonnull(note);
    note[10] = '\0';
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);
    Reno__Request *req =
        msg_unpack_request(&budget, frame + FRAME_HEADER_SIZE, frame_len - FRAME_HEADER_SIZE);
    free(frame);
    if (req != NULL) {
        if (msg_check_request(req, today, &fault)) {
            const char *seen = req->push_progress->note;
            ck_assert_uint_le(strlen(seen), MSG_MAX_NOTE);
            ck_assert(msg_valid_utf8(seen, strlen(seen)));
        }
        msg_free_request(&budget, req);
    }
    ck_assert_uint_eq(budget.used, 0);
}
END_TEST

/* Packs fx.req and returns its payload (without the frame header) in a new buffer. */
static uint8_t *packed_payload(size_t *len)
{
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&fx.req.base, &frame_len);
    *len = frame_len - FRAME_HEADER_SIZE;
    memmove(frame, frame + FRAME_HEADER_SIZE, *len);
    return frame;
}

START_TEST(test_budget_too_small)
{
    use_push();
    fx.push.note = text_of(MSG_MAX_NOTE, 'n');
    size_t len = 0;
    uint8_t *payload = packed_payload(&len);
    struct msg_budget budget;
    msg_budget_init(&budget, 1000);
    ck_assert_ptr_null(msg_unpack_request(&budget, payload, len));
    ck_assert_uint_eq(budget.used, 0);
    msg_budget_init(&budget, 0);
    ck_assert_ptr_null(msg_unpack_request(&budget, payload, len));
    ck_assert_uint_eq(budget.used, 0);
    free(payload);
}
END_TEST

START_TEST(test_budget_every_limit)
{
    /*
     * Every budget below what the message needs fails, at whichever allocation it runs
     * out, and each failure gives back everything it took; the first budget that is enough
     * succeeds and is given back in full by msg_free_request().
     */
    use_push();
    fx.push.note = text_of(MSG_MAX_NOTE, 'n');
    size_t len = 0;
    uint8_t *payload = packed_payload(&len);
    struct msg_budget budget;
    size_t limit = 0;
    Reno__Request *req = NULL;
    for (; limit <= 2 * len + 4096; limit++) {
        msg_budget_init(&budget, limit);
        req = msg_unpack_request(&budget, payload, len);
        if (req != NULL)
            break;
        ck_assert_msg(budget.used == 0, "limit %zu: %zu bytes still counted", limit, budget.used);
    }
    ck_assert_ptr_nonnull(req);
    ck_assert_uint_gt(limit, MSG_MAX_NOTE);
    ck_assert_uint_le(budget.used, limit);
    ck_assert_uint_eq(strlen(req->push_progress->note), MSG_MAX_NOTE);
    msg_free_request(&budget, req);
    ck_assert_uint_eq(budget.used, 0);
    free(payload);
}
END_TEST

START_TEST(test_budget_unknown_field_flood)
{
    /* 64 KiB of one-byte unknown fields would cost far more than 64 KiB to keep. */
    size_t len = 64 * 1024;
    uint8_t *payload = malloc(len);
    ck_assert_ptr_nonnull(payload);
    for (size_t i = 0; i < len; i += 2) {
        payload[i] = 0x78; /* field 15, varint */
        payload[i + 1] = 0x01;
    }
    struct msg_budget budget;
    msg_budget_init(&budget, 64 * 1024);
    ck_assert_ptr_null(msg_unpack_request(&budget, payload, len));
    ck_assert_uint_eq(budget.used, 0);
    free(payload);
}
END_TEST

START_TEST(test_server_message_round_trip)
{
    /* A StatusReply with many projects fits a large budget and not a small one. */
    enum { PROJECTS = 200 };
    Reno__ProjectStatus projects[PROJECTS];
    Reno__ProjectStatus *project_ptrs[PROJECTS];
    for (int i = 0; i < PROJECTS; i++) {
        reno__project_status__init(&projects[i]);
        projects[i].project_id = i + 1;
        projects[i].name = "Hongqi community";
        projects[i].households = 401;
        project_ptrs[i] = &projects[i];
    }
    Reno__RuleCheck rule = RENO__RULE_CHECK__INIT;
    rule.code = "start_share";
    rule.verdict = RENO__VERDICT__VERDICT_MET;
    rule.required = 201;
    Reno__RuleCheck *rule_ptrs[1] = {&rule};
    Reno__StatusReply reply = RENO__STATUS_REPLY__INIT;
    reply.programme_code = "ziyun-2022";
    reply.target_households = 802;
    reply.n_projects = PROJECTS;
    reply.projects = project_ptrs;
    reply.n_rules = 1;
    reply.rules = rule_ptrs;
    Reno__Status status = RENO__STATUS__INIT;
    Reno__Response response = RENO__RESPONSE__INIT;
    response.id = 9;
    response.status = &status;
    response.body_case = RENO__RESPONSE__BODY_STATUS_REPLY;
    response.status_reply = &reply;
    Reno__ServerMessage message = RENO__SERVER_MESSAGE__INIT;
    message.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
    message.response = &response;

    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&message.base, &frame_len);
    struct msg_budget budget;
    msg_budget_init(&budget, 4096);
    ck_assert_ptr_null(
        msg_unpack_server(&budget, frame + FRAME_HEADER_SIZE, frame_len - FRAME_HEADER_SIZE));
    ck_assert_uint_eq(budget.used, 0);

    msg_budget_init(&budget, BIG_BUDGET);
    Reno__ServerMessage *back =
        msg_unpack_server(&budget, frame + FRAME_HEADER_SIZE, frame_len - FRAME_HEADER_SIZE);
    free(frame);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(back->kind_case, RENO__SERVER_MESSAGE__KIND_RESPONSE);
    ck_assert_uint_eq(back->response->id, 9);
    ck_assert_int_eq(back->response->status->code, RENO__STATUS_CODE__OK);
    ck_assert_int_eq(back->response->body_case, RENO__RESPONSE__BODY_STATUS_REPLY);
    Reno__StatusReply *got = back->response->status_reply;
    ck_assert_uint_eq(got->n_projects, PROJECTS);
    ck_assert_int_eq(got->projects[PROJECTS - 1]->project_id, PROJECTS);
    ck_assert_uint_eq(got->n_rules, 1);
    ck_assert_str_eq(got->rules[0]->code, "start_share");
    ck_assert_int_eq(got->rules[0]->required, 201);
    msg_free_server(&budget, back);
    ck_assert_uint_eq(budget.used, 0);
    msg_free_server(&budget, NULL);
}
END_TEST

/* Packs fx.req with the first `marker` byte in its text replaced by `byte`, and runs
 * msg_check_wire() on it. */
static bool wire_check_with(const char *marker, uint8_t byte)
{
    size_t len = 0;
    uint8_t *payload = packed_payload(&len);
    uint8_t *at = memmem(payload, len, marker, strlen(marker));
    ck_assert_ptr_nonnull(at);
    *at = byte;
    memset(&fault, 0, sizeof fault);
    bool ok = msg_check_wire(payload, len, &fault);
    free(payload);
    return ok;
}

#define expect_wire_fault(marker, byte, path)                                                      \
    do {                                                                                           \
        ck_assert_msg(!wire_check_with(marker, byte), "byte 0x%02x accepted in %s", byte, path);   \
        ck_assert_int_eq(fault.code, RENO__STATUS_CODE__BAD_REQUEST);                              \
        ck_assert_str_eq(fault.field, path);                                                       \
    } while (0)

START_TEST(test_pack_over_max_is_refused)
{
    /* A message over the limit is refused, not fatal, and its size is reported. */
    use_push();
    fx.push.note = text_of(MSG_MAX_NOTE, 'n');
    size_t len = 0;
    uint8_t *frame = msg_pack_frame_max(&fx.req.base, 100, &len);
    ck_assert_ptr_null(frame);
    ck_assert_uint_gt(len, MSG_MAX_NOTE);
    size_t needed = len - FRAME_HEADER_SIZE;
    frame = msg_pack_frame_max(&fx.req.base, needed, &len);
    ck_assert_ptr_nonnull(frame);
    ck_assert_uint_eq(len, needed + FRAME_HEADER_SIZE);
    free(frame);
    ck_assert_ptr_null(msg_pack_frame_max(&fx.req.base, needed - 1, &len));
}
END_TEST

START_TEST(test_wire_nul)
{
    /* "office\0zzz" must not become "office", nor a password or a note cut short. */
    use_login();
    fx.login.username = "office#zzz";
    fx.login.password = "secret%junk";
    ck_assert(wire_check_with("#", '_'));
    expect_wire_fault("#", 0, "login.username");
    fx.login.username = "office";
    expect_wire_fault("%", 0, "login.password");
    use_push();
    fx.push.note = "same#AAA";
    expect_wire_fault("#", 0, "push_progress.note");
    use_hello();
    fx.hello.client_name = "reno#x";
    expect_wire_fault("#", 0, "hello.client_name");
    /* What the unpacked request shows: the string cut at the NUL, which is why the check
     * reads the wire. */
    use_login();
    fx.login.username = "office#zzz";
    size_t len = 0;
    uint8_t *payload = packed_payload(&len);
    *(uint8_t *)memmem(payload, len, "#", 1) = 0;
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);
    Reno__Request *req = msg_unpack_request(&budget, payload, len);
    ck_assert_ptr_nonnull(req);
    ck_assert_str_eq(req->login->username, "office");
    msg_free_request(&budget, req);
    free(payload);
}
END_TEST

START_TEST(test_wire_controls)
{
    use_push();
    fx.push.note = "line one#line two\tcolumn";
    ck_assert_msg(wire_check_with("#", '\n'), "a note may keep its lines: %s", fault.message);
    expect_wire_fault("#", 0x1b, "push_progress.note"); /* ESC starts terminal sequences */
    ck_assert(wire_check_with("#", '\r'));              /* a CR LF line break */
    expect_wire_fault("#", 0x7f, "push_progress.note");
    expect_wire_fault("#", 0x01, "push_progress.note");
    /* U+009B, the one-character CSI, is valid UTF-8 and still a control. */
    fx.push.note = "csi \xc2\x9b[2J";
    size_t len = 0;
    uint8_t *payload = packed_payload(&len);
    ck_assert(!msg_check_wire(payload, len, &fault));
    ck_assert_str_eq(fault.field, "push_progress.note");
    free(payload);
    /* Invalid UTF-8 is refused on the wire too, whatever the field. */
    fx.push.note = "bad #";
    expect_wire_fault("#", 0xff, "push_progress.note");

    /* Names and codes are one line: no line break, no tab. */
    use_login();
    fx.login.username = "office#";
    ck_assert(wire_check_with("#", '-'));
    expect_wire_fault("#", '\n', "login.username");
    expect_wire_fault("#", '\t', "login.username");
    use_hello();
    fx.hello.client_name = "reno#x";
    expect_wire_fault("#", '\n', "hello.client_name");
    fx.hello.client_name = "reno 0.1 ☃ 紫云";
    ck_assert(wire_check_with("0", '1'));
}
END_TEST

START_TEST(test_wire_unknown_fields_skipped)
{
    /* An unknown field is skipped (it is dropped at unpacking), whatever its bytes; a
     * malformed length is refused rather than read past the end. */
    uint8_t unknown[] = {0x08, 0x05, 0xfa, 0x3e, 0x03, 'a', 0x00, 'b'}; /* id 5, field 999 */
    ck_assert(msg_check_wire(unknown, sizeof unknown, &fault));
    uint8_t past_end[] = {0x5a, 0x10, 0x0a, 0x02, 'o', 'k'}; /* login, length 16 of 4 */
    ck_assert(!msg_check_wire(past_end, sizeof past_end, &fault));
    uint8_t group[] = {0x0b, 0x0c};
    ck_assert(!msg_check_wire(group, sizeof group, &fault));
}
END_TEST

struct probe_counts {
    size_t refused;
    size_t wrong_path;
    char first_wrong[200];
};

static void probe_one(const struct probe *p, void *arg)
{
    struct probe_counts *counts = arg;
    const uint8_t bytes[] = {0x00, 0x1b, 0x07};
    for (size_t i = 0; i < sizeof bytes; i++) {
        size_t len = 0;
        uint8_t *frame = probe_frame(p, 1, bytes[i], &len);
        struct msg_fault f;
        memset(&f, 0, sizeof f);
        if (!msg_check_wire(frame + FRAME_HEADER_SIZE, len - FRAME_HEADER_SIZE, &f)) {
            counts->refused++;
            if (strcmp(f.field, p->path) != 0 && counts->wrong_path++ == 0)
                snprintf(counts->first_wrong, sizeof counts->first_wrong, "%s named %s", p->path,
                         f.field);
        }
        free(frame);
    }
}

START_TEST(test_wire_every_string_field)
{
    /* NUL, ESC and BEL in every string field of every request body, nested ones too,
     * found through the descriptors: each refused, naming that field. */
    struct probe_counts counts = {0};
    size_t fields = probe_each_string(probe_one, &counts);
    ck_assert_uint_gt(fields, 50);
    ck_assert_uint_eq(counts.refused, 3 * fields);
    ck_assert_msg(counts.wrong_path == 0, "%zu wrong paths, e.g. %s", counts.wrong_path,
                  counts.first_wrong);
}
END_TEST

START_TEST(test_unknown_fields_dropped)
{
    /* A newer client's extra field, inside the body: unpacked, it is gone, and the body
     * packs to the same bytes as without it (the idempotency digest's input). */
    use_push();
    uint8_t extra_value = 7;
    ProtobufCMessageUnknownField extra = {
        .tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT, .len = 1, .data = &extra_value};
    size_t plain_len = reno__push_progress__get_packed_size(&fx.push);
    uint8_t *plain = malloc(plain_len);
    reno__push_progress__pack(&fx.push, plain);
    fx.push.base.n_unknown_fields = 1;
    fx.push.base.unknown_fields = &extra;
    size_t len = 0;
    uint8_t *payload = packed_payload(&len);
    fx.push.base.n_unknown_fields = 0;
    fx.push.base.unknown_fields = NULL;
    struct msg_budget budget;
    msg_budget_init(&budget, BIG_BUDGET);
    Reno__Request *req = msg_unpack_request(&budget, payload, len);
    ck_assert_ptr_nonnull(req);
    ck_assert_uint_eq(req->push_progress->base.n_unknown_fields, 0);
    size_t again_len = reno__push_progress__get_packed_size(req->push_progress);
    ck_assert_uint_eq(again_len, plain_len);
    uint8_t *again = malloc(again_len);
    reno__push_progress__pack(req->push_progress, again);
    ck_assert_mem_eq(again, plain, plain_len);
    msg_free_request(&budget, req);
    ck_assert_uint_eq(budget.used, 0);
    free(again);
    free(plain);
    free(payload);
}
END_TEST

/* A refusal's reason comes from the facts the RAISE gave (DETAIL, HINT), whatever its
 * English sentence says: rewording the message changes nothing the client shows. */
START_TEST(test_reason_of_db_reads_facts_not_words)
{
    struct msg_reason r;
    msg_reason_of_db("RN403", "report.issue", "领导小组办公室", "", &r);
    ck_assert_str_eq(r.reason, "not_allowed");
    ck_assert_int_eq(r.nargs, 2);
    ck_assert_str_eq(r.args[0], "report.issue");
    ck_assert_str_eq(r.args[1], "领导小组办公室");
    /* Nobody holds it: the right alone. No DETAIL: no arguments, not a parsed guess. */
    msg_reason_of_db("RN403", "tasks.write", "", "", &r);
    ck_assert_int_eq(r.nargs, 1);
    msg_reason_of_db("RN403", "", "", "", &r);
    ck_assert_str_eq(r.reason, "not_allowed");
    ck_assert_int_eq(r.nargs, 0);

    msg_reason_of_db("23514", "required", "YYYY-MM-DD", "round_date", &r);
    ck_assert_str_eq(r.reason, "required");
    ck_assert_int_eq(r.nargs, 2);
    ck_assert_str_eq(r.args[0], "round_date");
    ck_assert_str_eq(r.args[1], "YYYY-MM-DD");
    /* A check without DETAIL 'required' is some other fault of the value. */
    msg_reason_of_db("23514", "", "", "name", &r);
    ck_assert_str_eq(r.reason, "invalid");
    msg_reason_of_db("23502", "", "", "name", &r);
    ck_assert_str_eq(r.reason, "required");
    msg_reason_of_db("RN404", "", "", "project_id", &r);
    ck_assert_str_eq(r.reason, "not_found");
    ck_assert_str_eq(r.args[0], "project_id");
    msg_reason_of_db("23505", "", "", "", &r);
    ck_assert_str_eq(r.reason, "conflict");
    ck_assert_int_eq(r.nargs, 0);

    /* A RAISE that names its reason in DETAIL gives its arguments as HINT's lines, whatever
     * its SQLSTATE; a line too long is cut whole characters short. */
    msg_reason_of_db("RN409", "already_issued", "round\n2022-05-14\n紫改办〔2022〕7号", "replaces",
                     &r);
    ck_assert_str_eq(r.reason, "already_issued");
    ck_assert_int_eq(r.nargs, 3);
    ck_assert_str_eq(r.args[0], "round");
    ck_assert_str_eq(r.args[1], "2022-05-14");
    ck_assert_str_eq(r.args[2], "紫改办〔2022〕7号");
    msg_reason_of_db("RN403", "may_not_read", "", "", &r);
    ck_assert_str_eq(r.reason, "may_not_read");
    ck_assert_int_eq(r.nargs, 0);
    char longer[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(longer, "文");
    strcat(longer, "\na\nb\nc\nd\ne");
    msg_reason_of_db("23514", "doc_number_format", longer, "", &r);
    ck_assert_int_eq(r.nargs, MSG_REASON_ARGS);
    ck_assert_uint_eq(strlen(r.args[0]) % 3, 0);
    ck_assert(msg_valid_utf8(r.args[0], strlen(r.args[0])));
    ck_assert_str_eq(r.args[3], "c");
    /* Not a reason: a right (it has a dot), or text with capitals or spaces. */
    msg_reason_of_db("RN403", "Report issue", "", "", &r);
    ck_assert_str_eq(r.reason, "not_allowed");
}
END_TEST

Suite *msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *checks = tcase_create("checks");
    tcase_add_checked_fixture(checks, setup, NULL);
    tcase_add_test(checks, test_utf8);
    tcase_add_test(checks, test_hello);
    tcase_add_test(checks, test_login);
    tcase_add_test(checks, test_resume);
    tcase_add_test(checks, test_logout_and_ping);
    tcase_add_test(checks, test_push_key);
    tcase_add_test(checks, test_push_project);
    tcase_add_test(checks, test_push_date);
    tcase_add_test(checks, test_push_households);
    tcase_add_test(checks, test_push_note);
    tcase_add_test(checks, test_get_status);
    tcase_add_test(checks, test_no_body);
    tcase_add_test(checks, test_names);
    tcase_add_test(checks, test_reason_of_db_reads_facts_not_words);
    suite_add_tcase(s, checks);

    TCase *wire = tcase_create("wire");
    tcase_add_checked_fixture(wire, setup, NULL);
    tcase_set_timeout(wire, 60);
    tcase_add_test(wire, test_round_trip);
    tcase_add_test(wire, test_unpack_garbage);
    tcase_add_test(wire, test_unknown_body);
    tcase_add_test(wire, test_two_bodies_last_wins);
    tcase_add_test(wire, test_embedded_nul_stays_within_limits);
    tcase_add_test(wire, test_budget_too_small);
    tcase_add_test(wire, test_budget_every_limit);
    tcase_add_test(wire, test_budget_unknown_field_flood);
    tcase_add_test(wire, test_server_message_round_trip);
    tcase_add_test(wire, test_pack_over_max_is_refused);
    tcase_add_test(wire, test_wire_nul);
    tcase_add_test(wire, test_wire_controls);
    tcase_add_test(wire, test_wire_unknown_fields_skipped);
    tcase_add_test(wire, test_wire_every_string_field);
    tcase_add_test(wire, test_unknown_fields_dropped);
    suite_add_tcase(s, wire);
    return s;
}
