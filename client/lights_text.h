/*
 * The traffic lights' reasons (StatusLight.reasons, StatusLight.detail) in the user's
 * language. renod judges the lights (common/lights.c) and sends each reason's code with
 * the value measured and the threshold it was judged against; the sentences it writes are
 * English, for older clients and --json. This module writes a reason again from its code
 * and figures through the message catalogue, and a green light's detail from the
 * project's (or the programme's) own figures, so that the Chinese status reads
 * "逾期节点 2 个（1 个起为红灯）". A reason whose code it does not know, and the plan's
 * rhythm (whose detail renod writes Chinese first), read as the server wrote them.
 */
#ifndef RENO_LIGHTS_TEXT_H
#define RENO_LIGHTS_TEXT_H

#include <stddef.h>

#include "reno.pb-c.h"

/* One reason of a light into out. */
void lights_text_reason(const Reno__LightReason *r, char *out, size_t size);

/* A light's detail: its worst reason, or for a green light the figures it was judged on,
 * taken from s (the project's row, or the programme's totals for project 0). */
void lights_text_detail(const Reno__StatusReply *s, const Reno__StatusLight *l, char *out,
                        size_t size);

#endif
