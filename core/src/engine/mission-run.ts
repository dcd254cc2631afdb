import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { computeExecutionOrder } from '../dag/schedule.ts';
import { IntMinHeap } from '../dag/heap.ts';
import { RustchainError } from '../errors.ts';
import type { Mission, MissionStep } from '../model/mission.ts';
import { Deadlines, type AttemptAbort } from './attempt-control.ts';
import { declaresPure, NO_OUTPUTS, startAttempts, type AttemptHost, type AttemptOutcome, type AttemptsEnd } from './attempts.ts';
import { claimChildId, createChildSteps } from './child-steps.ts';
import type { StepsCapability } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { abortableSleep } from './retry.ts';
import { templateScope, type StepOutputs } from './scope.ts';
import { resolveTemplates } from '../template/resolve.ts';
import type { ExecuteOptions } from './options.ts';
import type { AttemptControl, MissionResult, RunEvent, StepDispatcher, StepError, StepResult, StepStatus } from './types.ts';
import type { IndexedGraph } from '../dag/graph.ts';
import { DEFAULT_MAX_RUN_OUTPUT_BYTES, OutputBudget } from './output-budget.ts';
import { keepShape } from './kept-shapes.ts';
import { toStepError } from './step-error.ts';

/**
 * Most steps one event-loop turn starts (pump). A turn's events wait for the ledger's next
 * group commit (one batch per turn): at 1,024, a turn of quick steps allocated ~10 MB, so its
 * batch outlived scavenges and V8 pretenured those allocation sites; a 50,000-step chain's
 * peak RSS 171 -> 153 MB at 256, CPU and the 10,000-step fan-out unchanged (finding 24).
 */
const LAUNCH_BATCH = 256;

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;

/** Why the run stopped early; decides the cancellation error and the run status. */
type StopReason = { kind: 'fail_fast'; stepId: string } | { kind: 'signal' } | { kind: 'sink' };

/**
 * One mission execution. Event-driven: a step is queued the moment its last dependency
 * finishes and starts as soon as a slot is free; the ready queue is ordered by schedule rank,
 * so the start order is deterministic for a given completion order. Every per-step structure
 * is an integer-indexed array built once, so the scheduling cost per step is O(degree).
 */
export class MissionRun implements AttemptHost, AttemptsEnd {
  readonly runId: string;
  readonly dispatcher: StepDispatcher;
  readonly runSignal: AbortSignal;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly hasSink: boolean;
  readonly barrier: (() => Promise<void>) | undefined;
  readonly active: Array<AttemptAbort | undefined>;
  readonly deadlines = new Deadlines();

  private readonly steps: readonly MissionStep[];
  private readonly graph: IndexedGraph;
  private readonly orderIndex: Int32Array;
  private readonly rank: Int32Array;
  private readonly state: Uint8Array;
  private readonly remaining: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly results: Array<StepResult | undefined>;
  private readonly ready: IntMinHeap;
  private readonly controller = new AbortController();
  private readonly limit: number;
  private readonly failFast: boolean;
  private readonly outputs: StepOutputs;
  /**
   * Whether anything reads `outputs` by step id: this run's templates, its `finally:` steps
   * (seeded with them) or a sub-DAG's aliases. Else each success skips an insertion into a
   * dictionary of every step (~0.1 µs a step in a 10,000-step fan-out); results keep outputs.
   */
  private readonly keepOutputs: boolean;
  private readonly scope: ReturnType<typeof templateScope> | null;
  private sink: ((event: RunEvent) => void) | undefined;
  private running = 0;
  private done = 0;
  /** Steps started since the last deferred pump (see pump). */
  private launchedThisTurn = 0;
  private pumpDeferred = false;
  private stopReason: StopReason | null = null;
  private sinkError: { error: unknown } | null = null;
  /** A started process changed a governing path (finishRun rejected): the run fails with it. */
  private processError: StepError | null = null;
  private finished = false;
  private readonly began = performance.now();
  private settle!: { resolve: (r: MissionResult) => void; reject: (e: unknown) => void };
  private finallyResults: StepResult[] | null = null;
  private readonly budget: OutputBudget;
  /** Child steps (ctx.steps) of each step, and the child ids each has used, by step index. */
  private readonly childResults: Array<StepResult[] | undefined> = [];
  private readonly childIds: Array<Set<string> | undefined> = [];
  /** Whether each step type seen declares `effect: 'pure'` (see pure()). */
  private readonly pureTypes = new Map<string, boolean>();

