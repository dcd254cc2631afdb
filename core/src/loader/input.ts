import { isUtf8 } from 'node:buffer';
import type { Diagnostic, ErrorCode } from '../errors.ts';

/**
 * Input sanitisation, before any parser sees the text (SECURITY-CATALOGUE 5.A cases 2 and
 * 10): a size cap, strict UTF-8, no BOM except at the start, no NUL, no raw control
 * characters (YAML forbids them in a stream anyway; rejecting them here gives a clear code).
 */

/** Default cap on a mission file: 5 MiB. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/** Text ready for the parser, or the diagnostics that stopped it. */
export type CheckedInput = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/** 1-based line and column of a UTF-16 offset in `text`. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastNewline = before.lastIndexOf('\n');
  let line = 1;
  for (let at = before.indexOf('\n'); at !== -1; at = before.indexOf('\n', at + 1)) line++;
  return { line, column: offset - lastNewline };
}

/** A diagnostic at a character offset of `text`. */
export function diagnosticAt(text: string, offset: number, file: string, code: ErrorCode, message: string, hint?: string): Diagnostic {
  const { line, column } = positionOf(text, offset);
  return { code, severity: 'error', message, file, line, column, ...(hint ? { hint } : {}) };
}

/** Raw characters YAML does not allow in a stream: C0 except tab/LF/CR, DEL, C1 except NEL. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F\u0080-\u0084\u0086-\u009F]/;

/** Checks size and encoding of the bytes of a file and decodes them. */
export function checkBytes(bytes: Uint8Array, file: string, maxBytes: number): CheckedInput {
  if (bytes.byteLength > maxBytes) return { ok: false, diagnostics: [tooLarge(bytes.byteLength, file, maxBytes)] };
  if (!isUtf8(bytes)) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const offset = Math.max(0, text.indexOf('\uFFFD'));
    return { ok: false, diagnostics: [diagnosticAt(text, offset, file, 'E_INPUT_ENCODING', 'the file is not valid UTF-8', 'save the file as UTF-8')] };
  }
  return checkText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), file, Number.POSITIVE_INFINITY);
}

/** Checks size and characters of already-decoded text; strips a leading BOM. */
export function checkText(text: string, file: string, maxBytes: number): CheckedInput {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes, so skip the exact count when small.
  if (text.length * 3 > maxBytes) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > maxBytes) return { ok: false, diagnostics: [tooLarge(size, file, maxBytes)] };
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const diagnostics: Diagnostic[] = [];
  const nul = body.indexOf('\u0000');
  if (nul !== -1) diagnostics.push(diagnosticAt(body, nul, file, 'E_INPUT_ENCODING', 'the file contains a NUL byte'));
  // A lone surrogate cannot be encoded as UTF-8: text that came from somewhere other than a file.
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(body);
  if (lone) diagnostics.push(diagnosticAt(body, lone.index, file, 'E_INPUT_ENCODING', 'the text holds an unpaired UTF-16 surrogate (not encodable as UTF-8)'));
  const bom = body.indexOf('\uFEFF');
  if (bom !== -1) diagnostics.push(diagnosticAt(body, bom, file, 'E_INPUT_ENCODING', 'byte order mark (U+FEFF) in the middle of the file', 'remove it; a BOM may only start the file'));
  const control = RAW_CONTROL.exec(body);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    diagnostics.push(diagnosticAt(body, control.index, file, 'E_INPUT_CONTROL_CHAR', `raw control character U+${code}`, 'write it as an escape in a double-quoted string, or remove it'));
  }
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, text: body };
}

function tooLarge(size: number, file: string, maxBytes: number): Diagnostic {
  return {
    code: 'E_INPUT_TOO_LARGE',
    severity: 'error',
    message: `the file is ${size} bytes; the limit is ${maxBytes}`,
    file,
    line: 1,
    column: 1,
    hint: 'split the mission, or raise maxBytes',
  };
}

/** Bidi overrides/isolates, zero-width characters and controls: invisible or misleading in an id. */
// eslint-disable-next-line no-control-regex
const SUSPICIOUS_IN_ID = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;

/** The first suspicious character of an identifier, or null (Trojan-Source defence). */
export function suspiciousCharacter(id: string): { index: number; codePoint: string } | null {
  const m = SUSPICIOUS_IN_ID.exec(id);
  if (!m) return null;
  return { index: m.index, codePoint: `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` };
}
