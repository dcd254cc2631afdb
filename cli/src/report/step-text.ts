/**
 * How the text summary shows a step's values and failures: a value exactly as JSON (strings
 * are not trimmed; only a value longer than the limit is cut, and an ellipsis with the count
 * of what was left out says so), and for a failed command the last lines of its stderr.
 */
import type { StepError } from '@rustchain/core';

/** Longest rendering of one output value in the text summary (`--json` has every value whole). */
const MAX_VALUE_CHARS = 300;
/** Lines of a failed command's stderr shown under it. */
const STDERR_LINES = 10;
/** Longest stderr line shown. */
const MAX_LINE_CHARS = 300;

/** `value` as JSON, cut at the limit with `… (N more chars)`. */
export function formatValue(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length - MAX_VALUE_CHARS} more chars)` : text;
}

/** The stderr a failed step left, if its error carries one (a command: `details.outputs.stderr`). */
function stderrOf(error: StepError): string | null {
  const details = error.details ?? {};
  const outputs = details['outputs'] as { stderr?: unknown } | undefined;
  const stderr = outputs?.stderr ?? details['stderr'];
  return typeof stderr === 'string' && stderr.trim() !== '' ? stderr : null;
}

/** The last lines of a failed step's stderr (none when it left none), each cut with an ellipsis if very long. */
export function stderrTail(error: StepError): { lines: string[]; omitted: number } {
  const stderr = stderrOf(error);
  if (stderr === null) return { lines: [], omitted: 0 };
  const all = stderr.replace(/\n+$/, '').split('\n');
  const lines = all.slice(-STDERR_LINES).map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line));
  return { lines, omitted: all.length - lines.length };
}
