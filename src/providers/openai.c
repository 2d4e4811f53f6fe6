/* providers/openai.c - the OpenAI wire format, and Azure OpenAI's variant.
 *
 * The client already speaks OpenAI, so bodies are not re-encoded: the
 * validated JSON is copied with a few byte ranges replaced (the "model"
 * values, stream_options) — a splice, not a parse and a dump. What changes
 * between the two kinds is the URL and how the key is sent. Streams always
 * ask the provider for usage (stream_options.include_usage), so that tokens
 * are counted even when the client did not ask; the usage-only chunk and the
 * "usage": null fields are then kept from the client. */
#include <string.h>

#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

#define MAX_EDITS 8
#define MAX_DEPTH 128

/* clang-format off */
static const char *const paths[SY_EP_COUNT] = {
    [SY_EP_CHAT] = "/chat/completions",
    [SY_EP_COMPLETIONS] = "/completions",
    [SY_EP_EMBEDDINGS] = "/embeddings",
};

/* clang-format on */

/* ---- Splicing ------------------------------------------------------------ */

/* Replace the bytes [from, to) of the source with `with`. */
struct edit {
    const char *from, *to;
    struct sy_str with;
};

struct edits {
    struct edit items[MAX_EDITS];
    size_t count;
};

static void add_edit(struct edits *e, const char *from, const char *to, struct sy_str with)
{
    size_t i;

    if (e->count == MAX_EDITS)
        return;
    /* Keep them ordered by position. */
    for (i = e->count; i > 0 && e->items[i - 1].from > from; i--)
        e->items[i] = e->items[i - 1];
    e->items[i] = (struct edit){from, to, with};
    e->count++;
}

/* Appends `src` with the edits applied to `out`. */
static void apply_edits(struct sy_buf *out, struct sy_str src, const struct edits *e)
{
    const char *at = src.ptr;

    for (size_t i = 0; i < e->count; i++) {
        if (e->items[i].from < at)
            continue; /* overlapping: never produced by the callers below */
        sy_buf_append(out, at, (size_t)(e->items[i].from - at));
        sy_buf_append_str(out, e->items[i].with);
        at = e->items[i].to;
    }
    sy_buf_append(out, at, (size_t)(src.ptr + src.len - at));
}

/* ---- Requests ------------------------------------------------------------ */

/* The value that replaces the client's stream_options: its members with
 * include_usage forced to true. */
static struct sy_str stream_options_with_usage(struct sy_pool *pool, struct sy_str old)
{
    struct sy_buf b = {0};
    struct sy_json_iter it;
    struct sy_json_member m;
    struct sy_str out;

    SY_BUF_APPEND_LIT(&b, "{\"include_usage\":true");
    if (old.ptr != NULL && old.len > 0 && old.ptr[0] == '{') {
        sy_json_iter_init(&it, old);
        while (sy_json_next_member(&it, &m)) {
            if (sy_json_key_is(m.key, "include_usage"))
                continue;
            SY_BUF_APPEND_LIT(&b, ",\"");
            sy_buf_append_str(&b, m.key);
            SY_BUF_APPEND_LIT(&b, "\":");
            sy_buf_append_str(&b, m.value);
        }
    }
    sy_buf_append(&b, "}", 1);
    out = (struct sy_str){sy_pool_strndup(pool, b.ptr, b.len), b.len};
    sy_buf_dispose(&b);
    return out;
}

static void drop_cache_control(json_t *list)
{
    size_t i;
    json_t *item;

    json_array_foreach(list, i, item)
        json_object_del(item, "cache_control");
}

/* Removes what a request translated from another API may carry and OpenAI
 * refuses as unknown parameters ("top_k", "thinking", messages'
 * "thinking_blocks", "cache_control" on parts and tools). A slower path:
 * only requests that came through another front door take it. */
