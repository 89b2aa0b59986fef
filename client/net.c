/*
 * The client's connection. See net.h.
 *
 * The socket stays non-blocking for its whole life and every wait goes through poll()
 * against one deadline per call (CLOCK_MONOTONIC), so a server that accepts but never
 * answers, or answers half a frame, costs at most the timeout. Bytes go through the
 * common frame reader, which refuses an oversized header before buffering toward it, and
 * every frame is unpacked within the connection's budget.
 *
 * TLS runs over the same non-blocking socket (OpenSSL's socket BIO): a read or write that
 * OpenSSL cannot finish says whether it waits for the socket to become readable or
 * writable, and the same poll() against the same deadline waits for that. The server's
 * certificate is checked during the handshake (chain to the CA file, then the host name or
 * IP address), and a refusal is turned into a sentence that names the setting to change.
 * The server does not send close_notify before it closes, and the framing already tells a
 * cut-off reply from a whole one, so an end of stream without it is a plain close.
 *
 * A connection is broken after anything that leaves the byte stream in an unknown state:
 * a failed or partial write, EOF, a read error, an undecodable or oversized frame, or an
 * Event.error (after which the server closes). A timeout while waiting for a reply does
 * not break it: the late reply will carry an id nobody waits for and be skipped.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "frame.h"
#include "i18n.h"
#include "msg.h"
#include "status_form.h"
#include "xmalloc.h"

/* Events kept while a call waits for its reply (struct net_conn). */
#define NET_PENDING 16
/* TLS 1.2 suites for an older server: forward secrecy and AEAD only (1.3's are all so). */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"

struct net_conn {
    int fd;
    SSL_CTX *tls_ctx; /* NULL for plaintext */
    SSL *tls;         /* NULL for plaintext */
    int timeout_ms;
    bool broken;
    uint64_t next_id;
    struct frame_reader reader;
    /* Charged for every unpacked server message; replies handed out still count. */
    struct msg_budget budget;
    char address[128];
    char server_name[128];
    uint32_t server_max_frame;
    /* The reason from a ShuttingDown event, to explain the EOF that follows it. */
    char shutdown_reason[128];
    /* The newest position a write on this connection was answered with: today's status
     * asked on it waits for at least that (read-your-writes, docs/PROTOCOL.md). */
    int64_t last_position;
    /* Statuses that came in the compact form and were filled back (fill_statuses). */
    unsigned long statuses_filled;
    /* Events that arrived while a call waited for its reply, oldest first, handed out by
     * net_next() before anything read after them: a watcher's feed must not lose a pushed
     * change (a delta applies only to the status before it). At most NET_PENDING are
     * kept; beyond that the oldest is dropped, which the feed notices as a change that
     * does not follow what it holds. */
    Reno__ServerMessage *pending[NET_PENDING];
    size_t n_pending;
};

/* A write's reply names its position: WriteReply and PushProgressReply. */
static void note_position(struct net_conn *c, const Reno__ServerMessage *m)
{
    const Reno__Response *resp = m->response;
    if (resp->status != NULL && resp->status->code != RENO__STATUS_CODE__OK)
        return;
    int64_t position = 0;
    if (resp->body_case == RENO__RESPONSE__BODY_PUSH_PROGRESS)
        position = resp->push_progress->position;
    else {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
            &reno__response__descriptor, (unsigned)resp->body_case);
        if (f == NULL || f->descriptor != &reno__write_reply__descriptor)
            return;
        const Reno__WriteReply *w =
            *(const Reno__WriteReply *const *)((const char *)resp + f->offset);
        position = w ? w->position : 0;
    }
    if (position > c->last_position)
        c->last_position = position;
}

