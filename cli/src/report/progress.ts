import type { RunEvent, RunStatus, StepStatus } from '@rustchain/core';

/** What a progress display does with a run's events. */
export interface ProgressReporter {
  onEvent(event: RunEvent): void;
  /** Last redraw; stops timers. */
  finish(): void;
}

/** Marks for each state, shared by the line and live displays. */
export const SYMBOLS = {
  run: '▶',
  pending: '·',
  running: '▸',
  retried: '↻',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '⊘',
} as const satisfies Record<StepStatus | RunStatus | 'run' | 'pending' | 'running' | 'retried', string>;

/** A display that shows nothing (`--json`). */
export const SILENT_REPORTER: ProgressReporter = { onEvent() {}, finish() {} };

/** A duration for humans: whole milliseconds below a second, else seconds with one decimal. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
