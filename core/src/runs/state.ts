/**
 * A run's state on disk, `<stateDir>/runs/<runId>/state.json`: what resume needs (each step's
 * status, attempts and outputs once succeeded, the effect of its plugin, the digest of what
 * ran) and what `runs list` shows. The file is a snapshot, written atomically (write tmp,
 * fsync, rename, fsync dir), so a crash leaves the previous or the next version, never a torn
 * one. While a run is under way, its transitions are appended to a journal the snapshot names
 * (`journal-<n>.jsonl` beside it: one line per changed step, each the step's whole state), so
 * a transition costs what it changes, not a rewrite of every step; readers apply the journal
 * to the snapshot (readRunState), a torn last line ignored. Outputs and errors are stored as the
 * run's secret redactor left them (they feed resumed templates): both files are created 0600.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { StepError } from '../engine/types.ts';
import type { Effect } from '../plugin/sdk.ts';

/** Status of a run as stored; `interrupted` = its process died while it was `running`. */
export type RunStateStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** Status of one step as stored (`running` at a crash is what resume decides about). */
export type StepStateStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** One step of a stored run. */
export interface StepState {
  status: StepStateStatus;
  /** `finally` for steps of the mission's `finally:` section. */
  phase: 'main' | 'finally';
  type: string;
  /** The plugin's declared effect; null when the step type was not installed. */
  effect: Effect | null;
  attempts: number;
  /** Present once succeeded. */
  outputs?: Record<string, unknown>;
  error?: StepError;
}

/** What `<stateDir>/runs/<runId>/state.json` holds. */
export interface RunState {
  version: 1;
  runId: string;
  status: RunStateStatus;
  mission: { name: string; file: string; sha256: string };
  /** What was executed: the mission file itself, or a compiled module (its own digest). */
  artifact: { kind: 'mission' | 'compiled'; file: string; sha256: string };
  /** The process executing it: pid plus its start time, so a reused pid is not mistaken for it. */
  process: { pid: number; startTime: string | null; host: string };
  startedAt: string;
  updatedAt: string;
  /** How many times the run was resumed. */
  resumes: number;
  steps: Record<string, StepState>;
  /** On disk only: the journal (a file name beside state.json) whose lines follow this snapshot. */
  journal?: string;
}

/** One journal line: a step's whole state after a transition, or the run's new status. */
type JournalEntry = { id: string; step: StepState } | { status: RunStateStatus };

/** Journal file names a snapshot may name (nothing that could leave the run's dir). */
const JOURNAL_NAME = /^journal-\d{1,9}\.jsonl$/;

/** The journal file name of generation `n`. */
export function journalName(n: number): string {
  return `journal-${n}.jsonl`;
}

/** `<stateDir>/runs/<runId>`. */
function runDir(stateDir: string, runId: string): string {
  return join(runsDir(stateDir), runId);
}

/** `<stateDir>/runs/<runId>/<name>`. */
export function runFile(stateDir: string, runId: string, name: string): string {
  return join(runDir(stateDir, runId), name);
}

/** Applies a journal's complete lines, in order, to the state it follows; stops at a torn or foreign line. */
function applyJournal(state: RunState, text: string): void {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let entry: JournalEntry | null;
    try {
      entry = JSON.parse(line) as JournalEntry | null;
    } catch {
      return; // the torn last line of a crash
    }
    if (typeof entry !== 'object' || entry === null) return;
    if ('status' in entry && typeof entry.status === 'string') state.status = entry.status;
    else if ('id' in entry && typeof entry.id === 'string' && typeof entry.step === 'object' && entry.step !== null) state.steps[entry.id] = entry.step;
    else return;
  }
}

/** `<stateDir>/runs`. */
export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

/** `<stateDir>/runs/<runId>/state.json`. */
export function runStatePath(stateDir: string, runId: string): string {
  return runFile(stateDir, runId, 'state.json');
}

/** Run ids are UUIDs; anything else could walk out of the runs dir. */
function isRunId(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value) && !value.includes('..');
}

/**
 * A state's steps as the writers take them, in file order: the recorder keeps its steps in
 * arrays by index (no object per step), a state read from disk is a plain record.
 */
export interface StepTable {
  readonly length: number;
  id(i: number): string;
  /** The step's JSON, as JSON.stringify writes it inside the state; undefined leaves it out. */
  json(i: number): string | undefined;
}

/** The steps of a plain RunState, in JSON.stringify's key order (integer-like ids first). */
function stepTableOf(steps: RunState['steps']): StepTable {
  const ids: string[] = [];
  for (const id in steps) if (Object.hasOwn(steps, id)) ids.push(id);
  return { length: ids.length, id: (i) => ids[i]!, json: (i) => JSON.stringify(steps[ids[i]!]) };
}

/** A RunState without its steps (they come as a StepTable). */
export type RunStateHead = Omit<RunState, 'steps'>;

/** Characters of state JSON per write: a large state is never held as one string nor one buffer. */
const STATE_CHUNK = 64 * 1024;

/**
 * `JSON.stringify(state)` in pieces of at least `size` characters (the last one shorter), each
 * step serialised only when its piece is taken: the text of a 50,000-step state (~5 MB, and
 * as much again once encoded) is never built whole, once per write. `steps` (default: the
 * state's own) gives the steps' JSON.
 */
