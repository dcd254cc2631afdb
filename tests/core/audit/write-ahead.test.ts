/**
 * Write-ahead through the real engine and a real ledger sink: when a step's side effect
 * begins, its step.started (with the params digest) and every earlier event are on disk;
 * concurrent steps share one commit; a ledger that fails at the Nth commit stops every later
 * side effect and the run rejects with the partial result attached.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditPaths, createLedgerSink, digestJson, executeMission, openLedger, verifyLedger, type Ledger, type MissionResult } from '@rustchain/core';
import { fakeDispatcher, mission, OPEN_POLICY, EMPTY_REGISTRY, step } from '../engine/helpers.ts';
import { readEvents, withStateDir } from './helpers.ts';

/** Events on disk right now (complete lines). */
function onDisk(dir: string): Array<{ type: string; payload: Record<string, unknown> }> {
  const text = readFileSync(auditPaths(dir).ledger, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
}

/** `ledger` with its appendBatch calls (the commits) counted. */
function countingLedger(ledger: Ledger): { ledger: Ledger; batches: number } {
  const counted = { ledger, batches: 0 };
  counted.ledger = Object.assign(Object.create(ledger) as Ledger, {
    appendBatch: (inputs: Parameters<Ledger['appendBatch']>[0], o?: Parameters<Ledger['appendBatch']>[1]) => {
      counted.batches++;
      return ledger.appendBatch(inputs, o);
    },
  });
  return counted;
}

test('each step starts only after its step.started (with its params digest) and every earlier event are on disk', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const sink = createLedgerSink(ledger);
    const seenAtStart: Array<{ id: string; types: string[]; digest: unknown }> = [];
    const dispatcher = fakeDispatcher(async (request) => {
      const events = onDisk(dir);
      const mine = events.find((e) => e.type === 'step.started' && e.payload['stepId'] === request.stepId);
      seenAtStart.push({ id: request.stepId, types: events.map((e) => `${e.type}:${String(e.payload['stepId'] ?? '')}`), digest: mine?.payload['paramsDigest'] });
      return { id: request.stepId };
    });
    const steps = [step('a', [], { parameters: { n: 1 } }), step('b', ['a'], { parameters: { n: 2 } }), step('c', ['b'])];
    const result = await executeMission(mission(steps), {
      registry: EMPTY_REGISTRY, policy: OPEN_POLICY, workDir: dir, dispatcher,
      onEvent: (e) => sink.onEvent(e), barrier: () => sink.barrier(),
    });
    await sink.close();
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(seenAtStart.map((s) => s.id), ['a', 'b', 'c']);
    assert.ok(seenAtStart[0]!.types.includes('run.started:'));
    assert.ok(seenAtStart[0]!.types.includes('step.started:a'));
    // The dependency's end is durable before the dependent's side effect.
    assert.ok(seenAtStart[1]!.types.includes('step.succeeded:a'));
    assert.ok(seenAtStart[2]!.types.includes('step.succeeded:b'));
    assert.equal(seenAtStart[0]!.digest, `sha256:${digestJson({ n: 1 })}`);
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});

test('concurrent steps share one group commit (one write + fsync + head for many step.started)', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const counting = countingLedger(ledger);
    const sink = createLedgerSink(counting.ledger);
    const n = 200;
    const steps = Array.from({ length: n }, (_, i) => step(`p${i}`));
    const began = performance.now();
    const result = await executeMission(mission(steps), {
      registry: EMPTY_REGISTRY, policy: OPEN_POLICY, workDir: dir, dispatcher: fakeDispatcher(async () => ({})),
      onEvent: (e) => sink.onEvent(e), barrier: () => sink.barrier(),
    });
    await sink.close();
    const ms = performance.now() - began;
    assert.equal(result.status, 'succeeded');
    const events = (await readEvents(dir)).length;
    assert.equal(events, 2 * n + 2);
    // 200 parallel starts land in a handful of commits, not 200.
    assert.ok(counting.batches <= 10, `${counting.batches} commits for ${n} concurrent steps`);
    const report = await verifyLedger(dir);
    assert.equal(report.ok, true, report.message);
    process.stdout.write(`# group commit: ${n} concurrent steps, ${events} events in ${counting.batches} fsynced commits, ${(ms / events).toFixed(3)} ms/event\n`);
  });
});

