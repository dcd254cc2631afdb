import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEvent } from '@rustchain/core';
import { buildMission, chainSpecs, lookupOf, benchPolicy, wideSpecs } from '../lib/engine.ts';
import { openBenchLedger } from '../lib/ledger.ts';
import { executor, assertSucceeded } from '../lib/run-mission.ts';
import { interleave, ratio, scale, summarize, time } from '../lib/stats.ts';
import type { Row } from '../lib/report.ts';
import { missingRow } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';

/**
 * Workload 1: engine overhead per step. A chain of `noop` steps (each waits for the one
 * before, so nothing overlaps and the time is pure per-step cost) against a raw chain of
 * awaited no-op promises; without the ledger, with it, and with fsync (group commit).
 */

/** The raw baseline: n awaited no-op async calls, results kept like the engine keeps them. */
async function rawChain(n: number): Promise<void> {
  const step = async (i: number): Promise<Record<string, unknown>> => ({ i });
  const results = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) results[i] = await step(i);
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 2_000 : 10_000;
  const wideN = 1_000;
  const label = `${n.toLocaleString('en')}-step noop chain`;
  const execute = executor(ctx.engine);
  const noop = ctx.engine.plugins['noop'];
  const rows: Row[] = [];
  const perStep = (ms: number): number => (ms * 1000) / n;

  const missing = !execute ? 'executor' : !noop ? 'noop plugin' : null;
  if (missing || !execute || !noop) {
    const base = summarize((await interleave({ raw: () => time(() => rawChain(n)) }, ctx.runs)).raw!);
    const row = missingRow('1a', `overhead, ${label}, no ledger`, 'µs/step', missing ?? 'executor', '≤ 20 µs/step');
    row.baseline = { label: 'awaited no-op promise chain', figure: scale(base, 1000 / n) };
    return [row, missingRow('1b', `overhead, ${label}, ledger (no fsync)`, 'µs/step', missing ?? 'executor', '≤ 50 µs/step')];
  }
  const registry = lookupOf([noop]);
  const policy = benchPolicy(ctx.workDir);
  const mission = buildMission('chain', chainSpecs(n, 'noop'));
  const runEngine = async (onEvent?: (e: RunEvent) => void): Promise<void> => {
    const result = await execute(mission, { registry, policy, workDir: ctx.workDir, ...(onEvent ? { onEvent } : {}) });
    assertSucceeded(result, 'noop chain');
  };

  // 1a: no ledger.
  ctx.log(`1a: ${label}, no ledger`);
  const a = await interleave({ raw: () => time(() => rawChain(n)), ours: () => time(() => runEngine()) }, ctx.runs);
  rows.push({
    id: '1a',
    workload: `overhead, ${label}, no ledger`,
    unit: 'µs/step',
    ours: scale(summarize(a.ours!), 1000 / n),
    baseline: { label: 'awaited no-op promise chain', figure: scale(summarize(a.raw!), 1000 / n) },
    ratio: ratio(a.ours!, a.raw!),
    status: 'measured',
  });
  const oursA = perStep(summarize(a.ours!).median);
  rows[0]!.target = { text: '≤ 20 µs/step', met: oursA <= 20 };

  // 1b / 1c: with the ledger, without and with fsync, each run in a fresh state dir.
  // In a chain every step is its own commit, so with fsync each step waits for a disk flush
  // (~2 ms): 1c runs a fifth of the chain to keep the whole bench under 10 minutes.
  for (const [id, fsync, target] of [['1b', false, 50], ['1c', true, null]] as const) {
    const steps = fsync ? n / 5 : n;
    const m = fsync ? buildMission('chain', chainSpecs(steps, 'noop')) : mission;
    const what = `overhead, ${steps.toLocaleString('en')}-step noop chain, ledger${fsync ? ' + fsync (commit per step)' : ' (no fsync)'}`;
    const probe = await openBenchLedger(ctx.engine, ctx.workDir, fsync);
    if (!probe.ok) {
      rows.push(missingRow(id, what, 'µs/step', probe.missing, target ? `≤ ${target} µs/step` : undefined));
      continue;
    }
    await probe.close();
    ctx.log(`${id}: ${what}`);
    const withLedger = async (): Promise<number> => {
      const dir = await mkdtemp(join(ctx.workDir, 'ledger-'));
      const ledger = await openBenchLedger(ctx.engine, dir, fsync);
      if (!ledger.ok) throw new Error(ledger.missing);
      const ms = await time(async () => {
        assertSucceeded(await execute(m, { registry, policy, workDir: ctx.workDir, onEvent: ledger.onEvent }), what);
        await ledger.close();
      });
      await rm(dir, { recursive: true, force: true });
      return ms;
    };
    const s = await interleave({ raw: () => time(() => rawChain(steps)), ours: withLedger }, fsync ? Math.min(ctx.runs, 3) : ctx.runs);
    const ours = scale(summarize(s.ours!), 1000 / steps);
    rows.push({
      id,
      workload: what,
      unit: 'µs/step',
      ours,
      baseline: { label: 'awaited no-op promise chain', figure: scale(summarize(s.raw!), 1000 / steps) },
      ratio: ratio(s.ours!, s.raw!),
      ...(target ? { target: { text: `≤ ${target} µs/step`, met: ours.median <= target } } : {}),
      status: 'measured',
    });
  }

  // 1d: group commit, 1,000 steps finishing together: amortised fsync cost per event.
  const what = `group commit: ${wideN.toLocaleString('en')} independent noop steps, ledger + fsync vs no ledger`;
  const probe = await openBenchLedger(ctx.engine, ctx.workDir, true);
  if (!probe.ok) {
    rows.push(missingRow('1d', what, 'ms/event', probe.missing, '≤ 0.1 ms/event'));
    return rows;
  }
  await probe.close();
  ctx.log(`1d: ${what}`);
  const wide = buildMission('wide', wideSpecs(wideN, 'noop'));
  let events = 0;
  const plain = async (): Promise<number> =>
    time(async () => assertSucceeded(await execute(wide, { registry, policy, workDir: ctx.workDir }), 'wide noop'));
  const fsynced = async (): Promise<number> => {
    const dir = await mkdtemp(join(ctx.workDir, 'ledger-'));
    const ledger = await openBenchLedger(ctx.engine, dir, true);
    if (!ledger.ok) throw new Error(ledger.missing);
    events = 0;
    const onEvent = (e: RunEvent): void => {
      events++;
      ledger.onEvent(e);
    };
    const ms = await time(async () => {
      assertSucceeded(await execute(wide, { registry, policy, workDir: ctx.workDir, onEvent }), 'wide noop + fsync');
      await ledger.close();
    });
    await rm(dir, { recursive: true, force: true });
    return ms;
  };
  const d = await interleave({ plain, fsynced }, ctx.runs);
  const perEvent = d.fsynced!.map((v, i) => (v - (d.plain![i] ?? 0)) / events);
  const fig = summarize(perEvent);
  rows.push({
    id: '1d',
    workload: what,
    unit: 'ms/event',
    ours: fig,
    baseline: { label: 'same run without ledger, ms total', figure: summarize(d.plain!) },
    ratio: ratio(d.fsynced!, d.plain!),
    target: { text: '≤ 0.1 ms/event', met: fig.median <= 0.1 },
    extra: { [`1d events per run`]: String(events), [`1d total with fsync ledger (ms)`]: `${summarize(d.fsynced!).median.toFixed(1)}` },
    status: 'measured',
  });
  return rows;
}

/** Engine overhead per step. */
export const overhead: Workload = { id: 1, title: 'engine overhead per step', run };
