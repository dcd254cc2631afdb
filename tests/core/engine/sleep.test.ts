import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { AttemptAbort } from '../../../core/src/engine/attempt-control.ts';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { createStepContext } from '../../../core/src/capabilities/context.ts';
import { isRustchainError } from '../../../core/src/errors.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { mission, OPEN_POLICY, step } from './helpers.ts';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const codeOf = (error: unknown): unknown => (isRustchainError(error) ? error.code : error);

/** How each step's ctx.sleep ended, by step id. */
const ended = new Map<string, unknown>();
/** Sleeps `ms` with ctx.sleep, recording how the sleep ended (`ok` or the rejection's code). */
const napper = definePlugin({
  type: 'napper',
  description: 'sleeps with ctx.sleep',
  params: Type.Object({ ms: Type.Number(), fail: Type.Optional(Type.Boolean()), failFirst: Type.Optional(Type.Boolean()) }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'pure',
  async run(params, ctx) {
    if (params.fail === true) throw new Error('boom');
    try {
      // A first attempt that sleeps past its timeout, a second one that does not.
      await ctx.sleep!(params.failFirst === true && ctx.attempt === 1 ? 60_000 : params.ms);
      ended.set(ctx.stepId, 'ok');
    } catch (error) {
      ended.set(ctx.stepId, codeOf(error));
      throw error;
    }
    return {};
  },
});
const plugins = new Map([[napper.type, { definition: napper as unknown as DefinedPlugin }]]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()] };
const options = { registry, policy: OPEN_POLICY, workDir: process.cwd(), env: {} };
const nap = (id: string, ms: number, extra: Parameters<typeof step>[2] = {}, params: Record<string, unknown> = {}) =>
  step(id, [], { type: 'napper', parameters: { ms, ...params }, ...extra });

describe('ctx.sleep in the engine', () => {
  const Real = globalThis.AbortController;
  let built = 0;
  // Counts every AbortController made while the engine runs (the run's own one included).
  globalThis.AbortController = class extends Real {
    constructor() {
      super();
      built++;
    }
  };
  after(() => {
    globalThis.AbortController = Real;
  });

  it('sleeping steps succeed and build no AbortSignal of their own (one controller per run)', async () => {
    ended.clear();
    built = 0;
    const before = timers();
    const result = await executeMission(mission(Array.from({ length: 50 }, (_, i) => nap(`s${i}`, 5, { timeoutSeconds: 30 }))), options);
    assert.equal(result.status, 'succeeded');
    assert.equal([...ended.values()].filter((v) => v === 'ok').length, 50);
    assert.equal(built, 1);
    assert.equal(timers(), before);
  });

  it('naps share the run timer: 200 sleeping steps hold no Timeout each', async () => {
    const before = timers();
    const run = executeMission(mission(Array.from({ length: 200 }, (_, i) => nap(`w${i}`, 150, { timeoutSeconds: 30 }))), options);
    await tick(40);
    assert.ok(timers() - before <= 2, `${timers() - before} timers while 200 steps sleep`);
    assert.equal((await run).status, 'succeeded');
    assert.equal(timers(), before);
  });

  it("a nap past setTimeout's ceiling is cut by the step timeout and leaves no timer", async () => {
    ended.clear();
    const before = timers();
    const result = await executeMission(mission([nap('forever', 2 ** 31 + 5, { timeoutSeconds: 0.03 })]), options);
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    assert.equal(ended.get('forever'), 'E_STEP_TIMEOUT');
    assert.equal(timers(), before);
  });

  it('the step timeout rejects the sleep with E_STEP_TIMEOUT, leaves no timer, and a retry sleeps again', async () => {
    ended.clear();
    const before = timers();
    const result = await executeMission(mission([nap('slow', 60_000, { timeoutSeconds: 0.05 })]), options);
    assert.equal(result.steps[0]!.status, 'failed');
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    assert.equal(ended.get('slow'), 'E_STEP_TIMEOUT');
    await tick(5);
    assert.equal(timers(), before);
    const retried = await executeMission(
      mission([nap('again', 1, { timeoutSeconds: 0.05, retry: { attempts: 2, delaySeconds: 0, backoff: 'fixed', factor: 1, maxDelaySeconds: 0, jitter: false } }, { failFirst: true })]),
      options,
    );
    assert.equal(retried.steps[0]!.status, 'succeeded');
    assert.equal(retried.steps[0]!.attempts, 2);
  });

  it('fail-fast and the caller signal reach a sleeping step: E_STEP_CANCELLED, nothing left running', async () => {
    ended.clear();
    const before = timers();
    const failFast = await executeMission(mission([nap('sleeper', 60_000), nap('bad', 0, {}, { fail: true })]), options);
    assert.equal(failFast.status, 'failed');
    assert.equal(failFast.steps.find((s) => s.id === 'sleeper')!.status, 'cancelled');
    assert.equal(ended.get('sleeper'), 'E_STEP_CANCELLED');
    const controller = new Real();
    const run = executeMission(mission([nap('a', 60_000), nap('b', 60_000)]), { ...options, signal: controller.signal });
    await tick(20);
    controller.abort(new Error('SIGINT'));
    const cancelled = await run;
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(cancelled.steps.map((s) => s.status), ['cancelled', 'cancelled']);
    assert.equal(ended.get('a'), 'E_STEP_CANCELLED');
    assert.equal(ended.get('b'), 'E_STEP_CANCELLED');
    await tick(5);
    assert.equal(timers(), before);
  });
});

