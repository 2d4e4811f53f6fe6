/* core/alloc.h - heap allocation that never returns NULL.
 *
 * Out of memory aborts with a message, as in h2o and Redis. That is safe only
 * because every allocation that input can drive has a ceiling (STYLE B.5). */
#ifndef SY_CORE_ALLOC_H
#define SY_CORE_ALLOC_H

#include <stddef.h>

void *sy_xmalloc(size_t size);
void *sy_xcalloc(size_t count, size_t size);
void *sy_xrealloc(void *ptr, size_t size);
char *sy_xstrdup(const char *s);
char *sy_xstrndup(const char *s, size_t len);

/* Returns a malloc'd string formatted like printf. Caller frees with free(). */
char *sy_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
