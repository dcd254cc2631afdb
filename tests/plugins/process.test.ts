import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import processStart from '@rustchain/plugin-process-start';
import processKill from '@rustchain/plugin-process-kill';
import noop from '@rustchain/plugin-noop';
import command from '@rustchain/plugin-command';
import { createStepContext } from '../../core/src/capabilities/context.ts';
import { RunProcessRegistry } from '../../core/src/capabilities/processes.ts';
import { executeMission } from '../../core/src/engine/execute.ts';
import { probeBwrap } from '../../core/src/sandbox/bwrap.ts';
import { json, REPO, runCli, tempProject } from '../cli/harness.ts';
import type { DefinedPlugin, StepContext, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import type { Policy } from '../../core/src/policy/types.ts';
import { policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { mission, step } from '../core/engine/helpers.ts';

const start = processStart as DefinedPlugin;
const kill = processKill as DefinedPlugin;

/** A context with a run-scoped process table, as the dispatcher builds it. */
function ctxWith(root: string, policy: Policy, registry: RunProcessRegistry, runId = 'run-1'): StepContext {
  return createStepContext({ runId, stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: root, policy, env: process.env, processes: registry });
}
const call = async <T>(plugin: DefinedPlugin, params: Record<string, unknown>, ctx: StepContext): Promise<T> => {
  assert.ok(Value.Check(plugin.params, params), `params match the ${plugin.type} schema`);
  return (await plugin.run(params as never, ctx)) as T;
};
const allow = (root: string, names: string[], extra: Partial<Policy['commands']> = {}): Policy =>
  policyFor(root, { commands: { allow: names, shell: false, ...extra } });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
  return !alive(pid);
}

test('process_start + process_kill: sleep 30 is started, killed with SIGTERM, and gone', async (t) => {
  const root = await tempDir(t);
  const registry = new RunProcessRegistry();
  t.after(() => registry.finish('run-1'));
  const ctx = ctxWith(root, allow(root, ['sleep']), registry);
  const out = await call<{ pid: number; started_at: string }>(start, { command: 'sleep', args: [30] }, ctx);
  assert.ok(Number.isInteger(out.pid) && alive(out.pid));
  assert.ok(!Number.isNaN(Date.parse(out.started_at)));
  const killed = await call<Record<string, unknown>>(kill, { pid: out.pid }, ctx);
  assert.deepEqual(killed, { signalled: true, exited: true, exit_code: null, signal: 'SIGTERM' });
  assert.ok(await gone(out.pid));
  // Killing it again sends nothing and reports the same exit.
  assert.deepEqual(await call(kill, { pid: String(out.pid) }, ctx), { signalled: false, exited: true, exit_code: null, signal: 'SIGTERM' });
});

test('process_kill: a pid this run did not start is refused and not signalled', async (t) => {
  const root = await tempDir(t);
  const foreign = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => foreign.kill('SIGKILL'));
  await new Promise((resolve) => foreign.once('spawn', resolve));
  const registry = new RunProcessRegistry();
  const other = new RunProcessRegistry();
  t.after(() => other.finish('run-1'));
  const ctx = ctxWith(root, allow(root, ['sleep']), registry);
  const error = await rejectsWith(call(kill, { pid: foreign.pid }, ctx), 'E_PROCESS_NOT_OWNED');
  assert.equal(error.details['pid'], foreign.pid);
  await rejectsWith(call(kill, { pid: process.pid, signal: 'SIGKILL' }, ctx), 'E_PROCESS_NOT_OWNED');
  // Started by another run (another table) is foreign too.
  const theirs = await call<{ pid: number }>(start, { command: 'sleep', args: ['30'] }, ctxWith(root, allow(root, ['sleep']), other, 'run-2'));
  await rejectsWith(call(kill, { pid: theirs.pid }, ctx), 'E_PROCESS_NOT_OWNED');
  await sleep(50);
  assert.ok(alive(foreign.pid as number) && alive(theirs.pid));
  await other.finish('run-2');
  assert.ok(await gone(theirs.pid));
});

