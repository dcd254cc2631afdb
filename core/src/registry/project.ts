import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setKeyDir } from '../audit/key-dir.ts';
import type { RustchainConfig } from '../config/types.ts';
import { loadConfig } from './load-config.ts';
import { loadPlugins } from './load-plugins.ts';
import type { PluginRegistry } from './registry.ts';

/** Everything an invocation needs to know about where it runs. */
export interface Project {
  config: RustchainConfig;
  /** Absolute path of the config file, or null when none was found. */
  configFile: string | null;
  /** The config file's directory, or the cwd when there is none. */
  dir: string;
  registry: PluginRegistry;
  /** Absolute state directory: ledger, keys, runs. */
  stateDir: string;
}

/** Core's own directory: where first-party plugins resolve from when nobody says otherwise. */
const CORE_DIR = fileURLToPath(new URL('.', import.meta.url));

/**
 * Loads the config (or defaults), its plugins and the state dir for one invocation.
 * With no config file the FIRST_PARTY_PLUGINS are resolved from `builtinsFrom` (the CLI
 * passes its own directory; default: core's). stateDir: `$RUSTCHAIN_HOME`, else
 * `config.stateDir` (relative to the config file), else `<cwd>/.rustchain`.
 */
export async function loadProject(options: { cwd: string; configFile?: string; builtinsFrom?: string }): Promise<Project> {
  const { config, configFile: file, dir, stateDir } = await loadProjectState(options);
  const builtinsFrom = options.builtinsFrom ?? CORE_DIR;
  const registry = file === null ? await loadPlugins(config, builtinsFrom, builtinsFrom) : await loadPlugins(config, dir, file);
  return { config, configFile: file, dir, registry, stateDir };
}

/** `loadProject` without loading plugins: for commands that only need the state dir (audit verify). */
export async function loadProjectState(options: { cwd: string; configFile?: string }): Promise<Omit<Project, 'registry'>> {
  const { config, file, dir } = await loadConfig(options);
  const home = process.env['RUSTCHAIN_HOME'];
  const stateDir = home !== undefined && home !== ''
    ? resolve(options.cwd, home)
    : config.stateDir !== undefined
      ? (isAbsolute(config.stateDir) ? config.stateDir : resolve(dir, config.stateDir))
      : resolve(options.cwd, '.rustchain');
  if (config.keyDir !== undefined) {
    const keyDir = config.keyDir.startsWith('~/') ? join(homedir(), config.keyDir.slice(2)) : config.keyDir;
    setKeyDir(stateDir, isAbsolute(keyDir) ? keyDir : resolve(dir, keyDir));
  }
  return { config, configFile: file, dir, stateDir };
}
