/**
 * The run state's step table (arrays by index) writes exactly what the object-per-step model
 * it replaced wrote: after any sequence of transitions, holds and releases, each step's JSON is
 * JSON.stringify of the model's entry (as held, while held), and the record is the model.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RunState, StepState } from '../../../core/src/index.ts';
import { NO_OUTPUTS } from '../../../core/src/engine/attempts.ts';
import { RunStepTable } from '../../../core/src/runs/step-table.ts';
import { mission, step } from '../engine/helpers.ts';

const EFFECTS: Record<string, 'pure' | 'side-effect'> = { noop: 'pure', command: 'side-effect' };
const m = { ...mission([step('a'), step('b', [], { type: 'command' }), step('7'), step('we"ird\\id', [], { type: 'ty"pe' })]), finally: [step('f', [], { type: 'command' })] };
const IDS = [...m.steps, ...m.finally].map((s) => s.id);

type Op =
  | { op: 'started' | 'failed'; i: number; attempt: number }
  | { op: 'succeeded'; i: number; attempt: number; outputs: Record<string, unknown> }
  | { op: 'skipped' | 'cancelled' | 'hold' | 'release'; i: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('started' as const, 'failed' as const), i: fc.nat(IDS.length - 1), attempt: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('succeeded' as const), i: fc.nat(IDS.length - 1), attempt: fc.integer({ min: 1, max: 4 }), outputs: fc.oneof(fc.constant(NO_OUTPUTS), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 })) }),
  fc.record({ op: fc.constantFrom('skipped' as const, 'cancelled' as const, 'hold' as const, 'release' as const), i: fc.nat(IDS.length - 1) }),
);

/** The previous recorder's model: one object per step, a copy of it while held. */
function model(previous: RunState | null) {
  const steps = new Map<string, StepState>();
  const phaseOf = (i: number) => (i < m.steps.length ? 'main' : 'finally');
  [...m.steps, ...m.finally].forEach((s, i) => {
    const before = previous?.steps[s.id];
    steps.set(s.id, before?.status === 'succeeded' ? before : { status: 'pending', phase: phaseOf(i), type: s.type, effect: EFFECTS[s.type] ?? null, attempts: 0 });
  });
  const held = new Map<string, StepState>();
  return {
    steps,
    held,
    apply(o: Op): void {
      const id = IDS[o.i]!;
      const s = steps.get(id)!;
      if (o.op === 'hold') {
        if (!held.has(id)) held.set(id, { ...s });
      } else if (o.op === 'release') held.delete(id);
      else if (o.op === 'started') Object.assign(s, { status: 'running', attempts: o.attempt });
      else if (o.op === 'succeeded') {
        Object.assign(s, { status: 'succeeded', attempts: o.attempt, outputs: o.outputs });
        delete s.error;
      } else if (o.op === 'failed') Object.assign(s, { status: 'failed', attempts: o.attempt, error: { code: 'E_STEP_FAILED', message: `attempt ${o.attempt}` } });
      else Object.assign(s, { status: o.op, error: { code: 'E_UPSTREAM_FAILED', message: 'x' } });
      // A step that is not succeeded shows no outputs (it has none to resume with).
      if (s.status !== 'succeeded') delete s.outputs;
    },
  };
}

function applyTo(table: RunStepTable, o: Op): void {
  if (o.op === 'hold') table.hold(o.i);
  else if (o.op === 'release') table.release(o.i);
  else if (o.op === 'started') table.started(o.i, o.attempt);
  else if (o.op === 'succeeded') table.succeeded(o.i, o.attempt, o.outputs);
  else if (o.op === 'failed') table.failed(o.i, o.attempt, { code: 'E_STEP_FAILED', message: `attempt ${o.attempt}` });
  else table.ended(o.i, o.op, { code: 'E_UPSTREAM_FAILED', message: 'x' });
}

/** A resumed run's state in which step `b` (and maybe `a`) succeeded before, with outputs. */
const previousArb: fc.Arbitrary<RunState | null> = fc.option(
  fc.record({ a: fc.boolean(), outputs: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }) }).map(({ a, outputs }) => {
    const steps: RunState['steps'] = { b: { status: 'succeeded', phase: 'main', type: 'command', effect: 'read', attempts: 2, outputs } };
    if (a) steps['a'] = { status: 'succeeded', phase: 'main', type: 'noop', effect: 'pure', attempts: 1, outputs: {} };
    return { version: 1, runId: 'r', status: 'interrupted', mission: { name: 'm', file: 'm.yaml', sha256: '0' }, artifact: { kind: 'mission', file: 'm.yaml', sha256: '0' }, process: { pid: 1, startTime: null, host: 'h' }, startedAt: '', updatedAt: '', resumes: 0, steps } satisfies RunState;
  }),
);

test('each step is written as the object-per-step model wrote it, held or not', () => {
  fc.assert(fc.property(previousArb, fc.array(opArb, { maxLength: 40 }), (previous, ops) => {
    const table = new RunStepTable(m, (t) => EFFECTS[t] ?? null, previous);
    const ref = model(previous);
    for (const o of ops) {
      applyTo(table, o);
      ref.apply(o);
      for (let i = 0; i < IDS.length; i++) {
        const id = IDS[i]!;
        assert.equal(table.json(i), JSON.stringify(ref.held.get(id) ?? ref.steps.get(id)), `step ${id} after ${JSON.stringify(o)}`);
        assert.equal(table.isHeld(i), ref.held.has(id));
        assert.equal(table.effect(i), ref.steps.get(id)!.effect);
      }
    }
    assert.deepEqual(table.record(), Object.assign(Object.create(null), Object.fromEntries(ref.steps)));
    assert.equal(table.length, IDS.length);
    IDS.forEach((id, i) => assert.equal(table.indexOf(id), i));
    assert.equal(table.indexOf('nope'), undefined);
  }), { numRuns: 300 });
});
