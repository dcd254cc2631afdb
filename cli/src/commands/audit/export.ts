import { writeFile } from 'node:fs/promises';
import { Command, Option, UsageError } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';
import { resolveRunId } from '../../run-id.ts';

/** `rustchain audit export`: a signed in-toto attestation (DSSE envelope) for one run. */
export class AuditExportCommand extends ProjectCommand {
  static override paths = [['audit', 'export']];

  static override usage = Command.Usage({
    category: 'Audit',
    description: 'Export a run as an in-toto Statement v1 in a DSSE envelope signed with the ledger key',
    details: `
      The subject is the compiled module digest (or the mission file digest when the run used no
      compiled module); the predicate (${'`https://rustchain.dev/attestation/run/v1`'}) is the run summary.
      The ledger must verify first. Check the result offline with \`audit verify --attestation\`.
    `,
    examples: [
      ['Write an attestation file', '$0 audit export --run 3f2a... -o run.intoto.json'],
      ['Print the envelope', '$0 audit export --run 3f2a... --json'],
    ],
  });

  /** The run to attest. */
  run_ = Option.String('--run', { description: 'Run id to export (or a unique prefix of one; see `rustchain runs list`)' });

  /** Output file (default stdout). */
  output = Option.String('-o,--output', { description: 'Write the envelope to this file instead of stdout' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    // Checked here, not by clipanion: a missing required option would read "Command not found".
    if (this.run_ === undefined) throw new UsageError('audit export needs the run: --run <run-id> (`rustchain runs list` shows them)');
    const { stateDir } = await this.project();
    const runId = await resolveRunId(stateDir, this.run_);
    let envelope;
    try {
      envelope = await core.exportAttestation(stateDir, runId);
    } catch (error) {
      // A ledger that does not verify is a failed check (exit 1), not bad input.
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('E_AUDIT_') || code === 'E_AUDIT_RUN_NOT_FOUND') throw error;
      const message = (error as Error).message;
      if (this.json) this.context.stdout.write(`${JSON.stringify({ ok: false, code, message }, null, 2)}\n`);
      this.context.stderr.write(`rustchain: ${code}: ${message}\n`);
      return EXIT.failed;
    }
    const text = `${JSON.stringify(envelope, null, 2)}\n`;
    if (this.output === undefined) {
      this.context.stdout.write(text);
      return EXIT.ok;
    }
    await writeFile(this.output, text);
    if (this.json) this.context.stdout.write(`${JSON.stringify({ ok: true, runId, file: this.output, keyId: envelope.signatures[0]?.keyid ?? null }, null, 2)}\n`);
    else this.context.stdout.write(`wrote ${this.output}\n`);
    return EXIT.ok;
  }
}
