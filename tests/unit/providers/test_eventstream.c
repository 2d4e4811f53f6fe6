/* tests/unit/providers/test_eventstream.c - tests src/providers/eventstream.c
 *
 * The byte vectors marked "AWS" are the event-stream test vectors AWS ships
 * with its SDKs (aws-sdk-js-v3, eventstream-marshaller TestVectors): they
 * were encoded by AWS's own code, not by the encoder below, which exists to
 * build the cases the vectors do not cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "core/str.h"
#include "providers/eventstream.h"

/* ---- An encoder, for the tests ---------------------------------------------- */

static void put_u32(struct sy_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    sy_buf_append(b, p, 4);
}

static void put_string_header(struct sy_buf *h, const char *name, const char *value)
{
    unsigned char n = (unsigned char)strlen(name), t = 7;
    size_t len = strlen(value);
    unsigned char l[2] = {(unsigned char)(len >> 8), (unsigned char)len};

    sy_buf_append(h, &n, 1);
    sy_buf_append(h, name, n);
    sy_buf_append(h, &t, 1);
    sy_buf_append(h, l, 2);
    sy_buf_append(h, value, len);
}

/* Appends one message with the given header bytes and payload. */
static void put_message(struct sy_buf *out, struct sy_str headers, struct sy_str payload)
{
    size_t start = out->len;
    uint32_t total = (uint32_t)(16 + headers.len + payload.len);

    put_u32(out, total);
    put_u32(out, (uint32_t)headers.len);
    put_u32(out, (uint32_t)crc32(0, (const unsigned char *)out->ptr + start, 8));
    sy_buf_append(out, headers.ptr, headers.len);
    sy_buf_append(out, payload.ptr, payload.len);
    put_u32(out, (uint32_t)crc32(0, (const unsigned char *)out->ptr + start, total - 4));
}

static void put_event(struct sy_buf *out, const char *event_type, const char *payload)
{
    struct sy_buf h = {0};

    put_string_header(&h, ":event-type", event_type);
    put_string_header(&h, ":content-type", "application/json");
    put_string_header(&h, ":message-type", "event");
    put_message(out, (struct sy_str){h.ptr, h.len}, sy_str_c(payload));
    sy_buf_dispose(&h);
}

/* ---- Recording messages --------------------------------------------------------- */

/* Every message as "message-type|event-type|exception-type|payload\n". */
struct recorder {
    struct sy_buf log;
    int count;
    size_t headers;
    int stop_at; /* stop on this message (1-based); 0 = never */
};

static int record(const struct sy_eventstream_message *m, void *ctx)
{
    struct recorder *r = ctx;

    sy_buf_append_str(&r->log, m->message_type);
    SY_BUF_APPEND_LIT(&r->log, "|");
    sy_buf_append_str(&r->log, m->event_type);
    SY_BUF_APPEND_LIT(&r->log, "|");
    sy_buf_append_str(&r->log, m->exception_type);
    SY_BUF_APPEND_LIT(&r->log, "|");
    sy_buf_append_str(&r->log, m->payload);
    SY_BUF_APPEND_LIT(&r->log, "\n");
    r->headers += m->headers_count;
    r->count++;
    return r->count == r->stop_at ? 7 : 0;
}

static int decode_whole(const void *bytes, size_t len, size_t max, struct recorder *r)
{
    struct sy_eventstream_decoder d;
    int rc;

    sy_eventstream_init(&d, max);
    rc = sy_eventstream_feed(&d, bytes, len, record, r);
    assert_false(rc == 0 && sy_eventstream_has_partial(&d));
    sy_eventstream_dispose(&d);
    return rc;
}

static void assert_log(const struct recorder *r, const char *expected)
{
    const char *got = r->log.ptr != NULL ? r->log.ptr : "";

    if (strcmp(got, expected) != 0)
        fail_msg("messages were:\n%s\nexpected:\n%s", got, expected);
}

/* ---- AWS's vectors ------------------------------------------------------------------ */

static const unsigned char empty_message[] = {0, 0,   0,  16,  0,   0,   0,   0,
                                              5, 194, 72, 235, 125, 152, 200, 255};
static const unsigned char int32_header[] = {0,   0,  0,   43,  0,   0,   0,   14,  52,  139, 236,
                                             123, 8,  101, 118, 101, 110, 116, 45,  105, 100, 4,
                                             0,   0,  160, 12,  123, 39,  102, 111, 111, 39,  58,
                                             39,  98, 97,  114, 39,  125, 211, 137, 2,   133};
