import type { DefinedPlugin } from '@rustchain/core';

/** What the compiler needs to know about the plugin implementing a step type (a LoadedPlugin fits). */
export interface CompilerPluginInfo {
  readonly definition: DefinedPlugin;
  /** Package name the generated module imports, e.g. `@rustchain/plugin-create-file`. */
  readonly packageName: string;
  /** Exact version recorded in the manifest. */
  readonly version: string;
  /** Lockfile integrity recorded in the manifest; null for workspace links. */
  readonly integrity: string | null;
}

/** Step-type lookup with package information (the project's PluginRegistry fits). */
export interface CompilerPluginLookup {
  get(type: string): CompilerPluginInfo | undefined;
}
