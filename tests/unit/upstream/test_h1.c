/* tests/unit/upstream/test_h1.c - tests src/upstream/h1.c on a real loop.
 *
 * Each test starts a scripted HTTP/1.1 server on 127.0.0.1:0 in a thread
 * (blocking sockets: one connection at a time, which is all these scripts
 * need), drives sy_upstream_start() on a loop of its own, and ends with
 * sy_upstream_ctx_free() and uv_loop_close() == 0: no handle left behind. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "core/str.h"
#include "upstream/upstream.h"
#include "upstream/upstream_int.h"

#define WAIT_LIMIT_MS 5000 /* a test that waits longer has failed */
#define TICK_MS       5    /* UV_RUN_ONCE blocks in poll: wake up this often */

/* ---- The scripted server ---------------------------------------------------- */

struct server;
typedef void serve_fn(struct server *s, int fd, int index);

struct server {
    int fd;
    uint16_t port;
    pthread_t thread;
    serve_fn *serve;
    atomic_int conns;
    atomic_int requests;
    atomic_bool stop;
    pthread_mutex_t lock;
    char last_request[4096]; /* under `lock` */
};

static void send_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

#define SEND_LIT(fd, lit) send_all((fd), (lit), sizeof(lit) - 1)

/* Reads one request (head and Content-Length body). Returns its length, or
 * 0 when the client closed the connection first. */
static size_t read_request(struct server *s, int fd)
{
    char buf[4096];
    size_t len = 0;

    for (;;) {
        char *end;
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        size_t head = (size_t)(end + 4 - buf), body = 0;
        const char *cl = strcasestr(buf, "\r\nContent-Length: ");
        if (cl != NULL)
            body = strtoul(cl + 18, NULL, 10);
        while (len < head + body && len < sizeof(buf) - 1) {
            n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
            if (n <= 0)
                return 0;
            len += (size_t)n;
            buf[len] = '\0';
        }
        pthread_mutex_lock(&s->lock);
        memcpy(s->last_request, buf, len + 1);
        pthread_mutex_unlock(&s->lock);
        s->requests++;
        return len;
    }
}

static void wait_for_close(int fd)
{
    char buf[4096];

    while (recv(fd, buf, sizeof(buf), 0) > 0)
        ;
}

static const char json_answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 11\r\n\r\n{\"ok\":true}";

static void serve_json(struct server *s, int fd, int index)
{
    (void)index;
    while (read_request(s, fd) > 0)
        SEND_LIT(fd, json_answer);
}

static void *server_main(void *arg)
{
    struct server *s = arg;

    for (int i = 0;; i++) {
        struct timeval tv = {.tv_sec = WAIT_LIMIT_MS / 1000};
        int one = 1;
        int fd = accept(s->fd, NULL, NULL);
        if (fd == -1 || s->stop) {
            if (fd != -1)
                close(fd);
            return NULL;
        }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        s->conns++;
        s->serve(s, fd, i);
        close(fd);
    }
}

static void server_start(struct server *s, serve_fn *serve)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);

    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    s->serve = serve;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sin, &len), 0);
    s->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
    s->stop = true;
    shutdown(s->fd, SHUT_RDWR); /* wakes accept() */
    pthread_join(s->thread, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->lock);
}

/* ---- The client side -------------------------------------------------------- */

/* What the handlers saw for one transfer, and what they are told to do. */
struct rec {
    struct sy_upstream *t;
    int head_calls;
    int status;
    char content_type[64];
    int body_calls;
    struct sy_buf body;
    int done_calls;
    enum sy_upstream_result res;
    char detail[128];
    /* Knobs. */
    int pause_on_call;    /* 1-based on_body call that answers SY_UPSTREAM_PAUSE; 0 = never */
    struct sy_buf paused; /* the bytes of that call */
    bool redelivered_same;
    bool cancel_in_body;
    bool abort_in_head;
};

static int on_head(void *ctx, const struct sy_upstream_head *head)
{
    struct rec *r = ctx;

    r->head_calls++;
    r->status = head->status;
    snprintf(r->content_type, sizeof(r->content_type), "%.*s", (int)head->content_type.len,
             head->content_type.ptr != NULL ? head->content_type.ptr : "");
    return r->abort_in_head ? -1 : 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
    struct rec *r = ctx;

    r->body_calls++;
    if (r->cancel_in_body) {
        sy_upstream_cancel(r->t);
        return 0;
    }
    if (r->body_calls == r->pause_on_call) {
        sy_buf_append(&r->paused, data, len);
        return SY_UPSTREAM_PAUSE;
    }
    if (r->pause_on_call > 0 && r->body_calls == r->pause_on_call + 1)
        r->redelivered_same = len == r->paused.len && memcmp(data, r->paused.ptr, len) == 0;
    sy_buf_append(&r->body, data, len);
    return 0;
}

