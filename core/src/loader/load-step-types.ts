import { Value } from '@sinclair/typebox/value';
import type { StepTypeLookup } from '../plugin/sdk.ts';

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
  let frontier = [...steps].map((step) => ({ ...step, depth: 0 }));
  while (frontier.length > 0) {
    const known = frontier.filter((step) => registry.has(step.type));
    await registry.load(new Set(known.map((step) => step.type)));
    const next: typeof frontier = [];
    for (const step of known) {
      needed.add(step.type);
      const definition = registry.get(step.type)!.definition;
      // Claims come only from parameters that match the schema, as in the policy check.
      if (step.depth >= MAX_DEPTH || definition.claims === undefined || !Value.Check(definition.params, step.parameters)) continue;
      try {
        for (const claim of definition.claims(step.parameters as never)) {
          if (claim.kind === 'step') next.push({ type: claim.type, parameters: claim.params, depth: step.depth + 1 });
        }
      } catch {
        // The policy check reports a claims() failure.
      }
    }
    frontier = next;
  }
  if (run !== undefined) await registry.load(needed, { run });
}
