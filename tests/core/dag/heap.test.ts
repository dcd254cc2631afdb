import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IntMinHeap } from '../../../core/src/dag/heap.ts';

// The queue is an ascending run (FIFO) plus a heap for out-of-order values: whatever the mix
// of pushes, pops and clears, it must behave as a sorted multiset.
test('IntMinHeap pops like a sorted multiset, whatever the order of pushes, pops and clears', () => {
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('push' as const), value: fc.nat(50) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('ascending' as const), count: fc.nat(40) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('pop' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
      const heap = new IntMinHeap(capacity);
      const model: number[] = [];
      let next = 0;
      for (const o of ops) {
        if (o.kind === 'push') {
          heap.push(o.value);
          model.push(o.value);
        } else if (o.kind === 'ascending') {
          // A fan-out's shape: many values in rising order (grows and wraps the run).
          for (let k = 0; k < o.count; k++) {
            heap.push(next);
            model.push(next++);
          }
        } else if (o.kind === 'pop') {
          model.sort((a, b) => a - b);
          assert.equal(heap.pop(), model.length === 0 ? -1 : model.shift());
        } else {
          heap.clear();
          model.length = 0;
        }
        assert.equal(heap.size, model.length);
      }
      model.sort((a, b) => a - b);
      for (const v of model) assert.equal(heap.pop(), v);
      assert.equal(heap.pop(), -1);
      assert.equal(heap.size, 0);
    }),
    { numRuns: 500 },
  );
});

test('IntMinHeap: a value below the run goes before it; equal values all come out', () => {
  const heap = new IntMinHeap(2);
  for (const v of [5, 6, 7, 3, 7, 1, 9, 6]) heap.push(v);
  const out: number[] = [];
  while (heap.size > 0) out.push(heap.pop());
  assert.deepEqual(out, [1, 3, 5, 6, 6, 7, 7, 9]);
});
