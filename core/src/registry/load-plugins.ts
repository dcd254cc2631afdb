import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticsError, type Diagnostic, type ErrorCode } from '../errors.ts';
import { PLUGIN_MARKER, type DefinedPlugin } from '../plugin/sdk.ts';
import type { RustchainConfig } from '../config/types.ts';
import { packageIntegrity } from './integrity.ts';
import { sdkMismatch } from './sdk-range.ts';
import { PluginRegistry, type LoadedPlugin } from './registry.ts';
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

/**
 * Loads every plugin the config names, resolved from `dir` (the config file's directory).
 * Collects all problems — unresolvable package (E_PLUGIN_NOT_FOUND), a default export that
 * is not a definePlugin() value (E_PLUGIN_INVALID), two plugins claiming one step type
 * (E_PLUGIN_DUPLICATE_TYPE) — and throws them together as a DiagnosticsError.
 * `configFile` names the file diagnostics point at (defaults to `<dir>/rustchain.config.ts`).
 */
export async function loadPlugins(config: RustchainConfig, dir: string, configFile?: string): Promise<PluginRegistry> {
  const file = configFile ?? join(dir, 'rustchain.config.ts');
  const diagnostics: Diagnostic[] = [];
  const report = (code: ErrorCode, specifier: string, message: string, hint?: string): void => {
    diagnostics.push({
      code, severity: 'error', message, file, ...locate(file, specifier), ...(hint === undefined ? {} : { hint }),
    });
  };
  const loaded: LoadedPlugin[] = [];
  const byType = new Map<string, LoadedPlugin>();
  for (const specifier of config.plugins) {
    let resolved: ReturnType<typeof resolvePackage>;
    try {
      resolved = resolvePackage(specifier, dir);
    } catch {
      report('E_PLUGIN_NOT_FOUND', specifier, `plugin package \`${specifier}\` cannot be resolved from ${dir}`, `npm install ${specifier}`);
      continue;
    }
    const mismatch = sdkMismatch(resolved.packageDir);
    if (mismatch !== null) {
      report('E_PLUGIN_INCOMPATIBLE', specifier,
        `plugin \`${specifier}\` was built for @rustchain/core ${mismatch.range}, this is @rustchain/core ${mismatch.core}`,
        `install a version of ${resolved.name} built for @rustchain/core ${mismatch.core}, or a core in ${mismatch.range}`);
      continue;
    }
    let exported: unknown;
    try {
      exported = ((await import(pathToFileURL(resolved.entry).href)) as { default?: unknown }).default;
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      report('E_PLUGIN_INVALID', specifier, `plugin \`${specifier}\` failed to load: ${reason}`);
      continue;
    }
    if (!isDefinedPlugin(exported)) {
      report('E_PLUGIN_INVALID', specifier, `plugin \`${specifier}\` does not default-export a definePlugin() value`,
        'export default definePlugin({ type, description, params, outputs, capabilities, effect, run })');
      continue;
    }
    let integrity: string | undefined;
    const plugin: LoadedPlugin = {
      definition: exported,
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
    const previous = byType.get(exported.type);
    if (previous !== undefined) {
      report('E_PLUGIN_DUPLICATE_TYPE', specifier,
        `plugins \`${previous.specifier}\` and \`${specifier}\` both implement step type \`${exported.type}\``,
        'keep only one of them in `plugins`');
      continue;
    }
    byType.set(exported.type, plugin);
    loaded.push(plugin);
  }
  if (diagnostics.length > 0) throw new DiagnosticsError(diagnostics);
  return new PluginRegistry(loaded);
}