  /**
   * `phase` is set for the run of a mission's `finally:` steps inside the main run: it sees
   * the main steps' outputs, emits no run.* events and leaves the run's end to its parent.
   * A sub-DAG of child steps (ctx.steps.runMission) is one too; its `aliases` are the ids its
   * own templates name its (nested-id) steps by.
   */
  constructor(
    private readonly mission: Mission,
    private readonly options: ExecuteOptions,
    dispatcher: StepDispatcher,
    private readonly phase: { seed: StepOutputs; aliases?: readonly string[] } | null = null,
  ) {
    this.steps = mission.steps;
    const schedule = computeExecutionOrder(mission.steps);
    this.graph = schedule.graph;
    this.orderIndex = schedule.orderIndex;
    const n = this.steps.length;
    this.rank = new Int32Array(n);
    for (let p = 0; p < n; p++) this.rank[this.orderIndex[p]!] = p;
    this.state = new Uint8Array(n);
    this.remaining = new Int32Array(n);
    for (let i = 0; i < n; i++) this.remaining[i] = this.graph.depStart[i + 1]! - this.graph.depStart[i]!;
    this.startedAt = new Float64Array(n);
    this.results = new Array<StepResult | undefined>(n);
    this.active = new Array<AttemptAbort | undefined>(n);
    this.ready = new IntMinHeap(Math.min(n, 1024));
    this.runId = options.runId ?? randomUUID();
    this.dispatcher = dispatcher;
    this.runSignal = this.controller.signal;
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.sink = options.onEvent;
    this.hasSink = this.sink !== undefined;
    this.barrier = options.barrier;
    this.limit = parallelLimit(options.maxParallelSteps ?? mission.config.maxParallelSteps);
    this.failFast = mission.config.failFast;
    this.budget = new OutputBudget(options.policy.limits?.maxRunOutputBytes ?? DEFAULT_MAX_RUN_OUTPUT_BYTES);
    this.outputs = Object.assign(Object.create(null) as StepOutputs, phase?.seed);
    this.scope = this.steps.some((s) => s.hasTemplates)
      ? templateScope(this.outputs, mission.vars, options.policy, options.env ?? process.env)
      : null;
    this.keepOutputs = this.scope !== null || (mission.finally?.length ?? 0) > 0 || phase?.aliases !== undefined;
  }

  /** Runs the mission; resolves when every step is terminal and nothing is in flight. */
  start(): Promise<MissionResult> {
    const promise = new Promise<MissionResult>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    if (this.phase === null) {
      this.emit({
        type: 'run.started',
        runId: this.runId,
        mission: this.mission.name,
        missionSha256: this.mission.source.sha256,
        steps: this.steps.length,
      });
    }
    if (this.options.completed !== undefined) this.reuseCompleted(this.options.completed);
    const external = this.options.signal;
    // A sink that already failed on run.started has finished the run: add no listener then.
    if (external?.aborted) this.stop({ kind: 'signal' });
    else if (!this.finished) external?.addEventListener('abort', this.onExternalAbort, { once: true });
    if (!this.stopReason) {
      for (let p = 0; p < this.orderIndex.length; p++) {
        const i = this.orderIndex[p]!;
        if (this.remaining[i] === 0 && this.state[i] === PENDING) this.ready.push(p);
      }
    }
    this.pump();
    return promise;
  }

  /** Resume: steps that succeeded before are done with their recorded outputs; their edges count as satisfied. */
  private reuseCompleted(completed: NonNullable<ExecuteOptions['completed']>): void {
    const { dependentStart, dependentList } = this.graph;
    for (let i = 0; i < this.steps.length; i++) {
      const id = this.steps[i]!.id;
      if (!Object.hasOwn(completed, id)) continue;
      const done = completed[id]!;
      this.record(i, 'succeeded', done.attempts, 0, done.outputs, null);
      this.results[i]!.resumed = true;
      this.outputs[id] = done.outputs;
      for (let k = dependentStart[i]!; k < dependentStart[i + 1]!; k++) this.remaining[dependentList[k]!]!--;
    }
  }

  /** Sends an event to the sink; a throwing sink stops the run (fail closed). */
  emit(event: RunEvent): void {
    const sink = this.sink;
    if (sink === undefined) return;
    try {
      sink(event);
    } catch (error) {
      this.sink = undefined;
      this.sinkError = { error };
      this.stop({ kind: 'sink' });
    }
  }

