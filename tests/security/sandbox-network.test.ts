import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStepContext, verifyLedger, type Policy } from '@rustchain/core';
import { bwrapArgv, probeBwrap } from '../../core/src/sandbox/bwrap.ts';
import { onSandboxNetDenied, type SandboxNetDenial } from '../../core/src/sandbox/net-denials.ts';
import { startNetProxy } from '../../core/src/sandbox/net-proxy.ts';
import { runCli } from '../cli/harness.ts';
import { inProject, loopbackListener, type CaseRun, type Listener } from './harness.ts';

/**
 * Issue 11, sandbox network: a sandboxed command never shares the host's network namespace.
 * With no host allowed it has no network; with some, its only way out is the engine's
 * filtering proxy (HTTP_PROXY & co. point at a bridge inside the namespace), which applies
 * the policy's allowlist and ctx.net's SSRF rules: the host's loopback is reachable only when
 * that exact host:port is allowed, a refused host is a 403 recorded in the ledger, and a
 * direct connection has no route. curl is the client (it honours the proxy variables).
 */

const bwrap = probeBwrap();
const curl = ['/usr/bin/curl', '/bin/curl'].find((p) => existsSync(p));
const skip = !bwrap.available ? `bwrap is not usable here: ${bwrap.reason ?? ''}` : curl === undefined ? 'curl is not installed' : false;

