// tests/e2e/50_streaming_faults.test.mjs - what a streaming client sees when the provider fails
// after the stream started (an in-band error event, never a silent truncation), what the
// provider sees when the client goes away, and back-pressure with a slow reader.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import {
  TEST_TIMEOUT, TIMEOUT, baseConfig, chatBody, eventually, newTag, scale, sleep, sseData,
  sseEvents, startGateway,
} from './lib/gateway.mjs';

const IDLE_MS = scale(600);
const LONG_TEXT = 'one two three four five six seven eight nine ten eleven twelve';

/* The in-band error event of a raw SSE body, or undefined. */
function inBandError(text) {
  return sseEvents(text).find((e) => e && e.error);
}

/* Consumes an SDK stream; returns { content, error } (the error it threw, if any). */
async function drain(stream) {
  let content = '';
  try {
    for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
  } catch (error) {
    return { content, error };
  }
  return { content, error: undefined };
}

test('streams that fail midway end with an in-band error event', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t, {
    config: (mock) => baseConfig(mock, {
      upstream: {
        connect_timeout_ms: scale(1000),
        first_byte_timeout_ms: scale(2000),
        stream_idle_timeout_ms: IDLE_MS,
        stream_buffer_bytes: 16384,
      },
    }),
  });
  const client = gw.client();
  const streamOf = (text, headers) => client.chat.completions.create(
    { model: 'fast', stream: true, messages: [{ role: 'user', content: text }] }, { headers });

  await t.test('a provider reset mid-stream makes the SDK throw after some content arrived', async () => {
    const stream = await streamOf(LONG_TEXT, { 'x-mock-reset-after': '3', 'x-mock-chunk-delay-ms': '30' });
    const { content, error } = await drain(stream);
    assert.ok(content.length > 0, 'some content arrived before the failure');
    assert.ok(content.length < `mock: ${LONG_TEXT}`.length, `the stream was cut, got all of "${content}"`);
    assert.ok(error, 'the SDK threw while iterating (no silent truncation)');
    assert.ok(error instanceof OpenAI.APIError, `got ${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.code, 'upstream_stream_cut');
  });

  await t.test('a provider reset mid-stream is an upstream_stream_cut event in the raw SSE', async () => {
    const tag = newTag('reset');
    const res = await gw.fetch('/v1/chat/completions', {
      json: chatBody('fast', LONG_TEXT, { stream: true }),
      headers: { 'x-mock-reset-after': '3', 'x-mock-chunk-delay-ms': '30', 'x-mock-tag': tag },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const text = await res.text();
    const events = sseEvents(text);
    assert.ok(events.some((e) => e.choices?.[0]?.delta?.content), `content events before the error:\n${text}`);
    const err = inBandError(text);
    assert.ok(err, `an in-band error event:\n${text}`);
    assert.equal(err.error.type, 'upstream_error');
    assert.equal(err.error.code, 'upstream_stream_cut');
    assert.equal(typeof err.error.message, 'string');
    assert.ok(!events.some((e) => e.choices?.[0]?.finish_reason === 'stop'), 'no finish_reason stop after a cut');
    assert.ok(!sseData(text).includes('[DONE]'), 'a stream that failed does not end with [DONE]');
    assert.ok(JSON.parse(sseData(text).at(-1)).error, 'the error event is the last one');
    const entries = await gw.mock.ledgerFor(tag);
    assert.equal(entries.length, 1, 'no second attempt once the client had bytes');
    assert.equal(entries[0].outcome, 'reset');
  });

  await t.test('a malformed SSE event from the provider becomes an in-band upstream_malformed error', async () => {
    const res = await gw.fetch('/v1/chat/completions', {
      json: chatBody('fast', LONG_TEXT, { stream: true }), headers: { 'x-mock-malformed': '1' } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes('{not json'), 'the malformed bytes are not relayed to the client');
    const err = inBandError(text);
    assert.ok(err, `an in-band error event:\n${text}`);
    assert.equal(err.error.type, 'upstream_error');
    assert.equal(err.error.code, 'upstream_malformed');

    const { error } = await drain(await streamOf(LONG_TEXT, { 'x-mock-malformed': '1' }));
    assert.ok(error instanceof OpenAI.APIError, `the SDK throws; got ${error?.constructor?.name}`);
  });

  await t.test('a provider stalling beyond stream_idle_timeout_ms gets an in-band upstream_timeout, in time', async () => {
    const stall = IDLE_MS * 4;
    const started = Date.now();
    const res = await gw.fetch('/v1/chat/completions', {
      json: chatBody('fast', LONG_TEXT, { stream: true }), headers: { 'x-mock-stall-ms': String(stall) } });
    assert.equal(res.status, 200);
    const text = await res.text();
    const elapsed = Date.now() - started;
    const events = sseEvents(text);
    assert.ok(events.some((e) => e.choices?.[0]?.delta?.content), `content before the stall:\n${text}`);
    const err = inBandError(text);
    assert.ok(err, `an in-band error event:\n${text}`);
    assert.equal(err.error.type, 'upstream_error');
    assert.equal(err.error.code, 'upstream_timeout');
    assert.ok(elapsed < stall, `the stream ended after ${elapsed} ms; the stall lasted ${stall} ms`);

    const { error } = await drain(await streamOf(LONG_TEXT, { 'x-mock-stall-ms': String(stall) }));
    assert.ok(error instanceof OpenAI.APIError, `the SDK throws; got ${error?.constructor?.name}`);
    assert.equal(error.code, 'upstream_timeout');
  });

  await t.test('a client aborting mid-stream closes the provider stream too', async () => {
    const tag = newTag('abort');
    const activeBefore = await gw.metric('sy_active_streams');
    const ac = new AbortController();
    const many = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const stream = await client.chat.completions.create(
      { model: 'fast', stream: true, messages: [{ role: 'user', content: many }] },
      { headers: { 'x-mock-chunk-delay-ms': '50', 'x-mock-tag': tag }, signal: ac.signal });
    let chunks = 0;
    // The SDK ends the iteration quietly on an abort of its own signal; an abort error is fine too.
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) chunks += 1;
        if (chunks === 2) ac.abort();
      }
    } catch (err) {
      assert.ok(err instanceof OpenAI.APIUserAbortError || err?.name === 'AbortError',
        `unexpected ${err?.constructor?.name}: ${err?.message}`);
    }
    assert.ok(chunks >= 2 && chunks < 60, `${chunks} content chunks before the abort took effect`);
    // The whole stream would take 3 s; the provider must learn of the abort well before.
    const entry = await eventually(async () => {
      const [e] = await gw.mock.ledgerFor(tag);
      return e?.outcome === 'client_closed' ? e : false;
    }, { timeout: Math.min(TIMEOUT, scale(2500)), what: 'the mock to record outcome client_closed' });
    assert.ok(entry.completion_tokens < 60, `the mock sent ${entry.completion_tokens} tokens`);
    await eventually(async () => (await gw.metric('sy_active_streams')) === activeBefore,
      { what: 'sy_active_streams to come back down' });
  });

  await t.test('a client leaving before the answer cancels the provider request too', async () => {
    const tag = newTag('leave');
    const before = await gw.metric('sy_requests_total', { route: 'chat', status: '499' });
    const ac = new AbortController();
    const started = Date.now();
    const pending = client.chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: 'never read' }] },
      { headers: { 'x-mock-latency-ms': String(scale(4000)), 'x-mock-tag': tag }, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(pending);
    // The provider would answer after 4 s; it must see the connection close well before.
    const entry = await eventually(async () => {
      const [e] = await gw.mock.ledgerFor(tag);
      return e?.outcome === 'client_closed' ? e : false;
    }, { timeout: scale(2500), what: 'the mock to record outcome client_closed' });
    assert.ok(entry, 'the provider request was cancelled');
    assert.ok(Date.now() - started < scale(3000), 'cancelled before the provider answered');
    await eventually(async () =>
      (await gw.metric('sy_requests_total', { route: 'chat', status: '499' })) === before + 1,
    { what: 'the request to be counted with status 499' });
  });

  await t.test('a slow reader still receives every byte of a long stream', async () => {
    const n = 3000;
    const wordsList = Array.from({ length: n }, (_, i) => `word${String(i).padStart(4, '0')}`);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), TIMEOUT * 2);
    try {
      const res = await gw.fetch('/v1/chat/completions', {
        json: chatBody('fast', wordsList.join(' '), { stream: true }), signal: ac.signal });
      assert.equal(res.status, 200);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let reads = 0;
      await sleep(scale(300)); // let the provider run ahead while nobody reads
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        reads += 1;
        if (reads % 8 === 0) await sleep(2);
        if (reads === 40) await sleep(scale(200));
      }
      text += decoder.decode();
      const data = sseData(text);
      assert.equal(data.at(-1), '[DONE]', 'the stream ends with [DONE]');
      const events = sseEvents(text);
      assert.equal(inBandError(text), undefined, 'no error event');
      const content = events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
      assert.equal(content, `mock: ${wordsList.join(' ')}`);
      assert.ok(events.filter((e) => e.choices?.[0]?.delta?.content).length >= n, 'one event per word');
    } finally {
      clearTimeout(timer);
    }
  });

  await t.test('after all these faults nothing is left in flight', async () => {
    await gw.waitIdle();
  });
});
