/* tests/unit/mock_provider/test_knobs.c - tests tools/mock_provider/knobs.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"
#include "mock_provider/mock_provider_int.h"

static void reads_knobs_from_a_model_suffix_and_strips_it(void **state)
{
    struct sy__mock_knobs k;
    struct sy_str model;

    (void)state;
    sy__mock_knobs_init(&k);
    model = sy__mock_knobs_from_model(&k, SY_STR("m@ttft_ms=50,chunks=3,reset_after=0,x=y"));
    assert_true(sy_str_eq_c(model, "m"));
    assert_int_equal(k.ttft_ms, 50);
    assert_int_equal(k.chunks, 3);
    assert_int_equal(k.reset_after, 0);

    sy__mock_knobs_init(&k);
    model = sy__mock_knobs_from_model(&k, SY_STR("gpt-4o-mini@status=503"));
    assert_true(sy_str_eq_c(model, "gpt-4o-mini"));
    assert_int_equal(k.status, 503);
}

static void leaves_an_at_sign_that_is_part_of_the_name(void **state)
{
    struct sy__mock_knobs k;

    (void)state;
    sy__mock_knobs_init(&k);
    assert_true(sy_str_eq_c(sy__mock_knobs_from_model(&k, SY_STR("claude-3@20240229")),
                            "claude-3@20240229"));
    assert_true(sy_str_eq_c(sy__mock_knobs_from_model(&k, SY_STR("a@b=1,")), "a@b=1,"));
    assert_int_equal(k.reset_after, -1);
}

static void ignores_values_that_do_not_parse_and_caps_delays(void **state)
{
    struct sy__mock_knobs k;

    (void)state;
    sy__mock_knobs_init(&k);
    sy__mock_knobs_from_model(&k, SY_STR("m@latency_ms=fast,status=200,chunks=0,malformed=maybe,"
                                         "stall_ms=99999999,chunk_delay_ms=-5,status=1e3"));
    assert_int_equal(k.latency_ms, 0);
    assert_int_equal(k.status, 0);
    assert_int_equal(k.chunks, 0);
    assert_false(k.is_malformed);
    assert_int_equal(k.stall_ms, SY__MOCK_MAX_DELAY_MS);
    assert_int_equal(k.chunk_delay_ms, 0);
}

static void lets_headers_win_over_the_suffix(void **state)
{
    static const char raw[] = "POST / HTTP/1.1\r\nX-Mock-Status: 429\r\nx-mock-latency-ms: 7\r\n"
                              "x-mock-malformed: true\r\nx-mock-content: hi there\r\n"
                              "x-mock-tool-call: 1\r\nx-mock-chunks: nope\r\n\r\n";
    struct sy__mock_http_req req;
    struct sy__mock_chunked st = {0};
    struct sy_buf scratch = {0};
    struct sy__mock_knobs k;

    (void)state;
    assert_true(sy__mock_http_parse(raw, sizeof(raw) - 1, &req, &st, &scratch) > 0);
    sy__mock_knobs_init(&k);
    sy__mock_knobs_from_model(&k, SY_STR("m@status=503,chunks=4"));
    sy__mock_knobs_from_headers(&k, &req);
    assert_int_equal(k.status, 429);
    assert_int_equal(k.latency_ms, 7);
    assert_int_equal(k.chunks, 4); /* the header's value does not parse */
    assert_true(k.is_malformed);
    assert_true(k.is_tool_call);
    assert_true(sy_str_eq_c(k.content, "hi there"));
    sy_buf_dispose(&scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_knobs_from_a_model_suffix_and_strips_it),
        cmocka_unit_test(leaves_an_at_sign_that_is_part_of_the_name),
        cmocka_unit_test(ignores_values_that_do_not_parse_and_caps_delays),
        cmocka_unit_test(lets_headers_win_over_the_suffix),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
