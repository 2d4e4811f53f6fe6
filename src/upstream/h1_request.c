/* upstream/h1_request.c - what the HTTP/1.1 fast path sends: which URLs it
 * takes, and the request head it writes for them.
 *
 * Pure: no I/O, no allocation. h1.c calls sy__h1_parse_url() to decide
 * whether a request is its own, then sy__h1_request_head() twice, to size
 * the transfer and to fill it. */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "upstream/upstream_int.h"

bool sy__h1_parse_url(const char *url, struct sy__h1_target *tg)
{
    char host[64];
    const char *p, *auth, *port_at = NULL, *path;
    size_t host_len;

    memset(tg, 0, sizeof(*tg));
    if (strncasecmp(url, "http://", 7) != 0)
        return false;
    auth = url + 7;
    path = auth + strcspn(auth, "/?");
    for (p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
            return false;
    if (memchr(auth, '@', (size_t)(path - auth)) != NULL)
        return false;
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (size_t)(path - auth));
        if (close == NULL)
            return false;
        host_len = (size_t)(close - auth - 1);
        if (host_len == 0 || host_len >= sizeof(host))
            return false;
        memcpy(host, auth + 1, host_len);
        host[host_len] = '\0';
        tg->sa[0].in6.sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, host, &tg->sa[0].in6.sin6_addr) != 1)
            return false;
        tg->host = (struct sy_str){auth, (size_t)(close - auth + 1)};
        if (close + 1 < path && close[1] != ':')
            return false;
        port_at = close + 1 < path ? close + 2 : NULL;
        tg->sa_count = 1;
    } else {
        const char *colon = memchr(auth, ':', (size_t)(path - auth));
        host_len = (size_t)((colon != NULL ? colon : path) - auth);
        if (host_len == 0 || host_len >= sizeof(host))
            return false;
        memcpy(host, auth, host_len);
        host[host_len] = '\0';
        tg->host = (struct sy_str){auth, host_len};
        port_at = colon != NULL ? colon + 1 : NULL;
        if (strcasecmp(host, "localhost") == 0) {
            tg->sa[0].in.sin_family = AF_INET;
            tg->sa[0].in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            tg->sa[1].in6.sin6_family = AF_INET6;
            tg->sa[1].in6.sin6_addr = in6addr_loopback;
            tg->sa_count = 2;
        } else {
            tg->sa[0].in.sin_family = AF_INET;
            if (inet_pton(AF_INET, host, &tg->sa[0].in.sin_addr) != 1)
                return false;
            tg->sa_count = 1;
        }
    }
    tg->port = 80;
    if (port_at != NULL && port_at < path) {
        unsigned v = 0;
        if (path - port_at > 5)
            return false;
        for (p = port_at; p < path; p++) {
            if (*p < '0' || *p > '9')
                return false;
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (v == 0 || v > 65535)
            return false;
        tg->port = v;
    }
    for (unsigned i = 0; i < tg->sa_count; i++) {
        if (tg->sa[i].sa.sa_family == AF_INET)
            tg->sa[i].in.sin_port = htons((uint16_t)tg->port);
        else
            tg->sa[i].in6.sin6_port = htons((uint16_t)tg->port);
    }
    tg->path = sy_str_c(path);
    return true;
}

/* A "Name:" line with nothing after the colon asks curl to leave a header
 * out; it means the same here. */
static bool is_removal(const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);

    if (colon == NULL)
        return false;
    for (const char *p = colon + 1; p < line + len; p++)
        if (*p != ' ' && *p != '\t')
            return false;
    return true;
}

/* Appends `len` bytes at `*at`. */
static void put(char **at, const void *src, size_t len)
{
    memcpy(*at, src, len);
    *at += len;
}

#define PUT_LIT(at, lit) put((at), (lit), sizeof(lit) - 1)

size_t sy__h1_request_head(const struct sy_upstream_request *req, const struct sy__h1_target *tg,
                           char *out)
{
    char port[8], length[24];
    size_t port_len = 0, length_len = 0, total;
    char *at = out;

    if (tg->port != 80)
        port_len = (size_t)snprintf(port, sizeof(port), ":%u", tg->port);
    if (!req->is_get)
        length_len = (size_t)snprintf(length, sizeof(length), "%zu", req->body.len);
    total = (req->is_get ? 4 : 5) + (tg->path.len > 0 && tg->path.ptr[0] == '/' ? 0 : 1) +
            tg->path.len + sizeof(" HTTP/1.1\r\nHost: ") - 1 + tg->host.len + port_len + 2 +
            (req->is_get ? 0 : sizeof("Content-Length: \r\n") - 1 + length_len) + 2;
    if (at != NULL) {
        put(&at, req->is_get ? "GET " : "POST ", req->is_get ? 4 : 5);
        if (tg->path.len == 0 || tg->path.ptr[0] != '/')
            PUT_LIT(&at, "/");
        put(&at, tg->path.ptr, tg->path.len);
        PUT_LIT(&at, " HTTP/1.1\r\nHost: ");
        put(&at, tg->host.ptr, tg->host.len);
        put(&at, port, port_len);
        PUT_LIT(&at, "\r\n");
        if (!req->is_get) {
            PUT_LIT(&at, "Content-Length: ");
            put(&at, length, length_len);
            PUT_LIT(&at, "\r\n");
        }
    }
    for (size_t i = 0; i < req->headers_count; i++) {
        const char *line = req->headers[i];
        size_t len = strlen(line);

        if (len == 0 || is_removal(line, len))
            continue;
        if (out == NULL && strpbrk(line, "\r\n") != NULL)
            return 0;
        total += len + 2;
        if (at != NULL) {
            put(&at, line, len);
            PUT_LIT(&at, "\r\n");
        }
    }
    if (at != NULL) {
        PUT_LIT(&at, "\r\n");
        assert((size_t)(at - out) == total); /* measured and written alike */
    }
    return total;
}
