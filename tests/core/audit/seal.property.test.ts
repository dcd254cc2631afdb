/**
 * A ledger line is the text its hash covers (core/src/audit/seal.ts): the event's canonical JSON
 * without `hash`, with `hash` appended last. Held here: the line parses to exactly what
 * JSON.stringify's line parsed to, the line minus its hash field is byte for byte the
 * `canonicalize` package's text of the event and the hash is that text's SHA-256 (so every
 * existing ledger hashes as before), payloads that are not plain JSON data are written by
 * JSON.stringify as before, the ledger writes what sealEvent returns, and a ledger mixing lines
 * written in the earlier layout (JSON.stringify's) verifies.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import canonicalizeModule from 'canonicalize';
import { canonicalJson, computeEventHash, openLedger, verifyLedger } from '@rustchain/core';
import type { LedgerEvent, LedgerInput } from '@rustchain/core';
import { isPlainSorted, plainCanonicalJson } from '../../../core/src/audit/hash.ts';
import { LineBuffer } from '../../../core/src/audit/line-buffer.ts';
import { sealEventInto } from '../../../core/src/audit/seal.ts';
import { readLines, withStateDir, writeLines } from './helpers.ts';

const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ?? canonicalizeModule) as (value: unknown) => string | undefined;
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The event's line as the ledger writes it (sealEventInto), as text. */
function sealEvent(event: LedgerEvent): string {
  const out = new LineBuffer();
  sealEventInto(event, out);
  return out.bytes().toString('utf8');
}

const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
// Keys that need escapes (quotes, backslashes, controls, lone surrogates), integer-like keys
// (which JSON.parse orders first whatever the text says) and __proto__ (an own key after JSON.parse).
const key = fc.oneof(fc.string(), utf16, fc.constantFrom('"', '\\', '\n', '\u2028', '\ud800', '10', '2', '0', '__proto__', 'toJSON', 'a b'));
const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, -1e21, 123456789012345680000));
const json = fc.letrec((tie) => ({
  leaf: fc.oneof(number, fc.string({ unit: 'grapheme' }), utf16, fc.boolean(), fc.constant(null)),
  node: fc.oneof(
    { weight: 3, arbitrary: tie('leaf') },
    fc.array(tie('node'), { maxLength: 5 }),
    fc.dictionary(key, tie('node'), { maxKeys: 6 }),
  ),
})).node;
const payload = fc.oneof(fc.dictionary(key, json, { maxKeys: 8 }), fc.jsonValue({ stringUnit: 'binary', maxDepth: 5 }).map((value) => ({ value })));
const event = fc.record({
  seq: fc.nat(), ts: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), runId: fc.option(utf16, { nil: null }),
  type: utf16, payload, prev: fc.stringMatching(/^[0-9a-f]{64}$/),
});

/** The event as a LedgerEvent with an unset hash, as the ledger's chain() makes it. */
const unsealed = (e: Omit<LedgerEvent, 'hash'>): LedgerEvent => ({ seq: e.seq, ts: e.ts, runId: e.runId, type: e.type, payload: e.payload, prev: e.prev, hash: '' });
/** The reference hash: SHA-256 of the `canonicalize` package's text of the event without hash. */
const referenceHash = (e: LedgerEvent): string => sha(canonicalize({ seq: e.seq, ts: e.ts, runId: e.runId, type: e.type, payload: e.payload, prev: e.prev }) as string);

test('plain JSON data: the canonical text is canonicalJson\'s, and parses to what JSON.stringify\'s text parses to', () => {
  fc.assert(fc.property(json, (value) => {
    const text = plainCanonicalJson(value);
    assert.equal(text, canonicalJson(value));
    assert.deepEqual(JSON.parse(text as string), JSON.parse(JSON.stringify(value)));
  }), { numRuns: 2000 });
});

/** Payloads as the ledger's own are built: plain data, every object's keys in canonical order. */
const sortedDeep = (value: unknown): unknown => JSON.parse(canonicalJson(value));
const anyPayload = fc.oneof(payload, payload.map((p) => sortedDeep(p) as Record<string, unknown>));

