/* providers/bedrock.c - AWS Bedrock's Converse API, signed with SigV4.
 *
 * Chat only: POST {base_url}/model/{modelId}/converse, or /converse-stream
 * for streams, whose answer is binary event-stream framing (eventstream.h)
 * carrying one JSON event per message. The model id is percent-encoded as one
 * path segment (':' -> %3A, '/' of an ARN -> %2F) and signed as SigV4 wants
 * for non-S3 services (sigv4.h).
 *
 * Requests are translated by scanning the validated client JSON and writing
 * Converse JSON, copying raw values (strings, numbers, schemas) as they are:
 *
 *   system / developer messages   -> system [{text}] (wherever they appear)
 *   user / assistant content       -> content blocks: text; image from a
 *                                     data: URL (png, jpeg, gif, webp)
 *   assistant tool_calls           -> toolUse {toolUseId, name, input}
 *   tool messages                  -> a user message's toolResult {toolUseId,
 *                                     content [{json}] when the text is a JSON
 *                                     object, else [{text}]}
 *   consecutive same-role messages -> merged (Converse wants them alternating)
 *   tools / tool_choice            -> toolConfig {tools [{toolSpec}], toolChoice
 *                                     auto | any | tool}; "none" drops the
 *                                     tools unless the history uses them
 *   max_(completion_)tokens, temperature, top_p, stop -> inferenceConfig
 *
 * Blank text blocks are left out (Converse refuses them). What Converse cannot
 * express is refused with SY_ERR_BAD_REQUEST: another endpoint, n > 1, image
 * URLs that are not data: URLs, content parts other than text and images.
 * Dropped: response_format, seed, penalties, logprobs, user, reasoning_effort
 * and the other OpenAI-only knobs; toolResult's "status" (OpenAI has no way
 * to say a tool failed, and only some models accept the field).
 *
 * Answers become OpenAI chat completions (text blocks joined, toolUse ->
 * tool_calls, reasoningContent -> reasoning_content) and chunks. Neither
 * carries an id or a time, and this layer has no clock: "id" is
 * "chatcmpl-bedrock" and "created" 0. Usage: Converse's inputTokens excludes
 * cache reads and writes, OpenAI's prompt_tokens includes them, so
 * prompt_tokens = inputTokens + cacheReadInputTokens + cacheWriteInputTokens
 * and cached_tokens = cacheReadInputTokens. Reasoning signatures and redacted
 * reasoning have no OpenAI field and are dropped. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/eventstream.h"
#include "providers/provider.h"
#include "providers/sigv4.h"

#define MAX_DEPTH       128
#define MAX_TOOL_BLOCKS 128 /* content block indexes remembered for tool-call deltas */
#define CHAT_ID         "chatcmpl-bedrock"

/* ---- JSON helpers ---------------------------------------------------------- */

/* True when `m` is a string member whose decoded value equals `s`. */
static bool string_is(const struct sy_json_member *m, const char *s)
{
    if (m->type != SY_JSON_STRING)
        return false;
    return sy_json_key_is((struct sy_str){m->value.ptr + 1, m->value.len - 2}, s);
}

/* Finds `key` in `obj` with the given type. */
static bool get_typed(struct sy_str obj, const char *key, enum sy_json_type type,
                      struct sy_json_member *m)
{
    return sy_json_get(obj, key, m) && m->type == type;
}

/* The inside of a raw string literal: its bytes between the quotes. */
static struct sy_str inner(struct sy_str raw)
{
    return (struct sy_str){raw.ptr + 1, raw.len - 2};
}

/* Decodes the raw string literal `raw` into malloc'd bytes (caller frees).
 * Returns NULL when it does not decode. */
static char *decode_string(struct sy_str raw, size_t *len)
{
    char *buf = malloc(raw.len + 1); /* decoding never grows a literal */
    ssize_t n;

    if (buf == NULL)
        abort();
    n = sy_json_string_decode(raw, buf, raw.len + 1);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    *len = (size_t)n;
    return buf;
}

/* True when the raw string literal holds only whitespace (or nothing). */
static bool is_blank(struct sy_str raw)
{
    struct sy_str s = inner(raw);

    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '\\' && i + 1 < s.len &&
            (s.ptr[i + 1] == 'n' || s.ptr[i + 1] == 't' || s.ptr[i + 1] == 'r')) {
            i++;
            continue;
        }
        return false;
    }
    return true;
}

/* Appends the validated JSON text `raw` as a JSON string literal, without the
 * whitespace between its tokens: tool-call arguments as OpenAI sends them. */
static void append_as_string(struct sy_buf *out, struct sy_str raw)
{
    struct sy_buf compact = {0};
    bool in_string = false;

    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.ptr[i];
        if (in_string) {
            if (c == '\\' && i + 1 < raw.len) {
                sy_buf_append(&compact, raw.ptr + i, 2);
                i++;
                continue;
            }
            in_string = c != '"';
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else {
            in_string = c == '"';
        }
        sy_buf_append(&compact, &c, 1);
    }
    sy_json_append_string(out, compact.ptr != NULL ? compact.ptr : "", compact.len);
    sy_buf_dispose(&compact);
}

