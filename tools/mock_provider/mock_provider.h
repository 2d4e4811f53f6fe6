/* mock_provider/mock_provider.h - the fake LLM provider: OpenAI wire format, deterministic
 * answers, fault and latency knobs, and a ledger of what it served.
 *
 * Used by the unit and end-to-end tests, by the benchmarks (it must cost far less CPU than the
 * gateway it feeds) and as the upstream of the gateway's offline default. It is an HTTP/1.1
 * server on libuv: `threads` event loops, each with its own SO_REUSEPORT listener on the same
 * port, keep-alive, pipelining (answered in order), Content-Length and chunked request bodies.
 * Request headers are limited to 64 KiB (431) and bodies to 16 MiB (413); a request that is not
 * HTTP is answered 400 and the connection closed.
 *
 * Endpoints (OpenAI shapes; docs/mock-provider.md has the full reference):
 *   POST /v1/chat/completions, /chat/completions,
 *        /openai/deployments/{deployment}/chat/completions?api-version=...  (Azure)
 *   POST /v1/completions, /completions, /openai/deployments/{d}/completions?api-version=...
 *   POST /v1/embeddings, /embeddings, /openai/deployments/{d}/embeddings?api-version=...
 *   GET  /v1/models, /models, /v1/models/{id}
 *   GET  /mock/ledger        every finished request, oldest first, and totals
 *   POST /mock/reset         clears the ledger and restarts ids at 1
 *   GET  /health             200 "ok"
 * and the other providers' formats, with the same knobs and ledger:
 *   POST /v1/messages, /v1/messages/count_tokens                         (Anthropic)
 *   POST /v1beta/models/{m}:generateContent, :streamGenerateContent      (Gemini)
 *   POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:... (Vertex)
 *   POST /token                                    (Google OAuth, JWT bearer grant, for Vertex)
 *   POST /model/{id}/converse, /model/{id}/converse-stream               (Bedrock, SigV4)
 *
 * Answers. Chat content is "mock: " + the text of the last user message (text parts of an
 * array content joined with one space). prompt_tokens = words in every message's text + 3 per
 * message; completion_tokens = words in the reply, where a word is a run of bytes other than
 * ASCII whitespace. A stream sends one content chunk per word (the word and the whitespace after
 * it). Embeddings are unit vectors derived from a hash of each input. Everything except
 * `created` depends only on the request and on how many requests came before (the ids).
 *
 * Knobs. Each can be set with a request header or with a suffix on the model name,
 * "gpt-4o-mini@status=503" or "m@ttft_ms=50,chunks=3"; the suffix is stripped from the model
 * that is echoed and recorded, and a header wins over the suffix. A value that is not valid is
 * ignored; delays are capped at 600000 ms.
 *
 *   header                  suffix key       effect
 *   x-mock-latency-ms       latency_ms       wait before the response headers
 *   x-mock-ttft-ms          ttft_ms          stream: headers at once, first chunk after this
 *   x-mock-chunk-delay-ms   chunk_delay_ms   stream: wait between chunks
 *   x-mock-chunks           chunks           stream: N content pieces of about equal length
 *   x-mock-status           status           400..599: that status with an OpenAI error body
 *                                            (429 adds retry-after: 1)
 *   x-mock-reset-after      reset_after      stream: TCP reset after N content chunks;
 *                                            non-stream: after the headers and half the body
 *   x-mock-stall-ms         stall_ms         stream: pause after the first content chunk;
 *                                            non-stream: added to the latency
 *   x-mock-malformed        malformed        1: stream has one "data: {not json" event;
 *                                            non-stream: 200 with a body that is not JSON
 *   x-mock-content          content          reply with this text instead of the echo
 *   x-mock-tool-call        tool_call        1: answer with a call of the first tool (also
 *                                            when the last user text contains "call a tool")
 *   x-mock-safety           safety           1: Gemini/Vertex finishReason "SAFETY", no text
 *   x-mock-token-expires-in (none)           POST /token: the token's lifetime in seconds
 *
 * Threads: the server runs on its own threads; the functions below are called from one
 * controlling thread. */
#ifndef SY_MOCK_PROVIDER_MOCK_PROVIDER_H
#define SY_MOCK_PROVIDER_MOCK_PROVIDER_H

#include <stdint.h>

struct sy_mock_provider;

/* Starts serving on `host`:`port` (port 0 = an ephemeral port, the same for every thread) with
 * `threads` event-loop threads (0 means 1, at most 64) in the background. Returns 0 and sets
 * `*out` and `*bound_port`, or logs why and returns -1 with nothing left running. Caller frees
 * with sy_mock_provider_stop(). */
int sy_mock_provider_start(const char *host, uint16_t port, unsigned threads,
                           struct sy_mock_provider **out, uint16_t *bound_port);

/* Credentials the other providers' formats check (docs/mock-provider.md). Strings are copied. */
struct sy_mock_provider_auth {
    const char *vertex_public_key_pem; /* verifies the JWTs POST /token takes; NULL: refuse all */
    const char *aws_access_key_id;     /* Bedrock SigV4; NULL: every Bedrock request gets 403 */
    const char *aws_secret_access_key;
    uint32_t token_ttl_s; /* lifetime of the access tokens /token issues; 0 means 3600 */
};

/* sy_mock_provider_start() with credentials (`auth` may be NULL). Also fails, logged, when the
 * public key is not a PEM public key. */
int sy_mock_provider_start_with_auth(const char *host, uint16_t port, unsigned threads,
                                     const struct sy_mock_provider_auth *auth,
                                     struct sy_mock_provider **out, uint16_t *bound_port);

/* Stops the threads, closes every socket (requests in flight are dropped unrecorded) and frees
 * `mp`. NULL is allowed. Not from one of the provider's own threads. */
void sy_mock_provider_stop(struct sy_mock_provider *mp);

/* The `switchyard mock-provider [--host H] [--port N] [--threads N]` command (host 127.0.0.1,
 * port 8081 and one thread per CPU, at most 8, by default). Serves in the foreground until
 * SIGINT or SIGTERM, after printing "mock-provider listening on http://H:PORT" to stdout.
 * `argv[0]` is the subcommand name. Returns the process exit code: 0, 1 on a start failure or
 * 2 on bad arguments. Blocks SIGINT and SIGTERM in the calling thread while it runs. */
int sy_mock_provider_main(int argc, char **argv);

#endif
