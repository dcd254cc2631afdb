/**
 * The ledger writer. Appends are serialised in-process through one queue per ledger and
 * across processes by the ledger lock, held for one batch at a time (so concurrent runs
 * interleave their batches) or, for a run sink's batches (`keepLock`), kept while they follow
 * each other closely (lease.ts). Under the lock the tail is re-read (unless the last segment's
 * size shows nobody else wrote), events are hashed, and the batch goes out in one write to
 * the last segment (a new one once it reached `segmentBytes`). While the lock is kept, the
 * existence check of a next segment is skipped (only lock holders start one). Commit order,
 * so that power loss leaves at most the last batch unsigned and never a head ahead of the disk: write,
 * fsync the segment, then log the head (heads.jsonl, fsynced) and replace head.json
 * (tmp + fsync + rename + directory fsync). `fsync: false` keeps the order without the fsyncs.
 */
import type { KeyObject } from 'node:crypto';
import { sign } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsync, ftruncateSync, openSync, promises as fs, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { isRustchainError, RustchainError } from '../errors.ts';
import { absolutePath } from './abs-path.ts';
import { discardStagedHead, publishHead, readHeadSync, signHead, stageHead, type HeadRead } from './head.ts';
import { appendHeadLog } from './head-log.ts';
import { keptHeadPath, writeKeptHead } from './kept-head.ts';
import { loadOrCreateKey, type LedgerKey } from './keys.ts';
import type { LockTurn } from './lease.ts';
import { releaseLedgerLock, withLedgerLock } from './lock.ts';
import { auditPaths, segmentPath, type AuditPaths } from './paths.ts';
import { redactSecrets } from './redact.ts';
import { LineBuffer } from './line-buffer.ts';
import { sealEventInto } from './seal.ts';
import { fsyncDir, listSegmentsSync, segmentBytesOption } from './segments.ts';
import { loadTail, type TailState, type TornRepair } from './tail.ts';
import { GENESIS_HASH, type LedgerEvent, type LedgerHead, type LedgerInput } from './types.ts';

/** Options of `openLedger`. */
export interface LedgerOptions {
  /** fsync the ledger after each batch, then the head log and head. Default true. */
  fsync?: boolean;
  /** Re-sign the head for batches appended without `signHead` at most this often. Default 1000 ms. */
  headIntervalMs?: number;
  /** Start a new segment once the last one holds this many bytes. Default 64 MiB (see segments.ts). */
  segmentBytes?: number;
}

/** An open ledger: append events, sign the head, sign attestations. */
export interface Ledger {
  readonly stateDir: string;
  readonly paths: AuditPaths;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** True when commits are fsynced (the default); false with durability none. */
  readonly durable: boolean;
  /** Append one event and re-sign the head; resolves with the event as written. */
  append(input: LedgerInput, options?: { secrets?: readonly string[] }): Promise<LedgerEvent>;
  /**
   * Append events in one write; the head is re-signed when `signHead` or the interval says so.
   * `keepLock`: keep the ledger lock for the next batch (a run sink; see lease.ts) — give it up
   * with `releaseLock` when done (it also goes when idle for a few ms, or on exit).
   */
  appendBatch(inputs: readonly LedgerInput[], options?: { signHead?: boolean; keepLock?: boolean }): Promise<LedgerEvent[]>;
  /** Give up the ledger lock a `keepLock` batch kept (after the appends queued so far). */
  releaseLock(): Promise<void>;
  /** Sign the head for the current last event (null for an empty ledger). */
  signHead(): Promise<LedgerHead | null>;
  /** Run the pre-append checks now (a run calls this before it starts): throws E_AUDIT_* where an append would. */
  check(): Promise<void>;
  /** Ed25519-sign bytes with the ledger key (used for DSSE attestations). */
  sign(bytes: Uint8Array): Buffer;
}

const fsyncAsync = promisify(fsync);

/** write(2) until every byte is out (a short write is legal for write(2)). */
function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** One writer queue per ledger file, shared by every Ledger of this process. */
const queues = new Map<string, Promise<unknown>>();

/** Run `job` after every earlier job on the same ledger file. */
export function enqueue<T>(ledgerPath: string, job: () => Promise<T>): Promise<T> {
  const key = absolutePath(ledgerPath);
  const run = (queues.get(key) ?? Promise.resolve()).then(job);
  queues.set(key, run.catch(() => undefined));
  return run;
}

