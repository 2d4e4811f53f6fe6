// tests/e2e/40_errors.test.mjs - client errors (400/404/405/413/415) and provider failures
// (5xx, 429, timeout, unreachable, 400) as the client sees them: OpenAI-shaped bodies and the
// documented statuses and codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import {
  TEST_TIMEOUT, assertErrorShape, baseConfig, chatBody, deadProvider, mockProvider, newTag,
  rawRequest, scale, startGateway, startMock,
} from './lib/gateway.mjs';

const CONNECT_MS = scale(300);
const FIRST_BYTE_MS = scale(600);
// docs/configuration.md: the first-byte timer starts with the transfer and allows
// connect + first_byte in total.
const HEAD_DEADLINE_MS = CONNECT_MS + FIRST_BYTE_MS;

test('the gateway answers bad requests and provider failures with OpenAI-shaped errors', { timeout: TEST_TIMEOUT }, async (t) => {
  const mock = await startMock(t);
  const dead = await deadProvider('dead');
  const gw = await startGateway(t, {
    mock,
    config: baseConfig(mock, {
      upstream: { connect_timeout_ms: CONNECT_MS, first_byte_timeout_ms: FIRST_BYTE_MS, stream_idle_timeout_ms: scale(1000) },
      providers: [mockProvider(mock), dead],
      models: [
        { name: 'fast', route: [{ provider: 'mock', model: 'gpt-4o-mini' }] },
        { name: 'unreachable', route: [{ provider: 'dead', model: 'gpt-4o-mini' }] },
      ],
    }),
  });
  const client = gw.client();
  const post = (body, headers = {}) => rawRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  await t.test('invalid JSON is a 400 invalid_json', async () => {
    const res = await post('{"model": "fast", "messages": [');
    assert.equal(res.status, 400);
    assertErrorShape(res.json, { code: 'invalid_json' });
  });

  await t.test('an empty body is a 400', async () => {
    const res = await post('');
    assert.equal(res.status, 400);
    assertErrorShape(res.json);
  });

  await t.test('a missing model is a 400 missing_required_parameter naming model', async () => {
    const res = await post({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 400);
    const e = assertErrorShape(res.json, { code: 'missing_required_parameter' });
    assert.equal(e.param, 'model');
  });

  await t.test('messages that is not an array is a 400 invalid_type naming messages', async () => {
    const res = await post({ model: 'fast', messages: 'hi' });
    assert.equal(res.status, 400);
    const e = assertErrorShape(res.json, { code: 'invalid_type' });
    assert.equal(e.param, 'messages');
  });

  await t.test('a model that is not a string is a 400 invalid_type', async () => {
    const res = await post({ model: 42, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 400);
    assertErrorShape(res.json, { code: 'invalid_type' });
  });

  await t.test('a bad request is rejected by the gateway without reaching the provider', async () => {
    const tag = newTag('err');
    const res = await post({ model: 'fast', messages: 'hi' }, { 'x-mock-tag': tag });
    assert.equal(res.status, 400);
    assert.deepEqual(await mock.ledgerFor(tag), []);
  });

  await t.test('an unknown model is a 404 NotFoundError with code model_not_found', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 404);
        assert.equal(err.code, 'model_not_found');
        return true;
      });
  });

  await t.test('an unknown route is a 404 unknown_url', async () => {
    const res = await rawRequest(`${gw.url}/v1/no/such/route`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(res.status, 404);
    assertErrorShape(res.json, { code: 'unknown_url' });
  });

  await t.test('a wrong method is a 405 with an Allow header', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(res.status, 405);
    assert.match(res.headers.allow ?? '', /\bPOST\b/);
    assertErrorShape(res.json);
  });

  await t.test('a 5 MiB body is a 413 request_too_large', async () => {
    const big = JSON.stringify(chatBody('fast', 'x'.repeat(5 * 1024 * 1024)));
    const res = await post(big);
    assert.equal(res.status, 413);
    assertErrorShape(res.json, { code: 'request_too_large' });
    // The gateway still serves afterwards.
    const ok = await post(chatBody('fast', 'after the big one'));
    assert.equal(ok.status, 200);
  });

  await t.test('a text/plain body is a 415 unsupported_media_type', async () => {
    const res = await post(chatBody('fast', 'hi'), { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assertErrorShape(res.json, { code: 'unsupported_media_type' });
  });

  await t.test('application/json with a charset parameter is accepted', async () => {
    const res = await post(chatBody('fast', 'charset'), { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(res.status, 200, res.text);
  });

  await t.test('a provider 500 becomes a 502 upstream_error (SDK InternalServerError)', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-status': '500' } }),
      (err) => {
        assert.ok(err instanceof OpenAI.InternalServerError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 502);
        assert.equal(err.code, 'upstream_error');
        assert.equal(err.type, 'upstream_error');
        return true;
      });
  });

  await t.test('a provider 429 is passed through as 429 with retry-after', async () => {
    const res = await post(chatBody('fast', 'hi'), { 'x-mock-status': '429' });
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '1');
    assertErrorShape(res.json, { type: 'rate_limit_error' });
    await assert.rejects(
      client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-status': '429' } }),
      (err) => err instanceof OpenAI.RateLimitError && err.headers.get('retry-after') === '1');
  });

  await t.test('a provider slower than first_byte_timeout_ms is a 504 upstream_timeout, in time', async () => {
    // Headers come a little after the deadline: the gateway must have given up by then.
    const latency = HEAD_DEADLINE_MS + scale(400);
    const started = Date.now();
    const res = await post(chatBody('fast', 'slow'), { 'x-mock-latency-ms': String(latency) });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504);
    assertErrorShape(res.json, { code: 'upstream_timeout', type: 'timeout_error' });
    assert.ok(elapsed < latency, `answered after ${elapsed} ms, the provider needed ${latency} ms`);
    assert.ok(elapsed >= FIRST_BYTE_MS * 0.9, `answered after ${elapsed} ms, before the ${FIRST_BYTE_MS} ms timeout`);
  });

  await t.test('a streamed request to a provider slower than first_byte_timeout_ms is a 504 too', async () => {
    const res = await post(chatBody('fast', 'slow', { stream: true }),
      { 'x-mock-latency-ms': String(HEAD_DEADLINE_MS + scale(400)) });
    assert.equal(res.status, 504);
    assertErrorShape(res.json, { code: 'upstream_timeout' });
  });

  await t.test('an unreachable provider (a closed port) is a 502 upstream_connect', async () => {
    const res = await post(chatBody('unreachable', 'hi'));
    assert.equal(res.status, 502);
    assertErrorShape(res.json, { code: 'upstream_connect', type: 'upstream_error' });
  });

  await t.test('a provider 400 is passed through as 400 (SDK BadRequestError)', async () => {
    const res = await post(chatBody('fast', 'hi'), { 'x-mock-status': '400' });
    assert.equal(res.status, 400);
    assertErrorShape(res.json);
    await assert.rejects(
      client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-mock-status': '400' } }),
      (err) => err instanceof OpenAI.BadRequestError && err.status === 400);
  });

  await t.test('no error body leaks the provider key or the client key', async () => {
    const bodies = [
      await post(chatBody('fast', 'hi'), { 'x-mock-status': '500' }),
      await post(chatBody('fast', 'hi'), { 'x-mock-status': '401' }),
      await post(chatBody('unreachable', 'hi')),
    ];
    for (const r of bodies) {
      assert.ok(!r.text.includes('sk-provider-secret'), `provider key in ${r.text}`);
      assert.ok(!r.text.includes(gw.key), `client key in ${r.text}`);
      assert.ok(!r.text.includes('sk-dead'), `provider key in ${r.text}`);
    }
  });

  await t.test('error responses carry x-request-id and x-response-time', async () => {
    const res = await post(chatBody('fast', 'hi'), { 'x-mock-status': '503', 'x-request-id': 'err-id-1' });
    assert.equal(res.status, 502);
    assert.equal(res.headers['x-request-id'], 'err-id-1');
    assert.ok(res.headers['x-response-time']);
  });
});
