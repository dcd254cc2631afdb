import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { isRustchainError, RustchainError } from '../errors.ts';
import type { ExecCapability, ExecResult } from '../plugin/sdk.ts';
import { checkArgs } from '../policy/arg-rules.ts';
import { checkCommand } from '../policy/command-rules.ts';
import { capOutput } from '../policy/limits.ts';
import { bwrapArgv, probeBwrap, sandboxMasks } from '../sandbox/bwrap.ts';
import { decideSandbox } from '../sandbox/mode.ts';
import { reportSandboxFallback } from '../sandbox/fallback.ts';
import { bridgeEnv, pickBridge } from '../sandbox/net-bridge.ts';
import { reportSandboxNetDenied } from '../sandbox/net-denials.ts';
import { startNetProxy, type NetProxy } from '../sandbox/net-proxy.ts';
import { checkPath } from '../policy/fs-rules.ts';
import { detachDenied } from '../policy/denials.ts';
import type { Policy } from '../policy/types.ts';
import { childEnv, type HostEnv } from './env.ts';
import { checkGoverningUnchanged, snapshotGoverning } from './governing-watch.ts';
import { checkStepInput } from './step-params.ts';
import { deathLinkedSpawn, guardEnv, releaseGroup, terminateGroup, trackGroup } from './process-groups.ts';
import type { RunProcesses, RunProcessRegistry } from './processes.ts';
import { openSession } from './session.ts';
import { spawnFailed, startProcess } from './start.ts';

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

/** What the guards decided: the file to spawn, its argv (argv[0] as given), cwd and env. */
interface SpawnSpec {
  file: string;
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** The sandbox's filtering proxy, running; the caller closes it once the process is gone. */
  proxy: NetProxy | null;
  /** Runs under bwrap (its processes carry the guard token, see process-groups.ts). */
  sandboxed: boolean;
}

/**
 * The one guarded path every spawn takes: argv shape, cwd inside the read roots, env
 * filtering, argv[0] on the allowlist by real path, argument rules, then the sandbox wrap
 * (with its filtering proxy started when the policy allows some hosts).
 */
async function prepare(
  policy: Policy,
  init: { workDir: string; env: HostEnv; params?: Readonly<Record<string, unknown>> | undefined; runId?: string | undefined; stepId?: string | undefined },
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; sandbox?: 'bwrap' | 'none' },
): Promise<SpawnSpec> {
  validateArgv(argv);
  const command = argv[0] as string;
  let cwd = init.workDir;
  if (options.cwd !== undefined) {
    const decision = checkPath(policy, options.cwd, 'read', init.workDir);
    if ('error' in decision) throw decision.error;
    cwd = decision.resolved;
  }
  const env = childEnv(policy, init.env, options.env);
  const allowed = checkCommand(policy, command, { pathVar: env.PATH, cwd });
  if ('error' in allowed) throw allowed.error;
  const argsDenied = checkArgs(policy.commands.rules, [allowed.file, ...argv.slice(1)]);
  if (argsDenied) throw argsDenied;
  const inputDenied = checkStepInput(policy, init.params, [allowed.file, ...argv.slice(1)], options.env);
  if (inputDenied) throw inputDenied;
  const mode = policy.sandbox ?? 'off';
  if (mode !== 'off' || options.sandbox !== undefined) {
    const decision = decideSandbox(mode, options.sandbox, probeBwrap());
    if (!decision.sandbox && decision.warning !== null) {
      reportSandboxFallback({ runId: init.runId ?? null, stepId: init.stepId ?? null, command, reason: decision.warning });
    }
    if (decision.sandbox) {
      // Its own network namespace always; some allowed hosts = a way out through the proxy only.
      const networked = policy.net.allow === '*' || policy.net.allow.length > 0;
      const proxy = networked ? await startNetProxy(policy, { onDenied: (error) => reportSandboxNetDenied({ runId: init.runId ?? null, stepId: init.stepId ?? null, command, error }) }) : null;
      const wrapped = bwrapArgv([allowed.file, ...argv.slice(1)], {
        bwrap: probeBwrap().path as string,
        readRoots: policy.fs.read,
        writeRoots: policy.fs.write,
        cwd,
        proxy: proxy === null ? undefined : { socket: proxy.socketPath, bridge: pickBridge() },
        ...sandboxMasks(policy),
      });
      return { file: wrapped[0] as string, argv: wrapped, cwd, env: proxy === null ? env : bridgeEnv(env), proxy, sandboxed: true };
    }
  }
  return { file: allowed.file, argv, cwd, env, proxy: null, sandboxed: false };
}