static void strip_extensions(struct sy_buf *body)
{
    json_t *doc = json_loadb(body->ptr, body->len, JSON_ALLOW_NUL, NULL);
    json_t *msg, *tool;
    size_t i, len;

    if (!json_is_object(doc)) {
        json_decref(doc);
        return;
    }
    json_object_del(doc, "top_k");
    json_object_del(doc, "thinking");
    json_array_foreach(json_object_get(doc, "messages"), i, msg) {
        json_object_del(msg, "thinking_blocks");
        json_object_del(msg, "cache_control");
        drop_cache_control(json_object_get(msg, "content"));
        drop_cache_control(json_object_get(msg, "tool_calls"));
    }
    json_array_foreach(json_object_get(doc, "tools"), i, tool)
        json_object_del(tool, "cache_control");
    len = json_dumpb(doc, NULL, 0, JSON_COMPACT);
    sy_buf_reset(body);
    json_dumpb(doc, sy_buf_reserve(body, len), len, JSON_COMPACT);
    body->len = len;
    body->ptr[len] = '\0';
    json_decref(doc);
}

/* Fills headers and body: everything but the URL. */
static void build_common(const struct sy_build_ctx *ctx, const char *auth_line,
                         struct sy_upstream_call *out)
{
    struct sy_pool *pool = ctx->pool;
    enum sy_endpoint ep = ctx->ep;
    const struct sy_config_provider *prov = ctx->prov;
    const char *upstream_model = ctx->upstream_model;
    const struct sy_client_request *creq = ctx->creq;
    struct sy_buf model = {0}, body = {0};
    struct edits e = {0};
    size_t n = 0;

    sy_json_append_string(&model, upstream_model, strlen(upstream_model));
    struct sy_str model_json = {sy_pool_strndup(pool, model.ptr, model.len), model.len};
    sy_buf_dispose(&model);
    for (size_t i = 0; i < creq->model_values_count; i++)
        add_edit(&e, creq->model_values[i].ptr,
                 creq->model_values[i].ptr + creq->model_values[i].len, model_json);
    if (creq->is_stream && ep != SY_EP_EMBEDDINGS && !creq->include_usage) {
        if (creq->stream_options.ptr != NULL) {
            add_edit(&e, creq->stream_options.ptr,
                     creq->stream_options.ptr + creq->stream_options.len,
                     stream_options_with_usage(pool, creq->stream_options));
        } else {
            /* Insert a member before the object's closing brace. */
            const char *close = creq->raw.ptr + creq->raw.len - 1;
            while (close > creq->raw.ptr && *close != '}')
                close--;
            add_edit(&e, close, close, SY_STR(",\"stream_options\":{\"include_usage\":true}"));
        }
    }
    apply_edits(&body, creq->raw, &e);
    if (creq->has_extensions)
        strip_extensions(&body);
    out->body = (struct sy_str){sy_pool_strndup(pool, body.ptr, body.len), body.len};
    sy_buf_dispose(&body);

    out->headers = sy_pool_alloc(pool, (prov->headers_count + 2) * sizeof(char *));
    out->headers[n++] = "Content-Type: application/json";
    if (auth_line != NULL)
        out->headers[n++] = auth_line;
    for (size_t i = 0; i < prov->headers_count; i++)
        out->headers[n++] =
            sy_pool_printf(pool, "%s: %s", prov->headers[i].name, prov->headers[i].value);
    out->headers_count = n;
}

static enum sy_err build_openai(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    const char *auth = prov->api_key != NULL
                           ? sy_pool_printf(ctx->pool, "Authorization: Bearer %s", prov->api_key)
                           : NULL;

    out->url = sy_pool_printf(ctx->pool, "%s%s", prov->base_url, paths[ctx->ep]);
    build_common(ctx, auth, out);
    return SY_OK;
}

static enum sy_err build_azure(const struct sy_build_ctx *ctx, struct sy_upstream_call *out)
{
    const struct sy_config_provider *prov = ctx->prov;
    const char *auth =
        prov->api_key != NULL ? sy_pool_printf(ctx->pool, "api-key: %s", prov->api_key) : NULL;

    out->url =
        sy_pool_printf(ctx->pool, "%s/openai/deployments/%s%s?api-version=%s", prov->base_url,
                       sy_provider_path_escape(ctx->pool, ctx->upstream_model), paths[ctx->ep],
                       prov->api_version != NULL ? prov->api_version : "2024-10-21");
    build_common(ctx, auth, out);
    return SY_OK;
}

/* ---- Responses ------------------------------------------------------------ */

