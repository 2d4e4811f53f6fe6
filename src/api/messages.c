/* api/messages.c - POST /v1/messages and /v1/messages/count_tokens: the
 * Anthropic front door.
 *
 * Decoding runs proxy.c's own checks on the client's body first (content
 * type, size, JSON, "model", a non-empty "messages" list of objects with a
 * role, "stream"), which hold for the Messages API as they do for chat, then
 * the Messages API's own, and translates the request for the OpenAI hub once
 * (providers/messages.h). The upstream stage is proxy.c's, with this file as
 * its front (struct sy_api_front in api_int.h): per attempt, a route of kind
 * anthropic gets the client's own body with only "model" replaced and its
 * answer passes through; any other kind gets the hub request, and its OpenAI
 * answer is translated back, whole or event by event. Errors come out in
 * Anthropic's shape because the route says so (req->shape). */
#include "providers/messages.h"

#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "config/config.h"
#include "core/json.h"
#include "core/pool.h"

#define WHY_MAX 300 /* a validation message, shown to the client */

/* A Messages request inside api/, in its pool. */
struct messages_call {
    struct sy_client_request native;  /* the client's body, as sy__api_decode() scanned it */
    struct sy_client_request hub;     /* its OpenAI translation, when there is one */
    const char *hub_error;            /* not NULL: only anthropic-kind routes can serve it */
    bool is_native;                   /* the current attempt speaks Anthropic upstream */
    struct sy_messages_stream stream; /* hub streams: OpenAI SSE -> Anthropic SSE */
    struct sy_buf out;                /* translated output, swapped with proxy.c's buffer */
    uint32_t input_tokens;            /* count_tokens: the estimate */
};

static void dispose_call(void *arg)
{
    struct messages_call *mc = arg;

    sy_messages_stream_dispose(&mc->stream);
    sy_buf_dispose(&mc->out);
}

static struct messages_call *new_call(struct sy_req *req)
{
    struct messages_call *mc = SY_POOL_NEW(req->pool, struct messages_call);

    sy_messages_stream_init(&mc->stream, "", 0);
    sy_pool_defer(req->pool, dispose_call, mc);
    sy__api_call(req)->front_state = mc;
    return mc;
}

static void swap_bufs(struct sy_buf *a, struct sy_buf *b)
{
    struct sy_buf tmp = *a;

    *a = *b;
    *b = tmp;
}

/* ---- The front: per attempt, and the answers --------------------------- */

static bool attempt(struct sy_req *req, const struct sy_config_route *route,
                    const struct sy_provider **prov, struct sy_upstream_call *out)
{
    struct sy_api_call *call = sy__api_call(req);
    struct messages_call *mc = call->front_state;
    /* Events the kinds emit are at most a little larger than what they read. */
    size_t max_event_bytes = 2 * req->cfg->upstream.max_event_bytes + 4096;

    /* proxy.c never starts another attempt once the client has bytes, so
     * whatever an earlier attempt translated went nowhere. */
    sy_messages_stream_dispose(&mc->stream);
    sy_messages_stream_init(&mc->stream, call->model->name, max_event_bytes);
    sy_buf_reset(&mc->out);

    mc->is_native = route->provider->kind == SY_KIND_ANTHROPIC;
    if (mc->is_native) {
        struct sy_build_ctx bctx = {
            .pool = req->pool,
            .ep = SY_EP_CHAT,
            .prov = route->provider,
            .upstream_model = route->model,
            .creq = &mc->native,
        };
        *prov = &sy_messages_native;
        sy_messages_build_native(&bctx, sy_req_header(req, "anthropic-beta"), out);
        return true;
    }
    if (mc->hub_error != NULL)
        *prov = NULL; /* this provider cannot take what the request uses */
    else
        call->creq = mc->hub;
    return false;
}

static enum sy_err respond(struct sy_req *req, struct sy_buf *body)
{
    struct sy_api_call *call = sy__api_call(req);
    struct messages_call *mc = call->front_state;
    enum sy_err err;

    if (mc->is_native)
        return SY_OK;
    sy_buf_reset(&mc->out);
    err = sy_messages_response_from_openai(call->model->name, body->ptr != NULL ? body->ptr : "",
                                           body->len, &mc->out);
    if (err == SY_OK)
        swap_bufs(body, &mc->out);
    return err;
}

