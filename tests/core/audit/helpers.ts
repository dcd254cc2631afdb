/** Shared helpers of the audit tests: temp state dirs and raw ledger line access. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditPaths } from '@rustchain/core';
import type { LedgerEvent } from '@rustchain/core';

/** A fresh state dir under the OS temp dir, with its cleanup. */
export async function tempStateDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rustchain-audit-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
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
