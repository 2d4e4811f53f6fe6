/* config/load.c - the schema: from the YAML tree to a `struct sy_config`.
 *
 * Each section has a function that walks its mapping, hands every key it
 * knows to a reader and reports every key it does not know. Readers record a
 * problem and leave the default in place when a value is wrong, so that one
 * load reports every mistake in the file. A problem names where it is with a
 * path such as "providers[0].timeouts.total_ms".
 *
 * Values that came from the environment (`${VAR}`) are never echoed in a
 * message: they are often keys. Text written in the file is, in excerpts. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "config/config_int.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/str.h"

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

/* Longest timeout accepted anywhere: a day. Keeps sums of timeouts far from
 * overflowing uint32_t milliseconds. */
#define TIMEOUT_MAX_MS 86400000u

/* Enough for the longest path the schema has, "models[N].route[N].provider". */
#define WHERE_MAX 96

struct name_ref {
    const char *name;
    unsigned line;
    size_t index; /* in cfg->providers or cfg->models */
    bool is_from_env;
};

struct loader {
    struct sy_config *cfg;
    struct sy__config_problems *probs;
    const char *dir;                 /* for relative TLS paths; NULL = working directory */
    struct name_ref *provider_names; /* sorted by name, for routes */
    size_t provider_names_count;
};

/* A scalar after `${...}` expansion. */
struct scalar {
    char *text; /* NUL-terminated, no NUL inside; NULL for a YAML null */
    size_t len;
    unsigned line;
    bool is_from_env; /* holds the value of an environment variable: never echo it */
};

/* ---- Messages ------------------------------------------------------------ */

static void at_key(char *out, const char *parent, const char *key)
{
    snprintf(out, WHERE_MAX, "%s%s%s", parent, parent[0] != '\0' ? "." : "", key);
}

static void at_index(char *out, const char *parent, size_t index)
{
    snprintf(out, WHERE_MAX, "%s[%zu]", parent, index);
}

static const char *kind_of(const struct sy__config_node *node)
{
    switch (node->type) {
    case SY__NODE_SEQUENCE:
        return "a list";
    case SY__NODE_MAPPING:
        return "a mapping";
    default:
        return "a scalar";
    }
}

/* Returns how a message shows `s`: an excerpt in quotes, or a placeholder
 * when the value came from the environment. */
static const char *shown(const struct scalar *s, char *buf, size_t size)
{
    char text[48];

    if (s->is_from_env)
        return "a value from the environment";
    sy__config_excerpt(text, sizeof(text), s->text, s->len);
    snprintf(buf, size, "'%s'", text);
    return buf;
}

/* Reports `node` unless it has the wanted type. A null counts as absent: the
 * caller keeps its defaults. */
static bool is_type(struct loader *ld, const struct sy__config_node *node,
                    enum sy__config_node_type type, const char *where)
{
    if (sy__config_node_is_null(node))
        return false;
    if (node->type == type)
        return true;
    sy__config_problem(ld->probs, node->line, "%s: expected %s, got %s", where,
                       type == SY__NODE_MAPPING ? "a mapping" : "a list", kind_of(node));
    return false;
}

static bool key_is(const struct sy__config_node *key, const char *name)
{
    size_t len = strlen(name);

    return key->type == SY__NODE_SCALAR && key->len == len && memcmp(key->text, name, len) == 0;
}

static void unknown_key(struct loader *ld, const struct sy__config_node *key, const char *where)
{
    char text[48];

    if (key->type != SY__NODE_SCALAR)
        return; /* yaml.c reported it */
    sy__config_excerpt(text, sizeof(text), key->text, key->len);
    if (where[0] == '\0')
        sy__config_problem(ld->probs, key->line, "unknown key '%s' at the top level", text);
    else
        sy__config_problem(ld->probs, key->line, "unknown key '%s' in %s", text, where);
}

static void missing_key(struct loader *ld, unsigned line, const char *where, const char *key)
{
    sy__config_problem(ld->probs, line, "%s: missing required key '%s'", where, key);
}

/* ---- Scalars ------------------------------------------------------------- */

static bool is_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Expands one `${...}` whose body (between the braces) is `body`. */
static int expand_one(struct loader *ld, unsigned line, const char *where, struct sy_str body,
                      struct sy_buf *out, bool *is_from_env)
{
    size_t name_len = 0;
    struct sy_str fallback = SY_STR_NULL;
    const char *value;
    char *name;

    while (name_len < body.len && is_name_char(body.ptr[name_len]))
        name_len++;
    if (name_len == 0 || !is_name_start(body.ptr[0])) {
        sy__config_problem(ld->probs, line,
                           "%s: '${' must be followed by a variable name ([A-Za-z_][A-Za-z0-9_]*)",
                           where);
        return -1;
    }
    if (name_len < body.len) {
        if (body.len - name_len < 2 || body.ptr[name_len] != ':' || body.ptr[name_len + 1] != '-') {
            sy__config_problem(ld->probs, line,
                               "%s: expected ${NAME} or ${NAME:-default} after '${%.*s'", where,
                               name_len > 64 ? 64 : (int)name_len, body.ptr);
            return -1;
        }
        fallback.ptr = body.ptr + name_len + 2;
        fallback.len = body.len - name_len - 2;
    }
    name = sy_xstrndup(body.ptr, name_len);
    value = getenv(name);
    free(name);
    /* As in the shell, ":-" also replaces a variable that is set but empty. */
    if (value != NULL && (value[0] != '\0' || fallback.ptr == NULL)) {
        sy_buf_append(out, value, strlen(value));
        *is_from_env = true;
    } else if (fallback.ptr != NULL) {
        sy_buf_append_str(out, fallback);
    } else {
        sy__config_problem(ld->probs, line, "%s: environment variable %.*s is not set", where,
                           name_len > 64 ? 64 : (int)name_len, body.ptr);
        return -1;
    }
    return 0;
}

/* Expands every `${VAR}` and `${VAR:-default}` of `node` into `out`; "$${"
 * stands for a literal "${". Returns 0, or -1 after recording every problem. */
static int expand(struct loader *ld, const struct sy__config_node *node, const char *where,
                  struct sy_buf *out, bool *is_from_env)
{
    const char *s = node->text, *end = node->text + node->len;
    int ret = 0;

