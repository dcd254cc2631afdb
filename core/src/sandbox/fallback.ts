import type { LedgerInput } from '../audit/types.ts';

/**
 * Fallbacks to unsandboxed execution (`sandbox: preferred` without a usable bwrap) are never
 * silent: ctx.exec reports each one here, and whoever runs the mission (the CLI) turns it
 * into a warning on stderr and a `sandbox.fallback` ledger event of the run.
 */

/** One command that ran without the sandbox the policy preferred. */
export interface SandboxFallback {
  runId: string | null;
  stepId: string | null;
  command: string;
  reason: string;
}

const listeners = new Set<(fallback: SandboxFallback) => void>();

/** Subscribes to fallbacks; returns the unsubscribe function. */
export function onSandboxFallback(listener: (fallback: SandboxFallback) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Reports one fallback (to every listener; with none, as a process warning). */
export function reportSandboxFallback(fallback: SandboxFallback): void {
  if (listeners.size === 0) {
    process.emitWarning(`running \`${fallback.command}\` unsandboxed: ${fallback.reason}`, { code: 'RUSTCHAIN_SANDBOX_FALLBACK' });
    return;
  }
  for (const listener of listeners) listener(fallback);
}

/** Ledger input for a fallback. */
export function sandboxFallbackInput(fallback: SandboxFallback): LedgerInput {
  return { runId: fallback.runId, type: 'sandbox.fallback', payload: { stepId: fallback.stepId, command: fallback.command, reason: fallback.reason } };
}
