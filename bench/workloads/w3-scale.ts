import type { Mission } from '@rustchain/core';
import { lookupOf, pick, randomDagSpecs } from '../lib/engine.ts';
import { missionYaml } from '../lib/yaml-gen.ts';
import { collectGarbage, ratio, summarize } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';

/**
 * Workload 3: a random 100,000-step DAG as YAML text: load + validate (validateMissionText)
 * + schedule (computeSchedule), time and memory, against js-yaml's load of the same text (the
 * fastest YAML parser installed: the floor any YAML loader pays). Ours also keeps source
 * positions and checks schema, graph and step types (bench/PROFILES.md, finding 5, shows
 * where the time goes).
 */

type Validate = (text: string, file: string, options: { registry: unknown; maxBytes: number }) => unknown;
type Schedule = (steps: Mission['steps']) => unknown;

/** Finds the Mission in whatever validateMissionText returns, throwing on diagnostics. */
function missionOf(result: unknown): Mission {
  const r = result as { mission?: Mission | null; ok?: boolean; diagnostics?: Array<{ severity: string; code: string; message: string }> };
  const errors = (r.diagnostics ?? []).filter((d) => d.severity === 'error');
  if (errors.length > 0 || !r.mission) throw new Error(`validation failed: ${errors.slice(0, 3).map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return r.mission;
}

type JsYaml = { load(text: string): unknown };

/** js-yaml comes with cosmiconfig (a core dependency); without it the floor is JSON.parse. */
async function floorParser(): Promise<{ label: string; parse: (yamlText: string, jsonText: string) => unknown }> {
  try {
    const specifier = 'js-yaml'; // a variable: it has no type declarations, and needs none
    const mod = (await import(specifier)) as { default: JsYaml };
    return { label: 'js-yaml load of the same text', parse: (y) => mod.default.load(y) };
  } catch {
    return { label: 'JSON.parse of the same mission as JSON', parse: (_y, j) => JSON.parse(j) };
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 10_000 : 100_000;
  const workload = `${n.toLocaleString('en')}-step random DAG: load + validate + schedule`;
  const target = '< 2 s';
  const validate = pick<Validate>(ctx.engine.core, 'validateMissionText');
  const schedule = pick<Schedule>(ctx.engine.core, 'computeSchedule');
  const noop = ctx.engine.plugins['noop'];
  const specs = randomDagSpecs(n, 'noop');
  const text = missionYaml('dag', specs);
  const json = JSON.stringify({ version: '1.0', name: 'dag', steps: specs.map((s) => ({ id: s.id, step_type: s.type, depends_on: s.dependsOn })) });
  const floor = await floorParser();
  const runs = Math.max(3, ctx.runs - 2);

  const base: number[] = [];
  const ours: number[] = [];
  const phases = { validate: [] as number[], schedule: [] as number[], heap: [] as number[], rss: [] as number[], retained: [] as number[] };
  const missing = !validate ? 'loader (validateMissionText)' : !schedule ? 'DAG (computeSchedule)' : !noop ? 'noop plugin' : null;
  ctx.log(`3: ${workload} (${fmt(text.length / 2 ** 20)} MiB of YAML)`);
  const registry = noop ? lookupOf([noop]) : null;
  // No warm-up round: one 100k-step validation is long enough to be its own warm-up.
  for (let round = 0; round < runs; round++) {
    collectGarbage();
    let t0 = performance.now();
    floor.parse(text, json);
    base.push(performance.now() - t0);
    if (missing || !validate || !schedule) continue;
    // Validation is synchronous, so a timer cannot sample during it: memory is read right
    // after (growth incl. garbage not yet collected) and after a GC with the results alive.
    collectGarbage();
    const before = process.memoryUsage();
    t0 = performance.now();
    const mission = missionOf(validate(text, 'dag.yaml', { registry, maxBytes: 256 * 2 ** 20 }));
    const t1 = performance.now();
    const plan = schedule(mission.steps);
    const t2 = performance.now();
    const after = process.memoryUsage();
    collectGarbage();
    const retained = process.memoryUsage().heapUsed - before.heapUsed;
    if (!plan || mission.steps.length !== n) throw new Error('validated mission lost steps');
    ours.push(t2 - t0);
    phases.validate.push(t1 - t0);
    phases.schedule.push(t2 - t1);
    phases.heap.push(after.heapUsed - before.heapUsed);
    phases.rss.push(after.rss - before.rss);
    phases.retained.push(retained);
  }
  const baseline = { label: floor.label, figure: summarize(base) };
  if (missing) {
    const row = missingRow('3', workload, 'ms', missing, target);
    row.baseline = baseline;
    return [row];
  }
  const med = summarize(ours).median;
  const mib = (xs: number[]): string => `${fmt(summarize(xs).median / 2 ** 20)} MiB`;
  return [
    {
      id: '3',
      workload,
      unit: 'ms',
      ours: summarize(ours),
      baseline,
      ratio: ratio(ours, base),
      target: { text: target, met: med < 2000, ...(med >= 2000 ? { gap: `${fmt(med)} ms; validate ${fmt(summarize(phases.validate).median)} ms, schedule ${fmt(summarize(phases.schedule).median)} ms` } : {}) },
      extra: {
        'validate (parse + schema + graph checks)': `${fmt(summarize(phases.validate).median)} ms`,
        schedule: `${fmt(summarize(phases.schedule).median)} ms`,
        'heapUsed growth right after (incl. uncollected garbage)': mib(phases.heap),
        'rss growth': mib(phases.rss),
        'retained heap after GC (mission + schedule alive)': mib(phases.retained),
        'YAML size': `${fmt(text.length / 2 ** 20)} MiB`,
      },
      status: `measured (${runs} runs)`,
    },
  ];
}

/** Scale: load, validate and schedule a huge DAG. */
export const scale: Workload = { id: 3, title: 'scale', run };
