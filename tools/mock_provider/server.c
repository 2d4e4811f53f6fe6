/* mock_provider/server.c - the event loops: listeners, connections, and carrying out plans.
 *
 * One libuv loop per thread, each with its own SO_REUSEPORT listener on the shared port, so
 * that the kernel spreads connections and the threads share nothing but the ledger and the id
 * counter. An answer with no delay and no fault (the benchmark case) is decided, recorded and
 * written inside the read callback with one uv_try_write() of two buffers; only delayed,
 * streamed or faulty answers get a `struct active` and use the connection's timer.
 *
 * A request is recorded in the ledger before the last byte of its answer is written, so a
 * client that has read an answer always finds it in the ledger. A connection whose peer closes
 * or fails while an answer is under way records the request as "client_closed"; that includes
 * a client that only shuts down its sending side, which HTTP clients do not do. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "core/alloc.h"
#include "core/log.h"
#include "mock_provider/mock_provider.h"
#include "mock_provider/mock_provider_int.h"

#define MAX_THREADS 64
#define SLAB_BYTES  ((size_t)64 * 1024)
/* Stream events are batched into writes of about this size. */
#define WRITE_BATCH_BYTES ((size_t)64 * 1024)
/* Above this many queued bytes a connection stops producing until the client reads. */
#define MAX_QUEUED_BYTES ((size_t)1024 * 1024)
/* How long a closing connection waits for the client to finish sending, so that unread input
 * does not turn the close into a reset that destroys the error answer. */
#define LINGER_MS 2000

struct worker;

/* An answer under way that must wait: for a timer, for the client to read, or to reset. */
struct active {
    struct sy__mock_plan plan;
    uint32_t content_sent; /* content pieces written */
    bool is_head_sent;
    bool is_delay_done;   /* the delay before the next step has passed */
    bool is_reset_due;    /* reset once the queued writes are out */
    bool is_waiting_room; /* the write queue is full */
};

struct conn {
    uv_tcp_t tcp; /* first member: the handle converts to the conn */
    uv_timer_t timer;
    uv_shutdown_t shutdown;
    struct worker *w;
    struct conn *prev, *next; /* the worker's open connections */
    char *in;                 /* unparsed input; NULL while empty (reads go to the slab) */
    size_t in_len;
    size_t in_cap;
    struct sy__mock_chunked chunked;
    struct active *active;
    unsigned open_handles; /* closed handles are counted down before the conn is freed */
    unsigned writes_pending;
    bool has_timer;
    bool is_reading;
    bool is_closing;
    bool is_lingering; /* the last answer is sent: discard input until EOF */
    bool in_drain;     /* drain() is on the stack */
    bool sent_continue;
};

struct worker {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop;
    pthread_t thread;
    bool is_running;
    bool is_loop_ready;
    struct sy_mock_provider *mp;
    struct conn *conns;
    char *slab;                /* where reads land when a connection has no pending input */
    struct sy_buf out;         /* stream events on their way to a write */
    struct sy_buf chunked;     /* a decoded chunked body */
    struct sy__mock_plan plan; /* the plan being decided; its buffers are reused */
    struct sy__mock_scratch scratch;
    struct sy__mock_http_req req;
};

struct sy_mock_provider {
    struct sy__mock_shared shared;
    unsigned worker_count;
    struct worker *workers;
};

struct write_req {
    uv_write_t req;
    struct conn *c;
    char data[];
};

static void drain_and_keep(struct conn *c);
static void pump(struct conn *c);

