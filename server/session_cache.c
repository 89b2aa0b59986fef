/*
 * The cache of sessions seen valid. See session_cache.h.
 *
 * A small array searched linearly: it is consulted once per Resume made while the
 * database cannot answer, and once per notification that a session ended, so a scan of
 * at most a thousand entries costs nothing that matters. When full, the entry used least
 * recently is replaced.
 */
#include "session_cache.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct cache_entry {
    struct session session;
    uint64_t used; /* the cache's clock when last put or got; 0 when the slot is free */
};

struct session_cache {
    struct cache_entry *entries;
    size_t capacity;
    uint64_t clock;
};

struct session_cache *session_cache_new(size_t capacity)
{
    struct session_cache *cache = xcalloc(1, sizeof *cache);
    cache->entries = xcalloc(capacity, sizeof *cache->entries);
    cache->capacity = capacity;
    return cache;
}

void session_cache_free(struct session_cache *cache)
{
    if (cache == NULL)
        return;
    free(cache->entries);
    free(cache);
}

static struct cache_entry *find(struct session_cache *cache, const char *token_hash_hex)
{
    for (size_t i = 0; i < cache->capacity; i++) {
        struct cache_entry *e = &cache->entries[i];
        if (e->used != 0 && strcmp(e->session.token_hash_hex, token_hash_hex) == 0)
            return e;
    }
    return NULL;
}

void session_cache_put(struct session_cache *cache, const struct session *s)
{
    struct cache_entry *slot = find(cache, s->token_hash_hex);
    for (size_t i = 0; slot == NULL && i < cache->capacity; i++)
        if (cache->entries[i].used == 0)
            slot = &cache->entries[i];
    if (slot == NULL) {
        slot = &cache->entries[0];
        for (size_t i = 1; i < cache->capacity; i++)
            if (cache->entries[i].used < slot->used)
                slot = &cache->entries[i];
    }
    slot->session = *s;
    slot->used = ++cache->clock;
}

bool session_cache_get(struct session_cache *cache, const char *token_hash_hex, int64_t now,
                       struct session *out)
{
    struct cache_entry *e = find(cache, token_hash_hex);
    if (e == NULL)
        return false;
    if (e->session.expires_at <= now) {
        memset(e, 0, sizeof *e);
        return false;
    }
    e->used = ++cache->clock;
    *out = e->session;
    return true;
}

void session_cache_forget(struct session_cache *cache, const char *token_hash_hex,
                          int64_t account_id)
{
    for (size_t i = 0; i < cache->capacity; i++) {
        struct cache_entry *e = &cache->entries[i];
        if (e->used == 0)
            continue;
        if (token_hash_hex ? strcmp(e->session.token_hash_hex, token_hash_hex) == 0
                           : e->session.account_id == account_id)
            memset(e, 0, sizeof *e);
    }
}

void session_cache_clear(struct session_cache *cache)
{
    memset(cache->entries, 0, cache->capacity * sizeof *cache->entries);
}
