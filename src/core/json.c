/* core/json.c - the zero-allocation JSON validator and scanner.
 *
 * The validator is a state machine over one pass of the bytes, with the
 * kinds of the open containers in a fixed bitset instead of a recursion, so
 * hostile nesting costs 128 bytes of stack and not a thread. Most of a chat
 * body is string content, so strings are scanned 16 bytes at a time with
 * SSE2 (8 at a time with SWAR where there is no SSE2) until a byte that
 * needs a look: '"', '\', a control character or the start of a multi-byte
 * UTF-8 sequence. The scanner half never validates: it skips strings by
 * their quotes and containers by counting brackets, and bounds every read
 * by `end` so that unvalidated text cannot make it read out of bounds. */
#include "core/json.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

_Static_assert(SY_JSON_MAX_DEPTH % 8 == 0, "the depth bitset holds whole bytes");

/* ---- Byte classes ------------------------------------------------------ */

#define ONES  0x0101010101010101u
#define HIGHS 0x8080808080808080u

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LITTLE_ENDIAN_SWAR 1
#else
#define LITTLE_ENDIAN_SWAR 0
#endif

static inline uint64_t load8(const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, sizeof(w)); /* a single load; compilers do not call memcpy here */
    return w;
}

/* The high bit of each byte of `w` equal to `c`. The lowest flagged byte is
 * exact; a borrow can flag bytes above it falsely, which is harmless because
 * only the lowest one is used. */
static inline uint64_t bytes_equal(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (ONES * c);

    return (x - ONES) & ~x & HIGHS;
}

/* The high bit of each byte of `w` that ends a run of plain string bytes:
 * '"', '\', below 0x20 or from 0x80 up (lowest flagged byte exact). */
static inline uint64_t string_stops(uint64_t w)
{
    uint64_t below_space_or_high = (((w - ONES * 0x20) & ~w) | w) & HIGHS;

    return below_space_or_high | bytes_equal(w, '"') | bytes_equal(w, '\\');
}

static inline bool is_plain_string_byte(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\' && c < 0x80;
}

/* Returns the first byte in [p, end) that is not a plain string byte, or
 * `end`. */
#if defined(__SSE2__)
/* The stop bytes among the 16 at `p`, as 0xFF bytes. A signed compare:
 * bytes from 0x80 up are negative, so one compare finds both control
 * characters and the start of multi-byte UTF-8. */
static inline __m128i string_stops16(const unsigned char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

    return _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}
#endif

static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
    unsigned mask;

    /* Most strings are short, so look at 16 bytes before committing to 64. */
    if (end - p >= 16) {
        if ((mask = (unsigned)_mm_movemask_epi8(string_stops16(p))) != 0)
            return p + __builtin_ctz(mask);
        p += 16;
        while (end - p >= 64) {
            __m128i a = string_stops16(p), b = string_stops16(p + 16);
            __m128i c = string_stops16(p + 32), d = string_stops16(p + 48);

            if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0)
                break; /* the 16-byte loop below finds which byte */
            p += 64;
        }
        while (end - p >= 16) {
            if ((mask = (unsigned)_mm_movemask_epi8(string_stops16(p))) != 0)
                return p + __builtin_ctz(mask);
            p += 16;
        }
    }
#endif
#if LITTLE_ENDIAN_SWAR
    while (end - p >= 8) {
        uint64_t stops = string_stops(load8(p));

        if (stops != 0)
            return p + (__builtin_ctzll(stops) >> 3);
        p += 8;
    }
#endif
    while (p < end && is_plain_string_byte(*p))
        p++;
    return p;
}

/* Returns the first '"' or '\' in [p, end), or `end`. */
static inline const unsigned char *find_quote_or_backslash(const unsigned char *p,
                                                           const unsigned char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');

    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));

        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
#if LITTLE_ENDIAN_SWAR
    while (end - p >= 8) {
        uint64_t w = load8(p);
        uint64_t stops = bytes_equal(w, '"') | bytes_equal(w, '\\');

        if (stops != 0)
            return p + (__builtin_ctzll(stops) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p != '"' && *p != '\\')
        p++;
    return p;
}

