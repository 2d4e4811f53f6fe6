/* tests/unit/providers/test_sse.c - tests src/providers/sse.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "providers/sse.h"

/* ---- Recording events -------------------------------------------------- */

/* Every event as "event|data|id\n", so a whole stream compares as one string. */
struct recorder {
    struct sy_buf log;
    int count;
    int stop_at;    /* stop on this event (1-based); 0 = never */
    int stop_value; /* what the callback returns to stop */
};

static int record_event(const struct sy_sse_event *ev, void *ctx)
{
    struct recorder *r = ctx;

    assert_non_null(ev->event.ptr);
    assert_non_null(ev->data.ptr);
    assert_non_null(ev->id.ptr);
    sy_buf_append_str(&r->log, ev->event);
    SY_BUF_APPEND_LIT(&r->log, "|");
    sy_buf_append_str(&r->log, ev->data);
    SY_BUF_APPEND_LIT(&r->log, "|");
    sy_buf_append_str(&r->log, ev->id);
    SY_BUF_APPEND_LIT(&r->log, "\n");
    r->count++;
    return r->count == r->stop_at ? r->stop_value : 0;
}

static void assert_log_is(const struct recorder *r, const char *expected, size_t expected_len)
{
    if (r->log.len != expected_len || memcmp(r->log.ptr, expected, expected_len) != 0)
        fail_msg("events were:\n%.*s\nexpected:\n%.*s", (int)r->log.len,
                 r->log.ptr != NULL ? r->log.ptr : "", (int)expected_len, expected);
}

#define ASSERT_LOG(r, lit) assert_log_is((r), (lit), sizeof(lit) - 1)

/* Feeds `text` in one piece to a fresh parser; returns what the feed returned. */
static int parse_whole(const char *text, size_t len, size_t max_event_bytes, struct recorder *r)
{
    struct sy_sse_parser p;
    int rc;

    sy_sse_init(&p, max_event_bytes);
    rc = sy_sse_feed(&p, text, len, record_event, r);
    sy_sse_dispose(&p);
    return rc;
}

#define PARSE_LIT(lit, r) parse_whole((lit), sizeof(lit) - 1, 64 * 1024, (r))

/* Feeds `text` in pieces cut at the `cut_count` offsets in `cuts`. Each piece
 * is copied into its own heap block of exactly its size and freed after the
 * feed, so ASan catches a view kept past its feed or a read past the end. */
static int parse_pieces(const char *text, size_t len, const size_t *cuts, size_t cut_count,
                        struct recorder *r)
{
    struct sy_sse_parser p;
    size_t from = 0;
    int rc = 0;

    sy_sse_init(&p, 64 * 1024);
    for (size_t i = 0; i <= cut_count && rc == 0; i++) {
        size_t to = i < cut_count ? cuts[i] : len;
        char *piece = malloc(to - from > 0 ? to - from : 1);

        assert_non_null(piece);
        memcpy(piece, text + from, to - from);
        rc = sy_sse_feed(&p, piece, to - from, record_event, r);
        memset(piece, '#', to - from);
        free(piece);
        from = to;
    }
    sy_sse_dispose(&p);
    return rc;
}

static void recorder_dispose(struct recorder *r)
{
    sy_buf_dispose(&r->log);
}

/* ---- Line ends and fields ---------------------------------------------- */

static void dispatches_an_event_at_a_blank_line(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("data: hello\n\ndata: world\n\n", &r), 0);
    assert_int_equal(r.count, 2);
    ASSERT_LOG(&r, "|hello|\n|world|\n");
    recorder_dispose(&r);
}

static void joins_multiple_data_lines_with_newline(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("data: one\ndata: two\ndata:\ndata: four\n\n", &r), 0);
    ASSERT_LOG(&r, "|one\ntwo\n\nfour|\n");
    recorder_dispose(&r);
}

static void accepts_lf_cr_and_crlf_line_ends_alike(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("event: a\ndata: 1\n\n"
                               "event: b\rdata: 2\r\r"
                               "event: c\r\ndata: 3\r\n\r\n"
                               "data: 4\r\ndata: 5\rdata: 6\n\r\n",
                               &r),
                     0);
    ASSERT_LOG(&r, "a|1|\nb|2|\nc|3|\n|4\n5\n6|\n");
    recorder_dispose(&r);
}

static void treats_a_crlf_split_across_two_feeds_as_one_line_end(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};

    (void)state;
    sy_sse_init(&p, 1024);
    assert_int_equal(sy_sse_feed(&p, "data: a\r", 8, record_event, &r), 0);
    assert_int_equal(sy_sse_feed(&p, "\ndata: b\r", 9, record_event, &r), 0);
    assert_int_equal(sy_sse_feed(&p, "", 0, record_event, &r), 0); /* keeps the pending CR */
    assert_int_equal(sy_sse_feed(&p, "\n\r", 2, record_event, &r), 0);
    assert_int_equal(r.count, 1);
    ASSERT_LOG(&r, "|a\nb|\n");
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

