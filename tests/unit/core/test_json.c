/* tests/unit/core/test_json.c - tests src/core/json.c
 *
 * Besides the cases written out here, every case goes through jansson 2.14
 * (the parser the rest of the gateway uses) and must get the same verdict,
 * except for the differences documented in core/json.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/json.h"

#define LEN(lit) (sizeof(lit) - 1)

struct valid_case {
    const char *text;
    size_t len; /* 0: strlen(text) */
    enum sy_json_type type;
};

struct invalid_case {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *reason;
};

/* clang-format off */
static const struct valid_case valid_cases[] = {
    {"null", 0, SY_JSON_NULL},
    {"true", 0, SY_JSON_TRUE},
    {"false", 0, SY_JSON_FALSE},
    {" \t\r\n false \t\r\n", 0, SY_JSON_FALSE},
    {"0", 0, SY_JSON_NUMBER},
    {"-0", 0, SY_JSON_NUMBER},
    {"-0.0", 0, SY_JSON_NUMBER},
    {"1e5", 0, SY_JSON_NUMBER},
    {"1E5", 0, SY_JSON_NUMBER},
    {"1e+5", 0, SY_JSON_NUMBER},
    {"1.5E-3", 0, SY_JSON_NUMBER},
    {"0.000001", 0, SY_JSON_NUMBER},
    {"-123456789", 0, SY_JSON_NUMBER},
    {"9223372036854775807", 0, SY_JSON_NUMBER},
    {"-9223372036854775808", 0, SY_JSON_NUMBER},
    {"1e-400", 0, SY_JSON_NUMBER},
    {"0e0", 0, SY_JSON_NUMBER},
    {"\"\"", 0, SY_JSON_STRING},
    {"\"hello\"", 0, SY_JSON_STRING},
    {"\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC\"", 0, SY_JSON_STRING},
    {"\"\\ud83d\\ude00\"", 0, SY_JSON_STRING},      /* a surrogate pair */
    {"\"\\uDBFF\\uDFFF\"", 0, SY_JSON_STRING},      /* U+10FFFF */
    {"\"\\u0000\"", 0, SY_JSON_STRING},             /* allowed with JSON_ALLOW_NUL */
    {"\"\x7f\"", 0, SY_JSON_STRING},                /* DEL is not a control character in JSON */
    {"\"\xc2\x80\"", 0, SY_JSON_STRING},            /* U+0080, the smallest 2-byte form */
    {"\"\xdf\xbf\"", 0, SY_JSON_STRING},            /* U+07FF */
    {"\"\xe0\xa0\x80\"", 0, SY_JSON_STRING},        /* U+0800, the smallest 3-byte form */
    {"\"\xed\x9f\xbf\"", 0, SY_JSON_STRING},        /* U+D7FF, just below the surrogates */
    {"\"\xee\x80\x80\"", 0, SY_JSON_STRING},        /* U+E000, just above them */
    {"\"\xef\xbf\xbf\"", 0, SY_JSON_STRING},        /* U+FFFF */
    {"\"\xf0\x90\x80\x80\"", 0, SY_JSON_STRING},    /* U+10000, the smallest 4-byte form */
    {"\"\xf4\x8f\xbf\xbf\"", 0, SY_JSON_STRING},    /* U+10FFFF */
    {"\"h\xc3\xa9llo w\xc3\xb6rld \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80 and some ASCII\"", 0,
     SY_JSON_STRING},
    {"\"a string longer than eight bytes, so the SWAR path runs, with \\\"quotes\\\"\"", 0,
     SY_JSON_STRING},
    {"[]", 0, SY_JSON_ARRAY},
    {"[ ]", 0, SY_JSON_ARRAY},
    {"{}", 0, SY_JSON_OBJECT},
    {" { } ", 0, SY_JSON_OBJECT},
    {"[1,2,3]", 0, SY_JSON_ARRAY},
    {"[[],[[]],{}]", 0, SY_JSON_ARRAY},
    {"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", 0, SY_JSON_OBJECT},
    {"{ \"a\" : 1 , \"b\" : 2 }", 0, SY_JSON_OBJECT},
    {"{\"a\":1,\"a\":2}", 0, SY_JSON_OBJECT},       /* duplicate keys are JSON */
    {"{\"\":0}", 0, SY_JSON_OBJECT},
    {"[\"a\"\n,  1]", 0, SY_JSON_ARRAY},
    {"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
     "\"stream\":true,\"temperature\":0.2,\"max_tokens\":100}", 0, SY_JSON_OBJECT},
    {"[\"\\u0000 in an array\", {\"k\": \"\\u0000\"}]", 0, SY_JSON_ARRAY},
};

