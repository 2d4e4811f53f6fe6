/* providers/messages.h - the Anthropic Messages API as a front door (pure).
 *
 * Clients of POST /v1/messages reach every provider kind through the OpenAI
 * "hub": their request becomes an OpenAI chat request, which each kind's
 * build() already understands, and the OpenAI answer (whole, or streamed
 * event by event) becomes an Anthropic message again. When a route's
 * provider is itself of kind anthropic nothing is translated: the client's
 * body goes upstream with only "model" replaced, and the answer comes back
 * with only "model" replaced (sy_messages_native).
 *
 * What the hub request carries beyond OpenAI's own fields, for the kinds
 * that can use them (the anthropic kind maps them back), each as the client
 * wrote it:
 *   - "cache_control" on content parts (text, image_url, file), on system
 *     parts, on tools and on assistant tool_calls;
 *   - assistant "thinking_blocks": [{"type":"thinking","thinking","signature"}
 *     | {"type":"redacted_thinking","data"}], in order;
 *   - "top_k", and "thinking" (the client's object);
 *   - a tool_use id holding "__thought__" (see below) unfolds into the
 *     call's extra_content.google.thought_signature, the id kept whole.
 *
 * What the translators read from OpenAI answers beyond OpenAI's own fields:
 *   - message.thinking_blocks (as above; in stream deltas each element may
 *     carry a piece of "thinking" and/or of "signature"), else a
 *     reasoning_content or reasoning string (thinking without signature);
 *   - tool_calls[i].extra_content.google.thought_signature (Gemini's, which
 *     must come back with the call): folded into the tool_use id as
 *     "<id>__thought__<signature>" (LiteLLM's convention), since a tool_use
 *     block has no other place for it;
 *   - usage.prompt_tokens_details.cached_tokens (cache_read_input_tokens) and
 *     usage.cache_creation_input_tokens or
 *     usage.prompt_tokens_details.cache_creation_tokens
 *     (cache_creation_input_tokens). prompt_tokens is taken to include both,
 *     so input_tokens = prompt_tokens minus both.
 *
 * No I/O, no clock, no globals: unit tests and fuzzers call these directly.
 * Any thread may call them. */
#ifndef SY_PROVIDERS_MESSAGES_H
#define SY_PROVIDERS_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "providers/provider.h"
#include "providers/sse.h"

/* ---- Requests ------------------------------------------------------------ */

/* What a Messages request turned out to be. */
enum sy_messages_verdict {
    SY_MESSAGES_OK = 0,      /* valid, and expressible in OpenAI terms */
    SY_MESSAGES_INVALID,     /* not a valid Messages request: the client gets a 400 */
    SY_MESSAGES_NATIVE_ONLY, /* valid, but uses what the hub cannot express (server
                                tools, a document by URL, an unknown block type...):
                                only a route of kind anthropic can serve it */
};

/* Checks the Messages request `body` (`len` bytes, any bytes) and, when it is
 * valid and expressible (SY_MESSAGES_OK), appends the OpenAI chat request to
 * `out`: "model" first (the client's value), "stream_options":
 * {"include_usage":true} on streams, and the mapping described in
 * docs/api.md. Anything else writes one sentence for the client to `why`
 * (`why_cap` bytes, always NUL-terminated), naming the field by its path
 * ("messages.1.content.0.source"), and may leave partial output in `out`,
 * which the caller disposes either way. */
enum sy_messages_verdict sy_messages_request_to_openai(const char *body, size_t len,
                                                       struct sy_buf *out, char *why,
                                                       size_t why_cap);

/* Checks a count_tokens request (a Messages request without max_tokens) and
 * estimates its input tokens into `*tokens`: a quarter of the bytes of its
 * text (system, text blocks, tool inputs and results, thinking, tool
 * definitions as JSON), rounded up, plus 3 per message (the system prompt
 * counts as one) and 1600 per image or non-text document. An estimate, not
 * any tokenizer's count. Returns SY_MESSAGES_INVALID (and `why`) for an
 * invalid request, else what sy_messages_request_to_openai() would. */
enum sy_messages_verdict sy_messages_count_tokens(const char *body, size_t len, uint32_t *tokens,
                                                  char *why, size_t why_cap);

/* ---- Answers ------------------------------------------------------------- */

/* Appends to `out` the Anthropic message for the OpenAI chat.completion
 * `body`: thinking, text and tool_use blocks (tool input = the parsed
 * arguments; {} when empty, the raw string when not JSON), stop_reason
 * (stop -> end_turn, length -> max_tokens, tool_calls -> tool_use,
 * content_filter -> refusal), usage, "msg_" + the OpenAI id, and `alias` as
 * the model. Returns SY_ERR_UPSTREAM when `body` is not a chat completion. */
