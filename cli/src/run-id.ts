import { UsageError } from 'clipanion';

/** Shortest prefix accepted: fewer characters would match by accident more often than not. */
const MIN_PREFIX = 4;

/**
 * The run `given` names among `ids`: itself when it is one of them (or `latest`, or shorter
 * than a usable prefix), the one id it is a prefix of (`3f2a` for `3f2a9c1e-...`, as with git
 * commits), or itself unchanged when it matches none. An ambiguous prefix is a usage error
 * listing the candidates.
 */
export function pickRunId(ids: readonly string[], given: string): string {
  if (given === 'latest' || given.length < MIN_PREFIX || ids.includes(given)) return given;
  const matches = ids.filter((id) => id.startsWith(given));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UsageError(`run id prefix \`${given}\` is ambiguous; it matches ${matches.length} runs:\n${matches.map((id) => `  ${id}`).join('\n')}\ntype more characters`);
  }
  return given;
}

/**
 * A run id as typed, resolved against the runs recorded under the state dir (pickRunId). No
 * match leaves it unchanged, so the command reports the unknown run in its own terms
 * (E_AUDIT_RUN_NOT_FOUND, E_RUN_NOT_FOUND).
 */
export async function resolveRunId(stateDir: string, given: string): Promise<string> {
  if (given === 'latest' || given.length < MIN_PREFIX) return given;
  const { listRunStates } = await import('@rustchain/core');
  return pickRunId(listRunStates(stateDir).map((s) => s.runId), given);
}
