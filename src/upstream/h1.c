/* upstream/h1.c - the plain HTTP/1.1 fast path: a lean client on libuv.
 *
 * For http:// URLs whose host is an IP literal or "localhost", with no
 * proxy (upstream_int.h says who decides). Measured on a proxied chat
 * request, curl cost about as much CPU as the rest of the gateway: two
 * poll() liveness checks, a uv_poll stop/start pair and its own allocations
 * per request. Here a request on a pooled connection costs one writev(),
 * one read() and no allocation beyond the transfer itself.
 *
 * Connections are pooled per worker and per (address, port), most recently
 * used first, at most IDLE_MAX_PER_ADDRESS idle ones each, closed after
 * IDLE_TIMEOUT_MS. Reading stays on while a connection is idle, so a server
 * closing it is noticed at once and the connection dropped; bytes arriving
 * on an idle connection drop it too. A server may still close a connection
 * just as we reuse it: a request that fails on a pooled connection before
 * any response byte (EOF, reset, broken pipe) is sent again, once, on a new
 * connection, as curl does.
 *
 * Bytes are read into one buffer per worker and handed to the handlers as
 * views into it. Only what must outlive a read is copied into the transfer:
 * a head split across reads, or body bytes that on_body paused on (they are
 * delivered again, from the copy, by sy_upstream_resume()).
 *
 * Each connection has one timer: the deadlines of its transfer (connect,
 * first byte, stream idle, total; the same rules as the curl path), or its
 * idle timeout while pooled. The stream idle deadline moves with every read
 * without touching the timer: when it fires early it is simply re-armed.
 *
 * A handler may cancel its own transfer (a client write that finds the
 * client gone). The transfer then closes its connection at once, but its
 * memory lives until the outermost callback working on it returns (`busy`).
 * Failures found while starting (the SSRF guard, a connect() that fails at
 * once) are reported from a zero timer, never from inside
 * sy_upstream_start(). */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "core/alloc.h"
#include "core/str.h"
#include "upstream/h1_parse.h"
#include "upstream/upstream_int.h"

#define READ_BUF_BYTES       (64 * 1024) /* one per worker */
#define KEPT_MIN_ROOM        4096        /* offered per read while a head is incomplete */
#define IDLE_MAX_PER_ADDRESS 256
#define IDLE_TIMEOUT_MS      30000
#define CONNECT_DEFAULT_MS   300000 /* curl's default when connect_ms is 0 */

/* One upstream address and its idle connections. */
struct address {
    union sy__h1_sockaddr sa;
    struct conn *idle; /* most recently used first */
    unsigned idle_count;
};

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer; /* the transfer's deadlines, or the idle timeout */
    uv_connect_t connect_req;
    uv_write_t write_req;
    struct sy__h1_ctx *h1;
    struct address *addr;
    struct transfer *t;               /* NULL while idle or closing */
    struct conn *prev, *next;         /* in addr->idle while idle */
    struct conn *all_prev, *all_next; /* in h1->conns until closed */
    unsigned open_handles;
    bool is_connected;
    bool is_idle;
    bool is_closing;
    bool is_writing; /* a uv_write is pending */
    bool is_reading;
};

struct transfer {
    struct sy_upstream base; /* first: the public handle */
    struct sy__h1_ctx *h1;
    struct transfer *prev, *next; /* in h1->transfers until finished */
    struct transfer *next_deferred;
    struct conn *conn;
    struct address *addrs[SY__H1_MAX_ADDRESSES];
    unsigned addr_count, addr_index;
    const struct sy_upstream_handlers *h;
    void *hctx;
    struct sy_config_timeouts timeouts;
    bool allow_private;
    struct sy_str body;
    uint64_t start_ms, connect_start_ms, last_read_ms;
    struct sy_h1_parser parser;
    struct sy_buf kept; /* bytes that must outlive a read (see the top) */
    size_t kept_span;   /* the first kept_span kept bytes are body paused on */
    enum sy_upstream_result deferred_res;
    const char *deferred_detail;
    unsigned busy;    /* callbacks working on the transfer: free it at 0 */
    bool is_finished; /* done or cancelled: no handler fires any more */
    bool is_starting; /* inside sy_upstream_start(): failures are deferred */
    bool is_deferred; /* on h1->deferred */
    bool head_seen;   /* the final head was handed to on_head */
    bool is_keep_alive;
    bool is_paused;
    bool got_bytes; /* on this connection */
    bool request_sent;
    bool reused; /* this connection came from the pool */
    bool retried;
    size_t head_len;
    char head[]; /* the request line and header fields */
};