static const unsigned char payload_no_headers[] = {0,   0,  0,   29, 0,   0,   0,   0,  253, 82,
                                                   140, 90, 123, 39, 102, 111, 111, 39, 58,  39,
                                                   98,  97, 114, 39, 125, 195, 101, 57, 54};
static const unsigned char payload_one_str_header[] = {
    0,   0,   0,   61,  0,   0,   0,   32,  7,   253, 131, 150, 12,  99,  111, 110,
    116, 101, 110, 116, 45,  116, 121, 112, 101, 7,   0,   16,  97,  112, 112, 108,
    105, 99,  97,  116, 105, 111, 110, 47,  106, 115, 111, 110, 123, 39,  102, 111,
    111, 39,  58,  39,  98,  97,  114, 39,  125, 141, 156, 8,   177};

static void aws_vectors_decode(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(decode_whole(empty_message, sizeof(empty_message), 1024, &r), 0);
    assert_int_equal(decode_whole(int32_header, sizeof(int32_header), 1024, &r), 0);
    assert_int_equal(decode_whole(payload_no_headers, sizeof(payload_no_headers), 1024, &r), 0);
    assert_int_equal(decode_whole(payload_one_str_header, sizeof(payload_one_str_header), 1024, &r),
                     0);
    assert_int_equal(r.count, 4);
    assert_int_equal(r.headers, 2); /* event-id (int32) and content-type (string) */
    assert_log(&r, "|||\n|||{'foo':'bar'}\n|||{'foo':'bar'}\n|||{'foo':'bar'}\n");
    sy_buf_dispose(&r.log);
}

