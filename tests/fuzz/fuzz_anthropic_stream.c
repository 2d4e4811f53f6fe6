/* tests/fuzz/fuzz_anthropic_stream.c - the anthropic kind's stream translator
 * against arbitrary upstream bytes.
 *
 * Beyond "no crash, no leak": where a read boundary falls must not change
 * what the client receives, because TCP decides that, not the provider. The
 * input is fed whole, in two halves and in three thirds, each piece an
 * exact-size heap copy freed right after its feed (so ASan sees a view kept
 * past its feed), stopping like the gateway at the first feed that returns
 * anything but SY_STREAM_CONTINUE. The output bytes, what the last feed
 * returned, saw_done, saw_finish, partial and the usage must be the same
 * every time, with and without client_wants_usage; and every "data:"
 * payload sent to the client, but [DONE], must be a JSON object. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

#define MAX_EVENT_BYTES (64 * 1024)

/* What a run produced. */
struct outcome {
    struct sy_buf out;
    enum sy_stream_next next;
    bool saw_done, saw_finish, partial;
    struct sy_usage usage;
};

static struct outcome run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count,
                          bool wants_usage)
{
    const struct sy_provider *prov = sy_provider_get(SY_KIND_ANTHROPIC);
    struct sy_pool *pool = sy_pool_new();
    struct sy_stream_state st = {.alias = "alias",
                                 .client_wants_usage = wants_usage,
                                 .pool = pool,
                                 .max_event_bytes = MAX_EVENT_BYTES};
    struct outcome o = {.next = SY_STREAM_CONTINUE};
    size_t from = 0;

    sy_sse_init(&st.sse, st.max_event_bytes);
    for (size_t i = 0; i <= cut_count && o.next == SY_STREAM_CONTINUE; i++) {
        size_t to = i < cut_count ? cuts[i] : size;
        char *piece = malloc(to > from ? to - from : 1);

        if (piece == NULL)
            abort();
        if (to > from)
            memcpy(piece, data + from, to - from);
        o.next = prov->stream_feed(&st, SY_EP_CHAT, piece, to - from, &o.out);
        free(piece);
        from = to;
    }
    o.saw_done = st.saw_done;
    o.saw_finish = st.saw_finish;
    o.partial = st.partial;
    o.usage = st.usage;
    sy_sse_dispose(&st.sse);
    sy_pool_free(pool);
    return o;
}

static void expect_same(const struct outcome *a, const struct outcome *b)
{
    if (a->out.len != b->out.len ||
        (a->out.len > 0 && memcmp(a->out.ptr, b->out.ptr, a->out.len)) || a->next != b->next ||
        a->saw_done != b->saw_done || a->saw_finish != b->saw_finish || a->partial != b->partial ||
        memcmp(&a->usage, &b->usage, sizeof(a->usage)) != 0)
        abort();
}

static int check_payload(const struct sy_sse_event *ev, void *ctx)
{
    (void)ctx;
    if (ev->event.len != 0 || ev->id.len != 0)
        abort(); /* we only ever write data: lines */
    if (sy_str_eq_c(ev->data, "[DONE]"))
        return 0;
    if (sy_json_validate(ev->data.ptr, ev->data.len, SY_JSON_MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        abort();
    return 0;
}

/* The client's stream: well-formed SSE, each event complete, each payload JSON. */
static void expect_valid(const struct outcome *o)
{
    struct sy_sse_parser p;

    sy_sse_init(&p, o->out.len + 1);
    if (sy_sse_feed(&p, o->out.ptr != NULL ? o->out.ptr : "", o->out.len, check_payload, NULL) !=
            0 ||
        sy_sse_has_partial(&p))
        abort();
    sy_sse_dispose(&p);
    if (o->saw_done && o->next != SY_STREAM_DONE)
        abort();
}

static void check_splits(const uint8_t *data, size_t size, bool wants_usage)
{
    size_t halves[1] = {size / 2};
    size_t thirds[2] = {size / 3, 2 * size / 3};
    struct outcome whole = run(data, size, NULL, 0, wants_usage);
    struct outcome split;

    expect_valid(&whole);
    split = run(data, size, halves, 1, wants_usage);
    expect_same(&whole, &split);
    sy_buf_dispose(&split.out);
    split = run(data, size, thirds, 2, wants_usage);
    expect_same(&whole, &split);
    sy_buf_dispose(&split.out);
    sy_buf_dispose(&whole.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, false);
    check_splits(data, size, true);
    return 0;
}
