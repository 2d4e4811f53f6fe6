/* providers/sse.h - incremental Server-Sent Events parser (pure, no I/O).
 *
 * Feed it upstream bytes as they arrive, split anywhere: the events that come
 * out do not depend on where reads split (WHATWG "event stream" rules: lines
 * end in LF, CR or CRLF; "data:" lines of one event are joined with LF; a
 * blank line dispatches; lines starting with ':' are comments; a field name
 * without ':' has an empty value; one leading space after ':' is dropped).
 * An event without any data line is not dispatched. */
#ifndef SY_PROVIDERS_SSE_H
#define SY_PROVIDERS_SSE_H

#include <stddef.h>

#include "core/str.h"

struct sy_sse_event {
    struct sy_str event; /* empty when no "event:" line */
    struct sy_str data;  /* data lines joined with '\n' */
    struct sy_str id;    /* empty when no "id:" line */
};

/* Called once per dispatched event. The views are valid only during the
 * call. Returns 0 to continue, anything else to stop: sy_sse_feed() then
 * returns that value and the parser must not be fed again. */
typedef int sy_sse_event_fn(const struct sy_sse_event *ev, void *ctx);

/* Private: one field value of the event being read. While a feed lasts it
 * may be a view into the bytes being fed (`fed.ptr` != NULL); it is copied
 * into `kept` only when it must outlive the feed. */
struct sy__sse_value {
    struct sy_str fed;
    struct sy_buf kept;
};

/* Private fields: use the functions below. */
struct sy_sse_parser {
    size_t max_event_bytes;     /* ceiling on one event: the line being read + its values */
    struct sy_buf line;         /* the unfinished line carried over from the previous feed */
    struct sy__sse_value event; /* the event's "event:" value */
    struct sy__sse_value data;  /* the event's data so far */
    struct sy__sse_value id;
    int has_data; /* at least one data line seen */
    int skip_lf;  /* the previous chunk ended in CR: a leading LF belongs to it */
    int failed;   /* 0, or what sy_sse_feed() returned when it refused further input */
};

#define SY_SSE_TOO_LARGE (-1)

void sy_sse_init(struct sy_sse_parser *p, size_t max_event_bytes);

/* Parses `len` bytes, calling `cb` for each complete event. Returns 0, or
 * SY_SSE_TOO_LARGE when an event grows past max_event_bytes, or the nonzero
 * value `cb` returned. */
int sy_sse_feed(struct sy_sse_parser *p, const char *data, size_t len, sy_sse_event_fn *cb,
                void *ctx);

/* True when bytes of an unfinished event are buffered: a stream that ends
 * here was cut mid-event. */
int sy_sse_has_partial(const struct sy_sse_parser *p);

void sy_sse_dispose(struct sy_sse_parser *p);

#endif
