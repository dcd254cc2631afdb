/** Shared helpers of the audit tests: temp state dirs and raw ledger line access. */
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditPaths, canonicalJson, keyPaths } from '@rustchain/core';
import type { LedgerEvent, LedgerHead } from '@rustchain/core';

/** Runs `body` with a fresh state dir under the OS temp dir, removed afterwards whatever happens. */
export async function withStateDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rustchain-audit-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The complete lines of the ledger (without the trailing newline). */
export async function readLines(stateDir: string): Promise<string[]> {
  const text = await readFile(auditPaths(stateDir).ledger, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Rewrite the ledger with these lines (each newline-terminated). */
export async function writeLines(stateDir: string, lines: readonly string[]): Promise<void> {
  await writeFile(auditPaths(stateDir).ledger, lines.map((l) => `${l}\n`).join(''));
}

/** Parse every line as an event (no checks). */
export async function readEvents(stateDir: string): Promise<LedgerEvent[]> {
  return (await readLines(stateDir)).map((l) => JSON.parse(l) as LedgerEvent);
}

/**
 * Sign a head with the state dir's own key, as an insider holding the key would (a forged
 * head that a signature check alone accepts). keyId is taken from the current head.json.
 */
export async function signAsOwner(stateDir: string, fields: { seq: number; hash: string; ts: string; prevHead?: string }): Promise<LedgerHead> {
  const key = createPrivateKey(await readFile(keyPaths(stateDir).privatePath, 'utf8'));
  const { keyId } = JSON.parse(await readFile(auditPaths(stateDir).head, 'utf8')) as LedgerHead;
  const unsigned = { ...fields, keyId };
  return { ...unsigned, signature: sign(null, Buffer.from(canonicalJson(unsigned)), key).toString('base64') };
}

/** The parsed lines of heads.jsonl. */
export async function readLoggedHeads(stateDir: string): Promise<LedgerHead[]> {
  const text = await readFile(auditPaths(stateDir).heads, 'utf8');
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as LedgerHead);
}
