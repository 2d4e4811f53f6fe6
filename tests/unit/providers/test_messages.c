/* tests/unit/providers/test_messages.c - tests src/providers/messages.c: the
 * Anthropic Messages front door (request, answer and stream translation to
 * and from the OpenAI hub, count_tokens, and the native pass-through). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/messages.h"

/* Helpers. */

/* Fails with both texts unless `got` and `want` are equal JSON values. */
static void assert_json_eq(const char *got, size_t got_len, const char *want)
{
    json_error_t e1, e2;
    json_t *a = json_loadb(got, got_len, 0, &e1);
    json_t *b = json_loads(want, 0, &e2);

    if (a == NULL)
        fail_msg("output is not JSON (%s): %.*s", e1.text, (int)got_len, got);
    if (b == NULL)
        fail_msg("expected text is not JSON (%s): %s", e2.text, want);
    if (!json_equal(a, b))
        fail_msg("JSON differs\n got: %.*s\nwant: %s", (int)got_len, got, want);
    json_decref(a);
    json_decref(b);
}

/* Translates `req` and checks the hub request against `want`. */
static void assert_translates(const char *req, const char *want)
{
    struct sy_buf out = {0};
    char why[256];
    enum sy_messages_verdict v =
        sy_messages_request_to_openai(req, strlen(req), &out, why, sizeof(why));

    if (v != SY_MESSAGES_OK)
        fail_msg("verdict %d (%s) for %s", (int)v, why, req);
    assert_json_eq(out.ptr, out.len, want);
    sy_buf_dispose(&out);
}

