// tests/e2e/20_auth.test.mjs - the gateway key check, and which key reaches the provider.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import {
  CLIENT_KEY, PROVIDER_KEY, TEST_TIMEOUT, assertErrorShape, chatBody, newTag, rawRequest,
  startGateway,
} from './lib/gateway.mjs';

test('the gateway authenticates clients and sends only the provider key upstream', { timeout: TEST_TIMEOUT }, async (t) => {
  const gw = await startGateway(t);

  await t.test('a request without a key is answered 401 missing_api_key', async () => {
    const res = await gw.fetch('/v1/chat/completions', { auth: false, json: chatBody('fast', 'hi') });
    assert.equal(res.status, 401);
    assertErrorShape(await res.json(), { code: 'missing_api_key', type: 'authentication_error' });
  });

  await t.test('listing models needs a key too', async () => {
    const res = await gw.fetch('/v1/models', { auth: false });
    assert.equal(res.status, 401);
    assertErrorShape(await res.json(), { code: 'missing_api_key' });
  });

  await t.test('a wrong key makes the SDK throw AuthenticationError with code invalid_api_key', async () => {
    const client = gw.client({ apiKey: 'sk-wrong-key' });
    await assert.rejects(
      client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.AuthenticationError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 401);
        assert.equal(err.code, 'invalid_api_key');
        return true;
      });
  });

  await t.test('a malformed Authorization header is not accepted', async () => {
    const res = await gw.fetch('/v1/chat/completions', {
      json: chatBody('fast', 'hi'), headers: { authorization: `Basic ${CLIENT_KEY}` } });
    assert.equal(res.status, 401);
    assertErrorShape(await res.json());
  });

  await t.test('the key as Authorization: Bearer is accepted (the SDK default)', async () => {
    const res = await gw.client().chat.completions.create({
      model: 'fast', messages: [{ role: 'user', content: 'bearer ok' }] });
    assert.equal(res.choices[0].message.content, 'mock: bearer ok');
  });

  await t.test('the key as x-api-key is accepted', async () => {
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_KEY },
      body: JSON.stringify(chatBody('fast', 'x-api-key ok')),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.choices[0].message.content, 'mock: x-api-key ok');
  });

  await t.test('the provider key, not the client key, reaches the provider', async () => {
    const tag = newTag('auth');
    await gw.client().chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: 'which key' }] },
      { headers: { 'x-mock-tag': tag } });
    const [entry] = await gw.mock.ledgerFor(tag);
    assert.ok(entry, 'the request is in the mock ledger (is x-mock-* forwarded?)');
    assert.equal(entry.authorization, `Bearer ${PROVIDER_KEY}`);
  });

  await t.test('the client key never reaches the provider, whichever header carried it', async () => {
    const tag = newTag('auth');
    await gw.client().chat.completions.create(
      { model: 'fast', messages: [{ role: 'user', content: 'bearer' }] },
      { headers: { 'x-mock-tag': tag } });
    const viaXApiKey = await rawRequest(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_KEY, 'x-mock-tag': tag },
      body: JSON.stringify(chatBody('fast', 'x-api-key', { stream: true })),
    });
    assert.equal(viaXApiKey.status, 200);

    const { requests } = await gw.ledger();
    const mine = requests.filter((r) => r.headers?.['x-mock-tag'] === tag);
    assert.equal(mine.length, 2, 'both requests reached the mock');
    for (const r of mine) {
      assert.ok(!('x-api-key' in r.headers), 'x-api-key is not forwarded');
      assert.equal(r.authorization, `Bearer ${PROVIDER_KEY}`);
    }
    // Nowhere in anything the mock recorded, for any request.
    assert.ok(!JSON.stringify(requests).includes(CLIENT_KEY), 'the client key appears in the mock ledger');
  });
});
