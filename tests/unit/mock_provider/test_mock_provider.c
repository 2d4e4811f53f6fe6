/* tests/unit/mock_provider/test_mock_provider.c - tests tools/mock_provider over real sockets.
 *
 * One provider (two threads, an ephemeral port) serves the whole group; each test talks to it
 * with the small blocking HTTP/1.1 client below and resets the ledger first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/str.h"
#include "mock_provider/client.h"
#include "mock_provider/mock_provider.h"

static uint16_t port;

/* ---- A blocking HTTP client ---------------------------------------------------------- */

static int connect_to_mock(void)
{
    return client_connect(port);
}

/* Sends `method path` with `headers` (each ending in CRLF) and `body`; reads the answer. */
static void request(const char *method, const char *path, const char *headers, const char *body,
                    struct response *r)
{
    struct sy_buf req = {0}, in = {0};
    int fd = connect_to_mock();

    sy_buf_appendf(&req, "%s %s HTTP/1.1\r\nhost: mock\r\n%s", method, path,
                   headers != NULL ? headers : "");
    if (body != NULL)
        sy_buf_appendf(&req, "content-type: application/json\r\ncontent-length: %zu\r\n\r\n%s",
                       strlen(body), body);
    else
        SY_BUF_APPEND_LIT(&req, "\r\n");
    client_send_all(fd, req.ptr, req.len);
    read_response(fd, &in, r);
    close(fd);
    sy_buf_dispose(&req);
    sy_buf_dispose(&in);
}

static json_t *parse_json(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    if (j == NULL)
        fail_msg("not JSON (%s): %s", err.text, text);
    return j;
}

static json_t *post_json(const char *path, const char *headers, const char *body, int status)
{
    struct response r;
    json_t *j;

    request("POST", path, headers, body, &r);
    assert_int_equal(r.status, status);
    j = parse_json(r.body);
    response_dispose(&r);
    return j;
}

/* The data payloads of an SSE body, in order. */
struct events {
    char *items[256];
    size_t count;
};

static void split_events(const char *body, struct events *ev)
{
    const char *p = body;

    ev->count = 0;
    while (*p != '\0') {
        const char *end = strstr(p, "\n\n");

        assert_non_null(end);
        assert_memory_equal(p, "data: ", 6);
        assert_true(ev->count < 256);
        ev->items[ev->count++] = strndup(p + 6, (size_t)(end - p - 6));
        p = end + 2;
    }
}

static void events_dispose(struct events *ev)
{
    for (size_t i = 0; i < ev->count; i++)
        free(ev->items[i]);
}

static void reset_ledger(void)
{
    json_t *j = post_json("/mock/reset", NULL, "", 200);

    json_decref(j);
}

