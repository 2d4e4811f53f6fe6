/* providers/anthropic.c - the Anthropic Messages API, behind the OpenAI shape.
 *
 * Requests, whole answers and streams are translated with the zero-allocation
 * scanner of core/json.h rather than jansson: every value that crosses over
 * unchanged (texts, thinking signatures, tool schemas, cache_control objects,
 * numbers) is copied as the client or the provider wrote it, byte for byte,
 * never decoded into doubles or re-escaped. Only what must change shape is
 * decoded: data: URLs, and tool arguments (a JSON text inside a JSON string,
 * which Anthropic wants as an object and OpenAI as a string).
 *
 * Requests (chat only; other endpoints are SY_ERR_BAD_REQUEST):
 *  - system and developer messages, wherever they appear, become the
 *    top-level "system": a string when there is exactly one plain-string
 *    text, else text blocks (cache_control kept), in order.
 *  - user, assistant and tool messages become user/assistant messages;
 *    consecutive ones of the same Anthropic role are merged, because the API
 *    requires alternation. tool messages become user tool_result blocks.
 *    A message that yields no block (an assistant message with content ""
 *    and no tool calls) is left out.
 *  - parts: text; image_url (data:...;base64 -> base64 source, http(s) ->
 *    url source); file with file_data (a data: URL, -> document base64
 *    source); in assistant messages also refusal (-> text) and
 *    thinking/redacted_thinking parts. cache_control on a part is kept; a
 *    message-level cache_control (LiteLLM's form) goes on the message's last
 *    block (the tool_result block for a tool message).
 *  - assistant thinking_blocks (LiteLLM's extension) come first in the
 *    assistant content, signatures byte-exact; a thinking block without a
 *    signature cannot be replayed and is left out. tool_calls become tool_use
 *    blocks whose input is the arguments text itself ("" -> {}).
 *  - tools -> {name, description, input_schema, cache_control};
 *    tool_choice auto/none/required/{function} -> auto/none/any/tool;
 *    parallel_tool_calls:false -> disable_parallel_tool_use; tool_choice is
 *    left out when there are no tools.
 *  - max_completion_tokens, else max_tokens -> max_tokens; when absent,
 *    4096 plus the thinking budget (Anthropic requires max_tokens > budget).
 *  - temperature, top_p, top_k (extension) copied; stop (string or list) ->
 *    stop_sequences; user (else safety_identifier) -> metadata.user_id;
 *    reasoning_effort minimal/low -> budget 1024, medium 2048, high 4096,
 *    none -> no thinking (LiteLLM's budgets); an extension "thinking" object
 *    is sent as given and wins over reasoning_effort; response_format
 *    json_schema -> output_config.format.
 *  - refused (SY_ERR_BAD_REQUEST): n > 1, audio output, legacy
 *    functions/function_call and role "function", input_audio parts, file
 *    parts by file_id, non-function tools, other tool_choice or
 *    reasoning_effort values, unparseable tool arguments.
 *  - dropped, having no Anthropic meaning: frequency_penalty,
 *    presence_penalty, logit_bias, logprobs, top_logprobs, seed, n:1,
 *    service_tier, store, metadata, prediction, modalities,
 *    web_search_options, prompt_cache_key, prompt_cache_retention, verbosity,
 *    stream_options (Anthropic streams always carry usage), message "name",
 *    image "detail", response_format text/json_object, tool "strict" (older
 *    models refuse it), and reasoning_content on input (no signature).
 *
 * Answers: text blocks are concatenated into content (null when there is
 * none); tool_use -> tool_calls with arguments = the compact JSON of input;
 * thinking -> reasoning_content (concatenated, as a stream would give it) and
 * thinking_blocks with signatures, redacted_thinking -> thinking_blocks.
 * "id" is Anthropic's message id and "created" is 0: the kind is a pure
 * function (no clock) and golden tests need determinism. Usage:
 * prompt_tokens = input + cache creation + cache read, cached_tokens = cache
 * read, and Anthropic's two cache counts kept as extension fields.
 *
 * Streams: the first chunk ({"role":"assistant","content":""}) is held back
 * until there is something to say, so that a stream failing right after
 * message_start sends the client nothing and can still be failed over. An
 * `error` event before that point emits nothing and returns
 * SY_STREAM_FAILED (the gateway then tries the next route, as for a 529);
 * after it, an in-band OpenAI error event carrying Anthropic's message and
 * type, then SY_STREAM_FAILED so the gateway ends the stream adding nothing. Server-tool
 * blocks, citations and unknown events are skipped. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

#define MAX_DEPTH          128  /* nesting accepted in what we scan */
#define MAX_BLOCKS         4096 /* content blocks of one streamed message */
#define DEFAULT_MAX_TOKENS 4096
#define DEFAULT_VERSION    "2023-06-01"

/* ---- Scanning helpers ---------------------------------------------------- */

/* True when the raw string literal `lit` (quotes included) decodes to `s`. */
static bool lit_is(struct sy_str lit, const char *s)
{
    size_t n = strlen(s);
    char buf[64];

    if (lit.len < 2 || lit.ptr[0] != '"')
        return false;
    if (memchr(lit.ptr, '\\', lit.len) == NULL)
        return lit.len - 2 == n && memcmp(lit.ptr + 1, s, n) == 0;
    if (n >= sizeof(buf))
        return false;
    return sy_json_string_decode(lit, buf, n + 1) == (ssize_t)n && memcmp(buf, s, n) == 0;
}

/* Finds `key` in `obj` holding anything but null. */
static bool get_set(struct sy_str obj, const char *key, struct sy_json_member *m)
{
    return sy_json_get(obj, key, m) && m->type != SY_JSON_NULL;
}

/* True when obj[key] is the string `want`. */
static bool member_is(struct sy_str obj, const char *key, const char *want)
{
    struct sy_json_member m;

    return sy_json_get(obj, key, &m) && m.type == SY_JSON_STRING && lit_is(m.value, want);
}

/* Finds obj[key] when it is a string; `*lit` gets its raw literal. */
static bool get_string(struct sy_str obj, const char *key, struct sy_str *lit)
{
    struct sy_json_member m;

    if (!sy_json_get(obj, key, &m) || m.type != SY_JSON_STRING)
        return false;
    *lit = m.value;
    return true;
}

/* Finds obj[key] when it is an object; `*raw` gets its text. */
static bool get_object(struct sy_str obj, const char *key, struct sy_str *raw)
{
    struct sy_json_member m;

    if (!sy_json_get(obj, key, &m) || m.type != SY_JSON_OBJECT)
        return false;
    *raw = m.value;
    return true;
}

/* The decoded bytes of the string literal `lit`: a view into it when it has
 * no escape, else a copy in `pool`. */
static struct sy_str lit_value(struct sy_pool *pool, struct sy_str lit)
{
    char *buf;
    ssize_t n;

    if (memchr(lit.ptr, '\\', lit.len) == NULL)
        return (struct sy_str){lit.ptr + 1, lit.len - 2};
    buf = sy_pool_alloc(pool, lit.len); /* decoded + NUL never exceeds the literal */
    n = sy_json_string_decode(lit, buf, lit.len);
    return n < 0 ? (struct sy_str){"", 0} : (struct sy_str){buf, (size_t)n};
}

static bool has_prefix_nocase(struct sy_str s, const char *prefix)
{
    size_t n = strlen(prefix);

    return s.len >= n && strncasecmp(s.ptr, prefix, n) == 0;
}

static bool is_blank(struct sy_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] != ' ' && s.ptr[i] != '\t' && s.ptr[i] != '\n' && s.ptr[i] != '\r')
            return false;
    return true;
}

/* Appends the well-formed JSON text `json` without the whitespace between
 * tokens. */