test('process_start: the guards of ctx.exec.run apply (allowlist, cwd, env, detach policy)', async (t) => {
  const root = await tempDir(t);
  const registry = new RunProcessRegistry();
  t.after(() => registry.finish('run-1'));
  await rejectsWith(call(start, { command: 'sleep', args: ['30'] }, ctxWith(root, allow(root, ['echo']), registry)), 'E_POLICY_COMMAND_DENIED');
  await rejectsWith(call(start, { command: 'sleep', args: ['30'], working_dir: '/' }, ctxWith(root, allow(root, ['sleep']), registry)), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(start, { command: 'sleep', args: ['30'], env: { LD_PRELOAD: 'x.so' } }, ctxWith(root, allow(root, ['sleep']), registry)), 'E_POLICY_ENV_DENIED');
  await rejectsWith(call(start, { command: 'sleep', args: ['30'], detach: true }, ctxWith(root, allow(root, ['sleep']), registry)), 'E_POLICY_DETACH_DENIED');
  await rejectsWith(call(start, { command: 'no-such-program-xyz' }, ctxWith(root, allow(root, '*' as never), registry)), 'E_STEP_SPAWN_FAILED');
  assert.equal(Value.Check(start.params, { args: ['x'] }), false);
  assert.equal(Value.Check(kill.params, { pid: -1 }), false);
  assert.equal(Value.Check(kill.params, { pid: 5, signal: 'SIGSTOP' }), false);
  assert.deepEqual(start.claims?.({ command: 'sleep', args: [1], working_dir: 'sub' } as never), [
    { kind: 'exec', argv: ['sleep', '1'], pointer: '/command' },
    { kind: 'read', path: 'sub', pointer: '/working_dir' },
  ]);
});

test('process_start: detach (allowed by policy) outlives the end of the run', async (t) => {
  const root = await tempDir(t);
  const registry = new RunProcessRegistry();
  const ctx = ctxWith(root, allow(root, ['sleep'], { detach: true }), registry);
  const { pid } = await call<{ pid: number }>(start, { command: 'sleep', args: ['30'], detach: true }, ctx);
  t.after(() => {
    if (alive(pid)) process.kill(-pid, 'SIGKILL');
  });
  await registry.finish('run-1');
  assert.ok(alive(pid), 'a detached process survives its run');
});

test('process_start: wait_for output and port; a process that dies or never gets ready fails E_PROCESS_NOT_READY', async (t) => {
  const root = await tempDir(t);
  const registry = new RunProcessRegistry();
  t.after(() => registry.finish('run-1'));
  const ctx = ctxWith(root, allow(root, ['sh', process.execPath]), registry);
  const began = Date.now();
  const byOutput = await call<{ pid: number }>(start, { command: 'sh', args: ['-c', 'sleep 0.3; echo server ready >&2; exec sleep 30'], wait_for: { output: 'ready' } }, ctx);
  assert.ok(Date.now() - began >= 250 && alive(byOutput.pid));

  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const server = `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), 300)`;
  const byPort = await call<{ pid: number }>(start, { command: process.execPath, args: ['-e', server], wait_for: { port, timeout_ms: 10_000 } }, ctx);
  assert.ok(alive(byPort.pid));

  const died = await rejectsWith(call(start, { command: 'sh', args: ['-c', 'exit 3'], wait_for: { output: 'never' } }, ctx), 'E_PROCESS_NOT_READY');
  assert.equal(died.details['exitCode'], 3);
  const slow = await rejectsWith(call(start, { command: 'sh', args: ['-c', 'exec sleep 30'], wait_for: { output: 'never', timeout_ms: 200 } }, ctx), 'E_PROCESS_NOT_READY');
  assert.ok(await gone(slow.details['pid'] as number), 'a process that never got ready is stopped');
});