static json_t *get_ledger(void)
{
    struct response r;
    json_t *j;

    request("GET", "/mock/ledger", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    j = parse_json(r.body);
    response_dispose(&r);
    return j;
}

/* Polls the ledger until it has `count` entries (recorded when a closed connection is
 * noticed), for at most two seconds. */
static json_t *wait_for_ledger(size_t count)
{
    for (int i = 0; i < 200; i++) {
        json_t *j = get_ledger();

        if (json_array_size(json_object_get(j, "requests")) >= count)
            return j;
        json_decref(j);
        usleep(10000);
    }
    fail_msg("the ledger never reached %zu entries", count);
    return NULL;
}

static const char *str_at(json_t *j, const char *path)
{
    json_t *v = json_object_get(j, path);

    assert_true(json_is_string(v));
    return json_string_value(v);
}

static json_int_t int_at(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);

    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

#define CHAT_BODY(model, extra, text)                                                        \
    "{\"model\":\"" model "\"" extra ",\"messages\":[{\"role\":\"system\",\"content\":\"be " \
    "brief\"},{\"role\":\"user\",\"content\":\"" text "\"}]}"

/* ---- Setup ----------------------------------------------------------------------------- */

static int start_mock(void **state)
{
    struct sy_mock_provider *mp;

    if (sy_mock_provider_start("127.0.0.1", 0, 2, &mp, &port) != 0)
        return -1;
    *state = mp;
    return 0;
}

static int stop_mock(void **state)
{
    sy_mock_provider_stop(*state);
    return 0;
}

/* ---- Tests ----------------------------------------------------------------------------- */

static void answers_a_chat_completion_with_the_echo_and_usage(void **state)
{
    json_t *j, *choice, *usage;

    (void)state;
    reset_ledger();
    j = post_json("/v1/chat/completions", NULL, CHAT_BODY("gpt-4o-mini", "", "hello there world"),
                  200);
    assert_string_equal(str_at(j, "id"), "chatcmpl-mock-1");
    assert_string_equal(str_at(j, "object"), "chat.completion");
    assert_string_equal(str_at(j, "model"), "gpt-4o-mini");
    assert_true(int_at(j, "created") > 1600000000);
    choice = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(str_at(choice, "finish_reason"), "stop");
    assert_string_equal(str_at(json_object_get(choice, "message"), "role"), "assistant");
    assert_string_equal(str_at(json_object_get(choice, "message"), "content"),
                        "mock: hello there world");
    usage = json_object_get(j, "usage");
    assert_int_equal(int_at(usage, "prompt_tokens"), 2 + 3 + 3 * 2); /* words + 3 per message */
    assert_int_equal(int_at(usage, "completion_tokens"), 4);
    assert_int_equal(int_at(usage, "total_tokens"), 15);
    json_decref(j);
}

static void accepts_the_path_without_v1_and_content_parts(void **state)
{
    json_t *j, *msg;

    (void)state;
    j = post_json(
        "/chat/completions", NULL,
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        "\"text\":\"a b\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},"
        "{\"type\":\"text\",\"text\":\"c\\u00e9\"}]}]}",
        200);
    msg = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message");
    assert_string_equal(str_at(msg, "content"), "mock: a b c\xc3\xa9");
    assert_int_equal(int_at(json_object_get(j, "usage"), "prompt_tokens"), 3 + 3);
    json_decref(j);
}

static void streams_a_chat_completion_word_by_word_and_ends_with_done(void **state)
{
    struct response r;
    struct events ev;
    struct sy_buf content = {0};
    size_t len;

    (void)state;
    request("POST", "/v1/chat/completions", NULL,
            CHAT_BODY("m", ",\"stream\":true", "one two three"), &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(find_header(r.head, "content-type", &len), "text/event-stream", 17);
    split_events(r.body, &ev);
    /* role, "mock: ", "one ", "two ", "three", finish, [DONE] */
    assert_int_equal(ev.count, 7);
    for (size_t i = 0; i + 1 < ev.count; i++) {
        json_t *chunk = parse_json(ev.items[i]);
        json_t *choice = json_array_get(json_object_get(chunk, "choices"), 0);
        json_t *delta = json_object_get(choice, "delta");

        assert_string_equal(str_at(chunk, "object"), "chat.completion.chunk");
        assert_string_equal(str_at(chunk, "model"), "m");
        assert_null(json_object_get(chunk, "usage"));
        if (i == 0) {
            assert_string_equal(str_at(delta, "role"), "assistant");
            assert_string_equal(str_at(delta, "content"), "");
        } else if (i < 5) {
            sy_buf_append(&content, str_at(delta, "content"), strlen(str_at(delta, "content")));
            assert_true(json_is_null(json_object_get(choice, "finish_reason")));
        } else {
            assert_int_equal(json_object_size(delta), 0);
            assert_string_equal(str_at(choice, "finish_reason"), "stop");
        }
        json_decref(chunk);
    }
    assert_string_equal(content.ptr, "mock: one two three");
    assert_string_equal(ev.items[6], "[DONE]");
    events_dispose(&ev);
    sy_buf_dispose(&content);
    response_dispose(&r);
}

static void adds_a_usage_chunk_when_include_usage_is_set(void **state)
{
    struct response r;
    struct events ev;
    json_t *chunk, *usage;

    (void)state;
    request("POST", "/v1/chat/completions", "x-mock-chunks: 2\r\n",
            CHAT_BODY("m", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}",
                      "one two three"),
            &r);
    split_events(r.body, &ev);
    /* role, two pieces, finish, usage, [DONE] */
    assert_int_equal(ev.count, 6);
    chunk = parse_json(ev.items[4]);
    assert_int_equal(json_array_size(json_object_get(chunk, "choices")), 0);
    usage = json_object_get(chunk, "usage");
    assert_int_equal(int_at(usage, "prompt_tokens"), 5 + 6);
    assert_int_equal(int_at(usage, "completion_tokens"), 4);
    assert_int_equal(int_at(usage, "total_tokens"), 15);
    json_decref(chunk);
    assert_string_equal(ev.items[5], "[DONE]");
    events_dispose(&ev);
    response_dispose(&r);
}

static void answers_with_the_status_the_knobs_ask_for(void **state)
{
    struct response r;
    json_t *j, *err;
    size_t len;

    (void)state;
    request("POST", "/v1/chat/completions", "x-mock-status: 429\r\n", CHAT_BODY("m", "", "hi"), &r);
    assert_int_equal(r.status, 429);
    assert_memory_equal(find_header(r.head, "retry-after", &len), "1", 1);
    j = parse_json(r.body);
    err = json_object_get(j, "error");
    assert_string_equal(str_at(err, "message"), "mock error 429");
    assert_true(json_is_null(json_object_get(err, "param")));
    assert_non_null(json_object_get(err, "type"));
    assert_non_null(json_object_get(err, "code"));
    json_decref(j);
    response_dispose(&r);

    /* From the model suffix; a header wins over it. */
    j = post_json("/v1/chat/completions", NULL, CHAT_BODY("gpt-4o-mini@status=503", "", "hi"), 503);
    assert_string_equal(str_at(json_object_get(j, "error"), "type"), "server_error");
    json_decref(j);
    j = post_json("/v1/chat/completions", "x-mock-status: 500\r\n",
                  CHAT_BODY("gpt-4o-mini@status=503", "", "hi"), 500);
    json_decref(j);
    /* Not a number: ignored. */
    j = post_json("/v1/chat/completions", "x-mock-status: soon\r\n", CHAT_BODY("m", "", "hi"), 200);
    json_decref(j);
}

static void strips_the_knob_suffix_and_uses_the_content_knob(void **state)
{
    json_t *j, *msg;

    (void)state;
    j = post_json("/v1/chat/completions", NULL, CHAT_BODY("m@content=fixed reply", "", "hi"), 200);
    assert_string_equal(str_at(j, "model"), "m");
    msg = json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message");
    assert_string_equal(str_at(msg, "content"), "fixed reply");
    json_decref(j);
}

static void records_requests_in_the_ledger_and_clears_them_on_reset(void **state)
{
    json_t *j, *ledger, *e, *headers, *totals;

    (void)state;
    reset_ledger();
    j = post_json("/v1/chat/completions",
                  "authorization: Bearer sk-1\r\nx-request-id: r1\r\nX-Mock-Latency-Ms: 1\r\n",
                  CHAT_BODY("m", "", "a b"), 200);
    json_decref(j);
    j = post_json("/v1/chat/completions", NULL, CHAT_BODY("m@status=502", "", "a b"), 502);
    json_decref(j);

    ledger = get_ledger();
    assert_int_equal(json_array_size(json_object_get(ledger, "requests")), 2);
    e = json_array_get(json_object_get(ledger, "requests"), 0);
    assert_int_equal(int_at(e, "seq"), 1);
    assert_string_equal(str_at(e, "path"), "/v1/chat/completions");
    assert_string_equal(str_at(e, "model"), "m");
    assert_true(json_is_false(json_object_get(e, "stream")));
    assert_int_equal(int_at(e, "status"), 200);
    assert_int_equal(int_at(e, "prompt_tokens"), 4 + 6);
    assert_int_equal(int_at(e, "completion_tokens"), 3);
    assert_string_equal(str_at(e, "outcome"), "ok");
    assert_string_equal(str_at(e, "authorization"), "Bearer sk-1");
    assert_true(json_is_null(json_object_get(e, "api_key")));
    headers = json_object_get(e, "headers");
    assert_int_equal(json_object_size(headers), 2);
    assert_string_equal(str_at(headers, "x-request-id"), "r1");
    assert_string_equal(str_at(headers, "x-mock-latency-ms"), "1");
    e = json_array_get(json_object_get(ledger, "requests"), 1);
    assert_int_equal(int_at(e, "seq"), 2);
    assert_int_equal(int_at(e, "status"), 502);
    assert_string_equal(str_at(e, "outcome"), "error");
    assert_int_equal(int_at(e, "completion_tokens"), 0);
    totals = json_object_get(ledger, "totals");
    assert_int_equal(int_at(totals, "requests"), 2);
    assert_int_equal(int_at(totals, "prompt_tokens"), 10);
    assert_int_equal(int_at(totals, "completion_tokens"), 3);
    json_decref(ledger);

    reset_ledger();
    ledger = get_ledger();
    assert_int_equal(json_array_size(json_object_get(ledger, "requests")), 0);
    assert_int_equal(int_at(json_object_get(ledger, "totals"), "requests"), 0);
    json_decref(ledger);
}

static void counts_only_the_tokens_sent_before_a_reset(void **state)
{
    struct response r;
    struct events ev;
    json_t *ledger, *e;

    (void)state;
    reset_ledger();
    request("POST", "/v1/chat/completions", "x-mock-reset-after: 2\r\n",
            CHAT_BODY("m", ",\"stream\":true", "a b c d"), &r);
    assert_true(r.was_reset);
    split_events(r.body, &ev);
    assert_int_equal(ev.count, 3); /* the role and two pieces */
    events_dispose(&ev);
    response_dispose(&r);
    ledger = wait_for_ledger(1);
    e = json_array_get(json_object_get(ledger, "requests"), 0);
    assert_string_equal(str_at(e, "outcome"), "reset");
    assert_int_equal(int_at(e, "completion_tokens"), 2);
    json_decref(ledger);
}

static void records_a_client_that_leaves_early_as_client_closed(void **state)
{
    const char *body = CHAT_BODY("m", ",\"stream\":true", "a b c d e f");
    struct sy_buf req = {0};
    json_t *ledger, *e;
    char buf[4096];
    int fd = connect_to_mock();

    (void)state;
    reset_ledger();
    sy_buf_appendf(&req,
                   "POST /v1/chat/completions HTTP/1.1\r\nx-mock-chunk-delay-ms: 200\r\n"
                   "content-length: %zu\r\n\r\n%s",
                   strlen(body), body);
    client_send_all(fd, req.ptr, req.len);
    assert_true(recv(fd, buf, sizeof(buf), 0) > 0); /* the head and the first piece */
    close(fd);
    ledger = wait_for_ledger(1);
    e = json_array_get(json_object_get(ledger, "requests"), 0);
    assert_string_equal(str_at(e, "outcome"), "client_closed");
    assert_true(int_at(e, "completion_tokens") < 7);
    json_decref(ledger);
    sy_buf_dispose(&req);
}

static void calls_the_first_tool_when_asked(void **state)
{
    const char *body = "{\"model\":\"m\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
                       "\"lookup\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"please call "
                       "a tool\"}]}";
    json_t *j, *choice, *call;

    (void)state;
    j = post_json("/v1/chat/completions", NULL, body, 200);
    choice = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(str_at(choice, "finish_reason"), "tool_calls");
    assert_true(json_is_null(json_object_get(json_object_get(choice, "message"), "content")));
    call = json_array_get(json_object_get(json_object_get(choice, "message"), "tool_calls"), 0);
    assert_string_equal(str_at(call, "id"), "call_mock_1");
    assert_string_equal(str_at(json_object_get(call, "function"), "name"), "lookup");
    assert_string_equal(str_at(json_object_get(call, "function"), "arguments"),
                        "{\"query\":\"please call a tool\"}");
    json_decref(j);
}

static void returns_deterministic_unit_embeddings_of_the_requested_length(void **state)
{
    json_t *a, *b, *c, *vec;
    double sum = 0;
    size_t i;
    json_t *x;

    (void)state;
    a = post_json("/v1/embeddings", NULL,
                  "{\"model\":\"e\",\"input\":[\"alpha\",\"beta\"],\"dimensions\":16}", 200);
    b = post_json("/v1/embeddings", NULL, "{\"model\":\"e\",\"input\":\"alpha\",\"dimensions\":16}",
                  200);
    c = post_json("/v1/embeddings", NULL, "{\"model\":\"e\",\"input\":\"alpha\"}", 200);
    assert_string_equal(str_at(a, "object"), "list");
    assert_int_equal(json_array_size(json_object_get(a, "data")), 2);
    vec = json_object_get(json_array_get(json_object_get(a, "data"), 0), "embedding");
    assert_int_equal(json_array_size(vec), 16);
    json_array_foreach(vec, i, x) {
        sum += json_real_value(x) * json_real_value(x);
    }
    assert_true(sum > 0.9999 && sum < 1.0001);
    assert_true(json_equal(
        vec, json_object_get(json_array_get(json_object_get(b, "data"), 0), "embedding")));
    assert_false(json_equal(
        vec, json_object_get(json_array_get(json_object_get(a, "data"), 1), "embedding")));
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(c, "data"), 0),
                                                     "embedding")),
                     8);
    assert_int_equal(int_at(json_object_get(a, "usage"), "prompt_tokens"), 2);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void encodes_embeddings_as_little_endian_float32_in_base64(void **state)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    json_t *f, *b, *floats;
    const char *text;
    unsigned char raw[64];
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;

    (void)state;
    f = post_json("/v1/embeddings", NULL, "{\"model\":\"e\",\"input\":\"x y\"}", 200);
    b = post_json("/v1/embeddings", NULL,
                  "{\"model\":\"e\",\"input\":\"x y\",\"encoding_format\":\"base64\"}", 200);
    text = str_at(json_array_get(json_object_get(b, "data"), 0), "embedding");
    floats = json_object_get(json_array_get(json_object_get(f, "data"), 0), "embedding");
    for (const char *p = text; *p != '\0' && *p != '='; p++) {
        acc = (acc << 6) | (uint32_t)(strchr(abc, *p) - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw[n++] = (unsigned char)(acc >> bits);
        }
    }
    assert_int_equal(n, 8 * 4);
    for (size_t i = 0; i < 8; i++) {
        uint32_t u = raw[4 * i] | raw[4 * i + 1] << 8 | raw[4 * i + 2] << 16 |
                     (uint32_t)raw[4 * i + 3] << 24;
        float v;

        memcpy(&v, &u, 4);
        /* The float list has nine significant digits: exactly this float32 again. */
        assert_true(v == (float)json_real_value(json_array_get(floats, i)));
    }
    json_decref(f);
    json_decref(b);
}

