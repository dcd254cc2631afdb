import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import createFile from '../../../plugins/create-file/src/index.ts';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { executeStep } from '../../../core/src/engine/execute-step.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { Type } from '../../../core/src/plugin/index.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import type { RunEvent } from '../../../core/src/engine/types.ts';
import { mission, step } from './helpers.ts';

/** What the probe step type did, in order (its side effect, observable by the test). */
const effects: string[] = [];

/** Runs `children` one after another as child steps; with `mission`, as one sub-DAG. */
const parent = definePlugin({
  type: 'parent',
  description: 'runs child steps',
  params: Type.Object({
    children: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), params: Type.Record(Type.String(), Type.Unknown()), timeoutMs: Type.Optional(Type.Number()), dependsOn: Type.Optional(Type.Array(Type.String())) })),
    mode: Type.Optional(Type.Union([Type.Literal('run'), Type.Literal('mission')])),
    parallel: Type.Optional(Type.Boolean()),
  }),
  outputs: Type.Object({}, { additionalProperties: true }),
  capabilities: [],
  effect: 'pure',
  async run(params, ctx) {
    if (params.mode === 'mission') {
      const sub = await ctx.steps.runMission({ steps: params.children }, { parallel: params.parallel ?? false });
      return { sub };
    }
    const outputs: Record<string, unknown>[] = [];
    for (const child of params.children) outputs.push(await ctx.steps.run(child));
    return { outputs, types: ctx.steps.list().map((t) => t.type) };
  },
});

/** Records `tag` as its side effect; `sleepMs` waits (abortably) first. */
const probe = definePlugin({
  type: 'probe',
  description: 'records a side effect',
  params: Type.Object({ tag: Type.String(), sleepMs: Type.Optional(Type.Integer()) }),
  outputs: Type.Object({ tag: Type.String() }),
  capabilities: [],
  effect: 'side-effect',
  async run(params, ctx) {
    if (params.sleepMs !== undefined) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, params.sleepMs);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        }, { once: true });
      });
    }
    effects.push(params.tag);
    return { tag: params.tag };
  },
});

const plugins = new Map<string, { definition: DefinedPlugin }>([
  ['parent', { definition: parent as unknown as DefinedPlugin }],
  ['probe', { definition: probe as unknown as DefinedPlugin }],
  ['create_file', { definition: createFile as unknown as DefinedPlugin }],
]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

let workDir = '';
let policy: Policy;
before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'rustchain-child-'));
  policy = { stepTypes: ['parent', 'probe', 'create_file'], commands: { allow: [], shell: false }, fs: { read: [workDir], write: [workDir] }, net: { allow: [] }, env: { allow: [] } };
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const parentStep = (children: unknown[], extra: Record<string, unknown> = {}, timeoutSeconds = 0) =>
  step('p', [], { type: 'parent', parameters: { children, ...extra }, timeoutSeconds });