  /** The durability barrier rejected: the ledger cannot take more, so nothing else may run. */
  sinkFailed(error: unknown): void {
    this.sink = undefined;
    this.sinkError ??= { error };
    this.stop({ kind: 'sink' });
  }

  pure(type: string): boolean {
    let pure = this.pureTypes.get(type);
    if (pure === undefined) {
      pure = declaresPure(this.options.registry, type);
      this.pureTypes.set(type, pure);
    }
    return pure;
  }

  resolveParams(step: MissionStep): Record<string, unknown> {
    if (this.scope === null) return step.parameters;
    return resolveTemplates(step.parameters, this.scope) as Record<string, unknown>;
  }

  cancelError(): StepError {
    const reason = this.stopReason;
    if (reason?.kind === 'fail_fast') {
      return { code: 'E_STEP_CANCELLED', message: `cancelled: step "${reason.stepId}" failed (fail_fast)`, details: { reason: 'fail_fast', cause: reason.stepId } };
    }
    if (reason?.kind === 'sink') return { code: 'E_STEP_CANCELLED', message: 'cancelled: the event sink failed', details: { reason: 'sink' } };
    return { code: 'E_STEP_CANCELLED', message: 'cancelled by signal', details: { reason: 'signal' } };
  }

  private readonly onExternalAbort = (): void => {
    this.stop({ kind: 'signal' });
  };

  /**
   * Starts ready steps while slots are free; finishes the run when nothing is left in flight.
   * At most LAUNCH_BATCH starts per event-loop turn: the rest wait for the next turn
   * (setImmediate), so the steps already started can finish first. Unbounded, a 1,000,000-step
   * fan-out had every step in flight at once (its frames and promises: 2.6 KiB each at the
   * peak) and a long run of synchronous steps held the loop (SIGINT, timers) until its end.
   */
  private pump(): void {
    while (this.stopReason === null && this.running < this.limit && this.ready.size > 0) {
      if (this.launchedThisTurn >= LAUNCH_BATCH) {
        if (!this.pumpDeferred) {
          this.pumpDeferred = true;
          setImmediate(this.resumePump);
        }
        return;
      }
      this.launchedThisTurn++;
      this.launch(this.orderIndex[this.ready.pop()]!);
    }
    if (this.running === 0 && (this.ready.size === 0 || this.stopReason !== null)) this.finish();
  }

  private readonly resumePump = (): void => {
    this.pumpDeferred = false;
    this.launchedThisTurn = 0;
    this.pump();
  };

  private launch(i: number): void {
    this.state[i] = RUNNING;
    this.running++;
    const now = performance.now();
    this.startedAt[i] = now;
    // The run itself hears of the end (attemptsEnded names the step): no closure or promise per step in flight.
    try {
      startAttempts(this, this.steps[i]!, i, this, now);
    } catch (error) {
      this.crash(error);
    }
  }

  /** A step's attempts ended (StepAttempts): its result, its events, its dependents. */
  attemptsEnded(i: number, attemptStatus: AttemptOutcome['status'], attempts: number, attemptOutputs: Record<string, unknown>, attemptError: StepError | null): void {
    this.running--;
    const step = this.steps[i]!;
    const over = attemptStatus === 'succeeded' ? this.budget.charge(step.id, attemptOutputs) : null;
    const status = over === null ? attemptStatus : 'failed';
    const outputs = over === null ? attemptOutputs : NO_OUTPUTS;
    const error = over ?? attemptError;
    const durationMs = performance.now() - this.startedAt[i]!;
    this.record(i, status, attempts, durationMs, outputs, error);
    if (status === 'succeeded') {
      if (this.keepOutputs) {
        this.outputs[step.id] = outputs;
        const alias = this.phase?.aliases?.[i];
        if (alias !== undefined) this.outputs[alias] = outputs;
      }
      if (this.hasSink) this.emit({ type: 'step.succeeded', runId: this.runId, stepId: step.id, attempt: attempts, durationMs, outputs });
      this.release(i);
    } else if (status === 'failed') {
      if (this.hasSink) this.emit({ type: 'step.failed', runId: this.runId, stepId: step.id, attempt: attempts, durationMs, error: error! });
      if (step.continueOnError) {
        if (this.keepOutputs) this.outputs[step.id] = NO_OUTPUTS;
        this.release(i);
      } else {
        this.skipDependents(i);
        if (this.failFast) this.stop({ kind: 'fail_fast', stepId: step.id });
      }
    } else {
      if (this.hasSink) this.emit({ type: 'step.cancelled', runId: this.runId, stepId: step.id, attempt: attempts, error: error! });
    }
    this.pump();
  }

