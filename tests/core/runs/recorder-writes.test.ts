/**
 * The recorder's writes: a snapshot at the start and the end, a journal line per changed step
 * between them. Whatever the interleaving of transitions, barriers and pauses, what a reader
 * finds (snapshot + journal) after a barrier holds every start and success the barrier
 * promised, after finish it is the state itself and no journal is left, and a failed write
 * fails the barrier and every later event (fail closed).
 */
import { strict as assert } from 'node:assert';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { createRunStateRecorder, readRunState, type RunEvent, type RunState } from '../../../core/src/index.ts';
import { mission, step } from '../engine/helpers.ts';
import { stateDirs } from './helpers.ts';

const stateDir = stateDirs('recorder-writes');

const IDS = ['a', 'b', 'c', 'd', '7'];
const m = mission(IDS.map((id) => step(id, [], { type: id === 'b' ? 'noop' : 'command' })));
/** Only repeatable steps (no kept entries, pending ones shared), of two types and phases. */
const pureMission = { ...mission(IDS.map((id) => step(id, [], { type: id === 'b' ? 'read_file' : 'noop' }))), finally: [step('f')] };
const EFFECTS: Record<string, 'pure' | 'read' | 'side-effect'> = { noop: 'pure', read_file: 'read', command: 'side-effect' };

function recorder(dir: string, which = m) {
  return createRunStateRecorder({ stateDir: dir, runId: 'r', mission: which, artifact: { kind: 'mission', file: '/x/m.yaml', sha256: which.source.sha256 }, effectOf: (t) => EFFECTS[t] ?? null });
}
/** What a reader finds (the snapshot with its journal applied). */
const onDisk = (dir: string): RunState => readRunState(dir, 'r')!;
/** The recorder's state as a reader should find it (the journal's name is the file's business). */
const expected = (state: RunState): RunState => {
  const { journal: _journal, ...rest } = state;
  return JSON.parse(JSON.stringify(rest)) as RunState;
};
/** The run's journal files. */
const journals = (dir: string): string[] => readdirSync(join(dir, 'runs', 'r')).filter((n) => n.startsWith('journal-'));

const eventArb: fc.Arbitrary<RunEvent | 'barrier' | 'tick'> = fc.oneof(
  fc.constantFrom('barrier' as const, 'tick' as const),
  fc.record({ stepId: fc.constantFrom(...IDS), attempt: fc.integer({ min: 1, max: 3 }), kind: fc.constantFrom('started', 'succeeded', 'failed', 'retried', 'skipped'), outputs: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }) })
    .map(({ stepId, attempt, kind, outputs }): RunEvent => {
      const error = { code: 'E_STEP_FAILED' as const, message: 'x' };
      if (kind === 'started') return { type: 'step.started', runId: 'r', stepId, attempt };
      if (kind === 'succeeded') return { type: 'step.succeeded', runId: 'r', stepId, attempt, durationMs: 1, outputs };
      if (kind === 'failed') return { type: 'step.failed', runId: 'r', stepId, attempt, durationMs: 1, error };
      if (kind === 'retried') return { type: 'step.retried', runId: 'r', stepId, attempt, delayMs: 0, error };
      return { type: 'step.skipped', runId: 'r', stepId, error };
    }),
);

test('after any sequence of transitions, barriers and pauses, what a reader finds is the state', async () => {
  await fc.assert(fc.asyncProperty(fc.array(eventArb, { maxLength: 30 }), fc.boolean(), async (events, pure) => {
    const dir = stateDir();
    const rec = recorder(dir, pure ? pureMission : m);
    // The first write (all pending, shared entries) is the state too.
    assert.deepEqual(onDisk(dir), expected(rec.state));
    const pending: Promise<void>[] = [];
    // What the barrier promises: a non-repeatable step's start or success is on disk.
    const promised = new Set<string>();
    for (const event of events) {
      if (event === 'barrier') pending.push(rec.barrier());
      else if (event === 'tick') await new Promise((resolve) => setImmediate(resolve));
      else {
        rec.onEvent(event);
        if (event.type === 'step.started' || event.type === 'step.succeeded') promised.add(event.stepId);
        else if (event.type !== 'step.retried' && 'stepId' in event) promised.delete(event.stepId);
      }
    }
    // Barriers asked while writes were under way, then one more: every transition of a
    // non-repeatable step is on disk; finish writes the rest.
    await Promise.all(pending);
    await rec.barrier();
    const found = onDisk(dir);
    for (const id of [...promised].filter((i) => !pure && i !== 'b')) assert.equal(found.steps[id]!.status, rec.state.steps[id]!.status, `step ${id}`);
    await rec.finish('failed');
    assert.deepEqual(onDisk(dir), expected(rec.state));
    assert.deepEqual(journals(dir), [], 'the final snapshot replaces the journal');
    rmSync(dir, { recursive: true, force: true });
  }), { numRuns: 60 });
});

test('a start asked for while a success is being written is covered by that write or the next, never lost', async () => {
  const dir = stateDir();
  const rec = recorder(dir);
  rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'a', attempt: 1 });
  await rec.barrier();
  rec.onEvent({ type: 'step.succeeded', runId: 'r', stepId: 'a', attempt: 1, durationMs: 1, outputs: { n: 1 } }); // written at once
  rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'c', attempt: 1 });
  await rec.barrier();
  const found = onDisk(dir);
  assert.deepEqual([found.steps['a']!.status, found.steps['a']!.outputs, found.steps['c']!.status], ['succeeded', { n: 1 }, 'running']);
  await rec.finish('succeeded');
});

test('a write that fails rejects the barrier with E_RUN_STATE_WRITE_FAILED and every later event throws it', async () => {
  const dir = stateDir();
  const rec = recorder(dir);
  // The run's directory replaced by a file: the next write cannot even open its tmp file (root included).
  rmSync(join(dir, 'runs', 'r'), { recursive: true });
  writeFileSync(join(dir, 'runs', 'r'), '');
  rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'a', attempt: 1 });
  await assert.rejects(rec.barrier(), { code: 'E_RUN_STATE_WRITE_FAILED' });
  assert.throws(() => rec.onEvent({ type: 'step.started', runId: 'r', stepId: 'c', attempt: 1 }), { code: 'E_RUN_STATE_WRITE_FAILED' });
  await assert.rejects(rec.barrier(), { code: 'E_RUN_STATE_WRITE_FAILED' });
});
