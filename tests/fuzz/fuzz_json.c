/* tests/fuzz/fuzz_json.c - the JSON validator and scanner against arbitrary
 * bytes, with jansson as the oracle.
 *
 * Beyond "no crash, no leak":
 *  1. sy_json_validate() and json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL)
 *     accept the same inputs, except where core/json.h documents that they
 *     differ (numbers jansson cannot represent, nesting between our limit and
 *     jansson's, NUL in object keys, the NUL jansson loses after a number or
 *     literal); then the comparison is skipped.
 *  2. On accepted input, every container reachable from the top (up to a
 *     budget) is walked: each member or element re-validates alone to the
 *     type the iterator reported, each object key finds, through
 *     sy_json_get(), the last member whose key decodes the same, and each
 *     string survives decode -> sy_json_append_string() -> decode unchanged.
 *  3. On rejected input the scanner still runs, to show that it never reads
 *     outside the bytes even when its precondition is broken.
 * The input is an exact-size heap copy, so ASan sees any over-read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json.h"

#define MAX_DEPTH   SY_JSON_MAX_DEPTH
#define MAX_VISITS  256 /* containers walked per input */
#define DECODE_SIZE 8192

static char decoded[DECODE_SIZE], decoded_again[DECODE_SIZE];

/* Whether jansson's error is one core/json.h lists as a known difference. */
static bool is_documented_difference(const char *jansson_error)
{
    return strstr(jansson_error, "too big") != NULL || strstr(jansson_error, "overflow") != NULL ||
           strstr(jansson_error, "maximum parsing depth") != NULL ||
           strstr(jansson_error, "NUL byte in object key") != NULL;
}

/* Checks that string literal `s` decodes, and that re-encoding the result
 * gives a literal that validates and decodes to the same bytes. */
static void check_string_round_trip(struct sy_str s)
{
    struct sy_buf out = {0};
    ssize_t len = sy_json_string_decode(s, decoded, sizeof(decoded));
    ssize_t len_again;

    if (len < 0) {
        if (s.len < sizeof(decoded) / 2)
            abort(); /* a validated string literal must decode */
        return;
    }
    sy_json_append_string(&out, decoded, (size_t)len);
    if (sy_json_validate(out.ptr, out.len, 0, NULL) != SY_JSON_STRING)
        abort();
    len_again = sy_json_string_decode((struct sy_str){out.ptr, out.len}, decoded_again,
                                      sizeof(decoded_again));
    if (len_again != len || memcmp(decoded, decoded_again, (size_t)len) != 0)
        abort();
    sy_buf_dispose(&out);
}

/* Returns the decoded `key` in `buf` when it has no NUL (sy_json_get() takes
 * a C string), else NULL. */
static const char *key_as_c_string(struct sy_str key, char *buf, size_t cap)
{
    struct sy_str literal = {key.ptr - 1, key.len + 2}; /* with the quotes */
    ssize_t len = sy_json_string_decode(literal, buf, cap);

    if (len < 0 || memchr(buf, '\0', (size_t)len) != NULL)
        return NULL;
    return buf;
}

static void check_object(struct sy_str obj, struct sy_str *todo, size_t *todo_count)
{
    static char key[DECODE_SIZE], other[DECODE_SIZE];
    struct sy_json_iter it;
    struct sy_json_member m;

    sy_json_iter_init(&it, obj);
    while (sy_json_next_member(&it, &m)) {
        struct sy_json_iter later = it;
        struct sy_json_member last = m, found, n;

        if (sy_json_validate(m.value.ptr, m.value.len, MAX_DEPTH, NULL) != m.type)
            abort();
        check_string_round_trip((struct sy_str){m.key.ptr - 1, m.key.len + 2});
        if (m.type == SY_JSON_STRING)
            check_string_round_trip(m.value);
        if ((m.type == SY_JSON_OBJECT || m.type == SY_JSON_ARRAY) && *todo_count < MAX_VISITS)
            todo[(*todo_count)++] = m.value;
        if (key_as_c_string(m.key, key, sizeof(key)) == NULL)
            continue;
        /* The member sy_json_get() must find: the last one with this key. */
        while (sy_json_next_member(&later, &n)) {
            const char *k = key_as_c_string(n.key, other, sizeof(other));

            if (k != NULL && strcmp(k, key) == 0)
                last = n;
        }
        if (!sy_json_get(obj, key, &found) || found.value.ptr != last.value.ptr ||
            found.value.len != last.value.len || found.type != last.type)
            abort();
    }
}

