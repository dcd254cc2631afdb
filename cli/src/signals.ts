import { EXIT } from './exit-codes.ts';

/** The signals that cancel a run, and the exit code each one ends the CLI with. */
const CANCELLING = { SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm } as const;

/** Which signal cancelled the run, if any. */
export type CancelSignal = keyof typeof CANCELLING;

/** A run's cancellation wiring: an AbortSignal fed by SIGINT/SIGTERM. */
export interface SignalScope {
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The signal received, or null. */
  received(): CancelSignal | null;
  /** The exit code for the received signal, or null. */
  exitCode(): number | null;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Turns the first SIGINT/SIGTERM into an abort, so the executor cancels running steps (their
 * process groups are killed) and the result is still reported. A second signal while the run
 * is winding down exits at once with the first signal's code.
 */
export function cancelOnSignals(onFirst?: (signal: CancelSignal) => void): SignalScope {
  const controller = new AbortController();
  let received: CancelSignal | null = null;
  const handlers = new Map<CancelSignal, () => void>();
  for (const name of Object.keys(CANCELLING) as CancelSignal[]) {
    const handler = (): void => {
      if (received !== null) process.exit(CANCELLING[received]);
      received = name;
      onFirst?.(name);
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
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
