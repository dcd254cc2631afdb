import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MissionStep } from '../model/mission.ts';
import { resolveTemplates } from '../template/resolve.ts';
import { Deadlines, type AttemptAbort } from './attempt-control.ts';
import { declaresPure, runAttempts, type AttemptHost } from './attempts.ts';
import { claimChildId, createChildSteps } from './child-steps.ts';
import { MissionRun } from './mission-run.ts';
import { dispatcherFor } from './execute.ts';
import type { ExecuteOptions } from './options.ts';
import { abortableSleep } from './retry.ts';
import { templateScope, type StepOutputs } from './scope.ts';
import type { RunEvent, StepError, StepResult } from './types.ts';

/**
 * Runs one step (with retries and timeout) outside a mission. `upstream` holds the outputs
 * of the steps its templates reference, `vars` the mission variables. Emits the step's events
 * (no run.* events). Resolves with a `failed`/`cancelled` result rather than rejecting, except
 * when the event sink throws (that error is rethrown after the step settled).
 */
export async function executeStep(
  step: MissionStep,
  options: ExecuteOptions & { upstream?: Record<string, Record<string, unknown>> | undefined; vars?: Record<string, string | number | boolean> | undefined },
): Promise<StepResult> {
  const controller = new AbortController();
  const active: Array<AttemptAbort | undefined> = [];
  const deadlines = new Deadlines();
  const external = options.signal;
  const cancel = (reason: unknown): void => {
    controller.abort(reason);
    // The attempt in flight has its own cancellation: reach it too.
    for (const a of active) a?.abort(reason);
  };
  const onAbort = (): void => cancel(external?.reason);
  if (external?.aborted) onAbort();
  else external?.addEventListener('abort', onAbort, { once: true });
  const upstream = Object.assign(Object.create(null) as StepOutputs, options.upstream);
  const scope = templateScope(upstream, options.vars ?? {}, options.policy, options.env ?? process.env);
  let sink = options.onEvent;
  let sinkError: { error: unknown } | null = null;
  const children: StepResult[] = [];
  const childIds = new Set<string>();
  const host: AttemptHost = {
    runId: options.runId ?? randomUUID(),
    dispatcher: dispatcherFor(options),
    runSignal: controller.signal,
    sleep: options.sleep ?? abortableSleep,
    random: options.random ?? Math.random,
    hasSink: sink !== undefined,
    barrier: options.barrier,
    pure: (type) => declaresPure(options.registry, type),
    sinkFailed(error: unknown): void {
      sink = undefined;
      sinkError ??= { error };
      cancel(error);
    },
    active,
    deadlines,
    emit(event: RunEvent): void {
      if (sink === undefined) return;
      try {
        sink(event);
      } catch (error) {
        sink = undefined;
        sinkError = { error };
        cancel(error);
      }
    },
    resolveParams: (s) => resolveTemplates(s.parameters, scope) as Record<string, unknown>,
    childSteps: (_index, s, control) =>
      createChildSteps({ host, options, record: (r) => children.push(r), claimId: (id) => claimChildId(childIds, id), subRun: (m, o, d, p) => new MissionRun(m, o, d, p).start() }, s, control),
    cancelError: (): StepError =>
      sinkError ? { code: 'E_STEP_CANCELLED', message: 'cancelled: the event sink failed', details: { reason: 'sink' } } : { code: 'E_STEP_CANCELLED', message: 'cancelled by signal', details: { reason: 'signal' } },
  };
  const began = performance.now();
  try {
    const outcome = await runAttempts(host, step, 0);
    const durationMs = performance.now() - began;
    const base = { runId: host.runId, stepId: step.id, attempt: outcome.attempts };
    if (outcome.status === 'succeeded') host.emit({ type: 'step.succeeded', ...base, durationMs, outputs: outcome.outputs });
    else if (outcome.status === 'failed') host.emit({ type: 'step.failed', ...base, durationMs, error: outcome.error! });
    else host.emit({ type: 'step.cancelled', ...base, error: outcome.error! });
    if (sinkError) throw (sinkError as { error: unknown }).error;
    const result: StepResult = { id: step.id, status: outcome.status, attempts: outcome.attempts, durationMs, outputs: outcome.outputs, error: outcome.error };
    if (children.length > 0) result.children = children;
    return result;
  } finally {
    deadlines.dispose();
    external?.removeEventListener('abort', onAbort);
    // The step's started processes end with it, as they would with its run.
    await host.dispatcher.finishRun?.(host.runId);
  }
}
