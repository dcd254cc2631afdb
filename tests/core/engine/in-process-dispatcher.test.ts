import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createInProcessDispatcher } from '../../../core/src/engine/in-process-dispatcher.ts';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { executeStep } from '../../../core/src/engine/execute-step.ts';
import { isRustchainError } from '../../../core/src/errors.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import { mission, recorder, step } from './helpers.ts';

const echo = definePlugin({
  type: 'echo',
  description: 'returns its message',
  params: Type.Object({ message: Type.String(), times: Type.Optional(Type.Integer({ minimum: 1 })) }),
  outputs: Type.Object({ text: Type.String(), attempt: Type.Number() }),
  capabilities: [],
  effect: 'pure',
  async run(params, ctx) {
    return { text: params.message.repeat(params.times ?? 1), attempt: ctx.attempt };
  },
});

const write = definePlugin({
  type: 'write',
  description: 'writes a file through ctx.fs',
  params: Type.Object({ path: Type.String(), content: Type.String() }),
  outputs: Type.Object({ path: Type.String() }),
  capabilities: ['fs.write'],
  effect: 'idempotent',
  async run(params, ctx) {
    const { path } = await ctx.fs.writeText(params.path, params.content);
    return { path };
  },
});

/** Ignores ctx.signal on purpose: the dispatcher must not wait for it. */
const deaf = definePlugin({
  type: 'deaf',
  description: 'never finishes',
  params: Type.Object({}),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'pure',
  run: () => new Promise<Record<string, never>>(() => {}),
});

function registryOf(...plugins: DefinedPlugin[]): StepTypeLookup {
  const map = new Map(plugins.map((p) => [p.type, { definition: p }]));
  return { get: (t) => map.get(t), has: (t) => map.has(t), types: () => [...map.keys()].sort() };
}

const registry = registryOf(echo as unknown as DefinedPlugin, write as unknown as DefinedPlugin, deaf as unknown as DefinedPlugin);
let workDir = '';
let policy: Policy;

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'rustchain-dispatch-'));
  policy = { stepTypes: ['echo', 'write', 'deaf'], commands: { allow: [], shell: false }, fs: { read: [workDir], write: [workDir] }, net: { allow: [] }, env: { allow: [] } };
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('in-process dispatcher', () => {
  it('runs plugins with ctx, passing outputs downstream through templates', async () => {
    const steps = [
      step('hello', [], { type: 'echo', parameters: { message: 'hi', times: 2 } }),
      step('save', ['hello'], { type: 'write', parameters: { path: 'out.txt', content: 'said ${{ steps.hello.outputs.text }}' }, hasTemplates: true }),
    ];
    const result = await executeMission(mission(steps), { registry, policy, workDir, env: {} });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.steps));
    assert.deepEqual(result.steps[0]!.outputs, { text: 'hihi', attempt: 1 });
    assert.equal(await readFile(join(workDir, 'out.txt'), 'utf8'), 'said hihi');
  });

  const invalid: Array<{ name: string; parameters: Record<string, unknown> }> = [
    { name: 'missing required field', parameters: {} },
    { name: 'wrong type', parameters: { message: 5 } },
    { name: 'out of range', parameters: { message: 'x', times: 0 } },
  ];
  for (const c of invalid) {
    it(`params ${c.name} → E_PARAMS_INVALID, not retried`, async () => {
      const retry = { attempts: 3, delaySeconds: 0, backoff: 'fixed' as const, factor: 2, maxDelaySeconds: 0, jitter: false };
      const result = await executeMission(mission([step('s', [], { type: 'echo', parameters: c.parameters, retry })]), { registry, policy, workDir, env: {} });
      assert.equal(result.steps[0]!.error?.code, 'E_PARAMS_INVALID');
      assert.equal(result.steps[0]!.attempts, 1);
      assert.ok(Array.isArray(result.steps[0]!.error?.details?.['errors']));
    });
  }

  it('an unknown step type is E_STEP_TYPE_UNKNOWN; a type outside the policy is E_POLICY_STEP_TYPE_DENIED', async () => {
    const dispatcher = createInProcessDispatcher({ registry, policy: { ...policy, stepTypes: ['write'] }, workDir, env: {} });
    const request = { runId: 'r', stepId: 's', params: { message: 'x' }, attempt: 1 };
    await assert.rejects(dispatcher.dispatch({ ...request, type: 'nope' }, new AbortController().signal), (e: unknown) => isRustchainError(e) && e.code === 'E_STEP_TYPE_UNKNOWN');
    await assert.rejects(dispatcher.dispatch({ ...request, type: 'echo' }, new AbortController().signal), (e: unknown) => isRustchainError(e) && e.code === 'E_POLICY_STEP_TYPE_DENIED');
  });

  it('a plugin that ignores its signal is still cut off by the timeout', async () => {
    const result = await executeMission(mission([step('d', [], { type: 'deaf', timeoutSeconds: 1 })]), { registry, policy, workDir, env: {} });
    assert.equal(result.steps[0]!.status, 'failed');
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
  });

  it('the capability policy applies: writing outside the roots fails with E_POLICY_PATH_DENIED', async () => {
    const result = await executeMission(mission([step('w', [], { type: 'write', parameters: { path: '/etc/rustchain-test', content: 'x' } })]), { registry, policy, workDir, env: {} });
    assert.equal(result.steps[0]!.error?.code, 'E_POLICY_PATH_DENIED');
  });
});

describe('executeStep', () => {
  it('runs one step with upstream outputs and vars, emitting only step events', async () => {
    const { events, onEvent } = recorder();
    const s = step('one', [], { type: 'echo', parameters: { message: '${{ steps.up.outputs.word }}-${{ vars.suffix }}' }, hasTemplates: true });
    const result = await executeStep(s, { registry, policy, workDir, env: {}, onEvent, upstream: { up: { word: 'ok' } }, vars: { suffix: 'go' } });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.outputs, { text: 'ok-go', attempt: 1 });
    assert.deepEqual(events.map((e) => e.type), ['step.started', 'step.succeeded']);
  });

  it('retries and reports attempts', async () => {
    let calls = 0;
    const dispatcher = {
      dispatch: async () => {
        if (++calls < 3) throw new Error('flaky');
        return { calls };
      },
    };
    const s = step('r', [], { retry: { attempts: 5, delaySeconds: 1, backoff: 'exponential', factor: 2, maxDelaySeconds: 60, jitter: false } });
    const sleeps: number[] = [];
    const result = await executeStep(s, { registry, policy, workDir, dispatcher, sleep: async (ms) => void sleeps.push(ms) });
    assert.equal(result.status, 'succeeded');
    assert.equal(result.attempts, 3);
    assert.deepEqual(sleeps, [1000, 2000]);
  });

  it('an aborted signal cancels it', async () => {
    const controller = new AbortController();
    const s = step('d', [], { type: 'deaf', timeoutSeconds: 300 });
    const pending = executeStep(s, { registry, policy, workDir, env: {}, signal: controller.signal });
    setImmediate(() => controller.abort());
    const result = await pending;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.error?.code, 'E_STEP_CANCELLED');
  });
});
