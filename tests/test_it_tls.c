/*
 * TLS through the real path: reno (the CLI and the library) → TLS → renod → PostgreSQL,
 * with a county CA and server certificate made by scripts/tls-certs for "localhost" and
 * "127.0.0.1". A third party's TLS stack (openssl s_client) completes a TLS 1.3 handshake
 * with the right certificate and exchanges Hello and Ping through it. Refused: a client
 * that trusts another CA, a client that expects another host name, a plaintext client
 * against the TLS listener (closed, nothing served), a peer that never finishes its
 * handshake (closed at the deadline), plaintext to or on a non-loopback address, TLS
 * below 1.2 or a cipher without forward secrecy and AEAD, and a server without a
 * certificate or with a private key others can read. With tls_client_ca, a client without
 * a certificate from that CA is refused and one with it is served.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "it.h"
#include "msg.h"
#include "xmalloc.h"

/* The suite's renod gives up on a handshake after this many seconds. */
#define HANDSHAKE_TIMEOUT_S "2"

static char cert_dir[64];
static char cli_home[64];

static void tls_setup(void)
{
    h_pg_start();
    h_db_new(h_db);
    snprintf(cert_dir, sizeof cert_dir, "/tmp/reno-it-tls.XXXXXX");
    ck_assert(mkdtemp(cert_dir) != NULL);
    snprintf(cli_home, sizeof cli_home, "/tmp/reno-it-tls-home.XXXXXX");
    ck_assert(mkdtemp(cli_home) != NULL);
    h_tls_certs(cert_dir, (const char *const[]){"localhost", "127.0.0.1", NULL});
    h_server_start_tls(&h_srv, h_db, cert_dir,
                       (const char *const[]){"--tls-handshake-timeout", HANDSHAKE_TIMEOUT_S, NULL});
}

static void remove_tree(const char *dir)
{
    const char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    h_run(argv, NULL, NULL, NULL, NULL);
}

static void tls_teardown(void)
{
    remove_tree(cert_dir);
    remove_tree(cli_home);
    h_fixture_teardown();
}

/* Runs reno over TLS as a person would: RENO_SERVER, RENO_CA, its own config directory.
 * more: further "K=V" settings (NULL-terminated), which win over these. */
