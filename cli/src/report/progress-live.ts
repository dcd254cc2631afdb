import type { RunEvent, StepStatus } from '@rustchain/core';
import { createLogUpdate } from 'log-update';
import type { Styles } from './colour.ts';
import { formatDuration as seconds, SYMBOLS, type ProgressReporter } from './progress.ts';

/** One row of the live list. */
interface Row {
  id: string;
  state: StepStatus | 'queued' | 'running';
  attempt: number;
  startedAt: number;
  durationMs: number;
  note: string;
}

/** A terminal to draw on: its size decides how rows wrap and how many fit. */
interface Terminal extends NodeJS.WritableStream {
  columns?: number;
  rows?: number;
}

/** Redraw at most this often: enough to see time pass, cheap on slow terminals. */
const FRAME_MS = 80;
/** A step.progress line is cut to its last this-many characters (the row wraps to the terminal anyway). */
const PROGRESS_NOTE_CHARS = 120;

/** Colour per row state. */
function paint(styles: Styles, state: Row['state']): (text: string) => string {
  switch (state) {
    case 'succeeded':
      return styles.green;
    case 'failed':
      return styles.red;
    case 'running':
      return styles.cyan;
    case 'skipped':
    case 'cancelled':
      return styles.yellow;
    case 'queued':
      return styles.dim;
  }
}

/** The frame: a header of counts, then one line per step (the busiest ones when they do not all fit). */
export function liveFrame(rows: readonly Row[], footer: string, styles: Styles, now: number, terminalRows: number): string {
  const count = (state: Row['state']): number => rows.filter((r) => r.state === state).length;
  const header = [
    styles.cyan(`${count('running')} running`),
    styles.dim(`${count('queued')} queued`),
    styles.green(`${count('succeeded')} succeeded`),
    ...(count('failed') > 0 ? [styles.red(`${count('failed')} failed`)] : []),
    ...(count('skipped') + count('cancelled') > 0 ? [styles.yellow(`${count('skipped') + count('cancelled')} skipped or cancelled`)] : []),
  ].join(' · ');
  const width = Math.max(4, ...rows.map((r) => r.id.length));
  const line = (row: Row): string => {
    const time = row.state === 'running' ? seconds(now - row.startedAt) : row.state === 'queued' || row.state === 'skipped' ? '' : seconds(row.durationMs);
    const attempt = row.attempt > 1 ? `attempt ${row.attempt}` : '';
    const note = [attempt, row.note].filter((n) => n !== '').join('  ');
    const colour = paint(styles, row.state);
    return `${colour(SYMBOLS[row.state === 'queued' ? 'pending' : row.state])} ${row.id.padEnd(width)}  ${colour(row.state.padEnd(9))} ${time.padStart(8)}${note === '' ? '' : `  ${styles.dim(note)}`}`;
  };
  // Leave room for the header, the footer and the cursor line; keep running and failed steps in view.
  const room = Math.max(3, terminalRows - 3);
  let shown: readonly Row[] = rows;
  let hidden = '';
  if (rows.length > room) {
    const rank = (r: Row): number => (r.state === 'running' ? 0 : r.state === 'failed' ? 1 : r.state === 'queued' ? 3 : 2);
    const keep = new Set([...rows].sort((a, b) => rank(a) - rank(b)).slice(0, room - 1));
    shown = rows.filter((r) => keep.has(r));
    hidden = styles.dim(`… ${rows.length - shown.length} more steps`);
  }
  return [header, ...shown.map(line), ...(hidden === '' ? [] : [hidden]), ...(footer === '' ? [] : [footer])].join('\n');
}

/**
 * Progress for a terminal: a header with running / queued counts and the mission's steps,
 * each with its status, attempt and duration, redrawn in place by log-update (which erases by
 * terminal rows, so a line longer than the terminal wraps without garbling the next frame).
 */
export function createLiveReporter(stderr: Terminal, stepIds: readonly string[], styles: Styles, now: () => number = Date.now): ProgressReporter {
  const rows = new Map<string, Row>(stepIds.map((id) => [id, { id, state: 'queued', attempt: 0, startedAt: 0, durationMs: 0, note: '' }]));
  const render = createLogUpdate(stderr, { showCursor: true });
  let footer = '';
  let dirty = true;

  const draw = (): void => {
    if (!dirty && ![...rows.values()].some((row) => row.state === 'running')) return;
    dirty = false;
    render(liveFrame([...rows.values()], footer, styles, now(), stderr.rows ?? 24));
  };
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();

  const update = (id: string, change: Partial<Row>): void => {
    const row = rows.get(id) ?? childRow(id);
    if (row !== undefined) Object.assign(row, change);
    dirty = true;
  };
  /** A child step (tool, agent, chain: `<parent>/<child>`) gets a row after its parent's subtree on its first event. */
  const childRow = (id: string): Row | undefined => {
    const parent = id.slice(0, Math.max(0, id.lastIndexOf('/')));
    if (!rows.has(parent)) return undefined;
    const row: Row = { id, state: 'queued', attempt: 0, startedAt: 0, durationMs: 0, note: '' };
    const entries = [...rows.entries()];
    let at = entries.findIndex(([key]) => key === parent) + 1;
    while (at < entries.length && entries[at]![0].startsWith(`${parent}/`)) at++;
    entries.splice(at, 0, [id, row]);
    rows.clear();
    for (const [key, value] of entries) rows.set(key, value);
    return row;
  };
  const oneLine = (text: string): string => text.split('\n')[0] ?? '';
  const lastLine = (text: string): string => (text.trimEnd().split('\n').at(-1) ?? '').slice(-PROGRESS_NOTE_CHARS);

  return {
    onEvent(event: RunEvent) {
      switch (event.type) {
        case 'step.started':
          update(event.stepId, { state: 'running', attempt: event.attempt, startedAt: now(), note: '' });
          break;
        case 'step.retried':
          update(event.stepId, { note: `retrying: ${event.error.code}` });
          break;
        case 'step.progress':
          // The step's last line (e.g. the tail of a streamed reply), while it runs.
          if (rows.get(event.stepId)?.state === 'running') update(event.stepId, { note: lastLine(event.text) });
          break;
        case 'step.succeeded':
          update(event.stepId, { state: 'succeeded', durationMs: event.durationMs, note: '' });
          break;
        case 'step.failed':
          update(event.stepId, { state: 'failed', durationMs: event.durationMs, note: `${event.error.code}: ${oneLine(event.error.message)}` });
          break;
        case 'step.skipped':
          update(event.stepId, { state: 'skipped', note: oneLine(event.error.message) });
          break;
        case 'step.cancelled': {
          const started = rows.get(event.stepId)?.startedAt ?? 0;
          update(event.stepId, { state: 'cancelled', durationMs: started === 0 ? 0 : now() - started, note: '' });
          break;
        }
        case 'run.cancelled':
          footer = styles.yellow(`${SYMBOLS.cancelled} cancelling: ${event.reason}`);
          dirty = true;
          break;
        case 'run.finished':
          footer = paint(styles, event.status)(`${SYMBOLS[event.status]} run ${event.status} in ${seconds(event.durationMs)}`);
          dirty = true;
          break;
        default:
          break;
      }
    },
    finish() {
      clearInterval(timer);
      dirty = true;
      draw();
      render.done();
    },
  };
}