    while (s < end) {
        const char *dollar = memchr(s, '$', (size_t)(end - s));
        const char *open, *close;

        if (dollar == NULL) {
            sy_buf_append(out, s, (size_t)(end - s));
            break;
        }
        sy_buf_append(out, s, (size_t)(dollar - s));
        if (end - dollar >= 3 && dollar[1] == '$' && dollar[2] == '{') {
            SY_BUF_APPEND_LIT(out, "${");
            s = dollar + 3;
            continue;
        }
        if (end - dollar < 2 || dollar[1] != '{') {
            SY_BUF_APPEND_LIT(out, "$");
            s = dollar + 1;
            continue;
        }
        open = dollar + 2;
        close = memchr(open, '}', (size_t)(end - open));
        if (close == NULL) {
            sy__config_problem(ld->probs, node->line, "%s: '${' without a closing '}'", where);
            return -1;
        }
        if (expand_one(ld, node->line, where, (struct sy_str){open, (size_t)(close - open)}, out,
                       is_from_env) != 0)
            ret = -1;
        s = close + 1;
    }
    return ret;
}

/* Reads `node` as a scalar for `where`, `expected` naming the type wanted
 * ("a string"). Returns 0 and fills `out` (`out->text` NULL for a YAML null),
 * or -1 after recording why. The caller frees `out->text`. */
static int read_scalar(struct loader *ld, const struct sy__config_node *node, const char *where,
                       const char *expected, struct scalar *out)
{
    struct sy_buf buf = {0};

    memset(out, 0, sizeof(*out));
    out->line = node->line;
    if (node->type != SY__NODE_SCALAR) {
        sy__config_problem(ld->probs, node->line, "%s: expected %s, got %s", where, expected,
                           kind_of(node));
        return -1;
    }
    if (sy__config_node_is_null(node))
        return 0;
    if (memchr(node->text, '\0', node->len) != NULL) {
        sy__config_problem(ld->probs, node->line, "%s: contains a NUL byte", where);
        return -1;
    }
    if (expand(ld, node, where, &buf, &out->is_from_env) != 0) {
        sy_buf_dispose(&buf);
        return -1;
    }
    out->text = buf.ptr != NULL ? buf.ptr : sy_xstrdup("");
    out->len = buf.len;
    return 0;
}

/* Reads a string that must be present and not empty. Returns 0, or -1 after
 * recording why (a null or empty string is reported as missing). */
static int read_required(struct loader *ld, const struct sy__config_node *node, const char *where,
                         struct scalar *out)
{
    if (read_scalar(ld, node, where, "a string", out) != 0)
        return -1;
    if (out->text == NULL || out->len == 0) {
        sy__config_problem(ld->probs, node->line, "%s: must not be empty", where);
        free(out->text);
        out->text = NULL;
        return -1;
    }
    return 0;
}

/* Reads an optional string into `*dst`: a null or "" leaves NULL there.
 * Returns 0, or -1 after recording why. */
static int read_optional(struct loader *ld, const struct sy__config_node *node, const char *where,
                         char **dst, struct scalar *out)
{
    if (read_scalar(ld, node, where, "a string", out) != 0)
        return -1;
    free(*dst);
    *dst = NULL;
    if (out->text != NULL && out->len > 0)
        *dst = sy_xstrdup(out->text);
    return 0;
}

/* Parses decimal digits with an optional unit suffix, "4MiB" or "4 MiB", when
 * `with_units`. Returns -1 on anything else or on overflow. */
static int parse_uint(const char *s, bool with_units, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t factor;
    } units[] = {{"KiB", KIB}, {"MiB", MIB}, {"GiB", GIB}};

    uint64_t value = 0;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (value > (UINT64_MAX - 9) / 10)
            return -1;
        value = value * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '\0') {
        *out = value;
        return 0;
    }
    if (!with_units)
        return -1;
    if (*p == ' ')
        p++;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].suffix) != 0)
            continue;
        if (value > UINT64_MAX / units[i].factor)
            return -1;
        *out = value * units[i].factor;
        return 0;
    }
    return -1;
}

static void format_size(char *out, size_t size, uint64_t bytes)
{
    if (bytes >= GIB && bytes % GIB == 0)
        snprintf(out, size, "%lluGiB", (unsigned long long)(bytes / GIB));
    else if (bytes >= MIB && bytes % MIB == 0)
        snprintf(out, size, "%lluMiB", (unsigned long long)(bytes / MIB));
    else if (bytes >= KIB && bytes % KIB == 0)
        snprintf(out, size, "%lluKiB", (unsigned long long)(bytes / KIB));
    else
        snprintf(out, size, "%llu", (unsigned long long)bytes);
}

/* Reads an integer in [min, max] into `*dst` (a null keeps the default). */
static void read_uint(struct loader *ld, const struct sy__config_node *node, const char *where,
                      bool is_size, uint64_t min, uint64_t max, uint64_t *dst)
{
    struct scalar s;
    uint64_t value;
    char got[64], lo[32], hi[32];

    if (read_scalar(ld, node, where, is_size ? "a size" : "an integer", &s) != 0 || s.text == NULL)
        goto out;
    if (parse_uint(s.text, is_size, &value) == 0 && value >= min && value <= max) {
        *dst = value;
        goto out;
    }
    if (is_size) {
        format_size(lo, sizeof(lo), min);
        format_size(hi, sizeof(hi), max);
        sy__config_problem(ld->probs, s.line,
                           "%s: expected a size in bytes from %s to %s (a KiB, MiB or GiB suffix "
                           "may follow the number), got %s",
                           where, lo, hi, shown(&s, got, sizeof(got)));
    } else {
        sy__config_problem(ld->probs, s.line, "%s: expected an integer from %llu to %llu, got %s",
                           where, (unsigned long long)min, (unsigned long long)max,
                           shown(&s, got, sizeof(got)));
    }
out:
    free(s.text);
}

static void read_bool(struct loader *ld, const struct sy__config_node *node, const char *where,
                      bool *dst)
{
    struct scalar s;
    char got[64];

    if (read_scalar(ld, node, where, "true or false", &s) != 0 || s.text == NULL)
        goto out;
    if (strcmp(s.text, "true") == 0 || strcmp(s.text, "True") == 0 || strcmp(s.text, "TRUE") == 0)
        *dst = true;
    else if (strcmp(s.text, "false") == 0 || strcmp(s.text, "False") == 0 ||
             strcmp(s.text, "FALSE") == 0)
        *dst = false;
    else
        sy__config_problem(ld->probs, s.line, "%s: expected true or false, got %s", where,
                           shown(&s, got, sizeof(got)));
out:
    free(s.text);
}