struct sy__h1_ctx {
    uv_loop_t *loop;
    uv_timer_t notify; /* reports failures found while starting */
    struct transfer *transfers;
    struct transfer *deferred, *deferred_tail; /* oldest first */
    struct conn *conns;
    struct address **addrs;
    size_t addrs_count;
    unsigned active;
    bool is_closing;
    struct sy__h1_stats stats;
    char rbuf[READ_BUF_BYTES];
};

/* ---- Transfers: ending them, deadlines -------------------------------------- */

static void free_transfer(struct transfer *t)
{
    sy_buf_dispose(&t->kept);
    free(t);
}

static void unlink_transfer(struct transfer *t)
{
    struct sy__h1_ctx *h1 = t->h1;

    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        h1->transfers = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    h1->active--;
    if (t->is_deferred) {
        struct transfer **pp = &h1->deferred, *before = NULL;
        while (*pp != t) {
            before = *pp;
            pp = &(*pp)->next_deferred;
        }
        *pp = t->next_deferred;
        if (h1->deferred_tail == t)
            h1->deferred_tail = before;
        t->is_deferred = false;
    }
}

/* Ends the work of one callback on `t`; frees it when it was the last. */
static void release(struct transfer *t)
{
    if (--t->busy == 0 && t->is_finished)
        free_transfer(t);
}

static void conn_close(struct conn *c);

/* Detaches `t` from its connection and closes that connection. */
static void drop_conn(struct transfer *t)
{
    struct conn *c = t->conn;

    if (c == NULL)
        return;
    c->t = NULL;
    t->conn = NULL;
    conn_close(c);
}

/* Fires on_done. The caller holds `busy`, so `t` stays readable. */
static void finish(struct transfer *t, enum sy_upstream_result res, const char *detail)
{
    if (t->is_finished)
        return;
    t->is_finished = true;
    unlink_transfer(t);
    t->h->on_done(t->hctx, res, detail);
}

static void on_notify(uv_timer_t *timer)
{
    struct sy__h1_ctx *h1 = timer->data;
    size_t count = 0;

    /* At most as many as are queued now: the on_done handlers may start
     * transfers that fail at once, and each takes a turn of the loop. The
     * queue stays in `h1` so that a handler may cancel any of them. */
    for (struct transfer *t = h1->deferred; t != NULL; t = t->next_deferred)
        count++;
    while (count-- > 0 && h1->deferred != NULL) {
        struct transfer *t = h1->deferred;
        h1->deferred = t->next_deferred;
        if (h1->deferred == NULL)
            h1->deferred_tail = NULL;
        t->is_deferred = false;
        t->busy++;
        finish(t, t->deferred_res, t->deferred_detail);
        release(t);
    }
    if (h1->deferred != NULL)
        uv_timer_start(&h1->notify, on_notify, 0, 0);
}

/* The transfer failed: closes its connection and reports `res`. */
static void fail(struct transfer *t, enum sy_upstream_result res, const char *detail)
{
    struct sy__h1_ctx *h1 = t->h1;

    if (t->is_finished)
        return;
    drop_conn(t);
    if (t->is_starting) {
        if (t->is_deferred)
            return;
        t->deferred_res = res;
        t->deferred_detail = detail;
        t->is_deferred = true;
        t->next_deferred = NULL;
        if (h1->deferred_tail != NULL)
            h1->deferred_tail->next_deferred = t;
        else
            h1->deferred = t;
        h1->deferred_tail = t;
        uv_timer_start(&h1->notify, on_notify, 0, 0);
        return;
    }
    finish(t, res, detail);
}