static void on_done(void *ctx, enum sy_upstream_result res, const char *detail)
{
    struct rec *r = ctx;

    r->done_calls++;
    r->res = res;
    snprintf(r->detail, sizeof(r->detail), "%s", detail != NULL ? detail : "");
}

static const struct sy_upstream_handlers handlers = {on_head, on_body, on_done};

struct fixture {
    uv_loop_t loop;
    uv_timer_t guard; /* ticks every TICK_MS while waiting */
    unsigned ticks;
    struct sy_upstream_ctx *ctx;
    struct server server;
    char url[128];
    const char *headers[2];
    struct sy_upstream_request req;
};

static void on_tick(uv_timer_t *timer)
{
    struct fixture *f = timer->data;

    f->ticks++;
}

static void fixture_start(struct fixture *f, serve_fn *serve, const char *path)
{
    memset(f, 0, sizeof(*f));
    server_start(&f->server, serve);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    f->ctx = sy_upstream_ctx_new(&f->loop);
    assert_non_null(f->ctx);
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u%s", f->server.port, path);
    f->headers[0] = "Content-Type: application/json";
    f->headers[1] = "Authorization: Bearer sk-test";
    f->req = (struct sy_upstream_request){
        .url = f->url,
        .body = SY_STR("{\"model\":\"m\"}"),
        .headers = f->headers,
        .headers_count = 2,
        .timeouts = {.connect_ms = 1000,
                     .first_byte_ms = 2000,
                     .total_ms = 5000,
                     .stream_idle_ms = 2000},
    };
}

/* Runs the loop until `*count` reaches `want`; fails after WAIT_LIMIT_MS. */
static void wait_for(struct fixture *f, const int *count, int want)
{
    f->ticks = 0;
    uv_timer_start(&f->guard, on_tick, TICK_MS, TICK_MS);
    while (*count < want && f->ticks < WAIT_LIMIT_MS / TICK_MS)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_timer_stop(&f->guard);
    assert_int_equal(*count, want);
}

/* Runs the loop for about `ms` milliseconds. */
static void run_for(struct fixture *f, unsigned ms)
{
    f->ticks = 0;
    uv_timer_start(&f->guard, on_tick, TICK_MS, TICK_MS);
    while (f->ticks < ms / TICK_MS)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_timer_stop(&f->guard);
}

static void start(struct fixture *f, struct rec *r)
{
    r->t = sy_upstream_start(f->ctx, &f->req, &handlers, r);
    assert_non_null(r->t);
    assert_int_equal(r->done_calls, 0); /* never from inside start */
}

static struct sy__h1_stats stats(struct fixture *f)
{
    struct sy__h1_stats st;

    sy__upstream_h1_stats(f->ctx, &st);
    return st;
}

static void fixture_end(struct fixture *f)
{
    sy_upstream_ctx_free(f->ctx);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    server_stop(&f->server);
}

static void rec_dispose(struct rec *r)
{
    sy_buf_dispose(&r->body);
    sy_buf_dispose(&r->paused);
}

static void expect_body(const struct rec *r, const char *want)
{
    assert_int_equal(r->body.len, strlen(want));
    assert_memory_equal(r->body.ptr, want, r->body.len);
}

/* ---- Tests ------------------------------------------------------------------ */

static void sends_the_request_line_host_length_headers_and_body(void **state)
{
    struct fixture f;
    struct rec r = {0};
    char want[512];

    (void)state;
    fixture_start(&f, serve_json, "/v1/chat/completions?x=1");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    snprintf(want, sizeof(want),
             "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
             "Content-Length: 13\r\nContent-Type: application/json\r\n"
             "Authorization: Bearer sk-test\r\n\r\n{\"model\":\"m\"}",
             f.server.port);
    assert_string_equal(f.server.last_request, want);
    rec_dispose(&r);
    fixture_end(&f);
}

static void sends_a_get_without_a_body(void **state)
{
    struct fixture f;
    struct rec r = {0};
    char want[256];

    (void)state;
    fixture_start(&f, serve_json, "");
    f.req.is_get = true;
    f.req.headers_count = 0;
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    snprintf(want, sizeof(want), "GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n", f.server.port);
    assert_string_equal(f.server.last_request, want);
    rec_dispose(&r);
    fixture_end(&f);
}

