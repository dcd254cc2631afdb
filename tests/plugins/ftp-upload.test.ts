import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import ftpUpload from '@rustchain/plugin-ftp-upload';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { mission, step } from '../core/engine/helpers.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { BINARY, startFtpServer, USER } from './ftp-server.ts';

/** ftp_upload against a real ftp-srv server on 127.0.0.1 (plain, explicit and implicit FTPS). */

const plugin = ftpUpload as DefinedPlugin;
type Outputs = { bytes: number; local_file: string; remote_file: string; duration_ms: number };

function run(p: Record<string, unknown>, ctx: ReturnType<typeof ctxFor>): Promise<Outputs> {
  assert.ok(Value.Check(plugin.params, p), `params match the schema: ${JSON.stringify([...Value.Errors(plugin.params, p)][0])}`);
  return plugin.run(p as never, ctx) as Promise<Outputs>;
}

async function setup(t: { after(fn: () => Promise<void>): void }, tls: 'none' | 'explicit' | 'implicit' = 'none') {
  const server = await startFtpServer(t, tls);
  const work = await tempDir(t, 'rc-ftp-up-');
  writeFileSync(join(work, 'data.bin'), BINARY);
  const policy: Policy = policyFor(work, { net: { allow: ['127.0.0.1'] } });
  const base = { host: '127.0.0.1', port: server.port, username: USER.username, password: USER.password, local_file: 'data.bin' };
  return { server, work, policy, base };
}

test('ftp_upload: binary content arrives byte for byte; outputs', async (t) => {
  const { server, work, policy, base } = await setup(t);
  const out = await run({ ...base, remote_file: 'up.bin' }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(server.root, 'up.bin')), BINARY);
  assert.equal(out.bytes, BINARY.length);
  assert.equal(out.local_file, join(work, 'data.bin'));
  assert.equal(out.remote_file, 'up.bin');
  assert.ok(Value.Check(plugin.outputs, out));
});

test('ftp_upload: create_dirs makes the remote parents (relative and absolute paths)', async (t) => {
  const { server, work, policy, base } = await setup(t);
  await run({ ...base, remote_file: 'x/y/z.bin', create_dirs: true }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(server.root, 'x/y/z.bin')), BINARY);
  await run({ ...base, remote_file: '/abs/dir/z.bin', create_dirs: true }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(server.root, 'abs/dir/z.bin')), BINARY);
});

test('ftp_upload: a wrong password is E_FTP_AUTH_FAILED; password_env reads the allowed variable', async (t) => {
  const { server, work, policy, base } = await setup(t);
  await rejectsWith(run({ ...base, password: 'nope', remote_file: 'a.bin' }, ctxFor(work, policy)), 'E_FTP_AUTH_FAILED');
  const env = { FTP_PW: USER.password };
  const { password: _literal, ...noPassword } = base;
  await run({ ...noPassword, password_env: 'FTP_PW', remote_file: 'env.bin' }, ctxFor(work, { ...policy, env: { allow: ['FTP_PW'] } }, { env }));
  assert.ok(existsSync(join(server.root, 'env.bin')));
  await rejectsWith(run({ ...noPassword, password_env: 'FTP_PW', remote_file: 'env.bin' }, ctxFor(work, policy, { env })), 'E_POLICY_ENV_DENIED');
  assert.equal((plugin.params as unknown as { properties: Record<string, { secret?: boolean }> }).properties['password']?.secret, true);
});

test('ftp_upload: a host outside the allowlist, or a local file outside the read roots, is refused with no connection', async (t) => {
  const { server, work, policy, base } = await setup(t);
  await rejectsWith(run({ ...base, remote_file: 'a.bin' }, ctxFor(work, { ...policy, net: { allow: ['example.com'] } })), 'E_POLICY_HOST_DENIED');
  await rejectsWith(run({ ...base, remote_file: 'a.bin' }, ctxFor(work, { ...policy, net: { allow: '*' } })), 'E_POLICY_HOST_DENIED');
  await rejectsWith(run({ ...base, local_file: '/etc/passwd', remote_file: 'a.bin' }, ctxFor(work, policy)), 'E_POLICY_PATH_DENIED');
  await rejectsWith(run({ ...base, remote_file: 'a.bin', max_bytes: 100 }, ctxFor(work, policy)), 'E_OUTPUT_TOO_LARGE');
  assert.equal(server.connections(), 0);
});