/* The earliest deadline that applies to `t` now, in loop milliseconds, and
 * its name; UINT64_MAX when none does. */
static uint64_t next_deadline(const struct transfer *t, const char **what)
{
    const struct sy_config_timeouts *to = &t->timeouts;
    uint64_t at = UINT64_MAX;

#define CONSIDER(when, name) \
    do {                     \
        if ((when) < at) {   \
            at = (when);     \
            *what = (name);  \
        }                    \
    } while (0)

    if (to->total_ms > 0)
        CONSIDER(t->start_ms + to->total_ms, "total timeout");
    if (t->conn != NULL && !t->conn->is_connected)
        CONSIDER(t->connect_start_ms + (to->connect_ms > 0 ? to->connect_ms : CONNECT_DEFAULT_MS),
                 "connect timeout");
    if (!t->head_seen && to->first_byte_ms > 0)
        CONSIDER(t->start_ms + to->connect_ms + to->first_byte_ms, "first byte timeout");
    if (t->head_seen && !t->is_paused && to->stream_idle_ms > 0)
        CONSIDER(t->last_read_ms + to->stream_idle_ms, "stream idle timeout");
#undef CONSIDER
    return at;
}

static void on_transfer_timer(uv_timer_t *timer);

static void arm(struct transfer *t)
{
    struct conn *c = t->conn;
    const char *what = NULL;
    uint64_t at, now;

    if (c == NULL || c->is_closing)
        return;
    at = next_deadline(t, &what);
    if (at == UINT64_MAX) {
        uv_timer_stop(&c->timer);
        return;
    }
    now = uv_now(t->h1->loop);
    uv_timer_start(&c->timer, on_transfer_timer, at > now ? at - now : 0, 0);
}

static void on_transfer_timer(uv_timer_t *timer)
{
    struct conn *c = timer->data;
    struct transfer *t = c->t;
    const char *what = "timeout";

    if (t == NULL)
        return;
    if (next_deadline(t, &what) > uv_now(t->h1->loop)) {
        arm(t); /* a read moved the stream idle deadline */
        return;
    }
    t->busy++;
    fail(t, SY_UPSTREAM_TIMEOUT, what);
    release(t);
}

/* ---- Connections and requests ------------------------------------------------ */

static void on_conn_closed(uv_handle_t *handle)
{
    struct conn *c = handle->data;

    if (--c->open_handles == 0)
        free(c);
}

static void unlink_idle(struct conn *c)
{
    struct address *a = c->addr;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        a->idle = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->is_idle = false;
    a->idle_count--;
    c->h1->stats.idle--;
}

/* Closes `c` for good: a pending write is cancelled, the memory goes when
 * libuv has closed both handles. */
