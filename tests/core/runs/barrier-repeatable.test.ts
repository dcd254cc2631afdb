/**
 * Issue 16: the run state's write-ahead barrier waits only for what resume must know — a
 * non-repeatable step's start or success. A repeatable (pure, read, idempotent) step's start
 * no longer costs a whole-state write before it runs (that made every step of a chain
 * O(steps) plus two fsyncs); it is written later, coalesced, and by finish() at the latest.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createRunStateRecorder, readRunState, type RunState } from '../../../core/src/index.ts';
import { mission, step } from '../engine/helpers.ts';
import { stateDirs } from './helpers.ts';

const stateDir = stateDirs('barrier');

const EFFECTS: Record<string, 'pure' | 'side-effect'> = { noop: 'pure', command: 'side-effect' };
const m = mission([step('p'), step('q', ['p']), step('c', ['q'], { type: 'command' })]);

function setup() {
  const dir = stateDir();
  const rec = createRunStateRecorder({
    stateDir: dir, runId: 'r', mission: m, artifact: { kind: 'mission', file: '/x/m.yaml', sha256: m.source.sha256 },
    effectOf: (t) => EFFECTS[t] ?? null,
  });
  // What a reader finds: the snapshot with its journal applied.
  const onDisk = () => readRunState(dir, 'r') as RunState;
  return { rec, onDisk };
}

describe('run state barrier', () => {
  it('a repeatable step start passes the barrier without a write; a side-effect start is written first', async () => {
    const { rec, onDisk } = setup();
    rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'p', attempt: 1 });
    await rec.barrier();
    assert.equal(onDisk().steps['p']!.status, 'pending', 'no write for a pure step');
    rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 'p', attempt: 1, durationMs: 0, outputs: {} });
    rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'q', attempt: 1 });
    await rec.barrier();
    rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 'q', attempt: 1, durationMs: 0, outputs: {} });
    rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'c', attempt: 1 });
    await rec.barrier();
    // The side-effect start is on disk, and with it every transition before it.
    assert.deepEqual(['p', 'q', 'c'].map((id) => onDisk().steps[id]!.status), ['succeeded', 'succeeded', 'running']);
    rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 'c', attempt: 1, durationMs: 0, outputs: { ok: true } });
    await rec.barrier();
    assert.deepEqual(onDisk().steps['c']!.outputs, { ok: true }, 'a side-effect success is durable at the next barrier');
    await rec.finish('succeeded');
    assert.equal(onDisk().status, 'succeeded');
  });

  it('repeatable transitions still reach the disk (coalesced, and at finish)', async () => {
    const { rec, onDisk } = setup();
    rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'p', attempt: 1 });
    rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 'p', attempt: 1, durationMs: 0, outputs: { n: 1 } });
    await rec.finish('failed');
    assert.deepEqual([onDisk().steps['p']!.status, onDisk().steps['p']!.outputs, onDisk().status], ['succeeded', { n: 1 }, 'failed']);
  });
});
