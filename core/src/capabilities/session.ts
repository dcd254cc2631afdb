import { spawn, type ChildProcess } from 'node:child_process';
import { isRustchainError, RustchainError } from '../errors.ts';
import type { ExecSession } from '../plugin/sdk.ts';
import { checkGoverningUnchanged, snapshotGoverning } from './governing-watch.ts';
import { deathLinkedSpawn, releaseGroup, terminateGroup, trackGroup } from './process-groups.ts';
import { spawnFailed } from './start.ts';
import type { Policy } from '../policy/types.ts';

/**
 * `ctx.exec.open` after the guards: a process with its stdin and stdout as a byte stream the
 * step talks over (a stdio MCP server, a language server), in its own process group like every
 * other command, stopped (SIGTERM, then SIGKILL) when the session is closed or the step's
 * signal aborts. stderr is kept (capped) for the error message.
 */

/** How much of stderr a session keeps (the tail). */
const STDERR_KEEP = 64 * 1024;
/** Time between SIGTERM and SIGKILL when a session is closed. */
const CLOSE_GRACE_MS = 2000;

/** Spawns `spec` and wraps it as a session; rejects when it cannot be spawned. */
export function openSession(
  spec: { file: string; argv: readonly string[]; cwd: string; env: Record<string, string>; proxy: { close(): Promise<void> } | null },
  o: { signal: AbortSignal; policy: Policy; maxOutputBytes: number },
): Promise<ExecSession> {
  const governing = snapshotGoverning(o.policy);
  return new Promise<ExecSession>((resolve, reject) => {
    let child: ChildProcess;
    try {
      const linked = deathLinkedSpawn(spec.file, spec.argv);
      child = spawn(linked.file, linked.args, { argv0: linked.argv0, cwd: spec.cwd, env: spec.env, shell: false, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      void spec.proxy?.close();
      reject(spawnFailed(spec.argv, error));
      return;
    }
    const pid = child.pid;
    let stderr = '';
    let received = 0;
    let exitInfo: { exitCode: number | null; signal: string | null } | null = null;
    const listeners: Array<(chunk: string) => void> = [];
    let closing: Promise<void> | null = null;
    const exited = new Promise<{ exitCode: number | null; signal: string | null }>((done) => {
      child.on('close', (code, sig) => {
        if (pid !== undefined) releaseGroup(pid);
        o.signal.removeEventListener('abort', onAbort);
        void spec.proxy?.close();
        exitInfo = { exitCode: code, signal: sig };
        done(exitInfo);
      });
    });
    const stop = (): Promise<void> => {
      closing ??= (async () => {
        child.stdin?.end();
        if (pid !== undefined && exitInfo === null) await terminateGroup(pid, CLOSE_GRACE_MS);
        await exited;
        checkGoverningUnchanged(governing, spec.argv[0] as string);
      })();
      return closing;
    };
    const onAbort = (): void => void stop().catch(() => {});
    child.on('error', (error) => {
      if (pid === undefined) {
        void spec.proxy?.close();
        reject(spawnFailed(spec.argv, error));
      }
    });
    if (pid === undefined) return;
    trackGroup(pid);
    o.signal.addEventListener('abort', onAbort, { once: true });
    child.stdin?.on('error', () => {}); // EPIPE once the process is gone: reported through `exited`
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      received += Buffer.byteLength(chunk);
      if (received > o.maxOutputBytes) {
        void stop();
        return;
      }
      for (const listener of listeners) listener(chunk);
    });
    const session: ExecSession = {
      pid,
      write(data: string): void {
        if (exitInfo !== null || closing !== null) {
          throw new RustchainError('E_COMMAND_EXIT_NONZERO', `the session process ${String(spec.argv[0])} has exited`, { details: { stderr: stderr.slice(-2000) } });
        }
        child.stdin?.write(data);
      },
      onOutput(listener: (chunk: string) => void): void {
        listeners.push(listener);
      },
      stderr: () => stderr,
      exited,
      close: stop,
    };
    if (o.signal.aborted) {
      onAbort();
      reject(isRustchainError(o.signal.reason) ? o.signal.reason : new RustchainError('E_STEP_CANCELLED', 'cancelled before the session opened'));
      return;
    }
    resolve(session);
  });
}
