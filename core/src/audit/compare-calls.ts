/**
 * `audit compare`: do two runs' network calls match? Calls are paired by step, attempt and
 * call number (parallel steps may interleave differently between runs, a step's own calls
 * may not), then their method, URL, status and request and response digests compared. A
 * replay that matches its recording has every pair equal: it sent exactly the canonical
 * requests the recorded run sent and got exactly the responses it got.
 */
import type { CallAuditEntry, RunAuditEntry } from './report.ts';

/** The fields two paired calls must agree on. */
const COMPARED = ['method', 'url', 'status', 'requestDigest', 'responseDigest'] as const;

/** One pair of calls (either side null when only one run made it). */
interface CallPair {
  /** `<stepId>#<attempt>.<call>` */
  key: string;
  left: CallAuditEntry | null;
  right: CallAuditEntry | null;
  /** The fields that differ (every field when one side is missing); empty when equal. */
  differs: string[];
}

/** The comparison of two runs' calls. */
interface CallComparison {
  left: string;
  right: string;
  /** True when both made the same calls with the same digests. */
  equal: boolean;
  pairs: CallPair[];
}

const keyOf = (c: CallAuditEntry): string => `${c.stepId}#${c.attempt}.${c.call}`;

/** Pairs and compares the calls of two runs (in the left run's order, then calls only the right made). */
export function compareRunCalls(left: RunAuditEntry, right: RunAuditEntry): CallComparison {
  const rightByKey = new Map(right.calls.map((c) => [keyOf(c), c]));
  const pairs: CallPair[] = [];
  for (const l of left.calls) {
    const key = keyOf(l);
    const r = rightByKey.get(key) ?? null;
    rightByKey.delete(key);
    pairs.push({ key, left: l, right: r, differs: r === null ? [...COMPARED] : COMPARED.filter((f) => l[f] !== r[f]) });
  }
  for (const [key, r] of rightByKey) pairs.push({ key, left: null, right: r, differs: [...COMPARED] });
  return { left: left.runId, right: right.runId, equal: pairs.every((p) => p.differs.length === 0), pairs };
}

/** The comparison as text: one line per call pair, then the verdict. */
export function renderCallComparison(comparison: CallComparison): string {
  const short = (d: string | null | undefined): string => (d === null || d === undefined ? '-' : d.replace(/^sha256:/, '').slice(0, 12));
  const lines = comparison.pairs.map((p) => {
    const call = p.left ?? p.right!;
    const mark = p.differs.length === 0 ? '=' : '≠';
    const side = (c: CallAuditEntry | null): string => (c === null ? 'no call' : `${c.status ?? c.errorCode ?? '-'} ${short(c.requestDigest)}→${short(c.responseDigest)}`);
    return `${mark} ${p.key} ${call.method} ${call.url}: ${side(p.left)} | ${side(p.right)}${p.differs.length === 0 ? '' : ` (differs: ${p.differs.join(', ')})`}`;
  });
  const differing = comparison.pairs.filter((p) => p.differs.length > 0).length;
  lines.push(comparison.equal
    ? `runs ${comparison.left} and ${comparison.right} made the same ${comparison.pairs.length} calls with the same request and response digests`
    : `runs ${comparison.left} and ${comparison.right} differ in ${differing} of ${comparison.pairs.length} calls`);
  return `${lines.join('\n')}\n`;
}
