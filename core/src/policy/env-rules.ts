import type { RustchainError } from '../errors.ts';
import { envDenied, envOverrideDenied, stepEnvDenied } from './denials.ts';
import type { Policy } from './types.ts';

/**
 * Environment rules. Steps see only the variables the policy names (never the host env
 * wholesale: SECURITY-CATALOGUE case 30), and no step may set a variable that changes
 * which code a child process loads.
 */

/** Passed to every child when the host has them: needed to find and run programs sanely. */
export const BASELINE_ENV: readonly string[] = ['PATH', 'HOME', 'LANG'];

/** Per-step overrides that change what code runs (preloads, interpreter hooks, lookup path). */
const FORBIDDEN_OVERRIDES: readonly string[] = [
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

/**
 * Variables a mission step may set for its command (`env:` of a command step) without the
 * policy naming them: locale, time zone and terminal cosmetics, which change no code path
 * that loads or runs programs. Anything else (`GIT_CONFIG_COUNT`/`KEY`/`VALUE`, `TAR_OPTIONS`,
 * `PYTHONSTARTUP`...) can make an allowed program run other code, so it must be listed in
 * policy.env.allow (or --allow-env) to be set.
 */
const SAFE_STEP_ENV: readonly string[] = [
  'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'LC_NUMERIC', 'LC_TIME', 'LC_COLLATE',
  'TZ', 'TERM', 'NO_COLOR', 'FORCE_COLOR', 'CLICOLOR', 'COLUMNS', 'LINES', 'CI',
];

/**
 * Refusal for a mission step setting `name` for its command, or null when the policy allows
 * it. Names that are never settable (FORBIDDEN_OVERRIDES) are refused by childEnv at spawn.
 */
export function checkStepEnv(policy: Policy, name: string): RustchainError | null {
  if (checkEnvOverride(name) !== null) return null;
  return SAFE_STEP_ENV.includes(name) || envAllowed(policy, name) ? null : stepEnvDenied(name);
}

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
