/* tests/unit/mock_provider/test_http1.c - tests tools/mock_provider/http1.c
 *
 * The server calls the parser again from the start of the request each time bytes arrive, so
 * every test feeds growing prefixes: where a read ends must not change the result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "mock_provider/mock_provider_int.h"

struct parse {
    struct sy__mock_http_req req;
    struct sy__mock_chunked st;
    struct sy_buf scratch;
};

/* Feeds `raw` one more byte at a time, as a server would see it arrive. Every prefix must be
 * INCOMPLETE; returns the result for the whole of it. */
static ssize_t parse_growing(const char *raw, size_t len, struct parse *p)
{
    memset(&p->st, 0, sizeof(p->st));
    for (size_t n = 0; n < len; n++) {
        ssize_t r = sy__mock_http_parse(raw, n, &p->req, &p->st, &p->scratch);

        if (r != SY__MOCK_HTTP_INCOMPLETE)
            return r;
    }
    return sy__mock_http_parse(raw, len, &p->req, &p->st, &p->scratch);
}

static ssize_t parse_once(const char *raw, struct parse *p)
{
    memset(&p->st, 0, sizeof(p->st));
    return sy__mock_http_parse(raw, strlen(raw), &p->req, &p->st, &p->scratch);
}

static void parses_a_request_with_a_content_length_body(void **state)
{
    static const char raw[] = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\n"
                              "Content-Length: 5\r\nX-Mock-Status:  503 \r\n\r\nhelloNEXT";
    struct parse p = {0};

    (void)state;
    assert_int_equal(parse_growing(raw, sizeof(raw) - 1 - 4, &p), sizeof(raw) - 1 - 4);
    assert_true(sy_str_eq_c(p.req.method, "POST"));
    assert_true(sy_str_eq_c(p.req.path, "/v1/chat/completions"));
    assert_true(sy_str_eq_c(p.req.query, "x=1"));
    assert_int_equal(p.req.minor_version, 1);
    assert_true(p.req.is_keep_alive);
    assert_int_equal(p.req.header_count, 3);
    assert_true(sy_str_eq_c(p.req.body, "hello"));
    assert_true(sy_str_eq_c(sy__mock_http_header(&p.req, "x-mock-status"), "503"));
    assert_null(sy__mock_http_header(&p.req, "authorization").ptr);
    sy_buf_dispose(&p.scratch);
}

static void decodes_a_chunked_body_whatever_the_read_boundaries(void **state)
{
    static const char raw[] = "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                              "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nT: 1\r\n\r\n";
    struct parse p = {0};

    (void)state;
    assert_int_equal(parse_growing(raw, sizeof(raw) - 1, &p), sizeof(raw) - 1);
    assert_true(p.req.is_chunked);
    assert_true(sy_str_eq_c(p.req.body, "hello 0123456789"));
    sy_buf_dispose(&p.scratch);
}

static void accepts_bare_lf_line_ends(void **state)
{
    struct parse p = {0};

    (void)state;
    assert_true(parse_once("\r\nGET /health HTTP/1.0\nConnection: keep-alive\n\n", &p) > 0);
    assert_true(sy_str_eq_c(p.req.path, "/health"));
    assert_true(p.req.is_keep_alive);
    sy_buf_dispose(&p.scratch);
}

static void follows_the_connection_header(void **state)
{
    struct parse p = {0};

    (void)state;
    assert_true(parse_once("GET / HTTP/1.0\r\n\r\n", &p) > 0);
    assert_false(p.req.is_keep_alive);
    assert_true(parse_once("GET / HTTP/1.1\r\nConnection: TE, close\r\n\r\n", &p) > 0);
    assert_false(p.req.is_keep_alive);
    sy_buf_dispose(&p.scratch);
}

static void reports_a_complete_head_while_the_body_is_awaited(void **state)
{
    struct parse p = {0};

    (void)state;
    assert_int_equal(
        parse_once("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\nabc", &p),
        SY__MOCK_HTTP_INCOMPLETE);
    assert_true(p.req.head_len > 0);
    assert_true(p.req.expects_continue);
    sy_buf_dispose(&p.scratch);
}

static void refuses_what_is_not_http(void **state)
{
    static const char *const bad[] = {
        "GET\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "G@T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
        "GET / HTTP/1.1\r\nA : b\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
    };
    struct parse p = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse_growing(bad[i], strlen(bad[i]), &p) != SY__MOCK_HTTP_BAD)
            fail_msg("accepted: %s", bad[i]);
    }
    sy_buf_dispose(&p.scratch);
}

static void refuses_heads_and_bodies_over_their_limits(void **state)
{
    struct sy_buf raw = {0};
    struct parse p = {0};

    (void)state;
    assert_int_equal(parse_once("POST / HTTP/1.1\r\nContent-Length: 16777217\r\n\r\n", &p),
                     SY__MOCK_HTTP_BODY_TOO_LARGE);
    assert_int_equal(
        parse_once("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", &p),
        SY__MOCK_HTTP_BODY_TOO_LARGE);
    assert_int_equal(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "1000001\r\n",
                                &p),
                     SY__MOCK_HTTP_BODY_TOO_LARGE);
    assert_true(parse_once("POST / HTTP/1.1\r\nContent-Length: 16777216\r\n\r\n", &p) ==
                SY__MOCK_HTTP_INCOMPLETE);

    SY_BUF_APPEND_LIT(&raw, "GET / HTTP/1.1\r\nX-Big: ");
    for (int i = 0; i < 70000; i++)
        SY_BUF_APPEND_LIT(&raw, "a");
    assert_int_equal(parse_once(raw.ptr, &p), SY__MOCK_HTTP_HEAD_TOO_LARGE);
    SY_BUF_APPEND_LIT(&raw, "\r\n\r\n");
    assert_int_equal(parse_once(raw.ptr, &p), SY__MOCK_HTTP_HEAD_TOO_LARGE);

    sy_buf_reset(&raw);
    SY_BUF_APPEND_LIT(&raw, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < SY__MOCK_MAX_HEADERS + 1; i++)
        SY_BUF_APPEND_LIT(&raw, "A: b\r\n");
    SY_BUF_APPEND_LIT(&raw, "\r\n");
    assert_int_equal(parse_once(raw.ptr, &p), SY__MOCK_HTTP_HEAD_TOO_LARGE);
    sy_buf_dispose(&raw);
    sy_buf_dispose(&p.scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_request_with_a_content_length_body),
        cmocka_unit_test(decodes_a_chunked_body_whatever_the_read_boundaries),
        cmocka_unit_test(accepts_bare_lf_line_ends),
        cmocka_unit_test(follows_the_connection_header),
        cmocka_unit_test(reports_a_complete_head_while_the_body_is_awaited),
        cmocka_unit_test(refuses_what_is_not_http),
        cmocka_unit_test(refuses_heads_and_bodies_over_their_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
