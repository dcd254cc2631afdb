import { RustchainError } from '../errors.ts';
import { findCycle } from './cycle.ts';
import { indexGraph, type GraphStep, type IndexedGraph } from './graph.ts';
import { IntMinHeap } from './heap.ts';

/** The static plan of a mission: what `mission plan` shows and the compiler embeds. */
export interface Schedule {
  /** A topological order; among steps ready at the same time, file order wins. */
  order: string[];
  /** Parallel levels: wave k holds the steps whose longest dependency chain has k steps; file order inside. */
  waves: string[][];
  /** The heaviest dependency chain, first step first, weighted by timeoutSeconds. */
  criticalPath: string[];
  /** Sum of the critical path's weights (timeoutSeconds, 1 when absent or 0). */
  criticalPathSeconds: number;
}

/** A step as the scheduler needs it. */
export interface ScheduleStep extends GraphStep {
  readonly timeoutSeconds?: number;
}

/** A schedule plus the integer view the executor reuses. */
export interface IndexedSchedule extends Schedule {
  readonly graph: IndexedGraph;
  /** Step indices in schedule order. */
  readonly orderIndex: Int32Array;
}

/**
 * Kahn's algorithm with ties broken by input (file) order; waves are longest-path levels; the
 * critical path is weighted by timeoutSeconds (1 per step when absent or 0). Precondition:
 * unique ids and existing dependencies (else E_DUPLICATE_STEP_ID / E_DAG_UNKNOWN_DEP).
 * Throws E_DAG_CYCLE with `details.cycle` (a closed path) on a cycle.
 * Cost: O(V + E) plus O(log V) per step for the file-order tie-break heap.
 */
export function computeSchedule(steps: ReadonlyArray<ScheduleStep>): Schedule {
  const { order, waves, criticalPath, criticalPathSeconds } = computeIndexedSchedule(steps);
  return { order, waves, criticalPath, criticalPathSeconds };
}

/** computeSchedule, also returning the indexed graph and the order as indices (for the executor). */
export function computeIndexedSchedule(steps: ReadonlyArray<ScheduleStep>): IndexedSchedule {
  const { graph, orderIndex } = computeExecutionOrder(steps);
  const { ids, depStart, depList } = graph;
  const n = ids.length;

  // Levels and heaviest chains, in topological order so every dependency is final first.
  const level = new Int32Array(n);
  const weight = new Float64Array(n);
  const via = new Int32Array(n).fill(-1);
  let levels = n > 0 ? 1 : 0;
  let heaviest = -1;
  for (let p = 0; p < n; p++) {
    const i = orderIndex[p]!;
    let lvl = 0;
    let best = 0;
    // The first dependency (in listed order) with the heaviest chain wins ties: deterministic.
    for (let k = depStart[i]!; k < depStart[i + 1]!; k++) {
      const d = depList[k]!;
      if (level[d]! + 1 > lvl) lvl = level[d]! + 1;
      if (weight[d]! > best) {
        best = weight[d]!;
        via[i] = d;
      }
    }
    level[i] = lvl;
    if (lvl + 1 > levels) levels = lvl + 1;
    const t = steps[i]!.timeoutSeconds;
    weight[i] = best + (t !== undefined && t > 0 ? t : 1);
    if (heaviest === -1 || weight[i]! > weight[heaviest]! || (weight[i] === weight[heaviest] && i < heaviest)) heaviest = i;
  }
  const waves: string[][] = Array.from({ length: levels }, () => []);
  for (let i = 0; i < n; i++) waves[level[i]!]!.push(ids[i]!);
  const criticalPath: string[] = [];
  for (let i = heaviest; i !== -1; i = via[i]!) criticalPath.push(ids[i]!);
  criticalPath.reverse();
  const order = new Array<string>(n);
  for (let p = 0; p < n; p++) order[p] = ids[orderIndex[p]!]!;
  return {
    order,
    waves,
    criticalPath,
    criticalPathSeconds: heaviest === -1 ? 0 : weight[heaviest]!,
    graph,
    orderIndex,
  };
}

/**
 * The part of a schedule a run needs: the indexed graph and the order (Kahn, file-order
 * tie-breaks), without waves, critical path or id lists. Throws as computeSchedule does.
 */
export function computeExecutionOrder(steps: ReadonlyArray<GraphStep>): { graph: IndexedGraph; orderIndex: Int32Array } {
  const graph = indexGraph(steps);
  return { graph, orderIndex: topologicalOrder(graph, steps) };
}

/**
 * Kahn's algorithm, the smallest ready index first. When every step is listed after all its
 * dependencies (how missions are usually written) that order is the file order itself — the
 * smallest unplaced index is then always ready — so no heap is needed (the heap was most of
 * a 10,000-step run's set-up).
 */
function topologicalOrder(graph: IndexedGraph, steps: ReadonlyArray<GraphStep>): Int32Array {
  const { depStart, depList, dependentStart, dependentList } = graph;
  const n = graph.ids.length;
  const orderIndex = new Int32Array(n);
  let inFileOrder = true;
  for (let i = 0; i < n && inFileOrder; i++) {
    for (let k = depStart[i]!; k < depStart[i + 1]!; k++) {
      if (depList[k]! >= i) {
        inFileOrder = false;
        break;
      }
    }
  }
  if (inFileOrder) {
    for (let i = 0; i < n; i++) orderIndex[i] = i;
    return orderIndex;
  }
  const pending = new Int32Array(n);
  const ready = new IntMinHeap(n);
  for (let i = 0; i < n; i++) {
    pending[i] = depStart[i + 1]! - depStart[i]!;
    if (pending[i] === 0) ready.push(i);
  }
  let placed = 0;
  while (ready.size > 0) {
    const i = ready.pop();
    orderIndex[placed++] = i;
    for (let k = dependentStart[i]!; k < dependentStart[i + 1]!; k++) {
      const j = dependentList[k]!;
      if (--pending[j]! === 0) ready.push(j);
    }
  }
  if (placed < n) throw cycleError(steps);
  return orderIndex;
}

function cycleError(steps: ReadonlyArray<GraphStep>): RustchainError {
  const cycle = findCycle(steps) ?? [];
  return new RustchainError('E_DAG_CYCLE', `the dependencies form a cycle: ${cycle.join(' -> ')}`, {
    details: { cycle },
    nonRetryable: true,
  });
}
