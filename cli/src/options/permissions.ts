import { resolve } from 'node:path';
import { Option, UsageError } from 'clipanion';
import { ProjectCommand } from './project.ts';

/** One permission flag as given: absent, present without a value (= all), or a list. */
export type FlagGrant = undefined | true | string[];

/** The Deno-style permission flags of one invocation, parsed (paths made absolute). */
export interface PermissionFlagValues {
  allowAll: boolean;
  allowRun: FlagGrant;
  allowRead: FlagGrant;
  allowWrite: FlagGrant;
  allowNet: FlagGrant;
  allowEnv: FlagGrant;
  /** `--policy <file>`: a policy YAML used instead of the config's policy (absolute path). */
  policyFile?: string;
}

/** `--allow-x` → true; `--allow-x=a,b` → ['a', 'b']; absent → undefined. */
export function parseGrant(flag: string, value: string | boolean | undefined, toAbsolute?: (entry: string) => string): FlagGrant {
  if (value === undefined || value === false) return undefined;
  if (value === true) return true;
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new UsageError(`${flag}= needs a value (write ${flag} alone to allow everything)`);
  return toAbsolute === undefined ? entries : entries.map(toAbsolute);
}

/**
 * Base for commands that run (or check) a mission: the Deno-style permission flags, which
 * extend the configured policy for this one invocation. Values bind only with `=`
 * (`--allow-run=git,npm`), so `--allow-run mission.yaml` keeps the file positional.
 */
export abstract class PermissionedCommand extends ProjectCommand {
  /** Allow every permission below. */
  allowAll = Option.Boolean('-A,--allow-all', false, { description: 'Allow everything (all --allow-* flags)' });

  /** Commands (argv[0]) that may run. */
  allowRun = Option.String('--allow-run', { tolerateBoolean: true, description: 'Allow running commands: all, or --allow-run=cmd,...' });

  /** Extra readable roots. */
  allowRead = Option.String('--allow-read', { tolerateBoolean: true, description: 'Allow reading files: anywhere, or --allow-read=path,...' });

  /** Extra writable roots. */
  allowWrite = Option.String('--allow-write', { tolerateBoolean: true, description: 'Allow writing files: anywhere, or --allow-write=path,...' });

  /** Network hosts that may be reached. */
  allowNet = Option.String('--allow-net', { tolerateBoolean: true, description: 'Allow network access: any public host, or --allow-net=host[:port],...' });

  /** Environment variables passed to steps. */
  allowEnv = Option.String('--allow-env', { tolerateBoolean: true, description: 'Allow environment variables: all, or --allow-env=NAME,...' });

  /** Unknown keys in the mission (fields and parameters) are errors, not warnings. */
  strict = Option.Boolean('--strict', false, { description: 'Treat unknown mission fields and parameters as errors, not warnings' });

  /** A policy YAML replacing the config's policy for this invocation. */
  policy = Option.String('--policy', { description: 'Policy YAML to use instead of the policy in rustchain.config.*' });

  /** The flags as data; relative paths resolve against the working directory. */
  protected permissionFlags(): PermissionFlagValues {
    const cwd = this.cwd();
    const absolute = (entry: string): string => resolve(cwd, entry);
    return {
      allowAll: this.allowAll,
      allowRun: parseGrant('--allow-run', this.allowRun),
      allowRead: parseGrant('--allow-read', this.allowRead, absolute),
      allowWrite: parseGrant('--allow-write', this.allowWrite, absolute),
      allowNet: parseGrant('--allow-net', this.allowNet),
      allowEnv: parseGrant('--allow-env', this.allowEnv),
      ...(this.policy === undefined ? {} : { policyFile: absolute(this.policy) }),
    };
  }
}
