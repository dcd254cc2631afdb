import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import ssh2 from 'ssh2';
import sshExecute from '@rustchain/plugin-ssh-execute';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { mission, step } from '../core/engine/helpers.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';

/**
 * ssh_execute against a real SSH server: an ssh2 Server on 127.0.0.1 (free port) with a
 * generated ed25519 host key, which runs each requested command with sh -c for real.
 */

const plugin = sshExecute as DefinedPlugin;
const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
const otherHostKey = ssh2.utils.generateKeyPairSync('ed25519');
const userKey = ssh2.utils.generateKeyPairSync('ed25519');
const strangerKey = ssh2.utils.generateKeyPairSync('ed25519');
const encryptedKey = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'open sesame', cipher: 'aes256-ctr', rounds: 16 });
const allowedKeys = [userKey.public, encryptedKey.public].map((k) => {
  const parsed = ssh2.utils.parseKey(k);
  if (parsed instanceof Error) throw parsed;
  return parsed;
});

const stats = { connections: 0, authAttempts: 0, execs: 0, stoppedByClose: 0 };
const children = new Set<ChildProcess>();
let server: ssh2.Server;

/** Kills the command's whole process group (sh may fork the command instead of exec'ing it). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
let port = 0;

before(async () => {
  server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    stats.connections++;
    client.on('authentication', (ctx) => {
      stats.authAttempts++;
      if (ctx.method === 'password' && ctx.username === 'alice' && ctx.password === 'correct horse') return ctx.accept();
      if (ctx.method === 'publickey' && ctx.username === 'alice') {
        const key = allowedKeys.find((k) => k.type === ctx.key.algo && timingSafeEqual(k.getPublicSSH(), ctx.key.data));
        if (key && (!ctx.signature || (ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true))) return ctx.accept();
      }
      ctx.reject(['publickey', 'password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          stats.execs++;
          const stream = acceptExec();
          const child = spawn('sh', ['-c', info.command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
          children.add(child);
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          // The remote command dies with its channel or connection, as under sshd.
          let stopped = false;
          const stop = () => {
            if (stopped || child.exitCode !== null || child.signalCode !== null) return;
            stopped = true;
            stats.stoppedByClose++;
            killGroup(child);
          };
          stream.on('close', stop);
          client.on('close', stop);
          child.on('close', (code, signal) => {
            children.delete(child);
            if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
            else stream.exit(code ?? 0);
            stream.end();
          });
        });
      });
    });
    client.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  for (const child of children) killGroup(child);
  server.close();
});

/** `SHA256:<base64, no padding>` of a public key, computed independently of the plugin. */
function fingerprint(publicKey: string): string {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  return `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

interface Setup {
  root: string;
  keyPath: string;
  policy: Policy;
}

async function setup(t: { after(fn: () => Promise<void>): void }, over: Partial<Policy> = {}): Promise<Setup> {
  const root = await tempDir(t, 'rc-ssh-');
  const keyPath = join(root, 'id_ed25519');
  writeFileSync(keyPath, userKey.private, { mode: 0o600 });
  return { root, keyPath, policy: policyFor(root, { net: { allow: [`127.0.0.1:${port}`] }, ...over }) };
}

function params(s: Setup, extra: Record<string, unknown>): Record<string, unknown> {
  return { host: '127.0.0.1', port, username: 'alice', private_key_path: s.keyPath, host_key: fingerprint(hostKey.public), ...extra };
}

type Outputs = { exit_code: number | null; signal: string | null; stdout: string; stderr: string; duration_ms: number };
function run(p: Record<string, unknown>, ctx: ReturnType<typeof ctxFor>): Promise<Outputs> {
  assert.ok(Value.Check(plugin.params, p), `params match the schema: ${JSON.stringify([...Value.Errors(plugin.params, p)][0])}`);
  return plugin.run(p as never, ctx) as Promise<Outputs>;
}

test('ssh_execute: runs the command for real; stdout, stderr, exit_code, duration', async (t) => {
  const s = await setup(t);
  const out = await run(params(s, { command: 'echo hello; echo warn >&2; uname -s' }), ctxFor(s.root, s.policy));
  assert.equal(out.stdout, `hello\n${execFileSync('uname', ['-s'], { encoding: 'utf8' })}`);
  assert.equal(out.stderr, 'warn\n');
  assert.equal(out.exit_code, 0);
  assert.equal(out.signal, null);
  assert.ok(out.duration_ms >= 0);
  assert.ok(Value.Check(plugin.outputs, out));
});

test('ssh_execute: args are single-quoted for the remote shell (templated values stay one word)', async (t) => {
  const s = await setup(t);
  const evil = `a'b; touch ${join(s.root, 'pwned')} $(id) "c"`;
  const out = await run(params(s, { command: 'printf "[%s]"', args: [evil, 5, true] }), ctxFor(s.root, s.policy));
  assert.equal(out.stdout, `[${evil}][5][true]`);
});

