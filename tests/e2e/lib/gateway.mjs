// tests/e2e/lib/gateway.mjs - starts the real switchyard binary and its fake provider on free
// ports for one test, and stops both (asserting a clean exit) in t.after().
//
//   const gw = await startGateway(t);                 // a mock provider and a default config
//   const client = gw.client();                       // openai SDK pointed at the gateway
//   await gw.metric('sy_requests_total', { status: '200' });
//   await gw.mock.ledgerFor(tag);                     // what the provider saw for one request
//   await gw.reload(newConfig);  await gw.stop();
//
// Environment:
//   SY_BIN              the switchyard binary (default: build/release/switchyard in the repo)
//   SY_SAN              '' or 'asan' (or 'tsan'): a sanitizer build; timeouts x3 and the
//                       processes' stderr must not show a sanitizer report
//   SY_TEST_TIMEOUT_MS  the base timeout every wait in the suite scales with (default 10000)
//
// Only 127.0.0.1 is used, and every wait or polling loop is bounded by a deadline.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';

const LIB_DIR = import.meta.dirname;
const REPO_DIR = path.resolve(LIB_DIR, '..', '..', '..');
export const CONFIG_DIR = path.resolve(LIB_DIR, '..', 'configs');

export const BIN = process.env.SY_BIN || path.join(REPO_DIR, 'build', 'release', 'switchyard');
export const SAN = process.env.SY_SAN || '';
const SLOWDOWN = SAN !== '' ? 3 : 1;
const BASE_TIMEOUT_MS = Number(process.env.SY_TEST_TIMEOUT_MS) || 10000;

/** The bound for any single wait in the suite (a start, a request, a polling loop). */
export const TIMEOUT = BASE_TIMEOUT_MS * SLOWDOWN;

/** The bound for one top-level test, subtests included (the SDK does not time out a stream
 * that stalls after its headers, so node:test must). */
export const TEST_TIMEOUT = TIMEOUT * 6;

/** Scales a duration the way every timeout does: x(SY_TEST_TIMEOUT_MS/10000), x3 under a sanitizer. */
export function scale(ms) {
  return Math.round((ms * TIMEOUT) / 10000);
}

export const HOST = '127.0.0.1';
export const CLIENT_KEY = 'sk-test-1';
export const PROVIDER_KEY = 'sk-provider-secret';

const SANITIZER_MARKS = ['AddressSanitizer', 'LeakSanitizer', 'runtime error:', 'ThreadSanitizer'];

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` until it returns a truthy value (returned) or `timeout` ms pass (throws). */
export async function eventually(fn, { timeout = TIMEOUT, interval = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${describe(last)}`);
    await sleep(interval);
  }
}