static void ends_a_line_at_a_cr_that_closes_a_feed_without_waiting(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};

    (void)state;
    sy_sse_init(&p, 1024);
    assert_int_equal(sy_sse_feed(&p, "data: a\r\r", 9, record_event, &r), 0);
    assert_int_equal(r.count, 1); /* dispatched before the next byte is known */
    assert_int_equal(sy_sse_feed(&p, "data: b\n\n", 9, record_event, &r), 0);
    ASSERT_LOG(&r, "|a|\n|b|\n");
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

static void ignores_comment_lines(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT(": keep-alive\n:\ndata: a\n: between data lines\ndata: b\n\n"
                               ": OPENROUTER PROCESSING\n\n",
                               &r),
                     0);
    ASSERT_LOG(&r, "|a\nb|\n");
    recorder_dispose(&r);
}

static void reads_a_field_without_colon_as_an_empty_value(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("data\n\nevent: x\nevent\ndata: y\nid: 7\nid\n\n", &r), 0);
    ASSERT_LOG(&r, "||\n|y|\n");
    recorder_dispose(&r);
}

static void removes_only_one_leading_space_after_the_colon(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(
        PARSE_LIT("data:x\n\ndata:  two\n\ndata: \n\nevent:\t tab\ndata: a:b: c \n\n", &r), 0);
    ASSERT_LOG(&r, "|x|\n| two|\n||\n\t tab|a:b: c |\n");
    recorder_dispose(&r);
}

static void ignores_retry_and_unknown_fields(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("retry: 1000\nfoo: bar\nData: upper case\ndata : spaced name\n"
                               "retry\ndata: kept\nx\n\n",
                               &r),
                     0);
    ASSERT_LOG(&r, "|kept|\n");
    recorder_dispose(&r);
}

static void does_not_dispatch_an_event_without_data(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("event: ping\nid: 1\n\nretry: 5\n\n\n\ndata: x\n\n", &r), 0);
    /* The dropped event's type and id do not leak into the next event. */
    ASSERT_LOG(&r, "|x|\n");
    recorder_dispose(&r);
}

static void keeps_the_last_event_and_id_values_of_each_event(void **state)
{
    struct recorder r = {0};

    (void)state;
    assert_int_equal(PARSE_LIT("event: a\nevent: b\nid: 1\nid: 2\ndata: x\n\ndata: y\n\n", &r), 0);
    ASSERT_LOG(&r, "b|x|2\n|y|\n");
    recorder_dispose(&r);
}

static void keeps_nul_bytes_in_values(void **state)
{
    static const char text[] = "data: a\0b\n\n";
    struct recorder r = {0};

    (void)state;
    assert_int_equal(parse_whole(text, sizeof(text) - 1, 1024, &r), 0);
    ASSERT_LOG(&r, "|a\0b|\n");
    recorder_dispose(&r);
}

/* ---- Read boundaries ---------------------------------------------------- */

static void accepts_an_empty_feed_with_a_null_pointer(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};

    (void)state;
    sy_sse_init(&p, 1024);
    assert_int_equal(sy_sse_feed(&p, "data: a\n", 8, record_event, &r), 0);
    assert_int_equal(sy_sse_feed(&p, NULL, 0, record_event, &r), 0);
    assert_int_equal(sy_sse_feed(&p, "\n", 1, record_event, &r), 0);
    ASSERT_LOG(&r, "|a|\n");
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

static void keeps_values_when_the_caller_reuses_its_buffer(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};
    char buf[64];

    (void)state;
    sy_sse_init(&p, 1024);
    memcpy(buf, "event: delta\nid: 9\ndata: first", 30);
    assert_int_equal(sy_sse_feed(&p, buf, 30, record_event, &r), 0);
    memset(buf, '#', sizeof(buf));
    memcpy(buf, "\ndata: second\n\n", 15);
    assert_int_equal(sy_sse_feed(&p, buf, 15, record_event, &r), 0);
    ASSERT_LOG(&r, "delta|first\nsecond|9\n");
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

/* What an OpenAI chat completion stream looks like on the wire. */
static const char openai_stream[] =
    "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]"
    "}"
    "\n\n"
    "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
    "\"logprobs\":null,\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"! How can\"},"
    "\"logprobs\":null,\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" I help?\"},"
    "\"logprobs\":null,\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
    "\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"id\":\"chatcmpl-9x1\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
    "\"completion_tokens\":7,\"total_tokens\":16}}\n\n"
    "data: [DONE]\n\n";