test('a sealed line is the hashed canonical text with the hash appended, parses to exactly the event, and has the package\'s hash', () => {
  fc.assert(fc.property(event, fc.boolean(), (e, sorted) => {
    const sealed = unsealed(sorted ? { ...e, payload: sortedDeep(e.payload) as Record<string, unknown> } : e);
    const line = sealEvent(sealed);
    assert.equal(sealed.hash, referenceHash(sealed));
    assert.equal(sealed.hash, computeEventHash(sealed));
    assert.ok(line.endsWith('}\n') && !line.slice(0, -1).includes('\n'));
    // Exactly the event, as JSON represents it (JSON.parse of the JSON.stringify line).
    assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(sealed)));
    // Every payload here is plain data: the line is the canonical text of the event without
    // its hash (what the hash covers) with `,"hash":"…"` before the closing brace.
    const { hash, ...rest } = sealed;
    assert.equal(line, `${(canonicalize(rest) as string).slice(0, -1)},"hash":"${hash}"}\n`);
    assert.equal(sha(line.slice(0, line.lastIndexOf(',"hash":')) + '}'), hash);
  }), { numRuns: 2000 });
});

test('sorted plain data is written by one JSON.stringify, which is then exactly the canonical text', () => {
  fc.assert(fc.property(json, fc.boolean(), (value, sort) => {
    const v = sort ? sortedDeep(value) : value;
    if (isPlainSorted(v)) assert.equal(JSON.stringify(v), canonicalize(v));
    // Whatever the path taken, the canonical text is the package's.
    assert.equal(plainCanonicalJson(v), canonicalize(v));
    assert.equal(canonicalJson(v), canonicalize(v));
  }), { numRuns: 2000 });
  assert.equal(isPlainSorted({ b: 1, a: 2 }), false);
  assert.equal(isPlainSorted({ a: 1, b: [{ d: 0, c: 1 }] }), false);
  assert.equal(isPlainSorted({ 10: 1, 9: 2 }), false, 'integer keys enumerate numerically, not by code unit');
  assert.equal(isPlainSorted({ a: 1, b: [{ c: 1, d: 0 }], e: null }), true);
});

test('one reused buffer holds exactly each batch\'s lines, batch after batch, however it had to grow', () => {
  const big = fc.string({ minLength: 20_000, maxLength: 70_000 }).map((s) => ({ s }));
  const anyEvent = fc.oneof({ weight: 5, arbitrary: event }, { weight: 1, arbitrary: event.chain((e) => big.map((payload) => ({ ...e, payload }))) });
  fc.assert(fc.property(fc.array(fc.array(anyEvent, { maxLength: 6 }), { maxLength: 4 }), (batches) => {
    const out = new LineBuffer();
    for (const batch of batches) {
      out.reset();
      const expected: string[] = [];
      for (const e of batch) {
        expected.push(sealEvent(unsealed(e)));
        sealEventInto(unsealed(e), out);
      }
      assert.equal(out.bytes().toString('utf8'), expected.join(''));
    }
  }), { numRuns: 200 });
});

test('a chain sealed event after event (each prev the hash sealed just before) has the reference hashes and lines', () => {
  fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), (events) => {
    const out = new LineBuffer();
    let prev = events[0]!.prev;
    for (const [i, e] of events.entries()) {
      const sealed = unsealed({ ...e, prev, seq: i });
      sealEventInto(sealed, out);
      assert.equal(sealed.hash, referenceHash(sealed));
      prev = sealed.hash;
    }
    const lines = out.bytes().toString('utf8').split('\n').slice(0, -1);
    assert.equal(lines.length, events.length);
    for (const line of lines) {
      const { hash, ...rest } = JSON.parse(line) as LedgerEvent;
      assert.equal(line, `${(canonicalize(rest) as string).slice(0, -1)},"hash":"${hash}"}`);
    }
  }), { numRuns: 200 });
});

test('a line: the keys in canonical order at every level, the hash last', () => {
  const sealed = unsealed({ seq: 7, ts: '2026-12-01T00:00:00.000Z', runId: 'r"1', type: 'step.succeeded', payload: { stepId: 's', b: { y: 1, x: [2, { d: 0, c: -0 }] }, a: 1e21 }, prev: '0'.repeat(64) });
  const line = sealEvent(sealed);
  assert.equal(line, `{"payload":{"a":1e+21,"b":{"x":[2,{"c":0,"d":0}],"y":1},"stepId":"s"},"prev":"${'0'.repeat(64)}","runId":"r\\"1","seq":7,"ts":"2026-12-01T00:00:00.000Z","type":"step.succeeded","hash":"${sealed.hash}"}\n`);
  assert.equal(sealed.hash, referenceHash(sealed));
});

