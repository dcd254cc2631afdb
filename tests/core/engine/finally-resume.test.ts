import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { baseOptions, fakeDispatcher, hang, mission, recorder, step, ticks } from './helpers.ts';

const statuses = (steps: Array<{ id: string; status: string }> | undefined) => Object.fromEntries((steps ?? []).map((s) => [s.id, s.status]));

describe('executeMission: a plugin that throws a plain object', () => {
  it('fails that step with the plugin code, not the whole run with E_INTERNAL', async () => {
    const d = fakeDispatcher(async (req) => {
      if (req.stepId === 'b') throw { code: 'E_GIT_MERGE_CONFLICT', message: 'conflict in a.txt' };
      return {};
    });
    const result = await executeMission(mission([step('a'), step('b', ['a']), step('c', ['b'])], { failFast: false }), baseOptions(d));
    assert.equal(result.status, 'failed');
    assert.deepEqual(statuses(result.steps), { a: 'succeeded', b: 'failed', c: 'skipped' });
    assert.equal(result.steps[1]!.error!.code, 'E_GIT_MERGE_CONFLICT');
    assert.equal(result.steps[1]!.error!.message, 'conflict in a.txt');
  });

  it('a thrown object with a non-E_ code or a non-Error value is E_STEP_FAILED', async () => {
    for (const thrown of [{ code: 'toString', message: 'x' }, 'plain string', 42, null]) {
      const d = fakeDispatcher(async () => {
        throw thrown;
      });
      const result = await executeMission(mission([step('a')]), baseOptions(d));
      assert.equal(result.steps[0]!.error!.code, 'E_STEP_FAILED', String(thrown));
    }
  });
});

describe('executeMission: finally steps', () => {
  const withFinally = (m: ReturnType<typeof mission>, cleanup: ReturnType<typeof step>[]) => ({ ...m, finally: cleanup });

  it('run after success, in their own order, reported separately, with main outputs in scope', async () => {
    const order: string[] = [];
    const d = fakeDispatcher(async (req) => {
      order.push(req.stepId);
      return { id: req.stepId, seen: req.params['from'] ?? null };
    });
    const { events, onEvent } = recorder();
    const cleanup = [step('f2', ['f1'], { parameters: { from: '${{ steps.a.outputs.id }}' }, hasTemplates: true }), step('f1')];
    const result = await executeMission(withFinally(mission([step('a')]), cleanup), { ...baseOptions(d), onEvent });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(order, ['a', 'f1', 'f2']);
    assert.deepEqual(result.steps.map((s) => s.id), ['a']);
    assert.deepEqual(statuses(result.finally), { f1: 'succeeded', f2: 'succeeded' });
    assert.equal(result.finally!.find((s) => s.id === 'f2')!.outputs['seen'], 'a');
    // One run.started / run.finished; the finally steps' events sit between them.
    assert.equal(events.filter((e) => e.type === 'run.started').length, 1);
    assert.equal(events.at(-1)!.type, 'run.finished');
    assert.ok(events.some((e) => e.type === 'step.succeeded' && e.stepId === 'f2'));
  });

  it('run after a failure (fail_fast), all of them even when one fails, and the run is failed', async () => {
    const d = fakeDispatcher(async (req) => {
      if (req.stepId === 'a' || req.stepId === 'f1') throw new Error('boom');
      return {};
    });
    const result = await executeMission(withFinally(mission([step('a'), step('b')], { failFast: true, maxParallelSteps: 1 }), [step('f1'), step('f2')]), baseOptions(d));
    assert.equal(result.status, 'failed');
    assert.deepEqual(statuses(result.steps), { a: 'failed', b: 'cancelled' });
    assert.deepEqual(statuses(result.finally), { f1: 'failed', f2: 'succeeded' });
  });

  it('a failing finally step fails an otherwise successful run', async () => {
    const d = fakeDispatcher(async (req) => {
      if (req.stepId === 'f') throw new Error('cleanup failed');
      return {};
    });
    const result = await executeMission(withFinally(mission([step('a')]), [step('f')]), baseOptions(d));
    assert.equal(result.status, 'failed');
    assert.equal(result.steps[0]!.status, 'succeeded');
  });

  it('run after cancellation by signal; the run stays cancelled', async () => {
    const controller = new AbortController();
    const d = fakeDispatcher(async (req, signal) => {
      if (req.stepId === 'a') {
        setImmediate(() => controller.abort(new Error('received SIGINT')));
        return hang(signal);
      }
      await ticks(2, signal);
      return { ran: true };
    });
    const result = await executeMission(withFinally(mission([step('a')]), [step('f')]), { ...baseOptions(d), signal: controller.signal });
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(statuses(result.finally), { f: 'succeeded' });
  });

  it('are not run when the event sink failed (fail closed)', async () => {
    const ran: string[] = [];
    const d = fakeDispatcher(async (req) => {
      ran.push(req.stepId);
      return {};
    });
    const onEvent = (e: { type: string }) => {
      if (e.type === 'step.succeeded') throw Object.assign(new Error('disk full'), { code: 'E_AUDIT_WRITE_FAILED' });
    };
    await assert.rejects(executeMission(withFinally(mission([step('a')]), [step('f')]), { ...baseOptions(d), onEvent }), (e: { code?: string; result?: { finally?: Array<{ status: string }> } }) => {
      assert.equal(e.code, 'E_AUDIT_WRITE_FAILED');
      assert.equal(e.result?.finally?.[0]?.status, 'cancelled');
      return true;
    });
    assert.deepEqual(ran, ['a']);
  });
});

describe('executeMission: resume (completed steps)', () => {
  it('does not dispatch completed steps; their outputs feed templates; results say resumed', async () => {
    const d = fakeDispatcher(async (req) => ({ got: req.params['v'] ?? null }));
    const steps = [step('a'), step('b', ['a'], { parameters: { v: '${{ steps.a.outputs.x }}' }, hasTemplates: true }), step('c')];
    const { events, onEvent } = recorder();
    const result = await executeMission(mission(steps), { ...baseOptions(d), onEvent, completed: { a: { outputs: { x: 7 }, attempts: 2 } } });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(d.requests.map((r) => r.stepId).sort(), ['b', 'c']);
    assert.deepEqual(result.steps.find((s) => s.id === 'a'), { id: 'a', status: 'succeeded', attempts: 2, durationMs: 0, outputs: { x: 7 }, error: null, resumed: true });
    assert.equal(result.steps.find((s) => s.id === 'b')!.outputs['got'], 7);
    assert.ok(!events.some((e) => 'stepId' in e && e.stepId === 'a'));
  });

  it('all steps completed: nothing runs, the run succeeds; completed finally steps are skipped too', async () => {
    const d = fakeDispatcher(async () => ({}));
    const m = { ...mission([step('a'), step('b', ['a'])]), finally: [step('f'), step('g')] };
    const completed = { a: { outputs: {}, attempts: 1 }, b: { outputs: {}, attempts: 1 }, f: { outputs: {}, attempts: 1 } };
    const result = await executeMission(m, { ...baseOptions(d), completed });
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(d.requests.map((r) => r.stepId), ['g']);
    assert.equal(result.finally![0]!.resumed, true);
  });
});
