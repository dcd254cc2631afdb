import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The preload that reports a child's peak RSS (bench/lib/maxrss.mjs). */
const MAXRSS = fileURLToPath(new URL('./maxrss.mjs', import.meta.url));
/** The CLI bin: without the source condition it runs the built dist/ (bench/run.ts rebuilds a stale one). */
export const CLI_BIN = fileURLToPath(new URL('../../cli/bin/rustchain.mjs', import.meta.url));
/** The node flags that make a child run the repository's sources (through tsx). */
export const SOURCE_FLAGS = ['--conditions=@rustchain/source'] as const;

/** What one benchmarked child process took. */
export interface ChildRun {
  ms: number;
  /** Peak resident set of the child, in bytes. */
  maxRssBytes: number;
  /** CPU time of the child (user + system), in ms. */
  cpuMs: number;
  stdout: string;
}

let serial = 0;

/**
 * Runs `node <args>` to completion in `cwd`; a non-zero exit is an error. Wall time is from
 * spawn to exit; stdout is kept only when `keepStdout` (a 10,000-step `--json` document is
 * still read, as a user's pipe would, then dropped).
 */
export function runNode(args: readonly string[], options: { cwd: string; env?: Record<string, string>; keepStdout?: boolean; timeoutMs?: number }): Promise<ChildRun> {
  const rssFile = join(options.cwd, `.maxrss-${process.pid}-${serial++}`);
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env, RUSTCHAIN_BENCH_RSS_FILE: rssFile };
  delete env['NODE_OPTIONS'];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', MAXRSS, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = options.timeoutMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    let stdout = '';
    let stderr = '';
    // The head of stdout is kept anyway: with --json, a refusal's diagnostics are there.
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (options.keepStdout || stdout.length < 2000) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      if (timer) clearTimeout(timer);
      void readFile(rssFile, 'utf8')
        .then((text) => text.split(' ').map(Number), () => [Number.NaN, Number.NaN])
        .then(async ([kb, cpuUs]) => {
          await rm(rssFile, { force: true });
          if (code === 0) resolve({ ms, maxRssBytes: kb! * 1024, cpuMs: cpuUs! / 1000, stdout: options.keepStdout ? stdout : '' });
          else reject(new Error(`node ${args.slice(-4).join(' ')} exited ${code ?? signal}: ${`${stderr}${stdout}`.replace(/\s+/g, ' ').slice(0, 400)}`));
        });
    });
  });
}
