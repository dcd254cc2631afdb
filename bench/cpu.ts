/**
 * CPU time per step of one scenario, for before/after comparisons on a loaded machine (wall
 * time there mostly measures the neighbours): `node --expose-gc --import tsx bench/cpu.ts
 * <chain|chain-ledger|wide|fan> [rounds]`. Prints the median and range of process CPU µs/step
 * (user + system) over the rounds after one warm-up round, and for `wide` (10,000 concurrent
 * 100 ms waits) and `fan` (a 10,000-step noop fan-out) the peak heapUsed per step.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPolicy, buildMission, chainSpecs, loadEngine, lookupOf, wideSpecs } from './lib/engine.ts';
import { openBenchLedger } from './lib/ledger.ts';
import { assertSucceeded, executor } from './lib/run-mission.ts';
import { waitPlugin } from './lib/wait-plugin.ts';

const [scenario = 'chain', roundsArg = '5'] = process.argv.slice(2);
const n = 10_000;
const engine = await loadEngine({ compiler: false });
const execute = executor(engine);
const noop = engine.plugins['noop'];
if (!execute || !noop) throw new Error('executor or noop plugin missing');
const workDir = await mkdtemp(join(tmpdir(), 'rustchain-cpu-'));
const registry = lookupOf([noop, waitPlugin]);
const policy = benchPolicy(workDir);
const mission =
  scenario === 'wide' ? buildMission('wide', wideSpecs(n, 'bench_wait', { ms: 100 }))
  : scenario === 'fan' ? buildMission('fan', wideSpecs(n, 'noop'))
  : buildMission('chain', chainSpecs(n, 'noop'));
const withHeap = scenario === 'wide' || scenario === 'fan';
const gc = (globalThis as { gc?: () => void }).gc;
const cpu: number[] = [];
const heap: number[] = [];
for (let round = 0; round <= Number(roundsArg); round++) {
  const ledger = scenario === 'chain-ledger' ? await openBenchLedger(engine, await mkdtemp(join(workDir, 'l-')), false) : null;
  const onEvent = ledger?.ok ? ledger.onEvent : undefined;
  gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const start = process.cpuUsage();
  assertSucceeded(await execute(mission, { registry, policy, workDir, ...(onEvent ? { onEvent } : {}) }), scenario);
  // The ledger sink may hash and write after the run resolved: its close is part of the cost.
  if (ledger?.ok) await ledger.close();
  const used = process.cpuUsage(start);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  if (round === 0) continue; // warm-up
  cpu.push((used.user + used.system) / n);
  heap.push((peak - base) / n / 1024);
}
await rm(workDir, { recursive: true, force: true });
const med = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.floor(s.length / 2)]!.toFixed(2)} [${s[0]!.toFixed(2)}–${s[s.length - 1]!.toFixed(2)}]`;
};
console.log(`${scenario}: CPU µs/step ${med(cpu)}${withHeap ? `; peak heap KiB/step ${med(heap)}` : ''}`);
