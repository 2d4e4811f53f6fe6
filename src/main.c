/* main.c - command line dispatch: serve, config check, mock-provider. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <uv.h>

#include "config/config.h"
#include "core/log.h"
#include "http/http.h"
#include "mock_provider/mock_provider.h"

#define SY_VERSION "0.1.0"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard <command> [options]\n"
            "\n"
            "commands:\n"
            "  serve [-c FILE]            run the gateway (no FILE: embedded defaults with\n"
            "                             a built-in fake provider, for trying it offline)\n"
            "  config check FILE          validate FILE and print what it resolves to\n"
            "  mock-provider [--port N]   run the fake LLM provider (see docs/mock-provider.md)\n"
            "  version                    print the version\n");
}

static void print_diag(const struct sy_config_diag *diag)
{
    for (size_t i = 0; i < diag->count; i++)
        fprintf(stderr, "%s\n", diag->messages[i]);
}

/* ---- config check ------------------------------------------------------- */

static int cmd_config(int argc, char **argv)
{
    struct sy_config_diag diag = {0};
    struct sy_config *cfg;

    if (argc != 3 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "usage: switchyard config check FILE\n");
        return 2;
    }
    cfg = sy_config_load_file(argv[2], &diag);
    if (cfg == NULL) {
        print_diag(&diag);
        fprintf(stderr, "%s: %zu problem%s\n", argv[2], diag.count, diag.count == 1 ? "" : "s");
        sy_config_diag_dispose(&diag);
        return 1;
    }
    sy_config_print(cfg, stdout);
    printf("%s: ok\n", argv[2]);
    sy_config_release(cfg);
    sy_config_diag_dispose(&diag);
    return 0;
}

/* ---- serve -------------------------------------------------------------- */

struct serve {
    const char *path; /* NULL: embedded default */
    struct sy_config *cfg;
    struct sy_server *srv;
    struct sy_mock_provider *mock;
    uv_signal_t sighup, sigterm, sigint;
};

static void apply_log_level(const struct sy_config *cfg)
{
    enum sy_log_level level;

    if (cfg->log.level != NULL && sy_log_level_parse(cfg->log.level, &level) == 0)
        sy_log_set_level(level);
}

