/* http/server.c - workers, listeners and the request context over h2o.
 *
 * Each worker is a thread with its own libuv loop, h2o context, listening
 * socket (SO_REUSEPORT: the kernel spreads connections), upstream client and
 * metric shard. The main thread owns the config and tells workers about a
 * new snapshot or a shutdown through a uv_async. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>
#include <h2o/http2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <uv.h>

#include "api/api.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "http/http.h"
#include "metrics/metrics.h"
#include "oauth/oauth.h"
#include "upstream/upstream.h"

struct worker {
    unsigned id;
    pthread_t thread;
    sem_t stopped; /* posted when the loop returned */
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t wake;
    int listen_fd;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    struct sy_server *srv;
    struct sy_config *cfg; /* the snapshot new requests get; owned by this worker */
    struct sy_upstream_ctx *upstream;
    struct sy_metrics_shard *metrics;
    uint64_t active;  /* requests in flight; read by the main thread */
    uint64_t rng;     /* xorshift state for log sampling */
    uint64_t next_id; /* request id counter */
    char id_prefix[17];

    pthread_mutex_t lock; /* guards what the main thread hands over: */
    struct sy_config *next_cfg;
    bool drain_requested;
    bool stop_requested;
    bool draining; /* the listener is closed (worker-private) */
};

struct sy_server {
    h2o_globalconf_t globalconf;
    SSL_CTX *ssl_ctx;
    unsigned count;
    struct worker *workers;
    struct sy_metrics_shard **shards;
};

/* The running server, for /metrics. Written once by the main thread before
 * workers start; read-only afterwards. */
static struct sy_server *running;
static bool draining_flag;

struct sy_req_stream {
    h2o_generator_t gen; /* first member: h2o hands this pointer back */
    struct sy_req *req;
    struct sy_buf pending;  /* written by the producer, not yet handed to h2o */
    struct sy_buf inflight; /* handed to h2o, waiting for proceed() */
    size_t low_water;
    bool sending;
    bool ended;
    bool final_sent;
};

static inline struct worker *worker_of(h2o_req_t *hreq)
{
    return (struct worker *)((char *)hreq->conn->ctx - offsetof(struct worker, ctx));
}

static inline h2o_req_t *hreq_of(const struct sy_req *req)
{
    return req->h2o_req;
}

/* ---- Request headers ---------------------------------------------------- */

struct sy_str sy_req_header(const struct sy_req *req, const char *lower_name)
{
    h2o_req_t *hreq = hreq_of(req);
    ssize_t i = h2o_find_header_by_str(&hreq->headers, lower_name, strlen(lower_name), -1);

    if (i < 0)
        return SY_STR_NULL;
    return (struct sy_str){hreq->headers.entries[i].value.base, hreq->headers.entries[i].value.len};
}

void sy_req_foreach_header(const struct sy_req *req,
                           void (*fn)(void *ctx, struct sy_str name, struct sy_str value),
                           void *ctx)
{
    h2o_req_t *hreq = hreq_of(req);

    for (size_t i = 0; i < hreq->headers.size; i++) {
        const h2o_header_t *h = &hreq->headers.entries[i];
        fn(ctx, (struct sy_str){h->name->base, h->name->len},
           (struct sy_str){h->value.base, h->value.len});
    }
}

/* ---- Responses ---------------------------------------------------------- */

void sy_req_add_header(struct sy_req *req, const char *name, const char *value, size_t value_len)
{
    h2o_req_t *hreq = hreq_of(req);
    char *v = h2o_mem_alloc_pool(&hreq->pool, value_len);

    memcpy(v, value, value_len);
    h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, name, strlen(name), 1, NULL, v,
                          value_len);
}

static void set_standard_headers(struct sy_req *req, int status, const char *content_type)
{
    h2o_req_t *hreq = hreq_of(req);
    char rt[32];
    int n;

    req->status = status;
    hreq->res.status = status;
    hreq->res.reason = sy_http_reason(status);
    if (content_type != NULL)
        h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                       strlen(content_type));
    h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          req->request_id, strlen(req->request_id));
    n = snprintf(rt, sizeof(rt), "%.3fms", (double)(sy_clock_us() - req->start_us) / 1000.0);
    sy_req_add_header(req, "x-response-time", rt, (size_t)n);
}

