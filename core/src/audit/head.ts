/** The signed head `audit/head.json`: {seq, hash, ts, keyId, signature}. */
import { sign, verify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { canonicalJson } from './hash.ts';
import { keyIdOf, type LedgerKey } from './keys.ts';
import type { LedgerHead } from './types.ts';

/** The bytes a head signature covers. */
function signedBytes(head: Omit<LedgerHead, 'signature'>): Buffer {
  const { seq, hash, ts, keyId } = head;
  return Buffer.from(canonicalJson({ seq, hash, ts, keyId }), 'utf8');
}

/** Sign a head for the event (seq, hash). */
export function signHead(key: LedgerKey, seq: number, hash: string): LedgerHead {
  const unsigned = { seq, hash, ts: new Date().toISOString(), keyId: key.keyId };
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
    typeof h.keyId === 'string' && typeof h.signature === 'string'
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
  try {
    const parsed: unknown = JSON.parse(text);
    return isLedgerHead(parsed) ? { kind: 'ok', head: parsed } : { kind: 'invalid' };
  } catch {
    return { kind: 'invalid' };
  }
}

/** Replace head.json atomically (temp file + rename); fsync the temp file when asked. */
export async function writeHead(path: string, head: LedgerHead, fsync: boolean): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(head)}\n`);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, path);
}
