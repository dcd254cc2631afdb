import { RustchainError } from '../errors.ts';
import { probeBwrap, type BwrapProbe } from './bwrap.ts';

/**
 * Whether a command runs sandboxed. The policy's `sandbox` mode decides what happens when
 * bwrap is missing: `required` refuses the step, `preferred` runs it unsandboxed (with a
 * warning), `off` never sandboxes unless the step itself asks for `sandbox: bwrap`, which
 * then behaves as `required` for that step.
 */

/** Policy-level sandbox mode. */
export type SandboxMode = 'required' | 'preferred' | 'off';

/** What a step asked for (`sandbox:` parameter of a command step). */
export type SandboxRequest = 'bwrap' | 'none' | undefined;

/** The decision: sandbox or not, plus a warning when a preferred sandbox was skipped. */
export type SandboxDecision = { sandbox: true } | { sandbox: false; warning: string | null };

/**
 * The mode when the policy names none: `preferred` where bubblewrap is usable (commands are
 * confined by default), else `off` — asking for a sandbox that cannot exist would only make
 * every command warn. An explicit `preferred` that falls back is reported (fallback.ts).
 */
export function defaultSandboxMode(probe: BwrapProbe = probeBwrap()): SandboxMode {
  return probe.available ? 'preferred' : 'off';
}

/** Decides for one command; throws E_SANDBOX_UNAVAILABLE (or E_POLICY_LIMIT for a refused opt-out). */
export function decideSandbox(mode: SandboxMode, request: SandboxRequest, probe: BwrapProbe): SandboxDecision {
  if (request === 'none' && mode === 'required') {
    throw new RustchainError('E_POLICY_LIMIT', 'the policy requires the bwrap sandbox; a step cannot opt out with sandbox: none', {
      details: { mode, request, allowWith: 'policy.sandbox: preferred or off' },
      nonRetryable: true,
    });
  }
  if (request === 'none' || (mode === 'off' && request === undefined)) return { sandbox: false, warning: null };
  const required = mode === 'required' || request === 'bwrap';
  if (probe.available) return { sandbox: true };
  if (required) {
    throw new RustchainError('E_SANDBOX_UNAVAILABLE', `the bwrap sandbox is required but unavailable: ${probe.reason ?? 'unknown reason'}`, {
      details: { mode, request: request ?? null, reason: probe.reason, allowWith: 'install bubblewrap, or policy.sandbox: preferred' },
      nonRetryable: true,
    });
  }
  return { sandbox: false, warning: `sandbox preferred but unavailable, running unsandboxed: ${probe.reason ?? ''}` };
}
