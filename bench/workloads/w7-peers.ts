import { PGraph } from 'p-graph';
import async from 'async';
import type { DefinedPlugin } from '@rustchain/core';
import { buildMission, chainSpecs, lookupOf, benchPolicy, randomDagSpecs, wideSpecs } from '../lib/engine.ts';
import type { StepSpec } from '../lib/engine.ts';
import { executor, assertSucceeded } from '../lib/run-mission.ts';
import { interleave, ratio, summarize, time } from '../lib/stats.ts';
import { missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';
import { rawWait, waitPlugin } from '../lib/wait-plugin.ts';

/**
 * Workload 7: peer DAG runners on the same graphs, doing the same work per node:
 * `p-graph` (Microsoft's promise-graph runner, used by lage) and `async.auto` (the classic
 * dependency-driven task runner of `async`, the most downloaded control-flow package).
 * Fairness: the peers only call a function per node; ours also checks parameters against
 * the plugin schema, builds a StepContext with policy-guarded capabilities and an abort
 * signal with a timeout, emits run events and keeps a StepResult per step. So the ratio is
 * "what a full engine step costs over a bare promise-graph node", not like for like.
 */

interface Graph {
  name: string;
  specs: StepSpec[];
  work: () => Promise<unknown>;
  plugin: DefinedPlugin;
  params: Record<string, unknown>;
}

function pgraphRun(specs: readonly StepSpec[], work: () => Promise<unknown>): () => Promise<void> {
  const nodes = new Map(specs.map((s) => [s.id, { run: work }]));
  const deps: [string, string][] = [];
  for (const s of specs) for (const d of s.dependsOn ?? []) deps.push([d, s.id]);
  const graph = new PGraph(nodes, deps);
  return () => graph.run();
}

function asyncAutoRun(specs: readonly StepSpec[], work: () => Promise<unknown>): () => Promise<void> {
  const tasks: Record<string, unknown> = {};
  for (const s of specs) {
    const deps = s.dependsOn ?? [];
    tasks[s.id] = deps.length === 0 ? async () => work() : [...deps, async () => work()];
  }
  return async () => {
    await async.auto(tasks as Parameters<typeof async.auto>[0]);
  };
}

/** async.auto's cost grows faster than linearly (1,000-step chain 1.8 s, 4,000 steps 48 s), so it runs on 1,000 steps. */
const ASYNC_AUTO_STEPS = 1_000;

function graphsOf(n: number, noop: DefinedPlugin | undefined): Graph[] {
  const k = n.toLocaleString('en');
  const nothing = async (): Promise<unknown> => ({});
  const graphs: Graph[] = [];
  if (noop) {
    graphs.push({ name: `${k}-step chain, no-op work`, specs: chainSpecs(n, 'noop'), work: nothing, plugin: noop, params: {} });
    graphs.push({ name: `${k}-step random DAG, no-op work`, specs: randomDagSpecs(n, 'noop', 11), work: nothing, plugin: noop, params: {} });
  }
  graphs.push({ name: `${k} independent 100 ms waits`, specs: wideSpecs(n, 'bench_wait', { ms: 100 }), work: () => rawWait(100), plugin: waitPlugin, params: { ms: 100 } });
  return graphs;
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 2_000 : 10_000;
  const noop = ctx.engine.plugins['noop'];
  const execute = executor(ctx.engine);
  const rows: Row[] = [];
  const letters = 'abcdefghij';
  let li = 0;
  const peers = [
    { peer: 'p-graph', size: n, runner: pgraphRun },
    { peer: 'async.auto', size: Math.min(n, ASYNC_AUTO_STEPS), runner: asyncAutoRun },
  ] as const;
  for (const { peer, size, runner } of peers) {
    for (const g of graphsOf(size, noop)) {
      const workload = `vs ${peer}: ${g.name}`;
      ctx.log(`7: ${workload}`);
      const specs = g.specs.map((s) => ({ ...s, parameters: g.params }));
      const run = runner(specs, g.work);
      const contenders: Record<string, () => Promise<number>> = { [peer]: () => time(run) };
      if (execute) {
        const mission = buildMission('peers', specs);
        const registry = lookupOf([g.plugin]);
        const policy = benchPolicy(ctx.workDir);
        contenders['ours'] = () =>
          time(async () => assertSucceeded(await execute(mission, { registry, policy, workDir: ctx.workDir }), g.name));
      }
      const s = await interleave(contenders, ctx.runs);
      const id = `7${letters[li++]}`;
      const baseline = { label: peer, figure: summarize(s[peer]!) };
      if (!s['ours']) {
        rows.push({ ...missingRow(id, workload, 'ms', 'executor'), baseline });
        continue;
      }
      rows.push({ id, workload, unit: 'ms', ours: summarize(s['ours']), baseline, ratio: ratio(s['ours'], s[peer]!), status: 'measured' });
    }
  }
  if (!noop) rows.push(missingRow('7', 'vs p-graph / async.auto: chain and random DAG', 'ms', 'noop plugin'));
  return rows;
}

/** Peer DAG runners on the same graphs. */
export const peers: Workload = { id: 7, title: 'peer DAG runners', run };
