/* tests/fuzz/fuzz_anthropic_response.c - the anthropic kind's whole-answer
 * translator against arbitrary upstream bodies.
 *
 * Beyond "no crash, no leak": when translate_response() accepts a body, what
 * it wrote for the client must be one JSON object, and the usage it reports
 * must hold together (cached tokens are part of the prompt). When it refuses
 * one, it must not have reported usage. The body is an exact-size heap copy,
 * so ASan sees a read past its end. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct sy_provider *prov = sy_provider_get(SY_KIND_ANTHROPIC);
    char *body = malloc(size > 0 ? size : 1);
    struct sy_buf out = {0};
    struct sy_usage usage = {0};
    enum sy_err err;

    if (body == NULL)
        abort();
    if (size > 0)
        memcpy(body, data, size);
    err = prov->translate_response(SY_EP_CHAT, "alias", body, size, &out, &usage);
    if (err == SY_OK) {
        if (sy_json_validate(out.ptr, out.len, SY_JSON_MAX_DEPTH, NULL) != SY_JSON_OBJECT)
            abort();
        if (usage.seen && usage.cached_tokens > usage.prompt_tokens)
            abort();
    } else if (err != SY_ERR_UPSTREAM || usage.seen) {
        abort();
    }
    /* Other endpoints are refused whatever the body. */
    if (prov->translate_response(SY_EP_EMBEDDINGS, "alias", body, size, &out, &usage) !=
        SY_ERR_UPSTREAM)
        abort();
    sy_buf_dispose(&out);
    free(body);
    return 0;
}
