/** Shared by the redis backend tests: a project with two sleeping step types, a worker launcher. */
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, REPO, startCli, tempProject, type CliRun } from './harness.ts';

/** Source of a fixture plugin: writes runs/<step>.<pid>.<n>.start as it starts and .done after sleeping `ms`; returns its pid (and `pad` bytes). */
function pluginSource(type: string, effect: string): string {
  return `import { definePlugin, Type } from '@rustchain/core/plugin';
let n = 0;
export default definePlugin({
  type: '${type}',
  description: 'test: sleeps ms (${effect})',
  params: Type.Object({ ms: Type.Integer({ minimum: 0 }), pad: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: true }),
  outputs: Type.Object({ pid: Type.Integer(), pad: Type.Optional(Type.String()) }),
  capabilities: ['fs.write'],
  effect: '${effect}',
  claims: () => [{ kind: 'write', path: 'runs', pointer: '' }],
  async run(p, ctx) {
    const marker = 'runs/' + ctx.stepId + '.' + process.pid + '.' + (n++);
    await ctx.fs.writeText(marker + '.start', '', { createParents: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, p.ms);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(ctx.signal.reason); }, { once: true });
    });
    await ctx.fs.writeText(marker + '.done', '');
    return { pid: process.pid, ...(p.pad === undefined ? {} : { pad: 'x'.repeat(p.pad) }) };
  },
});
`;
}

/** A package.json of a fixture plugin. */
const pluginPackage = (name: string, version = '1.0.0'): string => JSON.stringify({ name, version, type: 'module', main: './index.mjs', peerDependencies: { '@rustchain/core': '^0.1.0' } });

/** A project with step types sleep_idem (idempotent) and sleep_side (side-effect) besides noop; `config` merges into rustchain.config.json. */
export async function backendProject(config: Record<string, unknown> = {}) {
  const project = await tempProject({
    'rustchain.config.json': JSON.stringify({ plugins: ['@rustchain/plugin-noop', './sleep-idem', './sleep-side'], ...config }),
    'sleep-idem/package.json': pluginPackage('sleep-idem'),
    'sleep-idem/index.mjs': pluginSource('sleep_idem', 'idempotent'),
    'sleep-side/package.json': pluginPackage('sleep-side'),
    'sleep-side/index.mjs': pluginSource('sleep_side', 'side-effect'),
  });
  await symlink(join(REPO, 'node_modules'), join(project.dir, 'node_modules'), 'dir');
  await mkdir(join(project.dir, 'runs'));
  return project;
}

/** Rewrites a fixture plugin's package.json with another version (its file integrity changes too). */
export async function setPluginVersion(dir: string, plugin: 'sleep-idem' | 'sleep-side', version: string): Promise<void> {
  await writeFile(join(dir, plugin, 'package.json'), pluginPackage(plugin, version));
}

/** A mission file: `steps` lines under a header; fail_fast off so one failure does not cancel the rest. */
export function missionText(name: string, steps: string[], extra = ''): string {
  return `version: "1.0"\nname: ${name}\nconfig:\n  fail_fast: false\n${extra}steps:\n${steps.join('')}`;
}

/** One step of a fixture type. */
export const sleepStep = (id: string, type: 'sleep_idem' | 'sleep_side', ms: number, more = ''): string =>
  `  - id: ${id}\n    step_type: ${type}\n    parameters: { ms: ${ms}${more} }\n`;

/** Start markers in runs/, as { stepId, pid }. */
export async function startMarkers(dir: string): Promise<{ stepId: string; pid: number }[]> {
  const names = await readdir(join(dir, 'runs'));
  return names.filter((n) => n.endsWith('.start')).map((n) => {
    const [stepId, pid] = n.split('.');
    return { stepId: stepId!, pid: Number(pid) };
  });
}

/** Steps started but not done, as { stepId, pid }. */
export async function unfinished(dir: string): Promise<{ stepId: string; pid: number }[]> {
  const names = new Set(await readdir(join(dir, 'runs')));
  return [...names].filter((n) => n.endsWith('.start') && !names.has(n.replace(/\.start$/, '.done'))).map((n) => {
    const [stepId, pid] = n.split('.');
    return { stepId: stepId!, pid: Number(pid) };
  });
}

/** Ledger events of `runId` as `type` or `type:stepId`, from every ledger file of the state dir. */
export async function ledgerEvents(home: string, runId: string): Promise<string[]> {
  const dir = join(home, 'audit');
  const out: string[] = [];
  for (const name of (await readdir(dir)).filter((n) => /^ledger(\.\d+)?\.jsonl$/.test(n)).sort()) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean)) {
      let event: { runId: string | null; type: string; payload: { stepId?: string } };
      try {
        event = JSON.parse(line);
      } catch {
        continue; // the torn last record a SIGKILL can leave
      }
      if (event.runId === runId) out.push(event.payload.stepId === undefined ? event.type : `${event.type}:${event.payload.stepId}`);
    }
  }
  return out;
}

/** A started `rustchain worker`, resolved once it printed its ready line. */
export interface StartedWorker {
  child: ChildProcess;
  done: Promise<CliRun>;
}

/** Starts `rustchain worker --redis <url> ...args` in `project` and waits for its ready line. */
export async function startWorker(url: string, args: string[], project: { dir: string; home: string }, env: Record<string, string> = {}): Promise<StartedWorker> {
  const child = startCli(['worker', '--redis', url, ...args], { cwd: project.dir, home: project.home, env });
  const ready = new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('rustchain worker: ready')) resolve();
    });
    child.on('close', (code) => reject(new Error(`worker exited (${String(code)}) before it was ready:\n${seen}`)));
  });
  const done = finished(child);
  await ready;
  return { child, done };
}

/** SIGKILLs a started CLI's process group (ignores one already gone). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already exited
  }
}

/** Polls `check` every 50 ms until it is true (no wall-clock assertion: the caller's test timeout bounds it). */
export async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}
