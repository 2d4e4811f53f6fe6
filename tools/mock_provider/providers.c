/* mock_provider/providers.c - routes the other providers' paths (Anthropic, Gemini, Vertex,
 * Bedrock, the fake OAuth endpoint) and keeps the state they share: the credentials they
 * check, the prompt-cache prefixes seen and the access tokens issued.
 *
 * api.c calls sy__mock_plan_provider() only for a path no OpenAI route took, so nothing here
 * costs the OpenAI path anything. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/alloc.h"
#include "core/log.h"
#include "mock_provider/mock_provider.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit)       SY__MOCK_PUT_LIT((buf), (lit))
#define DEFAULT_TOKEN_TTL_S 3600

/* ---- Shared state ---------------------------------------------------------------------- */

/* Reads a PEM public key ("BEGIN PUBLIC KEY") or the key of a PEM certificate, as Google
 * publishes a service account's keys. Returns NULL when it is neither. */
static EVP_PKEY *read_public_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = NULL;
    X509 *cert;

    if (bio == NULL)
        return NULL;
    key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (key == NULL) {
        (void)BIO_reset(bio);
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (cert != NULL) {
            key = X509_get_pubkey(cert);
            X509_free(cert);
        }
    }
    BIO_free(bio);
    return key;
}

int sy__mock_formats_new(const struct sy_mock_provider_auth *auth, struct sy__mock_formats **out)
{
    struct sy__mock_formats *f = sy_xcalloc(1, sizeof(*f));

    pthread_mutex_init(&f->mu, NULL);
    f->token_ttl_s = DEFAULT_TOKEN_TTL_S;
    *out = f;
    if (auth == NULL)
        return 0;
    if (auth->token_ttl_s > 0)
        f->token_ttl_s = auth->token_ttl_s;
    if (auth->aws_access_key_id != NULL && auth->aws_secret_access_key != NULL) {
        f->aws_access_key_id = sy_xstrdup(auth->aws_access_key_id);
        f->aws_secret_access_key = sy_xstrdup(auth->aws_secret_access_key);
    }
    if (auth->vertex_public_key_pem != NULL) {
        f->vertex_key = read_public_key(auth->vertex_public_key_pem);
        if (f->vertex_key == NULL) {
            sy_log_error("mock-provider: the Vertex public key is not a PEM public key or "
                         "certificate");
            return -1; /* *out is freed with the provider */
        }
    }
    return 0;
}

