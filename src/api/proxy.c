/* api/proxy.c - chat, completions and embeddings: decode, resolve, upstream.
 *
 * The upstream stage tries the model's routes in order. An attempt that fails
 * before the client saw a byte (connect error, timeout, 429, 5xx, a stream
 * that died before its first event) moves on to the next route; once the
 * client has received bytes of a stream, a failure becomes an in-band error
 * event and a clean end (LESSONS invariant 6), never a silent truncation.
 *
 * Streams are translated event by event as bytes arrive, whatever the read
 * boundaries, and the client stream starts only with the first translated
 * event, so that a provider dying early can still be failed over. When the
 * client reads slower than the provider writes, the transfer is paused once
 * upstream.stream_buffer_bytes are pending and resumed when half drained. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/pool.h"
#include "metrics/metrics.h"
#include "oauth/oauth.h"
#include "upstream/upstream.h"

#define ERROR_BODY_MAX (64 * 1024) /* enough of a provider's error body to read its message */
#define MAX_JSON_DEPTH 128         /* nesting accepted in a client body */

struct proxy {
    struct sy_req *req;
    struct sy_api_call *call;
    size_t attempt; /* index in call->model->routes */
    const struct sy_config_route *route;
    const struct sy_provider *prov;
    struct sy_upstream *transfer;
    struct sy_upstream_request ureq;
    uint64_t attempt_start_us;

    /* An OAuth access token (vertex), held for the provider `token_for`. */
    const char *access_token; /* pool copy; NULL = none held */
    const struct sy_config_provider *token_for;
    struct sy_oauth_wait *token_wait; /* a token exchange we wait for */
    const char *token_error;          /* why this attempt got no token, or NULL */

    /* Per attempt. */
    int status;
    char retry_after[32];
    bool sse_upstream; /* a 2xx event stream is coming */
    bool got_body;
    bool too_large;
    bool malformed;
    bool provider_failed;  /* the kind wrote the provider's own in-band error */
    enum sy_err build_err; /* the last route's kind could not express the request */
    struct sy_buf body;    /* buffered body (not streamed, or an error) */

    /* The client stream, once started (never reset). */
    bool client_streaming;
    struct sy_buf scratch; /* translated events waiting to be written */
    struct sy_stream_state st;
};

/* ---- Decode and resolve ------------------------------------------------- */

static bool is_json_content_type(struct sy_str ct)
{
    static const char want[] = "application/json";

    if (ct.ptr == NULL)
        return true; /* absent: take the body for what the route expects */
    if (ct.len < sizeof(want) - 1 || strncasecmp(ct.ptr, want, sizeof(want) - 1) != 0)
        return false;
    return ct.len == sizeof(want) - 1 || ct.ptr[sizeof(want) - 1] == ';' ||
           ct.ptr[sizeof(want) - 1] == ' ';
}

/* Checks that chat messages are a non-empty array of objects with a string
 * "role". Returns the index of the first bad one, or -1 when all are fine;
 * SIZE_MAX-style -2 when the array itself is wrong. */
static ssize_t bad_message(const struct sy_json_member *messages)
{
    struct sy_json_iter it;
    struct sy_str msg;
    enum sy_json_type type;
    ssize_t i = 0;

    if (messages->type != SY_JSON_ARRAY)
        return -2;
    sy_json_iter_init(&it, messages->value);
    for (; sy_json_next_element(&it, &msg, &type); i++) {
        struct sy_json_member role;
        if (type != SY_JSON_OBJECT || !sy_json_get(msg, "role", &role) ||
            role.type != SY_JSON_STRING)
            return i;
    }
    return i == 0 ? -2 : -1;
}

enum sy_next sy__api_decode(struct sy_req *req)
{
    struct sy_api_call *call = sy__api_call(req);
    struct sy_client_request *creq = &call->creq;
    const char *required = call->route->ep == SY_EP_CHAT          ? "messages"
                           : call->route->ep == SY_EP_COMPLETIONS ? "prompt"
                                                                  : "input";
    struct sy_json_member m, model = {0}, stream = {0}, field = {0}, options = {0};
    struct sy_json_error jerr;
    struct sy_json_iter it;
    enum sy_json_type type;

