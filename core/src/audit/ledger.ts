/**
 * The ledger writer. Appends are serialised in-process through one queue per ledger file
 * and across processes by the ledger lock; under the lock the tail is re-read (unless the
 * file size shows nobody else wrote), events are hashed, and the batch goes out in one write
 * (and one fsync when asked). The head is re-signed at the end of every explicit flush, on the
 * first event and at most every `headIntervalMs` otherwise.
 */
import type { KeyObject } from 'node:crypto';
import { sign } from 'node:crypto';
import { closeSync, fstatSync, fsync, ftruncateSync, openSync, promises as fs, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { isRustchainError, RustchainError } from '../errors.ts';
import { computeEventHash } from './hash.ts';
import { readHead, signHead, writeHead } from './head.ts';
import { appendHeadLog } from './head-log.ts';
import { loadOrCreateKey, type LedgerKey } from './keys.ts';
import { withLedgerLock } from './lock.ts';
import { auditPaths, type AuditPaths } from './paths.ts';
import { redactSecrets } from './redact.ts';
import { loadTail, type TailState } from './tail.ts';
import { GENESIS_HASH, type LedgerEvent, type LedgerHead, type LedgerInput } from './types.ts';

/** Options of `openLedger`. */
export interface LedgerOptions {
  /** fsync the ledger after each batch (and the head when it is written). Default false. */
  fsync?: boolean;
  /** Re-sign the head during a long run at most this often. Default 1000 ms. */
  headIntervalMs?: number;
}

/** An open ledger: append events, sign the head, sign attestations. */
export interface Ledger {
  readonly stateDir: string;
  readonly paths: AuditPaths;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Append one event and re-sign the head; resolves with the event as written. */
  append(input: LedgerInput, options?: { secrets?: readonly string[] }): Promise<LedgerEvent>;
  /** Append events in one write; the head is re-signed when `signHead` or the interval says so. */
  appendBatch(inputs: readonly LedgerInput[], options?: { signHead?: boolean }): Promise<LedgerEvent[]>;
  /** Sign the head for the current last event (null for an empty ledger). */
  signHead(): Promise<LedgerHead | null>;
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
  const key = resolve(ledgerPath);
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
  tail: (TailState & { ino: number; mtimeMs: number }) | null;
  lastHeadAt: number;
}

type Stat = { ino: number; size: number; mtimeMs: number };
const sameFile = (tail: WriterState['tail'], st: Stat): boolean =>
  tail !== null && tail.size === st.size && tail.ino === st.ino && tail.mtimeMs === st.mtimeMs;

/** Open (creating on first use) the ledger of a state dir and its signing key. */
export async function openLedger(stateDir: string, options: LedgerOptions = {}): Promise<Ledger> {
  const paths = auditPaths(stateDir);
  try {
    await fs.mkdir(paths.dir, { recursive: true });
  } catch (error) {
    throw writeFailed(error, paths.dir);
  }
  const key = await loadOrCreateKey(stateDir).catch((error: unknown) => { throw writeFailed(error, stateDir); });
  return new FileLedger(stateDir, paths, key, options.fsync ?? false, options.headIntervalMs ?? 1000);
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
  ) {
    this.keyId = key.keyId;
    this.publicKey = key.publicKey;
  }

  private readonly state: WriterState = { tail: null, lastHeadAt: 0 };

  /** The checked tail: the cache when the file is as we left it, else re-read and re-checked. */
  private async tailOf(fd: number, st: Stat): Promise<TailState | null> {
    if (sameFile(this.state.tail, st)) return this.state.tail;
    this.state.tail = null;
    return loadTail(fd, st.size, this.paths, this.key.publicKey);
  }

  /** Open the ledger for append + read; metadata and small writes are synchronous on purpose. */
  private openFd(): number {
    try {
      return openSync(this.paths.ledger, 'a+', 0o644);
    } catch (error) {
      throw writeFailed(error, this.paths.ledger);
    }
  }

  async append(input: LedgerInput, options: { secrets?: readonly string[] } = {}): Promise<LedgerEvent> {
    const clean = options.secrets?.length ? { ...input, payload: redactSecrets(input.payload, options.secrets) } : input;
    const [event] = await this.appendBatch([clean], { signHead: true });
    return event as LedgerEvent;
  }

  appendBatch(inputs: readonly LedgerInput[], options: { signHead?: boolean } = {}): Promise<LedgerEvent[]> {
    return enqueue(this.paths.ledger, () => withLedgerLock(this.paths, () => this.commit(inputs, options.signHead ?? false)));
  }

  signHead(): Promise<LedgerHead | null> {
    return enqueue(this.paths.ledger, () => withLedgerLock(this.paths, async () => {
      const fd = this.openFd();
      try {
        const tail = await this.tailOf(fd, fstatSync(fd));
        return tail === null ? null : await this.writeHeadFor(tail);
      } finally {
        closeSync(fd);
      }
    }));
  }

  sign(bytes: Uint8Array): Buffer {
    return sign(null, bytes, this.key.privateKey);
  }

  // Synchronous open/stat/write: each is a few µs, where an async round trip through the
  // thread pool costs far more on a busy machine. Only fsync and the head rename, which wait
  // on the disk, are async.
  private async commit(inputs: readonly LedgerInput[], forceHead: boolean): Promise<LedgerEvent[]> {
    if (inputs.length === 0 && !forceHead) return [];
    const fd = this.openFd();
    try {
      const before = fstatSync(fd);
      const size = before.size;
      const tail = await this.tailOf(fd, before);
      const events = this.chain(tail, inputs);
      const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
      try {
        writeAll(fd, Buffer.from(text, 'utf8'));
        if (this.fsync && events.length > 0) await fsyncAsync(fd);
      } catch (error) {
        // Leave no half-written record behind: the chain must verify up to the last good event.
        try { ftruncateSync(fd, size); } catch { /* the write error is what matters */ }
        this.state.tail = null;
        throw writeFailed(error, this.paths.ledger);
      }
      const last = events.at(-1);
      const after = last ? fstatSync(fd) : before;
      const newTail = last ? { seq: last.seq, hash: last.hash } : tail;
      this.state.tail = newTail === null ? null : { ...newTail, size: after.size, ino: after.ino, mtimeMs: after.mtimeMs };
      const dueHead = forceHead || tail === null || Date.now() - this.state.lastHeadAt >= this.headIntervalMs;
      if (newTail && dueHead) await this.writeHeadFor(newTail);
      return events;
    } finally {
      try { closeSync(fd); } catch { /* nothing left to do */ }
    }
  }

  private chain(tail: TailState | null, inputs: readonly LedgerInput[]): LedgerEvent[] {
    let prev = tail?.hash ?? GENESIS_HASH;
    let seq = tail === null ? 0 : tail.seq + 1;
    const ts = new Date().toISOString();
    return inputs.map((input) => {
      const base = { seq: seq++, ts, runId: input.runId, type: input.type, payload: input.payload, prev };
      const event: LedgerEvent = { ...base, hash: computeEventHash(base) };
      prev = event.hash;
      return event;
    });
  }

  // Log first, then replace head.json: head.json is always a head the log holds.
  private async writeHeadFor(tail: Pick<TailState, 'seq' | 'hash'>): Promise<LedgerHead> {
    const head = await signNextHead(this.paths, this.key, tail);
    try {
      await appendHeadLog(this.paths.heads, head, this.fsync);
      await writeHead(this.paths.head, head, this.fsync);
    } catch (error) {
      throw writeFailed(error, this.paths.head);
    }
    this.state.lastHeadAt = Date.now();
    return head;
  }
}

/** Sign the head for `tail`, linked to the head.json it replaces (caller holds the lock). */
export async function signNextHead(paths: AuditPaths, key: LedgerKey, tail: Pick<TailState, 'seq' | 'hash'>): Promise<LedgerHead> {
  const current = await readHead(paths.head).catch(() => ({ kind: 'invalid' as const }));
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
