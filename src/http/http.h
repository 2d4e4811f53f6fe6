/* http/http.h - the HTTP front: workers, listeners and the request context.
 *
 * http/ is the only module that includes h2o.h. It runs N worker threads, each
 * with its own libuv loop, h2o context and SO_REUSEPORT listener, turns every
 * h2o request into a `struct sy_req` and hands it to api/. Responses go back
 * through the functions below, which hide h2o's generator protocol: a
 * streamed response is written with sy_req_stream_write() at any time and the
 * writer keeps at most one h2o_send() in flight, buffering the rest and
 * telling the producer when the buffer drains (back-pressure).
 *
 * Everything here runs on the request's worker thread unless said otherwise. */
#ifndef SY_HTTP_HTTP_H
#define SY_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

struct sy_config;
struct sy_pool;
struct sy_upstream_ctx;
struct sy_metrics_shard;
struct sy_server;
struct sy_req;

/* The error body shape a route speaks. */
enum sy_api_shape {
    SY_SHAPE_OPENAI = 0,
    SY_SHAPE_ANTHROPIC,
};

/* Called by the stream writer. `on_drain`: the pending output fell below half
 * of upstream.stream_buffer_bytes (resume a paused producer). `on_client_gone`:
 * the client went away or the response was aborted; stop producing at once.
 * The request pool is still valid during both calls. */
typedef void sy_req_event_fn(struct sy_req *req);

struct sy_req_stream; /* http-private state of a streamed response */

struct sy_req {
    struct sy_pool *pool;             /* request lifetime; cleared when the response ends */
    struct sy_config *cfg;            /* the snapshot this request started with (held) */
    struct sy_upstream_ctx *upstream; /* the worker's upstream client */
    struct sy_metrics_shard *metrics; /* the worker's metric shard */
    unsigned worker_id;

    struct sy_str method;
    struct sy_str path;  /* without the query string */
    struct sy_str query; /* after '?', empty when none */
    struct sy_str body;  /* the whole request body (h2o buffers it) */
    size_t header_bytes; /* names + values of all request headers */
    enum sy_api_shape shape;

    char request_id[72];  /* the client's x-request-id (sanitised) or a new one */
    uint64_t start_us;    /* monotonic, when the request reached us */
    uint64_t upstream_us; /* time spent waiting on providers, for "gateway time" */
    uint64_t ttft_us;     /* first upstream byte - start, 0 = none */

    /* Set by api/ for logs and metrics. */
    const char *route;    /* "chat", "models", ... static strings */
    const char *model;    /* the alias asked for, NULL before decode */
    const char *provider; /* the provider that answered, NULL if none */
    uint32_t prompt_tokens;
    uint32_t completion_tokens;
    bool is_stream;
    int status; /* the status sent, 0 before the response started */

    bool client_gone; /* the client disconnected or the stream was aborted */
    bool watching;    /* sy_req_watch_client() runs for it */
    void *api;        /* the endpoint's own state */
    sy_req_event_fn *on_drain;
    sy_req_event_fn *on_client_gone;

    void *h2o_req;                /* h2o_req_t *, for http/ only */
    struct sy_req_stream *stream; /* http/ only */
};

/* Returns the value of the request header `lower_name` (lower case), or an
 * empty view with a NULL ptr when absent. */
struct sy_str sy_req_header(const struct sy_req *req, const char *lower_name);

/* Calls `fn` for each request header; names are lower case. */
void sy_req_foreach_header(const struct sy_req *req,
                           void (*fn)(void *ctx, struct sy_str name, struct sy_str value),
                           void *ctx);

/* Adds a response header (copied into the pool). Before the response starts. */
void sy_req_add_header(struct sy_req *req, const char *name, const char *value, size_t value_len);

/* While `req` waits for a provider and no response has started, checks its
 * HTTP/1 connection every 200 ms: when the client has closed it, marks
 * `req` client_gone, calls `on_client_gone` (which must stop the work) and
 * ends the request (status 499 in logs and metrics). HTTP/2 needs no watch:
 * h2o sees a reset stream itself. Idempotent; stops on its own when the
 * response starts or the request ends. */
void sy_req_watch_client(struct sy_req *req);

/* Sends a complete response: `body` is copied. Sets x-request-id and
 * x-response-time. Once per request. */
void sy_req_respond(struct sy_req *req, int status, const char *content_type, const char *body,
                    size_t len);

/* Starts a streamed response with `status` and `content_type` and the
 * standard headers. Then sy_req_stream_write() any number of times and
 * sy_req_stream_end() once. `on_drain` and `on_client_gone` (above) may be
 * NULL. */
void sy_req_stream_start(struct sy_req *req, int status, const char *content_type);

/* Queues `len` bytes (copied) for the client. Returns the bytes now pending;
 * the producer should pause when that exceeds its budget and wait for
 * `on_drain`. Does nothing once the client is gone. */
size_t sy_req_stream_write(struct sy_req *req, const char *data, size_t len);

/* Bytes queued for the client and not yet written. */
size_t sy_req_stream_pending(const struct sy_req *req);

/* Ends the stream once the pending bytes are sent. */
void sy_req_stream_end(struct sy_req *req);

/* ---- The server ------------------------------------------------------- */

/* Starts the listeners and worker threads serving `cfg` (a reference is taken
 * for each worker). Returns 0, or -1 after logging why (nothing left running).
 * Main thread only. */
int sy_server_start(struct sy_config *cfg, struct sy_server **out);

/* Hands `cfg` to every worker: new requests use it, requests in flight keep
 * theirs. Takes references as needed; the caller keeps its own. Main thread. */
void sy_server_swap_config(struct sy_server *srv, struct sy_config *cfg);

/* Stops accepting, lets requests in flight finish for up to `drain_ms`, then
 * stops the workers and frees the server. Main thread only. */
void sy_server_stop(struct sy_server *srv, uint32_t drain_ms);

/* Number of requests in flight across workers (approximate; any thread). */
uint64_t sy_server_active_requests(const struct sy_server *srv);

/* True once sy_server_stop() began (readiness turns 503). Any thread. */
bool sy_server_is_draining(void);

/* Renders the metrics of all workers (Prometheus text) into `out`. Any worker
 * thread may call; it reads other shards without locks. */
void sy_server_render_metrics(struct sy_buf *out);

#endif