static void read_fraction(struct loader *ld, const struct sy__config_node *node, const char *where,
                          double *dst)
{
    struct scalar s;
    char got[64], *end;
    double value;

    if (read_scalar(ld, node, where, "a number", &s) != 0 || s.text == NULL)
        goto out;
    errno = 0;
    value = strtod(s.text, &end);
    if (end != s.text && *end == '\0' && errno == 0 && isfinite(value) && value >= 0.0 &&
        value <= 1.0)
        *dst = value;
    else
        sy__config_problem(ld->probs, s.line, "%s: expected a number from 0 to 1, got %s", where,
                           shown(&s, got, sizeof(got)));
out:
    free(s.text);
}

/* ---- Numeric fields, as tables ------------------------------------------- */

enum field_type {
    FIELD_U32 = 0, /* uint32_t, milliseconds */
    FIELD_SIZE,    /* size_t bytes, units allowed */
    FIELD_COUNT
};

struct field {
    const char *key;
    enum field_type type;
    size_t offset; /* from the struct the table describes */
    uint64_t min, max;
};

/* clang-format off */
static const struct field http_fields[] = {
    {"max_body_bytes", FIELD_SIZE, offsetof(struct sy_config, http.max_body_bytes), 1, GIB},
    {"max_header_bytes", FIELD_SIZE, offsetof(struct sy_config, http.max_header_bytes), KIB, MIB},
    {"read_timeout_ms", FIELD_U32, offsetof(struct sy_config, http.read_timeout_ms), 1, TIMEOUT_MAX_MS},
    {"idle_timeout_ms", FIELD_U32, offsetof(struct sy_config, http.idle_timeout_ms), 1, TIMEOUT_MAX_MS},
    {"drain_timeout_ms", FIELD_U32, offsetof(struct sy_config, http.drain_timeout_ms), 0, TIMEOUT_MAX_MS},
};

static const struct field upstream_fields[] = {
    {"connect_timeout_ms", FIELD_U32, offsetof(struct sy_config, upstream.timeouts.connect_ms), 1, TIMEOUT_MAX_MS},
    {"first_byte_timeout_ms", FIELD_U32, offsetof(struct sy_config, upstream.timeouts.first_byte_ms), 1, TIMEOUT_MAX_MS},
    {"total_timeout_ms", FIELD_U32, offsetof(struct sy_config, upstream.timeouts.total_ms), 1, TIMEOUT_MAX_MS},
    {"stream_idle_timeout_ms", FIELD_U32, offsetof(struct sy_config, upstream.timeouts.stream_idle_ms), 1, TIMEOUT_MAX_MS},
    {"max_response_bytes", FIELD_SIZE, offsetof(struct sy_config, upstream.max_response_bytes), KIB, GIB},
    {"max_event_bytes", FIELD_SIZE, offsetof(struct sy_config, upstream.max_event_bytes), KIB, GIB},
    {"stream_buffer_bytes", FIELD_SIZE, offsetof(struct sy_config, upstream.stream_buffer_bytes), KIB, GIB},
};

static const struct field log_fields[] = {
    {"slow_ms", FIELD_U32, offsetof(struct sy_config, log.slow_ms), 0, TIMEOUT_MAX_MS},
};

/* 0 = inherit the global upstream value. */
static const struct field provider_timeout_fields[] = {
    {"connect_ms", FIELD_U32, offsetof(struct sy_config_timeouts, connect_ms), 0, TIMEOUT_MAX_MS},
    {"first_byte_ms", FIELD_U32, offsetof(struct sy_config_timeouts, first_byte_ms), 0, TIMEOUT_MAX_MS},
    {"total_ms", FIELD_U32, offsetof(struct sy_config_timeouts, total_ms), 0, TIMEOUT_MAX_MS},
    {"stream_idle_ms", FIELD_U32, offsetof(struct sy_config_timeouts, stream_idle_ms), 0, TIMEOUT_MAX_MS},
};
/* clang-format on */

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Reads `value` into the field of `base` that `key` names in `fields`.
 * Returns false when no field has that name. */
static bool read_field(struct loader *ld, const struct field *fields, size_t count, void *base,
                       const char *parent, const struct sy__config_node *key,
                       const struct sy__config_node *value)
{
    for (size_t i = 0; i < count; i++) {
        const struct field *f = &fields[i];
        char where[WHERE_MAX];
        char *slot = (char *)base + f->offset;
        uint64_t v;

        if (!key_is(key, f->key))
            continue;
        at_key(where, parent, f->key);
        if (f->type == FIELD_U32) {
            uint32_t current;

            memcpy(&current, slot, sizeof(current));
            v = current;
            read_uint(ld, value, where, false, f->min, f->max, &v);
            current = (uint32_t)v;
            memcpy(slot, &current, sizeof(current));
        } else {
            size_t current;

            memcpy(&current, slot, sizeof(current));
            v = current;
            read_uint(ld, value, where, true, f->min, f->max, &v);
            current = (size_t)v;
            memcpy(slot, &current, sizeof(current));
        }
        return true;
    }
    return false;
}

/* Walks a mapping made only of numeric fields. */
static void read_fields(struct loader *ld, const struct sy__config_node *map, const char *where,
                        const struct field *fields, size_t count, void *base)
{
    if (!is_type(ld, map, SY__NODE_MAPPING, where))
        return;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        if (!read_field(ld, fields, count, base, where, map->items[i], map->items[i + 1]))
            unknown_key(ld, map->items[i], where);
    }
}

/* ---- Checks on strings --------------------------------------------------- */

/* Provider names: [A-Za-z0-9._-]+ */
static bool is_identifier(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!is_name_char(*s) && *s != '.' && *s != '-')
            return false;
    }
    return true;
}

/* Printable ASCII without spaces: bearer keys, URLs. */
static bool is_visible_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    }
    return true;
}

/* No spaces and no control characters; UTF-8 allowed: model names. */
static bool has_no_space(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return false;
    }
    return true;
}

/* An HTTP token (RFC 9110 tchar), the syntax of a header name. */
static bool is_tchar(char c)
{
    return is_name_char(c) || (c != '\0' && strchr("!#$%&'*+-.^`|~", c) != NULL);
}

static bool is_header_value(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* Returns the length of the scheme prefix ("https://") of `url` if it is one
 * of `schemes` (case-insensitive) and something follows it, else 0. */
static size_t url_scheme_len(const char *url, const char *const *schemes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(schemes[i]);

        if (strncasecmp(url, schemes[i], n) == 0 && url[n] != '\0' && url[n] != '/')
            return n;
    }
    return 0;
}

/* ---- Top level: listen, workers, keys ------------------------------------ */

