import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type ResolvedAddress } from '@rustchain/core';
import { assertLedgerRecords, assertRefused, inProject, loopbackListener, SENTINEL_STEP, type CaseRun, type Listener } from './harness.ts';

/** Catalogue D (23-28): SSRF, DNS rebinding, redirects, schemes, unbounded responses. */

let target: Listener;
before(async () => {
  target = await loopbackListener((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      res.statusCode = 302;
      res.setHeader('location', url.searchParams.get('to') ?? '/');
      res.end();
    } else if (url.pathname === '/endless') {
      const timer = setInterval(() => res.write('z'.repeat(16 * 1024)), 1);
      res.on('close', () => clearInterval(timer));
    } else if (url.pathname === '/hang') {
      // accepts and never answers
    } else {
      res.end('ok');
    }
  });
});
after(() => target.close());

const httpSteps = (urls: readonly string[]): string =>
  urls.map((u, i) => `  - id: get${i}\n    step_type: http\n    parameters: { url: ${JSON.stringify(u)} }\n`).join('');

function pointers(c: CaseRun, code: string): string[] {
  return (c.doc['diagnostics'] as Array<{ code: string; pointer: string }>).filter((d) => d.code === code).map((d) => d.pointer);
}

interface RunDoc {
  steps: Array<{ id: string; status: string; error: { code: string; details?: Record<string, unknown> } | null }>;
}
const errorOf = (c: CaseRun, id: string): string | undefined => (c.doc as unknown as RunDoc).steps.find((s) => s.id === id)?.error?.code;

