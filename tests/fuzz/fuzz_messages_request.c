/* tests/fuzz/fuzz_messages_request.c - Anthropic Messages requests -> the
 * OpenAI hub request, against arbitrary client bytes.
 *
 * Beyond "no crash, no leak":
 *  1. an accepted request (SY_MESSAGES_OK) translates to one JSON object,
 *     per both sy_json_validate() and jansson, whose first member is "model"
 *     (api/messages.c splices it) and whose "messages" is a list;
 *  2. otherwise the reason is a non-empty, NUL-terminated sentence;
 *  3. count_tokens agrees on validity: a request valid with max_tokens is
 *     valid for counting too.
 * The input is an exact-size heap copy, so ASan sees any over-read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json.h"
#include "providers/messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct sy_buf out = {0};
    struct sy_json_member messages;
    char why[256];
    uint32_t tokens;
    enum sy_messages_verdict v = sy_messages_request_to_openai(body, size, &out, why, sizeof(why));

    if (memchr(why, '\0', sizeof(why)) == NULL)
        abort();
    if (v == SY_MESSAGES_OK) {
        struct sy_str doc = {out.ptr, out.len};
        json_t *parsed;

        if (sy_json_validate(out.ptr, out.len, SY_JSON_MAX_DEPTH, NULL) != SY_JSON_OBJECT)
            abort();
        parsed = json_loadb(out.ptr, out.len, JSON_ALLOW_NUL, NULL);
        /* jansson refuses numbers it cannot hold and NUL in keys, which the
         * client may send (core/json.h lists the differences). */
        if (parsed != NULL && !json_is_object(parsed))
            abort();
        json_decref(parsed);
        if (strncmp(out.ptr, "{\"model\":", 9) != 0)
            abort();
        if (!sy_json_get(doc, "messages", &messages) || messages.type != SY_JSON_ARRAY)
            abort();
    } else if (why[0] == '\0') {
        abort();
    }
    sy_buf_dispose(&out);

    if (sy_messages_count_tokens(body, size, &tokens, why, sizeof(why)) == SY_MESSAGES_INVALID &&
        v != SY_MESSAGES_INVALID)
        abort();
    return 0;
}
