/*
 * Memory held for replies is bounded, through the protocol: a reply over `max_reply`, or a
 * list over its row ceiling, is a RESOURCE_EXHAUSTED answer to its request (page with
 * limit and after_id instead); a connection that does not read and goes past
 * `output_limit` is closed with an error event; and many pipelining clients that never
 * read keep renod's peak memory under `output_budget` plus a fixed overhead, while an
 * honest client is still served.
 *
 * The budget test has a short form (40 clients, an 8 MiB budget) and a long one
 * (RENO_TEST_MEMORY_LONG=1: 150 clients, the default 256 MiB budget, or the bytes in
 * RENO_TEST_MEMORY_BUDGET); both print their figures, which docs/RELIABILITY.md quotes.
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

/* Audit rows of about `bytes` each, so that ListAudit answers are large. */
static void fill_audit_log(int rows, int bytes)
{
    char sql[300], state[6];
    snprintf(sql, sizeof sql,
             "INSERT INTO audit_log (action, entity, entity_id, after) SELECT 'test', 'filler', "
             "g, jsonb_build_object('text', repeat('x', %d)) FROM generate_series(1, %d) g",
             bytes, rows);
    h_sql_exec(h_db, sql, state);
    ck_assert_msg(state[0] == '\0', "filling the audit log: %s", state);
}

static uint8_t *list_audit_frame(uint64_t id, int limit, int64_t after_id, size_t *len)
{
    Reno__ListAudit la = RENO__LIST_AUDIT__INIT;
    la.limit = limit;
    la.after_id = after_id;
    Reno__Request req = RENO__REQUEST__INIT;
    req.id = id;
    req.body_case = RENO__REQUEST__BODY_LIST_AUDIT;
    req.list_audit = &la;
    uint8_t *frame = msg_pack_frame(&req.base, len);
    ck_assert_ptr_nonnull(frame);
    return frame;
}

/* Writes what the socket takes without blocking; returns the bytes written. */
static size_t write_some(int fd, const uint8_t *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

/* A field of /proc/PID/status in KiB (VmRSS, VmHWM). */
static long proc_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    long kib = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, flen) == 0 && line[flen] == ':')
            kib = strtol(line + flen + 1, NULL, 10);
    fclose(f);
    ck_assert_int_ge(kib, 0);
    return kib;
}

/* Reads frames from fd until EOF (or timeout_ms of silence); counts responses and keeps
 * the code of the last Event.error (-1 if none). Returns true at EOF. */
static bool read_to_eof_events(int fd, int timeout_ms, int pace_ms, int *responses, int *error_code,
                               bool *shutting_down);

static bool read_to_eof(int fd, int timeout_ms, int *responses, int *error_code)
{
    bool shutting_down;
    return read_to_eof_events(fd, timeout_ms, 0, responses, error_code, &shutting_down);
}

/* The same, and whether an Event.shutting_down came; with pace_ms, at most 64 KiB read per
 * pace_ms (a slow reader). */
static bool read_to_eof_events(int fd, int timeout_ms, int pace_ms, int *responses, int *error_code,
                               bool *shutting_down)
{
    *shutting_down = false;
    struct frame_reader r;
    frame_reader_init(&r, FRAME_ABSOLUTE_MAX);
    *responses = 0;
    *error_code = -1;
    bool eof = false;
    uint8_t *buf = malloc(1 << 16);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            break;
        ssize_t n = read(fd, buf, 1 << 16);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0) {
            eof = true;
            break;
        }
        frame_reader_feed(&r, buf, (size_t)n);
        if (pace_ms > 0)
            usleep((useconds_t)((uint64_t)pace_ms * 1000 * (uint64_t)n / 65536));
        const uint8_t *payload;
        uint32_t plen;
        while (frame_reader_next(&r, &payload, &plen) == FRAME_READY) {
            Reno__ServerMessage *m = reno__server_message__unpack(NULL, plen, payload);
            ck_assert_ptr_nonnull(m);
            if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE)
                (*responses)++;
            else if (m->event->body_case == RENO__EVENT__BODY_ERROR)
                *error_code = m->event->error->code;
            else if (m->event->body_case == RENO__EVENT__BODY_SHUTTING_DOWN)
                *shutting_down = true;
            reno__server_message__free_unpacked(m, NULL);
        }
    }
    free(buf);
    frame_reader_done(&r);
    return eof;
}

