import type { Writable } from 'node:stream';
import type { Policy, SecretRedactor } from '@rustchain/core';

/**
 * The run's redactor, built once from the secret env vars the policy passes to steps
 * (declared in `policy.env.secrets` or named like a credential); secret plugin parameters are
 * added by the executor as steps are dispatched. A secret too short to redact safely is
 * named on stderr (never its value) and left as is.
 */
export async function runRedactor(policy: Policy, env: Readonly<Record<string, string | undefined>>, stderr: Writable): Promise<SecretRedactor> {
  const core = await import('@rustchain/core');
  const redactor = core.createSecretRedactor();
  for (const { name, value } of core.envSecrets(policy, env)) {
    if (redactor.add([value]).length > 0) {
      stderr.write(`rustchain: warning: secret env ${name} is shorter than ${core.MIN_SECRET_LENGTH} characters and is not redacted\n`);
    }
  }
  return redactor;
}
