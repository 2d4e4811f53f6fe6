/* mock_provider/openai.c - what the mock answers, in the OpenAI wire format (pure).
 *
 * Chat and legacy completions are on the hot path of every benchmark, so their bodies are
 * checked and read in place with core/json.h (jansson takes ~10 us to parse a 1 KB chat body,
 * more than the mock's whole budget per request) and their answers written directly into a
 * buffer. Embeddings use jansson: their inputs are nested arrays and their answers arrays of
 * numbers. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

/* A decoded string kept as an offset, because `text` may still move while it grows. */
struct span {
    size_t off;
    size_t len;
    bool is_set;
};

/* Appends the decoded text of `lit`, a validated string literal (quotes included), to `text`.
 * Decoding never makes a literal longer, so its length is room enough for the text and the
 * NUL. */
static void append_decoded(struct sy_buf *text, struct sy_str lit)
{
    char *dst = sy_buf_reserve(text, lit.len);
    ssize_t n = sy_json_string_decode(lit, dst, lit.len);

    if (n > 0)
        text->len += (size_t)n;
}

static struct span decode_into(struct sy_buf *text, struct sy_str lit)
{
    struct span sp = {text->len, 0, true};

    append_decoded(text, lit);
    sp.len = text->len - sp.off;
    return sp;
}

static struct sy_str span_str(const struct sy_buf *text, struct span sp)
{
    if (!sp.is_set)
        return SY_STR_NULL;
    return (struct sy_str){text->ptr != NULL ? text->ptr + sp.off : "", sp.len};
}

/* True when `m` is a string that decodes to `s`. */
static bool string_is(const struct sy_json_member *m, const char *s)
{
    return m->type == SY_JSON_STRING &&
           sy_json_key_is((struct sy_str){m->value.ptr + 1, m->value.len - 2}, s);
}

/* Words in the string literal `lit`, decoding it first when it has escapes ("a\nb" is two
 * words). */
static uint32_t words_of(struct sy_str lit, struct sy_buf *text)
{
    const char *inside = lit.ptr + 1;
    size_t inside_len = lit.len - 2, mark = text->len;
    uint32_t n;

    if (memchr(inside, '\\', inside_len) == NULL)
        return sy__mock_count_words(inside, inside_len);
    append_decoded(text, lit);
    n = sy__mock_count_words(text->ptr + mark, text->len - mark);
    text->len = mark;
    text->ptr[mark] = '\0';
    return n;
}

/* Words in a message content: a string, or an array of parts whose text parts count. */
static uint32_t content_words(const struct sy_json_member *content, struct sy_buf *text)
{
    struct sy_json_iter it;
    struct sy_json_member t;
    struct sy_str part;
    uint32_t n = 0;

    if (content->type == SY_JSON_STRING)
        return words_of(content->value, text);
    if (content->type != SY_JSON_ARRAY)
        return 0;
    sy_json_iter_init(&it, content->value);
    while (sy_json_next_element(&it, &part, NULL)) {
        if (sy_json_get(part, "text", &t) && t.type == SY_JSON_STRING)
            n += words_of(t.value, text);
    }
    return n;
}

/* Decodes the text of a content into `text`: a string, or its text parts joined by a space. */
static struct span content_text(const struct sy_json_member *content, struct sy_buf *text)
{
    struct sy_json_iter it;
    struct sy_json_member t;
    struct sy_str part;
    struct span sp = {text->len, 0, true};
    bool is_first = true;

    if (content->type == SY_JSON_STRING)
        return decode_into(text, content->value);
    if (content->type != SY_JSON_ARRAY)
        return sp;
    sy_json_iter_init(&it, content->value);
    while (sy_json_next_element(&it, &part, NULL)) {
        if (!sy_json_get(part, "text", &t) || t.type != SY_JSON_STRING)
            continue;
        if (!is_first)
            sy__mock_put(text, " ", 1);
        append_decoded(text, t.value);
        is_first = false;
    }
    sp.len = text->len - sp.off;
    return sp;
}

/* The members of a chat or completion body that the mock reads; type SY_JSON_INVALID when
 * absent. */
struct body_members {
    struct sy_json_member model, messages, prompt, tools;
    bool is_stream;
    bool has_usage;
};

/* Validates the body and reads its members in one pass: the messages of a long prompt are the
 * most bytes, and each walk over them costs. */
