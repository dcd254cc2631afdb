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
  // The path as a fixed stack (a grey node is on it at most once, so n slots suffice): arrays
  // pushed and popped to empty once per root gave up and re-grew their storage every time
  // (1.3 MB of a 4,000-step chain's validation).
  const stack = new Int32Array(n);
  const nextDep = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (colour[root] !== WHITE) continue;
    colour[root] = GREY;
    stack[0] = root;
    nextDep[0] = 0;
    let depth = 1;
    while (depth > 0) {
      const top = depth - 1;
      const node = stack[top]!;
      const deps = steps[node]!.dependsOn;
      const k = nextDep[top]!;
      if (k >= deps.length) {
        colour[node] = BLACK;
        depth--;
        continue;
      }
      nextDep[top] = k + 1;
      const dep = indexOf.get(deps[k]!);
      if (dep === undefined || colour[dep] === BLACK) continue;
      if (colour[dep] === GREY) {
        const from = stack.subarray(0, depth).lastIndexOf(dep);
        const path = Array.from(stack.subarray(from, depth), (i) => steps[i]!.id);
        path.push(steps[dep]!.id);
        return path;
      }
      colour[dep] = GREY;
      stack[depth] = dep;
      nextDep[depth] = 0;
      depth++;
    }
  }
  return null;
}
