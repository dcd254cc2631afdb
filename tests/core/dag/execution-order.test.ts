import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeExecutionOrder, computeIndexedSchedule } from '../../../core/src/dag/schedule.ts';
import { isRustchainError } from '../../../core/src/errors.ts';

type S = { id: string; dependsOn: string[] };

/** The definition: Kahn's algorithm taking the smallest ready file index each time (a plain scan, no heap). */
function reference(steps: readonly S[]): number[] | 'cycle' {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const deps = steps.map((s) => new Set(s.dependsOn.map((d) => index.get(d)!)));
  const placed = new Array<boolean>(steps.length).fill(false);
  const order: number[] = [];
  while (order.length < steps.length) {
    const next = steps.findIndex((_, i) => !placed[i] && [...deps[i]!].every((d) => placed[d]));
    if (next === -1) return 'cycle';
    placed[next] = true;
    order.push(next);
  }
  return order;
}

/** A random DAG over n steps, written in a random file order (sometimes the sorted one), maybe with one back edge. */
const arbSteps = fc
  .record({
    n: fc.integer({ min: 0, max: 40 }),
    edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 80 }),
    shuffle: fc.boolean(),
    keys: fc.array(fc.double({ noNaN: true }), { minLength: 40, maxLength: 40 }),
    cycle: fc.boolean(),
  })
  .map(({ n, edges, shuffle, keys, cycle }) => {
    const steps: S[] = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, dependsOn: [] }));
    for (const [a, b] of edges) {
      if (n < 2) break;
      const [lo, hi] = [a % n, b % n].sort((x, y) => x - y);
      if (lo !== hi) steps[hi!]!.dependsOn.push(`s${lo}`); // earlier -> later: acyclic
    }
    if (cycle && n >= 2) steps[0]!.dependsOn.push(`s${n - 1}`);
    if (!shuffle) return steps;
    return steps.map((s, i) => ({ s, k: keys[i]! })).sort((x, y) => x.k - y.k).map((x) => x.s);
  });

describe('computeExecutionOrder', () => {
  it('property: the order is Kahn with file-order tie-breaks (in file order or not), the same as computeIndexedSchedule, and a cycle throws E_DAG_CYCLE', () => {
    fc.assert(
      fc.property(arbSteps, (steps) => {
        const expected = reference(steps);
        if (expected === 'cycle') {
          assert.throws(() => computeExecutionOrder(steps), (e) => isRustchainError(e) && e.code === 'E_DAG_CYCLE');
          return;
        }
        const { orderIndex, graph } = computeExecutionOrder(steps);
        assert.deepEqual([...orderIndex], expected);
        assert.deepEqual([...computeIndexedSchedule(steps).orderIndex], expected);
        assert.deepEqual(graph.ids, steps.map((s) => s.id));
      }),
      { numRuns: 400 },
    );
  });

  it('a self-dependency is a cycle, not the file-order shortcut', () => {
    assert.throws(() => computeExecutionOrder([{ id: 'a', dependsOn: ['a'] }]), (e) => isRustchainError(e) && e.code === 'E_DAG_CYCLE');
  });
});
