/** Renderers for the audit report: text (terminal), markdown (PR comments), json, html (one self-contained page). */
import { grantSummary, integrityLine, refusalLine } from './report-lines.ts';
import type { AuditReport, RunAuditEntry } from './report.ts';
import { renderAuditHtml } from './render-html.ts';
import type { CallAuditEntry } from './report.ts';

/** Output formats of `rustchain audit report`. */
export const AUDIT_REPORT_FORMATS = ['text', 'markdown', 'json', 'html'] as const;
/** One output format. */
export type AuditReportFormat = (typeof AUDIT_REPORT_FORMATS)[number];

const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} ms`);

function textRun(run: RunAuditEntry): string[] {
  const lines = [
    `run ${run.runId}: ${run.status}${run.errorCode === null ? '' : ` ${run.errorCode}`} (${ms(run.durationMs)}) seq ${run.firstSeq}..${run.lastSeq}`,
    `  mission: ${run.mission ?? '-'} sha256:${run.missionSha256 ?? '-'}`,
    `  by ${run.user ?? '?'} on ${run.host ?? '?'} at ${run.startedAt ?? '?'}`,
  ];
  for (const a of run.artifacts) lines.push(`  artifact ${a.kind}: ${a.path} sha256:${a.sha256}${a.signature === undefined ? '' : ` (${a.signature})`}`);
  for (const [name, version] of Object.entries(run.plugins)) lines.push(`  plugin ${name}@${version}`);
  if (run.grant !== null) lines.push(`  policy granted: ${grantSummary(run.grant)}`);
  for (const d of run.policyDecisions) lines.push(`  policy ${d.decision}${d.stepId ? ` ${d.stepId}` : ''}${d.code ? ` ${d.code}` : ''}`);
  for (const f of run.sandboxFallbacks) lines.push(`  sandbox fallback${f.stepId ? ` ${f.stepId}` : ''}: ${f.reason ?? '?'}`);
  for (const s of run.steps) {
    lines.push(`  step ${s.id}: ${s.status} attempts=${s.attempts} ${ms(s.durationMs)}${s.outputsDigest ? ` outputs=${s.outputsDigest}` : ''}${s.errorCode ? ` ${s.errorCode}` : ''}`);
  }
  for (const c of run.calls) lines.push(`  call ${callLine(c)}`);
  return lines;
}

/** One ctx.fetch call: step, method, URL, status, request → response digests, and whether it was replayed. */
function callLine(c: CallAuditEntry): string {
  const outcome = c.errorCode ?? String(c.status ?? '-');
  return `${c.stepId}#${c.attempt}.${c.call} ${c.method} ${c.url} ${outcome} request=${c.requestDigest} response=${c.responseDigest ?? '-'}${c.replayed ? ' (replayed)' : ''}`;
}

function markdownRun(run: RunAuditEntry): string[] {
  const lines = [
    `## Run \`${run.runId}\` — ${run.status}${run.errorCode === null ? '' : ` (${run.errorCode})`}`,
    '',
    `- Mission: \`${run.mission ?? '-'}\` (sha256 \`${run.missionSha256 ?? '-'}\`)`,
    `- By ${run.user ?? '?'} on ${run.host ?? '?'}, started ${run.startedAt ?? '?'}, duration ${ms(run.durationMs)}`,
    ...run.artifacts.map((a) => `- Artifact ${a.kind}: \`${a.path}\` (sha256 \`${a.sha256}\`${a.signature === undefined ? '' : `, ${a.signature}`})`),
    ...Object.entries(run.plugins).map(([n, v]) => `- Plugin \`${n}@${v}\``),
    ...(run.grant === null ? [] : [`- Policy granted: ${grantSummary(run.grant)}`]),
    ...run.policyDecisions.map((d) => `- Policy ${d.decision}${d.stepId ? ` \`${d.stepId}\`` : ''}${d.code ? ` ${d.code}` : ''}`),
    ...run.sandboxFallbacks.map((f) => `- Sandbox fallback${f.stepId ? ` \`${f.stepId}\`` : ''}: ${f.reason ?? '?'}`),
    '',
    '| step | status | attempts | duration | outputs | error |',
    '|---|---|---|---|---|---|',
    ...run.steps.map((s) => `| ${s.id} | ${s.status} | ${s.attempts} | ${ms(s.durationMs)} | ${s.outputsDigest ?? ''} | ${s.errorCode ?? ''} |`),
    '',
    ...(run.calls.length === 0 ? [] : ['Calls:', '', ...run.calls.map((c) => `- \`${callLine(c)}\``), '']),
  ];
  return lines;
}

/** Render a report in one of the formats (json is the report itself, pretty-printed). */
export function renderAuditReport(report: AuditReport, format: AuditReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'html':
      return renderAuditHtml(report);
    case 'markdown':
      return [
        `# Audit report`, '', integrityLine(report), '', ...report.runs.flatMap(markdownRun),
        ...((report.refusals ?? []).length === 0 ? [] : ['## Refused invocations', '', ...(report.refusals ?? []).map((r) => `- ${refusalLine(r)}`), '']),
      ].join('\n');
    case 'text':
      return `${[integrityLine(report), ...report.runs.flatMap(textRun), ...(report.refusals ?? []).map(refusalLine)].join('\n')}\n`;
  }
}
