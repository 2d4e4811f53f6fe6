/* core/err.h - why a request failed.
 *
 * Each value maps to one HTTP status and one error type per API shape in
 * api/errors.c: add the row there when you add a value here. */
#ifndef SY_CORE_ERR_H
#define SY_CORE_ERR_H

enum sy_err {
    SY_OK = 0,
    SY_ERR_BAD_REQUEST,  /* 400: malformed JSON or fields */
    SY_ERR_UNAUTHORIZED, /* 401: missing or invalid key */
    SY_ERR_FORBIDDEN,    /* 403: model or tenant not allowed */
    SY_ERR_NOT_FOUND,    /* 404: unknown route or model */
    SY_ERR_METHOD,       /* 405: known route, wrong method */
    SY_ERR_TOO_LARGE,    /* 413: body over http.max_body_bytes */
    SY_ERR_MEDIA_TYPE,   /* 415: not application/json */
    SY_ERR_HEADERS,      /* 431: headers over http.max_header_bytes */
    SY_ERR_LIMITED,      /* 429: rate limit or budget; sets Retry-After */
    SY_ERR_INTERNAL,     /* 500: a bug; logged with the request id */
    SY_ERR_UPSTREAM,     /* 502: provider failed after retries */
    SY_ERR_UNAVAILABLE,  /* 503: no healthy deployment left, or draining */
    SY_ERR_TIMEOUT,      /* 504: provider too slow after retries */
    /* SY_ERR_COUNT must stay last */
    SY_ERR_COUNT
};

/* Returns the stable name used in logs and metric labels, e.g. "limited". */
const char *sy_err_name(enum sy_err err);

/* Returns the HTTP status for `err`. */
int sy_err_status(enum sy_err err);

/* Returns the reason phrase of HTTP `status` ("Not Found"), or a generic one
 * ("Client Error", "Server Error", "OK") for codes without their own. */
const char *sy_http_reason(int status);

#endif
