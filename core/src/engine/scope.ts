import { createEnvCapability, type HostEnv } from '../capabilities/env.ts';
import type { Policy } from '../policy/types.ts';
import type { TemplateScope } from '../template/resolve.ts';

/** Outputs of finished steps by id; a null-prototype object so no step id can reach a prototype. */
export type StepOutputs = Record<string, Record<string, unknown>>;

/**
 * The scope templates resolve against. `${{ env.X }}` goes through the same policy filter as
 * `ctx.env`, so a template cannot read a variable the step itself could not.
 */
export function templateScope(
  steps: Readonly<StepOutputs>,
  vars: Readonly<Record<string, string | number | boolean>>,
  policy: Policy,
  env: HostEnv,
): TemplateScope {
  const guard = createEnvCapability(policy, env);
  return { steps, vars, env: (name) => guard.get(name) };
}
