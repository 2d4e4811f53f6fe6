// tests/e2e/90_azure.test.mjs - a provider of kind azure: the deployment URL with api-version
// and the api-key header, while the client keeps speaking plain OpenAI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TEST_TIMEOUT, baseConfig, newTag, startCapture, startGateway, startMock,
} from './lib/gateway.mjs';

const API_VERSION = '2024-10-21';
const AZURE_KEY = 'azure-secret-key-1234';

test('a kind azure provider is called on its deployment URL with api-version and api-key', { timeout: TEST_TIMEOUT }, async (t) => {
  const mock = await startMock(t);
  const capture = await startCapture(t);
  const gw = await startGateway(t, {
    mock,
    config: baseConfig(mock, {
      providers: [
        { name: 'az', kind: 'azure', base_url: mock.url, api_key: AZURE_KEY, api_version: API_VERSION,
          forward_headers: ['x-mock-*'] },
        { name: 'az-capture', kind: 'azure', base_url: capture.url, api_key: AZURE_KEY, api_version: API_VERSION },
      ],
      models: [
        { name: 'azure-chat', route: [{ provider: 'az', model: 'my-deployment' }] },
        { name: 'azure-capture', route: [{ provider: 'az-capture', model: 'cap-deployment' }] },
      ],
    }),
  });
  const client = gw.client();

  await t.test('a chat completion reaches the mock on the azure deployment path with api-key', async () => {
    const tag = newTag('azure');
    const res = await client.chat.completions.create(
      { model: 'azure-chat', messages: [{ role: 'user', content: 'hello azure' }] },
      { headers: { 'x-mock-tag': tag } });
    assert.equal(res.choices[0].message.content, 'mock: hello azure');
    assert.equal(res.model, 'azure-chat');
    const [entry] = await mock.ledgerFor(tag);
    assert.ok(entry, 'the request is in the mock ledger');
    assert.equal(entry.path, '/openai/deployments/my-deployment/chat/completions');
    assert.equal(entry.status, 200);
    assert.equal(entry.api_key, AZURE_KEY);
    assert.ok(entry.authorization === null || !entry.authorization.includes(AZURE_KEY),
      'the azure key goes in api-key, not Authorization');
    assert.ok(entry.authorization === null || !entry.authorization.includes(gw.key), 'the client key stays home');
  });

  await t.test('a streamed chat completion works through an azure provider', async () => {
    const stream = await client.chat.completions.create({
      model: 'azure-chat', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream azure' }] });
    let content = '';
    let usage;
    for await (const chunk of stream) {
      assert.equal(chunk.model, 'azure-chat');
      content += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(content, 'mock: stream azure');
    assert.ok(usage && usage.completion_tokens === 3, `usage: ${JSON.stringify(usage)}`);
  });

  await t.test('the exact URL carries api-version and the body is OpenAI-shaped', async () => {
    const res = await client.chat.completions.create({
      model: 'azure-capture', messages: [{ role: 'user', content: 'exact url' }], temperature: 0.5 });
    assert.equal(res.choices[0].message.content, 'captured');
    const req = capture.requests.at(-1);
    const url = new URL(req.url, capture.url);
    assert.equal(url.pathname, '/openai/deployments/cap-deployment/chat/completions');
    assert.equal(url.searchParams.get('api-version'), API_VERSION);
    assert.equal(req.headers['api-key'], AZURE_KEY);
    assert.equal(req.headers.authorization, undefined, 'no Authorization header to azure');
    assert.deepEqual(req.body.messages, [{ role: 'user', content: 'exact url' }]);
    assert.equal(req.body.temperature, 0.5);
  });
});