describe('AttemptAbort.sleep: naps of one attempt', () => {
  it('naps wake in time order; abort rejects the pending ones with its reason; settle stops stray timers', async () => {
    const control = new AttemptAbort(step('s'));
    const woke: number[] = [];
    await Promise.all([control.sleep(30).then(() => woke.push(30)), control.sleep(10).then(() => woke.push(10)), control.sleep(-5).then(() => woke.push(0))]);
    assert.deepEqual(woke, [0, 10, 30]);

    const before = timers();
    const reason = new Error('stop');
    const pending = [control.sleep(60_000), control.sleep(60_000)];
    assert.equal(timers(), before + 2);
    control.abort(reason);
    for (const p of pending) await assert.rejects(p, (e) => e === reason);
    assert.equal(timers(), before);
    await assert.rejects(control.sleep(1), (e) => e === reason); // after the abort: at once

    const done = new AttemptAbort(step('t'));
    let settledNap = false;
    void done.sleep(60_000).then(() => (settledNap = true), () => (settledNap = true));
    done.settle();
    assert.equal(timers(), before);
    void done.sleep(1).then(() => (settledNap = true), () => (settledNap = true)); // a stray call after the end
    await tick(10);
    assert.equal(settledNap, false);
    assert.equal(timers(), before);
  });

  it('property: every nap settles once, rejections carry the abort reason, no timer survives the abort', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 25 }), async (sleeps, abortAt) => {
        const before = timers();
        const control = new AttemptAbort(step('p'));
        const reason = new Error('abort');
        const outcomes = sleeps.map(() => [] as string[]);
        const all = sleeps.map((ms, k) =>
          control.sleep(ms).then(
            () => outcomes[k]!.push('ok'),
            (e: unknown) => outcomes[k]!.push(e === reason ? 'aborted' : 'other'),
          ),
        );
        await tick(abortAt);
        control.abort(reason);
        await Promise.all(all);
        for (const o of outcomes) assert.ok(o.length === 1 && o[0] !== 'other', JSON.stringify(outcomes));
        assert.equal(timers(), before);
      }),
      { numRuns: 25 },
    );
  });
});

describe('ctx.sleep outside the engine', () => {
  it('a context built on a plain signal sleeps on it (the dispatch path)', async () => {
    const controller = new AbortController();
    const ctx = createStepContext({ runId: 'r', stepId: 's', attempt: 1, signal: controller.signal, workDir: process.cwd(), policy: OPEN_POLICY, env: {} });
    await ctx.sleep!(1);
    const pending = ctx.sleep!(60_000);
    controller.abort(new Error('gone'));
    await assert.rejects(pending, /gone/);
  });
});
