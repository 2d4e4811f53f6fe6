/* core/err.c - names and statuses of enum sy_err. */
#include "core/err.h"

/* clang-format off */
static const struct {
    const char *name;
    int status;
} table[SY_ERR_COUNT] = {
    [SY_OK]               = {"ok", 200},
    [SY_ERR_BAD_REQUEST]  = {"bad_request", 400},
    [SY_ERR_UNAUTHORIZED] = {"unauthorized", 401},
    [SY_ERR_FORBIDDEN]    = {"forbidden", 403},
    [SY_ERR_NOT_FOUND]    = {"not_found", 404},
    [SY_ERR_METHOD]       = {"method_not_allowed", 405},
    [SY_ERR_TOO_LARGE]    = {"too_large", 413},
    [SY_ERR_MEDIA_TYPE]   = {"media_type", 415},
    [SY_ERR_HEADERS]      = {"headers_too_large", 431},
    [SY_ERR_LIMITED]      = {"limited", 429},
    [SY_ERR_INTERNAL]     = {"internal", 500},
    [SY_ERR_UPSTREAM]     = {"upstream", 502},
    [SY_ERR_UNAVAILABLE]  = {"unavailable", 503},
    [SY_ERR_TIMEOUT]      = {"timeout", 504},
};

/* clang-format on */

const char *sy_err_name(enum sy_err err)
{
    return (unsigned)err < SY_ERR_COUNT ? table[err].name : "unknown";
}

int sy_err_status(enum sy_err err)
{
    return (unsigned)err < SY_ERR_COUNT ? table[err].status : 500;
}

const char *sy_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 529:
        return "Overloaded";
    default:
        return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "OK";
    }
}