/* ---- Connections ----------------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
    struct conn *c = h->data;

    if (--c->open_handles == 0) {
        free(c->in);
        free(c);
    }
}

static void free_active(struct conn *c)
{
    struct active *a = c->active;

    if (a == NULL)
        return;
    sy__mock_plan_release(&a->plan);
    sy_buf_dispose(&a->plan.head);
    sy_buf_dispose(&a->plan.body);
    free(a);
    c->active = NULL;
}

/* Closes `c`, with a TCP reset when `is_reset`. Frees the answer under way unrecorded. */
static void conn_close(struct conn *c, bool is_reset)
{
    if (c->is_closing)
        return;
    c->is_closing = true;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    free_active(c);
    if (!is_reset || uv_tcp_close_reset(&c->tcp, on_handle_closed) != 0)
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    if (c->has_timer)
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

/* Records the answer under way with `outcome` and the tokens sent so far. */
static void record_active(struct conn *c, enum sy__mock_outcome outcome)
{
    struct sy__mock_plan *p = &c->active->plan;
    /* A stream counts the words it wrote; a whole body counts only when all of it went. */
    uint32_t completion = p->is_stream                     ? p->stream.tokens_sent
                          : outcome == SY__MOCK_OUTCOME_OK ? p->completion_tokens
                                                           : 0;

    if (p->ledger_tail != NULL)
        sy__mock_ledger_record(&c->w->mp->shared.ledger, p->ledger_tail, p->status, outcome,
                               p->prompt_tokens, completion);
    p->ledger_tail = NULL;
}

/* The client went away or a write failed: record what it got and close. */
static void conn_lost(struct conn *c)
{
    if (c->active != NULL)
        record_active(c, SY__MOCK_OUTCOME_CLIENT_CLOSED);
    conn_close(c, false);
}

static void arm_timer(struct conn *c, uint64_t ms, uv_timer_cb cb)
{
    if (!c->has_timer) {
        uv_timer_init(&c->w->loop, &c->timer);
        c->timer.data = c;
        c->has_timer = true;
        c->open_handles++;
    }
    uv_timer_start(&c->timer, cb, ms, 0);
}

static void do_reset(struct conn *c)
{
    record_active(c, SY__MOCK_OUTCOME_RESET);
    conn_close(c, true);
}

static void on_write(uv_write_t *req, int status)
{
    struct write_req *wr = (struct write_req *)req;
    struct conn *c = wr->c;

    free(wr);
    c->writes_pending--;
    if (c->is_closing)
        return;
    if (status < 0) {
        conn_lost(c);
        return;
    }
    if (c->writes_pending > 0)
        return;
    if (c->active != NULL) {
        if (c->active->is_reset_due) {
            do_reset(c);
        } else if (c->active->is_waiting_room) {
            c->active->is_waiting_room = false;
            pump(c);
        }
    } else if (!c->is_lingering) {
        drain_and_keep(c); /* pipelined requests held back while the queue was full */
    }
}

/* Writes `bufs` in order after what is queued. Returns 0, or -1 when the connection failed
 * (the caller then calls conn_lost()). */
static int conn_write(struct conn *c, const uv_buf_t *bufs, unsigned nbufs)
{
    size_t total = 0, done = 0;
    struct write_req *wr;
    uv_buf_t rest;

    for (unsigned i = 0; i < nbufs; i++)
        total += bufs[i].len;
    if (total == 0)
        return 0;
    if (c->writes_pending == 0) {
        int n = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);

        if (n >= 0)
            done = (size_t)n;
        else if (n != UV_EAGAIN)
            return -1;
        if (done == total)
            return 0;
    }
    wr = sy_xmalloc(sizeof(*wr) + total - done);
    wr->c = c;
    rest = uv_buf_init(wr->data, (unsigned)(total - done));
    for (unsigned i = 0, at = 0; i < nbufs; i++) {
        size_t skip = done > bufs[i].len ? bufs[i].len : done;

        done -= skip;
        memcpy(wr->data + at, bufs[i].base + skip, bufs[i].len - skip);
        at += (unsigned)(bufs[i].len - skip);
    }
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &rest, 1, on_write) != 0) {
        free(wr);
        return -1;
    }
    c->writes_pending++;
    return 0;
}

/* Writes the worker's pending stream bytes. */
static int flush_out(struct conn *c)
{
    struct sy_buf *out = &c->w->out;
    uv_buf_t b = uv_buf_init(out->ptr, (unsigned)out->len);
    int rc = conn_write(c, &b, 1);

    sy_buf_reset(out);
    return rc;
}

static bool is_queue_full(struct conn *c)
{
    return uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > MAX_QUEUED_BYTES;
}

static void on_linger_timeout(uv_timer_t *t)
{
    conn_close(t->data, false);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;

    if (status < 0 && !c->is_closing)
        conn_close(c, false);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* The last answer on `c` is handed over: half-close and read until the client closes. */
static void close_after_answer(struct conn *c)
{
    c->is_lingering = true;
    free(c->in);
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c, false);
        return;
    }
    if (!c->is_reading && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->is_reading = true;
    arm_timer(c, LINGER_MS, on_linger_timeout);
}