static void append_compact(struct sy_buf *out, struct sy_str json)
{
    const char *p = json.ptr, *end = json.ptr + json.len, *run = p;
    bool in_string = false;

    for (; p < end; p++) {
        char c = *p;
        if (in_string) {
            if (c == '\\' && p + 1 < end)
                p++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            sy_buf_append(out, run, (size_t)(p - run));
            run = p + 1;
        }
    }
    sy_buf_append(out, run, (size_t)(end - run));
}

static uint64_t get_count(struct sy_str obj, const char *key, bool *found)
{
    struct sy_json_member m;
    uint64_t v = 0;

    if (!sy_json_get(obj, key, &m) || m.type != SY_JSON_NUMBER || !sy_json_get_uint(m.value, &v))
        return 0;
    *found = true;
    return v > UINT32_MAX ? UINT32_MAX : v;
}

/* ---- Requests: content blocks -------------------------------------------- */

/* Content blocks being gathered for one Anthropic message (or "system"). */
struct blocks {
    struct sy_buf buf; /* the blocks, comma separated */
    size_t count;
    struct sy_str plain; /* the only block's text literal, when it came from a string */
    bool last_has_cache_control;
};

static void block_open(struct blocks *bl)
{
    if (bl->count++ > 0)
        sy_buf_append(&bl->buf, ",", 1);
    bl->plain = SY_STR_NULL;
}

/* Ends the block being written, with `cc` (raw JSON) as its cache_control. */
static void block_close(struct blocks *bl, struct sy_str cc)
{
    if (cc.ptr != NULL) {
        SY_BUF_APPEND_LIT(&bl->buf, ",\"cache_control\":");
        sy_buf_append_str(&bl->buf, cc);
    }
    sy_buf_append(&bl->buf, "}", 1);
    bl->last_has_cache_control = cc.ptr != NULL;
}

/* Gives the last block, if it was added after `count_before` blocks and has
 * no cache_control of its own, the message-level `cc`. */
static void block_mark_last(struct blocks *bl, size_t count_before, struct sy_str cc)
{
    if (cc.ptr == NULL || bl->count == count_before || bl->last_has_cache_control)
        return;
    bl->buf.len--; /* the block's closing brace */
    block_close(bl, cc);
    bl->plain = SY_STR_NULL;
}

static void add_text(struct blocks *bl, struct sy_str text_lit, struct sy_str cc)
{
    block_open(bl);
    SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"text\",\"text\":");
    sy_buf_append_str(&bl->buf, text_lit);
    block_close(bl, cc);
}

/* A message's string content: a text block that may be sent back as a plain
 * string. */
static void add_plain_text(struct blocks *bl, struct sy_str text_lit)
{
    bool only = bl->count == 0;

    add_text(bl, text_lit, SY_STR_NULL);
    if (only)
        bl->plain = text_lit;
}

/* Appends the blocks as a "content" or "system" value. */
static void append_blocks_value(struct sy_buf *out, const struct blocks *bl)
{
    if (bl->count == 1 && bl->plain.ptr != NULL) {
        sy_buf_append_str(out, bl->plain);
        return;
    }
    sy_buf_append(out, "[", 1);
    sy_buf_append(out, bl->buf.ptr, bl->buf.len);
    sy_buf_append(out, "]", 1);
}

/* Splits "data:<media type>[;params];base64,<data>". */
static bool parse_data_url(struct sy_str url, struct sy_str *media_type, struct sy_str *data)
{
    const char *comma, *semi;
    struct sy_str head;

    if (!has_prefix_nocase(url, "data:"))
        return false;
    comma = memchr(url.ptr, ',', url.len);
    if (comma == NULL)
        return false;
    head = (struct sy_str){url.ptr + 5, (size_t)(comma - url.ptr - 5)};
    if (head.len < 7 || strncasecmp(head.ptr + head.len - 7, ";base64", 7) != 0)
        return false;
    semi = memchr(head.ptr, ';', head.len);
    *media_type = (struct sy_str){head.ptr, (size_t)(semi - head.ptr)};
    *data = (struct sy_str){comma + 1, (size_t)(url.ptr + url.len - comma - 1)};
    return media_type->len > 0;
}

static void append_base64_source(struct sy_buf *b, struct sy_str media_type, struct sy_str data)
{
    SY_BUF_APPEND_LIT(b, "\"source\":{\"type\":\"base64\",\"media_type\":");
    sy_json_append_string(b, media_type.ptr, media_type.len);
    SY_BUF_APPEND_LIT(b, ",\"data\":");
    sy_json_append_string(b, data.ptr, data.len);
    sy_buf_append(b, "}", 1);
}

static enum sy_err add_image(struct sy_pool *pool, struct blocks *bl, struct sy_str part,
                             struct sy_str cc)
{
    struct sy_json_member image;
    struct sy_str url_lit, url, media_type, data;

    if (!sy_json_get(part, "image_url", &image))
        return SY_ERR_BAD_REQUEST;
    if (image.type == SY_JSON_STRING)
        url_lit = image.value;
    else if (image.type != SY_JSON_OBJECT || !get_string(image.value, "url", &url_lit))
        return SY_ERR_BAD_REQUEST;
    url = lit_value(pool, url_lit);
    block_open(bl);
    SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"image\",");
    if (parse_data_url(url, &media_type, &data)) {
        append_base64_source(&bl->buf, media_type, data);
    } else if (has_prefix_nocase(url, "https://") || has_prefix_nocase(url, "http://")) {
        SY_BUF_APPEND_LIT(&bl->buf, "\"source\":{\"type\":\"url\",\"url\":");
        sy_buf_append_str(&bl->buf, url_lit);
        sy_buf_append(&bl->buf, "}", 1);
    } else {
        return SY_ERR_BAD_REQUEST; /* other schemes, data: URLs that are not base64 */
    }
    block_close(bl, cc);
    return SY_OK;
}

/* An OpenAI "file" part with inline file_data -> a document block. */
static enum sy_err add_file(struct sy_pool *pool, struct blocks *bl, struct sy_str part,
                            struct sy_str cc)
{
    struct sy_str file, data_lit, media_type, data;

    if (!get_object(part, "file", &file) || !get_string(file, "file_data", &data_lit) ||
        !parse_data_url(lit_value(pool, data_lit), &media_type, &data))
        return SY_ERR_BAD_REQUEST; /* file_id needs Anthropic's Files API */
    block_open(bl);
    SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"document\",");
    append_base64_source(&bl->buf, media_type, data);
    block_close(bl, cc);
    return SY_OK;
}

/* A LiteLLM-style thinking block: {type:"thinking",thinking,signature} or
 * {type:"redacted_thinking",data}. */
static enum sy_err add_thinking(struct blocks *bl, struct sy_str tb)
{
    struct sy_str thinking, signature, data;

    if (member_is(tb, "type", "thinking")) {
        if (!get_string(tb, "signature", &signature))
            return SY_OK; /* unsigned: Anthropic would refuse it */
        if (!get_string(tb, "thinking", &thinking))
            return SY_ERR_BAD_REQUEST;
        block_open(bl);
        SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"thinking\",\"thinking\":");
        sy_buf_append_str(&bl->buf, thinking);
        SY_BUF_APPEND_LIT(&bl->buf, ",\"signature\":");
        sy_buf_append_str(&bl->buf, signature);
        sy_buf_append(&bl->buf, "}", 1);
        bl->last_has_cache_control = true; /* thinking blocks take no cache_control */
        return SY_OK;
    }
    if (member_is(tb, "type", "redacted_thinking")) {
        if (!get_string(tb, "data", &data))
            return SY_ERR_BAD_REQUEST;
        block_open(bl);
        SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"redacted_thinking\",\"data\":");
        sy_buf_append_str(&bl->buf, data);
        sy_buf_append(&bl->buf, "}", 1);
        bl->last_has_cache_control = true;
        return SY_OK;
    }
    return SY_ERR_BAD_REQUEST;
}

