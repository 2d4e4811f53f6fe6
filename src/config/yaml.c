/* config/yaml.c - YAML text to a tree of nodes that know their line.
 *
 * The only file that includes libfyaml.h (STYLE B.1: one library, one
 * module). libfyaml 0.7.12, what Debian 12 ships, has no public start mark
 * for a document node, so the tree is built from parser events, whose marks
 * are public. That also puts the rules a config needs in one place:
 *
 *  - one document per file;
 *  - no aliases: `*x` could expand a few bytes into a huge tree (billion
 *    laughs), and a config gains little from them;
 *  - no duplicate keys: the event parser does not check them;
 *  - at most SY__CONFIG_MAX_DEPTH levels of nesting.
 *
 * libfyaml reports syntax errors through a diag object that collects them
 * instead of printing to stderr; each becomes a problem with its line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "config/config_int.h"
#include "core/alloc.h"

struct builder {
    struct sy__config_problems *probs;
    struct sy__config_node *root;
    struct sy__config_node *open[SY__CONFIG_MAX_DEPTH]; /* collections not yet closed */
    size_t depth;
    unsigned last_line; /* for events without a mark, such as an empty value */
    unsigned documents;
};

static struct sy__config_node *new_node(enum sy__config_node_type type, unsigned line)
{
    struct sy__config_node *node = sy_xcalloc(1, sizeof(*node));

    node->type = type;
    node->line = line;
    return node;
}

void sy__config_node_free(struct sy__config_node *node)
{
    if (node == NULL)
        return;
    /* Recursion is bounded by SY__CONFIG_MAX_DEPTH. */
    for (size_t i = 0; i < node->count; i++)
        sy__config_node_free(node->items[i]);
    free(node->items);
    free(node->text);
    free(node);
}

