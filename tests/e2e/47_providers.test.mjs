// tests/e2e/47_providers.test.mjs - the official openai SDK against the gateway routed to each
// non-OpenAI upstream kind (anthropic, gemini, vertex, bedrock). The mock provider speaks those
// formats (docs/mock-provider.md); the gateway translates both ways. Per kind: chat, streams,
// streamed tool calls, a tool result round trip, usage as the mock billed it, and provider
// errors; then what only some kinds have: Anthropic's prompt caching and thinking signatures,
// Gemini's thought signatures and safety blocks, Vertex's OAuth token cache, Bedrock's SigV4.
//
// A kind this build does not register yet (the gateway answers 502 and counts
// sy_upstream_errors_total{kind="unsupported"}) is skipped, saying so; nothing else is.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import {
  PROVIDER_KEY, TEST_TIMEOUT, baseConfig, chatBody, newTag, sleep, sseData, sseEvents, startGateway,
  startMock,
} from './lib/gateway.mjs';

const KINDS = ['anthropic', 'gemini', 'vertex', 'bedrock'];

/* The provider's own model id per kind (Bedrock's has the ':' that must be percent-encoded). */
const MODEL = {
  anthropic: 'claude-3-5-haiku-20241022',
  gemini: 'gemini-2.0-flash',
  vertex: 'gemini-2.0-flash',
  bedrock: 'anthropic.claude-3-haiku-20240307-v1:0',
};

/* The path the mock must see for a plain and a streamed chat. */
const PATHS = {
  anthropic: () => ['/v1/messages', '/v1/messages'],
  gemini: (m) => [`/v1beta/models/${m}:generateContent`, `/v1beta/models/${m}:streamGenerateContent`],
  vertex: (m) => {
    const base = `/v1/projects/sy-e2e/locations/us-central1/publishers/google/models/${m}`;
    return [`${base}:generateContent`, `${base}:streamGenerateContent`];
  },
  bedrock: (m) => [`/model/${encodeURIComponent(m)}/converse`, `/model/${encodeURIComponent(m)}/converse-stream`],
};

const AWS = { id: 'AKIDSWITCHYARDE2E', secret: 'e2e/Secret+Key/0123456789abcdefghijklmnopq', region: 'us-east-1' };
const GCP = { project: 'sy-e2e', region: 'us-central1', email: 'sy-e2e@sy-e2e.iam.gserviceaccount.com' };

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

/* The mock's documented token counts: a word is a run of non-whitespace. */
const words = (s) => s.split(/\s+/).filter(Boolean).length;
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const alias = (kind) => `via-${kind}`;

// ---- Vertex's service account: an RSA key pair made with openssl, once for the file --------

const KEY_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'sy-e2e-47-'));
after(() => fs.rmSync(KEY_DIR, { recursive: true, force: true }));
const SA_KEY = path.join(KEY_DIR, 'sa.pem');
const SA_PUB = path.join(KEY_DIR, 'sa.pub.pem');
execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', SA_KEY],
  { stdio: ['ignore', 'ignore', 'pipe'] });
execFileSync('openssl', ['pkey', '-in', SA_KEY, '-pubout', '-out', SA_PUB], { stdio: ['ignore', 'ignore', 'pipe'] });

/* The mock, taking Vertex JWTs signed by SA_KEY and Bedrock requests signed with AWS. */
function startProviderMock(t, extraArgs = []) {
  return startMock(t, {
    args: ['--vertex-public-key', SA_PUB, '--aws-access-key-id', AWS.id, '--aws-secret-access-key', AWS.secret,
      ...extraArgs],
  });
}

/* A service-account JSON file whose token_uri is the mock's /token. */
function serviceAccountFile(mock) {
  const file = path.join(KEY_DIR, `sa-${mock.port}.json`);
  fs.writeFileSync(file, JSON.stringify({
    type: 'service_account',
    project_id: GCP.project,
    client_email: GCP.email,
    private_key: fs.readFileSync(SA_KEY, 'utf8'),
    token_uri: `${mock.url}/token`,
  }));
  return file;
}

