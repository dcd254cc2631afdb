/** Where the audit files live under a state dir. */
import { join } from 'node:path';

/** Paths of the ledger, its head and its lock. */
export interface AuditPaths {
  dir: string;
  ledger: string;
  head: string;
  /** Append-only log of every signed head (`heads.jsonl`), for monotonicity and fork checks. */
  heads: string;
  lock: string;
}

/** `<stateDir>/audit/{ledger.jsonl, head.json, heads.jsonl, ledger.jsonl.lock}`. */
export function auditPaths(stateDir: string): AuditPaths {
  const dir = join(stateDir, 'audit');
  const ledger = join(dir, 'ledger.jsonl');
  return { dir, ledger, head: join(dir, 'head.json'), heads: join(dir, 'heads.jsonl'), lock: `${ledger}.lock` };
}