/* Splits "host:port" or "[v6]:port". Returns -1 when malformed. */
static int parse_listen(const char *s, char **host, uint16_t *port)
{
    const char *colon;
    size_t host_len;
    uint64_t value;
    char *h;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        unsigned char addr[16];

        if (close == NULL || close[1] != ':')
            return -1;
        h = sy_xstrndup(s + 1, (size_t)(close - s - 1));
        if (inet_pton(AF_INET6, h, addr) != 1) {
            free(h);
            return -1;
        }
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        host_len = (size_t)(colon - s);
        if (host_len == 0)
            return -1;
        for (size_t i = 0; i < host_len; i++) {
            if (!is_name_char(s[i]) && s[i] != '.' && s[i] != '-')
                return -1; /* a bare IPv6 address lands here: it needs brackets */
        }
        h = sy_xstrndup(s, host_len);
        if (strcmp(h, "localhost") == 0) {
            free(h);
            h = sy_xstrdup("127.0.0.1");
        } else {
            unsigned char addr[4];
            if (inet_pton(AF_INET, h, addr) != 1) {
                free(h); /* the listener binds an address, not a name */
                return -1;
            }
        }
    }
    if (parse_uint(colon + 1, false, &value) != 0 || value == 0 || value > 65535) {
        free(h);
        return -1;
    }
    free(*host);
    *host = h;
    *port = (uint16_t)value;
    return 0;
}

static void read_listen(struct loader *ld, const struct sy__config_node *node)
{
    struct scalar s;
    char got[64];

    if (read_scalar(ld, node, "listen", "host:port", &s) != 0 || s.text == NULL)
        goto out;
    if (parse_listen(s.text, &ld->cfg->listen_host, &ld->cfg->listen_port) != 0)
        sy__config_problem(ld->probs, s.line,
                           "listen: expected IPv4:port, [IPv6]:port or localhost:port with a "
                           "port from 1 to 65535, got %s",
                           shown(&s, got, sizeof(got)));
out:
    free(s.text);
}

static void read_keys(struct loader *ld, const struct sy__config_node *list)
{
    struct sy_config *cfg = ld->cfg;

    if (!is_type(ld, list, SY__NODE_SEQUENCE, "keys"))
        return;
    cfg->keys = sy_xcalloc(list->count, sizeof(*cfg->keys));
    cfg->keys_count = list->count;
    for (size_t i = 0; i < list->count; i++) {
        char where[WHERE_MAX];
        struct scalar s;

        at_index(where, "keys", i);
        if (read_required(ld, list->items[i], where, &s) != 0)
            continue;
        if (!is_visible_ascii(s.text)) {
            /* Never show the key itself, not even from the file. */
            sy__config_problem(ld->probs, s.line,
                               "%s: a key must be printable ASCII without spaces", where);
            free(s.text);
            continue;
        }
        cfg->keys[i] = s.text;
    }
}

/* ---- http, upstream, log ------------------------------------------------- */

/* Checks that the PEM file `path` can be read and stores it in `*dst`,
 * resolved against the config file's directory when relative. */
static void read_tls_path(struct loader *ld, const struct sy__config_node *node, const char *where,
                          char **dst)
{
    struct scalar s;
    char got[64], reason[128];
    char *path = NULL;

    if (read_optional(ld, node, where, &path, &s) != 0 || path == NULL)
        goto out;
    if (path[0] != '/' && ld->dir != NULL) {
        char *joined = sy_xasprintf("%s/%s", ld->dir, path);

        free(path);
        path = joined;
    }
    if (access(path, R_OK) != 0) {
        int err = errno;
        /* The GNU strerror_r: the build defines _GNU_SOURCE. */
        const char *why = strerror_r(err, reason, sizeof(reason));

        sy__config_problem(ld->probs, s.line, "%s: cannot read %s: %s", where,
                           shown(&s, got, sizeof(got)), why);
    }
    free(*dst);
    *dst = path;
    path = NULL;
out:
    free(path);
    free(s.text);
}

static void read_tls(struct loader *ld, const struct sy__config_node *map)
{
    struct sy_config *cfg = ld->cfg;

    if (!is_type(ld, map, SY__NODE_MAPPING, "http.tls"))
        return;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const struct sy__config_node *key = map->items[i], *value = map->items[i + 1];

        if (key_is(key, "cert"))
            read_tls_path(ld, value, "http.tls.cert", &cfg->http.tls_cert);
        else if (key_is(key, "key"))
            read_tls_path(ld, value, "http.tls.key", &cfg->http.tls_key);
        else
            unknown_key(ld, key, "http.tls");
    }
    if ((cfg->http.tls_cert == NULL) != (cfg->http.tls_key == NULL))
        sy__config_problem(ld->probs, map->line,
                           "http.tls: set both cert and key to serve TLS, or neither");
}

static void read_http(struct loader *ld, const struct sy__config_node *map)
{
    if (!is_type(ld, map, SY__NODE_MAPPING, "http"))
        return;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const struct sy__config_node *key = map->items[i], *value = map->items[i + 1];

        if (key_is(key, "tls"))
            read_tls(ld, value);
        else if (!read_field(ld, http_fields, COUNT_OF(http_fields), ld->cfg, "http", key, value))
            unknown_key(ld, key, "http");
    }
}

static void read_log(struct loader *ld, const struct sy__config_node *map)
{
    struct sy_config *cfg = ld->cfg;

    if (!is_type(ld, map, SY__NODE_MAPPING, "log"))
        return;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const struct sy__config_node *key = map->items[i], *value = map->items[i + 1];
        enum sy_log_level level;
        struct scalar s;
        char got[64];

        if (key_is(key, "level")) {
            if (read_scalar(ld, value, "log.level", "a string", &s) != 0 || s.text == NULL)
                continue;
            if (sy_log_level_parse(s.text, &level) == 0) {
                free(cfg->log.level);
                cfg->log.level = s.text;
                continue;
            }
            sy__config_problem(ld->probs, s.line,
                               "log.level: expected debug, info, warn or error, got %s",
                               shown(&s, got, sizeof(got)));
            free(s.text);
        } else if (key_is(key, "sample_rate")) {
            read_fraction(ld, value, "log.sample_rate", &cfg->log.sample_rate);
        } else if (!read_field(ld, log_fields, COUNT_OF(log_fields), cfg, "log", key, value)) {
            unknown_key(ld, key, "log");
        }
    }
}

/* ---- Providers ----------------------------------------------------------- */

static const char *const http_schemes[] = {"http://", "https://"};

static const char *const proxy_schemes[] = {"http://",    "https://",  "socks4://",
                                            "socks4a://", "socks5://", "socks5h://"};

/* Headers the gateway writes itself: letting a config set them would let it
 * break the framing of upstream requests. */
static const char *const reserved_headers[] = {"host", "content-length", "transfer-encoding",
                                               "connection"};

