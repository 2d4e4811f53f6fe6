/* oauth/oauth_int.h - what oauth.c exposes to its own tests. */
#ifndef SY_OAUTH_OAUTH_INT_H
#define SY_OAUTH_OAUTH_INT_H

#include <stdint.h>

#include "core/str.h"

struct sy_config_provider;

/* Appends to `out` the signed JWT assertion (RS256) that `prov`'s service
 * account sends to its token_uri at `now_unix`: iss = sa_client_email, scope
 * cloud-platform, aud = sa_token_uri, iat = now, exp = now + 3600. Uses the
 * worker's cached key. Returns 0, or -1 when the key cannot be read or used
 * (`out` unchanged then). Worker thread only. */
int sy__oauth_make_jwt(const struct sy_config_provider *prov, int64_t now_unix, struct sy_buf *out);

#endif
