/*
 * Session handlers: Login (username and password to a token), Resume (a token from an
 * earlier login, on a new connection), Logout (this session or every one of the account)
 * and ChangePassword.
 *
 * Login is four steps, one of them off the loop: ask the throttle in the database
 * (reno_login_begin: either "retry in N seconds", answered at once without any hashing,
 * or the account, with this attempt already counted as a failure); verify the password
 * on the thread pool; store the session (which forgets the counted failure). An unknown
 * username is verified against a dummy hash and counted like a wrong password, so that
 * both cost the same and get the same answer.
 *
 * Password hashing is capped at max_hashing at once over the server: a login that would
 * exceed it is refused UNAVAILABLE with retry_after, before anything is counted, so a
 * flood of wrong logins cannot queue work in front of report rendering or of a right
 * login. A slot is taken before the throttle is asked and given back when the hashing
 * ends (or when no hashing was needed).
 *
 * ChangePassword goes through the same throttle under the session's own username and the
 * connection's address, so a stolen token cannot be used to guess the password faster
 * than a login could.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "authz.h"
#include "dispatch.h"
#include "log.h"
#include "server.h"
#include "session_cache.h"
#include "xmalloc.h"

/* The smallest new password ChangePassword accepts (renod account add asks the same). */
#define PASSWORD_MIN_BYTES 8

struct login {
    struct call *call; /* freed once answered: the login may outlive it */
    struct server *srv;
    bool account_usable; /* found and not disabled */
    bool holds_slot;     /* one of the server's max_hashing slots */
    struct session session;
    char token_hex[MSG_TOKEN_HEX + 1];
    char username[MSG_MAX_USERNAME + 1];
};

static void copy_text(char *dst, size_t size, const PGresult *res, int row, int col)
{
    snprintf(dst, size, "%s", PQgetvalue(res, row, col));
}

static int64_t get_i64(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* ---- the hashing cap and the throttle -------------------------------------------------- */

static bool slot_take(struct login *lg)
{
    struct server *srv = lg->srv;
    if (srv->hashing >= srv->cfg->max_hashing) {
        conn_log(&lg->call->client->conn, LOG_WARN, "%d password checks running (max_hashing)",
                 srv->hashing);
        call_fail_retry(lg->call, 1, "busy checking other passwords: retry in a second");
        return false;
    }
    srv->hashing++;
    lg->holds_slot = true;
    return true;
}

static void slot_give_back(struct login *lg)
{
    if (lg->holds_slot)
        lg->srv->hashing--;
    lg->holds_slot = false;
}

static void login_free(struct login *lg)
{
    slot_give_back(lg);
    sodium_memzero(lg->token_hex, sizeof lg->token_hex);
    free(lg);
}

/* The address the throttle counts a connection under: its peer's IP address. */
static const char *throttle_address(const struct client *client)
{
    return strcmp(client->address, "?") == 0 ? "0.0.0.0" : client->address;
}

/* Asks reno_login_begin about `username` from this connection's address. */
static int throttle_ask(struct login *lg, db_cb cb)
{
    const struct renod_config *cfg = lg->call->srv->cfg;
    char free_failures[24], address_failures[24], base[24], max[24], window[24];
    snprintf(free_failures, sizeof free_failures, "%ld", cfg->login_free_failures);
    snprintf(address_failures, sizeof address_failures, "%ld", cfg->login_address_failures);
    snprintf(base, sizeof base, "%ld", cfg->login_backoff_base);
    snprintf(max, sizeof max, "%ld", cfg->login_backoff_max);
    snprintf(window, sizeof window, "%ld", cfg->login_failure_window);
    const char *params[] = {lg->username,  throttle_address(lg->call->client),
                            free_failures, address_failures,
                            base,          max,
                            window};
    return server_query(lg->call->srv, SQL_LOGIN_BEGIN, 7, params, cb, lg);
}

/*
 * Reads the throttle's answer. False when the call was answered (an error, or a wait);
 * else the account's columns are in lg->session and the hash to check is returned.
 */
static bool throttle_answer(struct login *lg, const PGresult *res, const struct db_error *err,
                            const char **hash)
{
    struct call *call = lg->call;
    if (err) {
        call_fail_db(call, err);
        return false;
    }
    if (PQntuples(res) != 1) {
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "login check returned no row");
        return false;
    }
    int retry_after = atoi(PQgetvalue(res, 0, 0));
    if (retry_after > 0) {
        char name[LOG_ESCAPED_SIZE(MSG_MAX_USERNAME)];
        conn_log(&call->client->conn, LOG_WARN, "login for \"%s\" throttled: retry in %d s",
                 log_escape(lg->username, name, sizeof name), retry_after);
        call_fail_retry(call, (uint32_t)retry_after,
                        "too many failed logins for this name or from this address: "
                        "retry in %d s",
                        retry_after);
        return false;
    }
    *hash = call->srv->dummy_hash;
    if (!PQgetisnull(res, 0, 1)) {
        struct session *s = &lg->session;
        *hash = PQgetvalue(res, 0, 2);
        s->account_id = get_i64(res, 0, 1);
        s->role = authz_role_from_text(PQgetvalue(res, 0, 3));
        lg->account_usable =
            strcmp(PQgetvalue(res, 0, 4), "f") == 0 && s->role != RENO__ROLE__ROLE_UNSPECIFIED;
        s->unit_id = get_i64(res, 0, 5);
        copy_text(s->unit_name, sizeof s->unit_name, res, 0, 6);
        s->programme_id = get_i64(res, 0, 7);
        copy_text(s->programme_code, sizeof s->programme_code, res, 0, 8);
        copy_text(s->programme_title, sizeof s->programme_title, res, 0, 9);
        snprintf(s->username, sizeof s->username, "%s", lg->username);
    }
    return true;
}

