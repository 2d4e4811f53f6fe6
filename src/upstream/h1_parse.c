/* upstream/h1_parse.c - incremental, zero-copy HTTP/1.1 response parser.
 *
 * The head is parsed in one pass once its end is in view; the body is a
 * byte-level state machine for chunked framing and plain counting
 * otherwise. The rules and limits are in h1_parse.h. */
#include "upstream/h1_parse.h"

#include <string.h>
#include <strings.h>

_Static_assert(SY_H1_MAX_HEAD_BYTES == 64 * 1024, "h1_parse.h says 64 KiB");
_Static_assert(SY_H1_MAX_HEADERS == 100, "h1_parse.h says 100 fields");

enum state {
    ST_HEAD = 0,
    ST_LENGTH,        /* Content-Length bytes left in `remaining` */
    ST_UNTIL_CLOSE,   /* everything until the connection closes */
    ST_CHUNK_SIZE,    /* hex digits of a chunk size */
    ST_CHUNK_BWS,     /* blanks after the digits: ';' or the line end must follow */
    ST_CHUNK_EXT,     /* extensions, skipped up to the line end */
    ST_CHUNK_SIZE_LF, /* the chunk-size line had its CR */
    ST_CHUNK_DATA,    /* `remaining` bytes of chunk data */
    ST_CHUNK_END,     /* the CRLF after chunk data */
    ST_CHUNK_END_LF,  /* ... had its CR */
    ST_TRAILER_START, /* start of a trailer line, or the final empty line */
    ST_TRAILER_LINE,  /* inside a trailer line */
    ST_TRAILER_LF,    /* a trailer line had its CR */
    ST_LAST_LF,       /* the final empty line had its CR */
    ST_DONE,
    ST_FAILED,
};

void sy_h1_parser_init(struct sy_h1_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->state = ST_HEAD;
}

bool sy_h1_is_done(const struct sy_h1_parser *p)
{
    return p->state == ST_DONE;
}

bool sy_h1_close(struct sy_h1_parser *p)
{
    if (p->state == ST_UNTIL_CLOSE)
        p->state = ST_DONE;
    return p->state == ST_DONE;
}

/* ---- Head ----------------------------------------------------------------- */

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && memchr(extra, c, sizeof(extra) - 1) != NULL;
}

