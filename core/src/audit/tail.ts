/**
 * Reading the ledger's last record under the lock, and the checks an append must pass first:
 * a writer never extends a corrupt, truncated or re-written ledger (fail closed). The one
 * damage it mends by itself is a torn last record past the signed head — what a crash in the
 * middle of a write leaves (etcd's WAL does the same): the cut bytes are copied to
 * `audit/repaired-<ts>/` first, and the writer records an `audit.repaired` event.
 */
import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RustchainError } from '../errors.ts';
import { parseValidEvent } from './event-line.ts';
import { headSignatureValid, readHeadSync } from './head.ts';
import { readKeptHeadSync } from './kept-head.ts';
import { segmentName, segmentPath, type AuditPaths } from './paths.ts';

/** The end of the ledger as the writer needs it. */
export interface TailState {
  /** Size of the last segment the state was read at; equal size later means nobody appended. */
  size: number;
  seq: number;
  hash: string;
}

/** What else the tail is checked against: the kept head (path) and the last event this writer wrote itself. */
export interface TailGuard {
  keptHead: string | null;
  own: { seq: number; hash: string } | null;
}

/** A torn record the writer cut off (and kept a copy of) before appending. */
export interface TornRepair {
  segment: string;
  removedBytes: number;
  /** Where the cut bytes were copied. */
  copy: string;
}

/** Bytes after the last '\n' of the first `size` bytes of `fd` (a torn record), 0 when none. */
export function tornBytesOf(fd: number, size: number): number {
  if (size === 0) return 0;
  // The common case, a file that ends in '\n', costs a one-byte read.
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return 0;
  const chunk = Buffer.alloc(Math.min(65536, size));
  let end = size;
  while (end > 0) {
    const length = Math.min(chunk.length, end);
    readSync(fd, chunk, 0, length, end - length);
    const at = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (at >= 0) return size - (end - length + at + 1);
    end -= length;
  }
  return size;
}

/** The last line of a file of `size` bytes that ends in '\n' (null when the file is empty). */
function readLastLine(fd: number, size: number): { line: string; torn: boolean } | null {
  if (size === 0) return null;
  let chunk = 4096;
  for (;;) {
    const length = Math.min(chunk, size);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const torn = !text.endsWith('\n');
    const body = torn ? text : text.slice(0, -1);
    const cut = body.lastIndexOf('\n');
    if (cut >= 0 || length === size) return { line: body.slice(cut + 1), torn };
    chunk *= 4;
  }
}