/* The provider entry of `kind` pointed at the mock. */
function providerFor(kind, mock, name = 'up', extra = {}) {
  const common = { name, kind, forward_headers: ['x-mock-*'] };
  switch (kind) {
    case 'anthropic':
      return { ...common, base_url: mock.url, api_key: PROVIDER_KEY, ...extra };
    case 'gemini':
      return { ...common, base_url: `${mock.url}/v1beta`, api_key: PROVIDER_KEY, ...extra };
    case 'vertex':
      return { ...common, base_url: `${mock.url}/v1`, region: GCP.region, project: GCP.project,
        credentials_file: serviceAccountFile(mock), ...extra };
    case 'bedrock':
      return { ...common, base_url: mock.url, region: AWS.region, access_key_id: AWS.id,
        secret_access_key: AWS.secret, ...extra };
    default:
      throw new Error(`no provider for ${kind}`);
  }
}

/* One gateway worker: Vertex tokens are cached per worker thread (src/oauth/oauth.h), so with
 * one worker "fetched once" is exactly one /token request. */
function kindConfig(kind, mock) {
  const providers = [providerFor(kind, mock)];
  const models = [
    { name: alias(kind), route: [{ provider: 'up', model: MODEL[kind] }] },
    { name: 'overloaded', route: [{ provider: 'up', model: `${MODEL[kind]}@status=529` }] },
    { name: 'failover', route: [
      { provider: 'up', model: `${MODEL[kind]}@status=529` }, { provider: 'up', model: MODEL[kind] }] },
  ];
  if (kind === 'bedrock') {
    providers.push(providerFor(kind, mock, 'bad-secret', { secret_access_key: 'not-the-secret-the-mock-knows' }));
    models.push({ name: 'bad-secret', route: [{ provider: 'bad-secret', model: MODEL[kind] }] });
  }
  return baseConfig(mock, { workers: 1, providers, models });
}

/* Skips `t` when the gateway has no code for `kind` yet: a chat answered 502 with
 * sy_upstream_errors_total{kind="unsupported"} counted. Any other answer goes on to the
 * subtests, which fail on whatever is wrong. */
async function skipIfUnregistered(t, gw, kind) {
  const before = await gw.metric('sy_upstream_errors_total', { kind: 'unsupported' });
  const res = await gw.fetch('/v1/chat/completions', { json: chatBody(alias(kind), 'are you there') });
  await res.text();
  const unsupported = await gw.metric('sy_upstream_errors_total', { kind: 'unsupported' });
  if (res.status === 502 && unsupported > before) {
    t.skip(`provider kind "${kind}" is not registered in this build: the gateway answered 502 ` +
      'and counted sy_upstream_errors_total{kind="unsupported"}');
    return true;
  }
  return false;
}

/* The one ledger entry of `tag` (the last one when there are several). */
async function entryFor(gw, tag, { count = 1 } = {}) {
  const entries = await gw.mock.ledgerFor(tag);
  assert.equal(entries.length, count, `ledger entries for ${tag}: ${JSON.stringify(entries)}`);
  return entries.at(-1);
}

/* Usage as the client got it equals what the mock billed for `entry`. */
function assertBilled(usage, entry, what) {
  assert.ok(usage, `${what}: no usage`);
  assert.equal(entry.status, 200, `${what}: the mock's status`);
  assert.deepEqual(
    { prompt: usage.prompt_tokens, completion: usage.completion_tokens },
    { prompt: entry.prompt_tokens, completion: entry.completion_tokens },
    `${what}: usage equals the ledger's (client ${JSON.stringify(usage)}, ledger ${JSON.stringify(entry)})`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens, `${what}: total_tokens`);
}

