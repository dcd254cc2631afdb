/**
 * Issue 17 "Must show": a coordinator, 3 `rustchain worker` processes and a local redis-server
 * run a 1,000-step mission; one worker is SIGKILLed mid-run. Every idempotent step ends
 * succeeded exactly once in the results, the side-effect steps that worker was running fail
 * with E_STEP_REDELIVERED (never run twice), no step is lost, and the ledger verifies. Then a
 * coordinator SIGKILLed mid-run is restarted with --resume and finishes the run without
 * running succeeded steps again. BullMQ's lock and stall check are shortened through the
 * worker's options; nothing here asserts a wall-clock time.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRunState, type RunState } from '../../core/src/index.ts';
import { NO_REDIS, startRedis } from '../plugins/redis-helpers.ts';
import { finished, json, runCli, startCli } from './harness.ts';
import { backendProject, killGroup, ledgerEvents, missionText, sleepStep, startMarkers, startWorker, unfinished, until } from './redis-backend-helpers.ts';

interface RunDoc {
  runId: string;
  status: string;
  steps: { id: string; status: string; attempts: number; resumed?: boolean; outputs: Record<string, unknown>; error: { code: string } | null }[];
}

/** Worker flags: 4 steps at once, a dead worker's jobs re-delivered after 4 s (checked every second). */
const WORKER = ['--concurrency', '4', '--lock-duration', '4000', '--stalled-interval', '1000'];

