import type { Writable } from 'node:stream';
import type { Diagnostic } from '@rustchain/core';

/** The `--json` shape for diagnostics (DESIGN.md): fields may be added, never renamed. */
interface DiagnosticsDocument {
  ok: boolean;
  diagnostics: Array<Pick<Diagnostic, 'code' | 'severity' | 'message' | 'file' | 'line' | 'column'> & Partial<Pick<Diagnostic, 'hint' | 'pointer'>>>;
}

/** Builds the `--json` document for a list of diagnostics, sorted by position. */
async function diagnosticsDocument(diagnostics: readonly Diagnostic[], ok: boolean): Promise<DiagnosticsDocument> {
  // Imported lazily: --help and usage errors should not pay for loading core.
  const { sortDiagnostics } = await import('@rustchain/core');
  return {
    ok,
    diagnostics: sortDiagnostics(diagnostics).map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      file: d.file,
      line: d.line,
      column: d.column,
      ...(d.hint === undefined ? {} : { hint: d.hint }),
      ...(d.pointer === undefined ? {} : { pointer: d.pointer }),
    })),
  };
}

/**
 * Prints diagnostics: with `json`, one document on stdout; otherwise compiler-style
 * `file:line:col: error CODE: message (hint)` lines on stderr, sorted by position.
 */
export async function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: { json: boolean; ok: boolean; stdout: Writable; stderr: Writable },
): Promise<void> {
  if (options.json) {
    options.stdout.write(`${JSON.stringify(await diagnosticsDocument(diagnostics, options.ok), null, 2)}\n`);
    return;
  }
  const { formatDiagnostic, sortDiagnostics } = await import('@rustchain/core');
  for (const d of sortDiagnostics(diagnostics)) {
    options.stderr.write(`${d.file === '' ? `rustchain: ${d.severity} ${d.code}: ${d.message}` : formatDiagnostic(d)}\n`);
  }
}
