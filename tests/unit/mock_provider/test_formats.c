/* tests/unit/mock_provider/test_formats.c - the mock's other providers' formats over real
 * sockets: Anthropic Messages, Gemini, Vertex with the fake OAuth endpoint, and Bedrock with
 * SigV4 and event-stream frames.
 *
 * One provider (two threads, an ephemeral port) with credentials serves the group: an RSA key
 * made here, whose public half verifies the JWTs the tests sign, and the AWS suite's example
 * access key, with which the tests SigV4-sign Bedrock requests. The signer below is written
 * from the AWS spec and checked against the suite's get-vanilla vector first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/str.h"
#include "mock_provider/client.h"
#include "mock_provider/mock_provider.h"

#define AWS_KEY    "AKIDEXAMPLE"
#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SCOPE      "https://www.googleapis.com/auth/cloud-platform"

static uint16_t port;
static EVP_PKEY *jwt_key;

/* ---- A blocking HTTP client ---------------------------------------------------------- */

static int connect_to(uint16_t p)
{
    return client_connect(p);
}

static void request_to(uint16_t p, const char *path, const char *headers, const char *body,
                       struct response *r)
{
    struct sy_buf req = {0};
    int fd = connect_to(p);

    sy_buf_appendf(&req, "%s %s HTTP/1.1\r\nhost: 127.0.0.1:%u\r\n%scontent-length: %zu\r\n\r\n%s",
                   "POST", path, (unsigned)p, headers != NULL ? headers : "", strlen(body), body);
    struct sy_buf in = {0};

    client_send_all(fd, req.ptr, req.len);
    read_response(fd, &in, r);
    sy_buf_dispose(&in);
    close(fd);
    sy_buf_dispose(&req);
}

static void request(const char *path, const char *headers, const char *body, struct response *r)
{
    request_to(port, path, headers, body, r);
}

static json_t *parse_json(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    if (j == NULL)
        fail_msg("not JSON (%s): %s", err.text, text);
    return j;
}

static json_t *post_json(const char *path, const char *headers, const char *body, int status)
{
    struct response r;
    json_t *j;

    request(path, headers, body, &r);
    if (r.status != status)
        fail_msg("status %d, wanted %d: %s", r.status, status, r.body);
    j = parse_json(r.body);
    response_dispose(&r);
    return j;
}

/* Looks up a path like "content.0.text" in `j` (numbers index arrays). */
static json_t *at(json_t *j, const char *path)
{
    char *copy = strdup(path), *save = NULL;

    for (char *part = strtok_r(copy, ".", &save); part != NULL && j != NULL;
         part = strtok_r(NULL, ".", &save)) {
        if (part[0] >= '0' && part[0] <= '9')
            j = json_array_get(j, strtoul(part, NULL, 10));
        else
            j = json_object_get(j, part);
    }
    free(copy);
    return j;
}

static const char *str_at(json_t *j, const char *path)
{
    json_t *v = at(j, path);

    if (!json_is_string(v))
        fail_msg("%s is not a string", path);
    return json_string_value(v);
}

static json_int_t int_at(json_t *j, const char *path)
{
    json_t *v = at(j, path);

    if (!json_is_integer(v))
        fail_msg("%s is not an integer", path);
    return json_integer_value(v);
}

static void reset_ledger(void)
{
    json_decref(post_json("/mock/reset", NULL, "", 200));
}

static json_t *get_ledger(void)
{
    struct sy_buf req = {0}, in = {0};
    struct response r;
    json_t *j;
    int fd = connect_to(port);

    SY_BUF_APPEND_LIT(&req, "GET /mock/ledger HTTP/1.1\r\nhost: mock\r\n\r\n");
    client_send_all(fd, req.ptr, req.len);
    read_response(fd, &in, &r);
    sy_buf_dispose(&in);
    close(fd);
    j = parse_json(r.body);
    response_dispose(&r);
    sy_buf_dispose(&req);
    return j;
}

/* SSE events as (name, data) pairs; `name` is NULL for data-only events. */
struct sse {
    char *names[128];
    char *data[128];
    size_t count;
};

static void split_sse(const char *body, struct sse *ev)
{
    const char *p = body;

    memset(ev, 0, sizeof(*ev));
    while (*p != '\0') {
        const char *end = strstr(p, "\n\n"), *crlf = strstr(p, "\r\n\r\n");
        size_t sep = 2;
        char *block, *line, *save = NULL;

        if (crlf != NULL && (end == NULL || crlf < end)) {
            end = crlf;
            sep = 4;
        }
        assert_non_null(end);
        assert_true(ev->count < 128);
        block = strndup(p, (size_t)(end - p));
        for (line = strtok_r(block, "\r\n", &save); line != NULL;
             line = strtok_r(NULL, "\r\n", &save)) {
            if (strncmp(line, "event: ", 7) == 0)
                ev->names[ev->count] = strdup(line + 7);
            else if (strncmp(line, "data: ", 6) == 0)
                ev->data[ev->count] = strdup(line + 6);
        }
        free(block);
        ev->count++;
        p = end + sep;
    }
}

static void sse_dispose(struct sse *ev)
{
    for (size_t i = 0; i < ev->count; i++) {
        free(ev->names[i]);
        free(ev->data[i]);
    }
}

/* ---- Signing (test side) -------------------------------------------------------------- */

static void hex_of(const unsigned char *p, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];

    SHA256(data, len, md);
    hex_of(md, 32, out);
}

static void hmac_sha256(const void *key, size_t key_len, const char *msg, unsigned char out[32])
{
    unsigned int n = 32;

    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out, &n);
}

/* SigV4, header form, as the AWS documentation lays it out: the canonical request (the path
 * URI-encoded once more, no query, the signed headers sorted), the string to sign, the key
 * derived from the secret by date, region, service and "aws4_request". Returns the
 * Authorization value in `auth` (256 bytes). `path` is as sent on the wire. */
