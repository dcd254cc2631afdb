import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../errors.ts';

/**
 * Where a config problem is written. A config is loaded as a value (it may be TypeScript), so
 * its problems come with a pointer but no position; this finds the keys of the pointer in the
 * file's text, in order (`/policy/sandbx` → the `sandbx` after `policy`), so the diagnostic
 * lands on its line. Array indexes keep the enclosing key. Not found: 1:1, as before.
 */
function keyOffset(text: string, pointer: string): number {
  let from = 0;
  let found = -1;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(token)) continue;
    const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const key = new RegExp(`(?<![\\w$])(["'\`]?)${escaped}\\1\\s*:`, 'g');
    key.lastIndex = from;
    const match = key.exec(text);
    if (match === null) break;
    found = match.index;
    from = match.index + match[0].length;
  }
  return found;
}

/** The diagnostics with each one's line:column set from its pointer, where the file shows it. */
export function locateConfigDiagnostics(diagnostics: readonly Diagnostic[], file: string): Diagnostic[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [...diagnostics];
  }
  return diagnostics.map((d) => {
    if (d.pointer === undefined || d.pointer === '') return d;
    const offset = keyOffset(text, d.pointer);
    if (offset === -1) return d;
    const before = text.slice(0, offset);
    return { ...d, line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
  });
}
