import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPolicy, definePlugin, executeMission, isRustchainError, loadProject, PluginRegistry, Type, validateMission, type DiagnosticsError, type Policy } from '@rustchain/core';
import { lazyPlugin, pluginOf, tempProject, writeTree } from './helpers.ts';

// Plugins whose package.json declares their step type are imported only when a command needs
// their definition. Each fixture module appends its name to a marker file when imported (a
// top-level side effect), so the marker lists exactly what was imported, in order.

const config = (plugins: string[]): string => `export default { plugins: ${JSON.stringify(plugins)} };\n`;

const mission = (...types: string[]): string =>
  `version: "1.0"\nname: m\nsteps:\n${types.map((type, i) => `  - id: s${i}\n    step_type: ${type}\n`).join('')}`;

/** The packages imported so far, in order. */
function imported(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'imported.txt'), 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

/** The DiagnosticsError `fn` rejects with. */
async function diagnosticsOf(fn: () => Promise<unknown>): Promise<DiagnosticsError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(isRustchainError(error) && 'diagnostics' in error, `expected a DiagnosticsError, got ${String(error)}`);
    return error as DiagnosticsError;
  }
  assert.fail('expected a DiagnosticsError');
}

const allowAll = (dir: string): Policy => ({ stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [dir], write: [dir] }, net: { allow: [] }, env: { allow: [] } });

