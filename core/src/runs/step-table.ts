import { NO_OUTPUTS } from '../engine/attempts.ts';
import type { StepError } from '../engine/types.ts';
import type { Mission } from '../model/mission.ts';
import type { Effect } from '../plugin/sdk.ts';
import type { RunState, StepState, StepStateStatus, StepTable } from './state.ts';

const STATUSES: readonly StepStateStatus[] = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];
const CODE = Object.freeze({ pending: 0, running: 1, succeeded: 2, failed: 3, skipped: 4, cancelled: 5 }) satisfies Record<StepStateStatus, number>;
/** heldStatus of a step whose file entry is its current state. */
const NOT_HELD = 255;

/** What steps of one phase and type share: their entry's JSON up to the attempts, per status. */
interface Kind {
  phase: StepState['phase'];
  type: string;
  effect: Effect | null;
  heads: (string | undefined)[];
  /** Whole entries without outputs of their own or error, by status and attempts (render). */
  common: (string | undefined)[];
}

/** Attempts up to which an entry's text is kept per kind (render). */
const COMMON_ATTEMPTS = 4;

/**
 * The run state's steps by index, main steps then `finally` ones: status and attempts in typed
 * arrays, what few steps carry (outputs, an error) in sparse maps, phase, type and effect shared
 * per kind. The recorder kept an object per step, a copy of it per success awaiting the ledger,
 * and an id-keyed dictionary of them for the whole run: most of what a 50,000-step run
 * promoted to the old generation (bench/PROFILES.md, finding 24).
 *
 * A step may also be *held*: the file shows it as it was when held (a success the ledger has
 * not confirmed yet) until it is released.
 */
export class RunStepTable implements StepTable {
  readonly length: number;
  private readonly ids: string[];
  private readonly index = new Map<string, number>();
  private readonly kinds: Kind[] = [];
  private readonly kindsByType = new Map<string, number[]>();
  private readonly kindOf: Uint32Array;
  private readonly status: Uint8Array;
  private readonly attempts: Uint32Array;
  private readonly outputs = new Map<number, Record<string, unknown>>();
  private readonly errors = new Map<number, StepError>();
  /** A resumed run's succeeded entries, written as they were read until an event touches them. */
  private readonly kept = new Map<number, StepState>();
  private readonly heldStatus: Uint8Array;
  private readonly heldAttempts: Uint32Array;
  /** The whole held entry, for the rare step that had outputs, an error or a kept entry when held. */
  private readonly heldEntries = new Map<number, StepState>();

