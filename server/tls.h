/*
 * TLS for renod's connections, as a byte transformer that never touches a socket. OpenSSL
 * runs over two memory BIOs: the connection module pours the ciphertext it read into the
 * session (tls_session_feed) and takes plaintext out (tls_session_read); plaintext to send
 * goes in (tls_session_write) and ciphertext comes out (tls_session_take_output) for the
 * connection to hand to libuv. Nothing here blocks or waits: a call that needs more bytes
 * from the peer says so and returns, and the loop comes back when they have arrived.
 *
 * The server context (tls_server) is built once at start from the settings: the
 * certificate chain and key, TLS 1.2 at least (1.3 preferred), AEAD ciphers with forward
 * secrecy only, no renegotiation, no compression, no session tickets or cache (reno's
 * connections are long-lived; resumption would only keep secrets in memory for longer).
 *
 * Ownership: tls_server_new()/tls_server_free(); tls_session_new()/tls_session_free().
 * A session holds a reference on its server's SSL_CTX, so the context may be freed first.
 * Buffers from tls_session_take_output() are the caller's (free()).
 */
#ifndef RENO_TLS_H
#define RENO_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_ERR_SIZE 512

struct tls_server;
struct tls_session;

/*
 * Loads the certificate chain (PEM, the server's certificate first) and its private key
 * (PEM, which group and others must not be able to read) and checks that they match.
 * With client_ca_file not empty, every client must present a certificate that chains to
 * a CA in that file, or its handshake fails. 0 and *out, or -1 with err saying what to fix.
 */
int tls_server_new(const char *cert_file, const char *key_file, const char *client_ca_file,
                   struct tls_server **out, char err[TLS_ERR_SIZE])
    __attribute__((warn_unused_result));
void tls_server_free(struct tls_server *srv);

/* A session for one accepted connection, in the server role, before its handshake. */
struct tls_session *tls_session_new(struct tls_server *srv);
void tls_session_free(struct tls_session *t);

/* Hands ciphertext received from the peer to the session. */
void tls_session_feed(struct tls_session *t, const uint8_t *cipher, size_t len);

enum tls_read_result {
    TLS_READ_DATA,      /* *got plaintext bytes were written to buf */
    TLS_READ_NEED_MORE, /* everything fed so far is consumed; wait for the peer */
    TLS_READ_CLOSED,    /* the peer sent close_notify */
    TLS_READ_FAILED     /* a protocol or handshake failure; err says which */
};

/*
 * Advances the handshake and decrypts what it can into buf. After any call, output may
 * be waiting (handshake records, alerts): the caller sends tls_session_take_output().
 */
enum tls_read_result tls_session_read(struct tls_session *t, uint8_t *buf, size_t cap, size_t *got,
                                      char err[TLS_ERR_SIZE]);

/*
 * Encrypts len bytes of plaintext (all of them, or none on failure). Refused (-1) before
 * the handshake has finished: the peer has not yet spoken the protocol, so it awaits
 * nothing from us. 0, or -1 with err.
 */
int tls_session_write(struct tls_session *t, const uint8_t *plain, size_t len,
                      char err[TLS_ERR_SIZE]) __attribute__((warn_unused_result));

/* Ciphertext waiting to be sent, as a new buffer (NULL and 0 when there is none). */
uint8_t *tls_session_take_output(struct tls_session *t, size_t *len);

/* Ends an established session: its close_notify alert as ciphertext to send (NULL before
 * the handshake has finished). Nothing can be written or read after it. */
uint8_t *tls_session_close_notify(struct tls_session *t, size_t *len);

bool tls_session_established(const struct tls_session *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", and the client certificate's subject when there is
 * one, once established, for the log. */
void tls_session_describe(const struct tls_session *t, char *out, size_t size);

#endif
