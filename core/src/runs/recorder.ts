import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../engine/types.ts';
import { RustchainError } from '../errors.ts';
import type { Mission, MissionStep } from '../model/mission.ts';
import type { Effect } from '../plugin/sdk.ts';
import { currentProcess } from './liveness.ts';
import { runsDir, writeRunState, writeRunStateAsync, type RunState, type StepState } from './state.ts';

/** Transitions that need not be durable at once are written at most this often. */
const COALESCE_MS = 25;
/** ...and at most once per this many times the last write's duration (a write takes ≤ ~5 % of the run). */
const WRITE_SPACING = 20;

/** Effects whose step may run twice without harm: a crash during them needs no durable start. */
const REPEATABLE: ReadonlySet<Effect> = new Set<Effect>(['pure', 'read', 'idempotent']);

/** True when a step with this effect may be run again after a crash interrupted it. */
export function isRepeatable(effect: Effect | null): boolean {
  return effect !== null && REPEATABLE.has(effect);
}

/** Keeps a run's state file in step with its events (see createRunStateRecorder). */
export interface RunStateRecorder {
  readonly state: RunState;
  /** Synchronous; throws E_RUN_STATE_WRITE_FAILED when the state cannot be written (the run fails closed). */
  onEvent(event: RunEvent): void;
  /**
   * Group commit for the engine's write-ahead barrier: resolves once a write that covers every
   * non-repeatable step's start and success so far is on disk (one write for all the steps starting
   * together; at once when only repeatable steps started: losing those transitions only means
   * the step runs again); rejects with E_RUN_STATE_WRITE_FAILED.
   */
  barrier(): Promise<void>;
  /**
   * The run is over in this process: writes what is pending, gives a run that ended without
   * its run.finished reaching the recorder (the ledger failed first) `status`, and removes the
   * active marker.
   */
  finish(status: 'succeeded' | 'failed' | 'cancelled'): Promise<void>;
}

/** `<stateDir>/runs/.active/<runId>`: present while a process executes the run. */
export function activeMarker(stateDir: string, runId: string): string {
  return join(runsDir(stateDir), '.active', runId);
}

/**
 * Creates (or, for a resume, takes over) the run state and returns the recorder the CLI feeds
 * every run event. With `barrier()` wired into the engine's write-ahead barrier, a step's
 * start is on disk before its side effect begins (group-committed with the steps starting at
 * the same time), so resume never mistakes a started side effect for a pending step; a
 * side-effect step's success is written at once; other transitions are coalesced into one
 * write per COALESCE_MS (losing them only means a repeatable step runs again).
 */
