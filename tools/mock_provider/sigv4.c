/* mock_provider/sigv4.c - verifies AWS Signature Version 4 on a request (pure), written from
 * AWS's "Create a signed AWS API request" and independent of the gateway's signer
 * (src/providers/sigv4.c), so that each checks the other.
 *
 * Header form only (Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...). The canonical URI is the path as it came on the wire, URI-encoded once more,
 * which is what the AWS SDKs and botocore sign for every service but S3: a Bedrock model id
 * "a:0" is sent as "a%3A0" and signed as "a%253A0". The path is not normalized (no dot
 * segments are removed). */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

#define ALGORITHM   "AWS4-HMAC-SHA256"
#define MAX_SKEW_S  300 /* what AWS allows between x-amz-date and its clock */
#define MAX_QUERY   64  /* query parameters sorted; more are refused as malformed */
#define MAX_SIGNED  64  /* signed headers */
#define SIG_HEX_LEN 64

struct authorization {
    struct sy_str access_key_id;
    struct sy_str date; /* yyyymmdd */
    struct sy_str region;
    struct sy_str service;
    struct sy_str terminator;
    struct sy_str signed_headers;
    struct sy_str signature;
};

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* Appends `len` bytes URI-encoded as SigV4 wants: unreserved bytes as they are, '/' too when
 * `keeps_slash`, everything else %XX with upper-case hex. */
static void uri_encode(struct sy_buf *out, const char *p, size_t len, bool keeps_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if (is_unreserved(c) || (keeps_slash && c == '/')) {
            sy__mock_put(out, p + i, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};

            sy__mock_put(out, e, 3);
        }
    }
}

