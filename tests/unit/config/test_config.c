/* tests/unit/config/test_config.c - tests src/config/ through config.h.
 *
 * Most tests load a YAML string named "test.yaml" and compare the snapshot or
 * the exact diagnostics. Run under ASan: every test releases what it loads,
 * so a leak in the loader (including on its error paths) fails the run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

#define NAME "test.yaml"

static struct sy_config *load(const char *yaml, struct sy_config_diag *diag)
{
    return sy_config_load_string(NAME, yaml, strlen(yaml), diag);
}

static void print_diag(const struct sy_config_diag *diag)
{
    for (size_t i = 0; i < diag->count; i++)
        print_message("  diag[%zu]: %s\n", i, diag->messages[i]);
}

/* Fails unless `diag` holds exactly `message`. */
static void assert_has(const struct sy_config_diag *diag, const char *message)
{
    for (size_t i = 0; i < diag->count; i++) {
        if (strcmp(diag->messages[i], message) == 0)
            return;
    }
    print_diag(diag);
    fail_msg("no diagnostic \"%s\"", message);
}

/* Fails unless no message of `diag` contains `text`. */
static void assert_nowhere(const struct sy_config_diag *diag, const char *text)
{
    for (size_t i = 0; i < diag->count; i++) {
        if (strstr(diag->messages[i], text) != NULL) {
            print_diag(diag);
            fail_msg("diagnostic %zu shows \"%s\"", i, text);
        }
    }
}

/* Loads `yaml`, which must fail, and returns its diagnostics. */
static struct sy_config_diag load_failing(const char *yaml)
{
    struct sy_config_diag diag = {0};
    struct sy_config *cfg = load(yaml, &diag);

    if (cfg != NULL) {
        sy_config_release(cfg);
        fail_msg("loaded although it should not have:\n%s", yaml);
    }
    assert_true(diag.count > 0);
    return diag;
}

/* Loads `yaml`, which must succeed. */
static struct sy_config *load_ok(const char *yaml)
{
    struct sy_config_diag diag = {0};
    struct sy_config *cfg = load(yaml, &diag);

    if (cfg == NULL) {
        print_diag(&diag);
        sy_config_diag_dispose(&diag);
        fail_msg("did not load:\n%s", yaml);
    }
    assert_int_equal(diag.count, 0);
    return cfg;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* ---- Whole files --------------------------------------------------------- */

static const char full_example[] =
    "listen: 127.0.0.1:8081\n"
    "workers: 3\n"
    "keys: [\"${SY_TEST_API_KEY}\", sk-second]\n"
    "http:\n"
    "  max_body_bytes: 2097152\n"
    "  max_header_bytes: 32KiB\n"
    "  read_timeout_ms: 31000\n"
    "  idle_timeout_ms: 61000\n"
    "  drain_timeout_ms: 0\n"
    "  tls: { cert: cert.pem, key: key.pem }\n"
    "upstream:\n"
    "  connect_timeout_ms: 5001\n"
    "  first_byte_timeout_ms: 60001\n"
    "  total_timeout_ms: 600001\n"
    "  stream_idle_timeout_ms: 60002\n"
    "  max_response_bytes: 16MiB\n"
    "  max_event_bytes: 2 MiB\n"
    "  stream_buffer_bytes: 512KiB\n"
    "log: { level: debug, slow_ms: 250, sample_rate: 0.5 }\n"
    "providers:\n"
    "  - name: local\n"
    "    kind: openai\n"
    "    base_url: http://127.0.0.1:9090/v1/\n"
    "    api_key: ${SY_TEST_LOCAL_KEY}\n"
    "    proxy: socks5h://127.0.0.1:1080\n"
    "    headers: { X-Extra: value, X-Other: \"two words\" }\n"
    "    forward_headers: [\"X-Mock-*\", \"x-trace-id\"]\n"
    "    allow_private: true\n"
    "    timeouts: { connect_ms: 0, first_byte_ms: 1500, total_ms: 0, stream_idle_ms: 0 }\n"
    "  - name: azure-east\n"
    "    kind: azure\n"
    "    base_url: https://east.openai.azure.com\n"
    "    api_version: 2025-01-01-preview\n"
    "models:\n"
    "  - name: fast\n"
    "    route:\n"
    "      - provider: local\n"
    "        model: gpt-4o-mini\n"
    "      - provider: azure-east\n"
    "        model: gpt-4o-mini-deployment\n"
    "  - name: smart\n"
    "    route:\n"
    "      - { provider: azure-east, model: gpt-4o }\n";

static void loads_the_full_example_with_every_value(void **state)
{
    char dir[] = "/tmp/sy_test_config_XXXXXX";
    char path[128], cert[128], key[128];
    struct sy_config_diag diag = {0};
    struct sy_config *cfg;
    const struct sy_config_provider *local, *azure;

    (void)state;
    setenv("SY_TEST_API_KEY", "sk-first", 1);
    setenv("SY_TEST_LOCAL_KEY", "local-secret", 1);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/switchyard.yaml", dir);
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    write_file(path, full_example);
    write_file(cert, "cert\n");
    write_file(key, "key\n");

    cfg = sy_config_load_file(path, &diag);
    print_diag(&diag);
    assert_non_null(cfg);
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg->refcount, 1);
    assert_string_equal(cfg->source, path);
    assert_string_equal(cfg->listen_host, "127.0.0.1");
    assert_int_equal(cfg->listen_port, 8081);
    assert_int_equal(cfg->workers, 3);
    assert_int_equal(cfg->keys_count, 2);
    assert_string_equal(cfg->keys[0], "sk-first");
    assert_string_equal(cfg->keys[1], "sk-second");

    assert_int_equal(cfg->http.max_body_bytes, 2097152);
    assert_int_equal(cfg->http.max_header_bytes, 32 * 1024);
    assert_int_equal(cfg->http.read_timeout_ms, 31000);
    assert_int_equal(cfg->http.idle_timeout_ms, 61000);
    assert_int_equal(cfg->http.drain_timeout_ms, 0);
    /* Relative TLS paths are resolved against the config file's directory. */
    assert_string_equal(cfg->http.tls_cert, cert);
    assert_string_equal(cfg->http.tls_key, key);