/* Checks that `req` is refused with a message starting with `why_prefix`. */
static void assert_refused(const char *req, enum sy_messages_verdict want, const char *why_prefix)
{
    struct sy_buf out = {0};
    char why[256];
    enum sy_messages_verdict v =
        sy_messages_request_to_openai(req, strlen(req), &out, why, sizeof(why));

    sy_buf_dispose(&out);
    if (v != want)
        fail_msg("verdict %d (%s), expected %d, for %s", (int)v, why, (int)want, req);
    if (strncmp(why, why_prefix, strlen(why_prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", why, why_prefix);
}

static void assert_response(const char *openai, const char *want)
{
    struct sy_buf out = {0};

    assert_int_equal(sy_messages_response_from_openai("alias", openai, strlen(openai), &out),
                     SY_OK);
    assert_json_eq(out.ptr, out.len, want);
    sy_buf_dispose(&out);
}

/* Runs `sse` through a fresh stream translator in pieces ending at each
 * offset of `cuts` (then at the end) and returns the output (malloc'd). */
static char *translate_stream(const char *sse, const size_t *cuts, size_t cut_count,
                              enum sy_stream_next *last)
{
    struct sy_messages_stream s;
    struct sy_buf out = {0};
    size_t len = strlen(sse), from = 0;
    char *result;

    sy_messages_stream_init(&s, "alias", 1 << 16);
    *last = SY_STREAM_CONTINUE;
    for (size_t i = 0; i <= cut_count; i++) {
        size_t to = i < cut_count ? cuts[i] : len;
        char *piece = malloc(to - from + 1); /* exact size: ASan sees over-reads */
        memcpy(piece, sse + from, to - from);
        *last = sy_messages_stream_feed(&s, piece, to - from, &out);
        free(piece);
        from = to;
    }
    sy_messages_stream_dispose(&s);
    result = strdup(out.ptr != NULL ? out.ptr : "");
    sy_buf_dispose(&out);
    return result;
}

static char *translate_whole(const char *sse, enum sy_stream_next *last)
{
    return translate_stream(sse, NULL, 0, last);
}

/* Every split into two pieces, and byte by byte, gives the output `want`. */
static void assert_split_invariant(const char *sse, const char *want)
{
    size_t len = strlen(sse);
    size_t *bytes = malloc(len * sizeof(size_t));
    enum sy_stream_next last;

    for (size_t cut = 0; cut <= len; cut++) {
        char *got = translate_stream(sse, &cut, 1, &last);
        if (strcmp(got, want) != 0)
            fail_msg("split at %zu changes the output:\n%s", cut, got);
        free(got);
    }
    for (size_t i = 0; i < len; i++)
        bytes[i] = i;
    char *got = translate_stream(sse, bytes, len, &last);
    assert_string_equal(got, want);
    free(got);
    free(bytes);
}

/* ---- Requests ------------------------------------------------------------- */

static void translates_a_system_string_and_plain_messages(void **state)
{
    (void)state;
    assert_translates("{\"model\":\"fast\",\"max_tokens\":100,\"system\":\"be brief\","
                      "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                      "{\"role\":\"assistant\",\"content\":\"hello\"},"
                      "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"more\"}]}]}",
                      "{\"model\":\"fast\",\"messages\":["
                      "{\"role\":\"system\",\"content\":\"be brief\"},"
                      "{\"role\":\"user\",\"content\":\"hi\"},"
                      "{\"role\":\"assistant\",\"content\":\"hello\"},"
                      "{\"role\":\"user\",\"content\":\"more\"}],\"max_tokens\":100}");
}

static void puts_model_first_so_the_gateway_can_splice_it(void **state)
{
    struct sy_buf out = {0};
    char why[64];
    const char *req = "{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                      "\"model\":\"fast\"}";

    (void)state;
    assert_int_equal(sy_messages_request_to_openai(req, strlen(req), &out, why, sizeof(why)),
                     SY_MESSAGES_OK);
    assert_true(strncmp(out.ptr, "{\"model\":\"fast\",", 16) == 0);
    sy_buf_dispose(&out);
}

static void keeps_cache_control_on_system_parts_text_parts_and_tools(void **state)
{
    (void)state;
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":9,"
        "\"system\":[{\"type\":\"text\",\"text\":\"rules\",\"cache_control\":{\"type\":"
        "\"ephemeral\"}}],"
        "\"messages\":[{\"role\":\"user\",\"content\":["
        "{\"type\":\"text\",\"text\":\"a\"},"
        "{\"type\":\"text\",\"text\":\"b\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":"
        "\"1h\"}}]}],"
        "\"tools\":[{\"name\":\"get\",\"description\":\"d\",\"input_schema\":{\"type\":"
        "\"object\"},\"cache_control\":{\"type\":\"ephemeral\"}}]}",
        "{\"model\":\"m\",\"messages\":["
        "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"rules\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
        "{\"type\":\"text\",\"text\":\"b\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":"
        "\"1h\"}}]}],"
        "\"max_tokens\":9,"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get\",\"description\":\"d\","
        "\"parameters\":{\"type\":\"object\"}},\"cache_control\":{\"type\":\"ephemeral\"}}]}");
}

static void turns_base64_images_into_data_urls_and_keeps_url_images(void **state)
{
    (void)state;
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":["
        "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
        "\"data\":\"iVBORw0=\"}},"
        "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x.example/a.jpg\"},"
        "\"cache_control\":{\"type\":\"ephemeral\"}},"
        "{\"type\":\"text\",\"text\":\"what is it?\"}]}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0=\"}},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.example/a.jpg\"},"
        "\"cache_control\":{\"type\":\"ephemeral\"}},"
        "{\"type\":\"text\",\"text\":\"what is it?\"}]}],\"max_tokens\":9}");
}

static void turns_pdf_and_text_documents_into_file_and_text_parts(void **state)
{
    (void)state;
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":["
        "{\"type\":\"document\",\"title\":\"r.pdf\",\"source\":{\"type\":\"base64\","
        "\"media_type\":\"application/pdf\",\"data\":\"JVBE\"}},"
        "{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\","
        "\"data\":\"notes\"}}]}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
        "{\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,JVBE\","
        "\"filename\":\"r.pdf\"}},{\"type\":\"text\",\"text\":\"notes\"}]}],\"max_tokens\":9}");
}

static void turns_tool_use_and_tool_result_into_tool_calls_and_tool_messages(void **state)
{
    (void)state;
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":9,\"messages\":["
        "{\"role\":\"user\",\"content\":\"weather?\"},"
        "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"checking\"},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get\",\"input\":{\"city\":"
        "\"Paris\"}},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"get\",\"input\":{}}]},"
        "{\"role\":\"user\",\"content\":["
        "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"sunny\"},"
        "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_2\",\"content\":["
        "{\"type\":\"text\",\"text\":\"rain\"},{\"type\":\"image\",\"source\":{\"type\":"
        "\"url\",\"url\":\"https://x.example/r.png\"}}],"
        "\"cache_control\":{\"type\":\"ephemeral\"}},"
        "{\"type\":\"text\",\"text\":\"thanks\"}]}],"
        "\"tools\":[{\"name\":\"get\",\"input_schema\":{\"type\":\"object\"}}],"
        "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true}}",
        "{\"model\":\"m\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"weather?\"},"
        "{\"role\":\"assistant\",\"content\":\"checking\",\"tool_calls\":["
        "{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get\","
        "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
        "{\"id\":\"toolu_2\",\"type\":\"function\",\"function\":{\"name\":\"get\","
        "\"arguments\":\"{}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"sunny\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"toolu_2\",\"content\":[{\"type\":\"text\","
        "\"text\":\"rain\",\"cache_control\":{\"type\":\"ephemeral\"}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
        "\"https://x.example/r.png\"}},{\"type\":\"text\",\"text\":\"thanks\"}]}],"
        "\"max_tokens\":9,"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get\",\"parameters\":"
        "{\"type\":\"object\"}}}],"
        "\"tool_choice\":\"required\",\"parallel_tool_calls\":false}");
}