    if (!is_json_content_type(sy_req_header(req, "content-type")))
        return sy_req_fail_ex(req, SY_ERR_MEDIA_TYPE, 0, "unsupported_media_type", NULL,
                              "Content-Type must be application/json");
    if (req->body.len > req->cfg->http.max_body_bytes)
        return sy_req_fail_ex(req, SY_ERR_TOO_LARGE, 0, "request_too_large", NULL,
                              "Request body is %zu bytes; the limit is %zu", req->body.len,
                              req->cfg->http.max_body_bytes);
    if (req->body.len == 0)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_json", NULL,
                              "Request body is empty; expected a JSON object");
    type = sy_json_validate(req->body.ptr, req->body.len, MAX_JSON_DEPTH, &jerr);
    if (type == SY_JSON_INVALID)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_json", NULL,
                              "Invalid JSON at line %u, column %u: %s", jerr.line, jerr.column,
                              jerr.reason);
    if (type != SY_JSON_OBJECT)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", NULL,
                              "Request body must be a JSON object");

    /* One pass over the top level; the last of repeated members wins, and
     * every "model" gets rewritten, whichever the provider reads. */
    creq->raw = req->body;
    sy_json_iter_init(&it, req->body);
    while (sy_json_next_member(&it, &m)) {
        if (sy_json_key_is(m.key, "model")) {
            model = m;
            if (creq->model_values_count <
                sizeof(creq->model_values) / sizeof(creq->model_values[0]))
                creq->model_values[creq->model_values_count++] = m.value;
            else
                return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_request", "model",
                                      "'model' is repeated too many times");
        } else if (sy_json_key_is(m.key, "stream")) {
            stream = m;
        } else if (sy_json_key_is(m.key, "stream_options")) {
            options = m;
        } else if (sy_json_key_is(m.key, required)) {
            field = m;
        }
    }

    if (model.value.ptr == NULL)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "missing_required_parameter", "model",
                              "Missing required parameter: 'model'");
    if (model.type != SY_JSON_STRING || model.value.len <= 2)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", "model",
                              "'model' must be a non-empty string");
    char *name = sy_pool_alloc(req->pool, model.value.len + 1);
    if (sy_json_string_decode(model.value, name, model.value.len + 1) < 0)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", "model",
                              "'model' must be a non-empty string");
    req->model = name;

    if (field.value.ptr == NULL)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "missing_required_parameter", required,
                              "Missing required parameter: '%s'", required);
    if (call->route->ep == SY_EP_CHAT) {
        ssize_t bad = bad_message(&field);
        if (bad == -2)
            return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", "messages",
                                  "'messages' must be a non-empty array");
        if (bad >= 0)
            return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", "messages",
                                  "messages[%zd] must be an object with a string 'role'", bad);
    }

    if (stream.value.ptr != NULL && stream.type != SY_JSON_TRUE && stream.type != SY_JSON_FALSE &&
        stream.type != SY_JSON_NULL)
        return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", "stream",
                              "'stream' must be a boolean");
    req->is_stream = stream.type == SY_JSON_TRUE && call->route->ep != SY_EP_EMBEDDINGS;
    creq->is_stream = req->is_stream;
    if (options.value.ptr != NULL) {
        struct sy_json_member usage;
        if (options.type != SY_JSON_OBJECT && options.type != SY_JSON_NULL)
            return sy_req_fail_ex(req, SY_ERR_BAD_REQUEST, 0, "invalid_type", "stream_options",
                                  "'stream_options' must be an object");
        creq->stream_options = options.value;
        creq->include_usage = options.type == SY_JSON_OBJECT &&
                              sy_json_get(options.value, "include_usage", &usage) &&
                              usage.type == SY_JSON_TRUE;
    }
    call->client_wants_usage = creq->include_usage;
    return SY_NEXT;
}

enum sy_next sy__api_resolve_model(struct sy_req *req)
{
    struct sy_api_call *call = sy__api_call(req);
    size_t len = strlen(req->model);

    call->model = sy_config_find_model(req->cfg, req->model, len);
    if (call->model == NULL) {
        const char *asked = req->model;
        req->model = NULL; /* keep client-chosen names out of metric labels */
        return sy_req_fail_ex(req, SY_ERR_NOT_FOUND, 0, "model_not_found", "model",
                              "The model '%.*s' does not exist or is not served here",
                              (int)(len > 200 ? 200 : len), asked);
    }
    req->model = call->model->name;
    return SY_NEXT;
}