static void sigv4_sign(const char *method, const char *path, const char *host, const char *amz_date,
                       const char *body, const char *service, const char *secret, char *auth)
{
    struct sy_buf creq = {0}, sts = {0}, key = {0};
    char body_hash[65], creq_hash[65], date[9], sig[65];
    unsigned char k1[32], k2[32];

    memcpy(date, amz_date, 8);
    date[8] = '\0';
    sha256_hex(body, strlen(body), body_hash);
    sy_buf_appendf(&creq, "%s\n", method);
    for (const char *c = path; *c != '\0'; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            strchr("-_.~/", *c) != NULL)
            sy_buf_append(&creq, c, 1);
        else
            sy_buf_appendf(&creq, "%%%02X", (unsigned char)*c);
    }
    sy_buf_appendf(&creq,
                   "\n\ncontent-type:application/json\nhost:%s\nx-amz-date:%s\n\n"
                   "content-type;host;x-amz-date\n%s",
                   host, amz_date, body_hash);
    sha256_hex(creq.ptr, creq.len, creq_hash);
    sy_buf_appendf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/us-west-2/%s/aws4_request\n%s", amz_date, date,
                   service, creq_hash);
    sy_buf_appendf(&key, "AWS4%s", secret);
    hmac_sha256(key.ptr, key.len, date, k1);
    hmac_sha256(k1, 32, "us-west-2", k2);
    hmac_sha256(k2, 32, service, k1);
    hmac_sha256(k1, 32, "aws4_request", k2);
    hmac_sha256(k2, 32, sts.ptr, k1);
    hex_of(k1, 32, sig);
    snprintf(auth, 256,
             "AWS4-HMAC-SHA256 Credential=%s/%s/us-west-2/%s/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date, Signature=%s",
             AWS_KEY, date, service, sig);
    sy_buf_dispose(&creq);
    sy_buf_dispose(&sts);
    sy_buf_dispose(&key);
}

/* Sends a Bedrock request to `path` signed now (or `skew_s` away) with `secret`. */
static void bedrock_request(const char *path, const char *body, const char *secret,
                            const char *extra, struct response *r)
{
    char host[32], amz_date[17], auth[256];
    struct sy_buf headers = {0};
    time_t now = time(NULL);
    struct tm tm;

    snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)port);
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    sigv4_sign("POST", path, host, amz_date, body, "bedrock", secret, auth);
    sy_buf_appendf(&headers,
                   "content-type: application/json\r\nx-amz-date: %s\r\n"
                   "authorization: %s\r\n%s",
                   amz_date, auth, extra != NULL ? extra : "");
    request(path, headers.ptr, body, r);
    sy_buf_dispose(&headers);
}

static void base64url(const unsigned char *p, size_t len, struct sy_buf *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < len ? p[i + 2] : 0);
        char q[4] = {abc[(v >> 18) & 63], abc[(v >> 12) & 63], abc[(v >> 6) & 63], abc[v & 63]};

        sy_buf_append(out, q, i + 2 < len ? 4 : i + 1 < len ? 3 : 2);
    }
}

/* A service-account assertion signed RS256 with `key`, issued `iat_offset` from now. */
static char *make_jwt(EVP_PKEY *key, const char *scope, long iat_offset, long lifetime)
{
    struct sy_buf jwt = {0}, claims = {0};
    const char *header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    long now = (long)time(NULL) + iat_offset;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig);

    sy_buf_appendf(&claims,
                   "{\"iss\":\"sa@project.iam.gserviceaccount.com\",\"scope\":\"%s\","
                   "\"aud\":\"http://127.0.0.1:%u/token\",\"iat\":%ld,\"exp\":%ld}",
                   scope, (unsigned)port, now, now + lifetime);
    base64url((const unsigned char *)header, strlen(header), &jwt);
    sy_buf_append(&jwt, ".", 1);
    base64url((const unsigned char *)claims.ptr, claims.len, &jwt);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)jwt.ptr, jwt.len),
                     1);
    sy_buf_append(&jwt, ".", 1);
    base64url(sig, sig_len, &jwt);
    EVP_MD_CTX_free(ctx);
    sy_buf_dispose(&claims);
    return jwt.ptr;
}

/* POSTs the jwt-bearer grant for `jwt` to /token (with `headers`) and returns the body. */
static json_t *token_for(const char *jwt, const char *headers, int status)
{
    struct sy_buf form = {0};
    json_t *j;

    sy_buf_appendf(&form,
                   "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer&"
                   "assertion=%s",
                   jwt);
    j = post_json("/token", headers, form.ptr, status);
    sy_buf_dispose(&form);
    return j;
}

/* ---- Event-stream frames (test side) -------------------------------------------------- */

