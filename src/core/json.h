/* core/json.h - a zero-allocation JSON validator and scanner.
 *
 * For the pass-through paths, where the gateway only needs to know that a
 * body is JSON, read a few top-level members and splice new values in, and
 * where building a jansson document and serialising it again would cost more
 * than the rest of the request. Nothing here allocates (except
 * sy_json_append_string(), into the caller's buffer), recurses or keeps state
 * between calls: every function may be called from any thread.
 *
 * Validate first, then scan. sy_json_validate() checks the whole text once;
 * the iterators and sy_json_get() then trust it to be well-formed and only
 * skip over values (strings by their quotes, containers by counting
 * brackets outside strings). On text that is not well-formed they return
 * nonsense or stop early, but never read outside the given bytes.
 *
 * Where sy_json_validate() and jansson 2.14 (json_loadb() with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL) disagree, on purpose:
 *
 *  - Numbers are checked against the grammar only. jansson also rejects an
 *    integer outside int64_t ("too big integer") and a real that overflows a
 *    double ("real number overflow"); we accept both, as RFC 8259 does.
 *  - Nesting: we reject more than `max_depth` open containers (at most
 *    SY_JSON_MAX_DEPTH); jansson's limit is 2048 values deep.
 *  - Object keys containing "\u0000": jansson rejects them ("NUL byte in
 *    object key not supported"), RFC 8259 allows them and so do we. Such a
 *    key can never equal the C string given to sy_json_get().
 *  - A raw NUL byte right after a number or literal: jansson 2.14 loses it
 *    (its one-byte push-back cannot hold a NUL), so it accepts "1\0" and
 *    "[true\0]". We reject them, as RFC 8259 does: a bug, not a choice.
 *
 * Everything else matches jansson, including what RFC 8259 leaves open: a
 * lone surrogate escape ("\ud800", "\udc00", or a high one not followed by
 * a low one) is rejected, and "\u0000" in a string value is accepted.
 * Duplicate keys are accepted; sy_json_get() returns the last one, which is
 * the one jansson keeps. */
#ifndef SY_CORE_JSON_H
#define SY_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "core/str.h"

/* The deepest nesting sy_json_validate() accepts, whatever it is asked for. */
#define SY_JSON_MAX_DEPTH 1024

enum sy_json_type {
    SY_JSON_INVALID = 0,
    SY_JSON_NULL,
    SY_JSON_FALSE,
    SY_JSON_TRUE,
    SY_JSON_NUMBER,
    SY_JSON_STRING,
    SY_JSON_ARRAY,
    SY_JSON_OBJECT
};

/* Where and why validation failed. */
struct sy_json_error {
    size_t offset;         /* bytes from the start of the text to the offending byte */
    unsigned line, column; /* 1-based; the column counts bytes */
    const char *reason;    /* a static string, e.g. "unterminated string" */
};

/* Checks that the `len` bytes at `text` hold exactly one JSON value with
 * optional whitespace around it, per RFC 8259: strict UTF-8 (no overlong
 * forms, no UTF-8-encoded surrogates, nothing above U+10FFFF), well-formed
 * escapes (no lone surrogate escape, as in jansson), no raw byte below 0x20
 * in a string, numbers per the grammar, no trailing commas, and at most
 * `max_depth` nested arrays and objects (capped at SY_JSON_MAX_DEPTH; 0
 * allows only a scalar). Returns the type of the value, or SY_JSON_INVALID
 * after filling `*err` when `err` is not NULL. Reads no byte outside
 * `text`, which need not be NUL-terminated. See the top of this file for
 * where it differs from jansson. */
enum sy_json_type sy_json_validate(const char *text, size_t len, unsigned max_depth,
                                   struct sy_json_error *err);

/* One member of an object, as views into the scanned text. */
struct sy_json_member {
    struct sy_str key;   /* the raw bytes between the quotes, escapes not decoded */
    struct sy_str value; /* the raw JSON text of the value, without whitespace around it */
    enum sy_json_type type;
};

/* A position inside an object or array; a plain value, copy it freely. */
struct sy_json_iter {
    const char *p, *end;
};

/* Starts iterating `container`, the raw text of an object or array (with
 * optional whitespace around it) that sy_json_validate() accepted. When it
 * starts with neither '{' nor '[' the iteration is empty. `it` borrows the
 * bytes of `container`. */
void sy_json_iter_init(struct sy_json_iter *it, struct sy_str container);

/* Moves to the next member of an object. Returns true and fills `*out`, or
 * returns false at the end (and on every later call). */
bool sy_json_next_member(struct sy_json_iter *it, struct sy_json_member *out);

/* Moves to the next element of an array. Returns true and fills `*value`
 * with its raw text and `*type` (when not NULL) with its type, or returns
 * false at the end (and on every later call). */
bool sy_json_next_element(struct sy_json_iter *it, struct sy_str *value, enum sy_json_type *type);

/* Finds the last member of the validated object `obj` whose decoded key
 * equals the NUL-terminated `key` ("mod\u0065l" equals "model"). Returns
 * true and fills `*out`, or returns false when there is none or `obj` is
 * not an object. The last one, because that is the member jansson keeps and
 * most parsers act on. */
bool sy_json_get(struct sy_str obj, const char *key, struct sy_json_member *out);

/* Whether `key`, the raw bytes between the quotes of a string in validated
 * text (a member's key as sy_json_member.key holds it, or the inside of a
 * string value), decodes to the `len` bytes at `name`: "mod\u0065l" is
 * "model". Decodes as it compares, so it needs no buffer and has no limit
 * on length. The comparison sy_json_get() makes. */
bool sy_json_key_equals(struct sy_str key, const char *name, size_t len);

/* sy_json_key_equals() with the NUL-terminated `name`, inline so that the
 * usual case, sy_json_key_is(m.key, "model") on a key without escapes, is a
 * length check and a memcmp() of known length. An escape always decodes to
 * fewer bytes than it takes: a key as long as `name` matches only byte for
 * byte, and a shorter one never. */
static inline bool sy_json_key_is(struct sy_str key, const char *name)
{
    size_t len = strlen(name);

    if (key.len <= len)
        return key.len == len && (len == 0 || memcmp(key.ptr, name, len) == 0) &&
               memchr(name, '\\', len) == NULL;
    return sy_json_key_equals(key, name, len);
}

/* Decodes the JSON string literal `value` (raw, quotes included) into the
 * `cap` bytes at `buf` as UTF-8, followed by a NUL. Returns the decoded
 * length, which does not count the NUL and counts any "\u0000" as a byte,
 * or -1 when it does not fit in `cap` or `value` is not a well-formed
 * string literal. */
ssize_t sy_json_string_decode(struct sy_str value, char *buf, size_t cap);

/* Appends the `len` bytes at `s` to `out` as a JSON string literal, quotes
 * included. '"' and '\' are escaped, control characters become \b \f \n \r
 * \t or \u00XX, valid UTF-8 is copied as it is, and each byte that is not
 * part of valid UTF-8 becomes \ufffd, so the result always validates.
 * Aborts on OOM like sy_buf_append(). */
void sy_json_append_string(struct sy_buf *out, const char *s, size_t len);

/* Parses `value`, the raw text of a JSON number, into `*out` when it is a
 * non-negative integer that fits in uint64_t: digits only, no sign, fraction,
 * exponent, leading zero or whitespace. Returns false otherwise. */
bool sy_json_get_uint(struct sy_str value, uint64_t *out);

#endif
