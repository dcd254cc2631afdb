import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import ftpDownload from '@rustchain/plugin-ftp-download';
import ftpUpload from '@rustchain/plugin-ftp-upload';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { mission, step } from '../core/engine/helpers.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { BINARY, startFtpServer, USER } from './ftp-server.ts';

/** ftp_download against a real ftp-srv server on 127.0.0.1; upload → download round trips. */

const plugin = ftpDownload as DefinedPlugin;
const upload = ftpUpload as DefinedPlugin;
type Outputs = { bytes: number; local_file: string; remote_file: string; duration_ms: number };

function run(p: Record<string, unknown>, ctx: ReturnType<typeof ctxFor>): Promise<Outputs> {
  assert.ok(Value.Check(plugin.params, p), `params match the schema: ${JSON.stringify([...Value.Errors(plugin.params, p)][0])}`);
  return plugin.run(p as never, ctx) as Promise<Outputs>;
}

async function setup(t: { after(fn: () => Promise<void>): void }, tls: 'none' | 'explicit' | 'implicit' = 'none') {
  const server = await startFtpServer(t, tls);
  const work = await tempDir(t, 'rc-ftp-down-');
  writeFileSync(join(server.root, 'remote.bin'), BINARY);
  const policy: Policy = policyFor(work, { net: { allow: ['127.0.0.1'] } });
  const base = { host: '127.0.0.1', port: server.port, username: USER.username, password: USER.password };
  return { server, work, policy, base };
}

test('ftp_download: upload then download round-trips every byte value', async (t) => {
  const { work, policy, base } = await setup(t);
  writeFileSync(join(work, 'original.bin'), BINARY);
  await upload.run({ ...base, local_file: 'original.bin', remote_file: 'round/trip.bin', create_dirs: true } as never, ctxFor(work, policy));
  const out = await run({ ...base, remote_file: 'round/trip.bin', local_file: 'back.bin' }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(work, 'back.bin')), BINARY);
  assert.deepEqual(out.bytes, BINARY.length);
  assert.equal(out.local_file, join(work, 'back.bin'));
  assert.ok(Value.Check(plugin.outputs, out));
});

test('ftp_download: create_dirs makes the local parents; an existing file is replaced', async (t) => {
  const { work, policy, base } = await setup(t);
  await rejectsWith(run({ ...base, remote_file: 'remote.bin', local_file: 'a/b/c.bin' }, ctxFor(work, policy)), 'E_FS_NOT_FOUND');
  await run({ ...base, remote_file: 'remote.bin', local_file: 'a/b/c.bin', create_dirs: true }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(work, 'a/b/c.bin')), BINARY);
  writeFileSync(join(work, 'old.bin'), 'x'.repeat(BINARY.length * 2));
  await run({ ...base, remote_file: 'remote.bin', local_file: 'old.bin' }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(work, 'old.bin')), BINARY);
});

test('ftp_download: a missing remote file is E_FTP_FILE_UNAVAILABLE; a wrong password E_FTP_AUTH_FAILED; nothing is written', async (t) => {
  const { work, policy, base } = await setup(t);
  const error = await rejectsWith(run({ ...base, remote_file: 'nope.bin', local_file: 'x.bin' }, ctxFor(work, policy)), 'E_FTP_FILE_UNAVAILABLE');
  assert.ok([550, 551].includes(error.details['ftp_code'] as number), 'the server\'s file-unavailable reply (ftp-srv says 551)');
  await rejectsWith(run({ ...base, password: 'wrong', remote_file: 'remote.bin', local_file: 'x.bin' }, ctxFor(work, policy)), 'E_FTP_AUTH_FAILED');
  assert.equal(existsSync(join(work, 'x.bin')), false);
});

test('ftp_download: larger than max_bytes is E_FTP_FILE_TOO_LARGE and nothing is written', async (t) => {
  const { work, policy, base } = await setup(t);
  await rejectsWith(run({ ...base, remote_file: 'remote.bin', local_file: 'big.bin', max_bytes: 1000 }, ctxFor(work, policy)), 'E_FTP_FILE_TOO_LARGE');
  assert.equal(existsSync(join(work, 'big.bin')), false);
});