/* The answer under way is complete: free it and go on with the next request. From inside
 * drain() (an answer that needed no wait), drain()'s own loop goes on instead, so the cycle
 * drain() -> start_plan() -> pump() -> end_active() -> drain() is never more than one deep. */
static void end_active(struct conn *c)
{
    bool closes = c->active->plan.closes;

    free_active(c);
    if (closes)
        close_after_answer(c);
    else if (!c->in_drain)
        drain_and_keep(c);
}

/* ---- Carrying out plans ---------------------------------------------------------------- */

/* What to wait before writing `step` of a stream. */
static uint32_t delay_before(const struct active *a, enum sy__mock_step step)
{
    const struct sy__mock_knobs *k = &a->plan.knobs;
    bool has_role = a->plan.stream.script != NULL ? a->plan.stream.script->has_role
                                                  : a->plan.stream.api == SY__MOCK_API_CHAT;
    uint32_t d = 0;

    switch (step) {
    case SY__MOCK_STEP_ROLE:
        return k->ttft_ms;
    case SY__MOCK_STEP_CONTENT:
    case SY__MOCK_STEP_FINISH:
        if (a->content_sent == 0)
            return has_role ? 0 : k->ttft_ms;
        d = k->chunk_delay_ms;
        if (a->content_sent == 1)
            d += k->stall_ms;
        return d;
    default:
        return 0;
    }
}

static void on_step_timer(uv_timer_t *t)
{
    struct conn *c = t->data;

    c->active->is_delay_done = true;
    pump(c);
}

/* Writes stream events until one must wait, then returns; the timer or the write callback
 * calls it again. */
static void pump(struct conn *c)
{
    struct active *a = c->active;
    struct sy__mock_stream *s = &a->plan.stream;
    struct sy_buf *out = &c->w->out;

    if (!a->is_head_sent) {
        sy_buf_append(out, a->plan.head.ptr, a->plan.head.len);
        a->is_head_sent = true;
    }
    for (;;) {
        enum sy__mock_step step = s->next;

        if (step == SY__MOCK_STEP_END) {
            record_active(c, a->plan.outcome);
            if (flush_out(c) != 0) {
                conn_close(c, false);
                return;
            }
            end_active(c);
            return;
        }
        if (a->plan.knobs.reset_after >= 0 &&
            (step == SY__MOCK_STEP_CONTENT || step == SY__MOCK_STEP_FINISH) &&
            a->content_sent >= (uint64_t)a->plan.knobs.reset_after) {
            if (flush_out(c) != 0) {
                conn_lost(c);
                return;
            }
            a->is_reset_due = true;
            if (c->writes_pending == 0)
                do_reset(c);
            return;
        }
        uint32_t delay = delay_before(a, step);
        if (delay > 0 && !a->is_delay_done) {
            if (flush_out(c) != 0) {
                conn_lost(c);
                return;
            }
            arm_timer(c, delay, on_step_timer);
            return;
        }
        a->is_delay_done = false;
        if (s->script != NULL)
            sy__mock_script_emit(s, out); /* the other providers' formats */
        else
            sy__mock_stream_emit(s, out);
        if (step == SY__MOCK_STEP_CONTENT)
            a->content_sent++;
        if (out->len >= WRITE_BATCH_BYTES) {
            if (flush_out(c) != 0) {
                conn_lost(c);
                return;
            }
            if (is_queue_full(c)) {
                a->is_waiting_room = true;
                return;
            }
        }
    }
}

/* Writes a non-streamed answer whose delay has passed. */
static void send_whole(struct conn *c)
{
    struct sy__mock_plan *p = &c->active->plan;
    uv_buf_t bufs[2] = {uv_buf_init(p->head.ptr, (unsigned)p->head.len),
                        uv_buf_init(p->body.ptr, (unsigned)p->body.len)};

    if (p->knobs.reset_after >= 0) {
        bufs[1].len /= 2;
        if (conn_write(c, bufs, 2) != 0) {
            conn_lost(c);
            return;
        }
        c->active->is_reset_due = true;
        if (c->writes_pending == 0)
            do_reset(c);
        return;
    }
    record_active(c, p->outcome);
    if (conn_write(c, bufs, 2) != 0) {
        conn_close(c, false);
        return;
    }
    end_active(c);
}