const METADATA = ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/'] as const;
test(`#23 cloud metadata (${METADATA.join(', ')}) is refused even with --allow-net`, async () => {
  await inProject({ 'm.yaml': `steps:\n${httpSteps(METADATA)}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml', '--allow-net'], async (c) => {
    await assertRefused(c, 'E_POLICY_HOST_DENIED', { line: 4 });
    assert.deepEqual(pointers(c, 'E_POLICY_HOST_DENIED'), METADATA.map((_, i) => `/steps/${i}/parameters/url`));
  });
});

test('#24 loopback in alternate encodings is refused after canonicalisation; no connection', async () => {
  const p = target.port;
  const urls = [
    `http://127.1:${p}/`, `http://2130706433:${p}/`, `http://0x7f000001:${p}/`, `http://0177.0.0.1:${p}/`,
    `http://[::1]:${p}/`, `http://[::ffff:127.0.0.1]:${p}/`, `http://0.0.0.0:${p}/`, `http://user@allowed.com@127.0.0.1:${p}/`,
  ];
  const before = target.connections();
  await inProject({ 'm.yaml': `steps:\n${httpSteps(urls)}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml', '--allow-net', '--allow-net=allowed.com'], async (c) => {
    await assertRefused(c, 'E_POLICY_HOST_DENIED');
    assert.deepEqual(pointers(c, 'E_POLICY_HOST_DENIED'), urls.map((_, i) => `/steps/${i}/parameters/url`));
  });
  assert.equal(target.connections(), before);
});

test('#24 a templated loopback URL is refused by the runtime guard (exit 1, ledger), no connection', async () => {
  const before = target.connections();
  const mission = `vars:\n  url: "http://127.1:${target.port}/"\nsteps:\n  - id: get\n    step_type: http\n    parameters: { url: "\${{ vars.url }}" }\n  - id: sentinel\n    step_type: create_file\n    depends_on: [get]\n    parameters: { path: sentinel.txt, content: ran }\n`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', '--allow-net'], async (c) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    assert.equal(errorOf(c, 'get'), 'E_POLICY_HOST_DENIED');
    assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
    await assertLedgerRecords(c, 'E_POLICY_HOST_DENIED');
    assert.ok(c.ledger.some((e) => e.type === 'policy.decision' && e.payload['code'] === 'E_POLICY_HOST_DENIED' && e.payload['stepId'] === 'get'));
  });
  assert.equal(target.connections(), before);
});

test('#25 DNS rebinding: the name is resolved once and the connection pinned to the checked address', async () => {
  const before = target.connections();
  let calls = 0;
  const answers: ResolvedAddress[][] = [[{ address: '8.8.8.8', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
  const connected: string[] = [];
  const client = createHttpClient({
    rules: { allow: [`rebind.test:${target.port}`] },
    resolver: async () => answers[calls++] ?? [],
    onConnect: (info) => connected.push(info.address),
  });
  // The public address is unreachable here: timeout or network error, never the loopback listener.
  const code = await client.request(`http://rebind.test:${target.port}/`, { timeoutMs: 300 }).then(() => 'ok', (e: { code: string }) => e.code);
  assert.ok(['E_HTTP_TIMEOUT', 'E_HTTP_REQUEST_FAILED'].includes(code), code);
  assert.equal(calls, 1);
  assert.deepEqual(connected, ['8.8.8.8']);
  assert.equal(target.connections(), before);
});

test('#25 DNS answer holding any private address is E_POLICY_HOST_DENIED', async () => {
  const before = target.connections();
  const client = createHttpClient({
    rules: { allow: [`rebind.test:${target.port}`] },
    resolver: async () => [{ address: '8.8.8.8', family: 4 }, { address: '127.0.0.1', family: 4 }],
  });
  await assert.rejects(client.request(`http://rebind.test:${target.port}/`), { code: 'E_POLICY_HOST_DENIED' });
  const mapped = createHttpClient({ rules: { allow: ['rebind.test'] }, resolver: async () => [{ address: '::ffff:169.254.169.254', family: 6 }] });
  await assert.rejects(mapped.request(`http://rebind.test:${target.port}/`), { code: 'E_POLICY_HOST_DENIED' });
  assert.equal(target.connections(), before);
});

test('#26 redirect to the metadata address: E_POLICY_REDIRECT_DENIED at hop 1 (exit 1, ledger)', async () => {
  const to = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
  const mission = `steps:\n  - id: get\n    step_type: http\n    parameters: { url: "http://127.0.0.1:${target.port}/redirect?to=${to}", headers: { Authorization: "Bearer s3cret" } }\n  - id: sentinel\n    step_type: create_file\n    depends_on: [get]\n    parameters: { path: sentinel.txt, content: ran }\n`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', `--allow-net=127.0.0.1:${target.port}`], async (c) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    assert.equal(errorOf(c, 'get'), 'E_POLICY_REDIRECT_DENIED');
    const details = (c.doc as unknown as RunDoc).steps.find((s) => s.id === 'get')?.error?.details;
    assert.equal(details?.['hop'], 1);
    assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
    await assertLedgerRecords(c, 'E_POLICY_REDIRECT_DENIED');
  });
});

test('#26 Authorization and Cookie never reach a different host after a redirect', async () => {
  const other = await loopbackListener();
  try {
    const allow = [`127.0.0.1:${target.port}`, `localhost:${other.port}`];
    const client = createHttpClient({ rules: { allow }, resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    const to = encodeURIComponent(`http://localhost:${other.port}/landing`);
    const res = await client.request(`http://127.0.0.1:${target.port}/redirect?to=${to}`, { headers: { Authorization: 'Bearer s3cret', Cookie: 'session=1' } });
    assert.equal(res.status, 200);
    assert.equal(other.requests.length, 1);
    assert.equal(other.requests[0]?.headers.authorization, undefined);
    assert.equal(other.requests[0]?.headers.cookie, undefined);
    // A redirect to a host outside the allowlist is refused with no connection to it.
    const notAllowed = createHttpClient({ rules: { allow: [`127.0.0.1:${target.port}`] } });
    const before = other.connections();
    await assert.rejects(notAllowed.request(`http://127.0.0.1:${target.port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${other.port}/`)}`), { code: 'E_POLICY_REDIRECT_DENIED' });
    assert.equal(other.connections(), before);
  } finally {
    await other.close();
  }
});

const SCHEMES = ['file:///etc/passwd', 'gopher://example.com:70/_x', 'ftp://example.com/x', 'data:text/plain,hi', 'javascript:alert(1)'] as const;
test(`#27 scheme smuggling (${SCHEMES.join(', ')}) is E_POLICY_SCHEME_DENIED`, async () => {
  await inProject({ 'm.yaml': `steps:\n${httpSteps(SCHEMES)}${SENTINEL_STEP}` }, ['mission', 'execute', 'm.yaml', '--allow-net'], async (c) => {
    await assertRefused(c, 'E_POLICY_SCHEME_DENIED', { line: 4 });
    assert.deepEqual(pointers(c, 'E_POLICY_SCHEME_DENIED'), SCHEMES.map((_, i) => `/steps/${i}/parameters/url`));
  });
});

test('#28 an endless body hits the size cap, a silent server the timeout; memory stays bounded', async () => {
  const mission = `config:\n  fail_fast: false\nsteps:\n  - id: endless\n    step_type: http\n    parameters: { url: "http://127.0.0.1:${target.port}/endless", max_bytes: 1048576 }\n  - id: hang\n    step_type: http\n    parameters: { url: "http://127.0.0.1:${target.port}/hang", timeout_seconds: 0.5 }\n  - id: sentinel\n    step_type: create_file\n    depends_on: [endless, hang]\n    parameters: { path: sentinel.txt, content: ran }\n`;
  await inProject({ 'm.yaml': mission }, ['mission', 'execute', 'm.yaml', `--allow-net=127.0.0.1:${target.port}`], async (c) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    assert.equal(errorOf(c, 'endless'), 'E_HTTP_RESPONSE_TOO_LARGE');
    assert.equal(errorOf(c, 'hang'), 'E_HTTP_TIMEOUT');
    assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
    await assertLedgerRecords(c, 'E_HTTP_RESPONSE_TOO_LARGE');
    await assertLedgerRecords(c, 'E_HTTP_TIMEOUT');
  });
});