/* Returns the first '"', '[', ']', '{' or '}' in [p, end), or `end`: what
 * skipping a container has to look at. */
static inline const unsigned char *find_quote_or_bracket(const unsigned char *p,
                                                         const unsigned char *end)
{
    /* Between the strings of an object or array there are usually one to
     * three bytes ("," or ":" or "},{"): a vector load there would only add
     * latency to the chain from one string to the next. */
    for (const unsigned char *near = end - p > 4 ? p + 4 : end; p < near; p++) {
        if (*p == '"' || (*p | 0x20) == '{' || (*p | 0x20) == '}')
            return p;
    }
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i open = _mm_set1_epi8('{');
    const __m128i close = _mm_set1_epi8('}');

    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* '[' | 0x20 is '{' and ']' | 0x20 is '}'; no other byte maps there. */
        __m128i folded = _mm_or_si128(v, case_bit);
        __m128i hits =
            _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                         _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hits);

        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && *p != '"' && (*p | 0x20) != '{' && (*p | 0x20) != '}')
        p++;
    return p;
}

static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits at `p` (which has at least 4 bytes). Returns the
 * code unit or -1. */
static long read_hex4(const unsigned char *p)
{
    long value = 0;

    for (int i = 0; i < 4; i++) {
        int digit = hex_value(p[i]);

        if (digit < 0)
            return -1;
        value = value << 4 | digit;
    }
    return value;
}

/* Returns the length of the valid UTF-8 sequence at `p` (whose first byte is
 * 0x80 or more), or 0: RFC 3629 Table 3, so overlong forms, surrogates and
 * code points above U+10FFFF are all rejected. */
static size_t utf8_sequence_len(const unsigned char *p, const unsigned char *end)
{
    size_t avail = (size_t)(end - p);
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
    size_t len;

    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0; /* below: overlong */
    else if (c == 0xED)
        hi = 0x9F; /* above: a surrogate */
    else if (c == 0xF0)
        lo = 0x90; /* below: overlong */
    else if (c == 0xF4)
        hi = 0x8F; /* above: past U+10FFFF */
    if (avail < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    }
    return len;
}

/* Writes `cp` as UTF-8 to `out`; returns the byte count. */
static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the escape whose backslash is at `*pp` into `out` (up to 4 bytes)
 * and moves `*pp` past it. Returns the byte count, or 0 when the escape is
 * malformed or a lone surrogate; `*pp` is then left on the backslash. */
static size_t decode_escape(const unsigned char **pp, const unsigned char *end, unsigned char *out)
{
    const unsigned char *p = *pp;
    long unit, low;

    if (end - p < 2)
        return 0;
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
        out[0] = p[1];
        break;
    case 'b':
        out[0] = '\b';
        break;
    case 'f':
        out[0] = '\f';
        break;
    case 'n':
        out[0] = '\n';
        break;
    case 'r':
        out[0] = '\r';
        break;
    case 't':
        out[0] = '\t';
        break;
    case 'u':
        if (end - p < 6 || (unit = read_hex4(p + 2)) < 0)
            return 0;
        if (unit >= 0xDC00 && unit <= 0xDFFF)
            return 0;
        if (unit < 0xD800 || unit > 0xDBFF) {
            *pp = p + 6;
            return utf8_encode((uint32_t)unit, out);
        }
        if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || (low = read_hex4(p + 8)) < 0 ||
            low < 0xDC00 || low > 0xDFFF)
            return 0;
        *pp = p + 12;
        return utf8_encode((uint32_t)(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)), out);
    default:
        return 0;
    }
    *pp = p + 2;
    return 1;
}

/* ---- Validation -------------------------------------------------------- */

/* Each scan_* helper starts at `*pp` and returns NULL with `*pp` just past
 * what it accepted, or a reason with `*pp` on the offending byte. */