/* Reads an SDK chat stream: content, reasoning, tool calls by index, finish reason, chunks. */
async function collect(stream, aliasName) {
  const out = { content: '', reasoning: '', calls: new Map(), argumentChunks: 0, finish: null,
    usageChunks: [], thinkingBlocks: [], chunks: 0 };
  for await (const chunk of stream) {
    out.chunks += 1;
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.model, aliasName, 'every chunk reports the alias');
    if (chunk.usage) out.usageChunks.push(chunk);
    for (const c of chunk.choices) {
      out.finish = c.finish_reason ?? out.finish;
      out.content += c.delta?.content ?? '';
      out.reasoning += c.delta?.reasoning_content ?? '';
      out.thinkingBlocks.push(...(c.delta?.thinking_blocks ?? []));
      for (const tc of c.delta?.tool_calls ?? []) {
        const cur = out.calls.get(tc.index) ?? { id: undefined, name: '', arguments: '', extra: undefined };
        if (tc.id) cur.id = tc.id;
        if (tc.function?.name) cur.name += tc.function.name;
        if (tc.function?.arguments) {
          cur.arguments += tc.function.arguments;
          out.argumentChunks += 1;
        }
        if (tc.extra_content) cur.extra = tc.extra_content;
        out.calls.set(tc.index, cur);
      }
    }
  }
  return out;
}

/* Expects `promise` to reject with an APIError of `status` (and `code`); returns the error. */
async function rejectsWith(promise, status, code) {
  let caught;
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, status, `status; error: ${err.message}`);
    if (code !== undefined) assert.equal(err.code, code, `code; error: ${err.message}`);
    caught = err;
    return true;
  });
  return caught;
}

// ---- What every kind must do ---------------------------------------------------------------

