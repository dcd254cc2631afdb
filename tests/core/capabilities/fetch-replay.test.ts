import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { createStepContext } from '../../../core/src/capabilities/context.ts';
import type { RunEvent } from '../../../core/src/engine/types.ts';
import { canonicalRequest, requestDigest } from '../../../core/src/replay/canonical.ts';
import { createCallJournal, type CallJournal } from '../../../core/src/replay/journal.ts';
import { createSecretRedactor } from '../../../core/src/secrets/redactor.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import { policyFor, rejectsWith, tempDir } from './helpers.ts';

const KEY = 'sk-test-0123456789abcdef';

/** A server that echoes the credential it got in a header and in its body, and counts requests. */
async function echoServer(t: { after(fn: () => Promise<void>): void }): Promise<{ url: string; port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    hits++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo-key', auth);
      res.setHeader('set-cookie', `session=${KEY}`);
      res.end(JSON.stringify({ got: JSON.parse(body || 'null') as unknown, auth, n: hits, query: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return { url: `http://127.0.0.1:${port}`, port, hits: () => hits, close };
}

function ctxWith(dir: string, policy: Policy, calls: CallJournal, stepId = 'ask') {
  return createStepContext({ runId: 'run-1', stepId, attempt: 1, signal: new AbortController().signal, workDir: dir, policy, env: {}, calls });
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out.sort();
}

const request = (url: string) => ({
  method: 'POST',
  headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'user-agent': `sdk/${Math.random()}`, 'x-stainless-retry-count': '0' },
  body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
});
/** The same request with the credential also in the body (a provider that wants it there). */
const withKeyInBody = (key: string) => JSON.stringify({ model: 'm', user: key, messages: [{ role: 'user', content: 'hi' }] });

test('record stores each call without a secret; replay serves it with the server gone and equal digests', async (t) => {
  const dir = await tempDir(t);
  const rec = join(dir, 'rec');
  const server = await echoServer(t);
  const policy = policyFor(dir, { net: { allow: [`127.0.0.1:${server.port}`] } });
  const recorded: RunEvent[] = [];
  let barriers = 0;
  const journal = createCallJournal({ mode: 'record', dir: rec, redactor: createSecretRedactor(), onEvent: (e) => recorded.push(e), barrier: async () => void barriers++ });
  const live = await ctxWith(dir, policy, journal).fetch.request(`${server.url}/v1/chat?api_key=${KEY}&q=1`, { ...request(server.url), body: withKeyInBody(KEY) });
  assert.equal(live.status, 200);
  assert.ok(live.body.includes(KEY), 'the step itself sees the real response');
  assert.equal(server.hits(), 1);
  assert.equal(barriers, 1);
  assert.deepEqual(recorded.map((e) => e.type), ['net.request', 'net.response']);

  const files = await allFiles(rec);
  assert.equal(files.length, 1);
  assert.match(files[0]!, new RegExp(`127\\.0\\.0\\.1_${server.port}/[0-9a-f]{64}\\.json$`));
  const text = await readFile(files[0]!, 'utf8');
  assert.ok(!text.includes(KEY), 'no secret in the recording');
  assert.ok(!text.toLowerCase().includes('set-cookie'));
  const file = JSON.parse(text) as { request: { headers: Record<string, string>; url: string }; key: string };
  assert.deepEqual(Object.keys(file.request.headers), ['content-type'], 'only headers that matter are kept');
  assert.match(file.request.url, /api_key=\*\*\*/);

  await server.close();
  const replayed: RunEvent[] = [];
  const replay = createCallJournal({ mode: 'replay', dir: rec, onEvent: (e) => replayed.push(e) });
  const served = await ctxWith(dir, policy, replay).fetch.request(`${server.url}/v1/chat?api_key=other-key-9999&q=1`, {
    ...request(server.url), headers: { authorization: 'Bearer a-different-key-123', 'content-type': 'application/json' }, body: withKeyInBody('a-different-key-123'),
  });
  assert.equal(served.status, 200);
  assert.equal(served.headers['content-type'], 'application/json');
  const digests = (events: RunEvent[]) => events.map((e) => (e.type === 'net.request' ? e.requestDigest : e.type === 'net.response' ? e.responseDigest : null));
  assert.deepEqual(digests(replayed), digests(recorded));
  assert.equal((replayed[1] as { replayed: boolean }).replayed, true);
});

test('replay: a request never recorded is E_REPLAY_MISSING naming it; a host the policy refuses is refused first', async (t) => {
  const dir = await tempDir(t);
  const policy = policyFor(dir, { net: { allow: ['127.0.0.1:9'] } });
  const events: RunEvent[] = [];
  const replay = createCallJournal({ mode: 'replay', dir: join(dir, 'empty'), onEvent: (e) => events.push(e) });
  const err = await rejectsWith(ctxWith(dir, policy, replay).fetch.request('http://127.0.0.1:9/x'), 'E_REPLAY_MISSING');
  assert.equal(err.details['url'], 'http://127.0.0.1:9/x');
  assert.equal(err.details['method'], 'GET');
  const response = events.find((e) => e.type === 'net.response');
  assert.equal(response?.type === 'net.response' ? response.error : null, 'E_REPLAY_MISSING');
  await rejectsWith(ctxWith(dir, policy, replay).fetch.request('http://example.com/x'), 'E_POLICY_HOST_DENIED');
  assert.equal(events.length, 2, 'a refused call is never reported as made');
});

test('identical requests are recorded in order and replayed in order (the last answer repeats)', async (t) => {
  const dir = await tempDir(t);
  const rec = join(dir, 'rec');
  const server = await echoServer(t);
  const policy = policyFor(dir, { net: { allow: [`127.0.0.1:${server.port}`] } });
  const journal = createCallJournal({ mode: 'record', dir: rec });
  const ctx = ctxWith(dir, policy, journal);
  for (let i = 0; i < 2; i++) await ctx.fetch.request(`${server.url}/poll`);
  assert.equal((await allFiles(rec)).length, 2);
  await server.close();
  const replay = ctxWith(dir, policy, createCallJournal({ mode: 'replay', dir: rec }));
  const ns = [];
  for (let i = 0; i < 3; i++) ns.push((JSON.parse((await replay.fetch.request(`${server.url}/poll`)).body) as { n: number }).n);
  assert.deepEqual(ns, [1, 2, 2]);
});

test('a corrupt recording is E_REPLAY_CORRUPT; an unwritable record dir fails the call with E_RECORD_WRITE_FAILED', async (t) => {
  const dir = await tempDir(t);
  const rec = join(dir, 'rec');
  const server = await echoServer(t);
  const policy = policyFor(dir, { net: { allow: [`127.0.0.1:${server.port}`] } });
  await ctxWith(dir, policy, createCallJournal({ mode: 'record', dir: rec })).fetch.request(`${server.url}/a`);
  const [file] = await allFiles(rec);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file!, '{"recording":1,"key":"sha256:nope"}');
  await rejectsWith(ctxWith(dir, policy, createCallJournal({ mode: 'replay', dir: rec })).fetch.request(`${server.url}/a`), 'E_REPLAY_CORRUPT');
  await writeFile(join(dir, 'blocker'), 'a file, not a directory');
  await rejectsWith(ctxWith(dir, policy, createCallJournal({ mode: 'record', dir: join(dir, 'blocker') })).fetch.request(`${server.url}/a`), 'E_RECORD_WRITE_FAILED');
  assert.throws(() => createCallJournal({ mode: 'replay' }), { code: 'E_USAGE' });
});

test('property: the request key ignores JSON key order, credentials and volatile headers, and never contains a secret', () => {
  const redact = createSecretRedactor();
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.integer(), fc.string())),
      fc.string({ minLength: 8, maxLength: 20 }).filter((s) => /^[A-Za-z0-9]+$/.test(s)),
      fc.string({ maxLength: 10 }),
      (body, secret, agent) => {
        const reversed = Object.fromEntries(Object.entries(body).reverse());
        const a = canonicalRequest('https://api.example.com/v1?x=1', { method: 'post', headers: { authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }, redact.text);
        const b = canonicalRequest('https://api.example.com/v1?x=1', { method: 'POST', headers: { 'x-api-key': secret, 'content-type': 'application/json', 'user-agent': agent }, body: JSON.stringify(reversed) }, redact.text);
        assert.equal(requestDigest(a), requestDigest(b));
        assert.ok(!JSON.stringify(a.headers).includes(secret));
      },
    ),
  );
});

