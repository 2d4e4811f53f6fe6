/* providers/sigv4.c - AWS Signature Version 4 (see sigv4.h for the rules). */
#include "providers/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "core/pool.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* ---- Encoding ------------------------------------------------------------ */

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Percent-encodes all but unreserved bytes, and '/' too unless `keep_slash`. */
static void append_encoded(struct sy_buf *out, const char *s, size_t len, bool keep_slash)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            sy_buf_append(out, &s[i], 1);
        } else {
            char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 15]};
            sy_buf_append(out, esc, 3);
        }
    }
}

void sy_sigv4_append_encoded(struct sy_buf *out, const char *s, size_t len)
{
    append_encoded(out, s, len, false);
}

/* Appends `s` percent-decoded ("%zz" that is not an escape stays as it is). */
static void append_decoded(struct sy_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = sy_hex_digit(s[i + 1])) >= 0 &&
            (lo = sy_hex_digit(s[i + 2])) >= 0) {
            char c = (char)(hi << 4 | lo);
            sy_buf_append(out, &c, 1);
            i += 2;
        } else {
            sy_buf_append(out, &s[i], 1);
        }
    }
}

static void to_hex(const unsigned char *bytes, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_lower[bytes[i] >> 4];
        out[2 * i + 1] = hex_lower[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256(data, len, md);
    to_hex(md, sizeof(md), out);
}

static void hmac(const unsigned char *key, size_t key_len, const char *msg, size_t msg_len,
                 unsigned char out[SHA256_DIGEST_LENGTH])
{
    unsigned int n = SHA256_DIGEST_LENGTH;

    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &n);
}

/* ---- The URL --------------------------------------------------------------- */

struct url_parts {
    struct sy_str host; /* with ":port" unless it is the scheme's default */
    struct sy_str path;
    struct sy_str query;
};

static int split_url(const char *url, struct url_parts *u)
{
    const char *p = strstr(url, "://"), *auth, *end, *at, *colon;
    bool https;

    if (p == NULL)
        return -1;
    https = (size_t)(p - url) == 5 && strncasecmp(url, "https", 5) == 0;
    auth = p + 3;
    end = auth + strcspn(auth, "/?#");
    /* Drop any userinfo: it is never sent as part of Host. */
    at = memchr(auth, '@', (size_t)(end - auth));
    if (at != NULL)
        auth = at + 1;
    u->host = (struct sy_str){auth, (size_t)(end - auth)};
    colon = memrchr(auth, ':', (size_t)(end - auth));
    if (colon != NULL && memchr(colon, ']', (size_t)(end - colon)) == NULL) {
        struct sy_str port = {colon + 1, (size_t)(end - colon - 1)};
        if (sy_str_eq_c(port, https ? "443" : "80") || port.len == 0)
            u->host.len = (size_t)(colon - auth);
    }
    if (u->host.len == 0)
        return -1;
    p = end;
    end = p + strcspn(p, "?#");
    u->path = (struct sy_str){p, (size_t)(end - p)};
    u->query = SY_STR("");
    if (*end == '?') {
        p = end + 1;
        u->query = (struct sy_str){p, strcspn(p, "#")};
    }
    return 0;
}

/* ---- Canonical query ------------------------------------------------------- */

struct param {
    char *name, *value; /* encoded, in the pool */
};

static int compare_params(const void *a, const void *b)
{
    const struct param *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c != 0 ? c : strcmp(x->value, y->value);
}

/* Re-encodes one "name=value" piece of a query into the pool. */
static char *reencode(struct sy_pool *pool, const char *s, size_t len)
{
    struct sy_buf raw = {0}, enc = {0};
    char *out;

    append_decoded(&raw, s, len);
    append_encoded(&enc, raw.ptr != NULL ? raw.ptr : "", raw.len, false);
    out = sy_pool_strndup(pool, enc.ptr != NULL ? enc.ptr : "", enc.len);
    sy_buf_dispose(&raw);
    sy_buf_dispose(&enc);
    return out;
}