    assert_int_equal(cfg->upstream.timeouts.connect_ms, 5001);
    assert_int_equal(cfg->upstream.timeouts.first_byte_ms, 60001);
    assert_int_equal(cfg->upstream.timeouts.total_ms, 600001);
    assert_int_equal(cfg->upstream.timeouts.stream_idle_ms, 60002);
    assert_int_equal(cfg->upstream.max_response_bytes, 16 * 1024 * 1024);
    assert_int_equal(cfg->upstream.max_event_bytes, 2 * 1024 * 1024);
    assert_int_equal(cfg->upstream.stream_buffer_bytes, 512 * 1024);

    assert_string_equal(cfg->log.level, "debug");
    assert_int_equal(cfg->log.slow_ms, 250);
    assert_true(cfg->log.sample_rate == 0.5);

    assert_int_equal(cfg->providers_count, 2);
    local = &cfg->providers[0];
    assert_string_equal(local->name, "local");
    assert_int_equal(local->kind, SY_KIND_OPENAI);
    assert_string_equal(local->base_url, "http://127.0.0.1:9090/v1");
    assert_string_equal(local->api_key, "local-secret");
    assert_string_equal(local->proxy, "socks5h://127.0.0.1:1080");
    assert_null(local->api_version);
    assert_int_equal(local->headers_count, 2);
    assert_string_equal(local->headers[0].name, "X-Extra");
    assert_string_equal(local->headers[0].value, "value");
    assert_string_equal(local->headers[1].name, "X-Other");
    assert_string_equal(local->headers[1].value, "two words");
    assert_int_equal(local->forward_headers_count, 2);
    assert_string_equal(local->forward_headers[0], "x-mock-*");
    assert_string_equal(local->forward_headers[1], "x-trace-id");
    assert_true(local->allow_private);
    assert_int_equal(local->line, 21);
    /* 0 inherits the global value; a set value stays. */
    assert_int_equal(local->timeouts.connect_ms, 5001);
    assert_int_equal(local->timeouts.first_byte_ms, 1500);
    assert_int_equal(local->timeouts.total_ms, 600001);
    assert_int_equal(local->timeouts.stream_idle_ms, 60002);

    azure = &cfg->providers[1];
    assert_string_equal(azure->name, "azure-east");
    assert_int_equal(azure->kind, SY_KIND_AZURE);
    assert_string_equal(azure->base_url, "https://east.openai.azure.com");
    assert_null(azure->api_key);
    assert_null(azure->proxy);
    assert_string_equal(azure->api_version, "2025-01-01-preview");
    assert_int_equal(azure->forward_headers_count, 0);
    assert_false(azure->allow_private);
    assert_int_equal(azure->timeouts.total_ms, 600001);

    assert_int_equal(cfg->models_count, 2);
    assert_string_equal(cfg->models[0].name, "fast");
    assert_int_equal(cfg->models[0].line, 35);
    assert_int_equal(cfg->models[0].routes_count, 2);
    assert_ptr_equal(cfg->models[0].routes[0].provider, local);
    assert_string_equal(cfg->models[0].routes[0].model, "gpt-4o-mini");
    assert_ptr_equal(cfg->models[0].routes[1].provider, azure);
    assert_string_equal(cfg->models[0].routes[1].model, "gpt-4o-mini-deployment");
    assert_string_equal(cfg->models[1].name, "smart");
    assert_int_equal(cfg->models[1].routes_count, 1);
    assert_ptr_equal(cfg->models[1].routes[0].provider, azure);

    sy_config_release(cfg);
    sy_config_diag_dispose(&diag);
    unlink(path);
    unlink(cert);
    unlink(key);
    rmdir(dir);
    unsetenv("SY_TEST_API_KEY");
    unsetenv("SY_TEST_LOCAL_KEY");
}

static void fills_every_default_for_an_empty_document(void **state)
{
    const char *empty_ones[] = {"", "# only a comment\n", "{}\n", "~\n", "---\n"};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    (void)state;
    for (size_t i = 0; i < sizeof(empty_ones) / sizeof(empty_ones[0]); i++) {
        struct sy_config *cfg = load_ok(empty_ones[i]);

        assert_string_equal(cfg->source, NAME);
        assert_string_equal(cfg->listen_host, "127.0.0.1");
        assert_int_equal(cfg->listen_port, 8080);
        assert_int_equal(cfg->workers, cpus < 1 ? 1 : cpus > 256 ? 256 : cpus);
        assert_int_equal(cfg->keys_count, 0);
        assert_int_equal(cfg->providers_count, 0);
        assert_int_equal(cfg->models_count, 0);
        assert_int_equal(cfg->http.max_body_bytes, 4 * 1024 * 1024);
        assert_int_equal(cfg->http.max_header_bytes, 64 * 1024);
        assert_int_equal(cfg->http.read_timeout_ms, 30000);
        assert_int_equal(cfg->http.idle_timeout_ms, 60000);
        assert_int_equal(cfg->http.drain_timeout_ms, 30000);
        assert_null(cfg->http.tls_cert);
        assert_null(cfg->http.tls_key);
        assert_int_equal(cfg->upstream.timeouts.connect_ms, 5000);
        assert_int_equal(cfg->upstream.timeouts.first_byte_ms, 60000);
        assert_int_equal(cfg->upstream.timeouts.total_ms, 600000);
        assert_int_equal(cfg->upstream.timeouts.stream_idle_ms, 60000);
        assert_int_equal(cfg->upstream.max_response_bytes, 32 * 1024 * 1024);
        assert_int_equal(cfg->upstream.max_event_bytes, 1024 * 1024);
        assert_int_equal(cfg->upstream.stream_buffer_bytes, 1024 * 1024);
        assert_string_equal(cfg->log.level, "info");
        assert_int_equal(cfg->log.slow_ms, 100);
        assert_true(cfg->log.sample_rate == 0.1);
        sy_config_release(cfg);
    }
}