static void aws_corrupted_vectors_are_malformed(void **state)
{
    unsigned char bad[sizeof(payload_one_str_header)];
    unsigned char bad_len[sizeof(payload_no_headers)];
    struct recorder r = {0};

    (void)state;
    /* corrupted_headers: one byte of a header name changed. */
    memcpy(bad, payload_one_str_header, sizeof(bad));
    bad[20] = 43;
    assert_int_equal(decode_whole(bad, sizeof(bad), 1024, &r), SY_EVENTSTREAM_MALFORMED);
    /* corrupted_header_len: the headers length changed (prelude CRC). */
    memcpy(bad, payload_one_str_header, sizeof(bad));
    bad[6] = 1;
    assert_int_equal(decode_whole(bad, sizeof(bad), 1024, &r), SY_EVENTSTREAM_MALFORMED);
    /* corrupted_length: the total length changed. */
    memcpy(bad_len, payload_no_headers, sizeof(bad_len));
    bad_len[0] = 1;
    assert_int_equal(decode_whole(bad_len, sizeof(bad_len), 1 << 30, &r), SY_EVENTSTREAM_MALFORMED);
    /* corrupted_payload: one payload byte changed (message CRC). */
    memcpy(bad_len, payload_no_headers, sizeof(bad_len));
    bad_len[24] = 141;
    assert_int_equal(decode_whole(bad_len, sizeof(bad_len), 1024, &r), SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(r.count, 0);
}

/* ---- Splits ------------------------------------------------------------------------- */

static void build_stream(struct sy_buf *s)
{
    struct sy_buf h = {0};

    put_event(s, "messageStart", "{\"role\":\"assistant\"}");
    put_event(s, "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}");
    put_message(s, SY_STR(""), SY_STR(""));
    put_string_header(&h, ":exception-type", "throttlingException");
    put_string_header(&h, ":message-type", "exception");
    put_message(s, (struct sy_str){h.ptr, h.len}, SY_STR("{\"message\":\"slow down\"}"));
    sy_buf_dispose(&h);
}

#define STREAM_LOG                                                                     \
    "event|messageStart||{\"role\":\"assistant\"}\n"                                   \
    "event|contentBlockDelta||{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}\n" \
    "|||\n"                                                                            \
    "exception||throttlingException|{\"message\":\"slow down\"}\n"

static void the_same_messages_come_out_wherever_reads_split(void **state)
{
    struct sy_buf s = {0};

    (void)state;
    build_stream(&s);
    for (size_t a = 0; a <= s.len; a++) {
        for (size_t b = a; b <= s.len; b += 5) {
            struct sy_eventstream_decoder d;
            struct recorder r = {0};
            sy_eventstream_init(&d, 1024);
            assert_int_equal(sy_eventstream_feed(&d, s.ptr, a, record, &r), 0);
            assert_int_equal(sy_eventstream_feed(&d, s.ptr + a, b - a, record, &r), 0);
            assert_int_equal(sy_eventstream_feed(&d, s.ptr + b, s.len - b, record, &r), 0);
            assert_false(sy_eventstream_has_partial(&d));
            assert_log(&r, STREAM_LOG);
            sy_buf_dispose(&r.log);
            sy_eventstream_dispose(&d);
        }
    }
    /* Byte by byte. */
    {
        struct sy_eventstream_decoder d;
        struct recorder r = {0};
        sy_eventstream_init(&d, 1024);
        for (size_t i = 0; i < s.len; i++) {
            int before = r.count;
            assert_int_equal(sy_eventstream_feed(&d, s.ptr + i, 1, record, &r), 0);
            /* Partial unless that byte ended a message. */
            assert_int_equal(sy_eventstream_has_partial(&d), r.count == before);
        }
        assert_log(&r, STREAM_LOG);
        sy_buf_dispose(&r.log);
        sy_eventstream_dispose(&d);
    }
    sy_buf_dispose(&s);
}

static void a_cut_message_is_partial(void **state)
{
    struct sy_buf s = {0};
    struct sy_eventstream_decoder d;
    struct recorder r = {0};

    (void)state;
    put_event(&s, "messageStop", "{\"stopReason\":\"end_turn\"}");
    sy_eventstream_init(&d, 1024);
    assert_int_equal(sy_eventstream_feed(&d, s.ptr, s.len - 1, record, &r), 0);
    assert_true(sy_eventstream_has_partial(&d));
    assert_int_equal(r.count, 0);
    assert_int_equal(sy_eventstream_feed(&d, s.ptr + s.len - 1, 1, record, &r), 0);
    assert_false(sy_eventstream_has_partial(&d));
    assert_int_equal(r.count, 1);
    sy_eventstream_dispose(&d);
    sy_buf_dispose(&r.log);
    sy_buf_dispose(&s);
}

/* ---- Headers ----------------------------------------------------------------------- */

static void every_header_type_is_skipped_by_its_size(void **state)
{
    static const unsigned char typed[] = {
        1,
        'a',
        0, /* true */
        1,
        'b',
        1, /* false */
        1,
        'c',
        2,
        0x7f, /* byte */
        1,
        'd',
        3,
        0,
        1, /* short */
        1,
        'e',
        4,
        0,
        0,
        0,
        1, /* int */
        1,
        'f',
        5,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1, /* long */
        1,
        'g',
        6,
        0,
        3,
        0xff,
        0x00,
        0x01, /* bytes */
        1,
        'h',
        8,
        0,
        0,
        1,
        2,
        3,
        4,
        5,
        6, /* timestamp */
        1,
        'i',
        9,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16, /* uuid */
        /* A known name with a non-string value reads as absent. */
        11,
        ':',
        'e',
        'v',
        'e',
        'n',
        't',
        '-',
        't',
        'y',
        'p',
        'e',
        4,
        0,
        0,
        0,
        1,
    };
    struct sy_buf s = {0}, h = {0};
    struct recorder r = {0};

    (void)state;
    sy_buf_append(&h, typed, sizeof(typed));
    put_string_header(&h, ":message-type", "event");
    put_message(&s, (struct sy_str){h.ptr, h.len}, SY_STR("{}"));
    assert_int_equal(decode_whole(s.ptr, s.len, 1024, &r), 0);
    assert_int_equal(r.headers, 11);
    assert_log(&r, "event|||{}\n");
    sy_buf_dispose(&r.log);
    sy_buf_dispose(&h);
    sy_buf_dispose(&s);
}

static int decode_with_headers(const void *headers, size_t len)
{
    struct sy_buf s = {0};
    struct recorder r = {0};
    int rc;

    put_message(&s, (struct sy_str){headers, len}, SY_STR("{}"));
    rc = decode_whole(s.ptr, s.len, 1024, &r);
    assert_int_equal(r.count, 0);
    sy_buf_dispose(&s);
    return rc;
}

static void bad_headers_are_malformed(void **state)
{
    static const unsigned char unknown_type[] = {1, 'a', 10};
    static const unsigned char empty_name[] = {0, 0};
    static const unsigned char name_past_end[] = {5, 'a', 'b'};
    static const unsigned char no_type[] = {1, 'a'};
    static const unsigned char value_past_end[] = {1, 'a', 7, 0, 9, 'x'};
    static const unsigned char short_length[] = {1, 'a', 6, 0};
    static const unsigned char int_past_end[] = {1, 'a', 5, 0, 0, 0};

    (void)state;
    assert_int_equal(decode_with_headers(unknown_type, sizeof(unknown_type)),
                     SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(decode_with_headers(empty_name, sizeof(empty_name)), SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(decode_with_headers(name_past_end, sizeof(name_past_end)),
                     SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(decode_with_headers(no_type, sizeof(no_type)), SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(decode_with_headers(value_past_end, sizeof(value_past_end)),
                     SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(decode_with_headers(short_length, sizeof(short_length)),
                     SY_EVENTSTREAM_MALFORMED);
    assert_int_equal(decode_with_headers(int_past_end, sizeof(int_past_end)),
                     SY_EVENTSTREAM_MALFORMED);
}

/* ---- Limits and stops -------------------------------------------------------------- */

static void a_message_over_the_ceiling_is_too_large_from_its_prelude_alone(void **state)
{
    struct sy_buf s = {0};
    struct sy_eventstream_decoder d;
    struct recorder r = {0};

    (void)state;
    put_event(&s, "contentBlockDelta", "{\"delta\":{\"text\":\"a long enough message\"}}");
    sy_eventstream_init(&d, s.len - 1);
    /* The first 12 bytes are enough to refuse it. */
    assert_int_equal(sy_eventstream_feed(&d, s.ptr, 12, record, &r), SY_EVENTSTREAM_TOO_LARGE);
    assert_int_equal(sy_eventstream_feed(&d, s.ptr + 12, s.len - 12, record, &r),
                     SY_EVENTSTREAM_TOO_LARGE);
    assert_false(sy_eventstream_has_partial(&d));
    sy_eventstream_dispose(&d);
    /* Exactly at the ceiling is fine. */
    assert_int_equal(decode_whole(s.ptr, s.len, s.len, &r), 0);
    assert_int_equal(r.count, 1);
    sy_buf_dispose(&r.log);
    sy_buf_dispose(&s);
}

static void a_headers_length_past_the_message_is_malformed(void **state)
{
    struct sy_buf s = {0};
    struct recorder r = {0};

    (void)state;
    put_u32(&s, 16);
    put_u32(&s, 1);
    put_u32(&s, (uint32_t)crc32(0, (const unsigned char *)s.ptr, 8));
    put_u32(&s, (uint32_t)crc32(0, (const unsigned char *)s.ptr, 12));
    assert_int_equal(decode_whole(s.ptr, s.len, 1024, &r), SY_EVENTSTREAM_MALFORMED);
    sy_buf_dispose(&s);
}

static void what_the_callback_returns_stops_decoding_for_good(void **state)
{
    struct sy_buf s = {0};
    struct sy_eventstream_decoder d;
    struct recorder r = {.stop_at = 2};

    (void)state;
    build_stream(&s);
    sy_eventstream_init(&d, 1024);
    assert_int_equal(sy_eventstream_feed(&d, s.ptr, s.len, record, &r), 7);
    assert_int_equal(r.count, 2);
    assert_int_equal(sy_eventstream_feed(&d, s.ptr, s.len, record, &r), 7);
    assert_int_equal(r.count, 2);
    sy_eventstream_dispose(&d);
    sy_buf_dispose(&r.log);
    sy_buf_dispose(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aws_vectors_decode),
        cmocka_unit_test(aws_corrupted_vectors_are_malformed),
        cmocka_unit_test(the_same_messages_come_out_wherever_reads_split),
        cmocka_unit_test(a_cut_message_is_partial),
        cmocka_unit_test(every_header_type_is_skipped_by_its_size),
        cmocka_unit_test(bad_headers_are_malformed),
        cmocka_unit_test(a_message_over_the_ceiling_is_too_large_from_its_prelude_alone),
        cmocka_unit_test(a_headers_length_past_the_message_is_malformed),
        cmocka_unit_test(what_the_callback_returns_stops_decoding_for_good),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