static int run_reno(const char *server, const char *ca, const char *const *args,
                    const char *const *more, const char *stdin_text, char **out, char **err)
{
    char env_server[128], env_ca[400], env_home[128];
    snprintf(env_server, sizeof env_server, "RENO_SERVER=%s", server);
    snprintf(env_ca, sizeof env_ca, "RENO_CA=%s", ca);
    snprintf(env_home, sizeof env_home, "XDG_CONFIG_HOME=%s", cli_home);
    const char *env[12] = {env_server, env_ca, env_home, "RENO_TLS=on"};
    int ne = 4;
    for (const char *const *m = more; m && *m && ne < 11; m++)
        env[ne++] = *m;
    env[ne] = NULL;
    const char *argv[16] = {h_bin("reno")};
    int na = 1;
    for (const char *const *a = args; *a && na < 15; a++)
        argv[na++] = *a;
    argv[na] = NULL;
    return h_run(argv, env, stdin_text, out, err);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;
    ck_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

START_TEST(cli_logs_in_and_reads_status_over_tls)
{
    char server[64];
    snprintf(server, sizeof server, "localhost:%d", h_srv.port);
    char *ca = path_in(cert_dir, "ca.crt");
    char *out, *err;
    int rc = run_reno(server, ca,
                      (const char *const[]){"login", "--user", H_OFFICE, "--password-stdin", NULL},
                      NULL, "office-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "login over TLS: %d\n%s%s", rc, out, err);
    free(out);
    free(err);
    rc = run_reno(server, ca, (const char *const[]){"status", NULL}, NULL, NULL, &out, &err);
    ck_assert_msg(rc == 0, "status over TLS: %d\n%s%s", rc, out, err);
    ck_assert_msg(strstr(out, "ziyun-2022") != NULL, "status: %s", out);
    free(out);
    free(err);
    free(ca);
}
END_TEST

START_TEST(library_client_checks_the_ip_address_and_is_served)
{
    /* h_srv.address is 127.0.0.1:port: the certificate's IP address entry is checked. */
    struct net_conn *c = h_login(&h_srv, H_HOUSING);
    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 4242;
    Reno__ServerMessage *m = h_call_body(c, RENO__REQUEST__BODY_PING, &ping);
    ck_assert_int_eq(h_code(m), RENO__STATUS_CODE__OK);
    ck_assert_int_eq(m->response->body_case, RENO__RESPONSE__BODY_PONG);
    ck_assert_uint_eq(m->response->pong->nonce, 4242);
    net_free(c, m);
    net_close(c);
}
END_TEST

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert(fd >= 0);
    ck_assert(write(fd, data, len) == (ssize_t)len);
    close(fd);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    ck_assert(fd >= 0);
    struct stat st;
    ck_assert(fstat(fd, &st) == 0);
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    ck_assert(read(fd, buf, (size_t)st.st_size) == st.st_size);
    buf[st.st_size] = '\0';
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
}

/* Runs argv with stdin, stdout and stderr on files (s_client's output is binary). */
static int run_with_files(const char *const *argv, const char *in, const char *out, const char *err)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        int fin = open(in, O_RDONLY);
        int fout = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int ferr = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fin < 0 || fout < 0 || ferr < 0)
            _exit(126);
        dup2(fin, 0);
        dup2(fout, 1);
        dup2(ferr, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static size_t append_frame(uint8_t *buf, size_t at, Reno__Request *req)
{
    size_t len = 0;
    uint8_t *frame = msg_pack_frame(&req->base, &len);
    memcpy(buf + at, frame, len);
    free(frame);
    return at + len;
}

START_TEST(openssl_s_client_speaks_the_protocol_over_tls13)
{
    /* Hello, Ping, then a header announcing a frame far over the limit: renod answers the
     * first two, then sends an error event and closes, which ends s_client's session. */
    uint8_t input[256];
    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = RENO_PROTOCOL_VERSION;
    hello.client_name = "openssl-s_client";
    Reno__Request req = RENO__REQUEST__INIT;
    req.id = 1;
    req.body_case = RENO__REQUEST__BODY_HELLO;
    req.hello = &hello;
    size_t n = append_frame(input, 0, &req);
    Reno__Ping ping = RENO__PING__INIT;
    ping.nonce = 777;
    reno__request__init(&req);
    req.id = 2;
    req.body_case = RENO__REQUEST__BODY_PING;
    req.ping = &ping;
    n = append_frame(input, n, &req);
    static const uint8_t oversize[4] = {0x7f, 0xff, 0xff, 0xff};
    memcpy(input + n, oversize, sizeof oversize);
    n += sizeof oversize;

    char *in = path_in(cli_home, "s_client.in");
    char *out = path_in(cli_home, "s_client.out");
    char *err = path_in(cli_home, "s_client.err");
    char *ca = path_in(cert_dir, "ca.crt");
    write_file(in, input, n);
    char connect[64];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", h_srv.port);
    const char *argv[] = {"openssl",
                          "s_client",
                          "-connect",
                          connect,
                          "-CAfile",
                          ca,
                          "-verify_hostname",
                          "localhost",
                          "-verify_return_error",
                          "-tls1_3",
                          "-brief",
                          "-ign_eof",
                          NULL};
    int rc = run_with_files(argv, in, out, err);
    size_t elen = 0, olen = 0;
    char *etext = (char *)read_file(err, &elen);
    uint8_t *received = read_file(out, &olen);
    ck_assert_msg(rc == 0, "s_client exited %d: %s", rc, etext);
    ck_assert_msg(strstr(etext, "Protocol version: TLSv1.3") != NULL, "s_client: %s", etext);
    ck_assert_msg(strstr(etext, "Verification: OK") != NULL, "s_client: %s", etext);

    /* What came back, decoded with the protocol's own framing: HelloReply, Pong, error. */
    struct frame_reader reader;
    frame_reader_init(&reader, 1 << 20);
    frame_reader_feed(&reader, received, olen);
    struct msg_budget budget;
    msg_budget_init(&budget, 1 << 20);
    int seen = 0;
    const uint8_t *payload;
    uint32_t len;
    while (frame_reader_next(&reader, &payload, &len) == FRAME_READY) {
        Reno__ServerMessage *m = msg_unpack_server(&budget, payload, len);
        ck_assert_ptr_nonnull(m);
        if (seen == 0) {
            ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_RESPONSE);
            ck_assert_uint_eq(m->response->id, 1);
            ck_assert_int_eq(m->response->body_case, RENO__RESPONSE__BODY_HELLO);
        } else if (seen == 1) {
            ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_RESPONSE);
            ck_assert_uint_eq(m->response->id, 2);
            ck_assert_int_eq(m->response->body_case, RENO__RESPONSE__BODY_PONG);
            ck_assert_uint_eq(m->response->pong->nonce, 777);
        } else {
            ck_assert_int_eq(m->kind_case, RENO__SERVER_MESSAGE__KIND_EVENT);
            ck_assert_int_eq(m->event->body_case, RENO__EVENT__BODY_ERROR);
        }
        msg_free_server(&budget, m);
        seen++;
    }
    ck_assert_int_eq(seen, 3);
    frame_reader_done(&reader);
    free(received);
    free(etext);
    free(in);
    free(out);
    free(err);
    free(ca);
}
END_TEST