static void keeps_the_default_where_a_value_is_null(void **state)
{
    struct sy_config *cfg;

    (void)state;
    cfg = load_ok("workers:\n"
                  "http: ~\n"
                  "log: { level: null }\n"
                  "providers:\n"
                  "  - name: p\n"
                  "    base_url: http://h\n"
                  "    api_key: \"\"\n"
                  "    proxy:\n");
    assert_int_equal(cfg->http.max_body_bytes, 4 * 1024 * 1024);
    assert_string_equal(cfg->log.level, "info");
    assert_null(cfg->providers[0].api_key);
    assert_null(cfg->providers[0].proxy);
    sy_config_release(cfg);
}

/* ---- Environment --------------------------------------------------------- */

static void expands_environment_variables_inside_any_scalar(void **state)
{
    struct sy_config *cfg;

    (void)state;
    setenv("SY_TEST_HOST", "10.1.2.3", 1);
    setenv("SY_TEST_WORKERS", "7", 1);
    setenv("SY_TEST_HEADER", "X-Team", 1);
    cfg = load_ok("listen: \"${SY_TEST_HOST}:9000\"\n"
                  "workers: ${SY_TEST_WORKERS}\n"
                  "providers:\n"
                  "  - name: p\n"
                  "    base_url: http://${SY_TEST_HOST}:${SY_TEST_PORT:-9090}/v1\n"
                  "    headers: { \"${SY_TEST_HEADER}\": \"id-${SY_TEST_HOST}\" }\n"
                  "    api_key: price is $5 and $${NOT_EXPANDED}\n");
    assert_string_equal(cfg->listen_host, "10.1.2.3");
    assert_int_equal(cfg->listen_port, 9000);
    assert_int_equal(cfg->workers, 7);
    assert_string_equal(cfg->providers[0].base_url, "http://10.1.2.3:9090/v1");
    assert_string_equal(cfg->providers[0].headers[0].name, "X-Team");
    assert_string_equal(cfg->providers[0].headers[0].value, "id-10.1.2.3");
    assert_string_equal(cfg->providers[0].api_key, "price is $5 and ${NOT_EXPANDED}");
    sy_config_release(cfg);
    unsetenv("SY_TEST_HOST");
    unsetenv("SY_TEST_WORKERS");
    unsetenv("SY_TEST_HEADER");
}

static void uses_the_default_when_the_variable_is_unset_or_empty(void **state)
{
    struct sy_config *cfg;

    (void)state;
    unsetenv("SY_TEST_UNSET");
    setenv("SY_TEST_EMPTY", "", 1);
    setenv("SY_TEST_SET", "from-env", 1);
    cfg = load_ok("keys:\n"
                  "  - ${SY_TEST_UNSET:-fallback-1}\n"
                  "  - ${SY_TEST_EMPTY:-fallback-2}\n"
                  "  - ${SY_TEST_SET:-unused}\n"
                  "  - x${SY_TEST_UNSET:-}y\n");
    assert_int_equal(cfg->keys_count, 4);
    assert_string_equal(cfg->keys[0], "fallback-1");
    assert_string_equal(cfg->keys[1], "fallback-2");
    assert_string_equal(cfg->keys[2], "from-env");
    assert_string_equal(cfg->keys[3], "xy");
    sy_config_release(cfg);
    unsetenv("SY_TEST_EMPTY");
    unsetenv("SY_TEST_SET");
}

static void names_an_unset_variable_and_never_shows_a_value_from_the_environment(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    unsetenv("SY_TEST_MISSING");
    setenv("SY_TEST_SECRET", "sk-very-secret", 1);
    diag = load_failing("keys: [\"${SY_TEST_MISSING}\"]\n"
                        "listen: ${SY_TEST_SECRET}\n"
                        "workers: ${SY_TEST_SECRET}\n"
                        "providers:\n"
                        "  - name: p\n"
                        "    kind: ${SY_TEST_SECRET}\n"
                        "    base_url: ${SY_TEST_SECRET}\n"
                        "    api_key: \"${SY_TEST_MISSING}\"\n"
                        "    headers: { X-Key: \"${SY_TEST_SECRET}\\n\" }\n"
                        "  - name: q\n"
                        "    base_url: \"${unterminated\"\n"
                        "    api_key: ${1BAD}\n"
                        "    proxy: ${SY_TEST_SET?oops}\n");
    assert_has(&diag, NAME ":1: keys[0]: environment variable SY_TEST_MISSING is not set");
    assert_has(&diag, NAME ":2: listen: expected IPv4:port, [IPv6]:port or localhost:port with a "
                           "port from 1 to 65535, got a value from the environment");
    assert_has(&diag, NAME ":3: workers: expected an integer from 1 to 256, got a value from the "
                           "environment");
    assert_has(&diag, NAME ":6: providers[0].kind: expected openai, azure, anthropic, gemini, "
                           "vertex or bedrock, got a value from the environment");
    assert_has(&diag, NAME ":8: providers[0].api_key: environment variable SY_TEST_MISSING is "
                           "not set");
    assert_has(&diag, NAME ":9: providers[0].headers: the value of a header must not hold "
                           "control characters");
    assert_has(&diag, NAME ":11: providers[1].base_url: '${' without a closing '}'");
    assert_has(&diag, NAME ":12: providers[1].api_key: '${' must be followed by a variable name "
                           "([A-Za-z_][A-Za-z0-9_]*)");
    assert_has(&diag, NAME ":13: providers[1].proxy: expected ${NAME} or ${NAME:-default} after "
                           "'${SY_TEST_SET'");
    assert_nowhere(&diag, "sk-very-secret");
    sy_config_diag_dispose(&diag);
    unsetenv("SY_TEST_SECRET");
}

/* ---- Schema -------------------------------------------------------------- */

static void rejects_unknown_keys_with_their_line(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("listen: 127.0.0.1:8080\n"
                        "lisen: 1\n"
                        "providers:\n"
                        "  - name: p\n"
                        "    base_url: http://h\n"
                        "    x: 1\n"
                        "    timeouts: { connect_ms: 1, total: 2 }\n"
                        "models:\n"
                        "  - name: m\n"
                        "    route:\n"
                        "      - provider: p\n"
                        "        model: m\n"
                        "        weight: 3\n"
                        "http: { tls: { crt: a } }\n"
                        "log: { colour: true }\n"
                        "upstream: { retries: 2 }\n");
    assert_has(&diag, NAME ":2: unknown key 'lisen' at the top level");
    assert_has(&diag, NAME ":6: unknown key 'x' in providers[0]");
    assert_has(&diag, NAME ":7: unknown key 'total' in providers[0].timeouts");
    assert_has(&diag, NAME ":13: unknown key 'weight' in models[0].route[0]");
    assert_has(&diag, NAME ":14: unknown key 'crt' in http.tls");
    assert_has(&diag, NAME ":15: unknown key 'colour' in log");
    assert_has(&diag, NAME ":16: unknown key 'retries' in upstream");
    assert_int_equal(diag.count, 7);
    sy_config_diag_dispose(&diag);
}

