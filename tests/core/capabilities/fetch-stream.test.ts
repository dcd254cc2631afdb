import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createFetchCapability } from '../../../core/src/capabilities/fetch.ts';
import { policyFor, rejectsWith } from './helpers.ts';

/** ctx.fetch.stream: the body arrives as it is sent, under the same guards as ctx.fetch.request. */

interface Served {
  host: string;
  url: string;
  hits: number;
  closed: Promise<void>;
}

async function serve(t: { after(fn: () => Promise<void> | void): void }, handler: (res: ServerResponse, path: string) => void | Promise<void>): Promise<Served> {
  let markClosed: () => void = () => {};
  const served: Served = { host: '', url: '', hits: 0, closed: new Promise<void>((r) => (markClosed = r)) };
  const server = createServer((req, res) => {
    served.hits++;
    res.on('close', markClosed);
    void handler(res, req.url ?? '/');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  served.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  served.url = `http://${served.host}`;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return served;
}

function fetchFor(allow: string[], signal = new AbortController().signal) {
  const fetch = createFetchCapability(policyFor('/nonexistent', { net: { allow } }), signal);
  assert.ok(fetch.stream);
  return { request: fetch.request, stream: fetch.stream };
}

test('stream resolves at the headers and yields each chunk before the next is written', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const s = await serve(t, async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    await gate; // the second chunk waits for the client to have seen the first
    res.end('data: 2\n\n');
  });
  const res = await fetchFor([s.host]).stream(`${s.url}/sse`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream');
  const seen: string[] = [];
  for await (const chunk of res.body) {
    seen.push(Buffer.from(chunk).toString());
    release();
  }
  assert.deepEqual(seen, ['data: 1\n\n', 'data: 2\n\n']);
});

test('a host the policy does not allow: E_POLICY_HOST_DENIED and no request', async (t) => {
  const s = await serve(t, (res) => void res.end('x'));
  await rejectsWith(fetchFor(['example.com']).stream(s.url), 'E_POLICY_HOST_DENIED');
  assert.equal(s.hits, 0);
});

test('a redirect is re-checked per hop: to a host not allowed → E_POLICY_REDIRECT_DENIED', async (t) => {
  const s = await serve(t, (res) => {
    res.writeHead(302, { location: 'http://127.0.0.2:9/' });
    res.end();
  });
  await rejectsWith(fetchFor([s.host]).stream(s.url), 'E_POLICY_REDIRECT_DENIED');
});

test('the byte cap applies while reading: E_HTTP_RESPONSE_TOO_LARGE', async (t) => {
  const s = await serve(t, async (res) => {
    res.writeHead(200);
    for (let i = 0; i < 4; i++) {
      res.write('0123456789');
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  });
  const res = await fetchFor([s.host]).stream(s.url, { maxBytes: 15 });
  await rejectsWith((async () => {
    for await (const chunk of res.body) void chunk;
  })(), 'E_HTTP_RESPONSE_TOO_LARGE');
});

test('the step signal aborts a body being read: E_STEP_CANCELLED, connection closed', async (t) => {
  const s = await serve(t, (res) => {
    res.writeHead(200);
    res.write('first');
  });
  const controller = new AbortController();
  const res = await fetchFor([s.host], controller.signal).stream(s.url);
  const reading = (async () => {
    for await (const chunk of res.body) {
      void chunk;
      controller.abort(new Error('stop'));
    }
  })();
  await rejectsWith(reading, 'E_STEP_CANCELLED');
  await s.closed;
});

test('leaving the loop early (or cancel()) closes the connection', async (t) => {
  const s = await serve(t, (res) => {
    res.writeHead(200);
    res.write('a');
  });
  const res = await fetchFor([s.host]).stream(s.url);
  for await (const chunk of res.body) {
    void chunk;
    break;
  }
  await s.closed;
  const s2 = await serve(t, (res) => {
    res.writeHead(200);
    res.write('a');
  });
  (await fetchFor([s2.host]).stream(s2.url)).cancel();
  await s2.closed;
});

test('request still reads the whole body (unchanged API)', async (t) => {
  const s = await serve(t, (res) => void res.end('whole'));
  const res = await fetchFor([s.host]).request(s.url);
  assert.equal(res.body, 'whole');
});

test('a connection reset after the headers, before the body is read: the reader gets a coded error, nothing crashes', async (t) => {
  const s = await serve(t, (res) => {
    res.writeHead(200);
    res.write('part');
    setImmediate(() => res.socket?.destroy());
  });
  const res = await fetchFor([s.host]).stream(s.url);
  await s.closed;
  await new Promise((r) => setTimeout(r, 20)); // let the reset arrive before anyone reads
  let code = '';
  try {
    for await (const chunk of res.body) void chunk;
  } catch (err) {
    code = (err as { code?: string }).code ?? '';
  }
  // Either the bytes that arrived were read and the stream ended, or the reset is reported coded.
  assert.ok(code === '' || code === 'E_HTTP_REQUEST_FAILED', code);
});
