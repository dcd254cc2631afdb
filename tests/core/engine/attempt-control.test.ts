import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { AttemptAbort, Deadlines } from '../../../core/src/engine/attempt-control.ts';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { isRustchainError } from '../../../core/src/errors.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { mission, OPEN_POLICY, step } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('AttemptAbort: the lazy per-attempt signal', () => {
  const orders = [
    { name: 'signal read before the abort', readFirst: true },
    { name: 'signal read only after the abort', readFirst: false },
  ];
  for (const { name, readFirst } of orders) {
    it(`${name}: aborted with the same reason, listener told once`, () => {
      const control = new AttemptAbort(step('s'));
      const early = readFirst ? control.signal : null;
      const heard: unknown[] = [];
      control.onAbort((reason) => heard.push(reason));
      const reason = new Error('stop');
      control.abort(reason);
      control.abort(new Error('again'));
      const signal = early ?? control.signal;
      assert.equal(signal.aborted, true);
      assert.equal(signal.reason, reason);
      assert.deepEqual(heard, [reason]);
      assert.equal(control.signal, signal);
    });
  }

  it('onAbort after the abort is told at once; a settled attempt is never aborted', () => {
    const done = new AttemptAbort(step('s'));
    done.settled = true;
    done.abort(new Error('late'));
    done.expire();
    assert.equal(done.signal.aborted, false);
    assert.equal(done.timedOut, false);
    const control = new AttemptAbort(step('t'));
    control.abort('why');
    const heard: unknown[] = [];
    control.onAbort((reason) => heard.push(reason));
    assert.deepEqual(heard, ['why']);
  });

  it('expire aborts with E_STEP_TIMEOUT naming the step', () => {
    const control = new AttemptAbort(step('slow', [], { timeoutSeconds: 7 }));
    control.expire();
    assert.equal(control.timedOut, true);
    const reason = control.signal.reason;
    assert.ok(isRustchainError(reason) && reason.code === 'E_STEP_TIMEOUT' && reason.details['stepId'] === 'slow');
  });
});

describe('Deadlines: one timer for every attempt', () => {
  it('expires exactly the attempts still running at their deadline, in any mix of timeouts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ timeoutMs: fc.constantFrom(10, 30, 60), settleFirst: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        async (specs) => {
          const deadlines = new Deadlines();
          const attempts = specs.map((spec, i) => {
            const a = new AttemptAbort(step(`s${i}`));
            deadlines.add(a, spec.timeoutMs);
            return a;
          });
          specs.forEach((spec, i) => {
            if (spec.settleFirst) {
              attempts[i]!.settled = true;
              deadlines.settled(spec.timeoutMs);
            }
          });
          // Everything that is still running by now must have expired.
          await sleep(160);
          specs.forEach((spec, i) => assert.equal(attempts[i]!.timedOut, !spec.settleFirst, `s${i} (${spec.timeoutMs} ms)`));
          deadlines.dispose();
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a shorter timeout added later re-arms the timer earlier', async () => {
    const deadlines = new Deadlines();
    const long = new AttemptAbort(step('long'));
    const short = new AttemptAbort(step('short'));
    deadlines.add(long, 5_000);
    deadlines.add(short, 20);
    await sleep(80);
    assert.equal(short.timedOut, true);
    assert.equal(long.timedOut, false);
    deadlines.dispose();
  });

  it('a Deadlines used again after dispose still expires what is added (no stale queue kept)', async () => {
    const deadlines = new Deadlines();
    deadlines.add(new AttemptAbort(step('first')), 20);
    deadlines.dispose();
    const again = new AttemptAbort(step('again'));
    deadlines.add(again, 20);
    await sleep(80);
    assert.equal(again.timedOut, true);
    deadlines.dispose();
  });

  it('dispose leaves no timer behind', () => {
    const before = timers();
    const deadlines = new Deadlines();
    deadlines.add(new AttemptAbort(step('a')), 300_000);
    assert.equal(timers(), before + 1);
    deadlines.dispose();
    assert.equal(timers(), before);
  });
});

describe('in-process steps: ctx.signal is built lazily with the same meaning', () => {
  const seen: Array<{ stepId: string; aborted: boolean; code: unknown }> = [];
  /** Waits `ms`, then records what its signal (read only now) says. */
  const late = definePlugin({
    type: 'late',
    description: 'reads ctx.signal only after waiting',
    params: Type.Object({ ms: Type.Integer() }),
    outputs: Type.Object({}),
    capabilities: [],
    effect: 'pure',
    run: (params, ctx) =>
      new Promise<Record<string, never>>((resolve) =>
        setTimeout(() => {
          seen.push({ stepId: ctx.stepId, aborted: ctx.signal.aborted, code: (ctx.signal.reason as { code?: unknown } | undefined)?.code });
          resolve({});
        }, params.ms),
      ),
  });
  const fails = definePlugin({
    type: 'fails',
    description: 'fails at once',
    params: Type.Object({}),
    outputs: Type.Object({}),
    capabilities: [],
    effect: 'pure',
    run: async () => {
      throw new Error('boom');
    },
  });
  const plugins = new Map([late, fails].map((p) => [p.type, { definition: p as unknown as DefinedPlugin }]));
  const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()] };
  const options = { registry, policy: OPEN_POLICY, workDir: process.cwd(), env: {} };

  it('a timeout fails the step with E_STEP_TIMEOUT and its signal, read afterwards, is aborted with that reason', async () => {
    seen.length = 0;
    const result = await executeMission(mission([step('t', [], { type: 'late', parameters: { ms: 1300 }, timeoutSeconds: 1 })]), options);
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    await sleep(500);
    assert.deepEqual(seen, [{ stepId: 't', aborted: true, code: 'E_STEP_TIMEOUT' }]);
  });

  it('fail_fast aborts the signal of a running step with E_STEP_CANCELLED; a finished step keeps an unaborted signal', async () => {
    seen.length = 0;
    const steps = [step('ok', [], { type: 'late', parameters: { ms: 1 } }), step('bad', ['ok'], { type: 'fails' }), step('running', ['ok'], { type: 'late', parameters: { ms: 150 }, timeoutSeconds: 300 })];
    const result = await executeMission(mission(steps), options);
    assert.deepEqual(result.steps.map((s) => s.status), ['succeeded', 'failed', 'cancelled']);
    await sleep(250);
    assert.deepEqual(seen, [
      { stepId: 'ok', aborted: false, code: undefined },
      { stepId: 'running', aborted: true, code: 'E_STEP_CANCELLED' },
    ]);
  });

  it('a run of steps with the default 300 s timeout leaves no timer behind', async () => {
    const before = timers();
    const steps = Array.from({ length: 20 }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`], { type: 'late', parameters: { ms: 0 }, timeoutSeconds: 300 }));
    const result = await executeMission(mission(steps), options);
    assert.equal(result.status, 'succeeded');
    assert.equal(timers(), before);
  });
});
