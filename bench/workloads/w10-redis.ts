import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { DefinedPlugin, StepDispatcher } from '@rustchain/core';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { createRedisDispatcher } from '../../cli/src/backend/redis/dispatcher.ts';
import { startRedisWorker, type WorkerRegistry } from '../../cli/src/backend/redis/worker.ts';
import { buildMission, benchPolicy, chainSpecs, wideSpecs } from '../lib/engine.ts';
import { executor, assertSucceeded } from '../lib/run-mission.ts';
import { interleave, ratio, summarize } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';
import { waitPlugin } from '../lib/wait-plugin.ts';

/**
 * Workload 10 (issue 17): the redis backend on a local redis-server (started here on a free
 * loopback port, no persistence). (a-c) steps/s of 10 ms steps with 1, 2 and 4 workers (each
 * taking one step at a time) against the in-process engine at the same parallelism; (d) the
 * per-step cost of a sequential chain through the backend (coordinator dispatcher, BullMQ job,
 * worker checks, result event) against a raw BullMQ round trip (Queue.add, a Worker with an
 * empty processor, waitUntilFinished) measured in the same run. Workers run in this process
 * (separate BullMQ connections): the figures are the queue's, not process start-up's.
 */

const STEP_MS = 10;
const POLICY_SHA = 'sha256:bench';
const IDENTITY = { packageName: 'bench', version: '0.0.0', integrity: null } as const;

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on `port` and waits until it accepts connections. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

