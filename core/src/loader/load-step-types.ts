import type { StepTypeLookup } from '../plugin/sdk.ts';
import { claimsFor } from './empty-params.ts';

/** Deeper than the policy check follows step claims (8), so it never meets an unloaded type. */
const MAX_DEPTH = 10;

/** What a step contributes to the step types it needs. */
interface NeedingStep {
  readonly type: string;
  readonly parameters: unknown;
}

/**
 * Imports, through a lazy registry (one with `load`), the step types `steps` need: their own,
 * and those their claims of kind 'step' name statically (tool, agent and chain children),
 * transitively — what the loader, the policy check and the compiler read with get(). `run`:
 * loading for a run, so a plugin that lists step types at run time gets every allowed one.
 * A registry without `load` has everything loaded already: nothing to do.
 */
export async function loadStepTypes(registry: StepTypeLookup, steps: Iterable<NeedingStep>, run?: { allowed: '*' | readonly string[] }): Promise<void> {
  if (registry.load === undefined) return;
  const needed = new Set<string>();
  // Breadth first: every step of a frontier is at the same depth (its index).
  let frontier: readonly NeedingStep[] = Array.isArray(steps) ? steps : [...steps];
  for (let depth = 0; frontier.length > 0; depth++) {
    const types = new Set<string>();
    // Indexed loops: no iterator result per step (see checkGraph).
    for (let i = 0; i < frontier.length; i++) if (registry.has(frontier[i]!.type)) types.add(frontier[i]!.type);
    await registry.load(types);
    const next: NeedingStep[] = [];
    for (let i = 0; i < frontier.length; i++) {
      const step = frontier[i]!;
      if (!types.has(step.type)) continue;
      needed.add(step.type);
      if (depth >= MAX_DEPTH) continue;
      // The step types its claims name (none when its parameters do not match the schema, as in the policy check).
      for (const claim of claimsFor(registry.get(step.type)!.definition, step.parameters) ?? []) {
        if (claim.kind === 'step') next.push({ type: claim.type, parameters: claim.params });
      }
    }
    frontier = next;
  }
  if (run !== undefined) await registry.load(needed, { run });
}

