import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Styles } from './colour.ts';

/** Widest source excerpt shown; longer lines are cut around the column. */
const MAX_LINE_CHARS = 120;

/**
 * Reads the lines of the files diagnostics point into, once each. A file that cannot be read
 * (gone since, or a name that is not a path) simply gets no excerpt.
 */
export function sourceLines(cwd: string): (file: string) => readonly string[] | null {
  const cache = new Map<string, readonly string[] | null>();
  return (file) => {
    if (file === '') return null;
    let lines = cache.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(resolve(cwd, file), 'utf8').split(/\r?\n/);
      } catch {
        lines = null;
      }
      cache.set(file, lines);
    }
    return lines;
  };
}

/** How many characters the caret underlines: the token at `index` (a quoted string whole). */
function tokenLength(line: string, index: number): number {
  const first = line[index];
  if (first === undefined) return 1;
  if (line.startsWith('${{', index)) {
    const close = line.indexOf('}}', index);
    return close === -1 ? line.length - index : close - index + 2;
  }
  if (first === '"' || first === "'") {
    const close = line.indexOf(first, index + 1);
    return close === -1 ? line.length - index : close - index + 1;
  }
  // A plain token ends at a space, a flow separator, or a `: ` / ` #` (YAML's key and comment
  // markers; `http://x` and `a#b` are one token).
  let end = index;
  while (end < line.length && !/[\s,\]}]/.test(line[end]!) && !(line[end] === ':' && /^(\s|$)/.test(line[end + 1] ?? ''))) end++;
  // A key: `depens_on:` underlines the name; a lone `:` or `]` still gets one caret.
  return Math.max(1, end - index);
}

/**
 * The source line of a diagnostic with a caret under its column, compiler style:
 *
 *    18 |       attempts: "three"
 *       |                 ^^^^^^^
 *
 * Empty when the line is not in `lines`.
 */
export function codeFrame(lines: readonly string[], line: number, column: number, style: Styles, colour: (text: string) => string): string[] {
  const text = lines[line - 1];
  if (text === undefined || line < 1) return [];
  // Tabs become one space each so that the caret (one column per character) lines up.
  let shown = text.replace(/\t/g, ' ');
  let index = Math.max(0, Math.min(column - 1, shown.length));
  if (shown.length > MAX_LINE_CHARS) {
    const start = Math.max(0, Math.min(index - MAX_LINE_CHARS / 2, shown.length - MAX_LINE_CHARS));
    shown = `${start > 0 ? '…' : ''}${shown.slice(start, start + MAX_LINE_CHARS)}${start + MAX_LINE_CHARS < text.length ? '…' : ''}`;
    index = index - start + (start > 0 ? 1 : 0);
  }
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  const caret = '^'.repeat(Math.min(tokenLength(shown, index), Math.max(1, shown.length - index)));
  return [
    `  ${style.dim(`${gutter} |`)} ${shown}`,
    `  ${style.dim(`${pad} |`)} ${' '.repeat(index)}${colour(caret)}`,
  ];
}