enum sy_err sy_messages_response_from_openai(const char *alias, const char *body, size_t len,
                                             struct sy_buf *out);

/* Appends an Anthropic stream error event:
 * event: error\ndata: {"type":"error","error":{"type":`type`,"message":..}} */
void sy_messages_append_stream_error(struct sy_buf *out, const char *type, const char *message);

/* ---- Stream translation --------------------------------------------------- */

enum sy__messages_block {
    SY__MESSAGES_NONE = 0,
    SY__MESSAGES_TEXT,
    SY__MESSAGES_THINKING,
    SY__MESSAGES_TOOL,
};

#define SY_MESSAGES_MAX_TOOLS 64 /* tool calls told apart per stream; later ones share the last */

/* OpenAI chunk SSE in, Anthropic SSE out: message_start, then for each
 * content block content_block_start / _delta / _stop (text_delta,
 * thinking_delta and signature_delta, input_json_delta with the argument
 * pieces as they come, one block per tool call), then at "[DONE]"
 * message_delta (stop_reason and usage) and message_stop. An OpenAI error
 * event becomes an "event: error" with type api_error, after which nothing
 * more is sent; so does an event that cannot be read (not JSON, too large).
 * Private fields: use the functions below. */
struct sy_messages_stream {
    const char *alias;
    struct sy_sse_parser sse;
    bool started, finished, failed;
    enum sy__messages_block open; /* the kind of the open block, NONE when none */
    uint32_t open_index;          /* its index, when open */
    uint32_t next_index;          /* of the next block */

    struct {
        uint64_t openai_index;
        uint32_t block;
    } tools[SY_MESSAGES_MAX_TOOLS];

    size_t tools_count;
    const char *stop_reason; /* static; NULL until a finish_reason came */
    uint32_t prompt_tokens, output_tokens, cache_read_tokens, cache_creation_tokens;
    bool usage_seen, cache_read_seen, cache_creation_seen;
};

/* Starts a translation; `alias` (borrowed for the stream's life) is the model
 * reported. `max_event_bytes` bounds one incoming event. */
void sy_messages_stream_init(struct sy_messages_stream *s, const char *alias,
                             size_t max_event_bytes);

/* Feeds OpenAI SSE bytes, split anywhere, appending Anthropic events to
 * `out`. Returns SY_STREAM_DONE once "[DONE]" was translated (the message is
 * complete), SY_STREAM_MALFORMED for an event that is not a JSON object,
 * SY_STREAM_TOO_LARGE for one over max_event_bytes (both after appending an
 * error event), else SY_STREAM_CONTINUE. Feeding more after anything but
 * SY_STREAM_CONTINUE appends nothing. The output does not depend on where
 * `data` was split. */
enum sy_stream_next sy_messages_stream_feed(struct sy_messages_stream *s, const char *data,
                                            size_t len, struct sy_buf *out);

void sy_messages_stream_dispose(struct sy_messages_stream *s);

/* ---- Native pass-through ------------------------------------------------- */

/* The anthropic wire format spoken to an anthropic-kind provider on behalf
 * of a Messages client. build() sends creq->raw to {base_url}/v1/messages with
 * every top-level "model" replaced by the route's model, x-api-key and
 * anthropic-version (the provider's api_version). translate_response() and
 * stream_feed() pass the provider's bytes on with the top-level "model" (in
 * message_start: message.model) replaced by the alias, and read usage
 * (prompt_tokens = input + cache read + cache creation tokens). A provider
 * "error" event ends the stream as it came (st->saw_finish), so the gateway
 * adds no error of its own after it. */
extern const struct sy_provider sy_messages_native;

/* Same as sy_messages_native.build(), also sending `anthropic_beta` (the
 * client's anthropic-beta header; a NULL ptr sends none). */
enum sy_err sy_messages_build_native(const struct sy_build_ctx *ctx, struct sy_str anthropic_beta,
                                     struct sy_upstream_call *out);

/* Rewrites what the gateway appends when a native stream ends (complete
 * OpenAI-shaped events: an in-band error event, or "data: [DONE]") for a
 * Messages client: the error becomes an Anthropic error event (type
 * api_error) appended to `out`; [DONE] is dropped, since Anthropic streams end
 * with the provider's own message_stop. */
void sy_messages_native_stream_end(struct sy_str openai_events, struct sy_buf *out);

#endif
