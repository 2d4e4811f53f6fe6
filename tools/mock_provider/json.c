/* mock_provider/json.c - a validating JSON scanner that reads request bodies in place, and the
 * writer helpers the answers are built with.
 *
 * The validator walks the document once with an explicit stack (no recursion), accepting what
 * jansson accepts (with JSON_DECODE_ANY): RFC 8259 grammar, strings of valid UTF-8 without
 * surrogates, no "\u0000", nesting at most SY__MOCK_JSON_MAX_DEPTH. One difference: numbers are
 * checked for their grammar only, where jansson also refuses integers beyond 64 bits and reals
 * beyond a double. After that the iterators skip values without checking them again;
 * tests/unit/mock_provider/test_json.c compares the two on many documents. */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mock_provider/mock_provider_int.h"

/* ---- Validation ------------------------------------------------------------------------ */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* ---- Eight bytes at a time ------------------------------------------------------------ */

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

/* True when none of the 8 bytes at `p` needs care inside a JSON string: all are ASCII from
 * 0x20 up, and none is a quote or a backslash. */
static inline bool is_plain8(const void *p)
{
    uint64_t x = load8(p);

    /* A byte below 0x20 borrows into its high bit; one at 0x80 or above has it already. */
    return ((x | (x - ONES * 0x20) | bytes_equal(x, '"') | bytes_equal(x, '\\')) & HIGHS) == 0;
}

#ifdef __SSE2__
/* Sixteen bytes at a time where the CPU has SSE2 (every x86-64). As signed bytes, those from
 * 0x80 up are negative, so one comparison catches them with the control characters. */
