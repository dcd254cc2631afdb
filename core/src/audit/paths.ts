/** Where the audit files live under a state dir. */
import { join } from 'node:path';

/** Paths of the ledger, its head and its lock. */
export interface AuditPaths {
  dir: string;
  /** Segment 0 of the ledger (a ledger written before segmentation is just this file). */
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

/** File name of ledger segment `n`: `ledger.jsonl` for 0 (readable by older versions), `ledger.000001.jsonl` after. */
export function segmentName(n: number): string {
  return n === 0 ? 'ledger.jsonl' : `ledger.${String(n).padStart(6, '0')}.jsonl`;
}

/** Path of ledger segment `n`. */
export function segmentPath(paths: AuditPaths, n: number): string {
  return join(paths.dir, segmentName(n));
}

const SEGMENT_NAME = /^ledger(?:\.(\d{6,}))?\.jsonl$/;

/** The segment number a file name stands for, or null when it is not a segment. */
export function segmentNumber(name: string): number | null {
  const m = SEGMENT_NAME.exec(name);
  if (m === null) return null;
  return m[1] === undefined ? 0 : Number(m[1]);
}
