/* tests/unit/mock_provider/test_json.c - tests tools/mock_provider/json.c and the readers of
 * chat and completion bodies in openai.c.
 *
 * The readers check and scan bodies with core/json.h, whose agreement with jansson is tested in
 * tests/unit/core/test_json.c and fuzzed in tests/fuzz/fuzz_json.c; here they are held to what
 * they take from a body: decoded keys and strings, the last of duplicate members, and the
 * errors a client sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "mock_provider/mock_provider_int.h"

/* A deterministic generator, so that a failure can be replayed. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void writes_numbers_in_decimal(void **state)
{
    struct sy_buf out = {0};

    (void)state;
    sy__mock_buf_u64(&out, 0);
    sy__mock_put(&out, " ", 1);
    sy__mock_buf_u64(&out, 42);
    sy__mock_put(&out, " ", 1);
    sy__mock_buf_u64(&out, UINT64_MAX);
    assert_string_equal(out.ptr, "0 42 18446744073709551615");
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

/* The chat and completion readers of openai.c: what they take from a body. */

static void check_str(struct sy_str got, const char *want)
{
    assert_non_null(got.ptr);
    if (got.len != strlen(want) || memcmp(got.ptr, want, got.len) != 0)
        fail_msg("got \"%.*s\", want \"%s\"", (int)got.len, got.ptr, want);
}

static void reads_a_chat_body_with_escaped_keys_and_strings(void **state)
{
    static const char body[] =
        " {\"mod\\u0065l\":\"gpt\\u002d4\",\"stream\":true,\"stream_options\":{\"include_usage\":"
        "true},\"messages\":[{\"role\":\"system\",\"content\":\"be \\\"brief\\\"\"},"
        "{\"role\":\"us\\u0065r\",\"content\":[{\"type\":\"text\",\"text\":\"hello\\nthere\"},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},{\"type\":\"text\",\"text\":"
        "\"w\\u00e9rld \\ud83d\\ude00\"}]},{\"role\":\"assistant\",\"content\":null}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_w\\u0065ather\"}},"
        "{\"type\":\"function\",\"function\":{\"name\":\"other\"}}]}\n";
    struct sy_buf text = {0};
    struct sy__mock_prompt pr;
    const char *why = NULL;

    (void)state;
    assert_int_equal(sy__mock_openai_decode_chat(body, sizeof(body) - 1, &text, &pr, &why), 0);
    check_str(pr.model, "gpt-4");
    check_str(pr.last_user_text, "hello\nthere w\xc3\xa9rld \xf0\x9f\x98\x80");
    check_str(pr.tool_name, "get_weather");
    assert_true(pr.is_stream);
    assert_true(pr.has_usage);
    /* Words: 2 (system) + 2 + 2 (user's text parts), and 3 a message. */
    assert_int_equal(pr.prompt_tokens, 6 + 3 * 3);
    sy_buf_dispose(&text);
}

static void reads_the_last_of_duplicate_members(void **state)
{
    static const char body[] =
        "{\"model\":\"a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one\","
        "\"content\":\"two words\",\"role\":\"system\"},{\"content\":\"x\",\"role\":\"user\"}],"
        "\"stream\":false,\"model\":\"b\\\\c\"}";
    struct sy_buf text = {0};
    struct sy__mock_prompt pr;
    const char *why = NULL;

    (void)state;
    assert_int_equal(sy__mock_openai_decode_chat(body, sizeof(body) - 1, &text, &pr, &why), 0);
    check_str(pr.model, "b\\c");
    check_str(pr.last_user_text, "x");
    assert_null(pr.tool_name.ptr);
    assert_false(pr.is_stream);
    assert_false(pr.has_usage);
    assert_int_equal(pr.prompt_tokens, 3 + 3 * 2);
    sy_buf_dispose(&text);
}

static void reads_a_chat_body_without_model_user_or_tools(void **state)
{
    static const char body[] = "{\"messages\":[],\"stream\":\"true\",\"tools\":{}}";
    struct sy_buf text = {0};
    struct sy__mock_prompt pr;
    const char *why = NULL;

    (void)state;
    assert_int_equal(sy__mock_openai_decode_chat(body, sizeof(body) - 1, &text, &pr, &why), 0);
    assert_null(pr.model.ptr);
    check_str(pr.last_user_text, "");
    assert_null(pr.tool_name.ptr);
    assert_false(pr.is_stream);
    assert_int_equal(pr.prompt_tokens, 0);
    sy_buf_dispose(&text);
}

