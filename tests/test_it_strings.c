/*
 * Strings are what they say, through the protocol: a NUL byte or a control character in
 * any string field of any request is refused as BAD_REQUEST naming the field (the fields
 * found through the descriptors, so a new one is covered without a change here), and the
 * connection stays usable; a NUL cannot make one username or note read as another. A
 * retry that carries a field this server does not know is a replay, not a reused key.
 * A constraint PostgreSQL enforces is reported by the field it guards, never by its name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "it.h"
#include "msg.h"
#include "probe.h"
#include "reflect.h"

static void send_raw(struct net_conn *c, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(net_fd(c), data, len);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "write: %s", strerror(errno));
        data += n;
        len -= (size_t)n;
    }
}

/* The next response on c, which must answer request `id`. */
static Reno__ServerMessage *response_to(struct net_conn *c, uint64_t id)
{
    Reno__ServerMessage *m = NULL;
    char err[NET_ERR_SIZE];
    ck_assert_msg(net_next(c, 10000, &m, err) == 0, "no reply to request %llu: %s",
                  (unsigned long long)id, err);
    ck_assert_msg(m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE,
                  "event %d for request %llu: %s",
                  m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT ? (int)m->event->body_case : -1,
                  (unsigned long long)id,
                  m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT && m->event->error
                      ? m->event->error->message
                      : "");
    ck_assert_uint_eq(m->response->id, id);
    return m;
}

/* Sends a Request after replacing the first byte of `marker` in its encoding by `byte`
 * (the marker is a few characters, so that it cannot be a length byte). */
static Reno__ServerMessage *call_with_byte(struct net_conn *c, Reno__Request *req,
                                           const char *marker, uint8_t byte)
{
    size_t len;
    uint8_t *frame = msg_pack_frame(&req->base, &len);
    uint8_t *at =
        memmem(frame + FRAME_HEADER_SIZE, len - FRAME_HEADER_SIZE, marker, strlen(marker));
    ck_assert_ptr_nonnull(at);
    *at = byte;
    send_raw(c, frame, len);
    free(frame);
    return response_to(c, req->id);
}

static void assert_refused(Reno__ServerMessage *m, const char *field)
{
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, field);
}

START_TEST(nul_username_or_password_does_not_log_in)
{
    struct net_conn *c = h_connect(&h_srv);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = "office#zzz";
    lg.password = "office-test-password";
    Reno__Request req = RENO__REQUEST__INIT;
    req.id = 1;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &lg;
    Reno__ServerMessage *m = call_with_byte(c, &req, "#zzz", 0);
    assert_refused(m, "login.username");
    net_free(c, m);
    lg.username = "office";
    lg.password = "office-test-password#junk";
    req.id = 2;
    m = call_with_byte(c, &req, "#junk", 0);
    assert_refused(m, "login.password");
    net_free(c, m);
    /* A line break in a username would forge a log line before login. */
    lg.username = "office#conn=1 account=office logged in";
    lg.password = "office-test-password";
    req.id = 3;
    m = call_with_byte(c, &req, "#conn", '\n');
    assert_refused(m, "login.username");
    net_free(c, m);
    /* Not logged in: a request that needs a session is refused. */
    Reno__GetStatus gs = RENO__GET_STATUS__INIT;
    m = h_call_body(c, RENO__REQUEST__BODY_GET_STATUS, &gs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    /* The connection is still usable: the real login works on it. */
    lg.username = "office";
    m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(nul_in_note_is_refused_not_replayed)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-04-01", 10, 0);
    req.id = 5;
    p.note = "same#AAA";
    Reno__ServerMessage *m = call_with_byte(c, &req, "#AAA", 0);
    assert_refused(m, "push_progress.note");
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 0);
    /* A note may keep its lines; the same key with other content is a conflict. */
    p.note = "same\nAAA";
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    p.note = "same\nBBB";
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__CONFLICT);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);
    net_close(c);
}
END_TEST

struct probe_run {
    struct net_conn *c;
    uint64_t next_id;
    size_t sent;
    size_t refused_right;
    char first_wrong[300];
};