static void yields_the_same_openai_events_wherever_a_read_splits(void **state)
{
    const size_t len = sizeof(openai_stream) - 1;
    struct recorder whole = {0};

    (void)state;
    assert_int_equal(parse_whole(openai_stream, len, 64 * 1024, &whole), 0);
    assert_int_equal(whole.count, 7);
    assert_true(whole.log.len > 12);
    assert_memory_equal(whole.log.ptr + whole.log.len - 9, "|[DONE]|\n", 9);

    for (size_t cut = 0; cut <= len; cut++) {
        struct recorder split = {0};

        assert_int_equal(parse_pieces(openai_stream, len, &cut, 1, &split), 0);
        if (split.log.len != whole.log.len ||
            memcmp(split.log.ptr, whole.log.ptr, whole.log.len) != 0)
            fail_msg("events differ when the stream is split at byte %zu", cut);
        recorder_dispose(&split);
    }
    recorder_dispose(&whole);
}

static void yields_the_same_openai_events_when_fed_byte_by_byte(void **state)
{
    const size_t len = sizeof(openai_stream) - 1;
    struct recorder whole = {0};
    struct recorder bytes = {0};
    size_t *cuts = malloc(len * sizeof(*cuts));

    (void)state;
    assert_non_null(cuts);
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    assert_int_equal(parse_whole(openai_stream, len, 64 * 1024, &whole), 0);
    assert_int_equal(parse_pieces(openai_stream, len, cuts, len, &bytes), 0);
    assert_int_equal(bytes.count, 7);
    assert_int_equal(bytes.log.len, whole.log.len);
    assert_memory_equal(bytes.log.ptr, whole.log.ptr, whole.log.len);
    free(cuts);
    recorder_dispose(&whole);
    recorder_dispose(&bytes);
}

/* Anthropic names its events and ends lines with CRLF behind some proxies. */
static const char anthropic_crlf_stream[] =
    "event: message_start\r\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"role\":\"assistant\"}}\r\n"
    "\r\n"
    "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
    ": comment\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\r\n"
    "data: \"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n"
    "id: 42\r\n\r\n"
    "event: message_stop\rdata: {\"type\":\"message_stop\"}\r\r";

static void yields_the_same_crlf_events_for_every_pair_of_split_points(void **state)
{
    const size_t len = sizeof(anthropic_crlf_stream) - 1;
    struct recorder whole = {0};

    (void)state;
    assert_int_equal(parse_whole(anthropic_crlf_stream, len, 64 * 1024, &whole), 0);
    ASSERT_LOG(&whole, "message_start|{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\","
                       "\"role\":\"assistant\"}}|\n"
                       "ping|{\"type\": \"ping\"}|\n"
                       "content_block_delta|{\"type\":\"content_block_delta\",\"index\":0,\n"
                       "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}|42\n"
                       "message_stop|{\"type\":\"message_stop\"}|\n");
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            size_t cuts[2] = {a, b};
            struct recorder split = {0};

            assert_int_equal(parse_pieces(anthropic_crlf_stream, len, cuts, 2, &split), 0);
            if (split.log.len != whole.log.len ||
                memcmp(split.log.ptr, whole.log.ptr, whole.log.len) != 0)
                fail_msg("events differ when the stream is split at bytes %zu and %zu", a, b);
            recorder_dispose(&split);
        }
    }
    recorder_dispose(&whole);
}

/* ---- Stopping, limits, partial events ----------------------------------- */

