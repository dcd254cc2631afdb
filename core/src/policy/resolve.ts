import { isAbsolute, join, resolve } from 'node:path';
import { resolveReal } from '../capabilities/real-path.ts';
import type { PolicyConfig } from '../config/types.ts';
import { keyDirFor } from '../audit/key-dir.ts';
import { defaultSandboxMode } from '../sandbox/mode.ts';
import { governingPaths } from './governing.ts';
import type { Policy } from './types.ts';

/**
 * Forms the policy of one invocation from the config file's policy and the Deno-style flags.
 * Flags only ever extend; with no config file at all a mission may read and write the
 * working directory and nothing else (DESIGN.md "CLI contract").
 */

/** The permission flags of one invocation (`--allow-run[=a,b]`...; `true` = unrestricted). */
export interface PermissionFlags {
  allowRun?: readonly string[] | true;
  allowRead?: readonly string[] | true;
  allowWrite?: readonly string[] | true;
  allowNet?: readonly string[] | true;
  allowEnv?: readonly string[] | true;
  allowAll?: boolean;
}

/** Inputs of resolvePolicy. */
export interface ResolvePolicyInput {
  cwd: string;
  config?: PolicyConfig | undefined;
  /** Directory of the config file: config paths are relative to it. */
  configDir?: string;
  hasConfigFile: boolean;
  flags?: PermissionFlags;
  /** State dir (ledger, keys); default `.rustchain` next to the config, else in cwd. */
  stateDir?: string;
  /** The files this policy came from; with the state and key dirs they become `fs.protect`. */
  governing?: { configFile?: string | null; policyFile?: string; keyDir?: string; files?: readonly string[] };
}

type List = readonly string[] | '*';

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Union of a configured list and a flag; `*` absorbs everything. */
function extend(base: List, flag: readonly string[] | true | undefined, map: (s: string) => string = (s) => s): List {
  if (base === '*' || flag === true) return '*';
  return unique([...base, ...(flag ?? []).map(map)]);
}

/** Absolute real root for `p` relative to `base`. */
function root(base: string, p: string): string {
  return resolveReal(resolve(base, p), '/');
}

/** Command entries that are paths resolve against `base`; bare names stay names (PATH lookup). */
function commandEntry(base: string) {
  return (entry: string): string => (entry.includes('/') && !isAbsolute(entry) ? resolve(base, entry) : entry);
}

function fromConfig(input: ResolvePolicyInput, base: string): Policy {
  const p = input.hasConfigFile ? (input.config ?? {}) : undefined;
  const here = [root(input.cwd, '.')];
  if (p === undefined) {
    return { stepTypes: '*', commands: { allow: [], shell: false }, fs: { read: here, write: here }, net: { allow: [] }, env: { allow: [] } };
  }
  // A config without an fs section keeps the project directory usable, like no config at all.
  const fsDefault = [root(base, '.')];
  return {
    stepTypes: p.stepTypes ?? '*',
    commands: {
      allow: p.commands?.allow === '*' ? '*' : (p.commands?.allow ?? []).map(commandEntry(base)),
      shell: p.commands?.shell ?? false,
      ...(p.commands?.detach ? { detach: true } : {}),
      ...(p.commands?.rules ? { rules: p.commands.rules.map((r) => ({ command: commandEntry(base)(r.command), args: [...r.args] })) } : {}),
    },
    ...(p.limits ? { limits: { ...p.limits } } : {}),
    ...(p.sandbox ? { sandbox: p.sandbox } : {}),
    fs: {
      read: p.fs ? (p.fs.read ?? []).map((r) => root(base, r)) : fsDefault,
      write: p.fs ? (p.fs.write ?? []).map((r) => root(base, r)) : fsDefault,
    },
    net: { allow: p.net?.allow ?? [] },
    env: { allow: p.env?.allow ?? [], ...(p.env?.secrets ? { secrets: [...p.env.secrets] } : {}) },
  };
}

/** config policy (paths relative to configDir) + flags (paths relative to cwd); flags extend, never narrow. */
export function resolvePolicy(input: ResolvePolicyInput): Policy {
  const base = input.configDir ?? input.cwd;
  const stateDir = root(input.cwd, input.stateDir ?? join(input.hasConfigFile ? base : input.cwd, '.rustchain'));
  const flags = input.flags ?? {};
  const keyDir = input.governing?.keyDir ?? keyDirFor(stateDir);
  const configured = input.hasConfigFile ? input.config?.commands?.allow ?? [] : [];
  const flagged = flags.allowRun === true ? '*' : (flags.allowRun ?? []).map(commandEntry(input.cwd));
  const protect = governingPaths({
    cwd: input.cwd,
    stateDir,
    configFile: input.governing?.configFile,
    policyFile: input.governing?.policyFile,
    files: input.governing?.files,
    keyDir,
    // Allowlisted programs are read-only to steps: rewriting ./scripts/build.sh then running it is code execution.
    programs: flags.allowAll || configured === '*' || flagged === '*' ? '*' : [...configured.map(commandEntry(base)), ...flagged],
  });
  const reserved = { deny: [stateDir], denyRead: [stateDir, root(input.cwd, keyDir)], protect };
  // Declared secrets survive --allow-all: allowing everything must not un-mark a secret.
  const declared = input.hasConfigFile ? input.config?.env?.secrets : undefined;
  const secrets = declared ? { secrets: [...declared] } : {};
  if (flags.allowAll) {
    return { stepTypes: '*', commands: { allow: '*', shell: true }, fs: { read: ['/'], write: ['/'], ...reserved }, net: { allow: '*' }, env: { allow: '*', ...secrets } };
  }
  const policy = fromConfig(input, base);
  const fsRoots = (list: readonly string[], flag: readonly string[] | true | undefined): string[] =>
    flag === true ? ['/'] : unique([...list, ...(flag ?? []).map((r) => root(input.cwd, r))]);
  return {
    stepTypes: policy.stepTypes,
    commands: {
      allow: extend(policy.commands.allow, flags.allowRun, commandEntry(input.cwd)),
      shell: policy.commands.shell,
      ...(policy.commands.detach ? { detach: true } : {}),
      ...(policy.commands.rules ? { rules: policy.commands.rules } : {}),
    },
    ...(policy.limits ? { limits: policy.limits } : {}),
    // Sandbox by default where bubblewrap works (issue 11); a config or policy file may say otherwise.
    sandbox: policy.sandbox ?? defaultSandboxMode(),
    fs: { read: fsRoots(policy.fs.read, flags.allowRead), write: fsRoots(policy.fs.write, flags.allowWrite), ...reserved },
    net: { allow: extend(policy.net.allow, flags.allowNet) },
    env: { allow: extend(policy.env.allow, flags.allowEnv), ...secrets },
  };
}
