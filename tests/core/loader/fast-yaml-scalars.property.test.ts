import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { parsePlainYaml } from '../../../core/src/loader/fast-yaml.ts';

/** Words and near-words: what keys and plain values mostly are, plus every first character the core schema treats specially. */
const word = fc.string({ unit: fc.constantFrom(...'abnNtTfFlrueULsRExX_-.~+0123456789 eE'), minLength: 1, maxLength: 8 });

test('property: plain keys and values resolve as yaml resolves them (core schema), the word shortcut included', () => {
  fc.assert(
    // A null key (`~:`) is outside this test: yaml's JS form of it is not a string key.
    fc.property(word.filter((key) => !/^(?:~|[Nn]ull|NULL)?$/.test(key.trim())), word, (key, value) => {
      const text = `${key}: ${value}\nlist: [${value}]\n`;
      const fast = parsePlainYaml(text);
      if (fast === undefined) return; // outside the subset: the full path reads it
      assert.deepEqual(fast.value, parse(text, { version: '1.2', schema: 'core' }));
    }),
    { numRuns: 3000 },
  );
});
