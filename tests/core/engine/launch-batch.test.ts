import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { computeIndexedSchedule } from '../../../core/src/dag/schedule.ts';
import type { RunEvent } from '../../../core/src/engine/types.ts';
import { baseOptions, fakeAttemptDispatcher, fakeDispatcher, mission, recorder, step } from './helpers.ts';

/** The engine starts at most this many steps per event-loop turn (mission-run.ts LAUNCH_BATCH). */
const BATCH = 256;

/** The most steps started and not yet finished at any point of the event stream. */
function peakInFlight(events: RunEvent[]): number {
  let now = 0;
  let peak = 0;
  for (const e of events) {
    if (e.type === 'step.started') peak = Math.max(peak, ++now);
    else if (e.type === 'step.succeeded' || e.type === 'step.failed' || e.type === 'step.cancelled') now -= e.type === 'step.cancelled' && e.attempt === 0 ? 0 : 1;
  }
  return peak;
}

const wide = (n: number) => Array.from({ length: n }, (_, i) => step(`s${i}`));

describe('launching many ready steps: a batch per event-loop turn', () => {
  it('a 5,000-step fan-out of quick steps runs every step once, in schedule order, never all in flight at once', async () => {
    const { events, onEvent } = recorder();
    const d = fakeAttemptDispatcher(async () => ({}));
    const steps = wide(5000);
    const result = await executeMission(mission(steps), { ...baseOptions(d), onEvent });
    assert.equal(result.status, 'succeeded');
    assert.equal(d.requests.length, 5000);
    const order = computeIndexedSchedule(steps).orderIndex;
    assert.deepEqual(d.requests.map((r) => r.stepId), Array.from(order, (i) => steps[i]!.id));
    assert.ok(peakInFlight(events) <= BATCH, `peak in flight ${peakInFlight(events)}`);
  });

  it('a 3,000-step chain of synchronous steps finishes (the deferred pump with nothing in flight)', async () => {
    const steps = Array.from({ length: 3000 }, (_, i) => step(`c${i}`, i === 0 ? [] : [`c${i - 1}`]));
    const d = fakeDispatcher(async () => ({}));
    const result = await executeMission(mission(steps), baseOptions(d));
    assert.equal(result.status, 'succeeded');
    assert.equal(d.requests.length, 3000);
  });

  it('fail-fast between batches: the steps not started yet are cancelled with no side effect, none runs later', async () => {
    const { events, onEvent } = recorder();
    const d = fakeAttemptDispatcher(async (request) => {
      if (request.stepId === 's10') throw new Error('boom');
      return {};
    });
    const result = await executeMission(mission(wide(3000)), { ...baseOptions(d), onEvent });
    assert.equal(result.status, 'failed');
    const byStatus = (s: string) => result.steps.filter((r) => r.status === s);
    assert.equal(byStatus('failed').length, 1);
    assert.equal(d.requests.length, byStatus('succeeded').length + 1 + byStatus('cancelled').filter((r) => r.attempts > 0).length);
    assert.ok(d.requests.length < 3000, 'the later batches never started');
    for (const r of byStatus('cancelled').filter((c) => c.attempts === 0)) assert.equal(r.error?.details?.['sideEffect'], 'none');
    assert.equal(events.at(-1)?.type, 'run.finished');
  });

  it('the caller signal between batches cancels the run; no step starts after it', async () => {
    const controller = new AbortController();
    let startedAfterAbort = 0;
    const d = fakeAttemptDispatcher(async () => {
      if (controller.signal.aborted) startedAfterAbort++;
      return {};
    });
    // Aborted from a macrotask: after the first batch, before the next one.
    setImmediate(() => controller.abort(new Error('SIGINT')));
    const result = await executeMission(mission(wide(4000)), { ...baseOptions(d), signal: controller.signal });
    assert.equal(result.status, 'cancelled');
    assert.equal(startedAfterAbort, 0);
    assert.ok(result.steps.some((r) => r.status === 'cancelled' && r.attempts === 0));
    assert.equal(result.steps.length, 4000);
  });

  it('property: whatever the fan-out size and parallel limit, every step runs once and the limit holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2600 }), fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }), async (n, limit) => {
        const { events, onEvent } = recorder();
        const d = fakeAttemptDispatcher(async () => ({}));
        const result = await executeMission(mission(wide(n), limit === undefined ? {} : { maxParallelSteps: limit }), { ...baseOptions(d), onEvent });
        assert.equal(result.status, 'succeeded');
        assert.equal(new Set(d.requests.map((r) => r.stepId)).size, n);
        assert.equal(d.requests.length, n);
        assert.ok(peakInFlight(events) <= Math.min(limit ?? Infinity, BATCH));
      }),
      { numRuns: 15 },
    );
  });
});
