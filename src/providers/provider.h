/* providers/provider.h - upstream wire formats, as pure translate functions.
 *
 * A provider kind turns the client's request (decoded OpenAI JSON) into what
 * its API expects, and its answers (whole bodies or stream events) back into
 * OpenAI shape. No I/O, no clock, no globals: unit tests and fuzzers call
 * these directly. Adding a kind: one file here, one line in registry.c, one
 * value in config/config.h, golden cases under tests/unit/providers/cases/. */
#ifndef SY_PROVIDERS_PROVIDER_H
#define SY_PROVIDERS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/config.h"
#include "core/err.h"
#include "core/str.h"
#include "providers/sse.h"

struct sy_pool;

/* The API families a client can call. */
enum sy_endpoint {
    SY_EP_CHAT = 0,    /* POST /v1/chat/completions */
    SY_EP_COMPLETIONS, /* POST /v1/completions (legacy) */
    SY_EP_EMBEDDINGS,  /* POST /v1/embeddings */
    SY_EP_COUNT
};

/* Token counts as the provider reported them. */
struct sy_usage {
    uint32_t prompt_tokens;
    uint32_t completion_tokens;
    uint32_t cached_tokens;    /* prompt tokens read from the provider's cache */
    uint32_t reasoning_tokens; /* part of completion_tokens */
    bool seen;                 /* the provider reported usage at all */
};

/* The client's request body, validated and scanned once by api/: views into
 * the body, which stays valid for the request's life. */
struct sy_client_request {
    struct sy_str raw;             /* the whole body: a validated JSON object */
    struct sy_str model_values[4]; /* raw values of the top-level "model" members */
    size_t model_values_count;
    struct sy_str stream_options; /* raw value of the last "stream_options", or NULL ptr */
    bool is_stream;               /* "stream": true (never for embeddings) */
    bool include_usage;           /* stream_options.include_usage is true */
    bool has_extensions;          /* translated from another API: may carry fields only some kinds
                                     understand (top_k, thinking, thinking_blocks, cache_control) */
};

/* What to send upstream; all memory from the request pool. */
struct sy_upstream_call {
    const char *url;
    const char **headers; /* "Name: value" */
    size_t headers_count;
    struct sy_str body;
};

/* Everything a kind needs to build an upstream call. */
struct sy_build_ctx {
    struct sy_pool *pool; /* the request's; everything built lives here */
    enum sy_endpoint ep;
    const struct sy_config_provider *prov;
    const char *upstream_model; /* the route's model id, replacing the client's alias */
    const struct sy_client_request *creq;
    int64_t now_unix;         /* wall clock, for request signatures (SigV4) */
    const char *access_token; /* an OAuth access token when the kind needs one, else NULL */
};

/* Per-stream translation state, kept in the request pool. */
struct sy_stream_state {
    const char *alias;       /* the model name the client asked for */
    bool client_wants_usage; /* stream_options.include_usage was set by the client */
    bool saw_done;           /* the provider ended the stream properly */
    bool saw_finish;         /* a choice carried a finish_reason */
    bool partial;            /* bytes of an unfinished event are buffered */
    uint32_t events;         /* events translated so far */
    struct sy_usage usage;
    struct sy_pool *pool;     /* the request's, for the kind's own state */
    size_t max_event_bytes;   /* ceiling on one upstream event */
    struct sy_sse_parser sse; /* initialised by the caller; used by SSE-based kinds */
    void *kind_state;         /* the kind's own, allocated from `pool` on first use */
};

/* What a piece of stream led to. */
enum sy_stream_next {
    SY_STREAM_CONTINUE = 0,
    SY_STREAM_DONE,      /* the provider's end marker: send nothing more from it */
    SY_STREAM_MALFORMED, /* an event could not be understood; stop the stream */
    SY_STREAM_TOO_LARGE, /* an event went over max_event_bytes; stop the stream */
    SY_STREAM_FAILED     /* the provider reported an error mid-stream and the kind already
                            wrote it as an in-band error event: end the stream, add nothing */
};

struct sy_provider {
    enum sy_provider_kind kind;
    bool needs_access_token;         /* the caller fetches an OAuth token first (vertex) */
    const char *stream_content_type; /* what a streamed 2xx answer is sent as */

    /* Builds the upstream call for ctx->ep from the client's request.
     * Returns SY_ERR_BAD_REQUEST when the kind cannot serve the endpoint or
     * the request cannot be expressed in its format. */
    enum sy_err (*build)(const struct sy_build_ctx *ctx, struct sy_upstream_call *out);

    /* Turns a whole 2xx response body into the OpenAI response the client
     * receives (written to `out`), reporting `alias` as the model and filling
     * `usage`. Returns SY_ERR_UPSTREAM when the body cannot be understood. */
    enum sy_err (*translate_response)(enum sy_endpoint ep, const char *alias, const char *body,
                                      size_t len, struct sy_buf *out, struct sy_usage *usage);

    /* Translates streamed upstream bytes, split anywhere, into OpenAI SSE
     * events appended to `out`; sets st->partial, st->usage, st->saw_done and
     * st->saw_finish as it goes. */
    enum sy_stream_next (*stream_feed)(struct sy_stream_state *st, enum sy_endpoint ep,
                                       const char *data, size_t len, struct sy_buf *out);
};

/* Translates one SSE event of a kind's stream. */
typedef enum sy_stream_next sy_provider_event_fn(struct sy_stream_state *st, enum sy_endpoint ep,
                                                 const struct sy_sse_event *ev, struct sy_buf *out);

/* stream_feed for SSE-based kinds: parses `data` with st->sse and calls
 * `on_event` for each event, until one returns something else than
 * SY_STREAM_CONTINUE. */
enum sy_stream_next sy_provider_sse_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                         const char *data, size_t len, struct sy_buf *out,
                                         sy_provider_event_fn *on_event);

extern const struct sy_provider sy_provider_openai;
extern const struct sy_provider sy_provider_azure;
extern const struct sy_provider sy_provider_bedrock;
extern const struct sy_provider sy_provider_gemini, sy_provider_vertex;
extern const struct sy_provider sy_provider_anthropic;

/* Returns the provider for `kind` (never NULL for a valid kind). */
const struct sy_provider *sy_provider_get(enum sy_provider_kind kind);

/* Appends an in-band stream error event in OpenAI shape:
 * data: {"error":{"message":..,"type":..,"code":..}}\n\n */
void sy_provider_stream_error(struct sy_buf *out, const char *message, const char *type,
                              const char *code);

/* Percent-encodes all but RFC 3986 unreserved characters into the pool, so
 * that a name from the config (a deployment, a model, a project) cannot change
 * a URL's shape. */
char *sy_provider_path_escape(struct sy_pool *pool, const char *s);

/* Returns obj[key] when it is a non-negative integer, capped at UINT32_MAX;
 * 0 otherwise. For token counts. */
uint32_t sy_provider_get_u32(struct sy_str obj, const char *key);

/* Reads an OpenAI "usage" object (raw, validated JSON) into `usage`. Returns
 * false when `obj` is not an object. */
bool sy_provider_read_usage(struct sy_str obj, struct sy_usage *usage);

/* Extracts the "message" of an OpenAI-shaped error body, or NULL. Copied into
 * `pool`. */
const char *sy_provider_error_message(struct sy_pool *pool, const char *body, size_t len);

#endif
