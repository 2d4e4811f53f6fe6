/* metrics/metrics.c - per-worker metric shards and their exposition.
 *
 * Label values are copied into the series when it is created, so a series
 * outlives the config snapshot whose model names it carries. */
#include "metrics/metrics.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

enum family_type { COUNTER, HISTOGRAM, GAUGE };

struct family {
    const char *name;
    const char *help;
    enum family_type type;
    const char *l1, *l2, *code; /* label names; NULL = unused */
};

/* clang-format off */
static const struct family families[SY_M_COUNT] = {
    [SY_M_REQUESTS] = {"sy_requests_total", "Requests answered, by route, model alias and status.",
                       COUNTER, "route", "model", "status"},
    [SY_M_REQUEST_DURATION] = {"sy_request_duration_seconds",
                               "Whole request time, from arrival to the last byte queued.",
                               HISTOGRAM, "route", NULL, NULL},
    [SY_M_GATEWAY_DURATION] = {"sy_gateway_duration_seconds",
                               "Request time minus the time spent waiting on providers.",
                               HISTOGRAM, "route", NULL, NULL},
    [SY_M_UPSTREAM_DURATION] = {"sy_upstream_duration_seconds",
                                "One upstream attempt, from send to the last byte.",
                                HISTOGRAM, "provider", NULL, NULL},
    [SY_M_TTFT] = {"sy_time_to_first_token_seconds",
                   "Streams: from request arrival to the first upstream byte.",
                   HISTOGRAM, "model", NULL, NULL},
    [SY_M_TOKENS] = {"sy_tokens_total", "Tokens reported by providers, by model alias and type.",
                     COUNTER, "model", "type", NULL},
    [SY_M_UPSTREAM_ERRORS] = {"sy_upstream_errors_total",
                              "Failed upstream attempts, by provider and kind.",
                              COUNTER, "provider", "kind", NULL},
    [SY_M_ACTIVE_STREAMS] = {"sy_active_streams", "Streamed responses in progress.",
                             GAUGE, NULL, NULL, NULL},
    [SY_M_ACTIVE_REQUESTS] = {"sy_active_requests", "Requests in progress.",
                              GAUGE, NULL, NULL, NULL},
};
/* clang-format on */

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const uint64_t bucket_us[] = {250,     500,     1000,     2500,     5000,    10000,
                                     25000,   50000,   100000,   250000,   500000,  1000000,
                                     2500000, 5000000, 10000000, 30000000, 60000000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]) + 1)

struct series {
    struct series *next; /* in the shard's list, newest first */
    enum sy_metric m;
    char *l1, *l2;
    int code;
    uint64_t hash;
    uint64_t value; /* counter total, histogram count, or gauge (as int64) */
    uint64_t sum_us;
    uint64_t buckets[NBUCKETS]; /* not cumulative */
};

#define TABLE_SLOTS 4096 /* power of two; series beyond 3/4 of it are not recorded */

struct sy_metrics_shard {
    struct series *head; /* published with release stores */
    struct series *table[TABLE_SLOTS];
    unsigned used;
    uint64_t dropped;
};

struct sy_metrics_shard *sy_metrics_shard_new(void)
{
    return sy_xcalloc(1, sizeof(struct sy_metrics_shard));
}

void sy_metrics_shard_free(struct sy_metrics_shard *shard)
{
    struct series *s, *next;

    if (shard == NULL)
        return;
    for (s = shard->head; s != NULL; s = next) {
        next = s->next;
        free(s->l1);
        free(s->l2);
        free(s);
    }
    free(shard);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    if (s == NULL)
        return h * 31;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h * 31 + 7;
}

static bool str_eq(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static struct series *find(struct sy_metrics_shard *shard, enum sy_metric m, const char *l1,
                           const char *l2, int code)
{
    uint64_t h = hash_str(hash_str(14695981039346656037ull ^ (uint64_t)m, l1), l2) ^ (uint64_t)code;
    size_t i = (size_t)h & (TABLE_SLOTS - 1);

    for (;; i = (i + 1) & (TABLE_SLOTS - 1)) {
        struct series *s = shard->table[i];
        if (s == NULL)
            break;
        if (s->hash == h && s->m == m && s->code == code && str_eq(s->l1, l1) && str_eq(s->l2, l2))
            return s;
    }
    if (shard->used >= TABLE_SLOTS / 4 * 3) {
        __atomic_store_n(&shard->dropped, shard->dropped + 1, __ATOMIC_RELAXED);
        return NULL;
    }
    struct series *s = sy_xcalloc(1, sizeof(*s));
    s->m = m;
    s->l1 = l1 != NULL ? sy_xstrdup(l1) : NULL;
    s->l2 = l2 != NULL ? sy_xstrdup(l2) : NULL;
    s->code = code;
    s->hash = h;
    s->next = shard->head;
    shard->table[i] = s;
    shard->used++;
    __atomic_store_n(&shard->head, s, __ATOMIC_RELEASE);
    return s;
}

static void add(uint64_t *p, uint64_t inc)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + inc, __ATOMIC_RELAXED);
}

void sy_metrics_count(struct sy_metrics_shard *shard, enum sy_metric m, const char *l1,
                      const char *l2, int code, uint64_t inc)
{
    struct series *s = find(shard, m, l1, l2, code);

    if (s != NULL)
        add(&s->value, inc);
}

void sy_metrics_observe(struct sy_metrics_shard *shard, enum sy_metric m, const char *l1,
                        uint64_t value_us)
{
    struct series *s = find(shard, m, l1, NULL, 0);
    size_t b = 0;

    if (s == NULL)
        return;
    while (b < NBUCKETS - 1 && value_us > bucket_us[b])
        b++;
    add(&s->buckets[b], 1);
    add(&s->sum_us, value_us);
    add(&s->value, 1);
}

