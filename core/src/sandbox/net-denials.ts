import type { RustchainError } from '../errors.ts';

/**
 * Connections a sandboxed command tried through the filtering proxy and the policy refused.
 * The command only sees a 403; ctx.exec reports each refusal here, and whoever runs the
 * mission (the run ledger) records it as a `policy.decision` of the step that ran it.
 */

/** One refused connection of a sandboxed command. */
export interface SandboxNetDenial {
  runId: string | null;
  stepId: string | null;
  command: string;
  error: RustchainError;
}

const listeners = new Set<(denial: SandboxNetDenial) => void>();

/** Subscribes to refusals; returns the unsubscribe function. */
export function onSandboxNetDenied(listener: (denial: SandboxNetDenial) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Reports one refusal to every listener (none: it is only the command's 403). */
export function reportSandboxNetDenied(denial: SandboxNetDenial): void {
  for (const listener of listeners) listener(denial);
}
