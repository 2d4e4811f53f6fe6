/* tests/fuzz/fuzz_gemini_stream.c - the Gemini stream translator against
 * arbitrary upstream bytes.
 *
 * Beyond "no crash, no leak": where a read boundary falls must not change
 * what the client receives, because TCP decides that, not the provider. The
 * input is fed whole, in two halves, in three thirds and (when short) byte
 * by byte, with and without the client asking for usage, and fed the way
 * api/proxy.c feeds it: nothing more after a feed that did not return
 * SY_STREAM_CONTINUE. Each run must give the same bytes, the same last
 * result and the same flags and usage; and every event written must be a
 * whole "data: ...\n\n" event whose payload is a JSON object, except one
 * final "[DONE]". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENT_BYTES (64 * 1024)

/* What a run produced. */
struct outcome {
    struct sy_buf out;
    enum sy_stream_next next; /* what the last feed returned */
    bool saw_done, saw_finish, partial;
    struct sy_usage usage;
};

/* Feeds `data` in pieces ending at the `cut_count` offsets in `cuts`, then
 * at `size`. Each piece is its own exact-size heap copy, freed after its
 * feed, so ASan sees a view kept past its feed or a read past its end. */
static void run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count,
                bool wants_usage, struct outcome *o)
{
    struct sy_pool *pool = sy_pool_new();
    struct sy_stream_state st = {.alias = "alias",
                                 .client_wants_usage = wants_usage,
                                 .pool = pool,
                                 .max_event_bytes = MAX_EVENT_BYTES};
    size_t from = 0;

    memset(o, 0, sizeof(*o));
    sy_sse_init(&st.sse, st.max_event_bytes);
    for (size_t i = 0; i <= cut_count && o->next == SY_STREAM_CONTINUE; i++) {
        size_t to = i < cut_count ? cuts[i] : size;
        char *piece = malloc(to > from ? to - from : 1);

        if (piece == NULL)
            abort();
        if (to > from)
            memcpy(piece, data + from, to - from);
        o->next = sy_provider_vertex.stream_feed(&st, SY_EP_CHAT, piece, to - from, &o->out);
        free(piece);
        from = to;
    }
    o->saw_done = st.saw_done;
    o->saw_finish = st.saw_finish;
    o->partial = o->next == SY_STREAM_CONTINUE && st.partial;
    o->usage = st.usage;
    sy_sse_dispose(&st.sse);
    sy_pool_free(pool);
}

static void expect_same(const struct outcome *a, const struct outcome *b)
{
    if (a->out.len != b->out.len ||
        (a->out.len > 0 && memcmp(a->out.ptr, b->out.ptr, a->out.len)) || a->next != b->next ||
        a->saw_done != b->saw_done || a->saw_finish != b->saw_finish || a->partial != b->partial ||
        memcmp(&a->usage, &b->usage, sizeof(a->usage)) != 0)
        abort();
}

/* Checks that `out` is whole events, each "data: <JSON object>\n\n", with at
 * most one "data: [DONE]\n\n" and only at the very end. */
static void expect_valid_events(const struct outcome *o)
{
    const char *p = o->out.ptr, *end = p;
    bool done = false;

    if (o->out.len > 0)
        end = p + o->out.len; /* an empty sy_buf has a NULL ptr */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct sy_str payload;

        if (done || nl == NULL || nl + 1 >= end || nl[1] != '\n' || end - p < 6 ||
            memcmp(p, "data: ", 6) != 0)
            abort();
        payload = (struct sy_str){p + 6, (size_t)(nl - p - 6)};
        if (sy_str_eq_c(payload, "[DONE]"))
            done = true;
        else if (sy_json_validate(payload.ptr, payload.len, 128, NULL) != SY_JSON_OBJECT)
            abort();
        p = nl + 2;
    }
    if (done != o->saw_done || (done && o->next != SY_STREAM_DONE))
        abort();
}

static void check_splits(const uint8_t *data, size_t size, bool wants_usage)
{
    size_t halves[1] = {size / 2};
    size_t thirds[2] = {size / 3, 2 * size / 3};
    struct outcome whole, split;

    run(data, size, NULL, 0, wants_usage, &whole);
    expect_valid_events(&whole);
    run(data, size, halves, 1, wants_usage, &split);
    expect_same(&whole, &split);
    sy_buf_dispose(&split.out);
    run(data, size, thirds, 2, wants_usage, &split);
    expect_same(&whole, &split);
    sy_buf_dispose(&split.out);
    if (size > 0 && size <= 512) {
        size_t bytes[512];

        for (size_t i = 0; i < size; i++)
            bytes[i] = i + 1;
        run(data, size, bytes, size - 1, wants_usage, &split);
        expect_same(&whole, &split);
        sy_buf_dispose(&split.out);
    }
    sy_buf_dispose(&whole.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, false);
    check_splits(data, size, true);
    return 0;
}