/* `*pp` is just past the opening quote. */
static const char *scan_string(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;

    for (;;) {
        p = skip_plain(p, end);
        if (p == end) {
            *pp = p;
            return "unterminated string";
        }
        if (*p == '"') {
            *pp = p + 1;
            return NULL;
        }
        if (*p == '\\') {
            unsigned char unused[4];

            if (decode_escape(&p, end, unused) == 0) {
                *pp = p;
                if (end - p < 2)
                    return "unterminated string";
                if (p[1] != 'u')
                    return "invalid escape";
                if (end - p < 6 || read_hex4(p + 2) < 0)
                    return "invalid \\u escape";
                return "lone surrogate escape";
            }
        } else if (*p < 0x20) {
            *pp = p;
            return "control character in string";
        } else {
            /* Non-ASCII text comes in runs (CJK has no spaces): stay here
             * for the whole run rather than restarting the vector scan. */
            do {
                size_t n = utf8_sequence_len(p, end);

                if (n == 0) {
                    *pp = p;
                    return "invalid UTF-8";
                }
                p += n;
            } while (p < end && *p >= 0x80);
        }
    }
}

static const char *scan_number(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    const char *reason = NULL;

    if (*p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
        if (p < end && is_digit(*p)) {
            reason = "leading zero in number";
            goto out;
        }
    } else if (p < end && is_digit(*p)) {
        while (p < end && is_digit(*p))
            p++;
    } else {
        reason = "invalid number";
        goto out;
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || !is_digit(*p)) {
            reason = "expected a digit after '.'";
            goto out;
        }
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p)) {
            reason = "expected a digit in the exponent";
            goto out;
        }
        while (p < end && is_digit(*p))
            p++;
    }
out:
    *pp = p;
    return reason;
}

static const char *scan_literal(const unsigned char **pp, const unsigned char *end,
                                const char *word, size_t len)
{
    const unsigned char *p = *pp;

    for (size_t i = 0; i < len; i++, p++) {
        if (p == end || *p != (unsigned char)word[i]) {
            *pp = p;
            return "invalid literal";
        }
    }
    *pp = p;
    return NULL;
}

static enum sy_json_type type_of(unsigned char c)
{
    switch (c) {
    case '{':
        return SY_JSON_OBJECT;
    case '[':
        return SY_JSON_ARRAY;
    case '"':
        return SY_JSON_STRING;
    case 't':
        return SY_JSON_TRUE;
    case 'f':
        return SY_JSON_FALSE;
    case 'n':
        return SY_JSON_NULL;
    case '-':
        return SY_JSON_NUMBER;
    default:
        return is_digit(c) ? SY_JSON_NUMBER : SY_JSON_INVALID;
    }
}

static void fill_error(struct sy_json_error *err, const char *text, size_t offset,
                       const char *reason)
{
    unsigned line = 1;
    size_t line_start = 0;

    if (err == NULL)
        return;
    /* Only on failure, so counting lines here keeps them out of the hot loop. */
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    err->offset = offset;
    err->line = line;
    err->column = (unsigned)(offset - line_start + 1);
    err->reason = reason;
}

/* A state machine rather than a recursive descent: `value` expects a value,
 * `key` a member name, `after_value` a ',' or the end of a container, and
 * the bitset `in_object` says which end the open containers expect. */
enum sy_json_type sy_json_validate(const char *text, size_t len, unsigned max_depth,
                                   struct sy_json_error *err)
{
    const unsigned char *start = (const unsigned char *)text;
    const unsigned char *p = start, *end = start + len;
    unsigned char in_object[SY_JSON_MAX_DEPTH / 8] = {0};
    unsigned depth = 0;
    enum sy_json_type top;
    const char *reason;

