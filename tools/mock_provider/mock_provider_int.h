/* mock_provider/mock_provider_int.h - what the files of the mock provider share.
 *
 * The pure parts (no I/O, no clock, no globals) are the HTTP request parser (http1.c), the
 * writer helpers (json.c), the knobs (knobs.c) and the OpenAI answers (openai.c): each
 * turns bytes into bytes and can be tested or fuzzed alone. api.c routes a parsed request to a
 * `struct sy__mock_plan`, the complete description of the answer; server.c carries plans out on
 * libuv loops, with their timers and faults; ledger.c records what was served. */
#ifndef SY_MOCK_PROVIDER_MOCK_PROVIDER_INT_H
#define SY_MOCK_PROVIDER_MOCK_PROVIDER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "core/str.h"

/* ---- HTTP/1.1 request parser (http1.c) ------------------------------------------------ */

#define SY__MOCK_MAX_HEAD_BYTES ((size_t)64 * 1024)
#define SY__MOCK_MAX_BODY_BYTES ((size_t)16 * 1024 * 1024)
#define SY__MOCK_MAX_HEADERS    128
/* Chunked framing is not counted in the body limit, but the buffered raw request is capped. */
#define SY__MOCK_MAX_RAW_BYTES (SY__MOCK_MAX_HEAD_BYTES + 2 * SY__MOCK_MAX_BODY_BYTES)

enum sy__mock_http_result {
    SY__MOCK_HTTP_BAD = -1,            /* not HTTP/1.x: 400 and close */
    SY__MOCK_HTTP_INCOMPLETE = -2,     /* read more */
    SY__MOCK_HTTP_BODY_TOO_LARGE = -3, /* 413 and close */
    SY__MOCK_HTTP_HEAD_TOO_LARGE = -4, /* 431 and close */
};

struct sy__mock_header {
    struct sy_str name; /* as sent; compare without case */
    struct sy_str value;
};

struct sy__mock_http_req {
    struct sy_str method;
    struct sy_str path;  /* the target up to '?' */
    struct sy_str query; /* after '?', empty when none */
    int minor_version;   /* HTTP/1.x */
    bool is_keep_alive;
    bool is_chunked;
    bool expects_continue; /* "Expect: 100-continue" */
    size_t head_len;       /* bytes of request line and headers; 0 until the head is complete */
    struct sy_str body;
    size_t header_count;
    struct sy__mock_header headers[SY__MOCK_MAX_HEADERS];
};

/* Progress through a chunked body, kept between calls for one request so that each byte of
 * framing is read once. Zero it before a new request. */
struct sy__mock_chunked {
    size_t scanned;  /* framed body bytes already validated */
    size_t body_len; /* decoded bytes in them */
    bool is_done;    /* the last chunk and the trailers are in */
};

/* Parses the request at the start of `buf`. Returns the bytes it takes (head and framed body)
 * or an enum sy__mock_http_result. Views in `req` point into `buf`, except a chunked body,
 * which is decoded into `scratch` (emptied first). When the result is INCOMPLETE,
 * `req->head_len` tells whether the head is complete (then `req` is filled but `body`). */
ssize_t sy__mock_http_parse(const char *buf, size_t len, struct sy__mock_http_req *req,
                            struct sy__mock_chunked *st, struct sy_buf *scratch);

/* Returns the value of the last header called `lower_name` (given in lower case), or
 * SY_STR_NULL. */
struct sy_str sy__mock_http_header(const struct sy__mock_http_req *req, const char *lower_name);

/* ---- Writing answers (json.c) ------------------------------------------------------------
 *
 * Request bodies are read with core/json.h, and strings quoted with sy_json_append_string(). */

/* sy_buf_append() without the call when the bytes fit: answers are built from many short
 * pieces. */
static inline void sy__mock_put(struct sy_buf *buf, const void *data, size_t len)
{
    if (len == 0)
        return;
    if (buf->ptr != NULL && buf->len + len < buf->cap) {
        memcpy(buf->ptr + buf->len, data, len);
        buf->len += len;
        buf->ptr[buf->len] = '\0';
        return;
    }
    sy_buf_append(buf, data, len);
}

