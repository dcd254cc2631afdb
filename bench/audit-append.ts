/**
 * Audit append cost per event (a measurement, not a test): `node --expose-gc --import tsx bench/audit-append.ts`.
 * Prints wall and CPU µs/event for: the synchronous `onEvent` call alone; a run sink fed one
 * event per tick (worst case for batching); a 1,000-event group commit (1,000 steps finishing
 * together); and direct `ledger.append` (lock + write + signed head per event). Each with and
 * without fsync. Medians of 5 runs after a warm-up pass. Figures depend heavily on machine load: quote them with `uptime`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerSink, openLedger } from '@rustchain/core';
import type { RunEvent } from '@rustchain/core';

const event = (i: number): RunEvent => ({ type: 'step.succeeded', runId: 'bench', stepId: `s${i}`, attempt: 1, durationMs: 1, outputs: { path: `out/${i}.txt`, bytes: i } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

let warming = true;
const REPS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Run `body` REPS times in fresh state dirs; print the median wall and CPU µs per event. */
async function measure(name: string, n: number, fsync: boolean, body: (dir: string) => Promise<void>): Promise<void> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let rep = 0; rep < (warming ? 1 : REPS); rep++) {
    const dir = await mkdtemp(join(tmpdir(), 'rustchain-audit-bench-'));
    try {
      await (await openLedger(dir)).append({ runId: null, type: 'bench.begin', payload: {} }); // key + file exist
      (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const t = performance.now();
      await body(dir);
      walls.push(((performance.now() - t) * 1000) / n);
      const used = process.cpuUsage(cpu);
      cpus.push((used.user + used.system) / n);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (warming) return;
  console.log(`${name.padEnd(44)} fsync=${fsync ? 'on ' : 'off'}  wall ${median(walls).toFixed(1).padStart(8)} µs/event   cpu ${median(cpus).toFixed(1).padStart(8)} µs/event`);
}

// Pass 1 warms the JIT and the page cache and prints nothing; pass 2 is reported.
for (const pass of [1, 2]) {
warming = pass === 1;
for (const fsync of [false, true]) {
  const hot = 20_000;
  await measure('onEvent call only (buffer push)', hot, fsync, async (dir) => {
    const sink = createLedgerSink(await openLedger(dir, { fsync }));
    const t = performance.now();
    for (let i = 0; i < hot; i++) sink.onEvent(event(i));
    const sync = ((performance.now() - t) * 1000) / hot;
    if (!warming) console.log(`  (synchronous onEvent part: ${sync.toFixed(2)} µs/event; the line below includes the async write)`);
    await sink.close();
  });
  await measure('sink, 1,000-event group commit', 1000, fsync, async (dir) => {
    const sink = createLedgerSink(await openLedger(dir, { fsync }));
    for (let i = 0; i < 1000; i++) sink.onEvent(event(i));
    await sink.close();
  });
  const trickle = fsync ? 100 : 1000;
  await measure(`sink, one event per tick (${trickle})`, trickle, fsync, async (dir) => {
    const sink = createLedgerSink(await openLedger(dir, { fsync }));
    for (let i = 0; i < trickle; i++) {
      sink.onEvent(event(i));
      await tick();
    }
    await sink.close();
  });
  const direct = fsync ? 50 : 200;
  await measure(`ledger.append, head signed each (${direct})`, direct, fsync, async (dir) => {
    const ledger = await openLedger(dir, { fsync });
    for (let i = 0; i < direct; i++) await ledger.append({ runId: 'bench', type: 'step.started', payload: { i } });
  });
}
}
