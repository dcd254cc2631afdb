/**
 * The audit report as one self-contained HTML page (`audit report --format html`): inline CSS,
 * SVG and a few lines of script, no network. Per run: the ledger verification status, the DAG,
 * a Gantt timeline with the critical path, each step's attempts and output digest, and the
 * policy the run was granted with every grant and refusal. A reviewer opens it offline.
 */
import { dagSvg, esc, ganttSvg, humanMs } from './html-charts.ts';
import { grantSummary, integrityLine, refusalLine } from './report-lines.ts';
import type { AuditReport, RunAuditEntry, StepAuditEntry } from './report.ts';
import { runTimeline } from './timeline.ts';

const STYLE = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--crit:#8250df;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2328}
body{margin:24px auto;max-width:1100px;padding:0 16px}h1{margin:0 0 8px}h2{margin-top:40px;border-bottom:1px solid var(--line);padding-bottom:6px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}.muted{color:var(--muted)}
.verify{padding:10px 14px;border-radius:6px;font-weight:600}.verify.ok{background:#dafbe1;color:var(--ok)}.verify.bad{background:#ffebe9;color:var(--bad)}
.status{padding:2px 8px;border-radius:10px;font-size:13px;color:#fff;background:var(--muted)}.status.s-succeeded{background:var(--ok)}.status.s-failed{background:var(--bad)}.status.s-running,.status.s-interrupted{background:var(--warn)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{background:#f6f8fa}
tr.critical td:first-child{border-left:4px solid var(--crit)}tr.denied td{color:var(--bad)}.scroll{overflow-x:auto}
svg text{font-size:12px;fill:#1f2328}.node rect{fill:#f6f8fa;stroke:var(--muted);stroke-width:1.2}.node.s-succeeded rect{fill:#dafbe1}.node.s-failed rect{fill:#ffebe9}.node.s-skipped rect,.node.s-cancelled rect{fill:#eaeef2;stroke-dasharray:4 3}
.node.critical rect{stroke:var(--crit);stroke-width:3}.edge{fill:none;stroke:#8c959f;stroke-width:1.3}.edge.critical{stroke:var(--crit);stroke-width:3}marker path{fill:#8c959f}
.gantt .label{text-anchor:end}.tick{stroke:#eaeef2}.tick-label{fill:var(--muted);font-size:11px;text-anchor:middle}
.attempt{fill:#54aeff}.attempt.o-succeeded{fill:#4ac26b}.attempt.o-failed{fill:#ff8182}.attempt.o-retried{fill:#d4a72c}.attempt.o-cancelled{fill:#afb8c1}.bar.critical .attempt{stroke:var(--crit);stroke-width:2.5}
.bar.critical .label{font-weight:700;fill:var(--crit)}.hl rect,.hl td{outline:2px solid #0969da}.legend span{margin-right:14px}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
`;

// Hovering a step (node, bar or row) highlights it in all three places.
const SCRIPT = `
document.querySelectorAll('[data-step]').forEach(function(el){
  var run=el.closest('.run');
  function mark(on){run.querySelectorAll('[data-step="'+CSS.escape(el.dataset.step)+'"]').forEach(function(o){o.classList.toggle('hl',on)})}
  el.addEventListener('mouseenter',function(){mark(true)});el.addEventListener('mouseleave',function(){mark(false)});
});
`;

function attemptsCell(step: StepAuditEntry): string {
  if (step.attemptLog.length === 0) return String(step.attempts);
  return `<ol class="attempts">${step.attemptLog.map((a) => {
    const ms = a.finishedAt === null ? null : Date.parse(a.finishedAt) - Date.parse(a.startedAt);
    return `<li data-attempt="${a.attempt}" data-outcome="${a.outcome}">${esc(a.outcome)} ${esc(humanMs(ms))}${a.errorCode === null ? '' : ` <code>${esc(a.errorCode)}</code>`}</li>`;
  }).join('')}</ol>`;
}

function stepsTable(run: RunAuditEntry, critical: Set<string>): string {
  const rows = run.steps.map((s) => `<tr class="step s-${s.status}${critical.has(s.id) ? ' critical' : ''}" data-step="${esc(s.id)}" data-status="${s.status}">` +
    `<td><code>${esc(s.id)}</code>${s.type === null ? '' : `<div class="muted">${esc(s.type)}</div>`}</td><td>${esc(s.status)}</td>` +
    `<td>${s.dependsOn.map((d) => `<code>${esc(d)}</code>`).join(' ')}</td><td>${attemptsCell(s)}</td><td>${esc(humanMs(s.durationMs))}</td>` +
    `<td><code class="digest">${esc(s.outputsDigest ?? '')}</code></td><td>${s.errorCode === null ? '' : `<code>${esc(s.errorCode)}</code>`}</td></tr>`);
  return `<table class="steps"><thead><tr><th>step</th><th>status</th><th>depends on</th><th>attempts</th><th>duration</th><th>outputs digest</th><th>error</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The effective policy of a grant, one row per kind of permission. */
function effectiveTable(grant: Record<string, unknown>): string {
  const effective = grant['effective'];
  if (typeof effective !== 'object' || effective === null) return '';
  const show = (value: unknown): string => (value === null ? 'default' : Array.isArray(value) ? (value.length === 0 ? 'none' : value.map(String).join(', ')) : typeof value === 'string' ? value : JSON.stringify(value));
  const rows = Object.entries(flatten(effective as Record<string, unknown>)).map(([key, value]) => `<tr><td><code>${esc(key)}</code></td><td>${esc(show(value))}</td></tr>`);
  return `<table class="effective"><thead><tr><th>effective policy</th><th>allows</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** `{ commands: { allow, shell } }` → `{ 'commands.allow', 'commands.shell' }` (lists and scalars stay values). */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) Object.assign(out, flatten(item as Record<string, unknown>, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = item;
  }
  return out;
}

function policySection(run: RunAuditEntry): string {
  const grant = run.grant === null ? '<p class="muted">No grant recorded (run from an older version).</p>' : `<p class="grant">Granted: ${esc(grantSummary(run.grant))}</p>${effectiveTable(run.grant)}`;
  const decisions = run.policyDecisions.length === 0
    ? '<p class="muted">No policy refusals during the run.</p>'
    : `<table class="decisions"><thead><tr><th>decision</th><th>step</th><th>code</th></tr></thead><tbody>${run.policyDecisions.map((d) =>
      `<tr class="decision ${esc(d.decision)}" data-step="${esc(d.stepId ?? '')}"><td>${esc(d.decision)}</td><td>${d.stepId === null ? '–' : `<code>${esc(d.stepId)}</code>`}</td><td>${d.code === null ? '' : `<code>${esc(d.code)}</code>`}</td></tr>`).join('')}</tbody></table>`;
  const fallbacks = run.sandboxFallbacks.map((f) => `<li>sandbox fallback ${f.stepId === null ? '' : `<code>${esc(f.stepId)}</code>`}: ${esc(f.reason ?? '?')}</li>`).join('');
  return `<h3>Policy</h3>${grant}${decisions}${fallbacks === '' ? '' : `<ul class="fallbacks">${fallbacks}</ul>`}`;
}

function facts(run: RunAuditEntry): string {
  const rows: Array<[string, string]> = [
    ['mission', `<code>${esc(run.mission ?? '–')}</code> <span class="muted">sha256 ${esc(run.missionSha256 ?? '–')}</span>`],
    ['by', `${esc(run.user ?? '?')} on ${esc(run.host ?? '?')}`],
    ['started', esc(run.startedAt ?? '?')],
    ['duration', esc(humanMs(run.durationMs))],
    ['ledger seq', `${run.firstSeq}..${run.lastSeq}`],
    ...run.artifacts.map((a): [string, string] => [`artifact ${esc(a.kind)}`, `<code>${esc(a.path)}</code> <span class="muted">sha256 ${esc(a.sha256)}${a.signature === undefined ? '' : `, ${esc(a.signature)}`}</span>`]),
  ];
  const plugins = Object.entries(run.plugins).map(([name, version]) => `<code>${esc(`${name}@${version}`)}</code>`);
  if (plugins.length > 0) rows.push(['plugins', `<details><summary>${plugins.length} loaded</summary>${plugins.join('<br>')}</details>`]);
  if (run.cancelReason !== null) rows.push(['cancelled', esc(run.cancelReason)]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function runSection(run: RunAuditEntry): string {
  const timeline = runTimeline(run);
  const pathMs = timeline.bars.filter((b) => b.critical).reduce((max, b) => Math.max(max, b.end ?? 0), 0);
  const path = timeline.criticalPath.length === 0 ? 'none (no step ran)'
    : `${timeline.criticalPath.map((id) => `<code>${esc(id)}</code>`).join(' → ')} <span class="muted">(ends at ${esc(humanMs(pathMs))}${timeline.inferred ? '; inferred from timing: this run recorded no plan' : ''})</span>`;
  return `<section class="run" data-run-id="${esc(run.runId)}" data-status="${esc(run.status)}">` +
    `<h2>Run <code>${esc(run.runId)}</code> <span class="status s-${esc(run.status)}">${esc(run.status)}</span></h2>${facts(run)}` +
    `<h3>Dependency graph</h3><div class="scroll">${dagSvg(timeline)}</div>` +
    `<h3>Timeline</h3><p class="critical-path" data-inferred="${timeline.inferred}">Critical path: ${path}</p>` +
    `<p class="legend muted"><span><i class="swatch" style="background:#4ac26b"></i>succeeded</span><span><i class="swatch" style="background:#ff8182"></i>failed</span><span><i class="swatch" style="background:#d4a72c"></i>retried</span><span><i class="swatch" style="background:#afb8c1"></i>cancelled</span><span><i class="swatch" style="border:2px solid #8250df"></i>critical path</span></p>` +
    `<div class="scroll">${ganttSvg(timeline)}</div><h3>Steps</h3>${stepsTable(run, new Set(timeline.criticalPath))}${policySection(run)}</section>`;
}

/** The report as one HTML page with no external resources. */
export function renderAuditHtml(report: AuditReport): string {
  const ok = report.integrity.ok && report.integrity.problem === null;
  const refusals = report.refusals ?? [];
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>RustChain audit report</title><style>${STYLE}</style></head><body><h1>RustChain audit report</h1>` +
    `<p id="verify" class="verify ${ok ? 'ok' : 'bad'}" data-ok="${ok}" data-problem="${esc(report.integrity.problem ?? '')}">${ok ? '✓' : '✗'} ${esc(integrityLine(report))}</p>` +
    `${report.runs.map(runSection).join('')}` +
    (refusals.length === 0 ? '' : `<h2>Refused invocations</h2><ul class="refusals">${refusals.map((r) => `<li>${esc(refusalLine(r))}</li>`).join('')}</ul>`) +
    `<script>${SCRIPT}</script></body></html>\n`;
}