static const struct invalid_case invalid_cases[] = {
    {"", 0, "no value"},
    {" \t\r\n", 0, "no value"},
    {"{}x", 0, "unexpected data after the value"},
    {"{} {}", 0, "unexpected data after the value"},
    {"1 2", 0, "unexpected data after the value"},
    {"\xef\xbb\xbf{}", 0, "unexpected character"},  /* a BOM */
    {"01", 0, "leading zero in number"},
    {"-01", 0, "leading zero in number"},
    {"00", 0, "leading zero in number"},
    {"1.", 0, "expected a digit after '.'"},
    {"1.e5", 0, "expected a digit after '.'"},
    {".5", 0, "unexpected character"},
    {"-", 0, "invalid number"},
    {"-a", 0, "invalid number"},
    {"+1", 0, "unexpected character"},
    {"1e", 0, "expected a digit in the exponent"},
    {"1e+", 0, "expected a digit in the exponent"},
    {"1E-x", 0, "expected a digit in the exponent"},
    {"0x10", 0, "unexpected data after the value"},
    {"1.5.5", 0, "unexpected data after the value"},
    {"NaN", 0, "unexpected character"},
    {"Infinity", 0, "unexpected character"},
    {"-Infinity", 0, "invalid number"},
    {"tru", 0, "invalid literal"},
    {"truex", 0, "unexpected data after the value"},
    {"nul", 0, "invalid literal"},
    {"fals", 0, "invalid literal"},
    {"True", 0, "unexpected character"},
    {"\"abc", 0, "unterminated string"},
    {"\"abc\\", 0, "unterminated string"},
    {"\"abc\\\"", 0, "unterminated string"},
    {"\"\\x\"", 0, "invalid escape"},
    {"\"\\a\"", 0, "invalid escape"},
    {"\"\\U0041\"", 0, "invalid escape"},
    {"\"\\'\"", 0, "invalid escape"},
    {"\"\\u12\"", 0, "invalid \\u escape"},
    {"\"\\u12G4\"", 0, "invalid \\u escape"},
    {"\"\\ud800\"", 0, "lone surrogate escape"},
    {"\"\\udc00\"", 0, "lone surrogate escape"},
    {"\"\\ud800\\u0041\"", 0, "lone surrogate escape"},
    {"\"\\ud800x\"", 0, "lone surrogate escape"},
    {"\"\\ude00\\ud83d\"", 0, "lone surrogate escape"},
    {"\"\\ud800\\ud800\"", 0, "lone surrogate escape"},
    {"\"a\tb\"", 0, "control character in string"},
    {"\"a\nb\"", 0, "control character in string"},
    {"\"\x1f\"", 0, "control character in string"},
    {"\"a\0b\"", 5, "control character in string"},
    {"\"\x80\"", 0, "invalid UTF-8"},                 /* a lone continuation byte */
    {"\"\xbf\"", 0, "invalid UTF-8"},
    {"\"\xc0\x80\"", 0, "invalid UTF-8"},             /* overlong NUL */
    {"\"\xc1\xbf\"", 0, "invalid UTF-8"},             /* overlong 0x7F */
    {"\"\xe0\x80\x80\"", 0, "invalid UTF-8"},         /* overlong 3-byte */
    {"\"\xe0\x9f\xbf\"", 0, "invalid UTF-8"},
    {"\"\xf0\x80\x80\x80\"", 0, "invalid UTF-8"},     /* overlong 4-byte */
    {"\"\xf0\x8f\xbf\xbf\"", 0, "invalid UTF-8"},
    {"\"\xed\xa0\x80\"", 0, "invalid UTF-8"},         /* U+D800 encoded in UTF-8 */
    {"\"\xed\xbf\xbf\"", 0, "invalid UTF-8"},         /* U+DFFF */
    {"\"\xf4\x90\x80\x80\"", 0, "invalid UTF-8"},     /* U+110000 */
    {"\"\xf5\x80\x80\x80\"", 0, "invalid UTF-8"},
    {"\"\xff\"", 0, "invalid UTF-8"},
    {"\"\xc3\"", 0, "invalid UTF-8"},                 /* truncated, then the quote */
    {"\"\xe4\xbd\"", 0, "invalid UTF-8"},
    {"\"\xc3", 0, "invalid UTF-8"},                   /* truncated at the end of input */
    {"\"\xf0\x9f\x98", 0, "invalid UTF-8"},
    {"\"\xc3\x28\"", 0, "invalid UTF-8"},
    {"[1,]", 0, "trailing comma"},
    {"[1,,2]", 0, "unexpected character"},
    {"[,1]", 0, "unexpected character"},
    {"{\"a\":1,}", 0, "trailing comma"},
    {"{,}", 0, "expected a string key"},
    {"[", 0, "unexpected end of input"},
    {"[1", 0, "unexpected end of input"},
    {"[1,", 0, "unexpected end of input"},
    {"{", 0, "unexpected end of input"},
    {"{\"a\"", 0, "unexpected end of input"},
    {"{\"a\":", 0, "unexpected end of input"},
    {"{\"a\":1", 0, "unexpected end of input"},
    {"[}", 0, "unexpected character"},
    {"{]", 0, "expected a string key"},
    {"[1}", 0, "expected ',' or ']'"},
    {"{\"a\":1]", 0, "expected ',' or '}'"},
    {"{\"a\" 1}", 0, "expected ':' after the key"},
    {"{\"a\"::1}", 0, "unexpected character"},
    {"{a:1}", 0, "expected a string key"},
    {"{1:1}", 0, "expected a string key"},
    {"{'a':1}", 0, "expected a string key"},
    {"['a']", 0, "unexpected character"},
    {"[1 2]", 0, "expected ',' or ']'"},
    {"{\"a\":1 \"b\":2}", 0, "expected ',' or '}'"},
    {"]", 0, "unexpected character"},
    {"\0", 1, "unexpected character"},
    {"[1]\0", 4, "unexpected data after the value"},
    {"[\f]", 0, "unexpected character"},              /* form feed is not JSON whitespace */
    {"\xc2\xa0[]", 0, "unexpected character"},        /* nor is U+00A0 */
    {"/* c */ {}", 0, "unexpected character"},
    {"[1]]", 0, "unexpected data after the value"},
    {"{\"\xff\":1}", 0, "invalid UTF-8"},
};

/* clang-format on */

static size_t valid_len(const struct valid_case *c)
{
    return c->len != 0 ? c->len : strlen(c->text);
}

static size_t invalid_len(const struct invalid_case *c)
{
    return c->len != 0 || c->text[0] == '\0' ? c->len : strlen(c->text);
}

static bool jansson_accepts(const char *text, size_t len, json_error_t *jerr)
{
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, jerr);

    json_decref(doc);
    return doc != NULL;
}

/* ---- Validation -------------------------------------------------------- */

