/*
 * Sessions this renod has seen valid, kept in memory for one purpose: a client that
 * resumes while the database cannot be asked (down, or past the request deadline) can
 * still read the consolidated status that renod holds in memory, marked stale. Without
 * it, a new `reno status` during an outage could not even resume its session.
 *
 * What makes that safe: an entry is added when the database has just confirmed the
 * session (Login, Resume); it is dropped when a notification says the session or its
 * account ended, and the whole cache is cleared each time the LISTEN subscription is
 * (re)established, so it only bridges the window in which renod cannot hear the
 * database. A session resumed from here is provisional: it may read the status and ping,
 * nothing else (dispatch refuses the rest as UNAVAILABLE), so a revocation that renod
 * missed while deaf costs at most a read of figures it had already shown.
 *
 * Ownership: the cache is the server's (session_cache_new/free); entries are copies.
 */
#ifndef RENO_SESSION_CACHE_H
#define RENO_SESSION_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"

#define SESSION_CACHE_DEFAULT_CAPACITY 1024

struct session_cache;

struct session_cache *session_cache_new(size_t capacity);
void session_cache_free(struct session_cache *cache);
/* Remembers a session the database has just confirmed (replacing one with its token). */
void session_cache_put(struct session_cache *cache, const struct session *s);
/* Copies the session of a token (by its hash) into out when it is known and not expired
 * at `now` (Unix seconds). */
bool session_cache_get(struct session_cache *cache, const char *token_hash_hex, int64_t now,
                       struct session *out);
/* Forgets a token's session (token_hash_hex non-NULL) or every session of an account. */
void session_cache_forget(struct session_cache *cache, const char *token_hash_hex,
                          int64_t account_id);
void session_cache_clear(struct session_cache *cache);

#endif