static void reports_every_problem_of_a_file_in_one_load_sorted_by_line(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("models:\n"
                        "  - name: m\n"
                        "    route: [{ provider: ghost, model: m }]\n"
                        "workers: 0\n"
                        "keys: [\"\"]\n"
                        "http: { max_body_bytes: -1 }\n"
                        "log: { level: loud, sample_rate: 1.5 }\n"
                        "providers:\n"
                        "  - kind: azure\n");
    assert_int_equal(diag.count, 8);
    assert_string_equal(diag.messages[0], NAME ":3: models[0].route[0].provider: no provider "
                                               "named 'ghost' is declared under providers");
    assert_string_equal(diag.messages[1],
                        NAME ":4: workers: expected an integer from 1 to 256, got '0'");
    assert_string_equal(diag.messages[2], NAME ":5: keys[0]: must not be empty");
    assert_string_equal(diag.messages[3],
                        NAME ":6: http.max_body_bytes: expected a size in bytes from 1 to 1GiB "
                             "(a KiB, MiB or GiB suffix may follow the number), got '-1'");
    assert_string_equal(diag.messages[4],
                        NAME ":7: log.level: expected debug, info, warn or error, got 'loud'");
    assert_string_equal(diag.messages[5],
                        NAME ":7: log.sample_rate: expected a number from 0 to 1, got '1.5'");
    assert_string_equal(diag.messages[6], NAME ":9: providers[0]: missing required key 'name'");
    assert_string_equal(diag.messages[7], NAME ":9: providers[0]: missing required key 'base_url'");
    sy_config_diag_dispose(&diag);
}

static void appends_to_a_diag_that_already_holds_messages(void **state)
{
    struct sy_config_diag diag = {0};

    (void)state;
    assert_null(load("workers: x\n", &diag));
    assert_null(load("listen: x\n", &diag));
    assert_int_equal(diag.count, 2);
    assert_non_null(strstr(diag.messages[0], "workers"));
    assert_non_null(strstr(diag.messages[1], "listen"));
    sy_config_diag_dispose(&diag);
    assert_int_equal(diag.count, 0);
    assert_null(diag.messages);
    /* A NULL diag is allowed: the load still fails. */
    assert_null(load("workers: x\n", NULL));
}

static void rejects_wrong_types_without_crashing(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("listen: [127.0.0.1, 8080]\n"
                        "workers: eight\n"
                        "keys: { a: b }\n"
                        "http: [1, 2]\n"
                        "upstream: 5\n"
                        "log: { slow_ms: { a: 1 } }\n"
                        "providers: { name: p }\n"
                        "models:\n"
                        "  - name: [m]\n"
                        "    route: { provider: p }\n"
                        "  - just a string\n"
                        "  - ~\n");
    assert_has(&diag, NAME ":1: listen: expected host:port, got a list");
    assert_has(&diag, NAME ":2: workers: expected an integer from 1 to 256, got 'eight'");
    assert_has(&diag, NAME ":3: keys: expected a list, got a mapping");
    assert_has(&diag, NAME ":4: http: expected a mapping, got a list");
    assert_has(&diag, NAME ":5: upstream: expected a mapping, got a scalar");
    assert_has(&diag, NAME ":6: log.slow_ms: expected an integer, got a mapping");
    assert_has(&diag, NAME ":7: providers: expected a list, got a mapping");
    assert_has(&diag, NAME ":9: models[0].name: expected a string, got a list");
    assert_has(&diag, NAME ":10: models[0].route: expected a list, got a mapping");
    assert_has(&diag, NAME ":11: models[1]: expected a mapping, got a scalar");
    assert_has(&diag, NAME ":12: models[2]: expected a mapping, got null");
    sy_config_diag_dispose(&diag);

    diag = load_failing("- a\n- b\n");
    assert_has(&diag, NAME ":1: the top level must be a mapping, got a list");
    sy_config_diag_dispose(&diag);

    diag = load_failing("providers:\n"
                        "  - name: p\n"
                        "    base_url: http://h\n"
                        "    allow_private: yes\n"
                        "    headers: [a]\n"
                        "    forward_headers: x-a\n");
    assert_has(&diag, NAME ":4: providers[0].allow_private: expected true or false, got 'yes'");
    assert_has(&diag, NAME ":5: providers[0].headers: expected a mapping, got a list");
    assert_has(&diag, NAME ":6: providers[0].forward_headers: expected a list, got a scalar");
    sy_config_diag_dispose(&diag);
}

static void rejects_duplicate_provider_and_model_names(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("providers:\n"
                        "  - { name: a, base_url: http://h }\n"
                        "  - { name: b, base_url: http://h }\n"
                        "  - { name: a, base_url: http://h }\n"
                        "models:\n"
                        "  - { name: m, route: [{ provider: a, model: x }] }\n"
                        "  - { name: m, route: [{ provider: b, model: x }] }\n");
    assert_has(&diag, NAME ":4: providers[2].name: duplicate provider name 'a' (first at line 2)");
    assert_has(&diag, NAME ":7: models[1].name: duplicate model name 'm' (first at line 6)");
    assert_int_equal(diag.count, 2);
    sy_config_diag_dispose(&diag);
}

