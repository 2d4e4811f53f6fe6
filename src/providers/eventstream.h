/* providers/eventstream.h - incremental decoder of AWS event-stream framing.
 *
 * The binary framing of "application/vnd.amazon.eventstream" (Bedrock's
 * ConverseStream, Transcribe, S3 Select ...). Each message is, big-endian:
 *
 *     total length u32 | headers length u32 | prelude CRC32 (of the 8 bytes before)
 *     headers | payload | message CRC32 (of every byte before it)
 *
 * and each header is: name length u8 (1..255), name, value type u8, value:
 * 0 true and 1 false (no bytes), 2 byte (1), 3 short (2), 4 int (4), 5 long
 * (8), 6 bytes and 7 string (u16 length + bytes), 8 timestamp (8), 9 uuid
 * (16). CRC32 is zlib's (the gzip one). Total overhead is 16 bytes.
 *
 * Feed bytes as they arrive, split anywhere: the messages that come out, and
 * the error that ends decoding, do not depend on where reads split. A message
 * is only handed over once both CRCs match; a bad CRC, a length that does not
 * add up, an unknown header type or a header running past its section is
 * malformed; a total length over max_message_bytes is too large. Either
 * stops the decoder for good. Pure: no I/O, no clock, no globals. */
#ifndef SY_PROVIDERS_EVENTSTREAM_H
#define SY_PROVIDERS_EVENTSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* One decoded message. Views into the fed bytes or the decoder's buffer,
 * valid only during the callback. Absent headers, and headers of another
 * type than string, are empty views. */
struct sy_eventstream_message {
    struct sy_str message_type;   /* ":message-type": "event", "exception" or "error" */
    struct sy_str event_type;     /* ":event-type", e.g. "contentBlockDelta" */
    struct sy_str exception_type; /* ":exception-type", e.g. "throttlingException" */
    struct sy_str content_type;   /* ":content-type", e.g. "application/json" */
    struct sy_str error_code;     /* ":error-code" (message type "error") */
    struct sy_str error_message;  /* ":error-message" (message type "error") */
    struct sy_str payload;
    size_t headers_count; /* every header, of any type */
};

/* Called once per message. Returns 0 to continue, anything else to stop:
 * sy_eventstream_feed() then returns that value and keeps returning it. */
typedef int sy_eventstream_message_fn(const struct sy_eventstream_message *msg, void *ctx);

/* Private fields: use the functions below. */
struct sy_eventstream_decoder {
    size_t max_message_bytes; /* ceiling on one message's total length */
    struct sy_buf pending;    /* an unfinished message carried over from earlier feeds */
    size_t pending_total;     /* its total length, once its prelude is checked; else 0 */
    int failed;               /* 0, or what sy_eventstream_feed() returned for good */
};

#define SY_EVENTSTREAM_MALFORMED (-1)
#define SY_EVENTSTREAM_TOO_LARGE (-2)

/* The smallest message: prelude, two CRCs, no header, no payload. */
#define SY_EVENTSTREAM_MIN_BYTES 16

/* `max_message_bytes` below 16 is raised to 16. */
void sy_eventstream_init(struct sy_eventstream_decoder *d, size_t max_message_bytes);

/* Decodes `len` bytes, calling `cb` for each complete message. Returns 0, or
 * SY_EVENTSTREAM_MALFORMED / SY_EVENTSTREAM_TOO_LARGE, or the nonzero value
 * `cb` returned; after a nonzero return every later call returns the same
 * value without looking at its bytes. Copies at most one message's bytes, and
 * only the part of a message that a feed leaves unfinished. */
int sy_eventstream_feed(struct sy_eventstream_decoder *d, const char *data, size_t len,
                        sy_eventstream_message_fn *cb, void *ctx);

/* True when bytes of an unfinished message are buffered: a stream that ends
 * here was cut mid-message. */
bool sy_eventstream_has_partial(const struct sy_eventstream_decoder *d);

void sy_eventstream_dispose(struct sy_eventstream_decoder *d);

#endif