describe('redis backend: workers and the coordinator killed mid-run', { skip: NO_REDIS, timeout: 900_000 }, () => {
  it('1,000 steps on 3 workers, one SIGKILLed: idempotent steps succeed once, its side-effect steps fail E_STEP_REDELIVERED, none lost, the ledger verifies', async (t) => {
    const redis = await startRedis(t);
    const url = `redis://127.0.0.1:${redis.port}`;
    const project = await backendProject();
    t.after(project.cleanup);
    // Every 10th step has side effects and sleeps long enough to be caught running by the kill.
    const steps = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? sleepStep(`s${i}`, 'sleep_side', 1500) : sleepStep(`s${i}`, 'sleep_idem', 10)));
    await writeFile(join(project.dir, 'm.yaml'), missionText('thousand', steps));
    const workers = await Promise.all([0, 1, 2].map(() => startWorker(url, WORKER, project)));
    t.after(() => workers.forEach((w) => killGroup(w.child)));
    const victim = workers[0]!.child.pid!;

    const coordinator = startCli(['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', url, '--json'], { cwd: project.dir, home: project.home });
    t.after(() => killGroup(coordinator));
    const result = finished(coordinator);
    // Kill the victim once the run is under way and it is in the middle of a side-effect step.
    await until(async () => (await startMarkers(project.dir)).length >= 150 && (await unfinished(project.dir)).some((m) => m.pid === victim && Number(m.stepId.slice(1)) % 10 === 0));
    killGroup(workers[0]!.child);
    const run = await result;
    assert.equal(run.code, 1, run.stderr.slice(-2000)); // some side-effect steps failed
    const doc = json<RunDoc>(run);

    // No step lost: every one of the 1,000 has a result, none skipped or cancelled.
    assert.equal(doc.steps.length, 1000);
    const side = (id: string) => Number(id.slice(1)) % 10 === 0;
    for (const step of doc.steps) {
      if (!side(step.id)) {
        assert.deepEqual([step.id, step.status, step.attempts], [step.id, 'succeeded', 1], JSON.stringify(step.error));
      } else {
        assert.ok(step.status === 'succeeded' || step.error?.code === 'E_STEP_REDELIVERED', `${step.id}: ${step.status} ${step.error?.code}`);
      }
    }
    const redelivered = doc.steps.filter((s) => s.error?.code === 'E_STEP_REDELIVERED').map((s) => s.id);
    assert.ok(redelivered.length >= 1, 'the killed worker was running at least one side-effect step');
    // Never run twice: each side-effect step started at most once, and a redelivered one on the victim.
    const markers = await startMarkers(project.dir);
    for (const id of doc.steps.filter((s) => side(s.id)).map((s) => s.id)) {
      assert.ok(markers.filter((m) => m.stepId === id).length <= 1, `${id} started more than once`);
    }
    assert.ok(redelivered.some((id) => markers.some((m) => m.stepId === id && m.pid === victim)));
    // Idempotent steps the victim held were re-delivered and ran again elsewhere: still one success each.
    const events = await ledgerEvents(project.home, doc.runId);
    for (const step of doc.steps) {
      assert.equal(events.filter((e) => e === `step.succeeded:${step.id}`).length, step.status === 'succeeded' ? 1 : 0, step.id);
    }
    const verify = await runCli(['audit', 'verify', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(verify.code, 0, verify.stdout);
  });

  it('a coordinator SIGKILLed mid-run is restarted with --resume: the run finishes, succeeded steps are not run again', async (t) => {
    const redis = await startRedis(t);
    const url = `redis://127.0.0.1:${redis.port}`;
    const project = await backendProject();
    t.after(project.cleanup);
    const steps = Array.from({ length: 300 }, (_, i) => sleepStep(`s${i}`, 'sleep_idem', 30));
    await writeFile(join(project.dir, 'm.yaml'), missionText('resumable', steps, '  max_parallel_steps: 8\n'));
    const workers = await Promise.all([0, 1].map(() => startWorker(url, WORKER, project)));
    t.after(() => workers.forEach((w) => killGroup(w.child)));
    const args = ['mission', 'execute', 'm.yaml', '--backend', 'redis', '--redis', url, '--json'];
    const first = startCli(args, { cwd: project.dir, home: project.home });
    const firstDone = finished(first);
    // Killed once the run state holds some succeeded steps (its writes are batched: a kill before
    // the first one would leave nothing to reuse, and the property below would be vacuous).
    await until(async () => (await startMarkers(project.dir)).length >= 60 && (await succeededInRunState(project.home)) >= 1);
    killGroup(first);
    const killed = await firstDone;
    assert.equal(killed.signal, 'SIGKILL');
    // Ledger first: every success the run state holds (and resume will reuse unrun) is audited.
    const state = await runStateOf(project.home);
    const audited = await ledgerEvents(project.home, state.runId);
    for (const [id, step] of Object.entries(state.steps)) {
      if (step.status === 'succeeded') assert.ok(audited.includes(`step.succeeded:${id}`), `run state calls ${id} succeeded; the ledger has no step.succeeded for it`);
    }

    let resumed = await runCli([...args, '--resume', 'latest'], { cwd: project.dir, home: project.home });
    if (resumed.code === 2 && resumed.stdout.includes('E_AUDIT_UNSIGNED_TAIL')) {
      // Killed between a ledger append and its head signature (as in-process, crash-states test):
      // the documented repair re-signs the tail, then the resume goes on.
      const repaired = await runCli(['audit', 'verify', '--repair', '--json'], { cwd: project.dir, home: project.home });
      assert.equal(repaired.code, 0, repaired.stdout);
      resumed = await runCli([...args, '--resume', 'latest'], { cwd: project.dir, home: project.home });
    }
    assert.equal(resumed.code, 0, resumed.stderr.slice(-3000) + resumed.stdout.slice(0, 3000));
    const doc = json<RunDoc>(resumed);
    assert.equal(doc.steps.length, 300);
    assert.ok(doc.steps.every((s) => s.status === 'succeeded'));
    const reused = doc.steps.filter((s) => s.resumed === true).length;
    assert.ok(reused >= 1 && reused < 300, `resumed ${reused}`);
    // A step recorded as succeeded before the kill was not dispatched again.
    const events = await ledgerEvents(project.home, doc.runId);
    for (const step of doc.steps.filter((s) => s.resumed === true)) {
      assert.equal(events.filter((e) => e === `step.succeeded:${step.id}`).length, 1, step.id);
    }
    const verify = await runCli(['audit', 'verify', '--json'], { cwd: project.dir, home: project.home });
    assert.equal(verify.code, 0, verify.stdout);
  });
});

/** The one run state under `<stateDir>/runs`. */
async function runStateOf(stateDir: string): Promise<RunState> {
  const ids = (await readdir(join(stateDir, 'runs'))).filter((name) => !name.startsWith('.'));
  assert.equal(ids.length, 1, ids.join(', '));
  const state = readRunState(stateDir, ids[0]!);
  assert.ok(state !== null);
  return state;
}

/** Steps recorded as succeeded in the run state (`<stateDir>/runs/<id>/state.json`); 0 before it exists. */
async function succeededInRunState(stateDir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(join(stateDir, 'runs')).catch(() => [] as string[])) {
    // As resume reads it (snapshot + journal); null: not a run directory, or not written yet.
    const state = readRunState(stateDir, entry);
    count += Object.values(state?.steps ?? {}).filter((s) => s.status === 'succeeded').length;
  }
  return count;
}
