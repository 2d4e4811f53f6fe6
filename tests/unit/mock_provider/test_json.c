/* tests/unit/mock_provider/test_json.c - tests tools/mock_provider/json.c
 *
 * The mock reads request bodies with its own scanner instead of jansson (for speed), so the
 * scanner must accept exactly the documents jansson accepts; these tests hold it to that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/str.h"
#include "mock_provider/mock_provider_int.h"

static bool jansson_accepts(const char *doc, size_t len, bool *is_range_error)
{
    json_error_t err;
    json_t *j = json_loadb(doc, len, JSON_DECODE_ANY, &err);

    *is_range_error =
        j == NULL && (strstr(err.text, "too big") != NULL || strstr(err.text, "overflow") != NULL);
    json_decref(j);
    return j != NULL;
}

static bool scanner_accepts(const char *doc, size_t len)
{
    struct sy__mock_jval root;

    return sy__mock_json_parse(doc, len, &root) == 0;
}

static void check_same_verdict(const char *doc, size_t len)
{
    bool is_range_error;
    bool expected = jansson_accepts(doc, len, &is_range_error);

    if (is_range_error)
        return; /* numbers are checked for grammar only (json.c) */
    if (scanner_accepts(doc, len) != expected)
        fail_msg("jansson %s, the scanner does not: %.*s", expected ? "accepts" : "refuses",
                 (int)len, doc);
}

static void accepts_and_refuses_what_jansson_does(void **state)
{
    static const char *const docs[] = {
        "",
        " ",
        "{}",
        "[]",
        " { } ",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1:2}",
        "{\"a\":}",
        "[1 2]",
        "[1,,2]",
        "01",
        "-0",
        "-",
        "1.",
        "1.5",
        "1e",
        "1e+5",
        "1E-5",
        "-1.5e10",
        ".5",
        "+1",
        "0x10",
        "true",
        "tru",
        "false",
        "null",
        "nul",
        "NaN",
        "\"\"",
        "\"abc",
        "\"a\\\"b\"",
        "\"a\\qb\"",
        "\"\\u00e9\"",
        "\"\\u00G9\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\\ud83dx\"",
        "\"\xc3\xa9\"",
        "\"\xc3\"",
        "\"\xc0\x80\"",
        "\"\xe0\x80\x80\"",
        "\"\xed\xa0\x80\"",
        "\"\xf0\x9f\x98\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xf8\x88\x80\x80\x80\"",
        "\"\xff\"",
        "\"a\tb\"",
        "\"a\nb\"",
        "\"a\x7f\"",
        "[1]x",
        "{} {}",
        "[[[]]]",
        "[[[]]",
        "{\"a\":[{}]}",
        "\n[\r\n1\t]\n",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        check_same_verdict(docs[i], strlen(docs[i]));
    check_same_verdict("[\0]", 3);
    check_same_verdict("\"a\0b\"", 5);
}

static void allows_the_same_nesting_depth_as_jansson(void **state)
{
    char *doc = malloc(2 * 2049 + 1);

    (void)state;
    for (size_t depth = 2047; depth <= 2049; depth++) {
        memset(doc, '[', depth);
        memset(doc + depth, ']', depth);
        check_same_verdict(doc, 2 * depth);
    }
    free(doc);
}

/* A deterministic generator, so that a failure can be replayed. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void agrees_with_jansson_on_mutated_documents(void **state)
{
    static const char seed[] =
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"n\":[1,-2.5e3,0,null,false],"
        "\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9llo \\\"w\\\" \xc3\xa9\"}],"
        "\"tools\":[{\"function\":{\"name\":\"f\",\"parameters\":{}}}]}";
    static const char alphabet[] = "{}[]\",:\\ u0123456789.eE-+tfnlrsa\x80\xc3\xa9\xed\xff\n\t";
    uint64_t rnd = 0x9e3779b97f4a7c15u;
    char doc[sizeof(seed) + 8];

    (void)state;
    for (int i = 0; i < 200000; i++) {
        size_t len = sizeof(seed) - 1;
        int edits = 1 + (int)(next_random(&rnd) % 3);

        memcpy(doc, seed, len);
        for (int e = 0; e < edits; e++) {
            size_t at = next_random(&rnd) % len;
            char c = alphabet[next_random(&rnd) % (sizeof(alphabet) - 1)];

            switch (next_random(&rnd) % 3) {
            case 0: /* replace */
                doc[at] = c;
                break;
            case 1: /* delete */
                memmove(doc + at, doc + at + 1, len - at - 1);
                len--;
                break;
            default: /* insert, within the room left */
                if (len < sizeof(doc)) {
                    memmove(doc + at + 1, doc + at, len - at);
                    doc[at] = c;
                    len++;
                }
                break;
            }
        }
        check_same_verdict(doc, len);
    }
}