    if (text == NULL)
        p = end = start = (const unsigned char *)"";
    if (max_depth > SY_JSON_MAX_DEPTH)
        max_depth = SY_JSON_MAX_DEPTH;
    p = skip_ws(p, end);
    if (p == end) {
        reason = "no value";
        goto fail;
    }
    top = type_of(*p);

value:
    if (p == end) {
        reason = "unexpected end of input";
        goto fail;
    }
    switch (*p) {
    case '{':
    case '[': {
        bool is_object = *p == '{';

        if (depth == max_depth) {
            reason = "nesting too deep";
            goto fail;
        }
        if (is_object)
            in_object[depth >> 3] |= (unsigned char)(1u << (depth & 7));
        else
            in_object[depth >> 3] &= (unsigned char)~(1u << (depth & 7));
        depth++;
        p = skip_ws(p + 1, end);
        if (p < end && *p == (is_object ? '}' : ']')) {
            p++;
            depth--;
            goto after_value;
        }
        if (is_object)
            goto key;
        goto value;
    }
    case '"':
        p++;
        if ((reason = scan_string(&p, end)) != NULL)
            goto fail;
        break;
    case 't':
        if ((reason = scan_literal(&p, end, "true", 4)) != NULL)
            goto fail;
        break;
    case 'f':
        if ((reason = scan_literal(&p, end, "false", 5)) != NULL)
            goto fail;
        break;
    case 'n':
        if ((reason = scan_literal(&p, end, "null", 4)) != NULL)
            goto fail;
        break;
    default:
        if (*p == '-' || is_digit(*p)) {
            if ((reason = scan_number(&p, end)) != NULL)
                goto fail;
            break;
        }
        reason = "unexpected character";
        goto fail;
    }

after_value:
    p = skip_ws(p, end);
    if (depth == 0) {
        if (p != end) {
            reason = "unexpected data after the value";
            goto fail;
        }
        return top;
    }
    if (p == end) {
        reason = "unexpected end of input";
        goto fail;
    }
    if (in_object[(depth - 1) >> 3] & (1u << ((depth - 1) & 7))) {
        if (*p == '}') {
            p++;
            depth--;
            goto after_value;
        }
        if (*p != ',') {
            reason = "expected ',' or '}'";
            goto fail;
        }
        p = skip_ws(p + 1, end);
        if (p < end && *p == '}') {
            reason = "trailing comma";
            goto fail;
        }
        goto key;
    }
    if (*p == ']') {
        p++;
        depth--;
        goto after_value;
    }
    if (*p != ',') {
        reason = "expected ',' or ']'";
        goto fail;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
        reason = "trailing comma";
        goto fail;
    }
    goto value;

key:
    if (p == end) {
        reason = "unexpected end of input";
        goto fail;
    }
    if (*p != '"') {
        reason = "expected a string key";
        goto fail;
    }
    p++;
    if ((reason = scan_string(&p, end)) != NULL)
        goto fail;
    p = skip_ws(p, end);
    if (p == end) {
        reason = "unexpected end of input";
        goto fail;
    }
    if (*p != ':') {
        reason = "expected ':' after the key";
        goto fail;
    }
    p = skip_ws(p + 1, end);
    goto value;

fail:
    fill_error(err, (const char *)start, (size_t)(p - start), reason);
    return SY_JSON_INVALID;
}

/* ---- Scanning validated text ------------------------------------------- */

/* `p` is just past an opening quote. Returns just past the closing quote,
 * or `end` when there is none.
 *
 * A quote closes the string unless an odd run of backslashes comes right
 * before it (each backslash takes the byte after it), so only quotes need
 * finding. Short strings (keys, roles) end within the first 16 bytes, which
 * one vector compare settles; longer ones go to memchr(), which the C
 * library runs with the widest vectors the CPU has: a chat body is mostly
 * long strings, skipped once for each level of nesting around them. */
static const unsigned char *skip_string(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *start = p;

#if defined(__SSE2__)
    if (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned quotes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        unsigned backslashes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));

        /* The first quote, with no backslash before it. */
        if (quotes != 0 && (backslashes & ((quotes & -quotes) - 1)) == 0)
            return p + __builtin_ctz(quotes) + 1;
    }
#endif
    for (;;) {
        const unsigned char *quote = memchr(p, '"', (size_t)(end - p));
        const unsigned char *run;

        if (quote == NULL)
            return end;
        for (run = quote; run > start && run[-1] == '\\'; run--)
            ;
        if ((quote - run) % 2 == 0)
            return quote + 1;
        p = quote + 1;
    }
}

/* `p` is on the first byte of a value. Returns just past the value, or
 * `end` when it is unterminated. Containers are skipped by counting
 * brackets outside strings: valid text needs no more. */
