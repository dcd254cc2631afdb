import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import fc from 'fast-check';
import type { Policy, RustchainError } from '@rustchain/core';
import { startNetProxy, type NetProxy } from '../../../core/src/sandbox/net-proxy.ts';

/**
 * The sandbox's filtering proxy on its own (no bwrap): CONNECT and absolute-form requests
 * pass for allowed hosts, everything else is a 403 with the policy's code and no connection;
 * the SSRF rules are ctx.net's (a name resolving to loopback is refused).
 */

function policy(allow: Policy['net']['allow']): Policy {
  return { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [], write: [] }, net: { allow }, env: { allow: [] } };
}

interface Upstream {
  port: number;
  connections: () => number;
  seen: Array<{ url: string; host: string | undefined }>;
  close: () => Promise<void>;
}

async function upstream(): Promise<Upstream> {
  let connections = 0;
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host });
    res.end(`hello ${req.method} ${req.url}`);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Sends raw bytes on the proxy's socket; resolves with everything read until it closes or `until` matches. */
function raw(proxy: NetProxy, text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.socketPath);
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('utf8');
      if (until?.test(got)) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

test('absolute-form http through the proxy reaches an allowed host, in origin form with its own Host', async (t) => {
  const up = await upstream();
  const proxy = await startNetProxy(policy([`127.0.0.1:${up.port}`]));
  t.after(async () => {
    await proxy.close();
    await up.close();
  });
  const reply = await raw(proxy, `GET http://127.0.0.1:${up.port}/a?b=1 HTTP/1.1\r\nHost: evil.example\r\nProxy-Authorization: x\r\nConnection: close\r\n\r\n`);
  assert.match(reply, /^HTTP\/1\.1 200/);
  assert.match(reply, /hello GET \/a\?b=1/);
  assert.deepEqual(up.seen, [{ url: '/a?b=1', host: `127.0.0.1:${up.port}` }]);
});

test('CONNECT to an allowed host opens a tunnel', async (t) => {
  const up = await upstream();
  const proxy = await startNetProxy(policy([`127.0.0.1:${up.port}`]));
  t.after(async () => {
    await proxy.close();
    await up.close();
  });
  const reply = await raw(proxy, `CONNECT 127.0.0.1:${up.port} HTTP/1.1\r\nHost: 127.0.0.1:${up.port}\r\n\r\nGET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, /hello GET \/t/);
  assert.match(reply, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200/);
  assert.equal(up.connections(), 1);
});

test('a host outside the allowlist is a 403 with the policy code, reported, and nothing connects', async (t) => {
  const up = await upstream();
  const denied: RustchainError[] = [];
  const proxy = await startNetProxy(policy(['allowed.example']), { onDenied: (e) => denied.push(e) });
  t.after(async () => {
    await proxy.close();
    await up.close();
  });
  const viaConnect = await raw(proxy, `CONNECT 127.0.0.1:${up.port} HTTP/1.1\r\n\r\n`);
  assert.match(viaConnect, /^HTTP\/1\.1 403/);
  assert.match(viaConnect, /x-rustchain-error: E_POLICY_HOST_DENIED/);
  const viaGet = await raw(proxy, `GET http://127.0.0.1:${up.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.match(viaGet, /^HTTP\/1\.1 403/);
  // Loopback spelled another way is the same address.
  const spelled = await raw(proxy, `CONNECT 127.1:${up.port} HTTP/1.1\r\n\r\n`);
  assert.match(spelled, /^HTTP\/1\.1 403/);
  assert.equal(up.connections(), 0);
  assert.deepEqual(denied.map((e) => e.code), ['E_POLICY_HOST_DENIED', 'E_POLICY_HOST_DENIED', 'E_POLICY_HOST_DENIED']);
});

test('an allowed name that resolves to loopback is refused (the SSRF rules of ctx.net), resolved once', async (t) => {
  const up = await upstream();
  let lookups = 0;
  const proxy = await startNetProxy(policy(['rebind.example']), {
    resolver: async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    },
  });
  t.after(async () => {
    await proxy.close();
    await up.close();
  });
  const reply = await raw(proxy, `CONNECT rebind.example:${up.port} HTTP/1.1\r\n\r\n`);
  assert.match(reply, /^HTTP\/1\.1 403/);
  assert.equal(lookups, 1);
  assert.equal(up.connections(), 0);
});

test('an allowed loopback host:port opens neither its other ports nor the name localhost', async (t) => {
  const up = await upstream();
  const other = await upstream();
  const proxy = await startNetProxy(policy([`127.0.0.1:${up.port}`]));
  t.after(async () => {
    await proxy.close();
    await up.close();
    await other.close();
  });
  assert.match(await raw(proxy, `CONNECT 127.0.0.1:${other.port} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 403/);
  assert.match(await raw(proxy, `CONNECT localhost:${up.port} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 403/);
  assert.equal(other.connections(), 0);
  assert.equal(up.connections(), 0);
});

test('malformed requests are 400: a CONNECT without a port, an origin-form request, an https absolute URL', async (t) => {
  const proxy = await startNetProxy(policy('*'));
  t.after(() => proxy.close());
  assert.match(await raw(proxy, 'CONNECT example.com HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400/);
  assert.match(await raw(proxy, 'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400/);
  assert.match(await raw(proxy, 'GET https://example.com/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400/);
});

test('close() cuts open tunnels and removes the socket and its private dir', async () => {
  const up = await upstream();
  const proxy = await startNetProxy(policy([`127.0.0.1:${up.port}`]));
  try {
    const socket = net.connect(proxy.socketPath);
    const established = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`CONNECT 127.0.0.1:${up.port} HTTP/1.1\r\n\r\n`);
    await established;
    await proxy.close();
    await closed;
    assert.equal(existsSync(proxy.socketPath), false);
    assert.equal(existsSync(dirname(proxy.socketPath)), false);
    await proxy.close(); // idempotent
  } finally {
    await up.close();
  }
});

/** Spellings of 127.0.0.1 a client might send (the WHATWG parser canonicalises all of them). */
const LOOPBACK_SPELLINGS = ['127.0.0.1', '127.1', '2130706433', '0x7f000001', '0177.0.0.1', '0x7f.0.0.1', '127.000.000.001', 'localhost', 'LOCALHOST', 'localhost.', '[::1]', '[::ffff:127.0.0.1]', '[0:0:0:0:0:ffff:7f00:1]'];

test('property: no spelling of loopback, through CONNECT or absolute-form, gets past an allowlist that does not name it', async (t) => {
  const up = await upstream();
  const proxy = await startNetProxy(policy(['allowed.example', `127.0.0.2:${up.port}`]));
  t.after(async () => {
    await proxy.close();
    await up.close();
  });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...LOOPBACK_SPELLINGS), fc.boolean(), async (host, viaConnect) => {
      const request = viaConnect ? `CONNECT ${host}:${up.port} HTTP/1.1\r\n\r\n` : `GET http://${host}:${up.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      const reply = await raw(proxy, request);
      // 403 for a refusal; 400 when the client's spelling is not a host at all. Never through.
      return /^HTTP\/1\.1 (403|400)/.test(reply) && up.connections() === 0;
    }),
    { numRuns: 40 },
  );
});
