/**
 * Keeping the ledger lock between one process's batches (a lease). Creating and unlinking the
 * O_EXCL lock file around every batch was most of a no-fsync commit's cost; a writer whose
 * batches follow each other closely now keeps the lock file, and gives it up:
 * - when its batches stop: idle for IDLE_MS (an unref'd timer), so a step that runs after a
 *   batch (foreign work) delays other writers by at most that, never for its whole length,
 * - at once when another writer claims the next turn (`<lock>.next`, one existsSync per batch),
 * - after MAX_HOLD_MS of holding (re-taken at once unless someone is waiting),
 * - when the turn failed, when the caller did not ask to keep it, and on process exit.
 * A SIGKILLed holder leaves a lock file naming a dead pid: the stale-lock takeover covers it.
 * In this process, turns on one lock run one at a time (a queue), so a kept lock is never
 * shared by two turns at once.
 */

/** Give the lock up after it was not used for this long. */
const IDLE_MS = 5;
/** Take the lock afresh after holding it this long (other hosts judge a lock older than 10 s stale). */
const MAX_HOLD_MS = 1000;

/** What a turn under the lock knows about the lock it runs under. */
export interface LockTurn {
  /**
   * True when this process held the lock without a break since the same holder's previous
   * turn and no other holder had a turn in between: nothing another writer could do under
   * the lock can have happened since.
   */
  readonly continued: boolean;
}

/** How the lease takes, frees and watches the lock file (lock.ts). */
export interface LockFile {
  /** Take the lock (waiting as long as it must); resolves with what `release` needs. */
  acquire(path: string): Promise<Taken>;
  /** Remove the lock file if it is still the one taken. */
  release(path: string, taken: Taken): void;
  /** True when another live writer claimed the next turn. */
  claimedByOther(path: string, taken: Taken): boolean;
}

/** A taken lock: the lock file's inode and the token written in it. */
export interface Taken {
  ino: number;
  token: string;
}

/** Options of one turn. */
export interface TurnOptions {
  /** Who takes the turn (`continued` compares it with the previous turn's). */
  holder?: object;
  /** Keep the lock after this turn (a lease). Default false: released when the turn ends. */
  keep?: boolean;
}

interface Held {
  taken: Taken;
  since: number;
  lastUsed: number;
  holder: object | null;
  busy: boolean;
}

class Lease {
  private held: Held | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The tail of this process's queue of turns on this lock. */
  queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string, private readonly file: LockFile) {}

  async turn<T>(fn: (turn: LockTurn) => Promise<T>, holder: object | null, keep: boolean): Promise<T> {
    let held = this.held;
    if (held !== null && (Date.now() - held.since >= MAX_HOLD_MS || this.file.claimedByOther(this.path, held.taken))) {
      this.release();
      held = null;
    }
    const continued = held !== null && holder !== null && held.holder === holder;
    if (held === null) {
      held = { taken: await this.file.acquire(this.path), since: Date.now(), lastUsed: 0, holder: null, busy: false };
      this.held = held;
    }
    held.busy = true;
    let value: T;
    try {
      value = await fn({ continued });
    } catch (error) {
      held.busy = false;
      this.release();
      throw error;
    }
    held.busy = false;
    held.holder = holder;
    if (!keep) {
      this.release();
    } else {
      held.lastUsed = Date.now();
      kept.add(this);
      if (this.timer === null) this.timer = setTimeout(() => this.idle(), IDLE_MS).unref();
    }
    return value;
  }

  private idle(): void {
    this.timer = null;
    const held = this.held;
    if (held === null) return;
    if (held.busy || Date.now() - held.lastUsed < IDLE_MS) this.timer = setTimeout(() => this.idle(), IDLE_MS).unref();
    else this.release();
  }

  /** Give the lock up now (the file is removed only if it is still ours). */
  release(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    kept.delete(this);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.file.release(this.path, held.taken);
  }
}

const leases = new Map<string, Lease>();
/** Leases holding the lock between turns, released on exit. */
const kept = new Set<Lease>();
let exitHook = false;

/** Run `fn` under the lock at `path`, one turn at a time in this process, keeping the lock after it when asked. */
export function withLease<T>(path: string, file: LockFile, fn: (turn: LockTurn) => Promise<T>, options: TurnOptions = {}): Promise<T> {
  let lease = leases.get(path);
  if (lease === undefined) {
    lease = new Lease(path, file);
    leases.set(path, lease);
  }
  if (options.keep === true && !exitHook) {
    exitHook = true;
    // A normal exit (process.exit included) leaves no lock file behind; SIGKILL is the stale-lock takeover's.
    process.once('exit', releaseAll);
  }
  const self = lease;
  const run = lease.queue.then(() => self.turn(fn, options.holder ?? null, options.keep === true));
  lease.queue = run.catch(() => undefined);
  return run;
}

/** Give up the kept lock at `path` now, after the turns queued so far. */
export function releaseLease(path: string): Promise<void> {
  const lease = leases.get(path);
  if (lease === undefined) return Promise.resolve();
  const run = lease.queue.then(() => lease.release());
  lease.queue = run.catch(() => undefined);
  return run;
}

function releaseAll(): void {
  for (const lease of [...kept]) lease.release();
}
