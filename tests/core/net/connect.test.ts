import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createNetCapability } from '../../../core/src/capabilities/net.ts';
import { checkClaimUrl } from '../../../core/src/net/url.ts';
import type { Resolver } from '../../../core/src/net/client.ts';
import { ctxFor, policyFor, rejectsWith } from '../capabilities/helpers.ts';
import type { Policy } from '../../../core/src/policy/types.ts';

/** A real TCP echo server on 127.0.0.1 counting the connections it accepted. */
async function echoServer(t: { after(fn: () => Promise<void> | void): void }): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function policy(allow: Policy['net']['allow']): Policy {
  return policyFor('/nonexistent', { net: { allow } });
}

test('an allowed loopback host:port connects to a real server and echoes', async (t) => {
  const server = await echoServer(t);
  const ctx = ctxFor(process.cwd(), policy([`127.0.0.1:${server.port}`]));
  const socket = await ctx.net.connect({ host: '127.0.0.1', port: server.port });
  t.after(() => socket.destroy());
  const echoed = new Promise<string>((r) => socket.once('data', (d: Buffer) => r(d.toString())));
  socket.write('ping');
  assert.equal(await echoed, 'ping');
  assert.equal(server.connections(), 1);
});

const refusals: Array<[string, (port: number) => { host: string; allow: Policy['net']['allow'] }]> = [
  ['a host outside the allowlist', () => ({ host: '127.0.0.1', allow: ['example.com'] })],
  ['the right host on another port', (p) => ({ host: '127.0.0.1', allow: [`127.0.0.1:${p + 1}`] })],
  ['loopback under `*` (a wildcard never opens reserved addresses)', () => ({ host: '127.0.0.1', allow: '*' })],
  ['127.1 (short IPv4 form of loopback)', () => ({ host: '127.1', allow: '*' })],
  ['0x7f000001 (hex IPv4 form of loopback)', () => ({ host: '0x7f000001', allow: '*' })],
  ['2130706433 (decimal IPv4 form of loopback)', () => ({ host: '2130706433', allow: ['example.com'] })],
  ['localhost not named exactly', () => ({ host: 'localhost', allow: '*' })],
];
for (const [name, make] of refusals) {
  test(`refused before connecting: ${name} -> E_POLICY_HOST_DENIED, 0 connections`, async (t) => {
    const server = await echoServer(t);
    const { host, allow } = make(server.port);
    const ctx = ctxFor(process.cwd(), policy(allow));
    await rejectsWith(ctx.net.connect({ host, port: server.port }), 'E_POLICY_HOST_DENIED');
    assert.equal(server.connections(), 0);
  });
}

test('127.1 and 0x7f000001 connect when 127.0.0.1:port is allowed (canonicalised, not string-matched)', async (t) => {
  const server = await echoServer(t);
  const ctx = ctxFor(process.cwd(), policy([`127.0.0.1:${server.port}`]));
  for (const host of ['127.1', '0x7f000001']) {
    const socket = await ctx.net.connect({ host, port: server.port });
    socket.destroy();
  }
  assert.equal(server.connections(), 2);
});