class Point {
  x = 1;
  y = 2;
}
// Values JSON.stringify and the canonical serialiser read differently, or that are not JSON:
// the line must be JSON.stringify's own (and the hash as before).
const oddPayloads: Array<[string, Record<string, unknown>]> = [
  ['a Date (toJSON)', { at: new Date(0) }],
  ['a toJSON method', { v: { toJSON: () => ({ b: 1, a: 2 }) } }],
  ['a sparse array', { list: [1, , 3] }],
  ['a function value', { f: () => 1, g: 1 }],
  ['a function in an array', { list: [() => 1] }],
  ['a class instance', { p: new Point() }],
  ['a boxed string', { s: new String('ab') }],
  ['a boxed number', { n: new Number(3) }],
  ['a Map', { m: new Map([['k', 1]]) }],
];

test('a payload that is not plain JSON data is hashed and written exactly as before', () => {
  for (const [name, value] of oddPayloads) {
    const sealed = unsealed({ seq: 1, ts: '2026-12-01T00:00:00.000Z', runId: null, type: 'x', payload: value, prev: '0'.repeat(64) });
    assert.equal(plainCanonicalJson(value), undefined, name);
    const line = sealEvent(sealed);
    assert.equal(line, `${JSON.stringify(sealed)}\n`, name);
    assert.equal(sealed.hash, computeEventHash(sealed), name);
  }
});

test('undefined and symbols are dropped in objects and null in arrays, as JSON.stringify does', () => {
  const value = { a: undefined, b: Symbol('s'), c: [undefined, Symbol('t'), 1], d: { e: undefined } };
  assert.equal(plainCanonicalJson(value), '{"c":[null,null,1],"d":{}}');
  assert.deepEqual(JSON.parse(plainCanonicalJson(value) as string), JSON.parse(JSON.stringify(value)));
});

test('non-finite numbers and bigints refuse as before (the commit fails, nothing is written)', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1n]) {
    const sealed = unsealed({ seq: 0, ts: 't', runId: null, type: 'x', payload: { bad }, prev: '0'.repeat(64) });
    assert.equal(plainCanonicalJson({ bad }), undefined);
    assert.throws(() => sealEvent(sealed));
    assert.throws(() => computeEventHash(sealed));
  }
});

test('a non-canonical top-level field still takes the general path (same hash, JSON.stringify line)', () => {
  const sealed = { seq: 0, ts: 't', runId: undefined, type: 'x', payload: { b: 1, a: 2 }, prev: '0'.repeat(64), hash: '' } as unknown as LedgerEvent;
  const line = sealEvent(sealed);
  assert.equal(line, `${JSON.stringify(sealed)}\n`);
  assert.equal(sealed.hash, computeEventHash(sealed));
});

test('a ledger mixing lines written by JSON.stringify (before) and sealed lines verifies, and appends go on from either', async () => {
  const batches = fc.array(fc.array(anyPayload.map((p): LedgerInput => ({ runId: 'r', type: 'step.succeeded', payload: p })), { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 });
  await fc.assert(fc.asyncProperty(batches, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), async (inputs, oldStyle) => {
    await withStateDir(async (dir) => {
      const written: LedgerEvent[] = [];
      for (const [i, batch] of inputs.entries()) {
        // A fresh Ledger per batch: each re-reads the tail, whichever way its last line was written.
        const ledger = await openLedger(dir, { fsync: false });
        written.push(...await ledger.appendBatch(batch, { signHead: true }));
        if (oldStyle[i]) {
          // Rewrite this batch's lines as the writer before this change did: JSON.stringify of the event.
          const lines = await readLines(dir);
          await writeLines(dir, lines.map((line, seq) => (seq >= written.length - batch.length ? JSON.stringify(written[seq]) : line)));
        }
      }
      const lines = await readLines(dir);
      assert.equal(lines.length, written.length);
      lines.forEach((line, seq) => assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(written[seq]))));
      const report = await verifyLedger(dir);
      assert.deepEqual([report.ok, report.problem, report.events], [true, null, written.length]);
    });
  }), { numRuns: 25 });
});
