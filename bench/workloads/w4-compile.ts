import { fileURLToPath } from 'node:url';
import type { DefinedPlugin, Mission } from '@rustchain/core';
import { buildMission, chainSpecs, pick } from '../lib/engine.ts';
import type { StepSpec } from '../lib/engine.ts';
import { checkAndEmit, equivalentModule } from '../lib/ts-baseline.ts';
import { interleave, ratio, summarize } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';

/**
 * Workload 4: compile + type-check of 100, 1,000 and 5,000-step missions, against the
 * TypeScript compiler checking an equivalent hand-written module; growth ratios between sizes.
 */

type CompileMission = (
  mission: Mission,
  registry: { get(type: string): { definition: DefinedPlugin; packageName: string; version: string; integrity: string | null } | undefined },
  options: { outFile: string; cwd: string; resolveFrom: string },
) => { code: string; diagnostics: Array<{ code: string; message: string; line: number }> };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Alternating noop and command steps: typed parameters for the checker to work on. */
function compileSpecs(n: number): StepSpec[] {
  return chainSpecs(n, 'noop').map((s, i) =>
    i % 2 === 0 ? { ...s, parameters: { message: `step ${i}` } } : { ...s, type: 'command', parameters: { command: 'echo', args: [`step ${i}`, i] } },
  );
}

const TARGET_MS: Record<number, number> = { 1000: 3000, 5000: 10_000 };

function timeSync(fn: () => unknown): () => Promise<number> {
  return async () => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const sizes = ctx.quick ? [100, 1000] : [100, 1000, 5000];
  const compile = pick<CompileMission>(ctx.engine.compiler, 'compileMission');
  const { noop, command } = ctx.engine.plugins;
  const rows: Row[] = [];
  const medians: Record<number, number> = {};
  let cold: number | null = null;
  for (const n of sizes) {
    const workload = `compile + type-check, ${n.toLocaleString('en')}-step mission`;
    const target = TARGET_MS[n] ? `< ${TARGET_MS[n]! / 1000} s` : undefined;
    const source = equivalentModule(n);
    const runs = n >= 5000 ? Math.min(3, ctx.runs) : ctx.runs;
    const contenders: Record<string, () => Promise<number>> = { tsc: timeSync(() => checkAndEmit(source)) };
    if (compile && noop && command) {
      const mission = buildMission(`bench/m${n}`, compileSpecs(n));
      const info = (d: DefinedPlugin) => ({ definition: d, packageName: `@rustchain/plugin-${d.type}`, version: '0.1.0', integrity: null });
      const plugins = new Map([noop, command].map((d) => [d.type, info(d)]));
      const options = { outFile: `bench/m${n}.mission.ts`, cwd: ROOT, resolveFrom: ROOT };
      contenders['ours'] = timeSync(() => {
        const result = compile(mission, { get: (t) => plugins.get(t) }, options);
        const first = result.diagnostics[0];
        if (first) throw new Error(`compile of ${n} steps: ${first.code} line ${first.line}: ${first.message}`);
      });
    }
    ctx.log(`4: ${workload}`);
    // The first compile in a process also parses core's, typebox's and the plugins' types
    // (then cached): what a one-shot `rustchain compile` pays. Timed once, apart.
    if (cold === null && contenders['ours']) cold = await contenders['ours']();
    const s = await interleave(contenders, runs, n >= 5000 ? 0 : 1);
    const baseline = { label: 'tsc check+emit of an equivalent module', figure: summarize(s['tsc']!) };
    if (!s['ours']) {
      rows.push({ ...missingRow(`4-${n}`, workload, 'ms', compile ? 'noop/command plugin' : 'compiler (compileMission)', target), baseline });
      continue;
    }
    const ours = summarize(s['ours']);
    medians[n] = ours.median;
    const limit = TARGET_MS[n];
    rows.push({
      id: `4-${n}`,
      workload,
      unit: 'ms',
      ours,
      baseline,
      ratio: ratio(s['ours'], s['tsc']!),
      ...(limit && target ? { target: { text: target, met: ours.median < limit, ...(ours.median >= limit ? { gap: `${fmt(ours.median)} ms` } : {}) } } : {}),
      status: `measured (${runs} runs)`,
    });
  }
  const growth: string[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const [a, b] = [sizes[i - 1]!, sizes[i]!];
    if (medians[a] && medians[b]) growth.push(`${a}→${b} steps (×${b / a}): time ×${fmt(medians[b] / medians[a])}`);
  }
  const extra: Record<string, string> = {};
  if (cold !== null) extra[`cold first compile of ${sizes[0]} steps (parses dependency types)`] = `${fmt(cold)} ms`;
  if (growth.length > 0) extra['growth (linear = step ratio)'] = growth.join('; ');
  if (rows.length > 0 && Object.keys(extra).length > 0) rows[rows.length - 1]!.extra = extra;
  return rows;
}

/** Compile + type-check at three sizes. */
export const compile: Workload = { id: 4, title: 'compile', run };