const plugins = new Map<string, { definition: DefinedPlugin }>([
  ['process_start', { definition: start }],
  ['process_kill', { definition: kill }],
  ['noop', { definition: noop as DefinedPlugin }],
  ['command', { definition: command as DefinedPlugin }],
]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

test('engine: processes a run started are gone when it ends (succeeded or failed); process_kill takes a templated pid', async (t) => {
  const root = await tempDir(t);
  const policy = allow(root, ['sleep', 'false']);
  const env = { PATH: process.env['PATH'] };
  const ok = await executeMission(
    mission([
      step('a', [], { type: 'process_start', parameters: { command: 'sleep', args: ['30'] }, timeoutSeconds: 10 }),
      step('b', [], { type: 'process_start', parameters: { command: 'sleep', args: ['31'] }, timeoutSeconds: 10 }),
      step('stop_b', ['b'], { type: 'process_kill', parameters: { pid: '${{ steps.b.outputs.pid }}' }, hasTemplates: true, timeoutSeconds: 10 }),
      step('after', ['a', 'stop_b']),
    ]),
    { registry, policy, workDir: root, env },
  );
  assert.equal(ok.status, 'succeeded', JSON.stringify(ok.steps.map((s) => s.error)));
  const pidA = ok.steps.find((s) => s.id === 'a')?.outputs['pid'] as number;
  assert.equal(ok.steps.find((s) => s.id === 'stop_b')?.outputs['signalled'], true);
  assert.equal(alive(pidA), false, 'the run stopped its process before it reported the end');

  const failed = await executeMission(
    mission([
      step('a', [], { type: 'process_start', parameters: { command: 'sleep', args: ['30'] }, timeoutSeconds: 10 }),
      step('boom', ['a'], { type: 'command', parameters: { command: 'false' }, timeoutSeconds: 10 }),
    ]),
    { registry, policy, workDir: root, env },
  );
  assert.equal(failed.status, 'failed');
  assert.equal(alive(failed.steps.find((s) => s.id === 'a')?.outputs['pid'] as number), false);
});

test('engine: a cancelled run (SIGINT) stops its processes before it reports cancelled', async (t) => {
  const root = await tempDir(t);
  const controller = new AbortController();
  const started: number[] = [];
  const running = executeMission(
    mission([
      // `sh` traps SIGTERM: the engine must escalate to SIGKILL after the grace.
      step('stubborn', [], { type: 'process_start', parameters: { command: 'sh', args: ['-c', "trap '' TERM; echo up; while :; do sleep 1; done"], wait_for: { output: 'up' } }, timeoutSeconds: 10 }),
      step('wait', ['stubborn'], { type: 'command', parameters: { command: 'sleep', args: ['30'] }, timeoutSeconds: 60 }),
    ]),
    {
      registry,
      policy: allow(root, ['sh', 'sleep']),
      workDir: root,
      env: { PATH: process.env['PATH'] },
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'step.succeeded' && event.stepId === 'stubborn') {
          started.push(event.outputs['pid'] as number);
          setTimeout(() => controller.abort(new Error('SIGINT')), 50);
        }
      },
    },
  );
  const began = Date.now();
  const result = await running;
  assert.equal(result.status, 'cancelled');
  const pid = started[0] as number;
  assert.ok(Number.isInteger(pid));
  assert.equal(alive(pid), false, 'a SIGTERM-ignoring process was SIGKILLed before the run ended');
  t.diagnostic(`cancel to end: ${Date.now() - began} ms (includes the 2 s grace)`);
});

test('engine SIGKILLed mid-run: the process-group guardian still kills what the run started', async (t) => {
  const root = await tempDir(t);
  const script = join(root, 'engine.ts');
  const here = new URL('.', import.meta.url).pathname;
  await writeFile(script, [
    `import start from '${join(here, '../../plugins/process-start/src/index.ts')}';`,
    `import { executeMission } from '${join(here, '../../core/src/engine/execute.ts')}';`,
    `import { mission, step } from '${join(here, '../core/engine/helpers.ts')}';`,
    `const plugins = new Map([['process_start', { definition: start }]]);`,
    `const registry = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => ['process_start'] };`,
    `const policy = { stepTypes: '*', commands: { allow: ['sleep'], shell: false }, fs: { read: [${JSON.stringify(root)}], write: [${JSON.stringify(root)}] }, net: { allow: [] }, env: { allow: [] } };`,
    `void executeMission(mission([step('a', [], { type: 'process_start', parameters: { command: 'sleep', args: ['30'] }, timeoutSeconds: 60 }), step('b', ['a'], { type: 'process_start', parameters: { command: 'sleep', args: ['31'], wait_for: { output: 'never', timeout_ms: 60000 } }, timeoutSeconds: 60 })]), {`,
    `  registry, policy, workDir: ${JSON.stringify(root)}, env: { PATH: process.env.PATH },`,
    `  onEvent: (e) => { if (e.type === 'step.succeeded') console.log('PID ' + e.outputs.pid); },`,
    `});`,
  ].join('\n'));
  const engine = spawn(process.execPath, ['--conditions=@rustchain/source', '--import', 'tsx', script], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => engine.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    engine.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PID (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    engine.once('exit', () => reject(new Error(`engine exited early: ${out}`)));
  });
  assert.ok(alive(pid));
  engine.kill('SIGKILL');
  assert.ok(await gone(pid), 'the guardian SIGKILLed the group after the engine died');
});