static void sends_no_user_message_for_a_turn_of_only_tool_results(void **state)
{
    (void)state;
    assert_translates("{\"model\":\"m\",\"max_tokens\":9,\"messages\":["
                      "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\","
                      "\"name\":\"f\",\"input\":{}}]},"
                      "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
                      "\"t\"}]}]}",
                      "{\"model\":\"m\",\"messages\":["
                      "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t\","
                      "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                      "{\"role\":\"tool\",\"tool_call_id\":\"t\",\"content\":\"\"}],"
                      "\"max_tokens\":9}");
}

static void carries_thinking_blocks_with_their_signatures(void **state)
{
    (void)state;
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":2048,\"thinking\":{\"type\":\"enabled\","
        "\"budget_tokens\":1024},\"messages\":["
        "{\"role\":\"user\",\"content\":\"q\"},"
        "{\"role\":\"assistant\",\"content\":["
        "{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"c2ln\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"ZW5j\"},"
        "{\"type\":\"text\",\"text\":\"a\"}]}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
        "{\"role\":\"assistant\",\"content\":\"a\",\"thinking_blocks\":["
        "{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"c2ln\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"ZW5j\"}]}],"
        "\"max_tokens\":2048,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}");
}

static void maps_sampling_stop_sequences_metadata_tool_choice_and_stream(void **state)
{
    (void)state;
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":5,\"temperature\":0.70,\"top_p\":1e-1,\"top_k\":40,"
        "\"stop_sequences\":[\"END\"],\"stream\":true,\"metadata\":{\"user_id\":\"u-1\"},"
        "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
        "\"tools\":[{\"type\":\"custom\",\"name\":\"f\",\"input_schema\":{}}],"
        "\"tool_choice\":{\"type\":\"tool\",\"name\":\"f\"}}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
        "\"max_tokens\":5,\"temperature\":0.70,\"top_p\":1e-1,\"top_k\":40,\"stop\":[\"END\"],"
        "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"user\":\"u-1\","
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}],"
        "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}");
}

static void copies_numbers_byte_for_byte(void **state)
{
    struct sy_buf out = {0};
    char why[64];
    const char *req = "{\"model\":\"m\",\"max_tokens\":5,\"temperature\":0.70,"
                      "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

    (void)state;
    sy_messages_request_to_openai(req, strlen(req), &out, why, sizeof(why));
    assert_non_null(strstr(out.ptr, "\"temperature\":0.70"));
    sy_buf_dispose(&out);
}

static void refuses_invalid_requests_naming_the_field(void **state)
{
    (void)state;
    assert_refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                   SY_MESSAGES_INVALID, "max_tokens: Field required");
    assert_refused("{\"model\":\"m\",\"max_tokens\":\"9\",\"messages\":[]}", SY_MESSAGES_INVALID,
                   "max_tokens: Input should be an integer");
    assert_refused("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[]}", SY_MESSAGES_INVALID,
                   "max_tokens: Input should be an integer of at least 1");
    assert_refused("{\"max_tokens\":9,\"messages\":[]}", SY_MESSAGES_INVALID,
                   "model: Field required");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9}", SY_MESSAGES_INVALID,
                   "messages: Field required");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[]}", SY_MESSAGES_INVALID,
                   "messages: List should have at least 1 item");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"system\","
                   "\"content\":\"x\"}]}",
                   SY_MESSAGES_INVALID, "messages.0.role: Input should be 'user' or 'assistant'");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                   "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\"}}]}]}",
                   SY_MESSAGES_INVALID, "messages.0.content.0.source.media_type: Field required");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                   "\"content\":[{\"text\":\"x\"}]}]}",
                   SY_MESSAGES_INVALID, "messages.0.content.0.type: Field required");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"system\":7,\"messages\":[{\"role\":"
                   "\"user\",\"content\":\"x\"}]}",
                   SY_MESSAGES_INVALID, "system: Input should be");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"temperature\":\"hot\",\"messages\":[]}",
                   SY_MESSAGES_INVALID, "temperature: Input should be a valid number");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"tool_choice\":{\"type\":\"maybe\"},"
                   "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                   SY_MESSAGES_INVALID, "tool_choice.type: Input should be");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"assistant\","
                   "\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":"
                   "[]}]}]}",
                   SY_MESSAGES_INVALID, "messages.0.content.0.input: Input should be an object");
    assert_refused("{\"model\":", SY_MESSAGES_INVALID, "Invalid JSON at line 1");
    assert_refused("[1]", SY_MESSAGES_INVALID, "The request body must be a JSON object");
}

