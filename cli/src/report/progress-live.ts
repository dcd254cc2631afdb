import type { Writable } from 'node:stream';
import type { RunEvent, StepStatus } from '@rustchain/core';
import { formatDuration as seconds, SYMBOLS, type ProgressReporter } from './progress.ts';

/** One row of the live list. */
interface Row {
  id: string;
  state: StepStatus | 'pending' | 'running';
  startedAt: number;
  durationMs: number;
  note: string;
}

const ESC = '\u001b[';
/** Redraw at most this often: enough to see time pass, cheap on slow terminals. */
const FRAME_MS = 80;

/**
 * Progress for a terminal: the mission's steps as a list that updates in place (status and
 * duration; running steps tick). Redraws are throttled and use plain ANSI escapes: cursor up
 * over the previous frame, then clear to the end of the screen.
 */
export function createLiveReporter(stderr: Writable, stepIds: readonly string[], now: () => number = Date.now): ProgressReporter {
  const rows = new Map<string, Row>(stepIds.map((id) => [id, { id, state: 'pending', startedAt: 0, durationMs: 0, note: '' }]));
  const width = Math.max(...stepIds.map((id) => id.length), 4);
  let drawnLines = 0;
  let footer = '';
  let dirty = true;

  const draw = (): void => {
    if (!dirty && ![...rows.values()].some((row) => row.state === 'running')) return;
    dirty = false;
    const lines = [...rows.values()].map((row) => {
      const time = row.state === 'running' ? seconds(now() - row.startedAt) : row.state === 'pending' || row.state === 'skipped' ? '' : seconds(row.durationMs);
      const note = row.note === '' ? '' : `  ${row.note}`;
      return `${SYMBOLS[row.state]} ${row.id.padEnd(width)}  ${row.state.padEnd(9)} ${time.padStart(8)}${note}`;
    });
    if (footer !== '') lines.push(footer);
    const up = drawnLines > 0 ? `${ESC}${drawnLines}A\r` : '';
    stderr.write(`${up}${ESC}0J${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();

  const update = (id: string, change: Partial<Row>): void => {
    const row = rows.get(id);
    if (row !== undefined) Object.assign(row, change);
    dirty = true;
  };

  return {
    onEvent(event: RunEvent) {
      switch (event.type) {
        case 'step.started':
          update(event.stepId, { state: 'running', startedAt: now(), note: event.attempt > 1 ? `attempt ${event.attempt}` : '' });
          break;
        case 'step.retried':
          update(event.stepId, { note: `retrying: ${event.error.code}` });
          break;
        case 'step.succeeded':
          update(event.stepId, { state: 'succeeded', durationMs: event.durationMs, note: '' });
          break;
        case 'step.failed':
          update(event.stepId, { state: 'failed', durationMs: event.durationMs, note: `${event.error.code}: ${event.error.message}` });
          break;
        case 'step.skipped':
          update(event.stepId, { state: 'skipped', note: event.error.message });
          break;
        case 'step.cancelled':
          {
          const started = rows.get(event.stepId)?.startedAt ?? 0;
          update(event.stepId, { state: 'cancelled', durationMs: started === 0 ? 0 : now() - started, note: '' });
          }
          break;
        case 'run.cancelled':
          footer = `${SYMBOLS.cancelled} cancelling: ${event.reason}`;
          dirty = true;
          break;
        case 'run.finished':
          footer = `${SYMBOLS[event.status]} run ${event.status} in ${seconds(event.durationMs)}`;
          dirty = true;
          break;
        case 'run.started':
          break;
      }
    },
    finish() {
      clearInterval(timer);
      dirty = true;
      draw();
    },
  };
}
