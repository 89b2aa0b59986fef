/*
 * Hexadecimal encoding of byte strings (tokens, idempotency keys). Callers own every
 * buffer; nothing here allocates.
 */
#ifndef RENO_HEX_H
#define RENO_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void hex_encode(const uint8_t *bytes, size_t len, char *out);
/* Decodes exactly 2*len hex digits (either case) from text; false on any other input. */
bool hex_decode(const char *text, uint8_t *out, size_t len) __attribute__((warn_unused_result));

#endif
