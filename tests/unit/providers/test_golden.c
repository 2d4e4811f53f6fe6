/* tests/unit/providers/test_golden.c - golden translation cases, as data files.
 *
 * tests/unit/providers/cases/<kind>/ holds, per case NAME (any of):
 *   NAME.request.json   an OpenAI client request (chat unless NAME starts with
 *                       "completions_" or "embeddings_"; "stream": true makes
 *                       it a streamed request)
 *   NAME.upstream.json  what the kind must send upstream for it (JSON-equal)
 *   NAME.response.json  a whole 2xx upstream answer
 *   NAME.client.json    what the client must get for it (JSON-equal)
 *   NAME.stream         an upstream stream, as bytes on the wire
 *   NAME.client.sse     what the client must get for it: the same events, each
 *                       data payload JSON-equal ("[DONE]" compared as text)
 * The alias the client asked for is always "alias", the upstream model id
 * "upstream-model". Adding a case adds files, not C. The same files seed the
 * fuzz corpora. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "config/config.h"
#include "core/json.h"
#include "core/pool.h"
#include "providers/provider.h"

#define CASES "tests/unit/providers/cases"

static int failures;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void report(const char *file, const char *what, const char *got)
{
    fprintf(stderr, "golden: %s: %s\n  got: %s\n", file, what, got != NULL ? got : "(nothing)");
    failures++;
}

/* Compares JSON texts; reports `file` when they differ. */
static void expect_json(const char *file, const char *want_text, const char *got, size_t got_len)
{
    json_t *want = json_loads(want_text, 0, NULL);
    json_t *have = json_loadb(got, got_len, 0, NULL);

    if (want == NULL)
        report(file, "the expected file is not JSON", want_text);
    else if (have == NULL || !json_equal(want, have))
        report(file, "differs from what the kind produced", got);
    json_decref(want);
    json_decref(have);
}

static enum sy_endpoint endpoint_of(const char *name)
{
    if (strncmp(name, "completions_", 12) == 0)
        return SY_EP_COMPLETIONS;
    if (strncmp(name, "embeddings_", 11) == 0)
        return SY_EP_EMBEDDINGS;
    return SY_EP_CHAT;
}

static struct sy_config_provider provider_for(enum sy_provider_kind kind)
{
    struct sy_config_provider p = {
        .name = "golden",
        .kind = kind,
        .base_url = "http://upstream.test/v1",
        .api_key = "sk-golden",
        .api_version = kind == SY_KIND_ANTHROPIC ? "2023-06-01" : "2024-10-21",
        .region = "us-east-1",
        .project = "golden-project",
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };

    return p;
}

/* Scans an OpenAI request like api/proxy.c's decode stage. */
static bool scan_request(const char *body, size_t len, struct sy_client_request *c)
{
    struct sy_json_iter it;
    struct sy_json_member m;

    memset(c, 0, sizeof(*c));
    if (sy_json_validate(body, len, 128, NULL) != SY_JSON_OBJECT)
        return false;
    c->raw = (struct sy_str){body, len};
    sy_json_iter_init(&it, c->raw);
    while (sy_json_next_member(&it, &m)) {
        if (sy_str_eq_c(m.key, "model") && c->model_values_count < 4)
            c->model_values[c->model_values_count++] = m.value;
        else if (sy_str_eq_c(m.key, "stream"))
            c->is_stream = m.type == SY_JSON_TRUE;
        else if (sy_str_eq_c(m.key, "stream_options") && m.type == SY_JSON_OBJECT) {
            struct sy_json_member u;
            c->stream_options = m.value;
            c->include_usage = sy_json_get(m.value, "include_usage", &u) && u.type == SY_JSON_TRUE;
        }
    }
    return true;
}

static void run_request(const struct sy_provider *prov, const char *dir, const char *name)
{
    char path[512], want_path[512];
    size_t len, want_len;
    char *body, *want;
    struct sy_client_request creq;
    struct sy_config_provider cfg = provider_for(prov->kind);
    struct sy_pool *pool = sy_pool_new();
    struct sy_upstream_call out = {0};

    snprintf(path, sizeof(path), "%s/%s.request.json", dir, name);
    snprintf(want_path, sizeof(want_path), "%s/%s.upstream.json", dir, name);
    body = slurp(path, &len);
    want = slurp(want_path, &want_len);
    if (body == NULL || want == NULL) {
        report(path, "needs both NAME.request.json and NAME.upstream.json", NULL);
    } else if (!scan_request(body, len, &creq)) {
        report(path, "is not a JSON object", body);
    } else {
        struct sy_build_ctx ctx = {.pool = pool,
                                   .ep = endpoint_of(name),
                                   .prov = &cfg,
                                   .upstream_model = "upstream-model",
                                   .creq = &creq,
                                   .now_unix = 1700000000,
                                   .access_token = "ya29.golden-token"};
        if (prov->build(&ctx, &out) != SY_OK)
            report(path, "build() refused it", NULL);
        else
            expect_json(want_path, want, out.body.ptr, out.body.len);
    }
    free(body);
    free(want);
    sy_pool_free(pool);
}

