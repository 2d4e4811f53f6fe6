// tests/e2e/45_messages_anthropic.test.mjs - the Anthropic front door: the official
// @anthropic-ai/sdk against POST /v1/messages and /v1/messages/count_tokens. Routed to an
// openai-kind provider the request goes through the OpenAI hub and back; routed to an
// anthropic-kind provider it passes through as the client wrote it (only "model" replaced);
// routed to a gemini-kind provider it goes through the hub to Google's format. The last two
// need the mock provider to speak those formats and are skipped, with the reason, when it does
// not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {
  PROVIDER_KEY, TEST_TIMEOUT, TIMEOUT, baseConfig, mockProvider, newTag, rawRequest, sseData,
  startCapture, startGateway, startMock,
} from './lib/gateway.mjs';

const QUESTION = 'weather in Paris';
const TOOLS = [{
  name: 'lookup',
  description: 'Looks things up',
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
}];

/** An Anthropic SDK client for the gateway: no retries, so every error is the gateway's. */
function anthropic(gw, opts = {}) {
  return new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0, timeout: TIMEOUT, ...opts });
}

/** Asserts an Anthropic-shaped error body and returns its `error`. */
function assertAnthropicError(body, type) {
  assert.ok(body && typeof body === 'object', `error body is not JSON: ${JSON.stringify(body)}`);
  assert.equal(body.type, 'error', `top-level type in ${JSON.stringify(body)}`);
  assert.ok(body.error && typeof body.error === 'object', `no "error" in ${JSON.stringify(body)}`);
  assert.equal(body.error.type, type, `error.type in ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0, 'error.message is empty');
  assert.ok(!('code' in body.error) && !('param' in body.error), 'no OpenAI fields');
  return body.error;
}

/** Runs `fn` and returns what it threw (fails when it did not throw). */
async function thrown(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

/** Whether the mock answers POST `path` with anything but 404. */
async function mockServes(mock, path, headers = {}) {
  const res = await rawRequest(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'probe', max_tokens: 1, messages: [{ role: 'user', content: 'x' }],
      contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
  });
  return res.status !== 404;
}

/** The Anthropic stream events of a raw SSE body, as [event name, parsed data]. */
function namedEvents(text) {
  const out = [];
  for (const block of text.split(/\n\n/)) {
    const name = block.split('\n').find((l) => l.startsWith('event: '));
    const data = sseData(`${block}\n\n`)[0];
    if (name && data) out.push([name.slice(7), JSON.parse(data)]);
  }
  return out;
}

// ---- Through the OpenAI hub --------------------------------------------------------------

test('a Messages client reaches an openai-kind provider through the hub', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);
  const client = anthropic(gw);

  await t.test('create answers a message with text, usage, stop_reason and the alias', async () => {
    const msg = await client.messages.create({
      model: 'fast', max_tokens: 64, messages: [{ role: 'user', content: 'hello there world' }],
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.model, 'fast');
    assert.match(msg.id, /^msg_/);
    assert.deepEqual(msg.content, [{ type: 'text', text: 'mock: hello there world' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.stop_sequence, null);
    assert.equal(msg.usage.input_tokens, 3 + 3, 'the mock counts words + 3 per message');
    assert.equal(msg.usage.output_tokens, 4);
  });

  await t.test('the system prompt reaches the provider, as a string or as blocks', async () => {
    for (const system of ['be brief', [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }]]) {
      const msg = await client.messages.create({
        model: 'fast', max_tokens: 64, system, messages: [{ role: 'user', content: 'hello there world' }],
      });
      // 2 + 3 words, 3 per message for the system and the user message.
      assert.equal(msg.usage.input_tokens, 11, `system ${JSON.stringify(system)}`);
    }
  });

  await t.test('messages.stream yields text deltas and a final message', async () => {
    const stream = client.messages.stream({
      model: 'fast', max_tokens: 64, messages: [{ role: 'user', content: 'hello there world' }],
    });
    let text = '';
    stream.on('text', (delta) => { text += delta; });
    const final = await stream.finalMessage();
    assert.equal(text, 'mock: hello there world');
    assert.deepEqual(final.content, [{ type: 'text', text: 'mock: hello there world' }]);
    assert.equal(final.model, 'fast');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.input_tokens, 6);
    assert.equal(final.usage.output_tokens, 4);
  });

  await t.test('create with stream: true yields the Anthropic events in order', async () => {
    const stream = await client.messages.create({
      model: 'fast', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'one two three' }],
    });
    const types = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'content_block_delta') text += ev.delta.text;
    }
    assert.equal(text, 'mock: one two three');
    assert.equal(types[0], 'message_start');
    assert.equal(types[1], 'content_block_start');
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(types.filter((x) => x === 'content_block_delta').length >= 2, types.join(' '));
  });

  await t.test('the raw stream has event: lines and no [DONE]', async () => {
    const res = await gw.fetch('/v1/messages', {
      json: { model: 'fast', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const text = await res.text();
    const events = namedEvents(text);
    for (const [name, data] of events) assert.equal(name, data.type, 'event: names the data type');
    assert.equal(events.at(-1)[0], 'message_stop');
    const delta = events.find(([name]) => name === 'message_delta')[1];
    assert.deepEqual(delta.usage, { input_tokens: 4, output_tokens: 2 });
    assert.ok(!text.includes('[DONE]'));
  });

  await t.test('a tool call comes back as tool_use, and its tool_result goes back', async () => {
    const first = await client.messages.create(
      { model: 'fast', max_tokens: 64, tools: TOOLS, messages: [{ role: 'user', content: QUESTION }] },
      { headers: { 'x-mock-tool-call': '1' } });
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((b) => b.type === 'tool_use');
    assert.ok(call, JSON.stringify(first.content));
    assert.equal(call.name, 'lookup');
    assert.deepEqual(call.input, { query: QUESTION });
    assert.equal(typeof call.id, 'string');

    const second = await client.messages.create({
      model: 'fast', max_tokens: 64, tools: TOOLS,
      messages: [
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.equal(second.content[0].type, 'text');
    assert.equal(second.content[0].text, `mock: ${QUESTION}`);
  });

  await t.test('a streamed tool call accumulates into the tool_use input', async () => {
    const stream = client.messages.stream(
      { model: 'fast', max_tokens: 64, tools: TOOLS, messages: [{ role: 'user', content: QUESTION }] },
      { headers: { 'x-mock-tool-call': '1' } });
    const pieces = [];
    stream.on('inputJson', (piece) => pieces.push(piece));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const call = final.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(call.input, { query: QUESTION });
    assert.ok(pieces.length >= 2, `the arguments came in pieces: ${JSON.stringify(pieces)}`);
    assert.equal(pieces.join(''), JSON.stringify({ query: QUESTION }));
  });

  await t.test('count_tokens estimates without calling the provider', async () => {
    const tag = newTag('count');
    const res = await client.messages.countTokens(
      { model: 'fast', system: 'be brief', messages: [{ role: 'user', content: 'hello there!' }] },
      { headers: { 'x-mock-tag': tag } });
    // ceil((8 + 12) / 4) + 3 per message (the system prompt counts as one).
    assert.deepEqual(res, { input_tokens: 5 + 6 });
    assert.equal((await gw.mock.ledgerFor(tag)).length, 0, 'no upstream call');
  });

  await t.test('metrics count the route and the tokens', async () => {
    assert.ok(await gw.metric('sy_requests_total', { route: 'messages', model: 'fast', status: '200' }) >= 8);
    assert.ok(await gw.metric('sy_requests_total', { route: 'count_tokens', status: '200' }) >= 1);
    assert.ok(await gw.metric('sy_tokens_total', { model: 'fast', type: 'prompt' }) > 0);
  });
});

test('an OpenAI upstream gets the translated request without the fields OpenAI refuses', { timeout: TEST_TIMEOUT }, async (t) => {
  const capture = await startCapture(t);
  const gw = await startGateway(t, {
    mock: null,
    config: baseConfig(null, {
      providers: [{ name: 'cap', kind: 'openai', base_url: capture.url, api_key: PROVIDER_KEY }],
      models: [{ name: 'cap', route: [{ provider: 'cap', model: 'upstream-x' }] }],
    }),
  });
  const client = anthropic(gw);
  const msg = await client.messages.create({
    model: 'cap',
    max_tokens: 100,
    system: [{ type: 'text', text: 'rules', cache_control: { type: 'ephemeral' } }],
    temperature: 0.5,
    top_k: 5,
    stop_sequences: ['END'],
    metadata: { user_id: 'u-1' },
    thinking: { type: 'enabled', budget_tokens: 1024 },
    tools: TOOLS,
    tool_choice: { type: 'any' },
    messages: [{ role: 'user', content: [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'text', text: 'what is it?', cache_control: { type: 'ephemeral' } },
    ] }],
  });
  assert.equal(msg.content[0].text, 'captured');
  const sent = capture.requests[0];
  assert.equal(sent.url, '/chat/completions');
  assert.equal(sent.headers.authorization, `Bearer ${PROVIDER_KEY}`);
  assert.equal(sent.headers['x-api-key'], undefined, "the client's key is not sent upstream");
  assert.deepEqual(sent.body, {
    model: 'upstream-x',
    messages: [
      /* cache_control, top_k and thinking are Anthropic's: an OpenAI API answers 400 to them. */
      { role: 'system', content: [{ type: 'text', text: 'rules' }] },
      { role: 'user', content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'text', text: 'what is it?' },
      ] },
    ],
    max_tokens: 100,
    temperature: 0.5,
    stop: ['END'],
    user: 'u-1',
    tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks things up',
      parameters: TOOLS[0].input_schema } }],
    tool_choice: 'required',
  });

  const stream = client.messages.stream({ model: 'cap', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
  const final = await stream.finalMessage();
  assert.equal(final.content[0].text, 'captured');
  assert.deepEqual(capture.requests[1].body.stream_options, { include_usage: true });
  assert.deepEqual(final.usage, { input_tokens: 1, output_tokens: 1 });
});

// ---- Errors ------------------------------------------------------------------------------

test('errors come in the Anthropic shape and the SDK raises them', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);
  const client = anthropic(gw);
  const body = { model: 'fast', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

  await t.test('401 without a key, and with a wrong one', async () => {
    const res = await rawRequest(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 401);
    assertAnthropicError(res.json, 'authentication_error');
    const err = await thrown(() => anthropic(gw, { apiKey: 'sk-wrong' }).messages.create(body));
    assert.ok(err instanceof Anthropic.AuthenticationError, `${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 401);
    assertAnthropicError(err.error, 'authentication_error');
  });

  await t.test('400 when max_tokens is missing', async () => {
    const err = await thrown(() => client.messages.create({ model: 'fast', messages: body.messages }));
    assert.ok(err instanceof Anthropic.BadRequestError, `${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 400);
    assert.match(assertAnthropicError(err.error, 'invalid_request_error').message, /max_tokens/);
  });

  await t.test('400 for invalid JSON and for wrong types, naming the field', async () => {
    let res = await gw.fetch('/v1/messages', { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assertAnthropicError(await res.json(), 'invalid_request_error');
    res = await gw.fetch('/v1/messages', { json: { ...body, messages: [{ role: 'user', content: [{ type: 'text' }] }] } });
    assert.equal(res.status, 400);
    assert.match(assertAnthropicError(await res.json(), 'invalid_request_error').message, /messages\.0\.content\.0\.text/);
    res = await gw.fetch('/v1/messages/count_tokens', { json: { model: 'fast', messages: 'hi' } });
    assert.equal(res.status, 400);
    assertAnthropicError(await res.json(), 'invalid_request_error');
  });

  await t.test('404 for a model the gateway does not serve', async () => {
    const err = await thrown(() => client.messages.create({ ...body, model: 'no-such-model' }));
    assert.ok(err instanceof Anthropic.NotFoundError, `${err?.constructor?.name}: ${err?.message}`);
    assertAnthropicError(err.error, 'not_found_error');
    const res = await gw.fetch('/v1/messages/count_tokens', { json: { model: 'no-such-model', messages: body.messages } });
    assert.equal(res.status, 404);
    assertAnthropicError(await res.json(), 'not_found_error');
  });

  await t.test('405 for another method', async () => {
    const res = await gw.fetch('/v1/messages');
    assert.equal(res.status, 405);
    assertAnthropicError(await res.json(), 'invalid_request_error');
  });

  await t.test('a provider failing before the answer is a 502 api_error, its 429 a rate_limit_error', async () => {
    let err = await thrown(() => client.messages.create(body, { headers: { 'x-mock-status': '500' } }));
    assert.equal(err.status, 502);
    assertAnthropicError(err.error, 'api_error');
    err = await thrown(() => client.messages.create(body, { headers: { 'x-mock-status': '429' } }));
    assert.ok(err instanceof Anthropic.RateLimitError, `${err?.constructor?.name}: ${err?.message}`);
    assertAnthropicError(err.error, 'rate_limit_error');
    assert.equal(err.headers.get('retry-after'), '1');
  });

  await t.test('a provider cut mid-stream makes the SDK raise, after some text', async () => {
    const headers = { 'x-mock-reset-after': '2', 'x-mock-chunk-delay-ms': '20' };
    const long = { ...body, messages: [{ role: 'user', content: 'one two three four five six seven' }] };
    const stream = client.messages.stream(long, { headers });
    let text = '';
    stream.on('text', (delta) => { text += delta; });
    const err = await thrown(() => stream.finalMessage());
    assert.ok(err instanceof Anthropic.APIError, `${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.type, 'api_error');
    assert.ok(text.length > 0, 'some text arrived first');

    const events = await client.messages.create({ ...long, stream: true }, { headers });
    const err2 = await thrown(async () => {
      for await (const ev of events) assert.notEqual(ev.type, 'message_stop');
    });
    assert.ok(err2 instanceof Anthropic.APIError, `${err2?.constructor?.name}: ${err2?.message}`);

    const res = await gw.fetch('/v1/messages', { json: { ...long, stream: true }, headers });
    const raw = namedEvents(await res.text());
    assert.equal(raw.at(-1)[0], 'error', 'the error event is the last one');
    assertAnthropicError(raw.at(-1)[1], 'api_error');
    assert.ok(!raw.some(([name]) => name === 'message_stop'));
  });
});

