import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { createHttpClient, type StepContext } from '@rustchain/core';
import plugin from '@rustchain/plugin-http';

let server: http.Server;
let port = 0;
let connections = 0;
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/json') {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ ok: true, n: 3 }));
      } else if (req.url === '/missing') {
        res.statusCode = 404;
        res.end('nope');
      } else if (req.url === '/echo') {
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method}:${body}`);
      } else {
        res.end('');
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A StepContext whose only working capability is fetch (the http plugin needs nothing else). */
function context(allow: string[]): StepContext {
  const client = createHttpClient({ rules: { allow } });
  const none = () => {
    throw new Error('capability not available in this test');
  };
  return {
    runId: 'r1',
    stepId: 's1',
    attempt: 1,
    signal: new AbortController().signal,
    workDir: process.cwd(),
    fs: new Proxy({}, { get: () => none }) as StepContext['fs'],
    exec: { run: none, start: none, kill: none, open: none },
    fetch: { request: (url, init) => client.request(url, init) },
    net: { connect: none },
    env: { get: () => undefined },
    steps: { list: none, run: none, runMission: none },
    data: { path: none },
    log: { info: () => {}, warn: () => {} },
    settings: () => undefined,
  };
}

async function run(params: Record<string, unknown>, allow: string[]) {
  assert.ok(Value.Check(plugin.params, params), `params valid: ${JSON.stringify(params)}`);
  return plugin.run(params as never, context(allow));
}

async function failure(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; details: Record<string, unknown> };
  }
  assert.fail('expected the step to fail');
}

test('GET a JSON endpoint: status, parsed json, final url', async () => {
  const out = await run({ url: `http://127.0.0.1:${port}/json` }, [`127.0.0.1:${port}`]);
  assert.equal(out.status, 200);
  assert.deepEqual(out.json, { ok: true, n: 3 });
  assert.equal(out.url, `http://127.0.0.1:${port}/json`);
  assert.ok(Value.Check(plugin.outputs, out));
});

test('POST a JSON value sets content-type; a string body is sent as is', async () => {
  const out = await run({ url: `http://127.0.0.1:${port}/echo`, method: 'POST', body: { a: [1, 2] } }, [`127.0.0.1:${port}`]);
  assert.equal(out.body, 'POST:{"a":[1,2]}');
  assert.equal(out.json, null);
  assert.equal(seen.at(-1)?.headers['content-type'], 'application/json');
  const raw = await run({ url: `http://127.0.0.1:${port}/echo`, method: 'PUT', body: 'plain', headers: { 'X-Token': 't' } }, [`127.0.0.1:${port}`]);
  assert.equal(raw.body, 'PUT:plain');
  assert.equal(seen.at(-1)?.headers['x-token'], 't');
  assert.equal(seen.at(-1)?.headers['content-type'], undefined);
});

for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const) {
  test(`method ${method} reaches the server`, async () => {
    const out = await run({ url: `http://127.0.0.1:${port}/echo`, method }, [`127.0.0.1:${port}`]);
    assert.equal(out.status, 200);
    assert.equal(seen.at(-1)?.method, method);
  });
}

test('status >= 400 fails with E_HTTP_STATUS carrying the outputs, unless fail_on_status is false', async () => {
  const err = await failure(run({ url: `http://127.0.0.1:${port}/missing` }, [`127.0.0.1:${port}`]));
  assert.equal(err.code, 'E_HTTP_STATUS');
  assert.equal((err.details['outputs'] as { status: number }).status, 404);
  const out = await run({ url: `http://127.0.0.1:${port}/missing`, fail_on_status: false }, [`127.0.0.1:${port}`]);
  assert.equal(out.status, 404);
  assert.equal(out.body, 'nope');
});

test('a host outside the allowlist is refused before any connection', async () => {
  const before = connections;
  const err = await failure(run({ url: `http://127.0.0.1:${port}/json` }, ['example.com']));
  assert.equal(err.code, 'E_POLICY_HOST_DENIED');
  assert.equal(connections, before);
});

test('claims() reports the URL for the static policy check', () => {
  assert.deepEqual(plugin.claims?.({ url: 'https://example.com/x' }), [{ kind: 'net', url: 'https://example.com/x', pointer: '/url', schemes: ['http:', 'https:'] }]);
});

test('invalid params are rejected by the schema', () => {
  assert.equal(Value.Check(plugin.params, { url: 'http://x', method: 'TRACE' }), false);
  assert.equal(Value.Check(plugin.params, { method: 'GET' }), false);
  assert.equal(Value.Check(plugin.params, { url: 'http://x', headers: { a: 1 } }), false);
});
