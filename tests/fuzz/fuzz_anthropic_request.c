/* tests/fuzz/fuzz_anthropic_request.c - the anthropic kind's request builder
 * against arbitrary client bodies.
 *
 * The client's body is untrusted too. Like api/proxy.c, only a JSON object
 * (at most 128 deep) reaches build(); whatever it holds, build() must either
 * refuse it with SY_ERR_BAD_REQUEST or produce a body that is one JSON
 * object, streamed or not. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

#define MAX_DEPTH 128

static void build_once(const char *body, size_t size, bool stream)
{
    const struct sy_provider *prov = sy_provider_get(SY_KIND_ANTHROPIC);
    struct sy_config_header beta = {"anthropic-beta", "prompt-caching-2024-07-31"};
    struct sy_config_provider cfg = {.name = "fuzz",
                                     .kind = SY_KIND_ANTHROPIC,
                                     .base_url = "https://api.anthropic.com",
                                     .api_key = "sk-fuzz",
                                     .headers = &beta,
                                     .headers_count = 1};
    struct sy_client_request creq = {.raw = {body, size}, .is_stream = stream};
    struct sy_pool *pool = sy_pool_new();
    struct sy_build_ctx ctx = {.pool = pool,
                               .ep = SY_EP_CHAT,
                               .prov = &cfg,
                               .upstream_model = "claude-\"fuzz\"",
                               .creq = &creq};
    struct sy_upstream_call call = {0};
    enum sy_err err = prov->build(&ctx, &call);

    if (err == SY_OK) {
        if (sy_json_validate(call.body.ptr, call.body.len, SY_JSON_MAX_DEPTH, NULL) !=
                SY_JSON_OBJECT ||
            call.url == NULL || call.headers_count != 4)
            abort();
    } else if (err != SY_ERR_BAD_REQUEST) {
        abort();
    }
    ctx.ep = SY_EP_EMBEDDINGS;
    if (prov->build(&ctx, &call) != SY_ERR_BAD_REQUEST)
        abort();
    sy_pool_free(pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body;

    if (sy_json_validate((const char *)data, size, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return 0;
    body = malloc(size);
    if (body == NULL)
        abort();
    memcpy(body, data, size);
    build_once(body, size, false);
    build_once(body, size, true);
    free(body);
    return 0;
}