static void rejects_a_route_to_an_undeclared_provider_with_its_line(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    /* Models may come before providers in the file. */
    diag = load_failing("models:\n"
                        "  - name: fast\n"
                        "    route:\n"
                        "      - provider: local\n"
                        "        model: a\n"
                        "      - provider: remote\n"
                        "        model: b\n"
                        "      - model: c\n"
                        "providers:\n"
                        "  - { name: local, base_url: http://h }\n");
    assert_has(&diag, NAME ":6: models[0].route[1].provider: no provider named 'remote' is "
                           "declared under providers");
    assert_has(&diag, NAME ":8: models[0].route[2]: missing required key 'provider'");
    assert_int_equal(diag.count, 2);
    sy_config_diag_dispose(&diag);

    diag = load_failing("models:\n  - name: m\n  - name: n\n    route: []\n");
    assert_has(&diag, NAME ":2: models[0]: missing required key 'route'");
    assert_has(&diag, NAME ":4: models[1].route: must list at least one route");
    sy_config_diag_dispose(&diag);
}

static void accepts_ipv4_ipv6_and_localhost_to_listen_on(void **state)
{
    static const struct {
        const char *yaml;
        const char *host;
        uint16_t port;
    } cases[] = {
        {"listen: 0.0.0.0:80\n", "0.0.0.0", 80},
        {"listen: \"[::1]:8443\"\n", "::1", 8443},
        {"listen: \"[::]:65535\"\n", "::", 65535},
        {"listen: localhost:1\n", "127.0.0.1", 1}, /* the listener binds an address */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sy_config *cfg = load_ok(cases[i].yaml);

        assert_string_equal(cfg->listen_host, cases[i].host);
        assert_int_equal(cfg->listen_port, cases[i].port);
        sy_config_release(cfg);
    }
}

static void rejects_malformed_listen_addresses(void **state)
{
    static const char *const bad[] = {
        "8080",           ":8080",     "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",  "127.0.0.1:65536",
        "::1:8080",       "[::1]8080", "[nope]:80", "[::1:80",    "host name:80", "1.2.3.4:80x",
        "example.com:80",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[128], expected[256];
        struct sy_config_diag diag;

        snprintf(yaml, sizeof(yaml), "\nlisten: \"%s\"\n", bad[i]);
        snprintf(
            expected, sizeof(expected),
            NAME
            ":2: listen: expected IPv4:port, [IPv6]:port or localhost:port with a port from 1 to "
            "65535, got '%s'",
            bad[i]);
        diag = load_failing(yaml);
        assert_int_equal(diag.count, 1);
        assert_has(&diag, expected);
        sy_config_diag_dispose(&diag);
    }
}

static void rejects_base_urls_that_are_not_http_and_strips_trailing_slashes(void **state)
{
    static const char *const bad[] = {
        "ftp://h/v1",     "h:9090/v1",       "http://",     "http:///v1",
        "https://h/v1 x", "http://h/v1?a=b", "http://h/#x",
    };
    struct sy_config *cfg;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[160];
        struct sy_config_diag diag;

        snprintf(yaml, sizeof(yaml), "providers:\n  - name: p\n    base_url: \"%s\"\n", bad[i]);
        diag = load_failing(yaml);
        assert_int_equal(diag.count, 1);
        assert_non_null(strstr(diag.messages[0], NAME ":3: providers[0].base_url: "));
        sy_config_diag_dispose(&diag);
    }
    cfg = load_ok("providers:\n"
                  "  - { name: a, base_url: \"HTTPS://h.example/v1//\" }\n"
                  "  - { name: b, base_url: \"http://h:1/\" }\n");
    assert_string_equal(cfg->providers[0].base_url, "HTTPS://h.example/v1");
    assert_string_equal(cfg->providers[1].base_url, "http://h:1");
    sy_config_release(cfg);
}

static void accepts_every_proxy_scheme_and_rejects_others(void **state)
{
    static const char *const good[] = {"http://p:3128",    "https://p:3128",  "socks4://p:1080",
                                       "socks4a://p:1080", "socks5://p:1080", "socks5h://p:1080"};
    struct sy_config_diag diag;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char yaml[160];
        struct sy_config *cfg;

        snprintf(yaml, sizeof(yaml), "providers: [{ name: p, base_url: http://h, proxy: \"%s\" }]",
                 good[i]);
        cfg = load_ok(yaml);
        assert_string_equal(cfg->providers[0].proxy, good[i]);
        sy_config_release(cfg);
    }
    diag = load_failing("providers: [{ name: p, base_url: http://h, proxy: \"ftp://p:21\" }]");
    assert_has(&diag, NAME ":1: providers[0].proxy: expected a URL with scheme http, https, "
                           "socks4, socks4a, socks5 or socks5h, a host and no spaces");
    sy_config_diag_dispose(&diag);
}

static void accepts_size_suffixes_and_rejects_other_units(void **state)
{
    struct sy_config_diag diag;
    struct sy_config *cfg;

    (void)state;
    cfg = load_ok("http: { max_body_bytes: 1GiB, max_header_bytes: 1 KiB }\n"
                  "upstream: { max_response_bytes: 3MiB, max_event_bytes: 4096,"
                  " stream_buffer_bytes: 64KiB }\n");
    assert_int_equal(cfg->http.max_body_bytes, 1024 * 1024 * 1024);
    assert_int_equal(cfg->http.max_header_bytes, 1024);
    assert_int_equal(cfg->upstream.max_response_bytes, 3 * 1024 * 1024);
    assert_int_equal(cfg->upstream.max_event_bytes, 4096);
    assert_int_equal(cfg->upstream.stream_buffer_bytes, 64 * 1024);
    sy_config_release(cfg);

    diag = load_failing("http:\n"
                        "  max_body_bytes: 4MB\n"
                        "  max_header_bytes: 2MiB\n"
                        "upstream:\n"
                        "  max_response_bytes: 99999999999999999999999\n"
                        "  max_event_bytes: 17179869184GiB\n"
                        "  stream_buffer_bytes: 1.5MiB\n"
                        "  connect_timeout_ms: 1s\n");
    assert_int_equal(diag.count, 6);
    assert_has(&diag, NAME ":2: http.max_body_bytes: expected a size in bytes from 1 to 1GiB (a "
                           "KiB, MiB or GiB suffix may follow the number), got '4MB'");
    assert_has(&diag, NAME ":3: http.max_header_bytes: expected a size in bytes from 1KiB to "
                           "1MiB (a KiB, MiB or GiB suffix may follow the number), got '2MiB'");
    assert_has(&diag,
               NAME ":8: upstream.connect_timeout_ms: expected an integer from 1 to 86400000, "
                    "got '1s'");
    sy_config_diag_dispose(&diag);
}

