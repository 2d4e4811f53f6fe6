/* tests/unit/upstream/test_h1_parse.c - tests src/upstream/h1_parse.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "upstream/h1_parse.h"

enum end { END_DONE, END_CUT, END_MALFORMED };

/* What feeding a whole response produced. */
struct result {
    enum end end;
    int status;
    int interim; /* 1xx heads skipped */
    enum sy_h1_framing framing;
    bool is_keep_alive;
    char content_type[128];
    char retry_after[64];
    struct sy_buf body;
    size_t extra; /* bytes after the end of the response */
};

static void copy_view(char *dst, size_t cap, struct sy_str s)
{
    snprintf(dst, cap, "%.*s", (int)s.len, s.ptr != NULL ? s.ptr : "");
}

/* Feeds `len` bytes of `in` the way h1.c does: head bytes are kept until the
 * head is complete, body bytes are decoded as they come. The input arrives
 * in reads that end at `cuts` (ascending), then at `len`; each read is an
 * exact-size heap copy so that ASan sees a read past its end. Then the
 * connection closes. */
static void run(const char *in, size_t len, const size_t *cuts, size_t cut_count, struct result *r)
{
    struct sy_h1_parser p;
    struct sy_buf head_bytes = {0};
    bool head_done = false;
    size_t from = 0;

    memset(r, 0, sizeof(*r));
    sy_h1_parser_init(&p);
    for (size_t k = 0; k <= cut_count; k++) {
        size_t to = k < cut_count ? cuts[k] : len;
        char *piece = malloc(to > from ? to - from : 1);
        const char *data = piece;
        size_t n = to - from;

        memcpy(piece, in + from, n);
        from = to;
        while (!head_done) {
            struct sy_h1_head head;
            ssize_t used;
            sy_buf_append(&head_bytes, data, n);
            data += n;
            n = 0;
            used = sy_h1_parse_head(&p, head_bytes.ptr, head_bytes.len, &head);
            if (used == SY_H1_NEED_MORE)
                break;
            if (used < 0) {
                r->end = END_MALFORMED;
                free(piece);
                goto out;
            }
            if (head.status < 200) {
                r->interim++;
            } else {
                head_done = true;
                r->status = head.status;
                r->framing = head.framing;
                r->is_keep_alive = head.is_keep_alive;
                copy_view(r->content_type, sizeof(r->content_type), head.content_type);
                copy_view(r->retry_after, sizeof(r->retry_after), head.retry_after);
            }
            /* What follows the head goes through the loop again, or to the body. */
            sy_buf_consume(&head_bytes, (size_t)used);
            if (head_done) {
                data = piece;
                n = head_bytes.len;
                memcpy(piece, head_bytes.ptr, n); /* never more than this read */
            }
        }
        while (head_done && n > 0 && !sy_h1_is_done(&p)) {
            struct sy_str body;
            ssize_t used = sy_h1_parse_body(&p, data, n, &body);
            if (used < 0) {
                r->end = END_MALFORMED;
                free(piece);
                goto out;
            }
            assert_true(body.len == 0 || body.ptr + body.len == data + used);
            sy_buf_append(&r->body, body.ptr, body.len);
            data += used;
            n -= (size_t)used;
        }
        r->extra += head_done ? n : 0;
        free(piece);
    }
    r->end = head_done && sy_h1_close(&p) ? END_DONE : END_CUT;
out:
    sy_buf_dispose(&head_bytes);
}

static void run_whole(const char *in, struct result *r)
{
    run(in, strlen(in), NULL, 0, r);
}

static void expect_body(const struct result *r, const char *want)
{
    assert_int_equal(r->body.len, strlen(want));
    assert_memory_equal(r->body.ptr != NULL ? r->body.ptr : "", want, r->body.len);
}

/* ---- Heads and framing ------------------------------------------------------- */

static void reads_a_body_framed_by_content_length(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n"
              "{\"a\":1}",
              &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.framing, SY_H1_FRAMING_LENGTH);
    assert_true(r.is_keep_alive);
    assert_string_equal(r.content_type, "application/json");
    expect_body(&r, "{\"a\":1}");
    assert_int_equal(r.extra, 0);
    sy_buf_dispose(&r.body);
}

