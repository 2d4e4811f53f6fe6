/* tests/fuzz/fuzz_eventstream.c - the event-stream decoder against arbitrary bytes.
 *
 * Beyond "no crash, no leak": where a read boundary falls must not change
 * which messages come out, nor how decoding ends. The input is fed in one
 * piece, in two halves, in three thirds and (when short) byte by byte, under
 * a roomy and a tight max_message_bytes. Each run digests every message's
 * typed headers and payload, the message count, what the last feed returned
 * and sy_eventstream_has_partial(); any difference aborts. Libfuzzer's
 * comparison tracing gets past the CRCs; the seeds are valid messages. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/eventstream.h"
#include "split.h"

static int digest_message(const struct sy_eventstream_message *m, void *ctx)
{
    struct split_digest *out = ctx;
    uint64_t headers = m->headers_count;

    out->digest = split_digest_field(out->digest, m->message_type);
    out->digest = split_digest_field(out->digest, m->event_type);
    out->digest = split_digest_field(out->digest, m->exception_type);
    out->digest = split_digest_field(out->digest, m->content_type);
    out->digest = split_digest_field(out->digest, m->error_code);
    out->digest = split_digest_field(out->digest, m->error_message);
    out->digest = split_digest_field(out->digest, m->payload);
    out->digest = split_digest_bytes(out->digest, &headers, sizeof(headers));
    out->count++;
    /* Stop on a payload starting with "STOP", so the callback's stop is fuzzed too. */
    return m->payload.len >= 4 && memcmp(m->payload.ptr, "STOP", 4) == 0 ? 42 : 0;
}

/* One run: the decoder and what it produced. */
struct run {
    struct sy_eventstream_decoder d;
    struct split_digest out;
};

static bool feed_piece(void *ctx, const char *piece, size_t len)
{
    struct run *r = ctx;

    r->out.rc = sy_eventstream_feed(&r->d, piece, len, digest_message, &r->out);
    return r->out.rc == 0;
}

static struct split_digest run(const uint8_t *data, size_t size, const size_t *cuts,
                               size_t cut_count, size_t max_message_bytes)
{
    struct run r = {.out = {.digest = SPLIT_DIGEST_INIT}};

    sy_eventstream_init(&r.d, max_message_bytes);
    split_feed(data, size, cuts, cut_count, feed_piece, &r);
    r.out.has_partial = sy_eventstream_has_partial(&r.d);
    sy_eventstream_dispose(&r.d);
    return r.out;
}

struct check {
    const uint8_t *data;
    size_t size;
    size_t max_message_bytes;
    struct split_digest whole;
};

static void compare_split(void *ctx, const size_t *cuts, size_t cut_count)
{
    struct check *c = ctx;
    struct split_digest split = run(c->data, c->size, cuts, cut_count, c->max_message_bytes);

    split_expect_same_digest(&c->whole, &split);
}

static void check_splits(const uint8_t *data, size_t size, size_t max_message_bytes)
{
    struct check c = {data, size, max_message_bytes, run(data, size, NULL, 0, max_message_bytes)};

    split_check(size, 512, compare_split, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, 1 << 20);
    check_splits(data, size, 64); /* small enough that the seeds hit it */
    return 0;
}
