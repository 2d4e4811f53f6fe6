/* oauth/oauth.h - OAuth access tokens for providers that need them (Vertex AI).
 *
 * A Google service account signs a JWT (RS256) with its private key and
 * exchanges it at its token_uri for an access token. Tokens are cached per
 * worker thread until five minutes before they expire; when a token is
 * missing or due, one exchange runs and every request that asks meanwhile
 * waits for it (single flight). The exchange is an ordinary upstream transfer
 * on the worker's loop: nothing blocks.
 *
 * Worker thread only. */
#ifndef SY_OAUTH_OAUTH_H
#define SY_OAUTH_OAUTH_H

#include <stdint.h>

struct sy_config_provider;
struct sy_upstream_ctx;
struct sy_oauth_wait;

/* Called once with a token (valid at least until the request is sent), or
 * with `token` NULL and a short `error` for logs and the client (never a
 * secret). */
typedef void sy_oauth_token_fn(void *ctx, const char *token, const char *error);

/* Gets an access token for `prov` (its sa_* fields). When a cached token is
 * valid, calls `cb` before returning and returns NULL. Otherwise returns a
 * wait handle and calls `cb` later, exactly once, unless the wait is
 * cancelled first. `now_unix` is the wall clock (tests pass their own). */
struct sy_oauth_wait *sy_oauth_get_token(struct sy_upstream_ctx *upstream,
                                         const struct sy_config_provider *prov, int64_t now_unix,
                                         sy_oauth_token_fn *cb, void *ctx);

/* Stops waiting: `cb` will not be called. The exchange itself goes on for
 * the others waiting. */
void sy_oauth_cancel(struct sy_oauth_wait *wait);

/* Frees the worker's token cache (at worker shutdown, after its loop ran). */
void sy_oauth_worker_dispose(void);

#endif
