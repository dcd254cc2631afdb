import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { isRustchainError } from '../../../core/src/errors.ts';
import { definePlugin, type DefinedPlugin, type StepContext, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { mission, OPEN_POLICY, step } from './helpers.ts';

// A step's first attempt is controlled by the step's own attempt object (no second object per
// step); a retry gets a fresh control. These tests hold each attempt's ctx to its own attempt:
// a stop, a timeout or a nap of one attempt never reaches another's.

const codeOf = (error: unknown): unknown => (isRustchainError(error) ? error.code : error);
const NO_DELAY = { attempts: 3, delaySeconds: 0, backoff: 'fixed' as const, factor: 2, maxDelaySeconds: 0, jitter: false };

function lookup(plugin: DefinedPlugin): StepTypeLookup {
  return { get: (t) => (t === plugin.type ? { definition: plugin } : undefined), has: (t) => t === plugin.type, types: () => [plugin.type] };
}

describe('attempt controls', () => {
  it('a run stop during the retry aborts only the retry; the failed first attempt is untouched and its stray nap never wakes', async () => {
    const contexts: StepContext[] = [];
    const controller = new AbortController();
    let stray: 'pending' | 'resolved' | 'rejected' = 'pending';
    const plugin = definePlugin({
      type: 'flaky',
      description: 'fails once, then waits to be cancelled',
      params: Type.Object({}),
      outputs: Type.Object({}),
      capabilities: [],
      effect: 'pure',
      async run(_params, ctx) {
        contexts.push(ctx);
        if (ctx.attempt === 1) throw new Error('first attempt fails');
        // The first attempt's ctx, used after its attempt ended: its nap must never wake.
        contexts[0]!.sleep!(1).then(() => (stray = 'resolved'), () => (stray = 'rejected'));
        setImmediate(() => controller.abort(new Error('stop')));
        await ctx.sleep!(60_000);
        return {};
      },
    });
    const result = await executeMission(mission([step('s', [], { type: 'flaky', retry: NO_DELAY })]), {
      registry: lookup(plugin as unknown as DefinedPlugin), policy: OPEN_POLICY, workDir: process.cwd(), env: {}, signal: controller.signal,
    });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.steps[0]!.status, 'cancelled');
    assert.equal(result.steps[0]!.attempts, 2);
    assert.equal(contexts.length, 2);
    assert.equal(contexts[0]!.signal.aborted, false, 'the ended first attempt is not reached by the stop');
    assert.equal(contexts[1]!.signal.aborted, true);
    assert.equal(codeOf(contexts[1]!.signal.reason), 'E_STEP_CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(stray, 'pending');
  });

  it('a first attempt that times out keeps its timeout; the retry has a live signal of its own and succeeds', async () => {
    const contexts: StepContext[] = [];
    const seenLive: boolean[] = [];
    const plugin = definePlugin({
      type: 'slowfirst',
      description: 'the first attempt outlives its timeout',
      params: Type.Object({}),
      outputs: Type.Object({ attempt: Type.Number() }),
      capabilities: [],
      effect: 'pure',
      async run(_params, ctx) {
        contexts.push(ctx);
        seenLive.push(!ctx.signal.aborted);
        if (ctx.attempt === 1) await ctx.sleep!(60_000);
        return { attempt: ctx.attempt };
      },
    });
    const result = await executeMission(mission([step('t', [], { type: 'slowfirst', timeoutSeconds: 0.05, retry: NO_DELAY })]), {
      registry: lookup(plugin as unknown as DefinedPlugin), policy: OPEN_POLICY, workDir: process.cwd(), env: {},
    });
    assert.equal(result.status, 'succeeded');
    assert.equal(result.steps[0]!.attempts, 2);
    assert.deepEqual(result.steps[0]!.outputs, { attempt: 2 });
    assert.deepEqual(seenLive, [true, true]);
    assert.equal(codeOf(contexts[0]!.signal.reason), 'E_STEP_TIMEOUT');
    assert.equal(contexts[1]!.signal.aborted, false);
    // A stale ctx of the timed-out attempt: its sleep rejects with its own timeout at once.
    await assert.rejects(contexts[0]!.sleep!(1), (error: unknown) => codeOf(error) === 'E_STEP_TIMEOUT');
  });
});