/* ---- Upstream attempts -------------------------------------------------- */

static int on_head(void *ctx, const struct sy_upstream_head *head);
static int on_body(void *ctx, const char *data, size_t len);
static void on_done(void *ctx, enum sy_upstream_result res, const char *detail);

static const struct sy_upstream_handlers handlers = {on_head, on_body, on_done};

/* Never sent upstream, whatever forward_headers says. */
static bool is_hop_or_secret(struct sy_str name)
{
    /* clang-format off */
    static const char *const names[] = {
        "authorization", "api-key", "x-api-key", "proxy-authorization", "cookie",
        "host", "content-length", "content-type", "expect",
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade",
    };
    /* clang-format on */

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (sy_str_eq_c(name, names[i]))
            return true;
    return false;
}

struct forward_ctx {
    struct proxy *p;
    const char **lines;
    size_t count, cap;
};

static void forward_one(void *arg, struct sy_str name, struct sy_str value)
{
    struct forward_ctx *fc = arg;
    const struct sy_config_provider *prov = fc->p->route->provider;

    if (fc->count == fc->cap || is_hop_or_secret(name))
        return;
    for (size_t i = 0; i < prov->forward_headers_count; i++) {
        struct sy_str want = sy_str_c(prov->forward_headers[i]);
        bool match = want.len > 0 && want.ptr[want.len - 1] == '*'
                         ? sy_str_has_prefix(name, (struct sy_str){want.ptr, want.len - 1})
                         : sy_str_eq(name, want);
        if (match) {
            fc->lines[fc->count++] = sy_pool_printf(fc->p->req->pool, "%.*s: %.*s", (int)name.len,
                                                    name.ptr, (int)value.len, value.ptr);
            return;
        }
    }
}

static void init_stream_state(struct proxy *p);

static void reset_attempt(struct proxy *p)
{
    p->status = 0;
    p->retry_after[0] = '\0';
    p->sse_upstream = p->got_body = p->too_large = p->malformed = p->provider_failed = false;
    sy_buf_reset(&p->body);
    if (!p->client_streaming) {
        /* Nothing reached the client: the next attempt starts a clean stream. */
        sy_sse_dispose(&p->st.sse);
        init_stream_state(p);
        sy_buf_reset(&p->scratch);
    }
}

static enum sy_next fail_final(struct proxy *p, enum sy_err err, int status, const char *code,
                               const char *msg);

static enum sy_next start_attempt(struct proxy *p);

/* The token for the current route's provider, or why there is none. Called
 * once per sy_oauth_get_token(): inside it (token_wait still NULL), and
 * start_attempt() goes on; or later, and the attempt resumes from here. */
static void on_token(void *ctx, const char *token, const char *error)
{
    struct proxy *p = ctx;
    bool waited = p->token_wait != NULL;

    p->token_wait = NULL;
    if (token != NULL) {
        p->access_token = sy_pool_strndup(p->req->pool, token, strlen(token));
        p->token_for = p->route->provider;
    } else {
        p->token_error = sy_pool_printf(p->req->pool, "%s", error != NULL ? error : "no token");
        sy_metrics_count(p->req->metrics, SY_M_UPSTREAM_ERRORS, p->route->provider->name, "token",
                         0, 1);
        sy_log_warn("upstream: provider %s: no access token: %s", p->route->provider->name,
                    p->token_error);
    }
    if (!waited)
        return;
    if (token == NULL)
        p->attempt++; /* like any failed attempt: on to the next route */
    start_attempt(p);
}

/* Starts the attempt at p->attempt, moving past routes that cannot start.
 * Returns SY_WAIT when a transfer or a token exchange is under way, or
 * SY_DONE after failing. */
static enum sy_next start_attempt(struct proxy *p)
{
    struct sy_req *req = p->req;
    const struct sy_config_model *model = p->call->model;

