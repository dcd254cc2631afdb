import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Type } from '@sinclair/typebox';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { mission, OPEN_POLICY, step } from './helpers.ts';

/**
 * The engine keeps one placeholder instance of each class it makes per run or per step, so
 * their hidden classes (and the optimised code that checks them) outlive a run
 * (core/src/engine/kept-shapes.ts). What it keeps must hold nothing of a run: once a run's
 * result is dropped, its mission, parameters, outputs and contexts are collectable.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('after a run, nothing of it stays reachable from what the engine keeps between runs', async () => {
  const refs: Array<WeakRef<object>> = [];
  const probe = definePlugin({
    type: 'probe',
    description: 'sleeps through ctx.sleep, keeps a weak reference to its ctx, returns an object',
    params: Type.Object({ n: Type.Integer() }),
    outputs: Type.Object({}),
    capabilities: [],
    effect: 'pure',
    run: async (params, ctx) => {
      refs.push(new WeakRef(ctx));
      await ctx.sleep!(1);
      const outputs = { n: params.n, text: 'x'.repeat(100) };
      refs.push(new WeakRef(outputs));
      return outputs;
    },
  });
  const registry: StepTypeLookup = { get: (t) => (t === 'probe' ? { definition: probe as unknown as DefinedPlugin } : undefined), has: (t) => t === 'probe', types: () => ['probe'] };
  await (async () => {
    const steps = Array.from({ length: 20 }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`], { type: 'probe', parameters: { n: i }, timeoutSeconds: 30 }));
    const m = mission(steps);
    refs.push(new WeakRef(m), new WeakRef(steps[7]!.parameters));
    const result = await executeMission(m, { registry, policy: OPEN_POLICY, workDir: process.cwd() });
    assert.equal(result.status, 'succeeded');
    refs.push(new WeakRef(result));
  })();
  assert.equal(refs.length, 20 * 2 + 3);
  for (let round = 0; round < 10 && refs.some((r) => r.deref() !== undefined); round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.deepEqual(refs.map((r, i) => (r.deref() === undefined ? null : i)).filter((i) => i !== null), []);
});