static inline unsigned special16(const void *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

    return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/* Returns the first byte from `p` that is not plain ASCII (see is_plain8()), or about there:
 * the caller goes on byte by byte. */
static inline const char *skip_plain(const char *p, const char *end)
{
#ifdef __SSE2__
    while (end - p >= 16) {
        unsigned m = special16(p);

        if (m != 0)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (end - p >= 8 && is_plain8(p))
        p += 8;
    return p;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits at `p` (bounds checked by the caller). Returns -1 if not hex. */
static long read_hex4(const char *p)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int d = hex_value(p[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Returns the length of the valid UTF-8 sequence at `p` (1..4), or 0 when it is not one:
 * overlong forms, surrogates and code points above U+10FFFF are refused. */
static size_t utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned long cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0;
    return n;
}

/* Validates the string whose opening quote is at `p`. Returns the byte after the closing quote
 * or NULL, and sets `val` to the contents. */
static const char *scan_string(const char *p, const char *end, struct sy__mock_jval *val)
{
    const char *start = ++p;
    bool has_escapes = false;

    while (p < end) {
        unsigned char c;

        p = skip_plain(p, end);
        if (p >= end)
            break;
        c = (unsigned char)*p;
        if (c == '"') {
            val->type = SY__MOCK_J_STRING;
            val->ptr = start;
            val->len = (size_t)(p - start);
            val->has_escapes = has_escapes;
            return p + 1;
        }
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            has_escapes = true;
            if (end - p < 2)
                return NULL;
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                p += 2;
                continue;
            case 'u':
                break;
            default:
                return NULL;
            }
            if (end - p < 6)
                return NULL;
            long u = read_hex4(p + 2);
            if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
                return NULL; /* \u0000 or a lone low surrogate */
            p += 6;
            if (u >= 0xd800 && u <= 0xdbff) {
                long lo;

                if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return NULL;
                lo = read_hex4(p + 2);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return NULL;
                p += 6;
            }
            continue;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = utf8_seq_len((const unsigned char *)p, (const unsigned char *)end);
        if (n == 0)
            return NULL;
        p += n;
    }
    return NULL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const char *scan_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p >= end)
        return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && is_digit(*p))
            p++;
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    return p;
}

static const char *scan_literal(const char *p, const char *end, const char *lit, size_t len)
{
    if ((size_t)(end - p) < len || memcmp(p, lit, len) != 0)
        return NULL;
    return p + len;
}

/* Validates one scalar at `p`. Returns the byte after it or NULL. */
static const char *scan_scalar(const char *p, const char *end, struct sy__mock_jval *val)
{
    const char *q;

    val->ptr = p;
    val->has_escapes = false;
    switch (*p) {
    case '"':
        return scan_string(p, end, val);
    case 't':
        val->type = SY__MOCK_J_TRUE;
        q = scan_literal(p, end, "true", 4);
        break;
    case 'f':
        val->type = SY__MOCK_J_FALSE;
        q = scan_literal(p, end, "false", 5);
        break;
    case 'n':
        val->type = SY__MOCK_J_NULL;
        q = scan_literal(p, end, "null", 4);
        break;
    default:
        val->type = SY__MOCK_J_NUMBER;
        q = scan_number(p, end);
        break;
    }
    if (q != NULL)
        val->len = (size_t)(q - p);
    return q;
}

int sy__mock_json_parse(const char *doc, size_t len, struct sy__mock_jval *root)
{
    const char *p = doc, *end = doc + len;
    char open[SY__MOCK_JSON_MAX_DEPTH]; /* '{' or '[' for each open container */
    size_t depth = 0;
    struct sy__mock_jval v = {0};

    /* Each turn reads one value, then the separators up to the next value. */
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end)
            return -1;
        if (*p == '{' || *p == '[') {
            if (depth == SY__MOCK_JSON_MAX_DEPTH)
                return -1;
            open[depth++] = *p;
            p = skip_ws(p + 1, end);
            if (p >= end)
                return -1;
            if (open[depth - 1] == '{') {
                if (*p == '}') {
                    p++;
                    depth--;
                    goto after_value;
                }
                goto member_key;
            }
            if (*p == ']') {
                p++;
                depth--;
                goto after_value;
            }
            continue;
        }
        p = scan_scalar(p, end, &v);
        if (p == NULL)
            return -1;
after_value:
        for (;;) {
            if (depth == 0) {
                const char *start = skip_ws(doc, end);

                if (skip_ws(p, end) != end)
                    return -1;
                root->ptr = start;
                root->has_escapes = false;
                switch (*start) {
                case '{':
                    root->type = SY__MOCK_J_OBJECT;
                    break;
                case '[':
                    root->type = SY__MOCK_J_ARRAY;
                    break;
                default:
                    *root = v;
                    return 0;
                }
                root->len = (size_t)(p - start);
                return 0;
            }
            p = skip_ws(p, end);
            if (p >= end)
                return -1;
            char closer = open[depth - 1] == '{' ? '}' : ']';
            if (*p == closer) {
                p++;
                depth--;
                continue;
            }
            if (*p != ',')
                return -1;
            p = skip_ws(p + 1, end);
            if (closer == ']')
                break;
member_key:
            if (p >= end || *p != '"')
                return -1;
            p = scan_string(p, end, &v);
            if (p == NULL)
                return -1;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                return -1;
            p++;
            break;
        }
    }
}

/* ---- Reading validated documents ------------------------------------------------------- */

/* Skips the validated string whose opening quote is at `p` and fills `val`. */
static const char *skip_string(const char *p, const char *end, struct sy__mock_jval *val)
{
    const char *start = p + 1, *q = start;
    bool has_escapes = false;

    /* memchr() goes through long prompts many bytes at a time; a quote is the end unless an odd
     * number of backslashes precedes it. */
    for (;;) {
        const char *b;
        size_t slashes = 0;

        q = memchr(q, '"', (size_t)(end - q));
        for (b = q; b > start && b[-1] == '\\'; b--)
            slashes++;
        if (slashes > 0)
            has_escapes = true;
        if (slashes % 2 == 0)
            break;
        q++;
    }
    if (!has_escapes)
        has_escapes = memchr(start, '\\', (size_t)(q - start)) != NULL;
    val->type = SY__MOCK_J_STRING;
    val->ptr = start;
    val->len = (size_t)(q - start);
    val->has_escapes = has_escapes;
    return q + 1;
}

/* 1: a byte skip_value() must look at inside a container. */
static const unsigned char structural[256] = {
    ['"'] = 1, ['{'] = 1, ['['] = 1, ['}'] = 1, [']'] = 1,
};