/* Where a content part appears decides what it may be. */
enum place { IN_SYSTEM, IN_USER, IN_ASSISTANT, IN_TOOL };

static enum sy_err add_part(struct sy_pool *pool, struct blocks *bl, struct sy_str part,
                            enum sy_json_type type, enum place where)
{
    struct sy_json_member ccm;
    struct sy_str cc = SY_STR_NULL, text;

    if (type != SY_JSON_OBJECT)
        return SY_ERR_BAD_REQUEST;
    if (sy_json_get(part, "cache_control", &ccm) && ccm.type == SY_JSON_OBJECT)
        cc = ccm.value;
    if (member_is(part, "type", "text")) {
        if (!get_string(part, "text", &text))
            return SY_ERR_BAD_REQUEST;
        if (where == IN_ASSISTANT && text.len == 2 && cc.ptr == NULL)
            return SY_OK; /* Anthropic refuses empty text blocks */
        add_text(bl, text, cc);
        return SY_OK;
    }
    if (where == IN_ASSISTANT) {
        if (member_is(part, "type", "refusal")) {
            if (!get_string(part, "refusal", &text))
                return SY_ERR_BAD_REQUEST;
            if (text.len > 2)
                add_text(bl, text, cc);
            return SY_OK;
        }
        if (member_is(part, "type", "thinking") || member_is(part, "type", "redacted_thinking"))
            return add_thinking(bl, part);
        return SY_ERR_BAD_REQUEST;
    }
    if (where == IN_USER || where == IN_TOOL) {
        if (member_is(part, "type", "image_url"))
            return add_image(pool, bl, part, cc);
        if (member_is(part, "type", "file"))
            return add_file(pool, bl, part, cc);
    }
    return SY_ERR_BAD_REQUEST; /* input_audio, or anything in a system message but text */
}

/* Adds a message's "content" (a string, an array of parts, null or absent). */
static enum sy_err add_content(struct sy_pool *pool, struct blocks *bl, struct sy_str msg,
                               enum place where)
{
    struct sy_json_member content;
    struct sy_json_iter it;
    struct sy_str part;
    enum sy_json_type type;
    enum sy_err err;

    if (!get_set(msg, "content", &content))
        return SY_OK;
    if (content.type == SY_JSON_STRING) {
        if (where == IN_ASSISTANT && content.value.len == 2)
            return SY_OK;
        add_plain_text(bl, content.value);
        return SY_OK;
    }
    if (content.type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    sy_json_iter_init(&it, content.value);
    while (sy_json_next_element(&it, &part, &type))
        if ((err = add_part(pool, bl, part, type, where)) != SY_OK)
            return err;
    return SY_OK;
}

/* tool_calls -> tool_use blocks; the arguments text becomes "input" as it is. */
static enum sy_err add_tool_calls(struct sy_pool *pool, struct blocks *bl, struct sy_str calls)
{
    struct sy_json_iter it;
    struct sy_str call, fn, id, name;
    enum sy_json_type type;

    sy_json_iter_init(&it, calls);
    while (sy_json_next_element(&it, &call, &type)) {
        struct sy_json_member args, kind;
        struct sy_str input = SY_STR("{}");

        if (type != SY_JSON_OBJECT || !get_string(call, "id", &id) ||
            !get_object(call, "function", &fn) || !get_string(fn, "name", &name))
            return SY_ERR_BAD_REQUEST;
        if (get_set(call, "type", &kind) && !lit_is(kind.value, "function"))
            return SY_ERR_BAD_REQUEST;
        if (get_set(fn, "arguments", &args)) {
            if (args.type == SY_JSON_OBJECT) {
                input = args.value;
            } else if (args.type == SY_JSON_STRING) {
                struct sy_str text = lit_value(pool, args.value);
                if (!is_blank(text)) {
                    if (sy_json_validate(text.ptr, text.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
                        return SY_ERR_BAD_REQUEST;
                    input = text;
                }
            } else {
                return SY_ERR_BAD_REQUEST;
            }
        }
        block_open(bl);
        SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"tool_use\",\"id\":");
        sy_buf_append_str(&bl->buf, id);
        SY_BUF_APPEND_LIT(&bl->buf, ",\"name\":");
        sy_buf_append_str(&bl->buf, name);
        SY_BUF_APPEND_LIT(&bl->buf, ",\"input\":");
        sy_buf_append_str(&bl->buf, input);
        block_close(bl, SY_STR_NULL);
    }
    return SY_OK;
}

static enum sy_err add_assistant(struct sy_pool *pool, struct blocks *bl, struct sy_str msg)
{
    struct sy_json_member m;
    struct sy_json_iter it;
    struct sy_str tb;
    enum sy_json_type type;
    enum sy_err err;

    if (get_set(msg, "function_call", &m))
        return SY_ERR_BAD_REQUEST;
    if (get_set(msg, "thinking_blocks", &m)) {
        if (m.type != SY_JSON_ARRAY)
            return SY_ERR_BAD_REQUEST;
        sy_json_iter_init(&it, m.value);
        while (sy_json_next_element(&it, &tb, &type))
            if (type != SY_JSON_OBJECT || (err = add_thinking(bl, tb)) != SY_OK)
                return SY_ERR_BAD_REQUEST;
    }
    if ((err = add_content(pool, bl, msg, IN_ASSISTANT)) != SY_OK)
        return err;
    if (get_set(msg, "tool_calls", &m)) {
        if (m.type != SY_JSON_ARRAY)
            return SY_ERR_BAD_REQUEST;
        return add_tool_calls(pool, bl, m.value);
    }
    return SY_OK;
}

static enum sy_err add_tool_result(struct sy_pool *pool, struct blocks *bl, struct sy_str msg)
{
    struct sy_str id;
    struct blocks inner = {0};
    enum sy_err err;

    if (!get_string(msg, "tool_call_id", &id))
        return SY_ERR_BAD_REQUEST;
    err = add_content(pool, &inner, msg, IN_TOOL);
    if (err == SY_OK) {
        block_open(bl);
        SY_BUF_APPEND_LIT(&bl->buf, "{\"type\":\"tool_result\",\"tool_use_id\":");
        sy_buf_append_str(&bl->buf, id);
        if (inner.count > 0) {
            SY_BUF_APPEND_LIT(&bl->buf, ",\"content\":");
            append_blocks_value(&bl->buf, &inner);
        }
        block_close(bl, SY_STR_NULL);
    }
    sy_buf_dispose(&inner.buf);
    return err;
}

/* ---- Requests: messages --------------------------------------------------- */

enum role { ROLE_NONE = 0, ROLE_USER, ROLE_ASSISTANT };

struct conversation {
    struct sy_pool *pool;
    struct blocks system;
    struct sy_buf *out; /* the request body: messages are written to it */
    size_t messages_count;
    enum role role;       /* of the message being merged */
    struct blocks merged; /* its blocks */
    struct blocks one;    /* the blocks of the client message being read */
};

static void flush_merged(struct conversation *c)
{
    static const char *const names[] = {"", "user", "assistant"};

    if (c->merged.count == 0)
        return;
    if (c->messages_count++ > 0)
        sy_buf_append(c->out, ",", 1);
    SY_BUF_APPEND_LIT(c->out, "{\"role\":\"");
    sy_buf_append(c->out, names[c->role], strlen(names[c->role]));
    SY_BUF_APPEND_LIT(c->out, "\",\"content\":");
    append_blocks_value(c->out, &c->merged);
    sy_buf_append(c->out, "}", 1);
    sy_buf_reset(&c->merged.buf);
    c->merged.count = 0;
    c->merged.plain = SY_STR_NULL;
}

/* Moves the blocks of the message just read into the one being merged,
 * starting a new Anthropic message when the role changes. */
static void merge_one(struct conversation *c, enum role role)
{
    struct blocks *one = &c->one;

    if (one->count == 0)
        return;
    if (c->role != role)
        flush_merged(c);
    c->role = role;
    if (c->merged.count > 0)
        sy_buf_append(&c->merged.buf, ",", 1);
    sy_buf_append(&c->merged.buf, one->buf.ptr, one->buf.len);
    c->merged.plain = c->merged.count == 0 && one->count == 1 ? one->plain : SY_STR_NULL;
    c->merged.count += one->count;
    sy_buf_reset(&one->buf);
    one->count = 0;
    one->plain = SY_STR_NULL;
}

static enum sy_err add_message(struct conversation *c, struct sy_str msg, enum sy_json_type type)
{
    struct sy_json_member role, ccm;
    struct sy_str cc = SY_STR_NULL;
    enum sy_err err;
    size_t before;

