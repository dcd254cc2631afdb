/**
 * `buildAuditReport`: fold the ledger's events into one summary per run (steps with status,
 * attempts, durations and output digests; policy decisions; plugin versions; digests).
 */
import { ChainWalker } from './chain.ts';
import { readLineChunks } from './line-reader.ts';
import { listSegments } from './segments.ts';
import { auditPaths, segmentPath, type AuditPaths } from './paths.ts';
import type { LedgerEvent, VerifyReport } from './types.ts';
import { verifyLedger } from './verify.ts';

/** One step of a run as the ledger tells it. */
export interface StepAuditEntry {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  attempts: number;
  durationMs: number | null;
  outputsDigest: string | null;
  errorCode: string | null;
  /** Step type and direct dependencies from the run's `run.plan` event (null / [] for runs without one). */
  type: string | null;
  dependsOn: string[];
  /** Ledger times of its first start and of its final outcome (null when it never started / has not ended). */
  startedAt: string | null;
  finishedAt: string | null;
  /** Each attempt as the ledger tells it, oldest first. */
  attemptLog: AttemptAuditEntry[];
}

/** One attempt of a step: when it started and ended, and how. */
interface AttemptAuditEntry {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'running' | 'retried' | 'succeeded' | 'failed' | 'cancelled';
  errorCode: string | null;
}

/** One run as the ledger tells it. */
export interface RunAuditEntry {
  runId: string;
  mission: string | null;
  missionSha256: string | null;
  /** `interrupted`: its process died (run.interrupted), until a resume (run.resumed) or its end. */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  user: string | null;
  host: string | null;
  cancelReason: string | null;
  /** The run-level error of `run.finished` (e.g. E_GOVERNING_TAMPERED by a background process), null when none. */
  errorCode: string | null;
  firstSeq: number;
  lastSeq: number;
  plugins: Record<string, string>;
  /** `signature` (compiled modules): `signed by <keyId>`, or `unsigned: <code> (--allow-unsigned)` for a module run without a valid statement. */
  artifacts: Array<{ kind: string; path: string; sha256: string; signature?: string }>;
  policyDecisions: Array<{ stepId: string | null; decision: string; code: string | null }>;
  /** What the run was granted (`policy.granted`: sources with digests, flags, effective policy), null for older runs. */
  grant: Record<string, unknown> | null;
  /** Fallbacks to unsandboxed execution (`sandbox.fallback`). */
  sandboxFallbacks: Array<{ stepId: string | null; reason: string | null }>;
  /** The mission's DAG (`run.plan`: id → type and dependencies), null for runs recorded without one. */
  plan: Record<string, { type: string | null; dependsOn: string[] }> | null;
  steps: StepAuditEntry[];
  /** Calls through ctx.fetch, in the order they were made (net.request / net.response). */
  calls: CallAuditEntry[];
}

/** One call through ctx.fetch: what `audit report` compares between a recorded run and its replay. */
export interface CallAuditEntry {
  stepId: string;
  attempt: number;
  /** 1-based number of the call within its step attempt. */
  call: number;
  method: string;
  /** Redacted URL. */
  url: string;
  requestDigest: string;
  /** Null until the response came (or when the call failed: see errorCode). */
  status: number | null;
  responseDigest: string | null;
  replayed: boolean;
  errorCode: string | null;
}

/** An invocation refused before any run started (no run id): a policy denial or a rejected mission. */
export interface RefusalAuditEntry {
  seq: number;
  ts: string;
  type: string;
  code: string | null;
  stepId: string | null;
  file: string | null;
  message: string | null;
}