/** The last complete line of sealed segments before `segment` (null when all are empty). */
function lastLineBefore(paths: AuditPaths, segment: number): string | null {
  for (let n = segment - 1; n >= 0; n--) {
    let fd: number;
    try {
      fd = openSync(segmentPath(paths, n), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw refuse('E_AUDIT_CHAIN_BROKEN', `ledger segment ${segmentName(n)} is missing`);
      throw error;
    }
    try {
      const size = fstatSync(fd).size;
      const last = readLastLine(fd, size);
      if (last === null) continue;
      if (last.torn) throw refuse('E_AUDIT_TORN_TAIL', `sealed segment ${segmentName(n)} ends in an incomplete record; run \`rustchain audit verify --repair\``);
      return last.line;
    } finally {
      closeSync(fd);
    }
  }
  return null;
}


/** Copy the torn bytes of a segment to a fresh `audit/repaired-<ts>-<rand>/` dir (fsynced) and return the copy's path. */
export function keepCopy(paths: Pick<AuditPaths, 'dir'>, name: string, bytes: Buffer): string {
  const dir = join(paths.dir, `repaired-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, name);
  writeFileSync(copy, bytes);
  const fd = openSync(copy, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return copy;
}

/**
 * Read and check the tail of the last segment (`fd`, `size` bytes) before appending; cuts a
 * torn last record that no signed head covers (copy kept). Returns a null tail for an empty ledger.
 */
export async function loadTail(
  fd: number, size: number, segment: number, paths: AuditPaths, publicKey: KeyObject, durable: boolean,
  guard: TailGuard = { keptHead: null, own: null },
): Promise<{ tail: TailState | null; repaired: TornRepair | null }> {
  const torn = tornBytesOf(fd, size);
  const complete = size - torn;
  const lastHere = readLastLine(fd, complete);
  const line = lastHere !== null ? lastHere.line : lastLineBefore(paths, segment);
  const head = readHeadSync(paths.head);
  let seq = -1;
  let hash = '';
  const kept = guard.keptHead === null ? null : readKeptHeadSync(guard.keptHead);
  // A kept head this key did not sign (another key, garbage) guards nothing here; verify reports it.
  const keptHead = kept !== null && kept.kind === 'ok' && headSignatureValid(kept.head, publicKey) ? kept.head : null;
  const keptHint = `; if that is intended, remove ${guard.keptHead ?? 'latest-head.json'} to start a new ledger`;
  if (line === null) {
    if (head.kind === 'ok') throw refuse('E_AUDIT_TRUNCATED', 'the ledger is empty but its head names events; run `rustchain audit verify --repair`');
    if (keptHead !== null) throw refuse('E_AUDIT_MISSING', `the ledger is empty but the kept signed head names seq ${keptHead.seq}${keptHint}`);
  } else {
    const event = parseValidEvent(line);
    if (event === null) throw refuse('E_AUDIT_CHAIN_BROKEN', 'the last ledger line is not a valid event');
    if (head.kind !== 'ok' || !headSignatureValid(head.head, publicKey)) {
      throw refuse('E_AUDIT_HEAD_SIGNATURE', 'the ledger head is missing or not signed by this key');
    }
    if (head.head.seq > event.seq) throw refuse('E_AUDIT_TRUNCATED', `the ledger ends at seq ${event.seq} but its head names seq ${head.head.seq}; run \`rustchain audit verify --repair\``);
    if (head.head.seq === event.seq && head.head.hash !== event.hash) {
      throw refuse('E_AUDIT_HEAD_MISMATCH', `the head names a different hash for seq ${event.seq}`);
    }
    if (keptHead !== null && (keptHead.seq > event.seq || (keptHead.seq === event.seq && keptHead.hash !== event.hash))) {
      throw refuse('E_AUDIT_ROLLBACK', `the ledger ends at seq ${event.seq} but the kept signed head names seq ${keptHead.seq}${keptHead.seq === event.seq ? ' with another hash' : ''} (rolled back?)${keptHint}`);
    }
    // Events past every head this key signed, and not this writer's own: a crash of an earlier
    // writer or events appended without the key. Never signed over silently.
    const vouched = (keptHead !== null && keptHead.seq === event.seq) || (guard.own !== null && guard.own.seq === event.seq && guard.own.hash === event.hash);
    if (head.head.seq < event.seq && !vouched) {
      throw refuse('E_AUDIT_UNSIGNED_TAIL', `events ${head.head.seq + 1}..${event.seq} are not covered by a signed head (a crash before signing, or appended without the key); inspect them, then run \`rustchain audit verify --repair\` to adopt them (recorded)`,
        { from: head.head.seq + 1, through: event.seq });
    }
    seq = event.seq;
    hash = event.hash;
  }
  let repaired: TornRepair | null = null;
  if (torn > 0) {
    // Past every signed head (checked above): a crash mid-write, never vouched for.
    const bytes = Buffer.alloc(torn);
    readSync(fd, bytes, 0, torn, complete);
    const name = segmentName(segment);
    const copy = keepCopy(paths, `${name}.torn-at-${complete}`, bytes);
    ftruncateSync(fd, complete);
    if (durable) fsyncSync(fd);
    repaired = { segment: name, removedBytes: torn, copy };
  }
  return { tail: line === null ? null : { size: complete, seq, hash }, repaired };
}

type RefusalCode = 'E_AUDIT_TRUNCATED' | 'E_AUDIT_TORN_TAIL' | 'E_AUDIT_CHAIN_BROKEN' | 'E_AUDIT_HEAD_SIGNATURE' | 'E_AUDIT_HEAD_MISMATCH' |
  'E_AUDIT_ROLLBACK' | 'E_AUDIT_MISSING' | 'E_AUDIT_UNSIGNED_TAIL';

function refuse(code: RefusalCode, message: string, details?: Record<string, unknown>): RustchainError {
  return new RustchainError(code, `refusing to append: ${message}`, { nonRetryable: true, ...(details === undefined ? {} : { details }) });
}
