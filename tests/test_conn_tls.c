/*
 * The connection module over TLS, in one process: a libuv loop serves one connection
 * (server/conn.c with a server/tls.c session over memory BIOs) and a client thread speaks
 * to it with client/net.c over a real loopback socket. The server answers each request
 * with a reply of a chosen size, so that a reply spans many TLS records and several of
 * conn.c's encryption slices, the second reply sent as a shared frame; the client checks
 * every byte. The certificate is made here with OpenSSL's API (a self-signed one for
 * 127.0.0.1 that the client trusts directly). The test ends by closing every handle:
 * uv_loop_close() must return 0 and, under the sanitizer build, nothing may leak.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <uv.h>

#include "conn.h"
#include "msg.h"
#include "net.h"
#include "tls.h"
#include "unit.h"
#include "xmalloc.h"

/* Over conn.c's 256 KiB encryption slice several times, under the client's 4 MiB frame. */
#define BIG_REPLY (3 * 1024 * 1024 + 12345)

struct fixture {
    char dir[64];
    char cert[128];
    char key[128];
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t finished;
    struct tls_server *tls;
    struct conn *conn;
    int port;
    /* The client thread's verdict. */
    char client_err[NET_ERR_SIZE];
    size_t reply_len;
    bool reply_ok;
    int requests; /* answered by the server side */
    bool plain;   /* no TLS: the shared frame is written from the shared bytes themselves */
};

static void write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fchmod(fileno(f), 0600), 0);
    if (cert != NULL)
        ck_assert_int_eq(PEM_write_X509(f, cert), 1);
    else
        ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* A P-256 key and a self-signed certificate for IP 127.0.0.1, valid for an hour. */
static void make_certificate(struct fixture *fx)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    ck_assert_ptr_nonnull(key);
    X509 *cert = X509_new();
    ck_assert_int_eq(X509_set_version(cert, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    ck_assert_int_eq(X509_set_pubkey(cert, key), 1);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1,
                               0);
    ck_assert_int_eq(X509_set_issuer_name(cert, name), 1);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, "IP:127.0.0.1");
    ck_assert_ptr_nonnull(san);
    ck_assert_int_eq(X509_add_ext(cert, san, -1), 1);
    X509_EXTENSION_free(san);
    ck_assert_int_gt(X509_sign(cert, key, EVP_sha256()), 0);
    write_pem(fx->cert, cert, NULL);
    write_pem(fx->key, NULL, key);
    X509_free(cert);
    EVP_PKEY_free(key);
}

/* ---- the server side: a loop with one connection that answers with BIG_REPLY bytes ---- */

static void on_frame(struct conn *c, const uint8_t *payload, uint32_t len)
{
    struct msg_budget budget;
    msg_budget_init(&budget, 1 << 20);
    Reno__Request *req = msg_unpack_request(&budget, payload, len);
    ck_assert_ptr_nonnull(req);
    char *text = xmalloc(BIG_REPLY + 1);
    for (size_t i = 0; i < BIG_REPLY; i++)
        text[i] = (char)('a' + i % 26);
    text[BIG_REPLY] = '\0';
    Reno__Status status = RENO__STATUS__INIT;
    status.code = RENO__STATUS_CODE__OK;
    status.message = text;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.id = req->id;
    resp.status = &status;
    Reno__ServerMessage sm = RENO__SERVER_MESSAGE__INIT;
    sm.kind_case = RENO__SERVER_MESSAGE__KIND_RESPONSE;
    sm.response = &resp;
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&sm.base, &frame_len);
    struct fixture *fx = c->owner;
    if (fx->requests++ == 0) {
        conn_send(c, frame, frame_len);
    } else {
        /* The second reply goes as a frame shared by several connections would (a page of
         * today's status): with TLS the connection encrypts the shared bytes into its own
         * ciphertext, so it keeps no reference to them and counts at least all of them in
         * what it holds (the output limits count them on every connection). */
        struct conn_shared *shared = conn_shared_new(frame, frame_len);
        size_t before = c->queued_bytes;
        conn_send_shared(c, NULL, 0, shared);
        if (fx->plain) {
            /* Plaintext writes the shared bytes themselves: the write holds a reference
             * until it is done, and the connection counts only what the kernel did not take
             * at once (the rest is no memory of renod's, whoever else shares the frame). */
            ck_assert_int_eq(shared->refs, 2);
            ck_assert_uint_lt(c->queued_bytes - before, frame_len);
        } else {
            ck_assert_int_eq(shared->refs, 1);
            ck_assert_uint_ge(c->queued_bytes - before, frame_len);
        }
        conn_shared_unref(shared);
    }
    free(text);
    msg_free_request(&budget, req);
}

static void on_oversize(struct conn *c, uint32_t announced)
{
    (void)announced;
    conn_close(c, "oversized frame");
}

static void on_close(struct conn *c, const char *reason)
{
    struct fixture *fx = c->owner;
    (void)reason;
    fx->conn = NULL; /* conn.c frees it once its handle is closed */
}