static void accepts_valid_documents_and_reports_their_type(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct valid_case *c = &valid_cases[i];
        struct sy_json_error err = {0};
        enum sy_json_type type = sy_json_validate(c->text, valid_len(c), 64, &err);

        if (type != c->type)
            fail_msg("case %zu (%s): type %d, want %d; error \"%s\" at %zu", i, c->text, type,
                     c->type, err.reason ? err.reason : "", err.offset);
    }
}

static void rejects_invalid_documents_with_a_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        const struct invalid_case *c = &invalid_cases[i];
        struct sy_json_error err = {0};
        enum sy_json_type type = sy_json_validate(c->text, invalid_len(c), 64, &err);

        if (type != SY_JSON_INVALID)
            fail_msg("case %zu (%s): accepted as type %d", i, c->text, type);
        if (err.reason == NULL || strcmp(err.reason, c->reason) != 0)
            fail_msg("case %zu (%s): reason \"%s\", want \"%s\"", i, c->text,
                     err.reason ? err.reason : "(null)", c->reason);
        assert_true(err.offset <= invalid_len(c));
    }
}

static void accepts_a_null_error_pointer(void **state)
{
    (void)state;
    assert_int_equal(sy_json_validate("[1,]", 4, 8, NULL), SY_JSON_INVALID);
    assert_int_equal(sy_json_validate("[1]", 3, 8, NULL), SY_JSON_ARRAY);
    assert_int_equal(sy_json_validate(NULL, 0, 8, NULL), SY_JSON_INVALID);
}

static void reports_the_line_and_column_of_the_offending_byte(void **state)
{
    const char text[] = "{\n  \"model\": \"gpt-4o\",\n  \"stream\": tru\n}";
    struct sy_json_error err = {0};

    (void)state;
    assert_int_equal(sy_json_validate(text, LEN(text), 8, &err), SY_JSON_INVALID);
    assert_string_equal(err.reason, "invalid literal");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 16); /* the newline where "e" should be */
    assert_int_equal(err.offset, strchr(text, 'u') + 1 - text);

    assert_int_equal(sy_json_validate("[1,]", 4, 8, &err), SY_JSON_INVALID);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 4);
    assert_int_equal(err.offset, 3);

    assert_int_equal(sy_json_validate("\"abc", 4, 8, &err), SY_JSON_INVALID);
    assert_int_equal(err.offset, 4); /* the end of the input */
}

/* Returns `depth` nested arrays around `inner`, malloc'd. */
static char *nested(unsigned depth, const char *inner, size_t *len)
{
    size_t inner_len = strlen(inner);
    char *text = malloc(2 * depth + inner_len + 1);

    assert_non_null(text);
    memset(text, '[', depth);
    memcpy(text + depth, inner, inner_len);
    memset(text + depth + inner_len, ']', depth);
    text[2 * depth + inner_len] = '\0';
    *len = 2 * depth + inner_len;
    return text;
}

static void accepts_nesting_up_to_max_depth_and_rejects_one_more(void **state)
{
    static const char siblings[] = "[[1],[2],[[]],{\"a\":[]}]";
    struct sy_json_error err = {0};
    size_t len;
    char *text;

    (void)state;
    text = nested(3, "{\"a\":1}", &len); /* 4 levels */
    assert_int_equal(sy_json_validate(text, len, 4, &err), SY_JSON_ARRAY);
    assert_int_equal(sy_json_validate(text, len, 3, &err), SY_JSON_INVALID);
    assert_string_equal(err.reason, "nesting too deep");
    assert_int_equal(err.offset, 3);
    free(text);

    assert_int_equal(sy_json_validate("1", 1, 0, &err), SY_JSON_NUMBER);
    assert_int_equal(sy_json_validate("[]", 2, 0, &err), SY_JSON_INVALID);

    text = nested(SY_JSON_MAX_DEPTH, "", &len);
    assert_int_equal(sy_json_validate(text, len, SY_JSON_MAX_DEPTH, &err), SY_JSON_ARRAY);
    free(text);
    text = nested(SY_JSON_MAX_DEPTH, "{}", &len);
    assert_int_equal(sy_json_validate(text, len, SY_JSON_MAX_DEPTH, &err), SY_JSON_INVALID);
    assert_string_equal(err.reason, "nesting too deep");
    /* A larger limit is capped, so the stack stays a fixed size. */
    assert_int_equal(sy_json_validate(text, len, 100000, &err), SY_JSON_INVALID);
    assert_string_equal(err.reason, "nesting too deep");
    free(text);

    /* Depth comes back down: many siblings at the limit are fine. */
    assert_int_equal(sy_json_validate(siblings, LEN(siblings), 3, &err), SY_JSON_ARRAY);
    assert_int_equal(sy_json_validate(siblings, LEN(siblings), 2, &err), SY_JSON_INVALID);
}

static void agrees_with_jansson_on_every_case(void **state)
{
    json_error_t jerr;

    (void)state;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct valid_case *c = &valid_cases[i];

        if (!jansson_accepts(c->text, valid_len(c), &jerr))
            fail_msg("valid case %zu (%s): jansson says %s", i, c->text, jerr.text);
    }
    for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        const struct invalid_case *c = &invalid_cases[i];

        if (jansson_accepts(c->text, invalid_len(c), &jerr))
            fail_msg("invalid case %zu (%s): jansson accepts it", i, c->text);
    }
}

/* Every byte value alone, and inside a string, after a backslash and after
 * "\u00": a sweep of the lexer's edges. */