static void probe_over_protocol(const struct probe *p, void *arg)
{
    struct probe_run *run = arg;
    /* NUL, ESC and BEL everywhere; a line break where the field is a name or code. */
    uint8_t bytes[4] = {0x00, 0x1b, 0x07, '\n'};
    size_t n = reflect_is_name_field(p->chain[p->depth - 1]) ? 4 : 3;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = run->next_id++;
        size_t len;
        uint8_t *frame = probe_frame(p, id, bytes[i], &len);
        send_raw(run->c, frame, len);
        free(frame);
        Reno__ServerMessage *m = response_to(run->c, id);
        run->sent++;
        if (h_code(m) == RENO__STATUS_CODE__BAD_REQUEST &&
            strcmp(m->response->status->field, p->path) == 0)
            run->refused_right++;
        else if (run->first_wrong[0] == '\0')
            snprintf(run->first_wrong, sizeof run->first_wrong, "%s with 0x%02x: %s %s %s", p->path,
                     bytes[i], msg_status_name(h_code(m)), m->response->status->field,
                     m->response->status->message);
        net_free(run->c, m);
    }
}

START_TEST(control_characters_refused_in_every_string_field)
{
    struct probe_run run = {.c = h_login(&h_srv, H_OFFICE), .next_id = 100};
    size_t fields = probe_each_string(probe_over_protocol, &run);
    ck_assert_uint_gt(fields, 50);
    ck_assert_msg(run.refused_right == run.sent, "%zu of %zu probes refused for their field; %s",
                  run.refused_right, run.sent, run.first_wrong);
    /* The same connection still works, and nothing was written. */
    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 9;
    Reno__ServerMessage *m = h_call_body(run.c, RENO__REQUEST__BODY_PING, &ping);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(run.c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM audit_log l JOIN account a ON a.id = "
                                      "l.account_id WHERE a.username = 'office'"),
                     0);
    net_close(run.c);
    fprintf(stderr, "strings: %zu string fields, %zu probes refused with their field path\n",
            fields, run.sent);
}
END_TEST

START_TEST(retry_with_unknown_field_is_a_replay)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-04-01", 12, 0);
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    int64_t first = m->response->push_progress->report_id;
    net_free(c, m);
    /* The same report from a newer client that also sends a field numbered 99. */
    uint8_t extra_value = 1;
    ProtobufCMessageUnknownField extra = {
        .tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT, .len = 1, .data = &extra_value};
    p.base.n_unknown_fields = 1;
    p.base.unknown_fields = &extra;
    m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->push_progress->replayed);
    ck_assert_int_eq(m->response->push_progress->report_id, first);
    net_free(c, m);

    /* The generic write path uses the same digest. */
    uint8_t pkey[16] = {0x51, 0x52};
    Reno__UpsertPerson up = RENO__UPSERT_PERSON__INIT;
    up.idempotency_key.data = pkey;
    up.idempotency_key.len = 16;
    up.name = "李四";
    up.unit_code = "housing";
    m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    up.base.n_unknown_fields = 1;
    up.base.unknown_fields = &extra;
    m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert(m->response->upsert_person->replayed);
    net_free(c, m);
    /* Known content that differs is still a reused key. */
    up.position = "科员";
    m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__CONFLICT);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM person WHERE name = '李四'"), 1);
    net_close(c);
}
END_TEST

START_TEST(constraint_is_reported_by_its_field)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    uint8_t key[16] = {0x61};
    Reno__UpsertPerson up = RENO__UPSERT_PERSON__INIT;
    up.idempotency_key.data = key;
    up.idempotency_key.len = 16;
    up.name = "张 三"; /* the schema's CHECK refuses a space in a name */
    up.unit_code = "housing";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_UPSERT_PERSON, &up);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_str_eq(m->response->status->field, "upsert_person.name");
    ck_assert_msg(strstr(m->response->status->message, "_check") == NULL &&
                      strstr(m->response->status->message, "violates") == NULL,
                  "raw constraint message: %s", m->response->status->message);
    ck_assert_uint_gt(strlen(m->response->status->message), 0);
    net_free(c, m);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM person WHERE name = '张 三'"), 0);
    net_close(c);
}
END_TEST

Suite *it_strings_suite(void)
{
    Suite *s = suite_create("it_strings");
    TCase *tc = tcase_create("strings");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, nul_username_or_password_does_not_log_in);
    tcase_add_test(tc, nul_in_note_is_refused_not_replayed);
    tcase_add_test(tc, control_characters_refused_in_every_string_field);
    tcase_add_test(tc, retry_with_unknown_field_is_a_replay);
    tcase_add_test(tc, constraint_is_reported_by_its_field);
    suite_add_tcase(s, tc);
    return s;
}
