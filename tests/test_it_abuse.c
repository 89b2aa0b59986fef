/*
 * Protocol abuse against a live renod (after redis's protocol tests): oversized and
 * undecodable frames close only the offending connection, after an error event; a
 * half-sent frame times out; a client that vanishes with a request in flight, or that
 * does not read its replies, harms no one else; pipelined requests are all answered. Text
 * a peer chose before logging in (its client name, a username) reaches renod's log
 * escaped, so it cannot pose as a field or a line of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "it.h"
#include "msg.h"

static void write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "write: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

/* Reads until EOF or timeout; returns the bytes read, and whether EOF was seen. */
static size_t read_until_eof(int fd, uint8_t *buf, size_t cap, int timeout_ms, bool *eof)
{
    size_t len = 0;
    *eof = false;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, timeout_ms);
        if (r <= 0)
            return len;
        ssize_t n = read(fd, buf + len, cap - len);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            *eof = true;
            return len;
        }
        if (n < 0)
            return len;
        len += (size_t)n;
        if (len == cap)
            return len;
    }
}

/* Asserts that buf holds an Event.error frame with `code`. */
static void assert_error_event(const uint8_t *buf, size_t len, Reno__StatusCode code)
{
    uint32_t payload = 0;
    ck_assert_int_eq(frame_peek(buf, len, FRAME_DEFAULT_MAX, &payload), FRAME_READY);
    Reno__ServerMessage *m = reno__server_message__unpack(NULL, payload, buf + 4);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_EVENT);
    ck_assert_int_eq(m->event->body_case, RENO__EVENT__BODY_ERROR);
    ck_assert_int_eq(m->event->error->code, code);
    reno__server_message__free_unpacked(m, NULL);
}

static void assert_ping_works(struct net_conn *c)
{
    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 42;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_PING;
    req.ping = &ping;
    Reno__ServerMessage *m = h_call(c, &req);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_eq(m->response->pong->nonce, 42);
    net_free(c, m);
}

START_TEST(oversized_frame_closes_only_that_connection)
{
    struct net_conn *good = h_login(&h_srv, H_OFFICE);
    struct net_conn *bad = h_connect(&h_srv);
    /* 2 MiB announced: over both limits. Nothing of that size is sent or allocated. */
    uint8_t header[4];
    frame_put_header(header, 2u << 20);
    write_all(net_fd(bad), header, sizeof header);
    uint8_t buf[4096];
    bool eof = false;
    size_t n = read_until_eof(net_fd(bad), buf, sizeof buf, 5000, &eof);
    ck_assert(eof);
    assert_error_event(buf, n, RENO__STATUS_CODE__BAD_REQUEST);
    net_close(bad);
    assert_ping_works(good);

    /* Before login the limit is lower: 100 KiB is refused, although under 1 MiB. */
    bad = h_connect(&h_srv);
    frame_put_header(header, 100u << 10);
    write_all(net_fd(bad), header, sizeof header);
    n = read_until_eof(net_fd(bad), buf, sizeof buf, 5000, &eof);
    ck_assert(eof);
    assert_error_event(buf, n, RENO__STATUS_CODE__BAD_REQUEST);
    net_close(bad);
    assert_ping_works(good);
    net_close(good);
}
END_TEST

/*
 * A peer that goes on sending after the frame that ends its connection. renod stops
 * reading its requests at the error, so they lie unread in renod's receive buffer, and
 * closing a socket with unread input makes the kernel reset the connection: a reset throws
 * away what has not reached the peer yet, the error frame itself when the peer is slow to
 * read (connection_over_its_output_limit_is_closed_with_an_event in the memory suite lost
 * it so, now and then). renod shuts its side down instead (the peer reads the frame, then
 * end of file), reads and drops what the peer still sends, and closes once the peer has
 * closed too, or at its linger deadline (one to two seconds).
 */