static void on_latency_timer(uv_timer_t *t)
{
    struct conn *c = t->data;

    if (c->active->plan.is_stream)
        pump(c);
    else
        send_whole(c);
}

/* Carries out the worker's freshly decided plan on `c`. */
static void start_plan(struct conn *c)
{
    struct worker *w = c->w;
    struct sy__mock_plan *p = &w->plan;
    const struct sy__mock_knobs *k = &p->knobs;
    uint64_t delay = (uint64_t)k->latency_ms + (p->is_stream ? 0 : k->stall_ms);

    if (!p->is_stream && delay == 0 && k->reset_after < 0) {
        uv_buf_t bufs[2] = {uv_buf_init(p->head.ptr, (unsigned)p->head.len),
                            uv_buf_init(p->body.ptr, (unsigned)p->body.len)};

        if (p->ledger_tail != NULL)
            sy__mock_ledger_record(&w->mp->shared.ledger, p->ledger_tail, p->status, p->outcome,
                                   p->prompt_tokens, p->completion_tokens);
        p->ledger_tail = NULL;
        if (conn_write(c, bufs, 2) != 0)
            conn_close(c, false);
        else if (p->closes)
            close_after_answer(c);
        return;
    }

    /* The plan moves to the connection; the worker starts its next one with empty buffers. */
    struct active *a = sy_xcalloc(1, sizeof(*a));
    a->plan = *p;
    memset(p, 0, sizeof(*p));
    c->active = a;
    if (delay > 0)
        arm_timer(c, delay, on_latency_timer);
    else if (a->plan.is_stream)
        pump(c);
    else
        send_whole(c);
}

/* ---- Reading --------------------------------------------------------------------------- */

static uint32_t status_of_parse_error(ssize_t r)
{
    switch (r) {
    case SY__MOCK_HTTP_BODY_TOO_LARGE:
        return 413;
    case SY__MOCK_HTTP_HEAD_TOO_LARGE:
        return 431;
    default:
        return 400;
    }
}

/* Answers the complete requests at `buf` in order, until one must wait. Returns the bytes
 * consumed. */
static size_t drain(struct conn *c, const char *buf, size_t len)
{
    struct worker *w = c->w;
    size_t off = 0;

    c->in_drain = true;
    while (c->active == NULL && !c->is_closing && !c->is_lingering && off < len) {
        ssize_t r = sy__mock_http_parse(buf + off, len - off, &w->req, &c->chunked, &w->chunked);

        if (r == SY__MOCK_HTTP_INCOMPLETE) {
            if (w->req.head_len > 0 && w->req.expects_continue && !c->sent_continue) {
                uv_buf_t b = uv_buf_init("HTTP/1.1 100 Continue\r\n\r\n", 25);

                c->sent_continue = true;
                if (conn_write(c, &b, 1) != 0)
                    conn_close(c, false);
            }
            break;
        }
        if (r < 0) {
            sy__mock_plan_bad_request(&w->req, status_of_parse_error(r), &w->plan);
            start_plan(c);
            off = len;
            break;
        }
        memset(&c->chunked, 0, sizeof(c->chunked));
        c->sent_continue = false;
        sy__mock_plan_request(&w->mp->shared, &w->req, (int64_t)time(NULL), &w->plan, &w->scratch);
        off += (size_t)r;
        start_plan(c);
        if (c->writes_pending > 0 && is_queue_full(c))
            break; /* the client is not reading its answers: wait for room */
    }
    c->in_drain = false;
    return off;
}

