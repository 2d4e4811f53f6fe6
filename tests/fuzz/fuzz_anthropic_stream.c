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
#include "split.h"

#define MAX_EVENT_BYTES (64 * 1024)

/* What a run produced. */
struct outcome {
    struct sy_buf out;
    enum sy_stream_next next;
    bool saw_done, saw_finish, partial;
    struct sy_usage usage;
};

/* One run: the translator's state and what it produced. */
struct run {
    struct sy_stream_state st;
    struct outcome o;
};

static bool feed_piece(void *ctx, const char *piece, size_t len)
{
    struct run *r = ctx;

    r->o.next =
        sy_provider_get(SY_KIND_ANTHROPIC)->stream_feed(&r->st, SY_EP_CHAT, piece, len, &r->o.out);
    return r->o.next == SY_STREAM_CONTINUE;
}

static struct outcome run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count,
                          bool wants_usage)
{
    struct sy_pool *pool = sy_pool_new();
    struct run r = {.st = {.alias = "alias",
                           .client_wants_usage = wants_usage,
                           .pool = pool,
                           .max_event_bytes = MAX_EVENT_BYTES},
                    .o = {.next = SY_STREAM_CONTINUE}};

    sy_sse_init(&r.st.sse, r.st.max_event_bytes);
    split_feed(data, size, cuts, cut_count, feed_piece, &r);
    r.o.saw_done = r.st.saw_done;
    r.o.saw_finish = r.st.saw_finish;
    r.o.partial = r.st.partial;
    r.o.usage = r.st.usage;
    sy_sse_dispose(&r.st.sse);
    sy_pool_free(pool);
    return r.o;
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

struct check {
    const uint8_t *data;
    size_t size;
    bool wants_usage;
    struct outcome whole;
};

static void compare_split(void *ctx, const size_t *cuts, size_t cut_count)
{
    struct check *c = ctx;
    struct outcome split = run(c->data, c->size, cuts, cut_count, c->wants_usage);

    expect_same(&c->whole, &split);
    sy_buf_dispose(&split.out);
}

static void check_splits(const uint8_t *data, size_t size, bool wants_usage)
{
    struct check c = {data, size, wants_usage, run(data, size, NULL, 0, wants_usage)};

    expect_valid(&c.whole);
    split_check(size, 0 /* no byte-by-byte run */, compare_split, &c);
    sy_buf_dispose(&c.whole.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_splits(data, size, false);
    check_splits(data, size, true);
    return 0;
}