static void append_canonical_query(struct sy_pool *pool, struct sy_buf *out, struct sy_str query)
{
    size_t count = 0, n = 0;
    struct param *params;
    const char *p = query.ptr, *end = query.ptr + query.len;

    if (query.len == 0)
        return;
    for (size_t i = 0; i < query.len; i++)
        count += query.ptr[i] == '&';
    params = sy_pool_alloc(pool, (count + 1) * sizeof(*params));
    while (p <= end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *piece_end = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(piece_end - p));

        if (piece_end > p) {
            const char *name_end = eq != NULL ? eq : piece_end;
            params[n].name = reencode(pool, p, (size_t)(name_end - p));
            params[n].value =
                eq != NULL ? reencode(pool, eq + 1, (size_t)(piece_end - eq - 1)) : (char *)"";
            n++;
        }
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    qsort(params, n, sizeof(*params), compare_params);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sy_buf_append(out, "&", 1);
        sy_buf_append(out, params[i].name, strlen(params[i].name));
        sy_buf_append(out, "=", 1);
        sy_buf_append(out, params[i].value, strlen(params[i].value));
    }
}

/* ---- Canonical headers ----------------------------------------------------- */

struct header {
    char *name;  /* lower-cased, in the pool */
    char *value; /* trimmed and collapsed, in the pool */
    size_t order;
};

