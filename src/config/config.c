/* config/config.c - the module's door: load a file or a string, the embedded
 * default, the snapshot's lifetime, and the problems list.
 *
 * A load parses (yaml.c), then applies the schema (load.c) to a snapshot that
 * starts from the defaults. Problems from both steps are sorted by line and
 * handed to the caller's `struct sy_config_diag` at the end; any problem
 * means no snapshot. */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_int.h"
#include "core/alloc.h"
#include "core/str.h"

static const char *const kind_names[SY_KIND_COUNT] = {
    [SY_KIND_OPENAI] = "openai", [SY_KIND_AZURE] = "azure",   [SY_KIND_ANTHROPIC] = "anthropic",
    [SY_KIND_GEMINI] = "gemini", [SY_KIND_VERTEX] = "vertex", [SY_KIND_BEDROCK] = "bedrock",
};

const char *sy_provider_kind_name(enum sy_provider_kind kind)
{
    if ((unsigned)kind >= SY_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

/* ---- Problems ------------------------------------------------------------ */

void sy__config_problem(struct sy__config_problems *probs, unsigned line, const char *fmt, ...)
{
    struct sy__config_problem *p;
    va_list ap;
    char *message;

    va_start(ap, fmt);
    if (vasprintf(&message, fmt, ap) < 0)
        message = NULL;
    va_end(ap);
    if (message == NULL)
        message = sy_xstrdup("out of memory formatting a message");
    if (probs->count == probs->cap) {
        probs->cap = probs->cap == 0 ? 8 : probs->cap * 2;
        probs->items = sy_xrealloc(probs->items, probs->cap * sizeof(*probs->items));
    }
    p = &probs->items[probs->count];
    p->line = line;
    p->seq = probs->count;
    p->message = message;
    probs->count++;
}

void sy__config_excerpt(char *out, size_t size, const char *text, size_t len)
{
    size_t n = 0;

    if (size == 0)
        return;
    for (size_t i = 0; i < len && n + 4 < size; i++) {
        unsigned char c = (unsigned char)text[i];

        if (i == 40) {
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[n] = '\0';
}

static int compare_problems(const void *pa, const void *pb)
{
    const struct sy__config_problem *a = pa, *b = pb;

    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static void diag_add(struct sy_config_diag *diag, char *message)
{
    diag->messages = sy_xrealloc(diag->messages, (diag->count + 1) * sizeof(*diag->messages));
    diag->messages[diag->count++] = message;
}

void sy__config_problems_flush(struct sy__config_problems *probs, struct sy_config_diag *diag)
{
    if (probs->count > 1)
        qsort(probs->items, probs->count, sizeof(*probs->items), compare_problems);
    for (size_t i = 0; i < probs->count; i++) {
        struct sy__config_problem *p = &probs->items[i];

        if (diag == NULL) {
            /* nothing to keep */
        } else if (i < SY__CONFIG_MAX_PROBLEMS) {
            if (p->line == 0)
                diag_add(diag, sy_xasprintf("%s: %s", probs->source, p->message));
            else
                diag_add(diag, sy_xasprintf("%s:%u: %s", probs->source, p->line, p->message));
        } else if (i == SY__CONFIG_MAX_PROBLEMS) {
            diag_add(diag, sy_xasprintf("%s:%u: %zu more problems not shown", probs->source,
                                        p->line > 0 ? p->line : 1, probs->count - i));
        }
        free(p->message);
    }
    free(probs->items);
    probs->items = NULL;
    probs->count = probs->cap = 0;
}

void sy_config_diag_dispose(struct sy_config_diag *diag)
{
    if (diag == NULL)
        return;
    for (size_t i = 0; i < diag->count; i++)
        free(diag->messages[i]);
    free(diag->messages);
    diag->messages = NULL;
    diag->count = 0;
}

/* ---- Snapshot ------------------------------------------------------------ */

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return n > 256 ? 256 : (unsigned)n;
}

struct sy_config *sy__config_new(const char *source)
{
    struct sy_config *cfg = sy_xcalloc(1, sizeof(*cfg));

    cfg->refcount = 1;
    cfg->source = sy_xstrdup(source);
    cfg->listen_host = sy_xstrdup("127.0.0.1");
    cfg->listen_port = 8080;
    cfg->workers = online_cpus();
    cfg->http.max_body_bytes = 4 * 1024 * 1024;
    cfg->http.max_header_bytes = 64 * 1024;
    cfg->http.read_timeout_ms = 30000;
    cfg->http.idle_timeout_ms = 60000;
    cfg->http.drain_timeout_ms = 30000;
    cfg->upstream.timeouts.connect_ms = 5000;
    cfg->upstream.timeouts.first_byte_ms = 60000;
    cfg->upstream.timeouts.total_ms = 600000;
    cfg->upstream.timeouts.stream_idle_ms = 60000;
    cfg->upstream.max_response_bytes = 32 * 1024 * 1024;
    cfg->upstream.max_event_bytes = 1024 * 1024;
    cfg->upstream.stream_buffer_bytes = 1024 * 1024;
    cfg->log.level = sy_xstrdup("info");
    cfg->log.slow_ms = 100;
    cfg->log.sample_rate = 0.1;
    return cfg;
}

void sy__config_resolve_timeouts(struct sy_config_timeouts *timeouts,
                                 const struct sy_config_timeouts *global)
{
    if (timeouts->connect_ms == 0)
        timeouts->connect_ms = global->connect_ms;
    if (timeouts->first_byte_ms == 0)
        timeouts->first_byte_ms = global->first_byte_ms;
    if (timeouts->total_ms == 0)
        timeouts->total_ms = global->total_ms;
    if (timeouts->stream_idle_ms == 0)
        timeouts->stream_idle_ms = global->stream_idle_ms;
}

static void free_provider(struct sy_config_provider *p)
{
    free(p->name);
    free(p->base_url);
    free(p->api_key);
    free(p->proxy);
    free(p->api_version);
    free(p->region);
    free(p->project);
    free(p->access_key_id);
    free(p->secret_access_key);
    free(p->session_token);
    free(p->sa_client_email);
    free(p->sa_private_key);
    free(p->sa_token_uri);
    for (size_t i = 0; i < p->headers_count; i++) {
        free(p->headers[i].name);
        free(p->headers[i].value);
    }
    free(p->headers);
    for (size_t i = 0; i < p->forward_headers_count; i++)
        free(p->forward_headers[i]);
    free(p->forward_headers);
}

void sy__config_free(struct sy_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->source);
    free(cfg->listen_host);
    for (size_t i = 0; i < cfg->keys_count; i++)
        free(cfg->keys[i]);
    free(cfg->keys);
    for (size_t i = 0; i < cfg->providers_count; i++)
        free_provider(&cfg->providers[i]);
    free(cfg->providers);
    for (size_t i = 0; i < cfg->models_count; i++) {
        struct sy_config_model *m = &cfg->models[i];

        for (size_t r = 0; r < m->routes_count; r++)
            free(m->routes[r].model);
        free(m->routes);
        free(m->name);
    }
    free(cfg->models);
    free(cfg->http.tls_cert);
    free(cfg->http.tls_key);
    free(cfg->log.level);
    free(cfg);
}

struct sy_config *sy_config_acquire(struct sy_config *cfg)
{
    /* Relaxed is enough to take a reference: the caller already holds one,
     * so the snapshot cannot be freed meanwhile. */
    if (cfg != NULL)
        __atomic_add_fetch(&cfg->refcount, 1, __ATOMIC_RELAXED);
    return cfg;
}

void sy_config_release(struct sy_config *cfg)
{
    /* Release orders this thread's reads of the snapshot before the drop;
     * acquire makes the thread that frees see every other thread's drop. */
    if (cfg != NULL && __atomic_sub_fetch(&cfg->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        sy__config_free(cfg);
}

/* ---- Loading ------------------------------------------------------------- */

/* Loads `len` bytes of `yaml`; problems are shown as coming from `source`. */
static struct sy_config *load(const char *source, const char *dir, const char *yaml, size_t len,
                              struct sy_config_diag *diag)
{
    struct sy__config_problems probs = {.source = source};
    struct sy__config_node *root = NULL;
    struct sy_config *cfg = NULL;

    if (len > SY__CONFIG_MAX_BYTES) {
        sy__config_problem(&probs, 1, "larger than the limit of %d bytes", SY__CONFIG_MAX_BYTES);
        goto out;
    }
    if (sy__config_parse(yaml, len, &probs, &root) != 0)
        goto out;
    cfg = sy__config_new(source);
    sy__config_apply(cfg, root, dir, &probs);
out:
    sy__config_node_free(root);
    if (probs.count > 0) {
        sy__config_free(cfg);
        cfg = NULL;
    }
    sy__config_problems_flush(&probs, diag);
    return cfg;
}

struct sy_config *sy_config_load_string(const char *name, const char *yaml, size_t len,
                                        struct sy_config_diag *diag)
{
    return load(name != NULL ? name : "<string>", NULL, yaml != NULL ? yaml : "",
                yaml != NULL ? len : 0, diag);
}

/* Reads all of `path`, up to the size limit. Returns 0, or -1 after recording
 * why in `probs`. */
static int read_file(const char *path, struct sy__config_problems *probs, struct sy_buf *out)
{
    char chunk[16384], reason[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int ret = -1;

    if (fd == -1) {
        int err = errno;

        sy__config_problem(probs, 0, "cannot open: %s", strerror_r(err, reason, sizeof(reason)));
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            int err = errno;

            sy__config_problem(probs, 0, "cannot read: %s",
                               strerror_r(err, reason, sizeof(reason)));
            goto out;
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > SY__CONFIG_MAX_BYTES) {
            sy__config_problem(probs, 0, "larger than the limit of %d bytes", SY__CONFIG_MAX_BYTES);
            goto out;
        }
        sy_buf_append(out, chunk, (size_t)n);
    }
    ret = 0;
out:
    close(fd);
    return ret;
}

struct sy_config *sy_config_load_file(const char *path, struct sy_config_diag *diag)
{
    struct sy__config_problems probs = {.source = path};
    struct sy_buf text = {0};
    struct sy_config *cfg = NULL;
    const char *slash = strrchr(path, '/');
    char *dir = NULL;

    if (read_file(path, &probs, &text) != 0) {
        sy__config_problems_flush(&probs, diag);
        goto out;
    }
    /* Relative TLS paths are relative to the file that names them. */
    if (slash != NULL)
        dir = sy_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
    cfg = load(path, dir, text.ptr != NULL ? text.ptr : "", text.len, diag);
out:
    free(dir);
    sy_buf_dispose(&text);
    return cfg;
}

/* ---- The embedded default ------------------------------------------------ */

static void add_model(struct sy_config *cfg, struct sy_config_provider *prov, const char *name)
{
    struct sy_config_model *m = &cfg->models[cfg->models_count++];

    m->name = sy_xstrdup(name);
    m->routes = sy_xcalloc(1, sizeof(*m->routes));
    m->routes_count = 1;
    m->routes[0].provider = prov;
    m->routes[0].model = sy_xstrdup(name);
}

/* Providers that a key in the environment enables in the embedded default,
 * each with the models it then serves under their own names. */
static const struct env_provider {
    const char *env;
    const char *name;
    enum sy_provider_kind kind;
    const char *base_url;
    const char *api_version;
    const char *models[6]; /* NULL-terminated */
} env_providers[] = {
    {"OPENAI_API_KEY",
     "openai",
     SY_KIND_OPENAI,
     "https://api.openai.com/v1",
     NULL,
     {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", NULL}},
    {"ANTHROPIC_API_KEY",
     "anthropic",
     SY_KIND_ANTHROPIC,
     "https://api.anthropic.com",
     "2023-06-01",
     {"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", NULL}},
    {"GEMINI_API_KEY",
     "gemini",
     SY_KIND_GEMINI,
     "https://generativelanguage.googleapis.com/v1beta",
     NULL,
     {"gemini-2.5-pro", "gemini-2.5-flash", NULL}},
};

#define ENV_PROVIDERS (sizeof(env_providers) / sizeof(env_providers[0]))

static bool is_model_taken(const struct sy_config *cfg, const char *name)
{
    return sy_config_find_model(cfg, name, strlen(name)) != NULL;
}

struct sy_config *sy_config_default(const char *mock_base_url)
{
    struct sy_config *cfg = sy__config_new("<embedded>");
    const char *key = getenv("SWITCHYARD_API_KEY");
    const char *url = mock_base_url != NULL ? mock_base_url : "http://127.0.0.1:9090/v1";
    size_t url_len = strlen(url), models_cap = 2;
    struct sy_config_provider *mock;

    cfg->keys = sy_xcalloc(1, sizeof(*cfg->keys));
    cfg->keys[0] = sy_xstrdup(key != NULL && key[0] != '\0' ? key : "sk-switchyard-dev");
    cfg->keys_count = 1;

    /* Routes point into the providers array: size it once. */
    cfg->providers = sy_xcalloc(1 + ENV_PROVIDERS, sizeof(*cfg->providers));
    for (size_t i = 0; i < ENV_PROVIDERS; i++)
        models_cap += sizeof(env_providers[i].models) / sizeof(env_providers[i].models[0]);
    cfg->models = sy_xcalloc(models_cap, sizeof(*cfg->models));

    /* Real providers first, so that their model names win over the mock's. */
    for (size_t i = 0; i < ENV_PROVIDERS; i++) {
        const struct env_provider *e = &env_providers[i];
        const char *api_key = getenv(e->env);
        struct sy_config_provider *p;

        if (api_key == NULL || api_key[0] == '\0' || strpbrk(api_key, "\r\n") != NULL)
            continue;
        p = &cfg->providers[cfg->providers_count++];
        p->name = sy_xstrdup(e->name);
        p->kind = e->kind;
        p->base_url = sy_xstrdup(e->base_url);
        p->api_key = sy_xstrdup(api_key);
        p->api_version = e->api_version != NULL ? sy_xstrdup(e->api_version) : NULL;
        sy__config_resolve_timeouts(&p->timeouts, &cfg->upstream.timeouts);
        for (size_t m = 0; e->models[m] != NULL; m++)
            add_model(cfg, p, e->models[m]);
    }

    mock = &cfg->providers[cfg->providers_count++];
    mock->name = sy_xstrdup("mock");
    mock->kind = SY_KIND_OPENAI;
    while (url_len > 1 && url[url_len - 1] == '/')
        url_len--;
    mock->base_url = sy_xstrndup(url, url_len);
    /* The demo's fault knobs (x-mock-status, x-mock-latency-ms, ...) travel
     * from the client to the mock provider. */
    mock->forward_headers = sy_xcalloc(1, sizeof(*mock->forward_headers));
    mock->forward_headers[0] = sy_xstrdup("x-mock-*");
    mock->forward_headers_count = 1;
    sy__config_resolve_timeouts(&mock->timeouts, &cfg->upstream.timeouts);
    add_model(cfg, mock, "mock");
    if (!is_model_taken(cfg, "gpt-4o-mini"))
        add_model(cfg, mock, "gpt-4o-mini");
    return cfg;
}

/* ---- Reading a snapshot -------------------------------------------------- */

const struct sy_config_model *sy_config_find_model(const struct sy_config *cfg, const char *name,
                                                   size_t name_len)
{
    if (cfg == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->models_count; i++) {
        const struct sy_config_model *m = &cfg->models[i];

        if (m->name != NULL && strlen(m->name) == name_len && memcmp(m->name, name, name_len) == 0)
            return m;
    }
    return NULL;
}

static void print_secret(FILE *f, const char *label, const char *secret)
{
    if (secret == NULL)
        fprintf(f, "%s(none)\n", label);
    else
        fprintf(f, "%s(set, %zu chars)\n", label, strlen(secret));
}

/* Prints `url` with any "user:password@" replaced: a proxy or base URL may
 * carry credentials. */
static void print_url(FILE *f, const char *label, const char *url)
{
    const char *scheme_end, *authority_end, *at;

    if (url == NULL) {
        fprintf(f, "%s(none)\n", label);
        return;
    }
    scheme_end = strstr(url, "://");
    if (scheme_end == NULL) {
        fprintf(f, "%s%s\n", label, url);
        return;
    }
    scheme_end += 3;
    authority_end = scheme_end + strcspn(scheme_end, "/?#");
    at = memchr(scheme_end, '@', (size_t)(authority_end - scheme_end));
    if (at == NULL)
        fprintf(f, "%s%s\n", label, url);
    else
        fprintf(f, "%s%.*s(credentials hidden)%s\n", label, (int)(scheme_end - url), url, at);
}

static void print_timeouts(FILE *f, const char *indent, const struct sy_config_timeouts *t)
{
    fprintf(f, "%sconnect_ms: %u\n", indent, t->connect_ms);
    fprintf(f, "%sfirst_byte_ms: %u\n", indent, t->first_byte_ms);
    fprintf(f, "%stotal_ms: %u\n", indent, t->total_ms);
    fprintf(f, "%sstream_idle_ms: %u\n", indent, t->stream_idle_ms);
}

static void print_provider(FILE *f, const struct sy_config_provider *p)
{
    if (p->line > 0)
        fprintf(f, "  - name: %s  # line %u\n", p->name, p->line);
    else
        fprintf(f, "  - name: %s\n", p->name);
    fprintf(f, "    kind: %s\n", sy_provider_kind_name(p->kind));
    print_url(f, "    base_url: ", p->base_url);
    print_secret(f, "    api_key: ", p->api_key);
    print_url(f, "    proxy: ", p->proxy);
    if (p->api_version != NULL)
        fprintf(f, "    api_version: %s\n", p->api_version);
    if (p->region != NULL)
        fprintf(f, "    region: %s\n", p->region);
    if (p->project != NULL)
        fprintf(f, "    project: %s\n", p->project);
    if (p->access_key_id != NULL)
        print_secret(f, "    access_key_id: ", p->access_key_id);
    if (p->secret_access_key != NULL)
        print_secret(f, "    secret_access_key: ", p->secret_access_key);
    if (p->session_token != NULL)
        print_secret(f, "    session_token: ", p->session_token);
    if (p->sa_client_email != NULL)
        fprintf(f, "    credentials: %s (token_uri %s)\n", p->sa_client_email, p->sa_token_uri);
    if (p->headers_count > 0) {
        fprintf(f, "    headers:\n");
        /* Values hidden: extra headers often carry credentials. */
        for (size_t i = 0; i < p->headers_count; i++) {
            fprintf(f, "      %s: ", p->headers[i].name);
            print_secret(f, "", p->headers[i].value);
        }
    }
    fprintf(f, "    forward_headers: [");
    for (size_t i = 0; i < p->forward_headers_count; i++)
        fprintf(f, "%s%s", i > 0 ? ", " : "", p->forward_headers[i]);
    fprintf(f, "]\n");
    fprintf(f, "    allow_private: %s\n", p->allow_private ? "true" : "false");
    fprintf(f, "    timeouts:\n");
    print_timeouts(f, "      ", &p->timeouts);
}

void sy_config_print(const struct sy_config *cfg, void *file)
{
    FILE *f = file;

    fprintf(f, "# switchyard configuration from %s\n", cfg->source);
    if (strchr(cfg->listen_host, ':') != NULL)
        fprintf(f, "listen: [%s]:%u\n", cfg->listen_host, cfg->listen_port);
    else
        fprintf(f, "listen: %s:%u\n", cfg->listen_host, cfg->listen_port);
    fprintf(f, "workers: %u\n", cfg->workers);
    fprintf(f, "keys:%s\n", cfg->keys_count == 0 ? " []  # every request is refused" : "");
    for (size_t i = 0; i < cfg->keys_count; i++)
        print_secret(f, "  - ", cfg->keys[i]);

    fprintf(f, "http:\n");
    fprintf(f, "  max_body_bytes: %zu\n", cfg->http.max_body_bytes);
    fprintf(f, "  max_header_bytes: %zu\n", cfg->http.max_header_bytes);
    fprintf(f, "  read_timeout_ms: %u\n", cfg->http.read_timeout_ms);
    fprintf(f, "  idle_timeout_ms: %u\n", cfg->http.idle_timeout_ms);
    fprintf(f, "  drain_timeout_ms: %u\n", cfg->http.drain_timeout_ms);
    if (cfg->http.tls_cert != NULL)
        fprintf(f, "  tls: {cert: %s, key: %s}\n", cfg->http.tls_cert, cfg->http.tls_key);
    else
        fprintf(f, "  tls: (none)  # plain HTTP\n");

    fprintf(f, "upstream:\n");
    fprintf(f, "  connect_timeout_ms: %u\n", cfg->upstream.timeouts.connect_ms);
    fprintf(f, "  first_byte_timeout_ms: %u\n", cfg->upstream.timeouts.first_byte_ms);
    fprintf(f, "  total_timeout_ms: %u\n", cfg->upstream.timeouts.total_ms);
    fprintf(f, "  stream_idle_timeout_ms: %u\n", cfg->upstream.timeouts.stream_idle_ms);
    fprintf(f, "  max_response_bytes: %zu\n", cfg->upstream.max_response_bytes);
    fprintf(f, "  max_event_bytes: %zu\n", cfg->upstream.max_event_bytes);
    fprintf(f, "  stream_buffer_bytes: %zu\n", cfg->upstream.stream_buffer_bytes);

    fprintf(f, "log:\n");
    fprintf(f, "  level: %s\n", cfg->log.level);
    fprintf(f, "  slow_ms: %u\n", cfg->log.slow_ms);
    fprintf(f, "  sample_rate: %g\n", cfg->log.sample_rate);

    fprintf(f, "providers:%s\n", cfg->providers_count == 0 ? " []" : "");
    for (size_t i = 0; i < cfg->providers_count; i++)
        print_provider(f, &cfg->providers[i]);

    fprintf(f, "models:%s\n", cfg->models_count == 0 ? " []" : "");
    for (size_t i = 0; i < cfg->models_count; i++) {
        const struct sy_config_model *m = &cfg->models[i];

        fprintf(f, "  - name: %s\n    route:\n", m->name);
        for (size_t r = 0; r < m->routes_count; r++)
            fprintf(f, "      - {provider: %s, model: %s}\n", m->routes[r].provider->name,
                    m->routes[r].model);
    }
}
