import type { ChildProcess } from 'node:child_process';
import { isRustchainError, RustchainError } from '../errors.ts';
import type { KillResult } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { checkGoverningUnchanged, snapshotGoverning, type GoverningSnapshot } from './governing-watch.ts';
import { releaseGroup, trackGroup } from './process-groups.ts';

/**
 * The processes a run started with `ctx.exec.start`. A table lives at run scope (the
 * dispatcher keeps one per run id, created on the first start); `ctx.exec.kill` only reaches
 * pids in it, and the engine stops every non-detached one when the run ends. An exited
 * process stays in the table with its status, so a reused pid is never signalled.
 *
 * A started process outlives the step that started it, so the governing-path check that
 * brackets ctx.exec.run is done for it when it exits, when the run stops it, and before any
 * later command of the run spawns (a script it rewrote must not run next): a change is
 * E_GOVERNING_TAMPERED, recorded once, and the run fails with it when it ends.
 */

/** Time between SIGTERM and SIGKILL when the run ends. */
const STOP_GRACE_MS = 2000;

/** Signals a step may send; the terminating ones are escalated to SIGKILL after the grace. */
export const KILL_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
const TERMINATING = new Set<string>(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGKILL']);

/** What a started process is checked against: the governing paths as they were before it spawned. */
export interface GoverningWatch {
  command: string;
  stepId: string | null;
  policy: Policy;
  before: GoverningSnapshot;
}

interface Entry {
  child: ChildProcess;
  detached: boolean;
  exit: { code: number | null; signal: string | null } | null;
  exited: Promise<void>;
  watch: GoverningWatch | undefined;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone.
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

const within = (ms: number, work: Promise<unknown>): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Polling step for group members that outlive their leader (no event tells of them). */
const GROUP_POLL_MS = 25;

/** Resolves once the leader exited and no member of its group is left, or after `ms`. */
async function groupGone(pid: number, entry: Entry, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  await within(ms, entry.exited);
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
}

/** Every live table, so a process exiting without ending its runs still kills their groups. */
const LIVE = new Set<RunProcesses>();
let exitHookInstalled = false;

/** One run's started processes. */
export class RunProcesses {
  private readonly entries = new Map<number, Entry>();
  /** Governing paths changed while a started process lived: the run fails with the first. */
  private readonly tampered: RustchainError[] = [];

  /** Records a freshly spawned child (its own process group leader), watched for governing changes. */
  add(child: ChildProcess, detached: boolean, watch?: GoverningWatch): number {
    const pid = child.pid as number;
    let entry!: Entry;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        entry.exit = { code, signal };
        releaseGroup(pid);
        this.recheck(pid, entry);
        resolve();
      });
    });
    entry = { child, detached, exit: null, exited, watch };
    this.entries.set(pid, entry);
    if (!detached) {
      // The process-group guardian SIGKILLs it even if this process is killed outright.
      trackGroup(pid);
      LIVE.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', killAllNow);
      }
    }
    return pid;
  }

  /** Sends `signal` to the group of an owned process; waits for a terminating one (SIGKILL after `graceMs`). */
  async kill(pid: number, signal: string, graceMs: number): Promise<KillResult> {
    const entry = this.entries.get(pid);
    if (entry === undefined) {
      throw new RustchainError('E_PROCESS_NOT_OWNED', `pid ${pid} was not started by this run; only its own processes can be signalled`, {
        details: { pid },
        nonRetryable: true,
      });
    }
    if (!(KILL_SIGNALS as readonly string[]).includes(signal)) {
      throw new RustchainError('E_PARAMS_INVALID', `signal ${signal} is not one of ${KILL_SIGNALS.join(', ')}`, { details: { signal }, nonRetryable: true });
    }
    // A leader that exited with its group gone is not signalled again: its pid may be reused.
    // While members remain the group id stays reserved, so they can still be reached.
    if (entry.exit !== null && !groupAlive(pid)) return { signalled: false, exited: true, exitCode: entry.exit.code, signal: entry.exit.signal };
    const signalled = signalGroup(pid, signal as NodeJS.Signals);
    if (TERMINATING.has(signal)) {
      await groupGone(pid, entry, graceMs);
      if (entry.exit === null || groupAlive(pid)) {
        signalGroup(pid, 'SIGKILL');
        await groupGone(pid, entry, STOP_GRACE_MS);
      }
    }
    const exit = entry.exit as Entry['exit'];
    return { signalled, exited: exit !== null, exitCode: exit?.code ?? null, signal: exit?.signal ?? null };
  }

  /** Stops every non-detached process (SIGTERM, SIGKILL after the grace) and waits for them. */
  async stopAll(graceMs = STOP_GRACE_MS): Promise<void> {
    LIVE.delete(this);
    const live = [...this.entries].filter(([pid, e]) => !e.detached && (e.exit === null || groupAlive(pid)));
    if (live.length === 0) return;
    for (const [pid] of live) signalGroup(pid, 'SIGTERM');
    await Promise.all(live.map(([pid, e]) => groupGone(pid, e, graceMs)));
    for (const [pid, e] of live) if (e.exit === null || groupAlive(pid)) signalGroup(pid, 'SIGKILL');
    await Promise.all(live.map(([pid, e]) => groupGone(pid, e, STOP_GRACE_MS)));
    for (const [pid] of live) releaseGroup(pid);
  }

  /**
   * Re-checks the governing paths of every process still running (exited ones were checked
   * as they exited); the first change seen while a started process lived, or null.
   */
  checkGoverning(): RustchainError | null {
    for (const [pid, entry] of this.entries) if (entry.exit === null) this.recheck(pid, entry);
    return this.tampered[0] ?? null;
  }

  /** Compares one process's snapshot with now; a change is recorded once, then the snapshot moves on. */
  private recheck(pid: number, entry: Entry): void {
    const watch = entry.watch;
    if (watch === undefined) return;
    try {
      checkGoverningUnchanged(watch.before, watch.command);
    } catch (thrown) {
      // A path that cannot even be looked at (ENOTDIR, EACCES) changed too: fail closed.
      const error = isRustchainError(thrown) ? thrown : new RustchainError('E_GOVERNING_TAMPERED', `the governing paths could not be checked: ${String(thrown)}`, { cause: thrown });
      try {
        watch.before = snapshotGoverning(watch.policy);
      } catch {
        entry.watch = undefined;
      }
      const by = `the process ${pid} started by step ${watch.stepId ?? '?'}`;
      this.tampered.push(
        new RustchainError('E_GOVERNING_TAMPERED', `${by}: ${error.message}`, { details: { ...error.details, pid, stepId: watch.stepId }, nonRetryable: true }),
      );
    }
  }

  /** Synchronous last resort on process exit. */
  killNow(): void {
    for (const [pid, e] of this.entries) if (!e.detached && e.exit === null) signalGroup(pid, 'SIGKILL');
  }
}

function killAllNow(): void {
  for (const table of LIVE) table.killNow();
}

/**
 * The process tables of the runs a dispatcher serves, by run id. A table exists only once a
 * step of that run started a process, so runs that start none pay nothing.
 */
export class RunProcessRegistry {
  private readonly tables = new Map<string, RunProcesses>();

  /** The run's table, created on first use. */
  table(runId: string): RunProcesses {
    let table = this.tables.get(runId);
    if (table === undefined) {
      table = new RunProcesses();
      this.tables.set(runId, table);
    }
    return table;
  }

  /** A governing change seen while one of the run's started processes lived, or null (creates no table). */
  governingTampered(runId: string): RustchainError | null {
    return this.tables.get(runId)?.checkGoverning() ?? null;
  }

  /**
   * Ends a run: stops its processes; undefined (nothing to wait for) when it started none.
   * Rejects with E_GOVERNING_TAMPERED when one of them changed a governing path.
   */
  finish(runId: string): Promise<void> | undefined {
    const table = this.tables.get(runId);
    if (table === undefined) return undefined;
    this.tables.delete(runId);
    return table.stopAll().then(() => {
      const tampered = table.checkGoverning();
      if (tampered !== null) throw tampered;
    });
  }
}
