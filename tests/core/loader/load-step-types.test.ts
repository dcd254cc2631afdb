import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { loadStepTypes } from '../../../core/src/loader/load-step-types.ts';
import { definePlugin, type DefinedPlugin, type ResourceClaim, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';

/** A lazy registry over `plugins`: get() of a type not yet loaded throws, as the real one does; every load is recorded. */
function lazyRegistry(plugins: DefinedPlugin[]): StepTypeLookup & { loads: string[][]; runLoads: string[][] } {
  const byType = new Map(plugins.map((p) => [p.type, p]));
  const loaded = new Set<string>();
  const loads: string[][] = [];
  const runLoads: string[][] = [];
  return {
    loads,
    runLoads,
    has: (type) => byType.has(type),
    types: () => [...byType.keys()].sort(),
    get(type) {
      if (!byType.has(type)) return undefined;
      if (!loaded.has(type)) throw new Error(`${type} not loaded`);
      return { definition: byType.get(type)! };
    },
    async load(types, options) {
      const list = types === 'all' ? [...byType.keys()] : [...types];
      (options?.run === undefined ? loads : runLoads).push(list.sort());
      for (const type of list) loaded.add(type);
    },
  };
}

/** claims() calls per step type (definitions are frozen). */
const calls = new Map<string, number>();

/** A plugin whose claims name the step types in `children(params)`; counts its claims() calls. */
function claiming(type: string, children: (params: Record<string, unknown>) => string[], params = Type.Object({}, { additionalProperties: true })): DefinedPlugin {
  calls.set(type, 0);
  return definePlugin({
    type,
    description: type,
    params,
    outputs: Type.Object({}),
    capabilities: [],
    effect: 'pure',
    claims: (p: Record<string, unknown>): ResourceClaim[] => {
      calls.set(type, calls.get(type)! + 1);
      return children(p).map((child) => ({ kind: 'step', type: child, params: {}, pointer: '' }));
    },
    async run() {
      return {};
    },
  }) as unknown as DefinedPlugin;
}

test('steps with empty parameters share one claims() exploration per type, and their children are loaded', async () => {
  const parent = claiming('parent', () => ['child']);
  const child = claiming('child', () => []);
  const registry = lazyRegistry([parent, child]);
  const steps = Array.from({ length: 50 }, () => ({ type: 'parent', parameters: {} }));
  await loadStepTypes(registry, steps, { allowed: '*' });
  assert.deepEqual(registry.loads, [['parent'], ['child']]);
  assert.deepEqual(registry.runLoads, [['child', 'parent']]);
  assert.equal(calls.get('parent'), 1);
  assert.equal(calls.get('child'), 1);
});

test('non-empty parameters are explored step by step (claims may depend on them)', async () => {
  const parent = claiming('parent2', (p) => (typeof p['tool'] === 'string' ? [p['tool']] : []));
  const registry = lazyRegistry([parent, claiming('a', () => []), claiming('b', () => []), claiming('unused', () => [])]);
  await loadStepTypes(registry, [
    { type: 'parent2', parameters: {} },
    { type: 'parent2', parameters: { tool: 'a' } },
    { type: 'parent2', parameters: { tool: 'b' } },
  ]);
  assert.deepEqual(registry.loads, [['parent2'], ['a', 'b']]);
  assert.equal(registry.runLoads.length, 0);
});

test('an empty object that is not plain, or has symbol keys, is not taken for `{}`', async () => {
  const sym = Symbol('k');
  const parent = claiming('parent3', (p) => (Object.getPrototypeOf(p) === null || Object.getOwnPropertySymbols(p).length > 0 ? ['odd'] : []));
  const registry = lazyRegistry([parent, claiming('odd', () => [])]);
  await loadStepTypes(registry, [
    { type: 'parent3', parameters: {} },
    { type: 'parent3', parameters: Object.create(null) },
    { type: 'parent3', parameters: { [sym]: 1 } },
  ]);
  assert.deepEqual(registry.loads, [['parent3'], ['odd']]);
});

test('empty parameters the schema rejects, or a claims() that throws, name no children (as before)', async () => {
  const strictParams = claiming('needs', () => ['x'], Type.Object({ path: Type.String() }));
  const throwing = claiming('throws', () => {
    throw new Error('bad claims');
  });
  const registry = lazyRegistry([strictParams, throwing, claiming('x', () => [])]);
  await loadStepTypes(registry, [
    { type: 'needs', parameters: {} },
    { type: 'throws', parameters: {} },
    { type: 'throws', parameters: {} },
    { type: 'unknown', parameters: {} },
  ]);
  assert.deepEqual(registry.loads, [['needs', 'throws']]);
  assert.equal(calls.get('needs'), 0);
});

test('claims chains stop at the depth limit, however many steps share `{}`', async () => {
  // loop -> loop -> ... : the depth limit ends it, as it did per step.
  const loop = claiming('loop', () => ['loop']);
  const registry = lazyRegistry([loop]);
  await loadStepTypes(registry, [{ type: 'loop', parameters: {} }, { type: 'loop', parameters: {} }]);
  assert.equal(registry.loads.length, 11);
});

test('property: the set of loaded types equals the per-step exploration of the same steps', async () => {
  const names = ['p0', 'p1', 'p2', 'p3'];
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ type: fc.constantFrom(...names, 'missing'), tool: fc.option(fc.constantFrom(...names), { nil: undefined }) }), { maxLength: 30 }),
      fc.array(fc.subarray(names), { minLength: names.length, maxLength: names.length }),
      async (raw, emptyChildren) => {
        const plugins = names.map((name, i) => claiming(name, (p) => (typeof p['tool'] === 'string' ? [p['tool']] : emptyChildren[i]!)));
        const steps = raw.map((s) => ({ type: s.type, parameters: s.tool === undefined ? {} : { tool: s.tool } }));
        const registry = lazyRegistry(plugins);
        await loadStepTypes(registry, steps, { allowed: '*' });
        // The reference: the naive per-step breadth-first walk.
        const expected = new Set<string>();
        let frontier = steps.filter((s) => names.includes(s.type)).map((s) => ({ ...s, depth: 0 }));
        while (frontier.length > 0) {
          const next: typeof frontier = [];
          for (const s of frontier) {
            expected.add(s.type);
            if (s.depth >= 10) continue;
            const tool = (s.parameters as { tool?: string }).tool;
            const kids = tool !== undefined ? [tool] : emptyChildren[names.indexOf(s.type)]!;
            for (const k of kids) next.push({ type: k, parameters: {}, depth: s.depth + 1 });
          }
          frontier = next;
        }
        assert.deepEqual(registry.runLoads.flat().sort(), [...expected].sort());
      },
    ),
    { numRuns: 200 },
  );
});