#define SY__MOCK_PUT_LIT(buf, lit) sy__mock_put((buf), (lit), sizeof(lit) - 1)

/* Appends `v` in decimal. */
void sy__mock_buf_u64(struct sy_buf *out, uint64_t v);

/* Number of runs of non-whitespace bytes (whitespace: space, \t, \n, \v, \f, \r). */
uint32_t sy__mock_count_words(const char *s, size_t len);

/* ---- Knobs (knobs.c) ------------------------------------------------------------------ */

#define SY__MOCK_MAX_DELAY_MS 600000u
#define SY__MOCK_MAX_CHUNKS   100000u

struct sy__mock_knobs {
    uint32_t latency_ms;
    uint32_t ttft_ms;
    uint32_t chunk_delay_ms;
    uint32_t stall_ms;
    uint32_t chunks;     /* 0 = one piece per word */
    uint32_t status;     /* 0 = a normal answer, else 400..599 */
    int64_t reset_after; /* -1 = never */
    bool is_malformed;
    bool is_tool_call;
    bool is_safety;        /* Gemini: finishReason "SAFETY" and no text */
    struct sy_str content; /* ptr NULL = echo the prompt */
};

void sy__mock_knobs_init(struct sy__mock_knobs *k);

/* Splits `model` at a knob suffix "@key=value,..." (when the part after the last '@' is made
 * of key=value pairs) and applies the known keys. Returns the model without the suffix. */
struct sy_str sy__mock_knobs_from_model(struct sy__mock_knobs *k, struct sy_str model);

/* Applies the x-mock-* headers of `req`; they win over a model suffix. */
void sy__mock_knobs_from_headers(struct sy__mock_knobs *k, const struct sy__mock_http_req *req);

/* ---- OpenAI answers (openai.c) -------------------------------------------------------- */

enum sy__mock_api {
    SY__MOCK_API_CHAT = 0,
    SY__MOCK_API_COMPLETION,
};

enum sy__mock_step {
    SY__MOCK_STEP_ROLE = 0,  /* chat: delta {role, content ""} */
    SY__MOCK_STEP_TOOL_HEAD, /* chat tool call: id, type, name, arguments "" */
    SY__MOCK_STEP_CONTENT,   /* one piece of the content or of the tool arguments */
    SY__MOCK_STEP_MALFORMED, /* "data: {not json" */
    SY__MOCK_STEP_FINISH,    /* empty delta and finish_reason */
    SY__MOCK_STEP_USAGE,     /* choices [] and usage, when include_usage */
    SY__MOCK_STEP_DONE,      /* "data: [DONE]" and the last HTTP chunk */
    SY__MOCK_STEP_END,       /* nothing left */
};

struct sy__mock_script;

/* Everything needed to write one streamed answer, event by event, so that a long answer is
 * never held in memory whole. The strings are owned: free with sy__mock_stream_dispose().
 * The other providers' formats fill `script` instead (see script.c) and nothing else. */
struct sy__mock_stream {
    enum sy__mock_api api;
    bool is_tool_call;
    bool has_usage; /* stream_options.include_usage */
    bool is_malformed;
    bool is_malformed_sent;
    char id[40];
    int64_t created;
    char *model;
    char *text; /* the content, or the tool call's arguments */
    size_t text_len;
    char *tool_name;
    char *prefix; /* "data: {" and the members every event repeats, up to "choices" */
    size_t prefix_len;
    uint32_t prompt_tokens;
    uint32_t completion_tokens;
    uint32_t pieces;   /* content events in all */
    bool is_by_chars;  /* pieces of equal length instead of one per word */
    size_t text_chars; /* UTF-8 characters in text, when is_by_chars */
    /* the cursor */
    enum sy__mock_step next;
    uint32_t pieces_sent;
    size_t pos;                     /* bytes of text sent */
    size_t chars_sent;              /* characters of text sent, when is_by_chars */
    uint32_t tokens_sent;           /* words of text[0, pos) */
    struct sy__mock_script *script; /* owned; freed by sy__mock_plan_release() */
};