static void agrees_with_jansson_on_every_single_byte_context(void **state)
{
    json_error_t jerr;

    (void)state;
    for (int b = 0; b < 256; b++) {
        char texts[4][10];
        size_t lens[4];

        texts[0][0] = (char)b;
        lens[0] = 1;
        lens[1] = (size_t)snprintf(texts[1], sizeof(texts[1]), "\"%c\"", b == 0 ? 1 : b);
        texts[1][1] = (char)b;
        lens[2] = (size_t)snprintf(texts[2], sizeof(texts[2]), "\"\\%c\"", b == 0 ? 1 : b);
        texts[2][2] = (char)b;
        lens[3] = (size_t)snprintf(texts[3], sizeof(texts[3]), "\"\\u00%c0\"", b == 0 ? 1 : b);
        texts[3][5] = (char)b;
        for (int k = 0; k < 4; k++) {
            bool ours = sy_json_validate(texts[k], lens[k], 8, NULL) != SY_JSON_INVALID;

            if (ours != jansson_accepts(texts[k], lens[k], &jerr))
                fail_msg("byte 0x%02x in context %d: we %s, jansson %s", b, k,
                         ours ? "accept" : "reject", ours ? jerr.text : "accepts");
        }
    }
}

/* Every two-byte UTF-8 prefix after a quote, followed by two continuation
 * bytes and a quote: covers every lead byte's range checks. */
static void agrees_with_jansson_on_utf8_sequences(void **state)
{
    static const unsigned char tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
                                          0x9f, 0xa0, 0xbf, 0xc0, 0xff, '"'};
    json_error_t jerr;

    (void)state;
    for (int lead = 0x80; lead < 0x100; lead++) {
        for (size_t a = 0; a < sizeof(tails); a++) {
            for (size_t b = 0; b < sizeof(tails); b++) {
                for (size_t c = 0; c < sizeof(tails); c++) {
                    char text[7] = {'"', (char)lead, (char)tails[a], (char)tails[b], (char)tails[c],
                                    '"'};
                    bool ours = sy_json_validate(text, 6, 8, NULL) != SY_JSON_INVALID;

                    if (ours != jansson_accepts(text, 6, &jerr))
                        fail_msg("%02x %02x %02x %02x: we %s", lead, tails[a], tails[b], tails[c],
                                 ours ? "accept" : "reject");
                }
            }
        }
    }
}

/* A byte that needs a look, at every offset of plain strings of every length
 * up to past four 16-byte blocks: the vector scan's block edges. */
static void finds_special_bytes_at_every_offset_of_long_strings(void **state)
{
    static const struct {
        const char *bytes;
        bool is_valid;
    } specials[] = {
        {"\x01", false}, {"\\n", true}, {"\xc3\xa9", true}, {"\xe4\xbd\xa0", true},
        {"\xff", false}, {"\"", false}, {"\x7f", true},     {"\xc3", false},
    };

    char text[200];
    json_error_t jerr;

    (void)state;
    for (size_t len = 0; len < 150; len++) {
        for (size_t pos = 0; pos <= len; pos++) {
            for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
                size_t n = strlen(specials[k].bytes), total = 0;
                bool ours;

                text[total++] = '"';
                memset(text + total, 'a', pos);
                total += pos;
                memcpy(text + total, specials[k].bytes, n);
                total += n;
                memset(text + total, 'b', len - pos);
                total += len - pos;
                text[total++] = '"';
                ours = sy_json_validate(text, total, 1, NULL) == SY_JSON_STRING;
                if (ours != specials[k].is_valid || ours != jansson_accepts(text, total, &jerr))
                    fail_msg("special %zu at %zu of %zu: we %s", k, pos, len,
                             ours ? "accept" : "reject");
            }
        }
    }
}

static void differs_from_jansson_only_where_documented(void **state)
{
    static const char *const cases[] = {
        "18446744073709551616", /* jansson: too big integer */
        "-9223372036854775809", /* jansson: too big negative integer */
        "[9223372036854775808]",
        "1e400", /* jansson: real number overflow */
        "-1.5e99999",
        "{\"a\\u0000b\":1}", /* jansson: NUL byte in object key */
    };

    /* jansson loses a NUL right after a number or literal and accepts these. */
    static const struct {
        const char *text;
        size_t len;
    } swallowed_nul[] = {
        {"null\0", 5},
        {"[1\0]", 4},
        {"[true\0,1]", 9},
        {"{\"a\":1.5e3\0}", 12},
    };

    json_error_t jerr;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_not_equal(sy_json_validate(cases[i], strlen(cases[i]), 8, NULL),
                             SY_JSON_INVALID);
        assert_false(jansson_accepts(cases[i], strlen(cases[i]), &jerr));
    }
    for (size_t i = 0; i < sizeof(swallowed_nul) / sizeof(swallowed_nul[0]); i++) {
        assert_int_equal(sy_json_validate(swallowed_nul[i].text, swallowed_nul[i].len, 8, NULL),
                         SY_JSON_INVALID);
        assert_true(jansson_accepts(swallowed_nul[i].text, swallowed_nul[i].len, &jerr));
    }
}

/* Maps `len` bytes of `text` so that they end at a page boundary followed by
 * a PROT_NONE page: a read one byte past the end faults (picohttpparser's
 * trick). Returns the copy; `*map` and `*map_len` are for munmap. */
static char *at_page_end(const char *text, size_t len, void **map, size_t *map_len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (len + page - 1) / page + 1;
    char *base =
        mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    assert_true(base != MAP_FAILED);
    assert_int_equal(mprotect(base + (pages - 1) * page, page, PROT_NONE), 0);
    memcpy(base + (pages - 1) * page - len, text, len);
    *map = base;
    *map_len = pages * page;
    return base + (pages - 1) * page - len;
}

