/*
 * Session handlers: Login (username and password to a token), Resume (a token from an
 * earlier login, on a new connection) and Logout.
 *
 * Login is three steps on the loop with one off it: look the account up; verify the
 * password on the thread pool; store a new session. An unknown username is verified
 * against a dummy hash so that it costs the same time as a wrong password, and both get
 * the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "authz.h"
#include "dispatch.h"
#include "server.h"
#include "xmalloc.h"

struct login {
    struct call *call;
    bool account_usable; /* found and not disabled */
    struct session session;
    char token_hex[MSG_TOKEN_HEX + 1];
};

static void copy_text(char *dst, size_t size, const PGresult *res, int row, int col)
{
    snprintf(dst, size, "%s", PQgetvalue(res, row, col));
}

static int64_t get_i64(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

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
    client->session = *s;
    client->session.authenticated = true;
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
        if (call_live(call)) {
            adopt_session(call, &lg->session);
            conn_log(&call->client->conn, LOG_INFO, "logged in (unit %s, role %s)",
                     lg->session.unit_name, authz_role_text(lg->session.role));
        }
        reply_session(call, &lg->session, lg->token_hex);
    }
    sodium_memzero(lg->token_hex, sizeof lg->token_hex);
    free(lg);
}

static void login_verified(void *arg, bool ok)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (!ok || !lg->account_usable) {
        conn_log(&call->client->conn, LOG_WARN, "login failed for '%s'",
                 call->req->login->username);
        call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "", "wrong username or password");
        free(lg);
        return;
    }
    char ttl[24];
    char account[24];
    snprintf(ttl, sizeof ttl, "%ld", call->srv->cfg->token_ttl);
    snprintf(account, sizeof account, "%lld", (long long)lg->session.account_id);
    auth_new_token(lg->token_hex, lg->session.token_hash_hex);
    const char *params[] = {lg->session.token_hash_hex, account, ttl};
    if (server_query(call->srv, SQL_SESSION_CREATE, 3, params, login_stored, lg) != 0) {
        call_fail(call, RENO__STATUS_CODE__UNAVAILABLE, "", "database unavailable: retry");
        free(lg);
    }
}

static void login_found(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (err) {
        call_fail_db(call, err);
        free(lg);
        return;
    }
    const char *hash = call->srv->dummy_hash;
    if (PQntuples(res) == 1) {
        struct session *s = &lg->session;
        hash = PQgetvalue(res, 0, 1);
        s->account_id = get_i64(res, 0, 0);
        s->role = authz_role_from_text(PQgetvalue(res, 0, 2));
        lg->account_usable =
            strcmp(PQgetvalue(res, 0, 3), "f") == 0 && s->role != RENO__ROLE__ROLE_UNSPECIFIED;
        s->unit_id = get_i64(res, 0, 4);
        copy_text(s->unit_name, sizeof s->unit_name, res, 0, 5);
        s->programme_id = get_i64(res, 0, 6);
        copy_text(s->programme_code, sizeof s->programme_code, res, 0, 7);
        copy_text(s->programme_title, sizeof s->programme_title, res, 0, 8);
        snprintf(s->username, sizeof s->username, "%s", call->req->login->username);
    }
    if (auth_verify_async(call->srv->loop, hash, call->req->login->password, login_verified, lg) !=
        0) {
        call_fail(call, RENO__STATUS_CODE__INTERNAL, "", "cannot verify the password");
        free(lg);
    }
}

void h_login(struct call *call)
{
    struct login *lg = xcalloc(1, sizeof *lg);
    lg->call = call;
    const char *params[] = {call->req->login->username};
    if (server_query(call->srv, SQL_ACCOUNT_BY_USERNAME, 1, params, login_found, lg) != 0) {
        free(lg);
        call_fail(call, RENO__STATUS_CODE__UNAVAILABLE, "", "database unavailable: retry");
    }
}

static void resume_found(void *arg, const PGresult *res, const struct db_error *err)
{
    struct login *lg = arg;
    struct call *call = lg->call;
    if (err) {
        call_fail_db(call, err);
        free(lg);
        return;
    }
    if (PQntuples(res) != 1) {
        conn_log(&call->client->conn, LOG_WARN, "resume with an unknown or expired token");
        call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "resume.token",
                  "token unknown or expired: log in again");
        free(lg);
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
        free(lg);
        return;
    }
    if (call_live(call))
        adopt_session(call, s);
    reply_session(call, s, call->req->resume->token);
    free(lg);
}

void h_resume(struct call *call)
{
    struct login *lg = xcalloc(1, sizeof *lg);
    lg->call = call;
    auth_token_hash(call->req->resume->token, lg->session.token_hash_hex);
    const char *params[] = {lg->session.token_hash_hex};
    if (server_query(call->srv, SQL_SESSION_RESUME, 1, params, resume_found, lg) != 0) {
        free(lg);
        call_fail(call, RENO__STATUS_CODE__UNAVAILABLE, "", "database unavailable: retry");
    }
}

static void logout_done(void *arg, const PGresult *res, const struct db_error *err)
{
    (void)res;
    struct call *call = arg;
    if (err) {
        call_fail_db(call, err);
        return;
    }
    if (call_live(call)) {
        struct client *client = call->client;
        memset(&client->session, 0, sizeof client->session);
        conn_set_max_frame(&client->conn, (uint32_t)call->srv->cfg->max_frame_prelogin);
        conn_log(&client->conn, LOG_INFO, "logged out");
        client->conn.account[0] = '\0';
    }
    Reno__LogoutReply lr = RENO__LOGOUT_REPLY__INIT;
    Reno__Response resp = RENO__RESPONSE__INIT;
    resp.body_case = RENO__RESPONSE__BODY_LOGOUT;
    resp.logout = &lr;
    call_reply(call, &resp);
}

void h_logout(struct call *call)
{
    const char *params[] = {call->client->session.token_hash_hex};
    if (server_query(call->srv, SQL_SESSION_DELETE, 1, params, logout_done, call) != 0)
        call_fail(call, RENO__STATUS_CODE__UNAVAILABLE, "", "database unavailable: retry");
}