static void read_kind(struct loader *ld, const struct sy__config_node *node, const char *where,
                      enum sy_provider_kind *dst)
{
    struct scalar s;
    char got[64];

    if (read_scalar(ld, node, where, "a string", &s) != 0 || s.text == NULL)
        goto out;
    for (int k = 0; k < SY_KIND_COUNT; k++) {
        if (strcmp(s.text, sy_provider_kind_name((enum sy_provider_kind)k)) == 0) {
            *dst = (enum sy_provider_kind)k;
            goto out;
        }
    }
    sy__config_problem(ld->probs, s.line,
                       "%s: expected openai, azure, anthropic, gemini, vertex or bedrock, got %s",
                       where, shown(&s, got, sizeof(got)));
out:
    free(s.text);
}

static void read_base_url(struct loader *ld, const struct sy__config_node *node, const char *where,
                          char **dst)
{
    struct scalar s;
    size_t scheme_len;

    if (read_required(ld, node, where, &s) != 0)
        return;
    scheme_len = url_scheme_len(s.text, http_schemes, COUNT_OF(http_schemes));
    if (scheme_len == 0 || !is_visible_ascii(s.text)) {
        sy__config_problem(ld->probs, s.line,
                           "%s: expected an http:// or https:// URL with a host and no spaces",
                           where);
    } else if (strpbrk(s.text, "?#") != NULL) {
        sy__config_problem(ld->probs, s.line,
                           "%s: must not have a query (?) or a fragment (#): paths are "
                           "appended to it",
                           where);
    } else {
        while (s.len > scheme_len + 1 && s.text[s.len - 1] == '/')
            s.text[--s.len] = '\0';
        free(*dst);
        *dst = s.text;
        s.text = NULL;
    }
    free(s.text);
}

static void read_proxy(struct loader *ld, const struct sy__config_node *node, const char *where,
                       char **dst)
{
    struct scalar s;

    if (read_optional(ld, node, where, dst, &s) != 0 || *dst == NULL)
        goto out;
    if (url_scheme_len(*dst, proxy_schemes, COUNT_OF(proxy_schemes)) == 0 ||
        !is_visible_ascii(*dst)) {
        sy__config_problem(ld->probs, s.line,
                           "%s: expected a URL with scheme http, https, socks4, socks4a, socks5 "
                           "or socks5h, a host and no spaces",
                           where);
    }
out:
    free(s.text);
}

static void read_headers(struct loader *ld, const struct sy__config_node *map, const char *parent,
                         struct sy_config_provider *p)
{
    char where[WHERE_MAX];

    at_key(where, parent, "headers");
    if (!is_type(ld, map, SY__NODE_MAPPING, where))
        return;
    p->headers = sy_xcalloc(map->count / 2, sizeof(*p->headers));
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        struct sy_config_header *h = &p->headers[p->headers_count];
        struct scalar name, value;
        char got[64];
        bool ok = true;

        if (map->items[i]->type != SY__NODE_SCALAR)
            continue; /* yaml.c reported it */
        if (read_required(ld, map->items[i], where, &name) != 0)
            continue;
        if (name.text[strspn(name.text, "!#$%&'*+-.^_`|~0123456789"
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] !=
            '\0') {
            sy__config_problem(ld->probs, name.line, "%s: %s is not a valid header name", where,
                               shown(&name, got, sizeof(got)));
            ok = false;
        }
        for (size_t r = 0; ok && r < COUNT_OF(reserved_headers); r++) {
            if (strcasecmp(name.text, reserved_headers[r]) == 0) {
                sy__config_problem(ld->probs, name.line,
                                   "%s: %s is set by the gateway and cannot be configured", where,
                                   reserved_headers[r]);
                ok = false;
            }
        }
        if (read_scalar(ld, map->items[i + 1], where, "a string", &value) != 0) {
            ok = false;
        } else if (value.text != NULL && !is_header_value(value.text)) {
            /* Do not show the value: headers often carry credentials. */
            sy__config_problem(ld->probs, value.line,
                               "%s: the value of a header must not hold control characters", where);
            ok = false;
        }
        if (ok) {
            h->name = name.text;
            h->value = value.text != NULL ? value.text : sy_xstrdup("");
            p->headers_count++;
        } else {
            free(name.text);
            free(value.text);
        }
    }
}

static void read_forward_headers(struct loader *ld, const struct sy__config_node *list,
                                 const char *parent, struct sy_config_provider *p)
{
    char list_where[WHERE_MAX];

    at_key(list_where, parent, "forward_headers");
    if (!is_type(ld, list, SY__NODE_SEQUENCE, list_where))
        return;
    p->forward_headers = sy_xcalloc(list->count, sizeof(*p->forward_headers));
    for (size_t i = 0; i < list->count; i++) {
        char where[WHERE_MAX];
        struct scalar s;
        bool ok = true;

        at_index(where, list_where, i);
        if (read_required(ld, list->items[i], where, &s) != 0)
            continue;
        for (size_t c = 0; c < s.len; c++) {
            char ch = s.text[c];

            if (ch >= 'A' && ch <= 'Z')
                s.text[c] = (char)(ch - 'A' + 'a');
            else if ((ch == '*' && c + 1 != s.len) || !is_tchar(ch))
                ok = false;
        }
        if (!ok || strcmp(s.text, "*") == 0) {
            char got[64];

            sy__config_problem(ld->probs, s.line,
                               "%s: expected a header name or a prefix ending in '*' such as "
                               "\"x-mock-*\" (a lone \"*\" would forward the client's "
                               "credentials), got %s",
                               where, shown(&s, got, sizeof(got)));
            free(s.text);
            continue;
        }
        p->forward_headers[p->forward_headers_count++] = s.text;
    }
}

/* ---- Provider fields that only some kinds take ----------------------------- */

static bool is_identifier_or_path(const char *s, const char *key);

/* Reads an optional string for a kind-specific key, remembering its line in
 * `*line` so that check_kind_fields() can say where it was. `secret`: never
 * shown, and it must not hold control characters (it goes into a header). */
static void read_kind_field(struct loader *ld, const struct sy__config_node *value,
                            const char *where, const char *key, bool secret, char **dst,
                            unsigned *line)
{
    char at[WHERE_MAX];
    struct scalar s;

    at_key(at, where, key);
    *line = value->line;
    if (read_optional(ld, value, at, dst, &s) == 0)
        free(s.text);
    if (*dst == NULL)
        return;
    if ((*dst)[0] == '\0') {
        free(*dst); /* the same as absent: check_kind_fields() says if it is needed */
        *dst = NULL;
        return;
    }
    if (secret ? !is_header_value(*dst) : !is_identifier_or_path(*dst, key)) {
        sy__config_problem(
            ld->probs, value->line, "%s: %s", at,
            secret ? "must not hold control characters"
                   : "may only hold letters, digits, '.', '_', '-' (and '/' in a path)");
        free(*dst);
        *dst = NULL;
    }
}

