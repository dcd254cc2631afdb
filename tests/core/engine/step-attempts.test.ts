import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { runAttempts, type AttemptHost } from '../../../core/src/engine/attempts.ts';
import { Deadlines } from '../../../core/src/engine/attempt-control.ts';
import type { RunEvent, StepDispatcher } from '../../../core/src/engine/types.ts';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { baseOptions, fakeDispatcher, mission, OPEN_POLICY, recorder, step } from './helpers.ts';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const RETRY2 = { attempts: 2, delaySeconds: 0, backoff: 'fixed' as const, factor: 1, maxDelaySeconds: 0, jitter: false };

/** Settles its promise when told to (by step id), whatever the abort says. */
const gates = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
const stubborn = definePlugin({
  type: 'stubborn',
  description: 'ignores cancellation; settles only through `gates`',
  params: Type.Object({ mode: Type.Optional(Type.String()) }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'pure',
  run(params, ctx) {
    if (params.mode === 'throw-sync') throw new Error('thrown before any promise');
    if (params.mode === 'resolved') return Promise.resolve({ done: ctx.attempt });
    return new Promise((resolve, reject) => gates.set(`${ctx.stepId}#${ctx.attempt}`, { resolve: () => resolve({ late: true }), reject }));
  },
});
const plugins = new Map([[stubborn.type, { definition: stubborn as unknown as DefinedPlugin }]]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()] };
const options = { registry, policy: OPEN_POLICY, workDir: process.cwd(), env: {} };
const stub = (id: string, extra: Parameters<typeof step>[2] = {}, mode?: string) =>
  step(id, [], { type: 'stubborn', parameters: mode === undefined ? {} : { mode }, ...extra });
const terminal = (events: RunEvent[], id: string) => events.filter((e) => 'stepId' in e && e.stepId === id && /succeeded|failed|cancelled/.test(e.type));

