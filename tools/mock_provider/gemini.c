/* mock_provider/gemini.c - Gemini's generateContent and streamGenerateContent, and the same
 * bodies on Vertex AI's publisher paths.
 *
 * Gemini takes an API key (x-goog-api-key or key=); Vertex takes a bearer token that the
 * mock's own POST /token issued (oauth.c). Function calls carry a thoughtSignature that the
 * mock checks when the conversation comes back, as Gemini 3 does, so a gateway that drops it
 * fails the next turn. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

#define THINKING_TEXT "mock thinking"
/* The value Gemini documents for histories it did not write: it skips the check. */
#define SKIP_SIGNATURE "skip_thought_signature_validator"

struct request {
    json_t *root;
    bool is_thinking;      /* thinkingConfig asks for thinking */
    bool includes_thought; /* thinkingConfig.includeThoughts */
    const char *tool_name; /* the first function declaration's; NULL when none */
    struct sy_buf user_text;
    uint32_t prompt_tokens;
};

/* ---- Errors ---------------------------------------------------------------------------- */

static const char *status_name(uint32_t status)
{
    switch (status) {
    case 400:
        return "INVALID_ARGUMENT";
    case 401:
        return "UNAUTHENTICATED";
    case 403:
        return "PERMISSION_DENIED";
    case 404:
        return "NOT_FOUND";
    case 409:
        return "ABORTED";
    case 429:
        return "RESOURCE_EXHAUSTED";
    case 499:
        return "CANCELLED";
    case 500:
        return "INTERNAL";
    case 501:
        return "UNIMPLEMENTED";
    case 503:
        return "UNAVAILABLE";
    case 504:
        return "DEADLINE_EXCEEDED";
    default:
        return status >= 500 ? "UNKNOWN" : "FAILED_PRECONDITION";
    }
}

static void answer_error(struct sy__mock_plan *plan, uint32_t status, const char *message)
{
    const char *name = status_name(status);

    sy__mock_plan_error(plan, status);
    LIT(&plan->body, "{\"error\":{\"code\":");
    sy__mock_buf_u64(&plan->body, status);
    LIT(&plan->body, ",\"message\":");
    sy_json_append_string(&plan->body, message, strlen(message));
    LIT(&plan->body, ",\"status\":\"");
    sy__mock_put(&plan->body, name, strlen(name));
    LIT(&plan->body, "\"}}");
    sy__mock_plan_head(plan, "application/json", NULL);
}

/* ---- Reading the request --------------------------------------------------------------- */

void sy__mock_gemini_signature(struct sy_buf *out, struct json_t *call)
{
    const json_t *name = json_object_get(call, "name"), *args = json_object_get(call, "args");
    char *args_text = args != NULL ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    struct sy_buf material = {0};

    if (json_is_string(name))
        sy_buf_append(&material, json_string_value(name), json_string_length(name));
    sy_buf_append(&material, "\n", 1);
    sy_buf_append(&material, args_text != NULL ? args_text : "{}",
                  args_text != NULL ? strlen(args_text) : 2);
    LIT(out, "gsig-");
    sy__mock_sha256_hex(out, material.ptr, material.len);
    free(args_text);
    sy_buf_dispose(&material);
}

/* True when every functionCall part of the model's turns carries the signature the mock gave
 * it (or the documented skip value). Sets `*where` to the first bad one. */
static bool signatures_are_valid(const json_t *contents, char *where, size_t where_len)
{
    const json_t *content, *part;
    size_t i, j;
    struct sy_buf want = {0};
    bool is_valid = true;

    json_array_foreach(contents, i, content) {
        if (!sy__mock_json_is(json_object_get(content, "role"), "model"))
            continue;
        json_array_foreach(json_object_get(content, "parts"), j, part) {
            json_t *call = json_object_get(part, "functionCall");
            const json_t *sig = json_object_get(part, "thoughtSignature");

            if (call == NULL)
                continue;
            sy_buf_reset(&want);
            sy__mock_gemini_signature(&want, call);
            if (sy__mock_json_is(sig, SKIP_SIGNATURE))
                continue;
            if (!json_is_string(sig) || json_string_length(sig) != want.len ||
                memcmp(json_string_value(sig), want.ptr, want.len) != 0) {
                snprintf(where, where_len, "contents[%zu].parts[%zu]", i, j);
                is_valid = false;
                goto out;
            }
        }
    }
out:
    sy_buf_dispose(&want);
    return is_valid;
}