static void stream(struct sy_req *req, struct sy_buf *events, bool end)
{
    struct messages_call *mc = sy__api_call(req)->front_state;

    if (mc->is_native && !end)
        return; /* the provider's own events, already with the alias */
    sy_buf_reset(&mc->out);
    if (mc->is_native)
        sy_messages_native_stream_end((struct sy_str){events->ptr, events->len}, &mc->out);
    else if (events->len > 0)
        sy_messages_stream_feed(&mc->stream, events->ptr, events->len, &mc->out);
    swap_bufs(events, &mc->out);
}

static const struct sy_api_front front = {attempt, respond, stream};

/* ---- Stages ------------------------------------------------------------- */

/* Scans the hub request the way proxy.c scans a client's: it has one
 * "model", and on streams one "stream_options" asking for usage. */
static void scan_hub(struct sy_client_request *c, struct sy_str body, bool is_stream)
{
    struct sy_json_iter it;
    struct sy_json_member m;

    c->raw = body;
    c->is_stream = c->include_usage = is_stream;
    c->has_extensions = true;
    sy_json_iter_init(&it, body);
    while (sy_json_next_member(&it, &m)) {
        if (sy_str_eq_c(m.key, "model") && c->model_values_count == 0)
            c->model_values[c->model_values_count++] = m.value;
        else if (sy_str_eq_c(m.key, "stream_options"))
            c->stream_options = m.value;
    }
}

enum sy_next sy__api_decode_messages(struct sy_req *req)
{
    struct sy_api_call *call = sy__api_call(req);
    struct messages_call *mc;
    struct sy_buf hub = {0};
    char why[WHY_MAX];
    enum sy_messages_verdict verdict;
    enum sy_next next = sy__api_decode(req);

    if (next != SY_NEXT)
        return next;
    verdict = sy_messages_request_to_openai(req->body.ptr, req->body.len, &hub, why, sizeof(why));
    if (verdict == SY_MESSAGES_INVALID) {
        sy_buf_dispose(&hub);
        return sy_req_fail(req, SY_ERR_BAD_REQUEST, "%s", why);
    }
    mc = new_call(req);
    mc->native = call->creq;
    if (verdict == SY_MESSAGES_NATIVE_ONLY) {
        mc->hub_error = sy_pool_strndup(req->pool, why, strlen(why));
    } else {
        struct sy_str body = {sy_pool_strndup(req->pool, hub.ptr, hub.len), hub.len};
        scan_hub(&mc->hub, body, req->is_stream);
        call->creq = mc->hub;
    }
    sy_buf_dispose(&hub);
    /* The hub request asks for usage, and message_delta needs it. */
    call->client_wants_usage = true;
    call->front = &front;
    return SY_NEXT;
}

enum sy_next sy__api_resolve_messages_model(struct sy_req *req)
{
    struct sy_api_call *call = sy__api_call(req);
    struct messages_call *mc = call->front_state;
    enum sy_next next = sy__api_resolve_model(req);

    if (next != SY_NEXT || mc->hub_error == NULL)
        return next;
    for (size_t i = 0; i < call->model->routes_count; i++)
        if (call->model->routes[i].provider->kind == SY_KIND_ANTHROPIC)
            return SY_NEXT;
    return sy_req_fail(req, SY_ERR_BAD_REQUEST, "%s", mc->hub_error);
}

enum sy_next sy__api_decode_count_tokens(struct sy_req *req)
{
    struct messages_call *mc;
    char why[WHY_MAX];
    uint32_t tokens = 0;
    enum sy_next next = sy__api_decode(req);

    if (next != SY_NEXT)
        return next;
    if (sy_messages_count_tokens(req->body.ptr, req->body.len, &tokens, why, sizeof(why)) ==
        SY_MESSAGES_INVALID)
        return sy_req_fail(req, SY_ERR_BAD_REQUEST, "%s", why);
    mc = new_call(req);
    mc->input_tokens = tokens;
    return SY_NEXT;
}

enum sy_next sy__api_count_tokens(struct sy_req *req)
{
    struct messages_call *mc = sy__api_call(req)->front_state;
    char body[48];
    int n = snprintf(body, sizeof(body), "{\"input_tokens\":%u}", mc->input_tokens);

    sy_req_respond(req, 200, "application/json", body, (size_t)n);
    return SY_DONE;
}
