/* mock_provider/oauth.c - POST /token: Google's OAuth 2 token endpoint for service accounts
 * (the JWT bearer grant of RFC 7523), so that a gateway talks to Vertex as it would in
 * production: sign an assertion with the service account's key, trade it for an access token,
 * cache it and renew it before it expires.
 *
 * The assertion is checked for real (RS256 against the public key given with
 * --vertex-public-key, then the claims); the access tokens are "ya29.mock-<n>", valid for
 * --token-ttl seconds or what x-mock-token-expires-in asks, and survive POST /mock/reset. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

#define JWT_BEARER      "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define CLOUD_PLATFORM  "https://www.googleapis.com/auth/cloud-platform"
#define MAX_SKEW_S      60
#define MAX_LIFETIME_S  3600
#define MAX_TOKEN_TTL_S 86400
#define BAD_TIMES                                                                      \
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable " \
    "timeframe. Check your iat and exp values in the JWT claim."

/* Decodes base64url (padding allowed) into `out`. Returns 0 or -1. */
static int base64url_decode(struct sy_str s, struct sy_buf *out)
{
    uint32_t acc = 0;
    int bits = 0;

    while (s.len > 0 && s.ptr[s.len - 1] == '=')
        s.len--;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        int v;

        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-' || c == '+')
            v = 62;
        else if (c == '_' || c == '/')
            v = 63;
        else
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            unsigned char byte = (unsigned char)(acc >> (bits - 8));

            bits -= 8;
            sy_buf_append(out, &byte, 1);
        }
    }
    sy_buf_append(out, "", 0);
    return 0;
}

static json_t *decode_json_part(struct sy_str part)
{
    struct sy_buf raw = {0};
    json_t *j = NULL;

    if (base64url_decode(part, &raw) == 0)
        j = json_loadb(raw.ptr, raw.len, 0, NULL);
    sy_buf_dispose(&raw);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static bool verifies(EVP_PKEY *key, struct sy_str signing_input, struct sy_str sig_part)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    struct sy_buf sig = {0};
    bool is_valid = false;

    if (ctx != NULL && base64url_decode(sig_part, &sig) == 0 &&
        EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1)
        is_valid =
            EVP_DigestVerify(ctx, (const unsigned char *)sig.ptr, sig.len,
                             (const unsigned char *)signing_input.ptr, signing_input.len) == 1;
    EVP_MD_CTX_free(ctx);
    sy_buf_dispose(&sig);
    return is_valid;
}

static bool ends_with(const json_t *v, const char *suffix)
{
    size_t n = strlen(suffix);

    return json_is_string(v) && json_string_length(v) >= n &&
           memcmp(json_string_value(v) + json_string_length(v) - n, suffix, n) == 0;
}

const char *sy__mock_jwt_check(struct evp_pkey_st *key, struct sy_str jwt, int64_t now_s)
{
    const char *dot1 = memchr(jwt.ptr, '.', jwt.len), *dot2;
    json_t *header = NULL, *claims = NULL;
    const json_t *iat, *exp, *scope;
    const char *why = NULL;

    if (key == NULL)
        return "no public key is configured for service-account JWTs (--vertex-public-key)";
    dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', (size_t)(jwt.ptr + jwt.len - dot1 - 1)) : NULL;
    if (dot2 == NULL) {
        why = "Invalid JWT: not three base64url parts";
        goto out;
    }
    header = decode_json_part((struct sy_str){jwt.ptr, (size_t)(dot1 - jwt.ptr)});
    claims = decode_json_part((struct sy_str){dot1 + 1, (size_t)(dot2 - dot1 - 1)});
    if (header == NULL || claims == NULL) {
        why = "Invalid JWT: the header or the claim set is not base64url JSON";
        goto out;
    }
    if (!json_is_string(json_object_get(header, "alg")) ||
        strcmp(json_string_value(json_object_get(header, "alg")), "RS256") != 0) {
        why = "Invalid JWT: alg must be RS256";
        goto out;
    }
    if (!verifies(key, (struct sy_str){jwt.ptr, (size_t)(dot2 - jwt.ptr)},
                  (struct sy_str){dot2 + 1, (size_t)(jwt.ptr + jwt.len - dot2 - 1)})) {
        why = "Invalid JWT Signature.";
        goto out;
    }
    if (!json_is_string(json_object_get(claims, "iss")) ||
        json_string_length(json_object_get(claims, "iss")) == 0) {
        why = "Invalid JWT: iss is missing";
        goto out;
    }
    if (!ends_with(json_object_get(claims, "aud"), "/token")) {
        why = "Invalid JWT: aud must be the token endpoint";
        goto out;
    }
    scope = json_object_get(claims, "scope");
    if (!json_is_string(scope) || strstr(json_string_value(scope), CLOUD_PLATFORM) == NULL) {
        why = "Invalid JWT: scope must include " CLOUD_PLATFORM;
        goto out;
    }
    iat = json_object_get(claims, "iat");
    exp = json_object_get(claims, "exp");
    if (!json_is_integer(iat) || !json_is_integer(exp) ||
        json_integer_value(iat) > now_s + MAX_SKEW_S || json_integer_value(exp) <= now_s ||
        json_integer_value(exp) <= json_integer_value(iat) ||
        json_integer_value(exp) - json_integer_value(iat) > MAX_LIFETIME_S)
        why = BAD_TIMES;
out:
    json_decref(header);
    json_decref(claims);
    return why;
}