static bool is_identifier_or_path(const char *s, const char *key)
{
    if (strcmp(key, "credentials_file") == 0)
        return s[0] != '\0' && is_header_value(s);
    return is_identifier(s);
}

/* Reads a Google service-account JSON key file into `p`. */
static void read_service_account(struct loader *ld, unsigned line, const char *at, const char *path,
                                 struct sy_config_provider *p)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    const char *email, *key, *uri;

    if (doc == NULL) {
        sy__config_problem(ld->probs, line, "%s: cannot read %s as JSON: %s", at, path, jerr.text);
        return;
    }
    email = json_string_value(json_object_get(doc, "client_email"));
    key = json_string_value(json_object_get(doc, "private_key"));
    uri = json_string_value(json_object_get(doc, "token_uri"));
    if (email == NULL || key == NULL || strstr(key, "PRIVATE KEY") == NULL) {
        sy__config_problem(ld->probs, line,
                           "%s: %s is not a service-account key (client_email and a PEM "
                           "private_key are needed)",
                           at, path);
    } else if (uri != NULL && strncmp(uri, "https://", 8) != 0 && strncmp(uri, "http://", 7) != 0) {
        sy__config_problem(ld->probs, line, "%s: token_uri in %s must be an http(s) URL", at, path);
    } else {
        p->sa_client_email = sy_xstrdup(email);
        p->sa_private_key = sy_xstrdup(key);
        p->sa_token_uri = sy_xstrdup(uri != NULL ? uri : "https://oauth2.googleapis.com/token");
    }
    json_decref(doc);
}

/* Which kind takes which of region, project, access_key_id,
 * secret_access_key, session_token, credentials_file; and which need them. */
static void check_kind_fields(struct loader *ld, const char *where, struct sy_config_provider *p,
                              const unsigned lines[6], const char *credentials_file)
{
    static const char *const keys[6] = {"region",        "project",
                                        "access_key_id", "secret_access_key",
                                        "session_token", "credentials_file"};
    /* clang-format off */
    static const unsigned char takes[SY_KIND_COUNT][6] = {
        [SY_KIND_BEDROCK] = {2, 0, 2, 2, 1, 0}, /* 2 = required, 1 = optional */
        [SY_KIND_VERTEX]  = {2, 2, 0, 0, 0, 2},
    };
    /* clang-format on */
    const char *present[6] = {p->region,        p->project,
                              p->access_key_id, p->secret_access_key,
                              p->session_token, credentials_file};
    char at[WHERE_MAX];

    for (int i = 0; i < 6; i++) {
        at_key(at, where, keys[i]);
        if (lines[i] != 0 && takes[p->kind][i] == 0)
            sy__config_problem(ld->probs, lines[i], "%s: providers of kind %s take no %s", at,
                               sy_provider_kind_name(p->kind), keys[i]);
        else if (present[i] == NULL && takes[p->kind][i] == 2)
            sy__config_problem(ld->probs, lines[i] != 0 ? lines[i] : p->line,
                               "%s: kind %s needs '%s'", where, sy_provider_kind_name(p->kind),
                               keys[i]);
    }
    if (p->kind == SY_KIND_VERTEX && credentials_file != NULL) {
        at_key(at, where, "credentials_file");
        read_service_account(ld, lines[5], at, credentials_file, p);
    }
}

/* The public endpoint of a kind, when the config names none. */
static char *default_base_url(const struct sy_config_provider *p)
{
    switch (p->kind) {
    case SY_KIND_ANTHROPIC:
        return sy_xstrdup("https://api.anthropic.com");
    case SY_KIND_GEMINI:
        return sy_xstrdup("https://generativelanguage.googleapis.com/v1beta");
    case SY_KIND_VERTEX:
        if (p->region != NULL && strcmp(p->region, "global") == 0)
            return sy_xstrdup("https://aiplatform.googleapis.com/v1"); /* no regional host */
        return p->region != NULL
                   ? sy_xasprintf("https://%s-aiplatform.googleapis.com/v1", p->region)
                   : NULL;
    case SY_KIND_BEDROCK:
        return p->region != NULL
                   ? sy_xasprintf("https://bedrock-runtime.%s.amazonaws.com", p->region)
                   : NULL;
    default:
        return NULL;
    }
}

static void read_provider(struct loader *ld, const struct sy__config_node *map, const char *where,
                          struct sy_config_provider *p, bool *name_is_from_env)
{
    const struct sy__config_node *api_version = NULL;
    bool has_name = false, has_base_url = false;
    char at[WHERE_MAX];
    struct scalar s;
    char *credentials_file = NULL;
    unsigned kind_fields[6] = {0}; /* lines of region, project, ..., credentials_file */

    p->line = map->line;
    if (!is_type(ld, map, SY__NODE_MAPPING, where)) {
        if (sy__config_node_is_null(map))
            sy__config_problem(ld->probs, map->line, "%s: expected a mapping, got null", where);
        return;
    }
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const struct sy__config_node *key = map->items[i], *value = map->items[i + 1];

