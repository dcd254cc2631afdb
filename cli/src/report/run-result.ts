import type { Writable } from 'node:stream';
import type { MissionResult, StepStatus } from '@rustchain/core';
import { formatDuration, SYMBOLS } from './progress.ts';

/** Longest rendering of one output value in the text summary. */
const MAX_VALUE_CHARS = 200;

/** The run's `--json` document (DESIGN.md shape; fields may be added, never renamed). */
export function runDocument(result: MissionResult): MissionResult {
  return {
    runId: result.runId,
    status: result.status,
    durationMs: result.durationMs,
    steps: result.steps.map((step) => ({
      id: step.id,
      status: step.status,
      attempts: step.attempts,
      durationMs: step.durationMs,
      outputs: step.outputs,
      error: step.error,
    })),
  };
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.trimEnd()) : JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/** Human summary on stdout: counts, each failure with its error, and each step's outputs. */
export function printRunSummary(result: MissionResult, stdout: Writable): void {
  const counts: Record<StepStatus, number> = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const step of result.steps) counts[step.status] += 1;
  const tally = (Object.keys(counts) as StepStatus[]).map((status) => `${counts[status]} ${status}`).join(', ');
  stdout.write(`${SYMBOLS[result.status]} run ${result.runId} ${result.status} in ${formatDuration(result.durationMs)} (${tally})\n`);
  for (const step of result.steps) {
    const error = step.error === null ? '' : ` (${step.error.code}: ${step.error.message})`;
    stdout.write(`  ${SYMBOLS[step.status]} ${step.id} ${step.status}${error}\n`);
    for (const [key, value] of Object.entries(step.outputs)) stdout.write(`      ${key} = ${preview(value)}\n`);
  }
}
