/* oauth/oauth.c - service-account JWTs exchanged for OAuth access tokens.
 *
 * Per worker thread (thread-local, so nothing here takes a lock), one entry
 * per service account and token endpoint (client_email + token_uri) holds:
 * the private key, parsed once and parsed again only when the PEM changes
 * (a reload); the access token and when it is due; and the exchange in
 * flight with the requests waiting for it, in arrival order.
 *
 * A token is handed out until five minutes before it expires. After that the
 * first request starts one exchange and every request that asks meanwhile
 * joins it (single flight). When the exchange fails while the old token has
 * more than a minute left, the waiters get the old token instead of an
 * error. Failures are not cached: the next request tries again.
 *
 * Waiters are tagged with the exchange they wait for (`generation`), so that
 * a callback which starts the next exchange (its request moved on after an
 * error) is not answered by the one that just ended.
 *
 * Secrets (the key, the signed assertion, the token) never reach a log line
 * or an error string; the buffers that held the assertion and the token
 * endpoint's answer are wiped before they are freed. */
#include "oauth/oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/str.h"
#include "oauth/oauth_int.h"
#include "upstream/upstream.h"

#define SCOPE              "https://www.googleapis.com/auth/cloud-platform"
#define JWT_LIFETIME_S     3600
#define REFRESH_MARGIN_S   300   /* a token is due this long before it expires */
#define FALLBACK_MARGIN_S  60    /* an old token still given out after a failed refresh */
#define DEFAULT_EXPIRES_S  3600  /* when the answer has no expires_in */
#define RESPONSE_MAX_BYTES 65536 /* a token endpoint's answer */
#define EXCHANGE_MAX_MS    30000 /* first byte and total, whatever the provider's timeouts */
#define TOKEN_MAX_BYTES    4096
#define ERROR_MAX          160

struct entry;

struct sy_oauth_wait {
    struct entry *entry;
    struct sy_oauth_wait *prev, *next;
    uint64_t generation; /* of the exchange it waits for */
    sy_oauth_token_fn *cb;
    void *ctx;
};

struct entry {
    struct entry *next;
    char *client_email, *token_uri; /* the key */
    EVP_PKEY *pkey;
    unsigned char pem_digest[32]; /* SHA-256 of the PEM `pkey` came from */

    char *token;        /* NULL until the first exchange succeeds */
    int64_t refresh_at; /* Unix seconds: the token is due from then */
    int64_t expires_at;

    /* The exchange in flight (transfer != NULL) or the last one. */
    struct sy_upstream *transfer;
    struct sy_upstream_request ureq;
    const char *headers[1];
    char *body;  /* the form, with the signed assertion */
    char *proxy; /* copied: the config snapshot may go before the exchange ends */
    int status;
    struct sy_buf response;
    int64_t started_unix;
    uint64_t generation;

    struct sy_oauth_wait *first, *last; /* waiters, oldest first */
};

static __thread struct entry *entries;

/* ---- Small helpers ------------------------------------------------------- */

static void wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void wipe_buf(struct sy_buf *b)
{
    if (b->ptr != NULL)
        OPENSSL_cleanse(b->ptr, b->len);
    sy_buf_dispose(b);
}

/* Appends `len` bytes as unpadded base64url (RFC 7515, section 2). */
static void append_b64url(struct sy_buf *out, const unsigned char *s, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *p = sy_buf_reserve(out, (len + 2) / 3 * 4), *start = p;
    size_t i = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *p++ = abc[v >> 18];
        *p++ = abc[(v >> 12) & 63];
        *p++ = abc[(v >> 6) & 63];
        *p++ = abc[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        *p++ = abc[v >> 18];
        *p++ = abc[(v >> 12) & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        *p++ = abc[v >> 18];
        *p++ = abc[(v >> 12) & 63];
        *p++ = abc[(v >> 6) & 63];
    }
    out->len += (size_t)(p - start);
    out->ptr[out->len] = '\0';
}

/* ---- Keys and JWTs ------------------------------------------------------- */

/* Never prompt for a passphrase: a service-account key has none. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Makes e->pkey the RSA key in `pem`, parsing it only when it changed. */
static int load_key(struct entry *e, const char *pem)
{
    unsigned char digest[32];
    unsigned int digest_len = 0;
    EVP_PKEY *key;
    BIO *bio;

    if (EVP_Digest(pem, strlen(pem), digest, &digest_len, EVP_sha256(), NULL) != 1 ||
        digest_len != sizeof(digest))
        return -1;
    if (e->pkey != NULL && memcmp(digest, e->pem_digest, sizeof(digest)) == 0)
        return 0;
    bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL)
        return -1;
    key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    BIO_free(bio);
    ERR_clear_error(); /* nothing of the key's parsing stays in this thread's queue */
    if (key == NULL)
        return -1;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return -1;
    }
    EVP_PKEY_free(e->pkey);
    e->pkey = key;
    memcpy(e->pem_digest, digest, sizeof(digest));
    return 0;
}