    for (; p->attempt < model->routes_count; p->attempt++) {
        struct sy_upstream_call ucall = {0};
        struct forward_ctx fc = {0};
        enum sy_err err;
        bool built = false;

        p->route = &model->routes[p->attempt];
        p->prov = sy_provider_get(p->route->provider->kind);
        p->token_error = NULL;
        if (p->token_for != p->route->provider)
            p->access_token = NULL; /* a token serves one provider */
        if (p->prov != NULL && p->prov->needs_access_token && p->access_token == NULL) {
            /* token_wait is NULL here, so on_token can tell when it runs inside. */
            p->token_wait =
                sy_oauth_get_token(req->upstream, p->route->provider, sy_clock_unix(), on_token, p);
            if (p->token_wait != NULL)
                return SY_WAIT; /* on_token resumes this attempt */
            if (p->access_token == NULL)
                continue; /* refused at once; on_token counted it */
        }
        if (p->call->front != NULL) /* another API's front door; may build natively */
            built = p->call->front->attempt(req, p->route, &p->prov, &ucall);
        if (p->prov == NULL) {
            sy_metrics_count(req->metrics, SY_M_UPSTREAM_ERRORS, p->route->provider->name,
                             "unsupported", 0, 1);
            continue;
        }
        struct sy_build_ctx bctx = {
            .pool = req->pool,
            .ep = p->call->route->ep,
            .prov = p->route->provider,
            .upstream_model = p->route->model,
            .creq = &p->call->creq,
            .now_unix = sy_clock_unix(),
            .access_token = p->access_token,
        };
        p->build_err = SY_OK;
        err = built ? SY_OK : p->prov->build(&bctx, &ucall);
        if (err != SY_OK) {
            /* This kind cannot express the request (an endpoint it lacks,
             * n > 1, ...): another route's kind may. */
            p->build_err = err;
            sy_metrics_count(req->metrics, SY_M_UPSTREAM_ERRORS, p->route->provider->name,
                             "untranslatable", 0, 1);
            continue;
        }

        fc.p = p;
        fc.cap = ucall.headers_count + (p->route->provider->forward_headers_count > 0 ? 32 : 0);
        fc.lines = sy_pool_alloc(req->pool, (fc.cap + 1) * sizeof(char *));
        memcpy(fc.lines, ucall.headers, ucall.headers_count * sizeof(char *));
        fc.count = ucall.headers_count;
        if (p->route->provider->forward_headers_count > 0)
            sy_req_foreach_header(req, forward_one, &fc);

        p->ureq = (struct sy_upstream_request){
            .url = ucall.url,
            .body = ucall.body,
            .headers = fc.lines,
            .headers_count = fc.count,
            .proxy = p->route->provider->proxy,
            .timeouts = p->route->provider->timeouts,
            .allow_private = p->route->provider->allow_private,
        };
        reset_attempt(p);
        req->provider = p->route->provider->name;
        p->attempt_start_us = sy_clock_us();
        p->transfer = sy_upstream_start(req->upstream, &p->ureq, &handlers, p);
        if (p->transfer != NULL) {
            sy_req_watch_client(req); /* a client that leaves cancels the transfer */
            return SY_WAIT;
        }
        sy_metrics_count(req->metrics, SY_M_UPSTREAM_ERRORS, req->provider, "start", 0, 1);
    }
    if (p->token_error != NULL) /* the last route failed for want of a token */
        return fail_final(p, SY_ERR_UPSTREAM, 502, "upstream_auth",
                          sy_pool_printf(req->pool,
                                         "The gateway could not get an access token for this "
                                         "model's provider: %s",
                                         p->token_error));
    if (p->build_err != SY_OK) /* the last route could not express the request */
        return fail_final(p, p->build_err, 0, "invalid_request",
                          "The request cannot be expressed for this model's provider (an "
                          "endpoint or a parameter that provider kind does not support)");
    return fail_final(p, SY_ERR_UPSTREAM, 0, "upstream_unavailable",
                      "No provider for this model could be reached");
}

static void init_stream_state(struct proxy *p)
{
    struct sy_stream_state fresh = {
        .alias = p->call->model->name,
        .client_wants_usage = p->call->client_wants_usage,
        .pool = p->req->pool,
        .max_event_bytes = p->req->cfg->upstream.max_event_bytes,
    };

    p->st = fresh;
    sy_sse_init(&p->st.sse, fresh.max_event_bytes);
}

static void cleanup(void *arg)
{
    struct proxy *p = arg;

    if (p->token_wait != NULL) {
        sy_oauth_cancel(p->token_wait);
        p->token_wait = NULL;
    }
    if (p->transfer != NULL) {
        sy_upstream_cancel(p->transfer);
        p->transfer = NULL;
    }
    if (p->client_streaming)
        sy_metrics_gauge_add(p->req->metrics, SY_M_ACTIVE_STREAMS, -1);
    sy_sse_dispose(&p->st.sse);
    sy_buf_dispose(&p->body);
    sy_buf_dispose(&p->scratch);
}

