import { fileURLToPath } from 'node:url';
import { commandChain } from '../lib/command.ts';
import { rawSpawn } from '../lib/spawn.ts';
import { interleave, ratio, summarize, time } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';

/**
 * Workload 5: Windmill's published orchestrator benchmark: 40 sequential tiny tasks, each a
 * naive recursive fibo(10) in Python. Ours: 40 chained `command` steps of
 * `python3 bench/fibo.py`; baseline: 40 raw sequential spawns of the same script.
 */

const TASKS = 40;
const FIBO = fileURLToPath(new URL('../fibo.py', import.meta.url));

/** Published totals for the same workload, on their hardware (one worker). */
const PUBLISHED_SECONDS: Record<string, number> = {
  Hatchet: 1.22,
  'Windmill (dedicated worker)': 2.09,
  Temporal: 2.97,
  Windmill: 4.38,
  Prefect: 4.87,
  Kestra: 6.04,
  Airflow: 116,
};

async function run(ctx: BenchContext): Promise<Row[]> {
  const argv = ['python3', FIBO, '10'];
  const workload = `${TASKS} sequential python3 fibo(10) tasks, total`;
  const target = '≤ 1.1× raw, ≤ 0.1 ms/task';
  const raw = async (): Promise<void> => {
    for (let i = 0; i < TASKS; i++) await rawSpawn(argv, ctx.workDir);
  };
  const chain = commandChain(ctx, argv, TASKS);
  ctx.log(`5: ${workload}`);
  const published = Object.entries(PUBLISHED_SECONDS).map(([k, v]) => `${k} ${v} s`).join(', ');
  if ('missing' in chain) {
    const s = await interleave({ raw: () => time(raw) }, ctx.runs);
    const row = missingRow('5', workload, 'ms', chain.missing, target);
    row.baseline = { label: `${TASKS} raw spawns`, figure: summarize(s.raw!) };
    row.extra = { 'published totals, their hardware': published };
    return [row];
  }
  const s = await interleave({ raw: () => time(raw), ours: () => time(chain.run) }, ctx.runs);
  const perTask = summarize(s.ours!.map((v, i) => (v - (s.raw![i] ?? 0)) / TASKS));
  const r = ratio(s.ours!, s.raw!);
  const met = r.median <= 1.1 && perTask.median <= 0.1;
  return [
    {
      id: '5',
      workload,
      unit: 'ms',
      ours: summarize(s.ours!),
      baseline: { label: `${TASKS} raw spawns`, figure: summarize(s.raw!) },
      ratio: r,
      target: {
        text: target,
        met,
        ...(met ? {} : { gap: `orchestration ${fmt(perTask.median)} ms/task [${fmt(perTask.min)}–${fmt(perTask.max)}] over a raw spawn; ratio ${fmt(r.median)}×` }),
      },
      extra: {
        'orchestration overhead per task': `${fmt(perTask.median)} ms [${fmt(perTask.min)}–${fmt(perTask.max)}]`,
        'ours total': `${fmt(summarize(s.ours!).median / 1000)} s`,
        'published totals, their hardware, not comparable machine-for-machine': published,
      },
      status: 'measured',
    },
  ];
}

/** Windmill's 40-task fibo workload. */
export const fibo: Workload = { id: 5, title: 'orchestrator workload', run };
