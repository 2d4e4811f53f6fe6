/* upstream/upstream.c - libcurl's multi interface on a libuv loop.
 *
 * curl tells us which sockets to watch (on_socket) and when to wake it
 * (on_multi_timer); libuv tells curl when a socket is ready
 * (curl_multi_socket_action). Finished transfers are collected after every
 * action. Besides curl's own connect and total timeouts, each transfer has a
 * uv_timer for "first byte" and "stream idle", which curl does not offer.
 *
 * A transfer may be cancelled from inside its own handlers (a client that
 * went away while we were writing to it): curl forbids removing a handle from
 * its callbacks, so such a cancel is only recorded, and carried out when curl
 * returns.
 *
 * Plain http:// to an IP literal or localhost without a proxy does not come
 * here: sy_upstream_start() hands it to h1.c, the lean HTTP/1.1 client
 * (upstream_int.h). */
#include "upstream/upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uv.h>

#include "core/alloc.h"
#include "core/log.h"
#include "upstream/upstream_int.h"

#define FREE_EASY_MAX 256

struct sy_upstream_ctx {
    uv_loop_t *loop;
    struct sy__h1_ctx *h1; /* NULL when SWITCHYARD_UPSTREAM_CURL_ONLY=1 */
    CURLM *multi;
    uv_timer_t timer;
    CURL *free_easy[FREE_EASY_MAX];
    unsigned free_count;
    unsigned active;
    bool closing;
    struct transfer *transfers; /* in progress, for sy_upstream_ctx_free() */
    struct sock_ctx **socks;    /* by fd: poll handles kept while curl keeps the socket */
    size_t socks_cap;
};

/* A curl transfer. */
struct transfer {
    struct sy_upstream base; /* first: the public handle */
    struct sy_upstream_ctx *ctx;
    struct transfer *prev, *next; /* in ctx->transfers */
    CURL *easy;
    struct curl_slist *headers;
    uv_timer_t timer; /* first byte / idle; closing it frees the transfer */
    const struct sy_upstream_handlers *h;
    void *hctx;
    struct sy_config_timeouts timeouts;
    bool allow_private;
    bool in_callback;
    bool cancelled;
    bool head_seen;
    bool paused;
    bool blocked;
    bool aborted;
    bool timed_out;
    int status;
    char content_type[128];
    char retry_after[32];
};

struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    struct sy_upstream_ctx *ctx;
};

static const char *const result_names[SY_UPSTREAM_RESULT_COUNT] = {
    "ok", "connect", "timeout", "reset", "aborted", "blocked", "failed",
};

const char *sy_upstream_result_name(enum sy_upstream_result res)
{
    return (unsigned)res < SY_UPSTREAM_RESULT_COUNT ? result_names[res] : "failed";
}

/* ---- Driving curl from libuv ------------------------------------------- */

static void check_done(struct sy_upstream_ctx *ctx);

static void on_poll(uv_poll_t *handle, int status, int events)
{
    struct sock_ctx *sc = handle->data;
    struct sy_upstream_ctx *ctx = sc->ctx;
    int flags = 0, running;

    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(ctx->multi, sc->fd, flags, &running);
    check_done(ctx);
}

static void free_sock_ctx(uv_handle_t *handle)
{
    free(handle->data);
}

/* curl tells us to stop watching a socket each time a connection goes back
 * to its pool, and to watch it again when the connection is reused. Keeping
 * the poll handle (by fd) until curl closes the socket saves creating and
 * destroying one per request. */
static struct sock_ctx *sock_for(struct sy_upstream_ctx *ctx, curl_socket_t fd)
{
    struct sock_ctx *sc;

    if ((size_t)fd >= ctx->socks_cap) {
        size_t cap = ctx->socks_cap ? ctx->socks_cap : 64;
        while (cap <= (size_t)fd)
            cap *= 2;
        ctx->socks = sy_xrealloc(ctx->socks, cap * sizeof(*ctx->socks));
        memset(ctx->socks + ctx->socks_cap, 0, (cap - ctx->socks_cap) * sizeof(*ctx->socks));
        ctx->socks_cap = cap;
    }
    if (ctx->socks[fd] != NULL)
        return ctx->socks[fd];
    sc = sy_xcalloc(1, sizeof(*sc));
    sc->fd = fd;
    sc->ctx = ctx;
    if (uv_poll_init_socket(ctx->loop, &sc->poll, fd) != 0) {
        free(sc);
        return NULL;
    }
    sc->poll.data = sc;
    ctx->socks[fd] = sc;
    return sc;
}

