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

/* What a run produced. */
struct outcome {
    uint64_t digest; /* FNV-1a over every event's fields, each length-prefixed */
    size_t count;
    int rc;          /* what the last feed returned */
    int has_partial; /* sy_sse_has_partial() at the end */
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

/* Length first, so "ab" + "c" and "a" + "bc" digest differently. */
static uint64_t digest_field(uint64_t h, struct sy_str s)
{
    uint64_t len = s.len;

    h = digest_bytes(h, &len, sizeof(len));
    return digest_bytes(h, s.ptr, s.len);
}

static int digest_event(const struct sy_sse_event *ev, void *ctx)
{
    struct outcome *out = ctx;

    out->digest = digest_field(out->digest, ev->event);
    out->digest = digest_field(out->digest, ev->data);
    out->digest = digest_field(out->digest, ev->id);
    out->count++;
    return 0;
}

/* Feeds `data` in pieces ending at the `cut_count` offsets in `cuts`, then at
 * `size`. Each piece gets its own exact-size heap copy, freed after its feed,
 * so ASan sees a view kept past its feed or a read past a piece's end. */
static struct outcome run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count,
                          size_t max_event_bytes)
{
    struct outcome out = {.digest = 0xcbf29ce484222325u};
    struct sy_sse_parser p;
    size_t from = 0;

    sy_sse_init(&p, max_event_bytes);
    for (size_t i = 0; i <= cut_count && out.rc == 0; i++) {
        size_t to = i < cut_count ? cuts[i] : size;
        char *piece = malloc(to > from ? to - from : 1);

        if (piece == NULL)
            abort();
        if (to > from)
            memcpy(piece, data + from, to - from);
        out.rc = sy_sse_feed(&p, piece, to - from, digest_event, &out);
        free(piece);
        from = to;
    }
    out.has_partial = sy_sse_has_partial(&p);
    sy_sse_dispose(&p);
    return out;
}

static void expect_same(const struct outcome *a, const struct outcome *b)
{
    if (a->digest != b->digest || a->count != b->count || a->rc != b->rc ||
        a->has_partial != b->has_partial)
        abort();
}

static void check_splits(const uint8_t *data, size_t size, size_t max_event_bytes)
{
    size_t halves[1] = {size / 2};
    size_t thirds[2] = {size / 3, 2 * size / 3};
    struct outcome whole = run(data, size, NULL, 0, max_event_bytes);
    struct outcome split;

    split = run(data, size, halves, 1, max_event_bytes);
    expect_same(&whole, &split);
    split = run(data, size, thirds, 2, max_event_bytes);
    expect_same(&whole, &split);
    if (size > 0 && size <= 512) {
        size_t bytes[512];

        for (size_t i = 0; i < size; i++)
            bytes[i] = i + 1;
        split = run(data, size, bytes, size - 1, max_event_bytes);
        expect_same(&whole, &split);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, 64 * 1024);
    check_splits(data, size, 64); /* small enough that the seeds hit it */
    return 0;
}
