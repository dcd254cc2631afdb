/**
 * At-least-once made safe, deterministically: a job is taken by a BullMQ worker that then
 * stops renewing its lock (force-closed: a worker that died mid-step), so BullMQ re-delivers
 * it to a rustchain worker. A side-effect step is refused (E_STEP_REDELIVERED) unless the
 * mission opted in (config.rerun_redelivered); an idempotent step runs again. Also: SIGTERM's
 * grace period hands a running repeatable step back to the queue instead of failing it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { definePlugin, type DefinedPlugin, type Policy } from '@rustchain/core';
import { Queue, Worker } from 'bullmq';
import { createRedisDispatcher } from '../../cli/src/backend/redis/dispatcher.ts';
import { startRedisWorker, type WorkerRegistry } from '../../cli/src/backend/redis/worker.ts';
import { NO_REDIS, startRedis } from '../plugins/redis-helpers.ts';

const IDENTITY = { packageName: 'fixture', version: '1.0.0', integrity: 'sha256-fixture' } as const;
let runs = 0;
const plugin = (type: string, effect: 'idempotent' | 'side-effect', waitMs = 0): DefinedPlugin =>
  definePlugin({
    type, description: 'test', params: Type.Object({}, { additionalProperties: true }), outputs: Type.Object({ runs: Type.Integer() }),
    capabilities: [], effect, claims: () => [],
    run: async () => {
      runs++;
      // unref: a step cancelled by a worker's stop leaves its timer behind; it must not hold the test process.
      await new Promise((r) => setTimeout(r, waitMs).unref());
      return { runs };
    },
  }) as DefinedPlugin;
const PLUGINS = [plugin('side', 'side-effect'), plugin('idem', 'idempotent'), plugin('slow_idem', 'idempotent', 60_000)];
const registry: WorkerRegistry = (() => {
  const map = new Map(PLUGINS.map((p) => [p.type, { definition: p, ...IDENTITY }]));
  return { get: (t) => map.get(t), has: (t) => map.has(t), types: () => [...map.keys()] };
})();
const policy = (dir: string): Policy => ({ stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: [dir], write: [dir] }, net: { allow: [] }, env: { allow: [] } }) as unknown as Policy;
const STALL = { lockDurationMs: 1000, stalledIntervalMs: 300 };

describe('redis backend: re-delivered jobs', { skip: NO_REDIS, timeout: 120_000 }, () => {
  for (const [type, rerun, expected] of [['side', false, 'E_STEP_REDELIVERED'], ['side', true, 'ran'], ['idem', false, 'ran']] as const) {
    it(`a ${type === 'side' ? 'side-effect' : 'idempotent'} step whose worker died${rerun ? ', mission opted in' : ''}: ${expected}`, async (t) => {
      const redis = await startRedis(t);
      const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
      const dir = await mkdtemp(join(tmpdir(), 'rustchain-redeliver-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const queue = `q-${type}-${String(rerun)}`;
      // A worker that takes the job and dies with it (never finishes, lock never renewed again).
      let taken!: () => void;
      const tookIt = new Promise<void>((resolve) => (taken = resolve));
      const dying = new Worker(queue, () => {
        taken();
        return new Promise(() => undefined);
      }, { connection, lockDuration: 1000, skipLockRenewal: true, skipStalledCheck: true });
      const dispatcher = await createRedisDispatcher({ connection, queue, policySha256: 'sha256:p', pluginFor: () => ({ ...IDENTITY }), rerunRedelivered: rerun, maxOutputBytes: 1 << 20 });
      const before = runs;
      const outcome = dispatcher.dispatch({ runId: 'r1', stepId: 'a', type, params: {}, attempt: 1 }, new AbortController().signal).then(
        (outputs) => ({ ok: true as const, outputs }),
        (error: { code?: string }) => ({ ok: false as const, code: error.code }),
      );
      await tookIt;
      await dying.close(true);
      const worker = await startRedisWorker({ connection, queue, concurrency: 1, registry, policy: policy(dir), policySha256: 'sha256:p', workDir: dir, stateDir: dir, stall: STALL, log: () => undefined });
      const result = await outcome;
      // Closed here: t.after stops redis-server first, and BullMQ would wait for it for ever.
      await Promise.all([worker.close(100), dispatcher.close()]);
      if (expected === 'E_STEP_REDELIVERED') {
        assert.deepEqual(result, { ok: false, code: 'E_STEP_REDELIVERED' });
        assert.equal(runs, before); // the dying worker's processor is not a plugin run: nothing ran here
      } else {
        assert.equal(result.ok, true);
        assert.equal(runs, before + 1);
      }
    });
  }

  it('SIGTERM past the grace period hands a running idempotent step back: another worker finishes it', async (t) => {
    const redis = await startRedis(t);
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const dir = await mkdtemp(join(tmpdir(), 'rustchain-grace-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const queue = 'q-grace';
    const first = await startRedisWorker({ connection, queue, concurrency: 1, registry, policy: policy(dir), policySha256: 'sha256:p', workDir: dir, stateDir: dir, log: () => undefined });
    const dispatcher = await createRedisDispatcher({ connection, queue, policySha256: 'sha256:p', pluginFor: () => ({ ...IDENTITY }), rerunRedelivered: false, maxOutputBytes: 1 << 20 });
    const outcome = dispatcher.dispatch({ runId: 'r1', stepId: 'slow', type: 'slow_idem', params: {}, attempt: 1 }, new AbortController().signal);
    const jobs = new Queue(queue, { connection });
    while ((await jobs.getActiveCount()) === 0) await new Promise((r) => setTimeout(r, 20));
    await first.close(50);
    assert.equal(await jobs.getWaitingCount(), 1); // handed back, not failed
    // The second worker's plugin finishes at once: same identity, another definition.
    const quick = new Map([['slow_idem', { definition: plugin('slow_idem', 'idempotent', 0), ...IDENTITY }]]);
    const second = await startRedisWorker({
      connection, queue, concurrency: 1, registry: { get: (ty) => quick.get(ty), has: (ty) => quick.has(ty), types: () => ['slow_idem'] },
      policy: policy(dir), policySha256: 'sha256:p', workDir: dir, stateDir: dir, log: () => undefined,
    });
    const outputs = await outcome;
    assert.equal(typeof outputs['runs'], 'number');
    await Promise.all([second.close(100), dispatcher.close(), jobs.close()]);
  });
});
