/* api/health.c - liveness, readiness and the Prometheus scrape. */
#include "api/api_int.h"
#include "core/str.h"

enum sy_next sy__api_health_live(struct sy_req *req)
{
    static const char body[] = "{\"status\":\"ok\"}";

    sy_req_respond(req, 200, "application/json", body, sizeof(body) - 1);
    return SY_DONE;
}

enum sy_next sy__api_health_ready(struct sy_req *req)
{
    static const char ready[] = "{\"status\":\"ready\"}";
    static const char draining[] = "{\"status\":\"draining\"}";

    if (sy_server_is_draining())
        sy_req_respond(req, 503, "application/json", draining, sizeof(draining) - 1);
    else
        sy_req_respond(req, 200, "application/json", ready, sizeof(ready) - 1);
    return SY_DONE;
}

enum sy_next sy__api_metrics(struct sy_req *req)
{
    struct sy_buf out = {0};

    sy_server_render_metrics(&out);
    sy_req_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.ptr, out.len);
    sy_buf_dispose(&out);
    return SY_DONE;
}
