import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunEvent } from '../engine/types.ts';
import { LineBuffer } from '../audit/line-buffer.ts';
import { RustchainError } from '../errors.ts';
import type { Mission } from '../model/mission.ts';
import type { Effect } from '../plugin/sdk.ts';
import { currentProcess } from './liveness.ts';
import {
  freshJournalGeneration, fsyncDirAsync, journalName, removeJournals, runFile, runsDir, writeRunState, writeRunStateAsync, type RunState, type RunStateHead,
} from './state.ts';
import { RunStepTable } from './step-table.ts';

/** Transitions that need not be durable at once are appended at most this often. */
const COALESCE_MS = 25;
/**
 * A new snapshot (and an empty journal) once the journal outgrows this many times the last
 * snapshot: each snapshot costs O(steps), and as many transitions' worth of journal came
 * before it, so a transition costs O(1) amortised however large the mission.
 */
const SNAPSHOT_RATIO = 2;
/** ...and not before the journal holds this many characters. */
const SNAPSHOT_MIN_CHARS = 1 << 20;

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
 * append per COALESCE_MS (losing them only means a repeatable step runs again).
 *
 * On disk: a snapshot (state.json, written whole at the start, when the journal has grown
 * past SNAPSHOT_RATIO times it, and at the end) and the journal it names, to which each
 * commit appends one line per changed step: the cost of a transition does not grow with the
 * mission (a whole-state rewrite per side-effect step made a 4,000-step chain quadratic).
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
  /** `none` (`--durability=none`): written in the same order, without fsync. Default `fsync`. */
  durability?: 'fsync' | 'none' | undefined;
}): RunStateRecorder {
  const { stateDir, runId, mission, previous } = init;
  const fsync = init.durability !== 'none';
  const now = new Date().toISOString();
  const steps = new RunStepTable(mission, init.effectOf, previous);
  // A resumed run keeps its id and dir: its journal is a generation the dead process never used.
  let generation = freshJournalGeneration(stateDir, runId);
  // The state without its steps (they are in the table; `state` below shows them as a record).
  const head: RunStateHead = {
    version: 1,
    runId,
    status: 'running',
    mission: { name: mission.name, file: mission.source.file, sha256: mission.source.sha256 },
    artifact: init.artifact,
    process: currentProcess(),
    startedAt: previous?.startedAt ?? now,
    updatedAt: now,
    resumes: previous ? previous.resumes + 1 : 0,
    journal: journalName(generation),
  };
  let scheduled = false;
  let failure: RustchainError | null = null;
  // Group commit: `version` counts transitions, `durable` the last one known on disk.
  let version = 0;
  let durable = 0;
  // The last transition the barrier must see on disk: a non-repeatable step's start or success.
  let mustBeDurable = 0;
  let inFlight: Promise<void> | null = null;
  // Steps changed since their last journal line (by index, in the order they first changed), and whether the run's status did.
  const dirty: number[] = [];
  const isDirty = new Uint8Array(steps.length);
  let statusDirty = false;
  let journal: fs.FileHandle | null = null;
  let journalChars = 0;
  let snapshotChars = 0;
  // Ledger first: a success the ledger may not hold yet is written as the step was before it
  // (the table holds it), until a ledger barrier asked for after the success confirms it
  // (commit). heldAt[i]: the version of step i's oldest unconfirmed success (0: none); the
  // queue lists them in version order (entries whose step was released since are stale).
  // `succeededAt`: the same for the run's status.
  const ledgerBarrier = init.ledgerBarrier;
  const heldAt = new Uint32Array(steps.length);
  const queueStep: number[] = [];
  const queueAt: number[] = [];
  let queueHead = 0;
  let heldCount = 0;
  let succeededAt = 0;
  const release = (i: number): void => {
    if (heldAt[i] === 0) return;
    heldAt[i] = 0;
    heldCount--;
    steps.release(i);
  };
  /** Drops the queue's stale head entries; the oldest live one is then at queueHead. */
  const skipStale = (): void => {
    while (queueHead < queueStep.length && heldAt[queueStep[queueHead]!] !== queueAt[queueHead]) queueHead++;
    // A long run may never see the queue empty (a newer success is always waiting): the
    // confirmed front is dropped once it is most of the queue.
    if (queueHead === queueStep.length || (queueHead >= 1024 && queueHead * 2 >= queueStep.length)) {
      queueStep.splice(0, queueHead);
      queueAt.splice(0, queueHead);
      queueHead = 0;
    }
  };
  /** Everything up to version `seen` is in the ledger. */
  const confirm = (seen: number): void => {
    for (skipStale(); queueHead < queueStep.length && queueAt[queueHead]! <= seen; skipStale()) release(queueStep[queueHead++]!);
    if (succeededAt <= seen) succeededAt = 0;
  };
  /** The last version the file can show in full: the one before the oldest unconfirmed success. */
  const showable = (): number => {
    skipStale();
    const upTo = queueHead < queueStep.length ? queueAt[queueHead]! - 1 : version;
    return succeededAt === 0 ? upTo : Math.min(upTo, succeededAt - 1);
  };
  const failed = (error: unknown): RustchainError =>
    (failure ??= new RustchainError('E_RUN_STATE_WRITE_FAILED', `cannot write the run state of ${runId}: ${(error as Error).message}`, { cause: error, nonRetryable: true }));

  /**
   * Takes the changed steps the file may show now off the dirty list, in the order they first
   * changed, passing each to `visit`; a held (unconfirmed) success stays on it.
   */
  const takeDirty = (visit?: (i: number) => void): void => {
    let kept = 0;
    for (let d = 0; d < dirty.length; d++) {
      const i = dirty[d]!;
      if (heldAt[i] !== 0) {
        dirty[kept++] = i;
        continue;
      }
      isDirty[i] = 0;
      visit?.(i);
    }
    dirty.length = kept;
  };

  // The lines of one append, as UTF-8, in a buffer reused by every append (commits never
  // overlap): the lines joined into a string and copied into a Buffer made two ~100 KB copies
  // per append that often outlived a scavenge (finding 24).
  const lines = new LineBuffer();
  /** Appends a line per changed step (an unconfirmed success waits for its confirmation). */
  const appendLines = async (): Promise<void> => {
    lines.reset();
    // JSON.stringify({ id, step }), with the step's JSON from the table.
    takeDirty((i) => lines.append(`{"id":${JSON.stringify(steps.id(i))},"step":${steps.json(i)}}\n`));
    if (statusDirty && succeededAt === 0) {
      statusDirty = false;
      lines.append(`${JSON.stringify({ status: head.status })}\n`);
    }
    const bytes = lines.bytes();
    if (bytes.length === 0) return;
    if (journal === null) {
      const file = runFile(stateDir, runId, head.journal!);
      journal = await fs.open(file, 'a', 0o600);
      // The new file's entry must survive a crash too.
      if (fsync) await fsyncDirAsync(dirname(file));
    }
    for (let at = 0; at < bytes.length; ) at += (await journal.write(bytes, at)).bytesWritten;
    if (fsync) await journal.datasync();
    // Bytes, where the snapshot's size is in characters: the same for the ASCII of most states,
    // and an earlier snapshot otherwise.
    journalChars += bytes.length;
  };

  /**
   * Writes a snapshot of everything the file may show, naming `next` as its journal (none at
   * the end), then drops the journals before it. Changed steps it covers need no line; an
   * unconfirmed success stays pending for the new journal.
   */
  const snapshot = async (next: string | undefined): Promise<void> => {
    takeDirty();
    if (succeededAt === 0) statusDirty = false;
    const previousJournal = journal;
    journal = null;
    await previousJournal?.close();
    if (next === undefined) delete head.journal;
    else head.journal = next;
    snapshotChars = await writeRunStateAsync(stateDir, head, {
      onSerialise: () => {
        head.updatedAt = new Date().toISOString();
        return succeededAt === 0 ? head : { ...head, status: 'running' };
      },
      steps,
      fsync,
    });
    journalChars = 0;
    removeJournals(stateDir, runId, next);
  };

  /** One commit after those in flight: confirms successes with the ledger, then appends (or snapshots); later callers join the next one. */
  const commit = (final = false): Promise<void> => {
    const run = (inFlight ?? Promise.resolve()).then(async () => {
      if (failure !== null) throw failure;
      if (durable >= version && !final) return;
      if (ledgerBarrier !== undefined && (heldCount > 0 || succeededAt > 0)) {
        const seen = version;
        try {
          await ledgerBarrier();
          confirm(seen);
        } catch {
          // The ledger failed: the run stops on its error (not ours); what it lost stays unwritten.
        }
      }
      scheduled = false;
      // Everything showable now is in what this commit writes.
      const covering = showable();
      try {
        if (final) await snapshot(undefined);
        else if (journalChars > Math.max(SNAPSHOT_MIN_CHARS, snapshotChars * SNAPSHOT_RATIO)) await snapshot(journalName(++generation));
        else await appendLines();
      } catch (error) {
        throw failed(error);
      }
      durable = Math.max(durable, covering);
    });
    inFlight = run.catch(() => undefined);
    return run;
  };

  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      if (scheduled) void commit().catch(() => undefined); // kept in `failure`: the next event throws it
    }, COALESCE_MS).unref();
  };

  // The first snapshot is synchronous: the state exists before run.started is even emitted.
  try {
    snapshotChars = writeRunState(stateDir, head, { steps, fsync });
    // A resumed run's earlier journals are in `previous` (read with its snapshot) and in this snapshot now.
    removeJournals(stateDir, runId, head.journal);
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
    get state() {
      return { ...head, steps: steps.record() };
    },
    barrier() {
      return durable >= mustBeDurable ? Promise.resolve() : commit();
    },
    async finish(status) {
      if (head.status === 'running') {
        head.status = status;
        version++;
        statusDirty = true;
      }
      // The run is over here: one snapshot holds it all, and its journal goes.
      await commit(true);
      rmSync(marker, { force: true });
    },
    onEvent(event) {
      if (failure !== null) throw failure;
      if (event.type === 'run.finished') {
        head.status = event.status;
        version++;
        statusDirty = true;
        if (ledgerBarrier !== undefined && event.status === 'succeeded') succeededAt = version;
        void commit().catch(() => undefined);
        return;
      }
      if (!('stepId' in event)) return;
      const i = steps.indexOf(event.stepId);
      if (i === undefined) return;
      if (ledgerBarrier !== undefined) {
        // Only a success is held back (as the step was before its oldest unconfirmed one); any
        // other transition of the step is written as it is.
        if (event.type !== 'step.succeeded') release(i);
        else if (heldAt[i] === 0) {
          steps.hold(i);
          heldAt[i] = version + 1;
          heldCount++;
          queueStep.push(i);
          queueAt.push(version + 1);
        }
      }
      switch (event.type) {
        case 'step.started':
          steps.started(i, event.attempt);
          break;
        case 'step.succeeded':
          steps.succeeded(i, event.attempt, event.outputs);
          break;
        case 'step.failed':
          steps.failed(i, event.attempt, event.error);
          break;
        case 'step.skipped':
        case 'step.cancelled':
          steps.ended(i, event.type === 'step.skipped' ? 'skipped' : 'cancelled', event.error);
          break;
        case 'step.retried':
          return;
      }
      version++;
      if (isDirty[i] === 0) {
        isDirty[i] = 1;
        dirty.push(i);
      }
      const repeatable = isRepeatable(steps.effect(i));
      if (!repeatable && (event.type === 'step.started' || event.type === 'step.succeeded')) mustBeDurable = version;
      // A side-effect step's start is made durable by the barrier the engine awaits before
      // dispatching it (one append for every step starting together); its success is written
      // at once, without blocking, so resume knows it happened.
      if (!repeatable && event.type === 'step.succeeded') void commit().catch(() => undefined);
      else later();
    },
  };
}
