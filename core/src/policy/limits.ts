import { RustchainError } from '../errors.ts';
import type { Mission } from '../model/mission.ts';

/**
 * Policy limits: how big a mission may be and how long and loud its steps may get. Step
 * count and timeouts are checked statically; the output cap is applied at run time by
 * `ctx.exec` and `ctx.fetch`.
 */

/** Limits a policy may set; absent = unlimited. */
export interface PolicyLimits {
  maxSteps?: number;
  /** Largest effective timeout_seconds a step may have (a timeout of 0 = none exceeds it). */
  maxTimeoutSeconds?: number;
  /** Cap on a command's stdout/stderr and an HTTP response body, in bytes. */
  maxOutputBytes?: number;
  /** Cap on all step outputs a run keeps in memory, in bytes (default 256 MiB): E_RUN_OUTPUTS_TOO_LARGE. */
  maxRunOutputBytes?: number;
}

/** One limit violation, located by JSON pointer. */
export interface LimitViolation {
  pointer: string;
  error: RustchainError;
}

function limitError(message: string, details: Record<string, unknown>): RustchainError {
  return new RustchainError('E_POLICY_LIMIT', message, { details, nonRetryable: true });
}

/** Every static limit the mission breaks. */
export function checkLimits(mission: Mission, limits: PolicyLimits | undefined): LimitViolation[] {
  if (!limits) return [];
  const out: LimitViolation[] = [];
  if (limits.maxSteps !== undefined && mission.steps.length > limits.maxSteps) {
    out.push({
      pointer: '/steps',
      error: limitError(`the mission has ${mission.steps.length} steps; the policy allows at most ${limits.maxSteps}`, {
        rule: 'limits.maxSteps',
        limit: limits.maxSteps,
        actual: mission.steps.length,
        allowWith: 'policy.limits.maxSteps',
      }),
    });
  }
  const maxT = limits.maxTimeoutSeconds;
  if (maxT !== undefined) {
    mission.steps.forEach((step, i) => {
      if (step.timeoutSeconds === 0 || step.timeoutSeconds > maxT) {
        const actual = step.timeoutSeconds === 0 ? 'no timeout' : `${step.timeoutSeconds} s`;
        out.push({
          pointer: `/steps/${i}/timeout_seconds`,
          error: limitError(`step ${step.id} has ${actual}; the policy allows at most ${maxT} s`, {
            rule: 'limits.maxTimeoutSeconds',
            limit: maxT,
            actual: step.timeoutSeconds,
            step: step.id,
            allowWith: 'policy.limits.maxTimeoutSeconds',
          }),
        });
      }
    });
  }
  return out;
}

/** The output cap to use: the smaller of what the caller asked and the policy limit. */
export function capOutput(requested: number | undefined, fallback: number, limits: PolicyLimits | undefined): number {
  const want = requested ?? fallback;
  return limits?.maxOutputBytes === undefined ? want : Math.min(want, limits.maxOutputBytes);
}