static void conn_close(struct conn *c)
{
    struct sy__h1_ctx *h1 = c->h1;

    if (c->is_closing)
        return;
    c->is_closing = true;
    if (c->is_idle)
        unlink_idle(c);
    if (c->t != NULL) {
        c->t->conn = NULL;
        c->t = NULL;
    }
    if (c->all_prev != NULL)
        c->all_prev->all_next = c->all_next;
    else
        h1->conns = c->all_next;
    if (c->all_next != NULL)
        c->all_next->all_prev = c->all_prev;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
    uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void on_idle_timeout(uv_timer_t *timer)
{
    conn_close(timer->data);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void start_reading(struct conn *c)
{
    if (c->is_reading || c->is_closing)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->is_reading = true;
}

static void stop_reading(struct conn *c)
{
    if (!c->is_reading || c->is_closing)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->is_reading = false;
}

/* Puts a connection whose response ended cleanly back in its pool. */
static void pool_put(struct conn *c)
{
    struct address *a = c->addr;

    if (c->h1->is_closing || a->idle_count >= IDLE_MAX_PER_ADDRESS) {
        conn_close(c);
        return;
    }
    c->is_idle = true;
    c->prev = NULL;
    c->next = a->idle;
    if (a->idle != NULL)
        a->idle->prev = c;
    a->idle = c;
    a->idle_count++;
    c->h1->stats.idle++;
    start_reading(c); /* a close by the server must be noticed while idle */
    uv_timer_start(&c->timer, on_idle_timeout, IDLE_TIMEOUT_MS, 0);
}

static struct conn *pool_pop(struct address *a)
{
    struct conn *c = a->idle;

    if (c != NULL)
        unlink_idle(c);
    return c;
}

static void attach(struct transfer *t, struct conn *c)
{
    c->t = t;
    t->conn = c;
    t->got_bytes = false;
    t->request_sent = false;
}

static void on_write(uv_write_t *req, int status);
static void conn_failed(struct transfer *t, int err);

/* Sends the request on t->conn: uv_try_write() first (one writev() is the
 * usual case), uv_write() for what is left. */
static void send_request(struct transfer *t)
{
    struct conn *c = t->conn;
    uv_buf_t bufs[2] = {
        uv_buf_init(t->head, (unsigned)t->head_len),
        uv_buf_init((char *)t->body.ptr, (unsigned)t->body.len),
    };
    unsigned count = t->body.len > 0 ? 2 : 1, first = 0;
    int n = uv_try_write((uv_stream_t *)&c->tcp, bufs, count);

    if (n == UV_EAGAIN || n == UV_ENOSYS)
        n = 0;
    if (n < 0) {
        conn_failed(t, n);
        return;
    }
    size_t written = (size_t)n;
    while (first < count && written >= bufs[first].len)
        written -= bufs[first++].len;
    if (first == count) {
        t->request_sent = true;
        return;
    }
    bufs[first].base += written;
    bufs[first].len -= written;
    n = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, bufs + first, count - first, on_write);
    if (n < 0) {
        conn_failed(t, n);
        return;
    }
    c->is_writing = true;
}

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    struct transfer *t = c->t;

    c->is_writing = false;
    if (status == UV_ECANCELED || c->is_closing || t == NULL)
        return;
    if (status < 0) {
        /* Once the answer has begun, let reading tell how it ends (a server
         * may answer early and close); the connection is not reused. */
        if (t->got_bytes)
            return;
        t->busy++;
        conn_failed(t, status);
        release(t);
        return;
    }
    t->request_sent = true;
}

static void connect_next(struct transfer *t);

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    struct transfer *t = c->t;

    if (status == UV_ECANCELED || c->is_closing || t == NULL)
        return;
    t->busy++;
    if (status < 0) {
        drop_conn(t);
        if (status == UV_ETIMEDOUT) {
            fail(t, SY_UPSTREAM_TIMEOUT, "connect timeout");
        } else if (t->addr_index + 1 < t->addr_count) {
            t->addr_index++;
            connect_next(t);
        } else {
            fail(t, SY_UPSTREAM_CONNECT, uv_strerror(status));
        }
    } else {
        c->is_connected = true;
        start_reading(c);
        arm(t);
        send_request(t);
    }
    release(t);
}

/* Opens a new connection to t->addrs[t->addr_index] and sends on it once
 * connected. */
static void connect_next(struct transfer *t)
{
    struct sy__h1_ctx *h1 = t->h1;
    struct address *a = t->addrs[t->addr_index];
    struct conn *c;
    int rc;

    if (!t->allow_private && sy__upstream_is_blocked_address(&a->sa.sa)) {
        fail(t, SY_UPSTREAM_BLOCKED, "address blocked (link-local or metadata)");
        return;
    }
    c = sy_xcalloc(1, sizeof(*c));
    c->h1 = h1;
    c->addr = a;
    if (uv_tcp_init_ex(h1->loop, &c->tcp, a->sa.sa.sa_family) != 0) {
        free(c);
        fail(t, SY_UPSTREAM_CONNECT, "cannot create a socket");
        return;
    }
    uv_timer_init(h1->loop, &c->timer);
    c->tcp.data = c->timer.data = c->connect_req.data = c->write_req.data = c;
    c->open_handles = 2;
    c->all_next = h1->conns;
    if (h1->conns != NULL)
        h1->conns->all_prev = c;
    h1->conns = c;
    h1->stats.connects++;
    attach(t, c);
    t->reused = false;
    t->connect_start_ms = uv_now(h1->loop);
    uv_tcp_nodelay(&c->tcp, 1);
    rc = uv_tcp_connect(&c->connect_req, &c->tcp, &a->sa.sa, on_connect);
    if (rc != 0) {
        drop_conn(t);
        fail(t, SY_UPSTREAM_CONNECT, uv_strerror(rc));
        return;
    }
    arm(t);
}