static bool str_differs(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

/* True when `next` changes something only a restart applies (the listeners
 * and the HTTP layer are set up once at boot). */
static bool needs_restart(const struct sy_config *cur, const struct sy_config *next)
{
    return strcmp(next->listen_host, cur->listen_host) != 0 ||
           next->listen_port != cur->listen_port || next->workers != cur->workers ||
           str_differs(next->http.tls_cert, cur->http.tls_cert) ||
           str_differs(next->http.tls_key, cur->http.tls_key) ||
           next->http.read_timeout_ms != cur->http.read_timeout_ms ||
           next->http.idle_timeout_ms != cur->http.idle_timeout_ms ||
           next->http.drain_timeout_ms != cur->http.drain_timeout_ms;
}

static void on_sighup(uv_signal_t *sig, int signum)
{
    struct serve *s = sig->data;
    struct sy_config_diag diag = {0};
    struct sy_config *next;

    (void)signum;
    if (s->path == NULL) {
        sy_log_info("reload: running on embedded defaults, nothing to reload");
        return;
    }
    next = sy_config_load_file(s->path, &diag);
    if (next == NULL) {
        for (size_t i = 0; i < diag.count; i++)
            sy_log_error("reload rejected: %s", diag.messages[i]);
        sy_log_error("reload: %s has %zu problems; still serving the previous config", s->path,
                     diag.count);
        sy_config_diag_dispose(&diag);
        return;
    }
    sy_config_diag_dispose(&diag);
    if (needs_restart(s->cfg, next))
        sy_log_warn("reload: changes to listen, workers, http.tls, http.read_timeout_ms, "
                    "http.idle_timeout_ms or http.drain_timeout_ms take effect after a restart; "
                    "the rest applies to new requests now");
    apply_log_level(next);
    sy_server_swap_config(s->srv, next);
    sy_config_release(s->cfg);
    s->cfg = next;
    sy_log_info("reload: now serving %s", s->path);
}

static void on_stop_signal(uv_signal_t *sig, int signum)
{
    struct serve *s = sig->data;

    sy_log_info("shutdown: %s received, draining for up to %u ms",
                signum == SIGTERM ? "SIGTERM" : "SIGINT", s->cfg->http.drain_timeout_ms);
    sy_server_stop(s->srv, s->cfg->http.drain_timeout_ms);
    s->srv = NULL;
    uv_close((uv_handle_t *)&s->sighup, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
}

/* What `serve` without a config serves, and how to call it. */
static void print_default_help(const struct sy_config *cfg)
{
    const char *key =
        getenv("SWITCHYARD_API_KEY") != NULL ? "$SWITCHYARD_API_KEY" : "sk-switchyard-dev";

    printf("\nNo config given: embedded defaults. Models:\n");
    for (size_t i = 0; i < cfg->models_count; i++)
        printf("  %-20s -> %s (%s)\n", cfg->models[i].name, cfg->models[i].routes[0].provider->name,
               sy_provider_kind_name(cfg->models[i].routes[0].provider->kind));
    printf("(OPENAI_API_KEY, ANTHROPIC_API_KEY and GEMINI_API_KEY in the environment add those\n"
           "providers.) Try:\n\n"
           "  curl http://%s:%u/v1/chat/completions \\\n"
           "    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n"
           "    -d '{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n\n"
           "or, with the openai SDK: baseURL \"http://%s:%u/v1\", apiKey \"%s\".\n",
           cfg->listen_host, cfg->listen_port, key, cfg->listen_host, cfg->listen_port, key);
}

static int cmd_serve(int argc, char **argv)
{
    struct serve s = {0};
    struct sy_config_diag diag = {0};
    uv_loop_t *loop = uv_default_loop();

    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            s.path = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (s.path != NULL) {
        s.cfg = sy_config_load_file(s.path, &diag);
        if (s.cfg == NULL) {
            print_diag(&diag);
            sy_config_diag_dispose(&diag);
            return 1;
        }
        sy_config_diag_dispose(&diag);
    } else {
        uint16_t port = 0;
        char url[64];
        if (sy_mock_provider_start("127.0.0.1", 0, 1, &s.mock, &port) != 0)
            return 1;
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1", port);
        s.cfg = sy_config_default(url);
    }
    apply_log_level(s.cfg);
    if (sy_server_start(s.cfg, &s.srv) != 0) {
        sy_config_release(s.cfg);
        if (s.mock != NULL)
            sy_mock_provider_stop(s.mock);
        return 1;
    }

    const char *host = s.cfg->listen_host;
    int v6 = strchr(host, ':') != NULL;
    printf("switchyard %s listening on %s://%s%s%s:%u (%u workers, config: %s)\n", SY_VERSION,
           s.cfg->http.tls_cert != NULL ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
           s.cfg->listen_port, s.cfg->workers, s.cfg->source);
    if (s.path == NULL)
        print_default_help(s.cfg);
    fflush(stdout);

    uv_signal_init(loop, &s.sighup);
    uv_signal_init(loop, &s.sigterm);
    uv_signal_init(loop, &s.sigint);
    s.sighup.data = s.sigterm.data = s.sigint.data = &s;
    uv_signal_start(&s.sighup, on_sighup, SIGHUP);
    uv_signal_start(&s.sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&s.sigint, on_stop_signal, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);

    if (s.mock != NULL)
        sy_mock_provider_stop(s.mock);
    sy_config_release(s.cfg);
    sy_log_info("shutdown: done");
    return 0;
}

int main(int argc, char **argv)
{
    int rc;

    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "mock-provider") == 0)
        return sy_mock_provider_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("switchyard %s\n", SY_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(argv[1], "serve") == 0)
        rc = cmd_serve(argc - 1, argv + 1);
    else if (strcmp(argv[1], "config") == 0)
        rc = cmd_config(argc - 1, argv + 1);
    else {
        usage(stderr);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