static int on_close_socket(void *userp, curl_socket_t fd)
{
    struct sy_upstream_ctx *ctx = userp;

    if ((size_t)fd < ctx->socks_cap && ctx->socks[fd] != NULL) {
        /* uv_close() drops the fd from epoll at once; only the memory waits. */
        uv_close((uv_handle_t *)&ctx->socks[fd]->poll, free_sock_ctx);
        ctx->socks[fd] = NULL;
    }
    return close(fd);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct sy_upstream_ctx *ctx = userp;
    struct sock_ctx *sc = socketp;
    int events = 0;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (sc != NULL)
            uv_poll_stop(&sc->poll);
        return 0;
    }
    if (sc == NULL) {
        sc = sock_for(ctx, fd);
        if (sc == NULL)
            return -1;
        curl_multi_assign(ctx->multi, fd, sc);
    }
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&sc->poll, events, on_poll);
    return 0;
}

static void on_multi_timeout(uv_timer_t *timer)
{
    struct sy_upstream_ctx *ctx = timer->data;
    int running;

    curl_multi_socket_action(ctx->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(ctx);
}

static int on_multi_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct sy_upstream_ctx *ctx = userp;

    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(&ctx->timer);
    else
        uv_timer_start(&ctx->timer, on_multi_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

static bool is_env_true(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

struct sy_upstream_ctx *sy_upstream_ctx_new(struct uv_loop_s *loop)
{
    struct sy_upstream_ctx *ctx = sy_xcalloc(1, sizeof(*ctx));

    ctx->loop = loop;
    ctx->multi = curl_multi_init();
    if (ctx->multi == NULL) {
        free(ctx);
        return NULL;
    }
    /* The fast path can be switched off, to compare or to rule it out. */
    if (!is_env_true("SWITCHYARD_UPSTREAM_CURL_ONLY"))
        ctx->h1 = sy__h1_ctx_new(loop);
    uv_timer_init(loop, &ctx->timer);
    ctx->timer.data = ctx;
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETDATA, ctx);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERFUNCTION, on_multi_timer);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERDATA, ctx);
    curl_multi_setopt(ctx->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(ctx->multi, CURLMOPT_MAXCONNECTS, 1024L);
    return ctx;
}

/* ---- Transfers ---------------------------------------------------------- */

static void free_transfer(uv_handle_t *handle)
{
    free(handle->data);
}

/* Detaches `t` from curl, recycles its easy handle and frees it (after libuv
 * closed its timer). */
static void finish(struct transfer *t)
{
    struct sy_upstream_ctx *ctx = t->ctx;

    curl_multi_remove_handle(ctx->multi, t->easy);
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    if (ctx->free_count < FREE_EASY_MAX && !ctx->closing) {
        curl_easy_reset(t->easy);
        ctx->free_easy[ctx->free_count++] = t->easy;
    } else {
        curl_easy_cleanup(t->easy);
    }
    t->easy = NULL;
    ctx->active--;
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        ctx->transfers = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    uv_timer_stop(&t->timer);
    uv_close((uv_handle_t *)&t->timer, free_transfer);
}

static enum sy_upstream_result map_result(const struct transfer *t, CURLcode code)
{
    if (t->blocked)
        return SY_UPSTREAM_BLOCKED;
    if (t->timed_out)
        return SY_UPSTREAM_TIMEOUT;
    if (t->aborted)
        return SY_UPSTREAM_ABORTED;
    switch (code) {
    case CURLE_OK:
        return SY_UPSTREAM_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return t->head_seen ? SY_UPSTREAM_RESET : SY_UPSTREAM_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return SY_UPSTREAM_TIMEOUT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
        return SY_UPSTREAM_RESET;
    default:
        return SY_UPSTREAM_FAILED;
    }
}

static void check_done(struct sy_upstream_ctx *ctx)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(ctx->multi, &left)) != NULL) {
        struct transfer *t;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        CURLcode code = msg->data.result;
        enum sy_upstream_result res = map_result(t, code);
        const struct sy_upstream_handlers *h = t->h;
        void *hctx = t->hctx;
        bool cancelled = t->cancelled;

        finish(t); /* msg is invalid from here on */
        if (!cancelled)
            h->on_done(hctx, res, res == SY_UPSTREAM_OK ? NULL : curl_easy_strerror(code));
    }
}

