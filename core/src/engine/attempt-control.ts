import { performance } from 'node:perf_hooks';
import type { HostEnv } from '../capabilities/env.ts';
import type { RunContextScope, StepContextInit } from '../capabilities/context.ts';
import { RustchainError } from '../errors.ts';
import type { MissionStep } from '../model/mission.ts';
import type { StepsCapability } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import type { AttemptControl, StepRequest } from './types.ts';

/**
 * One attempt's cancellation (run stop or timeout) without an AbortController until somebody
 * reads `signal`: an AbortSignal plus its listeners were 11–13 % of the per-step CPU time and
 * much of the GC pressure (bench/PROFILES.md, finding 3), and most plugins never look at it.
 * Plain fields and methods, no closures: under tsx every named closure costs a defineProperty.
 */
export class AttemptAbort implements AttemptControl {
  aborted = false;
  reason: unknown = undefined;
  /** True once the step's deadline passed (the reason is then its E_STEP_TIMEOUT error). */
  timedOut = false;
  /** Set when the attempt settled: a later run stop or deadline no longer reaches it. */
  settled = false;
  /** performance.now() by which the attempt must settle (only when it has a timeout). */
  deadline = Infinity;
  private controller: AbortController | undefined = undefined;
  private listener: ((reason: unknown) => void) | undefined = undefined;
  private children: StepsCapability | undefined = undefined;

  /** `host` (with `index`, the step's slot in it) builds ctx.steps for this attempt on first use. */
  constructor(
    readonly step: MissionStep,
    private readonly host?: ChildStepsHost,
    private readonly index = 0,
  ) {}

  /** This attempt's child steps, built on first read; undefined when the host cannot run any. */
  get steps(): StepsCapability | undefined {
    if (this.children === undefined && this.host?.childSteps !== undefined) this.children = this.host.childSteps(this.index, this.step, this);
    return this.children;
  }

  /** A real AbortSignal, built on first read and already aborted if the attempt was. */
  get signal(): AbortSignal {
    let controller = this.controller;
    if (controller === undefined) {
      controller = this.controller = new AbortController();
      if (this.aborted) controller.abort(this.reason);
    }
    return controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): void {
    if (this.aborted) listener(this.reason);
    else this.listener = listener;
  }

  /** Aborts the signal (if built) first, so the plugin hears of it, then tells the dispatcher. */
  abort(reason: unknown): void {
    if (this.aborted || this.settled) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listener = this.listener;
    this.listener = undefined;
    listener?.(reason);
  }

  /** The deadline passed: abort with the step's timeout error. */
  expire(): void {
    if (this.aborted || this.settled) return;
    this.timedOut = true;
    this.abort(timeoutReason(this.step));
  }
}

/** What can build an attempt's ctx.steps (a mission run, a lone step, a child step's own host). */
export interface ChildStepsHost {
  childSteps?(index: number, step: MissionStep, control: AttemptControl): StepsCapability;
}

/** Also the abort reason the step sees, so a plugin that rethrows it reports the timeout. */
export function timeoutReason(step: MissionStep): RustchainError {
  return new RustchainError('E_STEP_TIMEOUT', `step "${step.id}" exceeded its timeout of ${step.timeoutSeconds} s`, {
    details: { stepId: step.id, timeoutSeconds: step.timeoutSeconds },
  });
}

/** Attempts of one timeout length in start order, hence in deadline order (FIFO = sorted). */
class DeadlineQueue {
  items: Array<AttemptAbort | undefined> = [];
  head = 0;

  /** Drops settled attempts from the front, so a long chain leaves nothing queued behind it. */
  trim(): void {
    const items = this.items;
    while (this.head < items.length && items[this.head]!.settled) items[this.head++] = undefined;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      items.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** A deadline may be seen this early: libuv's cached clock can run behind performance.now(). */
const EARLY_MS = 1;

/**
 * The timeouts of every attempt of a run on one timer, armed for the earliest deadline; a
 * per-step setTimeout/clearTimeout pair was a fixed cost of every step (default timeout
 * 300 s). Attempts of one timeout length are queued in start order; when the earliest one
 * settles the timer is left as it is and, if it fires early, re-armed for the next deadline.
 */
export class Deadlines {
  private readonly queues = new Map<number, DeadlineQueue>();
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private fireAt = Infinity;

  /** Starts `attempt`'s clock: it expires `timeoutMs` from now unless it settled by then. */
  add(attempt: AttemptAbort, timeoutMs: number): void {
    const now = performance.now();
    attempt.deadline = now + timeoutMs;
    let queue = this.queues.get(timeoutMs);
    if (queue === undefined) {
      queue = new DeadlineQueue();
      this.queues.set(timeoutMs, queue);
    }
    queue.items.push(attempt);
    if (attempt.deadline < this.fireAt) this.arm(attempt.deadline, now);
  }

  /** Call after an attempt with this timeout settled. */
  settled(timeoutMs: number): void {
    this.queues.get(timeoutMs)?.trim();
  }

  /** Stops the timer (the run is over). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.fireAt = Infinity;
    this.queues.clear();
  }

  private arm(deadline: number, now: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.fireAt = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(deadline - now)));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.fireAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const queue of this.queues.values()) {
      queue.trim();
      const items = queue.items;
      while (queue.head < items.length) {
        const attempt = items[queue.head]!;
        if (attempt.deadline > now + EARLY_MS) {
          if (attempt.deadline < next) next = attempt.deadline;
          break;
        }
        items[queue.head++] = undefined;
        attempt.expire();
      }
      queue.trim();
    }
    if (next !== Infinity && next < this.fireAt) this.arm(next, now);
  };
}

/**
 * The StepContextInit of one attempt whose `signal` is read through the attempt's control,
 * so the context builds the AbortSignal only when the plugin (or a capability) asks for it.
 */
export class AttemptContextInit implements StepContextInit {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly workDir: string;
  readonly policy: Policy;
  readonly env: HostEnv;
  readonly processes: RunContextScope['processes'];
  readonly calls: RunContextScope['calls'];
  readonly settings: RunContextScope['settings'];
  readonly stateDir: RunContextScope['stateDir'];
  readonly budget: RunContextScope['budget'];
  readonly secrets: RunContextScope['secrets'];
  readonly progress: RunContextScope['progress'];

  constructor(
    request: StepRequest,
    private readonly control: AttemptControl,
    scope: RunContextScope,
  ) {
    this.runId = request.runId;
    this.stepId = request.stepId;
    this.attempt = request.attempt;
    this.params = request.params;
    // Plain fields, copied once per attempt: the context reads them often, closures would cost more.
    this.workDir = scope.workDir;
    this.policy = scope.policy;
    this.env = scope.env;
    this.processes = scope.processes;
    this.calls = scope.calls;
    this.settings = scope.settings;
    this.stateDir = scope.stateDir;
    this.budget = scope.budget;
    this.secrets = scope.secrets;
    this.progress = scope.progress;
  }

  get signal(): AbortSignal {
    return this.control.signal;
  }

  get steps(): StepsCapability | undefined {
    return this.control.steps;
  }
}