    if (type != SY_JSON_OBJECT || !sy_json_get(msg, "role", &role) || role.type != SY_JSON_STRING)
        return SY_ERR_BAD_REQUEST;
    if (sy_json_get(msg, "cache_control", &ccm) && ccm.type == SY_JSON_OBJECT)
        cc = ccm.value;
    if (lit_is(role.value, "system") || lit_is(role.value, "developer")) {
        before = c->system.count;
        err = add_content(c->pool, &c->system, msg, IN_SYSTEM);
        block_mark_last(&c->system, before, cc);
        return err;
    }
    if (lit_is(role.value, "user"))
        err = add_content(c->pool, &c->one, msg, IN_USER);
    else if (lit_is(role.value, "assistant"))
        err = add_assistant(c->pool, &c->one, msg);
    else if (lit_is(role.value, "tool"))
        err = add_tool_result(c->pool, &c->one, msg);
    else
        return SY_ERR_BAD_REQUEST; /* "function" and anything else */
    if (err != SY_OK)
        return err;
    block_mark_last(&c->one, 0, cc);
    merge_one(c, lit_is(role.value, "assistant") ? ROLE_ASSISTANT : ROLE_USER);
    return SY_OK;
}

/* ---- Requests: parameters ------------------------------------------------- */

static enum sy_err append_tools(struct sy_buf *b, struct sy_str tools, size_t *count)
{
    struct sy_json_iter it;
    struct sy_str tool, fn, name, cc;
    struct sy_json_member m;
    enum sy_json_type type;

    sy_json_iter_init(&it, tools);
    while (sy_json_next_element(&it, &tool, &type)) {
        if (type != SY_JSON_OBJECT || !member_is(tool, "type", "function") ||
            !get_object(tool, "function", &fn) || !get_string(fn, "name", &name))
            return SY_ERR_BAD_REQUEST;
        if (*count > 0)
            sy_buf_append(b, ",", 1);
        SY_BUF_APPEND_LIT(b, "{\"name\":");
        sy_buf_append_str(b, name);
        if (sy_json_get(fn, "description", &m) && m.type == SY_JSON_STRING) {
            SY_BUF_APPEND_LIT(b, ",\"description\":");
            sy_buf_append_str(b, m.value);
        }
        SY_BUF_APPEND_LIT(b, ",\"input_schema\":");
        if (sy_json_get(fn, "parameters", &m) && m.type == SY_JSON_OBJECT)
            sy_buf_append_str(b, m.value);
        else
            SY_BUF_APPEND_LIT(b, "{\"type\":\"object\",\"properties\":{}}");
        if (get_object(tool, "cache_control", &cc) || get_object(fn, "cache_control", &cc)) {
            SY_BUF_APPEND_LIT(b, ",\"cache_control\":");
            sy_buf_append_str(b, cc);
        }
        sy_buf_append(b, "}", 1);
        (*count)++;
    }
    return SY_OK;
}

static enum sy_err append_tool_choice(struct sy_buf *b, struct sy_str req)
{
    struct sy_json_member choice, parallel;
    struct sy_str fn, name;
    bool serial =
        sy_json_get(req, "parallel_tool_calls", &parallel) && parallel.type == SY_JSON_FALSE;

    if (!get_set(req, "tool_choice", &choice) || lit_is(choice.value, "auto")) {
        if (serial)
            SY_BUF_APPEND_LIT(b, ",\"tool_choice\":{\"type\":\"auto\"");
        else
            return SY_OK;
    } else if (lit_is(choice.value, "none")) {
        SY_BUF_APPEND_LIT(b, ",\"tool_choice\":{\"type\":\"none\"}");
        return SY_OK;
    } else if (lit_is(choice.value, "required")) {
        SY_BUF_APPEND_LIT(b, ",\"tool_choice\":{\"type\":\"any\"");
    } else if (choice.type == SY_JSON_OBJECT && member_is(choice.value, "type", "function") &&
               get_object(choice.value, "function", &fn) && get_string(fn, "name", &name)) {
        SY_BUF_APPEND_LIT(b, ",\"tool_choice\":{\"type\":\"tool\",\"name\":");
        sy_buf_append_str(b, name);
    } else {
        return SY_ERR_BAD_REQUEST;
    }
    if (serial)
        SY_BUF_APPEND_LIT(b, ",\"disable_parallel_tool_use\":true");
    sy_buf_append(b, "}", 1);
    return SY_OK;
}

/* The thinking budget asked for: from an extension "thinking" object (sent
 * as given, `*raw`), else from reasoning_effort. Returns false when the
 * request is not expressible. */
static bool thinking_of(struct sy_str req, struct sy_str *raw, uint64_t *budget)
{
    static const struct {
        const char *effort;
        uint64_t budget;
    } efforts[] = {{"minimal", 1024}, {"low", 1024}, {"medium", 2048}, {"high", 4096}};
    struct sy_json_member m;

    *raw = SY_STR_NULL;
    *budget = 0;
    if (get_set(req, "thinking", &m)) {
        struct sy_json_member b;
        uint64_t asked;
        if (m.type != SY_JSON_OBJECT)
            return false;
        *raw = m.value;
        if (member_is(m.value, "type", "enabled") && sy_json_get(m.value, "budget_tokens", &b) &&
            b.type == SY_JSON_NUMBER && sy_json_get_uint(b.value, &asked))
            *budget = asked > UINT32_MAX ? UINT32_MAX : asked;
        return true;
    }
    if (!get_set(req, "reasoning_effort", &m) || lit_is(m.value, "none"))
        return true;
    for (size_t i = 0; i < sizeof(efforts) / sizeof(efforts[0]); i++)
        if (lit_is(m.value, efforts[i].effort)) {
            *budget = efforts[i].budget;
            return true;
        }
    return false;
}

static enum sy_err append_stop(struct sy_buf *b, struct sy_str req)
{
    struct sy_json_member stop;
    struct sy_json_iter it;
    struct sy_str s;
    enum sy_json_type type;
    bool any = false;

    if (!get_set(req, "stop", &stop))
        return SY_OK;
    if (stop.type == SY_JSON_STRING) {
        SY_BUF_APPEND_LIT(b, ",\"stop_sequences\":[");
        sy_buf_append_str(b, stop.value);
        sy_buf_append(b, "]", 1);
        return SY_OK;
    }
    if (stop.type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    sy_json_iter_init(&it, stop.value);
    while (sy_json_next_element(&it, &s, &type)) {
        if (type != SY_JSON_STRING)
            return SY_ERR_BAD_REQUEST;
        any = true;
    }
    if (any) {
        SY_BUF_APPEND_LIT(b, ",\"stop_sequences\":");
        sy_buf_append_str(b, stop.value);
    }
    return SY_OK;
}

/* Copies req[key] as out[as] when it is a number. */
static enum sy_err copy_number(struct sy_buf *b, struct sy_str req, const char *key, const char *as)
{
    struct sy_json_member m;

