/*
 * Passwords and tokens. See auth.h.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "log.h"
#include "xmalloc.h"

struct verify_job {
    uv_work_t work;
    char hash[crypto_pwhash_STRBYTES];
    char *password;
    size_t password_len;
    bool ok;
    auth_verify_cb cb;
    void *arg;
};

static void verify_work(uv_work_t *w)
{
    struct verify_job *job = w->data;
    job->ok = crypto_pwhash_str_verify(job->hash, job->password, job->password_len) == 0;
}

static void verify_done(uv_work_t *w, int status)
{
    struct verify_job *job = w->data;
    bool ok = status == 0 && job->ok;
    sodium_memzero(job->password, job->password_len);
    free(job->password);
    auth_verify_cb cb = job->cb;
    void *arg = job->arg;
    free(job);
    cb(arg, ok);
}

int auth_verify_async(uv_loop_t *loop, const char *hash, const char *password, auth_verify_cb cb,
                      void *arg)
{
    if (strlen(hash) >= crypto_pwhash_STRBYTES)
        return -1;
    struct verify_job *job = xcalloc(1, sizeof *job);
    snprintf(job->hash, sizeof job->hash, "%s", hash);
    job->password_len = strlen(password);
    job->password = xstrdup(password);
    job->cb = cb;
    job->arg = arg;
    job->work.data = job;
    if (uv_queue_work(loop, &job->work, verify_work, verify_done) != 0) {
        free(job->password);
        free(job);
        return -1;
    }
    return 0;
}

struct hash_job {
    uv_work_t work;
    char *password;
    size_t password_len;
    char hash[crypto_pwhash_STRBYTES];
    bool ok;
    auth_hash_cb cb;
    void *arg;
};

static void hash_work(uv_work_t *w)
{
    struct hash_job *job = w->data;
    job->ok = auth_hash_password(job->password, job->hash) == 0;
}

static void hash_done(uv_work_t *w, int status)
{
    struct hash_job *job = w->data;
    sodium_memzero(job->password, job->password_len);
    free(job->password);
    job->cb(job->arg, status == 0 && job->ok, job->hash);
    free(job);
}

int auth_hash_async(uv_loop_t *loop, const char *password, auth_hash_cb cb, void *arg)
{
    struct hash_job *job = xcalloc(1, sizeof *job);
    job->password_len = strlen(password);
    job->password = xstrdup(password);
    job->cb = cb;
    job->arg = arg;
    job->work.data = job;
    if (uv_queue_work(loop, &job->work, hash_work, hash_done) != 0) {
        sodium_memzero(job->password, job->password_len);
        free(job->password);
        free(job);
        return -1;
    }
    return 0;
}

int auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

void auth_new_token(char token_hex[MSG_TOKEN_HEX + 1], char hash_hex[AUTH_HASH_HEX])
{
    uint8_t token[MSG_TOKEN_BYTES];
    randombytes_buf(token, sizeof token);
    hex_encode(token, sizeof token, token_hex);
    auth_token_hash(token_hex, hash_hex);
    sodium_memzero(token, sizeof token);
}

void auth_token_hash(const char *token_hex, char hash_hex[AUTH_HASH_HEX])
{
    uint8_t token[MSG_TOKEN_BYTES];
    uint8_t hash[32];
    if (!hex_decode(token_hex, token, sizeof token))
        fatal("auth_token_hash: token was not checked");
    crypto_generichash(hash, sizeof hash, token, sizeof token, NULL, 0);
    hex_encode(hash, sizeof hash, hash_hex);
}
