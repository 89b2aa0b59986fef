/*
 * Sessions that end. See session_end.h.
 *
 * A payload names what ended and why: "token <hash hex> <reason>" or "account <id>
 * <reason>", reason one of the words below. A payload that does not parse is logged and
 * ignored: it cannot be from our triggers, and nothing a stranger can send reaches here.
 */
#include "session_end.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "dispatch.h"
#include "log.h"
#include "server.h"
#include "session_cache.h"
#include "xmalloc.h"

static const struct {
    Reno__SessionEndReason reason;
    const char *word;    /* in notification payloads and log lines */
    const char *message; /* for people, in the event */
} reasons[] = {
    {RENO__SESSION_END_REASON__SESSION_END_EXPIRED, "expired",
     "the session has expired: log in again"},
    {RENO__SESSION_END_REASON__SESSION_END_LOGGED_OUT, "logged_out",
     "the session was logged out (from this or another connection)"},
    {RENO__SESSION_END_REASON__SESSION_END_REVOKED, "revoked", "the session was revoked"},
    {RENO__SESSION_END_REASON__SESSION_END_ACCOUNT_DISABLED, "account_disabled",
     "the account was disabled"},
    {RENO__SESSION_END_REASON__SESSION_END_PASSWORD_CHANGED, "password_changed",
     "the account's password was changed"},
};
#define REASON_COUNT (sizeof reasons / sizeof reasons[0])

static size_t reason_index(Reno__SessionEndReason reason)
{
    for (size_t i = 0; i < REASON_COUNT; i++)
        if (reasons[i].reason == reason)
            return i;
    fatal("no session end reason %d", (int)reason);
}

void session_end(struct client *client, Reno__SessionEndReason reason)
{
    if (client->phase != CLIENT_READY)
        return;
    size_t i = reason_index(reason);
    Reno__SessionEnded ended = RENO__SESSION_ENDED__INIT;
    ended.reason = reason;
    ended.message = (char *)reasons[i].message;
    Reno__Event ev = RENO__EVENT__INIT;
    ev.body_case = RENO__EVENT__BODY_SESSION_ENDED;
    ev.session_ended = &ended;
    if (reason == RENO__SESSION_END_REASON__SESSION_END_EXPIRED) {
        conn_log(&client->conn, LOG_INFO,
                 "session ended: expired; the connection may log in again");
        dispatch_send_event(client, &ev);
        dispatch_set_phase(client, CLIENT_HELLO);
        return;
    }
    char why[64];
    snprintf(why, sizeof why, "session ended: %s", reasons[i].word);
    dispatch_close_with_event(client, &ev, why);
}

bool session_still_valid(struct call *call)
{
    struct client *client = call->client;
    if (client->session.expires_at > (int64_t)time(NULL))
        return true;
    call_fail(call, RENO__STATUS_CODE__UNAUTHENTICATED, "",
              "the session has expired: log in again");
    session_end(client, RENO__SESSION_END_REASON__SESSION_END_EXPIRED);
    return false;
}

/* ---- notifications --------------------------------------------------------------------- */

static void end_matching(struct server *srv, const char *token_hash, int64_t account,
                         Reno__SessionEndReason reason)
{
    session_cache_forget(srv->session_cache, token_hash, account);
    struct client *next;
    for (struct client *c = srv->clients; c; c = next) {
        next = c->next;
        /* The notification of a logout may come before its own reply: that connection
         * is answered by the logout itself and stays open. */
        if (c->phase != CLIENT_READY || !conn_is_open(&c->conn) || c->logging_out)
            continue;
        if ((token_hash && strcmp(c->session.token_hash_hex, token_hash) == 0) ||
            (!token_hash && c->session.account_id == account))
            session_end(c, reason);
    }
}

/* The reason a word names: a word we do not know (a newer renod's) is a revocation. */
static Reno__SessionEndReason reason_of_word(const char *word)
{
    for (size_t i = 0; i < REASON_COUNT; i++)
        if (strcmp(reasons[i].word, word) == 0)
            return reasons[i].reason;
    return RENO__SESSION_END_REASON__SESSION_END_REVOKED;
}

static void on_payload(struct server *srv, const char *payload)
{
    char kind[16], subject[80], word[32];
    if (sscanf(payload, "%15s %79s %31s", kind, subject, word) != 3) {
        log_warn("%s: a notification that does not parse: ignored", SESSION_END_CHANNEL);
        return;
    }
    Reno__SessionEndReason reason = reason_of_word(word);
    if (strcmp(kind, "token") == 0 && strlen(subject) == (AUTH_HASH_HEX - 1)) {
        end_matching(srv, subject, 0, reason);
    } else if (strcmp(kind, "account") == 0) {
        char *end;
        long long id = strtoll(subject, &end, 10);
        if (*end == '\0' && id > 0)
            end_matching(srv, NULL, (int64_t)id, reason);
    } else {
        log_warn("%s: a notification about '%s': ignored", SESSION_END_CHANNEL, kind);
    }
}

/*
 * The re-check after a missed notification: the database answers, of the tokens asked
 * about, those whose session no longer stands and why each ended (reno_session_check_ended
 * keeps the reasons of endings until the sessions would have expired). Only those are
 * ended: a session adopted while the query ran was not asked about, and stands.
 */
static void check_done(void *arg, const PGresult *res, const struct db_error *err)
{
    struct server *srv = arg;
    srv->session_check_running = false;
    if (err) {
        log_warn("re-checking sessions after a lost subscription: %s", err->message);
        return;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        const char *token = PQgetvalue(res, r, 0);
        if (strlen(token) == AUTH_HASH_HEX - 1)
            end_matching(srv, token, 0, reason_of_word(PQgetvalue(res, r, 1)));
    }
}

static void check_all_sessions(struct server *srv)
{
    if (srv->session_check_running || server_stopping(srv))
        return;
    size_t count = 0;
    for (struct client *c = srv->clients; c; c = c->next)
        if (c->phase == CLIENT_READY)
            count++;
    if (count == 0)
        return;
    /* A PostgreSQL array literal of hex strings: {"ab..","cd.."}. */
    size_t cap = 3 + count * ((AUTH_HASH_HEX - 1) + 3);
    char *array = xmalloc(cap);
    size_t n = 0, k = 0;
    array[n++] = '{';
    for (struct client *c = srv->clients; c && k < count; c = c->next) {
        if (c->phase != CLIENT_READY)
            continue;
        n += (size_t)snprintf(array + n, cap - n, "%s\"%s\"", k ? "," : "",
                              c->session.token_hash_hex);
        k++;
    }
    snprintf(array + n, cap - n, "}");
    const char *params[] = {array};
    srv->session_check_running = true;
    if (server_query(srv, SQL_SESSION_CHECK, 1, params, check_done, srv) != 0) {
        srv->session_check_running = false;
        log_warn("cannot re-check sessions: the database is unavailable");
    }
    free(array);
}

void session_end_on_notify(void *arg, enum db_notify_event event, const char *payload)
{
    struct server *srv = arg;
    switch (event) {
    case DB_NOTIFY_PAYLOAD:
        on_payload(srv, payload);
        break;
    case DB_NOTIFY_SUBSCRIBED:
        /* What renod may have missed while deaf is not vouched for any longer. */
        session_cache_clear(srv->session_cache);
        check_all_sessions(srv);
        break;
    case DB_NOTIFY_LOST:
        log_warn("%s: subscription lost; sessions are checked again once it is back",
                 SESSION_END_CHANNEL);
        break;
    }
}
