/* api/errors.c - sy_err -> status + error body in the caller's API shape.
 *
 * OpenAI:    {"error":{"message":..,"type":..,"param":..,"code":..}}
 * Anthropic: {"type":"error","error":{"type":..,"message":..}} */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "core/log.h"

/* clang-format off */
static const struct {
    const char *openai;    /* OpenAI "type" */
    const char *anthropic; /* Anthropic error "type" */
} types[SY_ERR_COUNT] = {
    [SY_OK]               = {"ok", "ok"},
    [SY_ERR_BAD_REQUEST]  = {"invalid_request_error", "invalid_request_error"},
    [SY_ERR_UNAUTHORIZED] = {"authentication_error", "authentication_error"},
    [SY_ERR_FORBIDDEN]    = {"permission_error", "permission_error"},
    [SY_ERR_NOT_FOUND]    = {"invalid_request_error", "not_found_error"},
    [SY_ERR_METHOD]       = {"invalid_request_error", "invalid_request_error"},
    [SY_ERR_TOO_LARGE]    = {"invalid_request_error", "request_too_large"},
    [SY_ERR_MEDIA_TYPE]   = {"invalid_request_error", "invalid_request_error"},
    [SY_ERR_HEADERS]      = {"invalid_request_error", "invalid_request_error"},
    [SY_ERR_LIMITED]      = {"rate_limit_error", "rate_limit_error"},
    [SY_ERR_INTERNAL]     = {"server_error", "api_error"},
    [SY_ERR_UPSTREAM]     = {"upstream_error", "api_error"},
    [SY_ERR_UNAVAILABLE]  = {"service_unavailable", "overloaded_error"},
    [SY_ERR_TIMEOUT]      = {"timeout_error", "timeout_error"},
};

/* clang-format on */

void sy__api_respond_json(struct sy_req *req, int status, const json_t *doc)
{
    char buf[4096];
    size_t len = json_dumpb(doc, buf, sizeof(buf), JSON_COMPACT);

    if (len <= sizeof(buf)) {
        sy_req_respond(req, status, "application/json", buf, len);
        return;
    }
    char *big = json_dumps(doc, JSON_COMPACT);
    sy_req_respond(req, status, "application/json", big, strlen(big));
    free(big);
}

static enum sy_next fail(struct sy_req *req, enum sy_err err, int status, const char *code,
                         const char *param, const char *fmt, va_list ap)
{
    char msg[512];
    json_t *doc;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (status == 0)
        status = sy_err_status(err);
    if (err == SY_ERR_INTERNAL)
        sy_log_error("request %s: internal error: %s", req->request_id, msg);
    if (req->shape == SY_SHAPE_ANTHROPIC)
        doc = json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error", "type",
                        types[err].anthropic, "message", msg);
    else
        doc = json_pack("{s:{s:s, s:s, s:s?, s:s?}}", "error", "message", msg, "type",
                        types[err].openai, "param", param, "code", code);
    if (doc == NULL) /* invalid UTF-8 in an echoed value */
        doc = json_pack("{s:{s:s, s:s, s:n, s:s?}}", "error", "message", "invalid request", "type",
                        types[err].openai, "param", "code", code);
    sy__api_respond_json(req, status, doc);
    json_decref(doc);
    return SY_DONE;
}

enum sy_next sy_req_fail(struct sy_req *req, enum sy_err err, const char *fmt, ...)
{
    va_list ap;
    enum sy_next next;

    va_start(ap, fmt);
    next = fail(req, err, 0, NULL, NULL, fmt, ap);
    va_end(ap);
    return next;
}

enum sy_next sy_req_fail_ex(struct sy_req *req, enum sy_err err, int status, const char *code,
                            const char *param, const char *fmt, ...)
{
    va_list ap;
    enum sy_next next;

    va_start(ap, fmt);
    next = fail(req, err, status, code, param, fmt, ap);
    va_end(ap);
    return next;
}
