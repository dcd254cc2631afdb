import { AttemptAbort, timeoutReason, type ChildStepsHost, type Deadlines } from './attempt-control.ts';
import { keepShape } from './kept-shapes.ts';
import { performance } from 'node:perf_hooks';
import type { MissionStep } from '../model/mission.ts';
import { retryDelayMs } from './retry.ts';
import { isNonRetryable, toStepError } from './step-error.ts';
import type { StepTypeLookup } from '../plugin/sdk.ts';
import type { RunEvent, StepDispatcher, StepError } from './types.ts';

/** setTimeout's ceiling; a longer timeout is treated as none instead of firing after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The outputs of every step that has none (a failure, or a plugin returning `{}` as noop
 * does): one frozen object instead of one per step, each kept to the end of the run.
 */
export const NO_OUTPUTS: Record<string, unknown> = Object.freeze({});

/** What a plugin returned, with an empty plain object (or nothing) as NO_OUTPUTS. */
function outputsOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return NO_OUTPUTS;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value as Record<string, unknown>;
  for (const _ in value as object) return value as Record<string, unknown>;
  return NO_OUTPUTS;
}

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
  /**
   * Whether a step of `type` declares `effect: 'pure'`: it has no side effect for its record to
   * precede, so it does not wait for the barrier (its events are committed with the next
   * batch, and every later side effect's own barrier commits them first).
   */
  pure(type: string): boolean;
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
export function runAttempts(host: AttemptHost, step: MissionStep, index: number): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    startAttempts(host, step, index, { attemptsEnded: (i, status, attempts, outputs, error) => resolve({ index: i, status, attempts, outputs, error }) });
  });
}

/**
 * Who startAttempts tells of the end of a step's attempts: the outcome's fields as arguments,
 * so a mission run (which copies them into its result at once) gets no object per step; a
 * method, so the engine's optimised code keeps one call target from run to run (a function
 * made per run was a new target each time, and that code was thrown away; finding 25).
 */
export interface AttemptsEnd {
  attemptsEnded(index: number, status: AttemptOutcome['status'], attempts: number, outputs: Record<string, unknown>, error: StepError | null): void;
}

/** AttemptHost.pure for a registry: an unknown type, or a lookup that fails, is not pure (it waits for the barrier). */
export function declaresPure(registry: StepTypeLookup, type: string): boolean {
  try {
    return registry.get(type)?.definition.effect === 'pure';
  } catch {
    return false;
  }
}

/**
 * runAttempts with a callback instead of a promise: what a mission run uses for every step,
 * with one shared `done` for all of them. Calls `done` exactly once.
 */
export function startAttempts(host: AttemptHost, step: MissionStep, index: number, done: AttemptsEnd, now?: number): void {
  new StepAttempts(host, step, index, done).next(now);
}

/**
 * The attempts of one step as a small state machine rather than an async function: an async
 * frame, its awaits and the dispatcher's race promise were most of what every step in flight
 * held (~1 KiB each with 10,000 concurrent waits, and the GC time that goes with it). It is
 * also the first attempt's AttemptAbort (one object per step, not two: most steps have one
 * attempt); a retry gets a fresh AttemptAbort, so a stale ctx of an earlier attempt never sees
 * a later attempt's abort. What is left per attempt: this object, the request, and one `then`
 * on the work.
 */
class StepAttempts extends AttemptAbort {
  private attempt = 0;
  private params: Record<string, unknown>;
  private resolved = true;
  private failure: unknown = undefined;
  private control: AttemptAbort | undefined = undefined;
  private readonly timeoutMs: number;
  private readonly timed: boolean;

  constructor(
    private readonly run: AttemptHost,
    step: MissionStep,
    index: number,
    private readonly done: AttemptsEnd,
  ) {
    super(step, run, index);
    this.owner = this;
    this.params = step.parameters;
    this.timeoutMs = step.timeoutSeconds * 1000;
    this.timed = this.timeoutMs > 0 && this.timeoutMs <= MAX_TIMER_MS;
  }

  /**
   * Starts the next attempt: templates (first attempt), step.started, the write-ahead barrier.
   * `now`: performance.now() of the caller just before (the run's launch time), reused for
   * the timeout clock when the dispatch follows synchronously (a clock read is ~0.2 µs, a
   * measurable share of a step).
   */
  next(now?: number): void {
    const { run: host, step } = this;
    const attempt = ++this.attempt;
    this.failure = undefined;
    this.resolved = true;
    if (attempt === 1 && step.hasTemplates) {
      try {
        this.params = host.resolveParams(step);
      } catch (error) {
        this.failure = error;
        this.resolved = false;
      }
    }
    if (host.hasSink) {
      const params = this.params;
      if (this.resolved) host.dispatcher.prepare?.({ runId: host.runId, stepId: step.id, type: step.type, params, attempt });
      host.emit(this.resolved
        ? { type: 'step.started', runId: host.runId, stepId: step.id, attempt, params }
        : { type: 'step.started', runId: host.runId, stepId: step.id, attempt });
    }
    // Write-ahead: the start (and everything before it) is on disk before the side effect.
    if (host.barrier !== undefined && !host.runSignal.aborted && !host.pure(step.type)) {
      host.barrier().then(
        () => this.dispatch(),
        (error: unknown) => {
          host.sinkFailed(error);
          this.dispatch();
        },
      );
      return;
    }
    this.dispatch(now);
  }

