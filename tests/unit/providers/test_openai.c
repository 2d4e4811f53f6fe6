/* tests/unit/providers/test_openai.c - tests src/providers/openai.c: request
 * rewriting, response and stream translation for the openai and azure kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

/* Scans `body` the way api/proxy.c does, enough for these tests. */
static struct sy_client_request scan(const char *body, bool is_stream)
{
    struct sy_client_request c = {.raw = sy_str_c(body), .is_stream = is_stream};
    struct sy_json_iter it;
    struct sy_json_member m;

    assert_int_equal(sy_json_validate(body, strlen(body), 64, NULL), SY_JSON_OBJECT);
    sy_json_iter_init(&it, c.raw);
    while (sy_json_next_member(&it, &m)) {
        if (sy_str_eq_c(m.key, "model"))
            c.model_values[c.model_values_count++] = m.value;
        if (sy_str_eq_c(m.key, "stream_options")) {
            struct sy_json_member u;
            c.stream_options = m.value;
            c.include_usage = sy_json_get(m.value, "include_usage", &u) && u.type == SY_JSON_TRUE;
        }
    }
    return c;
}

static struct sy_config_provider provider(const char *key)
{
    struct sy_config_provider p = {
        .name = "p", .base_url = "http://up.example/v1", .api_key = (char *)key};

    return p;
}

static void build(enum sy_provider_kind kind, const char *body, bool is_stream,
                  struct sy_pool *pool, struct sy_upstream_call *out)
{
    struct sy_config_provider p = provider("sk-up");
    struct sy_client_request c = scan(body, is_stream);
    struct sy_build_ctx ctx = {
        .pool = pool, .ep = SY_EP_CHAT, .prov = &p, .upstream_model = "gpt-4o-mini", .creq = &c};

    assert_int_equal(sy_provider_get(kind)->build(&ctx, out), SY_OK);
}

static void replaces_every_model_and_keeps_the_rest_byte_for_byte(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_upstream_call out = {0};

    (void)state;
    build(SY_KIND_OPENAI,
          "{\"model\":\"fast\",\"temperature\":0.7,\"x\":{\"model\":\"inner\"},\"model\":\"f2\"}",
          false, pool, &out);
    assert_string_equal(out.url, "http://up.example/v1/chat/completions");
    assert_string_equal(out.body.ptr, "{\"model\":\"gpt-4o-mini\",\"temperature\":0.7,"
                                      "\"x\":{\"model\":\"inner\"},\"model\":\"gpt-4o-mini\"}");
    assert_string_equal(out.headers[1], "Authorization: Bearer sk-up");
    sy_pool_free(pool);
}

static void asks_for_usage_on_streams_the_client_did_not_ask_for(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_upstream_call out = {0};

    (void)state;
    build(SY_KIND_OPENAI, "{\"model\":\"fast\",\"stream\":true }", true, pool, &out);
    assert_string_equal(out.body.ptr, "{\"model\":\"gpt-4o-mini\",\"stream\":true ,"
                                      "\"stream_options\":{\"include_usage\":true}}");
    build(SY_KIND_OPENAI, "{\"model\":\"fast\",\"stream\":true,\"stream_options\":{\"x\":1}}", true,
          pool, &out);
    assert_string_equal(out.body.ptr, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                                      "\"stream_options\":{\"include_usage\":true,\"x\":1}}");
    build(SY_KIND_OPENAI,
          "{\"model\":\"fast\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", true,
          pool, &out);
    assert_string_equal(out.body.ptr, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                                      "\"stream_options\":{\"include_usage\":true}}");
    sy_pool_free(pool);
}