test('ssh_execute: the fingerprint format is the one `ssh-keygen -lf` prints', async (t) => {
  const s = await setup(t);
  const pub = join(s.root, 'host.pub');
  writeFileSync(pub, `${hostKey.public}\n`);
  const printed = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1];
  assert.equal(printed, fingerprint(hostKey.public));
  const out = await run(params(s, { command: 'true', host_key: printed }), ctxFor(s.root, s.policy));
  assert.equal(out.exit_code, 0);
});

test('ssh_execute: no pin refuses with E_SSH_HOST_KEY_UNKNOWN carrying the server fingerprint; nothing runs', async (t) => {
  const s = await setup(t);
  const before = { ...stats };
  const p = params(s, { command: 'true' });
  delete p['host_key'];
  const error = await rejectsWith(run(p, ctxFor(s.root, s.policy)), 'E_SSH_HOST_KEY_UNKNOWN');
  assert.equal(error.details['fingerprint'], fingerprint(hostKey.public));
  assert.equal(error.details['key_type'], 'ssh-ed25519');
  assert.ok(String((error as unknown as Error).message).includes(fingerprint(hostKey.public)));
  assert.equal(stats.authAttempts, before.authAttempts, 'no credential was sent');
  assert.equal(stats.execs, before.execs);
  // The line in details is a valid pin.
  const again = await run(params(s, { command: 'echo pinned', host_key: error.details['host_key_line'] }), ctxFor(s.root, s.policy));
  assert.equal(again.stdout, 'pinned\n');
});

test('ssh_execute: a different pinned key is E_SSH_HOST_KEY_MISMATCH before any credential is sent', async (t) => {
  const s = await setup(t);
  const before = { ...stats };
  for (const pin of [fingerprint(otherHostKey.public), otherHostKey.public, [otherHostKey.public, fingerprint(otherHostKey.public)]]) {
    const error = await rejectsWith(run(params(s, { command: 'true', host_key: pin }), ctxFor(s.root, s.policy)), 'E_SSH_HOST_KEY_MISMATCH');
    assert.equal(error.details['fingerprint'], fingerprint(hostKey.public));
    assert.deepEqual(error.details['expected'], [fingerprint(otherHostKey.public), ...(Array.isArray(pin) ? [fingerprint(otherHostKey.public)] : [])]);
  }
  assert.equal(stats.authAttempts, before.authAttempts);
  assert.equal(stats.execs, before.execs);
});

test('ssh_execute: a malformed host_key is E_SSH_HOST_KEY_INVALID (no connection)', async (t) => {
  const s = await setup(t);
  const before = stats.connections;
  await rejectsWith(run(params(s, { command: 'true', host_key: 'MD5:aa:bb' }), ctxFor(s.root, s.policy)), 'E_SSH_HOST_KEY_INVALID');
  assert.equal(stats.connections, before);
});

test('ssh_execute: known_hosts_path pins by host entry (plain, hashed, wildcard); other hosts are unknown; @revoked refuses', async (t) => {
  const s = await setup(t);
  const name = `[127.0.0.1]:${port}`;
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  const cases: Array<[string, string | null]> = [
    [`# comment\nexample.com ${otherHostKey.public}\n${name} ${hostKey.public}\n`, null],
    [`${hashed} ${hostKey.public} comment\n`, null],
    [`[127.0.0.*]:${port},!10.0.0.1 ${hostKey.public}\n`, null],
    [`example.com ${hostKey.public}\n127.0.0.1 ${hostKey.public}\n`, 'E_SSH_HOST_KEY_UNKNOWN'], // port 22 entry only
    [`${name} ${otherHostKey.public}\n`, 'E_SSH_HOST_KEY_MISMATCH'],
    [`${name} ${hostKey.public}\n@revoked ${name} ${hostKey.public}\n`, 'E_SSH_HOST_KEY_REVOKED'],
  ];
  for (const [i, [text, code]] of cases.entries()) {
    const file = join(s.root, `known_hosts_${i}`);
    writeFileSync(file, text);
    const p = params(s, { command: 'echo ok', known_hosts_path: file });
    delete p['host_key'];
    if (code === null) assert.equal((await run(p, ctxFor(s.root, s.policy))).stdout, 'ok\n', `case ${i}`);
    else await rejectsWith(run(p, ctxFor(s.root, s.policy)), code);
  }
});

