/**
 * The recorder's whole-state writes for runs with non-repeatable steps: the JSON of entries that
 * did not change is reused, and a write holds every transition made before it began serialising.
 * Whatever the interleaving, what is on disk after a barrier is the state itself, byte for byte,
 * and a failed write fails the barrier and every later event (fail closed).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { createRunStateRecorder, type RunEvent } from '../../../core/src/index.ts';
import { mission, step } from '../engine/helpers.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const stateDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rustchain-recorder-writes-'));
  dirs.push(dir);
  return dir;
};

const IDS = ['a', 'b', 'c', 'd', '7'];
const m = mission(IDS.map((id) => step(id, [], { type: id === 'b' ? 'noop' : 'command' })));
/** Only repeatable steps (no kept entries, pending ones shared), of two types and phases. */
const pureMission = { ...mission(IDS.map((id) => step(id, [], { type: id === 'b' ? 'read_file' : 'noop' }))), finally: [step('f')] };
const EFFECTS: Record<string, 'pure' | 'read' | 'side-effect'> = { noop: 'pure', read_file: 'read', command: 'side-effect' };

function recorder(dir: string, which = m) {
  return createRunStateRecorder({ stateDir: dir, runId: 'r', mission: which, artifact: { kind: 'mission', file: '/x/m.yaml', sha256: which.source.sha256 }, effectOf: (t) => EFFECTS[t] ?? null });
}
const fileText = (dir: string): string => readFileSync(join(dir, 'runs', 'r', 'state.json'), 'utf8');

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

test('after any sequence of transitions, barriers and pauses, the file is the state (reused entries never stale)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(eventArb, { maxLength: 30 }), fc.boolean(), async (events, pure) => {
    const dir = stateDir();
    const rec = recorder(dir, pure ? pureMission : m);
    // The first write (all pending, shared entries) is the state too.
    assert.equal(fileText(dir), JSON.stringify(rec.state));
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
    const onDisk = JSON.parse(fileText(dir)) as { steps: Record<string, { status: string }> };
    for (const id of [...promised].filter((i) => !pure && i !== 'b')) assert.equal(onDisk.steps[id]!.status, rec.state.steps[id]!.status, `step ${id}`);
    await rec.finish('failed');
    assert.equal(fileText(dir), JSON.stringify(rec.state));
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
  const onDisk = JSON.parse(fileText(dir)) as { steps: Record<string, { status: string; outputs?: unknown }> };
  assert.deepEqual([onDisk.steps['a']!.status, onDisk.steps['a']!.outputs, onDisk.steps['c']!.status], ['succeeded', { n: 1 }, 'running']);
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
