/*
 * TLS over memory BIOs. See tls.h.
 *
 * OpenSSL keeps a per-thread error queue; one connection's failure must not be reported
 * as another's, so every operation starts with an empty queue and a failure is described
 * from what that operation left in it, after which the queue is emptied again.
 *
 * The read BIO is told to answer "retry" rather than "end of file" when it is empty
 * (BIO_set_mem_eof_return(-1)): an empty buffer only means the peer's next bytes have not
 * arrived yet. The write BIO grows with what is written into it; the connection drains it
 * after every operation, so it never holds more than one reply's ciphertext.
 */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "xmalloc.h"

/* TLS 1.2 suites for when a peer cannot do 1.3: forward secrecy and AEAD only. TLS 1.3's
 * own suites are all of that kind, and OpenSSL's default list for them is kept. */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"

struct tls_server {
    SSL_CTX *ctx;
};

struct tls_session {
    SSL *ssl;
    BIO *rbio; /* ciphertext from the peer; owned by ssl */
    BIO *wbio; /* ciphertext for the peer; owned by ssl */
};

static void set_err(char err[TLS_ERR_SIZE], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(char err[TLS_ERR_SIZE], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, TLS_ERR_SIZE, fmt, ap);
    va_end(ap);
}

/* The reason of the latest OpenSSL error ("wrong version number"), and an empty queue. */
static const char *openssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    if (e == 0)
        return "no further detail from OpenSSL";
    const char *reason = ERR_reason_error_string(e);
    return reason ? reason : "unknown OpenSSL error";
}

/*
 * A private key that others can read is a key that others may have: PostgreSQL refuses
 * such a file and so does renod. Checked on the open file, so what is checked is what is
 * read.
 */
static int check_key_file(const char *path, char err[TLS_ERR_SIZE])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, "tls_key %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = fstat(fd, &st);
    int saved = errno;
    close(fd);
    if (rc != 0) {
        set_err(err, "tls_key %s: %s", path, strerror(saved));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        set_err(err, "tls_key %s is not a regular file", path);
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        set_err(err,
                "tls_key %s has mode %04o: group or others may read the private key; "
                "chmod 600 it",
                path, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

int tls_server_new(const char *cert_file, const char *key_file, const char *client_ca_file,
                   struct tls_server **out, char err[TLS_ERR_SIZE])
{
    *out = NULL;
    if (cert_file[0] == '\0' || key_file[0] == '\0') {
        set_err(err,
                "TLS is on but %s is not set: give the server's certificate and key "
                "(tls_cert = FILE, tls_key = FILE); a county's private CA and a server "
                "certificate are made with scripts/tls-certs DIR --host NAME (README, TLS)",
                cert_file[0] == '\0' ? "tls_cert" : "tls_key");
        return -1;
    }
    if (check_key_file(key_file, err) != 0)
        return -1;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        set_err(err, "cannot create a TLS context: %s", openssl_reason());
        return -1;
    }
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
        set_err(err, "cannot configure TLS: %s", openssl_reason());
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* An idle connection gives its record buffers back; there may be thousands of them. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        set_err(err, "tls_cert %s: cannot load a PEM certificate chain: %s", cert_file,
                openssl_reason());
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        set_err(err, "tls_key %s: cannot load it as the PEM private key of %s: %s", key_file,
                cert_file, openssl_reason());
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        set_err(err, "tls_key %s does not belong to the certificate in %s: %s", key_file, cert_file,
                openssl_reason());
        goto fail;
    }
    if (client_ca_file[0] != '\0') {
        /* The CAs are both what client certificates are checked against and the list of
         * names sent to clients so that they can pick a certificate. */
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca_file);
        if (names == NULL || SSL_CTX_load_verify_locations(ctx, client_ca_file, NULL) != 1) {
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            set_err(err, "tls_client_ca %s: cannot load PEM CA certificates: %s", client_ca_file,
                    openssl_reason());
            goto fail;
        }
        SSL_CTX_set_client_CA_list(ctx, names); /* the context owns the list from here */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    struct tls_server *srv = xcalloc(1, sizeof *srv);
    srv->ctx = ctx;
    *out = srv;
    return 0;
fail:
    SSL_CTX_free(ctx);
    return -1;
}

void tls_server_free(struct tls_server *srv)
{
    if (srv == NULL)
        return;
    SSL_CTX_free(srv->ctx);
    free(srv);
}