static struct sy_str trim(struct sy_str s)
{
    while (s.len > 0 && (*s.ptr == ' ' || *s.ptr == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* Splits "AKID/yyyymmdd/region/service/aws4_request". */
static int parse_credential(struct sy_str v, struct authorization *a)
{
    struct sy_str *parts[5] = {&a->access_key_id, &a->date, &a->region, &a->service,
                               &a->terminator};
    const char *p = v.ptr, *end = v.ptr + v.len;

    for (int i = 0; i < 5; i++) {
        const char *slash = i < 4 ? memchr(p, '/', (size_t)(end - p)) : end;

        if (slash == NULL || slash == p)
            return -1;
        *parts[i] = (struct sy_str){p, (size_t)(slash - p)};
        p = slash + 1;
    }
    return 0;
}

static int parse_authorization(struct sy_str v, struct authorization *a)
{
    const char *p, *end;

    memset(a, 0, sizeof(*a));
    if (v.len <= sizeof(ALGORITHM) || memcmp(v.ptr, ALGORITHM " ", sizeof(ALGORITHM)) != 0)
        return -1;
    p = v.ptr + sizeof(ALGORITHM);
    end = v.ptr + v.len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        struct sy_str part = trim((struct sy_str){p, (size_t)((comma != NULL ? comma : end) - p)});
        const char *eq = memchr(part.ptr, '=', part.len);

        if (eq != NULL) {
            struct sy_str key = {part.ptr, (size_t)(eq - part.ptr)};
            struct sy_str val = {eq + 1, (size_t)(part.ptr + part.len - eq - 1)};

            if (sy_str_eq_c(key, "Credential") && parse_credential(val, a) != 0)
                return -1;
            if (sy_str_eq_c(key, "SignedHeaders"))
                a->signed_headers = val;
            if (sy_str_eq_c(key, "Signature"))
                a->signature = val;
        }
        p = comma != NULL ? comma + 1 : end;
    }
    if (a->access_key_id.ptr == NULL || a->signed_headers.len == 0 ||
        a->signature.len != SIG_HEX_LEN || !sy_str_eq_c(a->terminator, "aws4_request"))
        return -1;
    return 0;
}

/* Reads "yyyymmddThhmmssZ" as UTC. Returns -1 when it is not that. */
static int64_t parse_amz_date(struct sy_str v)
{
    struct tm tm = {0};
    int d[14], k = 0;

    if (v.len != 16 || v.ptr[8] != 'T' || v.ptr[15] != 'Z')
        return -1;
    for (size_t i = 0; i < 15; i++) {
        if (i == 8)
            continue;
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return -1;
        d[k++] = v.ptr[i] - '0';
    }
    tm.tm_year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3] - 1900;
    tm.tm_mon = d[4] * 10 + d[5] - 1;
    tm.tm_mday = d[6] * 10 + d[7];
    tm.tm_hour = d[8] * 10 + d[9];
    tm.tm_min = d[10] * 10 + d[11];
    tm.tm_sec = d[12] * 10 + d[13];
    return (int64_t)timegm(&tm);
}

/* ---- The canonical request ------------------------------------------------------------- */

struct query_pair {
    struct sy_buf key; /* encoded */
    struct sy_buf value;
};

static int compare_pairs(const void *a, const void *b)
{
    const struct query_pair *x = a, *y = b;
    int c = strcmp(x->key.ptr, y->key.ptr);

    return c != 0 ? c : strcmp(x->value.ptr, y->value.ptr);
}

/* Each name and value decoded, encoded again the SigV4 way, sorted by name then value. */
static int canonical_query(struct sy_buf *out, struct sy_str query)
{
    struct query_pair *pairs = calloc(MAX_QUERY, sizeof(*pairs));
    const char *p = query.ptr, *end = query.ptr + query.len;
    size_t count = 0;
    int ret = -1;

    if (pairs == NULL)
        abort();
    while (p != NULL && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        struct sy_buf raw = {0};

        if (e > p) {
            if (count == MAX_QUERY)
                goto out;
            sy__mock_url_decode(&raw, (struct sy_str){p, (size_t)((eq != NULL ? eq : e) - p)},
                                false);
            uri_encode(&pairs[count].key, raw.ptr, raw.len, false);
            sy_buf_reset(&raw);
            sy__mock_url_decode(
                &raw, eq != NULL ? (struct sy_str){eq + 1, (size_t)(e - eq - 1)} : SY_STR(""),
                false);
            uri_encode(&pairs[count].value, raw.ptr, raw.len, false);
            sy_buf_append(&pairs[count].key, "", 0); /* never NULL, for strcmp() */
            sy_buf_append(&pairs[count].value, "", 0);
            count++;
            sy_buf_dispose(&raw);
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
    qsort(pairs, count, sizeof(*pairs), compare_pairs);
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            LIT(out, "&");
        sy__mock_put(out, pairs[i].key.ptr, pairs[i].key.len);
        LIT(out, "=");
        sy__mock_put(out, pairs[i].value.ptr, pairs[i].value.len);
    }
    ret = 0;
out:
    for (size_t i = 0; i < MAX_QUERY; i++) {
        sy_buf_dispose(&pairs[i].key);
        sy_buf_dispose(&pairs[i].value);
    }
    free(pairs);
    return ret;
}

/* Appends a header value trimmed, with each run of spaces inside made one space. */
static void put_collapsed(struct sy_buf *out, struct sy_str v)
{
    bool was_space = false;

    v = trim(v);
    for (size_t i = 0; i < v.len; i++) {
        bool is_sp = v.ptr[i] == ' ' || v.ptr[i] == '\t';

        if (is_sp && was_space)
            continue;
        sy__mock_put(out, is_sp ? " " : v.ptr + i, 1);
        was_space = is_sp;
    }
}

/* "name:value\n" for each signed header, in the order SignedHeaders lists them; repeated
 * headers are joined with ','. Returns -1 when a signed header is not in the request. */
static int canonical_headers(struct sy_buf *out, const struct sy__mock_http_req *req,
                             struct sy_str signed_headers)
{
    const char *p = signed_headers.ptr, *end = signed_headers.ptr + signed_headers.len;
    size_t count = 0;

    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        struct sy_str name = {p, (size_t)((semi != NULL ? semi : end) - p)};
        bool is_found = false;

        if (name.len == 0 || ++count > MAX_SIGNED)
            return -1;
        for (size_t i = 0; i < name.len; i++)
            if (name.ptr[i] >= 'A' && name.ptr[i] <= 'Z')
                return -1; /* SigV4 names are lower case */
        sy__mock_put(out, name.ptr, name.len);
        LIT(out, ":");
        for (size_t h = 0; h < req->header_count; h++) {
            if (!sy_str_eq_nocase(req->headers[h].name, name))
                continue;
            if (is_found)
                LIT(out, ",");
            put_collapsed(out, req->headers[h].value);
            is_found = true;
        }
        if (!is_found)
            return -1;
        LIT(out, "\n");
        p = semi != NULL ? semi + 1 : end;
    }
    return 0;
}

/* ---- Signing --------------------------------------------------------------------------- */

static void hmac(const void *key, size_t key_len, const void *data, size_t len,
                 unsigned char out[32])
{
    unsigned int out_len = 32;

    HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

static void to_hex(const unsigned char *p, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
}

enum sy__mock_sigv4 sy__mock_sigv4_verify(const struct sy__mock_http_req *req,
                                          const char *access_key_id, const char *secret,
                                          const char *service, int64_t now_s,
                                          struct sy_buf *canonical)
{
    struct sy_str auth_header = sy__mock_http_header(req, "authorization");
    struct sy_str amz_date = sy__mock_http_header(req, "x-amz-date");
    struct sy_str content_sha = sy__mock_http_header(req, "x-amz-content-sha256");
    struct sy_buf creq = {0}, sts = {0}, body_hash = {0}, key = {0};
    struct authorization a;
    enum sy__mock_sigv4 ret = SY__MOCK_SIGV4_MISMATCH;
    unsigned char k[32], k2[32]; /* each step keys the next; never in place */
    char sig[SIG_HEX_LEN];
    int64_t when;

    if (auth_header.ptr == NULL)
        return SY__MOCK_SIGV4_MISSING;
    if (parse_authorization(auth_header, &a) != 0 || amz_date.ptr == NULL)
        return SY__MOCK_SIGV4_MALFORMED;
    if (access_key_id == NULL || secret == NULL || !sy_str_eq_c(a.access_key_id, access_key_id))
        return SY__MOCK_SIGV4_UNKNOWN_KEY;
    if (!sy_str_eq_c(a.service, service) || amz_date.len < 8 || a.date.len != 8 ||
        memcmp(a.date.ptr, amz_date.ptr, 8) != 0)
        return SY__MOCK_SIGV4_SCOPE;
    when = parse_amz_date(amz_date);
    if (when < 0)
        return SY__MOCK_SIGV4_MALFORMED;
    if (when > now_s + MAX_SKEW_S || when < now_s - MAX_SKEW_S)
        return SY__MOCK_SIGV4_EXPIRED;

    sy__mock_sha256_hex(&body_hash, req->body.ptr != NULL ? req->body.ptr : "", req->body.len);
    if (content_sha.ptr != NULL && !sy_str_eq_c(content_sha, "UNSIGNED-PAYLOAD") &&
        !sy_str_eq(content_sha, (struct sy_str){body_hash.ptr, body_hash.len})) {
        ret = SY__MOCK_SIGV4_BODY_HASH;
        goto out;
    }

    /* CanonicalRequest */
    sy__mock_put(&creq, req->method.ptr, req->method.len);
    LIT(&creq, "\n");
    if (req->path.len == 0)
        LIT(&creq, "/");
    uri_encode(&creq, req->path.ptr, req->path.len, true);
    LIT(&creq, "\n");
    if (canonical_query(&creq, req->query) != 0) {
        ret = SY__MOCK_SIGV4_MALFORMED;
        goto out;
    }
    LIT(&creq, "\n");
    if (canonical_headers(&creq, req, a.signed_headers) != 0) {
        ret = SY__MOCK_SIGV4_MALFORMED;
        goto out;
    }
    LIT(&creq, "\n");
    sy__mock_put(&creq, a.signed_headers.ptr, a.signed_headers.len);
    LIT(&creq, "\n");
    if (content_sha.ptr != NULL)
        sy__mock_put(&creq, content_sha.ptr, content_sha.len);
    else
        sy__mock_put(&creq, body_hash.ptr, body_hash.len);

    /* StringToSign */
    LIT(&sts, ALGORITHM "\n");
    sy__mock_put(&sts, amz_date.ptr, amz_date.len);
    LIT(&sts, "\n");
    sy__mock_put(&sts, a.date.ptr, a.date.len);
    LIT(&sts, "/");
    sy__mock_put(&sts, a.region.ptr, a.region.len);
    LIT(&sts, "/");
    sy__mock_put(&sts, a.service.ptr, a.service.len);
    LIT(&sts, "/aws4_request\n");
    sy__mock_sha256_hex(&sts, creq.ptr, creq.len);
    if (canonical != NULL) {
        sy_buf_append(canonical, creq.ptr, creq.len);
        SY_BUF_APPEND_LIT(canonical, "\n\n");
        sy_buf_append(canonical, sts.ptr, sts.len);
    }

    /* The signing key: HMAC over date, region, service and "aws4_request". */
    LIT(&key, "AWS4");
    sy__mock_put(&key, secret, strlen(secret));
    hmac(key.ptr, key.len, a.date.ptr, a.date.len, k);
    hmac(k, sizeof(k), a.region.ptr, a.region.len, k2);
    hmac(k2, sizeof(k2), a.service.ptr, a.service.len, k);
    hmac(k, sizeof(k), "aws4_request", 12, k2);
    hmac(k2, sizeof(k2), sts.ptr, sts.len, k);
    to_hex(k, sizeof(k), sig);
    if (CRYPTO_memcmp(sig, a.signature.ptr, SIG_HEX_LEN) == 0)
        ret = SY__MOCK_SIGV4_OK;
out:
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(k2, sizeof(k2));
    if (key.ptr != NULL)
        OPENSSL_cleanse(key.ptr, key.len);
    sy_buf_dispose(&key);
    sy_buf_dispose(&creq);
    sy_buf_dispose(&sts);
    sy_buf_dispose(&body_hash);
    return ret;
}
