import { RustchainError } from '../errors.ts';
import type { MissionStep } from '../model/mission.ts';
import { retryDelayMs } from './retry.ts';
import { isNonRetryable, toStepError } from './step-error.ts';
import type { RunEvent, StepDispatcher, StepError } from './types.ts';

/** setTimeout's ceiling; a longer timeout is treated as none instead of firing after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** What one step's attempts need from the run around them (a mission run or a lone step). */
export interface AttemptHost {
  readonly runId: string;
  readonly dispatcher: StepDispatcher;
  /** Aborted by fail-fast, the caller's signal, or a failing event sink. */
  readonly runSignal: AbortSignal;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** False when nobody listens: then no event object is even built. */
  readonly hasSink: boolean;
  emit(event: RunEvent): void;
  /** Per-step controllers of attempts in flight (only steps with a timeout get one), so a run abort reaches them. */
  readonly active: Array<AbortController | undefined>;
  /** Parameters with templates resolved (called once per step, only when step.hasTemplates). */
  resolveParams(step: MissionStep): Record<string, unknown>;
  /** The error a step gets when the run is stopped under it. */
  cancelError(): StepError;
}

/** How a step's attempts ended (skipping is decided by the scheduler, never here). */
export interface AttemptOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  outputs: Record<string, unknown>;
  error: StepError | null;
}

/**
 * Runs a step's attempts: per-attempt timeout through an AbortSignal (E_STEP_TIMEOUT,
 * retryable), retries with backoff unless the error is nonRetryable, cancellation when the
 * run stops. Never rejects. An attempt that resolves after the run was stopped still counts as
 * succeeded: it did finish.
 */
export async function runAttempts(host: AttemptHost, step: MissionStep, index: number): Promise<AttemptOutcome> {
  const maxAttempts = step.retry.attempts > 1 ? step.retry.attempts : 1;
  const timeoutMs = step.timeoutSeconds * 1000;
  const runSignal = host.runSignal;
  let params = step.parameters;
  for (let attempt = 1; ; attempt++) {
    if (host.hasSink) host.emit({ type: 'step.started', runId: host.runId, stepId: step.id, attempt });
    if (runSignal.aborted) return cancelled(host, attempt);
    let failure: unknown;
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (attempt === 1 && step.hasTemplates) params = host.resolveParams(step);
      let signal = runSignal;
      if (timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS) {
        const controller = new AbortController();
        host.active[index] = controller;
        signal = controller.signal;
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort(timeoutReason(step));
        }, timeoutMs);
      }
      const outputs = await host.dispatcher.dispatch(
        { runId: host.runId, stepId: step.id, type: step.type, params, attempt },
        signal,
      );
      return { status: 'succeeded', attempts: attempt, outputs: outputs ?? {}, error: null };
    } catch (error) {
      failure = error;
    } finally {
      if (timer !== undefined) {
        clearTimeout(timer);
        host.active[index] = undefined;
      }
    }
    if (runSignal.aborted) return cancelled(host, attempt);
    const error = toStepError(timedOut ? timeoutReason(step) : failure);
    if (attempt >= maxAttempts || (!timedOut && isNonRetryable(failure))) {
      return { status: 'failed', attempts: attempt, outputs: {}, error };
    }
    const delayMs = retryDelayMs(step.retry, attempt, host.random);
    if (host.hasSink) host.emit({ type: 'step.retried', runId: host.runId, stepId: step.id, attempt, delayMs, error });
    try {
      await host.sleep(delayMs, runSignal);
    } catch {
      return cancelled(host, attempt);
    }
    if (runSignal.aborted) return cancelled(host, attempt);
  }
}

function cancelled(host: AttemptHost, attempts: number): AttemptOutcome {
  return { status: 'cancelled', attempts, outputs: {}, error: host.cancelError() };
}

/** Also the abort reason the step sees, so a plugin that rethrows it reports the timeout. */
function timeoutReason(step: MissionStep): RustchainError {
  return new RustchainError('E_STEP_TIMEOUT', `step "${step.id}" exceeded its timeout of ${step.timeoutSeconds} s`, {
    details: { stepId: step.id, timeoutSeconds: step.timeoutSeconds },
  });
}