/* Sends `t` on a pooled connection when there is one, else on a new one. */
static void begin(struct transfer *t)
{
    for (unsigned i = 0; i < t->addr_count; i++) {
        /* Also for pooled connections: one opened by a request that was
         * allowed private addresses must not serve one that is not. */
        if (!t->allow_private && sy__upstream_is_blocked_address(&t->addrs[i]->sa.sa)) {
            fail(t, SY_UPSTREAM_BLOCKED, "address blocked (link-local or metadata)");
            return;
        }
    }
    for (unsigned i = 0; i < t->addr_count; i++) {
        struct conn *c = pool_pop(t->addrs[i]);
        if (c == NULL)
            continue;
        t->addr_index = i;
        attach(t, c);
        t->reused = true;
        t->h1->stats.reuses++;
        arm(t);
        send_request(t);
        return;
    }
    t->addr_index = 0;
    connect_next(t);
}

/* The connection broke (EOF, read or write error) before the response
 * ended. */
static void conn_failed(struct transfer *t, int err)
{
    if (t->is_finished)
        return;
    if (t->got_bytes) {
        fail(t, SY_UPSTREAM_RESET,
             t->head_seen ? "connection closed mid-response" : "connection closed in the head");
        return;
    }
    if (t->reused && !t->retried && (err == UV_EOF || err == UV_ECONNRESET || err == UV_EPIPE)) {
        /* The server closed the pooled connection as we reused it. */
        t->retried = true;
        t->h1->stats.retries++;
        drop_conn(t);
        connect_next(t);
        return;
    }
    fail(t, SY_UPSTREAM_RESET,
         err == UV_EOF ? "connection closed before the response" : uv_strerror(err));
}

/* ---- Responses ------------------------------------------------------------ */

/* The response ended cleanly; `extra` bytes followed it. */
static void complete(struct transfer *t, bool extra)
{
    struct conn *c = t->conn;

    if (c != NULL) {
        c->t = NULL;
        t->conn = NULL;
        if (t->is_keep_alive && !extra && t->request_sent && !c->is_writing)
            pool_put(c);
        else
            conn_close(c);
    }
    finish(t, SY_UPSTREAM_OK, NULL);
}

/* Handles `len` response bytes at `data`. Returns how many were used; the
 * caller keeps the rest (an incomplete head, or body bytes paused on, whose
 * first t->kept_span bytes are the view on_body did not take). The caller
 * holds `busy`; the transfer may be finished on return. */
