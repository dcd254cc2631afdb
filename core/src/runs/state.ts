/**
 * A run's state on disk, `<stateDir>/runs/<runId>/state.json`: what resume needs (each step's
 * status, attempts and outputs once succeeded, the effect of its plugin, the digest of what
 * ran) and what `runs list` shows. Written atomically (write tmp, fsync, rename, fsync dir),
 * so a crash leaves the previous or the next version, never a torn one. Outputs are stored as
 * the steps returned them (they feed resumed templates): the file is created 0600.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
}

/** `<stateDir>/runs`. */
export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

/** `<stateDir>/runs/<runId>/state.json`. */
export function runStatePath(stateDir: string, runId: string): string {
  return join(runsDir(stateDir), runId, 'state.json');
}

/** Run ids are UUIDs; anything else could walk out of the runs dir. */
function isRunId(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value) && !value.includes('..');
}

/** One step's JSON, as JSON.stringify writes it inside the state. */
function stepJson(_id: string, step: StepState): string | undefined {
  return JSON.stringify(step);
}

/** Characters of state JSON per write: a large state is never held as one string nor one buffer. */
const STATE_CHUNK = 64 * 1024;

/**
 * `JSON.stringify(state)` in pieces of at least `size` characters (the last one shorter), each
 * step serialised only when its piece is taken: the text of a 50,000-step state (~5 MB, and
 * as much again once encoded) is never built whole, once per write.
 */
export function* runStateChunks(state: RunState, size = STATE_CHUNK, entry: (id: string, step: StepState) => string | undefined = stepJson): Generator<string, void, undefined> {
  // `steps` goes last, where a RunState has it: the text is JSON.stringify(state)'s, byte for byte.
  const { steps, ...rest } = state;
  const head = JSON.stringify(rest);
  let text = `${head.slice(0, -1)}${head === '{}' ? '' : ','}"steps":{`;
  let first = true;
  // for...in visits own keys in JSON.stringify's order (integer-like ids first).
  for (const id in steps) {
    if (!Object.hasOwn(steps, id)) continue;
    const json = entry(id, steps[id]!);
    if (json === undefined) continue; // left out, as JSON.stringify leaves out an undefined value
    text += `${first ? '' : ','}${JSON.stringify(id)}:${json}`;
    first = false;
    if (text.length >= size) {
      yield text;
      text = '';
    }
  }
  yield `${text}}}`;
}

/** Writes the state atomically and durably (tmp + fsync + rename + dir fsync). Synchronous; `entry` as in runStateChunks. */
export function writeRunState(stateDir: string, state: RunState, entry?: (id: string, step: StepState) => string | undefined): void {
  const dir = join(runsDir(stateDir), state.runId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'state.json');
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const chunk of runStateChunks(state, STATE_CHUNK, entry)) {
      const bytes = Buffer.from(chunk, 'utf8');
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dir);
}

let tmpSeq = 0;

/** How the recorder takes part in an async write (writeRunStateAsync). */
interface StateWriteHooks {
  /**
   * Called once, just before the first piece is serialised: every change made so far is in the
   * file, except what the entries leave out. May return the object to write instead (the
   * same steps, other top-level fields).
   */
  onSerialise?: () => RunState | void;
  /** A step's JSON (a cache of entries that did not change); JSON.stringify by default. */
  entry?: (id: string, step: StepState) => string | undefined;
}

/** `writeRunState` without blocking the event loop (the same tmp + fsync + rename + dir fsync). */
export async function writeRunStateAsync(stateDir: string, state: RunState, hooks: StateWriteHooks = {}): Promise<void> {
  const dir = join(runsDir(stateDir), state.runId);
  const file = join(dir, 'state.json');
  const tmp = `${file}.${process.pid}.${++tmpSeq}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    // Serialised while it is written: each piece is taken when the previous one is on its way, so
    // every step's entry is at least as recent as the moment the write began.
    const view = hooks.onSerialise?.() ?? state;
    for (const chunk of runStateChunks(view, STATE_CHUNK, hooks.entry)) {
      const bytes = Buffer.from(chunk, 'utf8');
      for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
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

/** Reads a run's state; null when absent or unreadable. */
export function readRunState(stateDir: string, runId: string): RunState | null {
  if (!isRunId(runId)) return null;
  const file = runStatePath(stateDir, runId);
  if (!existsSync(file)) return null;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
    return state.version === 1 && state.runId === runId ? state : null;
  } catch {
    return null;
  }
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