void sy_req_respond(struct sy_req *req, int status, const char *content_type, const char *body,
                    size_t len)
{
    h2o_req_t *hreq = hreq_of(req);

    if (req->status != 0)
        return; /* a response already started: a bug upstream of here */
    set_standard_headers(req, status, content_type);
    hreq->res.content_length = len;
    h2o_send_inline(hreq, body, len);
}

static void stream_flush(struct sy_req_stream *st)
{
    h2o_iovec_t iov;
    h2o_send_state_t state = H2O_SEND_STATE_IN_PROGRESS;
    struct sy_buf tmp;

    if (st->sending || st->final_sent || st->req->client_gone)
        return;
    if (st->pending.len == 0 && !st->ended)
        return;
    tmp = st->inflight;
    st->inflight = st->pending;
    st->pending = tmp;
    sy_buf_reset(&st->pending);
    if (st->ended) {
        state = H2O_SEND_STATE_FINAL;
        st->final_sent = true;
    }
    st->sending = true;
    iov = h2o_iovec_init(st->inflight.ptr, st->inflight.len);
    h2o_send(hreq_of(st->req), &iov, st->inflight.len > 0 ? 1 : 0, state);
}

static void on_stream_proceed(h2o_generator_t *gen, h2o_req_t *hreq)
{
    struct sy_req_stream *st = (struct sy_req_stream *)gen;

    (void)hreq;
    st->sending = false;
    sy_buf_reset(&st->inflight);
    if (st->final_sent)
        return;
    stream_flush(st);
    if (st->req->on_drain != NULL && st->pending.len < st->low_water)
        st->req->on_drain(st->req);
}

static void on_stream_stop(h2o_generator_t *gen, h2o_req_t *hreq)
{
    struct sy_req_stream *st = (struct sy_req_stream *)gen;

    (void)hreq;
    if (st->req->client_gone)
        return;
    st->req->client_gone = true;
    if (st->req->on_client_gone != NULL)
        st->req->on_client_gone(st->req);
}

static void dispose_stream(void *p)
{
    struct sy_req_stream *st = p;

    sy_buf_dispose(&st->pending);
    sy_buf_dispose(&st->inflight);
}

void sy_req_stream_start(struct sy_req *req, int status, const char *content_type)
{
    h2o_req_t *hreq = hreq_of(req);
    struct sy_req_stream *st = SY_POOL_NEW(req->pool, struct sy_req_stream);

    st->gen.proceed = on_stream_proceed;
    st->gen.stop = on_stream_stop;
    st->req = req;
    st->low_water = req->cfg->upstream.stream_buffer_bytes / 2;
    req->stream = st;
    sy_pool_defer(req->pool, dispose_stream, st);
    set_standard_headers(req, status, content_type);
    h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    h2o_start_response(hreq, &st->gen);
}

size_t sy_req_stream_write(struct sy_req *req, const char *data, size_t len)
{
    struct sy_req_stream *st = req->stream;

    if (st == NULL || req->client_gone || st->ended)
        return 0;
    sy_buf_append(&st->pending, data, len);
    stream_flush(st);
    return st->pending.len + st->inflight.len;
}

size_t sy_req_stream_pending(const struct sy_req *req)
{
    const struct sy_req_stream *st = req->stream;

    return st != NULL ? st->pending.len + st->inflight.len : 0;
}

void sy_req_stream_end(struct sy_req *req)
{
    struct sy_req_stream *st = req->stream;

    if (st == NULL || st->ended)
        return;
    st->ended = true;
    stream_flush(st);
}

/* ---- Watching an HTTP/1 client while it waits ---------------------------- */

#define WATCH_INTERVAL_MS 200

struct client_watch {
    uv_timer_t timer;   /* first member: closing it frees the watch */
    struct sy_req *req; /* NULL once the request ended */
};

static void free_watch(uv_handle_t *handle)
{
    free(handle);
}

static void end_watch(void *p)
{
    struct client_watch *cw = p;

    cw->req = NULL;
    uv_timer_stop(&cw->timer);
    uv_close((uv_handle_t *)&cw->timer, free_watch);
}

