/* providers/messages.c - Anthropic Messages <-> OpenAI chat, and the native
 * pass-through to anthropic-kind providers.
 *
 * Everything works on raw JSON text with core/json.h: a document is checked
 * once by sy_json_validate(), then values are copied byte for byte where the
 * two APIs agree (strings, numbers, schemas, cache_control objects), so no
 * number is printed again and no string escaped again. Only tool arguments
 * change form: an object in Anthropic, a string holding JSON in OpenAI.
 * Objects are read with one pass over their members (pick()), never one
 * sy_json_get() per field, so a large "messages" value is skipped once. */
#include "providers/messages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/pool.h"

#define MAX_DEPTH        128  /* nesting accepted, as api/ accepts from clients */
#define TOKENS_PER_MSG   3    /* count_tokens: per message, system included */
#define TOKENS_PER_MEDIA 1600 /* count_tokens: per image or non-text document */
#define THOUGHT_MARK     "__thought__"

/* True when the member is a JSON string equal to `s`. */
static bool value_is(const struct sy_json_member *m, const char *s)
{
    char buf[64];
    size_t len = strlen(s);

    if (m->type != SY_JSON_STRING)
        return false;
    if (memchr(m->value.ptr, '\\', m->value.len) == NULL)
        return m->value.len == len + 2 && memcmp(m->value.ptr + 1, s, len) == 0;
    ssize_t n = sy_json_string_decode(m->value, buf, sizeof(buf));
    return n >= 0 && (size_t)n == len && memcmp(buf, s, len) == 0;
}

static bool has(const struct sy_json_member *m)
{
    return m->value.ptr != NULL;
}

/* Present and not null. */
static bool given(const struct sy_json_member *m)
{
    return m->value.ptr != NULL && m->type != SY_JSON_NULL;
}

/* The bytes between the quotes of a string literal. */
static struct sy_str inner(struct sy_str lit)
{
    return (struct sy_str){lit.ptr + 1, lit.len - 2};
}

/* Fills `found[i]` with the last member of `obj` named `names[i]` (a NULL
 * value ptr when none), in one pass over the members. */
static void pick(struct sy_str obj, const char *const *names, struct sy_json_member *found,
                 size_t count)
{
    struct sy_json_iter it;
    struct sy_json_member m;

    memset(found, 0, count * sizeof(*found));
    sy_json_iter_init(&it, obj);
    while (sy_json_next_member(&it, &m)) {
        for (size_t i = 0; i < count; i++) {
            if (sy_json_key_is(m.key, names[i])) {
                found[i] = m;
                break;
            }
        }
    }
}

static bool first_element(struct sy_str array, struct sy_str *value, enum sy_json_type *type)
{
    struct sy_json_iter it;

    sy_json_iter_init(&it, array);
    return sy_json_next_element(&it, value, type);
}