void sy__mock_formats_free(struct sy__mock_formats *f)
{
    if (f == NULL)
        return;
    EVP_PKEY_free(f->vertex_key);
    free(f->aws_access_key_id);
    if (f->aws_secret_access_key != NULL) {
        OPENSSL_cleanse(f->aws_secret_access_key, strlen(f->aws_secret_access_key));
        free(f->aws_secret_access_key);
    }
    free(f->token_expiry);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void sy__mock_formats_reset(struct sy__mock_formats *f)
{
    pthread_mutex_lock(&f->mu);
    memset(f->prefixes, 0, sizeof(f->prefixes));
    f->prefix_count = 0;
    pthread_mutex_unlock(&f->mu);
}

bool sy__mock_prefix_check(struct sy__mock_formats *f, uint64_t h, bool is_added)
{
    size_t i;
    bool is_seen = false;

    if (h == 0)
        h = 1; /* 0 marks an empty slot */
    pthread_mutex_lock(&f->mu);
    for (i = (size_t)(h % SY__MOCK_PREFIX_SLOTS); f->prefixes[i] != 0;
         i = (i + 1) % SY__MOCK_PREFIX_SLOTS) {
        if (f->prefixes[i] == h) {
            is_seen = true;
            break;
        }
    }
    if (!is_seen && is_added) {
        /* A small set: forget everything rather than let probes grow long. */
        if (f->prefix_count >= SY__MOCK_PREFIX_SLOTS * 3 / 4) {
            memset(f->prefixes, 0, sizeof(f->prefixes));
            f->prefix_count = 0;
            i = (size_t)(h % SY__MOCK_PREFIX_SLOTS);
        }
        f->prefixes[i] = h;
        f->prefix_count++;
    }
    pthread_mutex_unlock(&f->mu);
    return is_seen;
}

uint64_t sy__mock_token_issue(struct sy__mock_formats *f, int64_t expires_at)
{
    uint64_t n;

    pthread_mutex_lock(&f->mu);
    if (f->token_count == f->token_cap) {
        f->token_cap = f->token_cap == 0 ? 64 : f->token_cap * 2;
        f->token_expiry = sy_xrealloc(f->token_expiry, f->token_cap * sizeof(*f->token_expiry));
    }
    f->token_expiry[f->token_count++] = expires_at;
    n = f->token_count;
    pthread_mutex_unlock(&f->mu);
    return n;
}

bool sy__mock_token_is_valid(struct sy__mock_formats *f, struct sy_str authorization, int64_t now_s)
{
    static const char prefix[] = "ya29.mock-";
    struct sy_str v = authorization;
    uint64_t n = 0;
    bool is_valid = false;

    if (v.len < 7 || strncasecmp(v.ptr, "Bearer ", 7) != 0)
        return false;
    v.ptr += 7;
    v.len -= 7;
    while (v.len > 0 && *v.ptr == ' ') {
        v.ptr++;
        v.len--;
    }
    if (v.len <= sizeof(prefix) - 1 || v.len > sizeof(prefix) - 1 + 12 ||
        memcmp(v.ptr, prefix, sizeof(prefix) - 1) != 0)
        return false;
    for (size_t i = sizeof(prefix) - 1; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(v.ptr[i] - '0');
    }
    pthread_mutex_lock(&f->mu);
    if (n >= 1 && n <= f->token_count)
        is_valid = now_s < f->token_expiry[n - 1];
    pthread_mutex_unlock(&f->mu);
    return is_valid;
}

/* ---- Plan helpers ---------------------------------------------------------------------- */

static void put_c(struct sy_buf *b, const char *s)
{
    sy__mock_put(b, s, strlen(s));
}

void sy__mock_plan_head(struct sy__mock_plan *plan, const char *content_type, const char *extra)
{
    struct sy_buf *head = &plan->head;

    sy_buf_reset(head);
    sy__mock_status_line(head, plan->status);
    LIT(head, "content-type: ");
    put_c(head, content_type);
    LIT(head, "\r\ncontent-length: ");
    sy__mock_buf_u64(head, plan->body.len);
    LIT(head, "\r\n");
    if (extra != NULL)
        put_c(head, extra);
    if (plan->status == 429)
        LIT(head, "retry-after: 1\r\n");
    if (plan->closes)
        LIT(head, "connection: close\r\n");
    LIT(head, "\r\n");
}

void sy__mock_plan_stream(struct sy__mock_plan *plan, const char *content_type, const char *extra,
                          struct sy__mock_script *sc)
{
    struct sy_buf *head = &plan->head;

    sy_buf_reset(head);
    sy__mock_status_line(head, 200);
    LIT(head, "content-type: ");
    put_c(head, content_type);
    LIT(head, "\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n");
    if (extra != NULL)
        put_c(head, extra);
    if (plan->closes)
        LIT(head, "connection: close\r\n");
    LIT(head, "\r\n");
    plan->is_stream = true;
    sy__mock_script_attach(&plan->stream, sc);
}

struct sy_str sy__mock_plan_knobs(struct sy__mock_plan *plan, const struct sy__mock_http_req *req,
                                  struct sy_str model)
{
    if (model.ptr != NULL)
        model = sy__mock_knobs_from_model(&plan->knobs, model);
    sy__mock_knobs_from_headers(&plan->knobs, req);
    return model;
}

void sy__mock_plan_error(struct sy__mock_plan *plan, uint32_t status)
{
    sy_buf_reset(&plan->body);
    plan->status = status;
    plan->outcome = SY__MOCK_OUTCOME_ERROR;
    plan->is_stream = false;
    plan->prompt_tokens = plan->completion_tokens = 0;
}

uint64_t sy__mock_take_id(struct sy__mock_shared *sh)
{
    return __atomic_fetch_add(&sh->next_id, 1, __ATOMIC_RELAXED);
}

void sy__mock_plan_ok(struct sy__mock_plan *plan, uint32_t prompt_tokens)
{
    plan->prompt_tokens = prompt_tokens;
    plan->status = 200;
    plan->outcome = plan->knobs.is_malformed ? SY__MOCK_OUTCOME_MALFORMED : SY__MOCK_OUTCOME_OK;
}

void sy__mock_plan_malformed(struct sy__mock_plan *plan, const char *extra)
{
    LIT(&plan->body, "{not json");
    sy__mock_plan_head(plan, "application/json", extra);
}

bool sy__mock_is_tool_wanted(const struct sy__mock_knobs *k, struct sy_str user)
{
    return k->is_tool_call || sy__mock_contains_nocase(user, "call a tool");
}

void sy__mock_echo_text(struct sy_buf *out, const struct sy__mock_knobs *k, struct sy_str user)
{
    if (k->content.ptr != NULL) {
        sy_buf_append_str(out, k->content);
    } else {
        LIT(out, "mock: ");
        sy_buf_append_str(out, user);
    }
}

/* ---- Reading the formats' JSON --------------------------------------------------------- */

uint32_t sy__mock_json_words(const json_t *s)
{
    return json_is_string(s) ? sy__mock_count_words(json_string_value(s), json_string_length(s))
                             : 0;
}

bool sy__mock_json_is(const json_t *v, const char *lit)
{
    return json_is_string(v) && strcmp(json_string_value(v), lit) == 0;
}

bool sy__mock_contains_nocase(struct sy_str s, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= s.len; i++) {
        if (strncasecmp(s.ptr + i, needle, n) == 0)
            return true;
    }
    return false;
}

