/* providers/sse.c - incremental Server-Sent Events parser.
 *
 * Lines are scanned in place in the bytes the caller feeds; only the
 * unfinished tail of a feed is copied (into `line`). Field values stay views
 * into the fed bytes while the feed lasts and are copied into the parser's
 * own buffers only when the event is still open at the end of the feed, or
 * when a second "data:" line has to be joined to the first. So the hot path,
 * an upstream read holding whole single-data-line events, copies nothing.
 *
 * The ceiling: before a line is processed, its length (without the line end)
 * plus the bytes already held for the event (event + data + id values) must
 * not exceed max_event_bytes. The unfinished tail of a feed is checked the
 * same way before it is buffered. A field's value never outgrows its line,
 * so the values stay under the ceiling too, and because a tail is a prefix of
 * the line it will become, where reads split never changes the verdict.
 *
 * After a refusal (too large, or the callback stopped) every buffer is
 * released and later feeds return the same value without parsing. */
#include "providers/sse.h"

#include <stdbool.h>
#include <string.h>

/* ---- Field values ------------------------------------------------------ */

static size_t value_len(const struct sy__sse_value *v)
{
    return v->fed.ptr != NULL ? v->fed.len : v->kept.len;
}

/* The value as a view that is never NULL, so callers may memcpy() it. */
static struct sy_str value_view(const struct sy__sse_value *v)
{
    if (v->fed.ptr != NULL)
        return v->fed;
    if (v->kept.len == 0)
        return SY_STR("");
    return (struct sy_str){v->kept.ptr, v->kept.len};
}

/* Replaces the value with `len` bytes at `s`. When `is_fed`, `s` lies in the
 * bytes of the current feed and is only referenced; otherwise it is copied. */
static void value_set(struct sy__sse_value *v, const char *s, size_t len, bool is_fed)
{
    sy_buf_reset(&v->kept);
    v->fed = SY_STR_NULL;
    if (is_fed)
        v->fed = (struct sy_str){s, len};
    else if (len > 0)
        sy_buf_append(&v->kept, s, len);
}

/* Copies a value that references the fed bytes into `kept`. */
static void value_keep(struct sy__sse_value *v)
{
    if (v->fed.ptr == NULL)
        return;
    if (v->fed.len > 0)
        sy_buf_append(&v->kept, v->fed.ptr, v->fed.len);
    v->fed = SY_STR_NULL;
}

static void value_append(struct sy__sse_value *v, const char *s, size_t len)
{
    value_keep(v);
    if (len > 0)
        sy_buf_append(&v->kept, s, len);
}

static void value_clear(struct sy__sse_value *v)
{
    v->fed = SY_STR_NULL;
    sy_buf_reset(&v->kept);
}

/* ---- Lines ------------------------------------------------------------- */

/* True when a line of `line_len` bytes fits beside what the event holds. */
static bool line_fits(const struct sy_sse_parser *p, size_t line_len)
{
    size_t held = value_len(&p->event) + value_len(&p->data) + value_len(&p->id);

    return held <= p->max_event_bytes && line_len <= p->max_event_bytes - held;
}

/* A blank line ends the event: hands it to `cb` if it has data, then starts
 * the next one. Returns what `cb` returned, or 0. */
static int dispatch(struct sy_sse_parser *p, sy_sse_event_fn *cb, void *ctx)
{
    int rc = 0;

    if (p->has_data) {
        struct sy_sse_event ev = {
            .event = value_view(&p->event),
            .data = value_view(&p->data),
            .id = value_view(&p->id),
        };

        rc = cb(&ev, ctx);
    }
    value_clear(&p->event);
    value_clear(&p->data);
    value_clear(&p->id);
    p->has_data = 0;
    return rc;
}

static bool name_is(const char *name, size_t len, struct sy_str lit)
{
    return len == lit.len && memcmp(name, lit.ptr, len) == 0;
}

/* Processes one complete line of `len` bytes, without its line end. When
 * `is_fed`, the line lies in the bytes of the current feed, so its value may
 * be referenced instead of copied. Returns what `cb` returned, or 0. */