function describe(v) {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Races `promise` against a timer; the error names `what`. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let tagCounter = 0;
/** A unique marker for one request; send it as `x-mock-tag` to find it in the mock's ledger. */
export function newTag(prefix = 't') {
  tagCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${tagCounter}`;
}

/** A port that was free a moment ago on 127.0.0.1 (nothing listens on it when this returns). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---- YAML ----------------------------------------------------------------------------------

function yamlScalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return JSON.stringify(String(v)); // a JSON string is a YAML double-quoted scalar
}

function yamlKey(k) {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k);
}

function isScalar(v) {
  return v === null || typeof v !== 'object';
}

function yamlLines(v, indent) {
  const lines = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isScalar(item)) {
        lines.push(`${indent}- ${yamlScalar(item)}`);
      } else if (Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0) {
        lines.push(`${indent}- ${Array.isArray(item) ? '[]' : '{}'}`);
      } else {
        const sub = yamlLines(item, `${indent}  `);
        sub[0] = `${indent}- ${sub[0].slice(indent.length + 2)}`;
        lines.push(...sub);
      }
    }
    return lines;
  }
  for (const [k, val] of Object.entries(v)) {
    if (val === undefined) continue;
    if (isScalar(val)) lines.push(`${indent}${yamlKey(k)}: ${yamlScalar(val)}`);
    else if (Array.isArray(val) && val.length === 0) lines.push(`${indent}${yamlKey(k)}: []`);
    else if (!Array.isArray(val) && Object.keys(val).length === 0)
      lines.push(`${indent}${yamlKey(k)}: {}`);
    else lines.push(`${indent}${yamlKey(k)}:`, ...yamlLines(val, `${indent}  `));
  }
  return lines;
}

/** Block-style YAML for a plain object of objects, arrays, strings, numbers and booleans. */
export function toYaml(obj) {
  return `${yamlLines(obj, '').join('\n')}\n`;
}

// ---- Configs -------------------------------------------------------------------------------

/** A provider entry for the mock (kind openai unless `extra` says otherwise). */
export function mockProvider(mock, name = 'mock', extra = {}) {
  return {
    name,
    kind: 'openai',
    base_url: `${mock.url}/v1`,
    api_key: PROVIDER_KEY,
    forward_headers: ['x-mock-*'],
    ...extra,
  };
}

/** A provider nothing listens for: connections to it are refused. */
export async function deadProvider(name = 'dead') {
  const port = await freePort();
  return { name, kind: 'openai', base_url: `http://${HOST}:${port}/v1`, api_key: 'sk-dead' };
}

/**
 * The default config: one mock provider, alias `fast` -> gpt-4o-mini. `extra` is merged in
 * (one level deep for the http/upstream/log sections; providers and models are replaced).
 */
export function baseConfig(mock, extra = {}) {
  const cfg = {
    workers: 2,
    keys: [CLIENT_KEY],
    http: { max_body_bytes: 4194304, drain_timeout_ms: scale(5000) },
    upstream: {
      connect_timeout_ms: scale(2000),
      first_byte_timeout_ms: scale(3000),
      stream_idle_timeout_ms: scale(3000),
    },
    log: { level: 'warn', slow_ms: scale(1000), sample_rate: 0 },
    providers: mock ? [mockProvider(mock)] : [],
    models: [{ name: 'fast', route: [{ provider: 'mock', model: 'gpt-4o-mini' }] }],
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && cfg[k] && !Array.isArray(cfg[k]))
      cfg[k] = { ...cfg[k], ...v };
    else cfg[k] = v;
  }
  return cfg;
}

/* Turns what a test gave as config into YAML text for `listen`. A string is YAML (or the name
 * of a file in configs/) with ${LISTEN} ${PORT} ${MOCK_URL} ${MOCK_PORT} placeholders. */
function renderConfig(config, listen, mock) {
  if (typeof config === 'function') config = config(mock);
  if (config === undefined) config = baseConfig(mock);
  if (typeof config === 'string') {
    let text = config;
    if (!text.includes('\n') && /\.ya?ml$/.test(text))
      text = fs.readFileSync(path.join(CONFIG_DIR, text), 'utf8');
    const vars = {
      LISTEN: listen,
      PORT: listen.split(':').pop(),
      MOCK_URL: mock ? `${mock.url}/v1` : '',
      MOCK_BASE: mock ? mock.url : '',
      MOCK_PORT: mock ? String(mock.port) : '',
      CLIENT_KEY,
      PROVIDER_KEY,
    };
    text = text.replace(/\$\{([A-Z_]+)\}/g, (m, name) => (name in vars ? vars[name] : m));
    if (!/^listen\s*:/m.test(text)) text = `listen: ${listen}\n${text}`;
    return text;
  }
  return toYaml({ listen, ...config });
}

function configKeys(config) {
  if (config && typeof config === 'object' && Array.isArray(config.keys)) return config.keys;
  return [CLIENT_KEY];
}

// ---- Processes -----------------------------------------------------------------------------

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

const OUTPUT_CAP = 8 * 1024 * 1024;

