import type { Writable } from 'node:stream';
import type { MissionResult, StepResult, StepStatus } from '@rustchain/core';
import { formatDuration, SYMBOLS } from './progress.ts';

/** Longest rendering of one output value in the text summary. */
const MAX_VALUE_CHARS = 200;

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

/** One step's entry; `resumed: true` only on steps a resume reused. */
function stepDocument(step: StepResult): StepResult {
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
  if (result.error !== undefined) stdout.write(`  ${result.error.code}: ${result.error.message}\n`);
  for (const step of result.steps) printStep(step, stdout);
  if (result.finally !== undefined && result.finally.length > 0) {
    stdout.write('  finally:\n');
    for (const step of result.finally) printStep(step, stdout);
  }
}

function printStep(step: StepResult, stdout: Writable, indent = '  '): void {
  const error = step.error === null ? '' : ` (${step.error.code}: ${step.error.message})`;
  const resumed = step.resumed === true ? ' (resumed: not run again)' : '';
  stdout.write(`${indent}${SYMBOLS[step.status]} ${step.id} ${step.status}${resumed}${error}\n`);
  for (const [key, value] of Object.entries(step.outputs)) stdout.write(`${indent}    ${key} = ${preview(value)}\n`);
  for (const child of step.children ?? []) printStep(child, stdout, `${indent}  `);
}
