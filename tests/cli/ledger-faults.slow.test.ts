/**
 * Issue 12, write-ahead ledger under faults, through the real CLI: a ledger that stops taking
 * writes mid-run (state dir remounted read-only by a step), a full disk (256 KiB tmpfs), a
 * read-only state dir from the start, and 50 concurrent runs on one state dir. Every side
 * effect on disk must have its step.started in the ledger; a run that cannot record fails
 * closed (exit 1, nothing further runs, the run document still printed with --json) and the
 * state dir is recoverable afterwards. Mounting needs root: skipped (with the reason) without it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, segmentPath, type MissionResult } from '@rustchain/core';
import { finished, json, runCli, startCli, tempProject } from './harness.ts';

/** Mount a tmpfs (or remount) at `dir`; returns why it cannot when mount is not permitted. */
function tryMount(args: string[]): string | null {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `mount not permitted here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
}
const unmount = (dir: string): void => {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // already gone
  }
};

/** Every complete ledger line of every segment, parsed. */
async function ledgerEvents(home: string): Promise<Array<{ type: string; runId: string | null; payload: Record<string, unknown> }>> {
  const paths = auditPaths(home);
  const out = [];
  const segments = readdirSync(paths.dir).filter((n) => /^ledger(\.\d+)?\.jsonl$/.test(n)).length;
  for (let n = 0; n < segments; n++) {
    const text = await readFile(segmentPath(paths, n), 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) if (line !== '') out.push(JSON.parse(line) as { type: string; runId: string | null; payload: Record<string, unknown> });
  }
  return out;
}

/** Step ids whose step.started is in the ledger. */
const startedIds = (events: Awaited<ReturnType<typeof ledgerEvents>>): Set<string> =>
  new Set(events.filter((e) => e.type === 'step.started').map((e) => String(e.payload['stepId'])));

const header = (name: string): string => `version: "1.0"\nname: ${name}\nsteps:\n`;
const createStep = (id: string, deps: string[] = []): string =>
  `  - id: ${id}\n    step_type: create_file\n${deps.length > 0 ? `    depends_on: [${deps.join(', ')}]\n` : ''}    parameters: { path: out/${id}.txt, content: ${id} }\n`;

test('fail closed: when the ledger stops taking writes mid-run, no later step runs, exit 1, the run document is printed', async (t) => {
  const project = await tempProject();
  t.after(async () => {
    unmount(auditPaths(project.home).dir);
    await project.cleanup();
  });
  // Only the audit dir is its own mount: the ledger is the one thing that stops taking writes.
  const audit = auditPaths(project.home).dir;
  mkdirSync(audit, { recursive: true });
  const why = tryMount(['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', audit]);
  if (why !== null) return t.skip(why);
  // s2 makes the audit dir read-only; s3 and s4 come after it and must never run. It opts out of
  // the default sandbox: a remount inside bwrap's mount namespace would not reach the host.
  const mission = `${header('fail-closed')}${createStep('s1')}  - id: s2
    step_type: command
    depends_on: [s1]
    parameters: { command: mount, args: ["-o", "remount,ro", "${audit}"], sandbox: none }
${createStep('s3', ['s2'])}${createStep('s4', ['s3'])}`;
  await writeFile(join(project.dir, 'm.yaml'), mission);
  const run = await runCli(['mission', 'execute', '--json', '--allow-run=mount', 'm.yaml'], { cwd: project.dir, home: project.home });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /E_AUDIT_WRITE_FAILED/);
  const doc = json<MissionResult>(run);
  assert.equal(doc.status, 'failed');
  assert.deepEqual(doc.steps.map((s) => [s.id, s.status]), [['s1', 'succeeded'], ['s2', 'succeeded'], ['s3', 'cancelled'], ['s4', 'cancelled']]);
  assert.equal(existsSync(join(project.dir, 'out', 's1.txt')), true);
  assert.equal(existsSync(join(project.dir, 'out', 's3.txt')), false, 's3 ran although its start could not be recorded');
  assert.equal(existsSync(join(project.dir, 'out', 's4.txt')), false);
  // Recoverable: writable again, the ledger verifies (repairing what the failure left, if anything).
  assert.equal(tryMount(['-o', 'remount,rw', audit]), null);
  const verify = await runCli(['audit', 'verify', '--repair', '--json'], { cwd: project.dir, home: project.home });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.deepEqual([...startedIds(await ledgerEvents(project.home))].sort(), ['s1', 's2']);
});

test('ENOSPC (256 KiB tmpfs state dir): no side effect without its step.started, exit 1, then verify --repair and the next run work', async (t) => {
  const project = await tempProject();
  t.after(async () => {
    unmount(project.home);
    await project.cleanup();
  });
  mkdirSync(project.home, { recursive: true });
  const why = tryMount(['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', project.home]);
  if (why !== null) return t.skip(why);
  const ids = Array.from({ length: 400 }, (_, i) => `f${i}`);
  await writeFile(join(project.dir, 'full.yaml'), `${header('fill')}${ids.map((id) => createStep(id)).join('')}`);
  const run = await runCli(['mission', 'execute', '--json', '--max-parallel', '4', 'full.yaml'], { cwd: project.dir, home: project.home });
  assert.equal(run.code, 1, run.stderr);
  // Whichever write hits the full disk first (ledger or run state), the run fails closed.
  assert.match(run.stderr, /E_AUDIT_WRITE_FAILED|E_RUN_STATE_WRITE_FAILED/);
  const doc = json<MissionResult>(run);
  assert.equal(doc.status, 'failed');
  const started = startedIds(await ledgerEvents(project.home));
  const written = readdirSync(join(project.dir, 'out')).map((f) => f.replace(/\.txt$/, ''));
  assert.ok(written.length > 0 && written.length < ids.length, `${written.length} files`);
  const unrecorded = written.filter((id) => !started.has(id));
  assert.deepEqual(unrecorded, [], 'files written by steps whose start is not in the ledger');
  for (const step of doc.steps) if (step.status === 'succeeded') assert.ok(written.includes(step.id));

  assert.equal(tryMount(['-o', 'remount,size=8m', project.home]), null);
  const verify = await runCli(['audit', 'verify', '--repair', '--json'], { cwd: project.dir, home: project.home });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  await writeFile(join(project.dir, 'small.yaml'), `${header('after')}${createStep('after1')}`);
  const next = await runCli(['mission', 'execute', '--json', 'small.yaml'], { cwd: project.dir, home: project.home });
  assert.equal(next.code, 0, next.stderr);
  assert.equal((await runCli(['audit', 'verify'], { cwd: project.dir, home: project.home })).code, 0);
});

// Exit 1 when the ledger refuses (E_AUDIT_WRITE_FAILED: a run that cannot be recorded is a failed
// run, its document printed); the run-state write, when it comes first, refuses with exit 2.
test('a read-only state dir is refused before any step runs (exit 1 or 2) and nothing is written to it', async (t) => {
  const project = await tempProject();
  t.after(async () => {
    unmount(project.home);
    await project.cleanup();
  });
  await writeFile(join(project.dir, 'one.yaml'), `${header('setup')}${createStep('setup')}`);
  assert.equal((await runCli(['mission', 'execute', 'one.yaml'], { cwd: project.dir, home: project.home })).code, 0);
  const why = tryMount(['--bind', project.home, project.home]);
  if (why !== null) return t.skip(why);
  assert.equal(tryMount(['-o', 'remount,bind,ro', project.home]), null);
  const before = await readFile(auditPaths(project.home).ledger);
  await writeFile(join(project.dir, 'ro.yaml'), `${header('ro')}${createStep('r1')}${createStep('r2', ['r1'])}`);
  const run = await runCli(['mission', 'execute', '--json', 'ro.yaml'], { cwd: project.dir, home: project.home });
  assert.ok(run.code === 1 || run.code === 2, `exit ${run.code}: ${run.stderr}`);
  assert.match(run.stdout + run.stderr, /E_AUDIT_WRITE_FAILED|E_RUN_STATE_WRITE_FAILED/);
  if (run.code === 1) assert.deepEqual(json<MissionResult>(run).steps.map((s) => s.status), ['cancelled', 'cancelled']);
  assert.equal(existsSync(join(project.dir, 'out', 'r1.txt')), false);
  assert.equal(existsSync(join(project.dir, 'out', 'r2.txt')), false);
  assert.deepEqual(await readFile(auditPaths(project.home).ledger), before);
});

test('50 concurrent runs (50 CLI processes) on one state dir all succeed and the ledger verifies', { timeout: 300_000 }, async (t) => {
  const project = await tempProject();
  t.after(() => project.cleanup());
  const N = 50;
  for (let i = 0; i < N; i++) {
    await writeFile(join(project.dir, `m${i}.yaml`), `${header(`c${i}`)}${createStep(`c${i}a`)}${createStep(`c${i}b`, [`c${i}a`])}`);
  }
  const began = Date.now();
  const runs = await Promise.all(Array.from({ length: N }, (_, i) =>
    finished(startCli(['mission', 'execute', '--json', `m${i}.yaml`], { cwd: project.dir, home: project.home }))));
  const wallMs = Date.now() - began;
  const failed = runs.filter((r) => r.code !== 0);
  assert.deepEqual(failed.map((r) => r.stderr.slice(0, 300)), []);
  const verify = await runCli(['audit', 'verify', '--json'], { cwd: project.dir, home: project.home });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const events = await ledgerEvents(project.home);
  assert.equal(events.filter((e) => e.type === 'run.finished').length, N);
  // Every file a run wrote has its start recorded.
  const started = startedIds(events);
  for (const f of readdirSync(join(project.dir, 'out'))) assert.ok(started.has(f.replace(/\.txt$/, '')), f);
  t.diagnostic(`${N} concurrent runs: ${wallMs} ms wall, ${events.length} events`);
});
