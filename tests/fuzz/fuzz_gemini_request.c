/* tests/fuzz/fuzz_gemini_request.c - OpenAI client bodies translated for the
 * Gemini API and Vertex AI.
 *
 * The body is the client's, so anything goes. Beyond "no crash, no leak":
 * build() either refuses with SY_ERR_BAD_REQUEST or writes a body that is a
 * JSON object, for chat, streamed chat and embeddings alike. The input is
 * scanned the way api/proxy.c's decode stage scans it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void build_one(const struct sy_provider *prov, enum sy_endpoint ep,
                      const struct sy_client_request *creq)
{
    struct sy_config_provider cfg = {.name = "fuzz",
                                     .kind = prov->kind,
                                     .base_url = "http://upstream.test/v1",
                                     .api_key = "k",
                                     .region = "us-central1",
                                     .project = "p"};
    struct sy_pool *pool = sy_pool_new();
    struct sy_build_ctx ctx = {.pool = pool,
                               .ep = ep,
                               .prov = &cfg,
                               .upstream_model = "gemini-2.5-flash",
                               .creq = creq,
                               .access_token = "ya29.fuzz"};
    struct sy_upstream_call out = {0};
    enum sy_err err = prov->build(&ctx, &out);

    if (err == SY_OK) {
        if (out.url == NULL || out.headers_count < 2 ||
            sy_json_validate(out.body.ptr, out.body.len, SY_JSON_MAX_DEPTH, NULL) != SY_JSON_OBJECT)
            abort();
    } else if (err != SY_ERR_BAD_REQUEST) {
        abort();
    }
    sy_pool_free(pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sy_client_request creq = {.raw = {(const char *)data, size}};
    struct sy_json_iter it;
    struct sy_json_member m;
    char *copy;

    if (sy_json_validate((const char *)data, size, 128, NULL) != SY_JSON_OBJECT)
        return 0;
    copy = malloc(size); /* exact size, so ASan sees over-reads */
    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    creq.raw.ptr = copy;
    sy_json_iter_init(&it, creq.raw);
    while (sy_json_next_member(&it, &m)) {
        if (sy_str_eq_c(m.key, "model") && creq.model_values_count < 4)
            creq.model_values[creq.model_values_count++] = m.value;
        else if (sy_str_eq_c(m.key, "stream_options") && m.type == SY_JSON_OBJECT)
            creq.stream_options = m.value;
    }
    build_one(&sy_provider_gemini, SY_EP_CHAT, &creq);
    build_one(&sy_provider_gemini, SY_EP_EMBEDDINGS, &creq);
    build_one(&sy_provider_vertex, SY_EP_CHAT, &creq);
    creq.is_stream = true;
    build_one(&sy_provider_gemini, SY_EP_CHAT, &creq);
    free(copy);
    return 0;
}