static void resolves_zero_provider_timeouts_to_the_global_ones(void **state)
{
    struct sy_config *cfg;
    const struct sy_config_timeouts *t;

    (void)state;
    cfg = load_ok("providers:\n"
                  "  - name: p\n"
                  "    base_url: http://h\n"
                  "    timeouts: { total_ms: 1234, stream_idle_ms: 0 }\n"
                  "upstream: { connect_timeout_ms: 77 }\n");
    t = &cfg->providers[0].timeouts;
    assert_int_equal(t->connect_ms, 77);
    assert_int_equal(t->first_byte_ms, 60000);
    assert_int_equal(t->total_ms, 1234);
    assert_int_equal(t->stream_idle_ms, 60000);
    sy_config_release(cfg);
}

static void gives_azure_a_default_api_version_and_refuses_it_elsewhere(void **state)
{
    struct sy_config_diag diag;
    struct sy_config *cfg;

    (void)state;
    cfg = load_ok("providers: [{ name: az, kind: azure, base_url: https://h }]\n");
    assert_string_equal(cfg->providers[0].api_version, "2024-10-21");
    sy_config_release(cfg);

    /* api_version may come before kind. */
    cfg = load_ok("providers: [{ name: az, api_version: 2024-06-01, kind: azure, "
                  "base_url: https://h }]\n");
    assert_string_equal(cfg->providers[0].api_version, "2024-06-01");
    sy_config_release(cfg);

    diag = load_failing("providers:\n  - name: o\n    base_url: http://h\n"
                        "    api_version: 2024-10-21\n");
    assert_has(&diag, NAME ":4: providers[0].api_version: only providers of kind azure or "
                           "anthropic take an api_version");
    sy_config_diag_dispose(&diag);
}

static void lower_cases_forward_headers_and_refuses_a_lone_star(void **state)
{
    struct sy_config_diag diag;
    struct sy_config *cfg;

    (void)state;
    cfg = load_ok("providers: [{ name: p, base_url: http://h,"
                  " forward_headers: [X-Mock-*, X-Trace-ID] }]\n");
    assert_string_equal(cfg->providers[0].forward_headers[0], "x-mock-*");
    assert_string_equal(cfg->providers[0].forward_headers[1], "x-trace-id");
    sy_config_release(cfg);

    diag = load_failing("providers:\n"
                        "  - name: p\n"
                        "    base_url: http://h\n"
                        "    forward_headers:\n"
                        "      - \"*\"\n"
                        "      - x-*-y\n"
                        "      - \"x trace\"\n"
                        "      - \"\"\n");
    assert_int_equal(diag.count, 4);
    assert_has(&diag, NAME ":8: providers[0].forward_headers[3]: must not be empty");
    sy_config_diag_dispose(&diag);
}

static void refuses_headers_the_gateway_sets_itself(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("providers:\n"
                        "  - name: p\n"
                        "    base_url: http://h\n"
                        "    headers:\n"
                        "      Content-Length: 5\n"
                        "      \"Bad Name\": x\n");
    assert_has(&diag, NAME ":5: providers[0].headers: content-length is set by the gateway and "
                           "cannot be configured");
    assert_has(&diag, NAME ":6: providers[0].headers: 'Bad Name' is not a valid header name");
    sy_config_diag_dispose(&diag);
}

static void requires_both_tls_files_and_that_they_are_readable(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("http:\n  tls:\n    cert: /nonexistent/cert.pem\n");
    /* A block mapping starts at its first key. */
    assert_has(&diag, NAME ":3: http.tls: set both cert and key to serve TLS, or neither");
    assert_has(&diag, NAME ":3: http.tls.cert: cannot read '/nonexistent/cert.pem': No such file "
                           "or directory");
    sy_config_diag_dispose(&diag);
}

/* ---- YAML ---------------------------------------------------------------- */

static void reports_yaml_syntax_errors_with_their_line(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("listen: 127.0.0.1:8080\nworkers: 2\nkeys: [a, b\nhttp: {}\n");
    assert_int_equal(diag.count, 1);
    assert_non_null(strstr(diag.messages[0], "invalid YAML"));
    assert_true(strncmp(diag.messages[0], NAME ":", strlen(NAME ":")) == 0);
    sy_config_diag_dispose(&diag);

    diag = load_failing("a: 1\nb: 2\nc: \"\\xZZ\"\n");
    assert_has(&diag, NAME ":3: invalid YAML: double-quoted scalar has invalid hex escape");
    sy_config_diag_dispose(&diag);
}

static void refuses_duplicate_keys_aliases_and_a_second_document(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("workers: 2\nlisten: 127.0.0.1:1\nworkers: 3\n");
    assert_has(&diag, NAME ":3: duplicate key 'workers' (first at line 1)");
    sy_config_diag_dispose(&diag);

    /* Found by fuzz_config: a repeated key used to fill its field twice and
     * leak the first value. */
    diag = load_failing("providers:\n"
                        "  - name: p\n"
                        "    base_url: http://h\n"
                        "    headers: { X-A: a }\n"
                        "    forward_headers: [x-a]\n"
                        "    headers: { X-B: b }\n"
                        "    forward_headers: [x-b]\n"
                        "    name: q\n");
    assert_has(&diag, NAME ":6: duplicate key 'headers' (first at line 4)");
    assert_has(&diag, NAME ":7: duplicate key 'forward_headers' (first at line 5)");
    assert_has(&diag, NAME ":8: duplicate key 'name' (first at line 2)");
    assert_int_equal(diag.count, 3);
    sy_config_diag_dispose(&diag);

    diag = load_failing("keys: &k [a]\nproviders: *k\n");
    assert_has(&diag, NAME ":2: aliases (*name) are not supported");
    sy_config_diag_dispose(&diag);

    diag = load_failing("workers: 2\n---\nworkers: 3\n");
    assert_has(&diag, NAME ":2: only one YAML document is allowed; another starts here");
    sy_config_diag_dispose(&diag);

    diag = load_failing("keys: [\"a\\0b\"]\n");
    assert_has(&diag, NAME ":1: keys[0]: contains a NUL byte");
    sy_config_diag_dispose(&diag);
}