void sy__mock_url_decode(struct sy_buf *out, struct sy_str s, bool is_form)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];

        if (c == '%' && i + 2 < s.len && sy_hex_digit(s.ptr[i + 1]) >= 0 &&
            sy_hex_digit(s.ptr[i + 2]) >= 0) {
            c = (char)(sy_hex_digit(s.ptr[i + 1]) * 16 + sy_hex_digit(s.ptr[i + 2]));
            i += 2;
        } else if (c == '+' && is_form) {
            c = ' ';
        }
        sy_buf_append(out, &c, 1);
    }
    if (out->ptr == NULL)
        *sy_buf_reserve(out, 1) = '\0'; /* an empty text is "", not NULL */
}

struct sy_str sy__mock_query_param(struct sy_str query, const char *name)
{
    const char *p = query.ptr, *end = query.ptr + query.len;
    size_t n = strlen(name);

    while (p != NULL && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp != NULL ? amp : end;

        if ((size_t)(e - p) > n && memcmp(p, name, n) == 0 && p[n] == '=')
            return (struct sy_str){p + n + 1, (size_t)(e - p - n - 1)};
        p = amp != NULL ? amp + 1 : NULL;
    }
    return SY_STR_NULL;
}

/* ---- Routing --------------------------------------------------------------------------- */

/* Splits "{model}:{method}" at the last ':' of `rest`, which must have no '/'. */
static bool split_method(struct sy_str rest, struct sy_str *model, struct sy_str *method)
{
    const char *colon = NULL;

    if (memchr(rest.ptr, '/', rest.len) != NULL)
        return false;
    for (size_t i = rest.len; i-- > 0;) {
        if (rest.ptr[i] == ':') {
            colon = rest.ptr + i;
            break;
        }
    }
    if (colon == NULL || colon == rest.ptr)
        return false;
    *model = (struct sy_str){rest.ptr, (size_t)(colon - rest.ptr)};
    *method = (struct sy_str){colon + 1, (size_t)(rest.ptr + rest.len - colon - 1)};
    return true;
}

