/**
 * Cross-process exclusion for ledger writers: an O_EXCL lock file beside the ledger holding
 * `{pid, host, nonce}`. A lock whose holder is a dead pid on this host, or that is older than
 * STALE_MS, is stale and taken over. (proper-lockfile was measured at ~6 ms per lock/unlock,
 * which alone would blow the per-event budget; this costs a few syscalls.)
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { RustchainError } from '../errors.ts';
import type { AuditPaths } from './paths.ts';

/** A lock older than this is stale even when its holder cannot be checked (other host). */
const STALE_MS = 10_000;
/** Give up waiting for the lock after this long. */
const WAIT_MS = 30_000;
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
  const deadHere = holder.host === HOST && typeof holder.pid === 'number' && !alive(holder.pid);
  return deadHere || Date.now() - mtimeMs > STALE_MS ? content : null;
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
async function acquire(path: string): Promise<number> {
  const token = JSON.stringify({ pid: process.pid, host: HOST, nonce: `${NONCE}-${counter++}` });
  const next = `${path}.next`;
  const deadline = Date.now() + WAIT_MS;
  let claimed = false;
  for (let attempt = 0; ; attempt++) {
    if (claimed || !turnClaimedByOther(next, token)) {
      const ino = tryAcquire(path, token);
      if (ino !== null) {
        if (claimed) unlinkQuietly(next);
        return ino;
      }
      if (!claimed) claimed = tryAcquire(next, token) !== null;
      removeIfStale(path);
    }
    if (Date.now() > deadline) {
      if (claimed) unlinkQuietly(next);
      throw Object.assign(new Error(`timed out waiting for ${path}`), { code: 'ELOCKED' });
    }
    // Yield first (the holder is usually mid-write), then poll every millisecond or two.
    if (attempt < 3) await new Promise((resolve) => setImmediate(resolve));
    else await sleep(1 + Math.random());
  }
}

/** Run `fn` while holding the ledger lock. */
export async function withLedgerLock<T>(paths: AuditPaths, fn: () => Promise<T>): Promise<T> {
  let ino: number;
  try {
    ino = await acquire(paths.lock);
  } catch (error) {
    throw new RustchainError('E_AUDIT_WRITE_FAILED', `could not lock the audit ledger: ${(error as Error).message}`, {
      details: { path: paths.lock, errno: (error as NodeJS.ErrnoException).code ?? null },
      cause: error,
      nonRetryable: true,
    });
  }
  try {
    return await fn();
  } finally {
    // Remove only our own lock (a stale-takeover by another writer must not be undone).
    try {
      if (statSync(paths.lock).ino === ino) unlinkSync(paths.lock);
    } catch {
      // Already gone.
    }
  }
}
