/** Absolute paths of ledger files, asked on every append (queue and lock keys). */
import { isAbsolute, resolve } from 'node:path';

const memo = new Map<string, string>();

/** `resolve(path)`, memoised for absolute paths (a relative one depends on the cwd, so it is resolved each time). */
export function absolutePath(path: string): string {
  if (!isAbsolute(path)) return resolve(path);
  let abs = memo.get(path);
  if (abs === undefined) {
    abs = resolve(path);
    memo.set(path, abs);
  }
  return abs;
}
