// tests/e2e/70_reload_shutdown.test.mjs - SIGHUP reloads the config file (a broken one is
// rejected and the old config keeps serving; requests in flight keep theirs); SIGTERM drains
// requests in flight and exits 0.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import {
  TEST_TIMEOUT, TIMEOUT, baseConfig, chatBody, eventually, rawRequest, scale, sleep, sseData,
  sseEvents, startGateway, withTimeout,
} from './lib/gateway.mjs';

const fastModel = { name: 'fast', route: [{ provider: 'mock', model: 'gpt-4o-mini' }] };
const otherModel = { name: 'other', route: [{ provider: 'mock', model: 'gpt-4o' }] };

/* Starts a raw streaming request and resolves once its first content event arrived, with a
 * function that reads the rest and returns the whole SSE text. */
async function startSlowStream(gw, text, chunkDelayMs, model = 'fast') {
  const res = await gw.fetch('/v1/chat/completions', {
    json: chatBody(model, text, { stream: true }),
    headers: { 'x-mock-chunk-delay-ms': String(chunkDelayMs) },
    signal: AbortSignal.timeout(TIMEOUT * 2),
  });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let sse = '';
  const readMore = async () => {
    const { value, done } = await reader.read();
    if (!done) sse += decoder.decode(value, { stream: true });
    return !done;
  };
  while (!sseEvents(sse).some((e) => e.choices?.[0]?.delta?.content)) {
    assert.ok(await readMore(), `the stream ended before its first content event:\n${sse}`);
  }
  return async () => {
    while (await readMore());
    return sse + decoder.decode();
  };
}

/* GET on `agent` (a kept-alive connection); resolves with { status, text }. */
function agentGet(agent, url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: TIMEOUT }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function contentOf(sse) {
  return sseEvents(sse).map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
}

test('SIGHUP reload makes a new model alias visible and usable', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);
  assert.deepEqual((await gw.modelIds()).sort(), ['fast']);
  await gw.reload((mock) => baseConfig(mock, { models: [fastModel, otherModel] }));
  assert.deepEqual((await gw.modelIds()).sort(), ['fast', 'other']);
  const res = await gw.client().chat.completions.create({
    model: 'other', messages: [{ role: 'user', content: 'new alias' }] });
  assert.equal(res.choices[0].message.content, 'mock: new alias');
  assert.equal(res.model, 'other');
});

test('a broken config file on SIGHUP is rejected and the old config keeps serving', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);
  const client = gw.client();
  const stillServing = async () => {
    assert.deepEqual((await gw.modelIds()).sort(), ['fast']);
    const res = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'still here' }] });
    assert.equal(res.choices[0].message.content, 'mock: still here');
  };

  // Not YAML at all.
  await gw.reload('models: [ {name: "broken"\nproviders: ]]]\n');
  await stillServing();
  assert.equal(gw.proc.exitCode, undefined, 'the gateway is still running');

  // Valid YAML, invalid config: a route to a provider that does not exist.
  await gw.reload(`workers: 2
keys: ["sk-test-1"]
providers:
  - { name: mock, kind: openai, base_url: "\${MOCK_URL}", api_key: sk-provider-secret }
models:
  - { name: fast, route: [ { provider: mock, model: gpt-4o-mini } ] }
  - { name: ghost, route: [ { provider: nowhere, model: gpt-4o-mini } ] }
`);
  await stillServing();

  // And a good config afterwards still applies.
  await gw.reload((mock) => baseConfig(mock, { models: [fastModel, otherModel] }));
  assert.deepEqual((await gw.modelIds()).sort(), ['fast', 'other']);
});

test('a stream in flight during a SIGHUP reload completes, even if the reload removes its alias', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t, { config: (mock) => baseConfig(mock, { models: [fastModel, otherModel] }) });
  const text = 'one two three four five six seven eight nine ten eleven twelve';
  const finish = await startSlowStream(gw, text, 40);
  await gw.reload((mock) => baseConfig(mock, { models: [otherModel] }));
  const sse = await withTimeout(finish(), TIMEOUT, 'the in-flight stream to finish');
  assert.equal(sseData(sse).at(-1), '[DONE]', `the stream completed:\n${sse}`);
  assert.equal(sseEvents(sse).find((e) => e.error), undefined, 'no error event');
  assert.equal(contentOf(sse), `mock: ${text}`);

  const after = await gw.fetch('/v1/chat/completions', { json: chatBody('fast', 'gone') });
  assert.equal(after.status, 404, 'new requests see the new config');
  await after.text();
});

test('SIGTERM lets a stream in flight finish with [DONE], then the process exits 0', { timeout: TEST_TIMEOUT }, async (t) => {
  const drainMs = scale(5000);
  const gw = await startGateway(t, { config: (mock) => baseConfig(mock, { http: { drain_timeout_ms: drainMs } }) });
  const text = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
  // A kept-alive connection opened before the signal, to ask for readiness during the drain.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  assert.equal((await agentGet(agent, `${gw.url}/health/ready`)).status, 200);
  const finish = await startSlowStream(gw, text, 40);

  const signalled = Date.now();
  gw.signal('SIGTERM');

  // Readiness while draining must not be 200. On the kept-alive connection it should be 503;
  // if the gateway closed that connection first, a load balancer sees a refusal, also fine.
  await sleep(scale(20));
  const ready = await agentGet(agent, `${gw.url}/health/ready`).catch((err) => err);
  if (ready instanceof Error) {
    t.diagnostic(`/health/ready during the drain: ${ready.code ?? ready.message} (not observable)`);
  } else {
    assert.equal(ready.status, 503, '/health/ready answers 503 while draining');
  }
  const fresh = await rawRequest(`${gw.url}/health/ready`, { timeout: 1000 }).catch((err) => err);
  if (!(fresh instanceof Error)) assert.equal(fresh.status, 503, 'a new connection during the drain is not told "ready"');

  const sse = await withTimeout(finish(), TIMEOUT, 'the in-flight stream to finish after SIGTERM');
  assert.equal(sseData(sse).at(-1), '[DONE]', `the stream completed:\n${sse}`);
  assert.equal(sseEvents(sse).find((e) => e.error), undefined, 'no error event');
  assert.equal(contentOf(sse), `mock: ${text}`);

  const { code, signal } = await withTimeout(gw.exited, TIMEOUT, 'the gateway to exit after SIGTERM');
  const elapsed = Date.now() - signalled;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(elapsed < drainMs, `exited ${elapsed} ms after SIGTERM: it waited out the ${drainMs} ms drain timeout ` +
    'instead of leaving when the last request finished');
  await gw.stop(); // the sanitizer check, and cleanup
});

test('SIGTERM on an idle gateway exits 0 promptly', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);
  // A kept-alive idle connection must not hold the drain up.
  const res = await gw.fetch('/v1/models');
  assert.equal(res.status, 200);
  await res.text();
  const started = Date.now();
  await gw.stop();
  const elapsed = Date.now() - started;
  assert.ok(elapsed < scale(2000), `took ${elapsed} ms to exit`);
  await eventually(() => gw.proc.exitCode === 0, { what: 'exit code 0' });
});
