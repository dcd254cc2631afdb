/**
 * Sealing an event for the ledger: its hash, and its line. A line is the very text the hash
 * covers — the event's canonical JSON without `hash` (RFC 8785: keys payload, prev, runId, seq,
 * ts, type) — with `"hash"` appended as the last key, so anyone can check a line with a SHA-256
 * of the line minus its hash field. When the event's fields and payload are plain JSON data
 * already in canonical key order (the ledger builds its own payloads that way, run-events.ts),
 * that text is one JSON.stringify: no per-event string assembly; other plain data is walked
 * (hash.ts). A payload that is not plain JSON data (a Date, a class instance) is hashed by the
 * general canonical serialiser and its line is JSON.stringify's, as before. Readers parse lines,
 * so every layout ever written verifies.
 */
import { computeEventHash, eventBaseText, hasUsualFields, isPlainSorted, quoteRecurring, sha256Hex, walkPlainCanonical } from './hash.ts';
import type { LineBuffer } from './line-buffer.ts';
import type { LedgerEvent } from './types.ts';

/** Appended after the canonical text (without its closing brace): the hash, last. */
const HASH_OPEN = ',"hash":"';
const LINE_END = '"}\n';

/**
 * Fill in `event.hash`. Returns the canonical text the hash was computed over when the line is
 * that text plus the hash (`{ base }`: plain data), else the whole line (`{ line }`).
 */
function seal(event: LedgerEvent): { base: string; line?: undefined } | { line: string; base?: undefined } {
  if (hasUsualFields(event)) {
    const { payload, prev, runId, seq, ts, type } = event;
    let base: string | undefined;
    // A fresh object in canonical key order, whatever order the caller's event has.
    if (isPlainSorted(payload)) base = JSON.stringify({ payload, prev, runId, seq, ts, type });
    else {
      const text = walkPlainCanonical(payload);
      if (text !== undefined) {
        base = eventBaseText({
          payload: text, prev: JSON.stringify(prev), runId: runId === null ? 'null' : quoteRecurring(runId), seq: JSON.stringify(seq), ts: JSON.stringify(ts), type: quoteRecurring(type),
        });
      }
    }
    if (base !== undefined) {
      event.hash = sha256Hex(base);
      return { base };
    }
  }
  event.hash = computeEventHash(event);
  return { line: `${JSON.stringify(event)}\n` };
}

/** Fill in `event.hash` and return the event's ledger line, newline-terminated. */
export function sealEvent(event: LedgerEvent): string {
  const { base, line } = seal(event);
  return line ?? `${base.slice(0, -1)}${HASH_OPEN}${event.hash}${LINE_END}`;
}

/** Fill in `event.hash` and append the event's ledger line to `out` (no line string is made). */
export function sealEventInto(event: LedgerEvent, out: LineBuffer): void {
  const { base, line } = seal(event);
  if (line !== undefined) {
    out.append(line);
    return;
  }
  out.append(base);
  out.dropLast(1); // the closing brace: the hash goes in before it
  out.appendAscii(HASH_OPEN);
  out.appendAscii(event.hash);
  out.appendAscii(LINE_END);
}
