import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { prettyLogStream } from './log-pretty.ts';
import { stylesFor } from './report/colour.ts';

/** Accepted `--log-level` values (pino's, plus silent). */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The CLI's structured logger. */
export type CliLogger = Logger;

const loggers = new Map<string, CliLogger>();
// pino is CommonJS: required on first use, so commands that never log do not pay to load it.
const requireHere = createRequire(import.meta.url);

/**
 * A pino logger writing JSON lines to stderr (fd 2; prettified on a terminal) or, when `file` is given, to that file —
 * never to stdout, which belongs to `--json` output. Synchronous writes: the CLI exits with
 * process.exit and must not lose the last lines.
 */
export function createLogger(level: string, file?: string): CliLogger {
  const key = `${level}\u0000${file ?? ''}`;
  let logger = loggers.get(key);
  if (logger === undefined) {
    const { pino, destination } = requireHere('pino') as typeof import('pino');
    // On a terminal, readable lines; anywhere else (files, pipes, CI) the JSON lines tools read.
    const target = file === undefined && process.stderr.isTTY === true
      ? prettyLogStream(process.stderr, stylesFor(process.stderr))
      : destination({ dest: file ?? 2, sync: true, mkdir: true });
    logger = pino({ level, base: { name: 'rustchain' } }, target);
    loggers.set(key, logger);
  }
  return logger;
}

/** pino's numeric value of each level (silent: above all). */
const LEVEL_VALUES: Record<string, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity };

/** Whether a logger at `level` writes `wanted` lines, answered without loading pino. */
export function levelEnabled(level: string, wanted: string): boolean {
  return (LEVEL_VALUES[wanted] ?? Infinity) >= (LEVEL_VALUES[level] ?? LEVEL_VALUES['warn']!);
}

/**
 * createLogger's logger, made on its first use: a run at the default level usually logs
 * nothing, and loading pino and building its stream was ~20 ms of every run's start-up.
 */
export function lazyLogger(level: string, file?: string): CliLogger {
  let real: CliLogger | undefined;
  const logger = (): CliLogger => (real ??= createLogger(level, file));
  return new Proxy({} as CliLogger, {
    get(_target, key) {
      const value: unknown = Reflect.get(logger(), key, real);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
    set: (_target, key, value) => Reflect.set(logger(), key, value, real),
  });
}
