/* providers/openai.c - the OpenAI wire format, and Azure OpenAI's variant.
 *
 * The client already speaks OpenAI, so the body passes through with only
 * "model" replaced; what changes between the two kinds is the URL and how
 * the key is sent. Streams always ask the provider for usage
 * (stream_options.include_usage), so that tokens are counted even when the
 * client did not ask; the usage-only chunk is then kept from the client. */
#include "providers/provider.h"

#include <string.h>

#include "core/pool.h"

/* clang-format off */
static const char *const paths[SY_EP_COUNT] = {
    [SY_EP_CHAT] = "/chat/completions",
    [SY_EP_COMPLETIONS] = "/completions",
    [SY_EP_EMBEDDINGS] = "/embeddings",
};
/* clang-format on */

/* Serialises `json` into the pool. */
static struct sy_str dump_to_pool(struct sy_pool *pool, const json_t *json)
{
    size_t len = json_dumpb(json, NULL, 0, JSON_COMPACT);
    char *p = sy_pool_alloc(pool, len + 1);

    json_dumpb(json, p, len, JSON_COMPACT);
    p[len] = '\0';
    return (struct sy_str){p, len};
}

/* Fills headers, body and the model: everything but the URL. */
static void build_common(struct sy_pool *pool, enum sy_endpoint ep,
                         const struct sy_config_provider *prov, const char *upstream_model,
                         json_t *body, bool is_stream, const char *auth_line,
                         struct sy_upstream_call *out)
{
    size_t n = 0;

    json_object_set_new(body, "model", json_string(upstream_model));
    if (is_stream && ep != SY_EP_EMBEDDINGS) {
        json_t *opts = json_object_get(body, "stream_options");
        if (!json_is_object(opts)) {
            opts = json_object();
            json_object_set_new(body, "stream_options", opts);
        }
        json_object_set_new(opts, "include_usage", json_true());
    }
    out->body = dump_to_pool(pool, body);
    out->headers = sy_pool_alloc(pool, (prov->headers_count + 2) * sizeof(char *));
    out->headers[n++] = "Content-Type: application/json";
    if (auth_line != NULL)
        out->headers[n++] = auth_line;
    for (size_t i = 0; i < prov->headers_count; i++)
        out->headers[n++] =
            sy_pool_printf(pool, "%s: %s", prov->headers[i].name, prov->headers[i].value);
    out->headers_count = n;
}

static enum sy_err build_openai(struct sy_pool *pool, enum sy_endpoint ep,
                                const struct sy_config_provider *prov, const char *upstream_model,
                                json_t *body, bool is_stream, struct sy_upstream_call *out)
{
    const char *auth =
        prov->api_key != NULL ? sy_pool_printf(pool, "Authorization: Bearer %s", prov->api_key)
                              : NULL;

    out->url = sy_pool_printf(pool, "%s%s", prov->base_url, paths[ep]);
    build_common(pool, ep, prov, upstream_model, body, is_stream, auth, out);
    return SY_OK;
}

/* Percent-encodes all but RFC 3986 unreserved characters: a deployment name
 * from the config must not change the URL's shape. */
static char *path_escape(struct sy_pool *pool, const char *s)
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

static enum sy_err build_azure(struct sy_pool *pool, enum sy_endpoint ep,
                               const struct sy_config_provider *prov, const char *upstream_model,
                               json_t *body, bool is_stream, struct sy_upstream_call *out)
{
    const char *auth =
        prov->api_key != NULL ? sy_pool_printf(pool, "api-key: %s", prov->api_key) : NULL;
    char *escaped = path_escape(pool, upstream_model);

    out->url = sy_pool_printf(pool, "%s/openai/deployments/%s%s?api-version=%s", prov->base_url,
                              escaped, paths[ep],
                              prov->api_version != NULL ? prov->api_version : "2024-10-21");
    build_common(pool, ep, prov, upstream_model, body, is_stream, auth, out);
    return SY_OK;
}

/* ---- Responses ---------------------------------------------------------- */

