/** The streamed --json run document: byte for byte the document built whole, in any chunking. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { createSecretRedactor, type MissionResult, type StepResult } from '@rustchain/core';
import { runDocumentChunks, writeRunDocument } from '../../cli/src/report/run-json.ts';
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
    const chunks = [...runDocumentChunks(result, (v) => redactor.value(v), chunk)];
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
  const chunks = [...runDocumentChunks(result, (v) => redactor.value(v))];
  assert.ok(chunks.length > 1);
  const text = chunks.join('');
  assert.equal(text, whole(result, redactor));
  assert.ok(!text.includes(secret));
  assert.equal((JSON.parse(text) as MissionResult).steps.length, 3000);
});

test('empty steps and finally are written as empty arrays', () => {
  const result: MissionResult = { runId: 'r', status: 'failed', durationMs: 0, steps: [], finally: [], error: { code: 'E_GOVERNING_TAMPERED', message: 'm' } };
  const chunks = [...runDocumentChunks(result, (v) => v)];
  assert.equal(chunks.join(''), whole(result, createSecretRedactor()));
});

/** A large run's result: 3,000 steps with a little output each. */
const largeResult = (): MissionResult => ({
  runId: 'r', status: 'succeeded', durationMs: 1,
  steps: Array.from({ length: 3000 }, (_, i) => ({ id: `s${i}`, status: 'succeeded', attempts: 1, durationMs: i, outputs: { n: i }, error: null })),
});

test('written to a slow reader, the document waits for it: never more than a chunk queued beyond its buffer', async () => {
  const result = largeResult();
  const received: string[] = [];
  let mostQueued = 0;
  // A reader taking one chunk per timer tick, with a small buffer: write() soon says "wait".
  const slow = new Writable({
    highWaterMark: 1024,
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      received.push(chunk);
      setTimeout(done, 1);
    },
  });
  const watch = setInterval(() => (mostQueued = Math.max(mostQueued, slow.writableLength)), 0);
  await writeRunDocument(result, (v) => v, slow, 4096);
  await new Promise<void>((resolve) => slow.end(resolve));
  clearInterval(watch);
  assert.equal(received.join(''), whole(result, createSecretRedactor()));
  assert.ok(received.length > 10, `${received.length} writes`);
  // Unpaced, the whole document sat in the buffer; paced, at most one chunk (a group of steps)
  // beyond what the reader's buffer holds.
  const document = received.join('').length;
  const biggest = Math.max(...received.map((c) => c.length));
  assert.ok(mostQueued <= biggest + 1024, `${mostQueued} characters queued (biggest chunk ${biggest})`);
  assert.ok(biggest * 4 < document, `chunks of ${biggest} of a ${document}-character document`);
});

test('a reader that goes away stops the document without hanging', async () => {
  const gone = new Writable({
    highWaterMark: 16,
    write(_chunk, _encoding, done) {
      setTimeout(() => done(new Error('EPIPE')), 1);
    },
  });
  gone.on('error', () => undefined);
  await writeRunDocument(largeResult(), (v) => v, gone, 256);
  assert.ok(gone.destroyed);
});
