import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { computeSchedule, isRustchainError, sortDiagnostics, type Diagnostic, type Mission } from '@rustchain/core';
import { emitModule, locate } from './emit.ts';
import { mapDiagnostics } from './map-diagnostics.ts';
import { typecheckGenerated } from './typecheck.ts';
import type { CompilerPluginLookup } from './types.ts';

/** This package's version, recorded in every module it emits. */
export const COMPILER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Options of `compileMission`. */
export interface CompileOptions {
  /** Where the module will be written; the header's source path is relative to it. */
  outFile: string;
  /** Recorded in the header and manifest; defaults to this package's version. */
  compilerVersion?: string;
  /** Base for relative `outFile` and `mission.source.file`; defaults to process.cwd(). */
  cwd?: string;
  /** Type-check the emitted code in-process (default true). */
  typecheck?: boolean;
  /**
   * Directory whose node_modules resolve '@rustchain/*' for the type-check; defaults to
   * `cwd`. The generated file is checked in memory, never written there.
   */
  resolveFrom?: string;
}

/** The emitted module and everything wrong with it, mapped to the mission source. */
export interface CompileResult {
  /** The module text; emitted even with diagnostics (callers write it only when there are none). */
  code: string;
  diagnostics: Diagnostic[];
}

/**
 * Compiles a validated mission to one deterministic TypeScript module, then type-checks it
 * in-process: a wrong parameter type, a missing parameter or an unknown output reference is
 * a diagnostic at the YAML position that caused it.
 */
export function compileMission(mission: Mission, registry: CompilerPluginLookup, options: CompileOptions): CompileResult {
  const cwd = options.cwd ?? process.cwd();
  const outFile = resolve(cwd, options.outFile);
  if (mission.finally !== undefined && mission.finally.length > 0) {
    // A module without them would silently drop the cleanup the mission asks for.
    const pos = locate(mission, '/finally');
    const message = 'compiled modules do not support `finally:` steps yet; run the mission file with `rustchain mission execute` instead';
    return { code: '', diagnostics: [{ code: 'E_COMPILE_FINALLY_UNSUPPORTED', severity: 'error', message, file: mission.source.file, line: pos.line, column: pos.column }] };
  }
  let schedule;
  try {
    schedule = computeSchedule(mission.steps.map((s) => ({ id: s.id, dependsOn: s.dependsOn, timeoutSeconds: s.timeoutSeconds })));
  } catch (error) {
    if (!isRustchainError(error)) throw error;
    const pos = locate(mission, '/steps');
    return {
      code: '',
      diagnostics: [{ code: error.code, severity: 'error', message: error.message, file: mission.source.file, line: pos.line, column: pos.column }],
    };
  }
  const sourcePath = relative(dirname(outFile), resolve(cwd, mission.source.file)).split(sep).join('/');
  const emitted = emitModule(mission, {
    registry,
    schedule,
    sourcePath: sourcePath.startsWith('.') ? sourcePath : `./${sourcePath}`,
    compilerVersion: options.compilerVersion ?? COMPILER_VERSION,
  });
  const diagnostics = [...emitted.diagnostics];
  if (options.typecheck !== false && diagnostics.length === 0) {
    const generated = typecheckGenerated(emitted.code, { outFile, resolveFrom: options.resolveFrom ?? cwd });
    diagnostics.push(...mapDiagnostics(mission, generated, emitted.stepKeys));
  }
  return { code: emitted.code, diagnostics: sortDiagnostics(diagnostics) };
}