bool sy_provider_read_usage(struct sy_str obj, struct sy_usage *usage)
{
    struct sy_json_member m;

    if (obj.ptr == NULL || obj.len == 0 || obj.ptr[0] != '{')
        return false;
    usage->prompt_tokens = sy_provider_get_u32(obj, "prompt_tokens");
    usage->completion_tokens = sy_provider_get_u32(obj, "completion_tokens");
    usage->cached_tokens = usage->reasoning_tokens = 0;
    if (sy_json_get(obj, "prompt_tokens_details", &m) && m.type == SY_JSON_OBJECT)
        usage->cached_tokens = sy_provider_get_u32(m.value, "cached_tokens");
    if (sy_json_get(obj, "completion_tokens_details", &m) && m.type == SY_JSON_OBJECT)
        usage->reasoning_tokens = sy_provider_get_u32(m.value, "reasoning_tokens");
    usage->seen = true;
    return true;
}

/* What a response or chunk holds at its top level, and the edits to make. */
struct scanned {
    struct edits edits;
    struct sy_str usage; /* raw value, NULL ptr when absent */
    enum sy_json_type usage_type;
    struct sy_str choices;
    enum sy_json_type choices_type;
};

/* Scans the top-level members of `doc`, planning "model" -> `alias_json` and,
 * when `drop_usage`, the removal of "usage" members. */
static void scan_top(struct sy_str doc, struct sy_str alias_json, bool drop_usage,
                     struct scanned *sc)
{
    struct sy_json_iter it;
    struct sy_json_member m;
    const char *prev_end = NULL; /* end of the previous member's value */
    bool pending_drop = false;
    const char *drop_from = NULL;

    memset(sc, 0, sizeof(*sc));
    sy_json_iter_init(&it, doc);
    while (sy_json_next_member(&it, &m)) {
        const char *member_start = m.key.ptr - 1; /* the opening quote */
        if (pending_drop) {
            /* First member was dropped: remove up to this member's start. */
            add_edit(&sc->edits, drop_from, member_start, SY_STR(""));
            pending_drop = false;
        }
        if (sy_json_key_is(m.key, "model")) {
            add_edit(&sc->edits, m.value.ptr, m.value.ptr + m.value.len, alias_json);
        } else if (sy_json_key_is(m.key, "usage")) {
            sc->usage = m.value;
            sc->usage_type = m.type;
            if (drop_usage) {
                if (prev_end != NULL) {
                    add_edit(&sc->edits, prev_end, m.value.ptr + m.value.len, SY_STR(""));
                } else {
                    pending_drop = true;
                    drop_from = member_start;
                }
            }
        } else if (sy_json_key_is(m.key, "choices")) {
            sc->choices = m.value;
            sc->choices_type = m.type;
        }
        prev_end = m.value.ptr + m.value.len;
    }
    if (pending_drop) {
        /* The only member: remove it whole. */
        add_edit(&sc->edits, drop_from, prev_end, SY_STR(""));
    }
}

static struct sy_str alias_to_json(struct sy_buf *tmp, const char *alias)
{
    sy_buf_reset(tmp);
    sy_json_append_string(tmp, alias, strlen(alias));
    return (struct sy_str){tmp->ptr, tmp->len};
}