static void on_client_gone(struct sy_req *req)
{
    struct proxy *p = sy__api_call(req)->proxy;

    if (p->token_wait != NULL) {
        sy_oauth_cancel(p->token_wait);
        p->token_wait = NULL;
    }
    if (p->transfer != NULL) {
        sy_upstream_cancel(p->transfer);
        p->transfer = NULL;
        req->upstream_us += sy_clock_us() - p->attempt_start_us;
    }
}

static void on_drain(struct sy_req *req)
{
    struct proxy *p = sy__api_call(req)->proxy;

    if (p->transfer != NULL)
        sy_upstream_resume(p->transfer);
}

enum sy_next sy__api_upstream(struct sy_req *req)
{
    struct sy_api_call *call = sy__api_call(req);
    struct proxy *p = SY_POOL_NEW(req->pool, struct proxy);

    p->req = req;
    p->call = call;
    call->proxy = p;
    init_stream_state(p);
    sy_pool_defer(req->pool, cleanup, p);
    req->on_client_gone = on_client_gone;
    req->on_drain = on_drain;
    return start_attempt(p);
}

/* ---- Answers ------------------------------------------------------------ */

static void record_usage(struct proxy *p, const struct sy_usage *usage)
{
    struct sy_req *req = p->req;

    if (!usage->seen)
        return;
    req->prompt_tokens = usage->prompt_tokens;
    req->completion_tokens = usage->completion_tokens;
    sy_metrics_count(req->metrics, SY_M_TOKENS, req->model, "prompt", 0, usage->prompt_tokens);
    sy_metrics_count(req->metrics, SY_M_TOKENS, req->model, "completion", 0,
                     usage->completion_tokens);
}

static enum sy_next fail_final(struct proxy *p, enum sy_err err, int status, const char *code,
                               const char *msg)
{
    if (p->retry_after[0] != '\0' && (status == 429 || err == SY_ERR_LIMITED))
        sy_req_add_header(p->req, "retry-after", p->retry_after, strlen(p->retry_after));
    return sy_req_fail_ex(p->req, err, status, code, NULL, "%s", msg);
}

/* An attempt failed before the client saw a byte: try the next route when
 * `retryable`, or answer with the error. */
static void attempt_failed(struct proxy *p, const char *kind, bool retryable, enum sy_err err,
                           int status, const char *code, const char *msg)
{
    sy_metrics_count(p->req->metrics, SY_M_UPSTREAM_ERRORS, p->route->provider->name, kind, 0, 1);
    if (retryable && p->attempt + 1 < p->call->model->routes_count) {
        p->attempt++;
        start_attempt(p);
        return;
    }
    fail_final(p, err, status, code, msg);
}

static int on_head(void *ctx, const struct sy_upstream_head *head)
{
    struct proxy *p = ctx;

    p->status = head->status;
    snprintf(p->retry_after, sizeof(p->retry_after), "%.*s", (int)head->retry_after.len,
             head->retry_after.ptr != NULL ? head->retry_after.ptr : "");
    p->sse_upstream = p->req->is_stream && head->status >= 200 && head->status < 300 &&
                      sy_str_has_prefix(head->content_type, sy_str_c(p->prov->stream_content_type));
    return 0;
}

static void start_client_stream(struct proxy *p)
{
    if (p->client_streaming)
        return;
    p->client_streaming = true;
    sy_metrics_gauge_add(p->req->metrics, SY_M_ACTIVE_STREAMS, 1);
    sy_req_stream_start(p->req, 200, "text/event-stream");
}