static const char chat_request[] =
    "{\n"
    "  \"model\": \"gpt-4o-mini\",\n"
    "  \"messages\": [\n"
    "    {\"role\": \"system\", \"content\": \"You are a helpful assistant.\"},\n"
    "    {\"role\": \"user\", \"content\": \"What is the weather in Paris? \\\"Quoted\\\", "
    "caf\xc3\xa9 \\u2603\"},\n"
    "    {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_1\", "
    "\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": "
    "\"{\\\"city\\\": \\\"Paris\\\"}\"}}]},\n"
    "    {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"[18, \\\"sunny\\\"]\"}\n"
    "  ],\n"
    "  \"temperature\": 0.7,\n"
    "  \"max_tokens\": 256,\n"
    "  \"stream\": true,\n"
    "  \"stream_options\": {\"include_usage\": true},\n"
    "  \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
    "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, "
    "\"required\": [\"city\"]}}}],\n"
    "  \"user\": \"u-42\"\n"
    "}\n";

static const char chat_chunk[] =
    "{\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_44709d6fcb\","
    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Paris {is} [sunny]\"},"
    "\"logprobs\":null,\"finish_reason\":null},{\"index\":1,\"delta\":{},\"finish_reason\":"
    "\"stop\"}],\"usage\":null}";

static void reads_no_byte_past_the_end_of_any_prefix(void **state)
{
    (void)state;
    for (size_t len = 0; len <= LEN(chat_request); len++) {
        void *map;
        size_t map_len;
        char *text = at_page_end(chat_request, len, &map, &map_len);
        struct sy_str s = {text, len};
        struct sy_json_iter it;
        struct sy_json_member m;
        char buf[64];

        (void)sy_json_validate(text, len, 16, NULL);
        sy_json_iter_init(&it, s);
        while (sy_json_next_member(&it, &m))
            (void)sy_json_string_decode(m.value, buf, sizeof(buf));
        sy_json_iter_init(&it, s);
        (void)sy_json_get(s, "messages", &m);
        (void)sy_json_get(s, "user", &m);
        /* Each suffix too: iterators started inside a value. */
        for (size_t from = 0; from < len; from += 7) {
            struct sy_str v;

            sy_json_iter_init(&it, (struct sy_str){text + from, len - from});
            while (sy_json_next_element(&it, &v, NULL))
                (void)sy_json_get(v, "role", &m);
        }
        munmap(map, map_len);
    }
}

/* ---- Iterators and get ------------------------------------------------- */

static void iterates_the_members_of_a_chat_request(void **state)
{
    static const struct {
        const char *key;
        enum sy_json_type type;
        const char *value_prefix;
    } want[] = {
        {"model", SY_JSON_STRING, "\"gpt-4o-mini\""},
        {"messages", SY_JSON_ARRAY, "[\n    {\"role\": \"system\""},
        {"temperature", SY_JSON_NUMBER, "0.7"},
        {"max_tokens", SY_JSON_NUMBER, "256"},
        {"stream", SY_JSON_TRUE, "true"},
        {"stream_options", SY_JSON_OBJECT, "{\"include_usage\": true}"},
        {"tools", SY_JSON_ARRAY, "[{\"type\": \"function\""},
        {"user", SY_JSON_STRING, "\"u-42\""},
    };
    struct sy_json_iter it;
    struct sy_json_member m;
    size_t count = 0;

    (void)state;
    assert_int_equal(sy_json_validate(chat_request, LEN(chat_request), 64, NULL), SY_JSON_OBJECT);
    sy_json_iter_init(&it, (struct sy_str){chat_request, LEN(chat_request)});
    while (sy_json_next_member(&it, &m)) {
        assert_true(count < sizeof(want) / sizeof(want[0]));
        assert_true(sy_str_eq_c(m.key, want[count].key));
        assert_int_equal(m.type, want[count].type);
        assert_true(sy_str_has_prefix(m.value, sy_str_c(want[count].value_prefix)));
        /* Each value is exactly one JSON value, without whitespace. */
        assert_int_equal(sy_json_validate(m.value.ptr, m.value.len, 64, NULL), m.type);
        assert_false(m.value.ptr[m.value.len - 1] == ' ');
        count++;
    }
    assert_int_equal(count, sizeof(want) / sizeof(want[0]));
    assert_false(sy_json_next_member(&it, &m)); /* stays at the end */
}

static void iterates_the_messages_array_element_by_element(void **state)
{
    static const char *const roles[] = {"\"system\"", "\"user\"", "\"assistant\"", "\"tool\""};
    struct sy_json_member messages, role;
    struct sy_json_iter it;
    struct sy_str v;
    enum sy_json_type type;
    size_t count = 0;

    (void)state;
    assert_true(
        sy_json_get((struct sy_str){chat_request, LEN(chat_request)}, "messages", &messages));
    sy_json_iter_init(&it, messages.value);
    while (sy_json_next_element(&it, &v, &type)) {
        assert_int_equal(type, SY_JSON_OBJECT);
        assert_true(count < 4);
        assert_true(sy_json_get(v, "role", &role));
        assert_true(sy_str_eq_c(role.value, roles[count]));
        count++;
    }
    assert_int_equal(count, 4);

    /* Arrays of scalars, and a NULL type pointer. */
    sy_json_iter_init(&it, SY_STR(" [ 1 , -2.5e3 ,true,null , \"x,]\" ] "));
    assert_true(sy_json_next_element(&it, &v, &type));
    assert_true(sy_str_eq_c(v, "1") && type == SY_JSON_NUMBER);
    assert_true(sy_json_next_element(&it, &v, &type));
    assert_true(sy_str_eq_c(v, "-2.5e3") && type == SY_JSON_NUMBER);
    assert_true(sy_json_next_element(&it, &v, NULL));
    assert_true(sy_str_eq_c(v, "true"));
    assert_true(sy_json_next_element(&it, &v, &type));
    assert_true(sy_str_eq_c(v, "null") && type == SY_JSON_NULL);
    assert_true(sy_json_next_element(&it, &v, &type));
    assert_true(sy_str_eq_c(v, "\"x,]\"") && type == SY_JSON_STRING);
    assert_false(sy_json_next_element(&it, &v, &type));
    assert_false(sy_json_next_element(&it, &v, &type));
}

static void iterates_the_choices_of_a_chat_completion_chunk(void **state)
{
    struct sy_str chunk = {chat_chunk, LEN(chat_chunk)};
    struct sy_json_member m, delta, content;
    struct sy_json_iter it;
    struct sy_str choice;
    uint64_t n;
    char text[64];
    size_t count = 0;

    (void)state;
    assert_int_equal(sy_json_validate(chunk.ptr, chunk.len, 64, NULL), SY_JSON_OBJECT);
    assert_true(sy_json_get(chunk, "object", &m));
    assert_true(sy_str_eq_c(m.value, "\"chat.completion.chunk\""));
    assert_true(sy_json_get(chunk, "created", &m));
    assert_true(sy_json_get_uint(m.value, &n));
    assert_true(n == 1718000000u);
    assert_true(sy_json_get(chunk, "usage", &m));
    assert_int_equal(m.type, SY_JSON_NULL);
    assert_true(sy_json_get(chunk, "choices", &m));
    sy_json_iter_init(&it, m.value);
    while (sy_json_next_element(&it, &choice, NULL)) {
        assert_true(sy_json_get(choice, "index", &m));
        assert_true(sy_json_get_uint(m.value, &n));
        assert_true(n == count);
        assert_true(sy_json_get(choice, "delta", &delta));
        if (count == 0) {
            assert_true(sy_json_get(delta.value, "content", &content));
            assert_int_equal(sy_json_string_decode(content.value, text, sizeof(text)), 19);
            assert_string_equal(text, " Paris {is} [sunny]");
        } else {
            assert_false(sy_json_get(delta.value, "content", &content));
            assert_true(sy_json_get(choice, "finish_reason", &m));
            assert_true(sy_str_eq_c(m.value, "\"stop\""));
        }
        count++;
    }
    assert_int_equal(count, 2);
}

/* Escaped quotes and brackets inside strings, at every offset across the
 * vector scan's block edges, must not end a skipped value early. */
static void skips_strings_with_escaped_quotes_at_every_offset(void **state)
{
    char text[400];

    (void)state;
    for (size_t len = 0; len < 150; len++) {
        for (size_t pos = 0; pos <= len; pos++) {
            struct sy_json_iter it;
            struct sy_str v;
            size_t total = 0, count = 0;

            total += (size_t)snprintf(text, sizeof(text), "[{\"k\":\"");
            memset(text + total, 'a', pos);
            total += pos;
            memcpy(text + total, "\\\"]}\\\\", 6);
            total += 6;
            memset(text + total, 'b', len - pos);
            total += len - pos;
            total += (size_t)snprintf(text + total, sizeof(text) - total, "\",\"x\":[]},7]");
            assert_int_equal(sy_json_validate(text, total, 4, NULL), SY_JSON_ARRAY);
            sy_json_iter_init(&it, (struct sy_str){text, total});
            while (sy_json_next_element(&it, &v, NULL))
                count++;
            assert_int_equal(count, 2);
            assert_true(sy_str_eq_c(v, "7"));
        }
    }
}

static void get_returns_the_last_of_duplicate_keys(void **state)
{
    struct sy_str obj = SY_STR("{\"model\":\"a\",\"x\":{\"model\":\"nested\"},\"model\":\"b\","
                               "\"y\":1,\"mod\\u0065l\":\"c\",\"z\":2}");
    struct sy_json_member m;
    json_t *doc;

    (void)state;
    assert_true(sy_json_get(obj, "model", &m));
    assert_true(sy_str_eq_c(m.value, "\"c\""));
    assert_true(sy_str_eq_c(m.key, "mod\\u0065l")); /* the raw key */
    assert_int_equal(m.type, SY_JSON_STRING);

    /* jansson keeps the same one. */
    doc = json_loadb(obj.ptr, obj.len, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "model")), "c");
    json_decref(doc);
}

