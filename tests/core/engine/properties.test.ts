import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { RustchainError } from '../../../core/src/errors.ts';
import type { MissionResult, RunEvent, StepRequest } from '../../../core/src/engine/types.ts';
import { baseOptions, fakeAttemptDispatcher, fakeDispatcher, mission, recorder, step, ticks } from './helpers.ts';

/** One random step: its dependencies (earlier steps only), and what it does when run. */
interface Spec {
  deps: number[];
  delay: number;
  fails: boolean;
  continueOnError: boolean;
}

const arbRun = (failFast: boolean) =>
  fc.record({
    specs: fc.integer({ min: 1, max: 200 }).chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            deps: i === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.nat(i - 1), { maxLength: 3 }),
            delay: fc.nat(3),
            fails: fc.nat(7).map((x) => x === 0),
            continueOnError: fc.boolean(),
          }),
        ),
      ),
    ),
    limit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
    failFast: fc.constant(failFast),
  });

const id = (i: number) => `s${i}`;

/**
 * How the engine hands a step over: `dispatch` (a signal per attempt) or `dispatchAttempt`
 * (an AttemptControl whose signal is built only when read) — the path the production
 * in-process dispatcher takes. Every property runs under both.
 */
type DispatchPath = 'dispatch' | 'dispatchAttempt';

async function run(specs: Spec[], limit: number | null, failFast: boolean, path: DispatchPath): Promise<{ result: MissionResult; events: RunEvent[] }> {
  const byId = new Map(specs.map((s, i) => [id(i), s]));
  const behaviour = async (req: StepRequest, signal: AbortSignal): Promise<Record<string, unknown>> => {
    const spec = byId.get(req.stepId)!;
    // 0 ticks = a resolved promise; more = macrotask turns, so completions interleave.
    if (spec.delay > 0) await ticks(spec.delay, signal);
    if (spec.fails) throw new RustchainError('E_STEP_FAILED', `${req.stepId} fails`);
    return { from: req.stepId };
  };
  const d = path === 'dispatch' ? fakeDispatcher(behaviour) : fakeAttemptDispatcher(behaviour);
  const steps = specs.map((s, i) => step(id(i), s.deps.map(id), { continueOnError: s.continueOnError, timeoutSeconds: i % 2 === 0 ? 300 : 0 }));
  const { events, onEvent } = recorder();
  const result = await executeMission(mission(steps, { failFast, maxParallelSteps: limit }), { ...baseOptions(d), onEvent });
  return { result, events };
}

/** Steps that are transitive dependents of a failed step without continue_on_error. */
function blockedBy(specs: Spec[], failed: Set<number>): Set<number> {
  const blocked = new Set<number>();
  // Edges point to earlier steps, so index order is topological.
  for (let i = 0; i < specs.length; i++) {
    if (specs[i]!.deps.some((d) => blocked.has(d) || (failed.has(d) && !specs[d]!.continueOnError))) blocked.add(i);
  }
  return blocked;
}

const TERMINAL = new Set(['step.succeeded', 'step.failed', 'step.skipped', 'step.cancelled']);

