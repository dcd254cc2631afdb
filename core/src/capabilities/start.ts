import { spawn, type ChildProcess } from 'node:child_process';
import { releaseGroup, trackGroup } from './process-groups.ts';
import { isRustchainError, RustchainError } from '../errors.ts';
import type { StartOptions } from '../plugin/sdk.ts';
import type { GoverningWatch, RunProcesses } from './processes.ts';
import { listensOn } from './readiness.ts';

/**
 * `ctx.exec.start` after the guards: spawns in its own process group, records the child in
 * the run's table, and waits for the readiness condition when one is given. A process that
 * does not become ready is stopped: a half-started server must not linger in the run.
 */

/** Default time a started process has to become ready. */
const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** How often the port readiness is probed. */
const PORT_POLL_MS = 100;
/** How much of the recent output is kept to find the `output` marker across chunk boundaries. */
const OUTPUT_WINDOW = 64 * 1024;

/**
 * Spawns `spec`; resolves with the pid once spawned (and ready, with `waitFor`). The sandbox's
 * filtering proxy, when there is one, lives as long as the process.
 */
export async function startProcess(
  spec: { file: string; argv: readonly string[]; cwd: string; env: Record<string, string>; proxy: { close(): Promise<void> } | null },
  table: RunProcesses,
  o: { detach: boolean; waitFor: StartOptions['waitFor']; signal: AbortSignal; watch?: GoverningWatch },
): Promise<{ pid: number }> {
  const output = o.waitFor?.output;
  let child: ChildProcess;
  try {
    if (o.detach && output !== undefined) {
      // A detached process would write into a pipe nobody reads once the run is over.
      throw new RustchainError('E_PARAMS_INVALID', 'waitFor.output cannot be used with detach (the output is not read after the run)', { nonRetryable: true });
    }
    child = await spawned(spec, output !== undefined);
  } catch (error) {
    await spec.proxy?.close();
    throw error;
  }
  const proxy = spec.proxy;
  if (proxy !== null) child.once('exit', () => void proxy.close());
  const pid = table.add(child, o.detach, o.watch);
  if (o.detach) child.unref();
  else {
    // Owned by the run: the guardian SIGKILLs the group if this process dies without ending it.
    trackGroup(pid);
    child.once('close', () => releaseGroup(pid));
  }
  if (o.waitFor === undefined || (o.waitFor.port === undefined && output === undefined)) return { pid };
  try {
    await ready(child, pid, o.waitFor, o.signal);
  } catch (error) {
    await table.kill(pid, 'SIGKILL', 0);
    throw error;
  }
  return { pid };
}

function spawned(spec: { file: string; argv: readonly string[]; cwd: string; env: Record<string, string> }, pipe: boolean): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(spec.file, spec.argv.slice(1), {
        argv0: spec.argv[0] as string,
        cwd: spec.cwd,
        env: spec.env,
        shell: false,
        detached: true,
        stdio: ['ignore', pipe ? 'pipe' : 'ignore', pipe ? 'pipe' : 'ignore'],
      });
    } catch (error) {
      reject(spawnFailed(spec.argv, error));
      return;
    }
    child.once('error', (error) => reject(spawnFailed(spec.argv, error)));
    child.once('spawn', () => resolve(child));
  });
}

function ready(child: ChildProcess, pid: number, waitFor: NonNullable<StartOptions['waitFor']>, signal: AbortSignal): Promise<void> {
  const timeoutMs = waitFor.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let portOk = waitFor.port === undefined;
    let outputOk = waitFor.output === undefined;
    let window = '';
    let poll: NodeJS.Timeout | undefined;
    const done = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (poll !== undefined) clearTimeout(poll);
      signal.removeEventListener('abort', onAbort);
      child.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = (): void => {
      if (portOk && outputOk) done();
    };
    const notReady = (why: string, details: Record<string, unknown>): RustchainError =>
      new RustchainError('E_PROCESS_NOT_READY', `the started process ${why}`, { details: { pid, ...waitFor, ...details }, nonRetryable: true });
    const onExit = (code: number | null, sig: string | null): void =>
      done(notReady(`exited (status ${String(code)}, signal ${String(sig)}) before it was ready`, { exitCode: code, signal: sig }));
    const onAbort = (): void => done(isRustchainError(signal.reason) ? signal.reason : new RustchainError('E_STEP_CANCELLED', 'cancelled while waiting for the process to be ready'));
    const timer = setTimeout(() => done(notReady(`was not ready within ${timeoutMs} ms`, { timeoutMs })), timeoutMs);
    child.once('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    if (waitFor.output !== undefined) {
      const marker = waitFor.output;
      const onData = (chunk: Buffer): void => {
        if (outputOk) return; // keep draining so the child never blocks on a full pipe
        window = (window + chunk.toString('utf8')).slice(-OUTPUT_WINDOW);
        if (window.includes(marker)) {
          outputOk = true;
          window = '';
          check();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
    }
    if (waitFor.port !== undefined) {
      const port = waitFor.port;
      const probe = (): void => {
        listensOn(pid, port).then(
          (yes) => {
            if (settled) return;
            if (yes) {
              portOk = true;
              check();
            } else poll = setTimeout(probe, PORT_POLL_MS);
          },
          (error: unknown) => done(notReady(`could not be probed on port ${port}: ${String(error)}`, {})),
        );
      };
      probe();
    }
  });
}

/** A spawn that failed (ENOENT, EACCES...), with a hint when a whole command line was given as argv[0]. */
export function spawnFailed(argv: readonly string[], error: unknown): RustchainError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const hint = errno === 'ENOENT' && /\s/.test(argv[0] ?? '') ? ' (no shell is used: put arguments in `args`)' : '';
  return new RustchainError('E_STEP_SPAWN_FAILED', `could not start \`${argv[0]}\`: ${errno}${hint}`, {
    details: { command: argv[0], errno },
    cause: error,
    nonRetryable: errno === 'ENOENT' || errno === 'EACCES',
  });
}