/* True when the client closed its side: EOF with nothing left to read. */
static bool client_has_closed(h2o_req_t *hreq)
{
    h2o_socket_t *sock = hreq->conn->callbacks->get_socket != NULL
                             ? hreq->conn->callbacks->get_socket(hreq->conn)
                             : NULL;
    int fd = sock != NULL ? h2o_socket_get_fd(sock) : -1;
    char byte;

    if (fd < 0)
        return false;
    return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static void on_watch(uv_timer_t *timer)
{
    struct client_watch *cw = (struct client_watch *)timer;
    struct sy_req *req = cw->req;

    if (req == NULL || req->status != 0 || req->client_gone) {
        uv_timer_stop(timer);
        return;
    }
    if (!client_has_closed(req->h2o_req))
        return;
    uv_timer_stop(timer);
    req->client_gone = true;
    if (req->on_client_gone != NULL)
        req->on_client_gone(req);
    /* Nobody reads it: ending the request lets h2o close the connection and
     * release the request's memory. */
    sy_req_respond(req, 499, "application/json", "{}", 2);
}

void sy_req_watch_client(struct sy_req *req)
{
    h2o_req_t *hreq = hreq_of(req);
    struct client_watch *cw;

    if (req->watching || req->status != 0 || hreq->version >= 0x200)
        return;
    req->watching = true;
    cw = sy_xcalloc(1, sizeof(*cw));
    cw->req = req;
    uv_timer_init(&worker_of(hreq)->loop, &cw->timer);
    uv_timer_start(&cw->timer, on_watch, WATCH_INTERVAL_MS, WATCH_INTERVAL_MS);
    sy_pool_defer(req->pool, end_watch, cw);
}

/* ---- The request's life ------------------------------------------------- */

static uint64_t next_random(struct worker *w)
{
    uint64_t x = w->rng;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

static void json_escape_into(struct sy_buf *out, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sy_buf_appendf(out, "\\%c", c);
        else if (c < 0x20)
            sy_buf_appendf(out, "\\u%04x", c);
        else
            sy_buf_append(out, s, 1);
    }
}

static void access_log(struct sy_req *req, uint64_t total_us, uint64_t gateway_us)
{
    struct sy_buf line = {0};
    h2o_req_t *hreq = hreq_of(req);

    char ts[40];

    sy_log_timestamp(ts, sizeof(ts));
    sy_buf_appendf(&line, "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"",
                   ts);
    json_escape_into(&line, req->request_id);
    sy_buf_appendf(&line, "\",\"method\":\"%.*s\",\"path\":\"", (int)hreq->method.len,
                   hreq->method.base);
    sy_buf_append(&line, NULL, 0);
    char path[256];
    snprintf(path, sizeof(path), "%.*s", (int)(req->path.len < 200 ? req->path.len : 200),
             req->path.ptr);
    json_escape_into(&line, path);
    sy_buf_appendf(&line, "\",\"route\":\"%s\",\"model\":\"", req->route ? req->route : "");
    json_escape_into(&line, req->model);
    sy_buf_appendf(&line, "\",\"provider\":\"");
    json_escape_into(&line, req->provider);
    sy_buf_appendf(&line,
                   "\",\"status\":%d,\"stream\":%s,\"duration_ms\":%.3f,\"gateway_ms\":%.3f,"
                   "\"upstream_ms\":%.3f,\"prompt_tokens\":%u,\"completion_tokens\":%u,"
                   "\"client_gone\":%s}",
                   req->status, req->is_stream ? "true" : "false", (double)total_us / 1000.0,
                   (double)gateway_us / 1000.0, (double)req->upstream_us / 1000.0,
                   req->prompt_tokens, req->completion_tokens, req->client_gone ? "true" : "false");
    sy_log_raw(line.ptr, line.len);
    sy_buf_dispose(&line);
}

/* Runs when the request's pool is cleared: every request ends here exactly
 * once, whatever path it took. */
static void finish_request(void *p)
{
    struct sy_req *req = p;
    struct worker *w = worker_of(req->h2o_req);
    uint64_t total_us = sy_clock_us() - req->start_us;
    uint64_t gateway_us = total_us > req->upstream_us ? total_us - req->upstream_us : 0;
    const char *route = req->route != NULL ? req->route : "other";
    int status = req->status != 0 ? req->status : 499;

    if (req->client_gone && req->status != 0 && req->is_stream)
        status = req->status;
    sy_metrics_count(w->metrics, SY_M_REQUESTS, route, req->model != NULL ? req->model : "", status,
                     1);
    sy_metrics_observe(w->metrics, SY_M_REQUEST_DURATION, route, total_us);
    sy_metrics_observe(w->metrics, SY_M_GATEWAY_DURATION, route, gateway_us);
    sy_metrics_gauge_add(w->metrics, SY_M_ACTIVE_REQUESTS, -1);
    if (req->cfg != NULL) {
        double rate = req->cfg->log.sample_rate;
        bool sampled = rate > 0 && (double)(next_random(w) >> 11) / 9007199254740992.0 < rate;
        if (gateway_us >= (uint64_t)req->cfg->log.slow_ms * 1000u || sampled)
            access_log(req, total_us, gateway_us);
        sy_config_release(req->cfg);
    }
    __atomic_fetch_sub(&w->active, 1, __ATOMIC_RELAXED);
}

static bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
}

