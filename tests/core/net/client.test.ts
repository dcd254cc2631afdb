import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient, type ResolvedAddress } from '../../../core/src/net/index.ts';

/** A loopback server whose behaviour is chosen by path; counts connections and records headers. */
let server: http.Server;
let port = 0;
let connections = 0;
const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; method: string; body: string }> = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, method: req.method ?? '', body });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ hello: 'world' }));
      } else if (url.pathname === '/redirect') {
        res.statusCode = 302;
        res.setHeader('location', url.searchParams.get('to') ?? '/json');
        res.end();
      } else if (url.pathname === '/loop') {
        res.statusCode = 307;
        res.setHeader('location', '/loop');
        res.end();
      } else if (url.pathname === '/big') {
        res.end('x'.repeat(4096));
      } else if (url.pathname === '/stream') {
        const timer = setInterval(() => res.write('y'.repeat(1024)), 1);
        res.on('close', () => clearInterval(timer));
      } else if (url.pathname === '/hang') {
        // never answers
      } else {
        res.end(`${req.method} ${url.pathname}`);
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

test('GET and POST reach an explicitly allowed loopback server', async () => {
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${port}`] } });
  const res = await client.request(`http://127.0.0.1:${port}/json`);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { hello: 'world' });
  const post = await client.request(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'abc' });
  assert.equal(post.body, 'POST /echo');
  assert.equal(seen.at(-1)?.body, 'abc');
});

test('loopback is refused without an explicit entry, and no connection is made', async () => {
  const before = connections;
  const client = createHttpClient({ rules: { allow: '*' } });
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/json`)), 'E_POLICY_HOST_DENIED');
  assert.equal(await code(client.request(`http://localhost:${port}/json`)), 'E_POLICY_HOST_DENIED');
  assert.equal(connections, before);
});

test('a name resolving to loopback is refused in the lookup hook (stub resolver)', async () => {
  const before = connections;
  const client = createHttpClient({ rules: { allow: ['evil.test'] }, resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
  assert.equal(await code(client.request(`http://evil.test:${port}/json`)), 'E_POLICY_HOST_DENIED');
  assert.equal(connections, before);
});

test('DNS rebinding: resolved once, connection pinned to the checked address', async () => {
  const before = connections;
  let calls = 0;
  const answers: ResolvedAddress[][] = [[{ address: '127.0.0.1', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
  const connected: string[] = [];
  // Explicitly allow 127.0.0.1 for this port: the first answer is accepted and pinned.
  const client = createHttpClient({
    rules: { allow: ['svc.test', `127.0.0.1:${port}`] },
    resolver: async () => answers[calls++] ?? [],
    onConnect: (info) => connected.push(info.address),
  });
  const res = await client.request(`http://svc.test:${port}/json`);
  assert.equal(res.status, 200);
  assert.equal(calls, 1);
  assert.deepEqual(connected, ['127.0.0.1']);
  assert.equal(connections, before + 1);
  assert.equal(seen.at(-1)?.headers.host, `svc.test:${port}`);
});

test('redirect to the metadata address is refused at hop 1', async () => {
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${port}`] } });
  const to = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/redirect?to=${to}`)), 'E_POLICY_REDIRECT_DENIED');
  const file = encodeURIComponent('file:///etc/passwd');
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/redirect?to=${file}`)), 'E_POLICY_REDIRECT_DENIED');
});

test('same-host redirects are followed and keep credentials; host changes strip them', async () => {
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${port}`, `localhost:${port}`] }, resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
  const same = await client.request(`http://127.0.0.1:${port}/redirect?to=/json`, { headers: { Authorization: 'Bearer s3cret', Cookie: 'a=b' } });
  assert.equal(same.status, 200);
  assert.equal(same.url, `http://127.0.0.1:${port}/json`);
  assert.equal(seen.at(-1)?.headers.authorization, 'Bearer s3cret');
  const to = encodeURIComponent(`http://localhost:${port}/json`);
  const moved = await client.request(`http://127.0.0.1:${port}/redirect?to=${to}`, { headers: { Authorization: 'Bearer s3cret', Cookie: 'a=b', 'X-Custom': '1', Accept: 'text/plain' } });
  assert.equal(moved.status, 200);
  const last = seen.at(-1);
  assert.equal(last?.headers.authorization, undefined);
  assert.equal(last?.headers.cookie, undefined);
  // Any custom header may carry a credential (X-Api-Key): only content negotiation crosses hosts.
  assert.equal(last?.headers['x-custom'], undefined);
  assert.equal(last?.headers['accept'], 'text/plain');
});

test('a redirect loop stops after 5 hops', async () => {
  const before = seen.length;
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${port}`] } });
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/loop`)), 'E_HTTP_REQUEST_FAILED');
  assert.equal(seen.length - before, 6);
});

test('response size cap: declared length and endless stream', async () => {
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${port}`] }, maxBytes: 1000 });
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/big`)), 'E_HTTP_RESPONSE_TOO_LARGE');
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/stream`, { maxBytes: 64 * 1024 })), 'E_HTTP_RESPONSE_TOO_LARGE');
});

test('timeout and abort', async () => {
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${port}`] } });
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/hang`, { timeoutMs: 200 })), 'E_HTTP_TIMEOUT');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  assert.equal(await code(client.request(`http://127.0.0.1:${port}/hang`, { signal: controller.signal })), 'E_STEP_CANCELLED');
});

test('connection refused is E_HTTP_REQUEST_FAILED', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const p = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const client = createHttpClient({ rules: { allow: [`127.0.0.1:${p}`] } });
  assert.equal(await code(client.request(`http://127.0.0.1:${p}/`)), 'E_HTTP_REQUEST_FAILED');
});
