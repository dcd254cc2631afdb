import { constants } from 'node:os';

/**
 * The shell's exit status of a finished process: its exit code, or 128 + the signal number
 * when a signal killed it (as sh reports it). Here so that plugins need no node:os.
 */
export function shellExitStatus(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode;
  const number = signal ? (constants.signals as Record<string, number | undefined>)[signal] : undefined;
  return 128 + (number ?? 0);
}
