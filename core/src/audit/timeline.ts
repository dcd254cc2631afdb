/**
 * A run's timeline from its audit entry: when each step ran (relative to the run's start),
 * the DAG layers, and the critical path — the chain of dependencies that decided when the
 * run ended. With the run's recorded plan the chain follows real `depends_on` edges; without
 * one (older runs, bundles) it is inferred from timing: each link is the step that ended last
 * before the next one started.
 */
import type { RunAuditEntry, StepAuditEntry } from './report.ts';

/** One step on the timeline; times in ms from the run's start, null when it never ran. */
export interface TimelineBar {
  id: string;
  step: StepAuditEntry;
  start: number | null;
  end: number | null;
  /** Attempts as [start, end] pairs (end null: still running when the ledger ends). */
  attempts: Array<{ attempt: number; start: number; end: number | null; outcome: string }>;
  /** Longest dependency chain above it: its column in the DAG drawing. */
  layer: number;
  critical: boolean;
}

/** The whole timeline. */
export interface RunTimeline {
  /** Bars ordered by start (steps that never ran last, in ledger order). */
  bars: TimelineBar[];
  /** Ms from the run's start to the last step's end (or the run's recorded duration, if longer). */
  spanMs: number;
  /** Step ids of the critical path, first to last. */
  criticalPath: string[];
  /** True when the path was inferred from timing (no recorded plan). */
  inferred: boolean;
  /** Dependency edges [from, to] between steps on the timeline. */
  edges: Array<[string, string]>;
}

const at = (iso: string | null): number | null => {
  const t = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** Builds the timeline of one run. */
export function runTimeline(run: RunAuditEntry): RunTimeline {
  const starts = run.steps.map((s) => at(s.startedAt)).filter((t) => t !== null);
  const origin = at(run.startedAt) ?? (starts.length > 0 ? Math.min(...starts) : 0);
  const rel = (iso: string | null): number | null => {
    const t = at(iso);
    return t === null ? null : Math.max(0, t - origin);
  };
  const ids = new Set(run.steps.map((s) => s.id));
  const edges: Array<[string, string]> = run.steps.flatMap((s) => s.dependsOn.filter((d) => ids.has(d)).map((d): [string, string] => [d, s.id]));
  const bars = run.steps.map((step): TimelineBar => ({
    id: step.id,
    step,
    start: rel(step.startedAt),
    end: rel(step.finishedAt),
    attempts: step.attemptLog.map((a) => ({ attempt: a.attempt, start: rel(a.startedAt) ?? 0, end: rel(a.finishedAt), outcome: a.outcome })),
    layer: 0,
    critical: false,
  }));
  const byId = new Map(bars.map((b) => [b.id, b]));
  assignLayers(bars, byId);
  const inferred = run.plan === null;
  const criticalPath = inferred ? inferredPath(bars) : plannedPath(bars, byId);
  for (const id of criticalPath) byId.get(id)!.critical = true;
  const lastEnd = Math.max(0, ...bars.map((b) => b.end ?? b.start ?? 0));
  bars.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity));
  return { bars, spanMs: Math.max(lastEnd, run.durationMs ?? 0, 1), criticalPath, inferred, edges };
}

/** Layer = 1 + the deepest dependency's layer (dependencies always precede in a DAG walk). */
function assignLayers(bars: TimelineBar[], byId: Map<string, TimelineBar>): void {
  const memo = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a recorded plan is acyclic; a damaged one must not loop
    seen.add(id);
    const deps = byId.get(id)?.step.dependsOn.filter((d) => byId.has(d)) ?? [];
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth(d, seen)));
    memo.set(id, value);
    return value;
  };
  for (const bar of bars) bar.layer = depth(bar.id, new Set());
}

const endOf = (b: TimelineBar): number => b.end ?? b.start ?? -1;

/** From the step that ended last, walk back through the dependency that ended last. */
function plannedPath(bars: TimelineBar[], byId: Map<string, TimelineBar>): string[] {
  let current = latest(bars.filter((b) => b.start !== null));
  const path: string[] = [];
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current.id)) {
    seen.add(current.id);
    path.unshift(current.id);
    const deps = current.step.dependsOn.map((d) => byId.get(d)).filter((b): b is TimelineBar => b !== undefined && b.start !== null);
    current = latest(deps);
  }
  return path;
}

/** Without a plan: each link is the step that ended last no later than the next one started. */
function inferredPath(bars: TimelineBar[]): string[] {
  const ran = bars.filter((b) => b.start !== null);
  let current = latest(ran);
  const path: string[] = [];
  const onPath = new Set<string>();
  while (current !== undefined) {
    path.unshift(current.id);
    onPath.add(current.id);
    const start = current.start ?? 0;
    current = latest(ran.filter((b) => !onPath.has(b.id) && endOf(b) <= start));
  }
  return path;
}

/** The bar that ended last (ties: the later start, then the later in ledger order: millisecond times often tie). */
function latest(bars: TimelineBar[]): TimelineBar | undefined {
  let best: TimelineBar | undefined;
  for (const b of bars) {
    if (best === undefined || endOf(b) > endOf(best) || (endOf(b) === endOf(best) && (b.start ?? 0) >= (best.start ?? 0))) best = b;
  }
  return best;
}