struct tls_session *tls_session_new(struct tls_server *srv)
{
    ERR_clear_error();
    SSL *ssl = SSL_new(srv->ctx);
    BIO *rbio = BIO_new(BIO_s_mem());
    BIO *wbio = BIO_new(BIO_s_mem());
    if (ssl == NULL || rbio == NULL || wbio == NULL)
        fatal("cannot allocate a TLS session: %s", openssl_reason());
    BIO_set_mem_eof_return(rbio, -1);
    BIO_set_mem_eof_return(wbio, -1);
    SSL_set_bio(ssl, rbio, wbio); /* the SSL owns both from here */
    SSL_set_accept_state(ssl);
    struct tls_session *t = xcalloc(1, sizeof *t);
    t->ssl = ssl;
    t->rbio = rbio;
    t->wbio = wbio;
    return t;
}

void tls_session_free(struct tls_session *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    free(t);
}

void tls_session_feed(struct tls_session *t, const uint8_t *cipher, size_t len)
{
    /* A memory BIO takes everything (it grows), so a short write cannot happen; the
     * caller feeds at most one read's worth, which fits an int. */
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int n = BIO_write(t->rbio, cipher, chunk);
        if (n <= 0)
            fatal("cannot buffer TLS input: %s", openssl_reason());
        cipher += n;
        len -= (size_t)n;
    }
}

enum tls_read_result tls_session_read(struct tls_session *t, uint8_t *buf, size_t cap, size_t *got,
                                      char err[TLS_ERR_SIZE])
{
    *got = 0;
    ERR_clear_error();
    int want = cap > INT_MAX ? INT_MAX : (int)cap;
    int n = SSL_read(t->ssl, buf, want);
    if (n > 0) {
        *got = (size_t)n;
        return TLS_READ_DATA;
    }
    int e = SSL_get_error(t->ssl, n);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        /* Also after a whole handshake message or a record without application data. */
        ERR_clear_error();
        return TLS_READ_NEED_MORE;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        return TLS_READ_CLOSED;
    case SSL_ERROR_SSL:
        set_err(err, "TLS %s failed: %s", SSL_is_init_finished(t->ssl) ? "connection" : "handshake",
                openssl_reason());
        return TLS_READ_FAILED;
    default:
        set_err(err, "TLS failed (OpenSSL error %d): %s", e, openssl_reason());
        return TLS_READ_FAILED;
    }
}

int tls_session_write(struct tls_session *t, const uint8_t *plain, size_t len,
                      char err[TLS_ERR_SIZE])
{
    if (!SSL_is_init_finished(t->ssl)) {
        set_err(err, "TLS handshake not finished");
        return -1;
    }
    ERR_clear_error();
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int n = SSL_write(t->ssl, plain, chunk);
        if (n <= 0) {
            set_err(err, "TLS write failed: %s", openssl_reason());
            return -1;
        }
        plain += n;
        len -= (size_t)n;
    }
    return 0;
}

uint8_t *tls_session_take_output(struct tls_session *t, size_t *len)
{
    size_t pending = BIO_ctrl_pending(t->wbio);
    *len = 0;
    if (pending == 0)
        return NULL;
    uint8_t *buf = xmalloc(pending);
    size_t taken = 0;
    while (taken < pending) {
        size_t left = pending - taken;
        int n = BIO_read(t->wbio, buf + taken, left > INT_MAX ? INT_MAX : (int)left);
        if (n <= 0)
            break;
        taken += (size_t)n;
    }
    *len = taken;
    return buf;
}

uint8_t *tls_session_close_notify(struct tls_session *t, size_t *len)
{
    *len = 0;
    if (!SSL_is_init_finished(t->ssl))
        return NULL;
    ERR_clear_error();
    /* The first call only writes our close_notify; we do not wait for the peer's. */
    (void)SSL_shutdown(t->ssl);
    ERR_clear_error();
    return tls_session_take_output(t, len);
}

bool tls_session_established(const struct tls_session *t)
{
    return SSL_is_init_finished(t->ssl) == 1;
}

void tls_session_describe(const struct tls_session *t, char *out, size_t size)
{
    const char *cipher = SSL_get_cipher_name(t->ssl);
    char subject[256] = "";
    X509 *peer = SSL_get1_peer_certificate(t->ssl);
    if (peer != NULL) {
        /* One line, escaped: the subject comes from the peer. */
        BIO *mem = BIO_new(BIO_s_mem());
        if (mem != NULL) {
            X509_NAME_print_ex(mem, X509_get_subject_name(peer), 0,
                               XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
            int n = BIO_read(mem, subject, (int)sizeof subject - 1);
            subject[n > 0 ? n : 0] = '\0';
            BIO_free(mem);
        }
        X509_free(peer);
    }
    snprintf(out, size, "%s %s%s%s", SSL_get_version(t->ssl), cipher ? cipher : "?",
             subject[0] ? ", client certificate " : "", subject);
}