/* Skips one path segment and the '/' after it. Returns false when there is none. */
static bool skip_segment(struct sy_str *p)
{
    const char *slash = memchr(p->ptr, '/', p->len);

    if (slash == NULL || slash == p->ptr)
        return false;
    p->len -= (size_t)(slash + 1 - p->ptr);
    p->ptr = slash + 1;
    return true;
}

/* Gemini: /v1beta/models/{m}:{method} (or /v1/). Vertex:
 * /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:{method} (or /v1beta1/). */
static bool route_google(struct sy_str path, struct sy_str *model, bool *is_stream, bool *is_vertex)
{
    struct sy_str rest, method;

    if (sy_str_has_prefix(path, SY_STR("/v1beta/models/"))) {
        rest = (struct sy_str){path.ptr + 15, path.len - 15};
        *is_vertex = false;
    } else if (sy_str_has_prefix(path, SY_STR("/v1/models/"))) {
        rest = (struct sy_str){path.ptr + 11, path.len - 11};
        *is_vertex = false;
    } else if (sy_str_has_prefix(path, SY_STR("/v1/projects/")) ||
               sy_str_has_prefix(path, SY_STR("/v1beta1/projects/"))) {
        rest = path;
        rest.ptr++;
        rest.len--;
        if (!skip_segment(&rest) || !skip_segment(&rest) || !skip_segment(&rest) ||
            !sy_str_has_prefix(rest, SY_STR("locations/")) || !skip_segment(&rest) ||
            !skip_segment(&rest) || !sy_str_has_prefix(rest, SY_STR("publishers/google/models/")))
            return false;
        rest.ptr += 25;
        rest.len -= 25;
        *is_vertex = true;
    } else {
        return false;
    }
    if (!split_method(rest, model, &method))
        return false;
    if (sy_str_eq_c(method, "generateContent"))
        *is_stream = false;
    else if (sy_str_eq_c(method, "streamGenerateContent"))
        *is_stream = true;
    else
        return false;
    return true;
}

/* Bedrock: /model/{id}/converse or /model/{id}/converse-stream. */
static bool route_bedrock(struct sy_str path, struct sy_str *model_id, bool *is_stream)
{
    const char *slash;

    if (!sy_str_has_prefix(path, SY_STR("/model/")))
        return false;
    model_id->ptr = path.ptr + 7;
    slash = memchr(model_id->ptr, '/', path.len - 7);
    if (slash == NULL || slash == model_id->ptr)
        return false;
    model_id->len = (size_t)(slash - model_id->ptr);
    struct sy_str op = {slash + 1, (size_t)(path.ptr + path.len - slash - 1)};
    if (sy_str_eq_c(op, "converse"))
        *is_stream = false;
    else if (sy_str_eq_c(op, "converse-stream"))
        *is_stream = true;
    else
        return false;
    return true;
}

bool sy__mock_plan_provider(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                            int64_t now_s, struct sy__mock_plan *plan)
{
    struct sy_str path = req->path, model;
    bool is_stream = false, is_vertex = false;

    if (sh->formats == NULL || !sy_str_eq_c(req->method, "POST"))
        return false;
    if (sy_str_eq_c(path, "/v1/messages")) {
        sy__mock_anthropic_plan(sh, req, now_s, plan, false);
        return true;
    }
    if (sy_str_eq_c(path, "/v1/messages/count_tokens")) {
        sy__mock_anthropic_plan(sh, req, now_s, plan, true);
        return true;
    }
    if (sy_str_eq_c(path, "/token")) {
        sy__mock_oauth_plan(sh, req, now_s, plan);
        return true;
    }
    if (route_google(path, &model, &is_stream, &is_vertex)) {
        sy__mock_gemini_plan(sh, req, now_s, plan, model, is_stream, is_vertex);
        return true;
    }
    if (route_bedrock(path, &model, &is_stream)) {
        sy__mock_bedrock_plan(sh, req, now_s, plan, model, is_stream);
        return true;
    }
    return false;
}
