import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run the real bin from here). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The real `rustchain` bin. */
export const BIN = join(REPO, 'cli', 'bin', 'rustchain.mjs');

/** What a finished CLI process left behind. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for one spawned CLI. */
export interface SpawnOptions {
  cwd: string;
  /** State dir for the run (ledger etc.), so tests never write the repo's .rustchain. */
  home: string;
  env?: Record<string, string>;
}

/** Starts `node cli/bin/rustchain.mjs ...args` in its own process group; no stdin, no TTY. */
export function startCli(args: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, RUSTCHAIN_HOME: options.home, CI: 'true', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Collects a started CLI's output until it exits. */
export function finished(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], options: SpawnOptions): Promise<CliRun> {
  return finished(startCli(args, options));
}

/** A temp project dir (realpath'd, with a package.json root marker) and a state dir. */
export async function tempProject(files: Record<string, string> = {}): Promise<{ dir: string; home: string; cleanup: () => Promise<void> }> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-cli-')));
  const dir = join(root, 'project');
  const home = join(root, 'state');
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'cli-fixture', private: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return { dir, home, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Parses stdout as the one JSON document it must be. */
export function json<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