/* Skips the validated value at `p` and fills `val`. */
static const char *skip_value(const char *p, const char *end, struct sy__mock_jval *val)
{
    p = skip_ws(p, end);
    if (*p == '"')
        return skip_string(p, end, val);
    if (*p != '{' && *p != '[')
        return scan_scalar(p, end, val);

    const char *start = p;
    size_t depth = 0;

    val->type = *p == '{' ? SY__MOCK_J_OBJECT : SY__MOCK_J_ARRAY;
    val->has_escapes = false;
    while (p < end) {
        char c = *p;

        if (!structural[(unsigned char)c]) {
            p++;
            continue;
        }
        if (c == '"') {
            const char *q = p + 1;

            for (;;) {
                const char *b;
                size_t slashes = 0;

                q = memchr(q, '"', (size_t)(end - q));
                for (b = q; b > p + 1 && b[-1] == '\\'; b--)
                    slashes++;
                if (slashes % 2 == 0)
                    break;
                q++;
            }
            p = q + 1;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (--depth == 0) {
            p++;
            break;
        }
        p++;
    }
    val->ptr = start;
    val->len = (size_t)(p - start);
    return p;
}

void sy__mock_json_iter(const struct sy__mock_jval *container, struct sy__mock_jiter *it)
{
    if (container->type != SY__MOCK_J_OBJECT && container->type != SY__MOCK_J_ARRAY) {
        it->p = it->end = NULL;
        return;
    }
    it->p = container->ptr + 1;
    it->end = container->ptr + container->len - 1; /* at the closing bracket */
}

bool sy__mock_json_next_member(struct sy__mock_jiter *it, struct sy__mock_jval *key,
                               struct sy__mock_jval *val)
{
    const char *p;

    if (it->p == NULL)
        return false;
    p = skip_ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = skip_ws(p + 1, it->end);
    if (p >= it->end)
        return false;
    p = skip_string(p, it->end, key);
    p = skip_ws(p, it->end) + 1; /* the ':' */
    it->p = skip_value(p, it->end, val);
    return true;
}

bool sy__mock_json_next_item(struct sy__mock_jiter *it, struct sy__mock_jval *val)
{
    const char *p;

    if (it->p == NULL)
        return false;
    p = skip_ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = skip_ws(p + 1, it->end);
    if (p >= it->end)
        return false;
    it->p = skip_value(p, it->end, val);
    return true;
}

/* Compares a key with `lit`, decoding escapes only when there are some. */
static bool key_is(const struct sy__mock_jval *key, const char *lit, size_t lit_len)
{
    if (!key->has_escapes)
        return key->len == lit_len && (lit_len == 0 || memcmp(key->ptr, lit, lit_len) == 0);

    struct sy_buf tmp = {0};
    bool eq;

    sy__mock_json_decode(key, &tmp);
    eq = tmp.len == lit_len && (lit_len == 0 || memcmp(tmp.ptr, lit, lit_len) == 0);
    sy_buf_dispose(&tmp);
    return eq;
}

bool sy__mock_json_get(const struct sy__mock_jval *obj, const char *key, struct sy__mock_jval *out)
{
    struct sy__mock_jval o = *obj; /* `out` may be `obj` */
    struct sy__mock_jiter it;
    struct sy__mock_jval k, v;
    size_t key_len = strlen(key);
    bool found = false;

    out->type = SY__MOCK_J_NONE;
    if (o.type != SY__MOCK_J_OBJECT)
        return false;
    sy__mock_json_iter(&o, &it);
    while (sy__mock_json_next_member(&it, &k, &v)) {
        if (key_is(&k, key, key_len)) {
            *out = v;
            found = true;
        }
    }
    return found;
}

static void put_utf8(struct sy_buf *out, unsigned long cp)
{
    char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    sy__mock_put(out, b, n);
}

void sy__mock_json_decode(const struct sy__mock_jval *s, struct sy_buf *out)
{
    const char *p = s->ptr, *end = s->ptr + s->len;

    if (!s->has_escapes) {
        sy__mock_put(out, p, s->len);
        return;
    }
    while (p < end) {
        const char *run = p;

        while (p < end && *p != '\\')
            p++;
        sy__mock_put(out, run, (size_t)(p - run));
        if (p >= end)
            break;
        char c = p[1];
        p += 2;
        switch (c) {
        case 'b':
            sy__mock_put(out, "\b", 1);
            break;
        case 'f':
            sy__mock_put(out, "\f", 1);
            break;
        case 'n':
            sy__mock_put(out, "\n", 1);
            break;
        case 'r':
            sy__mock_put(out, "\r", 1);
            break;
        case 't':
            sy__mock_put(out, "\t", 1);
            break;
        case 'u': {
            unsigned long cp = (unsigned long)read_hex4(p);

            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) { /* validated: a low surrogate follows */
                unsigned long lo = (unsigned long)read_hex4(p + 2);

                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
            put_utf8(out, cp);
            break;
        }
        default: /* '"', '\\' and '/' stand for themselves */
            sy__mock_put(out, &c, 1);
            break;
        }
    }
}

bool sy__mock_json_str_is(const struct sy__mock_jval *v, const char *lit)
{
    return v->type == SY__MOCK_J_STRING && key_is(v, lit, strlen(lit));
}

int sy__mock_json_uint(const struct sy__mock_jval *v, uint64_t max, uint64_t *out)
{
    uint64_t n = 0;

    if (v->type != SY__MOCK_J_NUMBER || v->len == 0)
        return -1;
    for (size_t i = 0; i < v->len; i++) {
        if (!is_digit(v->ptr[i]))
            return -1; /* a sign, a fraction or an exponent */
        n = n * 10 + (uint64_t)(v->ptr[i] - '0');
        if (n > max)
            return -1;
    }
    *out = n;
    return 0;
}

/* ---- Writing --------------------------------------------------------------------------- */

/* 1: the byte is copied as it is inside a JSON string. */
static const unsigned char plain[256] = {
    ['\x20'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1,    ['\''] = 1, ['('] = 1,
    [')'] = 1,    ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1,    ['/'] = 1,  ['0'] = 1,
    ['1'] = 1,    ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,    ['7'] = 1,  ['8'] = 1,
    ['9'] = 1,    [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1,    ['?'] = 1,  ['@'] = 1,
    ['A'] = 1,    ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,    ['G'] = 1,  ['H'] = 1,
    ['I'] = 1,    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,    ['O'] = 1,  ['P'] = 1,
    ['Q'] = 1,    ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1,    ['W'] = 1,  ['X'] = 1,
    ['Y'] = 1,    ['Z'] = 1, ['['] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1,    ['`'] = 1,  ['a'] = 1,
    ['b'] = 1,    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,    ['h'] = 1,  ['i'] = 1,
    ['j'] = 1,    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,    ['p'] = 1,  ['q'] = 1,
    ['r'] = 1,    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,    ['x'] = 1,  ['y'] = 1,
    ['z'] = 1,    ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1, ['\x7f'] = 1,
};

void sy__mock_json_quote(struct sy_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    sy__mock_put(out, "\"", 1);
    while (p < end) {
        const unsigned char *run = p;

        p = (const unsigned char *)skip_plain((const char *)p, (const char *)end);
        while (p < end && plain[*p])
            p++;
        if (p > run)
            sy__mock_put(out, run, (size_t)(p - run));
        if (p >= end)
            break;

        unsigned char c = *p;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

        switch (c) {
        case '"':
            sy__mock_put(out, "\\\"", 2);
            p++;
            continue;
        case '\\':
            sy__mock_put(out, "\\\\", 2);
            p++;
            continue;
        case '\n':
            sy__mock_put(out, "\\n", 2);
            p++;
            continue;
        case '\r':
            sy__mock_put(out, "\\r", 2);
            p++;
            continue;
        case '\t':
            sy__mock_put(out, "\\t", 2);
            p++;
            continue;
        default:
            break;
        }
        if (c < 0x20) {
            sy__mock_put(out, esc, sizeof(esc));
            p++;
            continue;
        }
        size_t n = utf8_seq_len(p, end);
        if (n == 0) {
            sy__mock_put(out, "\xef\xbf\xbd", 3); /* U+FFFD */
            p++;
        } else {
            sy__mock_put(out, p, n);
            p += n;
        }
    }
    sy__mock_put(out, "\"", 1);
}

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