/* Appends header.claims.signature to `out`. */
static int sign_jwt(EVP_PKEY *key, const char *email, const char *aud, int64_t now,
                    struct sy_buf *out)
{
    static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    struct sy_buf claims = {0};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t sig_len = 0, start = out->len;
    int ret = -1;

    SY_BUF_APPEND_LIT(&claims, "{\"iss\":");
    sy_json_append_string(&claims, email, strlen(email));
    SY_BUF_APPEND_LIT(&claims, ",\"scope\":\"" SCOPE "\",\"aud\":");
    sy_json_append_string(&claims, aud, strlen(aud));
    sy_buf_appendf(&claims, ",\"iat\":%lld,\"exp\":%lld}", (long long)now,
                   (long long)(now + JWT_LIFETIME_S));

    append_b64url(out, (const unsigned char *)header, sizeof(header) - 1);
    sy_buf_append(out, ".", 1);
    append_b64url(out, (const unsigned char *)claims.ptr, claims.len);
    if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &sig_len, (const unsigned char *)out->ptr + start,
                       out->len - start) != 1)
        goto out;
    sig = sy_xmalloc(sig_len);
    if (EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)out->ptr + start,
                       out->len - start) != 1)
        goto out;
    sy_buf_append(out, ".", 1);
    append_b64url(out, sig, sig_len);
    ret = 0;
out:
    if (ret != 0) {
        out->len = start;
        if (out->ptr != NULL)
            out->ptr[start] = '\0';
        ERR_clear_error();
    }
    free(sig);
    EVP_MD_CTX_free(md);
    sy_buf_dispose(&claims);
    return ret;
}

static struct entry *find_entry(const struct sy_config_provider *prov)
{
    struct entry *e;

    for (e = entries; e != NULL; e = e->next)
        if (strcmp(e->client_email, prov->sa_client_email) == 0 &&
            strcmp(e->token_uri, prov->sa_token_uri) == 0)
            return e;
    e = sy_xcalloc(1, sizeof(*e));
    e->client_email = sy_xstrdup(prov->sa_client_email);
    e->token_uri = sy_xstrdup(prov->sa_token_uri);
    e->next = entries;
    entries = e;
    return e;
}

int sy__oauth_make_jwt(const struct sy_config_provider *prov, int64_t now_unix, struct sy_buf *out)
{
    struct entry *e = find_entry(prov);

    if (load_key(e, prov->sa_private_key) != 0)
        return -1;
    return sign_jwt(e->pkey, e->client_email, e->token_uri, now_unix, out);
}

/* ---- The exchange -------------------------------------------------------- */

static void unlink_wait(struct sy_oauth_wait *w)
{
    struct entry *e = w->entry;

    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        e->first = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        e->last = w->prev;
}

/* Removes and returns the oldest waiter. */
static struct sy_oauth_wait *pop_first(struct entry *e)
{
    struct sy_oauth_wait *w = e->first;

    e->first = w->next;
    if (e->first != NULL)
        e->first->prev = NULL;
    else
        e->last = NULL;
    return w;
}

/* Answers, oldest first, the waiters of the exchange that just ended. */
static void notify(struct entry *e, uint64_t generation, const char *token, const char *error)
{
    struct sy_oauth_wait *w;

    while (e->first != NULL && e->first->generation == generation) {
        sy_oauth_token_fn *cb;
        void *ctx;

        w = pop_first(e);
        cb = w->cb;
        ctx = w->ctx;
        free(w);
        cb(ctx, token, error); /* may ask again, or cancel the next waiter */
    }
}

