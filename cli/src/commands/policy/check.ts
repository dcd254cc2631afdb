import { Command, Option } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { PermissionedCommand } from '../../options/permissions.ts';
import { prepareMission } from '../../prepare.ts';

/** `rustchain policy check <mission>`: every policy violation, located; runs nothing. */
export class PolicyCheckCommand extends PermissionedCommand {
  static override paths = [['policy', 'check']];

  static override usage = Command.Usage({
    category: 'Policy',
    description: 'List every policy violation of a mission without running it',
    details: `
      Validates the mission, forms the policy from rustchain.config.* (or \`--policy <file>\`) plus the
      \`--allow-*\` flags, and checks every step statically: step types, commands and their argument
      patterns, shell use, file paths against the read/write roots, network hosts, environment
      variables and limits. Each violation is printed as \`file:line:col: error CODE: message (hint)\`;
      the hint names the flag or config entry that would allow it. Nothing is executed.

      Exit codes: 0 no violation, 1 at least one violation, 2 the mission or policy file is invalid.
    `,
    examples: [
      ['Check a mission against the project policy', '$0 policy check deploy.yaml'],
      ['Check against a stricter policy file, as JSON', '$0 policy check deploy.yaml --policy ci-policy.yaml --json'],
    ],
  });

  /** The mission file (.yaml, .yml or .json). */
  file = Option.String({ name: 'file' });

  override async run(): Promise<number> {
    const flags = this.permissionFlags();
    const project = await this.project();
    const cwd = this.cwd();
    const { mission, policy } = await prepareMission({ file: this.file, project, flags, cwd, checkPolicy: false, strict: this.strict });
    const { checkPolicy } = await import('@rustchain/core');
    const violations = checkPolicy(mission, project.registry, policy, { workDir: cwd });
    const ok = !violations.some((d) => d.severity === 'error');
    await this.reportDiagnostics(violations, ok);
    if (!this.json && ok) this.context.stderr.write(`${this.file}: no policy violations (${mission.steps.length} steps checked)\n`);
    return ok ? EXIT.ok : EXIT.failed;
  }
}
