/**
 * pino's JSON lines made readable on a terminal (pino-pretty is not a dependency): time, the
 * level in colour, the message, then the other fields as `key=value` (JSON for objects). A line
 * that is not JSON passes through unchanged. Files and pipes keep the JSON lines.
 */
import type { Styles } from './report/colour.ts';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, shown in their own places (or not at all). */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v']);

/** One JSON log line as one human line (newline included). */
export function prettyLogLine(line: string, styles: Styles): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry['level'] === 'number' ? entry['level'] : 30;
  const name = LEVELS[level] ?? String(level);
  const tint = level >= 50 ? styles.red : level >= 40 ? styles.yellow : level >= 30 ? styles.cyan : styles.dim;
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']).toISOString().slice(11, 23) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !OWN.has(key))
    .map(([key, value]) => `${styles.dim(`${key}=`)}${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${styles.dim(time)} ${tint(name.padEnd(5))} ${String(entry['msg'] ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
}

/** A pino destination writing prettified lines to `stream` (synchronously, as the CLI's logger must). */
export function prettyLogStream(stream: NodeJS.WritableStream, styles: Styles): { write(line: string): boolean } {
  return { write: (line) => stream.write(prettyLogLine(line, styles)) };
}
