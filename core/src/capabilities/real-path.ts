import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/**
 * Physical path resolution: what the kernel would open, computed one component at a time
 * (lstat each, follow symlinks, `..` goes to the parent of the REAL directory, as the OS
 * does). Components that do not exist are appended as written, and resolution keeps
 * checking every later component: `missing/../link` still follows `link`, so a name that
 * only looks lexically harmless cannot smuggle a symlink past the guard.
 *
 * Synchronous on purpose: the guard must decide before an operation starts, lstat on a
 * local disk costs microseconds, and one implementation serves the static check too.
 */

/** Symlinks followed before giving up, like the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;

/** Thrown for a symlink loop; callers map it to a denial. */
export class SymlinkLoopError extends Error {}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/**
 * Absolute real path of `path` (relative to `base`). With `followFinal: false` a final
 * symlink is not followed (remove/rename act on the link itself).
 */
export function resolveReal(path: string, base: string, options: { followFinal?: boolean } = {}): string {
  const followFinal = options.followFinal ?? true;
  const queue = split(isAbsolute(path) ? path : `${base}/${path}`);
  let current = '/';
  let links = 0;
  while (queue.length > 0) {
    const segment = queue.shift() as string;
    if (segment === '.') continue;
    if (segment === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, segment);
    let isLink = false;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      // Missing (or not a directory): nothing to follow; later components are still checked.
    }
    if (isLink && (queue.length > 0 || followFinal)) {
      if (++links > MAX_LINKS) throw new SymlinkLoopError(`too many symlinks resolving ${path}`);
      const target = readlinkSync(next);
      if (isAbsolute(target)) current = '/';
      queue.unshift(...split(target));
      continue;
    }
    current = next;
  }
  return current;
}

/** True when `path` equals `root` or lies below it (both absolute and normalised). */
export function isInside(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}