        if (key_is(key, "name")) {
            has_name = true;
            at_key(at, where, "name");
            if (read_required(ld, value, at, &s) != 0)
                continue;
            if (!is_identifier(s.text)) {
                char got[64];

                sy__config_problem(ld->probs, s.line,
                                   "%s: a provider name may only hold letters, digits, '.', '_' "
                                   "and '-', got %s",
                                   at, shown(&s, got, sizeof(got)));
                free(s.text);
                continue;
            }
            free(p->name);
            p->name = s.text;
            *name_is_from_env = s.is_from_env;
        } else if (key_is(key, "kind")) {
            at_key(at, where, "kind");
            read_kind(ld, value, at, &p->kind);
        } else if (key_is(key, "base_url")) {
            has_base_url = true;
            at_key(at, where, "base_url");
            read_base_url(ld, value, at, &p->base_url);
        } else if (key_is(key, "api_key")) {
            at_key(at, where, "api_key");
            if (read_optional(ld, value, at, &p->api_key, &s) == 0)
                free(s.text);
            if (p->api_key != NULL && !is_header_value(p->api_key)) {
                /* It goes into a header line: CR or LF would inject headers.
                 * Do not show the value: it is a secret. */
                sy__config_problem(ld->probs, value->line, "%s: must not hold control characters",
                                   at);
                free(p->api_key);
                p->api_key = NULL;
            }
        } else if (key_is(key, "proxy")) {
            at_key(at, where, "proxy");
            read_proxy(ld, value, at, &p->proxy);
        } else if (key_is(key, "api_version")) {
            api_version = value; /* depends on `kind`, which may come later */
        } else if (key_is(key, "region")) {
            read_kind_field(ld, value, where, "region", false, &p->region, &kind_fields[0]);
        } else if (key_is(key, "project")) {
            read_kind_field(ld, value, where, "project", false, &p->project, &kind_fields[1]);
        } else if (key_is(key, "access_key_id")) {
            read_kind_field(ld, value, where, "access_key_id", true, &p->access_key_id,
                            &kind_fields[2]);
        } else if (key_is(key, "secret_access_key")) {
            read_kind_field(ld, value, where, "secret_access_key", true, &p->secret_access_key,
                            &kind_fields[3]);
        } else if (key_is(key, "session_token")) {
            read_kind_field(ld, value, where, "session_token", true, &p->session_token,
                            &kind_fields[4]);
        } else if (key_is(key, "credentials_file")) {
            read_kind_field(ld, value, where, "credentials_file", false, &credentials_file,
                            &kind_fields[5]);
        } else if (key_is(key, "headers")) {
            read_headers(ld, value, where, p);
        } else if (key_is(key, "forward_headers")) {
            read_forward_headers(ld, value, where, p);
        } else if (key_is(key, "allow_private")) {
            at_key(at, where, "allow_private");
            read_bool(ld, value, at, &p->allow_private);
        } else if (key_is(key, "timeouts")) {
            at_key(at, where, "timeouts");
            read_fields(ld, value, at, provider_timeout_fields, COUNT_OF(provider_timeout_fields),
                        &p->timeouts);
        } else {
            unknown_key(ld, key, where);
        }
    }
    if (!has_name)
        missing_key(ld, map->line, where, "name");
    if (!has_base_url && (p->kind == SY_KIND_OPENAI || p->kind == SY_KIND_AZURE))
        missing_key(ld, map->line, where, "base_url");
    check_kind_fields(ld, where, p, kind_fields, credentials_file);
    if (p->api_key != NULL && (p->kind == SY_KIND_VERTEX || p->kind == SY_KIND_BEDROCK))
        sy__config_problem(ld->probs, p->line,
                           "%s.api_key: providers of kind %s authenticate with %s, not api_key",
                           where, sy_provider_kind_name(p->kind),
                           p->kind == SY_KIND_VERTEX ? "credentials_file"
                                                     : "access_key_id and secret_access_key");
    free(credentials_file);
    if (api_version != NULL && !sy__config_node_is_null(api_version)) {
        at_key(at, where, "api_version");
        if (p->kind != SY_KIND_AZURE && p->kind != SY_KIND_ANTHROPIC) {
            sy__config_problem(ld->probs, api_version->line,
                               "%s: only providers of kind azure or anthropic take an api_version",
                               at);
        } else if (read_required(ld, api_version, at, &s) == 0) {
            if (is_identifier(s.text)) {
                free(p->api_version);
                p->api_version = s.text;
                s.text = NULL;
            } else {
                char got[64];

                sy__config_problem(ld->probs, s.line,
                                   "%s: expected a version such as 2024-10-21, got %s", at,
                                   shown(&s, got, sizeof(got)));
            }
            free(s.text);
        }
    }
    if (p->kind == SY_KIND_AZURE && p->api_version == NULL)
        p->api_version = sy_xstrdup("2024-10-21");
    if (p->kind == SY_KIND_ANTHROPIC && p->api_version == NULL)
        p->api_version = sy_xstrdup("2023-06-01");
    if (p->base_url == NULL && !has_base_url)
        p->base_url = default_base_url(p);
}

static int compare_names(const void *pa, const void *pb)
{
    const struct name_ref *a = pa, *b = pb;
    int cmp = strcmp(a->name, b->name);

    if (cmp != 0)
        return cmp;
    return (a->index > b->index) - (a->index < b->index);
}

/* Sorts `refs` and reports each name given again. `what` is "provider" or
 * "model", `list` the key of the list. */
static void report_duplicates(struct loader *ld, struct name_ref *refs, size_t count,
                              const char *what, const char *list)
{
    qsort(refs, count, sizeof(*refs), compare_names);
    for (size_t i = 1; i < count; i++) {
        struct scalar name = {.text = (char *)refs[i].name,
                              .len = strlen(refs[i].name),
                              .is_from_env = refs[i].is_from_env};
        char got[64];

        if (strcmp(refs[i].name, refs[i - 1].name) != 0)
            continue;
        sy__config_problem(ld->probs, refs[i].line,
                           "%s[%zu].name: duplicate %s name %s (first at line %u)", list,
                           refs[i].index, what, shown(&name, got, sizeof(got)), refs[i - 1].line);
    }
}

static void read_providers(struct loader *ld, const struct sy__config_node *list)
{
    struct sy_config *cfg = ld->cfg;
    struct name_ref *refs;
    size_t named = 0;

    if (!is_type(ld, list, SY__NODE_SEQUENCE, "providers"))
        return;
    cfg->providers = sy_xcalloc(list->count, sizeof(*cfg->providers));
    cfg->providers_count = list->count;
    refs = sy_xcalloc(list->count, sizeof(*refs));
    for (size_t i = 0; i < list->count; i++) {
        struct sy_config_provider *p = &cfg->providers[i];
        char where[WHERE_MAX];
        bool is_from_env = false;

        at_index(where, "providers", i);
        read_provider(ld, list->items[i], where, p, &is_from_env);
        if (p->name != NULL)
            refs[named++] = (struct name_ref){p->name, p->line, i, is_from_env};
    }
    report_duplicates(ld, refs, named, "provider", "providers");
    ld->provider_names = refs;
    ld->provider_names_count = named;
}

/* ---- Models -------------------------------------------------------------- */

static struct sy_config_provider *find_provider(struct loader *ld, const char *name)
{
    struct name_ref key = {.name = name};
    size_t lo = 0, hi = ld->provider_names_count;

