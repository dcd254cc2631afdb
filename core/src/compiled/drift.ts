import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Diagnostic } from '../errors.ts';
import type { CompiledManifest } from './types.ts';

/** What the drift check needs to know about an installed plugin (a LoadedPlugin fits). */
export interface InstalledPluginInfo {
  readonly packageName: string;
  readonly version: string;
  readonly integrity: string | null;
}

/** Lookup of installed plugins by step type (the project's PluginRegistry fits). */
export interface InstalledPluginLookup {
  get(type: string): InstalledPluginInfo | undefined;
}

/**
 * Compares a compiled module's manifest with what is installed and on disk: each recorded
 * plugin's package, version and lockfile integrity, and the source file's SHA-256. Every
 * mismatch is one E_COMPILED_DRIFT diagnostic located at the compiled module.
 */
export async function checkCompiledDrift(
  manifest: CompiledManifest,
  options: { moduleFile: string; registry: InstalledPluginLookup },
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const at = (message: string, hint: string): void => {
    diagnostics.push({ code: 'E_COMPILED_DRIFT', severity: 'error', message, file: options.moduleFile, line: 1, column: 1, hint });
  };
  const recompile = 'recompile with `rustchain compile`, or pass --allow-drift to run it anyway';
  for (const [type, record] of Object.entries(manifest.plugins).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const installed = options.registry.get(type);
    if (!installed) {
      at(`step type '${type}' (${record.package}@${record.version}) is not installed or not configured`, recompile);
    } else if (installed.packageName !== record.package || installed.version !== record.version) {
      at(
        `step type '${type}' was compiled against ${record.package}@${record.version}, installed is ${installed.packageName}@${installed.version}`,
        recompile,
      );
    } else if (record.integrity !== null && installed.integrity !== null && record.integrity !== installed.integrity) {
      at(`step type '${type}' (${record.package}@${record.version}) has a different lockfile integrity than at compile time`, recompile);
    }
  }
  const sourcePath = resolve(dirname(options.moduleFile), manifest.source.file);
  let actual: string | null = null;
  try {
    actual = createHash('sha256').update(await readFile(sourcePath)).digest('hex');
  } catch {
    at(`the mission source ${manifest.source.file} cannot be read to verify its digest`, recompile);
  }
  if (actual !== null && actual !== manifest.source.sha256) {
    at(`the mission source ${manifest.source.file} changed since it was compiled (sha256 ${actual} != ${manifest.source.sha256})`, recompile);
  }
  return diagnostics;
}