/* What the chat or completion endpoint decoded from a request body. Views into the body, or
 * into `text` for decoded strings. */
struct sy__mock_prompt {
    struct sy_str model;
    struct sy_str last_user_text;
    struct sy_str tool_name; /* the first tool's function name; ptr NULL when no tools */
    bool is_stream;
    bool has_usage;
    uint32_t prompt_tokens;
};

/* Decodes a chat completions body. Returns 0, or -1 and sets `*why` to a message for a 400.
 * Decoded strings go to `text` (emptied first), which must outlive the use of `out`. */
int sy__mock_openai_decode_chat(const char *body, size_t len, struct sy_buf *text,
                                struct sy__mock_prompt *out, const char **why);

/* Same for a legacy completions body ("prompt" instead of "messages"). */
int sy__mock_openai_decode_completion(const char *body, size_t len, struct sy_buf *text,
                                      struct sy__mock_prompt *out, const char **why);

/* Sets up `s` for an answer (`text` is the content or the tool arguments; copied). */
void sy__mock_stream_init(struct sy__mock_stream *s, enum sy__mock_api api, const char *id,
                          int64_t created, struct sy_str model, struct sy_str text,
                          struct sy_str tool_name, uint32_t prompt_tokens, uint32_t chunks);

/* Appends the next event, framed as one HTTP chunk, to `out` and advances the cursor. Returns
 * the step that was written. */
enum sy__mock_step sy__mock_stream_emit(struct sy__mock_stream *s, struct sy_buf *out);

void sy__mock_stream_dispose(struct sy__mock_stream *s);

/* Appends the non-streamed chat completion. `tool_name.ptr` != NULL makes it a tool call whose
 * arguments are `text`. */
void sy__mock_openai_chat_body(struct sy_buf *out, const char *id, int64_t created,
                               struct sy_str model, struct sy_str text, struct sy_str tool_name,
                               uint32_t prompt_tokens, uint32_t completion_tokens);

void sy__mock_openai_completion_body(struct sy_buf *out, const char *id, int64_t created,
                                     struct sy_str model, struct sy_str text,
                                     uint32_t prompt_tokens, uint32_t completion_tokens);

/* Appends the tool arguments {"query":"<text>"} as compact JSON. */
void sy__mock_openai_tool_arguments(struct sy_buf *out, struct sy_str text);

struct json_t;

/* An embeddings request, read with jansson: its inputs are arrays and numbers, not text. */
struct sy__mock_embed_req {
    struct json_t *root;
    struct sy_str model; /* a view into `root`; ptr NULL when absent */
};

/* Parses an embeddings body. Returns 0, or -1 with `*why` set for a 400 (then nothing to
 * dispose). Caller frees with sy__mock_openai_embed_dispose(). */
int sy__mock_openai_decode_embeddings(const char *body, size_t len, struct sy__mock_embed_req *out,
                                      const char **why);

/* Appends the embeddings response for `req` answered as `model`. Returns 0 and sets
 * `*prompt_tokens`, or -1 with `*why` set for a 400 and nothing appended. */
int sy__mock_openai_embeddings_body(const struct sy__mock_embed_req *req, struct sy_str model,
                                    struct sy_buf *out, uint32_t *prompt_tokens, const char **why);

void sy__mock_openai_embed_dispose(struct sy__mock_embed_req *req);

/* Appends {"error":{"message","type","param","code"}}. */
void sy__mock_openai_error_body(struct sy_buf *out, int status, const char *message);

/* Fills `out[dims]` with the unit vector for `len` bytes of input. */
void sy__mock_embedding_vector(const void *input, size_t len, float *out, size_t dims);

/* ---- Ledger (ledger.c) ---------------------------------------------------------------- */

#define SY__MOCK_LEDGER_CAP 100000u

enum sy__mock_outcome {
    SY__MOCK_OUTCOME_OK = 0,
    SY__MOCK_OUTCOME_ERROR,
    SY__MOCK_OUTCOME_RESET,
    SY__MOCK_OUTCOME_CLIENT_CLOSED,
    SY__MOCK_OUTCOME_MALFORMED,
    SY__MOCK_OUTCOME_COUNT
};