static int read_body(const char *body, size_t len, struct body_members *m, const char **why)
{
    struct sy_json_iter it, opts;
    struct sy_json_member v, opt;

    memset(m, 0, sizeof(*m));
    switch (sy_json_validate(body, len, SY_JSON_MAX_DEPTH, NULL)) {
    case SY_JSON_INVALID:
        *why = "the request body is not valid JSON";
        return -1;
    case SY_JSON_OBJECT:
        break;
    default:
        *why = "the request body must be a JSON object";
        return -1;
    }
    sy_json_iter_init(&it, (struct sy_str){body, len});
    while (sy_json_next_member(&it, &v)) {
        if (sy_json_key_is(v.key, "model")) {
            m->model = v;
        } else if (sy_json_key_is(v.key, "messages")) {
            m->messages = v;
        } else if (sy_json_key_is(v.key, "prompt")) {
            m->prompt = v;
        } else if (sy_json_key_is(v.key, "tools")) {
            m->tools = v;
        } else if (sy_json_key_is(v.key, "stream")) {
            m->is_stream = v.type == SY_JSON_TRUE;
        } else if (sy_json_key_is(v.key, "stream_options")) {
            m->has_usage = false;
            if (v.type != SY_JSON_OBJECT)
                continue;
            sy_json_iter_init(&opts, v.value);
            while (sy_json_next_member(&opts, &opt)) {
                if (sy_json_key_is(opt.key, "include_usage"))
                    m->has_usage = opt.type == SY_JSON_TRUE;
            }
        }
    }
    if (m->model.type != SY_JSON_INVALID && m->model.type != SY_JSON_STRING) {
        *why = "'model' must be a string";
        return -1;
    }
    return 0;
}

static void set_prompt(struct sy__mock_prompt *out, const struct body_members *m,
                       const struct sy_buf *text, struct span model)
{
    out->model = span_str(text, model);
    out->is_stream = m->is_stream;
    out->has_usage = m->has_usage;
}

int sy__mock_openai_decode_chat(const char *body, size_t len, struct sy_buf *text,
                                struct sy__mock_prompt *out, const char **why)
{
    struct body_members m;
    struct sy_json_member v, content, last_user = {0}, fn, name;
    struct sy_json_iter it, members;
    struct sy_str msg, tool;
    enum sy_json_type type;
    struct span model = {0}, user_text = {0}, tool_name = {0};
    uint32_t words = 0, count = 0;

    memset(out, 0, sizeof(*out));
    if (read_body(body, len, &m, why) != 0)
        return -1;
    if (m.messages.type != SY_JSON_ARRAY) {
        *why = "'messages' must be an array";
        return -1;
    }
    sy_buf_reset(text);
    if (m.model.type == SY_JSON_STRING)
        model = decode_into(text, m.model.value);
    sy_json_iter_init(&it, m.messages.value);
    while (sy_json_next_element(&it, &msg, &type)) {
        bool is_user = false;

        if (type != SY_JSON_OBJECT) {
            *why = "each message must be an object";
            return -1;
        }
        count++;
        content.type = SY_JSON_INVALID;
        sy_json_iter_init(&members, msg);
        while (sy_json_next_member(&members, &v)) {
            if (sy_json_key_is(v.key, "content"))
                content = v;
            else if (sy_json_key_is(v.key, "role"))
                is_user = string_is(&v, "user");
        }
        words += content_words(&content, text);
        if (is_user)
            last_user = content;
    }
    if (last_user.type != SY_JSON_INVALID)
        user_text = content_text(&last_user, text);
    if (m.tools.type == SY_JSON_ARRAY) {
        sy_json_iter_init(&it, m.tools.value);
        if (sy_json_next_element(&it, &tool, NULL) && sy_json_get(tool, "function", &fn) &&
            sy_json_get(fn.value, "name", &name) && name.type == SY_JSON_STRING)
            tool_name = decode_into(text, name.value);
    }

    set_prompt(out, &m, text, model);
    out->last_user_text = user_text.is_set ? span_str(text, user_text) : (struct sy_str){"", 0};
    out->tool_name = span_str(text, tool_name);
    out->prompt_tokens = words + 3 * count;
    return 0;
}

int sy__mock_openai_decode_completion(const char *body, size_t len, struct sy_buf *text,
                                      struct sy__mock_prompt *out, const char **why)
{
    struct body_members m;
    struct sy_json_iter it;
    struct sy_str first;
    enum sy_json_type type;
    struct span model = {0}, prompt_text = {0};

