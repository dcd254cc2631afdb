import { Command, Option } from 'clipanion';
import { EXIT } from '../../exit-codes.ts';
import { ProjectCommand } from '../../options/project.ts';

/** `rustchain audit report`: what each run did, from the audit ledger. */
export class AuditReportCommand extends ProjectCommand {
  static override paths = [['audit', 'report']];

  static override usage = Command.Usage({
    category: 'Audit',
    description: 'Summarise runs from the audit ledger',
    details: `
      Per run: steps with status, attempts, durations and output digests, policy decisions, plugin
      versions, and mission / compiled-artifact digests. The ledger's integrity is checked first and
      shown at the top; the command exits 1 when the ledger does not verify.
    `,
    examples: [
      ['Every run, as text', '$0 audit report'],
      ['One run as markdown (for a PR comment)', '$0 audit report --run 3f2a... --format markdown'],
      ['As JSON', '$0 audit report --json'],
    ],
  });

  /** Only this run. */
  run_ = Option.String('--run', { description: 'Report only this run id' });

  /** Output format (`--json` wins). */
  format = Option.String('--format', 'text', { description: 'text, markdown or json (default text)' });

  override async run(): Promise<number> {
    const core = await import('@rustchain/core');
    const format = this.json ? 'json' : this.format;
    if (!(core.AUDIT_REPORT_FORMATS as readonly string[]).includes(format)) {
      throw Object.assign(new Error(`--format must be one of ${core.AUDIT_REPORT_FORMATS.join(', ')}`), { clipanion: { type: 'usage' } });
    }
    const { stateDir } = await this.project();
    const report = await core.buildAuditReport(stateDir, this.run_ === undefined ? {} : { runId: this.run_ });
    if (this.run_ !== undefined && report.runs.length === 0) {
      throw new core.RustchainError('E_AUDIT_RUN_NOT_FOUND', `no run ${this.run_} in the audit ledger`);
    }
    this.context.stdout.write(core.renderAuditReport(report, format as 'text' | 'markdown' | 'json'));
    return report.integrity.ok ? EXIT.ok : EXIT.failed;
  }
}