test('process_start: wait_for.port sees a server in the bwrap sandbox (its own network namespace)', { skip: !probeBwrap().available && 'bwrap is not available here' }, async (t) => {
  const root = await tempDir(t);
  const registry = new RunProcessRegistry();
  t.after(() => registry.finish('run-1'));
  const policy = policyFor(root, { commands: { allow: [process.execPath], shell: false }, fs: { read: [root, '/usr', '/etc'], write: [root] } });
  const ctx = ctxWith(root, policy, registry);
  const port = 40_000 + (process.pid % 20_000);
  const server = `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), 200); setInterval(() => {}, 1000)`;
  const { pid } = await call<{ pid: number }>(start, { command: process.execPath, args: ['-e', server], sandbox: 'bwrap', wait_for: { port, timeout_ms: 10_000 } }, ctx);
  assert.ok(alive(pid));
  await registry.finish('run-1');
  assert.ok(await gone(pid));
});

test('CLI: `rustchain mission execute` leaves no started process behind', async () => {
  const config = { plugins: [join(REPO, 'plugins/process-start'), join(REPO, 'plugins/noop')], policy: { commands: { allow: ['sleep'] }, fs: { read: ['.'], write: ['.'] } } };
  const missionText = 'steps:\n  - id: bg\n    step_type: process_start\n    parameters: { command: sleep, args: ["30"] }\n  - id: after\n    step_type: noop\n    depends_on: [bg]\n';
  const project = await tempProject({ 'rustchain.config.json': JSON.stringify(config), 'm.yaml': missionText });
  try {
    const run = await runCli(['mission', 'execute', 'm.yaml', '--json'], { cwd: project.dir, home: project.home });
    const doc = json<{ status: string; steps: Array<{ id: string; outputs: Record<string, unknown> }> }>(run);
    assert.equal(doc.status, 'succeeded', run.stderr);
    const pid = doc.steps.find((s) => s.id === 'bg')?.outputs['pid'] as number;
    assert.ok(Number.isInteger(pid));
    assert.equal(alive(pid), false, 'the run stopped its process before the CLI exited');
  } finally {
    await project.cleanup();
  }
});

test('process_kill and the end of the run reach group members that outlive their leader', async (t) => {
  const root = await tempDir(t);
  const registry = new RunProcessRegistry();
  t.after(() => registry.finish('run-1'));
  const ctx = ctxWith(root, allow(root, ['sh']), registry);
  const orphan = async (name: string): Promise<{ leader: number; member: number }> => {
    const { pid } = await call<{ pid: number }>(start, { command: 'sh', args: ['-c', `sleep 30 & echo $! > ${name}`] }, ctx);
    for (let i = 0; i < 200 && !existsSync(join(root, name)); i++) await sleep(10);
    await sleep(50);
    const member = Number((await readFile(join(root, name), 'utf8')).trim());
    assert.ok(await gone(pid), 'the leader exited');
    assert.ok(alive(member), 'its member lives on in the group');
    return { leader: pid, member };
  };
  const first = await orphan('a.pid');
  const killed = await call<Record<string, unknown>>(kill, { pid: first.leader }, ctx);
  assert.equal(killed['signalled'], true);
  assert.ok(await gone(first.member));
  const second = await orphan('b.pid');
  await registry.finish('run-1');
  assert.ok(await gone(second.member));
});
