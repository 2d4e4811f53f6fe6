/* mock_provider/api.c - routes a parsed request to its answer: a `struct sy__mock_plan`.
 *
 * Everything about an answer is decided here, before its first byte is sent: status, headers,
 * body or stream, delays and faults, and the ledger entry. server.c only carries plans out. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "core/err.h"
#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

/* Fixed, so that the list is the same in every run. */
#define MODELS_CREATED 1700000000

static void status_line(struct sy_buf *head, uint32_t status)
{
    const char *reason = sy_http_reason((int)status);

    LIT(head, "HTTP/1.1 ");
    sy__mock_buf_u64(head, status);
    LIT(head, " ");
    sy__mock_put(head, reason, strlen(reason));
    LIT(head, "\r\n");
}

void sy__mock_status_line(struct sy_buf *head, uint32_t status)
{
    status_line(head, status);
}

/* Writes the head of a non-streamed answer whose body is complete. */
static void finish_head(struct sy__mock_plan *plan, const char *content_type)
{
    struct sy_buf *head = &plan->head;

    status_line(head, plan->status);
    LIT(head, "content-type: ");
    sy__mock_put(head, content_type, strlen(content_type));
    LIT(head, "\r\ncontent-length: ");
    sy__mock_buf_u64(head, plan->body.len);
    LIT(head, "\r\n");
    if (plan->status == 429)
        LIT(head, "retry-after: 1\r\n");
    if (plan->closes)
        LIT(head, "connection: close\r\n");
    LIT(head, "\r\n");
}

static void answer_error(struct sy__mock_plan *plan, uint32_t status, const char *message)
{
    sy_buf_reset(&plan->body);
    plan->status = status;
    plan->outcome = SY__MOCK_OUTCOME_ERROR;
    plan->is_stream = false;
    plan->prompt_tokens = plan->completion_tokens = 0;
    sy__mock_openai_error_body(&plan->body, (int)status, message);
    finish_head(plan, "application/json");
}

/* The error that the status knob asks for. */
static void answer_knob_status(struct sy__mock_plan *plan)
{
    char message[32];

    (void)snprintf(message, sizeof(message), "mock error %u", (unsigned)plan->knobs.status);
    answer_error(plan, plan->knobs.status, message);
}

static void answer_json(struct sy__mock_plan *plan)
{
    plan->status = 200;
    plan->outcome = SY__MOCK_OUTCOME_OK;
    finish_head(plan, "application/json");
}

/* True when `s` contains `needle` (ASCII, without case). */
static bool contains_nocase(struct sy_str s, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= s.len; i++) {
        if (strncasecmp(s.ptr + i, needle, n) == 0)
            return true;
    }
    return false;
}

/* Reads the knobs of an API request: model suffix first, then the headers, which win. */
static struct sy_str read_knobs(struct sy__mock_plan *plan, const struct sy__mock_http_req *req,
                                struct sy_str model)
{
    if (model.ptr != NULL)
        model = sy__mock_knobs_from_model(&plan->knobs, model);
    sy__mock_knobs_from_headers(&plan->knobs, req);
    return model;
}

static uint64_t take_id(struct sy__mock_shared *sh)
{
    return __atomic_fetch_add(&sh->next_id, 1, __ATOMIC_RELAXED);
}

