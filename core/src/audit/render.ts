/** Renderers for the audit report: text (terminal), markdown (PR comments), json. */
import type { AuditReport, RunAuditEntry } from './report.ts';

/** Output formats of `rustchain audit report`. */
export const AUDIT_REPORT_FORMATS = ['text', 'markdown', 'json'] as const;
/** One output format. */
export type AuditReportFormat = (typeof AUDIT_REPORT_FORMATS)[number];

const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} ms`);

function integrityLine(report: AuditReport): string {
  const i = report.integrity;
  return i.ok && i.problem === null ? `ledger intact (${i.events} events)` : `ledger ${i.problem ?? 'problem'}: ${i.message}`;
}

function textRun(run: RunAuditEntry): string[] {
  const lines = [
    `run ${run.runId}: ${run.status} (${ms(run.durationMs)}) seq ${run.firstSeq}..${run.lastSeq}`,
    `  mission: ${run.mission ?? '-'} sha256:${run.missionSha256 ?? '-'}`,
    `  by ${run.user ?? '?'} on ${run.host ?? '?'} at ${run.startedAt ?? '?'}`,
  ];
  for (const a of run.artifacts) lines.push(`  artifact ${a.kind}: ${a.path} sha256:${a.sha256}`);
  for (const [name, version] of Object.entries(run.plugins)) lines.push(`  plugin ${name}@${version}`);
  for (const d of run.policyDecisions) lines.push(`  policy ${d.decision}${d.stepId ? ` ${d.stepId}` : ''}${d.code ? ` ${d.code}` : ''}`);
  for (const s of run.steps) {
    lines.push(`  step ${s.id}: ${s.status} attempts=${s.attempts} ${ms(s.durationMs)}${s.outputsDigest ? ` outputs=${s.outputsDigest}` : ''}${s.errorCode ? ` ${s.errorCode}` : ''}`);
  }
  return lines;
}

function markdownRun(run: RunAuditEntry): string[] {
  const lines = [
    `## Run \`${run.runId}\` — ${run.status}`,
    '',
    `- Mission: \`${run.mission ?? '-'}\` (sha256 \`${run.missionSha256 ?? '-'}\`)`,
    `- By ${run.user ?? '?'} on ${run.host ?? '?'}, started ${run.startedAt ?? '?'}, duration ${ms(run.durationMs)}`,
    ...run.artifacts.map((a) => `- Artifact ${a.kind}: \`${a.path}\` (sha256 \`${a.sha256}\`)`),
    ...Object.entries(run.plugins).map(([n, v]) => `- Plugin \`${n}@${v}\``),
    ...run.policyDecisions.map((d) => `- Policy ${d.decision}${d.stepId ? ` \`${d.stepId}\`` : ''}${d.code ? ` ${d.code}` : ''}`),
    '',
    '| step | status | attempts | duration | outputs | error |',
    '|---|---|---|---|---|---|',
    ...run.steps.map((s) => `| ${s.id} | ${s.status} | ${s.attempts} | ${ms(s.durationMs)} | ${s.outputsDigest ?? ''} | ${s.errorCode ?? ''} |`),
    '',
  ];
  return lines;
}

/** Render a report in one of the formats (json is the report itself, pretty-printed). */
export function renderAuditReport(report: AuditReport, format: AuditReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return [`# Audit report`, '', integrityLine(report), '', ...report.runs.flatMap(markdownRun)].join('\n');
    case 'text':
      return `${[integrityLine(report), ...report.runs.flatMap(textRun)].join('\n')}\n`;
  }
}
