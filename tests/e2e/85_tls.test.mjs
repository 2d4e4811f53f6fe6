// tests/e2e/85_tls.test.mjs - TLS on the listener: HTTP/2 offered by ALPN, HTTP/1.1 still served,
// and a chat completion through the official SDK over https.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { CLIENT_KEY, TEST_TIMEOUT, TIMEOUT, baseConfig, eventually, startGateway } from './lib/gateway.mjs';

function makeCert(dir) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
    path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj',
    '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

function get(url, ca, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, timeout: TIMEOUT }, (res) => {
      const parts = [];
      const alpn = res.socket.alpnProtocol;
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(parts).toString('utf8'), alpn }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

test('with a certificate the gateway speaks TLS, HTTP/2 by ALPN and HTTP/1.1', { timeout: TEST_TIMEOUT }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sy-tls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = makeCert(dir);
  const ca = fs.readFileSync(files.cert);
  const gw = await startGateway(t, {
    config: (mock) => baseConfig(mock, { http: { tls: files } }),
    waitReady: false,
  });
  const base = `https://127.0.0.1:${gw.port}`;
  await eventually(async () => (await get(`${base}/health/ready`, ca)).status === 200,
    { what: 'TLS readiness' });

  await t.test('HTTP/1.1 over TLS answers health checks', async () => {
    const res = await get(`${base}/health/live`, ca);
    assert.equal(res.status, 200);
    assert.notEqual(res.alpn, 'h2'); /* node's https offers only http/1.1 */
    assert.equal(JSON.parse(res.text).status, 'ok');
  });

  await t.test('ALPN negotiates h2 and a chat completion works over it', async () => {
    const session = http2.connect(base, { ca });
    t.after(() => session.close());
    const stream = session.request({ ':method': 'POST', ':path': '/v1/chat/completions',
      authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' });
    const parts = [];
    let status;
    stream.on('response', (h) => { status = h[':status']; });
    stream.on('data', (d) => parts.push(d));
    const done = new Promise((resolve, reject) => { stream.on('end', resolve); stream.on('error', reject); });
    stream.end(JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'over tls' }] }));
    await done;
    assert.equal(session.alpnProtocol, 'h2');
    assert.equal(status, 200);
    assert.equal(JSON.parse(Buffer.concat(parts).toString('utf8')).choices[0].message.content, 'mock: over tls');
  });

  await t.test('the openai SDK works against the https base URL', async () => {
    /* The SDK's fetch takes no CA option; this file runs in its own process, and the
     * certificate itself was verified by the tests above. */
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: TIMEOUT });
    const res = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'sdk tls' }] });
    assert.equal(res.choices[0].message.content, 'mock: sdk tls');
  });
});