// ---- Natively, to an anthropic-kind provider -----------------------------------------------

test('an anthropic-kind route gets the client body as is and passes the answer through', { timeout: TEST_TIMEOUT }, async (t) => {
  const capture = await startCapture(t, {
    respond(req, res, record) {
      if (record.url !== '/v1/messages') return false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'msg_cap', type: 'message', role: 'assistant', model: record.body.model,
        content: [{ type: 'text', text: 'native' }], stop_reason: 'end_turn', stop_sequence: null,
        usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 } }));
      return true;
    },
  });
  const gw = await startGateway(t, {
    mock: null,
    config: baseConfig(null, {
      providers: [{ name: 'ant', kind: 'anthropic', base_url: capture.url, api_key: PROVIDER_KEY }],
      models: [{ name: 'claude', route: [{ provider: 'ant', model: 'claude-up' }] }],
    }),
  });
  const body = { model: 'claude', max_tokens: 9, messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 1 }] };
  const msg = await anthropic(gw).messages.create(body, { headers: { 'anthropic-beta': 'beta-feature-1' } });
  assert.equal(msg.model, 'claude', 'the alias, not the provider model');
  assert.deepEqual(msg.content, [{ type: 'text', text: 'native' }]);
  assert.deepEqual(msg.usage, { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 2,
    cache_creation_input_tokens: 0 });
  const sent = capture.requests[0];
  assert.equal(sent.url, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], PROVIDER_KEY);
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.headers['anthropic-beta'], 'beta-feature-1');
  assert.equal(sent.headers.authorization, undefined);
  assert.deepEqual(sent.body, { ...body, model: 'claude-up' }, 'server tools and all pass as sent');
  assert.equal(await gw.metric('sy_tokens_total', { model: 'claude', type: 'prompt' }), 9);
});

