/* tests/fuzz/fuzz_h1_parse.c - the HTTP/1.1 response parser against arbitrary upstream bytes.
 *
 * Beyond "no crash, no leak": where reads split must not change what comes
 * out, because TCP decides that, not the provider. The input is fed the way
 * upstream/h1.c feeds it (head bytes kept until the head is complete, body
 * decoded as it comes, then the connection closes) in one piece, in two and
 * in three pieces at cut points drawn from the input, and byte by byte when
 * short. Each run records the final status, the headers we read, the
 * framing, the decoded body (digested), the bytes left after the response
 * and how it ended; any difference aborts. Every piece is an exact-size heap
 * copy freed after use, so ASan sees a read past a piece or a view kept too
 * long. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/h1_parse.h"

enum end { END_DONE, END_CUT, END_MALFORMED };

struct outcome {
    enum end end;
    int status;
    int interim;
    enum sy_h1_framing framing;
    uint64_t content_length;
    bool is_keep_alive;
    uint64_t head_digest; /* content-type and retry-after */
    uint64_t body_digest;
    uint64_t body_len;
    size_t extra;
};

/* FNV-1a over a byte stream: the same whatever pieces it comes in. */
static uint64_t digest_stream(uint64_t h, const void *data, size_t len)
{
    const unsigned char *s = data;

    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* Length first, so that "ab" + "c" and "a" + "bc" differ. */
static uint64_t digest(uint64_t h, const void *data, size_t len)
{
    const unsigned char *s = data;

    h ^= len;
    h *= 0x100000001b3u;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static uint64_t digest_view(uint64_t h, struct sy_str s)
{
    return s.ptr == NULL ? digest(h, "\xff", 1) : digest(h, s.ptr, s.len);
}

/* The head bytes the caller keeps: an exact-size heap copy each time. */
struct kept {
    char *ptr;
    size_t len;
};

static void kept_append(struct kept *k, const char *data, size_t len)
{
    char *next = malloc(k->len + len > 0 ? k->len + len : 1);

    if (next == NULL)
        abort();
    if (k->len > 0)
        memcpy(next, k->ptr, k->len);
    if (len > 0)
        memcpy(next + k->len, data, len);
    free(k->ptr);
    k->ptr = next;
    k->len += len;
}

static void kept_drop(struct kept *k, size_t n)
{
    struct kept rest = {0};

    kept_append(&rest, k->ptr + n, k->len - n);
    free(k->ptr);
    *k = rest;
}

/* Decodes body bytes; returns false when malformed. */
static bool feed_body(struct sy_h1_parser *p, const char *data, size_t len, struct outcome *o)
{
    while (len > 0 && !sy_h1_is_done(p)) {
        struct sy_str body;
        ssize_t used = sy_h1_parse_body(p, data, len, &body);

        if (used < 0)
            return false;
        if ((size_t)used > len || body.len > (size_t)used ||
            (body.len > 0 && body.ptr + body.len != data + used))
            abort(); /* the contract in h1_parse.h */
        if (used == 0)
            abort(); /* no progress while not done: h1.c would spin */
        o->body_digest = digest_stream(o->body_digest, body.ptr, body.len);
        o->body_len += body.len;
        data += used;
        len -= (size_t)used;
    }
    o->extra += len;
    return true;
}

static struct outcome run(const uint8_t *data, size_t size, const size_t *cuts, size_t cut_count)
{
    struct outcome o;
    struct sy_h1_parser p;
    struct kept head_bytes = {0};
    bool head_done = false;
    size_t from = 0;

    memset(&o, 0, sizeof(o));
    o.body_digest = o.head_digest = 0xcbf29ce484222325u;
    sy_h1_parser_init(&p);
    for (size_t k = 0; k <= cut_count; k++) {
        size_t to = k < cut_count ? cuts[k] : size;
        size_t n = to - from;
        char *piece = malloc(n > 0 ? n : 1);

        if (piece == NULL)
            abort();
        if (n > 0)
            memcpy(piece, data + from, n);
        from = to;
        if (head_done) {
            bool ok = feed_body(&p, piece, n, &o);
            free(piece);
            if (!ok) {
                o.end = END_MALFORMED;
                goto out;
            }
            continue;
        }
        kept_append(&head_bytes, piece, n);
        free(piece);
        for (;;) {
            struct sy_h1_head head;
            ssize_t used = sy_h1_parse_head(&p, head_bytes.ptr, head_bytes.len, &head);

            if (used == SY_H1_NEED_MORE)
                break;
            if (used < 0 || used == 0 || (size_t)used > head_bytes.len) {
                if (used >= 0)
                    abort();
                o.end = END_MALFORMED;
                goto out;
            }
            if (head.status < 200) {
                o.interim++;
                kept_drop(&head_bytes, (size_t)used);
                continue;
            }
            head_done = true;
            o.status = head.status;
            o.framing = head.framing;
            o.content_length = head.framing == SY_H1_FRAMING_LENGTH ? head.content_length : 0;
            o.is_keep_alive = head.is_keep_alive;
            o.head_digest = digest_view(o.head_digest, head.content_type);
            o.head_digest = digest_view(o.head_digest, head.retry_after);
            if (head.headers_count > SY_H1_MAX_HEADERS || (size_t)used > SY_H1_MAX_HEAD_BYTES)
                abort();
            kept_drop(&head_bytes, (size_t)used);
            if (!feed_body(&p, head_bytes.ptr, head_bytes.len, &o)) {
                o.end = END_MALFORMED;
                goto out;
            }
            break;
        }
    }
    o.end = head_done && sy_h1_close(&p) ? END_DONE : END_CUT;
    if (o.end == END_DONE && o.framing == SY_H1_FRAMING_LENGTH && o.body_len != o.content_length)
        abort();
    if (o.framing == SY_H1_FRAMING_LENGTH && o.body_len > o.content_length)
        abort();
out:
    free(head_bytes.ptr);
    if (o.end == END_MALFORMED) {
        /* How far a malformed response got may depend on the reads; that it
         * is malformed may not. */
        struct outcome m = {.end = END_MALFORMED};
        return m;
    }
    return o;
}

static void same_or_abort(const struct outcome *a, const struct outcome *b)
{
    if (a->end != b->end || a->status != b->status || a->interim != b->interim ||
        a->framing != b->framing || a->content_length != b->content_length ||
        a->is_keep_alive != b->is_keep_alive || a->head_digest != b->head_digest ||
        a->body_digest != b->body_digest || a->body_len != b->body_len || a->extra != b->extra)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct outcome whole = run(data, size, NULL, 0), split;
    uint64_t h = digest(0xcbf29ce484222325u, data, size);
    size_t cuts[2];

    cuts[0] = size / 2;
    split = run(data, size, cuts, 1);
    same_or_abort(&whole, &split);

    cuts[0] = (size_t)(h % (size + 1));
    split = run(data, size, cuts, 1);
    same_or_abort(&whole, &split);

    cuts[0] = (size_t)(h % (size + 1));
    cuts[1] = (size_t)((h >> 32) % (size + 1));
    if (cuts[0] > cuts[1]) {
        size_t t = cuts[0];
        cuts[0] = cuts[1];
        cuts[1] = t;
    }
    split = run(data, size, cuts, 2);
    same_or_abort(&whole, &split);

    if (size <= 512) {
        size_t every[512];
        for (size_t i = 0; i + 1 < size; i++)
            every[i] = i + 1;
        split = run(data, size, every, size > 0 ? size - 1 : 0);
        same_or_abort(&whole, &split);
    }
    return 0;
}