  /** Queues the dependents whose last dependency just finished. */
  private release(i: number): void {
    const { dependentStart, dependentList } = this.graph;
    for (let k = dependentStart[i]!; k < dependentStart[i + 1]!; k++) {
      const j = dependentList[k]!;
      if (--this.remaining[j]! === 0 && this.state[j] === PENDING) this.ready.push(this.rank[j]!);
    }
  }

  /** Marks every not-yet-finished transitive dependent of a failed step skipped, naming it as the cause. */
  private skipDependents(failed: number): void {
    const { dependentStart, dependentList } = this.graph;
    const cause = this.steps[failed]!.id;
    const queue = [failed];
    for (let q = 0; q < queue.length; q++) {
      const i = queue[q]!;
      for (let k = dependentStart[i]!; k < dependentStart[i + 1]!; k++) {
        const j = dependentList[k]!;
        // Dependents cannot have started: `failed` is one of their (transitive) dependencies.
        if (this.state[j] !== PENDING) continue;
        const error: StepError = { code: 'E_UPSTREAM_FAILED', message: `skipped: step "${cause}" failed`, details: { cause } };
        this.record(j, 'skipped', 0, 0, {}, error);
        if (this.hasSink) this.emit({ type: 'step.skipped', runId: this.runId, stepId: this.steps[j]!.id, error });
        queue.push(j);
      }
    }
  }

  /** Stops the run: abort in-flight attempts, cancel every step that has not started. Idempotent. */
  private stop(reason: StopReason): void {
    if (this.stopReason !== null || this.finished) return;
    this.stopReason = reason;
    if (reason.kind === 'signal' && this.phase === null) {
      const why = this.options.signal?.reason;
      this.emit({ type: 'run.cancelled', runId: this.runId, reason: why instanceof Error ? why.message : String(why ?? 'signal') });
    }
    const abortReason = new RustchainError('E_STEP_CANCELLED', this.cancelError().message, { details: { reason: reason.kind } });
    this.controller.abort(abortReason);
    for (const attempt of this.active) attempt?.abort(abortReason);
    this.ready.clear();
    const error = this.cancelError();
    error.details = { ...error.details, sideEffect: 'none' };
    for (let p = 0; p < this.orderIndex.length; p++) {
      const i = this.orderIndex[p]!;
      if (this.state[i] !== PENDING) continue;
      this.record(i, 'cancelled', 0, 0, {}, error);
      if (this.hasSink) this.emit({ type: 'step.cancelled', runId: this.runId, stepId: this.steps[i]!.id, attempt: 0, error });
    }
    if (this.running === 0) this.finish();
  }

  private record(i: number, status: StepStatus, attempts: number, durationMs: number, outputs: Record<string, unknown>, error: StepError | null): void {
    this.state[i] = DONE;
    this.done++;
    this.results[i] = { id: this.steps[i]!.id, status, attempts, durationMs, outputs, error };
    const children = this.childResults[i];
    if (children !== undefined) this.results[i]!.children = children;
  }

  /** ctx.steps of an attempt of step `i`: children recorded under it, ids unique for the run. */
  childSteps(i: number, step: MissionStep, control: AttemptControl): StepsCapability {
    return createChildSteps(
      {
        host: this,
        options: this.options,
        record: (result) => (this.childResults[i] ??= []).push(result),
        claimId: (id) => claimChildId((this.childIds[i] ??= new Set()), id),
        subRun: (m, o, d, p) => new MissionRun(m, o, d, p).start(),
      },
      step,
      control,
    );
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.deadlines.dispose();
    this.options.signal?.removeEventListener('abort', this.onExternalAbort);
    if (this.phase !== null) {
      this.conclude();
      return;
    }
    const cleanup = this.mission.finally;
    if (cleanup !== undefined && cleanup.length > 0) void this.runFinally(cleanup).then(() => this.stopProcesses());
    else this.stopProcesses();
  }