test('a Messages client reaches an anthropic-kind mock natively', { timeout: TEST_TIMEOUT }, async (t) => {
  const mock = await startMock(t);
  if (!(await mockServes(mock, '/v1/messages', { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }))) {
    t.skip('the mock provider does not serve /v1/messages yet');
    return;
  }
  const gw = await startGateway(t, {
    mock,
    config: baseConfig(mock, {
      providers: [mockProvider(mock), mockProvider(mock, 'ant', { kind: 'anthropic', base_url: mock.url })],
      models: [
        { name: 'fast', route: [{ provider: 'mock', model: 'gpt-4o-mini' }] },
        { name: 'claude', route: [{ provider: 'ant', model: 'claude-x' }] },
        { name: 'mixed', route: [{ provider: 'mock', model: 'gpt-4o-mini' }, { provider: 'ant', model: 'claude-x' }] },
      ],
    }),
  });
  const client = anthropic(gw);
  const body = { model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }] };

  await t.test('create: the answer is the provider\'s, with the alias', async () => {
    const tag = newTag('native');
    const msg = await client.messages.create(body, { headers: { 'x-mock-tag': tag } });
    assert.equal(msg.model, 'claude');
    assert.match(msg.id, /^msg_mock_/);
    assert.equal(msg.content[0].text, 'mock: hello there');
    const [entry] = await gw.mock.ledgerFor(tag);
    assert.equal(entry.path, '/v1/messages');
    assert.equal(entry.model, 'claude-x');
  });

  await t.test('stream: the provider\'s events, with the alias', async () => {
    const stream = client.messages.stream(body);
    let text = '';
    stream.on('text', (delta) => { text += delta; });
    const final = await stream.finalMessage();
    assert.equal(text, 'mock: hello there');
    assert.equal(final.model, 'claude');
    assert.equal(final.stop_reason, 'end_turn');
  });

  await t.test('thinking signatures survive the round trip byte for byte', async () => {
    const ask = { ...body, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } };
    const first = await client.messages.create(ask);
    const thinking = first.content.find((b) => b.type === 'thinking');
    assert.ok(thinking && thinking.signature, JSON.stringify(first.content));
    const second = await client.messages.create({ ...ask, messages: [...ask.messages,
      { role: 'assistant', content: first.content }, { role: 'user', content: 'and then?' }] });
    assert.equal(second.type, 'message', 'the mock checked the signature');
  });

  await t.test('a request only Anthropic can serve skips the other routes, or is a 400 without one', async () => {
    const tools = [{ type: 'web_search_20250305', name: 'web_search' }];
    const tag = newTag('native-only');
    const msg = await client.messages.create({ ...body, model: 'mixed', tools }, { headers: { 'x-mock-tag': tag } });
    assert.equal(msg.model, 'mixed');
    assert.deepEqual((await gw.mock.ledgerFor(tag)).map((e) => e.path), ['/v1/messages']);
    const err = await thrown(() => client.messages.create({ ...body, model: 'fast', tools }));
    assert.equal(err.status, 400);
    assert.match(assertAnthropicError(err.error, 'invalid_request_error').message, /tools\.0\.type/);
  });

  await t.test('a provider cut mid-stream makes the SDK raise', async () => {
    const stream = client.messages.stream({ ...body, messages: [{ role: 'user', content: 'a b c d e f g' }] },
      { headers: { 'x-mock-reset-after': '2', 'x-mock-chunk-delay-ms': '20' } });
    const err = await thrown(() => stream.finalMessage());
    assert.ok(err instanceof Anthropic.APIError, `${err?.constructor?.name}: ${err?.message}`);
  });
});

