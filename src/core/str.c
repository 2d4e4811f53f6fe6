/* core/str.c - string views and the growable buffer. */
#include "core/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "core/alloc.h"

bool sy_str_eq_nocase(struct sy_str a, struct sy_str b)
{
    return a.len == b.len && (a.len == 0 || strncasecmp(a.ptr, b.ptr, a.len) == 0);
}

int sy_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool sy_str_has_prefix(struct sy_str s, struct sy_str prefix)
{
    return s.len >= prefix.len && memcmp(s.ptr, prefix.ptr, prefix.len) == 0;
}

bool sy_str_eq_consttime(struct sy_str a, struct sy_str b)
{
    unsigned char diff = a.len != b.len;
    size_t n = a.len < b.len ? a.len : b.len;

    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)a.ptr[i] ^ (unsigned char)b.ptr[i];
    return diff == 0;
}

static void reserve(struct sy_buf *buf, size_t extra)
{
    size_t need = buf->len + extra + 1;

    if (need <= buf->cap)
        return;
    size_t cap = buf->cap < 256 ? 256 : buf->cap;
    while (cap < need)
        cap *= 2;
    buf->ptr = sy_xrealloc(buf->ptr, cap);
    buf->cap = cap;
}

char *sy_buf_reserve(struct sy_buf *buf, size_t extra)
{
    reserve(buf, extra);
    return buf->ptr + buf->len;
}

void sy_buf_append(struct sy_buf *buf, const void *data, size_t len)
{
    reserve(buf, len);
    if (len > 0)
        memcpy(buf->ptr + buf->len, data, len);
    buf->len += len;
    buf->ptr[buf->len] = '\0';
}

void sy_buf_appendf(struct sy_buf *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    reserve(buf, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(buf->ptr + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
}

void sy_buf_consume(struct sy_buf *buf, size_t n)
{
    if (n >= buf->len) {
        sy_buf_reset(buf);
        return;
    }
    memmove(buf->ptr, buf->ptr + n, buf->len - n);
    buf->len -= n;
    buf->ptr[buf->len] = '\0';
}

void sy_buf_dispose(struct sy_buf *buf)
{
    free(buf->ptr);
    buf->ptr = NULL;
    buf->len = buf->cap = 0;
}
