/* bench/translate.c - CPU cost of translation alone, per kind, no I/O.
 *
 * For each provider kind: builds the upstream request from bench/chat.json,
 * translates a typical non-streamed answer, and a 20-chunk stream, many times,
 * and prints nanoseconds per operation. The end-to-end numbers in
 * docs/BENCHMARKS.md include the kernel and the fake provider; these do not.
 *
 *   make bench       (runs it after the wrk scenarios)
 *   build/release/bench-translate [iterations] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Answers and streams in each kind's own format, saying "mock: hello there". */
struct kind_case {
    enum sy_provider_kind kind;
    const char *response;
    const char *stream_event; /* repeated 20 times, then `stream_end` */
    const char *stream_end;
};

static const struct kind_case cases[] = {
    {SY_KIND_OPENAI,
     "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
     "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"mock: hello "
     "there\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":240,"
     "\"completion_tokens\":3,\"total_tokens\":243}}",
     "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
     "\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},"
     "\"finish_reason\":null}],\"usage\":null}\n\n",
     "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
     "\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":240,\"completion_tokens\":20}}"
     "\n\ndata: [DONE]\n\n"},
    {SY_KIND_ANTHROPIC,
     "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\","
     "\"content\":[{\"type\":\"text\",\"text\":\"mock: hello there\"}],\"stop_reason\":"
     "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":240,\"output_tokens\":3,"
     "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}",
     "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
     "\"delta\":{\"type\":\"text_delta\",\"text\":\"word \"}}\n\n",
     "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
     "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
     "\"end_turn\"},\"usage\":{\"output_tokens\":20}}\n\nevent: message_stop\ndata: "
     "{\"type\":\"message_stop\"}\n\n"},
    {SY_KIND_GEMINI,
     "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"mock: hello "
     "there\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{"
     "\"promptTokenCount\":240,\"candidatesTokenCount\":3,\"totalTokenCount\":243}}",
     "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"word "
     "\"}]},\"index\":0}]}\r\n\r\n",
     "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},"
     "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":240,"
     "\"candidatesTokenCount\":20,\"totalTokenCount\":260}}\r\n\r\n"},
};

/* The start of an Anthropic stream, before the repeated deltas. */
static const char anthropic_start[] =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],"
    "\"usage\":{\"input_tokens\":240,\"output_tokens\":1}}}\n\nevent: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
    "\"text\":\"\"}}\n\n";

static void scan_request(const char *body, size_t len, struct sy_client_request *c, bool stream)
{
    struct sy_json_iter it;
    struct sy_json_member m;

    memset(c, 0, sizeof(*c));
    c->raw = (struct sy_str){body, len};
    c->is_stream = stream;
    sy_json_iter_init(&it, c->raw);
    while (sy_json_next_member(&it, &m))
        if (sy_str_eq_c(m.key, "model") && c->model_values_count < 4)
            c->model_values[c->model_values_count++] = m.value;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    size_t len;
    char *body = slurp("bench/chat.json", &len);
    struct sy_buf stream = {0};

    if (body == NULL || iterations <= 0) {
        fprintf(stderr, "usage: run from the repository root: bench-translate [iterations]\n");
        return 2;
    }
    printf("| kind | build request | translate response | translate a 20-chunk stream |\n");
    printf("|---|---:|---:|---:|\n");
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const struct kind_case *kc = &cases[k];
        const struct sy_provider *prov = sy_provider_get(kc->kind);
        struct sy_config_provider cfg = {.name = "bench",
                                         .kind = kc->kind,
                                         .base_url = "http://127.0.0.1:1/v1",
                                         .api_key = "sk-bench",
                                         .api_version = "2023-06-01"};
        struct sy_client_request creq;
        double t0, build_ns, resp_ns, stream_ns;

        if (prov == NULL)
            continue;
        scan_request(body, len, &creq, false);
        t0 = now_ns();
        for (long i = 0; i < iterations; i++) {
            struct sy_pool *pool = sy_pool_new();
            struct sy_upstream_call out = {0};
            struct sy_build_ctx ctx = {.pool = pool,
                                       .ep = SY_EP_CHAT,
                                       .prov = &cfg,
                                       .upstream_model = "upstream-model",
                                       .creq = &creq,
                                       .now_unix = 1700000000};
            if (prov->build(&ctx, &out) != SY_OK) {
                fprintf(stderr, "%s: build failed\n", sy_provider_kind_name(kc->kind));
                return 1;
            }
            sy_pool_free(pool);
        }
        build_ns = (now_ns() - t0) / (double)iterations;

        t0 = now_ns();
        for (long i = 0; i < iterations; i++) {
            struct sy_buf out = {0};
            struct sy_usage usage = {0};
            if (prov->translate_response(SY_EP_CHAT, "bench", kc->response, strlen(kc->response),
                                         &out, &usage) != SY_OK) {
                fprintf(stderr, "%s: response failed\n", sy_provider_kind_name(kc->kind));
                return 1;
            }
            sy_buf_dispose(&out);
        }
        resp_ns = (now_ns() - t0) / (double)iterations;

        sy_buf_reset(&stream);
        if (kc->kind == SY_KIND_ANTHROPIC)
            sy_buf_append(&stream, anthropic_start, sizeof(anthropic_start) - 1);
        for (int c = 0; c < 20; c++)
            sy_buf_append(&stream, kc->stream_event, strlen(kc->stream_event));
        sy_buf_append(&stream, kc->stream_end, strlen(kc->stream_end));
        t0 = now_ns();
        for (long i = 0; i < iterations; i++) {
            struct sy_pool *pool = sy_pool_new();
            struct sy_stream_state st = {
                .alias = "bench", .pool = pool, .max_event_bytes = 1 << 20};
            struct sy_buf out = {0};
            sy_sse_init(&st.sse, st.max_event_bytes);
            prov->stream_feed(&st, SY_EP_CHAT, stream.ptr, stream.len, &out);
            sy_sse_dispose(&st.sse);
            sy_buf_dispose(&out);
            sy_pool_free(pool);
        }
        stream_ns = (now_ns() - t0) / (double)iterations;
        printf("| %s | %.2f µs | %.2f µs | %.2f µs |\n", sy_provider_kind_name(kc->kind),
               build_ns / 1000, resp_ns / 1000, stream_ns / 1000);
    }
    sy_buf_dispose(&stream);
    free(body);
    return 0;
}
