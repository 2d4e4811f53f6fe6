/* tests/fuzz/split.h - the read-boundary check that the stream fuzzers share.
 *
 * Where a read boundary falls is TCP's choice, not the provider's, so a
 * decoder must give the same result whatever the cuts. A target runs its
 * decoder over the whole input, then split_check() has it run again in two
 * halves, in three thirds and (when short) byte by byte, and compare. Each
 * piece is fed from its own exact-size heap copy, freed right after its feed,
 * so ASan sees a view kept past its feed or a read past a piece's end.
 *
 * Header-only (static inline), so each fuzz_<target>.c stays one file for the
 * replay rule in the Makefile and for scripts/fuzz.sh. */
#ifndef SY_TESTS_FUZZ_SPLIT_H
#define SY_TESTS_FUZZ_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

/* ---- Digests ------------------------------------------------------------------------------ */

/* What a run of a decoder produced, for targets that digest what comes out. */
struct split_digest {
    uint64_t digest; /* FNV-1a over every output's fields, each length-prefixed */
    size_t count;
    int rc;          /* what the last feed returned */
    int has_partial; /* the decoder's has_partial() at the end */
};

/* The FNV-1a offset basis: where split_digest.digest starts. */
#define SPLIT_DIGEST_INIT 0xcbf29ce484222325u

static inline uint64_t split_digest_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *s = data;

    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* Length first, so "ab" + "c" and "a" + "bc" digest differently. */
static inline uint64_t split_digest_field(uint64_t h, struct sy_str s)
{
    uint64_t len = s.len;

    h = split_digest_bytes(h, &len, sizeof(len));
    return split_digest_bytes(h, s.ptr, s.len);
}

/* Aborts unless the two runs produced the same. */
static inline void split_expect_same_digest(const struct split_digest *a,
                                            const struct split_digest *b)
{
    if (a->digest != b->digest || a->count != b->count || a->rc != b->rc ||
        a->has_partial != b->has_partial)
        abort();
}

/* ---- Feeding and checking ----------------------------------------------------------------- */

/* Feeds one piece to the decoder in `ctx`. Returns true to go on with the next piece, false to
 * stop as the gateway does (an error, the end of the stream). */
typedef bool split_feed_fn(void *ctx, const char *piece, size_t len);

/* Feeds `data` in pieces ending at the `cut_count` offsets in `cuts`, then at `size`, each from
 * its own exact-size heap copy freed after its feed, until `feed` returns false. */
static inline void split_feed(const uint8_t *data, size_t size, const size_t *cuts,
                              size_t cut_count, split_feed_fn *feed, void *ctx)
{
    size_t from = 0;

    for (size_t i = 0; i <= cut_count; i++) {
        size_t to = i < cut_count ? cuts[i] : size;
        char *piece = malloc(to > from ? to - from : 1);
        bool goes_on;

        if (piece == NULL)
            abort();
        if (to > from)
            memcpy(piece, data + from, to - from);
        goes_on = feed(ctx, piece, to - from);
        free(piece);
        from = to;
        if (!goes_on)
            break;
    }
}

/* Runs the decoder again with the input cut at the `cut_count` offsets in `cuts`, and aborts
 * unless it produces what the whole run did (which `ctx` holds). */
typedef void split_compare_fn(void *ctx, const size_t *cuts, size_t cut_count);

/* Has `compare` run the input of `size` bytes in two halves, in three thirds and, when
 * 0 < size <= max_bytewise_size, byte by byte. */
static inline void split_check(size_t size, size_t max_bytewise_size, split_compare_fn *compare,
                               void *ctx)
{
    size_t halves[1] = {size / 2};
    size_t thirds[2] = {size / 3, 2 * size / 3};

    compare(ctx, halves, 1);
    compare(ctx, thirds, 2);
    if (size > 0 && size <= max_bytewise_size) {
        size_t *bytes = malloc(size * sizeof(*bytes));

        if (bytes == NULL)
            abort();
        for (size_t i = 0; i < size; i++)
            bytes[i] = i + 1;
        compare(ctx, bytes, size - 1);
        free(bytes);
    }
}

#endif
