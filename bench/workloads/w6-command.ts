import { commandChain } from '../lib/command.ts';
import { rawSpawn } from '../lib/spawn.ts';
import { interleave, ratio, scale, summarize, time } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';

/** Workload 6: 200 sequential `command` steps of `true` vs 200 raw spawns of `true`. */

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 50 : 200;
  const argv = ['true'];
  const workload = `${n} sequential \`true\` commands, per command`;
  const target = '≤ 1.2× raw spawn';
  const raw = async (): Promise<void> => {
    for (let i = 0; i < n; i++) await rawSpawn(argv, ctx.workDir);
  };
  const chain = commandChain(ctx, argv, n);
  ctx.log(`6: ${workload}`);
  if ('missing' in chain) {
    const s = await interleave({ raw: () => time(raw) }, ctx.runs);
    const row = missingRow('6', workload, 'ms/command', chain.missing, target);
    row.baseline = { label: 'raw child_process.spawn', figure: scale(summarize(s.raw!), 1 / n) };
    return [row];
  }
  const s = await interleave({ raw: () => time(raw), ours: () => time(chain.run) }, ctx.runs);
  const r = ratio(s.ours!, s.raw!);
  const over = summarize(s.ours!.map((v, i) => (v - (s.raw![i] ?? 0)) / n));
  return [
    {
      id: '6',
      workload,
      unit: 'ms/command',
      ours: scale(summarize(s.ours!), 1 / n),
      baseline: { label: 'raw child_process.spawn', figure: scale(summarize(s.raw!), 1 / n) },
      ratio: r,
      target: {
        text: target,
        met: r.median <= 1.2,
        ...(r.median > 1.2 ? { gap: `${fmt(over.median)} ms/command over a raw spawn` } : {}),
      },
      extra: { 'overhead per command': `${fmt(over.median)} ms [${fmt(over.min)}–${fmt(over.max)}]` },
      status: 'measured',
    },
  ];
}

/** Command steps against raw spawns. */
export const commands: Workload = { id: 6, title: 'command steps', run };
