/*
 * The client's connection to renod: one blocking TCP connection, TLS unless plaintext was
 * asked for, that sends Request frames and waits, with a deadline, for the Response that
 * carries the same id. TLS checks the server's certificate against the CA file given (or
 * the system's CAs) and the host name or IP address connected to; plaintext is refused
 * unless every address the host resolves to is loopback. It owns the
 * socket, the frame reader and the memory budget for unpacking what the server sends; it
 * knows nothing of commands, settings or how results are shown. Every wait is bounded by
 * the connection's timeout; nothing here can block forever on a silent server.
 *
 * Read-your-writes: the connection keeps the newest position a write on it was answered
 * with, and a GetStatus for today sent on it without a min_position asks for at least
 * that one, so that a reader sees its own writes (docs/PROTOCOL.md, Positions).
 *
 * Events that arrive while a reply is awaited are skipped, except Event.error, which ends
 * the call (and the connection: the server closes it after an error). Responses for other
 * ids (a reply that came after its call timed out) are skipped too.
 *
 * Ownership: net_connect() returns a connection freed by net_close(). A reply from
 * net_call() belongs to the caller, who frees it with net_free() on the same connection
 * before closing it (the reply's memory is charged to the connection's budget).
 */
#ifndef RENO_NET_H
#define RENO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reno.pb-c.h"

#define NET_ERR_SIZE 256
/* The largest frame accepted from the server, and the memory an unpacked reply may use. */
#define NET_MAX_FRAME          (4u << 20)
#define NET_BUDGET             (16u << 20)
#define NET_DEFAULT_TIMEOUT_MS 10000

struct net_conn;

/*
 * Splits "host:port", "[v6]:port" or a bare IPv6 address followed by ":port" into its
 * parts. The port must be a number 1..65535. 0, or -1 with err filled.
 */
int net_split_address(const char *address, char *host, size_t host_size, char port[6],
                      char err[NET_ERR_SIZE]) __attribute__((warn_unused_result));

/* How a connection is secured. Strings are the caller's and are not kept. */
struct net_tls {
    bool plaintext;          /* no TLS: refused unless the host is loopback only */
    const char *ca_file;     /* PEM CA certificates to trust; NULL or "" for the system's */
    const char *server_name; /* the name the certificate must carry; NULL or "" for the host */
    const char *cert_file;   /* PEM client certificate for a renod that asks; NULL or "" none */
    const char *key_file;    /* its PEM private key, which only its owner may read */
};

/*
 * Connects to "host:port" (numeric IPv4 or IPv6, or a name such as "localhost", resolved
 * with getaddrinfo), trying each address until one answers within the time left of
 * timeout_ms, then completes the TLS handshake within the same time. The timeout also
 * becomes the connection's per-call timeout. 0 and *out, or -1 with err filled (for a
 * certificate that is not trusted or not the server's, err says which setting to fix).
 */
int net_connect_tls(const char *address, int timeout_ms, const struct net_tls *tls,
                    struct net_conn **out, char err[NET_ERR_SIZE])
    __attribute__((warn_unused_result));
/* net_connect_tls() in plaintext: for tests and tools that talk to a loopback renod. */
int net_connect(const char *address, int timeout_ms, struct net_conn **out, char err[NET_ERR_SIZE])
    __attribute__((warn_unused_result));
void net_close(struct net_conn *c);

/* Sets the time a later net_call() may take in all, sending included (milliseconds > 0). */
void net_set_timeout(struct net_conn *c, int timeout_ms);

/*
 * Assigns req->id, sends the request, and waits for the Response with that id. Returns 0
 * and *reply (a ServerMessage whose kind is a response; the caller checks its status and
 * frees it with net_free()), or -1 with err filled on a transport failure, a timeout, an
 * oversized or undecodable frame, or an Event.error from the server. After a failure other
 * than a timeout while waiting, the connection is broken and later calls fail at once.
 */
int net_call(struct net_conn *c, Reno__Request *req, Reno__ServerMessage **reply,
             char err[NET_ERR_SIZE]) __attribute__((warn_unused_result));
/* How many statuses came in the compact form (GetStatus.form, which calls ask for unless
 * RENO_STATUS_FORM=full) and were filled back before being handed out. */
unsigned long net_statuses_filled(const struct net_conn *c);

void net_free(struct net_conn *c, Reno__ServerMessage *m);

/*
 * Waits up to timeout_ms for the next message from the server, of any kind (a pushed
 * Event, say, after Watch). 0 and *msg (free with net_free()), 1 when nothing came in
 * time, -1 with err when the connection failed.
 */
int net_next(struct net_conn *c, int timeout_ms, Reno__ServerMessage **msg, char err[NET_ERR_SIZE])
    __attribute__((warn_unused_result));

/*
 * Sends Hello (protocol version 1, client_name) and checks that the server answered OK
 * with a HelloReply. 0, or -1 with err filled (a refusal reads "CODE: message").
 */
int net_hello(struct net_conn *c, const char *client_name, char err[NET_ERR_SIZE])
    __attribute__((warn_unused_result));

/* What the server said in its HelloReply; "" and 0 before a successful net_hello(). */
const char *net_server_name(const struct net_conn *c);
uint32_t net_server_max_frame(const struct net_conn *c);

/* The socket, for tests that write raw bytes (plaintext connections only: with TLS it
 * carries ciphertext). It stays owned by the connection. */
int net_fd(const struct net_conn *c);

#endif