static void set_request_id(struct sy_req *req, struct worker *w)
{
    struct sy_str given = sy_req_header(req, "x-request-id");
    bool ok = given.ptr != NULL && given.len > 0 && given.len < sizeof(req->request_id);

    for (size_t i = 0; ok && i < given.len; i++)
        ok = is_token_char(given.ptr[i]);
    if (ok) {
        memcpy(req->request_id, given.ptr, given.len);
        req->request_id[given.len] = '\0';
        return;
    }
    snprintf(req->request_id, sizeof(req->request_id), "%s%08llx", w->id_prefix,
             (unsigned long long)++w->next_id);
}

static int on_req(h2o_handler_t *self, h2o_req_t *hreq)
{
    struct worker *w = worker_of(hreq);
    struct sy_pool *pool = (struct sy_pool *)&hreq->pool;
    struct sy_req *req = SY_POOL_NEW(pool, struct sy_req);
    size_t q;

    (void)self;
    req->start_us = sy_clock_us();
    req->pool = pool;
    req->h2o_req = hreq;
    req->worker_id = w->id;
    req->upstream = w->upstream;
    req->metrics = w->metrics;
    req->cfg = sy_config_acquire(w->cfg);
    __atomic_fetch_add(&w->active, 1, __ATOMIC_RELAXED);
    sy_metrics_gauge_add(w->metrics, SY_M_ACTIVE_REQUESTS, 1);
    sy_pool_defer(pool, finish_request, req);

    req->method = (struct sy_str){hreq->method.base, hreq->method.len};
    q = hreq->query_at != SIZE_MAX ? hreq->query_at : hreq->path.len;
    req->path = (struct sy_str){hreq->path.base, q};
    if (q < hreq->path.len)
        req->query = (struct sy_str){hreq->path.base + q + 1, hreq->path.len - q - 1};
    req->body =
        (struct sy_str){hreq->entity.base, hreq->entity.base != NULL ? hreq->entity.len : 0};
    for (size_t i = 0; i < hreq->headers.size; i++)
        req->header_bytes +=
            hreq->headers.entries[i].name->len + hreq->headers.entries[i].value.len;
    set_request_id(req, w);
    sy_api_handle(req);
    return 0;
}

/* ---- Workers ------------------------------------------------------------ */

static void on_accept(uv_stream_t *listener, int status)
{
    struct worker *w = listener->data;
    uv_tcp_t *conn;
    h2o_socket_t *sock;

    if (status != 0)
        return;
    conn = sy_xcalloc(1, sizeof(*conn));
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    uv_tcp_nodelay(conn, 1);
    sock = h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free);
    h2o_accept(&w->accept_ctx, sock);
}

