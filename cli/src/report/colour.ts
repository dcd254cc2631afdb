/**
 * Whether to colour what goes to a stream, and the few styles the CLI uses. The conventions
 * people set in their shell decide first: FORCE_COLOR (any value but `0`/`false`) turns
 * colour on even into a pipe, NO_COLOR (any non-empty value, https://no-color.org) turns it
 * off; otherwise a terminal gets colour and a pipe or file does not.
 */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true;
}

/** ANSI styles, or identity functions when colour is off (one switch, no checks at call sites). */
export interface Styles {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const sgr = (open: number, close: number) => (text: string): string => `\u001B[${open}m${text}\u001B[${close}m`;

const COLOURED: Styles = { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), bold: sgr(1, 22), dim: sgr(2, 22) };
const same = (text: string): string => text;
const PLAIN: Styles = { red: same, green: same, yellow: same, cyan: same, bold: same, dim: same };

/** The styles for `stream` (plain when colour is off for it). */
export function stylesFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Styles {
  return colourEnabled(stream, env) ? COLOURED : PLAIN;
}
