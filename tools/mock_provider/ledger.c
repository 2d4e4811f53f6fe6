/* mock_provider/ledger.c - the record of every request the mock finished, for tests to read.
 *
 * A ring of at most SY__MOCK_LEDGER_CAP entries behind one mutex: two threads record at most a
 * few hundred thousand entries a second, so the lock is not worth avoiding. Each entry keeps
 * the part of its JSON that is known when the request arrives (`tail`, formatted by the worker
 * outside the lock); the numbers are added when it is rendered. */
#include <stdlib.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

/* How the tail of a POST /token entry begins: those are counted apart. */
#define TOKEN_TAIL "\"path\":\"/token\","

static const char *const outcome_names[SY__MOCK_OUTCOME_COUNT] = {
    [SY__MOCK_OUTCOME_OK] = "ok",
    [SY__MOCK_OUTCOME_ERROR] = "error",
    [SY__MOCK_OUTCOME_RESET] = "reset",
    [SY__MOCK_OUTCOME_CLIENT_CLOSED] = "client_closed",
    [SY__MOCK_OUTCOME_MALFORMED] = "malformed",
};

void sy__mock_ledger_init(struct sy__mock_ledger *l)
{
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    l->next_seq = 1;
}

static void free_entries(struct sy__mock_ledger *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->ring[(l->head + i) % l->cap].tail);
    free(l->ring);
    l->ring = NULL;
    l->cap = l->head = l->count = 0;
}

void sy__mock_ledger_dispose(struct sy__mock_ledger *l)
{
    free_entries(l);
    pthread_mutex_destroy(&l->mu);
}

/* Doubles the ring, unwrapping it so that the oldest entry is first. */
static void grow(struct sy__mock_ledger *l)
{
    size_t cap = l->cap == 0 ? 1024 : l->cap * 2;
    struct sy__mock_ledger_entry *ring;

    if (cap > SY__MOCK_LEDGER_CAP)
        cap = SY__MOCK_LEDGER_CAP;
    ring = sy_xcalloc(cap, sizeof(*ring));
    for (size_t i = 0; i < l->count; i++)
        ring[i] = l->ring[(l->head + i) % l->cap];
    free(l->ring);
    l->ring = ring;
    l->cap = cap;
    l->head = 0;
}

void sy__mock_ledger_record(struct sy__mock_ledger *l, char *tail, uint32_t status,
                            enum sy__mock_outcome outcome, uint32_t prompt_tokens,
                            uint32_t completion_tokens)
{
    char *dropped = NULL;

    pthread_mutex_lock(&l->mu);
    if (l->count == l->cap && l->cap < SY__MOCK_LEDGER_CAP)
        grow(l);
    if (l->count == l->cap) {
        dropped = l->ring[l->head].tail;
        l->head = (l->head + 1) % l->cap;
        l->count--;
        l->dropped++;
    }
    l->ring[(l->head + l->count) % l->cap] = (struct sy__mock_ledger_entry){
        .seq = l->next_seq++,
        .tail = tail,
        .status = status,
        .prompt_tokens = prompt_tokens,
        .completion_tokens = completion_tokens,
        .outcome = outcome,
    };
    l->count++;
    l->total_requests++;
    if (strncmp(tail, TOKEN_TAIL, sizeof(TOKEN_TAIL) - 1) == 0)
        l->total_token_requests++;
    l->total_prompt_tokens += prompt_tokens;
    l->total_completion_tokens += completion_tokens;
    pthread_mutex_unlock(&l->mu);
    free(dropped);
}