/* Resets the process's peak resident size (VmHWM) to its current size. */
static void reset_peak(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs("5", f);
    ck_assert_int_eq(fclose(f), 0);
}

static struct net_conn *resume(const struct h_server *s, const char *token)
{
    struct net_conn *c = h_connect(s);
    Reno__Resume rs = RENO__RESUME__INIT;
    rs.token = (char *)token;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_RESUME, &rs);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    return c;
}

static void assert_served(const struct h_server *s)
{
    struct net_conn *c = h_login(s, H_OFFICE);
    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 5;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_PING, &ping);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    net_free(c, m);
    net_close(c);
}

START_TEST(oversized_reply_is_a_typed_error)
{
    fill_audit_log(50, 1000);
    struct h_server s;
    const char *extra[] = {"--max-reply", "8192", NULL};
    h_server_start(&s, h_db, extra);
    struct net_conn *c = h_login(&s, H_OFFICE);
    Reno__ListAudit la = RENO__LIST_AUDIT__INIT;
    la.limit = 100;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_AUDIT, &la);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "ask for less"));
    net_free(c, m);
    /* Paging gets everything, a few entries at a time, on the same connection. */
    int64_t after = 0;
    int seen = 0;
    for (int page = 0; page < 100; page++) {
        la.limit = 4;
        la.after_id = after;
        m = h_call_body(c, RENO__REQUEST__BODY_LIST_AUDIT, &la);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
        size_t n = m->response->list_audit->n_items;
        if (n > 0)
            after = m->response->list_audit->items[n - 1]->id;
        seen += (int)n;
        net_free(c, m);
        if (n == 0)
            break;
    }
    ck_assert_int_ge(seen, 50);
    net_close(c);
    ck_assert(h_server_alive(&s));
    ck_assert_int_eq(h_server_stop(&s), 0);
}
END_TEST

START_TEST(list_over_its_row_ceiling_is_a_typed_error)
{
    /* 6000 people in the programme: more than a list answers (5000 rows). */
    char state[6];
    h_sql_exec(h_db,
               "INSERT INTO person (programme_id, name) SELECT u.programme_id, 'p' || g FROM "
               "account a JOIN unit u ON u.id = a.unit_id, generate_series(1, 6000) g "
               "WHERE a.username = 'office'",
               state);
    ck_assert_msg(state[0] == '\0', "adding people: %s", state);
    struct net_conn *c = h_login(&h_srv, H_OFFICE);
    Reno__ListPeople lp = RENO__LIST_PEOPLE__INIT;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LIST_PEOPLE, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    ck_assert_ptr_nonnull(strstr(m->response->status->message, "more than 5000 rows"));
    net_free(c, m);
    /* Under the ceiling the same list is answered. */
    h_sql_exec(h_db, "DELETE FROM person WHERE name ~ '^p[0-9]+$' AND substr(name, 2)::int > 1000",
               state);
    ck_assert_msg(state[0] == '\0', "removing people: %s", state);
    m = h_call_body(c, RENO__REQUEST__BODY_LIST_PEOPLE, &lp);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_uint_ge(m->response->list_people->n_items, 1000);
    net_free(c, m);
    net_close(c);
}
END_TEST

START_TEST(connection_over_its_output_limit_is_closed_with_an_event)
{
    fill_audit_log(100, 1000);
    struct h_server s;
    const char *extra[] = {"--output-limit", "262144", NULL};
    h_server_start(&s, h_db, extra);
    struct net_conn *c = h_login(&s, H_OFFICE);
    int fd = net_fd(c);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* Each answer is about 100 KB; 200 of them would be 20 MB unread. */
    for (int i = 0; i < 200; i++) {
        size_t len;
        uint8_t *frame = list_audit_frame(10 + (uint64_t)i, 100, 0, &len);
        size_t sent = write_some(fd, frame, len);
        free(frame);
        if (sent < len)
            break; /* the server stopped reading: enough */
    }
    /* Not a word read until the server has acted: reading now would drain what it holds
     * below the limit, and on a loaded machine the kernel's buffers take many answers
     * before renod's own queue grows. */
    ck_assert_msg(h_log_wait(&s, "output limit is exceeded", 60000),
                  "the server never found the connection over its limit");
    int responses = 0, code = -1;
    ck_assert_msg(read_to_eof(fd, 5000, &responses, &code), "the connection was not closed");
    ck_assert_int_eq(code, RENO__STATUS_CODE__RESOURCE_EXHAUSTED);
    ck_assert_int_lt(responses, 200);
    net_close(c);
    assert_served(&s);
    ck_assert_int_eq(h_server_stop(&s), 0);
}
END_TEST

