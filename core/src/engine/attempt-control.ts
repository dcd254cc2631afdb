import { performance } from 'node:perf_hooks';
import type { HostEnv } from '../capabilities/env.ts';
import type { RunContextScope, StepContextInit } from '../capabilities/context.ts';
import { RustchainError } from '../errors.ts';
import type { MissionStep } from '../model/mission.ts';
import type { StepsCapability } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { keepShape } from './kept-shapes.ts';
import { abortableSleep } from './retry.ts';
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
  /** ctx.sleep calls not yet woken: one slot (the common case), more in `naps`. */
  private nap: Nap | undefined = undefined;
  private naps: Nap[] | undefined = undefined;

  /**
   * Who waits on the attempt (the engine's StepAttempts): told of the abort after everybody
   * else (the engine stops waiting for the work); its run's timer wheel queues the attempt's
   * naps (ctx.sleep). Settable by a subclass that is its own owner (see StepAttempts).
   */
  protected owner: AttemptOwner | undefined;

  /** `host` (with `index`, the step's slot in it) builds ctx.steps for this attempt on first use. */
  constructor(
    readonly step: MissionStep,
    protected readonly host?: ChildStepsHost,
    protected readonly index = 0,
    owner?: AttemptOwner,
  ) {
    this.owner = owner;
  }

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

  /**
   * ctx.sleep: resolves after `ms`, rejects with the abort reason when the attempt is aborted
   * first. No AbortSignal and no listener closure: a timer, and a Nap record this attempt
   * keeps until it wakes (10,000 concurrent waits each paid for a signal and a listener).
   */
  sleep(ms: number): Promise<void> {
    if (this.aborted) return Promise.reject(this.reason);
    if (this.settled) return new Promise<void>(() => {}); // a stray call after the attempt ended never wakes
    const nap = new Nap(this);
    // The executor is one function for every nap (it finds this one in `napBeingMade`): an
    // arrow here was a closure and its context per ctx.sleep, ~0.1 KiB held while it sleeps.
    napBeingMade = nap;
    const promise = new Promise<void>(takeResolvers);
    napBeingMade = undefined;
    nap.start(ms, this.owner?.deadlines);
    if (this.nap === undefined) this.nap = nap;
    else (this.naps ??= []).push(nap);
    return promise;
  }

  /** A nap woke: forget it. */
  woke(nap: Nap): void {
    if (this.nap === nap) this.nap = undefined;
    else if (this.naps !== undefined) {
      const k = this.naps.indexOf(nap);
      if (k >= 0) this.naps.splice(k, 1);
    }
  }

  /** The attempt is over: a later run stop or deadline no longer reaches it, and its naps' timers stop. */
  settle(): void {
    this.settled = true;
    this.listener = undefined;
    if (this.nap !== undefined || this.naps !== undefined) this.stopNaps(undefined);
  }

  /** Aborts the signal (if built) first, so the plugin hears of it, then its naps, then the dispatcher. */
  abort(reason: unknown): void {
    if (this.aborted || this.settled) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    if (this.nap !== undefined || this.naps !== undefined) this.stopNaps({ reason });
    const listener = this.listener;
    this.listener = undefined;
    listener?.(reason);
    this.owner?.controlAborted(this);
  }

  /** Clears the pending naps' timers; rejects them when the attempt was aborted (`why`), else leaves them pending. */
  private stopNaps(why: { reason: unknown } | undefined): void {
    const all = this.naps === undefined ? [this.nap!] : this.nap === undefined ? this.naps : [this.nap, ...this.naps];
    this.nap = undefined;
    this.naps = undefined;
    for (const nap of all) {
      nap.cancel();
      if (why !== undefined) nap.reject(why.reason);
    }
  }

  /** The deadline passed: abort with the step's timeout error. */
  expire(): void {
    if (this.aborted || this.settled) return;
    this.timedOut = true;
    this.abort(timeoutReason(this.step));
  }
}

/** setTimeout's ceiling: a longer nap is slept in pieces of it (a longer delay would fire after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One pending ctx.sleep and how to settle its promise. With the run's Deadlines it is queued
 * there like an attempt's timeout (one timer for all naps of a length: no Timeout object and
 * argument array per nap); without (a lone AttemptAbort, or past setTimeout's ceiling) it has
 * its own timer.
 */
class Nap {
  /** performance.now() at which it wakes (read by Deadlines). */
  deadline = Infinity;
  /** Woken or cancelled: Deadlines skips it. */
  settled = false;
  /** Its promise's resolving functions (set by takeResolvers while the promise is made). */
  resolve: () => void = noop;
  reject: (reason: unknown) => void = noop;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** What is left to sleep after the current timer (only for naps past setTimeout's ceiling). */
  private rest = 0;

  constructor(private readonly owner: AttemptAbort) {}

  /** Starts its clock: on the run's wheel, else (or past setTimeout's ceiling) on its own timer. */
  start(ms: number, wheel: Deadlines | undefined): void {
    const total = ms > 0 ? ms : 0; // NaN and negatives: at once, as setTimeout does
    if (wheel !== undefined && total <= MAX_TIMER_MS) {
      wheel.add(this, total);
      return;
    }
    const first = Math.min(total, MAX_TIMER_MS);
    this.rest = total - first;
    this.timer = setTimeout(wake, first, this);
  }

  /** Its deadline passed (Deadlines). */
  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.woke(this);
    this.resolve();
  }