static void reads_a_content_length_answer(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_json, "/v1/chat/completions");
    start(&f, &r);
    assert_int_equal(sy_upstream_active(f.ctx), 1);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    assert_int_equal(r.head_calls, 1);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    expect_body(&r, "{\"ok\":true}");
    assert_int_equal(sy_upstream_active(f.ctx), 0);
    assert_int_equal(stats(&f).idle, 1); /* kept for the next request */
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_chunked(struct server *s, int fd, int index)
{
    (void)index;
    while (read_request(s, fd) > 0) {
        SEND_LIT(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n");
        usleep(2000);
        SEND_LIT(fd, "6\r\ndata: \r\n");
        usleep(2000);
        SEND_LIT(fd, "5;x=y\r\nhello\r\n");
        usleep(2000);
        SEND_LIT(fd, "2\r\n\n\n\r\n0\r\nTrailer: 1\r\n\r\n");
    }
}

static void decodes_a_chunked_answer_sent_in_pieces(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_chunked, "/v1/chat/completions");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    assert_string_equal(r.content_type, "text/event-stream");
    expect_body(&r, "data: hello\n\n");
    assert_int_equal(stats(&f).idle, 1);
    rec_dispose(&r);
    fixture_end(&f);
}

static void reuses_the_connection_for_the_next_request(void **state)
{
    struct fixture f;
    struct rec r1 = {0}, r2 = {0};

    (void)state;
    fixture_start(&f, serve_json, "/v1/chat/completions");
    start(&f, &r1);
    wait_for(&f, &r1.done_calls, 1);
    start(&f, &r2);
    wait_for(&f, &r2.done_calls, 1);
    assert_int_equal(r2.res, SY_UPSTREAM_OK);
    expect_body(&r2, "{\"ok\":true}");
    assert_int_equal(stats(&f).connects, 1);
    assert_int_equal(stats(&f).reuses, 1);
    assert_int_equal(f.server.conns, 1);
    assert_int_equal(f.server.requests, 2);
    rec_dispose(&r1);
    rec_dispose(&r2);
    fixture_end(&f);
}

