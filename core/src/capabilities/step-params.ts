import type { RustchainError } from '../errors.ts';
import { checkOptionInjection } from '../policy/arg-rules.ts';
import { checkStepEnv } from '../policy/env-rules.ts';
import type { Policy } from '../policy/types.ts';
import { templatedOptionValues } from '../template/options.ts';

/**
 * What a command line may take from the MISSION (as opposed to the plugin's own code): the
 * names of the step's `env:` parameter must be allowed by the policy, and a templated value
 * starting with `-` must not land as an option. A plugin's own hardening variables (git's
 * GIT_CONFIG_* in git-status) are not mission input and are not judged here.
 */
export function checkStepInput(
  policy: Policy,
  params: Readonly<Record<string, unknown>> | undefined,
  argv: readonly string[],
  env: Readonly<Record<string, string>> | undefined,
): RustchainError | null {
  if (params === undefined) return null;
  const declared = params['env'];
  if (env !== undefined && typeof declared === 'object' && declared !== null && !Array.isArray(declared)) {
    for (const [name, value] of Object.entries(env)) {
      if (!Object.hasOwn(declared, name) || (declared as Record<string, unknown>)[name] !== value) continue;
      const denied = checkStepEnv(policy, name);
      if (denied) return denied;
    }
  }
  return checkOptionInjection(policy.commands.rules, argv, templatedOptionValues(params));
}
