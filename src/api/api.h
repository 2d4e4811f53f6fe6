/* api/api.h - the endpoints: what the gateway does with a request.
 *
 * http/ builds a `struct sy_req` for every request and calls sy_api_handle();
 * from there the request walks the stages of its route (api/pipeline.c),
 * which end it with a response sooner or later, on the same worker thread. */
#ifndef SY_API_API_H
#define SY_API_API_H

struct sy_req;

/* Routes `req` and runs its stages. Always leads to exactly one response
 * (possibly after async work). Worker thread only. */
void sy_api_handle(struct sy_req *req);

#endif
