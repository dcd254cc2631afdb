import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticsError, type Diagnostic, type ErrorCode } from '../errors.ts';
import { PLUGIN_MARKER, type DefinedPlugin } from '../plugin/sdk.ts';
import type { RustchainConfig } from '../config/types.ts';
import { packageIntegrity } from './integrity.ts';
import { sdkMismatch } from './sdk-range.ts';
import { PluginRegistry, type DeferredPlugin, type LoadedPlugin } from './registry.ts';
import { resolvePackage } from './resolve-package.ts';

/** Where a plugin specifier is written: its quoted occurrence in the config file, else 1:1. */
function locate(file: string, specifier: string): { line: number; column: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { line: 1, column: 1 };
  }
  for (const quote of [`'`, `"`, '`']) {
    const index = text.indexOf(`${quote}${specifier}${quote}`);
    if (index < 0) continue;
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    return { line, column: index - before.lastIndexOf('\n') };
  }
  return { line: 1, column: 1 };
}

/** True for a value made by `definePlugin` (checked structurally: plugins may bundle their own core). */
function isDefinedPlugin(value: unknown): value is DefinedPlugin {
  if (typeof value !== 'object' || value === null) return false;
  const plugin = value as Partial<Record<keyof DefinedPlugin, unknown>>;
  return (
    plugin.kind === PLUGIN_MARKER &&
    typeof plugin.type === 'string' &&
    plugin.type.length > 0 &&
    typeof plugin.run === 'function' &&
    typeof plugin.params === 'object' &&
    typeof plugin.outputs === 'object'
  );
}

/** The step type a package.json declares (`"rustchain": { "stepType": "..." }`), else null. */
function declaredStepType(manifest: Record<string, unknown> | null): string | null {
  const type = manifest?.['stepType'];
  return typeof type === 'string' && type.length > 0 ? type : null;
}

/**
 * Loads the plugins the config names, resolved from `dir` (the config file's directory).
 * A package whose package.json declares its step type (`"rustchain": { "stepType": "llm" }`)
 * is not imported here: the registry imports it when a command needs its definition (see
 * PluginRegistry.load), so a command pays only for the step types its mission uses. A
 * package without that field is imported now, as it always was.
 * Collects all problems — unresolvable package (E_PLUGIN_NOT_FOUND), a default export that
 * is not a definePlugin() value (E_PLUGIN_INVALID), two plugins claiming one step type
 * (E_PLUGIN_DUPLICATE_TYPE, from the manifests) — and throws them together as a
 * DiagnosticsError; a deferred plugin's import problems are thrown the same way by `load`,
 * and a definition whose `type` is not the one its manifest declares is E_PLUGIN_INVALID.
 * `configFile` names the file diagnostics point at (defaults to `<dir>/rustchain.config.ts`).
 */
export async function loadPlugins(config: RustchainConfig, dir: string, configFile?: string): Promise<PluginRegistry> {
  const file = configFile ?? join(dir, 'rustchain.config.ts');
  const diagnostics: Diagnostic[] = [];
  const diagnostic = (code: ErrorCode, specifier: string, message: string, hint?: string): Diagnostic => ({
    code, severity: 'error', message, file, ...locate(file, specifier), ...(hint === undefined ? {} : { hint }),
  });
  const report = (code: ErrorCode, specifier: string, message: string, hint?: string): void => {
    diagnostics.push(diagnostic(code, specifier, message, hint));
  };
  /** Imports a package's default export and checks it is a definition (of `expected`, when declared). */
  const importDefinition = async (specifier: string, entry: string, expected: string | null): Promise<DefinedPlugin> => {
    let exported: unknown;
    try {
      exported = ((await import(pathToFileURL(entry).href)) as { default?: unknown }).default;
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      throw new DiagnosticsError([diagnostic('E_PLUGIN_INVALID', specifier, `plugin \`${specifier}\` failed to load: ${reason}`)]);
    }
    if (!isDefinedPlugin(exported)) {
      throw new DiagnosticsError([diagnostic('E_PLUGIN_INVALID', specifier, `plugin \`${specifier}\` does not default-export a definePlugin() value`,
        'export default definePlugin({ type, description, params, outputs, capabilities, effect, run })')]);
    }
    if (expected !== null && exported.type !== expected) {
      throw new DiagnosticsError([diagnostic('E_PLUGIN_INVALID', specifier,
        `plugin \`${specifier}\` declares step type \`${expected}\` in its package.json but its definition is step type \`${exported.type}\``,
        'make package.json "rustchain": { "stepType" } the definition\'s `type`')]);
    }
    return exported;
  };
  const loaded: LoadedPlugin[] = [];
  const deferred: DeferredPlugin[] = [];
  const byType = new Map<string, string>();
  for (const specifier of config.plugins) {
    let resolved: ReturnType<typeof resolvePackage>;
    try {
      resolved = resolvePackage(specifier, dir);
    } catch {
      report('E_PLUGIN_NOT_FOUND', specifier, `plugin package \`${specifier}\` cannot be resolved from ${dir}`, `npm install ${specifier}`);
      continue;
    }
    const mismatch = sdkMismatch(resolved.sdkRange);
    if (mismatch !== null) {
      report('E_PLUGIN_INCOMPATIBLE', specifier,
        `plugin \`${specifier}\` was built for @rustchain/core ${mismatch.range}, this is @rustchain/core ${mismatch.core}`,
        `install a version of ${resolved.name} built for @rustchain/core ${mismatch.core}, or a core in ${mismatch.range}`);
      continue;
    }
    const declared = declaredStepType(resolved.manifest);
    let definition: DefinedPlugin | null = null;
    if (declared === null) {
      try {
        definition = await importDefinition(specifier, resolved.entry, null);
      } catch (error) {
        if (!(error instanceof DiagnosticsError)) throw error;
        diagnostics.push(...error.diagnostics);
        continue;
      }
    }
    const type = declared ?? definition!.type;
    let integrity: string | undefined;
    const pkg = {
      packageName: resolved.name,
      version: resolved.version,
      specifier,
      packageDir: resolved.packageDir,
      // Hashing a package's files is for compile and drift checks only: computed when first
      // read, so validate, plan and every start-up that never reads it do not pay for it.
      get integrity() {
        return (integrity ??= packageIntegrity(resolved.packageDir));
      },
    };
    const previous = byType.get(type);
    if (previous !== undefined) {
      report('E_PLUGIN_DUPLICATE_TYPE', specifier,
        `plugins \`${previous}\` and \`${specifier}\` both implement step type \`${type}\``,
        'keep only one of them in `plugins`');
      continue;
    }
    byType.set(type, specifier);
    if (definition !== null) {
      loaded.push(Object.defineProperties({ definition }, Object.getOwnPropertyDescriptors(pkg)) as LoadedPlugin);
    } else {
      deferred.push(Object.defineProperties({
        stepType: type,
        listsSteps: resolved.manifest?.['listsSteps'] === true,
        importDefinition: () => importDefinition(specifier, resolved.entry, type),
      }, Object.getOwnPropertyDescriptors(pkg)) as DeferredPlugin);
    }
  }
  if (diagnostics.length > 0) throw new DiagnosticsError(diagnostics);
  // A plugin without a manifest may list step types at run time: nobody said it does not.
  return new PluginRegistry(loaded, deferred, loaded.map((plugin) => plugin.definition.type));
}