static void get_compares_decoded_keys(void **state)
{
    struct sy_str obj = SY_STR("{\"mod\\u0065l\":1,\"a\\\"b\":2,\"tab\\there\":3,"
                               "\"caf\\u00e9\":4,\"\\ud83d\\ude00\":5,\"slash\\/\":6,"
                               "\"a\\\\nb\":7,\"prefix\":8,\"\":9}");
    struct sy_json_member m;

    (void)state;
    assert_true(sy_json_get(obj, "model", &m) && sy_str_eq_c(m.value, "1"));
    assert_true(sy_json_get(obj, "a\"b", &m) && sy_str_eq_c(m.value, "2"));
    assert_true(sy_json_get(obj, "tab\there", &m) && sy_str_eq_c(m.value, "3"));
    assert_true(sy_json_get(obj, "caf\xc3\xa9", &m) && sy_str_eq_c(m.value, "4"));
    assert_true(sy_json_get(obj, "\xf0\x9f\x98\x80", &m) && sy_str_eq_c(m.value, "5"));
    assert_true(sy_json_get(obj, "slash/", &m) && sy_str_eq_c(m.value, "6"));
    assert_true(sy_json_get(obj, "a\\nb", &m) && sy_str_eq_c(m.value, "7"));
    assert_true(sy_json_get(obj, "", &m) && sy_str_eq_c(m.value, "9"));
    /* The raw spelling of an escaped key is not the key. */
    assert_false(sy_json_get(obj, "mod\\u0065l", &m));
    assert_false(sy_json_get(obj, "a\nb", &m));
    assert_false(sy_json_get(obj, "pre", &m));
    assert_false(sy_json_get(obj, "prefixes", &m));
    assert_false(sy_json_get(obj, "caf", &m));
}