test('a ledger that fails at the 3rd commit: no later side effect, the run rejects with the error and the partial result', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    let commits = 0;
    const failing: Ledger = Object.assign(Object.create(ledger) as Ledger, {
      appendBatch: (inputs: Parameters<Ledger['appendBatch']>[0], o?: Parameters<Ledger['appendBatch']>[1]) => {
        commits++;
        if (commits >= 3) return Promise.reject(Object.assign(new Error('disk on fire'), { code: 'EIO' }));
        return ledger.appendBatch(inputs, o);
      },
    });
    const sink = createLedgerSink(failing);
    const sentinels = join(dir, 'side-effects');
    const dispatcher = fakeDispatcher(async (request) => {
      await writeFile(`${sentinels}-${request.stepId}`, 'ran');
      return {};
    });
    const steps = ['s1', 's2', 's3', 's4', 's5'].map((id, i, all) => step(id, i === 0 ? [] : [all[i - 1]!]));
    let caught: unknown = null;
    try {
      await executeMission(mission(steps), {
        registry: EMPTY_REGISTRY, policy: OPEN_POLICY, workDir: dir, dispatcher,
        onEvent: (e) => sink.onEvent(e), barrier: () => sink.barrier(),
      });
    } catch (error) {
      caught = error;
    }
    assert.equal((caught as { code?: string }).code, 'E_AUDIT_WRITE_FAILED');
    const partial = (caught as { result?: MissionResult }).result;
    assert.equal(partial?.status, 'failed');
    // Commit 1: run.started + s1 start; commit 2: s1 end + s2 start; commit 3 (s2 end + s3 start) fails.
    assert.deepEqual(partial?.steps.map((s) => s.status), ['succeeded', 'succeeded', 'cancelled', 'cancelled', 'cancelled']);
    assert.deepEqual(['s1', 's2', 's3', 's4', 's5'].map((id) => existsSync(`${sentinels}-${id}`)), [true, true, false, false, false]);
    await assert.rejects(sink.close(), (e: { code?: string }) => e.code === 'E_AUDIT_WRITE_FAILED');
  });
});

test('a pure step does not wait for a commit, and the next side effect still finds every earlier event on disk', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir);
    const counting = countingLedger(ledger);
    const sink = createLedgerSink(counting.ledger);
    // `pure_*` steps declare effect 'pure'; `write_*` steps have an effect.
    const registry = {
      get: (type: string) => ({ definition: { effect: type.startsWith('pure') ? 'pure' : 'write' } }) as unknown as ReturnType<typeof EMPTY_REGISTRY.get>,
      has: () => true,
      types: () => ['pure_step', 'write_step'],
    };
    const onDiskNow = (): string[] => (existsSync(auditPaths(dir).ledger) ? onDisk(dir).map((e) => `${e.type}:${String(e.payload['stepId'] ?? '')}`) : []);
    const seen = new Map<string, { onDisk: string[]; batches: number }>();
    const dispatcher = fakeDispatcher(async (request) => {
      seen.set(request.stepId, { onDisk: onDiskNow(), batches: counting.batches });
      return {};
    });
    const steps = [
      step('p1', [], { type: 'pure_step' }),
      step('p2', ['p1'], { type: 'pure_step' }),
      step('w', ['p2'], { type: 'write_step' }),
      step('p3', ['w'], { type: 'pure_step' }),
    ];
    const result = await executeMission(mission(steps), {
      registry, policy: OPEN_POLICY, workDir: dir, dispatcher,
      onEvent: (e) => sink.onEvent(e), barrier: () => sink.barrier(),
    });
    await sink.close();
    assert.equal(result.status, 'succeeded');
    // Dispatched in the very turn of its step.started: no commit was awaited before p1 or p2.
    assert.equal(seen.get('p1')!.batches, 0);
    assert.ok(!seen.get('p1')!.onDisk.includes('step.started:p1'));
    assert.ok(!seen.get('p2')!.onDisk.includes('step.started:p2'));
    // The side effect of w: its start and everything before it (the pure steps included) are on disk.
    for (const event of ['run.started:', 'step.started:p1', 'step.succeeded:p1', 'step.started:p2', 'step.succeeded:p2', 'step.started:w']) {
      assert.ok(seen.get('w')!.onDisk.includes(event), `${event} on disk when w began`);
    }
    // Whatever was committed, the ledger holds every event, in order, and verifies.
    const types = onDisk(dir).filter((e) => e.type.startsWith('step.')).map((e) => `${e.type}:${String(e.payload['stepId'])}`);
    assert.deepEqual(types, ['p1', 'p2', 'w', 'p3'].flatMap((id) => [`step.started:${id}`, `step.succeeded:${id}`]));
    assert.equal((await verifyLedger(dir)).ok, true);
  });
});