START_TEST(a_client_trusting_another_ca_is_refused)
{
    char other[64];
    snprintf(other, sizeof other, "/tmp/reno-it-tls-other.XXXXXX");
    ck_assert(mkdtemp(other) != NULL);
    h_tls_certs(other, (const char *const[]){"localhost", NULL});
    char *other_ca = path_in(other, "ca.crt");

    /* The library, connecting by IP address. */
    struct net_conn *c = NULL;
    char err[NET_ERR_SIZE];
    const struct net_tls tls = {.ca_file = other_ca};
    ck_assert_int_eq(net_connect_tls(h_srv.address, 10000, &tls, &c, err), -1);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err, "not trusted") != NULL, "err: %s", err);

    /* The CLI, by name: it says which setting to change. */
    char server[64];
    snprintf(server, sizeof server, "localhost:%d", h_srv.port);
    char *out, *cli_err;
    int rc =
        run_reno(server, other_ca, (const char *const[]){"ping", NULL}, NULL, NULL, &out, &cli_err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(cli_err, "not trusted") != NULL && strstr(cli_err, "ca = ") != NULL,
                  "stderr: %s", cli_err);
    free(out);
    free(cli_err);
    /* And the server carried on: the right CA still gets in. */
    net_close(h_connect(&h_srv));
    free(other_ca);
    remove_tree(other);
}
END_TEST

START_TEST(a_client_expecting_another_host_is_refused)
{
    char *ca = path_in(cert_dir, "ca.crt");
    char server[64];
    snprintf(server, sizeof server, "localhost:%d", h_srv.port);
    char *out, *err;
    int rc = run_reno(server, ca, (const char *const[]){"ping", NULL},
                      (const char *const[]){"RENO_SERVER_NAME=renod.other-county.example", NULL},
                      NULL, &out, &err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "is not for 'renod.other-county.example'") != NULL, "stderr: %s",
                  err);
    free(out);
    free(err);
    /* An IP address the certificate does not carry is refused the same way. */
    rc = run_reno(server, ca, (const char *const[]){"ping", NULL},
                  (const char *const[]){"RENO_SERVER_NAME=127.0.0.2", NULL}, NULL, &out, &err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "is not for '127.0.0.2'") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    free(ca);
}
END_TEST

