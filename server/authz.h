/*
 * Which requests a logged-in account may send at all: the handled requests that need a
 * session are listed, anything else is refused (deny by default). Who may do what is not
 * decided here: every right, for reads and writes, is one question to the database,
 * reno_may(account, right, project, unit) (schema/functions/permissions.sql), asked in
 * the same transaction as the request; its refusal is PERMISSION_DENIED and is logged.
 * Role names are mapped here too.
 */
#ifndef RENO_AUTHZ_H
#define RENO_AUTHZ_H

#include <stdbool.h>

#include "dispatch.h"

bool authz_may(const struct session *session, Reno__Request__BodyCase body);
/* Maps the role column of the account table; ROLE_UNSPECIFIED for anything else. */
Reno__Role authz_role_from_text(const char *text);
const char *authz_role_text(Reno__Role role);

#endif
