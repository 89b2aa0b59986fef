/*
 * Who may do what, by role: the first of two checks. This one runs before a request
 * reaches its handler and needs no database (a leader may read but never write). The
 * second, which depends on data (is this unit responsible for that project?), lives in
 * the database function reno_may_push_progress() and is applied in the same transaction
 * as the write. Both refusals are PERMISSION_DENIED and are logged.
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