  /** Its own timer fired. */
  ring(): void {
    if (this.rest > 0) {
      const next = Math.min(this.rest, MAX_TIMER_MS);
      this.rest -= next;
      this.timer = setTimeout(wake, next, this);
      return;
    }
    this.expire();
  }

  /** Never wakes now (the attempt aborted or ended). */
  cancel(): void {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/** The nap whose promise is being made (see AttemptAbort.sleep); set only for that synchronous call. */
let napBeingMade: Nap | undefined;

/** The promise executor of every nap: hands the resolving functions to `napBeingMade`. */
function takeResolvers(resolve: () => void, reject: (reason: unknown) => void): void {
  const nap = napBeingMade!;
  nap.resolve = resolve;
  nap.reject = reject;
}

function noop(): void {}

/** The timer callback of every nap: one function for all, the nap rides along as the argument. */
function wake(nap: Nap): void {
  nap.ring();
}

/** Who waits on an AttemptAbort: told when it aborts; its wheel (if any) times the attempt's naps. */
interface AttemptOwner {
  controlAborted(control: AttemptAbort): void;
  readonly deadlines?: Deadlines;
}

/** What Deadlines keeps: an attempt's timeout or a nap. */
interface Timed {
  deadline: number;
  readonly settled: boolean;
  expire(): void;
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
  items: Array<Timed | undefined> = [];
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
  private lastMs = NaN;
  private lastQueue: DeadlineQueue | undefined = undefined;

  /** Starts `attempt`'s clock (or a nap's): it expires `timeoutMs` after `now` unless it settled by then. */
  add(attempt: Timed, timeoutMs: number, now = performance.now()): void {
    attempt.deadline = now + timeoutMs;
    const queue = this.queueOf(timeoutMs, true)!;
    queue.items.push(attempt);
    if (attempt.deadline < this.fireAt) this.arm(attempt.deadline, now);
  }

  /** Call after an attempt with this timeout settled. */
  settled(timeoutMs: number): void {
    this.queueOf(timeoutMs, false)?.trim();
  }

  /** The queue of one length; the last one used is remembered (most steps share a timeout). */
  private queueOf(timeoutMs: number, create: boolean): DeadlineQueue | undefined {
    if (timeoutMs === this.lastMs && this.lastQueue !== undefined) return this.lastQueue;
    let queue = this.queues.get(timeoutMs);
    if (queue === undefined) {
      if (!create) return undefined;
      queue = new DeadlineQueue();
      this.queues.set(timeoutMs, queue);
    }
    this.lastMs = timeoutMs;
    this.lastQueue = queue;
    return queue;
  }

  /** Stops the timer (the run is over). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.fireAt = Infinity;
    this.queues.clear();
    this.lastQueue = undefined;
  }

  private arm(deadline: number, now: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.fireAt = deadline;
    this.timer = setTimeout(this.onTimer, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(deadline - now))));
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
 * The run-wide fields are getters on the shared scope, the attempt's on its request: one
 * three-field object per attempt.
 */
export class AttemptContextInit implements StepContextInit {
  constructor(
    private readonly request: StepRequest,
    private readonly control: AttemptControl,
    private readonly scope: RunContextScope,
  ) {}

  get runId(): string {
    return this.request.runId;
  }
  get stepId(): string {
    return this.request.stepId;
  }
  get attempt(): number {
    return this.request.attempt;
  }
  get params(): Readonly<Record<string, unknown>> {
    return this.request.params;
  }

  get workDir(): string {
    return this.scope.workDir;
  }
  get policy(): Policy {
    return this.scope.policy;
  }
  get env(): HostEnv {
    return this.scope.env;
  }
  get processes(): RunContextScope['processes'] {
    return this.scope.processes;
  }
  get calls(): RunContextScope['calls'] {
    return this.scope.calls;
  }
  get settings(): RunContextScope['settings'] {
    return this.scope.settings;
  }
  get stateDir(): RunContextScope['stateDir'] {
    return this.scope.stateDir;
  }
  get budget(): RunContextScope['budget'] {
    return this.scope.budget;
  }
  get secrets(): RunContextScope['secrets'] {
    return this.scope.secrets;
  }
  get progress(): RunContextScope['progress'] {
    return this.scope.progress;
  }

  get signal(): AbortSignal {
    return this.control.signal;
  }

  get steps(): StepsCapability | undefined {
    return this.control.steps;
  }

  /** ctx.sleep through the attempt's control (no AbortSignal), or on its signal if the control has no sleep. */
  sleep(ms: number): Promise<void> {
    return this.control.sleep !== undefined ? this.control.sleep(ms) : abortableSleep(ms, this.control.signal);
  }
}

// The maps of a nap, a queue of deadlines and a context init, kept between runs (kept-shapes.ts).
const SHAPE_CONTROL = new AttemptAbort({} as MissionStep);
keepShape(new Nap(SHAPE_CONTROL));
keepShape(new DeadlineQueue());
keepShape(new AttemptContextInit({ runId: '', stepId: '', type: '', params: {}, attempt: 1 }, SHAPE_CONTROL, {} as RunContextScope));
