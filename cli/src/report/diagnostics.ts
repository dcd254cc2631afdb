import type { Writable } from 'node:stream';
import type { Diagnostic } from '@rustchain/core';
import { codeFrame, sourceLines } from './code-frame.ts';
import { stylesFor, type Styles } from './colour.ts';
import { fieldPath } from './field-path.ts';

/** The `--json` shape for diagnostics (DESIGN.md): fields may be added, never renamed. */
interface DiagnosticsDocument {
  ok: boolean;
  diagnostics: Array<
    Pick<Diagnostic, 'code' | 'severity' | 'message' | 'file' | 'line' | 'column'> & Partial<Pick<Diagnostic, 'hint' | 'pointer'>> & { field?: string; docs: string }
  >;
}

/** Where the error catalogue documents `code` (docs/errors.md has one anchor per code, lowercase). */
function errorDocsLink(code: string): string {
  return `docs/errors.md#${code.toLowerCase()}`;
}

/** Builds the `--json` document for a list of diagnostics, sorted by position. */
export async function diagnosticsDocument(diagnostics: readonly Diagnostic[], ok: boolean): Promise<DiagnosticsDocument> {
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
      ...(d.pointer === undefined ? {} : { pointer: d.pointer, field: fieldPath(d.pointer) }),
      docs: errorDocsLink(d.code),
    })),
  };
}

/**
 * Prints diagnostics: with `json`, one document on stdout; otherwise on stderr, compiler
 * style, sorted by position — `file:line:col: error CODE: field: message (hint)` (one line a
 * problem matcher can parse), the source line with a caret under the column, and the
 * error's page in the catalogue; coloured when stderr is a terminal (NO_COLOR/FORCE_COLOR).
 */
export async function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: { json: boolean; ok: boolean; stdout: Writable; stderr: Writable; cwd?: string },
): Promise<void> {
  if (options.json) {
    options.stdout.write(`${JSON.stringify(await diagnosticsDocument(diagnostics, options.ok), null, 2)}\n`);
    return;
  }
  const { sortDiagnostics } = await import('@rustchain/core');
  const style = stylesFor(options.stderr as { isTTY?: boolean });
  const lines = sourceLines(options.cwd ?? process.cwd());
  let out = '';
  for (const d of sortDiagnostics(diagnostics)) out += formatOne(d, style, lines(d.file));
  options.stderr.write(out);
}

/** One diagnostic's lines (see printDiagnostics). */
function formatOne(d: Diagnostic, style: Styles, lines: readonly string[] | null): string {
  const paint = d.severity === 'error' ? style.red : style.yellow;
  const field = d.pointer === undefined || d.pointer === '' ? '' : fieldPath(d.pointer);
  const message = field === '' ? d.message : `${field}: ${d.message}`;
  const hint = d.hint === undefined ? '' : ` ${style.cyan(`(${d.hint})`)}`;
  const where = d.file === '' ? 'rustchain' : `${d.file}:${d.line}:${d.column}`;
  const head = `${style.bold(`${where}:`)} ${paint(style.bold(`${d.severity} ${d.code}`))}: ${message}${hint}`;
  const frame = lines === null || d.line < 1 ? [] : codeFrame(lines, d.line, d.column, style, paint);
  const indent = ' '.repeat(frame.length > 0 ? String(d.line).length + 3 : 2);
  return `${[head, ...frame, `${indent}${style.dim(`= docs: ${errorDocsLink(d.code)}`)}`].join('\n')}\n`;
}
