/* api/models.c - GET /v1/models and /v1/models/{id}: the aliases served. */
#include <string.h>

#include "api/api_int.h"
#include "config/config.h"
#include "core/pool.h"

static json_t *model_object(const char *name)
{
    return json_pack("{s:s, s:s, s:i, s:s}", "id", name, "object", "model", "created", 0,
                     "owned_by", "switchyard");
}

enum sy_next sy__api_list_models(struct sy_req *req)
{
    json_t *data = json_array();
    json_t *doc;

    for (size_t i = 0; i < req->cfg->models_count; i++)
        json_array_append_new(data, model_object(req->cfg->models[i].name));
    doc = json_pack("{s:s, s:o}", "object", "list", "data", data);
    sy__api_respond_json(req, 200, doc);
    json_decref(doc);
    return SY_DONE;
}

/* Percent-decodes `s` into the pool; NULL when malformed. */
static char *url_decode(struct sy_pool *pool, struct sy_str s, size_t *out_len)
{
    char *out = sy_pool_alloc(pool, s.len + 1), *p = out;

    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '%') {
            int hi, lo;
            if (i + 2 >= s.len || (hi = sy_hex_digit(s.ptr[i + 1])) < 0 ||
                (lo = sy_hex_digit(s.ptr[i + 2])) < 0)
                return NULL;
            *p++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *p++ = s.ptr[i];
        }
    }
    *p = '\0';
    *out_len = (size_t)(p - out);
    return out;
}

enum sy_next sy__api_get_model(struct sy_req *req)
{
    struct sy_str path = req->path;
    const struct sy_config_model *m = NULL;
    size_t len = 0;
    char *id;

    if (sy_str_has_prefix(path, SY_STR("/v1/")))
        path = (struct sy_str){path.ptr + 3, path.len - 3};
    path = (struct sy_str){path.ptr + strlen("/models/"), path.len - strlen("/models/")};
    id = url_decode(req->pool, path, &len);
    if (id != NULL)
        m = sy_config_find_model(req->cfg, id, len);
    if (m == NULL)
        return sy_req_fail_ex(req, SY_ERR_NOT_FOUND, 0, "model_not_found", "model",
                              "The model '%.*s' does not exist or is not served here",
                              (int)(path.len > 200 ? 200 : path.len), path.ptr);
    json_t *doc = model_object(m->name);
    sy__api_respond_json(req, 200, doc);
    json_decref(doc);
    return SY_DONE;
}
