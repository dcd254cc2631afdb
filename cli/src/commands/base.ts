import { Command, Option, UsageError } from 'clipanion';
import type { Diagnostic } from '@rustchain/core';
import { EXIT } from '../exit-codes.ts';
import { createLogger, LOG_LEVELS, type CliLogger } from '../logger.ts';
import { printDiagnostics } from '../report/diagnostics.ts';

/** Recognises a thrown value by shape (never instanceof: copies of core may differ). */
function diagnosticsOf(error: unknown): readonly Diagnostic[] | null {
  if (typeof error !== 'object' || error === null) return null;
  const { diagnostics } = error as { diagnostics?: unknown };
  return Array.isArray(diagnostics) ? (diagnostics as Diagnostic[]) : null;
}

/** A coded error that is the user's input, not a bug (anything but E_INTERNAL). */
function inputErrorOf(error: unknown): Diagnostic | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, location } = error as { code?: unknown; message?: unknown; location?: { file: string; line: number; column: number } };
  if (typeof code !== 'string' || !code.startsWith('E_') || code === 'E_INTERNAL') return null;
  return {
    code: code as Diagnostic['code'],
    severity: 'error',
    message: typeof message === 'string' ? message : code,
    file: location?.file ?? '',
    line: location?.line ?? 0,
    column: location?.column ?? 0,
  };
}

/**
 * Base of every rustchain command: `--json` and `--log-level`, and the mapping of whatever
 * escapes `run()` to an exit code — usage errors and diagnostics are the user's (2),
 * anything else is a bug (3). Subclasses implement `run()` and return an exit code.
 */
export abstract class RustchainCommand extends Command {
  /** Print one JSON document on stdout and nothing else there. */
  json = Option.Boolean('--json', false, { description: 'Print one JSON document on stdout (nothing else goes there)' });

  /** pino log level; logs never go to stdout. */
  logLevel = Option.String('--log-level', 'warn', { description: `Log level on stderr: ${LOG_LEVELS.join(', ')} (default warn)` });

  /** Does the work; returns the exit code. */
  abstract run(): Promise<number>;

  /** The logger for this invocation (stderr). */
  protected logger(): CliLogger {
    return createLogger(this.logLevel);
  }

  /** Writes diagnostics in the chosen mode: JSON on stdout, or compiler-style lines on stderr. */
  protected async reportDiagnostics(diagnostics: readonly Diagnostic[], ok: boolean): Promise<void> {
    await printDiagnostics(diagnostics, { json: this.json, ok, stdout: this.context.stdout, stderr: this.context.stderr });
  }

  /** clipanion's entry point: maps every outcome to the contract's exit codes. */
  async execute(): Promise<number> {
    try {
      if (!LOG_LEVELS.includes(this.logLevel)) {
        throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
      }
      return await this.run();
    } catch (error) {
      if ((error as { clipanion?: { type?: string } } | null)?.clipanion?.type === 'usage') {
        this.context.stderr.write(`rustchain: ${(error as Error).message}\n`);
        if (this.json) await this.reportDiagnostics([{ code: 'E_USAGE', severity: 'error', message: (error as Error).message, file: '', line: 0, column: 0 }], false);
        return EXIT.invalid;
      }
      const coded = inputErrorOf(error);
      const diagnostics = diagnosticsOf(error) ?? (coded === null ? null : [coded]);
      if (diagnostics !== null) {
        await this.reportDiagnostics(diagnostics, false);
        return EXIT.invalid;
      }
      const message = error instanceof Error ? error.message : String(error);
      const verbose = this.logLevel === 'debug' || this.logLevel === 'trace';
      const trace = verbose ? `${error instanceof Error ? (error.stack ?? message) : message}\n` : '(run again with --log-level debug for the stack trace)\n';
      this.context.stderr.write(
        `rustchain: internal error: ${message}\n` +
          'This is a bug in rustchain: please report it with the command line you ran.\n' +
          trace,
      );
      return EXIT.internal;
    }
  }
}
