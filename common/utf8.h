/*
 * UTF-8 decoding, one character at a time: the one decoder behind the protocol's text
 * checks (msg.c) and the client's display width and escaping (table.c, output.c).
 * Strict: overlong forms, surrogates, values past U+10FFFF and truncated sequences are
 * not characters. No allocation.
 */
#ifndef RENO_UTF8_H
#define RENO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the character at s (n > 0 bytes available) and its code point in
 * *cp; 0 when the bytes there are not a valid character. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