export function* runStateChunks(state: RunStateHead & { steps?: RunState['steps'] }, size = STATE_CHUNK, steps: StepTable = stepTableOf(state.steps ?? {})): Generator<string, void, undefined> {
  // `steps` goes last, where a RunState has it: the text is JSON.stringify(state)'s, byte for byte.
  const { steps: _steps, ...rest } = state;
  const head = JSON.stringify(rest);
  let text = `${head.slice(0, -1)}${head === '{}' ? '' : ','}"steps":{`;
  let first = true;
  for (let i = 0; i < steps.length; i++) {
    const json = steps.json(i);
    if (json === undefined) continue; // left out, as JSON.stringify leaves out an undefined value
    text += `${first ? '' : ','}${JSON.stringify(steps.id(i))}:${json}`;
    first = false;
    if (text.length >= size) {
      yield text;
      text = '';
    }
  }
  yield `${text}}}`;
}

/** How a snapshot is written. */
export interface SnapshotOptions {
  /** The steps to write in place of the state's own (the recorder's table). */
  steps?: StepTable | undefined;
  /** false with `--durability=none`: atomic (tmp + rename) but not fsynced. Default true. */
  fsync?: boolean | undefined;
}

/** Writes the state atomically and durably (tmp + fsync + rename + dir fsync). Synchronous; returns the characters written. */
export function writeRunState(stateDir: string, state: RunStateHead & { steps?: RunState['steps'] }, options: SnapshotOptions = {}): number {
  const durable = options.fsync !== false;
  let written = 0;
  const dir = runDir(stateDir, state.runId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'state.json');
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const chunk of runStateChunks(state, STATE_CHUNK, options.steps)) {
      written += chunk.length;
      const bytes = Buffer.from(chunk, 'utf8');
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    }
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (durable) fsyncDir(dir);
  return written;
}

let tmpSeq = 0;

/** How the recorder takes part in an async write (writeRunStateAsync). */
interface StateWriteHooks extends SnapshotOptions {
  /**
   * Called once, just before the first piece is serialised: every change made so far is in the
   * file, except what the entries leave out. May return the object to write instead (the
   * same steps, other top-level fields).
   */
  onSerialise?: () => RunStateHead | void;
}

/**
 * `writeRunState` without blocking the event loop (the same tmp + fsync + rename + dir fsync);
 * resolves to the characters written.
 */
export async function writeRunStateAsync(stateDir: string, state: RunStateHead & { steps?: RunState['steps'] }, hooks: StateWriteHooks = {}): Promise<number> {
  const durable = hooks.fsync !== false;
  let written = 0;
  const dir = runDir(stateDir, state.runId);
  const file = join(dir, 'state.json');
  const tmp = `${file}.${process.pid}.${++tmpSeq}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    // Serialised while it is written: each piece is taken when the previous one is on its way, so
    // every step's entry is at least as recent as the moment the write began.
    const view = hooks.onSerialise?.() ?? state;
    for (const chunk of runStateChunks(view, STATE_CHUNK, hooks.steps)) {
      written += chunk.length;
      const bytes = Buffer.from(chunk, 'utf8');
      for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at)).bytesWritten;
    }
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  if (durable) await fsyncDirAsync(dir);
  return written;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A journal generation no file of the run uses yet (a resumed run must not append to its predecessor's journal). */
export function freshJournalGeneration(stateDir: string, runId: string): number {
  let next = 0;
  try {
    for (const name of readdirSync(runDir(stateDir, runId))) {
      if (JOURNAL_NAME.test(name)) next = Math.max(next, Number(name.slice('journal-'.length, -'.jsonl'.length)) + 1);
    }
  } catch {
    // no run dir yet
  }
  return next;
}

/** fsync of a directory (a new file's entry); some filesystems refuse it, and then the write stands as it is. */
export async function fsyncDirAsync(dir: string): Promise<void> {
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // refused: nothing more to do
  }
}

/** Removes the run's journal files other than `keep` (a snapshot that names none, or a newer one, replaced them). */
export function removeJournals(stateDir: string, runId: string, keep?: string): void {
  let names: string[];
  try {
    names = readdirSync(runDir(stateDir, runId));
  } catch {
    return;
  }
  for (const name of names) {
    if (name !== keep && JOURNAL_NAME.test(name)) rmSync(runFile(stateDir, runId, name), { force: true });
  }
}

/** Reads a run's state (its snapshot with its journal applied); null when absent or unreadable. */
export function readRunState(stateDir: string, runId: string): RunState | null {
  if (!isRunId(runId)) return null;
  const file = runStatePath(stateDir, runId);
  if (!existsSync(file)) return null;
  let state: RunState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch {
    return null;
  }
  if (state.version !== 1 || state.runId !== runId) return null;
  const journal = state.journal;
  delete state.journal;
  if (typeof journal === 'string' && JOURNAL_NAME.test(journal)) {
    let text = '';
    try {
      text = readFileSync(runFile(stateDir, runId, journal), 'utf8');
    } catch {
      // not created yet: nothing happened since the snapshot
    }
    applyJournal(state, text);
  }
  return state;
}

/** Every readable run state under the state dir, newest start first. */
export function listRunStates(stateDir: string): RunState[] {
  let names: string[];
  try {
    names = readdirSync(runsDir(stateDir));
  } catch {
    return [];
  }
  const states: RunState[] = [];
  for (const name of names) {
    const state = readRunState(stateDir, name);
    if (state !== null) states.push(state);
  }
  return states.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}
