import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** The `packages` section of a lockfile v2/v3. */
interface Lockfile {
  packages?: Record<string, { integrity?: unknown; name?: unknown }>;
}

const cache = new Map<string, Lockfile | null>();

function nearestLockfile(fromDir: string): { dir: string; lock: Lockfile } | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const file = join(dir, 'package-lock.json');
    if (existsSync(file)) {
      if (!cache.has(file)) {
        try {
          cache.set(file, JSON.parse(readFileSync(file, 'utf8')) as Lockfile);
        } catch {
          cache.set(file, null);
        }
      }
      const lock = cache.get(file);
      return lock ? { dir, lock } : null;
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The lockfile `integrity` of a package, searching the nearest package-lock.json above
 * `fromDir`. Null when there is no lockfile or the package is a workspace link (no tarball).
 */
export function lockfileIntegrity(packageName: string, packageDir: string, fromDir: string): string | null {
  const found = nearestLockfile(fromDir);
  if (found === null) return null;
  const packages = found.lock.packages ?? {};
  const keys = [relative(found.dir, packageDir).split(sep).join('/'), `node_modules/${packageName}`];
  for (const key of keys) {
    const integrity = packages[key]?.integrity;
    if (typeof integrity === 'string') return integrity;
  }
  return null;
}
