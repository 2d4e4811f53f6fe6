/* api/pipeline.c - the routes and their stages: the request path in one screen.
 *
 * Reading these tables is reading the gateway. A stage returns SY_NEXT to go
 * on, SY_WAIT when it started async work (it resumes the pipeline itself),
 * or SY_DONE once a response has started. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/api_int.h"
#include "core/pool.h"

/* clang-format off */
static const struct sy_stage chat_stages[] = {
    {"authenticate", sy__api_authenticate},
    {"decode", sy__api_decode},
    {"resolve_model", sy__api_resolve_model},
    {"upstream", sy__api_upstream}, /* pick, translate, send, respond; failover inside */
};

/* The Anthropic front door: the same path, with the body translated to and
 * from OpenAI's shape around it (or passed through to anthropic providers). */
static const struct sy_stage messages_stages[] = {
    {"authenticate", sy__api_authenticate},
    {"decode", sy__api_decode_messages},
    {"resolve_model", sy__api_resolve_messages_model},
    {"upstream", sy__api_upstream},
};

static const struct sy_stage count_tokens_stages[] = {
    {"authenticate", sy__api_authenticate},
    {"decode", sy__api_decode_count_tokens},
    {"resolve_model", sy__api_resolve_model},
    {"respond", sy__api_count_tokens}, /* an estimate; no upstream call */
};

static const struct sy_stage list_models_stages[] = {
    {"authenticate", sy__api_authenticate},
    {"respond", sy__api_list_models},
};

static const struct sy_stage get_model_stages[] = {
    {"authenticate", sy__api_authenticate},
    {"respond", sy__api_get_model},
};

static const struct sy_stage live_stages[] = {{"respond", sy__api_health_live}};
static const struct sy_stage ready_stages[] = {{"respond", sy__api_health_ready}};
static const struct sy_stage metrics_stages[] = {{"respond", sy__api_metrics}};

#define STAGES(s) (s), sizeof(s) / sizeof((s)[0])
#define OPENAI    SY_SHAPE_OPENAI    /* error bodies {"error":{...}} */
#define ANTHROPIC SY_SHAPE_ANTHROPIC /* error bodies {"type":"error","error":{...}} */

static const struct sy_route routes[] = {
    {"POST", "/chat/completions", true, false, "chat", SY_EP_CHAT, STAGES(chat_stages), OPENAI},
    {"POST", "/completions", true, false, "completions", SY_EP_COMPLETIONS, STAGES(chat_stages),
     OPENAI},
    {"POST", "/embeddings", true, false, "embeddings", SY_EP_EMBEDDINGS, STAGES(chat_stages),
     OPENAI},
    {"POST", "/v1/messages", false, false, "messages", SY_EP_CHAT, STAGES(messages_stages),
     ANTHROPIC},
    {"POST", "/v1/messages/count_tokens", false, false, "count_tokens", SY_EP_CHAT,
     STAGES(count_tokens_stages), ANTHROPIC},
    {"GET", "/models", true, false, "models", SY_EP_CHAT, STAGES(list_models_stages), OPENAI},
    {"GET", "/models/", true, true, "model", SY_EP_CHAT, STAGES(get_model_stages), OPENAI},
    {"GET", "/health/live", false, false, "health", SY_EP_CHAT, STAGES(live_stages), OPENAI},
    {"GET", "/health/ready", false, false, "health", SY_EP_CHAT, STAGES(ready_stages), OPENAI},
    {"GET", "/metrics", false, false, "metrics", SY_EP_CHAT, STAGES(metrics_stages), OPENAI},
};

/* clang-format on */

static bool path_matches(const struct sy_route *r, struct sy_str path)
{
    struct sy_str want = sy_str_c(r->path);

    if (r->versioned && sy_str_has_prefix(path, SY_STR("/v1/")))
        path = (struct sy_str){path.ptr + 3, path.len - 3};
    if (r->prefix)
        return path.len > want.len && sy_str_has_prefix(path, want);
    return sy_str_eq(path, want);
}

static void run(struct sy_req *req)
{
    struct sy_api_call *call = req->api;

    while (call->next_stage < call->route->stages_count) {
        const struct sy_stage *stage = &call->route->stages[call->next_stage++];
        if (stage->fn(req) != SY_NEXT)
            return;
    }
}

/* Answers 431 (in the route's error shape) when the request's headers are
 * over http.max_header_bytes. */
static bool fails_header_limit(struct sy_req *req)
{
    if (req->header_bytes <= req->cfg->http.max_header_bytes)
        return false;
    sy_req_fail_ex(req, SY_ERR_HEADERS, 0, "request_header_fields_too_large", NULL,
                   "Request headers are %zu bytes; the limit is %zu", req->header_bytes,
                   req->cfg->http.max_header_bytes);
    return true;
}

void sy__api_resume(struct sy_req *req)
{
    run(req);
}

void sy_api_handle(struct sy_req *req)
{
    struct sy_api_call *call = SY_POOL_NEW(req->pool, struct sy_api_call);
    const struct sy_route *path_match = NULL;
    char allow[64] = "";

    req->api = call;
    req->shape = SY_SHAPE_OPENAI;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct sy_route *r = &routes[i];
        if (!path_matches(r, req->path))
            continue;
        path_match = r;
        req->shape = r->shape; /* before any error, the 431 and 405 below included */
        if (fails_header_limit(req))
            return;
        if (sy_str_eq_c(req->method, r->method) ||
            (sy_str_eq_c(req->method, "HEAD") && strcmp(r->method, "GET") == 0)) {
            call->route = r;
            req->route = r->name;
            run(req);
            return;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof(allow) - used, "%s%s", used > 0 ? ", " : "", r->method);
    }
    if (path_match != NULL) {
        sy_req_add_header(req, "allow", allow, strlen(allow));
        sy_req_fail_ex(req, SY_ERR_METHOD, 0, "method_not_allowed", NULL,
                       "Method %.*s is not allowed on %.*s; use %s", (int)req->method.len,
                       req->method.ptr, (int)(req->path.len > 200 ? 200 : req->path.len),
                       req->path.ptr, allow);
        return;
    }
    if (fails_header_limit(req))
        return;
    sy_req_fail_ex(req, SY_ERR_NOT_FOUND, 0, "unknown_url", NULL, "Unknown request URL: %.*s %.*s",
                   (int)(req->method.len > 16 ? 16 : req->method.len), req->method.ptr,
                   (int)(req->path.len > 200 ? 200 : req->path.len), req->path.ptr);
}
