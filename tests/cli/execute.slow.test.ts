import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MissionResult } from '@rustchain/core';
import { finished, json, REPO, runCli, startCli, tempProject } from './harness.ts';

/** A mission file from steps written as YAML lines (each step already indented by 2). */
const mission = (name: string, steps: string, config = ''): string => `version: "1.0"\nname: ${name}\nsteps:\n${steps}${config}`;

const DIAMOND = mission('diamond', `  - id: top
    step_type: noop
  - id: left
    step_type: command
    depends_on: [top]
    parameters: { command: sleep, args: ["1"] }
  - id: right
    step_type: command
    depends_on: [top]
    parameters: { command: sleep, args: ["1"] }
  - id: bottom
    step_type: noop
    depends_on: [left, right]
`);

const FAILING = mission('failing', `  - id: boom
    step_type: command
    parameters: { command: "false" }
  - id: after_boom
    step_type: noop
    depends_on: [boom]
  - id: independent
    step_type: noop
`, 'config:\n  fail_fast: false\n');

const CYCLE = mission('cycle', `  - id: sentinel
    step_type: create_file
    parameters: { path: sentinel.txt, content: ran }
  - id: a
    step_type: noop
    depends_on: [b]
  - id: b
    step_type: noop
    depends_on: [c]
  - id: c
    step_type: noop
    depends_on: [a]
`);

const NOT_ALLOWED = mission('not-allowed', `  - id: sentinel
    step_type: create_file
    parameters: { path: sentinel.txt, content: ran }
  - id: touch
    step_type: command
    parameters: { command: touch, args: [touched.txt] }
`);

// A sleep with an argument no other process uses, so the orphan check cannot be fooled.
const SLEEP_ARG = '7.3141';
const LONG = mission('long', `  - id: started
    step_type: create_file
    parameters: { path: started.txt, content: go }
  - id: long
    step_type: command
    depends_on: [started]
    parameters: { command: sleep, args: ["${SLEEP_ARG}"] }
  - id: never
    step_type: noop
    depends_on: [long]
`);

const ECHO = mission('echo', `  - id: hello
    step_type: command
    parameters: { command: echo, args: [hi] }
`);

const CONFIG = JSON.stringify({ plugins: ['@rustchain/plugin-noop', '@rustchain/plugin-command', '@rustchain/plugin-create-file'], policy: { commands: { allow: ['echo'] } } });