/* Spawns `args` and resolves once stdout matches `ready`, with the match. */
function spawnProcess(name, args, ready) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const proc = {
    name,
    child,
    pid: child.pid,
    stdout: '',
    stderr: '',
    exitCode: undefined,
    signal: undefined,
  };
  live.add(child);
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      proc.exitCode = code;
      proc.signal = signal;
    });
    child.on('close', () => resolve({ code: proc.exitCode, signal: proc.signal }));
    child.on('error', (err) => {
      live.delete(child);
      proc.stderr += `\nspawn ${BIN}: ${err.message}\n`;
      proc.exitCode = -1;
      resolve({ code: -1, signal: null });
    });
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    if (proc.stderr.length < OUTPUT_CAP) proc.stderr += d;
  });
  proc.started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} did not print its listening line in ${TIMEOUT} ms\n` +
        `stdout: ${proc.stdout}\nstderr: ${proc.stderr}`));
    }, TIMEOUT);
    child.stdout.on('data', (d) => {
      if (proc.stdout.length < OUTPUT_CAP) proc.stdout += d;
      const m = proc.stdout.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`${name} exited (code ${code}, signal ${signal}) before ` +
        `listening\nstdout: ${proc.stdout}\nstderr: ${proc.stderr}`), { proc }));
    });
  });
  proc.started.catch(() => {});
  return proc;
}

/* Sends SIGTERM (unless already sent) and waits for the exit; kills it after TIMEOUT. */
async function terminate(proc, { signal = 'SIGTERM' } = {}) {
  if (proc.exitCode === undefined && !proc.signalled) {
    proc.signalled = true;
    proc.child.kill(signal);
  }
  let timer;
  const result = await Promise.race([
    proc.exited,
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), TIMEOUT);
    }),
  ]);
  clearTimeout(timer);
  if (result === null) {
    proc.child.kill('SIGKILL');
    await proc.exited;
    throw new Error(`${proc.name} did not exit within ${TIMEOUT} ms of ${signal}; killed\n` +
      `stderr: ${proc.stderr.slice(-4000)}`);
  }
  return result;
}

/* Throws when `proc` exited although nobody asked it to, naming how and why. */
function assertAlive(proc) {
  if (SAN !== '' && !proc.signalled) {
    const mark = SANITIZER_MARKS.find((m) => proc.stderr.includes(m));
    if (mark)
      throw new Error(`${proc.name} reported "${mark}" during an earlier step; its stderr ends with:\n` +
        `${proc.stderr.slice(-6000)}`);
  }
  if (proc.exitCode === undefined || proc.signalled) return;
  throw new Error(`${proc.name} is not running: it exited by itself (code ${proc.exitCode}, signal ` +
    `${proc.signal}) during an earlier step; its stderr ends with:\n${proc.stderr.slice(-6000)}`);
}

/** Fails when a sanitizer build reported anything on `proc`'s stderr. */
export function assertNoSanitizerReport(proc) {
  if (SAN === '') return;
  for (const mark of SANITIZER_MARKS) {
    assert.ok(!proc.stderr.includes(mark),
      `${proc.name} stderr has a sanitizer report ("${mark}"):\n${proc.stderr.slice(-20000)}`);
  }
}

async function stopAndCheck(proc) {
  const { code, signal } = await terminate(proc);
  assertNoSanitizerReport(proc);
  assert.equal(signal, null, `${proc.name} died of ${signal}\nstderr: ${proc.stderr.slice(-4000)}`);
  assert.equal(code, 0, `${proc.name} exited ${code}\nstderr: ${proc.stderr.slice(-4000)}`);
}

// ---- Plain HTTP ----------------------------------------------------------------------------

/**
 * One HTTP/1.1 request on a fresh connection (no pooling), with node:http. Resolves with
 * { status, headers, text, json } even when the server answered before taking the whole body
 * (a write error after the response started is ignored).
 */
export function rawRequest(url, { method = 'GET', headers = {}, body, timeout = TIMEOUT } = {}) {
  return new Promise((resolve, reject) => {
    let responded = false;
    let settled = false;
    const done = (fn, v) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        fn(v);
      }
    };
    const req = http.request(url, { method, headers, agent: false });
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${url}: no answer in ${timeout} ms`));
    }, timeout);
    req.on('response', (res) => {
      responded = true;
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('error', (err) => done(reject, err));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        done(resolve, { status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', (err) => {
      if (!responded || !['EPIPE', 'ECONNRESET'].includes(err.code)) done(reject, err);
    });
    if (body !== undefined) {
      req.write(body, () => req.end());
    } else {
      req.end();
    }
  });
}