    /* Refs are sorted by (name, index): find the first with this name. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(ld->provider_names[mid].name, key.name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ld->provider_names_count && strcmp(ld->provider_names[lo].name, name) == 0)
        return &ld->cfg->providers[ld->provider_names[lo].index];
    return NULL;
}

static void read_route(struct loader *ld, const struct sy__config_node *map, const char *where,
                       struct sy_config_route *route)
{
    const struct sy__config_node *provider = NULL;
    bool has_model = false;
    char at[WHERE_MAX];
    struct scalar s;

    if (!is_type(ld, map, SY__NODE_MAPPING, where)) {
        if (sy__config_node_is_null(map))
            sy__config_problem(ld->probs, map->line, "%s: expected a mapping, got null", where);
        return;
    }
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const struct sy__config_node *key = map->items[i], *value = map->items[i + 1];

        if (key_is(key, "provider")) {
            provider = value;
        } else if (key_is(key, "model")) {
            has_model = true;
            at_key(at, where, "model");
            if (read_required(ld, value, at, &s) != 0)
                continue;
            if (!has_no_space(s.text)) {
                sy__config_problem(ld->probs, s.line,
                                   "%s: a model id must not hold spaces or control characters", at);
                free(s.text);
                continue;
            }
            free(route->model);
            route->model = s.text;
        } else {
            unknown_key(ld, key, where);
        }
    }
    if (provider == NULL) {
        missing_key(ld, map->line, where, "provider");
    } else {
        at_key(at, where, "provider");
        if (read_required(ld, provider, at, &s) == 0) {
            route->provider = find_provider(ld, s.text);
            if (route->provider == NULL) {
                char got[64];

                sy__config_problem(ld->probs, s.line,
                                   "%s: no provider named %s is declared under providers", at,
                                   shown(&s, got, sizeof(got)));
            }
            free(s.text);
        }
    }
    if (!has_model)
        missing_key(ld, map->line, where, "model");
}

static void read_model(struct loader *ld, const struct sy__config_node *map, const char *where,
                       struct sy_config_model *m, bool *name_is_from_env)
{
    bool has_name = false, has_route = false;
    char at[WHERE_MAX];
    struct scalar s;

    m->line = map->line;
    if (!is_type(ld, map, SY__NODE_MAPPING, where)) {
        if (sy__config_node_is_null(map))
            sy__config_problem(ld->probs, map->line, "%s: expected a mapping, got null", where);
        return;
    }
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const struct sy__config_node *key = map->items[i], *value = map->items[i + 1];

        if (key_is(key, "name")) {
            has_name = true;
            at_key(at, where, "name");
            if (read_required(ld, value, at, &s) != 0)
                continue;
            if (!has_no_space(s.text)) {
                sy__config_problem(ld->probs, s.line,
                                   "%s: a model name must not hold spaces or control characters",
                                   at);
                free(s.text);
                continue;
            }
            free(m->name);
            m->name = s.text;
            *name_is_from_env = s.is_from_env;
        } else if (key_is(key, "route")) {
            at_key(at, where, "route");
            has_route = true;
            if (sy__config_node_is_null(value)) {
                sy__config_problem(ld->probs, value->line, "%s: must list at least one route", at);
                continue;
            }
            if (!is_type(ld, value, SY__NODE_SEQUENCE, at) || m->routes != NULL)
                continue;
            if (value->count == 0) {
                sy__config_problem(ld->probs, value->line, "%s: must list at least one route", at);
                continue;
            }
            m->routes = sy_xcalloc(value->count, sizeof(*m->routes));
            m->routes_count = value->count;
            for (size_t r = 0; r < value->count; r++) {
                char route_where[WHERE_MAX];

                at_index(route_where, at, r);
                read_route(ld, value->items[r], route_where, &m->routes[r]);
            }
        } else {
            unknown_key(ld, key, where);
        }
    }
    if (!has_name)
        missing_key(ld, map->line, where, "name");
    if (!has_route)
        missing_key(ld, map->line, where, "route");
}

static void read_models(struct loader *ld, const struct sy__config_node *list)
{
    struct sy_config *cfg = ld->cfg;
    struct name_ref *refs;
    size_t named = 0;

    if (!is_type(ld, list, SY__NODE_SEQUENCE, "models"))
        return;
    cfg->models = sy_xcalloc(list->count, sizeof(*cfg->models));
    cfg->models_count = list->count;
    refs = sy_xcalloc(list->count, sizeof(*refs));
    for (size_t i = 0; i < list->count; i++) {
        struct sy_config_model *m = &cfg->models[i];
        char where[WHERE_MAX];
        bool is_from_env = false;

        at_index(where, "models", i);
        read_model(ld, list->items[i], where, m, &is_from_env);
        if (m->name != NULL)
            refs[named++] = (struct name_ref){m->name, m->line, i, is_from_env};
    }
    report_duplicates(ld, refs, named, "model", "models");
    free(refs);
}

/* ---- The document -------------------------------------------------------- */

void sy__config_apply(struct sy_config *cfg, const struct sy__config_node *root, const char *dir,
                      struct sy__config_problems *probs)
{
    struct loader ld = {.cfg = cfg, .probs = probs, .dir = dir};
    /* Sections are read in this order whatever the file's order: routes
     * need the providers. */
    static const char *const sections[] = {"listen",   "workers", "keys",      "http",
                                           "upstream", "log",     "providers", "models"};
    const struct sy__config_node *found[COUNT_OF(sections)] = {0};

    if (root == NULL || sy__config_node_is_null(root))
        goto out;
    if (root->type != SY__NODE_MAPPING) {
        sy__config_problem(probs, root->line, "the top level must be a mapping, got %s",
                           kind_of(root));
        goto out;
    }
    for (size_t i = 0; i + 1 < root->count; i += 2) {
        size_t s = 0;

        while (s < COUNT_OF(sections) && !key_is(root->items[i], sections[s]))
            s++;
        if (s == COUNT_OF(sections))
            unknown_key(&ld, root->items[i], "");
        else if (found[s] == NULL)
            found[s] = root->items[i + 1]; /* a duplicate was reported by yaml.c */
    }
    if (found[0] != NULL)
        read_listen(&ld, found[0]);
    if (found[1] != NULL) {
        uint64_t workers = cfg->workers;

        read_uint(&ld, found[1], "workers", false, 1, 256, &workers);
        cfg->workers = (unsigned)workers;
    }
    if (found[2] != NULL)
        read_keys(&ld, found[2]);
    if (found[3] != NULL)
        read_http(&ld, found[3]);
    if (found[4] != NULL)
        read_fields(&ld, found[4], "upstream", upstream_fields, COUNT_OF(upstream_fields), cfg);
    if (found[5] != NULL)
        read_log(&ld, found[5]);
    if (found[6] != NULL)
        read_providers(&ld, found[6]);
    if (found[7] != NULL)
        read_models(&ld, found[7]);
out:
    for (size_t i = 0; i < cfg->providers_count; i++)
        sy__config_resolve_timeouts(&cfg->providers[i].timeouts, &cfg->upstream.timeouts);
    free(ld.provider_names);
}
