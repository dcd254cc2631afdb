/**
 * Sealing an event for the ledger: its hash and its line from one serialisation of the payload.
 * The payload's canonical text (RFC 8785, what the hash covers) goes into the line as it is,
 * instead of a second JSON.stringify of the whole event: the line keeps JSON.stringify's
 * top-level key order, and only the payload's keys come sorted, which JSON.parse reads to the
 * same value (and the hash does not see key order). A payload that is not plain JSON data
 * (see `plainCanonicalJson`) is hashed and written as before.
 */
import { computeEventHash, eventBaseText, hasUsualFields, plainCanonicalJson, quoteRecurring, sha256Hex, type EventFieldTexts } from './hash.ts';
import type { LedgerEvent } from './types.ts';

/** Fill in `event.hash` and return the event's ledger line, newline-terminated. */
export function sealEvent(event: LedgerEvent): string {
  const payload = hasUsualFields(event) ? plainCanonicalJson(event.payload) : undefined;
  if (payload === undefined) {
    event.hash = computeEventHash(event);
    return `${JSON.stringify(event)}\n`;
  }
  const f: EventFieldTexts = {
    seq: JSON.stringify(event.seq), ts: JSON.stringify(event.ts), runId: event.runId === null ? 'null' : quoteRecurring(event.runId),
    type: quoteRecurring(event.type), payload, prev: JSON.stringify(event.prev),
  };
  const hash = sha256Hex(eventBaseText(f));
  event.hash = hash;
  // Joined, not a template: join makes one flat string, where a template leaves a rope of ~20
  // small strings per line alive until the batch is written (in a 20,000-event batch that GC
  // cost more than the second serialisation saved).
  return ['{"seq":', f.seq, ',"ts":', f.ts, ',"runId":', f.runId, ',"type":', f.type, ',"payload":', payload, ',"prev":', f.prev, ',"hash":"', hash, '"}\n'].join('');
}
