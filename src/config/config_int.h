/* config/config_int.h - shared by the files of config/, private to them.
 *
 * Loading runs in three steps, one file each:
 *   yaml.c    YAML text -> a small tree of nodes, each with its 1-based line
 *             (the only file that includes libfyaml.h);
 *   load.c    tree -> fields of a `struct sy_config`, checking the schema;
 *   config.c  the public door: files, the embedded default, lifetime.
 * Every step records what is wrong in one `struct sy__config_problems` and
 * keeps going, so that one run reports every problem (STYLE B.4). */
#ifndef SY_CONFIG_CONFIG_INT_H
#define SY_CONFIG_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* The largest configuration accepted, file or string. Real files are a few
 * KiB; the ceiling bounds what a tree of nodes can cost (about 30 times the
 * input at worst, for a flow sequence of one-letter items). */
#define SY__CONFIG_MAX_BYTES (1024 * 1024)

/* Deeper nesting is refused: the schema itself is four levels deep, and the
 * tree is freed recursively. */
#define SY__CONFIG_MAX_DEPTH 64

/* Problems kept in full; past this many, one line says how many more. */
#define SY__CONFIG_MAX_PROBLEMS 100

/* ---- Problems ------------------------------------------------------------ */

struct sy__config_problem {
    unsigned line; /* 1-based; 0 = about the whole file (it cannot be read) */
    size_t seq;    /* order of discovery: ties on `line` keep it */
    char *message;
};

struct sy__config_problems {
    const char *source; /* file path or name shown before each line number; borrowed */
    struct sy__config_problem *items;
    size_t count, cap;
};

/* Records a problem at `line`. The message must never contain a key, an
 * api_key or any value that came from the environment. */
void sy__config_problem(struct sy__config_problems *probs, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes a printable excerpt of `text` (`len` bytes) into `out`, for a
 * message: at most 40 bytes then "...", anything outside printable ASCII
 * shown as '?'. Only for text written in the file, never for values that
 * came from the environment. */
void sy__config_excerpt(char *out, size_t size, const char *text, size_t len);

/* Appends every problem to `diag` (which may be NULL) as "source:line: message",
 * sorted by line, and frees them. */
void sy__config_problems_flush(struct sy__config_problems *probs, struct sy_config_diag *diag);

/* ---- YAML tree (yaml.c) -------------------------------------------------- */

enum sy__config_node_type {
    SY__NODE_SCALAR = 0,
    SY__NODE_SEQUENCE,
    SY__NODE_MAPPING,
    SY__NODE_COUNT
};

struct sy__config_node {
    enum sy__config_node_type type;
    unsigned line;                  /* 1-based line where the node starts */
    bool is_plain;                  /* a scalar written without quotes: only these can be null */
    bool is_repeated;               /* a key seen before in its mapping: reported, then dropped */
    char *text;                     /* scalar bytes, NUL-terminated; may hold NUL bytes inside */
    size_t len;                     /* of `text` */
    struct sy__config_node **items; /* sequence: the items; mapping: key, value, key, ... */
    size_t count;                   /* entries in `items` (twice the pairs for a mapping) */
    size_t cap;
};

/* Parses the single YAML document `yaml` (`len` bytes, need not be
 * NUL-terminated). On success returns 0 and sets `*root` (NULL for an empty
 * document). A syntax error, an alias, a duplicate key or a second document is
 * recorded in `probs`; after a syntax error `*root` is NULL and -1 returned,
 * after the others the tree is still returned so that its schema can be
 * checked too. Caller frees with sy__config_node_free(). */
int sy__config_parse(const char *yaml, size_t len, struct sy__config_problems *probs,
                     struct sy__config_node **root);

void sy__config_node_free(struct sy__config_node *node);

/* True for a plain scalar written as nothing, "~" or "null": "use the default". */
bool sy__config_node_is_null(const struct sy__config_node *node);

/* ---- Schema (load.c) ----------------------------------------------------- */

/* Fills `cfg`, which already holds the defaults, from `root` (NULL keeps every
 * default). Relative TLS paths are resolved against `dir` (NULL: the working
 * directory). Resolves routes to providers and provider timeouts to the
 * global ones. Problems go to `probs`. */
void sy__config_apply(struct sy_config *cfg, const struct sy__config_node *root, const char *dir,
                      struct sy__config_problems *probs);

/* ---- Snapshot (config.c) ------------------------------------------------- */

/* Returns a snapshot holding every default, refcount 1, no keys, providers
 * or models. `source` is copied. */
struct sy_config *sy__config_new(const char *source);

/* Frees `cfg` whatever its refcount, including a partly filled one. */
void sy__config_free(struct sy_config *cfg);

/* Fills the provider's zero timeouts from `global`. */
void sy__config_resolve_timeouts(struct sy_config_timeouts *timeouts,
                                 const struct sy_config_timeouts *global);

#endif