static const unsigned char *skip_value(const unsigned char *p, const unsigned char *end)
{
    size_t depth = 0;

    if (*p == '"')
        return skip_string(p + 1, end);
    if (*p != '{' && *p != '[') {
        /* A number or a literal: everything up to the next delimiter. The
         * first byte is always taken, so that an iterator over malformed
         * text still moves on. */
        do
            p++;
        while (p < end && !is_ws(*p) && *p != ',' && *p != ']' && *p != '}' && *p != ':' &&
               *p != '"' && *p != '[' && *p != '{');
        return p;
    }
    for (;;) {
        p = find_quote_or_bracket(p, end);
        if (p == end)
            return end;
        switch (*p++) {
        case '"':
            p = skip_string(p, end);
            break;
        case '{':
        case '[':
            depth++;
            break;
        default: /* '}' or ']' */
            if (--depth == 0)
                return p;
            break;
        }
    }
}

void sy_json_iter_init(struct sy_json_iter *it, struct sy_str container)
{
    const unsigned char *p = (const unsigned char *)container.ptr;
    const unsigned char *end = p + container.len;

    if (container.ptr == NULL)
        p = end = (const unsigned char *)"";
    p = skip_ws(p, end);
    if (p < end && (*p == '{' || *p == '['))
        p++;
    else
        p = end;
    it->p = (const char *)p;
    it->end = (const char *)end;
}

/* Moves `it` to the start of the next member or element and returns it, or
 * ends the iteration and returns NULL. */
static const unsigned char *next_item(struct sy_json_iter *it)
{
    const unsigned char *p = (const unsigned char *)it->p;
    const unsigned char *end = (const unsigned char *)it->end;

    p = skip_ws(p, end);
    if (p < end && *p == ',')
        p = skip_ws(p + 1, end);
    if (p == end || *p == '}' || *p == ']') {
        it->p = it->end;
        return NULL;
    }
    return p;
}

/* Reads the value at `p` into `*value` and `*type` and moves `it` past it. */
static void take_value(struct sy_json_iter *it, const unsigned char *p, struct sy_str *value,
                       enum sy_json_type *type)
{
    const unsigned char *after = skip_value(p, (const unsigned char *)it->end);

    value->ptr = (const char *)p;
    value->len = (size_t)(after - p);
    *type = type_of(*p);
    it->p = (const char *)after;
}

bool sy_json_next_member(struct sy_json_iter *it, struct sy_json_member *out)
{
    const unsigned char *end = (const unsigned char *)it->end;
    const unsigned char *p = next_item(it);
    const unsigned char *key_end;

    if (p == NULL)
        return false;
    if (*p != '"')
        goto malformed;
    key_end = skip_string(p + 1, end);
    if (key_end == end && (key_end - p < 2 || key_end[-1] != '"'))
        goto malformed;
    out->key.ptr = (const char *)p + 1;
    out->key.len = (size_t)(key_end - p - 2);
    p = skip_ws(key_end, end);
    if (p == end || *p != ':')
        goto malformed;
    p = skip_ws(p + 1, end);
    if (p == end)
        goto malformed;
    take_value(it, p, &out->value, &out->type);
    return true;
malformed:
    it->p = it->end;
    return false;
}

bool sy_json_next_element(struct sy_json_iter *it, struct sy_str *value, enum sy_json_type *type)
{
    const unsigned char *p = next_item(it);
    enum sy_json_type unused;

    if (p == NULL)
        return false;
    take_value(it, p, value, type != NULL ? type : &unused);
    return true;
}

