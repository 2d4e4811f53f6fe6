/* tests/unit/metrics/test_metrics.c - tests src/metrics/metrics.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/metrics.h"

static void sums_series_with_equal_labels_across_shards(void **state)
{
    struct sy_metrics_shard *shards[2] = {sy_metrics_shard_new(), sy_metrics_shard_new()};
    struct sy_buf out = {0};

    (void)state;
    sy_metrics_count(shards[0], SY_M_REQUESTS, "chat", "fast", 200, 2);
    sy_metrics_count(shards[1], SY_M_REQUESTS, "chat", "fast", 200, 3);
    sy_metrics_count(shards[1], SY_M_REQUESTS, "chat", "fast", 502, 1);
    sy_metrics_render(shards, 2, &out);
    assert_non_null(
        strstr(out.ptr, "sy_requests_total{route=\"chat\",model=\"fast\",status=\"200\"} 5\n"));
    assert_non_null(
        strstr(out.ptr, "sy_requests_total{route=\"chat\",model=\"fast\",status=\"502\"} 1\n"));
    assert_non_null(strstr(out.ptr, "# TYPE sy_requests_total counter\n"));
    sy_buf_dispose(&out);
    sy_metrics_shard_free(shards[0]);
    sy_metrics_shard_free(shards[1]);
}

static void renders_cumulative_histogram_buckets(void **state)
{
    struct sy_metrics_shard *shard = sy_metrics_shard_new();
    struct sy_buf out = {0};

    (void)state;
    sy_metrics_observe(shard, SY_M_REQUEST_DURATION, "chat", 200);      /* <= 250 us */
    sy_metrics_observe(shard, SY_M_REQUEST_DURATION, "chat", 3000);     /* <= 5 ms */
    sy_metrics_observe(shard, SY_M_REQUEST_DURATION, "chat", 99000000); /* +Inf */
    sy_metrics_render(&shard, 1, &out);
    assert_non_null(
        strstr(out.ptr, "sy_request_duration_seconds_bucket{route=\"chat\",le=\"0.00025\"} 1\n"));
    assert_non_null(
        strstr(out.ptr, "sy_request_duration_seconds_bucket{route=\"chat\",le=\"0.005\"} 2\n"));
    assert_non_null(
        strstr(out.ptr, "sy_request_duration_seconds_bucket{route=\"chat\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(out.ptr, "sy_request_duration_seconds_count{route=\"chat\"} 3\n"));
    sy_buf_dispose(&out);
    sy_metrics_shard_free(shard);
}

static void escapes_label_values(void **state)
{
    struct sy_metrics_shard *shard = sy_metrics_shard_new();
    struct sy_buf out = {0};

    (void)state;
    sy_metrics_count(shard, SY_M_TOKENS, "a\"b\\c", "prompt", 0, 7);
    sy_metrics_gauge_add(shard, SY_M_ACTIVE_STREAMS, 2);
    sy_metrics_gauge_add(shard, SY_M_ACTIVE_STREAMS, -1);
    sy_metrics_render(&shard, 1, &out);
    assert_non_null(strstr(out.ptr, "sy_tokens_total{model=\"a\\\"b\\\\c\",type=\"prompt\"} 7\n"));
    assert_non_null(strstr(out.ptr, "sy_active_streams 1\n"));
    sy_buf_dispose(&out);
    sy_metrics_shard_free(shard);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sums_series_with_equal_labels_across_shards),
        cmocka_unit_test(renders_cumulative_histogram_buckets),
        cmocka_unit_test(escapes_label_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
