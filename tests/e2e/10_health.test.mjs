// tests/e2e/10_health.test.mjs - liveness, readiness, the Prometheus exposition and the
// x-request-id / x-response-time headers every response carries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TEST_TIMEOUT, chatBody, parseMetrics, rawRequest, startGateway,
} from './lib/gateway.mjs';

const REQUEST_ID = /^[A-Za-z0-9._:-]+$/;

test('the gateway reports its health, metrics and request ids', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);

  await t.test('GET /health/live answers 200 without a key', async () => {
    const res = await rawRequest(`${gw.url}/health/live`);
    assert.equal(res.status, 200);
    assert.ok(res.headers['x-request-id'], 'x-request-id on /health/live');
  });

  await t.test('GET /health/ready answers 200 once the gateway is serving', async () => {
    const res = await rawRequest(`${gw.url}/health/ready`);
    assert.equal(res.status, 200);
  });

  await t.test('GET /metrics is a valid Prometheus text exposition with the documented families', async () => {
    // One request first, so that the per-request families have series.
    const chat = await gw.fetch('/v1/chat/completions', { json: chatBody('fast', 'count me') });
    assert.equal(chat.status, 200);
    await chat.text();

    const res = await rawRequest(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/plain/);
    assert.ok(res.text.endsWith('\n'), 'the exposition ends with a newline');

    const types = new Map();
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? [-+]?([0-9.eE+-]+|Inf|NaN)( -?\d+)?$/;
    for (const line of res.text.split('\n')) {
      if (line === '') continue;
      const tm = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/);
      if (tm) {
        assert.ok(!types.has(tm[1]), `TYPE given twice for ${tm[1]}`);
        types.set(tm[1], tm[2]);
        continue;
      }
      if (line.startsWith('# HELP ') || line.startsWith('#')) continue;
      assert.match(line, sample, `not a valid sample line: ${JSON.stringify(line)}`);
    }

    const expected = {
      sy_requests_total: ['counter'],
      sy_request_duration_seconds: ['histogram', 'summary'],
      sy_gateway_duration_seconds: ['histogram', 'summary'],
      sy_upstream_duration_seconds: ['histogram', 'summary'],
      sy_time_to_first_token_seconds: ['histogram', 'summary'],
      sy_tokens_total: ['counter'],
      sy_upstream_errors_total: ['counter'],
      sy_active_streams: ['gauge'],
      sy_active_requests: ['gauge'],
    };
    for (const [name, kinds] of Object.entries(expected)) {
      assert.ok(types.has(name), `no "# TYPE ${name}" line in /metrics`);
      assert.ok(kinds.includes(types.get(name)), `${name} is a ${types.get(name)}, expected ${kinds.join(' or ')}`);
    }

    const series = parseMetrics(res.text);
    const req = series.filter((s) => s.name === 'sy_requests_total' && s.labels.model === 'fast' &&
      s.labels.status === '200');
    assert.ok(req.length >= 1, 'a sy_requests_total{model="fast",status="200"} series');
    assert.ok('route' in req[0].labels, 'sy_requests_total has a route label');
    assert.ok(req.reduce((a, s) => a + s.value, 0) >= 1);

    if (types.get('sy_request_duration_seconds') === 'histogram') {
      const inf = series.filter((s) => s.name === 'sy_request_duration_seconds_bucket' && s.labels.le === '+Inf');
      const count = series.filter((s) => s.name === 'sy_request_duration_seconds_count');
      assert.ok(inf.length >= 1, 'a +Inf bucket');
      assert.ok(series.some((s) => s.name === 'sy_request_duration_seconds_sum'), 'a _sum series');
      assert.equal(inf.reduce((a, s) => a + s.value, 0), count.reduce((a, s) => a + s.value, 0),
        'the +Inf bucket equals _count');
    }
  });

  await t.test('the active request and stream gauges return to zero when nothing is in flight', async () => {
    assert.ok(gw.idleActiveRequests <= 1, `an idle gateway reports ${gw.idleActiveRequests} active requests`);
    const stream = await gw.fetch('/v1/chat/completions', { json: chatBody('fast', 'one two three', { stream: true }) });
    await stream.text();
    await gw.waitIdle();
  });

  await t.test('a response carries a generated x-request-id when the client sent none, different each time', async () => {
    const a = await rawRequest(`${gw.url}/health/live`);
    const b = await rawRequest(`${gw.url}/health/live`);
    const ida = a.headers['x-request-id'];
    const idb = b.headers['x-request-id'];
    assert.ok(ida && idb, 'both responses have x-request-id');
    assert.match(ida, REQUEST_ID);
    assert.notEqual(ida, idb);
  });

  await t.test('a valid client x-request-id is echoed back, also on errors and API responses', async () => {
    const id = 'e2e-req_0001.abc:42';
    const live = await rawRequest(`${gw.url}/health/live`, { headers: { 'x-request-id': id } });
    assert.equal(live.headers['x-request-id'], id);

    const chat = await gw.fetch('/v1/chat/completions', {
      json: chatBody('fast', 'hi'), headers: { 'x-request-id': `${id}-chat` } });
    assert.equal(chat.status, 200);
    assert.equal(chat.headers.get('x-request-id'), `${id}-chat`);
    await chat.text();

    const err = await gw.fetch('/v1/chat/completions', {
      json: chatBody('no-such-model', 'hi'), headers: { 'x-request-id': `${id}-err` } });
    assert.equal(err.status, 404);
    assert.equal(err.headers.get('x-request-id'), `${id}-err`);
    await err.text();
  });

  await t.test('an invalid client x-request-id is replaced by a generated one', async () => {
    const bad = 'not a valid id; with spaces "and quotes"';
    const res = await rawRequest(`${gw.url}/health/live`, { headers: { 'x-request-id': bad } });
    const id = res.headers['x-request-id'];
    assert.ok(id, 'x-request-id present');
    assert.notEqual(id, bad);
    assert.match(id, REQUEST_ID);
  });

  await t.test('every response carries x-response-time, also streams and errors', async () => {
    const rt = /^\d+(\.\d+)?\s*(ms)?$/;
    const live = await rawRequest(`${gw.url}/health/live`);
    assert.match(live.headers['x-response-time'] ?? '', rt);

    const stream = await gw.fetch('/v1/chat/completions', { json: chatBody('fast', 'hi', { stream: true }) });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('x-response-time') ?? '', rt);
    assert.ok(stream.headers.get('x-request-id'), 'x-request-id on a stream');
    await stream.text();

    const unauthorized = await gw.fetch('/v1/models', { auth: false });
    assert.equal(unauthorized.status, 401);
    assert.match(unauthorized.headers.get('x-response-time') ?? '', rt);
    assert.ok(unauthorized.headers.get('x-request-id'), 'x-request-id on a 401');
    await unauthorized.text();

    const notFound = await rawRequest(`${gw.url}/nope`);
    assert.equal(notFound.status, 404);
    assert.match(notFound.headers['x-response-time'] ?? '', rt);
    assert.ok(notFound.headers['x-request-id'], 'x-request-id on an unknown route');
  });
});