static void run_response(const struct sy_provider *prov, const char *dir, const char *name)
{
    char path[512], want_path[512];
    size_t len, want_len;
    char *body, *want;
    struct sy_buf out = {0};
    struct sy_usage usage = {0};

    snprintf(path, sizeof(path), "%s/%s.response.json", dir, name);
    snprintf(want_path, sizeof(want_path), "%s/%s.client.json", dir, name);
    body = slurp(path, &len);
    want = slurp(want_path, &want_len);
    if (body == NULL || want == NULL)
        report(path, "needs both NAME.response.json and NAME.client.json", NULL);
    else if (prov->translate_response(endpoint_of(name), "alias", body, len, &out, &usage) != SY_OK)
        report(path, "translate_response() refused it", NULL);
    else
        expect_json(want_path, want, out.ptr, out.len);
    free(body);
    free(want);
    sy_buf_dispose(&out);
}

/* Collects the data payloads of an SSE text. */
struct events {
    char **data;
    size_t count;
};

static int collect(const struct sy_sse_event *ev, void *arg)
{
    struct events *e = arg;

    e->data = realloc(e->data, (e->count + 1) * sizeof(char *));
    e->data[e->count++] = strndup(ev->data.ptr, ev->data.len);
    return 0;
}

static void parse_sse(const char *text, size_t len, struct events *e)
{
    struct sy_sse_parser p;

    sy_sse_init(&p, 1 << 20);
    sy_sse_feed(&p, text, len, collect, e);
    sy_sse_dispose(&p);
}

static void free_events(struct events *e)
{
    for (size_t i = 0; i < e->count; i++)
        free(e->data[i]);
    free(e->data);
}

/* Feeds `stream` whole, then split in two at every 7th byte, and checks that
 * every split gives the same client events. */
static void run_stream(const struct sy_provider *prov, const char *dir, const char *name)
{
    char path[512], want_path[512];
    size_t len, want_len;
    char *bytes = NULL, *want_text = NULL;

    snprintf(path, sizeof(path), "%s/%s.stream", dir, name);
    snprintf(want_path, sizeof(want_path), "%s/%s.client.sse", dir, name);
    bytes = slurp(path, &len);
    want_text = slurp(want_path, &want_len);
    if (bytes == NULL || want_text == NULL) {
        report(path, "needs both NAME.stream and NAME.client.sse", NULL);
        goto out;
    }
    struct events want = {0};
    parse_sse(want_text, want_len, &want);
    for (size_t cut = len; cut + 7 > 7; cut = cut >= 7 ? cut - 7 : 0) {
        struct sy_pool *pool = sy_pool_new();
        struct sy_stream_state st = {.alias = "alias",
                                     .pool = pool,
                                     .max_event_bytes = 1 << 20,
                                     .client_wants_usage = strstr(name, "usage") != NULL};
        struct sy_buf out = {0};
        struct events got = {0};

        sy_sse_init(&st.sse, st.max_event_bytes);
        if (prov->stream_feed(&st, endpoint_of(name), bytes, cut, &out) == SY_STREAM_CONTINUE &&
            cut < len)
            prov->stream_feed(&st, endpoint_of(name), bytes + cut, len - cut, &out);
        parse_sse(out.ptr != NULL ? out.ptr : "", out.len, &got);
        bool same = got.count == want.count;
        for (size_t i = 0; same && i < got.count; i++) {
            if (strcmp(want.data[i], "[DONE]") == 0 || strcmp(got.data[i], "[DONE]") == 0) {
                same = strcmp(want.data[i], got.data[i]) == 0;
            } else {
                json_t *a = json_loads(want.data[i], 0, NULL),
                       *b = json_loads(got.data[i], 0, NULL);
                same = a != NULL && b != NULL && json_equal(a, b);
                json_decref(a);
                json_decref(b);
            }
        }
        if (!same) {
            char what[64];
            snprintf(what, sizeof(what), "differs when split at byte %zu", cut);
            report(want_path, what, out.ptr);
        }
        free_events(&got);
        sy_buf_dispose(&out);
        sy_sse_dispose(&st.sse);
        sy_pool_free(pool);
        if (!same || cut == 0)
            break;
    }
    free_events(&want);
out:
    free(bytes);
    free(want_text);
}

static bool ends_with(const char *s, const char *suffix, char *stem, size_t cap)
{
    size_t n = strlen(s), m = strlen(suffix);

    if (n <= m || strcmp(s + n - m, suffix) != 0 || n - m >= cap)
        return false;
    memcpy(stem, s, n - m);
    stem[n - m] = '\0';
    return true;
}

static void every_case_of_every_kind_translates_as_recorded(void **state)
{
    size_t cases = 0;

    (void)state;
    for (int k = 0; k < SY_KIND_COUNT; k++) {
        const struct sy_provider *prov = sy_provider_get((enum sy_provider_kind)k);
        char dir[256];
        DIR *d;
        struct dirent *ent;

        snprintf(dir, sizeof(dir), CASES "/%s", sy_provider_kind_name((enum sy_provider_kind)k));
        if (prov == NULL || (d = opendir(dir)) == NULL)
            continue;
        while ((ent = readdir(d)) != NULL) {
            char stem[256];
            if (ends_with(ent->d_name, ".request.json", stem, sizeof(stem)))
                run_request(prov, dir, stem);
            else if (ends_with(ent->d_name, ".response.json", stem, sizeof(stem)))
                run_response(prov, dir, stem);
            else if (ends_with(ent->d_name, ".stream", stem, sizeof(stem)))
                run_stream(prov, dir, stem);
            else
                continue;
            cases++;
        }
        closedir(d);
    }
    fprintf(stderr, "golden: %zu cases, %d failed\n", cases, failures);
    assert_true(cases > 0);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_case_of_every_kind_translates_as_recorded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
