/* api/api_int.h - what the files of api/ share: stages, routes, errors. */
#ifndef SY_API_API_INT_H
#define SY_API_API_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "http/http.h"
#include "providers/provider.h"

/* What a stage tells the pipeline to do next. */
enum sy_next {
    SY_NEXT = 0, /* run the following stage */
    SY_WAIT,     /* async work started; the stage will call sy__api_resume() */
    SY_DONE,     /* a response (success or error) has been started: stop */
};

typedef enum sy_next sy_stage_fn(struct sy_req *req);

struct sy_stage {
    const char *name; /* for logs */
    sy_stage_fn *fn;
};

struct sy_route {
    const char *method;
    const char *path;    /* without the optional /v1 prefix, when `versioned` */
    bool versioned;      /* also served under /v1 */
    bool prefix;         /* `path` is a prefix (/models/{id}) */
    const char *name;    /* metric label */
    enum sy_endpoint ep; /* for the proxy stages */
    const struct sy_stage *stages;
    size_t stages_count;
    enum sy_api_shape shape; /* of its error bodies; set before any stage runs */
};

/* The state of a request inside api/, in its pool. */
struct sy_api_call {
    const struct sy_route *route;
    size_t next_stage;
    struct sy_client_request creq; /* the scanned client body */
    const struct sy_config_model *model;
    bool client_wants_usage;
    void *proxy;                      /* proxy.c's per-request state */
    const struct sy_api_front *front; /* NULL for OpenAI clients */
    void *front_state;                /* the front's own, in the pool */
};

/* A front door for clients of another API than OpenAI's (api/messages.c).
 * proxy.c thinks in OpenAI terms (the hub): call->creq is an OpenAI request
 * and the kinds answer in OpenAI shape. A front converts at the edges. Errors
 * need no hook: errors.c renders them in req->shape. */
struct sy_api_front {
    /* Called before each attempt, with `*prov` set to the route's kind (NULL
     * when it has none). Either sets call->creq for the kind's build() and
     * returns false, or builds `out` itself, sets `*prov` to the provider
     * whose translate_response / stream_feed read the answer (a native
     * format: the front then passes their output on) and returns true. May
     * set `*prov` to NULL: the route cannot serve this request and is skipped. */
    bool (*attempt)(struct sy_req *req, const struct sy_config_route *route,
                    const struct sy_provider **prov, struct sy_upstream_call *out);
    /* Rewrites the OpenAI answer in `body` for the client, in place. Returns
     * SY_OK, or SY_ERR_UPSTREAM when it cannot be read (the attempt failed). */
    enum sy_err (*respond)(struct sy_req *req, struct sy_buf *body);
    /* Rewrites stream output in `events` (whole OpenAI SSE events) for the
     * client, in place. `end`: the last call, with what proxy.c appends when
     * the stream ends (an in-band error event or "data: [DONE]"). */
    void (*stream)(struct sy_req *req, struct sy_buf *events, bool end);
};

static inline struct sy_api_call *sy__api_call(struct sy_req *req)
{
    return req->api;
}

/* Continues the stages of `req` after a stage returned SY_WAIT. */
void sy__api_resume(struct sy_req *req);

/* Ends `req` with `err`: writes the error body in the caller's API shape and
 * returns SY_DONE, so that a stage can end with `return sy_req_fail(...)`.
 * The message is shown to the client: never format keys, prompts or upstream
 * bodies into it. */
enum sy_next sy_req_fail(struct sy_req *req, enum sy_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with the OpenAI `code` and `param` fields (either may be NULL), and an
 * explicit HTTP `status` (0 = the one of `err`). */
enum sy_next sy_req_fail_ex(struct sy_req *req, enum sy_err err, int status, const char *code,
                            const char *param, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Sends a JSON document as a 200 response. Does not steal `doc`. */
void sy__api_respond_json(struct sy_req *req, int status, const json_t *doc);

/* ---- Stages, by file ---- */

/* auth.c */
enum sy_next sy__api_authenticate(struct sy_req *req);

/* proxy.c: chat, completions, embeddings */
enum sy_next sy__api_decode(struct sy_req *req);
enum sy_next sy__api_resolve_model(struct sy_req *req);
enum sy_next sy__api_upstream(struct sy_req *req);

/* messages.c: the Anthropic Messages API */
enum sy_next sy__api_decode_messages(struct sy_req *req);
enum sy_next sy__api_resolve_messages_model(struct sy_req *req);
enum sy_next sy__api_decode_count_tokens(struct sy_req *req);
enum sy_next sy__api_count_tokens(struct sy_req *req);

/* models.c */
enum sy_next sy__api_list_models(struct sy_req *req);
enum sy_next sy__api_get_model(struct sy_req *req);

/* health.c */
enum sy_next sy__api_health_live(struct sy_req *req);
enum sy_next sy__api_health_ready(struct sy_req *req);
enum sy_next sy__api_metrics(struct sy_req *req);

#endif
