import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import type { ResourceClaim } from '../plugin/sdk.ts';
import { checkStepParams } from '../plugin/params-check.ts';

/**
 * `{}` or an object equal to it for a params schema and claims(): no own keys of any kind
 * (symbols and non-enumerable ones included) and the ordinary prototype. The loader explores
 * the claims of such parameters once per step type instead of once per step.
 */
export function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // A frozen object found empty stays empty: the parameters every step without any shares
  // (normalise.ts) are checked once, not with a key list per step.
  if (frozenEmpty.has(value)) return true;
  const empty = Object.getPrototypeOf(value) === Object.prototype && Reflect.ownKeys(value).length === 0;
  if (empty && Object.isFrozen(value)) frozenEmpty.add(value);
  return empty;
}

const frozenEmpty = new WeakSet<object>();

/** A step type's definition, as far as its claims go. */
interface ClaimingDefinition {
  readonly params: unknown;
  claims?(params: never): ResourceClaim[];
}

/** The claims of `{}`, per definition (null: no claims for it). */
const emptyParamsClaims = new WeakMap<object, readonly ResourceClaim[] | null>();

/**
 * The claims a definition makes for `params`, as the policy check takes them: only for
 * parameters that match its schema; null when they do not, when it has no claims(), or when
 * claims() throws (the policy check reports that). Most steps of a large mission have empty
 * parameters (noop, wait): claims() is a function of its params (the policy check relies on
 * that too) and every empty plain object is the same value to it and to the schema, so those
 * are explored once per definition, for the loading walk and the child-step checks alike.
 * The claims returned are shared: read them, do not change them.
 */
export function claimsFor(definition: ClaimingDefinition, params: unknown): readonly ResourceClaim[] | null {
  if (definition.claims === undefined) return null;
  if (!isEmptyPlainObject(params)) return explore(definition, params);
  let claims = emptyParamsClaims.get(definition);
  if (claims === undefined) {
    claims = explore(definition, {});
    emptyParamsClaims.set(definition, claims);
  }
  return claims;
}

function explore(definition: ClaimingDefinition, params: unknown): readonly ResourceClaim[] | null {
  if (!Value.Check(definition.params as never, params)) return null;
  try {
    return definition.claims!(params as never);
  } catch {
    return null;
  }
}

/** Whether `{}` passes a params schema (checkStepParams), per schema: the parameter checks of such a step have nothing to report. */
const emptyParamsPassing = new WeakMap<object, boolean>();

export function emptyParamsPass(schema: TSchema): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  let pass = emptyParamsPassing.get(schema);
  if (pass === undefined) {
    pass = checkStepParams(schema, {}).length === 0;
    emptyParamsPassing.set(schema, pass);
  }
  return pass;
}
