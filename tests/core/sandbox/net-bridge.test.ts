import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '@rustchain/core';
import { bwrapArgv, probeBwrap } from '../../../core/src/sandbox/bwrap.ts';
import { bridgeEnv, pickBridge, type Bridge } from '../../../core/src/sandbox/net-bridge.ts';
import { startNetProxy } from '../../../core/src/sandbox/net-proxy.ts';

/**
 * The bridge inside the sandbox's namespace, in both of its interpreters (perl when the system
 * has it, node otherwise): it forwards plain and CONNECT traffic to the proxy, sets the proxy
 * variables, hands the command its own NODE_ and PERL variables (never the bridge), passes
 * stdin through, and exits as the command does (status, signal, not found).
 */

const probe = probeBwrap();
const curl = ['/usr/bin/curl', '/bin/curl'].find((p) => existsSync(p));
const perl = ['/usr/bin/perl', '/bin/perl'].find((p) => existsSync(p));
const bridges: Array<[Bridge, string | false]> = [
  [{ kind: 'node', path: process.execPath }, false],
  [{ kind: 'perl', path: perl ?? '/usr/bin/perl' }, perl === undefined ? 'no system perl' : false],
];
const unusable = !probe.available ? `bwrap unusable: ${probe.reason ?? ''}` : curl === undefined ? 'curl is not installed' : false;

function policy(allow: string[]): Policy {
  return { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [], write: [] }, net: { allow }, env: { allow: [] } };
}

/** Runs argv in bwrap behind `bridge`; resolves with status, signal and output. */
function run(bridge: Bridge, socket: string, root: string, argv: string[], env: Record<string, string> = {}, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const full = bwrapArgv(argv, { bwrap: probe.path as string, readRoots: [root], writeRoots: [root], cwd: root, proxy: { socket, bridge } });
  return new Promise((resolve, reject) => {
    const child = spawn(full[0] as string, full.slice(1), { env: bridgeEnv({ PATH: '/usr/bin:/bin', ...env }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('pickBridge prefers the system perl and falls back to the engine`s node', () => {
  const bridge = pickBridge();
  assert.deepEqual(bridge, perl === undefined ? { kind: 'node', path: process.execPath } : { kind: 'perl', path: perl });
});

for (const [bridge, skipBridge] of bridges) {
  test(`${bridge.kind} bridge: plain http and CONNECT reach the proxy; env, stdin and exit status are the command's`, { skip: unusable || skipBridge }, async (t) => {
    const server = http.createServer((req, res) => res.end(`hi ${req.url}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const proxy = await startNetProxy(policy([`127.0.0.1:${port}`]));
    const root = realpathSync(await mkdtemp(join(tmpdir(), 'rc-bridge-')));
    t.after(async () => {
      await proxy.close();
      server.close();
      await rm(root, { recursive: true, force: true });
    });
    const plain = await run(bridge, proxy.socketPath, root, [curl as string, '-sS', '--max-time', '20', `http://127.0.0.1:${port}/p`]);
    assert.equal(plain.stdout, 'hi /p', plain.stderr);
    const tunnel = await run(bridge, proxy.socketPath, root, [curl as string, '-sS', '--max-time', '20', '--proxytunnel', `http://127.0.0.1:${port}/t`]);
    assert.equal(tunnel.stdout, 'hi /t', tunnel.stderr);
    // Connections at once (each is pumped on its own).
    const urls = [1, 2, 3, 4, 5].map((n) => `http://127.0.0.1:${port}/${n}`);
    const parallel = await run(bridge, proxy.socketPath, root, [curl as string, '-sS', '--max-time', '20', '--parallel', '--parallel-immediate', ...urls.flatMap((u) => ['-o', '-', u])]);
    assert.deepEqual(parallel.stdout.match(/hi \/\d/g)?.sort(), ['hi /1', 'hi /2', 'hi /3', 'hi /4', 'hi /5'], parallel.stderr);
    // The command's own interpreter variables reach it; the proxy variables are set; stdin passes.
    const env = await run(bridge, proxy.socketPath, root, ['/bin/sh', '-c', 'echo "$NODE_OPTIONS|$PERL5OPT|${PERL_BADLANG-unset}|${NO_PROXY-unset}|$HTTPS_PROXY"; cat'], { NODE_OPTIONS: '--no-such-flag', PERL5OPT: '-Mno::such' }, 'from stdin');
    assert.match(env.stdout, /^--no-such-flag\|-Mno::such\|unset\|\|http:\/\/127\.0\.0\.1:\d+\nfrom stdin$/);
    assert.equal(env.stderr, '');
    assert.equal((await run(bridge, proxy.socketPath, root, ['/bin/sh', '-c', 'exit 7'])).code, 7);
    // bwrap reports a command killed by a signal as 128 + the signal.
    assert.equal((await run(bridge, proxy.socketPath, root, ['/bin/sh', '-c', 'kill -TERM $$'])).code, 143);
    assert.equal((await run(bridge, proxy.socketPath, root, ['/usr/bin/rustchain-no-such-program'])).code, 127);
  });
}