static void reports_what_only_an_anthropic_provider_can_take(void **state)
{
    (void)state;
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                   "\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search_20250305\",\"name\":"
                   "\"web_search\"}]}",
                   SY_MESSAGES_NATIVE_ONLY, "tools.0.type:");
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                   "\"content\":[{\"type\":\"search_result\",\"source\":\"s\"}]}]}",
                   SY_MESSAGES_NATIVE_ONLY, "messages.0.content.0.type:");
    /* Invalid wins over native-only, wherever each appears. */
    assert_refused("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                   "\"content\":[{\"type\":\"mystery\"},{\"type\":\"text\"}]}]}",
                   SY_MESSAGES_INVALID, "messages.0.content.1.text: Field required");
}

static void counts_a_quarter_of_the_text_bytes_plus_three_per_message(void **state)
{
    uint32_t tokens = 0;
    char why[64];
    /* "be brief" (8) + "hello there!" (12) = 20 bytes -> 5, + 2 x 3. */
    const char *req = "{\"model\":\"m\",\"system\":\"be brief\",\"messages\":[{\"role\":\"user\","
                      "\"content\":\"hello there!\"}]}";
    const char *img = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                      "\"image\",\"source\":{\"type\":\"url\",\"url\":\"u\"}},{\"type\":\"text\","
                      "\"text\":\"abcde\"}]}]}";

    (void)state;
    assert_int_equal(sy_messages_count_tokens(req, strlen(req), &tokens, why, sizeof(why)),
                     SY_MESSAGES_OK);
    assert_int_equal(tokens, 5 + 6);
    assert_int_equal(sy_messages_count_tokens(img, strlen(img), &tokens, why, sizeof(why)),
                     SY_MESSAGES_OK);
    assert_int_equal(tokens, 1600 + 2 + 3);
    assert_int_equal(sy_messages_count_tokens("{\"model\":\"m\"}", 13, &tokens, why, sizeof(why)),
                     SY_MESSAGES_INVALID);
}

/* ---- Answers --------------------------------------------------------------- */

static void translates_a_text_answer_with_usage_and_the_alias(void **state)
{
    (void)state;
    assert_response(
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
        "\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}",
        "{\"id\":\"msg_chatcmpl-1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
        "\"alias\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":"
        "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":2}}");
}

