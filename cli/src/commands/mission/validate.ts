import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain mission validate <file>`: every problem in a mission, with its position. */
export class MissionValidateCommand extends ProjectCommand {
  static override paths = [['mission', 'validate']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Check a mission file without running it',
    details: `
      Parses the mission (.yaml, .yml or .json), checks it against the schema, the dependency graph
      (unknown, self and cyclic dependencies) and the configured plugins (step types, parameters,
      template references), and prints every problem compiler style on stderr:
      \`file:line:col: error CODE: field: message (hint)\`, the source line with a caret, and the
      error's entry in docs/errors.md. An unknown field that is a typo of a known one (\`depens_on\`)
      is an error with the fix; other unknown fields and undeclared parameters are warnings, which do
      not fail validation — \`--strict\` makes them errors.

      Exit codes: 0 valid (warnings allowed), 2 at least one error. With \`--json\`, stdout holds
      \`{ "ok": bool, "diagnostics": [ { code, severity, message, file, line, column, hint, pointer, field, docs } ] }\`
      and nothing else.
    `,
    examples: [
      ['Validate the quickstart', '$0 mission validate examples/quickstart.yaml'],
      ['Machine-readable diagnostics', '$0 mission validate mission.yaml --json'],
      ['Unknown fields are errors too (CI)', '$0 mission validate mission.yaml --strict'],
    ],
  });

  /** The mission file (.yaml, .yml or .json). */
  file = Option.String({ name: 'file' });

  /** Unknown keys are errors, not warnings. */
  strict = Option.Boolean('--strict', false, { description: 'Treat unknown mission fields and parameters as errors, not warnings' });

  /** Raises (or lowers) the size cap of the mission file, in bytes (default 5 MiB). */
  maxBytes = Option.String('--max-bytes', { description: 'Refuse files larger than this many bytes (default 5 MiB, 5242880)' });

  override async run(): Promise<number> {
    const maxBytes = this.maxBytes === undefined ? undefined : Number(this.maxBytes);
    if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw new UsageError(`--max-bytes must be a positive integer, got \`${this.maxBytes}\``);
    const project = await this.project();
    const { validateMission } = await import('@rustchain/core');
    const result = await validateMission(this.file, { registry: project.registry, strict: this.strict, ...(maxBytes === undefined ? {} : { maxBytes }) });
    await this.reportDiagnostics(result.diagnostics, result.ok);
    if (!this.json && result.ok) {
      const steps = result.mission?.steps.length ?? 0;
      this.context.stderr.write(`${this.file}: valid (${steps} step${steps === 1 ? '' : 's'})\n`);
    }
    return result.ok ? EXIT.ok : EXIT.invalid;
  }
}