START_TEST(a_plaintext_client_is_refused_and_served_nothing)
{
    /* The library in plaintext: Hello gets no answer, the connection is closed. */
    struct net_conn *c = NULL;
    char err[NET_ERR_SIZE];
    ck_assert_int_eq(net_connect(h_srv.address, 10000, &c, err), 0);
    ck_assert_int_eq(net_hello(c, "plaintext", err), -1);
    net_close(c);

    /* Raw: a Hello frame in clear gets at most a TLS alert record (type 21), then EOF. */
    ck_assert_int_eq(net_connect(h_srv.address, 10000, &c, err), 0);
    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = RENO_PROTOCOL_VERSION;
    hello.client_name = "plaintext";
    Reno__Request req = RENO__REQUEST__INIT;
    req.id = 1;
    req.body_case = RENO__REQUEST__BODY_HELLO;
    req.hello = &hello;
    uint8_t frame[128];
    size_t len = append_frame(frame, 0, &req);
    ck_assert(write(net_fd(c), frame, len) == (ssize_t)len);
    uint8_t got[4096];
    size_t total = 0;
    bool eof = false;
    while (!eof && total < sizeof got) {
        struct pollfd pfd = {.fd = net_fd(c), .events = POLLIN};
        ck_assert_msg(poll(&pfd, 1, 10000) == 1, "renod did not close a plaintext client");
        ssize_t n = read(net_fd(c), got + total, sizeof got - total);
        if (n <= 0)
            eof = true;
        else
            total += (size_t)n;
    }
    ck_assert(eof);
    if (total > 0)
        ck_assert_msg(got[0] == 21, "renod sent %zu bytes starting 0x%02x to a plaintext client",
                      total, got[0]);
    net_close(c);
    /* Nothing else was disturbed. */
    net_close(h_connect(&h_srv));
}
END_TEST

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(a_handshake_that_never_finishes_is_closed_at_the_deadline)
{
    struct net_conn *c = NULL;
    char err[NET_ERR_SIZE];
    int64_t start = now_ms();
    ck_assert_int_eq(net_connect(h_srv.address, 10000, &c, err), 0);
    /* Nothing is sent: renod must close it once the handshake deadline has passed. */
    struct pollfd pfd = {.fd = net_fd(c), .events = POLLIN};
    int deadline_ms = atoi(HANDSHAKE_TIMEOUT_S) * 1000;
    ck_assert_msg(poll(&pfd, 1, deadline_ms + 3000) == 1, "still open after %d ms",
                  deadline_ms + 3000);
    uint8_t b;
    ck_assert_int_eq(read(net_fd(c), &b, 1), 0);
    ck_assert_int_ge(now_ms() - start, deadline_ms);
    net_close(c);
}
END_TEST

/* Runs `renod serve` with the given settings and returns its exit status and stderr. */
static int renod_serve(const char *const *settings, char **err)
{
    char dbarg[128];
    snprintf(dbarg, sizeof dbarg, "dbname=%s", h_db);
    const char *argv[20] = {h_bin("renod"), "serve", "--database", dbarg};
    int n = 4;
    for (const char *const *s = settings; *s && n < 19; s++)
        argv[n++] = *s;
    argv[n] = NULL;
    char *out;
    int rc = h_run(argv, NULL, NULL, &out, err);
    free(out);
    return rc;
}

START_TEST(renod_refuses_to_start_insecurely)
{
    char *err;
    /* Plaintext on an address others can reach. */
    int rc =
        renod_serve((const char *const[]){"--tls", "off", "--listen", "0.0.0.0:0", NULL}, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "only on a loopback address") != NULL, "stderr: %s", err);
    free(err);
    /* TLS (the default) without a certificate: the error says how to make one. */
    rc = renod_serve((const char *const[]){"--listen", "127.0.0.1:0", NULL}, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "tls_cert is not set") != NULL &&
                      strstr(err, "scripts/tls-certs") != NULL,
                  "stderr: %s", err);
    free(err);
    /* A private key that others may read. */
    char *cert = path_in(cert_dir, "server.crt");
    char *key = path_in(cert_dir, "server.key");
    ck_assert_int_eq(chmod(key, 0644), 0);
    rc = renod_serve((const char *const[]){"--listen", "127.0.0.1:0", "--tls-cert", cert,
                                           "--tls-key", key, NULL},
                     &err);
    ck_assert_int_eq(chmod(key, 0600), 0);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "chmod 600") != NULL, "stderr: %s", err);
    free(err);
    /* A key that is not the certificate's. */
    char other[64];
    snprintf(other, sizeof other, "/tmp/reno-it-tls-other.XXXXXX");
    ck_assert(mkdtemp(other) != NULL);
    h_tls_certs(other, (const char *const[]){"localhost", NULL});
    char *other_key = path_in(other, "server.key");
    rc = renod_serve((const char *const[]){"--listen", "127.0.0.1:0", "--tls-cert", cert,
                                           "--tls-key", other_key, NULL},
                     &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "private key of") != NULL && strstr(err, "mismatch") != NULL,
                  "stderr: %s", err);
    free(err);
    free(other_key);
    remove_tree(other);
    free(cert);
    free(key);
}
END_TEST

