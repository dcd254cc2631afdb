import type { Writable } from 'node:stream';
import type { RunEvent } from '@rustchain/core';
import { formatDuration, SYMBOLS, type ProgressReporter } from './progress.ts';

/** `12:00:01.234`: local wall-clock time of an event. */
function clock(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** The one line for an event, or null for events that have no line of their own. */
export function eventLine(event: RunEvent): string | null {
  switch (event.type) {
    case 'run.started':
      return `${SYMBOLS.run} run ${event.runId} (${event.steps} steps)`;
    case 'step.started':
      return `${SYMBOLS.running} ${event.stepId}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'step.retried':
      return `${SYMBOLS.retried} ${event.stepId} retry in ${formatDuration(event.delayMs)}: ${event.error.code} ${event.error.message}`;
    case 'step.succeeded':
      return `${SYMBOLS.succeeded} ${event.stepId} (${formatDuration(event.durationMs)})`;
    case 'step.failed':
      return `${SYMBOLS.failed} ${event.stepId} (${formatDuration(event.durationMs)}): ${event.error.code} ${event.error.message}`;
    case 'step.skipped':
      return `${SYMBOLS.skipped} ${event.stepId}: ${event.error.message}`;
    case 'step.cancelled':
      return `${SYMBOLS.cancelled} ${event.stepId}: ${event.error.message}`;
    case 'step.progress':
    case 'net.request':
    case 'net.response':
      // Calls are in the ledger (audit report); the progress view stays one line per step event.
      return null;
    case 'run.cancelled':
      return `${SYMBOLS.cancelled} run cancelled: ${event.reason}`;
    case 'run.finished':
      return `${SYMBOLS[event.status]} run ${event.status} (${formatDuration(event.durationMs)})`;
  }
}

/** Progress for pipes, files and CI: one timestamped line per event on stderr. */
export function createLineReporter(stderr: Writable, now: () => Date = () => new Date()): ProgressReporter {
  return {
    onEvent(event) {
      const line = eventLine(event);
      if (line !== null) stderr.write(`[${clock(now())}] ${line}\n`);
    },
    finish() {},
  };
}