/**
 * What one Ledger remembers between its commits. The cached tail is trusted only while the
 * file's inode, size and mtime are exactly what its own last write left; anything else (another
 * writer, a repair, an edit) forces a re-read and the full pre-append checks. A fresh Ledger
 * always re-reads, and signs the head on its first commit.
 */
interface WriterState {
  tail: (TailState & { ino: number; mtimeMs: number; segment: number }) | null;
  /** The last segment as last seen (a re-check finds segments other writers started since). */
  segment: number | null;
  lastHeadAt: number;
  /** The last event this Ledger wrote: an unsigned tail ending there is its own, not foreign. */
  own: { seq: number; hash: string } | null;
  /** A torn record `check()` cut, recorded by the next commit. */
  pendingRepair: TornRepair | null;
}

type Stat = { ino: number; size: number; mtimeMs: number };
const sameFile = (tail: WriterState['tail'], segment: number, st: Stat): boolean =>
  tail !== null && tail.segment === segment && tail.size === st.size && tail.ino === st.ino && tail.mtimeMs === st.mtimeMs;

/** Open (creating on first use) the ledger of a state dir and its signing key. */
export async function openLedger(stateDir: string, options: LedgerOptions = {}): Promise<Ledger> {
  const paths = auditPaths(stateDir);
  try {
    await fs.mkdir(paths.dir, { recursive: true });
  } catch (error) {
    throw writeFailed(error, paths.dir);
  }
  const key = await loadOrCreateKey(stateDir).catch((error: unknown) => { throw writeFailed(error, stateDir); });
  return new FileLedger(stateDir, paths, key, options.fsync ?? true, options.headIntervalMs ?? 1000, segmentBytesOption(options.segmentBytes), keptHeadPath(stateDir));
}

class FileLedger implements Ledger {
  readonly keyId: string;
  readonly publicKey: KeyObject;

  constructor(
    readonly stateDir: string,
    readonly paths: AuditPaths,
    private readonly key: LedgerKey,
    private readonly fsync: boolean,
    private readonly headIntervalMs: number,
    private readonly segmentBytes: number,
    private readonly keptHead: string,
  ) {
    this.keyId = key.keyId;
    this.publicKey = key.publicKey;
  }

  get durable(): boolean {
    return this.fsync;
  }

  private readonly state: WriterState = { tail: null, segment: null, lastHeadAt: 0, own: null, pendingRepair: null };
  /** The bytes of the batch being committed, reused from batch to batch. */
  private readonly lines = new LineBuffer();

  /** The checked tail: the cache when the file is as we left it, else re-read and re-checked. */
  private tailOf(segment: number, fd: number, st: Stat): { tail: TailState | null; repaired: null } | Promise<{ tail: TailState | null; repaired: TornRepair | null }> {
    // The cached case answers synchronously: no await hop on every commit.
    if (sameFile(this.state.tail, segment, st)) return { tail: this.state.tail, repaired: null };
    this.state.tail = null;
    return loadTail(fd, st.size, segment, this.paths, this.key.publicKey, this.fsync, { keptHead: this.keptHead, own: this.state.own });
  }

  /** The last segment (under the lock): the cached one, moved on past segments others started. */
  private lastSegment(): number {
    let n = this.state.segment ?? listSegmentsSync(this.paths).at(-1) ?? 0;
    while (existsSync(this.segmentAfter(n))) n++;
    this.state.segment = n;
    return n;
  }

  /** Path of segment n + 1, remembered: every commit asks whether another writer started it. */
  private segmentAfter(n: number): string {
    if (this.nextSegment?.n !== n) this.nextSegment = { n, path: segmentPath(this.paths, n + 1) };
    return this.nextSegment.path;
  }

  private nextSegment: { n: number; path: string } | null = null;

  /**
   * The last segment opened for append + read, with its stat (metadata and small writes are
   * synchronous on purpose). When the lock was kept since our own last batch (`continued`), no
   * other writer can have started a segment: the existence check of the next one is skipped.
   * The caller closes it at the end of its turn even when the lock is kept: a step running
   * meanwhile must not find the ledger open for writing (a read-only remount or an unmount of
   * the state dir would fail with EBUSY).
   */
  private openLast(turn: LockTurn): { segment: number; fd: number; st: Stat } {
    return this.openSegment(turn.continued && this.state.segment !== null ? this.state.segment : this.lastSegment());
  }

