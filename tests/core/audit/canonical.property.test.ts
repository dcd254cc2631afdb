/**
 * Our RFC 8785 serialiser (core/src/audit/hash.ts) against the `canonicalize` package it
 * replaced: the same text (or the same refusal) for random JSON values and for the odd values
 * JavaScript callers can hand over (undefined, symbols, functions, sparse arrays, toJSON, Dates,
 * -0, NaN, lone surrogates), so every existing ledger hashes as before.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, computeEventHash, digestJson } from '@rustchain/core';
import canonicalizeModule from 'canonicalize';

// The package core used before (now a root devDependency, kept for this comparison). It ships
// CommonJS with an ESM-style d.ts: normalise both shapes, as core did.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ?? canonicalizeModule) as (value: unknown) => string | undefined;

type Outcome = { text: string | undefined } | { error: string };

function theirs(value: unknown): Outcome {
  try {
    return { text: canonicalize(value) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function ours(value: unknown): Outcome {
  try {
    return { text: canonicalJson(value) };
  } catch (error) {
    // canonicalize returns undefined where canonicalJson refuses a value with no JSON form.
    return error instanceof TypeError && /no JSON representation/.test((error as Error).message) ? { text: undefined } : { error: (error as Error).message };
  }
}

const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), utf16);

test('equal to canonicalize on random JSON values (unicode, nesting, numbers)', () => {
  for (const stringUnit of ['binary', 'grapheme', 'binary-ascii'] as const) {
    fc.assert(fc.property(fc.jsonValue({ stringUnit, maxDepth: 6 }), (value) => {
      assert.deepEqual(ours(value), theirs(value));
    }), { numRuns: 700 });
  }
});

const odd = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.double(), fc.integer(), fc.constantFrom(-0, 0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2),
    anyString, fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(Symbol('s')), fc.constant(() => 1),
    fc.date(), fc.constant(new Date(Number.NaN)),
  ),
  node: fc.oneof(
    { weight: 3, arbitrary: tie('leaf') },
    fc.array(tie('node'), { maxLength: 5 }),
    fc.sparseArray(tie('node'), { maxLength: 6 }),
    fc.dictionary(anyString, tie('node'), { maxKeys: 6 }),
    tie('node').map((inner) => ({ toJSON: () => inner })),
    fc.dictionary(fc.constantFrom('toJSON', 'a', 'b', '__proto__x'), tie('node'), { maxKeys: 3 }),
  ),
})).node;

test('equal to canonicalize on odd JavaScript values (undefined, symbols, holes, toJSON, NaN, lone surrogates)', () => {
  fc.assert(fc.property(odd, (value) => {
    assert.deepEqual(ours(value), theirs(value));
  }), { numRuns: 3000 });
});

test('event hashes and digests are SHA-256 of the package\'s canonical text', () => {
  const event = fc.record({
    seq: fc.nat(), ts: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), runId: fc.option(anyString, { nil: null }),
    type: anyString, payload: fc.dictionary(anyString, fc.jsonValue({ stringUnit: 'binary' }), { maxKeys: 8 }),
    prev: fc.stringMatching(/^[0-9a-f]{64}$/),
  });
  const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
  fc.assert(fc.property(event, (e) => {
    assert.equal(computeEventHash(e), sha(canonicalize({ seq: e.seq, ts: e.ts, runId: e.runId, type: e.type, payload: e.payload, prev: e.prev }) as string));
    assert.equal(digestJson(e.payload), sha(canonicalize(e.payload) as string));
  }), { numRuns: 1000 });
});

test('refusals: NaN, Infinity and values with no JSON form', () => {
  assert.throws(() => canonicalJson(Number.NaN), /NaN/);
  assert.throws(() => canonicalJson({ a: [Infinity] }), /Infinity/);
  assert.throws(() => canonicalJson(undefined), TypeError);
  assert.throws(() => canonicalJson(() => 1), TypeError);
  assert.throws(() => canonicalJson(10n), TypeError);
});
