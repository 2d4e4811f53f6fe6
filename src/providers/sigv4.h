/* providers/sigv4.h - AWS Signature Version 4 for request headers (pure).
 *
 * Signs one HTTP request the way AWS's SDKs do for every service but S3
 * (botocore's SigV4Auth): no clock, no I/O, the time is passed in. What goes
 * into the canonical request:
 *
 *  - the URI: the URL's path exactly as it is sent (already percent-encoded),
 *    percent-encoded once more except for RFC 3986 unreserved characters and
 *    '/'. Non-S3 services check the path encoded twice, so a Bedrock model id
 *    "a:0" is sent as "/model/a%3A0/..." and signed as "/model/a%253A0/...".
 *    Dot segments are not removed: callers build paths without them;
 *  - the query: each name and value percent-decoded, then encoded with only
 *    unreserved characters left as they are, sorted by name, then value;
 *  - the headers: host (from the URL, with the port only when it is not the
 *    scheme's default), x-amz-date, x-amz-security-token (with a session
 *    token), x-amz-content-sha256 (when asked), and every header the caller
 *    lists: names lower-cased, values trimmed with inner runs of spaces and
 *    tabs collapsed to one space, duplicate names joined with ',', sorted;
 *  - the payload: the hex SHA-256 of the body.
 *
 * The signing key is HMAC-SHA256 chained over "AWS4" + secret, the date,
 * the region, the service and "aws4_request". */
#ifndef SY_PROVIDERS_SIGV4_H
#define SY_PROVIDERS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

struct sy_pool;

struct sy_sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* temporary credentials; NULL for long-term keys */
};

/* A header the request will carry, to be signed. */
struct sy_sigv4_header {
    const char *name;
    const char *value;
};

struct sy_sigv4_request {
    const char *method; /* "POST" */
    const char *url;    /* scheme://host[:port][/path][?query], path as sent on the wire */
    const struct sy_sigv4_header *headers; /* signed as well; not host or x-amz-* ones */
    size_t headers_count;
    struct sy_str body;
    const char *region;       /* "us-east-1" */
    const char *service;      /* "bedrock" */
    int64_t now_unix;         /* the signing time, seconds since the epoch (UTC) */
    bool sign_content_sha256; /* also send and sign x-amz-content-sha256 */
};

/* At most: Authorization, X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256. */
#define SY_SIGV4_MAX_LINES 4

/* What signing produced. */
struct sy_sigv4_result {
    char amz_date[17];       /* "20150830T123600Z" */
    char content_sha256[65]; /* hex SHA-256 of the body */
    char signature[65];      /* hex */
    /* Header lines to add to the request, "Name: value", in `pool`. */
    const char *lines[SY_SIGV4_MAX_LINES];
    size_t lines_count;
};

/* Signs `req` with `cred`. Returns 0 and fills `*out` (lines from `pool`), or
 * -1 when the URL has no host, a required field is NULL, or the time cannot
 * be formatted. When `canonical` is not NULL, the canonical request and then
 * the string to sign are appended to it, separated by an empty line (for
 * tests and debugging: they hold no secret). */
int sy_sigv4_sign(struct sy_pool *pool, const struct sy_sigv4_request *req,
                  const struct sy_sigv4_credentials *cred, struct sy_sigv4_result *out,
                  struct sy_buf *canonical);

/* Appends `s` to `out` percent-encoded as an AWS URI path segment: every byte
 * but A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex), '/' included. For
 * building URLs such as "/model/{modelId}/converse". */
void sy_sigv4_append_encoded(struct sy_buf *out, const char *s, size_t len);

#endif
