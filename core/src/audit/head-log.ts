/**
 * The head log `audit/heads.jsonl`: every signed head, one JSON line each, appended (under the
 * ledger lock) just before head.json is replaced. head.json alone only vouches for the latest
 * state; the log keeps every earlier vouch, so a writer holding the key who rolls the ledger
 * back or re-chains it must also rewrite history it already signed (catalogue 1.3, case 34).
 * Checks: seq and ts never decrease (E_AUDIT_HEAD_NOT_MONOTONIC), one seq never has two hashes
 * (E_AUDIT_FORK), and every logged head matches the ledger event at its seq
 * (E_AUDIT_HEAD_MISMATCH, or E_AUDIT_TRUNCATED when the ledger no longer reaches it).
 * `prevHead` links are recorded for outside witnesses but not checked here: a crash between
 * the log append and the head.json write legitimately skips a link.
 */
import type { KeyObject } from 'node:crypto';
import { closeSync, fstatSync, fsync as fsyncCb, ftruncateSync, openSync, promises as fs, readSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import type { ErrorCode } from '../errors.ts';
import { headSignatureValid, isLedgerHead } from './head.ts';
import { keepCopy, tornBytesOf } from './tail.ts';
import type { LedgerEvent, LedgerHead, VerifyProblem } from './types.ts';

const fsyncAsync = promisify(fsyncCb);

/**
 * Append one head as a line (O_APPEND: one write(2), never interleaved; the caller holds the
 * ledger lock). A failed write (disk full) is cut back so the log never keeps half a line; a
 * half line a crash left is cut (with a copy kept) before the next head goes after it.
 */
export async function appendHeadLog(path: string, head: LedgerHead, fsync: boolean): Promise<void> {
  const fd = openSync(path, 'a+', 0o644);
  try {
    const size = fstatSync(fd).size;
    const torn = tornBytesOf(fd, size);
    if (torn > 0) {
      const bytes = Buffer.alloc(torn);
      readSync(fd, bytes, 0, torn, size - torn);
      keepCopy({ dir: dirname(path) }, `${basename(path)}.torn-at-${size - torn}`, bytes);
      ftruncateSync(fd, size - torn);
    }
    try {
      writeSync(fd, `${JSON.stringify(head)}\n`);
      if (fsync) await fsyncAsync(fd);
    } catch (error) {
      try { ftruncateSync(fd, size - torn); } catch { /* the write error is what matters */ }
      throw error;
    }
  } finally {
    closeSync(fd);
  }
}

/** One logged line: a head, or something that is not one (1-based line number). */
export type LoggedHead = { line: number; head: LedgerHead | null };

/** The complete lines of the head log ([] when it does not exist); a torn last line is dropped. */
export async function readHeadLog(path: string): Promise<LoggedHead[]> {
  const text = await fs.readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  const cut = text.lastIndexOf('\n');
  if (cut < 0) return [];
  return text.slice(0, cut).split('\n').map((raw, i) => {
    try {
      const parsed: unknown = JSON.parse(raw);
      return { line: i + 1, head: isLedgerHead(parsed) ? parsed : null };
    } catch {
      return { line: i + 1, head: null };
    }
  });
}

/** A problem the head log shows (null: consistent). */
export interface HeadLogProblem {
  problem: VerifyProblem;
  code: ErrorCode;
  seq: number;
  message: string;
}

/** Check the logged heads against each other and against the (chain-checked) events. */
export function checkHeadLog(logged: readonly LoggedHead[], events: readonly LedgerEvent[], publicKey: KeyObject): HeadLogProblem | null {
  const bySeq = new Map<number, string>();
  let before: LedgerHead | null = null;
  for (const { line, head } of logged) {
    if (head === null || !headSignatureValid(head, publicKey)) {
      return { problem: 'bad-signature', code: 'E_AUDIT_HEAD_SIGNATURE', seq: head?.seq ?? 0, message: `heads.jsonl line ${line} is not a head signed by the trusted key` };
    }
    const known = bySeq.get(head.seq);
    if (known !== undefined && known !== head.hash) {
      return { problem: 'fork', code: 'E_AUDIT_FORK', seq: head.seq, message: `heads.jsonl line ${line}: two signed heads name different hashes for seq ${head.seq}` };
    }
    if (before !== null && (head.seq < before.seq || head.ts < before.ts)) {
      const what = head.seq < before.seq ? `seq ${head.seq} after seq ${before.seq}` : `ts ${head.ts} after ts ${before.ts}`;
      return { problem: 'not-monotonic', code: 'E_AUDIT_HEAD_NOT_MONOTONIC', seq: head.seq, message: `heads.jsonl line ${line}: ${what}` };
    }
    bySeq.set(head.seq, head.hash);
    before = head;
  }
  // Report the lowest seq the ledger contradicts: that is where the rewrite starts at the latest.
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  for (const seq of seqs) {
    if (seq >= events.length) {
      return { problem: 'truncated', code: 'E_AUDIT_TRUNCATED', seq: events.length, message: `a logged signed head names seq ${seq} but the ledger ends before seq ${events.length}` };
    }
    if (events[seq]?.hash !== bySeq.get(seq)) {
      return { problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH', seq, message: `seq ${seq} has a different hash than a logged signed head (the ledger was rewritten)` };
    }
  }
  return null;
}

/** True when `head` (head.json) appears in the log (same signature), which it must once logged. */
export function headIsLogged(logged: readonly LoggedHead[], head: LedgerHead): boolean {
  return logged.some((l) => l.head !== null && l.head.signature === head.signature);
}
