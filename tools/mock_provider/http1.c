/* mock_provider/http1.c - the HTTP/1.x request parser (pure: bytes in, views out).
 *
 * Called again from the start of the request each time more bytes arrive; only the framing of
 * a chunked body is remembered between calls (`struct sy__mock_chunked`), so that a body sent
 * in many small chunks is not walked again on every read. Lines may end in CRLF or LF alone. */
#include <strings.h>

#include "mock_provider/mock_provider_int.h"

/* The longest chunk-size or trailer line we wait for. */
#define MAX_CHUNK_LINE 4096

/* RFC 9110 tchar: what a method or a header name is made of. */
static const unsigned char tchars[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static bool is_tchar(unsigned char c)
{
    return tchars[c] != 0;
}

/* Finds the end of the line at `p`. Returns the byte after its '\n' or NULL when the line is
 * not complete; `*line_end` is where its content ends (before "\r\n" or "\n"). */
static const char *next_line(const char *p, const char *end, const char **line_end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));

    if (nl == NULL)
        return NULL;
    *line_end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
    return nl + 1;
}

static int parse_request_line(const char *p, const char *end, struct sy__mock_http_req *req)
{
    const char *start = p, *target;

    while (p < end && is_tchar((unsigned char)*p))
        p++;
    if (p == start || p >= end || *p != ' ')
        return -1;
    req->method = (struct sy_str){start, (size_t)(p - start)};
    target = ++p;
    while (p < end && (unsigned char)*p > ' ' && *p != '\x7f')
        p++;
    if (p == target || p >= end || *p != ' ')
        return -1;

    const char *q = memchr(target, '?', (size_t)(p - target));
    if (q != NULL) {
        req->path = (struct sy_str){target, (size_t)(q - target)};
        req->query = (struct sy_str){q + 1, (size_t)(p - q - 1)};
    } else {
        req->path = (struct sy_str){target, (size_t)(p - target)};
        req->query = (struct sy_str){target, 0};
    }
    p++;
    if (end - p != 8 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9')
        return -1;
    req->minor_version = p[7] - '0';
    return 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int parse_header(const char *p, const char *end, struct sy__mock_header *h)
{
    const char *start = p;

    while (p < end && is_tchar((unsigned char)*p))
        p++;
    if (p == start || p >= end || *p != ':')
        return -1;
    h->name = (struct sy_str){start, (size_t)(p - start)};
    p++;
    while (p < end && is_ows(*p))
        p++;
    while (end > p && is_ows(end[-1]))
        end--;
    for (const char *c = p; c < end; c++) {
        unsigned char u = (unsigned char)*c;
        if ((u < ' ' && u != '\t') || u == 0x7f)
            return -1;
    }
    h->value = (struct sy_str){p, (size_t)(end - p)};
    return 0;
}

/* True when the comma-separated `list` holds `token`, without case. */
static bool list_has(struct sy_str list, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = list.ptr, *end = list.ptr + list.len;

    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma != NULL ? comma : end;
        const char *s = p;

        while (s < e && is_ows(*s))
            s++;
        while (e > s && is_ows(e[-1]))
            e--;
        if ((size_t)(e - s) == tlen && strncasecmp(s, token, tlen) == 0)
            return true;
        p = comma != NULL ? comma + 1 : end;
    }
    return false;
}

static bool name_is(struct sy_str name, const char *lower, size_t len)
{
    return name.len == len && strncasecmp(name.ptr, lower, len) == 0;
}

/* Reads the head's framing headers. Returns 0, or an enum sy__mock_http_result. */
static int read_framing(struct sy__mock_http_req *req, size_t *content_length)
{
    bool has_length = false;

    req->is_keep_alive = req->minor_version >= 1;
    for (size_t i = 0; i < req->header_count; i++) {
        const struct sy__mock_header *h = &req->headers[i];

        if (name_is(h->name, "content-length", 14)) {
            size_t n = 0;

            if (h->value.len == 0)
                return SY__MOCK_HTTP_BAD;
            for (size_t j = 0; j < h->value.len; j++) {
                char c = h->value.ptr[j];
                if (c < '0' || c > '9')
                    return SY__MOCK_HTTP_BAD;
                if (n > SY__MOCK_MAX_BODY_BYTES)
                    return SY__MOCK_HTTP_BODY_TOO_LARGE; /* stop before it can overflow */
                n = n * 10 + (size_t)(c - '0');
            }
            if (has_length && n != *content_length)
                return SY__MOCK_HTTP_BAD;
            has_length = true;
            *content_length = n;
        } else if (name_is(h->name, "transfer-encoding", 17)) {
            if (h->value.len != 7 || strncasecmp(h->value.ptr, "chunked", 7) != 0)
                return SY__MOCK_HTTP_BAD; /* only chunked is supported */
            req->is_chunked = true;
        } else if (name_is(h->name, "connection", 10)) {
            if (list_has(h->value, "close"))
                req->is_keep_alive = false;
            else if (list_has(h->value, "keep-alive"))
                req->is_keep_alive = true;
        } else if (name_is(h->name, "expect", 6)) {
            req->expects_continue = list_has(h->value, "100-continue");
        }
    }
    /* Both framings at once is how requests are smuggled (RFC 9112 6.3). */
    if (req->is_chunked && has_length)
        return SY__MOCK_HTTP_BAD;
    if (*content_length > SY__MOCK_MAX_BODY_BYTES)
        return SY__MOCK_HTTP_BODY_TOO_LARGE;
    return 0;
}

/* Reads one chunk-size line at `p`. Returns the byte after it, or NULL with `*res` set to
 * INCOMPLETE or BAD. */
static const char *read_chunk_size(const char *p, const char *end, size_t *size, int *res)
{
    const char *line_end, *next = next_line(p, end, &line_end);
    size_t n = 0, digits = 0;

    if (next == NULL) {
        *res = end - p > MAX_CHUNK_LINE ? SY__MOCK_HTTP_BAD : SY__MOCK_HTTP_INCOMPLETE;
        return NULL;
    }
    for (; p < line_end; p++, digits++) {
        char c = *p;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            break;
        if (n > SY__MOCK_MAX_BODY_BYTES) {
            *res = SY__MOCK_HTTP_BODY_TOO_LARGE;
            return NULL;
        }
        n = n * 16 + (size_t)d;
    }
    /* What follows the size may only be whitespace or a chunk extension, which we ignore. */
    while (p < line_end && is_ows(*p))
        p++;
    if (digits == 0 || (p < line_end && *p != ';')) {
        *res = SY__MOCK_HTTP_BAD;
        return NULL;
    }
    *size = n;
    return next;
}

/* Skips the chunk data and its line end at `p`. */
static const char *skip_chunk_data(const char *p, const char *end, size_t size, int *res)
{
    if ((size_t)(end - p) < size + 1) {
        *res = SY__MOCK_HTTP_INCOMPLETE;
        return NULL;
    }
    p += size;
    if (*p == '\n')
        return p + 1;
    if (*p != '\r') {
        *res = SY__MOCK_HTTP_BAD;
        return NULL;
    }
    if (end - p < 2) {
        *res = SY__MOCK_HTTP_INCOMPLETE;
        return NULL;
    }
    if (p[1] != '\n') {
        *res = SY__MOCK_HTTP_BAD;
        return NULL;
    }
    return p + 2;
}

/* Advances `st` through the chunked body at `body`. Returns the framed length once the last
 * chunk and the trailers are in, or an enum sy__mock_http_result. */
static ssize_t scan_chunked(const char *body, const char *end, struct sy__mock_chunked *st)
{
    const char *p = body + st->scanned;
    int res = SY__MOCK_HTTP_INCOMPLETE;

    while (!st->is_done) {
        size_t size;
        const char *q = read_chunk_size(p, end, &size, &res);

        if (q == NULL)
            return res;
        if (size == 0) {
            /* Trailers, ignored, up to an empty line. */
            for (;;) {
                const char *line = q, *line_end, *next = next_line(q, end, &line_end);

                if (next == NULL)
                    return end - q > MAX_CHUNK_LINE ? SY__MOCK_HTTP_BAD : SY__MOCK_HTTP_INCOMPLETE;
                q = next;
                if (line_end == line)
                    break;
            }
            st->is_done = true;
            st->scanned = (size_t)(q - body);
            break;
        }
        if (st->body_len + size > SY__MOCK_MAX_BODY_BYTES)
            return SY__MOCK_HTTP_BODY_TOO_LARGE;
        q = skip_chunk_data(q, end, size, &res);
        if (q == NULL)
            return res;
        st->body_len += size;
        st->scanned = (size_t)(q - body);
        p = q;
    }
    return (ssize_t)st->scanned;
}

/* Copies the data of the complete chunked body at `p` into `out`. */
static void decode_chunked(const char *p, const char *end, struct sy_buf *out)
{
    int res;

    for (;;) {
        size_t size = 0;

        p = read_chunk_size(p, end, &size, &res);
        if (size == 0)
            return;
        sy_buf_append(out, p, size);
        p = skip_chunk_data(p, end, size, &res);
    }
}

ssize_t sy__mock_http_parse(const char *buf, size_t len, struct sy__mock_http_req *req,
                            struct sy__mock_chunked *st, struct sy_buf *scratch)
{
    const char *p = buf, *end = buf + len, *line_end, *next;
    size_t content_length = 0;
    int res;

    memset(req, 0, offsetof(struct sy__mock_http_req, headers));
    /* RFC 9112 2.2: ignore empty lines before the request line. */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    next = next_line(p, end, &line_end);
    if (next == NULL)
        goto incomplete_head;
    if (parse_request_line(p, line_end, req) != 0)
        return SY__MOCK_HTTP_BAD;
    p = next;
    for (;;) {
        next = next_line(p, end, &line_end);
        if (next == NULL)
            goto incomplete_head;
        if (line_end == p) {
            p = next;
            break;
        }
        if (is_ows(*p))
            return SY__MOCK_HTTP_BAD; /* obsolete line folding */
        if (req->header_count == SY__MOCK_MAX_HEADERS)
            return SY__MOCK_HTTP_HEAD_TOO_LARGE;
        if (parse_header(p, line_end, &req->headers[req->header_count]) != 0)
            return SY__MOCK_HTTP_BAD;
        req->header_count++;
        p = next;
    }
    if ((size_t)(p - buf) > SY__MOCK_MAX_HEAD_BYTES)
        return SY__MOCK_HTTP_HEAD_TOO_LARGE;
    res = read_framing(req, &content_length);
    if (res != 0)
        return res;
    req->head_len = (size_t)(p - buf);

    if (!req->is_chunked) {
        if ((size_t)(end - p) < content_length)
            return SY__MOCK_HTTP_INCOMPLETE;
        req->body = (struct sy_str){p, content_length};
        return (ssize_t)(req->head_len + content_length);
    }
    ssize_t framed = scan_chunked(p, end, st);
    if (framed == SY__MOCK_HTTP_INCOMPLETE && len >= SY__MOCK_MAX_RAW_BYTES)
        return SY__MOCK_HTTP_BODY_TOO_LARGE;
    if (framed < 0)
        return framed;
    sy_buf_reset(scratch);
    decode_chunked(p, end, scratch);
    req->body = (struct sy_str){scratch->ptr != NULL ? scratch->ptr : "", scratch->len};
    return (ssize_t)(req->head_len + (size_t)framed);

incomplete_head:
    return len > SY__MOCK_MAX_HEAD_BYTES ? SY__MOCK_HTTP_HEAD_TOO_LARGE : SY__MOCK_HTTP_INCOMPLETE;
}

struct sy_str sy__mock_http_header(const struct sy__mock_http_req *req, const char *lower_name)
{
    size_t len = strlen(lower_name);

    for (size_t i = req->header_count; i-- > 0;) {
        if (name_is(req->headers[i].name, lower_name, len))
            return req->headers[i].value;
    }
    return SY_STR_NULL;
}