describe('rustchain mission execute', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let configured: Awaited<ReturnType<typeof tempProject>>;
  before(async () => {
    project = await tempProject({ 'diamond.yaml': DIAMOND, 'failing.yaml': FAILING, 'cycle.yaml': CYCLE, 'not-allowed.yaml': NOT_ALLOWED, 'long.yaml': LONG });
    configured = await tempProject({ 'rustchain.config.json': CONFIG, 'echo.yaml': ECHO, 'not-allowed.yaml': NOT_ALLOWED });
    // The configured project resolves its plugins from its own node_modules, as a user's would.
    await symlink(join(REPO, 'node_modules'), join(configured.dir, 'node_modules'), 'dir');
  });
  after(async () => {
    await project.cleanup();
    await configured.cleanup();
  });

  it('the quickstart exits 0, cleans up, and --json has the run shape', async () => {
    const run = await runCli(['mission', 'execute', '--json', 'examples/quickstart.yaml'], { cwd: REPO, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    const result = json<MissionResult>(run);
    assert.equal(typeof result.runId, 'string');
    assert.equal(result.status, 'succeeded');
    assert.equal(typeof result.durationMs, 'number');
    assert.deepEqual(result.steps.map((s) => s.id).sort(), ['cleanup', 'count', 'report', 'show', 'write']);
    for (const step of result.steps) {
      assert.deepEqual(Object.keys(step).sort(), ['attempts', 'durationMs', 'error', 'id', 'outputs', 'status']);
      assert.equal(step.status, 'succeeded');
      assert.equal(step.error, null);
      assert.equal(step.attempts, 1);
    }
    assert.equal(existsSync(join(REPO, 'quickstart-hello.txt')), false);
  });

  it('the quickstart in text mode prints one line per step event on stderr (no TTY)', async () => {
    const run = await runCli(['mission', 'execute', 'examples/quickstart.yaml'], { cwd: REPO, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    for (const id of ['write', 'count', 'show', 'report', 'cleanup']) {
      assert.match(run.stderr, new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] ✓ ${id} \\(\\d+ ms\\)$`, 'm'));
    }
  });

  it('a diamond whose two middle steps each sleep 1 s runs them in parallel (both start before either ends)', async () => {
    const run = await runCli(['mission', 'execute', '--allow-run=sleep', 'diamond.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 0, run.stderr);
    // The progress lines give the order of events; order, unlike wall-clock time, does not
    // stretch on a loaded machine.
    const lines = run.stderr.split('\n').map((line) => line.replace(/^\[[^\]]*\] /, ''));
    const middle = ['left', 'right'];
    const firstEnd = lines.findIndex((line) => middle.some((id) => line.startsWith(`✓ ${id} `)));
    const startsBefore = lines.slice(0, firstEnd).filter((line) => middle.some((id) => line === `▸ ${id}`));
    assert.equal(startsBefore.length, 2, run.stderr);
  });

  it('a cycle exits 2 with the cycle path at its line, and runs nothing', async () => {
    const run = await runCli(['mission', 'execute', 'cycle.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cycle\.yaml:\d+:\d+: error E_DAG_CYCLE: .*\b(a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)\b/);
    assert.equal(existsSync(join(project.dir, 'sentinel.txt')), false);
  });

  it('a cycle with --json exits 2 with E_DAG_CYCLE and its line in the diagnostics document', async () => {
    const run = await runCli(['mission', 'execute', '--json', 'cycle.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    const doc = json<{ ok: boolean; diagnostics: Array<{ code: string; line: number }> }>(run);
    const cycle = doc.diagnostics.find((d) => d.code === 'E_DAG_CYCLE');
    assert.ok(cycle);
    assert.ok([9, 12, 15].includes(cycle.line), `line ${cycle.line}`);
  });

  it('a command the policy does not allow exits 2 before anything runs, naming --allow-run', async () => {
    const run = await runCli(['mission', 'execute', 'not-allowed.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /not-allowed\.yaml:\d+:\d+: error E_POLICY_COMMAND_DENIED: .*--allow-run/);
    assert.equal(existsSync(join(project.dir, 'sentinel.txt')), false);
    assert.equal(existsSync(join(project.dir, 'touched.txt')), false);
  });

  it('a configured project runs what its config allows and refuses the rest', async () => {
    const ok = await runCli(['mission', 'execute', '--json', 'echo.yaml'], { cwd: configured.dir, home: configured.home });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(json<MissionResult>(ok).steps[0]?.outputs['stdout'], 'hi\n');
    const refused = await runCli(['mission', 'execute', 'not-allowed.yaml'], { cwd: configured.dir, home: configured.home });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /E_POLICY_COMMAND_DENIED/);
    const allowed = await runCli(['mission', 'execute', '--allow-run=touch', 'not-allowed.yaml'], { cwd: configured.dir, home: configured.home });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(existsSync(join(configured.dir, 'touched.txt')), true);
  });

  it('a failing mission exits 1; dependents are skipped, independent steps still run', async () => {
    const run = await runCli(['mission', 'execute', '--json', '--allow-run=false', 'failing.yaml'], { cwd: project.dir, home: project.home });
    assert.equal(run.code, 1, run.stderr);
    const result = json<MissionResult>(run);
    assert.equal(result.status, 'failed');
    const status = Object.fromEntries(result.steps.map((s) => [s.id, s.status]));
    assert.deepEqual(status, { boom: 'failed', after_boom: 'skipped', independent: 'succeeded' });
    assert.equal(result.steps.find((s) => s.id === 'after_boom')?.error?.code, 'E_UPSTREAM_FAILED');
  });

  const cases = [
    { signals: ['SIGINT'], code: 130 },
    { signals: ['SIGTERM'], code: 143 },
    { signals: ['SIGINT', 'SIGINT'], code: 130 },
  ] as const;
  for (const { signals, code } of cases) {
    it(`${signals.join(' + ')} during a long command exits ${code}, prints the cancelled run, leaves no orphan, ledger verifies`, async () => {
      const child = startCli(['mission', 'execute', '--json', '--allow-run=sleep', 'long.yaml'], { cwd: project.dir, home: project.home });
      const done = finished(child);
      const started = join(project.dir, 'started.txt');
      const deadline = Date.now() + 30_000;
      while (!existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(existsSync(started), 'the first step never ran');
      await new Promise((r) => setTimeout(r, 500)); // let `sleep` start
      for (const [i, signal] of signals.entries()) {
        // A repeated signal may find the CLI already gone: that is a fine outcome too.
        try {
          process.kill(child.pid as number, signal);
        } catch (error) {
          if (i === 0 || (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
        await new Promise((r) => setTimeout(r, 30));
      }
      const run = await done;
      assert.equal(run.code, code, run.stderr);
      const result = json<MissionResult>(run);
      assert.equal(result.status, 'cancelled');
      const status = Object.fromEntries(result.steps.map((s) => [s.id, s.status]));
      assert.equal(status['long'], 'cancelled');
      assert.notEqual(status['never'], 'succeeded');
      // Neither the CLI's process group nor the step's own group may outlive the run.
      const survivors = (): string[] =>
        execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
          .split('\n')
          .filter((line) => line.includes(`sleep ${SLEEP_ARG}`) || line.trim().split(/\s+/)[1] === String(child.pid));
      const until = Date.now() + 3000;
      while (survivors().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(survivors(), []);
      const verify = await runCli(['audit', 'verify', '--json'], { cwd: project.dir, home: project.home });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      await import('node:fs/promises').then((fs) => fs.rm(started, { force: true }));
    });
  }
});
