import { strict as assert } from 'node:assert';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { RustchainError, isRustchainError } from '../../../core/src/errors.ts';
import type { RunEvent } from '../../../core/src/engine/types.ts';
import { baseOptions, fakeDispatcher, hang, mission, recorder, step, ticks } from './helpers.ts';

const statuses = (r: { steps: Array<{ id: string; status: string }> }) => Object.fromEntries(r.steps.map((s) => [s.id, s.status]));
const terminal = new Set<RunEvent['type']>(['step.succeeded', 'step.failed', 'step.skipped', 'step.cancelled']);

describe('executeMission: order and events', () => {
  it('runs a diamond respecting edges; results in schedule order; events bracketed by run.started/finished', async () => {
    const d = fakeDispatcher(async (req, signal) => {
      await ticks(1, signal);
      return { id: req.stepId };
    });
    const { events, onEvent } = recorder();
    const m = mission([step('d', ['b', 'c']), step('b', ['a']), step('c', ['a']), step('a')]);
    const result = await executeMission(m, { ...baseOptions(d), onEvent });
    assert.equal(result.status, 'succeeded');
    assert.equal(result.runId, 'run-1');
    assert.deepEqual(result.steps.map((s) => s.id), ['a', 'b', 'c', 'd']);
    assert.deepEqual(result.steps.map((s) => s.attempts), [1, 1, 1, 1]);
    assert.deepEqual(result.steps[3]!.outputs, { id: 'd' });
    assert.equal(events[0]!.type, 'run.started');
    assert.equal(events.at(-1)!.type, 'run.finished');
    const started = events.filter((e) => e.type === 'step.started').map((e) => (e as { stepId: string }).stepId);
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    // b and c overlap: both start before either finishes.
    const idx = (type: string, id: string) => events.findIndex((e) => e.type === type && 'stepId' in e && e.stepId === id);
    assert.ok(idx('step.started', 'c') < idx('step.succeeded', 'b'));
  });

  it('steps without outputs share one frozen {}: a write to it throws instead of reaching the other steps', async () => {
    let n = 0;
    // A plugin may also return nothing (the type says a record; JavaScript plugins do).
    const d = fakeDispatcher(async (req) => (req.stepId === 'c' ? { v: 1 } : ++n % 2 === 0 ? (undefined as unknown as Record<string, unknown>) : {}));
    const result = await executeMission(mission([step('a'), step('b', ['a']), step('c', ['b'])]), baseOptions(d));
    const [a, b, c] = result.steps;
    assert.deepEqual([a!.outputs, b!.outputs, c!.outputs], [{}, {}, { v: 1 }]);
    assert.equal(a!.outputs, b!.outputs);
    assert.ok(Object.isFrozen(a!.outputs));
    assert.throws(() => {
      (a!.outputs as Record<string, unknown>)['x'] = 1;
    }, TypeError);
    assert.ok(!Object.isFrozen(c!.outputs), "a plugin's own outputs object is kept as returned");
  });

  it('an empty mission succeeds', async () => {
    const result = await executeMission(mission([]), baseOptions(fakeDispatcher(async () => ({}))));
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.steps, []);
  });

  it('a cycle rejects with E_DAG_CYCLE and runs nothing', async () => {
    const d = fakeDispatcher(async () => ({}));
    await assert.rejects(executeMission(mission([step('a', ['b']), step('b', ['a'])]), baseOptions(d)), (e: unknown) => isRustchainError(e) && e.code === 'E_DAG_CYCLE');
    assert.equal(d.requests.length, 0);
  });

  it('a plain Error from a step becomes E_STEP_FAILED with its message', async () => {
    const d = fakeDispatcher(async () => {
      throw new Error('disk on fire');
    });
    const result = await executeMission(mission([step('a')]), baseOptions(d));
    assert.equal(result.status, 'failed');
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_FAILED');
    assert.equal(result.steps[0]!.error?.message, 'disk on fire');
  });

  it('a coded error keeps its code and details', async () => {
    const d = fakeDispatcher(async () => {
      throw new RustchainError('E_COMMAND_EXIT_NONZERO', 'exit 3', { details: { exitCode: 3 } });
    });
    const result = await executeMission(mission([step('a')]), baseOptions(d));
    assert.deepEqual(result.steps[0]!.error, { code: 'E_COMMAND_EXIT_NONZERO', message: 'exit 3', details: { exitCode: 3 } });
  });
});

