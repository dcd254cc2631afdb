import { destination as pinoDestination, pino, type Logger } from 'pino';

/** Accepted `--log-level` values (pino's, plus silent). */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The CLI's structured logger. */
export type CliLogger = Logger;

const loggers = new Map<string, CliLogger>();

/**
 * A pino logger writing JSON lines to stderr (fd 2) or, when `file` is given, to that file —
 * never to stdout, which belongs to `--json` output. Synchronous writes: the CLI exits with
 * process.exit and must not lose the last lines.
 */
export function createLogger(level: string, file?: string): CliLogger {
  const key = `${level}\u0000${file ?? ''}`;
  let logger = loggers.get(key);
  if (logger === undefined) {
    const destination = pinoDestination({ dest: file ?? 2, sync: true, mkdir: true });
    logger = pino({ level, base: { name: 'rustchain' } }, destination);
    loggers.set(key, logger);
  }
  return logger;
}