START_TEST(reno_refuses_plaintext_off_loopback)
{
    char *out, *err;
    /* 192.0.2.1 is a documentation address: the refusal comes before any connection. */
    int rc = run_reno("192.0.2.1:7420", "", (const char *const[]){"ping", NULL},
                      (const char *const[]){"RENO_TLS=off", NULL}, NULL, &out, &err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "allowed only to a loopback address") != NULL, "stderr: %s", err);
    free(out);
    free(err);
    rc = run_reno("127.0.0.1:7420", "", (const char *const[]){"ping", NULL},
                  (const char *const[]){"RENO_TLS=maybe", NULL}, NULL, &out, &err);
    ck_assert_int_eq(rc, 2);
    free(out);
    free(err);
}
END_TEST

/* Runs openssl s_client with the given options (NULL-terminated) and no input; returns
 * its exit status and, in *report, what it printed. */
static int s_client(const char *const *options, char **report)
{
    char connect[64];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", h_srv.port);
    char *ca = path_in(cert_dir, "ca.crt");
    const char *argv[24] = {"/usr/bin/openssl", "s_client", "-connect", connect,
                            "-CAfile",          ca,         "-brief"};
    int n = 7;
    for (const char *const *o = options; *o && n < 23; o++)
        argv[n++] = *o;
    argv[n] = NULL;
    char *out, *err;
    int rc = h_run(argv, NULL, "", &out, &err);
    *report = xasprintf("%s%s", out, err);
    free(out);
    free(err);
    free(ca);
    return rc;
}

START_TEST(tls12_at_least_and_only_forward_secret_aead_ciphers)
{
    char *report;
    int rc = s_client((const char *const[]){"-tls1_2", NULL}, &report);
    ck_assert_msg(rc == 0 && strstr(report, "Protocol version: TLSv1.2") != NULL &&
                      strstr(report, "Ciphersuite: ECDHE-ECDSA-AES256-GCM-SHA384") != NULL,
                  "TLS 1.2: %d %s", rc, report);
    free(report);
    /* CBC with SHA-1 MACs: not offered even though the client insists. */
    rc = s_client((const char *const[]){"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA", NULL},
                  &report);
    ck_assert_msg(rc != 0 && strstr(report, "handshake failure") != NULL, "CBC: %d %s", rc, report);
    free(report);
    /* TLS 1.1, with the client's own security level lowered so that it asks at all. */
    rc = s_client((const char *const[]){"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", NULL}, &report);
    ck_assert_msg(rc != 0 && strstr(report, "protocol version") != NULL, "TLS 1.1: %d %s", rc,
                  report);
    free(report);
}
END_TEST

/* ---- client certificates ---------------------------------------------------------------- */

static char stranger_dir[64];