static void reports_bytes_after_the_body_as_extra(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", &r);
    assert_int_equal(r.end, END_DONE);
    expect_body(&r, "ok");
    assert_int_equal(r.extra, strlen("HTTP/1.1 200 OK\r\n"));
    sy_buf_dispose(&r.body);
}

static void finds_header_names_whatever_their_case_and_trims_values(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 429 Too Many Requests\r\nCONTENT-type:\t text/event-stream \r\n"
              "reTry-After:  7\t\r\ncontent-LENGTH: 0\r\n\r\n",
              &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.content_type, "text/event-stream");
    assert_string_equal(r.retry_after, "7");
    expect_body(&r, "");
    sy_buf_dispose(&r.body);
}

static void decodes_chunks_with_extensions_and_trailers(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5;name=value\r\nhello\r\n"
              "1 ; a=\"b c\";d\r\n,\r\n"
              "A\r\n world!!!!\r\n"
              "0;last\r\nX-Trailer: 1\r\nOther: two\r\n\r\n",
              &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.framing, SY_H1_FRAMING_CHUNKED);
    assert_true(r.is_keep_alive);
    expect_body(&r, "hello, world!!!!");
    assert_int_equal(r.extra, 0);
    sy_buf_dispose(&r.body);
}

static void decodes_the_same_chunked_body_whatever_the_split_point(void **state)
{
    static const char in[] = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n"
                             "content-type: text/event-stream\r\n\r\n"
                             "f;ext=1\r\ndata: {\"a\":1}\n\n\r\n"
                             "1\r\nx\r\n10\r\n0123456789abcdef\r\n"
                             "0\r\nTrailer: yes\r\n\r\n";
    struct result whole, split;

    (void)state;
    run_whole(in, &whole);
    assert_int_equal(whole.end, END_DONE);
    expect_body(&whole, "data: {\"a\":1}\n\nx0123456789abcdef");
    for (size_t cut = 0; cut <= sizeof(in) - 1; cut++) {
        run(in, sizeof(in) - 1, &cut, 1, &split);
        assert_int_equal(split.end, END_DONE);
        assert_int_equal(split.status, 200);
        assert_string_equal(split.content_type, "text/event-stream");
        assert_int_equal(split.body.len, whole.body.len);
        assert_memory_equal(split.body.ptr, whole.body.ptr, whole.body.len);
        assert_int_equal(split.extra, 0);
        sy_buf_dispose(&split.body);
    }
    sy_buf_dispose(&whole.body);
}

static void skips_interim_answers_before_the_final_head(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n"
              "Content-Type: text/html\r\n\r\n"
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
              &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.interim, 2);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    expect_body(&r, "{}");
    sy_buf_dispose(&r.body);
}

static void refuses_switching_protocols(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", &r);
    assert_int_equal(r.end, END_MALFORMED);
}

static void reads_http_1_0_until_close_and_never_keeps_it_alive(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.framing, SY_H1_FRAMING_CLOSE);
    assert_false(r.is_keep_alive);
    expect_body(&r, "all of it");
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", &r);
    assert_int_equal(r.end, END_DONE);
    assert_false(r.is_keep_alive);
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", &r);
    assert_int_equal(r.end, END_DONE);
    assert_true(r.is_keep_alive);
    sy_buf_dispose(&r.body);
}

static void refuses_transfer_encoding_in_http_1_0(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &r);
    assert_int_equal(r.end, END_MALFORMED);
}

static void does_not_keep_alive_after_connection_close(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\nConnection: foo, Close\r\nContent-Length: 2\r\n\r\nok", &r);
    assert_int_equal(r.end, END_DONE);
    assert_false(r.is_keep_alive);
    sy_buf_dispose(&r.body);
}

static void has_no_body_for_204_and_304_whatever_the_headers_say(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.framing, SY_H1_FRAMING_NONE);
    expect_body(&r, "");
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.framing, SY_H1_FRAMING_NONE);
    sy_buf_dispose(&r.body);
}