static void set_err(char err[NET_ERR_SIZE], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(char err[NET_ERR_SIZE], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, NET_ERR_SIZE, fmt, ap);
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, never negative; poll() takes an int. */
static int remaining(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > 1000000000 ? 1000000000 : (int)left;
}

/* 1 when fd is ready for events, 0 on timeout, -1 with errno on failure. */
static int wait_for(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, remaining(deadline));
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

static bool parse_port(const char *text, char port[6])
{
    size_t len = strlen(text);
    if (len == 0 || len > 5)
        return false;
    long value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    if (value < 1 || value > 65535)
        return false;
    snprintf(port, 6, "%ld", value);
    return true;
}

int net_split_address(const char *address, char *host, size_t host_size, char port[6],
                      char err[NET_ERR_SIZE])
{
    const char *host_start = address;
    size_t host_len;
    const char *port_text;
    if (address[0] == '[') {
        const char *close = strchr(address, ']');
        if (close == NULL || close[1] != ':') {
            set_err(err, _("address '%.100s' must be [IPv6]:port"), address);
            return -1;
        }
        host_start = address + 1;
        host_len = (size_t)(close - host_start);
        port_text = close + 2;
    } else {
        /* The last colon separates the port, so "::1:7420" also works unbracketed. */
        const char *colon = strrchr(address, ':');
        if (colon == NULL) {
            set_err(err, _("address '%.100s' must be host:port"), address);
            return -1;
        }
        host_len = (size_t)(colon - address);
        port_text = colon + 1;
    }
    if (host_len == 0 || host_len >= host_size) {
        set_err(err, _("address '%.100s' has no usable host"), address);
        return -1;
    }
    if (!parse_port(port_text, port)) {
        set_err(err, _("address '%.100s': port must be a number 1..65535"), address);
        return -1;
    }
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    return 0;
}

/* One non-blocking connect attempt; the socket or -1 with errno set. */
static int try_connect(const struct addrinfo *ai, int64_t deadline)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS && errno != EINTR)
            goto fail;
        int ready = wait_for(fd, POLLOUT, deadline);
        if (ready <= 0) {
            if (ready == 0)
                errno = ETIMEDOUT;
            goto fail;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
            goto fail;
        if (so_error != 0) {
            errno = so_error;
            goto fail;
        }
    }
    /* Requests and replies are small and strictly alternate: do not wait for Nagle. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* The reason of OpenSSL's latest error, and an empty error queue for the next call. */
static const char *openssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    if (e == 0)
        return _("no further detail from OpenSSL");
    const char *reason = ERR_reason_error_string(e);
    return reason ? reason : _("unknown OpenSSL error");
}

/* Says what a refused certificate means for the person at the keyboard. */
static void describe_verify_failure(long result, const char *address, const char *name,
                                    char err[NET_ERR_SIZE])
{
    switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        set_err(err,
                _("the certificate of %.100s is not for '%.100s': connect by a name it carries, "
                  "or set server_name = NAME in the config file (~/.config/reno/config)"),
                address, name);
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        set_err(err,
                _("certificate of %.100s not trusted (%s): set ca = FILE (your county's ca.crt) "
                  "in ~/.config/reno/config, or give --ca FILE or RENO_CA"),
                address, X509_verify_cert_error_string(result));
        break;
    default:
        set_err(err, _("certificate of %.100s refused: %s"), address,
                X509_verify_cert_error_string(result));
        break;
    }
}

/* Like the token file, a private key is refused when group or others may read it. */
static int load_client_certificate(SSL_CTX *ctx, const struct net_tls *tls, char err[NET_ERR_SIZE])
{
    const char *key = tls->key_file && tls->key_file[0] ? tls->key_file : "";
    struct stat st;
    if (stat(key, &st) != 0) {
        set_err(err, _("key %.150s: %s (set key = FILE, the private key of cert)"), key,
                strerror(errno));
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        set_err(err, _("key %.150s has mode %04o: others may read it; chmod 600 it"), key,
                (unsigned)(st.st_mode & 07777));
        return -1;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1) {
        set_err(err, _("cert %.150s: cannot load a PEM certificate: %s"), tls->cert_file,
                openssl_reason());
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        set_err(err, _("key %.150s: not a PEM private key of cert %.150s: %s"), key, tls->cert_file,
                openssl_reason());
        return -1;
    }
    return 0;
}

/*
 * Describes a TLS failure the server caused by its alert about this client's certificate
 * (with TLS 1.3 it comes after the client's side of the handshake, with the first read),
 * or anything else OpenSSL reported. Empties the error queue.
 */
static void describe_tls_error(const char *address, char out[NET_ERR_SIZE])
{
    unsigned long e = ERR_peek_last_error();
    int reason = ERR_GET_REASON(e);
    if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
        set_err(out,
                _("renod at %.100s asks for a client certificate: set cert = FILE and key = FILE "
                  "in ~/.config/reno/config (or RENO_CERT, RENO_KEY)"),
                address);
    else if (reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
             reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
             reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED ||
             reason == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED ||
             reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN)
        set_err(out,
                _("renod at %.100s refused this client's certificate (%s): ask for one signed by "
                  "the CA it trusts (cert = FILE, key = FILE)"),
                address, openssl_reason());
    else
        set_err(out, _("TLS with %.100s failed: %s"), address, openssl_reason());
    ERR_clear_error();
}

