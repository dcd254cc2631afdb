import { buildMission, lookupOf, benchPolicy, wideSpecs } from '../lib/engine.ts';
import { executor, assertSucceeded } from '../lib/run-mission.ts';
import { withPeakMemory } from '../lib/memory.ts';
import { collectGarbage, interleave, ratio, summarize } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';
import { rawWait, waitPlugin } from '../lib/wait-plugin.ts';

/**
 * Workload 2: 10,000 independent steps that each wait 100 ms, unbounded parallelism.
 * Makespan against raw Promise.all of 10,000 100 ms timers, and peak memory per step.
 */

const WAIT_MS = 100;

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 2_000 : 10_000;
  const workload = `${n.toLocaleString('en')} concurrent ${WAIT_MS} ms waits, makespan`;
  const target = '≤ 1.2× Promise.all';
  const execute = executor(ctx.engine);
  const mem = { ours: [] as number[], oursRss: [] as number[], raw: [] as number[], rawRss: [] as number[] };

  const raw = async (): Promise<number> => {
    collectGarbage();
    const start = performance.now();
    const { peak } = await withPeakMemory(() => Promise.all(Array.from({ length: n }, () => rawWait(WAIT_MS))));
    const ms = performance.now() - start;
    mem.raw.push(peak.heapBytes / n);
    mem.rawRss.push(peak.rssBytes / n);
    return ms;
  };
  if (!execute) {
    const s = await interleave({ raw }, ctx.runs);
    const row = missingRow('2', workload, 'ms', 'executor', target);
    row.baseline = { label: 'Promise.all of raw timers', figure: summarize(s.raw!) };
    return [row];
  }
  const registry = lookupOf([waitPlugin]);
  const policy = benchPolicy(ctx.workDir);
  const mission = buildMission('wide-wait', wideSpecs(n, 'bench_wait', { ms: WAIT_MS }));
  const ours = async (): Promise<number> => {
    collectGarbage();
    const start = performance.now();
    const { value, peak } = await withPeakMemory(() => execute(mission, { registry, policy, workDir: ctx.workDir }));
    const ms = performance.now() - start;
    assertSucceeded(value, 'concurrent waits');
    mem.ours.push(peak.heapBytes / n);
    mem.oursRss.push(peak.rssBytes / n);
    return ms;
  };
  ctx.log(`2: ${workload}`);
  const s = await interleave({ raw, ours }, ctx.runs);
  const r = ratio(s.ours!, s.raw!);
  const kb = (xs: number[]): string => `${fmt(summarize(xs.slice(-ctx.runs)).median / 1024)} KiB`;
  const oursMed = summarize(s.ours!).median;
  return [
    {
      id: '2',
      workload,
      unit: 'ms',
      ours: summarize(s.ours!),
      baseline: { label: 'Promise.all of raw timers', figure: summarize(s.raw!) },
      ratio: r,
      target: {
        text: target,
        met: r.median <= 1.2,
        ...(r.median > 1.2 ? { gap: `makespan ${fmt(oursMed)} ms vs ${fmt(summarize(s.raw!).median)} ms raw; see profile notes` } : {}),
      },
      extra: {
        'makespan over the 100 ms wait': `${fmt(oursMed - WAIT_MS)} ms (raw ${fmt(summarize(s.raw!).median - WAIT_MS)} ms)`,
        'peak heapUsed per step': `${kb(mem.ours)} (raw ${kb(mem.raw)})`,
        'peak rss per step': `${kb(mem.oursRss)} (raw ${kb(mem.rawRss)})`,
      },
      status: 'measured',
    },
  ];
}

/** Concurrency: many waiting steps at once. */
export const concurrency: Workload = { id: 2, title: 'concurrency', run };
