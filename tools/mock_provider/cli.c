/* mock_provider/cli.c - `switchyard mock-provider`: the provider in the foreground. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock_provider/mock_provider.h"

#define DEFAULT_PORT        8081
#define MAX_DEFAULT_THREADS 8

static void usage(FILE *f)
{
    (void)fputs("usage: switchyard mock-provider [--host H] [--port N] [--threads N]\n"
                "         [--vertex-public-key FILE.pem] [--token-ttl S]\n"
                "         [--aws-access-key-id ID --aws-secret-access-key KEY]\n"
                "  --host H     address to listen on (default 127.0.0.1)\n"
                "  --port N     port, 0 for any free one (default 8081)\n"
                "  --threads N  event-loop threads (default: one per CPU, at most 8)\n"
                "  --vertex-public-key FILE  PEM public key (or certificate) that verifies the\n"
                "               service-account JWTs POST /token takes (default: refuse them)\n"
                "  --token-ttl S  lifetime of the access tokens /token issues (default 3600)\n"
                "  --aws-access-key-id ID, --aws-secret-access-key KEY  the credentials Bedrock\n"
                "               requests must be SigV4-signed with (default: refuse them)\n",
                f);
}

/* Reads a small file whole (a PEM key). Returns it NUL-terminated, or NULL (reported). */
static char *read_small_file(const char *path)
{
    enum { MAX_KEY_FILE_BYTES = 1024 * 1024 };

    FILE *f = fopen(path, "rb");
    char *text;
    size_t len;

    if (f == NULL) {
        (void)fprintf(stderr, "mock-provider: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    text = malloc(MAX_KEY_FILE_BYTES + 1);
    if (text == NULL) {
        (void)fclose(f);
        return NULL;
    }
    len = fread(text, 1, MAX_KEY_FILE_BYTES + 1, f);
    (void)fclose(f);
    if (len > MAX_KEY_FILE_BYTES) {
        (void)fprintf(stderr, "mock-provider: %s is larger than 1 MiB\n", path);
        free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

/* Parses a decimal number from `min` to `max`. Returns 0 or -1. */
static int parse_number(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Returns the value of option `name` at argv[*i], as "--name V" or "--name=V", advancing *i;
 * NULL when argv[*i] is not that option. Sets *missing when the value is absent. */
static const char *option(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);

    if (argv[*i] == NULL || strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int sy_mock_provider_main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long port = DEFAULT_PORT;
    unsigned long threads = cpus < 1 ? 1 : cpus > MAX_DEFAULT_THREADS ? MAX_DEFAULT_THREADS : cpus;
    struct sy_mock_provider_auth auth = {0};
    unsigned long ttl = 0;
    const char *key_path = NULL;
    char *key_pem = NULL;
    struct sy_mock_provider *mp;
    uint16_t bound;
    sigset_t set, saved;
    int sig = 0, rc;

    for (int i = 1; i < argc; i++) {
        const char *v;
        int missing = 0;

        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if ((v = option(argc, argv, &i, "--host", &missing)) != NULL && *v != '\0') {
            host = v;
            continue;
        }
        if ((v = option(argc, argv, &i, "--port", &missing)) != NULL &&
            parse_number(v, 0, 65535, &port) == 0)
            continue;
        if ((v = option(argc, argv, &i, "--threads", &missing)) != NULL &&
            parse_number(v, 1, 64, &threads) == 0)
            continue;
        if ((v = option(argc, argv, &i, "--vertex-public-key", &missing)) != NULL && *v != '\0') {
            key_path = v;
            continue;
        }
        if ((v = option(argc, argv, &i, "--token-ttl", &missing)) != NULL &&
            parse_number(v, 1, 86400, &ttl) == 0)
            continue;
        if ((v = option(argc, argv, &i, "--aws-access-key-id", &missing)) != NULL && *v != '\0') {
            auth.aws_access_key_id = v;
            continue;
        }
        if ((v = option(argc, argv, &i, "--aws-secret-access-key", &missing)) != NULL &&
            *v != '\0') {
            auth.aws_secret_access_key = v;
            continue;
        }
        (void)fprintf(stderr, "mock-provider: bad argument '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }

    if ((auth.aws_access_key_id == NULL) != (auth.aws_secret_access_key == NULL)) {
        (void)fputs("mock-provider: --aws-access-key-id and --aws-secret-access-key go together\n",
                    stderr);
        return 2;
    }
    if (key_path != NULL && (key_pem = read_small_file(key_path)) == NULL)
        return 1;
    auth.vertex_public_key_pem = key_pem;
    auth.token_ttl_s = (uint32_t)ttl;

    /* The threads started below block every signal; this one waits for these two. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &saved);
    rc = sy_mock_provider_start_with_auth(host, (uint16_t)port, (unsigned)threads, &auth, &mp,
                                          &bound);
    free(key_pem); /* parsed by now */
    if (rc != 0) {
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return 1;
    }
    if (strchr(host, ':') != NULL)
        (void)printf("mock-provider listening on http://[%s]:%u\n", host, (unsigned)bound);
    else
        (void)printf("mock-provider listening on http://%s:%u\n", host, (unsigned)bound);
    (void)fflush(stdout);
    while (sigwait(&set, &sig) != 0)
        ;
    sy_mock_provider_stop(mp);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return 0;
}