static void make_certs(const char *dir, const char *const *args)
{
    char script[600];
    snprintf(script, sizeof script, "%s/scripts/tls-certs", RENO_SOURCE_DIR);
    const char *argv[16] = {script, dir};
    int n = 2;
    for (const char *const *a = args; *a && n < 15; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    char *out, *err;
    int rc = h_run(argv, NULL, NULL, &out, &err);
    ck_assert_msg(rc == 0, "tls-certs: %s%s", out, err);
    free(out);
    free(err);
}

static void client_ca_setup(void)
{
    h_pg_start();
    h_db_new(h_db);
    snprintf(cert_dir, sizeof cert_dir, "/tmp/reno-it-tls.XXXXXX");
    ck_assert(mkdtemp(cert_dir) != NULL);
    snprintf(cli_home, sizeof cli_home, "/tmp/reno-it-tls-home.XXXXXX");
    ck_assert(mkdtemp(cli_home) != NULL);
    snprintf(stranger_dir, sizeof stranger_dir, "/tmp/reno-it-tls-stranger.XXXXXX");
    ck_assert(mkdtemp(stranger_dir) != NULL);
    make_certs(cert_dir, (const char *const[]){"--host", "localhost", "--client", "housing", NULL});
    /* The same client name from another CA. */
    make_certs(stranger_dir, (const char *const[]){"--client", "housing", NULL});
    char *client_ca = path_in(cert_dir, "ca.crt");
    h_server_start_tls(&h_srv, h_db, cert_dir,
                       (const char *const[]){"--tls-client-ca", client_ca, NULL});
    free(client_ca);
}

static void client_ca_teardown(void)
{
    remove_tree(stranger_dir);
    tls_teardown();
}

START_TEST(a_renod_asking_for_client_certificates_serves_only_its_cas)
{
    char server[64];
    snprintf(server, sizeof server, "localhost:%d", h_srv.port);
    char *ca = path_in(cert_dir, "ca.crt");
    char *out, *err;
    /* No certificate: the client says which settings to give. */
    int rc = run_reno(server, ca, (const char *const[]){"ping", NULL}, NULL, NULL, &out, &err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "asks for a client certificate") != NULL, "stderr: %s", err);
    free(out);
    free(err);

    /* A certificate from another CA. */
    char env_cert[200], env_key[200];
    snprintf(env_cert, sizeof env_cert, "RENO_CERT=%s/client-housing.crt", stranger_dir);
    snprintf(env_key, sizeof env_key, "RENO_KEY=%s/client-housing.key", stranger_dir);
    rc = run_reno(server, ca, (const char *const[]){"ping", NULL},
                  (const char *const[]){env_cert, env_key, NULL}, NULL, &out, &err);
    ck_assert_int_eq(rc, 3);
    ck_assert_msg(strstr(err, "refused this client's certificate") != NULL, "stderr: %s", err);
    free(out);
    free(err);

    /* The county's own: served, through login and status. */
    snprintf(env_cert, sizeof env_cert, "RENO_CERT=%s/client-housing.crt", cert_dir);
    snprintf(env_key, sizeof env_key, "RENO_KEY=%s/client-housing.key", cert_dir);
    rc = run_reno(
        server, ca, (const char *const[]){"login", "--user", H_HOUSING, "--password-stdin", NULL},
        (const char *const[]){env_cert, env_key, NULL}, "housing-test-password\n", &out, &err);
    ck_assert_msg(rc == 0, "login with a client certificate: %d %s%s", rc, out, err);
    free(out);
    free(err);
    rc = run_reno(server, ca, (const char *const[]){"status", NULL},
                  (const char *const[]){env_cert, env_key, NULL}, NULL, &out, &err);
    ck_assert_msg(rc == 0 && strstr(out, "ziyun-2022") != NULL, "status: %d %s%s", rc, out, err);
    free(out);
    free(err);
    free(ca);
}
END_TEST

Suite *it_tls_suite(void)
{
    Suite *s = suite_create("it_tls");
    TCase *tc = tcase_create("tls");
    tcase_add_checked_fixture(tc, tls_setup, tls_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cli_logs_in_and_reads_status_over_tls);
    tcase_add_test(tc, library_client_checks_the_ip_address_and_is_served);
    tcase_add_test(tc, openssl_s_client_speaks_the_protocol_over_tls13);
    tcase_add_test(tc, a_client_trusting_another_ca_is_refused);
    tcase_add_test(tc, a_client_expecting_another_host_is_refused);
    tcase_add_test(tc, a_plaintext_client_is_refused_and_served_nothing);
    tcase_add_test(tc, a_handshake_that_never_finishes_is_closed_at_the_deadline);
    tcase_add_test(tc, renod_refuses_to_start_insecurely);
    tcase_add_test(tc, reno_refuses_plaintext_off_loopback);
    tcase_add_test(tc, tls12_at_least_and_only_forward_secret_aead_ciphers);
    suite_add_tcase(s, tc);
    TCase *mutual = tcase_create("client_certificates");
    tcase_add_checked_fixture(mutual, client_ca_setup, client_ca_teardown);
    tcase_set_timeout(mutual, 60);
    tcase_add_test(mutual, a_renod_asking_for_client_certificates_serves_only_its_cas);
    suite_add_tcase(s, mutual);
    return s;
}