test('ftp_download: a local path outside the write roots or a host not allowed is refused with no connection', async (t) => {
  const { server, work, policy, base } = await setup(t);
  await rejectsWith(run({ ...base, remote_file: 'remote.bin', local_file: '../escape.bin' }, ctxFor(work, policy)), 'E_POLICY_PATH_DENIED');
  await rejectsWith(run({ ...base, remote_file: 'remote.bin', local_file: 'x.bin' }, ctxFor(work, { ...policy, fs: { read: [work], write: [] } })), 'E_POLICY_PATH_DENIED');
  await rejectsWith(run({ ...base, remote_file: 'remote.bin', local_file: 'x.bin' }, ctxFor(work, { ...policy, net: { allow: [] } })), 'E_POLICY_HOST_DENIED');
  assert.equal(server.connections(), 0);
  // Control port allowed, passive data ports not: the data connection is refused by ctx.net.
  await rejectsWith(run({ ...base, remote_file: 'remote.bin', local_file: 'x.bin' }, ctxFor(work, { ...policy, net: { allow: [`127.0.0.1:${server.port}`] } })), 'E_POLICY_HOST_DENIED');
  assert.equal(existsSync(join(work, 'x.bin')), false);
});

test('ftp_download: explicit FTPS with the self-signed certificate as ca', async (t) => {
  const { server, work, policy, base } = await setup(t, 'explicit');
  await run({ ...base, secure: true, ca: server.cert, remote_file: 'remote.bin', local_file: 'tls.bin' }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(work, 'tls.bin')), BINARY);
  await rejectsWith(run({ ...base, secure: true, remote_file: 'remote.bin', local_file: 'untrusted.bin' }, ctxFor(work, policy)), 'E_FTP_TLS_FAILED');
});

test('ftp_download: abort closes the session with E_STEP_CANCELLED', async (t) => {
  const { server, work, policy, base } = await setup(t);
  const controller = new AbortController();
  const running = run({ ...base, remote_file: 'remote.bin', local_file: 'cancel.bin' }, ctxFor(work, policy, { signal: controller.signal }));
  while (server.connections() === 0) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  await rejectsWith(running, 'E_STEP_CANCELLED');
  assert.equal(existsSync(join(work, 'cancel.bin')), false);
});

test('ftp_download: a server that never greets is E_FTP_TIMEOUT within timeout_ms', async (t) => {
  const { work, policy, base } = await setup(t);
  const silent = createServer((socket) => socket.on('error', () => {}).resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  const began = performance.now();
  const p = { ...base, port: (silent.address() as AddressInfo).port, remote_file: 'remote.bin', local_file: 'slow.bin', timeout_ms: 300 };
  const error = await rejectsWith(run(p, ctxFor(work, policy)), 'E_FTP_TIMEOUT');
  assert.equal(error.details['phase'], 'greeting');
  assert.ok(performance.now() - began < 3000);
});

test('ftp_download: claims and schema', () => {
  assert.deepEqual(plugin.claims?.({ host: 'files.example', port: 2121, secure: true, remote_file: 'r', local_file: 'l' } as never), [
    { kind: 'net', url: 'ftps://files.example:2121', pointer: '/host' },
    { kind: 'write', path: 'l', pointer: '/local_file' },
  ]);
  assert.equal(Value.Check(plugin.params, { host: 'h', local_file: 'l' }), false, 'remote_file is required');
  for (const injected of ['a\r\nDELE important', 'a\nQUIT', 'a\u0000b']) {
    assert.equal(Value.Check(plugin.params, { host: 'h', remote_file: injected, local_file: 'l' }), false, JSON.stringify(injected));
    assert.equal(Value.Check(plugin.params, { host: 'h', remote_file: 'r', local_file: 'l', username: injected }), false);
  }
  assert.equal(Value.Check(plugin.params, { host: 'h', remote_file: 'r', local_file: 'l', legacy_extra: 1 }), true, 'extra keys of original missions pass');
});

test('ftp_download: runs through the real engine', async (t) => {
  const { work, policy, base } = await setup(t);
  const plugins = new Map([['ftp_download', { definition: plugin }]]);
  const registry: StepTypeLookup = { get: (type) => plugins.get(type), has: (type) => plugins.has(type), types: () => [...plugins.keys()] };
  const steps = [step('get', [], { type: 'ftp_download', parameters: { ...base, remote_file: 'remote.bin', local_file: 'engine.bin' }, timeoutSeconds: 30 })];
  const result = await executeMission(mission(steps), { registry, policy, workDir: work, env: {} });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((x) => x.error)));
  assert.deepEqual(readFileSync(join(work, 'engine.bin')), BINARY);
});
