/**
 * The two payloads every step records are marked plain-sorted by construction (hash.ts
 * markBuiltSorted), and seal.ts then writes their JSON.stringify without walking them. Held
 * here: every payload runEventToLedgerInput marks is plain-sorted and its JSON.stringify is its
 * canonical JSON, for random engine events and for events an embedder got wrong (the function is
 * public); an engine-shaped event is marked (so sealing takes that path); and a marked payload
 * seals to the same line as the walked one. The same for the run.plan payload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, runEventToLedgerInput, type LedgerEvent, type RunEvent } from '@rustchain/core';
import { isBuiltSorted, isPlainSorted } from '../../../core/src/audit/hash.ts';
import { planInput } from '../../../core/src/audit/run-events.ts';
import { LineBuffer } from '../../../core/src/audit/line-buffer.ts';
import { sealEventInto } from '../../../core/src/audit/seal.ts';

const CTX = { user: 'u', host: 'h', pid: 1 };

const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
/** Anything a field might hold when an embedder builds the event by hand. */
const anything = fc.oneof(utf16, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.jsonValue(), fc.dictionary(utf16, fc.jsonValue(), { maxKeys: 3 }));
const record = fc.dictionary(fc.oneof(utf16, fc.constantFrom('__proto__', 'toJSON', 'b', 'a', '10', '2')), fc.jsonValue(), { maxKeys: 5 });
const stepId = fc.oneof({ weight: 4, arbitrary: utf16 }, { weight: 1, arbitrary: anything });
const attempt = fc.oneof({ weight: 4, arbitrary: fc.nat() }, { weight: 1, arbitrary: anything });
const duration = fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 1e7, noNaN: true }) }, { weight: 1, arbitrary: anything });

const started = fc.record({ stepId, attempt, params: fc.option(record, { nil: undefined }) }).map((e) => ({ type: 'step.started', runId: 'r', ...e }) as unknown as RunEvent);
const succeeded = fc.record({ stepId, attempt, durationMs: duration, outputs: record }).map((e) => ({ type: 'step.succeeded', runId: 'r', ...e }) as unknown as RunEvent);

/** The sealed line of an event carrying `payload`, or the error sealing it throws (an ill-typed event may hold a non-finite number). */
function line(payload: Record<string, unknown>): string {
  const out = new LineBuffer();
  try {
    sealEventInto({ seq: 7, ts: '2026-12-02T00:00:00.000Z', runId: 'r', type: 'step.started', payload, prev: 'a'.repeat(64), hash: '' } as LedgerEvent, out);
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
  return out.bytes().toString('utf8');
}

test('a payload marked plain-sorted is plain-sorted, and JSON.stringify writes its canonical JSON', () => {
  let marked = 0;
  fc.assert(fc.property(fc.oneof(started, succeeded), (event) => {
    const { payload } = runEventToLedgerInput(event, CTX);
    if (!isBuiltSorted(payload)) return;
    marked++;
    assert.ok(isPlainSorted(payload), JSON.stringify(payload));
    assert.equal(JSON.stringify(payload), canonicalJson(payload));
  }), { numRuns: 1000 });
  assert.ok(marked > 300, `marked ${marked} of 1000`);
});

test('the engine\'s step events are marked; ill-typed ones and other events are not', () => {
  const ok = (event: RunEvent): boolean => isBuiltSorted(runEventToLedgerInput(event, CTX).payload);
  assert.ok(ok({ type: 'step.started', runId: 'r', stepId: 's', attempt: 1 }));
  assert.ok(ok({ type: 'step.started', runId: 'r', stepId: 's', attempt: 1, params: { b: 1, a: 2 } }));
  assert.ok(ok({ type: 'step.succeeded', runId: 'r', stepId: 's', attempt: 2, durationMs: 0.5, outputs: { z: 1, a: { y: 2, b: 3 } } }));
  assert.ok(!ok({ type: 'step.started', runId: 'r', stepId: { b: 1, a: 2 }, attempt: 1 } as unknown as RunEvent));
  assert.ok(!ok({ type: 'step.started', runId: 'r', stepId: 's', attempt: Number.NaN }));
  assert.ok(!ok({ type: 'step.succeeded', runId: 'r', stepId: 's', attempt: 1, durationMs: Number.POSITIVE_INFINITY, outputs: {} }));
  assert.ok(!ok({ type: 'step.failed', runId: 'r', stepId: 's', attempt: 1, durationMs: 1, error: { code: 'E_INTERNAL', message: 'm' } } as RunEvent));
});

test('a marked payload seals to the line its unmarked copy does', () => {
  fc.assert(fc.property(fc.oneof(started, succeeded), (event) => {
    const { payload } = runEventToLedgerInput(event, CTX);
    // A copy is never marked (membership is by identity): it takes the walk.
    const copy = { ...payload };
    assert.ok(!isBuiltSorted(copy));
    assert.equal(line(payload), line(copy));
  }), { numRuns: 300 });
});

test('a run.plan payload is marked only when its ids, types and dependencies are strings, and is then plain-sorted', () => {
  const step = fc.record({
    id: fc.oneof({ weight: 6, arbitrary: utf16 }, { weight: 1, arbitrary: anything }),
    type: fc.oneof({ weight: 6, arbitrary: utf16 }, { weight: 1, arbitrary: anything }),
    dependsOn: fc.oneof(
      { weight: 6, arbitrary: fc.array(utf16, { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.array(anything, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constant([, 'a'] as unknown[]) },
      { weight: 1, arbitrary: anything },
    ),
  });
  let marked = 0;
  fc.assert(fc.property(fc.array(step, { maxLength: 6 }), (plan) => {
    const { payload } = planInput('r', plan as never);
    const typed = plan.every((s) => typeof s.id === 'string' && typeof s.type === 'string' && Array.isArray(s.dependsOn) && Array.from(s.dependsOn as unknown[]).every((d) => typeof d === 'string'));
    assert.equal(isBuiltSorted(payload), typed);
    if (!typed) return;
    marked++;
    assert.ok(isPlainSorted(payload));
    assert.equal(JSON.stringify(payload), canonicalJson(payload));
  }), { numRuns: 500 });
  assert.ok(marked > 100, `marked ${marked} of 500`);
});