static void reads_until_close_without_framing_headers(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\n\r\nuntil the end", &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.framing, SY_H1_FRAMING_CLOSE);
    assert_false(r.is_keep_alive);
    expect_body(&r, "until the end");
    sy_buf_dispose(&r.body);
}

static void reports_a_body_cut_short_as_cut(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", &r);
    assert_int_equal(r.end, END_CUT);
    expect_body(&r, "short");
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", &r);
    assert_int_equal(r.end, END_CUT);
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", &r);
    assert_int_equal(r.end, END_CUT);
}

/* ---- Limits and malformed input ------------------------------------------------ */

static void accepts_a_head_of_exactly_the_limit_and_refuses_one_byte_more(void **state)
{
    static const char start[] = "HTTP/1.1 200 OK\r\nX-Pad: ";
    static const char end[] = "\r\nContent-Length: 0\r\n\r\n";
    size_t len = SY_H1_MAX_HEAD_BYTES;
    char *in = malloc(len + 2);
    struct result r;

    (void)state;
    memcpy(in, start, sizeof(start) - 1);
    memset(in + sizeof(start) - 1, 'a', len - (sizeof(start) - 1) - (sizeof(end) - 1));
    memcpy(in + len - (sizeof(end) - 1), end, sizeof(end));
    run(in, len, NULL, 0, &r);
    assert_int_equal(r.end, END_DONE);

    size_t cut = len / 2;
    memmove(in + sizeof(start), in + sizeof(start) - 1, len - (sizeof(start) - 1) + 1);
    run(in, len + 1, &cut, 1, &r);
    assert_int_equal(r.end, END_MALFORMED);
    free(in);
}

static void counts_interim_heads_toward_the_head_limit(void **state)
{
    struct sy_buf in = {0};
    struct result r;

    (void)state;
    while (in.len < SY_H1_MAX_HEAD_BYTES)
        SY_BUF_APPEND_LIT(&in, "HTTP/1.1 100 Continue\r\n\r\n");
    SY_BUF_APPEND_LIT(&in, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    run(in.ptr, in.len, NULL, 0, &r);
    assert_int_equal(r.end, END_MALFORMED);
    sy_buf_dispose(&in);
}

static void accepts_100_header_fields_and_refuses_101(void **state)
{
    struct sy_buf in = {0};
    struct result r;

    (void)state;
    SY_BUF_APPEND_LIT(&in, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
    for (int i = 1; i < SY_H1_MAX_HEADERS; i++)
        sy_buf_appendf(&in, "X-Field-%d: %d\r\n", i, i);
    SY_BUF_APPEND_LIT(&in, "\r\n");
    run(in.ptr, in.len, NULL, 0, &r);
    assert_int_equal(r.end, END_DONE);

    in.len -= 2; /* drop the empty line */
    SY_BUF_APPEND_LIT(&in, "X-One-Too-Many: 1\r\n\r\n");
    run(in.ptr, in.len, NULL, 0, &r);
    assert_int_equal(r.end, END_MALFORMED);
    sy_buf_dispose(&in);
}

static void refuses_malformed_status_lines(void **state)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",       "HTTP/2.0 200 OK\r\n\r\n",       "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",    "HTTP/1.1 099 OK\r\n\r\n",       "HTTP/1.1  200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",     "HTTP/1.1 200 O\x01K\r\n\r\n",   "ICY 200 OK\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\rX: y\r\n\r\n",
    };
    struct result r;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run_whole(bad[i], &r);
        if (r.end != END_MALFORMED)
            fail_msg("accepted status line #%zu", i);
    }
}

