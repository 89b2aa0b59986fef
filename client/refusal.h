/*
 * A server's refusal in the user's language. renod sends each refusal with a stable reason
 * code and its arguments (Status.reason and Status.args, docs/PROTOCOL.md lists them) beside
 * an English sentence; this module owns the client's sentence for every reason it knows:
 * which flag to give, which report or 文号 is meant, who holds a right, which values are
 * allowed (by their labels), and what to run next. The English sentence of the server is
 * the fallback for a reason this client does not know.
 */
#ifndef RENO_REFUSAL_H
#define RENO_REFUSAL_H

#include <stdbool.h>
#include <stdio.h>

#include "reno.pb-c.h"

/*
 * Writes the refusal's sentence into out, with `flag` (the option the status's field
 * names, "--replaces"; "" when none) where it is about an option. Returns false, having
 * written nothing, for a reason it has no sentence for. Under an English locale the
 * server's own sentence (which scripts match) is kept for the refusals any request may
 * meet; those about reports, whose server sentence names the report's kind in Chinese, are
 * said by the client in English too.
 */
bool refusal_say(FILE *out, const Reno__Status *status, const char *flag);

#endif
