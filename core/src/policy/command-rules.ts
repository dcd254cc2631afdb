import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { RustchainError } from '../errors.ts';
import { commandDenied } from './denials.ts';
import type { Policy } from './types.ts';

/**
 * Command allowlist matching. argv[0] and every allowlist entry are looked up on PATH (or
 * taken as a path when they contain `/`) and compared by REAL path, so `/usr/bin/../bin/sh`
 * or a copied `./curl` cannot pass for an allowed name. The invoked name must match too:
 * multi-call binaries (busybox, some coreutils builds) pick their behaviour from argv[0],
 * so allowing `echo` must not allow `rm` when both link to the same file.
 */

/** The identity a command is allowed by: real file plus the name it is invoked as. */
interface Identity {
  real: string;
  name: string;
}

function isExecutableFile(path: string): boolean {
  try {
    // throwIfNoEntry: a PATH search misses in most directories, and exceptions are costly.
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the executable `name` would run, or null; `cwd` anchors names with `/`. */
export function findExecutable(name: string, pathVar: string | undefined, cwd: string): string | null {
  if (name.length === 0 || name.includes('\0')) return null;
  if (name.includes('/')) {
    const abs = isAbsolute(name) ? name : resolve(cwd, name);
    return isExecutableFile(abs) ? abs : null;
  }
  // A PATH search costs a stat per directory; remember hits and re-verify just the hit.
  // We spawn exactly the path we checked, so a stale entry can never bypass the allowlist.
  const key = `${pathVar ?? ''}\0${name}`;
  const cached = lookupCache.get(key);
  if (cached !== undefined && isExecutableFile(cached)) return cached;
  // Empty PATH entries mean "current directory" to a shell; we never search it implicitly.
  for (const dir of (pathVar ?? '').split(':')) {
    if (dir.length === 0 || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) {
      if (lookupCache.size >= 512) lookupCache.clear();
      lookupCache.set(key, candidate);
      return candidate;
    }
  }
  return null;
}

const lookupCache = new Map<string, string>();

function realOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

function identityOf(name: string, pathVar: string | undefined, cwd: string): Identity | null {
  const found = findExecutable(name, pathVar, cwd);
  const real = found === null ? null : realOrNull(found);
  return real === null ? null : { real, name: basename(name) };
}

const allowedCache = new WeakMap<Policy, Map<string, Identity[]>>();

/** Identities of the allowlist entries under one PATH (cached per policy and PATH). */
function allowedIdentities(policy: Policy, allow: readonly string[], pathVar: string | undefined): Identity[] {
  let byPath = allowedCache.get(policy);
  if (!byPath) allowedCache.set(policy, (byPath = new Map()));
  const key = pathVar ?? '';
  let ids = byPath.get(key);
  if (!ids) {
    ids = allow.map((entry) => identityOf(entry, pathVar, '/')).filter((id): id is Identity => id !== null);
    byPath.set(key, ids);
  }
  return ids;
}

/**
 * Decides whether argv[0] may run. On success `file` is what to spawn (absolute when found;
 * the bare name when an allowed command is not installed, so the spawn reports ENOENT).
 */
export function checkCommand(
  policy: Policy,
  command: string,
  options: { pathVar: string | undefined; cwd: string },
): { file: string } | { error: RustchainError } {
  const found = findExecutable(command, options.pathVar, options.cwd);
  const allow = policy.commands.allow;
  if (allow === '*') return { file: found ?? command };
  if (found === null) {
    return allow.includes(command) ? { file: command } : { error: commandDenied(command, null) };
  }
  const real = realOrNull(found);
  const name = basename(command);
  const ok = real !== null && allowedIdentities(policy, allow, options.pathVar).some((a) => a.real === real && a.name === name);
  return ok ? { file: found } : { error: commandDenied(command, real ?? found) };
}
