/**
 * The `--json` run document made step by step: the same bytes as
 * `JSON.stringify(runDocument(redacted result), null, 2) + '\n'`, but no copy of the whole
 * result and no single string of the whole document (8 MB for a 50,000-step run, held twice
 * once encoded for the write) — each step is shaped, redacted and serialised alone, and the
 * text goes out in chunks of about CHUNK characters.
 */
import type { Writable } from 'node:stream';
import type { MissionResult, StepResult } from '@rustchain/core';
import { stepDocument } from './run-result.ts';

/** Characters gathered before a write: large enough that a run makes few writes. */
const CHUNK = 64 * 1024;

/** The value as `JSON.stringify(v, null, 2)` writes it `depth` levels deep (its lines indented). */
function nested(value: unknown, depth: number): string {
  // JSON text has no raw newline inside a string (they are escaped): every "\n" is layout.
  return (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

/** Steps serialised by one JSON.stringify call. */
const STEP_GROUP = 256;
const ITEMS_HEAD = '{\n  "s": [\n';
const ITEMS_TAIL = '\n  ]\n}';

/**
 * The items of a list that sits at the document's second level (`"steps": [...]`), as
 * `JSON.stringify(document, null, 2)` writes them: comma and newline separated, already
 * indented. Stringifying `{ s: items }` puts them at exactly that depth, so no item's text
 * is re-indented (a replaceAll per step was a fifth of a 50,000-step run's allocations).
 */
function listItems(items: readonly unknown[]): string {
  return JSON.stringify({ s: items }, null, 2).slice(ITEMS_HEAD.length, -ITEMS_TAIL.length);
}

/**
 * The run's `--json` document as text chunks of about `chunk` characters: runDocument's fields
 * in its order, every value through `redact` (the run's redactor), one step at a time, each
 * chunk made only when the previous one has been taken.
 */
export function* runDocumentChunks(result: MissionResult, redact: <T>(value: T) => T, chunk = CHUNK): Generator<string, void, undefined> {
  let text = '{';
  let fields = 0;
  const field = (key: string): void => {
    text += `${fields++ === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
  };
  function* steps(key: string, list: readonly StepResult[]): Generator<string, void, undefined> {
    field(key);
    if (list.length === 0) {
      text += '[]';
      return;
    }
    text += '[\n';
    for (let from = 0; from < list.length; from += STEP_GROUP) {
      const docs = list.slice(from, from + STEP_GROUP).map((step) => redact(stepDocument(step)));
      text += `${from === 0 ? '' : ',\n'}${listItems(docs)}`;
      if (text.length >= chunk) {
        yield text;
        text = '';
      }
    }
    text += '\n  ]';
  }
  field('runId');
  text += nested(redact(result.runId), 1);
  field('status');
  text += nested(redact(result.status), 1);
  field('durationMs');
  text += nested(result.durationMs, 1);
  yield* steps('steps', result.steps);
  if (result.finally !== undefined) yield* steps('finally', result.finally);
  if (result.error !== undefined) {
    field('error');
    text += nested(redact(result.error), 1);
  }
  yield `${text}\n}\n`;
}

/**
 * Writes the document to `stream`, waiting for it to drain whenever it asks to (a pipe read
 * slowly): the document of a 50,000-step run (~8 MB) was otherwise queued whole in the
 * stream's buffer at the run's end, its highest memory point (finding 24). Stops early if the
 * stream closes or fails (the reader went away).
 */
export async function writeRunDocument(result: MissionResult, redact: <T>(value: T) => T, stream: Writable, chunk = CHUNK): Promise<void> {
  for (const text of runDocumentChunks(result, redact, chunk)) {
    if (stream.write(text)) continue;
    if (!(await drainedOrGone(stream))) return;
  }
}

/** Resolves true on 'drain', false when the stream closes or fails first. */
function drainedOrGone(stream: Writable): Promise<boolean> {
  if (stream.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (drained: boolean) => (): void => {
      stream.off('drain', onDrain);
      stream.off('close', onGone);
      stream.off('error', onGone);
      resolve(drained);
    };
    const onDrain = settle(true);
    const onGone = settle(false);
    stream.on('drain', onDrain);
    stream.on('close', onGone);
    stream.on('error', onGone);
  });
}
