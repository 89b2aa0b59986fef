/*
 * Passwords and tokens. Password hashes are argon2id strings (libsodium); verifying one
 * costs tens of milliseconds and megabytes, so it runs on libuv's thread pool, never on
 * the loop. Session tokens are 32 random bytes shown to the client as hex and stored as
 * their BLAKE2b-256 hash.
 *
 * The server caps how many of these run at once (max_hashing): the thread pool is shared
 * with report rendering, and a flood of wrong logins must not starve it.
 *
 * Ownership: auth_verify_async() and auth_hash_async() copy their inputs (and wipe the
 * password copy); the callback runs once on the loop.
 */
#ifndef RENO_AUTH_H
#define RENO_AUTH_H

#include <sodium.h>
#include <stdbool.h>
#include <uv.h>

#include "msg.h"

#define AUTH_HASH_HEX (2 * 32 + 1)

typedef void (*auth_verify_cb)(void *arg, bool ok);
/* hash is the new argon2id string when ok, valid only during the call. */
typedef void (*auth_hash_cb)(void *arg, bool ok, const char *hash);

/* Queues a verification of password against hash; -1 if it cannot be queued. */
int auth_verify_async(uv_loop_t *loop, const char *hash, const char *password, auth_verify_cb cb,
                      void *arg) __attribute__((warn_unused_result));
/* Queues the hashing of a new password; -1 if it cannot be queued. */
int auth_hash_async(uv_loop_t *loop, const char *password, auth_hash_cb cb, void *arg)
    __attribute__((warn_unused_result));
/* Blocking hash, for admin commands and start-up (never on the loop while serving). */
int auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
    __attribute__((warn_unused_result));
/* A new token as hex, and the hex of its hash for storage. */
void auth_new_token(char token_hex[MSG_TOKEN_HEX + 1], char hash_hex[AUTH_HASH_HEX]);
/* The storage hash of a token given as hex (already checked to be hex by msg). */
void auth_token_hash(const char *token_hex, char hash_hex[AUTH_HASH_HEX]);

#endif