/* The TLS handshake over c->fd, verifying the server against tls within the deadline. */
static int tls_handshake(struct net_conn *c, const char *host, const struct net_tls *tls,
                         int64_t deadline, int timeout_ms, char err[NET_ERR_SIZE])
{
    const char *name = tls->server_name && tls->server_name[0] ? tls->server_name : host;
    ERR_clear_error();
    c->tls_ctx = SSL_CTX_new(TLS_client_method());
    if (c->tls_ctx == NULL) {
        set_err(err, _("cannot set up TLS: %s"), openssl_reason());
        return -1;
    }
    SSL_CTX_set_min_proto_version(c->tls_ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(c->tls_ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                        SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (SSL_CTX_set_cipher_list(c->tls_ctx, TLS12_CIPHERS) != 1) {
        set_err(err, _("cannot set up TLS: %s"), openssl_reason());
        return -1;
    }
    if (tls->ca_file && tls->ca_file[0]) {
        if (SSL_CTX_load_verify_locations(c->tls_ctx, tls->ca_file, NULL) != 1) {
            set_err(err,
                    _("ca %.150s: cannot load CA certificates from it: %s (set ca = FILE, a "
                      "PEM file, in ~/.config/reno/config)"),
                    tls->ca_file, openssl_reason());
            return -1;
        }
    } else if (SSL_CTX_set_default_verify_paths(c->tls_ctx) != 1) {
        set_err(err, _("cannot load the system's CA certificates: %s"), openssl_reason());
        return -1;
    }
    SSL_CTX_set_verify(c->tls_ctx, SSL_VERIFY_PEER, NULL);
    if (tls->cert_file && tls->cert_file[0] && load_client_certificate(c->tls_ctx, tls, err) != 0)
        return -1;

    c->tls = SSL_new(c->tls_ctx);
    if (c->tls == NULL || SSL_set_fd(c->tls, c->fd) != 1) {
        set_err(err, _("cannot set up TLS: %s"), openssl_reason());
        return -1;
    }
    /* An IP literal is matched against the certificate's IP addresses, a name against its
     * DNS names; only a name goes into SNI. */
    X509_VERIFY_PARAM *param = SSL_get0_param(c->tls);
    unsigned char ip[sizeof(struct in6_addr)];
    bool literal = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
    int set;
    if (literal) {
        set = X509_VERIFY_PARAM_set1_ip_asc(param, name);
    } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        set = SSL_set1_host(c->tls, name) == 1 && SSL_set_tlsext_host_name(c->tls, name) == 1;
    }
    if (set != 1) {
        set_err(err, _("cannot check the server's certificate against '%.100s': %s"), name,
                openssl_reason());
        return -1;
    }

    for (;;) {
        ERR_clear_error();
        int rc = SSL_connect(c->tls);
        if (rc == 1)
            return 0;
        int e = SSL_get_error(c->tls, rc);
        short events = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (events == 0) {
            long verify = SSL_get_verify_result(c->tls);
            if (verify != X509_V_OK)
                describe_verify_failure(verify, c->address, name, err);
            else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
                set_err(err,
                        _("%.100s closed the connection during the TLS handshake (is it renod "
                          "with TLS?)"),
                        c->address);
            else if (ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_SSL &&
                     ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_WRONG_VERSION_NUMBER)
                set_err(err,
                        _("%.100s does not speak TLS (for a renod serving plaintext on "
                          "loopback, set tls = off)"),
                        c->address);
            else
                describe_tls_error(c->address, err);
            ERR_clear_error();
            return -1;
        }
        int ready = wait_for(c->fd, events, deadline);
        if (ready == 0) {
            set_err(err, _("TLS handshake with %.100s: no answer within %d ms"), c->address,
                    timeout_ms);
            return -1;
        }
        if (ready < 0) {
            set_err(err, _("cannot wait for %.100s: %s"), c->address, strerror(errno));
            return -1;
        }
    }
}

int net_connect(const char *address, int timeout_ms, struct net_conn **out, char err[NET_ERR_SIZE])
{
    const struct net_tls plaintext = {.plaintext = true};
    return net_connect_tls(address, timeout_ms, &plaintext, out, err);
}

int net_connect_tls(const char *address, int timeout_ms, const struct net_tls *tls,
                    struct net_conn **out, char err[NET_ERR_SIZE])
{
    char host[256];
    char port[6];
    *out = NULL;
    if (timeout_ms <= 0)
        timeout_ms = NET_DEFAULT_TIMEOUT_MS;
    if (net_split_address(address, host, sizeof host, port, err) != 0)
        return -1;

    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    struct addrinfo *list = NULL;
    int gai = getaddrinfo(host, port, &hints, &list);
    if (gai == EAI_NONAME || gai == EAI_ADDRFAMILY || gai == EAI_NODATA) {
        /* AI_ADDRCONFIG hides ::1 on hosts whose only IPv6 address is loopback. */
        hints.ai_flags = AI_NUMERICSERV;
        gai = getaddrinfo(host, port, &hints, &list);
    }
    if (gai != 0) {
        set_err(err, _("cannot resolve '%.100s': %s"), host,
                gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
        return -1;
    }
    /* Plaintext carries passwords and tokens in clear: only where no wire is crossed. */
    if (tls->plaintext) {
        for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
            if (!is_loopback(ai->ai_addr)) {
                freeaddrinfo(list);
                set_err(err,
                        _("plaintext (tls = off) is allowed only to a loopback address, and "
                          "%.100s is not one: remove tls = off and set ca = FILE"),
                        address);
                return -1;
            }
        }
    }

    int64_t deadline = now_ms() + timeout_ms;
    int fd = -1;
    int last_errno = 0;
    for (const struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = try_connect(ai, deadline);
        if (fd < 0)
            last_errno = errno;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        if (last_errno == ETIMEDOUT)
            set_err(err, _("cannot connect to %.100s: no answer within %d ms"), address,
                    timeout_ms);
        else
            set_err(err, _("cannot connect to %.100s: %s"), address, strerror(last_errno));
        return -1;
    }

    struct net_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->timeout_ms = timeout_ms;
    frame_reader_init(&c->reader, NET_MAX_FRAME);
    msg_budget_init(&c->budget, NET_BUDGET);
    snprintf(c->address, sizeof c->address, "%s", address);
    if (!tls->plaintext && tls_handshake(c, host, tls, deadline, timeout_ms, err) != 0) {
        c->broken = true; /* no close_notify after a failed handshake */
        net_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

void net_close(struct net_conn *c)
{
    if (c == NULL)
        return;
    if (c->tls != NULL) {
        /* A close_notify if the socket takes it now; the server does not wait for one. */
        if (!c->broken) {
            ERR_clear_error();
            (void)SSL_shutdown(c->tls);
        }
        ERR_clear_error();
        SSL_free(c->tls);
    }
    SSL_CTX_free(c->tls_ctx);
    for (size_t i = 0; i < c->n_pending; i++)
        msg_free_server(&c->budget, c->pending[i]);
    close(c->fd);
    frame_reader_done(&c->reader);
    free(c);
}

void net_set_timeout(struct net_conn *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : NET_DEFAULT_TIMEOUT_MS;
}

int net_fd(const struct net_conn *c)
{
    return c->fd;
}

const char *net_server_name(const struct net_conn *c)
{
    return c->server_name;
}

uint32_t net_server_max_frame(const struct net_conn *c)
{
    return c->server_max_frame;
}

void net_free(struct net_conn *c, Reno__ServerMessage *m)
{
    msg_free_server(&c->budget, m);
}

static int fail(struct net_conn *c, char err[NET_ERR_SIZE], const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Marks the connection broken and fills err; returns -1 for the caller to pass on. */
static int fail(struct net_conn *c, char err[NET_ERR_SIZE], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, NET_ERR_SIZE, fmt, ap);
    va_end(ap);
    c->broken = true;
    return -1;
}

/*
 * One read or write through TLS or the bare socket, with the socket's conventions: the
 * byte count, 0 for end of stream (reads), or -1 with errno; EAGAIN comes with *wait set
 * to what poll() must wait for (TLS may need to read in order to write, and the other way
 * round). EPROTO stands for a TLS failure, described in tls_reason.
 */
static ssize_t transport_io(struct net_conn *c, bool writing, void *buf, size_t len, short *wait,
                            char tls_reason[NET_ERR_SIZE])
{
    *wait = writing ? POLLOUT : POLLIN;
    if (c->tls == NULL)
        return writing ? send(c->fd, buf, len, MSG_NOSIGNAL) : recv(c->fd, buf, len, 0);
    ERR_clear_error();
    int want = len > 1 << 30 ? 1 << 30 : (int)len;
    int n = writing ? SSL_write(c->tls, buf, want) : SSL_read(c->tls, buf, want);
    if (n > 0)
        return n;
    int e = SSL_get_error(c->tls, n);
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        *wait = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        if (errno == 0)
            errno = ECONNRESET;
        return -1;
    default:
        describe_tls_error(c->address, tls_reason);
        errno = EPROTO;
        return -1;
    }
}

static int send_all(struct net_conn *c, const uint8_t *buf, size_t len, int64_t deadline,
                    char err[NET_ERR_SIZE])
{
    size_t sent = 0;
    char tls_reason[NET_ERR_SIZE] = "";
    while (sent < len) {
        short wait = POLLOUT;
        /* After a TLS write that must be retried, the retry passes the same bytes again. */
        ssize_t n = transport_io(c, true, (void *)(buf + sent), len - sent, &wait, tls_reason);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int ready = wait_for(c->fd, wait, deadline);
            if (ready > 0)
                continue;
            if (ready == 0)
                return fail(c, err, _("timed out after %d ms sending to %s"), c->timeout_ms,
                            c->address);
        }
        if (errno == EPROTO)
            return fail(c, err, "%s", tls_reason);
        return fail(c, err, _("cannot send to %s: %s"), c->address, strerror(errno));
    }
    return 0;
}

/* Reads what the socket has into the frame reader: 0, or -1 with err (EOF included). */
static int receive_some(struct net_conn *c, int64_t deadline, char err[NET_ERR_SIZE])
{
    uint8_t buf[65536];
    char tls_reason[NET_ERR_SIZE] = "";
    for (;;) {
        short wait = POLLIN;
        ssize_t n = transport_io(c, false, buf, sizeof buf, &wait, tls_reason);
        if (n > 0) {
            frame_reader_feed(&c->reader, buf, (size_t)n);
            return 0;
        }
        if (n == 0) {
            if (c->shutdown_reason[0] != '\0')
                return fail(c, err, _("server %s shut down: %s"), c->address, c->shutdown_reason);
            return fail(c, err, _("server %s closed the connection"), c->address);
        }
        if (errno == EINTR)
            continue;
        if (errno == EPROTO)
            return fail(c, err, "%s", tls_reason);
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return fail(c, err, _("cannot read from %s: %s"), c->address, strerror(errno));
        int ready = wait_for(c->fd, wait, deadline);
        if (ready == 0) {
            if (frame_reader_pending(&c->reader) > 0)
                set_err(err, _("only part of a reply from %s within %d ms"), c->address,
                        c->timeout_ms);
            else
                set_err(err, _("no reply from %s within %d ms"), c->address, c->timeout_ms);
            return -1;
        }
        if (ready < 0)
            return fail(c, err, _("cannot wait for %s: %s"), c->address, strerror(errno));
    }
}

/*
 * Handles one unpacked message while waiting for id. Returns 1 when it is the reply (now
 * owned by the caller), 0 when it was skipped and freed, -1 with err on Event.error.
 */
static int consider(struct net_conn *c, Reno__ServerMessage *m, uint64_t id, char err[NET_ERR_SIZE])
{
    if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE && m->response->id == id)
        return 1;
    if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT) {
        const Reno__Event *ev = m->event;
        if (ev->body_case == RENO__EVENT__BODY_ERROR) {
            const Reno__Status *st = ev->error;
            int rc = fail(c, err, _("server error: %s: %s"), msg_status_name(st->code),
                          st->message ? st->message : "");
            net_free(c, m);
            return rc;
        }
        if (ev->body_case == RENO__EVENT__BODY_SHUTTING_DOWN) {
            const char *reason = ev->shutting_down->reason;
            snprintf(c->shutdown_reason, sizeof c->shutdown_reason, "%s",
                     reason && reason[0] ? reason : _("no reason given"));
        }
    }
    if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT) {
        /* Not ours, but the watcher's: kept for net_next(). */
        if (c->n_pending == NET_PENDING) {
            net_free(c, c->pending[0]);
            memmove(c->pending, c->pending + 1, (NET_PENDING - 1) * sizeof c->pending[0]);
            c->n_pending--;
        }
        c->pending[c->n_pending++] = m;
        return 0;
    }
    /* Responses to calls that already timed out are not ours. */
    net_free(c, m);
    return 0;
}