/* Decodes one character at a time, without a buffer. */
bool sy_json_key_equals(struct sy_str key, const char *name, size_t len)
{
    const unsigned char *p = (const unsigned char *)key.ptr;
    const unsigned char *end = p + key.len;
    const unsigned char *k = (const unsigned char *)name, *k_end = k + len;

    while (p < end) {
        const unsigned char *run = find_quote_or_backslash(p, end);
        size_t run_len = (size_t)(run - p);
        unsigned char decoded[4];
        size_t n;

        if ((size_t)(k_end - k) < run_len || (run_len > 0 && memcmp(p, k, run_len) != 0))
            return false;
        k += run_len;
        p = run;
        if (p == end)
            break;
        if (*p == '"' || (n = decode_escape(&p, end, decoded)) == 0)
            return false; /* not a well-formed key */
        if ((size_t)(k_end - k) < n || memcmp(decoded, k, n) != 0)
            return false;
        k += n;
    }
    return k == k_end;
}

bool sy_json_get(struct sy_str obj, const char *key, struct sy_json_member *out)
{
    struct sy_json_iter it;
    struct sy_json_member member;
    size_t key_len = strlen(key);
    bool found = false;

    sy_json_iter_init(&it, obj);
    while (sy_json_next_member(&it, &member)) {
        if (sy_json_key_equals(member.key, key, key_len)) {
            *out = member;
            found = true;
        }
    }
    return found;
}

ssize_t sy_json_string_decode(struct sy_str value, char *buf, size_t cap)
{
    const unsigned char *p = (const unsigned char *)value.ptr;
    const unsigned char *end;
    size_t len = 0;

    if (value.ptr == NULL || value.len < 2 || p[0] != '"' || p[value.len - 1] != '"' || cap == 0)
        return -1;
    end = p + value.len - 1; /* the closing quote */
    p++;
    while (p < end) {
        const unsigned char *run = find_quote_or_backslash(p, end);
        size_t run_len = (size_t)(run - p);
        unsigned char decoded[4];
        size_t n;

        if (run_len >= cap - len)
            return -1;
        memcpy(buf + len, p, run_len);
        len += run_len;
        p = run;
        if (p == end)
            break;
        if (*p == '"' || (n = decode_escape(&p, end, decoded)) == 0)
            return -1; /* an unescaped quote inside, or a bad escape */
        if (n >= cap - len)
            return -1;
        memcpy(buf + len, decoded, n);
        len += n;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

void sy_json_append_string(struct sy_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;
    char *dst, *start;

    /* Each input byte becomes at most 6 output bytes ("\u001f", "\ufffd"). */
    if (len > (SIZE_MAX - 2) / 6)
        abort();
    start = dst = sy_buf_reserve(out, len * 6 + 2);
    *dst++ = '"';
    while (p < end) {
        const unsigned char *run = skip_plain(p, end);
        size_t n;

        memcpy(dst, p, (size_t)(run - p));
        dst += run - p;
        p = run;
        if (p == end)
            break;
        if (*p >= 0x80) {
            if ((n = utf8_sequence_len(p, end)) == 0) {
                memcpy(dst, "\\ufffd", 6);
                dst += 6;
                p++;
                continue;
            }
            memcpy(dst, p, n);
            dst += n;
            p += n;
            continue;
        }
        *dst++ = '\\';
        switch (*p) {
        case '"':
        case '\\':
            *dst++ = (char)*p;
            break;
        case '\b':
            *dst++ = 'b';
            break;
        case '\f':
            *dst++ = 'f';
            break;
        case '\n':
            *dst++ = 'n';
            break;
        case '\r':
            *dst++ = 'r';
            break;
        case '\t':
            *dst++ = 't';
            break;
        default:
            *dst++ = 'u';
            *dst++ = '0';
            *dst++ = '0';
            *dst++ = hex[*p >> 4];
            *dst++ = hex[*p & 0xF];
            break;
        }
        p++;
    }
    *dst++ = '"';
    out->len += (size_t)(dst - start);
    out->ptr[out->len] = '\0';
}

bool sy_json_get_uint(struct sy_str value, uint64_t *out)
{
    const unsigned char *p = (const unsigned char *)value.ptr;
    uint64_t n = 0;

    if (value.ptr == NULL || value.len == 0 || (p[0] == '0' && value.len > 1))
        return false;
    for (size_t i = 0; i < value.len; i++) {
        unsigned digit = (unsigned)p[i] - '0';

        if (digit > 9 || n > (UINT64_MAX - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    *out = n;
    return true;
}
