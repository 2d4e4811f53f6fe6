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

/* What a run produced. */
struct outcome {
    uint64_t digest; /* FNV-1a over every message's fields, each length-prefixed */
    size_t count;
    int rc;          /* what the last feed returned */
    int has_partial; /* sy_eventstream_has_partial() at the end */
};

static uint64_t digest_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *s = data;

    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static uint64_t digest_field(uint64_t h, struct sy_str s)
{
    uint64_t len = s.len;

    h = digest_bytes(h, &len, sizeof(len));
    return digest_bytes(h, s.ptr, s.len);
}

static int digest_message(const struct sy_eventstream_message *m, void *ctx)
{
    struct outcome *out = ctx;
    uint64_t headers = m->headers_count;

    out->digest = digest_field(out->digest, m->message_type);
    out->digest = digest_field(out->digest, m->event_type);
    out->digest = digest_field(out->digest, m->exception_type);
    out->digest = digest_field(out->digest, m->content_type);
    out->digest = digest_field(out->digest, m->error_code);
    out->digest = digest_field(out->digest, m->error_message);
    out->digest = digest_field(out->digest, m->payload);
    out->digest = digest_bytes(out->digest, &headers, sizeof(headers));
    out->count++;
    /* Stop on a payload starting with "STOP", so the callback's stop is fuzzed too. */
    return m->payload.len >= 4 && memcmp(m->payload.ptr, "STOP", 4) == 0 ? 42 : 0;
}

/* Feeds `data` in pieces ending at the `cut_count` offsets in `cuts`, then at
 * `size`. Each piece gets its own exact-size heap copy, freed after its feed,
 * so ASan sees a view kept past its feed or a read past a piece's end. */
static struct outcome run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count,
                          size_t max_message_bytes)
{
    struct outcome out = {.digest = 0xcbf29ce484222325u};
    struct sy_eventstream_decoder d;
    size_t from = 0;

    sy_eventstream_init(&d, max_message_bytes);
    for (size_t i = 0; i <= cut_count && out.rc == 0; i++) {
        size_t to = i < cut_count ? cuts[i] : size;
        char *piece = malloc(to > from ? to - from : 1);

        if (piece == NULL)
            abort();
        if (to > from)
            memcpy(piece, data + from, to - from);
        out.rc = sy_eventstream_feed(&d, piece, to - from, digest_message, &out);
        free(piece);
        from = to;
    }
    out.has_partial = sy_eventstream_has_partial(&d);
    sy_eventstream_dispose(&d);
    return out;
}

static void expect_same(const struct outcome *a, const struct outcome *b)
{
    if (a->digest != b->digest || a->count != b->count || a->rc != b->rc ||
        a->has_partial != b->has_partial)
        abort();
}

static void check_splits(const uint8_t *data, size_t size, size_t max_message_bytes)
{
    size_t halves[1] = {size / 2};
    size_t thirds[2] = {size / 3, 2 * size / 3};
    struct outcome whole = run(data, size, NULL, 0, max_message_bytes);
    struct outcome split;

    split = run(data, size, halves, 1, max_message_bytes);
    expect_same(&whole, &split);
    split = run(data, size, thirds, 2, max_message_bytes);
    expect_same(&whole, &split);
    if (size > 0 && size <= 512) {
        size_t bytes[512];

        for (size_t i = 0; i < size; i++)
            bytes[i] = i + 1;
        split = run(data, size, bytes, size - 1, max_message_bytes);
        expect_same(&whole, &split);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, 1 << 20);
    check_splits(data, size, 64); /* small enough that the seeds hit it */
    return 0;
}
