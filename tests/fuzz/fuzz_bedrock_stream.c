/* tests/fuzz/fuzz_bedrock_stream.c - the bedrock kind's stream_feed against arbitrary bytes.
 *
 * Two kinds of input:
 *  - raw bytes, fed as the upstream sent them (the seeds are the golden
 *    .stream files; libFuzzer's comparison tracing gets past the CRCs);
 *  - "FRAMES\n" followed by records separated by 0xff bytes, each an event
 *    type, a newline and a payload (an event type starting with '!' makes an
 *    exception of that type). They are framed here with valid CRCs, so the
 *    fuzzer spends its time on the JSON translation, not on checksums.
 *
 * The bytes are fed whole, in two halves, in three thirds and (when short)
 * byte by byte, with and without the client asking for usage, under a roomy
 * and a tight max_event_bytes. What comes out must be the same bytes, the
 * same final answer, flags and usage whatever the split, and every event
 * written must be an SSE "data:" line holding a JSON object or [DONE];
 * anything else aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"
#include "split.h"

#define FRAMES_MAGIC "FRAMES\n"

/* What a run produced. */
struct outcome {
    struct sy_buf out;
    enum sy_stream_next next;
    bool partial, saw_done, saw_finish;
    struct sy_usage usage;
};

/* ---- Framing records -------------------------------------------------------- */

static void put_u32(struct sy_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    sy_buf_append(b, p, 4);
}

static void put_header(struct sy_buf *h, const char *name, const char *value, size_t len)
{
    unsigned char n = (unsigned char)strlen(name), t = 7;
    unsigned char l[2] = {(unsigned char)(len >> 8), (unsigned char)len};

    sy_buf_append(h, &n, 1);
    sy_buf_append(h, name, n);
    sy_buf_append(h, &t, 1);
    sy_buf_append(h, l, 2);
    sy_buf_append(h, value, len);
}

static void frame_record(struct sy_buf *out, const uint8_t *rec, size_t len)
{
    const uint8_t *nl = memchr(rec, '\n', len);
    size_t type_len = nl != NULL ? (size_t)(nl - rec) : len;
    const uint8_t *payload = nl != NULL ? nl + 1 : rec + len;
    size_t payload_len = (size_t)(rec + len - payload), start = out->len;
    struct sy_buf h = {0};
    uint32_t total;

    if (type_len > 200)
        type_len = 200;
    if (type_len > 0 && rec[0] == '!') {
        put_header(&h, ":exception-type", (const char *)rec + 1, type_len - 1);
        put_header(&h, ":message-type", "exception", 9);
    } else {
        put_header(&h, ":event-type", (const char *)rec, type_len);
        put_header(&h, ":message-type", "event", 5);
    }
    put_header(&h, ":content-type", "application/json", 16);
    total = (uint32_t)(16 + h.len + payload_len);
    put_u32(out, total);
    put_u32(out, (uint32_t)h.len);
    put_u32(out, (uint32_t)crc32(0, (const unsigned char *)out->ptr + start, 8));
    sy_buf_append(out, h.ptr, h.len);
    sy_buf_append(out, payload, payload_len);
    put_u32(out, (uint32_t)crc32(0, (const unsigned char *)out->ptr + start, total - 4));
    sy_buf_dispose(&h);
}

static void frame_records(struct sy_buf *out, const uint8_t *data, size_t size)
{
    while (size > 0) {
        const uint8_t *sep = memchr(data, 0xff, size);
        size_t len = sep != NULL ? (size_t)(sep - data) : size;

        frame_record(out, data, len);
        if (sep == NULL)
            break;
        data += len + 1;
        size -= len + 1;
    }
}

/* ---- Running ----------------------------------------------------------------- */

/* One run: the translator's state and what it produced. */
struct run {
    struct sy_stream_state st;
    struct outcome o;
};

static bool feed_piece(void *ctx, const char *piece, size_t len)
{
    struct run *r = ctx;

    r->o.next = sy_provider_bedrock.stream_feed(&r->st, SY_EP_CHAT, piece, len, &r->o.out);
    return r->o.next == SY_STREAM_CONTINUE;
}

