import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Diagnostic, Mission, PermissionFlags, Policy, Project } from '@rustchain/core';
import type { PermissionFlagValues } from './options/permissions.ts';
import { recordRefusal } from './record-refusal.ts';

/** A mission ready to run: valid, and allowed by the policy of this invocation. */
export interface PreparedMission {
  project: Project;
  mission: Mission;
  policy: Policy;
  /** Warnings from validation (errors would have thrown). */
  warnings: Diagnostic[];
}

/** Flags as core's PermissionFlags (absent flags omitted, as exactOptionalPropertyTypes wants). */
export function toPermissionFlags(flags: PermissionFlagValues): PermissionFlags {
  return {
    allowAll: flags.allowAll,
    ...(flags.allowRun === undefined ? {} : { allowRun: flags.allowRun }),
    ...(flags.allowRead === undefined ? {} : { allowRead: flags.allowRead }),
    ...(flags.allowWrite === undefined ? {} : { allowWrite: flags.allowWrite }),
    ...(flags.allowNet === undefined ? {} : { allowNet: flags.allowNet }),
    ...(flags.allowEnv === undefined ? {} : { allowEnv: flags.allowEnv }),
  };
}

/**
 * The policy of one invocation: the `--policy` file (which replaces the config's policy; its
 * paths are relative to the file) or the project's configured policy, extended by the flags.
 * The files that define it are never writable by the steps it governs. An invalid policy file
 * throws a DiagnosticsError, recorded in the ledger when `record` is set.
 */
export async function policyFor(
  project: Project,
  flags: PermissionFlagValues,
  cwd: string,
  options: { record?: boolean } = {},
): Promise<Policy> {
  const core = await import('@rustchain/core');
  // The default sandbox mode depends on whether bwrap works here (started earlier by prepareMission).
  await core.probeBwrapAsync();
  let policySource = { config: project.config.policy, configDir: project.dir, hasConfigFile: project.configFile !== null };
  if (flags.policyFile !== undefined) {
    const loaded = await core.loadPolicyFile(flags.policyFile);
    if (loaded.policy === null) {
      if (options.record === true) await recordRefusal(project, flags.policyFile, null, loaded.diagnostics);
      throw new core.DiagnosticsError(loaded.diagnostics);
    }
    policySource = { config: loaded.policy, configDir: dirname(flags.policyFile), hasConfigFile: true };
  }
  const governing = {
    configFile: project.configFile,
    ...(flags.policyFile === undefined ? {} : { policyFile: realpathSync(flags.policyFile) }),
    // A step that could rewrite a trusted compile key file could sign its own modules.
    files: core.compileKeyFiles(project.config.trustedCompileKeys, project.dir),
  };
  return core.resolvePolicy({ cwd, ...policySource, flags: toPermissionFlags(flags), stateDir: project.stateDir, governing });
}

/**
 * The common prelude of every command that runs a mission (execute, run, compile, policy check):
 * validate the file against the project's step types, form the policy from config + flags,
 * and check it statically. Any error throws a DiagnosticsError — exit 2, nothing executed.
 * With `checkPolicy: false` the policy is formed but not checked (policy check reports itself).
 */
export async function prepareMission(options: {
  file: string;
  project: Project;
  flags: PermissionFlagValues;
  cwd: string;
  checkPolicy?: boolean;
  /** `--strict`: unknown keys are errors. */
  strict?: boolean;
}): Promise<PreparedMission> {
  const core = await import('@rustchain/core');
  const { project, cwd } = options;
  // Probing bwrap (for the policy's default sandbox mode) overlaps loading the mission.
  void core.probeBwrapAsync();
  const validation = await core.validateMission(options.file, { registry: project.registry, strict: options.strict === true });
  const errors = validation.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || validation.mission === null) {
    if (options.checkPolicy !== false) await recordRefusal(project, options.file, null, validation.diagnostics);
    throw new core.DiagnosticsError(validation.diagnostics);
  }
  const policy = await policyFor(project, options.flags, cwd, { record: options.checkPolicy !== false });
  if (options.checkPolicy !== false) {
    const refusals = core.checkPolicy(validation.mission, project.registry, policy, { workDir: cwd });
    if (refusals.some((d) => d.severity === 'error')) {
      await recordRefusal(project, options.file, validation.mission, refusals);
      throw new core.DiagnosticsError([...validation.diagnostics, ...refusals]);
    }
  }
  return { project, mission: validation.mission, policy, warnings: validation.diagnostics.filter((d) => d.severity !== 'error') };
}