static void refuses_malformed_header_lines(void **state)
{
    static const char *const bad[] = {
        "X-Space : 1\r\n", /* blank before the colon */
        " folded: 1\r\n",  /* obs-fold at the start */
        "X-A: 1\r\n continued\r\n", "No colon here\r\n", ": no name\r\n",   "X-Nul: a\0b\r\n",
        "X-Ctl: a\x7f b\r\n",       "X-Cr: a\rb\r\n",    "X(paren): 1\r\n",
    };
    struct result r;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sy_buf in = {0};
        SY_BUF_APPEND_LIT(&in, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        /* strlen stops at the embedded NUL: append the line by hand. */
        size_t n = strlen(bad[i]);
        if (i == 5)
            n = sizeof("X-Nul: a\0b\r\n") - 1;
        sy_buf_append(&in, bad[i], n);
        SY_BUF_APPEND_LIT(&in, "\r\n");
        run(in.ptr, in.len, NULL, 0, &r);
        if (r.end != END_MALFORMED)
            fail_msg("accepted header line #%zu", i);
        sy_buf_dispose(&in);
    }
}

/* Bare LF: accepted, like curl, browsers and picohttpparser (RFC 9112 2.2). */
static void accepts_bare_lf_line_ends_in_head_and_chunks(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\nContent-Type: a/b\nTransfer-Encoding: chunked\n\n"
              "3\nabc\n0\nT: 1\n\n",
              &r);
    assert_int_equal(r.end, END_DONE);
    assert_string_equal(r.content_type, "a/b");
    expect_body(&r, "abc");
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 1\n\r\nz", &r);
    assert_int_equal(r.end, END_DONE);
    expect_body(&r, "z");
    sy_buf_dispose(&r.body);
}

static void refuses_negative_overflowing_or_conflicting_content_length(void **state)
{
    static const char *const bad[] = {
        "-1",
        "+5",
        "1e3",
        "0x10",
        "",
        ",",
        "9223372036854775808",  /* 2^63 */
        "99999999999999999999", /* over 2^64 */
        "5, 6",
        "5 5",
    };
    struct result r;
    char in[200];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n", bad[i]);
        run_whole(in, &r);
        if (r.end != END_MALFORMED)
            fail_msg("accepted content-length \"%s\"", bad[i]);
    }
    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", &r);
    assert_int_equal(r.end, END_MALFORMED);

    /* Repeated equal values are one value (RFC 9110 8.6). */
    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc", &r);
    assert_int_equal(r.end, END_DONE);
    expect_body(&r, "abc");
    sy_buf_dispose(&r.body);

    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nabc", &r);
    assert_int_equal(r.end, END_CUT);
    sy_buf_dispose(&r.body);
}

static void reads_chunked_when_content_length_is_also_present(void **state)
{
    struct result r;

    (void)state;
    run_whole("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3\r\nabc\r\n0\r\n\r\n",
              &r);
    assert_int_equal(r.end, END_DONE);
    assert_int_equal(r.framing, SY_H1_FRAMING_CHUNKED);
    assert_false(r.is_keep_alive); /* a possible smuggling attempt: not reused */
    expect_body(&r, "abc");
    sy_buf_dispose(&r.body);
}

static void refuses_transfer_codings_other_than_chunked(void **state)
{
    static const char *const bad[] = {"gzip", "gzip, chunked", "chunked, chunked", "", "identity"};
    struct result r;
    char in[200];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n0\r\n\r\n",
                 bad[i]);
        run_whole(in, &r);
        if (r.end != END_MALFORMED)
            fail_msg("accepted transfer-encoding \"%s\"", bad[i]);
    }
}

static void refuses_malformed_chunk_framing(void **state)
{
    static const char *const bad[] = {
        "x\r\n",                    /* not hex */
        "\r\n",                     /* no digits */
        " 5\r\nhello\r\n0\r\n\r\n", /* leading blank */
        "-5\r\nhello\r\n0\r\n\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n",      /* no CRLF after the data */
        "5\r\nhello\r\r\n0\r\n\r\n",     /* CR CR */
        "5 x\r\nhello\r\n0\r\n\r\n",     /* junk after the size */
        "5;a\x01\r\nhello\r\n0\r\n\r\n", /* control byte in an extension */
        "1000000000000000\r\n",          /* 2^60 */
        "0\r\n folded: trailer\r\n\r\n",
        "0\r\nT: 1\rx\r\n\r\n",
        "5\rhello\r\n0\r\n\r\n",
    };
    struct result r;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sy_buf in = {0};
        SY_BUF_APPEND_LIT(&in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        sy_buf_append(&in, bad[i], strlen(bad[i]));
        run(in.ptr, in.len, NULL, 0, &r);
        if (r.end != END_MALFORMED)
            fail_msg("accepted chunked body #%zu", i);
        sy_buf_dispose(&r.body);
        sy_buf_dispose(&in);
    }
}

