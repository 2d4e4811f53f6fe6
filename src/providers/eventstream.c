/* providers/eventstream.c - AWS event-stream framing (see eventstream.h). */
#include "providers/eventstream.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define PRELUDE_BYTES 12 /* total length, headers length, prelude CRC */

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t crc_of(const unsigned char *p, size_t len)
{
    return (uint32_t)crc32(0L, p, (uInt)len);
}

void sy_eventstream_init(struct sy_eventstream_decoder *d, size_t max_message_bytes)
{
    memset(d, 0, sizeof(*d));
    d->max_message_bytes =
        max_message_bytes < SY_EVENTSTREAM_MIN_BYTES ? SY_EVENTSTREAM_MIN_BYTES : max_message_bytes;
}

void sy_eventstream_dispose(struct sy_eventstream_decoder *d)
{
    sy_buf_dispose(&d->pending);
    d->pending_total = 0;
}

bool sy_eventstream_has_partial(const struct sy_eventstream_decoder *d)
{
    return d->pending.len > 0;
}

/* Checks the 12 bytes of a prelude. Returns 0 and sets `*total`, or an error. */
static int check_prelude(const struct sy_eventstream_decoder *d, const unsigned char *p,
                         size_t *total)
{
    uint32_t t = get_u32(p), h = get_u32(p + 4);

    if (crc_of(p, 8) != get_u32(p + 8))
        return SY_EVENTSTREAM_MALFORMED;
    if (t < SY_EVENTSTREAM_MIN_BYTES || h > t - SY_EVENTSTREAM_MIN_BYTES)
        return SY_EVENTSTREAM_MALFORMED;
    if (t > d->max_message_bytes)
        return SY_EVENTSTREAM_TOO_LARGE;
    *total = t;
    return 0;
}

/* The size of a header value of `type` that starts at `p` with `left` bytes
 * to go, or -1 when the type is unknown or the value runs past `left`. */
static long value_size(unsigned type, const unsigned char *p, size_t left)
{
    static const signed char fixed[10] = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};
    size_t n;

    if (type > 9)
        return -1;
    if (fixed[type] >= 0)
        n = (size_t)fixed[type];
    else if (left < 2)
        return -1;
    else
        n = 2 + ((size_t)p[0] << 8 | p[1]);
    return n <= left ? (long)n : -1;
}

static int parse_headers(const unsigned char *p, size_t len, struct sy_eventstream_message *m)
{
    /* clang-format off */
    static const struct { const char *name; size_t offset; } known[] = {
        {":message-type", offsetof(struct sy_eventstream_message, message_type)},
        {":event-type", offsetof(struct sy_eventstream_message, event_type)},
        {":exception-type", offsetof(struct sy_eventstream_message, exception_type)},
        {":content-type", offsetof(struct sy_eventstream_message, content_type)},
        {":error-code", offsetof(struct sy_eventstream_message, error_code)},
        {":error-message", offsetof(struct sy_eventstream_message, error_message)},
    };

    /* clang-format on */
    size_t at = 0;

    while (at < len) {
        size_t name_len = p[at++];
        struct sy_str name;
        unsigned type;
        long vsize;

        if (name_len == 0 || name_len + 1 > len - at)
            return SY_EVENTSTREAM_MALFORMED; /* the name and the type byte */
        name = (struct sy_str){(const char *)p + at, name_len};
        at += name_len;
        type = p[at++];
        vsize = value_size(type, p + at, len - at);
        if (vsize < 0)
            return SY_EVENTSTREAM_MALFORMED;
        if (type == 7) {
            for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                if (sy_str_eq_c(name, known[i].name)) {
                    *(struct sy_str *)((char *)m + known[i].offset) =
                        (struct sy_str){(const char *)p + at + 2, (size_t)vsize - 2};
                }
            }
        }
        at += (size_t)vsize;
        m->headers_count++;
    }
    return 0;
}

/* Decodes the whole message at `p` (its prelude already checked) and hands
 * it to `cb`. */
static int deliver(const unsigned char *p, size_t total, sy_eventstream_message_fn *cb, void *ctx)
{
    struct sy_eventstream_message m;
    size_t headers_len = get_u32(p + 4);
    int rc;

    if (crc_of(p, total - 4) != get_u32(p + total - 4))
        return SY_EVENTSTREAM_MALFORMED;
    memset(&m, 0, sizeof(m));
    m.message_type = m.event_type = m.exception_type = m.content_type = m.error_code =
        m.error_message = SY_STR("");
    rc = parse_headers(p + PRELUDE_BYTES, headers_len, &m);
    if (rc != 0)
        return rc;
    m.payload = (struct sy_str){(const char *)p + PRELUDE_BYTES + headers_len,
                                total - SY_EVENTSTREAM_MIN_BYTES - headers_len};
    return cb(&m, ctx);
}

int sy_eventstream_feed(struct sy_eventstream_decoder *d, const char *data, size_t len,
                        sy_eventstream_message_fn *cb, void *ctx)
{
    const unsigned char *p = (const unsigned char *)data;
    int rc = 0;

    if (d->failed != 0)
        return d->failed;
    while (rc == 0 && len > 0) {
        if (d->pending.len > 0) {
            /* Complete the carried-over message: first its prelude, then the rest. */
            size_t goal = d->pending_total > 0 ? d->pending_total : PRELUDE_BYTES;
            size_t take = goal - d->pending.len < len ? goal - d->pending.len : len;

            sy_buf_append(&d->pending, p, take);
            p += take;
            len -= take;
            if (d->pending.len < goal)
                break;
            if (d->pending_total == 0) {
                rc = check_prelude(d, (const unsigned char *)d->pending.ptr, &d->pending_total);
                if (rc == 0)
                    sy_buf_reserve(&d->pending, d->pending_total - d->pending.len);
                continue;
            }
            rc = deliver((const unsigned char *)d->pending.ptr, d->pending_total, cb, ctx);
            sy_buf_reset(&d->pending);
            d->pending_total = 0;
            continue;
        }
        if (len < PRELUDE_BYTES) {
            sy_buf_append(&d->pending, p, len);
            break;
        }
        size_t total;
        rc = check_prelude(d, p, &total);
        if (rc != 0)
            break;
        if (len < total) {
            /* Keep what there is; the next feeds complete it. */
            sy_buf_reserve(&d->pending, total);
            sy_buf_append(&d->pending, p, len);
            d->pending_total = total;
            break;
        }
        rc = deliver(p, total, cb, ctx);
        p += total;
        len -= total;
    }
    if (rc != 0) {
        d->failed = rc;
        sy_eventstream_dispose(d);
    }
    return rc;
}