START_TEST(peer_that_keeps_sending_reads_the_error_then_end_of_file)
{
    struct net_conn *bad = h_connect(&h_srv);
    int fd = net_fd(bad);
    uint8_t header[4];
    frame_put_header(header, 2u << 20);
    write_all(fd, header, sizeof header);
    uint8_t buf[4096];
    bool eof = false;
    size_t n = read_until_eof(fd, buf, sizeof buf, 5000, &eof);
    ck_assert(eof);
    assert_error_event(buf, n, RENO__STATUS_CODE__BAD_REQUEST);
    ck_assert_int_eq(read(fd, buf, sizeof buf), 0); /* end of file, not a reset */

    /* What the peer sends now is taken and dropped: a closed socket would answer the
     * first with a reset, and the second would fail. */
    static uint8_t junk[1024];
    memset(junk, 'x', sizeof junk);
    for (int i = 0; i < 5; i++) {
        ck_assert_msg(send(fd, junk, sizeof junk, MSG_NOSIGNAL) == (ssize_t)sizeof junk,
                      "send %d after the error: %s", i, strerror(errno));
        usleep(10 * 1000);
    }
    /* A peer that never closes is closed at the deadline; then its writes fail. */
    bool refused = false;
    for (int i = 0; i < 500 && !refused; i++) {
        ssize_t w = send(fd, junk, sizeof junk, MSG_NOSIGNAL);
        refused = w < 0 && (errno == EPIPE || errno == ECONNRESET);
        usleep(10 * 1000);
    }
    ck_assert_msg(refused, "renod still held the connection 5 s after the error");
    net_close(bad);
    struct net_conn *good = h_connect(&h_srv);
    assert_ping_works(good);
    net_close(good);
}
END_TEST