/** The whole report: ledger integrity plus the runs. */
export interface AuditReport {
  integrity: VerifyReport;
  runs: RunAuditEntry[];
  /** Refused invocations (policy.decision / mission.rejected without a run), oldest first. */
  refusals?: RefusalAuditEntry[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A compiled artifact's recorded signature check, in one phrase; nothing when none was recorded (missions, bundles). */
function signatureSummary(value: unknown): { signature?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const sig = value as Record<string, unknown>;
  return sig['verified'] === true
    ? { signature: `signed by ${str(sig['keyId']) ?? '?'}` }
    : { signature: `unsigned: ${str(sig['code']) ?? '?'} (${str(sig['allowedUnsigned']) ?? 'allowed'})` };
}
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function newRun(runId: string, seq: number): RunAuditEntry {
  return {
    runId, mission: null, missionSha256: null, status: 'running', startedAt: null, finishedAt: null, durationMs: null,
    user: null, host: null, cancelReason: null, errorCode: null, firstSeq: seq, lastSeq: seq, plugins: {}, artifacts: [], policyDecisions: [], grant: null, sandboxFallbacks: [], plan: null, steps: [], calls: [],
  };
}

function step(run: RunAuditEntry, id: string): StepAuditEntry {
  let entry = run.steps.find((s) => s.id === id);
  if (!entry) {
    const planned = run.plan?.[id];
    entry = {
      id, status: 'running', attempts: 0, durationMs: null, outputsDigest: null, errorCode: null,
      type: planned?.type ?? null, dependsOn: planned?.dependsOn ?? [], startedAt: null, finishedAt: null, attemptLog: [],
    };
    run.steps.push(entry);
  }
  return entry;
}

/** Fold one event into its run. */
function apply(run: RunAuditEntry, e: LedgerEvent): void {
  const p = e.payload;
  run.lastSeq = e.seq;
  const errorCode = str((p.error as { code?: unknown } | undefined)?.code);
  const stepId = str(p.stepId);
  switch (e.type) {
    case 'run.started':
      Object.assign(run, { mission: str(p.mission), missionSha256: str(p.missionSha256), startedAt: e.ts, user: str(p.user), host: str(p.host) });
      return;
    case 'run.finished':
      Object.assign(run, { status: str(p.status) ?? 'failed', finishedAt: e.ts, durationMs: num(p.durationMs), errorCode });
      return;
    case 'run.cancelled':
      Object.assign(run, { status: 'cancelled', cancelReason: str(p.reason) });
      return;
    case 'run.interrupted':
      run.status = 'interrupted';
      return;
    case 'run.resumed':
      Object.assign(run, { status: 'running', finishedAt: null, durationMs: null, errorCode: null });
      return;
    case 'run.plugins':
      Object.assign(run.plugins, p.plugins as Record<string, string>);
      return;
    case 'run.artifact':
      run.artifacts.push({ kind: str(p.kind) ?? '?', path: str(p.path) ?? '?', sha256: str(p.sha256) ?? '?', ...signatureSummary(p.signature) });
      return;
    case 'policy.decision':
      run.policyDecisions.push({ stepId, decision: str(p.decision) ?? '?', code: str(p.code) });
      return;
    case 'policy.granted':
      run.grant = { ...p };
      return;
    case 'sandbox.fallback':
      run.sandboxFallbacks.push({ stepId, reason: str(p.reason) });
      return;
    case 'net.request':
      run.calls.push({
        stepId: stepId ?? '?', attempt: num(p.attempt) ?? 0, call: num(p.call) ?? 0, method: str(p.method) ?? '?', url: str(p.url) ?? '?',
        requestDigest: str(p.requestDigest) ?? '?', status: null, responseDigest: null, replayed: p.replayed === true, errorCode: null,
      });
      return;
    case 'net.response': {
      const call = run.calls.findLast((c) => c.stepId === stepId && c.attempt === num(p.attempt) && c.call === num(p.call));
      if (call !== undefined) Object.assign(call, { status: num(p.status), responseDigest: str(p.responseDigest), errorCode: str(p.error) });
      return;
    }
    case 'run.plan':
      run.plan = planOf(p.steps);
      return;
  }
  if (stepId === null || !e.type.startsWith('step.')) return;
  const s = step(run, stepId);
  const attempt = num(p.attempt);
  if (attempt !== null) s.attempts = Math.max(s.attempts, attempt);
  const status = e.type.slice('step.'.length);
  if (status === 'succeeded' || status === 'failed' || status === 'skipped' || status === 'cancelled') s.status = status;
  if (num(p.durationMs) !== null) s.durationMs = num(p.durationMs);
  if (str(p.outputsDigest) !== null) s.outputsDigest = str(p.outputsDigest);
  if (errorCode !== null && status !== 'retried') s.errorCode = errorCode;
  logAttempt(s, status, attempt, e.ts, errorCode);
}

/** The `run.plan` payload's steps as id → { type, dependsOn }; malformed entries are ignored. */
function planOf(value: unknown): RunAuditEntry['plan'] {
  if (!Array.isArray(value)) return null;
  const plan: NonNullable<RunAuditEntry['plan']> = {};
  for (const item of value as unknown[]) {
    const { id, type, dependsOn } = (item ?? {}) as { id?: unknown; type?: unknown; dependsOn?: unknown };
    if (typeof id !== 'string') continue;
    plan[id] = { type: str(type), dependsOn: Array.isArray(dependsOn) ? dependsOn.filter((d): d is string => typeof d === 'string') : [] };
  }
  return plan;
}

/** Keeps the step's start/end times and its attempt log in step with a `step.*` event. */
function logAttempt(s: StepAuditEntry, status: string, attempt: number | null, ts: string, errorCode: string | null): void {
  if (status === 'started') {
    s.startedAt ??= ts;
    s.finishedAt = null;
    s.attemptLog.push({ attempt: attempt ?? s.attemptLog.length + 1, startedAt: ts, finishedAt: null, outcome: 'running', errorCode: null });
    return;
  }
  if (status !== 'retried' && status !== 'succeeded' && status !== 'failed' && status !== 'cancelled' && status !== 'skipped') return;
  if (status !== 'retried') s.finishedAt = ts;
  const open = s.attemptLog.at(-1);
  if (status === 'skipped' || open === undefined || open.finishedAt !== null) return;
  Object.assign(open, { finishedAt: ts, outcome: status, errorCode });
}

/** The events of the intact chain prefix, across every segment, read a chunk at a time. */
async function* intactEvents(paths: AuditPaths): AsyncGenerator<LedgerEvent> {
  let accepted: LedgerEvent[] = [];
  const walker = new ChainWalker({ onEvent: (e) => accepted.push(e) });
  for (const n of await listSegments(paths)) {
    for await (const chunk of readLineChunks(segmentPath(paths, n))) {
      if ('torn' in chunk) break;
      let going = true;
      for (const line of chunk.lines) if (!(going = walker.feed(line))) break;
      yield* accepted;
      accepted = [];
      if (!going) return;
    }
  }
}

/** Build the report for every run, or for one (`runId`). */
export async function buildAuditReport(stateDir: string, options: { runId?: string } = {}): Promise<AuditReport> {
  const integrity = await verifyLedger(stateDir);
  const runs = new Map<string, RunAuditEntry>();
  const refusals: RefusalAuditEntry[] = [];
  for await (const e of intactEvents(auditPaths(stateDir))) {
    if (e.runId === null && options.runId === undefined && (e.type === 'policy.decision' || e.type === 'mission.rejected')) {
      const p = e.payload;
      refusals.push({ seq: e.seq, ts: e.ts, type: e.type, code: str(p.code), stepId: str(p.stepId), file: str(p.file), message: str(p.message) });
    }
    if (e.runId === null || (options.runId !== undefined && e.runId !== options.runId)) continue;
    let run = runs.get(e.runId);
    if (!run) runs.set(e.runId, (run = newRun(e.runId, e.seq)));
    apply(run, e);
  }
  return { integrity, runs: [...runs.values()], refusals };
}
