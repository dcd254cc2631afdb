import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStepContext, type Policy } from '@rustchain/core';
import { RunProcessRegistry } from '../../core/src/capabilities/processes.ts';
import { json, runCli, tempProject } from '../cli/harness.ts';
import { assertLedgerRecords, readLedger, type CaseRun } from './harness.ts';

/**
 * Issue 11, governing files vs started processes: a process started in the background
 * (`process_start`, ctx.exec.start) outlives its step, so the check that brackets ctx.exec.run
 * is made for it when it exits, when the run stops it, and before any later command of the
 * run spawns. A change is E_GOVERNING_TAMPERED: the run fails with it (run.finished records
 * it), a later command is refused, a planted config file is moved aside.
 */

interface Fixture {
  root: string;
  script: string;
  config: string;
  policy: Policy;
  registry: RunProcessRegistry;
  ctx: (stepId: string) => ReturnType<typeof createStepContext>;
}

async function fixture(t: { after: (fn: () => Promise<void>) => void }): Promise<Fixture> {
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'rc-gov-start-')));
  await mkdir(join(root, 'scripts'));
  const script = join(root, 'scripts', 'build.sh');
  await writeFile(script, 'echo build\n');
  const config = join(root, 'rustchain.config.mjs');
  const policy: Policy = {
    stepTypes: '*',
    commands: { allow: ['sh', 'sleep', 'touch'], shell: false },
    fs: { read: [root], write: [root], protect: [script, config] },
    net: { allow: [] },
    env: { allow: [] },
    sandbox: 'off',
  };
  const registry = new RunProcessRegistry();
  const ctx = (stepId: string) => createStepContext({ runId: 'run-g', stepId, attempt: 1, signal: new AbortController().signal, workDir: root, policy, env: process.env, processes: registry });
  t.after(async () => {
    await registry.finish('run-g')?.catch(() => {});
    await rm(root, { recursive: true, force: true });
  });
  return { root, script, config, policy, registry, ctx };
}

/** Waits until `check` holds, by count (the machine may be slow; never by wall-clock assertions). */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail('condition never held');
}

test('a started process that rewrote an allowlisted script fails the run when it ends (E_GOVERNING_TAMPERED, with pid and step)', async (t) => {
  const f = await fixture(t);
  const { pid } = await f.ctx('bg').exec.start(['sh', '-c', `echo evil > ${f.script}`]);
  await until(async () => (await readFile(f.script, 'utf8')) === 'evil\n');
  await assert.rejects(f.registry.finish('run-g') as Promise<void>, (error: { code: string; details: { pid: number; stepId: string; changed: Array<{ path: string; change: string }> } }) => {
    assert.equal(error.code, 'E_GOVERNING_TAMPERED');
    assert.equal(error.details.pid, pid);
    assert.equal(error.details.stepId, 'bg');
    assert.deepEqual(error.details.changed.map((c) => [c.path, c.change]), [[f.script, 'modified']]);
    return true;
  });
});

test('while the process that rewrote it still runs, no later command of the run spawns', async (t) => {
  const f = await fixture(t);
  await f.ctx('bg').exec.start(['sh', '-c', `echo evil > ${f.script}; exec sleep 60`]);
  await until(async () => (await readFile(f.script, 'utf8')) === 'evil\n');
  await assert.rejects(f.ctx('next').exec.run(['touch', 'ran']), { code: 'E_GOVERNING_TAMPERED' });
  await assert.rejects(f.ctx('other').exec.start(['touch', 'ran']), { code: 'E_GOVERNING_TAMPERED' });
  assert.equal(existsSync(join(f.root, 'ran')), false, 'nothing was spawned');
  // Stopping the run still reports it (once recorded, it stays the run's failure).
  await assert.rejects(f.registry.finish('run-g') as Promise<void>, { code: 'E_GOVERNING_TAMPERED' });
});

test('a config file planted by a started process is moved aside when the run stops it', async (t) => {
  const f = await fixture(t);
  await f.ctx('bg').exec.start(['sh', '-c', `echo 'export default {}' > ${f.config}; exec sleep 60`]);
  await until(() => existsSync(f.config));
  await assert.rejects(f.registry.finish('run-g') as Promise<void>, (error: { code: string; details: { changed: Array<{ change: string; quarantined?: string }> } }) => {
    assert.equal(error.code, 'E_GOVERNING_TAMPERED');
    assert.equal(error.details.changed[0]?.change, 'created');
    assert.ok(error.details.changed[0]?.quarantined);
    return true;
  });
  assert.equal(existsSync(f.config), false, 'the next invocation finds no planted config');
  assert.equal(readdirSync(f.root).filter((n) => n.startsWith('rustchain.config.mjs.quarantined-')).length, 1);
});

test('started processes that leave governing paths alone end the run cleanly, and later commands run', async (t) => {
  const f = await fixture(t);
  await f.ctx('bg').exec.start(['sleep', '60']);
  await f.ctx('quick').exec.start(['touch', 'made']);
  await until(() => existsSync(join(f.root, 'made')));
  assert.equal((await f.ctx('next').exec.run(['touch', 'ran'])).exitCode, 0);
  await f.registry.finish('run-g');
  assert.equal(await readFile(f.script, 'utf8'), 'echo build\n');
});

test('end to end: a process_start that plants a config fails the run, run.finished records the code, the file is moved aside', async () => {
  const mission = [
    'steps:',
    '  - id: plant',
    '    step_type: process_start',
    `    parameters: { command: sh, args: ['-c', 'cp m.yaml rustchain.config.mjs; echo planted; exec sleep 60'], wait_for: { output: planted, timeout_ms: 60000 } }`,
    '  - id: later',
    '    step_type: create_file',
    '    depends_on: [plant]',
    '    parameters: { path: later.txt, content: ran }',
    '',
  ].join('\n');
  const project = await tempProject({ 'm.yaml': mission });
  try {
    // Ready once the copy is made; the process still runs when the run stops it (and then is checked).
    const run = await runCli(['mission', 'execute', 'm.yaml', '--allow-run=sh', '--json'], { cwd: project.dir, home: project.home });
    const c: CaseRun = { run, dir: project.dir, home: project.home, doc: json(run), ledger: readLedger(project.home) };
    assert.equal(run.code, 1, run.stderr);
    const doc = c.doc as { status: string; error?: { code: string; details: { stepId: string } } };
    assert.equal(doc.status, 'failed');
    assert.equal(doc.error?.code, 'E_GOVERNING_TAMPERED');
    assert.equal(doc.error?.details.stepId, 'plant');
    assert.equal(existsSync(join(project.dir, 'rustchain.config.mjs')), false, 'the next invocation finds no planted config');
    const finished = c.ledger.find((e) => e.type === 'run.finished');
    assert.equal((finished?.payload['error'] as { code: string } | undefined)?.code, 'E_GOVERNING_TAMPERED');
    await assertLedgerRecords(c, 'E_GOVERNING_TAMPERED');
    // The reviewer sees it too: audit report names the run-level error.
    const report = await runCli(['audit', 'report', '--format', 'json'], { cwd: project.dir, home: project.home });
    assert.equal(report.code, 0, report.stderr);
    const runs = (json(report) as { runs: Array<{ errorCode: string | null }> }).runs;
    assert.equal(runs.at(-1)?.errorCode, 'E_GOVERNING_TAMPERED');
    const text = await runCli(['audit', 'report'], { cwd: project.dir, home: project.home });
    assert.match(text.stdout, /: failed E_GOVERNING_TAMPERED \(/);
  } finally {
    await project.cleanup();
  }
});