static void on_wake(uv_async_t *async)
{
    struct worker *w = async->data;
    struct sy_config *next;
    bool drain, stop;

    pthread_mutex_lock(&w->lock);
    next = w->next_cfg;
    w->next_cfg = NULL;
    drain = w->drain_requested;
    stop = w->stop_requested;
    pthread_mutex_unlock(&w->lock);

    if (next != NULL) {
        sy_config_release(w->cfg);
        w->cfg = next;
    }
    if (drain && !w->draining) {
        w->draining = true;
        uv_close((uv_handle_t *)&w->listener, NULL);
        h2o_context_request_shutdown(&w->ctx);
    }
    if (stop)
        uv_stop(&w->loop);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    uv_run(&w->loop, UV_RUN_DEFAULT);
    sy_oauth_worker_dispose(); /* thread-local: on this thread, while w->upstream lives */
    sem_post(&w->stopped);
    /* Parked, not returned: h2o keeps per-thread free lists of memory in
     * thread-local storage, which a finished thread would orphan (and
     * LeakSanitizer report). The process exits right after. */
    for (;;)
        pause();
    return NULL;
}

/* Opens a listening socket on host:port with SO_REUSEPORT. Returns the fd or
 * -1 after logging. */
static int open_listener(const char *host, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd, on = 1, family;

    memset(&ss, 0, sizeof(ss));
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        family = sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        if (uv_inet_pton(AF_INET6, host, &sin6->sin6_addr) != 0)
            goto bad_addr;
        sslen = sizeof(*sin6);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        family = sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        if (uv_inet_pton(AF_INET, host, &sin->sin_addr) != 0)
            goto bad_addr;
        sslen = sizeof(*sin);
    }
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd == -1) {
        sy_log_error("listen: socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 || listen(fd, 4096) == -1) {
        int saved = errno;
        sy_log_error("listen: cannot listen on %s:%u: %s", host, port, strerror(saved));
        close(fd);
        return -1;
    }
    return fd;
bad_addr:
    sy_log_error("listen: %s is not an IP address", host);
    return -1;
}

static SSL_CTX *make_ssl_ctx(const struct sy_config *cfg)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->http.tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, cfg->http.tls_key, SSL_FILETYPE_PEM) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
        sy_log_error("tls: cannot load certificate or key: %s", buf);
        SSL_CTX_free(ctx);
        return NULL;
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}

static void start_worker(struct sy_server *srv, struct worker *w, struct sy_config *cfg)
{
    uint64_t seed = 0;

    w->srv = srv;
    w->cfg = sy_config_acquire(cfg);
    pthread_mutex_init(&w->lock, NULL);
    sem_init(&w->stopped, 0, 0);
    uv_loop_init(&w->loop);
    h2o_context_init(&w->ctx, &w->loop, &srv->globalconf);
    w->accept_ctx.ctx = &w->ctx;
    w->accept_ctx.hosts = srv->globalconf.hosts;
    w->accept_ctx.ssl_ctx = srv->ssl_ctx;
    w->upstream = sy_upstream_ctx_new(&w->loop);
    w->metrics = srv->shards[w->id];
    if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
        seed = sy_clock_us() ^ (uint64_t)w->id << 32;
    w->rng = seed | 1;
    snprintf(w->id_prefix, sizeof(w->id_prefix), "%016llx", (unsigned long long)seed);
    w->id_prefix[12] = '\0';
    uv_async_init(&w->loop, &w->wake, on_wake);
    w->wake.data = w;
    uv_tcp_init(&w->loop, &w->listener);
    uv_tcp_open(&w->listener, w->listen_fd);
    w->listener.data = w;
    uv_listen((uv_stream_t *)&w->listener, 4096, on_accept);
    pthread_create(&w->thread, NULL, worker_main, w);
}