static void refuses_documents_over_the_size_limit(void **state)
{
    size_t len = 2 * 1024 * 1024;
    char *big = malloc(len);
    struct sy_config_diag diag = {0};

    (void)state;
    assert_non_null(big);
    memset(big, '#', len);
    assert_null(sy_config_load_string(NAME, big, len, &diag));
    assert_has(&diag, NAME ":1: larger than the limit of 1048576 bytes");
    sy_config_diag_dispose(&diag);
    free(big);
}

static void reports_a_file_that_cannot_be_read(void **state)
{
    struct sy_config_diag diag = {0};

    (void)state;
    assert_null(sy_config_load_file("/nonexistent/switchyard.yaml", &diag));
    assert_has(&diag, "/nonexistent/switchyard.yaml: cannot open: No such file or directory");
    sy_config_diag_dispose(&diag);
}

/* ---- Snapshot ------------------------------------------------------------ */

static void frees_the_snapshot_on_the_last_release_only(void **state)
{
    struct sy_config *cfg = load_ok("keys: [a]\n");

    (void)state;
    assert_int_equal(cfg->refcount, 1);
    assert_ptr_equal(sy_config_acquire(cfg), cfg);
    assert_ptr_equal(sy_config_acquire(cfg), cfg);
    assert_int_equal(cfg->refcount, 3);
    sy_config_release(cfg);
    sy_config_release(cfg);
    /* Still readable: one reference left (ASan would report a use after free). */
    assert_int_equal(cfg->refcount, 1);
    assert_string_equal(cfg->keys[0], "a");
    sy_config_release(cfg); /* LeakSanitizer reports it if this does not free */
    assert_null(sy_config_acquire(NULL));
    sy_config_release(NULL);
}

static void builds_the_embedded_default_around_the_mock_provider(void **state)
{
    struct sy_config *cfg;
    const struct sy_config_model *m;

    (void)state;
    unsetenv("SWITCHYARD_API_KEY");
    cfg = sy_config_default("http://127.0.0.1:9999/v1/");
    assert_string_equal(cfg->source, "<embedded>");
    assert_int_equal(cfg->refcount, 1);
    assert_string_equal(cfg->listen_host, "127.0.0.1");
    assert_int_equal(cfg->listen_port, 8080);
    assert_true(cfg->workers >= 1);
    assert_int_equal(cfg->keys_count, 1);
    assert_string_equal(cfg->keys[0], "sk-switchyard-dev");
    assert_int_equal(cfg->providers_count, 1);
    assert_string_equal(cfg->providers[0].name, "mock");
    assert_int_equal(cfg->providers[0].kind, SY_KIND_OPENAI);
    assert_string_equal(cfg->providers[0].base_url, "http://127.0.0.1:9999/v1");
    assert_int_equal(cfg->providers[0].forward_headers_count, 1);
    assert_string_equal(cfg->providers[0].forward_headers[0], "x-mock-*");
    assert_int_equal(cfg->providers[0].timeouts.total_ms, 600000);
    assert_int_equal(cfg->models_count, 2);
    m = sy_config_find_model(cfg, "gpt-4o-mini", strlen("gpt-4o-mini"));
    assert_non_null(m);
    assert_ptr_equal(m->routes[0].provider, &cfg->providers[0]);
    assert_string_equal(m->routes[0].model, "gpt-4o-mini");
    m = sy_config_find_model(cfg, "mock", 4);
    assert_non_null(m);
    assert_string_equal(m->routes[0].model, "mock");
    sy_config_release(cfg);

    setenv("SWITCHYARD_API_KEY", "sk-from-env", 1);
    cfg = sy_config_default("http://m/v1");
    assert_string_equal(cfg->keys[0], "sk-from-env");
    sy_config_release(cfg);
    unsetenv("SWITCHYARD_API_KEY");
}

static void finds_models_by_a_name_that_is_not_nul_terminated(void **state)
{
    struct sy_config *cfg = load_ok("providers: [{ name: p, base_url: http://h }]\n"
                                    "models:\n"
                                    "  - { name: gpt, route: [{ provider: p, model: a }] }\n"
                                    "  - { name: gpt-4o, route: [{ provider: p, model: b }] }\n");
    const char body[] = "gpt-4o\",\"messages\"";

    (void)state;
    assert_string_equal(sy_config_find_model(cfg, body, 6)->name, "gpt-4o");
    assert_string_equal(sy_config_find_model(cfg, body, 3)->name, "gpt");
    assert_null(sy_config_find_model(cfg, body, 4));
    assert_null(sy_config_find_model(cfg, "", 0));
    sy_config_release(cfg);
}

static void prints_a_summary_without_any_secret(void **state)
{
    struct sy_config *cfg;
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    cfg = load_ok("keys: [sk-gateway-secret]\n"
                  "providers:\n"
                  "  - name: p\n"
                  "    base_url: https://user:base-secret@h/v1\n"
                  "    api_key: sk-upstream-secret\n"
                  "    proxy: http://me:proxy-secret@proxy:3128\n"
                  "    headers: { X-Api-Key: header-secret }\n"
                  "models: [{ name: m, route: [{ provider: p, model: x }] }]\n");
    f = open_memstream(&text, &len);
    assert_non_null(f);
    sy_config_print(cfg, f);
    assert_int_equal(fclose(f), 0);
    assert_null(strstr(text, "secret"));
    assert_non_null(strstr(text, "(set, 17 chars)"));
    assert_non_null(strstr(text, "api_key: (set, 18 chars)"));
    assert_non_null(strstr(text, "base_url: https://(credentials hidden)@h/v1"));
    assert_non_null(strstr(text, "- {provider: p, model: x}"));
    free(text);
    sy_config_release(cfg);
}

static void refuses_an_empty_route_and_an_api_key_that_could_inject_headers(void **state)
{
    struct sy_config_diag diag;

    (void)state;
    diag = load_failing("providers:\n"
                        "  - name: p\n"
                        "    base_url: http://h\n"
                        "    api_key: \"sk-1\\r\\nX-Injected: 1\"\n"
                        "models:\n"
                        "  - name: m\n"
                        "    route:\n");
    assert_has(&diag, NAME ":4: providers[0].api_key: must not hold control characters");
    assert_has(&diag, NAME ":7: models[0].route: must list at least one route");
    assert_nowhere(&diag, "sk-1");
    sy_config_diag_dispose(&diag);
}