/* Drains the connection's own buffer and keeps what is left. */
static void drain_and_keep(struct conn *c)
{
    size_t used;

    if (c->in_len > 0) {
        used = drain(c, c->in, c->in_len);
        if (c->is_closing || c->is_lingering)
            return;
        c->in_len -= used;
        if (c->in_len == 0) {
            free(c->in);
            c->in = NULL;
            c->in_cap = 0;
        } else if (used > 0) {
            memmove(c->in, c->in + used, c->in_len);
        }
    }
    if (!c->is_reading && !c->is_closing && c->in_len < SY__MOCK_MAX_RAW_BYTES &&
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->is_reading = true;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = (struct conn *)h;

    (void)suggested;
    if (c->in_len == 0 || c->is_lingering) {
        *buf = uv_buf_init(c->w->slab, SLAB_BYTES);
        return;
    }
    if (c->in_cap - c->in_len < SLAB_BYTES) {
        size_t cap = c->in_cap * 2;

        if (cap < c->in_len + SLAB_BYTES)
            cap = c->in_len + SLAB_BYTES;
        c->in = sy_xrealloc(c->in, cap);
        c->in_cap = cap;
    }
    *buf = uv_buf_init(c->in + c->in_len, (unsigned)(c->in_cap - c->in_len));
}

static void keep_input(struct conn *c, const char *data, size_t len)
{
    if (c->in_cap - c->in_len < len) {
        size_t cap = c->in_len + len > SLAB_BYTES ? c->in_len + len : SLAB_BYTES;

        c->in = sy_xrealloc(c->in, cap);
        c->in_cap = cap;
    }
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = (struct conn *)s;

    if (nread < 0) {
        conn_lost(c);
        return;
    }
    if (nread == 0 || c->is_lingering || c->is_closing)
        return;
    if (buf->base == c->w->slab) {
        size_t used = drain(c, buf->base, (size_t)nread);

        if (!c->is_closing && !c->is_lingering && used < (size_t)nread)
            keep_input(c, buf->base + used, (size_t)nread - used);
    } else {
        c->in_len += (size_t)nread;
        drain_and_keep(c);
    }
    /* Input piles up while an answer waits: stop reading past the ceiling. */
    if (!c->is_closing && c->is_reading && c->in_len >= SY__MOCK_MAX_RAW_BYTES) {
        uv_read_stop(s);
        c->is_reading = false;
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    struct worker *w = server->data;
    struct conn *c;

    if (status < 0)
        return;
    c = sy_xcalloc(1, sizeof(*c));
    c->w = w;
    uv_tcp_init(&w->loop, &c->tcp);
    c->tcp.data = c;
    c->open_handles = 1;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        c->is_closing = true;
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
        return;
    }
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    uv_tcp_nodelay(&c->tcp, 1);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        conn_close(c, false);
        return;
    }
    c->is_reading = true;
}

/* ---- Workers --------------------------------------------------------------------------- */

static void close_everything(struct worker *w)
{
    while (w->conns != NULL)
        conn_close(w->conns, false);
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_close((uv_handle_t *)&w->stop, NULL);
}

static void on_stop(uv_async_t *a)
{
    close_everything(a->data);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* Makes a listening socket on `addr` with SO_REUSEPORT. Returns the fd or -1 (logged). */
static int open_listener(const struct sockaddr *addr, socklen_t addr_len)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    char err[128];

    if (fd == -1) {
        sy_log_error("mock-provider: socket: %s", strerror_r(errno, err, sizeof(err)));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1 ||
        bind(fd, addr, addr_len) == -1 || listen(fd, 1024) == -1) {
        int saved = errno;

        sy_log_error("mock-provider: cannot listen: %s", strerror_r(saved, err, sizeof(err)));
        close(fd);
        return -1;
    }
    return fd;
}

/* Sets up worker `w` on the listening socket `fd`, which it owns from now on. */
static int worker_init(struct worker *w, struct sy_mock_provider *mp, int fd)
{
    int rc;

    w->mp = mp;
    w->slab = sy_xmalloc(SLAB_BYTES);
    if (uv_loop_init(&w->loop) != 0) {
        close(fd);
        return -1;
    }
    w->is_loop_ready = true;
    uv_tcp_init(&w->loop, &w->listener);
    w->listener.data = w;
    uv_async_init(&w->loop, &w->stop, on_stop);
    w->stop.data = w;
    rc = uv_tcp_open(&w->listener, fd);
    if (rc != 0) {
        close(fd); /* not adopted by the handle */
    } else {
        rc = uv_listen((uv_stream_t *)&w->listener, 1024, on_connection);
    }
    if (rc != 0) {
        sy_log_error("mock-provider: cannot listen: %s", uv_strerror(rc));
        return -1;
    }
    return 0;
}