static void on_free(struct conn *c)
{
    free(c);
}

static const struct conn_callbacks callbacks = {on_frame, on_oversize, on_close, on_free};

static void on_connection(uv_stream_t *listener, int status)
{
    struct fixture *fx = listener->data;
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_null(fx->conn);
    struct conn *c = xcalloc(1, sizeof *c);
    uv_tcp_init(&fx->loop, &c->tcp);
    ck_assert_int_eq(uv_accept(listener, (uv_stream_t *)&c->tcp), 0);
    conn_init(c, 1, 1 << 20, 64u << 20, &callbacks, fx);
    if (!fx->plain)
        conn_set_tls(c, fx->tls);
    fx->conn = c;
    ck_assert_int_eq(conn_start(c), 0);
}

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

/* The client is done: close everything so that uv_run() returns. */
static void on_finished(uv_async_t *a)
{
    struct fixture *fx = a->data;
    if (fx->conn != NULL)
        conn_close(fx->conn, "test over");
    uv_close((uv_handle_t *)&fx->listener, on_handle_closed);
    uv_close((uv_handle_t *)&fx->finished, on_handle_closed);
}

/* ---- the client side: net.c in a thread ------------------------------------------------- */

static void *client_main(void *arg)
{
    struct fixture *fx = arg;
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%d", fx->port);
    const struct net_tls tls = {.ca_file = fx->cert};
    struct net_conn *c = NULL;
    int rc = fx->plain ? net_connect(address, 10000, &c, fx->client_err)
                       : net_connect_tls(address, 10000, &tls, &c, fx->client_err);
    if (rc == 0) {
        fx->reply_ok = true;
        /* Twice: the connection stays usable after a reply of many records. */
        for (int round = 0; round < 2 && fx->reply_ok; round++) {
            Reno__Ping ping = RENO__PING__INIT;
            Reno__Request req = RENO__REQUEST__INIT;
            req.body_case = RENO__REQUEST__BODY_PING;
            req.ping = &ping;
            Reno__ServerMessage *m = NULL;
            if (net_call(c, &req, &m, fx->client_err) != 0) {
                fx->reply_ok = false;
                break;
            }
            const char *text = m->response->status->message;
            fx->reply_len = strlen(text);
            for (size_t i = 0; i < fx->reply_len && fx->reply_ok; i++)
                fx->reply_ok = text[i] == (char)('a' + i % 26);
            net_free(c, m);
        }
        net_close(c);
    }
    uv_async_send(&fx->finished);
    return NULL;
}

/* Serves the client thread on a loopback socket, over TLS unless `plain`. */
static void run_fixture(bool plain)
{
    struct fixture fx;
    memset(&fx, 0, sizeof fx);
    fx.plain = plain;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/reno-unit-tls.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fx.dir));
    snprintf(fx.cert, sizeof fx.cert, "%s/server.crt", fx.dir);
    snprintf(fx.key, sizeof fx.key, "%s/server.key", fx.dir);
    make_certificate(&fx);
    char err[TLS_ERR_SIZE];
    ck_assert_msg(tls_server_new(fx.cert, fx.key, "", &fx.tls, err) == 0, "%s", err);

    ck_assert_int_eq(uv_loop_init(&fx.loop), 0);
    uv_tcp_init(&fx.loop, &fx.listener);
    fx.listener.data = &fx;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    ck_assert_int_eq(uv_tcp_bind(&fx.listener, (const struct sockaddr *)&addr, 0), 0);
    ck_assert_int_eq(uv_listen((uv_stream_t *)&fx.listener, 4, on_connection), 0);
    struct sockaddr_in bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&fx.listener, (struct sockaddr *)&bound, &len);
    fx.port = ntohs(bound.sin_port);
    uv_async_init(&fx.loop, &fx.finished, on_finished);
    fx.finished.data = &fx;

    pthread_t client;
    ck_assert_int_eq(pthread_create(&client, NULL, client_main, &fx), 0);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    pthread_join(client, NULL);
    ck_assert_int_eq(uv_loop_close(&fx.loop), 0);
    tls_server_free(fx.tls);
    unlink(fx.cert);
    unlink(fx.key);
    rmdir(fx.dir);

    ck_assert_msg(fx.reply_ok, "client: %s", fx.client_err);
    ck_assert_uint_eq(fx.reply_len, BIG_REPLY);
}

START_TEST(a_reply_of_many_records_arrives_whole_over_tls)
{
    run_fixture(false);
}
END_TEST

START_TEST(a_shared_reply_counts_only_what_the_kernel_did_not_take)
{
    run_fixture(true);
}
END_TEST

Suite *conn_tls_suite(void)
{
    Suite *s = suite_create("conn_tls");
    TCase *tc = tcase_create("conn_tls");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_reply_of_many_records_arrives_whole_over_tls);
    tcase_add_test(tc, a_shared_reply_counts_only_what_the_kernel_did_not_take);
    suite_add_tcase(s, tc);
    return s;
}
