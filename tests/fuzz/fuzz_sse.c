/* tests/fuzz/fuzz_sse.c - the SSE parser against arbitrary upstream bytes.
 *
 * Beyond "no crash, no leak": where a read boundary falls must not change
 * which events come out, because TCP decides that, not the provider. The
 * input is fed in one piece, in two halves, in three thirds and (when short)
 * byte by byte, under a roomy and a tight max_event_bytes. Each run digests
 * every event's event/data/id bytes, the event count, what the last feed
 * returned and sy_sse_has_partial(); any difference aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/sse.h"
#include "split.h"

static int digest_event(const struct sy_sse_event *ev, void *ctx)
{
    struct split_digest *out = ctx;

    out->digest = split_digest_field(out->digest, ev->event);
    out->digest = split_digest_field(out->digest, ev->data);
    out->digest = split_digest_field(out->digest, ev->id);
    out->count++;
    return 0;
}

/* One run: the parser and what it produced. */
struct run {
    struct sy_sse_parser p;
    struct split_digest out;
};

static bool feed_piece(void *ctx, const char *piece, size_t len)
{
    struct run *r = ctx;

    r->out.rc = sy_sse_feed(&r->p, piece, len, digest_event, &r->out);
    return r->out.rc == 0;
}

static struct split_digest run(const uint8_t *data, size_t size, const size_t *cuts,
                               size_t cut_count, size_t max_event_bytes)
{
    struct run r = {.out = {.digest = SPLIT_DIGEST_INIT}};

    sy_sse_init(&r.p, max_event_bytes);
    split_feed(data, size, cuts, cut_count, feed_piece, &r);
    r.out.has_partial = sy_sse_has_partial(&r.p);
    sy_sse_dispose(&r.p);
    return r.out;
}

struct check {
    const uint8_t *data;
    size_t size;
    size_t max_event_bytes;
    struct split_digest whole;
};

static void compare_split(void *ctx, const size_t *cuts, size_t cut_count)
{
    struct check *c = ctx;
    struct split_digest split = run(c->data, c->size, cuts, cut_count, c->max_event_bytes);

    split_expect_same_digest(&c->whole, &split);
}

static void check_splits(const uint8_t *data, size_t size, size_t max_event_bytes)
{
    struct check c = {data, size, max_event_bytes, run(data, size, NULL, 0, max_event_bytes)};

    split_check(size, 512, compare_split, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, 64 * 1024);
    check_splits(data, size, 64); /* small enough that the seeds hit it */
    return 0;
}