static void worker_dispose(struct worker *w)
{
    if (w->is_running) {
        uv_async_send(&w->stop);
        pthread_join(w->thread, NULL);
    } else if (w->is_loop_ready) {
        close_everything(w);
        uv_run(&w->loop, UV_RUN_DEFAULT);
    }
    if (w->is_loop_ready && uv_loop_close(&w->loop) != 0)
        sy_log_error("mock-provider: a loop still has open handles at exit");
    sy__mock_plan_release(&w->plan);
    sy_buf_dispose(&w->plan.head);
    sy_buf_dispose(&w->plan.body);
    sy_buf_dispose(&w->out);
    sy_buf_dispose(&w->chunked);
    sy_buf_dispose(&w->scratch.text);
    sy_buf_dispose(&w->scratch.reply);
    free(w->slab);
}

static void provider_free(struct sy_mock_provider *mp)
{
    for (unsigned i = 0; i < mp->worker_count; i++)
        worker_dispose(&mp->workers[i]);
    sy__mock_ledger_dispose(&mp->shared.ledger);
    sy__mock_formats_free(mp->shared.formats);
    free(mp->workers);
    free(mp);
}

/* Starts the worker threads with every signal blocked: signals go to the embedding program's
 * threads, and a write to a closed socket fails with EPIPE instead of killing the process. */
static int start_threads(struct sy_mock_provider *mp)
{
    sigset_t all, saved;
    int rc = 0;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    for (unsigned i = 0; i < mp->worker_count && rc == 0; i++) {
        struct worker *w = &mp->workers[i];

        rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0)
            sy_log_error("mock-provider: cannot start a thread: %s", strerror(rc));
        else
            w->is_running = true;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return rc == 0 ? 0 : -1;
}

int sy_mock_provider_start(const char *host, uint16_t port, unsigned threads,
                           struct sy_mock_provider **out, uint16_t *bound_port)
{
    return sy_mock_provider_start_with_auth(host, port, threads, NULL, out, bound_port);
}

int sy_mock_provider_start_with_auth(const char *host, uint16_t port, unsigned threads,
                                     const struct sy_mock_provider_auth *auth,
                                     struct sy_mock_provider **out, uint16_t *bound_port)
{
    struct sy_mock_provider *mp = sy_xcalloc(1, sizeof(*mp));
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int ret = -1, gai;

    if (threads == 0)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    sy__mock_ledger_init(&mp->shared.ledger);
    mp->shared.next_id = 1;
    mp->workers = sy_xcalloc(threads, sizeof(*mp->workers));
    if (sy__mock_formats_new(auth, &mp->shared.formats) != 0)
        goto out;

    gai = getaddrinfo(host, NULL, &hints, &ai);
    if (gai != 0 || ai == NULL) {
        sy_log_error("mock-provider: cannot resolve %s: %s", host, gai_strerror(gai));
        goto out;
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    addr_len = ai->ai_addrlen;
    for (unsigned i = 0; i < threads; i++) {
        if (addr.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&addr)->sin6_port = htons(port);
        else
            ((struct sockaddr_in *)&addr)->sin_port = htons(port);

        int fd = open_listener((struct sockaddr *)&addr, addr_len);
        if (fd == -1)
            goto out;
        if (port == 0) {
            /* The first socket picks the ephemeral port; the others join it. */
            struct sockaddr_storage got = {0};
            socklen_t got_len = sizeof(got);

            if (getsockname(fd, (struct sockaddr *)&got, &got_len) == -1) {
                sy_log_error("mock-provider: getsockname: %s", strerror(errno));
                close(fd);
                goto out;
            }
            port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                   : ((struct sockaddr_in *)&got)->sin_port);
        }
        mp->worker_count++;
        if (worker_init(&mp->workers[i], mp, fd) != 0)
            goto out;
    }
    if (start_threads(mp) != 0)
        goto out;
    *out = mp;
    *bound_port = port;
    mp = NULL;
    ret = 0;
out:
    if (ai != NULL)
        freeaddrinfo(ai);
    if (mp != NULL)
        provider_free(mp);
    return ret;
}

void sy_mock_provider_stop(struct sy_mock_provider *mp)
{
    if (mp != NULL)
        provider_free(mp);
}
