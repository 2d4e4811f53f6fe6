/* tests/unit/oauth/test_oauth.c - tests src/oauth/oauth.c
 *
 * The JWT is checked piece by piece and its signature verified with the
 * public half of a key generated here. Exchanges run on a real libuv loop
 * against a tiny token endpoint on 127.0.0.1 that answers what each test
 * scripts and records what it was sent. Time is passed in (now_unix), so
 * expiry needs no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <uv.h>

#include "config/config.h"
#include "core/str.h"
#include "oauth/oauth.h"
#include "oauth/oauth_int.h"
#include "upstream/upstream.h"

#define NOW 1700000000

/* ---- A key for the whole run ----------------------------------------------- */

static EVP_PKEY *test_key;
static char *test_pem;

static int make_key(void **state)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long len;

    (void)state;
    test_key = EVP_RSA_gen(2048);
    if (test_key == NULL || bio == NULL ||
        PEM_write_bio_PrivateKey(bio, test_key, NULL, NULL, 0, NULL, NULL) != 1)
        return -1;
    len = BIO_get_mem_data(bio, &data);
    test_pem = strndup(data, (size_t)len);
    BIO_free(bio);
    return 0;
}

static int free_key(void **state)
{
    (void)state;
    EVP_PKEY_free(test_key);
    free(test_pem);
    return 0;
}

/* ---- A token endpoint ------------------------------------------------------ */

struct server {
    uv_tcp_t listener;
    int port;
    int requests;         /* requests answered */
    char last_head[2048]; /* the last request's head */
    char last_body[8192]; /* ... and body */
    int status;           /* what to answer */
    const char *body;
};

struct conn {
    uv_tcp_t tcp;
    struct server *srv;
    struct sy_buf in;
    uv_write_t wreq;
    char *out;
};

static void conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;

    sy_buf_dispose(&c->in);
    free(c->out);
    free(c);
}

static void written(uv_write_t *req, int status)
{
    struct conn *c = req->data;

    (void)status;
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = suggested;
}

/* Answers once the head and Content-Length bytes of body are in. */
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    const char *end, *cl;
    size_t head_len, body_len;

    if (n > 0)
        sy_buf_append(&c->in, buf->base, (size_t)n);
    free(buf->base);
    if (n < 0) {
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
        return;
    }
    if (c->in.ptr == NULL || (end = strstr(c->in.ptr, "\r\n\r\n")) == NULL)
        return;
    head_len = (size_t)(end - c->in.ptr) + 4;
    cl = strcasestr(c->in.ptr, "content-length:");
    body_len = cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
    if (c->in.len < head_len + body_len)
        return;
    uv_read_stop(s);
    snprintf(c->srv->last_head, sizeof(c->srv->last_head), "%.*s", (int)head_len, c->in.ptr);
    snprintf(c->srv->last_body, sizeof(c->srv->last_body), "%.*s", (int)body_len,
             c->in.ptr + head_len);
    c->srv->requests++;
    if (asprintf(&c->out,
                 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n%s",
                 c->srv->status, strlen(c->srv->body), c->srv->body) < 0)
        abort();
    uv_buf_t out = uv_buf_init(c->out, (unsigned)strlen(c->out));
    c->wreq.data = c;
    uv_write(&c->wreq, s, &out, 1, written);
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct server *srv = listener->data;
    struct conn *c = calloc(1, sizeof(*c));

    (void)status;
    c->srv = srv;
    uv_tcp_init(listener->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void server_start(uv_loop_t *loop, struct server *srv)
{
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof(bound);

    uv_ip4_addr("127.0.0.1", 0, &addr);
    assert_int_equal(uv_tcp_init(loop, &srv->listener), 0);
    srv->listener.data = srv;
    assert_int_equal(uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&srv->listener, 16, on_connection), 0);
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

/* ---- Fixtures --------------------------------------------------------------- */

struct world {
    uv_loop_t loop;
    struct sy_upstream_ctx *upstream;
    struct server srv;
    char token_uri[64];
    struct sy_config_provider prov;
};

static void world_init(struct world *w, const char *email)
{
    memset(w, 0, sizeof(*w));
    assert_int_equal(uv_loop_init(&w->loop), 0);
    w->upstream = sy_upstream_ctx_new(&w->loop);
    server_start(&w->loop, &w->srv);
    snprintf(w->token_uri, sizeof(w->token_uri), "http://127.0.0.1:%d/token", w->srv.port);
    w->prov = (struct sy_config_provider){
        .name = "vertex",
        .kind = SY_KIND_VERTEX,
        .sa_client_email = (char *)email,
        .sa_private_key = test_pem,
        .sa_token_uri = w->token_uri,
        .timeouts = {.connect_ms = 2000, .first_byte_ms = 2000, .total_ms = 5000},
    };
    w->srv.status = 200;
    w->srv.body = "{\"access_token\":\"ya29.first\",\"expires_in\":3600,\"token_type\":\"Bearer\"}";
}

/* Frees everything and proves no handle was left behind. */
static void world_dispose(struct world *w)
{
    sy_oauth_worker_dispose();
    sy_upstream_ctx_free(w->upstream);
    uv_close((uv_handle_t *)&w->srv.listener, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&w->loop), 0);
}