struct sy__mock_ledger_entry {
    uint64_t seq;
    char *tail; /* the entry's JSON from "path" to the closing brace */
    uint32_t status;
    uint32_t prompt_tokens;
    uint32_t completion_tokens;
    enum sy__mock_outcome outcome;
};

/* Shared by every thread of one provider, behind `mu`. */
struct sy__mock_ledger {
    pthread_mutex_t mu;
    struct sy__mock_ledger_entry *ring; /* grows up to SY__MOCK_LEDGER_CAP */
    size_t cap;
    size_t head; /* the oldest entry */
    size_t count;
    uint64_t next_seq;
    uint64_t total_requests; /* including dropped entries */
    uint64_t total_prompt_tokens;
    uint64_t total_completion_tokens;
    uint64_t total_token_requests; /* POST /token (the fake OAuth endpoint) */
    uint64_t dropped;
};

void sy__mock_ledger_init(struct sy__mock_ledger *l);
void sy__mock_ledger_dispose(struct sy__mock_ledger *l);

/* Records one finished request. Takes ownership of `tail` (from sy__mock_ledger_tail()). Any
 * thread. */
void sy__mock_ledger_record(struct sy__mock_ledger *l, char *tail, uint32_t status,
                            enum sy__mock_outcome outcome, uint32_t prompt_tokens,
                            uint32_t completion_tokens);

/* Appends GET /mock/ledger's body. Any thread. */
void sy__mock_ledger_render(struct sy__mock_ledger *l, struct sy_buf *out);

/* Clears entries and totals; seq restarts at 1. Any thread. */
void sy__mock_ledger_reset(struct sy__mock_ledger *l);

/* Returns the malloc'd JSON tail of an entry for `req`: path, model (NULL ptr = null), stream,
 * authorization, api_key, the x-* headers, x_api_key and x_goog_api_key. */
char *sy__mock_ledger_tail(const struct sy__mock_http_req *req, struct sy_str model,
                           bool is_stream);

/* The same, with `goog_key` (a Gemini key= query parameter) as x_goog_api_key when the request
 * has no x-goog-api-key header. */
char *sy__mock_ledger_tail_key(const struct sy__mock_http_req *req, struct sy_str model,
                               bool is_stream, struct sy_str goog_key);

/* ---- Plans (api.c) -------------------------------------------------------------------- */

struct sy__mock_formats;

/* State shared by the threads of one provider. */
struct sy__mock_shared {
    struct sy__mock_ledger ledger;
    uint64_t next_id;                 /* atomic: the n of "chatcmpl-mock-<n>" */
    struct sy__mock_formats *formats; /* the other providers' state (providers.c); may be NULL */
};

/* The complete answer to one request, decided before the first byte is sent. server.c
 * carries it out; nothing in it refers to the request's buffer. */
struct sy__mock_plan {
    uint32_t status;
    enum sy__mock_outcome outcome; /* when it runs to the end: OK, ERROR or MALFORMED */
    bool is_stream;
    bool closes;                 /* "connection: close": close once it is sent */
    struct sy__mock_knobs knobs; /* the delays and faults; content is not used any more */
    struct sy_buf head;          /* status line and headers, through the blank line */
    struct sy_buf body;          /* the whole body, when not streamed */
    struct sy__mock_stream stream;
    uint32_t prompt_tokens;
    uint32_t completion_tokens; /* counted only when the whole body was sent */
    char *ledger_tail;          /* NULL: not recorded (/health, /mock/...) */
};

/* Buffers a worker reuses while it decides answers. */
struct sy__mock_scratch {
    struct sy_buf text;  /* strings decoded from the body */
    struct sy_buf reply; /* the reply text or the tool arguments */
};

/* Decides the answer to `req` into `plan`, whose buffers are reused (emptied first) and whose
 * stream and tail must have been released. `now_s` is the `created` timestamp. */
void sy__mock_plan_request(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                           int64_t now_s, struct sy__mock_plan *plan,
                           struct sy__mock_scratch *scratch);

