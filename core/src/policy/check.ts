import { Value } from '@sinclair/typebox/value';
import type { Diagnostic, RustchainError } from '../errors.ts';
import { isRustchainError, sortDiagnostics } from '../errors.ts';
import { checkNetClaim } from '../capabilities/net.ts';
import type { Mission, MissionStep } from '../model/mission.ts';
import type { ResourceClaim, StepTypeLookup } from '../plugin/sdk.ts';
import { checkArgs } from './arg-rules.ts';
import { checkCommand } from './command-rules.ts';
import { checkLimits } from './limits.ts';
import { claimsFailed, shellDenied, stepTypeDenied } from './denials.ts';
import { checkEnvRead, checkStepEnv } from './env-rules.ts';
import { containsTemplate, escapePointerToken } from '../template/scan.ts';
import { checkPath } from './fs-rules.ts';
import type { Policy } from './types.ts';

/**
 * The static policy check: before anything runs, every step's claims (derived from its
 * unresolved parameters) go through the same rules the runtime capabilities apply. Values
 * that still hold a `${{ }}` template are left to the runtime guard.
 */

/** Where relative claim paths and command lookups are anchored (defaults: process cwd and env). */
export interface CheckPolicyOptions {
  workDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

const TEMPLATE = '${{';

function templated(claim: ResourceClaim): boolean {
  switch (claim.kind) {
    case 'exec':
      return (claim.argv[0] ?? '').includes(TEMPLATE);
    case 'read':
    case 'write':
    case 'mission':
      return claim.path.includes(TEMPLATE);
    case 'net':
      return claim.url.includes(TEMPLATE);
    case 'env':
      return claim.name.includes(TEMPLATE);
    case 'step':
      return claim.type.includes(TEMPLATE);
  }
}

/** How deep child-step claims are followed (a chain of tools of chains...). */
const MAX_STEP_CLAIM_DEPTH = 8;

/** The refusal for one claim, or null when the policy allows it. */
function judge(claim: ResourceClaim, policy: Policy, options: Required<CheckPolicyOptions>): RustchainError | null {
  switch (claim.kind) {
    case 'exec': {
      if (claim.shell && !policy.commands.shell) return shellDenied();
      const decision = checkCommand(policy, claim.argv[0] ?? '', { pathVar: options.env.PATH, cwd: options.workDir });
      if ('error' in decision) return decision.error;
      // Argument patterns are judged only when no argument is still a template.
      return claim.argv.some((a) => a.includes(TEMPLATE)) ? null : checkArgs(policy.commands.rules, claim.argv);
    }
    case 'read':
    case 'write': {
      const decision = checkPath(policy, claim.path, claim.kind, options.workDir);
      return 'error' in decision ? decision.error : null;
    }
    case 'mission': {
      const decision = checkPath(policy, claim.path, 'read', options.workDir);
      return 'error' in decision ? decision.error : null;
    }
    case 'net':
      return checkNetClaim(policy, claim.url, claim.schemes);
    case 'env':
      return checkEnvRead(policy, claim.name);
    case 'step':
      return null; // judged by judgeClaims: its type, then its own plugin's claims
  }
}

/** Static check before anything runs: step types and every step's claims against the policy. */
export function checkPolicy(mission: Mission, registry: StepTypeLookup, policy: Policy, options: CheckPolicyOptions = {}): Diagnostic[] {
  const opts: Required<CheckPolicyOptions> = { workDir: options.workDir ?? process.cwd(), env: options.env ?? process.env };
  const out: Diagnostic[] = [];
  const at = (pointer: string, fallback: string, error: RustchainError): void => {
    const pos = mission.sourceMap[pointer] ?? mission.sourceMap[fallback] ?? { line: 1, column: 1 };
    const allowWith = error.details['allowWith'];
    out.push({
      code: error.code,
      severity: 'error',
      message: error.message,
      file: mission.source.file,
      line: pos.line,
      column: pos.column,
      pointer,
      // The message already names the flag for most refusals; a hint only when it does not.
      ...(typeof allowWith === 'string' && !error.message.includes(allowWith) ? { hint: `allow with ${allowWith}` } : {}),
    });
  };
  // `finally:` steps run like any other: the same static check, at their own pointers.
  const sections: Array<[string, MissionStep[]]> = [['/steps', mission.steps], ['/finally', mission.finally ?? []]];
  for (const [section, steps] of sections) steps.forEach((step, i) => {
    const stepPointer = `${section}/${i}`;
    if (policy.stepTypes !== '*' && !policy.stepTypes.includes(step.type)) {
      at(`${stepPointer}/step_type`, stepPointer, stepTypeDenied(step.type));
    }
    const definition = registry.get(step.type)?.definition;
    // A command step's `env:` names must be allowed: GIT_CONFIG_*, TAR_OPTIONS... run other code.
    const stepEnv = step.parameters['env'];
    if (definition?.capabilities.includes('exec') && typeof stepEnv === 'object' && stepEnv !== null && !Array.isArray(stepEnv)) {
      for (const name of Object.keys(stepEnv)) {
        const denied = checkStepEnv(policy, name);
        if (denied) at(`${stepPointer}/parameters/env/${escapePointerToken(name)}`, stepPointer, denied);
      }
    }
    if (!definition?.claims) return;
    // Claims are derived only from parameters that match the schema: the loader reports the rest.
    if (!Value.Check(definition.params, step.parameters)) return;
    let claims: ResourceClaim[];
    try {
      claims = definition.claims(step.parameters as never);
    } catch (error) {
      // A coded error is the plugin judging the input (a value the schema cannot express, e.g.
      // an unsupported URL scheme): reported as such. Any other throw is the plugin's bug, and a
      // step whose resources cannot be judged must not run unjudged. (A templated value may not
      // parse before resolution; the runtime guards judge those.)
      if (!containsTemplate(step.parameters)) at(stepPointer, stepPointer, isRustchainError(error) ? error : claimsFailed(step.type, error));
      return;
    }
    // A child step's claims (chain sub-steps, a tool's step type) are its own plugin's, nested.
    const judgeClaims = (list: readonly ResourceClaim[], base: string, depth: number): void => {
      for (const claim of list) {
        if (templated(claim)) continue;
        if (claim.kind !== 'step') {
          const error = judge(claim, policy, opts);
          if (error) at(`${base}${claim.pointer}`, stepPointer, error);
          continue;
        }
        const pointer = `${base}${claim.pointer}`;
        if (policy.stepTypes !== '*' && !policy.stepTypes.includes(claim.type)) {
          at(pointer, stepPointer, stepTypeDenied(claim.type));
          continue;
        }
        const child = registry.get(claim.type)?.definition;
        // Unknown types and bad parameters are reported when the child runs.
        if (depth >= MAX_STEP_CLAIM_DEPTH || !child?.claims || !Value.Check(child.params, claim.params)) continue;
        let inner: ResourceClaim[];
        try {
          inner = child.claims(claim.params as never);
        } catch {
          continue; // judged again, and reported, when the child runs
        }
        judgeClaims(inner, pointer, depth + 1);
      }
    };
    judgeClaims(claims, `${stepPointer}/parameters`, 0);
  });
  for (const violation of checkLimits(mission, policy.limits)) {
    at(violation.pointer, violation.pointer.replace(/\/[^/]*$/, ''), violation.error);
  }
  return sortDiagnostics(out);
}