static void arm_timer(struct transfer *t, uint32_t ms);

static void on_transfer_timeout(uv_timer_t *timer)
{
    struct transfer *t = timer->data;
    const struct sy_upstream_handlers *h = t->h;
    void *hctx = t->hctx;

    t->timed_out = true;
    finish(t);
    h->on_done(hctx, SY_UPSTREAM_TIMEOUT,
               t->head_seen ? "stream idle timeout" : "first byte timeout");
}

static void arm_timer(struct transfer *t, uint32_t ms)
{
    if (ms > 0)
        uv_timer_start(&t->timer, on_transfer_timeout, ms, 0);
    else
        uv_timer_stop(&t->timer);
}

/* Copies a header value without its trailing CRLF and leading blanks. */
static void copy_value(char *dst, size_t cap, const char *v, size_t len)
{
    while (len > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * nmemb;

    if (t->cancelled)
        return 0;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after 1xx, or a proxy's CONNECT answer). */
        t->content_type[0] = t->retry_after[0] = '\0';
        return len;
    }
    if (len > 13 && strncasecmp(data, "content-type:", 13) == 0)
        copy_value(t->content_type, sizeof(t->content_type), data + 13, len - 13);
    else if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0)
        copy_value(t->retry_after, sizeof(t->retry_after), data + 12, len - 12);
    else if ((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n')) {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200)
            return len; /* an interim answer; the real head follows */
        if (t->head_seen)
            return len; /* trailers */
        t->head_seen = true;
        t->status = (int)status;
        struct sy_upstream_head head = {
            .status = (int)status,
            .content_type = sy_str_c(t->content_type),
            .retry_after = sy_str_c(t->retry_after),
        };
        arm_timer(t, t->timeouts.stream_idle_ms);
        t->in_callback = true;
        int rc = t->h->on_head(t->hctx, &head);
        t->in_callback = false;
        if (rc != 0 || t->cancelled) {
            t->aborted = true;
            return 0;
        }
    }
    return len;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * nmemb;
    int rc;

    if (t->cancelled)
        return 0;
    t->in_callback = true;
    rc = t->h->on_body(t->hctx, data, len);
    t->in_callback = false;
    if (t->cancelled || rc < 0) {
        t->aborted = true;
        return 0;
    }
    if (rc == SY_UPSTREAM_PAUSE) {
        t->paused = true;
        uv_timer_stop(&t->timer); /* a slow client is not an idle provider */
        return CURL_WRITEFUNC_PAUSE;
    }
    arm_timer(t, t->timeouts.stream_idle_ms);
    return len;
}

/* The SSRF guard: link-local (169.254/16, cloud metadata), fe80::/10 and the
 * IPv6 metadata address fd00:ec2::254. */
