/*
 * The plan's milestone rules (StatusReply.rules) in the user's language. renod judges each
 * rule (common/rules.c) and sends its code with the figures behind the verdict; the title
 * and detail it writes are English, for older clients and --json. This module writes both
 * again from the code and the figures through the message catalogue, so that the Chinese
 * status and dashboard read "开工户数不低于25%". A rule whose code it does not
 * know, or one from a server that sends no figures, reads as the server wrote it.
 */
#ifndef RENO_RULES_TEXT_H
#define RENO_RULES_TEXT_H

#include <stddef.h>

#include "reno.pb-c.h"

/* The rule's title ("≥25% of households started by 2022-03-31") into out. */
void rules_text_title(const Reno__RuleCheck *r, char *out, size_t size);

/* The numbers behind its verdict, and the verdict, into out. */
void rules_text_detail(const Reno__RuleCheck *r, char *out, size_t size);

#endif