describe('a step attempt without an async frame (startAttempt: the engine races the abort)', () => {
  it('a plugin that never settles is cut off by its timeout on every attempt; a late settlement changes nothing', async () => {
    gates.clear();
    const { events, onEvent } = recorder();
    const before = timers();
    const result = await executeMission(mission([stub('deaf', { timeoutSeconds: 0.03, retry: RETRY2 })]), { ...options, onEvent });
    assert.equal(result.steps[0]!.status, 'failed');
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    assert.equal(result.steps[0]!.attempts, 2);
    assert.equal(gates.size, 2);
    // The abandoned attempts settle now: no second result, no event, no crash.
    gates.get('deaf#1')!.resolve();
    gates.get('deaf#2')!.reject(new Error('late'));
    await new Promise((r) => setImmediate(r));
    assert.equal(terminal(events, 'deaf').length, 1);
    assert.equal(timers(), before);
  });

  it('a plugin that throws synchronously fails its step (E_STEP_FAILED), the run goes on', async () => {
    const result = await executeMission(mission([stub('sync', { continueOnError: true }, 'throw-sync'), stub('ok', {}, 'resolved')], { failFast: false }), options);
    assert.deepEqual(result.steps.map((s) => [s.id, s.status, s.error?.code ?? null]), [['sync', 'failed', 'E_STEP_FAILED'], ['ok', 'succeeded', null]]);
  });

  it('a step whose run already returned when the run stops is recorded as succeeded', async () => {
    gates.clear();
    const controller = new AbortController();
    const run = executeMission(mission([stub('a'), stub('b')]), { ...options, signal: controller.signal });
    while (gates.size < 2) await new Promise((r) => setImmediate(r));
    gates.get('a#1')!.resolve(); // settled, its continuation still queued...
    controller.abort(new Error('SIGINT')); // ...when the stop arrives
    const result = await run;
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(result.steps.map((s) => s.status), ['succeeded', 'cancelled']);
  });

  it('a dispatcher with only dispatch(signal) that ignores the signal no longer holds the run past the timeout', async () => {
    const d = fakeDispatcher(() => new Promise(() => {}));
    const result = await executeMission(mission([step('x', [], { timeoutSeconds: 0.03 })]), baseOptions(d));
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
  });

  it('property: one terminal event and one outcome per step, whatever mix of sync/async success, failure and retry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.constantFrom('ok', 'okSync', 'fail', 'failSync', 'failOnce'), retry: fc.boolean() }), { minLength: 1, maxLength: 30 }),
        async (specs) => {
          const calls = new Map<string, number>();
          const d: StepDispatcher = {
            dispatch() {
              throw new Error('unused');
            },
            startAttempt(request) {
              const n = (calls.get(request.stepId) ?? 0) + 1;
              calls.set(request.stepId, n);
              const kind = specs[Number(request.stepId.slice(1))]!.kind;
              if (kind === 'failSync') throw new Error('sync');
              if (kind === 'okSync') return Promise.resolve({ n });
              if (kind === 'fail' || (kind === 'failOnce' && n === 1)) return Promise.reject(new Error('async'));
              return new Promise((resolve) => setImmediate(resolve, { n }));
            },
          };
          const { events, onEvent } = recorder();
          const steps = specs.map((s, i) => step(`s${i}`, [], s.retry ? { retry: RETRY2 } : {}));
          const result = await executeMission(mission(steps, { failFast: false }), { ...baseOptions(d), onEvent });
          specs.forEach((s, i) => {
            const r = result.steps.find((x) => x.id === `s${i}`)!;
            assert.equal(terminal(events, `s${i}`).length, 1);
            const ok = s.kind === 'ok' || s.kind === 'okSync' || (s.kind === 'failOnce' && s.retry);
            assert.equal(r.status, ok ? 'succeeded' : 'failed', `${s.kind} retry=${s.retry}`);
            assert.equal(r.attempts, calls.get(`s${i}`));
            assert.equal(r.attempts, s.retry && s.kind !== 'ok' && s.kind !== 'okSync' ? 2 : 1);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('write-ahead barrier: every attempt waits for it before its dispatch; a rejecting barrier fails the run closed, nothing dispatched after', async () => {
    const log: string[] = [];
    let pending = 0;
    const d: StepDispatcher = {
      dispatch() {
        throw new Error('unused');
      },
      startAttempt(request) {
        log.push(`run ${request.stepId}#${request.attempt}`);
        return request.attempt === 1 && request.stepId === 'r' ? Promise.reject(new Error('once')) : Promise.resolve({});
      },
    };
    const barrier = (): Promise<void> => {
      pending++;
      log.push('barrier');
      return new Promise((resolve) => setImmediate(() => {
        pending--;
        resolve();
      }));
    };
    const ok = await executeMission(mission([step('a'), step('r', ['a'], { retry: RETRY2 })]), { ...baseOptions(d), barrier, onEvent: () => {} });
    assert.equal(ok.status, 'succeeded');
    assert.deepEqual(log, ['barrier', 'run a#1', 'barrier', 'run r#1', 'barrier', 'run r#2']);
    assert.equal(pending, 0);

    const failure = new Error('disk full');
    const calls: string[] = [];
    const closed = executeMission(mission([step('x'), step('y', ['x'])]), {
      ...baseOptions({ dispatch: () => Promise.reject(new Error('unused')), startAttempt: (r) => (calls.push(r.stepId), Promise.resolve({})) }),
      barrier: () => Promise.reject(failure),
      onEvent: () => {},
    });
    await assert.rejects(closed, (e) => e === failure);
    assert.deepEqual(calls, []);
  });

  it('runAttempts (the promise form child steps use) resolves once with the outcome', async () => {
    const controller = new AbortController();
    const host: AttemptHost = {
      runId: 'r', dispatcher: fakeDispatcher(async () => ({ v: 1 })), runSignal: controller.signal,
      sleep: () => Promise.resolve(), random: () => 0.5, hasSink: false, emit() {}, barrier: undefined, pure: () => false, sinkFailed() {},
      active: [], deadlines: new Deadlines(), resolveParams: (s) => s.parameters,
      cancelError: () => ({ code: 'E_STEP_CANCELLED', message: 'x' }),
    };
    const outcome = await runAttempts(host, step('one'), 0);
    assert.deepEqual({ ...outcome }, { index: 0, status: 'succeeded', attempts: 1, outputs: { v: 1 }, error: null });
    host.deadlines.dispose();
  });
});
