import { readFile, writeFile } from 'node:fs/promises';
import { Command, Option } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { RustchainCommand } from '../base.ts';

/** `rustchain mission migrate <file>`: rewrite legacy RustChain forms into the current format. */
export class MissionMigrateCommand extends RustchainCommand {
  static override paths = [['mission', 'migrate']];

  static override usage = Command.Usage({
    category: 'Missions',
    description: 'Rewrite legacy RustChain mission forms (PascalCase step types, `dependencies`, ...)',
    details: `
      Reads a mission written for the original RustChain and rewrites the forms it used that this
      format reports as legacy: PascalCase step types (\`CreateFile\` → \`create_file\`), \`dependencies\`
      → \`depends_on\`, legacy JSON steps without \`parameters\`, and the like. Comments and layout are
      kept. Prints the migrated text on stdout (or rewrites the file with \`--write\`) and lists each
      change on stderr as \`file:line:col: change\`.

      With \`--json\`: \`{ "file", "changed": bool, "changes": [...], "text" }\` on stdout.
    `,
    examples: [
      ['Preview the migration', '$0 mission migrate old-mission.yaml'],
      ['Rewrite the file in place', '$0 mission migrate old-mission.yaml --write'],
    ],
  });

  /** Rewrite the file in place instead of printing the result. */
  write = Option.Boolean('--write', false, { description: 'Rewrite the file in place instead of printing it' });

  /** The mission file to migrate. */
  file = Option.String({ name: 'file' });

  override async run(): Promise<number> {
    const { DiagnosticsError, migrateMissionText } = await import('@rustchain/core');
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new DiagnosticsError([
        { code: 'E_FILE_NOT_FOUND', severity: 'error', message: `cannot read the mission file (${reason})`, file: this.file, line: 1, column: 1 },
      ]);
    }
    const result = migrateMissionText(text, this.file);
    const changed = result.text !== text;
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ file: this.file, changed, written: this.write && changed, changes: result.changes, text: result.text }, null, 2)}\n`);
    } else {
      for (const change of result.changes) {
        this.context.stderr.write(`${this.file}:${change.line}:${change.column}: ${change.description}\n`);
      }
      if (!this.write) this.context.stdout.write(result.text);
      else this.context.stderr.write(changed ? `${this.file}: rewritten (${result.changes.length} changes)\n` : `${this.file}: nothing to migrate\n`);
    }
    if (this.write && changed) await writeFile(this.file, result.text);
    return EXIT.ok;
  }
}
