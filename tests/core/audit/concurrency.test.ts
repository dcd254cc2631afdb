import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createLedgerSink, openLedger, verifyLedger } from '@rustchain/core';
import { readEvents, withStateDir } from './helpers.ts';

const WORKER = fileURLToPath(new URL('./fixtures/append-worker.ts', import.meta.url));

function runWorker(stateDir: string, name: string, count: number, barrierDir?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, stateDir, name, String(count), ...(barrierDir === undefined ? [] : [barrierDir])], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

/** Each writer's events appear exactly once, and each channel (direct / sink) in its own order. */
async function assertEachWriterComplete(stateDir: string, writers: readonly string[], count: number): Promise<void> {
  const events = await readEvents(stateDir);
  for (const writer of writers) {
    const mine = events.filter((e) => e.payload.worker === writer);
    assert.deepEqual(mine.map((e) => e.payload.i as number).sort((x, y) => x - y), Array.from({ length: count }, (_, i) => i), `events of ${writer}`);
    for (const ch of new Set(mine.map((e) => e.payload.ch))) {
      const order = mine.filter((e) => e.payload.ch === ch).map((e) => e.payload.i as number);
      assert.deepEqual(order, [...order].sort((x, y) => x - y), `order of ${writer}/${String(ch)}`);
    }
  }
}

test('two processes appending hundreds of events concurrently leave one intact chain', async () => {
  await withStateDir(async (dir) => {
    const ledger = await openLedger(dir); // the key exists before the race (its creation race is tested below)
    await ledger.append({ runId: null, type: 'test.begin', payload: {} });
    const count = 300;
    const barrier = join(dir, 'barrier');
    await mkdir(barrier);
    const codes = await Promise.all([runWorker(dir, 'p1', count, barrier), runWorker(dir, 'p2', count, barrier)]);
    assert.deepEqual(codes, [0, 0]);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.events], [true, null, 1 + 2 * count]);
    await assertEachWriterComplete(dir, ['p1', 'p2'], count);
    const events = await readEvents(dir);
    // Interleaved at batch granularity: both processes really raced.
    const switches = events.slice(1).filter((e, i) => i > 0 && e.payload.worker !== events[i]?.payload.worker).length;
    assert.ok(switches > 1, `expected interleaving, saw ${switches} switches`);
  });
});

test('two processes creating the key and the ledger at the same time agree on one key', async () => {
  await withStateDir(async (dir) => {
    const codes = await Promise.all([runWorker(dir, 'a', 20), runWorker(dir, 'b', 20)]);
    assert.deepEqual(codes, [0, 0]);
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.events], [true, null, 40]);
  });
});

test('two runs in one process (two ledgers, two sinks) never interleave inside a batch or break the chain', async () => {
  await withStateDir(async (dir) => {
    const [a, b] = await Promise.all([openLedger(dir), openLedger(dir)]);
    const sinks = [createLedgerSink(a), createLedgerSink(b)];
    const count = 400;
    const writers = ['s0', 's1'];
    await Promise.all(sinks.map(async (sink, n) => {
      for (let i = 0; i < count; i++) {
        sink.record({ runId: writers[n] as string, type: 'step.started', payload: { worker: writers[n], i } });
        if (i % 13 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await sink.close();
    }));
    const report = await verifyLedger(dir);
    assert.deepEqual([report.ok, report.problem, report.events], [true, null, 2 * count]);
    await assertEachWriterComplete(dir, writers, count);
  });
});