static void drops_fields_openai_refuses_from_requests_translated_from_another_api(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_config_provider p = provider("sk-up");
    const char *body =
        "{\"model\":\"fast\",\"top_k\":5,\"thinking\":{\"type\":\"enabled\"},"
        "\"tools\":[{\"type\":\"function\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
        "\"messages\":[{\"role\":\"assistant\",\"thinking_blocks\":[],\"content\":"
        "[{\"type\":\"text\",\"text\":\"a\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}";
    struct sy_client_request c = scan(body, false);
    struct sy_build_ctx ctx = {
        .pool = pool, .ep = SY_EP_CHAT, .prov = &p, .upstream_model = "gpt-4o-mini", .creq = &c};
    struct sy_upstream_call out = {0};

    (void)state;
    c.has_extensions = true;
    assert_int_equal(sy_provider_openai.build(&ctx, &out), SY_OK);
    assert_string_equal(out.body.ptr,
                        "{\"model\":\"gpt-4o-mini\",\"tools\":[{\"type\":\"function\"}],"
                        "\"messages\":[{\"role\":\"assistant\",\"content\":"
                        "[{\"type\":\"text\",\"text\":\"a\"}]}]}");
    sy_pool_free(pool);
}

static void builds_the_azure_deployment_url_and_key_header(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_upstream_call out = {0};

    (void)state;
    build(SY_KIND_AZURE, "{\"model\":\"fast\"}", false, pool, &out);
    assert_string_equal(out.url, "http://up.example/v1/openai/deployments/gpt-4o-mini/chat/"
                                 "completions?api-version=2024-10-21");
    assert_string_equal(out.headers[1], "api-key: sk-up");
    sy_pool_free(pool);
}

static void reports_the_alias_and_reads_usage_from_a_response(void **state)
{
    const char *body = "{\"id\":\"x\",\"model\":\"gpt-4o-mini-2024\",\"choices\":[],"
                       "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,"
                       "\"prompt_tokens_details\":{\"cached_tokens\":8},"
                       "\"completion_tokens_details\":{\"reasoning_tokens\":2}}}";
    struct sy_buf out = {0};
    struct sy_usage usage = {0};

    (void)state;
    assert_int_equal(
        sy_provider_openai.translate_response(SY_EP_CHAT, "fast", body, strlen(body), &out, &usage),
        SY_OK);
    assert_non_null(strstr(out.ptr, "\"model\":\"fast\""));
    assert_null(strstr(out.ptr, "gpt-4o-mini-2024"));
    assert_true(usage.seen);
    assert_int_equal(usage.prompt_tokens, 12);
    assert_int_equal(usage.completion_tokens, 3);
    assert_int_equal(usage.cached_tokens, 8);
    assert_int_equal(usage.reasoning_tokens, 2);
    sy_buf_dispose(&out);
}

static void refuses_a_response_that_is_not_a_json_object(void **state)
{
    struct sy_buf out = {0};
    struct sy_usage usage = {0};

    (void)state;
    assert_int_equal(
        sy_provider_openai.translate_response(SY_EP_CHAT, "a", "{\"x\":", 5, &out, &usage),
        SY_ERR_UPSTREAM);
    assert_int_equal(sy_provider_openai.translate_response(SY_EP_CHAT, "a", "[1]", 3, &out, &usage),
                     SY_ERR_UPSTREAM);
    sy_buf_dispose(&out);
}

/* Frees what event() set up in `st`. */
static void end_stream(struct sy_stream_state *st)
{
    sy_sse_dispose(&st->sse);
    sy_pool_free(st->pool);
}

/* Feeds one upstream SSE event with `data`, as bytes on the wire. */
static enum sy_stream_next event(struct sy_stream_state *st, const char *data, struct sy_buf *out)
{
    struct sy_buf wire = {0};
    enum sy_stream_next next;

    if (st->max_event_bytes == 0) {
        st->max_event_bytes = 1 << 16;
        sy_sse_init(&st->sse, st->max_event_bytes);
        st->pool = sy_pool_new(); /* freed by end_stream() */
    }
    sy_buf_appendf(&wire, "data: %s\n\n", data);
    next = sy_provider_openai.stream_feed(st, SY_EP_CHAT, wire.ptr, wire.len, out);
    sy_buf_dispose(&wire);
    return next;
}