static void turns_tool_calls_into_tool_use_blocks_with_parsed_input(void **state)
{
    (void)state;
    assert_response(
        "{\"id\":\"msg_x\",\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":["
        "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":"
        "\" {\\\"city\\\": \\\"Paris\\\"} \"}},"
        "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":"
        "\"\"}},"
        "{\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":"
        "\"{not json\"}}]},\"finish_reason\":\"tool_calls\"}]}",
        "{\"id\":\"msg_x\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"alias\","
        "\"content\":[{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"get\",\"input\":"
        "{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"id\":\"call_2\",\"name\":\"get\","
        "\"input\":{}},{\"type\":\"tool_use\",\"id\":\"call_3\",\"name\":\"get\",\"input\":"
        "\"{not json\"}],\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
        "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}");
}

static void maps_finish_reasons_to_stop_reasons(void **state)
{
    static const char *const pairs[][2] = {
        {"stop", "end_turn"},
        {"length", "max_tokens"},
        {"tool_calls", "tool_use"},
        {"content_filter", "refusal"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        char body[256], want[64];
        struct sy_buf out = {0};
        snprintf(body, sizeof(body),
                 "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"%s\"}]}",
                 pairs[i][0]);
        snprintf(want, sizeof(want), "\"stop_reason\":\"%s\"", pairs[i][1]);
        assert_int_equal(sy_messages_response_from_openai("a", body, strlen(body), &out), SY_OK);
        assert_non_null(strstr(out.ptr, want));
        sy_buf_dispose(&out);
    }
}

static void reports_cache_reads_and_writes_apart_from_input_tokens(void **state)
{
    (void)state;
    assert_response("{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"x\"},"
                    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,"
                    "\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":60},"
                    "\"cache_creation_input_tokens\":30}}",
                    "{\"id\":\"msg_c\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                    "\"alias\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":"
                    "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,"
                    "\"output_tokens\":5,\"cache_read_input_tokens\":60,"
                    "\"cache_creation_input_tokens\":30}}");
}

static void puts_thinking_with_its_signature_before_the_text(void **state)
{
    (void)state;
    assert_response(
        "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"a\",\"reasoning_content\":"
        "\"hmm\",\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"hmm\","
        "\"signature\":\"c2ln\"},{\"type\":\"redacted_thinking\",\"data\":\"ZW5j\"}]},"
        "\"finish_reason\":\"stop\"}]}",
        "{\"id\":\"msg_c\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"alias\","
        "\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"c2ln\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"ZW5j\"},{\"type\":\"text\",\"text\":\"a\"}],"
        "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,"
        "\"output_tokens\":0}}");
    assert_response("{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"a\","
                    "\"reasoning_content\":\"r\"},\"finish_reason\":\"stop\"}]}",
                    "{\"id\":\"msg_c\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                    "\"alias\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"r\","
                    "\"signature\":\"\"},{\"type\":\"text\",\"text\":\"a\"}],\"stop_reason\":"
                    "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,"
                    "\"output_tokens\":0}}");
}

static void refuses_answers_that_are_not_chat_completions(void **state)
{
    struct sy_buf out = {0};

    (void)state;
    assert_int_equal(sy_messages_response_from_openai("a", "{not", 4, &out), SY_ERR_UPSTREAM);
    assert_int_equal(sy_messages_response_from_openai("a", "{\"choices\":[]}", 14, &out),
                     SY_ERR_UPSTREAM);
    assert_int_equal(sy_messages_response_from_openai("a", "{\"error\":{}}", 12, &out),
                     SY_ERR_UPSTREAM);
    sy_buf_dispose(&out);
}

/* ---- Streams --------------------------------------------------------------- */

static const char text_stream[] =
    "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\n"
    "data: {\"id\":\"chatcmpl-9\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
    "\"stop\"}]}\n\n"
    "data: {\"id\":\"chatcmpl-9\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
    "\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n";

static const char text_events[] =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"
    "\"msg_chatcmpl-9\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"alias\","
    "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,"
    "\"output_tokens\":0}}}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":7,\"output_tokens\":2}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

static void translates_a_text_stream_into_anthropic_events(void **state)
{
    enum sy_stream_next last;
    char *got = translate_whole(text_stream, &last);

    (void)state;
    assert_string_equal(got, text_events);
    assert_int_equal(last, SY_STREAM_DONE);
    free(got);
}

static void gives_the_same_events_wherever_reads_split_the_stream(void **state)
{
    (void)state;
    assert_split_invariant(text_stream, text_events);
}

static const char tool_stream[] =
    "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null,"
    "\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":"
    "{\"name\":\"get\",\"arguments\":\"\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"{\\\"ci\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"ty\\\":1}\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":"
    "\"call_b\",\"function\":{\"name\":\"put\",\"arguments\":\"{}\"}}]}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
    "data: [DONE]\n\n";

static void gives_each_tool_call_its_own_block_with_input_json_deltas(void **state)
{
    enum sy_stream_next last;
    char *got = translate_whole(tool_stream, &last);

    (void)state;
    assert_non_null(strstr(got, "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                                "{\"type\":\"tool_use\",\"id\":\"call_a\",\"name\":\"get\","
                                "\"input\":{}}}"));
    assert_non_null(strstr(got, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                                "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"ci\"}}"));
    assert_non_null(strstr(got, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                                "{\"type\":\"input_json_delta\",\"partial_json\":\"ty\\\":1}\"}}"));
    assert_non_null(strstr(got, "{\"type\":\"content_block_stop\",\"index\":0}"));
    assert_non_null(strstr(got, "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
                                "{\"type\":\"tool_use\",\"id\":\"call_b\",\"name\":\"put\","
                                "\"input\":{}}}"));
    assert_non_null(strstr(got, "\"stop_reason\":\"tool_use\""));
    assert_true(strstr(got, "content_block_stop\",\"index\":1") <
                strstr(got, "event: message_delta"));
    free(got);
    assert_split_invariant(tool_stream, got = translate_whole(tool_stream, &last));
    free(got);
}

static void streams_thinking_then_its_signature_then_text(void **state)
{
    static const char sse[] =
        "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"reasoning_content\":\"let me\"}}]}\n\n"
        "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"thinking_blocks\":[{\"type\":"
        "\"thinking\",\"thinking\":\"\",\"signature\":\"c2ln\"}]}}]}\n\n"
        "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":"
        "\"stop\"}]}\n\n"
        "data: [DONE]\n\n";
    enum sy_stream_next last;
    char *got = translate_whole(sse, &last);
    const char *thinking = strstr(got, "{\"type\":\"thinking_delta\",\"thinking\":\"let me\"}");
    const char *signature = strstr(got, "{\"type\":\"signature_delta\",\"signature\":\"c2ln\"}");
    const char *text = strstr(got, "{\"type\":\"text_delta\",\"text\":\"ok\"}");

    (void)state;
    assert_non_null(strstr(got, "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\","
                                "\"signature\":\"\"}"));
    assert_non_null(thinking);
    assert_non_null(signature);
    assert_non_null(text);
    assert_true(thinking < signature && signature < text);
    assert_non_null(strstr(got, "\"index\":1,\"content_block\":{\"type\":\"text\""));
    free(got);
}

static void turns_an_in_band_error_into_an_error_event_and_then_stays_quiet(void **state)
{
    static const char sse[] =
        "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n"
        "data: {\"error\":{\"message\":\"The provider's connection was cut\",\"type\":"
        "\"upstream_error\",\"param\":null,\"code\":\"upstream_stream_cut\"}}\n\n"
        "data: {\"error\":{\"message\":\"second\"}}\n\n"
        "data: [DONE]\n\n";
    enum sy_stream_next last;
    char *got = translate_whole(sse, &last);
    const char *err = strstr(got, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                                  "\"api_error\",\"message\":\"The provider's connection was "
                                  "cut\"}}\n\n");

    (void)state;
    assert_non_null(err);
    assert_string_equal(err + strlen("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                                     "\"api_error\",\"message\":\"The provider's connection was "
                                     "cut\"}}\n\n"),
                        "");
    assert_null(strstr(got, "message_stop"));
    assert_null(strstr(got, "second"));
    free(got);
}

static void ends_with_an_error_event_when_an_event_is_not_json(void **state)
{
    enum sy_stream_next last;
    char *got = translate_whole("data: {\"choices\":[]}\n\ndata: {not json\n\n", &last);

    (void)state;
    assert_int_equal(last, SY_STREAM_MALFORMED);
    assert_non_null(strstr(got, "event: error\n"));
    free(got);
}

static void answers_a_stream_without_chunks_with_an_empty_message(void **state)
{
    enum sy_stream_next last;
    char *got = translate_whole("data: [DONE]\n\n", &last);

    (void)state;
    assert_true(strncmp(got, "event: message_start\n", 21) == 0);
    assert_non_null(strstr(got, "event: message_delta\n"));
    assert_non_null(strstr(got, "event: message_stop\n"));
    free(got);
}

static void folds_a_gemini_thought_signature_into_the_tool_use_id_and_back(void **state)
{
    static const char sse[] =
        "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":"
        "\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
        "\"{}\"},\"extra_content\":{\"google\":{\"thought_signature\":\"Z3NpZw==\"}}}]}}]}\n\n"
        "data: [DONE]\n\n";
    enum sy_stream_next last;
    char *got;

    (void)state;
    assert_response("{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":["
                    "{\"id\":\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                    "\"arguments\":\"{}\"},\"extra_content\":{\"google\":{\"thought_signature\":"
                    "\"Z3NpZw==\"}}}]},\"finish_reason\":\"tool_calls\"}]}",
                    "{\"id\":\"msg_c\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                    "\"alias\",\"content\":[{\"type\":\"tool_use\",\"id\":"
                    "\"call_0__thought__Z3NpZw==\",\"name\":\"f\",\"input\":{}}],\"stop_reason\":"
                    "\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,"
                    "\"output_tokens\":0}}");
    got = translate_whole(sse, &last);
    assert_non_null(strstr(got, "\"id\":\"call_0__thought__Z3NpZw==\""));
    free(got);
    assert_translates(
        "{\"model\":\"m\",\"max_tokens\":9,\"messages\":["
        "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":"
        "\"call_0__thought__Z3NpZw==\",\"name\":\"f\",\"input\":{}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
        "\"call_0__thought__Z3NpZw==\",\"content\":\"ok\"}]}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
        "[{\"id\":\"call_0__thought__Z3NpZw==\",\"type\":\"function\",\"function\":{\"name\":"
        "\"f\",\"arguments\":\"{}\"},\"extra_content\":{\"google\":{\"thought_signature\":"
        "\"Z3NpZw==\"}}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_0__thought__Z3NpZw==\","
        "\"content\":\"ok\"}],\"max_tokens\":9}");
}

/* ---- Native pass-through --------------------------------------------------- */

static void sends_the_clients_body_natively_with_only_the_model_replaced(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_config_header extra = {"x-extra", "1"};
    struct sy_config_provider prov = {.name = "a",
                                      .kind = SY_KIND_ANTHROPIC,
                                      .base_url = "http://up.example",
                                      .api_key = "sk-ant",
                                      .api_version = "2023-06-01",
                                      .headers = &extra,
                                      .headers_count = 1};
    const char *body = "{\"model\":\"fast\", \"max_tokens\":1,\"messages\":[]}";
    struct sy_client_request c = {.raw = sy_str_c(body), .model_values_count = 1};
    struct sy_build_ctx ctx = {
        .pool = pool, .prov = &prov, .upstream_model = "claude-x", .creq = &c};
    struct sy_upstream_call out = {0};

    (void)state;
    c.model_values[0] = (struct sy_str){body + 9, 6};
    assert_int_equal(sy_messages_build_native(&ctx, SY_STR("tools-2024"), &out), SY_OK);
    assert_string_equal(out.url, "http://up.example/v1/messages");
    assert_string_equal(out.body.ptr, "{\"model\":\"claude-x\", \"max_tokens\":1,\"messages\":[]}");
    assert_int_equal(out.headers_count, 5);
    assert_string_equal(out.headers[1], "x-api-key: sk-ant");
    assert_string_equal(out.headers[2], "anthropic-version: 2023-06-01");
    assert_string_equal(out.headers[3], "anthropic-beta: tools-2024");
    assert_string_equal(out.headers[4], "x-extra: 1");
    sy_pool_free(pool);
}

static void passes_a_native_answer_on_with_the_alias_and_reads_its_usage(void **state)
{
    const char *body = "{\"id\":\"msg_1\",\"model\":\"claude-x\",\"content\":[],"
                       "\"usage\":{\"input_tokens\":3,\"output_tokens\":4,"
                       "\"cache_read_input_tokens\":5,\"cache_creation_input_tokens\":6}}";
    struct sy_buf out = {0};
    struct sy_usage usage = {0};

    (void)state;
    assert_int_equal(sy_messages_native.translate_response(SY_EP_CHAT, "alias", body, strlen(body),
                                                           &out, &usage),
                     SY_OK);
    assert_string_equal(out.ptr, "{\"id\":\"msg_1\",\"model\":\"alias\",\"content\":[],"
                                 "\"usage\":{\"input_tokens\":3,\"output_tokens\":4,"
                                 "\"cache_read_input_tokens\":5,\"cache_creation_input_tokens\":"
                                 "6}}");
    assert_true(usage.seen);
    assert_int_equal(usage.prompt_tokens, 14);
    assert_int_equal(usage.completion_tokens, 4);
    assert_int_equal(usage.cached_tokens, 5);
    sy_buf_dispose(&out);
}

static const char native_stream[] =
    "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    "\"model\":\"claude-x\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\r\n\r\n"
    "event: ping\ndata: {\"type\":\"ping\"}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"end_turn\"},\"usage\":{\"output_tokens\":12}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

static const char native_events[] =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    "\"model\":\"alias\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
    "event: ping\ndata: {\"type\":\"ping\"}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"end_turn\"},\"usage\":{\"output_tokens\":12}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

/* Feeds the native stream in two pieces split at `cut`. */
static void feed_native(size_t cut, struct sy_pool *pool, struct sy_buf *out,
                        struct sy_stream_state *st)
{
    size_t len = strlen(native_stream);

    *st = (struct sy_stream_state){.alias = "alias", .pool = pool, .max_event_bytes = 4096};
    sy_sse_init(&st->sse, 4096);
    sy_messages_native.stream_feed(st, SY_EP_CHAT, native_stream, cut, out);
    if (!st->saw_done)
        sy_messages_native.stream_feed(st, SY_EP_CHAT, native_stream + cut, len - cut, out);
    sy_sse_dispose(&st->sse);
}

static void passes_a_native_stream_on_with_the_alias_wherever_reads_split(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    size_t len = strlen(native_stream);

    (void)state;
    for (size_t cut = 0; cut <= len; cut++) {
        struct sy_buf out = {0};
        struct sy_stream_state st;
        feed_native(cut, pool, &out, &st);
        if (out.ptr == NULL || strcmp(out.ptr, native_events) != 0)
            fail_msg("split at %zu:\n%s", cut, out.ptr);
        assert_true(st.saw_done);
        assert_true(st.saw_finish);
        assert_int_equal(st.usage.prompt_tokens, 9);
        assert_int_equal(st.usage.completion_tokens, 12);
        sy_buf_dispose(&out);
    }
    sy_pool_free(pool);
}

static void rewrites_the_gateways_end_of_a_native_stream(void **state)
{
    struct sy_buf out = {0};

    (void)state;
    sy_messages_native_stream_end(SY_STR("data: [DONE]\n\n"), &out);
    assert_int_equal(out.len, 0);
    sy_messages_native_stream_end(SY_STR("data: {\"error\":{\"message\":\"cut\",\"type\":"
                                         "\"upstream_error\",\"param\":null,\"code\":\"c\"}}\n\n"),
                                  &out);
    assert_string_equal(out.ptr, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                                 "\"api_error\",\"message\":\"cut\"}}\n\n");
    sy_buf_dispose(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(translates_a_system_string_and_plain_messages),
        cmocka_unit_test(puts_model_first_so_the_gateway_can_splice_it),
        cmocka_unit_test(keeps_cache_control_on_system_parts_text_parts_and_tools),
        cmocka_unit_test(turns_base64_images_into_data_urls_and_keeps_url_images),
        cmocka_unit_test(turns_pdf_and_text_documents_into_file_and_text_parts),
        cmocka_unit_test(turns_tool_use_and_tool_result_into_tool_calls_and_tool_messages),
        cmocka_unit_test(sends_no_user_message_for_a_turn_of_only_tool_results),
        cmocka_unit_test(carries_thinking_blocks_with_their_signatures),
        cmocka_unit_test(maps_sampling_stop_sequences_metadata_tool_choice_and_stream),
        cmocka_unit_test(copies_numbers_byte_for_byte),
        cmocka_unit_test(refuses_invalid_requests_naming_the_field),
        cmocka_unit_test(reports_what_only_an_anthropic_provider_can_take),
        cmocka_unit_test(counts_a_quarter_of_the_text_bytes_plus_three_per_message),
        cmocka_unit_test(translates_a_text_answer_with_usage_and_the_alias),
        cmocka_unit_test(turns_tool_calls_into_tool_use_blocks_with_parsed_input),
        cmocka_unit_test(maps_finish_reasons_to_stop_reasons),
        cmocka_unit_test(reports_cache_reads_and_writes_apart_from_input_tokens),
        cmocka_unit_test(puts_thinking_with_its_signature_before_the_text),
        cmocka_unit_test(refuses_answers_that_are_not_chat_completions),
        cmocka_unit_test(translates_a_text_stream_into_anthropic_events),
        cmocka_unit_test(gives_the_same_events_wherever_reads_split_the_stream),
        cmocka_unit_test(gives_each_tool_call_its_own_block_with_input_json_deltas),
        cmocka_unit_test(streams_thinking_then_its_signature_then_text),
        cmocka_unit_test(turns_an_in_band_error_into_an_error_event_and_then_stays_quiet),
        cmocka_unit_test(ends_with_an_error_event_when_an_event_is_not_json),
        cmocka_unit_test(answers_a_stream_without_chunks_with_an_empty_message),
        cmocka_unit_test(folds_a_gemini_thought_signature_into_the_tool_use_id_and_back),
        cmocka_unit_test(sends_the_clients_body_natively_with_only_the_model_replaced),
        cmocka_unit_test(passes_a_native_answer_on_with_the_alias_and_reads_its_usage),
        cmocka_unit_test(passes_a_native_stream_on_with_the_alias_wherever_reads_split),
        cmocka_unit_test(rewrites_the_gateways_end_of_a_native_stream),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
