import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Remembers clean type-checks, like `tsc --incremental` does: an entry, keyed by the generated
 * code and everything else that decides the check (compiler settings, TypeScript's version,
 * where imports resolve from), lists every file the program read with its size and mtime. A
 * later check of the same code is skipped — TypeScript is not even loaded — only while every
 * one of those files is unchanged. Only clean results are kept: a module with type errors is
 * always checked again, so its diagnostics carry their nodes.
 */

/** Bump when the checker's settings change: old entries then never match. */
const SETTINGS_VERSION = 1;

function cacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'rustchain', 'typecheck');
}

/** The key of one check: the code, its file name, its resolution root, settings and TypeScript version. */
export function checkKey(parts: { code: string; fileName: string; resolveFrom: string; conditions: readonly string[]; typescript: string }): string {
  return createHash('sha256').update(JSON.stringify({ v: SETTINGS_VERSION, ...parts })).digest('hex');
}

type Stamp = [path: string, size: number, mtimeMs: number];

function stamp(path: string): Stamp | null {
  try {
    const stat = statSync(path);
    return [path, stat.size, stat.mtimeMs];
  } catch {
    return null;
  }
}

/** True when `key` was checked clean and none of the files that check read has changed since. */
export function isKnownClean(key: string): boolean {
  let files: Stamp[];
  try {
    files = (JSON.parse(readFileSync(join(cacheDir(), `${key}.json`), 'utf8')) as { files: Stamp[] }).files;
  } catch {
    return false;
  }
  return files.every(([path, size, mtimeMs]) => {
    const now = stamp(path);
    return now !== null && now[1] === size && now[2] === mtimeMs;
  });
}

/** Records a clean check of `key` over `paths` (the program's files on disk). */
export function rememberClean(key: string, paths: readonly string[]): void {
  const files = paths.map(stamp);
  if (files.some((f) => f === null)) return;
  try {
    mkdirSync(cacheDir(), { recursive: true });
    const file = join(cacheDir(), `${key}.json`);
    writeFileSync(`${file}.${process.pid}`, JSON.stringify({ files }));
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // an unwritable cache only costs the next compile a full check
  }
}
