import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/**
 * The process groups this process started for steps, so none outlives the run:
 * - a step's abort or timeout sends SIGTERM to its group and SIGKILL after the grace period;
 *   `settleProcessGroups()` lets the CLI wait for that (and stops any group still alive)
 *   before it exits;
 * - on Linux each child is spawned through `setpriv --pdeathsig SIGKILL` when util-linux has
 *   it, so the direct child dies with this process even when this process is SIGKILLed;
 * - a guardian (one `/bin/sh` per process, in its own group) is told every group as it is
 *   created and retired; when this process dies by any means its pipe closes and the guardian
 *   SIGKILLs the groups still listed, grandchildren included.
 * Limitation: a process that leaves its group (setsid) escapes both; without /bin/sh and
 * setpriv (not Linux) only the in-process cleanup remains.
 */

/** Polling step while waiting for a signalled group to disappear. */
const POLL_MS = 25;

/** Groups still alive after their leader finished, and groups being terminated. */
const tracked = new Map<number, { terminating: Promise<void> | null }>();

let guardian: ChildProcess | null | undefined;

/** The environment variable that marks a sandbox's bwrap processes as this process's (see GUARDIAN_SCRIPT). */
export const GUARD_ENV = 'RUSTCHAIN_GUARD';
const GUARD_TOKEN = `${process.pid}-${randomBytes(8).toString('hex')}`;

// Reads "+pgid" / "-pgid" lines; at EOF (the parent died or exited) SIGKILLs what is listed.
// Unless the parent said "." (a normal exit: every process it started was tracked), it then
// also kills every process whose environment carries this process's guard token ($1): a
// sandbox whose parent died between its spawn and the "+pgid" line (bwrap's namespace child
// then waits forever on an eventfd its dead parent never writes). bwrap removes the token
// from the command's own environment (--unsetenv), so only bwrap's processes carry it.
const GUARDIAN_SCRIPT = [
  "trap '' INT TERM HUP",
  "g=' '",
  's=1',
  'while IFS= read -r l; do',
  '  case $l in',
  '    +*) g="$g${l#?} " ;;',
  '    -*) p=${l#?}; case $g in *" $p "*) g="${g%% $p *} ${g#* $p }" ;; esac ;;',
  '    .) s=0 ;;',
  '  esac',
  'done',
  'for p in $g; do kill -s KILL -- "-$p" 2>/dev/null; done',
  `[ "$s" = 1 ] && for f in $(grep -lzxF "${GUARD_ENV}=$1" /proc/[0-9]*/environ 2>/dev/null); do p=\${f#/proc/}; kill -s KILL "\${p%/environ}" 2>/dev/null; done`,
  'exit 0',
].join('\n');

/**
 * The guard variable for a sandboxed spawn: started first, the guardian knows the token before
 * the process exists, so even a parent killed before it could track the process is covered.
 */
export function guardEnv(): Record<string, string> {
  if (guardian === undefined) guardian = startGuardian();
  return { [GUARD_ENV]: GUARD_TOKEN };
}

function tellGuardian(line: string): void {
  if (guardian === undefined) guardian = startGuardian();
  const stdin = guardian?.stdin;
  if (!stdin || stdin.destroyed) return;
  stdin.write(`${line}\n`);
}

function startGuardian(): ChildProcess | null {
  if (!existsSync('/bin/sh')) return null;
  try {
    const child = spawn('/bin/sh', ['-c', GUARDIAN_SCRIPT, 'rustchain-guardian', GUARD_TOKEN], { cwd: '/', detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    // A normal exit tracked every process it started: no need to look for untracked ones.
    process.once('exit', () => {
      if (child.stdin !== null && !child.stdin.destroyed) child.stdin.write('.\n');
    });
    child.on('error', () => {
      guardian = null;
    });
    child.stdin?.on('error', () => {});
    // Neither the guardian nor its pipe may keep a finished process alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return child;
  } catch {
    return null;
  }
}

let setprivPath: string | null | undefined;

/** `setpriv` with `--pdeathsig` support, probed once; null when absent (not Linux, old util-linux). */
function setpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return null;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (!existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['--pdeathsig', 'SIGKILL', '--', '/bin/true'], { stdio: 'ignore', timeout: 5000 });
    if (probe.status === 0) setprivPath = candidate;
    break;
  }
  return setprivPath;
}

/**
 * How to spawn `file` with `argv` so the child dies with this process: through setpriv's
 * parent-death signal when available (the command then sees its resolved path as argv[0]).
 */
export function deathLinkedSpawn(file: string, argv: readonly string[]): { file: string; args: string[]; argv0: string } {
  const wrapper = setpriv();
  // A file that is not an executable we can see is spawned directly: then spawn itself
  // reports ENOENT/EACCES (setpriv would only exit non-zero).
  if (wrapper === null || !executable(file)) return { file, args: argv.slice(1), argv0: argv[0] ?? file };
  return { file: wrapper, args: ['--pdeathsig', 'SIGKILL', '--', file, ...argv.slice(1)], argv0: 'setpriv' };
}

function executable(file: string): boolean {
  if (!isAbsolute(file)) return false;
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether any process of group `pgid` still exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Records a new group (its leader's pid) so it is stopped with the run and by the guardian. */
export function trackGroup(pgid: number): void {
  if (tracked.has(pgid)) return;
  tracked.set(pgid, { terminating: null });
  tellGuardian(`+${pgid}`);
}

/** Forgets a group once its leader has finished, unless some member is still alive. */
export function releaseGroup(pgid: number): void {
  const entry = tracked.get(pgid);
  if (entry === undefined || entry.terminating !== null || groupAlive(pgid)) return;
  tracked.delete(pgid);
  tellGuardian(`-${pgid}`);
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if any member remains; resolves once the
 * group is gone. Idempotent: a second call returns the same wait.
 */
export function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  let entry = tracked.get(pgid);
  if (entry === undefined) {
    entry = { terminating: null };
    tracked.set(pgid, entry);
  }
  if (entry.terminating !== null) return entry.terminating;
  signalGroup(pgid, 'SIGTERM');
  const began = Date.now();
  entry.terminating = new Promise<void>((resolve) => {
    let killed = false;
    const check = (): void => {
      if (!groupAlive(pgid)) {
        tracked.delete(pgid);
        tellGuardian(`-${pgid}`);
        resolve();
        return;
      }
      if (!killed && Date.now() - began >= graceMs) {
        killed = true;
        signalGroup(pgid, 'SIGKILL');
      }
      setTimeout(check, POLL_MS);
    };
    setTimeout(check, Math.min(POLL_MS, graceMs));
  });
  return entry.terminating;
}

/** How many groups are tracked (running, lingering or being terminated). */
export function trackedGroupCount(): number {
  return tracked.size;
}

/**
 * Stops every tracked group (SIGTERM, SIGKILL after `graceMs`) and resolves once all are
 * gone: what the CLI awaits before it exits, so no step's process outlives it.
 */
export async function settleProcessGroups(graceMs: number): Promise<void> {
  await Promise.all([...tracked.keys()].map((pgid) => terminateGroup(pgid, graceMs)));
}
