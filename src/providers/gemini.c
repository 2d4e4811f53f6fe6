/* providers/gemini.c - Google's generateContent wire format, as served by the
 * Gemini API (kind "gemini": an API key) and by Vertex AI (kind "vertex": an
 * OAuth access token, and a URL naming the project and location).
 *
 * Unlike openai.c, nothing can be spliced here: the client's OpenAI body is
 * scanned with core/json.h and a new document is written, copying raw JSON
 * values (numbers, schemas, strings) through unchanged where both formats
 * agree, so that nothing is re-encoded or rounded on the way.
 *
 * Requests (OpenAI chat -> GenerateContentRequest):
 *  - system and developer messages become systemInstruction (all of them, in
 *    order, wherever they stand); user/tool -> role "user", assistant ->
 *    role "model"; consecutive messages of one role are merged into one
 *    content, since Gemini wants the results of parallel calls in one turn.
 *  - content parts: text; image_url, input_audio and file (data: URLs ->
 *    inlineData, anything else -> fileData with a MIME type guessed from the
 *    URL's extension); assistant tool_calls -> functionCall; tool messages ->
 *    functionResponse, named after the earlier tool call with the same id
 *    (or the message's "name"), the result as the object it holds when it is
 *    a JSON object, else {"content": text}.
 *  - Thought signatures travel in the extension Google's own OpenAI endpoint
 *    uses: tool_calls[i].extra_content.google.thought_signature for the
 *    signature of a functionCall part, and the assistant message's
 *    extra_content.google.thought_signature for one on a text part (sent
 *    back on the message's last text part). Responses and streams put them
 *    in the same places.
 *  - tools -> functionDeclarations; a schema that stays inside the OpenAPI
 *    subset Gemini's "parameters" accepts goes there, any other (e.g. with
 *    additionalProperties, $ref, a type array: OpenAI strict mode) goes to
 *    "parametersJsonSchema", which takes JSON Schema; an object schema
 *    without properties is left out (Gemini refuses it). response_format
 *    json_schema chooses responseSchema or responseJsonSchema the same way.
 *  - tool_choice -> toolConfig.functionCallingConfig; generationConfig from
 *    temperature, top_p, top_k, max_(completion_)tokens, stop, n, seed,
 *    presence/frequency_penalty, response_format, and reasoning_effort ->
 *    thinkingConfig (none: budget 0; minimal 512, low 1024, medium 8192,
 *    high 24576 tokens with includeThoughts).
 *  - Dropped: logprobs, logit_bias, user, parallel_tool_calls, metadata,
 *    store, modalities, audio, prediction, service_tier, web_search_options.
 *
 * Responses: text parts joined into content, thought parts into
 * reasoning_content, functionCall parts into tool_calls (id: the part's own,
 * else "call_<n>", n counting the candidate's calls). Other parts (code
 * execution, inline images) are dropped.
 *
 * Streams have no end marker: each event is a whole GenerateContentResponse.
 * The event in which every candidate seen so far has a finishReason is the
 * last one (Gemini sends usageMetadata with it): the finish chunk, the usage
 * chunk when the client asked for it, and "data: [DONE]" are written then and
 * the feed returns SY_STREAM_DONE. An {"error": ...} event becomes an in-band
 * error event and SY_STREAM_FAILED (the proxy fails over instead when the
 * client has seen nothing); a functionCall without a name, SY_STREAM_MALFORMED,
 * with nothing of that event written.
 *
 * Embeddings (gemini only): :batchEmbedContents, answered as an OpenAI list
 * of float arrays, whatever encoding_format asked (the official SDKs accept
 * arrays when they asked for base64). Completions: refused. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

#define MAX_DEPTH      128 /* nesting accepted in bodies we scan */
#define MAX_CANDIDATES 64  /* candidate indexes a stream tracks, one bit each */
#define SCHEMA_PENDING 512 /* schema objects queued while checking one */

_Static_assert(MAX_CANDIDATES <= 64, "candidate sets are uint64_t bit masks");

/* ---- JSON helpers -------------------------------------------------------- */

/* The bytes between the quotes of the string literal `lit`. */
static struct sy_str inner(struct sy_str lit)
{
    return (struct sy_str){lit.ptr + 1, lit.len - 2};
}

/* True when the string literal `lit` (quotes included) decodes to `s`. */
static bool lit_is(struct sy_str lit, const char *s)
{
    return lit.len >= 2 && sy_json_key_is(inner(lit), s);
}

/* The member `key` of `obj`, when it has `type`. */
static bool get(struct sy_str obj, const char *key, enum sy_json_type type, struct sy_str *out)
{
    struct sy_json_member m;

    if (!sy_json_get(obj, key, &m) || m.type != type)
        return false;
    *out = m.value;
    return true;
}

/* Decodes the string literal `lit`: a view into it when it holds no escape,
 * else a copy in `pool`. */
static bool decode(struct sy_pool *pool, struct sy_str lit, struct sy_str *out)
{
    char *buf;
    ssize_t n;

    if (memchr(lit.ptr, '\\', lit.len) == NULL) {
        *out = inner(lit);
        return true;
    }
    buf = sy_pool_alloc(pool, lit.len + 1); /* decoding never grows a literal */
    n = sy_json_string_decode(lit, buf, lit.len + 1);
    if (n < 0)
        return false;
    *out = (struct sy_str){buf, (size_t)n};
    return true;
}

static struct sy_str trim(struct sy_str s)
{
    while (s.len > 0 &&
           (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\n' || s.ptr[0] == '\r')) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' ||
                         s.ptr[s.len - 1] == '\n' || s.ptr[s.len - 1] == '\r'))
        s.len--;
    return s;
}

/* Inserts `s` at `offset` of `b`. */
static void buf_insert(struct sy_buf *b, size_t offset, struct sy_str s)
{
    char *at;

    sy_buf_reserve(b, s.len);
    at = b->ptr + offset;
    memmove(at + s.len, at, b->len - offset + 1); /* with the NUL */
    memcpy(at, s.ptr, s.len);
    b->len += s.len;
}

/* ---- Schemas --------------------------------------------------------------- */

/* True when every schema object in `schema` uses only what Gemini's OpenAPI
 * "Schema" message knows; anything else must go as JSON Schema. Walks with
 * an explicit queue, so a deep schema costs no stack. */
static bool schema_fits_openapi(struct sy_str schema)
{
    /* clang-format off */
    static const char *const known[] = {
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
        "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum",
        "maximum",
    };
    /* clang-format on */
    struct sy_str pending[SCHEMA_PENDING];
    size_t count = 0;

    pending[count++] = schema;
    while (count > 0) {
        struct sy_str s = pending[--count];
        struct sy_json_iter it;
        struct sy_json_member m;

        if (s.len == 0 || s.ptr[0] != '{')
            return false;
        sy_json_iter_init(&it, s);
        while (sy_json_next_member(&it, &m)) {
            struct sy_json_iter sub;
            struct sy_json_member prop;
            struct sy_str el;
            enum sy_json_type type;
            size_t k = 0;

            while (k < sizeof(known) / sizeof(known[0]) && !sy_json_key_is(m.key, known[k]))
                k++;
            if (k == sizeof(known) / sizeof(known[0]))
                return false;
            if (sy_json_key_is(m.key, "type") && m.type != SY_JSON_STRING)
                return false;
            if (sy_json_key_is(m.key, "enum")) {
                if (m.type != SY_JSON_ARRAY)
                    return false;
                sy_json_iter_init(&sub, m.value);
                while (sy_json_next_element(&sub, &el, &type))
                    if (type != SY_JSON_STRING)
                        return false;
            } else if (sy_json_key_is(m.key, "properties")) {
                if (m.type != SY_JSON_OBJECT)
                    return false;
                sy_json_iter_init(&sub, m.value);
                while (sy_json_next_member(&sub, &prop)) {
                    if (count == SCHEMA_PENDING)
                        return false;
                    pending[count++] = prop.value;
                }
            } else if (sy_json_key_is(m.key, "items")) {
                if (count == SCHEMA_PENDING)
                    return false;
                pending[count++] = m.value;
            } else if (sy_json_key_is(m.key, "anyOf")) {
                if (m.type != SY_JSON_ARRAY)
                    return false;
                sy_json_iter_init(&sub, m.value);
                while (sy_json_next_element(&sub, &el, NULL)) {
                    if (count == SCHEMA_PENDING)
                        return false;
                    pending[count++] = el;
                }
            }
        }
    }
    return true;
}

/* True when `schema` describes an object with no properties: Gemini refuses
 * such a declaration ("properties: should be non-empty for OBJECT type"),
 * and a function without parameters says the same. */
static bool schema_is_empty_object(struct sy_str schema)
{
    struct sy_str props, any;
    struct sy_json_iter it;
    struct sy_json_member m;

    if (get(schema, "anyOf", SY_JSON_ARRAY, &any) || get(schema, "oneOf", SY_JSON_ARRAY, &any) ||
        get(schema, "allOf", SY_JSON_ARRAY, &any) || get(schema, "$ref", SY_JSON_STRING, &any))
        return false;
    if (!get(schema, "properties", SY_JSON_OBJECT, &props))
        return true;
    sy_json_iter_init(&it, props);
    return !sy_json_next_member(&it, &m);
}

