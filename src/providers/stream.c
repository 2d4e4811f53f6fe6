/* providers/stream.c - what the kinds share: SSE-based feeding, URL escaping,
 * reading token counts. */
#include <string.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

struct feed {
    struct sy_stream_state *st;
    enum sy_endpoint ep;
    struct sy_buf *out;
    sy_provider_event_fn *on_event;
    enum sy_stream_next next;
};

static int one_event(const struct sy_sse_event *ev, void *arg)
{
    struct feed *f = arg;

    f->next = f->on_event(f->st, f->ep, ev, f->out);
    return f->next != SY_STREAM_CONTINUE;
}

enum sy_stream_next sy_provider_sse_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                         const char *data, size_t len, struct sy_buf *out,
                                         sy_provider_event_fn *on_event)
{
    struct feed f = {st, ep, out, on_event, SY_STREAM_CONTINUE};
    int rc = sy_sse_feed(&st->sse, data, len, one_event, &f);

    st->partial = sy_sse_has_partial(&st->sse);
    if (rc == SY_SSE_TOO_LARGE)
        return SY_STREAM_TOO_LARGE;
    return f.next;
}

char *sy_provider_path_escape(struct sy_pool *pool, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(s);
    char *out = sy_pool_alloc(pool, len * 3 + 1), *p = out;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

uint32_t sy_provider_get_u32(struct sy_str obj, const char *key)
{
    struct sy_json_member m;
    uint64_t v = 0;

    if (!sy_json_get(obj, key, &m) || m.type != SY_JSON_NUMBER || !sy_json_get_uint(m.value, &v))
        return 0;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}