    if (!get_set(req, key, &m))
        return SY_OK;
    if (m.type != SY_JSON_NUMBER)
        return SY_ERR_BAD_REQUEST;
    sy_buf_appendf(b, ",\"%s\":", as);
    sy_buf_append_str(b, m.value);
    return SY_OK;
}

/* Everything but "model", "max_tokens", "messages" and "system". */
static enum sy_err append_params(struct sy_buf *b, const struct sy_build_ctx *ctx,
                                 struct sy_str thinking)
{
    struct sy_str req = ctx->creq->raw, user, fmt, schema, js;
    struct sy_json_member m;
    enum sy_err err;
    size_t tools = 0;

    if (get_set(req, "tools", &m)) {
        if (m.type != SY_JSON_ARRAY)
            return SY_ERR_BAD_REQUEST;
        size_t mark = b->len;
        SY_BUF_APPEND_LIT(b, ",\"tools\":[");
        if ((err = append_tools(b, m.value, &tools)) != SY_OK)
            return err;
        if (tools == 0)
            b->len = mark;
        else
            sy_buf_append(b, "]", 1);
    }
    if (tools > 0 && (err = append_tool_choice(b, req)) != SY_OK)
        return err;
    if ((err = copy_number(b, req, "temperature", "temperature")) != SY_OK ||
        (err = copy_number(b, req, "top_p", "top_p")) != SY_OK ||
        (err = copy_number(b, req, "top_k", "top_k")) != SY_OK ||
        (err = append_stop(b, req)) != SY_OK)
        return err;
    if (ctx->creq->is_stream)
        SY_BUF_APPEND_LIT(b, ",\"stream\":true");
    if ((get_string(req, "user", &user) || get_string(req, "safety_identifier", &user)) &&
        user.len > 2) {
        SY_BUF_APPEND_LIT(b, ",\"metadata\":{\"user_id\":");
        sy_buf_append_str(b, user);
        sy_buf_append(b, "}", 1);
    }
    if (thinking.ptr != NULL) {
        SY_BUF_APPEND_LIT(b, ",\"thinking\":");
        sy_buf_append_str(b, thinking);
    }
    if (get_object(req, "response_format", &fmt) && member_is(fmt, "type", "json_schema")) {
        if (!get_object(fmt, "json_schema", &js) || !get_object(js, "schema", &schema))
            return SY_ERR_BAD_REQUEST;
        SY_BUF_APPEND_LIT(b,
                          ",\"output_config\":{\"format\":{\"type\":\"json_schema\",\"schema\":");
        sy_buf_append_str(b, schema);
        SY_BUF_APPEND_LIT(b, "}}");
    }
    return SY_OK;
}

/* What no Anthropic request can express. */
static bool is_refused(struct sy_str req)
{
    struct sy_json_member m;
    uint64_t n;

    if (get_set(req, "n", &m) &&
        !(m.type == SY_JSON_NUMBER && sy_json_get_uint(m.value, &n) && n == 1))
        return true;
    return get_set(req, "audio", &m) || get_set(req, "functions", &m) ||
           get_set(req, "function_call", &m);
}

static enum sy_err build_body(const struct sy_build_ctx *ctx, struct sy_buf *b)
{
    struct sy_str req = ctx->creq->raw, thinking_raw;
    struct sy_json_member m, messages;
    struct sy_json_iter it;
    struct sy_str msg;
    enum sy_json_type type;
    uint64_t budget, max_tokens;
    struct conversation c = {.pool = ctx->pool, .out = b};
    enum sy_err err = SY_ERR_BAD_REQUEST;