void sy__mock_ledger_render(struct sy__mock_ledger *l, struct sy_buf *out)
{
    pthread_mutex_lock(&l->mu);
    LIT(out, "{\"requests\":[");
    for (size_t i = 0; i < l->count; i++) {
        const struct sy__mock_ledger_entry *e = &l->ring[(l->head + i) % l->cap];

        if (i > 0)
            LIT(out, ",");
        LIT(out, "{\"seq\":");
        sy__mock_buf_u64(out, e->seq);
        LIT(out, ",\"status\":");
        sy__mock_buf_u64(out, e->status);
        LIT(out, ",\"prompt_tokens\":");
        sy__mock_buf_u64(out, e->prompt_tokens);
        LIT(out, ",\"completion_tokens\":");
        sy__mock_buf_u64(out, e->completion_tokens);
        LIT(out, ",\"outcome\":\"");
        sy__mock_put(out, outcome_names[e->outcome], strlen(outcome_names[e->outcome]));
        LIT(out, "\",");
        sy__mock_put(out, e->tail, strlen(e->tail));
    }
    LIT(out, "],\"totals\":{\"requests\":");
    sy__mock_buf_u64(out, l->total_requests);
    LIT(out, ",\"prompt_tokens\":");
    sy__mock_buf_u64(out, l->total_prompt_tokens);
    LIT(out, ",\"completion_tokens\":");
    sy__mock_buf_u64(out, l->total_completion_tokens);
    LIT(out, ",\"token_requests\":");
    sy__mock_buf_u64(out, l->total_token_requests);
    LIT(out, ",\"dropped\":");
    sy__mock_buf_u64(out, l->dropped);
    LIT(out, "}}");
    pthread_mutex_unlock(&l->mu);
}

void sy__mock_ledger_reset(struct sy__mock_ledger *l)
{
    pthread_mutex_lock(&l->mu);
    free_entries(l);
    l->next_seq = 1;
    l->total_requests = l->total_prompt_tokens = l->total_completion_tokens = l->dropped = 0;
    l->total_token_requests = 0;
    pthread_mutex_unlock(&l->mu);
}

static void quote_or_null(struct sy_buf *out, struct sy_str s)
{
    if (s.ptr == NULL)
        LIT(out, "null");
    else
        sy_json_append_string(out, s.ptr, s.len);
}

char *sy__mock_ledger_tail(const struct sy__mock_http_req *req, struct sy_str model, bool is_stream)
{
    return sy__mock_ledger_tail_key(req, model, is_stream, SY_STR_NULL);
}

char *sy__mock_ledger_tail_key(const struct sy__mock_http_req *req, struct sy_str model,
                               bool is_stream, struct sy_str goog_key)
{
    struct sy_buf out = {0};
    struct sy_str x_api_key = SY_STR_NULL, x_goog_api_key = goog_key;
    bool is_first = true;

    LIT(&out, "\"path\":");
    sy_json_append_string(&out, req != NULL ? req->path.ptr : "", req != NULL ? req->path.len : 0);
    LIT(&out, ",\"model\":");
    quote_or_null(&out, model);
    if (is_stream)
        LIT(&out, ",\"stream\":true,\"authorization\":");
    else
        LIT(&out, ",\"stream\":false,\"authorization\":");
    quote_or_null(&out, req != NULL ? sy__mock_http_header(req, "authorization") : SY_STR_NULL);
    LIT(&out, ",\"api_key\":");
    quote_or_null(&out, req != NULL ? sy__mock_http_header(req, "api-key") : SY_STR_NULL);
    LIT(&out, ",\"headers\":{");
    for (size_t i = 0; req != NULL && i < req->header_count; i++) {
        struct sy_str name = req->headers[i].name;
        char lower[256];

        if (name.len < 2 || name.len > sizeof(lower) || strncasecmp(name.ptr, "x-", 2) != 0)
            continue;
        /* A repeated header would make a duplicate key: keep its last value only. */
        bool is_repeated = false;
        for (size_t j = i + 1; j < req->header_count; j++)
            is_repeated |= sy_str_eq_nocase(req->headers[j].name, name);
        if (is_repeated)
            continue;
        /* The other providers' key headers are x-* too: picked up on the way. */
        if (name.len == 9 && strncasecmp(name.ptr, "x-api-key", 9) == 0)
            x_api_key = req->headers[i].value;
        else if (name.len == 14 && strncasecmp(name.ptr, "x-goog-api-key", 14) == 0)
            x_goog_api_key = req->headers[i].value;
        for (size_t k = 0; k < name.len; k++) {
            char c = name.ptr[k];
            lower[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        if (!is_first)
            LIT(&out, ",");
        is_first = false;
        sy_json_append_string(&out, lower, name.len);
        LIT(&out, ":");
        sy_json_append_string(&out, req->headers[i].value.ptr, req->headers[i].value.len);
    }
    LIT(&out, "},\"x_api_key\":");
    quote_or_null(&out, x_api_key);
    LIT(&out, ",\"x_goog_api_key\":");
    quote_or_null(&out, x_goog_api_key);
    LIT(&out, "}");
    return out.ptr;
}
