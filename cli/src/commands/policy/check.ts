import { dirname } from 'node:path';
import { Command, Option } from 'clipanion';
import type { Diagnostic, Project } from '@rustchain/core';
import { EXIT } from '../../exit-codes.ts';
import { PermissionedCommand, type PermissionFlagValues } from '../../options/permissions.ts';
import type { PolicySource } from '../../policy-lint.ts';
import { policyFor, prepareMission } from '../../prepare.ts';

/** The diagnostics a thrown DiagnosticsError carries (recognised by shape), else null. */
function thrownDiagnostics(error: unknown): Diagnostic[] | null {
  const list = (error as { diagnostics?: unknown } | null)?.diagnostics;
  return Array.isArray(list) ? (list as Diagnostic[]) : null;
}

/**
 * `rustchain policy check [mission...]`: with missions, every policy violation of each, located;
 * without, the project's policy itself. Runs nothing.
 */
export class PolicyCheckCommand extends PermissionedCommand {
  static override paths = [['policy', 'check']];

  static override usage = Command.Usage({
    category: 'Policy',
    description: 'Check the project policy, or list every policy violation of missions without running them',
    details: `
      Without a mission: checks the policy of this invocation itself — rustchain.config.* (or
      \`--policy <file>\`) plus the \`--allow-*\` flags. Unknown keys are errors (exit 2); entries that can
      never match are warnings: read/write roots that do not exist (E_POLICY_ROOT_MISSING), argument rules
      for commands that are not allowed, step types that are not installed, commands not on PATH, URLs
      where host patterns belong (E_POLICY_RULE_UNREACHABLE). Then prints the effective policy: what a
      mission run here may do. \`--strict\` makes the warnings errors.

      With one or more missions: validates each, forms the policy the same way, and checks every step
      statically: step types, commands and their argument patterns, shell use, file paths against the
      read/write roots, network hosts, environment variables and limits. Each violation is printed as
      \`file:line:col: error CODE: message (hint)\`; the hint names the flag or config entry that would
      allow it. Nothing is executed.

      Exit codes: 0 no violation (no error in the policy), 1 at least one violation (or, with \`--strict\`,
      a policy warning), 2 a mission or the policy is invalid.
    `,
    examples: [
      ['Check the project policy and print the effective policy', '$0 policy check'],
      ['Check a mission against the project policy', '$0 policy check deploy.yaml'],
      ['Check several missions against a stricter policy file, as JSON', '$0 policy check build.yaml deploy.yaml --policy ci-policy.yaml --json'],
    ],
  });

  /** The mission files (.yaml, .yml or .json); none checks the policy itself. */
  files = Option.Rest({ name: 'mission' });

  override async run(): Promise<number> {
    const flags = this.permissionFlags();
    const project = await this.project();
    const cwd = this.cwd();
    if (this.files.length === 0) return this.checkProjectPolicy(project, flags, cwd);
    const { checkPolicy } = await import('@rustchain/core');
    const diagnostics: Diagnostic[] = [];
    let invalid = false;
    const checked: string[] = [];
    for (const file of this.files) {
      try {
        const { mission, policy } = await prepareMission({ file, project, flags, cwd, checkPolicy: false, strict: this.strict });
        diagnostics.push(...checkPolicy(mission, project.registry, policy, { workDir: cwd }));
        checked.push(`${file}: ${mission.steps.length} steps checked`);
      } catch (error) {
        const found = thrownDiagnostics(error);
        if (found === null) throw error;
        diagnostics.push(...found);
        invalid = true;
      }
    }
    const ok = !diagnostics.some((d) => d.severity === 'error');
    await this.reportDiagnostics(diagnostics, ok);
    if (!this.json && ok) this.context.stderr.write(`no policy violations (${checked.join('; ')})\n`);
    return invalid ? EXIT.invalid : ok ? EXIT.ok : EXIT.failed;
  }

  /** `policy check` without a mission: the policy's own problems, then the effective policy. */
  private async checkProjectPolicy(project: Project, flags: PermissionFlagValues, cwd: string): Promise<number> {
    const core = await import('@rustchain/core');
    const policy = await policyFor(project, flags, cwd);
    let source: PolicySource | null = null;
    if (flags.policyFile !== undefined) {
      const loaded = await core.loadPolicyFile(flags.policyFile);
      if (loaded.policy !== null) source = { policy: loaded.policy, baseDir: dirname(flags.policyFile), file: flags.policyFile, pointerBase: '' };
    } else if (project.configFile !== null) {
      source = { policy: project.config.policy ?? {}, baseDir: project.dir, file: project.configFile, pointerBase: '/policy' };
    }
    const { lintPolicy } = await import('../../policy-lint.ts');
    const found = lintPolicy(source, flags, { stepTypes: project.registry.types(), didYouMean: core.didYouMean });
    const diagnostics = this.strict ? found.map((d) => ({ ...d, severity: 'error' as const })) : found;
    const ok = !diagnostics.some((d) => d.severity === 'error');
    const sources = [source?.file ?? 'no config: the default policy', ...(flagNames(flags).length > 0 ? [`flags ${flagNames(flags).join(' ')}`] : [])].join(' + ');
    if (this.json) {
      const { diagnosticsDocument } = await import('../../report/diagnostics.ts');
      const document = { ...(await diagnosticsDocument(diagnostics, ok)), sources, policy };
      this.context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      await this.reportDiagnostics(diagnostics, ok);
      const { formatPolicy } = await import('../../report/policy-summary.ts');
      this.context.stdout.write(formatPolicy(policy, sources));
    }
    return ok ? EXIT.ok : EXIT.failed;
  }
}

/** The permission flags given, as typed (for the "where it came from" line). */
function flagNames(flags: PermissionFlagValues): string[] {
  const names: string[] = [];
  if (flags.allowAll) names.push('--allow-all');
  for (const [name, value] of [['--allow-run', flags.allowRun], ['--allow-read', flags.allowRead], ['--allow-write', flags.allowWrite], ['--allow-net', flags.allowNet], ['--allow-env', flags.allowEnv]] as const) {
    if (value === true) names.push(name);
    else if (value !== undefined) names.push(`${name}=${value.join(',')}`);
  }
  return names;
}