static void on_guard(uv_timer_t *t)
{
    *(bool *)t->data = true;
}

/* Runs the loop until `*calls` reaches `want`, failing after 5 s. */
static void run_until(struct world *w, const int *calls, int want)
{
    uv_timer_t guard;
    bool fired = false;

    uv_timer_init(&w->loop, &guard);
    guard.data = &fired;
    uv_timer_start(&guard, on_guard, 5000, 0);
    while (*calls < want && !fired)
        uv_run(&w->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(&w->loop, UV_RUN_NOWAIT);
    assert_false(fired);
}

/* What a waiter was told. */
struct answer {
    int calls;
    char token[256];
    char error[256];
    bool got_token;
};

static void on_token(void *ctx, const char *token, const char *error)
{
    struct answer *a = ctx;

    a->calls++;
    a->got_token = token != NULL;
    snprintf(a->token, sizeof(a->token), "%s", token != NULL ? token : "");
    snprintf(a->error, sizeof(a->error), "%s", error != NULL ? error : "");
}

/* ---- JWT ---------------------------------------------------------------------- */

static json_t *decode_segment(const char *s, size_t len)
{
    unsigned char out[4096];
    char std[4096];
    size_t n = 0;
    int got;

    assert_true(len + 4 < sizeof(std));
    for (size_t i = 0; i < len; i++) {
        assert_true(s[i] != '=' && s[i] != '+' && s[i] != '/'); /* base64url, unpadded */
        std[n++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    }
    while (n % 4 != 0)
        std[n++] = '=';
    got = EVP_DecodeBlock(out, (const unsigned char *)std, (int)n);
    assert_true(got > 0);
    while (got > 0 && n > 0 && std[n - 1] == '=') {
        got--;
        n--;
    }
    return json_loadb((const char *)out, (size_t)got, 0, NULL);
}

static void signs_a_jwt_that_the_public_key_verifies(void **state)
{
    struct sy_config_provider prov = {.sa_client_email = "sa@proj.iam.gserviceaccount.com",
                                      .sa_private_key = test_pem,
                                      .sa_token_uri = "https://oauth2.googleapis.com/token"};
    struct sy_buf jwt = {0};
    const char *dot1, *dot2;
    json_t *header, *claims;
    unsigned char sig[512];
    char std[1024];
    size_t n = 0;
    int sig_len;
    EVP_MD_CTX *md;

    (void)state;
    assert_int_equal(sy__oauth_make_jwt(&prov, NOW, &jwt), 0);
    dot1 = strchr(jwt.ptr, '.');
    assert_non_null(dot1);
    dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    assert_null(strchr(dot2 + 1, '.'));

    header = decode_segment(jwt.ptr, (size_t)(dot1 - jwt.ptr));
    assert_non_null(header);
    assert_string_equal(json_string_value(json_object_get(header, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(header, "typ")), "JWT");
    assert_int_equal(json_object_size(header), 2);
    claims = decode_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    assert_non_null(claims);
    assert_string_equal(json_string_value(json_object_get(claims, "iss")),
                        "sa@proj.iam.gserviceaccount.com");
    assert_string_equal(json_string_value(json_object_get(claims, "scope")),
                        "https://www.googleapis.com/auth/cloud-platform");
    assert_string_equal(json_string_value(json_object_get(claims, "aud")),
                        "https://oauth2.googleapis.com/token");
    assert_int_equal(json_integer_value(json_object_get(claims, "iat")), NOW);
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")), NOW + 3600);
    json_decref(header);
    json_decref(claims);

    /* The signature: RS256 over "header.claims". */
    for (const char *p = dot2 + 1; *p != '\0'; p++)
        std[n++] = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    while (n % 4 != 0)
        std[n++] = '=';
    sig_len = EVP_DecodeBlock(sig, (const unsigned char *)std, (int)n);
    assert_int_equal(sig_len, 258); /* 256 bytes, plus the 2 zero bytes "==" decodes to */
    md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, test_key), 1);
    assert_int_equal(
        EVP_DigestVerify(md, sig, 256, (const unsigned char *)jwt.ptr, (size_t)(dot2 - jwt.ptr)),
        1);
    /* ... and not over anything else. */
    jwt.ptr[1] ^= 1;
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, test_key), 1);
    assert_int_not_equal(
        EVP_DigestVerify(md, sig, 256, (const unsigned char *)jwt.ptr, (size_t)(dot2 - jwt.ptr)),
        1);
    EVP_MD_CTX_free(md);
    sy_buf_dispose(&jwt);
    sy_oauth_worker_dispose();
}

