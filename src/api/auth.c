/* api/auth.c - the gateway key check.
 *
 * Keys come as "Authorization: Bearer KEY" (OpenAI SDKs), "api-key: KEY"
 * (Azure SDKs) or "x-api-key: KEY" (Anthropic SDKs). Every configured key is
 * compared in constant time, all of them every time, so timing tells nothing
 * about which bytes or which key matched. Keys never reach a log line. */
#include <strings.h>

#include "api/api_int.h"
#include "config/config.h"

/* Returns the key the client presented, or a NULL view. */
static struct sy_str presented_key(const struct sy_req *req)
{
    struct sy_str v = sy_req_header(req, "authorization");

    if (v.ptr != NULL) {
        if (v.len > 7 && strncasecmp(v.ptr, "bearer ", 7) == 0) {
            v.ptr += 7;
            v.len -= 7;
            while (v.len > 0 && *v.ptr == ' ') {
                v.ptr++;
                v.len--;
            }
            return v;
        }
        return SY_STR_NULL;
    }
    v = sy_req_header(req, "api-key");
    if (v.ptr != NULL)
        return v;
    return sy_req_header(req, "x-api-key");
}

enum sy_next sy__api_authenticate(struct sy_req *req)
{
    struct sy_str key = presented_key(req);
    bool ok = false;

    if (key.ptr == NULL || key.len == 0)
        return sy_req_fail_ex(req, SY_ERR_UNAUTHORIZED, 0, "missing_api_key", NULL,
                              req->shape == SY_SHAPE_ANTHROPIC
                                  ? "Missing API key: send it as 'x-api-key: <key>'"
                                  : "Missing API key: send it as 'Authorization: Bearer <key>'");
    for (size_t i = 0; i < req->cfg->keys_count; i++)
        ok |= sy_str_eq_consttime(key, sy_str_c(req->cfg->keys[i]));
    if (!ok)
        return sy_req_fail_ex(req, SY_ERR_UNAUTHORIZED, 0, "invalid_api_key", NULL,
                              "Invalid API key");
    return SY_NEXT;
}
