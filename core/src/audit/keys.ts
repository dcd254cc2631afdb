/**
 * The ledger's Ed25519 signing key, generated on first use in the state dir's key directory
 * (outside the project by default, see key-dir.ts): `ledger.key` (PKCS#8 PEM, mode 0600)
 * and `ledger.pub` (SPKI PEM) beside it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from './hash.ts';
import { activeKeyDir } from './key-dir.ts';

/** A loaded signing key. */
export interface LedgerKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** Paths of the key files of a state dir (in its key directory, see key-dir.ts). */
export function keyPaths(stateDir: string): { dir: string; privatePath: string; publicPath: string } {
  const dir = activeKeyDir(stateDir);
  return { dir, privatePath: join(dir, 'ledger.key'), publicPath: join(dir, 'ledger.pub') };
}

/** Key id: first 16 hex of SHA-256 over the SPKI DER, so it names the key, not the file. */
export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

/** Parse a public key given as a KeyObject or PEM text. */
export function toPublicKey(key: KeyObject | string): KeyObject {
  return typeof key === 'string' ? createPublicKey(key) : key;
}

/** Load the ledger key, creating it atomically on first use (two processes agree on one key). */
export async function loadOrCreateKey(stateDir: string): Promise<LedgerKey> {
  const { dir, privatePath, publicPath } = keyPaths(stateDir);
  return loadOrCreateKeyPair(dir, privatePath, publicPath);
}

/** Load an Ed25519 pair (`<name>.key` + `.pub`) in `dir`, creating it atomically on first use: the compile key shares the ledger key's custody. */
export async function loadOrCreateKeyPair(dir: string, privatePath: string, publicPath: string): Promise<LedgerKey> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  let pem: string;
  try {
    pem = await fs.readFile(privatePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    pem = await createKeyFile(privatePath);
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const existing = await fs.readFile(publicPath, 'utf8').catch(() => null);
  if (existing !== publicPem) await fs.writeFile(publicPath, publicPem, { mode: 0o644 });
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

// Write to a private temp file, then link(2) into place: link fails with EEXIST when another
// process won the race, and the winner's file is complete before anyone can see it.
async function createKeyFile(privatePath: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const tmp = `${privatePath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(tmp, privatePath);
    return pem;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFile(privatePath, 'utf8');
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/**
 * The public key verification trusts: derived from the private key when it is readable (a
 * swapped `ledger.pub` then cannot vouch for a forged head), else `ledger.pub`; null if none.
 */
export async function readTrustedPublicKey(stateDir: string): Promise<KeyObject | null> {
  const { privatePath, publicPath } = keyPaths(stateDir);
  const privatePem = await fs.readFile(privatePath, 'utf8').catch(() => null);
  if (privatePem !== null) return createPublicKey(createPrivateKey(privatePem));
  const pem = await fs.readFile(publicPath, 'utf8').catch(() => null);
  return pem === null ? null : createPublicKey(pem);
}
