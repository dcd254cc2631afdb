/** The run state is serialised piece by piece: the same bytes as JSON.stringify, never one whole string. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { readRunState, type RunState } from '../../../core/src/index.ts';
import { runStateChunks, runStatePath, writeRunState, writeRunStateAsync, type StepState } from '../../../core/src/runs/state.ts';
import { stateDirs } from './helpers.ts';

const stateDir = stateDirs('state-chunks');

const stepArb: fc.Arbitrary<StepState> = fc.record({
  status: fc.constantFrom('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'),
  phase: fc.constantFrom('main', 'finally'),
  type: fc.string(),
  effect: fc.constantFrom('pure', 'read', 'idempotent', 'side-effect', null),
  attempts: fc.nat(9),
  outputs: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  error: fc.record({ code: fc.constant('E_STEP_FAILED'), message: fc.string() }),
}, { requiredKeys: ['status', 'phase', 'type', 'effect', 'attempts'] }) as fc.Arbitrary<StepState>;

/** Step ids as missions write them, plus integer-like ones (JSON.stringify puts those first) and `__proto__`. */
const idArb = fc.oneof(fc.string({ minLength: 1 }), fc.nat(200).map(String), fc.constant('__proto__'));

function stateOf(runId: string, entries: ReadonlyArray<readonly [string, StepState]>): RunState {
  const steps = Object.create(null) as Record<string, StepState>;
  for (const [id, step] of entries) steps[id] = step;
  return {
    version: 1, runId, status: 'running', mission: { name: 'm', file: '/m.yaml', sha256: 'a'.repeat(64) },
    artifact: { kind: 'mission', file: '/m.yaml', sha256: 'a'.repeat(64) }, process: { pid: 1, startTime: null, host: 'h' },
    startedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', resumes: 0, steps,
  };
}

test('the pieces join to JSON.stringify(state), each at least the piece size but the last', () => {
  fc.assert(fc.property(fc.array(fc.tuple(idArb, stepArb), { maxLength: 12 }), fc.integer({ min: 1, max: 400 }), (entries, size) => {
    const state = stateOf('r', entries);
    const pieces = [...runStateChunks(state, size)];
    assert.equal(pieces.join(''), JSON.stringify(state));
    for (const piece of pieces.slice(0, -1)) assert.ok(piece.length >= size);
  }), { numRuns: 300 });
});

test('a state read back from disk (plain prototype) serialises the same way', () => {
  const state = stateOf('r', [['b', { status: 'pending', phase: 'main', type: 'noop', effect: 'pure', attempts: 0 }], ['2', { status: 'succeeded', phase: 'main', type: 'noop', effect: 'pure', attempts: 1, outputs: { x: 1 } }]]);
  const parsed = JSON.parse(JSON.stringify(state)) as RunState;
  assert.equal([...runStateChunks(parsed, 8)].join(''), JSON.stringify(parsed));
});

test('a large state is written in many pieces, byte for byte, by both writers', async () => {
  const dir = stateDir();
  const entries = Array.from({ length: 3000 }, (_, i) => [`step-${i}`, { status: 'succeeded', phase: 'main', type: 'noop', effect: 'pure', attempts: 1, outputs: { i, text: 'é'.repeat(20) } }] as const);
  const state = stateOf('big', entries);
  assert.ok([...runStateChunks(state)].length > 2);
  writeRunState(dir, state);
  assert.equal(readFileSync(runStatePath(dir, 'big'), 'utf8'), JSON.stringify(state));
  state.steps['step-0']!.attempts = 2;
  await writeRunStateAsync(dir, state);
  assert.equal(readFileSync(runStatePath(dir, 'big'), 'utf8'), JSON.stringify(state));
  assert.equal(readRunState(dir, 'big')?.steps['step-0']?.attempts, 2);
});

test('an async write holds every change made before it began, and the file is whole whatever changes during it', async () => {
  const dir = stateDir();
  const entries = Array.from({ length: 3000 }, (_, i) => [`s${i}`, { status: 'pending', phase: 'main', type: 'noop', effect: 'side-effect', attempts: 0 }] as const);
  const state = stateOf('live', entries);
  writeRunState(dir, state); // the recorder's first write, which creates the run's directory
  const last = state.steps['s2999']!;
  last.status = 'running'; // changed before the write begins
  const writing = writeRunStateAsync(dir, state);
  state.steps['s0']!.status = 'succeeded'; // changes while the write is under way
  last.status = 'succeeded';
  await writing;
  const onDisk = JSON.parse(readFileSync(runStatePath(dir, 'live'), 'utf8')) as RunState;
  assert.equal(Object.keys(onDisk.steps).length, 3000);
  // At least as recent as the start of the write: running, or the later success.
  assert.ok(['running', 'succeeded'].includes(onDisk.steps['s2999']!.status));
  assert.ok(['pending', 'succeeded'].includes(onDisk.steps['s0']!.status));
});
