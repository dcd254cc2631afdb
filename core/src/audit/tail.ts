/**
 * Reading the ledger's last line under the lock, and the checks an append must pass first:
 * a writer never extends a torn, corrupt, truncated or re-written ledger (fail closed).
 */
import type { KeyObject } from 'node:crypto';
import { readSync } from 'node:fs';
import { RustchainError } from '../errors.ts';
import { parseValidEvent } from './event-line.ts';
import { headSignatureValid, readHead } from './head.ts';
import type { AuditPaths } from './paths.ts';

/** The end of the ledger as the writer needs it. */
export interface TailState {
  /** File size the state was read at; equal size later means nothing else appended. */
  size: number;
  seq: number;
  hash: string;
}

/** The last line of a file of `size` bytes that ends in '\n' (null when the file is empty). */
export function readLastLine(fd: number, size: number): { line: string; torn: boolean } | null {
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

/** Read and check the tail before appending. Returns null for an empty ledger. */
export async function loadTail(fd: number, size: number, paths: AuditPaths, publicKey: KeyObject): Promise<TailState | null> {
  const last = readLastLine(fd, size);
  const head = await readHead(paths.head);
  if (last === null) {
    if (head.kind === 'ok') throw refuse('E_AUDIT_TRUNCATED', 'the ledger is empty but its head names events');
    return null;
  }
  if (last.torn) throw refuse('E_AUDIT_TORN_TAIL', 'the last ledger line is incomplete; run `rustchain audit verify --repair`');
  const event = parseValidEvent(last.line);
  if (event === null) throw refuse('E_AUDIT_CHAIN_BROKEN', 'the last ledger line is not a valid event');
  if (head.kind !== 'ok' || !headSignatureValid(head.head, publicKey)) {
    throw refuse('E_AUDIT_HEAD_SIGNATURE', 'the ledger head is missing or not signed by this key');
  }
  if (head.head.seq > event.seq) throw refuse('E_AUDIT_TRUNCATED', `the ledger ends at seq ${event.seq} but its head names seq ${head.head.seq}`);
  if (head.head.seq === event.seq && head.head.hash !== event.hash) {
    throw refuse('E_AUDIT_HEAD_MISMATCH', `the head names a different hash for seq ${event.seq}`);
  }
  return { size, seq: event.seq, hash: event.hash };
}

function refuse(code: 'E_AUDIT_TRUNCATED' | 'E_AUDIT_TORN_TAIL' | 'E_AUDIT_CHAIN_BROKEN' | 'E_AUDIT_HEAD_SIGNATURE' | 'E_AUDIT_HEAD_MISMATCH', message: string): RustchainError {
  return new RustchainError(code, `refusing to append: ${message}`, { nonRetryable: true });
}