static int process_line(struct sy_sse_parser *p, const char *line, size_t len, bool is_fed,
                        sy_sse_event_fn *cb, void *ctx)
{
    const char *colon;
    const char *value;
    size_t name_len;
    size_t value_len;

    if (len == 0)
        return dispatch(p, cb, ctx);
    if (line[0] == ':')
        return 0; /* a comment: keep-alives use these */
    colon = memchr(line, ':', len);
    if (colon != NULL) {
        name_len = (size_t)(colon - line);
        value = colon + 1;
        value_len = len - name_len - 1;
        if (value_len > 0 && value[0] == ' ') {
            value++;
            value_len--;
        }
    } else {
        name_len = len;
        value = line + len;
        value_len = 0;
    }

    if (name_is(line, name_len, SY_STR("data"))) {
        if (p->has_data) {
            value_append(&p->data, "\n", 1);
            value_append(&p->data, value, value_len);
        } else {
            value_set(&p->data, value, value_len, is_fed);
            p->has_data = 1;
        }
    } else if (name_is(line, name_len, SY_STR("event"))) {
        value_set(&p->event, value, value_len, is_fed);
    } else if (name_is(line, name_len, SY_STR("id"))) {
        value_set(&p->id, value, value_len, is_fed);
    }
    /* "retry" is for browsers reconnecting; we do not reconnect mid-stream.
     * Unknown fields are ignored, as the standard says. */
    return 0;
}

/* Returns the first CR or LF in [pos, end), or NULL. `next_cr` caches the
 * next CR (`end` when there is none, NULL before the first search), so each
 * byte is scanned a bounded number of times however the line ends mix. */
static const char *find_line_end(const char *pos, const char *end, const char **next_cr)
{
    const char *lf;

    if (*next_cr == NULL || *next_cr < pos) {
        *next_cr = memchr(pos, '\r', (size_t)(end - pos));
        if (*next_cr == NULL)
            *next_cr = end;
    }
    lf = memchr(pos, '\n', (size_t)(*next_cr - pos));
    if (lf != NULL)
        return lf;
    return *next_cr < end ? *next_cr : NULL;
}

/* ---- Parser ------------------------------------------------------------ */

void sy_sse_init(struct sy_sse_parser *p, size_t max_event_bytes)
{
    memset(p, 0, sizeof(*p));
    p->max_event_bytes = max_event_bytes;
}

static void release_buffers(struct sy_sse_parser *p)
{
    sy_buf_dispose(&p->line);
    sy_buf_dispose(&p->event.kept);
    sy_buf_dispose(&p->data.kept);
    sy_buf_dispose(&p->id.kept);
    p->event.fed = p->data.fed = p->id.fed = SY_STR_NULL;
    p->has_data = 0;
    p->skip_lf = 0;
}

int sy_sse_feed(struct sy_sse_parser *p, const char *data, size_t len, sy_sse_event_fn *cb,
                void *ctx)
{
    const char *pos;
    const char *end;
    const char *next_cr = NULL;
    const char *eol;
    int rc = 0;

    if (p->failed != 0)
        return p->failed;
    if (len == 0)
        return 0; /* before any pointer arithmetic: `data` may be NULL */
    pos = data;
    end = data + len;
    if (p->skip_lf) {
        p->skip_lf = 0;
        if (*pos == '\n')
            pos++;
    }

    while (pos < end && (eol = find_line_end(pos, end, &next_cr)) != NULL) {
        size_t n = (size_t)(eol - pos);

        if (p->line.len > 0) {
            /* The line began in an earlier feed: complete it in `line`. */
            if (!line_fits(p, p->line.len + n)) {
                rc = SY_SSE_TOO_LARGE;
                goto out;
            }
            sy_buf_append(&p->line, pos, n);
            rc = process_line(p, p->line.ptr, p->line.len, false, cb, ctx);
            sy_buf_reset(&p->line);
        } else {
            if (!line_fits(p, n)) {
                rc = SY_SSE_TOO_LARGE;
                goto out;
            }
            rc = process_line(p, pos, n, true, cb, ctx);
        }
        pos = eol + 1;
        if (*eol == '\r') {
            if (pos == end)
                p->skip_lf = 1; /* the LF of a CRLF may come in the next feed */
            else if (*pos == '\n')
                pos++;
        }
        if (rc != 0)
            goto out;
    }

    if (pos < end) {
        size_t n = (size_t)(end - pos);

        if (!line_fits(p, p->line.len + n)) {
            rc = SY_SSE_TOO_LARGE;
            goto out;
        }
        sy_buf_append(&p->line, pos, n);
    }

out:
    if (rc != 0) {
        p->failed = rc;
        release_buffers(p);
        return rc;
    }
    /* The caller may reuse its buffer once we return. */
    value_keep(&p->event);
    value_keep(&p->data);
    value_keep(&p->id);
    return 0;
}

int sy_sse_has_partial(const struct sy_sse_parser *p)
{
    return p->line.len > 0 || p->has_data || value_len(&p->event) > 0 || value_len(&p->id) > 0;
}

void sy_sse_dispose(struct sy_sse_parser *p)
{
    release_buffers(p);
}
