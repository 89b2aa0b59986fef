/*
 * Allocation that cannot fail: our own allocations abort the process on exhaustion, so
 * internal code never checks for NULL. Memory from these is released with free().
 * Only the allocator that unpacks untrusted bytes (msg.h) may fail, and it has a budget.
 */
#ifndef RENO_XMALLOC_H
#define RENO_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
