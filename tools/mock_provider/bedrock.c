/* mock_provider/bedrock.c - Amazon Bedrock's Converse and ConverseStream, signed with SigV4.
 *
 * Every request must carry a SigV4 signature for service "bedrock" made with the credentials
 * given on the command line (sigv4.c checks it); the region is whatever the credential scope
 * says. ConverseStream answers in application/vnd.amazon.eventstream binary frames, each with
 * its own CRCs, so the malformed knob can send a frame whose CRC is wrong and the status knob
 * an exception frame in the middle of a 200. */
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include <jansson.h>

#include "core/json.h"
#include "mock_provider/mock_provider_int.h"

#define LIT(buf, lit) SY__MOCK_PUT_LIT((buf), (lit))

#define EVENTSTREAM_TYPE "application/vnd.amazon.eventstream"
#define SIGNATURE_MISMATCH                                                                  \
    "The request signature we calculated does not match the signature you provided. Check " \
    "your AWS Secret Access Key and signing method. Consult the service documentation for " \
    "details."

struct request {
    json_t *root;
    const char *tool_name; /* toolConfig.tools[0].toolSpec.name; NULL when none */
    struct sy_buf user_text;
    uint32_t prompt_tokens;
};

/* ---- Event-stream frames --------------------------------------------------------------- */

static void put_u32(struct sy_buf *out, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    sy__mock_put(out, b, 4);
}

void sy__mock_eventstream_frame(struct sy_buf *out, const struct sy__mock_es_header *headers,
                                size_t count, const char *payload, size_t len, bool is_crc_bad)
{
    size_t headers_len = 0, start = out->len;
    uLong crc;

    for (size_t i = 0; i < count; i++)
        headers_len += 1 + strlen(headers[i].name) + 1 + 2 + strlen(headers[i].value);
    /* The prelude: total length, headers length, and the CRC32 of those eight bytes. */
    put_u32(out, (uint32_t)(12 + headers_len + len + 4));
    put_u32(out, (uint32_t)headers_len);
    crc = crc32(0L, (const Bytef *)out->ptr + start, 8);
    put_u32(out, (uint32_t)crc);
    for (size_t i = 0; i < count; i++) {
        size_t name_len = strlen(headers[i].name), value_len = strlen(headers[i].value);
        unsigned char b[2] = {(unsigned char)(value_len >> 8), (unsigned char)value_len};
        unsigned char n = (unsigned char)name_len, type = 7; /* string */

        sy__mock_put(out, &n, 1);
        sy__mock_put(out, headers[i].name, name_len);
        sy__mock_put(out, &type, 1);
        sy__mock_put(out, b, 2);
        sy__mock_put(out, headers[i].value, value_len);
    }
    sy__mock_put(out, payload, len);
    crc = crc32(0L, (const Bytef *)out->ptr + start, (uInt)(out->len - start));
    put_u32(out, (uint32_t)crc ^ (is_crc_bad ? 0xdeadbeefu : 0));
}

/* An event frame whose payload is `payload` as compact JSON (stolen). */
static void put_event(struct sy_buf *out, const char *type, json_t *payload, bool is_crc_bad)
{
    const struct sy__mock_es_header h[3] = {
        {":event-type", type},
        {":content-type", "application/json"},
        {":message-type", "event"},
    };
    char *text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;

    if (text == NULL)
        abort(); /* a json_pack() format that does not match its arguments: a bug */
    sy__mock_eventstream_frame(out, h, 3, text, strlen(text), is_crc_bad);
    free(text);
    json_decref(payload);
}

/* ---- Errors ---------------------------------------------------------------------------- */

/* The exception's name by status: as an x-amzn-ErrorType, or in a stream (lower camel). */
static const char *exception_name(uint32_t status, bool is_stream)
{
    switch (status) {
    case 403:
        return is_stream ? "modelStreamErrorException" : "AccessDeniedException";
    case 404:
        return is_stream ? "modelStreamErrorException" : "ResourceNotFoundException";
    case 408:
        return is_stream ? "modelStreamErrorException" : "ModelTimeoutException";
    case 424:
        return is_stream ? "modelStreamErrorException" : "ModelErrorException";
    case 429:
        return is_stream ? "throttlingException" : "ThrottlingException";
    case 503:
        return is_stream ? "serviceUnavailableException" : "ServiceUnavailableException";
    default:
        if (status >= 500)
            return is_stream ? "internalServerException" : "InternalServerException";
        return is_stream ? "validationException" : "ValidationException";
    }
}