test('ssh_execute: a non-zero exit fails with E_SSH_EXIT_NONZERO carrying the outputs, unless allow_failure', async (t) => {
  const s = await setup(t);
  const error = await rejectsWith(run(params(s, { command: 'echo out; echo err >&2; exit 3' }), ctxFor(s.root, s.policy)), 'E_SSH_EXIT_NONZERO');
  assert.equal(error.details['exit_code'], 3);
  const outputs = error.details['outputs'] as Outputs;
  assert.equal(outputs.stdout, 'out\n');
  assert.equal(outputs.stderr, 'err\n');
  const allowed = await run(params(s, { command: 'exit 4', allow_failure: true }), ctxFor(s.root, s.policy));
  assert.equal(allowed.exit_code, 4);
  const killed = await rejectsWith(run(params(s, { command: 'kill -TERM $$' }), ctxFor(s.root, s.policy)), 'E_SSH_EXIT_NONZERO');
  assert.equal(killed.details['signal'], 'SIGTERM');
  assert.equal(killed.details['exit_code'], null);
});

test('ssh_execute: password only through password_env; a literal password is refused with E_SSH_LITERAL_SECRET', async (t) => {
  const s = await setup(t, {});
  const base = { host: '127.0.0.1', port, username: 'alice', host_key: fingerprint(hostKey.public), command: 'echo via-password' };
  const before = stats.connections;
  const literal = await rejectsWith(run({ ...base, password: 'correct horse' }, ctxFor(s.root, s.policy)), 'E_SSH_LITERAL_SECRET');
  assert.equal(literal.details['use'], 'password_env');
  await rejectsWith(run({ ...base, passphrase: 'x', private_key_path: s.keyPath }, ctxFor(s.root, s.policy)), 'E_SSH_LITERAL_SECRET');
  assert.equal(stats.connections, before, 'refused before connecting');
  assert.equal(Value.Check(plugin.params, { ...base, password: 'x' }), true, 'accepted by the schema so the refusal can explain');
  assert.equal((plugin.params as unknown as { properties: Record<string, { secret?: boolean }> }).properties['password']?.secret, true);

  const env = { SSH_PW: 'correct horse', WRONG_PW: 'battery staple' };
  const policy = { ...s.policy, env: { allow: ['SSH_PW', 'WRONG_PW'] } };
  const ok = await run({ ...base, password_env: 'SSH_PW' }, ctxFor(s.root, policy, { env }));
  assert.equal(ok.stdout, 'via-password\n');
  await rejectsWith(run({ ...base, password_env: 'WRONG_PW' }, ctxFor(s.root, policy, { env })), 'E_SSH_AUTH_FAILED');
  await rejectsWith(run({ ...base, password_env: 'SSH_PW' }, ctxFor(s.root, s.policy, { env })), 'E_POLICY_ENV_DENIED');
  await rejectsWith(run({ ...base, password_env: 'UNSET_PW' }, ctxFor(s.root, { ...s.policy, env: { allow: ['UNSET_PW'] } }, { env })), 'E_SSH_CREDENTIAL_MISSING');
  await rejectsWith(run(base, ctxFor(s.root, s.policy)), 'E_SSH_NO_CREDENTIALS');
});

test('ssh_execute: private_key_env with passphrase_env; a wrong passphrase or unknown key fails cleanly', async (t) => {
  const s = await setup(t);
  const env = { KEY: encryptedKey.private, PASS: 'open sesame', BAD: 'nope', STRANGER: strangerKey.private };
  const policy = { ...s.policy, env: { allow: ['KEY', 'PASS', 'BAD', 'STRANGER'] } };
  const base = { host: '127.0.0.1', port, username: 'alice', host_key: fingerprint(hostKey.public), command: 'echo via-env-key' };
  assert.equal((await run({ ...base, private_key_env: 'KEY', passphrase_env: 'PASS' }, ctxFor(s.root, policy, { env }))).stdout, 'via-env-key\n');
  const before = stats.connections;
  await rejectsWith(run({ ...base, private_key_env: 'KEY', passphrase_env: 'BAD' }, ctxFor(s.root, policy, { env })), 'E_SSH_KEY_INVALID');
  await rejectsWith(run({ ...base, private_key_env: 'KEY' }, ctxFor(s.root, policy, { env })), 'E_SSH_KEY_INVALID');
  assert.equal(stats.connections, before);
  await rejectsWith(run({ ...base, private_key_env: 'STRANGER' }, ctxFor(s.root, policy, { env })), 'E_SSH_AUTH_FAILED');
});