static uint32_t get_u32(struct sy_str obj, const char *key, bool *seen)
{
    struct sy_json_member m;
    uint64_t v = 0;

    if (!sy_json_get(obj, key, &m) || m.type != SY_JSON_NUMBER || !sy_json_get_uint(m.value, &v))
        return 0;
    if (seen != NULL)
        *seen = true;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void append_sep(struct sy_buf *b)
{
    if (b->len > 0)
        sy_buf_append(b, ",", 1);
}

/* Appends "msg_" + the decoded OpenAI `id` literal as a JSON string (the id
 * as it is when it already starts with "msg_"). */
static void append_message_id(struct sy_buf *out, struct sy_str id_lit)
{
    char id[256];
    ssize_t n = id_lit.ptr != NULL ? sy_json_string_decode(id_lit, id, sizeof(id)) : -1;
    struct sy_buf tmp = {0};

    if (n <= 0) {
        SY_BUF_APPEND_LIT(out, "\"msg_gateway\"");
        return;
    }
    if ((size_t)n < 4 || memcmp(id, "msg_", 4) != 0)
        SY_BUF_APPEND_LIT(&tmp, "msg_");
    sy_buf_append(&tmp, id, (size_t)n);
    sy_json_append_string(out, tmp.ptr, tmp.len);
    sy_buf_dispose(&tmp);
}

/* Gemini attaches a thought signature to each function call, which must come
 * back with it (tool_calls[i].extra_content.google.thought_signature in the
 * hub). An Anthropic tool_use block has no place for it but its id, so the
 * signature travels folded into the id, after THOUGHT_MARK (LiteLLM's
 * convention), and unfolds when the client sends the call back. */
static bool thought_signature(struct sy_str call, struct sy_str *sig)
{
    struct sy_json_member extra, google, m;

    if (!sy_json_get(call, "extra_content", &extra) || extra.type != SY_JSON_OBJECT ||
        !sy_json_get(extra.value, "google", &google) || google.type != SY_JSON_OBJECT ||
        !sy_json_get(google.value, "thought_signature", &m) || m.type != SY_JSON_STRING ||
        m.value.len <= 2)
        return false;
    *sig = m.value;
    return true;
}

/* Appends a tool_use id literal: `id_lit`, with the call's thought signature
 * folded in when `call` has one. */
static void append_tool_id(struct sy_buf *out, struct sy_str id_lit, struct sy_str call)
{
    struct sy_str sig;

    if (!thought_signature(call, &sig)) {
        sy_buf_append_str(out, id_lit);
        return;
    }
    sy_buf_append(out, "\"", 1);
    sy_buf_append_str(out, inner(id_lit));
    SY_BUF_APPEND_LIT(out, THOUGHT_MARK);
    sy_buf_append_str(out, inner(sig));
    sy_buf_append(out, "\"", 1);
}

/* ---- Requests: Anthropic -> OpenAI -------------------------------------- */

/* The state of one request translation. */
struct tr {
    struct sy_buf *out;
    char *why;
    size_t why_cap;
    enum sy_messages_verdict verdict; /* the worst seen so far */
    uint64_t text_bytes;              /* for count_tokens */
    uint32_t messages, media;
    size_t written; /* OpenAI messages written so far */
};

__attribute__((format(printf, 2, 3))) static bool invalid(struct tr *t, const char *fmt, ...)
{
    va_list ap;

    t->verdict = SY_MESSAGES_INVALID;
    if (t->why_cap > 0) {
        va_start(ap, fmt);
        vsnprintf(t->why, t->why_cap, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Notes something only an anthropic-kind provider can take, and goes on
 * checking: an invalid request must be a 400 whatever else it holds. */
__attribute__((format(printf, 2, 3))) static void native_only(struct tr *t, const char *fmt, ...)
{
    va_list ap;

    if (t->verdict != SY_MESSAGES_OK)
        return;
    t->verdict = SY_MESSAGES_NATIVE_ONLY;
    if (t->why_cap > 0) {
        va_start(ap, fmt);
        vsnprintf(t->why, t->why_cap, fmt, ap);
        va_end(ap);
    }
}

/* Starts the next OpenAI message. */
static void begin_message(struct tr *t)
{
    if (t->written++ > 0)
        sy_buf_append(t->out, ",", 1);
}

/* The members of a content block that any block type reads. */
enum {
    B_TYPE,
    B_TEXT,
    B_CACHE,
    B_SOURCE,
    B_ID,
    B_NAME,
    B_INPUT,
    B_TOOL_USE_ID,
    B_CONTENT,
    B_THINKING,
    B_SIGNATURE,
    B_DATA,
    B_TITLE,
    B_COUNT
};

static const char *const block_keys[B_COUNT] = {
    "type",        "text",    "cache_control", "source",    "id",   "name",  "input",
    "tool_use_id", "content", "thinking",      "signature", "data", "title",
};

static void append_cache(struct sy_buf *dst, const struct sy_json_member *cache)
{
    if (!given(cache))
        return;
    SY_BUF_APPEND_LIT(dst, ",\"cache_control\":");
    sy_buf_append_str(dst, cache->value);
}

static bool check_cache(struct tr *t, const struct sy_json_member *cache, const char *path)
{
    if (given(cache) && cache->type != SY_JSON_OBJECT)
        return invalid(t, "%s.cache_control: Input should be an object", path);
    return true;
}

/* A text block as an OpenAI text part appended to `dst`; `cache` (may be
 * NULL) is used when the block has no cache_control of its own. */
static bool put_text_part(struct tr *t, const struct sy_json_member *b, const char *path,
                          struct sy_buf *dst, const struct sy_json_member *cache)
{
    const struct sy_json_member *c = given(&b[B_CACHE]) || cache == NULL ? &b[B_CACHE] : cache;

    if (!has(&b[B_TEXT]))
        return invalid(t, "%s.text: Field required", path);
    if (b[B_TEXT].type != SY_JSON_STRING)
        return invalid(t, "%s.text: Input should be a valid string", path);
    if (!check_cache(t, &b[B_CACHE], path))
        return false;
    t->text_bytes += b[B_TEXT].value.len - 2;
    append_sep(dst);
    SY_BUF_APPEND_LIT(dst, "{\"type\":\"text\",\"text\":");
    sy_buf_append_str(dst, b[B_TEXT].value);
    append_cache(dst, c);
    sy_buf_append(dst, "}", 1);
    return true;
}

enum { S_TYPE, S_MEDIA_TYPE, S_DATA, S_URL, S_COUNT };

static const char *const source_keys[S_COUNT] = {"type", "media_type", "data", "url"};

/* Reads the "source" of an image or document block into `s`. */
static bool read_source(struct tr *t, const struct sy_json_member *b, const char *path,
                        struct sy_json_member *s)
{
    if (!has(&b[B_SOURCE]))
        return invalid(t, "%s.source: Field required", path);
    if (b[B_SOURCE].type != SY_JSON_OBJECT)
        return invalid(t, "%s.source: Input should be an object", path);
    pick(b[B_SOURCE].value, source_keys, s, S_COUNT);
    if (s[S_TYPE].type != SY_JSON_STRING)
        return invalid(t, "%s.source.type: Field required", path);
    if (value_is(&s[S_TYPE], "base64") || value_is(&s[S_TYPE], "text")) {
        if (s[S_MEDIA_TYPE].type != SY_JSON_STRING)
            return invalid(t, "%s.source.media_type: Field required", path);
        if (s[S_DATA].type != SY_JSON_STRING)
            return invalid(t, "%s.source.data: Field required", path);
    } else if (value_is(&s[S_TYPE], "url")) {
        if (s[S_URL].type != SY_JSON_STRING)
            return invalid(t, "%s.source.url: Field required", path);
    }
    return check_cache(t, &b[B_CACHE], path);
}

/* "data:<media type>;base64,<data>" as the inside of one string literal:
 * the insides of two valid literals joined are a valid inside. */
static void append_data_url(struct sy_buf *dst, const struct sy_json_member *s)
{
    SY_BUF_APPEND_LIT(dst, "\"data:");
    sy_buf_append_str(dst, inner(s[S_MEDIA_TYPE].value));
    SY_BUF_APPEND_LIT(dst, ";base64,");
    sy_buf_append_str(dst, inner(s[S_DATA].value));
    sy_buf_append(dst, "\"", 1);
}

static bool put_image(struct tr *t, const struct sy_json_member *b, const char *path,
                      struct sy_buf *dst)
{
    struct sy_json_member s[S_COUNT];

    if (!read_source(t, b, path, s))
        return false;
    t->media++;
    if (value_is(&s[S_TYPE], "base64")) {
        append_sep(dst);
        SY_BUF_APPEND_LIT(dst, "{\"type\":\"image_url\",\"image_url\":{\"url\":");
        append_data_url(dst, s);
    } else if (value_is(&s[S_TYPE], "url")) {
        append_sep(dst);
        SY_BUF_APPEND_LIT(dst, "{\"type\":\"image_url\",\"image_url\":{\"url\":");
        sy_buf_append_str(dst, s[S_URL].value);
    } else {
        native_only(t,
                    "%s.source: only base64 and url image sources can be sent to this "
                    "model's provider",
                    path);
        return true;
    }
    sy_buf_append(dst, "}", 1);
    append_cache(dst, &b[B_CACHE]);
    sy_buf_append(dst, "}", 1);
    return true;
}

static bool put_document(struct tr *t, const struct sy_json_member *b, const char *path,
                         struct sy_buf *dst)
{
    struct sy_json_member s[S_COUNT];

    if (!read_source(t, b, path, s))
        return false;
    if (value_is(&s[S_TYPE], "text")) {
        t->text_bytes += s[S_DATA].value.len - 2;
        append_sep(dst);
        SY_BUF_APPEND_LIT(dst, "{\"type\":\"text\",\"text\":");
        sy_buf_append_str(dst, s[S_DATA].value);
    } else if (value_is(&s[S_TYPE], "base64")) {
        t->media++;
        append_sep(dst);
        SY_BUF_APPEND_LIT(dst, "{\"type\":\"file\",\"file\":{\"file_data\":");
        append_data_url(dst, s);
        if (b[B_TITLE].type == SY_JSON_STRING) {
            SY_BUF_APPEND_LIT(dst, ",\"filename\":");
            sy_buf_append_str(dst, b[B_TITLE].value);
        }
        sy_buf_append(dst, "}", 1);
    } else {
        t->media++;
        native_only(t,
                    "%s.source: only base64 and text documents can be sent to this model's "
                    "provider",
                    path);
        return true;
    }
    append_cache(dst, &b[B_CACHE]);
    sy_buf_append(dst, "}", 1);
    return true;
}

/* Reads a content block's members; fails unless it is an object with a
 * string "type". */
static bool read_block(struct tr *t, struct sy_str block, enum sy_json_type type, const char *path,
                       struct sy_json_member *b)
{
    if (type != SY_JSON_OBJECT)
        return invalid(t, "%s: Input should be an object", path);
    pick(block, block_keys, b, B_COUNT);
    if (!has(&b[B_TYPE]))
        return invalid(t, "%s.type: Field required", path);
    if (b[B_TYPE].type != SY_JSON_STRING)
        return invalid(t, "%s.type: Input should be a valid string", path);
    return true;
}

/* A tool_result block becomes a "tool" message, written at once; its images
 * and documents go to `images`, for the user message that follows (OpenAI
 * tool messages hold text only). The block's cache_control goes on its last text part. */
static bool put_tool_result(struct tr *t, const struct sy_json_member *b, const char *path,
                            struct sy_buf *images)
{
    const struct sy_json_member *content = &b[B_CONTENT];
    struct sy_buf parts = {0};
    char sub[96];
    bool ok = true;

    if (b[B_TOOL_USE_ID].type != SY_JSON_STRING)
        return invalid(t, "%s.tool_use_id: Field required", path);
    if (!check_cache(t, &b[B_CACHE], path))
        return false;
    if (given(content) && content->type != SY_JSON_STRING && content->type != SY_JSON_ARRAY)
        return invalid(t, "%s.content: Input should be a valid string or a list of blocks", path);

    if (content->type == SY_JSON_ARRAY) {
        struct sy_json_iter it;
        struct sy_str el;
        enum sy_json_type type;
        size_t i = 0, last_text = SIZE_MAX, n = 0;

        /* Which text block is the last, to carry the result's cache_control. */
        sy_json_iter_init(&it, content->value);
        for (; sy_json_next_element(&it, &el, &type); i++) {
            struct sy_json_member tb;
            if (type == SY_JSON_OBJECT && sy_json_get(el, "type", &tb) && value_is(&tb, "text"))
                last_text = i;
        }
        sy_json_iter_init(&it, content->value);
        for (i = 0; ok && sy_json_next_element(&it, &el, &type); i++) {
            struct sy_json_member cb[B_COUNT];
            snprintf(sub, sizeof(sub), "%s.content.%zu", path, i);
            ok = read_block(t, el, type, sub, cb);
            if (!ok)
                break;
            if (value_is(&cb[B_TYPE], "text")) {
                ok = put_text_part(t, cb, sub, &parts, i == last_text ? &b[B_CACHE] : NULL);
                n++;
            } else if (value_is(&cb[B_TYPE], "image")) {
                ok = put_image(t, cb, sub, images);
            } else if (value_is(&cb[B_TYPE], "document")) {
                ok = put_document(t, cb, sub, images);
            } else {
                native_only(t, "%s.type: this block type cannot be sent to this model's provider",
                            sub);
            }
        }
        if (n == 0)
            sy_buf_reset(&parts);
    } else if (content->type == SY_JSON_STRING && given(&b[B_CACHE])) {
        t->text_bytes += content->value.len - 2;
        SY_BUF_APPEND_LIT(&parts, "{\"type\":\"text\",\"text\":");
        sy_buf_append_str(&parts, content->value);
        append_cache(&parts, &b[B_CACHE]);
        sy_buf_append(&parts, "}", 1);
    } else if (content->type == SY_JSON_STRING) {
        t->text_bytes += content->value.len - 2;
    }

    if (ok) {
        begin_message(t);
        SY_BUF_APPEND_LIT(t->out, "{\"role\":\"tool\",\"tool_call_id\":");
        sy_buf_append_str(t->out, b[B_TOOL_USE_ID].value);
        SY_BUF_APPEND_LIT(t->out, ",\"content\":");
        if (parts.len > 0) {
            sy_buf_append(t->out, "[", 1);
            sy_buf_append(t->out, parts.ptr, parts.len);
            sy_buf_append(t->out, "]", 1);
        } else if (content->type == SY_JSON_STRING) {
            sy_buf_append_str(t->out, content->value);
        } else {
            SY_BUF_APPEND_LIT(t->out, "\"\"");
        }
        sy_buf_append(t->out, "}", 1);
    }
    sy_buf_dispose(&parts);
    return ok;
}

/* The thought signature folded into a tool_use id, back in extra_content
 * (the id itself stays whole: tool results name it). */
static void append_unfolded_signature(struct sy_buf *calls, struct sy_str id_lit)
{
    struct sy_str in = inner(id_lit);
    const char *mark = memmem(in.ptr, in.len, THOUGHT_MARK, sizeof(THOUGHT_MARK) - 1);
    const char *sig = mark != NULL ? mark + sizeof(THOUGHT_MARK) - 1 : NULL;

    if (sig == NULL || sig == in.ptr + in.len)
        return;
    SY_BUF_APPEND_LIT(calls, ",\"extra_content\":{\"google\":{\"thought_signature\":\"");
    sy_buf_append(calls, sig, (size_t)(in.ptr + in.len - sig));
    SY_BUF_APPEND_LIT(calls, "\"}}");
}

static bool put_tool_use(struct tr *t, const struct sy_json_member *b, const char *path,
                         struct sy_buf *calls)
{
    if (b[B_ID].type != SY_JSON_STRING)
        return invalid(t, "%s.id: Field required", path);
    if (b[B_NAME].type != SY_JSON_STRING)
        return invalid(t, "%s.name: Field required", path);
    if (b[B_INPUT].type != SY_JSON_OBJECT)
        return invalid(t, "%s.input: Input should be an object", path);
    if (!check_cache(t, &b[B_CACHE], path))
        return false;
    t->text_bytes += b[B_NAME].value.len - 2 + b[B_INPUT].value.len;
    append_sep(calls);
    SY_BUF_APPEND_LIT(calls, "{\"id\":");
    sy_buf_append_str(calls, b[B_ID].value);
    SY_BUF_APPEND_LIT(calls, ",\"type\":\"function\",\"function\":{\"name\":");
    sy_buf_append_str(calls, b[B_NAME].value);
    SY_BUF_APPEND_LIT(calls, ",\"arguments\":");
    sy_json_append_string(calls, b[B_INPUT].value.ptr, b[B_INPUT].value.len);
    sy_buf_append(calls, "}", 1);
    append_unfolded_signature(calls, b[B_ID].value);
    append_cache(calls, &b[B_CACHE]);
    sy_buf_append(calls, "}", 1);
    return true;
}

static bool put_thinking(struct tr *t, const struct sy_json_member *b, const char *path,
                         struct sy_buf *blocks)
{
    if (value_is(&b[B_TYPE], "redacted_thinking")) {
        if (b[B_DATA].type != SY_JSON_STRING)
            return invalid(t, "%s.data: Field required", path);
        append_sep(blocks);
        SY_BUF_APPEND_LIT(blocks, "{\"type\":\"redacted_thinking\",\"data\":");
        sy_buf_append_str(blocks, b[B_DATA].value);
        sy_buf_append(blocks, "}", 1);
        return true;
    }
    if (b[B_THINKING].type != SY_JSON_STRING)
        return invalid(t, "%s.thinking: Field required", path);
    if (given(&b[B_SIGNATURE]) && b[B_SIGNATURE].type != SY_JSON_STRING)
        return invalid(t, "%s.signature: Input should be a valid string", path);
    t->text_bytes += b[B_THINKING].value.len - 2;
    append_sep(blocks);
    SY_BUF_APPEND_LIT(blocks, "{\"type\":\"thinking\",\"thinking\":");
    sy_buf_append_str(blocks, b[B_THINKING].value);
    if (b[B_SIGNATURE].type == SY_JSON_STRING) {
        /* Without one, the block cannot be replayed: kinds drop it. */
        SY_BUF_APPEND_LIT(blocks, ",\"signature\":");
        sy_buf_append_str(blocks, b[B_SIGNATURE].value);
    }
    sy_buf_append(blocks, "}", 1);
    return true;
}

/* What a message's content blocks turned into. */
struct content {
    struct sy_buf parts;    /* OpenAI content parts */
    struct sy_buf images;   /* user: images out of tool results, placed first */
    struct sy_buf calls;    /* assistant: tool_calls */
    struct sy_buf thinking; /* assistant: thinking_blocks */
    size_t parts_count;
    size_t tool_results;
    struct sy_str only_text; /* the raw text when the parts are one uncached text */
};

static void content_dispose(struct content *c)
{
    sy_buf_dispose(&c->parts);
    sy_buf_dispose(&c->images);
    sy_buf_dispose(&c->calls);
    sy_buf_dispose(&c->thinking);
}

static bool put_block(struct tr *t, bool is_user, struct sy_str block, enum sy_json_type type,
                      const char *path, struct content *c)
{
    struct sy_json_member b[B_COUNT];
    size_t before = c->parts.len;
    bool ok;

    if (!read_block(t, block, type, path, b))
        return false;
    if (value_is(&b[B_TYPE], "text")) {
        ok = put_text_part(t, b, path, &c->parts, NULL);
        if (ok && c->parts_count == 0 && !given(&b[B_CACHE]))
            c->only_text = b[B_TEXT].value;
    } else if (is_user && value_is(&b[B_TYPE], "image")) {
        ok = put_image(t, b, path, &c->parts);
    } else if (is_user && value_is(&b[B_TYPE], "document")) {
        ok = put_document(t, b, path, &c->parts);
    } else if (is_user && value_is(&b[B_TYPE], "tool_result")) {
        c->tool_results++;
        return put_tool_result(t, b, path, &c->images);
    } else if (!is_user && value_is(&b[B_TYPE], "tool_use")) {
        return put_tool_use(t, b, path, &c->calls);
    } else if (!is_user &&
               (value_is(&b[B_TYPE], "thinking") || value_is(&b[B_TYPE], "redacted_thinking"))) {
        return put_thinking(t, b, path, &c->thinking);
    } else {
        native_only(t, "%s.type: this block type cannot be sent to this model's provider", path);
        return true;
    }
    if (ok && c->parts.len > before) {
        if (c->parts_count++ > 0)
            c->only_text = SY_STR_NULL;
    }
    return ok;
}

enum { M_ROLE, M_CONTENT, M_COUNT };

static const char *const message_keys[M_COUNT] = {"role", "content"};

static bool put_message(struct tr *t, struct sy_str msg, enum sy_json_type type, size_t index)
{
    struct sy_json_member m[M_COUNT];
    struct content c = {0};
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type el_type;
    char path[64];
    bool is_user, ok = true;

    if (type != SY_JSON_OBJECT)
        return invalid(t, "messages.%zu: Input should be an object", index);
    pick(msg, message_keys, m, M_COUNT);
    if (!has(&m[M_ROLE]))
        return invalid(t, "messages.%zu.role: Field required", index);
    is_user = value_is(&m[M_ROLE], "user");
    if (!is_user && !value_is(&m[M_ROLE], "assistant"))
        return invalid(t, "messages.%zu.role: Input should be 'user' or 'assistant'", index);
    if (!has(&m[M_CONTENT]))
        return invalid(t, "messages.%zu.content: Field required", index);
    t->messages++;
    if (m[M_CONTENT].type == SY_JSON_STRING) {
        t->text_bytes += m[M_CONTENT].value.len - 2;
        begin_message(t);
        if (is_user)
            SY_BUF_APPEND_LIT(t->out, "{\"role\":\"user\",\"content\":");
        else
            SY_BUF_APPEND_LIT(t->out, "{\"role\":\"assistant\",\"content\":");
        sy_buf_append_str(t->out, m[M_CONTENT].value);
        sy_buf_append(t->out, "}", 1);
        return true;
    }
    if (m[M_CONTENT].type != SY_JSON_ARRAY)
        return invalid(
            t, "messages.%zu.content: Input should be a valid string or a list of blocks", index);

    sy_json_iter_init(&it, m[M_CONTENT].value);
    for (size_t i = 0; ok && sy_json_next_element(&it, &el, &el_type); i++) {
        snprintf(path, sizeof(path), "messages.%zu.content.%zu", index, i);
        ok = put_block(t, is_user, el, el_type, path, &c);
    }
    if (!ok)
        goto out;

    if (c.tool_results > 0 && c.parts.len == 0 && c.images.len == 0)
        goto out; /* only tool results: the tool messages are the whole turn */
    begin_message(t);
    if (is_user)
        SY_BUF_APPEND_LIT(t->out, "{\"role\":\"user\",\"content\":");
    else
        SY_BUF_APPEND_LIT(t->out, "{\"role\":\"assistant\",\"content\":");
    if (c.images.len == 0 && c.parts_count == 1 && c.only_text.ptr != NULL) {
        sy_buf_append_str(t->out, c.only_text);
    } else if (c.images.len > 0 || c.parts.len > 0) {
        sy_buf_append(t->out, "[", 1);
        sy_buf_append(t->out, c.images.ptr, c.images.len);
        if (c.images.len > 0 && c.parts.len > 0)
            sy_buf_append(t->out, ",", 1);
        sy_buf_append(t->out, c.parts.ptr, c.parts.len);
        sy_buf_append(t->out, "]", 1);
    } else if (c.calls.len > 0) {
        SY_BUF_APPEND_LIT(t->out, "null");
    } else {
        SY_BUF_APPEND_LIT(t->out, "\"\"");
    }
    if (c.calls.len > 0) {
        SY_BUF_APPEND_LIT(t->out, ",\"tool_calls\":[");
        sy_buf_append(t->out, c.calls.ptr, c.calls.len);
        sy_buf_append(t->out, "]", 1);
    }
    if (c.thinking.len > 0) {
        SY_BUF_APPEND_LIT(t->out, ",\"thinking_blocks\":[");
        sy_buf_append(t->out, c.thinking.ptr, c.thinking.len);
        sy_buf_append(t->out, "]", 1);
    }
    sy_buf_append(t->out, "}", 1);
out:
    content_dispose(&c);
    return ok;
}

static bool put_system(struct tr *t, const struct sy_json_member *sys)
{
    struct sy_buf parts = {0};
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    char path[48];
    bool ok = true;

    if (!given(sys))
        return true;
    if (sys->type == SY_JSON_STRING) {
        t->messages++;
        t->text_bytes += sys->value.len - 2;
        begin_message(t);
        SY_BUF_APPEND_LIT(t->out, "{\"role\":\"system\",\"content\":");
        sy_buf_append_str(t->out, sys->value);
        sy_buf_append(t->out, "}", 1);
        return true;
    }
    if (sys->type != SY_JSON_ARRAY)
        return invalid(t, "system: Input should be a valid string or a list of text blocks");
    sy_json_iter_init(&it, sys->value);
    for (size_t i = 0; ok && sy_json_next_element(&it, &el, &type); i++) {
        struct sy_json_member b[B_COUNT];
        snprintf(path, sizeof(path), "system.%zu", i);
        ok = read_block(t, el, type, path, b);
        if (ok && !value_is(&b[B_TYPE], "text"))
            ok = invalid(t, "%s.type: Input should be 'text'", path);
        if (ok)
            ok = put_text_part(t, b, path, &parts, NULL);
    }
    if (ok && parts.len > 0) {
        t->messages++;
        begin_message(t);
        SY_BUF_APPEND_LIT(t->out, "{\"role\":\"system\",\"content\":[");
        sy_buf_append(t->out, parts.ptr, parts.len);
        SY_BUF_APPEND_LIT(t->out, "]}");
    }
    sy_buf_dispose(&parts);
    return ok;
}

enum { T_TYPE, T_NAME, T_DESCRIPTION, T_SCHEMA, T_CACHE, T_STRICT, T_COUNT };

static const char *const tool_keys[T_COUNT] = {"type",         "name",          "description",
                                               "input_schema", "cache_control", "strict"};

/* Appends ,"tools":[...] and returns false on an invalid tool; `*count` is
 * the number of tools written. */
static bool put_tools(struct tr *t, const struct sy_json_member *tools, size_t *count)
{
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    char path[32];

    *count = 0;
    if (!given(tools))
        return true;
    if (tools->type != SY_JSON_ARRAY)
        return invalid(t, "tools: Input should be a valid list");
    sy_json_iter_init(&it, tools->value);
    for (size_t i = 0; sy_json_next_element(&it, &el, &type); i++) {
        struct sy_json_member m[T_COUNT];
        snprintf(path, sizeof(path), "tools.%zu", i);
        if (type != SY_JSON_OBJECT)
            return invalid(t, "%s: Input should be an object", path);
        pick(el, tool_keys, m, T_COUNT);
        if (has(&m[T_TYPE]) && m[T_TYPE].type != SY_JSON_STRING && m[T_TYPE].type != SY_JSON_NULL)
            return invalid(t, "%s.type: Input should be a valid string", path);
        if (m[T_NAME].type != SY_JSON_STRING)
            return invalid(t, "%s.name: Field required", path);
        if (!check_cache(t, &m[T_CACHE], path))
            return false;
        if (given(&m[T_TYPE]) && !value_is(&m[T_TYPE], "custom")) {
            /* bash_20250124, web_search_20250305, ...: they run at Anthropic. */
            t->text_bytes += el.len;
            native_only(t,
                        "%s.type: server and client tools defined by Anthropic can only be sent "
                        "to an Anthropic provider",
                        path);
            continue;
        }
        if (m[T_SCHEMA].type != SY_JSON_OBJECT)
            return invalid(t, "%s.input_schema: Field required", path);
        if (given(&m[T_DESCRIPTION]) && m[T_DESCRIPTION].type != SY_JSON_STRING)
            return invalid(t, "%s.description: Input should be a valid string", path);
        t->text_bytes += m[T_NAME].value.len + m[T_SCHEMA].value.len +
                         (given(&m[T_DESCRIPTION]) ? m[T_DESCRIPTION].value.len : 0);
        if (*count == 0)
            SY_BUF_APPEND_LIT(t->out, ",\"tools\":[");
        else
            sy_buf_append(t->out, ",", 1);
        SY_BUF_APPEND_LIT(t->out, "{\"type\":\"function\",\"function\":{\"name\":");
        sy_buf_append_str(t->out, m[T_NAME].value);
        if (given(&m[T_DESCRIPTION])) {
            SY_BUF_APPEND_LIT(t->out, ",\"description\":");
            sy_buf_append_str(t->out, m[T_DESCRIPTION].value);
        }
        SY_BUF_APPEND_LIT(t->out, ",\"parameters\":");
        sy_buf_append_str(t->out, m[T_SCHEMA].value);
        if (m[T_STRICT].type == SY_JSON_TRUE || m[T_STRICT].type == SY_JSON_FALSE) {
            SY_BUF_APPEND_LIT(t->out, ",\"strict\":");
            sy_buf_append_str(t->out, m[T_STRICT].value);
        }
        sy_buf_append(t->out, "}", 1);
        append_cache(t->out, &m[T_CACHE]);
        sy_buf_append(t->out, "}", 1);
        ++*count;
    }
    if (*count > 0)
        sy_buf_append(t->out, "]", 1);
    return true;
}

enum { C_TYPE, C_NAME, C_NO_PARALLEL, C_COUNT };

static const char *const choice_keys[C_COUNT] = {"type", "name", "disable_parallel_tool_use"};

static bool put_tool_choice(struct tr *t, const struct sy_json_member *choice, size_t tools)
{
    struct sy_json_member m[C_COUNT];

    if (!given(choice))
        return true;
    if (choice->type != SY_JSON_OBJECT)
        return invalid(t, "tool_choice: Input should be an object");
    pick(choice->value, choice_keys, m, C_COUNT);
    if (!has(&m[C_TYPE]))
        return invalid(t, "tool_choice.type: Field required");
    if (has(&m[C_NO_PARALLEL]) && m[C_NO_PARALLEL].type != SY_JSON_TRUE &&
        m[C_NO_PARALLEL].type != SY_JSON_FALSE)
        return invalid(t, "tool_choice.disable_parallel_tool_use: Input should be a valid boolean");
    if (value_is(&m[C_TYPE], "tool") && m[C_NAME].type != SY_JSON_STRING)
        return invalid(t, "tool_choice.name: Field required");
    if (!value_is(&m[C_TYPE], "auto") && !value_is(&m[C_TYPE], "any") &&
        !value_is(&m[C_TYPE], "none") && !value_is(&m[C_TYPE], "tool"))
        return invalid(t, "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    if (tools == 0)
        return true; /* OpenAI refuses tool_choice and parallel_tool_calls without tools */
    if (value_is(&m[C_TYPE], "auto")) {
        SY_BUF_APPEND_LIT(t->out, ",\"tool_choice\":\"auto\"");
    } else if (value_is(&m[C_TYPE], "any")) {
        SY_BUF_APPEND_LIT(t->out, ",\"tool_choice\":\"required\"");
    } else if (value_is(&m[C_TYPE], "none")) {
        SY_BUF_APPEND_LIT(t->out, ",\"tool_choice\":\"none\"");
    } else {
        SY_BUF_APPEND_LIT(t->out,
                          ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":");
        sy_buf_append_str(t->out, m[C_NAME].value);
        SY_BUF_APPEND_LIT(t->out, "}}");
    }
    if (m[C_NO_PARALLEL].type == SY_JSON_TRUE)
        SY_BUF_APPEND_LIT(t->out, ",\"parallel_tool_calls\":false");
    return true;
}

/* The top-level members a Messages request may have that the hub uses. */
enum {
    R_MODEL,
    R_MESSAGES,
    R_SYSTEM,
    R_MAX_TOKENS,
    R_TEMPERATURE,
    R_TOP_P,
    R_TOP_K,
    R_STOP,
    R_STREAM,
    R_METADATA,
    R_TOOLS,
    R_TOOL_CHOICE,
    R_THINKING,
    R_COUNT
};

static const char *const request_keys[R_COUNT] = {
    "model",          "messages", "system",   "max_tokens", "temperature", "top_p",    "top_k",
    "stop_sequences", "stream",   "metadata", "tools",      "tool_choice", "thinking",
};

/* Appends ,"`name`":<raw value> when the member is given. */
static void put_raw(struct tr *t, const char *name, const struct sy_json_member *m)
{
    if (!given(m))
        return;
    sy_buf_appendf(t->out, ",\"%s\":", name);
    sy_buf_append_str(t->out, m->value);
}

static bool check_scalars(struct tr *t, const struct sy_json_member *f, bool need_max_tokens)
{
    uint64_t n;

    if (!has(&f[R_MODEL]))
        return invalid(t, "model: Field required");
    if (f[R_MODEL].type != SY_JSON_STRING || f[R_MODEL].value.len <= 2)
        return invalid(t, "model: Input should be a non-empty string");
    if (!has(&f[R_MESSAGES]))
        return invalid(t, "messages: Field required");
    if (f[R_MESSAGES].type != SY_JSON_ARRAY)
        return invalid(t, "messages: Input should be a valid list");
    if (need_max_tokens && !has(&f[R_MAX_TOKENS]))
        return invalid(t, "max_tokens: Field required");
    if (has(&f[R_MAX_TOKENS]) && (f[R_MAX_TOKENS].type != SY_JSON_NUMBER ||
                                  !sy_json_get_uint(f[R_MAX_TOKENS].value, &n) || n < 1))
        return invalid(t, "max_tokens: Input should be an integer of at least 1");
    if (has(&f[R_STREAM]) && f[R_STREAM].type != SY_JSON_TRUE &&
        f[R_STREAM].type != SY_JSON_FALSE && f[R_STREAM].type != SY_JSON_NULL)
        return invalid(t, "stream: Input should be a valid boolean");
    if (given(&f[R_TEMPERATURE]) && f[R_TEMPERATURE].type != SY_JSON_NUMBER)
        return invalid(t, "temperature: Input should be a valid number");
    if (given(&f[R_TOP_P]) && f[R_TOP_P].type != SY_JSON_NUMBER)
        return invalid(t, "top_p: Input should be a valid number");
    if (given(&f[R_TOP_K]) &&
        (f[R_TOP_K].type != SY_JSON_NUMBER || !sy_json_get_uint(f[R_TOP_K].value, &n)))
        return invalid(t, "top_k: Input should be a non-negative integer");
    if (given(&f[R_THINKING])) {
        struct sy_json_member type;
        if (f[R_THINKING].type != SY_JSON_OBJECT)
            return invalid(t, "thinking: Input should be an object");
        if (!sy_json_get(f[R_THINKING].value, "type", &type) || type.type != SY_JSON_STRING)
            return invalid(t, "thinking.type: Field required");
    }
    if (given(&f[R_STOP])) {
        struct sy_json_iter it;
        struct sy_str el;
        enum sy_json_type type;
        if (f[R_STOP].type != SY_JSON_ARRAY)
            return invalid(t, "stop_sequences: Input should be a valid list of strings");
        sy_json_iter_init(&it, f[R_STOP].value);
        for (size_t i = 0; sy_json_next_element(&it, &el, &type); i++)
            if (type != SY_JSON_STRING)
                return invalid(t, "stop_sequences.%zu: Input should be a valid string", i);
    }
    if (given(&f[R_METADATA])) {
        struct sy_json_member user;
        if (f[R_METADATA].type != SY_JSON_OBJECT)
            return invalid(t, "metadata: Input should be an object");
        if (sy_json_get(f[R_METADATA].value, "user_id", &user) && user.type != SY_JSON_STRING &&
            user.type != SY_JSON_NULL)
            return invalid(t, "metadata.user_id: Input should be a valid string");
    }
    return true;
}

/* Checks and translates; `need_max_tokens` is false for count_tokens. */
static enum sy_messages_verdict translate(struct tr *t, const char *body, size_t len,
                                          bool need_max_tokens)
{
    struct sy_json_member f[R_COUNT], user;
    struct sy_json_error jerr;
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    size_t tools = 0, i = 0;

    if (t->why_cap > 0)
        t->why[0] = '\0';
    type = sy_json_validate(body, len, MAX_DEPTH, &jerr);
    if (type == SY_JSON_INVALID) {
        invalid(t, "Invalid JSON at line %u, column %u: %s", jerr.line, jerr.column, jerr.reason);
        return t->verdict;
    }
    if (type != SY_JSON_OBJECT) {
        invalid(t, "The request body must be a JSON object");
        return t->verdict;
    }
    pick((struct sy_str){body, len}, request_keys, f, R_COUNT);
    if (!check_scalars(t, f, need_max_tokens))
        return t->verdict;

    SY_BUF_APPEND_LIT(t->out, "{\"model\":");
    sy_buf_append_str(t->out, f[R_MODEL].value);
    SY_BUF_APPEND_LIT(t->out, ",\"messages\":[");
    if (!put_system(t, &f[R_SYSTEM]))
        return t->verdict;
    sy_json_iter_init(&it, f[R_MESSAGES].value);
    for (; sy_json_next_element(&it, &el, &type); i++)
        if (!put_message(t, el, type, i))
            return t->verdict;
    if (i == 0) {
        invalid(t, "messages: List should have at least 1 item");
        return t->verdict;
    }
    sy_buf_append(t->out, "]", 1);

    put_raw(t, "max_tokens", &f[R_MAX_TOKENS]);
    put_raw(t, "temperature", &f[R_TEMPERATURE]);
    put_raw(t, "top_p", &f[R_TOP_P]);
    put_raw(t, "top_k", &f[R_TOP_K]);
    put_raw(t, "stop", &f[R_STOP]);
    if (f[R_STREAM].type == SY_JSON_TRUE)
        SY_BUF_APPEND_LIT(t->out, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    if (given(&f[R_METADATA]) && sy_json_get(f[R_METADATA].value, "user_id", &user))
        put_raw(t, "user", &user);
    put_raw(t, "thinking", &f[R_THINKING]);
    if (!put_tools(t, &f[R_TOOLS], &tools) || !put_tool_choice(t, &f[R_TOOL_CHOICE], tools))
        return t->verdict;
    sy_buf_append(t->out, "}", 1);
    return t->verdict;
}

enum sy_messages_verdict sy_messages_request_to_openai(const char *body, size_t len,
                                                       struct sy_buf *out, char *why,
                                                       size_t why_cap)
{
    struct tr t = {.out = out, .why = why, .why_cap = why_cap};

    return translate(&t, body, len, true);
}

enum sy_messages_verdict sy_messages_count_tokens(const char *body, size_t len, uint32_t *tokens,
                                                  char *why, size_t why_cap)
{
    struct sy_buf scratch = {0};
    struct tr t = {.out = &scratch, .why = why, .why_cap = why_cap};
    enum sy_messages_verdict v = translate(&t, body, len, false);
    uint64_t n = (t.text_bytes + 3) / 4 + (uint64_t)t.messages * TOKENS_PER_MSG +
                 (uint64_t)t.media * TOKENS_PER_MEDIA;

    sy_buf_dispose(&scratch);
    *tokens = v == SY_MESSAGES_INVALID ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    return v;
}

/* ---- Answers: OpenAI -> Anthropic --------------------------------------- */

/* Token counts in OpenAI terms, with the cache extensions. */
struct counts {
    uint32_t prompt, output, cache_read, cache_creation;
    bool cache_read_seen, cache_creation_seen;
};

static void read_counts(struct sy_str usage, struct counts *c)
{
    struct sy_json_member d;

    c->prompt = get_u32(usage, "prompt_tokens", NULL);
    c->output = get_u32(usage, "completion_tokens", NULL);
    if (sy_json_get(usage, "prompt_tokens_details", &d) && d.type == SY_JSON_OBJECT) {
        c->cache_read = get_u32(d.value, "cached_tokens", &c->cache_read_seen);
        c->cache_creation = get_u32(d.value, "cache_creation_tokens", &c->cache_creation_seen);
    }
    if (sy_json_get(usage, "cache_creation_input_tokens", &d))
        c->cache_creation = get_u32(usage, "cache_creation_input_tokens", &c->cache_creation_seen);
}

static void append_usage(struct sy_buf *out, const struct counts *c)
{
    uint64_t cached = (uint64_t)c->cache_read + c->cache_creation;
    uint32_t input = c->prompt > cached ? (uint32_t)(c->prompt - cached) : 0;

    sy_buf_appendf(out, "{\"input_tokens\":%u,\"output_tokens\":%u", input, c->output);
    if (c->cache_read_seen)
        sy_buf_appendf(out, ",\"cache_read_input_tokens\":%u", c->cache_read);
    if (c->cache_creation_seen)
        sy_buf_appendf(out, ",\"cache_creation_input_tokens\":%u", c->cache_creation);
    sy_buf_append(out, "}", 1);
}

/* The stop_reason literal for an OpenAI finish_reason member. */
static const char *stop_reason(const struct sy_json_member *finish)
{
    if (value_is(finish, "length"))
        return "\"max_tokens\"";
    if (value_is(finish, "tool_calls") || value_is(finish, "function_call"))
        return "\"tool_use\"";
    if (value_is(finish, "content_filter"))
        return "\"refusal\"";
    return "\"end_turn\"";
}

/* Appends a tool's input: the arguments string parsed when it holds a JSON
 * object, {} when blank, else the string itself (nothing is dropped). */
static void append_tool_input(struct sy_buf *out, const struct sy_json_member *args)
{
    char *text;
    ssize_t n;
    size_t from = 0, to;

    if (args->type == SY_JSON_OBJECT) {
        sy_buf_append_str(out, args->value);
        return;
    }
    if (args->type != SY_JSON_STRING) {
        SY_BUF_APPEND_LIT(out, "{}");
        return;
    }
    text = sy_xmalloc(args->value.len + 1);
    n = sy_json_string_decode(args->value, text, args->value.len + 1);
    to = n > 0 ? (size_t)n : 0;
    while (from < to && strchr(" \t\r\n", text[from]) != NULL)
        from++;
    while (to > from && strchr(" \t\r\n", text[to - 1]) != NULL)
        to--;
    if (from == to)
        SY_BUF_APPEND_LIT(out, "{}");
    else if (sy_json_validate(text + from, to - from, MAX_DEPTH, NULL) == SY_JSON_OBJECT)
        sy_buf_append(out, text + from, to - from);
    else
        sy_buf_append_str(out, args->value);
    free(text);
}

enum { TB_TYPE, TB_THINKING, TB_SIGNATURE, TB_DATA, TB_COUNT };

static const char *const thinking_keys[TB_COUNT] = {"type", "thinking", "signature", "data"};

static void append_string_or_empty(struct sy_buf *out, const struct sy_json_member *m)
{
    if (m->type == SY_JSON_STRING)
        sy_buf_append_str(out, m->value);
    else
        SY_BUF_APPEND_LIT(out, "\"\"");
}

/* Thinking blocks from message.thinking_blocks; returns how many. */
static size_t append_thinking_blocks(struct sy_buf *blocks, struct sy_str list)
{
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    size_t n = 0;

    sy_json_iter_init(&it, list);
    while (sy_json_next_element(&it, &el, &type)) {
        struct sy_json_member m[TB_COUNT];
        if (type != SY_JSON_OBJECT)
            continue;
        pick(el, thinking_keys, m, TB_COUNT);
        if (value_is(&m[TB_TYPE], "redacted_thinking") && m[TB_DATA].type == SY_JSON_STRING) {
            append_sep(blocks);
            SY_BUF_APPEND_LIT(blocks, "{\"type\":\"redacted_thinking\",\"data\":");
            sy_buf_append_str(blocks, m[TB_DATA].value);
            sy_buf_append(blocks, "}", 1);
            n++;
        } else if (value_is(&m[TB_TYPE], "thinking")) {
            append_sep(blocks);
            SY_BUF_APPEND_LIT(blocks, "{\"type\":\"thinking\",\"thinking\":");
            append_string_or_empty(blocks, &m[TB_THINKING]);
            SY_BUF_APPEND_LIT(blocks, ",\"signature\":");
            append_string_or_empty(blocks, &m[TB_SIGNATURE]);
            sy_buf_append(blocks, "}", 1);
            n++;
        }
    }
    return n;
}

enum {
    OM_CONTENT,
    OM_REFUSAL,
    OM_TOOL_CALLS,
    OM_THINKING_BLOCKS,
    OM_REASONING_CONTENT,
    OM_REASONING,
    OM_COUNT
};

static const char *const openai_message_keys[OM_COUNT] = {
    "content", "refusal", "tool_calls", "thinking_blocks", "reasoning_content", "reasoning"};

static void append_text_block(struct sy_buf *blocks, struct sy_str text)
{
    append_sep(blocks);
    SY_BUF_APPEND_LIT(blocks, "{\"type\":\"text\",\"text\":");
    sy_buf_append_str(blocks, text);
    sy_buf_append(blocks, "}", 1);
}

static void append_message_blocks(struct sy_buf *blocks, struct sy_str message)
{
    struct sy_json_member m[OM_COUNT];
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    size_t texts = 0, i = 0;

    pick(message, openai_message_keys, m, OM_COUNT);
    if (m[OM_THINKING_BLOCKS].type != SY_JSON_ARRAY ||
        append_thinking_blocks(blocks, m[OM_THINKING_BLOCKS].value) == 0) {
        const struct sy_json_member *r = m[OM_REASONING_CONTENT].type == SY_JSON_STRING
                                             ? &m[OM_REASONING_CONTENT]
                                             : &m[OM_REASONING];
        if (r->type == SY_JSON_STRING && r->value.len > 2) {
            SY_BUF_APPEND_LIT(blocks, "{\"type\":\"thinking\",\"thinking\":");
            sy_buf_append_str(blocks, r->value);
            SY_BUF_APPEND_LIT(blocks, ",\"signature\":\"\"}");
        }
    }
    if (m[OM_CONTENT].type == SY_JSON_STRING && m[OM_CONTENT].value.len > 2) {
        append_text_block(blocks, m[OM_CONTENT].value);
        texts++;
    } else if (m[OM_CONTENT].type == SY_JSON_ARRAY) {
        sy_json_iter_init(&it, m[OM_CONTENT].value);
        while (sy_json_next_element(&it, &el, &type)) {
            struct sy_json_member pt, text;
            if (type == SY_JSON_OBJECT && sy_json_get(el, "type", &pt) && value_is(&pt, "text") &&
                sy_json_get(el, "text", &text) && text.type == SY_JSON_STRING) {
                append_text_block(blocks, text.value);
                texts++;
            }
        }
    }
    if (texts == 0 && m[OM_REFUSAL].type == SY_JSON_STRING && m[OM_REFUSAL].value.len > 2)
        append_text_block(blocks, m[OM_REFUSAL].value);
    if (m[OM_TOOL_CALLS].type != SY_JSON_ARRAY)
        return;
    sy_json_iter_init(&it, m[OM_TOOL_CALLS].value);
    for (; sy_json_next_element(&it, &el, &type); i++) {
        struct sy_json_member id, fn, name = {0}, args = {0};
        if (type != SY_JSON_OBJECT)
            continue;
        if (sy_json_get(el, "function", &fn) && fn.type == SY_JSON_OBJECT) {
            sy_json_get(fn.value, "name", &name);
            sy_json_get(fn.value, "arguments", &args);
        }
        append_sep(blocks);
        SY_BUF_APPEND_LIT(blocks, "{\"type\":\"tool_use\",\"id\":");
        if (sy_json_get(el, "id", &id) && id.type == SY_JSON_STRING) {
            append_tool_id(blocks, id.value, el);
        } else {
            char gen[48];
            snprintf(gen, sizeof(gen), "\"toolu_gateway_%zu\"", i);
            append_tool_id(blocks, sy_str_c(gen), el);
        }
        SY_BUF_APPEND_LIT(blocks, ",\"name\":");
        append_string_or_empty(blocks, &name);
        SY_BUF_APPEND_LIT(blocks, ",\"input\":");
        append_tool_input(blocks, &args);
        sy_buf_append(blocks, "}", 1);
    }
}

enum { OR_ID, OR_CHOICES, OR_USAGE, OR_COUNT };

static const char *const openai_response_keys[OR_COUNT] = {"id", "choices", "usage"};

enum sy_err sy_messages_response_from_openai(const char *alias, const char *body, size_t len,
                                             struct sy_buf *out)
{
    struct sy_json_member r[OR_COUNT], message, finish = {0};
    struct sy_buf blocks = {0};
    struct counts counts = {0};
    struct sy_str choice;
    enum sy_json_type type;

    if (sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_ERR_UPSTREAM;
    pick((struct sy_str){body, len}, openai_response_keys, r, OR_COUNT);
    if (r[OR_CHOICES].type != SY_JSON_ARRAY ||
        !first_element(r[OR_CHOICES].value, &choice, &type) || type != SY_JSON_OBJECT ||
        !sy_json_get(choice, "message", &message) || message.type != SY_JSON_OBJECT)
        return SY_ERR_UPSTREAM;
    sy_json_get(choice, "finish_reason", &finish);
    if (r[OR_USAGE].type == SY_JSON_OBJECT)
        read_counts(r[OR_USAGE].value, &counts);
    append_message_blocks(&blocks, message.value);

    SY_BUF_APPEND_LIT(out, "{\"id\":");
    append_message_id(out, r[OR_ID].type == SY_JSON_STRING ? r[OR_ID].value : SY_STR_NULL);
    SY_BUF_APPEND_LIT(out, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
    sy_json_append_string(out, alias, strlen(alias));
    SY_BUF_APPEND_LIT(out, ",\"content\":[");
    sy_buf_append(out, blocks.ptr, blocks.len);
    SY_BUF_APPEND_LIT(out, "],\"stop_reason\":");
    sy_buf_append(out, stop_reason(&finish), strlen(stop_reason(&finish)));
    SY_BUF_APPEND_LIT(out, ",\"stop_sequence\":null,\"usage\":");
    append_usage(out, &counts);
    sy_buf_append(out, "}", 1);
    sy_buf_dispose(&blocks);
    return SY_OK;
}

static void append_error_event(struct sy_buf *out, const char *type, struct sy_str message_lit)
{
    SY_BUF_APPEND_LIT(out, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":");
    sy_json_append_string(out, type, strlen(type));
    SY_BUF_APPEND_LIT(out, ",\"message\":");
    sy_buf_append_str(out, message_lit);
    SY_BUF_APPEND_LIT(out, "}}\n\n");
}

void sy_messages_append_stream_error(struct sy_buf *out, const char *type, const char *message)
{
    struct sy_buf lit = {0};

    sy_json_append_string(&lit, message, strlen(message));
    append_error_event(out, type, (struct sy_str){lit.ptr, lit.len});
    sy_buf_dispose(&lit);
}

/* The message of an OpenAI error object, as a literal ("upstream error" when
 * it has none). */
static struct sy_str error_message_lit(struct sy_str error)
{
    struct sy_json_member msg;

    if (error.len > 0 && error.ptr[0] == '{' && sy_json_get(error, "message", &msg) &&
        msg.type == SY_JSON_STRING)
        return msg.value;
    if (error.len > 0 && error.ptr[0] == '"')
        return error;
    return SY_STR("\"The provider reported an error\"");
}

/* ---- Stream translation -------------------------------------------------- */

static void event_begin(struct sy_buf *out, const char *name)
{
    sy_buf_appendf(out, "event: %s\ndata: ", name);
}

static void start_message(struct sy_messages_stream *s, struct sy_str id_lit, struct sy_buf *out)
{
    struct counts c = {.prompt = s->prompt_tokens,
                       .cache_read = s->cache_read_tokens,
                       .cache_creation = s->cache_creation_tokens,
                       .cache_read_seen = s->cache_read_seen,
                       .cache_creation_seen = s->cache_creation_seen};

    event_begin(out, "message_start");
    SY_BUF_APPEND_LIT(out, "{\"type\":\"message_start\",\"message\":{\"id\":");
    append_message_id(out, id_lit);
    SY_BUF_APPEND_LIT(out, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
    sy_json_append_string(out, s->alias, strlen(s->alias));
    SY_BUF_APPEND_LIT(out, ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                           "\"usage\":");
    append_usage(out, &c);
    SY_BUF_APPEND_LIT(out, "}}\n\n");
    s->started = true;
}

static void close_block(struct sy_messages_stream *s, struct sy_buf *out)
{
    if (s->open == SY__MESSAGES_NONE)
        return;
    event_begin(out, "content_block_stop");
    sy_buf_appendf(out, "{\"type\":\"content_block_stop\",\"index\":%u}\n\n", s->open_index);
    s->open = SY__MESSAGES_NONE;
}

/* Opens block `kind` with `content_block` (raw JSON, pieces joined). */
static void open_block(struct sy_messages_stream *s, struct sy_buf *out,
                       enum sy__messages_block kind, const struct sy_str *pieces, size_t count)
{
    close_block(s, out);
    event_begin(out, "content_block_start");
    sy_buf_appendf(
        out, "{\"type\":\"content_block_start\",\"index\":%u,\"content_block\":", s->next_index);
    for (size_t i = 0; i < count; i++)
        sy_buf_append_str(out, pieces[i]);
    SY_BUF_APPEND_LIT(out, "}\n\n");
    s->open = kind;
    s->open_index = s->next_index++;
}

/* One content_block_delta: `head` is the delta's start up to the value. */
static void delta(struct sy_buf *out, uint32_t index, const char *head, struct sy_str value)
{
    event_begin(out, "content_block_delta");
    sy_buf_appendf(out, "{\"type\":\"content_block_delta\",\"index\":%u,\"delta\":{%s", index,
                   head);
    sy_buf_append_str(out, value);
    SY_BUF_APPEND_LIT(out, "}}\n\n");
}

static void text_piece(struct sy_messages_stream *s, struct sy_buf *out, struct sy_str lit)
{
    static const struct sy_str empty = SY_STR("{\"type\":\"text\",\"text\":\"\"}");

    if (lit.len <= 2)
        return;
    if (s->open != SY__MESSAGES_TEXT)
        open_block(s, out, SY__MESSAGES_TEXT, &empty, 1);
    delta(out, s->open_index, "\"type\":\"text_delta\",\"text\":", lit);
}

static void thinking_piece(struct sy_messages_stream *s, struct sy_buf *out, struct sy_str lit,
                           bool is_signature)
{
    static const struct sy_str empty =
        SY_STR("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}");

    if (lit.len <= 2)
        return;
    if (s->open != SY__MESSAGES_THINKING)
        open_block(s, out, SY__MESSAGES_THINKING, &empty, 1);
    delta(out, s->open_index,
          is_signature ? "\"type\":\"signature_delta\",\"signature\":"
                       : "\"type\":\"thinking_delta\",\"thinking\":",
          lit);
}

static void thinking_blocks_delta(struct sy_messages_stream *s, struct sy_buf *out,
                                  struct sy_str list)
{
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;

    sy_json_iter_init(&it, list);
    while (sy_json_next_element(&it, &el, &type)) {
        struct sy_json_member m[TB_COUNT];
        if (type != SY_JSON_OBJECT)
            continue;
        pick(el, thinking_keys, m, TB_COUNT);
        if (value_is(&m[TB_TYPE], "redacted_thinking") && m[TB_DATA].type == SY_JSON_STRING) {
            const struct sy_str pieces[] = {SY_STR("{\"type\":\"redacted_thinking\",\"data\":"),
                                            m[TB_DATA].value, SY_STR("}")};
            open_block(s, out, SY__MESSAGES_THINKING, pieces, 3);
            close_block(s, out);
            continue;
        }
        if (m[TB_THINKING].type == SY_JSON_STRING)
            thinking_piece(s, out, m[TB_THINKING].value, false);
        if (m[TB_SIGNATURE].type == SY_JSON_STRING)
            thinking_piece(s, out, m[TB_SIGNATURE].value, true);
    }
}

enum { TC_INDEX, TC_ID, TC_FUNCTION, TC_COUNT };

static const char *const tool_call_keys[TC_COUNT] = {"index", "id", "function"};

static void tool_calls_delta(struct sy_messages_stream *s, struct sy_buf *out, struct sy_str list)
{
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;

    sy_json_iter_init(&it, list);
    for (uint64_t ordinal = 0; sy_json_next_element(&it, &el, &type); ordinal++) {
        struct sy_json_member m[TC_COUNT], name = {0}, args = {0};
        uint64_t k = ordinal;
        size_t slot;

        if (type != SY_JSON_OBJECT)
            continue;
        pick(el, tool_call_keys, m, TC_COUNT);
        if (m[TC_INDEX].type == SY_JSON_NUMBER)
            sy_json_get_uint(m[TC_INDEX].value, &k);
        if (m[TC_FUNCTION].type == SY_JSON_OBJECT) {
            sy_json_get(m[TC_FUNCTION].value, "name", &name);
            sy_json_get(m[TC_FUNCTION].value, "arguments", &args);
        }
        for (slot = 0; slot < s->tools_count; slot++)
            if (s->tools[slot].openai_index == k)
                break;
        if (slot == s->tools_count) {
            char gen[48];
            struct sy_buf id = {0};
            struct sy_str pieces[5] = {SY_STR("{\"type\":\"tool_use\",\"id\":"), SY_STR_NULL,
                                       SY_STR(",\"name\":"),
                                       name.type == SY_JSON_STRING ? name.value : SY_STR("\"\""),
                                       SY_STR(",\"input\":{}}")};
            snprintf(gen, sizeof(gen), "\"toolu_gateway_%llu\"", (unsigned long long)k);
            append_tool_id(&id, m[TC_ID].type == SY_JSON_STRING ? m[TC_ID].value : sy_str_c(gen),
                           el);
            pieces[1] = (struct sy_str){id.ptr, id.len};
            open_block(s, out, SY__MESSAGES_TOOL, pieces, 5);
            sy_buf_dispose(&id);
            if (slot == SY_MESSAGES_MAX_TOOLS)
                slot--; /* past the table: the last entry follows the newest call */
            else
                s->tools_count++;
            s->tools[slot].openai_index = k;
            s->tools[slot].block = s->open_index;
        }
        /* A piece for a call whose block was closed (calls interleaved) still
         * names that block's index, which is where the SDKs accumulate it. */
        if (args.type == SY_JSON_STRING && args.value.len > 2)
            delta(out, s->tools[slot].block,
                  "\"type\":\"input_json_delta\",\"partial_json\":", args.value);
    }
}

static void finish_message(struct sy_messages_stream *s, struct sy_buf *out)
{
    struct counts c = {.prompt = s->prompt_tokens,
                       .output = s->output_tokens,
                       .cache_read = s->cache_read_tokens,
                       .cache_creation = s->cache_creation_tokens,
                       .cache_read_seen = s->cache_read_seen,
                       .cache_creation_seen = s->cache_creation_seen};

    if (!s->started)
        start_message(s, SY_STR_NULL, out);
    close_block(s, out);
    event_begin(out, "message_delta");
    SY_BUF_APPEND_LIT(out, "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":");
    sy_buf_append(out, s->stop_reason != NULL ? s->stop_reason : "\"end_turn\"",
                  strlen(s->stop_reason != NULL ? s->stop_reason : "\"end_turn\""));
    SY_BUF_APPEND_LIT(out, ",\"stop_sequence\":null},\"usage\":");
    append_usage(out, &c);
    SY_BUF_APPEND_LIT(out, "}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    s->finished = true;
}

enum { CH_ID, CH_CHOICES, CH_USAGE, CH_ERROR, CH_COUNT };

static const char *const chunk_keys[CH_COUNT] = {"id", "choices", "usage", "error"};

enum {
    D_CONTENT,
    D_REFUSAL,
    D_REASONING_CONTENT,
    D_REASONING,
    D_THINKING_BLOCKS,
    D_TOOL_CALLS,
    D_COUNT
};

static const char *const delta_keys[D_COUNT] = {"content",   "refusal",         "reasoning_content",
                                                "reasoning", "thinking_blocks", "tool_calls"};

static void on_chunk(struct sy_messages_stream *s, struct sy_str chunk, struct sy_buf *out)
{
    struct sy_json_member c[CH_COUNT], d[D_COUNT], delta_m, finish;
    struct sy_str choice;
    enum sy_json_type type;

    pick(chunk, chunk_keys, c, CH_COUNT);
    if (given(&c[CH_ERROR])) {
        append_error_event(out, "api_error", error_message_lit(c[CH_ERROR].value));
        s->failed = true;
        return;
    }
    if (c[CH_USAGE].type == SY_JSON_OBJECT) {
        struct counts u = {0};
        read_counts(c[CH_USAGE].value, &u);
        s->usage_seen = true;
        s->prompt_tokens = u.prompt;
        s->output_tokens = u.output;
        s->cache_read_tokens = u.cache_read;
        s->cache_creation_tokens = u.cache_creation;
        s->cache_read_seen = u.cache_read_seen;
        s->cache_creation_seen = u.cache_creation_seen;
    }
    if (!s->started)
        start_message(s, c[CH_ID].type == SY_JSON_STRING ? c[CH_ID].value : SY_STR_NULL, out);
    /* Anthropic has one answer per request: choices other than the first
     * (n > 1) have no place to go. */
    if (c[CH_CHOICES].type != SY_JSON_ARRAY ||
        !first_element(c[CH_CHOICES].value, &choice, &type) || type != SY_JSON_OBJECT)
        return;
    if (sy_json_get(choice, "delta", &delta_m) && delta_m.type == SY_JSON_OBJECT) {
        pick(delta_m.value, delta_keys, d, D_COUNT);
        if (d[D_THINKING_BLOCKS].type == SY_JSON_ARRAY)
            thinking_blocks_delta(s, out, d[D_THINKING_BLOCKS].value);
        else if (d[D_REASONING_CONTENT].type == SY_JSON_STRING)
            thinking_piece(s, out, d[D_REASONING_CONTENT].value, false);
        else if (d[D_REASONING].type == SY_JSON_STRING)
            thinking_piece(s, out, d[D_REASONING].value, false);
        if (d[D_CONTENT].type == SY_JSON_STRING)
            text_piece(s, out, d[D_CONTENT].value);
        if (d[D_REFUSAL].type == SY_JSON_STRING)
            text_piece(s, out, d[D_REFUSAL].value);
        if (d[D_TOOL_CALLS].type == SY_JSON_ARRAY)
            tool_calls_delta(s, out, d[D_TOOL_CALLS].value);
    }
    if (sy_json_get(choice, "finish_reason", &finish) && finish.type == SY_JSON_STRING)
        s->stop_reason = stop_reason(&finish);
}

/* The client's stream must still end in an error event, never just stop. */
static void fail_unreadable(struct sy_messages_stream *s, struct sy_buf *out)
{
    if (!s->failed && !s->finished)
        sy_messages_append_stream_error(out, "api_error",
                                        "The provider's stream could not be translated");
    s->failed = true;
}

struct feed {
    struct sy_messages_stream *s;
    struct sy_buf *out;
    enum sy_stream_next next;
};

static int on_openai_event(const struct sy_sse_event *ev, void *arg)
{
    struct feed *f = arg;
    struct sy_messages_stream *s = f->s;

    if (sy_str_eq_c(ev->data, "[DONE]")) {
        if (!s->failed)
            finish_message(s, f->out);
        s->finished = true;
        f->next = SY_STREAM_DONE;
        return 1;
    }
    if (sy_json_validate(ev->data.ptr, ev->data.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT) {
        fail_unreadable(s, f->out);
        f->next = SY_STREAM_MALFORMED;
        return 1;
    }
    if (!s->failed)
        on_chunk(s, ev->data, f->out);
    return 0;
}

void sy_messages_stream_init(struct sy_messages_stream *s, const char *alias,
                             size_t max_event_bytes)
{
    memset(s, 0, sizeof(*s));
    s->alias = alias;
    sy_sse_init(&s->sse, max_event_bytes);
}

enum sy_stream_next sy_messages_stream_feed(struct sy_messages_stream *s, const char *data,
                                            size_t len, struct sy_buf *out)
{
    struct feed f = {s, out, SY_STREAM_CONTINUE};
    int rc;

    if (s->finished)
        return SY_STREAM_DONE;
    rc = sy_sse_feed(&s->sse, data, len, on_openai_event, &f);
    if (rc == SY_SSE_TOO_LARGE) {
        fail_unreadable(s, out);
        return SY_STREAM_TOO_LARGE;
    }
    return f.next;
}

void sy_messages_stream_dispose(struct sy_messages_stream *s)
{
    sy_sse_dispose(&s->sse);
}

/* ---- Native pass-through -------------------------------------------------- */

/* Appends `src` with each of the `count` ranges in `values` (ascending, not
 * overlapping, inside `src`) replaced by `with`. */
static void splice(struct sy_buf *out, struct sy_str src, const struct sy_str *values, size_t count,
                   struct sy_str with)
{
    const char *at = src.ptr;

    for (size_t i = 0; i < count; i++) {
        if (values[i].ptr < at)
            continue;
        sy_buf_append(out, at, (size_t)(values[i].ptr - at));
        sy_buf_append_str(out, with);
        at = values[i].ptr + values[i].len;
    }
    sy_buf_append(out, at, (size_t)(src.ptr + src.len - at));
}

enum sy_err sy_messages_build_native(const struct sy_build_ctx *ctx, struct sy_str anthropic_beta,
                                     struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    const struct sy_client_request *creq = ctx->creq;
    struct sy_buf model = {0}, body = {0};
    size_t n = 0;

    sy_json_append_string(&model, ctx->upstream_model, strlen(ctx->upstream_model));
    splice(&body, creq->raw, creq->model_values, creq->model_values_count,
           (struct sy_str){model.ptr, model.len});
    out->body = (struct sy_str){sy_pool_strndup(ctx->pool, body.ptr, body.len), body.len};
    sy_buf_dispose(&body);
    sy_buf_dispose(&model);

    out->url = sy_pool_printf(ctx->pool, "%s/v1/messages", prov->base_url);
    out->headers = sy_pool_alloc(ctx->pool, (prov->headers_count + 4) * sizeof(char *));
    out->headers[n++] = "Content-Type: application/json";
    if (prov->api_key != NULL)
        out->headers[n++] = sy_pool_printf(ctx->pool, "x-api-key: %s", prov->api_key);
    out->headers[n++] =
        sy_pool_printf(ctx->pool, "anthropic-version: %s",
                       prov->api_version != NULL ? prov->api_version : "2023-06-01");
    if (anthropic_beta.ptr != NULL && anthropic_beta.len > 0)
        out->headers[n++] = sy_pool_printf(ctx->pool, "anthropic-beta: %.*s",
                                           (int)anthropic_beta.len, anthropic_beta.ptr);
    for (size_t i = 0; i < prov->headers_count; i++)
        out->headers[n++] =
            sy_pool_printf(ctx->pool, "%s: %s", prov->headers[i].name, prov->headers[i].value);
    out->headers_count = n;
    return SY_OK;
}

static enum sy_err build_native(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    return sy_messages_build_native(ctx, SY_STR_NULL, out);
}

/* Anthropic's counters, kept across a native stream: message_delta may
 * restate any of them. */
struct native_counts {
    uint32_t input, output, cache_read, cache_creation;
};

static void merge_anthropic_usage(struct sy_str obj, struct native_counts *n,
                                  struct sy_usage *usage)
{
    struct sy_json_member m;
    uint64_t v;

    if (obj.len == 0 || obj.ptr[0] != '{')
        return;
    if (sy_json_get(obj, "input_tokens", &m) && sy_json_get_uint(m.value, &v))
        n->input = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    if (sy_json_get(obj, "output_tokens", &m) && sy_json_get_uint(m.value, &v))
        n->output = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    if (sy_json_get(obj, "cache_read_input_tokens", &m) && sy_json_get_uint(m.value, &v))
        n->cache_read = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    if (sy_json_get(obj, "cache_creation_input_tokens", &m) && sy_json_get_uint(m.value, &v))
        n->cache_creation = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    v = (uint64_t)n->input + n->cache_read + n->cache_creation;
    usage->prompt_tokens = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    usage->completion_tokens = n->output;
    usage->cached_tokens = n->cache_read;
    usage->seen = true;
}

/* The value ranges of the members named "model" in object `obj`. */
static size_t find_models(struct sy_str obj, struct sy_str *values, size_t cap)
{
    struct sy_json_iter it;
    struct sy_json_member m;
    size_t n = 0;

    sy_json_iter_init(&it, obj);
    while (sy_json_next_member(&it, &m))
        if (n < cap && sy_json_key_is(m.key, "model"))
            values[n++] = m.value;
    return n;
}

static enum sy_err native_translate_response(enum sy_endpoint ep, const char *alias,
                                             const char *body, size_t len, struct sy_buf *out,
                                             struct sy_usage *usage)
{
    struct sy_str doc = {body, len}, models[8];
    struct sy_json_member u;
    struct native_counts counts = {0};
    struct sy_buf lit = {0};
    size_t n;

    (void)ep;
    if (sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_ERR_UPSTREAM;
    n = find_models(doc, models, sizeof(models) / sizeof(models[0]));
    if (sy_json_get(doc, "usage", &u))
        merge_anthropic_usage(u.value, &counts, usage);
    sy_json_append_string(&lit, alias, strlen(alias));
    splice(out, doc, models, n, (struct sy_str){lit.ptr, lit.len});
    sy_buf_dispose(&lit);
    return SY_OK;
}

/* Appends `s` as the data of an SSE event: a line break inside it (JSON
 * whitespace) starts another data: line, so the event reads back the same. */
static void append_data_lines(struct sy_buf *out, struct sy_str s)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *nl;

    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        sy_buf_append(out, p, (size_t)(nl - p));
        SY_BUF_APPEND_LIT(out, "\ndata: ");
        p = nl + 1;
    }
    sy_buf_append(out, p, (size_t)(end - p));
}

enum { NE_TYPE, NE_MESSAGE, NE_USAGE, NE_DELTA, NE_COUNT };

static const char *const native_event_keys[NE_COUNT] = {"type", "message", "usage", "delta"};

static enum sy_stream_next native_on_event(struct sy_stream_state *st, enum sy_endpoint ep,
                                           const struct sy_sse_event *ev, struct sy_buf *out)
{
    struct sy_json_member m[NE_COUNT], reason;
    struct native_counts *counts = st->kind_state;
    struct sy_str models[8];
    size_t n = 0;

    (void)ep;
    if (sy_json_validate(ev->data.ptr, ev->data.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_STREAM_MALFORMED;
    if (counts == NULL)
        counts = st->kind_state = sy_pool_zalloc(st->pool, sizeof(*counts));
    st->events++;
    pick(ev->data, native_event_keys, m, NE_COUNT);
    if (value_is(&m[NE_TYPE], "message_start") && m[NE_MESSAGE].type == SY_JSON_OBJECT) {
        struct sy_json_member u;
        n = find_models(m[NE_MESSAGE].value, models, sizeof(models) / sizeof(models[0]));
        if (sy_json_get(m[NE_MESSAGE].value, "usage", &u))
            merge_anthropic_usage(u.value, counts, &st->usage);
    } else if (value_is(&m[NE_TYPE], "message_delta")) {
        if (m[NE_USAGE].type == SY_JSON_OBJECT)
            merge_anthropic_usage(m[NE_USAGE].value, counts, &st->usage);
        if (m[NE_DELTA].type == SY_JSON_OBJECT &&
            sy_json_get(m[NE_DELTA].value, "stop_reason", &reason) && reason.type != SY_JSON_NULL)
            st->saw_finish = true;
    } else if (value_is(&m[NE_TYPE], "error")) {
        /* The client reads the provider's own error event: the stream ended. */
        st->saw_finish = true;
    }

    if (ev->event.len > 0) {
        SY_BUF_APPEND_LIT(out, "event: ");
        sy_buf_append_str(out, ev->event);
        sy_buf_append(out, "\n", 1);
    }
    SY_BUF_APPEND_LIT(out, "data: ");
    if (n > 0) {
        struct sy_buf spliced = {0}, lit = {0};
        sy_json_append_string(&lit, st->alias, strlen(st->alias));
        splice(&spliced, ev->data, models, n, (struct sy_str){lit.ptr, lit.len});
        append_data_lines(out, (struct sy_str){spliced.ptr, spliced.len});
        sy_buf_dispose(&spliced);
        sy_buf_dispose(&lit);
    } else {
        append_data_lines(out, ev->data);
    }
    SY_BUF_APPEND_LIT(out, "\n\n");
    if (value_is(&m[NE_TYPE], "message_stop")) {
        st->saw_done = true;
        return SY_STREAM_DONE;
    }
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next native_stream_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                              const char *data, size_t len, struct sy_buf *out)
{
    return sy_provider_sse_feed(st, ep, data, len, out, native_on_event);
}

static int on_gateway_end_event(const struct sy_sse_event *ev, void *arg)
{
    struct sy_buf *out = arg;
    struct sy_json_member err;

    if (sy_json_validate(ev->data.ptr, ev->data.len, MAX_DEPTH, NULL) == SY_JSON_OBJECT &&
        sy_json_get(ev->data, "error", &err))
        append_error_event(out, "api_error", error_message_lit(err.value));
    return 0;
}

void sy_messages_native_stream_end(struct sy_str openai_events, struct sy_buf *out)
{
    struct sy_sse_parser p;

    sy_sse_init(&p, openai_events.len + 1);
    sy_sse_feed(&p, openai_events.ptr, openai_events.len, on_gateway_end_event, out);
    sy_sse_dispose(&p);
}

const struct sy_provider sy_messages_native = {
    .kind = SY_KIND_ANTHROPIC,
    .stream_content_type = "text/event-stream",
    .build = build_native,
    .translate_response = native_translate_response,
    .stream_feed = native_stream_feed,
};
