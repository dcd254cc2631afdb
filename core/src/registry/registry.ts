import { DiagnosticsError, RustchainError, type Diagnostic } from '../errors.ts';
import type { DefinedPlugin, StepTypeLoadOptions, StepTypeLookup } from '../plugin/sdk.ts';

/** A plugin package as the config names it, known without importing its code. */
export interface PluginPackage {
  /** `name` from the plugin's package.json. */
  packageName: string;
  /** `version` from the plugin's package.json. */
  version: string;
  /** The specifier as written in the config. */
  specifier: string;
  /** Absolute (realpath'd) directory of the plugin package. */
  packageDir: string;
  /** Hash of the package's installed files; null when unknown (a bundled plugin). */
  integrity: string | null;
}

/** A plugin package as loaded from the config: its definition plus where it came from. */
export interface LoadedPlugin extends PluginPackage {
  definition: DefinedPlugin;
}

/**
 * A plugin whose package.json names its step type (`"rustchain": { "stepType": ... }`): the
 * registry knows the type from the manifest and imports the module only when a command needs
 * its definition.
 */
export interface DeferredPlugin extends PluginPackage {
  stepType: string;
  /** Its run lists the installed step types (ctx.steps.list()): a run using it loads them all. */
  listsSteps: boolean;
  /** Imports and checks the definition; throws a DiagnosticsError (E_PLUGIN_INVALID). */
  importDefinition(): Promise<DefinedPlugin>;
}

/**
 * The step types available to one invocation, keyed by type. Built once from the config's
 * explicit plugin list (never by scanning folders); the loader, policy checker, executor and
 * compiler all look step types up here. Types, packages and duplicates come from the
 * manifests; a deferred plugin's definition is imported by `load` (validateMission and
 * executeMission call it with the types a mission needs), and `get` of a type not loaded yet
 * is a bug in the caller (E_INTERNAL), never a silent "unknown step type".
 */
export class PluginRegistry implements StepTypeLookup {
  readonly #loaded = new Map<string, LoadedPlugin>();
  readonly #deferred = new Map<string, DeferredPlugin>();
  readonly #importing = new Map<string, Promise<void>>();
  /** Types whose run may list every installed step type (ctx.steps.list()). */
  readonly #listing = new Set<string>();

  /**
   * Takes plugins already checked for duplicate types (see `loadPlugins`); a hand-built
   * registry keeps the first of a type. `listing`: loaded types to treat as listing every
   * step type at run time (a plugin without a manifest: nobody said it does not).
   */
  constructor(plugins: readonly LoadedPlugin[], deferred: readonly DeferredPlugin[] = [], listing: Iterable<string> = []) {
    for (const plugin of plugins) {
      if (!this.#loaded.has(plugin.definition.type)) this.#loaded.set(plugin.definition.type, plugin);
    }
    for (const plugin of deferred) {
      if (this.#loaded.has(plugin.stepType) || this.#deferred.has(plugin.stepType)) continue;
      this.#deferred.set(plugin.stepType, plugin);
      if (plugin.listsSteps) this.#listing.add(plugin.stepType);
    }
    for (const type of listing) this.#listing.add(type);
  }

  /** The plugin implementing `type`, if any; throws E_INTERNAL when it is not loaded yet. */
  get(type: string): LoadedPlugin | undefined {
    const loaded = this.#loaded.get(type);
    if (loaded !== undefined) return loaded;
    const deferred = this.#deferred.get(type);
    if (deferred === undefined) return undefined;
    throw new RustchainError('E_INTERNAL', `step type "${type}" (${deferred.packageName}) is installed but not imported yet: await registry.load(["${type}"]) first`);
  }

  /** Whether some plugin implements `type` (from the manifests: nothing is imported). */
  has(type: string): boolean {
    return this.#loaded.has(type) || this.#deferred.has(type);
  }

  /** Installed step types, sorted. */
  types(): string[] {
    return [...this.#loaded.keys(), ...this.#deferred.keys()].sort();
  }

  /** Loaded plugins, sorted by step type; every one must be loaded (`await load('all')`). */
  list(): LoadedPlugin[] {
    return this.types().map((type) => this.get(type)!);
  }

  /** The installed packages, sorted by step type, without importing any of them. */
  packages(): Array<PluginPackage & { stepType: string }> {
    return this.types().map((stepType) => {
      const source = (this.#loaded.get(stepType) ?? this.#deferred.get(stepType))!;
      // integrity hashes the package's files: read only by whoever asks for it.
      const { packageName, version, specifier, packageDir } = source;
      return { stepType, packageName, version, specifier, packageDir, get integrity() { return source.integrity; } };
    });
  }

  /**
   * Imports the plugins of `types` (unknown types are ignored: the loader reports them), or
   * of every installed type. With `run`, when one of them lists step types at run time, every
   * type `run.allowed` allows is imported too. Problems of all of them are thrown together as
   * one DiagnosticsError (E_PLUGIN_INVALID).
   */
  async load(types: Iterable<string> | 'all', options: StepTypeLoadOptions = {}): Promise<void> {
    const wanted = types === 'all' ? [...this.#deferred.keys()] : [...new Set(types)];
    if (options.run !== undefined && wanted.some((type) => this.#listing.has(type))) {
      const { allowed } = options.run;
      wanted.push(...(allowed === '*' ? this.#deferred.keys() : allowed));
    }
    const diagnostics: Diagnostic[] = [];
    await Promise.all(wanted.map(async (type) => {
      try {
        await this.#import(type);
      } catch (error) {
        if (error instanceof DiagnosticsError) diagnostics.push(...error.diagnostics);
        else throw error;
      }
    }));
    if (diagnostics.length > 0) throw new DiagnosticsError(diagnostics);
  }

  /** Imports one deferred type once (concurrent callers share the import). */
  #import(type: string): Promise<void> {
    const deferred = this.#deferred.get(type);
    if (deferred === undefined || this.#loaded.has(type)) return Promise.resolve();
    let importing = this.#importing.get(type);
    if (importing === undefined) {
      importing = deferred.importDefinition().then((definition) => {
        const { packageName, version, specifier, packageDir } = deferred;
        // Not a spread: `integrity` stays a getter (hashing the files only when read).
        this.#loaded.set(type, { packageName, version, specifier, packageDir, definition, get integrity() { return deferred.integrity; } });
        this.#deferred.delete(type);
        this.#importing.delete(type);
      }, (error: unknown) => {
        this.#importing.delete(type); // a later load reports it again
        throw error;
      });
      this.#importing.set(type, importing);
    }
    return importing;
  }
}
