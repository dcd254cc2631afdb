import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { isRustchainError, RustchainError } from '../errors.ts';
import type { ExecCapability, ExecResult } from '../plugin/sdk.ts';
import { checkArgs } from '../policy/arg-rules.ts';
import { checkCommand } from '../policy/command-rules.ts';
import { capOutput } from '../policy/limits.ts';
import { bwrapArgv, probeBwrap } from '../sandbox/bwrap.ts';
import { decideSandbox } from '../sandbox/mode.ts';
import { checkPath } from '../policy/fs-rules.ts';
import type { Policy } from '../policy/types.ts';
import { childEnv, type HostEnv } from './env.ts';

/**
 * `ctx.exec`: argv only (never a shell string), argv[0] checked by real path against the
 * allowlist, a minimal explicit env, and its own process group so an abort (timeout,
 * fail-fast, SIGINT) kills grandchildren too. Event-driven: no polling, no helper process.
 */

/** Default cap on each of stdout and stderr: 10 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** Time between SIGTERM and SIGKILL for the process group on abort. */
export const KILL_GRACE_MS = 2000;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function validateArgv(argv: readonly string[]): void {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
    throw new RustchainError('E_PARAMS_INVALID', 'a command needs a non-empty argv of strings', { details: { argv }, nonRetryable: true });
  }
  if (argv.some((a) => a.includes('\0'))) {
    throw new RustchainError('E_PARAMS_INVALID', 'a command argument contains a NUL byte', { details: { argv }, nonRetryable: true });
  }
}

function cancelled(reason: unknown): RustchainError {
  if (isRustchainError(reason)) return reason;
  return new RustchainError('E_STEP_CANCELLED', 'the command was cancelled; its process group was killed', { cause: reason });
}

/** Builds the exec capability for one step. */
export function createExecCapability(init: { policy: Policy; workDir: string; env: HostEnv; signal: AbortSignal }): ExecCapability {
  const { policy, workDir, signal } = init;
  return {
    async run(argv, options = {}) {
      validateArgv(argv);
      const command = argv[0] as string;
      if (signal.aborted) throw cancelled(signal.reason);
      let cwd = workDir;
      if (options.cwd !== undefined) {
        const decision = checkPath(policy, options.cwd, 'read', workDir);
        if ('error' in decision) throw decision.error;
        cwd = decision.resolved;
      }
      const env = childEnv(policy, init.env, options.env);
      const allowed = checkCommand(policy, command, { pathVar: env.PATH, cwd });
      if ('error' in allowed) throw allowed.error;
      const argsDenied = checkArgs(policy.commands.rules, [allowed.file, ...argv.slice(1)]);
      if (argsDenied) return Promise.reject(argsDenied);
      const maxBytes = capOutput(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, policy.limits);
      const mode = policy.sandbox ?? 'off';
      if (mode !== 'off' || options.sandbox !== undefined) {
        let decision;
        try {
          decision = decideSandbox(mode, options.sandbox, probeBwrap());
        } catch (error) {
          return Promise.reject(error);
        }
        if (decision.sandbox) {
          const wrapped = bwrapArgv([allowed.file, ...argv.slice(1)], {
            bwrap: probeBwrap().path as string,
            readRoots: policy.fs.read,
            writeRoots: policy.fs.write,
            cwd,
            network: policy.net.allow === '*' || policy.net.allow.length > 0,
          });
          return runProcess(wrapped[0] as string, wrapped, { cwd, env, maxBytes, signal, input: options.input });
        }
      }
      return runProcess(allowed.file, argv, { cwd, env, maxBytes, signal, input: options.input });
    },
  };
}

function runProcess(
  file: string,
  argv: readonly string[],
  o: { cwd: string; env: Record<string, string>; maxBytes: number; signal: AbortSignal; input: string | undefined },
): Promise<ExecResult> {
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, argv.slice(1), {
        argv0: argv[0] as string,
        cwd: o.cwd,
        env: o.env,
        shell: false,
        detached: true,
        stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(spawnFailed(argv, error));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const size = { out: 0, err: 0 };
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void => {
      killGroup(child, 'SIGTERM');
      // Stragglers that ignore SIGTERM get SIGKILL; the timer is cleared once the group is gone.
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
      finish(() => reject(cancelled(o.signal.reason)));
    };
    const collect = (chunks: Buffer[], key: 'out' | 'err') => (chunk: Buffer) => {
      size[key] += chunk.length;
      if (size[key] > o.maxBytes) {
        killGroup(child, 'SIGKILL');
        finish(() =>
          reject(
            new RustchainError('E_OUTPUT_TOO_LARGE', `the command wrote more than ${o.maxBytes} bytes to std${key}`, {
              details: { command: argv[0], maxBytes: o.maxBytes, stream: `std${key}` },
              nonRetryable: true,
            }),
          ),
        );
        return;
      }
      if (!settled) chunks.push(chunk);
    };

    o.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', collect(out, 'out'));
    child.stderr?.on('data', collect(err, 'err'));
    if (o.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE when the child does not read its input
      child.stdin.end(o.input);
    }
    child.on('error', (error) => finish(() => reject(spawnFailed(argv, error))));
    child.on('close', (code, sig) => {
      if (killTimer !== undefined && child.pid !== undefined && !groupAlive(child.pid)) clearTimeout(killTimer);
      finish(() =>
        resolve({
          exitCode: code,
          signal: sig,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          durationMs: performance.now() - started,
        }),
      );
    });
  });
}

function spawnFailed(argv: readonly string[], error: unknown): RustchainError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const hint = errno === 'ENOENT' && /\s/.test(argv[0] ?? '') ? ' (no shell is used: put arguments in `args`)' : '';
  return new RustchainError('E_STEP_SPAWN_FAILED', `could not start \`${argv[0]}\`: ${errno}${hint}`, {
    details: { command: argv[0], errno },
    cause: error,
    nonRetryable: errno === 'ENOENT' || errno === 'EACCES',
  });
}