/* True when the server has room for one more session on this call's connection. */
static bool room_for_session(struct call *call)
{
    struct server *srv = call->srv;
    if (call->client->phase == CLIENT_READY || srv->ready_clients < srv->cfg->max_clients)
        return true;
    call_fail_retry(call, 5, "the server has max_clients logged-in connections: retry later");
    return false;
}

/* ---- login ----------------------------------------------------------------------------- */

static void reply_session(struct call *call, const struct session *s, const char *token_hex)
{
    Reno__SessionReply sr = RENO__SESSION_REPLY__INIT;
    sr.token = (char *)token_hex;
    sr.expires_at = s->expires_at;
    sr.username = (char *)s->username;
    sr.role = s->role;
    sr.unit_name = (char *)s->unit_name;
    sr.programme_code = (char *)s->programme_code;
    sr.programme_title = (char *)s->programme_title;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_SESSION;
    resp.session = &sr;
    call_reply(call, &resp);
}

/* The session is now the client's: raise the frame limit and name it in log lines. */
static void adopt_session(struct call *call, const struct session *s)
{
    struct client *client = call->client;
    dispatch_set_phase(client, CLIENT_READY);
    client->session = *s;
    client->provisional = false;
    snprintf(client->conn.account, sizeof client->conn.account, "%s", s->username);
    conn_set_max_frame(&client->conn, (uint32_t)call->srv->cfg->max_frame);
}

static void login_stored(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (err) {
        call_fail_db(call, err);
    } else {
        lg->session.expires_at = get_i64(res, 0, 0);
        session_cache_put(call->srv->session_cache, &lg->session);
        if (call_live(call) && call->client->phase != CLIENT_ENDED) {
            adopt_session(call, &lg->session);
            conn_log(&call->client->conn, LOG_INFO, "logged in (unit %s, role %s)",
                     lg->session.unit_name, authz_role_text(lg->session.role));
        }
        reply_session(call, &lg->session, lg->token_hex);
    }
    login_free(lg);
}

static void login_verified(void *arg, bool ok)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    slot_give_back(lg);
    if (!ok || !lg->account_usable) {
        char name[LOG_ESCAPED_SIZE(MSG_MAX_USERNAME)];
        conn_log(&call->client->conn, LOG_WARN, "login failed for \"%s\"",
                 log_escape(lg->username, name, sizeof name));
        call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "", "wrong username or password");
        login_free(lg);
        return;
    }
    if (!room_for_session(call)) {
        login_free(lg);
        return;
    }
    char ttl[24];
    char account[24];
    snprintf(ttl, sizeof ttl, "%ld", call->srv->cfg->token_ttl);
    snprintf(account, sizeof account, "%lld", (long long)lg->session.account_id);
    auth_new_token(lg->token_hex, lg->session.token_hash_hex);
    const char *params[] = {lg->session.token_hash_hex, account, ttl, lg->username,
                            throttle_address(call->client)};
    if (server_query(call->srv, SQL_SESSION_CREATE, 5, params, login_stored, lg) != 0) {
        call_fail_unavailable(call, false);
        login_free(lg);
    }
}

