/* tests/unit/upstream/test_h1_request.c - tests src/upstream/h1_request.c */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "upstream/upstream_int.h"

static void takes_plain_http_to_ip_literals_and_localhost(void **state)
{
    struct sy__h1_target tg;
    char ip[64];

    (void)state;
    assert_true(sy__h1_parse_url("http://127.0.0.1:8081/v1/chat/completions", &tg));
    assert_int_equal(tg.sa_count, 1);
    assert_int_equal(tg.sa[0].sa.sa_family, AF_INET);
    assert_int_equal(ntohs(tg.sa[0].in.sin_port), 8081);
    assert_int_equal(tg.port, 8081);
    assert_true(sy_str_eq_c(tg.host, "127.0.0.1"));
    assert_true(sy_str_eq_c(tg.path, "/v1/chat/completions"));

    assert_true(sy__h1_parse_url("HTTP://[::1]:9000?x=1", &tg));
    assert_int_equal(tg.sa[0].sa.sa_family, AF_INET6);
    assert_non_null(inet_ntop(AF_INET6, &tg.sa[0].in6.sin6_addr, ip, sizeof(ip)));
    assert_string_equal(ip, "::1");
    assert_true(sy_str_eq_c(tg.host, "[::1]"));
    assert_true(sy_str_eq_c(tg.path, "?x=1"));

    assert_true(sy__h1_parse_url("http://LocalHost/", &tg));
    assert_int_equal(tg.sa_count, 2); /* 127.0.0.1, then ::1 */
    assert_int_equal(tg.sa[0].sa.sa_family, AF_INET);
    assert_int_equal(tg.sa[1].sa.sa_family, AF_INET6);
    assert_int_equal(tg.port, 80);

    assert_true(sy__h1_parse_url("http://10.0.0.2:", &tg)); /* empty port: 80, like curl */
    assert_int_equal(tg.port, 80);
    assert_int_equal(tg.path.len, 0);
}

static void leaves_everything_else_to_curl(void **state)
{
    static const char *const urls[] = {
        "https://127.0.0.1/",
        "http://api.openai.com/v1",
        "http://localhost.localdomain/",
        "http://user:pass@127.0.0.1/",
        "http://127.0.0.1/a#frag",
        "http://127.0.0.1/a b",
        "http://127.0.0.1/\x7f",
        "http://[fe80::1%25eth0]:80/",
        "http://[::1/",
        "http://[::1]x/",
        "http://127.0.0.1:0/",
        "http://127.0.0.1:65536/",
        "http://127.0.0.1:123456/",
        "http://127.0.0.1:8o/",
        "http://127.1/",
        "http://:80/",
        "ftp://127.0.0.1/",
    };
    struct sy__h1_target tg;

    (void)state;
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        if (sy__h1_parse_url(urls[i], &tg))
            fail_msg("took %s", urls[i]);
}

/* Builds the head the way h1.c does: measure, then write. */
static char *head_for(const struct sy_upstream_request *req)
{
    struct sy__h1_target tg;
    size_t len;
    char *out;

    assert_true(sy__h1_parse_url(req->url, &tg));
    len = sy__h1_request_head(req, &tg, NULL);
    if (len == 0)
        return NULL;
    out = calloc(1, len + 1);
    assert_int_equal(sy__h1_request_head(req, &tg, out), len);
    return out;
}

static void writes_a_post_head_with_host_length_and_the_header_lines(void **state)
{
    const char *headers[] = {"Content-Type: application/json", "X-Empty:", "X-Blank:  \t",
                             "Authorization: Bearer k"};
    struct sy_upstream_request req = {
        .url = "http://127.0.0.1:8081/v1/chat/completions?api-version=1",
        .body = SY_STR("{}"),
        .headers = headers,
        .headers_count = 4,
    };
    char *head = head_for(&req);

    (void)state;
    assert_string_equal(head, "POST /v1/chat/completions?api-version=1 HTTP/1.1\r\n"
                              "Host: 127.0.0.1:8081\r\nContent-Length: 2\r\n"
                              "Content-Type: application/json\r\n"
                              "Authorization: Bearer k\r\n\r\n");
    free(head);
}

static void writes_a_get_head_without_length_and_a_root_path(void **state)
{
    struct sy_upstream_request req = {.url = "http://[::1]?q", .is_get = true};
    char *head = head_for(&req);

    (void)state;
    assert_string_equal(head, "GET /?q HTTP/1.1\r\nHost: [::1]\r\n\r\n");
    free(head);

    req.url = "http://localhost:80";
    head = head_for(&req);
    assert_string_equal(head, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    free(head);
}

static void refuses_header_lines_that_would_inject_others(void **state)
{
    const char *crlf[] = {"X-A: 1\r\nX-Injected: 2"};
    const char *lf[] = {"X-A: 1\nX-Injected: 2"};
    struct sy_upstream_request req = {.url = "http://127.0.0.1/", .headers_count = 1};

    (void)state;
    req.headers = crlf;
    assert_null(head_for(&req));
    req.headers = lf;
    assert_null(head_for(&req));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(takes_plain_http_to_ip_literals_and_localhost),
        cmocka_unit_test(leaves_everything_else_to_curl),
        cmocka_unit_test(writes_a_post_head_with_host_length_and_the_header_lines),
        cmocka_unit_test(writes_a_get_head_without_length_and_a_root_path),
        cmocka_unit_test(refuses_header_lines_that_would_inject_others),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
