/**
 * The ledger is a sequence of segment files of bounded size; the hash chain runs across them
 * (the first event of segment n+1 links to the last of segment n). Only the last segment is
 * ever appended to; a writer starts a new one when the last reached the segment size.
 */
import { promises as fs, readdirSync } from 'node:fs';
import type { AuditPaths } from './paths.ts';
import { segmentNumber } from './paths.ts';

/** Default segment size: 64 MiB. */
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** The segment size to use: the option, else RUSTCHAIN_LEDGER_SEGMENT_BYTES (tests), else 64 MiB. */
export function segmentBytesOption(value: number | undefined): number {
  if (value !== undefined && value > 0) return value;
  const env = Number(process.env['RUSTCHAIN_LEDGER_SEGMENT_BYTES']);
  return Number.isSafeInteger(env) && env > 0 ? env : DEFAULT_SEGMENT_BYTES;
}

/** Segment numbers present in the audit dir, ascending ([] when there is none). */
export function listSegmentsSync(paths: AuditPaths): number[] {
  let names: string[];
  try {
    names = readdirSync(paths.dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return toNumbers(names);
}

/** Async `listSegmentsSync`. */
export async function listSegments(paths: AuditPaths): Promise<number[]> {
  const names = await fs.readdir(paths.dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return toNumbers(names);
}

function toNumbers(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const name of names) {
    const n = segmentNumber(name);
    if (n !== null) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

/** fsync a directory, so a created or renamed entry in it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
