import type { EnvCapability } from '../plugin/sdk.ts';
import { BASELINE_ENV, checkEnvOverride, checkEnvRead, envAllowed } from '../policy/env-rules.ts';
import type { Policy } from '../policy/types.ts';

/** Host environment as handed to createStepContext (usually process.env). */
export type HostEnv = Readonly<Record<string, string | undefined>>;

/** `ctx.env`: reads only the variables the policy allows; others are refused with the flag to use. `secrets` is the run's redactor (ctx.env.secret). */
export function createEnvCapability(policy: Policy, env: HostEnv, secrets?: { add(values: Iterable<string>): unknown }): EnvCapability {
  const get = (name: string): string | undefined => {
    const denied = checkEnvRead(policy, name);
    if (denied) throw denied;
    return env[name];
  };
  return {
    get,
    secret(name: string): string | undefined {
      const value = get(name);
      if (value !== undefined && value !== '') secrets?.add([value]);
      return value;
    },
  };
}

/**
 * The environment of a child process: the allowed variables, the baseline (PATH, HOME, LANG)
 * and the step's explicit overrides. Throws E_POLICY_ENV_DENIED for a forbidden override.
 */
export function childEnv(policy: Policy, env: HostEnv, overrides: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const names = policy.env.allow === '*' ? Object.keys(env) : [...policy.env.allow];
  for (const name of [...BASELINE_ENV, ...names]) {
    const value = env[name];
    if (value !== undefined && (BASELINE_ENV.includes(name) || envAllowed(policy, name))) out[name] = value;
  }
  for (const [name, value] of Object.entries(overrides ?? {})) {
    const denied = checkEnvOverride(name);
    if (denied) throw denied;
    out[name] = value;
  }
  return out;
}