bool sy_provider_read_usage(const json_t *obj, struct sy_usage *usage)
{
    const json_t *details;

    if (!json_is_object(obj))
        return false;
    usage->prompt_tokens = (uint32_t)json_integer_value(json_object_get(obj, "prompt_tokens"));
    usage->completion_tokens =
        (uint32_t)json_integer_value(json_object_get(obj, "completion_tokens"));
    details = json_object_get(obj, "prompt_tokens_details");
    usage->cached_tokens = (uint32_t)json_integer_value(json_object_get(details, "cached_tokens"));
    details = json_object_get(obj, "completion_tokens_details");
    usage->reasoning_tokens =
        (uint32_t)json_integer_value(json_object_get(details, "reasoning_tokens"));
    usage->seen = true;
    return true;
}

static void append_json(struct sy_buf *out, const json_t *json)
{
    size_t len = json_dumpb(json, NULL, 0, JSON_COMPACT);

    json_dumpb(json, sy_buf_reserve(out, len), len, JSON_COMPACT);
    out->len += len;
    out->ptr[out->len] = '\0';
}

static enum sy_err translate_response(enum sy_endpoint ep, const char *alias, const char *body,
                                      size_t len, struct sy_buf *out, struct sy_usage *usage)
{
    json_t *doc = json_loadb(body, len, JSON_ALLOW_NUL, NULL);

    (void)ep;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return SY_ERR_UPSTREAM;
    }
    if (json_object_get(doc, "model") != NULL)
        json_object_set_new(doc, "model", json_string(alias));
    sy_provider_read_usage(json_object_get(doc, "usage"), usage);
    append_json(out, doc);
    json_decref(doc);
    return SY_OK;
}

static enum sy_stream_next translate_event(struct sy_stream_state *st, enum sy_endpoint ep,
                                           const struct sy_sse_event *ev, struct sy_buf *out)
{
    json_t *doc, *usage, *choices;

    (void)ep;
    if (sy_str_eq_c(ev->data, "[DONE]")) {
        st->saw_done = true;
        SY_BUF_APPEND_LIT(out, "data: [DONE]\n\n");
        return SY_STREAM_DONE;
    }
    doc = json_loadb(ev->data.ptr, ev->data.len, JSON_ALLOW_NUL, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return SY_STREAM_MALFORMED;
    }
    st->events++;
    if (json_object_get(doc, "model") != NULL)
        json_object_set_new(doc, "model", json_string(st->alias));
    choices = json_object_get(doc, "choices");
    for (size_t i = 0; i < json_array_size(choices); i++) {
        const json_t *reason = json_object_get(json_array_get(choices, i), "finish_reason");
        if (reason != NULL && !json_is_null(reason))
            st->saw_finish = true;
    }
    usage = json_object_get(doc, "usage");
    if (json_is_object(usage))
        sy_provider_read_usage(usage, &st->usage);
    if (!st->client_wants_usage && usage != NULL) {
        /* We asked for usage, the client did not: keep the usage-only chunk
         * and the "usage": null fields from it. */
        if (json_is_array(choices) && json_array_size(choices) == 0) {
            json_decref(doc);
            return SY_STREAM_CONTINUE;
        }
        json_object_del(doc, "usage");
    }
    SY_BUF_APPEND_LIT(out, "data: ");
    append_json(out, doc);
    SY_BUF_APPEND_LIT(out, "\n\n");
    json_decref(doc);
    return SY_STREAM_CONTINUE;
}

void sy_provider_stream_error(struct sy_buf *out, const char *message, const char *type,
                              const char *code)
{
    json_t *err = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message", message, "type", type,
                            "param", "code", code);

    SY_BUF_APPEND_LIT(out, "data: ");
    append_json(out, err);
    SY_BUF_APPEND_LIT(out, "\n\n");
    json_decref(err);
}

const char *sy_provider_error_message(struct sy_pool *pool, const char *body, size_t len)
{
    json_t *doc = json_loadb(body, len, 0, NULL);
    const char *msg = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
    char *copy = NULL;

    if (msg == NULL)
        msg = json_string_value(json_object_get(doc, "message"));
    if (msg != NULL)
        copy = sy_pool_strndup(pool, msg, strlen(msg));
    json_decref(doc);
    return copy;
}

const struct sy_provider sy_provider_openai = {
    .kind = SY_KIND_OPENAI,
    .build = build_openai,
    .translate_response = translate_response,
    .translate_event = translate_event,
};

const struct sy_provider sy_provider_azure = {
    .kind = SY_KIND_AZURE,
    .build = build_azure,
    .translate_response = translate_response,
    .translate_event = translate_event,
};