/* Decides the answer to a request that could not be parsed: `status` 400, 413 or 431, then
 * close. `req` may be partly filled (head_len 0) or NULL. */
void sy__mock_plan_bad_request(const struct sy__mock_http_req *req, uint32_t status,
                               struct sy__mock_plan *plan);

/* Frees what the plan owns besides its buffers: the stream and the ledger tail. */
void sy__mock_plan_release(struct sy__mock_plan *plan);

/* ---- The other providers' formats --------------------------------------------------------
 *
 * Anthropic Messages (anthropic.c), Gemini and Vertex generateContent (gemini.c) and Bedrock
 * Converse (bedrock.c), with the credentials they check: AWS SigV4 (sigv4.c) and the fake
 * OAuth token endpoint that Vertex tokens come from (oauth.c). providers.c routes to them and
 * keeps their shared state. None of it is on the OpenAI path: the router reaches it only for
 * paths that no OpenAI route takes. Request bodies are read with jansson (these formats are
 * not what the benchmarks measure). */

/* A stream decided whole in advance: its bytes, cut into steps that server.c paces exactly
 * like the OpenAI stream's (ROLE: what comes before any content, after ttft; CONTENT: one
 * counted piece; MALFORMED; FINISH: everything after the content). A step goes out as one
 * HTTP chunk, and the last chunk follows the last step. */
struct sy__mock_script_step {
    enum sy__mock_step kind;
    uint32_t tokens; /* words of content the step sends */
    size_t off;
    size_t len;
};

struct sy__mock_script {
    struct sy_buf bytes;
    struct sy__mock_script_step *steps;
    size_t count;
    size_t cap;
    size_t mark;      /* bytes[mark, len) belong to the step not yet closed */
    size_t next;      /* the step to send next */
    bool has_role;    /* the first step is a ROLE step: ttft applies to it, not to the content */
    bool has_content; /* a CONTENT step was closed */
};

/* Returns an empty script. Caller frees with sy__mock_script_free() unless it is attached. */
struct sy__mock_script *sy__mock_script_new(void);

/* Closes the bytes appended since the last step as a step of `kind`. */
void sy__mock_script_step(struct sy__mock_script *sc, enum sy__mock_step kind, uint32_t tokens);

/* Hands `sc` over to `s` (zeroed first): the stream sends its steps in order. */
void sy__mock_script_attach(struct sy__mock_stream *s, struct sy__mock_script *sc);

/* Appends the next step, framed as one HTTP chunk, to `out` and advances. Returns its kind. */
enum sy__mock_step sy__mock_script_emit(struct sy__mock_stream *s, struct sy_buf *out);

void sy__mock_script_free(struct sy__mock_script *sc);

/* Cuts a text into the content pieces of a stream: one per word with the whitespace after it
 * (as openai.c does), or `chunks` > 0 pieces of about equal length, never inside a UTF-8
 * character. `words` counts the words a piece completes, so the pieces add up to the text's. */
struct sy__mock_pieces {
    const char *text;
    size_t len;
    size_t pos;
    size_t chars;      /* characters in text, when is_by_chars */
    size_t chars_done; /* characters before pos, when is_by_chars */
    uint32_t count;
    uint32_t done;
    bool is_by_chars;
};

void sy__mock_pieces_init(struct sy__mock_pieces *p, struct sy_str text, uint32_t chunks);
bool sy__mock_pieces_next(struct sy__mock_pieces *p, struct sy_str *piece, uint32_t *words);

/* Appends the lower-case hex SHA-256 of `len` bytes. */
void sy__mock_sha256_hex(struct sy_buf *out, const void *data, size_t len);

#define SY__MOCK_PREFIX_SLOTS 4096

struct evp_pkey_st;
struct sy_mock_provider_auth;

/* What the other formats share between the threads of one provider. */
struct sy__mock_formats {
    /* Set before the threads start and only read after. */
    struct evp_pkey_st *vertex_key; /* NULL: every JWT is refused */
    char *aws_access_key_id;        /* NULL: every Bedrock request is refused */
    char *aws_secret_access_key;
    uint32_t token_ttl_s;
    /* Behind `mu`. */
    pthread_mutex_t mu;
    uint64_t prefixes[SY__MOCK_PREFIX_SLOTS]; /* prompt-cache prefixes seen; 0 is empty */
    size_t prefix_count;
    int64_t *token_expiry; /* [n - 1]: when access token "ya29.mock-<n>" expires (unix s) */
    size_t token_count;
    size_t token_cap;
};