/**
 * The environment of a process that belongs to the step (run to completion, or a session):
 * a sandboxed one carries the guard token, so a CLI killed between its spawn and the tracking
 * of its group still gets it stopped by the guardian. Not for `start`, whose process may be
 * detached on purpose.
 */
function guardedEnv(spec: SpawnSpec): Record<string, string> {
  return spec.sandboxed ? { ...spec.env, ...guardEnv() } : spec.env;
}

/** Builds the exec capability for one step. */
export function createExecCapability(init: {
  policy: Policy;
  workDir: string;
  env: HostEnv;
  signal: AbortSignal;
  runId?: string;
  stepId?: string;
  processes?: RunProcessRegistry | undefined;
  params?: Readonly<Record<string, unknown>> | undefined;
}): ExecCapability {
  const { policy } = init;
  const table = (): RunProcesses => {
    if (init.processes === undefined || init.runId === undefined) {
      throw new RustchainError('E_INTERNAL', 'this step context has no run-scoped process table (ctx.exec.start/kill need one)', { nonRetryable: true });
    }
    return init.processes.table(init.runId);
  };
  // A process the run started may have rewritten a governing path (an allowlisted script):
  // nothing more of the run spawns once one has.
  const refuseAfterTamper = (): void => {
    const tampered = init.runId === undefined ? null : (init.processes?.governingTampered(init.runId) ?? null);
    if (tampered !== null) throw tampered;
  };
  return {
    async run(argv, options = {}) {
      validateArgv(argv);
      if (init.signal.aborted) throw cancelled(init.signal.reason);
      refuseAfterTamper();
      const spec = await prepare(policy, init, argv, options);
      const maxBytes = capOutput(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, policy.limits);
      const governing = snapshotGoverning(policy);
      let result: ExecResult;
      try {
        result = await runProcess(spec.file, spec.argv, { cwd: spec.cwd, env: guardedEnv(spec), maxBytes, signal: init.signal, input: options.input });
      } catch (error) {
        checkGoverningUnchanged(governing, argv[0] as string);
        throw error;
      } finally {
        await spec.proxy?.close();
      }
      checkGoverningUnchanged(governing, argv[0] as string);
      return result;
    },

    async start(argv, options = {}) {
      validateArgv(argv);
      if (init.signal.aborted) throw cancelled(init.signal.reason);
      const processes = table();
      if (options.detach && policy.commands.detach !== true) throw detachDenied(argv[0] as string);
      refuseAfterTamper();
      const spec = await prepare(policy, init, argv, options);
      // Checked again when it exits, when the run stops it, and before the run's next command.
      const watch = { command: argv[0] as string, stepId: init.stepId ?? null, policy, before: snapshotGoverning(policy) };
      return startProcess(spec, processes, { detach: options.detach ?? false, waitFor: options.waitFor, signal: init.signal, watch });
    },

    async open(argv, options = {}) {
      validateArgv(argv);
      if (init.signal.aborted) throw cancelled(init.signal.reason);
      refuseAfterTamper();
      const spec = await prepare(policy, init, argv, options);
      const maxOutputBytes = capOutput(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, policy.limits);
      return openSession({ ...spec, env: guardedEnv(spec) }, { signal: init.signal, policy, maxOutputBytes });
    },

    async kill(pid, signal = 'SIGTERM', options = {}) {
      if (!Number.isSafeInteger(pid) || pid <= 0) {
        throw new RustchainError('E_PARAMS_INVALID', `pid must be a positive integer, got ${String(pid)}`, { details: { pid }, nonRetryable: true });
      }
      return table().kill(pid, signal, options.graceMs ?? KILL_GRACE_MS);
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
      const linked = deathLinkedSpawn(file, argv);
      child = spawn(linked.file, linked.args, {
        argv0: linked.argv0,
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
    // Tracked so the run's end, the CLI's exit and the guardian all reach the group.
    if (child.pid !== undefined) trackGroup(child.pid);

    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void => {
      // SIGTERM, then SIGKILL for stragglers after the grace; settleProcessGroups() awaits it.
      if (child.pid !== undefined) void terminateGroup(child.pid, KILL_GRACE_MS);
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
      if (child.pid !== undefined) releaseGroup(child.pid);
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