/*
 * A shutdown does not throw away replies renod has already made. The client pipelines
 * ListAudit requests (about 1 MB answers) and reads nothing until renod holds answers of
 * its own, beyond what the kernel's buffers took, and is told to stop. It must still be
 * given them all, then Event.shutting_down, then end of file: closing at once would cancel
 * the writes libuv still held. The slow reader takes 64 KiB every 20 ms (about 3 MB/s, the
 * whole in about four seconds): a peer still taking its replies is not cut off after a
 * second, only at the end of the grace period (20 s here).
 */
static void shutdown_delivers(int answers, int pace_ms)
{
    fill_audit_log(100, 10000);
    struct h_server s;
    const char *extra[] = {"--output-limit", "16777216", "--shutdown-grace", "20", NULL};
    h_server_start(&s, h_db, extra);
    struct net_conn *c = h_login(&s, H_OFFICE);
    int fd = net_fd(c);
    if (pace_ms > 0) {
        /* A receive buffer that does not grow: renod's own queue empties only as fast as
         * the reader reads, rather than into the kernel at once. */
        int rcvbuf = 65536;
        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    }
    for (int i = 0; i < answers; i++) {
        size_t len;
        uint8_t *frame = list_audit_frame(100 + (uint64_t)i, 100, 0, &len);
        ck_assert_uint_eq(write_some(fd, frame, len), len);
        free(frame);
    }
    /* renod pauses at half the output limit held by itself. */
    ck_assert_msg(h_log_wait(&s, "peer is not reading its replies", 30000),
                  "renod never held the answers itself");
    kill(s.pid, SIGTERM);
    ck_assert(h_log_wait(&s, "shutting down", 5000));
    int responses = 0, code = -1;
    bool shutting_down = false;
    ck_assert_msg(read_to_eof_events(fd, 5000, pace_ms, &responses, &code, &shutting_down),
                  "the connection was not closed");
    ck_assert_msg(shutting_down, "no Event.shutting_down after %d responses", responses);
    ck_assert_int_eq(code, -1);
    ck_assert_int_eq(responses, answers);
    net_close(c);
    ck_assert_int_eq(h_server_wait(&s), 0);
}

START_TEST(shutdown_delivers_the_replies_already_made)
{
    shutdown_delivers(14, 0);
}
END_TEST

START_TEST(shutdown_delivers_the_replies_already_made_to_a_slow_reader)
{
    shutdown_delivers(14, 20);
}
END_TEST

