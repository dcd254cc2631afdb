/**
 * Issue 12: SIGKILL of a real run (the real CLI, fsync durability) at moments fast-check
 * chooses; after each kill every file a step wrote has its step.started in the ledger,
 * `audit verify --repair` ends ok (keeping a copy of anything it cut) and the next run works.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { readRunState } from '../../core/src/index.ts';
import { createStep, fixture, header, repairsAndRunsOn } from './crash-helpers.ts';
import { finished, startCli } from './harness.ts';

test('SIGKILL of a real run at moments fast-check chooses: verify --repair ends ok, every side effect has its step.started, the next run works', { timeout: 300_000 }, async (t) => {
  const { project, cli, paths } = await fixture();
  t.after(() => project.cleanup());
  const ids = Array.from({ length: 200 }, (_, i) => `k${i}`);
  await writeFile(join(project.dir, 'long.yaml'), `${header('long')}${ids.map((id, i) => createStep(id, i < 2 ? [] : [ids[i - 2]!])).join('')}`);
  let kills = 0;
  // The kill moment counts from the run's start (its state names this process), not from the
  // spawn: start-up time varies with the machine, the run itself takes ~0.5 s or more.
  await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 400 }), async (delayMs) => {
    const child = startCli(['mission', 'execute', 'long.yaml'], { cwd: project.dir, home: project.home });
    const done = finished(child);
    await runStarted(project.home, child.pid as number, done);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (child.exitCode === null) {
      process.kill(-(child.pid as number), 'SIGKILL');
      kills++;
    }
    await done;
    const events = existsSync(paths.ledger)
      ? (await readFile(paths.ledger, 'utf8')).split('\n').filter((l) => l.endsWith('}')).map((l) => { try { return JSON.parse(l) as { type: string; payload: Record<string, unknown> }; } catch { return null; } })
      : [];
    const started = new Set(events.filter((e) => e?.type === 'step.started').map((e) => String(e?.payload['stepId'])));
    const written = existsSync(join(project.dir, 'out')) ? readdirSync(join(project.dir, 'out')).map((f) => f.replace(/\.txt$/, '')) : [];
    assert.deepEqual(written.filter((id) => !started.has(id)), [], 'side effects without their step.started');
    const doc = await repairsAndRunsOn(cli);
    if ((doc.repaired?.removedBytes ?? 0) > 0) assert.ok(existsSync(doc.repaired?.copy as string));
    await rm(join(project.dir, 'out'), { recursive: true, force: true });
  }), { numRuns: 8, seed: Number(process.env['FC_SEED'] ?? 12) });
  t.diagnostic(`${kills} SIGKILLs mid-run`);
  assert.ok(kills >= 3, `only ${kills} kills landed mid-run`);
});

/** Resolves once a run state under `home` names `pid` as its process (or the CLI ended first). */
async function runStarted(home: string, pid: number, done: Promise<unknown>): Promise<void> {
  let ended = false;
  void done.then(() => (ended = true));
  while (!ended) {
    const dir = join(home, 'runs');
    const names = existsSync(dir) ? readdirSync(dir) : [];
    if (names.some((name) => readRunState(home, name)?.process.pid === pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
