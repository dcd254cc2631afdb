import type { GraphStep } from './graph.ts';

const WHITE = 0;
const GREY = 1;
const BLACK = 2;

/**
 * A cycle as a closed path [a, b, c, a] following depends_on edges (a depends on b, ...), or
 * null. Deterministic: depth-first from the steps in file order, dependencies in listed order,
 * so the first cycle reachable in file order is reported. Unknown dependencies are ignored
 * (the loader reports them separately); a self-dependency is the cycle [a, a].
 * Iterative, so a 10,000-step chain cannot overflow the stack.
 */
export function findCycle(steps: ReadonlyArray<GraphStep>): string[] | null {
  const n = steps.length;
  const indexOf = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!indexOf.has(steps[i]!.id)) indexOf.set(steps[i]!.id, i);
  const colour = new Uint8Array(n);
  const stack: number[] = [];
  const nextDep: number[] = [];
  for (let root = 0; root < n; root++) {
    if (colour[root] !== WHITE) continue;
    colour[root] = GREY;
    stack.push(root);
    nextDep.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top]!;
      const deps = steps[node]!.dependsOn;
      const k = nextDep[top]!;
      if (k >= deps.length) {
        colour[node] = BLACK;
        stack.pop();
        nextDep.pop();
        continue;
      }
      nextDep[top] = k + 1;
      const dep = indexOf.get(deps[k]!);
      if (dep === undefined || colour[dep] === BLACK) continue;
      if (colour[dep] === GREY) {
        const from = stack.lastIndexOf(dep);
        const path = stack.slice(from).map((i) => steps[i]!.id);
        path.push(steps[dep]!.id);
        return path;
      }
      colour[dep] = GREY;
      stack.push(dep);
      nextDep.push(0);
    }
  }
  return null;
}
