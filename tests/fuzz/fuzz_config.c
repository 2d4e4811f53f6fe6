/* tests/fuzz/fuzz_config.c - the config loader against arbitrary YAML.
 *
 * Beyond "no crash, no leak": a load either returns a snapshot that keeps the
 * promises of config.h, or fails with at least one diagnostic, and every
 * diagnostic names its line as "fuzz.yaml:<digits>: " so that an operator can
 * find the problem. Anything else aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define NAME "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when `message` reads "fuzz.yaml:<digits>: <something>". */
static int has_line_number(const char *message)
{
    const char *p = message;
    size_t digits = 0;

    if (strncmp(p, NAME ":", sizeof(NAME)) != 0)
        return 0;
    p += sizeof(NAME);
    while (p[digits] >= '0' && p[digits] <= '9')
        digits++;
    return digits > 0 && p[digits] == ':' && p[digits + 1] == ' ' && p[digits + 2] != '\0';
}

/* Checks what config.h promises about a snapshot that loaded. */
static void check_snapshot(const struct sy_config *cfg)
{
    if (cfg->refcount != 1 || cfg->workers < 1 || cfg->workers > 256 || cfg->listen_port == 0)
        abort();
    for (size_t i = 0; i < cfg->keys_count; i++) {
        if (cfg->keys[i] == NULL || cfg->keys[i][0] == '\0')
            abort();
    }
    for (size_t i = 0; i < cfg->providers_count; i++) {
        const struct sy_config_provider *p = &cfg->providers[i];
        size_t len;

        if (p->name == NULL || p->base_url == NULL)
            abort();
        len = strlen(p->base_url);
        if (len == 0 || p->base_url[len - 1] == '/')
            abort();
        if (p->timeouts.connect_ms == 0 || p->timeouts.first_byte_ms == 0 ||
            p->timeouts.total_ms == 0 || p->timeouts.stream_idle_ms == 0)
            abort();
        if ((p->kind == SY_KIND_AZURE) != (p->api_version != NULL))
            abort();
    }
    for (size_t i = 0; i < cfg->models_count; i++) {
        const struct sy_config_model *m = &cfg->models[i];

        if (m->name == NULL || m->routes_count == 0)
            abort();
        if (sy_config_find_model(cfg, m->name, strlen(m->name)) != m)
            abort(); /* names are unique */
        for (size_t r = 0; r < m->routes_count; r++) {
            const struct sy_config_provider *p = m->routes[r].provider;

            if (p < cfg->providers || p >= cfg->providers + cfg->providers_count ||
                m->routes[r].model == NULL)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    struct sy_config_diag diag = {0};
    struct sy_config *cfg;

    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    cfg = sy_config_load_string(NAME, (const char *)data, size, &diag);
    if (cfg != NULL) {
        if (diag.count != 0)
            abort();
        check_snapshot(cfg);
        if (sink != NULL)
            sy_config_print(cfg, sink);
        sy_config_release(sy_config_acquire(cfg));
        sy_config_release(cfg);
    } else {
        if (diag.count == 0)
            abort();
        for (size_t i = 0; i < diag.count; i++) {
            if (!has_line_number(diag.messages[i]))
                abort();
        }
    }
    sy_config_diag_dispose(&diag);
    return 0;
}