/* ---- Requests: messages -------------------------------------------------- */

enum role { ROLE_NONE = 0, ROLE_USER, ROLE_MODEL };

/* A tool call of an assistant message, for naming the tool results. */
struct call_name {
    struct sy_str id;   /* decoded */
    struct sy_str name; /* the raw literal */
    size_t message;     /* index of the assistant message */
};

struct xlate {
    struct sy_pool *pool;
    struct sy_buf contents; /* the "contents" items; the last one's parts still open */
    enum role open_role;
    struct sy_buf system; /* systemInstruction parts */
    size_t system_parts;
    struct sy_buf parts; /* the message being translated */
    size_t parts_count;
    struct sy_buf calls; /* struct call_name items */
};

static void part_begin(struct xlate *t)
{
    if (t->parts_count++ > 0)
        sy_buf_append(&t->parts, ",", 1);
}

/* Appends {"text": lit} unless empty; `*last_end` gets the offset of its
 * closing brace. */
static void add_text_part(struct xlate *t, struct sy_str lit, size_t *last_end)
{
    if (lit.len <= 2)
        return;
    part_begin(t);
    SY_BUF_APPEND_LIT(&t->parts, "{\"text\":");
    sy_buf_append_str(&t->parts, lit);
    if (last_end != NULL)
        *last_end = t->parts.len;
    sy_buf_append(&t->parts, "}", 1);
}