START_TEST(undecodable_frame_gets_an_error_event)
{
    struct net_conn *bad = h_connect(&h_srv);
    const uint8_t garbage[] = {0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    write_all(net_fd(bad), garbage, sizeof garbage);
    uint8_t buf[4096];
    bool eof = false;
    size_t n = read_until_eof(net_fd(bad), buf, sizeof buf, 5000, &eof);
    ck_assert(eof);
    assert_error_event(buf, n, RENO__STATUS_CODE__BAD_REQUEST);
    net_close(bad);
    struct net_conn *good = h_connect(&h_srv);
    assert_ping_works(good);
    net_close(good);
}
END_TEST

START_TEST(half_sent_frame_times_out)
{
    /* This test runs its own server with a one-second frame timeout. */
    struct h_server quick;
    const char *extra[] = {"--frame-timeout", "1", NULL};
    h_server_start(&quick, h_db, extra);
    struct net_conn *c = h_connect(&quick);
    const uint8_t partial[] = {0, 0, 0, 20, 1, 2};
    write_all(net_fd(c), partial, sizeof partial);
    uint8_t buf[256];
    bool eof = false;
    read_until_eof(net_fd(c), buf, sizeof buf, 5000, &eof);
    ck_assert_msg(eof, "the server kept a half-sent frame open");
    net_close(c);
    ck_assert_int_eq(h_server_stop(&quick), 0);
}
END_TEST

START_TEST(client_gone_with_requests_in_flight)
{
    long p0 = h_project_id(h_db, 0);
    for (int round = 0; round < 5; round++) {
        struct net_conn *c = h_login(&h_srv, H_OFFICE);
        Reno__Request req;
        Reno__PushProgress p;
        uint8_t key[16];
        h_push_init(&req, &p, key, p0, "2022-04-01", 10 + round, 0);
        req.id = 7;
        size_t len;
        uint8_t *frame = msg_pack_frame(&req.base, &len);
        Reno__GetStatus gs = RENO__GET_STATUS__INIT;
        Reno__Request sreq = RENO__REQUEST__INIT;
        sreq.id = 8;
        sreq.body_case = RENO__REQUEST__BODY_GET_STATUS;
        sreq.get_status = &gs;
        size_t slen;
        uint8_t *sframe = msg_pack_frame(&sreq.base, &slen);
        write_all(net_fd(c), frame, len);
        write_all(net_fd(c), sframe, slen);
        free(frame);
        free(sframe);
        net_close(c); /* gone before the answers */
    }
    /* Also gone in the middle of a login, while the password is being checked. */
    struct net_conn *c = h_connect(&h_srv);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = H_OFFICE;
    lg.password = "office-test-password";
    Reno__Request req = RENO__REQUEST__INIT;
    req.id = 9;
    req.body_case = RENO__REQUEST__BODY_LOGIN;
    req.login = &lg;
    size_t len;
    uint8_t *frame = msg_pack_frame(&req.base, &len);
    write_all(net_fd(c), frame, len);
    free(frame);
    net_close(c);

    struct net_conn *good = h_login(&h_srv, H_OFFICE);
    assert_ping_works(good);
    net_close(good);
    ck_assert(h_server_alive(&h_srv));
    /* The teardown checks that renod then shuts down cleanly (and, under the sanitizer
     * build, without a leak). */
}
END_TEST

START_TEST(pipelined_requests_are_all_answered)
{
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    enum { N = 200 };
    uint8_t *all = NULL;
    size_t all_len = 0;
    for (int i = 0; i < N; i++) {
        Reno__Request req = RENO__REQUEST__INIT;
        Reno__Ping ping = RENO__PING__INIT;
        Reno__GetStatus gs = RENO__GET_STATUS__INIT;
        req.id = 1000 + (uint64_t)i;
        if (i % 2) {
            req.body_case = RENO__REQUEST__BODY_GET_STATUS;
            req.get_status = &gs;
        } else {
            ping.nonce = (uint64_t)i;
            req.body_case = RENO__REQUEST__BODY_PING;
            req.ping = &ping;
        }
        size_t len;
        uint8_t *frame = msg_pack_frame(&req.base, &len);
        all = realloc(all, all_len + len);
        memcpy(all + all_len, frame, len);
        all_len += len;
        free(frame);
    }
    write_all(net_fd(c), all, all_len);
    free(all);
    bool seen[N] = {false};
    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    int answered = 0;
    while (answered < N) {
        uint8_t buf[65536];
        struct pollfd pfd = {.fd = net_fd(c), .events = POLLIN};
        ck_assert_msg(poll(&pfd, 1, 10000) == 1, "only %d of %d answered", answered, N);
        ssize_t n = read(net_fd(c), buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        frame_reader_feed(&r, buf, (size_t)n);
        const uint8_t *payload;
        uint32_t plen;
        while (frame_reader_next(&r, &payload, &plen) == FRAME_READY) {
            Reno__ServerMessage *m = reno__server_message__unpack(NULL, plen, payload);
            ck_assert_ptr_nonnull(m);
            ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_RESPONSE);
            uint64_t id = m->response->id;
            ck_assert(id >= 1000 && id < 1000 + N && !seen[id - 1000]);
            ck_assert_int_eq(m->response->status->code, RENO__STATUS_CODE__OK);
            seen[id - 1000] = true;
            answered++;
            reno__server_message__free_unpacked(m, NULL);
        }
    }
    frame_reader_done(&r);
    net_close(c);
}
END_TEST

START_TEST(client_not_reading_replies_is_paused)
{
    /* Logged in, so that only the pause can stop the writes: a connection that never logs
     * in is closed after login_timeout, which a loaded machine can reach before every
     * buffer is full. */
    struct net_conn *slow = h_login(&h_srv, H_OFFICE);
    struct net_conn *good = h_login(&h_srv, H_OFFICE);
    int fd = net_fd(slow);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    Reno__Ping ping = RENO__PING__INIT;
    Reno__Request req = RENO__REQUEST__INIT;
    req.id = 1;
    req.body_case = RENO__REQUEST__BODY_PING;
    req.ping = &ping;
    size_t len;
    uint8_t *frame = msg_pack_frame(&req.base, &len);
    /* Write pings without reading until the server stops reading from us and every
     * buffer between us is full: then writes block for good. */
    enum { BATCH = 512 };
    uint8_t *batch = malloc(len * BATCH);
    for (int i = 0; i < BATCH; i++)
        memcpy(batch + (size_t)i * len, frame, len);
    free(frame);
    size_t sent_bytes = 0;
    int idle_rounds = 0;
    while (idle_rounds < 10 && sent_bytes < (256u << 20)) {
        size_t off = sent_bytes % (len * BATCH);
        ssize_t n = write(fd, batch + off, len * BATCH - off);
        if (n > 0) {
            sent_bytes += (size_t)n;
            idle_rounds = 0;
        } else {
            ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK,
                          "writing to the server failed after %zu bytes: %s", sent_bytes,
                          strerror(errno));
            idle_rounds++;
            usleep(100 * 1000);
        }
    }
    free(batch);
    ck_assert_msg(idle_rounds >= 10, "the server never stopped reading");
    /* Others are served meanwhile. */
    assert_ping_works(good);
    ck_assert(h_server_alive(&h_srv));
    net_close(slow);
    net_close(good);
}
END_TEST

