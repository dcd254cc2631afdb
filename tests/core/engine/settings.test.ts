import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definePlugin, executeMission, Type, type DefinedPlugin, type Policy, type StepTypeLookup } from '@rustchain/core';
import { checkConfig } from '../../../core/src/registry/config-schema.ts';
import { mission, step } from './helpers.ts';

/** A step type that reports what it sees in `ctx.settings('demo')` and whether it could change it. */
const probe = definePlugin({
  type: 'probe',
  description: 'reads settings',
  params: Type.Object({}),
  outputs: Type.Object({ seen: Type.Unknown(), mutated: Type.Boolean(), other: Type.Unknown() }),
  capabilities: [],
  effect: 'pure',
  async run(_params, ctx) {
    const seen = ctx.settings('demo') as { list?: number[] } | undefined;
    let mutated = false;
    try {
      seen?.list?.push(4);
      mutated = true;
    } catch {
      mutated = false;
    }
    return { seen, mutated, other: ctx.settings('absent') ?? null };
  },
}) as unknown as DefinedPlugin;

const registry: StepTypeLookup = { get: (t) => (t === 'probe' ? { definition: probe } : undefined), has: (t) => t === 'probe', types: () => ['probe'] };
const policy: Policy = { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [], write: [] }, net: { allow: [] }, env: { allow: [] } };

describe('ctx.settings', () => {
  it('gives each step the config namespace, deeply frozen and copied: a step cannot change what the next one reads', async () => {
    const settings = { demo: { list: [1, 2, 3], url: 'http://x' } };
    const steps = [step('a', [], { type: 'probe' }), step('b', ['a'], { type: 'probe' })];
    const result = await executeMission(mission(steps), { registry, policy, workDir: process.cwd(), settings });
    for (const s of result.steps) {
      assert.equal(s.status, 'succeeded', JSON.stringify(s.error));
      assert.deepEqual(s.outputs['seen'], { list: [1, 2, 3], url: 'http://x' });
      assert.equal(s.outputs['mutated'], false);
      assert.equal(s.outputs['other'], null);
    }
    assert.deepEqual(settings.demo.list, [1, 2, 3], 'the caller’s object is not frozen or changed');
    assert.equal(Object.isFrozen(settings.demo), false);
  });

  it('is undefined for every namespace when the run has no settings', async () => {
    const result = await executeMission(mission([step('a', [], { type: 'probe' })]), { registry, policy, workDir: process.cwd() });
    assert.equal(result.steps[0]?.outputs['seen'], undefined);
  });

  it('the config schema takes `settings` as an object of namespaces and refuses other shapes', () => {
    assert.deepEqual(checkConfig({ plugins: [], settings: { llm: { default_provider: 'openai' }, mcp: {} } }, 'c.mjs'), []);
    const wrong = checkConfig({ plugins: [], settings: ['llm'] }, 'c.mjs');
    assert.equal(wrong[0]?.code, 'E_CONFIG_INVALID');
    assert.equal(wrong[0]?.pointer, '/settings');
  });
});
