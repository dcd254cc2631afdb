import { AttemptAbort, timeoutReason, type ChildStepsHost, type Deadlines } from './attempt-control.ts';
import type { MissionStep } from '../model/mission.ts';
import { retryDelayMs } from './retry.ts';
import { isNonRetryable, toStepError } from './step-error.ts';
import type { RunEvent, StepDispatcher, StepError } from './types.ts';

/** setTimeout's ceiling; a longer timeout is treated as none instead of firing after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** What one step's attempts need from the run around them (a mission run or a lone step). */
export interface AttemptHost extends ChildStepsHost {
  readonly runId: string;
  readonly dispatcher: StepDispatcher;
  /** Aborted by fail-fast, the caller's signal, or a failing event sink. */
  readonly runSignal: AbortSignal;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** False when nobody listens: then no event object is even built. */
  readonly hasSink: boolean;
  emit(event: RunEvent): void;
  /** Resolves once every emitted event is durable (ExecuteOptions.barrier); undefined: no waiting. */
  readonly barrier: (() => Promise<void>) | undefined;
  /** The barrier rejected: stop the run (fail closed). */
  sinkFailed(error: unknown): void;
  /** The cancellation of each attempt in flight by step index, so a run stop reaches them. */
  readonly active: Array<AttemptAbort | undefined>;
  /** The shared timer of every attempt's timeout. */
  readonly deadlines: Deadlines;
  /** Parameters with templates resolved (called once per step, only when step.hasTemplates). */
  resolveParams(step: MissionStep): Record<string, unknown>;
  /** The error a step gets when the run is stopped under it. */
  cancelError(): StepError;
}

/** How a step's attempts ended (skipping is decided by the scheduler, never here). */
export interface AttemptOutcome {
  /** The step's index (as given to runAttempts), so one shared callback can take every outcome. */
  index: number;
  status: 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  outputs: Record<string, unknown>;
  error: StepError | null;
}

/**
 * Runs a step's attempts: per-attempt timeout through the host's deadlines (E_STEP_TIMEOUT,
 * retryable), retries with backoff unless the error is nonRetryable, cancellation when the
 * run stops. Never rejects. An attempt that resolves after the run was stopped still counts as
 * succeeded: it did finish.
 */
export async function runAttempts(host: AttemptHost, step: MissionStep, index: number): Promise<AttemptOutcome> {
  const maxAttempts = step.retry.attempts > 1 ? step.retry.attempts : 1;
  const timeoutMs = step.timeoutSeconds * 1000;
  const runSignal = host.runSignal;
  let params = step.parameters;
  const timed = timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS;
  const dispatcher = host.dispatcher;
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    let resolved = true;
    if (attempt === 1 && step.hasTemplates) {
      try {
        params = host.resolveParams(step);
      } catch (error) {
        failure = error;
        resolved = false;
      }
    }
    if (host.hasSink) {
      if (resolved) dispatcher.prepare?.({ runId: host.runId, stepId: step.id, type: step.type, params, attempt });
      host.emit(resolved
        ? { type: 'step.started', runId: host.runId, stepId: step.id, attempt, params }
        : { type: 'step.started', runId: host.runId, stepId: step.id, attempt });
    }
    // Write-ahead: the start (and everything before it) is on disk before the side effect.
    if (host.barrier !== undefined && !runSignal.aborted) {
      try {
        await host.barrier();
      } catch (error) {
        host.sinkFailed(error);
      }
    }
    if (runSignal.aborted) return cancelled(host, index, attempt, attempt > 1);
    // Registered in `active` whether or not it has a timeout, so a run stop reaches it.
    const control = new AttemptAbort(step, host, index);
    host.active[index] = control;
    try {
      if (!resolved) throw failure;
      if (timed) host.deadlines.add(control, timeoutMs);
      const request = { runId: host.runId, stepId: step.id, type: step.type, params, attempt };
      const outputs = await (dispatcher.dispatchAttempt !== undefined
        ? dispatcher.dispatchAttempt(request, control)
        : dispatcher.dispatch(request, timed ? control.signal : runSignal));
      return { index, status: 'succeeded', attempts: attempt, outputs: outputs ?? {}, error: null };
    } catch (error) {
      failure = error;
    } finally {
      control.settle();
      host.active[index] = undefined;
      if (timed) host.deadlines.settled(timeoutMs);
    }
    if (runSignal.aborted) return cancelled(host, index, attempt, resolved || attempt > 1);
    const timedOut = control.timedOut;
    const error = toStepError(timedOut ? timeoutReason(step) : failure);
    if (attempt >= maxAttempts || (!timedOut && isNonRetryable(failure))) {
      return { index, status: 'failed', attempts: attempt, outputs: {}, error };
    }
    const delayMs = retryDelayMs(step.retry, attempt, host.random);
    if (host.hasSink) host.emit({ type: 'step.retried', runId: host.runId, stepId: step.id, attempt, delayMs, error });
    try {
      await host.sleep(delayMs, runSignal);
    } catch {
      return cancelled(host, index, attempt, true);
    }
    if (runSignal.aborted) return cancelled(host, index, attempt, true);
  }
}

/**
 * A cancelled step says whether its side effect may have happened: `possible` once its plugin
 * was started (this attempt or an earlier one), `none` when no attempt ever reached it.
 */
function cancelled(host: AttemptHost, index: number, attempts: number, started: boolean): AttemptOutcome {
  const error = host.cancelError();
  return { index, status: 'cancelled', attempts, outputs: {}, error: { ...error, details: { ...error.details, sideEffect: started ? 'possible' : 'none' } } };
}