/* The form statuses are asked for in: compact, unless RENO_STATUS_FORM=full (the full page
 * every client got before the compact form, to compare the two). */
static Reno__StatusForm status_form_wanted(void)
{
    const char *env = getenv("RENO_STATUS_FORM");
    return env != NULL && strcmp(env, "full") == 0 ? RENO__STATUS_FORM__STATUS_FORM_FULL
                                                   : RENO__STATUS_FORM__STATUS_FORM_COMPACT;
}

/* A status in the compact form (common/status_form.h) replaced by the same status filled
 * back, in the message's own allocator; false when the budget refuses. */
static bool fill_one(struct net_conn *c, Reno__StatusReply **s)
{
    if (*s == NULL || (*s)->form != RENO__STATUS_FORM__STATUS_FORM_COMPACT)
        return true;
    Reno__StatusReply *full = status_form_fill(*s, &c->budget.allocator);
    if (full == NULL)
        return false;
    reno__status_reply__free_unpacked(*s, &c->budget.allocator);
    *s = full;
    c->statuses_filled++;
    return true;
}

unsigned long net_statuses_filled(const struct net_conn *c)
{
    return c->statuses_filled;
}

/* Every status a message carries whole (a GetStatus or Watch reply, a StatusChanged) is
 * filled back here, so that the rest of the client sees the full page whichever form it
 * came in. A StatusDelta's status is left as it came: it is applied to the compact form
 * of the page held (status_form_apply). */