START_TEST(idle_connection_times_out)
{
    struct h_server quick;
    const char *extra[] = {"--idle-timeout", "1", NULL};
    h_server_start(&quick, h_db, extra);
    struct net_conn *c = h_connect(&quick);
    uint8_t buf[256];
    bool eof = false;
    read_until_eof(net_fd(c), buf, sizeof buf, 5000, &eof);
    ck_assert_msg(eof, "the server kept an idle connection open");
    net_close(c);
    ck_assert_int_eq(h_server_stop(&quick), 0);
}
END_TEST

/* SIGTERM with a write in flight: the write is answered (after its commit), the client
 * is told the server is going, and renod exits cleanly. */
START_TEST(shutdown_answers_what_is_in_flight)
{
    struct h_server srv;
    h_server_start(&srv, h_db, NULL);
    struct net_conn *c = h_login(&srv, H_OFFICE);
    Reno__Request req;
    Reno__PushProgress p;
    uint8_t key[16];
    h_push_init(&req, &p, key, h_project_id(h_db, 0), "2022-04-01", 42, 0);
    req.id = 77;
    size_t len;
    uint8_t *frame = msg_pack_frame(&req.base, &len);
    write_all(net_fd(c), frame, len);
    free(frame);
    kill(srv.pid, SIGTERM);
    bool answered = false, told = false;
    for (int i = 0; i < 4 && !(answered && told); i++) {
        Reno__ServerMessage *m = NULL;
        char err[NET_ERR_SIZE];
        if (net_next(c, 5000, &m, err) != 0)
            break;
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE && m->response->id == 77) {
            ck_assert_int_eq(m->response->status->code, RENO__STATUS_CODE__OK);
            answered = true;
        }
        if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT &&
            m->event->body_case == RENO__EVENT__BODY_SHUTTING_DOWN)
            told = true;
        net_free(c, m);
    }
    ck_assert_msg(answered, "the write in flight was not answered");
    ck_assert_msg(told, "no shutting_down event");
    net_close(c);
    ck_assert_int_eq(h_server_wait(&srv), 0);
    ck_assert_int_eq(h_sql_long(h_db, "SELECT count(*) FROM progress_report"), 1);
}
END_TEST

/* Control characters are refused on the wire (it_strings); what a peer may send, quotes
 * and backslashes, is logged escaped, so a client name or username cannot close the
 * quoted value and add fields of its own, such as "account=office logged in". */
START_TEST(peer_text_before_login_is_logged_escaped)
{
    struct net_conn *c = NULL;
    char err[NET_ERR_SIZE];
    ck_assert_msg(net_connect(h_srv.address, 5000, &c, err) == 0, "%s", err);
    ck_assert_msg(net_hello(c, "x\" account=office logged in \\", err) == 0, "%s", err);
    Reno__Login lg = RENO__LOGIN__INIT;
    lg.username = "nobody\" account=office \\";
    lg.password = "wrong-password";
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__UNAUTHENTICATED);
    net_free(c, m);
    net_close(c);
    ck_assert_msg(h_log_has(&h_srv, "\"x\\\" account=office logged in \\\\\""),
                  "the client name is not in the log, escaped");
    ck_assert_msg(h_log_has(&h_srv, "nobody\\\" account=office \\\\"),
                  "the username is not in the log, escaped");
    ck_assert_msg(!h_log_has(&h_srv, "x\" account=office") &&
                      !h_log_has(&h_srv, "nobody\" account"),
                  "a quote reached the log unescaped");
}
END_TEST

Suite *it_abuse_suite(void)
{
    Suite *s = suite_create("it_abuse");
    TCase *tc = tcase_create("abuse");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, oversized_frame_closes_only_that_connection);
    tcase_add_test(tc, peer_that_keeps_sending_reads_the_error_then_end_of_file);
    tcase_add_test(tc, undecodable_frame_gets_an_error_event);
    tcase_add_test(tc, half_sent_frame_times_out);
    tcase_add_test(tc, client_gone_with_requests_in_flight);
    tcase_add_test(tc, pipelined_requests_are_all_answered);
    tcase_add_test(tc, client_not_reading_replies_is_paused);
    tcase_add_test(tc, idle_connection_times_out);
    tcase_add_test(tc, shutdown_answers_what_is_in_flight);
    tcase_add_test(tc, peer_text_before_login_is_logged_escaped);
    suite_add_tcase(s, tc);
    return s;
}
