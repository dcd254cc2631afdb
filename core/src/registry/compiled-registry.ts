import type { CompiledMission } from '../compiled/define.ts';
import { packageIntegrity } from './integrity.ts';
import { PluginRegistry, type LoadedPlugin } from './registry.ts';
import type { ResolvedPackage } from './resolve-package.ts';

/**
 * The registry a compiled module runs with: exactly the plugins it imported, described by the
 * packages those imports resolved to (name, version, integrity of the installed files). The
 * drift check compares these with the manifest, so a module runs from any directory, whatever
 * that directory's config lists. A plugin whose package was not seen (a bundle inlines them)
 * has version `unknown` and no integrity.
 */
export function compiledPluginRegistry(compiled: CompiledMission, packages: readonly ResolvedPackage[]): PluginRegistry {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const plugins: LoadedPlugin[] = [];
  for (const [type, definition] of Object.entries(compiled.plugins)) {
    const record = compiled.manifest.plugins[type];
    const resolved = record === undefined ? undefined : byName.get(record.package);
    plugins.push({
      definition,
      packageName: resolved?.name ?? record?.package ?? type,
      version: resolved?.version ?? 'unknown',
      specifier: record?.package ?? type,
      packageDir: resolved?.packageDir ?? '',
      integrity: resolved === undefined ? null : packageIntegrity(resolved.packageDir),
    });
  }
  return new PluginRegistry(plugins);
}