/* Writes `prefix` and `n` into `id` (40 bytes: the longest prefix and 20 digits fit). */
static void make_id(char *id, const char *prefix, uint64_t n)
{
    char digits[20];
    size_t len = strlen(prefix), count = 0;

    do {
        digits[sizeof(digits) - 1 - count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    memcpy(id, prefix, len);
    memcpy(id + len, digits + sizeof(digits) - count, count);
    id[len + count] = '\0';
}

/* ---- Endpoints ------------------------------------------------------------------------- */

static void plan_text(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                      int64_t now_s, struct sy__mock_plan *plan, struct sy__mock_scratch *sc,
                      struct sy_str deployment, enum sy__mock_api api)
{
    struct sy__mock_prompt pr;
    struct sy_str model, text, tool_name = SY_STR_NULL;
    const char *why = NULL;
    char id[40];
    int rc;

    if (api == SY__MOCK_API_CHAT)
        rc = sy__mock_openai_decode_chat(req->body.ptr, req->body.len, &sc->text, &pr, &why);
    else
        rc = sy__mock_openai_decode_completion(req->body.ptr, req->body.len, &sc->text, &pr, &why);
    model = read_knobs(plan, req,
                       deployment.ptr != NULL ? deployment
                       : rc == 0              ? pr.model
                                              : SY_STR_NULL);
    plan->ledger_tail = sy__mock_ledger_tail(req, model, rc == 0 && pr.is_stream);
    if (rc != 0) {
        answer_error(plan, 400, why);
        return;
    }
    if (model.ptr == NULL) {
        answer_error(plan, 400, "you must provide a model parameter");
        return;
    }
    if (plan->knobs.status != 0) {
        answer_knob_status(plan);
        return;
    }

    sy_buf_reset(&sc->reply);
    if (api == SY__MOCK_API_CHAT && pr.tool_name.ptr != NULL &&
        (plan->knobs.is_tool_call || contains_nocase(pr.last_user_text, "call a tool"))) {
        tool_name = pr.tool_name;
        sy__mock_openai_tool_arguments(&sc->reply, pr.last_user_text);
    } else if (plan->knobs.content.ptr != NULL) {
        sy_buf_append_str(&sc->reply, plan->knobs.content);
    } else {
        LIT(&sc->reply, "mock: ");
        sy_buf_append_str(&sc->reply, pr.last_user_text);
    }
    text = (struct sy_str){sc->reply.ptr, sc->reply.len};
    make_id(id, api == SY__MOCK_API_CHAT ? "chatcmpl-mock-" : "cmpl-mock-", take_id(sh));
    plan->prompt_tokens = pr.prompt_tokens;
    plan->status = 200;
    plan->outcome = plan->knobs.is_malformed ? SY__MOCK_OUTCOME_MALFORMED : SY__MOCK_OUTCOME_OK;

    if (pr.is_stream) {
        plan->is_stream = true;
        sy__mock_stream_init(&plan->stream, api, id, now_s, model, text, tool_name,
                             pr.prompt_tokens, plan->knobs.chunks);
        plan->stream.has_usage = pr.has_usage;
        plan->stream.is_malformed = plan->knobs.is_malformed;
        status_line(&plan->head, 200);
        LIT(&plan->head, "content-type: text/event-stream\r\ncache-control: no-cache\r\n"
                         "transfer-encoding: chunked\r\n");
        if (plan->closes)
            LIT(&plan->head, "connection: close\r\n");
        LIT(&plan->head, "\r\n");
        return;
    }
    if (plan->knobs.is_malformed) {
        LIT(&plan->body, "{not json");
        finish_head(plan, "application/json");
        return;
    }
    plan->completion_tokens = sy__mock_count_words(text.ptr, text.len);
    if (api == SY__MOCK_API_CHAT)
        sy__mock_openai_chat_body(&plan->body, id, now_s, model, text, tool_name,
                                  plan->prompt_tokens, plan->completion_tokens);
    else
        sy__mock_openai_completion_body(&plan->body, id, now_s, model, text, plan->prompt_tokens,
                                        plan->completion_tokens);
    finish_head(plan, "application/json");
}

static void plan_embeddings(const struct sy__mock_http_req *req, struct sy__mock_plan *plan,
                            struct sy_str deployment)
{
    struct sy__mock_embed_req er;
    struct sy_str model;
    const char *why = NULL;
    int rc = sy__mock_openai_decode_embeddings(req->body.ptr, req->body.len, &er, &why);

    model = read_knobs(plan, req,
                       deployment.ptr != NULL ? deployment
                       : rc == 0              ? er.model
                                              : SY_STR_NULL);
    plan->ledger_tail = sy__mock_ledger_tail(req, model, false);
    if (rc != 0) {
        answer_error(plan, 400, why);
        return;
    }
    if (model.ptr == NULL) {
        answer_error(plan, 400, "you must provide a model parameter");
    } else if (plan->knobs.status != 0) {
        answer_knob_status(plan);
    } else if (plan->knobs.is_malformed) {
        plan->status = 200;
        plan->outcome = SY__MOCK_OUTCOME_MALFORMED;
        LIT(&plan->body, "{not json");
        finish_head(plan, "application/json");
    } else if (sy__mock_openai_embeddings_body(&er, model, &plan->body, &plan->prompt_tokens,
                                               &why) != 0) {
        answer_error(plan, 400, why);
    } else {
        answer_json(plan);
    }
    sy__mock_openai_embed_dispose(&er);
}

static void append_model(struct sy_buf *out, struct sy_str id)
{
    LIT(out, "{\"id\":");
    sy_json_append_string(out, id.ptr, id.len);
    LIT(out, ",\"object\":\"model\",\"created\":");
    sy__mock_buf_u64(out, MODELS_CREATED);
    LIT(out, ",\"owned_by\":\"switchyard-mock\"}");
}

static void plan_models(const struct sy__mock_http_req *req, struct sy__mock_plan *plan,
                        struct sy_str one)
{
    read_knobs(plan, req, SY_STR_NULL);
    plan->ledger_tail = sy__mock_ledger_tail(req, one, false);
    if (plan->knobs.status != 0) {
        answer_knob_status(plan);
        return;
    }
    if (one.ptr != NULL) {
        append_model(&plan->body, one);
    } else {
        LIT(&plan->body, "{\"object\":\"list\",\"data\":[");
        append_model(&plan->body, SY_STR("mock-model"));
        LIT(&plan->body, ",");
        append_model(&plan->body, SY_STR("gpt-4o-mini"));
        LIT(&plan->body, "]}");
    }
    answer_json(plan);
}

/* ---- Routing --------------------------------------------------------------------------- */

enum route {
    ROUTE_NONE = 0,
    ROUTE_CHAT,
    ROUTE_COMPLETIONS,
    ROUTE_EMBEDDINGS,
};

static enum route route_of(struct sy_str rest)
{
    if (sy_str_eq_c(rest, "chat/completions"))
        return ROUTE_CHAT;
    if (sy_str_eq_c(rest, "completions"))
        return ROUTE_COMPLETIONS;
    if (sy_str_eq_c(rest, "embeddings"))
        return ROUTE_EMBEDDINGS;
    return ROUTE_NONE;
}

/* True when the query string has a non-empty `api-version`. */
static bool has_api_version(struct sy_str query)
{
    const char *p = query.ptr, *end = query.ptr + query.len;

    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp != NULL ? amp : end;

        if ((size_t)(e - p) > 12 && memcmp(p, "api-version=", 12) == 0)
            return true;
        p = amp != NULL ? amp + 1 : end;
    }
    return false;
}

/* Splits "/openai/deployments/{d}/{rest}". Returns false when `path` is not of that shape. */
static bool split_azure(struct sy_str path, struct sy_str *deployment, struct sy_str *rest)
{
    static const struct sy_str prefix = SY_STR("/openai/deployments/");
    const char *slash;

    if (!sy_str_has_prefix(path, prefix))
        return false;
    deployment->ptr = path.ptr + prefix.len;
    slash = memchr(deployment->ptr, '/', path.len - prefix.len);
    if (slash == NULL || slash == deployment->ptr)
        return false;
    deployment->len = (size_t)(slash - deployment->ptr);
    *rest = (struct sy_str){slash + 1, (size_t)(path.ptr + path.len - slash - 1)};
    return true;
}

static void not_found(const struct sy__mock_http_req *req, struct sy__mock_plan *plan,
                      const char *message)
{
    plan->ledger_tail = sy__mock_ledger_tail(req, SY_STR_NULL, false);
    answer_error(plan, 404, message);
}

void sy__mock_plan_request(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                           int64_t now_s, struct sy__mock_plan *plan,
                           struct sy__mock_scratch *scratch)
{
    struct sy_str path = req->path, deployment = SY_STR_NULL, rest;
    bool is_get = sy_str_eq_c(req->method, "GET"), is_post = sy_str_eq_c(req->method, "POST");
    enum route route = ROUTE_NONE;

    sy_buf_reset(&plan->head);
    sy_buf_reset(&plan->body);
    plan->status = 200;
    plan->outcome = SY__MOCK_OUTCOME_OK;
    plan->is_stream = false;
    plan->closes = !req->is_keep_alive;
    plan->prompt_tokens = plan->completion_tokens = 0;
    sy__mock_knobs_init(&plan->knobs);

    /* The mock's own endpoints: not recorded, no knobs. */
    if (sy_str_eq_c(path, "/health") && is_get) {
        LIT(&plan->body, "ok");
        finish_head(plan, "text/plain");
        return;
    }
    if (sy_str_eq_c(path, "/mock/ledger") && is_get) {
        sy__mock_ledger_render(&sh->ledger, &plan->body);
        answer_json(plan);
        return;
    }
    if (sy_str_eq_c(path, "/mock/reset") && is_post) {
        sy__mock_ledger_reset(&sh->ledger);
        __atomic_store_n(&sh->next_id, 1, __ATOMIC_RELAXED);
        if (sh->formats != NULL)
            sy__mock_formats_reset(sh->formats);
        LIT(&plan->body, "{\"ok\":true}");
        answer_json(plan);
        return;
    }

    if (sy_str_has_prefix(path, SY_STR("/v1/")))
        route = route_of((struct sy_str){path.ptr + 4, path.len - 4});
    else if (sy_str_has_prefix(path, SY_STR("/")))
        route = route_of((struct sy_str){path.ptr + 1, path.len - 1});
    if (route == ROUTE_NONE && split_azure(path, &deployment, &rest)) {
        route = route_of(rest);
        if (route != ROUTE_NONE && !has_api_version(req->query)) {
            not_found(req, plan, "the api-version query parameter is required");
            return;
        }
    }
    if (route != ROUTE_NONE) {
        if (!is_post) {
            plan->ledger_tail = sy__mock_ledger_tail(req, SY_STR_NULL, false);
            answer_error(plan, 405, "use POST for this endpoint");
        } else if (route == ROUTE_EMBEDDINGS) {
            plan_embeddings(req, plan, deployment);
        } else {
            plan_text(sh, req, now_s, plan, scratch, deployment,
                      route == ROUTE_CHAT ? SY__MOCK_API_CHAT : SY__MOCK_API_COMPLETION);
        }
        return;
    }
    if (is_get && (sy_str_eq_c(path, "/v1/models") || sy_str_eq_c(path, "/models"))) {
        plan_models(req, plan, SY_STR_NULL);
        return;
    }
    if (is_get && sy_str_has_prefix(path, SY_STR("/v1/models/")) && path.len > 11) {
        plan_models(req, plan, (struct sy_str){path.ptr + 11, path.len - 11});
        return;
    }
    /* Anthropic, Gemini, Vertex, Bedrock and /token: only paths no OpenAI route took. */
    if (sy__mock_plan_provider(sh, req, now_s, plan))
        return;
    not_found(req, plan,
              "unknown URL: the mock serves /v1/chat/completions, /v1/completions, "
              "/v1/embeddings and /v1/models");
}

void sy__mock_plan_bad_request(const struct sy__mock_http_req *req, uint32_t status,
                               struct sy__mock_plan *plan)
{
    const char *message = status == 413   ? "the request body is larger than 16 MiB"
                          : status == 431 ? "the request headers are larger than 64 KiB"
                                          : "the request is not valid HTTP/1.1";

    sy_buf_reset(&plan->head);
    sy_buf_reset(&plan->body);
    sy__mock_knobs_init(&plan->knobs);
    plan->closes = true;
    plan->ledger_tail = sy__mock_ledger_tail(req, SY_STR_NULL, false);
    answer_error(plan, status, message);
}

void sy__mock_plan_release(struct sy__mock_plan *plan)
{
    sy__mock_script_free(plan->stream.script);
    sy__mock_stream_dispose(&plan->stream);
    free(plan->ledger_tail);
    plan->ledger_tail = NULL;
}
