/**
 * The head log `audit/heads.jsonl`: every signed head, one JSON line each, appended (under the
 * ledger lock) just before head.json is replaced. head.json alone only vouches for the latest
 * state; the log keeps every earlier vouch, so a writer holding the key who rolls the ledger
 * back or re-chains it must also rewrite history it already signed (catalogue 1.3, case 34).
 * The streaming verifier (verify.ts) checks it: seq and ts never decrease, one seq never has
 * two hashes, every logged head matches the ledger event at its seq.
 */
import { closeSync, fstatSync, fsync as fsyncCb, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { keepCopy, tornBytesOf } from './tail.ts';
import type { LedgerHead } from './types.ts';

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