  private openSegment(segment: number): { segment: number; fd: number; st: Stat } {
    const path = segmentPath(this.paths, segment);
    let fd: number;
    try {
      fd = openSync(path, 'a+', 0o644);
    } catch (error) {
      throw writeFailed(error, path);
    }
    try {
      return { segment, fd, st: fstatSync(fd) };
    } catch (error) {
      closeSync(fd);
      throw writeFailed(error, path);
    }
  }

  async append(input: LedgerInput, options: { secrets?: readonly string[] } = {}): Promise<LedgerEvent> {
    const clean = options.secrets?.length ? { ...input, payload: redactSecrets(input.payload, options.secrets) } : input;
    const [event] = await this.appendBatch([clean], { signHead: true });
    return event as LedgerEvent;
  }

  appendBatch(inputs: readonly LedgerInput[], options: { signHead?: boolean; keepLock?: boolean } = {}): Promise<LedgerEvent[]> {
    const turn = { holder: this, keep: options.keepLock === true };
    return enqueue(this.paths.ledger, () => withLedgerLock(this.paths, (lock) => this.commit(lock, inputs, options.signHead ?? false), turn));
  }

  releaseLock(): Promise<void> {
    return enqueue(this.paths.ledger, () => releaseLedgerLock(this.paths));
  }

  signHead(): Promise<LedgerHead | null> {
    return enqueue(this.paths.ledger, () => withLedgerLock(this.paths, async (lock) => {
      const { segment, fd, st } = this.openLast(lock);
      try {
        const { tail, repaired } = await this.tailOf(segment, fd, st);
        if (repaired !== null) this.state.tail = null;
        return tail === null ? null : await this.writeHeadFor(tail);
      } finally {
        closeSync(fd);
      }
    }, { holder: this }));
  }

  check(): Promise<void> {
    return enqueue(this.paths.ledger, () => withLedgerLock(this.paths, async (lock) => {
      const { segment, fd, st } = this.openLast(lock);
      try {
        const { repaired } = await this.tailOf(segment, fd, st);
        if (repaired !== null) {
          // The cut is recorded by the next commit, before its own events.
          this.state.tail = null;
          this.state.pendingRepair = repaired;
        }
      } finally {
        closeSync(fd);
      }
    }, { holder: this }));
  }

  sign(bytes: Uint8Array): Buffer {
    return sign(null, bytes, this.key.privateKey);
  }

  // Synchronous open/stat/write: each is a few µs, where an async round trip through the
  // thread pool costs far more on a busy machine. Only the fsyncs and the head rename, which
  // wait on the disk, are async.
  private async commit(lock: LockTurn, inputs: readonly LedgerInput[], forceHead: boolean): Promise<LedgerEvent[]> {
    if (inputs.length === 0 && !forceHead) return [];
    let { segment, fd, st: before } = this.openLast(lock);
    try {
      const cached = this.tailOf(segment, fd, before);
      const loaded = cached instanceof Promise ? await cached : cached;
      const tail = loaded.tail;
      const repaired = loaded.repaired ?? this.state.pendingRepair;
      this.state.pendingRepair = null;
      if (loaded.repaired !== null) before = fstatSync(fd);
      if (before.size >= this.segmentBytes && inputs.length > 0) {
        // Seal the full segment: the batch starts the next one (the chain runs on across files).
        closeSync(fd);
        ({ segment, fd, st: before } = this.openSegment(segment + 1));
        if (this.fsync) await fsyncDir(this.paths.dir).catch((error: unknown) => { throw writeFailed(error, this.paths.dir); });
        this.state.segment = segment;
      }
      const size = before.size;
      const all = repaired === null ? inputs : [repairInput(repaired), ...inputs];
      const { events, bytes } = this.chain(tail, all);
      try {
        writeAll(fd, bytes);
        if (this.fsync && events.length > 0) await fsyncAsync(fd);
      } catch (error) {
        // Leave no half-written record behind: the chain must verify up to the last good event.
        try { ftruncateSync(fd, size); } catch { /* the write error is what matters */ }
        this.state.tail = null;
        throw writeFailed(error, segmentPath(this.paths, segment));
      }
      const last = events.at(-1);
      const after = last ? fstatSync(fd) : before;
      const newTail = last ? { seq: last.seq, hash: last.hash } : tail;
      if (last) this.state.own = { seq: last.seq, hash: last.hash };
      this.state.tail = newTail === null ? null : { ...newTail, size: after.size, ino: after.ino, mtimeMs: after.mtimeMs, segment };
      const dueHead = forceHead || tail === null || repaired !== null || Date.now() - this.state.lastHeadAt >= this.headIntervalMs;
      if (newTail && dueHead) await this.writeHeadFor(newTail);
      return repaired === null ? events : events.slice(1);
    } finally {
      try { closeSync(fd); } catch { /* nothing left to do */ }
    }
  }