static void limits_chunk_size_lines_and_trailers(void **state)
{
    struct sy_buf in = {0};
    struct result r;

    (void)state;
    SY_BUF_APPEND_LIT(&in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
    for (int i = 0; i < SY_H1_MAX_CHUNK_LINE_BYTES; i++)
        SY_BUF_APPEND_LIT(&in, "e");
    SY_BUF_APPEND_LIT(&in, "\r\na\r\n0\r\n\r\n");
    run(in.ptr, in.len, NULL, 0, &r);
    assert_int_equal(r.end, END_MALFORMED);
    sy_buf_dispose(&in);

    SY_BUF_APPEND_LIT(&in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
    for (int i = 0; i < SY_H1_MAX_TRAILER_BYTES / 10 + 1; i++)
        SY_BUF_APPEND_LIT(&in, "T: 123456\r\n");
    SY_BUF_APPEND_LIT(&in, "\r\n");
    run(in.ptr, in.len, NULL, 0, &r);
    assert_int_equal(r.end, END_MALFORMED);
    sy_buf_dispose(&in);
}

static void trickles_a_head_in_byte_by_byte(void **state)
{
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Type: x/y\r\nContent-Length: 3\r\n"
                             "\r\nabc";
    size_t cuts[sizeof(in) - 2];
    struct result r;

    (void)state;
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        cuts[i] = i + 1;
    run(in, sizeof(in) - 1, cuts, sizeof(cuts) / sizeof(cuts[0]), &r);
    assert_int_equal(r.end, END_DONE);
    assert_string_equal(r.content_type, "x/y");
    expect_body(&r, "abc");
    sy_buf_dispose(&r.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_body_framed_by_content_length),
        cmocka_unit_test(reports_bytes_after_the_body_as_extra),
        cmocka_unit_test(finds_header_names_whatever_their_case_and_trims_values),
        cmocka_unit_test(decodes_chunks_with_extensions_and_trailers),
        cmocka_unit_test(decodes_the_same_chunked_body_whatever_the_split_point),
        cmocka_unit_test(skips_interim_answers_before_the_final_head),
        cmocka_unit_test(refuses_switching_protocols),
        cmocka_unit_test(reads_http_1_0_until_close_and_never_keeps_it_alive),
        cmocka_unit_test(refuses_transfer_encoding_in_http_1_0),
        cmocka_unit_test(does_not_keep_alive_after_connection_close),
        cmocka_unit_test(has_no_body_for_204_and_304_whatever_the_headers_say),
        cmocka_unit_test(reads_until_close_without_framing_headers),
        cmocka_unit_test(reports_a_body_cut_short_as_cut),
        cmocka_unit_test(accepts_a_head_of_exactly_the_limit_and_refuses_one_byte_more),
        cmocka_unit_test(counts_interim_heads_toward_the_head_limit),
        cmocka_unit_test(accepts_100_header_fields_and_refuses_101),
        cmocka_unit_test(refuses_malformed_status_lines),
        cmocka_unit_test(refuses_malformed_header_lines),
        cmocka_unit_test(accepts_bare_lf_line_ends_in_head_and_chunks),
        cmocka_unit_test(refuses_negative_overflowing_or_conflicting_content_length),
        cmocka_unit_test(reads_chunked_when_content_length_is_also_present),
        cmocka_unit_test(refuses_transfer_codings_other_than_chunked),
        cmocka_unit_test(refuses_malformed_chunk_framing),
        cmocka_unit_test(limits_chunk_size_lines_and_trailers),
        cmocka_unit_test(trickles_a_head_in_byte_by_byte),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
