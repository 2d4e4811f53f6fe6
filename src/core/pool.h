/* core/pool.h - request-lifetime memory.
 *
 * Everything a request allocates comes from its pool and is released in one
 * step when the response is done: no per-object free(), no leak by omission.
 * A thin layer over h2o_mem_pool_t (the pool inside h2o_req_t), so modules
 * other than http/ never include h2o.h. With SY_POOL_DEBUG=1 (the asan
 * build) every allocation is its own malloc(), so AddressSanitizer sees
 * overflows between neighbouring objects. */
#ifndef SY_CORE_POOL_H
#define SY_CORE_POOL_H

#include <stddef.h>

struct sy_pool;

/* A pool of its own, for code that runs outside a request (tests, boot).
 * Caller frees with sy_pool_free(). */
struct sy_pool *sy_pool_new(void);
void sy_pool_free(struct sy_pool *pool);

/* Returns `size` bytes aligned for any type. Never NULL: aborts on OOM. */
void *sy_pool_alloc(struct sy_pool *pool, size_t size);

/* Same as sy_pool_alloc(), zero-filled. */
void *sy_pool_zalloc(struct sy_pool *pool, size_t size);

#define SY_POOL_NEW(pool, type) ((type *)sy_pool_zalloc((pool), sizeof(type)))

/* Copies `len` bytes of `s` into the pool and NUL-terminates them. */
char *sy_pool_strndup(struct sy_pool *pool, const char *s, size_t len);

/* Formats like printf into the pool. */
char *sy_pool_printf(struct sy_pool *pool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs `fn(arg)` when the pool is cleared, most recently registered first,
 * while pool memory is still readable. For what the pool does not own:
 * json_t documents, curl handles, config snapshot references. */
void sy_pool_defer(struct sy_pool *pool, void (*fn)(void *), void *arg);

#endif
