/* mock_provider/anthropic.c - the Anthropic Messages API: POST /v1/messages and
 * /v1/messages/count_tokens.
 *
 * Besides the echo it plays three parts of the real API that a gateway must carry through:
 * prompt caching (usage reports cache writes and reads by `cache_control` prefix), extended
 * thinking (a thinking block whose signature is checked when the conversation comes back) and
 * tool use. Tokens are words, as everywhere in the mock. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

#define THINKING_TEXT "mock thinking"
/* The cache checkpoints looked at; the real API allows four. */
#define MAX_CHECKPOINTS 64

/* What the mock reads from a request. Strings point into `root`. */
struct request {
    json_t *root;
    const char *model; /* NULL when absent */
    size_t model_len;
    bool is_stream;
    bool is_thinking;
    const char *tool_name; /* the first tool's; NULL when no tools */
    struct sy_buf user_text;
    uint32_t prompt_tokens;
    uint32_t cache_creation_tokens;
    uint32_t cache_read_tokens;
};

/* Words of a text, tool_result or thinking-less block. */
static uint32_t block_words(const json_t *block)
{
    const json_t *content;
    const json_t *part;
    size_t i;
    uint32_t n = sy__mock_json_words(json_object_get(block, "text"));

    content = json_object_get(block, "content"); /* tool_result */
    if (json_is_string(content))
        n += sy__mock_json_words(content);
    json_array_foreach(content, i, part) {
        n += sy__mock_json_words(json_object_get(part, "text"));
    }
    return n;
}

/* ---- Errors ---------------------------------------------------------------------------- */