  constructor(mission: Mission, effectOf: (type: string) => Effect | null, previous: RunState | null | undefined) {
    const main = mission.steps;
    const cleanup = mission.finally ?? [];
    this.length = main.length + cleanup.length;
    this.ids = new Array<string>(this.length);
    this.kindOf = new Uint32Array(this.length);
    this.status = new Uint8Array(this.length);
    this.attempts = new Uint32Array(this.length);
    this.heldStatus = new Uint8Array(this.length).fill(NOT_HELD);
    this.heldAttempts = new Uint32Array(this.length);
    const effects = new Map<string, Effect | null>();
    const add = (i: number, id: string, type: string, phase: StepState['phase']): void => {
      this.ids[i] = id;
      this.index.set(id, i);
      let effect = effects.get(type);
      if (effect === undefined) effects.set(type, (effect = effectOf(type)));
      this.kindOf[i] = this.kind(phase, type, effect);
      const before = previous?.steps[id];
      if (before?.status === 'succeeded') this.kept.set(i, before);
    };
    for (let i = 0; i < main.length; i++) add(i, main[i]!.id, main[i]!.type, 'main');
    for (let i = 0; i < cleanup.length; i++) add(main.length + i, cleanup[i]!.id, cleanup[i]!.type, 'finally');
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id);
  }

  id(i: number): string {
    return this.ids[i]!;
  }

  effect(i: number): Effect | null {
    return this.kept.get(i)?.effect ?? this.kinds[this.kindOf[i]!]!.effect;
  }

  /** The step's JSON as the file shows it (as held, while it is). */
  json(i: number): string {
    if (this.heldStatus[i] === NOT_HELD) return this.current(i);
    const entry = this.heldEntries.get(i);
    if (entry !== undefined) return JSON.stringify(entry);
    // Held without outputs of its own: a success then had the shared empty ones.
    const status = this.heldStatus[i]!;
    return this.render(this.kindOf[i]!, status, this.heldAttempts[i]!, status === CODE.succeeded ? NO_OUTPUTS : undefined);
  }

  /** The step's current state as an object. */
  entry(i: number): StepState {
    const kept = this.kept.get(i);
    if (kept !== undefined) return kept;
    const kind = this.kinds[this.kindOf[i]!]!;
    const entry: StepState = { status: STATUSES[this.status[i]!]!, phase: kind.phase, type: kind.type, effect: kind.effect, attempts: this.attempts[i]! };
    if (this.status[i] === CODE.succeeded) entry.outputs = this.outputs.get(i) ?? {};
    const error = this.errors.get(i);
    if (error !== undefined) entry.error = error;
    return entry;
  }

  /** Every step as a RunState's `steps` record. */
  record(): RunState['steps'] {
    const steps = Object.create(null) as RunState['steps'];
    for (let i = 0; i < this.length; i++) steps[this.ids[i]!] = this.entry(i);
    return steps;
  }

  /** From now on the file shows the step as it is now, until release(). */
  hold(i: number): void {
    if (this.heldStatus[i] !== NOT_HELD) return;
    this.heldStatus[i] = this.status[i]!;
    this.heldAttempts[i] = this.attempts[i]!;
    if (this.kept.has(i) || this.outputs.has(i) || this.errors.has(i)) this.heldEntries.set(i, { ...this.entry(i) });
  }

  release(i: number): void {
    this.heldStatus[i] = NOT_HELD;
    if (this.heldEntries.size > 0) this.heldEntries.delete(i);
  }

  isHeld(i: number): boolean {
    return this.heldStatus[i] !== NOT_HELD;
  }

  started(i: number, attempt: number): void {
    this.take(i);
    this.status[i] = CODE.running;
    this.attempts[i] = attempt;
  }

  succeeded(i: number, attempt: number, outputs: Record<string, unknown>): void {
    this.take(i);
    this.status[i] = CODE.succeeded;
    this.attempts[i] = attempt;
    // The engine's shared empty outputs need no slot: a succeeded step without one has `{}`.
    if (outputs === NO_OUTPUTS) this.outputs.delete(i);
    else this.outputs.set(i, outputs);
    this.errors.delete(i);
  }

  failed(i: number, attempt: number, error: StepError): void {
    this.take(i);
    this.status[i] = CODE.failed;
    this.attempts[i] = attempt;
    this.errors.set(i, error);
  }

  ended(i: number, status: 'skipped' | 'cancelled', error: StepError): void {
    this.take(i);
    this.status[i] = CODE[status];
    this.errors.set(i, error);
  }

  private current(i: number): string {
    const kept = this.kept.get(i);
    if (kept !== undefined) return JSON.stringify(kept);
    const status = this.status[i]!;
    const outputs = status === CODE.succeeded ? (this.outputs.get(i) ?? NO_OUTPUTS) : undefined;
    return this.render(this.kindOf[i]!, status, this.attempts[i]!, outputs, this.errors.get(i));
  }

  /** JSON.stringify of the entry {status, phase, type, effect, attempts, outputs?, error?}. */
  private render(k: number, status: number, attempts: number, outputs?: Record<string, unknown>, error?: StepError): string {
    const kind = this.kinds[k]!;
    // The usual entries (no error, shared empty outputs or none, a first or early attempt) are
    // the same text for every step of a kind: made once (a snapshot writes one per step).
    const common = error === undefined && (outputs === undefined || outputs === NO_OUTPUTS) && attempts < COMMON_ATTEMPTS;
    const slot = status * COMMON_ATTEMPTS + attempts;
    if (common) {
      const made = kind.common[slot];
      if (made !== undefined) return made;
    }
    const head = (kind.heads[status] ??= `{"status":"${STATUSES[status]}","phase":${JSON.stringify(kind.phase)},"type":${JSON.stringify(kind.type)},"effect":${JSON.stringify(kind.effect)},"attempts":`);
    if (common) return (kind.common[slot] = `${head}${attempts}${outputs === undefined ? '' : ',"outputs":{}'}}`);
    let json = `${head}${attempts}`;
    if (outputs !== undefined) json += `,"outputs":${JSON.stringify(outputs)}`;
    if (error !== undefined) json += `,"error":${JSON.stringify(error)}`;
    return `${json}}`;
  }

  private kind(phase: StepState['phase'], type: string, effect: Effect | null): number {
    // By type first (one lookup, no key string per step); phase and effect compared.
    let kinds = this.kindsByType.get(type);
    if (kinds === undefined) this.kindsByType.set(type, (kinds = []));
    for (let n = 0; n < kinds.length; n++) {
      const k = kinds[n]!;
      if (this.kinds[k]!.phase === phase && this.kinds[k]!.effect === effect) return k;
    }
    const k = this.kinds.push({ phase, type, effect, heads: [], common: [] }) - 1;
    kinds.push(k);
    return k;
  }

  /** A kept entry touched by an event becomes slots like any other step's. */
  private take(i: number): void {
    const kept = this.kept.get(i);
    if (kept === undefined) return;
    this.kept.delete(i);
    this.kindOf[i] = this.kind(kept.phase, kept.type, kept.effect);
    this.status[i] = CODE[kept.status] ?? CODE.pending;
    this.attempts[i] = kept.attempts;
    if (kept.outputs !== undefined) this.outputs.set(i, kept.outputs);
    if (kept.error !== undefined) this.errors.set(i, kept.error);
  }
}
