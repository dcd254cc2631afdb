/**
 * Which environment variables are secret: those the policy passes to steps (`env.allow`)
 * AND either named in `policy.env.secrets` or matching DEFAULT_SECRET_ENV_PATTERN. A variable
 * the policy does not pass cannot reach a step, a template or a child, so it cannot leak
 * through the run and is not collected.
 */
import { envAllowed } from '../policy/env-rules.ts';
import type { Policy } from '../policy/types.ts';

/** Names treated as secret without being declared (conservative: credentials by name). */
export const DEFAULT_SECRET_ENV_PATTERN = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/** True when variable `name` is secret under `policy` (declared, or matching the default pattern). */
export function isSecretEnvName(policy: Policy, name: string): boolean {
  return (policy.env.secrets ?? []).includes(name) || DEFAULT_SECRET_ENV_PATTERN.test(name);
}

/** The secret variables the policy passes to steps, with their values (unset ones omitted). */
export function envSecrets(policy: Policy, env: Readonly<Record<string, string | undefined>>): Array<{ name: string; value: string }> {
  const names = policy.env.allow === '*' ? Object.keys(env) : policy.env.allow;
  const out: Array<{ name: string; value: string }> = [];
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '' && envAllowed(policy, name) && isSecretEnvName(policy, name)) out.push({ name, value });
  }
  return out;
}
