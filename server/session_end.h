/*
 * Sessions that end under live connections. A session ends by expiry, which renod sees
 * on its own (the janitor and every request compare expires_at with the clock), or by a
 * change in the database: a logout, a revocation, a disabled account, a changed password.
 * Those delete the session row, and a trigger NOTIFYs channel reno_session
 * (schema/migrations/0011_sessions.sql), so every renod on the database hears of it and
 * ends the connections that used the token or the account, whichever renod made the
 * change. After the subscription was lost and is back, notifications may have been
 * missed: every session in use is checked again with one query.
 *
 * Ending a session tells the connection with Event.session_ended. An expired session
 * leaves the connection open in the unauthenticated phase (the client may log in again on
 * it, within login_timeout); any other ending closes the connection.
 *
 * Ownership: nothing is allocated beyond one query's copy of the tokens it checks.
 */
#ifndef RENO_SESSION_END_H
#define RENO_SESSION_END_H

#include <stdbool.h>

#include "db.h"
#include "reno.pb-c.h"

#define SESSION_END_CHANNEL "reno_session"

struct client;
struct call;

/* Ends the client's session for `reason` (nothing happens unless it has one). */
void session_end(struct client *client, Reno__SessionEndReason reason);

/* Before a request that needs a session: true when the session still stands; otherwise
 * the call has been answered UNAUTHENTICATED and the session ended. */
bool session_still_valid(struct call *call) __attribute__((warn_unused_result));

/* The LISTEN callback of SESSION_END_CHANNEL; arg is the struct server. */
void session_end_on_notify(void *arg, enum db_notify_event event, const char *payload);

#endif