static void key_is_compares_the_decoded_inside_of_a_string(void **state)
{
    (void)state;
    assert_true(sy_json_key_is(SY_STR("model"), "model"));
    assert_true(sy_json_key_is(SY_STR("mod\\u0065l"), "model"));
    assert_true(sy_json_key_is(SY_STR("a\\\"b"), "a\"b"));
    assert_true(sy_json_key_is(SY_STR("caf\\u00e9"), "caf\xc3\xa9"));
    assert_true(sy_json_key_is(SY_STR("\\ud83d\\ude00!"), "\xf0\x9f\x98\x80!"));
    assert_true(sy_json_key_is(SY_STR("a\\\\nb"), "a\\nb"));
    assert_true(sy_json_key_is(SY_STR(""), ""));
    /* The raw spelling of an escaped string is not the string. */
    assert_false(sy_json_key_is(SY_STR("mod\\u0065l"), "mod\\u0065l"));
    assert_false(sy_json_key_is(SY_STR("a\\nb"), "a\\nb"));
    assert_false(sy_json_key_is(SY_STR("model"), "mode"));
    assert_false(sy_json_key_is(SY_STR("mode"), "model"));
    assert_false(sy_json_key_is(SY_STR("mod\\u0065"), "model"));
    assert_false(sy_json_key_is(SY_STR(""), "model"));
    assert_false(sy_json_key_is(SY_STR("model"), ""));
    /* With a length, the name need not end in a NUL. */
    assert_true(sy_json_key_equals(SY_STR("mod\\u0065l"), "models", 5));
    assert_false(sy_json_key_equals(SY_STR("mod\\u0065l"), "models", 6));
}

static void get_finds_nothing_outside_a_top_level_object(void **state)
{
    struct sy_json_member m;

    (void)state;
    assert_false(sy_json_get(SY_STR("[\"model\",1]"), "model", &m));
    assert_false(sy_json_get(SY_STR("\"model\""), "model", &m));
    assert_false(sy_json_get(SY_STR("{}"), "model", &m));
    assert_false(sy_json_get(SY_STR(""), "model", &m));
    assert_false(sy_json_get(SY_STR_NULL, "model", &m));
    assert_false(sy_json_get(SY_STR("{\"a\":{\"model\":1}}"), "model", &m));
}

static void iterators_stop_on_malformed_text(void **state)
{
    static const char *const texts[] = {
        "{\"a\"", "{\"a\":",     "{\"a\" 1}",   "{1:2}",    "{\"a\":1,,}", "{\"a", "[1,,2",
        "[:::]",  "{\"a\":[1,2", "{\"a\":\"\\", "[\"\\\"]", "{\"a\\\"}",   "[{]",  "{\"k\":}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct sy_str s = sy_str_c(texts[i]);
        struct sy_json_iter it;
        struct sy_json_member m;
        struct sy_str v;
        size_t steps = 0;

        sy_json_iter_init(&it, s);
        while (sy_json_next_member(&it, &m)) {
            assert_true(m.value.ptr >= s.ptr && m.value.ptr + m.value.len <= s.ptr + s.len);
            assert_true(++steps <= s.len);
        }
        sy_json_iter_init(&it, s);
        while (sy_json_next_element(&it, &v, NULL)) {
            assert_true(v.len > 0 && v.ptr >= s.ptr && v.ptr + v.len <= s.ptr + s.len);
            assert_true(++steps <= 2 * s.len);
        }
        (void)sy_json_get(s, "a", &m);
    }
}

/* ---- Strings and numbers ----------------------------------------------- */

static void decodes_every_escape(void **state)
{
    struct sy_str s = SY_STR("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20ac"
                             "\\ud83d\\ude00 \\u0000end\"");
    const char want[] = "q\" b\\ s/ \b\f\n\r\t A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \0end";
    char buf[64];

    (void)state;
    assert_int_equal(sy_json_string_decode(s, buf, sizeof(buf)), LEN(want));
    assert_memory_equal(buf, want, sizeof(want)); /* the NUL after it too */

    assert_int_equal(sy_json_string_decode(SY_STR("\"\""), buf, 1), 0);
    assert_string_equal(buf, "");
    assert_int_equal(sy_json_string_decode(SY_STR("\"plain\""), buf, sizeof(buf)), 5);
    assert_string_equal(buf, "plain");
}

static void decode_fails_when_the_result_does_not_fit(void **state)
{
    char buf[8];

    (void)state;
    assert_int_equal(sy_json_string_decode(SY_STR("\"1234567\""), buf, 8), 7);
    assert_int_equal(sy_json_string_decode(SY_STR("\"12345678\""), buf, 8), -1);
    assert_int_equal(sy_json_string_decode(SY_STR("\"123456\\u00e9\""), buf, 8), -1);
    assert_int_equal(sy_json_string_decode(SY_STR("\"12345\\u00e9\""), buf, 8), 7);
    assert_int_equal(sy_json_string_decode(SY_STR("\"\""), buf, 0), -1);
}

static void decode_rejects_malformed_literals(void **state)
{
    static const char *const bad[] = {
        "",
        "\"",
        "abc",
        "\"abc",
        "abc\"",
        "\"a\"b\"",
        "\"\\\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\u12zz\"",
        "1",
    };
    char buf[32];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (sy_json_string_decode(sy_str_c(bad[i]), buf, sizeof(buf)) != -1)
            fail_msg("decoded %s", bad[i]);
    }
    assert_int_equal(sy_json_string_decode(SY_STR_NULL, buf, sizeof(buf)), -1);
}

