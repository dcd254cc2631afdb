import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { didYouMean, MissionStepSchema } from '../../../core/src/index.ts';

/** Every field a step may have: the names a typo is checked against. */
const FIELDS = Object.keys(MissionStepSchema.properties);
const LETTERS = 'abcdefghijklmnopqrstuvwxyz_';

/** One typing slip at `at`: a swap of two neighbours, a missing, an extra or a wrong letter. */
function slip(word: string, kind: number, at: number, letter: string): string {
  const i = at % word.length;
  if (kind === 0 && i + 1 < word.length) return word.slice(0, i) + word[i + 1]! + word[i]! + word.slice(i + 2);
  if (kind === 1) return word.slice(0, i) + word.slice(i + 1);
  if (kind === 2) return word.slice(0, i) + letter + word.slice(i);
  return word.slice(0, i) + letter + word.slice(i + 1);
}

test('one slip in a step field name (4+ letters) is always recognised as that field', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FIELDS.filter((f) => f.length >= 4)),
      fc.integer({ min: 0, max: 3 }),
      fc.nat(),
      fc.constantFrom(...LETTERS),
      (field, kind, at, letter) => {
        const typo = slip(field, kind, at, letter);
        fc.pre(typo !== field && !FIELDS.includes(typo));
        assert.equal(didYouMean(typo, FIELDS), field, `${typo} -> ${field}`);
      },
    ),
    { numRuns: 2000 },
  );
});

test('words unlike every field get no suggestion', () => {
  for (const word of ['colour', 'tags', 'outputs', 'parallel', 'x']) assert.equal(didYouMean(word, FIELDS), null, word);
});
