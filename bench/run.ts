/**
 * `npm run bench [-- --quick] [-- --only 1,2] [-- --runs N]`: runs the workloads, prints a
 * markdown table on stdout (progress on stderr) and writes bench/results.json (a full run)
 * with bench/results.md (the table), or bench/results.dev.json (--quick / --only / --runs, so
 * development runs never replace them).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEngine } from './lib/engine.ts';
import { describeMachine, finishMachine } from './lib/machine.ts';
import { renderMarkdown } from './lib/report.ts';
import type { Results, Row } from './lib/report.ts';
import type { BenchContext, Workload } from './lib/context.ts';
import { overhead } from './workloads/w1-overhead.ts';
import { concurrency } from './workloads/w2-concurrency.ts';
import { scale } from './workloads/w3-scale.ts';
import { compile } from './workloads/w4-compile.ts';
import { fibo } from './workloads/w5-fibo.ts';
import { commands } from './workloads/w6-command.ts';
import { peers } from './workloads/w7-peers.ts';
import { startup } from './workloads/w8-startup.ts';
import { e2e } from './workloads/w9-e2e.ts';
import { redisBackend } from './workloads/w10-redis.ts';
import { ensureBuilt } from './lib/built.ts';

const WORKLOADS: readonly Workload[] = [overhead, concurrency, scale, compile, fibo, commands, peers, startup, e2e, redisBackend];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',').map((x) => Number(x.trim()))) : null;
const runs = values.runs ? Number(values.runs) : quick ? 3 : 5;

const started = performance.now();
const machine = describeMachine();
const workDir = await mkdtemp(join(tmpdir(), 'rustchain-bench-'));
const engine = await loadEngine();
const notes: string[] = [];
for (const e of engine.loadErrors) notes.push(`load: ${e}`);
if (!(globalThis as { gc?: unknown }).gc) notes.push('run without --expose-gc: memory figures include uncollected garbage');
const ctx: BenchContext = { engine, runs, quick, workDir, notes, log: (m) => process.stderr.write(`[bench] ${m}\n`) };

// Workloads 8 and 9 run the built CLI, as users do: never on a stale dist/.
for (const pkg of ensureBuilt(ctx.log)) notes.push(`rebuilt before measuring: ${pkg}`);

const rows: Row[] = [];
try {
  for (const w of WORKLOADS) {
    if (only && !only.has(w.id)) continue;
    const t = performance.now();
    try {
      rows.push(...(await w.run(ctx)));
    } catch (error) {
      // A workload that breaks is reported, not hidden, and does not stop the others.
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      rows.push({ id: String(w.id), workload: w.title, unit: '', ours: null, baseline: null, ratio: null, status: `error: ${message}` });
    }
    ctx.log(`workload ${w.id} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

const results: Results = {
  machine: finishMachine(machine),
  mode: quick ? 'quick' : 'full',
  runs,
  totalSeconds: (performance.now() - started) / 1000,
  rows,
  notes,
};
const dev = quick || only !== null || values.runs !== undefined;
const out = new URL(dev ? './results.dev.json' : './results.json', import.meta.url);
const markdown = renderMarkdown(results);
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
if (!dev) await writeFile(new URL('./results.md', import.meta.url), `${markdown}\n`);
process.stdout.write(`${markdown}\n`);
process.stderr.write(`[bench] wrote ${out.pathname}\n`);