static void serve_close_after_head(struct server *s, int fd, int index)
{
    (void)index;
    if (read_request(s, fd) > 0)
        SEND_LIT(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
}

static void reports_reset_when_the_server_closes_after_the_head(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_close_after_head, "/");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.head_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_RESET);
    expect_body(&r, "0123456789");
    assert_int_equal(stats(&f).idle, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

/* The first connection answers one request, then reads the next and closes
 * without answering: what a server closing an idle connection just as we
 * reuse it looks like. */
static void serve_drop_second_request(struct server *s, int fd, int index)
{
    if (index > 0) {
        serve_json(s, fd, index);
        return;
    }
    if (read_request(s, fd) > 0)
        SEND_LIT(fd, json_answer);
    read_request(s, fd);
}

static void retries_once_on_a_new_connection_when_a_pooled_one_was_closed(void **state)
{
    struct fixture f;
    struct rec r1 = {0}, r2 = {0};

    (void)state;
    fixture_start(&f, serve_drop_second_request, "/v1/chat/completions");
    start(&f, &r1);
    wait_for(&f, &r1.done_calls, 1);
    start(&f, &r2);
    wait_for(&f, &r2.done_calls, 1);
    assert_int_equal(r2.res, SY_UPSTREAM_OK);
    expect_body(&r2, "{\"ok\":true}");
    assert_int_equal(stats(&f).retries, 1);
    assert_int_equal(stats(&f).connects, 2);
    assert_int_equal(f.server.conns, 2);
    assert_int_equal(f.server.requests, 3);
    rec_dispose(&r1);
    rec_dispose(&r2);
    fixture_end(&f);
}

static void serve_answer_then_close(struct server *s, int fd, int index)
{
    if (index > 0) {
        serve_json(s, fd, index);
        return;
    }
    if (read_request(s, fd) > 0)
        SEND_LIT(fd, json_answer); /* keep-alive, then closed at once */
}

static void drops_an_idle_connection_the_server_closed(void **state)
{
    struct fixture f;
    struct rec r1 = {0}, r2 = {0};
    int idle_zero = 0;

    (void)state;
    fixture_start(&f, serve_answer_then_close, "/");
    start(&f, &r1);
    wait_for(&f, &r1.done_calls, 1);
    for (int i = 0; i < 100 && stats(&f).idle > 0; i++)
        run_for(&f, 10);
    idle_zero = stats(&f).idle == 0;
    assert_true(idle_zero);
    start(&f, &r2);
    wait_for(&f, &r2.done_calls, 1);
    assert_int_equal(r2.res, SY_UPSTREAM_OK);
    assert_int_equal(stats(&f).connects, 2);
    assert_int_equal(stats(&f).retries, 0);
    rec_dispose(&r1);
    rec_dispose(&r2);
    fixture_end(&f);
}

static void serve_two_chunks_at_once(struct server *s, int fd, int index)
{
    (void)index;
    while (read_request(s, fd) > 0)
        SEND_LIT(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n");
}

static int resumed;

static void on_resume_timer(uv_timer_t *timer)
{
    struct rec *r = timer->data;

    resumed++;
    sy_upstream_resume(r->t);
}

static void redelivers_paused_bytes_after_resume(void **state)
{
    struct fixture f;
    struct rec r = {.pause_on_call = 1};
    uv_timer_t resume;

    (void)state;
    resumed = 0;
    fixture_start(&f, serve_two_chunks_at_once, "/");
    start(&f, &r);
    wait_for(&f, &r.body_calls, 1);
    run_for(&f, 50); /* paused: nothing more arrives, nothing ends */
    assert_int_equal(r.body_calls, 1);
    assert_int_equal(r.done_calls, 0);
    uv_timer_init(&f.loop, &resume);
    resume.data = &r;
    uv_timer_start(&resume, on_resume_timer, 1, 0);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(resumed, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    assert_true(r.redelivered_same);
    assert_memory_equal(r.paused.ptr, "first", 5);
    expect_body(&r, "firstsecond");
    assert_int_equal(stats(&f).idle, 1); /* reading back on for the pooled connection */
    uv_close((uv_handle_t *)&resume, NULL);
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_silence(struct server *s, int fd, int index)
{
    (void)index;
    if (read_request(s, fd) > 0)
        wait_for_close(fd);
}

static void times_out_when_the_first_byte_is_late(void **state)
{
    struct fixture f;
    struct rec r = {0};
    uint64_t t0;

    (void)state;
    fixture_start(&f, serve_silence, "/");
    f.req.timeouts.connect_ms = 50;
    f.req.timeouts.first_byte_ms = 100;
    t0 = uv_hrtime();
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_TIMEOUT);
    assert_string_equal(r.detail, "first byte timeout");
    assert_true(uv_hrtime() - t0 >= 140 * 1000000ull);
    assert_int_equal(r.head_calls, 0);
    assert_int_equal(stats(&f).idle, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_stall_after_first_chunk(struct server *s, int fd, int index)
{
    (void)index;
    if (read_request(s, fd) == 0)
        return;
    SEND_LIT(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
    wait_for_close(fd);
}

static void times_out_when_a_stream_goes_idle(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_stall_after_first_chunk, "/");
    f.req.timeouts.stream_idle_ms = 100;
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_TIMEOUT);
    assert_string_equal(r.detail, "stream idle timeout");
    expect_body(&r, "first");
    rec_dispose(&r);
    fixture_end(&f);
}

static void reports_connect_when_refused(void **state)
{
    struct fixture f;
    struct rec r = {0};
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)state;
    /* A port that was just free and has no listener. */
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd);
    fixture_start(&f, serve_json, "/");
    snprintf(f.url, sizeof(f.url), "http://127.0.0.1:%u/", ntohs(sin.sin_port));
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_CONNECT);
    assert_int_equal(r.head_calls, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void blocks_link_local_addresses_without_connecting(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_json, "/");
    snprintf(f.url, sizeof(f.url), "http://169.254.169.254/latest/meta-data");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_BLOCKED);
    assert_int_equal(stats(&f).connects, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_long_body(struct server *s, int fd, int index)
{
    static char block[16384];

    (void)index;
    if (read_request(s, fd) == 0)
        return;
    memset(block, 'x', sizeof(block));
    SEND_LIT(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
    send_all(fd, block, sizeof(block));
    wait_for_close(fd);
}

static void cancels_from_inside_on_body_without_firing_on_done(void **state)
{
    struct fixture f;
    struct rec r = {.cancel_in_body = true};

    (void)state;
    fixture_start(&f, serve_long_body, "/");
    start(&f, &r);
    wait_for(&f, &r.body_calls, 1);
    run_for(&f, 50);
    assert_int_equal(r.body_calls, 1);
    assert_int_equal(r.done_calls, 0);
    assert_int_equal(sy_upstream_active(f.ctx), 0);
    assert_int_equal(stats(&f).idle, 0); /* closed, never pooled */
    rec_dispose(&r);
    fixture_end(&f);
}

static void reports_aborted_when_on_head_refuses(void **state)
{
    struct fixture f;
    struct rec r = {.abort_in_head = true};

    (void)state;
    fixture_start(&f, serve_json, "/");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_ABORTED);
    assert_int_equal(r.body_calls, 0);
    assert_int_equal(stats(&f).idle, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_http10(struct server *s, int fd, int index)
{
    (void)index;
    if (read_request(s, fd) > 0)
        SEND_LIT(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
}

static void reads_a_body_that_ends_with_the_connection(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_http10, "/");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    expect_body(&r, "until close");
    assert_int_equal(stats(&f).idle, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_extra_bytes(struct server *s, int fd, int index)
{
    (void)index;
    if (read_request(s, fd) > 0)
        SEND_LIT(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK");
    wait_for_close(fd);
}

static void does_not_pool_a_connection_with_bytes_after_the_answer(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_extra_bytes, "/");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    expect_body(&r, "ok");
    assert_int_equal(stats(&f).idle, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void serve_malformed(struct server *s, int fd, int index)
{
    (void)index;
    if (read_request(s, fd) > 0)
        SEND_LIT(fd, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n");
    wait_for_close(fd);
}

static void reports_reset_for_a_malformed_head(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_malformed, "/");
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_RESET);
    assert_int_equal(r.head_calls, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void closes_pooled_connections_and_cancels_transfers_when_freed(void **state)
{
    struct fixture f;
    struct rec r1 = {0}, r2 = {0};

    (void)state;
    fixture_start(&f, serve_json, "/");
    start(&f, &r1);
    wait_for(&f, &r1.done_calls, 1);
    assert_int_equal(stats(&f).idle, 1);
    start(&f, &r2); /* in flight when the context goes */
    fixture_end(&f);
    assert_int_equal(r2.done_calls, 0);
    rec_dispose(&r1);
    rec_dispose(&r2);
}

static void leaves_requests_with_a_proxy_to_curl(void **state)
{
    struct fixture f;
    struct rec r = {0};

    (void)state;
    fixture_start(&f, serve_json, "/");
    f.req.proxy = "http://127.0.0.1:1"; /* nothing listens there */
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_CONNECT);
    assert_int_equal(stats(&f).connects, 0);
    assert_int_equal(f.server.conns, 0);
    rec_dispose(&r);
    fixture_end(&f);
}

static void resolves_localhost_without_dns(void **state)
{
    struct fixture f;
    struct rec r = {0};
    char want[128];

    (void)state;
    fixture_start(&f, serve_json, "/");
    snprintf(f.url, sizeof(f.url), "http://localhost:%u/v1/x", f.server.port);
    start(&f, &r);
    wait_for(&f, &r.done_calls, 1);
    assert_int_equal(r.res, SY_UPSTREAM_OK);
    assert_int_equal(stats(&f).connects, 1);
    snprintf(want, sizeof(want), "Host: localhost:%u\r\n", f.server.port);
    assert_non_null(strstr(f.server.last_request, want));
    rec_dispose(&r);
    fixture_end(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sends_the_request_line_host_length_headers_and_body),
        cmocka_unit_test(sends_a_get_without_a_body),
        cmocka_unit_test(reads_a_content_length_answer),
        cmocka_unit_test(decodes_a_chunked_answer_sent_in_pieces),
        cmocka_unit_test(reuses_the_connection_for_the_next_request),
        cmocka_unit_test(reports_reset_when_the_server_closes_after_the_head),
        cmocka_unit_test(retries_once_on_a_new_connection_when_a_pooled_one_was_closed),
        cmocka_unit_test(drops_an_idle_connection_the_server_closed),
        cmocka_unit_test(redelivers_paused_bytes_after_resume),
        cmocka_unit_test(times_out_when_the_first_byte_is_late),
        cmocka_unit_test(times_out_when_a_stream_goes_idle),
        cmocka_unit_test(reports_connect_when_refused),
        cmocka_unit_test(blocks_link_local_addresses_without_connecting),
        cmocka_unit_test(cancels_from_inside_on_body_without_firing_on_done),
        cmocka_unit_test(reports_aborted_when_on_head_refuses),
        cmocka_unit_test(reads_a_body_that_ends_with_the_connection),
        cmocka_unit_test(does_not_pool_a_connection_with_bytes_after_the_answer),
        cmocka_unit_test(reports_reset_for_a_malformed_head),
        cmocka_unit_test(closes_pooled_connections_and_cancels_transfers_when_freed),
        cmocka_unit_test(leaves_requests_with_a_proxy_to_curl),
        cmocka_unit_test(resolves_localhost_without_dns),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
