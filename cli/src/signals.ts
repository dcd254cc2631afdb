import { EXIT } from './exit-codes.ts';

/** The signals that cancel a run, and the exit code each one ends the CLI with. */
const CANCELLING = { SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm } as const;

/** Which signal cancelled the run, if any. */
type CancelSignal = keyof typeof CANCELLING;

/** A run's cancellation wiring: an AbortSignal fed by SIGINT/SIGTERM. */
export interface SignalScope {
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The signal received, or null. */
  received(): CancelSignal | null;
  /** The exit code for the received signal, or null. */
  exitCode(): number | null;
  /** Removes the handlers (kept after a cancellation, until the process exits). */
  dispose(): void;
}

/**
 * Turns the first SIGINT/SIGTERM into an abort, so the executor cancels running steps (their
 * process groups get SIGTERM, then SIGKILL after a short grace) and the result is still
 * reported and the ledger flushed. A second signal only says so: exiting then would orphan
 * those process groups and leave the ledger unflushed, and the grace period bounds the wait.
 * A third one exits at once, for a run that cannot stop.
 */
export function cancelOnSignals(stderr: NodeJS.WritableStream = process.stderr): SignalScope {
  const controller = new AbortController();
  let received: CancelSignal | null = null;
  let count = 0;
  const handlers = new Map<CancelSignal, () => void>();
  for (const name of Object.keys(CANCELLING) as CancelSignal[]) {
    const handler = (): void => {
      count += 1;
      if (received !== null) {
        if (count >= 3) process.exit(CANCELLING[received]);
        stderr.write(`rustchain: ${name}: already cancelling, waiting for running steps to stop (send it again to exit at once)\n`);
        return;
      }
      received = name;
      controller.abort(new Error(`received ${name}`));
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    received: () => received,
    exitCode: () => (received === null ? null : CANCELLING[received]),
    dispose() {
      // After a cancellation the CLI is about to report and exit: keep absorbing repeated
      // signals until then, or a second Ctrl-C would kill it before the ledger is flushed.
      if (received !== null) return;
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