int sy_server_start(struct sy_config *cfg, struct sy_server **out)
{
    struct sy_server *srv = sy_xcalloc(1, sizeof(*srv));
    h2o_hostconf_t *host;
    h2o_pathconf_t *path;
    h2o_handler_t *handler;
    size_t cap;

    h2o_config_init(&srv->globalconf);
    srv->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("switchyard"));
    /* h2o refuses bodies over this with its own plain 413 before reading
     * them; between max_body_bytes and here, api/ answers 413 in the API's
     * shape. Fixed at boot (a reload cannot raise it). */
    cap = cfg->http.max_body_bytes * 2;
    srv->globalconf.max_request_entity_size = cap < (8u << 20) ? (8u << 20) : cap;
    srv->globalconf.http1.req_timeout = cfg->http.read_timeout_ms;
    srv->globalconf.http2.idle_timeout = cfg->http.idle_timeout_ms;
    srv->globalconf.http2.graceful_shutdown_timeout = cfg->http.drain_timeout_ms;
    host = h2o_config_register_host(&srv->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    path = h2o_config_register_path(host, "/", 0);
    handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = on_req;

    if (cfg->http.tls_cert != NULL && cfg->http.tls_key != NULL) {
        srv->ssl_ctx = make_ssl_ctx(cfg);
        if (srv->ssl_ctx == NULL)
            goto fail;
    }

    srv->count = cfg->workers > 0 ? cfg->workers : 1;
    srv->workers = sy_xcalloc(srv->count, sizeof(*srv->workers));
    srv->shards = sy_xcalloc(srv->count, sizeof(*srv->shards));
    for (unsigned i = 0; i < srv->count; i++) {
        srv->workers[i].id = i;
        srv->workers[i].listen_fd = open_listener(cfg->listen_host, cfg->listen_port);
        if (srv->workers[i].listen_fd == -1) {
            for (unsigned j = 0; j < i; j++)
                close(srv->workers[j].listen_fd);
            goto fail;
        }
        srv->shards[i] = sy_metrics_shard_new();
    }
    running = srv;
    for (unsigned i = 0; i < srv->count; i++)
        start_worker(srv, &srv->workers[i], cfg);
    *out = srv;
    return 0;
fail:
    if (srv->shards != NULL)
        for (unsigned i = 0; i < srv->count; i++)
            sy_metrics_shard_free(srv->shards[i]);
    free(srv->shards);
    free(srv->workers);
    if (srv->ssl_ctx != NULL)
        SSL_CTX_free(srv->ssl_ctx);
    h2o_config_dispose(&srv->globalconf);
    free(srv);
    return -1;
}

void sy_server_swap_config(struct sy_server *srv, struct sy_config *cfg)
{
    for (unsigned i = 0; i < srv->count; i++) {
        struct worker *w = &srv->workers[i];
        struct sy_config *old;

        pthread_mutex_lock(&w->lock);
        old = w->next_cfg;
        w->next_cfg = sy_config_acquire(cfg);
        pthread_mutex_unlock(&w->lock);
        if (old != NULL)
            sy_config_release(old);
        uv_async_send(&w->wake);
    }
}

uint64_t sy_server_active_requests(const struct sy_server *srv)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < srv->count; i++)
        n += __atomic_load_n(&srv->workers[i].active, __ATOMIC_RELAXED);
    return n;
}

bool sy_server_is_draining(void)
{
    return __atomic_load_n(&draining_flag, __ATOMIC_RELAXED);
}

static void tell_workers(struct sy_server *srv, bool drain, bool stop)
{
    for (unsigned i = 0; i < srv->count; i++) {
        struct worker *w = &srv->workers[i];
        pthread_mutex_lock(&w->lock);
        w->drain_requested |= drain;
        w->stop_requested |= stop;
        pthread_mutex_unlock(&w->lock);
        uv_async_send(&w->wake);
    }
}

void sy_server_stop(struct sy_server *srv, uint32_t drain_ms)
{
    uint64_t deadline = sy_clock_ms() + drain_ms;
    uint64_t left;

    __atomic_store_n(&draining_flag, true, __ATOMIC_RELAXED);
    tell_workers(srv, true, false);
    while ((left = sy_server_active_requests(srv)) > 0 && sy_clock_ms() < deadline)
        usleep(20 * 1000);
    if (left > 0)
        sy_log_warn("shutdown: drain deadline passed with %llu requests in flight",
                    (unsigned long long)left);
    tell_workers(srv, true, true);
    for (unsigned i = 0; i < srv->count; i++)
        while (sem_wait(&srv->workers[i].stopped) != 0)
            ;
    /* Connections still open and their requests stay referenced from the
     * stopped loops, which `running` keeps reachable: the process exits next. */
}

void sy_server_render_metrics(struct sy_buf *out)
{
    if (running != NULL)
        sy_metrics_render(running->shards, running->count, out);
}