  /**
   * The `finally:` steps, after the main steps whatever their outcome (not fail-fast among
   * themselves, not cancelled by the signal that cancelled the run). A failed ledger is the
   * exception: nothing more may run unrecorded, so they are reported cancelled.
   */
  private async runFinally(steps: MissionStep[]): Promise<void> {
    if (this.sinkError !== null) {
      const error = this.cancelError();
      this.finallyResults = steps.map((s) => ({ id: s.id, status: 'cancelled', attempts: 0, durationMs: 0, outputs: {}, error }));
      return;
    }
    const mission: Mission = { ...this.mission, steps, finally: [], config: { ...this.mission.config, failFast: false } };
    const options: ExecuteOptions = { ...this.options, signal: undefined, runId: this.runId };
    const sub = new MissionRun(mission, options, this.dispatcher, { seed: this.outputs });
    try {
      this.finallyResults = (await sub.start()).steps;
    } catch (error) {
      this.sinkError ??= { error };
      const partial = (error as { result?: MissionResult } | null)?.result;
      const cancel = this.cancelError();
      this.finallyResults = partial?.steps ?? steps.map((s) => ({ id: s.id, status: 'cancelled', attempts: 0, durationMs: 0, outputs: {}, error: cancel }));
    }
  }

  private stopProcesses(): void {
    // Processes the steps started (ctx.exec.start) are stopped before the run reports its end.
    const stopping = this.dispatcher.finishRun?.(this.runId);
    if (stopping === undefined) this.conclude();
    else
      void stopping.then(
        () => this.conclude(),
        (error: unknown) => {
          this.processError = toStepError(error);
          this.conclude();
        },
      );
  }

  /** Settles the run's promise with the results (or the sink's / an internal error). */
  private conclude(): void {
    if (this.done !== this.steps.length) {
      this.settle.reject(new RustchainError('E_INTERNAL', `executor finished with ${this.steps.length - this.done} steps unaccounted for`));
      return;
    }
    const durationMs = performance.now() - this.began;
    const steps = new Array<StepResult>(this.steps.length);
    let anyFailed = false;
    for (let p = 0; p < this.orderIndex.length; p++) {
      const result = this.results[this.orderIndex[p]!]!;
      if (result.status === 'failed') anyFailed = true;
      steps[p] = result;
    }
    const cleanup = this.finallyResults;
    if (cleanup?.some((r) => r.status === 'failed')) anyFailed = true;
    const processError = this.processError;
    if (processError !== null) anyFailed = true;
    const stopped = this.stopReason?.kind;
    const status = stopped === 'signal' ? 'cancelled' : anyFailed || stopped === 'sink' || (this.phase === null && this.sinkError !== null) ? 'failed' : 'succeeded';
    const failure = processError === null ? {} : { error: processError };
    if (this.phase === null) this.emit({ type: 'run.finished', runId: this.runId, status, durationMs, ...failure });
    const result: MissionResult = { runId: this.runId, status, durationMs, steps, ...(cleanup === null ? {} : { finally: cleanup }), ...failure };
    if (this.sinkError) this.settle.reject(withPartialResult(this.sinkError.error, result));
    else this.settle.resolve(result);
  }

  /** A bug in the engine itself (starting a step threw): stop and report, never hang. */
  private crash(error: unknown): void {
    this.running--;
    if (!this.sinkError) this.sinkError = { error: new RustchainError('E_INTERNAL', `executor bug: ${String(error)}`, { cause: error }) };
    this.stop({ kind: 'sink' });
    if (this.running === 0) this.finish();
  }
}

/**
 * The sink's error, carrying the run's result so far as a non-enumerable `result` (the CLI
 * still prints the run document of a run that failed closed).
 */
function withPartialResult(error: unknown, result: MissionResult): unknown {
  if (typeof error === 'object' && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, 'result', { value: result, enumerable: false, configurable: true, writable: true });
  }
  return error;
}

function parallelLimit(value: number | null | undefined): number {
  if (value === null || value === undefined) return Infinity;
  if (!Number.isInteger(value) || value < 1) {
    throw new RustchainError('E_USAGE', `max parallel steps must be a positive integer, got ${String(value)}`, { nonRetryable: true });
  }
  return value;
}

// The maps of a run and of what it makes per run (its AbortController, timer wheel, ready
// queue, output budget), kept between runs (kept-shapes.ts): a run of an empty mission, never started.
keepShape(new MissionRun(
  { source: { file: '', sha256: '' }, version: '1.0', name: '', description: null, config: { failFast: true, timeoutSeconds: 300, maxParallelSteps: null }, vars: {}, steps: [], sourceMap: {} },
  { registry: { get: () => undefined, has: () => false, types: () => [] }, policy: { stepTypes: '*' } as Policy, workDir: '' },
  {} as StepDispatcher,
));
