import type { DefinedPlugin, StepTypeLookup } from '../plugin/sdk.ts';

/** A plugin package as loaded from the config: its definition plus where it came from. */
export interface LoadedPlugin {
  definition: DefinedPlugin;
  /** `name` from the plugin's package.json. */
  packageName: string;
  /** `version` from the plugin's package.json. */
  version: string;
  /** The specifier as written in the config. */
  specifier: string;
  /** Absolute (realpath'd) directory of the plugin package. */
  packageDir: string;
  /** `integrity` of the nearest package-lock.json entry; null for workspace links or no lockfile. */
  integrity: string | null;
}

/**
 * The step types available to one invocation, keyed by type. Built once from the config's
 * explicit plugin list (never by scanning folders); the loader, policy checker, executor and
 * compiler all look step types up here.
 */
export class PluginRegistry implements StepTypeLookup {
  readonly #byType: ReadonlyMap<string, LoadedPlugin>;

  /** Takes plugins already checked for duplicate types (see `loadPlugins`). */
  constructor(plugins: LoadedPlugin[]) {
    const byType = new Map<string, LoadedPlugin>();
    for (const plugin of plugins) {
      // loadPlugins reports duplicates as diagnostics; a hand-built registry keeps the first.
      if (!byType.has(plugin.definition.type)) byType.set(plugin.definition.type, plugin);
    }
    this.#byType = byType;
  }

  /** The plugin implementing `type`, if any. */
  get(type: string): LoadedPlugin | undefined {
    return this.#byType.get(type);
  }

  /** Whether some plugin implements `type`. */
  has(type: string): boolean {
    return this.#byType.has(type);
  }

  /** Installed step types, sorted. */
  types(): string[] {
    return [...this.#byType.keys()].sort();
  }

  /** Loaded plugins, sorted by step type. */
  list(): LoadedPlugin[] {
    return this.types().map((type) => this.#byType.get(type) as LoadedPlugin);
  }
}