// ---- Through the hub to a gemini-kind provider ---------------------------------------------

test('a Messages client reaches a gemini-kind mock through the hub', { timeout: TEST_TIMEOUT }, async (t) => {
  const mock = await startMock(t);
  if (!(await mockServes(mock, '/v1beta/models/g:generateContent', { 'x-goog-api-key': 'k' }))) {
    t.skip('the mock provider does not serve generateContent yet');
    return;
  }
  const gw = await startGateway(t, {
    mock,
    config: baseConfig(mock, {
      providers: [mockProvider(mock, 'gem', { kind: 'gemini', base_url: `${mock.url}/v1beta` })],
      models: [{ name: 'gem', route: [{ provider: 'gem', model: 'gemini-2.5-flash' }] }],
    }),
  });
  const client = anthropic(gw);
  const body = { model: 'gem', max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }] };
  const probe = await client.messages.create(body).catch((err) => err);
  if (probe instanceof Error &&
      await gw.metric('sy_upstream_errors_total', { provider: 'gem', kind: 'unsupported' }) > 0) {
    t.skip('this build of the gateway has no gemini provider kind yet');
    return;
  }

  await t.test('create and stream', async () => {
    const msg = await client.messages.create(body);
    assert.equal(msg.model, 'gem');
    assert.equal(msg.content[0].text, 'mock: hello there');
    const final = await client.messages.stream(body).finalMessage();
    assert.equal(final.content[0].text, 'mock: hello there');
  });

  await t.test('a function call and its thought signature make the round trip', async () => {
    const ask = { ...body, tools: TOOLS, messages: [{ role: 'user', content: QUESTION }] };
    const first = await client.messages.create(ask, { headers: { 'x-mock-tool-call': '1' } });
    const call = first.content.find((b) => b.type === 'tool_use');
    assert.ok(call, JSON.stringify(first.content));
    assert.deepEqual(call.input, { query: QUESTION });
    assert.match(call.id, /__thought__./, 'the signature rides in the tool_use id');
    const second = await client.messages.create({ ...ask, messages: [...ask.messages,
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] }] });
    assert.equal(second.content[0].type, 'text', 'the mock checked the thought signature');
  });
});
