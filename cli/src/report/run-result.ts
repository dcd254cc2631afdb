import type { Writable } from 'node:stream';
import type { MissionResult, StepResult, StepStatus } from '@rustchain/core';
import { stylesFor, type Styles } from './colour.ts';
import { formatDuration, SYMBOLS } from './progress.ts';
import { formatValue, stderrTail } from './step-text.ts';

/** The run's `--json` document (DESIGN.md shape; fields may be added, never renamed). */
export function runDocument(result: MissionResult): MissionResult {
  const document: MissionResult = {
    runId: result.runId,
    status: result.status,
    durationMs: result.durationMs,
    steps: result.steps.map(stepDocument),
  };
  if (result.finally !== undefined) document.finally = result.finally.map(stepDocument);
  if (result.error !== undefined) document.error = result.error;
  return document;
}

/** One step's entry in the `--json` document; `resumed: true` only on steps a resume reused. */
export function stepDocument(step: StepResult): StepResult {
  const entry: StepResult = {
    id: step.id,
    status: step.status,
    attempts: step.attempts,
    durationMs: step.durationMs,
    outputs: step.outputs,
    error: step.error,
  };
  if (step.resumed === true) entry.resumed = true;
  // Child steps (tool, agent, chain), nested ids `<parent>/<child>`.
  if (step.children !== undefined) entry.children = step.children.map(stepDocument);
  return entry;
}

/** Colour per step or run status. */
function tint(styles: Styles, status: StepStatus): (text: string) => string {
  return status === 'succeeded' ? styles.green : status === 'failed' ? styles.red : styles.yellow;
}

/**
 * Human summary on stdout: counts, each failure with its error (and a failed command's last
 * stderr lines), and each step's outputs shown exactly; coloured on a terminal.
 */
export function printRunSummary(result: MissionResult, stdout: Writable): void {
  const styles = stylesFor(stdout as { isTTY?: boolean });
  const counts: Record<StepStatus, number> = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const step of result.steps) counts[step.status] += 1;
  const tally = (Object.keys(counts) as StepStatus[]).map((status) => `${counts[status]} ${status}`).join(', ');
  stdout.write(`${tint(styles, result.status)(`${SYMBOLS[result.status]} run ${result.runId} ${result.status}`)} in ${formatDuration(result.durationMs)} (${tally})\n`);
  if (result.error !== undefined) stdout.write(`  ${styles.red(result.error.code)}: ${result.error.message}\n`);
  for (const step of result.steps) printStep(step, stdout, styles);
  if (result.finally !== undefined && result.finally.length > 0) {
    stdout.write('  finally:\n');
    for (const step of result.finally) printStep(step, stdout, styles);
  }
}

function printStep(step: StepResult, stdout: Writable, styles: Styles, indent = '  '): void {
  const colour = tint(styles, step.status);
  const error = step.error === null ? '' : ` (${colour(step.error.code)}: ${step.error.message})`;
  const resumed = step.resumed === true ? ' (resumed: not run again)' : '';
  stdout.write(`${indent}${colour(`${SYMBOLS[step.status]} ${step.id} ${step.status}`)}${resumed}${error}\n`);
  if (step.status === 'failed' && step.error !== null) {
    const tail = stderrTail(step.error);
    if (tail.lines.length > 0) stdout.write(`${indent}    ${styles.dim(tail.omitted > 0 ? `stderr (last ${tail.lines.length} of ${tail.lines.length + tail.omitted} lines):` : 'stderr:')}\n`);
    for (const line of tail.lines) stdout.write(`${indent}    ${styles.dim('│')} ${line}\n`);
  }
  for (const [key, value] of Object.entries(step.outputs)) stdout.write(`${indent}    ${key} = ${formatValue(value)}\n`);
  for (const child of step.children ?? []) printStep(child, stdout, styles, `${indent}  `);
}
