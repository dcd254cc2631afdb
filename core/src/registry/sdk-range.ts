import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Satisfies = typeof import('semver/functions/satisfies.js');
/**
 * semver's one function used (not its index, which loads every module), required on first
 * use: most start-ups never need it (see sdkMismatch).
 */
const satisfies: Satisfies = (...args) => (createRequire(import.meta.url)('semver/functions/satisfies.js') as Satisfies)(...args);

let coreVersion: string | null = null;

/** The running @rustchain/core's version, from its package.json (src/ and dist/ alike). */
function runningCoreVersion(): string {
  if (coreVersion !== null) return coreVersion;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@rustchain/core') return (coreVersion = pkg.version ?? '0.0.0');
  }
  return (coreVersion = '0.0.0');
}

/**
 * A plugin's SDK range is its `peerDependencies['@rustchain/core']` (what `plugin new` writes;
 * resolvePackage reads it with the rest of the package.json). Returns the mismatch when the
 * running core is outside it (prereleases included), else null; a plugin that declares no
 * range is accepted.
 */
export function sdkMismatch(range: unknown): { range: string; core: string } | null {
  if (typeof range !== 'string' || range.trim() === '' || range.startsWith('workspace:')) return null;
  const core = runningCoreVersion();
  // What `plugin new` writes and every first-party plugin declares: the running version itself,
  // exact or caret, which contains it by definition. Only other ranges pay for semver (~40 ms
  // of start-up: its module graph and the regular expressions it builds on first use).
  if (range === core || range === `^${core}`) return null;
  return satisfies(core, range, { includePrerelease: true }) ? null : { range, core };
}
