/** The signed head `audit/head.json`: {seq, hash, ts, keyId, prevHead, signature}. */
import { sign, verify, type KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsync as fsyncCb, openSync, promises as fs, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, digestJson } from './hash.ts';
import { keyIdOf, type LedgerKey } from './keys.ts';
import { fsyncDir } from './segments.ts';
import { GENESIS_HASH, type LedgerHead } from './types.ts';

const fsyncAsync = promisify(fsyncCb);

/** The bytes a head signature covers. */
function signedBytes(head: Omit<LedgerHead, 'signature'>): Buffer {
  const { seq, hash, ts, keyId, prevHead } = head;
  return Buffer.from(canonicalJson(prevHead === undefined ? { seq, hash, ts, keyId } : { seq, hash, ts, keyId, prevHead }), 'utf8');
}

/** The digest a successor head stores as `prevHead`: sha256 of the head's canonical JSON. */
function headDigest(head: LedgerHead): string {
  return digestJson(head);
}

/**
 * Sign a head for the event (seq, hash), linked to `previous`, the head it replaces (null for
 * the first head: prevHead = GENESIS_HASH). Its ts never goes below the previous ts: a clock
 * stepped backwards must not make the head log look rolled back.
 */
export function signHead(key: LedgerKey, seq: number, hash: string, previous: LedgerHead | null): LedgerHead {
  const now = new Date().toISOString();
  const ts = previous !== null && previous.ts > now ? previous.ts : now;
  const prevHead = previous === null ? GENESIS_HASH : headDigest(previous);
  const unsigned = { seq, hash, ts, keyId: key.keyId, prevHead };
  const signature = sign(null, signedBytes(unsigned), key.privateKey).toString('base64');
  return { ...unsigned, signature };
}

/** True when the head is signed by exactly `publicKey`. */
export function headSignatureValid(head: LedgerHead, publicKey: KeyObject): boolean {
  if (head.keyId !== keyIdOf(publicKey)) return false;
  try {
    return verify(null, signedBytes(head), publicKey, Buffer.from(head.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Shape check for a parsed head.json (anything else counts as a bad signature). */
export function isLedgerHead(value: unknown): value is LedgerHead {
  const h = value as Partial<LedgerHead> | null;
  return (
    typeof h === 'object' && h !== null &&
    Number.isSafeInteger(h.seq) && (h.seq ?? -1) >= 0 &&
    typeof h.hash === 'string' && typeof h.ts === 'string' &&
    typeof h.keyId === 'string' && typeof h.signature === 'string' &&
    (h.prevHead === undefined || typeof h.prevHead === 'string')
  );
}

/** What reading head.json found: missing, unparsable/ill-shaped, or a head. */
export type HeadRead = { kind: 'missing' } | { kind: 'invalid' } | { kind: 'ok'; head: LedgerHead };

/** Read head.json without trusting it. */
export async function readHead(path: string): Promise<HeadRead> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  return parseHead(text);
}

/** `readHead` for the writer's hot path under the lock (a few µs, no thread-pool round trip). */
export function readHeadSync(path: string): HeadRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  return parseHead(text);
}

function parseHead(text: string): HeadRead {
  try {
    const parsed: unknown = JSON.parse(text);
    return isLedgerHead(parsed) ? { kind: 'ok', head: parsed } : { kind: 'invalid' };
  } catch {
    return { kind: 'invalid' };
  }
}

/**
 * Replace head.json durably: write a temp file, fsync it, rename it over head.json, fsync the
 * directory. A killed writer leaves the old head or the new one; with `fsync`, power loss
 * after this returns cannot bring the old one back (the caller fsynced the ledger first, so a
 * head never names events the disk does not hold).
 */
export async function writeHead(path: string, head: LedgerHead, fsync: boolean): Promise<void> {
  await publishHead(await stageHead(path, head, fsync), path, fsync);
}

/** The first half of writeHead: the new head in a temp file beside head.json (fsynced); returns its path. */
export async function stageHead(path: string, head: LedgerHead, fsync: boolean): Promise<string> {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    writeSync(fd, `${JSON.stringify(head)}\n`);
    if (fsync) await fsyncAsync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  return tmp;
}

/** The second half: rename the staged head over head.json, then fsync the directory. */
export async function publishHead(tmp: string, path: string, fsync: boolean): Promise<void> {
  try {
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  if (fsync) await fsyncDir(dirname(path));
}

/** Remove a staged head that will not be published. */
export function discardStagedHead(tmp: string): void {
  rmSync(tmp, { force: true });
}
