/* upstream/upstream_int.h - what upstream.c (libcurl) and h1.c (the plain
 * HTTP/1.1 fast path) share.
 *
 * sy_upstream_start() offers each request to h1.c first: a plain http:// URL
 * whose host is an IP literal or "localhost", with no proxy, goes through
 * its lean client; everything else (https, proxies, DNS names, user info in
 * the URL) goes through curl. A handle says which backend owns it, so that
 * cancel and resume reach the right one.
 *
 * Worker thread only, like the rest of the module. */
#ifndef SY_UPSTREAM_UPSTREAM_INT_H
#define SY_UPSTREAM_UPSTREAM_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "upstream/upstream.h"

struct uv_loop_s;

enum sy__upstream_backend {
    SY__UPSTREAM_CURL = 0,
    SY__UPSTREAM_H1,
};

/* The opaque public handle: the first member of each backend's transfer. */
struct sy_upstream {
    enum sy__upstream_backend backend;
};

/* The SSRF guard: true for link-local addresses (169.254/16, cloud
 * metadata), 100.100.100.200, fe80::/10, fd00:ec2::254 and IPv4-mapped
 * link-local. Both backends refuse them unless the request allows it. */
bool sy__upstream_is_blocked_address(const struct sockaddr *sa);

/* ---- h1_request.c: which URLs the fast path takes, what it sends ---------- */

#define SY__H1_MAX_ADDRESSES 2 /* "localhost": 127.0.0.1, then ::1 */

union sy__h1_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};

/* What a URL for the fast path says. The views point into the URL. */
struct sy__h1_target {
    union sy__h1_sockaddr sa[SY__H1_MAX_ADDRESSES]; /* in the order to try them */
    unsigned sa_count;
    struct sy_str host; /* as written, with brackets for IPv6: for the Host header */
    unsigned port;
    struct sy_str path; /* from '/' or '?' on; empty means "/" */
};

/* Parses "http://HOST[:PORT][/PATH][?QUERY]" where HOST is an IPv4 literal,
 * a bracketed IPv6 literal without zone, or "localhost" (no DNS: 127.0.0.1,
 * then ::1). Returns false for anything else, which is curl's to handle:
 * other schemes, DNS names, user info, fragments, bytes that would need
 * escaping. */
bool sy__h1_parse_url(const char *url, struct sy__h1_target *tg);

/* Writes the request head for `req` to `tg` into `out` and returns its
 * length: the request line, Host (with the port unless 80), Content-Length
 * (not for GET), the request's header lines except "Name:" lines with an
 * empty value (curl's way of leaving a header out), and the empty line.
 * With `out` NULL, only measures, and returns 0 when a header line holds CR
 * or LF (it would inject others). */
size_t sy__h1_request_head(const struct sy_upstream_request *req, const struct sy__h1_target *tg,
                           char *out);

/* ---- h1.c: the plain HTTP/1.1 client ------------------------------------- */

struct sy__h1_ctx;

/* Counters for tests and diagnostics. */
struct sy__h1_stats {
    uint64_t connects; /* connections opened (attempted) */
    uint64_t reuses;   /* requests sent on a pooled connection */
    uint64_t retries;  /* requests sent again after a pooled connection failed */
    unsigned idle;     /* pooled connections now */
};

/* Caller frees with sy__h1_ctx_free(). */
struct sy__h1_ctx *sy__h1_ctx_new(struct uv_loop_s *loop);

/* Cancels transfers left (no handler fires) and closes every connection
 * and timer; run the loop afterwards to let libuv finish closing them. */
void sy__h1_ctx_free(struct sy__h1_ctx *h1);

/* Returns false when `req` is not for this backend (curl takes it).
 * Otherwise returns true and sets `*out` to the transfer, or to NULL when it
 * could not start (a header line holding CR or LF); the handlers never fire
 * before this returns. Same contract as sy_upstream_start() otherwise. */
bool sy__h1_try_start(struct sy__h1_ctx *h1, const struct sy_upstream_request *req,
                      const struct sy_upstream_handlers *handlers, void *hctx,
                      struct sy_upstream **out);

void sy__h1_cancel(struct sy_upstream *t);

void sy__h1_resume(struct sy_upstream *t);

unsigned sy__h1_active(const struct sy__h1_ctx *h1);

void sy__h1_get_stats(const struct sy__h1_ctx *h1, struct sy__h1_stats *out);

/* The fast path's counters for `ctx` (all zero when it is disabled). */
void sy__upstream_h1_stats(const struct sy_upstream_ctx *ctx, struct sy__h1_stats *out);

#endif
