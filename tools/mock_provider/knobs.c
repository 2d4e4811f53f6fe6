/* mock_provider/knobs.c - per-request fault and latency knobs, from x-mock-* headers or from a
 * model suffix "model@key=value,key=value" (pure).
 *
 * A value that does not parse is ignored, so that a typo gives a normal answer rather than a
 * different failure than the one asked for. */
#include <strings.h>

#include "mock_provider/mock_provider_int.h"

enum knob {
    KNOB_LATENCY = 0,
    KNOB_TTFT,
    KNOB_CHUNK_DELAY,
    KNOB_CHUNKS,
    KNOB_STATUS,
    KNOB_RESET_AFTER,
    KNOB_STALL,
    KNOB_MALFORMED,
    KNOB_CONTENT,
    KNOB_TOOL_CALL,
    KNOB_SAFETY,
    KNOB_COUNT
};

/* clang-format off */
static const struct {
    const char *header_rest; /* after "x-mock-" */
    const char *key;         /* in a model suffix */
} knob_names[KNOB_COUNT] = {
    [KNOB_LATENCY]     = {"latency-ms", "latency_ms"},
    [KNOB_TTFT]        = {"ttft-ms", "ttft_ms"},
    [KNOB_CHUNK_DELAY] = {"chunk-delay-ms", "chunk_delay_ms"},
    [KNOB_CHUNKS]      = {"chunks", "chunks"},
    [KNOB_STATUS]      = {"status", "status"},
    [KNOB_RESET_AFTER] = {"reset-after", "reset_after"},
    [KNOB_STALL]       = {"stall-ms", "stall_ms"},
    [KNOB_MALFORMED]   = {"malformed", "malformed"},
    [KNOB_CONTENT]     = {"content", "content"},
    [KNOB_TOOL_CALL]   = {"tool-call", "tool_call"},
    [KNOB_SAFETY]      = {"safety", "safety"},
};

/* clang-format on */

void sy__mock_knobs_init(struct sy__mock_knobs *k)
{
    memset(k, 0, sizeof(*k));
    k->reset_after = -1;
}

/* Reads decimal digits only. Returns -1 for anything else or above `max`. */
static int parse_uint(struct sy_str v, uint64_t max, uint64_t *out)
{
    uint64_t n = 0;

    if (v.len == 0 || v.len > 12)
        return -1;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return -1;
        n = n * 10 + (uint64_t)(v.ptr[i] - '0');
    }
    if (n > max)
        return -1;
    *out = n;
    return 0;
}

/* Reads 1/true/yes or 0/false/no. Returns -1 for anything else. */
static int parse_flag(struct sy_str v, bool *out)
{
    if (sy_str_eq_nocase(v, SY_STR("1")) || sy_str_eq_nocase(v, SY_STR("true")) ||
        sy_str_eq_nocase(v, SY_STR("yes"))) {
        *out = true;
        return 0;
    }
    if (sy_str_eq_nocase(v, SY_STR("0")) || sy_str_eq_nocase(v, SY_STR("false")) ||
        sy_str_eq_nocase(v, SY_STR("no"))) {
        *out = false;
        return 0;
    }
    return -1;
}

static void set_delay(uint32_t *field, struct sy_str v)
{
    uint64_t n;

    if (parse_uint(v, UINT64_C(999999999999), &n) == 0)
        *field = n > SY__MOCK_MAX_DELAY_MS ? SY__MOCK_MAX_DELAY_MS : (uint32_t)n;
}

static void apply(struct sy__mock_knobs *k, enum knob which, struct sy_str v)
{
    uint64_t n;
    bool flag;

    switch (which) {
    case KNOB_LATENCY:
        set_delay(&k->latency_ms, v);
        break;
    case KNOB_TTFT:
        set_delay(&k->ttft_ms, v);
        break;
    case KNOB_CHUNK_DELAY:
        set_delay(&k->chunk_delay_ms, v);
        break;
    case KNOB_STALL:
        set_delay(&k->stall_ms, v);
        break;
    case KNOB_CHUNKS:
        if (parse_uint(v, SY__MOCK_MAX_CHUNKS, &n) == 0 && n > 0)
            k->chunks = (uint32_t)n;
        break;
    case KNOB_STATUS:
        if (parse_uint(v, 599, &n) == 0 && n >= 400)
            k->status = (uint32_t)n;
        break;
    case KNOB_RESET_AFTER:
        if (parse_uint(v, SY__MOCK_MAX_CHUNKS, &n) == 0)
            k->reset_after = (int64_t)n;
        break;
    case KNOB_MALFORMED:
        if (parse_flag(v, &flag) == 0)
            k->is_malformed = flag;
        break;
    case KNOB_TOOL_CALL:
        if (parse_flag(v, &flag) == 0)
            k->is_tool_call = flag;
        break;
    case KNOB_SAFETY:
        if (parse_flag(v, &flag) == 0)
            k->is_safety = flag;
        break;
    case KNOB_CONTENT:
        k->content = v;
        break;
    case KNOB_COUNT:
        break;
    }
}

/* True when every comma-separated part of `s` is key=value with a non-empty key. */
static bool is_suffix(struct sy_str s)
{
    const char *p = s.ptr, *end = s.ptr + s.len;

    if (s.len == 0)
        return false;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma != NULL ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));

        if (eq == NULL || eq == p)
            return false;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return true;
}

struct sy_str sy__mock_knobs_from_model(struct sy__mock_knobs *k, struct sy_str model)
{
    const char *at = NULL;

    for (size_t i = model.len; i-- > 0;) {
        if (model.ptr[i] == '@') {
            at = model.ptr + i;
            break;
        }
    }
    if (at == NULL)
        return model;

    struct sy_str suffix = {at + 1, (size_t)(model.ptr + model.len - at - 1)};
    if (!is_suffix(suffix))
        return model; /* e.g. "claude-3@20240229": an '@' that belongs to the name */

    const char *p = suffix.ptr, *end = suffix.ptr + suffix.len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma != NULL ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        struct sy_str key = {p, (size_t)(eq - p)};
        struct sy_str value = {eq + 1, (size_t)(e - eq - 1)};

        for (int i = 0; i < KNOB_COUNT; i++) {
            if (sy_str_eq_c(key, knob_names[i].key)) {
                apply(k, (enum knob)i, value);
                break;
            }
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return (struct sy_str){model.ptr, (size_t)(at - model.ptr)};
}

void sy__mock_knobs_from_headers(struct sy__mock_knobs *k, const struct sy__mock_http_req *req)
{
    for (size_t h = 0; h < req->header_count; h++) {
        struct sy_str name = req->headers[h].name;

        if (name.len <= 7 || strncasecmp(name.ptr, "x-mock-", 7) != 0)
            continue;
        struct sy_str rest = {name.ptr + 7, name.len - 7};
        for (int i = 0; i < KNOB_COUNT; i++) {
            if (sy_str_eq_nocase(rest, sy_str_c(knob_names[i].header_rest))) {
                apply(k, (enum knob)i, req->headers[h].value);
                break;
            }
        }
    }
}
