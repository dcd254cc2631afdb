/**
 * Cross-process exclusion for ledger writers: an O_EXCL lock file beside the ledger holding
 * `{pid, host, nonce}`, held for one batch commit at a time, or kept across a burst of batches
 * when the caller asks (lease.ts: given up when idle for a few ms or when another writer
 * claims the next turn; never for a whole run), so concurrent runs interleave their batches. A lock whose holder is a dead pid on this host, or
 * (other hosts, torn lock files) that is older than STALE_MS, is stale and taken over; a live
 * holder on this host is waited for however slow it is. Waiting blocks on an inotify watch of
 * the audit dir (woken when a lock file goes away), with a slow timer as a safety net, instead
 * of polling; fairness comes from the `<lock>.next` claim (see acquire). (proper-lockfile was
 * measured at ~6 ms per lock/unlock and polls too; flock(2) needs a native binding.)
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { RustchainError } from '../errors.ts';
import type { AuditPaths } from './paths.ts';
import { absolutePath } from './abs-path.ts';
import { releaseLease, withLease, type LockFile, type LockTurn, type Taken, type TurnOptions } from './lease.ts';

/** A lock older than this is stale even when its holder cannot be checked (other host). */
const STALE_MS = 10_000;
/** Give up waiting for the lock after this long (a safety net: holders hold it for one batch). */
const WAIT_MS = Number(process.env['RUSTCHAIN_LEDGER_LOCK_WAIT_MS']) || 600_000;
/** The safety-net re-check while waiting on the watch (a missed or coalesced inotify event). */
const RECHECK_MS = 50;
const HOST = hostname();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock file's holder is gone; `content` is what we read, to remove only that. */
function staleContent(path: string): string | null {
  let content: string;
  let mtimeMs: number;
  try {
    content = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return null; // released meanwhile: just retry
  }
  let holder: { pid?: unknown; host?: unknown } = {};
  try {
    holder = JSON.parse(content) as typeof holder;
  } catch {
    // Torn lock file (holder crashed while writing it): judged by age alone.
  }
  if (holder.host === HOST && typeof holder.pid === 'number') return alive(holder.pid) ? null : content;
  return Date.now() - mtimeMs > STALE_MS ? content : null;
}

/** Create the lock file; returns its inode (our proof of ownership at release) or null if taken. */
function tryAcquire(path: string, token: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  }
  try {
    writeSync(fd, token);
    return fstatSync(fd).ino;
  } finally {
    closeSync(fd);
  }
}

const NONCE = randomBytes(8).toString('hex');
let counter = 0;

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already removed (e.g. judged stale by another writer).
  }
}

/** Remove `path` if it is stale (re-read just before, so a fresh owner's file survives). */
function removeIfStale(path: string): void {
  const stale = staleContent(path);
  try {
    if (stale !== null && readFileSync(path, 'utf8') === stale) unlinkSync(path);
  } catch {
    // Gone meanwhile.
  }
}

/** True when another live writer has claimed the next turn (`<lock>.next`). */
function turnClaimedByOther(next: string, token: string): boolean {
  // Usually there is no claim: asking first is far cheaper than the ENOENT a read would throw
  // (an Error with its stack, every commit). A claim appearing or going meanwhile is the race
  // the read below already handles.
  if (!existsSync(next)) return false;
  let content: string;
  try {
    content = readFileSync(next, 'utf8');
  } catch {
    return false;
  }
  if (content === token) return false;
  removeIfStale(next);
  return existsSync(next);
}

/**
 * Take the lock. Fairness: a writer that fails to get the lock claims the next turn with an
 * O_EXCL `<lock>.next` file, and every other writer defers to that claim, so two busy
 * processes alternate instead of one starving the other until it times out.
 */
async function acquire(path: string): Promise<Taken> {
  const token = JSON.stringify({ pid: process.pid, host: HOST, nonce: `${NONCE}-${counter++}` });
  const next = `${path}.next`;
  const deadline = Date.now() + WAIT_MS;
  let claimed = false;
  let waiter: ReleaseWaiter | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      if (claimed || !turnClaimedByOther(next, token)) {
        const ino = tryAcquire(path, token);
        if (ino !== null) {
          if (claimed) unlinkQuietly(next);
          return { ino, token };
        }
        if (!claimed) claimed = tryAcquire(next, token) !== null;
        removeIfStale(path);
      }
      if (Date.now() > deadline) {
        if (claimed) unlinkQuietly(next);
        throw Object.assign(new Error(`timed out waiting for ${path}`), { code: 'ELOCKED' });
      }
      // Yield first (the holder is usually mid-write), then arm the watch and check once more
      // (a release between the check and the arming is not missed), then block until a lock
      // file goes away.
      if (attempt < 2) await new Promise((resolve) => setImmediate(resolve));
      else if (waiter === null) waiter = new ReleaseWaiter(path);
      else await waiter.wait();
    }
  } finally {
    waiter?.close();
  }
}

/**
 * Wakes a waiter when the lock or the next-turn claim is removed: an inotify watch on the
 * audit dir, armed before the next check so a release between check and wait is not missed.
 */
class ReleaseWaiter {
  private watcher: FSWatcher | null = null;
  private dirty = false;
  private wake: (() => void) | null = null;

  constructor(lockPath: string) {
    const names = new Set([basename(lockPath), `${basename(lockPath)}.next`]);
    try {
      this.watcher = watch(dirname(lockPath), { persistent: false }, (_event, name) => {
        if (name !== null && !names.has(String(name))) return;
        this.dirty = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = null; // no inotify: the timer alone
    }
  }

  /** Resolves on a release (or one seen since the last wait), or after the safety-net timer. */
  async wait(): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.watcher === null ? 2 : RECHECK_MS * (0.5 + Math.random()));
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
    this.dirty = false;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}

/** The lock file as the lease drives it. */
const LOCK_FILE: LockFile = {
  async acquire(path) {
    try {
      return await acquire(path);
    } catch (error) {
      throw new RustchainError('E_AUDIT_WRITE_FAILED', `could not lock the audit ledger: ${(error as Error).message}`, {
        details: { path, errno: (error as NodeJS.ErrnoException).code ?? null },
        cause: error,
        nonRetryable: true,
      });
    }
  },
  release(path, taken) {
    // Remove only our own lock (a stale-takeover by another writer must not be undone).
    try {
      if (statSync(path).ino === taken.ino) unlinkSync(path);
    } catch {
      // Already gone.
    }
  },
  claimedByOther(path, taken) {
    return turnClaimedByOther(`${path}.next`, taken.token);
  },
};

/**
 * Run `fn` while holding the ledger lock (turns of this process on one ledger run one at a
 * time). With `keep`, the lock is kept after the turn for the next one (see lease.ts).
 */
export function withLedgerLock<T>(paths: AuditPaths, fn: (turn: LockTurn) => Promise<T>, options?: TurnOptions): Promise<T> {
  return withLease(absolutePath(paths.lock), LOCK_FILE, fn, options);
}

/** Give up the ledger lock this process kept after its last turn (after the turns queued so far). */
export function releaseLedgerLock(paths: AuditPaths): Promise<void> {
  return releaseLease(absolutePath(paths.lock));
}
