/** One-line summaries shared by every audit report format. */
import type { AuditReport, RefusalAuditEntry } from './report.ts';

/** One line for a `policy.granted` payload: sources (with digests), flags, policy digest. */
export function grantSummary(grant: Record<string, unknown>): string {
  const source = (file: unknown, digest: unknown): string | null => (typeof file === 'string' ? `${file} (${String(digest ?? '?')})` : null);
  const sources = [source(grant['configFile'], grant['configSha256']), source(grant['policyFile'], grant['policyFileSha256'])].filter((s) => s !== null);
  const flags = Object.entries((grant['flags'] as Record<string, unknown> | undefined) ?? {})
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`));
  return `${sources.length > 0 ? sources.join(', ') : 'no config'}; flags: ${flags.length > 0 ? flags.join(' ') : 'none'}; policy ${String(grant['policySha256'] ?? '?')}`;
}

/** The ledger's verification status in one line. */
export function integrityLine(report: AuditReport): string {
  const i = report.integrity;
  return i.ok && i.problem === null ? `ledger intact (${i.events} events)` : `ledger ${i.problem ?? 'problem'}: ${i.message}`;
}

/** One refused invocation in one line. */
export function refusalLine(r: RefusalAuditEntry): string {
  return `refused at seq ${r.seq} (${r.ts}): ${r.type === 'policy.decision' ? 'policy denied' : 'mission rejected'} ${r.code ?? '?'}${r.stepId ? ` step ${r.stepId}` : ''}${r.file ? ` ${r.file}` : ''}`;
}
