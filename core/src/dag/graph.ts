import { RustchainError } from '../errors.ts';

/** The minimum a DAG function needs from a step. */
export interface GraphStep {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/**
 * A step list indexed by integer, with dependency and dependent lists in CSR form
 * (`depList[depStart[i] .. depStart[i+1]]` are the indices step i depends on). Built once, so
 * the scheduler and executor never scan the step list per step.
 */
export interface IndexedGraph {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly depStart: Int32Array;
  readonly depList: Int32Array;
  readonly dependentStart: Int32Array;
  readonly dependentList: Int32Array;
}

/**
 * Indexes steps in input order. Duplicate dependencies count once. Throws E_DUPLICATE_STEP_ID
 * or E_DAG_UNKNOWN_DEP: the loader reports those with positions before this ever runs.
 */
export function indexGraph(steps: ReadonlyArray<GraphStep>): IndexedGraph {
  const n = steps.length;
  const ids: string[] = new Array<string>(n);
  const indexOf = new Map<string, number>();
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const step = steps[i]!;
    // One hash lookup per step, not two (has + set): a repeated id leaves the size unchanged.
    indexOf.set(step.id, i);
    if (indexOf.size !== i + 1) {
      throw new RustchainError('E_DUPLICATE_STEP_ID', `two steps have the id "${step.id}"`, {
        details: { stepId: step.id },
        nonRetryable: true,
      });
    }
    ids[i] = step.id;
    edges += step.dependsOn.length;
  }
  const depStart = new Int32Array(n + 1);
  const depList = new Int32Array(edges);
  const dependentCount = new Int32Array(n + 1);
  let e = 0;
  for (let i = 0; i < n; i++) {
    depStart[i] = e;
    const deps = steps[i]!.dependsOn;
    // Short lists: a linear duplicate check beats a Set; long fan-ins get a Set.
    const seen = deps.length > 16 ? new Set<number>() : null;
    for (let k = 0; k < deps.length; k++) {
      const dep = deps[k]!;
      const j = indexOf.get(dep);
      if (j === undefined) {
        throw new RustchainError('E_DAG_UNKNOWN_DEP', `step "${ids[i]}" depends on unknown step "${dep}"`, {
          details: { stepId: ids[i], dependsOn: dep },
          nonRetryable: true,
        });
      }
      if (seen ? seen.has(j) : isDuplicate(depList, depStart[i]!, e, j)) continue;
      seen?.add(j);
      depList[e++] = j;
      dependentCount[j]!++;
    }
  }
  depStart[n] = e;
  const dependentStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) dependentStart[i + 1] = dependentStart[i]! + dependentCount[i]!;
  const fill = dependentStart.slice(0, n);
  const dependentList = new Int32Array(e);
  // Filling in step order keeps each dependent list sorted by file order.
  for (let i = 0; i < n; i++) {
    for (let k = depStart[i]!; k < depStart[i + 1]!; k++) dependentList[fill[depList[k]!]!++] = i;
  }
  return { ids, indexOf, depStart, depList: depList.subarray(0, e), dependentStart, dependentList };
}

/** True when `value` is already in `list[from..to)`. */
function isDuplicate(list: Int32Array, from: number, to: number, value: number): boolean {
  for (let k = from; k < to; k++) if (list[k] === value) return true;
  return false;
}