describe('executeMission: failure semantics', () => {
  it('fail_fast aborts running steps through their signal, skips dependents, cancels the rest', async () => {
    const aborted: string[] = [];
    const d = fakeDispatcher(async (req, signal) => {
      if (req.stepId === 'bad') {
        await ticks(2, signal);
        throw new Error('boom');
      }
      signal.addEventListener('abort', () => aborted.push(req.stepId));
      return hang(signal);
    });
    const steps = [step('bad', [], { timeoutSeconds: 300 }), step('slow', [], { timeoutSeconds: 300 }), step('after', ['bad']), step('later', ['slow']), step('queued')];
    const { events, onEvent } = recorder();
    const result = await executeMission(mission(steps), { ...baseOptions(d), onEvent, maxParallelSteps: 2 });
    assert.equal(result.status, 'failed');
    assert.deepEqual(statuses(result), { bad: 'failed', slow: 'cancelled', after: 'skipped', later: 'cancelled', queued: 'cancelled' });
    assert.deepEqual(aborted, ['slow']);
    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    assert.equal(byId['slow']!.error?.code, 'E_STEP_CANCELLED');
    assert.equal(byId['slow']!.attempts, 1);
    assert.equal(byId['queued']!.attempts, 0);
    assert.deepEqual(byId['after']!.error, { code: 'E_UPSTREAM_FAILED', message: byId['after']!.error!.message, details: { cause: 'bad' } });
    assert.equal(byId['later']!.error?.details?.['cause'], 'bad');
    assert.equal(d.requests.length, 2);
    assert.equal(events.filter((e) => e.type === 'run.cancelled').length, 0);
  });

  it('continue_on_error lets dependents run; the run is still failed', async () => {
    const d = fakeDispatcher(async (req) => {
      if (req.stepId === 'flaky') throw new Error('meh');
      return {};
    });
    const steps = [step('flaky', [], { continueOnError: true }), step('next', ['flaky']), step('last', ['next'])];
    const result = await executeMission(mission(steps), baseOptions(d));
    assert.deepEqual(statuses(result), { flaky: 'failed', next: 'succeeded', last: 'succeeded' });
    assert.equal(result.status, 'failed');
  });

  it('without fail_fast, dependents are skipped transitively with the cause, independent steps still run', async () => {
    const d = fakeDispatcher(async (req, signal) => {
      await ticks(1, signal);
      if (req.stepId === 'root') throw new Error('no');
      return {};
    });
    const steps = [step('root'), step('child', ['root']), step('grandchild', ['child']), step('other'), step('joined', ['other', 'grandchild'])];
    const result = await executeMission(mission(steps, { failFast: false }), baseOptions(d));
    assert.deepEqual(statuses(result), { root: 'failed', child: 'skipped', grandchild: 'skipped', other: 'succeeded', joined: 'skipped' });
    for (const s of result.steps.filter((x) => x.status === 'skipped')) {
      assert.equal(s.error?.code, 'E_UPSTREAM_FAILED');
      assert.equal(s.error?.details?.['cause'], 'root');
      assert.equal(s.attempts, 0);
    }
  });

  it('a per-attempt timeout fails with E_STEP_TIMEOUT, is retried, and leaves no timer behind', async () => {
    const sleeps: number[] = [];
    const d = fakeDispatcher(async (_req, signal) => hang(signal));
    const steps = [step('stuck', [], { timeoutSeconds: 1, retry: { attempts: 2, delaySeconds: 1, backoff: 'fixed', factor: 2, maxDelaySeconds: 60, jitter: false } })];
    const { events, onEvent } = recorder();
    const result = await executeMission(mission(steps), { ...baseOptions(d), onEvent, sleep: async (ms) => void sleeps.push(ms) });
    assert.equal(result.steps[0]!.status, 'failed');
    assert.equal(result.steps[0]!.error?.code, 'E_STEP_TIMEOUT');
    assert.equal(result.steps[0]!.attempts, 2);
    assert.deepEqual(sleeps, [1000]);
    const retried = events.filter((e) => e.type === 'step.retried');
    assert.equal(retried.length, 1);
    assert.equal((retried[0] as { error: { code: string } }).error.code, 'E_STEP_TIMEOUT');
  });
});