/* "\u0000" is valid JSON (RFC 8259), and the gateway forwards it (jansson with JSON_ALLOW_NUL). */
static void reads_a_nul_escape_as_a_byte(void **state)
{
    static const char body[] = "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\u0000b c\"}]}";
    struct sy_buf text = {0};
    struct sy__mock_prompt pr;
    const char *why = NULL;

    (void)state;
    assert_int_equal(sy__mock_openai_decode_chat(body, sizeof(body) - 1, &text, &pr, &why), 0);
    assert_int_equal(pr.last_user_text.len, 5);
    assert_memory_equal(pr.last_user_text.ptr, "a\0b c", 5);
    assert_int_equal(pr.prompt_tokens, 2 + 3);
    sy_buf_dispose(&text);
}

static void refuses_chat_bodies_it_cannot_read(void **state)
{
    static const struct {
        const char *body, *why;
    } cases[] = {
        {"", "the request body is not valid JSON"},
        {"{\"messages\":[]", "the request body is not valid JSON"},
        {"{\"messages\":[],}", "the request body is not valid JSON"},
        {"{\"messages\":[\"\\ud800\"]}", "the request body is not valid JSON"},
        {"{\"messages\":[\"\xc0\x80\"]}", "the request body is not valid JSON"},
        {"[]", "the request body must be a JSON object"},
        {"\"x\"", "the request body must be a JSON object"},
        {"{\"model\":1,\"messages\":[]}", "'model' must be a string"},
        {"{\"model\":null,\"messages\":[]}", "'model' must be a string"},
        {"{\"model\":\"m\"}", "'messages' must be an array"},
        {"{\"messages\":{}}", "'messages' must be an array"},
        {"{\"messages\":[{},1]}", "each message must be an object"},
    };
    struct sy_buf text = {0};
    struct sy__mock_prompt pr;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *why = NULL;

        assert_int_equal(
            sy__mock_openai_decode_chat(cases[i].body, strlen(cases[i].body), &text, &pr, &why),
            -1);
        assert_non_null(why);
        assert_string_equal(why, cases[i].why);
    }
    sy_buf_dispose(&text);
}

static void reads_a_completion_prompt_as_a_string_or_the_first_of_an_array(void **state)
{
    static const char *const bodies[] = {
        "{\"model\":\"m\",\"prompt\":\"say \\\"hi\\\"\\tnow\"}",
        "{\"model\":\"m\",\"prompt\":[\"say \\\"hi\\\"\\tnow\",\"ignored\"]}",
    };
    struct sy_buf text = {0};
    struct sy__mock_prompt pr;
    const char *why = NULL;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(
            sy__mock_openai_decode_completion(bodies[i], strlen(bodies[i]), &text, &pr, &why), 0);
        check_str(pr.model, "m");
        check_str(pr.last_user_text, "say \"hi\"\tnow");
        assert_int_equal(pr.prompt_tokens, 3);
    }
    assert_int_equal(sy__mock_openai_decode_completion("{\"prompt\":[1]}", 14, &text, &pr, &why),
                     0);
    check_str(pr.last_user_text, "");
    assert_int_equal(sy__mock_openai_decode_completion("{\"prompt\":1}", 12, &text, &pr, &why), -1);
    assert_string_equal(why, "'prompt' must be a string or an array");
    sy_buf_dispose(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_numbers_in_decimal),
        cmocka_unit_test(counts_runs_of_non_whitespace_as_words),
        cmocka_unit_test(counts_words_like_the_obvious_loop_at_any_alignment),
        cmocka_unit_test(reads_a_chat_body_with_escaped_keys_and_strings),
        cmocka_unit_test(reads_the_last_of_duplicate_members),
        cmocka_unit_test(reads_a_chat_body_without_model_user_or_tools),
        cmocka_unit_test(reads_a_nul_escape_as_a_byte),
        cmocka_unit_test(refuses_chat_bodies_it_cannot_read),
        cmocka_unit_test(reads_a_completion_prompt_as_a_string_or_the_first_of_an_array),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