    memset(out, 0, sizeof(*out));
    if (read_body(body, len, &m, why) != 0)
        return -1;
    sy_buf_reset(text);
    if (m.model.type == SY_JSON_STRING)
        model = decode_into(text, m.model.value);
    if (m.prompt.type == SY_JSON_STRING) {
        prompt_text = decode_into(text, m.prompt.value);
    } else if (m.prompt.type == SY_JSON_ARRAY) {
        sy_json_iter_init(&it, m.prompt.value);
        if (sy_json_next_element(&it, &first, &type) && type == SY_JSON_STRING)
            prompt_text = decode_into(text, first);
    } else if (m.prompt.type != SY_JSON_INVALID) {
        *why = "'prompt' must be a string or an array";
        return -1;
    }
    set_prompt(out, &m, text, model);
    out->last_user_text = prompt_text.is_set ? span_str(text, prompt_text) : (struct sy_str){"", 0};
    out->tool_name = SY_STR_NULL;
    out->prompt_tokens = sy__mock_count_words(out->last_user_text.ptr, out->last_user_text.len);
    return 0;
}

/* ---- Streams --------------------------------------------------------------------------- */

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_char_start(const char *text, size_t i)
{
    return i == 0 || ((unsigned char)text[i] & 0xc0) != 0x80;
}

void sy__mock_stream_init(struct sy__mock_stream *s, enum sy__mock_api api, const char *id,
                          int64_t created, struct sy_str model, struct sy_str text,
                          struct sy_str tool_name, uint32_t prompt_tokens, uint32_t chunks)
{
    struct sy_buf prefix = {0};

    memset(s, 0, sizeof(*s));
    s->api = api;
    s->is_tool_call = tool_name.ptr != NULL;
    (void)snprintf(s->id, sizeof(s->id), "%s", id);
    s->created = created;
    s->model = sy_xstrndup(model.ptr != NULL ? model.ptr : "", model.len);
    s->text = sy_xstrndup(text.ptr != NULL ? text.ptr : "", text.len);
    s->text_len = text.len;
    if (s->is_tool_call)
        s->tool_name = sy_xstrndup(tool_name.ptr, tool_name.len);
    s->prompt_tokens = prompt_tokens;
    s->completion_tokens = sy__mock_count_words(s->text, s->text_len);

    if (chunks > 0 || s->is_tool_call) {
        size_t want = chunks > 0 ? chunks : 4; /* tool arguments go in about four pieces */

        s->is_by_chars = true;
        for (size_t i = 0; i < s->text_len; i++)
            s->text_chars += is_char_start(s->text, i);
        s->pieces = (uint32_t)(want < s->text_chars ? want : s->text_chars);
    } else {
        s->pieces = s->completion_tokens;
        if (s->pieces == 0 && s->text_len > 0)
            s->pieces = 1; /* whitespace only: one piece, no words */
    }

    LIT(&prefix, "data: {\"id\":\"");
    sy__mock_put(&prefix, s->id, strlen(s->id));
    if (api == SY__MOCK_API_CHAT)
        LIT(&prefix, "\",\"object\":\"chat.completion.chunk\",\"created\":");
    else
        LIT(&prefix, "\",\"object\":\"text_completion\",\"created\":");
    sy__mock_buf_u64(&prefix, (uint64_t)created);
    LIT(&prefix, ",\"model\":");
    sy_json_append_string(&prefix, s->model, model.len);
    LIT(&prefix, ",");
    s->prefix = prefix.ptr;
    s->prefix_len = prefix.len;
    s->next = api == SY__MOCK_API_CHAT ? SY__MOCK_STEP_ROLE : SY__MOCK_STEP_CONTENT;
}

void sy__mock_stream_dispose(struct sy__mock_stream *s)
{
    free(s->model);
    free(s->text);
    free(s->tool_name);
    free(s->prefix);
    memset(s, 0, sizeof(*s));
}

/* What comes after the role, the tool head, a piece or the malformed event. */
static enum sy__mock_step content_phase(const struct sy__mock_stream *s)
{
    if (s->is_malformed && !s->is_malformed_sent && (s->pieces_sent >= 1 || s->pieces == 0))
        return SY__MOCK_STEP_MALFORMED;
    if (s->pieces_sent < s->pieces)
        return SY__MOCK_STEP_CONTENT;
    return SY__MOCK_STEP_FINISH;
}