describe('executeMission: retries', () => {
  const retry = (over: object) => ({ attempts: 4, delaySeconds: 1, backoff: 'exponential' as const, factor: 2, maxDelaySeconds: 60, jitter: false, ...over });
  const cases: Array<{ name: string; policy: ReturnType<typeof retry>; random: number; failures: number; delays: number[]; status: string; attempts: number }> = [
    { name: 'exponential, succeeds on the 3rd attempt', policy: retry({}), random: 0, failures: 2, delays: [1000, 2000], status: 'succeeded', attempts: 3 },
    { name: 'exponential capped by max delay', policy: retry({ maxDelaySeconds: 3 }), random: 0, failures: 9, delays: [1000, 2000, 3000], status: 'failed', attempts: 4 },
    { name: 'fixed delay', policy: retry({ backoff: 'fixed', delaySeconds: 0.5 }), random: 0, failures: 9, delays: [500, 500, 500], status: 'failed', attempts: 4 },
    { name: 'factor 3', policy: retry({ factor: 3, attempts: 3 }), random: 0, failures: 9, delays: [1000, 3000], status: 'failed', attempts: 3 },
    { name: 'jitter with random 0 halves the delay', policy: retry({ jitter: true }), random: 0, failures: 2, delays: [500, 1000], status: 'succeeded', attempts: 3 },
    { name: 'jitter with random ~1 keeps the full delay', policy: retry({ jitter: true }), random: 0.999999, failures: 1, delays: [1000], status: 'succeeded', attempts: 2 },
    { name: 'single attempt never sleeps', policy: retry({ attempts: 1 }), random: 0, failures: 1, delays: [], status: 'failed', attempts: 1 },
  ];
  for (const c of cases) {
    it(`${c.name}: delays ${JSON.stringify(c.delays)}, ${c.attempts} attempts`, async () => {
      let calls = 0;
      const d = fakeDispatcher(async () => {
        if (++calls <= c.failures) throw new Error(`fail ${calls}`);
        return { calls };
      });
      const sleeps: number[] = [];
      const { events, onEvent } = recorder();
      const result = await executeMission(mission([step('s', [], { retry: c.policy })]), {
        ...baseOptions(d),
        onEvent,
        random: () => c.random,
        sleep: async (ms) => void sleeps.push(ms),
      });
      assert.deepEqual(sleeps, c.delays);
      assert.equal(result.steps[0]!.status, c.status);
      assert.equal(result.steps[0]!.attempts, c.attempts);
      assert.deepEqual(d.requests.map((r) => r.attempt), Array.from({ length: c.attempts }, (_, i) => i + 1));
      assert.equal(events.filter((e) => e.type === 'step.retried').length, c.delays.length);
      assert.equal(events.filter((e) => e.type === 'step.started').length, c.attempts);
    });
  }

  it('a nonRetryable error is not retried', async () => {
    const d = fakeDispatcher(async () => {
      throw new RustchainError('E_POLICY_COMMAND_DENIED', 'no curl');
    });
    const result = await executeMission(mission([step('s', [], { retry: retry({}) })]), { ...baseOptions(d), sleep: async () => assert.fail('slept') });
    assert.equal(result.steps[0]!.attempts, 1);
    assert.equal(result.steps[0]!.error?.code, 'E_POLICY_COMMAND_DENIED');
  });

  it('a cancellation during the backoff sleep ends the step as cancelled', async () => {
    const controller = new AbortController();
    const d = fakeDispatcher(async () => {
      throw new Error('again');
    });
    const result = await executeMission(mission([step('s', [], { retry: retry({}) })]), {
      ...baseOptions(d),
      signal: controller.signal,
      sleep: (ms, signal) => {
        controller.abort();
        return ticks(1, signal);
      },
    });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.steps[0]!.status, 'cancelled');
    assert.equal(result.steps[0]!.attempts, 1);
  });
});

