// tests/e2e/60_routing.test.mjs - a model's routes are tried in order: an attempt that fails
// before the client got a byte moves on to the next route; a client error does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TEST_TIMEOUT, assertErrorShape, baseConfig, chatBody, deadProvider, mockProvider, newTag,
  rawRequest, scale, sseEvents, startGateway, startMock,
} from './lib/gateway.mjs';

const FIRST_BYTE_MS = scale(500);
const SLOW_MS = FIRST_BYTE_MS + scale(2000);

const twoRoutes = (name, first, second = { provider: 'mock', model: 'gpt-4o-mini' }) =>
  ({ name, route: [first, second] });

test('the router fails over to the next route', { timeout: TEST_TIMEOUT }, async (t) => {
  const mock = await startMock(t);
  const dead = await deadProvider('dead');
  const gw = await startGateway(t, {
    mock,
    config: baseConfig(mock, {
      upstream: { connect_timeout_ms: scale(1000), first_byte_timeout_ms: FIRST_BYTE_MS, stream_idle_timeout_ms: FIRST_BYTE_MS },
      providers: [mockProvider(mock), dead],
      models: [
        { name: 'fast', route: [{ provider: 'mock', model: 'gpt-4o-mini' }] },
        twoRoutes('after-503', { provider: 'mock', model: 'gpt-4o-mini@status=503' }),
        twoRoutes('after-429', { provider: 'mock', model: 'gpt-4o-mini@status=429' }),
        twoRoutes('after-dead', { provider: 'dead', model: 'gpt-4o-mini' }),
        twoRoutes('after-timeout', { provider: 'mock', model: `gpt-4o-mini@latency_ms=${SLOW_MS}` }),
        twoRoutes('after-silent-stream', { provider: 'mock', model: `gpt-4o-mini@ttft_ms=${SLOW_MS}` }),
        twoRoutes('after-reset', { provider: 'mock', model: 'gpt-4o-mini@reset_after=1' }),
        twoRoutes('after-400', { provider: 'mock', model: 'gpt-4o-mini@status=400' }),
        { name: 'all-fail', route: [
          { provider: 'mock', model: 'gpt-4o-mini@status=503' },
          { provider: 'dead', model: 'gpt-4o-mini' },
        ] },
      ],
    }),
  });
  const client = gw.client();
  const ask = (model, text, headers = {}) => client.chat.completions.create(
    { model, messages: [{ role: 'user', content: text }] }, { headers });
  const post = (body, headers = {}) => rawRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

  await t.test('a first route answering 503 is followed by the second, and the client gets 200', async () => {
    const tag = newTag('route');
    const errorsBefore = await gw.metric('sy_upstream_errors_total', { provider: 'mock' });
    const okBefore = await gw.metric('sy_requests_total', { model: 'after-503', status: '200' });
    const res = await ask('after-503', 'hello failover', { 'x-mock-tag': tag });
    assert.equal(res.choices[0].message.content, 'mock: hello failover');
    assert.equal(res.model, 'after-503');
    const entries = (await mock.ledgerFor(tag)).sort((a, b) => a.seq - b.seq);
    assert.deepEqual(entries.map((e) => e.status), [503, 200], 'the mock saw the 503 then the 200');
    assert.equal(await gw.metric('sy_upstream_errors_total', { provider: 'mock' }) - errorsBefore, 1,
      'sy_upstream_errors_total{provider="mock"} counts the failed attempt');
    assert.equal(await gw.metric('sy_requests_total', { model: 'after-503', status: '200' }) - okBefore, 1,
      'one client request counted, not one per attempt');
  });

  await t.test('a stream fails over from a 503 too', async () => {
    const stream = await client.chat.completions.create({
      model: 'after-503', stream: true, messages: [{ role: 'user', content: 'stream failover' }] });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(content, 'mock: stream failover');
  });

  await t.test('a first route answering 429 is followed by the second', async () => {
    const res = await ask('after-429', 'rate limited first');
    assert.equal(res.choices[0].message.content, 'mock: rate limited first');
  });

  await t.test('an unreachable first route is followed by the second, and counted as an upstream error', async () => {
    const before = await gw.metric('sy_upstream_errors_total', { provider: 'dead' });
    const res = await ask('after-dead', 'dead first');
    assert.equal(res.choices[0].message.content, 'mock: dead first');
    assert.equal(await gw.metric('sy_upstream_errors_total', { provider: 'dead' }) - before, 1);
  });

  await t.test('a first route slower than first_byte_timeout_ms is followed by the second', async () => {
    const started = Date.now();
    const res = await ask('after-timeout', 'slow first');
    assert.equal(res.choices[0].message.content, 'mock: slow first');
    assert.ok(Date.now() - started < SLOW_MS, 'the gateway did not wait for the slow route');
  });

  await t.test('a stream whose first route sends no event in time is served by the second', async () => {
    const started = Date.now();
    const res = await post(chatBody('after-silent-stream', 'silent first', { stream: true }));
    assert.equal(res.status, 200);
    const events = sseEvents(res.text);
    assert.equal(events.find((e) => e.error), undefined, `no error event:\n${res.text}`);
    assert.equal(events.map((e) => e.choices?.[0]?.delta?.content ?? '').join(''), 'mock: silent first');
    assert.ok(Date.now() - started < SLOW_MS, 'the gateway did not wait for the silent route');
  });

  await t.test('a first route resetting the connection before the answer is complete is followed by the second', async () => {
    const res = await ask('after-reset', 'reset first');
    assert.equal(res.choices[0].message.content, 'mock: reset first');
  });

  await t.test('a 400 from the first route is the client\'s error: no failover', async () => {
    const tag = newTag('route');
    const res = await post(chatBody('after-400', 'bad request'), { 'x-mock-tag': tag });
    assert.equal(res.status, 400);
    assertErrorShape(res.json);
    assert.equal((await mock.ledgerFor(tag)).length, 1, 'only the first route was tried');
  });

  await t.test('when every route fails the client gets a 502 and every attempt is counted', async () => {
    const mockBefore = await gw.metric('sy_upstream_errors_total', { provider: 'mock' });
    const deadBefore = await gw.metric('sy_upstream_errors_total', { provider: 'dead' });
    const tag = newTag('route');
    const res = await post(chatBody('all-fail', 'nothing works'), { 'x-mock-tag': tag });
    assert.equal(res.status, 502);
    assertErrorShape(res.json);
    assert.equal((await mock.ledgerFor(tag)).length, 1);
    assert.equal(await gw.metric('sy_upstream_errors_total', { provider: 'mock' }) - mockBefore, 1);
    assert.equal(await gw.metric('sy_upstream_errors_total', { provider: 'dead' }) - deadBefore, 1);
  });

  await t.test('a stream to a model whose routes all fail is a 502 before any byte', async () => {
    const res = await post(chatBody('all-fail', 'nothing works', { stream: true }));
    assert.equal(res.status, 502);
    assertErrorShape(res.json);
  });
});