static void login_begun(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    const char *hash = NULL;
    if (!throttle_answer(lg, res, err, &hash)) {
        login_free(lg);
        return;
    }
    if (auth_verify_async(lg->call->srv->loop, hash, lg->call->req->login->password, login_verified,
                          lg) != 0) {
        call_fail(lg->call, RENO__STATUS_CODE__INTERNAL, "", "cannot verify the password");
        login_free(lg);
    }
}

void h_login(struct call *call)
{
    if (!room_for_session(call))
        return;
    struct login *lg = xcalloc(1, sizeof *lg);
    lg->call = call;
    lg->srv = call->srv;
    snprintf(lg->username, sizeof lg->username, "%s", call->req->login->username);
    if (!slot_take(lg)) {
        login_free(lg);
        return;
    }
    if (throttle_ask(lg, login_begun) != 0) {
        call_fail_unavailable(call, false);
        login_free(lg);
    }
}

/* ---- resume ---------------------------------------------------------------------------- */

/* The database cannot confirm a Resume: a session this renod saw valid, and has not
 * heard to have ended since, is resumed provisionally (session_cache.h). */
static bool resume_from_memory(struct call *call, struct login *lg)
{
    struct session s;
    if (!session_cache_get(call->srv->session_cache, lg->session.token_hash_hex,
                           (int64_t)time(NULL), &s))
        return false;
    if (!room_for_session(call))
        return true; /* answered */
    if (call_live(call) && call->client->phase != CLIENT_ENDED) {
        adopt_session(call, &s);
        call->client->provisional = true;
        conn_log(&call->client->conn, LOG_WARN,
                 "resumed from memory: the database is unavailable; only the status may be read");
    }
    reply_session(call, &s, call->req->resume->token);
    return true;
}

static void resume_found(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (err) {
        if (err->code != RENO__STATUS_CODE__UNAVAILABLE || !resume_from_memory(call, lg))
            call_fail_db(call, err);
        login_free(lg);
        return;
    }
    if (PQntuples(res) != 1) {
        conn_log(&call->client->conn, LOG_WARN, "resume with an unknown or expired token");
        call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "resume.token",
                  "token unknown or expired: log in again");
        login_free(lg);
        return;
    }
    struct session *s = &lg->session;
    s->account_id = get_i64(res, 0, 0);
    copy_text(s->username, sizeof s->username, res, 0, 1);
    s->role = authz_role_from_text(PQgetvalue(res, 0, 2));
    s->unit_id = get_i64(res, 0, 3);
    copy_text(s->unit_name, sizeof s->unit_name, res, 0, 4);
    s->programme_id = get_i64(res, 0, 5);
    copy_text(s->programme_code, sizeof s->programme_code, res, 0, 6);
    copy_text(s->programme_title, sizeof s->programme_title, res, 0, 7);
    s->expires_at = get_i64(res, 0, 8);
    if (s->role == RENO__ROLE__ROLE_UNSPECIFIED) {
        call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "", "account has no usable role");
        login_free(lg);
        return;
    }
    if (!room_for_session(call)) {
        login_free(lg);
        return;
    }
    session_cache_put(call->srv->session_cache, s);
    if (call_live(call) && call->client->phase != CLIENT_ENDED)
        adopt_session(call, s);
    reply_session(call, s, call->req->resume->token);
    login_free(lg);
}

void h_resume(struct call *call)
{
    struct login *lg = xcalloc(1, sizeof *lg);
    lg->call = call;
    lg->srv = call->srv;
    auth_token_hash(call->req->resume->token, lg->session.token_hash_hex);
    const char *params[] = {lg->session.token_hash_hex};
    if (server_query(call->srv, SQL_SESSION_RESUME, 1, params, resume_found, lg) != 0) {
        if (!resume_from_memory(call, lg))
            call_fail_unavailable(call, false);
        login_free(lg);
    }
}

/* ---- logout ---------------------------------------------------------------------------- */

static void logout_done(void *arg, const PGresult *res, const struct db_error *err)
{
    struct call *call = arg;
    call->client->logging_out = false;
    if (err) {
        call_fail_db(call, err);
        return;
    }
    Reno__LogoutReply lr = RENO__LOGOUT_REPLY__INIT;
    lr.sessions_ended = (uint32_t)atoi(PQgetvalue(res, 0, 0));
    struct client *client = call->client;
    if (call_live(call) && client->phase == CLIENT_READY) {
        conn_log(&client->conn, LOG_INFO, "logged out (%u sessions ended)", lr.sessions_ended);
        dispatch_set_phase(client, CLIENT_HELLO);
    }
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_LOGOUT;
    resp.logout = &lr;
    call_reply(call, &resp);
}