    if (is_refused(req) || !thinking_of(req, &thinking_raw, &budget) ||
        !sy_json_get(req, "messages", &messages) || messages.type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;

    SY_BUF_APPEND_LIT(b, "{\"model\":");
    sy_json_append_string(b, ctx->upstream_model, strlen(ctx->upstream_model));
    if (get_set(req, "max_completion_tokens", &m) || get_set(req, "max_tokens", &m)) {
        if (m.type != SY_JSON_NUMBER || !sy_json_get_uint(m.value, &max_tokens))
            return SY_ERR_BAD_REQUEST;
        SY_BUF_APPEND_LIT(b, ",\"max_tokens\":");
        sy_buf_append_str(b, m.value);
    } else {
        sy_buf_appendf(b, ",\"max_tokens\":%" PRIu64, DEFAULT_MAX_TOKENS + budget);
    }

    SY_BUF_APPEND_LIT(b, ",\"messages\":[");
    sy_json_iter_init(&it, messages.value);
    while (sy_json_next_element(&it, &msg, &type))
        if ((err = add_message(&c, msg, type)) != SY_OK)
            goto out;
    flush_merged(&c);
    sy_buf_append(b, "]", 1);
    if (c.system.count > 0) {
        SY_BUF_APPEND_LIT(b, ",\"system\":");
        append_blocks_value(b, &c.system);
    }
    if (thinking_raw.ptr == NULL && budget > 0) {
        char *t = sy_pool_printf(ctx->pool, "{\"type\":\"enabled\",\"budget_tokens\":%" PRIu64 "}",
                                 budget);
        thinking_raw = sy_str_c(t);
    }
    if ((err = append_params(b, ctx, thinking_raw)) != SY_OK)
        goto out;
    sy_buf_append(b, "}", 1);
out:
    sy_buf_dispose(&c.system.buf);
    sy_buf_dispose(&c.merged.buf);
    sy_buf_dispose(&c.one.buf);
    return err;
}

static enum sy_err build(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    struct sy_buf body = {0};
    enum sy_err err;
    size_t n = 0;

    if (ctx->ep != SY_EP_CHAT)
        return SY_ERR_BAD_REQUEST;
    err = build_body(ctx, &body);
    if (err != SY_OK) {
        sy_buf_dispose(&body);
        return err;
    }
    out->url = sy_pool_printf(ctx->pool, "%s/v1/messages", prov->base_url);
    out->body = (struct sy_str){sy_pool_strndup(ctx->pool, body.ptr, body.len), body.len};
    sy_buf_dispose(&body);

    out->headers = sy_pool_alloc(ctx->pool, (prov->headers_count + 3) * sizeof(char *));
    out->headers[n++] = "Content-Type: application/json";
    out->headers[n++] =
        sy_pool_printf(ctx->pool, "anthropic-version: %s",
                       prov->api_version != NULL ? prov->api_version : DEFAULT_VERSION);
    if (prov->api_key != NULL)
        out->headers[n++] = sy_pool_printf(ctx->pool, "x-api-key: %s", prov->api_key);
    for (size_t i = 0; i < prov->headers_count; i++)
        out->headers[n++] =
            sy_pool_printf(ctx->pool, "%s: %s", prov->headers[i].name, prov->headers[i].value);
    out->headers_count = n;
    return SY_OK;
}

/* ---- Usage and stop reasons ------------------------------------------------ */

/* Anthropic's token counts, each capped at UINT32_MAX. */
struct tokens {
    uint64_t input, cache_creation, cache_read, output;
    bool seen;
};

/* Updates `t` with the counts present in the usage object `obj`. */
static void read_tokens(struct sy_str obj, struct tokens *t)
{
    bool found = false;
    uint64_t v;

    v = get_count(obj, "input_tokens", &found);
    t->input = found ? v : t->input;
    found = false;
    v = get_count(obj, "cache_creation_input_tokens", &found);
    t->cache_creation = found ? v : t->cache_creation;
    found = false;
    v = get_count(obj, "cache_read_input_tokens", &found);
    t->cache_read = found ? v : t->cache_read;
    found = false;
    v = get_count(obj, "output_tokens", &found);
    t->output = found ? v : t->output;
    t->seen = true;
}

static uint64_t prompt_tokens(const struct tokens *t)
{
    return t->input + t->cache_creation + t->cache_read;
}

static void append_usage(struct sy_buf *out, const struct tokens *t)
{
    sy_buf_appendf(
        out,
        "{\"prompt_tokens\":%" PRIu64 ",\"completion_tokens\":%" PRIu64 ",\"total_tokens\":%" PRIu64
        ",\"prompt_tokens_details\":{\"cached_tokens\":%" PRIu64
        "},\"cache_creation_input_tokens\":%" PRIu64 ",\"cache_read_input_tokens\":%" PRIu64 "}",
        prompt_tokens(t), t->output, prompt_tokens(t) + t->output, t->cache_read, t->cache_creation,
        t->cache_read);
}

static uint32_t cap32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void fill_usage(const struct tokens *t, struct sy_usage *u)
{
    u->prompt_tokens = cap32(prompt_tokens(t));
    u->completion_tokens = cap32(t->output);
    u->cached_tokens = cap32(t->cache_read);
    u->reasoning_tokens = 0; /* Anthropic does not count thinking apart */
    u->seen = true;
}

/* OpenAI's finish_reason, as a JSON literal, for an Anthropic stop_reason. */
static const char *finish_reason(struct sy_str stop_reason)
{
    if (lit_is(stop_reason, "max_tokens") || lit_is(stop_reason, "model_context_window_exceeded"))
        return "\"length\"";
    if (lit_is(stop_reason, "tool_use"))
        return "\"tool_calls\"";
    if (lit_is(stop_reason, "refusal"))
        return "\"content_filter\"";
    return "\"stop\""; /* end_turn, stop_sequence, pause_turn, and what comes next */
}

/* ---- Whole answers ---------------------------------------------------------- */

/* Appends a string literal's content, without its quotes. */
static void append_inner(struct sy_buf *out, struct sy_str lit)
{
    sy_buf_append(out, lit.ptr + 1, lit.len - 2);
}

struct answer {
    struct sy_buf text, reasoning, thinking_blocks, tool_calls;
    size_t texts, thoughts, blocks, calls;
};

static bool read_block(struct answer *a, struct sy_str block, enum sy_json_type type)
{
    struct sy_str text, sig, id, name, input = SY_STR("{}");
    struct sy_json_member m;

    if (type != SY_JSON_OBJECT)
        return false;
    if (member_is(block, "type", "text")) {
        if (!get_string(block, "text", &text))
            return false;
        append_inner(&a->text, text);
        a->texts++;
    } else if (member_is(block, "type", "thinking")) {
        if (!get_string(block, "thinking", &text))
            return false;
        append_inner(&a->reasoning, text);
        a->thoughts++;
        SY_BUF_APPEND_LIT(&a->thinking_blocks, ",{\"type\":\"thinking\",\"thinking\":");
        sy_buf_append_str(&a->thinking_blocks, text);
        if (get_string(block, "signature", &sig)) {
            SY_BUF_APPEND_LIT(&a->thinking_blocks, ",\"signature\":");
            sy_buf_append_str(&a->thinking_blocks, sig);
        }
        sy_buf_append(&a->thinking_blocks, "}", 1);
        a->blocks++;
    } else if (member_is(block, "type", "redacted_thinking")) {
        if (!get_string(block, "data", &text))
            return false;
        SY_BUF_APPEND_LIT(&a->thinking_blocks, ",{\"type\":\"redacted_thinking\",\"data\":");
        sy_buf_append_str(&a->thinking_blocks, text);
        sy_buf_append(&a->thinking_blocks, "}", 1);
        a->blocks++;
    } else if (member_is(block, "type", "tool_use")) {
        struct sy_buf compact = {0};
        if (!get_string(block, "id", &id) || !get_string(block, "name", &name))
            return false;
        if (get_set(block, "input", &m)) {
            if (m.type != SY_JSON_OBJECT)
                return false;
            input = m.value;
        }
        sy_buf_appendf(&a->tool_calls, ",{\"index\":%zu,\"id\":", a->calls++);
        sy_buf_append_str(&a->tool_calls, id);
        SY_BUF_APPEND_LIT(&a->tool_calls, ",\"type\":\"function\",\"function\":{\"name\":");
        sy_buf_append_str(&a->tool_calls, name);
        SY_BUF_APPEND_LIT(&a->tool_calls, ",\"arguments\":");
        append_compact(&compact, input);
        sy_json_append_string(&a->tool_calls, compact.ptr, compact.len);
        SY_BUF_APPEND_LIT(&a->tool_calls, "}}");
        sy_buf_dispose(&compact);
    }
    /* server_tool_use, web_search_tool_result, ...: nothing OpenAI can carry */
    return true;
}

static void append_alias(struct sy_buf *out, const char *alias)
{
    sy_json_append_string(out, alias, strlen(alias));
}

static enum sy_err translate_response(enum sy_endpoint ep, const char *alias, const char *body,
                                      size_t len, struct sy_buf *out, struct sy_usage *usage)
{
    struct sy_str doc = {body, len}, id = SY_STR("\"\""), content = SY_STR("[]"), block;
    struct sy_json_member m;
    struct sy_json_iter it;
    enum sy_json_type type;
    struct answer a = {0};
    struct tokens t = {0};
    const char *finish = "\"stop\"";
    enum sy_err err = SY_ERR_UPSTREAM;

    if (ep != SY_EP_CHAT || sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT ||
        member_is(doc, "type", "error"))
        return SY_ERR_UPSTREAM;
    if (sy_json_get(doc, "content", &m)) {
        if (m.type != SY_JSON_ARRAY)
            return SY_ERR_UPSTREAM;
        content = m.value;
    }
    sy_json_iter_init(&it, content);
    while (sy_json_next_element(&it, &block, &type))
        if (!read_block(&a, block, type))
            goto out;
    get_string(doc, "id", &id);
    if (sy_json_get(doc, "stop_reason", &m) && m.type == SY_JSON_STRING)
        finish = finish_reason(m.value);
    if (sy_json_get(doc, "usage", &m) && m.type == SY_JSON_OBJECT)
        read_tokens(m.value, &t);

    SY_BUF_APPEND_LIT(out, "{\"id\":");
    sy_buf_append_str(out, id);
    SY_BUF_APPEND_LIT(out, ",\"object\":\"chat.completion\",\"created\":0,\"model\":");
    append_alias(out, alias);
    SY_BUF_APPEND_LIT(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                           "\"content\":");
    if (a.texts > 0) {
        sy_buf_append(out, "\"", 1);
        sy_buf_append(out, a.text.ptr, a.text.len);
        sy_buf_append(out, "\"", 1);
    } else {
        SY_BUF_APPEND_LIT(out, "null");
    }
    if (a.thoughts > 0) {
        SY_BUF_APPEND_LIT(out, ",\"reasoning_content\":\"");
        sy_buf_append(out, a.reasoning.ptr, a.reasoning.len);
        sy_buf_append(out, "\"", 1);
    }
    if (a.blocks > 0) {
        SY_BUF_APPEND_LIT(out, ",\"thinking_blocks\":[");
        sy_buf_append(out, a.thinking_blocks.ptr + 1, a.thinking_blocks.len - 1);
        sy_buf_append(out, "]", 1);
    }
    if (a.calls > 0) {
        SY_BUF_APPEND_LIT(out, ",\"tool_calls\":[");
        sy_buf_append(out, a.tool_calls.ptr + 1, a.tool_calls.len - 1);
        sy_buf_append(out, "]", 1);
    }
    SY_BUF_APPEND_LIT(out, "},\"logprobs\":null,\"finish_reason\":");
    sy_buf_append(out, finish, strlen(finish));
    SY_BUF_APPEND_LIT(out, "}]");
    if (t.seen) {
        SY_BUF_APPEND_LIT(out, ",\"usage\":");
        append_usage(out, &t);
        fill_usage(&t, usage);
    }
    sy_buf_append(out, "}", 1);
    err = SY_OK;
out:
    sy_buf_dispose(&a.text);
    sy_buf_dispose(&a.reasoning);
    sy_buf_dispose(&a.thinking_blocks);
    sy_buf_dispose(&a.tool_calls);
    return err;
}

/* ---- Streams ---------------------------------------------------------------- */

enum block_kind { BLOCK_UNKNOWN = 0, BLOCK_TEXT, BLOCK_TOOL, BLOCK_THINKING, BLOCK_OTHER };

/* What we know of one content block of the streamed message. */
struct block {
    uint8_t kind;  /* enum block_kind */
    bool has_args; /* a tool block got non-empty arguments */
    uint32_t tool; /* a tool block's index in tool_calls */
};

/* Per-stream state, in the request pool. */
struct stream {
    struct sy_str id;    /* the message id, a JSON string literal */
    struct sy_str alias; /* st->alias, as a JSON string literal */
    bool started;        /* the first chunk (the role) went out */
    uint32_t tools;      /* tool_use blocks so far */
    struct block *blocks;
    size_t blocks_cap;
    struct tokens tokens;
};

static struct stream *stream_of(struct sy_stream_state *st)
{
    struct stream *s = st->kind_state;
    struct sy_buf tmp = {0};