static int compare_headers(const void *a, const void *b)
{
    const struct header *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct header make_header(struct sy_pool *pool, const char *name, struct sy_str value,
                                 size_t order)
{
    size_t name_len = strlen(name), n = 0;
    struct header h = {sy_pool_alloc(pool, name_len + 1), sy_pool_alloc(pool, value.len + 1),
                       order};
    bool pending_space = false;

    for (size_t i = 0; i < name_len; i++) {
        char c = name[i];
        h.name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    h.name[name_len] = '\0';
    for (size_t i = 0; i < value.len; i++) {
        if (is_space(value.ptr[i])) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space)
            h.value[n++] = ' ';
        pending_space = false;
        h.value[n++] = value.ptr[i];
    }
    h.value[n] = '\0';
    return h;
}

static bool is_signer_header(const char *name)
{
    return strcasecmp(name, "host") == 0 || strcasecmp(name, "x-amz-date") == 0 ||
           strcasecmp(name, "x-amz-security-token") == 0 ||
           strcasecmp(name, "x-amz-content-sha256") == 0 || strcasecmp(name, "authorization") == 0;
}

/* Appends the canonical header block and, to `signed_names`, the list of
 * signed header names. */
static void append_headers(struct sy_buf *out, struct sy_buf *signed_names, struct header *h,
                           size_t count)
{
    qsort(h, count, sizeof(*h), compare_headers);
    for (size_t i = 0; i < count; i++) {
        bool same_as_previous = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
        if (same_as_previous) {
            sy_buf_append(out, ",", 1);
        } else {
            if (i > 0) {
                sy_buf_append(out, "\n", 1);
                sy_buf_append(signed_names, ";", 1);
            }
            sy_buf_append(out, h[i].name, strlen(h[i].name));
            sy_buf_append(out, ":", 1);
            sy_buf_append(signed_names, h[i].name, strlen(h[i].name));
        }
        sy_buf_append(out, h[i].value, strlen(h[i].value));
    }
    sy_buf_append(out, "\n", 1);
}

/* ---- Signing ---------------------------------------------------------------- */

int sy_sigv4_sign(struct sy_pool *pool, const struct sy_sigv4_request *req,
                  const struct sy_sigv4_credentials *cred, struct sy_sigv4_result *out,
                  struct sy_buf *canonical)
{
    struct url_parts u;
    struct sy_buf creq = {0}, names = {0}, sts = {0};
    struct header *headers;
    size_t count = 0;
    struct tm tm;
    time_t t = (time_t)req->now_unix;
    char date[9], creq_hash[65], scope[256];
    unsigned char key[SHA256_DIGEST_LENGTH], next[SHA256_DIGEST_LENGTH], sig[SHA256_DIGEST_LENGTH];
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (req->method == NULL || req->url == NULL || req->region == NULL || req->service == NULL ||
        cred->access_key_id == NULL || cred->secret_access_key == NULL ||
        split_url(req->url, &u) != 0 || gmtime_r(&t, &tm) == NULL ||
        strftime(out->amz_date, sizeof(out->amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16)
        return -1;
    for (size_t i = 0; i < req->headers_count; i++)
        if (req->headers[i].name == NULL || req->headers[i].value == NULL ||
            is_signer_header(req->headers[i].name))
            return -1;
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';
    sha256_hex(req->body.ptr != NULL ? req->body.ptr : "", req->body.len, out->content_sha256);

    /* The canonical request. */
    headers = sy_pool_alloc(pool, (req->headers_count + 4) * sizeof(*headers));
    for (size_t i = 0; i < req->headers_count; i++)
        headers[count++] =
            make_header(pool, req->headers[i].name, sy_str_c(req->headers[i].value), i);
    headers[count] = make_header(pool, "host", u.host, count);
    count++;
    headers[count] = make_header(pool, "x-amz-date", sy_str_c(out->amz_date), count);
    count++;
    if (cred->session_token != NULL) {
        headers[count] =
            make_header(pool, "x-amz-security-token", sy_str_c(cred->session_token), count);
        count++;
    }
    if (req->sign_content_sha256) {
        headers[count] =
            make_header(pool, "x-amz-content-sha256", sy_str_c(out->content_sha256), count);
        count++;
    }

    sy_buf_append(&creq, req->method, strlen(req->method));
    sy_buf_append(&creq, "\n", 1);
    if (u.path.len == 0)
        sy_buf_append(&creq, "/", 1);
    else
        append_encoded(&creq, u.path.ptr, u.path.len, true);
    sy_buf_append(&creq, "\n", 1);
    append_canonical_query(pool, &creq, u.query);
    sy_buf_append(&creq, "\n", 1);
    append_headers(&creq, &names, headers, count);
    sy_buf_append(&creq, "\n", 1);
    sy_buf_append(&creq, names.ptr, names.len);
    sy_buf_append(&creq, "\n", 1);
    sy_buf_append(&creq, out->content_sha256, 64);

    /* The string to sign. */
    if ((size_t)snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, req->region,
                         req->service) >= sizeof(scope))
        goto out;
    sha256_hex(creq.ptr, creq.len, creq_hash);
    sy_buf_appendf(&sts, ALGORITHM "\n%s\n%s\n%s", out->amz_date, scope, creq_hash);
    if (canonical != NULL) {
        sy_buf_append(canonical, creq.ptr, creq.len);
        sy_buf_append(canonical, "\n\n", 2);
        sy_buf_append(canonical, sts.ptr, sts.len);
    }

    /* The signing key and the signature. */
    {
        size_t secret_len = strlen(cred->secret_access_key);
        char *k_secret = malloc(secret_len + 4);

        if (k_secret == NULL)
            abort();
        memcpy(k_secret, "AWS4", 4);
        memcpy(k_secret + 4, cred->secret_access_key, secret_len);
        hmac((unsigned char *)k_secret, secret_len + 4, date, 8, key);
        OPENSSL_cleanse(k_secret, secret_len + 4);
        free(k_secret);
    }
    hmac(key, sizeof(key), req->region, strlen(req->region), next);
    hmac(next, sizeof(next), req->service, strlen(req->service), key);
    hmac(key, sizeof(key), "aws4_request", 12, next);
    hmac(next, sizeof(next), sts.ptr, sts.len, sig);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(next, sizeof(next));
    to_hex(sig, sizeof(sig), out->signature);

    out->lines[out->lines_count++] = sy_pool_printf(
        pool, "Authorization: " ALGORITHM " Credential=%s/%s, SignedHeaders=%.*s, Signature=%s",
        cred->access_key_id, scope, (int)names.len, names.ptr, out->signature);
    out->lines[out->lines_count++] = sy_pool_printf(pool, "X-Amz-Date: %s", out->amz_date);
    if (cred->session_token != NULL)
        out->lines[out->lines_count++] =
            sy_pool_printf(pool, "X-Amz-Security-Token: %s", cred->session_token);
    if (req->sign_content_sha256)
        out->lines[out->lines_count++] =
            sy_pool_printf(pool, "X-Amz-Content-Sha256: %s", out->content_sha256);
    rc = 0;
out:
    sy_buf_dispose(&creq);
    sy_buf_dispose(&names);
    sy_buf_dispose(&sts);
    return rc;
}