/* Reads {"access_token": .., "expires_in": ..}. Returns false when the
 * answer has no usable token. */
static bool read_token(struct entry *e)
{
    struct sy_str doc = {e->response.ptr, e->response.len};
    struct sy_json_member tok, exp;
    char *token;
    ssize_t n;
    uint64_t expires_in = DEFAULT_EXPIRES_S;

    if (doc.ptr == NULL || sy_json_validate(doc.ptr, doc.len, 16, NULL) != SY_JSON_OBJECT ||
        !sy_json_get(doc, "access_token", &tok) || tok.type != SY_JSON_STRING ||
        tok.value.len > TOKEN_MAX_BYTES)
        return false;
    token = sy_xmalloc(tok.value.len + 1);
    n = sy_json_string_decode(tok.value, token, tok.value.len + 1);
    /* It goes into a header line: printable ASCII only, no CR/LF injection. */
    for (ssize_t i = 0; n > 0 && i < n; i++)
        if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f)
            n = -1;
    if (n <= 0) {
        wipe_free(token);
        return false;
    }
    if (sy_json_get(doc, "expires_in", &exp) && exp.type == SY_JSON_NUMBER)
        sy_json_get_uint(exp.value, &expires_in);
    if (expires_in > 7 * 86400)
        expires_in = 7 * 86400;
    wipe_free(e->token);
    e->token = token;
    e->expires_at = e->started_unix + (int64_t)expires_in;
    /* Due five minutes early; a token that lives less than ten is due at half-life. */
    e->refresh_at = e->started_unix + (int64_t)(expires_in > 2 * REFRESH_MARGIN_S
                                                    ? expires_in - REFRESH_MARGIN_S
                                                    : expires_in / 2);
    return true;
}

/* The OAuth "error" code of a refusal ("invalid_grant"), when it is one. */
static void error_code(const struct sy_buf *response, char *code, size_t cap)
{
    struct sy_str doc = {response->ptr, response->len};
    struct sy_json_member m;
    ssize_t n;

    code[0] = '\0';
    if (doc.ptr == NULL || sy_json_validate(doc.ptr, doc.len, 16, NULL) != SY_JSON_OBJECT ||
        !sy_json_get(doc, "error", &m) || m.type != SY_JSON_STRING)
        return;
    n = sy_json_string_decode(m.value, code, cap);
    for (ssize_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'a' && c <= 'z') || c == '_')) {
            n = -1; /* not a code from RFC 6749: say nothing of it */
            break;
        }
    }
    if (n <= 0)
        code[0] = '\0';
}

static int on_head(void *ctx, const struct sy_upstream_head *head)
{
    struct entry *e = ctx;

    e->status = head->status;
    return 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
    struct entry *e = ctx;

    if (e->response.len + len > RESPONSE_MAX_BYTES)
        return -1;
    sy_buf_append(&e->response, data, len);
    return 0;
}

static void on_done(void *ctx, enum sy_upstream_result res, const char *detail)
{
    struct entry *e = ctx;
    char error[ERROR_MAX], code[48];
    const char *token = NULL;

    (void)detail;
    e->transfer = NULL;
    error_code(&e->response, code, sizeof(code));
    wipe_free(e->body);
    e->body = NULL;
    if (res == SY_UPSTREAM_OK && e->status == 200 && read_token(e)) {
        token = e->token;
        error[0] = '\0';
    } else {
        if (res == SY_UPSTREAM_ABORTED)
            snprintf(error, sizeof(error), "token endpoint answer too large");
        else if (res != SY_UPSTREAM_OK)
            snprintf(error, sizeof(error), "token endpoint unreachable (%s)",
                     sy_upstream_result_name(res));
        else if (e->status != 200)
            snprintf(error, sizeof(error), "token endpoint answered HTTP %d%s%s%s", e->status,
                     code[0] != '\0' ? " (" : "", code, code[0] != '\0' ? ")" : "");
        else
            snprintf(error, sizeof(error), "token endpoint answer has no access_token");
        /* The old token, when it has time left, beats an error. */
        if (e->token != NULL && e->started_unix + FALLBACK_MARGIN_S < e->expires_at)
            token = e->token;
    }
    wipe_buf(&e->response);
    notify(e, e->generation, token, token != NULL ? NULL : error);
}