static void check_array(struct sy_str arr, struct sy_str *todo, size_t *todo_count)
{
    struct sy_json_iter it;
    struct sy_str v;
    enum sy_json_type type;

    sy_json_iter_init(&it, arr);
    while (sy_json_next_element(&it, &v, &type)) {
        if (sy_json_validate(v.ptr, v.len, MAX_DEPTH, NULL) != type)
            abort();
        if (type == SY_JSON_STRING)
            check_string_round_trip(v);
        if ((type == SY_JSON_OBJECT || type == SY_JSON_ARRAY) && *todo_count < MAX_VISITS)
            todo[(*todo_count)++] = v;
    }
}

/* Runs the scanner over text that may not be valid: only memory safety and
 * termination are checked (ASan and libFuzzer's timeout). */
static void scan_anyway(struct sy_str text)
{
    struct sy_json_iter it;
    struct sy_json_member m;
    struct sy_str v;
    uint64_t n;

    sy_json_iter_init(&it, text);
    while (sy_json_next_member(&it, &m)) {
        (void)sy_json_string_decode(m.value, decoded, sizeof(decoded));
        (void)sy_json_get_uint(m.value, &n);
    }
    sy_json_iter_init(&it, text);
    while (sy_json_next_element(&it, &v, NULL))
        (void)sy_json_get(v, "model", &m);
    (void)sy_json_get(text, "model", &m);
    (void)sy_json_string_decode(text, decoded, sizeof(decoded));
}

/* jansson 2.14 loses a NUL byte that directly follows a number or a
 * literal: its one-byte push-back cannot hold a NUL, so "[1\0]" loads as
 * [1] (documented in core/json.h). Returns whether our verdict on `text`
 * with those NULs dropped is "valid". */
static bool is_valid_without_swallowed_nuls(const char *text, size_t size)
{
    char *copy = malloc(size > 0 ? size : 1);
    size_t len = 0;
    bool valid;

    if (copy == NULL)
        abort();
    for (size_t i = 0; i < size; i++) {
        bool after_token_char = i > 0 && ((text[i - 1] >= '0' && text[i - 1] <= '9') ||
                                          (text[i - 1] >= 'a' && text[i - 1] <= 'z') ||
                                          (text[i - 1] >= 'A' && text[i - 1] <= 'Z'));

        if (text[i] != '\0' || !after_token_char)
            copy[len++] = text[i];
    }
    valid = sy_json_validate(copy, len, MAX_DEPTH, NULL) != SY_JSON_INVALID;
    free(copy);
    return valid;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct sy_str trim(struct sy_str s)
{
    while (s.len > 0 && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sy_str todo[MAX_VISITS];
    char *text = malloc(size > 0 ? size : 1);
    struct sy_json_error err = {0};
    enum sy_json_type type;
    json_error_t jerr;
    json_t *doc;
    size_t todo_count = 0;

    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    type = sy_json_validate(text, size, MAX_DEPTH, &err);
    if (type == SY_JSON_INVALID &&
        (err.reason == NULL || err.offset > size || err.line == 0 || err.column == 0))
        abort();

    doc = json_loadb(text, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if ((doc != NULL) != (type != SY_JSON_INVALID)) {
        bool skip = doc == NULL ? is_documented_difference(jerr.text)
                                : strcmp(err.reason, "nesting too deep") == 0 ||
                                      (memchr(text, '\0', size) != NULL &&
                                       is_valid_without_swallowed_nuls(text, size));

        if (!skip)
            abort();
    }
    json_decref(doc);

    if (type == SY_JSON_INVALID) {
        scan_anyway((struct sy_str){text, size});
        free(text);
        return 0;
    }
    if (type == SY_JSON_STRING)
        check_string_round_trip(trim((struct sy_str){text, size}));
    if (type == SY_JSON_OBJECT || type == SY_JSON_ARRAY)
        todo[todo_count++] = (struct sy_str){text, size};
    for (size_t i = 0; i < todo_count; i++) {
        if (sy_json_validate(todo[i].ptr, todo[i].len, MAX_DEPTH, NULL) == SY_JSON_OBJECT)
            check_object(todo[i], todo, &todo_count);
        else
            check_array(todo[i], todo, &todo_count);
    }
    free(text);
    return 0;
}