function policy(root: string, allow: Policy['net']['allow'], read: string[] = [root]): Policy {
  return {
    stepTypes: '*',
    commands: { allow: ['curl', 'sh'], shell: false },
    fs: { read, write: [root] },
    net: { allow },
    env: { allow: [] },
    sandbox: 'required',
  };
}

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'rc-sbx-net-')));
  try {
    await body(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function ctxFor(root: string, allow: Policy['net']['allow'], read?: string[]) {
  return createStepContext({ runId: 'run-net', stepId: 'fetch', attempt: 1, signal: new AbortController().signal, workDir: root, policy: policy(root, allow, read), env: process.env });
}

/** curl printing only the status code (000 when no HTTP answer came). */
const status = (url: string, ...extra: string[]) => ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', ...extra, url];

async function listener(t: { after: (fn: () => Promise<void>) => void }): Promise<Listener> {
  const server = await loopbackListener();
  t.after(() => server.close());
  return server;
}

test('an allowed loopback host:port is reached through the proxy, plain http and CONNECT', { skip }, async (t) => {
  const server = await listener(t);
  await withRoot(async (root) => {
    const ctx = ctxFor(root, [`127.0.0.1:${server.port}`]);
    const plain = await ctx.exec.run(['curl', '-sS', '--max-time', '20', `http://127.0.0.1:${server.port}/plain`]);
    assert.equal(plain.stdout, 'ok', plain.stderr);
    // --proxytunnel makes curl use CONNECT, as it does for https.
    const tunnel = await ctx.exec.run(['curl', '-sS', '--max-time', '20', '--proxytunnel', `http://127.0.0.1:${server.port}/tunnel`]);
    assert.equal(tunnel.stdout, 'ok', tunnel.stderr);
    assert.deepEqual(server.requests.map((r) => r.url), ['/plain', '/tunnel']);
  });
});

test('a host the policy does not allow: the proxy answers 403, the refusal is reported, nothing connects', { skip }, async (t) => {
  const server = await listener(t);
  const denials: SandboxNetDenial[] = [];
  const unsubscribe = onSandboxNetDenied((d) => denials.push(d));
  t.after(unsubscribe);
  await withRoot(async (root) => {
    // Some host is allowed (so there is a proxy), but not the host's loopback.
    const ctx = ctxFor(root, ['allowed.example']);
    assert.equal((await ctx.exec.run(status(`http://127.0.0.1:${server.port}/`))).stdout, '403');
    assert.equal((await ctx.exec.run(status(`http://localhost:${server.port}/`))).stdout, '403');
    const tunnel = await ctx.exec.run(status(`http://127.0.0.1:${server.port}/`, '--proxytunnel'));
    assert.notEqual(tunnel.exitCode, 0);
    assert.equal(server.connections(), 0);
    assert.deepEqual(denials.map((d) => [d.runId, d.stepId, d.error.code]), [
      ['run-net', 'fetch', 'E_POLICY_HOST_DENIED'],
      ['run-net', 'fetch', 'E_POLICY_HOST_DENIED'],
      ['run-net', 'fetch', 'E_POLICY_HOST_DENIED'],
    ]);
  });
});

test('a direct connection (proxy bypassed) has no route out of the namespace, even to an allowed host', { skip }, async (t) => {
  const server = await listener(t);
  await withRoot(async (root) => {
    const ctx = ctxFor(root, [`127.0.0.1:${server.port}`]);
    const direct = await ctx.exec.run(status(`http://127.0.0.1:${server.port}/`, '--noproxy', '*'));
    assert.equal(direct.stdout, '000');
    assert.notEqual(direct.exitCode, 0);
    assert.equal(server.connections(), 0);
  });
});

test('no host allowed: its own network namespace with no proxy at all', { skip }, async (t) => {
  const server = await listener(t);
  await withRoot(async (root) => {
    const argv = bwrapArgv(['/usr/bin/true'], { bwrap: bwrap.path as string, readRoots: [root], writeRoots: [root], cwd: root });
    assert.ok(argv.includes('--unshare-all'));
    assert.equal(argv.includes('--share-net'), false);
    assert.equal(argv.some((a) => a.includes('proxy.sock')), false);
    const ctx = ctxFor(root, []);
    const env = await ctx.exec.run(['sh', '-c', 'echo "${HTTP_PROXY:-none} ${https_proxy:-none}"']);
    assert.equal(env.stdout.trim(), 'none none');
    const direct = await ctx.exec.run(status(`http://127.0.0.1:${server.port}/`));
    assert.equal(direct.stdout, '000');
    assert.equal(server.connections(), 0);
  });
});

test('with hosts allowed the proxy variables point inside the namespace and NO_PROXY is empty', { skip }, async () => {
  await withRoot(async (root) => {
    const ctx = ctxFor(root, ['allowed.example']);
    const env = await ctx.exec.run(['sh', '-c', 'echo "$HTTP_PROXY|$http_proxy|$HTTPS_PROXY|$https_proxy|$ALL_PROXY|${NO_PROXY-unset}|${no_proxy-unset}"']);
    const [first, ...rest] = env.stdout.trim().split('|');
    assert.match(first ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(rest, [first, first, first, first, '', '']);
    // The exit status is the command's.
    assert.equal((await ctx.exec.run(['sh', '-c', 'exit 7'])).exitCode, 7);
  });
});

test('with `/` readable the proxy still works (its socket is bound at its host path), and /proc and /dev stay the namespace`s own', { skip }, async (t) => {
  const server = await listener(t);
  await withRoot(async (root) => {
    const ctx = ctxFor(root, [`127.0.0.1:${server.port}`], ['/']);
    const plain = await ctx.exec.run(['curl', '-sS', '--max-time', '20', `http://127.0.0.1:${server.port}/slash`]);
    assert.equal(plain.stdout, 'ok', plain.stderr);
    // `/` as a root brings neither the host's /proc (the engine's environ) nor its nodev /dev.
    const probe = await ctx.exec.run(['sh', '-c', `echo x > /dev/null && test ! -e /proc/${process.pid}/environ && echo clean`]);
    assert.equal(probe.stdout.trim(), 'clean', probe.stderr);
  });
});

test('another command`s proxy socket is hidden even when a root contains the temp dir: no way to borrow its policy', { skip }, async (t) => {
  const server = await listener(t);
  // A proxy that would let anything reach the listener, as another run's might.
  const other = await startNetProxy(policy(tmpdir(), [`127.0.0.1:${server.port}`]));
  t.after(() => other.close());
  const target = `http://127.0.0.1:${server.port}/borrowed`;
  const borrow = status(target, '--unix-socket', other.socketPath, '--request-target', target);
  await withRoot(async (root) => {
    // Control: outside the sandbox that socket does reach the listener.
    const plain = createStepContext({ runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: root, policy: { ...policy(root, [], [tmpdir()]), sandbox: 'off' }, env: process.env });
    assert.equal((await plain.exec.run(borrow)).stdout, '200');
    const before = server.connections();
    for (const allow of [[], ['allowed.example']]) {
      const result = await ctxFor(root, allow, [tmpdir()]).exec.run(borrow);
      assert.equal(result.stdout, '000', `allow ${JSON.stringify(allow)}`);
    }
    assert.equal(server.connections(), before);
  });
});

test('end to end: a mission`s curl to a refused host fails, the ledger records the proxy`s refusal, the allowed one works', { skip }, async (t) => {
  const server = await listener(t);
  const mission = [
    'steps:',
    '  - id: allowed',
    '    step_type: command',
    `    parameters: { command: curl, args: ['-sS', '--max-time', '20', 'http://127.0.0.1:${server.port}/yes'] }`,
    '  - id: refused',
    '    step_type: command',
    '    depends_on: [allowed]',
    `    parameters: { command: curl, args: ['-sSf', '--max-time', '20', 'http://127.0.0.1:${server.port + 1 > 65535 ? 1 : server.port + 1}/no'] }`,
    '',
  ].join('\n');
  await inProject({ 'm.yaml': mission, 'p.yaml': `sandbox: required\ncommands: { allow: [curl] }\nnet: { allow: ['127.0.0.1:${server.port}'] }\n` }, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], async (c: CaseRun) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    const steps = (c.doc as { steps: Array<{ id: string; status: string; outputs: { stdout?: string }; error: { code: string } | null }> }).steps;
    assert.equal(steps.find((s) => s.id === 'allowed')?.status, 'succeeded');
    assert.equal(steps.find((s) => s.id === 'allowed')?.outputs.stdout, 'ok');
    assert.equal(steps.find((s) => s.id === 'refused')?.error?.code, 'E_COMMAND_EXIT_NONZERO');
    assert.deepEqual(server.requests.map((r) => r.url), ['/yes']);
    const decision = c.ledger.find((e) => e.type === 'policy.decision' && e.payload['code'] === 'E_POLICY_HOST_DENIED');
    assert.equal(decision?.payload['stepId'], 'refused');
    assert.equal(decision?.payload['decision'], 'denied');
    assert.equal((await verifyLedger(c.home)).ok, true);
    const report = await runCli(['audit', 'report'], { cwd: c.dir, home: c.home });
    assert.match(report.stdout, /policy denied refused E_POLICY_HOST_DENIED/);
  });
});