test('a public-looking name that resolves to loopback is refused unless the address is allowed; the DNS answer is pinned', async (t) => {
  const server = await echoServer(t);
  let lookups = 0;
  const rebinding: Resolver = async () => {
    lookups++;
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const denied: string[] = [];
  const strict = createNetCapability(policy(['rebind.example.com']), new AbortController().signal, { resolver: rebinding, onDenied: (e) => denied.push(e.code) });
  await rejectsWith(strict.connect({ host: 'rebind.example.com', port: server.port }), 'E_POLICY_HOST_DENIED');
  assert.deepEqual(denied, ['E_POLICY_HOST_DENIED']);
  assert.equal(server.connections(), 0);

  const seen: string[] = [];
  const allowed = createNetCapability(policy(['rebind.example.com', `127.0.0.1:${server.port}`]), new AbortController().signal, {
    resolver: rebinding,
    onConnect: (info) => seen.push(info.address),
  });
  lookups = 0;
  const socket = await allowed.connect({ host: 'rebind.example.com', port: server.port });
  assert.equal(socket.remoteAddress, '127.0.0.1');
  socket.destroy();
  assert.equal(lookups, 1, 'resolved once');
  assert.deepEqual(seen, ['127.0.0.1']);
});

test('localhost named exactly connects (system resolver)', async (t) => {
  const server = await echoServer(t);
  const ctx = ctxFor(process.cwd(), policy([`localhost:${server.port}`]));
  const socket = await ctx.net.connect({ host: 'localhost', port: server.port }).catch((err: { code?: string }) => {
    // ::1 first on some hosts: the server listens on 127.0.0.1 only.
    if (err.code === 'E_NET_CONNECT_FAILED') return null;
    throw err;
  });
  socket?.destroy();
});

test('aborting the step signal destroys an open socket', async (t) => {
  const server = await echoServer(t);
  const controller = new AbortController();
  const ctx = ctxFor(process.cwd(), policy([`127.0.0.1:${server.port}`]), { signal: controller.signal });
  const socket = await ctx.net.connect({ host: '127.0.0.1', port: server.port });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  controller.abort();
  await closed;
  assert.equal(socket.destroyed, true);
});

test('an already aborted signal is E_STEP_CANCELLED with no connection', async (t) => {
  const server = await echoServer(t);
  const controller = new AbortController();
  controller.abort();
  const ctx = ctxFor(process.cwd(), policy([`127.0.0.1:${server.port}`]), { signal: controller.signal });
  await rejectsWith(ctx.net.connect({ host: '127.0.0.1', port: server.port }), 'E_STEP_CANCELLED');
  assert.equal(server.connections(), 0);
});

test('a TLS handshake that never completes is E_NET_TIMEOUT and the socket is destroyed', async (t) => {
  // A plain TCP server that accepts and stays silent: the TLS ClientHello never gets an answer.
  const silent: net.Socket[] = [];
  let clientGone!: () => void;
  const gone = new Promise<void>((r) => (clientGone = r));
  const server = net.createServer((s) => {
    silent.push(s);
    s.on('error', () => {});
    s.on('close', clientGone);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const s of silent) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as AddressInfo).port;
  const ctx = ctxFor(process.cwd(), policy([`127.0.0.1:${port}`]));
  const started = Date.now();
  await rejectsWith(ctx.net.connect({ host: '127.0.0.1', port, tls: true, timeoutMs: 150 }), 'E_NET_TIMEOUT');
  assert.ok(Date.now() - started < 2000);
  await gone; // the server saw the client go away (the test would hang otherwise)
});

test('a closed port is E_NET_CONNECT_FAILED with the errno', async (t) => {
  const server = await echoServer(t);
  const ctx = ctxFor(process.cwd(), policy(['127.0.0.1']));
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const err = await rejectsWith(ctx.net.connect({ host: '127.0.0.1', port: closedPort }), 'E_NET_CONNECT_FAILED');
  assert.equal(err.details['errno'], 'ECONNREFUSED');
  assert.equal(server.connections(), 0);
});

for (const bad of [{ host: '', port: 80 }, { host: 'a/b', port: 80 }, { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 70000 }, { host: '127.0.0.1', port: 1.5 }]) {
  test(`bad target ${JSON.stringify(bad)} is E_PARAMS_INVALID`, async () => {
    const ctx = ctxFor(process.cwd(), policy('*'));
    await rejectsWith(ctx.net.connect(bad), 'E_PARAMS_INVALID');
  });
}

/** Static claim URLs: the scheme list, default ports, canonical hosts. */
const claims: Array<[string, Policy['net']['allow'], string, (readonly string[])?]> = [
  ['tcp://db.example.com:5432', ['db.example.com:5432'], 'ok'],
  ['tcp://db.example.com', '*', 'E_PARAMS_INVALID'],
  ['redis://127.0.0.1', ['127.0.0.1:6379'], 'ok'],
  ['redis://127.1:6379/2', ['127.0.0.1:6379'], 'ok'],
  ['redis://0x7f000001:6379', '*', 'E_POLICY_HOST_DENIED'],
  ['rediss://cache.example.com', ['cache.example.com:6380'], 'E_POLICY_HOST_DENIED'],
  ['rediss://cache.example.com:6380', ['cache.example.com:6380'], 'ok'],
  ['ws://127.0.0.1:9000/feed', ['127.0.0.1:9000'], 'ok'],
  ['wss://stream.example.com/x', ['stream.example.com:443'], 'ok'],
  ['ssh://git@host.example.com', ['host.example.com:22'], 'ok'],
  ['ssh://[::1]:2222', ['[::1]:2222'], 'ok'],
  ['ssh://[::1]:2222', '*', 'E_POLICY_HOST_DENIED'],
  ['ftp://files.example.com', ['files.example.com:21'], 'ok'],
  ['ftps://files.example.com', ['files.example.com:990'], 'ok'],
  ['https://example.com/', ['example.com'], 'ok'],
  ['http://localhost:8080/', '*', 'E_POLICY_HOST_DENIED'],
  ['file:///etc/passwd', '*', 'E_POLICY_SCHEME_DENIED'],
  ['gopher://example.com:70/', '*', 'E_POLICY_SCHEME_DENIED'],
  ['ftp://example.com/', '*', 'E_POLICY_SCHEME_DENIED', ['http:', 'https:']],
  ['ws://example.com/', '*', 'ok', ['ws:', 'wss:']],
  ['redis://', '*', 'E_PARAMS_INVALID'],
];
for (const [url, allow, expected, schemes] of claims) {
  test(`claim ${url} under ${JSON.stringify(allow)}${schemes ? ` schemes ${schemes.join(',')}` : ''} -> ${expected}`, () => {
    let got = 'ok';
    try {
      checkClaimUrl({ allow }, url, schemes);
    } catch (err) {
      got = (err as { code: string }).code;
    }
    assert.equal(got, expected);
  });
}

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}
test('tls: the certificate is verified against the requested name while the socket goes to the pinned address', { skip: hasOpenssl ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=svc.example.com', '-addext', 'subjectAltName=DNS:svc.example.com'], { stdio: 'ignore' });
  const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (s) => s.end('hello over tls'));
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  const cap = createNetCapability(policy(['svc.example.com', `127.0.0.1:${port}`]), new AbortController().signal, { resolver });
  const socket = await cap.connect({ host: 'svc.example.com', port, tls: { ca } });
  const text = await new Promise<string>((r) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('end', () => r(got));
  });
  assert.equal(text, 'hello over tls');
  socket.destroy();
  // The same certificate does not cover 127.0.0.1, and an unknown CA is refused.
  const byIp = createNetCapability(policy([`127.0.0.1:${port}`]), new AbortController().signal);
  await rejectsWith(byIp.connect({ host: '127.0.0.1', port, tls: { ca } }), 'E_NET_CONNECT_FAILED');
  await rejectsWith(cap.connect({ host: 'svc.example.com', port, tls: true }), 'E_NET_CONNECT_FAILED');
});
