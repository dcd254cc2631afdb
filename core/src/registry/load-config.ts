import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader } from 'cosmiconfig';
import { DiagnosticsError, type Diagnostic } from '../errors.ts';
import type { RustchainConfig } from '../config/types.ts';
import { locateConfigDiagnostics } from './config-locate.ts';
import { asConfig, checkConfig } from './config-schema.ts';
import { FIRST_PARTY_PLUGINS } from './first-party.ts';

/** File names searched in each directory, in this order. */
export const CONFIG_FILE_NAMES: readonly string[] = [
  'rustchain.config.ts',
  'rustchain.config.mts',
  'rustchain.config.cts',
  'rustchain.config.js',
  'rustchain.config.mjs',
  'rustchain.config.cjs',
  'rustchain.config.json',
];

/**
 * A CommonJS module's `module.exports = defineConfig(...)` (or a TS file compiled to CJS) arrives
 * as `{ default: { default: config } }` or `{ default: config }`: take the innermost config.
 */
function defaultExport(module: { default?: unknown }): unknown {
  const value = module.default;
  if (typeof value === 'object' && value !== null && 'default' in value && !('plugins' in value)) {
    return (value as { default?: unknown }).default ?? null;
  }
  return value ?? null;
}

/**
 * Imports a JS/TS config and takes its default export. JavaScript goes through Node's own
 * import (the file's extension and package type decide ESM or CJS); TypeScript through tsx's
 * scoped `tsImport`, loaded only then, so a JSON or JS config costs no TypeScript loader.
 */
const importDefault: Loader = async (file) => {
  const url = pathToFileURL(file).href;
  if (/\.[cm]?ts$/.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    return defaultExport((await tsImport(url, import.meta.url)) as { default?: unknown });
  }
  return defaultExport((await import(url)) as { default?: unknown });
};

/** A config as found on disk; `file` is null when none exists (defaults apply). */
export interface LoadedConfig {
  config: RustchainConfig;
  /** Absolute path of the config file, or null (then `config.plugins` = FIRST_PARTY_PLUGINS). */
  file: string | null;
  /** Directory config-relative entries resolve against: the config's dir, else `cwd`. */
  dir: string;
}

/** The directories searched: `cwd` and its parents up to the first with package.json or .git. */
export function configSearchDirs(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (existsSync(resolve(dir, 'package.json')) || existsSync(resolve(dir, '.git'))) return dirs;
    if (dirname(dir) === dir) return dirs;
  }
}

function configError(file: string, message: string, cause?: unknown): DiagnosticsError {
  const text = cause instanceof Error ? `${message}: ${cause.message.split('\n')[0] ?? ''}` : message;
  const diagnostic: Diagnostic = { code: 'E_CONFIG_INVALID', severity: 'error', message: text, file, line: 1, column: 1 };
  return new DiagnosticsError([diagnostic]);
}

/**
 * Finds and loads rustchain.config.{ts,mts,cts,js,mjs,cjs,json}: the given `configFile`, or the
 * nearest one searching up from `cwd` to the project root. Throws a DiagnosticsError
 * (E_CONFIG_INVALID / E_FILE_NOT_FOUND) located at the config file.
 */
export async function loadConfig(options: { cwd: string; configFile?: string }): Promise<LoadedConfig> {
  // Loaded on first use: cosmiconfig pulls in TypeScript (~10 MB), which a bundled mission
  // (`compile --bundle`, never reads a config) would otherwise inline, and the CLI would parse
  // at start-up even for commands that never load a config.
  // Not even that when there is no config file to load: the search itself is existsSync.
  const explorer = async (): Promise<ReturnType<typeof import('cosmiconfig').cosmiconfig>> => {
    const { cosmiconfig } = await import('cosmiconfig');
    return cosmiconfig('rustchain', {
      searchPlaces: [...CONFIG_FILE_NAMES],
      searchStrategy: 'none',
      cache: false,
      loaders: { '.ts': importDefault, '.mts': importDefault, '.cts': importDefault, '.js': importDefault, '.mjs': importDefault, '.cjs': importDefault },
    });
  };
  let found: { config: unknown; filepath: string } | null = null;
  let tried = options.configFile === undefined ? '' : resolve(options.cwd, options.configFile);
  if (options.configFile !== undefined && !existsSync(tried)) {
    throw new DiagnosticsError([
      { code: 'E_FILE_NOT_FOUND', severity: 'error', message: `config file not found: ${tried}`, file: tried, line: 1, column: 1 },
    ]);
  }
  try {
    if (options.configFile !== undefined) {
      found = await (await explorer()).load(tried);
    } else {
      for (const dir of configSearchDirs(options.cwd)) {
        // Named before the search so an import failure is reported at the right file.
        const file = CONFIG_FILE_NAMES.map((name) => resolve(dir, name)).find((name) => existsSync(name));
        tried = file ?? dir;
        if (file === undefined) continue; // none of the search places here: nothing to search
        found = await (await explorer()).search(dir);
        if (found !== null) break;
      }
    }
  } catch (error) {
    const file = (error as { filepath?: string }).filepath ?? tried;
    throw configError(file, 'cannot load the config file', error);
  }
  if (found === null) return { config: { plugins: [...FIRST_PARTY_PLUGINS] }, file: null, dir: resolve(options.cwd) };
  const diagnostics = checkConfig(found.config, found.filepath);
  if (diagnostics.length > 0) throw new DiagnosticsError(locateConfigDiagnostics(diagnostics, found.filepath));
  return { config: asConfig(found.config), file: found.filepath, dir: dirname(found.filepath) };
}
