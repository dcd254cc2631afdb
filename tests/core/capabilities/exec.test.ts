import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, symlink } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { findExecutable } from '../../../core/src/policy/command-rules.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from './helpers.ts';

const ECHO = realpathSync(findExecutable('echo', process.env.PATH, '/') as string);

/** Live (non-zombie) processes of a process group. */
function groupMembers(pgid: number): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=', '-g', String(pgid)], { encoding: 'utf8' }).trim();
  return out === '' ? [] : out.split('\n').filter((line) => !/\sZ/.test(line));
}

async function waitFor<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(25);
  }
}

test('exec: an allowed command runs with argv (no shell) and captures output', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['echo'], shell: false } }));
  const r = await ctx.exec.run(['echo', '$(id)', '; rm -rf ~', '*']);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, '$(id) ; rm -rf ~ *\n');
});

test('exec: a command not allowed is denied and never spawned', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root));
  const error = await rejectsWith(ctx.exec.run(['touch', join(root, 'sentinel')]), 'E_POLICY_COMMAND_DENIED');
  assert.match(String(error.details['allowWith']), /--allow-run=touch/);
  await sleep(50);
  assert.equal(existsSync(join(root, 'sentinel')), false);
});

test('exec: path tricks cannot reach a different binary than the allowed one', async (t) => {
  const root = await tempDir(t);
  await copyFile(ECHO, join(root, 'echo'));
  execFileSync('chmod', ['+x', join(root, 'echo')]);
  await symlink(ECHO, join(root, 'rm')); // multi-call style: same file, another name
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['echo'], shell: false } }));
  await rejectsWith(ctx.exec.run(['./echo', 'x']), 'E_POLICY_COMMAND_DENIED'); // a copy is another file
  await rejectsWith(ctx.exec.run(['./rm', 'x']), 'E_POLICY_COMMAND_DENIED'); // same file, other name
  await rejectsWith(ctx.exec.run(['/usr/bin/../bin/sh', '-c', 'true']), 'E_POLICY_COMMAND_DENIED');
  // The same binary through another path spelling is still the allowed one.
  assert.equal((await ctx.exec.run(['/usr/bin/../bin/echo', 'ok'])).stdout, 'ok\n');
});

test('exec: the child sees only allowed env vars plus PATH/HOME/LANG', async (t) => {
  const root = await tempDir(t);
  const env = { PATH: process.env.PATH, HOME: '/home/x', AWS_SECRET_ACCESS_KEY: 'fake-secret', FOO: 'bar', NPM_TOKEN: 'tok' };
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['env'], shell: false }, env: { allow: ['FOO'] } }), { env });
  const r = await ctx.exec.run(['env'], { env: { EXTRA: '1' } });
  const names = r.stdout.trim().split('\n').map((line) => line.split('=')[0]).sort();
  assert.deepEqual(names, ['EXTRA', 'FOO', 'HOME', 'PATH']);
  assert.doesNotMatch(r.stdout, /fake-secret/);
  assert.equal(ctx.env.get('FOO'), 'bar');
  assert.throws(() => ctx.env.get('AWS_SECRET_ACCESS_KEY'), (e: { code?: string }) => e.code === 'E_POLICY_ENV_DENIED');
});

for (const name of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'NODE_OPTIONS', 'PATH']) {
  test(`exec: a per-call ${name} override is denied and nothing is spawned`, async (t) => {
    const root = await tempDir(t);
    const ctx = ctxFor(root, policyFor(root, { commands: { allow: '*', shell: false } }));
    await rejectsWith(ctx.exec.run(['touch', join(root, 'sentinel')], { env: { [name]: '/tmp/x' } }), 'E_POLICY_ENV_DENIED');
    assert.equal(existsSync(join(root, 'sentinel')), false);
  });
}

test('exec: non-zero exit and input are reported, not thrown', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['sh', 'cat'], shell: false } }));
  const r = await ctx.exec.run(['sh', '-c', 'echo err >&2; exit 3']);
  assert.equal(r.exitCode, 3);
  assert.equal(r.stderr, 'err\n');
  assert.equal((await ctx.exec.run(['cat'], { input: 'piped' })).stdout, 'piped');
});

test('exec: cwd goes through the read guard', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['pwd'], shell: false } }));
  await ctx.fs.writeText('sub/x', '', { createParents: true });
  assert.equal((await ctx.exec.run(['pwd'], { cwd: 'sub' })).stdout.trim(), join(root, 'sub'));
  await rejectsWith(ctx.exec.run(['pwd'], { cwd: '/' }), 'E_POLICY_PATH_DENIED');
});

test('exec: spawn failures carry the errno', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['no-such-command-rc'], shell: false } }));
  const error = await rejectsWith(ctx.exec.run(['no-such-command-rc']), 'E_STEP_SPAWN_FAILED');
  assert.equal(error.details['errno'], 'ENOENT');
});

test('exec: output beyond the cap kills the process and fails', async (t) => {
  const root = await tempDir(t);
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['yes'], shell: false } }));
  await rejectsWith(ctx.exec.run(['yes'], { maxOutputBytes: 10_000 }), 'E_OUTPUT_TOO_LARGE');
});

test('exec: an already aborted signal spawns nothing', async (t) => {
  const root = await tempDir(t);
  const controller = new AbortController();
  controller.abort();
  const ctx = ctxFor(root, policyFor(root, { commands: { allow: '*', shell: false } }), { signal: controller.signal });
  await rejectsWith(ctx.exec.run(['touch', join(root, 'sentinel')]), 'E_STEP_CANCELLED');
  assert.equal(existsSync(join(root, 'sentinel')), false);
});

const ABORT_CASES = [
  { name: 'a grandchild sleep', script: 'echo $$ > pgid; sleep 30 & wait' },
  { name: 'a group that ignores SIGTERM (SIGKILL after the grace)', script: 'trap "" TERM; echo $$ > pgid; sleep 30 & wait' },
];
for (const c of ABORT_CASES) {
  test(`exec: abort kills the whole process group: ${c.name}`, async (t) => {
    const root = await tempDir(t);
    const controller = new AbortController();
    const ctx = ctxFor(root, policyFor(root, { commands: { allow: ['sh'], shell: false } }), { signal: controller.signal });
    const running = ctx.exec.run(['sh', '-c', c.script]);
    running.catch(() => {});
    const pgid = await waitFor(() => (existsSync(join(root, 'pgid')) ? Number(readFileSyncTrim(join(root, 'pgid'))) : undefined), 5000);
    assert.ok(pgid !== undefined && pgid > 0);
    await waitFor(() => (groupMembers(pgid).length >= 2 ? true : undefined), 5000);
    controller.abort();
    await rejectsWith(running, 'E_STEP_CANCELLED');
    const left = await waitFor(() => (groupMembers(pgid).length === 0 ? [] : undefined), 6000);
    assert.deepEqual(left, [], `still alive: ${groupMembers(pgid).join(', ')}`);
  });
}

function readFileSyncTrim(path: string): string {
  return execFileSync('cat', [path], { encoding: 'utf8' }).trim();
}