/* Sets up the state with `auth` (NULL: no credentials, every Vertex and Bedrock request is
 * refused). Returns 0 and sets `*out`, or logs why (a key that is not PEM) and returns -1. */
int sy__mock_formats_new(const struct sy_mock_provider_auth *auth, struct sy__mock_formats **out);

void sy__mock_formats_free(struct sy__mock_formats *f);

/* Forgets the prompt-cache prefixes (POST /mock/reset). Issued tokens stay valid. */
void sy__mock_formats_reset(struct sy__mock_formats *f);

/* True when prefix hash `h` was seen; adds it when `is_added`. */
bool sy__mock_prefix_check(struct sy__mock_formats *f, uint64_t h, bool is_added);

/* Issues an access token valid until `expires_at`. Returns its number n. */
uint64_t sy__mock_token_issue(struct sy__mock_formats *f, int64_t expires_at);

/* True when `authorization` is "Bearer ya29.mock-<n>" for an issued token not expired. */
bool sy__mock_token_is_valid(struct sy__mock_formats *f, struct sy_str authorization,
                             int64_t now_s);

/* Decides the answer to `req` when its path belongs to one of the other formats. Returns
 * false, with `plan` untouched, when it does not. */
bool sy__mock_plan_provider(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                            int64_t now_s, struct sy__mock_plan *plan);

/* Appends the status line (api.c). */
void sy__mock_status_line(struct sy_buf *head, uint32_t status);

/* Writes the head of the non-streamed answer in plan->body with plan->status: content-type,
 * content-length, `extra` (header lines, each ending in CRLF; NULL for none), retry-after: 1
 * on a 429 and connection: close when the plan closes. */
void sy__mock_plan_head(struct sy__mock_plan *plan, const char *content_type, const char *extra);

/* Writes the head of a streamed answer (200, chunked) and attaches `sc` to the plan. */
void sy__mock_plan_stream(struct sy__mock_plan *plan, const char *content_type, const char *extra,
                          struct sy__mock_script *sc);

/* Reads the knobs: the model suffix, then the x-mock-* headers, which win. Returns the model
 * without its suffix. */
struct sy_str sy__mock_plan_knobs(struct sy__mock_plan *plan, const struct sy__mock_http_req *req,
                                  struct sy_str model);

/* Starts an error answer with `status`: empties the body, marks the plan an error, not
 * streamed, with no tokens. The caller writes the body in its format and the head. */
void sy__mock_plan_error(struct sy__mock_plan *plan, uint32_t status);

/* Returns the next number for an answer's id (shared by all threads, from 1). */
uint64_t sy__mock_take_id(struct sy__mock_shared *sh);

/* Starts a 200 answer for a request of `prompt_tokens`: its outcome is MALFORMED when the
 * malformed knob is on, else OK. */
void sy__mock_plan_ok(struct sy__mock_plan *plan, uint32_t prompt_tokens);

/* Writes the non-streamed answer of the malformed knob: a body that is not JSON, and its head
 * with `extra` as sy__mock_plan_head() takes it. */
void sy__mock_plan_malformed(struct sy__mock_plan *plan, const char *extra);

/* True when a request that offers a tool should get a call to it: the tool-call knob is on or
 * the user's text asks to "call a tool". */
bool sy__mock_is_tool_wanted(const struct sy__mock_knobs *k, struct sy_str user);

/* Appends the text of a reply that calls no tool: the content knob's, else "mock: " and the
 * user's text. */
void sy__mock_echo_text(struct sy_buf *out, const struct sy__mock_knobs *k, struct sy_str user);

/* Words of a JSON string (as sy__mock_count_words() counts them); 0 for anything else. */
uint32_t sy__mock_json_words(const struct json_t *s);