static int on_body(void *ctx, const char *data, size_t len)
{
    struct proxy *p = ctx;
    struct sy_req *req = p->req;
    enum sy_stream_next next;

    if (!p->sse_upstream) {
        size_t limit = p->status >= 200 && p->status < 300 ? req->cfg->upstream.max_response_bytes
                                                           : ERROR_BODY_MAX;
        if (p->body.len + len > limit) {
            p->too_large = true;
            return -1;
        }
        sy_buf_append(&p->body, data, len);
        return 0;
    }
    if (p->client_streaming && sy_req_stream_pending(req) > req->cfg->upstream.stream_buffer_bytes)
        return SY_UPSTREAM_PAUSE; /* on_drain resumes; curl hands these bytes again */
    if (!p->got_body) {
        p->got_body = true;
        if (req->ttft_us == 0) {
            req->ttft_us = sy_clock_us() - req->start_us;
            sy_metrics_observe(req->metrics, SY_M_TTFT, req->model, req->ttft_us);
        }
    }
    if (p->st.saw_done)
        return 0; /* bytes after [DONE] are ignored */
    next = p->prov->stream_feed(&p->st, p->call->route->ep, data, len, &p->scratch);
    if (next == SY_STREAM_FAILED && !p->client_streaming) {
        /* The provider failed before the client saw a byte: fail over instead. */
        sy_buf_reset(&p->scratch);
    }
    if (p->scratch.len > 0 && p->call->front != NULL)
        p->call->front->stream(req, &p->scratch, false);
    if (p->scratch.len > 0) {
        start_client_stream(p);
        sy_req_stream_write(req, p->scratch.ptr, p->scratch.len);
        sy_buf_reset(&p->scratch);
    }
    if (next == SY_STREAM_TOO_LARGE)
        p->too_large = true;
    else if (next == SY_STREAM_MALFORMED)
        p->malformed = true;
    else if (next == SY_STREAM_FAILED)
        p->provider_failed = true;
    return p->too_large || p->malformed || p->provider_failed ? -1 : 0;
}

/* Ends a stream the client already receives, in-band when it went wrong. */
static void finish_stream(struct proxy *p, enum sy_upstream_result res)
{
    struct sy_req *req = p->req;
    const char *msg = NULL, *code = NULL;

    if (p->provider_failed) {
        /* Already told in-band by the kind; only count it. */
        sy_metrics_count(req->metrics, SY_M_UPSTREAM_ERRORS, p->route->provider->name,
                         "stream_error", 0, 1);
    } else if (p->malformed) {
        msg = "The provider sent a malformed stream event";
        code = "upstream_malformed";
    } else if (p->too_large) {
        msg = "The provider sent a stream event over upstream.max_event_bytes";
        code = "upstream_too_large";
    } else if (res == SY_UPSTREAM_TIMEOUT) {
        msg = "The provider stopped sending before the stream ended (timeout)";
        code = "upstream_timeout";
    } else if (res != SY_UPSTREAM_OK || p->st.partial || !(p->st.saw_done || p->st.saw_finish)) {
        msg = "The provider's connection was cut before the stream ended";
        code = "upstream_stream_cut";
    }
    if (msg != NULL) {
        sy_metrics_count(req->metrics, SY_M_UPSTREAM_ERRORS, p->route->provider->name,
                         p->malformed ? "malformed" : sy_upstream_result_name(res), 0, 1);
        sy_provider_stream_error(&p->scratch, msg, "upstream_error", code);
    } else if (!p->st.saw_done && !p->provider_failed) {
        SY_BUF_APPEND_LIT(&p->scratch, "data: [DONE]\n\n");
    }
    if (p->call->front != NULL)
        p->call->front->stream(req, &p->scratch, true);
    if (p->scratch.len > 0)
        sy_req_stream_write(req, p->scratch.ptr, p->scratch.len);
    sy_buf_reset(&p->scratch);
    record_usage(p, &p->st.usage);
    sy_req_stream_end(req);
}