/** The registry a bench worker sees: the given plugins with a fixed identity. */
function registryOf(plugins: readonly DefinedPlugin[]): WorkerRegistry {
  const map = new Map(plugins.map((p) => [p.type, { definition: p, ...IDENTITY }]));
  return { get: (type) => map.get(type), has: (type) => map.has(type), types: () => [...map.keys()].sort() };
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const widths = [1, 2, 4];
  const titleOf = (w: number) => `redis backend: ${w} worker${w === 1 ? '' : 's'}, 10 ms steps, throughput`;
  const chainTitle = 'redis backend: per-step cost of a sequential chain vs a raw BullMQ job round trip';
  const execute = executor(ctx.engine);
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0 || !execute) {
    const piece = execute ? 'redis-server' : 'executor';
    return [...widths.map((w, i) => missingRow(`10${'abc'[i]}`, titleOf(w), 'steps/s', piece)), missingRow('10d', chainTitle, 'ms/step', piece, '≤ 1.2× raw BullMQ')];
  }
  const port = await freePort();
  const server = await startRedisServer(port);
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const policy = benchPolicy(ctx.workDir);
  const zeroPlugin: DefinedPlugin = { ...waitPlugin, type: 'bench_zero', run: async () => ({}) } as DefinedPlugin;
  const registry = registryOf([waitPlugin, zeroPlugin]);
  let queues = 0;

  /** A coordinator dispatcher and `workers` workers (one step at a time each) on a fresh queue. */
  async function backend(workers: number): Promise<{ dispatcher: StepDispatcher; close(): Promise<void> }> {
    const queue = `bench-${process.pid}-${queues++}`;
    const started = await Promise.all(Array.from({ length: workers }, () => startRedisWorker({
      connection, queue, concurrency: 1, registry, policy, policySha256: POLICY_SHA, workDir: ctx.workDir, stateDir: ctx.workDir, log: (line) => ctx.log(line),
    })));
    const dispatcher = await createRedisDispatcher({ connection, queue, policySha256: POLICY_SHA, pluginFor: () => ({ ...IDENTITY }), rerunRedelivered: false, maxOutputBytes: 1 << 20 });
    return {
      dispatcher,
      async close() {
        await dispatcher.close();
        await Promise.all(started.map((w) => w.close(1000)));
      },
    };
  }

  const rows: Row[] = [];
  try {
    // (a-c) throughput with 1, 2, 4 workers.
    const n = ctx.quick ? 100 : 400;
    const wide = buildMission('redis-wide', wideSpecs(n, 'bench_wait', { ms: STEP_MS }));
    for (const [i, workers] of widths.entries()) {
      const remote = await backend(workers);
      try {
        ctx.log(`10: ${titleOf(workers)} (${n} steps)`);
        const s = await interleave({
          ours: async () => {
            const start = performance.now();
            assertSucceeded(await execute(wide, { registry, policy, workDir: ctx.workDir, dispatcher: remote.dispatcher, maxParallelSteps: workers * 2 }), 'redis wide');
            return n / ((performance.now() - start) / 1000);
          },
          inProcess: async () => {
            const start = performance.now();
            assertSucceeded(await execute(wide, { registry, policy, workDir: ctx.workDir, maxParallelSteps: workers }), 'in-process wide');
            return n / ((performance.now() - start) / 1000);
          },
        }, ctx.runs);
        const ideal = (workers * 1000) / STEP_MS;
        rows.push({
          id: `10${'abc'[i]}`,
          workload: titleOf(workers),
          unit: 'steps/s',
          ours: summarize(s['ours']!),
          baseline: { label: `in-process, ${workers} at once`, figure: summarize(s['inProcess']!) },
          ratio: ratio(s['ours']!, s['inProcess']!),
          extra: { 'ideal (workers × 1000 / 10 ms)': `${fmt(ideal)} steps/s`, steps: String(n) },
          status: 'measured',
        });
      } finally {
        await remote.close();
      }
    }

    // (d) sequential per-step cost against a raw BullMQ round trip.
    const m = ctx.quick ? 100 : 300;
    const chain = buildMission('redis-chain', chainSpecs(m, 'bench_zero', { ms: 0 }));
    const remote = await backend(1);
    const rawQueueName = `bench-raw-${process.pid}`;
    const rawQueue = new Queue(rawQueueName, { connection });
    const rawEvents = new QueueEvents(rawQueueName, { connection });
    const rawWorker = new Worker(rawQueueName, async () => ({ ok: true }), { connection, concurrency: 1 });
    await Promise.all([rawQueue.waitUntilReady(), rawEvents.waitUntilReady(), rawWorker.waitUntilReady()]);
    let rawJobs = 0;
    try {
      ctx.log(`10: ${chainTitle} (${m} steps)`);
      const s = await interleave({
        ours: async () => {
          const start = performance.now();
          assertSucceeded(await execute(chain, { registry, policy, workDir: ctx.workDir, dispatcher: remote.dispatcher }), 'redis chain');
          return (performance.now() - start) / m;
        },
        raw: async () => {
          const start = performance.now();
          for (let i = 0; i < m; i++) {
            const job = await rawQueue.add('raw', { i }, { jobId: `raw-${rawJobs++}`, removeOnComplete: { age: 3600 } });
            await job.waitUntilFinished(rawEvents);
          }
          return (performance.now() - start) / m;
        },
      }, ctx.runs);
      const r = ratio(s['ours']!, s['raw']!);
      rows.push({
        id: '10d',
        workload: chainTitle,
        unit: 'ms/step',
        ours: summarize(s['ours']!),
        baseline: { label: 'raw BullMQ add + waitUntilFinished', figure: summarize(s['raw']!) },
        ratio: r,
        target: { text: '≤ 1.2× raw BullMQ', met: r.median <= 1.2, ...(r.median > 1.2 ? { gap: `${fmt(summarize(s['ours']!).median)} vs ${fmt(summarize(s['raw']!).median)} ms per step` } : {}) },
        extra: { steps: String(m) },
        status: 'measured',
      });
    } finally {
      await remote.close();
      await Promise.allSettled([rawWorker.close(), rawEvents.close(), rawQueue.close()]);
    }
  } finally {
    server.kill('SIGKILL');
  }
  return rows;
}

/** Scale-out on BullMQ + Redis (issue 17). */
export const redisBackend: Workload = { id: 10, title: 'redis backend', run };
