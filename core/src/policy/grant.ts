import { readFileSync } from 'node:fs';
import { digestJson, sha256Hex } from '../audit/hash.ts';
import type { LedgerInput } from '../audit/types.ts';
import type { PermissionFlags } from './resolve.ts';
import type { Policy } from './types.ts';

/**
 * What a run was granted, for the ledger (`policy.granted`, one per run): where the policy came
 * from (config file and `--policy` file, each with its SHA-256 at the time of the run), the
 * permission flags of the invocation, the effective policy, and its digest. An auditor can
 * then tell a run that could write anywhere from one that could not, after the fact.
 */

/** The `policy.granted` payload. */
export interface PolicyGrant {
  configFile: string | null;
  configSha256: string | null;
  policyFile: string | null;
  policyFileSha256: string | null;
  flags: PermissionFlags;
  /** SHA-256 of the canonical JSON of the whole effective policy (reserved paths included). */
  policySha256: string;
  effective: {
    stepTypes: Policy['stepTypes'];
    commands: { allow: Policy['commands']['allow']; shell: boolean; rules: number };
    fs: { read: readonly string[]; write: readonly string[] };
    net: Policy['net']['allow'];
    env: Policy['env']['allow'];
    limits: Policy['limits'] | null;
    sandbox: string;
  };
}

function fileDigest(path: string | null | undefined): string | null {
  if (path === null || path === undefined) return null;
  try {
    return `sha256:${sha256Hex(readFileSync(path))}`;
  } catch {
    return null;
  }
}

/** Describes the grant of one run. */
export function describeGrant(input: { policy: Policy; configFile: string | null; policyFile?: string | undefined; flags: PermissionFlags; sandbox?: string }): PolicyGrant {
  const { policy } = input;
  return {
    configFile: input.configFile,
    configSha256: fileDigest(input.configFile),
    policyFile: input.policyFile ?? null,
    policyFileSha256: fileDigest(input.policyFile),
    flags: input.flags,
    policySha256: `sha256:${digestJson(policy)}`,
    effective: {
      stepTypes: policy.stepTypes,
      commands: { allow: policy.commands.allow, shell: policy.commands.shell, rules: policy.commands.rules?.length ?? 0 },
      fs: { read: policy.fs.read, write: policy.fs.write },
      net: policy.net.allow,
      env: policy.env.allow,
      limits: policy.limits ?? null,
      sandbox: input.sandbox ?? policy.sandbox ?? 'off',
    },
  };
}

/** Ledger input for a run's grant. */
export function policyGrantedInput(runId: string, grant: PolicyGrant): LedgerInput {
  return { runId, type: 'policy.granted', payload: JSON.parse(JSON.stringify(grant)) as Record<string, unknown> };
}
