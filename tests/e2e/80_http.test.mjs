// tests/e2e/80_http.test.mjs - the HTTP layer: keep-alive reuse, HTTP/2 with prior knowledge,
// and many requests at once.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { test } from 'node:test';
import {
  TEST_TIMEOUT, TIMEOUT, chatBody, newTag, sseData, sseEvents, startGateway,
} from './lib/gateway.mjs';

/* One request over `agent`; resolves with { status, headers, json, socket }. */
function agentRequest(agent, url, key, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload) },
      timeout: TIMEOUT,
    });
    let socket;
    req.on('socket', (s) => { socket = s; });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        json: JSON.parse(Buffer.concat(parts).toString('utf8')), socket }));
    });
    req.end(payload);
  });
}

/* One HTTP/2 request on `session`; resolves with { headers, text }. */
function h2Request(session, headers, body) {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    const parts = [];
    let resHeaders;
    stream.setTimeout(TIMEOUT, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on('response', (h) => { resHeaders = h; });
    stream.on('data', (d) => parts.push(d));
    stream.on('end', () => resolve({ headers: resHeaders, text: Buffer.concat(parts).toString('utf8') }));
    stream.on('error', reject);
    stream.end(body);
  });
}

test('the gateway speaks HTTP/1.1 keep-alive, HTTP/2 and handles concurrency', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);

  await t.test('sequential HTTP/1.1 requests reuse one kept-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set();
      for (let i = 0; i < 4; i++) {
        const res = await agentRequest(agent, `${gw.url}/v1/chat/completions`, gw.key, chatBody('fast', `keep ${i}`));
        assert.equal(res.status, 200);
        assert.equal(res.json.choices[0].message.content, `mock: keep ${i}`);
        assert.notEqual(res.headers.connection, 'close');
        sockets.add(res.socket);
      }
      assert.equal(sockets.size, 1, `4 requests used ${sockets.size} connections`);
    } finally {
      agent.destroy();
    }
  });

  await t.test('a chat request over HTTP/2 with prior knowledge is answered', async () => {
    const session = http2.connect(gw.url);
    session.on('error', () => {});
    try {
      const res = await h2Request(session, {
        ':method': 'POST', ':path': '/v1/chat/completions',
        authorization: `Bearer ${gw.key}`, 'content-type': 'application/json',
      }, JSON.stringify(chatBody('fast', 'over h2')));
      assert.equal(res.headers[':status'], 200, res.text);
      assert.ok(res.headers['x-request-id'], 'x-request-id over h2');
      assert.equal(JSON.parse(res.text).choices[0].message.content, 'mock: over h2');

      // A stream and a plain request multiplexed on the same session.
      const [streamed, plain] = await Promise.all([
        h2Request(session, {
          ':method': 'POST', ':path': '/v1/chat/completions',
          authorization: `Bearer ${gw.key}`, 'content-type': 'application/json',
        }, JSON.stringify(chatBody('fast', 'h2 stream', { stream: true }))),
        h2Request(session, { ':method': 'GET', ':path': '/v1/models', authorization: `Bearer ${gw.key}` }),
      ]);
      assert.equal(streamed.headers[':status'], 200);
      assert.equal(sseData(streamed.text).at(-1), '[DONE]');
      assert.equal(sseEvents(streamed.text).map((e) => e.choices?.[0]?.delta?.content ?? '').join(''), 'mock: h2 stream');
      assert.equal(plain.headers[':status'], 200);
      assert.ok(JSON.parse(plain.text).data.some((m) => m.id === 'fast'));
    } finally {
      await new Promise((resolve) => session.close(resolve));
    }
  });

  await t.test('50 concurrent requests, some streamed, all succeed with their own answers', async () => {
    const client = gw.client();
    const tag = newTag('conc');
    const jobs = Array.from({ length: 50 }, async (_, i) => {
      const text = `concurrent request ${i}`;
      if (i % 5 === 0) {
        const stream = await client.chat.completions.create(
          { model: 'fast', stream: true, messages: [{ role: 'user', content: text }] },
          { headers: { 'x-mock-tag': tag, 'x-mock-chunk-delay-ms': '5' } });
        let content = '';
        for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
        return [text, content];
      }
      const res = await client.chat.completions.create(
        { model: 'fast', messages: [{ role: 'user', content: text }] },
        { headers: { 'x-mock-tag': tag, 'x-mock-latency-ms': String(i % 7) } });
      return [text, res.choices[0].message.content];
    });
    const results = await Promise.all(jobs);
    for (const [text, content] of results) assert.equal(content, `mock: ${text}`);
    assert.equal((await gw.mock.ledgerFor(tag)).length, 50);
  });
});