static void keeps_usage_from_clients_that_did_not_ask_for_it(void **state)
{
    struct sy_stream_state st = {.alias = "fast"};
    struct sy_buf out = {0};

    (void)state;
    assert_int_equal(event(&st,
                           "{\"usage\":null,\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":"
                           "\"hi\"},\"finish_reason\":null}]}",
                           &out),
                     SY_STREAM_CONTINUE);
    assert_string_equal(out.ptr, "data: {\"model\":\"fast\",\"choices\":[{\"delta\":{\"content\":"
                                 "\"hi\"},\"finish_reason\":null}]}\n\n");
    sy_buf_reset(&out);
    assert_int_equal(event(&st,
                           "{\"model\":\"m\",\"choices\":[{\"finish_reason\":\"stop\"}],"
                           "\"usage\":null}",
                           &out),
                     SY_STREAM_CONTINUE);
    assert_string_equal(
        out.ptr, "data: {\"model\":\"fast\",\"choices\":[{\"finish_reason\":\"stop\"}]}\n\n");
    assert_true(st.saw_finish);
    sy_buf_reset(&out);
    assert_int_equal(event(&st,
                           "{\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,"
                           "\"completion_tokens\":2}}",
                           &out),
                     SY_STREAM_CONTINUE);
    assert_int_equal(out.len, 0); /* the usage-only chunk is not for this client */
    assert_int_equal(st.usage.prompt_tokens, 4);
    assert_int_equal(st.usage.completion_tokens, 2);
    assert_int_equal(event(&st, "[DONE]", &out), SY_STREAM_DONE);
    assert_string_equal(out.ptr, "data: [DONE]\n\n");
    assert_true(st.saw_done);
    end_stream(&st);
    sy_buf_dispose(&out);
}

static void passes_the_usage_chunk_to_clients_that_asked(void **state)
{
    struct sy_stream_state st = {.alias = "fast", .client_wants_usage = true};
    struct sy_buf out = {0};

    (void)state;
    event(&st, "{\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":4}}", &out);
    assert_string_equal(
        out.ptr, "data: {\"model\":\"fast\",\"choices\":[],\"usage\":{\"prompt_tokens\":4}}\n\n");
    end_stream(&st);
    sy_buf_dispose(&out);
}

static void calls_a_chunk_that_is_not_json_malformed(void **state)
{
    struct sy_stream_state st = {.alias = "fast"};
    struct sy_buf out = {0};

    (void)state;
    assert_int_equal(event(&st, "{not json", &out), SY_STREAM_MALFORMED);
    assert_int_equal(out.len, 0);
    end_stream(&st);
    sy_buf_dispose(&out);
}

static void writes_in_band_errors_as_valid_json_events(void **state)
{
    struct sy_buf out = {0};

    (void)state;
    sy_provider_stream_error(&out, "cut \"here\"", "upstream_error", "upstream_stream_cut");
    assert_string_equal(out.ptr, "data: {\"error\":{\"message\":\"cut \\\"here\\\"\",\"type\":"
                                 "\"upstream_error\",\"param\":null,\"code\":"
                                 "\"upstream_stream_cut\"}}\n\n");
    sy_buf_dispose(&out);
}

static void quotes_the_message_of_a_provider_error(void **state)
{
    struct sy_pool *pool = sy_pool_new();
    const char *body = "{\"error\":{\"message\":\"context too long\",\"type\":\"x\"}}";

    (void)state;
    assert_string_equal(sy_provider_error_message(pool, body, strlen(body)), "context too long");
    assert_null(sy_provider_error_message(pool, "<html>", 6));
    sy_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replaces_every_model_and_keeps_the_rest_byte_for_byte),
        cmocka_unit_test(asks_for_usage_on_streams_the_client_did_not_ask_for),
        cmocka_unit_test(builds_the_azure_deployment_url_and_key_header),
        cmocka_unit_test(drops_fields_openai_refuses_from_requests_translated_from_another_api),
        cmocka_unit_test(reports_the_alias_and_reads_usage_from_a_response),
        cmocka_unit_test(refuses_a_response_that_is_not_a_json_object),
        cmocka_unit_test(keeps_usage_from_clients_that_did_not_ask_for_it),
        cmocka_unit_test(passes_the_usage_chunk_to_clients_that_asked),
        cmocka_unit_test(calls_a_chunk_that_is_not_json_malformed),
        cmocka_unit_test(writes_in_band_errors_as_valid_json_events),
        cmocka_unit_test(quotes_the_message_of_a_provider_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