/* Words of the text parts of a Content. */
static uint32_t content_words(const json_t *content)
{
    const json_t *part;
    size_t i;
    uint32_t n = 0;

    json_array_foreach(json_object_get(content, "parts"), i, part) {
        n += sy__mock_json_words(json_object_get(part, "text"));
    }
    return n;
}

/* The text parts of the last user turn that has text, joined by a space. */
static void last_user_text(const json_t *contents, struct sy_buf *out)
{
    for (size_t i = json_array_size(contents); i-- > 0;) {
        const json_t *content = json_array_get(contents, i), *role, *part;
        bool has_text = false;
        size_t j;

        role = json_object_get(content, "role");
        if (role != NULL && !sy__mock_json_is(role, "user"))
            continue;
        json_array_foreach(json_object_get(content, "parts"), j, part) {
            const json_t *text = json_object_get(part, "text");

            if (!json_is_string(text) || json_is_true(json_object_get(part, "thought")))
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

static int read_request(const struct sy__mock_http_req *req, struct request *r, const char **why)
{
    json_error_t jerr;
    const json_t *contents, *v, *tool, *thinking;
    size_t i;

    r->root = json_loadb(req->body.ptr, req->body.len, 0, &jerr);
    if (r->root == NULL || !json_is_object(r->root)) {
        *why = "Invalid JSON payload received.";
        return -1;
    }
    contents = json_object_get(r->root, "contents");
    if (!json_is_array(contents) || json_array_size(contents) == 0) {
        *why = "* GenerateContentRequest.contents: contents is not specified";
        return -1;
    }
    json_array_foreach(contents, i, v) {
        r->prompt_tokens += content_words(v) + 3; /* 3 per turn, as for OpenAI */
    }
    r->prompt_tokens += content_words(json_object_get(r->root, "systemInstruction"));
    json_array_foreach(json_object_get(r->root, "tools"), i, tool) {
        v = json_object_get(json_array_get(json_object_get(tool, "functionDeclarations"), 0),
                            "name");
        if (json_is_string(v)) {
            r->tool_name = json_string_value(v);
            break;
        }
    }
    thinking = json_object_get(json_object_get(r->root, "generationConfig"), "thinkingConfig");
    if (json_is_object(thinking)) {
        v = json_object_get(thinking, "thinkingBudget");
        r->is_thinking = !(json_is_integer(v) && json_integer_value(v) == 0);
        r->includes_thought =
            r->is_thinking && json_is_true(json_object_get(thinking, "includeThoughts"));
    }
    last_user_text(contents, &r->user_text);
    return 0;
}

/* ---- Answers --------------------------------------------------------------------------- */

struct reply {
    bool is_tool;
    bool is_safety;
    bool includes_thought;
    struct sy_buf text; /* the text, or the call's args as JSON */
    json_t *call_part;  /* {functionCall, thoughtSignature} when is_tool */
    uint32_t thoughts_tokens;
    uint32_t candidates_tokens;
};

static json_t *usage_json(const struct request *r, const struct reply *rp)
{
    json_t *u =
        json_pack("{s:i,s:i,s:i,s:i}", "promptTokenCount", (json_int_t)r->prompt_tokens,
                  "candidatesTokenCount", (json_int_t)rp->candidates_tokens, "totalTokenCount",
                  (json_int_t)(r->prompt_tokens + rp->candidates_tokens + rp->thoughts_tokens),
                  "cachedContentTokenCount", (json_int_t)0);

    if (rp->thoughts_tokens > 0)
        json_object_set_new(u, "thoughtsTokenCount", json_integer(rp->thoughts_tokens));
    return u;
}

/* One GenerateContentResponse with `parts` (stolen; NULL: no content) and, when `finish` is
 * set, finishReason and usageMetadata. */
static json_t *response_json(json_t *parts, const char *finish, const struct request *r,
                             const struct reply *rp, struct sy_str model, const char *id)
{
    json_t *candidate = json_object();

    if (parts != NULL)
        json_object_set_new(candidate, "content",
                            json_pack("{s:s,s:o}", "role", "model", "parts", parts));
    if (finish != NULL)
        json_object_set_new(candidate, "finishReason", json_string(finish));
    if (rp->is_safety)
        json_object_set_new(candidate, "safetyRatings",
                            json_pack("[{s:s,s:s,s:b}]", "category",
                                      "HARM_CATEGORY_DANGEROUS_CONTENT", "probability", "HIGH",
                                      "blocked", 1));
    json_object_set_new(candidate, "index", json_integer(0));

    json_t *resp = json_pack("{s:[o]}", "candidates", candidate);
    if (finish != NULL)
        json_object_set_new(resp, "usageMetadata", usage_json(r, rp));
    json_object_set_new(resp, "modelVersion", json_stringn(model.ptr, model.len));
    json_object_set_new(resp, "responseId", json_string(id));
    return resp;
}

static json_t *thought_part(void)
{
    return json_pack("{s:s,s:b}", "text", THINKING_TEXT, "thought", 1);
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
                    struct sy_str model, const char *id)
{
    json_t *parts = NULL;

    if (!rp->is_safety) {
        parts = json_array();
        if (rp->includes_thought)
            json_array_append_new(parts, thought_part());
        if (rp->is_tool)
            json_array_append(parts, rp->call_part);
        else
            json_array_append_new(parts, json_pack("{s:s%}", "text",
                                                   rp->text.ptr != NULL ? rp->text.ptr : "",
                                                   rp->text.len));
    }
    put_dump(out, response_json(parts, rp->is_safety ? "SAFETY" : "STOP", r, rp, model, id));
}

/* A stream is SSE (alt=sse, "data: {...}" and CRLF CRLF, as Google sends) or else one JSON
 * array whose elements arrive one by one. */
struct framing {
    bool is_sse;
    bool is_first;
};

static void put_chunk(struct sy_buf *out, struct framing *fr, json_t *resp)
{
    if (fr->is_sse)
        LIT(out, "data: ");
    else if (fr->is_first)
        LIT(out, "[");
    else
        LIT(out, ",\r\n");
    fr->is_first = false;
    put_dump(out, resp);
    if (fr->is_sse)
        LIT(out, "\r\n\r\n");
}

static struct sy__mock_script *stream_of(const struct request *r, const struct reply *rp,
                                         struct sy_str model, const char *id, bool is_sse,
                                         const struct sy__mock_knobs *k)
{
    struct sy__mock_script *sc = sy__mock_script_new();
    struct framing fr = {is_sse, true};
    struct sy__mock_pieces p;
    struct sy_str piece;
    uint32_t words;

    if (!rp->is_safety) {
        if (rp->includes_thought) {
            put_chunk(&sc->bytes, &fr,
                      response_json(json_pack("[o]", thought_part()), NULL, r, rp, model, id));
            sy__mock_script_step(sc, SY__MOCK_STEP_CONTENT, rp->thoughts_tokens);
        }
        if (rp->is_tool) {
            /* Gemini sends a function call whole. */
            put_chunk(&sc->bytes, &fr,
                      response_json(json_pack("[O]", rp->call_part), NULL, r, rp, model, id));
            sy__mock_script_step(sc, SY__MOCK_STEP_CONTENT, rp->candidates_tokens);
        } else {
            sy__mock_pieces_init(&p, (struct sy_str){rp->text.ptr, rp->text.len}, k->chunks);
            while (sy__mock_pieces_next(&p, &piece, &words)) {
                put_chunk(&sc->bytes, &fr,
                          response_json(json_pack("[{s:s%}]", "text", piece.ptr, piece.len), NULL,
                                        r, rp, model, id));
                sy__mock_script_step(sc, SY__MOCK_STEP_CONTENT, words);
                if (k->is_malformed && sc->count == 1 + (rp->includes_thought ? 1 : 0)) {
                    sy__mock_put(&sc->bytes, is_sse ? "data: {not json\r\n\r\n" : ",{not json",
                                 is_sse ? 19 : 10);
                    sy__mock_script_step(sc, SY__MOCK_STEP_MALFORMED, 0);
                }
            }
        }
    }
    put_chunk(&sc->bytes, &fr,
              response_json(rp->is_safety ? NULL : json_pack("[{s:s}]", "text", ""),
                            rp->is_safety ? "SAFETY" : "STOP", r, rp, model, id));
    if (!is_sse)
        LIT(&sc->bytes, "]");
    sy__mock_script_step(sc, SY__MOCK_STEP_FINISH, 0);
    return sc;
}

void sy__mock_gemini_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                          int64_t now_s, struct sy__mock_plan *plan, struct sy_str model,
                          bool is_stream, bool is_vertex)
{
    struct request r = {0};
    struct reply rp = {0};
    struct sy_buf model_buf = {0};
    struct sy_str query_key = sy__mock_query_param(req->query, "key");
    struct sy_str alt = sy__mock_query_param(req->query, "alt");
    bool has_key = sy__mock_http_header(req, "x-goog-api-key").ptr != NULL ||
                   (query_key.ptr != NULL && query_key.len > 0);
    const char *why = NULL;
    char where[64], message[160], id[40];
    int rc;

    sy__mock_url_decode(&model_buf, model, false);
    model = sy__mock_plan_knobs(plan, req, (struct sy_str){model_buf.ptr, model_buf.len});
    plan->ledger_tail = sy__mock_ledger_tail_key(req, model, is_stream, query_key);
    if (is_vertex &&
        !sy__mock_token_is_valid(sh->formats, sy__mock_http_header(req, "authorization"), now_s)) {
        answer_error(plan, 401,
                     "Request had invalid authentication credentials. Expected OAuth 2 access "
                     "token, login cookie or other valid authentication credential.");
        goto out;
    }
    if (!is_vertex && !has_key) {
        answer_error(plan, 403,
                     "Method doesn't allow unregistered callers (callers without established "
                     "identity). Please use API Key or other form of API consumer identity to "
                     "call this API.");
        goto out;
    }
    rc = read_request(req, &r, &why);
    if (rc != 0) {
        answer_error(plan, 400, why);
        goto out;
    }
    if (!signatures_are_valid(json_object_get(r.root, "contents"), where, sizeof(where))) {
        snprintf(message, sizeof(message),
                 "Function call is missing or has an invalid thought_signature in %s", where);
        answer_error(plan, 400, message);
        goto out;
    }
    if (plan->knobs.status != 0) {
        snprintf(message, sizeof(message), "mock error %u", (unsigned)plan->knobs.status);
        answer_error(plan, plan->knobs.status, message);
        goto out;
    }

    struct sy_str user = {r.user_text.ptr != NULL ? r.user_text.ptr : "", r.user_text.len};
    rp.is_safety = plan->knobs.is_safety;
    rp.includes_thought = r.includes_thought && !rp.is_safety;
    rp.thoughts_tokens =
        r.is_thinking ? sy__mock_count_words(THINKING_TEXT, strlen(THINKING_TEXT)) : 0;
    rp.is_tool =
        !rp.is_safety && r.tool_name != NULL && sy__mock_is_tool_wanted(&plan->knobs, user);
    if (rp.is_safety) {
        /* no text */
    } else if (rp.is_tool) {
        struct sy_buf sig = {0};
        json_t *call;

        sy__mock_openai_tool_arguments(&rp.text, user);
        call = json_pack("{s:s,s:o}", "name", r.tool_name, "args",
                         json_loadb(rp.text.ptr, rp.text.len, 0, NULL));
        sy__mock_gemini_signature(&sig, call);
        rp.call_part =
            json_pack("{s:o,s:s%}", "functionCall", call, "thoughtSignature", sig.ptr, sig.len);
        sy_buf_dispose(&sig);
    } else {
        sy__mock_echo_text(&rp.text, &plan->knobs, user);
    }
    rp.candidates_tokens =
        sy__mock_count_words(rp.text.ptr != NULL ? rp.text.ptr : "", rp.text.len);
    snprintf(id, sizeof(id), "mock-%llu", (unsigned long long)sy__mock_take_id(sh));
    sy__mock_plan_ok(plan, r.prompt_tokens);
    if (is_stream) {
        bool is_sse = sy_str_eq_c(alt, "sse");

        sy__mock_plan_stream(plan, is_sse ? "text/event-stream" : "application/json", NULL,
                             stream_of(&r, &rp, model, id, is_sse, &plan->knobs));
    } else if (plan->knobs.is_malformed) {
        sy__mock_plan_malformed(plan, NULL);
    } else {
        plan->completion_tokens = rp.candidates_tokens + rp.thoughts_tokens;
        body_of(&plan->body, &r, &rp, model, id);
        sy__mock_plan_head(plan, "application/json", NULL);
    }
out:
    json_decref(r.root);
    json_decref(rp.call_part);
    sy_buf_dispose(&r.user_text);
    sy_buf_dispose(&rp.text);
    sy_buf_dispose(&model_buf);
}
