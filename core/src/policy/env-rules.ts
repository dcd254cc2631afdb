import type { RustchainError } from '../errors.ts';
import { envDenied, envOverrideDenied } from './denials.ts';
import type { Policy } from './types.ts';

/**
 * Environment rules. Steps see only the variables the policy names (never the host env
 * wholesale: SECURITY-CATALOGUE case 30), and no step may set a variable that changes
 * which code a child process loads.
 */

/** Passed to every child when the host has them: needed to find and run programs sanely. */
export const BASELINE_ENV: readonly string[] = ['PATH', 'HOME', 'LANG'];

/** Per-step overrides that change what code runs (preloads, interpreter hooks, lookup path). */
export const FORBIDDEN_OVERRIDES: readonly string[] = [
  'PATH',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'DYLD_INSERT_LIBRARIES',
  'DYLD_LIBRARY_PATH',
  'NODE_OPTIONS',
  'NODE_PATH',
  'BASH_ENV',
  'ENV',
];

/** True when the policy passes variable `name` to steps. */
export function envAllowed(policy: Policy, name: string): boolean {
  return policy.env.allow === '*' || policy.env.allow.includes(name);
}

/** Refusal for reading `name`, or null when allowed. */
export function checkEnvRead(policy: Policy, name: string): RustchainError | null {
  return envAllowed(policy, name) ? null : envDenied(name);
}

/** Refusal for a per-step override of `name`, or null when allowed. */
export function checkEnvOverride(name: string): RustchainError | null {
  return FORBIDDEN_OVERRIDES.includes(name) || name.includes('=') || name.includes('\0') ? envOverrideDenied(name) : null;
}