test('stream: a live stream is passed through and recorded once read to its end; replay streams the recording with equal digests', async (t) => {
  const dir = await tempDir(t);
  const rec = join(dir, 'rec');
  const sse = createServer((_req, res) => {
    res.setHeader('content-type', 'text/event-stream');
    res.write('data: {"delta":"Hel"}\n\n');
    setImmediate(() => res.end(`data: {"delta":"lo","echo":"${KEY}"}\n\ndata: [DONE]\n\n`));
  });
  await new Promise<void>((resolve) => sse.listen(0, '127.0.0.1', resolve));
  const port = (sse.address() as AddressInfo).port;
  t.after(() => new Promise<void>((resolve) => { sse.closeAllConnections(); sse.close(() => resolve()); }));
  const policy = policyFor(dir, { net: { allow: [`127.0.0.1:${port}`] } });
  const read = async (stream: { body: AsyncIterable<Uint8Array> }): Promise<string> => {
    let text = '';
    for await (const chunk of stream.body) text += Buffer.from(chunk).toString('utf8');
    return text;
  };
  const events: RunEvent[] = [];
  const init = { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: '{"stream":true}' };
  const live = await read(await ctxWith(dir, policy, createCallJournal({ mode: 'record', dir: rec, onEvent: (e) => events.push(e) })).fetch.stream!(`http://127.0.0.1:${port}/v1/messages`, init));
  assert.ok(live.includes(KEY) && live.endsWith('[DONE]\n\n'));
  const [file] = await allFiles(rec);
  assert.ok(!(await readFile(file!, 'utf8')).includes(KEY));
  // A stream abandoned half way is reported incomplete and not recorded again.
  const partial = await ctxWith(dir, policy, createCallJournal({ mode: 'live', onEvent: (e) => events.push(e) })).fetch.stream!(`http://127.0.0.1:${port}/v1/messages`, init);
  for await (const _ of partial.body) break;
  const last = events.at(-1);
  assert.equal(last?.type === 'net.response' ? last.error : null, 'E_STREAM_INCOMPLETE');

  const replayed: RunEvent[] = [];
  const served = await read(await ctxWith(dir, policy, createCallJournal({ mode: 'replay', dir: rec, onEvent: (e) => replayed.push(e) })).fetch.stream!(`http://127.0.0.1:${port}/v1/messages`, init));
  assert.equal(served, live.replace(KEY, '***'));
  const digest = (list: RunEvent[]) => list.filter((e) => e.type === 'net.response').map((e) => (e.type === 'net.response' ? e.responseDigest : null))[0];
  assert.equal(digest(replayed), digest(events));
});