describe('ctx.steps.run', () => {
  it('runs children with nested ids: results, events (start before end) and outputs flow back', async () => {
    effects.length = 0;
    const events: RunEvent[] = [];
    const result = await executeMission(
      mission([parentStep([{ id: 'a', type: 'probe', params: { tag: 'A' } }, { id: 'b', type: 'create_file', params: { path: 'out.txt', content: 'hi' } }])]),
      { registry, policy, workDir, onEvent: (e) => events.push(e) },
    );
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps[0]?.error));
    const p = result.steps[0]!;
    assert.deepEqual(p.children?.map((c) => [c.id, c.status]), [['p/a', 'succeeded'], ['p/b', 'succeeded']]);
    assert.deepEqual((p.outputs['outputs'] as Array<Record<string, unknown>>)[0], { tag: 'A' });
    assert.deepEqual(p.outputs['types'], ['create_file', 'parent', 'probe']);
    assert.equal(await readFile(join(workDir, 'out.txt'), 'utf8'), 'hi');
    const seq = events.filter((e) => 'stepId' in e).map((e) => `${e.type} ${(e as { stepId: string }).stepId}`);
    assert.deepEqual(seq, ['step.started p', 'step.started p/a', 'step.succeeded p/a', 'step.started p/b', 'step.succeeded p/b', 'step.succeeded p']);
  });

  it('a child the policy refuses (claims of its resolved params) never runs, and fails the parent with the policy code', async () => {
    effects.length = 0;
    const outside = join(tmpdir(), `rustchain-outside-${process.pid}.txt`);
    const events: RunEvent[] = [];
    const result = await executeMission(mission([parentStep([{ id: 'w', type: 'create_file', params: { path: outside, content: 'x' } }, { id: 'after', type: 'probe', params: { tag: 'NO' } }])]), {
      registry, policy, workDir, onEvent: (e) => events.push(e),
    });
    const p = result.steps[0]!;
    assert.equal(p.status, 'failed');
    assert.equal(p.error?.code, 'E_POLICY_PATH_DENIED');
    assert.equal(p.children?.[0]?.id, 'p/w');
    assert.equal(p.children?.[0]?.error?.code, 'E_POLICY_PATH_DENIED');
    assert.equal(await stat(outside).catch(() => null), null);
    assert.deepEqual(effects, []);
    assert.ok(events.some((e) => e.type === 'step.failed' && e.stepId === 'p/w'));
  });

  it('a step type outside policy.stepTypes is refused for a child as for a top-level step', async () => {
    const narrow: Policy = { ...policy, stepTypes: ['parent'] };
    effects.length = 0;
    const result = await executeMission(mission([parentStep([{ id: 'a', type: 'probe', params: { tag: 'A' } }])]), { registry, policy: narrow, workDir });
    assert.equal(result.steps[0]!.error?.code, 'E_POLICY_STEP_TYPE_DENIED');
    assert.deepEqual(effects, []);
  });

  it('bad child params fail with E_PARAMS_INVALID; an unknown type with E_STEP_TYPE_UNKNOWN; a bad id with E_CHILD_STEP_INVALID', async () => {
    const cases: Array<[unknown, string]> = [
      [{ id: 'a', type: 'probe', params: { tag: 3 } }, 'E_PARAMS_INVALID'],
      [{ id: 'a', type: 'nope', params: {} }, 'E_POLICY_STEP_TYPE_DENIED'],
      [{ id: 'a/b', type: 'probe', params: { tag: 'x' } }, 'E_CHILD_STEP_INVALID'],
    ];
    for (const [child, code] of cases) {
      const result = await executeMission(mission([parentStep([child])]), { registry, policy, workDir });
      assert.equal(result.steps[0]!.error?.code, code, JSON.stringify(child));
    }
    const open: Policy = { ...policy, stepTypes: '*' };
    const unknown = await executeMission(mission([parentStep([{ id: 'a', type: 'nope', params: {} }])]), { registry, policy: open, workDir });
    assert.equal(unknown.steps[0]!.error?.code, 'E_STEP_TYPE_UNKNOWN');
  });

  it('write-ahead: the child start is durable (barrier) before its side effect happens', async () => {
    effects.length = 0;
    const events: RunEvent[] = [];
    let durable = 0;
    const seenAtEffect: number[] = [];
    const watch = definePlugin({ ...probe, type: 'watch', async run(params) {
      // How many events were durable when the side effect ran.
      seenAtEffect.push(durable);
      effects.push(params.tag);
      return { tag: params.tag };
    } });
    const local = new Map(plugins);
    local.set('watch', { definition: watch as unknown as DefinedPlugin });
    const lookup: StepTypeLookup = { get: (t) => local.get(t), has: (t) => local.has(t), types: () => [...local.keys()].sort() };
    const result = await executeMission(mission([parentStep([{ id: 'x', type: 'watch', params: { tag: 'X' } }])]), {
      registry: lookup, policy: { ...policy, stepTypes: '*' }, workDir,
      onEvent: (e) => events.push(e),
      barrier: async () => {
        await new Promise((r) => setImmediate(r));
        durable = events.length;
      },
    });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps[0]?.error));
    const startIndex = events.findIndex((e) => e.type === 'step.started' && e.stepId === 'p/x');
    assert.ok(startIndex >= 0);
    assert.ok(seenAtEffect[0]! > startIndex, `durable ${seenAtEffect[0]} vs child start at ${startIndex}`);
  });

  it('a child timeout fails it with E_STEP_TIMEOUT (the parent sees that code)', async () => {
    effects.length = 0;
    const result = await executeMission(mission([parentStep([{ id: 'slow', type: 'probe', params: { tag: 'S', sleepMs: 30_000 }, timeoutMs: 50 }])]), { registry, policy, workDir });
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    assert.equal(result.steps[0]!.children?.[0]?.error?.code, 'E_STEP_TIMEOUT');
    assert.deepEqual(effects, []);
  });

  it('cancelling the run cancels the child in flight (no side effect, cancelled results)', async () => {
    effects.length = 0;
    const controller = new AbortController();
    const events: RunEvent[] = [];
    const run = executeMission(mission([parentStep([{ id: 'slow', type: 'probe', params: { tag: 'S', sleepMs: 30_000 } }])]), {
      registry, policy, workDir, signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step.started' && e.stepId === 'p/slow') setImmediate(() => controller.abort(new Error('stop')));
      },
    });
    const result = await run;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.steps[0]!.status, 'cancelled');
    assert.equal(result.steps[0]!.children?.[0]?.status, 'cancelled');
    assert.deepEqual(effects, []);
    assert.ok(events.some((e) => e.type === 'step.cancelled' && e.stepId === 'p/slow'));
  });

  it('the parent timeout stops its children', async () => {
    effects.length = 0;
    const result = await executeMission(mission([parentStep([{ id: 'slow', type: 'probe', params: { tag: 'S', sleepMs: 30_000 } }], {}, 0.05)]), { registry, policy, workDir });
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    assert.equal(result.steps[0]!.children?.[0]?.status, 'cancelled');
    assert.deepEqual(effects, []);
  });

  it('a repeated child id is made unique (`id.2`), so the ledger never sees one id start twice', async () => {
    const result = await executeMission(mission([parentStep([{ id: 'a', type: 'probe', params: { tag: '1' } }, { id: 'a', type: 'probe', params: { tag: '2' } }])]), { registry, policy, workDir });
    assert.deepEqual(result.steps[0]!.children?.map((c) => c.id), ['p/a', 'p/a.2']);
  });

  it('works for a lone step too (executeStep)', async () => {
    const result = await executeStep(parentStep([{ id: 'a', type: 'probe', params: { tag: 'L' } }]), { registry, policy, workDir });
    assert.equal(result.status, 'succeeded');
    assert.equal(result.children?.[0]?.id, 'p/a');
  });
});