struct frame {
    char event_type[64];   /* :event-type or :exception-type */
    char message_type[16]; /* :message-type */
    char *payload;
    bool is_crc_ok;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Splits an event-stream body into frames (at most `cap`), checking both CRCs. */
static size_t split_frames(const unsigned char *p, size_t len, struct frame *out, size_t cap)
{
    size_t count = 0;

    while (len >= 16 && count < cap) {
        uint32_t total = be32(p), hlen = be32(p + 4);
        struct frame *f = &out[count++];

        memset(f, 0, sizeof(*f));
        assert_true(total <= len && hlen + 16 <= total);
        assert_int_equal(be32(p + 8), (uint32_t)crc32(0L, p, 8));
        f->is_crc_ok = be32(p + total - 4) == (uint32_t)crc32(0L, p, total - 4);
        for (size_t h = 12; h < 12 + hlen;) {
            size_t nlen = p[h];
            const char *name = (const char *)p + h + 1;
            size_t vlen = (size_t)p[h + 2 + nlen] << 8 | p[h + 3 + nlen];
            const char *value = (const char *)p + h + 4 + nlen;

            assert_int_equal(p[h + 1 + nlen], 7); /* a string */
            if ((nlen == 11 && memcmp(name, ":event-type", 11) == 0) ||
                (nlen == 15 && memcmp(name, ":exception-type", 15) == 0))
                snprintf(f->event_type, sizeof(f->event_type), "%.*s", (int)vlen, value);
            if (nlen == 13 && memcmp(name, ":message-type", 13) == 0)
                snprintf(f->message_type, sizeof(f->message_type), "%.*s", (int)vlen, value);
            h += 4 + nlen + vlen;
        }
        f->payload = strndup((const char *)p + 12 + hlen, total - 16 - hlen);
        p += total;
        len -= total;
    }
    assert_int_equal(len, 0);
    return count;
}

static void frames_dispose(struct frame *f, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(f[i].payload);
}

/* ---- Setup ----------------------------------------------------------------------------- */

static int start_mock(void **state)
{
    struct sy_mock_provider *mp;
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long pem_len;
    int rc;

    jwt_key = EVP_RSA_gen(2048);
    if (jwt_key == NULL || bio == NULL || PEM_write_bio_PUBKEY(bio, jwt_key) != 1)
        return -1;
    pem_len = BIO_get_mem_data(bio, &pem);
    char *pem_z = strndup(pem, (size_t)pem_len);
    struct sy_mock_provider_auth auth = {
        .vertex_public_key_pem = pem_z,
        .aws_access_key_id = AWS_KEY,
        .aws_secret_access_key = AWS_SECRET,
    };
    rc = sy_mock_provider_start_with_auth("127.0.0.1", 0, 2, &auth, &mp, &port);
    free(pem_z);
    BIO_free(bio);
    *state = mp;
    return rc;
}

static int stop_mock(void **state)
{
    sy_mock_provider_stop(*state);
    EVP_PKEY_free(jwt_key);
    return 0;
}

#define ANTHROPIC_HEADERS "x-api-key: sk-ant-1\r\nanthropic-version: 2023-06-01\r\n"
#define MESSAGES(extra, text)                                                           \
    "{\"model\":\"claude-3-haiku\",\"max_tokens\":64" extra ",\"system\":\"be brief\"," \
    "\"messages\":[{\"role\":\"user\",\"content\":\"" text "\"}]}"

/* ---- Anthropic ------------------------------------------------------------------------- */

static void answers_an_anthropic_message_with_the_echo_and_usage(void **state)
{
    json_t *j, *ledger, *e;

    (void)state;
    reset_ledger();
    j = post_json("/v1/messages", ANTHROPIC_HEADERS, MESSAGES("", "hello there world"), 200);
    assert_string_equal(str_at(j, "id"), "msg_mock_1");
    assert_string_equal(str_at(j, "type"), "message");
    assert_string_equal(str_at(j, "role"), "assistant");
    assert_string_equal(str_at(j, "model"), "claude-3-haiku");
    assert_string_equal(str_at(j, "content.0.type"), "text");
    assert_string_equal(str_at(j, "content.0.text"), "mock: hello there world");
    assert_string_equal(str_at(j, "stop_reason"), "end_turn");
    assert_true(json_is_null(at(j, "stop_sequence")));
    assert_int_equal(int_at(j, "usage.input_tokens"), 2 + 3 + 3); /* words + 3 per message */
    assert_int_equal(int_at(j, "usage.output_tokens"), 4);
    assert_int_equal(int_at(j, "usage.cache_creation_input_tokens"), 0);
    assert_int_equal(int_at(j, "usage.cache_read_input_tokens"), 0);
    json_decref(j);

    ledger = get_ledger();
    e = at(ledger, "requests.0");
    assert_string_equal(str_at(e, "path"), "/v1/messages");
    assert_string_equal(str_at(e, "model"), "claude-3-haiku");
    assert_string_equal(str_at(e, "x_api_key"), "sk-ant-1");
    assert_int_equal(int_at(e, "prompt_tokens"), 8);
    assert_int_equal(int_at(e, "completion_tokens"), 4);
    json_decref(ledger);
}

static void requires_the_api_key_and_version_headers(void **state)
{
    json_t *j;

    (void)state;
    j = post_json("/v1/messages", "anthropic-version: 2023-06-01\r\n", MESSAGES("", "hi"), 401);
    assert_string_equal(str_at(j, "type"), "error");
    assert_string_equal(str_at(j, "error.type"), "authentication_error");
    assert_non_null(at(j, "error.message"));
    json_decref(j);
    j = post_json("/v1/messages", "x-api-key: k\r\n", MESSAGES("", "hi"), 400);
    assert_string_equal(str_at(j, "error.type"), "invalid_request_error");
    json_decref(j);
    j = post_json("/v1/messages", ANTHROPIC_HEADERS,
                  "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400);
    assert_non_null(strstr(str_at(j, "error.message"), "max_tokens"));
    json_decref(j);
}

static void answers_the_status_knob_in_the_anthropic_error_shape(void **state)
{
    struct response r;
    json_t *j;
    size_t len;

    (void)state;
    request("/v1/messages", ANTHROPIC_HEADERS "x-mock-status: 529\r\n", MESSAGES("", "hi"), &r);
    assert_int_equal(r.status, 529);
    j = parse_json(r.body);
    assert_string_equal(str_at(j, "error.type"), "overloaded_error");
    json_decref(j);
    response_dispose(&r);
    request("/v1/messages", ANTHROPIC_HEADERS, MESSAGES("", "hi") "", &r);
    response_dispose(&r);
    j = post_json("/v1/messages", ANTHROPIC_HEADERS,
                  "{\"model\":\"m@status=429\",\"max_tokens\":5,\"messages\":[]}", 429);
    assert_string_equal(str_at(j, "error.type"), "rate_limit_error");
    json_decref(j);
    request("/v1/messages", ANTHROPIC_HEADERS "x-mock-status: 429\r\n", MESSAGES("", "hi"), &r);
    assert_memory_equal(find_header(r.head, "retry-after", &len), "1", 1);
    response_dispose(&r);
}

static void streams_anthropic_events_in_order(void **state)
{
    static const char *const want[] = {"message_start",       "ping",
                                       "content_block_start", "content_block_delta",
                                       "content_block_delta", "content_block_delta",
                                       "content_block_stop",  "message_delta",
                                       "message_stop"};
    struct response r;
    struct sse ev;
    struct sy_buf text = {0};
    json_t *j;
    size_t len;

    (void)state;
    reset_ledger(); /* ids restart at 1 */
    request("/v1/messages", ANTHROPIC_HEADERS, MESSAGES(",\"stream\":true", "one two"), &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(find_header(r.head, "content-type", &len), "text/event-stream", 17);
    split_sse(r.body, &ev);
    assert_int_equal(ev.count, 9); /* "mock: ", "one ", "two" */
    for (size_t i = 0; i < ev.count; i++) {
        assert_string_equal(ev.names[i], want[i]);
        j = parse_json(ev.data[i]);
        assert_string_equal(str_at(j, "type"), want[i]);
        if (i == 0) {
            assert_string_equal(str_at(j, "message.id"), "msg_mock_1");
            assert_int_equal(int_at(j, "message.usage.input_tokens"), 2 + 2 + 3);
        } else if (i >= 3 && i <= 5) {
            assert_string_equal(str_at(j, "delta.type"), "text_delta");
            sy_buf_append(&text, str_at(j, "delta.text"), strlen(str_at(j, "delta.text")));
        } else if (i == 7) {
            assert_string_equal(str_at(j, "delta.stop_reason"), "end_turn");
            assert_int_equal(int_at(j, "usage.output_tokens"), 3);
        }
        json_decref(j);
    }
    assert_string_equal(text.ptr, "mock: one two");
    sy_buf_dispose(&text);
    sse_dispose(&ev);
    response_dispose(&r);
}

static void reports_cache_writes_then_reads_for_a_cache_control_prefix(void **state)
{
    const char *body =
        "{\"model\":\"m\",\"max_tokens\":9,\"system\":[{\"type\":\"text\",\"text\":\"a long "
        "stable system prompt\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{"
        "\"role\":\"user\",\"content\":\"hi there\"}]}";
    json_t *a, *b;

    (void)state;
    reset_ledger(); /* also forgets the prefixes */
    a = post_json("/v1/messages", ANTHROPIC_HEADERS, body, 200);
    b = post_json("/v1/messages", ANTHROPIC_HEADERS, body, 200);
    assert_int_equal(int_at(a, "usage.cache_creation_input_tokens"), 5);
    assert_int_equal(int_at(a, "usage.cache_read_input_tokens"), 0);
    assert_int_equal(int_at(a, "usage.input_tokens"), 2 + 3);
    assert_int_equal(int_at(b, "usage.cache_creation_input_tokens"), 0);
    assert_int_equal(int_at(b, "usage.cache_read_input_tokens"), 5);
    assert_int_equal(int_at(b, "usage.input_tokens"), 2 + 3);
    json_decref(a);
    json_decref(b);
}

static void gives_a_signed_thinking_block_and_checks_it_on_the_way_back(void **state)
{
    struct sy_buf next = {0};
    json_t *j, *bad;
    const char *sig;

    (void)state;
    j = post_json("/v1/messages", ANTHROPIC_HEADERS,
                  MESSAGES(",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}", "q"),
                  200);
    assert_string_equal(str_at(j, "content.0.type"), "thinking");
    assert_string_equal(str_at(j, "content.0.thinking"), "mock thinking");
    sig = str_at(j, "content.0.signature");
    assert_int_equal(strncmp(sig, "sig-", 4), 0);
    assert_int_equal(strlen(sig), 4 + 64);
    assert_string_equal(str_at(j, "content.1.text"), "mock: q");
    assert_int_equal(int_at(j, "usage.output_tokens"), 2 + 2);

    /* The conversation comes back with the block as it was: accepted. */
    sy_buf_appendf(&next,
                   "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":"
                   "\"q\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\","
                   "\"thinking\":\"mock thinking\",\"signature\":\"%s\"},{\"type\":\"text\","
                   "\"text\":\"mock: q\"}]},{\"role\":\"user\",\"content\":\"again\"}]}",
                   sig);
    json_decref(post_json("/v1/messages", ANTHROPIC_HEADERS, next.ptr, 200));
    /* With one character changed, or without the signature: refused. */
    next.ptr[strstr(next.ptr, "sig-") - next.ptr + 10] ^= 1;
    bad = post_json("/v1/messages", ANTHROPIC_HEADERS, next.ptr, 400);
    assert_non_null(strstr(str_at(bad, "error.message"), "invalid signature"));
    json_decref(bad);
    bad = post_json("/v1/messages", ANTHROPIC_HEADERS,
                    "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"assistant\","
                    "\"content\":[{\"type\":\"thinking\",\"thinking\":\"x\"}]}]}",
                    400);
    assert_non_null(strstr(str_at(bad, "error.message"), "invalid signature"));
    json_decref(bad);
    json_decref(j);
    sy_buf_dispose(&next);
}

static void calls_the_first_tool_and_streams_its_input_in_pieces(void **state)
{
    const char *tools = ",\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}]";
    struct sy_buf body = {0}, input = {0};
    struct response r;
    struct sse ev;
    json_t *j;
    size_t pieces = 0;

    (void)state;
    sy_buf_appendf(&body,
                   "{\"model\":\"m\",\"max_tokens\":9%s,\"messages\":[{\"role\":\"user\","
                   "\"content\":\"please call a tool\"}]}",
                   tools);
    j = post_json("/v1/messages", ANTHROPIC_HEADERS, body.ptr, 200);
    assert_string_equal(str_at(j, "stop_reason"), "tool_use");
    assert_string_equal(str_at(j, "content.0.type"), "tool_use");
    assert_string_equal(str_at(j, "content.0.id"), "toolu_mock_1");
    assert_string_equal(str_at(j, "content.0.name"), "lookup");
    assert_string_equal(str_at(j, "content.0.input.query"), "please call a tool");
    json_decref(j);

    sy_buf_reset(&body);
    sy_buf_appendf(&body,
                   "{\"model\":\"m\",\"max_tokens\":9,\"stream\":true%s,\"messages\":[{\"role\":"
                   "\"user\",\"content\":\"find it\"}]}",
                   tools);
    request("/v1/messages", ANTHROPIC_HEADERS "x-mock-tool-call: 1\r\n", body.ptr, &r);
    split_sse(r.body, &ev);
    for (size_t i = 0; i < ev.count; i++) {
        j = parse_json(ev.data[i]);
        if (strcmp(ev.names[i], "content_block_start") == 0) {
            assert_string_equal(str_at(j, "content_block.type"), "tool_use");
        } else if (strcmp(ev.names[i], "content_block_delta") == 0) {
            assert_string_equal(str_at(j, "delta.type"), "input_json_delta");
            sy_buf_append(&input, str_at(j, "delta.partial_json"),
                          strlen(str_at(j, "delta.partial_json")));
            pieces++;
        } else if (strcmp(ev.names[i], "message_delta") == 0) {
            assert_string_equal(str_at(j, "delta.stop_reason"), "tool_use");
        }
        json_decref(j);
    }
    assert_int_equal(pieces, 4);
    assert_string_equal(input.ptr, "{\"query\":\"find it\"}");
    sse_dispose(&ev);
    response_dispose(&r);
    sy_buf_dispose(&body);
    sy_buf_dispose(&input);
}

static void counts_tokens(void **state)
{
    json_t *j;

    (void)state;
    j = post_json("/v1/messages/count_tokens", ANTHROPIC_HEADERS,
                  "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}",
                  200);
    assert_int_equal(int_at(j, "input_tokens"), 3 + 3);
    assert_int_equal(json_object_size(j), 1);
    json_decref(j);
}

static void records_a_reset_anthropic_stream_with_the_tokens_sent(void **state)
{
    struct response r;
    json_t *ledger = NULL;

    (void)state;
    reset_ledger();
    request("/v1/messages", ANTHROPIC_HEADERS "x-mock-reset-after: 2\r\n",
            MESSAGES(",\"stream\":true", "a b c d"), &r);
    assert_true(r.was_reset);
    response_dispose(&r);
    for (int i = 0; i < 200; i++) {
        ledger = get_ledger();
        if (json_array_size(at(ledger, "requests")) == 1)
            break;
        json_decref(ledger);
        ledger = NULL;
        usleep(10000);
    }
    assert_non_null(ledger);
    assert_string_equal(str_at(ledger, "requests.0.outcome"), "reset");
    assert_int_equal(int_at(ledger, "requests.0.completion_tokens"), 2);
    json_decref(ledger);
}

/* ---- Gemini ---------------------------------------------------------------------------- */

#define GEMINI_BODY(extra, text)                                                    \
    "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" text "\"}]}]" extra \
    ",\"systemInstruction\":{\"parts\":[{\"text\":\"be brief\"}]}}"

static void answers_gemini_generate_content_with_usage(void **state)
{
    json_t *j, *ledger;

    (void)state;
    reset_ledger();
    j = post_json("/v1beta/models/gemini-2.0-flash:generateContent", "x-goog-api-key: g1\r\n",
                  GEMINI_BODY("", "hello there"), 200);
    assert_string_equal(str_at(j, "candidates.0.content.role"), "model");
    assert_string_equal(str_at(j, "candidates.0.content.parts.0.text"), "mock: hello there");
    assert_string_equal(str_at(j, "candidates.0.finishReason"), "STOP");
    assert_int_equal(int_at(j, "candidates.0.index"), 0);
    assert_int_equal(int_at(j, "usageMetadata.promptTokenCount"), 2 + 3 + 2);
    assert_int_equal(int_at(j, "usageMetadata.candidatesTokenCount"), 3);
    assert_int_equal(int_at(j, "usageMetadata.totalTokenCount"), 10);
    assert_int_equal(int_at(j, "usageMetadata.cachedContentTokenCount"), 0);
    assert_null(at(j, "usageMetadata.thoughtsTokenCount"));
    assert_string_equal(str_at(j, "modelVersion"), "gemini-2.0-flash");
    json_decref(j);
    /* The key as a query parameter; none at all. */
    json_decref(
        post_json("/v1beta/models/g:generateContent?key=q1", NULL, GEMINI_BODY("", "x"), 200));
    j = post_json("/v1beta/models/g:generateContent", NULL, GEMINI_BODY("", "x"), 403);
    assert_int_equal(int_at(j, "error.code"), 403);
    assert_string_equal(str_at(j, "error.status"), "PERMISSION_DENIED");
    json_decref(j);
    j = post_json("/v1beta/models/g@status=503:generateContent?key=q", NULL, GEMINI_BODY("", "x"),
                  503);
    assert_string_equal(str_at(j, "error.status"), "UNAVAILABLE");
    json_decref(j);

    ledger = get_ledger();
    assert_string_equal(str_at(ledger, "requests.0.x_goog_api_key"), "g1");
    assert_string_equal(str_at(ledger, "requests.0.model"), "gemini-2.0-flash");
    assert_string_equal(str_at(ledger, "requests.1.x_goog_api_key"), "q1");
    assert_string_equal(str_at(ledger, "requests.3.model"), "g");
    json_decref(ledger);
}

static void streams_gemini_sse_with_usage_on_the_last_chunk(void **state)
{
    struct response r;
    struct sse ev;
    struct sy_buf text = {0};
    json_t *j;

    (void)state;
    request("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
            "x-goog-api-key: g\r\n", GEMINI_BODY("", "one two"), &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\r\n\r\n"));
    assert_null(strstr(r.body, "[DONE]"));
    split_sse(r.body, &ev);
    assert_int_equal(ev.count, 4); /* three pieces and the finish */
    for (size_t i = 0; i < ev.count; i++) {
        j = parse_json(ev.data[i]);
        sy_buf_append(&text, str_at(j, "candidates.0.content.parts.0.text"),
                      strlen(str_at(j, "candidates.0.content.parts.0.text")));
        if (i + 1 < ev.count) {
            assert_null(at(j, "usageMetadata"));
            assert_null(at(j, "candidates.0.finishReason"));
        } else {
            assert_string_equal(str_at(j, "candidates.0.finishReason"), "STOP");
            assert_int_equal(int_at(j, "usageMetadata.candidatesTokenCount"), 3);
        }
        json_decref(j);
    }
    assert_string_equal(text.ptr, "mock: one two");
    sy_buf_dispose(&text);
    sse_dispose(&ev);
    response_dispose(&r);
}

static void signs_gemini_function_calls_and_checks_them_on_the_way_back(void **state)
{
    const char *tools = ",\"tools\":[{\"functionDeclarations\":[{\"name\":\"lookup\"}]}],"
                        "\"generationConfig\":{\"thinkingConfig\":{\"includeThoughts\":true}}";
    struct sy_buf next = {0};
    json_t *j, *part, *bad;
    char *part_text;

    (void)state;
    {
        struct sy_buf body = {0};

        sy_buf_appendf(&body,
                       "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"find it\"}]}]%s}",
                       tools);
        j = post_json("/v1beta/models/g:generateContent?key=k", "x-mock-tool-call: 1\r\n", body.ptr,
                      200);
        sy_buf_dispose(&body);
    }
    assert_true(json_is_true(at(j, "candidates.0.content.parts.0.thought")));
    assert_string_equal(str_at(j, "candidates.0.content.parts.0.text"), "mock thinking");
    part = at(j, "candidates.0.content.parts.1");
    assert_string_equal(str_at(part, "functionCall.name"), "lookup");
    assert_string_equal(str_at(part, "functionCall.args.query"), "find it");
    assert_int_equal(strncmp(str_at(part, "thoughtSignature"), "gsig-", 5), 0);
    assert_string_equal(str_at(j, "candidates.0.finishReason"), "STOP");
    assert_int_equal(int_at(j, "usageMetadata.thoughtsTokenCount"), 2);

    /* The call comes back with its signature (args re-ordered do not matter): accepted. */
    part_text = json_dumps(part, JSON_COMPACT | JSON_SORT_KEYS);
    sy_buf_appendf(&next,
                   "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"find it\"}]},"
                   "{\"role\":\"model\",\"parts\":[%s]},{\"role\":\"user\",\"parts\":[{"
                   "\"functionResponse\":{\"name\":\"lookup\",\"response\":{\"r\":1}}}]}]}",
                   part_text);
    json_decref(post_json("/v1beta/models/g:generateContent?key=k", NULL, next.ptr, 200));
    /* Without it: refused. */
    sy_buf_reset(&next);
    sy_buf_appendf(&next,
                   "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":"
                   "\"lookup\",\"args\":{\"query\":\"find it\"}}}]}]}");
    bad = post_json("/v1beta/models/g:generateContent?key=k", NULL, next.ptr, 400);
    assert_string_equal(str_at(bad, "error.status"), "INVALID_ARGUMENT");
    assert_non_null(strstr(str_at(bad, "error.message"), "thought_signature"));
    json_decref(bad);
    free(part_text);
    sy_buf_dispose(&next);
    json_decref(j);
}

static void answers_the_safety_knob_with_no_text(void **state)
{
    json_t *j;

    (void)state;
    j = post_json("/v1beta/models/g@safety=1:generateContent?key=k", NULL, GEMINI_BODY("", "x"),
                  200);
    assert_string_equal(str_at(j, "candidates.0.finishReason"), "SAFETY");
    assert_null(at(j, "candidates.0.content"));
    assert_int_equal(int_at(j, "usageMetadata.candidatesTokenCount"), 0);
    json_decref(j);
    j = post_json("/v1beta/models/g:generateContent?key=k", "x-mock-safety: 1\r\n",
                  GEMINI_BODY("", "x"), 200);
    assert_string_equal(str_at(j, "candidates.0.finishReason"), "SAFETY");
    json_decref(j);
}

/* ---- Vertex and /token ----------------------------------------------------------------- */

#define VERTEX_PATH \
    "/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash"

static void issues_tokens_for_a_signed_jwt_that_vertex_accepts(void **state)
{
    char *jwt = make_jwt(jwt_key, SCOPE, 0, 3600);
    struct sy_buf auth = {0};
    json_t *j, *ledger;

    (void)state;
    reset_ledger();
    j = token_for(jwt, NULL, 200);
    assert_int_equal(strncmp(str_at(j, "access_token"), "ya29.mock-", 10), 0);
    assert_int_equal(int_at(j, "expires_in"), 3600);
    assert_string_equal(str_at(j, "token_type"), "Bearer");
    sy_buf_appendf(&auth, "authorization: Bearer %s\r\n", str_at(j, "access_token"));
    json_decref(j);

    j = post_json(VERTEX_PATH ":generateContent", auth.ptr, GEMINI_BODY("", "hi"), 200);
    assert_string_equal(str_at(j, "candidates.0.content.parts.0.text"), "mock: hi");
    json_decref(j);
    j = post_json(VERTEX_PATH ":generateContent", "authorization: Bearer ya29.mock-999999\r\n",
                  GEMINI_BODY("", "hi"), 401);
    assert_string_equal(str_at(j, "error.status"), "UNAUTHENTICATED");
    json_decref(j);
    json_decref(post_json(VERTEX_PATH ":generateContent", NULL, GEMINI_BODY("", "hi"), 401));

    ledger = get_ledger();
    assert_int_equal(int_at(ledger, "totals.token_requests"), 1);
    assert_string_equal(str_at(ledger, "requests.0.path"), "/token");
    assert_string_equal(str_at(ledger, "requests.1.model"), "gemini-2.0-flash");
    assert_non_null(strstr(str_at(ledger, "requests.1.authorization"), "ya29.mock-"));
    json_decref(ledger);
    sy_buf_dispose(&auth);
    free(jwt);
}

static void refuses_jwts_that_are_not_signed_or_not_current(void **state)
{
    EVP_PKEY *other = EVP_RSA_gen(2048);
    char *forged = make_jwt(other, SCOPE, 0, 3600);
    char *stale = make_jwt(jwt_key, SCOPE, -7200, 3600);
    char *no_scope = make_jwt(jwt_key, "https://example.com/other", 0, 3600);
    json_t *j;

    (void)state;
    j = token_for(forged, NULL, 401);
    assert_string_equal(str_at(j, "error"), "invalid_grant");
    json_decref(j);
    json_decref(token_for(stale, NULL, 401));
    json_decref(token_for(no_scope, NULL, 401));
    j = post_json("/token", NULL, "grant_type=password&username=x", 400);
    assert_string_equal(str_at(j, "error"), "unsupported_grant_type");
    json_decref(j);
    free(forged);
    free(stale);
    free(no_scope);
    EVP_PKEY_free(other);
}

static void lets_a_test_force_a_short_token_lifetime(void **state)
{
    char *jwt = make_jwt(jwt_key, SCOPE, 0, 3600);
    struct sy_buf auth = {0};
    json_t *j;

    (void)state;
    j = token_for(jwt, "x-mock-token-expires-in: 0\r\n", 200);
    assert_int_equal(int_at(j, "expires_in"), 0);
    sy_buf_appendf(&auth, "authorization: Bearer %s\r\n", str_at(j, "access_token"));
    json_decref(j);
    j = post_json(VERTEX_PATH ":generateContent", auth.ptr, GEMINI_BODY("", "hi"), 401);
    json_decref(j);
    sy_buf_dispose(&auth);
    free(jwt);
}

static void refuses_every_credential_when_none_is_configured(void **state)
{
    struct sy_mock_provider *bare;
    uint16_t bare_port;
    char *jwt = make_jwt(jwt_key, SCOPE, 0, 3600);
    struct sy_buf form = {0};
    struct response r;

    (void)state;
    assert_int_equal(sy_mock_provider_start("127.0.0.1", 0, 1, &bare, &bare_port), 0);
    sy_buf_appendf(&form,
                   "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer&"
                   "assertion=%s",
                   jwt);
    request_to(bare_port, "/token", NULL, form.ptr, &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"invalid_grant\""));
    response_dispose(&r);
    request_to(bare_port, "/model/m/converse",
               "authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/"
               "bedrock/aws4_request, SignedHeaders=host, Signature="
               "0000000000000000000000000000000000000000000000000000000000000000\r\n"
               "x-amz-date: 20250101T000000Z\r\n",
               "{}", &r);
    assert_int_equal(r.status, 403);
    response_dispose(&r);
    sy_mock_provider_stop(bare);
    sy_buf_dispose(&form);
    free(jwt);
}

/* ---- Bedrock --------------------------------------------------------------------------- */

#define BEDROCK_PATH "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"
#define CONVERSE_BODY(extra, text)                                                    \
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"" text "\"}]}]" extra \
    ",\"system\":[{\"text\":\"be brief\"}],\"inferenceConfig\":{\"maxTokens\":64}}"

static void the_test_signer_matches_the_aws_suite(void **state)
{
    /* get-vanilla with the header set this signer uses is not in the suite, so check the
     * pieces it shares: the derived key and signature of the suite's own string to sign. */
    const char *sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
                      "aws4_request\n"
                      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
    unsigned char k1[32], k2[32];
    char sig[65];

    (void)state;
    hmac_sha256("AWS4" AWS_SECRET, strlen("AWS4" AWS_SECRET), "20150830", k1);
    hmac_sha256(k1, 32, "us-east-1", k2);
    hmac_sha256(k2, 32, "service", k1);
    hmac_sha256(k1, 32, "aws4_request", k2);
    hmac_sha256(k2, 32, sts, k1);
    hex_of(k1, 32, sig);
    assert_string_equal(sig, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

static void answers_a_signed_converse_and_refuses_a_bad_signature(void **state)
{
    struct response r;
    json_t *j, *ledger;
    size_t len;

    (void)state;
    reset_ledger();
    bedrock_request(BEDROCK_PATH, CONVERSE_BODY("", "hello there"), AWS_SECRET,
                    "x-amz-security-token: session-1\r\n", &r);
    assert_int_equal(r.status, 200);
    j = parse_json(r.body);
    assert_string_equal(str_at(j, "output.message.role"), "assistant");
    assert_string_equal(str_at(j, "output.message.content.0.text"), "mock: hello there");
    assert_string_equal(str_at(j, "stopReason"), "end_turn");
    assert_int_equal(int_at(j, "usage.inputTokens"), 2 + 3 + 2);
    assert_int_equal(int_at(j, "usage.outputTokens"), 3);
    assert_int_equal(int_at(j, "usage.totalTokens"), 10);
    assert_non_null(at(j, "metrics.latencyMs"));
    json_decref(j);
    response_dispose(&r);

    bedrock_request(BEDROCK_PATH, CONVERSE_BODY("", "hello"), "wrong-secret", NULL, &r);
    assert_int_equal(r.status, 403);
    assert_memory_equal(find_header(r.head, "x-amzn-errortype", &len), "InvalidSignature", 16);
    j = parse_json(r.body);
    assert_int_equal(
        strncmp(str_at(j, "message"), "The request signature we calculated does not match", 50), 0);
    json_decref(j);
    response_dispose(&r);
    request(BEDROCK_PATH, NULL, CONVERSE_BODY("", "hello"), &r);
    assert_int_equal(r.status, 403);
    response_dispose(&r);

    ledger = get_ledger();
    assert_string_equal(str_at(ledger, "requests.0.model"),
                        "anthropic.claude-3-haiku-20240307-v1:0");
    assert_string_equal(str_at(ledger, "requests.0.headers.x-amz-security-token"), "session-1");
    assert_int_equal(strncmp(str_at(ledger, "requests.0.authorization"), "AWS4-HMAC-SHA256", 16),
                     0);
    assert_int_equal(int_at(ledger, "requests.1.status"), 403);
    json_decref(ledger);
}

static void calls_a_tool_in_converse(void **state)
{
    struct response r;
    json_t *j;

    (void)state;
    bedrock_request(BEDROCK_PATH,
                    CONVERSE_BODY(",\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"lookup\","
                                  "\"inputSchema\":{\"json\":{}}}}]}",
                                  "please call a tool"),
                    AWS_SECRET, NULL, &r);
    assert_int_equal(r.status, 200);
    j = parse_json(r.body);
    assert_string_equal(str_at(j, "stopReason"), "tool_use");
    assert_string_equal(str_at(j, "output.message.content.0.toolUse.toolUseId"), "tooluse_mock_1");
    assert_string_equal(str_at(j, "output.message.content.0.toolUse.name"), "lookup");
    assert_string_equal(str_at(j, "output.message.content.0.toolUse.input.query"),
                        "please call a tool");
    json_decref(j);
    response_dispose(&r);
}

static void streams_converse_as_event_stream_frames(void **state)
{
    static const char *const want[] = {
        "messageStart",     "contentBlockDelta", "contentBlockDelta", "contentBlockDelta",
        "contentBlockStop", "messageStop",       "metadata"};
    struct frame f[32];
    struct response r;
    struct sy_buf text = {0};
    size_t n, len;
    json_t *j;

    (void)state;
    bedrock_request("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream",
                    CONVERSE_BODY("", "one two"), AWS_SECRET, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(find_header(r.head, "content-type", &len),
                        "application/vnd.amazon.eventstream", 34);
    n = split_frames((const unsigned char *)r.body, r.body_len, f, 32);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        assert_true(f[i].is_crc_ok);
        assert_string_equal(f[i].event_type, want[i]);
        assert_string_equal(f[i].message_type, "event");
        j = parse_json(f[i].payload);
        if (strcmp(want[i], "contentBlockDelta") == 0)
            sy_buf_append(&text, str_at(j, "delta.text"), strlen(str_at(j, "delta.text")));
        if (i == 5)
            assert_string_equal(str_at(j, "stopReason"), "end_turn");
        if (i == 6)
            assert_int_equal(int_at(j, "usage.outputTokens"), 3);
        json_decref(j);
    }
    assert_string_equal(text.ptr, "mock: one two");
    frames_dispose(f, n);
    response_dispose(&r);
    sy_buf_dispose(&text);
}

static void sends_a_bad_crc_frame_or_an_exception_frame_when_asked(void **state)
{
    struct frame f[32];
    struct response r;
    size_t n, bad = 0;

    (void)state;
    bedrock_request("/model/m/converse-stream", CONVERSE_BODY("", "one two"), AWS_SECRET,
                    "x-mock-malformed: 1\r\n", &r);
    n = split_frames((const unsigned char *)r.body, r.body_len, f, 32);
    for (size_t i = 0; i < n; i++)
        bad += !f[i].is_crc_ok;
    assert_int_equal(bad, 1);
    assert_false(f[2].is_crc_ok); /* right after the first piece */
    frames_dispose(f, n);
    response_dispose(&r);

    bedrock_request("/model/m%40status%3D429/converse-stream", CONVERSE_BODY("", "x"), AWS_SECRET,
                    NULL, &r);
    assert_int_equal(r.status, 200);
    n = split_frames((const unsigned char *)r.body, r.body_len, f, 32);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].message_type, "exception");
    assert_string_equal(f[0].event_type, "throttlingException");
    assert_non_null(strstr(f[0].payload, "mock error 429"));
    frames_dispose(f, n);
    response_dispose(&r);

    bedrock_request("/model/m/converse", CONVERSE_BODY("", "x"), AWS_SECRET,
                    "x-mock-status: 503\r\n", &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.head, "ServiceUnavailableException"));
    response_dispose(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_an_anthropic_message_with_the_echo_and_usage),
        cmocka_unit_test(requires_the_api_key_and_version_headers),
        cmocka_unit_test(answers_the_status_knob_in_the_anthropic_error_shape),
        cmocka_unit_test(streams_anthropic_events_in_order),
        cmocka_unit_test(reports_cache_writes_then_reads_for_a_cache_control_prefix),
        cmocka_unit_test(gives_a_signed_thinking_block_and_checks_it_on_the_way_back),
        cmocka_unit_test(calls_the_first_tool_and_streams_its_input_in_pieces),
        cmocka_unit_test(counts_tokens),
        cmocka_unit_test(records_a_reset_anthropic_stream_with_the_tokens_sent),
        cmocka_unit_test(answers_gemini_generate_content_with_usage),
        cmocka_unit_test(streams_gemini_sse_with_usage_on_the_last_chunk),
        cmocka_unit_test(signs_gemini_function_calls_and_checks_them_on_the_way_back),
        cmocka_unit_test(answers_the_safety_knob_with_no_text),
        cmocka_unit_test(issues_tokens_for_a_signed_jwt_that_vertex_accepts),
        cmocka_unit_test(refuses_jwts_that_are_not_signed_or_not_current),
        cmocka_unit_test(lets_a_test_force_a_short_token_lifetime),
        cmocka_unit_test(refuses_every_credential_when_none_is_configured),
        cmocka_unit_test(the_test_signer_matches_the_aws_suite),
        cmocka_unit_test(answers_a_signed_converse_and_refuses_a_bad_signature),
        cmocka_unit_test(calls_a_tool_in_converse),
        cmocka_unit_test(streams_converse_as_event_stream_frames),
        cmocka_unit_test(sends_a_bad_crc_frame_or_an_exception_frame_when_asked),
    };

    return cmocka_run_group_tests(tests, start_mock, stop_mock);
}