describe('lazy plugin loading', () => {
  it('a project loads no declared plugin; validate imports only the step types its mission names', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-one', 'one'),
        ...lazyPlugin(dir, 'p-two', 'two'),
        ...lazyPlugin(dir, 'p-boom', 'boom', { throws: true }),
        'rustchain.config.mjs': config(['p-one', 'p-two', 'p-boom']),
        'm.yaml': mission('one', 'one'),
      });
      const project = await loadProject({ cwd: dir });
      assert.deepEqual(imported(dir), []);
      // Types, membership and packages come from the manifests.
      assert.deepEqual(project.registry.types(), ['boom', 'one', 'two']);
      assert.equal(project.registry.has('two'), true);
      assert.deepEqual(project.registry.packages().map((p) => [p.stepType, p.packageName]), [['boom', 'p-boom'], ['one', 'p-one'], ['two', 'p-two']]);
      assert.deepEqual(imported(dir), []);
      // get() before load is the caller's bug, never a silent "unknown step type".
      assert.throws(() => project.registry.get('two'), (error: unknown) => isRustchainError(error) && error.code === 'E_INTERNAL');
      const result = await validateMission(join(dir, 'm.yaml'), { registry: project.registry });
      assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
      assert.deepEqual(imported(dir), ['p-one']);
      assert.equal(project.registry.get('one')?.definition.type, 'one');
      // The policy check of the validated mission reads only what validate loaded.
      assert.deepEqual(checkPolicy(result.mission!, project.registry, allowAll(dir), { workDir: dir }), []);
    } finally {
      await cleanup();
    }
  });

  it('an unknown step type is still reported, and nothing is imported for it', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, { ...lazyPlugin(dir, 'p-one', 'one'), 'rustchain.config.mjs': config(['p-one']), 'm.yaml': mission('ghost') });
      const project = await loadProject({ cwd: dir });
      const result = await validateMission(join(dir, 'm.yaml'), { registry: project.registry });
      assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['E_STEP_TYPE_UNKNOWN']);
      assert.deepEqual(imported(dir), []);
    } finally {
      await cleanup();
    }
  });

  it('a declared plugin that fails to import is E_PLUGIN_INVALID at its config entry, only when a mission needs it', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-one', 'one'),
        ...lazyPlugin(dir, 'p-boom', 'boom', { throws: true }),
        'rustchain.config.mjs': config(['p-one', 'p-boom']),
        'ok.yaml': mission('one'),
        'bad.yaml': mission('one', 'boom'),
      });
      const project = await loadProject({ cwd: dir });
      assert.equal((await validateMission(join(dir, 'ok.yaml'), { registry: project.registry })).ok, true);
      const error = await diagnosticsOf(() => validateMission(join(dir, 'bad.yaml'), { registry: project.registry }));
      assert.deepEqual(error.diagnostics.map((d) => [d.code, d.file, d.line]), [['E_PLUGIN_INVALID', join(dir, 'rustchain.config.mjs'), 1]]);
      assert.match(error.diagnostics[0]!.message, /p-boom/);
      // A later load tries again (and fails the same way): no half-registered type.
      await diagnosticsOf(() => project.registry.load(['boom']));
    } finally {
      await cleanup();
    }
  });

  it('duplicate step types are found from the manifests, before anything is imported', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-a', 'same', { throws: true }),
        ...lazyPlugin(dir, 'p-b', 'same', { throws: true }),
        'rustchain.config.mjs': config(['p-a', 'p-b']),
      });
      const error = await diagnosticsOf(() => loadProject({ cwd: dir }));
      assert.deepEqual(error.diagnostics.map((d) => d.code), ['E_PLUGIN_DUPLICATE_TYPE']);
      assert.match(error.diagnostics[0]!.message, /p-a.*p-b/);
      assert.deepEqual(imported(dir), []);
    } finally {
      await cleanup();
    }
  });

  it('a declared type clashing with an undeclared (eagerly imported) plugin is a duplicate too', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-old', 'same', { manifest: false }),
        ...lazyPlugin(dir, 'p-new', 'same'),
        'rustchain.config.mjs': config(['p-old', 'p-new']),
      });
      const error = await diagnosticsOf(() => loadProject({ cwd: dir }));
      assert.deepEqual(error.diagnostics.map((d) => d.code), ['E_PLUGIN_DUPLICATE_TYPE']);
      // The package without a manifest was imported to learn its type; the other was not.
      assert.deepEqual(imported(dir), ['p-old']);
    } finally {
      await cleanup();
    }
  });

  it("a definition whose type is not its manifest's stepType is E_PLUGIN_INVALID when imported", async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-liar', 'said', { definesType: 'actual' }),
        'rustchain.config.mjs': config(['p-liar']),
        'm.yaml': mission('said'),
      });
      const project = await loadProject({ cwd: dir });
      const error = await diagnosticsOf(() => validateMission(join(dir, 'm.yaml'), { registry: project.registry }));
      assert.deepEqual(error.diagnostics.map((d) => d.code), ['E_PLUGIN_INVALID']);
      assert.match(error.diagnostics[0]!.message, /said/);
      assert.match(error.diagnostics[0]!.message, /actual/);
    } finally {
      await cleanup();
    }
  });

  it('a plugin without the manifest field is imported eagerly, as before', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-legacy', 'legacy', { manifest: false }),
        ...lazyPlugin(dir, 'p-one', 'one'),
        'rustchain.config.mjs': config(['p-legacy', 'p-one']),
      });
      const project = await loadProject({ cwd: dir });
      assert.deepEqual(imported(dir), ['p-legacy']);
      assert.equal(project.registry.get('legacy')?.definition.type, 'legacy');
    } finally {
      await cleanup();
    }
  });

  it('step types named by static `step` claims (tool/chain children) are loaded with their parent, transitively', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, {
        ...lazyPlugin(dir, 'p-outer', 'outer', { claimsStep: 'inner' }),
        ...lazyPlugin(dir, 'p-inner', 'inner', { claimsStep: 'leaf' }),
        ...lazyPlugin(dir, 'p-leaf', 'leaf'),
        ...lazyPlugin(dir, 'p-other', 'other'),
        'rustchain.config.mjs': config(['p-outer', 'p-inner', 'p-leaf', 'p-other']),
        'm.yaml': mission('outer'),
      });
      const project = await loadProject({ cwd: dir });
      const result = await validateMission(join(dir, 'm.yaml'), { registry: project.registry });
      assert.equal(result.ok, true, JSON.stringify(result.diagnostics));
      assert.deepEqual(imported(dir).sort(), ['p-inner', 'p-leaf', 'p-outer']);
      // The policy check follows those claims with get(): all loaded, and judged.
      const denied = checkPolicy(result.mission!, project.registry, { ...allowAll(dir), stepTypes: ['outer', 'inner'] }, { workDir: dir });
      assert.deepEqual(denied.map((d) => d.code), ['E_POLICY_STEP_TYPE_DENIED']);
    } finally {
      await cleanup();
    }
  });

  it('concurrent loads of one type import it once', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, { ...lazyPlugin(dir, 'p-one', 'one'), 'rustchain.config.mjs': config(['p-one']) });
      const project = await loadProject({ cwd: dir });
      await Promise.all([project.registry.load(['one']), project.registry.load(['one', 'one']), project.registry.load('all')]);
      assert.deepEqual(imported(dir), ['p-one']);
    } finally {
      await cleanup();
    }
  });

  describe('runs (executeMission with the real in-process dispatcher)', () => {
    it('a run imports its own step types only', async () => {
      const { dir, cleanup } = await tempProject();
      try {
        await writeTree(dir, { ...lazyPlugin(dir, 'p-one', 'one'), ...lazyPlugin(dir, 'p-two', 'two'), 'rustchain.config.mjs': config(['p-one', 'p-two']), 'm.yaml': mission('one') });
        const project = await loadProject({ cwd: dir });
        const { mission: loaded } = await validateMission(join(dir, 'm.yaml'), { registry: project.registry });
        const result = await executeMission(loaded!, { registry: project.registry, policy: allowAll(dir), workDir: dir });
        assert.deepEqual(result.steps.map((s) => s.status), ['succeeded']);
        assert.deepEqual(imported(dir), ['p-one']);
      } finally {
        await cleanup();
      }
    });

    it('a plugin that lists step types (manifest listsSteps) gets every allowed type before it runs, and sees them in ctx.steps.list()', async () => {
      const { dir, cleanup } = await tempProject();
      try {
        await writeTree(dir, {
          ...lazyPlugin(dir, 'p-lister', 'lister', { listsSteps: true }),
          ...lazyPlugin(dir, 'p-one', 'one'),
          ...lazyPlugin(dir, 'p-two', 'two'),
          ...lazyPlugin(dir, 'p-denied', 'denied'),
          'rustchain.config.mjs': config(['p-lister', 'p-one', 'p-two', 'p-denied']),
          'm.yaml': mission('lister'),
        });
        const project = await loadProject({ cwd: dir });
        const { mission: loaded } = await validateMission(join(dir, 'm.yaml'), { registry: project.registry });
        assert.deepEqual(imported(dir), ['p-lister']);
        const policy = { ...allowAll(dir), stepTypes: ['lister', 'one', 'two'] };
        const result = await executeMission(loaded!, { registry: project.registry, policy, workDir: dir });
        assert.deepEqual(result.steps.map((s) => [s.status, s.outputs]), [['succeeded', { listed: ['lister', 'one', 'two'] }]]);
        assert.deepEqual(imported(dir).sort(), ['p-lister', 'p-one', 'p-two']);
      } finally {
        await cleanup();
      }
    });

    it('a child step whose type is chosen at run time (ctx.steps.run) is imported then', async () => {
      const { dir, cleanup } = await tempProject();
      try {
        await writeTree(dir, {
          ...lazyPlugin(dir, 'p-runner', 'runner', { runsChild: 'two' }),
          ...lazyPlugin(dir, 'p-two', 'two'),
          ...lazyPlugin(dir, 'p-three', 'three'),
          'rustchain.config.mjs': config(['p-runner', 'p-two', 'p-three']),
          'm.yaml': mission('runner'),
        });
        const project = await loadProject({ cwd: dir });
        const { mission: loaded } = await validateMission(join(dir, 'm.yaml'), { registry: project.registry });
        const result = await executeMission(loaded!, { registry: project.registry, policy: allowAll(dir), workDir: dir });
        assert.deepEqual(result.steps.map((s) => s.status), ['succeeded']);
        assert.deepEqual(imported(dir), ['p-runner', 'p-two']);
      } finally {
        await cleanup();
      }
    });
  });

  it('pluginOf fixtures still work as eager plugins next to lazy ones (mixed config)', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      const { fakePlugin } = await import('./helpers.ts');
      await writeTree(dir, { ...fakePlugin('p-eager', pluginOf('eager')), ...lazyPlugin(dir, 'p-one', 'one'), 'rustchain.config.mjs': config(['p-eager', 'p-one']) });
      const project = await loadProject({ cwd: dir });
      assert.deepEqual(project.registry.types(), ['eager', 'one']);
      assert.equal(project.registry.get('eager')?.packageName, 'p-eager');
    } finally {
      await cleanup();
    }
  });

  it('property: whatever the loads (subsets, "all", run loads, concurrent), each plugin is imported at most once, exactly the requested ones are loaded, and the rest stay unimported', async () => {
    const TYPES = ['a', 'b', 'c', 'd', 'e', 'f'];
    const load = fc.oneof(
      fc.subarray([...TYPES, 'ghost']).map((types) => ({ types: types as Iterable<string> | 'all', run: false })),
      fc.constant({ types: 'all' as const, run: false }),
      fc.subarray(TYPES).map((types) => ({ types: types as Iterable<string> | 'all', run: true })),
    );
    await fc.assert(fc.asyncProperty(fc.array(fc.array(load, { minLength: 1, maxLength: 3 }), { maxLength: 5 }), fc.constantFrom<'*' | string[]>('*', ['a', 'b'], ['c']), async (rounds, allowed) => {
      const imports = new Map<string, number>();
      // `a` lists step types at run time (like the agent).
      const registry = new PluginRegistry([], TYPES.map((type) => ({
        stepType: type, listsSteps: type === 'a', packageName: `p-${type}`, version: '1.0.0', specifier: `p-${type}`, packageDir: '', integrity: null,
        importDefinition: async () => {
          imports.set(type, (imports.get(type) ?? 0) + 1);
          await Promise.resolve();
          return definePlugin({ type, description: type, params: Type.Object({}), outputs: Type.Object({}), capabilities: [], effect: 'pure', run: async () => ({}) });
        },
      })));
      const expected = new Set<string>();
      for (const round of rounds) {
        // One round's loads run concurrently.
        await Promise.all(round.map(({ types, run }) => registry.load(types, run ? { run: { allowed } } : {})));
        for (const { types, run } of round) {
          const named = types === 'all' ? TYPES : [...types].filter((type) => TYPES.includes(type));
          named.forEach((type) => expected.add(type));
          if (run && named.includes('a')) (allowed === '*' ? TYPES : allowed).forEach((type) => expected.add(type));
        }
      }
      assert.ok([...imports.values()].every((count) => count === 1), JSON.stringify([...imports]));
      assert.deepEqual([...imports.keys()].sort(), [...expected].sort());
      for (const type of TYPES) {
        if (expected.has(type)) assert.equal(registry.get(type)?.definition.type, type);
        else assert.throws(() => registry.get(type), (error: unknown) => isRustchainError(error) && error.code === 'E_INTERNAL');
      }
      // Membership and the package list never depend on what was imported.
      assert.deepEqual(registry.types(), TYPES);
      assert.deepEqual(registry.packages().map((p) => p.stepType), TYPES);
    }), { numRuns: 150 });
  });
});
