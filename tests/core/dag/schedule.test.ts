import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeSchedule } from '../../../core/src/dag/schedule.ts';
import { findCycle } from '../../../core/src/dag/cycle.ts';
import { isRustchainError } from '../../../core/src/errors.ts';

type S = { id: string; dependsOn: string[]; timeoutSeconds?: number };
const s = (id: string, dependsOn: string[] = [], timeoutSeconds?: number): S =>
  timeoutSeconds === undefined ? { id, dependsOn } : { id, dependsOn, timeoutSeconds };

describe('computeSchedule', () => {
  const cases: Array<{ name: string; steps: S[]; order: string[]; waves: string[][]; critical: string[]; seconds: number }> = [
    { name: 'empty', steps: [], order: [], waves: [], critical: [], seconds: 0 },
    { name: 'single', steps: [s('a')], order: ['a'], waves: [['a']], critical: ['a'], seconds: 1 },
    {
      name: 'independent steps keep file order',
      steps: [s('c'), s('a'), s('b')],
      order: ['c', 'a', 'b'],
      waves: [['c', 'a', 'b']],
      critical: ['c'],
      seconds: 1,
    },
    {
      name: 'dependency declared later in the file moves first',
      steps: [s('b', ['a']), s('a')],
      order: ['a', 'b'],
      waves: [['a'], ['b']],
      critical: ['a', 'b'],
      seconds: 2,
    },
    {
      name: 'diamond',
      steps: [s('a'), s('b', ['a']), s('c', ['a']), s('d', ['b', 'c'])],
      order: ['a', 'b', 'c', 'd'],
      waves: [['a'], ['b', 'c'], ['d']],
      critical: ['a', 'b', 'd'],
      seconds: 3,
    },
    {
      name: 'critical path follows timeouts, not step count',
      steps: [s('a', [], 10), s('b', ['a'], 1), s('c', ['b'], 1), s('d', [], 30), s('e', ['d'], 0)],
      order: ['a', 'b', 'c', 'd', 'e'],
      waves: [['a', 'd'], ['b', 'e'], ['c']],
      critical: ['d', 'e'],
      seconds: 31,
    },
    {
      name: 'ties broken by file order among ready steps (smallest index first)',
      steps: [s('x', ['z']), s('y'), s('z')],
      order: ['y', 'z', 'x'],
      waves: [['y', 'z'], ['x']],
      critical: ['z', 'x'],
      seconds: 2,
    },
    {
      name: 'duplicate dependency counts once',
      steps: [s('a'), s('b', ['a', 'a'])],
      order: ['a', 'b'],
      waves: [['a'], ['b']],
      critical: ['a', 'b'],
      seconds: 2,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: order ${c.order.join(',') || '∅'}`, () => {
      const schedule = computeSchedule(c.steps);
      assert.deepEqual(schedule.order, c.order);
      assert.deepEqual(schedule.waves, c.waves);
      assert.deepEqual(schedule.criticalPath, c.critical);
      assert.equal(schedule.criticalPathSeconds, c.seconds);
    });
  }

  it('throws E_DAG_CYCLE with the closed cycle path', () => {
    const steps = [s('start'), s('a', ['c']), s('b', ['a']), s('c', ['b', 'start'])];
    assert.throws(
      () => computeSchedule(steps),
      (e: unknown) => isRustchainError(e) && e.code === 'E_DAG_CYCLE' && JSON.stringify(e.details['cycle']) === JSON.stringify(['a', 'c', 'b', 'a']),
    );
  });

  it('rejects unknown dependencies and duplicate ids with their codes', () => {
    assert.throws(() => computeSchedule([s('a', ['ghost'])]), (e: unknown) => isRustchainError(e) && e.code === 'E_DAG_UNKNOWN_DEP');
    assert.throws(() => computeSchedule([s('a'), s('a')]), (e: unknown) => isRustchainError(e) && e.code === 'E_DUPLICATE_STEP_ID');
  });

  it('handles a 10,000-step chain without recursion', () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => s(`s${i}`, i ? [`s${i - 1}`] : []));
    const schedule = computeSchedule(steps.slice().reverse());
    assert.equal(schedule.order[0], 's0');
    assert.equal(schedule.waves.length, 10_000);
    assert.equal(schedule.criticalPathSeconds, 10_000);
  });
});

describe('findCycle', () => {
  const cases: Array<{ name: string; steps: S[]; cycle: string[] | null }> = [
    { name: 'acyclic', steps: [s('a'), s('b', ['a'])], cycle: null },
    { name: 'self dependency', steps: [s('a', ['a'])], cycle: ['a', 'a'] },
    { name: 'two-cycle', steps: [s('a', ['b']), s('b', ['a'])], cycle: ['a', 'b', 'a'] },
    { name: 'three-cycle from the first step in file order', steps: [s('a', ['b']), s('b', ['c']), s('c', ['a'])], cycle: ['a', 'b', 'c', 'a'] },
    { name: 'cycle reached through a tail', steps: [s('t', ['x']), s('x', ['y']), s('y', ['x'])], cycle: ['x', 'y', 'x'] },
    { name: 'unknown dependency ignored', steps: [s('a', ['ghost'])], cycle: null },
    {
      name: 'first cycle by file order wins',
      steps: [s('p', ['q']), s('q', ['p']), s('a', ['b']), s('b', ['a'])],
      cycle: ['p', 'q', 'p'],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.cycle ? c.cycle.join(' -> ') : 'none'}`, () => {
      assert.deepEqual(findCycle(c.steps), c.cycle);
    });
  }

  it('a 10,000-step chain closed into a ring is found without stack overflow', () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => s(`s${i}`, [`s${(i + 1) % 10_000}`]));
    const cycle = findCycle(steps);
    assert.equal(cycle?.length, 10_001);
    assert.equal(cycle?.[0], cycle?.[10_000]);
  });
});