  /** Hands the attempt to the dispatcher and waits for the first of its result and its abort. */
  private dispatch(now = performance.now()): void {
    const { run: host, step } = this;
    const attempt = this.attempt;
    if (host.runSignal.aborted) return this.later(cancelled(host, this.index, attempt, attempt > 1));
    // Registered in `active` whether or not it has a timeout, so a run stop reaches it.
    const control = attempt === 1 ? this : new AttemptAbort(step, host, this.index, this);
    this.control = control;
    host.active[this.index] = control;
    let work: Promise<Record<string, unknown>>;
    try {
      if (!this.resolved) throw this.failure;
      if (this.timed) host.deadlines.add(control, this.timeoutMs, now);
      const request = { runId: host.runId, stepId: step.id, type: step.type, params: this.params, attempt };
      const dispatcher = host.dispatcher;
      work = dispatcher.startAttempt !== undefined
        ? dispatcher.startAttempt(request, control)
        : dispatcher.dispatchAttempt !== undefined
          ? dispatcher.dispatchAttempt(request, control)
          : dispatcher.dispatch(request, this.timed ? control.signal : host.runSignal);
    } catch (error) {
      // Never synchronously: the step's end reaches the run from a microtask, as every other end does.
      work = Promise.reject(error);
    }
    Promise.resolve(work).then(
      (outputs) => this.ended(control, true, outputs),
      (error: unknown) => this.ended(control, false, error),
    );
  }

  /** The run's timer wheel: the attempt's naps are queued there (read by AttemptAbort). */
  get deadlines(): Deadlines {
    return this.run.deadlines;
  }

  /**
   * The control aborted (run stop, deadline): one macrotask of grace, then the attempt ends
   * with the reason even if the plugin ignores it, so the run never waits on it. A plugin
   * whose run already returned (its resolution still in the microtask queue) is recorded as
   * it happened, succeeded, not cancelled.
   */
  controlAborted(control: AttemptAbort): void {
    setImmediate(abandon, this, control);
  }

  /** The attempt's work settled (or was abandoned): ends the step or schedules the retry. Ignores all but the first call per attempt. */
  ended(control: AttemptAbort, ok: boolean, value: unknown): void {
    if (control.settled || control !== this.control) return;
    const { run: host, step } = this;
    const attempt = this.attempt;
    control.settle();
    this.control = undefined;
    host.active[this.index] = undefined;
    if (this.timed) host.deadlines.settled(this.timeoutMs);
    if (ok) return this.done.attemptsEnded(this.index, 'succeeded', attempt, outputsOf(value), null);
    const failure = value;
    if (host.runSignal.aborted) return this.finish(cancelled(host, this.index, attempt, this.resolved || attempt > 1));
    const timedOut = control.timedOut;
    const error = toStepError(timedOut ? timeoutReason(step) : failure);
    if (attempt >= (step.retry.attempts > 1 ? step.retry.attempts : 1) || (!timedOut && isNonRetryable(failure))) {
      return this.done.attemptsEnded(this.index, 'failed', attempt, NO_OUTPUTS, error);
    }
    const delayMs = retryDelayMs(step.retry, attempt, host.random);
    if (host.hasSink) host.emit({ type: 'step.retried', runId: host.runId, stepId: step.id, attempt, delayMs, error });
    let pause: Promise<void>;
    try {
      pause = host.sleep(delayMs, host.runSignal);
    } catch {
      return this.finish(cancelled(host, this.index, attempt, true));
    }
    pause.then(
      () => (host.runSignal.aborted ? this.finish(cancelled(host, this.index, attempt, true)) : this.next()),
      () => this.finish(cancelled(host, this.index, attempt, true)),
    );
  }

  private finish(outcome: AttemptOutcome): void {
    this.done.attemptsEnded(outcome.index, outcome.status, outcome.attempts, outcome.outputs, outcome.error);
  }

  /** `finish` from a microtask (an end found while starting must not re-enter the run's pump). */
  private later(outcome: AttemptOutcome): void {
    queueMicrotask(() => this.finish(outcome));
  }
}

// The maps of a step's attempts and of a retry's control, kept between runs (kept-shapes.ts):
// made as a run makes them, on placeholders that hold nothing of a run.
const SHAPE_STEP = { parameters: {}, timeoutSeconds: 300 } as unknown as MissionStep;
const SHAPE_ATTEMPTS = keepShape(new StepAttempts({} as AttemptHost, SHAPE_STEP, 0, { attemptsEnded() {} }));
keepShape(new AttemptAbort(SHAPE_STEP, undefined, 0, SHAPE_ATTEMPTS));

/** setImmediate's callback for an aborted attempt (shared: no closure per abort). */
function abandon(attempts: StepAttempts, control: AttemptAbort): void {
  attempts.ended(control, false, control.reason);
}

/**
 * A cancelled step says whether its side effect may have happened: `possible` once its plugin
 * was started (this attempt or an earlier one), `none` when no attempt ever reached it.
 */
function cancelled(host: AttemptHost, index: number, attempts: number, started: boolean): AttemptOutcome {
  const error = host.cancelError();
  return { index, status: 'cancelled', attempts, outputs: NO_OUTPUTS, error: { ...error, details: { ...error.details, sideEffect: started ? 'possible' : 'none' } } };
}