static const struct sy_upstream_handlers handlers = {on_head, on_body, on_done};

static uint32_t capped(uint32_t ms)
{
    return ms == 0 || ms > EXCHANGE_MAX_MS ? EXCHANGE_MAX_MS : ms;
}

/* Starts an exchange for `e`. Returns NULL, or why it could not start. */
static const char *start_exchange(struct entry *e, struct sy_upstream_ctx *upstream,
                                  const struct sy_config_provider *prov, int64_t now)
{
    struct sy_buf form = {0};

    if (load_key(e, prov->sa_private_key) != 0)
        return "the service-account private key cannot be read (RSA PEM expected)";
    SY_BUF_APPEND_LIT(&form, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                             "&assertion=");
    /* base64url and '.' need no form encoding. */
    if (sign_jwt(e->pkey, e->client_email, e->token_uri, now, &form) != 0) {
        wipe_buf(&form);
        return "the token request cannot be signed";
    }
    e->body = sy_xstrdup(form.ptr);
    wipe_buf(&form);
    free(e->proxy);
    e->proxy = prov->proxy != NULL ? sy_xstrdup(prov->proxy) : NULL;
    e->headers[0] = "Content-Type: application/x-www-form-urlencoded";
    e->ureq = (struct sy_upstream_request){
        .url = e->token_uri,
        .body = sy_str_c(e->body),
        .headers = e->headers,
        .headers_count = 1,
        .proxy = e->proxy,
        .timeouts = {.connect_ms = capped(prov->timeouts.connect_ms),
                     .first_byte_ms = capped(prov->timeouts.first_byte_ms),
                     .total_ms = EXCHANGE_MAX_MS,
                     .stream_idle_ms = capped(prov->timeouts.stream_idle_ms)},
        .allow_private = prov->allow_private,
    };
    e->status = 0;
    sy_buf_reset(&e->response);
    e->started_unix = now;
    e->generation++;
    e->transfer = sy_upstream_start(upstream, &e->ureq, &handlers, e);
    if (e->transfer == NULL) {
        wipe_free(e->body);
        e->body = NULL;
        return "the token endpoint cannot be contacted";
    }
    return NULL;
}

/* ---- The contract -------------------------------------------------------- */

struct sy_oauth_wait *sy_oauth_get_token(struct sy_upstream_ctx *upstream,
                                         const struct sy_config_provider *prov, int64_t now_unix,
                                         sy_oauth_token_fn *cb, void *ctx)
{
    struct sy_oauth_wait *w;
    const char *why;
    struct entry *e;

    if (prov->sa_client_email == NULL || prov->sa_private_key == NULL ||
        prov->sa_token_uri == NULL) {
        cb(ctx, NULL, "no service-account credentials configured");
        return NULL;
    }
    e = find_entry(prov);
    if (e->transfer == NULL) {
        if (e->token != NULL && now_unix < e->refresh_at) {
            cb(ctx, e->token, NULL);
            return NULL;
        }
        if ((why = start_exchange(e, upstream, prov, now_unix)) != NULL) {
            cb(ctx, NULL, why);
            return NULL;
        }
    }
    w = sy_xcalloc(1, sizeof(*w));
    w->entry = e;
    w->generation = e->generation;
    w->cb = cb;
    w->ctx = ctx;
    w->prev = e->last;
    if (e->last != NULL)
        e->last->next = w;
    else
        e->first = w;
    e->last = w;
    return w;
}

void sy_oauth_cancel(struct sy_oauth_wait *wait)
{
    if (wait == NULL)
        return;
    unlink_wait(wait);
    free(wait);
}

void sy_oauth_worker_dispose(void)
{
    struct entry *e;

    while ((e = entries) != NULL) {
        entries = e->next;
        if (e->transfer != NULL)
            sy_upstream_cancel(e->transfer);
        while (e->first != NULL)
            free(pop_first(e));
        EVP_PKEY_free(e->pkey);
        wipe_free(e->token);
        wipe_free(e->body);
        wipe_buf(&e->response);
        free(e->proxy);
        free(e->client_email);
        free(e->token_uri);
        free(e);
    }
}