describe('executeMission: cancellation and limits', () => {
  it('aborting the signal cancels the run: running and pending steps cancelled, run.cancelled emitted', async () => {
    const controller = new AbortController();
    const d = fakeDispatcher(async (req, signal) => {
      if (req.stepId === 'a') setImmediate(() => controller.abort(new Error('SIGINT')));
      return hang(signal);
    });
    const { events, onEvent } = recorder();
    const steps = [step('a', [], { timeoutSeconds: 300 }), step('b', ['a'])];
    const result = await executeMission(mission(steps), { ...baseOptions(d), signal: controller.signal, onEvent });
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(statuses(result), { a: 'cancelled', b: 'cancelled' });
    assert.equal(result.steps[1]!.error?.details?.['reason'], 'signal');
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['run.started', 'step.started', 'run.cancelled', 'step.cancelled', 'step.cancelled', 'run.finished']);
  });

  it('an already-aborted signal runs nothing', async () => {
    const d = fakeDispatcher(async () => ({}));
    const result = await executeMission(mission([step('a'), step('b')]), { ...baseOptions(d), signal: AbortSignal.abort() });
    assert.equal(result.status, 'cancelled');
    assert.equal(d.requests.length, 0);
    assert.deepEqual(statuses(result), { a: 'cancelled', b: 'cancelled' });
  });

  const limits: Array<{ source: string; config: number | null; option: number | null | undefined; expected: number }> = [
    { source: 'mission config', config: 3, option: undefined, expected: 3 },
    { source: 'option overrides config', config: 3, option: 1, expected: 1 },
    { source: 'null option falls back to config', config: 2, option: null, expected: 2 },
    { source: 'unbounded', config: null, option: undefined, expected: 12 },
  ];
  for (const c of limits) {
    it(`max parallel from ${c.source} → at most ${c.expected} at once`, async () => {
      let running = 0;
      let peak = 0;
      const d = fakeDispatcher(async (_req, signal) => {
        peak = Math.max(peak, ++running);
        await ticks(3, signal);
        running--;
        return {};
      });
      const steps = Array.from({ length: 12 }, (_, i) => step(`s${i}`));
      const result = await executeMission(mission(steps, { maxParallelSteps: c.config }), { ...baseOptions(d), ...(c.option === undefined ? {} : { maxParallelSteps: c.option }) });
      assert.equal(result.status, 'succeeded');
      assert.equal(peak, c.expected);
    });
  }

  it('an invalid parallel limit is E_USAGE', async () => {
    await assert.rejects(executeMission(mission([step('a')]), { ...baseOptions(fakeDispatcher(async () => ({}))), maxParallelSteps: 0 }), (e: unknown) => isRustchainError(e) && e.code === 'E_USAGE');
  });

  it('a throwing event sink fails the run closed: rejects with its error, running steps cancelled, nothing new starts', async () => {
    const sinkError = new RustchainError('E_AUDIT_WRITE_FAILED', 'disk full');
    const d = fakeDispatcher(async (_req, signal) => {
      await ticks(2, signal);
      return {};
    });
    let calls = 0;
    const steps = [step('a'), step('b'), step('c', ['a'])];
    await assert.rejects(
      executeMission(mission(steps), {
        ...baseOptions(d),
        onEvent: (e) => {
          calls++;
          if (e.type === 'step.started' && e.stepId === 'b') throw sinkError;
        },
      }),
      (e: unknown) => e === sinkError,
    );
    assert.deepEqual(d.requests.map((r) => r.stepId), ['a']);
    assert.equal(calls, 3);
  });
});

