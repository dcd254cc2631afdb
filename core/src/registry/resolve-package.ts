import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** A plugin package found on disk. */
export interface ResolvedPackage {
  packageDir: string;
  name: string;
  version: string;
  /** Absolute path of the module to import. */
  entry: string;
  /** The package.json `rustchain` field, when it is an object (the plugin manifest). */
  manifest: Record<string, unknown> | null;
  /** `peerDependencies['@rustchain/core']` as written (the plugin's SDK range; sdk-range.ts judges it). */
  sdkRange: unknown;
}

/** package.json fields the resolver reads. */
interface PackageJson {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  exports?: unknown;
  rustchain?: unknown;
  peerDependencies?: unknown;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The export condition that selects a workspace package's TypeScript sources (tests, bench). */
export const SOURCE_CONDITION = '@rustchain/source';

/** The conditions this process resolves with: Node's ESM ones, plus `--conditions` given to node. */
function activeConditions(): string[] {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const custom = flags.flatMap((flag) => /^(?:--conditions|-C)=(.+)$/.exec(flag)?.[1] ?? []);
  return [...custom, 'import', 'node', 'default'];
}

/** Picks the ESM entry of `subpath` from an `exports` value, under the active conditions. */
function pickExport(value: unknown, subpath = '.'): string | undefined {
  if (typeof value === 'string') return subpath === '.' ? value : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.keys(record).some((key) => key.startsWith('.'))) return pickExport(record[subpath], '.');
  for (const condition of activeConditions()) {
    const picked = pickExport(record[condition], '.');
    if (picked !== undefined) return picked;
  }
  return undefined;
}

/** Finds the package directory for a bare specifier, from the `exports`-safe path first. */
function findPackageDir(specifier: string, fromDir: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const dir = resolve(fromDir, specifier);
    if (!existsSync(join(dir, 'package.json'))) throw new Error(`no package.json in ${dir}`);
    return realpathSync(dir);
  }
  const require = createRequire(join(fromDir, 'rustchain.config.js'));
  try {
    return dirname(require.resolve(`${specifier}/package.json`));
  } catch {
    // The package does not export ./package.json: resolve its main entry and walk up.
    let dir = dirname(require.resolve(specifier));
    for (; dirname(dir) !== dir; dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json')) && readPackageJson(dir).name === specifier) return dir;
    }
    throw new Error(`cannot find the package.json of ${specifier}`);
  }
}

/**
 * Resolves a plugin specifier from `fromDir` (a config file's directory) the way Node would
 * from a module there. Throws a plain Error when the package cannot be found.
 */
export function resolvePackage(specifier: string, fromDir: string, subpath = '.'): ResolvedPackage {
  const packageDir = findPackageDir(specifier, fromDir);
  const pkg = readPackageJson(packageDir);
  const main = subpath === '.' && typeof pkg.main === 'string' ? pkg.main : undefined;
  const entry = pickExport(pkg.exports, subpath) ?? main ?? (subpath === '.' ? 'index.js' : subpath);
  return {
    packageDir,
    name: typeof pkg.name === 'string' ? pkg.name : specifier,
    version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
    entry: resolve(packageDir, entry),
    manifest: typeof pkg.rustchain === 'object' && pkg.rustchain !== null && !Array.isArray(pkg.rustchain) ? pkg.rustchain as Record<string, unknown> : null,
    sdkRange: (pkg.peerDependencies as Record<string, unknown> | undefined)?.['@rustchain/core'],
  };
}