static void stops_with_the_value_the_callback_returned(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {.stop_at = 2, .stop_value = 7};

    (void)state;
    sy_sse_init(&p, 1024);
    assert_int_equal(sy_sse_feed(&p, "data: 1\n\ndata: 2\n\ndata: 3\n\n", 27, record_event, &r), 7);
    assert_int_equal(r.count, 2); /* nothing after the stop */
    /* Fed again anyway: refuses, repeats the value, calls nothing. */
    assert_int_equal(sy_sse_feed(&p, "data: 4\n\n", 9, record_event, &r), 7);
    assert_int_equal(r.count, 2);
    assert_false(sy_sse_has_partial(&p));
    ASSERT_LOG(&r, "|1|\n|2|\n");
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

static void accepts_an_event_of_exactly_max_event_bytes(void **state)
{
    struct recorder r = {0};

    (void)state;
    /* "data: 0123456789" is 16 bytes, then 10 held + "data: 0123" (10) = 20. */
    assert_int_equal(parse_whole("data: 0123456789\ndata: 0123\n\n", 29, 20, &r), 0);
    ASSERT_LOG(&r, "|0123456789\n0123|\n");
    recorder_dispose(&r);
}

static void refuses_an_event_larger_than_max_event_bytes(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};
    static const char text[] = "data: ok\n\ndata: 0123456789\ndata: 01234\n\ndata: later\n\n";

    (void)state;
    sy_sse_init(&p, 20);
    assert_int_equal(sy_sse_feed(&p, text, sizeof(text) - 1, record_event, &r), SY_SSE_TOO_LARGE);
    ASSERT_LOG(&r, "|ok|\n"); /* the events before it were delivered */
    assert_int_equal(sy_sse_feed(&p, "data: x\n\n", 9, record_event, &r), SY_SSE_TOO_LARGE);
    assert_int_equal(r.count, 1);
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

static void refuses_a_long_line_before_it_ends(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};
    char chunk[16];

    (void)state;
    memset(chunk, 'x', sizeof(chunk));
    memcpy(chunk, "data: ", 6);
    sy_sse_init(&p, 40);
    assert_int_equal(sy_sse_feed(&p, chunk, sizeof(chunk), record_event, &r), 0);
    memset(chunk, 'x', sizeof(chunk));
    assert_int_equal(sy_sse_feed(&p, chunk, sizeof(chunk), record_event, &r), 0); /* 32 */
    assert_int_equal(sy_sse_feed(&p, chunk, sizeof(chunk), record_event, &r), SY_SSE_TOO_LARGE);
    assert_int_equal(r.count, 0);
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

static void counts_comment_lines_against_the_limit(void **state)
{
    static const char text[] = ": a comment longer than the limit\n\ndata: x\n\n";
    struct recorder r = {0};

    (void)state;
    assert_int_equal(parse_whole(text, sizeof(text) - 1, 16, &r), SY_SSE_TOO_LARGE);
    assert_int_equal(r.count, 0);
    recorder_dispose(&r);
}

static void reports_a_partial_event_until_its_blank_line(void **state)
{
    struct sy_sse_parser p;
    struct recorder r = {0};

    (void)state;
    sy_sse_init(&p, 1024);
    assert_false(sy_sse_has_partial(&p));
    assert_int_equal(sy_sse_feed(&p, "da", 2, record_event, &r), 0);
    assert_true(sy_sse_has_partial(&p)); /* half a line */
    assert_int_equal(sy_sse_feed(&p, "ta: x\n", 6, record_event, &r), 0);
    assert_true(sy_sse_has_partial(&p)); /* data without its blank line */
    assert_int_equal(sy_sse_feed(&p, "\n", 1, record_event, &r), 0);
    assert_false(sy_sse_has_partial(&p));
    assert_int_equal(sy_sse_feed(&p, "event: ping\n", 12, record_event, &r), 0);
    assert_true(sy_sse_has_partial(&p)); /* a named event waiting for data */
    assert_int_equal(sy_sse_feed(&p, "\n: keep-alive\n", 14, record_event, &r), 0);
    assert_false(sy_sse_has_partial(&p));
    assert_int_equal(sy_sse_feed(&p, "data: [DONE]\n\r", 14, record_event, &r), 0);
    assert_false(sy_sse_has_partial(&p)); /* a CR waiting for a possible LF is not an event */
    ASSERT_LOG(&r, "|x|\n|[DONE]|\n");
    sy_sse_dispose(&p);
    recorder_dispose(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dispatches_an_event_at_a_blank_line),
        cmocka_unit_test(joins_multiple_data_lines_with_newline),
        cmocka_unit_test(accepts_lf_cr_and_crlf_line_ends_alike),
        cmocka_unit_test(treats_a_crlf_split_across_two_feeds_as_one_line_end),
        cmocka_unit_test(ends_a_line_at_a_cr_that_closes_a_feed_without_waiting),
        cmocka_unit_test(ignores_comment_lines),
        cmocka_unit_test(reads_a_field_without_colon_as_an_empty_value),
        cmocka_unit_test(removes_only_one_leading_space_after_the_colon),
        cmocka_unit_test(ignores_retry_and_unknown_fields),
        cmocka_unit_test(does_not_dispatch_an_event_without_data),
        cmocka_unit_test(keeps_the_last_event_and_id_values_of_each_event),
        cmocka_unit_test(keeps_nul_bytes_in_values),
        cmocka_unit_test(accepts_an_empty_feed_with_a_null_pointer),
        cmocka_unit_test(keeps_values_when_the_caller_reuses_its_buffer),
        cmocka_unit_test(yields_the_same_openai_events_wherever_a_read_splits),
        cmocka_unit_test(yields_the_same_openai_events_when_fed_byte_by_byte),
        cmocka_unit_test(yields_the_same_crlf_events_for_every_pair_of_split_points),
        cmocka_unit_test(stops_with_the_value_the_callback_returned),
        cmocka_unit_test(accepts_an_event_of_exactly_max_event_bytes),
        cmocka_unit_test(refuses_an_event_larger_than_max_event_bytes),
        cmocka_unit_test(refuses_a_long_line_before_it_ends),
        cmocka_unit_test(counts_comment_lines_against_the_limit),
        cmocka_unit_test(reports_a_partial_event_until_its_blank_line),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
