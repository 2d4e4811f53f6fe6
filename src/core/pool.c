/* core/pool.c - the request pool, over h2o's h2o_mem_pool_t.
 *
 * The one file of core/ that includes an h2o header: h2o's pool is what every
 * h2o_req_t carries, so a request's memory and ours die together. */
#include "core/pool.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2o/memory.h>

#include "core/alloc.h"

struct sy_pool {
    h2o_mem_pool_t h2o; /* first member: a h2o_mem_pool_t * converts to a struct sy_pool * */
};

struct deferred {
    void (*fn)(void *);
    void *arg;
};

struct sy_pool *sy_pool_new(void)
{
    struct sy_pool *pool = sy_xmalloc(sizeof(*pool));

    h2o_mem_init_pool(&pool->h2o);
    return pool;
}

void sy_pool_free(struct sy_pool *pool)
{
    if (pool == NULL)
        return;
    h2o_mem_clear_pool(&pool->h2o);
    free(pool);
}

#if defined(SY_POOL_DEBUG) && SY_POOL_DEBUG
/* Each allocation is its own malloc(), so that AddressSanitizer sees every
 * object's bounds. They are linked as h2o's "direct" allocations, which
 * h2o_mem_clear_pool() frees after running the deferred calls: memory stays
 * readable for sy_pool_defer() callbacks, as in the release build. The
 * layout is h2o's private struct st_h2o_mem_pool_direct_t (the same in 2.2.5
 * and master); debug builds only. */
struct direct {
    struct direct *next;
    size_t _dummy; /* h2o aligns `bytes` to 2 * sizeof(void *) */
    char bytes[];
};

void *sy_pool_alloc(struct sy_pool *pool, size_t size)
{
    struct direct *d = sy_xmalloc(offsetof(struct direct, bytes) + size);

    d->next = (struct direct *)pool->h2o.directs;
    pool->h2o.directs = (struct st_h2o_mem_pool_direct_t *)d;
    return d->bytes;
}
#else
void *sy_pool_alloc(struct sy_pool *pool, size_t size)
{
    return h2o_mem_alloc_pool(&pool->h2o, size);
}
#endif

void *sy_pool_zalloc(struct sy_pool *pool, size_t size)
{
    void *p = sy_pool_alloc(pool, size);

    memset(p, 0, size);
    return p;
}

char *sy_pool_strndup(struct sy_pool *pool, const char *s, size_t len)
{
    char *p = sy_pool_alloc(pool, len + 1);

    if (len > 0)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *sy_pool_printf(struct sy_pool *pool, const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    p = sy_pool_alloc(pool, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

static void run_deferred(void *p)
{
    struct deferred *d = p;

    d->fn(d->arg);
}

void sy_pool_defer(struct sy_pool *pool, void (*fn)(void *), void *arg)
{
    /* A refcounted chunk linked to the pool: clearing the pool drops its only
     * reference, and h2o then calls run_deferred(). h2o releases these chunks
     * last-linked first, before it frees the pool's memory. */
    struct deferred *d = h2o_mem_alloc_shared(&pool->h2o, sizeof(*d), run_deferred);

    d->fn = fn;
    d->arg = arg;
}