/* Returns where the next piece ends and counts the words it completes. */
static size_t next_piece_end(struct sy__mock_stream *s)
{
    const char *t = s->text;
    size_t end = s->pos, n = s->text_len;

    if (s->pieces_sent + 1 >= s->pieces)
        return n;
    if (!s->is_by_chars) {
        /* The word and the whitespace after it (and, first, any before it). */
        while (end < n && is_space(t[end]))
            end++;
        while (end < n && !is_space(t[end]))
            end++;
        while (end < n && is_space(t[end]))
            end++;
        return end;
    }
    size_t target = (size_t)(((uint64_t)s->pieces_sent + 1) * s->text_chars / s->pieces);
    for (size_t c = s->chars_sent; c < target; c++) {
        end++;
        while (end < n && !is_char_start(t, end))
            end++;
    }
    return end;
}

static void emit_piece(struct sy__mock_stream *s, struct sy_buf *out)
{
    size_t start = s->pos, end = next_piece_end(s);
    uint32_t words = sy__mock_count_words(s->text + start, end - start);

    if (start > 0 && !is_space(s->text[start - 1]) && start < end && !is_space(s->text[start]))
        words--; /* the piece begins inside a word already counted */
    if (s->is_by_chars) {
        for (size_t i = start; i < end; i++)
            s->chars_sent += is_char_start(s->text, i);
    }
    s->tokens_sent += words;
    s->pos = end;
    s->pieces_sent++;

    sy__mock_put(out, s->prefix, s->prefix_len);
    if (s->api == SY__MOCK_API_COMPLETION) {
        LIT(out, "\"choices\":[{\"text\":");
        sy_json_append_string(out, s->text + start, end - start);
        LIT(out, ",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    } else if (s->is_tool_call) {
        LIT(out, "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                 "{\"arguments\":");
        sy_json_append_string(out, s->text + start, end - start);
        LIT(out, "}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    } else {
        LIT(out, "\"choices\":[{\"index\":0,\"delta\":{\"content\":");
        sy_json_append_string(out, s->text + start, end - start);
        LIT(out, "},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    }
}

static void append_usage(struct sy_buf *out, uint32_t prompt_tokens, uint32_t completion_tokens)
{
    LIT(out, "\"usage\":{\"prompt_tokens\":");
    sy__mock_buf_u64(out, prompt_tokens);
    LIT(out, ",\"completion_tokens\":");
    sy__mock_buf_u64(out, completion_tokens);
    LIT(out, ",\"total_tokens\":");
    sy__mock_buf_u64(out, (uint64_t)prompt_tokens + completion_tokens);
    LIT(out, "}");
}

/* Writes the event of step `step` and returns the step after it. */
static enum sy__mock_step emit_step(struct sy__mock_stream *s, enum sy__mock_step step,
                                    struct sy_buf *out)
{
    switch (step) {
    case SY__MOCK_STEP_ROLE:
        sy__mock_put(out, s->prefix, s->prefix_len);
        LIT(out, "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                 "\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        return s->is_tool_call ? SY__MOCK_STEP_TOOL_HEAD : content_phase(s);
    case SY__MOCK_STEP_TOOL_HEAD:
        sy__mock_put(out, s->prefix, s->prefix_len);
        LIT(out, "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":"
                 "\"call_mock_1\",\"type\":\"function\",\"function\":{\"name\":");
        sy_json_append_string(out, s->tool_name, strlen(s->tool_name));
        LIT(out, ",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        return content_phase(s);
    case SY__MOCK_STEP_CONTENT:
        emit_piece(s, out);
        return content_phase(s);
    case SY__MOCK_STEP_MALFORMED:
        LIT(out, "data: {not json\n\n");
        s->is_malformed_sent = true;
        return content_phase(s);
    case SY__MOCK_STEP_FINISH:
        sy__mock_put(out, s->prefix, s->prefix_len);
        if (s->api == SY__MOCK_API_COMPLETION)
            LIT(out, "\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,"
                     "\"finish_reason\":\"stop\"}]}\n\n");
        else if (s->is_tool_call)
            LIT(out, "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                     "\"finish_reason\":\"tool_calls\"}]}\n\n");
        else
            LIT(out, "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                     "\"finish_reason\":\"stop\"}]}\n\n");
        return s->has_usage ? SY__MOCK_STEP_USAGE : SY__MOCK_STEP_DONE;
    case SY__MOCK_STEP_USAGE:
        sy__mock_put(out, s->prefix, s->prefix_len);
        LIT(out, "\"choices\":[],");
        append_usage(out, s->prompt_tokens, s->completion_tokens);
        LIT(out, "}\n\n");
        return SY__MOCK_STEP_DONE;
    case SY__MOCK_STEP_DONE:
        LIT(out, "data: [DONE]\n\n");
        return SY__MOCK_STEP_END;
    case SY__MOCK_STEP_END:
        break;
    }
    return SY__MOCK_STEP_END;
}

enum sy__mock_step sy__mock_stream_emit(struct sy__mock_stream *s, struct sy_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    enum sy__mock_step step = s->next;
    size_t mark = out->len, data_len;
    char size[16];
    size_t digits = 0;

    if (step == SY__MOCK_STEP_END)
        return step;
    /* The chunk-size line goes in front once the event's length is known. */
    LIT(out, "0000000000000000\r\n");
    s->next = emit_step(s, step, out);
    data_len = out->len - mark - 18;
    for (size_t v = data_len; v != 0 || digits == 0; v >>= 4)
        size[sizeof(size) - 1 - digits++] = hex[v & 15];
    memmove(out->ptr + mark + digits + 2, out->ptr + mark + 18, data_len);
    memcpy(out->ptr + mark, size + sizeof(size) - digits, digits);
    memcpy(out->ptr + mark + digits, "\r\n", 2);
    out->len = mark + digits + 2 + data_len;
    LIT(out, "\r\n");
    if (step == SY__MOCK_STEP_DONE)
        LIT(out, "0\r\n\r\n"); /* the last chunk */
    return step;
}

/* ---- Whole answers --------------------------------------------------------------------- */

void sy__mock_openai_tool_arguments(struct sy_buf *out, struct sy_str text)
{
    LIT(out, "{\"query\":");
    sy_json_append_string(out, text.ptr, text.len);
    LIT(out, "}");
}

static void answer_head(struct sy_buf *out, const char *id, const char *object, int64_t created,
                        struct sy_str model)
{
    LIT(out, "{\"id\":\"");
    sy__mock_put(out, id, strlen(id));
    LIT(out, "\",\"object\":\"");
    sy__mock_put(out, object, strlen(object));
    LIT(out, "\",\"created\":");
    sy__mock_buf_u64(out, (uint64_t)created);
    LIT(out, ",\"model\":");
    sy_json_append_string(out, model.ptr, model.len);
}

void sy__mock_openai_chat_body(struct sy_buf *out, const char *id, int64_t created,
                               struct sy_str model, struct sy_str text, struct sy_str tool_name,
                               uint32_t prompt_tokens, uint32_t completion_tokens)
{
    answer_head(out, id, "chat.completion", created, model);
    if (tool_name.ptr != NULL) {
        LIT(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                 "\"tool_calls\":[{\"id\":\"call_mock_1\",\"type\":\"function\",\"function\":"
                 "{\"name\":");
        sy_json_append_string(out, tool_name.ptr, tool_name.len);
        LIT(out, ",\"arguments\":");
        sy_json_append_string(out, text.ptr, text.len);
        LIT(out, "}}],\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],");
    } else {
        LIT(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
        sy_json_append_string(out, text.ptr, text.len);
        LIT(out, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],");
    }
    append_usage(out, prompt_tokens, completion_tokens);
    LIT(out, "}");
}

void sy__mock_openai_completion_body(struct sy_buf *out, const char *id, int64_t created,
                                     struct sy_str model, struct sy_str text,
                                     uint32_t prompt_tokens, uint32_t completion_tokens)
{
    answer_head(out, id, "text_completion", created, model);
    LIT(out, ",\"choices\":[{\"text\":");
    sy_json_append_string(out, text.ptr, text.len);
    LIT(out, ",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],");
    append_usage(out, prompt_tokens, completion_tokens);
    LIT(out, "}");
}

void sy__mock_openai_error_body(struct sy_buf *out, int status, const char *message)
{
    const char *type = "invalid_request_error", *code = "invalid_request";

    switch (status) {
    case 401:
        code = "invalid_api_key";
        break;
    case 403:
        code = "permission_denied";
        break;
    case 404:
        code = "not_found";
        break;
    case 405:
        code = "method_not_allowed";
        break;
    case 413:
        code = "request_too_large";
        break;
    case 429:
        type = "requests";
        code = "rate_limit_exceeded";
        break;
    case 431:
        code = "headers_too_large";
        break;
    default:
        if (status >= 500) {
            type = "server_error";
            code = "server_error";
        }
        break;
    }
    LIT(out, "{\"error\":{\"message\":");
    sy_json_append_string(out, message, strlen(message));
    LIT(out, ",\"type\":\"");
    sy__mock_put(out, type, strlen(type));
    LIT(out, "\",\"param\":null,\"code\":\"");
    sy__mock_put(out, code, strlen(code));
    LIT(out, "\"}}");
}

/* ---- Embeddings ------------------------------------------------------------------------ */

#define MAX_EMBED_INPUTS  2048
#define MAX_EMBED_DIMS    8192
#define DEFAULT_EMBED_DIM 8

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Newton's method from above: exact enough, and the same on every libm (and needs none). */
static double root_of(double x)
{
    double r = x > 1.0 ? x : 1.0;

    if (x <= 0.0)
        return 0.0;
    for (int i = 0; i < 200; i++) {
        double next = 0.5 * (r + x / r);

        if (next >= r)
            break;
        r = next;
    }
    return r;
}

void sy__mock_embedding_vector(const void *input, size_t len, float *out, size_t dims)
{
    const unsigned char *p = input;
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
    double sum = 0.0, norm;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    for (size_t i = 0; i < dims; i++) {
        double v = (double)(splitmix64(&h) >> 11) * 0x1p-53 * 2.0 - 1.0;

        out[i] = (float)v;
        sum += (double)out[i] * (double)out[i];
    }
    norm = root_of(sum);
    for (size_t i = 0; i < dims; i++)
        out[i] = norm > 0.0 ? (float)((double)out[i] / norm) : (i == 0 ? 1.0f : 0.0f);
}

int sy__mock_openai_decode_embeddings(const char *body, size_t len, struct sy__mock_embed_req *out,
                                      const char **why)
{
    json_error_t jerr;
    json_t *model;

    memset(out, 0, sizeof(*out));
    out->root = json_loadb(body, len, 0, &jerr);
    if (out->root == NULL) {
        *why = "the request body is not valid JSON";
        return -1;
    }
    if (!json_is_object(out->root)) {
        *why = "the request body must be a JSON object";
        goto fail;
    }
    model = json_object_get(out->root, "model");
    if (model != NULL) {
        if (!json_is_string(model)) {
            *why = "'model' must be a string";
            goto fail;
        }
        out->model = (struct sy_str){json_string_value(model), json_string_length(model)};
    }
    return 0;
fail:
    json_decref(out->root);
    out->root = NULL;
    return -1;
}

void sy__mock_openai_embed_dispose(struct sy__mock_embed_req *req)
{
    json_decref(req->root);
    req->root = NULL;
}

static bool is_token_array(const json_t *v)
{
    size_t i;
    json_t *t;

    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    json_array_foreach(v, i, t) {
        if (!json_is_integer(t))
            return false;
    }
    return true;
}

/* The bytes an input hashes to: a string's UTF-8, or its tokens as little-endian int32. */
static void input_bytes(const json_t *v, struct sy_buf *bytes, uint32_t *tokens)
{
    size_t i;
    json_t *t;

    sy_buf_reset(bytes);
    if (json_is_string(v)) {
        sy__mock_put(bytes, json_string_value(v), json_string_length(v));
        *tokens += sy__mock_count_words(json_string_value(v), json_string_length(v));
        return;
    }
    json_array_foreach(v, i, t) {
        uint32_t u = (uint32_t)json_integer_value(t);
        unsigned char le[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                               (unsigned char)(u >> 24)};

        sy__mock_put(bytes, le, sizeof(le));
        ++*tokens;
    }
}

static void base64_append(struct sy_buf *out, const unsigned char *p, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        char q[4];

        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        q[0] = abc[(v >> 18) & 63];
        q[1] = abc[(v >> 12) & 63];
        q[2] = (char)(i + 1 < len ? abc[(v >> 6) & 63] : '=');
        q[3] = (char)(i + 2 < len ? abc[v & 63] : '=');
        sy__mock_put(out, q, 4);
    }
}

/* Collects the inputs of `req` into `list` (borrowed). Returns 0 or -1 with `*why`. */
static int embed_inputs(const json_t *root, const json_t **list, size_t *count, const char **why)
{
    const json_t *input = json_object_get(root, "input");
    size_t i;
    json_t *v;

    *count = 0;
    if (input == NULL) {
        *why = "'input' is a required property";
        return -1;
    }
    if (json_is_string(input) || is_token_array(input)) {
        list[(*count)++] = input;
        return 0;
    }
    if (!json_is_array(input) || json_array_size(input) == 0) {
        *why = "'input' must be a string, an array of strings or an array of token arrays";
        return -1;
    }
    if (json_array_size(input) > MAX_EMBED_INPUTS) {
        *why = "'input' has more than 2048 items";
        return -1;
    }
    json_array_foreach(input, i, v) {
        if (!json_is_string(v) && !is_token_array(v)) {
            *why = "'input' must be a string, an array of strings or an array of token arrays";
            return -1;
        }
        list[(*count)++] = v;
    }
    return 0;
}

int sy__mock_openai_embeddings_body(const struct sy__mock_embed_req *req, struct sy_str model,
                                    struct sy_buf *out, uint32_t *prompt_tokens, const char **why)
{
    const json_t *root = req->root, *dims_v = json_object_get(root, "dimensions");
    const json_t *fmt = json_object_get(root, "encoding_format");
    const json_t **list = sy_xcalloc(MAX_EMBED_INPUTS, sizeof(*list));
    json_t *doc = NULL, *data;
    struct sy_buf bytes = {0};
    float *vec = NULL;
    size_t count = 0, dims = DEFAULT_EMBED_DIM;
    uint32_t tokens = 0;
    bool is_base64 = false;
    char *text;
    int ret = -1;

    if (embed_inputs(root, list, &count, why) != 0)
        goto out;
    if (dims_v != NULL) {
        if (!json_is_integer(dims_v) || json_integer_value(dims_v) < 1 ||
            json_integer_value(dims_v) > MAX_EMBED_DIMS) {
            *why = "'dimensions' must be an integer from 1 to 8192";
            goto out;
        }
        dims = (size_t)json_integer_value(dims_v);
    }
    if (fmt != NULL && !json_is_null(fmt)) {
        if (!json_is_string(fmt) || (strcmp(json_string_value(fmt), "float") != 0 &&
                                     strcmp(json_string_value(fmt), "base64") != 0)) {
            *why = "'encoding_format' must be \"float\" or \"base64\"";
            goto out;
        }
        is_base64 = strcmp(json_string_value(fmt), "base64") == 0;
    }

    vec = sy_xcalloc(dims, sizeof(*vec));
    doc = json_object();
    data = json_array();
    json_object_set_new(doc, "object", json_string("list"));
    json_object_set_new(doc, "data", data);
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_object(), *emb;

        input_bytes(list[i], &bytes, &tokens);
        sy__mock_embedding_vector(bytes.ptr != NULL ? bytes.ptr : "", bytes.len, vec, dims);
        if (is_base64) {
            unsigned char *le = sy_xmalloc(dims * 4);
            struct sy_buf b64 = {0};

            for (size_t d = 0; d < dims; d++) {
                uint32_t u;

                memcpy(&u, &vec[d], 4);
                for (int k = 0; k < 4; k++)
                    le[d * 4 + (size_t)k] = (unsigned char)(u >> (8 * k));
            }
            base64_append(&b64, le, dims * 4);
            emb = json_stringn(b64.ptr, b64.len);
            free(le);
            sy_buf_dispose(&b64);
        } else {
            emb = json_array();
            for (size_t d = 0; d < dims; d++)
                json_array_append_new(emb, json_real((double)vec[d]));
        }
        json_object_set_new(item, "object", json_string("embedding"));
        json_object_set_new(item, "index", json_integer((json_int_t)i));
        json_object_set_new(item, "embedding", emb);
        json_array_append_new(data, item);
    }
    json_object_set_new(doc, "model", json_stringn(model.ptr != NULL ? model.ptr : "", model.len));
    json_object_set_new(doc, "usage",
                        json_pack("{s:I,s:I}", "prompt_tokens", (json_int_t)tokens, "total_tokens",
                                  (json_int_t)tokens));
    /* Nine significant digits are enough to give back every float32 exactly. */
    text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(9));
    sy__mock_put(out, text, strlen(text));
    free(text);
    *prompt_tokens = tokens;
    ret = 0;
out:
    json_decref(doc);
    free(vec);
    free(list);
    sy_buf_dispose(&bytes);
    return ret;
}