bool sy__upstream_is_blocked_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        uint32_t ip = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
        return (ip >> 16) == 0xa9fe /* 169.254.0.0/16 */ || ip == 0x64646480 /* 100.100.100.200 */;
    }
    if (sa->sa_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const uint8_t ec2[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0,    0,
                                        0,    0, 0,    0,    0, 0, 0x02, 0x54};
        if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
            return true;
        if (memcmp(a, ec2, 16) == 0)
            return true;
        /* IPv4-mapped: check the IPv4 part. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0)
            return a[12] == 169 && a[13] == 254;
    }
    return false;
}

static curl_socket_t on_open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct transfer *t = userp;

    (void)purpose;
    if (!t->allow_private && sy__upstream_is_blocked_address(&addr->addr)) {
        t->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

struct sy_upstream *sy_upstream_start(struct sy_upstream_ctx *ctx,
                                      const struct sy_upstream_request *req,
                                      const struct sy_upstream_handlers *handlers, void *hctx)
{
    struct transfer *t;
    struct sy_upstream *fast;
    CURL *easy;

    if (ctx->closing)
        return NULL;
    if (sy__h1_try_start(ctx->h1, req, handlers, hctx, &fast))
        return fast;
    easy = ctx->free_count > 0 ? ctx->free_easy[--ctx->free_count] : curl_easy_init();
    if (easy == NULL)
        return NULL;
    t = sy_xcalloc(1, sizeof(*t));
    t->base.backend = SY__UPSTREAM_CURL;
    t->ctx = ctx;
    t->easy = easy;
    t->h = handlers;
    t->hctx = hctx;
    t->timeouts = req->timeouts;
    t->allow_private = req->allow_private;
    uv_timer_init(ctx->loop, &t->timer);
    t->timer.data = t;

    for (size_t i = 0; i < req->headers_count; i++)
        t->headers = curl_slist_append(t->headers, req->headers[i]);
    /* No "Expect: 100-continue" round trip for large bodies. */
    t->headers = curl_slist_append(t->headers, "Expect:");

    curl_easy_setopt(easy, CURLOPT_URL, req->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, ctx);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)req->timeouts.connect_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)req->timeouts.total_ms);
    /* No proxy configured means direct: "" also keeps curl from reading
     * http_proxy and friends from the environment. */
    curl_easy_setopt(easy, CURLOPT_PROXY, req->proxy != NULL ? req->proxy : "");
    if (req->is_get) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body.ptr);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
    }
    if (curl_multi_add_handle(ctx->multi, easy) != CURLM_OK) {
        curl_slist_free_all(t->headers);
        curl_easy_cleanup(easy);
        uv_close((uv_handle_t *)&t->timer, free_transfer);
        return NULL;
    }
    ctx->active++;
    t->next = ctx->transfers;
    if (t->next != NULL)
        t->next->prev = t;
    ctx->transfers = t;
    arm_timer(t, req->timeouts.first_byte_ms > 0
                     ? req->timeouts.first_byte_ms + req->timeouts.connect_ms
                     : 0);
    return &t->base;
}

void sy_upstream_cancel(struct sy_upstream *handle)
{
    struct transfer *t = (struct transfer *)handle;

    if (handle == NULL)
        return;
    if (handle->backend == SY__UPSTREAM_H1) {
        sy__h1_cancel(handle);
        return;
    }
    if (t->cancelled)
        return;
    t->cancelled = true;
    if (t->in_callback)
        return; /* carried out when curl returns: the callback answers 0 bytes */
    finish(t);
}

void sy_upstream_resume(struct sy_upstream *handle)
{
    struct transfer *t = (struct transfer *)handle;

    if (handle == NULL)
        return;
    if (handle->backend == SY__UPSTREAM_H1) {
        sy__h1_resume(handle);
        return;
    }
    if (!t->paused || t->cancelled)
        return;
    t->paused = false;
    arm_timer(t, t->timeouts.stream_idle_ms);
    curl_easy_pause(t->easy, CURLPAUSE_CONT);
}

unsigned sy_upstream_active(const struct sy_upstream_ctx *ctx)
{
    return ctx->active + sy__h1_active(ctx->h1);
}

void sy__upstream_h1_stats(const struct sy_upstream_ctx *ctx, struct sy__h1_stats *out)
{
    sy__h1_get_stats(ctx->h1, out);
}

static void free_ctx(uv_handle_t *handle)
{
    free(handle->data);
}

void sy_upstream_ctx_free(struct sy_upstream_ctx *ctx)
{
    if (ctx == NULL)
        return;
    ctx->closing = true;
    sy__h1_ctx_free(ctx->h1);
    ctx->h1 = NULL;
    while (ctx->transfers != NULL) {
        ctx->transfers->cancelled = true;
        finish(ctx->transfers);
    }
    for (unsigned i = 0; i < ctx->free_count; i++)
        curl_easy_cleanup(ctx->free_easy[i]);
    ctx->free_count = 0;
    curl_multi_cleanup(ctx->multi);
    for (size_t fd = 0; fd < ctx->socks_cap; fd++)
        if (ctx->socks[fd] != NULL)
            uv_close((uv_handle_t *)&ctx->socks[fd]->poll, free_sock_ctx);
    free(ctx->socks);
    uv_close((uv_handle_t *)&ctx->timer, free_ctx);
}