/** Random DAG: edges only to earlier steps, then shuffled so file order is not topological. */
const arbDag = fc
  .integer({ min: 1, max: 200 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.uniqueArray(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }),
      fc.array(fc.nat(5), { minLength: n, maxLength: n }),
      fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
    ),
  )
  .map(([deps, timeouts, perm]) =>
    perm.map((i) => s(`s${i}`, (deps[i] ?? []).filter((d) => d < i).map((d) => `s${d}`), timeouts[i])),
  );

describe('computeSchedule properties', () => {
  it('order is a permutation that respects every edge; waves are minimal levels; critical path is a real chain', () => {
    fc.assert(
      fc.property(arbDag, (steps) => {
        const { order, waves, criticalPath, criticalPathSeconds } = computeSchedule(steps);
        const pos = new Map(order.map((id, i) => [id, i]));
        assert.equal(pos.size, steps.length);
        const byId = new Map(steps.map((st) => [st.id, st]));
        for (const st of steps) for (const d of st.dependsOn) assert.ok(pos.get(d)! < pos.get(st.id)!);
        const level = new Map<string, number>();
        waves.forEach((wave, k) => wave.forEach((id) => level.set(id, k)));
        assert.equal(level.size, steps.length);
        for (const st of steps) {
          const expected = st.dependsOn.length === 0 ? 0 : Math.max(...st.dependsOn.map((d) => level.get(d)! + 1));
          assert.equal(level.get(st.id), expected);
        }
        for (let k = 1; k < criticalPath.length; k++) assert.ok(byId.get(criticalPath[k]!)!.dependsOn.includes(criticalPath[k - 1]!));
        const w = (id: string) => byId.get(id)!.timeoutSeconds || 1;
        assert.equal(criticalPath.reduce((sum, id) => sum + w(id), 0), criticalPathSeconds);
        // No chain is heavier: longest path by DP over the order.
        const best = new Map<string, number>();
        for (const id of order) best.set(id, w(id) + Math.max(0, ...byId.get(id)!.dependsOn.map((d) => best.get(d)!)));
        assert.equal(Math.max(...best.values()), criticalPathSeconds);
      }),
      { numRuns: 150 },
    );
  });

  it('a graph with a back edge added always reports a closed cycle that follows real edges', () => {
    fc.assert(
      fc.property(arbDag, fc.nat(), fc.nat(), (steps, a, b) => {
        const sorted = computeSchedule(steps).order;
        const from = sorted[Math.min(a, b) % sorted.length]!;
        const to = sorted[Math.max(a, b) % sorted.length]!;
        const cyclic = steps.map((st) => (st.id === from ? { ...st, dependsOn: [...st.dependsOn, to] } : st));
        if (from !== to && !reaches(cyclic, to, from)) return;
        const cycle = findCycle(cyclic);
        assert.ok(cycle !== null);
        assert.equal(cycle[0], cycle[cycle.length - 1]);
        const byId = new Map(cyclic.map((st) => [st.id, st]));
        for (let k = 1; k < cycle.length; k++) assert.ok(byId.get(cycle[k - 1]!)!.dependsOn.includes(cycle[k]!));
        assert.throws(() => computeSchedule(cyclic), (e: unknown) => isRustchainError(e) && e.code === 'E_DAG_CYCLE');
      }),
      { numRuns: 150 },
    );
  });
});

/** True when `from` transitively depends on `to`. */
function reaches(steps: S[], from: string, to: string): boolean {
  const byId = new Map(steps.map((st) => [st.id, st]));
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...byId.get(id)!.dependsOn);
  }
  return false;
}
