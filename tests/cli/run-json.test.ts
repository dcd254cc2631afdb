/** The streamed --json run document: byte for byte the document built whole, in any chunking. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createSecretRedactor, type MissionResult, type StepResult } from '@rustchain/core';
import { writeRunDocument } from '../../cli/src/report/run-json.ts';
import { runDocument } from '../../cli/src/report/run-result.ts';

/** The document's own keys: a secret that redacts one of them would rename the key itself. */
const KEYS = ['runId', 'status', 'durationMs', 'steps', 'finally', 'error', 'id', 'attempts', 'outputs', 'resumed', 'children', 'code', 'message', 'details'];

const secretArb = fc.string({ minLength: 4, maxLength: 12 }).filter((s) => {
  const r = createSecretRedactor([s]);
  return KEYS.every((k) => r.text(k) === k);
});

const errorArb = fc.record({ code: fc.constantFrom('E_STEP_FAILED', 'E_COMMAND_EXIT_NONZERO'), message: fc.string() }, { requiredKeys: ['code', 'message'] });

const stepArb = (secrets: readonly string[], depth = 2): fc.Arbitrary<StepResult> => {
  const text = secrets.length === 0 ? fc.string() : fc.oneof(fc.string(), fc.constantFrom(...secrets), fc.constantFrom(...secrets).map((s) => `a\n${s}\u2028"é`));
  const leaf = fc.record({
    id: text,
    status: fc.constantFrom('succeeded', 'failed', 'skipped', 'cancelled'),
    attempts: fc.nat(5),
    durationMs: fc.double({ noNaN: false }),
    outputs: fc.dictionary(text, fc.oneof(fc.jsonValue(), text)),
    error: fc.option(errorArb, { nil: null }),
  }) as fc.Arbitrary<StepResult>;
  const children = depth === 0 ? fc.constant(undefined) : fc.option(fc.array(stepArb(secrets, depth - 1), { maxLength: 3 }), { nil: undefined });
  return fc.tuple(leaf, fc.boolean(), children).map(([step, resumed, children]) => ({
    ...step,
    ...(resumed ? { resumed: true as const } : {}),
    ...(children === undefined ? {} : { children }),
  }));
};

const resultArb = fc.array(secretArb, { maxLength: 2 }).chain((secrets) => fc.record({
  secrets: fc.constant(secrets),
  chunk: fc.integer({ min: 1, max: 300 }),
  result: fc.record({
    runId: fc.uuid(),
    status: fc.constantFrom('succeeded', 'failed', 'cancelled'),
    durationMs: fc.double(),
    steps: fc.array(stepArb(secrets), { maxLength: 6 }),
    finally: fc.option(fc.array(stepArb(secrets), { maxLength: 3 }), { nil: undefined }),
    error: fc.option(errorArb, { nil: undefined }),
  }, { requiredKeys: ['runId', 'status', 'durationMs', 'steps'] }) as fc.Arbitrary<MissionResult>,
}));

/** What the CLI printed before the document was streamed. */
function whole(result: MissionResult, redactor: { value<T>(v: T): T }): string {
  return `${JSON.stringify(runDocument(redactor.value(result)), null, 2)}\n`;
}

test('the streamed document equals the whole one, with and without secrets, in any chunk size', () => {
  fc.assert(fc.property(resultArb, ({ secrets, chunk, result }) => {
    const redactor = createSecretRedactor(secrets);
    const chunks: string[] = [];
    writeRunDocument(result, (v) => redactor.value(v), (c) => chunks.push(c), chunk);
    assert.equal(chunks.join(''), whole(result, redactor));
    // Every chunk but the last reached the size; none is empty.
    for (const c of chunks.slice(0, -1)) assert.ok(c.length >= chunk);
    assert.ok(chunks.every((c) => c.length > 0));
  }), { numRuns: 300 });
});

test('a large run is written in several chunks and no secret survives', () => {
  const secret = 'hunter2-secret';
  const steps: StepResult[] = Array.from({ length: 3000 }, (_, i) => ({ id: `s${i}`, status: 'succeeded', attempts: 1, durationMs: i, outputs: { token: secret, n: i }, error: null }));
  const result: MissionResult = { runId: 'r', status: 'succeeded', durationMs: 1, steps };
  const redactor = createSecretRedactor([secret]);
  const chunks: string[] = [];
  writeRunDocument(result, (v) => redactor.value(v), (c) => chunks.push(c));
  assert.ok(chunks.length > 1);
  const text = chunks.join('');
  assert.equal(text, whole(result, redactor));
  assert.ok(!text.includes(secret));
  assert.equal((JSON.parse(text) as MissionResult).steps.length, 3000);
});

test('empty steps and finally are written as empty arrays', () => {
  const result: MissionResult = { runId: 'r', status: 'failed', durationMs: 0, steps: [], finally: [], error: { code: 'E_GOVERNING_TAMPERED', message: 'm' } };
  const chunks: string[] = [];
  writeRunDocument(result, (v) => v, (c) => chunks.push(c));
  assert.equal(chunks.join(''), whole(result, createSecretRedactor()));
});
