import { findCycle } from '../dag/cycle.ts';
import type { MissionStep } from '../model/mission.ts';
import type { Reporter } from './locate.ts';
import { didYouMean } from './suggest.ts';

/** The part of a step the graph checks read, plus where it sits in the file. */
export interface GraphInput {
  id: string;
  /** depends_on as written (duplicates included), so positions line up with the file. */
  dependsOn: readonly string[];
  /** Index in `steps`. */
  index: number;
}

/**
 * Duplicate ids, unknown and self dependencies, and cycles, each at the line that causes
 * it. The cycle is reported once, at the `depends_on` entry that closes it, with its path.
 */
export function checkGraph(steps: readonly GraphInput[], report: Reporter): void {
  const firstIndex = new Map<string, number>();
  // Indexed loops: a for...of over the steps allocates an iterator result per step until
  // the optimising compiler removes it, which a few thousand steps never reach.
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    const earlier = firstIndex.get(step.id);
    if (earlier === undefined) {
      firstIndex.set(step.id, step.index);
      continue;
    }
    const first = report.valueAt(`/steps/${earlier}/id`);
    report.add('E_DUPLICATE_STEP_ID', `duplicate step id \`${step.id}\` (first used at line ${first.line})`, `/steps/${step.index}/id`, {
      hint: 'step ids must be unique; rename one of them',
    });
  }
  // Every id, for did-you-mean: made only when an unknown dependency needs it.
  let ids: string[] | null = null;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    const deps = step.dependsOn;
    for (let k = 0; k < deps.length; k++) {
      const dep = deps[k]!;
      if (dep === step.id) {
        report.add('E_DAG_SELF_DEP', `step \`${step.id}\` depends on itself`, `/steps/${step.index}/depends_on/${k}`, { hint: 'remove it from its own depends_on' });
      } else if (!firstIndex.has(dep)) {
        ids ??= [...firstIndex.keys()];
        const guess = didYouMean(dep, ids.filter((id) => id !== step.id));
        report.add('E_DAG_UNKNOWN_DEP', `step \`${step.id}\` depends on \`${dep}\`, which does not exist`, `/steps/${step.index}/depends_on/${k}`, {
          ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
        });
      }
    }
  }
  // Self-dependencies are reported above; findCycle already skips unknown ids.
  const cycle = findCycle(steps.map((s) => (s.dependsOn.includes(s.id) ? { id: s.id, dependsOn: s.dependsOn.filter((d) => d !== s.id) } : s)));
  if (!cycle || cycle.length < 2) return;
  // The closing edge: the last step of the path depends on the first.
  const from = cycle[cycle.length - 2]!;
  const to = cycle[0]!;
  const step = steps.find((s) => s.id === from && s.dependsOn.includes(to));
  if (!step) return;
  const k = step.dependsOn.indexOf(to);
  report.add('E_DAG_CYCLE', `dependency cycle: ${cycle.join(' -> ')}`, `/steps/${step.index}/depends_on/${Math.max(0, k)}`, {
    hint: `remove one of these dependencies, e.g. \`${to}\` from the depends_on of \`${from}\``,
  });
}

/** Ids of every step `id` depends on, directly or transitively. */
export function upstreamOf(id: string, byId: ReadonlyMap<string, Pick<MissionStep, 'dependsOn'>>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return seen;
}