static size_t process(struct transfer *t, const char *data, size_t len)
{
    size_t off = 0;

    while (!t->head_seen) {
        struct sy_h1_head head;
        ssize_t n = sy_h1_parse_head(&t->parser, data + off, len - off, &head);
        int rc;

        if (n == SY_H1_NEED_MORE)
            return off;
        if (n < 0) {
            fail(t, SY_UPSTREAM_RESET, "malformed or oversized response head");
            return len;
        }
        off += (size_t)n;
        if (head.status < 200)
            continue;
        t->head_seen = true;
        t->is_keep_alive = head.is_keep_alive;
        arm(t);
        struct sy_upstream_head uhead = {
            .status = head.status,
            .content_type = head.content_type,
            .retry_after = head.retry_after,
        };
        rc = t->h->on_head(t->hctx, &uhead);
        if (t->is_finished)
            return len;
        if (rc != 0) {
            fail(t, SY_UPSTREAM_ABORTED, "aborted by the response head handler");
            return len;
        }
    }
    while (!sy_h1_is_done(&t->parser)) {
        struct sy_str body;
        ssize_t n;
        int rc;

        if (off == len)
            return off;
        n = sy_h1_parse_body(&t->parser, data + off, len - off, &body);
        if (n < 0) {
            fail(t, SY_UPSTREAM_RESET, "malformed response body framing");
            return len;
        }
        off += (size_t)n;
        if (body.len == 0)
            continue;
        rc = t->h->on_body(t->hctx, body.ptr, body.len);
        if (t->is_finished)
            return len;
        if (rc == SY_UPSTREAM_PAUSE) {
            t->is_paused = true;
            t->kept_span = body.len;
            arm(t); /* a slow client is not an idle provider */
            return off - body.len;
        }
        if (rc < 0) {
            fail(t, SY_UPSTREAM_ABORTED, "aborted by the response body handler");
            return len;
        }
    }
    complete(t, off < len);
    return len;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = handle->data;
    struct transfer *t = c->t;

    (void)suggested;
    if (t != NULL && !t->head_seen && t->kept.len > 0) {
        /* A head split across reads: read on behind its first part. */
        char *room = sy_buf_reserve(&t->kept, KEPT_MIN_ROOM);
        *buf = uv_buf_init(room, (unsigned)(t->kept.cap - t->kept.len - 1));
        return;
    }
    *buf = uv_buf_init(c->h1->rbuf, sizeof(c->h1->rbuf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = stream->data;
    struct transfer *t = c->t;
    size_t used;

    if (nread == 0 || c->is_closing)
        return;
    if (t == NULL) {
        conn_close(c); /* idle: closed by the server, or bytes nobody asked for */
        return;
    }
    t->busy++;
    if (nread < 0) {
        if (nread == UV_EOF && t->head_seen && sy_h1_close(&t->parser))
            complete(t, false); /* a body that ends with the connection */
        else
            conn_failed(t, (int)nread);
        release(t);
        return;
    }
    t->got_bytes = true;
    t->last_read_ms = uv_now(t->h1->loop);
    if (buf->base == c->h1->rbuf) {
        used = process(t, buf->base, (size_t)nread);
        if (!t->is_finished && used < (size_t)nread)
            sy_buf_append(&t->kept, buf->base + used, (size_t)nread - used);
    } else {
        t->kept.len += (size_t)nread;
        t->kept.ptr[t->kept.len] = '\0';
        used = process(t, t->kept.ptr, t->kept.len);
        if (!t->is_finished)
            sy_buf_consume(&t->kept, used);
    }
    if (!t->is_finished && t->is_paused && t->conn != NULL)
        stop_reading(t->conn);
    release(t);
}

/* ---- Starting, control and the context -------------------------------------- */

static bool same_address(const union sy__h1_sockaddr *a, const union sy__h1_sockaddr *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return false;
    if (a->sa.sa_family == AF_INET)
        return a->in.sin_port == b->in.sin_port && a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
    return a->in6.sin6_port == b->in6.sin6_port &&
           memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr)) == 0;
}

/* Addresses come from the config, so there are few: a list will do. */
static struct address *find_address(struct sy__h1_ctx *h1, const union sy__h1_sockaddr *sa)
{
    struct address *a;

    for (size_t i = 0; i < h1->addrs_count; i++)
        if (same_address(&h1->addrs[i]->sa, sa))
            return h1->addrs[i];
    a = sy_xcalloc(1, sizeof(*a));
    a->sa = *sa;
    h1->addrs = sy_xrealloc(h1->addrs, (h1->addrs_count + 1) * sizeof(*h1->addrs));
    h1->addrs[h1->addrs_count++] = a;
    return a;
}

bool sy__h1_try_start(struct sy__h1_ctx *h1, const struct sy_upstream_request *req,
                      const struct sy_upstream_handlers *handlers, void *hctx,
                      struct sy_upstream **out)
{
    struct sy__h1_target tg;
    struct transfer *t;
    size_t head_len;

    *out = NULL;
    if (h1 == NULL || h1->is_closing)
        return false;
    if (req->proxy != NULL && req->proxy[0] != '\0')
        return false;
    if (req->body.len > UINT32_MAX / 2 || !sy__h1_parse_url(req->url, &tg))
        return false; /* uv_buf_t lengths are 32-bit: leave giants to curl */
    head_len = sy__h1_request_head(req, &tg, NULL);
    if (head_len == 0)
        return true; /* a header line that would inject others: refused */

