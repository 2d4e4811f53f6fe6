/* upstream/h1_parse.h - incremental, zero-copy HTTP/1.1 response parser (pure, no I/O).
 *
 * Two steps, after picohttpparser. The head (status line and header fields)
 * is parsed whole: the caller keeps every byte received since the previous
 * head ended and calls sy_h1_parse_head() again with all of them until it
 * stops answering "need more". Finding the end of the head is incremental
 * (the parser remembers how far it looked), so a head that trickles in byte
 * by byte costs linear time. The body is then decoded as it arrives, split
 * anywhere: sy_h1_parse_body() hands out views of the body bytes inside what
 * it was given, with chunked framing removed.
 *
 * Rules (RFC 9112), and where we chose:
 * - The status line is "HTTP/1.x NNN[ reason]"; a major version other than
 *   1 is malformed. 1xx answers are interim and skipped (their bytes count
 *   toward the head limit), except 101, which we never ask for: malformed.
 * - Lines may end in CRLF or in a bare LF (RFC 9112 2.2 allows it, and curl,
 *   browsers and picohttpparser accept it); a CR anywhere else is malformed.
 * - Field names are tokens, directly followed by ':' (whitespace before the
 *   colon is malformed); obsolete line folding is malformed; values may hold
 *   HTAB, SP, visible ASCII and bytes >= 0x80, nothing else.
 * - Framing: 1xx, 204 and 304 have no body. Otherwise Transfer-Encoding wins
 *   over Content-Length; the only transfer coding accepted is "chunked"
 *   (alone: we never ask for others). A response with both is read as
 *   chunked and its connection not reused (RFC 9112 6.3 calls it a possible
 *   smuggling attempt). Transfer-Encoding in an HTTP/1.0 answer is
 *   malformed (6.1). Content-Length is 1*DIGIT below 2^63; repeated or
 *   listed values must all be equal. With neither, the body ends when the
 *   connection closes.
 * - Keep-alive: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with
 *   "Connection: keep-alive"; never for a body read until close.
 * - Chunks: hex size (no sign, no leading blanks, below 2^60), optional
 *   extensions (skipped), CRLF, data, CRLF; then "0", optional trailer
 *   fields (skipped) and an empty line.
 *
 * Limits: a head, interim heads included, is at most SY_H1_MAX_HEAD_BYTES
 * with at most SY_H1_MAX_HEADERS fields; a chunk-size line at most
 * SY_H1_MAX_CHUNK_LINE_BYTES; trailers at most SY_H1_MAX_TRAILER_BYTES.
 * Anything beyond is malformed. */
#ifndef SY_UPSTREAM_H1_PARSE_H
#define SY_UPSTREAM_H1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/str.h"

#define SY_H1_MAX_HEAD_BYTES       (64 * 1024)
#define SY_H1_MAX_HEADERS          100
#define SY_H1_MAX_CHUNK_LINE_BYTES 4096
#define SY_H1_MAX_TRAILER_BYTES    (64 * 1024)

#define SY_H1_MALFORMED (-1)
#define SY_H1_NEED_MORE (-2)

enum sy_h1_framing {
    SY_H1_FRAMING_NONE = 0, /* no body: 1xx, 204, 304 */
    SY_H1_FRAMING_LENGTH,   /* Content-Length bytes */
    SY_H1_FRAMING_CHUNKED,  /* Transfer-Encoding: chunked */
    SY_H1_FRAMING_CLOSE,    /* until the connection closes */
};

/* One parsed head. The views point into the bytes given to
 * sy_h1_parse_head() and are valid as long as those are. */
struct sy_h1_head {
    int status;                 /* 100..999 */
    int minor_version;          /* the x of HTTP/1.x */
    struct sy_str content_type; /* without surrounding blanks; ptr NULL when absent */
    struct sy_str retry_after;  /* same */
    enum sy_h1_framing framing;
    uint64_t content_length; /* SY_H1_FRAMING_LENGTH only */
    bool is_keep_alive;      /* the connection may carry another request afterwards */
    size_t headers_count;
};

/* Private fields: use the functions below. */
struct sy_h1_parser {
    int state;
    size_t scanned;       /* head: bytes known not to hold the end of the head */
    size_t head_bytes;    /* interim heads already consumed */
    uint64_t remaining;   /* body bytes left in the body or the current chunk */
    size_t line_bytes;    /* chunk-size line so far */
    size_t trailer_bytes; /* trailers so far */
    bool has_digit;       /* chunk-size line: at least one hex digit */
};

void sy_h1_parser_init(struct sy_h1_parser *p);

/* Parses a response head from `buf`: all bytes received since the previous
 * head ended (or since the response began). Returns the head's length in
 * bytes and fills `head`, SY_H1_NEED_MORE when the head is not complete yet
 * (call again with the same bytes and more), or SY_H1_MALFORMED. An interim
 * head (status < 200) also returns its length: drop those bytes and call
 * again with what follows. After a final head, the body follows: see
 * sy_h1_is_done() and sy_h1_parse_body(). */
ssize_t sy_h1_parse_head(struct sy_h1_parser *p, const char *buf, size_t len,
                         struct sy_h1_head *head);

/* Decodes body framing at the start of `buf` (after the final head).
 * Returns the number of bytes consumed, or SY_H1_MALFORMED. `*data` is set
 * to the body bytes found, a view into `buf` that always ends where the
 * consumed bytes end (so a caller that cannot take the data yet keeps
 * everything from data->ptr on); it is empty when only framing was read.
 * Consumes nothing once the body is done: bytes left over then do not
 * belong to this response. */
ssize_t sy_h1_parse_body(struct sy_h1_parser *p, const char *buf, size_t len, struct sy_str *data);

/* True once the final head and the whole body were parsed. */
bool sy_h1_is_done(const struct sy_h1_parser *p);

/* The connection was closed by the server. Returns true, and marks the body
 * done, when that properly ends the response (a body read until close, or
 * one already complete); false when the response was cut. */
bool sy_h1_close(struct sy_h1_parser *p);

#endif