static void answer_error(struct sy__mock_plan *plan, uint32_t status, const char *type,
                         const char *message)
{
    char extra[160];

    sy__mock_plan_error(plan, status);
    LIT(&plan->body, "{\"message\":");
    sy_json_append_string(&plan->body, message, strlen(message));
    LIT(&plan->body, "}");
    snprintf(extra, sizeof(extra), "x-amzn-errortype: %s\r\n",
             type != NULL ? type : exception_name(status, false));
    sy__mock_plan_head(plan, "application/json", extra);
}

/* Answers a request whose signature did not verify. Always 403, as AWS answers. */
static void answer_unsigned(struct sy__mock_plan *plan, enum sy__mock_sigv4 why)
{
    switch (why) {
    case SY__MOCK_SIGV4_MISSING:
        answer_error(plan, 403, "MissingAuthenticationTokenException",
                     "Missing Authentication Token");
        break;
    case SY__MOCK_SIGV4_MALFORMED:
        answer_error(plan, 403, "IncompleteSignatureException",
                     "Authorization header requires 'Credential', 'Signature' and "
                     "'SignedHeaders' parameters, an X-Amz-Date header, and every signed header.");
        break;
    case SY__MOCK_SIGV4_UNKNOWN_KEY:
        answer_error(plan, 403, "UnrecognizedClientException",
                     "The security token included in the request is invalid.");
        break;
    case SY__MOCK_SIGV4_SCOPE:
        answer_error(plan, 403, "InvalidSignatureException",
                     "Credential should be scoped to correct service: 'bedrock'.");
        break;
    case SY__MOCK_SIGV4_EXPIRED:
        answer_error(plan, 403, "InvalidSignatureException",
                     "Signature expired: the X-Amz-Date is more than 5 minutes from the "
                     "server's time.");
        break;
    case SY__MOCK_SIGV4_BODY_HASH:
        answer_error(plan, 403, "InvalidSignatureException",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
        break;
    case SY__MOCK_SIGV4_MISMATCH:
    case SY__MOCK_SIGV4_OK:
        answer_error(plan, 403, "InvalidSignatureException", SIGNATURE_MISMATCH);
        break;
    }
}

/* ---- Reading the request --------------------------------------------------------------- */

/* Words of the text blocks of a message or of `system`. */
static uint32_t blocks_words(const json_t *blocks)
{
    const json_t *block;
    size_t i;
    uint32_t n = 0;

    json_array_foreach(blocks, i, block) {
        n += sy__mock_json_words(json_object_get(block, "text"));
    }
    return n;
}

static void last_user_text(const json_t *messages, struct sy_buf *out)
{
    for (size_t i = json_array_size(messages); i-- > 0;) {
        const json_t *msg = json_array_get(messages, i), *block;
        bool has_text = false;
        size_t j;

        if (!sy__mock_json_is(json_object_get(msg, "role"), "user"))
            continue;
        json_array_foreach(json_object_get(msg, "content"), j, block) {
            const json_t *text = json_object_get(block, "text");

            if (!json_is_string(text))
                continue;
            if (has_text)
                sy__mock_put(out, " ", 1);
            sy__mock_put(out, json_string_value(text), json_string_length(text));
            has_text = true;
        }
        if (has_text)
            return;
    }
}

static int read_request(const struct sy__mock_http_req *req, struct request *r, const char **why)
{
    json_error_t jerr;
    const json_t *messages, *msg, *v;
    size_t i;

    r->root = json_loadb(req->body.ptr, req->body.len, 0, &jerr);
    if (r->root == NULL || !json_is_object(r->root)) {
        *why = "Malformed input request, please reformat your input and try again.";
        return -1;
    }
    messages = json_object_get(r->root, "messages");
    if (!json_is_array(messages) || json_array_size(messages) == 0) {
        *why = "A conversation must start with a user message. Try again with a conversation "
               "that starts with a user message.";
        return -1;
    }
    json_array_foreach(messages, i, msg) {
        if (!json_is_array(json_object_get(msg, "content"))) {
            *why = "The content field in the Message object is required.";
            return -1;
        }
        r->prompt_tokens += blocks_words(json_object_get(msg, "content")) + 3;
    }
    r->prompt_tokens += blocks_words(json_object_get(r->root, "system"));
    v = json_object_get(
        json_object_get(
            json_array_get(json_object_get(json_object_get(r->root, "toolConfig"), "tools"), 0),
            "toolSpec"),
        "name");
    if (json_is_string(v))
        r->tool_name = json_string_value(v);
    last_user_text(messages, &r->user_text);
    return 0;
}

/* ---- Answers --------------------------------------------------------------------------- */

struct reply {
    bool is_tool;
    struct sy_buf text; /* the text, or the tool input as JSON */
    uint32_t output_tokens;
    uint32_t latency_ms;
};

static json_t *usage_json(const struct request *r, const struct reply *rp)
{
    return json_pack("{s:i,s:i,s:i}", "inputTokens", (json_int_t)r->prompt_tokens, "outputTokens",
                     (json_int_t)rp->output_tokens, "totalTokens",
                     (json_int_t)(r->prompt_tokens + rp->output_tokens));
}

static void body_of(struct sy_buf *out, const struct request *r, const struct reply *rp)
{
    json_t *block, *doc;
    char *text;

    if (rp->is_tool)
        block = json_pack("{s:{s:s,s:s,s:o}}", "toolUse", "toolUseId", "tooluse_mock_1", "name",
                          r->tool_name, "input", json_loadb(rp->text.ptr, rp->text.len, 0, NULL));
    else
        block = json_pack("{s:s%}", "text", rp->text.ptr != NULL ? rp->text.ptr : "", rp->text.len);
    doc = json_pack("{s:{s:{s:s,s:[o]}},s:s,s:o,s:{s:i}}", "output", "message", "role", "assistant",
                    "content", block, "stopReason", rp->is_tool ? "tool_use" : "end_turn", "usage",
                    usage_json(r, rp), "metrics", "latencyMs", (json_int_t)rp->latency_ms);
    text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (text == NULL)
        abort();
    sy__mock_put(out, text, strlen(text));
    free(text);
    json_decref(doc);
}

static struct sy__mock_script *stream_of(const struct request *r, const struct reply *rp,
                                         const struct sy__mock_knobs *k)
{
    struct sy__mock_script *sc = sy__mock_script_new();
    struct sy_buf *b = &sc->bytes;
    struct sy__mock_pieces p;
    struct sy_str piece;
    uint32_t words;

    put_event(b, "messageStart", json_pack("{s:s}", "role", "assistant"), false);
    if (rp->is_tool)
        put_event(b, "contentBlockStart",
                  json_pack("{s:i,s:{s:{s:s,s:s}}}", "contentBlockIndex", (json_int_t)0, "start",
                            "toolUse", "toolUseId", "tooluse_mock_1", "name", r->tool_name),
                  false);
    sy__mock_script_step(sc, SY__MOCK_STEP_ROLE, 0);
    /* The tool input goes in about four pieces, like the text of a tool call elsewhere. */
    sy__mock_pieces_init(&p, (struct sy_str){rp->text.ptr, rp->text.len},
                         rp->is_tool && k->chunks == 0 ? 4 : k->chunks);
    while (sy__mock_pieces_next(&p, &piece, &words)) {
        json_t *delta = rp->is_tool
                            ? json_pack("{s:{s:s%}}", "toolUse", "input", piece.ptr, piece.len)
                            : json_pack("{s:s%}", "text", piece.ptr, piece.len);
        bool is_first = !sc->has_content;

        put_event(b, "contentBlockDelta",
                  json_pack("{s:i,s:o}", "contentBlockIndex", (json_int_t)0, "delta", delta),
                  false);
        sy__mock_script_step(sc, SY__MOCK_STEP_CONTENT, words);
        if (is_first && k->is_malformed) {
            /* A whole frame, but its message CRC is wrong. */
            put_event(
                b, "contentBlockDelta",
                json_pack("{s:i,s:{s:s}}", "contentBlockIndex", (json_int_t)0, "delta", "text", ""),
                true);
            sy__mock_script_step(sc, SY__MOCK_STEP_MALFORMED, 0);
        }
    }
    put_event(b, "contentBlockStop", json_pack("{s:i}", "contentBlockIndex", (json_int_t)0), false);
    put_event(b, "messageStop",
              json_pack("{s:s}", "stopReason", rp->is_tool ? "tool_use" : "end_turn"), false);
    put_event(b, "metadata",
              json_pack("{s:o,s:{s:i}}", "usage", usage_json(r, rp), "metrics", "latencyMs",
                        (json_int_t)rp->latency_ms),
              false);
    sy__mock_script_step(sc, SY__MOCK_STEP_FINISH, 0);
    return sc;
}

/* The status knob on a stream: a 200 whose only frame is an exception. */
static struct sy__mock_script *exception_stream(uint32_t status)
{
    struct sy__mock_script *sc = sy__mock_script_new();
    const struct sy__mock_es_header h[3] = {
        {":exception-type", exception_name(status, true)},
        {":content-type", "application/json"},
        {":message-type", "exception"},
    };
    char payload[64];
    int n = snprintf(payload, sizeof(payload), "{\"message\":\"mock error %u\"}", (unsigned)status);

    sy__mock_eventstream_frame(&sc->bytes, h, 3, payload, (size_t)n, false);
    sy__mock_script_step(sc, SY__MOCK_STEP_ROLE, 0);
    return sc;
}

void sy__mock_bedrock_plan(struct sy__mock_shared *sh, const struct sy__mock_http_req *req,
                           int64_t now_s, struct sy__mock_plan *plan, struct sy_str model_id,
                           bool is_stream)
{
    struct sy__mock_formats *f = sh->formats;
    struct request r = {0};
    struct reply rp = {0};
    struct sy_buf model_buf = {0};
    struct sy_str model;
    enum sy__mock_sigv4 sig;
    const char *why = NULL;
    char message[64], extra[64];

    sy__mock_url_decode(&model_buf, model_id, false);
    model = sy__mock_plan_knobs(plan, req, (struct sy_str){model_buf.ptr, model_buf.len});
    plan->ledger_tail = sy__mock_ledger_tail(req, model, is_stream);
    sig = sy__mock_sigv4_verify(req, f->aws_access_key_id, f->aws_secret_access_key, "bedrock",
                                now_s, NULL);
    if (sig != SY__MOCK_SIGV4_OK) {
        answer_unsigned(plan, sig);
        goto out;
    }
    if (read_request(req, &r, &why) != 0) {
        answer_error(plan, 400, NULL, why);
        goto out;
    }
    snprintf(extra, sizeof(extra), "x-amzn-requestid: mock-%llu\r\n",
             (unsigned long long)sy__mock_take_id(sh));
    if (plan->knobs.status != 0 && is_stream) {
        plan->status = plan->knobs.status; /* recorded as the error it is, on a 200 */
        plan->outcome = SY__MOCK_OUTCOME_ERROR;
        sy__mock_plan_stream(plan, EVENTSTREAM_TYPE, extra, exception_stream(plan->knobs.status));
        goto out;
    }
    if (plan->knobs.status != 0) {
        snprintf(message, sizeof(message), "mock error %u", (unsigned)plan->knobs.status);
        answer_error(plan, plan->knobs.status, NULL, message);
        goto out;
    }

    struct sy_str user = {r.user_text.ptr != NULL ? r.user_text.ptr : "", r.user_text.len};
    rp.is_tool = r.tool_name != NULL && sy__mock_is_tool_wanted(&plan->knobs, user);
    if (rp.is_tool) {
        sy__mock_openai_tool_arguments(&rp.text, user);
    } else {
        sy__mock_echo_text(&rp.text, &plan->knobs, user);
    }
    rp.output_tokens = sy__mock_count_words(rp.text.ptr != NULL ? rp.text.ptr : "", rp.text.len);
    rp.latency_ms = plan->knobs.latency_ms + plan->knobs.ttft_ms;
    sy__mock_plan_ok(plan, r.prompt_tokens);
    if (is_stream) {
        sy__mock_plan_stream(plan, EVENTSTREAM_TYPE, extra, stream_of(&r, &rp, &plan->knobs));
    } else if (plan->knobs.is_malformed) {
        sy__mock_plan_malformed(plan, extra);
    } else {
        plan->completion_tokens = rp.output_tokens;
        body_of(&plan->body, &r, &rp);
        sy__mock_plan_head(plan, "application/json", extra);
    }
out:
    json_decref(r.root);
    sy_buf_dispose(&r.user_text);
    sy_buf_dispose(&rp.text);
    sy_buf_dispose(&model_buf);
}