static uint32_t add_sat(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* ---- Requests ---------------------------------------------------------------- */

enum role { ROLE_NONE = 0, ROLE_USER, ROLE_ASSISTANT };

/* The Converse body being written. */
struct conv {
    struct sy_buf system;   /* system blocks, comma-separated */
    struct sy_buf messages; /* finished messages, comma-separated */
    struct sy_buf blocks;   /* content blocks of the message being merged */
    enum role role;         /* the role of `blocks` */
    bool has_tool_blocks;   /* a toolUse or toolResult was written */
};

static void flush_message(struct conv *c)
{
    if (c->blocks.len == 0)
        return;
    if (c->messages.len > 0)
        sy_buf_append(&c->messages, ",", 1);
    if (c->role == ROLE_USER)
        SY_BUF_APPEND_LIT(&c->messages, "{\"role\":\"user\",\"content\":[");
    else
        SY_BUF_APPEND_LIT(&c->messages, "{\"role\":\"assistant\",\"content\":[");
    sy_buf_append(&c->messages, c->blocks.ptr, c->blocks.len);
    SY_BUF_APPEND_LIT(&c->messages, "]}");
    sy_buf_reset(&c->blocks);
}

/* Starts a content block of a `role` message: consecutive blocks of one role
 * go into one message, whatever messages they came from. */
static struct sy_buf *begin_block(struct conv *c, enum role role)
{
    if (c->role != role) {
        flush_message(c);
        c->role = role;
    }
    if (c->blocks.len > 0)
        sy_buf_append(&c->blocks, ",", 1);
    return &c->blocks;
}

static void text_block(struct sy_buf *b, struct sy_str raw_string)
{
    SY_BUF_APPEND_LIT(b, "{\"text\":");
    sy_buf_append_str(b, raw_string);
    sy_buf_append(b, "}", 1);
}

/* Writes an image block from a data: URL. */
static enum sy_err image_block(struct conv *c, struct sy_str url_raw)
{
    static const char *const formats[][2] = {
        {"image/png", "png"}, {"image/jpeg", "jpeg"}, {"image/jpg", "jpeg"},
        {"image/gif", "gif"}, {"image/webp", "webp"},
    };
    size_t len;
    char *url = decode_string(url_raw, &len);
    enum sy_err err = SY_ERR_BAD_REQUEST;
    const char *comma, *format = NULL;
    struct sy_buf *b;

    if (url == NULL)
        return SY_ERR_BAD_REQUEST;
    comma = memchr(url, ',', len);
    if (len < 5 || memcmp(url, "data:", 5) != 0 || comma == NULL || comma - url < 12 ||
        memcmp(comma - 7, ";base64", 7) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        size_t n = strlen(formats[i][0]);
        if ((size_t)(comma - 7 - (url + 5)) == n && strncasecmp(url + 5, formats[i][0], n) == 0)
            format = formats[i][1];
    }
    if (format == NULL)
        goto out;
    b = begin_block(c, ROLE_USER);
    sy_buf_appendf(b, "{\"image\":{\"format\":\"%s\",\"source\":{\"bytes\":", format);
    sy_json_append_string(b, comma + 1, len - (size_t)(comma + 1 - url));
    SY_BUF_APPEND_LIT(b, "}}}");
    err = SY_OK;
out:
    free(url);
    return err;
}

/* Adds a message's "content" (a string, an array of parts, or null). */
static enum sy_err add_content(struct conv *c, enum role role, const struct sy_json_member *content)
{
    struct sy_json_iter it;
    struct sy_str part;
    enum sy_json_type type;

    if (content->type == SY_JSON_NULL)
        return SY_OK;
    if (content->type == SY_JSON_STRING) {
        if (!is_blank(content->value))
            text_block(begin_block(c, role), content->value);
        return SY_OK;
    }
    if (content->type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    sy_json_iter_init(&it, content->value);
    while (sy_json_next_element(&it, &part, &type)) {
        struct sy_json_member ptype, text, image, url;
        if (type != SY_JSON_OBJECT || !get_typed(part, "type", SY_JSON_STRING, &ptype))
            return SY_ERR_BAD_REQUEST;
        if (string_is(&ptype, "text") || (role == ROLE_ASSISTANT && string_is(&ptype, "refusal"))) {
            if (!get_typed(part, string_is(&ptype, "text") ? "text" : "refusal", SY_JSON_STRING,
                           &text))
                return SY_ERR_BAD_REQUEST;
            if (!is_blank(text.value))
                text_block(begin_block(c, role), text.value);
        } else if (string_is(&ptype, "image_url") && role == ROLE_USER &&
                   sy_json_get(part, "image_url", &image)) {
            if (image.type == SY_JSON_OBJECT && get_typed(image.value, "url", SY_JSON_STRING, &url))
                image = url;
            if (image.type != SY_JSON_STRING)
                return SY_ERR_BAD_REQUEST;
            enum sy_err err = image_block(c, image.value);
            if (err != SY_OK)
                return err;
        } else {
            return SY_ERR_BAD_REQUEST;
        }
    }
    return SY_OK;
}

static enum sy_err add_system(struct conv *c, const struct sy_json_member *content)
{
    struct sy_json_iter it;
    struct sy_str part;
    enum sy_json_type type;
    struct sy_json_member text;

    if (content->type == SY_JSON_STRING) {
        if (!is_blank(content->value)) {
            if (c->system.len > 0)
                sy_buf_append(&c->system, ",", 1);
            text_block(&c->system, content->value);
        }
        return SY_OK;
    }
    if (content->type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    sy_json_iter_init(&it, content->value);
    while (sy_json_next_element(&it, &part, &type)) {
        if (type != SY_JSON_OBJECT || !get_typed(part, "text", SY_JSON_STRING, &text))
            return SY_ERR_BAD_REQUEST;
        if (!is_blank(text.value)) {
            if (c->system.len > 0)
                sy_buf_append(&c->system, ",", 1);
            text_block(&c->system, text.value);
        }
    }
    return SY_OK;
}

/* Appends the decoded JSON text in the raw string `raw` when it is a JSON value
 * of type `want` (SY_JSON_INVALID: any); `empty` when it is blank. Returns false
 * when it is neither. */
static bool append_embedded_json(struct sy_buf *b, struct sy_str raw, enum sy_json_type want,
                                 const char *empty)
{
    size_t len;
    char *text = decode_string(raw, &len);
    enum sy_json_type type;
    bool ok = false;

    if (text == NULL)
        return false;
    if (empty != NULL && is_blank(raw)) {
        sy_buf_append(b, empty, strlen(empty));
        ok = true;
    } else {
        type = sy_json_validate(text, len, MAX_DEPTH, NULL);
        if (type != SY_JSON_INVALID && (want == SY_JSON_INVALID || type == want)) {
            sy_buf_append(b, text, len);
            ok = true;
        }
    }
    free(text);
    return ok;
}

static enum sy_err add_tool_calls(struct conv *c, struct sy_str calls)
{
    struct sy_json_iter it;
    struct sy_str call;
    enum sy_json_type type;

    sy_json_iter_init(&it, calls);
    while (sy_json_next_element(&it, &call, &type)) {
        struct sy_json_member id, fn, name, args, ctype;
        struct sy_buf *b;

        if (type != SY_JSON_OBJECT || !get_typed(call, "id", SY_JSON_STRING, &id) ||
            !get_typed(call, "function", SY_JSON_OBJECT, &fn) ||
            !get_typed(fn.value, "name", SY_JSON_STRING, &name) ||
            (sy_json_get(call, "type", &ctype) && !string_is(&ctype, "function")))
            return SY_ERR_BAD_REQUEST;
        b = begin_block(c, ROLE_ASSISTANT);
        SY_BUF_APPEND_LIT(b, "{\"toolUse\":{\"toolUseId\":");
        sy_buf_append_str(b, id.value);
        SY_BUF_APPEND_LIT(b, ",\"name\":");
        sy_buf_append_str(b, name.value);
        SY_BUF_APPEND_LIT(b, ",\"input\":");
        if (!sy_json_get(fn.value, "arguments", &args) || args.type == SY_JSON_NULL)
            SY_BUF_APPEND_LIT(b, "{}");
        else if (args.type != SY_JSON_STRING ||
                 !append_embedded_json(b, args.value, SY_JSON_INVALID, "{}"))
            return SY_ERR_BAD_REQUEST;
        SY_BUF_APPEND_LIT(b, "}}");
        c->has_tool_blocks = true;
    }
    return SY_OK;
}

static enum sy_err add_tool_result(struct conv *c, struct sy_str msg)
{
    struct sy_json_member id, content;
    struct sy_buf *b;

    if (!get_typed(msg, "tool_call_id", SY_JSON_STRING, &id) ||
        !sy_json_get(msg, "content", &content))
        return SY_ERR_BAD_REQUEST;
    b = begin_block(c, ROLE_USER);
    SY_BUF_APPEND_LIT(b, "{\"toolResult\":{\"toolUseId\":");
    sy_buf_append_str(b, id.value);
    SY_BUF_APPEND_LIT(b, ",\"content\":[");
    if (content.type == SY_JSON_STRING) {
        size_t mark = b->len;
        SY_BUF_APPEND_LIT(b, "{\"json\":");
        if (append_embedded_json(b, content.value, SY_JSON_OBJECT, NULL)) {
            sy_buf_append(b, "}", 1);
        } else {
            b->len = mark; /* not a JSON object: send it as text */
            b->ptr[mark] = '\0';
            text_block(b, content.value);
        }
    } else if (content.type == SY_JSON_ARRAY) {
        struct sy_json_iter it;
        struct sy_str part;
        enum sy_json_type type;
        struct sy_json_member text;
        bool first = true;

        sy_json_iter_init(&it, content.value);
        while (sy_json_next_element(&it, &part, &type)) {
            if (type != SY_JSON_OBJECT || !get_typed(part, "text", SY_JSON_STRING, &text))
                return SY_ERR_BAD_REQUEST;
            if (!first)
                sy_buf_append(b, ",", 1);
            text_block(b, text.value);
            first = false;
        }
    } else {
        return SY_ERR_BAD_REQUEST;
    }
    SY_BUF_APPEND_LIT(b, "]}}");
    c->has_tool_blocks = true;
    return SY_OK;
}

static enum sy_err add_messages(struct conv *c, struct sy_str messages)
{
    struct sy_json_iter it;
    struct sy_str msg;
    enum sy_json_type type;
    enum sy_err err = SY_OK;

    sy_json_iter_init(&it, messages);
    while (err == SY_OK && sy_json_next_element(&it, &msg, &type)) {
        struct sy_json_member role, content, calls;
        bool has_content;

        if (type != SY_JSON_OBJECT || !get_typed(msg, "role", SY_JSON_STRING, &role))
            return SY_ERR_BAD_REQUEST;
        has_content = sy_json_get(msg, "content", &content);
        if (string_is(&role, "system") || string_is(&role, "developer")) {
            err = has_content ? add_system(c, &content) : SY_ERR_BAD_REQUEST;
        } else if (string_is(&role, "user")) {
            err = has_content ? add_content(c, ROLE_USER, &content) : SY_ERR_BAD_REQUEST;
        } else if (string_is(&role, "assistant")) {
            if (has_content)
                err = add_content(c, ROLE_ASSISTANT, &content);
            if (err == SY_OK && sy_json_get(msg, "tool_calls", &calls) &&
                calls.type != SY_JSON_NULL)
                err = calls.type == SY_JSON_ARRAY ? add_tool_calls(c, calls.value)
                                                  : SY_ERR_BAD_REQUEST;
        } else if (string_is(&role, "tool")) {
            err = add_tool_result(c, msg);
        } else {
            err = SY_ERR_BAD_REQUEST;
        }
    }
    flush_message(c);
    return err;
}

/* Writes "toolConfig" (with a leading comma) for the client's tools, or
 * nothing when there are none or tool_choice is "none" and no message uses
 * tools. */
static enum sy_err add_tool_config(struct sy_buf *out, struct sy_str body, bool has_tool_blocks)
{
    struct sy_json_member tools, choice, fn, name, desc, params, ttype;
    struct sy_json_iter it;
    struct sy_str tool;
    enum sy_json_type type;
    bool first = true, has_choice = sy_json_get(body, "tool_choice", &choice);

    if (!sy_json_get(body, "tools", &tools) || tools.type == SY_JSON_NULL)
        return SY_OK;
    if (tools.type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    if (has_choice && string_is(&choice, "none") && !has_tool_blocks)
        return SY_OK;
    sy_json_iter_init(&it, tools.value);
    while (sy_json_next_element(&it, &tool, &type)) {
        if (type != SY_JSON_OBJECT || !get_typed(tool, "function", SY_JSON_OBJECT, &fn) ||
            !get_typed(fn.value, "name", SY_JSON_STRING, &name) ||
            (sy_json_get(tool, "type", &ttype) && !string_is(&ttype, "function")))
            return SY_ERR_BAD_REQUEST;
        if (first)
            SY_BUF_APPEND_LIT(out, ",\"toolConfig\":{\"tools\":[");
        else
            sy_buf_append(out, ",", 1);
        SY_BUF_APPEND_LIT(out, "{\"toolSpec\":{\"name\":");
        sy_buf_append_str(out, name.value);
        if (get_typed(fn.value, "description", SY_JSON_STRING, &desc) && !is_blank(desc.value)) {
            SY_BUF_APPEND_LIT(out, ",\"description\":");
            sy_buf_append_str(out, desc.value);
        }
        SY_BUF_APPEND_LIT(out, ",\"inputSchema\":{\"json\":");
        if (get_typed(fn.value, "parameters", SY_JSON_OBJECT, &params))
            sy_buf_append_str(out, params.value);
        else
            SY_BUF_APPEND_LIT(out, "{\"type\":\"object\",\"properties\":{}}");
        SY_BUF_APPEND_LIT(out, "}}}");
        first = false;
    }
    if (first)
        return SY_OK; /* an empty list: Converse wants at least one tool */
    sy_buf_append(out, "]", 1);
    if (has_choice && choice.type == SY_JSON_STRING) {
        if (string_is(&choice, "auto"))
            SY_BUF_APPEND_LIT(out, ",\"toolChoice\":{\"auto\":{}}");
        else if (string_is(&choice, "required"))
            SY_BUF_APPEND_LIT(out, ",\"toolChoice\":{\"any\":{}}");
        else if (!string_is(&choice, "none"))
            return SY_ERR_BAD_REQUEST;
    } else if (has_choice && choice.type == SY_JSON_OBJECT) {
        if (!get_typed(choice.value, "function", SY_JSON_OBJECT, &fn) ||
            !get_typed(fn.value, "name", SY_JSON_STRING, &name))
            return SY_ERR_BAD_REQUEST;
        SY_BUF_APPEND_LIT(out, ",\"toolChoice\":{\"tool\":{\"name\":");
        sy_buf_append_str(out, name.value);
        SY_BUF_APPEND_LIT(out, "}}");
    } else if (has_choice && choice.type != SY_JSON_NULL) {
        return SY_ERR_BAD_REQUEST;
    }
    sy_buf_append(out, "}", 1);
    return SY_OK;
}

/* Starts the member `name` of an object written into `b`. */
static void begin_member(struct sy_buf *b, const char *name)
{
    if (b->len > 0)
        sy_buf_append(b, ",", 1);
    sy_buf_appendf(b, "\"%s\":", name);
}

/* Writes "inferenceConfig" (with a leading comma) when any of its fields is set. */
static enum sy_err add_inference_config(struct sy_buf *out, struct sy_str body)
{
    /* clang-format off */
    static const struct { const char *from, *to; } numbers[] = {
        /* max_completion_tokens, OpenAI's newer name, wins over max_tokens */
        {"max_completion_tokens", "maxTokens"}, {"max_tokens", "maxTokens"},
        {"temperature", "temperature"}, {"top_p", "topP"},
    };
    /* clang-format on */
    struct sy_buf cfg = {0};
    struct sy_json_member m;
    bool has_max_tokens = false;
    enum sy_err err = SY_ERR_BAD_REQUEST;

    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        if (!sy_json_get(body, numbers[i].from, &m) || m.type == SY_JSON_NULL)
            continue;
        if (m.type != SY_JSON_NUMBER)
            goto out;
        if (i < 2 && has_max_tokens)
            continue;
        has_max_tokens = has_max_tokens || i < 2;
        begin_member(&cfg, numbers[i].to);
        sy_buf_append_str(&cfg, m.value);
    }
    if (sy_json_get(body, "stop", &m) && m.type != SY_JSON_NULL) {
        begin_member(&cfg, "stopSequences");
        if (m.type == SY_JSON_STRING) {
            sy_buf_append(&cfg, "[", 1);
            sy_buf_append_str(&cfg, m.value);
            sy_buf_append(&cfg, "]", 1);
        } else if (m.type == SY_JSON_ARRAY) {
            struct sy_json_iter it;
            struct sy_str s;
            enum sy_json_type type;
            sy_json_iter_init(&it, m.value);
            while (sy_json_next_element(&it, &s, &type))
                if (type != SY_JSON_STRING)
                    goto out;
            sy_buf_append_str(&cfg, m.value);
        } else {
            goto out;
        }
    }
    if (cfg.len > 0) {
        SY_BUF_APPEND_LIT(out, ",\"inferenceConfig\":{");
        sy_buf_append(out, cfg.ptr, cfg.len);
        sy_buf_append(out, "}", 1);
    }
    err = SY_OK;
out:
    sy_buf_dispose(&cfg);
    return err;
}

static enum sy_err translate_request(struct sy_str body, struct sy_buf *out)
{
    struct conv c = {0};
    struct sy_json_member messages, n;
    uint64_t count;
    enum sy_err err;

    if (!get_typed(body, "messages", SY_JSON_ARRAY, &messages))
        return SY_ERR_BAD_REQUEST;
    if (sy_json_get(body, "n", &n) && n.type != SY_JSON_NULL &&
        !(n.type == SY_JSON_NUMBER && sy_json_get_uint(n.value, &count) && count == 1))
        return SY_ERR_BAD_REQUEST;
    err = add_messages(&c, messages.value);
    if (err == SY_OK) {
        SY_BUF_APPEND_LIT(out, "{\"messages\":[");
        sy_buf_append(out, c.messages.ptr, c.messages.len);
        sy_buf_append(out, "]", 1);
        if (c.system.len > 0) {
            SY_BUF_APPEND_LIT(out, ",\"system\":[");
            sy_buf_append(out, c.system.ptr, c.system.len);
            sy_buf_append(out, "]", 1);
        }
        err = add_inference_config(out, body);
    }
    if (err == SY_OK)
        err = add_tool_config(out, body, c.has_tool_blocks);
    if (err == SY_OK)
        sy_buf_append(out, "}", 1);
    sy_buf_dispose(&c.system);
    sy_buf_dispose(&c.messages);
    sy_buf_dispose(&c.blocks);
    return err;
}

static enum sy_err build(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    struct sy_pool *pool = ctx->pool;
    struct sy_buf body = {0}, url = {0};
    struct sy_sigv4_header *signed_headers;
    struct sy_sigv4_result sig;
    struct sy_sigv4_request sreq = {.method = "POST", .service = "bedrock"};
    struct sy_sigv4_credentials cred;
    size_t n = 0;
    enum sy_err err;

    if (ctx->ep != SY_EP_CHAT)
        return SY_ERR_BAD_REQUEST;
    if (prov->region == NULL || prov->access_key_id == NULL || prov->secret_access_key == NULL ||
        prov->base_url == NULL)
        return SY_ERR_INTERNAL; /* the config loader requires them */
    err = translate_request(ctx->creq->raw, &body);
    if (err != SY_OK)
        goto out;

    sy_buf_append(&url, prov->base_url, strlen(prov->base_url));
    SY_BUF_APPEND_LIT(&url, "/model/");
    sy_sigv4_append_encoded(&url, ctx->upstream_model, strlen(ctx->upstream_model));
    if (ctx->creq->is_stream)
        SY_BUF_APPEND_LIT(&url, "/converse-stream");
    else
        SY_BUF_APPEND_LIT(&url, "/converse");
    out->url = sy_pool_strndup(pool, url.ptr, url.len);
    out->body = (struct sy_str){sy_pool_strndup(pool, body.ptr, body.len), body.len};

    /* Everything sent is signed: Content-Type and the configured headers. */
    signed_headers = sy_pool_alloc(pool, (prov->headers_count + 1) * sizeof(*signed_headers));
    signed_headers[0] = (struct sy_sigv4_header){"Content-Type", "application/json"};
    for (size_t i = 0; i < prov->headers_count; i++)
        signed_headers[i + 1] =
            (struct sy_sigv4_header){prov->headers[i].name, prov->headers[i].value};
    sreq.url = out->url;
    sreq.headers = signed_headers;
    sreq.headers_count = prov->headers_count + 1;
    sreq.body = out->body;
    sreq.region = prov->region;
    sreq.now_unix = ctx->now_unix;
    cred = (struct sy_sigv4_credentials){prov->access_key_id, prov->secret_access_key,
                                         prov->session_token};
    if (sy_sigv4_sign(pool, &sreq, &cred, &sig, NULL) != 0) {
        err = SY_ERR_INTERNAL; /* a configured header the signer owns, or a bad base_url */
        goto out;
    }
    out->headers =
        sy_pool_alloc(pool, (1 + sig.lines_count + prov->headers_count) * sizeof(char *));
    out->headers[n++] = "Content-Type: application/json";
    for (size_t i = 0; i < sig.lines_count; i++)
        out->headers[n++] = sig.lines[i];
    for (size_t i = 0; i < prov->headers_count; i++)
        out->headers[n++] =
            sy_pool_printf(pool, "%s: %s", prov->headers[i].name, prov->headers[i].value);
    out->headers_count = n;
out:
    sy_buf_dispose(&body);
    sy_buf_dispose(&url);
    return err;
}

/* ---- Answers ------------------------------------------------------------------- */

static const char *finish_reason(const struct sy_json_member *stop)
{
    if (string_is(stop, "max_tokens") || string_is(stop, "model_context_window_exceeded"))
        return "length";
    if (string_is(stop, "tool_use"))
        return "tool_calls";
    if (string_is(stop, "guardrail_intervened") || string_is(stop, "content_filtered"))
        return "content_filter";
    return "stop"; /* end_turn, stop_sequence, and whatever comes next */
}

/* Reads a Converse "usage" object. */
static void read_usage(struct sy_str obj, struct sy_usage *usage)
{
    uint32_t read = sy_provider_get_u32(obj, "cacheReadInputTokens");

    usage->prompt_tokens = add_sat(add_sat(sy_provider_get_u32(obj, "inputTokens"), read),
                                   sy_provider_get_u32(obj, "cacheWriteInputTokens"));
    usage->completion_tokens = sy_provider_get_u32(obj, "outputTokens");
    usage->cached_tokens = read;
    usage->reasoning_tokens = 0;
    usage->seen = true;
}

static void append_usage(struct sy_buf *out, const struct sy_usage *u)
{
    sy_buf_appendf(out,
                   "{\"prompt_tokens\":%u,\"completion_tokens\":%u,\"total_tokens\":%u,"
                   "\"prompt_tokens_details\":{\"cached_tokens\":%u}}",
                   u->prompt_tokens, u->completion_tokens,
                   add_sat(u->prompt_tokens, u->completion_tokens), u->cached_tokens);
}

static void append_model(struct sy_buf *out, const char *alias)
{
    sy_json_append_string(out, alias, strlen(alias));
}

static enum sy_err translate_response(enum sy_endpoint ep, const char *alias, const char *body,
                                      size_t len, struct sy_buf *out, struct sy_usage *usage)
{
    struct sy_str doc = {body, len};
    struct sy_json_member output, message, content, stop, u;
    struct sy_buf text = {0}, reasoning = {0}, calls = {0};
    struct sy_json_iter it;
    struct sy_str block;
    enum sy_json_type type;
    bool has_text = false, has_reasoning = false;
    enum sy_err err = SY_ERR_UPSTREAM;

    if (ep != SY_EP_CHAT || sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT ||
        !get_typed(doc, "output", SY_JSON_OBJECT, &output) ||
        !get_typed(output.value, "message", SY_JSON_OBJECT, &message) ||
        !get_typed(message.value, "content", SY_JSON_ARRAY, &content))
        return SY_ERR_UPSTREAM;
    sy_json_iter_init(&it, content.value);
    while (sy_json_next_element(&it, &block, &type)) {
        struct sy_json_member m, id, name, input, rt;
        if (type != SY_JSON_OBJECT)
            goto out;
        if (get_typed(block, "text", SY_JSON_STRING, &m)) {
            sy_buf_append_str(&text, inner(m.value));
            has_text = true;
        } else if (get_typed(block, "toolUse", SY_JSON_OBJECT, &m)) {
            if (!get_typed(m.value, "toolUseId", SY_JSON_STRING, &id) ||
                !get_typed(m.value, "name", SY_JSON_STRING, &name))
                goto out;
            if (calls.len > 0)
                sy_buf_append(&calls, ",", 1);
            SY_BUF_APPEND_LIT(&calls, "{\"id\":");
            sy_buf_append_str(&calls, id.value);
            SY_BUF_APPEND_LIT(&calls, ",\"type\":\"function\",\"function\":{\"name\":");
            sy_buf_append_str(&calls, name.value);
            SY_BUF_APPEND_LIT(&calls, ",\"arguments\":");
            if (sy_json_get(m.value, "input", &input))
                append_as_string(&calls, input.value);
            else
                SY_BUF_APPEND_LIT(&calls, "\"{}\"");
            SY_BUF_APPEND_LIT(&calls, "}}");
        } else if (get_typed(block, "reasoningContent", SY_JSON_OBJECT, &m) &&
                   get_typed(m.value, "reasoningText", SY_JSON_OBJECT, &rt) &&
                   get_typed(rt.value, "text", SY_JSON_STRING, &m)) {
            sy_buf_append_str(&reasoning, inner(m.value));
            has_reasoning = true;
        }
        /* Other blocks (citations, images, ...) have no OpenAI field. */
    }

    SY_BUF_APPEND_LIT(out, "{\"id\":\"" CHAT_ID "\",\"object\":\"chat.completion\",\"created\":0,"
                           "\"model\":");
    append_model(out, alias);
    SY_BUF_APPEND_LIT(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                           "\"content\":");
    if (has_text || calls.len == 0) {
        sy_buf_append(out, "\"", 1);
        sy_buf_append(out, text.ptr, text.len);
        sy_buf_append(out, "\"", 1);
    } else {
        SY_BUF_APPEND_LIT(out, "null");
    }
    if (has_reasoning) {
        SY_BUF_APPEND_LIT(out, ",\"reasoning_content\":\"");
        sy_buf_append(out, reasoning.ptr, reasoning.len);
        sy_buf_append(out, "\"", 1);
    }
    if (calls.len > 0) {
        SY_BUF_APPEND_LIT(out, ",\"tool_calls\":[");
        sy_buf_append(out, calls.ptr, calls.len);
        sy_buf_append(out, "]", 1);
    }
    SY_BUF_APPEND_LIT(out, "},\"logprobs\":null,\"finish_reason\":\"");
    if (sy_json_get(doc, "stopReason", &stop))
        sy_buf_append(out, finish_reason(&stop), strlen(finish_reason(&stop)));
    else
        SY_BUF_APPEND_LIT(out, "stop");
    SY_BUF_APPEND_LIT(out, "\"}]");
    if (get_typed(doc, "usage", SY_JSON_OBJECT, &u)) {
        read_usage(u.value, usage);
        SY_BUF_APPEND_LIT(out, ",\"usage\":");
        append_usage(out, usage);
    }
    sy_buf_append(out, "}", 1);
    err = SY_OK;
out:
    sy_buf_dispose(&text);
    sy_buf_dispose(&reasoning);
    sy_buf_dispose(&calls);
    return err;
}

/* ---- Streams -------------------------------------------------------------------- */

/* The stream's own state, in st->kind_state. */
struct bedrock_stream {
    struct sy_eventstream_decoder dec;
    enum sy_stream_next final;            /* once not CONTINUE, what every later feed returns */
    uint32_t tools;                       /* tool calls started so far */
    uint32_t tool_block[MAX_TOOL_BLOCKS]; /* the content block index of each */
};

/* What one feed works with. */
struct feed {
    struct sy_stream_state *st;
    struct bedrock_stream *bs;
    struct sy_buf *out;
    enum sy_stream_next next;
};

static void dispose_stream(void *arg)
{
    struct bedrock_stream *bs = arg;

    sy_eventstream_dispose(&bs->dec);
}

/* Opens a chunk up to its choice's delta object's value. */
static void chunk_open(struct sy_buf *out, const char *alias)
{
    SY_BUF_APPEND_LIT(out, "data: {\"id\":\"" CHAT_ID "\",\"object\":\"chat.completion.chunk\","
                           "\"created\":0,\"model\":");
    append_model(out, alias);
    SY_BUF_APPEND_LIT(out, ",\"choices\":[{\"index\":0,\"delta\":");
}

static void chunk_close(struct sy_buf *out, const char *finish_reason)
{
    SY_BUF_APPEND_LIT(out, ",\"logprobs\":null,\"finish_reason\":");
    if (finish_reason != NULL)
        sy_buf_appendf(out, "\"%s\"", finish_reason);
    else
        SY_BUF_APPEND_LIT(out, "null");
    SY_BUF_APPEND_LIT(out, "}]}\n\n");
}

/* The tool call whose content block is `block`: the latest one started there,
 * else the latest one (-1 when none started). */
static long tool_of_block(const struct bedrock_stream *bs, uint64_t block)
{
    uint32_t remembered = bs->tools < MAX_TOOL_BLOCKS ? bs->tools : MAX_TOOL_BLOCKS;

    for (uint32_t i = remembered; i > 0; i--)
        if (bs->tool_block[i - 1] == block)
            return (long)(i - 1);
    return bs->tools > 0 ? (long)bs->tools - 1 : -1;
}

static enum sy_stream_next on_block_start(struct feed *f, struct sy_str ev)
{
    struct sy_json_member start, tool, id, name, idx;
    uint64_t block = 0;
    struct sy_buf *out = f->out;

    if (!get_typed(ev, "start", SY_JSON_OBJECT, &start) ||
        !get_typed(start.value, "toolUse", SY_JSON_OBJECT, &tool))
        return SY_STREAM_CONTINUE; /* only tool calls announce themselves */
    if (!get_typed(tool.value, "toolUseId", SY_JSON_STRING, &id) ||
        !get_typed(tool.value, "name", SY_JSON_STRING, &name))
        return SY_STREAM_MALFORMED;
    if (get_typed(ev, "contentBlockIndex", SY_JSON_NUMBER, &idx))
        sy_json_get_uint(idx.value, &block);
    if (f->bs->tools < MAX_TOOL_BLOCKS)
        f->bs->tool_block[f->bs->tools] = (uint32_t)(block > UINT32_MAX ? UINT32_MAX : block);
    chunk_open(out, f->st->alias);
    sy_buf_appendf(out, "{\"tool_calls\":[{\"index\":%u,\"id\":", f->bs->tools);
    sy_buf_append_str(out, id.value);
    SY_BUF_APPEND_LIT(out, ",\"type\":\"function\",\"function\":{\"name\":");
    sy_buf_append_str(out, name.value);
    SY_BUF_APPEND_LIT(out, ",\"arguments\":\"\"}}]}");
    chunk_close(out, NULL);
    if (f->bs->tools < UINT32_MAX)
        f->bs->tools++;
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_block_delta(struct feed *f, struct sy_str ev)
{
    struct sy_json_member delta, m, idx;
    struct sy_buf *out = f->out;
    uint64_t block = 0;
    long tool;

    if (!get_typed(ev, "delta", SY_JSON_OBJECT, &delta))
        return SY_STREAM_MALFORMED;
    if (get_typed(delta.value, "text", SY_JSON_STRING, &m)) {
        chunk_open(out, f->st->alias);
        SY_BUF_APPEND_LIT(out, "{\"content\":");
        sy_buf_append_str(out, m.value);
        sy_buf_append(out, "}", 1);
        chunk_close(out, NULL);
    } else if (get_typed(delta.value, "toolUse", SY_JSON_OBJECT, &m)) {
        if (!get_typed(m.value, "input", SY_JSON_STRING, &m))
            return SY_STREAM_MALFORMED;
        if (get_typed(ev, "contentBlockIndex", SY_JSON_NUMBER, &idx))
            sy_json_get_uint(idx.value, &block);
        tool = tool_of_block(f->bs, block);
        if (tool < 0)
            return SY_STREAM_MALFORMED; /* arguments for a call never announced */
        chunk_open(out, f->st->alias);
        sy_buf_appendf(out, "{\"tool_calls\":[{\"index\":%ld,\"function\":{\"arguments\":", tool);
        sy_buf_append_str(out, m.value);
        SY_BUF_APPEND_LIT(out, "}}]}");
        chunk_close(out, NULL);
    } else if (get_typed(delta.value, "reasoningContent", SY_JSON_OBJECT, &m) &&
               get_typed(m.value, "text", SY_JSON_STRING, &m)) {
        chunk_open(out, f->st->alias);
        SY_BUF_APPEND_LIT(out, "{\"reasoning_content\":");
        sy_buf_append_str(out, m.value);
        sy_buf_append(out, "}", 1);
        chunk_close(out, NULL);
    }
    /* Signatures, redacted reasoning, citations: no OpenAI field. */
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_metadata(struct feed *f, struct sy_str ev)
{
    struct sy_json_member u;
    struct sy_stream_state *st = f->st;

    if (get_typed(ev, "usage", SY_JSON_OBJECT, &u)) {
        read_usage(u.value, &st->usage);
        if (st->client_wants_usage) {
            SY_BUF_APPEND_LIT(f->out, "data: {\"id\":\"" CHAT_ID
                                      "\",\"object\":\"chat.completion.chunk\",\"created\":0,"
                                      "\"model\":");
            append_model(f->out, st->alias);
            SY_BUF_APPEND_LIT(f->out, ",\"choices\":[],\"usage\":");
            append_usage(f->out, &st->usage);
            SY_BUF_APPEND_LIT(f->out, "}\n\n");
        }
    }
    /* Metadata is the last event of a ConverseStream answer. */
    SY_BUF_APPEND_LIT(f->out, "data: [DONE]\n\n");
    st->saw_done = true;
    return SY_STREAM_DONE;
}

/* Turns an exception (or an event-stream error) into an in-band error. */
static enum sy_stream_next on_exception(struct feed *f, const struct sy_eventstream_message *msg)
{
    char code[64], text[400];
    struct sy_str type = msg->message_type.len > 0 && sy_str_eq_c(msg->message_type, "error")
                             ? msg->error_code
                             : msg->exception_type;
    struct sy_str said = msg->error_message;
    struct sy_json_member m;
    char decoded[301];

    if (sy_json_validate(msg->payload.ptr, msg->payload.len, MAX_DEPTH, NULL) == SY_JSON_OBJECT &&
        get_typed(msg->payload, "message", SY_JSON_STRING, &m)) {
        ssize_t n = sy_json_string_decode(m.value, decoded, sizeof(decoded));
        said = n >= 0 ? (struct sy_str){decoded, (size_t)n} : inner(m.value);
    }
    snprintf(code, sizeof(code), "%.*s", (int)(type.len < 60 ? type.len : 60),
             type.len > 0 ? type.ptr : "");
    if (code[0] == '\0')
        snprintf(code, sizeof(code), "upstream_error");
    snprintf(text, sizeof(text), "The provider reported %s: %.*s", code,
             (int)(said.len < 300 ? said.len : 300), said.len > 0 ? said.ptr : "");
    sy_provider_stream_error(f->out, text, "upstream_error", code);
    return SY_STREAM_FAILED; /* written in-band already: the gateway adds nothing */
}

static int on_message(const struct sy_eventstream_message *msg, void *arg)
{
    struct feed *f = arg;
    struct sy_str ev = msg->payload, type = msg->event_type;

    if (sy_str_eq_c(msg->message_type, "exception") || sy_str_eq_c(msg->message_type, "error")) {
        f->next = on_exception(f, msg);
        return 1;
    }
    if (!(sy_str_eq_c(type, "messageStart") || sy_str_eq_c(type, "contentBlockStart") ||
          sy_str_eq_c(type, "contentBlockDelta") || sy_str_eq_c(type, "messageStop") ||
          sy_str_eq_c(type, "metadata")))
        return 0; /* contentBlockStop, and event types added later: nothing to say */
    if (sy_json_validate(ev.ptr, ev.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT) {
        f->next = SY_STREAM_MALFORMED;
        return 1;
    }
    f->st->events++;
    if (sy_str_eq_c(type, "messageStart")) {
        chunk_open(f->out, f->st->alias);
        SY_BUF_APPEND_LIT(f->out, "{\"role\":\"assistant\",\"content\":\"\"}");
        chunk_close(f->out, NULL);
    } else if (sy_str_eq_c(type, "contentBlockStart")) {
        f->next = on_block_start(f, ev);
    } else if (sy_str_eq_c(type, "contentBlockDelta")) {
        f->next = on_block_delta(f, ev);
    } else if (sy_str_eq_c(type, "messageStop")) {
        struct sy_json_member stop;
        const char *reason = sy_json_get(ev, "stopReason", &stop) ? finish_reason(&stop) : "stop";
        chunk_open(f->out, f->st->alias);
        SY_BUF_APPEND_LIT(f->out, "{}");
        chunk_close(f->out, reason);
        f->st->saw_finish = true;
    } else {
        f->next = on_metadata(f, ev);
    }
    return f->next != SY_STREAM_CONTINUE;
}

static enum sy_stream_next stream_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                       const char *data, size_t len, struct sy_buf *out)
{
    struct bedrock_stream *bs = st->kind_state;
    struct feed f;
    int rc;

    (void)ep;
    if (bs == NULL) {
        bs = SY_POOL_NEW(st->pool, struct bedrock_stream);
        sy_eventstream_init(&bs->dec, st->max_event_bytes);
        sy_pool_defer(st->pool, dispose_stream, bs);
        st->kind_state = bs;
    }
    if (bs->final != SY_STREAM_CONTINUE)
        return bs->final;
    f = (struct feed){st, bs, out, SY_STREAM_CONTINUE};
    rc = sy_eventstream_feed(&bs->dec, data, len, on_message, &f);
    st->partial = sy_eventstream_has_partial(&bs->dec);
    if (rc == SY_EVENTSTREAM_TOO_LARGE)
        f.next = SY_STREAM_TOO_LARGE;
    else if (rc == SY_EVENTSTREAM_MALFORMED)
        f.next = SY_STREAM_MALFORMED;
    bs->final = f.next;
    return f.next;
}

const struct sy_provider sy_provider_bedrock = {
    .kind = SY_KIND_BEDROCK,
    .stream_content_type = "application/vnd.amazon.eventstream",
    .build = build,
    .translate_response = translate_response,
    .stream_feed = stream_feed,
};