    t = sy_xmalloc(sizeof(*t) + head_len);
    memset(t, 0, sizeof(*t));
    t->base.backend = SY__UPSTREAM_H1;
    t->h1 = h1;
    t->h = handlers;
    t->hctx = hctx;
    t->timeouts = req->timeouts;
    t->allow_private = req->allow_private;
    t->body = req->is_get ? SY_STR_NULL : req->body;
    t->head_len = sy__h1_request_head(req, &tg, t->head);
    sy_h1_parser_init(&t->parser);
    for (unsigned i = 0; i < tg.sa_count; i++)
        t->addrs[i] = find_address(h1, &tg.sa[i]);
    t->addr_count = tg.sa_count;
    t->start_ms = t->last_read_ms = uv_now(h1->loop);

    t->next = h1->transfers;
    if (t->next != NULL)
        t->next->prev = t;
    h1->transfers = t;
    h1->active++;

    t->busy = 1;
    t->is_starting = true;
    begin(t);
    t->is_starting = false;
    *out = &t->base;
    release(t);
    return true;
}

void sy__h1_cancel(struct sy_upstream *base)
{
    struct transfer *t = (struct transfer *)base;

    if (t->is_finished)
        return;
    t->is_finished = true;
    drop_conn(t); /* a cancelled transfer never returns its connection to the pool */
    unlink_transfer(t);
    if (t->busy == 0)
        free_transfer(t);
}

void sy__h1_resume(struct sy_upstream *base)
{
    struct transfer *t = (struct transfer *)base;

    if (t->is_finished || !t->is_paused)
        return;
    t->busy++;
    t->is_paused = false;
    t->last_read_ms = uv_now(t->h1->loop);
    arm(t);
    if (t->kept_span > 0) {
        int rc = t->h->on_body(t->hctx, t->kept.ptr, t->kept_span);
        if (t->is_finished)
            goto out;
        if (rc == SY_UPSTREAM_PAUSE) {
            t->is_paused = true;
            arm(t);
            goto out;
        }
        if (rc < 0) {
            fail(t, SY_UPSTREAM_ABORTED, "aborted by the response body handler");
            goto out;
        }
        sy_buf_consume(&t->kept, t->kept_span);
        t->kept_span = 0;
    }
    if (sy_h1_is_done(&t->parser)) {
        complete(t, t->kept.len > 0);
        goto out;
    }
    if (t->kept.len > 0) {
        size_t used = process(t, t->kept.ptr, t->kept.len);
        if (t->is_finished)
            goto out;
        sy_buf_consume(&t->kept, used);
    }
    if (!t->is_paused && t->conn != NULL)
        start_reading(t->conn);
out:
    release(t);
}

unsigned sy__h1_active(const struct sy__h1_ctx *h1)
{
    return h1 != NULL ? h1->active : 0;
}

void sy__h1_get_stats(const struct sy__h1_ctx *h1, struct sy__h1_stats *out)
{
    if (h1 == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = h1->stats;
}

struct sy__h1_ctx *sy__h1_ctx_new(struct uv_loop_s *loop)
{
    struct sy__h1_ctx *h1 = sy_xcalloc(1, sizeof(*h1));

    h1->loop = loop;
    uv_timer_init(loop, &h1->notify);
    h1->notify.data = h1;
    /* Proxies come from the config only: like the curl path (CURLOPT_PROXY
     * ""), this client ignores http_proxy and friends in the environment. */
    return h1;
}

static void free_ctx(uv_handle_t *handle)
{
    free(handle->data);
}

void sy__h1_ctx_free(struct sy__h1_ctx *h1)
{
    if (h1 == NULL)
        return;
    h1->is_closing = true;
    while (h1->transfers != NULL)
        sy__h1_cancel(&h1->transfers->base);
    while (h1->conns != NULL)
        conn_close(h1->conns);
    for (size_t i = 0; i < h1->addrs_count; i++)
        free(h1->addrs[i]);
    free(h1->addrs);
    uv_close((uv_handle_t *)&h1->notify, free_ctx);
}
