import type { Figure } from './stats.ts';
import type { Machine } from './machine.ts';

/**
 * The shape of bench/results.json and its markdown rendering. One row per measured figure:
 * ours next to the baseline measured in the same process and run, and the paired ratio.
 */

/** Whether a target is met; `null` when the row could not be measured. */
interface TargetStatus {
  text: string;
  met: boolean | null;
  /** The measured gap and its cause, when not met. */
  gap?: string;
}

/** One line of the table. */
export interface Row {
  /** Workload number and variant letter, e.g. `1b`. */
  id: string;
  workload: string;
  unit: string;
  ours: Figure | null;
  baseline: { label: string; figure: Figure } | null;
  /** ours / baseline, per run, summarised. */
  ratio: Figure | null;
  target?: TargetStatus;
  /** Secondary figures (memory, per-phase times, peers' published numbers). */
  extra?: Record<string, string>;
  /** `measured`, or `not measured: <piece> missing`. */
  status: string;
}

/** The whole results document. */
export interface Results {
  machine: Machine;
  mode: 'full' | 'quick';
  runs: number;
  totalSeconds: number;
  rows: Row[];
  notes: string[];
}

/** Formats a number with about three significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

/** `median [min–max]`. */
function fmtFigure(f: Figure | null | undefined): string {
  if (!f) return '—';
  return `${fmt(f.median)} [${fmt(f.min)}–${fmt(f.max)}]`;
}

function targetCell(t: TargetStatus | undefined): string {
  if (!t) return '';
  const mark = t.met === null ? '?' : t.met ? 'met' : 'GAP';
  return `${t.text}: **${mark}**`;
}

/** The results as a markdown table plus the machine line and notes. */
export function renderMarkdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}; ${m.date}; ` +
      `${r.mode} mode, median [min–max] of ${r.runs} runs unless noted; total ${fmt(r.totalSeconds)} s.`,
  );
  lines.push('');
  lines.push('| # | workload | unit | ours | baseline | ratio | target | status |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const base = row.baseline ? `${fmtFigure(row.baseline.figure)} (${row.baseline.label})` : '—';
    const ratio = row.ratio ? `${fmt(row.ratio.median)}× [${fmt(row.ratio.min)}–${fmt(row.ratio.max)}]` : '—';
    lines.push(
      `| ${row.id} | ${row.workload} | ${row.unit} | ${fmtFigure(row.ours)} | ${base} | ${ratio} | ${targetCell(row.target)} | ${row.status} |`,
    );
  }
  const extras = r.rows.filter((row) => row.extra && Object.keys(row.extra).length > 0);
  if (extras.length > 0) {
    lines.push('');
    for (const row of extras) {
      lines.push(`- **${row.id}** ${Object.entries(row.extra!).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
    }
  }
  const gaps = r.rows.filter((row) => row.target?.gap);
  if (gaps.length > 0) {
    lines.push('');
    lines.push('Gaps:');
    for (const row of gaps) lines.push(`- **${row.id}** ${row.target!.gap}`);
  }
  if (r.notes.length > 0) {
    lines.push('');
    for (const note of r.notes) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}

/** A row for a workload whose engine piece has not landed. */
export function missingRow(id: string, workload: string, unit: string, piece: string, target?: string): Row {
  return {
    id,
    workload,
    unit,
    ours: null,
    baseline: null,
    ratio: null,
    ...(target ? { target: { text: target, met: null } } : {}),
    status: `not measured: ${piece} missing`,
  };
}