describe('executeMission: templates', () => {
  it('resolves step outputs and vars just before dispatch; outputs are never re-templated', async () => {
    const d = fakeDispatcher(async (req) => (req.stepId === 'produce' ? { text: '${{ vars.secret }}', n: 5 } : {}));
    const steps = [
      step('produce'),
      step('consume', ['produce'], {
        parameters: { raw: '${{ steps.produce.outputs.text }}', n: '${{ steps.produce.outputs.n }}', msg: 'hi ${{ vars.who }}', untouched: '{var}' },
        hasTemplates: true,
      }),
    ];
    const result = await executeMission(mission(steps, {}, { who: 'bob', secret: 's3cret' }), baseOptions(d));
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(d.requests[1]!.params, { raw: '${{ vars.secret }}', n: 5, msg: 'hi bob', untouched: '{var}' });
    assert.deepEqual(steps[1]!.parameters['raw'], '${{ steps.produce.outputs.text }}');
  });

  it('an unknown reference fails the step without retrying', async () => {
    const d = fakeDispatcher(async () => ({}));
    const steps = [step('a', [], { parameters: { x: '${{ vars.nope }}' }, hasTemplates: true, retry: { attempts: 3, delaySeconds: 0, backoff: 'fixed', factor: 2, maxDelaySeconds: 0, jitter: false } })];
    const result = await executeMission(mission(steps), baseOptions(d));
    assert.equal(result.steps[0]!.error?.code, 'E_TEMPLATE_UNKNOWN_VAR');
    assert.equal(result.steps[0]!.attempts, 1);
    assert.equal(d.requests.length, 0);
  });

  it('env templates go through the policy filter', async () => {
    const d = fakeDispatcher(async () => ({}));
    const steps = [step('a', [], { parameters: { x: '${{ env.ALLOWED }}', y: '${{ env.SECRET }}' }, hasTemplates: true })];
    const options = { ...baseOptions(d), env: { ALLOWED: 'ok', SECRET: 'hidden' } };
    const denied = await executeMission(mission(steps), { ...options, policy: { ...options.policy, env: { allow: ['ALLOWED'] } } });
    assert.equal(denied.steps[0]!.error?.code, 'E_POLICY_ENV_DENIED');
    const allowed = await executeMission(mission(steps), options);
    assert.equal(allowed.status, 'succeeded');
    assert.deepEqual(d.requests[0]!.params, { x: 'ok', y: 'hidden' });
  });
});

describe('executeMission: event accounting', () => {
  it('exactly one terminal event per step', async () => {
    const d = fakeDispatcher(async (req) => {
      if (req.stepId === 'x') throw new Error('x');
      return {};
    });
    const { events, onEvent } = recorder();
    const steps = [step('x'), step('y', ['x']), step('z')];
    await executeMission(mission(steps, { failFast: false }), { ...baseOptions(d), onEvent });
    const counts: Record<string, number> = {};
    for (const e of events) if (terminal.has(e.type) && 'stepId' in e) counts[e.stepId] = (counts[e.stepId] ?? 0) + 1;
    assert.deepEqual(counts, { x: 1, y: 1, z: 1 });
  });
});

describe('executeMission: sink failing on run.started', () => {
  it('rejects, runs nothing, and leaves no listener on the caller signal', async () => {
    const controller = new AbortController();
    const d = fakeDispatcher(async () => ({}));
    const boom = new Error('ledger unavailable');
    await assert.rejects(
      executeMission(mission([step('a')]), { ...baseOptions(d), signal: controller.signal, onEvent: () => { throw boom; } }),
      (e: unknown) => e === boom,
    );
    assert.equal(d.requests.length, 0);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('a finished run leaves no listener on the caller signal', async () => {
    const controller = new AbortController();
    await executeMission(mission([step('a'), step('b', ['a'])]), { ...baseOptions(fakeDispatcher(async () => ({}))), signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
