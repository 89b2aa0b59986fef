/*
 * The requests a session may send, and role names. See authz.h.
 */
#include "authz.h"

#include <string.h>

#define ROLE_BIT(r) (1u << (r))
#define ALL_ROLES                                                                                  \
    (ROLE_BIT(RENO__ROLE__ROLE_OFFICE) | ROLE_BIT(RENO__ROLE__ROLE_DEPARTMENT) |                   \
     ROLE_BIT(RENO__ROLE__ROLE_UTILITY) | ROLE_BIT(RENO__ROLE__ROLE_LEADER))

/* The requests with their own handler that a session may send. Their rights (a leader
 * writes nothing, a unit pushes progress only for its projects, issuing is the office's)
 * are reno_may's, in the database: one mechanism, as data. */
static const struct {
    Reno__Request__BodyCase body;
    unsigned roles;
} rules[] = {
    {RENO__REQUEST__BODY_LOGOUT, ALL_ROLES},
    {RENO__REQUEST__BODY_GET_STATUS, ALL_ROLES},
    {RENO__REQUEST__BODY_WATCH, ALL_ROLES},
    {RENO__REQUEST__BODY_ISSUE_REPORT, ALL_ROLES},
    {RENO__REQUEST__BODY_PUSH_PROGRESS, ALL_ROLES},
    {RENO__REQUEST__BODY_CHANGE_PASSWORD, ALL_ROLES},
};

bool authz_may(const struct session *session, Reno__Request__BodyCase body)
{
    /* Called for a client with a session only (dispatch checks the phase first). */
    if (session->role <= 0 || session->role > 31)
        return false;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].body == body)
            return (rules[i].roles & ROLE_BIT(session->role)) != 0;
    return false; /* a request type without a rule is refused: deny by default */
}

static const struct {
    const char *text;
    Reno__Role role;
} role_names[] = {
    {"office", RENO__ROLE__ROLE_OFFICE},
    {"department", RENO__ROLE__ROLE_DEPARTMENT},
    {"utility", RENO__ROLE__ROLE_UTILITY},
    {"leader", RENO__ROLE__ROLE_LEADER},
};

Reno__Role authz_role_from_text(const char *text)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(role_names[i].text, text) == 0)
            return role_names[i].role;
    return RENO__ROLE__ROLE_UNSPECIFIED;
}

const char *authz_role_text(Reno__Role role)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (role_names[i].role == role)
            return role_names[i].text;
    return "unspecified";
}
