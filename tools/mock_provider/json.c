/* mock_provider/json.c - helpers the JSON answers are built with: numbers in decimal and the
 * word counts that stand for tokens. Request bodies are read, and strings quoted, with
 * core/json.h. */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mock_provider/mock_provider_int.h"

void sy__mock_buf_u64(struct sy_buf *out, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    sy__mock_put(out, tmp + i, sizeof(tmp) - i);
}

/* ---- Words, eight or sixteen bytes at a time ------------------------------------------ */

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define LOWS  UINT64_C(0x7f7f7f7f7f7f7f7f)

static inline uint64_t load8(const void *p)
{
    uint64_t x;

    memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x); /* byte k of the text is byte k of the number */
#endif
    return x;
}

/* The high bit of each byte of `x` that equals `c`, exactly (no carry crosses bytes). */
static inline uint64_t bytes_equal(uint64_t x, unsigned char c)
{
    uint64_t t = x ^ (ONES * c);

    return ~(((t & LOWS) + LOWS) | t) & HIGHS;
}

/* The high bit of each of the 8 bytes at `p` that separates words: space, \t, \n, \v, \f,
 * \r. The range test works on 7-bit values so that no addition carries into the next byte. */
static inline uint64_t space_bits8(const void *p)
{
    uint64_t x = load8(p), low7 = x & LOWS;
    uint64_t from_tab = (low7 + ONES * (0x80 - '\t')) & HIGHS;
    uint64_t past_cr = (low7 + ONES * (0x80 - '\r' - 1)) & HIGHS;

    return bytes_equal(x, ' ') | (from_tab & ~past_cr & ~x);
}

static inline unsigned space_bit(unsigned char c)
{
    return (unsigned)(c == ' ') | (unsigned)((unsigned char)(c - '\t') < 5);
}

uint32_t sy__mock_count_words(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t words = 0;
    unsigned prev = 1; /* the start counts as a separator */
    size_t i = 0;

    /* A word starts wherever a separator is followed by a non-separator. Eight bytes at a
     * time: shifting the flags by a byte lines each byte up with the one before it, and the
     * multiplication adds up the eight 0-or-1 bytes into the top one. */
#ifdef __SSE2__
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i tab_to_cr = _mm_sub_epi8(v, _mm_set1_epi8('\t'));
        __m128i sp = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
            _mm_cmpeq_epi8(_mm_subs_epu8(tab_to_cr, _mm_set1_epi8(4)), _mm_setzero_si128()));
        unsigned bits = (unsigned)_mm_movemask_epi8(sp);
        unsigned starts = ~bits & ((bits << 1) | prev) & 0xffffu;

        starts -= (starts >> 1) & 0x5555u; /* a 16-bit popcount */
        starts = (starts & 0x3333u) + ((starts >> 2) & 0x3333u);
        starts = (starts + (starts >> 4)) & 0x0f0fu;
        words += (starts + (starts >> 8)) & 0x1fu;
        prev = (bits >> 15) & 1u;
    }
#endif
    for (; i + 8 <= len; i += 8) {
        uint64_t sp = space_bits8(p + i);
        uint64_t starts = ~sp & ((sp << 8) | ((uint64_t)prev << 7)) & HIGHS;

        words += (uint32_t)(((starts >> 7) * ONES) >> 56);
        prev = (unsigned)(sp >> 63);
    }
    for (; i < len; i++) {
        unsigned sp = space_bit(p[i]);

        words += prev & (sp ^ 1);
        prev = sp;
    }
    return words;
}