/* True when `v` is a JSON string equal to `lit`. */
bool sy__mock_json_is(const struct json_t *v, const char *lit);

/* True when `s` contains `needle` (ASCII, without case). */
bool sy__mock_contains_nocase(struct sy_str s, const char *needle);

/* Appends `s` with its %XX escapes decoded (and '+' as a space when `is_form`). */
void sy__mock_url_decode(struct sy_buf *out, struct sy_str s, bool is_form);

/* Finds `name`=value in a query string or form body. Returns the raw value, or SY_STR_NULL. */
struct sy_str sy__mock_query_param(struct sy_str query, const char *name);

/* Anthropic Messages: POST /v1/messages, or /v1/messages/count_tokens when `is_count`. */
void sy__mock_anthropic_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                             int64_t now_s, struct sy__mock_plan *plan, bool is_count);

/* Appends "sig-" and the hex SHA-256 of a thinking text: the signature the mock gives and
 * checks. */
void sy__mock_anthropic_signature(struct sy_buf *out, const char *thinking, size_t len);

/* Gemini (x-goog-api-key or key=) or, when `is_vertex`, Vertex (a bearer token from /token):
 * generateContent, or streamGenerateContent when `is_stream`. `model` is from the path, still
 * percent-encoded. */
void sy__mock_gemini_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                          int64_t now_s, struct sy__mock_plan *plan, struct sy_str model,
                          bool is_stream, bool is_vertex);

/* Appends "gsig-" and the hex SHA-256 of a function call: its name, a newline and its args as
 * compact JSON with sorted keys. */
void sy__mock_gemini_signature(struct sy_buf *out, struct json_t *call);

/* Bedrock Converse (or ConverseStream when `is_stream`) of `model_id`, still percent-encoded. */
void sy__mock_bedrock_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                           int64_t now_s, struct sy__mock_plan *plan, struct sy_str model_id,
                           bool is_stream);

/* One header of an event-stream frame; every value the mock sends is a string (type 7). */
struct sy__mock_es_header {
    const char *name;
    const char *value;
};

/* Appends one application/vnd.amazon.eventstream frame. `is_crc_bad` spoils the message CRC
 * (the malformed knob). */
void sy__mock_eventstream_frame(struct sy_buf *out, const struct sy__mock_es_header *headers,
                                size_t count, const char *payload, size_t len, bool is_crc_bad);

enum sy__mock_sigv4 {
    SY__MOCK_SIGV4_OK = 0,
    SY__MOCK_SIGV4_MISSING,     /* no Authorization header */
    SY__MOCK_SIGV4_MALFORMED,   /* not AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature= */
    SY__MOCK_SIGV4_UNKNOWN_KEY, /* another access key id, or none configured */
    SY__MOCK_SIGV4_SCOPE,       /* another service, or a scope date not the x-amz-date's */
    SY__MOCK_SIGV4_EXPIRED,     /* x-amz-date more than 5 minutes away from now */
    SY__MOCK_SIGV4_BODY_HASH,   /* x-amz-content-sha256 is not the body's */
    SY__MOCK_SIGV4_MISMATCH,    /* the signature is not the one computed */
};

/* Verifies the SigV4 signature of `req` (header form) for `service` against the credentials
 * (access_key_id NULL: none). The region is the one in the credential scope. When `canonical`
 * is not NULL the canonical request and the string to sign are appended to it (tests). */
enum sy__mock_sigv4 sy__mock_sigv4_verify(const struct sy__mock_http_req *req,
                                          const char *access_key_id, const char *secret,
                                          const char *service, int64_t now_s,
                                          struct sy_buf *canonical);

/* POST /token: the OAuth 2 JWT bearer grant of a Google service account. */
void sy__mock_oauth_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                         int64_t now_s, struct sy__mock_plan *plan);

/* Checks a service-account assertion: RS256 under `key`, iss, aud ending in "/token", a scope
 * with cloud-platform, iat not in the future and exp after now, at most an hour after iat.
 * Returns NULL when it is valid, else why. */
const char *sy__mock_jwt_check(struct evp_pkey_st *key, struct sy_str jwt, int64_t now_s);

#endif