static void finds_members_and_decodes_strings(void **state)
{
    static const char doc[] =
        "{\"a\":1,\"s\":\"x\\n\\u00e9\\ud83d\\ude00\\/\",\"o\":{\"k\":[true,{\"z\":null}]},"
        "\"a\":\"last\",\"\\u0062\":2}";
    struct sy__mock_jval root, v, item, key;
    struct sy__mock_jiter it;
    struct sy_buf out = {0};
    uint64_t n;
    int count = 0;

    (void)state;
    assert_int_equal(sy__mock_json_parse(doc, sizeof(doc) - 1, &root), 0);
    assert_int_equal(root.type, SY__MOCK_J_OBJECT);
    assert_true(sy__mock_json_get(&root, "a", &v));
    assert_true(sy__mock_json_str_is(&v, "last")); /* the last duplicate wins, as in jansson */
    assert_true(sy__mock_json_get(&root, "s", &v));
    assert_true(v.has_escapes);
    sy__mock_json_decode(&v, &out);
    assert_string_equal(out.ptr, "x\n\xc3\xa9\xf0\x9f\x98\x80/");
    assert_true(sy__mock_json_get(&root, "b", &v)); /* an escaped key */
    assert_int_equal(sy__mock_json_uint(&v, 10, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(sy__mock_json_uint(&v, 1, &n), -1);
    assert_false(sy__mock_json_get(&root, "missing", &v));
    assert_int_equal(v.type, SY__MOCK_J_NONE);

    assert_true(sy__mock_json_get(&root, "o", &v));
    assert_true(sy__mock_json_get(&v, "k", &v));
    sy__mock_json_iter(&v, &it);
    while (sy__mock_json_next_item(&it, &item))
        count++;
    assert_int_equal(count, 2);

    count = 0;
    sy__mock_json_iter(&root, &it);
    while (sy__mock_json_next_member(&it, &key, &v))
        count++;
    assert_int_equal(count, 5);
    sy_buf_dispose(&out);
}

static void quotes_any_bytes_as_a_json_string_jansson_reads_back(void **state)
{
    static const char text[] = "plain \"q\" \\ \n\r\t\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x98\x80";
    struct sy_buf out = {0};
    json_t *j;

    (void)state;
    sy__mock_json_quote(&out, text, sizeof(text) - 1);
    j = json_loadb(out.ptr, out.len, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    assert_int_equal(json_string_length(j), sizeof(text) - 1);
    assert_memory_equal(json_string_value(j), text, sizeof(text) - 1);
    json_decref(j);

    /* Bytes that are not UTF-8 become U+FFFD. */
    sy_buf_reset(&out);
    sy__mock_json_quote(&out, "a\xff\xc3z", 4);
    assert_string_equal(out.ptr, "\"a\xef\xbf\xbd\xef\xbf\xbdz\"");
    sy_buf_dispose(&out);
}

static void counts_runs_of_non_whitespace_as_words(void **state)
{
    (void)state;
    assert_int_equal(sy__mock_count_words("", 0), 0);
    assert_int_equal(sy__mock_count_words("   ", 3), 0);
    assert_int_equal(sy__mock_count_words("a", 1), 1);
    assert_int_equal(sy__mock_count_words(" mock:  hello\tthere\nworld ", 26), 4);
    assert_int_equal(sy__mock_count_words("a\vb\fc\rd", 7), 4);
    assert_int_equal(sy__mock_count_words("\xc3\xa9t\xc3\xa9 \xc3\xa9", 8), 2);
}

/* The obvious count, byte by byte, to hold the eight-at-a-time one to. */
static uint32_t naive_words(const unsigned char *s, size_t len)
{
    uint32_t n = 0;
    bool in_word = false;

    for (size_t i = 0; i < len; i++) {
        bool sp = s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r');

        n += !sp && !in_word;
        in_word = !sp;
    }
    return n;
}

static void counts_words_like_the_obvious_loop_at_any_alignment(void **state)
{
    static const unsigned char alphabet[] = {' ',  '\t', '\n', '\v', '\f', '\r', 0x08, 0x0e,
                                             0x1f, 'a',  0x80, 0xa0, 0x89, 0x8d, 0xff, 0x20 | 0x80};
    unsigned char text[80];
    uint64_t rnd = 42;

    (void)state;
    for (int i = 0; i < 100000; i++) {
        size_t len = next_random(&rnd) % sizeof(text);
        size_t at = next_random(&rnd) % 8;

        for (size_t k = 0; k < len; k++)
            text[k] = alphabet[next_random(&rnd) % sizeof(alphabet)];
        if (at > len)
            at = len;
        assert_int_equal(sy__mock_count_words((const char *)text + at, len - at),
                         naive_words(text + at, len - at));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_and_refuses_what_jansson_does),
        cmocka_unit_test(allows_the_same_nesting_depth_as_jansson),
        cmocka_unit_test(agrees_with_jansson_on_mutated_documents),
        cmocka_unit_test(finds_members_and_decodes_strings),
        cmocka_unit_test(quotes_any_bytes_as_a_json_string_jansson_reads_back),
        cmocka_unit_test(counts_runs_of_non_whitespace_as_words),
        cmocka_unit_test(counts_words_like_the_obvious_loop_at_any_alignment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