export function createRunStateRecorder(init: {
  stateDir: string;
  runId: string;
  mission: Mission;
  artifact: RunState['artifact'];
  effectOf: (type: string) => Effect | null;
  previous?: RunState | null | undefined;
  /**
   * The audit ledger's barrier: resolves once the ledger holds every event handed to it so far.
   * With it, a success (and a run's `succeeded`) reaches the file only after the ledger has
   * committed it: resume reuses a succeeded step's outputs without running it, so the audit
   * must show that success. Without it (no ledger) the state is written as it is.
   */
  ledgerBarrier?: (() => Promise<void>) | undefined;
}): RunStateRecorder {
  const { stateDir, runId, mission, previous } = init;
  const now = new Date().toISOString();
  const steps: Record<string, StepState> = Object.create(null) as Record<string, StepState>;
  const add = (step: MissionStep, phase: StepState['phase']): void => {
    const before = previous?.steps[step.id];
    steps[step.id] =
      before?.status === 'succeeded'
        ? before
        : { status: 'pending', phase, type: step.type, effect: init.effectOf(step.type), attempts: 0 };
  };
  for (const step of mission.steps) add(step, 'main');
  for (const step of mission.finally ?? []) add(step, 'finally');
  const state: RunState = {
    version: 1,
    runId,
    status: 'running',
    mission: { name: mission.name, file: mission.source.file, sha256: mission.source.sha256 },
    artifact: init.artifact,
    process: currentProcess(),
    startedAt: previous?.startedAt ?? now,
    updatedAt: now,
    resumes: previous ? previous.resumes + 1 : 0,
    steps,
  };
  let scheduled = false;
  let failure: RustchainError | null = null;
  // Group commit: `version` counts transitions, `durable` the last one known on disk.
  let version = 0;
  let durable = 0;
  // The last transition the barrier must see on disk: a non-repeatable step's start or success. Waiting
  // for every transition made each step of a chain write (and fsync) the whole state.
  let mustBeDurable = 0;
  let inFlight: Promise<void> | null = null;
  let lastWriteMs = 0;
  // A run with non-repeatable steps writes the whole state at each of their starts and successes
  // (O(steps) per step): the JSON of entries that did not change since the last write is kept
  // (dropped at the step's next transition) instead of serialising every step's outputs again.
  // A run of repeatable steps only writes a few coalesced times: it keeps no copy.
  const kept = Object.values(steps).some((s) => !isRepeatable(s.effect)) ? new Map<string, string>() : null;
  // A pending step was never touched since it was created above (every transition changes its
  // status): its JSON depends only on its phase, type and effect, serialised once for all.
  const pendingJson = new Map<string, string>();
  const entry = (id: string, step: StepState): string | undefined => {
    const cache = step.status === 'pending' ? pendingJson : kept;
    if (cache === null) return JSON.stringify(step);
    const key = step.status === 'pending' ? `${step.phase}\0${step.type}\0${String(step.effect)}` : id;
    let json = cache.get(key);
    if (json === undefined) {
      json = JSON.stringify(step);
      cache.set(key, json);
    }
    return json;
  };
  // Ledger first: a success the ledger may not hold yet is written as the step was before it
  // (`at`: the version of the success; insertion order is version order). Confirmed by a ledger
  // barrier asked for after the success (commit). `succeededAt`: the same for the run's status.
  const ledgerBarrier = init.ledgerBarrier;
  const unconfirmed = new Map<string, { id: string; at: number; before: StepState }>();
  let succeededAt = 0;
  /** Everything up to version `seen` is in the ledger. */
  const confirm = (seen: number): void => {
    // values(), not entries(): no [key, value] array per success.
    for (const u of unconfirmed.values()) {
      if (u.at > seen) break;
      unconfirmed.delete(u.id);
    }
    if (succeededAt <= seen) succeededAt = 0;
  };
  /** The entry as the file may show it: the state before any success the ledger has not confirmed. */
  const written = (id: string, step: StepState): string | undefined => {
    const masked = unconfirmed.size === 0 ? undefined : unconfirmed.get(id);
    return masked === undefined ? entry(id, step) : JSON.stringify(masked.before);
  };
  /** The last version the file can show in full: the one before the oldest unconfirmed success. */
  const showable = (): number => {
    let upTo = version;
    for (const { at } of unconfirmed.values()) {
      upTo = at - 1;
      break;
    }
    return succeededAt === 0 ? upTo : Math.min(upTo, succeededAt - 1);
  };
  const failed = (error: unknown): RustchainError =>
    (failure ??= new RustchainError('E_RUN_STATE_WRITE_FAILED', `cannot write the run state of ${runId}: ${(error as Error).message}`, { cause: error, nonRetryable: true }));
  /** One async write of the state as it is now; later callers join the next one. */
  const commit = (): Promise<void> => {
    const run = (inFlight ?? Promise.resolve()).then(async () => {
      if (failure !== null) throw failure;
      if (durable >= version) return;
      if (ledgerBarrier !== undefined && (unconfirmed.size > 0 || succeededAt > 0)) {
        const seen = version;
        try {
          await ledgerBarrier();
          confirm(seen);
        } catch {
          // The ledger failed: the run stops on its error (not ours); what it lost stays unwritten.
        }
      }
      let covering = version;
      scheduled = false;
      const began = performance.now();
      try {
        // The file holds every transition made before its serialisation starts (after the open),
        // which may include ones made since this commit was asked for: a barrier that was waiting
        // for them then finds them durable and writes nothing more.
        await writeRunStateAsync(stateDir, state, {
          onSerialise: () => {
            covering = showable();
            state.updatedAt = new Date().toISOString();
            return succeededAt === 0 ? state : { ...state, status: 'running' };
          },
          entry: written,
        });
      } catch (error) {
        throw failed(error);
      }
      lastWriteMs = performance.now() - began;
      durable = Math.max(durable, covering);
    });
    inFlight = run.catch(() => undefined);
    return run;
  };

  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    // Each write is the whole state (O(steps)): spacing them by a multiple of the last one's
    // duration keeps their share of the run bounded however large the mission (at 25 ms
    // apart, a 10,000-step run spent a third of its CPU serialising its state).
    setTimeout(() => {
      if (scheduled) void commit().catch(() => undefined); // kept in `failure`: the next event throws it
    }, Math.max(COALESCE_MS, lastWriteMs * WRITE_SPACING)).unref();
  };

  // The first write is synchronous: the state exists before run.started is even emitted.
  try {
    writeRunState(stateDir, state, entry);
  } catch (error) {
    throw failed(error);
  }
  const marker = activeMarker(stateDir, runId);
  try {
    mkdirSync(join(runsDir(stateDir), '.active'), { recursive: true, mode: 0o700 });
    writeFileSync(marker, '');
  } catch (error) {
    throw new RustchainError('E_RUN_STATE_WRITE_FAILED', `cannot mark run ${runId} active: ${(error as Error).message}`, { cause: error, nonRetryable: true });
  }

  return {
    state,
    barrier() {
      return durable >= mustBeDurable ? Promise.resolve() : commit();
    },
    async finish(status) {
      if (state.status === 'running') {
        state.status = status;
        version++;
      }
      await commit();
      rmSync(marker, { force: true });
    },
    onEvent(event) {
      if (failure !== null) throw failure;
      if (event.type === 'run.finished') {
        state.status = event.status;
        version++;
        if (ledgerBarrier !== undefined && event.status === 'succeeded') succeededAt = version;
        void commit().catch(() => undefined);
        return;
      }
      if (!('stepId' in event)) return;
      const step = steps[event.stepId];
      if (step === undefined) return;
      if (ledgerBarrier !== undefined) {
        // Only a success is held back (as the step was before its oldest unconfirmed one); any
        // other transition of the step is written as it is.
        if (event.type !== 'step.succeeded') unconfirmed.delete(event.stepId);
        else if (!unconfirmed.has(event.stepId)) unconfirmed.set(event.stepId, { id: event.stepId, at: version + 1, before: { ...step } });
      }
      kept?.delete(event.stepId);
      switch (event.type) {
        case 'step.started':
          step.status = 'running';
          step.attempts = event.attempt;
          break;
        case 'step.succeeded':
          step.status = 'succeeded';
          step.attempts = event.attempt;
          step.outputs = event.outputs;
          delete step.error;
          break;
        case 'step.failed':
          step.status = 'failed';
          step.attempts = event.attempt;
          step.error = event.error;
          break;
        case 'step.skipped':
        case 'step.cancelled':
          step.status = event.type === 'step.skipped' ? 'skipped' : 'cancelled';
          step.error = event.error;
          break;
        case 'step.retried':
          return;
      }
      version++;
      if (!isRepeatable(step.effect) && (event.type === 'step.started' || event.type === 'step.succeeded')) mustBeDurable = version;
      // A side-effect step's start is made durable by the barrier the engine awaits before
      // dispatching it (one write for every step starting together); its success is written
      // at once, without blocking, so resume knows it happened.
      if (!isRepeatable(step.effect) && event.type === 'step.succeeded') void commit().catch(() => undefined);
      else later();
    },
  };
}
