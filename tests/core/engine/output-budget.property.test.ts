import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { approximateBytes } from '../../../core/src/engine/output-budget.ts';

/**
 * The output budget's size estimate walks flat objects in place and only stacks nested ones
 * (it used to allocate a stack and an Object.entries array per step). The estimate must not
 * change: this is the former walk, kept as the reference.
 */
function reference(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) total += 8;
    else if (v instanceof Uint8Array) total += v.byteLength;
    else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (typeof v === 'object') {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
        total += k.length;
        stack.push(inner);
      }
    }
  }
  return total;
}

const leaf = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.uint8Array({ maxLength: 40 }), fc.bigInt());
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 6 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 6 })),
})).node;

test('approximateBytes equals the former entries-and-stack walk for any value', () => {
  fc.assert(fc.property(value, (v) => assert.equal(approximateBytes(v), reference(v))), { numRuns: 2000 });
});

test('approximateBytes: inherited and non-enumerable keys do not count, as with Object.entries', () => {
  const proto = { inherited: 'x'.repeat(50) };
  const own = Object.create(proto) as Record<string, unknown>;
  own['a'] = 'abc';
  Object.defineProperty(own, 'hidden', { value: 'y'.repeat(50), enumerable: false });
  assert.equal(approximateBytes(own), 1 + 3);
  assert.equal(approximateBytes(own), reference(own));
});

test('approximateBytes walks a value nested 100,000 deep without overflowing the stack', () => {
  let deep: unknown = 'end';
  for (let i = 0; i < 100_000; i++) deep = { k: deep };
  assert.equal(approximateBytes(deep), 100_000 + 3);
});
