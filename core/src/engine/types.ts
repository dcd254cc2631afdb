import type { ErrorCode } from '../errors.ts';
import type { StepsCapability } from '../plugin/sdk.ts';

/**
 * Run state and results. Everything here is plain data (JSON-serialisable): run state is
 * what checkpoint/resume will persist, and what a queue-backed dispatcher will ship.
 */

/** Terminal status of one step. */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';
/** Terminal status of a run. */
export type RunStatus = 'succeeded' | 'failed' | 'cancelled';

/** Why a step failed, was skipped or was cancelled. */
export interface StepError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The result of one step, in the `--json` shape of the CLI contract. */
export interface StepResult {
  id: string;
  status: StepStatus;
  /** Attempts made (0 when never started). */
  attempts: number;
  durationMs: number;
  outputs: Record<string, unknown>;
  error: StepError | null;
  /** Set when the step succeeded in an earlier, interrupted execution of this run and was not re-run. */
  resumed?: true;
  /** Child steps it ran (ctx.steps: tool, agent, chain), ids `<this id>/<child id>`, in start order. */
  children?: StepResult[];
}

/** The result of a run, in the `--json` shape of the CLI contract. */
export interface MissionResult {
  runId: string;
  status: RunStatus;
  durationMs: number;
  /** One entry per step, in schedule order. */
  steps: StepResult[];
  /** One entry per `finally:` step, in schedule order; absent when the mission has none. */
  finally?: StepResult[];
  /** Why the run failed beyond its steps: a process it started changed a governing path (E_GOVERNING_TAMPERED). */
  error?: StepError;
}

/** What the executor reports as it goes; the ledger and the progress display subscribe. */
export type RunEvent =
  | { type: 'run.started'; runId: string; mission: string; missionSha256: string; steps: number }
  | { type: 'step.started'; runId: string; stepId: string; attempt: number; params?: Record<string, unknown> }
  | { type: 'step.retried'; runId: string; stepId: string; attempt: number; delayMs: number; error: StepError }
  | { type: 'step.succeeded'; runId: string; stepId: string; attempt: number; durationMs: number; outputs: Record<string, unknown> }
  | { type: 'step.failed'; runId: string; stepId: string; attempt: number; durationMs: number; error: StepError }
  | { type: 'step.skipped'; runId: string; stepId: string; error: StepError }
  | { type: 'step.cancelled'; runId: string; stepId: string; attempt: number; error: StepError }
  /** A running step's live status line (ctx.progress: streamed model text): for the progress view only, never in the ledger or run state. */
  | { type: 'step.progress'; runId: string; stepId: string; attempt: number; text: string }
  | { type: 'net.request'; runId: string; stepId: string; attempt: number; call: number; method: string; url: string; requestDigest: string; replayed: boolean }
  | { type: 'net.response'; runId: string; stepId: string; attempt: number; call: number; status: number | null; responseDigest: string | null; replayed: boolean; error?: string }
  | { type: 'run.cancelled'; runId: string; reason: string }
  | { type: 'run.finished'; runId: string; status: RunStatus; durationMs: number; error?: StepError };

/** Names of every run event type. */
export type RunEventType = RunEvent['type'];

/** One step handed to a dispatcher: everything needed to run it elsewhere (plain data). */
export interface StepRequest {
  runId: string;
  stepId: string;
  type: string;
  /** Parameters with templates resolved. */
  params: Record<string, unknown>;
  attempt: number;
}

/**
 * Runs one attempt of one step. In-process today; a BullMQ-backed dispatcher tomorrow.
 * Resolves with the step's outputs, rejects with a (coded) error. Must honour `signal`.
 */
export interface StepDispatcher {
  dispatch(request: StepRequest, signal: AbortSignal): Promise<Record<string, unknown>>;
  /**
   * Optional, preferred by the executor over `dispatch` (startAttempt, when present, over
   * this): `dispatch` with the attempt's cancellation as a handle whose AbortSignal is only
   * built when read (most steps never read it, and a signal per step was a large share of the
   * engine's per-step cost). Same contract: reject with `control.reason` as soon as it aborts.
   */
  dispatchAttempt?(request: StepRequest, control: AttemptControl): Promise<Record<string, unknown>>;
  /**
   * Optional, preferred over dispatchAttempt: the same, except that the caller races the abort
   * itself (it stops waiting one macrotask after `control` aborts), so the promise may be the
   * plugin's own, with no race promise built per attempt. Only the engine calls it.
   */
  startAttempt?(request: StepRequest, control: AttemptControl): Promise<Record<string, unknown>>;
  /**
   * Optional: the run is over (every step settled). Stops what its steps left running (the
   * processes of ctx.exec.start); the run's result is reported once the promise settles.
   * Undefined when there is nothing to wait for.
   */
  finishRun?(runId: string): Promise<void> | undefined;
  /**
   * Optional: called before the attempt's `step.started` is recorded, so values the run's
   * redactor must learn from the parameters (secret: true) are known before the parameters'
   * digest goes to the ledger. Must not throw (errors surface at dispatch).
   */
  prepare?(request: StepRequest): void;
}

/** One attempt's cancellation (run stop or timeout), handed to `StepDispatcher.dispatchAttempt`. */
export interface AttemptControl {
  readonly aborted: boolean;
  /** The abort reason once aborted (E_STEP_TIMEOUT or E_STEP_CANCELLED error). */
  readonly reason: unknown;
  /** An AbortSignal for the attempt, built on first read (already aborted if the attempt is). */
  readonly signal: AbortSignal;
  /** Sets the one callback told of the abort (called at once if already aborted). */
  onAbort(listener: (reason: unknown) => void): void;
  /** ctx.sleep of the attempt: resolves after `ms`, rejects with the reason on abort (absent: sleeps on `signal`). */
  sleep?(ms: number): Promise<void>;
  /** Child steps of this attempt (ctx.steps), when the engine running it can host them. */
  readonly steps?: StepsCapability | undefined;
}
