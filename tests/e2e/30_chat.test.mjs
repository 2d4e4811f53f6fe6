// tests/e2e/30_chat.test.mjs - the OpenAI API through the gateway with the official SDK: chat
// (plain, streaming, tools, content parts), legacy completions, embeddings and models.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import {
  PROVIDER_KEY, TEST_TIMEOUT, baseConfig, eventually, mockProvider, newTag, sseData, startCapture,
  startGateway, startMock,
} from './lib/gateway.mjs';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

/* The mock's documented token counts: a word is a run of non-whitespace; a prompt costs its
 * words + 3 per message. */
const words = (s) => s.split(/\s+/).filter(Boolean).length;

test('the OpenAI SDK works through the gateway', { timeout: TEST_TIMEOUT }, async (t) => {
  const mock = await startMock(t);
  const capture = await startCapture(t);
  const gw = await startGateway(t, {
    mock,
    config: baseConfig(mock, {
      providers: [
        mockProvider(mock),
        { name: 'capture', kind: 'openai', base_url: `${capture.url}/v1`, api_key: 'sk-capture-secret' },
      ],
      models: [
        { name: 'fast', route: [{ provider: 'mock', model: 'gpt-4o-mini' }] },
        { name: 'embed', route: [{ provider: 'mock', model: 'text-embedding-3-small' }] },
        { name: 'capture', route: [{ provider: 'capture', model: 'upstream-model-x' }] },
      ],
    }),
  });
  const client = gw.client();

  await t.test('a chat completion returns the content, the alias as model, and usage', async () => {
    const text = 'hello there friend';
    const res = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: text }] });
    assert.equal(res.object, 'chat.completion');
    assert.equal(typeof res.id, 'string');
    assert.equal(res.model, 'fast');
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, `mock: ${text}`);
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.deepEqual(
      { p: res.usage.prompt_tokens, c: res.usage.completion_tokens, t: res.usage.total_tokens },
      { p: words(text) + 3, c: words(`mock: ${text}`), t: words(text) + 3 + words(`mock: ${text}`) });
  });

  await t.test('a system prompt and several turns answer the last user message', async () => {
    const res = await client.chat.completions.create({
      model: 'fast',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    assert.equal(res.choices[0].message.content, 'mock: second question');
    assert.equal(res.usage.prompt_tokens, 8 + 4 * 3);
  });

  await t.test('a stream with include_usage ends with one usage chunk', async () => {
    const text = 'stream me please';
    const stream = await client.chat.completions.create({
      model: 'fast', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: text }] });
    let content = '';
    const usageChunks = [];
    let finish = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.model, 'fast', 'every chunk reports the alias');
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usageChunks.push(chunk);
      for (const c of chunk.choices) {
        content += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(content, `mock: ${text}`);
    assert.equal(finish, 'stop');
    assert.ok(chunks >= 4, `one chunk per word, got ${chunks} chunks`);
    assert.equal(usageChunks.length, 1, 'exactly one chunk carries usage');
    const [u] = usageChunks;
    assert.deepEqual(u.choices, [], 'the usage chunk has no choices');
    assert.equal(u.usage.prompt_tokens, words(text) + 3);
    assert.equal(u.usage.completion_tokens, words(`mock: ${text}`));
    assert.equal(u.usage.total_tokens, u.usage.prompt_tokens + u.usage.completion_tokens);
  });

  await t.test('a stream without include_usage has no usage chunk, but the tokens are still counted', async () => {
    const text = 'count these tokens anyway';
    const promptBefore = await gw.metric('sy_tokens_total', { type: 'prompt' });
    const completionBefore = await gw.metric('sy_tokens_total', { type: 'completion' });
    const stream = await client.chat.completions.create({
      model: 'fast', stream: true, messages: [{ role: 'user', content: text }] });
    let content = '';
    for await (const chunk of stream) {
      assert.ok(chunk.usage === undefined || chunk.usage === null,
        `a chunk carries usage the client did not ask for: ${JSON.stringify(chunk)}`);
      assert.ok(chunk.choices.length > 0, `a chunk without choices: ${JSON.stringify(chunk)}`);
      content += chunk.choices[0].delta?.content ?? '';
    }
    assert.equal(content, `mock: ${text}`);
    const wantPrompt = words(text) + 3;
    const wantCompletion = words(`mock: ${text}`);
    await eventually(async () => {
      const p = (await gw.metric('sy_tokens_total', { type: 'prompt' })) - promptBefore;
      const c = (await gw.metric('sy_tokens_total', { type: 'completion' })) - completionBefore;
      return p === wantPrompt && c === wantCompletion ? true : { p, c };
    }, { what: `sy_tokens_total to grow by ${wantPrompt} prompt and ${wantCompletion} completion` });
    assert.ok((await gw.metric('sy_tokens_total', { model: 'fast' })) > 0,
      'sy_tokens_total has series labelled with the alias');
  });

  await t.test('tools are passed through and a tool call comes back (non-streaming)', async () => {
    const text = 'weather in Paris';
    const res = await client.chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: text }], tools: [WEATHER_TOOL], tool_choice: 'auto' },
      { headers: { 'x-mock-tool-call': '1' } });
    const choice = res.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(typeof call.id, 'string');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { query: text });
  });

  await t.test('a streamed tool call arrives in several argument chunks that reassemble', async () => {
    const text = 'please call a tool for the weather in Lyon';
    const stream = await client.chat.completions.create({
      model: 'fast', stream: true, messages: [{ role: 'user', content: text }], tools: [WEATHER_TOOL] });
    const calls = new Map();
    let argumentChunks = 0;
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        finish = c.finish_reason ?? finish;
        for (const tc of c.delta?.tool_calls ?? []) {
          const cur = calls.get(tc.index) ?? { id: undefined, name: '', arguments: '' };
          if (tc.id) cur.id = tc.id;
          if (tc.function?.name) cur.name += tc.function.name;
          if (tc.function?.arguments) {
            cur.arguments += tc.function.arguments;
            argumentChunks += 1;
          }
          calls.set(tc.index, cur);
        }
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.size, 1);
    const call = calls.get(0);
    assert.equal(typeof call.id, 'string');
    assert.equal(call.name, 'get_weather');
    assert.ok(argumentChunks >= 2, `arguments came in ${argumentChunks} chunk(s)`);
    assert.deepEqual(JSON.parse(call.arguments), { query: text });
  });

  await t.test('the SDK stream helper reassembles a streamed tool call into the final message', async () => {
    const text = 'call a tool now';
    const runner = client.chat.completions.stream({
      model: 'fast', messages: [{ role: 'user', content: text }], tools: [WEATHER_TOOL] });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { query: text });
  });

  await t.test('a content array of text parts is answered as the joined text', async () => {
    const res = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'part one' }, { type: 'text', text: 'part two' }] }],
    });
    assert.equal(res.choices[0].message.content, 'mock: part one part two');
  });

  await t.test('unknown extra request fields reach the provider unchanged', async () => {
    const before = capture.requests.length;
    const extra = { nested: { list: [1, 2, 3], flag: true }, note: 'é ünïcode ✓' };
    const res = await client.chat.completions.create({
      model: 'capture',
      messages: [{ role: 'user', content: 'extra fields' }],
      temperature: 0.25,
      max_tokens: 17,
      seed: 7,
      custom_vendor_field: extra,
    });
    assert.equal(res.choices[0].message.content, 'captured');
    assert.equal(res.model, 'capture', 'the alias is reported, not the upstream model');
    assert.equal(capture.requests.length, before + 1);
    const { url, headers, body } = capture.requests.at(-1);
    assert.equal(url, '/v1/chat/completions');
    assert.equal(headers.authorization, 'Bearer sk-capture-secret');
    assert.equal(body.model, 'upstream-model-x', 'the route model replaces the alias');
    assert.deepEqual(body.custom_vendor_field, extra);
    assert.equal(body.temperature, 0.25);
    assert.equal(body.max_tokens, 17);
    assert.equal(body.seed, 7);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'extra fields' }]);
    const leaked = Object.keys(headers).filter((h) => h.startsWith('x-stainless'));
    assert.deepEqual(leaked, [], 'client headers not in forward_headers are not sent upstream');
  });

  await t.test('unknown extra request fields do not make the gateway reject the request', async () => {
    const res = await client.chat.completions.create({
      model: 'fast', messages: [{ role: 'user', content: 'still fine' }], some_future_param: { a: 1 } });
    assert.equal(res.choices[0].message.content, 'mock: still fine');
  });

  await t.test('a legacy completion returns text with the alias as model', async () => {
    const res = await client.completions.create({ model: 'fast', prompt: 'say this' });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.model, 'fast');
    assert.match(res.choices[0].text, /say this/);
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.ok(res.usage.completion_tokens > 0);
  });

  await t.test('a streamed legacy completion delivers the same text', async () => {
    const plain = await client.completions.create({ model: 'fast', prompt: 'stream this text' });
    const stream = await client.completions.create({ model: 'fast', prompt: 'stream this text', stream: true });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.model, 'fast');
      text += chunk.choices[0]?.text ?? '';
    }
    assert.ok(chunks >= 2, `${chunks} chunk(s)`);
    assert.equal(text, plain.choices[0].text);
  });

  await t.test('embeddings through the SDK (base64 by default) decode to unit vectors of the asked size', async () => {
    const res = await client.embeddings.create({ model: 'embed', input: ['first text', 'second text'], dimensions: 16 });
    assert.equal(res.object, 'list');
    assert.equal(res.model, 'embed');
    assert.equal(res.data.length, 2);
    for (const [i, item] of res.data.entries()) {
      assert.equal(item.index, i);
      assert.ok(Array.isArray(item.embedding), 'the SDK decoded the vector to an array');
      assert.equal(item.embedding.length, 16);
      const norm = Math.sqrt(item.embedding.reduce((a, x) => a + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-3, `a unit vector, norm ${norm}`);
    }
    assert.notDeepEqual(res.data[0].embedding, res.data[1].embedding);
    assert.ok(res.usage.prompt_tokens > 0);
  });

  await t.test('embeddings as floats match the base64 ones', async () => {
    const b64 = await client.embeddings.create({ model: 'embed', input: 'same text' });
    const floats = await client.embeddings.create({ model: 'embed', input: 'same text', encoding_format: 'float' });
    assert.ok(floats.data[0].embedding.length > 0);
    assert.equal(floats.data[0].embedding.length, b64.data[0].embedding.length);
    for (const [i, x] of floats.data[0].embedding.entries())
      assert.ok(Math.abs(x - b64.data[0].embedding[i]) < 1e-6);
  });

  await t.test('the models list names every configured alias', async () => {
    const ids = [];
    for await (const m of client.models.list()) {
      assert.equal(m.object, 'model');
      ids.push(m.id);
    }
    assert.deepEqual(ids.sort(), ['capture', 'embed', 'fast']);
  });

  await t.test('a model is retrieved by its alias', async () => {
    const m = await client.models.retrieve('fast');
    assert.equal(m.id, 'fast');
    assert.equal(m.object, 'model');
  });

  await t.test('retrieving an unknown model is a 404 NotFoundError with code model_not_found', async () => {
    await assert.rejects(client.models.retrieve('no-such-model'), (err) => {
      assert.ok(err instanceof OpenAI.NotFoundError, `got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.code, 'model_not_found');
      return true;
    });
  });

  await t.test('a raw stream is text/event-stream and ends with data: [DONE]', async () => {
    const res = await gw.fetch('/v1/chat/completions', {
      json: { model: 'fast', stream: true, messages: [{ role: 'user', content: 'raw' }] } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const data = sseData(await res.text());
    assert.equal(data.at(-1), '[DONE]');
    assert.equal(data.filter((d) => d === '[DONE]').length, 1);
  });

  await t.test('the provider key is used, and x-mock-* headers are forwarded as configured', async () => {
    const tag = newTag('chat');
    await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hdr' }] },
      { headers: { 'x-mock-tag': tag, 'x-other-header': 'not forwarded' } });
    const [entry] = await gw.mock.ledgerFor(tag);
    assert.ok(entry, 'x-mock-tag reached the mock');
    assert.equal(entry.authorization, `Bearer ${PROVIDER_KEY}`);
    assert.equal(entry.model, 'gpt-4o-mini');
    assert.equal(entry.path, '/v1/chat/completions');
    assert.ok(!('x-other-header' in entry.headers), 'a header not in forward_headers is not forwarded');
  });
});