/* HTAB, SP, VCHAR and obs-text: what a field value or reason phrase may hold. */
static bool is_text(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Finds the end of the head in buf[0..len): the byte after the empty line.
 * Returns 0 when it is not there; `*scanned` is where to look next time. */
static size_t find_head_end(const char *buf, size_t len, size_t *scanned)
{
    size_t i = *scanned;

    while (i < len) {
        const char *lf = memchr(buf + i, '\n', len - i);
        if (lf == NULL) {
            *scanned = len;
            return 0;
        }
        i = (size_t)(lf - buf);
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
        if (i + 1 == len || (i + 2 == len && buf[i + 1] == '\r')) {
            *scanned = i; /* the empty line may be completed by the next bytes */
            return 0;
        }
        i++;
    }
    *scanned = len;
    return 0;
}

/* Cuts the line at `*pos` (which ends before `end`) into `*line`, without
 * its CRLF or LF. Returns false when it holds a stray CR. */
static bool next_line(const char *buf, size_t end, size_t *pos, struct sy_str *line)
{
    const char *start = buf + *pos;
    const char *lf = memchr(start, '\n', end - *pos);
    size_t len;

    if (lf == NULL)
        return false; /* cannot happen: the head ends with an empty line */
    len = (size_t)(lf - start);
    *pos += len + 1;
    if (len > 0 && start[len - 1] == '\r')
        len--;
    if (memchr(start, '\r', len) != NULL)
        return false;
    *line = (struct sy_str){start, len};
    return true;
}

static struct sy_str trim(struct sy_str s)
{
    while (s.len > 0 && is_blank(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_blank(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static bool name_is(struct sy_str name, const char *want)
{
    size_t len = strlen(want);

    return name.len == len && strncasecmp(name.ptr, want, len) == 0;
}

/* Calls `fn` on each non-empty element of a comma-separated list, trimmed.
 * Stops and returns false as soon as `fn` does. */
static bool each_element(struct sy_str list, bool (*fn)(struct sy_str el, void *arg), void *arg)
{
    while (list.len > 0) {
        const char *comma = memchr(list.ptr, ',', list.len);
        size_t n = comma != NULL ? (size_t)(comma - list.ptr) : list.len;
        struct sy_str el = trim((struct sy_str){list.ptr, n});

        if (el.len > 0 && !fn(el, arg))
            return false;
        if (comma == NULL)
            break;
        list.ptr += n + 1;
        list.len -= n + 1;
    }
    return true;
}

/* What the framing headers said, gathered over all field lines. */
struct framing {
    unsigned length_count; /* Content-Length values seen */
    bool has_length;
    uint64_t length;
    unsigned chunked_count; /* "chunked" codings seen */
    bool other_coding;      /* any coding but chunked */
    bool has_te;
    bool close, keep_alive;
};

static bool add_length(struct sy_str el, void *arg)
{
    struct framing *f = arg;
    uint64_t v = 0;

    for (size_t i = 0; i < el.len; i++) {
        unsigned d = (unsigned char)el.ptr[i] - '0';
        if (d > 9 || v > ((uint64_t)INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (f->has_length && f->length != v)
        return false;
    f->length_count++;
    f->has_length = true;
    f->length = v;
    return true;
}

static bool add_coding(struct sy_str el, void *arg)
{
    struct framing *f = arg;

    if (name_is(el, "chunked"))
        f->chunked_count++;
    else
        f->other_coding = true;
    return true;
}

static bool add_connection_option(struct sy_str el, void *arg)
{
    struct framing *f = arg;

    if (name_is(el, "close"))
        f->close = true;
    else if (name_is(el, "keep-alive"))
        f->keep_alive = true;
    return true;
}

/* "HTTP/1.x NNN[ reason]" */
static bool parse_status_line(struct sy_str line, struct sy_h1_head *head)
{
    const char *s = line.ptr;

    if (line.len < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
        return false;
    for (int i = 9; i < 12; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    if (s[9] == '0' || (line.len > 12 && s[12] != ' '))
        return false;
    for (size_t i = 13; i < line.len; i++)
        if (!is_text((unsigned char)s[i]))
            return false;
    head->minor_version = s[7] - '0';
    head->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return true;
}

/* Parses the complete head in buf[0..end). Returns false when malformed. */
static bool parse_fields(const char *buf, size_t end, struct sy_h1_head *head, struct framing *f)
{
    struct sy_str line;
    size_t pos = 0;

    if (!next_line(buf, end, &pos, &line) || !parse_status_line(line, head))
        return false;
    for (;;) {
        struct sy_str name, value;
        size_t colon = 0;

        if (!next_line(buf, end, &pos, &line))
            return false;
        if (line.len == 0)
            return pos == end;
        while (colon < line.len && is_tchar((unsigned char)line.ptr[colon]))
            colon++;
        if (colon == 0 || colon == line.len || line.ptr[colon] != ':')
            return false; /* obs-fold, blank before ':', or not a field */
        if (++head->headers_count > SY_H1_MAX_HEADERS)
            return false;
        name = (struct sy_str){line.ptr, colon};
        value = (struct sy_str){line.ptr + colon + 1, line.len - colon - 1};
        for (size_t i = 0; i < value.len; i++)
            if (!is_text((unsigned char)value.ptr[i]))
                return false;
        value = trim(value);
        if (name_is(name, "content-type")) {
            head->content_type = value;
        } else if (name_is(name, "retry-after")) {
            head->retry_after = value;
        } else if (name_is(name, "content-length")) {
            unsigned before = f->length_count;
            if (!each_element(value, add_length, f) || f->length_count == before)
                return false;
        } else if (name_is(name, "transfer-encoding")) {
            f->has_te = true;
            each_element(value, add_coding, f);
        } else if (name_is(name, "connection")) {
            each_element(value, add_connection_option, f);
        }
    }
}

/* Decides how the body is framed and whether the connection lives on. */
static bool decide_framing(struct sy_h1_head *head, const struct framing *f)
{
    head->is_keep_alive = head->minor_version >= 1 ? !f->close : f->keep_alive && !f->close;
    if (head->status < 200 || head->status == 204 || head->status == 304) {
        head->framing = SY_H1_FRAMING_NONE;
        return true;
    }
    if (f->has_te) {
        if (head->minor_version == 0 || f->other_coding || f->chunked_count != 1)
            return false;
        head->framing = SY_H1_FRAMING_CHUNKED;
        if (f->has_length)
            head->is_keep_alive = false;
        return true;
    }
    if (f->has_length) {
        head->framing = SY_H1_FRAMING_LENGTH;
        head->content_length = f->length;
        return true;
    }
    head->framing = SY_H1_FRAMING_CLOSE;
    head->is_keep_alive = false;
    return true;
}

ssize_t sy_h1_parse_head(struct sy_h1_parser *p, const char *buf, size_t len,
                         struct sy_h1_head *head)
{
    size_t room = SY_H1_MAX_HEAD_BYTES - p->head_bytes;
    size_t end;
    struct framing f = {0};

    if (p->state != ST_HEAD)
        return SY_H1_MALFORMED;
    /* Only the first `room` bytes may hold the head: where reads split must
     * not decide whether a head is too large. */
    end = find_head_end(buf, len < room ? len : room, &p->scanned);
    if (end == 0) {
        if (len < room)
            return SY_H1_NEED_MORE;
        p->state = ST_FAILED;
        return SY_H1_MALFORMED;
    }
    memset(head, 0, sizeof(*head));
    if (!parse_fields(buf, end, head, &f) || head->status == 101 || !decide_framing(head, &f)) {
        p->state = ST_FAILED;
        return SY_H1_MALFORMED;
    }
    p->scanned = 0;
    if (head->status < 200) {
        p->head_bytes += end; /* the final head comes next, in the same budget */
        return (ssize_t)end;
    }
    switch (head->framing) {
    case SY_H1_FRAMING_NONE:
        p->state = ST_DONE;
        break;
    case SY_H1_FRAMING_LENGTH:
        p->remaining = head->content_length;
        p->state = p->remaining > 0 ? ST_LENGTH : ST_DONE;
        break;
    case SY_H1_FRAMING_CHUNKED:
        p->state = ST_CHUNK_SIZE;
        break;
    case SY_H1_FRAMING_CLOSE:
        p->state = ST_UNTIL_CLOSE;
        break;
    }
    return (ssize_t)end;
}

/* ---- Body ----------------------------------------------------------------- */

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The chunk-size line ended: data follows, or the trailers. */
static void end_size_line(struct sy_h1_parser *p)
{
    p->state = p->remaining > 0 ? ST_CHUNK_DATA : ST_TRAILER_START;
}

/* Walks chunked framing from buf[0]. Returns the bytes consumed, which end
 * with the chunk data found (set in `*data`), or at the end of the body, or
 * at the end of `buf`; SY_H1_MALFORMED otherwise. */
static ssize_t parse_chunked(struct sy_h1_parser *p, const char *buf, size_t len,
                             struct sy_str *data)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = (unsigned char)buf[i];

        switch (p->state) {
        case ST_CHUNK_SIZE: {
            int v = hex_value(c);
            if (++p->line_bytes > SY_H1_MAX_CHUNK_LINE_BYTES)
                return SY_H1_MALFORMED;
            if (v >= 0) {
                if ((p->remaining >> 56) != 0)
                    return SY_H1_MALFORMED; /* 2^60 and up */
                p->remaining = p->remaining << 4 | (unsigned)v;
                p->has_digit = true;
            } else if (!p->has_digit) {
                return SY_H1_MALFORMED;
            } else if (c == ';') {
                p->state = ST_CHUNK_EXT;
            } else if (is_blank((char)c)) {
                p->state = ST_CHUNK_BWS;
            } else if (c == '\r') {
                p->state = ST_CHUNK_SIZE_LF;
            } else if (c == '\n') {
                end_size_line(p);
            } else {
                return SY_H1_MALFORMED;
            }
            i++;
            break;
        }
        case ST_CHUNK_BWS:
            if (++p->line_bytes > SY_H1_MAX_CHUNK_LINE_BYTES)
                return SY_H1_MALFORMED;
            if (c == ';')
                p->state = ST_CHUNK_EXT;
            else if (c == '\r')
                p->state = ST_CHUNK_SIZE_LF;
            else if (c == '\n')
                end_size_line(p);
            else if (!is_blank((char)c))
                return SY_H1_MALFORMED;
            i++;
            break;
        case ST_CHUNK_EXT:
            if (++p->line_bytes > SY_H1_MAX_CHUNK_LINE_BYTES)
                return SY_H1_MALFORMED;
            if (c == '\r')
                p->state = ST_CHUNK_SIZE_LF;
            else if (c == '\n')
                end_size_line(p);
            else if (!is_text(c))
                return SY_H1_MALFORMED;
            i++;
            break;
        case ST_CHUNK_SIZE_LF:
            if (c != '\n')
                return SY_H1_MALFORMED;
            end_size_line(p);
            i++;
            break;
        case ST_CHUNK_DATA: {
            size_t n = len - i;
            if (n > p->remaining)
                n = (size_t)p->remaining;
            p->remaining -= n;
            if (p->remaining == 0)
                p->state = ST_CHUNK_END;
            *data = (struct sy_str){buf + i, n};
            return (ssize_t)(i + n);
        }
        case ST_CHUNK_END:
            if (c == '\r')
                p->state = ST_CHUNK_END_LF;
            else if (c == '\n')
                p->state = ST_CHUNK_SIZE;
            else
                return SY_H1_MALFORMED;
            p->line_bytes = 0;
            p->has_digit = false;
            i++;
            break;
        case ST_CHUNK_END_LF:
            if (c != '\n')
                return SY_H1_MALFORMED;
            p->state = ST_CHUNK_SIZE;
            i++;
            break;
        case ST_TRAILER_START:
        case ST_TRAILER_LINE:
        case ST_TRAILER_LF:
        case ST_LAST_LF:
            if (++p->trailer_bytes > SY_H1_MAX_TRAILER_BYTES)
                return SY_H1_MALFORMED;
            if (p->state == ST_TRAILER_LF || p->state == ST_LAST_LF) {
                if (c != '\n')
                    return SY_H1_MALFORMED;
                p->state = p->state == ST_LAST_LF ? ST_DONE : ST_TRAILER_START;
            } else if (c == '\r') {
                p->state = p->state == ST_TRAILER_START ? ST_LAST_LF : ST_TRAILER_LF;
            } else if (c == '\n') {
                p->state = p->state == ST_TRAILER_START ? ST_DONE : ST_TRAILER_START;
            } else if (p->state == ST_TRAILER_START && is_blank((char)c)) {
                return SY_H1_MALFORMED; /* obs-fold */
            } else if (!is_text(c)) {
                return SY_H1_MALFORMED;
            } else {
                p->state = ST_TRAILER_LINE;
            }
            i++;
            if (p->state == ST_DONE)
                return (ssize_t)i;
            break;
        default:
            return SY_H1_MALFORMED;
        }
    }
    return (ssize_t)i;
}

ssize_t sy_h1_parse_body(struct sy_h1_parser *p, const char *buf, size_t len, struct sy_str *data)
{
    ssize_t n;

    *data = (struct sy_str){buf, 0};
    switch (p->state) {
    case ST_DONE:
        return 0;
    case ST_LENGTH: {
        size_t take = len < p->remaining ? len : (size_t)p->remaining;
        p->remaining -= take;
        if (p->remaining == 0)
            p->state = ST_DONE;
        *data = (struct sy_str){buf, take};
        return (ssize_t)take;
    }
    case ST_UNTIL_CLOSE:
        *data = (struct sy_str){buf, len};
        return (ssize_t)len;
    case ST_HEAD:
    case ST_FAILED:
        return SY_H1_MALFORMED;
    default:
        n = parse_chunked(p, buf, len, data);
        if (n < 0) {
            p->state = ST_FAILED;
            *data = (struct sy_str){buf, 0};
        }
        return n;
    }
}