static struct outcome run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count,
                          size_t max_event_bytes, bool wants_usage)
{
    struct sy_pool *pool = sy_pool_new();
    struct run r = {.st = {.alias = "alias",
                           .client_wants_usage = wants_usage,
                           .pool = pool,
                           .max_event_bytes = max_event_bytes}};

    sy_sse_init(&r.st.sse, max_event_bytes);
    split_feed(data, size, cuts, cut_count, feed_piece, &r);
    r.o.partial = r.st.partial;
    r.o.saw_done = r.st.saw_done;
    r.o.saw_finish = r.st.saw_finish;
    r.o.usage = r.st.usage;
    sy_sse_dispose(&r.st.sse);
    sy_pool_free(pool);
    return r.o;
}

static void expect_same(const struct outcome *a, const struct outcome *b)
{
    if (a->out.len != b->out.len ||
        (a->out.len > 0 && memcmp(a->out.ptr, b->out.ptr, a->out.len)) || a->next != b->next ||
        a->partial != b->partial || a->saw_done != b->saw_done || a->saw_finish != b->saw_finish ||
        a->usage.seen != b->usage.seen || a->usage.prompt_tokens != b->usage.prompt_tokens ||
        a->usage.completion_tokens != b->usage.completion_tokens ||
        a->usage.cached_tokens != b->usage.cached_tokens)
        abort();
}

static int check_event(const struct sy_sse_event *ev, void *ctx)
{
    size_t *count = ctx;

    (*count)++;
    if (ev->event.len != 0 || ev->id.len != 0)
        abort();
    if (!sy_str_eq_c(ev->data, "[DONE]") &&
        sy_json_validate(ev->data.ptr, ev->data.len, SY_JSON_MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        abort();
    return 0;
}

/* Everything written is whole "data: ...\n\n" events of JSON objects or [DONE]:
 * every line is empty or a data line, and the SSE parser agrees. */
static void expect_valid_sse(const struct sy_buf *out)
{
    struct sy_sse_parser p;
    size_t count = 0;

    if (out->len == 0)
        return;
    if (out->len < 2 || memcmp(out->ptr + out->len - 2, "\n\n", 2) != 0)
        abort();
    for (size_t i = 0; i < out->len;) {
        const char *nl = memchr(out->ptr + i, '\n', out->len - i);
        size_t len = (size_t)(nl - (out->ptr + i));
        if (memchr(out->ptr + i, '\r', len) != NULL ||
            (len > 0 && (len < 6 || memcmp(out->ptr + i, "data: ", 6) != 0)))
            abort();
        i += len + 1;
    }
    sy_sse_init(&p, out->len + 1);
    if (sy_sse_feed(&p, out->ptr, out->len, check_event, &count) != 0 || sy_sse_has_partial(&p) ||
        count == 0)
        abort();
    sy_sse_dispose(&p);
}

struct check {
    const uint8_t *data;
    size_t size;
    size_t max_event_bytes;
    bool wants_usage;
    struct outcome whole;
};

static void compare_split(void *ctx, const size_t *cuts, size_t cut_count)
{
    struct check *c = ctx;
    struct outcome split =
        run(c->data, c->size, cuts, cut_count, c->max_event_bytes, c->wants_usage);

    expect_same(&c->whole, &split);
    sy_buf_dispose(&split.out);
}

static void check_splits(const uint8_t *data, size_t size, size_t max_event_bytes, bool wants_usage)
{
    struct check c = {data, size, max_event_bytes, wants_usage,
                      run(data, size, NULL, 0, max_event_bytes, wants_usage)};

    expect_valid_sse(&c.whole.out);
    split_check(size, 1024, compare_split, &c);
    sy_buf_dispose(&c.whole.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sy_buf framed = {0};
    size_t magic = sizeof(FRAMES_MAGIC) - 1;

    if (size >= magic && memcmp(data, FRAMES_MAGIC, magic) == 0) {
        frame_records(&framed, data + magic, size - magic);
        data = (const uint8_t *)(framed.ptr != NULL ? framed.ptr : "");
        size = framed.len;
    }
    check_splits(data, size, 1 << 20, false);
    check_splits(data, size, 1 << 20, true);
    check_splits(data, size, 96, true); /* small enough that the seeds hit it */
    sy_buf_dispose(&framed);
    return 0;
}