static enum sy_err translate_response(enum sy_endpoint ep, const char *alias, const char *body,
                                      size_t len, struct sy_buf *out, struct sy_usage *usage)
{
    struct sy_str doc = {body, len};
    struct sy_buf tmp = {0};
    struct scanned sc;

    (void)ep;
    if (sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_ERR_UPSTREAM;
    scan_top(doc, alias_to_json(&tmp, alias), false, &sc);
    if (sc.usage_type == SY_JSON_OBJECT)
        sy_provider_read_usage(sc.usage, usage);
    apply_edits(out, doc, &sc.edits);
    sy_buf_dispose(&tmp);
    return SY_OK;
}

static enum sy_stream_next on_event(struct sy_stream_state *st, enum sy_endpoint ep,
                                    const struct sy_sse_event *ev, struct sy_buf *out)
{
    struct sy_str *alias_json = st->kind_state;
    struct scanned sc;
    struct sy_json_iter it;
    struct sy_str choice;

    (void)ep;
    if (sy_str_eq_c(ev->data, "[DONE]")) {
        st->saw_done = true;
        SY_BUF_APPEND_LIT(out, "data: [DONE]\n\n");
        return SY_STREAM_DONE;
    }
    if (sy_json_validate(ev->data.ptr, ev->data.len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return SY_STREAM_MALFORMED;
    st->events++;
    if (alias_json == NULL) {
        /* Once per stream, not per event: the alias as a JSON string. */
        struct sy_buf tmp = {0};
        alias_json = sy_pool_alloc(st->pool, sizeof(*alias_json));
        alias_to_json(&tmp, st->alias);
        *alias_json = (struct sy_str){sy_pool_strndup(st->pool, tmp.ptr, tmp.len), tmp.len};
        sy_buf_dispose(&tmp);
        st->kind_state = alias_json;
    }
    scan_top(ev->data, *alias_json, !st->client_wants_usage, &sc);
    if (sc.choices_type == SY_JSON_ARRAY) {
        sy_json_iter_init(&it, sc.choices);
        while (sy_json_next_element(&it, &choice, NULL)) {
            struct sy_json_member reason;
            if (sy_json_get(choice, "finish_reason", &reason) && reason.type != SY_JSON_NULL)
                st->saw_finish = true;
        }
    }
    if (sc.usage_type == SY_JSON_OBJECT)
        sy_provider_read_usage(sc.usage, &st->usage);
    if (!st->client_wants_usage && sc.usage.ptr != NULL && sc.choices_type == SY_JSON_ARRAY &&
        sc.choices.len >= 2 && sc.choices.ptr[0] == '[') {
        /* We asked for the usage-only chunk, the client did not: drop it. */
        struct sy_json_iter probe;
        struct sy_str first;
        sy_json_iter_init(&probe, sc.choices);
        if (!sy_json_next_element(&probe, &first, NULL))
            return SY_STREAM_CONTINUE;
    }
    SY_BUF_APPEND_LIT(out, "data: ");
    apply_edits(out, ev->data, &sc.edits);
    SY_BUF_APPEND_LIT(out, "\n\n");
    return SY_STREAM_CONTINUE;
}

static enum sy_stream_next stream_feed(struct sy_stream_state *st, enum sy_endpoint ep,
                                       const char *data, size_t len, struct sy_buf *out)
{
    return sy_provider_sse_feed(st, ep, data, len, out, on_event);
}

void sy_provider_stream_error(struct sy_buf *out, const char *message, const char *type,
                              const char *code)
{
    SY_BUF_APPEND_LIT(out, "data: {\"error\":{\"message\":");
    sy_json_append_string(out, message, strlen(message));
    SY_BUF_APPEND_LIT(out, ",\"type\":");
    sy_json_append_string(out, type, strlen(type));
    SY_BUF_APPEND_LIT(out, ",\"param\":null,\"code\":");
    sy_json_append_string(out, code, strlen(code));
    SY_BUF_APPEND_LIT(out, "}}\n\n");
}

const char *sy_provider_error_message(struct sy_pool *pool, const char *body, size_t len)
{
    struct sy_str doc = {body, len};
    struct sy_json_member err, msg;
    char buf[1024];
    ssize_t n;

    if (sy_json_validate(body, len, MAX_DEPTH, NULL) != SY_JSON_OBJECT)
        return NULL;
    if (!(sy_json_get(doc, "error", &err) && err.type == SY_JSON_OBJECT &&
          sy_json_get(err.value, "message", &msg)) &&
        !sy_json_get(doc, "message", &msg))
        return NULL;
    if (msg.type != SY_JSON_STRING)
        return NULL;
    n = sy_json_string_decode(msg.value, buf, sizeof(buf));
    if (n < 0) {
        /* Longer than we quote anyway: keep its start. */
        return sy_pool_strndup(pool, msg.value.ptr + 1,
                               msg.value.len > 300 ? 300 : msg.value.len - 2);
    }
    return sy_pool_strndup(pool, buf, (size_t)n);
}

const struct sy_provider sy_provider_openai = {
    .kind = SY_KIND_OPENAI,
    .stream_content_type = "text/event-stream",
    .build = build_openai,
    .translate_response = translate_response,
    .stream_feed = stream_feed,
};

const struct sy_provider sy_provider_azure = {
    .kind = SY_KIND_AZURE,
    .stream_content_type = "text/event-stream",
    .build = build_azure,
    .translate_response = translate_response,
    .stream_feed = stream_feed,
};