static void finish_buffered(struct proxy *p)
{
    struct sy_req *req = p->req;
    int status = p->status;
    char msg[400];

    if (status >= 200 && status < 300) {
        struct sy_usage usage = {0};
        struct sy_buf out = {0};
        enum sy_err err = p->prov->translate_response(p->call->route->ep, p->call->model->name,
                                                      p->body.ptr != NULL ? p->body.ptr : "",
                                                      p->body.len, &out, &usage);
        if (err == SY_OK && p->call->front != NULL)
            err = p->call->front->respond(req, &out);
        if (err != SY_OK) {
            sy_buf_dispose(&out);
            attempt_failed(p, "malformed", true, SY_ERR_UPSTREAM, 0, "upstream_malformed",
                           "The provider returned a response that could not be read");
            return;
        }
        record_usage(p, &usage);
        sy_req_respond(req, 200, "application/json", out.ptr, out.len);
        sy_buf_dispose(&out);
        return;
    }
    if (status == 429) {
        attempt_failed(p, "status_429", true, SY_ERR_LIMITED, 429, "rate_limit_exceeded",
                       "The provider is rate limiting this model; retry later");
        return;
    }
    if (status == 401 || status == 403) {
        snprintf(msg, sizeof(msg), "The provider rejected the gateway's credentials (HTTP %d)",
                 status);
        attempt_failed(p, "status_auth", true, SY_ERR_UPSTREAM, 502, "upstream_auth", msg);
        return;
    }
    if (status >= 500 || status == 408) {
        snprintf(msg, sizeof(msg), "The provider failed (HTTP %d)", status);
        attempt_failed(p, "status_5xx", true, status == 504 ? SY_ERR_TIMEOUT : SY_ERR_UPSTREAM,
                       status == 504 ? 504 : 502, "upstream_error", msg);
        return;
    }
    if (status == 404 || status == 402) {
        /* The route's fault, not the request's: a model the account cannot use
         * (retired, not enabled, wrong base_url) or billing. Another route may
         * serve it; if none does, the client's alias still exists: 502. */
        snprintf(msg, sizeof(msg), "The provider cannot serve this model (HTTP %d)", status);
        attempt_failed(p, "status_4xx", true, SY_ERR_UPSTREAM, 502, "upstream_rejected", msg);
        return;
    }
    /* Any other 4xx: the request itself is at fault; say what the provider said. */
    const char *said =
        p->body.len > 0 ? sy_provider_error_message(req->pool, p->body.ptr, p->body.len) : NULL;
    snprintf(msg, sizeof(msg), "The provider refused the request (HTTP %d): %.300s", status,
             said != NULL ? said : "no details");
    attempt_failed(p, "status_4xx", false, SY_ERR_BAD_REQUEST, status >= 400 ? status : 502,
                   "upstream_rejected", msg);
}

static void on_done(void *ctx, enum sy_upstream_result res, const char *detail)
{
    struct proxy *p = ctx;
    struct sy_req *req = p->req;
    uint64_t took = sy_clock_us() - p->attempt_start_us;

    (void)detail;
    p->transfer = NULL;
    req->upstream_us += took;
    sy_metrics_observe(req->metrics, SY_M_UPSTREAM_DURATION, p->route->provider->name, took);
    if (p->client_streaming) {
        finish_stream(p, res);
        return;
    }
    if (p->sse_upstream && res == SY_UPSTREAM_OK && !p->malformed && !p->too_large) {
        /* A stream that ended properly without any event for the client. */
        start_client_stream(p);
        finish_stream(p, res);
        return;
    }
    switch (res) {
    case SY_UPSTREAM_OK:
        finish_buffered(p);
        return;
    case SY_UPSTREAM_TIMEOUT:
        attempt_failed(p, "timeout", true, SY_ERR_TIMEOUT, 0, "upstream_timeout",
                       "The provider did not answer in time");
        return;
    case SY_UPSTREAM_ABORTED:
        if (p->provider_failed)
            attempt_failed(p, "stream_error", true, SY_ERR_UPSTREAM, 0, "upstream_error",
                           "The provider reported an error before the stream began");
        else if (p->malformed)
            attempt_failed(p, "malformed", true, SY_ERR_UPSTREAM, 0, "upstream_malformed",
                           "The provider sent a malformed stream event");
        else
            attempt_failed(p, "too_large", false, SY_ERR_UPSTREAM, 0, "upstream_too_large",
                           "The provider's response is over the configured size limit");
        return;
    case SY_UPSTREAM_BLOCKED:
        attempt_failed(p, "blocked", true, SY_ERR_UPSTREAM, 0, "upstream_blocked",
                       "The provider's address is not allowed (link-local or metadata)");
        return;
    case SY_UPSTREAM_CONNECT:
        attempt_failed(p, "connect", true, SY_ERR_UPSTREAM, 0, "upstream_connect",
                       "The provider could not be reached");
        return;
    case SY_UPSTREAM_RESET:
        attempt_failed(p, "reset", true, SY_ERR_UPSTREAM, 0, "upstream_reset",
                       "The provider's connection was cut before it answered");
        return;
    default:
        attempt_failed(p, "failed", true, SY_ERR_UPSTREAM, 0, "upstream_error",
                       "The provider request failed");
        return;
    }
}