bool sy__config_node_is_null(const struct sy__config_node *node)
{
    if (node == NULL)
        return true;
    if (node->type != SY__NODE_SCALAR || !node->is_plain)
        return false;
    return node->len == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
           strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

static void append_item(struct sy__config_node *parent, struct sy__config_node *child)
{
    if (parent->count == parent->cap) {
        parent->cap = parent->cap == 0 ? 8 : parent->cap * 2;
        parent->items = sy_xrealloc(parent->items, parent->cap * sizeof(*parent->items));
    }
    parent->items[parent->count++] = child;
}

/* Attaches `node` to the innermost open collection, or makes it the root. */
static void attach(struct builder *b, struct sy__config_node *node)
{
    if (b->depth > 0)
        append_item(b->open[b->depth - 1], node);
    else if (b->root == NULL)
        b->root = node;
    else
        sy__config_node_free(node); /* cannot happen within one document */
}

static unsigned line_of(struct builder *b, struct fy_event *event)
{
    const struct fy_mark *mark = fy_event_start_mark(event);

    if (mark != NULL && mark->line >= 0 && (unsigned)mark->line < UINT32_MAX)
        b->last_line = (unsigned)mark->line + 1;
    return b->last_line;
}

/* Orders key nodes by text, then by line, so that duplicates sit together and
 * the first of them comes first. */
static int compare_keys(const void *pa, const void *pb)
{
    const struct sy__config_node *a = *(const struct sy__config_node *const *)pa;
    const struct sy__config_node *b = *(const struct sy__config_node *const *)pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int cmp = memcmp(a->text, b->text, n);

    if (cmp != 0)
        return cmp;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/* Keys must be scalars and appear once. A repeated key is reported, then
 * dropped with its value, so that later steps see each key once and never
 * fill a field twice. Sorting costs n log n, so a mapping with many keys
 * cannot make this quadratic. */
static void check_keys(struct builder *b, struct sy__config_node *map)
{
    size_t pairs = map->count / 2, scalars = 0, kept = 0;
    struct sy__config_node **keys;

    if (pairs < 2 && (pairs == 0 || map->items[0]->type == SY__NODE_SCALAR))
        return;
    keys = sy_xcalloc(pairs, sizeof(*keys));
    for (size_t i = 0; i < pairs; i++) {
        struct sy__config_node *key = map->items[2 * i];

        if (key->type != SY__NODE_SCALAR)
            sy__config_problem(b->probs, key->line, "a mapping key must be a string");
        else
            keys[scalars++] = key;
    }
    qsort(keys, scalars, sizeof(*keys), compare_keys);
    for (size_t i = 1; i < scalars; i++) {
        char shown[48];

        if (keys[i]->len != keys[i - 1]->len ||
            memcmp(keys[i]->text, keys[i - 1]->text, keys[i]->len) != 0)
            continue;
        sy__config_excerpt(shown, sizeof(shown), keys[i]->text, keys[i]->len);
        sy__config_problem(b->probs, keys[i]->line, "duplicate key '%s' (first at line %u)", shown,
                           keys[i - 1]->line);
        keys[i]->is_repeated = true;
    }
    free(keys);
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        if (map->items[i]->is_repeated) {
            sy__config_node_free(map->items[i]);
            sy__config_node_free(map->items[i + 1]);
            continue;
        }
        map->items[kept++] = map->items[i];
        map->items[kept++] = map->items[i + 1];
    }
    map->count = kept;
}

static struct sy__config_node *scalar_node(struct builder *b, struct fy_event *event)
{
    struct sy__config_node *node = new_node(SY__NODE_SCALAR, line_of(b, event));
    struct fy_token *token = event->scalar.value;
    const char *text = NULL;
    size_t len = 0;

    if (token != NULL)
        text = fy_token_get_text(token, &len);
    if (text == NULL)
        len = 0;
    node->text = sy_xstrndup(text != NULL ? text : "", len);
    node->len = len;
    node->is_plain = token == NULL || fy_token_scalar_style(token) == FYSS_PLAIN;
    return node;
}

/* Handles one event. Returns 0 to go on, 1 to stop with a complete tree, -1
 * to stop with a broken one. */
static int on_event(struct builder *b, struct fy_event *event)
{
    struct sy__config_node *node;
    unsigned line = line_of(b, event);

    switch (event->type) {
    case FYET_DOCUMENT_START:
        if (++b->documents > 1) {
            sy__config_problem(b->probs, line,
                               "only one YAML document is allowed; another starts here");
            return 1;
        }
        return 0;
    case FYET_SCALAR:
        attach(b, scalar_node(b, event));
        return 0;
    case FYET_ALIAS:
        sy__config_problem(b->probs, line, "aliases (*name) are not supported");
        /* A null in its place keeps the tree's shape, so checking goes on. */
        node = new_node(SY__NODE_SCALAR, line);
        node->text = sy_xstrdup("");
        node->is_plain = true;
        attach(b, node);
        return 0;
    case FYET_MAPPING_START:
    case FYET_SEQUENCE_START:
        if (b->depth == SY__CONFIG_MAX_DEPTH) {
            sy__config_problem(b->probs, line, "nested more than %d levels deep",
                               SY__CONFIG_MAX_DEPTH);
            return -1;
        }
        node = new_node(event->type == FYET_MAPPING_START ? SY__NODE_MAPPING : SY__NODE_SEQUENCE,
                        line);
        attach(b, node);
        b->open[b->depth++] = node;
        return 0;
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END:
        if (b->depth == 0)
            return 0; /* unbalanced: libfyaml reports it */
        node = b->open[--b->depth];
        if (node->type == SY__NODE_MAPPING)
            check_keys(b, node);
        return 0;
    default:
        return 0;
    }
}

static void discard_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* Returns the line of the first byte that is NUL or not part of valid UTF-8,
 * or 0 when the text is clean. libfyaml 0.8 can loop forever on some invalid
 * bytes (found by fuzz_config in a % directive), so they never reach it. */
static unsigned first_bad_line(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    unsigned line = 1;

    while (p < end) {
        unsigned char c = *p;
        size_t need;
        uint32_t cp;

        if (c == '\n')
            line++;
        if (c != 0 && c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return line;
        }
        if ((size_t)(end - p) <= need)
            return line;
        for (size_t i = 1; i <= need; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return line;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return line;
        p += need + 1;
    }
    return 0;
}

int sy__config_parse(const char *yaml, size_t len, struct sy__config_problems *probs,
                     struct sy__config_node **root)
{
    struct builder b = {.probs = probs, .last_line = 1};
    struct fy_diag_cfg diag_cfg;
    struct fy_parse_cfg parse_cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_NONE};
    struct fy_diag *diag = NULL;
    struct fy_parser *parser = NULL;
    struct fy_event *event;
    int stop = 0, ret = -1;

    *root = NULL;
    unsigned bad = first_bad_line(yaml, len);
    if (bad != 0) {
        sy__config_problem(probs, bad, "not valid UTF-8 text (or a NUL byte)");
        return -1;
    }
    /* Collect errors instead of printing them: libfyaml's default writes to
     * stderr, which a server must not do behind its log's back. */
    fy_diag_cfg_default(&diag_cfg);
    diag_cfg.fp = NULL;
    diag_cfg.output_fn = discard_output;
    diag_cfg.colorize = false;
    diag = fy_diag_create(&diag_cfg);
    if (diag == NULL) {
        sy__config_problem(probs, 1, "cannot start the YAML parser");
        goto out;
    }
    fy_diag_set_collect_errors(diag, true);
    parse_cfg.diag = diag;
    parser = fy_parser_create(&parse_cfg);
    if (parser == NULL || fy_parser_set_string(parser, yaml, len) != 0) {
        sy__config_problem(probs, 1, "cannot start the YAML parser");
        goto out;
    }
    while ((event = fy_parser_parse(parser)) != NULL) {
        stop = on_event(&b, event);
        fy_parser_event_free(parser, event);
        if (stop != 0)
            break;
    }
    if (stop < 0)
        goto out;
    if (fy_parser_get_stream_error(parser)) {
        void *iter = NULL;
        struct fy_diag_error *err;
        size_t reported = 0;

        while ((err = fy_diag_errors_iterate(diag, &iter)) != NULL) {
            if (err->type < FYET_ERROR)
                continue;
            unsigned line = err->line > 0 ? (unsigned)err->line : b.last_line;

            sy__config_problem(probs, line, "invalid YAML: %s",
                               err->msg != NULL ? err->msg : "syntax error");
            reported++;
        }
        if (reported == 0)
            sy__config_problem(probs, b.last_line, "invalid YAML");
        goto out;
    }
    *root = b.root;
    b.root = NULL;
    ret = 0;
out:
    sy__config_node_free(b.root);
    if (parser != NULL)
        fy_parser_destroy(parser);
    if (diag != NULL)
        fy_diag_destroy(diag);
    return ret;
}