static void refuses_a_key_it_cannot_read_at_once(void **state)
{
    struct world w;
    struct answer a = {0};
    struct sy_buf jwt = {0};

    (void)state;
    world_init(&w, "bad-key@proj.iam.gserviceaccount.com");
    w.prov.sa_private_key = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
    assert_int_equal(sy__oauth_make_jwt(&w.prov, NOW, &jwt), -1);
    assert_int_equal(jwt.len, 0);
    assert_null(sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &a));
    assert_int_equal(a.calls, 1); /* before returning */
    assert_false(a.got_token);
    assert_non_null(strstr(a.error, "private key"));
    assert_null(strstr(a.error, "not a key"));
    assert_int_equal(w.srv.requests, 0);
    world_dispose(&w);
}

/* ---- Exchanges -------------------------------------------------------------- */

static void
one_exchange_answers_every_waiter_and_is_cached_until_five_minutes_before_expiry(void **state)
{
    struct world w;
    struct answer a = {0}, b = {0}, c = {0}, d = {0}, e = {0};
    struct sy_oauth_wait *wa, *wb, *wc, *wd;

    (void)state;
    world_init(&w, "flight@proj.iam.gserviceaccount.com");
    wa = sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &a);
    wb = sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &b);
    wc = sy_oauth_get_token(w.upstream, &w.prov, NOW + 1, on_token, &c);
    assert_non_null(wa);
    assert_non_null(wb);
    assert_non_null(wc);
    assert_int_equal(a.calls + b.calls + c.calls, 0); /* nothing before the loop runs */
    sy_oauth_cancel(wb);
    run_until(&w, &c.calls, 1);

    assert_int_equal(w.srv.requests, 1);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 0); /* cancelled */
    assert_int_equal(c.calls, 1);
    assert_string_equal(a.token, "ya29.first");
    assert_string_equal(c.token, "ya29.first");
    assert_string_equal(a.error, "");
    assert_non_null(strstr(w.srv.last_head, "POST /token HTTP/1.1\r\n"));
    assert_non_null(strcasestr(w.srv.last_head, "content-type: application/x-www-form-urlencoded"));
    assert_true(strncmp(w.srv.last_body,
                        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                        "&assertion=ey",
                        76) == 0);

    /* Cached, answered before returning, until 300 s before it expires. */
    assert_null(sy_oauth_get_token(w.upstream, &w.prov, NOW + 3600 - 300 - 1, on_token, &d));
    assert_int_equal(d.calls, 1);
    assert_string_equal(d.token, "ya29.first");
    assert_int_equal(w.srv.requests, 1);

    /* Then due: a new exchange. */
    w.srv.body = "{\"access_token\":\"ya29.second\",\"expires_in\":3599}";
    wd = sy_oauth_get_token(w.upstream, &w.prov, NOW + 3600 - 300, on_token, &e);
    assert_non_null(wd);
    assert_int_equal(e.calls, 0);
    run_until(&w, &e.calls, 1);
    assert_int_equal(w.srv.requests, 2);
    assert_int_equal(e.calls, 1);
    assert_string_equal(e.token, "ya29.second");
    assert_int_equal(a.calls + c.calls + d.calls, 3); /* each exactly once */
    world_dispose(&w);
}

struct chain {
    struct world *w;
    struct answer first, second;
    struct sy_oauth_wait *second_wait;
};