async function commonSubtests(t, kind, gw, client) {
  const model = alias(kind);
  const [chatPath, streamPath] = PATHS[kind](MODEL[kind]);
  // Anthropic and Bedrock stream a tool's input in pieces; Gemini's wire format has no partial
  // function calls, so one whole functionCall arrives in one event.
  const minArgumentChunks = kind === 'anthropic' || kind === 'bedrock' ? 2 : 1;
  const isGoogle = kind === 'gemini' || kind === 'vertex';

  await t.test('a chat completion: content, the alias as model, usage as the mock billed it', async () => {
    const tag = newTag(kind);
    const text = 'hello there friend';
    const res = await client.chat.completions.create(
      { model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: text }] },
      { headers: { 'x-mock-tag': tag } });
    assert.equal(res.object, 'chat.completion');
    assert.equal(typeof res.id, 'string');
    assert.equal(res.model, model);
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, `mock: ${text}`);
    assert.equal(res.choices[0].finish_reason, 'stop');
    const entry = await entryFor(gw, tag);
    assert.equal(entry.path, chatPath);
    assert.equal(entry.model, MODEL[kind]);
    assert.equal(entry.stream, false);
    assertBilled(res.usage, entry, 'chat');
    assert.equal(res.usage.completion_tokens, words(`mock: ${text}`));
    // The mock counts the system prompt too: 2 + 3 words, + 3 per message or turn.
    assert.ok(res.usage.prompt_tokens >= words(text) + 2 + 3, `prompt_tokens ${res.usage.prompt_tokens}`);
    // How the gateway authenticated, per kind.
    if (kind === 'anthropic') assert.equal(entry.x_api_key, PROVIDER_KEY);
    if (kind === 'gemini') assert.equal(entry.x_goog_api_key, PROVIDER_KEY);
    if (kind === 'vertex') assert.match(entry.authorization ?? '', /^Bearer ya29\.mock-\d+$/);
    if (kind === 'bedrock') {
      assert.match(entry.authorization ?? '',
        new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS.id}/\\d{8}/${AWS.region}/bedrock/aws4_request, ` +
          'SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$'));
    }
  });

  await t.test('a stream: content reassembled, one include_usage chunk as billed, [DONE]', async () => {
    const tag = newTag(kind);
    const text = 'stream me please now';
    const stream = await client.chat.completions.create(
      { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: text }] },
      { headers: { 'x-mock-tag': tag } });
    const got = await collect(stream, model);
    assert.equal(got.content, `mock: ${text}`);
    assert.equal(got.finish, 'stop');
    assert.ok(got.chunks >= 4, `one chunk per word, got ${got.chunks} chunks`);
    assert.equal(got.usageChunks.length, 1, 'exactly one chunk carries usage');
    assert.deepEqual(got.usageChunks[0].choices, [], 'the usage chunk has no choices');
    const entry = await entryFor(gw, tag);
    assert.equal(entry.path, streamPath);
    assert.equal(entry.stream, true);
    assertBilled(got.usageChunks[0].usage, entry, 'stream');

    // The raw body: SSE, no error event, exactly one [DONE], last.
    const res = await gw.fetch('/v1/chat/completions', {
      json: chatBody(model, text, { stream: true, stream_options: { include_usage: true } }) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const body = await res.text();
    const data = sseData(body);
    assert.equal(data.at(-1), '[DONE]', `the stream ends with [DONE]:\n${body}`);
    assert.equal(data.filter((d) => d === '[DONE]').length, 1);
    const events = sseEvents(body);
    assert.ok(!events.some((e) => e.error), `no error event:\n${body}`);
    assert.equal(events.map((e) => e.choices?.[0]?.delta?.content ?? '').join(''), `mock: ${text}`);
  });

  await t.test('a streamed tool call: the arguments reassemble from their chunks', async () => {
    const tag = newTag(kind);
    const text = 'weather in Lyon tomorrow morning please';
    const stream = await client.chat.completions.create(
      { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: text }],
        tools: [WEATHER_TOOL] },
      { headers: { 'x-mock-tool-call': '1', 'x-mock-tag': tag } });
    const got = await collect(stream, model);
    assert.equal(got.finish, 'tool_calls');
    assert.equal(got.calls.size, 1, `one call: ${JSON.stringify([...got.calls])}`);
    const call = got.calls.get(0);
    assert.equal(typeof call.id, 'string');
    assert.ok(call.id.length > 0);
    assert.equal(call.name, 'get_weather');
    assert.ok(got.argumentChunks >= minArgumentChunks,
      `arguments came in ${got.argumentChunks} chunk(s), expected at least ${minArgumentChunks}`);
    assert.deepEqual(JSON.parse(call.arguments), { query: text });
    if (isGoogle) {
      assert.equal(call.extra?.google?.thought_signature,
        `gsig-${sha256(`get_weather\n${JSON.stringify({ query: text })}`)}`,
        'the functionCall thought signature arrives in the stream, in extra_content.google');
    }
    assert.equal(got.usageChunks.length, 1);
    assertBilled(got.usageChunks[0].usage, await entryFor(gw, tag), 'streamed tool call');
  });

  await t.test('a tool result round trip: the call, then its result sent back, answered', async () => {
    const text = 'weather in Paris';
    const tag1 = newTag(kind);
    const first = await client.chat.completions.create(
      { model, messages: [{ role: 'user', content: text }], tools: [WEATHER_TOOL] },
      { headers: { 'x-mock-tool-call': '1', 'x-mock-tag': tag1 } });
    const msg = first.choices[0].message;
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.content, null);
    assert.equal(msg.tool_calls.length, 1);
    const [call] = msg.tool_calls;
    assert.equal(call.type, 'function');
    assert.equal(typeof call.id, 'string');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { query: text });
    assertBilled(first.usage, await entryFor(gw, tag1), 'tool call');

    const tag2 = newTag(kind);
    const second = await client.chat.completions.create({
      model,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: text },
        msg, // the assistant message as it came back (Gemini's signatures included)
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature_c: 21, sky: 'clear' }) },
      ],
    }, { headers: { 'x-mock-tool-call': '0', 'x-mock-tag': tag2 } });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.equal(second.choices[0].message.content, `mock: ${text}`);
    assertBilled(second.usage, await entryFor(gw, tag2), 'after the tool result');
  });

  await t.test('provider 429 -> 429 with retry-after; provider 500 -> 502', async () => {
    const tag429 = newTag(kind);
    const err429 = await rejectsWith(client.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'slow down' }] },
      { headers: { 'x-mock-status': '429', 'x-mock-tag': tag429 } }), 429, 'rate_limit_exceeded');
    assert.ok(err429 instanceof OpenAI.RateLimitError, `got ${err429.constructor.name}`);
    assert.equal(err429.headers?.get('retry-after'), '1', 'the provider\'s retry-after is passed on');
    assert.equal((await entryFor(gw, tag429)).status, 429);

    const tag500 = newTag(kind);
    await rejectsWith(client.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'break' }] },
      { headers: { 'x-mock-status': '500', 'x-mock-tag': tag500 } }), 502, 'upstream_error');
    assert.equal((await entryFor(gw, tag500)).status, 500);
  });
}

// ---- Anthropic -----------------------------------------------------------------------------

async function anthropicSubtests(t, gw, client) {
  const model = alias('anthropic');
  const THINKING = { type: 'enabled', budget_tokens: 1024 };
  const SIGNATURE = `sig-${sha256('mock thinking')}`;

  await t.test('cache_control on a system part: the second identical prefix reports cached_tokens', async () => {
    const prefix = `${newTag('prefix')} ${Array.from({ length: 400 }, (_, i) => `rule${i}`).join(' ')}`;
    const ask = (tag) => client.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: [{ type: 'text', text: prefix, cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'what is the first rule' },
      ],
    }, { headers: { 'x-mock-tag': tag } });
    const tag1 = newTag('cache');
    const first = await ask(tag1);
    const tag2 = newTag('cache');
    const second = await ask(tag2);
    assert.equal(second.choices[0].message.content, 'mock: what is the first rule');
    assertBilled(first.usage, await entryFor(gw, tag1), 'first');
    assertBilled(second.usage, await entryFor(gw, tag2), 'second');
    assert.equal(second.usage.prompt_tokens, first.usage.prompt_tokens, 'cached tokens are still prompt tokens');
    assert.equal(first.usage.prompt_tokens_details?.cached_tokens, 0, `first: ${JSON.stringify(first.usage)}`);
    const cached = second.usage.prompt_tokens_details?.cached_tokens;
    assert.ok(cached > 400, `second: cached_tokens ${cached} (${JSON.stringify(second.usage)})`);
    assert.ok(first.usage.cache_creation_input_tokens >= cached,
      `the first wrote what the second read: ${JSON.stringify(first.usage)}`);
  });

  await t.test('529 overloaded -> 502, or the next route when there is one', async () => {
    const tag = newTag('529');
    await rejectsWith(client.chat.completions.create(
      { model: 'overloaded', messages: [{ role: 'user', content: 'busy' }] }, { headers: { 'x-mock-tag': tag } }),
    502, 'upstream_error');
    assert.deepEqual((await gw.mock.ledgerFor(tag)).map((e) => e.status), [529]);

    const tag2 = newTag('529');
    const res = await client.chat.completions.create(
      { model: 'failover', messages: [{ role: 'user', content: 'try the next' }] }, { headers: { 'x-mock-tag': tag2 } });
    assert.equal(res.choices[0].message.content, 'mock: try the next');
    assert.equal(res.model, 'failover');
    assert.deepEqual((await gw.mock.ledgerFor(tag2)).map((e) => e.status), [529, 200]);
  });

  await t.test('thinking: thinking_blocks with their signature, sent back next turn, accepted', async () => {
    const text = 'think about it';
    const tag = newTag('think');
    const first = await client.chat.completions.create(
      { model, messages: [{ role: 'user', content: text }], thinking: THINKING }, { headers: { 'x-mock-tag': tag } });
    const msg = first.choices[0].message;
    assert.equal(msg.content, `mock: ${text}`);
    assert.equal(msg.reasoning_content, 'mock thinking');
    assert.deepEqual(msg.thinking_blocks, [{ type: 'thinking', thinking: 'mock thinking', signature: SIGNATURE }]);
    assertBilled(first.usage, await entryFor(gw, tag), 'thinking');
    assert.equal(first.usage.completion_tokens, words(`mock: ${text}`) + 2, 'the 2 thinking words are output');

    const next = (blocks, tag2) => client.chat.completions.create({
      model,
      thinking: THINKING,
      messages: [
        { role: 'user', content: text },
        { role: 'assistant', content: msg.content, thinking_blocks: blocks },
        { role: 'user', content: 'and then what' },
      ],
    }, { headers: { 'x-mock-tag': tag2 } });
    const tag2 = newTag('think');
    const second = await next(msg.thinking_blocks, tag2);
    assert.equal(second.choices[0].message.content, 'mock: and then what');
    assertBilled(second.usage, await entryFor(gw, tag2), 'the next turn');

    // The mock does check: a tampered signature is refused, and the gateway says so.
    const tag3 = newTag('think');
    const err = await rejectsWith(next([{ ...msg.thinking_blocks[0], signature: `sig-${'0'.repeat(64)}` }], tag3), 400);
    assert.match(err.message, /signature/);
    assert.equal((await entryFor(gw, tag3)).status, 400);
  });

  await t.test('streamed thinking (reasoning_effort): reasoning and signature reassemble and replay', async () => {
    const text = 'think while streaming';
    const stream = await client.chat.completions.create(
      { model, stream: true, reasoning_effort: 'low', messages: [{ role: 'user', content: text }] });
    const got = await collect(stream, model);
    assert.equal(got.content, `mock: ${text}`);
    assert.equal(got.reasoning, 'mock thinking');
    const signatures = got.thinkingBlocks.map((b) => b.signature).filter(Boolean);
    assert.deepEqual(signatures, [SIGNATURE], `thinking_blocks deltas: ${JSON.stringify(got.thinkingBlocks)}`);

    const tag = newTag('think');
    const res = await client.chat.completions.create({
      model,
      reasoning_effort: 'low',
      messages: [
        { role: 'user', content: text },
        { role: 'assistant', content: got.content,
          thinking_blocks: [{ type: 'thinking', thinking: got.reasoning, signature: signatures[0] }] },
        { role: 'user', content: 'go on' },
      ],
    }, { headers: { 'x-mock-tag': tag } });
    assert.equal(res.choices[0].message.content, 'mock: go on');
    assert.equal((await entryFor(gw, tag)).status, 200);
  });
}

// ---- Gemini and Vertex ---------------------------------------------------------------------

async function googleSubtests(t, kind, gw, client) {
  const model = alias(kind);

  await t.test('thought signatures on function calls: exposed in extra_content, required back', async () => {
    const text = 'weather in Rome';
    const first = await client.chat.completions.create(
      { model, messages: [{ role: 'user', content: text }], tools: [WEATHER_TOOL] },
      { headers: { 'x-mock-tool-call': '1' } });
    const msg = first.choices[0].message;
    const [call] = msg.tool_calls;
    assert.equal(call.extra_content?.google?.thought_signature,
      `gsig-${sha256(`get_weather\n${JSON.stringify({ query: text })}`)}`,
      `tool_calls[0].extra_content.google.thought_signature: ${JSON.stringify(call)}`);
    const turn = (assistant, tag) => client.chat.completions.create({
      model,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: text },
        assistant,
        { role: 'tool', tool_call_id: call.id, content: '{"temperature_c":25}' },
      ],
    }, { headers: { 'x-mock-tool-call': '0', 'x-mock-tag': tag } });

    const tag = newTag(kind);
    const ok = await turn({ role: 'assistant', content: null, tool_calls: [call] }, tag);
    assert.equal(ok.choices[0].message.content, `mock: ${text}`);
    assert.equal((await entryFor(gw, tag)).status, 200);

    // Without the signature the mock refuses the history (as Gemini 3 does).
    const { extra_content: _dropped, ...unsigned } = call;
    const tag2 = newTag(kind);
    await rejectsWith(turn({ role: 'assistant', content: null, tool_calls: [unsigned] }, tag2), 400);
    assert.equal((await entryFor(gw, tag2)).status, 400);
  });

  await t.test('a safety block is finish_reason content_filter, whole and streamed', async () => {
    const tag = newTag(kind);
    const res = await client.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'something unsafe' }] },
      { headers: { 'x-mock-safety': '1', 'x-mock-tag': tag } });
    assert.equal(res.choices[0].finish_reason, 'content_filter');
    assert.ok(!res.choices[0].message.content, `no content: ${JSON.stringify(res.choices[0].message)}`);
    assertBilled(res.usage, await entryFor(gw, tag), 'safety');

    const stream = await client.chat.completions.create(
      { model, stream: true, messages: [{ role: 'user', content: 'something unsafe' }] },
      { headers: { 'x-mock-safety': '1' } });
    const got = await collect(stream, model);
    assert.equal(got.finish, 'content_filter');
    assert.equal(got.content, '');
  });
}

// ---- One test per kind ---------------------------------------------------------------------

for (const kind of KINDS) {
  test(`the openai SDK against the ${kind} upstream kind`, { timeout: TEST_TIMEOUT }, async (t) => {
    const mock = await startProviderMock(t);
    const gw = await startGateway(t, { mock, config: kindConfig(kind, mock) });
    if (await skipIfUnregistered(t, gw, kind)) return;
    const client = gw.client();

    await commonSubtests(t, kind, gw, client);
    if (kind === 'anthropic') await anthropicSubtests(t, gw, client);
    if (kind === 'gemini' || kind === 'vertex') await googleSubtests(t, kind, gw, client);

    if (kind === 'vertex') {
      await t.test('the access token was fetched from /token once and served every request', async () => {
        const { requests, totals } = await gw.ledger();
        assert.equal(totals.token_requests, 1, `token requests: ${totals.token_requests}`);
        const token = requests.find((r) => r.path === '/token');
        assert.equal(token?.status, 200);
        const served = requests.filter((r) => r.path.startsWith('/v1/projects/'));
        assert.ok(served.length >= 10, `${served.length} Vertex requests`);
        for (const r of served) assert.equal(r.authorization, 'Bearer ya29.mock-1', `seq ${r.seq} ${r.path}`);
      });
    }

    if (kind === 'bedrock') {
      await t.test('signed with the wrong secret: the mock\'s 403 is a 502 upstream_auth', async () => {
        const tag = newTag(kind);
        await rejectsWith(client.chat.completions.create(
          { model: 'bad-secret', messages: [{ role: 'user', content: 'let me in' }] },
          { headers: { 'x-mock-tag': tag } }), 502, 'upstream_auth');
        assert.equal((await entryFor(gw, tag)).status, 403);
      });
    }

    await t.test('nothing is left in flight', async () => {
      await gw.waitIdle();
    });
  });
}

test('vertex: a short-lived access token is fetched again once it expired', { timeout: TEST_TIMEOUT }, async (t) => {
  // Tokens live 1 s: the gateway's cache must not hand out one the mock no longer takes.
  const mock = await startProviderMock(t, ['--token-ttl', '1']);
  const gw = await startGateway(t, { mock, config: kindConfig('vertex', mock) });
  const ask = async (text) => {
    const tag = newTag('ttl');
    const res = await gw.client().chat.completions.create(
      { model: alias('vertex'), messages: [{ role: 'user', content: text }] }, { headers: { 'x-mock-tag': tag } });
    assert.equal(res.choices[0].message.content, `mock: ${text}`);
    return entryFor(gw, tag);
  };
  if (await skipIfUnregistered(t, gw, 'vertex')) return; // the first token

  assert.equal((await gw.ledger()).totals.token_requests, 1);
  await sleep(1100); // the mock counts whole seconds: the first token is now expired
  const second = await ask('after expiry');
  assert.equal(second.authorization, 'Bearer ya29.mock-2');
  assert.equal((await gw.ledger()).totals.token_requests, 2);
  await sleep(1100);
  const third = await ask('and once more');
  assert.equal(third.authorization, 'Bearer ya29.mock-3');
  const { totals, requests } = await gw.ledger();
  assert.equal(totals.token_requests, 3);
  assert.deepEqual(requests.filter((r) => r.path === '/token').map((r) => r.status), [200, 200, 200]);
});
