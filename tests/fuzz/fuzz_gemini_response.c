/* tests/fuzz/fuzz_gemini_response.c - whole Gemini answers (chat and
 * embeddings) translated into OpenAI ones.
 *
 * Beyond "no crash, no leak": translate_response() either refuses with
 * SY_ERR_UPSTREAM, leaving nothing written, or writes one JSON object. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void translate(enum sy_endpoint ep, const char *body, size_t size)
{
    struct sy_buf out = {0};
    struct sy_usage usage = {0};
    enum sy_err err = sy_provider_gemini.translate_response(ep, "alias", body, size, &out, &usage);

    if (err == SY_OK) {
        if (sy_json_validate(out.ptr, out.len, SY_JSON_MAX_DEPTH, NULL) != SY_JSON_OBJECT)
            abort();
    } else if (err != SY_ERR_UPSTREAM || out.len != 0) {
        abort();
    }
    sy_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size > 0 ? size : 1); /* exact size, so ASan sees over-reads */

    if (copy == NULL)
        abort();
    if (size > 0)
        memcpy(copy, data, size);
    translate(SY_EP_CHAT, copy, size);
    translate(SY_EP_EMBEDDINGS, copy, size);
    free(copy);
    return 0;
}