/* A waiter that, told of an error, asks again at once (a request moving on
 * to its next route): it must join a new exchange, not hear the old error. */
static void ask_again(void *ctx, const char *token, const char *error)
{
    struct chain *ch = ctx;

    on_token(&ch->first, token, error);
    ch->w->srv.status = 200;
    ch->w->srv.body = "{\"access_token\":\"ya29.first\",\"expires_in\":3600}";
    ch->second_wait = sy_oauth_get_token(ch->w->upstream, &ch->w->prov, NOW, on_token, &ch->second);
}

static void reports_a_refused_exchange_without_secrets_and_does_not_cache_it(void **state)
{
    struct world w;
    struct chain ch = {.w = &w};
    struct answer other = {0};

    (void)state;
    world_init(&w, "refused@proj.iam.gserviceaccount.com");
    w.srv.status = 400;
    w.srv.body = "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}";
    assert_non_null(sy_oauth_get_token(w.upstream, &w.prov, NOW, ask_again, &ch));
    assert_non_null(sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &other));
    run_until(&w, &ch.second.calls, 1);

    assert_int_equal(ch.first.calls, 1);
    assert_false(ch.first.got_token);
    assert_string_equal(ch.first.error, "token endpoint answered HTTP 400 (invalid_grant)");
    assert_int_equal(other.calls, 1); /* the same exchange's error, once */
    assert_string_equal(other.error, ch.first.error);
    /* The one that asked again got a new exchange and its token. */
    assert_non_null(ch.second_wait);
    assert_int_equal(ch.second.calls, 1);
    assert_string_equal(ch.second.token, "ya29.first");
    assert_int_equal(w.srv.requests, 2);
    world_dispose(&w);
}

static void refuses_a_token_that_would_break_the_header_line(void **state)
{
    struct world w;
    struct answer a = {0};

    (void)state;
    world_init(&w, "crlf@proj.iam.gserviceaccount.com");
    w.srv.body = "{\"access_token\":\"ya29.a\\r\\nX-Evil: 1\",\"expires_in\":3600}";
    assert_non_null(sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &a));
    run_until(&w, &a.calls, 1);
    assert_int_equal(a.calls, 1);
    assert_false(a.got_token);
    assert_string_equal(a.error, "token endpoint answer has no access_token");
    world_dispose(&w);
}

static void reports_an_unreachable_token_endpoint(void **state)
{
    struct world w;
    struct answer a = {0};

    (void)state;
    world_init(&w, "down@proj.iam.gserviceaccount.com");
    /* Nothing listens on the port of a closed listener. */
    uv_close((uv_handle_t *)&w.srv.listener, NULL);
    uv_run(&w.loop, UV_RUN_NOWAIT);
    assert_non_null(sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &a));
    run_until(&w, &a.calls, 1);
    assert_int_equal(a.calls, 1);
    assert_false(a.got_token);
    assert_string_equal(a.error, "token endpoint unreachable (connect)");
    sy_oauth_worker_dispose();
    sy_upstream_ctx_free(w.upstream);
    uv_run(&w.loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&w.loop), 0);
}

static void a_waiter_cancelled_mid_exchange_and_dispose_leave_nothing_behind(void **state)
{
    struct world w;
    struct answer a = {0};

    (void)state;
    world_init(&w, "dispose@proj.iam.gserviceaccount.com");
    sy_oauth_cancel(sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &a));
    assert_non_null(sy_oauth_get_token(w.upstream, &w.prov, NOW, on_token, &a));
    /* Disposed with the exchange still in flight: no callback, no leak. */
    world_dispose(&w);
    assert_int_equal(a.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signs_a_jwt_that_the_public_key_verifies),
        cmocka_unit_test(refuses_a_key_it_cannot_read_at_once),
        cmocka_unit_test(
            one_exchange_answers_every_waiter_and_is_cached_until_five_minutes_before_expiry),
        cmocka_unit_test(reports_a_refused_exchange_without_secrets_and_does_not_cache_it),
        cmocka_unit_test(refuses_a_token_that_would_break_the_header_line),
        cmocka_unit_test(reports_an_unreachable_token_endpoint),
        cmocka_unit_test(a_waiter_cancelled_mid_exchange_and_dispose_leave_nothing_behind),
    };

    return cmocka_run_group_tests(tests, make_key, free_key);
}