static const char *error_type(uint32_t status)
{
    switch (status) {
    case 401:
        return "authentication_error";
    case 402:
        return "billing_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_error";
    case 504:
        return "timeout_error";
    case 529:
        return "overloaded_error";
    default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

static void answer_error(struct sy__mock_plan *plan, uint32_t status, const char *message)
{
    const char *type = error_type(status);

    sy__mock_plan_error(plan, status);
    LIT(&plan->body, "{\"type\":\"error\",\"error\":{\"type\":\"");
    sy__mock_put(&plan->body, type, strlen(type));
    LIT(&plan->body, "\",\"message\":");
    sy_json_append_string(&plan->body, message, strlen(message));
    LIT(&plan->body, "}}");
    sy__mock_plan_head(plan, "application/json", NULL);
}

/* ---- Reading the request --------------------------------------------------------------- */

void sy__mock_anthropic_signature(struct sy_buf *out, const char *thinking, size_t len)
{
    LIT(out, "sig-");
    sy__mock_sha256_hex(out, thinking, len);
}

/* True when every thinking block of the assistant messages carries the signature the mock
 * gave it. Sets `*where` to the first bad one. */
static bool signatures_are_valid(const json_t *messages, char *where, size_t where_len)
{
    const json_t *msg, *block;
    size_t i, j;
    struct sy_buf want = {0};
    bool is_valid = true;

    json_array_foreach(messages, i, msg) {
        if (!sy__mock_json_is(json_object_get(msg, "role"), "assistant"))
            continue;
        json_array_foreach(json_object_get(msg, "content"), j, block) {
            const json_t *type = json_object_get(block, "type");
            const json_t *thinking = json_object_get(block, "thinking");
            const json_t *sig = json_object_get(block, "signature");

            if (!sy__mock_json_is(type, "thinking"))
                continue;
            sy_buf_reset(&want);
            if (json_is_string(thinking))
                sy__mock_anthropic_signature(&want, json_string_value(thinking),
                                             json_string_length(thinking));
            if (!json_is_string(thinking) || !json_is_string(sig) ||
                json_string_length(sig) != want.len ||
                memcmp(json_string_value(sig), want.ptr, want.len) != 0) {
                snprintf(where, where_len, "messages.%zu.content.%zu", i, j);
                is_valid = false;
                goto out;
            }
        }
    }
out:
    sy_buf_dispose(&want);
    return is_valid;
}

/* A prompt-cache checkpoint: the hash of everything up to a cache_control marker and the
 * tokens in it. */
struct checkpoint {
    uint64_t hash;
    uint32_t tokens;
};

struct prefix_walk {
    uint64_t hash; /* FNV-1a over the canonical JSON of what came so far */
    uint32_t tokens;
    struct checkpoint points[MAX_CHECKPOINTS];
    size_t count;
};

static void hash_bytes(struct prefix_walk *w, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        w->hash ^= (unsigned char)p[i];
        w->hash *= UINT64_C(0x100000001b3);
    }
}

/* Adds one tool, system block or message block to the prefix; a cache_control marker on it
 * makes a checkpoint. The marker itself is not hashed, so moving it does not change what
 * came before. */
static void walk_item(struct prefix_walk *w, char tag, const json_t *item, uint32_t tokens)
{
    json_t *copy = json_deep_copy(item);
    bool is_marked = json_object_get(item, "cache_control") != NULL;
    char *text;

    if (json_is_object(copy))
        json_object_del(copy, "cache_control");
    text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    hash_bytes(w, &tag, 1);
    if (text != NULL)
        hash_bytes(w, text, strlen(text));
    free(text);
    json_decref(copy);
    w->tokens += tokens;
    if (is_marked) {
        if (w->count == MAX_CHECKPOINTS) {
            memmove(w->points, w->points + 1, sizeof(w->points[0]) * (MAX_CHECKPOINTS - 1));
            w->count--;
        }
        w->points[w->count++] = (struct checkpoint){w->hash, w->tokens};
    }
}

/* Counts the prompt tokens and, when markers are present, how many were written to and read
 * from the cache: the longest checkpoint seen before is read, the rest up to the last
 * checkpoint written. */
static void count_prompt(struct sy__mock_formats *f, struct request *r, bool is_recorded)
{
    const json_t *tools = json_object_get(r->root, "tools");
    const json_t *system = json_object_get(r->root, "system");
    const json_t *messages = json_object_get(r->root, "messages");
    const json_t *v, *block;
    struct prefix_walk *w = calloc(1, sizeof(*w));
    size_t i, j;

    if (w == NULL)
        abort();
    w->hash = UINT64_C(0xcbf29ce484222325);
    json_array_foreach(tools, i, v) {
        walk_item(w, 'T', v, 0);
    }
    if (json_is_string(system)) {
        walk_item(w, 'S', system, sy__mock_json_words(system));
    } else {
        json_array_foreach(system, i, v) {
            walk_item(w, 'S', v, sy__mock_json_words(json_object_get(v, "text")));
        }
    }
    json_array_foreach(messages, i, v) {
        const json_t *role = json_object_get(v, "role"), *content = json_object_get(v, "content");

        walk_item(w, 'R', role, 3); /* 3 per message, as for OpenAI */
        if (json_is_string(content)) {
            walk_item(w, 'M', content, sy__mock_json_words(content));
            continue;
        }
        json_array_foreach(content, j, block) {
            walk_item(w, 'M', block, block_words(block));
        }
    }
    r->prompt_tokens = w->tokens;
    if (w->count > 0) {
        uint32_t last = w->points[w->count - 1].tokens, read = 0;

        for (size_t k = w->count; k-- > 0;) {
            if (sy__mock_prefix_check(f, w->points[k].hash, false)) {
                read = w->points[k].tokens;
                break;
            }
        }
        r->cache_read_tokens = read;
        r->cache_creation_tokens = last - read;
        if (is_recorded) {
            for (size_t k = 0; k < w->count; k++)
                sy__mock_prefix_check(f, w->points[k].hash, true);
        }
    }
    free(w);
}

/* The text of the last user message that has text: a string, or its text blocks joined by a
 * space. */
static void last_user_text(const json_t *messages, struct sy_buf *out)
{
    const json_t *msg, *block;
    size_t i, j;

    for (i = json_array_size(messages); i-- > 0;) {
        const json_t *content;
        bool has_text = false;

        msg = json_array_get(messages, i);
        if (!sy__mock_json_is(json_object_get(msg, "role"), "user"))
            continue;
        content = json_object_get(msg, "content");
        if (json_is_string(content)) {
            sy__mock_put(out, json_string_value(content), json_string_length(content));
            return;
        }
        json_array_foreach(content, j, block) {
            const json_t *text = json_object_get(block, "text");

            if (!sy__mock_json_is(json_object_get(block, "type"), "text") || !json_is_string(text))
                continue;
            if (has_text)
                sy__mock_put(out, " ", 1);
            sy__mock_put(out, json_string_value(text), json_string_length(text));
            has_text = true;
        }
        if (has_text)
            return;
    }
}

/* Parses and checks the body. Returns 0, or -1 with `*why` for a 400. */
static int read_request(const struct sy__mock_http_req *req, struct request *r, bool is_count,
                        const char **why)
{
    json_error_t jerr;
    const json_t *v;

    r->root = json_loadb(req->body.ptr, req->body.len, 0, &jerr);
    if (r->root == NULL || !json_is_object(r->root)) {
        *why = "the request body is not a JSON object";
        return -1;
    }
    v = json_object_get(r->root, "model");
    if (json_is_string(v)) {
        r->model = json_string_value(v);
        r->model_len = json_string_length(v);
    } else if (v != NULL) {
        *why = "model: Input should be a valid string";
        return -1;
    }
    r->is_stream = !is_count && json_is_true(json_object_get(r->root, "stream"));
    if (r->model == NULL) {
        *why = "model: Field required";
        return -1;
    }
    if (!json_is_array(json_object_get(r->root, "messages"))) {
        *why = "messages: Field required";
        return -1;
    }
    if (!is_count && !json_is_integer(json_object_get(r->root, "max_tokens"))) {
        *why = "max_tokens: Field required";
        return -1;
    }
    v = json_object_get(json_object_get(r->root, "thinking"), "type");
    r->is_thinking = sy__mock_json_is(v, "enabled");
    v = json_object_get(json_array_get(json_object_get(r->root, "tools"), 0), "name");
    if (json_is_string(v))
        r->tool_name = json_string_value(v);
    return 0;
}

/* ---- Answers --------------------------------------------------------------------------- */

/* The answer decided: a thinking block (maybe), then text or a tool call. */
struct reply {
    bool is_thinking;
    bool is_tool;
    struct sy_buf text; /* the text, or the tool input as JSON */
    struct sy_buf signature;
    uint32_t thinking_tokens;
    uint32_t output_tokens;
};

static json_t *usage_json(const struct request *r, uint32_t output_tokens)
{
    return json_pack(
        "{s:i,s:i,s:i,s:i}", "input_tokens",
        (json_int_t)(r->prompt_tokens - r->cache_creation_tokens - r->cache_read_tokens),
        "cache_creation_input_tokens", (json_int_t)r->cache_creation_tokens,
        "cache_read_input_tokens", (json_int_t)r->cache_read_tokens, "output_tokens",
        (json_int_t)output_tokens);
}

static void put_dump(struct sy_buf *out, json_t *j)
{
    char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

    if (text == NULL)
        abort(); /* a json_pack() format that does not match its arguments: a bug */
    sy__mock_put(out, text, strlen(text));
    free(text);
    json_decref(j);
}

static void body_of(struct sy_buf *out, const struct request *r, const struct reply *rp,
                    const char *id, struct sy_str model)
{
    json_t *content = json_array();

    if (rp->is_thinking)
        json_array_append_new(content, json_pack("{s:s,s:s,s:s%}", "type", "thinking", "thinking",
                                                 THINKING_TEXT, "signature", rp->signature.ptr,
                                                 rp->signature.len));
    if (rp->is_tool)
        json_array_append_new(content, json_pack("{s:s,s:s,s:s,s:o}", "type", "tool_use", "id",
                                                 "toolu_mock_1", "name", r->tool_name, "input",
                                                 json_loadb(rp->text.ptr, rp->text.len, 0, NULL)));
    else
        json_array_append_new(content,
                              json_pack("{s:s,s:s%}", "type", "text", "text",
                                        rp->text.ptr != NULL ? rp->text.ptr : "", rp->text.len));
    put_dump(out, json_pack("{s:s,s:s,s:s,s:s%,s:o,s:s,s:n,s:o}", "id", id, "type", "message",
                            "role", "assistant", "model", model.ptr, model.len, "content", content,
                            "stop_reason", rp->is_tool ? "tool_use" : "end_turn", "stop_sequence",
                            "usage", usage_json(r, rp->output_tokens)));
}

static void put_event(struct sy_buf *out, const char *name, json_t *data)
{
    LIT(out, "event: ");
    sy__mock_put(out, name, strlen(name));
    LIT(out, "\ndata: ");
    put_dump(out, data);
    LIT(out, "\n\n");
}

/* Streams `text` as deltas of block `index` ("text_delta" with member "text", or
 * "input_json_delta" with "partial_json", "thinking_delta" with "thinking"), one CONTENT step
 * per piece; the malformed event follows the first piece of the stream. */
static void stream_pieces(struct sy__mock_script *sc, size_t index, const char *delta_type,
                          const char *member, struct sy_str text, uint32_t chunks,
                          bool is_malformed)
{
    struct sy__mock_pieces p;
    struct sy_str piece;
    uint32_t words;

    sy__mock_pieces_init(&p, text, chunks);
    while (sy__mock_pieces_next(&p, &piece, &words)) {
        bool is_first = !sc->has_content;

        put_event(&sc->bytes, "content_block_delta",
                  json_pack("{s:s,s:i,s:{s:s,s:s%}}", "type", "content_block_delta", "index",
                            (json_int_t)index, "delta", "type", delta_type, member, piece.ptr,
                            piece.len));
        sy__mock_script_step(sc, SY__MOCK_STEP_CONTENT, words);
        if (is_first && is_malformed) {
            LIT(&sc->bytes, "event: content_block_delta\ndata: {not json\n\n");
            sy__mock_script_step(sc, SY__MOCK_STEP_MALFORMED, 0);
        }
    }
}

static void put_block_stop(struct sy_buf *out, size_t index)
{
    put_event(out, "content_block_stop",
              json_pack("{s:s,s:i}", "type", "content_block_stop", "index", (json_int_t)index));
}

static struct sy__mock_script *stream_of(const struct request *r, const struct reply *rp,
                                         const char *id, struct sy_str model,
                                         const struct sy__mock_knobs *k)
{
    struct sy__mock_script *sc = sy__mock_script_new();
    struct sy_buf *b = &sc->bytes;
    struct sy_str text = {rp->text.ptr != NULL ? rp->text.ptr : "", rp->text.len};
    size_t index = 0;

    put_event(b, "message_start",
              json_pack("{s:s,s:{s:s,s:s,s:s,s:s%,s:[],s:n,s:n,s:o}}", "type", "message_start",
                        "message", "id", id, "type", "message", "role", "assistant", "model",
                        model.ptr, model.len, "content", "stop_reason", "stop_sequence", "usage",
                        usage_json(r, 1)));
    put_event(b, "ping", json_pack("{s:s}", "type", "ping"));
    sy__mock_script_step(sc, SY__MOCK_STEP_ROLE, 0);

    if (rp->is_thinking) {
        put_event(b, "content_block_start",
                  json_pack("{s:s,s:i,s:{s:s,s:s,s:s}}", "type", "content_block_start", "index",
                            (json_int_t)index, "content_block", "type", "thinking", "thinking", "",
                            "signature", ""));
        stream_pieces(sc, index, "thinking_delta", "thinking", SY_STR(THINKING_TEXT), k->chunks,
                      k->is_malformed);
        put_event(b, "content_block_delta",
                  json_pack("{s:s,s:i,s:{s:s,s:s%}}", "type", "content_block_delta", "index",
                            (json_int_t)index, "delta", "type", "signature_delta", "signature",
                            rp->signature.ptr, rp->signature.len));
        put_block_stop(b, index++);
    }
    if (rp->is_tool) {
        put_event(b, "content_block_start",
                  json_pack("{s:s,s:i,s:{s:s,s:s,s:s,s:{}}}", "type", "content_block_start",
                            "index", (json_int_t)index, "content_block", "type", "tool_use", "id",
                            "toolu_mock_1", "name", r->tool_name, "input"));
        /* The input JSON goes in about four pieces, like the real API's. */
        stream_pieces(sc, index, "input_json_delta", "partial_json", text,
                      k->chunks > 0 ? k->chunks : 4, k->is_malformed);
    } else {
        put_event(b, "content_block_start",
                  json_pack("{s:s,s:i,s:{s:s,s:s}}", "type", "content_block_start", "index",
                            (json_int_t)index, "content_block", "type", "text", "text", ""));
        stream_pieces(sc, index, "text_delta", "text", text, k->chunks, k->is_malformed);
    }
    put_block_stop(b, index);
    put_event(b, "message_delta",
              json_pack("{s:s,s:{s:s,s:n},s:{s:i}}", "type", "message_delta", "delta",
                        "stop_reason", rp->is_tool ? "tool_use" : "end_turn", "stop_sequence",
                        "usage", "output_tokens", (json_int_t)rp->output_tokens));
    put_event(b, "message_stop", json_pack("{s:s}", "type", "message_stop"));
    sy__mock_script_step(sc, SY__MOCK_STEP_FINISH, 0);
    return sc;
}

void sy__mock_anthropic_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                             int64_t now_s, struct sy__mock_plan *plan, bool is_count)
{
    struct request r = {0};
    struct reply rp = {0};
    struct sy_str model = SY_STR_NULL;
    const char *why = NULL;
    char where[64], message[128], id[40];
    int rc;

    (void)now_s;
    rc = read_request(req, &r, is_count, &why);
    if (r.model != NULL)
        model = (struct sy_str){r.model, r.model_len};
    model = sy__mock_plan_knobs(plan, req, model);
    plan->ledger_tail = sy__mock_ledger_tail(req, model, r.is_stream);
    if (sy__mock_http_header(req, "x-api-key").ptr == NULL) {
        answer_error(plan, 401, "x-api-key header is required");
        goto out;
    }
    if (sy__mock_http_header(req, "anthropic-version").ptr == NULL) {
        answer_error(plan, 400, "anthropic-version: header is required");
        goto out;
    }
    if (rc != 0) {
        answer_error(plan, 400, why);
        goto out;
    }
    if (!signatures_are_valid(json_object_get(r.root, "messages"), where, sizeof(where))) {
        snprintf(message, sizeof(message), "%s: invalid signature in thinking block", where);
        answer_error(plan, 400, message);
        goto out;
    }
    if (plan->knobs.status != 0) {
        snprintf(message, sizeof(message), "mock error %u", (unsigned)plan->knobs.status);
        answer_error(plan, plan->knobs.status, message);
        goto out;
    }
    count_prompt(sh->formats, &r, !is_count);
    if (is_count) {
        LIT(&plan->body, "{\"input_tokens\":");
        sy__mock_buf_u64(&plan->body, r.prompt_tokens);
        LIT(&plan->body, "}");
        plan->status = 200;
        plan->outcome = SY__MOCK_OUTCOME_OK;
        sy__mock_plan_head(plan, "application/json", NULL);
        goto out;
    }

    last_user_text(json_object_get(r.root, "messages"), &r.user_text);
    struct sy_str user = {r.user_text.ptr != NULL ? r.user_text.ptr : "", r.user_text.len};
    rp.is_thinking = r.is_thinking;
    rp.is_tool = r.tool_name != NULL && sy__mock_is_tool_wanted(&plan->knobs, user);
    if (rp.is_tool) {
        sy__mock_openai_tool_arguments(&rp.text, user);
    } else {
        sy__mock_echo_text(&rp.text, &plan->knobs, user);
    }
    if (rp.is_thinking) {
        sy__mock_anthropic_signature(&rp.signature, THINKING_TEXT, strlen(THINKING_TEXT));
        rp.thinking_tokens = sy__mock_count_words(THINKING_TEXT, strlen(THINKING_TEXT));
    }
    rp.output_tokens = rp.thinking_tokens +
                       sy__mock_count_words(rp.text.ptr != NULL ? rp.text.ptr : "", rp.text.len);
    snprintf(id, sizeof(id), "msg_mock_%llu", (unsigned long long)sy__mock_take_id(sh));
    sy__mock_plan_ok(plan, r.prompt_tokens);
    if (r.is_stream) {
        sy__mock_plan_stream(plan, "text/event-stream", NULL,
                             stream_of(&r, &rp, id, model, &plan->knobs));
    } else if (plan->knobs.is_malformed) {
        sy__mock_plan_malformed(plan, NULL);
    } else {
        plan->completion_tokens = rp.output_tokens;
        body_of(&plan->body, &r, &rp, id, model);
        sy__mock_plan_head(plan, "application/json", NULL);
    }
out:
    json_decref(r.root);
    sy_buf_dispose(&r.user_text);
    sy_buf_dispose(&rp.text);
    sy_buf_dispose(&rp.signature);
}
