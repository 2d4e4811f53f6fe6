/* metrics/metrics.h - Prometheus metrics, sharded per worker thread.
 *
 * Each worker owns one shard and is the only writer of it, so recording takes
 * no lock: a series is found in the worker's own hash table and bumped with
 * relaxed atomic stores. New series are appended to a list published with a
 * release store; the scraper (any thread) walks every shard's list with
 * acquire loads and sums series with equal labels. */
#ifndef SY_METRICS_METRICS_H
#define SY_METRICS_METRICS_H

#include <stdint.h>

#include "core/str.h"

/* The families. Labels: up to two strings and one integer (status), as named
 * in metrics.c's table. */
enum sy_metric {
    SY_M_REQUESTS = 0,      /* counter {route, model, status} */
    SY_M_REQUEST_DURATION,  /* histogram {route}: whole request, seconds */
    SY_M_GATEWAY_DURATION,  /* histogram {route}: request minus upstream wait */
    SY_M_UPSTREAM_DURATION, /* histogram {provider}: one upstream attempt */
    SY_M_TTFT,              /* histogram {model}: time to first upstream byte of a stream */
    SY_M_TOKENS,            /* counter {model, type=prompt|completion} */
    SY_M_UPSTREAM_ERRORS,   /* counter {provider, kind} */
    SY_M_ACTIVE_STREAMS,    /* gauge */
    SY_M_ACTIVE_REQUESTS,   /* gauge */
    SY_M_COUNT
};

struct sy_metrics_shard;

/* Caller frees with sy_metrics_shard_free() after the worker stopped. */
struct sy_metrics_shard *sy_metrics_shard_new(void);
void sy_metrics_shard_free(struct sy_metrics_shard *shard);

/* Adds `inc` to a counter. Unused labels are NULL / 0. Owner thread only. */
void sy_metrics_count(struct sy_metrics_shard *shard, enum sy_metric m, const char *l1,
                      const char *l2, int code, uint64_t inc);

/* Records one observation of `value_us` microseconds in a histogram. */
void sy_metrics_observe(struct sy_metrics_shard *shard, enum sy_metric m, const char *l1,
                        uint64_t value_us);

/* Moves a gauge by `delta`. */
void sy_metrics_gauge_add(struct sy_metrics_shard *shard, enum sy_metric m, int64_t delta);

/* Appends the Prometheus text exposition of all `shards`, summed, to `out`.
 * Any thread. */
void sy_metrics_render(struct sy_metrics_shard *const *shards, unsigned count, struct sy_buf *out);

#endif
