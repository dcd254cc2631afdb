/**
 * The two drawings of the HTML audit report, as inline SVG: the DAG (columns by dependency
 * depth) and the Gantt timeline (one row per step, ordered by start, one rectangle per
 * attempt). Critical-path nodes, edges and bars carry the class `critical`; every element
 * of a step carries `data-step` so the page's script can highlight it everywhere at once.
 */
import type { RunTimeline, TimelineBar } from './timeline.ts';

/** Escapes text for HTML/SVG content and attribute values. */
export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `1234 ms` → `1.23 s`: durations rounded for a reader. */
export function humanMs(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

const NODE_W = 150;
const NODE_H = 30;
const COL_GAP = 60;
const ROW_GAP = 14;
const clip = (id: string, max: number): string => (id.length > max ? `${id.slice(0, max - 1)}…` : id);

/** The DAG: one column per dependency depth, edges as curves from dependency to dependent. */
export function dagSvg(timeline: RunTimeline): string {
  const columns = new Map<number, TimelineBar[]>();
  // Within a column, steps in order of start (the timeline's order).
  for (const bar of timeline.bars) {
    const column = columns.get(bar.layer);
    if (column === undefined) columns.set(bar.layer, [bar]);
    else column.push(bar);
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [layer, bars] of columns) {
    bars.forEach((bar, row) => pos.set(bar.id, { x: 10 + layer * (NODE_W + COL_GAP), y: 10 + row * (NODE_H + ROW_GAP) }));
  }
  const width = 20 + Math.max(1, columns.size) * (NODE_W + COL_GAP) - COL_GAP;
  const height = 20 + Math.max(1, ...[...columns.values()].map((c) => c.length)) * (NODE_H + ROW_GAP) - ROW_GAP;
  const critical = new Set(timeline.criticalPath);
  const onPath = (from: string, to: string): boolean => {
    const i = timeline.criticalPath.indexOf(from);
    return i >= 0 && timeline.criticalPath[i + 1] === to;
  };
  const edges = timeline.edges.map(([from, to]) => {
    const a = pos.get(from)!;
    const b = pos.get(to)!;
    const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
    const mid = (x1 + x2) / 2;
    return `<path class="edge${onPath(from, to) ? ' critical' : ''}" data-from="${esc(from)}" data-to="${esc(to)}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`;
  });
  const nodes = timeline.bars.map((bar) => {
    const p = pos.get(bar.id)!;
    return `<g class="node s-${bar.step.status}${critical.has(bar.id) ? ' critical' : ''}" data-step="${esc(bar.id)}" transform="translate(${p.x},${p.y})">` +
      `<title>${esc(`${bar.id}${bar.step.type === null ? '' : ` (${bar.step.type})`}: ${bar.step.status}`)}</title>` +
      `<rect width="${NODE_W}" height="${NODE_H}" rx="6"/><text x="10" y="${NODE_H / 2 + 4}">${esc(clip(bar.id, 18))}</text></g>`;
  });
  return `<svg class="dag" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="step dependency graph">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    `${edges.join('')}${nodes.join('')}</svg>`;
}

const LABEL_W = 170;
const CHART_W = 720;
const ROW_H = 24;

/** The Gantt chart: rows ordered by start; bars positioned by the ledger's times. */
export function ganttSvg(timeline: RunTimeline): string {
  const x = (ms: number): number => LABEL_W + (ms / timeline.spanMs) * CHART_W;
  const height = 30 + timeline.bars.length * ROW_H;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const tx = LABEL_W + f * CHART_W;
    return `<line class="tick" x1="${tx}" y1="0" x2="${tx}" y2="${height - 20}"/><text class="tick-label" x="${tx}" y="${height - 6}">${esc(humanMs(f * timeline.spanMs))}</text>`;
  });
  const rows = timeline.bars.map((bar, i) => {
    const y = 6 + i * ROW_H;
    const attempts = bar.attempts.map((a) => {
      const end = a.end ?? timeline.spanMs;
      return `<rect class="attempt o-${a.outcome}" x="${x(a.start).toFixed(1)}" y="${y + 3}" width="${Math.max(2, x(end) - x(a.start)).toFixed(1)}" height="${ROW_H - 8}" rx="3">` +
        `<title>${esc(`${bar.id} attempt ${a.attempt}: ${a.outcome}, ${humanMs(a.end === null ? null : a.end - a.start)}`)}</title></rect>`;
    });
    const data = `data-step="${esc(bar.id)}" data-start="${bar.start ?? ''}" data-end="${bar.end ?? ''}" data-status="${bar.step.status}"`;
    return `<g class="bar s-${bar.step.status}${bar.critical ? ' critical' : ''}" ${data}>` +
      `<text class="label" x="${LABEL_W - 8}" y="${y + ROW_H / 2 + 4}">${esc(clip(bar.id, 22))}</text>${attempts.join('')}</g>`;
  });
  const width = LABEL_W + CHART_W + 30;
  return `<svg class="gantt" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="timeline of the steps">${ticks.join('')}${rows.join('')}</svg>`;
}
