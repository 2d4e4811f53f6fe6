/* tests/unit/mock_provider/client.h - a tiny blocking HTTP/1.1 client for the
 * mock provider's tests: connect, send, read one response (content-length,
 * chunked, or cut by a reset). Header-only: each test is one .c file. Bodies
 * may hold NUL bytes (Bedrock's event-stream frames). */
#ifndef SY_TESTS_MOCK_PROVIDER_CLIENT_H
#define SY_TESTS_MOCK_PROVIDER_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "core/str.h"

struct response {
    int status;
    char *head; /* status line and headers, NUL-terminated */
    char *body; /* decoded (chunked framing removed), NUL-terminated */
    size_t body_len;
    bool was_reset; /* the connection ended with ECONNRESET */
};

/* Connects to 127.0.0.1:`port` with a 10 s receive timeout. */
static inline int client_connect(uint16_t port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct timeval tv = {.tv_sec = 10};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
}

static inline void client_send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

/* Reads more bytes into `in`. Returns false at EOF or on an error. */
static inline bool client_read_more(int fd, struct sy_buf *in, bool *was_reset)
{
    char tmp[16384];
    ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

    if (n < 0 && errno == ECONNRESET)
        *was_reset = true;
    if (n <= 0)
        return false;
    sy_buf_append(in, tmp, (size_t)n);
    return true;
}

/* Returns the value of header `name` (lower case) in `head`, or NULL. */
static inline const char *find_header(const char *head, const char *name, size_t *len)
{
    const char *p = strstr(head, "\r\n");
    size_t n = strlen(name);

    while (p != NULL && p[2] != '\0') {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1, *e;

            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            *len = (size_t)(e - v);
            return v;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

/* Reads one response from `fd` (the request was sent). `in` holds bytes
 * already read, and keeps those of the next response. */
static inline void read_response(int fd, struct sy_buf *in, struct response *r)
{
    struct sy_buf body = {0};
    const char *end, *v;
    size_t head_len, pos, hlen;

    memset(r, 0, sizeof(*r));
    while (in->ptr == NULL || (end = memmem(in->ptr, in->len, "\r\n\r\n", 4)) == NULL)
        assert_true(client_read_more(fd, in, &r->was_reset));
    head_len = (size_t)(end - in->ptr) + 4;
    r->head = strndup(in->ptr, head_len);
    r->status = (int)strtol(in->ptr + 9, NULL, 10);
    pos = head_len;
    if (find_header(r->head, "transfer-encoding", &hlen) != NULL) {
        for (;;) {
            const char *line_end;
            size_t size;

            while ((line_end = memmem(in->ptr + pos, in->len - pos, "\r\n", 2)) == NULL)
                if (!client_read_more(fd, in, &r->was_reset))
                    goto done;
            size = strtoul(in->ptr + pos, NULL, 16);
            pos = (size_t)(line_end - in->ptr) + 2;
            while (in->len < pos + size + 2)
                if (!client_read_more(fd, in, &r->was_reset))
                    goto done;
            if (size == 0)
                break;
            sy_buf_append(&body, in->ptr + pos, size);
            pos += size + 2;
        }
        pos += 2;
    } else if ((v = find_header(r->head, "content-length", &hlen)) != NULL) {
        size_t want = strtoul(v, NULL, 10);

        while (in->len < pos + want)
            if (!client_read_more(fd, in, &r->was_reset))
                break;
        want = in->len - pos < want ? in->len - pos : want;
        sy_buf_append(&body, in->ptr + pos, want);
        pos += want;
    }
done:
    if (pos > in->len)
        pos = in->len;
    sy_buf_append(&body, "", 0);
    r->body = body.ptr;
    r->body_len = body.len;
    sy_buf_consume(in, pos);
}

static inline void response_dispose(struct response *r)
{
    free(r->head);
    free(r->body);
}

#endif
