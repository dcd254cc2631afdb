/** The adapter from executor `RunEvent`s to ledger inputs. */
import { hostname, userInfo } from 'node:os';
import type { RunEvent, RunEventType } from '../engine/types.ts';
import { digestJson, markBuiltSorted } from './hash.ts';
import { sortedKeys } from './sorted-keys.ts';
import type { LedgerInput } from './types.ts';

/** Who ran it, where: added to every `run.started` payload. */
export interface RunContext {
  user: string | null;
  host: string;
  pid: number;
}

/** The current user, host and pid (user is null when the OS cannot tell). */
export function currentRunContext(): RunContext {
  let user: string | null = process.env.USER ?? null;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep $USER or null.
  }
  return { user, host: hostname(), pid: process.pid };
}

/** `sha256:` + the digest of `{}`: most steps take no parameters or return no outputs. */
const EMPTY_DIGEST = `sha256:${digestJson({})}`;

/**
 * `sha256:` + the digest of a step's parameters or outputs. A plain object with no keys is `{}`
 * in canonical JSON: its digest is a constant (no serialisation and hash per step).
 */
function recordDigest(value: Record<string, unknown>): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto === Object.prototype || proto === null) && Object.keys(value).length === 0) return EMPTY_DIGEST;
  return `sha256:${digestJson(value)}`;
}

/**
 * Whether the fields a step event's payload copies as they are hold what the engine puts there
 * (runEventToLedgerInput is public: an embedder's event may hold anything).
 */
function stepShaped(e: { attempt: number; stepId: string }): boolean {
  return typeof e.stepId === 'string' && Number.isFinite(e.attempt);
}

/**
 * `payload`, marked plain-sorted by construction (hash.ts) when `checked`: the two events every
 * step records are sealed without a walk. Their other values are made here: digests, sorted keys.
 */
function builtSorted<T extends object>(payload: T, checked: boolean): T {
  return checked ? markBuiltSorted(payload) : payload;
}

type Payloader<T extends RunEventType> = (e: Extract<RunEvent, { type: T }>, ctx: RunContext) => Record<string, unknown>;

// One entry per RunEvent type: a new event type does not compile until it is mapped here.
// Outputs are recorded as a digest and key list, not values: they can be large or sensitive.
// Keys are written in canonical (UTF-16) order: such a payload's canonical text is one
// JSON.stringify when the event is sealed (seal.ts); another order would only be slower.
const PAYLOADS: { [T in RunEventType]: Payloader<T> } = {
  'run.started': (e, ctx) => ({ mission: e.mission, missionSha256: e.missionSha256, steps: e.steps, ...ctx }),
  // The resolved parameters as a digest (of their redacted form): what exactly was about to run.
  'step.started': (e) => builtSorted(e.params === undefined
    ? { attempt: e.attempt, stepId: e.stepId }
    : { attempt: e.attempt, paramsDigest: recordDigest(e.params), stepId: e.stepId }, stepShaped(e)),
  'step.retried': (e) => ({ attempt: e.attempt, delayMs: e.delayMs, error: e.error, stepId: e.stepId }),
  'step.succeeded': (e) => builtSorted({
    attempt: e.attempt, durationMs: e.durationMs, outputKeys: sortedKeys(e.outputs), outputsDigest: recordDigest(e.outputs), stepId: e.stepId,
  }, stepShaped(e) && Number.isFinite(e.durationMs)),
  'step.failed': (e) => ({ attempt: e.attempt, durationMs: e.durationMs, error: e.error, stepId: e.stepId }),
  'step.skipped': (e) => ({ error: e.error, stepId: e.stepId }),
  'step.cancelled': (e) => ({ attempt: e.attempt, error: e.error, stepId: e.stepId }),
  // Never recorded (the ledger sink drops it); the text itself stays out even if one slipped through.
  'step.progress': (e) => ({ attempt: e.attempt, stepId: e.stepId }),
  // A call through ctx.fetch: digests of the canonical (secret-free) request and response, so a
  // replay can be shown to have made and received exactly what the recorded run did.
  'net.request': (e) => ({ attempt: e.attempt, call: e.call, method: e.method, replayed: e.replayed, requestDigest: e.requestDigest, stepId: e.stepId, url: e.url }),
  'net.response': (e) => ({
    attempt: e.attempt, call: e.call, ...(e.error === undefined ? {} : { error: e.error }),
    replayed: e.replayed, responseDigest: e.responseDigest, status: e.status, stepId: e.stepId,
  }),
  'run.cancelled': (e) => ({ reason: e.reason }),
  'run.finished': (e) => ({ durationMs: e.durationMs, ...(e.error === undefined ? {} : { error: e.error }), status: e.status }),
};

/** Map one RunEvent to the ledger input that records it. */
export function runEventToLedgerInput(event: RunEvent, ctx: RunContext = currentRunContext()): LedgerInput {
  const payloader = PAYLOADS[event.type] as (e: RunEvent, c: RunContext) => Record<string, unknown>;
  return { runId: event.runId, type: event.type, payload: payloader(event, ctx) };
}

/** Whether `list` is an array of strings only (no holes). */
function allStrings(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'string') return false;
  return true;
}

/**
 * The `run.plan` input: the mission's steps, keys in canonical order (dependsOn, id, type), with
 * the mission's own dependsOn arrays (never changed once loaded: no copy per step). Marked
 * plain-sorted when every id, type and dependency is a string: a 4,000-step plan is then sealed
 * without a walk of its 4,000 objects.
 */
export function planInput(runId: string, plan: ReadonlyArray<{ id: string; type: string; dependsOn: readonly string[] }>): LedgerInput {
  let typed = true;
  const steps = plan.map((s) => {
    typed &&= typeof s.id === 'string' && typeof s.type === 'string' && allStrings(s.dependsOn);
    return { dependsOn: s.dependsOn, id: s.id, type: s.type };
  });
  return { runId, type: 'run.plan', payload: builtSorted({ steps }, typed) };
}

/** A policy decision as recorded in the ledger. */
export interface PolicyDecisionPayload {
  stepId: string | null;
  decision: 'allowed' | 'denied';
  /** The E_POLICY_* code of a denial, null when allowed. */
  code: string | null;
  message?: string;
}

/** Ledger input for a policy decision. */
export function policyDecisionInput(runId: string | null, decision: PolicyDecisionPayload): LedgerInput {
  return { runId, type: 'policy.decision', payload: { ...decision } };
}

/** Ledger input for the plugin packages (name → version) a run loaded. */
export function pluginVersionsInput(runId: string, plugins: Readonly<Record<string, string>>): LedgerInput {
  return { runId, type: 'run.plugins', payload: { plugins: { ...plugins } } };
}

/** Ledger input for the digest of the mission file or the compiled module a run used. */
export function artifactInput(runId: string, kind: 'mission' | 'compiled', path: string, sha256: string, details: Record<string, unknown> = {}): LedgerInput {
  return { runId, type: 'run.artifact', payload: { ...details, kind, path, sha256 } };
}