static bool fill_statuses(struct net_conn *c, Reno__ServerMessage *m)
{
    if (m->kind_case == RENO__SERVER_MESSAGE__KIND_RESPONSE) {
        Reno__Response *r = m->response;
        if (r->body_case == RENO__RESPONSE__BODY_STATUS_REPLY)
            return fill_one(c, &r->status_reply);
        if (r->body_case == RENO__RESPONSE__BODY_WATCH && r->watch != NULL)
            return fill_one(c, &r->watch->status);
    } else if (m->kind_case == RENO__SERVER_MESSAGE__KIND_EVENT) {
        Reno__Event *ev = m->event;
        if (ev->body_case == RENO__EVENT__BODY_STATUS_CHANGED && ev->status_changed != NULL)
            return fill_one(c, &ev->status_changed->status);
    }
    return true;
}

int net_call(struct net_conn *c, Reno__Request *req, Reno__ServerMessage **reply,
             char err[NET_ERR_SIZE])
{
    *reply = NULL;
    if (c->broken) {
        set_err(err, _("connection to %s is no longer usable"), c->address);
        return -1;
    }
    int64_t deadline = now_ms() + c->timeout_ms;
    req->id = ++c->next_id;

    /* Today's status after a write on this connection includes that write. */
    Reno__GetStatus *gs = req->body_case == RENO__REQUEST__BODY_GET_STATUS ? req->get_status : NULL;
    bool implied = gs != NULL && gs->min_position == 0 && (gs->as_of == NULL || !gs->as_of[0]);
    if (implied)
        gs->min_position = c->last_position;
    /* A status or a watched page is asked for in the compact form, filled back on arrival
     * (fill_statuses). */
    Reno__GetStatus *view = gs != NULL                                    ? gs
                            : req->body_case == RENO__REQUEST__BODY_WATCH ? req->watch->page
                                                                          : NULL;
    Reno__StatusForm form_was = view != NULL ? view->form : RENO__STATUS_FORM__STATUS_FORM_FULL;
    if (view != NULL && form_was == RENO__STATUS_FORM__STATUS_FORM_FULL)
        view->form = status_form_wanted();
    size_t frame_len = 0;
    uint8_t *frame = msg_pack_frame(&req->base, &frame_len);
    if (implied)
        gs->min_position = 0; /* the request stays the caller's as it was */
    if (view != NULL)
        view->form = form_was;
    if (frame == NULL) {
        set_err(err, _("request of %zu bytes is over the largest frame"), frame_len);
        return -1;
    }
    int rc = send_all(c, frame, frame_len, deadline, err);
    /* The frame may hold a password (Login); do not leave it in freed memory. */
    explicit_bzero(frame, frame_len);
    free(frame);
    if (rc != 0)
        return -1;

    for (;;) {
        const uint8_t *payload = NULL;
        uint32_t len = 0;
        enum frame_status st = frame_reader_next(&c->reader, &payload, &len);
        if (st == FRAME_TOO_LARGE)
            return fail(c, err, _("server sent a %u-byte frame; at most %u accepted"), len,
                        NET_MAX_FRAME);
        if (st == FRAME_NEED_MORE) {
            if (receive_some(c, deadline, err) != 0)
                return -1;
            continue;
        }
        Reno__ServerMessage *m = msg_unpack_server(&c->budget, payload, len);
        if (m == NULL)
            return fail(c, err, _("server sent an undecodable %u-byte frame"), len);
        if (!fill_statuses(c, m)) {
            net_free(c, m);
            return fail(c, err, _("server sent a status of %u bytes that is too large filled"),
                        len);
        }
        int got = consider(c, m, req->id, err);
        if (got < 0)
            return -1;
        if (got > 0) {
            note_position(c, m);
            *reply = m;
            return 0;
        }
    }
}