/** Parses a Prometheus text exposition into [{ name, labels, value }]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/);
    if (!m) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
    let lm;
    const body = m[3] || '';
    while ((lm = re.exec(body)) !== null)
      labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    let value = Number(m[4]);
    if (m[4] === '+Inf') value = Infinity;
    else if (m[4] === '-Inf') value = -Infinity;
    out.push({ name: m[1], labels, value });
  }
  return out;
}

// ---- The mock provider ---------------------------------------------------------------------

/** Starts `switchyard mock-provider --port 0`, plus `args` (e.g. ['--token-ttl', '1']); stops
 * it in t.after(). */
export async function startMock(t, { register = true, args = [] } = {}) {
  const proc = spawnProcess('mock-provider', ['mock-provider', '--port', '0', ...args],
    /mock-provider listening on http:\/\/([0-9.]+):(\d+)/);
  const m = await proc.started;
  const port = Number(m[2]);
  const url = `http://${HOST}:${port}`;
  let stopping;
  const mock = {
    proc,
    port,
    url,
    get stderr() {
      return proc.stderr;
    },
    async ledger() {
      const res = await rawRequest(`${url}/mock/ledger`);
      assert.equal(res.status, 200, `GET /mock/ledger: ${res.status} ${res.text}`);
      return res.json;
    },
    /** The ledger entries of the requests that carried `x-mock-tag: tag`. */
    async ledgerFor(tag) {
      const { requests } = await mock.ledger();
      return requests.filter((r) => r.headers && r.headers['x-mock-tag'] === tag);
    },
    async reset() {
      const res = await rawRequest(`${url}/mock/reset`, { method: 'POST' });
      assert.ok(res.status >= 200 && res.status < 300, `POST /mock/reset: ${res.status}`);
    },
    stop() {
      stopping ??= stopAndCheck(proc);
      return stopping;
    },
  };
  mock.assertAlive = () => assertAlive(proc);
  await eventually(async () => (await rawRequest(`${url}/health`, { timeout: 1000 })).status === 200,
    { what: 'mock-provider /health' });
  if (register) t.after(() => mock.stop());
  // Subtests of `t` fail fast, with the reason, once the mock died.
  t.beforeEach(() => mock.assertAlive());
  return mock;
}

// ---- The gateway ---------------------------------------------------------------------------

/**
 * Starts `switchyard serve -c FILE` on a free port.
 *   config  object (YAML is written for it), YAML string (placeholders ${LISTEN} ${MOCK_URL}
 *           ...), a file name in configs/, or a function of the mock; default baseConfig(mock)
 *   mock    a started mock; when absent one is started and stopped with the gateway;
 *           null for none
 * Stops it in t.after(), asserting exit code 0 and (under a sanitizer) a clean stderr.
 */
