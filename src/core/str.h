/* core/str.h - string views and a growable byte buffer.
 *
 * A `struct sy_str` is a byte range that is not NUL-terminated and does not
 * own its bytes: the shape of h2o_iovec_t and HAProxy's struct ist. A
 * `struct sy_buf` owns malloc'd bytes; whoever embeds it disposes it. */
#ifndef SY_CORE_STR_H
#define SY_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct sy_str {
    const char *ptr;
    size_t len;
};

#define SY_STR(lit) ((struct sy_str){(lit), sizeof(lit) - 1})
#define SY_STR_NULL ((struct sy_str){NULL, 0})

static inline struct sy_str sy_str_c(const char *s)
{
    return (struct sy_str){s, s != NULL ? strlen(s) : 0};
}

static inline bool sy_str_eq(struct sy_str a, struct sy_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool sy_str_eq_c(struct sy_str a, const char *b)
{
    return sy_str_eq(a, sy_str_c(b));
}

bool sy_str_eq_nocase(struct sy_str a, struct sy_str b);

/* Returns the value of hexadecimal digit `c`, or -1. */
int sy_hex_digit(char c);

bool sy_str_has_prefix(struct sy_str s, struct sy_str prefix);

/* Compares in time that depends only on the lengths, not on the bytes: for
 * secrets. */
bool sy_str_eq_consttime(struct sy_str a, struct sy_str b);

/* A growable byte buffer. `len` bytes are used of `cap`; `ptr` is NULL until
 * the first append. The bytes are always followed by a NUL (not counted). */
struct sy_buf {
    char *ptr;
    size_t len;
    size_t cap;
};

/* Appends `len` bytes. Aborts on OOM; callers enforce their own ceiling. */
void sy_buf_append(struct sy_buf *buf, const void *data, size_t len);

static inline void sy_buf_append_str(struct sy_buf *buf, struct sy_str s)
{
    sy_buf_append(buf, s.ptr, s.len);
}

#define SY_BUF_APPEND_LIT(buf, lit) sy_buf_append((buf), (lit), sizeof(lit) - 1)

/* Makes room for `extra` more bytes (plus the NUL) and returns where they go;
 * the caller writes them and adds `extra` to `len`. */
char *sy_buf_reserve(struct sy_buf *buf, size_t extra);

/* Appends printf-formatted text. */
void sy_buf_appendf(struct sy_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Removes the first `n` bytes. */
void sy_buf_consume(struct sy_buf *buf, size_t n);

static inline void sy_buf_reset(struct sy_buf *buf)
{
    buf->len = 0;
    if (buf->ptr != NULL)
        buf->ptr[0] = '\0';
}

void sy_buf_dispose(struct sy_buf *buf);

#endif