int net_next(struct net_conn *c, int timeout_ms, Reno__ServerMessage **msg, char err[NET_ERR_SIZE])
{
    *msg = NULL;
    if (c->broken) {
        set_err(err, _("connection to %s is no longer usable"), c->address);
        return -1;
    }
    if (c->n_pending > 0) {
        *msg = c->pending[0];
        memmove(c->pending, c->pending + 1, (c->n_pending - 1) * sizeof c->pending[0]);
        c->n_pending--;
        return 0;
    }
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        const uint8_t *payload = NULL;
        uint32_t len = 0;
        enum frame_status st = frame_reader_next(&c->reader, &payload, &len);
        if (st == FRAME_TOO_LARGE)
            return fail(c, err, _("server sent a %u-byte frame; at most %u accepted"), len,
                        NET_MAX_FRAME);
        if (st == FRAME_READY) {
            Reno__ServerMessage *m = msg_unpack_server(&c->budget, payload, len);
            if (m == NULL)
                return fail(c, err, _("server sent an undecodable %u-byte frame"), len);
            if (!fill_statuses(c, m)) {
                net_free(c, m);
                return fail(c, err, _("server sent a status of %u bytes that is too large filled"),
                            len);
            }
            *msg = m;
            return 0;
        }
        /* Past the deadline this still takes what the socket already holds. */
        if (receive_some(c, deadline, err) != 0)
            return c->broken ? -1 : 1;
    }
}