export async function startGateway(t, { config, mock, waitReady = true } = {}) {
  let ownMock = false;
  if (mock === undefined) {
    mock = await startMock(t, { register: false });
    ownMock = true;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sy-e2e-'));
  const configPath = path.join(dir, 'switchyard.yaml');
  const resolved = typeof config === 'function' ? config(mock) : config ?? baseConfig(mock);

  let proc;
  let port;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    fs.writeFileSync(configPath, renderConfig(resolved, `${HOST}:${port}`, mock));
    proc = spawnProcess('switchyard', ['serve', '-c', configPath],
      /switchyard \S+ listening on https?:\/\/([0-9.]+):(\d+)/);
    try {
      const m = await proc.started;
      assert.equal(Number(m[2]), port, `listening line names port ${m[2]}, expected ${port}`);
      break;
    } catch (err) {
      const inUse = /in use|EADDRINUSE|bind/i.test(proc.stderr);
      if (proc.exitCode === undefined) await terminate(proc, { signal: 'SIGKILL' }).catch(() => {});
      if (!inUse || attempt >= 5) {
        if (ownMock) await mock.stop().catch(() => {});
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const url = `http://${HOST}:${port}`;
  const keys = configKeys(resolved);
  let current = resolved;
  let stopping;
  const gw = {
    proc,
    port,
    url,
    mock,
    configPath,
    key: keys[0],
    get config() {
      return current;
    },
    get stderr() {
      return proc.stderr;
    },
    /** An openai SDK client for the gateway: no retries, so every error is the gateway's. */
    client(opts = {}) {
      return new OpenAI({ baseURL: `${url}/v1`, apiKey: gw.key, maxRetries: 0, timeout: TIMEOUT,
        ...opts });
    },
    /** fetch() against the gateway, with the client key unless `auth: false`. */
    fetch(p, { auth = true, json, headers = {}, ...init } = {}) {
      const h = { ...headers };
      if (auth) h.authorization ??= `Bearer ${gw.key}`;
      if (json !== undefined) {
        h['content-type'] ??= 'application/json';
        init.body = JSON.stringify(json);
        init.method ??= 'POST';
      }
      return fetch(`${url}${p}`, { ...init, headers: h, signal: init.signal ?? AbortSignal.timeout(TIMEOUT) });
    },
    async metricsText() {
      const res = await rawRequest(`${url}/metrics`);
      assert.equal(res.status, 200, `GET /metrics: ${res.status}`);
      return res.text;
    },
    /** The sum of every series named `name` whose labels include `labels`. */
    async metric(name, labels = {}) {
      const series = parseMetrics(await gw.metricsText());
      let sum = 0;
      for (const s of series) {
        if (s.name !== name) continue;
        if (Object.entries(labels).every(([k, v]) => s.labels[k] === String(v))) sum += s.value;
      }
      return sum;
    },
    ledger() {
      return mock.ledger();
    },
    /** Waits until no request or stream is in flight per /metrics (the scrape itself aside). */
    async waitIdle() {
      let last;
      await eventually(async () => {
        last = { requests: await gw.metric('sy_active_requests'), streams: await gw.metric('sy_active_streams') };
        return last.requests <= (gw.idleActiveRequests ?? 1) && last.streams === 0;
      }, { what: `sy_active_requests <= ${gw.idleActiveRequests ?? 1} and sy_active_streams == 0` });
      return last;
    },
    /**
     * Rewrites the config file, sends SIGHUP and waits until the change shows: `probe()`
     * returns true, or (for an object config, by default) /v1/models lists exactly its model
     * aliases; otherwise a short fixed wait.
     */
    async reload(newConfig, { probe } = {}) {
      const resolvedNew = typeof newConfig === 'function' ? newConfig(mock) : newConfig;
      const stderrBefore = proc.stderr.length;
      fs.writeFileSync(configPath, renderConfig(resolvedNew, `${HOST}:${port}`, mock));
      let before = null;
      if (probe === undefined && resolvedNew && typeof resolvedNew === 'object' &&
          Array.isArray(resolvedNew.models)) {
        const want = resolvedNew.models.map((m) => m.name).sort().join(',');
        before = (await gw.modelIds()).sort().join(',');
        if (want !== before) probe = async () => (await gw.modelIds()).sort().join(',') === want;
      }
      proc.child.kill('SIGHUP');
      if (probe) {
        await eventually(probe, { what: 'the reloaded config to apply' });
      } else {
        // Nothing observable: wait for a log line about the reload, or a short while.
        const deadline = Date.now() + scale(300);
        while (Date.now() < deadline && !/reload/i.test(proc.stderr.slice(stderrBefore)))
          await sleep(10);
        await sleep(scale(50));
      }
      if (resolvedNew && typeof resolvedNew === 'object') current = resolvedNew;
    },
    /** Sends `sig` to the gateway (a SIGTERM/SIGINT sent here is not sent again by stop()). */
    signal(sig) {
      if (sig === 'SIGTERM' || sig === 'SIGINT') proc.signalled = true;
      proc.child.kill(sig);
    },
    /** Resolves with { code, signal } when the gateway process has exited. */
    get exited() {
      return proc.exited;
    },
    async modelIds() {
      const res = await gw.fetch('/v1/models');
      const body = await res.json();
      return (body.data || []).map((m) => m.id);
    },
    /** SIGTERM, wait for the exit, assert code 0 and no sanitizer report. Idempotent. */
    stop() {
      stopping ??= (async () => {
        try {
          await stopAndCheck(proc);
        } finally {
          if (ownMock) await mock.stop();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
  gw.assertAlive = () => assertAlive(proc);
  t.after(() => gw.stop());
  // Subtests of `t` fail fast, with the reason, once the gateway died.
  t.beforeEach(() => gw.assertAlive());

  if (waitReady) {
    await eventually(async () => (await rawRequest(`${url}/health/ready`, { timeout: 1000 })).status === 200,
      { what: 'switchyard /health/ready' });
    // What sy_active_requests reads on an idle gateway: the scrape may count itself.
    gw.idleActiveRequests = await gw.metric('sy_active_requests');
  }
  return gw;
}

// ---- A capturing upstream ------------------------------------------------------------------

/**
 * A tiny OpenAI-shaped upstream (node:http) that records every request it gets: { method, url,
 * headers, body (parsed JSON or text) }. Chat answers "captured" (as SSE when asked to
 * stream); `respond(req, res, record)` may answer instead (return true when it did).
 */
export async function startCapture(t, { respond } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const record = { method: req.method, url: req.url, headers: req.headers, body };
      requests.push(record);
      if (respond && respond(req, res, record)) return;
      const model = body && typeof body === 'object' ? body.model : 'unknown';
      const created = Math.floor(Date.now() / 1000);
      if (body && body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const base = { id: 'chatcmpl-cap', object: 'chat.completion.chunk', created, model };
        const ev = (o) => res.write(`data: ${JSON.stringify({ ...base, ...o })}\n\n`);
        ev({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
        ev({ choices: [{ index: 0, delta: { content: 'captured' }, finish_reason: null }] });
        ev({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
        if (body.stream_options && body.stream_options.include_usage)
          ev({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
        res.end('data: [DONE]\n\n');
        return;
      }
      const answer = JSON.stringify({
        id: 'chatcmpl-cap',
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'captured' },
          finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, HOST, resolve);
  });
  const { port } = server.address();
  const capture = {
    port,
    url: `http://${HOST}:${port}`,
    requests,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  t.after(() => capture.stop());
  return capture;
}

// ---- SSE -----------------------------------------------------------------------------------

/** Splits an SSE body into the `data:` payloads of its events, in order. */
export function sseData(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length > 0) out.push(data.join('\n'));
  }
  return out;
}

/** The JSON events of an SSE body (the [DONE] marker and unparsable payloads left out). */
export function sseEvents(text) {
  const out = [];
  for (const d of sseData(text)) {
    if (d === '[DONE]') continue;
    try {
      out.push(JSON.parse(d));
    } catch {
      // not JSON: left out
    }
  }
  return out;
}

/** Asserts an OpenAI-shaped error body and returns its `error`. */
export function assertErrorShape(body, { code, type } = {}) {
  assert.ok(body && typeof body === 'object', `error body is not JSON: ${JSON.stringify(body)}`);
  const e = body.error;
  assert.ok(e && typeof e === 'object', `no "error" object in ${JSON.stringify(body)}`);
  assert.equal(typeof e.message, 'string', `error.message: ${JSON.stringify(body)}`);
  assert.ok(e.message.length > 0, 'error.message is empty');
  assert.equal(typeof e.type, 'string', `error.type: ${JSON.stringify(body)}`);
  assert.ok('param' in e, `error.param missing: ${JSON.stringify(body)}`);
  assert.ok('code' in e, `error.code missing: ${JSON.stringify(body)}`);
  if (code !== undefined) assert.equal(e.code, code, `error.code in ${JSON.stringify(body)}`);
  if (type !== undefined) assert.equal(e.type, type, `error.type in ${JSON.stringify(body)}`);
  return e;
}

/** A chat request body for the raw (non-SDK) tests. */
export function chatBody(model, text, extra = {}) {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}