static void answer_error(struct sy__mock_plan *plan, uint32_t status, const char *error,
                         const char *description)
{
    sy_buf_reset(&plan->body);
    plan->status = status;
    plan->outcome = SY__MOCK_OUTCOME_ERROR;
    LIT(&plan->body, "{\"error\":");
    sy_json_append_string(&plan->body, error, strlen(error));
    LIT(&plan->body, ",\"error_description\":");
    sy_json_append_string(&plan->body, description, strlen(description));
    LIT(&plan->body, "}");
    sy__mock_plan_head(plan, "application/json; charset=utf-8", NULL);
}

/* The lifetime asked for with x-mock-token-expires-in (0 to a day), else the configured one. */
static uint32_t ttl_of(const struct sy__mock_http_req *req, uint32_t configured)
{
    struct sy_str v = sy__mock_http_header(req, "x-mock-token-expires-in");
    uint64_t n = 0;

    if (v.ptr == NULL || v.len == 0 || v.len > 6)
        return configured;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return configured;
        n = n * 10 + (uint64_t)(v.ptr[i] - '0');
    }
    return n > MAX_TOKEN_TTL_S ? configured : (uint32_t)n;
}

void sy__mock_oauth_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                         int64_t now_s, struct sy__mock_plan *plan)
{
    struct sy_str grant = sy__mock_query_param(req->body, "grant_type");
    struct sy_str assertion = sy__mock_query_param(req->body, "assertion");
    struct sy_buf grant_text = {0}, jwt = {0};
    const char *why;
    char message[32];
    uint32_t ttl;
    uint64_t n;

    sy__mock_plan_knobs(plan, req, SY_STR_NULL);
    plan->ledger_tail = sy__mock_ledger_tail(req, SY_STR_NULL, false);
    sy__mock_url_decode(&grant_text, grant, true);
    sy__mock_url_decode(&jwt, assertion, true);
    if (!sy_str_eq_c((struct sy_str){grant_text.ptr, grant_text.len}, JWT_BEARER)) {
        answer_error(plan, 400, "unsupported_grant_type",
                     "Invalid grant_type: expected " JWT_BEARER);
        goto out;
    }
    if (jwt.len == 0) {
        answer_error(plan, 400, "invalid_request", "Missing required parameter: assertion");
        goto out;
    }
    why = sy__mock_jwt_check(sh->formats->vertex_key, (struct sy_str){jwt.ptr, jwt.len}, now_s);
    if (why != NULL) {
        answer_error(plan, 401, "invalid_grant", why);
        goto out;
    }
    if (plan->knobs.status != 0) {
        snprintf(message, sizeof(message), "mock error %u", (unsigned)plan->knobs.status);
        answer_error(plan, plan->knobs.status, "mock_error", message);
        goto out;
    }
    ttl = ttl_of(req, sh->formats->token_ttl_s);
    n = sy__mock_token_issue(sh->formats, now_s + (int64_t)ttl);
    LIT(&plan->body, "{\"access_token\":\"ya29.mock-");
    sy__mock_buf_u64(&plan->body, n);
    LIT(&plan->body, "\",\"expires_in\":");
    sy__mock_buf_u64(&plan->body, ttl);
    LIT(&plan->body, ",\"token_type\":\"Bearer\"}");
    plan->status = 200;
    plan->outcome = SY__MOCK_OUTCOME_OK;
    sy__mock_plan_head(plan, "application/json; charset=utf-8", NULL);
out:
    sy_buf_dispose(&grant_text);
    sy_buf_dispose(&jwt);
}