START_TEST(non_readers_stay_within_the_output_budget)
{
    bool long_form = getenv("RENO_TEST_MEMORY_LONG") != NULL;
    int clients = long_form ? 150 : 40;
    int pipelined = long_form ? 64 : 40;
    long budget = long_form ? 268435456 : 8388608;
    /* The long form may run under another budget (bytes), to see it bind with 150 clients. */
    const char *budget_env = getenv("RENO_TEST_MEMORY_BUDGET");
    char budget_text[24];
    if (long_form && budget_env)
        budget = strtol(budget_env, NULL, 10);
    snprintf(budget_text, sizeof budget_text, "%ld", budget);
    fill_audit_log(200, 1000); /* answers of about 200 KB */
    struct h_server s;
    const char *short_extra[] = {"--output-budget", budget_text, "--output-limit", "2097152", NULL};
    const char *long_extra[] = {"--output-budget", budget_text, NULL};
    h_server_start(&s, h_db, long_form ? long_extra : short_extra);
    /* One login, then Resume on every connection: no password hashing per client. */
    char token[80] = "";
    {
        struct net_conn *c = h_connect(&s);
        Reno__Login lg = RENO__LOGIN__INIT;
        lg.username = H_OFFICE;
        lg.password = H_OFFICE "-test-password";
        Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_LOGIN, &lg);
        ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
        snprintf(token, sizeof token, "%s", m->response->session->token);
        net_free(c, m);
        net_close(c);
    }
    struct net_conn **conns = calloc((size_t)clients, sizeof *conns);
    for (int i = 0; i < clients; i++) {
        conns[i] = resume(&s, token);
        int fd = net_fd(conns[i]);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    /* An honest client, connected before the flood; it asks for what needs no database
     * (the pool's queue is the flood's), so the answer shows that the loop still serves. */
    struct net_conn *honest = resume(&s, token);
    /* The peak counts from here: the one password hashing above (argon2id takes 64 MiB
     * for a moment) is not what this test measures. */
    reset_peak(s.pid);
    long base_kib = proc_kib(s.pid, "VmRSS");
    /* Every client pipelines its requests and never reads. */
    for (int i = 0; i < clients; i++)
        for (int k = 0; k < pipelined; k++) {
            size_t len;
            uint8_t *frame = list_audit_frame(100 + (uint64_t)k, 200, 0, &len);
            size_t sent = write_some(net_fd(conns[i]), frame, len);
            free(frame);
            if (sent < len)
                break;
        }
    /* Let renod answer what it read; an honest client is served meanwhile. On a loaded
     * machine that takes longer: then until its log says it told or closed a non-reader
     * (the closing of its output limit, or the budget's), which is what is counted below. */
    sleep(long_form ? 10 : 4);
    for (double deadline = h_now_s() + 60; h_now_s() < deadline; usleep(100 * 1000))
        if (h_log_has(&s, "closing: ") || h_log_has(&s, "output budget: "))
            break;
    Reno__Ping ping = RENO__PING__INIT;
    Reno__ServerMessage *pong = h_call_body(honest, RENO__REQUEST__BODY_PING, &ping);
    ck_assert_int_eq(h_code(pong), RENO__STATUS_CODE__OK);
    net_free(honest, pong);
    net_close(honest);
    long peak_kib = proc_kib(s.pid, "VmHWM");
    /* Every non-reader is closed, or holds what fits: read each to its end. */
    int closed = 0, events = 0;
    for (int i = 0; i < clients; i++) {
        int responses = 0, code = -1;
        if (read_to_eof(net_fd(conns[i]), 300, &responses, &code))
            closed++;
        if (code == RENO__STATUS_CODE__RESOURCE_EXHAUSTED)
            events++;
        net_close(conns[i]);
    }
    free(conns);
    long overhead_kib = 24 * 1024;
    fprintf(stderr,
            "memory: %d non-reading clients x %d pipelined ListAudit (~200 KB each), budget %ld "
            "MiB: renod RSS %ld MiB before, peak (VmHWM) %ld MiB; %d closed, %d saw "
            "RESOURCE_EXHAUSTED\n",
            clients, pipelined, budget >> 20, base_kib >> 10, peak_kib >> 10, closed, events);
    ck_assert_int_gt(closed, 0);
    /* AddressSanitizer keeps freed memory in quarantine and shadows all of it: the figure
     * holds for the plain build only. */
    if (strstr(h_bin("renod"), "sanitize") == NULL)
        ck_assert_msg(peak_kib - base_kib <= budget / 1024 + overhead_kib,
                      "peak %ld KiB over a base of %ld KiB: more than the budget + 24 MiB",
                      peak_kib, base_kib);
    ck_assert_int_eq(h_server_stop(&s), 0);
}
END_TEST

Suite *it_memory_suite(void)
{
    Suite *s = suite_create("it_memory");
    TCase *tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, h_fixture_setup, h_fixture_teardown);
    tcase_set_timeout(tc, getenv("RENO_TEST_MEMORY_LONG") ? 900 : 120);
    tcase_add_test(tc, oversized_reply_is_a_typed_error);
    tcase_add_test(tc, list_over_its_row_ceiling_is_a_typed_error);
    tcase_add_test(tc, connection_over_its_output_limit_is_closed_with_an_event);
    tcase_add_test(tc, shutdown_delivers_the_replies_already_made);
    tcase_add_test(tc, shutdown_delivers_the_replies_already_made_to_a_slow_reader);
    tcase_add_test(tc, non_readers_stay_within_the_output_budget);
    suite_add_tcase(s, tc);
    return s;
}