static void serves_the_azure_path_and_requires_api_version(void **state)
{
    json_t *j, *ledger, *e;

    (void)state;
    reset_ledger();
    j = post_json("/openai/deployments/my-dep/chat/completions?api-version=2024-06-01",
                  "api-key: azure-secret\r\n",
                  "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 200);
    assert_string_equal(str_at(j, "model"), "my-dep");
    json_decref(j);
    j = post_json("/openai/deployments/my-dep/chat/completions", "api-key: azure-secret\r\n",
                  "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 404);
    assert_non_null(json_object_get(json_object_get(j, "error"), "message"));
    json_decref(j);
    j = post_json("/openai/deployments/emb/embeddings?api-version=2024-06-01", NULL,
                  "{\"input\":\"hi\"}", 200);
    assert_string_equal(str_at(j, "model"), "emb");
    json_decref(j);

    ledger = get_ledger();
    e = json_array_get(json_object_get(ledger, "requests"), 0);
    assert_string_equal(str_at(e, "api_key"), "azure-secret");
    assert_string_equal(str_at(e, "model"), "my-dep");
    json_decref(ledger);
}

static void lists_models_and_answers_health(void **state)
{
    struct response r;
    json_t *j;

    (void)state;
    request("GET", "/v1/models", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    j = parse_json(r.body);
    assert_string_equal(str_at(j, "object"), "list");
    assert_string_equal(str_at(json_array_get(json_object_get(j, "data"), 0), "id"), "mock-model");
    assert_string_equal(str_at(json_array_get(json_object_get(j, "data"), 1), "id"), "gpt-4o-mini");
    json_decref(j);
    response_dispose(&r);
    request("GET", "/health", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    response_dispose(&r);
}

static void answers_pipelined_and_chunked_requests_in_order(void **state)
{
    const char *body = CHAT_BODY("m", "", "x");
    struct sy_buf req = {0}, in = {0};
    struct response r;
    int fd = connect_to_mock();

    (void)state;
    sy_buf_appendf(&req, "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: %zu\r\n\r\n%s",
                   strlen(body), body);
    /* The same body again, in chunks of 10 bytes, with a trailer. */
    SY_BUF_APPEND_LIT(&req, "POST /v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n"
                            "x-mock-content: second\r\n\r\n");
    for (size_t i = 0; i < strlen(body); i += 10) {
        size_t n = strlen(body) - i < 10 ? strlen(body) - i : 10;

        sy_buf_appendf(&req, "%zx\r\n%.*s\r\n", n, (int)n, body + i);
    }
    SY_BUF_APPEND_LIT(&req, "0\r\nx-trailer: 1\r\n\r\nGET /health HTTP/1.1\r\n\r\n");
    client_send_all(fd, req.ptr, req.len);

    read_response(fd, &in, &r);
    assert_non_null(strstr(r.body, "\"mock: x\""));
    response_dispose(&r);
    read_response(fd, &in, &r);
    assert_non_null(strstr(r.body, "\"second\""));
    response_dispose(&r);
    read_response(fd, &in, &r);
    assert_string_equal(r.body, "ok");
    response_dispose(&r);
    close(fd);
    sy_buf_dispose(&req);
    sy_buf_dispose(&in);
}

static void refuses_what_is_not_http_with_400_and_closes(void **state)
{
    struct sy_buf in = {0};
    struct response r;
    json_t *j;
    int fd = connect_to_mock();
    char c;

    (void)state;
    client_send_all(fd, "NOT HTTP AT ALL\r\n\r\n", 19);
    read_response(fd, &in, &r);
    assert_int_equal(r.status, 400);
    j = parse_json(r.body);
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);
    assert_int_equal(recv(fd, &c, 1, 0), 0); /* closed */
    response_dispose(&r);
    close(fd);
    sy_buf_dispose(&in);
}

static void refuses_a_body_over_16_mib_with_413(void **state)
{
    json_t *j;
    struct response r;

    (void)state;
    request("POST", "/v1/chat/completions", "content-length: 16777217\r\n", NULL, &r);
    assert_int_equal(r.status, 413);
    j = parse_json(r.body);
    json_decref(j);
    response_dispose(&r);
}

static void waits_the_latency_without_blocking_other_connections(void **state)
{
    const char *body = CHAT_BODY("m", "", "slow");
    struct sy_buf req = {0}, in = {0};
    struct response r;
    struct timespec t0, t1;
    int slow = connect_to_mock();

    (void)state;
    sy_buf_appendf(&req,
                   "POST /v1/chat/completions HTTP/1.1\r\nx-mock-latency-ms: 400\r\n"
                   "content-length: %zu\r\n\r\n%s",
                   strlen(body), body);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    client_send_all(slow, req.ptr, req.len);
    /* Both threads keep answering others meanwhile. */
    for (int i = 0; i < 20; i++) {
        request("GET", "/health", NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        response_dispose(&r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 400);
    read_response(slow, &in, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r.status, 200);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 400);
    response_dispose(&r);
    close(slow);
    sy_buf_dispose(&req);
    sy_buf_dispose(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_a_chat_completion_with_the_echo_and_usage),
        cmocka_unit_test(accepts_the_path_without_v1_and_content_parts),
        cmocka_unit_test(streams_a_chat_completion_word_by_word_and_ends_with_done),
        cmocka_unit_test(adds_a_usage_chunk_when_include_usage_is_set),
        cmocka_unit_test(answers_with_the_status_the_knobs_ask_for),
        cmocka_unit_test(strips_the_knob_suffix_and_uses_the_content_knob),
        cmocka_unit_test(records_requests_in_the_ledger_and_clears_them_on_reset),
        cmocka_unit_test(counts_only_the_tokens_sent_before_a_reset),
        cmocka_unit_test(records_a_client_that_leaves_early_as_client_closed),
        cmocka_unit_test(calls_the_first_tool_when_asked),
        cmocka_unit_test(returns_deterministic_unit_embeddings_of_the_requested_length),
        cmocka_unit_test(encodes_embeddings_as_little_endian_float32_in_base64),
        cmocka_unit_test(serves_the_azure_path_and_requires_api_version),
        cmocka_unit_test(lists_models_and_answers_health),
        cmocka_unit_test(answers_pipelined_and_chunked_requests_in_order),
        cmocka_unit_test(refuses_what_is_not_http_with_400_and_closes),
        cmocka_unit_test(refuses_a_body_over_16_mib_with_413),
        cmocka_unit_test(waits_the_latency_without_blocking_other_connections),
    };

    return cmocka_run_group_tests(tests, start_mock, stop_mock);
}