describe('ctx.steps.runMission', () => {
  it('runs a sub-DAG in dependency order with nested ids and returns each step result', async () => {
    effects.length = 0;
    const children = [
      { id: 'second', type: 'probe', params: { tag: '2' }, dependsOn: ['first'] },
      { id: 'first', type: 'probe', params: { tag: '1' } },
    ];
    const result = await executeMission(mission([parentStep(children, { mode: 'mission' })]), { registry, policy, workDir });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps[0]?.error));
    assert.deepEqual(effects, ['1', '2']);
    const sub = result.steps[0]!.outputs['sub'] as { status: string; steps: Array<{ id: string; outputs: unknown }> };
    assert.equal(sub.status, 'succeeded');
    assert.deepEqual(sub.steps.map((s) => s.id), ['first', 'second']);
    assert.deepEqual(result.steps[0]!.children?.map((c) => c.id), ['p/first', 'p/second']);
  });

  it('parallel: independent children all start before any finishes', async () => {
    effects.length = 0;
    const events: string[] = [];
    const children = ['a', 'b', 'c'].map((id) => ({ id, type: 'probe', params: { tag: id, sleepMs: 200 } }));
    const result = await executeMission(mission([parentStep(children, { mode: 'mission', parallel: true })]), {
      registry, policy, workDir, onEvent: (e) => { if ('stepId' in e && e.stepId.startsWith('p/')) events.push(e.type); },
    });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(events.slice(0, 3), ['step.started', 'step.started', 'step.started']);
  });

  it('a refused step in the sub-DAG stops it before anything runs', async () => {
    effects.length = 0;
    const outside = join(tmpdir(), `rustchain-outside2-${process.pid}.txt`);
    const children = [{ id: 'a', type: 'probe', params: { tag: 'A' } }, { id: 'w', type: 'create_file', params: { path: outside, content: 'x' }, dependsOn: ['a'] }];
    const result = await executeMission(mission([parentStep(children, { mode: 'mission' })]), { registry, policy, workDir });
    assert.equal(result.steps[0]!.error?.code, 'E_POLICY_PATH_DENIED');
    assert.deepEqual(effects, []);
  });

  it('a dependency on an unknown child is E_CHILD_STEP_INVALID', async () => {
    const result = await executeMission(mission([parentStep([{ id: 'a', type: 'probe', params: { tag: 'A' }, dependsOn: ['zz'] }], { mode: 'mission' })]), { registry, policy, workDir });
    assert.equal(result.steps[0]!.error?.code, 'E_CHILD_STEP_INVALID');
  });
});

describe('ctx.steps.runMission: property', () => {
  it('any sub-DAG: every child starts after each of its dependencies succeeded, ids nested and unique, each runs once', async () => {
    const dag = fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.tuple(fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }), fc.boolean()));
    await fc.assert(
      fc.asyncProperty(dag, async ([matrix, parallel]) => {
        // Step k may depend on any earlier step j (matrix[k][j]): always acyclic.
        const children = matrix.map((row, k) => ({
          id: `s${k}`, type: 'probe', params: { tag: `s${k}` },
          dependsOn: row.slice(0, k).flatMap((dep, j) => (dep ? [`s${j}`] : [])),
        }));
        effects.length = 0;
        const events: RunEvent[] = [];
        const result = await executeMission(mission([parentStep(children, { mode: 'mission', parallel })]), { registry, policy, workDir, onEvent: (e) => events.push(e) });
        assert.equal(result.status, 'succeeded');
        assert.deepEqual([...effects].sort(), children.map((c) => c.id).sort());
        const at = (type: string, id: string): number => events.findIndex((e) => e.type === type && 'stepId' in e && e.stepId === id);
        for (const c of children) {
          for (const d of c.dependsOn) assert.ok(at('step.succeeded', `p/${d}`) < at('step.started', `p/${c.id}`));
        }
        const ids = result.steps[0]!.children!.map((r) => r.id);
        assert.equal(new Set(ids).size, ids.length);
        assert.ok(ids.every((id) => id.startsWith('p/')));
      }),
      { numRuns: 40 },
    );
  });
});