/* The MIME type for a URL, from the extension of its path. */
static const char *guess_mime(struct sy_str url, const char *fallback)
{
    /* clang-format off */
    static const char *const types[][2] = {
        {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
        {"webp", "image/webp"}, {"gif", "image/gif"}, {"heic", "image/heic"},
        {"heif", "image/heif"}, {"pdf", "application/pdf"}, {"txt", "text/plain"},
        {"mp3", "audio/mp3"}, {"wav", "audio/wav"}, {"ogg", "audio/ogg"},
        {"flac", "audio/flac"}, {"aac", "audio/aac"}, {"mp4", "video/mp4"},
        {"mov", "video/mov"}, {"webm", "video/webm"},
    };
    /* clang-format on */
    size_t end = 0, dot;

    while (end < url.len && url.ptr[end] != '?' && url.ptr[end] != '#')
        end++;
    for (dot = end; dot > 0 && url.ptr[dot - 1] != '.' && url.ptr[dot - 1] != '/'; dot--)
        ;
    if (dot == 0 || url.ptr[dot - 1] != '.')
        return fallback;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (sy_str_eq_nocase((struct sy_str){url.ptr + dot, end - dot}, sy_str_c(types[i][0])))
            return types[i][1];
    return fallback;
}

static void inline_data_part(struct xlate *t, struct sy_str mime, struct sy_str data)
{
    part_begin(t);
    SY_BUF_APPEND_LIT(&t->parts, "{\"inlineData\":{\"mimeType\":");
    sy_json_append_string(&t->parts, mime.ptr, mime.len);
    SY_BUF_APPEND_LIT(&t->parts, ",\"data\":");
    sy_json_append_string(&t->parts, data.ptr, data.len);
    SY_BUF_APPEND_LIT(&t->parts, "}}");
}

static void file_data_part(struct xlate *t, const char *mime, struct sy_str uri)
{
    part_begin(t);
    SY_BUF_APPEND_LIT(&t->parts, "{\"fileData\":{\"mimeType\":");
    sy_json_append_string(&t->parts, mime, strlen(mime));
    SY_BUF_APPEND_LIT(&t->parts, ",\"fileUri\":");
    sy_json_append_string(&t->parts, uri.ptr, uri.len);
    SY_BUF_APPEND_LIT(&t->parts, "}}");
}

/* A media URL: data: URLs (base64 only) are sent inline, others by URI. */
static enum sy_err media_part(struct xlate *t, struct sy_str url_lit, const char *fallback)
{
    struct sy_str url;

    if (!decode(t->pool, url_lit, &url) || url.len == 0)
        return SY_ERR_BAD_REQUEST;
    if (url.len >= 5 && strncasecmp(url.ptr, "data:", 5) == 0) {
        const char *comma = memchr(url.ptr, ',', url.len);
        struct sy_str meta, mime;
        const char *semi;

        if (comma == NULL)
            return SY_ERR_BAD_REQUEST;
        meta = (struct sy_str){url.ptr + 5, (size_t)(comma - url.ptr) - 5};
        if (meta.len < 7 || strncasecmp(meta.ptr + meta.len - 7, ";base64", 7) != 0)
            return SY_ERR_BAD_REQUEST; /* inlineData carries base64 only */
        semi = memchr(meta.ptr, ';', meta.len);
        mime = (struct sy_str){meta.ptr, (size_t)(semi - meta.ptr)};
        if (mime.len == 0)
            mime = sy_str_c(fallback);
        inline_data_part(t, mime, (struct sy_str){comma + 1, url.len - meta.len - 6});
        return SY_OK;
    }
    file_data_part(t, guess_mime(url, fallback), url);
    return SY_OK;
}

/* OpenAI "file" content part: file_data (a data: URL or bare base64) or a
 * file_id (a Files API or gs:// URI). */
static enum sy_err file_part(struct xlate *t, struct sy_str file)
{
    struct sy_str data, id, name, decoded;
    const char *mime = "application/pdf";

    if (get(file, "filename", SY_JSON_STRING, &name) && decode(t->pool, name, &decoded))
        mime = guess_mime(decoded, mime);
    if (get(file, "file_data", SY_JSON_STRING, &data)) {
        if (data.len >= 7 && strncasecmp(data.ptr + 1, "data:", 5) == 0)
            return media_part(t, data, mime);
        if (!decode(t->pool, data, &decoded))
            return SY_ERR_BAD_REQUEST;
        inline_data_part(t, sy_str_c(mime), decoded);
        return SY_OK;
    }
    if (get(file, "file_id", SY_JSON_STRING, &id) && decode(t->pool, id, &decoded)) {
        file_data_part(t, mime, decoded);
        return SY_OK;
    }
    return SY_ERR_BAD_REQUEST;
}

/* One element of a content array. */
static enum sy_err content_part(struct xlate *t, struct sy_str el, bool media, size_t *last_text)
{
    struct sy_str type, text, obj, data, format;
    struct sy_json_member iu;

    if (!get(el, "type", SY_JSON_STRING, &type))
        return SY_ERR_BAD_REQUEST;
    if (lit_is(type, "text") || lit_is(type, "input_text")) {
        if (!get(el, "text", SY_JSON_STRING, &text))
            return SY_ERR_BAD_REQUEST;
        add_text_part(t, text, last_text);
        return SY_OK;
    }
    if (lit_is(type, "refusal"))
        return SY_OK; /* an earlier answer's refusal: nothing to send back */
    if (!media)
        return SY_ERR_BAD_REQUEST;
    if (lit_is(type, "image_url")) {
        if (!sy_json_get(el, "image_url", &iu))
            return SY_ERR_BAD_REQUEST;
        if (iu.type == SY_JSON_STRING)
            return media_part(t, iu.value, "image/jpeg");
        if (iu.type == SY_JSON_OBJECT && get(iu.value, "url", SY_JSON_STRING, &text))
            return media_part(t, text, "image/jpeg");
        return SY_ERR_BAD_REQUEST;
    }
    if (lit_is(type, "input_audio")) {
        if (!get(el, "input_audio", SY_JSON_OBJECT, &obj) ||
            !get(obj, "data", SY_JSON_STRING, &data) ||
            !get(obj, "format", SY_JSON_STRING, &format))
            return SY_ERR_BAD_REQUEST;
        part_begin(t);
        SY_BUF_APPEND_LIT(&t->parts, "{\"inlineData\":{\"mimeType\":\"audio/");
        sy_buf_append_str(&t->parts, inner(format));
        SY_BUF_APPEND_LIT(&t->parts, "\",\"data\":");
        sy_buf_append_str(&t->parts, data);
        SY_BUF_APPEND_LIT(&t->parts, "}}");
        return SY_OK;
    }
    if (lit_is(type, "file") && get(el, "file", SY_JSON_OBJECT, &obj))
        return file_part(t, obj);
    return SY_ERR_BAD_REQUEST;
}

/* The parts of a message's "content": a string or an array of parts.
 * `media` allows images, audio and files; `*last_text` gets the offset of
 * the last text part's closing brace. */
static enum sy_err content_parts(struct xlate *t, const struct sy_json_member *content, bool media,
                                 size_t *last_text)
{
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;

    if (content->value.ptr == NULL || content->type == SY_JSON_NULL)
        return SY_OK;
    if (content->type == SY_JSON_STRING) {
        add_text_part(t, content->value, last_text);
        return SY_OK;
    }
    if (content->type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    sy_json_iter_init(&it, content->value);
    while (sy_json_next_element(&it, &el, &type)) {
        enum sy_err err;
        if (type != SY_JSON_OBJECT)
            return SY_ERR_BAD_REQUEST;
        if ((err = content_part(t, el, media, last_text)) != SY_OK)
            return err;
    }
    return SY_OK;
}

/* extra_content.google.thought_signature of `obj`. */
static bool google_signature(struct sy_str obj, struct sy_str *sig)
{
    struct sy_str extra, google;

    return get(obj, "extra_content", SY_JSON_OBJECT, &extra) &&
           get(extra, "google", SY_JSON_OBJECT, &google) &&
           get(google, "thought_signature", SY_JSON_STRING, sig);
}

/* An assistant tool call -> {"functionCall": {name, args}, thoughtSignature}. */
static enum sy_err function_call_part(struct xlate *t, struct sy_str call)
{
    struct sy_str type, fn, name, sig, args;
    struct sy_json_member a;

    if (get(call, "type", SY_JSON_STRING, &type) && !lit_is(type, "function"))
        return SY_ERR_BAD_REQUEST;
    if (!get(call, "function", SY_JSON_OBJECT, &fn) || !get(fn, "name", SY_JSON_STRING, &name))
        return SY_ERR_BAD_REQUEST;
    part_begin(t);
    SY_BUF_APPEND_LIT(&t->parts, "{\"functionCall\":{\"name\":");
    sy_buf_append_str(&t->parts, name);
    SY_BUF_APPEND_LIT(&t->parts, ",\"args\":");
    if (!sy_json_get(fn, "arguments", &a) || a.type == SY_JSON_NULL) {
        SY_BUF_APPEND_LIT(&t->parts, "{}");
    } else if (a.type == SY_JSON_OBJECT) {
        sy_buf_append_str(&t->parts, a.value);
    } else if (a.type == SY_JSON_STRING) {
        if (!decode(t->pool, a.value, &args))
            return SY_ERR_BAD_REQUEST;
        args = trim(args);
        if (args.len == 0)
            SY_BUF_APPEND_LIT(&t->parts, "{}");
        else if (sy_json_validate(args.ptr, args.len, MAX_DEPTH, NULL) == SY_JSON_OBJECT)
            sy_buf_append_str(&t->parts, args);
        else
            return SY_ERR_BAD_REQUEST; /* Gemini's args are an object */
    } else {
        return SY_ERR_BAD_REQUEST;
    }
    sy_buf_append(&t->parts, "}", 1);
    if (google_signature(call, &sig)) {
        SY_BUF_APPEND_LIT(&t->parts, ",\"thoughtSignature\":");
        sy_buf_append_str(&t->parts, sig);
    }
    sy_buf_append(&t->parts, "}", 1);
    return SY_OK;
}

static enum sy_err assistant_parts(struct xlate *t, struct sy_str msg,
                                   const struct sy_json_member *content)
{
    size_t last_text = SIZE_MAX;
    struct sy_str calls, call, sig;
    struct sy_json_iter it;
    enum sy_json_type type;
    enum sy_err err;

    if ((err = content_parts(t, content, false, &last_text)) != SY_OK)
        return err;
    if (last_text != SIZE_MAX && google_signature(msg, &sig)) {
        struct sy_buf ins = {0};
        SY_BUF_APPEND_LIT(&ins, ",\"thoughtSignature\":");
        sy_buf_append_str(&ins, sig);
        buf_insert(&t->parts, last_text, (struct sy_str){ins.ptr, ins.len});
        sy_buf_dispose(&ins);
    }
    if (!get(msg, "tool_calls", SY_JSON_ARRAY, &calls))
        return SY_OK;
    sy_json_iter_init(&it, calls);
    while (sy_json_next_element(&it, &call, &type)) {
        if (type != SY_JSON_OBJECT)
            return SY_ERR_BAD_REQUEST;
        if ((err = function_call_part(t, call)) != SY_OK)
            return err;
    }
    return SY_OK;
}

/* The name of the tool call `id` made by the latest assistant message
 * before message `before`. */
static bool find_call_name(const struct xlate *t, struct sy_str id, size_t before,
                           struct sy_str *name)
{
    const struct call_name *c = (const struct call_name *)(void *)t->calls.ptr;
    size_t n = t->calls.len / sizeof(*c);

    while (n-- > 0) {
        if (c[n].message < before && sy_str_eq(c[n].id, id)) {
            *name = c[n].name;
            return true;
        }
    }
    return false;
}

/* A tool (or legacy function) result -> {"functionResponse": {name, response}}. */
static enum sy_err tool_result_part(struct xlate *t, struct sy_str msg, size_t index,
                                    const struct sy_json_member *content)
{
    struct sy_str id_lit, id, name = {0}, lit = SY_STR("\"\""), text;
    struct sy_buf joined = {0};

    if (get(msg, "tool_call_id", SY_JSON_STRING, &id_lit)) {
        if (!decode(t->pool, id_lit, &id))
            return SY_ERR_BAD_REQUEST;
        find_call_name(t, id, index, &name);
    }
    if (name.ptr == NULL && !get(msg, "name", SY_JSON_STRING, &name))
        return SY_ERR_BAD_REQUEST; /* Gemini matches results to calls by name */

    if (content->type == SY_JSON_STRING) {
        lit = content->value;
    } else if (content->type == SY_JSON_ARRAY) {
        struct sy_json_iter it;
        struct sy_str el, part;
        enum sy_json_type type;

        sy_buf_append(&joined, "\"", 1);
        sy_json_iter_init(&it, content->value);
        while (sy_json_next_element(&it, &el, &type)) {
            if (type != SY_JSON_OBJECT || !get(el, "text", SY_JSON_STRING, &part)) {
                sy_buf_dispose(&joined);
                return SY_ERR_BAD_REQUEST;
            }
            sy_buf_append_str(&joined, inner(part)); /* raw literals join as they are */
        }
        sy_buf_append(&joined, "\"", 1);
        lit = (struct sy_str){sy_pool_strndup(t->pool, joined.ptr, joined.len), joined.len};
        sy_buf_dispose(&joined);
    } else if (content->value.ptr != NULL && content->type != SY_JSON_NULL) {
        return SY_ERR_BAD_REQUEST;
    }
    if (!decode(t->pool, lit, &text))
        return SY_ERR_BAD_REQUEST;
    text = trim(text);

    part_begin(t);
    SY_BUF_APPEND_LIT(&t->parts, "{\"functionResponse\":{\"name\":");
    sy_buf_append_str(&t->parts, name);
    SY_BUF_APPEND_LIT(&t->parts, ",\"response\":");
    if (text.len > 0 && sy_json_validate(text.ptr, text.len, MAX_DEPTH, NULL) == SY_JSON_OBJECT) {
        sy_buf_append_str(&t->parts, text);
    } else {
        SY_BUF_APPEND_LIT(&t->parts, "{\"content\":");
        sy_buf_append_str(&t->parts, lit);
        sy_buf_append(&t->parts, "}", 1);
    }
    SY_BUF_APPEND_LIT(&t->parts, "}}");
    return SY_OK;
}

/* Moves the parts of the message just translated into "contents", merged
 * into the previous content when it has the same role. */
static void flush_content(struct xlate *t, enum role role)
{
    if (t->parts_count == 0)
        return;
    if (t->open_role == role) {
        sy_buf_append(&t->contents, ",", 1);
    } else {
        if (t->open_role != ROLE_NONE)
            SY_BUF_APPEND_LIT(&t->contents, "]},");
        if (role == ROLE_USER)
            SY_BUF_APPEND_LIT(&t->contents, "{\"role\":\"user\",\"parts\":[");
        else
            SY_BUF_APPEND_LIT(&t->contents, "{\"role\":\"model\",\"parts\":[");
        t->open_role = role;
    }
    sy_buf_append(&t->contents, t->parts.ptr, t->parts.len);
}

static enum sy_err add_message(struct xlate *t, struct sy_str msg, size_t index)
{
    struct sy_json_member content = {0};
    struct sy_str role;
    enum role to;
    enum sy_err err;

    if (!get(msg, "role", SY_JSON_STRING, &role))
        return SY_ERR_BAD_REQUEST;
    sy_json_get(msg, "content", &content);
    sy_buf_reset(&t->parts);
    t->parts_count = 0;
    if (lit_is(role, "system") || lit_is(role, "developer")) {
        if ((err = content_parts(t, &content, false, NULL)) != SY_OK)
            return err;
        if (t->parts_count > 0) {
            if (t->system_parts > 0)
                sy_buf_append(&t->system, ",", 1);
            sy_buf_append(&t->system, t->parts.ptr, t->parts.len);
            t->system_parts += t->parts_count;
        }
        return SY_OK;
    }
    if (lit_is(role, "user")) {
        to = ROLE_USER;
        err = content_parts(t, &content, true, NULL);
    } else if (lit_is(role, "assistant")) {
        to = ROLE_MODEL;
        err = assistant_parts(t, msg, &content);
    } else if (lit_is(role, "tool") || lit_is(role, "function")) {
        to = ROLE_USER;
        err = tool_result_part(t, msg, index, &content);
    } else {
        return SY_ERR_BAD_REQUEST;
    }
    if (err == SY_OK)
        flush_content(t, to);
    return err;
}

/* Remembers the tool calls of every assistant message, by id. */
static enum sy_err collect_calls(struct xlate *t, struct sy_str messages)
{
    struct sy_json_iter it, calls_it;
    struct sy_str msg, role, calls, call, id, fn, name;
    enum sy_json_type type;

    sy_json_iter_init(&it, messages);
    for (size_t i = 0; sy_json_next_element(&it, &msg, &type); i++) {
        if (type != SY_JSON_OBJECT || !get(msg, "role", SY_JSON_STRING, &role) ||
            !lit_is(role, "assistant") || !get(msg, "tool_calls", SY_JSON_ARRAY, &calls))
            continue;
        sy_json_iter_init(&calls_it, calls);
        while (sy_json_next_element(&calls_it, &call, &type)) {
            struct call_name c = {.message = i};
            if (type != SY_JSON_OBJECT || !get(call, "id", SY_JSON_STRING, &id) ||
                !get(call, "function", SY_JSON_OBJECT, &fn) ||
                !get(fn, "name", SY_JSON_STRING, &name))
                continue;
            if (!decode(t->pool, id, &c.id))
                return SY_ERR_BAD_REQUEST;
            c.name = name;
            sy_buf_append(&t->calls, &c, sizeof(c));
        }
    }
    return SY_OK;
}

/* ---- Requests: tools and generationConfig -------------------------------- */

enum field {
    F_MESSAGES = 0,
    F_TOOLS,
    F_TOOL_CHOICE,
    F_TEMPERATURE,
    F_TOP_P,
    F_TOP_K,
    F_MAX_TOKENS,
    F_MAX_COMPLETION_TOKENS,
    F_STOP,
    F_N,
    F_SEED,
    F_PRESENCE_PENALTY,
    F_FREQUENCY_PENALTY,
    F_RESPONSE_FORMAT,
    F_REASONING_EFFORT,
    F_COUNT
};

/* clang-format off */
static const char *const field_names[F_COUNT] = {
    [F_MESSAGES] = "messages", [F_TOOLS] = "tools", [F_TOOL_CHOICE] = "tool_choice",
    [F_TEMPERATURE] = "temperature", [F_TOP_P] = "top_p", [F_TOP_K] = "top_k",
    [F_MAX_TOKENS] = "max_tokens", [F_MAX_COMPLETION_TOKENS] = "max_completion_tokens",
    [F_STOP] = "stop", [F_N] = "n", [F_SEED] = "seed",
    [F_PRESENCE_PENALTY] = "presence_penalty", [F_FREQUENCY_PENALTY] = "frequency_penalty",
    [F_RESPONSE_FORMAT] = "response_format", [F_REASONING_EFFORT] = "reasoning_effort",
};

/* clang-format on */

/* What tool_choice asked for. */
struct tool_choice {
    const char *mode;    /* "AUTO", "ANY", "NONE"; NULL when not given */
    struct sy_buf names; /* allowed function names as a JSON array, or empty */
    bool declare_only;   /* declare only `names` (allowed_tools in auto mode) */
};

/* Appends the raw function names of `tools` (OpenAI tool objects) to `b`. */
static enum sy_err tool_names(struct sy_buf *b, struct sy_str tools)
{
    struct sy_json_iter it;
    struct sy_str tool, fn, name;
    enum sy_json_type type;
    bool first = true;

    sy_buf_append(b, "[", 1);
    sy_json_iter_init(&it, tools);
    while (sy_json_next_element(&it, &tool, &type)) {
        if (type != SY_JSON_OBJECT || !get(tool, "function", SY_JSON_OBJECT, &fn) ||
            !get(fn, "name", SY_JSON_STRING, &name))
            return SY_ERR_BAD_REQUEST;
        if (!first)
            sy_buf_append(b, ",", 1);
        sy_buf_append_str(b, name);
        first = false;
    }
    sy_buf_append(b, "]", 1);
    return SY_OK;
}

static enum sy_err read_tool_choice(const struct sy_json_member *m, struct tool_choice *tc)
{
    struct sy_str type, fn, name, allowed, mode, tools;

    if (m->value.ptr == NULL || m->type == SY_JSON_NULL)
        return SY_OK;
    if (m->type == SY_JSON_STRING) {
        if (lit_is(m->value, "auto"))
            tc->mode = "AUTO";
        else if (lit_is(m->value, "none"))
            tc->mode = "NONE";
        else if (lit_is(m->value, "required"))
            tc->mode = "ANY";
        else
            return SY_ERR_BAD_REQUEST;
        return SY_OK;
    }
    if (m->type != SY_JSON_OBJECT || !get(m->value, "type", SY_JSON_STRING, &type))
        return SY_ERR_BAD_REQUEST;
    if (lit_is(type, "function")) {
        if (!get(m->value, "function", SY_JSON_OBJECT, &fn) ||
            !get(fn, "name", SY_JSON_STRING, &name))
            return SY_ERR_BAD_REQUEST;
        tc->mode = "ANY";
        sy_buf_append(&tc->names, "[", 1);
        sy_buf_append_str(&tc->names, name);
        sy_buf_append(&tc->names, "]", 1);
        return SY_OK;
    }
    if (lit_is(type, "allowed_tools")) {
        if (!get(m->value, "allowed_tools", SY_JSON_OBJECT, &allowed) ||
            !get(allowed, "mode", SY_JSON_STRING, &mode) ||
            !get(allowed, "tools", SY_JSON_ARRAY, &tools))
            return SY_ERR_BAD_REQUEST;
        if (lit_is(mode, "required"))
            tc->mode = "ANY";
        else if (lit_is(mode, "auto")) {
            tc->mode = "AUTO";
            tc->declare_only = true; /* Gemini restricts names in mode ANY only */
        } else
            return SY_ERR_BAD_REQUEST;
        return tool_names(&tc->names, tools);
    }
    return SY_ERR_BAD_REQUEST;
}

static bool name_listed(const struct sy_buf *names, struct sy_str name)
{
    struct sy_json_iter it;
    struct sy_str el;

    sy_json_iter_init(&it, (struct sy_str){names->ptr, names->len});
    while (sy_json_next_element(&it, &el, NULL))
        if (sy_str_eq(el, name))
            return true;
    return false;
}

/* tools -> "tools":[{"functionDeclarations":[...]}]. Sets `*declared` when
 * at least one function was declared. */
static enum sy_err add_tools(struct sy_buf *b, struct sy_str tools, const struct tool_choice *tc,
                             bool *declared)
{
    struct sy_json_iter it;
    struct sy_str tool, type, fn, name, desc, params;
    enum sy_json_type el_type;

    sy_json_iter_init(&it, tools);
    while (sy_json_next_element(&it, &tool, &el_type)) {
        if (el_type != SY_JSON_OBJECT)
            return SY_ERR_BAD_REQUEST;
        if (get(tool, "type", SY_JSON_STRING, &type) && !lit_is(type, "function"))
            return SY_ERR_BAD_REQUEST; /* no OpenAI built-in tool maps to Gemini's */
        if (!get(tool, "function", SY_JSON_OBJECT, &fn) || !get(fn, "name", SY_JSON_STRING, &name))
            return SY_ERR_BAD_REQUEST;
        if (tc->declare_only && !name_listed(&tc->names, name))
            continue;
        if (*declared)
            sy_buf_append(b, ",", 1);
        else
            SY_BUF_APPEND_LIT(b, ",\"tools\":[{\"functionDeclarations\":[");
        *declared = true;
        SY_BUF_APPEND_LIT(b, "{\"name\":");
        sy_buf_append_str(b, name);
        if (get(fn, "description", SY_JSON_STRING, &desc)) {
            SY_BUF_APPEND_LIT(b, ",\"description\":");
            sy_buf_append_str(b, desc);
        }
        if (get(fn, "parameters", SY_JSON_OBJECT, &params) && !schema_is_empty_object(params)) {
            if (schema_fits_openapi(params))
                SY_BUF_APPEND_LIT(b, ",\"parameters\":");
            else
                SY_BUF_APPEND_LIT(b, ",\"parametersJsonSchema\":");
            sy_buf_append_str(b, params);
        }
        sy_buf_append(b, "}", 1);
    }
    if (*declared)
        SY_BUF_APPEND_LIT(b, "]}]");
    return SY_OK;
}

/* Starts the member `key` of generationConfig. */
static void gc_key(struct sy_buf *gc, const char *key)
{
    sy_buf_append(gc, gc->len > 0 ? "," : "", gc->len > 0 ? 1 : 0);
    sy_buf_appendf(gc, "\"%s\":", key);
}

/* Copies a number member, skipping null. */
static enum sy_err gc_number(struct sy_buf *gc, const char *key, const struct sy_json_member *m)
{
    if (m->value.ptr == NULL || m->type == SY_JSON_NULL)
        return SY_OK;
    if (m->type != SY_JSON_NUMBER)
        return SY_ERR_BAD_REQUEST;
    gc_key(gc, key);
    sy_buf_append_str(gc, m->value);
    return SY_OK;
}

static enum sy_err gc_stop(struct sy_buf *gc, const struct sy_json_member *m)
{
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    bool any = false;

    if (m->value.ptr == NULL || m->type == SY_JSON_NULL)
        return SY_OK;
    if (m->type == SY_JSON_STRING) {
        gc_key(gc, "stopSequences");
        sy_buf_append(gc, "[", 1);
        sy_buf_append_str(gc, m->value);
        sy_buf_append(gc, "]", 1);
        return SY_OK;
    }
    if (m->type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;
    sy_json_iter_init(&it, m->value);
    while (sy_json_next_element(&it, &el, &type)) {
        if (type != SY_JSON_STRING)
            return SY_ERR_BAD_REQUEST;
        any = true;
    }
    if (any) {
        gc_key(gc, "stopSequences");
        sy_buf_append_str(gc, m->value);
    }
    return SY_OK;
}

static enum sy_err gc_response_format(struct sy_buf *gc, const struct sy_json_member *m)
{
    struct sy_str type, js, schema;

    if (m->value.ptr == NULL || m->type == SY_JSON_NULL)
        return SY_OK;
    if (m->type != SY_JSON_OBJECT || !get(m->value, "type", SY_JSON_STRING, &type))
        return SY_ERR_BAD_REQUEST;
    if (lit_is(type, "text"))
        return SY_OK;
    if (!lit_is(type, "json_object") && !lit_is(type, "json_schema"))
        return SY_ERR_BAD_REQUEST;
    gc_key(gc, "responseMimeType");
    SY_BUF_APPEND_LIT(gc, "\"application/json\"");
    if (lit_is(type, "json_schema") && get(m->value, "json_schema", SY_JSON_OBJECT, &js) &&
        get(js, "schema", SY_JSON_OBJECT, &schema)) {
        gc_key(gc, schema_fits_openapi(schema) ? "responseSchema" : "responseJsonSchema");
        sy_buf_append_str(gc, schema);
    }
    return SY_OK;
}

static enum sy_err gc_reasoning(struct sy_buf *gc, const struct sy_json_member *m)
{
    /* clang-format off */
    static const struct { const char *effort; const char *config; } table[] = {
        {"none", "{\"thinkingBudget\":0}"},
        {"minimal", "{\"thinkingBudget\":512,\"includeThoughts\":true}"},
        {"low", "{\"thinkingBudget\":1024,\"includeThoughts\":true}"},
        {"medium", "{\"thinkingBudget\":8192,\"includeThoughts\":true}"},
        {"high", "{\"thinkingBudget\":24576,\"includeThoughts\":true}"},
    };

    /* clang-format on */

    if (m->value.ptr == NULL || m->type == SY_JSON_NULL)
        return SY_OK;
    if (m->type != SY_JSON_STRING)
        return SY_ERR_BAD_REQUEST;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (lit_is(m->value, table[i].effort)) {
            gc_key(gc, "thinkingConfig");
            sy_buf_append(gc, table[i].config, strlen(table[i].config));
            return SY_OK;
        }
    }
    return SY_ERR_BAD_REQUEST;
}

static enum sy_err generation_config(struct sy_buf *gc, const struct sy_json_member *f)
{
    const struct sy_json_member *max = f[F_MAX_COMPLETION_TOKENS].value.ptr != NULL &&
                                               f[F_MAX_COMPLETION_TOKENS].type != SY_JSON_NULL
                                           ? &f[F_MAX_COMPLETION_TOKENS]
                                           : &f[F_MAX_TOKENS];
    enum sy_err err;

    if ((err = gc_number(gc, "temperature", &f[F_TEMPERATURE])) != SY_OK ||
        (err = gc_number(gc, "topP", &f[F_TOP_P])) != SY_OK ||
        (err = gc_number(gc, "topK", &f[F_TOP_K])) != SY_OK ||
        (err = gc_number(gc, "maxOutputTokens", max)) != SY_OK ||
        (err = gc_stop(gc, &f[F_STOP])) != SY_OK ||
        (err = gc_number(gc, "candidateCount", &f[F_N])) != SY_OK ||
        (err = gc_number(gc, "seed", &f[F_SEED])) != SY_OK ||
        (err = gc_number(gc, "presencePenalty", &f[F_PRESENCE_PENALTY])) != SY_OK ||
        (err = gc_number(gc, "frequencyPenalty", &f[F_FREQUENCY_PENALTY])) != SY_OK ||
        (err = gc_response_format(gc, &f[F_RESPONSE_FORMAT])) != SY_OK)
        return err;
    return gc_reasoning(gc, &f[F_REASONING_EFFORT]);
}

/* The whole GenerateContentRequest for an OpenAI chat body. */
static enum sy_err chat_body(struct sy_pool *pool, struct sy_str raw, struct sy_buf *body)
{
    struct sy_json_member f[F_COUNT];
    struct sy_json_iter it;
    struct sy_json_member m;
    struct xlate t = {.pool = pool};
    struct tool_choice tc = {0};
    struct sy_buf gc = {0};
    struct sy_str msg;
    enum sy_json_type type;
    enum sy_err err;
    bool declared = false;

    memset(f, 0, sizeof(f));
    sy_json_iter_init(&it, raw);
    while (sy_json_next_member(&it, &m)) {
        for (size_t i = 0; i < F_COUNT; i++) {
            if (sy_json_key_is(m.key, field_names[i])) {
                f[i] = m; /* the last one wins, as in jansson */
                break;
            }
        }
    }
    if (f[F_MESSAGES].type != SY_JSON_ARRAY)
        return SY_ERR_BAD_REQUEST;

    if ((err = collect_calls(&t, f[F_MESSAGES].value)) != SY_OK)
        goto out;
    sy_json_iter_init(&it, f[F_MESSAGES].value);
    for (size_t i = 0; sy_json_next_element(&it, &msg, &type); i++) {
        if (type != SY_JSON_OBJECT) {
            err = SY_ERR_BAD_REQUEST;
            goto out;
        }
        if ((err = add_message(&t, msg, i)) != SY_OK)
            goto out;
    }
    if (t.open_role != ROLE_NONE)
        SY_BUF_APPEND_LIT(&t.contents, "]}");

    SY_BUF_APPEND_LIT(body, "{\"contents\":[");
    if (t.contents.len > 0)
        sy_buf_append(body, t.contents.ptr, t.contents.len);
    sy_buf_append(body, "]", 1);
    if (t.system_parts > 0) {
        SY_BUF_APPEND_LIT(body, ",\"systemInstruction\":{\"parts\":[");
        sy_buf_append(body, t.system.ptr, t.system.len);
        SY_BUF_APPEND_LIT(body, "]}");
    }
    if ((err = read_tool_choice(&f[F_TOOL_CHOICE], &tc)) != SY_OK)
        goto out;
    if (f[F_TOOLS].type == SY_JSON_ARRAY &&
        (err = add_tools(body, f[F_TOOLS].value, &tc, &declared)) != SY_OK)
        goto out;
    if (f[F_TOOLS].value.ptr != NULL && f[F_TOOLS].type != SY_JSON_ARRAY &&
        f[F_TOOLS].type != SY_JSON_NULL) {
        err = SY_ERR_BAD_REQUEST;
        goto out;
    }
    if (declared && tc.mode != NULL) {
        sy_buf_appendf(body, ",\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"%s\"",
                       tc.mode);
        if (tc.names.len > 0 && strcmp(tc.mode, "ANY") == 0) {
            SY_BUF_APPEND_LIT(body, ",\"allowedFunctionNames\":");
            sy_buf_append(body, tc.names.ptr, tc.names.len);
        }
        SY_BUF_APPEND_LIT(body, "}}");
    }
    if ((err = generation_config(&gc, f)) != SY_OK)
        goto out;
    if (gc.len > 0) {
        SY_BUF_APPEND_LIT(body, ",\"generationConfig\":{");
        sy_buf_append(body, gc.ptr, gc.len);
        sy_buf_append(body, "}", 1);
    }
    sy_buf_append(body, "}", 1);
out:
    sy_buf_dispose(&t.contents);
    sy_buf_dispose(&t.system);
    sy_buf_dispose(&t.parts);
    sy_buf_dispose(&t.calls);
    sy_buf_dispose(&tc.names);
    sy_buf_dispose(&gc);
    return err;
}

/* One request of a BatchEmbedContentsRequest. */
static void embed_one(struct sy_buf *body, const char *model, struct sy_str text,
                      const struct sy_json_member *dims)
{
    SY_BUF_APPEND_LIT(body, "{\"model\":");
    sy_json_append_string(body, model, strlen(model));
    SY_BUF_APPEND_LIT(body, ",\"content\":{\"parts\":[{\"text\":");
    sy_buf_append_str(body, text);
    SY_BUF_APPEND_LIT(body, "}]}");
    if (dims->type == SY_JSON_NUMBER) {
        SY_BUF_APPEND_LIT(body, ",\"outputDimensionality\":");
        sy_buf_append_str(body, dims->value);
    }
    sy_buf_append(body, "}", 1);
}

/* OpenAI embeddings -> BatchEmbedContentsRequest. `model` is the
 * "models/..." resource name. Token arrays are refused: Gemini embeds text. */
static enum sy_err embed_body(struct sy_str raw, const char *model, struct sy_buf *body)
{
    struct sy_json_member input, dims = {0};
    struct sy_json_iter it;
    struct sy_str el;
    enum sy_json_type type;
    size_t count = 0;

    if (!sy_json_get(raw, "input", &input))
        return SY_ERR_BAD_REQUEST;
    if (sy_json_get(raw, "dimensions", &dims) && dims.type != SY_JSON_NUMBER &&
        dims.type != SY_JSON_NULL)
        return SY_ERR_BAD_REQUEST;
    SY_BUF_APPEND_LIT(body, "{\"requests\":[");
    if (input.type == SY_JSON_STRING) {
        embed_one(body, model, input.value, &dims);
        count = 1;
    } else if (input.type == SY_JSON_ARRAY) {
        sy_json_iter_init(&it, input.value);
        while (sy_json_next_element(&it, &el, &type)) {
            if (type != SY_JSON_STRING)
                return SY_ERR_BAD_REQUEST;
            if (count++ > 0)
                sy_buf_append(body, ",", 1);
            embed_one(body, model, el, &dims);
        }
    }
    if (count == 0)
        return SY_ERR_BAD_REQUEST;
    SY_BUF_APPEND_LIT(body, "]}");
    return SY_OK;
}

/* ---- Requests: URLs and headers ------------------------------------------ */

/* The model id without a "models/" resource prefix. */
static const char *bare_model(const char *model)
{
    return strncmp(model, "models/", 7) == 0 ? model + 7 : model;
}

static const char *method_for(const struct sy_build_ctx *ctx)
{
    if (ctx->ep == SY_EP_EMBEDDINGS)
        return "batchEmbedContents";
    return ctx->creq->is_stream ? "streamGenerateContent?alt=sse" : "generateContent";
}

/* Body and headers: everything but the URL. */
static enum sy_err build_common(const struct sy_build_ctx *ctx, const char *auth_line,
                                struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    struct sy_buf body = {0};
    enum sy_err err;
    size_t n = 0;

    if (ctx->ep == SY_EP_CHAT) {
        err = chat_body(ctx->pool, ctx->creq->raw, &body);
    } else if (ctx->ep == SY_EP_EMBEDDINGS && prov->kind == SY_KIND_GEMINI) {
        const char *model = sy_pool_printf(ctx->pool, "models/%s", bare_model(ctx->upstream_model));
        err = embed_body(ctx->creq->raw, model, &body);
    } else {
        err = SY_ERR_BAD_REQUEST; /* completions; embeddings on Vertex (:predict) */
    }
    if (err == SY_OK) {
        out->body = (struct sy_str){sy_pool_strndup(ctx->pool, body.ptr, body.len), body.len};
        out->headers = sy_pool_alloc(ctx->pool, (prov->headers_count + 2) * sizeof(char *));
        out->headers[n++] = "Content-Type: application/json";
        if (auth_line != NULL)
            out->headers[n++] = auth_line;
        for (size_t i = 0; i < prov->headers_count; i++)
            out->headers[n++] =
                sy_pool_printf(ctx->pool, "%s: %s", prov->headers[i].name, prov->headers[i].value);
        out->headers_count = n;
    }
    sy_buf_dispose(&body);
    return err;
}

static enum sy_err build_gemini(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    const char *auth = prov->api_key != NULL
                           ? sy_pool_printf(ctx->pool, "x-goog-api-key: %s", prov->api_key)
                           : NULL;
    enum sy_err err = build_common(ctx, auth, out);

    if (err != SY_OK)
        return err;
    out->url = sy_pool_printf(ctx->pool, "%s/models/%s:%s", prov->base_url,
                              sy_provider_path_escape(ctx->pool, bare_model(ctx->upstream_model)),
                              method_for(ctx));
    return SY_OK;
}

static enum sy_err build_vertex(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    enum sy_err err;

    if (ctx->access_token == NULL || prov->project == NULL || prov->region == NULL)
        return SY_ERR_INTERNAL; /* the caller fetches the token; config requires the rest */
    err = build_common(
        ctx, sy_pool_printf(ctx->pool, "Authorization: Bearer %s", ctx->access_token), out);
    if (err != SY_OK)
        return err;
    out->url = sy_pool_printf(
        ctx->pool, "%s/projects/%s/locations/%s/publishers/google/models/%s:%s", prov->base_url,
        sy_provider_path_escape(ctx->pool, prov->project),
        sy_provider_path_escape(ctx->pool, prov->region),
        sy_provider_path_escape(ctx->pool, bare_model(ctx->upstream_model)), method_for(ctx));
    return SY_OK;
}

/* ---- Responses ------------------------------------------------------------- */

static uint32_t add_sat(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* usageMetadata -> usage. Tool-use prompt tokens (code execution, search)
 * are billed as input, so they count as prompt tokens; thoughts are billed
 * as output, so they count as completion tokens. */
static void read_usage(struct sy_str um, struct sy_usage *u)
{
    u->prompt_tokens = add_sat(sy_provider_get_u32(um, "promptTokenCount"),
                               sy_provider_get_u32(um, "toolUsePromptTokenCount"));
    u->reasoning_tokens = sy_provider_get_u32(um, "thoughtsTokenCount");
    u->completion_tokens =
        add_sat(sy_provider_get_u32(um, "candidatesTokenCount"), u->reasoning_tokens);
    u->cached_tokens = sy_provider_get_u32(um, "cachedContentTokenCount");
    u->seen = true;
}

static void append_usage(struct sy_buf *b, const struct sy_usage *u)
{
    sy_buf_appendf(b,
                   "{\"prompt_tokens\":%u,\"completion_tokens\":%u,\"total_tokens\":%llu,"
                   "\"prompt_tokens_details\":{\"cached_tokens\":%u},"
                   "\"completion_tokens_details\":{\"reasoning_tokens\":%u}}",
                   u->prompt_tokens, u->completion_tokens,
                   (unsigned long long)u->prompt_tokens + u->completion_tokens, u->cached_tokens,
                   u->reasoning_tokens);
}

/* Parses the start of an RFC 3339 time ("2024-05-01T12:34:56.5Z") into Unix
 * seconds (UTC; fractions and offsets other than Z are ignored), or 0. */
static int64_t parse_time(struct sy_str lit)
{
    static const int widths[6] = {4, 2, 2, 2, 2, 2};
    static const char seps[6] = {'-', '-', 'T', ':', ':', '\0'};
    int64_t v[6] = {0};
    const char *p = lit.ptr + 1, *end = lit.ptr + lit.len - 1;

    for (int i = 0; i < 6; i++) {
        for (int k = 0; k < widths[i]; k++, p++) {
            if (p >= end || *p < '0' || *p > '9')
                return 0;
            v[i] = v[i] * 10 + (*p - '0');
        }
        if (seps[i] != '\0' && (p >= end || *p++ != seps[i]))
            return 0;
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return 0;
    /* Days from civil (H. Hinnant), valid for every Gregorian year. */
    int64_t y = v[0] - (v[1] <= 2), m = v[1], d = v[2];
    int64_t era = y / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}

/* The OpenAI finish_reason for a Gemini finishReason (`lit`, NULL ptr when
 * absent). */
static const char *finish_reason(struct sy_str lit, bool has_tool_calls)
{
    /* clang-format off */
    static const char *const filtered[] = {
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
    };
    /* clang-format on */

    if (lit.ptr != NULL) {
        if (lit_is(lit, "MAX_TOKENS"))
            return "length";
        for (size_t i = 0; i < sizeof(filtered) / sizeof(filtered[0]); i++)
            if (lit_is(lit, filtered[i]))
                return "content_filter";
    }
    return has_tool_calls ? "tool_calls" : "stop";
}

/* Appends one OpenAI tool call for the functionCall `fc` of `part`: the
 * part's id, else "call_<n>"; its thought signature in extra_content.
 * `with_index` adds the "index" a stream delta carries. False when the call
 * has no name. */
static bool append_tool_call(struct sy_buf *b, struct sy_str part, struct sy_str fc, uint32_t n,
                             bool with_index)
{
    struct sy_str name, id, sig;
    struct sy_json_member args;

    if (!get(fc, "name", SY_JSON_STRING, &name))
        return false;
    sy_buf_append(b, "{", 1);
    if (with_index)
        sy_buf_appendf(b, "\"index\":%u,", n);
    if (get(fc, "id", SY_JSON_STRING, &id) && id.len > 2) {
        SY_BUF_APPEND_LIT(b, "\"id\":");
        sy_buf_append_str(b, id);
    } else {
        sy_buf_appendf(b, "\"id\":\"call_%u\"", n);
    }
    SY_BUF_APPEND_LIT(b, ",\"type\":\"function\",\"function\":{\"name\":");
    sy_buf_append_str(b, name);
    SY_BUF_APPEND_LIT(b, ",\"arguments\":");
    if (sy_json_get(fc, "args", &args) && args.type == SY_JSON_OBJECT)
        sy_json_append_string(b, args.value.ptr, args.value.len);
    else
        SY_BUF_APPEND_LIT(b, "\"{}\"");
    sy_buf_append(b, "}", 1);
    if (get(part, "thoughtSignature", SY_JSON_STRING, &sig)) {
        SY_BUF_APPEND_LIT(b, ",\"extra_content\":{\"google\":{\"thought_signature\":");
        sy_buf_append_str(b, sig);
        SY_BUF_APPEND_LIT(b, "}}");
    }
    sy_buf_append(b, "}", 1);
    return true;
}

static void append_signature(struct sy_buf *b, struct sy_str sig)
{
    SY_BUF_APPEND_LIT(b, ",\"extra_content\":{\"google\":{\"thought_signature\":");
    sy_buf_append_str(b, sig);
    SY_BUF_APPEND_LIT(b, "}}");
}

/* One candidate -> one choice. */
static bool append_choice(struct sy_buf *out, struct sy_str cand, size_t position)
{
    struct sy_buf text = {0}, reasoning = {0}, calls = {0};
    struct sy_str content, parts, part, t, sig = {0}, reason = {0};
    struct sy_json_iter it;
    struct sy_json_member thought;
    enum sy_json_type type;
    bool has_text = false, has_reasoning = false, ok = true;
    uint32_t ncalls = 0;
    uint64_t index = position;
    struct sy_json_member idx;

    if (sy_json_get(cand, "index", &idx) && idx.type == SY_JSON_NUMBER)
        sy_json_get_uint(idx.value, &index);
    if (get(cand, "content", SY_JSON_OBJECT, &content) &&
        get(content, "parts", SY_JSON_ARRAY, &parts)) {
        sy_json_iter_init(&it, parts);
        while (ok && sy_json_next_element(&it, &part, &type)) {
            struct sy_str fc;
            if (type != SY_JSON_OBJECT)
                continue;
            if (get(part, "functionCall", SY_JSON_OBJECT, &fc)) {
                if (ncalls > 0)
                    sy_buf_append(&calls, ",", 1);
                ok = append_tool_call(&calls, part, fc, ncalls++, false);
                continue;
            }
            if (!get(part, "text", SY_JSON_STRING, &t))
                continue; /* code execution, inline images: not in OpenAI's message */
            if (sy_json_get(part, "thought", &thought) && thought.type == SY_JSON_TRUE) {
                sy_buf_append_str(&reasoning, inner(t)); /* raw literals join as they are */
                has_reasoning = true;
            } else {
                sy_buf_append_str(&text, inner(t));
                has_text = true;
            }
            get(part, "thoughtSignature", SY_JSON_STRING, &sig);
        }
    }
    get(cand, "finishReason", SY_JSON_STRING, &reason);
    if (ok) {
        sy_buf_appendf(out, "{\"index\":%llu,\"message\":{\"role\":\"assistant\",\"content\":",
                       (unsigned long long)index);
        if (has_text || ncalls == 0) {
            sy_buf_append(out, "\"", 1);
            if (text.len > 0)
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
        if (ncalls > 0) {
            SY_BUF_APPEND_LIT(out, ",\"tool_calls\":[");
            sy_buf_append(out, calls.ptr, calls.len);
            sy_buf_append(out, "]", 1);
        }
        if (sig.ptr != NULL)
            append_signature(out, sig);
        sy_buf_appendf(out, "},\"logprobs\":null,\"finish_reason\":\"%s\"}",
                       finish_reason(reason, ncalls > 0));
    }
    sy_buf_dispose(&text);
    sy_buf_dispose(&reasoning);
    sy_buf_dispose(&calls);
    return ok;
}

/* "chatcmpl-<responseId>" as a literal, or a fixed one. */
static void append_id(struct sy_buf *b, struct sy_str doc)
{
    struct sy_str rid;

    SY_BUF_APPEND_LIT(b, "\"chatcmpl-");
    if (get(doc, "responseId", SY_JSON_STRING, &rid))
        sy_buf_append_str(b, inner(rid));
    else
        SY_BUF_APPEND_LIT(b, "gemini");
    sy_buf_append(b, "\"", 1);
}

static int64_t created_of(struct sy_str doc)
{
    struct sy_str t;

    return get(doc, "createTime", SY_JSON_STRING, &t) ? parse_time(t) : 0;
}

static enum sy_err translate_chat(const char *alias, struct sy_str doc, struct sy_buf *out,
                                  struct sy_usage *usage)
{
    struct sy_str cands, cand, um, pf, block;
    struct sy_json_iter it;
    enum sy_json_type type;
    size_t n = 0;

    SY_BUF_APPEND_LIT(out, "{\"id\":");
    append_id(out, doc);
    sy_buf_appendf(out, ",\"object\":\"chat.completion\",\"created\":%lld,\"model\":",
                   (long long)created_of(doc));
    sy_json_append_string(out, alias, strlen(alias));
    SY_BUF_APPEND_LIT(out, ",\"choices\":[");
    if (get(doc, "candidates", SY_JSON_ARRAY, &cands)) {
        sy_json_iter_init(&it, cands);
        while (sy_json_next_element(&it, &cand, &type)) {
            if (type != SY_JSON_OBJECT)
                return SY_ERR_UPSTREAM;
            if (n > 0)
                sy_buf_append(out, ",", 1);
            if (!append_choice(out, cand, n++))
                return SY_ERR_UPSTREAM;
        }
    }
    if (n == 0) {
        /* No candidate: the prompt itself was blocked, or nothing came. */
        bool blocked = get(doc, "promptFeedback", SY_JSON_OBJECT, &pf) &&
                       get(pf, "blockReason", SY_JSON_STRING, &block);
        sy_buf_appendf(out,
                       "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                       "\"logprobs\":null,\"finish_reason\":\"%s\"}",
                       blocked ? "content_filter" : "stop");
    }
    SY_BUF_APPEND_LIT(out, "],\"usage\":");
    if (get(doc, "usageMetadata", SY_JSON_OBJECT, &um))
        read_usage(um, usage);
    append_usage(out, usage);
    sy_buf_append(out, "}", 1);
    return SY_OK;
}

static enum sy_err translate_embeddings(const char *alias, struct sy_str doc, struct sy_buf *out,
                                        struct sy_usage *usage)
{
    struct sy_str list, el, values;
    struct sy_json_iter it;
    enum sy_json_type type;
    size_t n = 0;

    if (!get(doc, "embeddings", SY_JSON_ARRAY, &list))
        return SY_ERR_UPSTREAM;
    SY_BUF_APPEND_LIT(out, "{\"object\":\"list\",\"data\":[");
    sy_json_iter_init(&it, list);
    while (sy_json_next_element(&it, &el, &type)) {
        if (type != SY_JSON_OBJECT || !get(el, "values", SY_JSON_ARRAY, &values))
            return SY_ERR_UPSTREAM;
        sy_buf_appendf(
            out, "%s{\"object\":\"embedding\",\"index\":%zu,\"embedding\":", n > 0 ? "," : "", n);
        sy_buf_append_str(out, values);
        sy_buf_append(out, "}", 1);
        n++;
    }
    SY_BUF_APPEND_LIT(out, "],\"model\":");
    sy_json_append_string(out, alias, strlen(alias));
    /* batchEmbedContents reports no token counts. */
    SY_BUF_APPEND_LIT(out, ",\"usage\":{\"prompt_tokens\":0,\"total_tokens\":0}}");
    (void)usage;
    return SY_OK;
}

static enum sy_err translate_response(enum sy_endpoint ep, const char *alias, const char *body,
                                      size_t len, struct sy_buf *out, struct sy_usage *usage)
{
    struct sy_str doc = {body, len};
    size_t start = out->len;
    enum sy_err err;

    if (sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_ERR_UPSTREAM;
    if (ep == SY_EP_EMBEDDINGS)
        err = translate_embeddings(alias, doc, out, usage);
    else if (ep == SY_EP_CHAT)
        err = translate_chat(alias, doc, out, usage);
    else
        err = SY_ERR_UPSTREAM;
    if (err != SY_OK) {
        out->len = start; /* nothing half-written */
        if (out->ptr != NULL)
            out->ptr[start] = '\0';
    }
    return err;
}

/* ---- Streams --------------------------------------------------------------- */

/* What a stream remembers between events, in the request pool. */
struct gstream {
    struct sy_buf head; /* "data: {"id":..,"object":..,"created":..,"model":.." */
    uint64_t seen;      /* candidate indexes seen */
    uint64_t finished;  /* ... that carried a finishReason */
    uint64_t role_sent; /* ... whose role chunk went out */
    uint64_t called;    /* ... that made a function call */
    uint32_t calls[MAX_CANDIDATES];
};

static void dispose_gstream(void *arg)
{
    struct gstream *g = arg;

    sy_buf_dispose(&g->head);
}

static void chunk_begin(struct sy_buf *out, const struct gstream *g, uint64_t index)
{
    sy_buf_append(out, g->head.ptr, g->head.len);
    sy_buf_appendf(out, ",\"choices\":[{\"index\":%llu,\"delta\":{", (unsigned long long)index);
}

static void chunk_end(struct sy_buf *out, const char *finish)
{
    if (finish != NULL)
        sy_buf_appendf(out, "},\"logprobs\":null,\"finish_reason\":\"%s\"}]}\n\n", finish);
    else
        SY_BUF_APPEND_LIT(out, "},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
}

enum pending { PENDING_NONE = 0, PENDING_CONTENT, PENDING_REASONING };

/* Text of consecutive parts of one kind, sent as one delta. */
struct text_run {
    enum pending kind;
    struct sy_buf text; /* raw literal contents, joined */
};

static void flush_run(struct sy_buf *out, const struct gstream *g, uint64_t index,
                      struct text_run *run, struct sy_str sig)
{
    if (run->kind == PENDING_NONE || (run->text.len == 0 && sig.ptr == NULL)) {
        run->kind = PENDING_NONE;
        return;
    }
    chunk_begin(out, g, index);
    if (run->kind == PENDING_REASONING)
        SY_BUF_APPEND_LIT(out, "\"reasoning_content\":\"");
    else
        SY_BUF_APPEND_LIT(out, "\"content\":\"");
    if (run->text.len > 0)
        sy_buf_append(out, run->text.ptr, run->text.len);
    sy_buf_append(out, "\"", 1);
    if (sig.ptr != NULL)
        append_signature(out, sig);
    chunk_end(out, NULL);
    sy_buf_reset(&run->text);
    run->kind = PENDING_NONE;
}

/* Translates one candidate of an event. Returns false when it is malformed. */
static bool stream_candidate(struct sy_buf *out, struct gstream *g, struct sy_str cand,
                             size_t position, bool *finished)
{
    struct sy_str content, parts, part, reason;
    struct sy_json_member idx, thought;
    struct sy_json_iter it;
    enum sy_json_type type;
    struct text_run run = {0};
    uint64_t index = position, bit;
    bool ok = true;

    if (sy_json_get(cand, "index", &idx) && idx.type == SY_JSON_NUMBER &&
        !sy_json_get_uint(idx.value, &index))
        return false;
    if (index >= MAX_CANDIDATES)
        return false;
    bit = (uint64_t)1 << index;
    g->seen |= bit;
    if (!(g->role_sent & bit)) {
        g->role_sent |= bit;
        chunk_begin(out, g, index);
        SY_BUF_APPEND_LIT(out, "\"role\":\"assistant\",\"content\":\"\"");
        chunk_end(out, NULL);
    }
    if (get(cand, "content", SY_JSON_OBJECT, &content) &&
        get(content, "parts", SY_JSON_ARRAY, &parts)) {
        sy_json_iter_init(&it, parts);
        while (ok && sy_json_next_element(&it, &part, &type)) {
            struct sy_str fc, t, sig = {0};
            enum pending kind;
            if (type != SY_JSON_OBJECT)
                continue;
            if (get(part, "functionCall", SY_JSON_OBJECT, &fc)) {
                flush_run(out, g, index, &run, (struct sy_str){0});
                chunk_begin(out, g, index);
                SY_BUF_APPEND_LIT(out, "\"tool_calls\":[");
                ok = append_tool_call(out, part, fc, g->calls[index]++, true);
                sy_buf_append(out, "]", 1);
                chunk_end(out, NULL);
                g->called |= bit;
                continue;
            }
            if (!get(part, "text", SY_JSON_STRING, &t))
                continue;
            kind = sy_json_get(part, "thought", &thought) && thought.type == SY_JSON_TRUE
                       ? PENDING_REASONING
                       : PENDING_CONTENT;
            if (kind != run.kind)
                flush_run(out, g, index, &run, (struct sy_str){0});
            run.kind = kind;
            sy_buf_append_str(&run.text, inner(t));
            if (get(part, "thoughtSignature", SY_JSON_STRING, &sig))
                flush_run(out, g, index, &run, sig);
        }
        flush_run(out, g, index, &run, (struct sy_str){0});
    }
    sy_buf_dispose(&run.text);
    if (ok && get(cand, "finishReason", SY_JSON_STRING, &reason)) {
        chunk_begin(out, g, index);
        chunk_end(out, finish_reason(reason, (g->called & bit) != 0));
        g->finished |= bit;
        *finished = true;
    }
    return ok;
}

static struct gstream *stream_state(struct sy_stream_state *st, struct sy_str doc)
{
    struct gstream *g = st->kind_state;

    if (g != NULL)
        return g;
    g = SY_POOL_NEW(st->pool, struct gstream);
    sy_pool_defer(st->pool, dispose_gstream, g);
    SY_BUF_APPEND_LIT(&g->head, "data: {\"id\":");
    append_id(&g->head, doc);
    sy_buf_appendf(&g->head, ",\"object\":\"chat.completion.chunk\",\"created\":%lld,\"model\":",
                   (long long)created_of(doc));
    sy_json_append_string(&g->head, st->alias, strlen(st->alias));
    st->kind_state = g;
    return g;
}

static enum sy_stream_next end_stream(struct sy_stream_state *st, struct sy_buf *out)
{
    const struct gstream *g = st->kind_state;

    if (st->client_wants_usage && g != NULL) {
        sy_buf_append(out, g->head.ptr, g->head.len);
        SY_BUF_APPEND_LIT(out, ",\"choices\":[],\"usage\":");
        append_usage(out, &st->usage);
        SY_BUF_APPEND_LIT(out, "}\n\n");
    }
    SY_BUF_APPEND_LIT(out, "data: [DONE]\n\n");
    st->saw_done = true;
    return SY_STREAM_DONE;
}

/* The provider's own {"error": {code, message, status}} event -> an in-band
 * error, as bedrock.c writes them. */
static enum sy_stream_next provider_error(struct sy_str err, struct sy_buf *out)
{
    char code[64] = "upstream_error", said[301] = "", text[400];
    struct sy_str lit;

    if (get(err, "status", SY_JSON_STRING, &lit) && lit.len > 2 && lit.len - 2 < sizeof(code)) {
        bool plain = true;
        for (size_t i = 1; i + 1 < lit.len; i++)
            plain = plain && ((lit.ptr[i] >= 'A' && lit.ptr[i] <= 'Z') || lit.ptr[i] == '_');
        if (plain)
            snprintf(code, sizeof(code), "%.*s", (int)(lit.len - 2), lit.ptr + 1);
    }
    if (get(err, "message", SY_JSON_STRING, &lit) &&
        sy_json_string_decode(lit, said, sizeof(said)) < 0) {
        /* Longer than we quote: keep its start, cut at a character. */
        size_t keep = lit.len - 2 < sizeof(said) - 1 ? lit.len - 2 : sizeof(said) - 1;
        while (keep > 0 && ((unsigned char)lit.ptr[1 + keep] & 0xC0) == 0x80)
            keep--;
        memcpy(said, lit.ptr + 1, keep);
        said[keep] = '\0';
    }
    snprintf(text, sizeof(text), "The provider reported %s: %s", code, said);
    sy_provider_stream_error(out, text, "upstream_error", code);
    return SY_STREAM_FAILED; /* written in-band: the gateway adds nothing, or fails over */
}

static enum sy_stream_next on_event(struct sy_stream_state *st, enum sy_endpoint ep,
                                    const struct sy_sse_event *ev, struct sy_buf *out)
{
    struct sy_str doc = ev->data, cands, cand, um, pf, block;
    struct sy_json_member err;
    struct sy_json_iter it;
    enum sy_json_type type;
    struct gstream *g;
    bool finished = false;
    size_t n = 0, start = out->len;

    (void)ep;
    if (sy_str_eq_c(doc, "[DONE]")) /* not Gemini's, but final all the same */
        return end_stream(st, out);
    if (sy_json_validate(doc.ptr, doc.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_STREAM_MALFORMED;
    if (sy_json_get(doc, "error", &err) && err.type == SY_JSON_OBJECT)
        return provider_error(err.value, out);
    g = stream_state(st, doc);
    st->events++;
    if (get(doc, "usageMetadata", SY_JSON_OBJECT, &um))
        read_usage(um, &st->usage);
    if (get(doc, "candidates", SY_JSON_ARRAY, &cands)) {
        sy_json_iter_init(&it, cands);
        while (sy_json_next_element(&it, &cand, &type)) {
            if (type != SY_JSON_OBJECT || !stream_candidate(out, g, cand, n++, &finished)) {
                out->len = start; /* send nothing of a malformed event */
                if (out->ptr != NULL)
                    out->ptr[start] = '\0';
                return SY_STREAM_MALFORMED;
            }
        }
    }
    if (n == 0 && get(doc, "promptFeedback", SY_JSON_OBJECT, &pf) &&
        get(pf, "blockReason", SY_JSON_STRING, &block)) {
        if (!(g->role_sent & 1)) {
            g->role_sent |= 1;
            chunk_begin(out, g, 0);
            SY_BUF_APPEND_LIT(out, "\"role\":\"assistant\",\"content\":\"\"");
            chunk_end(out, NULL);
        }
        chunk_begin(out, g, 0);
        chunk_end(out, "content_filter");
        g->seen |= 1;
        g->finished |= 1;
        finished = true;
    }
    if (!finished)
        return SY_STREAM_CONTINUE;
    st->saw_finish = true;
    if ((g->seen & ~g->finished) != 0)
        return SY_STREAM_CONTINUE; /* another candidate is still going */
    return end_stream(st, out);
}

static enum sy_stream_next stream_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                       const char *data, size_t len, struct sy_buf *out)
{
    return sy_provider_sse_feed(st, ep, data, len, out, on_event);
}

const struct sy_provider sy_provider_gemini = {
    .kind = SY_KIND_GEMINI,
    .stream_content_type = "text/event-stream",
    .build = build_gemini,
    .translate_response = translate_response,
    .stream_feed = stream_feed,
};

const struct sy_provider sy_provider_vertex = {
    .kind = SY_KIND_VERTEX,
    .needs_access_token = true,
    .stream_content_type = "text/event-stream",
    .build = build_vertex,
    .translate_response = translate_response,
    .stream_feed = stream_feed,
};