/** Invariants that hold whatever fail_fast is. */
function checkCommon(specs: Spec[], limit: number | null, { result, events }: { result: MissionResult; events: RunEvent[] }): void {
  const n = specs.length;
  assert.equal(result.steps.length, n);
  assert.equal(events[0]!.type, 'run.started');
  assert.equal(events.at(-1)!.type, 'run.finished');
  const finishedAt = new Map<string, number>();
  const terminalCount = new Map<string, number>();
  let running = 0;
  let peak = 0;
  events.forEach((e, k) => {
    if (e.type === 'step.started') {
      // (1) A step starts only after each dependency finished (succeeded, or failed with continue_on_error).
      const i = Number(e.stepId.slice(1));
      for (const d of specs[i]!.deps) {
        assert.ok(finishedAt.has(id(d)), `${e.stepId} started before ${id(d)} finished`);
        assert.ok(finishedAt.get(id(d))! < k);
      }
      if (e.attempt === 1) peak = Math.max(peak, ++running);
    } else if (TERMINAL.has(e.type) && 'stepId' in e) {
      terminalCount.set(e.stepId, (terminalCount.get(e.stepId) ?? 0) + 1);
      if (e.type === 'step.succeeded' || e.type === 'step.failed') finishedAt.set(e.stepId, k);
      if (e.type === 'step.succeeded' || e.type === 'step.failed' || (e.type === 'step.cancelled' && e.attempt > 0)) running--;
    }
  });
  // (2) The running count never exceeds the limit.
  if (limit !== null) assert.ok(peak <= limit, `peak ${peak} > limit ${limit}`);
  // (3) Exactly one terminal event per step, agreeing with the result.
  for (const r of result.steps) {
    assert.equal(terminalCount.get(r.id), 1, `${r.id} terminal events`);
    const last = events.findLast((e) => TERMINAL.has(e.type) && 'stepId' in e && e.stepId === r.id)!;
    assert.equal(last.type, `step.${r.status}`);
  }
  assert.equal(terminalCount.size, n);
  // A step that ran did what its spec says.
  for (const r of result.steps) {
    const spec = specs[Number(r.id.slice(1))]!;
    if (r.status === 'succeeded') assert.equal(spec.fails, false);
    if (r.status === 'failed') assert.equal(spec.fails, true);
  }
}

for (const path of ['dispatch', 'dispatchAttempt'] as const) describe(`executor properties over random DAGs (≤ 200 steps), through ${path}`, () => {
  it('fail_fast false: statuses are exactly the model; skipped = transitive dependents of failures without continue_on_error', async () => {
    await fc.assert(
      fc.asyncProperty(arbRun(false), async ({ specs, limit }) => {
        const outcome = await run(specs, limit, false, path);
        checkCommon(specs, limit, outcome);
        const status = (i: number) => outcome.result.steps.find((s) => s.id === id(i))!.status;
        const failed = new Set(specs.map((_, i) => i).filter((i) => status(i) === 'failed'));
        const blocked = blockedBy(specs, failed);
        for (let i = 0; i < specs.length; i++) {
          const expected = blocked.has(i) ? 'skipped' : specs[i]!.fails ? 'failed' : 'succeeded';
          assert.equal(status(i), expected, `step ${id(i)}`);
        }
        assert.equal(outcome.result.status, failed.size > 0 ? 'failed' : 'succeeded');
        // The skip reason names a failed step it transitively depends on.
        for (const s of outcome.result.steps.filter((x) => x.status === 'skipped')) {
          assert.equal(s.error?.code, 'E_UPSTREAM_FAILED');
          assert.ok(failed.has(Number(String(s.error?.details?.['cause']).slice(1))));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('fail_fast true: skipped ⊆ transitive dependents of failures; nothing starts after the first blocking failure; the rest cancelled', async () => {
    await fc.assert(
      fc.asyncProperty(arbRun(true), async ({ specs, limit }) => {
        const outcome = await run(specs, limit, true, path);
        checkCommon(specs, limit, outcome);
        const { result, events } = outcome;
        const byIndex = (i: number) => result.steps.find((s) => s.id === id(i))!;
        const failed = new Set(specs.map((_, i) => i).filter((i) => byIndex(i).status === 'failed'));
        const blocked = blockedBy(specs, failed);
        for (let i = 0; i < specs.length; i++) {
          const r = byIndex(i);
          if (r.status === 'skipped') assert.ok(blocked.has(i), `${r.id} skipped without a failed upstream`);
          if (blocked.has(i)) assert.ok(r.status === 'skipped' || r.status === 'cancelled');
          if (r.status === 'cancelled') assert.equal(r.error?.code, 'E_STEP_CANCELLED');
        }
        const firstBlocking = events.findIndex((e) => e.type === 'step.failed' && !specs[Number(e.stepId.slice(1))]!.continueOnError);
        if (firstBlocking >= 0) {
          assert.equal(events.slice(firstBlocking).some((e) => e.type === 'step.started'), false);
          assert.equal(result.status, 'failed');
        } else {
          assert.equal(result.steps.some((s) => s.status === 'cancelled' || s.status === 'skipped'), false);
        }
      }),
      { numRuns: 40 },
    );
  });
});
