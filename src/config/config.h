/* config/config.h - the gateway's configuration: load, validate, snapshot.
 *
 * A `struct sy_config` is an immutable snapshot built from a YAML file (or the
 * embedded default) and shared by reference count. Workers hold a reference
 * to the snapshot they serve with, and each request holds one to the snapshot
 * it started with, so a reload (SIGHUP) never changes a request in flight.
 *
 * Every module may read the snapshot's types; only config/ builds or frees
 * them. All strings are NUL-terminated and owned by the snapshot. */
#ifndef SY_CONFIG_CONFIG_H
#define SY_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upstream wire formats. Adding one: a value here, its name in config.c's
 * table, and a file in providers/. */
enum sy_provider_kind {
    SY_KIND_OPENAI = 0, /* OpenAI-compatible: {base_url}/chat/completions, Bearer key */
    SY_KIND_AZURE,      /* Azure OpenAI: {base_url}/openai/deployments/{model}/...?api-version= */
    SY_KIND_ANTHROPIC,  /* Anthropic Messages: {base_url}/v1/messages, x-api-key */
    SY_KIND_GEMINI,     /* Google AI Studio: {base_url}/models/{model}:generateContent, API key */
    SY_KIND_VERTEX,     /* Vertex AI: service-account JWT -> OAuth token, generateContent */
    SY_KIND_BEDROCK,    /* AWS Bedrock Converse / ConverseStream, SigV4 */
    SY_KIND_COUNT
};

/* Returns "openai", "azure", ... */
const char *sy_provider_kind_name(enum sy_provider_kind kind);

/* Timeouts toward a provider, in milliseconds. 0 in a provider's own block
 * means "use the global upstream value". */
struct sy_config_timeouts {
    uint32_t connect_ms;     /* TCP + TLS connect */
    uint32_t first_byte_ms;  /* request sent -> first response byte */
    uint32_t total_ms;       /* whole transfer, streams included */
    uint32_t stream_idle_ms; /* longest silence between two stream reads */
};

struct sy_config_header {
    char *name;
    char *value;
};

struct sy_config_provider {
    char *name; /* unique; what routes refer to */
    enum sy_provider_kind kind;
    char *base_url;          /* no trailing slash, http:// or https:// */
    char *api_key;           /* NULL = none sent */
    char *proxy;             /* NULL = direct; http(s)://, socks4(a)://, socks5(h):// */
    char *api_version;       /* azure: api-version, default "2024-10-21"; anthropic:
                                anthropic-version, default "2023-06-01" */
    char *region;            /* bedrock: AWS region (required); vertex: location (required) */
    char *project;           /* vertex: GCP project id (required) */
    char *access_key_id;     /* bedrock (required) */
    char *secret_access_key; /* bedrock (required) */
    char *session_token;     /* bedrock, optional (temporary credentials) */
    /* vertex: read from the service-account JSON file named by `credentials_file` */
    char *sa_client_email;
    char *sa_private_key;             /* PEM */
    char *sa_token_uri;               /* where signed JWTs are exchanged for access tokens */
    struct sy_config_header *headers; /* extra headers sent upstream */
    size_t headers_count;
    char **forward_headers; /* client headers passed upstream: lower-case names, or a
                               prefix ending in '*' ("x-mock-*"); none by default */
    size_t forward_headers_count;
    bool allow_private; /* may resolve to link-local / metadata addresses (169.254/16,
                           fe80::/10); default false (SSRF guard) */
    struct sy_config_timeouts timeouts; /* resolved: globals filled in where 0 */
    unsigned line;                      /* where it was declared, for messages */
};

struct sy_config_route {
    struct sy_config_provider *provider; /* borrowed from the same snapshot */
    char *model;                         /* the provider's own model id */
};

struct sy_config_model {
    char *name;                     /* the alias clients send as "model" */
    struct sy_config_route *routes; /* tried in order; at least one */
    size_t routes_count;
    unsigned line;
};

struct sy_config {
    int refcount; /* atomic; see sy_config_acquire() */
    char *source; /* the file path, or "<embedded>" */

    char *listen_host; /* "127.0.0.1", "0.0.0.0", "::" */
    uint16_t listen_port;
    unsigned workers; /* >= 1; default: number of online CPUs */

    char **keys; /* bearer keys accepted; none = every request is refused */
    size_t keys_count;

    struct sy_config_provider *providers;
    size_t providers_count;
    struct sy_config_model *models;
    size_t models_count;

    struct {
        size_t max_body_bytes;     /* default 4 MiB; over it -> 413 */
        size_t max_header_bytes;   /* default 64 KiB; over it -> 431 */
        uint32_t read_timeout_ms;  /* default 30000: request headers + body */
        uint32_t idle_timeout_ms;  /* default 60000: keep-alive / HTTP/2 idle */
        uint32_t drain_timeout_ms; /* default 30000: SIGTERM grace for in-flight requests */
        char *tls_cert;            /* PEM paths; both set = TLS with ALPN h2 */
        char *tls_key;
    } http;

    struct {
        struct sy_config_timeouts timeouts; /* defaults 5000 / 60000 / 600000 / 60000 */
        size_t max_response_bytes;          /* default 32 MiB: a non-streamed body */
        size_t max_event_bytes;             /* default 1 MiB: one SSE event */
        size_t stream_buffer_bytes; /* default 1 MiB: pending output before pausing upstream */
    } upstream;

    struct {
        char *level;        /* "debug", "info", "warn", "error"; default "info" */
        uint32_t slow_ms;   /* default 100: requests slower than this are logged */
        double sample_rate; /* default 0.1: fraction of other requests logged */
    } log;
};

/* One problem found while loading: "file:line: message". */
struct sy_config_diag {
    char **messages;
    size_t count;
};

/* Loads and validates the YAML file at `path`. `${VAR}` in any scalar is
 * replaced by the environment variable VAR (`${VAR:-default}` gives a default;
 * an unset VAR without a default is an error). Unknown keys are errors.
 * Returns a snapshot with refcount 1, or NULL when there was any problem; every
 * problem is appended to `diag` (which may be NULL), not only the first. */
struct sy_config *sy_config_load_file(const char *path, struct sy_config_diag *diag);

/* Same, from a YAML document in memory. `name` is used in messages. */
struct sy_config *sy_config_load_string(const char *name, const char *yaml, size_t len,
                                        struct sy_config_diag *diag);

/* Returns the embedded default: 127.0.0.1:8080, the key "sk-switchyard-dev" (or
 * $SWITCHYARD_API_KEY when set), one provider "mock" of kind openai at
 * `mock_base_url` serving the models "mock" and "gpt-4o-mini", and for each of
 * OPENAI_API_KEY, ANTHROPIC_API_KEY and GEMINI_API_KEY set in the environment
 * that provider with its current models under their own names (which then win
 * over the mock's "gpt-4o-mini"). */
struct sy_config *sy_config_default(const char *mock_base_url);

/* Takes one more reference. Any thread may call. Returns `cfg`. */
struct sy_config *sy_config_acquire(struct sy_config *cfg);

/* Drops a reference; the last one frees the snapshot. Any thread may call. */
void sy_config_release(struct sy_config *cfg);

/* Returns the model alias `name`, or NULL. */
const struct sy_config_model *sy_config_find_model(const struct sy_config *cfg, const char *name,
                                                   size_t name_len);

/* Writes a human-readable summary of what `cfg` resolved to (no secrets:
 * keys and api_key are shown as their length only). */
void sy_config_print(const struct sy_config *cfg, void *file /* FILE * */);

void sy_config_diag_dispose(struct sy_config_diag *diag);

#endif