test('ssh_execute: a host outside the allowlist is E_POLICY_HOST_DENIED with no connection; a key outside the roots is E_POLICY_PATH_DENIED', async (t) => {
  const s = await setup(t);
  const before = stats.connections;
  await rejectsWith(run(params(s, { command: 'true' }), ctxFor(s.root, { ...s.policy, net: { allow: ['example.com'] } })), 'E_POLICY_HOST_DENIED');
  await rejectsWith(run(params(s, { command: 'true' }), ctxFor(s.root, { ...s.policy, net: { allow: '*' } })), 'E_POLICY_HOST_DENIED');
  await rejectsWith(run(params(s, { command: 'true', private_key_path: '/etc/ssh/ssh_host_ed25519_key' }), ctxFor(s.root, s.policy)), 'E_POLICY_PATH_DENIED');
  await rejectsWith(run(params(s, { command: 'true', known_hosts_path: '../known_hosts' }), ctxFor(s.root, s.policy)), 'E_POLICY_PATH_DENIED');
  assert.equal(stats.connections, before);
});

test('ssh_execute: output beyond max_output_bytes is E_OUTPUT_TOO_LARGE and the channel is closed', async (t) => {
  const s = await setup(t);
  await rejectsWith(run(params(s, { command: 'head -c 100000 /dev/zero', max_output_bytes: 1000 }), ctxFor(s.root, s.policy)), 'E_OUTPUT_TOO_LARGE');
});

test('ssh_execute: abort closes the connection (the remote command is stopped); timeout_ms is E_SSH_TIMEOUT', async (t) => {
  const s = await setup(t);
  const controller = new AbortController();
  const execs = stats.execs;
  const stopped = stats.stoppedByClose;
  const began = performance.now();
  const running = run(params(s, { command: 'sleep 30' }), ctxFor(s.root, s.policy, { signal: controller.signal }));
  while (stats.execs === execs) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  await rejectsWith(running, 'E_STEP_CANCELLED');
  for (let i = 0; i < 100 && stats.stoppedByClose === stopped; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(stats.stoppedByClose, stopped + 1, 'the server saw the connection close and stopped the command');
  await rejectsWith(run(params(s, { command: 'sleep 30', timeout_ms: 300 }), ctxFor(s.root, s.policy)), 'E_SSH_TIMEOUT');
  assert.ok(performance.now() - began < 5000);
});

test('ssh_execute: a server that never speaks SSH is E_SSH_TIMEOUT within timeout_ms', async (t) => {
  const s = await setup(t);
  const silent = createServer((socket) => socket.on('error', () => {}).resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  const silentPort = (silent.address() as AddressInfo).port;
  const began = performance.now();
  const error = await rejectsWith(
    run(params(s, { port: silentPort, command: 'true', timeout_ms: 300 }), ctxFor(s.root, { ...s.policy, net: { allow: ['127.0.0.1'] } })),
    'E_SSH_TIMEOUT',
  );
  assert.equal(error.details['phase'], 'handshake');
  assert.ok(performance.now() - began < 3000);
});

test('ssh_execute: claims name the ssh URL, the key and known_hosts files and the env variables', () => {
  assert.deepEqual(
    plugin.claims?.({ host: 'h.example', username: 'u', command: 'c', private_key_path: 'k', known_hosts_path: 'kh', password_env: 'PW', passphrase_env: 'PP' } as never),
    [
      { kind: 'net', url: 'ssh://h.example:22', pointer: '/host' },
      { kind: 'read', path: 'k', pointer: '/private_key_path' },
      { kind: 'read', path: 'kh', pointer: '/known_hosts_path' },
      { kind: 'env', name: 'PP', pointer: '/passphrase_env' },
      { kind: 'env', name: 'PW', pointer: '/password_env' },
    ],
  );
  assert.deepEqual(plugin.claims?.({ host: '::1', port: 2222, username: 'u', command: 'c' } as never), [{ kind: 'net', url: 'ssh://[::1]:2222', pointer: '/host' }]);
  assert.equal(Value.Check(plugin.params, { host: 'h', command: 'c' }), false, 'username is required');
  assert.equal(Value.Check(plugin.params, { host: 'h', username: 'u', command: 'c', port: 0 }), false);
});

test('ssh_execute: runs through the real engine', async (t) => {
  const s = await setup(t);
  const plugins = new Map([['ssh_execute', { definition: plugin }]]);
  const registry: StepTypeLookup = { get: (type) => plugins.get(type), has: (type) => plugins.has(type), types: () => [...plugins.keys()] };
  const steps = [step('remote', [], { type: 'ssh_execute', parameters: params(s, { command: 'echo engine' }), timeoutSeconds: 30 })];
  const result = await executeMission(mission(steps), { registry, policy: s.policy, workDir: s.root, env: {} });
  assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((x) => x.error)));
  assert.equal((result.steps[0]?.outputs as Outputs).stdout, 'engine\n');
});
