/** sortedKeys (the ledger's allocation-free key sort) orders keys exactly as Object.keys().sort(). */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { sortedKeys } from '../../../core/src/audit/sorted-keys.ts';

// Any UTF-16 code units (lone surrogates included), integer-like keys (which objects list first),
// and sizes on both sides of the insertion-sort limit.
const keyArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 }), fc.nat({ max: 50 }).map(String));

test('sortedKeys equals Object.keys(value).sort() on any object', () => {
  fc.assert(fc.property(fc.dictionary(keyArb, fc.constant(1), { maxKeys: 40 }), (object) => {
    assert.deepEqual(sortedKeys(object), Object.keys(object).sort());
  }), { numRuns: 2000 });
});