test('ftp_upload: the passive data connection goes through ctx.net too (control port alone allowed: data denied)', async (t) => {
  const { server, work, policy, base } = await setup(t);
  await rejectsWith(run({ ...base, remote_file: 'a.bin' }, ctxFor(work, { ...policy, net: { allow: [`127.0.0.1:${server.port}`] } })), 'E_POLICY_HOST_DENIED');
  assert.equal(existsSync(join(server.root, 'a.bin')), false);
});

test('ftp_upload: explicit FTPS trusting the self-signed certificate (ca or ca_path), or reject_unauthorized: false', async (t) => {
  const { server, work, policy, base } = await setup(t, 'explicit');
  await run({ ...base, remote_file: 'tls.bin', secure: true, ca: server.cert }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(server.root, 'tls.bin')), BINARY);
  writeFileSync(join(work, 'ca.pem'), server.cert);
  await run({ ...base, remote_file: 'tls2.bin', secure: true, ca_path: 'ca.pem' }, ctxFor(work, policy));
  await run({ ...base, remote_file: 'tls3.bin', secure: true, reject_unauthorized: false }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(server.root, 'tls3.bin')), BINARY);
  await rejectsWith(run({ ...base, remote_file: 'tls4.bin', secure: true }, ctxFor(work, policy)), 'E_FTP_TLS_FAILED');
  assert.equal(existsSync(join(server.root, 'tls4.bin')), false);
});

test('ftp_upload: implicit FTPS', async (t) => {
  const { server, work, policy, base } = await setup(t, 'implicit');
  await run({ ...base, remote_file: 'implicit.bin', secure: 'implicit', ca: server.cert }, ctxFor(work, policy));
  assert.deepEqual(readFileSync(join(server.root, 'implicit.bin')), BINARY);
  await rejectsWith(run({ ...base, remote_file: 'implicit2.bin', secure: 'implicit' }, ctxFor(work, policy)), 'E_FTP_TLS_FAILED');
});

test('ftp_upload: claims name the ftp(s) URL, the local file, the CA file and the password variable', () => {
  assert.deepEqual(plugin.claims?.({ host: 'files.example', local_file: 'a', remote_file: 'b' } as never), [
    { kind: 'net', url: 'ftp://files.example:21', pointer: '/host' },
    { kind: 'read', path: 'a', pointer: '/local_file' },
  ]);
  assert.deepEqual(plugin.claims?.({ host: 'f', secure: 'implicit', ca_path: 'ca.pem', password_env: 'PW', local_file: 'a', remote_file: 'b' } as never), [
    { kind: 'net', url: 'ftps://f:990', pointer: '/host' },
    { kind: 'read', path: 'ca.pem', pointer: '/ca_path' },
    { kind: 'env', name: 'PW', pointer: '/password_env' },
    { kind: 'read', path: 'a', pointer: '/local_file' },
  ]);
  assert.equal(Value.Check(plugin.params, { host: 'h', remote_file: 'b' }), false, 'local_file is required');
  assert.equal(Value.Check(plugin.params, { host: 'h', local_file: 'a', remote_file: 'b', secure: 'explicit' }), false);
});

test('ftp_upload: runs through the real engine', async (t) => {
  const { server, work, policy, base } = await setup(t);
  const plugins = new Map([['ftp_upload', { definition: plugin }]]);
  const registry: StepTypeLookup = { get: (type) => plugins.get(type), has: (type) => plugins.has(type), types: () => [...plugins.keys()] };
  const steps = [step('put', [], { type: 'ftp_upload', parameters: { ...base, remote_file: 'engine.bin' }, timeoutSeconds: 30 })];
  const result = await executeMission(mission(steps), { registry, policy, workDir: work, env: {} });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((x) => x.error)));
  assert.deepEqual(readFileSync(join(server.root, 'engine.bin')), BINARY);
});