static void knows_what_each_new_provider_kind_needs(void **state)
{
    struct sy_config_diag diag;
    struct sy_config *cfg;

    (void)state;
    cfg = load_ok("providers:\n"
                  "  - { name: a, kind: anthropic, api_key: k }\n"
                  "  - { name: g, kind: gemini, api_key: k }\n"
                  "  - { name: b, kind: bedrock, region: eu-west-1, access_key_id: A,"
                  " secret_access_key: S }\n");
    assert_string_equal(cfg->providers[0].base_url, "https://api.anthropic.com");
    assert_string_equal(cfg->providers[0].api_version, "2023-06-01");
    assert_string_equal(cfg->providers[1].base_url,
                        "https://generativelanguage.googleapis.com/v1beta");
    assert_string_equal(cfg->providers[2].base_url,
                        "https://bedrock-runtime.eu-west-1.amazonaws.com");
    sy_config_release(cfg);

    diag = load_failing("providers:\n"
                        "  - { name: b, kind: bedrock, project: p }\n"
                        "  - { name: v, kind: vertex, region: r, project: p,"
                        " credentials_file: /nonexistent.json }\n");
    assert_has(&diag, NAME ":2: providers[0]: kind bedrock needs 'region'");
    assert_has(&diag, NAME ":2: providers[0].project: providers of kind bedrock take no project");
    assert_has(&diag, NAME ":2: providers[0]: kind bedrock needs 'secret_access_key'");
    sy_config_diag_dispose(&diag);

    diag = load_failing("providers:\n"
                        "  - { name: b, kind: bedrock, region: \"\", access_key_id: A,"
                        " secret_access_key: S, api_key: k }\n");
    assert_has(&diag, NAME ":2: providers[0]: kind bedrock needs 'region'");
    assert_has(&diag, NAME ":2: providers[0].api_key: providers of kind bedrock authenticate with "
                           "access_key_id and secret_access_key, not api_key");
    sy_config_diag_dispose(&diag);
}

static void enables_providers_whose_keys_are_in_the_environment(void **state)
{
    struct sy_config *cfg;
    const struct sy_config_model *m;

    (void)state;
    unsetenv("OPENAI_API_KEY");
    unsetenv("GEMINI_API_KEY");
    setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
    cfg = sy_config_default("http://127.0.0.1:1/v1");
    m = sy_config_find_model(cfg, "claude-sonnet-4-5", strlen("claude-sonnet-4-5"));
    assert_non_null(m);
    assert_int_equal(m->routes[0].provider->kind, SY_KIND_ANTHROPIC);
    assert_string_equal(m->routes[0].provider->api_key, "sk-ant-test");
    m = sy_config_find_model(cfg, "gpt-4o-mini", strlen("gpt-4o-mini"));
    assert_string_equal(m->routes[0].provider->name, "mock");
    sy_config_release(cfg);

    setenv("OPENAI_API_KEY", "sk-openai-test", 1);
    cfg = sy_config_default("http://127.0.0.1:1/v1");
    m = sy_config_find_model(cfg, "gpt-4o-mini", strlen("gpt-4o-mini"));
    assert_string_equal(m->routes[0].provider->name, "openai"); /* the real one wins */
    assert_non_null(sy_config_find_model(cfg, "mock", 4));
    sy_config_release(cfg);
    unsetenv("OPENAI_API_KEY");
    unsetenv("ANTHROPIC_API_KEY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_the_full_example_with_every_value),
        cmocka_unit_test(fills_every_default_for_an_empty_document),
        cmocka_unit_test(keeps_the_default_where_a_value_is_null),
        cmocka_unit_test(expands_environment_variables_inside_any_scalar),
        cmocka_unit_test(uses_the_default_when_the_variable_is_unset_or_empty),
        cmocka_unit_test(names_an_unset_variable_and_never_shows_a_value_from_the_environment),
        cmocka_unit_test(rejects_unknown_keys_with_their_line),
        cmocka_unit_test(reports_every_problem_of_a_file_in_one_load_sorted_by_line),
        cmocka_unit_test(appends_to_a_diag_that_already_holds_messages),
        cmocka_unit_test(rejects_wrong_types_without_crashing),
        cmocka_unit_test(rejects_duplicate_provider_and_model_names),
        cmocka_unit_test(rejects_a_route_to_an_undeclared_provider_with_its_line),
        cmocka_unit_test(accepts_ipv4_ipv6_and_localhost_to_listen_on),
        cmocka_unit_test(rejects_malformed_listen_addresses),
        cmocka_unit_test(refuses_an_empty_route_and_an_api_key_that_could_inject_headers),
        cmocka_unit_test(knows_what_each_new_provider_kind_needs),
        cmocka_unit_test(enables_providers_whose_keys_are_in_the_environment),
        cmocka_unit_test(rejects_base_urls_that_are_not_http_and_strips_trailing_slashes),
        cmocka_unit_test(accepts_every_proxy_scheme_and_rejects_others),
        cmocka_unit_test(accepts_size_suffixes_and_rejects_other_units),
        cmocka_unit_test(resolves_zero_provider_timeouts_to_the_global_ones),
        cmocka_unit_test(gives_azure_a_default_api_version_and_refuses_it_elsewhere),
        cmocka_unit_test(lower_cases_forward_headers_and_refuses_a_lone_star),
        cmocka_unit_test(refuses_headers_the_gateway_sets_itself),
        cmocka_unit_test(requires_both_tls_files_and_that_they_are_readable),
        cmocka_unit_test(reports_yaml_syntax_errors_with_their_line),
        cmocka_unit_test(refuses_duplicate_keys_aliases_and_a_second_document),
        cmocka_unit_test(refuses_documents_over_the_size_limit),
        cmocka_unit_test(reports_a_file_that_cannot_be_read),
        cmocka_unit_test(frees_the_snapshot_on_the_last_release_only),
        cmocka_unit_test(builds_the_embedded_default_around_the_mock_provider),
        cmocka_unit_test(finds_models_by_a_name_that_is_not_nul_terminated),
        cmocka_unit_test(prints_a_summary_without_any_secret),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