    if (s != NULL)
        return s;
    s = SY_POOL_NEW(st->pool, struct stream);
    s->id = SY_STR("\"\"");
    append_alias(&tmp, st->alias != NULL ? st->alias : "");
    s->alias = (struct sy_str){sy_pool_strndup(st->pool, tmp.ptr, tmp.len), tmp.len};
    sy_buf_dispose(&tmp);
    st->kind_state = s;
    return s;
}

/* The block at `index`, growing the table; NULL past MAX_BLOCKS. */
static struct block *block_at(struct sy_stream_state *st, struct stream *s, uint64_t index)
{
    if (index >= MAX_BLOCKS)
        return NULL;
    if (index >= s->blocks_cap) {
        size_t cap = s->blocks_cap > 0 ? s->blocks_cap : 8;
        while (cap <= index)
            cap *= 2;
        struct block *grown = sy_pool_zalloc(st->pool, cap * sizeof(*grown));
        if (s->blocks_cap > 0)
            memcpy(grown, s->blocks, s->blocks_cap * sizeof(*grown));
        s->blocks = grown;
        s->blocks_cap = cap;
    }
    return &s->blocks[index];
}

static void chunk_open(const struct stream *s, struct sy_buf *out)
{
    SY_BUF_APPEND_LIT(out, "data: {\"id\":");
    sy_buf_append_str(out, s->id);
    SY_BUF_APPEND_LIT(out, ",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":");
    sy_buf_append_str(out, s->alias);
    SY_BUF_APPEND_LIT(out, ",\"choices\":[{\"index\":0,\"delta\":{");
}

static void chunk_close(struct sy_buf *out, const char *finish)
{
    SY_BUF_APPEND_LIT(out, "},\"logprobs\":null,\"finish_reason\":");
    sy_buf_append(out, finish, strlen(finish));
    SY_BUF_APPEND_LIT(out, "}]}\n\n");
}

/* Sends the first chunk, the role, unless it went out already. */
static void start(struct stream *s, struct sy_buf *out)
{
    if (s->started)
        return;
    s->started = true;
    chunk_open(s, out);
    SY_BUF_APPEND_LIT(out, "\"role\":\"assistant\",\"content\":\"\"");
    chunk_close(out, "null");
}

/* Opens a chunk for content, after the role chunk. */
static void content_open(struct stream *s, struct sy_buf *out)
{
    start(s, out);
    chunk_open(s, out);
}

/* One chunk whose delta is {"<key>": <raw value>}. */
static void emit_delta(struct stream *s, struct sy_buf *out, const char *key, struct sy_str raw)
{
    content_open(s, out);
    sy_buf_appendf(out, "\"%s\":", key);
    sy_buf_append_str(out, raw);
    chunk_close(out, "null");
}

static void emit_tool_args(struct stream *s, struct sy_buf *out, uint32_t tool, struct sy_str lit)
{
    content_open(s, out);
    sy_buf_appendf(out,
                   "\"tool_calls\":[{\"index\":%" PRIu32 ",\"function\":{\"arguments\":", tool);
    sy_buf_append_str(out, lit);
    SY_BUF_APPEND_LIT(out, "}}]");
    chunk_close(out, "null");
}

static enum sy_stream_next on_message_start(struct sy_stream_state *st, struct stream *s,
                                            struct sy_str ev)
{
    struct sy_str msg, id, usage;

    if (!get_object(ev, "message", &msg))
        return SY_STREAM_MALFORMED;
    if (get_string(msg, "id", &id) && s->id.len == 2)
        s->id = (struct sy_str){sy_pool_strndup(st->pool, id.ptr, id.len), id.len};
    if (get_object(msg, "usage", &usage)) {
        read_tokens(usage, &s->tokens);
        fill_usage(&s->tokens, &st->usage);
    }
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_block_start(struct sy_stream_state *st, struct stream *s,
                                          struct sy_str ev, struct sy_buf *out)
{
    struct sy_json_member m;
    struct sy_str cb, text, id, name;
    struct block *b;
    uint64_t index;

    if (!sy_json_get(ev, "index", &m) || m.type != SY_JSON_NUMBER ||
        !sy_json_get_uint(m.value, &index) || !get_object(ev, "content_block", &cb) ||
        (b = block_at(st, s, index)) == NULL)
        return SY_STREAM_MALFORMED;
    if (member_is(cb, "type", "text")) {
        b->kind = BLOCK_TEXT;
        if (get_string(cb, "text", &text) && text.len > 2)
            emit_delta(s, out, "content", text);
    } else if (member_is(cb, "type", "thinking")) {
        b->kind = BLOCK_THINKING;
        if (get_string(cb, "thinking", &text) && text.len > 2)
            emit_delta(s, out, "reasoning_content", text);
    } else if (member_is(cb, "type", "redacted_thinking")) {
        b->kind = BLOCK_OTHER;
        if (!get_string(cb, "data", &text))
            return SY_STREAM_MALFORMED;
        content_open(s, out);
        SY_BUF_APPEND_LIT(out, "\"thinking_blocks\":[{\"type\":\"redacted_thinking\",\"data\":");
        sy_buf_append_str(out, text);
        SY_BUF_APPEND_LIT(out, "}]");
        chunk_close(out, "null");
    } else if (member_is(cb, "type", "tool_use")) {
        struct sy_str input = SY_STR("{}");
        struct sy_buf args = {0};
        if (!get_string(cb, "id", &id) || !get_string(cb, "name", &name))
            return SY_STREAM_MALFORMED;
        b->kind = BLOCK_TOOL;
        b->tool = s->tools++;
        get_object(cb, "input", &input);
        append_compact(&args, input);
        /* Anthropic starts with input {} and streams the text as deltas. */
        b->has_args = !(args.len == 2 && memcmp(args.ptr, "{}", 2) == 0);
        content_open(s, out);
        sy_buf_appendf(out, "\"tool_calls\":[{\"index\":%" PRIu32 ",\"id\":", b->tool);
        sy_buf_append_str(out, id);
        SY_BUF_APPEND_LIT(out, ",\"type\":\"function\",\"function\":{\"name\":");
        sy_buf_append_str(out, name);
        SY_BUF_APPEND_LIT(out, ",\"arguments\":");
        if (b->has_args)
            sy_json_append_string(out, args.ptr, args.len);
        else
            SY_BUF_APPEND_LIT(out, "\"\"");
        SY_BUF_APPEND_LIT(out, "}}]");
        chunk_close(out, "null");
        sy_buf_dispose(&args);
    } else {
        b->kind = BLOCK_OTHER; /* server_tool_use, web_search_tool_result, ... */
    }
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_block_delta(struct sy_stream_state *st, struct stream *s,
                                          struct sy_str ev, struct sy_buf *out)
{
    struct sy_json_member m;
    struct sy_str delta, text;
    struct block *b;
    uint64_t index;

    if (!sy_json_get(ev, "index", &m) || m.type != SY_JSON_NUMBER ||
        !sy_json_get_uint(m.value, &index) || !get_object(ev, "delta", &delta) ||
        (b = block_at(st, s, index)) == NULL)
        return SY_STREAM_MALFORMED;
    if (member_is(delta, "type", "text_delta")) {
        if (!get_string(delta, "text", &text))
            return SY_STREAM_MALFORMED;
        if (text.len > 2)
            emit_delta(s, out, "content", text);
    } else if (member_is(delta, "type", "input_json_delta")) {
        if (!get_string(delta, "partial_json", &text))
            return SY_STREAM_MALFORMED;
        if (b->kind != BLOCK_TOOL) {
            if (b->kind == BLOCK_OTHER)
                return SY_STREAM_CONTINUE; /* a server tool's input */
            return SY_STREAM_MALFORMED;    /* arguments of a call never announced */
        }
        if (text.len > 2) {
            b->has_args = true;
            emit_tool_args(s, out, b->tool, text);
        }
    } else if (member_is(delta, "type", "thinking_delta")) {
        if (!get_string(delta, "thinking", &text))
            return SY_STREAM_MALFORMED;
        if (text.len > 2)
            emit_delta(s, out, "reasoning_content", text);
    } else if (member_is(delta, "type", "signature_delta")) {
        if (!get_string(delta, "signature", &text))
            return SY_STREAM_MALFORMED;
        content_open(s, out);
        SY_BUF_APPEND_LIT(out, "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"\","
                               "\"signature\":");
        sy_buf_append_str(out, text);
        SY_BUF_APPEND_LIT(out, "}]");
        chunk_close(out, "null");
    }
    /* citations_delta and what comes next: nothing OpenAI can carry */
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_block_stop(struct sy_stream_state *st, struct stream *s,
                                         struct sy_str ev, struct sy_buf *out)
{
    struct sy_json_member m;
    struct block *b;
    uint64_t index;

    if (!sy_json_get(ev, "index", &m) || m.type != SY_JSON_NUMBER ||
        !sy_json_get_uint(m.value, &index) || (b = block_at(st, s, index)) == NULL)
        return SY_STREAM_MALFORMED;
    if (b->kind == BLOCK_TOOL && !b->has_args) {
        /* A call without parameters: say "{}", as a whole answer would. */
        b->has_args = true;
        emit_tool_args(s, out, b->tool, SY_STR("\"{}\""));
    }
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_message_delta(struct sy_stream_state *st, struct stream *s,
                                            struct sy_str ev, struct sy_buf *out)
{
    struct sy_str delta, usage;
    struct sy_json_member reason;

    if (get_object(ev, "usage", &usage)) {
        read_tokens(usage, &s->tokens);
        fill_usage(&s->tokens, &st->usage);
    }
    if (get_object(ev, "delta", &delta) && sy_json_get(delta, "stop_reason", &reason) &&
        reason.type == SY_JSON_STRING) {
        content_open(s, out);
        chunk_close(out, finish_reason(reason.value));
        st->saw_finish = true;
    }
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next on_message_stop(struct sy_stream_state *st, struct stream *s,
                                           struct sy_buf *out)
{
    start(s, out); /* an empty message still gets its role chunk */
    if (st->client_wants_usage && s->tokens.seen) {
        SY_BUF_APPEND_LIT(out, "data: {\"id\":");
        sy_buf_append_str(out, s->id);
        SY_BUF_APPEND_LIT(out, ",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":");
        sy_buf_append_str(out, s->alias);
        SY_BUF_APPEND_LIT(out, ",\"choices\":[],\"usage\":");
        append_usage(out, &s->tokens);
        SY_BUF_APPEND_LIT(out, "}\n\n");
    }
    SY_BUF_APPEND_LIT(out, "data: [DONE]\n\n");
    st->saw_done = true;
    return SY_STREAM_DONE;
}

static enum sy_stream_next on_error(struct stream *s, struct sy_str ev, struct sy_buf *out)
{
    struct sy_str err, lit;
    char message[512], type[64];
    ssize_t n;

    if (!s->started)
        return SY_STREAM_FAILED; /* nothing sent yet: the gateway fails over */
    snprintf(message, sizeof(message), "The provider failed during the stream");
    snprintf(type, sizeof(type), "upstream_error");
    if (get_object(ev, "error", &err)) {
        if (get_string(err, "message", &lit)) {
            n = sy_json_string_decode(lit, message, sizeof(message));
            if (n < 0) {
                /* Longer than we quote: keep its start, cut at a character. */
                size_t keep = lit.len - 2 < sizeof(message) - 1 ? lit.len - 2 : sizeof(message) - 1;
                while (keep > 0 && ((unsigned char)lit.ptr[1 + keep] & 0xC0) == 0x80)
                    keep--;
                memcpy(message, lit.ptr + 1, keep);
                message[keep] = '\0';
            }
        }
        if (get_string(err, "type", &lit) && sy_json_string_decode(lit, type, sizeof(type)) < 0)
            snprintf(type, sizeof(type), "upstream_error");
    }
    sy_provider_stream_error(out, message, "upstream_error", type);
    return SY_STREAM_FAILED;
}

static enum sy_stream_next on_event(struct sy_stream_state *st, enum sy_endpoint ep,
                                    const struct sy_sse_event *ev, struct sy_buf *out)
{
    struct sy_str data = ev->data, type;
    struct stream *s;

    if (ep != SY_EP_CHAT || sy_json_validate(data.ptr, data.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_STREAM_MALFORMED;
    if (!get_string(data, "type", &type))
        return SY_STREAM_MALFORMED;
    s = stream_of(st);
    st->events++;
    if (lit_is(type, "content_block_delta"))
        return on_block_delta(st, s, data, out);
    if (lit_is(type, "content_block_start"))
        return on_block_start(st, s, data, out);
    if (lit_is(type, "content_block_stop"))
        return on_block_stop(st, s, data, out);
    if (lit_is(type, "message_start"))
        return on_message_start(st, s, data);
    if (lit_is(type, "message_delta"))
        return on_message_delta(st, s, data, out);
    if (lit_is(type, "message_stop"))
        return on_message_stop(st, s, out);
    if (lit_is(type, "error"))
        return on_error(s, data, out);
    return SY_STREAM_CONTINUE; /* ping, and events added later */
}

static enum sy_stream_next stream_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                       const char *data, size_t len, struct sy_buf *out)
{
    return sy_provider_sse_feed(st, ep, data, len, out, on_event);
}

const struct sy_provider sy_provider_anthropic = {
    .kind = SY_KIND_ANTHROPIC,
    .stream_content_type = "text/event-stream",
    .build = build,
    .translate_response = translate_response,
    .stream_feed = stream_feed,
};