void h_logout(struct call *call)
{
    const char *params[] = {call->client->session.token_hash_hex,
                            call->req->logout->all_sessions ? "true" : "false"};
    if (server_query(call->srv, SQL_SESSION_END, 2, params, logout_done, call) != 0) {
        call_fail_unavailable(call, false);
        return;
    }
    call->client->logging_out = true;
}

/* ---- change password ------------------------------------------------------------------- */

static void password_stored(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (err) {
        call_fail_db(call, err);
        login_free(lg);
        return;
    }
    Reno__ChangePasswordReply cr = RENO__CHANGE_PASSWORD_REPLY__INIT;
    cr.sessions_ended = (uint32_t)atoi(PQgetvalue(res, 0, 0));
    if (call_live(call))
        conn_log(&call->client->conn, LOG_INFO, "password changed (%u other sessions ended)",
                 cr.sessions_ended);
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_CHANGE_PASSWORD;
    resp.change_password = &cr;
    call_reply(call, &resp);
    login_free(lg);
}

static void password_hashed(void *arg, bool ok, const char *hash)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    slot_give_back(lg);
    if (!ok) {
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "cannot hash the new password");
        login_free(lg);
        return;
    }
    char account[24];
    snprintf(account, sizeof account, "%lld", (long long)lg->session.account_id);
    const char *params[] = {account, hash, lg->session.token_hash_hex, lg->username,
                            throttle_address(call->client)};
    if (server_query(call->srv, SQL_PASSWORD_CHANGE, 5, params, password_stored, lg) != 0) {
        call_fail_unavailable(call, false);
        login_free(lg);
    }
}

static void old_password_verified(void *arg, bool ok)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (!ok || !lg->account_usable) {
        char name[LOG_ESCAPED_SIZE(MSG_MAX_USERNAME)];
        conn_log(&call->client->conn, LOG_WARN, "password change for \"%s\": wrong old password",
                 log_escape(lg->username, name, sizeof name));
        call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "change_password.old_password",
                  "the old password is wrong");
        login_free(lg);
        return;
    }
    /* The slot is kept: the new hash is the second half of the same work. */
    if (auth_hash_async(call->srv->loop, call->req->change_password->new_password, password_hashed,
                        lg) != 0) {
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "cannot hash the new password");
        login_free(lg);
    }
}

static void password_begun(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    const char *hash = NULL;
    int64_t session_account = lg->session.account_id;
    if (!throttle_answer(lg, res, err, &hash)) {
        login_free(lg);
        return;
    }
    /* The name is the session's own: it can only be another account if it was renamed. */
    if (lg->session.account_id != session_account)
        lg->account_usable = false;
    if (auth_verify_async(call->srv->loop, hash, call->req->change_password->old_password,
                          old_password_verified, lg) != 0) {
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "cannot verify the password");
        login_free(lg);
    }
}

void h_change_password(struct call *call)
{
    const Reno__ChangePassword *cp = call->req->change_password;
    size_t old_len = strlen(cp->old_password), new_len = strlen(cp->new_password);
    if (old_len == 0 || old_len > MSG_MAX_PASSWORD) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "change_password.old_password",
                  "old_password must be 1 to %d bytes", MSG_MAX_PASSWORD);
        return;
    }
    if (new_len < PASSWORD_MIN_BYTES || new_len > MSG_MAX_PASSWORD) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "change_password.new_password",
                  "new_password must be %d to %d bytes", PASSWORD_MIN_BYTES, MSG_MAX_PASSWORD);
        return;
    }
    if (strcmp(cp->old_password, cp->new_password) == 0) {
        call_fail(call, RENO__STATUS_CODE__BAD_REQUEST, "change_password.new_password",
                  "new_password is the old one");
        return;
    }
    struct login *lg = xcalloc(1, sizeof *lg);
    lg->call = call;
    lg->srv = call->srv;
    lg->session = call->client->session;
    snprintf(lg->username, sizeof lg->username, "%s", call->client->session.username);
    if (!slot_take(lg)) {
        login_free(lg);
        return;
    }
    if (throttle_ask(lg, password_begun) != 0) {
        call_fail_unavailable(call, false);
        login_free(lg);
    }
}
