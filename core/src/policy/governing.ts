import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileKeyDirFor, keyDirFor, legacyKeyDir } from '../audit/key-dir.ts';
import { CONFIG_FILE_NAMES, configSearchDirs } from '../registry/load-config.ts';
import { findExecutable } from './command-rules.ts';

/**
 * Governing paths: the files and directories that decide what the NEXT invocation may do
 * (config files anywhere in the config search path, the `--policy` file), where its record
 * and key live (state dir, key dir), and the programs the allowlist names. A step may never
 * write, create, move or delete one of them, nor move or delete a directory holding one —
 * otherwise a mission with ordinary write permission could grant itself more next time.
 */

/** Every config file name the loader searches for: each one is protected wherever it may be found. */
export const GOVERNING_CONFIG_NAMES: readonly string[] = CONFIG_FILE_NAMES;

/** What an invocation is governed by. */
export interface GoverningInput {
  /** Working directory: the config search starts here. */
  cwd: string;
  /** Absolute state dir. */
  stateDir: string;
  /** The config file in use (null/absent when none). */
  configFile?: string | null | undefined;
  /** The `--policy` file in use. */
  policyFile?: string | undefined;
  /** Key directory; default: the state dir's (key-dir.ts). */
  keyDir?: string | undefined;
  /** Command allowlist entries; each resolves (PATH or path) to a program file. */
  programs?: readonly string[] | '*';
  /** Directory path-like allowlist entries are relative to. */
  programBase?: string;
  /** Other files that decide what the next invocation trusts: the config's `trustedCompileKeys` .pub files. */
  files?: readonly string[] | undefined;
}

function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}

/** Absolute governing paths of one invocation (existing or not: creating one is refused too). */
export function governingPaths(input: GoverningInput): string[] {
  const out = new Set<string>();
  const add = (p: string | null | undefined): void => {
    if (p !== null && p !== undefined && p !== '') out.add(real(resolve(input.cwd, p)));
  };
  add(input.stateDir);
  add(input.keyDir ?? keyDirFor(input.stateDir));
  add(compileKeyDirFor(input.stateDir));
  add(legacyKeyDir(input.stateDir));
  add(input.configFile);
  add(input.policyFile);
  for (const file of input.files ?? []) add(file);
  const dirs = configSearchDirs(input.cwd);
  if (input.configFile) dirs.push(resolve(input.configFile, '..'));
  for (const dir of dirs) for (const name of GOVERNING_CONFIG_NAMES) add(resolve(dir, name));
  if (input.programs !== undefined && input.programs !== '*') {
    for (const entry of input.programs) {
      const found = findExecutable(entry, process.env['PATH'], input.programBase ?? input.cwd);
      if (found !== null) add(found);
    }
  }
  return [...out];
}