void sy_metrics_gauge_add(struct sy_metrics_shard *shard, enum sy_metric m, int64_t delta)
{
    struct series *s = find(shard, m, NULL, NULL, 0);

    if (s != NULL)
        add(&s->value, (uint64_t)delta);
}

/* ---- Exposition -------------------------------------------------------- */

/* A series merged across shards. */
struct merged {
    const struct series *key;
    uint64_t value, sum_us;
    uint64_t buckets[NBUCKETS];
};

static void append_escaped(struct sy_buf *out, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            sy_buf_append(out, "\\", 1);
        if (*v == '\n') {
            SY_BUF_APPEND_LIT(out, "\\n");
            continue;
        }
        sy_buf_append(out, v, 1);
    }
}

/* Appends `{l1="..",l2="..",status=".."` without the closing brace, or
 * nothing when the family has no labels. Returns whether it opened a brace. */
static bool append_labels(struct sy_buf *out, const struct family *f, const struct series *s)
{
    const char *sep = "{";

    if (f->l1 != NULL) {
        sy_buf_appendf(out, "%s%s=\"", sep, f->l1);
        append_escaped(out, s->l1 != NULL ? s->l1 : "");
        sy_buf_append(out, "\"", 1);
        sep = ",";
    }
    if (f->l2 != NULL) {
        sy_buf_appendf(out, "%s%s=\"", sep, f->l2);
        append_escaped(out, s->l2 != NULL ? s->l2 : "");
        sy_buf_append(out, "\"", 1);
        sep = ",";
    }
    if (f->code != NULL) {
        sy_buf_appendf(out, "%s%s=\"%d\"", sep, f->code, s->code);
        sep = ",";
    }
    return sep[0] == ',';
}

static void render_family(struct sy_metrics_shard *const *shards, unsigned count, enum sy_metric m,
                          struct sy_buf *out)
{
    const struct family *f = &families[m];
    struct merged *rows = NULL;
    size_t nrows = 0, cap = 0;

    for (unsigned i = 0; i < count; i++) {
        for (const struct series *s = __atomic_load_n(&shards[i]->head, __ATOMIC_ACQUIRE);
             s != NULL; s = s->next) {
            if (s->m != m)
                continue;
            size_t r = 0;
            while (r < nrows && !(rows[r].key->code == s->code && str_eq(rows[r].key->l1, s->l1) &&
                                  str_eq(rows[r].key->l2, s->l2)))
                r++;
            if (r == nrows) {
                if (nrows == cap) {
                    cap = cap ? cap * 2 : 16;
                    rows = sy_xrealloc(rows, cap * sizeof(*rows));
                }
                memset(&rows[nrows], 0, sizeof(rows[nrows]));
                rows[nrows++].key = s;
            }
            rows[r].value += __atomic_load_n(&s->value, __ATOMIC_RELAXED);
            rows[r].sum_us += __atomic_load_n(&s->sum_us, __ATOMIC_RELAXED);
            for (size_t b = 0; b < NBUCKETS; b++)
                rows[r].buckets[b] += __atomic_load_n(&s->buckets[b], __ATOMIC_RELAXED);
        }
    }

    static const char *const type_names[] = {"counter", "histogram", "gauge"};
    sy_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                   type_names[f->type]);
    if (nrows == 0 && f->type == GAUGE)
        sy_buf_appendf(out, "%s 0\n", f->name);
    for (size_t r = 0; r < nrows; r++) {
        const struct merged *row = &rows[r];
        if (f->type != HISTOGRAM) {
            sy_buf_appendf(out, "%s", f->name);
            if (append_labels(out, f, row->key))
                sy_buf_append(out, "}", 1);
            if (f->type == GAUGE)
                sy_buf_appendf(out, " %lld\n", (long long)(int64_t)row->value);
            else
                sy_buf_appendf(out, " %llu\n", (unsigned long long)row->value);
            continue;
        }
        uint64_t cumulative = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cumulative += row->buckets[b];
            sy_buf_appendf(out, "%s_bucket", f->name);
            if (append_labels(out, f, row->key))
                sy_buf_append(out, ",", 1);
            else
                sy_buf_append(out, "{", 1);
            if (b < NBUCKETS - 1)
                sy_buf_appendf(out, "le=\"%g\"} %llu\n", (double)bucket_us[b] / 1e6,
                               (unsigned long long)cumulative);
            else
                sy_buf_appendf(out, "le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
        }
        sy_buf_appendf(out, "%s_sum", f->name);
        if (append_labels(out, f, row->key))
            sy_buf_append(out, "}", 1);
        sy_buf_appendf(out, " %.6f\n", (double)row->sum_us / 1e6);
        sy_buf_appendf(out, "%s_count", f->name);
        if (append_labels(out, f, row->key))
            sy_buf_append(out, "}", 1);
        sy_buf_appendf(out, " %llu\n", (unsigned long long)row->value);
    }
    free(rows);
}

void sy_metrics_render(struct sy_metrics_shard *const *shards, unsigned count, struct sy_buf *out)
{
    uint64_t dropped = 0;

    for (int m = 0; m < SY_M_COUNT; m++)
        render_family(shards, count, (enum sy_metric)m, out);
    for (unsigned i = 0; i < count; i++)
        dropped += __atomic_load_n(&shards[i]->dropped, __ATOMIC_RELAXED);
    sy_buf_appendf(out,
                   "# HELP sy_metric_series_dropped_total Updates lost because a shard's series "
                   "table was full.\n# TYPE sy_metric_series_dropped_total counter\n"
                   "sy_metric_series_dropped_total %llu\n",
                   (unsigned long long)dropped);
}
