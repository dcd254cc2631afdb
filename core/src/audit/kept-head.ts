/**
 * The kept head `<keyDir>/latest-head.json`: a copy of the latest signed head, kept beside the
 * key, outside the state dir. head.json and heads.jsonl live in the state dir, so whoever can
 * write there can truncate the ledger and both back to an earlier signed head, and the result
 * verifies (every head in it is genuine). The kept head remembers how far the ledger got:
 * `verify` reports a ledger behind it (or contradicting it at its seq) as E_AUDIT_ROLLBACK,
 * and a missing ledger as E_AUDIT_MISSING; a writer refuses to append to such a ledger.
 * Outside witnesses (`audit anchor`, anchor.ts) extend the same check to a second place.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readHead, readHeadSync, type HeadRead } from './head.ts';
import { keyPaths } from './keys.ts';
import { fsyncDir } from './segments.ts';
import type { LedgerHead } from './types.ts';

/** Path of the kept head of `stateDir` (in its key directory). */
export function keptHeadPath(stateDir: string): string {
  return join(keyPaths(stateDir).dir, 'latest-head.json');
}

/** Replace the kept head atomically (temp file, rename; fsynced when `fsync`). */
export async function writeKeptHead(path: string, head: LedgerHead, fsync: boolean): Promise<void> {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    writeSync(fd, `${JSON.stringify(head)}\n`);
    if (fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  if (fsync) await fsyncDir(join(path, '..'));
}

/** Read the kept head of `stateDir` (missing when none was ever written). */
export function readKeptHead(stateDir: string): Promise<HeadRead> {
  return readHead(keptHeadPath(stateDir));
}

/** `readKeptHead` for the writer's path under the lock. */
export function readKeptHeadSync(path: string): HeadRead {
  try {
    return readHeadSync(path);
  } catch {
    return { kind: 'invalid' };
  }
}
