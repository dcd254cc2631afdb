/**
 * Audit append cost per event (a measurement, not a test): `node --import tsx bench/audit-append.ts`.
 * Prints wall and CPU µs/event for: the synchronous `onEvent` call alone; a run sink fed one
 * event per tick (worst case for batching); a 1,000-event group commit (1,000 steps finishing
 * together); and direct `ledger.append` (lock + write + signed head per event). Each with and
 * without fsync. Figures depend heavily on machine load: quote them with `uptime`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerSink, openLedger } from '@rustchain/core';
import type { RunEvent } from '@rustchain/core';

const event = (i: number): RunEvent => ({ type: 'step.succeeded', runId: 'bench', stepId: `s${i}`, attempt: 1, durationMs: 1, outputs: { path: `out/${i}.txt`, bytes: i } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

let warming = true;

async function measure(name: string, n: number, fsync: boolean, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rustchain-audit-bench-'));
  try {
    await (await openLedger(dir)).append({ runId: null, type: 'bench.begin', payload: {} }); // key + file exist
    const cpu = process.cpuUsage();
    const t = performance.now();
    await body(dir);
    const wall = ((performance.now() - t) * 1000) / n;
    const used = process.cpuUsage(cpu);
    const cpuPer = (used.user + used.system) / n;
    if (warming) return;
    console.log(`${name.padEnd(44)} fsync=${fsync ? 'on ' : 'off'}  wall ${wall.toFixed(1).padStart(8)} µs/event   cpu ${cpuPer.toFixed(1).padStart(8)} µs/event`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Pass 1 warms the JIT and the page cache and prints nothing; pass 2 is reported.
for (const pass of [1, 2]) {
warming = pass === 1;
for (const fsync of [false, true]) {
  const hot = 100_000;
  await measure('onEvent call only (buffer push)', hot, fsync, async (dir) => {
    const sink = createLedgerSink(await openLedger(dir, { fsync }));
    const t = performance.now();
    for (let i = 0; i < hot; i++) sink.onEvent(event(i));
    const sync = ((performance.now() - t) * 1000) / hot;
    if (!warming) console.log(`  (synchronous part: ${sync.toFixed(2)} µs/event; the rest below is the async write)`);
    await sink.close();
  });
  await measure('sink, 1,000-event group commit', 1000, fsync, async (dir) => {
    const sink = createLedgerSink(await openLedger(dir, { fsync }));
    for (let i = 0; i < 1000; i++) sink.onEvent(event(i));
    await sink.close();
  });
  const trickle = fsync ? 200 : 2000;
  await measure(`sink, one event per tick (${trickle})`, trickle, fsync, async (dir) => {
    const sink = createLedgerSink(await openLedger(dir, { fsync }));
    for (let i = 0; i < trickle; i++) {
      sink.onEvent(event(i));
      await tick();
    }
    await sink.close();
  });
  const direct = fsync ? 100 : 500;
  await measure(`ledger.append, head signed each (${direct})`, direct, fsync, async (dir) => {
    const ledger = await openLedger(dir, { fsync });
    for (let i = 0; i < direct; i++) await ledger.append({ runId: 'bench', type: 'step.started', payload: { i } });
  });
}
}
