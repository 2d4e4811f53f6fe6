/* mock_provider/script.c - streams decided whole in advance, for the other providers' formats
 * (pure).
 *
 * The OpenAI stream (openai.c) writes each event when it is due, so that a long answer never
 * sits in memory whole; it is what the benchmarks measure. The other formats have more kinds
 * of events (Anthropic's blocks, Bedrock's binary frames) and are used by tests, so they write
 * every byte up front and mark where each step ends; server.c paces the steps exactly as it
 * paces the OpenAI ones, by their kind. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "core/alloc.h"
#include "mock_provider/mock_provider_int.h"

struct sy__mock_script *sy__mock_script_new(void)
{
    return sy_xcalloc(1, sizeof(struct sy__mock_script));
}

void sy__mock_script_step(struct sy__mock_script *sc, enum sy__mock_step kind, uint32_t tokens)
{
    if (sc->count == sc->cap) {
        sc->cap = sc->cap == 0 ? 16 : sc->cap * 2;
        sc->steps = sy_xrealloc(sc->steps, sc->cap * sizeof(*sc->steps));
    }
    sc->steps[sc->count++] = (struct sy__mock_script_step){
        .kind = kind,
        .tokens = tokens,
        .off = sc->mark,
        .len = sc->bytes.len - sc->mark,
    };
    sc->mark = sc->bytes.len;
    if (sc->count == 1 && kind == SY__MOCK_STEP_ROLE)
        sc->has_role = true;
    if (kind == SY__MOCK_STEP_CONTENT)
        sc->has_content = true;
}

void sy__mock_script_attach(struct sy__mock_stream *s, struct sy__mock_script *sc)
{
    memset(s, 0, sizeof(*s));
    s->script = sc;
    sc->next = 0;
    s->next = sc->count > 0 ? sc->steps[0].kind : SY__MOCK_STEP_END;
}

enum sy__mock_step sy__mock_script_emit(struct sy__mock_stream *s, struct sy_buf *out)
{
    struct sy__mock_script *sc = s->script;
    const struct sy__mock_script_step *st;
    char size[24];
    int n;

    if (sc->next >= sc->count)
        return SY__MOCK_STEP_END;
    st = &sc->steps[sc->next++];
    if (st->len > 0) {
        n = snprintf(size, sizeof(size), "%zx\r\n", st->len);
        sy__mock_put(out, size, (size_t)n);
        sy__mock_put(out, sc->bytes.ptr + st->off, st->len);
        sy__mock_put(out, "\r\n", 2);
    }
    s->tokens_sent += st->tokens;
    if (sc->next < sc->count) {
        s->next = sc->steps[sc->next].kind;
    } else {
        SY__MOCK_PUT_LIT(out, "0\r\n\r\n"); /* the last chunk */
        s->next = SY__MOCK_STEP_END;
    }
    return st->kind;
}

void sy__mock_script_free(struct sy__mock_script *sc)
{
    if (sc == NULL)
        return;
    sy_buf_dispose(&sc->bytes);
    free(sc->steps);
    free(sc);
}

/* ---- Pieces ---------------------------------------------------------------------------- */

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_char_start(const char *text, size_t i)
{
    return ((unsigned char)text[i] & 0xc0) != 0x80;
}

void sy__mock_pieces_init(struct sy__mock_pieces *p, struct sy_str text, uint32_t chunks)
{
    memset(p, 0, sizeof(*p));
    p->text = text.ptr != NULL ? text.ptr : "";
    p->len = text.len;
    if (chunks > 0) {
        p->is_by_chars = true;
        for (size_t i = 0; i < p->len; i++)
            p->chars += is_char_start(p->text, i);
        p->count = (uint32_t)(chunks < p->chars ? chunks : p->chars);
    } else {
        p->count = sy__mock_count_words(p->text, p->len);
        if (p->count == 0 && p->len > 0)
            p->count = 1; /* whitespace only: one piece, no words */
    }
}

bool sy__mock_pieces_next(struct sy__mock_pieces *p, struct sy_str *piece, uint32_t *words)
{
    const char *t = p->text;
    size_t start = p->pos, end = p->pos;
    uint32_t n;

    if (p->done >= p->count)
        return false;
    if (p->done + 1 == p->count) {
        end = p->len;
    } else if (!p->is_by_chars) {
        /* The word and the whitespace after it (and, first, any before it). */
        while (end < p->len && is_space(t[end]))
            end++;
        while (end < p->len && !is_space(t[end]))
            end++;
        while (end < p->len && is_space(t[end]))
            end++;
    } else {
        size_t target = (size_t)(((uint64_t)p->done + 1) * p->chars / p->count);

        for (size_t c = p->chars_done; c < target; c++) {
            end++;
            while (end < p->len && !is_char_start(t, end))
                end++;
        }
    }
    if (p->is_by_chars) {
        for (size_t i = start; i < end; i++)
            p->chars_done += is_char_start(t, i);
    }
    n = sy__mock_count_words(t + start, end - start);
    if (start > 0 && !is_space(t[start - 1]) && start < end && !is_space(t[start]))
        n--; /* the piece begins inside a word already counted */
    p->pos = end;
    p->done++;
    *piece = (struct sy_str){t + start, end - start};
    *words = n;
    return true;
}

/* ---- Hashes ---------------------------------------------------------------------------- */

void sy__mock_sha256_hex(struct sy_buf *out, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char text[2 * EVP_MAX_MD_SIZE];

    EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < md_len; i++) {
        text[2 * i] = hex[md[i] >> 4];
        text[2 * i + 1] = hex[md[i] & 15];
    }
    sy__mock_put(out, text, 2 * (size_t)md_len);
}
