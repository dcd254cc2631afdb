import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createRunStateRecorder, planResume, readRunState, reconcileInterrupted, type RunState } from '../../../core/src/index.ts';
import { writeRunState } from '../../../core/src/runs/state.ts';
import { mission, step } from '../engine/helpers.ts';
import { stateDirs } from './helpers.ts';

const stateDir = stateDirs('runs');

const EFFECTS: Record<string, 'pure' | 'idempotent' | 'side-effect'> = { noop: 'pure', create_file: 'idempotent', command: 'side-effect' };
const m = { ...mission([step('a', [], { type: 'command' }), step('b', ['a'], { type: 'create_file' }), step('c', ['b'])]), finally: [step('f')] };
const artifact = { kind: 'mission' as const, file: '/x/m.yaml', sha256: m.source.sha256 };

function recorder(dir: string, runId = 'run-1', previous?: RunState) {
  return createRunStateRecorder({ stateDir: dir, runId, mission: m, artifact, effectOf: (t) => EFFECTS[t] ?? null, previous });
}
/** What a reader finds on disk (the snapshot with its journal applied). */
const onDisk = (dir: string, runId = 'run-1') => readRunState(dir, runId) as RunState;

describe('run state recorder', () => {
  it('the barrier makes every start so far durable in one write; a side-effect success is written at once', async () => {
    const dir = stateDir();
    const rec = recorder(dir);
    assert.equal(onDisk(dir).status, 'running');
    rec.onEvent({ type: 'step.started', runId: 'run-1', stepId: 'a', attempt: 1 });
    rec.onEvent({ type: 'step.started', runId: 'run-1', stepId: 'b', attempt: 1 });
    assert.equal(onDisk(dir).steps['a']!.status, 'pending');
    await rec.barrier();
    assert.deepEqual([onDisk(dir).steps['a']!.status, onDisk(dir).steps['b']!.status], ['running', 'running']);
    rec.onEvent({ type: 'step.succeeded', runId: 'run-1', stepId: 'a', attempt: 1, durationMs: 1, outputs: { x: 1 } });
    await rec.barrier();
    assert.deepEqual(onDisk(dir).steps['a']!.outputs, { x: 1 });
    rec.onEvent({ type: 'run.finished', runId: 'run-1', status: 'failed', durationMs: 1 });
    await rec.finish('failed');
    assert.equal(readRunState(dir, 'run-1')?.status, 'failed');
    assert.equal(readRunState(dir, '../etc'), null);
  });
});

describe('interrupted runs', () => {
  it('a running state whose process is gone is marked interrupted once', () => {
    const dir = stateDir();
    recorder(dir);
    const state = onDisk(dir);
    // A pid that cannot be ours: the state's owner is gone.
    writeRunState(dir, { ...state, process: { ...state.process, pid: 2 ** 22 + 7 } });
    const found = reconcileInterrupted(dir);
    assert.deepEqual(found.map((s) => [s.runId, s.status]), [['run-1', 'interrupted']]);
    assert.equal(onDisk(dir).status, 'interrupted');
    assert.deepEqual(reconcileInterrupted(dir), []);
  });

  it('a live run (this process) is left alone', () => {
    const dir = stateDir();
    recorder(dir);
    assert.deepEqual(reconcileInterrupted(dir), []);
    assert.equal(onDisk(dir).status, 'running');
  });
});

describe('planResume', () => {
  const base = (steps: RunState['steps'], status: RunState['status'] = 'interrupted'): RunState => ({
    version: 1, runId: 'r', status, mission: { name: 'test', file: 'test.yaml', sha256: m.source.sha256 }, artifact,
    process: { pid: 2 ** 22 + 7, startTime: null, host: 'elsewhere-not-this-host' }, startedAt: '', updatedAt: '', resumes: 0, steps,
  });
  const s = (status: RunState['steps'][string]['status'], effect: 'pure' | 'idempotent' | 'side-effect', extra = {}) => ({ status, phase: 'main' as const, type: 't', effect, attempts: status === 'pending' ? 0 : 1, ...extra });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as { code: string; details?: Record<string, unknown> });
    }
    return null;
  };

  it('reuses succeeded steps and re-runs an interrupted repeatable one', () => {
    const plan = planResume(base({ a: s('succeeded', 'side-effect', { outputs: { o: 1 } }), b: s('running', 'idempotent'), c: s('pending', 'pure'), f: s('succeeded', 'pure') }, 'failed'), m, artifact.sha256, { rerunInterrupted: false });
    assert.deepEqual(plan.completed, { a: { outputs: { o: 1 }, attempts: 1 } });
    assert.deepEqual(plan.rerun, ['b']);
  });

  it('reuses succeeded finally steps only when every main step succeeded', () => {
    const plan = planResume(base({ a: s('succeeded', 'side-effect'), b: s('succeeded', 'idempotent'), c: s('succeeded', 'pure'), f: s('succeeded', 'pure') }), m, artifact.sha256, { rerunInterrupted: false });
    assert.deepEqual(plan.reused, ['a', 'b', 'c', 'f']);
  });

  it('refuses an interrupted side-effect step unless told to re-run it', () => {
    const state = base({ a: s('running', 'side-effect'), b: s('pending', 'idempotent'), c: s('pending', 'pure') });
    const refused = code(() => planResume(state, m, artifact.sha256, { rerunInterrupted: false }));
    assert.equal(refused?.code, 'E_RESUME_INTERRUPTED_STEP');
    assert.deepEqual(refused?.details?.['steps'], ['a']);
    assert.deepEqual(planResume(state, m, artifact.sha256, { rerunInterrupted: true }).rerun, ['a']);
    // A side-effect step cancelled mid-attempt counts as interrupted too.
    assert.equal(code(() => planResume(base({ a: s('cancelled', 'side-effect') }, 'cancelled'), m, artifact.sha256, { rerunInterrupted: false }))?.code, 'E_RESUME_INTERRUPTED_STEP');
  });

  it('refuses a changed mission, a succeeded run and a live one', () => {
    assert.equal(code(() => planResume(base({}), m, 'f'.repeat(64), { rerunInterrupted: true }))?.code, 'E_RESUME_DIGEST_CHANGED');
    assert.equal(code(() => planResume(base({}, 'succeeded'), m, artifact.sha256, { rerunInterrupted: true }))?.code, 'E_RESUME_NOT_RESUMABLE');
    const live = { ...base({}, 'running'), process: { pid: process.pid, startTime: null, host: 'elsewhere-not-this-host' } };
    assert.equal(code(() => planResume(live, m, artifact.sha256, { rerunInterrupted: true }))?.code, 'E_RESUME_NOT_RESUMABLE');
  });
});
