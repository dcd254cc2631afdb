import { Value } from '@sinclair/typebox/value';
import type { ResourceClaim, StepTypeLookup } from '../plugin/sdk.ts';
import { isEmptyPlainObject } from './empty-params.ts';

/** Deeper than the policy check follows step claims (8), so it never meets an unloaded type. */
const MAX_DEPTH = 10;

/** What a step contributes to the step types it needs. */
interface NeedingStep {
  readonly type: string;
  readonly parameters: unknown;
}

/** A step type's definition, as far as finding the step types its claims name goes. */
interface ClaimingDefinition {
  readonly params: unknown;
  claims?(params: never): ResourceClaim[];
}

/**
 * The 'step' claims a definition makes for empty parameters (`{}`), per definition. Most steps
 * of a large mission have none (noop, wait); params schema and claims() see only the value, and
 * every empty plain object is the same value to them, so one exploration answers for all of
 * them (claims() is a function of its params: the policy check relies on that too).
 */
const emptyParamsChildren = new WeakMap<object, readonly NeedingStep[]>();

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
    for (const step of frontier) if (registry.has(step.type)) types.add(step.type);
    await registry.load(types);
    const next: NeedingStep[] = [];
    for (const step of frontier) {
      if (!types.has(step.type)) continue;
      needed.add(step.type);
      if (depth >= MAX_DEPTH) continue;
      const definition = registry.get(step.type)!.definition as ClaimingDefinition;
      if (definition.claims === undefined) continue;
      const children = isEmptyPlainObject(step.parameters) ? emptyChildren(definition) : stepChildren(definition, step.parameters);
      for (const child of children) next.push(child);
    }
    frontier = next;
  }
  if (run !== undefined) await registry.load(needed, { run });
}

/** The step types a step's claims name (none when its parameters do not match the schema, as in the policy check). */
function stepChildren(definition: ClaimingDefinition, parameters: unknown): NeedingStep[] {
  const children: NeedingStep[] = [];
  // Claims come only from parameters that match the schema, as in the policy check.
  if (!Value.Check(definition.params as never, parameters)) return children;
  try {
    for (const claim of definition.claims!(parameters as never)) {
      if (claim.kind === 'step') children.push({ type: claim.type, parameters: claim.params });
    }
  } catch {
    // The policy check reports a claims() failure.
  }
  return children;
}

/** stepChildren for `{}`, explored once per definition. */
function emptyChildren(definition: ClaimingDefinition): readonly NeedingStep[] {
  let children = emptyParamsChildren.get(definition);
  if (children === undefined) {
    children = stepChildren(definition, {});
    emptyParamsChildren.set(definition, children);
  }
  return children;
}