  /** The batch's events, hashed and chained on `tail`, and their lines' bytes (seal.ts; a view valid until the next batch). */
  private chain(tail: TailState | null, inputs: readonly LedgerInput[]): { events: LedgerEvent[]; bytes: Buffer } {
    let prev = tail?.hash ?? GENESIS_HASH;
    let seq = tail === null ? 0 : tail.seq + 1;
    const ts = new Date().toISOString();
    const events: LedgerEvent[] = [];
    const out = this.lines;
    out.reset();
    for (const input of inputs) {
      // One object per event, keys in the line's order; `hash` (last) is filled in by sealEventInto.
      const event = { payload: input.payload, prev, runId: input.runId, seq: seq++, ts, type: input.type } as LedgerEvent;
      sealEventInto(event, out);
      prev = event.hash;
      events.push(event);
    }
    return { events, bytes: out.bytes() };
  }

  // Log first, then replace head.json: head.json is always a head the log holds.
  private async writeHeadFor(tail: Pick<TailState, 'seq' | 'hash'>): Promise<LedgerHead> {
    const head = await signNextHead(this.paths, this.key, tail);
    try {
      // The log append and the staged head.json are fsynced in parallel; the rename comes only
      // after both, so head.json is always a head the log holds.
      const [logged, staged] = await Promise.allSettled([
        appendHeadLog(this.paths.heads, head, this.fsync),
        stageHead(this.paths.head, head, this.fsync),
      ]);
      if (logged.status === 'rejected' || staged.status === 'rejected') {
        if (staged.status === 'fulfilled') discardStagedHead(staged.value);
        throw logged.status === 'rejected' ? logged.reason : (staged as PromiseRejectedResult).reason;
      }
      await publishHead(staged.value, this.paths.head, this.fsync);
      // Last: the copy outside the state dir that a roll-back of the state dir cannot reach.
      await writeKeptHead(this.keptHead, head, this.fsync);
    } catch (error) {
      throw writeFailed(error, this.paths.head);
    }
    this.state.lastHeadAt = Date.now();
    return head;
  }
}

/** The event that records a torn record cut off when the ledger was opened for append. */
function repairInput(repaired: TornRepair): LedgerInput {
  return { runId: null, type: 'audit.repaired', payload: { reason: 'torn-tail', automatic: true, ...repaired } };
}

/** Sign the head for `tail`, linked to the head.json it replaces (caller holds the lock). */
async function signNextHead(paths: AuditPaths, key: LedgerKey, tail: Pick<TailState, 'seq' | 'hash'>): Promise<LedgerHead> {
  let current: HeadRead;
  try {
    current = readHeadSync(paths.head);
  } catch {
    current = { kind: 'invalid' };
  }
  return signHead(key, tail.seq, tail.hash, current.kind === 'ok' ? current.head : null);
}

/** Wrap an I/O failure as E_AUDIT_WRITE_FAILED (coded errors pass through). */
export function writeFailed(error: unknown, path: string): RustchainError {
  if (isRustchainError(error)) return error;
  const errno = (error as NodeJS.ErrnoException).code ?? null;
  return new RustchainError('E_AUDIT_WRITE_FAILED', `audit write failed (${errno ?? 'error'}): ${path}`, {
    details: { path, errno },
    cause: error,
    nonRetryable: true,
  });
}

/** Append one event to the ledger of `stateDir` (opens the ledger, appends, signs the head). */
export async function logAuditEvent(
  stateDir: string,
  input: LedgerInput,
  options: LedgerOptions & { secrets?: readonly string[] } = {},
): Promise<LedgerEvent> {
  const ledger = await openLedger(stateDir, options);
  return ledger.append(input, options.secrets ? { secrets: options.secrets } : {});
}
