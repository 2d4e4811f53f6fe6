/* upstream/upstream.h - HTTP requests to providers: libcurl multi on libuv.
 *
 * One `struct sy_upstream_ctx` per worker thread wraps a curl multi handle
 * driven by the worker's libuv loop (uv_poll per socket, one uv_timer), so
 * connections are pooled per worker and reused (HTTP/1.1 keep-alive, HTTP/2
 * multiplexing over TLS). A transfer reports its response head, its body as it
 * arrives (with pause for back-pressure) and its end.
 *
 * Plain http:// URLs whose host is an IP literal or "localhost", with no
 * proxy, take a lean HTTP/1.1 client on the same loop instead (upstream/h1.c,
 * its own keep-alive pool per worker); the contract below is the same for
 * both. SWITCHYARD_UPSTREAM_CURL_ONLY=1 in the environment sends everything
 * through curl.
 *
 * Redirects are never followed, only http/https are spoken, and unless the
 * request allows it, connections to link-local and metadata addresses are
 * refused (the SSRF guard; LESSONS invariant 8).
 *
 * Worker thread only; nothing here takes a lock. */
#ifndef SY_UPSTREAM_UPSTREAM_H
#define SY_UPSTREAM_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/str.h"

struct uv_loop_s;
struct sy_upstream_ctx;
struct sy_upstream;

enum sy_upstream_result {
    SY_UPSTREAM_OK = 0,  /* the response arrived whole (whatever its status) */
    SY_UPSTREAM_CONNECT, /* DNS, refused, TLS handshake, proxy */
    SY_UPSTREAM_TIMEOUT, /* connect, first byte, stream idle or total */
    SY_UPSTREAM_RESET,   /* the connection broke before the response ended */
    SY_UPSTREAM_ABORTED, /* a handler returned -1 (too large, malformed, ...) */
    SY_UPSTREAM_BLOCKED, /* the SSRF guard refused the address */
    SY_UPSTREAM_FAILED,  /* anything else */
    SY_UPSTREAM_RESULT_COUNT
};

/* Returns "ok", "connect", "timeout", ... for logs and metric labels. */
const char *sy_upstream_result_name(enum sy_upstream_result res);

struct sy_upstream_request {
    const char *url;      /* full URL; the caller built it from config, never the client */
    bool is_get;          /* GET without a body; POST otherwise */
    struct sy_str body;   /* must stay valid until on_done or cancel */
    const char **headers; /* "Name: value" lines */
    size_t headers_count;
    const char *proxy; /* NULL = direct */
    struct sy_config_timeouts timeouts;
    bool allow_private;
};

struct sy_upstream_head {
    int status;
    struct sy_str content_type; /* views valid during on_head only */
    struct sy_str retry_after;
};

#define SY_UPSTREAM_PAUSE 1

struct sy_upstream_handlers {
    /* The status line and headers arrived. Return 0 to go on, -1 to abort
     * (on_done then reports SY_UPSTREAM_ABORTED). */
    int (*on_head)(void *ctx, const struct sy_upstream_head *head);
    /* Body bytes, as they arrive. Return 0 to go on, SY_UPSTREAM_PAUSE to
     * pause (the same bytes are delivered again after sy_upstream_resume()),
     * or -1 to abort. */
    int (*on_body)(void *ctx, const char *data, size_t len);
    /* The transfer ended. Fires exactly once unless sy_upstream_cancel() was
     * called first; the transfer handle is invalid once it returns. `detail`
     * is a short reason for logs (never a secret), or NULL. */
    void (*on_done)(void *ctx, enum sy_upstream_result res, const char *detail);
};

/* Caller frees with sy_upstream_ctx_free() once the loop stopped serving. */
struct sy_upstream_ctx *sy_upstream_ctx_new(struct uv_loop_s *loop);

/* Cancels transfers left (their on_done does not fire) and closes handles;
 * run the loop afterwards to let libuv finish closing them. */
void sy_upstream_ctx_free(struct sy_upstream_ctx *ctx);

/* Starts a transfer. Returns the handle, or NULL when it could not start (the
 * handlers never fire then). `req` and the strings it points to must stay
 * valid until on_done or cancel. */
struct sy_upstream *sy_upstream_start(struct sy_upstream_ctx *ctx,
                                      const struct sy_upstream_request *req,
                                      const struct sy_upstream_handlers *handlers, void *hctx);

/* Stops the transfer now and closes its connection; no handler fires after.
 * Safe to call from inside a handler of the same transfer. */
void sy_upstream_cancel(struct sy_upstream *t);

/* Resumes a transfer paused by on_body's SY_UPSTREAM_PAUSE. */
void sy_upstream_resume(struct sy_upstream *t);

/* Number of transfers in progress on this context. */
unsigned sy_upstream_active(const struct sy_upstream_ctx *ctx);

#endif