int net_hello(struct net_conn *c, const char *client_name, char err[NET_ERR_SIZE])
{
    Reno__Hello hello = RENO__HELLO__INIT;
    hello.protocol_version = RENO_PROTOCOL_VERSION;
    hello.client_name = (char *)client_name;
    Reno__Request req = RENO__REQUEST__INIT;
    req.body_case = RENO__REQUEST__BODY_HELLO;
    req.hello = &hello;

    Reno__ServerMessage *m = NULL;
    if (net_call(c, &req, &m, err) != 0)
        return -1;
    const Reno__Response *r = m->response;
    int rc = -1;
    if (r->status != NULL && r->status->code != RENO__STATUS_CODE__OK) {
        set_err(err, _("server refused hello: %s: %s"), msg_status_name(r->status->code),
                r->status->message ? r->status->message : "");
    } else if (r->body_case != RENO__RESPONSE__BODY_HELLO) {
        set_err(err, _("server answered hello without a HelloReply"));
    } else if (r->hello->protocol_version != RENO_PROTOCOL_VERSION) {
        set_err(err, _("server speaks protocol %u, this client %d"), r->hello->protocol_version,
                RENO_PROTOCOL_VERSION);
    } else {
        const char *name = r->hello->server_name;
        snprintf(c->server_name, sizeof c->server_name, "%s", name ? name : "");
        c->server_max_frame = r->hello->max_frame_bytes;
        rc = 0;
    }
    net_free(c, m);
    return rc;
}