static void append_string_escapes_what_json_requires(void **state)
{
    struct sy_buf out = {0};
    const char in[] = "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9";

    (void)state;
    sy_json_append_string(&out, in, LEN(in));
    assert_string_equal(out.ptr, "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f caf\xc3\xa9\"");
    sy_buf_reset(&out);
    sy_json_append_string(&out, "", 0);
    assert_string_equal(out.ptr, "\"\"");
    sy_buf_reset(&out);
    sy_json_append_string(&out, "\0x", 2);
    assert_string_equal(out.ptr, "\"\\u0000x\"");
    sy_buf_dispose(&out);
}

static void append_string_replaces_invalid_utf8(void **state)
{
    struct sy_buf out = {0};
    const char in[] = "ok\xff\xc3\x28\xed\xa0\x80\xf0\x9f\x98\x80\xe4\xbd";

    (void)state;
    SY_BUF_APPEND_LIT(&out, "prefix:");
    sy_json_append_string(&out, in, LEN(in));
    assert_string_equal(out.ptr, "prefix:\"ok\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd"
                                 "\xf0\x9f\x98\x80\\ufffd\\ufffd\"");
    assert_int_equal(sy_json_validate(out.ptr + 7, out.len - 7, 1, NULL), SY_JSON_STRING);
    sy_buf_dispose(&out);
}

static void append_string_round_trips_through_decode(void **state)
{
    static const char utf8[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf";
    struct sy_buf out = {0};
    char in[600], buf[4096];
    size_t len = 0;
    ssize_t n;

    (void)state;
    for (int b = 0; b < 0x80; b++)
        in[len++] = (char)b;
    memcpy(in + len, utf8, LEN(utf8));
    len += LEN(utf8);
    for (size_t i = 0; i < 300; i++)
        in[len++] = (char)('a' + i % 26); /* a long plain run for the SWAR path */
    in[len++] = '"';

    sy_json_append_string(&out, in, len);
    assert_int_equal(sy_json_validate(out.ptr, out.len, 1, NULL), SY_JSON_STRING);
    n = sy_json_string_decode((struct sy_str){out.ptr, out.len}, buf, sizeof(buf));
    assert_int_equal(n, len);
    assert_memory_equal(buf, in, len);

    /* jansson decodes it to the same bytes. */
    {
        json_t *doc = json_loadb(out.ptr, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

        assert_non_null(doc);
        assert_int_equal(json_string_length(doc), len);
        assert_memory_equal(json_string_value(doc), in, len);
        json_decref(doc);
    }
    sy_buf_dispose(&out);
}

static void get_uint_accepts_only_plain_non_negative_integers(void **state)
{
    uint64_t n = 7;

    (void)state;
    assert_true(sy_json_get_uint(SY_STR("0"), &n) && n == 0);
    assert_true(sy_json_get_uint(SY_STR("256"), &n) && n == 256);
    assert_true(sy_json_get_uint(SY_STR("18446744073709551615"), &n) && n == UINT64_MAX);
    n = 7;
    assert_false(sy_json_get_uint(SY_STR("18446744073709551616"), &n));
    assert_false(sy_json_get_uint(SY_STR("99999999999999999999"), &n));
    assert_false(sy_json_get_uint(SY_STR("-1"), &n));
    assert_false(sy_json_get_uint(SY_STR("-0"), &n));
    assert_false(sy_json_get_uint(SY_STR("01"), &n));
    assert_false(sy_json_get_uint(SY_STR("1.0"), &n));
    assert_false(sy_json_get_uint(SY_STR("1e3"), &n));
    assert_false(sy_json_get_uint(SY_STR(" 1"), &n));
    assert_false(sy_json_get_uint(SY_STR("\"1\""), &n));
    assert_false(sy_json_get_uint(SY_STR(""), &n));
    assert_false(sy_json_get_uint(SY_STR_NULL, &n));
    assert_true(n == 7); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_valid_documents_and_reports_their_type),
        cmocka_unit_test(rejects_invalid_documents_with_a_reason),
        cmocka_unit_test(accepts_a_null_error_pointer),
        cmocka_unit_test(reports_the_line_and_column_of_the_offending_byte),
        cmocka_unit_test(accepts_nesting_up_to_max_depth_and_rejects_one_more),
        cmocka_unit_test(agrees_with_jansson_on_every_case),
        cmocka_unit_test(agrees_with_jansson_on_every_single_byte_context),
        cmocka_unit_test(agrees_with_jansson_on_utf8_sequences),
        cmocka_unit_test(finds_special_bytes_at_every_offset_of_long_strings),
        cmocka_unit_test(differs_from_jansson_only_where_documented),
        cmocka_unit_test(reads_no_byte_past_the_end_of_any_prefix),
        cmocka_unit_test(iterates_the_members_of_a_chat_request),
        cmocka_unit_test(iterates_the_messages_array_element_by_element),
        cmocka_unit_test(iterates_the_choices_of_a_chat_completion_chunk),
        cmocka_unit_test(skips_strings_with_escaped_quotes_at_every_offset),
        cmocka_unit_test(get_returns_the_last_of_duplicate_keys),
        cmocka_unit_test(get_compares_decoded_keys),
        cmocka_unit_test(key_is_compares_the_decoded_inside_of_a_string),
        cmocka_unit_test(get_finds_nothing_outside_a_top_level_object),
        cmocka_unit_test(iterators_stop_on_malformed_text),
        cmocka_unit_test(decodes_every_escape),
        cmocka_unit_test(decode_fails_when_the_result_does_not_fit),
        cmocka_unit_test(decode_rejects_malformed_literals),
        cmocka_unit_test(append_string_escapes_what_json_requires),
        cmocka_unit_test(append_string_replaces_invalid_utf8),
        cmocka_unit_test(append_string_round_trips_through_decode),
        cmocka_unit_test(get_uint_accepts_only_plain_non_negative_integers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
