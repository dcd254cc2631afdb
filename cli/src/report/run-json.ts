/**
 * The `--json` run document written step by step: the same bytes as
 * `JSON.stringify(runDocument(redacted result), null, 2) + '\n'`, but no copy of the whole
 * result and no single string of the whole document (8 MB for a 50,000-step run, held twice
 * once encoded for the write) — each step is shaped, redacted and serialised alone, and the
 * text goes out in chunks of about CHUNK characters.
 */
import type { MissionResult, StepResult } from '@rustchain/core';
import { stepDocument } from './run-result.ts';

/** Characters gathered before a write: large enough that a run makes few writes. */
const CHUNK = 64 * 1024;

/** The value as `JSON.stringify(v, null, 2)` writes it `depth` levels deep (its lines indented). */
function nested(value: unknown, depth: number): string {
  // JSON text has no raw newline inside a string (they are escaped): every "\n" is layout.
  return (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

/**
 * Writes the run's `--json` document through `write`: runDocument's fields in its order, every
 * value through `redact` (the run's redactor), one step at a time.
 */
export function writeRunDocument(result: MissionResult, redact: <T>(value: T) => T, write: (chunk: string) => void, chunk = CHUNK): void {
  let text = '{';
  let fields = 0;
  const emit = (): void => {
    if (text.length >= chunk) {
      write(text);
      text = '';
    }
  };
  const field = (key: string): void => {
    text += `${fields++ === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
  };
  const steps = (key: string, list: readonly StepResult[]): void => {
    field(key);
    if (list.length === 0) {
      text += '[]';
      return;
    }
    text += '[';
    list.forEach((step, i) => {
      text += `${i === 0 ? '' : ','}\n    ${nested(redact(stepDocument(step)), 2)}`;
      emit();
    });
    text += '\n  ]';
  };
  field('runId');
  text += nested(redact(result.runId), 1);
  field('status');
  text += nested(redact(result.status), 1);
  field('durationMs');
  text += nested(result.durationMs, 1);
  steps('steps', result.steps);
  if (result.finally !== undefined) steps('finally', result.finally);
  if (result.error !== undefined) {
    field('error');
    text += nested(redact(result.error), 1);
  }
  write(`${text}\n}\n`);
}
