import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, ratio, summarize } from '../lib/stats.ts';
import { fmt, missingRow } from '../lib/report.ts';
import type { Row } from '../lib/report.ts';
import type { BenchContext, Workload } from '../lib/context.ts';

/**
 * Workload 8: CLI start-up as a user pays it — the installed (built) bin, a fresh process per
 * call — against `node -e 0` measured in the same rounds: `--help`, `mission validate` of a
 * 5-step mission, and `compile` of it (cold: a new process type-checks from scratch).
 */

const BIN = fileURLToPath(new URL('../../cli/bin/rustchain.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

const MISSION = `version: "1.0"
name: five
steps:
  - id: a
    step_type: create_file
    parameters: { path: a.txt, content: "x" }
  - id: b
    step_type: read_file
    depends_on: [a]
    parameters: { path: a.txt }
  - id: c
    step_type: edit_file
    depends_on: [b]
    parameters: { path: a.txt, content: "\${{ steps.b.outputs.content }}", append: true }
  - id: d
    step_type: noop
    depends_on: [a]
  - id: e
    step_type: delete_file
    depends_on: [c, d]
    parameters: { path: a.txt }
`;

/**
 * Wall-clock ms of one process, run to completion; a non-zero exit is an error. `cache` is the
 * XDG_CACHE_HOME it sees (a function: a fresh one per call makes every call a cold one).
 */
function timed(argv: readonly string[], cwd: string, cache: () => string): () => Promise<number> {
  // Without NODE_OPTIONS: the @rustchain/source condition would run the sources through tsx.
  const base = { ...process.env };
  delete base['NODE_OPTIONS'];
  return () => new Promise((resolve, reject) => {
    const env = { ...base, XDG_CACHE_HOME: cache() };
    const start = performance.now();
    const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`))));
  });
}

async function run(ctx: BenchContext): Promise<Row[]> {
  const rows = { help: '8a', validate: '8b', compile: '8c', recompile: '8d' } as const;
  const titles = {
    help: '`rustchain --help`',
    validate: '`mission validate`, 5 steps',
    compile: '`compile`, 5 steps, new process, no type-check cache',
    recompile: '`compile`, 5 steps, new process, type-check cached',
  };
  if (!existsSync(DIST)) return Object.entries(rows).map(([k, id]) => missingRow(id, titles[k as keyof typeof rows], 'ms', 'cli/dist (npm run build)'));
  const dir = join(ctx.workDir, 'startup');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'startup', private: true }));
  await writeFile(join(dir, 'm.yaml'), MISSION);
  ctx.log('8: CLI start-up (help, validate, compile) against node -e 0');
  const shared = join(ctx.workDir, 'startup-cache');
  let fresh = 0;
  const freshCache = (): string => join(ctx.workDir, `startup-cache-${fresh++}`);
  const s = await interleave({
    node: timed(['-e', '0'], dir, () => shared),
    help: timed([BIN, '--help'], dir, () => shared),
    validate: timed([BIN, 'mission', 'validate', 'm.yaml'], dir, () => shared),
    compile: timed([BIN, 'compile', 'm.yaml', '-o', 'm.mission.ts'], dir, freshCache),
    recompile: timed([BIN, 'compile', 'm.yaml', '-o', 'm.mission.ts'], dir, () => shared),
  }, ctx.runs);
  const baseline = { label: '`node -e 0`', figure: summarize(s.node!) };
  const row = (key: 'help' | 'validate', limit: number): Row => {
    const r = ratio(s[key]!, s.node!);
    return {
      id: rows[key], workload: titles[key], unit: 'ms', ours: summarize(s[key]!), baseline, ratio: r,
      target: { text: `≤ ${limit}× node -e 0`, met: r.median <= limit, ...(r.median > limit ? { gap: `${fmt(r.median)}×` } : {}) },
      status: 'measured',
    };
  };
  const compileRow = (key: 'compile' | 'recompile'): Row => {
    const figure = summarize(s[key]!);
    return {
      id: rows[key], workload: titles[key], unit: 'ms', ours: figure, baseline, ratio: ratio(s[key]!, s.node!),
      target: { text: '< 1000 ms', met: figure.median < 1000, ...(figure.median >= 1000 ? { gap: `${fmt(figure.median - 1000)} ms over` } : {}) },
      status: 'measured',
    };
  };
  return [row('help', 2.5), row('validate', 4), compileRow('compile'), compileRow('recompile')];
}

/** CLI start-up through the built bin. */
export const startup: Workload = { id: 8, title: 'CLI start-up', run };
